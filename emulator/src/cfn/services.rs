//! What CloudFormation needs from the rest of the emulator, as one small trait: the
//! stack store of a region, the services a deployment calls (SSM's, KMS's and Lambda's
//! narrow services, IAM's directory and its API), and the few settings templates read.
//! The operations, the deployer and the startup templates take `&dyn CfnServices`, never
//! the whole emulator state, so `cfn` does not depend on `state`; `state` implements the
//! trait over `EmulatorState` (`cfn_wiring`, the one place CloudFormation is wired to the
//! other services).

use super::stack::StackStore;
use crate::config::StartupTemplates;
use crate::iam::Iam;
use crate::kms::KmsServices;
use crate::lambda::services::LambdaServices;
use crate::ssm::SsmServices;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

/// Something that holds a region's stack store (the region's state).
pub trait HoldsStacks: Send + Sync {
    /// The stack store.
    fn stack_store(&self) -> &StackStore;
}

/// A region's stack store, kept alive for as long as the operation holds it (a reset that
/// swaps the regions during a deployment does not pull it from under the deployment).
pub struct RegionStacks(pub Arc<dyn HoldsStacks>);

impl Deref for RegionStacks {
    type Target = StackStore;
    fn deref(&self) -> &StackStore {
        self.0.stack_store()
    }
}

/// Everything a CloudFormation operation or deployment may use besides its request
/// context. `Sync`: a deployment holds it across the awaits of Lambda's code builds.
pub trait CfnServices: Sync {
    /// The stack store of `region` (created empty on the region's first use).
    fn stacks(&self, region: &str) -> RegionStacks;
    /// Parameter Store's operations run on these (`AWS::SSM::Parameter`, parameters of
    /// type `AWS::SSM::Parameter::Value<...>`).
    fn ssm_services(&self) -> &(dyn SsmServices + 'static);
    /// KMS's operations run on these (`AWS::KMS::Key`, `AWS::KMS::Alias`).
    fn kms_services(&self) -> &(dyn KmsServices + 'static);
    /// Lambda's operations run on these (`AWS::Lambda::*`).
    fn lambda_services(&self) -> &(dyn LambdaServices + 'static);
    /// IAM: the `cloudformation:*` and `iam:PassRole` decisions, the directory's users
    /// (`--template-principal`) and roles (a stack's service role).
    fn iam(&self) -> &Iam;
    /// The account every stack belongs to.
    fn account(&self) -> &str;
    /// The region the startup templates deploy into.
    fn default_region(&self) -> &str;
    /// The templates deployed at start and after every reset (`--template`).
    fn startup_templates(&self) -> &StartupTemplates;
    /// Where relative local code paths of templates sent through the API resolve
    /// (`--template-code-root`); `None`: the working directory.
    fn template_code_root(&self) -> Option<&Path>;
}
