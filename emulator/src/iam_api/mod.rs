//! The IAM API over awsQuery (`Version=2010-05-08`, signed for `iam`): users, access
//! keys, roles and their trust policies, inline policies of users and roles. Every call
//! is authorised through the policy engine (`iam:ACTION` on the user's or role's ARN),
//! and every change replaces the directory the next decision reads, so it takes part in
//! authorisation at once.

mod attributes;
mod details;
mod error;
mod groups;
mod managed;
mod profiles;
mod simulate;

pub use error::IamApiError;

use crate::context::{CallerKind, RequestContext};
use crate::dispatch::{DispatchTable, Lookup};
use crate::iam::policy::PolicyDocument;
use crate::iam::principals::{
    self, AccessKey, Directory, KeyOwner, Named, Role, SessionTags, User,
};
use crate::protocol::query::{self, Output, QueryRequest};
use crate::state::EmulatorState;
use attributes::Taggable;
use axum::response::Response;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// The XML namespace of IAM answers (from the model).
pub const NAMESPACE: &str = crate::generated::iam::XML_NAMESPACE;
/// The name IAM requests are signed for (from the model).
pub const SIGNING_NAME: &str = crate::generated::iam::SIGNING_NAME;
/// The `Version` parameter that names IAM among the awsQuery services (STS's is
/// 2011-06-15).
pub const API_VERSION: &str = crate::generated::iam::API_VERSION;
/// The table's own prefix for operation names (awsQuery has no target header).
pub const TARGET_PREFIX: &str = "IAM";

/// The aggregate size of a user's inline policies and of a role's, in characters other
/// than white space (IAM User Guide, "IAM and AWS STS quotas": "User policy size cannot
/// exceed 2,048 characters", "Role policy size cannot exceed 10,240 characters", "IAM
/// does not count white space").
const USER_INLINE_LIMIT: usize = 2048;
const ROLE_INLINE_LIMIT: usize = 10_240;
/// "Group policy size cannot exceed 5,120 characters" (the same page).
const GROUP_INLINE_LIMIT: usize = 5120;
/// The default quota of a trust policy's size (IAM User Guide, "IAM and AWS STS
/// quotas": role trust policy length, 2,048 characters).
const TRUST_POLICY_LIMIT: usize = 2048;
/// Access keys per user (IAM User Guide, "IAM and AWS STS quotas": "Access keys
/// assigned to an IAM user: 2").
const KEYS_PER_USER: usize = 2;

type Params = QueryRequest;
type Result<T> = std::result::Result<T, IamApiError>;

macro_rules! op {
    ($name:literal, $f:path) => {
        (concat!("IAM.", $name), |state, ctx, params| {
            $f(state, ctx, params)
        })
    };
    // The operations that share one body, told which one they are: whose policies
    // (users', roles', groups'), or whether they add or remove.
    ($name:literal, $f:path, $owner:expr) => {
        (concat!("IAM.", $name), |state, ctx, params| {
            $f($owner, state, ctx, params)
        })
    };
    ($name:literal, $f:path, $add:expr, $owner:expr) => {
        (concat!("IAM.", $name), |state, ctx, params| {
            $f($add, $owner, state, ctx, params)
        })
    };
}

/// Every implemented operation, sorted by name.
pub static TABLE: DispatchTable<IamApiError, QueryRequest, Output> = DispatchTable {
    prefix: TARGET_PREFIX,
    operations: &[
        op!("AddRoleToInstanceProfile", profiles::role_membership, true),
        op!("AddUserToGroup", groups::membership, true),
        op!("AttachGroupPolicy", managed::attachment, true, Owner::Group),
        op!("AttachRolePolicy", managed::attachment, true, Owner::Role),
        op!("AttachUserPolicy", managed::attachment, true, Owner::User),
        op!("CreateAccessKey", create_access_key),
        op!("CreateGroup", groups::create_group),
        op!("CreateInstanceProfile", profiles::create_instance_profile),
        op!("CreatePolicy", managed::create_policy),
        op!("CreatePolicyVersion", managed::create_policy_version),
        op!("CreateRole", create_role),
        op!("CreateUser", create_user),
        op!("DeleteAccessKey", delete_access_key),
        op!("DeleteGroup", groups::delete_group),
        op!("DeleteGroupPolicy", delete_policy, Owner::Group),
        op!("DeleteInstanceProfile", profiles::delete_instance_profile),
        op!("DeletePolicy", managed::delete_policy),
        op!("DeletePolicyVersion", managed::delete_policy_version),
        op!("DeleteRole", delete_role),
        op!(
            "DeleteRolePermissionsBoundary",
            attributes::delete_boundary,
            Owner::Role
        ),
        op!("DeleteRolePolicy", delete_policy, Owner::Role),
        op!("DeleteUser", delete_user),
        op!(
            "DeleteUserPermissionsBoundary",
            attributes::delete_boundary,
            Owner::User
        ),
        op!("DeleteUserPolicy", delete_policy, Owner::User),
        op!(
            "DetachGroupPolicy",
            managed::attachment,
            false,
            Owner::Group
        ),
        op!("DetachRolePolicy", managed::attachment, false, Owner::Role),
        op!("DetachUserPolicy", managed::attachment, false, Owner::User),
        op!(
            "GetAccountAuthorizationDetails",
            details::get_account_authorization_details
        ),
        op!("GetGroup", groups::get_group),
        op!("GetGroupPolicy", get_policy, Owner::Group),
        op!("GetInstanceProfile", profiles::get_instance_profile),
        op!("GetPolicy", managed::get_policy),
        op!("GetPolicyVersion", managed::get_policy_version),
        op!("GetRole", get_role),
        op!("GetRolePolicy", get_policy, Owner::Role),
        op!("GetUser", get_user),
        op!("GetUserPolicy", get_policy, Owner::User),
        op!("ListAccessKeys", list_access_keys),
        op!(
            "ListAttachedGroupPolicies",
            managed::list_attached,
            Owner::Group
        ),
        op!(
            "ListAttachedRolePolicies",
            managed::list_attached,
            Owner::Role
        ),
        op!(
            "ListAttachedUserPolicies",
            managed::list_attached,
            Owner::User
        ),
        op!("ListEntitiesForPolicy", managed::list_entities_for_policy),
        op!("ListGroupPolicies", list_policies, Owner::Group),
        op!("ListGroups", groups::list_groups),
        op!("ListGroupsForUser", groups::list_groups_for_user),
        op!(
            "ListInstanceProfileTags",
            attributes::list_tags,
            Taggable::InstanceProfile
        ),
        op!("ListInstanceProfiles", profiles::list_instance_profiles),
        op!(
            "ListInstanceProfilesForRole",
            profiles::list_instance_profiles_for_role
        ),
        op!("ListPolicies", managed::list_policies),
        op!("ListPolicyTags", attributes::list_tags, Taggable::Policy),
        op!("ListPolicyVersions", managed::list_policy_versions),
        op!("ListRolePolicies", list_policies, Owner::Role),
        op!("ListRoleTags", attributes::list_tags, Taggable::Role),
        op!("ListRoles", list_roles),
        op!("ListUserPolicies", list_policies, Owner::User),
        op!("ListUserTags", attributes::list_tags, Taggable::User),
        op!("ListUsers", list_users),
        op!("PutGroupPolicy", put_policy, Owner::Group),
        op!(
            "PutRolePermissionsBoundary",
            attributes::put_boundary,
            Owner::Role
        ),
        op!("PutRolePolicy", put_policy, Owner::Role),
        op!(
            "PutUserPermissionsBoundary",
            attributes::put_boundary,
            Owner::User
        ),
        op!("PutUserPolicy", put_policy, Owner::User),
        op!(
            "RemoveRoleFromInstanceProfile",
            profiles::role_membership,
            false
        ),
        op!("RemoveUserFromGroup", groups::membership, false),
        op!(
            "SetDefaultPolicyVersion",
            managed::set_default_policy_version
        ),
        op!("SimulateCustomPolicy", simulate::simulate_custom_policy),
        op!(
            "SimulatePrincipalPolicy",
            simulate::simulate_principal_policy
        ),
        op!(
            "TagInstanceProfile",
            attributes::tag,
            Taggable::InstanceProfile
        ),
        op!("TagPolicy", attributes::tag, Taggable::Policy),
        op!("TagRole", attributes::tag, Taggable::Role),
        op!("TagUser", attributes::tag, Taggable::User),
        op!(
            "UntagInstanceProfile",
            attributes::untag,
            Taggable::InstanceProfile
        ),
        op!("UntagPolicy", attributes::untag, Taggable::Policy),
        op!("UntagRole", attributes::untag, Taggable::Role),
        op!("UntagUser", attributes::untag, Taggable::User),
        op!("UpdateAccessKey", update_access_key),
        op!("UpdateAssumeRolePolicy", update_assume_role_policy),
        op!("UpdateRole", update_role),
        op!("UpdateRoleDescription", update_role_description),
    ],
    all_operations: crate::generated::iam::OPERATIONS,
};

