//! The IAM API over awsQuery (`Version=2010-05-08`, signed for `iam`): users, access
//! keys, roles and their trust policies, inline policies of users and roles. Every call
//! is authorised through the policy engine (`iam:ACTION` on the user's or role's ARN),
//! and every change replaces the directory the next decision reads, so it takes part in
//! authorisation at once. Inputs and outputs are the generated types
//! (`crate::generated::iam`: decoded from the form and checked against the model there);
//! this module and its files hold IAM's prose rules only (entities, quotas, policy
//! documents, boundaries, paging).

/// A List* answer (`$ty`) of one page: its items as `$member`, `IsTruncated` and, when
/// more remain, `Marker`.
macro_rules! paged {
    ($ty:path, $member:ident, $page:expr) => {{
        let page: $crate::iam_api::Page<_> = $page;
        $ty {
            $member: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        }
    }};
}

mod attributes;
mod details;
mod error;
mod groups;
mod managed;
mod positions;
mod profiles;
mod simulate;

pub use error::IamApiError;

use crate::context::{CallerKind, RequestContext};
use crate::dispatch::{DispatchTable, Lookup};
use crate::generated::iam as model;
use crate::iam::policy::PolicyDocument;
use crate::iam::principals::{
    self, AccessKey, Directory, KeyOwner, Named, Role, SessionTags, User,
};
use crate::iam::Iam;
use crate::protocol::query::{self, FromQuery, Output, QueryRequest};
use crate::protocol::validation::Validate;
use attributes::Taggable;
use axum::response::Response;
use error::validated;
use model::{
    AttachedPermissionsBoundary, CreateAccessKeyRequest, CreateAccessKeyResponse,
    CreateRoleRequest, CreateRoleResponse, CreateUserRequest, CreateUserResponse,
    DeleteAccessKeyRequest, DeleteRoleRequest, DeleteUserRequest, GetGroupPolicyResponse,
    GetRolePolicyResponse, GetRoleRequest, GetRoleResponse, GetUserPolicyResponse, GetUserRequest,
    GetUserResponse, ListAccessKeysRequest, ListAccessKeysResponse, ListGroupPoliciesResponse,
    ListRolePoliciesResponse, ListRolesRequest, ListRolesResponse, ListUserPoliciesResponse,
    ListUsersRequest, ListUsersResponse, Tag, UpdateAccessKeyRequest,
    UpdateAssumeRolePolicyRequest, UpdateRoleDescriptionRequest, UpdateRoleDescriptionResponse,
    UpdateRoleRequest, UpdateRoleResponse,
};
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

type Result<T> = std::result::Result<T, IamApiError>;

/// Runs a rule function on its input as the generated type decodes it from the form;
/// its typed output is what `protocol::query` writes as the `...Result` element.
fn run<I: FromQuery, O: Serialize>(
    form: &QueryRequest,
    op: impl FnOnce(I) -> Result<O>,
) -> Result<Output> {
    op(I::decode(form)?).map(|out| Output::of(&out))
}

/// Every modelled constraint of an input (lengths, patterns, enums, ranges, required
/// members), as IAM words a violation.
fn check(input: &impl Validate) -> Result<()> {
    validated(input.check())
}

/// A member the model requires (`check` has refused the input without it).
fn req(member: &Option<String>) -> &str {
    member.as_deref().unwrap_or_default()
}

macro_rules! op {
    // An operation whose input the model checks in full before its rules run.
    ($name:literal, $f:path) => {
        (concat!("IAM.", $name), |iam, ctx, form| {
            run(form, |input| {
                check(&input)?;
                $f(iam, ctx, input)
            })
        })
    };
    // The operations that share one body (users', roles' or groups' policies, adding
    // or removing): the input's members handed to it.
    ($name:literal, |$iam:ident, $ctx:ident, $input:ident: $ty:ty| $body:expr) => {
        (concat!("IAM.", $name), |$iam, $ctx, form| {
            run(form, |$input: $ty| {
                check(&$input)?;
                $body
            })
        })
    };
}

