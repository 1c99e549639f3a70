//! Versions and aliases: PublishVersion (and `Publish: true`), ListVersionsByFunction,
//! CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases, and the resolution of
//! a qualifier (`$LATEST`, a version number, an alias with its routing weights) to what
//! runs.
//!
//! Authorisation follows the Service Authorization Reference for Lambda ("Actions,
//! resources, and condition keys for AWS Lambda"): the alias and version management
//! actions name the unqualified function ARN; the actions that act on one version or
//! alias (InvokeFunction, GetFunction, GetFunctionConfiguration, DeleteFunction) name the
//! qualified ARN when a qualifier is given, so a policy naming only the unqualified ARN
//! does not allow them (Lambda's 2022 change of authorisation for qualified invocations,
//! as aws/aws-cdk#19464 quotes it: an Invoke with `Qualifier: "1234"` needs
//! `function:MyFunction:1234`).

use super::access::{authorize, target, Target};
use super::code::CodePackage;
use super::config::check_model;
use super::error::LambdaError;
use super::model::{
    AliasConfiguration, AliasRoutingConfiguration, CreateAliasRequest, DeleteAliasRequest,
    FunctionConfiguration, GetAliasRequest, ListAliasesRequest, ListAliasesResponse,
    ListVersionsByFunctionRequest, ListVersionsByFunctionResponse, PublishVersionRequest,
    UpdateAliasRequest,
};
use super::names::LATEST;
use super::pool::EnvironmentPool;
use super::services::LambdaServices;
use super::store::{Alias, Function, FunctionVersion, Published, Resolved};
use super::updates::refuse_while_pending;
use crate::context::RequestContext;
use base64::Engine;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The words Lambda uses for a stale `RevisionId`.
const REVISION_MISMATCH: &str = "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";

/// The function a version or alias operation names: unqualified, authorised for
/// `action` on the function's ARN, and present.
fn function_for(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    action: &str,
) -> Result<(Target, Arc<Function>), LambdaError> {
    let target = target(ctx, name, 140)?;
    authorize(state, ctx, action, &target.arn, &target.account)?;
    if target.reference.qualifier.is_some() {
        return Err(LambdaError::InvalidParameterValue(format!(
            "{action} takes an unqualified function name; the qualifier {} is not accepted here.",
            target.reference.qualifier.as_deref().unwrap_or("")
        )));
    }
    let function = state
        .functions(&ctx.region)
        .get(&target.reference.name)
        .ok_or_else(|| LambdaError::function_not_found(&target.arn))?;
    Ok((target, function))
}

/// A uniformly drawn number in [0, 1), for the routing weights.
fn draw() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    (u64::from_le_bytes(word) >> 11) as f64 / (1u64 << 53) as f64
}

/// The version an alias sends one invocation to: its additional version with that
/// version's weight, else its primary version.
fn route(alias: &Alias, draw: f64) -> &str {
    let mut threshold = 0.0;
    for (version, weight) in &alias.weights {
        threshold += weight;
        if draw < threshold {
            return version;
        }
    }
    &alias.function_version
}

fn resolve_version(
    function: &Function,
    version: &str,
    qualified_arn: &str,
) -> Result<Resolved, LambdaError> {
    if version == LATEST {
        return Ok(Resolved::Latest);
    }
    version
        .parse::<u64>()
        .ok()
        .and_then(|n| function.version(n))
        .map(Resolved::Version)
        .ok_or_else(|| LambdaError::function_not_found(qualified_arn))
}

/// What a qualifier names. A version or alias that does not exist is `Function not
/// found: ARN:QUALIFIER`, as Lambda words it (an alias pointing at a missing version,
/// aws-cloudformation/rain#175: "Function not found:
/// arn:aws:lambda:us-east-1:012345678912:function:NAME:1"). An alias routes to one of
/// its versions by its weights when `routed`, else to its primary version (reads).
pub fn resolve(
    function: &Function,
    target: &Target,
    routed: bool,
) -> Result<Resolved, LambdaError> {
    let qualified = target.qualified_arn();
    match target.reference.qualifier.as_deref() {
        None | Some(LATEST) => Ok(Resolved::Latest),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            resolve_version(function, q, &qualified)
        }
        Some(alias) => {
            let alias = function
                .alias(alias)
                .ok_or_else(|| LambdaError::function_not_found(&qualified))?;
            let version = if routed {
                route(&alias, draw())
            } else {
                &alias.function_version
            };
            resolve_version(function, version, &qualified)
        }
    }
}

impl Resolved {
    /// The configuration and code it runs.
    pub fn snapshot(&self, function: &Function) -> Arc<FunctionVersion> {
        match self {
            Resolved::Latest => function.current(),
            Resolved::Version(published) => Arc::clone(&published.version),
        }
    }

