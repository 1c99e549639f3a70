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
    stack_name: &str,
    role_arn: Option<&str>,
    code_root: PathBuf,
) -> Result<Deployer<'a>, CfnError> {
    let mut ctx = ctx.clone();
    if let Some(role_arn) = role_arn {
        ctx.caller = role_caller(state, &ctx, role_arn)?;
    }
    Ok(Deployer {
        state,
        ctx,
        stack_name: stack_name.to_owned(),
        code_root,
    })
}

/// The caller CloudFormation acts as with a service role: a session of the role, which
/// must exist and trust `cloudformation.amazonaws.com`.
fn role_caller(
    state: &EmulatorState,
    ctx: &RequestContext,
    role_arn: &str,
) -> Result<crate::context::Caller, CfnError> {
    let directory = state.iam.directory();
    let role = directory.role_by_arn(role_arn).ok_or_else(|| {
        CfnError::Validation(format!("Role {role_arn} is invalid or cannot be assumed"))
    })?;
    if !state
        .iam
        .service_may_assume(role, "cloudformation.amazonaws.com", role_arn, &ctx.account)
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
    )?;
    let d = deployer(
        state,
        ctx,
        &request.name,
        request.role_arn.as_deref(),
        request.code_root,
    )?;
    stack.description = request.template.description().map(str::to_owned);
    stack.parameters = plan.shown.clone();
    stack.capabilities = request.capabilities;
    stack.role_arn = request.role_arn;
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
    deploy::create(&d, store, &mut stack, &request.template, &plan).await;
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