/// Answers an awsQuery request to IAM (its form decoded once, by the server).
pub fn handle(state: &EmulatorState, ctx: &RequestContext, params: &QueryRequest) -> Response {
    let Some(action) = params.action() else {
        return error(
            ctx,
            &IamApiError::MissingAction("Missing Action parameter.".to_owned()),
        );
    };
    // GetSessionToken's credentials "cannot call any IAM API operations unless MFA
    // authentication information is included" (STS API Reference, "GetSessionToken");
    // IAM answers InvalidClientTokenId (e.g. dev.classmethod.jp, "IAM 系の操作だけ
    // InvalidClientTokenId になったときの対処方法"). No session here carries MFA.
    let user_session = ctx
        .caller
        .access_key_id
        .as_deref()
        .filter(|_| !ctx.caller.is_role_session())
        .and_then(|id| state.iam.lookup_key(id))
        .is_some_and(|key| key.session_token.is_some());
    if user_session {
        return error(
            ctx,
            &IamApiError::InvalidClientTokenId(
                "The security token included in the request is invalid".to_owned(),
            ),
        );
    }
    match TABLE.lookup(&format!("{TARGET_PREFIX}.{action}")) {
        Lookup::Found(handler) => match handler(state, ctx, params) {
            Ok(result) => query::success(NAMESPACE, action, &ctx.request_id, &result),
            Err(err) => error(ctx, &err),
        },
        Lookup::NotImplemented => error(
            ctx,
            &IamApiError::NotImplemented(format!(
                "The operation {action} exists in IAM but is not implemented by this emulator."
            )),
        ),
        Lookup::Unknown => error(
            ctx,
            &IamApiError::InvalidAction(format!(
                "Could not find operation {action} for version {API_VERSION}"
            )),
        ),
    }
}

/// An IAM error as XML.
pub fn error(ctx: &RequestContext, err: &dyn crate::protocol::AwsError) -> Response {
    query::error(NAMESPACE, &ctx.request_id, err)
}

// ---- members -------------------------------------------------------------------

fn validation(field: &str, value: &str, constraint: &str) -> IamApiError {
    IamApiError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    ))
}

/// A required list member that was sent empty or not at all.
fn missing_list_member(field: &str) -> IamApiError {
    IamApiError::Validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
    ))
}

