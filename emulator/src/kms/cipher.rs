//! Encrypt and Decrypt, and the same two as another service (SSM) performs them on the
//! caller's behalf (`kms:ViaService`).

use super::access::{authorize, Via};
use super::crypto::{self, BlobHeader};
use super::error::{validated, KmsError};
use super::model::{
    Blob, DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, EncryptionContext,
};
use super::oaep;
use super::services::KmsServices;
use super::store::KeySnapshot;
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

/// Checks the `EncryptionAlgorithm` member of a symmetric operation.
pub(crate) fn check_algorithm(algorithm: &Option<String>) -> Result<(), KmsError> {
    match algorithm.as_deref() {
        None | Some("SYMMETRIC_DEFAULT") => Ok(()),
        Some(other) => Err(KmsError::InvalidKeyUsageException(format!(
            "The encryption algorithm {other} is not valid for a SYMMETRIC_DEFAULT key."
        ))),
    }
}

/// Answers a DryRun request that passed every check.
pub(crate) fn dry_run(dry_run: Option<bool>) -> Result<(), KmsError> {
    if dry_run == Some(true) {
        return Err(KmsError::DryRunOperationException(
            "The request would have succeeded, but the DryRun option is set.".to_owned(),
        ));
    }
    Ok(())
}

/// Refuses a key that is not a symmetric encryption key for the operation behind
/// `action` (`kms:Encrypt` → `Encrypt`): a key of another usage, or an RSA encryption
/// key where only a symmetric one will do (data keys: "You cannot use an asymmetric KMS
/// key", API reference GenerateDataKey).
pub(crate) fn refuse_unless_encryption_key(
    key: &KeySnapshot,
    action: &str,
) -> Result<(), KmsError> {
    if key.spec == super::specs::KeySpec::SymmetricDefault {
        return Ok(());
    }
    if oaep::is_rsa_encryption_key(key) {
        // The same answer as an RSA key asked for SYMMETRIC_DEFAULT (see
        // `oaep::rsa_algorithm`), the algorithm these operations use.
        return Err(KmsError::InvalidKeyUsageException(format!(
            "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec {}.",
            key.spec.name()
        )));
    }
    let operation = action.strip_prefix("kms:").unwrap_or(action);
    Err(super::specs::wrong_usage(&key.arn, key.usage, operation))
}

/// Encrypts under a key the caller may use: authorisation, key state, then AES-GCM.
pub(crate) fn seal(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    action: &str,
    plaintext: &[u8],
    context: &EncryptionContext,
    via: Via<'_>,
) -> Result<Vec<u8>, KmsError> {
    authorize(state, ctx, key, action, Some(context), via)?;
    key.check_usable()?;
    refuse_unless_encryption_key(key, action)?;
    seal_checked(key, plaintext, context)
}

/// AES-GCM under the key's current material, for a caller already authorised and a key
/// already found usable.
pub(crate) fn seal_checked(
    key: &KeySnapshot,
    plaintext: &[u8],
    context: &EncryptionContext,
) -> Result<Vec<u8>, KmsError> {
    let material = key
        .materials
        .last()
        .ok_or_else(|| KmsError::KMSInternalException("key has no material".to_owned()))?;
    let header = BlobHeader {
        key_id: key.id.clone(),
        material_version: key.materials.len() as u32,
    };
    Ok(crypto::encrypt(material, &header, plaintext, context))
}

/// Where a ciphertext's sealed part starts and which material version made it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlobInfo {
    pub offset: usize,
    pub material_version: u32,
}

