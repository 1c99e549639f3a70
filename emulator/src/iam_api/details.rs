//! GetAccountAuthorizationDetails: every user, group and role with its policies, and the
//! managed policies in use with their versions, in one (paged) answer; each document
//! URL-encoded as IAM returns it (IAM API Reference, "GetAccountAuthorizationDetails").

use super::managed::{attached_views, policy_view, version_view, AttachedView, PolicyView};
use super::{
    authorize, boundary_view, created, path_of, tag_views, validation, BoundaryView, Page, Params,
    Result, TagView,
};
use crate::context::RequestContext;
use crate::iam::principals::{self, Directory, Named};
use crate::protocol::query::{self, Output};
use crate::state::EmulatorState;
use serde::Serialize;

const FILTERS: [&str; 5] = [
    "User",
    "Role",
    "Group",
    "LocalManagedPolicy",
    "AWSManagedPolicy",
];

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InlineView {
    policy_name: String,
    policy_document: String,
}

/// The inline policies among an owner's, with their text.
fn inline_views(d: &Directory, owner_arn: &str, policies: &[Named]) -> Vec<InlineView> {
    let mut views: Vec<InlineView> = policies
        .iter()
        .filter(|p| !principals::is_managed(&d.managed, p))
        .filter_map(|p| {
            d.documents
                .get(&(owner_arn.to_owned(), principals::inline_key(&p.name)))
                .map(|text| InlineView {
                    policy_name: p.name.clone(),
                    policy_document: query::url_encode_document(text),
                })
        })
        .collect();
    views.sort_by(|a, b| a.policy_name.cmp(&b.policy_name));
    views
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserDetail {
    path: String,
    user_name: String,
    user_id: String,
    arn: String,
    create_date: String,
    user_policy_list: Vec<InlineView>,
    group_list: Vec<String>,
    attached_managed_policies: Vec<AttachedView>,
    permissions_boundary: Option<BoundaryView>,
    tags: Option<Vec<TagView>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupDetail {
    path: String,
    group_name: String,
    group_id: String,
    arn: String,
    create_date: String,
    group_policy_list: Vec<InlineView>,
    attached_managed_policies: Vec<AttachedView>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail {
    path: String,
    role_name: String,
    role_id: String,
    arn: String,
    create_date: String,
    assume_role_policy_document: Option<String>,
    instance_profile_list: Vec<super::profiles::ProfileView>,
    role_policy_list: Vec<InlineView>,
    attached_managed_policies: Vec<AttachedView>,
    permissions_boundary: Option<BoundaryView>,
    tags: Option<Vec<TagView>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDetail {
    #[serde(flatten)]
    policy: PolicyView,
    permissions_boundary_usage_count: usize,
    policy_version_list: Vec<super::managed::VersionView>,
}

enum Entry {
    User(UserDetail),
    Group(GroupDetail),
    Role(RoleDetail),
    Policy(PolicyDetail),
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DetailsResult {
    user_detail_list: Vec<UserDetail>,
    group_detail_list: Vec<GroupDetail>,
    role_detail_list: Vec<RoleDetail>,
    policies: Vec<PolicyDetail>,
    is_truncated: bool,
    marker: Option<String>,
}

/// How many users and roles have the policy as their permissions boundary.
fn boundary_uses(d: &Directory, policy: &Named) -> usize {
    let uses = |b: &Option<Named>| {
        b.as_ref()
            .is_some_and(|b| std::sync::Arc::ptr_eq(&b.document, &policy.document))
    };
    d.users.values().filter(|u| uses(&u.boundary)).count()
        + d.roles.values().filter(|r| uses(&r.boundary)).count()
}

fn policy_detail(d: &Directory, arn: &str, policy: &Named) -> PolicyDetail {
    let versions = match d.policy_versions.get(arn) {
        Some(versions) => versions
            .versions
            .iter()
            .rev()
            .map(|v| version_view(versions, v, true))
            .collect(),
        None => super::managed::built_in_version(d, arn)
            .into_iter()
            .collect(),
    };
    PolicyDetail {
        policy: policy_view(d, arn, policy),
        permissions_boundary_usage_count: boundary_uses(d, policy),
        policy_version_list: versions,
    }
}

pub(super) fn get_account_authorization_details(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let mut filters: Vec<&str> = Vec::new();
    for (index, filter) in params.list("Filter", "") {
        if !FILTERS.contains(&filter) {
            return Err(validation(
                &format!("filter.{index}.member"),
                filter,
                "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]",
            ));
        }
        filters.push(filter);
    }
    let wants = |kind: &str| filters.is_empty() || filters.contains(&kind);
    // The action names no resource type (Service Authorization Reference).
    authorize(state, ctx, "iam:GetAccountAuthorizationDetails", "*")?;
    let d = state.iam.directory();
    let mut entries: Vec<Entry> = Vec::new();
    if wants("User") {
        let mut users: Vec<_> = d.users.values().collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        entries.extend(users.into_iter().map(|u| {
            Entry::User(UserDetail {
                path: path_of(&u.arn, "user"),
                user_name: u.name.clone(),
                user_id: u.id.clone(),
                arn: u.arn.clone(),
                create_date: created(&d, &u.arn),
                user_policy_list: inline_views(&d, &u.arn, &u.policies),
                group_list: u.groups.clone(),
                attached_managed_policies: attached_views(&d, &u.policies),
                permissions_boundary: boundary_view(&d, &u.boundary),
                tags: tag_views(&u.tags),
            })
        }));
    }
    if wants("Group") {
        let mut groups: Vec<_> = d.groups.values().collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        entries.extend(groups.into_iter().map(|g| {
            Entry::Group(GroupDetail {
                path: path_of(&g.arn, "group"),
                group_name: g.name.clone(),
                group_id: g.id.clone(),
                arn: g.arn.clone(),
                create_date: created(&d, &g.arn),
                group_policy_list: inline_views(&d, &g.arn, &g.policies),
                attached_managed_policies: attached_views(&d, &g.policies),
            })
        }));
    }
    if wants("Role") {
        let mut roles: Vec<_> = d.roles.values().collect();
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        entries.extend(roles.into_iter().map(|r| {
            let mut profiles: Vec<_> = d
                .instance_profiles
                .values()
                .filter(|p| p.roles.contains(&r.name))
                .collect();
            profiles.sort_by(|a, b| a.name.cmp(&b.name));
            Entry::Role(RoleDetail {
                path: path_of(&r.arn, "role"),
                role_name: r.name.clone(),
                role_id: r.id.clone(),
                arn: r.arn.clone(),
                create_date: created(&d, &r.arn),
                assume_role_policy_document: d
                    .documents
                    .get(&(r.arn.clone(), principals::TRUST.to_owned()))
                    .map(|t| query::url_encode_document(t)),
                instance_profile_list: profiles
                    .into_iter()
                    .map(|p| super::profiles::profile_view(&d, p))
                    .collect(),
                role_policy_list: inline_views(&d, &r.arn, &r.policies),
                attached_managed_policies: attached_views(&d, &r.policies),
                permissions_boundary: boundary_view(&d, &r.boundary),
                tags: tag_views(&r.tags),
            })
        }));
    }
    let (local, aws) = (wants("LocalManagedPolicy"), wants("AWSManagedPolicy"));
    let mut policies: Vec<(&String, &Named)> = d
        .managed
        .iter()
        .filter(|(arn, policy)| {
            if arn.starts_with("arn:aws:iam::aws:") {
                // AWS's managed policies are listed only while in use (attached or a
                // boundary): the details are of the account's authorisation
                // (joshlarsen/aws-recon#21: "in-use" policies come from this call, the
                // others from ListPolicies).
                aws && (super::managed::attachments(&d, policy) > 0
                    || boundary_uses(&d, policy) > 0)
            } else {
                local
            }
        })
        .collect();
    policies.sort_by(|a, b| a.0.cmp(b.0));
    entries.extend(
        policies
            .into_iter()
            .map(|(arn, policy)| Entry::Policy(policy_detail(&d, arn, policy))),
    );
    // Users, groups, roles, then policies, each in the order of its name or ARN.
    let page = Page::of(params, entries, |entry| match entry {
        Entry::User(u) => format!("1{}", u.user_name),
        Entry::Group(g) => format!("2{}", g.group_name),
        Entry::Role(r) => format!("3{}", r.role_name),
        Entry::Policy(p) => format!("4{}", p.policy.arn),
    })?;
    let mut result = DetailsResult {
        user_detail_list: Vec::new(),
        group_detail_list: Vec::new(),
        role_detail_list: Vec::new(),
        policies: Vec::new(),
        is_truncated: page.is_truncated,
        marker: page.marker,
    };
    for entry in page.items {
        match entry {
            Entry::User(u) => result.user_detail_list.push(u),
            Entry::Group(g) => result.group_detail_list.push(g),
            Entry::Role(r) => result.role_detail_list.push(r),
            Entry::Policy(p) => result.policies.push(p),
        }
    }
    Ok(Output::of(&result))
}
