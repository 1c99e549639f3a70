//! Groups over the IAM API: their members and their policies, which are their members'
//! policies from the next request on (the directory's `user_policies` adds them).

use super::{
    authorize, name_member, now, path_member, path_of, user_view, IamApiError, Page, Params,
    Result, UserView,
};
use crate::context::RequestContext;
use crate::iam::principals::{self, Group};
use crate::protocol::query::Output;
use crate::state::EmulatorState;
use serde::Serialize;

/// The groups one user may belong to (IAM User Guide, "IAM and AWS STS quotas":
/// "Groups an IAM user can be a member of: 10").
const GROUPS_PER_USER: usize = 10;

pub(super) fn no_such_group(name: &str) -> IamApiError {
    IamApiError::no_such_entity(format!("The group with name {name} cannot be found."))
}

fn group_arn(state: &EmulatorState, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:group{path}{name}", state.iam.account)
}

/// The group `GroupName` names and its ARN (with the default path when it does not
/// exist: the resource its operations are authorised on).
pub(super) fn named_group(state: &EmulatorState, name: &str) -> (Option<Group>, String) {
    match state.iam.directory().groups.get(name) {
        Some(group) => (Some(group.clone()), group.arn.clone()),
        None => (None, group_arn(state, "/", name)),
    }
}

fn group_name(params: &Params) -> Result<&str> {
    name_member(params, "GroupName", "groupName", 128)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GroupView {
    path: String,
    group_name: String,
    group_id: String,
    arn: String,
    create_date: String,
}

pub(super) fn group_view(d: &principals::Directory, group: &Group) -> GroupView {
    GroupView {
        path: path_of(&group.arn, "group"),
        group_name: group.name.clone(),
        group_id: group.id.clone(),
        arn: group.arn.clone(),
        create_date: super::created(d, &group.arn),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GroupPolicyResult {
    pub(super) group_name: String,
    pub(super) policy_name: String,
    pub(super) policy_document: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupResult {
    group: GroupView,
}

pub(super) fn create_group(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = group_name(params)?;
    let path = path_member(params)?;
    let arn = group_arn(state, &path, name);
    authorize(state, ctx, "iam:CreateGroup", &arn)?;
    let directory = state.iam.update_directory(|d| {
        // Names are unique without regard to case, as users' and roles'.
        if d.groups.keys().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(IamApiError::already_exists(format!(
                "Group with name {name} already exists."
            )));
        }
        d.created.insert(arn.clone(), now());
        d.groups.insert(
            name.to_owned(),
            Group {
                name: name.to_owned(),
                id: principals::unique_id("AGPA", &format!("{arn}#{}", uuid::Uuid::new_v4())),
                arn: arn.clone(),
                policies: Vec::new(),
            },
        );
        Ok(d.clone())
    })?;
    Ok(Output::of(&GroupResult {
        group: group_view(&directory, &directory.groups[name]),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetGroupResult {
    group: GroupView,
    users: Vec<UserView>,
    is_truncated: bool,
    marker: Option<String>,
}

pub(super) fn get_group(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = group_name(params)?;
    let (_, arn) = named_group(state, name);
    authorize(state, ctx, "iam:GetGroup", &arn)?;
    let directory = state.iam.directory();
    let group = directory
        .groups
        .get(name)
        .ok_or_else(|| no_such_group(name))?;
    let mut members: Vec<_> = directory
        .users
        .values()
        .filter(|u| u.groups.iter().any(|g| g == name))
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let members = members
        .into_iter()
        .map(|u| user_view(&directory, u))
        .collect();
    let page = Page::of(params, members, |u| u.user_name.clone())?;
    Ok(Output::of(&GetGroupResult {
        group: group_view(&directory, group),
        users: page.items,
        is_truncated: page.is_truncated,
        marker: page.marker,
    }))
}

pub(super) fn list_groups(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    // ListGroups names no resource type (Service Authorization Reference).
    authorize(state, ctx, "iam:ListGroups", "*")?;
    let directory = state.iam.directory();
    let groups = super::by_path(params, "group", directory.groups.values(), |g| {
        (&g.arn, &g.name)
    });
    let views = groups.iter().map(|g| group_view(&directory, g)).collect();
    super::paged(params, "Groups", views, |g| g.group_name.clone())
}

pub(super) fn list_groups_for_user(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let user = name_member(params, "UserName", "userName", 128)?;
    let (_, arn) = super::named_user(state, user);
    authorize(state, ctx, "iam:ListGroupsForUser", &arn)?;
    let directory = state.iam.directory();
    let member = directory
        .users
        .get(user)
        .ok_or_else(|| super::no_such_user(user))?;
    let mut groups: Vec<&Group> = member
        .groups
        .iter()
        .filter_map(|g| directory.groups.get(g))
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let views = groups.iter().map(|g| group_view(&directory, g)).collect();
    super::paged(params, "Groups", views, |g| g.group_name.clone())
}

pub(super) fn delete_group(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = group_name(params)?;
    let (_, arn) = named_group(state, name);
    authorize(state, ctx, "iam:DeleteGroup", &arn)?;
    state.iam.update_directory(|d| {
        let group = d.groups.get(name).ok_or_else(|| no_such_group(name))?;
        // IAM API Reference, "DeleteGroup": "The group must not contain any users or
        // have any attached policies"; IAM's words (hashicorp/terraform#29147,
        // go-to-k/delstack#40).
        if d.users.values().any(|u| u.groups.iter().any(|g| g == name)) {
            return Err(IamApiError::delete_conflict(
                "Cannot delete entity, must remove users from group first.".to_owned(),
            ));
        }
        super::policies_conflict(d, &group.policies)?;
        let arn = group.arn.clone();
        d.groups.remove(name);
        super::forget(d, &arn);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

/// AddUserToGroup and RemoveUserFromGroup, authorised on the group (Service
/// Authorization Reference: both act on the `group` resource type).
pub(super) fn membership(
    add: bool,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = group_name(params)?;
    let user = name_member(params, "UserName", "userName", 128)?;
    let (_, arn) = named_group(state, name);
    let action = if add {
        "iam:AddUserToGroup"
    } else {
        "iam:RemoveUserFromGroup"
    };
    authorize(state, ctx, action, &arn)?;
    state.iam.update_directory(|d| {
        if !d.groups.contains_key(name) {
            return Err(no_such_group(name));
        }
        let member = d
            .users
            .get_mut(user)
            .ok_or_else(|| super::no_such_user(user))?;
        let already = member.groups.iter().any(|g| g == name);
        match (add, already) {
            // Adding a member twice changes nothing, as IAM answers it.
            (true, true) => {}
            (true, false) => {
                if member.groups.len() >= GROUPS_PER_USER {
                    return Err(IamApiError::limit_exceeded(format!(
                        "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
                    )));
                }
                member.groups.push(name.to_owned());
            }
            (false, true) => member.groups.retain(|g| g != name),
            // NoSuchEntity is RemoveUserFromGroup's only entity error (IAM API Reference);
            // its wording for a user outside the group is not documented, so the user's
            // own not-found message is given.
            (false, false) => return Err(super::no_such_user(user)),
        }
        Ok(())
    })?;
    Ok(Output::of(&()))
}
