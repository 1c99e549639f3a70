//! Key policies: GetKeyPolicy, PutKeyPolicy and ListKeyPolicies, and the checks every
//! new key policy passes (size, syntax, existing principals, no lockout), shared with
//! CreateKey and ReplicateKey. A key has one policy, named `default`; all three
//! operations work in every key state.

use super::access::{authorize, authorize_with, Via};
use super::error::{validated, KmsError};
use super::lifecycle::{change_key, key_by_id, refuse_aws_managed};
use super::model::{
    Empty, GetKeyPolicyRequest, GetKeyPolicyResponse, ListKeyPoliciesRequest,
    ListKeyPoliciesResponse, PutKeyPolicyRequest,
};
use super::parse_marker;
use super::services::KmsServices;
use crate::context::RequestContext;
use crate::iam::policy::PolicyDocument;
use crate::protocol::validation::Validate;
use std::sync::Arc;

/// The name of the only key policy a key has.
pub const DEFAULT_POLICY_NAME: &str = "default";

/// The AWS principal ARNs a policy document names (`Principal.AWS`, string or list).
pub(crate) fn named_principals(policy: &serde_json::Value) -> Vec<String> {
    let statements = match policy.get("Statement") {
        Some(serde_json::Value::Array(list)) => list.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for statement in statements {
        for element in ["Principal", "NotPrincipal"] {
            match statement.get(element).and_then(|p| p.get("AWS")) {
                Some(serde_json::Value::String(arn)) => out.push(arn.clone()),
                Some(serde_json::Value::Array(arns)) => {
                    out.extend(arns.iter().filter_map(|a| a.as_str().map(str::to_owned)))
                }
                _ => {}
            }
        }
    }
    out
}

/// The largest key policy, in bytes.
pub const MAX_KEY_POLICY_BYTES: usize = 32_768;

/// Checks a key policy about to take effect on the key `key_arn`: it parses, the
/// principals it names exist, and (unless `bypass`) the caller could still change it
/// afterwards. Returns the parsed document.
pub(crate) fn check_new_policy(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key_arn: &str,
    text: &str,
    bypass: bool,
) -> Result<PolicyDocument, KmsError> {
    let malformed = || {
        KmsError::MalformedPolicyDocumentException(
            "The new key policy will not allow you to update the key policy in the future."
                .to_owned(),
        )
    };
    // "The key policy size quota is 32 kilobytes (32768 bytes)"; over it, "KMS returns a
    // LimitExceededException" (KMS API Reference, CreateKey and PutKeyPolicy, Policy).
    if text.len() > MAX_KEY_POLICY_BYTES {
        return Err(KmsError::LimitExceededException(format!(
            "The key policy is {} bytes; the key policy size quota is {MAX_KEY_POLICY_BYTES} bytes.",
            text.len()
        )));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
        KmsError::MalformedPolicyDocumentException("The policy is not valid JSON.".to_owned())
    })?;
    let document = PolicyDocument::from_value(&value).map_err(|e| {
        KmsError::MalformedPolicyDocumentException(format!("The policy is not valid: {e}"))
    })?;
    if !document.every_statement_names_a_principal() {
        return Err(KmsError::MalformedPolicyDocumentException(
            "Each statement in the key policy must contain one or more principals.".to_owned(),
        ));
    }
    let document = document.into_key_policy();
    if named_principals(&value)
        .iter()
        .any(|arn| arn != "*" && !state.principal_exists(arn))
    {
        return Err(KmsError::MalformedPolicyDocumentException(
            "Policy contains a statement with one or more invalid principals.".to_owned(),
        ));
    }
    if !bypass && !state.would_allow_under_policy(ctx, "kms:PutKeyPolicy", key_arn, &document) {
        return Err(malformed());
    }
    Ok(document)
}

/// The only policy name that exists; any other is `NotFoundException`.
fn require_default(name: Option<&str>) -> Result<(), KmsError> {
    match name {
        None | Some(DEFAULT_POLICY_NAME) => Ok(()),
        Some(other) => Err(KmsError::NotFoundException(format!(
            "No such policy exists: {other}. The only key policy of this key is \"default\"."
        ))),
    }
}

/// GetKeyPolicy: the policy as it was written.
pub fn get_key_policy(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GetKeyPolicyRequest,
) -> Result<GetKeyPolicyResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize(state, ctx, &key, "kms:GetKeyPolicy", None, Via::Direct)?;
    require_default(input.policy_name.as_deref())?;
    let policy = state
        .keys(&ctx.region)
        .read(|data| data.keys.get(&key.id).map(|k| k.policy_text.clone()))
        .ok_or_else(|| super::lifecycle::key_gone(&key.arn))?;
    Ok(GetKeyPolicyResponse {
        policy: Some(policy),
        policy_name: Some(DEFAULT_POLICY_NAME.to_owned()),
    })
}

