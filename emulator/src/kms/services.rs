//! What KMS's operations need from the rest of the emulator, as small traits: the key
//! store of each Region (a multi-Region key reads every Region's), IAM's evaluation of
//! key policies and grants (and, through the shared `Authorizer`, IAM-only decisions),
//! and whether a principal exists. The operations take
//! `&dyn KmsServices`, never the whole emulator state, so `kms` depends on no other
//! service and not on the state; `state` implements the traits over `EmulatorState`
//! (the one place KMS is wired to IAM and the Regions).

use super::store::KeyStore;
use crate::context::RequestContext;
pub use crate::iam::authorizer::Authorizer;
use crate::iam::policy::{ContextKeys, PolicyDocument};
use crate::iam::Evaluation;
use std::ops::Deref;
use std::sync::Arc;

/// Something that holds a Region's key store (the Region's state).
pub trait HoldsKeys: Send + Sync {
    /// The key store.
    fn key_store(&self) -> &KeyStore;
}

/// A Region's key store, kept alive for as long as the operation holds it (a reset that
/// swaps the Regions in the meantime does not pull it from under the operation).
pub struct RegionKeys(pub Arc<dyn HoldsKeys>);

impl Deref for RegionKeys {
    type Target = KeyStore;
    fn deref(&self) -> &KeyStore {
        self.0.key_store()
    }
}

/// The key stores, one per Region, and the per-Region key quota.
pub trait KeyStores {
    /// The store of `region` (created empty on the Region's first use).
    fn keys(&self, region: &str) -> RegionKeys;
    /// Every Region used so far with its store, sorted by Region name (where the copies
    /// of a multi-Region key are looked for).
    fn every_region(&self) -> Vec<(String, RegionKeys)>;
    /// How many KMS keys one Region may hold.
    fn max_keys(&self) -> usize;
}

/// IAM's decisions as KMS asks for them: a key policy (with the caller's identity-based
/// policies and limits), a grant within the caller's limits, and the recorded
/// conclusion. A refusal carries AWS's denial message.
pub trait KeyAuthorizer {
    /// Evaluates `action` on the key `key_arn` under its key policy, without recording a
    /// decision; `extra` adds condition keys, called only when a policy reads them.
    fn evaluate_key_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        key_arn: &str,
        policy: &PolicyDocument,
        extra: &dyn Fn(&mut ContextKeys),
    ) -> Evaluation;
    /// Evaluates what the grant `grant_id` for `grantee` allows within the caller's
    /// service control policies, permissions boundary and session policies.
    fn evaluate_grant(
        &self,
        ctx: &RequestContext,
        action: &str,
        key_arn: &str,
        grant_id: &str,
        grantee: &str,
        extra: &dyn Fn(&mut ContextKeys),
    ) -> Evaluation;
    /// Records the final decision `evaluation` (allowed by `grant`, if one) and answers it.
    fn conclude(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        evaluation: Evaluation,
        grant: Option<&str>,
    ) -> Result<(), String>;
    /// Whether the caller would still be allowed `action` on `key_arn` under the new key
    /// policy `policy` (the lockout safety check), without recording a decision.
    fn would_allow_under_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        key_arn: &str,
        policy: &PolicyDocument,
    ) -> bool;
    /// Refuses by a rule of KMS's own (not a policy's), recorded and soft-enforceable
    /// like any decision unless `enforce_always`.
    fn refuse_by_rule(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        rule: &str,
        message: String,
        enforce_always: bool,
    ) -> Result<(), String>;
}

/// The account's principals, as key policies and grants name them.
pub trait Principals {
    /// Whether the principal `arn` exists (one of another account always does).
    fn principal_exists(&self, arn: &str) -> bool;
}

/// Everything a KMS operation may use besides its request context.
pub trait KmsServices: KeyStores + KeyAuthorizer + Authorizer + Principals + Sync {}

impl<T: KeyStores + KeyAuthorizer + Authorizer + Principals + Sync + ?Sized> KmsServices for T {}
