//! HMAC keys' operations: GenerateMac and VerifyMac (RFC 2104 HMAC from the RustCrypto
//! `hmac` and `sha2` crates, the secret never leaving this module's callers in `kms`).

use super::cipher::dry_run;
use super::error::{validated, KmsError};
use super::model::{
    Blob, GenerateMacRequest, GenerateMacResponse, VerifyMacRequest, VerifyMacResponse,
};
use super::services::KmsServices;
use super::specs::KeySpec;
use super::store::KeySnapshot;
use super::usage::{key_for_operation, supported_algorithm};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use hmac::{Hmac, KeyInit, Mac};

/// The HMAC key `key` names, authorised for `kms:{operation}`, usable, and of the
/// algorithm asked.
fn mac_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key_id: &str,
    operation: &str,
    algorithm: &str,
) -> Result<(KeySnapshot, &'static str), KmsError> {
    // kms:MacAlgorithm: the algorithm the request asks for (KMS Developer Guide, "AWS KMS
    // condition keys").
    let key = key_for_operation(state, ctx, key_id, operation, &|keys| {
        keys.insert("kms:MacAlgorithm", algorithm)
    })?;
    let supported = key.spec.mac_algorithm();
    let algorithm = supported_algorithm(&key, operation, supported.as_slice(), algorithm)?;
    Ok((key, algorithm))
}

/// Runs `$body` with `$mac`, a keyed HMAC of the key spec's hash (one arm per spec, so
/// that each hash is a concrete type).
macro_rules! with_hmac {
    ($spec:expr, $secret:expr, |$mac:ident| $body:expr) => {{
        let bad_len = |_| KmsError::KMSInternalException("HMAC key length".to_owned());
        match $spec {
            KeySpec::Hmac224 => {
                let mut $mac =
                    <Hmac<sha2::Sha224> as KeyInit>::new_from_slice($secret).map_err(bad_len)?;
                $body
            }
            KeySpec::Hmac256 => {
                let mut $mac =
                    <Hmac<sha2::Sha256> as KeyInit>::new_from_slice($secret).map_err(bad_len)?;
                $body
            }
            KeySpec::Hmac384 => {
                let mut $mac =
                    <Hmac<sha2::Sha384> as KeyInit>::new_from_slice($secret).map_err(bad_len)?;
                $body
            }
            KeySpec::Hmac512 => {
                let mut $mac =
                    <Hmac<sha2::Sha512> as KeyInit>::new_from_slice($secret).map_err(bad_len)?;
                $body
            }
            _ => return Err(KmsError::KMSInternalException("not an HMAC key".to_owned())),
        }
    }};
}

/// The secret of an HMAC key.
fn secret_of(key: &KeySnapshot) -> Result<&[u8], KmsError> {
    key.mac_key
        .as_ref()
        .map(|k| k.0.as_slice())
        .ok_or_else(|| KmsError::KMSInternalException("HMAC key has no secret".to_owned()))
}

/// HMAC of `message` under the key's secret with the spec's hash.
fn compute(key: &KeySnapshot, message: &[u8]) -> Result<Vec<u8>, KmsError> {
    let secret = secret_of(key)?;
    let mac = with_hmac!(key.spec, secret, |mac| {
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    });
    Ok(mac)
}

/// Whether `given` is the HMAC of `message` (compared in constant time by the library).
fn matches(key: &KeySnapshot, message: &[u8], given: &[u8]) -> Result<bool, KmsError> {
    let secret = secret_of(key)?;
    let valid = with_hmac!(key.spec, secret, |mac| {
        mac.update(message);
        mac.verify_slice(given).is_ok()
    });
    Ok(valid)
}

/// GenerateMac.
pub fn generate_mac(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GenerateMacRequest,
) -> Result<GenerateMacResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    let algorithm = input.mac_algorithm.as_deref().unwrap_or_default();
    let (key, algorithm) = mac_key(state, ctx, &key_id, "GenerateMac", algorithm)?;
    dry_run(input.dry_run)?;
    let mac = compute(&key, &input.message.unwrap_or_default().0)?;
    Ok(GenerateMacResponse {
        mac: Some(Blob(mac)),
        mac_algorithm: Some(algorithm.to_owned()),
        key_id: Some(key.arn),
    })
}

