//! The CloudFormation API (awsQuery, `Version=2010-05-15`, signed for
//! `cloudformation`). Every call is authorised as `cloudformation:ACTION` on the stack's
//! ARN; a deployment's resources are created as the caller, or as the stack's service
//! role (`RoleARN`, which the caller must be allowed to pass). Deployments finish within
//! the request, so a waiter's first DescribeStacks sees the final status.

use super::deploy;
use super::error::CfnError;
use super::providers::Deployer;
use super::services::CfnServices;
use super::stack::Stack;
use super::template::Template;
use crate::context::RequestContext;
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
    services: &'a dyn CfnServices,
    ctx: &RequestContext,
    stack: &Stack,
    role_arn: Option<&str>,
    code_root: PathBuf,
) -> Result<Deployer<'a>, CfnError> {
    let mut ctx = ctx.clone();
    if let Some(role_arn) = role_arn {
        ctx.caller = role_caller(services, &ctx, role_arn, &stack.id)?;
    }
    Ok(Deployer {
        services,
        ctx,
        stack_name: stack.name.clone(),
        code_root,
    })
}

/// The caller CloudFormation acts as with a service role: a session of the role, which
/// must exist and trust `cloudformation.amazonaws.com` on behalf of the stack
/// (`aws:SourceArn` is the stack's ARN, `aws:SourceAccount` its account).
fn role_caller(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    role_arn: &str,
    stack_id: &str,
) -> Result<crate::context::Caller, CfnError> {
    let directory = services.iam().directory();
    let role = directory.role_by_arn(role_arn).ok_or_else(|| {
        CfnError::Validation(format!("Role {role_arn} is invalid or cannot be assumed"))
    })?;
    if !services.iam().service_may_assume(
        role,
        "cloudformation.amazonaws.com",
        stack_id,
        &ctx.account,
    ) {
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
    services: &'a dyn CfnServices,
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
        let out = handler(services.ssm_services(), &call, body.as_bytes()).map_err(|e| {
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
    services: &dyn CfnServices,
    ctx: &RequestContext,
    request: CreateRequest,
) -> Result<Outcome, CfnError> {
    check_capabilities(&request.template, &request.capabilities)?;
    let store = &services.stacks(&ctx.region);
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
        &ssm_reader(services, ctx),
    )?;
    let d = deployer(
        services,
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
//
// Each operation takes its input as the generated type decodes it from the form
// (`crate::generated::cloudformation`), checks it against the model (`check_model`),
// then applies CloudFormation's own rules; it answers the model's output type, which
// `protocol::query` writes.

use crate::generated::cloudformation as model;
use crate::protocol::query::{self, FromQuery, Output as QueryOutput, QueryRequest};
use crate::protocol::validation::Validate;
use axum::response::Response;

/// The XML namespace of CloudFormation answers (from the model).
pub const NAMESPACE: &str = crate::generated::cloudformation::XML_NAMESPACE;
/// The name CloudFormation requests are signed for.
pub const SIGNING_NAME: &str = crate::generated::cloudformation::SIGNING_NAME;
/// The `Version` that names CloudFormation among the awsQuery services.
pub const API_VERSION: &str = crate::generated::cloudformation::API_VERSION;

type ApiResult<T> = std::result::Result<T, CfnError>;

/// An input as the generated type decodes it from the form (a number or boolean that
/// does not parse is a `ValidationError`, see `protocol::query::Unparsed`).
fn decoded<I: FromQuery>(form: &QueryRequest) -> ApiResult<I> {
    I::decode(form).map_err(|e| CfnError::Validation(e.message()))
}

/// Every modelled constraint of an input, as CloudFormation words a violation.
fn check_model(input: &impl Validate) -> ApiResult<()> {
    input.check().map_err(CfnError::Validation)
}

/// The `StackName` of an operation whose model leaves it optional (a physical id may
/// name the stack instead), required here: this emulator finds stacks by name only.
fn named_stack(name: &Option<String>) -> ApiResult<&str> {
    let mut v = crate::protocol::validation::Validator::new();
    v.not_null("", "stackName", name.is_some());
    v.finish().map_err(CfnError::Validation)?;
    Ok(name.as_deref().unwrap_or_default())
}

/// Answers an awsQuery request to CloudFormation.
pub async fn handle(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    form: &QueryRequest,
) -> Response {
    let Some(action) = form.action() else {
        return query::error(
            NAMESPACE,
            &ctx.request_id,
            &CfnError::InvalidAction("Missing Action parameter.".to_owned()),
        );
    };
    // An operation: its input decoded, the rule function applied, its output kept for
    // `protocol::query` to write.
    macro_rules! op {
        ($f:ident) => {
            decoded(form).and_then(|input| $f(services, ctx, input).map(|o| QueryOutput::of(&o)))
        };
        (async $f:ident) => {
            match decoded(form) {
                Ok(input) => $f(services, ctx, input).await.map(|o| QueryOutput::of(&o)),
                Err(e) => Err(e),
            }
        };
    }
    let result = match action {
        "CreateStack" => op!(async create_stack),
        "UpdateStack" => op!(async update_stack),
        "DeleteStack" => op!(async delete_stack),
        "DescribeStacks" => op!(describe_stacks),
        "DescribeStackEvents" => op!(describe_stack_events),
        "DescribeStackResource" => op!(describe_stack_resource),
        "DescribeStackResources" => op!(describe_stack_resources),
        "ListStacks" => op!(list_stacks),
        "ListStackResources" => op!(list_stack_resources),
        "GetTemplate" => op!(get_template),
        "ValidateTemplate" => op!(validate_template),
        "GetTemplateSummary" => op!(get_template_summary),
        "CreateChangeSet" => op!(create_change_set),
        "DescribeChangeSet" => op!(describe_change_set),
        "ExecuteChangeSet" => op!(async execute_change_set),
        "DeleteChangeSet" => op!(delete_change_set),
        "ListChangeSets" => op!(list_change_sets),
        "ListExports" => op!(list_exports),
        other if model::OPERATIONS.contains(&other) => Err(CfnError::NotImplemented(format!(
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
    services: &dyn CfnServices,
    ctx: &RequestContext,
    action: &str,
    resource: &str,
) -> ApiResult<()> {
    services
        .iam()
        .authorize(ctx, &format!("cloudformation:{action}"), resource, &[])
        .map_err(|denied| CfnError::AccessDenied(denied.message))
}

/// The caller may pass the stack's service role (`iam:PassRole`), as CloudFormation
/// requires of whoever names a `RoleARN`.
fn authorize_pass_role(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    role_arn: Option<&str>,
) -> ApiResult<()> {
    if let Some(role) = role_arn {
        services
            .iam()
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
fn page<T>(
    items: Vec<T>,
    next_token: Option<&str>,
    scope: &str,
) -> ApiResult<(Vec<T>, Option<String>)> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let start = match next_token {
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

/// A member the model requires, once `check_model` has passed (it is present).
fn given(member: &Option<String>) -> &str {
    member.as_deref().unwrap_or_default()
}

/// `Parameters.member.N.ParameterKey/ParameterValue/UsePreviousValue`: the given values,
/// and the keys whose previous value is to be kept.
fn parameters_member(
    parameters: &Option<Vec<model::Parameter>>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut given = BTreeMap::new();
    let mut keep = Vec::new();
    for p in parameters.iter().flatten() {
        let Some(key) = p.parameter_key.clone() else {
            continue;
        };
        if p.use_previous_value == Some(true) {
            keep.push(key);
        } else if let Some(v) = &p.parameter_value {
            given.insert(key, v.clone());
        }
    }
    (given, keep)
}

/// `OnFailure` (ROLLBACK, DELETE, DO_NOTHING; the model checks the value) or
/// `DisableRollback`, not both (CloudFormation API Reference, "CreateStack").
fn on_failure_member(input: &model::CreateStackInput) -> ApiResult<deploy::OnFailure> {
    match (input.on_failure.as_deref(), input.disable_rollback) {
        (Some(_), Some(_)) => Err(CfnError::Validation(
            "You cannot specify both DisableRollback and OnFailure.".to_owned(),
        )),
        (Some("DELETE"), None) => Ok(deploy::OnFailure::Delete),
        (Some("DO_NOTHING"), None) | (None, Some(true)) => Ok(deploy::OnFailure::DoNothing),
        _ => Ok(deploy::OnFailure::Rollback),
    }
}

fn tags_member(tags: &Option<Vec<model::Tag>>) -> Vec<(String, String)> {
    tags.iter()
        .flatten()
        .map(|t| {
            (
                t.key.clone().unwrap_or_default(),
                t.value.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// The longest `TemplateBody` this emulator takes: 51,200 bytes, CloudFormation's quota
/// for a template passed in the request (AWS CloudFormation User Guide, "Quotas":
/// "Template body size in a request"; larger ones go through S3 on AWS, which does not
/// exist here). The model itself only requires one character.
const MAX_TEMPLATE_BODY: usize = 51_200;

/// The template of a request (`TemplateBody`; `TemplateURL` names S3, which this emulator
/// does not have).
fn template_member(
    body: &Option<String>,
    url: &Option<String>,
) -> ApiResult<Option<(Template, String)>> {
    if url.is_some() {
        return Err(CfnError::Validation(
            "TemplateURL is not supported by this emulator (there is no S3 here): send the template in TemplateBody.".to_owned(),
        ));
    }
    match body {
        Some(body) if body.len() > MAX_TEMPLATE_BODY => Err(CfnError::Validation(
            "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200".to_owned(),
        )),
        Some(body) => Ok(Some((Template::load(body)?, body.clone()))),
        None => Ok(None),
    }
}

fn no_template() -> CfnError {
    CfnError::Validation("Either Template URL or Template Body must be specified.".to_owned())
}

fn code_root(services: &dyn CfnServices) -> PathBuf {
    services
        .template_code_root()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

/// The stack a request's `StackName` names, once the caller may act on it: the
/// authorisation comes first (on the name's ARN), so a caller refused learns nothing of
/// whether the stack exists.
fn authorized_stack(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    name: &str,
    action: &str,
) -> ApiResult<Stack> {
    authorize(services, ctx, action, &stack_arn(ctx, name))?;
    find_stack(services, ctx, name)
}

fn find_stack(services: &dyn CfnServices, ctx: &RequestContext, name: &str) -> ApiResult<Stack> {
    services
        .stacks(&ctx.region)
        .find(name)
        .ok_or_else(|| CfnError::Validation(format!("Stack with id {name} does not exist")))
}

async fn create_stack(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::CreateStackInput,
) -> ApiResult<model::CreateStackOutput> {
    check_model(&input)?;
    let name = given(&input.stack_name);
    authorize(services, ctx, "CreateStack", &stack_arn(ctx, name))?;
    let (template, body) =
        template_member(&input.template_body, &input.template_url)?.ok_or_else(no_template)?;
    authorize_pass_role(services, ctx, input.role_arn.as_deref())?;
    let (parameters, _) = parameters_member(&input.parameters);
    let on_failure = on_failure_member(&input)?;
    let outcome = run_create(
        services,
        ctx,
        CreateRequest {
            name: name.to_owned(),
            template,
            body,
            parameters,
            capabilities: input.capabilities.clone().unwrap_or_default(),
            role_arn: input.role_arn.clone(),
            tags: tags_member(&input.tags),
            code_root: code_root(services),
            on_failure,
        },
    )
    .await?;
    Ok(model::CreateStackOutput {
        stack_id: Some(outcome.stack_id),
        ..Default::default()
    })
}

async fn delete_stack(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::DeleteStackInput,
) -> ApiResult<()> {
    check_model(&input)?;
    let name = given(&input.stack_name);
    authorize(services, ctx, "DeleteStack", &stack_arn(ctx, name))?;
    // Deleting a stack that does not exist succeeds (CloudFormation API Reference,
    // "DeleteStack": no error is listed for it, and the CLI's waiter then finds none).
    let Ok(mut stack) = find_stack(services, ctx, name) else {
        return Ok(());
    };
    if stack.is_deleted() {
        return Ok(());
    }
    let role_arn = input.role_arn.clone().or(stack.role_arn.clone());
    authorize_pass_role(services, ctx, input.role_arn.as_deref())?;
    let d = deployer(
        services,
        ctx,
        &stack,
        role_arn.as_deref(),
        code_root(services),
    )?;
    let store = &services.stacks(&ctx.region);
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
    Ok(())
}

fn parameters_view<'a>(
    parameters: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Vec<model::Parameter> {
    parameters
        .into_iter()
        .map(|(k, v)| model::Parameter {
            parameter_key: Some(k.clone()),
            parameter_value: Some(v.clone()),
            ..Default::default()
        })
        .collect()
}

fn stack_view(s: &Stack) -> model::Stack {
    model::Stack {
        stack_id: Some(s.id.clone()),
        stack_name: Some(s.name.clone()),
        description: s.description.clone(),
        parameters: Some(parameters_view(s.parameters.iter().map(|(k, v)| (k, v)))),
        creation_time: Some(s.created),
        deletion_time: s.deleted,
        last_updated_time: s.updated,
        stack_status: Some(s.status.clone()),
        stack_status_reason: s.reason.clone(),
        disable_rollback: Some(s.disable_rollback),
        notification_ar_ns: Some(Vec::new()),
        capabilities: Some(s.capabilities.clone()),
        outputs: Some(
            s.outputs
                .iter()
                .map(|o| model::Output {
                    output_key: Some(o.key.clone()),
                    output_value: Some(o.value.clone()),
                    description: o.description.clone(),
                    export_name: o.export_name.clone(),
                })
                .collect(),
        ),
        role_arn: s.role_arn.clone(),
        tags: Some(
            s.tags
                .iter()
                .map(|(k, v)| model::Tag {
                    key: Some(k.clone()),
                    value: Some(v.clone()),
                })
                .collect(),
        ),
        enable_termination_protection: Some(false),
        drift_information: Some(model::StackDriftInformation {
            stack_drift_status: Some("NOT_CHECKED".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn describe_stacks(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::DescribeStacksInput,
) -> ApiResult<model::DescribeStacksOutput> {
    check_model(&input)?;
    let stacks = match input.stack_name.as_deref() {
        Some(name) => {
            authorize(services, ctx, "DescribeStacks", &stack_arn(ctx, name))?;
            vec![find_stack(services, ctx, name)?]
        }
        None => {
            authorize(services, ctx, "DescribeStacks", "*")?;
            let mut all: Vec<Stack> = services
                .stacks(&ctx.region)
                .all()
                .into_iter()
                .filter(|s| !s.is_deleted())
                .collect();
            all.reverse();
            all
        }
    };
    let (stacks, next_token) = page(stacks, input.next_token.as_deref(), "DescribeStacks")?;
    Ok(model::DescribeStacksOutput {
        stacks: Some(stacks.iter().map(stack_view).collect()),
        next_token,
    })
}

fn describe_stack_events(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::DescribeStackEventsInput,
) -> ApiResult<model::DescribeStackEventsOutput> {
    check_model(&input)?;
    let stack = authorized_stack(
        services,
        ctx,
        given(&input.stack_name),
        "DescribeStackEvents",
    )?;
    let (events, next_token) = page(
        stack.events.iter().collect(),
        input.next_token.as_deref(),
        &format!("DescribeStackEvents {}", stack.id),
    )?;
    let stack_events = events
        .into_iter()
        .map(|e| model::StackEvent {
            stack_id: Some(stack.id.clone()),
            event_id: Some(e.id.clone()),
            stack_name: Some(stack.name.clone()),
            logical_resource_id: Some(e.logical_id.clone()),
            physical_resource_id: Some(e.physical_id.clone()),
            resource_type: Some(e.resource_type.clone()),
            timestamp: Some(e.at),
            resource_status: Some(e.status.clone()),
            resource_status_reason: e.reason.clone(),
            ..Default::default()
        })
        .collect();
    Ok(model::DescribeStackEventsOutput {
        stack_events: Some(stack_events),
        next_token,
    })
}

/// Resources carry no drift detection here: every one is `NOT_CHECKED`.
const NOT_CHECKED: &str = "NOT_CHECKED";

fn describe_stack_resource(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::DescribeStackResourceInput,
) -> ApiResult<model::DescribeStackResourceOutput> {
    check_model(&input)?;
    let name = given(&input.stack_name);
    let logical = given(&input.logical_resource_id);
    authorize(
        services,
        ctx,
        "DescribeStackResource",
        &stack_arn(ctx, name),
    )?;
    let stack = find_stack(services, ctx, name)?;
    let r = stack
        .resources
        .iter()
        .find(|r| r.logical_id == logical)
        .ok_or_else(|| {
            CfnError::Validation(format!(
                "Resource {logical} does not exist for stack {name}"
            ))
        })?;
    Ok(model::DescribeStackResourceOutput {
        stack_resource_detail: Some(model::StackResourceDetail {
            stack_name: Some(stack.name.clone()),
            stack_id: Some(stack.id.clone()),
            logical_resource_id: Some(r.logical_id.clone()),
            physical_resource_id: Some(r.physical_id.clone()),
            resource_type: Some(r.resource_type.clone()),
            last_updated_timestamp: Some(r.updated),
            resource_status: Some(r.status.clone()),
            resource_status_reason: r.reason.clone(),
            drift_information: Some(model::StackResourceDriftInformation {
                stack_resource_drift_status: Some(NOT_CHECKED.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }),
    })
}

fn describe_stack_resources(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::DescribeStackResourcesInput,
) -> ApiResult<model::DescribeStackResourcesOutput> {
    check_model(&input)?;
    let name = named_stack(&input.stack_name)?;
    let stack = authorized_stack(services, ctx, name, "DescribeStackResources")?;
    let logical = input.logical_resource_id.as_deref();
    let resources = stack
        .resources
        .iter()
        .filter(|r| logical.is_none_or(|l| l == r.logical_id))
        .map(|r| model::StackResource {
            stack_name: Some(stack.name.clone()),
            stack_id: Some(stack.id.clone()),
            logical_resource_id: Some(r.logical_id.clone()),
            physical_resource_id: Some(r.physical_id.clone()),
            resource_type: Some(r.resource_type.clone()),
            timestamp: Some(r.updated),
            resource_status: Some(r.status.clone()),
            resource_status_reason: r.reason.clone(),
            drift_information: Some(model::StackResourceDriftInformation {
                stack_resource_drift_status: Some(NOT_CHECKED.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    Ok(model::DescribeStackResourcesOutput {
        stack_resources: Some(resources),
    })
}

fn list_stack_resources(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::ListStackResourcesInput,
) -> ApiResult<model::ListStackResourcesOutput> {
    check_model(&input)?;
    let stack = authorized_stack(
        services,
        ctx,
        given(&input.stack_name),
        "ListStackResources",
    )?;
    let (resources, next_token) = page(
        stack.resources.iter().collect(),
        input.next_token.as_deref(),
        &format!("ListStackResources {}", stack.id),
    )?;
    let summaries = resources
        .into_iter()
        .map(|r| model::StackResourceSummary {
            logical_resource_id: Some(r.logical_id.clone()),
            physical_resource_id: Some(r.physical_id.clone()),
            resource_type: Some(r.resource_type.clone()),
            last_updated_timestamp: Some(r.updated),
            resource_status: Some(r.status.clone()),
            resource_status_reason: r.reason.clone(),
            drift_information: Some(model::StackResourceDriftInformationSummary {
                stack_resource_drift_status: Some(NOT_CHECKED.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    Ok(model::ListStackResourcesOutput {
        stack_resource_summaries: Some(summaries),
        next_token,
    })
}

fn list_stacks(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::ListStacksInput,
) -> ApiResult<model::ListStacksOutput> {
    check_model(&input)?;
    authorize(services, ctx, "ListStacks", "*")?;
    let filter = input.stack_status_filter.unwrap_or_default();
    let mut all = services.stacks(&ctx.region).all();
    all.reverse();
    let summaries: Vec<model::StackSummary> = all
        .into_iter()
        .filter(|s| filter.is_empty() || filter.contains(&s.status))
        .map(|s| model::StackSummary {
            stack_id: Some(s.id),
            stack_name: Some(s.name),
            template_description: s.description,
            creation_time: Some(s.created),
            last_updated_time: s.updated,
            deletion_time: s.deleted,
            stack_status: Some(s.status),
            stack_status_reason: s.reason,
            ..Default::default()
        })
        .collect();
    let (summaries, next_token) = page(summaries, input.next_token.as_deref(), "ListStacks")?;
    Ok(model::ListStacksOutput {
        stack_summaries: Some(summaries),
        next_token,
    })
}

fn template_answer(body: String) -> model::GetTemplateOutput {
    model::GetTemplateOutput {
        template_body: Some(body),
        stages_available: Some(vec!["Original".to_owned(), "Processed".to_owned()]),
    }
}

fn get_template(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::GetTemplateInput,
) -> ApiResult<model::GetTemplateOutput> {
    check_model(&input)?;
    let processed = input.template_stage.as_deref() == Some("Processed");
    if let Some(set) = input.change_set_name.as_deref() {
        let store = &services.stacks(&ctx.region);
        let set = store
            .change_set(set, input.stack_name.as_deref())
            .ok_or_else(|| {
                CfnError::ChangeSetNotFound(format!("ChangeSet [{set}] does not exist"))
            })?;
        authorize(services, ctx, "GetTemplate", &set.stack_id)?;
        let body = if processed {
            set.template.processed.to_string()
        } else {
            set.template_body.clone()
        };
        return Ok(template_answer(body));
    }
    let name = named_stack(&input.stack_name)?;
    let stack = authorized_stack(services, ctx, name, "GetTemplate")?;
    let body = match (&stack.template, processed) {
        (Some(t), true) => t.processed.to_string(),
        _ => stack.template_body.clone(),
    };
    Ok(template_answer(body))
}

fn validate_template(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::ValidateTemplateInput,
) -> ApiResult<model::ValidateTemplateOutput> {
    check_model(&input)?;
    authorize(services, ctx, "ValidateTemplate", "*")?;
    let (template, _) =
        template_member(&input.template_body, &input.template_url)?.ok_or_else(no_template)?;
    let text = super::intrinsics::text_of;
    let parameters = template
        .parameters()
        .iter()
        .map(|(k, d)| model::TemplateParameter {
            parameter_key: Some(k.clone()),
            default_value: d.get("Default").and_then(text),
            no_echo: Some(d.get("NoEcho").and_then(text).is_some_and(|v| v == "true")),
            description: d.get("Description").and_then(text),
        })
        .collect();
    let needs = Requirements::of(&template);
    Ok(model::ValidateTemplateOutput {
        parameters: Some(parameters),
        description: template.description().map(str::to_owned),
        capabilities: needs.capabilities,
        capabilities_reason: needs.reason,
        declared_transforms: needs.transforms,
    })
}

fn list_exports(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::ListExportsInput,
) -> ApiResult<model::ListExportsOutput> {
    check_model(&input)?;
    authorize(services, ctx, "ListExports", "*")?;
    let exports: Vec<model::Export> = services
        .stacks(&ctx.region)
        .exports()
        .into_iter()
        .map(|(name, value, exporting_stack_id)| model::Export {
            exporting_stack_id: Some(exporting_stack_id),
            name: Some(name),
            value: Some(value),
        })
        .collect();
    let (exports, next_token) = page(exports, input.next_token.as_deref(), "ListExports")?;
    Ok(model::ListExportsOutput {
        exports: Some(exports),
        next_token,
    })
}

/// The template and parameters of an update: the new template (or the previous one),
/// the given values over the previous ones where `UsePreviousValue` is asked.
fn update_inputs(
    stack: &Stack,
    template: ApiResult<Option<(Template, String)>>,
    use_previous_template: Option<bool>,
    parameters: &Option<Vec<model::Parameter>>,
) -> ApiResult<(Template, String, BTreeMap<String, String>)> {
    let (template, body) = match template? {
        Some(t) => t,
        None if use_previous_template == Some(true) => (
            stack.template.clone().ok_or_else(|| {
                CfnError::Validation("The stack has no previous template.".to_owned())
            })?,
            stack.template_body.clone(),
        ),
        None => return Err(no_template()),
    };
    let (mut given, keep) = parameters_member(parameters);
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
    services: &dyn CfnServices,
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
        &ssm_reader(services, ctx),
    )?;
    let role_arn = role_arn.or(stack.role_arn.clone());
    let d = deployer(
        services,
        ctx,
        &stack,
        role_arn.as_deref(),
        code_root(services),
    )?;
    let store = &services.stacks(&ctx.region);
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
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::UpdateStackInput,
) -> ApiResult<model::UpdateStackOutput> {
    check_model(&input)?;
    let stack = authorized_stack(services, ctx, given(&input.stack_name), "UpdateStack")?;
    updatable(&stack)?;
    let (template, body, given) = update_inputs(
        &stack,
        template_member(&input.template_body, &input.template_url),
        input.use_previous_template,
        &input.parameters,
    )?;
    if no_changes(&stack, &template, &given) {
        return Err(CfnError::Validation(
            "No updates are to be performed.".to_owned(),
        ));
    }
    authorize_pass_role(services, ctx, input.role_arn.as_deref())?;
    let update = Update {
        template,
        body,
        given,
        capabilities: input.capabilities.unwrap_or_default(),
        role_arn: input.role_arn,
    };
    let stack_id = run_update(services, ctx, stack, update).await?;
    Ok(model::UpdateStackOutput {
        stack_id: Some(stack_id),
        ..Default::default()
    })
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
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::CreateChangeSetInput,
) -> ApiResult<model::CreateChangeSetOutput> {
    check_model(&input)?;
    let name = given(&input.stack_name);
    let set_name = given(&input.change_set_name);
    authorize(services, ctx, "CreateChangeSet", &stack_arn(ctx, name))?;
    let kind = input
        .change_set_type
        .clone()
        .unwrap_or_else(|| "UPDATE".to_owned());
    let store = &services.stacks(&ctx.region);
    let role_arn = input.role_arn.clone();
    authorize_pass_role(services, ctx, role_arn.as_deref())?;
    let capabilities = input.capabilities.clone().unwrap_or_default();
    let template = template_member(&input.template_body, &input.template_url);
    let (stack, template, body, given) = match kind.as_str() {
        "CREATE" => {
            if store
                .find(name)
                .is_some_and(|s| s.status != "REVIEW_IN_PROGRESS")
            {
                return Err(CfnError::AlreadyExists(format!("Stack [{name}] already exists and cannot be created again with the changeSet [{set_name}].")));
            }
            let (template, body) = template?.ok_or_else(no_template)?;
            let stack = match store.find(name) {
                Some(s) => s,
                None => {
                    let mut s = Stack::new(&ctx.region, &ctx.account, name, "REVIEW_IN_PROGRESS");
                    s.stack_event("REVIEW_IN_PROGRESS", Some("User Initiated".to_owned()));
                    store.insert(s.clone());
                    s
                }
            };
            let (given, _) = parameters_member(&input.parameters);
            (stack, template, body, given)
        }
        "UPDATE" => {
            let stack = find_stack(services, ctx, name)?;
            let (template, body, given) = update_inputs(
                &stack,
                template,
                input.use_previous_template,
                &input.parameters,
            )?;
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
        &ssm_reader(services, ctx),
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
        description: input.description.clone(),
        template,
        template_body: body,
        parameters: given,
        capabilities,
        role_arn,
        tags: tags_member(&input.tags),
        changes,
    };
    store.add_change_set(set);
    Ok(model::CreateChangeSetOutput {
        id: Some(id),
        stack_id: Some(stack.id),
    })
}

fn find_change_set(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    name: &str,
    stack_name: Option<&str>,
    action: &str,
) -> ApiResult<super::stack::ChangeSet> {
    let store = &services.stacks(&ctx.region);
    let set = store
        .change_set(name, stack_name)
        .ok_or_else(|| CfnError::ChangeSetNotFound(format!("ChangeSet [{name}] does not exist")))?;
    authorize(services, ctx, action, &set.stack_id)?;
    Ok(set)
}

fn describe_change_set(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::DescribeChangeSetInput,
) -> ApiResult<model::DescribeChangeSetOutput> {
    check_model(&input)?;
    let set = find_change_set(
        services,
        ctx,
        given(&input.change_set_name),
        input.stack_name.as_deref(),
        "DescribeChangeSet",
    )?;
    let non_empty = |s: &String| (!s.is_empty()).then(|| s.clone());
    let changes = set
        .changes
        .iter()
        .map(
            |(action, logical, physical, ty, replacement)| model::Change {
                r#type: Some("Resource".to_owned()),
                resource_change: Some(model::ResourceChange {
                    action: Some(action.clone()),
                    logical_resource_id: Some(logical.clone()),
                    physical_resource_id: non_empty(physical),
                    resource_type: Some(ty.clone()),
                    replacement: non_empty(replacement),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .collect();
    Ok(model::DescribeChangeSetOutput {
        change_set_name: Some(set.name),
        change_set_id: Some(set.id),
        stack_id: Some(set.stack_id),
        stack_name: Some(set.stack_name),
        description: set.description,
        parameters: Some(parameters_view(&set.parameters)),
        creation_time: Some(set.created),
        execution_status: Some(set.execution_status),
        status: Some(set.status),
        status_reason: set.reason,
        capabilities: Some(set.capabilities),
        changes: Some(changes),
        ..Default::default()
    })
}

async fn execute_change_set(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::ExecuteChangeSetInput,
) -> ApiResult<model::ExecuteChangeSetOutput> {
    check_model(&input)?;
    let mut set = find_change_set(
        services,
        ctx,
        given(&input.change_set_name),
        input.stack_name.as_deref(),
        "ExecuteChangeSet",
    )?;
    if set.execution_status != "AVAILABLE" {
        return Err(CfnError::InvalidChangeSetStatus(format!(
            "ChangeSet [{}] cannot be executed in its current execution status of [{}]",
            set.id, set.execution_status
        )));
    }
    let store = &services.stacks(&ctx.region);
    set.execution_status = "EXECUTE_IN_PROGRESS".to_owned();
    store.put_change_set(&set);
    let stack = find_stack(services, ctx, &set.stack_id)?;
    if set.kind == "CREATE" {
        let mut stack = stack;
        let plan = deploy::plan(
            &set.template,
            &set.parameters,
            &stack,
            &ctx.account,
            &ctx.region,
            &ssm_reader(services, ctx),
        )?;
        let d = deployer(
            services,
            ctx,
            &stack,
            set.role_arn.as_deref(),
            code_root(services),
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
        let on_failure = if input.disable_rollback == Some(true) {
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
        run_update(services, ctx, stack, update).await?;
    }
    set.execution_status = "EXECUTE_COMPLETE".to_owned();
    store.put_change_set(&set);
    // The other change sets of the stack are no longer current.
    for other in store.change_sets_of(&set.stack_id) {
        if other.id != set.id {
            store.remove_change_set(&other.id);
        }
    }
    Ok(model::ExecuteChangeSetOutput {})
}

fn delete_change_set(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::DeleteChangeSetInput,
) -> ApiResult<model::DeleteChangeSetOutput> {
    check_model(&input)?;
    let set = find_change_set(
        services,
        ctx,
        given(&input.change_set_name),
        input.stack_name.as_deref(),
        "DeleteChangeSet",
    )?;
    services.stacks(&ctx.region).remove_change_set(&set.id);
    Ok(model::DeleteChangeSetOutput {})
}

fn list_change_sets(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::ListChangeSetsInput,
) -> ApiResult<model::ListChangeSetsOutput> {
    check_model(&input)?;
    let stack = authorized_stack(services, ctx, given(&input.stack_name), "ListChangeSets")?;
    let summaries: Vec<model::ChangeSetSummary> = services
        .stacks(&ctx.region)
        .change_sets_of(&stack.id)
        .into_iter()
        .map(|c| model::ChangeSetSummary {
            stack_id: Some(c.stack_id),
            stack_name: Some(c.stack_name),
            change_set_id: Some(c.id),
            change_set_name: Some(c.name),
            execution_status: Some(c.execution_status),
            status: Some(c.status),
            status_reason: c.reason,
            creation_time: Some(c.created),
            description: c.description,
            ..Default::default()
        })
        .collect();
    let (summaries, next_token) = page(
        summaries,
        input.next_token.as_deref(),
        &format!("ListChangeSets {}", stack.id),
    )?;
    Ok(model::ListChangeSetsOutput {
        summaries: Some(summaries),
        next_token,
    })
}

fn get_template_summary(
    services: &dyn CfnServices,
    ctx: &RequestContext,
    input: model::GetTemplateSummaryInput,
) -> ApiResult<model::GetTemplateSummaryOutput> {
    check_model(&input)?;
    let template = match template_member(&input.template_body, &input.template_url)? {
        Some((t, _)) => {
            authorize(services, ctx, "GetTemplateSummary", "*")?;
            t
        }
        None => {
            let name = named_stack(&input.stack_name)?;
            authorize(services, ctx, "GetTemplateSummary", &stack_arn(ctx, name))?;
            find_stack(services, ctx, name)?.template.ok_or_else(|| {
                CfnError::Validation(format!("Stack with id {name} has no template"))
            })?
        }
    };
    let text = super::intrinsics::text_of;
    let parameters = template
        .parameters()
        .iter()
        .map(|(k, d)| {
            let allowed: Vec<String> = d
                .get("AllowedValues")
                .and_then(serde_json::Value::as_array)
                .map(|a| a.iter().filter_map(text).collect())
                .unwrap_or_default();
            model::ParameterDeclaration {
                parameter_key: Some(k.clone()),
                default_value: d.get("Default").and_then(text),
                parameter_type: d.get("Type").and_then(text),
                no_echo: Some(d.get("NoEcho").and_then(text).is_some_and(|v| v == "true")),
                description: d.get("Description").and_then(text),
                parameter_constraints: Some(model::ParameterConstraints {
                    allowed_values: Some(allowed),
                }),
            }
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
    let needs = Requirements::of(&template);
    Ok(model::GetTemplateSummaryOutput {
        parameters: Some(parameters),
        description: template.description().map(str::to_owned),
        capabilities: needs.capabilities,
        capabilities_reason: needs.reason,
        resource_types: Some(types),
        version: template
            .original
            .get("AWSTemplateFormatVersion")
            .and_then(text),
        declared_transforms: needs.transforms,
        ..Default::default()
    })
}

/// ValidateTemplate's and GetTemplateSummary's common members: the capability the
/// template needs (and why), and the transforms it declares.
struct Requirements {
    capabilities: Option<Vec<String>>,
    reason: Option<String>,
    transforms: Option<Vec<String>>,
}

impl Requirements {
    fn of(template: &Template) -> Self {
        let needed = template.required_capability();
        Requirements {
            capabilities: needed.as_ref().map(|(c, _)| vec![(*c).to_owned()]),
            reason: needed.as_ref().map(|(_, types)| {
                format!(
                    "The following resource(s) require capabilities: [{}]",
                    types.join(", ")
                )
            }),
            transforms: template
                .original
                .get("Transform")
                .map(|_| vec![super::sam::TRANSFORM.to_owned()]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::EmulatorState;

    /// DescribeStackResources, GetTemplate and GetTemplateSummary without a stack name
    /// answer the model's not-null message, as the generated validation words it.
    #[test]
    fn a_missing_stack_name_is_a_validation_error() {
        match named_stack(&None) {
            Err(CfnError::Validation(message)) => assert_eq!(
                message,
                "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(named_stack(&Some("s".to_owned())).unwrap(), "s");
    }

    #[test]
    fn pages_walk_every_item_once_and_tokens_keep_to_their_listing() {
        let items: Vec<usize> = (0..250).collect();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let (got, next) = page(items.clone(), token.as_deref(), "ListStacks").unwrap();
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
        let (_, next) = page(items.clone(), None, "ListExports").unwrap();
        for bad in [next.unwrap(), "garbage".to_owned()] {
            assert!(page(items.clone(), Some(&bad), "ListStacks").is_err());
        }
    }

    /// Architecture invariant (as for the other services' tables): every operation this
    /// API answers is a real one of the model, and every one listed is answered (a real
    /// operation not listed answers NotImplemented, a name that is none InvalidAction).
    #[tokio::test]
    async fn implemented_operations_are_the_models_and_are_answered() {
        let implemented: Vec<&str> = model::IMPLEMENTED.iter().map(|(op, ..)| *op).collect();
        let mut sorted = implemented.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, implemented);
        for op in &implemented {
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
        for op in &implemented {
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
