//! The emulator's state: settings, and everything kept separately for each region
//! (created the first time a region is used). This is the boundary a durable store
//! replaces: services reach their data only through [`RegionState`]. The narrow
//! services of SSM, KMS, Lambda and CloudFormation (and the `Authorizer` SSM, KMS and Lambda
//! share) are implemented here over the state (`ssm_wiring`, `kms_wiring`,
//! `lambda_wiring`, `cfn_wiring`), the one place each is wired to the others.

use crate::config::Config;
use crate::fixtures::{FixtureError, Fixtures};
use crate::iam::principals::Directory;
use crate::iam::Iam;
use crate::kms::store::KeyStore;
use crate::lambda::store::FunctionStore;
use crate::ssm::store::ParameterStore;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Everything one region holds.
#[derive(Debug, Default)]
pub struct RegionState {
    /// The region's Parameter Store.
    pub ssm: ParameterStore,
    /// The region's KMS keys, aliases and grants.
    pub kms: KeyStore,
    /// The region's Lambda functions and their execution environments.
    pub lambda: FunctionStore,
    /// The region's CloudFormation stacks and change sets.
    pub cfn: crate::cfn::stack::StackStore,
}

/// The whole emulator's state, shared by every request.
#[derive(Debug)]
pub struct EmulatorState {
    /// Settings.
    pub config: Config,
    /// Principals and authorisation (IAM is global, not regional).
    pub iam: Iam,
    /// Per-region state.
    pub regions: Regions<RegionState>,
    /// Lambda's emulator-wide state: the listening address functions call back to, the
    /// work directory of deployment packages, invocation records.
    pub lambda: crate::lambda::Lambda,
    /// The fixtures the emulator started from, loaded again by a reset.
    pub fixtures: Fixtures,
}

impl EmulatorState {
    /// A new emulator with no principals but the account root.
    pub fn new(config: Config) -> Self {
        let mut iam = Iam::new(&config.account, config.strict, Directory::new());
        iam.soft = soft_enforcement(&config, &Fixtures::default());
        EmulatorState {
            config,
            iam,
            regions: Regions::default(),
            lambda: crate::lambda::Lambda::default(),
            fixtures: Fixtures::default(),
        }
    }

    /// A new emulator holding the world described by `fixtures`: principals, then keys,
    /// then parameters (whose SecureStrings are encrypted under those keys), then Lambda
    /// functions. Keys, parameters and functions go to their own `region`, or the default
    /// region.
    pub fn from_fixtures(config: Config, fixtures: Fixtures) -> Result<Self, FixtureError> {
        let directory = Directory::from_fixtures(&fixtures, &config.account)?;
        let mut iam = Iam::new(&config.account, config.strict || fixtures.strict, directory);
        iam.soft = soft_enforcement(&config, &fixtures);
        let state = EmulatorState {
            config,
            iam,
            regions: Regions::default(),
            lambda: crate::lambda::Lambda::default(),
            fixtures,
        };
        state.load_regional_fixtures(&state.regions)?;
        Ok(state)
    }

    /// Loads the regional part of the fixtures (keys, parameters, functions) into
    /// `regions`: the emulator's own at start; a new, unseen set that a reset then swaps
    /// in whole. No lock is held while another service is called: a SecureString is
    /// encrypted under the region's KMS lock, which is released before the parameter
    /// store's is taken.
    pub fn load_regional_fixtures(
        &self,
        regions: &Regions<RegionState>,
    ) -> Result<(), FixtureError> {
        let state = self;
        let fixtures = &self.fixtures;
        let default_region = state.config.default_region.clone();
        for (i, (file, key)) in fixtures.keys.iter().enumerate() {
            let region = key.region.as_deref().unwrap_or(&default_region);
            regions.get(region).kms.write(|data| {
                crate::kms::fixture::load_key(data, &state.iam, region, file, i, key)
            })?;
        }
        for (i, (file, parameter)) in fixtures.parameters.iter().enumerate() {
            let region_name = parameter.region.as_deref().unwrap_or(&default_region);
            let region = regions.get(region_name);
            let account = &state.config.account;
            let encrypt = |key_id: &str, plaintext: &[u8], context: &_| {
                region
                    .kms
                    .write(|kms| {
                        crate::kms::fixture::encrypt_unchecked(
                            kms,
                            region_name,
                            account,
                            "ssm",
                            key_id,
                            plaintext,
                            context,
                        )
                    })
                    .map_err(|e| e.to_string())
            };
            crate::ssm::fixture::load_parameter(
                &region.ssm,
                &encrypt,
                region_name,
                account,
                file,
                i,
                parameter,
            )?;
        }
        for (i, (file, function)) in fixtures.functions.iter().enumerate() {
            let region = function.region.as_deref().unwrap_or(&default_region);
            let store = regions.get(region);
            crate::lambda::fixture::load_function(state, &store.lambda, region, file, i, function)?;
        }
        Ok(())
    }

