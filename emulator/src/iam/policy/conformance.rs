//! The policy conformance suite: (policies, request context) → decision, one case a row,
//! each citing the AWS documentation page its rule comes from. The rows exercise the
//! engine alone (no service), so a failure is a disagreement between the engine and the
//! documented evaluation logic.

use super::*;

const ACCOUNT: &str = "123456789012";

// The pages the rows cite.
/// IAM User Guide, "Policy evaluation logic" and "Determining whether a request is allowed
/// or denied within an account".
const EVAL: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";
/// IAM User Guide, "IAM JSON policy elements: Condition operators".
const OPS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";
/// IAM User Guide, "Condition operators" section "...IfExists condition operators".
const IFEXISTS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists";
/// IAM User Guide, "Single-valued vs. multivalued context keys" and "Set operators for
/// multivalued context keys".
const MULTI: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
/// IAM User Guide, "IAM policy elements: Variables and tags".
const VARS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";
/// IAM User Guide, "IAM JSON policy elements: NotAction".
const NOT_ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
/// IAM User Guide, "IAM JSON policy elements: NotResource".
const NOT_RESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html";
/// IAM User Guide, "AWS JSON policy elements: NotPrincipal".
const NOT_PRINCIPAL: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html";
/// IAM User Guide, "IAM JSON policy elements: Action" (wildcards, case-insensitive
/// action names).
const ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html";
/// IAM User Guide, "IAM JSON policy elements: Resource" (wildcards in ARNs, case
/// sensitivity).
const RESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html";
/// IAM User Guide, "IAM JSON policy elements: Condition" (key names case-insensitive,
/// AND of operators and keys, OR of values).
const CONDITION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html";
/// IAM User Guide, "AWS JSON policy elements: Principal".
const PRINCIPAL: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html";
/// KMS Developer Guide, "Key policies in AWS KMS" and "Default key policy" (the key
/// policy must allow; naming the account delegates to IAM policies).
const KMS_POLICY: &str =
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html";
/// IAM User Guide, "Cross-account policy evaluation logic" / "How IAM roles differ from
/// resource-based policies" (a resource policy naming the principal allows by itself).
const RESOURCE_POLICY: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policies_resource.html";
/// IAM User Guide, "AWS global condition context keys" (key availability).
const GLOBAL_KEYS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html";

use Outcome::{Allow, ExplicitDeny, ImplicitDeny};

#[derive(Debug, Clone, Copy)]
enum Who {
    User(&'static str),
    Session(&'static str, &'static str),
    Root,
    Foreign,
}

fn principal(who: Who) -> Principal {
    let (arn, account, role_arn) = match who {
        Who::User(n) => (format!("arn:aws:iam::{ACCOUNT}:user/{n}"), ACCOUNT, None),
        Who::Session(r, s) => (
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/{r}/{s}"),
            ACCOUNT,
            Some(format!("arn:aws:iam::{ACCOUNT}:role/{r}")),
        ),
        Who::Root => (format!("arn:aws:iam::{ACCOUNT}:root"), ACCOUNT, None),
        Who::Foreign => (
            "arn:aws:iam::444455556666:user/mallory".to_owned(),
            "444455556666",
            None,
        ),
    };
    Principal {
        arn,
        account: account.to_owned(),
        role_arn,
        service: None,
    }
}

type Keys = &'static [(&'static str, &'static [&'static str])];

/// One row: identity policies, an optional mandatory resource policy (a KMS key policy),
/// the request, and the decision AWS documents.
struct Case {
    source: &'static str,
    identity: &'static [&'static str],
    resource_policy: Option<&'static str>,
    who: Who,
    action: &'static str,
    resource: &'static str,
    keys: Keys,
    expect: Outcome,
}

const PARAM: &str = "arn:aws:ssm:us-east-1:123456789012:parameter/dev/db";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const fn id(
    source: &'static str,
    identity: &'static [&'static str],
    action: &'static str,
    resource: &'static str,
    keys: Keys,
    expect: Outcome,
) -> Case {
    Case {
        source,
        identity,
        resource_policy: None,
        who: Who::User("alice"),
        action,
        resource,
        keys,
        expect,
    }
}

/// A condition row: an Allow of `ssm:GetParameter` on everything under `condition`
/// (a JSON object of operators), asked with `keys`; Allow when the condition holds.
macro_rules! cond {
    ($source:expr, $condition:literal, $keys:expr, $holds:expr) => {
        id(
            $source,
            &[concat!(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*","Condition":"#,
                $condition,
                "}}"
            )],
            "ssm:GetParameter",
            PARAM,
            $keys,
            if $holds { Allow } else { ImplicitDeny },
        )
    };
}

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
const ALLOW_SSM_GET: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}}"#;
const DENY_SSM_GET: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ssm:GetParameter","Resource":"*"}}"#;
const DEFAULT_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}}"#;
const KEY_POLICY_ALICE: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"kms:Decrypt","Resource":"*"}}"#;
const KEY_POLICY_ROLE: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"kms:Decrypt","Resource":"*"}}"#;
const KEY_POLICY_EVERYONE_IN_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"123456789012"}}}}"#;
const KEY_POLICY_DENY_ALICE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
const KEY_POLICY_NOT_PRINCIPAL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:user/admin","arn:aws:iam::123456789012:root"]},"Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}"#;
const KEY_POLICY_NO_PRINCIPAL: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#;
const KEY_POLICY_GRANT_OPS: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"kms:CreateGrant","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt"]}}}}"#;
const KEY_POLICY_GRANT_OPS_GUARDED: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"kms:CreateGrant","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt"]},"Null":{"kms:GrantOperations":"false"}}}}"#;
const KEY_POLICY_VIA_SSM: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ssm.us-east-1.amazonaws.com","kms:CallerAccount":"123456789012"}}}}"#;
const KEY_POLICY_TAGS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}"#;
const ABAC: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}}"#;