/// The key a ciphertext names, checked against an optional `KeyId` from the request.
pub(crate) fn key_of_blob(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    blob: &[u8],
    key_id: Option<&str>,
) -> Result<(KeySnapshot, BlobInfo), KmsError> {
    let invalid = || KmsError::InvalidCiphertextException(String::new());
    let (header, offset) = crypto::read_header(blob).ok_or_else(invalid)?;
    let region = state.keys(&ctx.region);
    let mut key = region.snapshot_by_id(&header.key_id).ok_or_else(invalid)?;
    if let Some(requested) = key_id {
        let requested = region.snapshot(requested, &ctx.region, &ctx.account)?;
        if requested.id != key.id {
            return Err(KmsError::IncorrectKeyException(
                "The key ID in the request does not identify a CMK that can perform this operation."
                    .to_owned(),
            ));
        }
        // The alias the request named the key by (`kms:RequestAlias`).
        key.requested_alias = requested.requested_alias;
    }
    Ok((
        key,
        BlobInfo {
            offset,
            material_version: header.material_version,
        },
    ))
}

/// Decrypts a ciphertext made by a key the caller may use.
#[allow(clippy::too_many_arguments)]
pub(crate) fn open(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    action: &str,
    blob: &[u8],
    info: BlobInfo,
    context: &EncryptionContext,
    via: Via<'_>,
) -> Result<Vec<u8>, KmsError> {
    authorize(state, ctx, key, action, Some(context), via)?;
    key.check_usable()?;
    let material = (info.material_version as usize)
        .checked_sub(1)
        .and_then(|i| key.materials.get(i))
        .ok_or_else(|| KmsError::InvalidCiphertextException(String::new()))?;
    crypto::decrypt(material, blob, info.offset, context)
        .ok_or_else(|| KmsError::InvalidCiphertextException(String::new()))
}

/// Encrypt.
pub fn encrypt(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: EncryptRequest,
) -> Result<EncryptResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    let key = state
        .keys(&ctx.region)
        .snapshot(&key_id, &ctx.region, &ctx.account)?;
    if oaep::is_rsa_encryption_key(&key) {
        let requested = input.encryption_algorithm.as_deref();
        let algorithm = oaep::check_rsa_request(state, ctx, &key, "kms:Encrypt", requested)?;
        let plaintext = input.plaintext.unwrap_or_default();
        // The size limit is checked before a dry run ends.
        let sealed = oaep::rsa_encrypt(&key, algorithm, &plaintext.0)?;
        dry_run(input.dry_run)?;
        return Ok(EncryptResponse {
            ciphertext_blob: Some(Blob(sealed)),
            key_id: Some(key.arn),
            encryption_algorithm: Some(algorithm.to_owned()),
        });
    }
    if key.spec == super::specs::KeySpec::SymmetricDefault {
        check_algorithm(&input.encryption_algorithm)?;
    }
    let context = input.encryption_context.unwrap_or_default();
    if input.dry_run == Some(true) {
        authorize(state, ctx, &key, "kms:Encrypt", Some(&context), Via::Direct)?;
        key.check_usable()?;
        refuse_unless_encryption_key(&key, "kms:Encrypt")?;
        dry_run(input.dry_run)?;
    }
    let plaintext = input.plaintext.unwrap_or_default();
    let blob = seal(
        state,
        ctx,
        &key,
        "kms:Encrypt",
        &plaintext.0,
        &context,
        Via::Direct,
    )?;
    Ok(EncryptResponse {
        ciphertext_blob: Some(Blob(blob)),
        key_id: Some(key.arn),
        encryption_algorithm: Some("SYMMETRIC_DEFAULT".to_owned()),
    })
}

