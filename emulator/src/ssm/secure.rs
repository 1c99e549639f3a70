//! SecureString values: encrypted and decrypted through KMS as the caller, with the
//! encryption context `{"PARAMETER_ARN": ARN}` and `kms:ViaService =
//! ssm.REGION.amazonaws.com`, and KMS's refusals answered as SSM answers them.

use super::error::SsmError;
use super::model::Parameter;
use super::services::{KeyFailure, KeyFailureKind, SsmServices};
use super::store::ParameterType;
use crate::context::RequestContext;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::BTreeMap;

/// The key of a SecureString created without a `KeyId`: the AWS managed key of SSM.
pub const DEFAULT_KEY: &str = "alias/aws/ssm";

fn context(arn: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("PARAMETER_ARN".to_owned(), arn.to_owned())])
}

/// A KMS error as SSM reports it: a key that is missing, disabled or pending deletion
/// is `InvalidKeyId`; a refusal is `AccessDeniedException` carrying KMS's reason.
fn from_kms(ctx: &RequestContext, err: KeyFailure) -> SsmError {
    let detail = format!(
        "{} (Service: AWSKMS; Status Code: {}; Error Code: {}; Request ID: {}; Proxy: null)",
        err.message, err.status, err.code, ctx.request_id
    );
    match err.kind {
        KeyFailureKind::Refused => SsmError::AccessDeniedException(detail),
        KeyFailureKind::Unusable => SsmError::InvalidKeyId(detail),
        KeyFailureKind::Other => SsmError::InternalServerError(detail),
    }
}

/// Encrypts a SecureString value for the parameter `arn` under `key_id`, as the caller.
/// Returns the ciphertext as stored (base64).
pub fn encrypt(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    key_id: &str,
    arn: &str,
    plaintext: &str,
) -> Result<String, SsmError> {
    let blob = services
        .encrypt_as_caller(ctx, key_id, plaintext.as_bytes(), &context(arn))
        .map_err(|e| from_kms(ctx, e))?;
    Ok(STANDARD.encode(blob))
}

/// Decrypts a stored SecureString value of the parameter `arn`, as the caller.
pub fn decrypt(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    arn: &str,
    stored: &str,
) -> Result<String, SsmError> {
    let blob = STANDARD.decode(stored).map_err(|_| {
        SsmError::InternalServerError("The stored SecureString value is damaged.".to_owned())
    })?;
    let plaintext = services
        .decrypt_as_caller(ctx, &blob, &context(arn))
        .map_err(|e| from_kms(ctx, e))?;
    String::from_utf8(plaintext)
        .map_err(|_| SsmError::InternalServerError("The decrypted value is not UTF-8.".to_owned()))
}

/// Replaces a SecureString parameter's ciphertext by its plaintext, when the caller asked
/// for decryption (and may decrypt).
pub fn reveal(
    services: &dyn SsmServices,
    ctx: &RequestContext,
    parameter: &mut Parameter,
    with_decryption: bool,
) -> Result<(), SsmError> {
    if with_decryption && parameter.r#type.as_deref() == Some(ParameterType::SecureString.as_str())
    {
        let arn = parameter.arn.clone().unwrap_or_default();
        let ciphertext = parameter.value.clone().unwrap_or_default();
        parameter.value = Some(decrypt(services, ctx, &arn, &ciphertext)?);
    }
    Ok(())
}
