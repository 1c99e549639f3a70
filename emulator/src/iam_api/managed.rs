//! Customer managed policies over the IAM API with their versions (the default one is
//! the one evaluated) and the attachment of managed policies, the account's and AWS's,
//! to users, roles and groups.

use super::{authorize, parse_document, req, IamApiError, Owner, Page, Paging, Result};
use crate::context::RequestContext;
use crate::generated::iam::{
    self as model, AttachedPolicy, CreatePolicyRequest, CreatePolicyResponse,
    CreatePolicyVersionRequest, CreatePolicyVersionResponse, DeletePolicyRequest,
    DeletePolicyVersionRequest, GetPolicyRequest, GetPolicyResponse, GetPolicyVersionRequest,
    GetPolicyVersionResponse, ListEntitiesForPolicyRequest, ListEntitiesForPolicyResponse,
    ListPoliciesRequest, ListPoliciesResponse, ListPolicyVersionsRequest,
    ListPolicyVersionsResponse, PolicyGroup, PolicyRole, PolicyUser,
    SetDefaultPolicyVersionRequest,
};
use crate::iam::principals::{self, Directory, Named, PolicyVersion, PolicyVersions};
use crate::iam::Iam;
use crate::protocol::query;
use std::sync::Arc;

/// A managed policy's size (IAM User Guide, "IAM and AWS STS quotas": managed policy
/// size cannot exceed 6,144 characters, white space not counted).
const MANAGED_POLICY_LIMIT: usize = 6144;
/// Managed policies attached to one user or role (IAM User Guide, "IAM and AWS STS
/// quotas": 10 by default).
const ATTACHED_LIMIT: usize = 10;
/// Versions of one managed policy (IAM User Guide, "Versioning IAM policies": "A
/// managed policy can have up to five versions").
const VERSIONS_LIMIT: usize = 5;

fn version_id(number: u32) -> String {
    format!("v{number}")
}

/// The number a `VersionId` names (`v3`: 3; its form, the model's pattern
/// `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, is checked with the input). A version with a
/// suffix (`v2.beta`) is valid but never created here: it names none.
fn version_number(text: &str) -> Option<u32> {
    text.strip_prefix('v')?.parse().ok()
}

fn no_such_version(arn: &str, version: &str) -> IamApiError {
    IamApiError::NoSuchEntityException(format!(
        "Policy {arn} version {version} does not exist or is not attachable."
    ))
}

/// The ARN of a customer managed policy of this account created over the API.
fn local_versions<'a>(d: &'a Directory, arn: &str) -> Result<&'a PolicyVersions> {
    d.policy_versions
        .get(arn)
        .ok_or_else(|| no_such_policy(arn))
}

/// Makes version `number` of the policy the default: its document replaces the old
/// one wherever the policy is attached or is a permissions boundary, so the next
/// decision evaluates it.
pub(super) fn set_default(d: &mut Directory, arn: &str, number: u32) -> Result<()> {
    let versions = d
        .policy_versions
        .get_mut(arn)
        .ok_or_else(|| no_such_policy(arn))?;
    let document = versions
        .versions
        .iter()
        .find(|v| v.number == number)
        .map(|v| Arc::clone(&v.document))
        .ok_or_else(|| no_such_version(arn, &version_id(number)))?;
    versions.default = number;
    let Some(policy) = d.managed.get_mut(arn) else {
        return Err(no_such_policy(arn));
    };
    let old = std::mem::replace(&mut policy.document, Arc::clone(&document));
    let swap = |p: &mut Named| {
        if Arc::ptr_eq(&p.document, &old) {
            p.document = Arc::clone(&document);
        }
    };
    for user in d.users.values_mut() {
        user.policies.iter_mut().for_each(swap);
        user.boundary.iter_mut().for_each(swap);
    }
    for role in d.roles.values_mut() {
        role.policies.iter_mut().for_each(swap);
        role.boundary.iter_mut().for_each(swap);
    }
    for group in d.groups.values_mut() {
        group.policies.iter_mut().for_each(swap);
    }
    Ok(())
}

pub(super) fn no_such_policy(arn: &str) -> IamApiError {
    IamApiError::NoSuchEntityException(format!("Policy {arn} does not exist or is not attachable."))
}

