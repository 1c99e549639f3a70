//! Asymmetric signing keys' operations: Sign, Verify and GetPublicKey for the ECC key
//! specs (`ECC_NIST_P256`, `ECC_NIST_P384`, `ECC_NIST_P521`, `ECC_SECG_P256K1`: ECDSA from
//! the RustCrypto curve crates; signatures DER-encoded as ANSI X9.62 and the public key a
//! DER SubjectPublicKeyInfo, as KMS answers them), RSA and ML-DSA (`mldsa.rs`) keys. The
//! private key never leaves `kms`.

use super::cipher::dry_run;
use super::error::{validated, KmsError};
use super::model::{
    names, Blob, GetPublicKeyRequest, GetPublicKeyResponse, SignRequest, SignResponse,
    VerifyRequest, VerifyResponse,
};
use super::services::KmsServices;
use super::specs::SignKey;
use super::store::KeySnapshot;
use super::usage::{key_for_operation, supported_algorithm};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The signing key a request names, authorised for `kms:{operation}` with the request's
/// `kms:SigningAlgorithm` and `kms:MessageType`, usable, and of the algorithm asked.
fn signing_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key_id: &str,
    operation: &str,
    algorithm: &str,
    message_type: &str,
) -> Result<(KeySnapshot, &'static str), KmsError> {
    let key = key_for_operation(state, ctx, key_id, operation, &|keys| {
        keys.insert("kms:SigningAlgorithm", algorithm);
        keys.insert("kms:MessageType", message_type);
    })?;
    let supported = key.usage.signing_algorithms(key.spec);
    let algorithm = supported_algorithm(&key, operation, supported, algorithm)?;
    Ok((key, algorithm))
}

/// The digest to sign with `algorithm`: the message hashed with the algorithm's hash
/// (RAW), or the message itself (DIGEST, which must be that hash's length). EXTERNAL_MU
/// is for ML-DSA keys only.
fn prehash(message: &[u8], message_type: &str, algorithm: &str) -> Result<Vec<u8>, KmsError> {
    let len = if algorithm.ends_with("_384") {
        48
    } else if algorithm.ends_with("_512") {
        64
    } else {
        32
    };
    match message_type {
        "RAW" => Ok(match len {
            48 => Sha384::digest(message).to_vec(),
            64 => Sha512::digest(message).to_vec(),
            _ => Sha256::digest(message).to_vec(),
        }),
        "DIGEST" if message.len() == len => Ok(message.to_vec()),
        // AWS refuses a digest of the wrong length with ValidationException; its
        // wording is not known here.
        "DIGEST" => Err(KmsError::ValidationException(format!(
            "Digest is invalid length for algorithm {algorithm}: {} bytes, {len} expected.",
            message.len()
        ))),
        _ => Err(KmsError::InvalidKeyUsageException(
            "The EXTERNAL_MU message type is supported only for ML-DSA keys.".to_owned(),
        )),
    }
}

/// The message types of an ML-DSA key (API reference, Sign `MessageType`): RAW, or
/// EXTERNAL_MU, a 64-byte μ. DIGEST is for the other signing keys; AWS refuses it for
/// ML-DSA, in words not known here (the emulator answers as it does for EXTERNAL_MU on a
/// key that is not ML-DSA).
fn check_ml_dsa_message(message: &[u8], message_type: &str) -> Result<(), KmsError> {
    match message_type {
        "RAW" => Ok(()),
        "EXTERNAL_MU" if message.len() == super::mldsa::MU_LEN => Ok(()),
        "EXTERNAL_MU" => Err(KmsError::ValidationException(format!(
            "An EXTERNAL_MU message must be {} bytes long, not {}.",
            super::mldsa::MU_LEN,
            message.len()
        ))),
        _ => Err(KmsError::InvalidKeyUsageException(
            "The DIGEST message type is not supported for ML-DSA keys; use RAW or EXTERNAL_MU."
                .to_owned(),
        )),
    }
}

