//! Table-driven tests of the policy engine, on example policies from the AWS IAM User
//! Guide and the AWS KMS Developer Guide (each row names the page it comes from), plus
//! this project's reference key policy and parse-error messages.

use super::*;

const ACCOUNT: &str = "123456789012";

/// Who calls.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// An IAM user of the account.
    User(&'static str),
    /// A session of a role of the account.
    Session(&'static str, &'static str),
    /// The account root user.
    Root,
    /// A service principal.
    Service(&'static str),
    /// A user of another account (444455556666).
    Foreign(&'static str),
}

fn principal(who: Who) -> Principal {
    match who {
        Who::User(name) => Principal {
            arn: format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
            account: ACCOUNT.to_owned(),
            role_arn: None,
            service: None,
        },
        Who::Session(role, session) => Principal {
            arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
            account: ACCOUNT.to_owned(),
            role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/{role}")),
            service: None,
        },
        Who::Root => Principal {
            arn: format!("arn:aws:iam::{ACCOUNT}:root"),
            account: ACCOUNT.to_owned(),
            role_arn: None,
            service: None,
        },
        Who::Service(name) => Principal {
            arn: name.to_owned(),
            account: String::new(),
            role_arn: None,
            service: Some(name.to_owned()),
        },
        Who::Foreign(name) => Principal {
            arn: format!("arn:aws:iam::444455556666:user/{name}"),
            account: "444455556666".to_owned(),
            role_arn: None,
            service: None,
        },
    }
}

type Keys = &'static [(&'static str, &'static [&'static str])];

fn context(keys: Keys) -> ContextKeys {
    let mut context = ContextKeys::new();
    for (key, values) in keys {
        context.insert_many(key, values.iter().map(|v| (*v).to_owned()).collect());
    }
    context
}

fn document(json: &str) -> PolicyDocument {
    match PolicyDocument::parse(json) {
        Ok(doc) => doc,
        Err(e) => panic!("test policy does not parse: {e}\n{json}"),
    }
}

use Outcome::{Allow, ExplicitDeny, ImplicitDeny};

/// A row of the identity-policy table: the policy, the request, the expected outcome.
struct IdentityRow {
    /// Where the policy comes from.
    source: &'static str,
    policy: &'static str,
    action: &'static str,
    resource: &'static str,
    who: Who,
    keys: Keys,
    expect: Outcome,
}

// IAM User Guide: IAM JSON policy elements: NotAction ("allow everything except IAM").
const NOT_ACTION_ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;

// IAM User Guide: IAM JSON policy elements: NotAction ("deny all but IAM without MFA",
// with BoolIfExists), plus an allow-all statement so the deny has something to override.
const NOT_ACTION_MFA: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"AllowAll","Effect":"Allow","Action":"*","Resource":"*"},
  {"Sid":"DenyAllUsersNotUsingMFA","Effect":"Deny","NotAction":"iam:*","Resource":"*",
   "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;

// IAM User Guide: IAM JSON policy elements: NotResource ("allow all S3 except Payroll").
const NOT_RESOURCE_ALLOW: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"s3:*",
  "NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}}"#;

// IAM User Guide: IAM JSON policy elements: NotResource ("deny everything outside a
// bucket"), with an allow-all statement.
const NOT_RESOURCE_DENY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"s3:*","Resource":"*"},
  {"Effect":"Deny","Action":"s3:*",
   "NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}]}"#;

// IAM User Guide: IAM JSON policy elements: Action ("iam:*AccessKey*").
const ACTION_WILDCARD: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"*"}]}"#;

// AWS Systems Manager User Guide: Restricting access to Systems Manager parameters using
// IAM policies ("parameter/prod-*"), plus a `?` wildcard entry.
const SSM_PREFIX: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["ssm:GetParameters","ssm:GetParameter"],
   "Resource":["arn:aws:ssm:us-east-2:123456789012:parameter/prod-*",
               "arn:aws:ssm:us-east-2:123456789012:parameter/app?/config"]}]}"#;

// IAM User Guide: Policy evaluation logic (an explicit deny overrides any allow).
const DENY_OVER_ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"ssm:*","Resource":"*"},
  {"Effect":"Deny","Action":"ssm:DeleteParameter*","Resource":"*"}]}"#;

// IAM User Guide: IAM policy elements: Variables and tags (per-user home folder).
const USER_HOME: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket"],
   "Condition":{"StringLike":{"s3:prefix":["${aws:username}/*"]}}},
  {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
   "Resource":["arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"]}]}"#;

// The same policy in the 2008-10-17 language, where `${...}` is literal text (IAM User
// Guide: IAM JSON policy elements: Version).
const USER_HOME_2008: &str = r#"{"Version":"2008-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject"],
   "Resource":["arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"]}]}"#;

// IAM User Guide: IAM policy elements: Variables and tags ("Specifying default values").
const TEAM_DEFAULT: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject"],
   "Resource":["arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*"]}]}"#;

