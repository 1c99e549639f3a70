//! The policy types that only limit what identity and resource policies allow: the
//! service control policies of the caller's account, the permissions boundary of its user
//! or role, and the session policies of its role session.

use super::{scan_identity, Decision, NamedPolicy, Outcome, PolicyKind, PrincipalMatch, Request};

/// The policies of one kind that only limit what the others allow: the service control
/// policies of the caller's account, its permissions boundary, its session policies.
#[derive(Debug, Clone, Copy)]
pub struct Limit<'a> {
    /// `ServiceControl`, `PermissionsBoundary` or `Session`.
    pub kind: PolicyKind,
    pub policies: &'a [NamedPolicy<'a>],
}

/// Applies the policy types that only limit (`limits`, in AWS's order: service control
/// policies, permissions boundary, session policies) to a `decision` made by the identity
/// (and resource) policies, as AWS's evaluation logic combines them (IAM User Guide,
/// "Policy evaluation logic", "Permissions boundaries for IAM entities", "Session
/// policies", and AWS Organizations, "Service control policies"):
/// - an explicit deny in any of them refuses (an explicit deny already made stands);
/// - a kind with no statement allowing the request refuses it (implicit deny naming that
///   kind), except that a permissions boundary or a session policy does not limit what a
///   resource-based policy grants to the caller directly when `direct_grants_unlimited`
///   (the statement names the caller's own ARN: an IAM user's, or a role session's, in
///   the same account; a grant to the session's role is limited); service control
///   policies limit every grant. A missing service control policy allow is reported even over a missing
///   identity allow, as AWS checks service control policies first.
pub fn apply_limits(
    decision: Decision,
    limits: &[Limit<'_>],
    request: &Request<'_>,
    direct_grants_unlimited: bool,
) -> Decision {
    if decision.outcome == Outcome::ExplicitDeny {
        return decision;
    }
    let granted_directly = decision.kind == PolicyKind::Resource
        && decision
            .reason
            .as_ref()
            .is_some_and(|r| r.principal_match == Some(PrincipalMatch::Direct));
    let mut missing: Option<PolicyKind> = None;
    for limit in limits {
        let scan = scan_identity(limit.policies, request);
        if let Some(deny) = scan.deny {
            return Decision {
                outcome: Outcome::ExplicitDeny,
                reason: Some(deny),
                kind: limit.kind,
            };
        }
        let exempt =
            limit.kind != PolicyKind::ServiceControl && granted_directly && direct_grants_unlimited;
        if scan.allow.is_none() && !exempt && missing.is_none() {
            missing = Some(limit.kind);
        }
    }
    match missing {
        Some(kind) if decision.outcome == Outcome::Allow || kind == PolicyKind::ServiceControl => {
            Decision {
                outcome: Outcome::ImplicitDeny,
                reason: None,
                kind,
            }
        }
        _ => decision,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        decide_identity, decide_with_resource_policy, ContextKeys, PolicyDocument, Principal,
    };
    use super::*;

    fn doc(json: &str) -> PolicyDocument {
        PolicyDocument::parse(json).unwrap()
    }

    const ALLOW_SSM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}"#;
    const READ_DEV: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadDev","Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/dev/*"}]}"#;
    const DENY_PROD: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoProd","Effect":"Deny","Action":"*","Resource":"arn:aws:ssm:*:*:parameter/prod/*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    fn user() -> Principal {
        Principal {
            arn: "arn:aws:iam::123456789012:user/u".into(),
            account: "123456789012".into(),
            role_arn: None,
            service: None,
        }
    }

    /// The decision for `action` on `resource` by a user with `identity` policies and
    /// the given limits (kind, document).
    fn decide(
        identity: &str,
        limits: &[(PolicyKind, &str)],
        action: &str,
        resource: &str,
    ) -> Decision {
        let principal = user();
        let keys = ContextKeys::new();
        let request = Request {
            action,
            resource,
            principal: &principal,
            context: &keys,
        };
        let identity = doc(identity);
        let identity = [NamedPolicy {
            name: "identity",
            document: &identity,
        }];
        let documents: Vec<PolicyDocument> = limits.iter().map(|(_, d)| doc(d)).collect();
        let named: Vec<[NamedPolicy<'_>; 1]> = documents
            .iter()
            .map(|d| {
                [NamedPolicy {
                    name: "limit",
                    document: d,
                }]
            })
            .collect();
        let sets: Vec<Limit<'_>> = limits
            .iter()
            .zip(&named)
            .map(|((kind, _), policies)| Limit {
                kind: *kind,
                policies,
            })
            .collect();
        let base = decide_identity(&identity, &request, false);
        apply_limits(base, &sets, &request, true)
    }

    // IAM User Guide, "Permissions boundaries for IAM entities": effective permissions are
    // the intersection of the identity policy and the boundary.
    #[test]
    fn a_boundary_keeps_only_what_both_allow() {
        let bounded = [(PolicyKind::PermissionsBoundary, READ_DEV)];
        let dev = "arn:aws:ssm:us-east-1:123456789012:parameter/dev/a";
        let prod = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/a";
        assert!(decide(ALLOW_SSM, &bounded, "ssm:GetParameter", dev).is_allowed());
        let refused = decide(ALLOW_SSM, &bounded, "ssm:PutParameter", dev);
        assert_eq!(refused.outcome, Outcome::ImplicitDeny);
        assert_eq!(refused.kind, PolicyKind::PermissionsBoundary);
        let refused = decide(ALLOW_SSM, &bounded, "ssm:GetParameter", prod);
        assert_eq!(refused.kind, PolicyKind::PermissionsBoundary);
        // The boundary grants nothing the identity policy lacks.
        let refused = decide(
            READ_DEV,
            &[(PolicyKind::PermissionsBoundary, ALLOW_SSM)],
            "ssm:PutParameter",
            dev,
        );
        assert_eq!(refused.kind, PolicyKind::Identity);
    }

    // AWS Organizations, "SCP evaluation": an explicit deny in an SCP refuses, and with no
    // allow in the SCPs nothing is allowed.
    #[test]
    fn service_control_policies_deny_and_must_allow() {
        let prod = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/a";
        let dev = "arn:aws:ssm:us-east-1:123456789012:parameter/dev/a";
        let scps = [(PolicyKind::ServiceControl, DENY_PROD)];
        let refused = decide(ALLOW_SSM, &scps, "ssm:GetParameter", prod);
        assert_eq!(refused.outcome, Outcome::ExplicitDeny);
        assert_eq!(refused.kind, PolicyKind::ServiceControl);
        assert_eq!(refused.reason.unwrap().sid.as_deref(), Some("NoProd"));
        assert!(decide(ALLOW_SSM, &scps, "ssm:GetParameter", dev).is_allowed());
        let only_dev = [(PolicyKind::ServiceControl, READ_DEV)];
        let refused = decide(ALLOW_SSM, &only_dev, "ssm:PutParameter", dev);
        assert_eq!(refused.kind, PolicyKind::ServiceControl);
        // A missing SCP allow is reported before a missing identity allow.
        let refused = decide(READ_DEV, &only_dev, "ssm:PutParameter", dev);
        assert_eq!(refused.kind, PolicyKind::ServiceControl);
    }

    // IAM User Guide, "Session policies": the session's permissions are the intersection of
    // the role's identity policies and the session policies.
    #[test]
    fn session_policies_intersect() {
        let dev = "arn:aws:ssm:us-east-1:123456789012:parameter/dev/a";
        let session = [(PolicyKind::Session, READ_DEV)];
        assert!(decide(ALLOW_SSM, &session, "ssm:GetParameter", dev).is_allowed());
        let refused = decide(ALLOW_SSM, &session, "ssm:DeleteParameter", dev);
        assert_eq!(refused.kind, PolicyKind::Session);
        // Limits apply in order: the boundary's missing allow is named first.
        let both = [
            (PolicyKind::PermissionsBoundary, READ_DEV),
            (PolicyKind::Session, READ_DEV),
        ];
        assert_eq!(
            decide(ALLOW_SSM, &both, "ssm:DeleteParameter", dev).kind,
            PolicyKind::PermissionsBoundary
        );
    }

    // IAM User Guide, "Permissions boundaries for IAM entities": a same-account
    // resource-based policy naming the user's ARN is not limited by the boundary, but an
    // SCP still limits it.
    #[test]
    fn direct_resource_grants_pass_boundaries_not_scps() {
        let principal = user();
        let keys = ContextKeys::new();
        let key = "arn:aws:kms:us-east-1:123456789012:key/k";
        let request = Request {
            action: "kms:Decrypt",
            resource: key,
            principal: &principal,
            context: &keys,
        };
        let key_policy = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/u"},"Action":"kms:*","Resource":"*"}]}"#,
        );
        let key_policy = NamedPolicy {
            name: "key policy",
            document: &key_policy,
        };
        let base = decide_with_resource_policy(&[], &key_policy, &request, false);
        assert!(base.is_allowed());
        let boundary = doc(READ_DEV);
        let boundary = [NamedPolicy {
            name: "boundary",
            document: &boundary,
        }];
        let limits = [Limit {
            kind: PolicyKind::PermissionsBoundary,
            policies: &boundary,
        }];
        assert!(apply_limits(base.clone(), &limits, &request, true).is_allowed());
        assert_eq!(
            apply_limits(base.clone(), &limits, &request, false).kind,
            PolicyKind::PermissionsBoundary
        );
        let scp = [Limit {
            kind: PolicyKind::ServiceControl,
            policies: &boundary,
        }];
        assert_eq!(
            apply_limits(base, &scp, &request, true).kind,
            PolicyKind::ServiceControl
        );
    }
}