/// A policy as CreatePolicy and GetPolicy answer it: with its tags (IAM's listings
/// leave tags out: IAM API Reference, "ListPolicies": "tags ... are not included").
fn with_tags(mut view: model::Policy, d: &Directory) -> model::Policy {
    view.tags = view
        .arn
        .as_ref()
        .and_then(|arn| d.policy_tags.get(arn))
        .and_then(super::tag_views);
    view
}

pub(super) fn attachments(d: &Directory, policy: &Named) -> usize {
    let attached = |p: &Named| Arc::ptr_eq(&p.document, &policy.document);
    d.users
        .values()
        .filter(|u| u.policies.iter().any(attached))
        .count()
        + d.roles
            .values()
            .filter(|r| r.policies.iter().any(attached))
            .count()
        + d.groups
            .values()
            .filter(|g| g.policies.iter().any(attached))
            .count()
}

pub(super) fn policy_view(d: &Directory, arn: &str, policy: &Named) -> model::Policy {
    let created = d
        .created
        .get(arn)
        .copied()
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    // "When a policy has more than one version, this field contains the date and time
    // when the most recent policy version was created" (IAM API Reference, "Policy",
    // UpdateDate).
    let updated = d
        .policy_versions
        .get(arn)
        .and_then(|v| v.versions.iter().map(|v| v.created).max())
        .unwrap_or(created);
    let path = arn
        .split_once(":policy/")
        .and_then(|(_, rest)| rest.rfind('/').map(|i| format!("/{}", &rest[..=i])))
        .unwrap_or_else(|| "/".to_owned());
    model::Policy {
        policy_name: Some(policy.name.clone()),
        policy_id: Some(principals::unique_id("ANPA", arn)),
        arn: Some(arn.to_owned()),
        path: Some(path),
        default_version_id: Some(version_id(
            d.policy_versions.get(arn).map_or(1, |v| v.default),
        )),
        description: d
            .policy_versions
            .get(arn)
            .and_then(|v| v.description.clone()),
        attachment_count: Some(i32::try_from(attachments(d, policy)).unwrap_or(i32::MAX)),
        is_attachable: Some(true),
        update_date: Some(updated),
        create_date: Some(created),
        ..Default::default()
    }
}

pub(super) fn create_policy(
    iam: &Iam,
    ctx: &RequestContext,
    input: CreatePolicyRequest,
) -> Result<CreatePolicyResponse> {
    let name = req(&input.policy_name);
    let path = super::path_or_root(&input.path);
    let text = req(&input.policy_document).to_owned();
    let document = parse_document(&text)?;
    document
        .check_identity_policy()
        .map_err(|e| IamApiError::MalformedPolicyDocumentException(e.to_string()))?;
    if principals::policy_text_size(&text) > MANAGED_POLICY_LIMIT {
        return Err(IamApiError::LimitExceededException(format!(
            "Cannot exceed quota for PolicySize: {MANAGED_POLICY_LIMIT}"
        )));
    }
    let description = input.description.clone();
    let tags = super::tag_map(&input.tags);
    let arn = format!("arn:aws:iam::{}:policy{path}{name}", iam.account);
    let keys = super::tag_keys(&tags);
    super::authorize_keys(iam, ctx, "iam:CreatePolicy", &arn, keys)?;
    let directory = iam.update_directory(|d| {
        let prefix = format!("arn:aws:iam::{}:policy/", iam.account);
        let taken = d
            .managed
            .keys()
            .any(|a| a.starts_with(&prefix) && a.rsplit('/').next() == Some(name));
        if taken {
            return Err(IamApiError::EntityAlreadyExistsException(format!(
                "A policy called {name} already exists. Duplicate names are not allowed."
            )));
        }
        let now = time::OffsetDateTime::now_utc();
        let document = Arc::new(document);
        d.created.insert(arn.clone(), now);
        d.policy_versions.insert(
            arn.clone(),
            PolicyVersions {
                default: 1,
                next: 2,
                versions: vec![PolicyVersion {
                    number: 1,
                    text,
                    document: Arc::clone(&document),
                    created: now,
                }],
                description: description.clone(),
            },
        );
        if !tags.is_empty() {
            d.policy_tags.insert(arn.clone(), tags.clone());
        }
        d.managed.insert(
            arn.clone(),
            Named {
                name: name.to_owned(),
                document,
            },
        );
        Ok(d.clone())
    })?;
    Ok(CreatePolicyResponse {
        policy: Some(with_tags(
            policy_view(&directory, &arn, &directory.managed[&arn]),
            &directory,
        )),
    })
}

