//! Reading and deleting parameters by name: GetParameter, GetParameters,
//! GetParameterHistory, DeleteParameter and DeleteParameters.

use super::error::{validated, SsmError};
use super::model::*;
use super::names::{parse_reference, ParameterRef};
use super::secure;
use super::services::SsmServices;
use super::store::not_found;
use super::token;
use super::{inline_policies, to_parameter};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

/// Resolves a name (or ARN, with selector) that must exist, answering a reference that
/// cannot name a parameter of the request's region and account as `ParameterNotFound`.
fn reference(name: &str, ctx: &RequestContext) -> Result<ParameterRef, SsmError> {
    parse_reference(name, &ctx.region, &ctx.account)?.ok_or_else(|| not_found(name))
}

/// The name an answer gives for a parameter: the name as the request wrote it (`a` and
/// `/a` name one parameter, and AWS echoes the form asked for), or the stored name when
/// the request gave an ARN.
fn echoed<'a>(requested: &str, r: &'a ParameterRef, stored: &'a str) -> &'a str {
    if requested.starts_with("arn:") {
        stored
    } else {
        &r.name
    }
}

/// GetParameter.
pub fn get_parameter(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: GetParameterRequest,
) -> Result<GetParameterResult, SsmError> {
    validated(input.check())?;
    let name = input.name.unwrap_or_default();
    super::authorize_parameter(services, ctx, "ssm:GetParameter", &name)?;
    super::names::validate_read_name(&name)?;
    // AWS answers a GetParameter miss with an empty message, and a Secrets Manager
    // reference to no secret as below (recorded in aws/aws-cli issue 10518, where a CLI
    // bug had appended "null" to the name; the emulator serves no Secrets Manager, so
    // every such reference is to no secret).
    let blank = |e: SsmError| {
        match e {
        SsmError::ParameterNotFound(_) => match name.strip_prefix('/') {
            Some(secret) if name.starts_with(super::names::SECRETS_MANAGER_PREFIX) => {
                SsmError::ParameterNotFound(format!(
                    "An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret {secret} not found."
                ))
            }
            _ => SsmError::ParameterNotFound(String::new()),
        },
        e => e,
    }
    };
    let r = reference(&name, ctx).map_err(blank)?;
    let store = services.parameters(&ctx.region);
    let suffix = r.selector.as_ref().map(|s| s.as_suffix());
    // The answer is built under the read lock from the stored version (no copy of it).
    let mut parameter = store
        .with(&r.key, |p| {
            let version = p.select(r.selector.as_ref())?;
            Ok(to_parameter(
                echoed(&name, &r, &p.name),
                version,
                &ctx.region,
                &ctx.account,
                suffix,
            ))
        })
        .unwrap_or_else(|| Err(not_found(&r.name)))
        .map_err(blank)?;
    secure::reveal(
        services,
        ctx,
        &mut parameter,
        input.with_decryption.unwrap_or(false),
    )?;
    Ok(GetParameterResult {
        parameter: Some(parameter),
    })
}

/// GetParameters: found parameters, sorted by name; the rest in `InvalidParameters`.
pub fn get_parameters(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: GetParametersRequest,
) -> Result<GetParametersResult, SsmError> {
    validated(input.check())?;
    let requested = input.names.unwrap_or_default();
    for name in &requested {
        super::authorize_parameter(services, ctx, "ssm:GetParameters", name)?;
    }
    let store = services.parameters(&ctx.region);
    let (mut parameters, mut invalid_parameters) = (Vec::new(), Vec::new());
    let mut seen: Vec<&str> = Vec::with_capacity(requested.len());
    for name in &requested {
        if seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        let found = parse_reference(name, &ctx.region, &ctx.account)
            .ok()
            .flatten()
            .and_then(|r| {
                let (stored, version) = store.get(&r.key, &r.name, r.selector.as_ref()).ok()?;
                Some(to_parameter(
                    echoed(name, &r, &stored),
                    &version,
                    &ctx.region,
                    &ctx.account,
                    r.selector.as_ref().map(|s| s.as_suffix()),
                ))
            });
        match found {
            Some(parameter) => parameters.push(parameter),
            None => invalid_parameters.push(name.clone()),
        }
    }
    parameters.sort_by(|a, b| a.name.cmp(&b.name));
    let decrypt = input.with_decryption.unwrap_or(false);
    for parameter in &mut parameters {
        secure::reveal(services, ctx, parameter, decrypt)?;
    }
    Ok(GetParametersResult {
        parameters: Some(parameters),
        invalid_parameters: Some(invalid_parameters),
    })
}

