//! Key policies: GetKeyPolicy, PutKeyPolicy and ListKeyPolicies. A key has one policy,
//! named `default`; all three work in every key state.

use super::access::{authorize, authorize_with, Via};
use super::error::{validated, KmsError};
use super::keys::check_new_policy;
use super::lifecycle::{change_key, key_by_id, refuse_aws_managed};
use super::model::{
    Empty, GetKeyPolicyRequest, GetKeyPolicyResponse, ListKeyPoliciesRequest,
    ListKeyPoliciesResponse, PutKeyPolicyRequest,
};
use super::parse_marker;
use super::services::KmsServices;
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use std::sync::Arc;

/// The name of the only key policy a key has.
pub const DEFAULT_POLICY_NAME: &str = "default";

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