// IAM User Guide: IAM policy elements: Variables and tags ("special characters": `${*}`
// is a literal asterisk).
const LITERAL_STAR: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject"],
   "Resource":["arn:aws:s3:::amzn-s3-demo-bucket/${*}/${aws:PrincipalAccount}"]}]}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (string condition
// operators: aws:PrincipalTag/job-category).
const STRING_EQUALS: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::123456789012:user/*",
  "Condition":{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}}}"#;

// The same with StringEqualsIgnoreCase (IAM JSON policy elements: Condition operators).
const STRING_EQUALS_IGNORE_CASE: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::123456789012:user/*",
  "Condition":{"StringEqualsIgnoreCase":{"aws:PrincipalTag/job-category":"IAMUser-Admin"}}}}"#;

// IAM User Guide: Example IAM identity-based policies: Denies access to AWS based on the
// requested Region (StringNotEquals aws:RequestedRegion), with an allow-all statement.
const REGION_DENY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"*","Resource":"*"},
  {"Sid":"DenyAllOutsideRequestedRegions","Effect":"Deny",
   "NotAction":["cloudfront:*","iam:*","route53:*","support:*"],"Resource":"*",
   "Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}]}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (StringLike s3:prefix with
// a policy variable).
const STRING_LIKE: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
  "Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}}}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (StringNotLike), as an
// allow-all with a deny of roles other than the Admin ones.
const STRING_NOT_LIKE: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"*","Resource":"*"},
  {"Effect":"Deny","Action":"ssm:PutParameter","Resource":"*",
   "Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin*"}}}]}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (numeric condition
// operators: s3:max-keys).
const NUMERIC: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
  "Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"}}}}"#;

// The negated numeric operator and a JSON number as value (IAM JSON policy elements:
// Condition operators).
const NUMERIC_NOT_EQUALS: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
  "Condition":{"NumericNotEquals":{"s3:max-keys":10},"NumericGreaterThan":{"s3:max-keys":1.5}}}}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (date condition
// operators: aws:TokenIssueTime).
const DATE_TOKEN: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::123456789012:user/*",
  "Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}}}"#;

// IAM User Guide: Example IAM identity-based policies: Allows access within specific
// dates (two date operators: AND).
const DATE_WINDOW: &str = r#"{"Version":"2012-10-17","Statement":[{
  "Effect":"Allow","Action":"service-prefix:action-name","Resource":"*",
  "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},
               "DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}]}"#;

// Dates in the plain-date and epoch forms, with DateNotEquals / DateLessThanEquals
// (IAM JSON policy elements: Condition operators: "date condition operators").
const DATE_FORMS: &str = r#"{"Version":"2012-10-17","Statement":[{
  "Effect":"Allow","Action":"ssm:GetParameter","Resource":"*",
  "Condition":{"DateLessThanEquals":{"aws:EpochTime":"2020-01-01"},
               "DateNotEquals":{"aws:EpochTime":"1577836800"}}}]}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (Boolean condition
// operators: aws:SecureTransport).
const BOOL_TRUE: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"s3:GetObject","Resource":"*",
  "Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"#;

// Amazon S3 User Guide: bucket policy denying requests not over HTTPS
// (aws:SecureTransport false), written with a JSON boolean, plus an allow-all.
const BOOL_JSON_FALSE: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"s3:*","Resource":"*"},
  {"Sid":"AllowSSLRequestsOnly","Effect":"Deny","Action":"s3:*","Resource":"*",
   "Condition":{"Bool":{"aws:SecureTransport":false}}}]}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (binary condition
// operators).
const BINARY: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"ssm:GetParameter","Resource":"*",
  "Condition":{"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}}}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (IP address condition
// operators: IPv4 and IPv6 ranges).
const IP_ADDRESS: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::123456789012:user/*",
  "Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}}}"#;

// IAM User Guide: Example IAM identity-based policies: Denies access to AWS based on the
// source IP (NotIpAddress with Bool aws:ViaAWSService), plus an allow-all.
const NOT_IP_ADDRESS: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"*","Resource":"*"},
  {"Effect":"Deny","Action":"*","Resource":"*",
   "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]},
                "Bool":{"aws:ViaAWSService":"false"}}}]}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (Amazon Resource Name
// (ARN) condition operators: aws:SourceArn of an SNS topic).
const ARN_LIKE: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"sqs:SendMessage","Resource":"*",
  "Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"},
               "ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:blocked"}}}}"#;

// ArnEquals with exact parts (IAM JSON policy elements: Condition operators).
const ARN_EQUALS: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"sqs:SendMessage","Resource":"*",
  "Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}}}}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (condition operator to
// check existence of condition keys: Null aws:TokenIssueTime).
const NULL_TRUE: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"ec2:*","Resource":"*",
  "Condition":{"Null":{"aws:TokenIssueTime":"true"}}}}"#;

const NULL_FALSE: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"ec2:*","Resource":"*",
  "Condition":{"Null":{"aws:TokenIssueTime":"false"}}}}"#;

// IAM User Guide: IAM JSON policy elements: Condition operators (...IfExists condition
// operators: ec2:InstanceType).
const IF_EXISTS: &str = r#"{"Version":"2012-10-17","Statement":{
  "Sid":"THISPOLICYDOESNOTWORK","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
  "Condition":{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}}"#;

// IAM User Guide: Multivalued context keys (ForAllValues with aws:TagKeys).
const FOR_ALL_VALUES: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
  "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}}}"#;

// IAM User Guide: Multivalued context keys (ForAnyValue with aws:TagKeys).
const FOR_ANY_VALUE: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
  "Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}}}"#;

// A single-valued operator on a multivalued key (IAM User Guide: Multivalued context keys).
const NO_SET_PREFIX: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
   "Condition":{"StringEquals":{"aws:TagKeys":"environment"}}},
  {"Effect":"Allow","Action":"ec2:DeleteTags","Resource":"*",
   "Condition":{"StringNotEquals":{"aws:TagKeys":"environment"}}}]}"#;

// ForAnyValue with a negated operator (IAM User Guide: Multivalued context keys).
const FOR_ANY_VALUE_NEGATED: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
  "Condition":{"ForAnyValue:StringNotLike":{"aws:TagKeys":"env*"}}}}"#;

// Several keys under one operator (AND), several values for one key (OR) (IAM User
// Guide: IAM JSON policy elements: Condition: "Condition with multiple keys or values").
const KEYS_AND_VALUES: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Action":"ssm:GetParameter","Resource":"*",
  "Condition":{"StringEquals":{"aws:PrincipalTag/department":["finance","hr"],
                               "aws:PrincipalTag/role":"audit"}}}}"#;

// An identity policy with a Principal element (ignored there).
const IDENTITY_WITH_PRINCIPAL: &str = r#"{"Version":"2012-10-17","Statement":{
  "Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},
  "Action":"ssm:GetParameter","Resource":"*"}}"#;

const PARAM: &str = "arn:aws:ssm:us-east-2:123456789012:parameter/prod-db";
const ALICE: Who = Who::User("alice");

fn row(
    source: &'static str,
    policy: &'static str,
    action: &'static str,
    resource: &'static str,
    who: Who,
    keys: Keys,
    expect: Outcome,
) -> IdentityRow {
    IdentityRow {
        source,
        policy,
        action,
        resource,
        who,
        keys,
        expect,
    }
}

#[rustfmt::skip]
fn identity_rows() -> Vec<IdentityRow> {
    let home = "arn:aws:s3:::amzn-s3-demo-bucket";
    vec![
        // NotAction
        row("NotAction allow", NOT_ACTION_ALLOW, "s3:ListBucket", "*", ALICE, &[], Allow),
        row("NotAction allow", NOT_ACTION_ALLOW, "iam:CreateUser", "*", ALICE, &[], ImplicitDeny),
        row("NotAction allow, case", NOT_ACTION_ALLOW, "IAM:createuser", "*", ALICE, &[], ImplicitDeny),
        row("NotAction MFA, key absent", NOT_ACTION_MFA, "s3:GetObject", "*", ALICE, &[], ExplicitDeny),
        row("NotAction MFA, no MFA", NOT_ACTION_MFA, "s3:GetObject", "*", ALICE, &[("aws:MultiFactorAuthPresent", &["false"])], ExplicitDeny),
        row("NotAction MFA, MFA", NOT_ACTION_MFA, "s3:GetObject", "*", ALICE, &[("aws:MultiFactorAuthPresent", &["true"])], Allow),
        row("NotAction MFA, IAM", NOT_ACTION_MFA, "iam:ListUsers", "*", ALICE, &[], Allow),
        // NotResource
        row("NotResource allow", NOT_RESOURCE_ALLOW, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x", ALICE, &[], ImplicitDeny),
        row("NotResource allow", NOT_RESOURCE_ALLOW, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll", ALICE, &[], ImplicitDeny),
        row("NotResource allow", NOT_RESOURCE_ALLOW, "s3:GetObject", "arn:aws:s3:::HRBucket/Other", ALICE, &[], Allow),
        row("NotResource allow, other action", NOT_RESOURCE_ALLOW, "ec2:RunInstances", "*", ALICE, &[], ImplicitDeny),
        row("NotResource deny", NOT_RESOURCE_DENY, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x", ALICE, &[], Allow),
        row("NotResource deny", NOT_RESOURCE_DENY, "s3:GetObject", "arn:aws:s3:::Other/x", ALICE, &[], ExplicitDeny),
        row("NotResource deny, resource case", NOT_RESOURCE_DENY, "s3:GetObject", "arn:aws:s3:::hrbucket/Payroll/x", ALICE, &[], ExplicitDeny),
        // Action and resource wildcards
        row("action *AccessKey*", ACTION_WILDCARD, "iam:CreateAccessKey", "*", ALICE, &[], Allow),
        row("action *AccessKey*", ACTION_WILDCARD, "iam:ListAccessKeys", "*", ALICE, &[], Allow),
        row("action case-insensitive", ACTION_WILDCARD, "IAM:createaccesskey", "*", ALICE, &[], Allow),
        row("action *AccessKey*", ACTION_WILDCARD, "iam:CreateUser", "*", ALICE, &[], ImplicitDeny),
        row("resource prod-*", SSM_PREFIX, "ssm:GetParameter", PARAM, ALICE, &[], Allow),
        row("resource prod-*, action case", SSM_PREFIX, "SSM:GETPARAMETERS", PARAM, ALICE, &[], Allow),
        row("resource case-sensitive", SSM_PREFIX, "ssm:GetParameter", "arn:aws:ssm:us-east-2:123456789012:parameter/Prod-db", ALICE, &[], ImplicitDeny),
        row("resource prod-*", SSM_PREFIX, "ssm:GetParameter", "arn:aws:ssm:us-east-2:123456789012:parameter/dev-db", ALICE, &[], ImplicitDeny),
        row("resource star spans /", SSM_PREFIX, "ssm:GetParameter", "arn:aws:ssm:us-east-2:123456789012:parameter/prod-/a/b", ALICE, &[], Allow),
        row("resource ?", SSM_PREFIX, "ssm:GetParameter", "arn:aws:ssm:us-east-2:123456789012:parameter/app1/config", ALICE, &[], Allow),
        row("resource ? is one character", SSM_PREFIX, "ssm:GetParameter", "arn:aws:ssm:us-east-2:123456789012:parameter/app12/config", ALICE, &[], ImplicitDeny),
        row("resource ? is one character", SSM_PREFIX, "ssm:GetParameter", "arn:aws:ssm:us-east-2:123456789012:parameter/app/config", ALICE, &[], ImplicitDeny),
        row("resource \"*\" request", SSM_PREFIX, "ssm:GetParameter", "*", ALICE, &[], ImplicitDeny),
        // Explicit deny over allow
        row("deny over allow", DENY_OVER_ALLOW, "ssm:GetParameter", PARAM, ALICE, &[], Allow),
        row("deny over allow", DENY_OVER_ALLOW, "ssm:DeleteParameters", PARAM, ALICE, &[], ExplicitDeny),
        // Policy variables
        row("variable in resource", USER_HOME, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/alice/f", ALICE, &[("aws:username", &["alice"])], Allow),
        row("variable in resource", USER_HOME, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/bob/f", ALICE, &[("aws:username", &["alice"])], ImplicitDeny),
        row("variable with no value", USER_HOME, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/alice/f", Who::Session("R", "alice"), &[], ImplicitDeny),
        row("variable value is literal", USER_HOME, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/alice/f", ALICE, &[("aws:username", &["*"])], ImplicitDeny),
        row("variable in condition", USER_HOME, "s3:ListBucket", home, ALICE, &[ ("aws:username", &["alice"]), ("s3:prefix", &["alice/photos"]), ], Allow),
        row("variable in condition", USER_HOME, "s3:ListBucket", home, ALICE, &[("aws:username", &["alice"]), ("s3:prefix", &["bob/photos"])], ImplicitDeny),
        row("variable in condition, no value", USER_HOME, "s3:ListBucket", home, ALICE, &[("s3:prefix", &["alice/photos"])], ImplicitDeny),
        row("2008-10-17: no variables", USER_HOME_2008, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/alice/f", ALICE, &[("aws:username", &["alice"])], ImplicitDeny),
        row("2008-10-17: literal text", USER_HOME_2008, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/f", ALICE, &[("aws:username", &["alice"])], Allow),
        row("variable default", TEAM_DEFAULT, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/f", ALICE, &[], Allow),
        row("variable default", TEAM_DEFAULT, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/red/f", ALICE, &[], ImplicitDeny),
        row("variable default, value", TEAM_DEFAULT, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/red/f", ALICE, &[("aws:PrincipalTag/team", &["red"])], Allow),
        row("${*} literal", LITERAL_STAR, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*/123456789012", ALICE, &[("aws:PrincipalAccount", &["123456789012"])], Allow),
        row("${*} literal", LITERAL_STAR, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/x/123456789012", ALICE, &[("aws:PrincipalAccount", &["123456789012"])], ImplicitDeny),
        // String operators
        row("StringEquals", STRING_EQUALS, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:PrincipalTag/job-category", &["iamuser-admin"])], Allow),
        row("StringEquals, key case", STRING_EQUALS, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("AWS:PRINCIPALTAG/JOB-CATEGORY", &["iamuser-admin"])], Allow),
        row("StringEquals, value case", STRING_EQUALS, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:PrincipalTag/job-category", &["IAMUser-Admin"])], ImplicitDeny),
        row("StringEquals, key absent", STRING_EQUALS, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[], ImplicitDeny),
        row("StringEqualsIgnoreCase", STRING_EQUALS_IGNORE_CASE, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:PrincipalTag/job-category", &["iamuser-admin"])], Allow),
        row("StringEqualsIgnoreCase", STRING_EQUALS_IGNORE_CASE, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:PrincipalTag/job-category", &["iamuser"])], ImplicitDeny),
        row("StringNotEquals", REGION_DENY, "ssm:GetParameter", "*", ALICE, &[("aws:RequestedRegion", &["us-east-1"])], ExplicitDeny),
        row("StringNotEquals", REGION_DENY, "ssm:GetParameter", "*", ALICE, &[("aws:RequestedRegion", &["eu-west-1"])], Allow),
        row("StringNotEquals, key absent", REGION_DENY, "ssm:GetParameter", "*", ALICE, &[], ExplicitDeny),
        row("StringNotEquals, NotAction", REGION_DENY, "iam:ListUsers", "*", ALICE, &[("aws:RequestedRegion", &["us-east-1"])], Allow),
        row("StringLike", STRING_LIKE, "s3:ListBucket", home, ALICE, &[("s3:prefix", &[""])], Allow),
        row("StringLike", STRING_LIKE, "s3:ListBucket", home, ALICE, &[("s3:prefix", &["home/"])], Allow),
        row("StringLike with variable", STRING_LIKE, "s3:ListBucket", home, ALICE, &[ ("s3:prefix", &["home/alice/"]), ("aws:username", &["alice"]), ], Allow),
        row("StringLike with variable", STRING_LIKE, "s3:ListBucket", home, ALICE, &[("s3:prefix", &["home/bob/"]), ("aws:username", &["alice"])], ImplicitDeny),
        row("StringNotLike", STRING_NOT_LIKE, "ssm:PutParameter", "*", ALICE, &[("aws:PrincipalArn", &["arn:aws:iam::123456789012:user/alice"])], ExplicitDeny),
        row("StringNotLike", STRING_NOT_LIKE, "ssm:PutParameter", "*", Who::Session("AdminRole", "s"), &[("aws:PrincipalArn", &["arn:aws:iam::123456789012:role/AdminRole"])], Allow),
        row("StringNotLike, key absent", STRING_NOT_LIKE, "ssm:PutParameter", "*", ALICE, &[], ExplicitDeny),
        // Numeric operators
        row("NumericLessThanEquals", NUMERIC, "s3:ListBucket", home, ALICE, &[("s3:max-keys", &["10"])], Allow),
        row("NumericLessThanEquals", NUMERIC, "s3:ListBucket", home, ALICE, &[("s3:max-keys", &["2.5"])], Allow),
        row("NumericLessThanEquals", NUMERIC, "s3:ListBucket", home, ALICE, &[("s3:max-keys", &["11"])], ImplicitDeny),
        row("Numeric, not a number", NUMERIC, "s3:ListBucket", home, ALICE, &[("s3:max-keys", &["ten"])], ImplicitDeny),
        row("Numeric, key absent", NUMERIC, "s3:ListBucket", home, ALICE, &[], ImplicitDeny),
        row("NumericNotEquals", NUMERIC_NOT_EQUALS, "s3:ListBucket", home, ALICE, &[("s3:max-keys", &["5"])], Allow),
        row("NumericNotEquals", NUMERIC_NOT_EQUALS, "s3:ListBucket", home, ALICE, &[("s3:max-keys", &["10.0"])], ImplicitDeny),
        row("NumericGreaterThan", NUMERIC_NOT_EQUALS, "s3:ListBucket", home, ALICE, &[("s3:max-keys", &["1"])], ImplicitDeny),
        // Date operators
        row("DateGreaterThan", DATE_TOKEN, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:TokenIssueTime", &["2020-06-01T00:00:00Z"])], Allow),
        row("DateGreaterThan", DATE_TOKEN, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:TokenIssueTime", &["2020-01-01T00:00:01Z"])], ImplicitDeny),
        row("DateGreaterThan, epoch request value", DATE_TOKEN, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:TokenIssueTime", &["1590969600"])], Allow),
        row("DateGreaterThan, key absent", DATE_TOKEN, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/alice", ALICE, &[], ImplicitDeny),
        row("date window", DATE_WINDOW, "service-prefix:action-name", "*", ALICE, &[("aws:CurrentTime", &["2020-05-01T12:00:00Z"])], Allow),
        row("date window, fractional seconds", DATE_WINDOW, "service-prefix:action-name", "*", ALICE, &[("aws:CurrentTime", &["2020-05-01T12:00:00.123456Z"])], Allow),
        row("date window, after", DATE_WINDOW, "service-prefix:action-name", "*", ALICE, &[("aws:CurrentTime", &["2020-07-01T00:00:00Z"])], ImplicitDeny),
        row("date window, before", DATE_WINDOW, "service-prefix:action-name", "*", ALICE, &[("aws:CurrentTime", &["2020-03-31T23:59:59Z"])], ImplicitDeny),
        row("date forms", DATE_FORMS, "ssm:GetParameter", "*", ALICE, &[("aws:EpochTime", &["1577836799"])], Allow),
        row("date forms, DateNotEquals", DATE_FORMS, "ssm:GetParameter", "*", ALICE, &[("aws:EpochTime", &["1577836800"])], ImplicitDeny),
        row("date forms, later", DATE_FORMS, "ssm:GetParameter", "*", ALICE, &[("aws:EpochTime", &["1577836801"])], ImplicitDeny),
        // Bool and binary
        row("Bool", BOOL_TRUE, "s3:GetObject", "*", ALICE, &[("aws:SecureTransport", &["true"])], Allow),
        row("Bool", BOOL_TRUE, "s3:GetObject", "*", ALICE, &[("aws:SecureTransport", &["false"])], ImplicitDeny),
        row("Bool, key absent", BOOL_TRUE, "s3:GetObject", "*", ALICE, &[], ImplicitDeny),
        row("Bool JSON false", BOOL_JSON_FALSE, "s3:GetObject", "*", ALICE, &[("aws:SecureTransport", &["false"])], ExplicitDeny),
        row("Bool JSON false", BOOL_JSON_FALSE, "s3:GetObject", "*", ALICE, &[("aws:SecureTransport", &["true"])], Allow),
        row("BinaryEquals", BINARY, "ssm:GetParameter", "*", ALICE, &[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])], Allow),
        row("BinaryEquals, unpadded", BINARY, "ssm:GetParameter", "*", ALICE, &[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA"])], Allow),
        row("BinaryEquals", BINARY, "ssm:GetParameter", "*", ALICE, &[("key", &["b3RoZXI="])], ImplicitDeny),
        // IP address
        row("IpAddress v4", IP_ADDRESS, "iam:ListAccessKeys", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:SourceIp", &["203.0.113.77"])], Allow),
        row("IpAddress v4", IP_ADDRESS, "iam:ListAccessKeys", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:SourceIp", &["198.51.100.1"])], ImplicitDeny),
        row("IpAddress v6", IP_ADDRESS, "iam:ListAccessKeys", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:SourceIp", &["2001:db8:1234:5678::42"])], Allow),
        row("IpAddress v6", IP_ADDRESS, "iam:ListAccessKeys", "arn:aws:iam::123456789012:user/alice", ALICE, &[("aws:SourceIp", &["2001:db8:1234:5679::42"])], ImplicitDeny),
        row("IpAddress, key absent", IP_ADDRESS, "iam:ListAccessKeys", "arn:aws:iam::123456789012:user/alice", ALICE, &[], ImplicitDeny),
        row("NotIpAddress, inside", NOT_IP_ADDRESS, "ssm:GetParameter", "*", ALICE, &[ ("aws:SourceIp", &["192.0.2.10"]), ("aws:ViaAWSService", &["false"]), ], Allow),
        row("NotIpAddress, outside", NOT_IP_ADDRESS, "ssm:GetParameter", "*", ALICE, &[ ("aws:SourceIp", &["198.51.100.1"]), ("aws:ViaAWSService", &["false"]), ], ExplicitDeny),
        row("NotIpAddress, via a service", NOT_IP_ADDRESS, "ssm:GetParameter", "*", ALICE, &[ ("aws:SourceIp", &["198.51.100.1"]), ("aws:ViaAWSService", &["true"]), ], Allow),
        row("NotIpAddress, IP absent", NOT_IP_ADDRESS, "ssm:GetParameter", "*", ALICE, &[("aws:ViaAWSService", &["false"])], ExplicitDeny),
        // ARN operators
        row("ArnLike", ARN_LIKE, "sqs:SendMessage", "*", ALICE, &[("aws:SourceArn", &["arn:aws:sns:us-east-2:123456789012:TOPIC-ID"])], Allow),
        row("ArnLike, other account", ARN_LIKE, "sqs:SendMessage", "*", ALICE, &[("aws:SourceArn", &["arn:aws:sns:us-east-2:444455556666:TOPIC-ID"])], ImplicitDeny),
        row("ArnNotEquals", ARN_LIKE, "sqs:SendMessage", "*", ALICE, &[("aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:blocked"])], ImplicitDeny),
        row("ArnLike, not an ARN", ARN_LIKE, "sqs:SendMessage", "*", ALICE, &[("aws:SourceArn", &["TOPIC-ID"])], ImplicitDeny),
        row("ArnEquals", ARN_EQUALS, "sqs:SendMessage", "*", ALICE, &[("aws:SourceArn", &["arn:aws:sns:us-east-2:123456789012:TOPIC-ID"])], Allow),
        row("ArnEquals, case", ARN_EQUALS, "sqs:SendMessage", "*", ALICE, &[("aws:SourceArn", &["arn:aws:sns:us-east-2:123456789012:topic-id"])], ImplicitDeny),
        // Null
        row("Null true, absent", NULL_TRUE, "ec2:RunInstances", "*", ALICE, &[], Allow),
        row("Null true, present", NULL_TRUE, "ec2:RunInstances", "*", ALICE, &[("aws:TokenIssueTime", &["2020-01-01T00:00:00Z"])], ImplicitDeny),
        row("Null false, absent", NULL_FALSE, "ec2:RunInstances", "*", ALICE, &[], ImplicitDeny),
        row("Null false, present", NULL_FALSE, "ec2:RunInstances", "*", ALICE, &[("aws:TokenIssueTime", &["2020-01-01T00:00:00Z"])], Allow),
        // IfExists
        row("IfExists, matches", IF_EXISTS, "ec2:RunInstances", "*", ALICE, &[("ec2:InstanceType", &["t2.micro"])], Allow),
        row("IfExists, differs", IF_EXISTS, "ec2:RunInstances", "*", ALICE, &[("ec2:InstanceType", &["m4.large"])], ImplicitDeny),
        row("IfExists, absent", IF_EXISTS, "ec2:RunInstances", "*", ALICE, &[], Allow),
        // ForAllValues / ForAnyValue
        row("ForAllValues, subset", FOR_ALL_VALUES, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["environment"])], Allow),
        row("ForAllValues, all", FOR_ALL_VALUES, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["environment", "cost-center"])], Allow),
        row("ForAllValues, one outside", FOR_ALL_VALUES, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["environment", "owner"])], ImplicitDeny),
        row("ForAllValues, absent key", FOR_ALL_VALUES, "ec2:CreateTags", "*", ALICE, &[], Allow),
        row("ForAnyValue, one inside", FOR_ANY_VALUE, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["owner", "cost-center"])], Allow),
        row("ForAnyValue, none inside", FOR_ANY_VALUE, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["owner"])], ImplicitDeny),
        row("ForAnyValue, absent key", FOR_ANY_VALUE, "ec2:CreateTags", "*", ALICE, &[], ImplicitDeny),
        row("ForAnyValue negated", FOR_ANY_VALUE_NEGATED, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["environment", "owner"])], Allow),
        row("ForAnyValue negated", FOR_ANY_VALUE_NEGATED, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["environment", "envoy"])], ImplicitDeny),
        row("no prefix, multivalued", NO_SET_PREFIX, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["owner", "environment"])], Allow),
        row("no prefix, multivalued", NO_SET_PREFIX, "ec2:CreateTags", "*", ALICE, &[("aws:TagKeys", &["owner"])], ImplicitDeny),
        row("no prefix, negated, multivalued", NO_SET_PREFIX, "ec2:DeleteTags", "*", ALICE, &[("aws:TagKeys", &["owner", "environment"])], ImplicitDeny),
        row("no prefix, negated, multivalued", NO_SET_PREFIX, "ec2:DeleteTags", "*", ALICE, &[("aws:TagKeys", &["owner", "team"])], Allow),
        // AND of keys, OR of values
        row("keys AND, values OR", KEYS_AND_VALUES, "ssm:GetParameter", "*", ALICE, &[ ("aws:PrincipalTag/department", &["hr"]), ("aws:PrincipalTag/role", &["audit"]), ], Allow),
        row("keys AND, values OR", KEYS_AND_VALUES, "ssm:GetParameter", "*", ALICE, &[("aws:PrincipalTag/department", &["hr"])], ImplicitDeny),
        row("keys AND, values OR", KEYS_AND_VALUES, "ssm:GetParameter", "*", ALICE, &[ ("aws:PrincipalTag/department", &["sales"]), ("aws:PrincipalTag/role", &["audit"]), ], ImplicitDeny),
        // Principal in an identity policy is ignored
        row("identity Principal ignored", IDENTITY_WITH_PRINCIPAL, "ssm:GetParameter", "*", ALICE, &[], Allow),
    ]
}

