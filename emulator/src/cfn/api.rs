//! The CloudFormation API (awsQuery, `Version=2010-05-15`, signed for
//! `cloudformation`). Every call is authorised as `cloudformation:ACTION` on the stack's
//! ARN; a deployment's resources are created as the caller, or as the stack's service
//! role (`RoleARN`, which the caller must be allowed to pass). Deployments finish within
//! the request, so a waiter's first DescribeStacks sees the final status.

use super::deploy;
use super::error::CfnError;
use super::providers::Deployer;
use super::stack::Stack;
use super::template::Template;
use crate::context::RequestContext;
use crate::state::EmulatorState;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A stack to create.
pub struct CreateRequest {
    pub name: String,
    pub template: Template,
    pub body: String,
    pub parameters: BTreeMap<String, String>,
    pub capabilities: Vec<String>,
    pub role_arn: Option<String>,
    pub tags: Vec<(String, String)>,
    pub code_root: PathBuf,
    pub on_failure: deploy::OnFailure,
}

/// How a creation ended.
pub struct Outcome {
    pub stack_id: String,
    pub status: String,
    pub reason: Option<String>,
    pub resources: usize,
}

/// Refuses a template with IAM resources unless its capability was acknowledged, in
/// CloudFormation's words ("Requires capabilities : [CAPABILITY_NAMED_IAM]").
pub fn check_capabilities(t: &Template, given: &[String]) -> Result<(), CfnError> {
    if let Some((needed, _)) = t.required_capability() {
        let ok = given.iter().any(|c| c == needed)
            || (needed == "CAPABILITY_IAM" && given.iter().any(|c| c == "CAPABILITY_NAMED_IAM"));
        if !ok {
            return Err(CfnError::InsufficientCapabilities(format!(
                "Requires capabilities : [{needed}]"
            )));
        }
    }
    Ok(())
}

/// The deployer of a stack: the caller, or the service role's session.
fn deployer<'a>(
    state: &'a EmulatorState,
    ctx: &RequestContext,
    stack: &Stack,
    role_arn: Option<&str>,
    code_root: PathBuf,
) -> Result<Deployer<'a>, CfnError> {
    let mut ctx = ctx.clone();
    if let Some(role_arn) = role_arn {
        ctx.caller = role_caller(state, &ctx, role_arn, &stack.id)?;
    }
    Ok(Deployer {
        state,
        ctx,
        stack_name: stack.name.clone(),
        code_root,
    })
}

/// The caller CloudFormation acts as with a service role: a session of the role, which
/// must exist and trust `cloudformation.amazonaws.com` on behalf of the stack
/// (`aws:SourceArn` is the stack's ARN, `aws:SourceAccount` its account).
fn role_caller(
    state: &EmulatorState,
    ctx: &RequestContext,
    role_arn: &str,
    stack_id: &str,
) -> Result<crate::context::Caller, CfnError> {
    let directory = state.iam.directory();
    let role = directory.role_by_arn(role_arn).ok_or_else(|| {
        CfnError::Validation(format!("Role {role_arn} is invalid or cannot be assumed"))
    })?;
    if !state
        .iam
        .service_may_assume(role, "cloudformation.amazonaws.com", stack_id, &ctx.account)
    {
        return Err(CfnError::Validation(format!(
            "Role {role_arn} is invalid or cannot be assumed"
        )));
    }
    let session = "AWSCloudFormation";
    Ok(crate::context::Caller {
        arn: format!(
            "arn:aws:sts::{}:assumed-role/{}/{session}",
            ctx.account, role.name
        ),
        account: ctx.account.clone(),
        user_id: format!("{}:{session}", role.id),
        kind: crate::context::CallerKind::AssumedRole {
            role_name: role.name.clone(),
            role_arn: role.arn.clone(),
            session_name: session.to_owned(),
        },
        access_key_id: None,
    })
}

/// Reads the value of an SSM parameter named by a template parameter of an
/// `AWS::SSM::Parameter::Value<...>` type, as the caller (CloudFormation resolves them
/// with the caller's permissions: `ssm:GetParameters`).
fn ssm_reader<'a>(
    state: &'a EmulatorState,
    ctx: &'a RequestContext,
) -> impl Fn(&str) -> Result<String, CfnError> + 'a {
    move |name: &str| {
        let call = ctx.on_behalf("cloudformation");
        let body = serde_json::json!({"Names": [name]}).to_string();
        let crate::dispatch::Lookup::Found(handler) =
            crate::ssm::TABLE.lookup("AmazonSSM.GetParameters")
        else {
            return Err(CfnError::Validation(
                "GetParameters is not available".to_owned(),
            ));
        };
        let out = handler(state, &call, body.as_bytes()).map_err(|e| {
            CfnError::Validation(format!(
                "Unable to fetch parameters [{name}] from parameter store for this account: {}",
                crate::protocol::AwsError::message(&e)
            ))
        })?;
        let out: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
        out.pointer("/Parameters/0/Value")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| CfnError::Validation(format!("Parameters [{name}] referenced by template have types not supported by CloudFormation, or do not exist.")))
    }
}

/// Creates a stack and deploys it (rolled back if a resource fails). Errors are those
/// CreateStack answers before the stack exists.
pub async fn run_create(
    state: &EmulatorState,
    ctx: &RequestContext,
    request: CreateRequest,
) -> Result<Outcome, CfnError> {
    check_capabilities(&request.template, &request.capabilities)?;
    let store = &state.region(&ctx.region).cfn;
    let mut stack = Stack::new(
        &ctx.region,
        &ctx.account,
        &request.name,
        "CREATE_IN_PROGRESS",
    );
    let plan = deploy::plan(
        &request.template,
        &request.parameters,
        &stack,
        &ctx.account,
        &ctx.region,
        &ssm_reader(state, ctx),
    )?;
    let d = deployer(
        state,
        ctx,
        &stack,
        request.role_arn.as_deref(),
        request.code_root,
    )?;
    stack.description = request.template.description().map(str::to_owned);
    stack.parameters = plan.shown.clone();
    stack.capabilities = request.capabilities;
    stack.role_arn = request.role_arn;
    stack.disable_rollback = request.on_failure == deploy::OnFailure::DoNothing;
    stack.tags = request.tags;
    stack.template = Some(request.template.clone());
    stack.template_body = request.body;
    stack.given_parameters = request.parameters;
    if !store.insert(stack.clone()) {
        return Err(CfnError::AlreadyExists(format!(
            "Stack [{}] already exists",
            request.name
        )));
    }
    deploy::create(
        &d,
        store,
        &mut stack,
        &request.template,
        &plan,
        request.on_failure,
    )
    .await;
    Ok(Outcome {
        stack_id: stack.id.clone(),
        status: stack.status.clone(),
        reason: stack
            .events
            .iter()
            .find(|e| e.status == "CREATE_FAILED")
            .map(|e| format!("{}: {}", e.logical_id, e.reason.clone().unwrap_or_default()))
            .or(stack.reason.clone()),
        resources: stack.resources.len(),
    })
}