fn private_key(key: &KeySnapshot) -> Result<&SignKey, KmsError> {
    key.sign_key
        .as_ref()
        .ok_or_else(|| KmsError::KMSInternalException("signing key has no private key".to_owned()))
}

/// Sign.
pub fn sign(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: SignRequest,
) -> Result<SignResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    let message_type = input.message_type.as_deref().unwrap_or("RAW");
    let algorithm = input.signing_algorithm.as_deref().unwrap_or_default();
    let (key, algorithm) = signing_key(state, ctx, &key_id, "Sign", algorithm, message_type)?;
    let message = input.message.unwrap_or_default().0;
    let private = private_key(&key)?;
    let signature = if let SignKey::MlDsa(ml) = private {
        check_ml_dsa_message(&message, message_type)?;
        dry_run(input.dry_run)?;
        ml.sign(message_type, &message)?
    } else {
        let digest = prehash(&message, message_type, algorithm)?;
        dry_run(input.dry_run)?;
        private.sign_digest(algorithm, &digest)?
    };
    Ok(SignResponse {
        key_id: Some(key.arn),
        signature: Some(Blob(signature)),
        signing_algorithm: Some(algorithm.to_owned()),
    })
}

/// Verify: a signature that does not verify is `KMSInvalidSignatureException`, never
/// `SignatureValid: false` (API reference).
pub fn verify(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: VerifyRequest,
) -> Result<VerifyResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    let message_type = input.message_type.as_deref().unwrap_or("RAW");
    let algorithm = input.signing_algorithm.as_deref().unwrap_or_default();
    let (key, algorithm) = signing_key(state, ctx, &key_id, "Verify", algorithm, message_type)?;
    let message = input.message.unwrap_or_default().0;
    let signature = input.signature.unwrap_or_default().0;
    let private = private_key(&key)?;
    let valid = if let SignKey::MlDsa(ml) = private {
        check_ml_dsa_message(&message, message_type)?;
        dry_run(input.dry_run)?;
        ml.verify(message_type, &message, &signature)
    } else {
        let digest = prehash(&message, message_type, algorithm)?;
        dry_run(input.dry_run)?;
        private.verify_digest(algorithm, &digest, &signature)
    };
    if !valid {
        // The API reference names the exception but not its message; this one is the
        // emulator's own.
        return Err(KmsError::KMSInvalidSignatureException(
            "The signature does not verify with the message and key.".to_owned(),
        ));
    }
    Ok(VerifyResponse {
        key_id: Some(key.arn),
        signature_valid: Some(true),
        signing_algorithm: Some(algorithm.to_owned()),
    })
}

