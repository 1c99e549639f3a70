//! Who may reach which function: a request's function name parsed into a [`Target`] (in
//! the request's region, with its ARN) and the caller authorised for an action on it, as
//! every function, version, alias, tag and Invoke operation does before it looks at the
//! function. It lies below the operations, so none of them imports another for it.

use super::error::LambdaError;
use super::names::{self, FunctionRef};
use super::services::LambdaServices;
use crate::context::RequestContext;

/// A function named in a request: parsed, in the request's region, with its ARN.
#[derive(Debug, Clone)]
pub struct Target {
    pub reference: FunctionRef,
    /// The account the name points into.
    pub account: String,
    /// The unqualified function ARN.
    pub arn: String,
}

impl Target {
    /// The ARN with the qualifier, if one was given: what is authorised and reported.
    pub fn qualified_arn(&self) -> String {
        match &self.reference.qualifier {
            Some(q) => format!("{}:{q}", self.arn),
            None => self.arn.clone(),
        }
    }
}

/// Parses a function name member (`max_len` as the operation's model states).
pub fn target(ctx: &RequestContext, value: &str, max_len: usize) -> Result<Target, LambdaError> {
    let reference = names::parse("functionName", value, max_len)?;
    reference.check_region(&ctx.region)?;
    let account = reference.account_or(&ctx.account).to_owned();
    let arn = names::function_arn(&ctx.region, &account, &reference.name);
    Ok(Target {
        reference,
        account,
        arn,
    })
}

/// Authorises `action` on `resource` for the caller. A function of another account needs
/// a resource policy, which the emulator's functions never have.
pub fn authorize(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    action: &str,
    resource: &str,
    account: &str,
) -> Result<(), LambdaError> {
    authorize_with(state, ctx, action, resource, account, &|_| {})
}

/// [`authorize`] with the operation's own condition keys (`extra`), besides the
/// function's tags (`aws:ResourceTag/KEY`, Service Authorization Reference, "Actions,
/// resources, and condition keys for AWS Lambda": the `function` resource type); both
/// are computed only when a policy reads condition keys.
pub fn authorize_with(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    action: &str,
    resource: &str,
    account: &str,
    extra: &dyn Fn(&mut crate::iam::policy::ContextKeys),
) -> Result<(), LambdaError> {
    if account != ctx.account {
        // Another account's function has no resource policy here: the engine refuses
        // (recorded, soft-enforceable), in the words above.
        return state
            .authorize_without_resource_policy(ctx, action, resource)
            .map_err(LambdaError::AccessDenied);
    }
    state
        .authorize(ctx, action, resource, &|keys| {
            // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
            let name = resource.split(':').nth(6);
            if let Some(function) = name.and_then(|n| state.functions(&ctx.region).get(n)) {
                for (k, v) in &function.current().config.tags {
                    keys.insert(&format!("aws:ResourceTag/{k}"), v.as_str());
                }
            }
            extra(keys);
        })
        .map_err(LambdaError::AccessDenied)
}
