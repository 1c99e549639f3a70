//! What Lambda's operations need from the rest of the emulator, as small traits: the
//! function store of a region (and every region's, for the emulator-wide environment
//! limit), the emulator-wide part Lambda owns (records, X-Ray, links, work directory),
//! IAM's authorisation, and "start a role session for the execution role" (IAM/STS).
//! The operations and the execution layer take `&dyn LambdaServices`, never the whole
//! emulator state, so `lambda` depends on no other service and not on `state`; `state`
//! implements the traits over `EmulatorState` (the one place Lambda is wired to IAM).

use super::global::Lambda;
use super::store::FunctionStore;
use crate::config::Config;
use std::ops::Deref;
use std::sync::Arc;

/// Something that holds a region's function store (the region's state).
pub trait HoldsFunctions: Send + Sync {
    /// The function store.
    fn function_store(&self) -> &FunctionStore;
}

/// A region's function store, kept alive for as long as the operation holds it (a reset
/// that swaps the regions in the meantime does not pull it from under the operation).
pub struct RegionFunctions(pub Arc<dyn HoldsFunctions>);

impl Deref for RegionFunctions {
    type Target = FunctionStore;
    fn deref(&self) -> &FunctionStore {
        self.0.function_store()
    }
}

/// The function stores, one per region, the settings, and Lambda's emulator-wide part.
pub trait FunctionStores {
    /// The store of `region` (created empty on the region's first use).
    fn functions(&self, region: &str) -> RegionFunctions;
    /// The store of every region used so far (the emulator-wide environment limit and
    /// shutdown reach every function's pools through them).
    fn every_region(&self) -> Vec<RegionFunctions>;
    /// The emulator's settings.
    fn config(&self) -> &Config;
    /// Lambda's emulator-wide part: records, X-Ray, download links, the work directory.
    fn lambda(&self) -> &Lambda;
}

pub use crate::iam::authorizer::Authorizer;

/// The credentials of a role session started for an execution environment. Never logged
/// (no `Debug`): they hold a secret key and a session token.
pub struct RoleSession {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

/// The execution roles as IAM and STS know them.
pub trait ExecutionRoles {
    /// The ARN of the role named `name` (fixture functions may name their role).
    fn role_arn_by_name(&self, name: &str) -> Option<String>;
    /// Whether the role exists and its trust policy lets `service` assume it for
    /// `function_arn` (of the emulator's account).
    fn service_may_assume_role(&self, role_arn: &str, service: &str, function_arn: &str) -> bool;
    /// The role's maximum session duration in seconds; `None` if there is no such role.
    fn max_session_duration(&self, role_arn: &str) -> Option<u32>;
    /// Starts a session of the role for the function (`session_name`), lasting
    /// `duration_seconds` from `now`, whose key IAM remembers as the function's (its
    /// calls carry `lambda:SourceFunctionArn`); `None` if there is no such role.
    fn start_role_session(
        &self,
        role_arn: &str,
        session_name: &str,
        function_arn: &str,
        duration_seconds: u32,
        now: time::OffsetDateTime,
    ) -> Option<RoleSession>;
}

/// Everything a Lambda operation or invocation may use besides its request context.
pub trait LambdaServices:
    FunctionStores + Authorizer + ExecutionRoles + Send + Sync + 'static
{
}

impl<T: FunctionStores + Authorizer + ExecutionRoles + Send + Sync + 'static + ?Sized>
    LambdaServices for T
{
}
