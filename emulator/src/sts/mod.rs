//! AWS STS over awsQuery: GetCallerIdentity and AssumeRole (trust policy and
//! `sts:AssumeRole` permission checked; the temporary credentials then authenticate).
//! Inputs and outputs are the generated types (`crate::generated::sts`: decoded from the
//! form and checked against the model there); this module holds STS's prose rules only
//! (role chaining, session tags and policies, the packed size, source identity).

mod key_id;

use crate::context::RequestContext;
use crate::dispatch::{DispatchTable, Lookup};
use crate::generated::sts::{
    AssumeRoleRequest, AssumeRoleResponse, AssumedRoleUser, Credentials, GetAccessKeyInfoRequest,
    GetAccessKeyInfoResponse, GetCallerIdentityResponse, GetSessionTokenRequest,
    GetSessionTokenResponse,
};
use crate::iam::principals::SessionTags;
use crate::iam::Iam;
use crate::protocol::query::{self, FromQuery, Output, QueryRequest};
use crate::protocol::validation::Validate;
use crate::protocol::AwsError;
use axum::response::Response;
use time::OffsetDateTime;

/// The XML namespace of STS answers (from the model).
pub const NAMESPACE: &str = crate::generated::sts::XML_NAMESPACE;
/// The name STS requests are signed for (the credential scope's service; from the model).
pub const SIGNING_NAME: &str = crate::generated::sts::SIGNING_NAME;
/// The longest session a role session may start by assuming a role (role chaining).
pub const CHAINED_SESSION_LIMIT: u32 = 3600;
/// The prefix of STS's full operation names.
pub const TARGET_PREFIX: &str = "AWSSecurityTokenServiceV20110615";

/// STS's errors: generated from the model (`generated::sts::StsError`, one variant per
/// code, each code's HTTP status assigned there), with the common errors the model does
/// not list (`AccessDenied`, `ValidationError`, ...) from `codegen/data/overrides.json`.
pub use crate::generated::sts::StsError;

impl From<crate::dispatch::DecodeError> for StsError {
    fn from(e: crate::dispatch::DecodeError) -> Self {
        StsError::ValidationError(e.0)
    }
}

impl From<query::Unparsed> for StsError {
    fn from(e: query::Unparsed) -> Self {
        StsError::ValidationError(e.message())
    }
}

/// Runs a rule function on its input as the generated type decodes it from the form;
/// its typed output is what `protocol::query` writes as the `...Result` element.
fn run<I: FromQuery, O: serde::Serialize>(
    form: &QueryRequest,
    op: impl FnOnce(I) -> Result<O, StsError>,
) -> Result<Output, StsError> {
    op(I::decode(form)?).map(|out| Output::of(&out))
}

/// Every modelled constraint of an input, as STS words a violation.
fn check_model(input: &impl Validate) -> Result<(), StsError> {
    input.check().map_err(StsError::ValidationError)
}

/// Every implemented operation, sorted by full name. Handlers take the decoded form and
/// answer their typed output, which `protocol::query` writes as the `...Result` element.
pub static TABLE: DispatchTable<StsError, QueryRequest, Output, Iam> = DispatchTable {
    prefix: TARGET_PREFIX,
    operations: &[
        (
            "AWSSecurityTokenServiceV20110615.AssumeRole",
            |iam, ctx, form| run(form, |input| assume_role(iam, ctx, input)),
        ),
        (
            "AWSSecurityTokenServiceV20110615.GetAccessKeyInfo",
            |iam, ctx, form| run(form, |input| get_access_key_info(iam, ctx, input)),
        ),
        (
            "AWSSecurityTokenServiceV20110615.GetCallerIdentity",
            |_, ctx, _| Ok(Output::of(&get_caller_identity(ctx))),
        ),
        (
            "AWSSecurityTokenServiceV20110615.GetSessionToken",
            |iam, ctx, form| run(form, |input| get_session_token(iam, ctx, input)),
        ),
    ],
    all_operations: crate::generated::sts::OPERATIONS,
};

/// Answers an awsQuery request to STS (its form decoded once, by the server).
pub fn handle(iam: &Iam, ctx: &RequestContext, params: &QueryRequest) -> Response {
    let Some(action) = params.action() else {
        return error(
            ctx,
            &StsError::MissingAction("Missing Action parameter.".to_owned()),
        );
    };
    let target = format!("{TARGET_PREFIX}.{action}");
    match TABLE.lookup(&target) {
        Lookup::Found(handler) => match handler(iam, ctx, params) {
            Ok(result) => query::success(NAMESPACE, action, &ctx.request_id, &result),
            Err(err) => error(ctx, &err),
        },
        Lookup::NotImplemented => error(
            ctx,
            &StsError::NotImplemented(format!(
                "The operation {action} exists in STS but is not implemented by this emulator."
            )),
        ),
        Lookup::Unknown => error(
            ctx,
            &StsError::InvalidAction(format!(
                "Could not find operation {action} for version 2011-06-15"
            )),
        ),
    }
}

/// An STS error as XML.
pub fn error(ctx: &RequestContext, err: &dyn AwsError) -> Response {
    query::error(NAMESPACE, &ctx.request_id, err)
}

