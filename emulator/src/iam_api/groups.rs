//! Groups over the IAM API: their members and their policies, which are their members'
//! policies from the next request on (the directory's `user_policies` adds them).

use super::{authorize, now, path_of, req, user_view, IamApiError, Page, Paging, Result};
use crate::context::RequestContext;
use crate::generated::iam::{
    self as model, CreateGroupRequest, CreateGroupResponse, DeleteGroupRequest, GetGroupRequest,
    GetGroupResponse, ListGroupsForUserRequest, ListGroupsForUserResponse, ListGroupsRequest,
    ListGroupsResponse,
};
use crate::iam::principals::{self, Group};
use crate::iam::Iam;

/// The groups one user may belong to (IAM User Guide, "IAM and AWS STS quotas":
/// "Groups an IAM user can be a member of: 10").
const GROUPS_PER_USER: usize = 10;

pub(super) fn no_such_group(name: &str) -> IamApiError {
    IamApiError::NoSuchEntityException(format!("The group with name {name} cannot be found."))
}

fn group_arn(iam: &Iam, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:group{path}{name}", iam.account)
}

/// The group `GroupName` names and its ARN (with the default path when it does not
/// exist: the resource its operations are authorised on).
pub(super) fn named_group(iam: &Iam, name: &str) -> (Option<Group>, String) {
    match iam.directory().groups.get(name) {
        Some(group) => (Some(group.clone()), group.arn.clone()),
        None => (None, group_arn(iam, "/", name)),
    }
}

pub(super) fn group_view(d: &principals::Directory, group: &Group) -> model::Group {
    model::Group {
        path: Some(path_of(&group.arn, "group")),
        group_name: Some(group.name.clone()),
        group_id: Some(group.id.clone()),
        arn: Some(group.arn.clone()),
        create_date: Some(super::created(d, &group.arn)),
    }
}

pub(super) fn create_group(
    iam: &Iam,
    ctx: &RequestContext,
    input: CreateGroupRequest,
) -> Result<CreateGroupResponse> {
    let name = req(&input.group_name);
    let path = super::path_or_root(&input.path);
    let arn = group_arn(iam, &path, name);
    authorize(iam, ctx, "iam:CreateGroup", &arn)?;
    let directory = iam.update_directory(|d| {
        // Names are unique without regard to case, as users' and roles'.
        if d.groups.keys().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(IamApiError::EntityAlreadyExistsException(format!(
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
    Ok(CreateGroupResponse {
        group: Some(group_view(&directory, &directory.groups[name])),
    })
}

pub(super) fn get_group(
    iam: &Iam,
    ctx: &RequestContext,
    input: GetGroupRequest,
) -> Result<GetGroupResponse> {
    let name = req(&input.group_name);
    let (_, arn) = named_group(iam, name);
    authorize(iam, ctx, "iam:GetGroup", &arn)?;
    let directory = iam.directory();
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
    let paging = Paging::of(None, input.marker.clone(), input.max_items);
    let page = Page::of(&paging, members, |u| {
        u.user_name.clone().unwrap_or_default()
    });
    Ok(GetGroupResponse {
        group: Some(group_view(&directory, group)),
        users: Some(page.items),
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}

pub(super) fn list_groups(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListGroupsRequest,
) -> Result<ListGroupsResponse> {
    // ListGroups names no resource type (Service Authorization Reference).
    authorize(iam, ctx, "iam:ListGroups", "*")?;
    let paging = Paging::of(input.path_prefix, input.marker, input.max_items);
    let directory = iam.directory();
    let groups = super::by_path(&paging, "group", directory.groups.values(), |g| {
        (&g.arn, &g.name)
    });
    let views = groups.iter().map(|g| group_view(&directory, g)).collect();
    let page = Page::of(&paging, views, |g| g.group_name.clone().unwrap_or_default());
    Ok(paged!(ListGroupsResponse, groups, page))
}

pub(super) fn list_groups_for_user(
    iam: &Iam,
    ctx: &RequestContext,
    input: ListGroupsForUserRequest,
) -> Result<ListGroupsForUserResponse> {
    let user = req(&input.user_name);
    let (_, arn) = super::named_user(iam, user);
    authorize(iam, ctx, "iam:ListGroupsForUser", &arn)?;
    let directory = iam.directory();
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
    let paging = Paging::of(None, input.marker.clone(), input.max_items);
    let page = Page::of(&paging, views, |g| g.group_name.clone().unwrap_or_default());
    Ok(paged!(ListGroupsForUserResponse, groups, page))
}

pub(super) fn delete_group(
    iam: &Iam,
    ctx: &RequestContext,
    input: DeleteGroupRequest,
) -> Result<()> {
    let name = req(&input.group_name);
    let (_, arn) = named_group(iam, name);
    authorize(iam, ctx, "iam:DeleteGroup", &arn)?;
    iam.update_directory(|d| {
        let group = d.groups.get(name).ok_or_else(|| no_such_group(name))?;
        // IAM API Reference, "DeleteGroup": "The group must not contain any users or
        // have any attached policies"; IAM's words (hashicorp/terraform#29147,
        // go-to-k/delstack#40).
        if d.users.values().any(|u| u.groups.iter().any(|g| g == name)) {
            return Err(IamApiError::DeleteConflictException(
                "Cannot delete entity, must remove users from group first.".to_owned(),
            ));
        }
        super::policies_conflict(d, &group.policies)?;
        let arn = group.arn.clone();
        d.groups.remove(name);
        super::forget(d, &arn);
        Ok(())
    })
}

/// AddUserToGroup and RemoveUserFromGroup, authorised on the group (Service
/// Authorization Reference: both act on the `group` resource type).
pub(super) fn membership(
    add: bool,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    user: &str,
) -> Result<()> {
    let (_, arn) = named_group(iam, name);
    let action = if add {
        "iam:AddUserToGroup"
    } else {
        "iam:RemoveUserFromGroup"
    };
    authorize(iam, ctx, action, &arn)?;
    iam.update_directory(|d| {
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
                    return Err(IamApiError::LimitExceededException(format!(
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
    })
}
