//! What every operation on a key of a special usage (signing, MAC) does first: find the
//! key, authorise the operation with its condition keys, check that the key is usable,
//! and check that the algorithm asked for is one its key spec supports.

use super::access::{authorize_with, Via};
use super::error::KmsError;
use super::services::KmsServices;
use super::specs::wrong_usage;
use super::store::KeySnapshot;
use crate::context::RequestContext;
use crate::iam::policy::ContextKeys;

/// The key `key_id` names, once the caller is allowed `kms:{operation}` on it (with the
/// request's condition keys from `request_keys`) and the key is enabled.
pub(crate) fn key_for_operation(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key_id: &str,
    operation: &str,
    request_keys: &dyn Fn(&mut ContextKeys),
) -> Result<KeySnapshot, KmsError> {
    let key = state
        .keys(&ctx.region)
        .snapshot(key_id, &ctx.region, &ctx.account)?;
    let action = format!("kms:{operation}");
    authorize_with(state, ctx, &key, &action, None, Via::Direct, request_keys)?;
    key.check_usable()?;
    Ok(key)
}

/// The algorithm `requested`, if the key's spec supports it (`supported`, empty when the
/// key's usage is not the operation's: `InvalidKeyUsageException`).
pub(crate) fn supported_algorithm(
    key: &KeySnapshot,
    operation: &str,
    supported: &[&'static str],
    requested: &str,
) -> Result<&'static str, KmsError> {
    if supported.is_empty() {
        return Err(wrong_usage(&key.arn, key.usage, operation));
    }
    supported
        .iter()
        .find(|a| **a == requested)
        .copied()
        .ok_or_else(|| {
            // An algorithm the key spec does not support is InvalidKeyUsageException (API
            // reference, Sign and GenerateMac: "The ... algorithm must be compatible with
            // the KMS key spec"); AWS's exact wording is not known here.
            KmsError::InvalidKeyUsageException(format!(
                "{} key spec is {} which does not support {requested}; use {}.",
                key.arn,
                key.spec.name(),
                supported.join(" or ")
            ))
        })
}