/// ListPolicies: the managed policies of `Scope` (All, AWS, Local), only those attached
/// with `OnlyAttached`, under `PathPrefix`, in the order of their ARNs.
pub(super) fn list_policies(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListPoliciesRequest,
) -> Result<ListPoliciesResponse> {
    let scope = input.scope.as_deref().unwrap_or("All");
    let only_attached = input.only_attached.unwrap_or(false);
    let paging = Paging::of(input.path_prefix, input.marker, input.max_items);
    let prefix = paging.prefix();
    // ListPolicies names no resource type (Service Authorization Reference).
    authorize(iam, ctx, "iam:ListPolicies", "*")?;
    let d = iam.directory();
    let mut views: Vec<model::Policy> = d
        .managed
        .iter()
        .filter(|(arn, _)| {
            let aws = arn.starts_with("arn:aws:iam::aws:");
            match scope {
                "AWS" => aws,
                "Local" => !aws,
                _ => true,
            }
        })
        .map(|(arn, policy)| policy_view(&d, arn, policy))
        .filter(|v| {
            req(&v.path).starts_with(prefix)
                && (!only_attached || v.attachment_count.unwrap_or(0) > 0)
        })
        .collect();
    views.sort_by(|a, b| a.arn.cmp(&b.arn));
    let page = Page::of(&paging, views, |v| v.arn.clone().unwrap_or_default());
    Ok(paged!(ListPoliciesResponse, policies, page))
}

enum Entity {
    Group(PolicyGroup),
    User(PolicyUser),
    Role(PolicyRole),
}

