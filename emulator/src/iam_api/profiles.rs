//! Instance profiles, as far as templates need them (`AWS::IAM::InstanceProfile`): a
//! named container for one role. No instance runs here, so a profile only holds its role
//! and keeps that role from being deleted while it does.

use super::{authorize, now, path_of, req, role_view, IamApiError, Page, Paging, Result};
use crate::context::RequestContext;
use crate::generated::iam::{
    self as model, CreateInstanceProfileRequest, CreateInstanceProfileResponse,
    DeleteInstanceProfileRequest, GetInstanceProfileRequest, GetInstanceProfileResponse,
    ListInstanceProfilesForRoleRequest, ListInstanceProfilesForRoleResponse,
    ListInstanceProfilesRequest, ListInstanceProfilesResponse,
};
use crate::iam::principals::{self, Directory, InstanceProfile};
use crate::iam::Iam;

/// Roles in one instance profile (IAM User Guide, "IAM and AWS STS quotas": "Roles in
/// an instance profile: 1").
const ROLES_PER_PROFILE: usize = 1;

/// IAM's words for a missing profile ("NoSuchEntity: Instance Profile X cannot be found",
/// as public troubleshooting notes quote AWS's answer).
pub(super) fn no_such_profile(name: &str) -> IamApiError {
    IamApiError::NoSuchEntityException(format!("Instance Profile {name} cannot be found."))
}

fn profile_arn(iam: &Iam, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:instance-profile{path}{name}", iam.account)
}

/// The ARN the operations on `name` are authorised on (the default path when the
/// profile does not exist).
pub(super) fn named_profile(iam: &Iam, name: &str) -> String {
    iam.directory()
        .instance_profiles
        .get(name)
        .map_or_else(|| profile_arn(iam, "/", name), |p| p.arn.clone())
}

/// A profile as IAM answers it; `tags` only where CreateInstanceProfile and
/// GetInstanceProfile answer them (IAM's listings leave tags out: IAM API Reference,
/// "ListInstanceProfiles").
pub(super) fn profile_view(
    d: &Directory,
    profile: &InstanceProfile,
    with_tags: bool,
) -> model::InstanceProfile {
    model::InstanceProfile {
        path: Some(path_of(&profile.arn, "instance-profile")),
        instance_profile_name: Some(profile.name.clone()),
        instance_profile_id: Some(profile.id.clone()),
        arn: Some(profile.arn.clone()),
        create_date: Some(super::created(d, &profile.arn)),
        roles: Some(
            profile
                .roles
                .iter()
                .filter_map(|r| d.roles.get(r))
                .map(|r| role_view(d, r))
                .collect(),
        ),
        tags: if with_tags {
            super::tag_views(&profile.tags)
        } else {
            None
        },
    }
}

pub(super) fn create_instance_profile(
    iam: &Iam,
    ctx: &RequestContext,
    input: CreateInstanceProfileRequest,
) -> Result<CreateInstanceProfileResponse> {
    let name = req(&input.instance_profile_name);
    let path = super::path_or_root(&input.path);
    let tags = super::tag_map(&input.tags);
    let arn = profile_arn(iam, &path, name);
    super::authorize_keys(
        iam,
        ctx,
        "iam:CreateInstanceProfile",
        &arn,
        super::tag_keys(&tags),
    )?;
    let directory = iam.update_directory(|d| {
        if d.instance_profiles
            .keys()
            .any(|n| n.eq_ignore_ascii_case(name))
        {
            // IAM's words, as getmoto/moto's iam models give them.
            return Err(IamApiError::EntityAlreadyExistsException(format!(
                "Instance Profile {name} already exists."
            )));
        }
        d.created.insert(arn.clone(), now());
        d.instance_profiles.insert(
            name.to_owned(),
            InstanceProfile {
                name: name.to_owned(),
                id: principals::unique_id("AIPA", &format!("{arn}#{}", uuid::Uuid::new_v4())),
                arn: arn.clone(),
                roles: Vec::new(),
                tags: tags.clone(),
            },
        );
        Ok(d.clone())
    })?;
    Ok(CreateInstanceProfileResponse {
        instance_profile: Some(profile_view(
            &directory,
            &directory.instance_profiles[name],
            true,
        )),
    })
}

pub(super) fn get_instance_profile(
    iam: &Iam,
    ctx: &RequestContext,
    input: GetInstanceProfileRequest,
) -> Result<GetInstanceProfileResponse> {
    let name = req(&input.instance_profile_name);
    authorize(
        iam,
        ctx,
        "iam:GetInstanceProfile",
        &named_profile(iam, name),
    )?;
    let directory = iam.directory();
    let profile = directory
        .instance_profiles
        .get(name)
        .ok_or_else(|| no_such_profile(name))?;
    Ok(GetInstanceProfileResponse {
        instance_profile: Some(profile_view(&directory, profile, true)),
    })
}