// ---- the awsQuery API --------------------------------------------------------------

use crate::protocol::query::{self, Output as QueryOutput, QueryRequest};
use axum::response::Response;
use serde::Serialize;

/// The XML namespace of CloudFormation answers (from the model).
pub const NAMESPACE: &str = crate::generated::cloudformation::XML_NAMESPACE;
/// The name CloudFormation requests are signed for.
pub const SIGNING_NAME: &str = crate::generated::cloudformation::SIGNING_NAME;
/// The `Version` that names CloudFormation among the awsQuery services.
pub const API_VERSION: &str = crate::generated::cloudformation::API_VERSION;

/// The operations this emulator implements.
pub const IMPLEMENTED: &[&str] = &[
    "CreateChangeSet",
    "CreateStack",
    "DeleteChangeSet",
    "DeleteStack",
    "DescribeChangeSet",
    "DescribeStackEvents",
    "DescribeStackResource",
    "DescribeStackResources",
    "DescribeStacks",
    "ExecuteChangeSet",
    "GetTemplate",
    "GetTemplateSummary",
    "ListChangeSets",
    "ListExports",
    "ListStackResources",
    "ListStacks",
    "UpdateStack",
    "ValidateTemplate",
];

type ApiResult<T> = std::result::Result<T, CfnError>;

/// Answers an awsQuery request to CloudFormation.
pub async fn handle(state: &EmulatorState, ctx: &RequestContext, form: &QueryRequest) -> Response {
    let Some(action) = form.action() else {
        return query::error(
            NAMESPACE,
            &ctx.request_id,
            &CfnError::InvalidAction("Missing Action parameter.".to_owned()),
        );
    };
    let result = match action {
        "CreateStack" => create_stack(state, ctx, form).await,
        "UpdateStack" => update_stack(state, ctx, form).await,
        "DeleteStack" => delete_stack(state, ctx, form).await,
        "DescribeStacks" => describe_stacks(state, ctx, form),
        "DescribeStackEvents" => describe_stack_events(state, ctx, form),
        "DescribeStackResource" => describe_stack_resource(state, ctx, form),
        "DescribeStackResources" => describe_stack_resources(state, ctx, form),
        "ListStacks" => list_stacks(state, ctx, form),
        "ListStackResources" => list_stack_resources(state, ctx, form),
        "GetTemplate" => get_template(state, ctx, form),
        "ValidateTemplate" => validate_template(state, ctx, form),
        "GetTemplateSummary" => get_template_summary(state, ctx, form),
        "CreateChangeSet" => create_change_set(state, ctx, form),
        "DescribeChangeSet" => describe_change_set(state, ctx, form),
        "ExecuteChangeSet" => execute_change_set(state, ctx, form).await,
        "DeleteChangeSet" => delete_change_set(state, ctx, form),
        "ListChangeSets" => list_change_sets(state, ctx, form),
        "ListExports" => list_exports(state, ctx, form),
        other if crate::generated::cloudformation::OPERATIONS.contains(&other) => Err(CfnError::NotImplemented(format!(
            "The operation {other} exists in CloudFormation but is not implemented by this emulator."
        ))),
        other => Err(CfnError::InvalidAction(format!("Could not find operation {other} for version {API_VERSION}"))),
    };
    match result {
        Ok(out) => query::success(NAMESPACE, action, &ctx.request_id, &out),
        Err(e) => {
            tracing::debug!(
                action,
                code = crate::protocol::AwsError::code(&e),
                "cloudformation call failed"
            );
            query::error(NAMESPACE, &ctx.request_id, &e)
        }
    }
}

fn stack_arn(ctx: &RequestContext, name_or_id: &str) -> String {
    if name_or_id.starts_with("arn:") {
        name_or_id.to_owned()
    } else {
        format!(
            "arn:aws:cloudformation:{}:{}:stack/{name_or_id}/*",
            ctx.region, ctx.account
        )
    }
}

/// Authorises `cloudformation:ACTION` on `resource` for the caller.
fn authorize(
    state: &EmulatorState,
    ctx: &RequestContext,
    action: &str,
    resource: &str,
) -> ApiResult<()> {
    state
        .iam
        .authorize(ctx, &format!("cloudformation:{action}"), resource, &[])
        .map_err(|denied| CfnError::AccessDenied(denied.message))
}

/// The caller may pass the stack's service role (`iam:PassRole`), as CloudFormation
/// requires of whoever names a `RoleARN`.
fn authorize_pass_role(
    state: &EmulatorState,
    ctx: &RequestContext,
    role_arn: Option<&str>,
) -> ApiResult<()> {
    if let Some(role) = role_arn {
        state
            .iam
            .authorize(ctx, "iam:PassRole", role, &[])
            .map_err(|denied| CfnError::AccessDenied(denied.message))?;
    }
    Ok(())
}

/// Items per page. The CloudFormation API Reference gives 100 for ListExports ("If the
/// output exceeds 100 exported output values"); for ListStacks, ListStackResources,
/// DescribeStackEvents, DescribeStacks and ListChangeSets it bounds a page by 1 MB of
/// output, which this emulator approximates by the same 100 items.
const PAGE_SIZE: usize = 100;

/// One page of `items` from the offset in the request's `NextToken`, with the token of
/// the next page. A token names its operation and scope (the stack, or the account),
/// so a token from another listing is refused.
fn page<T>(items: Vec<T>, form: &QueryRequest, scope: &str) -> ApiResult<(Vec<T>, Option<String>)> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let start = match form.get("NextToken") {
        None => 0,
        Some(token) => engine
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| {
                let (offset, owner) = t.split_once('/')?;
                (owner == scope).then(|| offset.parse::<usize>().ok())?
            })
            .filter(|&n| n <= items.len())
            // AWS's text for a token it did not give is not documented; the code is
            // the one the API answers every malformed request with.
            .ok_or_else(|| CfnError::Validation("Invalid NextToken".to_owned()))?,
    };
    let end = start.saturating_add(PAGE_SIZE).min(items.len());
    let next = (end < items.len()).then(|| engine.encode(format!("{end}/{scope}")));
    let page = items.into_iter().skip(start).take(end - start).collect();
    Ok((page, next))
}

