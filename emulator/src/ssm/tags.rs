//! AddTagsToResource, RemoveTagsFromResource and ListTagsForResource, for parameters.

use super::error::{validated, SsmError};
use super::model::*;
use super::names::parse_reference;
use super::services::SsmServices;
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

fn invalid_resource_id() -> SsmError {
    SsmError::InvalidResourceId(
        "The resource ID isn't valid. Verify that you entered the correct ID and try again."
            .to_owned(),
    )
}

/// Returns the store key of the parameter the resource members name (the input already
/// checked against the model). Only parameters exist in this emulator, so any other
/// resource is not found.
fn resource_key(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    action: &str,
    resource_type: &Option<String>,
    resource_id: &Option<String>,
    extra: &dyn Fn(&mut crate::iam::policy::ContextKeys),
) -> Result<String, SsmError> {
    if resource_type.as_deref() != Some("Parameter") {
        return Err(invalid_resource_id());
    }
    let id = resource_id.clone().unwrap_or_default();
    super::authorize_parameter_with(services, ctx, action, &id, extra)?;
    match parse_reference(&id, &ctx.region, &ctx.account) {
        Ok(Some(r)) if r.selector.is_none() => Ok(r.key),
        _ => Err(invalid_resource_id()),
    }
}

/// AddTagsToResource: adds tags, replacing the value of keys already present.
pub fn add_tags_to_resource(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: AddTagsToResourceRequest,
) -> Result<AddTagsToResourceResult, SsmError> {
    validated(input.check())?;
    let tags: Vec<(String, String)> = input
        .tags
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect();
    let key = resource_key(
        services,
        ctx,
        "ssm:AddTagsToResource",
        &input.resource_type,
        &input.resource_id,
        &|keys| super::request_tag_keys(keys, &tags),
    )?;
    services
        .parameters(&ctx.region)
        .add_tags(&key, &tags)
        .map(|()| AddTagsToResourceResult {})
}

/// RemoveTagsFromResource: removes tags by key; absent keys are ignored.
pub fn remove_tags_from_resource(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: RemoveTagsFromResourceRequest,
) -> Result<RemoveTagsFromResourceResult, SsmError> {
    validated(input.check())?;
    let removed = input.tag_keys.clone().unwrap_or_default();
    let key = resource_key(
        services,
        ctx,
        "ssm:RemoveTagsFromResource",
        &input.resource_type,
        &input.resource_id,
        &|keys| keys.insert_many("aws:TagKeys", removed.clone()),
    )?;
    services
        .parameters(&ctx.region)
        .remove_tags(&key, &input.tag_keys.unwrap_or_default())
        .map(|()| RemoveTagsFromResourceResult {})
}

/// ListTagsForResource: the tags, sorted by key.
pub fn list_tags_for_resource(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResult, SsmError> {
    validated(input.check())?;
    let key = resource_key(
        services,
        ctx,
        "ssm:ListTagsForResource",
        &input.resource_type,
        &input.resource_id,
        &crate::iam::no_keys,
    )?;
    let tag_list = services
        .parameters(&ctx.region)
        .with(&key, |p| {
            p.tags
                .iter()
                .map(|(k, v)| Tag {
                    key: Some(k.clone()),
                    value: Some(v.clone()),
                })
                .collect()
        })
        .ok_or_else(invalid_resource_id)?;
    Ok(ListTagsForResourceResult {
        tag_list: Some(tag_list),
    })
}
