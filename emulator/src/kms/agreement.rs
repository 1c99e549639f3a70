//! Key agreement keys (`ECC_NIST_P256`, `ECC_NIST_P384`, `ECC_NIST_P521` with KeyUsage
//! KEY_AGREEMENT; API reference, CreateKey `KeyUsage`: ECC_SECG_P256K1 keys sign only):
//! DeriveSharedSecret with ECDH, the raw shared secret of the key's private key and a
//! peer's public key (the RustCrypto curve crates' ECDH). The private key never leaves
//! `kms`; the shared secret travels only in a [`Blob`].

use super::cipher::dry_run;
use super::datakeys::refuse_recipient;
use super::error::{validated, KmsError};
use super::model::{Blob, DeriveSharedSecretRequest, DeriveSharedSecretResponse};
use super::services::KmsServices;
use super::usage::{key_for_operation, supported_algorithm};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

/// DeriveSharedSecret.
pub fn derive_shared_secret(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: DeriveSharedSecretRequest,
) -> Result<DeriveSharedSecretResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    // An attestation document must be signed by AWS Nitro hardware ("How to make attested
    // calls to AWS KMS", KMS Developer Guide), which no document given to an emulator
    // can be; refused as for the other operations that take a Recipient.
    refuse_recipient(&input.recipient)?;
    let algorithm = input.key_agreement_algorithm.as_deref().unwrap_or_default();
    let key = key_for_operation(state, ctx, &key_id, "DeriveSharedSecret", &|keys| {
        keys.insert("kms:KeyAgreementAlgorithm", algorithm);
    })?;
    let algorithm = supported_algorithm(
        &key,
        "DeriveSharedSecret",
        key.usage.key_agreement_algorithms(),
        algorithm,
    )?;
    dry_run(input.dry_run)?;
    let private = key.sign_key.as_ref().ok_or_else(|| {
        KmsError::KMSInternalException("key agreement key has no private key".to_owned())
    })?;
    let peer = input.public_key.unwrap_or_default();
    let secret = private.diffie_hellman(&peer.0).ok_or_else(|| {
        // The API reference names ValidationException for a public key that is not a DER
        // SubjectPublicKeyInfo (DeriveSharedSecret, `PublicKey`); the wording is the
        // emulator's own.
        KmsError::ValidationException(format!(
            "PublicKey is not a DER-encoded SubjectPublicKeyInfo of a point on the curve of {} ({}).",
            key.arn,
            key.spec.name()
        ))
    })?;
    Ok(DeriveSharedSecretResponse {
        key_id: Some(key.arn),
        shared_secret: Some(Blob(secret)),
        key_agreement_algorithm: Some(algorithm.to_owned()),
        key_origin: Some("AWS_KMS".to_owned()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::super::model::{CreateKeyRequest, GetPublicKeyRequest};
    use super::*;
    use crate::state::EmulatorState;

    fn create(state: &EmulatorState, ctx: &RequestContext, spec: &str, usage: &str) -> String {
        crate::kms::lifecycle::testing::create(
            state,
            ctx,
            CreateKeyRequest {
                key_usage: Some(usage.into()),
                key_spec: Some(spec.into()),
                ..Default::default()
            },
        )
    }

    fn public_key(state: &EmulatorState, ctx: &RequestContext, key: &str) -> Vec<u8> {
        super::super::asymmetric::get_public_key(
            state,
            ctx,
            GetPublicKeyRequest {
                key_id: Some(key.to_owned()),
                ..Default::default()
            },
        )
        .unwrap()
        .public_key
        .unwrap()
        .0
    }

    fn derive(key: &str, public: Vec<u8>) -> DeriveSharedSecretRequest {
        DeriveSharedSecretRequest {
            key_id: Some(key.to_owned()),
            key_agreement_algorithm: Some("ECDH".to_owned()),
            public_key: Some(Blob(public)),
            ..Default::default()
        }
    }

    /// Two KMS key agreement keys derive the same secret from each other's public key,
    /// for every NIST curve; a key of another curve or usage is refused.
    #[test]
    fn two_agreement_keys_agree_on_every_nist_curve() {
        let (state, ctx) = (state(), root());
        for (spec, len) in [
            ("ECC_NIST_P256", 32),
            ("ECC_NIST_P384", 48),
            ("ECC_NIST_P521", 66),
        ] {
            let alice = create(&state, &ctx, spec, "KEY_AGREEMENT");
            let bob = create(&state, &ctx, spec, "KEY_AGREEMENT");
            let (pa, pb) = (
                public_key(&state, &ctx, &alice),
                public_key(&state, &ctx, &bob),
            );
            let ab = derive_shared_secret(&state, &ctx, derive(&alice, pb.clone())).unwrap();
            let ba = derive_shared_secret(&state, &ctx, derive(&bob, pa)).unwrap();
            let (ab_secret, ba_secret) =
                (ab.shared_secret.clone().unwrap(), ba.shared_secret.unwrap());
            assert_eq!(ab_secret.0, ba_secret.0, "{spec}");
            assert_eq!(ab_secret.0.len(), len);
            assert_eq!(ab.key_agreement_algorithm.as_deref(), Some("ECDH"));
            assert!(!format!("{ab:?}").contains(&format!("{:?}", ab_secret.0)));
        }
        let p256 = create(&state, &ctx, "ECC_NIST_P256", "KEY_AGREEMENT");
        let p384 = create(&state, &ctx, "ECC_NIST_P384", "KEY_AGREEMENT");
        let other_curve = public_key(&state, &ctx, &p384);
        assert!(matches!(
            derive_shared_secret(&state, &ctx, derive(&p256, other_curve.clone())),
            Err(KmsError::ValidationException(_))
        ));
        let signing = create(&state, &ctx, "ECC_NIST_P256", "SIGN_VERIFY");
        assert!(matches!(
            derive_shared_secret(&state, &ctx, derive(&signing, other_curve)),
            Err(KmsError::InvalidKeyUsageException(_))
        ));
    }

    #[test]
    fn secp256k1_keys_cannot_agree() {
        let (state, ctx) = (state(), root());
        let refused = super::super::keys::create_key(
            &state,
            &ctx,
            CreateKeyRequest {
                key_usage: Some("KEY_AGREEMENT".into()),
                key_spec: Some("ECC_SECG_P256K1".into()),
                ..Default::default()
            },
        );
        assert!(matches!(refused, Err(KmsError::ValidationException(_))));
    }
}