fn required<'a>(form: &'a QueryRequest, name: &str) -> ApiResult<&'a str> {
    form.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
        CfnError::Validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(name)
        ))
    })
}

fn lower_first(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn list_members(form: &QueryRequest, name: &str) -> Vec<String> {
    form.list(name, "")
        .into_iter()
        .map(|(_, v)| v.to_owned())
        .collect()
}

/// `Parameters.member.N.ParameterKey/ParameterValue/UsePreviousValue`: the given values,
/// and the keys whose previous value is to be kept.
fn parameters_member(form: &QueryRequest) -> (BTreeMap<String, String>, Vec<String>) {
    let keys = form.list("Parameters", ".ParameterKey");
    let values: BTreeMap<u32, &str> = form
        .list("Parameters", ".ParameterValue")
        .into_iter()
        .collect();
    let previous: BTreeMap<u32, &str> = form
        .list("Parameters", ".UsePreviousValue")
        .into_iter()
        .collect();
    let mut given = BTreeMap::new();
    let mut keep = Vec::new();
    for (i, key) in keys {
        if previous
            .get(&i)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            keep.push(key.to_owned());
        } else if let Some(v) = values.get(&i) {
            given.insert(key.to_owned(), (*v).to_owned());
        }
    }
    (given, keep)
}

/// `OnFailure` (ROLLBACK, DELETE, DO_NOTHING) or `DisableRollback`, not both
/// (CloudFormation API Reference, "CreateStack").
fn on_failure_member(form: &QueryRequest) -> ApiResult<deploy::OnFailure> {
    let disable = form.get("DisableRollback");
    match (form.get("OnFailure"), disable) {
        (Some(_), Some(_)) => Err(CfnError::Validation(
            "You cannot specify both DisableRollback and OnFailure.".to_owned(),
        )),
        (Some("ROLLBACK"), None) | (None, None) => Ok(deploy::OnFailure::Rollback),
        (Some("DELETE"), None) => Ok(deploy::OnFailure::Delete),
        (Some("DO_NOTHING"), None) => Ok(deploy::OnFailure::DoNothing),
        (Some(other), None) => Err(CfnError::Validation(format!(
            "1 validation error detected: Value '{other}' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [ROLLBACK, DELETE, DO_NOTHING]"
        ))),
        (None, Some("true")) => Ok(deploy::OnFailure::DoNothing),
        (None, Some(_)) => Ok(deploy::OnFailure::Rollback),
    }
}