    /// The environments it runs in.
    pub fn pool<'a>(&'a self, function: &'a Function) -> &'a super::pool::EnvironmentPool {
        match self {
            Resolved::Latest => &function.pool,
            Resolved::Version(published) => &published.pool,
        }
    }

    /// The generation its warm environments must have: `$LATEST`'s current one, or the
    /// version's own (which never changes).
    pub fn generation(&self, function: &Function) -> u64 {
        match self {
            Resolved::Latest => function.current().generation,
            Resolved::Version(published) => published.version.generation,
        }
    }
}

/// Publishes `$LATEST` of `function` (PublishVersion, or `Publish: true`).
pub fn publish(
    state: &dyn LambdaServices,
    function: &Function,
    input: &PublishVersionRequest,
) -> Result<Arc<Published>, LambdaError> {
    function.refuse_while_changing()?;
    function.publish(input.description.as_deref(), EnvironmentPool::configured(state.config()), |latest| {
        refuse_while_pending(&latest.code)?;
        if let Some(revision) = &input.revision_id {
            if *revision != latest.config.revision_id {
                return Err(LambdaError::PreconditionFailed(REVISION_MISMATCH.to_owned()));
            }
        }
        if let Some(sha) = &input.code_sha256 {
            if *sha != latest.code.sha256() {
                // PublishVersion's CodeSha256 "only publish[es] a version if the hash
                // value matches the value that's specified" (API reference).
                return Err(LambdaError::InvalidParameterValue(format!(
                    "CodeSha256 ({sha}) is different from the current CodeSha256 of $LATEST ({}). Please try again with the current CodeSha256.",
                    latest.code.sha256()
                )));
            }
        }
        Ok(())
    })
}

/// PublishVersion.
pub fn publish_version(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    mut input: PublishVersionRequest,
) -> Result<FunctionConfiguration, LambdaError> {
    input.function_name = Some(name.to_owned());
    check_model(&input)?;
    let (_, function) = function_for(state, ctx, name, "lambda:PublishVersion")?;
    let published = publish(state, &function, &input)?;
    Ok(output(&published.version.config, &published.version.code))
}

fn output(config: &super::config::FunctionConfig, code: &CodePackage) -> FunctionConfiguration {
    config.output(code)
}

/// Reads `Marker` (an opaque offset) and `MaxItems` (1-10000, default 50).
fn page_bounds(
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<(usize, usize), LambdaError> {
    // MaxItems's range (1-10000) is the model's, checked before this.
    let max = max_items.map_or(50, |n| usize::try_from(n).unwrap_or(50));
    let start = match marker {
        None | Some("") => 0,
        Some(m) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(m)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| LambdaError::InvalidParameterValue(format!("Invalid marker: {m}")))?,
    };
    Ok((start, max))
}

fn paged<T>(items: Vec<T>, start: usize, max: usize) -> (Vec<T>, Option<String>) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let next = (start + max < total).then(|| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode((start + max).to_string())
    });
    (page, next)
}

/// ListVersionsByFunction: `$LATEST` first, then the published versions in order.
pub fn list_versions(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: ListVersionsByFunctionRequest,
) -> Result<ListVersionsByFunctionResponse, LambdaError> {
    check_model(&input)?;
    let name = input.function_name.as_deref().unwrap_or_default();
    let (start, max) = page_bounds(input.marker.as_deref(), input.max_items)?;
    let (target, function) = function_for(state, ctx, name, "lambda:ListVersionsByFunction")?;
    let mut first = function.latest_output();
    // In this list `$LATEST` is named by its qualified ARN (the AWS CLI Command
    // Reference's example of `list-versions-by-function`: "FunctionArn":
    // "arn:aws:lambda:us-west-2:123456789012:function:my-function:$LATEST").
    first.function_arn = Some(format!("{}:{LATEST}", target.arn));
    let mut all = vec![first];
    all.extend(
        function
            .versions()
            .iter()
            .map(|p| p.version.config.output(&p.version.code)),
    );
    let (versions, next_marker) = paged(all, start, max);
    Ok(ListVersionsByFunctionResponse {
        versions: Some(versions),
        next_marker,
    })
}