/// ListEntitiesForPolicy: the groups, users and roles the managed policy is attached to
/// (`PolicyUsageFilter` PermissionsPolicy) or is the permissions boundary of
/// (PermissionsBoundary); both when the filter is not sent. `EntityFilter` keeps one
/// kind, `PathPrefix` the entities under a path.
pub(super) fn list_entities_for_policy(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListEntitiesForPolicyRequest,
) -> Result<ListEntitiesForPolicyResponse> {
    let arn = req(&input.policy_arn);
    let kind = input.entity_filter.as_deref();
    let usage = input.policy_usage_filter.as_deref();
    let prefix = input.path_prefix.as_deref().unwrap_or("/");
    authorize(iam, ctx, "iam:ListEntitiesForPolicy", arn)?;
    let d = iam.directory();
    let policy = d.managed.get(arn).ok_or_else(|| no_such_policy(arn))?;
    let wants = |k: &str| kind.is_none_or(|f| f == k);
    let this = |p: &Named| Arc::ptr_eq(&p.document, &policy.document);
    let uses = |policies: &[Named], boundary: Option<&Named>| {
        let attached = usage != Some("PermissionsBoundary") && policies.iter().any(this);
        let bounds = usage != Some("PermissionsPolicy") && boundary.is_some_and(this);
        attached || bounds
    };
    let under = |entity_arn: &str, kind: &str| super::path_of(entity_arn, kind).starts_with(prefix);
    let mut entities: Vec<(String, Entity)> = Vec::new();
    if wants("Group") {
        entities.extend(
            d.groups
                .values()
                .filter(|g| uses(&g.policies, None) && under(&g.arn, "group"))
                .map(|g| {
                    (
                        format!("1{}", g.name),
                        Entity::Group(PolicyGroup {
                            group_name: Some(g.name.clone()),
                            group_id: Some(g.id.clone()),
                        }),
                    )
                }),
        );
    }
    if wants("User") {
        entities.extend(
            d.users
                .values()
                .filter(|u| uses(&u.policies, u.boundary.as_ref()) && under(&u.arn, "user"))
                .map(|u| {
                    (
                        format!("2{}", u.name),
                        Entity::User(PolicyUser {
                            user_name: Some(u.name.clone()),
                            user_id: Some(u.id.clone()),
                        }),
                    )
                }),
        );
    }
    if wants("Role") {
        entities.extend(
            d.roles
                .values()
                .filter(|r| uses(&r.policies, r.boundary.as_ref()) && under(&r.arn, "role"))
                .map(|r| {
                    (
                        format!("3{}", r.name),
                        Entity::Role(PolicyRole {
                            role_name: Some(r.name.clone()),
                            role_id: Some(r.id.clone()),
                        }),
                    )
                }),
        );
    }
    // Groups, users, then roles, each by name.
    entities.sort_by(|a, b| a.0.cmp(&b.0));
    let paging = Paging::of(None, input.marker.clone(), input.max_items);
    let page = Page::of(&paging, entities, |(key, _)| key.clone());
    let (mut groups, mut users, mut roles) = (Vec::new(), Vec::new(), Vec::new());
    for (_, entity) in page.items {
        match entity {
            Entity::Group(g) => groups.push(g),
            Entity::User(u) => users.push(u),
            Entity::Role(r) => roles.push(r),
        }
    }
    Ok(ListEntitiesForPolicyResponse {
        policy_groups: Some(groups),
        policy_users: Some(users),
        policy_roles: Some(roles),
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}

pub(super) fn get_policy(
    iam: &Iam,
    ctx: &RequestContext,
    input: GetPolicyRequest,
) -> Result<GetPolicyResponse> {
    let arn = req(&input.policy_arn);
    authorize(iam, ctx, "iam:GetPolicy", arn)?;
    let directory = iam.directory();
    let policy = directory
        .managed
        .get(arn)
        .ok_or_else(|| no_such_policy(arn))?;
    Ok(GetPolicyResponse {
        policy: Some(with_tags(policy_view(&directory, arn, policy), &directory)),
    })
}

pub(super) fn version_view(
    versions: &PolicyVersions,
    version: &PolicyVersion,
    with_document: bool,
) -> model::PolicyVersion {
    model::PolicyVersion {
        // URL-encoded, as IAM answers it; left out of ListPolicyVersions.
        document: with_document.then(|| query::url_encode_document(&version.text)),
        version_id: Some(version_id(version.number)),
        is_default_version: Some(version.number == versions.default),
        create_date: Some(version.created),
    }
}

/// The one version (`v1`) of an AWS managed policy the emulator knows, with its text.
pub(super) fn built_in_version(d: &Directory, arn: &str) -> Option<model::PolicyVersion> {
    let text = crate::iam::managed::MANAGED_POLICIES
        .iter()
        .find(|p| p.arn == arn)?
        .document;
    Some(model::PolicyVersion {
        document: Some(query::url_encode_document(text)),
        version_id: Some(version_id(1)),
        is_default_version: Some(true),
        create_date: Some(
            d.created
                .get(arn)
                .copied()
                .unwrap_or_else(time::OffsetDateTime::now_utc),
        ),
    })
}

pub(super) fn get_policy_version(
    iam: &Iam,
    ctx: &RequestContext,
    input: GetPolicyVersionRequest,
) -> Result<GetPolicyVersionResponse> {
    let arn = req(&input.policy_arn);
    let version = req(&input.version_id);
    let number = version_number(version);
    authorize(iam, ctx, "iam:GetPolicyVersion", arn)?;
    let directory = iam.directory();
    if let (Some(view), Some(1)) = (built_in_version(&directory, arn), number) {
        return Ok(GetPolicyVersionResponse {
            policy_version: Some(view),
        });
    }
    let versions = directory
        .policy_versions
        .get(arn)
        .ok_or_else(|| no_such_version(arn, version))?;
    let found = versions
        .versions
        .iter()
        .find(|v| Some(v.number) == number)
        .ok_or_else(|| no_such_version(arn, version))?;
    Ok(GetPolicyVersionResponse {
        policy_version: Some(version_view(versions, found, true)),
    })
}

pub(super) fn create_policy_version(
    iam: &Iam,
    ctx: &RequestContext,
    input: CreatePolicyVersionRequest,
) -> Result<CreatePolicyVersionResponse> {
    let arn = req(&input.policy_arn);
    let text = req(&input.policy_document).to_owned();
    let document = parse_document(&text)?;
    document
        .check_identity_policy()
        .map_err(|e| IamApiError::MalformedPolicyDocumentException(e.to_string()))?;
    if principals::policy_text_size(&text) > MANAGED_POLICY_LIMIT {
        return Err(IamApiError::LimitExceededException(format!(
            "Cannot exceed quota for PolicySize: {MANAGED_POLICY_LIMIT}"
        )));
    }
    let set_as_default = input.set_as_default.unwrap_or(false);
    authorize(iam, ctx, "iam:CreatePolicyVersion", arn)?;
    let directory = iam.update_directory(|d| {
        let versions = d
            .policy_versions
            .get_mut(arn)
            .ok_or_else(|| no_such_policy(arn))?;
        if versions.versions.len() >= VERSIONS_LIMIT {
            // The message as IAM words it (99designs/iamy#21).
            return Err(IamApiError::LimitExceededException(
                "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.".to_owned(),
            ));
        }
        let number = versions.next;
        versions.next += 1;
        versions.versions.push(PolicyVersion {
            number,
            text,
            document: Arc::new(document),
            created: time::OffsetDateTime::now_utc(),
        });
        if set_as_default {
            set_default(d, arn, number)?;
        }
        Ok((d.clone(), number))
    })?;
    let (directory, number) = directory;
    let versions = &directory.policy_versions[arn];
    let created = versions
        .versions
        .iter()
        .find(|v| v.number == number)
        .ok_or_else(|| no_such_policy(arn))?;
    // CreatePolicyVersion's answer carries no document (IAM API Reference,
    // "PolicyVersion": the document is returned only by GetPolicyVersion and
    // GetAccountAuthorizationDetails).
    Ok(CreatePolicyVersionResponse {
        policy_version: Some(version_view(versions, created, false)),
    })
}

pub(super) fn list_policy_versions(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListPolicyVersionsRequest,
) -> Result<ListPolicyVersionsResponse> {
    let arn = req(&input.policy_arn);
    authorize(iam, ctx, "iam:ListPolicyVersions", arn)?;
    let directory = iam.directory();
    let versions = local_versions(&directory, arn)?;
    // Newest first, as IAM lists them.
    let all: Vec<model::PolicyVersion> = versions
        .versions
        .iter()
        .rev()
        .map(|v| version_view(versions, v, false))
        .collect();
    // Newest first: the key counts down.
    let paging = Paging::of(None, input.marker.clone(), input.max_items);
    let page = Page::of(&paging, all, |v| {
        let number = version_number(req(&v.version_id)).unwrap_or(0);
        format!("{:010}", u32::MAX - number)
    });
    Ok(paged!(ListPolicyVersionsResponse, versions, page))
}

pub(super) fn set_default_policy_version(
    iam: &Iam,
    ctx: &RequestContext,
    input: SetDefaultPolicyVersionRequest,
) -> Result<()> {
    let arn = req(&input.policy_arn);
    let version = req(&input.version_id);
    let number = version_number(version);
    authorize(iam, ctx, "iam:SetDefaultPolicyVersion", arn)?;
    iam.update_directory(|d| {
        local_versions(d, arn)?;
        let number = number.ok_or_else(|| no_such_version(arn, version))?;
        set_default(d, arn, number)
    })
}

pub(super) fn delete_policy_version(
    iam: &Iam,
    ctx: &RequestContext,
    input: DeletePolicyVersionRequest,
) -> Result<()> {
    let arn = req(&input.policy_arn);
    let version = req(&input.version_id);
    let number = version_number(version);
    authorize(iam, ctx, "iam:DeletePolicyVersion", arn)?;
    iam.update_directory(|d| {
        let versions = d
            .policy_versions
            .get_mut(arn)
            .ok_or_else(|| no_such_policy(arn))?;
        let index = versions
            .versions
            .iter()
            .position(|v| Some(v.number) == number)
            .ok_or_else(|| no_such_version(arn, version))?;
        if number == Some(versions.default) {
            // IAM's words (byu-oit/handel#140, redradrat/aws-iam-operator#13).
            return Err(IamApiError::DeleteConflictException(
                "Cannot delete the default version of a policy.".to_owned(),
            ));
        }
        versions.versions.remove(index);
        Ok(())
    })
}

pub(super) fn delete_policy(
    iam: &Iam,
    ctx: &RequestContext,
    input: DeletePolicyRequest,
) -> Result<()> {
    let arn = req(&input.policy_arn);
    authorize(iam, ctx, "iam:DeletePolicy", arn)?;
    iam.update_directory(|d| {
        let versions = local_versions(d, arn)?;
        let policy = d.managed.get(arn).ok_or_else(|| no_such_policy(arn))?;
        // IAM API Reference, "DeletePolicy": the policy must first be detached from every
        // user, group and role.
        if attachments(d, policy) > 0 {
            return Err(IamApiError::DeleteConflictException(
                "Cannot delete a policy attached to entities.".to_owned(),
            ));
        }
        // ... and its versions other than the default deleted (IAM's words:
        // rebuy-de/aws-nuke#1).
        if versions.versions.len() > 1 {
            return Err(IamApiError::DeleteConflictException(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.".to_owned(),
            ));
        }
        d.managed.remove(arn);
        d.created.remove(arn);
        d.policy_versions.remove(arn);
        d.policy_tags.remove(arn);
        Ok(())
    })
}

/// Attach*Policy (`attach`) and Detach*Policy of a user, role or group: the managed
/// policy's document joins or leaves the owner's policies. Attaching one attached
/// already changes nothing; detaching one not attached is NoSuchEntity.
pub(super) fn attachment(
    attach: bool,
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    policy_arn: &str,
) -> Result<()> {
    let arn = owner.arn(iam, name);
    // iam:PolicyARN: the managed policy attached or detached (Service Authorization
    // Reference, IAM: Attach/Detach of users, groups and roles).
    let keys = vec![("iam:PolicyARN".to_owned(), vec![policy_arn.to_owned()])];
    let verb = if attach { "Attach" } else { "Detach" };
    super::authorize_keys(iam, ctx, &owner.action(verb), &arn, keys)?;
    iam.update_directory(|d| {
        let policy = d
            .managed
            .get(policy_arn)
            .cloned()
            .ok_or_else(|| no_such_policy(policy_arn))?;
        let managed = d.managed.clone();
        let (_, policies) = owner.policies_mut(d, name)?;
        let is_this = |p: &Named| Arc::ptr_eq(&p.document, &policy.document);
        let attached = policies.iter().any(is_this);
        match (attach, attached) {
            (true, true) => {}
            (true, false) => {
                let count = policies
                    .iter()
                    .filter(|p| principals::is_managed(&managed, p))
                    .count();
                if count >= ATTACHED_LIMIT {
                    let quota = match owner {
                        Owner::User => "PoliciesPerUser",
                        Owner::Role => "PoliciesPerRole",
                        Owner::Group => "PoliciesPerGroup",
                    };
                    return Err(IamApiError::LimitExceededException(format!(
                        "Cannot exceed quota for {quota}: {ATTACHED_LIMIT}"
                    )));
                }
                policies.push(policy.clone());
            }
            (false, true) => policies.retain(|p| !is_this(p)),
            (false, false) => {
                return Err(IamApiError::NoSuchEntityException(format!(
                    "Policy {policy_arn} was not found."
                )))
            }
        }
        Ok(())
    })
}

/// The managed policies among `policies`, by ARN.
pub(super) fn attached_views(d: &Directory, policies: &[Named]) -> Vec<AttachedPolicy> {
    let mut attached: Vec<AttachedPolicy> = policies
        .iter()
        .filter_map(|p| {
            d.managed
                .iter()
                .find(|(_, m)| Arc::ptr_eq(&m.document, &p.document))
                .map(|(arn, m)| AttachedPolicy {
                    policy_name: Some(m.name.clone()),
                    policy_arn: Some(arn.clone()),
                })
        })
        .collect();
    attached.sort_by(|a, b| a.policy_arn.cmp(&b.policy_arn));
    attached
}

pub(super) fn list_attached(
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    paging: &Paging,
) -> Result<Page<AttachedPolicy>> {
    let arn = owner.arn(iam, name);
    authorize(iam, ctx, &owner.action("ListAttached"), &arn)?;
    let directory = iam.directory();
    let policies = owner.policies(&directory, name)?;
    let attached = attached_views(&directory, policies);
    Ok(Page::of(paging, attached, |a| {
        a.policy_arn.clone().unwrap_or_default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_are_v_and_a_number() {
        let of = |id: &str| {
            let input = GetPolicyVersionRequest {
                policy_arn: Some("arn:aws:iam::123456789012:policy/p".to_owned()),
                version_id: Some(id.to_owned()),
            };
            super::super::check(&input).map(|()| (id.to_owned(), version_number(id)))
        };
        assert_eq!(of("v3").unwrap(), ("v3".to_owned(), Some(3)));
        assert_eq!(of("v12").unwrap().1, Some(12));
        // Valid, but never created here.
        assert_eq!(of("v2.beta").unwrap().1, None);
        for bad in ["3", "v0", "v", "V1", "v1x"] {
            let message = of(bad).unwrap_err().to_string();
            assert!(message.contains("at 'versionId'"), "{bad}: {message}");
        }
    }
}
