//! PutParameter: the request's own checks, then the store's rules for the new version.

use super::error::{validated, SsmError};
use super::model::{PutParameterInput, PutParameterOutput, Tag};
use super::names;
use super::store::{NewVersion, ParameterType, RequestedTier};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;
use crate::time::Timestamp;
use std::collections::BTreeMap;

/// The data types a parameter may declare.
const DATA_TYPES: [&str; 3] = ["text", "aws:ec2:image", "aws:ssm:integration"];
/// The parameter policy types.
const POLICY_TYPES: [&str; 3] = [
    "Expiration",
    "ExpirationNotification",
    "NoChangeNotification",
];
/// The most policies one parameter may carry.
const MAX_POLICIES: usize = 10;

/// Whether a character may appear in a tag key or value
/// (`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`).
fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || c.is_whitespace() || "_.:/=+-@".contains(c)
}

const TAG_PATTERN: &str = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";

/// Checks a list of tags against the model's constraints, naming members as AWS does
/// (`tags.1.member.key`).
pub(crate) fn check_tags(v: &mut Validator, tags: &[Tag]) {
    if tags.len() > 1000 {
        v.violation(
            "tags",
            &format!("[{} tags]", tags.len()),
            "Member must have length less than or equal to 1000",
        );
    }
    for (i, tag) in tags.iter().enumerate() {
        let key_field = format!("tags.{}.member.key", i + 1);
        let value_field = format!("tags.{}.member.value", i + 1);
        if let Some(key) = v.required(&key_field, &tag.key) {
            v.length(&key_field, key, 1, 128);
            v.pattern(
                &key_field,
                Some(key),
                key.chars().all(is_tag_char),
                TAG_PATTERN,
            );
        }
        if let Some(value) = v.required(&value_field, &tag.value) {
            v.length(&value_field, value, 0, 256);
            v.pattern(
                &value_field,
                Some(value),
                value.chars().all(is_tag_char),
                TAG_PATTERN,
            );
        }
    }
}

/// Parses and checks the `Policies` member: a JSON list of at most ten policies of the
/// three known types, each with attributes. Returns each policy as its JSON text.
fn parse_policies(text: &str) -> Result<Vec<String>, SsmError> {
    let list: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|_| {
        SsmError::InvalidPolicyType(format!(
            "The policies {text} are not a JSON list of parameter policies."
        ))
    })?;
    if list.len() > MAX_POLICIES {
        return Err(SsmError::PoliciesLimitExceeded(format!(
            "A parameter can have at most {MAX_POLICIES} policies."
        )));
    }
    let mut policies = Vec::with_capacity(list.len());
    for policy in list {
        let kind = policy.get("Type").and_then(|t| t.as_str()).unwrap_or("");
        if !POLICY_TYPES.contains(&kind) {
            return Err(SsmError::InvalidPolicyType(format!(
                "The policy type {kind} is not supported. Supported policy types: {}.",
                POLICY_TYPES.join(", ")
            )));
        }
        if !policy
            .get("Attributes")
            .is_some_and(serde_json::Value::is_object)
        {
            return Err(SsmError::InvalidPolicyAttribute(format!(
                "The {kind} policy must have an Attributes object."
            )));
        }
        policies.push(policy.to_string());
    }
    Ok(policies)
}

