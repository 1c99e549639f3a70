//! The function operations: CreateFunction, GetFunction, GetFunctionConfiguration,
//! ListFunctions, UpdateFunctionConfiguration, UpdateFunctionCode and DeleteFunction.
//! Each checks its input, then authorises with the action and resource Lambda uses
//! (before it looks at the function), then applies Lambda's rules.

use super::code::{self, CodePackage, CodeSpec};
use super::config::{self, ConfigInput, FunctionConfig};
use super::error::LambdaError;
use super::model::{
    CreateFunctionRequest, DeleteFunctionRequest, FunctionCodeLocation, FunctionConfiguration,
    GetFunctionConfigurationRequest, GetFunctionRequest, GetFunctionResponse, ListFunctionsRequest,
    ListFunctionsResponse, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};
use super::names::LATEST;
use super::pool::EnvironmentPool;
use super::services::LambdaServices;
use super::store::Function;
use super::trust::{role_trusts_lambda, SERVICE_PRINCIPAL};
use super::updates::Preparation;
use crate::context::RequestContext;
use base64::Engine;
use std::sync::Arc;

pub use super::access::{authorize, authorize_with, target, Target};

/// Checks that the caller may pass `role` to Lambda (`iam:PassRole`) and that the role
/// exists and trusts Lambda.
fn check_role(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    role: &str,
    function_arn: &str,
) -> Result<(), LambdaError> {
    state
        .authorize_with_keys(
            ctx,
            "iam:PassRole",
            role,
            // IAM User Guide, "IAM and AWS STS condition context keys": the service the
            // role is passed to, and the resource it is passed for.
            &[
                ("iam:PassedToService", SERVICE_PRINCIPAL),
                ("iam:AssociatedResourceArn", function_arn),
            ],
        )
        .map_err(LambdaError::AccessDenied)?;
    role_trusts_lambda(state, role, function_arn)
}

fn not_found(target: &Target) -> LambdaError {
    LambdaError::function_not_found(&target.qualified_arn())
}

/// The function a target names (its qualifier, if any, must name `$LATEST`, a
/// published version or an alias).
fn find(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    target: &Target,
) -> Result<Arc<Function>, LambdaError> {
    // Another account's function is never this one's (reached only when soft
    // enforcement let the cross-account refusal through).
    if target.account != ctx.account {
        return Err(not_found(target));
    }
    let function = state
        .functions(&ctx.region)
        .get(&target.reference.name)
        .ok_or_else(|| not_found(target))?;
    super::versions::resolve(&function, target, false)?;
    Ok(function)
}

/// Builds a code package off the request's thread (unpacking and hashing block); for a
/// managed runtime (`managed`) no `bootstrap` is needed.
async fn package(
    state: &dyn LambdaServices,
    spec: CodeSpec,
    managed: bool,
) -> Result<CodePackage, LambdaError> {
    let workdir = state.lambda().workdir()?;
    tokio::task::spawn_blocking(move || code::build_for(&workdir, &spec, managed))
        .await
        .map_err(|e| LambdaError::Service(format!("Unpacking the code failed: {e}")))?
}

pub use super::updates::refuse_while_pending;

