//! Who may use a key: the key policy (mandatory; naming the account root delegates to
//! IAM), explicit denies anywhere, and grants, with KMS's condition keys.

use super::error::KmsError;
use super::model::EncryptionContext;
use super::services::KmsServices;
use super::store::{Grant, KeySnapshot};
use crate::context::{CallerKind, RequestContext};
use crate::iam::no_keys;
use crate::iam::policy::{ContextKeys, Outcome};

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

/// The KMS condition keys of a request on `key`, and the global keys that come from the
/// key (its tags) or the path of the request (through another service). Called only when
/// a policy reads condition keys. The keys and the operations they apply to are those of
/// the Service Authorization Reference, "Actions, resources, and condition keys for AWS
/// Key Management Service", and the KMS Developer Guide, "AWS KMS condition keys".
fn key_keys(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    context: Option<&EncryptionContext>,
    via: Via<'_>,
    keys: &mut ContextKeys,
) {
    keys.insert("kms:CallerAccount", ctx.caller.account.as_str());
    if let Via::Service(service) = via {
        keys.insert("kms:ViaService", service);
        // A service calling KMS with the caller's credentials (a forward access
        // session) sets aws:ViaAWSService. aws:CalledVia is set only by the services
        // that support it (Athena, CloudFormation, DynamoDB, KMS), which SSM is not, so
        // it stays absent here (IAM User Guide, "AWS global condition context keys").
        keys.insert("aws:ViaAWSService", "true");
    }
    if let Some(context) = context {
        for (k, v) in context {
            keys.insert(&format!("kms:EncryptionContext:{k}"), v.as_str());
            keys.push("kms:EncryptionContextKeys", k.as_str());
        }
        // Only symmetric keys take an encryption context; this is their one algorithm
        // (RSA keys supply the request's own, see `oaep::check_rsa_request`).
        keys.insert("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    }
    keys.insert("kms:KeySpec", key.spec.name());
    keys.insert("kms:KeyUsage", key.usage.name());
    keys.insert("kms:KeyOrigin", key.origin);
    keys.insert(
        "kms:MultiRegion",
        if key.multi_region_type.is_some() {
            "true"
        } else {
            "false"
        },
    );
    // PRIMARY or REPLICA; absent for single-Region keys ("AWS KMS condition keys").
    if let Some(kind) = key.multi_region_type {
        keys.insert("kms:MultiRegionKeyType", kind);
    }
    if let Some(alias) = &key.requested_alias {
        keys.insert("kms:RequestAlias", alias.as_str());
    }
    state.keys(&ctx.region).read(|data| {
        if let Some(stored) = data.keys.get(&key.id) {
            for (k, v) in &stored.tags {
                keys.insert(&format!("aws:ResourceTag/{k}"), v.as_str());
            }
        }
        let aliases: Vec<String> = data
            .aliases
            .iter()
            .filter(|(_, a)| a.target == key.id)
            .map(|(name, _)| name.clone())
            .collect();
        keys.insert_many("kms:ResourceAliases", aliases);
    });
}

/// Authorises `action` (`kms:Decrypt`, ...) on a key for the caller, with the condition
/// keys KMS supplies. A grant for the operation allows what the policies do not, unless a
/// policy denies explicitly; the one decision recorded is the final one.
pub fn authorize(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    action: &str,
    context: Option<&EncryptionContext>,
    via: Via<'_>,
) -> Result<(), KmsError> {
    authorize_with(state, ctx, key, action, context, via, &no_keys)
}

/// [`authorize`] with the operation's own condition keys (`kms:GrantOperations`,
/// `aws:RequestTag/KEY`, ...) added by `request_keys` when a policy reads keys.
pub fn authorize_with(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    action: &str,
    context: Option<&EncryptionContext>,
    via: Via<'_>,
    request_keys: &dyn Fn(&mut ContextKeys),
) -> Result<(), KmsError> {
    let all_keys = |keys: &mut ContextKeys| {
        key_keys(state, ctx, key, context, via, keys);
        request_keys(keys);
    };
    let evaluation = state.evaluate_key_policy(ctx, action, &key.arn, &key.policy, &all_keys);
    let grant = if evaluation.decision.outcome == Outcome::ImplicitDeny {
        let operation = action.strip_prefix("kms:").unwrap_or(action);
        key.grants
            .iter()
            .find(|g| grant_allows(g, ctx, operation, context))
    } else {
        None
    };
    let (evaluation, grant) = match grant {
        None => (evaluation, None),
        Some(grant) => {
            // The grant allows only within the caller's service control policies,
            // permissions boundary and session policies; if one of them stops it, that
            // refusal is the decision.
            let limited =
                state.evaluate_grant(ctx, action, &key.arn, &grant.id, &grant.grantee, &all_keys);
            if limited.decision.is_allowed() {
                (evaluation, Some(grant.id.as_str()))
            } else {
                let mut keys = evaluation.keys;
                for (name, values) in limited.keys {
                    if !keys.iter().any(|(n, _)| *n == name) {
                        keys.push((name, values));
                    }
                }
                let refused = crate::iam::Evaluation {
                    decision: limited.decision,
                    resource_policy: evaluation.resource_policy,
                    keys,
                    session_policies: limited.session_policies,
                };
                (refused, None)
            }
        }
    };
    state
        .conclude(ctx, action, &key.arn, evaluation, grant)
        .map_err(KmsError::AccessDeniedException)
}

/// Authorises an operation IAM alone decides (CreateKey, ListKeys, ListAliases,
/// GenerateRandom, and the alias side of alias operations).
pub fn authorize_iam(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    action: &str,
    resource: &str,
) -> Result<(), KmsError> {
    authorize_iam_with(state, ctx, action, resource, &no_keys)
}

/// [`authorize_iam`] with the operation's condition keys, added when a policy reads keys.
pub fn authorize_iam_with(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    action: &str,
    resource: &str,
    request_keys: &dyn Fn(&mut ContextKeys),
) -> Result<(), KmsError> {
    state
        .authorize(ctx, action, resource, &|keys| {
            keys.insert("kms:CallerAccount", ctx.caller.account.as_str());
            request_keys(keys);
        })
        .map_err(KmsError::AccessDeniedException)
}

/// `aws:RequestTag/KEY` for each tag of a request, and `aws:TagKeys` (multivalued).
pub fn request_tag_keys<'a>(
    keys: &mut ContextKeys,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let mut names = Vec::new();
    for (k, v) in tags {
        keys.insert(&format!("aws:RequestTag/{k}"), v);
        names.push(k.to_owned());
    }
    keys.insert_many("aws:TagKeys", names);
}

#[cfg(test)]
mod tests {
    //! Which grants allow what, as the KMS Developer Guide describes grants ("Grants in
    //! AWS KMS": a grant allows its grantee the listed operations; "Using grant
    //! constraints": EncryptionContextSubset and EncryptionContextEquals).
    use super::*;
    use crate::context::Caller;
    use crate::kms::store::GrantConstraints;
    use crate::time::Timestamp;
    use std::collections::BTreeMap;

    const ROLE: &str = "arn:aws:iam::123456789012:role/app";
    const USER: &str = "arn:aws:iam::123456789012:user/alice";

    fn grant(grantee: &str, operations: &[&str], constraints: Option<GrantConstraints>) -> Grant {
        Grant {
            id: "g".to_owned(),
            token: "t".to_owned(),
            name: None,
            grantee: grantee.to_owned(),
            retiring: None,
            operations: operations.iter().map(|o| (*o).to_owned()).collect(),
            constraints,
            creation_date: Timestamp::now(),
            issuing_account: "123456789012".to_owned(),
        }
    }

    fn caller(kind: &str) -> RequestContext {
        let caller = match kind {
            "user" => Caller {
                arn: USER.to_owned(),
                account: "123456789012".to_owned(),
                user_id: "AIDA".to_owned(),
                kind: CallerKind::User {
                    name: "alice".to_owned(),
                },
                access_key_id: None,
            },
            "session" => Caller {
                arn: "arn:aws:sts::123456789012:assumed-role/app/s1".to_owned(),
                account: "123456789012".to_owned(),
                user_id: "AROA:s1".to_owned(),
                kind: CallerKind::AssumedRole {
                    role_name: "app".to_owned(),
                    role_arn: ROLE.to_owned(),
                    session_name: "s1".to_owned(),
                },
                access_key_id: None,
            },
            _ => Caller::account_root("123456789012", None),
        };
        RequestContext::new("us-east-1", "123456789012", caller, None)
    }

    fn context(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn grants_allow_their_grantee_their_operations_under_their_constraints() {
        let subset = Some(GrantConstraints {
            subset: Some(BTreeMap::from([("app".to_owned(), "a".to_owned())])),
            equals: None,
        });
        let equals = Some(GrantConstraints {
            subset: None,
            equals: Some(BTreeMap::from([("app".to_owned(), "a".to_owned())])),
        });
        // (grant, caller, operation, encryption context, allowed)
        type Row = (
            Grant,
            &'static str,
            &'static str,
            &'static [(&'static str, &'static str)],
            bool,
        );
        let cases: &[Row] = &[
            (
                grant(USER, &["Decrypt"], None),
                "user",
                "Decrypt",
                &[],
                true,
            ),
            (
                grant(USER, &["Decrypt"], None),
                "user",
                "Encrypt",
                &[],
                false,
            ),
            (
                grant(USER, &["Decrypt"], None),
                "session",
                "Decrypt",
                &[],
                false,
            ),
            // A grant to a role covers its sessions.
            (
                grant(ROLE, &["Decrypt"], None),
                "session",
                "Decrypt",
                &[],
                true,
            ),
            (
                grant(ROLE, &["Decrypt"], None),
                "user",
                "Decrypt",
                &[],
                false,
            ),
            // Subset: the request's context holds the pairs (and may hold more).
            (
                grant(USER, &["Decrypt"], subset.clone()),
                "user",
                "Decrypt",
                &[("app", "a")],
                true,
            ),
            (
                grant(USER, &["Decrypt"], subset.clone()),
                "user",
                "Decrypt",
                &[("app", "a"), ("x", "y")],
                true,
            ),
            (
                grant(USER, &["Decrypt"], subset.clone()),
                "user",
                "Decrypt",
                &[("app", "b")],
                false,
            ),
            (
                grant(USER, &["Decrypt"], subset),
                "user",
                "Decrypt",
                &[],
                false,
            ),
            // Equals: exactly the pairs.
            (
                grant(USER, &["Decrypt"], equals.clone()),
                "user",
                "Decrypt",
                &[("app", "a")],
                true,
            ),
            (
                grant(USER, &["Decrypt"], equals),
                "user",
                "Decrypt",
                &[("app", "a"), ("x", "y")],
                false,
            ),
        ];
        for (i, (grant, who, operation, pairs, expected)) in cases.iter().enumerate() {
            let ctx = caller(who);
            let encryption_context = context(pairs);
            assert_eq!(
                grant_allows(grant, &ctx, operation, Some(&encryption_context)),
                *expected,
                "case {i}"
            );
        }
    }
}