fn required<'a>(params: &'a Params, name: &str, field: &str) -> Result<&'a str> {
    params.get(name).ok_or_else(|| {
        IamApiError::Validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// A name member (`UserName`, `RoleName`, `PolicyName`): 1 to `max` of `[\w+=,.@-]`
/// (IAM API Reference, e.g. "CreateUser": pattern `[\w+=,.@-]+`).
fn name_member<'a>(params: &'a Params, name: &str, field: &str, max: usize) -> Result<&'a str> {
    let value = required(params, name, field)?;
    let count = value.chars().count();
    if count == 0 {
        return Err(validation(
            field,
            value,
            "Member must have length greater than or equal to 1",
        ));
    }
    if count > max {
        return Err(validation(
            field,
            value,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        return Err(validation(
            field,
            value,
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ));
    }
    Ok(value)
}

/// The `Path` member: `/` by default; 1 to 512 characters beginning and ending with `/`
/// (IAM API Reference, "CreateUser": pattern `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`).
fn path_member(params: &Params) -> Result<String> {
    let path = params.get("Path").unwrap_or("/");
    let printable = path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if path.len() > 512 || !path.starts_with('/') || !path.ends_with('/') || !printable {
        return Err(validation(
            "path",
            path,
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ));
    }
    Ok(path.to_owned())
}

/// The `Tags` member (`Tags.member.N.Key`/`.Value`): at most 50, keys of 1 to 128
/// characters, values of at most 256 (IAM API Reference, "Tag").
fn tags_member(params: &Params) -> Result<BTreeMap<String, String>> {
    let keys = params.list("Tags", ".Key");
    if keys.len() > 50 {
        return Err(validation(
            "tags",
            &keys.len().to_string(),
            "Member must have length less than or equal to 50",
        ));
    }
    let mut tags = BTreeMap::new();
    for (index, key) in keys {
        let field = format!("tags.{index}.member.key");
        if key.is_empty() || key.chars().count() > 128 {
            return Err(validation(
                &field,
                key,
                "Member must have length less than or equal to 128",
            ));
        }
        let value = params
            .get(&format!("Tags.member.{index}.Value"))
            .unwrap_or("");
        if value.chars().count() > 256 {
            return Err(validation(
                &format!("tags.{index}.member.value"),
                value,
                "Member must have length less than or equal to 256",
            ));
        }
        tags.insert(key.to_owned(), value.to_owned());
    }
    Ok(tags)
}

/// A policy document member, parsed (`MalformedPolicyDocument` when it is not a
/// policy), with its text.
fn document_member(params: &Params, name: &str, field: &str) -> Result<(String, PolicyDocument)> {
    let text = required(params, name, field)?;
    if text.is_empty() || text.chars().count() > 131_072 {
        return Err(validation(
            field,
            text,
            "Member must have length less than or equal to 131072",
        ));
    }
    let document =
        PolicyDocument::parse(text).map_err(|e| IamApiError::malformed_policy(e.to_string()))?;
    Ok((text.to_owned(), document))
}

/// A `Bool` member (`SetAsDefault`): `true` or `false`, false when not sent.
fn bool_member(params: &Params, name: &str, field: &str) -> Result<bool> {
    match params.get(name) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(validation(field, other, "Member must be a boolean")),
    }
}

/// One page of a List* answer: `MaxItems` (1 to 1000, 100 when not sent: IAM API
/// Reference, e.g. "ListUsers") items from where `Marker` points; `IsTruncated` and the
/// next `Marker` when more remain. The items come in the ascending order of a key of
/// each (a name, an id, an ARN) and the marker, opaque to callers, is the key of the
/// next item: a page resumes at the first item whose key is not below it, so that
/// entities created or deleted between two calls neither repeat nor hide the others.
struct Page<T> {
    items: Vec<T>,
    is_truncated: bool,
    marker: Option<String>,
}

impl<T> Page<T> {
    fn of(params: &Params, mut all: Vec<T>, key: impl Fn(&T) -> String) -> Result<Self> {
        let max = match params.get("MaxItems") {
            None => 100,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|m| (1..=1000).contains(m))
                .ok_or_else(|| {
                    validation(
                        "maxItems",
                        text,
                        "Member must have value between 1 and 1000",
                    )
                })?,
        };
        let start = match params.get("Marker") {
            None => 0,
            Some(marker) => all.partition_point(|item| key(item).as_str() < marker),
        };
        let end = start.saturating_add(max).min(all.len());
        let marker = all.get(end).map(&key);
        all.truncate(end);
        let items = all.split_off(start);
        Ok(Page {
            items,
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

/// The actions on a user or role that carry `iam:PermissionsBoundary`: the boundary the
/// request sets, or else the one the entity has (Service Authorization Reference,
/// "Actions, resources, and condition keys for AWS Identity and Access Management";
/// IAM User Guide, "Permissions boundaries for IAM entities", which delegates user
/// management under `iam:PermissionsBoundary` with these actions).
const BOUNDARY_KEYED: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteUserPolicy",
    "iam:DetachRolePolicy",
    "iam:DetachUserPolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy",
];

/// Condition keys an operation supplies from its request: name and values.
type RequestKeys = Vec<(String, Vec<String>)>;

/// The request keys of a `Tags` member: `aws:RequestTag/KEY` and `aws:TagKeys`.
fn tag_keys(tags: &BTreeMap<String, String>) -> RequestKeys {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut keys: RequestKeys = vec![("aws:TagKeys".to_owned(), tags.keys().cloned().collect())];
    keys.extend(
        tags.iter()
            .map(|(key, value)| (format!("aws:RequestTag/{key}"), vec![value.clone()])),
    );
    keys
}

/// A List* answer: one page of `all` as the list member `member` (`Users`), with
/// `IsTruncated` and, when more remain, `Marker`.
fn paged<T: Serialize>(
    params: &Params,
    member: &str,
    all: Vec<T>,
    key: impl Fn(&T) -> String,
) -> Result<Output> {
    let page = Page::of(params, all, key)?;
    let mut answer = serde_json::Map::new();
    answer.insert(member.to_owned(), serde_json::json!(page.items));
    answer.insert("IsTruncated".to_owned(), page.is_truncated.into());
    if let Some(marker) = page.marker {
        answer.insert("Marker".to_owned(), marker.into());
    }
    Ok(Output::of(&answer))
}

/// The entities of one kind whose path (in their ARN, after `:KIND`) starts with the
/// `PathPrefix` member (`/` by default), sorted by name: what ListUsers, ListRoles,
/// ListGroups and ListInstanceProfiles list.
fn by_path<'a, E>(
    params: &Params,
    kind: &str,
    entities: impl Iterator<Item = &'a E>,
    arn_and_name: impl Fn(&E) -> (&str, &str),
) -> Vec<&'a E> {
    let prefix = params.get("PathPrefix").unwrap_or("/");
    let mut listed: Vec<&E> = entities
        .filter(|e| path_of(arn_and_name(e).0, kind).starts_with(prefix))
        .collect();
    listed.sort_by(|a, b| arn_and_name(a).1.cmp(arn_and_name(b).1));
    listed
}

fn authorize(state: &EmulatorState, ctx: &RequestContext, action: &str, arn: &str) -> Result<()> {
    authorize_keys(state, ctx, action, arn, Vec::new())
}

/// Authorises `action` on `arn` with IAM's condition keys, computed only when a policy
/// reads them: the tags of the user or role the ARN names (`iam:ResourceTag/KEY` and
/// `aws:ResourceTag/KEY`) or of the policy or instance profile (`aws:ResourceTag/KEY`),
/// its permissions boundary (`iam:PermissionsBoundary`, on the
/// actions of [`BOUNDARY_KEYED`]), and the keys of the request (`request`, which
/// override: `aws:RequestTag/KEY`, `aws:TagKeys`, `iam:PolicyARN`, the boundary set).
fn authorize_keys(
    state: &EmulatorState,
    ctx: &RequestContext,
    action: &str,
    arn: &str,
    request: RequestKeys,
) -> Result<()> {
    state
        .iam
        .authorize_with(ctx, action, arn, &|keys| {
            let d = state.iam.directory();
            let entity = d
                .users
                .values()
                .find(|u| u.arn == arn)
                .map(|u| (&u.tags, &u.boundary))
                .or_else(|| {
                    d.roles
                        .values()
                        .find(|r| r.arn == arn)
                        .map(|r| (&r.tags, &r.boundary))
                });
            if let Some((tags, boundary)) = entity {
                for (key, value) in tags {
                    keys.insert(&format!("iam:ResourceTag/{key}"), value.clone());
                    keys.insert(&format!("aws:ResourceTag/{key}"), value.clone());
                }
                if BOUNDARY_KEYED.contains(&action) {
                    if let Some(view) = boundary_view(&d, boundary) {
                        keys.insert("iam:PermissionsBoundary", view.permissions_boundary_arn);
                    }
                }
            }
            // A customer managed policy's or an instance profile's tags are only its
            // `aws:ResourceTag/KEY`: the Reference gives `iam:ResourceTag/${TagKey}` to the
            // `role` and `user` resource types alone (Karpenter's controller policy scopes
            // iam:TagInstanceProfile with aws:ResourceTag on instance-profile ARNs:
            // aws/karpenter-provider-aws, "AllowScopedInstanceProfileTagActions").
            let other = d.policy_tags.get(arn).or_else(|| {
                d.instance_profiles
                    .values()
                    .find(|p| p.arn == arn)
                    .map(|p| &p.tags)
            });
            for (key, value) in other.into_iter().flatten() {
                keys.insert(&format!("aws:ResourceTag/{key}"), value.clone());
            }
            for (name, values) in &request {
                keys.insert_many(name, values.clone());
            }
        })
        .map_err(|denied| IamApiError::AccessDenied(denied.message))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

// ---- outputs -------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TagView {
    key: String,
    value: String,
}

fn tag_views(tags: &BTreeMap<String, String>) -> Option<Vec<TagView>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(key, value)| TagView {
                key: key.clone(),
                value: value.clone(),
            })
            .collect()
    })
}