fn check_revision(given: Option<&str>, current: &FunctionConfig) -> Result<(), LambdaError> {
    match given {
        Some(revision) if revision != current.revision_id => Err(LambdaError::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// With `Publish: true`, publishes the new `$LATEST` and answers the version's
/// configuration (as CreateFunction and UpdateFunctionCode do on Lambda).
fn published_output(
    state: &dyn LambdaServices,
    function: &Function,
    publish: Option<bool>,
) -> Result<Option<FunctionConfiguration>, LambdaError> {
    if publish != Some(true) {
        return Ok(None);
    }
    let published = super::versions::publish(state, function, &Default::default())?;
    Ok(Some(
        published.version.config.output(&published.version.code),
    ))
}

/// CreateFunction.
pub async fn create(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: CreateFunctionRequest,
) -> Result<FunctionConfiguration, LambdaError> {
    create_with(state, ctx, input, None).await
}

/// CreateFunction with its code given as a spec instead of the request's `Code` (a
/// CloudFormation deployment of a SAM function built with cargo: `BuildMethod:
/// rust-cargolambda`); everything else as CreateFunction.
pub async fn create_with(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: CreateFunctionRequest,
    code_spec: Option<code::CodeSpec>,
) -> Result<FunctionConfiguration, LambdaError> {
    config::check_model(&input)?;
    let (Some(name), Some(role), Some(code_input)) =
        (&input.function_name, &input.role, &input.code)
    else {
        return Err(LambdaError::Service(
            "required members were checked".to_owned(),
        ));
    };
    let target = target(ctx, name, 140)?;
    if target.reference.qualifier.is_some() {
        return Err(LambdaError::InvalidParameterValue(
            "A function name given to CreateFunction cannot have a qualifier.".to_owned(),
        ));
    }
    if input.package_type.as_deref() == Some("Image") {
        return Err(LambdaError::InvalidParameterValue(
            "Container image functions (PackageType Image) are not supported by this emulator; use a Zip package."
                .to_owned(),
        ));
    }
    let changes = config::check(&ConfigInput {
        runtime: input.runtime.as_deref(),
        role: Some(role),
        handler: input.handler.as_deref(),
        description: input.description.as_deref(),
        timeout: input.timeout.map(i64::from),
        memory_size: input.memory_size.map(i64::from),
        environment: input.environment.as_ref(),
        architectures: input.architectures.as_deref(),
        tracing_config: input.tracing_config.as_ref(),
        ephemeral_storage: input.ephemeral_storage.as_ref(),
        logging_config: input.logging_config.as_ref(),
        kms_key_arn: input.kms_key_arn.as_deref(),
        dead_letter_config: input.dead_letter_config.as_ref(),
        layers: input.layers.as_deref(),
        file_system_configs: input.file_system_configs.as_deref(),
        image_config: input.image_config.as_ref(),
        snap_start: input.snap_start.as_ref(),
    })?;
    if input.runtime.is_none() || input.handler.is_none() {
        return Err(LambdaError::InvalidParameterValue(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages."
                .to_owned(),
        ));
    }
    let spec = match code_spec {
        Some(spec) => spec,
        None => code::spec_from_request(
            code_input.zip_file.as_deref(),
            code_input.s3_bucket.as_deref(),
            code_input.s3_key.as_deref(),
            code_input.image_uri.as_deref(),
        )?,
    };
    let tags = input.tags.clone().unwrap_or_default();
    authorize_with(
        state,
        ctx,
        "lambda:CreateFunction",
        &target.arn,
        &target.account,
        &|keys| super::tags::request_tag_keys(keys, &tags),
    )?;
    if tags.len() > super::tags::MAX_TAGS {
        return Err(super::tags::too_many_tags());
    }
    check_role(state, ctx, role, &target.arn)?;
    let runtime = input.runtime.clone().unwrap_or_default();
    let managed = super::managed::family(&runtime).is_some();
    if managed {
        // Probing runs processes (each within a time limit): off the request's worker.
        let runtimes = state.lambda().runtimes(state.config());
        let probed = runtime.clone();
        tokio::task::spawn_blocking(move || runtimes.find(&probed))
            .await
            .map_err(|e| LambdaError::Service(format!("Looking for the runtime failed: {e}")))?
            .map_err(LambdaError::InvalidParameterValue)?;
    }
    let region = state.functions(&ctx.region);
    let exists = || {
        LambdaError::ResourceConflict(format!("Function already exist: {}", target.reference.name))
    };
    if region.get(&target.reference.name).is_some() {
        return Err(exists());
    }
    let package = package(state, spec, managed).await?;
    let mut config = FunctionConfig::new(&target.reference.name, &target.arn, &ctx.region, changes);
    config.tags = input.tags.clone().unwrap_or_default();
    let output = config.output(&package);
    let function = Arc::new(Function::new(
        config,
        Arc::new(package),
        EnvironmentPool::configured(state.config()),
    ));
    if !region.insert_within(
        Arc::clone(&function),
        state.config().lambda_code_storage_bytes,
    )? {
        return Err(exists());
    }
    tracing::debug!(function = %target.arn, request_id = %ctx.request_id, "function created");
    Ok(published_output(state, &function, input.publish)?.unwrap_or(output))
}

/// The function a read names (with an optional qualifier) and the version the qualifier
/// resolves to, once the caller is authorised for `action` on it.
fn read_function(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    qualifier: Option<&str>,
    action: &str,
) -> Result<(Arc<Function>, super::store::Resolved), LambdaError> {
    let target = target(ctx, name, 256)?;
    let target = Target {
        reference: target.reference.clone().with_qualifier(qualifier)?,
        ..target
    };
    authorize(state, ctx, action, &target.qualified_arn(), &target.account)?;
    let function = find(state, ctx, &target)?;
    let resolved = super::versions::resolve(&function, &target, false)?;
    Ok((function, resolved))
}

/// The configuration of a resolved version: `$LATEST` with its state and last update.
fn output_of(function: &Function, resolved: &super::store::Resolved) -> FunctionConfiguration {
    match resolved {
        super::store::Resolved::Latest => function.latest_output(),
        super::store::Resolved::Version(published) => {
            published.version.config.output(&published.version.code)
        }
    }
}

/// GetFunction. `Code.Location` is a download link served by the emulator at `host`
/// (the request's `Host`, which the guard has checked names this machine) for every
/// package (a cargo package once built); else the code's `file://` location.
pub fn get(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: GetFunctionRequest,
    host: Option<&str>,
) -> Result<GetFunctionResponse, LambdaError> {
    config::check_model(&input)?;
    let name = input.function_name.as_deref().unwrap_or_default();
    let qualifier = input.qualifier.as_deref();
    let (function, resolved) = read_function(state, ctx, name, qualifier, "lambda:GetFunction")?;
    // The code of the configuration reported (an update in progress included).
    let current = match &resolved {
        super::store::Resolved::Latest => function.shown_latest(),
        super::store::Resolved::Version(published) => Arc::clone(&published.version),
    };
    let location = host
        .and_then(|h| {
            state
                .lambda()
                .code_links
                .issue(&format!("http://{h}"), &current.code)
        })
        .unwrap_or_else(|| current.code.location());
    Ok(GetFunctionResponse {
        configuration: Some(output_of(&function, &resolved)),
        code: Some(FunctionCodeLocation {
            repository_type: Some("S3".to_owned()),
            location: Some(location),
            ..Default::default()
        }),
        // Tags are the function's, whatever version the qualifier names.
        tags: {
            let tags = function.current().config.tags.clone();
            (!tags.is_empty()).then_some(tags)
        },
        ..Default::default()
    })
}

/// GetFunctionConfiguration.
pub fn get_configuration(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: GetFunctionConfigurationRequest,
) -> Result<FunctionConfiguration, LambdaError> {
    config::check_model(&input)?;
    let name = input.function_name.as_deref().unwrap_or_default();
    let qualifier = input.qualifier.as_deref();
    let (function, resolved) = read_function(
        state,
        ctx,
        name,
        qualifier,
        "lambda:GetFunctionConfiguration",
    )?;
    Ok(output_of(&function, &resolved))
}

/// ListFunctions: the region's functions in name order, `MaxItems` (1-10000, default 50) at
/// a time, with an opaque `NextMarker`.
pub fn list(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: ListFunctionsRequest,
) -> Result<ListFunctionsResponse, LambdaError> {
    config::check_model(&input)?;
    if input.master_region.is_some() {
        return Err(LambdaError::InvalidParameterValue(
            "MasterRegion applies to Lambda@Edge replicas, which this emulator does not have."
                .to_owned(),
        ));
    }
    authorize(state, ctx, "lambda:ListFunctions", "*", &ctx.account)?;
    let from = match input.marker.as_deref() {
        None | Some("") => None,
        Some(marker) => Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(marker)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    LambdaError::InvalidParameterValue(format!("Invalid marker: {marker}"))
                })?,
        ),
    };
    let max = input
        .max_items
        .map_or(50, |n| usize::try_from(n).unwrap_or(50));
    let all_versions = input.function_version.as_deref() == Some("ALL");
    let (page, next) = state.functions(&ctx.region).page(from.as_deref(), max);
    Ok(ListFunctionsResponse {
        // `FunctionVersion: ALL` lists each function's published versions after it.
        functions: Some(
            page.iter()
                .flat_map(|f| {
                    let versions = if all_versions {
                        f.versions()
                    } else {
                        Vec::new()
                    };
                    std::iter::once(f.latest_output()).chain(
                        versions
                            .into_iter()
                            .map(|p| p.version.config.output(&p.version.code)),
                    )
                })
                .collect(),
        ),
        next_marker: next.map(|name| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name)),
    })
}

