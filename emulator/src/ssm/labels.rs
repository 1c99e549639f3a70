//! LabelParameterVersion and UnlabelParameterVersion.

use super::error::{validated, SsmError};
use super::model::*;
use super::names::parse_reference;
use super::services::SsmServices;
use super::store::not_found;
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

/// Authorises `action` on the parameter both label operations name (their input already
/// checked against the model) and returns its key.
fn parameter_key(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<String, SsmError> {
    super::authorize_parameter(services, ctx, action, name)?;
    let r = parse_reference(name, &ctx.region, &ctx.account)?
        .filter(|r| r.selector.is_none())
        .ok_or_else(|| not_found(name))?;
    Ok(r.key)
}

/// A version number from the request; one that cannot exist is a missing version.
fn version_number(version: i64, name: &str) -> Result<u64, SsmError> {
    u64::try_from(version).map_err(|_| {
        SsmError::ParameterVersionNotFound(format!(
            "Systems Manager could not find version {version} of {name}. Verify the version and try again."
        ))
    })
}

/// LabelParameterVersion: attaches labels to a version (the newest by default), moving
/// them from other versions; invalid labels come back in `InvalidLabels`.
pub fn label_parameter_version(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: LabelParameterVersionRequest,
) -> Result<LabelParameterVersionResult, SsmError> {
    validated(input.check())?;
    let (name, labels) = (
        input.name.unwrap_or_default(),
        input.labels.unwrap_or_default(),
    );
    let key = parameter_key(services, ctx, "ssm:LabelParameterVersion", &name)?;
    let version = input
        .parameter_version
        .map(|v| version_number(v, &name))
        .transpose()?;
    let (invalid_labels, parameter_version) = services
        .parameters(&ctx.region)
        .label(&key, &name, version, &labels)?;
    Ok(LabelParameterVersionResult {
        invalid_labels: Some(invalid_labels),
        parameter_version: Some(parameter_version as i64),
    })
}

/// UnlabelParameterVersion: removes labels from a version; labels not on it come back in
/// `InvalidLabels`.
pub fn unlabel_parameter_version(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: UnlabelParameterVersionRequest,
) -> Result<UnlabelParameterVersionResult, SsmError> {
    validated(input.check())?;
    let (name, labels) = (
        input.name.unwrap_or_default(),
        input.labels.unwrap_or_default(),
    );
    let key = parameter_key(services, ctx, "ssm:UnlabelParameterVersion", &name)?;
    let version = version_number(input.parameter_version.unwrap_or_default(), &name)?;
    let (removed_labels, invalid_labels) = services
        .parameters(&ctx.region)
        .unlabel(&key, &name, version, &labels)?;
    Ok(UnlabelParameterVersionResult {
        removed_labels: Some(removed_labels),
        invalid_labels: Some(invalid_labels),
    })
}