/// DeleteParameter.
pub fn delete_parameter(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: DeleteParameterRequest,
) -> Result<DeleteParameterResult, SsmError> {
    validated(input.check())?;
    let name = input.name.unwrap_or_default();
    super::authorize_parameter(services, ctx, "ssm:DeleteParameter", &name)?;
    let r = reference(&name, ctx)?;
    if r.selector.is_some() || !services.parameters(&ctx.region).delete(&r.key) {
        return Err(not_found(&name));
    }
    Ok(DeleteParameterResult {})
}

/// DeleteParameters: deleted names, and those that named no parameter.
pub fn delete_parameters(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: DeleteParametersRequest,
) -> Result<DeleteParametersResult, SsmError> {
    validated(input.check())?;
    let requested = input.names.unwrap_or_default();
    for name in &requested {
        super::authorize_parameter(services, ctx, "ssm:DeleteParameters", name)?;
    }
    let store = services.parameters(&ctx.region);
    let (mut deleted, mut invalid): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for name in requested {
        let was_deleted = match parse_reference(&name, &ctx.region, &ctx.account) {
            Ok(Some(r)) if r.selector.is_none() => store.delete(&r.key),
            _ => false,
        };
        if was_deleted {
            deleted.push(name);
        } else if !invalid.contains(&name) && !deleted.contains(&name) {
            invalid.push(name);
        }
    }
    Ok(DeleteParametersResult {
        deleted_parameters: Some(deleted),
        invalid_parameters: Some(invalid),
    })
}

/// GetParameterHistory: every kept version, oldest first, in pages of up to 50.
pub fn get_parameter_history(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    input: GetParameterHistoryRequest,
) -> Result<GetParameterHistoryResult, SsmError> {
    validated(input.check())?;
    let name = input.name.clone().unwrap_or_default();
    super::authorize_parameter(services, ctx, "ssm:GetParameterHistory", &name)?;
    super::names::validate_read_name(&name)?;
    let r = reference(&name, ctx)?;
    if r.selector.is_some() {
        return Err(not_found(&name));
    }
    let start = match input.next_token.as_deref() {
        Some(t) => token::decode("idx", t)?.parse().map_err(|_| {
            SsmError::InvalidNextToken("The specified token isn't valid.".to_owned())
        })?,
        None => 0,
    };
    let limit = input.max_results.unwrap_or(50) as usize;
    let (mut parameters, total) = services
        .parameters(&ctx.region)
        .with(&r.key, |p| {
            let page = p
                .versions
                .iter()
                .skip(start)
                .take(limit)
                .map(|pv| ParameterHistory {
                    name: Some(echoed(&name, &r, &p.name).to_owned()),
                    r#type: Some(pv.kind.as_str().to_owned()),
                    key_id: pv.key_id.clone(),
                    last_modified_date: Some(pv.last_modified),
                    last_modified_user: Some(pv.last_modified_user.clone()),
                    description: pv.description.clone(),
                    value: Some(pv.value.clone()),
                    allowed_pattern: pv.allowed_pattern.as_ref().map(|p| p.as_str().to_owned()),
                    version: Some(pv.version as i64),
                    labels: Some(pv.labels.clone()),
                    tier: Some(pv.tier.as_str().to_owned()),
                    policies: Some(inline_policies(pv)),
                    data_type: Some(pv.data_type.clone()),
                })
                .collect::<Vec<_>>();
            (page, p.versions.len())
        })
        .ok_or_else(|| not_found(&name))?;
    if input.with_decryption.unwrap_or(false) {
        // The context the value was encrypted under names the parameter, however the
        // request wrote it (a name or its ARN).
        let arn = super::names::arn(&ctx.region, &ctx.account, &r.name);
        for entry in &mut parameters {
            if entry.r#type.as_deref() == Some(super::store::ParameterType::SecureString.as_str()) {
                let ciphertext = entry.value.take().unwrap_or_default();
                entry.value = Some(secure::decrypt(services, ctx, &arn, &ciphertext)?);
            }
        }
    }
    let end = start + parameters.len();
    Ok(GetParameterHistoryResult {
        parameters: Some(parameters),
        next_token: (end < total).then(|| token::encode("idx", &end.to_string())),
    })
}
