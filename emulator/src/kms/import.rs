//! Imported key material (`Origin: EXTERNAL`): GetParametersForImport (an RSA wrapping
//! key and import token, valid 24 hours), ImportKeyMaterial (material wrapped with
//! RSAES-OAEP or RSA-OAEP + AES key wrap with padding, with or without an expiry),
//! DeleteImportedKeyMaterial, and the key states that follow: `PendingImport` until
//! material is imported, again after it is deleted or expires.
//!
//! Symmetric encryption keys take 256 bits of material, HMAC keys a secret, signing keys
//! (ECC and RSA) a PKCS #8 private key (DER) of their spec.
//! One import parameter set is kept per key, the latest (a token of an earlier
//! GetParametersForImport is InvalidImportTokenException), and it is not part of a
//! snapshot (call GetParametersForImport again after a restore).

use super::access::{authorize_with, Via};
use super::error::{validated, KmsError};
use super::lifecycle::{change_key, key_by_id, pending_deletion, DAY_MS};
use super::model::{
    Blob, CreateKeyRequest, DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse,
    GetParametersForImportRequest, GetParametersForImportResponse, ImportKeyMaterialRequest,
    ImportKeyMaterialResponse,
};
use super::services::KmsServices;
use super::specs::{KeySpec, MacKey};
use super::store::{Key, KeySnapshot, KeyState};
// The record of imported material is the store's data (`material`); named here too, where
// the rest of the emulator (snapshots) has always found it.
pub use super::material::{pending_import, ImportParameters, Imported};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use crate::time::Timestamp;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// How long a wrapping key and its import token may be used: "Each public key and import
/// token set is valid for 24 hours" (API reference, GetParametersForImport).
const PARAMETERS_VALID_MS: i64 = DAY_MS;

/// The latest ValidTo ImportKeyMaterial accepts: "The maximum value is 365 days from the
/// request date" (API reference, ImportKeyMaterial ValidTo).
const MAX_VALID_DAYS: i64 = 365;

/// Checks CreateKey's `Origin` and `CustomKeyStoreId`; `true` for `EXTERNAL`.
///
/// Custom key stores (CloudHSM and external key stores) are not emulated and none
/// exists, so a `CustomKeyStoreId` is `CustomKeyStoreNotFoundException`, as AWS answers
/// for an id that names no custom key store (API reference, CreateKey errors); the
/// `AWS_CLOUDHSM` and `EXTERNAL_KEY_STORE` origins, which need one, are
/// UnsupportedOperationException.
pub fn check_origin(input: &CreateKeyRequest) -> Result<bool, KmsError> {
    if let Some(store) = &input.custom_key_store_id {
        return Err(KmsError::CustomKeyStoreNotFoundException(format!(
            "Custom key store '{store}' does not exist: custom key stores are not emulated."
        )));
    }
    match input.origin.as_deref().unwrap_or("AWS_KMS") {
        "AWS_KMS" => Ok(false),
        // Every key spec the emulator offers takes imported material.
        "EXTERNAL" => Ok(true),
        other => Err(KmsError::UnsupportedOperationException(format!(
            "Origin {other} needs a custom key store; custom key stores (AWS CloudHSM and external key stores) are not emulated."
        ))),
    }
}

/// A new `EXTERNAL` key: no material, `PendingImport`.
pub fn start_without_material(key: &mut Key) {
    key.materials.clear();
    key.mac_key = None;
    key.sign_key = None;
    key.state = KeyState::PendingImport;
    key.imported = Some(Imported::default());
}

/// Refuses a key whose material KMS made: the import operations are for `EXTERNAL` keys
/// ("The Origin of the KMS key must be EXTERNAL", API reference); AWS answers
/// UnsupportedOperationException, in words not known here.
fn refuse_unless_external(key: &KeySnapshot, operation: &str) -> Result<(), KmsError> {
    if key.origin == "EXTERNAL" {
        return Ok(());
    }
    Err(KmsError::UnsupportedOperationException(format!(
        "{} has Origin {}; {operation} applies to keys with Origin EXTERNAL.",
        key.arn, key.origin
    )))
}