/// UpdateFunctionConfiguration. A change retires the warm environments: the next
/// invocation starts cold with the new configuration.
pub fn update_configuration(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    mut input: UpdateFunctionConfigurationRequest,
) -> Result<FunctionConfiguration, LambdaError> {
    input.function_name = Some(name.to_owned());
    config::check_model(&input)?;
    let target = target(ctx, name, 140)?;
    let changes = config::check(&ConfigInput {
        runtime: input.runtime.as_deref(),
        role: input.role.as_deref(),
        handler: input.handler.as_deref(),
        description: input.description.as_deref(),
        timeout: input.timeout.map(i64::from),
        memory_size: input.memory_size.map(i64::from),
        environment: input.environment.as_ref(),
        architectures: None,
        tracing_config: input.tracing_config.as_ref(),
        ephemeral_storage: input.ephemeral_storage.as_ref(),
        logging_config: input.logging_config.as_ref(),
        kms_key_arn: input.kms_key_arn.as_deref(),
        dead_letter_config: input.dead_letter_config.as_ref(),
        layers: input.layers.as_deref(),
        file_system_configs: input.file_system_configs.as_deref(),
        image_config: input.image_config.as_ref(),
        snap_start: input.snap_start.as_ref(),
    })?;
    authorize(
        state,
        ctx,
        "lambda:UpdateFunctionConfiguration",
        &target.qualified_arn(),
        &target.account,
    )?;
    let function = find(state, ctx, &target)?;
    if target.reference.qualifier.is_some() {
        return Err(LambdaError::InvalidParameterValue(
            "Only the unqualified function can be configured.".to_owned(),
        ));
    }
    if let Some(role) = &input.role {
        check_role(state, ctx, role, &target.arn)?;
    }
    // The runtime the function will have: its interpreter, if not found yet, is what the
    // update prepares (InProgress meanwhile).
    let runtimes = state.lambda().runtimes(state.config());
    let runtime = input
        .runtime
        .clone()
        .unwrap_or_else(|| function.current().config.runtime.clone());
    let preparation = Preparation::for_runtime(&runtimes, &runtime);
    let (output, _) = function.begin_update(runtimes, preparation, |current| {
        refuse_while_pending(&current.code)?;
        check_revision(input.revision_id.as_deref(), &current.config)?;
        let mut config = current.config.clone();
        config.apply(changes);
        Ok((config, Arc::clone(&current.code)))
    })?;
    tracing::debug!(function = %target.arn, request_id = %ctx.request_id, "function configuration updated");
    Ok(output)
}