/// GetPublicKey: the DER-encoded SubjectPublicKeyInfo (RFC 5280) of an asymmetric key
/// (signing, RSA encryption or key agreement).
pub fn get_public_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GetPublicKeyRequest,
) -> Result<GetPublicKeyResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.unwrap_or_default();
    let key = key_for_operation(state, ctx, &key_id, "GetPublicKey", &|_| {})?;
    if !key.spec.is_asymmetric() {
        // AWS: a symmetric or HMAC key has no public key (UnsupportedOperationException,
        // API reference GetPublicKey); the wording is the emulator's own.
        return Err(KmsError::UnsupportedOperationException(format!(
            "{} is a {} key, which has no public key.",
            key.arn,
            key.spec.name()
        )));
    }
    let der = private_key(&key)?.public_key_der()?;
    Ok(GetPublicKeyResponse {
        key_id: Some(key.arn.clone()),
        public_key: Some(Blob(der)),
        customer_master_key_spec: Some(key.spec.name().to_owned()),
        key_spec: Some(key.spec.name().to_owned()),
        key_usage: Some(key.usage.name().to_owned()),
        signing_algorithms: names(key.usage.signing_algorithms(key.spec)),
        encryption_algorithms: names(key.usage.encryption_algorithms(key.spec)),
        key_agreement_algorithms: names(key.usage.key_agreement_algorithms()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::super::model::CreateKeyRequest;
    use super::*;
    use crate::state::EmulatorState;
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::ecdsa::DerSignature;

    fn ecc_key(state: &EmulatorState, ctx: &RequestContext) -> String {
        crate::kms::lifecycle::testing::create(
            state,
            ctx,
            CreateKeyRequest {
                key_usage: Some("SIGN_VERIFY".into()),
                key_spec: Some("ECC_NIST_P256".into()),
                ..Default::default()
            },
        )
    }

    fn sign_input(key: &str, message: &[u8], message_type: &str, algorithm: &str) -> SignRequest {
        SignRequest {
            key_id: Some(key.to_owned()),
            message: Some(Blob(message.to_vec())),
            message_type: Some(message_type.to_owned()),
            signing_algorithm: Some(algorithm.to_owned()),
            ..Default::default()
        }
    }

    fn verify_input(
        key: &str,
        message: &[u8],
        message_type: &str,
        signature: Vec<u8>,
    ) -> VerifyRequest {
        VerifyRequest {
            key_id: Some(key.to_owned()),
            message: Some(Blob(message.to_vec())),
            message_type: Some(message_type.to_owned()),
            signature: Some(Blob(signature)),
            signing_algorithm: Some("ECDSA_SHA_256".to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn raw_and_digest_signatures_verify_with_the_public_key() {
        let (state, ctx) = (state(), root());
        let key = ecc_key(&state, &ctx);
        let raw = sign(
            &state,
            &ctx,
            sign_input(&key, b"token", "RAW", "ECDSA_SHA_256"),
        )
        .unwrap();
        let digest = Sha256::digest(b"token").to_vec();
        let pre = sign(
            &state,
            &ctx,
            sign_input(&key, &digest, "DIGEST", "ECDSA_SHA_256"),
        )
        .unwrap();
        // Both sign the same digest, so each verifies as RAW over the message.
        let raw_signature = raw.signature.unwrap().0;
        for signature in [raw_signature.clone(), pre.signature.unwrap().0] {
            assert_eq!(
                verify(
                    &state,
                    &ctx,
                    verify_input(&key, b"token", "RAW", signature.clone())
                )
                .unwrap()
                .signature_valid,
                Some(true)
            );
            assert!(matches!(
                verify(&state, &ctx, verify_input(&key, b"tokem", "RAW", signature)),
                Err(KmsError::KMSInvalidSignatureException(_))
            ));
        }
        // The public key from GetPublicKey verifies the signature on its own.
        let public = get_public_key(
            &state,
            &ctx,
            GetPublicKeyRequest {
                key_id: Some(key.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        use p256::pkcs8::DecodePublicKey;
        let verifying =
            p256::ecdsa::VerifyingKey::from_public_key_der(&public.public_key.unwrap().0).unwrap();
        let signature = DerSignature::from_bytes(&raw_signature).unwrap();
        assert!(verifying.verify_prehash(&digest, &signature).is_ok());
        // A digest of the wrong length, and another algorithm, are refused.
        assert!(matches!(
            sign(
                &state,
                &ctx,
                sign_input(&key, b"short", "DIGEST", "ECDSA_SHA_256")
            ),
            Err(KmsError::ValidationException(_))
        ));
        assert!(matches!(
            sign(&state, &ctx, sign_input(&key, b"m", "RAW", "ECDSA_SHA_512")),
            Err(KmsError::InvalidKeyUsageException(_))
        ));
        let symmetric = key_of_default(&state, &ctx);
        assert!(matches!(
            sign(
                &state,
                &ctx,
                sign_input(&symmetric, b"m", "RAW", "ECDSA_SHA_256")
            ),
            Err(KmsError::InvalidKeyUsageException(_))
        ));
    }

    fn key_of_default(state: &EmulatorState, ctx: &RequestContext) -> String {
        key(state, ctx)
    }
}