/// Every implemented operation, sorted by name.
pub static TABLE: DispatchTable<IamApiError, QueryRequest, Output, Iam> = DispatchTable {
    prefix: TARGET_PREFIX,
    operations: &[
        op!(
            "AddRoleToInstanceProfile",
            |s, c, i: model::AddRoleToInstanceProfileRequest| {
                profiles::role_membership(
                    true,
                    s,
                    c,
                    req(&i.instance_profile_name),
                    req(&i.role_name),
                )
            }
        ),
        op!("AddUserToGroup", |s, c, i: model::AddUserToGroupRequest| {
            groups::membership(true, s, c, req(&i.group_name), req(&i.user_name))
        }),
        op!(
            "AttachGroupPolicy",
            |s, c, i: model::AttachGroupPolicyRequest| {
                managed::attachment(
                    true,
                    Owner::Group,
                    s,
                    c,
                    req(&i.group_name),
                    req(&i.policy_arn),
                )
            }
        ),
        op!(
            "AttachRolePolicy",
            |s, c, i: model::AttachRolePolicyRequest| {
                managed::attachment(
                    true,
                    Owner::Role,
                    s,
                    c,
                    req(&i.role_name),
                    req(&i.policy_arn),
                )
            }
        ),
        op!(
            "AttachUserPolicy",
            |s, c, i: model::AttachUserPolicyRequest| {
                managed::attachment(
                    true,
                    Owner::User,
                    s,
                    c,
                    req(&i.user_name),
                    req(&i.policy_arn),
                )
            }
        ),
        op!("CreateAccessKey", create_access_key),
        op!("CreateGroup", groups::create_group),
        op!("CreateInstanceProfile", profiles::create_instance_profile),
        op!("CreatePolicy", managed::create_policy),
        op!("CreatePolicyVersion", managed::create_policy_version),
        op!("CreateRole", create_role),
        op!("CreateUser", create_user),
        op!("DeleteAccessKey", delete_access_key),
        op!("DeleteGroup", groups::delete_group),
        op!(
            "DeleteGroupPolicy",
            |s, c, i: model::DeleteGroupPolicyRequest| {
                delete_policy(Owner::Group, s, c, req(&i.group_name), req(&i.policy_name))
            }
        ),
        op!("DeleteInstanceProfile", profiles::delete_instance_profile),
        op!("DeletePolicy", managed::delete_policy),
        op!("DeletePolicyVersion", managed::delete_policy_version),
        op!("DeleteRole", delete_role),
        op!(
            "DeleteRolePermissionsBoundary",
            |s, c, i: model::DeleteRolePermissionsBoundaryRequest| {
                attributes::delete_boundary(Owner::Role, s, c, req(&i.role_name))
            }
        ),
        op!(
            "DeleteRolePolicy",
            |s, c, i: model::DeleteRolePolicyRequest| {
                delete_policy(Owner::Role, s, c, req(&i.role_name), req(&i.policy_name))
            }
        ),
        op!("DeleteUser", delete_user),
        op!(
            "DeleteUserPermissionsBoundary",
            |s, c, i: model::DeleteUserPermissionsBoundaryRequest| {
                attributes::delete_boundary(Owner::User, s, c, req(&i.user_name))
            }
        ),
        op!(
            "DeleteUserPolicy",
            |s, c, i: model::DeleteUserPolicyRequest| {
                delete_policy(Owner::User, s, c, req(&i.user_name), req(&i.policy_name))
            }
        ),
        op!(
            "DetachGroupPolicy",
            |s, c, i: model::DetachGroupPolicyRequest| {
                managed::attachment(
                    false,
                    Owner::Group,
                    s,
                    c,
                    req(&i.group_name),
                    req(&i.policy_arn),
                )
            }
        ),
        op!(
            "DetachRolePolicy",
            |s, c, i: model::DetachRolePolicyRequest| {
                managed::attachment(
                    false,
                    Owner::Role,
                    s,
                    c,
                    req(&i.role_name),
                    req(&i.policy_arn),
                )
            }
        ),
        op!(
            "DetachUserPolicy",
            |s, c, i: model::DetachUserPolicyRequest| {
                managed::attachment(
                    false,
                    Owner::User,
                    s,
                    c,
                    req(&i.user_name),
                    req(&i.policy_arn),
                )
            }
        ),
        op!(
            "GetAccountAuthorizationDetails",
            details::get_account_authorization_details
        ),
        op!("GetGroup", groups::get_group),
        op!("GetGroupPolicy", |s, c, i: model::GetGroupPolicyRequest| {
            let (group_name, policy_name, policy_document) =
                get_policy(Owner::Group, s, c, req(&i.group_name), req(&i.policy_name))?;
            Ok(GetGroupPolicyResponse {
                group_name,
                policy_name,
                policy_document,
            })
        }),
        op!("GetInstanceProfile", profiles::get_instance_profile),
        op!("GetPolicy", managed::get_policy),
        op!("GetPolicyVersion", managed::get_policy_version),
        op!("GetRole", get_role),
        op!("GetRolePolicy", |s, c, i: model::GetRolePolicyRequest| {
            let (role_name, policy_name, policy_document) =
                get_policy(Owner::Role, s, c, req(&i.role_name), req(&i.policy_name))?;
            Ok(GetRolePolicyResponse {
                role_name,
                policy_name,
                policy_document,
            })
        }),
        op!("GetUser", get_user),
        op!("GetUserPolicy", |s, c, i: model::GetUserPolicyRequest| {
            let (user_name, policy_name, policy_document) =
                get_policy(Owner::User, s, c, req(&i.user_name), req(&i.policy_name))?;
            Ok(GetUserPolicyResponse {
                user_name,
                policy_name,
                policy_document,
            })
        }),
        op!("ListAccessKeys", list_access_keys),
        op!(
            "ListAttachedGroupPolicies",
            |s, c, i: model::ListAttachedGroupPoliciesRequest| {
                let page = managed::list_attached(
                    Owner::Group,
                    s,
                    c,
                    req(&i.group_name),
                    &Paging::of(i.path_prefix, i.marker, i.max_items),
                )?;
                Ok(paged!(
                    model::ListAttachedGroupPoliciesResponse,
                    attached_policies,
                    page
                ))
            }
        ),
        op!(
            "ListAttachedRolePolicies",
            |s, c, i: model::ListAttachedRolePoliciesRequest| {
                let page = managed::list_attached(
                    Owner::Role,
                    s,
                    c,
                    req(&i.role_name),
                    &Paging::of(i.path_prefix, i.marker, i.max_items),
                )?;
                Ok(paged!(
                    model::ListAttachedRolePoliciesResponse,
                    attached_policies,
                    page
                ))
            }
        ),
        op!(
            "ListAttachedUserPolicies",
            |s, c, i: model::ListAttachedUserPoliciesRequest| {
                let page = managed::list_attached(
                    Owner::User,
                    s,
                    c,
                    req(&i.user_name),
                    &Paging::of(i.path_prefix, i.marker, i.max_items),
                )?;
                Ok(paged!(
                    model::ListAttachedUserPoliciesResponse,
                    attached_policies,
                    page
                ))
            }
        ),
        op!("ListEntitiesForPolicy", managed::list_entities_for_policy),
        op!(
            "ListGroupPolicies",
            |s, c, i: model::ListGroupPoliciesRequest| {
                let page = list_policies(
                    Owner::Group,
                    s,
                    c,
                    req(&i.group_name),
                    &Paging::of(None, i.marker, i.max_items),
                )?;
                Ok(paged!(ListGroupPoliciesResponse, policy_names, page))
            }
        ),
        op!("ListGroups", groups::list_groups),
        op!("ListGroupsForUser", groups::list_groups_for_user),
        op!(
            "ListInstanceProfileTags",
            |s, c, i: model::ListInstanceProfileTagsRequest| {
                let page = attributes::list_tags(
                    Taggable::InstanceProfile,
                    s,
                    c,
                    req(&i.instance_profile_name),
                    &Paging::of(None, i.marker, i.max_items),
                )?;
                Ok(paged!(model::ListInstanceProfileTagsResponse, tags, page))
            }
        ),
        op!("ListInstanceProfiles", profiles::list_instance_profiles),
        op!(
            "ListInstanceProfilesForRole",
            profiles::list_instance_profiles_for_role
        ),
        op!("ListPolicies", managed::list_policies),
        op!("ListPolicyTags", |s, c, i: model::ListPolicyTagsRequest| {
            let page = attributes::list_tags(
                Taggable::Policy,
                s,
                c,
                req(&i.policy_arn),
                &Paging::of(None, i.marker, i.max_items),
            )?;
            Ok(paged!(model::ListPolicyTagsResponse, tags, page))
        }),
        op!("ListPolicyVersions", managed::list_policy_versions),
        op!(
            "ListRolePolicies",
            |s, c, i: model::ListRolePoliciesRequest| {
                let page = list_policies(
                    Owner::Role,
                    s,
                    c,
                    req(&i.role_name),
                    &Paging::of(None, i.marker, i.max_items),
                )?;
                Ok(paged!(ListRolePoliciesResponse, policy_names, page))
            }
        ),
        op!("ListRoleTags", |s, c, i: model::ListRoleTagsRequest| {
            let page = attributes::list_tags(
                Taggable::Role,
                s,
                c,
                req(&i.role_name),
                &Paging::of(None, i.marker, i.max_items),
            )?;
            Ok(paged!(model::ListRoleTagsResponse, tags, page))
        }),
        op!("ListRoles", list_roles),
        op!(
            "ListUserPolicies",
            |s, c, i: model::ListUserPoliciesRequest| {
                let page = list_policies(
                    Owner::User,
                    s,
                    c,
                    req(&i.user_name),
                    &Paging::of(None, i.marker, i.max_items),
                )?;
                Ok(paged!(ListUserPoliciesResponse, policy_names, page))
            }
        ),
        op!("ListUserTags", |s, c, i: model::ListUserTagsRequest| {
            let page = attributes::list_tags(
                Taggable::User,
                s,
                c,
                req(&i.user_name),
                &Paging::of(None, i.marker, i.max_items),
            )?;
            Ok(paged!(model::ListUserTagsResponse, tags, page))
        }),
        op!("ListUsers", list_users),
        op!("PutGroupPolicy", |s, c, i: model::PutGroupPolicyRequest| {
            put_policy(
                Owner::Group,
                s,
                c,
                req(&i.group_name),
                req(&i.policy_name),
                req(&i.policy_document),
            )
        }),
        op!(
            "PutRolePermissionsBoundary",
            |s, c, i: model::PutRolePermissionsBoundaryRequest| {
                attributes::put_boundary(
                    Owner::Role,
                    s,
                    c,
                    req(&i.role_name),
                    req(&i.permissions_boundary),
                )
            }
        ),
        op!("PutRolePolicy", |s, c, i: model::PutRolePolicyRequest| {
            put_policy(
                Owner::Role,
                s,
                c,
                req(&i.role_name),
                req(&i.policy_name),
                req(&i.policy_document),
            )
        }),
        op!(
            "PutUserPermissionsBoundary",
            |s, c, i: model::PutUserPermissionsBoundaryRequest| {
                attributes::put_boundary(
                    Owner::User,
                    s,
                    c,
                    req(&i.user_name),
                    req(&i.permissions_boundary),
                )
            }
        ),
        op!("PutUserPolicy", |s, c, i: model::PutUserPolicyRequest| {
            put_policy(
                Owner::User,
                s,
                c,
                req(&i.user_name),
                req(&i.policy_name),
                req(&i.policy_document),
            )
        }),
        op!(
            "RemoveRoleFromInstanceProfile",
            |s, c, i: model::RemoveRoleFromInstanceProfileRequest| {
                profiles::role_membership(
                    false,
                    s,
                    c,
                    req(&i.instance_profile_name),
                    req(&i.role_name),
                )
            }
        ),
        op!(
            "RemoveUserFromGroup",
            |s, c, i: model::RemoveUserFromGroupRequest| {
                groups::membership(false, s, c, req(&i.group_name), req(&i.user_name))
            }
        ),
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
            |s, c, i: model::TagInstanceProfileRequest| {
                attributes::tag(
                    Taggable::InstanceProfile,
                    s,
                    c,
                    req(&i.instance_profile_name),
                    &i.tags,
                )
            }
        ),
        op!("TagPolicy", |s, c, i: model::TagPolicyRequest| {
            attributes::tag(Taggable::Policy, s, c, req(&i.policy_arn), &i.tags)
        }),
        op!("TagRole", |s, c, i: model::TagRoleRequest| {
            attributes::tag(Taggable::Role, s, c, req(&i.role_name), &i.tags)
        }),
        op!("TagUser", |s, c, i: model::TagUserRequest| {
            attributes::tag(Taggable::User, s, c, req(&i.user_name), &i.tags)
        }),
        op!(
            "UntagInstanceProfile",
            |s, c, i: model::UntagInstanceProfileRequest| {
                attributes::untag(
                    Taggable::InstanceProfile,
                    s,
                    c,
                    req(&i.instance_profile_name),
                    i.tag_keys.unwrap_or_default(),
                )
            }
        ),
        op!("UntagPolicy", |s, c, i: model::UntagPolicyRequest| {
            attributes::untag(
                Taggable::Policy,
                s,
                c,
                req(&i.policy_arn),
                i.tag_keys.unwrap_or_default(),
            )
        }),
        op!("UntagRole", |s, c, i: model::UntagRoleRequest| {
            attributes::untag(
                Taggable::Role,
                s,
                c,
                req(&i.role_name),
                i.tag_keys.unwrap_or_default(),
            )
        }),
        op!("UntagUser", |s, c, i: model::UntagUserRequest| {
            attributes::untag(
                Taggable::User,
                s,
                c,
                req(&i.user_name),
                i.tag_keys.unwrap_or_default(),
            )
        }),
        op!("UpdateAccessKey", update_access_key),
        op!("UpdateAssumeRolePolicy", update_assume_role_policy),
        op!("UpdateRole", update_role),
        op!("UpdateRoleDescription", update_role_description),
    ],
    all_operations: crate::generated::iam::OPERATIONS,
};