    /// The state of one region.
    pub fn region(&self, region: &str) -> Arc<RegionState> {
        self.regions.get(region)
    }
}

/// A map from region name to that region's state. Looking a region up takes a read lock
/// for the length of one hash lookup; the first request to a region creates its state.
#[derive(Debug, Default)]
pub struct Regions<T> {
    regions: RwLock<HashMap<String, Arc<T>>>,
}

impl<T: Default> Regions<T> {
    /// The state of `region`, created empty if this is its first use.
    pub fn get(&self, region: &str) -> Arc<T> {
        if let Some(state) = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(region)
        {
            return Arc::clone(state);
        }
        let mut regions = self.regions.write().unwrap_or_else(|e| e.into_inner());
        Arc::clone(regions.entry(region.to_owned()).or_default())
    }
}

impl<T> Regions<T> {
    /// Forgets every region (their state is dropped once no request holds it).
    pub fn clear(&self) {
        let old = std::mem::take(&mut *self.regions.write().unwrap_or_else(|e| e.into_inner()));
        drop(old);
    }

    /// Replaces every region with those of `new` in one step: a request sees either the
    /// old world or the new one, never a mix. The old regions are dropped after the lock
    /// is released, once no request holds them.
    pub fn replace(&self, new: Regions<T>) {
        let new = new.regions.into_inner().unwrap_or_else(|e| e.into_inner());
        let old = std::mem::replace(
            &mut *self.regions.write().unwrap_or_else(|e| e.into_inner()),
            new,
        );
        drop(old);
    }

