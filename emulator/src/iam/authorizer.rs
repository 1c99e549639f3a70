//! What a service's operations ask of IAM about a request's caller, as one small trait:
//! SSM's, KMS's and Lambda's narrow services all take it (`state` implements it once, over
//! IAM's directory), so none of them names IAM's evaluator or the state.

use super::policy::ContextKeys;
use crate::context::RequestContext;

/// IAM's authorisation of the caller (a refusal carries AWS's denial message).
pub trait Authorizer {
    /// Whether the caller may perform `action` on `resource`; `extra` adds the
    /// operation's condition keys, called only when a policy reads condition keys.
    fn authorize(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        extra: &dyn Fn(&mut ContextKeys),
    ) -> Result<(), String>;
    /// The same with fixed condition keys (a repeated key accumulates values).
    fn authorize_with_keys(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        keys: &[(&str, &str)],
    ) -> Result<(), String>;
    /// The same for a resource of another account, which no resource policy shares.
    fn authorize_without_resource_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
    ) -> Result<(), String>;
}