/// Decrypt: the ciphertext names its key, so `KeyId` is optional (and must match).
pub fn decrypt(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: DecryptRequest,
) -> Result<DecryptResponse, KmsError> {
    validated(input.check())?;
    let blob = input.ciphertext_blob.unwrap_or_default();
    // An RSA ciphertext is bare OAEP and does not name its key: the request's KeyId
    // decides (API reference, Decrypt: KeyId is required for asymmetric keys).
    if let Some(requested) = &input.key_id {
        let key = state
            .keys(&ctx.region)
            .snapshot(requested, &ctx.region, &ctx.account)?;
        if oaep::is_rsa_encryption_key(&key) {
            let asked = input.encryption_algorithm.as_deref();
            let algorithm = oaep::check_rsa_request(state, ctx, &key, "kms:Decrypt", asked)?;
            dry_run(input.dry_run)?;
            let plaintext = oaep::rsa_decrypt(&key, algorithm, &blob.0)?;
            return Ok(DecryptResponse {
                key_id: Some(key.arn),
                plaintext: Some(Blob(plaintext)),
                encryption_algorithm: Some(algorithm.to_owned()),
                ..Default::default()
            });
        }
    }
    // A ciphertext that names no key of ours is invalid whatever the algorithm asked.
    let (key, info) = key_of_blob(state, ctx, &blob.0, input.key_id.as_deref())?;
    check_algorithm(&input.encryption_algorithm)?;
    let context = input.encryption_context.unwrap_or_default();
    if input.dry_run == Some(true) {
        authorize(state, ctx, &key, "kms:Decrypt", Some(&context), Via::Direct)?;
        key.check_usable()?;
        dry_run(input.dry_run)?;
    }
    let plaintext = open(
        state,
        ctx,
        &key,
        "kms:Decrypt",
        &blob.0,
        info,
        &context,
        Via::Direct,
    )?;
    let material_id = super::store::material_id(&key.id, info.material_version as usize);
    // `KeyMaterialId` only for symmetric keys (API reference, Decrypt).
    Ok(DecryptResponse {
        key_id: Some(key.arn),
        plaintext: Some(Blob(plaintext)),
        encryption_algorithm: Some("SYMMETRIC_DEFAULT".to_owned()),
        key_material_id: Some(material_id),
        ..Default::default()
    })
}

/// Encrypts as the caller, through `service` (`kms:ViaService` =
/// `{service}.{region}.amazonaws.com`), under the key `key_id` names. The key
/// `alias/aws/{service}` is created on first use, as AWS does. Returns the ciphertext and
/// the key's ARN.
///
/// On AWS this is a request of its own that the service makes to KMS with the caller's
/// credentials (a forward access session): CloudTrail logs it as a KMS event of its own,
/// with the caller as `userIdentity` and `invokedBy` naming the service (KMS Developer
/// Guide, "Logging AWS KMS API calls with AWS CloudTrail" and the Parameter Store
/// examples of "How AWS Systems Manager Parameter Store uses AWS KMS"). So it gets a
/// request id and a decision record of its own, linked to the caller's request
/// (`calledBy`; `/_emulator/decisions?requestId=` of the caller's request shows both).
pub fn encrypt_as_caller(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    service: &str,
    key_id: &str,
    plaintext: &[u8],
    context: &EncryptionContext,
) -> Result<(Vec<u8>, String), KmsError> {
    let ctx = &ctx.on_behalf(service);
    let region = state.keys(&ctx.region);
    // The AWS managed key is made once; after that a read lock suffices (and a state
    // directory is not told the region's keys changed on every SecureString).
    if key_id == format!("alias/aws/{service}")
        && !region.read(|data| data.aliases.contains_key(key_id))
    {
        region.write(|data| {
            super::ensure_aws_managed_key(data, &ctx.region, &ctx.account, service)
        })?;
    }
    let key = region.snapshot(key_id, &ctx.region, &ctx.account)?;
    let via = format!("{service}.{}.amazonaws.com", ctx.region);
    let blob = seal(
        state,
        ctx,
        &key,
        "kms:Encrypt",
        plaintext,
        context,
        Via::Service(&via),
    )?;
    Ok((blob, key.arn))
}

/// Decrypts as the caller, through `service`: a request of its own, as
/// [`encrypt_as_caller`] says.
pub fn decrypt_as_caller(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    service: &str,
    blob: &[u8],
    context: &EncryptionContext,
) -> Result<Vec<u8>, KmsError> {
    let ctx = &ctx.on_behalf(service);
    let (key, info) = key_of_blob(state, ctx, blob, None)?;
    let via = format!("{service}.{}.amazonaws.com", ctx.region);
    open(
        state,
        ctx,
        &key,
        "kms:Decrypt",
        blob,
        info,
        context,
        Via::Service(&via),
    )
}