/// UpdateFunctionCode. With `DryRun`, the package is checked and nothing changes.
pub async fn update_code(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    input: UpdateFunctionCodeRequest,
) -> Result<FunctionConfiguration, LambdaError> {
    update_code_with(state, ctx, name, input, None).await
}

/// UpdateFunctionCode with its code given as a spec instead of the request's code members
/// (a CloudFormation update of a function built with cargo), as [`create_with`].
pub async fn update_code_with(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    mut input: UpdateFunctionCodeRequest,
    code_spec: Option<code::CodeSpec>,
) -> Result<FunctionConfiguration, LambdaError> {
    input.function_name = Some(name.to_owned());
    config::check_model(&input)?;
    let target = target(ctx, name, 140)?;
    let spec = match code_spec {
        Some(spec) => spec,
        None => code::spec_from_request(
            input.zip_file.as_deref(),
            input.s3_bucket.as_deref(),
            input.s3_key.as_deref(),
            input.image_uri.as_deref(),
        )?,
    };
    authorize(
        state,
        ctx,
        "lambda:UpdateFunctionCode",
        &target.qualified_arn(),
        &target.account,
    )?;
    let function = find(state, ctx, &target)?;
    if target.reference.qualifier.is_some() {
        return Err(LambdaError::InvalidParameterValue(
            "Only the unqualified function's code can be updated.".to_owned(),
        ));
    }
    refuse_while_pending(&function.current().code)?;
    function.refuse_while_changing()?;
    check_revision(input.revision_id.as_deref(), &function.current().config)?;
    let managed = super::managed::family(&function.current().config.runtime).is_some();
    let package = package(state, spec, managed).await?;
    // The region's code storage quota, with this function's `$LATEST` code replaced (its
    // published versions keep theirs).
    let others = state
        .functions(&ctx.region)
        .code_bytes(Some(&function.name));
    let kept = others.saturating_add(function.versions_code());
    if kept.saturating_add(package.size()) > state.config().lambda_code_storage_bytes {
        return Err(LambdaError::code_storage_exceeded());
    }
    if input.dry_run == Some(true) {
        let current = function.current();
        return Ok(current.config.output(&package));
    }
    let package = Arc::new(package);
    let runtimes = state.lambda().runtimes(state.config());
    let preparation = Preparation::for_runtime(&runtimes, &function.current().config.runtime);
    let (output, preparing) = function.begin_update(runtimes, preparation, |current| {
        refuse_while_pending(&current.code)?;
        check_revision(input.revision_id.as_deref(), &current.config)?;
        let mut config = current.config.clone();
        if let Some(architectures) = &input.architectures {
            config.architectures = architectures.clone();
        }
        config.touch();
        Ok((config, Arc::clone(&package)))
    })?;
    tracing::debug!(function = %target.arn, request_id = %ctx.request_id, "function code updated");
    if input.publish != Some(true) {
        return Ok(output);
    }
    // `Publish: true` publishes the updated code: once its preparation has ended, and
    // only if the update applied.
    if let Some(preparing) = preparing {
        let _ = preparing.await;
        let latest = function.latest_output();
        if latest.last_update_status.as_deref() == Some("Failed") {
            return Ok(latest);
        }
    }
    Ok(published_output(state, &function, input.publish)?.unwrap_or(output))
}

