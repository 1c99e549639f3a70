//! Who may use a key: the key policy (mandatory; naming the account root delegates to
//! IAM), explicit denies anywhere, and grants, with KMS's condition keys.

use super::error::KmsError;
use super::model::EncryptionContext;
use super::store::{Grant, KeySnapshot};
use crate::context::{CallerKind, RequestContext};
use crate::state::EmulatorState;

/// How a KMS operation reaches the key: directly, or through another service on the
/// caller's behalf (`kms:ViaService`, e.g. `ssm.us-east-1.amazonaws.com`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via<'a> {
    Direct,
    Service(&'a str),
}

/// Whether `grant` lets the caller perform `operation` with this encryption context.
fn grant_allows(
    grant: &Grant,
    ctx: &RequestContext,
    operation: &str,
    context: Option<&EncryptionContext>,
) -> bool {
    let grantee_matches = grant.grantee == ctx.caller.arn
        || matches!(&ctx.caller.kind, CallerKind::AssumedRole { role_arn, .. } if *role_arn == grant.grantee)
        || (ctx.caller.is_root() && grant.grantee == ctx.caller.account);
    if !grantee_matches || !grant.operations.iter().any(|op| op == operation) {
        return false;
    }
    let empty = EncryptionContext::new();
    let request = context.unwrap_or(&empty);
    match &grant.constraints {
        None => true,
        Some(constraints) => {
            let subset_ok = constraints
                .subset
                .as_ref()
                .is_none_or(|s| s.iter().all(|(k, v)| request.get(k) == Some(v)));
            let equals_ok = constraints.equals.as_ref().is_none_or(|e| e == request);
            subset_ok && equals_ok
        }
    }
}

/// Authorises `action` (`kms:Decrypt`, ...) on a key for the caller, with the condition
/// keys KMS supplies. A grant for the operation allows what the policies do not, unless a
/// policy denies explicitly.
pub fn authorize(
    state: &EmulatorState,
    ctx: &RequestContext,
    key: &KeySnapshot,
    action: &str,
    context: Option<&EncryptionContext>,
    via: Via<'_>,
) -> Result<(), KmsError> {
    // Only the `kms:EncryptionContext:KEY` names are built; every value is borrowed.
    let context_names: Vec<String> = context
        .into_iter()
        .flatten()
        .map(|(k, _)| format!("kms:EncryptionContext:{k}"))
        .collect();
    let mut extra_refs: Vec<(&str, &str)> = Vec::with_capacity(2 + 2 * context_names.len());
    extra_refs.push(("kms:CallerAccount", ctx.caller.account.as_str()));
    if let Via::Service(service) = via {
        extra_refs.push(("kms:ViaService", service));
    }
    for (name, (k, v)) in context_names.iter().zip(context.into_iter().flatten()) {
        extra_refs.push((name.as_str(), v.as_str()));
        extra_refs.push(("kms:EncryptionContextKeys", k.as_str()));
    }
    match state.iam.authorize_with_resource_policy(
        ctx,
        action,
        &key.arn,
        "key policy",
        &key.policy,
        &extra_refs,
    ) {
        Ok(()) => Ok(()),
        Err(denied) => {
            let operation = action.strip_prefix("kms:").unwrap_or(action);
            if !denied.explicit
                && key
                    .grants
                    .iter()
                    .any(|g| grant_allows(g, ctx, operation, context))
            {
                Ok(())
            } else {
                Err(KmsError::AccessDenied(denied.message))
            }
        }
    }
}

/// Authorises an operation IAM alone decides (CreateKey, ListKeys, ListAliases,
/// GenerateRandom, and the alias side of alias operations).
pub fn authorize_iam(
    state: &EmulatorState,
    ctx: &RequestContext,
    action: &str,
    resource: &str,
) -> Result<(), KmsError> {
    state
        .iam
        .authorize(ctx, action, resource, &[])
        .map_err(|denied| KmsError::AccessDenied(denied.message))
}