/// GetCallerIdentity: who the caller is (its input has no member).
fn get_caller_identity(ctx: &RequestContext) -> GetCallerIdentityResponse {
    GetCallerIdentityResponse {
        user_id: Some(ctx.caller.user_id.clone()),
        account: Some(ctx.caller.account.clone()),
        arn: Some(ctx.caller.arn.clone()),
    }
}

/// A session's key as the answers carry it.
fn credentials_of(key: &crate::iam::principals::AccessKey) -> Credentials {
    Credentials {
        access_key_id: Some(key.id.clone()),
        secret_access_key: Some(key.secret.clone()),
        session_token: Some(key.session_token.clone().unwrap_or_default()),
        expiration: key.expires,
    }
}

/// GetSessionToken (STS API Reference, "GetSessionToken"): temporary credentials of the
/// calling user, or of the root user, that act with its permissions. It needs no
/// permission ("No permissions are required for users to perform this operation"), and
/// refuses role sessions' credentials. `DurationSeconds` is 900 to 129,600, 43,200 by
/// default; a root user's session lasts at most 3,600 seconds.
fn get_session_token(
    iam: &Iam,
    ctx: &RequestContext,
    input: GetSessionTokenRequest,
) -> Result<GetSessionTokenResponse, StsError> {
    use crate::context::CallerKind;
    use crate::iam::principals::KeyOwner;
    // The model's durationSecondsType: 900 to 129,600.
    check_model(&input)?;
    let duration = input
        .duration_seconds
        .map_or(43_200, |d| u32::try_from(d).unwrap_or(0));
    let (owner, duration) = match &ctx.caller.kind {
        CallerKind::Root => (KeyOwner::Root, duration.min(3600)),
        CallerKind::User { name } => (KeyOwner::User(name.clone()), duration),
        CallerKind::AssumedRole { .. } => {
            return Err(StsError::AccessDenied(
                "Cannot call GetSessionToken with session credentials".to_owned(),
            ))
        }
    };
    // A user's own temporary credentials cannot start another session either.
    let from_session = ctx
        .caller
        .access_key_id
        .as_deref()
        .and_then(|id| iam.lookup_key(id))
        .is_some_and(|key| key.session_token.is_some());
    if from_session {
        return Err(StsError::AccessDenied(
            "Cannot call GetSessionToken with session credentials".to_owned(),
        ));
    }
    let key = iam.start_user_session(owner, duration, OffsetDateTime::now_utc());
    Ok(GetSessionTokenResponse {
        credentials: Some(credentials_of(&key)),
        ..Default::default()
    })
}

/// The account an access key id belongs to (STS API Reference, "GetAccessKeyInfo"),
/// authorised as `sts:GetAccessKeyInfo` on no resource (Service Authorization
/// Reference). Every key the emulator knows, long-term or temporary, is of its one
/// account; an unknown key acts as that account's root where the emulator accepts it,
/// so it is answered with that account too.
fn get_access_key_info(
    iam: &Iam,
    ctx: &RequestContext,
    input: GetAccessKeyInfoRequest,
) -> Result<GetAccessKeyInfoResponse, StsError> {
    // The model's accessKeyIdType: 16 to 128 of `[\w]*`.
    check_model(&input)?;
    iam.authorize(ctx, "sts:GetAccessKeyInfo", "*", &[])
        .map_err(|denied| StsError::AccessDenied(denied.message))?;
    let id = input.access_key_id.as_deref().unwrap_or_default();
    Ok(GetAccessKeyInfoResponse {
        account: Some(key_info_account(iam, id)),
    })
}

/// The account GetAccessKeyInfo answers: the emulator's for a key it issued (or
/// deleted), else the one the id encodes (`key_id`), else, for an id of another shape,
/// the emulator's.
fn key_info_account(iam: &Iam, id: &str) -> String {
    let own = iam.find_key(id).is_some() || iam.directory().deleted_keys.contains(id);
    match key_id::account_of(id) {
        Some(account) if !own => account,
        _ => iam.account.clone(),
    }
}

fn validation(field: &str, value: &str, constraint: &str) -> StsError {
    StsError::ValidationError(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    ))
}

/// The longest inline session policy (`Policy`): "The plaintext that you use for both
/// inline and managed session policies can't exceed 2,048 characters" (STS API
/// Reference, "AssumeRole", `Policy`). botocore's model no longer bounds the member
/// (`unrestrictedSessionPolicyDocumentType`), so this is the API reference's rule.
const MAX_SESSION_POLICY: usize = 2048;
/// The most managed session policies (`PolicyArns`): "You can provide up to 10 managed
/// policy ARNs" (STS API Reference, "AssumeRole"; the model does not bound the list).
const MAX_POLICY_ARNS: usize = 10;

/// The managed session policies' ARNs (`PolicyArns.member.N.arn`).
fn policy_arns(input: &AssumeRoleRequest) -> Vec<&str> {
    input
        .policy_arns
        .iter()
        .flatten()
        .filter_map(|p| p.arn.as_deref())
        .collect()
}