/// Answers an awsQuery request to IAM (its form decoded once, by the server).
pub fn handle(iam: &Iam, ctx: &RequestContext, params: &QueryRequest) -> Response {
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
        .and_then(|id| iam.lookup_key(id))
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
        Lookup::Found(handler) => match handler(iam, ctx, params) {
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

/// The `Path` member: `/` when not sent (its form is the model's).
fn path_or_root(path: &Option<String>) -> String {
    path.clone().unwrap_or_else(|| "/".to_owned())
}

/// The `Tags` member as a map (its size and each tag's form are the model's).
fn tag_map(tags: &Option<Vec<Tag>>) -> BTreeMap<String, String> {
    tags.iter()
        .flatten()
        .map(|t| (req(&t.key).to_owned(), t.value.clone().unwrap_or_default()))
        .collect()
}

/// A policy document, parsed (`MalformedPolicyDocument` when it is not a policy; its
/// length and characters are the model's).
fn parse_document(text: &str) -> Result<PolicyDocument> {
    PolicyDocument::parse(text)
        .map_err(|e| IamApiError::MalformedPolicyDocumentException(e.to_string()))
}

/// What a List* operation asks for: `PathPrefix` (where it has one), `Marker` and
/// `MaxItems` (its range, 1 to 1000, is the model's).
struct Paging {
    path_prefix: Option<String>,
    marker: Option<String>,
    max_items: Option<i32>,
}

impl Paging {
    fn of(path_prefix: Option<String>, marker: Option<String>, max_items: Option<i32>) -> Self {
        Paging {
            path_prefix,
            marker,
            max_items,
        }
    }

    /// The prefix entities' paths must start with, `/` by default.
    fn prefix(&self) -> &str {
        self.path_prefix.as_deref().unwrap_or("/")
    }
}

/// One page of a List* answer: `MaxItems` (100 when not sent: IAM API Reference, e.g.
/// "ListUsers") items from where `Marker` points; `IsTruncated` and the next `Marker`
/// when more remain. The items come in the ascending order of a key of each (a name,
/// an id, an ARN) and the marker, opaque to callers, is the key of the next item: a page
/// resumes at the first item whose key is not below it, so that entities created or
/// deleted between two calls neither repeat nor hide the others.
struct Page<T> {
    items: Vec<T>,
    is_truncated: bool,
    marker: Option<String>,
}

impl<T> Page<T> {
    fn of(paging: &Paging, mut all: Vec<T>, key: impl Fn(&T) -> String) -> Self {
        let max = paging
            .max_items
            .and_then(|m| usize::try_from(m).ok())
            .unwrap_or(100);
        let start = match paging.marker.as_deref() {
            None => 0,
            Some(marker) => all.partition_point(|item| key(item).as_str() < marker),
        };
        let end = start.saturating_add(max).min(all.len());
        let marker = all.get(end).map(&key);
        all.truncate(end);
        let items = all.split_off(start);
        Page {
            items,
            is_truncated: marker.is_some(),
            marker,
        }
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

/// The entities of one kind whose path (in their ARN, after `:KIND`) starts with the
/// `PathPrefix` member (`/` by default), sorted by name: what ListUsers, ListRoles,
/// ListGroups and ListInstanceProfiles list.
fn by_path<'a, E>(
    paging: &Paging,
    kind: &str,
    entities: impl Iterator<Item = &'a E>,
    arn_and_name: impl Fn(&E) -> (&str, &str),
) -> Vec<&'a E> {
    let prefix = paging.prefix();
    let mut listed: Vec<&E> = entities
        .filter(|e| path_of(arn_and_name(e).0, kind).starts_with(prefix))
        .collect();
    listed.sort_by(|a, b| arn_and_name(a).1.cmp(arn_and_name(b).1));
    listed
}

fn authorize(iam: &Iam, ctx: &RequestContext, action: &str, arn: &str) -> Result<()> {
    authorize_keys(iam, ctx, action, arn, Vec::new())
}

/// Authorises `action` on `arn` with IAM's condition keys, computed only when a policy
/// reads them: the tags of the user or role the ARN names (`iam:ResourceTag/KEY` and
/// `aws:ResourceTag/KEY`) or of the policy or instance profile (`aws:ResourceTag/KEY`),
/// its permissions boundary (`iam:PermissionsBoundary`, on the
/// actions of [`BOUNDARY_KEYED`]), and the keys of the request (`request`, which
/// override: `aws:RequestTag/KEY`, `aws:TagKeys`, `iam:PolicyARN`, the boundary set).
fn authorize_keys(
    iam: &Iam,
    ctx: &RequestContext,
    action: &str,
    arn: &str,
    request: RequestKeys,
) -> Result<()> {
    iam.authorize_with(ctx, action, arn, &|keys| {
        let d = iam.directory();
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
                if let Some(arn) =
                    boundary_view(&d, boundary).and_then(|v| v.permissions_boundary_arn)
                {
                    keys.insert("iam:PermissionsBoundary", arn);
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

/// Tags as IAM answers them: none when there are none.
fn tag_views(tags: &BTreeMap<String, String>) -> Option<Vec<Tag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(key, value)| Tag {
                key: Some(key.clone()),
                value: Some(value.clone()),
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
        return Err(IamApiError::DeleteConflictException(
            "Cannot delete entity, must detach all policies first.".to_owned(),
        ));
    }
    if !policies.is_empty() {
        return Err(IamApiError::DeleteConflictException(
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

/// When the entity (or key) `id` was created.
fn created(directory: &Directory, id: &str) -> OffsetDateTime {
    directory.created.get(id).copied().unwrap_or_else(now)
}

/// A boundary as IAM answers it: the managed policy's ARN (a boundary written as a
/// document in a fixture has none and is not shown).
fn boundary_view(
    directory: &Directory,
    boundary: &Option<Named>,
) -> Option<AttachedPermissionsBoundary> {
    let boundary = boundary.as_ref()?;
    directory
        .managed
        .iter()
        .find(|(_, m)| Arc::ptr_eq(&m.document, &boundary.document))
        .map(|(arn, _)| AttachedPermissionsBoundary {
            permissions_boundary_type: Some("PermissionsBoundaryPolicy".to_owned()),
            permissions_boundary_arn: Some(arn.clone()),
        })
}

/// The condition keys of CreateUser and CreateRole: the tags asked for, and the boundary.
fn creation_keys(boundary: Option<&str>, tags: &BTreeMap<String, String>) -> RequestKeys {
    let mut keys = tag_keys(tags);
    if let Some(boundary) = boundary {
        keys.push((
            "iam:PermissionsBoundary".to_owned(),
            vec![boundary.to_owned()],
        ));
    }
    keys
}

/// The `PermissionsBoundary` member of CreateUser and CreateRole: a managed policy.
fn boundary_member(directory: &Directory, arn: Option<&str>) -> Result<Option<Named>> {
    let Some(arn) = arn else {
        return Ok(None);
    };
    let policy = directory.managed.get(arn).ok_or_else(|| {
        IamApiError::NoSuchEntityException(format!(
            "Policy {arn} does not exist or is not attachable."
        ))
    })?;
    Ok(Some(Named {
        name: format!("permissions boundary {}", policy.name),
        document: Arc::clone(&policy.document),
    }))
}

fn user_view(directory: &Directory, user: &User) -> model::User {
    model::User {
        path: Some(path_of(&user.arn, "user")),
        user_name: Some(user.name.clone()),
        user_id: Some(user.id.clone()),
        arn: Some(user.arn.clone()),
        create_date: Some(created(directory, &user.arn)),
        permissions_boundary: boundary_view(directory, &user.boundary),
        tags: tag_views(&user.tags),
        ..Default::default()
    }
}

fn role_view(directory: &Directory, role: &Role) -> model::Role {
    model::Role {
        path: Some(path_of(&role.arn, "role")),
        role_name: Some(role.name.clone()),
        role_id: Some(role.id.clone()),
        arn: Some(role.arn.clone()),
        create_date: Some(created(directory, &role.arn)),
        // URL-encoded, as IAM answers it (IAM API Reference, "Role").
        assume_role_policy_document: directory
            .documents
            .get(&(role.arn.clone(), principals::TRUST.to_owned()))
            .map(|t| query::url_encode_document(t)),
        max_session_duration: Some(i32::try_from(role.max_session_duration).unwrap_or(i32::MAX)),
        description: role.description.clone(),
        permissions_boundary: boundary_view(directory, &role.boundary),
        tags: tag_views(&role.tags),
        ..Default::default()
    }
}

// ---- users ---------------------------------------------------------------------

fn user_arn(iam: &Iam, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:user{path}{name}", iam.account)
}

fn no_such_user(name: &str) -> IamApiError {
    IamApiError::NoSuchEntityException(format!("The user with name {name} cannot be found."))
}

/// The user `UserName` names (its ARN is the resource every user operation authorises
/// on; a user that does not exist is named with the default path).
fn named_user(iam: &Iam, name: &str) -> (Option<User>, String) {
    match iam.directory().users.get(name) {
        Some(user) => (Some(user.clone()), user.arn.clone()),
        None => (None, user_arn(iam, "/", name)),
    }
}

/// The user an operation acts on: `UserName`, or else the calling user (IAM API
/// Reference, e.g. "CreateAccessKey": "If you do not specify a user name, IAM
/// determines the user name implicitly based on the Amazon Web Services access key ID
/// signing the request").
fn target_user(ctx: &RequestContext, user_name: &Option<String>) -> Result<String> {
    if let Some(name) = user_name {
        return Ok(name.clone());
    }
    match &ctx.caller.kind {
        CallerKind::User { name } => Ok(name.clone()),
        _ => Err(IamApiError::ValidationError(
            "Must specify userName when calling with non-User credentials".to_owned(),
        )),
    }
}

fn create_user(
    iam: &Iam,
    ctx: &RequestContext,
    input: CreateUserRequest,
) -> Result<CreateUserResponse> {
    let name = req(&input.user_name);
    let path = path_or_root(&input.path);
    let tags = tag_map(&input.tags);
    let boundary = input.permissions_boundary.as_deref();
    let arn = user_arn(iam, &path, name);
    authorize_keys(
        iam,
        ctx,
        "iam:CreateUser",
        &arn,
        creation_keys(boundary, &tags),
    )?;
    let directory = iam.update_directory(|d| {
        // Names are unique without regard to case (IAM User Guide, "IAM and AWS STS
        // quotas", "IAM name requirements").
        if d.users.keys().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(IamApiError::EntityAlreadyExistsException(format!(
                "User with name {name} already exists."
            )));
        }
        // The boundary asked for is set with the user, never dropped: without it the user
        // could do more than its creator meant.
        let boundary = boundary_member(d, boundary)?;
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
    Ok(CreateUserResponse {
        user: Some(user_view(&directory, &directory.users[name])),
    })
}

fn get_user(iam: &Iam, ctx: &RequestContext, input: GetUserRequest) -> Result<GetUserResponse> {
    let name = target_user(ctx, &input.user_name)?;
    let (user, arn) = named_user(iam, &name);
    authorize(iam, ctx, "iam:GetUser", &arn)?;
    let user = user.ok_or_else(|| no_such_user(&name))?;
    Ok(GetUserResponse {
        user: Some(user_view(&iam.directory(), &user)),
    })
}

fn list_users(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListUsersRequest,
) -> Result<ListUsersResponse> {
    // ListUsers names no resource type (Service Authorization Reference, "Actions
    // defined by AWS Identity and Access Management").
    authorize(iam, ctx, "iam:ListUsers", "*")?;
    let paging = Paging::of(input.path_prefix, input.marker, input.max_items);
    let directory = iam.directory();
    let users = by_path(&paging, "user", directory.users.values(), |u| {
        (&u.arn, &u.name)
    });
    let page = Page::of(
        &paging,
        users.iter().map(|u| user_view(&directory, u)).collect(),
        |u| u.user_name.clone().unwrap_or_default(),
    );
    Ok(paged!(ListUsersResponse, users, page))
}

fn delete_user(iam: &Iam, ctx: &RequestContext, input: DeleteUserRequest) -> Result<()> {
    let name = req(&input.user_name);
    let (_, arn) = named_user(iam, name);
    authorize(iam, ctx, "iam:DeleteUser", &arn)?;
    iam.update_directory(|d| {
        let user = d.users.get(name).ok_or_else(|| no_such_user(name))?;
        // IAM refuses to delete a user that still has keys or policies (IAM API
        // Reference, "DeleteUser": the items attached to the user must be deleted
        // first), with DeleteConflict.
        let owner = KeyOwner::User(name.to_owned());
        if d.keys.values().any(|k| k.owner == owner) {
            return Err(IamApiError::DeleteConflictException(
                "Cannot delete entity, must delete access keys first.".to_owned(),
            ));
        }
        policies_conflict(d, &user.policies)?;
        // A member of a group is refused too, in IAM's words (mozilla-services/userplex#17:
        // DeleteUser of a group member).
        if !user.groups.is_empty() {
            return Err(IamApiError::DeleteConflictException(
                "Cannot delete entity, must remove users from group first.".to_owned(),
            ));
        }
        let arn = user.arn.clone();
        d.users.remove(name);
        forget(d, &arn);
        Ok(())
    })
}

// ---- access keys ---------------------------------------------------------------

fn status_of(directory: &Directory, id: &str) -> &'static str {
    if directory.inactive_keys.contains(id) {
        "Inactive"
    } else {
        "Active"
    }
}

fn create_access_key(
    iam: &Iam,
    ctx: &RequestContext,
    input: CreateAccessKeyRequest,
) -> Result<CreateAccessKeyResponse> {
    let name = target_user(ctx, &input.user_name)?;
    let (_, arn) = named_user(iam, &name);
    authorize(iam, ctx, "iam:CreateAccessKey", &arn)?;
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
    iam.update_directory(|d| {
        if !d.users.contains_key(&name) {
            return Err(no_such_user(&name));
        }
        let owner = KeyOwner::User(name.clone());
        if d.keys.values().filter(|k| k.owner == owner).count() >= KEYS_PER_USER {
            return Err(IamApiError::LimitExceededException(format!(
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
    Ok(CreateAccessKeyResponse {
        access_key: Some(model::AccessKey {
            user_name: Some(name),
            access_key_id: Some(id),
            status: Some("Active".to_owned()),
            secret_access_key: Some(secret),
            create_date: Some(created),
        }),
    })
}

fn list_access_keys(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListAccessKeysRequest,
) -> Result<ListAccessKeysResponse> {
    let name = target_user(ctx, &input.user_name)?;
    let (user, arn) = named_user(iam, &name);
    authorize(iam, ctx, "iam:ListAccessKeys", &arn)?;
    user.ok_or_else(|| no_such_user(&name))?;
    let directory = iam.directory();
    let owner = KeyOwner::User(name.clone());
    let mut keys: Vec<model::AccessKeyMetadata> = directory
        .keys
        .values()
        .filter(|k| k.owner == owner)
        .map(|k| model::AccessKeyMetadata {
            user_name: Some(name.clone()),
            access_key_id: Some(k.id.clone()),
            status: Some(status_of(&directory, &k.id).to_owned()),
            create_date: Some(created(&directory, &k.id)),
        })
        .collect();
    keys.sort_by(|a, b| a.access_key_id.cmp(&b.access_key_id));
    let page = Page::of(
        &Paging::of(None, input.marker, input.max_items),
        keys,
        |k| k.access_key_id.clone().unwrap_or_default(),
    );
    Ok(paged!(ListAccessKeysResponse, access_key_metadata, page))
}

/// The key `AccessKeyId` names, which must belong to the user.
fn check_key(d: &Directory, name: &str, id: &str) -> Result<()> {
    if !d.users.contains_key(name) {
        return Err(no_such_user(name));
    }
    match d.keys.get(id) {
        Some(key) if key.owner == KeyOwner::User(name.to_owned()) => Ok(()),
        _ => Err(IamApiError::NoSuchEntityException(format!(
            "The Access Key with id {id} cannot be found."
        ))),
    }
}

fn update_access_key(iam: &Iam, ctx: &RequestContext, input: UpdateAccessKeyRequest) -> Result<()> {
    let name = target_user(ctx, &input.user_name)?;
    let id = req(&input.access_key_id).to_owned();
    // The model's statusType: Active, Inactive or Expired; only an active key signs.
    let active = req(&input.status) == "Active";
    let (_, arn) = named_user(iam, &name);
    authorize(iam, ctx, "iam:UpdateAccessKey", &arn)?;
    iam.update_directory(|d| {
        check_key(d, &name, &id)?;
        if active {
            d.inactive_keys.remove(&id);
        } else {
            d.inactive_keys.insert(id.clone());
        }
        Ok(())
    })
}

fn delete_access_key(iam: &Iam, ctx: &RequestContext, input: DeleteAccessKeyRequest) -> Result<()> {
    let name = target_user(ctx, &input.user_name)?;
    let id = req(&input.access_key_id).to_owned();
    let (_, arn) = named_user(iam, &name);
    authorize(iam, ctx, "iam:DeleteAccessKey", &arn)?;
    iam.update_directory(|d| {
        check_key(d, &name, &id)?;
        d.keys.remove(&id);
        d.deleted_keys.insert(id.clone());
        d.inactive_keys.remove(&id);
        d.created.remove(&id);
        Ok(())
    })
}

// ---- roles ---------------------------------------------------------------------

fn role_arn(iam: &Iam, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:role{path}{name}", iam.account)
}

fn no_such_role(name: &str) -> IamApiError {
    IamApiError::NoSuchEntityException(format!("The role with name {name} cannot be found."))
}

fn named_role(iam: &Iam, name: &str) -> (Option<Role>, String) {
    match iam.directory().roles.get(name) {
        Some(role) => (Some(role.clone()), role.arn.clone()),
        None => (None, role_arn(iam, "/", name)),
    }
}

/// A trust policy checked as IAM checks one when it is written: every statement names
/// a principal and none a resource ("Missing required field Principal", "Has
/// prohibited field Resource": IAM's MalformedPolicyDocument messages), within the
/// size quota.
fn trust_document(text: &str) -> Result<PolicyDocument> {
    let document = parse_document(text)?;
    if principals::policy_text_size(text) > TRUST_POLICY_LIMIT {
        return Err(IamApiError::LimitExceededException(format!(
            "Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_LIMIT}"
        )));
    }
    if !document.every_statement_names_a_principal() {
        return Err(IamApiError::MalformedPolicyDocumentException(
            "Missing required field Principal".to_owned(),
        ));
    }
    if document.any_statement_names_a_resource() {
        return Err(IamApiError::MalformedPolicyDocumentException(
            "Has prohibited field Resource".to_owned(),
        ));
    }
    Ok(document)
}

/// The `MaxSessionDuration` member of CreateRole and UpdateRole, in seconds. Its range,
/// 3,600 to 43,200 (IAM API Reference, "CreateRole"; the model's
/// `roleMaxSessionDurationType`), is checked with the rest of the model by `check`, which
/// words a violation as the model's other ranges ("Member must have value greater than
/// or equal to 3600"). No record of IAM's own answer to an out-of-range value was found
/// (moto does not check the range; LocalStack's tests recorded against AWS do not send
/// one; no issue thread quotes one), so the model's constraint is the source.
fn session_seconds(member: Option<i32>) -> Option<u32> {
    member.and_then(|m| u32::try_from(m).ok())
}

fn create_role(
    iam: &Iam,
    ctx: &RequestContext,
    input: CreateRoleRequest,
) -> Result<CreateRoleResponse> {
    // One hour when not sent (IAM API Reference, "CreateRole").
    let max = session_seconds(input.max_session_duration).unwrap_or(3600);
    let name = req(&input.role_name);
    let path = path_or_root(&input.path);
    let tags = tag_map(&input.tags);
    let text = req(&input.assume_role_policy_document);
    let trust = trust_document(text)?;
    let boundary = input.permissions_boundary.as_deref();
    let arn = role_arn(iam, &path, name);
    authorize_keys(
        iam,
        ctx,
        "iam:CreateRole",
        &arn,
        creation_keys(boundary, &tags),
    )?;
    let directory = iam.update_directory(|d| {
        if d.roles.keys().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(IamApiError::EntityAlreadyExistsException(format!(
                "Role with name {name} already exists."
            )));
        }
        let boundary = boundary_member(d, boundary)?;
        d.created.insert(arn.clone(), now());
        d.documents
            .insert((arn.clone(), principals::TRUST.to_owned()), text.to_owned());
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
                description: input.description.clone(),
            },
        );
        Ok(d.clone())
    })?;
    Ok(CreateRoleResponse {
        role: Some(role_view(&directory, &directory.roles[name])),
    })
}

fn get_role(iam: &Iam, ctx: &RequestContext, input: GetRoleRequest) -> Result<GetRoleResponse> {
    let name = req(&input.role_name);
    let (role, arn) = named_role(iam, name);
    authorize(iam, ctx, "iam:GetRole", &arn)?;
    let role = role.ok_or_else(|| no_such_role(name))?;
    Ok(GetRoleResponse {
        role: Some(role_view(&iam.directory(), &role)),
    })
}

fn list_roles(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListRolesRequest,
) -> Result<ListRolesResponse> {
    // ListRoles names no resource type (Service Authorization Reference).
    authorize(iam, ctx, "iam:ListRoles", "*")?;
    let paging = Paging::of(input.path_prefix, input.marker, input.max_items);
    let directory = iam.directory();
    let roles = by_path(&paging, "role", directory.roles.values(), |r| {
        (&r.arn, &r.name)
    });
    let page = Page::of(
        &paging,
        roles.iter().map(|r| role_view(&directory, r)).collect(),
        |r| r.role_name.clone().unwrap_or_default(),
    );
    Ok(paged!(ListRolesResponse, roles, page))
}

fn delete_role(iam: &Iam, ctx: &RequestContext, input: DeleteRoleRequest) -> Result<()> {
    let name = req(&input.role_name);
    let (_, arn) = named_role(iam, name);
    authorize(iam, ctx, "iam:DeleteRole", &arn)?;
    iam.update_directory(|d| {
        let role = d.roles.get(name).ok_or_else(|| no_such_role(name))?;
        // IAM API Reference, "DeleteRole": the role must first be removed from its
        // instance profiles, its managed policies detached and its inline policies
        // deleted (DeleteConflict, in that order and IAM's words as getmoto/moto's iam
        // models give them).
        if d.instance_profiles
            .values()
            .any(|p| p.roles.iter().any(|r| r == name))
        {
            return Err(IamApiError::DeleteConflictException(
                "Cannot delete entity, must remove roles from instance profile first.".to_owned(),
            ));
        }
        policies_conflict(d, &role.policies)?;
        let arn = role.arn.clone();
        d.roles.remove(name);
        forget(d, &arn);
        Ok(())
    })
}

/// UpdateRole: the role's description and longest session, each when sent.
fn update_role(
    iam: &Iam,
    ctx: &RequestContext,
    input: UpdateRoleRequest,
) -> Result<UpdateRoleResponse> {
    let max = session_seconds(input.max_session_duration);
    let name = req(&input.role_name);
    let description = input.description.clone();
    let (_, arn) = named_role(iam, name);
    authorize(iam, ctx, "iam:UpdateRole", &arn)?;
    iam.update_directory(|d| -> Result<()> {
        let role = d.roles.get_mut(name).ok_or_else(|| no_such_role(name))?;
        if description.is_some() {
            role.description = description;
        }
        if let Some(max) = max {
            role.max_session_duration = max;
        }
        Ok(())
    })?;
    Ok(UpdateRoleResponse {})
}

/// UpdateRoleDescription: the description, answered with the role.
fn update_role_description(
    iam: &Iam,
    ctx: &RequestContext,
    input: UpdateRoleDescriptionRequest,
) -> Result<UpdateRoleDescriptionResponse> {
    let name = req(&input.role_name);
    let description = input.description.clone();
    let (_, arn) = named_role(iam, name);
    authorize(iam, ctx, "iam:UpdateRoleDescription", &arn)?;
    let directory = iam.update_directory(|d| -> Result<Directory> {
        let role = d.roles.get_mut(name).ok_or_else(|| no_such_role(name))?;
        role.description = description;
        Ok(d.clone())
    })?;
    Ok(UpdateRoleDescriptionResponse {
        role: Some(role_view(&directory, &directory.roles[name])),
    })
}

fn update_assume_role_policy(
    iam: &Iam,
    ctx: &RequestContext,
    input: UpdateAssumeRolePolicyRequest,
) -> Result<()> {
    let name = req(&input.role_name);
    let text = req(&input.policy_document);
    let trust = trust_document(text)?;
    let (_, arn) = named_role(iam, name);
    authorize(iam, ctx, "iam:UpdateAssumeRolePolicy", &arn)?;
    iam.update_directory(|d| {
        let role = d.roles.get_mut(name).ok_or_else(|| no_such_role(name))?;
        role.trust_policy = Arc::new(trust);
        let arn = role.arn.clone();
        d.documents
            .insert((arn, principals::TRUST.to_owned()), text.to_owned());
        Ok(())
    })
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

    fn arn(self, iam: &Iam, name: &str) -> String {
        match self {
            Owner::User => named_user(iam, name).1,
            Owner::Role => named_role(iam, name).1,
            Owner::Group => groups::named_group(iam, name).1,
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
        IamApiError::NoSuchEntityException(format!(
            "The {} policy with name {policy} cannot be found.",
            self.kind()
        ))
    }
}

fn put_policy(
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    policy: &str,
    text: &str,
) -> Result<()> {
    let document = parse_document(text)?;
    document
        .check_identity_policy()
        .map_err(|e| IamApiError::MalformedPolicyDocumentException(e.to_string()))?;
    let arn = owner.arn(iam, name);
    authorize(iam, ctx, &owner.action("Put"), &arn)?;
    iam.update_directory(|d| {
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
        if others + principals::policy_text_size(text) > owner.limit() {
            return Err(IamApiError::LimitExceededException(format!(
                "Maximum policy size of {} bytes exceeded for {} {name}",
                owner.limit(),
                owner.kind()
            )));
        }
        d.documents
            .insert((arn, principals::inline_key(policy)), text.to_owned());
        let (_, policies) = owner.policies_mut(d, name)?;
        policies.retain(|p| p.name != policy || principals::is_managed(&managed, p));
        policies.push(Named {
            name: policy.to_owned(),
            document: Arc::new(document),
        });
        Ok(())
    })
}

/// Get{User,Role,Group}Policy: the owner's name, the policy's name and its document
/// (URL-encoded, as IAM answers it).
fn get_policy(
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    policy: &str,
) -> Result<(Option<String>, Option<String>, Option<String>)> {
    let arn = owner.arn(iam, name);
    authorize(iam, ctx, &owner.action("Get"), &arn)?;
    let directory = iam.directory();
    owner.policies(&directory, name)?;
    let text = directory
        .documents
        .get(&(arn, principals::inline_key(policy)))
        .ok_or_else(|| owner.no_such_policy(policy))?;
    Ok((
        Some(name.to_owned()),
        Some(policy.to_owned()),
        Some(query::url_encode_document(text)),
    ))
}

fn delete_policy(
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    policy: &str,
) -> Result<()> {
    let arn = owner.arn(iam, name);
    authorize(iam, ctx, &owner.action("Delete"), &arn)?;
    iam.update_directory(|d| {
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
    })
}

/// List{User,Role,Group}Policies: one page of the owner's inline policies' names.
fn list_policies(
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    paging: &Paging,
) -> Result<Page<String>> {
    let arn = owner.arn(iam, name);
    authorize(iam, ctx, &owner.action("List"), &arn)?;
    let directory = iam.directory();
    let policies = owner.policies(&directory, name)?;
    let mut names: Vec<String> = policies
        .iter()
        .filter(|p| !principals::is_managed(&directory.managed, p))
        .map(|p| p.name.clone())
        .collect();
    names.sort();
    Ok(Page::of(paging, names, String::clone))
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
        let params = |marker: Option<&str>, max: Option<i32>| {
            Paging::of(None, marker.map(str::to_owned), max)
        };
        let key = |n: &u32| format!("{n:03}");
        let all = || vec![1, 2, 3, 4, 5];
        let page = Page::of(&params(None, Some(2)), all(), key);
        assert_eq!((page.items, page.is_truncated), (vec![1, 2], true));
        let marker = page.marker.unwrap();
        let next = Page::of(&params(Some(&marker), Some(2)), all(), key);
        assert_eq!(next.items, vec![3, 4]);
        // An item created before the marker, or the marked one deleted, changes
        // nothing after it.
        let changed = vec![1, 2, 3, 4, 5, 6]
            .into_iter()
            .filter(|n| *n != 3)
            .collect();
        let resumed = Page::of(&params(Some(&marker), Some(2)), changed, key);
        assert_eq!(resumed.items, vec![4, 5]);
        let last = Page::of(&params(Some("005"), Some(2)), all(), key);
        assert_eq!(
            (last.items, last.is_truncated, last.marker),
            (vec![5], false, None)
        );
        // MaxItems 0 is the model's to refuse (maxItemsType: 1 to 1000).
        let zero = model::ListUsersRequest {
            max_items: Some(0),
            ..Default::default()
        };
        assert!(check(&zero).is_err());
        assert!(Page::of(&params(Some("999"), None), all(), key)
            .items
            .is_empty());
        assert_eq!(
            Page::of(&params(None, None), (0..150).collect(), key)
                .items
                .len(),
            100
        );
    }

    /// A member that breaks the model is refused as IAM refuses it: `ValidationError`,
    /// 400, in the words of the recorded answer (NixOS/nixops#328: CreateRole with a
    /// 66-character name, "1 validation error detected: Value '...' at 'roleName'
    /// failed to satisfy constraint: Member must have length less than or equal to 64").
    #[test]
    fn model_violations_are_worded_as_iam_answers_them() {
        use crate::protocol::AwsError;
        let name = "charon-31f85414-3f74-11e5-b275-f23c91ae92d9-DynamoReadOnlyPermission";
        let form = QueryRequest::from_pairs(vec![
            ("Action".to_owned(), "CreateRole".to_owned()),
            ("RoleName".to_owned(), name.to_owned()),
            (
                "AssumeRolePolicyDocument".to_owned(),
                r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned(),
            ),
        ]);
        let input = model::CreateRoleRequest::decode(&form).unwrap();
        let err = check(&input).unwrap_err();
        assert_eq!(
            (err.code(), err.status().as_u16()),
            ("ValidationError", 400)
        );
        assert_eq!(
            err.message(),
            format!("1 validation error detected: Value '{name}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64")
        );
        // A required member not sent, and a list member's element, by their model names.
        let input = model::TagUserRequest {
            user_name: Some("u".to_owned()),
            tags: Some(vec![Tag {
                key: Some(String::new()),
                value: Some("v".to_owned()),
            }]),
        };
        let message = check(&input).unwrap_err().message();
        assert!(message.contains("at 'tags.1.member.key'"), "{message}");
        let message = check(&model::GetRoleRequest::default())
            .unwrap_err()
            .message();
        assert_eq!(message, "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null");
    }

    #[test]
    fn paths_come_from_arns() {
        assert_eq!(path_of("arn:aws:iam::1:user/a", "user"), "/");
        assert_eq!(path_of("arn:aws:iam::1:role/x/y/r", "role"), "/x/y/");
    }
}