/// PutParameter.
pub fn put_parameter(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: PutParameterInput,
) -> Result<PutParameterOutput, SsmError> {
    let mut v = Validator::new();
    let name = v.required("name", &input.name).cloned();
    let value = v.required("value", &input.value).cloned();
    if let Some(name) = &name {
        v.length("name", name, 1, 2048);
    }
    if let Some(value) = &value {
        v.length("value", value, 1, usize::MAX);
    }
    v.opt_length("description", &input.description, 0, 1024);
    v.one_of("type", input.kind.as_deref(), &ParameterType::NAMES);
    v.opt_length("keyId", &input.key_id, 1, 256);
    v.pattern(
        "keyId",
        input.key_id.as_deref(),
        input.key_id.as_deref().is_some_and(|k| {
            k.chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c))
        }),
        "^([a-zA-Z0-9:/_-]+)$",
    );
    v.opt_length("allowedPattern", &input.allowed_pattern, 0, 1024);
    if let Some(tags) = &input.tags {
        check_tags(&mut v, tags);
    }
    v.one_of("tier", input.tier.as_deref(), &RequestedTier::NAMES);
    v.opt_length("policies", &input.policies, 1, 4096);
    v.opt_length("dataType", &input.data_type, 0, 128);
    validated(v.finish())?;
    let (name, value) = (name.unwrap_or_default(), value.unwrap_or_default());

    let overwrite = input.overwrite.unwrap_or(false);
    let tags = input.tags.unwrap_or_default();
    if overwrite && !tags.is_empty() {
        return Err(SsmError::Validation(
            "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.".to_owned(),
        ));
    }
    // PutParameter's own keys (AWS Systems Manager User Guide, "Preventing access to
    // Parameter Store API operations"): whether it overwrites, whether it sets parameter
    // policies, and the tags it creates the parameter with.
    let tag_pairs: Vec<(String, String)> = tags
        .iter()
        .map(|t| {
            (
                t.key.clone().unwrap_or_default(),
                t.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    let has_policies = input.policies.as_deref().is_some_and(|p| !p.is_empty());
    let put_keys = |keys: &mut crate::iam::policy::ContextKeys| {
        keys.insert("ssm:Overwrite", if overwrite { "true" } else { "false" });
        keys.insert("ssm:Policies", if has_policies { "true" } else { "false" });
        super::request_tag_keys(keys, &tag_pairs);
    };
    super::authorize_parameter_with(state, ctx, "ssm:PutParameter", &name, &put_keys)?;
    if !tags.is_empty() {
        super::authorize_parameter_with(state, ctx, "ssm:AddTagsToResource", &name, &|keys| {
            super::request_tag_keys(keys, &tag_pairs)
        })?;
    }
    names::validate_new_name(&name, &ctx.region, &ctx.account)?;
    let kind = input.kind.as_deref().and_then(ParameterType::parse);
    if let Some(data_type) = &input.data_type {
        if !DATA_TYPES.contains(&data_type.as_str()) {
            return Err(SsmError::Validation(format!(
                "The following data type is not supported: {data_type} (Data type names are all lowercase.)"
            )));
        }
    }
    let key = names::key_of(&name);
    let region = state.region(&ctx.region);
    // The type and key a SecureString overwrite keeps come from the newest version.
    let previous = region.ssm.latest(&key);
    if previous.is_some() && !overwrite {
        return Err(SsmError::ParameterAlreadyExists(
            "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.".to_owned(),
        ));
    }
    let final_kind = kind.or(previous.as_ref().map(|p| p.kind));
    if input.key_id.is_some() && final_kind != Some(ParameterType::SecureString) {
        return Err(SsmError::Validation(
            "KeyId is required for SecureString type parameter only.".to_owned(),
        ));
    }
    let allowed_pattern = match input.allowed_pattern.as_deref() {
        None | Some("") => None,
        Some(pattern) => Some(super::store::AllowedPattern::compile(pattern).map_err(|_| {
            SsmError::InvalidAllowedPattern(format!(
                "The allowed pattern {pattern} is not a valid regular expression."
            ))
        })?),
    };
    let policies = input.policies.as_deref().map(parse_policies).transpose()?;
    let tags: BTreeMap<String, String> = tags
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect();
    let (encrypted, key_id) = if final_kind == Some(ParameterType::SecureString) {
        let key_id = input
            .key_id
            .clone()
            .or_else(|| previous.as_ref().and_then(|p| p.key_id.clone()))
            .unwrap_or_else(|| super::secure::DEFAULT_KEY.to_owned());
        let arn = names::arn(&ctx.region, &ctx.account, &name);
        let ciphertext = super::secure::encrypt(state, ctx, &key_id, &arn, &value)?;
        (Some(ciphertext), Some(key_id))
    } else {
        (None, None)
    };
    let new = NewVersion {
        value,
        encrypted,
        // An encrypted value is only ever stored as a SecureString.
        kind: kind.or(final_kind.filter(|k| *k == ParameterType::SecureString)),
        key_id,
        description: input.description,
        allowed_pattern,
        data_type: input.data_type,
        tier: input.tier.as_deref().and_then(RequestedTier::parse),
        policies,
        overwrite,
        tags,
        user: ctx.caller.arn.clone(),
        now: Timestamp::now(),
        quota: Some(super::store::ParameterQuota {
            standard: state.config.max_standard_parameters,
            advanced: state.config.max_advanced_parameters,
        }),
    };
    let (version, tier) = region.ssm.put(&key, &name, new)?;
    Ok(PutParameterOutput {
        version,
        tier: tier.as_str(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_checked() {
        let ok = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}}]"#;
        assert_eq!(parse_policies(ok).unwrap().len(), 1);
        assert!(matches!(
            parse_policies(r#"[{"Type":"Nope","Attributes":{}}]"#),
            Err(SsmError::InvalidPolicyType(_))
        ));
        assert!(matches!(
            parse_policies(r#"[{"Type":"Expiration"}]"#),
            Err(SsmError::InvalidPolicyAttribute(_))
        ));
        assert!(matches!(
            parse_policies("not json"),
            Err(SsmError::InvalidPolicyType(_))
        ));
    }

    #[test]
    fn tag_characters_follow_the_model_pattern() {
        assert!("env:prod/a=b+c-d@e_f.g h".chars().all(is_tag_char));
        assert!("Größe".chars().all(is_tag_char));
        assert!(!"a*b".chars().all(is_tag_char));
    }
}