/// The session policies AssumeRole passes: the inline `Policy` and the managed policies
/// of `PolicyArns.member.N.arn`. The session may then do only what both the role's
/// policies and these allow (IAM User Guide, "Session policies"). Each must be an
/// identity policy IAM would accept.
fn session_policies(
    iam: &Iam,
    input: &AssumeRoleRequest,
) -> Result<Vec<crate::iam::principals::Named>, StsError> {
    use crate::iam::principals::Named;
    use std::sync::Arc;
    let mut policies = Vec::new();
    if let Some(text) = input.policy.as_deref() {
        if text.chars().count() > MAX_SESSION_POLICY {
            return Err(validation(
                "policy",
                text,
                "Member must have length less than or equal to 2048",
            ));
        }
        let document = crate::iam::policy::PolicyDocument::parse(text)
            .and_then(|d| d.check_identity_policy().map(|()| d))
            .map_err(|e| StsError::MalformedPolicyDocumentException(e.to_string()))?;
        policies.push(Named {
            name: "session policy".to_owned(),
            document: Arc::new(document),
        });
    }
    let arns = policy_arns(input);
    if arns.len() > MAX_POLICY_ARNS {
        return Err(validation(
            "policyArns",
            &arns.len().to_string(),
            "Member must have length less than or equal to 10",
        ));
    }
    for arn in arns {
        let directory = iam.directory();
        let managed = directory.managed.get(arn).ok_or_else(|| {
            StsError::MalformedPolicyDocumentException(format!(
                "The policy {arn} is not a managed policy this emulator knows."
            ))
        })?;
        policies.push(Named {
            name: format!("session policy {}", managed.name),
            document: Arc::clone(&managed.document),
        });
    }
    Ok(policies)
}

/// The session tags AssumeRole passes (`Tags.member.N.Key`/`.Value`,
/// `TransitiveTagKeys.member.N`; their lengths, characters and counts are the model's,
/// already checked). Tag keys are not case sensitive (STS API Reference, "AssumeRole",
/// `Tags`): `Department` and `department` are one tag, the later value standing.
fn passed_tags(input: &AssumeRoleRequest) -> SessionTags {
    let mut tags: Vec<(String, String)> = Vec::new();
    for tag in input.tags.iter().flatten() {
        let key = tag.key.clone().unwrap_or_default();
        tags.retain(|(k, _)| !k.eq_ignore_ascii_case(&key));
        tags.push((key, tag.value.clone().unwrap_or_default()));
    }
    SessionTags {
        tags,
        transitive: input.transitive_tag_keys.clone().unwrap_or_default(),
    }
}

/// The packed budgets this emulator assumes for session policies (the inline `Policy`
/// and the `PolicyArns`) and for session tags, in bytes of their deflated form.
///
/// AWS packs them into "a packed binary format that has a separate limit" (botocore's
/// model of `PackedPolicyTooLargeException`; STS API Reference, "AssumeRole",
/// `PackedPolicySize`) and does not document the format. This is an estimate, not AWS's
/// computation: the deflated size against budgets chosen so that reports of real answers
/// land near AWS's percentages (six EKS Pod Identity tags: 74%, aws/containers-roadmap#2413;
/// policies of 30 to 40 actions of many services: 118% to 157%, in public projects).
/// A request near 100% may therefore be judged differently from AWS; one well past it is
/// refused as AWS refuses it.
const PACKED_POLICY_BUDGET: usize = 512;
const PACKED_TAGS_BUDGET: usize = 256;

/// The deflated size of `parts`, one after another.
fn deflated_len(parts: &[&str]) -> usize {
    use std::io::Write;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    for part in parts {
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(part.as_bytes());
    }
    encoder.finish().map_or(0, |v| v.len())
}

/// The percentage of `budget` that `len` bytes use, rounded up.
fn percent_of(len: usize, budget: usize) -> u32 {
    u32::try_from(len.saturating_mul(100).div_ceil(budget)).unwrap_or(u32::MAX)
}

/// The packed size AssumeRole reports (`PackedPolicySize`, a percentage), when session
/// policies or tags were passed; `PackedPolicyTooLarge` past 100%, in AWS's words ("Packed
/// policy consumes N% of allotted space", as callers report it, e.g. guardian/janus'
/// tests; "Packed size of session tags consumes N% of allotted space.",
/// aws/containers-roadmap#2413, aws-actions/configure-aws-credentials#1803). See
/// [`PACKED_POLICY_BUDGET`] for what is estimated.
fn packed_policy_size(
    input: &AssumeRoleRequest,
    tags: &SessionTags,
) -> Result<Option<u32>, StsError> {
    // The policy as IAM keeps it: without the white space between JSON tokens.
    let policy = input
        .policy
        .as_deref()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .map(|v| v.to_string());
    let arns = policy_arns(input);
    if policy.is_none() && arns.is_empty() && tags.is_empty() {
        return Ok(None);
    }
    let mut policy_parts: Vec<&str> = policy.iter().map(String::as_str).collect();
    policy_parts.extend(arns.iter().copied());
    let policy_percent = if policy_parts.is_empty() {
        0
    } else {
        percent_of(deflated_len(&policy_parts), PACKED_POLICY_BUDGET)
    };
    let tag_parts: Vec<&str> = tags
        .tags
        .iter()
        .flat_map(|(k, v)| [k.as_str(), v.as_str()])
        .chain(tags.transitive.iter().map(String::as_str))
        .collect();
    let tags_percent = if tag_parts.is_empty() {
        0
    } else {
        percent_of(deflated_len(&tag_parts), PACKED_TAGS_BUDGET)
    };
    if policy_percent > 100 {
        return Err(StsError::PackedPolicyTooLargeException(format!(
            "Packed policy consumes {policy_percent}% of allotted space"
        )));
    }
    if tags_percent > 100 {
        return Err(StsError::PackedPolicyTooLargeException(format!(
            "Packed size of session tags consumes {tags_percent}% of allotted space."
        )));
    }
    Ok(Some(policy_percent.max(tags_percent)))
}