fn tags_member(form: &QueryRequest) -> Vec<(String, String)> {
    let values: BTreeMap<u32, &str> = form.list("Tags", ".Value").into_iter().collect();
    form.list("Tags", ".Key")
        .into_iter()
        .map(|(i, k)| {
            (
                k.to_owned(),
                values.get(&i).copied().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn template_member(form: &QueryRequest) -> ApiResult<Option<(Template, String)>> {
    if form.get("TemplateURL").is_some() {
        return Err(CfnError::Validation(
            "TemplateURL is not supported by this emulator (there is no S3 here): send the template in TemplateBody.".to_owned(),
        ));
    }
    match form.get("TemplateBody") {
        // The model's constraint on TemplateBody (1 to 51,200 bytes; larger templates
        // go through S3 on AWS, which does not exist here).
        Some(body) if body.is_empty() || body.len() > 51_200 => Err(CfnError::Validation(format!(
            "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length {}",
            if body.is_empty() { "greater than or equal to 1" } else { "less than or equal to 51200" }
        ))),
        Some(body) => Ok(Some((Template::load(body)?, body.to_owned()))),
        None => Ok(None),
    }
}

fn code_root(state: &EmulatorState) -> PathBuf {
    state
        .config
        .template_code_root
        .clone()
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

/// The stack a request's `StackName` names, once the caller may act on it: the
/// authorisation comes first (on the name's ARN), so a caller refused learns nothing of
/// whether the stack exists.
fn authorized_stack(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
    action: &str,
) -> ApiResult<Stack> {
    let name = required(form, "StackName")?;
    authorize(state, ctx, action, &stack_arn(ctx, name))?;
    find_stack(state, ctx, name)
}

fn find_stack(state: &EmulatorState, ctx: &RequestContext, name: &str) -> ApiResult<Stack> {
    state
        .region(&ctx.region)
        .cfn
        .find(name)
        .ok_or_else(|| CfnError::Validation(format!("Stack with id {name} does not exist")))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StackIdResult {
    stack_id: String,
}

async fn create_stack(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let name = required(form, "StackName")?;
    authorize(state, ctx, "CreateStack", &stack_arn(ctx, name))?;
    let (template, body) = template_member(form)?.ok_or_else(|| {
        CfnError::Validation("Either Template URL or Template Body must be specified.".to_owned())
    })?;
    let role_arn = form.get("RoleARN").map(str::to_owned);
    authorize_pass_role(state, ctx, role_arn.as_deref())?;
    let (parameters, _) = parameters_member(form);
    let outcome = run_create(
        state,
        ctx,
        CreateRequest {
            name: name.to_owned(),
            template,
            body,
            parameters,
            capabilities: list_members(form, "Capabilities"),
            role_arn,
            tags: tags_member(form),
            code_root: code_root(state),
            on_failure: on_failure_member(form)?,
        },
    )
    .await?;
    Ok(QueryOutput::of(&StackIdResult {
        stack_id: outcome.stack_id,
    }))
}

async fn delete_stack(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let name = required(form, "StackName")?;
    authorize(state, ctx, "DeleteStack", &stack_arn(ctx, name))?;
    // Deleting a stack that does not exist succeeds (CloudFormation API Reference,
    // "DeleteStack": no error is listed for it, and the CLI's waiter then finds none).
    let Ok(mut stack) = find_stack(state, ctx, name) else {
        return Ok(QueryOutput::of(&serde_json::json!({})));
    };
    if stack.is_deleted() {
        return Ok(QueryOutput::of(&serde_json::json!({})));
    }
    let role_arn = form
        .get("RoleARN")
        .map(str::to_owned)
        .or(stack.role_arn.clone());
    authorize_pass_role(state, ctx, form.get("RoleARN"))?;
    let d = deployer(state, ctx, &stack, role_arn.as_deref(), code_root(state))?;
    let store = &state.region(&ctx.region).cfn;
    // Not while another operation on the stack runs.
    let idle = |s: &str| !s.ends_with("_IN_PROGRESS") || s == "REVIEW_IN_PROGRESS";
    store
        .claim(&stack.id, idle, "DELETE_IN_PROGRESS")
        .map_err(|status| {
            CfnError::Validation(format!(
                "Stack [{}] cannot be deleted while in status {status}",
                stack.name
            ))
        })?;
    deploy::delete(&d, store, &mut stack).await;
    Ok(QueryOutput::of(&serde_json::json!({})))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ParameterView {
    parameter_key: String,
    parameter_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct OutputView {
    output_key: String,
    output_value: String,
    description: Option<String>,
    export_name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TagView {
    key: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DriftView {
    stack_drift_status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StackView {
    stack_id: String,
    stack_name: String,
    description: Option<String>,
    parameters: Vec<ParameterView>,
    creation_time: String,
    last_updated_time: Option<String>,
    deletion_time: Option<String>,
    stack_status: String,
    stack_status_reason: Option<String>,
    disable_rollback: bool,
    notification_ar_ns: Vec<String>,
    capabilities: Vec<String>,
    outputs: Vec<OutputView>,
    #[serde(rename = "RoleARN")]
    role_arn: Option<String>,
    tags: Vec<TagView>,
    enable_termination_protection: bool,
    drift_information: DriftView,
}

fn stack_view(s: &Stack) -> StackView {
    StackView {
        stack_id: s.id.clone(),
        stack_name: s.name.clone(),
        description: s.description.clone(),
        parameters: s
            .parameters
            .iter()
            .map(|(k, v)| ParameterView {
                parameter_key: k.clone(),
                parameter_value: v.clone(),
            })
            .collect(),
        creation_time: query::timestamp(s.created),
        last_updated_time: s.updated.map(query::timestamp),
        deletion_time: s.deleted.map(query::timestamp),
        stack_status: s.status.clone(),
        stack_status_reason: s.reason.clone(),
        disable_rollback: s.disable_rollback,
        notification_ar_ns: Vec::new(),
        capabilities: s.capabilities.clone(),
        outputs: s
            .outputs
            .iter()
            .map(|o| OutputView {
                output_key: o.key.clone(),
                output_value: o.value.clone(),
                description: o.description.clone(),
                export_name: o.export_name.clone(),
            })
            .collect(),
        role_arn: s.role_arn.clone(),
        tags: s
            .tags
            .iter()
            .map(|(k, v)| TagView {
                key: k.clone(),
                value: v.clone(),
            })
            .collect(),
        enable_termination_protection: false,
        drift_information: DriftView {
            stack_drift_status: "NOT_CHECKED",
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StacksResult {
    stacks: Vec<StackView>,
    next_token: Option<String>,
}

fn describe_stacks(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let stacks = match form.get("StackName") {
        Some(name) => {
            authorize(state, ctx, "DescribeStacks", &stack_arn(ctx, name))?;
            vec![find_stack(state, ctx, name)?]
        }
        None => {
            authorize(state, ctx, "DescribeStacks", "*")?;
            let mut all: Vec<Stack> = state
                .region(&ctx.region)
                .cfn
                .all()
                .into_iter()
                .filter(|s| !s.is_deleted())
                .collect();
            all.reverse();
            all
        }
    };
    let (stacks, next_token) = page(stacks, form, "DescribeStacks")?;
    Ok(QueryOutput::of(&StacksResult {
        stacks: stacks.iter().map(stack_view).collect(),
        next_token,
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EventView {
    stack_id: String,
    event_id: String,
    stack_name: String,
    logical_resource_id: String,
    physical_resource_id: String,
    resource_type: String,
    timestamp: String,
    resource_status: String,
    resource_status_reason: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EventsResult {
    stack_events: Vec<EventView>,
    next_token: Option<String>,
}

fn describe_stack_events(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let stack = authorized_stack(state, ctx, form, "DescribeStackEvents")?;
    let (events, next_token) = page(
        stack.events.iter().collect(),
        form,
        &format!("DescribeStackEvents {}", stack.id),
    )?;
    let stack_events = events
        .into_iter()
        .map(|e| EventView {
            stack_id: stack.id.clone(),
            event_id: e.id.clone(),
            stack_name: stack.name.clone(),
            logical_resource_id: e.logical_id.clone(),
            physical_resource_id: e.physical_id.clone(),
            resource_type: e.resource_type.clone(),
            timestamp: query::timestamp(e.at),
            resource_status: e.status.clone(),
            resource_status_reason: e.reason.clone(),
        })
        .collect();
    Ok(QueryOutput::of(&EventsResult {
        stack_events,
        next_token,
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceView {
    stack_name: Option<String>,
    stack_id: Option<String>,
    logical_resource_id: String,
    physical_resource_id: String,
    resource_type: String,
    timestamp: Option<String>,
    last_updated_timestamp: Option<String>,
    resource_status: String,
    resource_status_reason: Option<String>,
    drift_information: DriftResourceView,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DriftResourceView {
    stack_resource_drift_status: &'static str,
}

fn resource_view(
    stack: &Stack,
    r: &super::stack::StackResource,
    detail: bool,
    summary: bool,
) -> ResourceView {
    ResourceView {
        stack_name: (!summary).then(|| stack.name.clone()),
        stack_id: (!summary).then(|| stack.id.clone()),
        logical_resource_id: r.logical_id.clone(),
        physical_resource_id: r.physical_id.clone(),
        resource_type: r.resource_type.clone(),
        timestamp: (!detail && !summary).then(|| query::timestamp(r.updated)),
        last_updated_timestamp: (detail || summary).then(|| query::timestamp(r.updated)),
        resource_status: r.status.clone(),
        resource_status_reason: r.reason.clone(),
        drift_information: DriftResourceView {
            stack_resource_drift_status: "NOT_CHECKED",
        },
    }
}

fn describe_stack_resource(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let name = required(form, "StackName")?;
    let logical = required(form, "LogicalResourceId")?;
    authorize(state, ctx, "DescribeStackResource", &stack_arn(ctx, name))?;
    let stack = find_stack(state, ctx, name)?;
    let r = stack
        .resources
        .iter()
        .find(|r| r.logical_id == logical)
        .ok_or_else(|| {
            CfnError::Validation(format!(
                "Resource {logical} does not exist for stack {name}"
            ))
        })?;
    Ok(QueryOutput::of(
        &serde_json::json!({"StackResourceDetail": resource_view(&stack, r, true, false)}),
    ))
}

fn describe_stack_resources(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let stack = authorized_stack(state, ctx, form, "DescribeStackResources")?;
    let logical = form.get("LogicalResourceId");
    let resources: Vec<ResourceView> = stack
        .resources
        .iter()
        .filter(|r| logical.is_none_or(|l| l == r.logical_id))
        .map(|r| resource_view(&stack, r, false, false))
        .collect();
    Ok(QueryOutput::of(
        &serde_json::json!({"StackResources": resources}),
    ))
}

fn list_stack_resources(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let stack = authorized_stack(state, ctx, form, "ListStackResources")?;
    let (resources, next_token) = page(
        stack.resources.iter().collect(),
        form,
        &format!("ListStackResources {}", stack.id),
    )?;
    let resources: Vec<ResourceView> = resources
        .into_iter()
        .map(|r| resource_view(&stack, r, false, true))
        .collect();
    Ok(QueryOutput::of(
        &serde_json::json!({"StackResourceSummaries": resources, "NextToken": next_token}),
    ))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SummaryView {
    stack_id: String,
    stack_name: String,
    template_description: Option<String>,
    creation_time: String,
    last_updated_time: Option<String>,
    deletion_time: Option<String>,
    stack_status: String,
    stack_status_reason: Option<String>,
}

fn list_stacks(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    authorize(state, ctx, "ListStacks", "*")?;
    let filter = list_members(form, "StackStatusFilter");
    let mut all = state.region(&ctx.region).cfn.all();
    all.reverse();
    let summaries: Vec<SummaryView> = all
        .into_iter()
        .filter(|s| filter.is_empty() || filter.contains(&s.status))
        .map(|s| SummaryView {
            stack_id: s.id,
            stack_name: s.name,
            template_description: s.description,
            creation_time: query::timestamp(s.created),
            last_updated_time: s.updated.map(query::timestamp),
            deletion_time: s.deleted.map(query::timestamp),
            stack_status: s.status,
            stack_status_reason: s.reason,
        })
        .collect();
    let (summaries, next_token) = page(summaries, form, "ListStacks")?;
    Ok(QueryOutput::of(
        &serde_json::json!({"StackSummaries": summaries, "NextToken": next_token}),
    ))
}

fn get_template(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let processed = form.get("TemplateStage") == Some("Processed");
    if let Some(set) = form.get("ChangeSetName") {
        let store = &state.region(&ctx.region).cfn;
        let set = store
            .change_set(set, form.get("StackName"))
            .ok_or_else(|| {
                CfnError::ChangeSetNotFound(format!("ChangeSet [{set}] does not exist"))
            })?;
        authorize(state, ctx, "GetTemplate", &set.stack_id)?;
        let body = if processed {
            set.template.processed.to_string()
        } else {
            set.template_body.clone()
        };
        return Ok(QueryOutput::of(
            &serde_json::json!({"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}),
        ));
    }
    let stack = authorized_stack(state, ctx, form, "GetTemplate")?;
    let body = match (&stack.template, processed) {
        (Some(t), true) => t.processed.to_string(),
        _ => stack.template_body.clone(),
    };
    Ok(QueryOutput::of(
        &serde_json::json!({"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}),
    ))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TemplateParameterView {
    parameter_key: String,
    default_value: Option<String>,
    no_echo: bool,
    description: Option<String>,
}

fn validate_template(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    authorize(state, ctx, "ValidateTemplate", "*")?;
    let (template, _) = template_member(form)?.ok_or_else(|| {
        CfnError::Validation("Either Template URL or Template Body must be specified.".to_owned())
    })?;
    let parameters: Vec<TemplateParameterView> = template
        .parameters()
        .iter()
        .map(|(k, d)| TemplateParameterView {
            parameter_key: k.clone(),
            default_value: d.get("Default").and_then(super::intrinsics::text_of),
            no_echo: d
                .get("NoEcho")
                .and_then(super::intrinsics::text_of)
                .is_some_and(|v| v == "true"),
            description: d.get("Description").and_then(super::intrinsics::text_of),
        })
        .collect();
    let out = serde_json::json!({"Parameters": parameters, "Description": template.description()});
    Ok(QueryOutput::of(&with_requirements(out, &template)))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExportView {
    exporting_stack_id: String,
    name: String,
    value: String,
}

fn list_exports(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    authorize(state, ctx, "ListExports", "*")?;
    let exports: Vec<ExportView> = state
        .region(&ctx.region)
        .cfn
        .exports()
        .into_iter()
        .map(|(name, value, exporting_stack_id)| ExportView {
            exporting_stack_id,
            name,
            value,
        })
        .collect();
    let (exports, next_token) = page(exports, form, "ListExports")?;
    Ok(QueryOutput::of(
        &serde_json::json!({"Exports": exports, "NextToken": next_token}),
    ))
}

/// The template and parameters of an update: the new template (or the previous one),
/// the given values over the previous ones where `UsePreviousValue` is asked.
fn update_inputs(
    stack: &Stack,
    form: &QueryRequest,
) -> ApiResult<(Template, String, BTreeMap<String, String>)> {
    let (template, body) = match template_member(form)? {
        Some(t) => t,
        None if form.get("UsePreviousTemplate") == Some("true") => (
            stack.template.clone().ok_or_else(|| {
                CfnError::Validation("The stack has no previous template.".to_owned())
            })?,
            stack.template_body.clone(),
        ),
        None => {
            return Err(CfnError::Validation(
                "Either Template URL or Template Body must be specified.".to_owned(),
            ))
        }
    };
    let (mut given, keep) = parameters_member(form);
    for key in keep {
        if let Some(v) = stack.given_parameters.get(&key) {
            given.insert(key, v.clone());
        }
    }
    Ok((template, body, given))
}

/// Whether an update would change nothing: the same processed template and parameter
/// values.
fn no_changes(stack: &Stack, template: &Template, given: &BTreeMap<String, String>) -> bool {
    stack
        .template
        .as_ref()
        .is_some_and(|t| t.processed == template.processed)
        && &stack.given_parameters == given
}

fn may_update(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "UPDATE_ROLLBACK_COMPLETE"
    )
}

fn cannot_update(id: &str, status: &str) -> CfnError {
    CfnError::Validation(format!(
        "Stack:{id} is in {status} state and can not be updated."
    ))
}

fn updatable(stack: &Stack) -> ApiResult<()> {
    if may_update(&stack.status) {
        Ok(())
    } else {
        Err(cannot_update(&stack.id, &stack.status))
    }
}

/// An update's inputs.
struct Update {
    template: Template,
    body: String,
    given: BTreeMap<String, String>,
    capabilities: Vec<String>,
    role_arn: Option<String>,
}

async fn run_update(
    state: &EmulatorState,
    ctx: &RequestContext,
    mut stack: Stack,
    update: Update,
) -> ApiResult<String> {
    let Update {
        template,
        body,
        given,
        capabilities,
        role_arn,
    } = update;
    check_capabilities(&template, &capabilities)?;
    let plan = deploy::plan(
        &template,
        &given,
        &stack,
        &ctx.account,
        &ctx.region,
        &ssm_reader(state, ctx),
    )?;
    let role_arn = role_arn.or(stack.role_arn.clone());
    let d = deployer(state, ctx, &stack, role_arn.as_deref(), code_root(state))?;
    let store = &state.region(&ctx.region).cfn;
    store
        .claim(&stack.id, may_update, "UPDATE_IN_PROGRESS")
        .map_err(|status| cannot_update(&stack.id, &status))?;
    stack.capabilities = capabilities;
    stack.role_arn = role_arn;
    if deploy::update(&d, store, &mut stack, &template, &plan).await {
        stack.template_body = body;
        stack.given_parameters = given;
        store.put(&stack);
    }
    Ok(stack.id)
}

async fn update_stack(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let stack = authorized_stack(state, ctx, form, "UpdateStack")?;
    updatable(&stack)?;
    let (template, body, given) = update_inputs(&stack, form)?;
    if no_changes(&stack, &template, &given) {
        return Err(CfnError::Validation(
            "No updates are to be performed.".to_owned(),
        ));
    }
    let role_arn = form.get("RoleARN").map(str::to_owned);
    authorize_pass_role(state, ctx, role_arn.as_deref())?;
    let update = Update {
        template,
        body,
        given,
        capabilities: list_members(form, "Capabilities"),
        role_arn,
    };
    let stack_id = run_update(state, ctx, stack, update).await?;
    Ok(QueryOutput::of(&StackIdResult { stack_id }))
}

/// The changes a change set would make (Add, Modify with replacement, Remove).
fn changes_of(
    stack: &Stack,
    template: &Template,
    given: &BTreeMap<String, String>,
) -> Vec<(String, String, String, String, String)> {
    let mut changes = Vec::new();
    let old = stack.template.as_ref();
    let parameters_changed = &stack.given_parameters != given;
    for (logical, declaration) in template.resources() {
        let ty = declaration
            .get("Type")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let existing = stack
            .resources
            .iter()
            .find(|r| &r.logical_id == logical && r.created.is_some());
        match existing {
            None => changes.push((
                "Add".to_owned(),
                logical.clone(),
                String::new(),
                ty,
                String::new(),
            )),
            Some(r) => {
                let before = old.and_then(|t| t.resources().get(logical));
                if before != Some(declaration) || parameters_changed {
                    // Replacement as the changed properties of the template say (values
                    // that only parameters change count as changed).
                    let props = |d: Option<&serde_json::Value>| {
                        d.and_then(|d| d.get("Properties"))
                            .and_then(serde_json::Value::as_object)
                            .cloned()
                            .unwrap_or_default()
                    };
                    let mut changed = super::providers::changed_properties(
                        &props(before),
                        &props(Some(declaration)),
                    );
                    if parameters_changed && changed.is_empty() {
                        changed = props(Some(declaration)).keys().cloned().collect();
                    }
                    let replacement = if super::providers::requires_replacement(&ty, &changed) {
                        "True"
                    } else {
                        "False"
                    };
                    changes.push((
                        "Modify".to_owned(),
                        logical.clone(),
                        r.physical_id.clone(),
                        ty,
                        replacement.to_owned(),
                    ));
                }
            }
        }
    }
    for r in stack.resources.iter().filter(|r| r.created.is_some()) {
        if !template.resources().contains_key(&r.logical_id) {
            changes.push((
                "Remove".to_owned(),
                r.logical_id.clone(),
                r.physical_id.clone(),
                r.resource_type.clone(),
                String::new(),
            ));
        }
    }
    changes
}

fn create_change_set(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let name = required(form, "StackName")?;
    let set_name = required(form, "ChangeSetName")?;
    authorize(state, ctx, "CreateChangeSet", &stack_arn(ctx, name))?;
    let kind = form.get("ChangeSetType").unwrap_or("UPDATE").to_owned();
    let store = &state.region(&ctx.region).cfn;
    let role_arn = form.get("RoleARN").map(str::to_owned);
    authorize_pass_role(state, ctx, role_arn.as_deref())?;
    let capabilities = list_members(form, "Capabilities");
    let (stack, template, body, given) = match kind.as_str() {
        "CREATE" => {
            if store
                .find(name)
                .is_some_and(|s| s.status != "REVIEW_IN_PROGRESS")
            {
                return Err(CfnError::AlreadyExists(format!("Stack [{name}] already exists and cannot be created again with the changeSet [{set_name}].")));
            }
            let (template, body) = template_member(form)?.ok_or_else(|| {
                CfnError::Validation(
                    "Either Template URL or Template Body must be specified.".to_owned(),
                )
            })?;
            let stack = match store.find(name) {
                Some(s) => s,
                None => {
                    let mut s = Stack::new(&ctx.region, &ctx.account, name, "REVIEW_IN_PROGRESS");
                    s.stack_event("REVIEW_IN_PROGRESS", Some("User Initiated".to_owned()));
                    store.insert(s.clone());
                    s
                }
            };
            let (given, _) = parameters_member(form);
            (stack, template, body, given)
        }
        "UPDATE" => {
            let stack = find_stack(state, ctx, name)?;
            let (template, body, given) = update_inputs(&stack, form)?;
            (stack, template, body, given)
        }
        other => {
            return Err(CfnError::Validation(format!(
                "ChangeSetType {other} is not supported (CREATE and UPDATE are)"
            )))
        }
    };
    check_capabilities(&template, &capabilities)?;
    // The parameters and template are checked now, as CloudFormation checks them when
    // it creates the change set.
    deploy::plan(
        &template,
        &given,
        &stack,
        &ctx.account,
        &ctx.region,
        &ssm_reader(state, ctx),
    )?;
    let changes = changes_of(&stack, &template, &given);
    let empty = kind == "UPDATE" && (changes.is_empty() || no_changes(&stack, &template, &given));
    let id = format!(
        "arn:aws:cloudformation:{}:{}:changeSet/{set_name}/{}",
        ctx.region,
        ctx.account,
        uuid::Uuid::new_v4()
    );
    let set = super::stack::ChangeSet {
        id: id.clone(),
        name: set_name.to_owned(),
        stack_id: stack.id.clone(),
        stack_name: stack.name.clone(),
        kind,
        // An update that changes nothing fails in CloudFormation's words, which `aws
        // cloudformation deploy` recognises ("No changes to deploy").
        status: if empty { "FAILED" } else { "CREATE_COMPLETE" }.to_owned(),
        execution_status: if empty { "UNAVAILABLE" } else { "AVAILABLE" }.to_owned(),
        reason: empty.then(|| "The submitted information didn't contain changes. Submit different information to create a change set.".to_owned()),
        created: time::OffsetDateTime::now_utc(),
        description: form.get("Description").map(str::to_owned),
        template,
        template_body: body,
        parameters: given,
        capabilities,
        role_arn,
        tags: tags_member(form),
        changes,
    };
    store.add_change_set(set);
    Ok(QueryOutput::of(
        &serde_json::json!({"Id": id, "StackId": stack.id}),
    ))
}

fn find_change_set(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
    action: &str,
) -> ApiResult<super::stack::ChangeSet> {
    let name = required(form, "ChangeSetName")?;
    let store = &state.region(&ctx.region).cfn;
    let set = store
        .change_set(name, form.get("StackName"))
        .ok_or_else(|| CfnError::ChangeSetNotFound(format!("ChangeSet [{name}] does not exist")))?;
    authorize(state, ctx, action, &set.stack_id)?;
    Ok(set)
}

fn describe_change_set(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let set = find_change_set(state, ctx, form, "DescribeChangeSet")?;
    let changes: Vec<serde_json::Value> = set
        .changes
        .iter()
        .map(|(action, logical, physical, ty, replacement)| {
            let mut change = serde_json::json!({"Action": action, "LogicalResourceId": logical, "ResourceType": ty});
            if !physical.is_empty() {
                change["PhysicalResourceId"] = serde_json::json!(physical);
            }
            if !replacement.is_empty() {
                change["Replacement"] = serde_json::json!(replacement);
            }
            serde_json::json!({"Type": "Resource", "ResourceChange": change})
        })
        .collect();
    let parameters: Vec<ParameterView> = set
        .parameters
        .iter()
        .map(|(k, v)| ParameterView {
            parameter_key: k.clone(),
            parameter_value: v.clone(),
        })
        .collect();
    Ok(QueryOutput::of(&serde_json::json!({
        "ChangeSetName": set.name,
        "ChangeSetId": set.id,
        "StackId": set.stack_id,
        "StackName": set.stack_name,
        "Description": set.description,
        "Parameters": parameters,
        "CreationTime": query::timestamp(set.created),
        "ExecutionStatus": set.execution_status,
        "Status": set.status,
        "StatusReason": set.reason,
        "Capabilities": set.capabilities,
        "Changes": changes,
    })))
}

async fn execute_change_set(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let mut set = find_change_set(state, ctx, form, "ExecuteChangeSet")?;
    if set.execution_status != "AVAILABLE" {
        return Err(CfnError::InvalidChangeSetStatus(format!(
            "ChangeSet [{}] cannot be executed in its current execution status of [{}]",
            set.id, set.execution_status
        )));
    }
    let store = &state.region(&ctx.region).cfn;
    set.execution_status = "EXECUTE_IN_PROGRESS".to_owned();
    store.put_change_set(&set);
    let stack = find_stack(state, ctx, &set.stack_id)?;
    if set.kind == "CREATE" {
        let mut stack = stack;
        let plan = deploy::plan(
            &set.template,
            &set.parameters,
            &stack,
            &ctx.account,
            &ctx.region,
            &ssm_reader(state, ctx),
        )?;
        let d = deployer(
            state,
            ctx,
            &stack,
            set.role_arn.as_deref(),
            code_root(state),
        )?;
        store
            .claim(
                &stack.id,
                |s| s == "REVIEW_IN_PROGRESS",
                "CREATE_IN_PROGRESS",
            )
            .map_err(|status| {
                CfnError::InvalidChangeSetStatus(format!(
                    "ChangeSet [{}] cannot be executed: the stack is in {status}",
                    set.id
                ))
            })?;
        stack.description = set.template.description().map(str::to_owned);
        stack.parameters = plan.shown.clone();
        stack.capabilities = set.capabilities.clone();
        stack.role_arn = set.role_arn.clone();
        stack.tags = set.tags.clone();
        stack.template = Some(set.template.clone());
        stack.template_body = set.template_body.clone();
        stack.given_parameters = set.parameters.clone();
        let on_failure = if form.get("DisableRollback") == Some("true") {
            deploy::OnFailure::DoNothing
        } else {
            deploy::OnFailure::Rollback
        };
        deploy::create(&d, store, &mut stack, &set.template, &plan, on_failure).await;
    } else {
        updatable(&stack)?;
        let update = Update {
            template: set.template.clone(),
            body: set.template_body.clone(),
            given: set.parameters.clone(),
            capabilities: set.capabilities.clone(),
            role_arn: set.role_arn.clone(),
        };
        run_update(state, ctx, stack, update).await?;
    }
    set.execution_status = "EXECUTE_COMPLETE".to_owned();
    store.put_change_set(&set);
    // The other change sets of the stack are no longer current.
    for other in store.change_sets_of(&set.stack_id) {
        if other.id != set.id {
            store.remove_change_set(&other.id);
        }
    }
    Ok(QueryOutput::of(&serde_json::json!({})))
}

fn delete_change_set(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let set = find_change_set(state, ctx, form, "DeleteChangeSet")?;
    state.region(&ctx.region).cfn.remove_change_set(&set.id);
    Ok(QueryOutput::of(&serde_json::json!({})))
}

fn list_change_sets(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let stack = authorized_stack(state, ctx, form, "ListChangeSets")?;
    let summaries: Vec<serde_json::Value> = state
        .region(&ctx.region)
        .cfn
        .change_sets_of(&stack.id)
        .into_iter()
        .map(|c| serde_json::json!({
            "StackId": c.stack_id, "StackName": c.stack_name, "ChangeSetId": c.id, "ChangeSetName": c.name,
            "ExecutionStatus": c.execution_status, "Status": c.status, "StatusReason": c.reason,
            "CreationTime": query::timestamp(c.created), "Description": c.description,
        }))
        .collect();
    let (summaries, next_token) = page(summaries, form, &format!("ListChangeSets {}", stack.id))?;
    Ok(QueryOutput::of(
        &serde_json::json!({"Summaries": summaries, "NextToken": next_token}),
    ))
}

fn get_template_summary(
    state: &EmulatorState,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> ApiResult<QueryOutput> {
    let template = match template_member(form)? {
        Some((t, _)) => {
            authorize(state, ctx, "GetTemplateSummary", "*")?;
            t
        }
        None => {
            let name = required(form, "StackName")?;
            authorize(state, ctx, "GetTemplateSummary", &stack_arn(ctx, name))?;
            find_stack(state, ctx, name)?.template.ok_or_else(|| {
                CfnError::Validation(format!("Stack with id {name} has no template"))
            })?
        }
    };
    let text = super::intrinsics::text_of;
    let parameters: Vec<serde_json::Value> = template
        .parameters()
        .iter()
        .map(|(k, d)| {
            let allowed: Vec<String> = d
                .get("AllowedValues")
                .and_then(serde_json::Value::as_array)
                .map(|a| a.iter().filter_map(text).collect())
                .unwrap_or_default();
            serde_json::json!({
                "ParameterKey": k,
                "DefaultValue": d.get("Default").and_then(text),
                "ParameterType": d.get("Type").and_then(text),
                "NoEcho": d.get("NoEcho").and_then(text).is_some_and(|v| v == "true"),
                "Description": d.get("Description").and_then(text),
                "ParameterConstraints": {"AllowedValues": allowed},
            })
        })
        .collect();
    let mut types: Vec<String> = template
        .original
        .get("Resources")
        .and_then(serde_json::Value::as_object)
        .map(|r| {
            r.values()
                .filter_map(|v| v.get("Type").and_then(text))
                .collect()
        })
        .unwrap_or_default();
    types.sort();
    types.dedup();
    let out = serde_json::json!({
        "Parameters": parameters,
        "Description": template.description(),
        "ResourceTypes": types,
        "Version": template.original.get("AWSTemplateFormatVersion").and_then(text),
    });
    Ok(QueryOutput::of(&with_requirements(out, &template)))
}

/// ValidateTemplate's and GetTemplateSummary's common members: the capability the
/// template needs (and why), and the transforms it declares.
fn with_requirements(mut out: serde_json::Value, template: &Template) -> serde_json::Value {
    if let Some((capability, types)) = template.required_capability() {
        out["Capabilities"] = serde_json::json!([capability]);
        out["CapabilitiesReason"] = serde_json::json!(format!(
            "The following resource(s) require capabilities: [{}]",
            types.join(", ")
        ));
    }
    if template.original.get("Transform").is_some() {
        out["DeclaredTransforms"] = serde_json::json!([super::sam::TRANSFORM]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_every_item_once_and_tokens_keep_to_their_listing() {
        let items: Vec<usize> = (0..250).collect();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut pairs = Vec::new();
            if let Some(t) = &token {
                pairs.push(("NextToken".to_owned(), t.clone()));
            }
            let form = QueryRequest::from_pairs(pairs);
            let (got, next) = page(items.clone(), &form, "ListStacks").unwrap();
            assert!(got.len() <= PAGE_SIZE);
            seen.extend(got);
            pages += 1;
            match next {
                Some(n) => token = Some(n),
                None => break,
            }
        }
        assert_eq!((seen, pages), (items.clone(), 3));
        // A token of another listing, or made up, is refused.
        let (_, next) = page(
            items.clone(),
            &QueryRequest::from_pairs(Vec::<(String, String)>::new()),
            "ListExports",
        )
        .unwrap();
        for bad in [next.unwrap(), "garbage".to_owned()] {
            let form = QueryRequest::from_pairs(vec![("NextToken".to_owned(), bad)]);
            assert!(page(items.clone(), &form, "ListStacks").is_err());
        }
    }

    /// Architecture invariant (as for the other services' tables): every operation this
    /// API answers is a real one of the model, and every one listed is answered (a real
    /// operation not listed answers NotImplemented, a name that is none InvalidAction).
    #[tokio::test]
    async fn implemented_operations_are_the_models_and_are_answered() {
        let mut sorted = IMPLEMENTED.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, IMPLEMENTED);
        for op in IMPLEMENTED {
            assert!(
                crate::generated::cloudformation::OPERATIONS.contains(op),
                "{op}"
            );
        }
        let state = EmulatorState::new(crate::Config::default());
        let ctx = RequestContext::new(
            "us-east-1",
            "123456789012",
            crate::context::Caller::account_root("123456789012", None),
            None,
        );
        for op in IMPLEMENTED {
            let form = QueryRequest::from_pairs([("Action", *op), ("Version", API_VERSION)]);
            let response = handle(&state, &ctx, &form).await;
            let code = crate::protocol::error_code_of(&response);
            assert!(
                !matches!(code.as_deref(), Some("NotImplemented" | "InvalidAction")),
                "{op}: {code:?}"
            );
        }
        let form = QueryRequest::from_pairs([("Action", "CreateStackSet")]);
        let response = handle(&state, &ctx, &form).await;
        assert_eq!(
            crate::protocol::error_code_of(&response).as_deref(),
            Some("NotImplemented")
        );
        let form = QueryRequest::from_pairs([("Action", "Nope")]);
        let response = handle(&state, &ctx, &form).await;
        assert_eq!(
            crate::protocol::error_code_of(&response).as_deref(),
            Some("InvalidAction")
        );
    }
}