#[test]
fn identity_policy_table() {
    let mut failures = Vec::new();
    for (n, row) in identity_rows().iter().enumerate() {
        let doc = document(row.policy);
        let caller = principal(row.who);
        let keys = context(row.keys);
        let request = Request {
            action: row.action,
            resource: row.resource,
            principal: &caller,
            context: &keys,
        };
        let policies = [NamedPolicy {
            name: "policy",
            document: &doc,
        }];
        let decision = decide_identity(&policies, &request, false);
        if decision.outcome != row.expect {
            failures.push(format!(
                "row {n} ({}): {} on {} by {:?} with {:?}: expected {:?}, got {:?}",
                row.source, row.action, row.resource, row.who, row.keys, row.expect, decision
            ));
        }
        assert_eq!(decision.kind, PolicyKind::Identity);
        assert_eq!(decision.reason.is_some(), decision.outcome != ImplicitDeny);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn identity_reasons_name_the_statement() {
    let allow = document(NOT_ACTION_ALLOW);
    let deny = document(DENY_OVER_ALLOW);
    let caller = principal(ALICE);
    let keys = ContextKeys::new();
    let request = Request {
        action: "ssm:DeleteParameter",
        resource: PARAM,
        principal: &caller,
        context: &keys,
    };
    let policies = [
        NamedPolicy {
            name: "AllButIam",
            document: &allow,
        },
        NamedPolicy {
            name: "NoDeletes",
            document: &deny,
        },
    ];
    let decision = decide_identity(&policies, &request, false);
    assert_eq!(
        decision,
        Decision {
            outcome: ExplicitDeny,
            reason: Some(Reason {
                policy: "NoDeletes".into(),
                sid: None,
                index: 1,
                principal_match: None,
            }),
            kind: PolicyKind::Identity,
        }
    );
    let request = Request {
        action: "ssm:GetParameter",
        ..request
    };
    let decision = decide_identity(&policies, &request, false);
    assert!(decision.is_allowed());
    assert_eq!(
        decision.reason.map(|r| (r.policy, r.index)),
        Some(("AllButIam".into(), 0))
    );
}

// IAM User Guide: AWS account root user ("the root user has full access"), and an
// explicit deny still applies (IAM User Guide: Policy evaluation logic).
fn ask(policies: &[NamedPolicy<'_>], action: &str, who: Who, root_allows_all: bool) -> Decision {
    let keys = ContextKeys::new();
    let caller = principal(who);
    let request = Request {
        action,
        resource: PARAM,
        principal: &caller,
        context: &keys,
    };
    decide_identity(policies, &request, root_allows_all)
}

#[test]
fn root_is_allowed_everything_but_explicit_denies() {
    let deny = document(DENY_OVER_ALLOW);
    let with_deny = [NamedPolicy {
        name: "NoDeletes",
        document: &deny,
    }];
    let root_anything = ask(&[], "kms:Decrypt", Who::Root, true);
    assert_eq!((root_anything.outcome, root_anything.reason), (Allow, None));
    assert_eq!(
        ask(&[], "kms:Decrypt", Who::Root, false).outcome,
        ImplicitDeny
    );
    assert_eq!(
        ask(&with_deny, "ssm:DeleteParameter", Who::Root, true).outcome,
        ExplicitDeny
    );
    assert_eq!(
        ask(&with_deny, "ssm:GetParameter", Who::Root, true).outcome,
        Allow
    );
    assert_eq!(ask(&[], "kms:Decrypt", ALICE, true).outcome, ImplicitDeny);
}

// --- Resource policies -------------------------------------------------------------

/// This project's reference key policy: the key administrator may encrypt but not
/// decrypt; the function role may decrypt; the account root is not named.
const REFERENCE_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Allow administration of the key & encryption of new values","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:user/keyadmin"]},"Action":["kms:Create*","kms:Encrypt","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"},{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ParameterStoreBlogFunctionRoleDev"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}"#;

// KMS Developer Guide: Default key policy ("Allows access to the AWS account and enables
// IAM policies").
const DEFAULT_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[
  {"Sid":"Enable IAM User Permissions","Effect":"Allow",
   "Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}"#;

// KMS Developer Guide: Default key policy ("Allows key users to use the KMS key"), naming
// a user directly.
const KEY_USERS_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Allow use of the key","Effect":"Allow",
   "Principal":{"AWS":"arn:aws:iam::123456789012:user/ExampleUser"},
   "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],
   "Resource":"*"}]}"#;

// KMS Developer Guide: AWS managed keys (the key policy of aws/ssm: any principal of the
// account through Systems Manager, key metadata directly to the account).
const AWS_SSM_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Id":"auto-ssm-1","Statement":[
  {"Sid":"Allow access through AWS Systems Manager for all principals in the account that are authorized to use AWS Systems Manager",
   "Effect":"Allow","Principal":{"AWS":"*"},
   "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],
   "Resource":"*",
   "Condition":{"StringEquals":{"kms:CallerAccount":"123456789012",
                                "kms:ViaService":"ssm.us-east-1.amazonaws.com"}}},
  {"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",
   "Principal":{"AWS":"arn:aws:iam::123456789012:root"},
   "Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],"Resource":"*"}]}"#;

// KMS Developer Guide: Key policies (an explicit Deny in a key policy overrides allows):
// the default statement plus a deny of key deletion to everyone.
const KEY_POLICY_WITH_DENY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Enable IAM User Permissions","Effect":"Allow",
   "Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},
  {"Sid":"Allow use of the key","Effect":"Allow",
   "Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"kms:*","Resource":"*"},
  {"Sid":"DenyDeletion","Effect":"Deny","Principal":"*",
   "Action":["kms:ScheduleKeyDeletion","kms:Delete*"],"Resource":"*"}]}"#;

// IAM User Guide: Creating a role to delegate permissions to an AWS service (the Lambda
// execution role's trust policy; no Resource element).
const LAMBDA_TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

// IAM User Guide: Creating a role to delegate permissions to an IAM user (trust policy
// naming a role and an account of another account by id).
const CROSS_ACCOUNT_TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/Deployer","444455556666"]},
   "Action":"sts:AssumeRole"}]}"#;