pub(super) fn delete_instance_profile(
    iam: &Iam,
    ctx: &RequestContext,
    input: DeleteInstanceProfileRequest,
) -> Result<()> {
    let name = req(&input.instance_profile_name);
    authorize(
        iam,
        ctx,
        "iam:DeleteInstanceProfile",
        &named_profile(iam, name),
    )?;
    iam.update_directory(|d| {
        let profile = d
            .instance_profiles
            .get(name)
            .ok_or_else(|| no_such_profile(name))?;
        // IAM API Reference, "DeleteInstanceProfile": its roles must be removed first.
        if !profile.roles.is_empty() {
            return Err(IamApiError::DeleteConflictException(
                "Cannot delete entity, must remove roles from instance profile first.".to_owned(),
            ));
        }
        let arn = profile.arn.clone();
        d.instance_profiles.remove(name);
        d.created.remove(&arn);
        Ok(())
    })
}

/// AddRoleToInstanceProfile and RemoveRoleFromInstanceProfile, authorised on the
/// profile (Service Authorization Reference: `instance-profile`).
pub(super) fn role_membership(
    add: bool,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    role: &str,
) -> Result<()> {
    let action = if add {
        "iam:AddRoleToInstanceProfile"
    } else {
        "iam:RemoveRoleFromInstanceProfile"
    };
    authorize(iam, ctx, action, &named_profile(iam, name))?;
    iam.update_directory(|d| {
        if !d.roles.contains_key(role) {
            return Err(super::no_such_role(role));
        }
        let profile = d
            .instance_profiles
            .get_mut(name)
            .ok_or_else(|| no_such_profile(name))?;
        let holds = profile.roles.iter().any(|r| r == role);
        match (add, holds) {
            // The quota's name as IAM answers it (quoted by many public projects that
            // catch it, e.g. Terraform's aws_iam_instance_profile documentation).
            (true, _) if profile.roles.len() >= ROLES_PER_PROFILE => {
                return Err(IamApiError::LimitExceededException(format!(
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: {ROLES_PER_PROFILE}"
                )))
            }
            (true, _) => profile.roles.push(role.to_owned()),
            (false, true) => profile.roles.retain(|r| r != role),
            // NoSuchEntity is the operation's entity error (IAM API Reference,
            // "RemoveRoleFromInstanceProfile"); the role's own not-found words are given.
            (false, false) => return Err(super::no_such_role(role)),
        }
        Ok(())
    })
}

pub(super) fn list_instance_profiles(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListInstanceProfilesRequest,
) -> Result<ListInstanceProfilesResponse> {
    // ListInstanceProfiles names the `instance-profile` resource type, of every profile.
    authorize(iam, ctx, "iam:ListInstanceProfiles", "*")?;
    let paging = Paging::of(input.path_prefix, input.marker, input.max_items);
    let d = iam.directory();
    let profiles = super::by_path(
        &paging,
        "instance-profile",
        d.instance_profiles.values(),
        |p| (&p.arn, &p.name),
    );
    let views = profiles
        .iter()
        .map(|p| profile_view(&d, p, false))
        .collect();
    let page = Page::of(&paging, views, |p| {
        p.instance_profile_name.clone().unwrap_or_default()
    });
    Ok(paged!(
        ListInstanceProfilesResponse,
        instance_profiles,
        page
    ))
}

pub(super) fn list_instance_profiles_for_role(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListInstanceProfilesForRoleRequest,
) -> Result<ListInstanceProfilesForRoleResponse> {
    let role = req(&input.role_name);
    let (_, arn) = super::named_role(iam, role);
    authorize(iam, ctx, "iam:ListInstanceProfilesForRole", &arn)?;
    let d = iam.directory();
    if !d.roles.contains_key(role) {
        return Err(super::no_such_role(role));
    }
    let mut profiles: Vec<&InstanceProfile> = d
        .instance_profiles
        .values()
        .filter(|p| p.roles.iter().any(|r| r == role))
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    let views = profiles
        .iter()
        .map(|p| profile_view(&d, p, false))
        .collect();
    let paging = Paging::of(None, input.marker.clone(), input.max_items);
    let page = Page::of(&paging, views, |p| {
        p.instance_profile_name.clone().unwrap_or_default()
    });
    Ok(paged!(
        ListInstanceProfilesForRoleResponse,
        instance_profiles,
        page
    ))
}