/// The path of a user's or role's ARN (`/` or `/a/b/`).
fn path_of(arn: &str, kind: &str) -> String {
    let rest = arn
        .split_once(&format!(":{kind}/"))
        .map_or("", |(_, rest)| rest);
    match rest.rfind('/') {
        Some(i) => format!("/{}", &rest[..=i]),
        None => "/".to_owned(),
    }
}

/// The DeleteConflict of an entity that still has policies: managed ones attached
/// ("must detach all policies first"), else inline ones ("must delete policies first"),
/// IAM's words as getmoto/moto's iam models give them.
fn policies_conflict(d: &Directory, policies: &[Named]) -> Result<()> {
    if policies
        .iter()
        .any(|p| principals::is_managed(&d.managed, p))
    {
        return Err(IamApiError::delete_conflict(
            "Cannot delete entity, must detach all policies first.".to_owned(),
        ));
    }
    if !policies.is_empty() {
        return Err(IamApiError::delete_conflict(
            "Cannot delete entity, must delete policies first.".to_owned(),
        ));
    }
    Ok(())
}

/// Forgets what the directory keeps of a deleted entity besides itself: its creation
/// time and its policies' texts.
fn forget(d: &mut Directory, arn: &str) {
    d.created.remove(arn);
    d.documents.retain(|(owner, _), _| owner != arn);
}