/// Refuses operations on imported key material (rotation, ...) that the emulator does
/// not offer for `EXTERNAL` keys; AWS's wording is not known here.
pub fn refuse_external(key: &KeySnapshot, operation: &str) -> Result<(), KmsError> {
    if key.origin == "EXTERNAL" {
        return Err(KmsError::UnsupportedOperationException(format!(
            "{} has imported key material (Origin EXTERNAL); {operation} is not supported for it.",
            key.arn
        )));
    }
    Ok(())
}

/// GetParametersForImport: a fresh RSA wrapping key of the requested size and an import
/// token bound to it and to the key, valid for 24 hours.
pub fn get_parameters_for_import(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GetParametersForImportRequest,
) -> Result<GetParametersForImportResponse, KmsError> {
    validated(input.check())?;
    let algorithm = input.wrapping_algorithm.unwrap_or_default();
    let spec = input.wrapping_key_spec.unwrap_or_default();
    let key = key_by_id(state, ctx, &input.key_id)?;
    // kms:WrappingAlgorithm and kms:WrappingKeySpec ("AWS KMS condition keys").
    authorize_with(
        state,
        ctx,
        &key,
        "kms:GetParametersForImport",
        None,
        Via::Direct,
        &|keys| {
            keys.insert("kms:WrappingAlgorithm", algorithm.as_str());
            keys.insert("kms:WrappingKeySpec", spec.as_str());
        },
    )?;
    refuse_unless_external(&key, "GetParametersForImport")?;
    if matches!(
        key.state,
        KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. }
    ) {
        return Err(pending_deletion(&key.arn));
    }
    // "As of October 10, 2023, KMS does not support the RSAES_PKCS1_V1_5 wrapping
    // algorithm", and SM2 is for the China Regions only (API reference,
    // GetParametersForImport); the error AWS answers is not documented.
    let algorithm: &'static str = match algorithm.as_str() {
        "RSAES_OAEP_SHA_1" => "RSAES_OAEP_SHA_1",
        "RSAES_OAEP_SHA_256" => "RSAES_OAEP_SHA_256",
        "RSA_AES_KEY_WRAP_SHA_1" => "RSA_AES_KEY_WRAP_SHA_1",
        "RSA_AES_KEY_WRAP_SHA_256" => "RSA_AES_KEY_WRAP_SHA_256",
        other => {
            return Err(KmsError::UnsupportedOperationException(format!(
                "The wrapping algorithm {other} is not supported."
            )))
        }
    };
    let bits = match spec.as_str() {
        "RSA_2048" => 2048,
        "RSA_3072" => 3072,
        "RSA_4096" => 4096,
        other => {
            return Err(KmsError::UnsupportedOperationException(format!(
                "The wrapping key spec {other} is not supported in this Region."
            )))
        }
    };
    use sha2::digest::common::getrandom::SysRng;
    let wrapping_key = rsa::PrivateKey::new(&mut SysRng, bits)
        .map_err(|_| KmsError::KMSInternalException("wrapping key generation failed".to_owned()))?;
    let public_key = {
        use rsa::pkcs8::EncodePublicKey;
        wrapping_key
            .to_public_key()
            .to_public_key_der()
            .map_err(|_| KmsError::KMSInternalException("public key encoding failed".to_owned()))?
            .as_bytes()
            .to_vec()
    };
    let token = super::crypto::random_bytes(64);
    let valid_to = Timestamp(Timestamp::now().0 + PARAMETERS_VALID_MS);
    let parameters = Arc::new(ImportParameters {
        token: token.clone(),
        wrapping_key,
        algorithm,
        valid_to,
    });
    change_key(state, ctx, &key, |stored| {
        if let Some(imported) = &mut stored.imported {
            imported.parameters = Some(parameters);
        }
        Ok(())
    })?;
    Ok(GetParametersForImportResponse {
        key_id: Some(key.arn.clone()),
        import_token: Some(Blob(token)),
        public_key: Some(Blob(public_key)),
        parameters_valid_to: Some(valid_to),
    })
}