/// Checks an alias's routing against Lambda's rules (its members already hold to the
/// model's constraints).
fn check_alias(
    function_version: Option<&str>,
    routing: Option<&AliasRoutingConfiguration>,
) -> Result<BTreeMap<String, f64>, LambdaError> {
    let weights = routing
        .and_then(|r| r.additional_version_weights.clone())
        .unwrap_or_default();
    // Lambda Developer Guide, "Implement Lambda canary deployments using a weighted
    // alias": an alias routes to at most two versions, both published (not $LATEST).
    if weights.len() > 1 {
        return Err(LambdaError::InvalidParameterValue(
            "An alias can route to at most one additional version.".to_owned(),
        ));
    }
    if !weights.is_empty() && function_version == Some(LATEST) {
        return Err(LambdaError::InvalidParameterValue(
            "An alias with a routing configuration must point to a published version, not $LATEST."
                .to_owned(),
        ));
    }
    if let Some(version) = function_version {
        if weights.contains_key(version) {
            return Err(LambdaError::InvalidParameterValue(
                "The additional version of a routing configuration must differ from the alias's FunctionVersion.".to_owned(),
            ));
        }
    }
    Ok(weights)
}

fn alias_output(function_arn: &str, alias: &Alias) -> AliasConfiguration {
    AliasConfiguration {
        alias_arn: Some(format!("{function_arn}:{}", alias.name)),
        name: Some(alias.name.clone()),
        function_version: Some(alias.function_version.clone()),
        description: Some(alias.description.clone()),
        routing_config: (!alias.weights.is_empty()).then(|| AliasRoutingConfiguration {
            additional_version_weights: Some(alias.weights.clone()),
        }),
        revision_id: Some(alias.revision_id.clone()),
    }
}

/// `Alias not found: ARN:ALIAS`, as Lambda words a missing alias (apex/up#606 quotes
/// it: "ResourceNotFoundException: Alias not found:
/// arn:aws:lambda:us-west-2:225205180191:function:sample-up:staging").
fn alias_not_found(function_arn: &str, name: &str) -> LambdaError {
    LambdaError::ResourceNotFound(format!("Alias not found: {function_arn}:{name}"))
}

/// CreateAlias.
pub fn create_alias(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    mut input: CreateAliasRequest,
) -> Result<AliasConfiguration, LambdaError> {
    input.function_name = Some(name.to_owned());
    check_model(&input)?;
    let alias_name = input.name.clone().unwrap_or_default();
    let version = input.function_version.clone().unwrap_or_default();
    let weights = check_alias(Some(&version), input.routing_config.as_ref())?;
    let (target, function) = function_for(state, ctx, name, "lambda:CreateAlias")?;
    let alias = function.put_alias(&alias_name, |existing| {
        if existing.is_some() {
            return Err(LambdaError::ResourceConflict(format!(
                "Alias already exists: {}:{alias_name}",
                target.arn
            )));
        }
        Ok(Alias {
            name: alias_name.clone(),
            function_version: version.clone(),
            description: input.description.clone().unwrap_or_default(),
            weights,
            revision_id: uuid::Uuid::new_v4().to_string(),
        })
    })?;
    Ok(alias_output(&target.arn, &alias))
}

/// GetAlias.
pub fn get_alias(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: GetAliasRequest,
) -> Result<AliasConfiguration, LambdaError> {
    check_model(&input)?;
    let name = input.function_name.as_deref().unwrap_or_default();
    let alias = input.name.as_deref().unwrap_or_default();
    let (target, function) = function_for(state, ctx, name, "lambda:GetAlias")?;
    let found = function
        .alias(alias)
        .ok_or_else(|| alias_not_found(&target.arn, alias))?;
    Ok(alias_output(&target.arn, &found))
}

/// UpdateAlias: members given replace the alias's; a `RoutingConfig` replaces its
/// weights (an empty one removes them).
pub fn update_alias(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    name: &str,
    alias: &str,
    mut input: UpdateAliasRequest,
) -> Result<AliasConfiguration, LambdaError> {
    input.function_name = Some(name.to_owned());
    input.name = Some(alias.to_owned());
    check_model(&input)?;
    check_alias(
        input.function_version.as_deref(),
        input.routing_config.as_ref(),
    )?;
    let (target, function) = function_for(state, ctx, name, "lambda:UpdateAlias")?;
    let updated = function.put_alias(alias, |existing| {
        let existing = existing.ok_or_else(|| alias_not_found(&target.arn, alias))?;
        if let Some(revision) = &input.revision_id {
            if *revision != existing.revision_id {
                return Err(LambdaError::PreconditionFailed(
                    REVISION_MISMATCH.to_owned(),
                ));
            }
        }
        let mut next = existing.clone();
        if let Some(version) = &input.function_version {
            next.function_version = version.clone();
        }
        if let Some(description) = &input.description {
            next.description = description.clone();
        }
        if let Some(routing) = &input.routing_config {
            next.weights = routing
                .additional_version_weights
                .clone()
                .unwrap_or_default();
        }
        // The rules again, on the alias as it will be.
        check_alias(
            Some(&next.function_version),
            Some(&AliasRoutingConfiguration {
                additional_version_weights: Some(next.weights.clone()),
            }),
        )?;
        next.revision_id = uuid::Uuid::new_v4().to_string();
        Ok(next)
    })?;
    Ok(alias_output(&target.arn, &updated))
}

