//! Whether an execution role lets Lambda assume it: asked when a function is created or
//! its role changes (the API layer) and again at every cold start (the execution layer),
//! so it lives below both.

use super::error::LambdaError;
use super::services::LambdaServices;

/// The service principal of Lambda (in trust policies).
pub const SERVICE_PRINCIPAL: &str = "lambda.amazonaws.com";

/// What Lambda says when the execution role does not trust it.
pub const ROLE_NOT_ASSUMABLE: &str =
    "The role defined for the function cannot be assumed by Lambda.";

/// Whether the role exists and its trust policy lets Lambda assume it for this function.
pub fn role_trusts_lambda(
    state: &dyn LambdaServices,
    role: &str,
    function_arn: &str,
) -> Result<(), LambdaError> {
    if state.service_may_assume_role(role, SERVICE_PRINCIPAL, function_arn) {
        Ok(())
    } else {
        Err(LambdaError::InvalidParameterValue(
            ROLE_NOT_ASSUMABLE.to_owned(),
        ))
    }
}