/// The material an import brings, unwrapped with the wrapping key (`None` when the
/// bytes were not wrapped with it and this algorithm).
fn unwrap_material(parameters: &ImportParameters, wrapped: &[u8]) -> Option<Vec<u8>> {
    use sha1::Sha1;
    use sha2::Sha256;
    let key = &parameters.wrapping_key;
    match parameters.algorithm {
        "RSAES_OAEP_SHA_1" => key.oaep_decrypt::<Sha1>(wrapped).ok(),
        "RSAES_OAEP_SHA_256" => key.oaep_decrypt::<Sha256>(wrapped).ok(),
        // The RSA_AES algorithms: an ephemeral AES key under RSA-OAEP (as long as the
        // modulus), then the material under that key with AES key wrap with padding,
        // RFC 5649 (KMS Developer Guide, "Encrypt key material": `openssl ...
        // -id-aes256-wrap-pad`).
        algorithm => {
            use aes_kw::KeyInit;
            use rsa::traits::PublicKeyParts;
            let split = key.size();
            let (wrapped_key, wrapped_material) = (wrapped.get(..split)?, wrapped.get(split..)?);
            let aes_key = if algorithm == "RSA_AES_KEY_WRAP_SHA_1" {
                key.oaep_decrypt::<Sha1>(wrapped_key).ok()?
            } else {
                key.oaep_decrypt::<Sha256>(wrapped_key).ok()?
            };
            let kwp = aes_kw::KwpAes256::new_from_slice(&aes_key).ok()?;
            let mut buf = vec![0u8; wrapped_material.len()];
            kwp.unwrap_key(wrapped_material, &mut buf)
                .ok()
                .map(<[u8]>::to_vec)
        }
    }
}

/// The lengths of material a key spec takes: 256 bits for a symmetric encryption key;
/// for HMAC keys from the spec's length up to the hash's block size (KMS Developer
/// Guide, "Supported key specs for imported key material"; AWS's own bounds for HMAC
/// were not confirmed here).
fn material_lengths(spec: KeySpec) -> (usize, usize) {
    match spec {
        KeySpec::Hmac224 => (28, 64),
        KeySpec::Hmac256 => (32, 64),
        KeySpec::Hmac384 => (48, 128),
        KeySpec::Hmac512 => (64, 128),
        _ => (32, 32),
    }
}

/// The private key of a signing spec in imported material: PKCS #8 DER ("the private key
/// must be in PKCS #8 format, DER-encoded", KMS Developer Guide, "Supported key specs for
/// imported key material") of the spec's curve or modulus size; `None` otherwise.
fn imported_private_key(spec: KeySpec, der: &[u8]) -> Option<super::specs::SignKey> {
    use super::specs::SignKey;
    use p256::pkcs8::DecodePrivateKey;
    Some(match spec {
        KeySpec::EccNistP256 => SignKey::P256(p256::ecdsa::SigningKey::from_pkcs8_der(der).ok()?),
        KeySpec::EccNistP384 => SignKey::P384(p384::ecdsa::SigningKey::from_pkcs8_der(der).ok()?),
        KeySpec::EccNistP521 => {
            SignKey::P521(Box::new(p521::ecdsa::SigningKey::from_pkcs8_der(der).ok()?))
        }
        KeySpec::EccSecgP256k1 => SignKey::K256(k256::ecdsa::SigningKey::from_pkcs8_der(der).ok()?),
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
            use rsa::traits::PublicKeyParts;
            let key = rsa::PrivateKey::from_pkcs8_der(der).ok()?;
            let bits = match spec {
                KeySpec::Rsa2048 => 2048,
                KeySpec::Rsa3072 => 3072,
                _ => 4096,
            };
            if key.size() * 8 != bits {
                return None;
            }
            SignKey::Rsa(Box::new(key))
        }
        _ => return None,
    })
}

