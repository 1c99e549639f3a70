//! GetAccountAuthorizationDetails: every user, group and role with its policies, and the
//! managed policies in use with their versions, in one (paged) answer; each document
//! URL-encoded as IAM returns it (IAM API Reference, "GetAccountAuthorizationDetails").

use super::managed::{attached_views, policy_view, version_view};
use super::{authorize, boundary_view, created, path_of, tag_views, Page, Paging, Result};
use crate::context::RequestContext;
use crate::generated::iam::{
    GetAccountAuthorizationDetailsRequest, GetAccountAuthorizationDetailsResponse, GroupDetail,
    ManagedPolicyDetail, PolicyDetail, RoleDetail, UserDetail,
};
use crate::iam::principals::{self, Directory, Named};
use crate::iam::Iam;
use crate::protocol::query;

/// The inline policies among an owner's, with their text.
fn inline_views(d: &Directory, owner_arn: &str, policies: &[Named]) -> Vec<PolicyDetail> {
    let mut views: Vec<PolicyDetail> = policies
        .iter()
        .filter(|p| !principals::is_managed(&d.managed, p))
        .filter_map(|p| {
            d.documents
                .get(&(owner_arn.to_owned(), principals::inline_key(&p.name)))
                .map(|text| PolicyDetail {
                    policy_name: Some(p.name.clone()),
                    policy_document: Some(query::url_encode_document(text)),
                })
        })
        .collect();
    views.sort_by(|a, b| a.policy_name.cmp(&b.policy_name));
    views
}

enum Entry {
    User(UserDetail),
    Group(GroupDetail),
    Role(RoleDetail),
    Policy(ManagedPolicyDetail),
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

fn policy_detail(d: &Directory, arn: &str, policy: &Named) -> ManagedPolicyDetail {
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
    let view = policy_view(d, arn, policy);
    ManagedPolicyDetail {
        policy_name: view.policy_name,
        policy_id: view.policy_id,
        arn: view.arn,
        path: view.path,
        default_version_id: view.default_version_id,
        attachment_count: view.attachment_count,
        permissions_boundary_usage_count: Some(
            i32::try_from(boundary_uses(d, policy)).unwrap_or(i32::MAX),
        ),
        is_attachable: view.is_attachable,
        description: view.description,
        create_date: view.create_date,
        update_date: view.update_date,
        policy_version_list: Some(versions),
    }
}

pub(super) fn get_account_authorization_details(
    iam: &Iam,
    ctx: &RequestContext,
    input: GetAccountAuthorizationDetailsRequest,
) -> Result<GetAccountAuthorizationDetailsResponse> {
    // Each filter's value is the model's (EntityType).
    let filters = input.filter.unwrap_or_default();
    let wants = |kind: &str| filters.is_empty() || filters.iter().any(|f| f == kind);
    // The action names no resource type (Service Authorization Reference).
    authorize(iam, ctx, "iam:GetAccountAuthorizationDetails", "*")?;
    let d = iam.directory();
    let mut entries: Vec<Entry> = Vec::new();
    if wants("User") {
        let mut users: Vec<_> = d.users.values().collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        entries.extend(users.into_iter().map(|u| {
            Entry::User(UserDetail {
                path: Some(path_of(&u.arn, "user")),
                user_name: Some(u.name.clone()),
                user_id: Some(u.id.clone()),
                arn: Some(u.arn.clone()),
                create_date: Some(created(&d, &u.arn)),
                user_policy_list: Some(inline_views(&d, &u.arn, &u.policies)),
                group_list: Some(u.groups.clone()),
                attached_managed_policies: Some(attached_views(&d, &u.policies)),
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
                path: Some(path_of(&g.arn, "group")),
                group_name: Some(g.name.clone()),
                group_id: Some(g.id.clone()),
                arn: Some(g.arn.clone()),
                create_date: Some(created(&d, &g.arn)),
                group_policy_list: Some(inline_views(&d, &g.arn, &g.policies)),
                attached_managed_policies: Some(attached_views(&d, &g.policies)),
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
                path: Some(path_of(&r.arn, "role")),
                role_name: Some(r.name.clone()),
                role_id: Some(r.id.clone()),
                arn: Some(r.arn.clone()),
                create_date: Some(created(&d, &r.arn)),
                assume_role_policy_document: d
                    .documents
                    .get(&(r.arn.clone(), principals::TRUST.to_owned()))
                    .map(|t| query::url_encode_document(t)),
                instance_profile_list: Some(
                    profiles
                        .into_iter()
                        .map(|p| super::profiles::profile_view(&d, p, false))
                        .collect(),
                ),
                role_policy_list: Some(inline_views(&d, &r.arn, &r.policies)),
                attached_managed_policies: Some(attached_views(&d, &r.policies)),
                permissions_boundary: boundary_view(&d, &r.boundary),
                tags: tag_views(&r.tags),
                ..Default::default()
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
    let key = |name: &Option<String>| name.clone().unwrap_or_default();
    let paging = Paging::of(None, input.marker, input.max_items);
    let page = Page::of(&paging, entries, |entry| match entry {
        Entry::User(u) => format!("1{}", key(&u.user_name)),
        Entry::Group(g) => format!("2{}", key(&g.group_name)),
        Entry::Role(r) => format!("3{}", key(&r.role_name)),
        Entry::Policy(p) => format!("4{}", key(&p.arn)),
    });
    let (mut users, mut groups, mut roles, mut policies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for entry in page.items {
        match entry {
            Entry::User(u) => users.push(u),
            Entry::Group(g) => groups.push(g),
            Entry::Role(r) => roles.push(r),
            Entry::Policy(p) => policies.push(p),
        }
    }
    Ok(GetAccountAuthorizationDetailsResponse {
        user_detail_list: Some(users),
        group_detail_list: Some(groups),
        role_detail_list: Some(roles),
        policies: Some(policies),
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}