/// DeleteAlias: 204 whether or not the alias existed (the model lists no
/// ResourceNotFoundException for it).
pub fn delete_alias(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: DeleteAliasRequest,
) -> Result<(), LambdaError> {
    check_model(&input)?;
    let name = input.function_name.as_deref().unwrap_or_default();
    let alias = input.name.as_deref().unwrap_or_default();
    let (_, function) = function_for(state, ctx, name, "lambda:DeleteAlias")?;
    function.remove_alias(alias);
    Ok(())
}

/// ListAliases, optionally only those pointing at `FunctionVersion`.
pub fn list_aliases(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: ListAliasesRequest,
) -> Result<ListAliasesResponse, LambdaError> {
    check_model(&input)?;
    let name = input.function_name.as_deref().unwrap_or_default();
    let function_version = input.function_version.as_deref();
    let (start, max) = page_bounds(input.marker.as_deref(), input.max_items)?;
    let (target, function) = function_for(state, ctx, name, "lambda:ListAliases")?;
    let all: Vec<AliasConfiguration> = function
        .aliases()
        .iter()
        .filter(|a| function_version.is_none_or(|v| a.function_version == v))
        .map(|a| alias_output(&target.arn, a))
        .collect();
    let (aliases, next_marker) = paged(all, start, max);
    Ok(ListAliasesResponse {
        aliases: Some(aliases),
        next_marker,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names_and_versions_follow_the_model_patterns() {
        // Checked by the generated validation of CreateAlias's members.
        let valid = |name: &str, version: &str| {
            check_model(&CreateAliasRequest {
                function_name: Some("f".to_owned()),
                name: Some(name.to_owned()),
                function_version: Some(version.to_owned()),
                ..Default::default()
            })
            .is_ok()
        };
        let valid_alias_name = |name: &str| valid(name, "1");
        let valid_version = |version: &str| valid("live", version);
        assert!(valid_alias_name("live"));
        assert!(valid_alias_name("v2-canary_1"));
        assert!(
            !valid_alias_name("12"),
            "all digits would read as a version"
        );
        assert!(!valid_alias_name("a:b"));
        assert!(valid_version("$LATEST"));
        assert!(valid_version("17"));
        assert!(!valid_version("live"));
    }

    #[test]
    fn weights_send_their_share_to_the_additional_version() {
        let alias = Alias {
            name: "live".into(),
            function_version: "1".into(),
            description: String::new(),
            weights: BTreeMap::from([("2".to_owned(), 0.25)]),
            revision_id: String::new(),
        };
        assert_eq!(route(&alias, 0.0), "2");
        assert_eq!(route(&alias, 0.2499), "2");
        assert_eq!(route(&alias, 0.25), "1");
        assert_eq!(route(&alias, 0.99), "1");
        let draws: Vec<f64> = (0..1000).map(|_| draw()).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        let share = draws.iter().filter(|d| **d < 0.25).count();
        assert!((150..350).contains(&share), "{share}");
    }

    #[test]
    fn routing_rules_are_checked() {
        let weights = |w: &[(&str, f64)]| AliasRoutingConfiguration {
            additional_version_weights: Some(
                w.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            ),
        };
        // The model's constraints (generated), then Lambda's routing rules.
        let checked = |name: &str, version: &str, routing: Option<&AliasRoutingConfiguration>| {
            check_model(&CreateAliasRequest {
                function_name: Some("f".to_owned()),
                name: Some(name.to_owned()),
                function_version: Some(version.to_owned()),
                routing_config: routing.cloned(),
                ..Default::default()
            })?;
            check_alias(Some(version), routing)
        };
        assert!(checked("live", "1", Some(&weights(&[("2", 0.1)]))).is_ok());
        assert!(matches!(
            checked("live", "1", Some(&weights(&[("2", 1.5)]))),
            Err(LambdaError::Validation(_))
        ));
        assert!(matches!(
            checked("live", LATEST, Some(&weights(&[("2", 0.1)]))),
            Err(LambdaError::InvalidParameterValue(_))
        ));
        assert!(matches!(
            checked("live", "1", Some(&weights(&[("2", 0.1), ("3", 0.1)]))),
            Err(LambdaError::InvalidParameterValue(_))
        ));
        assert!(matches!(
            checked("live", "1", Some(&weights(&[("1", 0.1)]))),
            Err(LambdaError::InvalidParameterValue(_))
        ));
        assert!(matches!(
            checked("7", "1", None),
            Err(LambdaError::Validation(_))
        ));
    }
}