// IAM User Guide: IAM JSON policy elements: NotPrincipal ("deny all except Bob"), in a
// resource policy with an allow for the whole account (its bucket Resource generalised
// to "*", as the table asks about a key).
const NOT_PRINCIPAL_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"AWS":["444455556666"]},"Action":"s3:*","Resource":"*"},
  {"Effect":"Deny",
   "NotPrincipal":{"AWS":["arn:aws:iam::444455556666:user/Bob","arn:aws:iam::444455556666:root"]},
   "Action":"s3:*","Resource":"*"}]}"#;

// A resource-policy statement without Principal never applies.
const NO_PRINCIPAL_RESOURCE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;

// IAM identity policies used with the key policies (IAM User Guide: Example IAM
// identity-based policies; KMS Developer Guide: IAM policies for AWS KMS).
const IDENTITY_KMS_ALL: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt","kms:Describe*"],"Resource":"*"}]}"#;
const IDENTITY_KMS_DENY_DECRYPT: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#;

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const FUNCTION_ROLE: Who = Who::Session("ParameterStoreBlogFunctionRoleDev", "sess");

struct ResourceRow {
    source: &'static str,
    resource_policy: &'static str,
    identity: Option<&'static str>,
    action: &'static str,
    who: Who,
    keys: Keys,
    root_allows_all: bool,
    expect: (Outcome, PolicyKind),
}