    /// Every region used so far, with its name, sorted by name.
    pub fn all_named(&self) -> Vec<(String, Arc<T>)> {
        let mut all: Vec<(String, Arc<T>)> = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(name, state)| (name.clone(), Arc::clone(state)))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Whether any region used so far satisfies `f` (without collecting them).
    pub fn any(&self, f: impl Fn(&T) -> bool) -> bool {
        self.regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|state| f(state))
    }

    /// The state of every region used so far.
    pub fn all(&self) -> Vec<Arc<T>> {
        self.regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

/// Who is under soft enforcement: everyone with `--soft-enforcement`, else the principals
/// of the command line and of the fixtures.
fn soft_enforcement(config: &Config, fixtures: &Fixtures) -> crate::iam::SoftEnforcement {
    crate::iam::SoftEnforcement {
        all: config.soft_enforcement,
        principals: config
            .soft_enforcement_principals
            .iter()
            .chain(&fixtures.soft_enforcement_principals)
            .cloned()
            .collect(),
    }
}

/// IAM's authorisation of a request's caller, as SSM's, KMS's and Lambda's operations ask for it.
impl crate::iam::authorizer::Authorizer for EmulatorState {
    fn authorize(
        &self,
        ctx: &crate::context::RequestContext,
        action: &str,
        resource: &str,
        extra: &dyn Fn(&mut crate::iam::policy::ContextKeys),
    ) -> Result<(), String> {
        self.iam
            .authorize_with(ctx, action, resource, extra)
            .map_err(|denied| denied.message)
    }
    fn authorize_with_keys(
        &self,
        ctx: &crate::context::RequestContext,
        action: &str,
        resource: &str,
        keys: &[(&str, &str)],
    ) -> Result<(), String> {
        self.iam
            .authorize(ctx, action, resource, keys)
            .map_err(|denied| denied.message)
    }
    fn authorize_without_resource_policy(
        &self,
        ctx: &crate::context::RequestContext,
        action: &str,
        resource: &str,
    ) -> Result<(), String> {
        self.iam
            .authorize_without_resource_policy(ctx, action, resource, &[])
            .map_err(|denied| denied.message)
    }
}

/// SSM's narrow needs (`ssm::services`), met by the emulator's state: this is the one
/// place Parameter Store is wired to IAM and KMS.
mod ssm_wiring {
    use super::{EmulatorState, RegionState};
    use crate::context::RequestContext;
    use crate::kms::KmsError;
    use crate::protocol::AwsError;
    use crate::ssm::services::{
        CallerKeys, HoldsParameters, KeyFailure, KeyFailureKind, ParameterStores, RegionParameters,
    };
    use crate::ssm::store::{ParameterQuota, ParameterStore};
    use std::collections::BTreeMap;

    /// The `kms:ViaService` name SSM's calls to KMS carry.
    const VIA: &str = "ssm";

    impl HoldsParameters for RegionState {
        fn parameter_store(&self) -> &ParameterStore {
            &self.ssm
        }
    }

    impl ParameterStores for EmulatorState {
        fn parameters(&self, region: &str) -> RegionParameters {
            RegionParameters(self.region(region))
        }
        fn quota(&self) -> ParameterQuota {
            ParameterQuota {
                standard: self.config.max_standard_parameters,
                advanced: self.config.max_advanced_parameters,
            }
        }
    }

    /// What SSM makes of a KMS error: a key it cannot use is `InvalidKeyId`, a refusal
    /// `AccessDeniedException`, anything else an internal error.
    fn key_failure(err: KmsError) -> KeyFailure {
        let kind = match err {
            KmsError::AccessDeniedException(_) => KeyFailureKind::Refused,
            KmsError::NotFoundException(_)
            | KmsError::DisabledException(_)
            | KmsError::KMSInvalidStateException(_)
            | KmsError::InvalidKeyUsageException(_)
            | KmsError::IncorrectKeyException(_)
            | KmsError::InvalidCiphertextException(_) => KeyFailureKind::Unusable,
            _ => KeyFailureKind::Other,
        };
        KeyFailure {
            kind,
            code: err.code().to_owned(),
            status: err.status().as_u16(),
            message: err.message(),
        }
    }

    impl CallerKeys for EmulatorState {
        fn encrypt_as_caller(
            &self,
            ctx: &RequestContext,
            key_id: &str,
            plaintext: &[u8],
            context: &BTreeMap<String, String>,
        ) -> Result<Vec<u8>, KeyFailure> {
            crate::kms::cipher::encrypt_as_caller(self, ctx, VIA, key_id, plaintext, context)
                .map(|(blob, _key_arn)| blob)
                .map_err(key_failure)
        }
        fn decrypt_as_caller(
            &self,
            ctx: &RequestContext,
            blob: &[u8],
            context: &BTreeMap<String, String>,
        ) -> Result<Vec<u8>, KeyFailure> {
            crate::kms::cipher::decrypt_as_caller(self, ctx, VIA, blob, context)
                .map_err(key_failure)
        }
    }
}

/// Lambda's narrow needs (`lambda::services`), met by the emulator's state: this is the
/// one place Lambda is wired to the regions' stores, IAM and STS's role sessions.
mod lambda_wiring {
    use super::{EmulatorState, RegionState};
    use crate::config::Config;
    use crate::lambda::services::{
        ExecutionRoles, FunctionStores, HoldsFunctions, RegionFunctions, RoleSession,
    };
    use crate::lambda::store::FunctionStore;
    use crate::lambda::Lambda;

    impl HoldsFunctions for RegionState {
        fn function_store(&self) -> &FunctionStore {
            &self.lambda
        }
    }

    impl FunctionStores for EmulatorState {
        fn functions(&self, region: &str) -> RegionFunctions {
            RegionFunctions(self.region(region))
        }
        fn every_region(&self) -> Vec<RegionFunctions> {
            self.regions
                .all()
                .into_iter()
                .map(|region| RegionFunctions(region))
                .collect()
        }
        fn config(&self) -> &Config {
            &self.config
        }
        fn lambda(&self) -> &Lambda {
            &self.lambda
        }
    }

    impl ExecutionRoles for EmulatorState {
        fn role_arn_by_name(&self, name: &str) -> Option<String> {
            self.iam
                .directory()
                .roles
                .get(name)
                .map(|role| role.arn.clone())
        }
        fn service_may_assume_role(
            &self,
            role_arn: &str,
            service: &str,
            function_arn: &str,
        ) -> bool {
            self.iam
                .directory()
                .role_by_arn(role_arn)
                .is_some_and(|role| {
                    self.iam
                        .service_may_assume(role, service, function_arn, &self.config.account)
                })
        }
        fn max_session_duration(&self, role_arn: &str) -> Option<u32> {
            self.iam
                .directory()
                .role_by_arn(role_arn)
                .map(|role| role.max_session_duration)
        }
        fn start_role_session(
            &self,
            role_arn: &str,
            session_name: &str,
            function_arn: &str,
            duration_seconds: u32,
            now: time::OffsetDateTime,
        ) -> Option<RoleSession> {
            let directory = self.iam.directory();
            let role = directory.role_by_arn(role_arn)?;
            let key = self.iam.start_function_session(
                role,
                session_name,
                function_arn,
                duration_seconds,
                now,
            );
            Some(RoleSession {
                access_key_id: key.id,
                secret_access_key: key.secret,
                session_token: key.session_token.unwrap_or_default(),
            })
        }
    }
}

/// KMS's narrow needs (`kms::services`), met by the emulator's state: this is the one
/// place KMS is wired to IAM and to the Regions.
mod kms_wiring {
    use super::{EmulatorState, RegionState};
    use crate::context::RequestContext;
    use crate::iam::policy::{ContextKeys, PolicyDocument};
    use crate::iam::Evaluation;
    use crate::kms::services::{HoldsKeys, KeyAuthorizer, KeyStores, Principals, RegionKeys};
    use crate::kms::store::KeyStore;
    use std::sync::Arc;

    impl HoldsKeys for RegionState {
        fn key_store(&self) -> &KeyStore {
            &self.kms
        }
    }

    impl KeyStores for EmulatorState {
        fn keys(&self, region: &str) -> RegionKeys {
            RegionKeys(self.region(region))
        }
        fn every_region(&self) -> Vec<(String, RegionKeys)> {
            self.regions
                .all_named()
                .into_iter()
                .map(|(name, region)| (name, RegionKeys(region as Arc<dyn HoldsKeys>)))
                .collect()
        }
        fn max_keys(&self) -> usize {
            self.config.max_keys
        }
    }

    impl KeyAuthorizer for EmulatorState {
        fn evaluate_key_policy(
            &self,
            ctx: &RequestContext,
            action: &str,
            key_arn: &str,
            policy: &PolicyDocument,
            extra: &dyn Fn(&mut ContextKeys),
        ) -> Evaluation {
            self.iam.evaluate_with_resource_policy(
                ctx,
                action,
                key_arn,
                "key policy",
                policy,
                extra,
            )
        }
        fn evaluate_grant(
            &self,
            ctx: &RequestContext,
            action: &str,
            key_arn: &str,
            grant_id: &str,
            grantee: &str,
            extra: &dyn Fn(&mut ContextKeys),
        ) -> Evaluation {
            self.iam
                .evaluate_grant(ctx, action, key_arn, grant_id, grantee, extra)
        }
        fn conclude(
            &self,
            ctx: &RequestContext,
            action: &str,
            resource: &str,
            evaluation: Evaluation,
            grant: Option<&str>,
        ) -> Result<(), String> {
            self.iam
                .conclude(ctx, action, resource, evaluation, grant)
                .map_err(|denied| denied.message)
        }
        fn would_allow_under_policy(
            &self,
            ctx: &RequestContext,
            action: &str,
            key_arn: &str,
            policy: &PolicyDocument,
        ) -> bool {
            self.iam
                .would_allow_with_resource_policy(ctx, action, key_arn, policy)
        }
        fn refuse_by_rule(
            &self,
            ctx: &RequestContext,
            action: &str,
            resource: &str,
            rule: &str,
            message: String,
            enforce_always: bool,
        ) -> Result<(), String> {
            self.iam
                .refuse_by_rule(ctx, action, resource, rule, message, enforce_always)
                .map_err(|denied| denied.message)
        }
    }

    impl Principals for EmulatorState {
        fn principal_exists(&self, arn: &str) -> bool {
            self.iam.principal_exists(arn)
        }
    }
}

/// CloudFormation's narrow needs (`cfn::services`), met by the emulator's state: this
/// is the one place CloudFormation is wired to the regions' stack stores, the other
/// services' narrow services, IAM and the settings.
mod cfn_wiring {
    use super::{EmulatorState, RegionState};
    use crate::cfn::services::{CfnServices, HoldsStacks, RegionStacks};
    use crate::cfn::stack::StackStore;
    use crate::config::StartupTemplates;
    use crate::iam::Iam;
    use crate::kms::KmsServices;
    use crate::lambda::services::LambdaServices;
    use crate::ssm::SsmServices;
    use std::path::Path;

    impl HoldsStacks for RegionState {
        fn stack_store(&self) -> &StackStore {
            &self.cfn
        }
    }

    impl CfnServices for EmulatorState {
        fn stacks(&self, region: &str) -> RegionStacks {
            RegionStacks(self.region(region))
        }
        fn ssm_services(&self) -> &(dyn SsmServices + 'static) {
            self
        }
        fn kms_services(&self) -> &(dyn KmsServices + 'static) {
            self
        }
        fn lambda_services(&self) -> &(dyn LambdaServices + 'static) {
            self
        }
        fn iam(&self) -> &Iam {
            &self.iam
        }
        fn account(&self) -> &str {
            &self.config.account
        }
        fn default_region(&self) -> &str {
            &self.config.default_region
        }
        fn startup_templates(&self) -> &StartupTemplates {
            &self.config.templates
        }
        fn template_code_root(&self) -> Option<&Path> {
            self.config.template_code_root.as_deref()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn regions_are_separate_and_stable() {
        let regions: Regions<Mutex<Vec<u8>>> = Regions::default();
        regions.get("us-east-1").lock().unwrap().push(1);
        assert_eq!(regions.get("us-east-1").lock().unwrap().len(), 1);
        assert!(regions.get("eu-west-1").lock().unwrap().is_empty());
    }
}