/// PutKeyPolicy: replaces the policy of a customer managed key, after the checks every
/// new key policy passes (syntax, principals that exist, and, unless bypassed, that the
/// caller could still change the policy afterwards).
pub fn put_key_policy(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: PutKeyPolicyRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    if input.policy_name.as_deref() == Some("AWS_RAM") {
        return Err(KmsError::ValidationException(
            "The AWS_RAM policy can only be managed by the RAM service.".to_owned(),
        ));
    }
    let key = key_by_id(state, ctx, &input.key_id)?;
    let bypass_text = if input.bypass_policy_lockout_safety_check == Some(true) {
        "true"
    } else {
        "false"
    };
    authorize_with(
        state,
        ctx,
        &key,
        "kms:PutKeyPolicy",
        None,
        Via::Direct,
        &|keys| keys.insert("kms:BypassPolicyLockoutSafetyCheck", bypass_text),
    )?;
    refuse_aws_managed(&key)?;
    require_default(input.policy_name.as_deref())?;
    let text = input.policy.unwrap_or_default();
    let bypass = input.bypass_policy_lockout_safety_check.unwrap_or(false);
    let document = check_new_policy(state, ctx, &key.arn, &text, bypass)?;
    change_key(state, ctx, &key, |stored| {
        stored.policy_text = text;
        stored.policy = Arc::new(document);
        Ok(Empty {})
    })
}

/// ListKeyPolicies: `["default"]`.
pub fn list_key_policies(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ListKeyPoliciesRequest,
) -> Result<ListKeyPoliciesResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize(state, ctx, &key, "kms:ListKeyPolicies", None, Via::Direct)?;
    // The one name is on the first page; a marker can only point past it.
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    let policy_names = match after {
        None => vec![DEFAULT_POLICY_NAME.to_owned()],
        Some(_) => Vec::new(),
    };
    Ok(ListKeyPoliciesResponse {
        policy_names: Some(policy_names),
        next_marker: None,
        truncated: Some(false),
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;
    use crate::state::EmulatorState;

    fn get(
        state: &EmulatorState,
        ctx: &RequestContext,
        key: &str,
        name: Option<&str>,
    ) -> Result<GetKeyPolicyResponse, KmsError> {
        get_key_policy(
            state,
            ctx,
            GetKeyPolicyRequest {
                key_id: Some(key.to_owned()),
                policy_name: name.map(str::to_owned),
            },
        )
    }

    fn put(
        state: &EmulatorState,
        ctx: &RequestContext,
        key: &str,
        policy: &str,
        bypass: bool,
    ) -> Result<Empty, KmsError> {
        put_key_policy(
            state,
            ctx,
            PutKeyPolicyRequest {
                key_id: Some(key.to_owned()),
                policy: Some(policy.to_owned()),
                bypass_policy_lockout_safety_check: Some(bypass),
                ..Default::default()
            },
        )
    }

    #[test]
    fn only_the_default_policy_exists_and_comes_back_verbatim() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let got = get(&state, &ctx, &key, None).unwrap();
        assert_eq!(got.policy_name.as_deref(), Some("default"));
        assert_eq!(
            got.policy,
            Some(crate::kms::default_key_policy("123456789012"))
        );
        assert!(get(&state, &ctx, &key, Some("default")).is_ok());
        assert!(matches!(
            get(&state, &ctx, &key, Some("other")),
            Err(KmsError::NotFoundException(_))
        ));
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}, \"Action\": \"kms:*\", \"Resource\": \"*\"}]\n}";
        put(&state, &ctx, &key, text, false).unwrap();
        assert_eq!(
            get(&state, &ctx, &key, None).unwrap().policy.as_deref(),
            Some(text)
        );
        let listed = list_key_policies(
            &state,
            &ctx,
            ListKeyPoliciesRequest {
                key_id: Some(key),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(listed.policy_names, Some(vec!["default".to_owned()]));
        assert_eq!(listed.truncated, Some(false));
    }

    #[test]
    fn lockout_is_refused_unless_bypassed_and_then_binds() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let only_describe = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:DescribeKey","Resource":"*"}]}"#;
        assert!(matches!(
            put(&state, &ctx, &key, only_describe, false),
            Err(KmsError::MalformedPolicyDocumentException(_))
        ));
        put(&state, &ctx, &key, only_describe, true).unwrap();
        assert!(matches!(
            put(&state, &ctx, &key, only_describe, true),
            Err(KmsError::AccessDeniedException(_))
        ));
    }

    #[test]
    fn unknown_principals_and_bad_documents_are_malformed() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let ghost = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ghost"},"Action":"kms:*","Resource":"*"}]}"#;
        assert!(matches!(
            put(&state, &ctx, &key, ghost, true),
            Err(KmsError::MalformedPolicyDocumentException(m)) if m.contains("invalid principals")
        ));
        assert!(matches!(
            put(&state, &ctx, &key, "{not json", true),
            Err(KmsError::MalformedPolicyDocumentException(_))
        ));
        assert!(matches!(
            put(&state, &ctx, &key, "{\"x\": \"\u{0100}\"}", true),
            Err(KmsError::ValidationException(_))
        ));
    }

    #[test]
    fn aws_managed_key_policies_are_read_only() {
        let (state, ctx) = (state(), root());
        let key = aws_managed_key(&state, &ctx);
        assert!(get(&state, &ctx, &key, None).is_ok());
        assert!(matches!(
            put(
                &state,
                &ctx,
                &key,
                &crate::kms::default_key_policy("123456789012"),
                true
            ),
            Err(KmsError::AccessDeniedException(_))
        ));
    }
}