fn assume_role(
    iam: &Iam,
    ctx: &RequestContext,
    input: AssumeRoleRequest,
) -> Result<AssumeRoleResponse, StsError> {
    // Every member's constraints are checked and every failure named, each by the
    // constraint it breaks (the model's: `roleArn` 20 to 2048 characters,
    // `roleSessionName` 2 to 64 of `[\w+=,.@-]*`, `durationSeconds` 900 to 43,200 (the
    // role's own maximum is checked once the role is known), the tags' lengths and
    // characters...), as AWS's validation reports them ("2 validation errors detected:
    // ...; ...").
    check_model(&input)?;
    let role_arn = input.role_arn.as_deref().unwrap_or("");
    let session = input.role_session_name.as_deref().unwrap_or("");
    let external_id = input.external_id.as_deref();
    let source_identity = input.source_identity.as_deref();
    let duration = input
        .duration_seconds
        .map_or(3600, |d| u32::try_from(d).unwrap_or(0));
    let session_policies = session_policies(iam, &input)?;
    let passed = passed_tags(&input);
    let iam = &iam;
    // Both refusals are AWS's rules rather than a policy's, but authorisation decisions
    // all the same: recorded, and the first one let through under soft enforcement (a
    // role that does not exist leaves nothing to let through to).
    if ctx.caller.is_root() {
        iam.refuse_by_rule(
            ctx,
            "sts:AssumeRole",
            role_arn,
            "roles may not be assumed by root accounts",
            "Roles may not be assumed by root accounts.".to_owned(),
            false,
        )
        .map_err(|denied| StsError::AccessDenied(denied.message))?;
    }
    let directory = iam.directory();
    let Some(role) = directory.role_by_arn(role_arn) else {
        let denied = iam
            .refuse_by_rule(
                ctx,
                "sts:AssumeRole",
                role_arn,
                "the role does not exist",
                format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                    ctx.caller.arn
                ),
                true,
            )
            .expect_err("always enforced");
        return Err(StsError::AccessDenied(denied.message));
    };
    // A role session assuming a role passes its transitive tags on; passing a tag of an
    // inherited key fails (STS API Reference, "AssumeRole", `Tags`: "If you pass a
    // session tag with the same key as an inherited tag, the operation fails"), and a
    // transitive key must name a tag passed. AWS answers both `InvalidParameterValue`
    // in the words below (as recorded against AWS by localstack/localstack#12508, and
    // matched by clients handling AssumeRoleWithWebIdentity's same error).
    // A source identity, once set, stays for the whole role chain and cannot be changed
    // (IAM User Guide, "Monitor and control actions taken with assumed roles"). AWS's
    // answer to a different one passed down a chain is not documented; this emulator
    // refuses it as the invalid parameter it is.
    let inherited_source = iam.source_identity_of(&ctx.caller);
    if let (Some(old), Some(new)) = (&inherited_source, source_identity) {
        if old != new {
            return Err(StsError::InvalidParameterValue(format!(
                "The source identity of a role chain cannot be changed: this session's is '{old}'."
            )));
        }
    }
    let source_identity = source_identity.map(str::to_owned).or(inherited_source);
    let source_identity = source_identity.as_deref();
    let inherited = iam.session_tags_of(&ctx.caller).inherited();
    if passed.tags.iter().any(|(k, _)| {
        inherited
            .tags
            .iter()
            .any(|(i, _)| i.eq_ignore_ascii_case(k))
    }) {
        return Err(StsError::InvalidParameterValue(
            "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
                .to_owned(),
        ));
    }
    if passed
        .transitive
        .iter()
        .any(|t| !passed.tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(t)))
    {
        return Err(StsError::InvalidParameterValue(
            "The specified transitive tag key must be included in the requested tags.".to_owned(),
        ));
    }
    // The keys AssumeRole supplies (Service Authorization Reference, "Actions, resources,
    // and condition keys for AWS Security Token Service": AssumeRole and TagSession take
    // aws:RequestTag/${TagKey}, aws:TagKeys, sts:TransitiveTagKeys; AssumeRole also
    // sts:ExternalId, sts:RoleSessionName, sts:SourceIdentity).
    let request_tags: Vec<(String, &str)> = passed
        .tags
        .iter()
        .map(|(k, v)| (format!("aws:RequestTag/{k}"), v.as_str()))
        .collect();
    let mut keys: Vec<(&str, &str)> = vec![("sts:RoleSessionName", session)];
    keys.extend(external_id.map(|id| ("sts:ExternalId", id)));
    keys.extend(source_identity.map(|id| ("sts:SourceIdentity", id)));
    keys.extend(request_tags.iter().map(|(k, v)| (k.as_str(), *v)));
    keys.extend(passed.tags.iter().map(|(k, _)| ("aws:TagKeys", k.as_str())));
    keys.extend(
        passed
            .transitive
            .iter()
            .map(|k| ("sts:TransitiveTagKeys", k.as_str())),
    );
    let authorize = |action: &str| {
        iam.authorize_with_resource_policy(
            ctx,
            action,
            &role.arn,
            "trust policy",
            &role.trust_policy,
            &keys,
        )
        .map_err(|denied| StsError::AccessDenied(denied.message))
    };
    authorize("sts:AssumeRole")?;
    // Session tags, passed or inherited, need sts:TagSession, and a source identity
    // sts:SetSourceIdentity, in the trust policy too (IAM User Guide, "Pass session tags
    // in AWS STS", "Permissions required to add session tags"; "Monitor and control
    // actions taken with assumed roles").
    if !passed.tags.is_empty() || !passed.transitive.is_empty() || !inherited.is_empty() {
        authorize("sts:TagSession")?;
    }
    // A source identity set here or carried down a role chain needs
    // sts:SetSourceIdentity (IAM User Guide, "Monitor and control actions taken with
    // assumed roles": with role chaining the permission is needed too).
    if source_identity.is_some() {
        authorize("sts:SetSourceIdentity")?;
    }
    // Role chaining (a role session assuming a role) is capped at one hour whatever the
    // role allows; AWS words it as below (aws/eks-anywhere#9485, prowler#7721; IAM User
    // Guide, "Roles terms and concepts": role chaining).
    if duration > CHAINED_SESSION_LIMIT && ctx.caller.is_role_session() {
        return Err(StsError::ValidationError(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
                .to_owned(),
        ));
    }
    if duration > role.max_session_duration {
        return Err(StsError::ValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .to_owned(),
        ));
    }
    let now = OffsetDateTime::now_utc();
    // The session's tags: the inherited transitive ones, then those passed (transitive
    // ones stay transitive down the chain).
    let mut tags = inherited;
    tags.tags.extend(passed.tags);
    for key in passed.transitive {
        if !tags.transitive.iter().any(|t| t.eq_ignore_ascii_case(&key)) {
            tags.transitive.push(key);
        }
    }
    // Inherited tags count toward the packed size as passed ones do (a chained EKS Pod
    // Identity session starts at 74% with no tags of its own, aws/containers-roadmap#2413).
    let packed = packed_policy_size(&input, &tags)?;
    let key = iam.start_session(role, session, duration, session_policies, tags, now);
    if let Some(source_identity) = source_identity {
        iam.set_source_identity(&key.id, source_identity);
    }
    Ok(AssumeRoleResponse {
        credentials: Some(credentials_of(&key)),
        assumed_role_user: Some(AssumedRoleUser {
            assumed_role_id: Some(format!("{}:{session}", role.id)),
            arn: Some(format!(
                "arn:aws:sts::{}:assumed-role/{}/{session}",
                iam.account, role.name
            )),
        }),
        // Left out when the request passed no session policy or tag.
        packed_policy_size: packed.map(|p| i32::try_from(p).unwrap_or(i32::MAX)),
        source_identity: source_identity.map(str::to_owned),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::EmulatorState;

    /// An input as the generated type decodes it from a form body.
    fn form<T: FromQuery>(body: &str) -> T {
        T::decode(&QueryRequest::decode(body.as_bytes())).unwrap()
    }

    /// A user who may assume `first`, which may assume `second`; both trust policies
    /// allow tagging sessions.
    fn chain_world() -> EmulatorState {
        let trust = |who: &str| {
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": who}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
        };
        let assume_all = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}]});
        let fixture = serde_json::json!({
            "users": [{"name": "u", "access_keys": [{"id": "AKIACHAINTAGS0000001", "secret": "s"}],
                "policies": [{"name": "assume", "document": assume_all.clone()}]}],
            "roles": [
                {"name": "first", "trust_policy": trust("arn:aws:iam::123456789012:user/u"),
                 "policies": [{"name": "assume", "document": assume_all}]},
                {"name": "second", "tags": {"project": "role-value"},
                 "trust_policy": trust("arn:aws:iam::123456789012:role/first")}
            ]
        });
        let path = std::path::Path::new("chain.json");
        let parsed = crate::fixtures::parse(path, &fixture.to_string()).unwrap();
        let mut fixtures = crate::fixtures::Fixtures::default();
        crate::fixtures::merge(&mut fixtures, path, parsed, "123456789012").unwrap();
        EmulatorState::from_fixtures(crate::config::Config::default(), fixtures).unwrap()
    }

    /// AssumeRole as `key`; the session's key on success, the error code otherwise.
    fn assume(state: &EmulatorState, key: &str, role: &str, extra: &str) -> Result<String, String> {
        let key = state.iam.lookup_key(key).unwrap();
        let caller = state.iam.caller_for(&key).unwrap();
        let ctx = RequestContext::new("us-east-1", "123456789012", caller, None);
        let body = format!(
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2F{role}&RoleSessionName=chain{extra}"
        );
        match assume_role(&state.iam, &ctx, form(&body)) {
            Ok(out) => Ok(out.credentials.and_then(|c| c.access_key_id).unwrap()),
            Err(e) => Err(e.code().to_owned()),
        }
    }

    /// Each broken constraint is named: a one-character session name breaks the minimum
    /// length (its characters are allowed); one with a space and too long breaks both.
    #[test]
    fn validation_names_each_constraint_that_failed() {
        let state = chain_world();
        let key = state.iam.lookup_key("AKIACHAINTAGS0000001").unwrap();
        let caller = state.iam.caller_for(&key).unwrap();
        let ctx = RequestContext::new("us-east-1", "123456789012", caller, None);
        let call = |body: &str| {
            assume_role(&state.iam, &ctx, form(body))
                .err()
                .map(|e| e.message())
        };
        let role = "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ffirst";
        assert_eq!(
            call(&format!("{role}&RoleSessionName=a")).unwrap(),
            "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
        );
        let long = format!("{} x", "s".repeat(70));
        let message = call(&format!(
            "{role}&RoleSessionName={}",
            long.replace(' ', "+")
        ))
        .unwrap();
        assert!(
            message.starts_with("2 validation errors detected: "),
            "{message}"
        );
        assert!(message.contains("Member must have length less than or equal to 64"));
        assert!(message.contains("regular expression pattern: [\\w+=,.@-]*"));
        assert_eq!(
            call("RoleSessionName=ok").unwrap(),
            "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            call(&format!("{role}&RoleSessionName=a&DurationSeconds=60")).unwrap(),
            "2 validation errors detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
        );
        assert!(call(&format!("{role}&RoleSessionName=ok&ExternalId=x")).unwrap().contains(
            "Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2"
        ));
        // GetAccessKeyInfo: the account of a key, its id checked as the model says, for
        // a caller allowed sts:GetAccessKeyInfo (the root; the user is not).
        let info = |body: &str| get_access_key_info(&state.iam, &ctx, form(body));
        assert_eq!(
            info("AccessKeyId=AKIACHAINTAGS0000001").unwrap_err().code(),
            "AccessDenied"
        );
        let root = RequestContext::new(
            "us-east-1",
            "123456789012",
            crate::context::Caller::account_root("123456789012", None),
            None,
        );
        let answer =
            get_access_key_info(&state.iam, &root, form("AccessKeyId=AKIACHAINTAGS0000001"));
        assert_eq!(answer.unwrap().account.as_deref(), Some("123456789012"));
        // A key id the emulator did not issue names the account it encodes.
        let answer =
            get_access_key_info(&state.iam, &root, form("AccessKeyId=ASIAY34FZKBOKMUTVV7A"));
        assert_eq!(answer.unwrap().account.as_deref(), Some("609629065308"));
        assert_eq!(
            info("AccessKeyId=AKIA").unwrap_err().message(),
            "1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"
        );
    }

    /// Transitive tags pass down a role chain, other session tags do not, and an
    /// inherited key cannot be passed again (IAM User Guide, "Pass session tags in AWS
    /// STS", "Chaining roles with session tags"; STS API Reference, "AssumeRole").
    #[test]
    fn transitive_tags_pass_down_a_role_chain() {
        let state = chain_world();
        let first = assume(
            &state,
            "AKIACHAINTAGS0000001",
            "first",
            "&Tags.member.1.Key=Project&Tags.member.1.Value=blue\
             &Tags.member.2.Key=cost&Tags.member.2.Value=9&TransitiveTagKeys.member.1=project",
        )
        .unwrap();
        let second = assume(&state, &first, "second", "").unwrap();
        let key = state.iam.lookup_key(&second).unwrap();
        assert_eq!(
            key.session_tags.tags,
            vec![("Project".to_owned(), "blue".to_owned())]
        );
        assert_eq!(key.session_tags.transitive, vec!["project".to_owned()]);
        // The inherited tag is the session's principal tag, over the role's own.
        let caller = state.iam.caller_for(&key).unwrap();
        let tags = state.iam.session_tags_of(&caller);
        assert_eq!(tags.tags[0].1, "blue");
        assert_eq!(
            assume(
                &state,
                &first,
                "second",
                "&Tags.member.1.Key=PROJECT&Tags.member.1.Value=red"
            ),
            Err("InvalidParameterValue".to_owned())
        );
    }

    /// A user who may assume `first` (whose trust policy allows setting a source
    /// identity) and `strict` (whose trust policy does not); `first` may assume `second`,
    /// whose trust policy wants the source identity `alice`; `first`'s permissions read
    /// `aws:SourceIdentity`.
    fn source_world(soft: bool) -> EmulatorState {
        let all = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:*", "Resource": "*"}]});
        let trust = |who: &str, actions: &[&str], condition: serde_json::Value| {
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": who}, "Action": actions, "Condition": condition}]})
        };
        let user = "arn:aws:iam::123456789012:user/u";
        let fixture = serde_json::json!({
            "users": [{"name": "u", "access_keys": [{"id": "AKIASOURCEID00000001", "secret": "s"}],
                "policies": [{"name": "sts", "document": all.clone()}]}],
            "roles": [
                {"name": "first",
                 "trust_policy": trust(user, &["sts:AssumeRole", "sts:SetSourceIdentity"], serde_json::json!({})),
                 "policies": [{"name": "sts", "document": all}, {"name": "by-source", "document": {
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": "ssm:GetParameter", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceIdentity": "alice"}}}]}}]},
                {"name": "second",
                 "trust_policy": trust("arn:aws:iam::123456789012:role/first",
                    &["sts:AssumeRole", "sts:SetSourceIdentity"],
                    serde_json::json!({"StringEquals": {"sts:SourceIdentity": "alice"}}))},
                {"name": "strict", "trust_policy": trust(user, &["sts:AssumeRole"], serde_json::json!({}))}
            ]
        });
        let path = std::path::Path::new("source.json");
        let parsed = crate::fixtures::parse(path, &fixture.to_string()).unwrap();
        let mut fixtures = crate::fixtures::Fixtures::default();
        crate::fixtures::merge(&mut fixtures, path, parsed, "123456789012").unwrap();
        let config = crate::config::Config {
            soft_enforcement: soft,
            ..crate::config::Config::default()
        };
        EmulatorState::from_fixtures(config, fixtures).unwrap()
    }

    fn context_of(state: &EmulatorState, key: &str) -> RequestContext {
        let key = state.iam.lookup_key(key).unwrap();
        let caller = state.iam.caller_for(&key).unwrap();
        RequestContext::new("us-east-1", "123456789012", caller, None)
    }

    /// SourceIdentity: checked as the model constrains it, authorised by
    /// sts:SetSourceIdentity with sts:SourceIdentity, answered, kept for the session's
    /// requests as aws:SourceIdentity, carried down a role chain and never changed there
    /// (IAM User Guide, "Monitor and control actions taken with assumed roles"; STS API
    /// Reference, "AssumeRole").
    #[test]
    fn a_source_identity_is_checked_kept_and_carried_down_a_chain() {
        let state = source_world(false);
        let user = "AKIASOURCEID00000001";
        for bad in ["a", "aws:alice", "has space", &"x".repeat(65)] {
            let extra = format!(
                "&SourceIdentity={}",
                bad.replace(' ', "+").replace(':', "%3A")
            );
            assert_eq!(
                assume(&state, user, "first", &extra),
                Err("ValidationError".to_owned()),
                "{bad}"
            );
        }
        // The trust policy of `strict` does not allow setting one.
        assert_eq!(
            assume(&state, user, "strict", "&SourceIdentity=alice"),
            Err("AccessDenied".to_owned())
        );
        // The answer carries it.
        let ctx = context_of(&state, user);
        let body = "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ffirst&RoleSessionName=s1&SourceIdentity=alice";
        let result = assume_role(&state.iam, &ctx, form(body)).unwrap();
        assert_eq!(result.source_identity.as_deref(), Some("alice"));
        let first = assume(&state, user, "first", "&SourceIdentity=alice").unwrap();
        let first_ctx = context_of(&state, &first);
        assert_eq!(
            state.iam.source_identity_of(&first_ctx.caller).as_deref(),
            Some("alice")
        );
        // Every later request of the session carries aws:SourceIdentity.
        state
            .iam
            .authorize(&first_ctx, "ssm:GetParameter", "*", &[])
            .expect("the policy reads aws:SourceIdentity = alice");
        let without = assume(&state, user, "first", "").unwrap();
        assert!(state
            .iam
            .authorize(&context_of(&state, &without), "ssm:GetParameter", "*", &[])
            .is_err());
        // Down the chain it stays (sts:SourceIdentity of the next AssumeRole), and it
        // cannot be changed.
        let second = assume(&state, &first, "second", "").unwrap();
        let second_ctx = context_of(&state, &second);
        assert_eq!(
            state.iam.source_identity_of(&second_ctx.caller).as_deref(),
            Some("alice")
        );
        assert_eq!(
            assume(&state, &first, "second", "&SourceIdentity=bob"),
            Err("InvalidParameterValue".to_owned())
        );
        // A session without one cannot satisfy `second`'s condition.
        assert_eq!(
            assume(&state, &without, "second", ""),
            Err("AccessDenied".to_owned())
        );
    }

    /// Session policies and tags past the packed budget: PackedPolicyTooLarge with the
    /// percentage, in AWS's words; within it, the percentage is answered.
    #[test]
    fn packed_session_policies_and_tags_have_a_limit() {
        // Distinct, poorly compressible text (xorshift).
        let noise = |seed: usize, len: usize| -> String {
            let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(b'a' + (x % 26) as u8)
                })
                .collect()
        };
        let tags = |n: usize, len: usize| SessionTags {
            tags: (0..n)
                .map(|i| (noise(2 * i, 20), noise(2 * i + 1, len)))
                .collect(),
            transitive: Vec::new(),
        };
        let none = AssumeRoleRequest::default();
        assert_eq!(packed_policy_size(&none, &SessionTags::default()), Ok(None));
        let small = packed_policy_size(&none, &tags(2, 8)).unwrap().unwrap();
        assert!((1..=100).contains(&small), "{small}");
        let Err(StsError::PackedPolicyTooLargeException(message)) =
            packed_policy_size(&none, &tags(50, 60))
        else {
            panic!("50 long tags fit");
        };
        let pattern =
            regex::Regex::new(r"^Packed size of session tags consumes \d+% of allotted space\.$")
                .unwrap();
        assert!(pattern.is_match(&message), "{message}");
        // A policy (within the 2048 characters of the plain text) of many distinct,
        // poorly compressible resources.
        let resources: Vec<String> = (0..25)
            .map(|i| format!("arn:aws:ssm:*:*:parameter/{}", noise(1000 + i, 40)))
            .collect();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": resources}]});
        assert!(policy.to_string().len() <= MAX_SESSION_POLICY);
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("Policy", &policy.to_string())
            .finish();
        let params: AssumeRoleRequest = form(&body);
        let Err(StsError::PackedPolicyTooLargeException(message)) =
            packed_policy_size(&params, &SessionTags::default())
        else {
            panic!("the policy fits");
        };
        let pattern =
            regex::Regex::new(r"^Packed policy consumes \d+% of allotted space$").unwrap();
        assert!(pattern.is_match(&message), "{message}");
        assert_eq!(
            StsError::PackedPolicyTooLargeException(message).status(),
            axum::http::StatusCode::BAD_REQUEST
        );
    }

    /// AWS's own rules (a root user assuming a role) are authorisation decisions:
    /// recorded, and let through under soft enforcement; a role that does not exist is
    /// refused even then.
    #[test]
    fn rule_refusals_are_recorded_and_soft_enforced() {
        for soft in [false, true] {
            let state = source_world(soft);
            let root = RequestContext::new(
                "us-east-1",
                "123456789012",
                crate::context::Caller::account_root("123456789012", None),
                None,
            );
            let body = "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ffirst&RoleSessionName=s1";
            let result = assume_role(&state.iam, &root, form(body));
            assert_eq!(result.is_ok(), soft, "soft: {soft}");
            let record = state.iam.decisions.recent(true).pop().unwrap();
            assert_eq!(record.request_id, root.request_id);
            let first = &record.evaluations[0];
            assert_eq!(
                first.rule.as_deref(),
                Some("roles may not be assumed by root accounts")
            );
            assert_eq!(
                record.decision(),
                if soft { "WouldDeny" } else { "ImplicitDeny" }
            );
            let missing = assume(&state, "AKIASOURCEID00000001", "nobody", "");
            assert_eq!(missing, Err("AccessDenied".to_owned()));
            let record = state.iam.decisions.recent(true).pop().unwrap();
            assert_eq!(record.decision(), "ImplicitDeny");
            assert!(record.reason_text().contains("the role does not exist"));
        }
    }

    /// A generated output is written by `protocol::query` in the model's member order,
    /// its timestamp as ISO 8601 in whole seconds, members left unset left out.
    #[tokio::test]
    async fn generated_outputs_are_written_in_model_order() {
        let expires = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let out = AssumeRoleResponse {
            credentials: Some(Credentials {
                access_key_id: Some("ASIA1".to_owned()),
                secret_access_key: Some("s".to_owned()),
                session_token: Some("t".to_owned()),
                expiration: Some(expires),
            }),
            assumed_role_user: Some(AssumedRoleUser {
                assumed_role_id: Some("AROA1:s".to_owned()),
                arn: Some("arn:aws:sts::123456789012:assumed-role/r/s".to_owned()),
            }),
            packed_policy_size: Some(7),
            ..Default::default()
        };
        let response = query::success(NAMESPACE, "AssumeRole", "req", &Output::of(&out));
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("<AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2023-11-14T22:13:20Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA1:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser><PackedPolicySize>7</PackedPolicySize></AssumeRoleResult>"), "{text}");
        // The secret and the session token stay out of Debug output.
        let shown = format!("{:?}", out.credentials);
        assert!(
            !shown.contains("\"t\"") && !shown.contains("\"s\""),
            "{shown}"
        );
    }

    /// A number that does not parse is refused before any rule, naming the member as
    /// validation messages do; the operation is not reached.
    #[test]
    fn a_number_that_does_not_parse_is_a_validation_error() {
        let body = QueryRequest::decode(b"RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=ok&DurationSeconds=abc");
        let err = run(&body, |_: AssumeRoleRequest| -> Result<(), StsError> {
            panic!("decoded")
        })
        .unwrap_err();
        assert_eq!(err.code(), "ValidationError");
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'abc' at 'durationSeconds' failed to satisfy constraint: Member must be an integer"
        );
    }

    /// A session tag's text (the model's `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`): letters,
    /// numbers, separators and a few marks.
    #[test]
    fn session_tag_text_is_letters_numbers_separators_and_a_few_marks() {
        let tag_text = |text: &str| {
            crate::generated::sts::Tag {
                key: Some(text.to_owned()),
                value: Some(text.to_owned()),
            }
            .check()
            .is_ok()
        };
        assert!(tag_text("Team 1_.:/=+-@é"));
        assert!(!tag_text("a\tb"));
        assert!(!tag_text("a*b"));
    }

    #[test]
    fn table_is_sorted_and_names_real_operations() {
        TABLE.check().unwrap();
        assert!(matches!(
            TABLE.lookup("AWSSecurityTokenServiceV20110615.GetFederationToken"),
            Lookup::NotImplemented
        ));
        assert!(matches!(
            TABLE.lookup("AWSSecurityTokenServiceV20110615.GetSessionToken"),
            Lookup::Found(_)
        ));
    }
}
