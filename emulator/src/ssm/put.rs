//! PutParameter: the request's own checks, then the store's rules for the new version.

use super::error::{validated, SsmError};
use super::model::{PutParameterRequest, PutParameterResult};
use super::names;
use super::services::SsmServices;
use super::store::{NewVersion, ParameterType, RequestedTier};
use crate::context::RequestContext;
use crate::protocol::validation::{Validate, Validator};
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

/// Parses and checks the `Policies` member: a JSON list of at most ten policies of the
/// three known types, each with attributes. Returns each policy as its JSON text.
fn parse_policies(text: &str) -> Result<Vec<String>, SsmError> {
    let list: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|_| {
        SsmError::InvalidPolicyTypeException(format!(
            "The policies {text} are not a JSON list of parameter policies."
        ))
    })?;
    if list.len() > MAX_POLICIES {
        return Err(SsmError::PoliciesLimitExceededException(format!(
            "A parameter can have at most {MAX_POLICIES} policies."
        )));
    }
    let mut policies = Vec::with_capacity(list.len());
    for policy in list {
        let kind = policy.get("Type").and_then(|t| t.as_str()).unwrap_or("");
        if !POLICY_TYPES.contains(&kind) {
            return Err(SsmError::InvalidPolicyTypeException(format!(
                "The policy type {kind} is not supported. Supported policy types: {}.",
                POLICY_TYPES.join(", ")
            )));
        }
        if !policy
            .get("Attributes")
            .is_some_and(serde_json::Value::is_object)
        {
            return Err(SsmError::InvalidPolicyAttributeException(format!(
                "The {kind} policy must have an Attributes object."
            )));
        }
        policies.push(policy.to_string());
    }
    Ok(policies)
}

/// PutParameter.
pub fn put_parameter(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: PutParameterRequest,
) -> Result<PutParameterResult, SsmError> {
    let mut v = Validator::new();
    input.validate(&mut v, "");
    // Parameter Store refuses an empty value though the model's PSParameterValue sets no
    // minimum (the API reference's PutParameter: "Value ... Required: Yes", and values of
    // 1 to 4096 characters for a standard parameter); the value is sensitive in the
    // model, so the message leaves it out, as AWS words sensitive members.
    if input.value.as_deref() == Some("") {
        v.sensitive_violation(
            "value",
            "Member must have length greater than or equal to 1",
        );
    }
    validated(v.finish())?;
    let name = input.name.clone().unwrap_or_default();
    let value = input.value.clone().unwrap_or_default();

    let overwrite = input.overwrite.unwrap_or(false);
    let tags = input.tags.unwrap_or_default();
    if overwrite && !tags.is_empty() {
        return Err(SsmError::ValidationException(
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
    super::authorize_parameter_with(services, ctx, "ssm:PutParameter", &name, &put_keys)?;
    if !tags.is_empty() {
        super::authorize_parameter_with(services, ctx, "ssm:AddTagsToResource", &name, &|keys| {
            super::request_tag_keys(keys, &tag_pairs)
        })?;
    }
    names::validate_new_name(&name, &ctx.region, &ctx.account)?;
    let kind = input.r#type.as_deref().and_then(ParameterType::parse);
    if let Some(data_type) = &input.data_type {
        if !DATA_TYPES.contains(&data_type.as_str()) {
            return Err(SsmError::ValidationException(format!(
                "The following data type is not supported: {data_type} (Data type names are all lowercase.)"
            )));
        }
    }
    let key = names::key_of(&name);
    let store = services.parameters(&ctx.region);
    // The type and key a SecureString overwrite keeps come from the newest version.
    let previous = store.latest(&key);
    if previous.is_some() && !overwrite {
        return Err(SsmError::ParameterAlreadyExists(
            "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.".to_owned(),
        ));
    }
    let final_kind = kind.or(previous.as_ref().map(|p| p.kind));
    if input.key_id.is_some() && final_kind != Some(ParameterType::SecureString) {
        return Err(SsmError::ValidationException(
            "KeyId is required for SecureString type parameter only.".to_owned(),
        ));
    }
    let allowed_pattern = match input.allowed_pattern.as_deref() {
        None | Some("") => None,
        Some(pattern) => Some(super::store::AllowedPattern::compile(pattern).map_err(|_| {
            SsmError::InvalidAllowedPatternException(format!(
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
        let ciphertext = super::secure::encrypt(services, ctx, &key_id, &arn, &value)?;
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
        quota: Some(services.quota()),
    };
    let (version, tier) = store.put(&key, &name, new)?;
    Ok(PutParameterResult {
        version: Some(version as i64),
        tier: Some(tier.as_str().to_owned()),
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
            Err(SsmError::InvalidPolicyTypeException(_))
        ));
        assert!(matches!(
            parse_policies(r#"[{"Type":"Expiration"}]"#),
            Err(SsmError::InvalidPolicyAttributeException(_))
        ));
        assert!(matches!(
            parse_policies("not json"),
            Err(SsmError::InvalidPolicyTypeException(_))
        ));
    }

    #[test]
    fn tag_characters_follow_the_model_pattern() {
        use crate::generated::ssm::Tag;
        let tag = |key: &str| Tag {
            key: Some(key.to_owned()),
            value: Some(String::new()),
        };
        assert!(tag("env:prod/a=b+c-d@e_f.g h").check().is_ok());
        assert!(tag("Größe").check().is_ok());
        assert!(tag("a*b").check().is_err());
    }
}