/// ImportKeyMaterial: the material unwrapped with the latest wrapping key, checked
/// against the key's spec and any earlier import, installed with its expiry; a key
/// pending import becomes Enabled.
pub fn import_key_material(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ImportKeyMaterialRequest,
) -> Result<ImportKeyMaterialResponse, KmsError> {
    validated(input.check())?;
    // "The default is KEY_MATERIAL_EXPIRES", which needs ValidTo; with
    // KEY_MATERIAL_DOES_NOT_EXPIRE "you must omit the ValidTo parameter" (API reference).
    // The messages are the emulator's.
    let model = input
        .expiration_model
        .as_deref()
        .unwrap_or("KEY_MATERIAL_EXPIRES");
    let now = Timestamp::now();
    let valid_to =
        match (model, input.valid_to) {
            ("KEY_MATERIAL_EXPIRES", None) => {
                return Err(KmsError::ValidationException(
                    "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
                        .to_owned(),
                ))
            }
            ("KEY_MATERIAL_EXPIRES", Some(at)) => {
                if at <= now || at.0 > now.0 + MAX_VALID_DAYS * DAY_MS {
                    return Err(KmsError::ValidationException(format!(
                        "ValidTo must be in the future and at most {MAX_VALID_DAYS} days from now."
                    )));
                }
                Some(at)
            }
            (_, Some(_)) => return Err(KmsError::ValidationException(
                "ValidTo must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE"
                    .to_owned(),
            )),
            (_, None) => None,
        };
    let key = key_by_id(state, ctx, &input.key_id)?;
    let valid_to_text = valid_to.map(|t| (t.0 / 1000).to_string());
    // kms:ExpirationModel and kms:ValidTo ("AWS KMS condition keys").
    authorize_with(
        state,
        ctx,
        &key,
        "kms:ImportKeyMaterial",
        None,
        Via::Direct,
        &|keys| {
            keys.insert("kms:ExpirationModel", model);
            if let Some(text) = &valid_to_text {
                keys.insert("kms:ValidTo", text.as_str());
            }
        },
    )?;
    refuse_unless_external(&key, "ImportKeyMaterial")?;
    let token = input.import_token.unwrap_or_default().0;
    let wrapped = input.encrypted_key_material.unwrap_or_default().0;
    let parameters = state
        .keys(&ctx.region)
        .read(|data| {
            data.keys
                .get(&key.id)
                .and_then(|k| k.imported.as_ref())
                .and_then(|i| i.parameters.clone())
        })
        .filter(|p| bool::from(subtle::ConstantTimeEq::ct_eq(&p.token[..], &token[..])))
        .ok_or_else(|| {
            KmsError::InvalidImportTokenException(
                "The import token is invalid or belongs to another KMS key or import.".to_owned(),
            )
        })?;
    if parameters.valid_to <= now {
        return Err(KmsError::ExpiredImportTokenException(
            "The import token has expired: call GetParametersForImport for a new one.".to_owned(),
        ));
    }
    // Unwrapping is slow RSA work: outside every lock.
    let material = unwrap_material(&parameters, &wrapped).ok_or_else(|| {
        KmsError::InvalidCiphertextException(
            "The key material is not wrapped with the public key and algorithm of this import."
                .to_owned(),
        )
    })?;
    let signing = !key.spec.signing_algorithms().is_empty();
    let (private_key, fingerprint): (_, [u8; 32]) = if signing {
        // The public key identifies a private key whatever its encoding.
        let private_key = imported_private_key(key.spec, &material).ok_or_else(|| {
            KmsError::IncorrectKeyMaterialException(format!(
                "The key material is not a PKCS #8 (DER) private key of key spec {}.",
                key.spec.name()
            ))
        })?;
        let public = private_key.public_key_der()?;
        (Some(private_key), Sha256::digest(&public).into())
    } else {
        let (min, max) = material_lengths(key.spec);
        if material.len() < min || material.len() > max {
            return Err(KmsError::IncorrectKeyMaterialException(format!(
                "{} key material must be {min} to {max} bytes; this is {} bytes.",
                key.spec.name(),
                material.len()
            )));
        }
        (None, Sha256::digest(&material).into())
    };
    let import_type = input.import_type;
    let requested_material_id = input.key_material_id;
    state.keys(&ctx.region).write(|data| {
        let stored = data
            .keys
            .get_mut(&key.id)
            .ok_or_else(|| super::lifecycle::key_gone(&key.arn))?;
        if matches!(
            stored.state,
            KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. }
        ) {
            return Err(pending_deletion(&stored.arn));
        }
        let arn = stored.arn.clone();
        let material_id = super::store::material_id(&stored.id, 1);
        let imported = stored.imported.get_or_insert_with(Imported::default);
        match imported.fingerprint {
            Some(previous) if previous != fingerprint => {
                return Err(KmsError::IncorrectKeyMaterialException(
                    "The key material is not the key material previously imported into this KMS key."
                        .to_owned(),
                ))
            }
            Some(_) if import_type.as_deref() == Some("NEW_KEY_MATERIAL") => {
                // New material for on-demand rotation of imported keys is not emulated.
                return Err(KmsError::IncorrectKeyMaterialException(
                    "This key material is already associated with the KMS key; importing new key material (rotation of imported keys) is not supported by this emulator."
                        .to_owned(),
                ));
            }
            None if import_type.as_deref() == Some("EXISTING_KEY_MATERIAL") => {
                return Err(KmsError::IncorrectKeyMaterialException(
                    "No key material has been imported into this KMS key yet: use ImportType NEW_KEY_MATERIAL."
                        .to_owned(),
                ));
            }
            _ => {}
        }
        if requested_material_id
            .as_deref()
            .is_some_and(|id| id != material_id)
        {
            return Err(KmsError::IncorrectKeyMaterialException(
                "The KeyMaterialId does not identify this key material.".to_owned(),
            ));
        }
        imported.fingerprint = Some(fingerprint);
        imported.present = true;
        imported.valid_to = valid_to;
        if let Some(private_key) = private_key {
            stored.sign_key = Some(private_key);
        } else if stored.spec == KeySpec::SymmetricDefault {
            let mut bytes = [0u8; 32];
            bytes.copy_from_slice(&material);
            stored.materials = vec![super::crypto::KeyMaterial(bytes)];
        } else {
            stored.mac_key = Some(MacKey(material));
        }
        if stored.state == KeyState::PendingImport {
            stored.state = KeyState::Enabled;
        }
        data.refresh_deletions();
        Ok(ImportKeyMaterialResponse {
            key_id: Some(arn),
            key_material_id: Some(material_id),
        })
    })
}

