//! Aliases: CreateAlias, UpdateAlias, DeleteAlias and ListAliases, and the rules every
//! alias name follows.

use super::access::{authorize, authorize_iam, Via};
use super::error::{validated, KmsError};
use super::model::{
    AliasListEntry, CreateAliasRequest, DeleteAliasRequest, Empty, ListAliasesRequest,
    ListAliasesResponse, UpdateAliasRequest,
};
use super::services::KmsServices;
use super::store::{Alias, KeyManager, KeySnapshot, KeyState};
use super::{marker, parse_marker};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use crate::time::Timestamp;
use std::collections::BTreeMap;

/// Checks an alias name: `alias/` followed by letters, digits, `/`, `_`, `-` (and `:`
/// as the model allows), not in the reserved `alias/aws/` space.
pub(crate) fn check_alias_name(name: &str) -> Result<(), KmsError> {
    check_alias_syntax(name)?;
    if name.starts_with(AWS_ALIAS_PREFIX) {
        return Err(KmsError::InvalidAliasNameException(
            "Alias names beginning with alias/aws/ are reserved for AWS managed keys.".to_owned(),
        ));
    }
    Ok(())
}

/// The prefix of the aliases of AWS managed keys.
pub(crate) const AWS_ALIAS_PREFIX: &str = "alias/aws/";