fn created(directory: &Directory, id: &str) -> String {
    query::timestamp(directory.created.get(id).copied().unwrap_or_else(now))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BoundaryView {
    permissions_boundary_type: &'static str,
    permissions_boundary_arn: String,
}

/// A boundary as IAM answers it: the managed policy's ARN (a boundary written as a
/// document in a fixture has none and is not shown).
fn boundary_view(directory: &Directory, boundary: &Option<Named>) -> Option<BoundaryView> {
    let boundary = boundary.as_ref()?;
    directory
        .managed
        .iter()
        .find(|(_, m)| Arc::ptr_eq(&m.document, &boundary.document))
        .map(|(arn, _)| BoundaryView {
            permissions_boundary_type: "PermissionsBoundaryPolicy",
            permissions_boundary_arn: arn.clone(),
        })
}

/// The condition keys of CreateUser and CreateRole: the tags asked for, and the boundary.
fn creation_keys(params: &Params, tags: &BTreeMap<String, String>) -> RequestKeys {
    let mut keys = tag_keys(tags);
    if let Some(boundary) = params.get("PermissionsBoundary") {
        keys.push((
            "iam:PermissionsBoundary".to_owned(),
            vec![boundary.to_owned()],
        ));
    }
    keys
}

/// The `PermissionsBoundary` member of CreateUser and CreateRole: a managed policy.
fn boundary_member(directory: &Directory, params: &Params) -> Result<Option<Named>> {
    let Some(arn) = params.get("PermissionsBoundary") else {
        return Ok(None);
    };
    let policy = directory.managed.get(arn).ok_or_else(|| {
        IamApiError::no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
    })?;
    Ok(Some(Named {
        name: format!("permissions boundary {}", policy.name),
        document: Arc::clone(&policy.document),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserView {
    path: String,
    user_name: String,
    user_id: String,
    arn: String,
    create_date: String,
    permissions_boundary: Option<BoundaryView>,
    tags: Option<Vec<TagView>>,
}

fn user_view(directory: &Directory, user: &User) -> UserView {
    UserView {
        path: path_of(&user.arn, "user"),
        user_name: user.name.clone(),
        user_id: user.id.clone(),
        arn: user.arn.clone(),
        create_date: created(directory, &user.arn),
        permissions_boundary: boundary_view(directory, &user.boundary),
        tags: tag_views(&user.tags),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RoleView {
    path: String,
    role_name: String,
    role_id: String,
    arn: String,
    create_date: String,
    /// URL-encoded, as IAM answers it (IAM API Reference, "Role").
    assume_role_policy_document: Option<String>,
    max_session_duration: u32,
    description: Option<String>,
    permissions_boundary: Option<BoundaryView>,
    tags: Option<Vec<TagView>>,
}

fn role_view(directory: &Directory, role: &Role) -> RoleView {
    RoleView {
        path: path_of(&role.arn, "role"),
        role_name: role.name.clone(),
        role_id: role.id.clone(),
        arn: role.arn.clone(),
        create_date: created(directory, &role.arn),
        assume_role_policy_document: directory
            .documents
            .get(&(role.arn.clone(), principals::TRUST.to_owned()))
            .map(|t| query::url_encode_document(t)),
        max_session_duration: role.max_session_duration,
        description: role.description.clone(),
        permissions_boundary: boundary_view(directory, &role.boundary),
        tags: tag_views(&role.tags),
    }
}

// ---- users ---------------------------------------------------------------------

fn user_arn(state: &EmulatorState, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:user{path}{name}", state.iam.account)
}

fn no_such_user(name: &str) -> IamApiError {
    IamApiError::no_such_entity(format!("The user with name {name} cannot be found."))
}

/// The user `UserName` names (its ARN is the resource every user operation authorises
/// on; a user that does not exist is named with the default path).
fn named_user(state: &EmulatorState, name: &str) -> (Option<User>, String) {
    match state.iam.directory().users.get(name) {
        Some(user) => (Some(user.clone()), user.arn.clone()),
        None => (None, user_arn(state, "/", name)),
    }
}

/// The user an operation acts on: `UserName`, or else the calling user (IAM API
/// Reference, e.g. "CreateAccessKey": "If you do not specify a user name, IAM
/// determines the user name implicitly based on the Amazon Web Services access key ID
/// signing the request").
fn target_user(ctx: &RequestContext, params: &Params) -> Result<String> {
    if params.get("UserName").is_some() {
        return name_member(params, "UserName", "userName", 128).map(str::to_owned);
    }
    match &ctx.caller.kind {
        CallerKind::User { name } => Ok(name.clone()),
        _ => Err(IamApiError::Validation(
            "Must specify userName when calling with non-User credentials".to_owned(),
        )),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserResult {
    user: UserView,
}

fn create_user(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    let name = name_member(params, "UserName", "userName", 64)?;
    let path = path_member(params)?;
    let tags = tags_member(params)?;
    let arn = user_arn(state, &path, name);
    authorize_keys(
        state,
        ctx,
        "iam:CreateUser",
        &arn,
        creation_keys(params, &tags),
    )?;
    let directory = state.iam.update_directory(|d| {
        // Names are unique without regard to case (IAM User Guide, "IAM and AWS STS
        // quotas", "IAM name requirements").
        if d.users.keys().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(IamApiError::already_exists(format!(
                "User with name {name} already exists."
            )));
        }
        // The boundary asked for is set with the user, never dropped: without it the user
        // could do more than its creator meant.
        let boundary = boundary_member(d, params)?;
        d.created.insert(arn.clone(), now());
        d.users.insert(
            name.to_owned(),
            User {
                name: name.to_owned(),
                // A new id for every user created, even under a name used before (IAM
                // User Guide, "Unique identifiers").
                id: principals::unique_id("AIDA", &format!("{arn}#{}", uuid::Uuid::new_v4())),
                arn: arn.clone(),
                policies: Vec::new(),
                tags,
                boundary,
                groups: Vec::new(),
            },
        );
        Ok(d.clone())
    })?;
    Ok(Output::of(&UserResult {
        user: user_view(&directory, &directory.users[name]),
    }))
}

fn get_user(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    let name = target_user(ctx, params)?;
    let (user, arn) = named_user(state, &name);
    authorize(state, ctx, "iam:GetUser", &arn)?;
    let user = user.ok_or_else(|| no_such_user(&name))?;
    Ok(Output::of(&UserResult {
        user: user_view(&state.iam.directory(), &user),
    }))
}

fn list_users(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    // ListUsers names no resource type (Service Authorization Reference, "Actions
    // defined by AWS Identity and Access Management").
    authorize(state, ctx, "iam:ListUsers", "*")?;
    let directory = state.iam.directory();
    let users = by_path(params, "user", directory.users.values(), |u| {
        (&u.arn, &u.name)
    });
    paged(
        params,
        "Users",
        users.iter().map(|u| user_view(&directory, u)).collect(),
        |u| u.user_name.clone(),
    )
}

fn delete_user(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    let name = name_member(params, "UserName", "userName", 128)?;
    let (_, arn) = named_user(state, name);
    authorize(state, ctx, "iam:DeleteUser", &arn)?;
    state.iam.update_directory(|d| {
        let user = d.users.get(name).ok_or_else(|| no_such_user(name))?;
        // IAM refuses to delete a user that still has keys or policies (IAM API
        // Reference, "DeleteUser": the items attached to the user must be deleted
        // first), with DeleteConflict.
        let owner = KeyOwner::User(name.to_owned());
        if d.keys.values().any(|k| k.owner == owner) {
            return Err(IamApiError::delete_conflict(
                "Cannot delete entity, must delete access keys first.".to_owned(),
            ));
        }
        policies_conflict(d, &user.policies)?;
        // A member of a group is refused too, in IAM's words (mozilla-services/userplex#17:
        // DeleteUser of a group member).
        if !user.groups.is_empty() {
            return Err(IamApiError::delete_conflict(
                "Cannot delete entity, must remove users from group first.".to_owned(),
            ));
        }
        let arn = user.arn.clone();
        d.users.remove(name);
        forget(d, &arn);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

// ---- access keys ---------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NewAccessKey {
    user_name: String,
    access_key_id: String,
    status: &'static str,
    secret_access_key: String,
    create_date: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateAccessKeyResult {
    access_key: NewAccessKey,
}

fn status_of(directory: &Directory, id: &str) -> &'static str {
    if directory.inactive_keys.contains(id) {
        "Inactive"
    } else {
        "Active"
    }
}

fn create_access_key(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = target_user(ctx, params)?;
    let (_, arn) = named_user(state, &name);
    authorize(state, ctx, "iam:CreateAccessKey", &arn)?;
    // AKIA + 16 of base32's alphabet, as AWS's long-term key ids; a 40-character secret.
    let id = format!(
        "AKIA{}",
        principals::random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    );
    let secret = principals::random_string(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        40,
    );
    let created = now();
    state.iam.update_directory(|d| {
        if !d.users.contains_key(&name) {
            return Err(no_such_user(&name));
        }
        let owner = KeyOwner::User(name.clone());
        if d.keys.values().filter(|k| k.owner == owner).count() >= KEYS_PER_USER {
            return Err(IamApiError::limit_exceeded(format!(
                "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
            )));
        }
        d.created.insert(id.clone(), created);
        d.keys.insert(
            id.clone(),
            AccessKey {
                id: id.clone(),
                secret: secret.clone(),
                owner,
                session_token: None,
                expires: None,
                session_policies: Vec::new(),
                session_tags: SessionTags::default(),
            },
        );
        Ok(())
    })?;
    Ok(Output::of(&CreateAccessKeyResult {
        access_key: NewAccessKey {
            user_name: name,
            access_key_id: id,
            status: "Active",
            secret_access_key: secret,
            create_date: query::timestamp(created),
        },
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct KeyMetadata {
    user_name: String,
    access_key_id: String,
    status: &'static str,
    create_date: String,
}

fn list_access_keys(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = target_user(ctx, params)?;
    let (user, arn) = named_user(state, &name);
    authorize(state, ctx, "iam:ListAccessKeys", &arn)?;
    user.ok_or_else(|| no_such_user(&name))?;
    let directory = state.iam.directory();
    let owner = KeyOwner::User(name.clone());
    let mut keys: Vec<KeyMetadata> = directory
        .keys
        .values()
        .filter(|k| k.owner == owner)
        .map(|k| KeyMetadata {
            user_name: name.clone(),
            access_key_id: k.id.clone(),
            status: status_of(&directory, &k.id),
            create_date: created(&directory, &k.id),
        })
        .collect();
    keys.sort_by(|a, b| a.access_key_id.cmp(&b.access_key_id));
    paged(params, "AccessKeyMetadata", keys, |k| {
        k.access_key_id.clone()
    })
}

/// The key `AccessKeyId` names, which must belong to the user.
fn check_key(d: &Directory, name: &str, id: &str) -> Result<()> {
    if !d.users.contains_key(name) {
        return Err(no_such_user(name));
    }
    match d.keys.get(id) {
        Some(key) if key.owner == KeyOwner::User(name.to_owned()) => Ok(()),
        _ => Err(IamApiError::no_such_entity(format!(
            "The Access Key with id {id} cannot be found."
        ))),
    }
}

fn update_access_key(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = target_user(ctx, params)?;
    let id = required(params, "AccessKeyId", "accessKeyId")?.to_owned();
    let status = required(params, "Status", "status")?;
    let active = match status {
        "Active" => true,
        "Inactive" => false,
        other => {
            return Err(validation(
                "status",
                other,
                "Member must satisfy enum value set: [Active, Inactive]",
            ))
        }
    };
    let (_, arn) = named_user(state, &name);
    authorize(state, ctx, "iam:UpdateAccessKey", &arn)?;
    state.iam.update_directory(|d| {
        check_key(d, &name, &id)?;
        if active {
            d.inactive_keys.remove(&id);
        } else {
            d.inactive_keys.insert(id.clone());
        }
        Ok(())
    })?;
    Ok(Output::of(&()))
}

fn delete_access_key(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = target_user(ctx, params)?;
    let id = required(params, "AccessKeyId", "accessKeyId")?.to_owned();
    let (_, arn) = named_user(state, &name);
    authorize(state, ctx, "iam:DeleteAccessKey", &arn)?;
    state.iam.update_directory(|d| {
        check_key(d, &name, &id)?;
        d.keys.remove(&id);
        d.deleted_keys.insert(id.clone());
        d.inactive_keys.remove(&id);
        d.created.remove(&id);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

// ---- roles ---------------------------------------------------------------------

fn role_arn(state: &EmulatorState, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:role{path}{name}", state.iam.account)
}

fn no_such_role(name: &str) -> IamApiError {
    IamApiError::no_such_entity(format!("The role with name {name} cannot be found."))
}

fn named_role(state: &EmulatorState, name: &str) -> (Option<Role>, String) {
    match state.iam.directory().roles.get(name) {
        Some(role) => (Some(role.clone()), role.arn.clone()),
        None => (None, role_arn(state, "/", name)),
    }
}

/// A trust policy checked as IAM checks one when it is written: every statement names
/// a principal and none a resource ("Missing required field Principal", "Has
/// prohibited field Resource": IAM's MalformedPolicyDocument messages), within the
/// size quota.
fn trust_member(params: &Params, name: &str, field: &str) -> Result<(String, PolicyDocument)> {
    let (text, document) = document_member(params, name, field)?;
    if principals::policy_text_size(&text) > TRUST_POLICY_LIMIT {
        return Err(IamApiError::limit_exceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_LIMIT}"
        )));
    }
    if !document.every_statement_names_a_principal() {
        return Err(IamApiError::malformed_policy(
            "Missing required field Principal".to_owned(),
        ));
    }
    if document.any_statement_names_a_resource() {
        return Err(IamApiError::malformed_policy(
            "Has prohibited field Resource".to_owned(),
        ));
    }
    Ok((text, document))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RoleResult {
    role: RoleView,
}

fn create_role(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    let name = name_member(params, "RoleName", "roleName", 64)?;
    let path = path_member(params)?;
    let tags = tags_member(params)?;
    let (text, trust) = trust_member(
        params,
        "AssumeRolePolicyDocument",
        "assumeRolePolicyDocument",
    )?;
    let max = max_session_member(params)?.unwrap_or(3600);
    let description = description_member(params, true)?;
    let arn = role_arn(state, &path, name);
    authorize_keys(
        state,
        ctx,
        "iam:CreateRole",
        &arn,
        creation_keys(params, &tags),
    )?;
    let directory = state.iam.update_directory(|d| {
        if d.roles.keys().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(IamApiError::already_exists(format!(
                "Role with name {name} already exists."
            )));
        }
        let boundary = boundary_member(d, params)?;
        d.created.insert(arn.clone(), now());
        d.documents
            .insert((arn.clone(), principals::TRUST.to_owned()), text);
        d.roles.insert(
            name.to_owned(),
            Role {
                name: name.to_owned(),
                id: principals::unique_id("AROA", &format!("{arn}#{}", uuid::Uuid::new_v4())),
                arn: arn.clone(),
                trust_policy: Arc::new(trust),
                policies: Vec::new(),
                max_session_duration: max,
                tags,
                boundary,
                description,
            },
        );
        Ok(d.clone())
    })?;
    Ok(Output::of(&RoleResult {
        role: role_view(&directory, &directory.roles[name]),
    }))
}

fn get_role(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    let name = name_member(params, "RoleName", "roleName", 64)?;
    let (role, arn) = named_role(state, name);
    authorize(state, ctx, "iam:GetRole", &arn)?;
    let role = role.ok_or_else(|| no_such_role(name))?;
    Ok(Output::of(&RoleResult {
        role: role_view(&state.iam.directory(), &role),
    }))
}

fn list_roles(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    // ListRoles names no resource type (Service Authorization Reference).
    authorize(state, ctx, "iam:ListRoles", "*")?;
    let directory = state.iam.directory();
    let roles = by_path(params, "role", directory.roles.values(), |r| {
        (&r.arn, &r.name)
    });
    paged(
        params,
        "Roles",
        roles.iter().map(|r| role_view(&directory, r)).collect(),
        |r| r.role_name.clone(),
    )
}

fn delete_role(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    let name = name_member(params, "RoleName", "roleName", 64)?;
    let (_, arn) = named_role(state, name);
    authorize(state, ctx, "iam:DeleteRole", &arn)?;
    state.iam.update_directory(|d| {
        let role = d.roles.get(name).ok_or_else(|| no_such_role(name))?;
        // IAM API Reference, "DeleteRole": the role must first be removed from its
        // instance profiles, its managed policies detached and its inline policies
        // deleted (DeleteConflict, in that order and IAM's words as getmoto/moto's iam
        // models give them).
        if d.instance_profiles
            .values()
            .any(|p| p.roles.iter().any(|r| r == name))
        {
            return Err(IamApiError::delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.".to_owned(),
            ));
        }
        policies_conflict(d, &role.policies)?;
        let arn = role.arn.clone();
        d.roles.remove(name);
        forget(d, &arn);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

/// The `MaxSessionDuration` member: 3,600 to 43,200 seconds (IAM API Reference,
/// "CreateRole").
fn max_session_member(params: &Params) -> Result<Option<u32>> {
    let Some(value) = params.get("MaxSessionDuration") else {
        return Ok(None);
    };
    value
        .parse::<u32>()
        .ok()
        .filter(|m| (3600..=43200).contains(m))
        .map(Some)
        .ok_or_else(|| {
            validation(
                "maxSessionDuration",
                value,
                "Member must have value between 3600 and 43200",
            )
        })
}

/// The `Description` member: at most 1,000 characters, for a role (`of_role`) of
/// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*` (the model's roleDescriptionType;
/// its policyDescriptionType has no pattern).
fn description_member(params: &Params, of_role: bool) -> Result<Option<String>> {
    let Some(text) = params.get("Description") else {
        return Ok(None);
    };
    if text.chars().count() > 1000 {
        return Err(validation(
            "description",
            text,
            "Member must have length less than or equal to 1000",
        ));
    }
    let allowed = |c: char| matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}');
    if of_role && !text.chars().all(allowed) {
        return Err(validation(
            "description",
            text,
            "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// UpdateRole: the role's description and longest session, each when sent.
fn update_role(state: &EmulatorState, ctx: &RequestContext, params: &Params) -> Result<Output> {
    let name = name_member(params, "RoleName", "roleName", 64)?;
    let description = description_member(params, true)?;
    let max = max_session_member(params)?;
    let (_, arn) = named_role(state, name);
    authorize(state, ctx, "iam:UpdateRole", &arn)?;
    state.iam.update_directory(|d| {
        let role = d.roles.get_mut(name).ok_or_else(|| no_such_role(name))?;
        if description.is_some() {
            role.description = description;
        }
        if let Some(max) = max {
            role.max_session_duration = max;
        }
        Ok(())
    })?;
    Ok(Output::of(&()))
}

/// UpdateRoleDescription: the description, answered with the role.
fn update_role_description(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = name_member(params, "RoleName", "roleName", 64)?;
    required(params, "Description", "description")?;
    let description = description_member(params, true)?;
    let (_, arn) = named_role(state, name);
    authorize(state, ctx, "iam:UpdateRoleDescription", &arn)?;
    let directory = state.iam.update_directory(|d| {
        let role = d.roles.get_mut(name).ok_or_else(|| no_such_role(name))?;
        role.description = description;
        Ok(d.clone())
    })?;
    Ok(Output::of(&RoleResult {
        role: role_view(&directory, &directory.roles[name]),
    }))
}

fn update_assume_role_policy(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = name_member(params, "RoleName", "roleName", 64)?;
    let (text, trust) = trust_member(params, "PolicyDocument", "policyDocument")?;
    let (_, arn) = named_role(state, name);
    authorize(state, ctx, "iam:UpdateAssumeRolePolicy", &arn)?;
    state.iam.update_directory(|d| {
        let role = d.roles.get_mut(name).ok_or_else(|| no_such_role(name))?;
        role.trust_policy = Arc::new(trust);
        let arn = role.arn.clone();
        d.documents
            .insert((arn, principals::TRUST.to_owned()), text);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

// ---- inline policies -----------------------------------------------------------

/// Whose inline policies an operation works on.
#[derive(Clone, Copy)]
enum Owner {
    User,
    Role,
    Group,
}

impl Owner {
    fn kind(self) -> &'static str {
        match self {
            Owner::User => "user",
            Owner::Role => "role",
            Owner::Group => "group",
        }
    }

    fn name_member(self, params: &Params) -> Result<&str> {
        match self {
            Owner::User => name_member(params, "UserName", "userName", 128),
            Owner::Role => name_member(params, "RoleName", "roleName", 64),
            Owner::Group => name_member(params, "GroupName", "groupName", 128),
        }
    }

    fn arn(self, state: &EmulatorState, name: &str) -> String {
        match self {
            Owner::User => named_user(state, name).1,
            Owner::Role => named_role(state, name).1,
            Owner::Group => groups::named_group(state, name).1,
        }
    }

    /// The IAM action of a policy operation on a user, role or group (`Put` +
    /// `UserPolicy`: Put, Get, Delete, Attach, Detach; `List` + `UserPolicies`).
    fn action(self, verb: &str) -> String {
        let noun = match self {
            Owner::User => "User",
            Owner::Role => "Role",
            Owner::Group => "Group",
        };
        match verb {
            "List" => format!("iam:List{noun}Policies"),
            "ListAttached" => format!("iam:ListAttached{noun}Policies"),
            _ => format!("iam:{verb}{noun}Policy"),
        }
    }

    fn missing(self, name: &str) -> IamApiError {
        match self {
            Owner::User => no_such_user(name),
            Owner::Role => no_such_role(name),
            Owner::Group => groups::no_such_group(name),
        }
    }

    /// The owner's policies, inline and attached.
    fn policies<'a>(self, d: &'a Directory, name: &str) -> Result<&'a Vec<Named>> {
        match self {
            Owner::User => d.users.get(name).map(|u| &u.policies),
            Owner::Role => d.roles.get(name).map(|r| &r.policies),
            Owner::Group => d.groups.get(name).map(|g| &g.policies),
        }
        .ok_or_else(|| self.missing(name))
    }

    /// The owner's ARN and policies, mutable.
    fn policies_mut<'a>(
        self,
        d: &'a mut Directory,
        name: &str,
    ) -> Result<(String, &'a mut Vec<Named>)> {
        match self {
            Owner::User => d
                .users
                .get_mut(name)
                .map(|u| (u.arn.clone(), &mut u.policies)),
            Owner::Role => d
                .roles
                .get_mut(name)
                .map(|r| (r.arn.clone(), &mut r.policies)),
            Owner::Group => d
                .groups
                .get_mut(name)
                .map(|g| (g.arn.clone(), &mut g.policies)),
        }
        .ok_or_else(|| self.missing(name))
    }

    fn limit(self) -> usize {
        match self {
            Owner::User => USER_INLINE_LIMIT,
            Owner::Role => ROLE_INLINE_LIMIT,
            Owner::Group => GROUP_INLINE_LIMIT,
        }
    }

    fn no_such_policy(self, policy: &str) -> IamApiError {
        IamApiError::no_such_entity(format!(
            "The {} policy with name {policy} cannot be found.",
            self.kind()
        ))
    }
}

fn put_policy(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let policy = name_member(params, "PolicyName", "policyName", 128)?;
    let (text, document) = document_member(params, "PolicyDocument", "policyDocument")?;
    document
        .check_identity_policy()
        .map_err(|e| IamApiError::malformed_policy(e.to_string()))?;
    let arn = owner.arn(state, name);
    authorize(state, ctx, &owner.action("Put"), &arn)?;
    state.iam.update_directory(|d| {
        let managed = d.managed.clone();
        let (arn, policies) = owner.policies_mut(d, name)?;
        let inline: Vec<String> = policies
            .iter()
            .filter(|p| !principals::is_managed(&managed, p) && p.name != policy)
            .map(|p| p.name.clone())
            .collect();
        // The aggregate of the owner's inline policies, this one replacing its namesake.
        let others: usize = inline
            .iter()
            .filter_map(|n| d.documents.get(&(arn.clone(), principals::inline_key(n))))
            .map(|t| principals::policy_text_size(t))
            .sum();
        if others + principals::policy_text_size(&text) > owner.limit() {
            return Err(IamApiError::limit_exceeded(format!(
                "Maximum policy size of {} bytes exceeded for {} {name}",
                owner.limit(),
                owner.kind()
            )));
        }
        d.documents
            .insert((arn, principals::inline_key(policy)), text);
        let (_, policies) = owner.policies_mut(d, name)?;
        policies.retain(|p| p.name != policy || principals::is_managed(&managed, p));
        policies.push(Named {
            name: policy.to_owned(),
            document: Arc::new(document),
        });
        Ok(())
    })?;
    Ok(Output::of(&()))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserPolicyResult {
    user_name: String,
    policy_name: String,
    policy_document: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RolePolicyResult {
    role_name: String,
    policy_name: String,
    policy_document: String,
}

fn get_policy(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let policy = name_member(params, "PolicyName", "policyName", 128)?;
    let arn = owner.arn(state, name);
    authorize(state, ctx, &owner.action("Get"), &arn)?;
    let directory = state.iam.directory();
    owner.policies(&directory, name)?;
    let text = directory
        .documents
        .get(&(arn, principals::inline_key(policy)))
        .ok_or_else(|| owner.no_such_policy(policy))?;
    let document = query::url_encode_document(text);
    Ok(match owner {
        Owner::User => Output::of(&UserPolicyResult {
            user_name: name.to_owned(),
            policy_name: policy.to_owned(),
            policy_document: document,
        }),
        Owner::Role => Output::of(&RolePolicyResult {
            role_name: name.to_owned(),
            policy_name: policy.to_owned(),
            policy_document: document,
        }),
        Owner::Group => Output::of(&groups::GroupPolicyResult {
            group_name: name.to_owned(),
            policy_name: policy.to_owned(),
            policy_document: document,
        }),
    })
}

fn delete_policy(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let policy = name_member(params, "PolicyName", "policyName", 128)?;
    let arn = owner.arn(state, name);
    authorize(state, ctx, &owner.action("Delete"), &arn)?;
    state.iam.update_directory(|d| {
        let managed = d.managed.clone();
        let (arn, _) = owner.policies_mut(d, name)?;
        if d.documents
            .remove(&(arn, principals::inline_key(policy)))
            .is_none()
        {
            return Err(owner.no_such_policy(policy));
        }
        let (_, policies) = owner.policies_mut(d, name)?;
        policies.retain(|p| p.name != policy || principals::is_managed(&managed, p));
        Ok(())
    })?;
    Ok(Output::of(&()))
}

fn list_policies(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let arn = owner.arn(state, name);
    authorize(state, ctx, &owner.action("List"), &arn)?;
    let directory = state.iam.directory();
    let policies = owner.policies(&directory, name)?;
    let mut names: Vec<String> = policies
        .iter()
        .filter(|p| !principals::is_managed(&directory.managed, p))
        .map(|p| p.name.clone())
        .collect();
    names.sort();
    paged(params, "PolicyNames", names, String::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_names_real_operations() {
        TABLE.check().unwrap();
        let mut all = TABLE.all_operations.to_vec();
        all.sort_unstable();
        assert_eq!(all, crate::generated::iam::OPERATIONS);
    }

    #[test]
    fn pages_follow_their_markers_to_the_end() {
        let params = |body: &str| QueryRequest::decode(body.as_bytes());
        let key = |n: &u32| format!("{n:03}");
        let all = || vec![1, 2, 3, 4, 5];
        let page = Page::of(&params("MaxItems=2"), all(), key).unwrap();
        assert_eq!((page.items, page.is_truncated), (vec![1, 2], true));
        let marker = page.marker.unwrap();
        let next = Page::of(&params(&format!("MaxItems=2&Marker={marker}")), all(), key);
        assert_eq!(next.unwrap().items, vec![3, 4]);
        // An item created before the marker, or the marked one deleted, changes
        // nothing after it.
        let changed = vec![1, 2, 3, 4, 5, 6]
            .into_iter()
            .filter(|n| *n != 3)
            .collect();
        let resumed = Page::of(
            &params(&format!("MaxItems=2&Marker={marker}")),
            changed,
            key,
        );
        assert_eq!(resumed.unwrap().items, vec![4, 5]);
        let last = Page::of(&params("MaxItems=2&Marker=005"), all(), key).unwrap();
        assert_eq!(
            (last.items, last.is_truncated, last.marker),
            (vec![5], false, None)
        );
        assert!(Page::of(&params("MaxItems=0"), all(), key).is_err());
        assert!(Page::of(&params("Marker=999"), all(), key)
            .unwrap()
            .items
            .is_empty());
        assert_eq!(
            Page::of(&params(""), (0..150).collect(), key)
                .unwrap()
                .items
                .len(),
            100
        );
    }

    #[test]
    fn paths_come_from_arns() {
        assert_eq!(path_of("arn:aws:iam::1:user/a", "user"), "/");
        assert_eq!(path_of("arn:aws:iam::1:role/x/y/r", "role"), "/x/y/");
    }
}
