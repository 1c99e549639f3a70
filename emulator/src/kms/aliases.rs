//! Aliases: CreateAlias and ListAliases, and the rules every alias name follows.

use super::access::{authorize, authorize_iam, Via};
use super::error::{validated, KmsError};
use super::model::*;
use super::store::{Alias, KeyManager, KeyState};
use super::{marker, parse_marker};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;
use crate::time::Timestamp;

/// Checks an alias name: `alias/` followed by letters, digits, `/`, `_`, `-` (and `:`
/// as the model allows), not in the reserved `alias/aws/` space.
pub(crate) fn check_alias_name(name: &str) -> Result<(), KmsError> {
    let mut v = Validator::new();
    v.length("aliasName", name, 1, 256);
    v.pattern(
        "aliasName",
        Some(name),
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c)),
        "^[a-zA-Z0-9:/_-]+$",
    );
    validated(v.finish())?;
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(KmsError::Validation(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html".to_owned(),
        ));
    };
    if rest.is_empty() {
        return Err(KmsError::InvalidAliasName(
            "Alias name must have at least one character after \"alias/\".".to_owned(),
        ));
    }
    if rest.starts_with("aws/") {
        return Err(KmsError::InvalidAliasName(
            "Alias names beginning with alias/aws/ are reserved for AWS managed keys.".to_owned(),
        ));
    }
    Ok(())
}

/// The ARN of an alias.
pub(crate) fn alias_arn(ctx: &RequestContext, name: &str) -> String {
    format!("arn:aws:kms:{}:{}:{name}", ctx.region, ctx.account)
}

/// CreateAlias: names a customer managed key. Needs `kms:CreateAlias` on the alias (IAM)
/// and on the key (key policy).
pub fn create_alias(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: AliasInput,
) -> Result<Empty, KmsError> {
    let mut v = Validator::new();
    let name = v.required("aliasName", &input.alias_name).cloned();
    let target = v.required("targetKeyId", &input.target_key_id).cloned();
    validated(v.finish())?;
    let (name, target) = (name.unwrap_or_default(), target.unwrap_or_default());
    check_alias_name(&name)?;
    authorize_iam(state, ctx, "kms:CreateAlias", &alias_arn(ctx, &name))?;
    if target.starts_with("alias/") || target.contains(":alias/") {
        return Err(KmsError::Validation(
            "TargetKeyId must be a key id or key ARN, not an alias.".to_owned(),
        ));
    }
    let region = state.region(&ctx.region);
    let key = region.kms.snapshot(&target, &ctx.region, &ctx.account)?;
    authorize(state, ctx, &key, "kms:CreateAlias", None, Via::Direct)?;
    if key.manager == KeyManager::Aws {
        return Err(KmsError::UnsupportedOperation(format!(
            "{} is an AWS managed key; aliases cannot be created for it.",
            key.arn
        )));
    }
    if matches!(key.state, KeyState::PendingDeletion { .. }) {
        return Err(KmsError::InvalidState(format!(
            "{} is pending deletion.",
            key.arn
        )));
    }
    region.kms.write(|data| {
        if data.aliases.contains_key(&name) {
            return Err(KmsError::AlreadyExists(format!(
                "An alias with the name {} already exists",
                alias_arn(ctx, &name)
            )));
        }
        let now = Timestamp::now();
        data.aliases.insert(
            name.clone(),
            Alias {
                target: key.id.clone(),
                creation_date: now,
                last_updated: now,
            },
        );
        Ok(Empty {})
    })
}

/// ListAliases: every alias of the region, or those of one key, in pages.
pub fn list_aliases(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: ListInput,
) -> Result<ListAliasesOutput, KmsError> {
    let mut v = Validator::new();
    v.range("limit", input.limit, 1, 1000);
    v.opt_length("keyId", &input.key_id, 1, 2048);
    validated(v.finish())?;
    authorize_iam(state, ctx, "kms:ListAliases", "*")?;
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    let limit = input.limit.unwrap_or(100) as usize;
    let region = state.region(&ctx.region);
    let key_filter = input
        .key_id
        .as_deref()
        .map(|k| {
            region
                .kms
                .read(|data| data.resolve(k, &ctx.region, &ctx.account))
        })
        .transpose()?;
    region.kms.read(|data| {
        let range = match &after {
            Some(after) => data
                .aliases
                .range::<String, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded)),
            None => data.aliases.range::<String, _>(..),
        };
        let mut aliases: Vec<AliasListEntry> = range
            .filter(|(_, alias)| key_filter.as_ref().is_none_or(|k| *k == alias.target))
            .take(limit + 1)
            .map(|(name, alias)| AliasListEntry {
                alias_name: name.clone(),
                alias_arn: alias_arn(ctx, name),
                target_key_id: Some(alias.target.clone()),
                creation_date: Some(alias.creation_date),
                last_updated_date: Some(alias.last_updated),
            })
            .collect();
        let truncated = aliases.len() > limit;
        aliases.truncate(limit);
        let next_marker = truncated.then(|| marker(&aliases[aliases.len() - 1].alias_name));
        Ok(ListAliasesOutput {
            aliases,
            next_marker,
            truncated,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names_follow_the_rules() {
        assert!(check_alias_name("alias/ParameterStoreBlogKeyDev").is_ok());
        assert!(check_alias_name("alias/a/b_c-d").is_ok());
        assert!(matches!(
            check_alias_name("noprefix"),
            Err(KmsError::Validation(_))
        ));
        assert!(matches!(
            check_alias_name("alias/"),
            Err(KmsError::InvalidAliasName(_))
        ));
        assert!(matches!(
            check_alias_name("alias/aws/mine"),
            Err(KmsError::InvalidAliasName(_))
        ));
        assert!(matches!(
            check_alias_name("alias/sp ace"),
            Err(KmsError::Validation(_))
        ));
    }
}
