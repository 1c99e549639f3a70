//! Instance profiles, as far as templates need them (`AWS::IAM::InstanceProfile`): a
//! named container for one role. No instance runs here, so a profile only holds its role
//! and keeps that role from being deleted while it does.

use super::{
    authorize, name_member, now, path_member, path_of, role_view, IamApiError, Params, Result,
    RoleView,
};
use crate::context::RequestContext;
use crate::iam::principals::{self, Directory, InstanceProfile};
use crate::protocol::query::Output;
use crate::state::EmulatorState;
use serde::Serialize;

/// Roles in one instance profile (IAM User Guide, "IAM and AWS STS quotas": "Roles in
/// an instance profile: 1").
const ROLES_PER_PROFILE: usize = 1;

/// IAM's words for a missing profile ("NoSuchEntity: Instance Profile X cannot be found",
/// as public troubleshooting notes quote AWS's answer).
pub(super) fn no_such_profile(name: &str) -> IamApiError {
    IamApiError::no_such_entity(format!("Instance Profile {name} cannot be found."))
}

fn profile_arn(state: &EmulatorState, path: &str, name: &str) -> String {
    format!(
        "arn:aws:iam::{}:instance-profile{path}{name}",
        state.iam.account
    )
}

fn profile_name(params: &Params) -> Result<&str> {
    name_member(params, "InstanceProfileName", "instanceProfileName", 128)
}

/// The ARN the operations on `name` are authorised on (the default path when the
/// profile does not exist).
pub(super) fn named_profile(state: &EmulatorState, name: &str) -> String {
    state
        .iam
        .directory()
        .instance_profiles
        .get(name)
        .map_or_else(|| profile_arn(state, "/", name), |p| p.arn.clone())
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ProfileView {
    path: String,
    instance_profile_name: String,
    instance_profile_id: String,
    arn: String,
    create_date: String,
    roles: Vec<RoleView>,
    /// Answered by CreateInstanceProfile and GetInstanceProfile only (IAM's listings
    /// leave tags out: IAM API Reference, "ListInstanceProfiles").
    tags: Option<Vec<super::TagView>>,
}

impl ProfileView {
    fn with_tags(mut self, profile: &InstanceProfile) -> Self {
        self.tags = super::tag_views(&profile.tags);
        self
    }
}

pub(super) fn profile_view(d: &Directory, profile: &InstanceProfile) -> ProfileView {
    ProfileView {
        path: path_of(&profile.arn, "instance-profile"),
        instance_profile_name: profile.name.clone(),
        instance_profile_id: profile.id.clone(),
        arn: profile.arn.clone(),
        create_date: super::created(d, &profile.arn),
        roles: profile
            .roles
            .iter()
            .filter_map(|r| d.roles.get(r))
            .map(|r| role_view(d, r))
            .collect(),
        tags: None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProfileResult {
    instance_profile: ProfileView,
}

pub(super) fn create_instance_profile(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = profile_name(params)?;
    let path = path_member(params)?;
    let tags = super::tags_member(params)?;
    let arn = profile_arn(state, &path, name);
    super::authorize_keys(
        state,
        ctx,
        "iam:CreateInstanceProfile",
        &arn,
        super::tag_keys(&tags),
    )?;
    let directory = state.iam.update_directory(|d| {
        if d.instance_profiles
            .keys()
            .any(|n| n.eq_ignore_ascii_case(name))
        {
            // IAM's words, as getmoto/moto's iam models give them.
            return Err(IamApiError::already_exists(format!(
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
    Ok(Output::of(&ProfileResult {
        instance_profile: profile_view(&directory, &directory.instance_profiles[name])
            .with_tags(&directory.instance_profiles[name]),
    }))
}

pub(super) fn get_instance_profile(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = profile_name(params)?;
    authorize(
        state,
        ctx,
        "iam:GetInstanceProfile",
        &named_profile(state, name),
    )?;
    let directory = state.iam.directory();
    let profile = directory
        .instance_profiles
        .get(name)
        .ok_or_else(|| no_such_profile(name))?;
    Ok(Output::of(&ProfileResult {
        instance_profile: profile_view(&directory, profile).with_tags(profile),
    }))
}

pub(super) fn delete_instance_profile(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = profile_name(params)?;
    authorize(
        state,
        ctx,
        "iam:DeleteInstanceProfile",
        &named_profile(state, name),
    )?;
    state.iam.update_directory(|d| {
        let profile = d
            .instance_profiles
            .get(name)
            .ok_or_else(|| no_such_profile(name))?;
        // IAM API Reference, "DeleteInstanceProfile": its roles must be removed first.
        if !profile.roles.is_empty() {
            return Err(IamApiError::delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.".to_owned(),
            ));
        }
        let arn = profile.arn.clone();
        d.instance_profiles.remove(name);
        d.created.remove(&arn);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

/// AddRoleToInstanceProfile and RemoveRoleFromInstanceProfile, authorised on the
/// profile (Service Authorization Reference: `instance-profile`).
pub(super) fn role_membership(
    add: bool,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = profile_name(params)?;
    let role = name_member(params, "RoleName", "roleName", 64)?;
    let action = if add {
        "iam:AddRoleToInstanceProfile"
    } else {
        "iam:RemoveRoleFromInstanceProfile"
    };
    authorize(state, ctx, action, &named_profile(state, name))?;
    state.iam.update_directory(|d| {
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
                return Err(IamApiError::limit_exceeded(format!(
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
    })?;
    Ok(Output::of(&()))
}

pub(super) fn list_instance_profiles(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    // ListInstanceProfiles names the `instance-profile` resource type, of every profile.
    authorize(state, ctx, "iam:ListInstanceProfiles", "*")?;
    let d = state.iam.directory();
    let profiles = super::by_path(
        params,
        "instance-profile",
        d.instance_profiles.values(),
        |p| (&p.arn, &p.name),
    );
    let views = profiles.iter().map(|p| profile_view(&d, p)).collect();
    super::paged(params, "InstanceProfiles", views, |p| {
        p.instance_profile_name.clone()
    })
}

pub(super) fn list_instance_profiles_for_role(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let role = name_member(params, "RoleName", "roleName", 64)?;
    let (_, arn) = super::named_role(state, role);
    authorize(state, ctx, "iam:ListInstanceProfilesForRole", &arn)?;
    let d = state.iam.directory();
    if !d.roles.contains_key(role) {
        return Err(super::no_such_role(role));
    }
    let mut profiles: Vec<&InstanceProfile> = d
        .instance_profiles
        .values()
        .filter(|p| p.roles.iter().any(|r| r == role))
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    let views = profiles.iter().map(|p| profile_view(&d, p)).collect();
    super::paged(params, "InstanceProfiles", views, |p| {
        p.instance_profile_name.clone()
    })
}