#[allow(clippy::too_many_arguments)]
fn rrow(
    source: &'static str,
    resource_policy: &'static str,
    identity: Option<&'static str>,
    action: &'static str,
    who: Who,
    keys: Keys,
    root_allows_all: bool,
    expect: (Outcome, PolicyKind),
) -> ResourceRow {
    ResourceRow {
        source,
        resource_policy,
        identity,
        action,
        who,
        keys,
        root_allows_all,
        expect,
    }
}

#[rustfmt::skip]
fn resource_rows() -> Vec<ResourceRow> {
    use PolicyKind::{Identity, Resource};
    let row = rrow;
    let via_ssm: Keys = &[
        ("kms:CallerAccount", &["123456789012"]),
        ("kms:ViaService", &["ssm.us-east-1.amazonaws.com"]),
    ];
    let direct: Keys = &[("kms:CallerAccount", &["123456789012"])];
    let foreign_via_ssm: Keys = &[
        ("kms:CallerAccount", &["444455556666"]),
        ("kms:ViaService", &["ssm.us-east-1.amazonaws.com"]),
    ];
    let ref_policy = REFERENCE_KEY_POLICY;
    vec![
        // The reference scenario
        row("reference: keyadmin encrypts", ref_policy, None, "kms:Encrypt", Who::User("keyadmin"), &[], false, (Allow, Resource)),
        row("reference: keyadmin cannot decrypt", ref_policy, None, "kms:Decrypt", Who::User("keyadmin"), &[], false, (ImplicitDeny, Resource)),
        row("reference: keyadmin cannot decrypt despite IAM", ref_policy, Some(IDENTITY_KMS_ALL), "kms:Decrypt", Who::User("keyadmin"), &[], false, (ImplicitDeny, Resource)),
        row("reference: keyadmin describes", ref_policy, None, "kms:DescribeKey", Who::User("keyadmin"), &[], false, (Allow, Resource)),
        row("reference: role session decrypts", ref_policy, None, "kms:Decrypt", FUNCTION_ROLE, &[], false, (Allow, Resource)),
        row("reference: role session cannot delete", ref_policy, None, "kms:ScheduleKeyDeletion", FUNCTION_ROLE, &[], false, (ImplicitDeny, Resource)),
        row("reference: other role's session", ref_policy, None, "kms:Decrypt", Who::Session("OtherRole", "sess"), &[], false, (ImplicitDeny, Resource)),
        row("reference: root refused", ref_policy, None, "kms:Decrypt", Who::Root, &[], true, (ImplicitDeny, Resource)),
        row("reference: identity deny wins", ref_policy, Some(IDENTITY_KMS_DENY_DECRYPT), "kms:Decrypt", FUNCTION_ROLE, &[], false, (ExplicitDeny, Identity)),
        // KMS Developer Guide: Default key policy
        row("default key policy + IAM allow", DEFAULT_KEY_POLICY, Some(IDENTITY_KMS_ALL), "kms:Decrypt", ALICE, &[], false, (Allow, Identity)),
        row("default key policy, no IAM allow", DEFAULT_KEY_POLICY, None, "kms:Decrypt", ALICE, &[], false, (ImplicitDeny, Identity)),
        row("default key policy, IAM allows other actions", DEFAULT_KEY_POLICY, Some(IDENTITY_KMS_ALL), "kms:ScheduleKeyDeletion", ALICE, &[], false, (ImplicitDeny, Identity)),
        row("default key policy, root", DEFAULT_KEY_POLICY, None, "kms:ScheduleKeyDeletion", Who::Root, &[], true, (Allow, Identity)),
        row("default key policy, root without the IAM rule", DEFAULT_KEY_POLICY, None, "kms:Decrypt", Who::Root, &[], false, (ImplicitDeny, Identity)),
        row("default key policy, other account", DEFAULT_KEY_POLICY, Some(IDENTITY_KMS_ALL), "kms:Decrypt", Who::Foreign("eve"), &[], false, (ImplicitDeny, Resource)),
        row("default key policy, role session", DEFAULT_KEY_POLICY, Some(IDENTITY_KMS_ALL), "kms:Decrypt", Who::Session("R", "s"), &[], false, (Allow, Identity)),
        row("key user named directly", KEY_USERS_POLICY, None, "kms:Decrypt", Who::User("ExampleUser"), &[], false, (Allow, Resource)),
        row("key user named directly, other user", KEY_USERS_POLICY, Some(IDENTITY_KMS_ALL), "kms:Decrypt", ALICE, &[], false, (ImplicitDeny, Resource)),
        row("key user named directly, action not listed", KEY_USERS_POLICY, None, "kms:ScheduleKeyDeletion", Who::User("ExampleUser"), &[], false, (ImplicitDeny, Resource)),
        // aws/ssm
        row("aws/ssm through SSM", AWS_SSM_KEY_POLICY, None, "kms:Decrypt", ALICE, via_ssm, false, (Allow, Resource)),
        row("aws/ssm through SSM, GenerateDataKey", AWS_SSM_KEY_POLICY, None, "kms:GenerateDataKey", ALICE, via_ssm, false, (Allow, Resource)),
        row("aws/ssm directly", AWS_SSM_KEY_POLICY, Some(IDENTITY_KMS_ALL), "kms:Decrypt", ALICE, direct, false, (ImplicitDeny, Resource)),
        row("aws/ssm directly, no keys", AWS_SSM_KEY_POLICY, Some(IDENTITY_KMS_ALL), "kms:Decrypt", ALICE, &[], false, (ImplicitDeny, Resource)),
        row("aws/ssm other account", AWS_SSM_KEY_POLICY, None, "kms:Decrypt", Who::Foreign("eve"), foreign_via_ssm, false, (ImplicitDeny, Resource)),
        row("aws/ssm describe with IAM", AWS_SSM_KEY_POLICY, Some(IDENTITY_KMS_ALL), "kms:DescribeKey", ALICE, direct, false, (Allow, Identity)),
        row("aws/ssm describe without IAM", AWS_SSM_KEY_POLICY, None, "kms:DescribeKey", ALICE, direct, false, (ImplicitDeny, Identity)),
        // Explicit deny in the resource policy
        row("key policy deny", KEY_POLICY_WITH_DENY, None, "kms:ScheduleKeyDeletion", ALICE, &[], false, (ExplicitDeny, Resource)),
        row("key policy deny, root", KEY_POLICY_WITH_DENY, None, "kms:DeleteAlias", Who::Root, &[], true, (ExplicitDeny, Resource)),
        row("key policy deny, other action", KEY_POLICY_WITH_DENY, None, "kms:Decrypt", ALICE, &[], false, (Allow, Resource)),
        // Trust policies
        row("Lambda trust policy", LAMBDA_TRUST_POLICY, None, "sts:AssumeRole", Who::Service("lambda.amazonaws.com"), &[], false, (Allow, Resource)),
        row("Lambda trust policy, other service", LAMBDA_TRUST_POLICY, None, "sts:AssumeRole", Who::Service("ec2.amazonaws.com"), &[], false, (ImplicitDeny, Resource)),
        row("Lambda trust policy, a user", LAMBDA_TRUST_POLICY, Some(IDENTITY_KMS_ALL), "sts:AssumeRole", ALICE, &[], false, (ImplicitDeny, Resource)),
        row("Lambda trust policy, other action", LAMBDA_TRUST_POLICY, None, "sts:TagSession", Who::Service("lambda.amazonaws.com"), &[], false, (ImplicitDeny, Resource)),
        row("trust policy naming a role", CROSS_ACCOUNT_TRUST_POLICY, None, "sts:AssumeRole", Who::Session("Deployer", "ci"), &[], false, (Allow, Resource)),
        row("trust policy naming an account id", CROSS_ACCOUNT_TRUST_POLICY, None, "sts:AssumeRole", Who::Foreign("eve"), &[], false, (ImplicitDeny, Identity)),
        // NotPrincipal
        row("NotPrincipal, Bob", NOT_PRINCIPAL_POLICY, None, "s3:GetObject", Who::Foreign("Bob"), &[], false, (ImplicitDeny, Identity)),
        row("NotPrincipal, Alice", NOT_PRINCIPAL_POLICY, None, "s3:GetObject", Who::Foreign("Alice"), &[], false, (ExplicitDeny, Resource)),
        row("NotPrincipal, our account", NOT_PRINCIPAL_POLICY, None, "s3:GetObject", ALICE, &[], false, (ExplicitDeny, Resource)),
        // Statements without Principal never apply in resource policies
        row("no Principal", NO_PRINCIPAL_RESOURCE_POLICY, Some(IDENTITY_KMS_ALL), "kms:Decrypt", ALICE, &[], false, (ImplicitDeny, Resource)),
    ]
}

