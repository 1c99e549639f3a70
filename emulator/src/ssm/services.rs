//! What Parameter Store's operations need from the rest of the emulator, as small traits:
//! the parameter store of a region, IAM's authorisation, and KMS "as this caller". The
//! operations take `&dyn SsmServices`, never the whole emulator state, so this module
//! and the operations depend on no other service; `state` implements the traits over
//! `EmulatorState` (the one place SSM is wired to IAM and KMS).

use super::store::{ParameterQuota, ParameterStore};
use crate::context::RequestContext;
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;

/// Something that holds a region's parameter store (the region's state).
pub trait HoldsParameters: Send + Sync {
    /// The parameter store.
    fn parameter_store(&self) -> &ParameterStore;
}

/// A region's parameter store, kept alive for as long as the operation holds it (a reset
/// that swaps the regions in the meantime does not pull it from under the operation).
pub struct RegionParameters(pub Arc<dyn HoldsParameters>);

impl Deref for RegionParameters {
    type Target = ParameterStore;
    fn deref(&self) -> &ParameterStore {
        self.0.parameter_store()
    }
}

/// The parameter stores, one per region, and the account's parameter quotas.
pub trait ParameterStores {
    /// The store of `region` (created empty on the region's first use).
    fn parameters(&self, region: &str) -> RegionParameters;
    /// How many standard and advanced parameters a region may hold.
    fn quota(&self) -> ParameterQuota;
}

pub use crate::iam::authorizer::Authorizer;

/// Why KMS refused to encrypt or decrypt for SSM, in the terms SSM answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFailure {
    /// What SSM makes of it.
    pub kind: KeyFailureKind,
    /// KMS's error code, status and message (SSM quotes them).
    pub code: String,
    pub status: u16,
    pub message: String,
}

/// The kinds of KMS failure SSM tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFailureKind {
    /// The caller may not use the key (`AccessDeniedException`).
    Refused,
    /// The key is missing, disabled, pending deletion, of the wrong usage, or not the
    /// one the ciphertext was made with (`InvalidKeyId`).
    Unusable,
    /// Anything else (`InternalServerError`).
    Other,
}

/// KMS, asked by SSM on behalf of the caller (`kms:ViaService = ssm.REGION...`): the
/// same path as the caller's own Encrypt and Decrypt, recorded as a request of its own.
pub trait CallerKeys {
    /// Encrypts `plaintext` under `key_id` with `context`, as the caller.
    fn encrypt_as_caller(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        plaintext: &[u8],
        context: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, KeyFailure>;
    /// Decrypts `blob` made with `context`, as the caller.
    fn decrypt_as_caller(
        &self,
        ctx: &RequestContext,
        blob: &[u8],
        context: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, KeyFailure>;
}

/// Everything an SSM operation may use besides its request context.
pub trait SsmServices: ParameterStores + Authorizer + CallerKeys + Sync {}

impl<T: ParameterStores + Authorizer + CallerKeys + Sync + ?Sized> SsmServices for T {}