fn cases() -> Vec<Case> {
    vec![
        // ---- Evaluation logic (EVAL): implicit deny, allow, explicit deny wins.
        id(EVAL, &[], "ssm:GetParameter", PARAM, &[], ImplicitDeny),
        id(
            EVAL,
            &[ALLOW_SSM_GET],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            EVAL,
            &[ALLOW_SSM_GET],
            "ssm:PutParameter",
            PARAM,
            &[],
            ImplicitDeny,
        ),
        id(
            EVAL,
            &[ALLOW_ALL, DENY_SSM_GET],
            "ssm:GetParameter",
            PARAM,
            &[],
            ExplicitDeny,
        ),
        id(
            EVAL,
            &[DENY_SSM_GET, ALLOW_ALL],
            "ssm:GetParameter",
            PARAM,
            &[],
            ExplicitDeny,
        ),
        id(
            EVAL,
            &[DENY_SSM_GET],
            "ssm:GetParameter",
            PARAM,
            &[],
            ExplicitDeny,
        ),
        id(
            EVAL,
            &[ALLOW_ALL, DENY_SSM_GET],
            "ssm:GetParameters",
            PARAM,
            &[],
            Allow,
        ),
        id(
            EVAL,
            &[
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"},{"Effect":"Deny","Action":"ssm:*","Resource":"arn:aws:ssm:*:*:parameter/prod/*"}]}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db",
            &[],
            ExplicitDeny,
        ),
        id(
            EVAL,
            &[
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"},{"Effect":"Deny","Action":"ssm:*","Resource":"arn:aws:ssm:*:*:parameter/prod/*"}]}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        // A Deny whose condition fails does not apply.
        id(
            EVAL,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[("aws:SecureTransport", &["true"])],
            Allow,
        ),
        id(
            EVAL,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[("aws:SecureTransport", &["false"])],
            ExplicitDeny,
        ),
        // The account root user: allowed without a policy, unless denied explicitly.
        Case {
            who: Who::Root,
            ..id(EVAL, &[], "kms:CreateKey", "*", &[], Allow)
        },
        Case {
            who: Who::Root,
            ..id(
                EVAL,
                &[DENY_SSM_GET],
                "ssm:GetParameter",
                PARAM,
                &[],
                ExplicitDeny,
            )
        },
        // Role sessions are evaluated under the role's policies like any principal.
        Case {
            who: Who::Session("app", "s1"),
            ..id(
                EVAL,
                &[ALLOW_SSM_GET],
                "ssm:GetParameter",
                PARAM,
                &[],
                Allow,
            )
        },
        Case {
            who: Who::Session("app", "s1"),
            ..id(EVAL, &[], "ssm:GetParameter", PARAM, &[], ImplicitDeny)
        },
        // ---- NotAction (NOT_ACTION).
        id(
            NOT_ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            NOT_ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
            ],
            "iam:CreateUser",
            "*",
            &[],
            ImplicitDeny,
        ),
        id(
            NOT_ACTION,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["ssm:Get*","ssm:Describe*"],"Resource":"*"}}"#,
            ],
            "ssm:PutParameter",
            PARAM,
            &[],
            ExplicitDeny,
        ),
        id(
            NOT_ACTION,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["ssm:Get*","ssm:Describe*"],"Resource":"*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            NOT_ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"SSM:PUT*","Resource":"*"}}"#,
            ],
            "ssm:PutParameter",
            PARAM,
            &[],
            ImplicitDeny,
        ),
        id(
            NOT_ACTION,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            ExplicitDeny,
        ),
        id(
            NOT_ACTION,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[("aws:MultiFactorAuthPresent", &["true"])],
            Allow,
        ),
        id(
            NOT_ACTION,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}}"#,
            ],
            "iam:ListUsers",
            "*",
            &[],
            Allow,
        ),
        // ---- NotResource (NOT_RESOURCE).
        id(
            NOT_RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","NotResource":"arn:aws:ssm:*:*:parameter/prod/*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            NOT_RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","NotResource":"arn:aws:ssm:*:*:parameter/prod/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db",
            &[],
            ImplicitDeny,
        ),
        id(
            NOT_RESOURCE,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ssm:*","NotResource":"arn:aws:ssm:*:*:parameter/dev/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db",
            &[],
            ExplicitDeny,
        ),
        id(
            NOT_RESOURCE,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ssm:*","NotResource":"arn:aws:ssm:*:*:parameter/dev/*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            NOT_RESOURCE,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ssm:*","NotResource":["arn:aws:ssm:*:*:parameter/dev/*","arn:aws:ssm:*:*:parameter/test/*"]}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/test/x",
            &[],
            Allow,
        ),
        // ---- Action wildcards and case (ACTION).
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:Get*","Resource":"*"}}"#,
            ],
            "ssm:GetParametersByPath",
            PARAM,
            &[],
            Allow,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:Get*","Resource":"*"}}"#,
            ],
            "ssm:DescribeParameters",
            "*",
            &[],
            ImplicitDeny,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter?","Resource":"*"}}"#,
            ],
            "ssm:GetParameters",
            PARAM,
            &[],
            Allow,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter?","Resource":"*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            ImplicitDeny,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"SSM:getparameter","Resource":"*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            ],
            "kms:Decrypt",
            KEY,
            &[],
            Allow,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            ImplicitDeny,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}"#,
            ],
            "kms:Decrypt",
            KEY,
            &[],
            Allow,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*crypt","Resource":"*"}}"#,
            ],
            "kms:ReEncrypt",
            KEY,
            &[],
            Allow,
        ),
        id(
            ACTION,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:ReEncrypt*","Resource":"*"}}"#,
            ],
            "kms:ReEncryptFrom",
            KEY,
            &[],
            Allow,
        ),
        // ---- Resource wildcards and case (RESOURCE).
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/dev/*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/dev/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/dev/a/b/c",
            &[],
            Allow,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/dev/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-west-2:123456789012:parameter/dev/db",
            &[],
            ImplicitDeny,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:*:123456789012:parameter/dev/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-west-2:123456789012:parameter/dev/db",
            &[],
            Allow,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:*:123456789012:parameter/dev/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:999999999999:parameter/dev/db",
            &[],
            ImplicitDeny,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/Dev/*"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            ImplicitDeny,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/dev/d?"}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/dev/d?"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/dev/dbx",
            &[],
            ImplicitDeny,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":["arn:aws:ssm:*:*:parameter/a","arn:aws:ssm:*:*:parameter/dev/db"]}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            Allow,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:123456789012:key/*"}}"#,
            ],
            "kms:Decrypt",
            KEY,
            &[],
            Allow,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:123456789012:alias/*"}}"#,
            ],
            "kms:Decrypt",
            KEY,
            &[],
            ImplicitDeny,
        ),
        id(
            RESOURCE,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:DescribeParameters","Resource":"arn:aws:ssm:us-east-1:123456789012:*"}}"#,
            ],
            "ssm:DescribeParameters",
            "arn:aws:ssm:us-east-1:123456789012:*",
            &[],
            Allow,
        ),
        // ---- Condition element (CONDITION): AND of operators and keys, OR of values,
        // key names without regard to case.
        cond!(
            CONDITION,
            r#"{"StringEquals":{"aws:username":["alice","bob"]}}"#,
            &[("aws:username", &["bob"])],
            true
        ),
        cond!(
            CONDITION,
            r#"{"StringEquals":{"aws:username":"alice","aws:PrincipalType":"User"}}"#,
            &[
                ("aws:username", &["alice"]),
                ("aws:PrincipalType", &["User"])
            ],
            true
        ),
        cond!(
            CONDITION,
            r#"{"StringEquals":{"aws:username":"alice","aws:PrincipalType":"User"}}"#,
            &[
                ("aws:username", &["alice"]),
                ("aws:PrincipalType", &["AssumedRole"])
            ],
            false
        ),
        cond!(
            CONDITION,
            r#"{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}"#,
            &[
                ("aws:username", &["alice"]),
                ("aws:SecureTransport", &["false"])
            ],
            false
        ),
        cond!(
            CONDITION,
            r#"{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}"#,
            &[
                ("aws:username", &["alice"]),
                ("aws:SecureTransport", &["true"])
            ],
            true
        ),
        cond!(
            CONDITION,
            r#"{"StringEquals":{"AWS:UserName":"alice"}}"#,
            &[("aws:username", &["alice"])],
            true
        ),
        cond!(
            CONDITION,
            r#"{"stringequals":{"aws:username":"alice"}}"#,
            &[("aws:username", &["alice"])],
            true
        ),
        cond!(
            CONDITION,
            r#"{"StringEquals":{"aws:username":"alice"}}"#,
            &[],
            false
        ),
        // ---- String operators (OPS).
        cond!(
            OPS,
            r#"{"StringEquals":{"aws:username":"alice"}}"#,
            &[("aws:username", &["alice"])],
            true
        ),
        cond!(
            OPS,
            r#"{"StringEquals":{"aws:username":"alice"}}"#,
            &[("aws:username", &["Alice"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringEquals":{"aws:username":"al*"}}"#,
            &[("aws:username", &["alice"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringNotEquals":{"aws:username":"alice"}}"#,
            &[("aws:username", &["bob"])],
            true
        ),
        cond!(
            OPS,
            r#"{"StringNotEquals":{"aws:username":"alice"}}"#,
            &[("aws:username", &["alice"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringNotEquals":{"aws:username":["alice","bob"]}}"#,
            &[("aws:username", &["bob"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}"#,
            &[("aws:username", &["alice"])],
            true
        ),
        cond!(
            OPS,
            r#"{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}"#,
            &[("aws:username", &["alice"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}"#,
            &[("aws:username", &["bob"])],
            true
        ),
        cond!(
            OPS,
            r#"{"StringLike":{"aws:username":"al*"}}"#,
            &[("aws:username", &["alice"])],
            true
        ),
        cond!(
            OPS,
            r#"{"StringLike":{"aws:username":"al?ce"}}"#,
            &[("aws:username", &["alice"])],
            true
        ),
        cond!(
            OPS,
            r#"{"StringLike":{"aws:username":"al?ce"}}"#,
            &[("aws:username", &["allice"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringLike":{"aws:username":"AL*"}}"#,
            &[("aws:username", &["alice"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringNotLike":{"aws:username":"al*"}}"#,
            &[("aws:username", &["bob"])],
            true
        ),
        cond!(
            OPS,
            r#"{"StringNotLike":{"aws:username":"al*"}}"#,
            &[("aws:username", &["alice"])],
            false
        ),
        cond!(
            OPS,
            r#"{"StringLike":{"aws:userid":"AIDA*"}}"#,
            &[("aws:userid", &["AIDAEXAMPLE"])],
            true
        ),
        // ---- Numeric operators (OPS).
        cond!(
            OPS,
            r#"{"NumericEquals":{"kms:RotationPeriodInDays":"180"}}"#,
            &[("kms:RotationPeriodInDays", &["180"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NumericEquals":{"kms:RotationPeriodInDays":180}}"#,
            &[("kms:RotationPeriodInDays", &["180.0"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NumericNotEquals":{"kms:RotationPeriodInDays":"180"}}"#,
            &[("kms:RotationPeriodInDays", &["90"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NumericNotEquals":{"kms:RotationPeriodInDays":"180"}}"#,
            &[("kms:RotationPeriodInDays", &["180"])],
            false
        ),
        cond!(
            OPS,
            r#"{"NumericLessThan":{"kms:RotationPeriodInDays":"180"}}"#,
            &[("kms:RotationPeriodInDays", &["179"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NumericLessThan":{"kms:RotationPeriodInDays":"180"}}"#,
            &[("kms:RotationPeriodInDays", &["180"])],
            false
        ),
        cond!(
            OPS,
            r#"{"NumericLessThanEquals":{"kms:RotationPeriodInDays":"180"}}"#,
            &[("kms:RotationPeriodInDays", &["180"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NumericGreaterThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"20"}}"#,
            &[("kms:ScheduleKeyDeletionPendingWindowInDays", &["30"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NumericGreaterThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"20"}}"#,
            &[("kms:ScheduleKeyDeletionPendingWindowInDays", &["7"])],
            false
        ),
        cond!(
            OPS,
            r#"{"NumericGreaterThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"30"}}"#,
            &[("kms:ScheduleKeyDeletionPendingWindowInDays", &["30"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NumericLessThan":{"kms:RotationPeriodInDays":"180"}}"#,
            &[("kms:RotationPeriodInDays", &["soon"])],
            false
        ),
        cond!(
            OPS,
            r#"{"NumericLessThan":{"kms:RotationPeriodInDays":"180"}}"#,
            &[],
            false
        ),
        // ---- Date operators (OPS), with aws:CurrentTime and aws:EpochTime.
        cond!(
            OPS,
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2026-11-30T10:00:00Z"])],
            true
        ),
        cond!(
            OPS,
            r#"{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2026-11-30T10:00:00Z"])],
            false
        ),
        cond!(
            OPS,
            r#"{"DateLessThanEquals":{"aws:CurrentTime":"2026-11-30T10:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2026-11-30T10:00:00Z"])],
            true
        ),
        cond!(
            OPS,
            r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-11-30T10:00:01Z"}}"#,
            &[("aws:CurrentTime", &["2026-11-30T10:00:00Z"])],
            false
        ),
        cond!(
            OPS,
            r#"{"DateEquals":{"aws:CurrentTime":"2026-11-30T10:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2026-11-30T10:00:00Z"])],
            true
        ),
        cond!(
            OPS,
            r#"{"DateNotEquals":{"aws:CurrentTime":"2026-11-30T10:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2026-11-30T10:00:01Z"])],
            true
        ),
        cond!(
            OPS,
            r#"{"DateGreaterThan":{"aws:EpochTime":"1577836800"}}"#,
            &[("aws:EpochTime", &["1796032800"])],
            true
        ),
        cond!(
            OPS,
            r#"{"DateLessThan":{"aws:EpochTime":1577836800}}"#,
            &[("aws:EpochTime", &["1796032800"])],
            false
        ),
        cond!(
            OPS,
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["yesterday"])],
            false
        ),
        cond!(
            OPS,
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#,
            &[],
            false
        ),
        // ---- Bool (OPS).
        cond!(
            OPS,
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["true"])],
            true
        ),
        cond!(
            OPS,
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["false"])],
            false
        ),
        cond!(
            OPS,
            r#"{"Bool":{"aws:SecureTransport":true}}"#,
            &[("aws:SecureTransport", &["true"])],
            true
        ),
        cond!(
            OPS,
            r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
            &[("aws:SecureTransport", &["false"])],
            true
        ),
        cond!(
            OPS,
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[],
            false
        ),
        cond!(
            OPS,
            r#"{"Bool":{"aws:ViaAWSService":"true"}}"#,
            &[("aws:ViaAWSService", &["true"])],
            true
        ),
        // ---- Binary (OPS).
        cond!(
            OPS,
            r#"{"BinaryEquals":{"kms:EncryptionContext:blob":"QmluYXJ5VmFsdWU="}}"#,
            &[("kms:EncryptionContext:blob", &["QmluYXJ5VmFsdWU="])],
            true
        ),
        cond!(
            OPS,
            r#"{"BinaryEquals":{"kms:EncryptionContext:blob":"QmluYXJ5VmFsdWU="}}"#,
            &[("kms:EncryptionContext:blob", &["T3RoZXI="])],
            false
        ),
        // ---- IP address (OPS).
        cond!(
            OPS,
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.113.5"])],
            true
        ),
        cond!(
            OPS,
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["198.51.100.5"])],
            false
        ),
        cond!(
            OPS,
            r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.0/24"]}}"#,
            &[("aws:SourceIp", &["198.51.100.5"])],
            true
        ),
        cond!(
            OPS,
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.5"}}"#,
            &[("aws:SourceIp", &["203.0.113.5"])],
            true
        ),
        cond!(
            OPS,
            r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            &[("aws:SourceIp", &["2001:db8:1234:5678::1"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["198.51.100.5"])],
            true
        ),
        cond!(
            OPS,
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.113.5"])],
            false
        ),
        cond!(
            OPS,
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["not-an-ip"])],
            false
        ),
        cond!(
            OPS,
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[],
            false
        ),
        // ---- ARN operators (OPS).
        cond!(
            OPS,
            r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/app"}}"#,
            &[("aws:PrincipalArn", &["arn:aws:iam::123456789012:role/app"])],
            true
        ),
        cond!(
            OPS,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app"}}"#,
            &[("aws:PrincipalArn", &["arn:aws:iam::123456789012:role/app"])],
            true
        ),
        cond!(
            OPS,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app-*"}}"#,
            &[(
                "aws:PrincipalArn",
                &["arn:aws:iam::123456789012:role/other"]
            )],
            false
        ),
        cond!(
            OPS,
            r#"{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/app"}}"#,
            &[(
                "aws:PrincipalArn",
                &["arn:aws:iam::123456789012:role/other"]
            )],
            true
        ),
        cond!(
            OPS,
            r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app"}}"#,
            &[("aws:PrincipalArn", &["arn:aws:iam::123456789012:role/app"])],
            false
        ),
        cond!(
            OPS,
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:123456789012:function:*"}}"#,
            &[(
                "aws:SourceArn",
                &["arn:aws:lambda:us-east-1:123456789012:function:f"]
            )],
            true
        ),
        cond!(
            OPS,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app"}}"#,
            &[("aws:PrincipalArn", &["not-an-arn"])],
            false
        ),
        // ---- Null (OPS).
        cond!(OPS, r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[], true),
        cond!(
            OPS,
            r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
            &[("aws:TokenIssueTime", &["2026-11-30T10:00:00Z"])],
            false
        ),
        cond!(
            OPS,
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[("aws:TokenIssueTime", &["2026-11-30T10:00:00Z"])],
            true
        ),
        cond!(
            OPS,
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[],
            false
        ),
        cond!(OPS, r#"{"Null":{"aws:TokenIssueTime":true}}"#, &[], true),
        // ---- Negated operators on an absent key (OPS: "If the key ... is not present,
        // the condition ... StringNotEquals ... returns true").
        cond!(
            OPS,
            r#"{"StringNotEquals":{"aws:username":"alice"}}"#,
            &[],
            true
        ),
        cond!(
            OPS,
            r#"{"StringNotLike":{"aws:username":"al*"}}"#,
            &[],
            true
        ),
        cond!(
            OPS,
            r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app"}}"#,
            &[],
            true
        ),
        cond!(
            OPS,
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[],
            true
        ),
        // ---- IfExists (IFEXISTS): absent keys match; present keys are compared.
        cond!(
            IFEXISTS,
            r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#,
            &[],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#,
            &[("ec2:InstanceType", &["t2.micro"])],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#,
            &[("ec2:InstanceType", &["m5.large"])],
            false
        ),
        cond!(
            IFEXISTS,
            r#"{"StringLikeIfExists":{"ec2:InstanceType":"t2.*"}}"#,
            &[("ec2:InstanceType", &["t2.nano"])],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"NumericLessThanIfExists":{"kms:RotationPeriodInDays":"100"}}"#,
            &[],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"NumericLessThanIfExists":{"kms:RotationPeriodInDays":"100"}}"#,
            &[("kms:RotationPeriodInDays", &["365"])],
            false
        ),
        cond!(
            IFEXISTS,
            r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#,
            &[],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#,
            &[("aws:MultiFactorAuthPresent", &["false"])],
            false
        ),
        cond!(
            IFEXISTS,
            r#"{"IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["198.51.100.1"])],
            false
        ),
        cond!(
            IFEXISTS,
            r#"{"DateGreaterThanIfExists":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}"#,
            &[],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::bucket"}}"#,
            &[],
            true
        ),
        cond!(
            IFEXISTS,
            r#"{"StringNotEqualsIfExists":{"aws:username":"alice"}}"#,
            &[("aws:username", &["alice"])],
            false
        ),
        cond!(
            IFEXISTS,
            r#"{"StringNotEqualsIfExists":{"aws:username":"alice"}}"#,
            &[],
            true
        ),
        // ---- Set operators (MULTI), with missing keys (no value in the request context).
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            &[("aws:TagKeys", &["env"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            &[("aws:TagKeys", &["env", "team"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            &[("aws:TagKeys", &["env", "cost"])],
            false
        ),
        // "ForAllValues returns true if there are no context keys in the request".
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            &[],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            &[("aws:TagKeys", &["cost", "team"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            &[("aws:TagKeys", &["cost"])],
            false
        ),
        // "ForAnyValue returns false if the key is missing".
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            &[],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringLike":{"aws:TagKeys":["env*","team*"]}}"#,
            &[("aws:TagKeys", &["environment", "teamname"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringLike":{"aws:TagKeys":["env*"]}}"#,
            &[("aws:TagKeys", &["environment", "owner"])],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringLike":{"aws:TagKeys":"env*"}}"#,
            &[("aws:TagKeys", &["owner", "environment"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#,
            &[("aws:TagKeys", &["env", "team"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#,
            &[("aws:TagKeys", &["env", "secret"])],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["secret"]}}"#,
            &[("aws:TagKeys", &["env", "secret"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["secret"]}}"#,
            &[("aws:TagKeys", &["secret"])],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["ENV"]}}"#,
            &[("aws:TagKeys", &["env"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"purpose"}}"#,
            &[("kms:EncryptionContextKeys", &["purpose", "app"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"purpose"}}"#,
            &[("kms:EncryptionContextKeys", &["purpose", "app"])],
            false
        ),
        // The GrantOperations guard of the KMS Developer Guide, "kms:GrantOperations".
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]}}"#,
            &[("kms:GrantOperations", &["Decrypt", "CreateGrant"])],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]}}"#,
            &[("kms:GrantOperations", &["Decrypt"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance"}}"#,
            &[("kms:ResourceAliases", &["alias/finance", "alias/other"])],
            true
        ),
        // A positive operator without a set prefix on a multivalued key matches when any
        // value does; a negated one when none does.
        cond!(
            MULTI,
            r#"{"StringEquals":{"aws:TagKeys":"env"}}"#,
            &[("aws:TagKeys", &["team", "env"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"StringNotEquals":{"aws:TagKeys":"env"}}"#,
            &[("aws:TagKeys", &["team", "env"])],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:NumericGreaterThan":{"kms:RotationPeriodInDays":"100"}}"#,
            &[("kms:RotationPeriodInDays", &["90", "180"])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:NumericGreaterThan":{"kms:RotationPeriodInDays":"100"}}"#,
            &[("kms:RotationPeriodInDays", &["90", "180"])],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}}"#,
            &[],
            true
        ),
        // An empty multivalued key (a request that sets no tags) is a null data set: the
        // same as a missing key for the set operators.
        cond!(
            MULTI,
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}"#,
            &[("aws:TagKeys", &[])],
            true
        ),
        cond!(
            MULTI,
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}"#,
            &[("aws:TagKeys", &[])],
            false
        ),
        cond!(
            MULTI,
            r#"{"ForAllValues:StringLike":{"kms:GrantOperations":"*"}}"#,
            &[("kms:GrantOperations", &[])],
            true
        ),
        cond!(
            MULTI,
            r#"{"Null":{"aws:TagKeys":"true"}}"#,
            &[("aws:TagKeys", &[])],
            true
        ),
        // ---- Policy variables (VARS).
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/home/${aws:username}/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/home/alice/x",
            &[("aws:username", &["alice"])],
            Allow,
        ),
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/home/${aws:username}/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/home/bob/x",
            &[("aws:username", &["alice"])],
            ImplicitDeny,
        ),
        // A variable whose key is absent leaves the resource unmatched.
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/home/${aws:username}/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/home/alice/x",
            &[],
            ImplicitDeny,
        ),
        // A default value applies when the key is absent.
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/team/${aws:PrincipalTag/team, 'shared'}/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/team/shared/x",
            &[],
            Allow,
        ),
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/team/${aws:PrincipalTag/team, 'shared'}/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/team/blue/x",
            &[("aws:PrincipalTag/team", &["blue"])],
            Allow,
        ),
        // The value of a variable is literal: a `*` in it is no wildcard.
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/home/${aws:username}"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/home/anything",
            &[("aws:username", &["*"])],
            ImplicitDeny,
        ),
        // Escapes: ${*} is a literal asterisk.
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/a${*}b"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/a*b",
            &[],
            Allow,
        ),
        id(
            VARS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/a${*}b"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/axyzb",
            &[],
            ImplicitDeny,
        ),
        // Variables exist only in the 2012-10-17 language; in 2008-10-17 they are text.
        id(
            VARS,
            &[
                r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/home/${aws:username}/*"}}"#,
            ],
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/home/alice/x",
            &[("aws:username", &["alice"])],
            ImplicitDeny,
        ),
        // Variables in condition values (ABAC: resource tag equals principal tag).
        id(
            VARS,
            &[ABAC],
            "kms:Encrypt",
            KEY,
            &[
                ("aws:ResourceTag/team", &["blue"]),
                ("aws:PrincipalTag/team", &["blue"]),
            ],
            Allow,
        ),
        id(
            VARS,
            &[ABAC],
            "kms:Encrypt",
            KEY,
            &[
                ("aws:ResourceTag/team", &["red"]),
                ("aws:PrincipalTag/team", &["blue"]),
            ],
            ImplicitDeny,
        ),
        id(
            VARS,
            &[ABAC],
            "kms:Encrypt",
            KEY,
            &[("aws:ResourceTag/team", &["blue"])],
            ImplicitDeny,
        ),
        cond!(
            VARS,
            r#"{"StringLike":{"aws:userid":"*:${aws:username}"}}"#,
            &[
                ("aws:userid", &["AROAEXAMPLE:alice"]),
                ("aws:username", &["alice"])
            ],
            true
        ),
        // ---- Global keys' availability (GLOBAL_KEYS): a Deny on a tag the resource
        // lacks does not apply; IfExists-free conditions on absent keys fail.
        id(
            GLOBAL_KEYS,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}}"#,
            ],
            "kms:Encrypt",
            KEY,
            &[("aws:ResourceTag/env", &["prod"])],
            ExplicitDeny,
        ),
        id(
            GLOBAL_KEYS,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}}"#,
            ],
            "kms:Encrypt",
            KEY,
            &[("aws:ResourceTag/env", &["dev"])],
            Allow,
        ),
        id(
            GLOBAL_KEYS,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}}"#,
            ],
            "kms:Encrypt",
            KEY,
            &[],
            Allow,
        ),
        id(
            GLOBAL_KEYS,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[("aws:RequestedRegion", &["us-west-2"])],
            ExplicitDeny,
        ),
        id(
            GLOBAL_KEYS,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[("aws:RequestedRegion", &["us-east-1"])],
            Allow,
        ),
        id(
            GLOBAL_KEYS,
            &[
                ALLOW_ALL,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceAccount":"123456789012"}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[("aws:ResourceAccount", &["999999999999"])],
            ExplicitDeny,
        ),
        id(
            GLOBAL_KEYS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/department":"finance"}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[("aws:PrincipalTag/department", &["finance"])],
            Allow,
        ),
        id(
            GLOBAL_KEYS,
            &[
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/department":"finance"}}}}"#,
            ],
            "ssm:GetParameter",
            PARAM,
            &[],
            ImplicitDeny,
        ),
        // ---- KMS key policies (KMS_POLICY): the key policy must allow, directly or by
        // delegating to the account; an identity policy alone is not enough.
        Case {
            resource_policy: Some(DEFAULT_KEY_POLICY),
            ..id(KMS_POLICY, &[ALLOW_ALL], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(DEFAULT_KEY_POLICY),
            ..id(KMS_POLICY, &[], "kms:Decrypt", KEY, &[], ImplicitDeny)
        },
        Case {
            resource_policy: Some(DEFAULT_KEY_POLICY),
            who: Who::Root,
            ..id(KMS_POLICY, &[], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(KEY_POLICY_ALICE),
            ..id(KMS_POLICY, &[], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(KEY_POLICY_ALICE),
            ..id(
                KMS_POLICY,
                &[ALLOW_ALL],
                "kms:Encrypt",
                KEY,
                &[],
                ImplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_ALICE),
            who: Who::User("bob"),
            ..id(
                KMS_POLICY,
                &[ALLOW_ALL],
                "kms:Decrypt",
                KEY,
                &[],
                ImplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_ALICE),
            who: Who::Root,
            ..id(KMS_POLICY, &[], "kms:Decrypt", KEY, &[], ImplicitDeny)
        },
        Case {
            resource_policy: Some(KEY_POLICY_ALICE),
            ..id(
                KMS_POLICY,
                &[
                    r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"kms:*","Resource":"*"}}"#,
                ],
                "kms:Decrypt",
                KEY,
                &[],
                ExplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_DENY_ALICE),
            ..id(
                KMS_POLICY,
                &[ALLOW_ALL],
                "kms:Decrypt",
                KEY,
                &[],
                ExplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_DENY_ALICE),
            who: Who::User("bob"),
            ..id(KMS_POLICY, &[ALLOW_ALL], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(KEY_POLICY_EVERYONE_IN_ACCOUNT),
            ..id(
                KMS_POLICY,
                &[],
                "kms:Decrypt",
                KEY,
                &[("kms:CallerAccount", &["123456789012"])],
                Allow,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_EVERYONE_IN_ACCOUNT),
            who: Who::Foreign,
            ..id(
                KMS_POLICY,
                &[],
                "kms:Decrypt",
                KEY,
                &[("kms:CallerAccount", &["444455556666"])],
                ImplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_VIA_SSM),
            ..id(
                KMS_POLICY,
                &[],
                "kms:Decrypt",
                KEY,
                &[
                    ("kms:CallerAccount", &["123456789012"]),
                    ("kms:ViaService", &["ssm.us-east-1.amazonaws.com"]),
                ],
                Allow,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_VIA_SSM),
            ..id(
                KMS_POLICY,
                &[],
                "kms:Decrypt",
                KEY,
                &[("kms:CallerAccount", &["123456789012"])],
                ImplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_VIA_SSM),
            ..id(
                KMS_POLICY,
                &[],
                "kms:Decrypt",
                KEY,
                &[
                    ("kms:CallerAccount", &["123456789012"]),
                    ("kms:ViaService", &["ssm.us-west-2.amazonaws.com"]),
                ],
                ImplicitDeny,
            )
        },
        // Statements without Principal never apply in a resource policy.
        Case {
            resource_policy: Some(KEY_POLICY_NO_PRINCIPAL),
            ..id(
                KMS_POLICY,
                &[ALLOW_ALL],
                "kms:Decrypt",
                KEY,
                &[],
                ImplicitDeny,
            )
        },
        // The grant-operations guard: without the key a ForAllValues condition holds.
        Case {
            resource_policy: Some(KEY_POLICY_GRANT_OPS),
            ..id(
                MULTI,
                &[],
                "kms:CreateGrant",
                KEY,
                &[(
                    "kms:GrantOperations",
                    &["Decrypt", "Encrypt", "CreateGrant"],
                )],
                ImplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_GRANT_OPS),
            ..id(
                MULTI,
                &[],
                "kms:CreateGrant",
                KEY,
                &[("kms:GrantOperations", &["Decrypt"])],
                Allow,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_GRANT_OPS),
            ..id(MULTI, &[], "kms:CreateGrant", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(KEY_POLICY_GRANT_OPS_GUARDED),
            ..id(MULTI, &[], "kms:CreateGrant", KEY, &[], ImplicitDeny)
        },
        // Tag conditions in a key policy.
        Case {
            resource_policy: Some(KEY_POLICY_TAGS),
            ..id(
                KMS_POLICY,
                &[ALLOW_ALL],
                "kms:Encrypt",
                KEY,
                &[("aws:ResourceTag/env", &["prod"])],
                ExplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_TAGS),
            ..id(
                KMS_POLICY,
                &[ALLOW_ALL],
                "kms:Decrypt",
                KEY,
                &[("aws:ResourceTag/env", &["prod"])],
                Allow,
            )
        },
        // ---- Principals in resource policies (PRINCIPAL, RESOURCE_POLICY).
        Case {
            resource_policy: Some(KEY_POLICY_ROLE),
            who: Who::Session("app", "s1"),
            ..id(PRINCIPAL, &[], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(KEY_POLICY_ROLE),
            who: Who::Session("other", "s1"),
            ..id(
                PRINCIPAL,
                &[ALLOW_ALL],
                "kms:Decrypt",
                KEY,
                &[],
                ImplicitDeny,
            )
        },
        Case {
            resource_policy: Some(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/app/s1"},"Action":"kms:Decrypt","Resource":"*"}}"#,
            ),
            who: Who::Session("app", "s1"),
            ..id(PRINCIPAL, &[], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/app/s1"},"Action":"kms:Decrypt","Resource":"*"}}"#,
            ),
            who: Who::Session("app", "s2"),
            ..id(PRINCIPAL, &[], "kms:Decrypt", KEY, &[], ImplicitDeny)
        },
        Case {
            resource_policy: Some(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}}"#,
            ),
            ..id(PRINCIPAL, &[], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"kms:Decrypt","Resource":"*"}}"#,
            ),
            ..id(PRINCIPAL, &[ALLOW_ALL], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"kms:Decrypt","Resource":"*"}}"#,
            ),
            ..id(PRINCIPAL, &[], "kms:Decrypt", KEY, &[], ImplicitDeny)
        },
        Case {
            resource_policy: Some(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}}"#,
            ),
            ..id(
                PRINCIPAL,
                &[ALLOW_ALL],
                "kms:Decrypt",
                KEY,
                &[],
                ImplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_ALICE),
            ..id(
                RESOURCE_POLICY,
                &[DENY_SSM_GET],
                "kms:Decrypt",
                KEY,
                &[],
                Allow,
            )
        },
        // ---- NotPrincipal (NOT_PRINCIPAL): the Deny applies to everyone not listed.
        Case {
            resource_policy: Some(KEY_POLICY_NOT_PRINCIPAL),
            ..id(
                NOT_PRINCIPAL,
                &[],
                "kms:ScheduleKeyDeletion",
                KEY,
                &[],
                ExplicitDeny,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_NOT_PRINCIPAL),
            who: Who::User("admin"),
            ..id(
                NOT_PRINCIPAL,
                &[],
                "kms:ScheduleKeyDeletion",
                KEY,
                &[],
                Allow,
            )
        },
        Case {
            resource_policy: Some(KEY_POLICY_NOT_PRINCIPAL),
            ..id(NOT_PRINCIPAL, &[], "kms:Decrypt", KEY, &[], Allow)
        },
        Case {
            resource_policy: Some(KEY_POLICY_NOT_PRINCIPAL),
            who: Who::Root,
            ..id(
                NOT_PRINCIPAL,
                &[],
                "kms:ScheduleKeyDeletion",
                KEY,
                &[],
                Allow,
            )
        },
    ]
}

fn context(keys: Keys) -> ContextKeys {
    let mut context = ContextKeys::new();
    for (key, values) in keys {
        context.insert_many(key, values.iter().map(|v| (*v).to_owned()).collect());
    }
    context
}

fn document(json: &str) -> PolicyDocument {
    PolicyDocument::parse(json)
        .unwrap_or_else(|e| panic!("case policy does not parse: {e}\n{json}"))
}

#[test]
fn the_engine_decides_every_case_as_aws_documents() {
    let cases = cases();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let documents: Vec<PolicyDocument> = case.identity.iter().map(|p| document(p)).collect();
        let names: Vec<String> = (0..documents.len())
            .map(|n| format!("identity-{n}"))
            .collect();
        let identity: Vec<NamedPolicy<'_>> = documents
            .iter()
            .zip(&names)
            .map(|(document, name)| NamedPolicy { name, document })
            .collect();
        let principal = principal(case.who);
        let keys = context(case.keys);
        let request = Request {
            action: case.action,
            resource: case.resource,
            principal: &principal,
            context: &keys,
        };
        let decision = match case.resource_policy {
            None => decide_identity(&identity, &request, true),
            Some(text) => {
                let document = document(text);
                let resource_policy = NamedPolicy {
                    name: "key policy",
                    document: &document,
                };
                decide_with_resource_policy(&identity, &resource_policy, &request, true)
            }
        };
        if decision.outcome != case.expect {
            failures.push(format!(
                "case {i} ({}): {} on {} by {:?} with {:?}: expected {:?}, got {:?}",
                case.source, case.action, case.resource, case.who, case.keys, case.expect, decision
            ));
        }
        // A reason never contradicts its outcome: an allow or explicit deny names its
        // statement, except the root user's allow without any.
        match decision.outcome {
            Outcome::ExplicitDeny => assert!(decision.reason.is_some(), "case {i}"),
            Outcome::Allow => assert!(
                decision.reason.is_some() || principal.is_root(),
                "case {i}: allowed without a statement"
            ),
            Outcome::ImplicitDeny => assert!(decision.reason.is_none(), "case {i}"),
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