#[test]
fn resource_policy_table() {
    let mut failures = Vec::new();
    for (n, row) in resource_rows().iter().enumerate() {
        let resource_doc = document(row.resource_policy);
        let identity_doc = row.identity.map(document);
        let caller = principal(row.who);
        let keys = context(row.keys);
        let request = Request {
            action: row.action,
            resource: KEY,
            principal: &caller,
            context: &keys,
        };
        let identity: Vec<NamedPolicy<'_>> = identity_doc
            .iter()
            .map(|document| NamedPolicy {
                name: "identity",
                document,
            })
            .collect();
        let resource_policy = NamedPolicy {
            name: "resource",
            document: &resource_doc,
        };
        let decision =
            decide_with_resource_policy(&identity, &resource_policy, &request, row.root_allows_all);
        if (decision.outcome, decision.kind) != row.expect {
            failures.push(format!(
                "row {n} ({}): {} by {:?} with {:?}: expected {:?}, got {:?}",
                row.source, row.action, row.who, row.keys, row.expect, decision
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn resource_reasons_say_how_the_principal_matched() {
    let key_policy = document(REFERENCE_KEY_POLICY);
    let default_policy = document(DEFAULT_KEY_POLICY);
    let identity_doc = document(IDENTITY_KMS_ALL);
    let keys = ContextKeys::new();
    let session = principal(FUNCTION_ROLE);
    let alice = principal(ALICE);
    let resource_policy = NamedPolicy {
        name: "key/1234",
        document: &key_policy,
    };
    let request = Request {
        action: "kms:Decrypt",
        resource: KEY,
        principal: &session,
        context: &keys,
    };
    let decision = decide_with_resource_policy(&[], &resource_policy, &request, false);
    assert_eq!(
        decision.reason,
        Some(Reason {
            policy: "key/1234".into(),
            sid: Some("Allow use of the key".into()),
            index: 1,
            principal_match: Some(PrincipalMatch::Direct),
        })
    );
    let default_named = NamedPolicy {
        name: "default",
        document: &default_policy,
    };
    let identity = [NamedPolicy {
        name: "KmsUser",
        document: &identity_doc,
    }];
    let request = Request {
        principal: &alice,
        ..request
    };
    let decision = decide_with_resource_policy(&identity, &default_named, &request, false);
    assert_eq!(decision.outcome, Allow);
    assert_eq!(decision.reason.map(|r| r.policy), Some("KmsUser".into()));
    let root = principal(Who::Root);
    let request = Request {
        principal: &root,
        ..request
    };
    let decision = decide_with_resource_policy(&[], &default_named, &request, true);
    assert_eq!(decision.outcome, Allow);
    assert_eq!(
        decision.reason.and_then(|r| r.principal_match),
        Some(PrincipalMatch::Account)
    );
    assert_eq!(
        default_policy.statements()[0].principal_match(&root),
        Some(PrincipalMatch::Account)
    );
}

// --- Parsing -------------------------------------------------------------------------

#[test]
fn documents_expose_their_parts() {
    let doc = document(REFERENCE_KEY_POLICY);
    assert_eq!(doc.version(), Some("2012-10-17"));
    assert_eq!(doc.id(), Some("key-default-1"));
    assert_eq!(doc.statements().len(), 2);
    assert_eq!(doc.statements()[1].sid(), Some("Allow use of the key"));
    assert_eq!(doc.statements()[1].effect(), Effect::Allow);
    assert!(doc.statements()[1].has_principal());
    assert!(doc.statements()[1].has_resource());
    let trust = document(LAMBDA_TRUST_POLICY);
    assert!(!trust.statements()[0].has_resource());
    let value: Value = serde_json::from_str(REFERENCE_KEY_POLICY).expect("JSON");
    assert_eq!(PolicyDocument::from_value(&value), Ok(doc));
    // Missing Version is accepted.
    assert!(PolicyDocument::parse(r#"{"Statement":{"Effect":"Deny","Action":"*"}}"#).is_ok());
}

#[test]
fn malformed_documents_are_rejected_with_clear_messages() {
    let rows: &[(&str, &str)] = &[
        ("not json", "the policy document is not valid JSON"),
        ("[]", "the policy document must be a JSON object"),
        (r#"{"Version":"2012-10-17"}"#, "the policy has no Statement"),
        (
            r#"{"Version":"2020-01-01","Statement":[]}"#,
            "unsupported Version \"2020-01-01\"",
        ),
        (
            r#"{"Statement":"x"}"#,
            "Statement must be an object or a list of objects",
        ),
        (r#"{"Statement":[],"Extra":1}"#, "unknown element \"Extra\""),
        (r#"{"Statement":[],"Id":5}"#, "Id must be a string"),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*"},{"Action":"*","Resource":"*"}]}"#,
            "Statement 2 has no Effect",
        ),
        (
            r#"{"Statement":[{"Sid":"S","Effect":"Permit","Action":"*"}]}"#,
            "Statement 1 (\"S\") has an invalid Effect \"Permit\"",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
            "Statement 1 has neither Action nor NotAction",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*"}}"#,
            "Statement 1 has both Action and NotAction",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}"#,
            "Statement 1 has both Resource and NotResource",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":[]}}"#,
            "Statement 1 has a Action that is not a string or a non-empty list",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":[1]}}"#,
            "Statement 1 has a Action that is not a string",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":{}}}"#,
            "Statement 1 has a Resource that is not a string",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","effect":"x"}}"#,
            "Statement 1 has an unknown element \"effect\"",
        ),
        (r#"{"Statement":[5]}"#, "Statement 1 is not a JSON object"),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringEqualz":{"k":"v"}}}}"#,
            "Statement 1 has an unknown condition operator \"StringEqualz\"",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"NumericLessThan":{"k":"ten"}}}}"#,
            "Statement 1 has NumericLessThan \"k\" with the value \"ten\", which is not a number",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":[]}}"#,
            "Statement 1 has a Condition that is not an object of condition operators",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":"arn:aws:iam::1:root"}}"#,
            "Statement 1 has a Principal that must be \"*\" or an object",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":{"User":"x"}}}"#,
            "Statement 1 has a Principal that has an unknown principal type \"User\"",
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":"*","NotPrincipal":"*"}}"#,
            "Statement 1 has both Principal and NotPrincipal",
        ),
        (
            r#"{"Statement":{"Sid":7,"Effect":"Allow","Action":"*"}}"#,
            "Statement 1 has a Sid that is not a string",
        ),
    ];
    for (json, expected) in rows {
        match PolicyDocument::parse(json) {
            Ok(_) => panic!("{json} parsed"),
            Err(e) => assert!(
                e.to_string().contains(expected),
                "{json}: expected a message containing {expected:?}, got {:?}",
                e.to_string()
            ),
        }
    }
}

#[test]
fn statement_errors_carry_a_zero_based_index() {
    let err = PolicyDocument::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":"*"},{"Sid":"B","Action":"*"}]}"#,
    );
    assert_eq!(
        err,
        Err(PolicyError::Statement {
            index: 1,
            sid: Some("B".into()),
            problem: "has no Effect".into(),
        })
    );
}

#[test]
fn federated_principals_never_match() {
    // IAM User Guide: IAM JSON policy elements: Principal (federated principals).
    let doc = document(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
    );
    for who in [
        ALICE,
        Who::Root,
        Who::Service("cognito-identity.amazonaws.com"),
    ] {
        assert_eq!(
            doc.statements()[0].principal_match(&principal(who)),
            None,
            "{who:?}"
        );
    }
}

// IAM User Guide, "Policy variables with no value": a variable AWS cannot resolve may make
// the whole statement invalid. Under NotResource it must not turn into "every resource".
#[test]
fn not_resource_with_an_unresolved_variable_matches_nothing() {
    let policy = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","NotResource":"arn:aws:ssm:*:*:parameter/${aws:username}/*"}]}"#,
    )
    .unwrap();
    let named = [NamedPolicy {
        name: "p",
        document: &policy,
    }];
    let caller = principal(Who::Session("R", "s"));
    let resource = "arn:aws:ssm:us-east-1:123456789012:parameter/alice/x";
    let empty = ContextKeys::new();
    let request = Request {
        action: "ssm:GetParameter",
        resource,
        principal: &caller,
        context: &empty,
    };
    assert_eq!(
        decide_identity(&named, &request, false).outcome,
        Outcome::ImplicitDeny
    );
    // Resolved, NotResource excludes the user's own path and covers the rest.
    let mut keys = ContextKeys::new();
    keys.insert("aws:username", "alice");
    let request = Request {
        context: &keys,
        ..request
    };
    assert_eq!(
        decide_identity(&named, &request, false).outcome,
        Outcome::ImplicitDeny
    );
    let request = Request {
        resource: "arn:aws:ssm:us-east-1:123456789012:parameter/bob/x",
        ..request
    };
    assert!(decide_identity(&named, &request, false).is_allowed());
}

// IAM User Guide, "IAM JSON policy elements: Resource": statements of identity policies
// must include Resource or NotResource; IAM refuses them when written, and the engine
// never lets one cover every resource.
#[test]
fn identity_statements_without_resource_are_refused_and_match_nothing() {
    let policy = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*"}]}"#,
    )
    .unwrap();
    let error = policy.check_identity_policy().unwrap_err().to_string();
    assert!(
        error.contains("Policy statement must contain resources."),
        "{error}"
    );
    let named = [NamedPolicy {
        name: "p",
        document: &policy,
    }];
    let caller = principal(Who::User("u"));
    let keys = ContextKeys::new();
    let request = Request {
        action: "ssm:GetParameter",
        resource: "arn:aws:ssm:us-east-1:123456789012:parameter/x",
        principal: &caller,
        context: &keys,
    };
    assert_eq!(
        decide_identity(&named, &request, false).outcome,
        Outcome::ImplicitDeny
    );
    let with_principal = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ssm:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let error = with_principal
        .check_identity_policy()
        .unwrap_err()
        .to_string();
    assert!(error.contains("should not specify a principal"), "{error}");
}