/// DeleteImportedKeyMaterial: the key keeps its id and metadata but no material; it is
/// PendingImport (unless pending deletion) until the same material is imported again.
pub fn delete_imported_key_material(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: DeleteImportedKeyMaterialRequest,
) -> Result<DeleteImportedKeyMaterialResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    super::access::authorize(
        state,
        ctx,
        &key,
        "kms:DeleteImportedKeyMaterial",
        None,
        Via::Direct,
    )?;
    refuse_unless_external(&key, "DeleteImportedKeyMaterial")?;
    let requested = input.key_material_id;
    change_key(state, ctx, &key, |stored| {
        let material_id = super::store::material_id(&stored.id, 1);
        if requested.as_deref().is_some_and(|id| id != material_id) {
            // The wording is the emulator's.
            return Err(KmsError::NotFoundException(format!(
                "Key material '{}' of {} does not exist",
                requested.unwrap_or_default(),
                stored.arn
            )));
        }
        // Nothing to delete: the key-state table of the KMS Developer Guide ("Key states
        // of AWS KMS keys") answers DeleteImportedKeyMaterial on a PendingImport key with
        // KMSInvalidStateException.
        if stored.state == KeyState::PendingImport {
            return Err(pending_import(&stored.arn));
        }
        stored.remove_material();
        Ok(DeleteImportedKeyMaterialResponse {
            key_id: Some(stored.arn.clone()),
            key_material_id: Some(material_id),
        })
    })
    .inspect(|_| {
        state
            .keys(&ctx.region)
            .write(|data| data.refresh_deletions())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::lifecycle::testing::{root, state};
    use crate::state::EmulatorState;

    fn external_key(state: &EmulatorState, ctx: &RequestContext, spec: Option<&str>) -> String {
        crate::kms::lifecycle::testing::create(
            state,
            ctx,
            CreateKeyRequest {
                key_usage: spec.map(|_| "GENERATE_VERIFY_MAC".to_owned()),
                key_spec: spec.map(str::to_owned),
                origin: Some("EXTERNAL".into()),
                ..Default::default()
            },
        )
    }

    fn parameters(
        state: &EmulatorState,
        ctx: &RequestContext,
        id: &str,
        algorithm: &str,
    ) -> GetParametersForImportResponse {
        get_parameters_for_import(
            state,
            ctx,
            GetParametersForImportRequest {
                key_id: Some(id.to_owned()),
                wrapping_algorithm: Some(algorithm.to_owned()),
                wrapping_key_spec: Some("RSA_2048".into()),
            },
        )
        .unwrap()
    }

    fn public_key(der: &[u8]) -> rsa::PublicKey {
        use rsa::pkcs8::DecodePublicKey;
        rsa::PublicKey::from_public_key_der(der).unwrap()
    }

    fn import(
        state: &EmulatorState,
        ctx: &RequestContext,
        id: &str,
        token: &[u8],
        wrapped: Vec<u8>,
        valid_to: Option<Timestamp>,
    ) -> Result<ImportKeyMaterialResponse, KmsError> {
        import_key_material(
            state,
            ctx,
            ImportKeyMaterialRequest {
                key_id: Some(id.to_owned()),
                import_token: Some(Blob(token.to_vec())),
                encrypted_key_material: Some(Blob(wrapped)),
                valid_to,
                expiration_model: Some(
                    if valid_to.is_some() {
                        "KEY_MATERIAL_EXPIRES"
                    } else {
                        "KEY_MATERIAL_DOES_NOT_EXPIRE"
                    }
                    .into(),
                ),
                ..Default::default()
            },
        )
    }

    fn key_state(state: &EmulatorState, id: &str) -> KeyState {
        state.region("us-east-1").kms.read(|d| d.keys[id].state)
    }

    #[test]
    fn material_wrapped_with_oaep_is_imported_deleted_and_reimported() {
        let state = state();
        let ctx = root();
        let id = external_key(&state, &ctx, None);
        assert_eq!(key_state(&state, &id), KeyState::PendingImport);
        let material = [42u8; 32];
        let params = parameters(&state, &ctx, &id, "RSAES_OAEP_SHA_256");
        let wrapped = public_key(&params.public_key.clone().unwrap().0)
            .oaep_encrypt::<Sha256>(&material)
            .unwrap();
        // A token of nothing is refused before the material is looked at.
        assert!(matches!(
            import(&state, &ctx, &id, b"other", wrapped.clone(), None),
            Err(KmsError::InvalidImportTokenException(_))
        ));
        import(
            &state,
            &ctx,
            &id,
            &params.import_token.clone().unwrap().0,
            wrapped,
            None,
        )
        .unwrap();
        assert_eq!(key_state(&state, &id), KeyState::Enabled);
        // Different material later is refused.
        let params = parameters(&state, &ctx, &id, "RSAES_OAEP_SHA_1");
        let other = public_key(&params.public_key.clone().unwrap().0)
            .oaep_encrypt::<sha1::Sha1>(&[7u8; 32])
            .unwrap();
        assert!(matches!(
            import(
                &state,
                &ctx,
                &id,
                &params.import_token.clone().unwrap().0,
                other,
                None
            ),
            Err(KmsError::IncorrectKeyMaterialException(_))
        ));
        delete_imported_key_material(
            &state,
            &ctx,
            DeleteImportedKeyMaterialRequest {
                key_id: Some(id.clone()),
                key_material_id: None,
            },
        )
        .unwrap();
        assert_eq!(key_state(&state, &id), KeyState::PendingImport);
        // Twice is once too many: there is no material left.
        assert!(matches!(
            delete_imported_key_material(
                &state,
                &ctx,
                DeleteImportedKeyMaterialRequest {
                    key_id: Some(id.clone()),
                    key_material_id: None,
                },
            ),
            Err(KmsError::KMSInvalidStateException(_))
        ));
        let same = public_key(&params.public_key.clone().unwrap().0)
            .oaep_encrypt::<sha1::Sha1>(&material)
            .unwrap();
        import(
            &state,
            &ctx,
            &id,
            &params.import_token.clone().unwrap().0,
            same,
            None,
        )
        .unwrap();
        let stored = state
            .region("us-east-1")
            .kms
            .read(|d| d.keys[&id].materials.clone());
        assert_eq!(stored, vec![crate::kms::crypto::KeyMaterial(material)]);
    }

    #[test]
    fn expired_tokens_and_expired_material() {
        let state = state();
        let ctx = root();
        let id = external_key(&state, &ctx, Some("HMAC_256"));
        let params = parameters(&state, &ctx, &id, "RSAES_OAEP_SHA_256");
        let wrapped = public_key(&params.public_key.clone().unwrap().0)
            .oaep_encrypt::<Sha256>(&[1u8; 32])
            .unwrap();
        let in_an_hour = Timestamp((Timestamp::now().0 / 1000 + 3600) * 1000);
        import(
            &state,
            &ctx,
            &id,
            &params.import_token.clone().unwrap().0,
            wrapped.clone(),
            Some(in_an_hour),
        )
        .unwrap();
        // The material expires: the key is PendingImport again, its HMAC secret gone.
        state.region("us-east-1").kms.write(|d| {
            let key = d.keys.get_mut(&id).unwrap();
            key.expire_material(Timestamp(Timestamp::now().0 + 2 * 3_600_000));
            assert_eq!(key.state, KeyState::PendingImport);
            assert!(key.mac_key.is_none());
        });
        // A token past its 24 hours.
        state.region("us-east-1").kms.write(|d| {
            let imported = d.keys.get_mut(&id).unwrap().imported.as_mut().unwrap();
            let mut expired = (**imported.parameters.as_ref().unwrap()).clone();
            expired.valid_to = Timestamp(0);
            imported.parameters = Some(Arc::new(expired));
        });
        assert!(matches!(
            import(
                &state,
                &ctx,
                &id,
                &params.import_token.clone().unwrap().0,
                wrapped,
                None
            ),
            Err(KmsError::ExpiredImportTokenException(_))
        ));
    }

    #[test]
    fn what_the_readme_lists_as_not_emulated_is_refused() {
        let state = state();
        let ctx = root();
        let id = external_key(&state, &ctx, None);
        for (algorithm, spec) in [("RSAES_PKCS1_V1_5", "RSA_2048"), ("SM2PKE", "SM2")] {
            let err = get_parameters_for_import(
                &state,
                &ctx,
                GetParametersForImportRequest {
                    key_id: Some(id.clone()),
                    wrapping_algorithm: Some(algorithm.into()),
                    wrapping_key_spec: Some(spec.into()),
                },
            )
            .unwrap_err();
            assert!(
                matches!(err, KmsError::UnsupportedOperationException(_)),
                "{algorithm}"
            );
        }
        // New material (rotation of imported keys) once material was imported.
        let material = [8u8; 32];
        let params = parameters(&state, &ctx, &id, "RSAES_OAEP_SHA_256");
        let public = public_key(&params.public_key.clone().unwrap().0);
        import(
            &state,
            &ctx,
            &id,
            &params.import_token.clone().unwrap().0,
            public.oaep_encrypt::<Sha256>(&material).unwrap(),
            None,
        )
        .unwrap();
        let err = import_key_material(
            &state,
            &ctx,
            ImportKeyMaterialRequest {
                key_id: Some(id.clone()),
                import_token: params.import_token.clone(),
                encrypted_key_material: Some(Blob(
                    public.oaep_encrypt::<Sha256>(&material).unwrap(),
                )),
                expiration_model: Some("KEY_MATERIAL_DOES_NOT_EXPIRE".into()),
                import_type: Some("NEW_KEY_MATERIAL".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, KmsError::IncorrectKeyMaterialException(_)));
    }

    #[test]
    fn private_keys_are_taken_for_their_own_spec_only() {
        use p256::pkcs8::EncodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let imported = imported_private_key(KeySpec::EccNistP256, der.as_bytes()).unwrap();
        let digest = [1u8; 32];
        let signature = imported.sign_digest("ECDSA_SHA_256", &digest).unwrap();
        let original = crate::kms::specs::SignKey::P256(key);
        assert!(original.verify_digest("ECDSA_SHA_256", &digest, &signature));
        assert!(imported_private_key(KeySpec::EccNistP384, der.as_bytes()).is_none());
        assert!(imported_private_key(KeySpec::Rsa2048, der.as_bytes()).is_none());
        assert!(imported_private_key(KeySpec::SymmetricDefault, der.as_bytes()).is_none());
        assert!(imported_private_key(KeySpec::EccNistP256, b"garbage").is_none());
    }

    #[test]
    fn rsa_aes_key_wrap_unwraps_rfc_5649() {
        use aes_kw::KeyInit;
        let wrapping_key = KeySpec::Rsa2048.generate_sign_key().unwrap();
        let crate::kms::specs::SignKey::Rsa(wrapping_key) = wrapping_key else {
            unreachable!()
        };
        let aes_key = [9u8; 32];
        let material = [5u8; 32];
        let mut wrapped = wrapping_key
            .to_public_key()
            .oaep_encrypt::<Sha256>(&aes_key)
            .unwrap();
        let kwp = aes_kw::KwpAes256::new_from_slice(&aes_key).unwrap();
        let mut buf = [0u8; 40];
        wrapped.extend_from_slice(kwp.wrap_key(&material, &mut buf).unwrap());
        let parameters = ImportParameters {
            token: vec![1],
            wrapping_key: *wrapping_key,
            algorithm: "RSA_AES_KEY_WRAP_SHA_256",
            valid_to: Timestamp(i64::MAX),
        };
        assert_eq!(
            unwrap_material(&parameters, &wrapped).unwrap(),
            material.to_vec()
        );
        assert!(unwrap_material(&parameters, &wrapped[..100]).is_none());
        assert!(format!("{parameters:?}").starts_with("ImportParameters(RSA_AES"));
        let imported = Imported {
            present: true,
            valid_to: None,
            fingerprint: Some([0xab; 32]),
            parameters: Some(Arc::new(parameters)),
        };
        let shown = format!("{imported:?}");
        assert!(
            !shown.contains("171") && !shown.contains("ab, ab"),
            "{shown}"
        );
    }

    #[test]
    fn only_external_keys_take_imports_and_custom_key_stores_do_not_exist() {
        let state = state();
        let ctx = root();
        let id = crate::kms::lifecycle::testing::key(&state, &ctx);
        let err = get_parameters_for_import(
            &state,
            &ctx,
            GetParametersForImportRequest {
                key_id: Some(id),
                wrapping_algorithm: Some("RSAES_OAEP_SHA_256".into()),
                wrapping_key_spec: Some("RSA_2048".into()),
            },
        )
        .unwrap_err();
        assert!(matches!(err, KmsError::UnsupportedOperationException(_)));
        let mut input = CreateKeyRequest {
            custom_key_store_id: Some("cks-1234567890abcdef0".into()),
            ..Default::default()
        };
        assert!(matches!(
            check_origin(&input),
            Err(KmsError::CustomKeyStoreNotFoundException(_))
        ));
        input.custom_key_store_id = None;
        input.origin = Some("EXTERNAL".into());
        assert_eq!(check_origin(&input), Ok(true));
        input.origin = Some("AWS_CLOUDHSM".into());
        assert!(matches!(
            check_origin(&input),
            Err(KmsError::UnsupportedOperationException(_))
        ));
    }
}
