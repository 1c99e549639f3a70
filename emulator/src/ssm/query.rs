//! Queries over the name space: GetParametersByPath and DescribeParameters, paged with
//! opaque tokens that name the last key returned.

use super::error::{validated, SsmError};
use super::filters::{
    is_valid_path, parse_legacy_filters, parse_string_filters, Filter, FilterKey, FilterUse,
    INVALID_PATH,
};
use super::model::*;
use super::names::{self, MAX_LEVELS};
use super::services::SsmServices;
use super::store::PathScope;
use super::token;
use super::{inline_policies, to_parameter};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

/// Decodes a page token, whose key must lie within `scope`.
fn parse_key_token(t: &str, scope: &PathScope) -> Result<String, SsmError> {
    token::decode("key", t)?
        .strip_prefix(&scope.prefix)
        .map(|rest| format!("{}{rest}", scope.prefix))
        .ok_or_else(|| SsmError::InvalidNextToken("The specified token isn't valid.".to_owned()))
}

/// GetParametersByPath: the parameters under a path (direct children, or all
/// descendants when `Recursive`), in name order, ten at most per page.
pub fn get_parameters_by_path(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: GetParametersByPathRequest,
) -> Result<GetParametersByPathResult, SsmError> {
    validated(input.check())?;
    let path = input.path.clone().unwrap_or_default();
    if !is_valid_path(&path) {
        return Err(SsmError::ValidationException(INVALID_PATH.to_owned()));
    }
    if path != "/" && names::levels(path.trim_end_matches('/')) > MAX_LEVELS {
        return Err(SsmError::HierarchyLevelLimitExceededException(format!(
            "A path can't contain more than {MAX_LEVELS} levels of hierarchy. Path: {path}"
        )));
    }
    // ssm:Recursive: whether the request asks for the whole subtree (AWS Systems
    // Manager User Guide, "Preventing access to Parameter Store API operations").
    let recursive = if input.recursive == Some(true) {
        "true"
    } else {
        "false"
    };
    super::authorize_with(
        services,
        ctx,
        "ssm:GetParametersByPath",
        &names::arn(&ctx.region, &ctx.account, &path),
        &|keys| keys.insert("ssm:Recursive", recursive),
    )?;
    let filters = parse_string_filters(
        input.parameter_filters.as_deref().unwrap_or_default(),
        FilterUse::ByPath,
    )?;
    let scope = PathScope::of_path(&path, input.recursive.unwrap_or(false));
    let after = input
        .next_token
        .as_deref()
        .map(|t| parse_key_token(t, &scope))
        .transpose()?;
    let limit = input.max_results.unwrap_or(10) as usize;
    let label_filter: Option<&Filter> = filters.iter().find(|f| f.key == FilterKey::Label);
    let (region, account) = (ctx.region.as_str(), ctx.account.as_str());
    let page = services.parameters(region).page(
        &scope,
        after.as_deref(),
        limit,
        |p| filters.iter().all(|f| f.matches(p)),
        |p| {
            // A Label filter selects the labelled version rather than the newest.
            let version = label_filter
                .and_then(|f| f.labelled_version(p))
                .map_or_else(|| p.latest(), |i| &p.versions[i]);
            to_parameter(&p.name, version, region, account, None)
        },
    );
    let next_token = page.next_after.as_deref().map(|k| token::encode("key", k));
    let mut parameters = page.items;
    let decrypt = input.with_decryption.unwrap_or(false);
    for parameter in &mut parameters {
        super::secure::reveal(services, ctx, parameter, decrypt)?;
    }
    Ok(GetParametersByPathResult {
        parameters: Some(parameters),
        next_token,
    })
}

/// DescribeParameters: metadata of the newest version of each matching parameter, in
/// name order, 50 at most per page.
pub fn describe_parameters(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: DescribeParametersRequest,
) -> Result<DescribeParametersResult, SsmError> {
    validated(input.check())?;
    super::authorize(
        services,
        ctx,
        "ssm:DescribeParameters",
        &format!("arn:aws:ssm:{}:{}:*", ctx.region, ctx.account),
    )?;
    let filters = match (&input.filters, &input.parameter_filters) {
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
            return Err(SsmError::ValidationException(
                "You can use either Filters or ParameterFilters in a single request.".to_owned(),
            ))
        }
        (Some(legacy), _) if !legacy.is_empty() => parse_legacy_filters(legacy)?,
        (_, Some(filters)) => parse_string_filters(filters, FilterUse::Describe)?,
        _ => Vec::new(),
    };
    // A single Path filter with a single value narrows the scan to that subtree.
    let scope = match filters.iter().find(|f| f.key == FilterKey::Path) {
        Some(f) if f.values.len() == 1 => PathScope::of_path(&f.values[0], f.option == "Recursive"),
        _ => PathScope::of_path("/", true),
    };
    let after = input
        .next_token
        .as_deref()
        .map(|t| parse_key_token(t, &scope))
        .transpose()?;
    if input.shared == Some(true) {
        // No parameters are shared with this account by others.
        return Ok(DescribeParametersResult {
            parameters: Some(Vec::new()),
            next_token: None,
        });
    }
    let limit = input.max_results.unwrap_or(10) as usize;
    let (region, account) = (ctx.region.as_str(), ctx.account.as_str());
    let page = services.parameters(region).page(
        &scope,
        after.as_deref(),
        limit,
        |p| filters.iter().all(|f| f.matches(p)),
        |p| {
            let latest = p.latest();
            ParameterMetadata {
                name: Some(p.name.clone()),
                arn: Some(names::arn(region, account, &p.name)),
                r#type: Some(latest.kind.as_str().to_owned()),
                key_id: latest.key_id.clone(),
                last_modified_date: Some(latest.last_modified),
                last_modified_user: Some(latest.last_modified_user.clone()),
                description: latest.description.clone(),
                allowed_pattern: latest
                    .allowed_pattern
                    .as_ref()
                    .map(|p| p.as_str().to_owned()),
                version: Some(latest.version as i64),
                tier: Some(latest.tier.as_str().to_owned()),
                policies: Some(inline_policies(latest)),
                data_type: Some(latest.data_type.clone()),
            }
        },
    );
    Ok(DescribeParametersResult {
        parameters: Some(page.items),
        next_token: page.next_after.as_deref().map(|k| token::encode("key", k)),
    })
}