/// Checks the form of an alias name (as [`check_alias_name`], but a name in the reserved
/// `alias/aws/` space passes: operations on existing aliases find those and refuse them
/// later, as AWS does): the model's `AliasNameType` (checked as DeleteAlias's only
/// member, so that a name from a fixture file meets it too), then the `alias/` prefix.
fn check_alias_syntax(name: &str) -> Result<(), KmsError> {
    let named = DeleteAliasRequest {
        alias_name: Some(name.to_owned()),
    };
    validated(named.check())?;
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(KmsError::ValidationException(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html".to_owned(),
        ));
    };
    if rest.is_empty() {
        return Err(KmsError::InvalidAliasNameException(
            "Alias name must have at least one character after \"alias/\".".to_owned(),
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
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: CreateAliasRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let name = input.alias_name.unwrap_or_default();
    let target = input.target_key_id.unwrap_or_default();
    check_alias_name(&name)?;
    authorize_iam(state, ctx, "kms:CreateAlias", &alias_arn(ctx, &name))?;
    if target.starts_with("alias/") || target.contains(":alias/") {
        return Err(KmsError::ValidationException(
            "TargetKeyId must be a key id or key ARN, not an alias.".to_owned(),
        ));
    }
    let region = state.keys(&ctx.region);
    let key = region.snapshot(&target, &ctx.region, &ctx.account)?;
    authorize(state, ctx, &key, "kms:CreateAlias", None, Via::Direct)?;
    if key.manager == KeyManager::Aws {
        return Err(KmsError::UnsupportedOperationException(format!(
            "{} is an AWS managed key; aliases cannot be created for it.",
            key.arn
        )));
    }
    if matches!(key.state, KeyState::PendingDeletion { .. }) {
        return Err(KmsError::KMSInvalidStateException(format!(
            "{} is pending deletion.",
            key.arn
        )));
    }
    region.write(|data| {
        if data.aliases.contains_key(&name) {
            return Err(KmsError::AlreadyExistsException(format!(
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

/// DeleteAlias's input.
fn alias_not_found(ctx: &RequestContext, name: &str) -> KmsError {
    KmsError::NotFoundException(format!("Alias {} is not found.", alias_arn(ctx, name)))
}

/// Refuses to move or delete an alias of an AWS managed key. The managed key's policy
/// refuses these actions first, so this only guards the rule itself.
fn refuse_aws_managed(name: &str, key: &KeySnapshot) -> Result<(), KmsError> {
    if name.starts_with(AWS_ALIAS_PREFIX) || key.manager == KeyManager::Aws {
        return Err(KmsError::UnsupportedOperationException(format!(
            "{name} is the alias of an AWS managed key ({}); it cannot be changed or deleted.",
            key.arn
        )));
    }
    Ok(())
}

/// UpdateAlias: points an existing alias at another customer managed key. Needs
/// `kms:UpdateAlias` on the alias (IAM) and on both the current and the new key (key
/// policies). The current key may be in any state; the new one must not be pending
/// deletion.
pub fn update_alias(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: UpdateAliasRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let name = input.alias_name.unwrap_or_default();
    let target = input.target_key_id.unwrap_or_default();
    check_alias_syntax(&name)?;
    authorize_iam(state, ctx, "kms:UpdateAlias", &alias_arn(ctx, &name))?;
    if target.starts_with("alias/") || target.contains(":alias/") {
        return Err(KmsError::ValidationException(
            "TargetKeyId must be a key id or key ARN, not an alias.".to_owned(),
        ));
    }
    let region = state.keys(&ctx.region);
    let current_id = region
        .read(|data| data.aliases.get(&name).map(|a| a.target.clone()))
        .ok_or_else(|| alias_not_found(ctx, &name))?;
    let current = region
        .snapshot(&current_id, &ctx.region, &ctx.account)
        .map_err(|_| alias_not_found(ctx, &name))?;
    let new = region.snapshot(&target, &ctx.region, &ctx.account)?;
    authorize(state, ctx, &current, "kms:UpdateAlias", None, Via::Direct)?;
    authorize(state, ctx, &new, "kms:UpdateAlias", None, Via::Direct)?;
    refuse_aws_managed(&name, &current)?;
    refuse_aws_managed(&name, &new)?;
    region.write(|data| {
        let new_key = data.keys.get(&new.id).ok_or_else(|| {
            KmsError::NotFoundException(format!("Key '{}' does not exist", new.arn))
        })?;
        if matches!(new_key.state, KeyState::PendingDeletion { .. }) {
            return Err(KmsError::KMSInvalidStateException(format!(
                "{} is pending deletion.",
                new.arn
            )));
        }
        let alias = data
            .aliases
            .get_mut(&name)
            .ok_or_else(|| alias_not_found(ctx, &name))?;
        alias.target = new.id.clone();
        alias.last_updated = Timestamp::now();
        Ok(Empty {})
    })
}

/// DeleteAlias: removes an alias (its key is untouched), in any key state. Needs
/// `kms:DeleteAlias` on the alias (IAM) and on its key (key policy).
pub fn delete_alias(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: DeleteAliasRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let name = input.alias_name.unwrap_or_default();
    check_alias_syntax(&name)?;
    authorize_iam(state, ctx, "kms:DeleteAlias", &alias_arn(ctx, &name))?;
    let region = state.keys(&ctx.region);
    let target = region
        .read(|data| data.aliases.get(&name).map(|a| a.target.clone()))
        .ok_or_else(|| alias_not_found(ctx, &name))?;
    let key = region
        .snapshot(&target, &ctx.region, &ctx.account)
        .map_err(|_| alias_not_found(ctx, &name))?;
    authorize(state, ctx, &key, "kms:DeleteAlias", None, Via::Direct)?;
    refuse_aws_managed(&name, &key)?;
    region.write(|data| {
        data.aliases
            .remove(&name)
            .map(|_| Empty {})
            .ok_or_else(|| alias_not_found(ctx, &name))
    })
}

/// The AWS managed aliases ListAliases shows in every account and Region, even before the
/// service has created its key: the list moto keeps (`moto/kms/utils.py`,
/// `RESERVED_ALIASES`), which matches the `alias/aws/*` aliases a published aws-nuke run
/// lists for a real account's eu-west-2. Sorted.
pub const PREDEFINED_AWS_ALIASES: [&str; 14] = [
    "alias/aws/acm",
    "alias/aws/dynamodb",
    "alias/aws/ebs",
    "alias/aws/elasticfilesystem",
    "alias/aws/es",
    "alias/aws/glue",
    "alias/aws/kinesisvideo",
    "alias/aws/lambda",
    "alias/aws/rds",
    "alias/aws/redshift",
    "alias/aws/s3",
    "alias/aws/secretsmanager",
    "alias/aws/ssm",
    "alias/aws/xray",
];

/// ListAliases: every alias of the region (with the AWS managed ones), or those of one
/// key, in pages.
pub fn list_aliases(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ListAliasesRequest,
) -> Result<ListAliasesResponse, KmsError> {
    validated(input.check())?;
    authorize_iam(state, ctx, "kms:ListAliases", "*")?;
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    let limit = input.limit.unwrap_or(100) as usize;
    let region = state.keys(&ctx.region);
    let key_filter = input
        .key_id
        .as_deref()
        .map(|k| region.read(|data| data.resolve(k, &ctx.region, &ctx.account)))
        .transpose()?;
    region.read(|data| {
        // Every alias of the region, with the AWS managed aliases that exist in every
        // account and Region even before their keys do (those without a target).
        let mut all: BTreeMap<&str, Option<&Alias>> = data
            .aliases
            .iter()
            .map(|(name, alias)| (name.as_str(), Some(alias)))
            .collect();
        for name in PREDEFINED_AWS_ALIASES {
            all.entry(name).or_insert(None);
        }
        let range = match &after {
            Some(after) => all.range::<str, _>((
                std::ops::Bound::Excluded(after.as_str()),
                std::ops::Bound::Unbounded,
            )),
            None => all.range::<str, _>(..),
        };
        let mut aliases: Vec<AliasListEntry> = range
            .filter(|(_, alias)| match (&key_filter, alias) {
                (None, _) => true,
                (Some(k), Some(alias)) => *k == alias.target,
                (Some(_), None) => false,
            })
            .take(limit + 1)
            .map(|(name, alias)| AliasListEntry {
                alias_name: Some((*name).to_owned()),
                alias_arn: Some(alias_arn(ctx, name)),
                target_key_id: alias.map(|a| a.target.clone()),
                creation_date: alias.map(|a| a.creation_date),
                last_updated_date: alias.map(|a| a.last_updated),
            })
            .collect();
        let truncated = aliases.len() > limit;
        aliases.truncate(limit);
        let next_marker = truncated
            .then(|| {
                aliases
                    .last()
                    .and_then(|a| a.alias_name.as_deref())
                    .map(marker)
            })
            .flatten();
        Ok(ListAliasesResponse {
            aliases: Some(aliases),
            next_marker,
            truncated: Some(truncated),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::EmulatorState;

    #[test]
    fn alias_names_follow_the_rules() {
        assert!(check_alias_name("alias/ParameterStoreBlogKeyDev").is_ok());
        assert!(check_alias_name("alias/a/b_c-d").is_ok());
        assert!(matches!(
            check_alias_name("noprefix"),
            Err(KmsError::ValidationException(_))
        ));
        assert!(matches!(
            check_alias_name("alias/"),
            Err(KmsError::InvalidAliasNameException(_))
        ));
        assert!(matches!(
            check_alias_name("alias/aws/mine"),
            Err(KmsError::InvalidAliasNameException(_))
        ));
        assert!(matches!(
            check_alias_name("alias/sp ace"),
            Err(KmsError::ValidationException(_))
        ));
        // Existing aliases of AWS managed keys are named, and refused later.
        assert!(check_alias_syntax("alias/aws/ssm").is_ok());
    }

    use super::super::lifecycle::testing::{aws_managed_key, key, root, state};

    /// A CreateAlias or UpdateAlias request (the two have the same members).
    fn alias<T: serde::de::DeserializeOwned>(name: &str, target: &str) -> T {
        serde_json::from_value(serde_json::json!({ "AliasName": name, "TargetKeyId": target }))
            .unwrap()
    }

    fn target_of(state: &EmulatorState, name: &str) -> Option<String> {
        state
            .region("us-east-1")
            .kms
            .read(|d| d.aliases.get(name).map(|a| a.target.clone()))
    }

    #[test]
    fn aliases_move_between_keys_and_are_deleted() {
        let (state, ctx) = (state(), root());
        let (a, b) = (key(&state, &ctx), key(&state, &ctx));
        create_alias(&state, &ctx, alias("alias/moving", &a)).unwrap();
        update_alias(&state, &ctx, alias("alias/moving", &b)).unwrap();
        assert_eq!(target_of(&state, "alias/moving"), Some(b.clone()));
        assert!(matches!(
            update_alias(&state, &ctx, alias("alias/absent", &b)),
            Err(KmsError::NotFoundException(m)) if m == "Alias arn:aws:kms:us-east-1:123456789012:alias/absent is not found."
        ));
        delete_alias(
            &state,
            &ctx,
            DeleteAliasRequest {
                alias_name: Some("alias/moving".into()),
            },
        )
        .unwrap();
        assert_eq!(target_of(&state, "alias/moving"), None);
        assert!(matches!(
            delete_alias(
                &state,
                &ctx,
                DeleteAliasRequest {
                    alias_name: Some("alias/moving".into())
                }
            ),
            Err(KmsError::NotFoundException(_))
        ));
    }

    #[test]
    fn aliases_of_aws_managed_keys_stay_put() {
        let (state, ctx) = (state(), root());
        let managed = aws_managed_key(&state, &ctx);
        let mine = key(&state, &ctx);
        assert!(matches!(
            delete_alias(
                &state,
                &ctx,
                DeleteAliasRequest {
                    alias_name: Some("alias/aws/ssm".into())
                }
            ),
            Err(KmsError::AccessDeniedException(m)) if m.contains("kms:DeleteAlias")
        ));
        assert!(matches!(
            update_alias(&state, &ctx, alias("alias/aws/ssm", &mine)),
            Err(KmsError::AccessDeniedException(_))
        ));
        create_alias(&state, &ctx, alias("alias/mine", &mine)).unwrap();
        assert!(matches!(
            update_alias(&state, &ctx, alias("alias/mine", &managed)),
            Err(KmsError::AccessDeniedException(_))
        ));
        assert_eq!(target_of(&state, "alias/aws/ssm"), Some(managed));
    }

    #[test]
    fn an_alias_cannot_move_to_a_key_pending_deletion() {
        let (state, ctx) = (state(), root());
        let (a, b) = (key(&state, &ctx), key(&state, &ctx));
        create_alias(&state, &ctx, alias("alias/stay", &a)).unwrap();
        super::super::lifecycle::schedule_key_deletion(
            &state,
            &ctx,
            crate::kms::model::ScheduleKeyDeletionRequest {
                key_id: Some(b.clone()),
                pending_window_in_days: None,
            },
        )
        .unwrap();
        assert!(matches!(
            update_alias(&state, &ctx, alias("alias/stay", &b)),
            Err(KmsError::KMSInvalidStateException(m)) if m.ends_with("is pending deletion.")
        ));
        assert_eq!(target_of(&state, "alias/stay"), Some(a));
    }
}