/// VerifyMac: a MAC that does not match is `KMSInvalidMacException`, never
/// `MacValid: false` (API reference).
pub fn verify_mac(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: VerifyMacRequest,
) -> Result<VerifyMacResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    let algorithm = input.mac_algorithm.as_deref().unwrap_or_default();
    let (key, algorithm) = mac_key(state, ctx, &key_id, "VerifyMac", algorithm)?;
    dry_run(input.dry_run)?;
    let given = input.mac.unwrap_or_default().0;
    let message = input.message.unwrap_or_default().0;
    let valid = matches(&key, &message, &given)?;
    if !valid {
        // The API reference names the exception but not its message; this one is the
        // emulator's own.
        return Err(KmsError::KMSInvalidMacException(
            "The MAC does not match the message and key.".to_owned(),
        ));
    }
    Ok(VerifyMacResponse {
        key_id: Some(key.arn),
        mac_valid: Some(true),
        mac_algorithm: Some(algorithm.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::super::model::{CreateKeyRequest, EncryptRequest};
    use super::*;
    use crate::state::EmulatorState;

    fn hmac_key(state: &EmulatorState, ctx: &RequestContext, spec: &str) -> String {
        crate::kms::lifecycle::testing::create(
            state,
            ctx,
            CreateKeyRequest {
                key_usage: Some("GENERATE_VERIFY_MAC".into()),
                key_spec: Some(spec.into()),
                ..Default::default()
            },
        )
    }

    fn generate(
        state: &EmulatorState,
        ctx: &RequestContext,
        key: &str,
        algorithm: &str,
        message: &[u8],
    ) -> Result<GenerateMacResponse, KmsError> {
        generate_mac(
            state,
            ctx,
            GenerateMacRequest {
                message: Some(Blob(message.to_vec())),
                key_id: Some(key.to_owned()),
                mac_algorithm: Some(algorithm.to_owned()),
                ..Default::default()
            },
        )
    }

    fn verify(
        state: &EmulatorState,
        ctx: &RequestContext,
        key: &str,
        algorithm: &str,
        message: &[u8],
        mac: Vec<u8>,
    ) -> Result<VerifyMacResponse, KmsError> {
        verify_mac(
            state,
            ctx,
            VerifyMacRequest {
                message: Some(Blob(message.to_vec())),
                key_id: Some(key.to_owned()),
                mac_algorithm: Some(algorithm.to_owned()),
                mac: Some(Blob(mac)),
                ..Default::default()
            },
        )
    }

    #[test]
    fn macs_have_the_spec_length_are_deterministic_and_verify() {
        let (state, ctx) = (state(), root());
        for (spec, algorithm, len) in [
            ("HMAC_224", "HMAC_SHA_224", 28),
            ("HMAC_256", "HMAC_SHA_256", 32),
            ("HMAC_384", "HMAC_SHA_384", 48),
            ("HMAC_512", "HMAC_SHA_512", 64),
        ] {
            let key = hmac_key(&state, &ctx, spec);
            let a = generate(&state, &ctx, &key, algorithm, b"webhook body").unwrap();
            let b = generate(&state, &ctx, &key, algorithm, b"webhook body").unwrap();
            let a_mac = a.mac.unwrap().0;
            assert_eq!(a_mac.len(), len, "{spec}");
            assert_eq!(Some(a_mac.clone()), b.mac.map(|m| m.0));
            assert_eq!(
                verify(
                    &state,
                    &ctx,
                    &key,
                    algorithm,
                    b"webhook body",
                    a_mac.clone()
                )
                .unwrap()
                .mac_valid,
                Some(true)
            );
            assert!(matches!(
                verify(&state, &ctx, &key, algorithm, b"webhook bodY", a_mac),
                Err(KmsError::KMSInvalidMacException(_))
            ));
        }
    }

    #[test]
    fn wrong_keys_and_algorithms_are_invalid_key_usage() {
        let (state, ctx) = (state(), root());
        let symmetric = key(&state, &ctx);
        assert!(matches!(
            generate(&state, &ctx, &symmetric, "HMAC_SHA_256", b"m"),
            Err(KmsError::InvalidKeyUsageException(_))
        ));
        let mac_key = hmac_key(&state, &ctx, "HMAC_256");
        assert!(matches!(
            generate(&state, &ctx, &mac_key, "HMAC_SHA_512", b"m"),
            Err(KmsError::InvalidKeyUsageException(_))
        ));
        let encrypt = super::super::cipher::encrypt(
            &state,
            &ctx,
            EncryptRequest {
                key_id: Some(mac_key.clone()),
                plaintext: Some(Blob(b"x".to_vec())),
                ..Default::default()
            },
        );
        assert!(
            matches!(encrypt, Err(KmsError::InvalidKeyUsageException(m)) if m.ends_with("key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt."))
        );
        assert!(matches!(
            generate(&state, &ctx, &mac_key, "HMAC_SHA_256", b""),
            Err(KmsError::ValidationException(m)) if m.contains("Value at 'message'")
        ));
    }
}