/// DeleteFunction: the function goes at once; its idle environments are stopped, busy
/// ones when their invocation ends.
pub fn delete(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: DeleteFunctionRequest,
) -> Result<(), LambdaError> {
    config::check_model(&input)?;
    let name = input.function_name.as_deref().unwrap_or_default();
    let qualifier = input.qualifier.as_deref();
    let target = target(ctx, name, 256)?;
    let target = Target {
        reference: target.reference.clone().with_qualifier(qualifier)?,
        ..target
    };
    authorize(
        state,
        ctx,
        "lambda:DeleteFunction",
        &target.qualified_arn(),
        &target.account,
    )?;
    let region = state.functions(&ctx.region);
    match target.reference.qualifier.as_deref() {
        None => {}
        Some(LATEST) => {
            return Err(LambdaError::InvalidParameterValue(
                "$LATEST version cannot be deleted without deleting the function.".to_owned(),
            ))
        }
        Some(q) => {
            // A version is deleted on its own; an alias is not a version.
            let function = region
                .get(&target.reference.name)
                .ok_or_else(|| not_found(&target))?;
            let number = q.parse::<u64>().map_err(|_| not_found(&target))?;
            return match function.remove_version(number) {
                Ok(Some(_)) => {
                    tracing::debug!(function = %target.qualified_arn(), request_id = %ctx.request_id, "function version deleted");
                    Ok(())
                }
                Ok(None) => Err(not_found(&target)),
                Err(aliases) => Err(LambdaError::ResourceConflict(format!(
                    "Unable to delete version because the following aliases reference it: [{}]",
                    aliases.join(", ")
                ))),
            };
        }
    }
    let function = region
        .remove(&target.reference.name)
        .ok_or_else(|| not_found(&target))?;
    function.close();
    tracing::debug!(function = %target.arn, request_id = %ctx.request_id, "function deleted");
    Ok(())
}
