//! Whether an execution role lets Lambda assume it: asked when a function is created or
//! its role changes (the API layer) and again at every cold start (the execution layer),
//! so it lives below both.

use super::error::LambdaError;
use super::SERVICE_PRINCIPAL;
use crate::state::EmulatorState;

/// What Lambda says when the execution role does not trust it.
pub const ROLE_NOT_ASSUMABLE: &str =
    "The role defined for the function cannot be assumed by Lambda.";

/// Whether the role exists and its trust policy lets Lambda assume it for this function.
pub fn role_trusts_lambda(
    state: &EmulatorState,
    role: &str,
    function_arn: &str,
) -> Result<(), LambdaError> {
    let trusted = state.iam.directory().role_by_arn(role).is_some_and(|role| {
        state
            .iam
            .service_may_assume(role, SERVICE_PRINCIPAL, function_arn, &state.config.account)
    });
    if trusted {
        Ok(())
    } else {
        Err(LambdaError::InvalidParameterValue(
            ROLE_NOT_ASSUMABLE.to_owned(),
        ))
    }
}
