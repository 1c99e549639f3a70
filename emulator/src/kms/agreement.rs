//! Key agreement keys (`ECC_NIST_P256`, `ECC_NIST_P384`, `ECC_NIST_P521` with KeyUsage
//! KEY_AGREEMENT; API reference, CreateKey `KeyUsage`: ECC_SECG_P256K1 keys sign only):
//! DeriveSharedSecret with ECDH, the raw shared secret of the key's private key and a
//! peer's public key (the RustCrypto curve crates' ECDH). The private key never leaves
//! `kms`; the shared secret travels only in a [`Blob`].

use super::cipher::dry_run;
use super::datakeys::refuse_recipient;
use super::error::{validated, KmsError};
use super::grants::check_grant_tokens;
use super::keys::required_key_id;
use super::model::Blob;
use super::usage::{key_for_operation, supported_algorithm};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeriveSharedSecretInput {
    pub key_id: Option<String>,
    pub key_agreement_algorithm: Option<String>,
    pub public_key: Option<Blob>,
    pub grant_tokens: Option<Vec<String>>,
    pub dry_run: Option<bool>,
    /// A Nitro enclave attestation (refused when present).
    pub recipient: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeriveSharedSecretOutput {
    pub key_id: String,
    pub shared_secret: Blob,
    pub key_agreement_algorithm: &'static str,
    pub key_origin: &'static str,
}

/// DeriveSharedSecret.
pub fn derive_shared_secret(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: DeriveSharedSecretInput,
) -> Result<DeriveSharedSecretOutput, KmsError> {
    let key_id = required_key_id(&input.key_id)?;
    let mut v = Validator::new();
    if v.required("keyAgreementAlgorithm", &input.key_agreement_algorithm)
        .is_some()
    {
        v.one_of(
            "keyAgreementAlgorithm",
            input.key_agreement_algorithm.as_deref(),
            &["ECDH"],
        );
    }
    if let Some(public) = v.required("publicKey", &input.public_key) {
        if public.0.is_empty() || public.0.len() > 8192 {
            v.violation(
                "publicKey",
                "'java.nio.HeapByteBuffer'",
                if public.0.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 8192"
                },
            );
        }
    }
    check_grant_tokens(&mut v, &input.grant_tokens);
    validated(v.finish())?;
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
    Ok(DeriveSharedSecretOutput {
        key_id: key.arn,
        shared_secret: Blob(secret),
        key_agreement_algorithm: algorithm,
        key_origin: "AWS_KMS",
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::super::model::CreateKeyInput;
    use super::*;

    fn create(state: &EmulatorState, ctx: &RequestContext, spec: &str, usage: &str) -> String {
        super::super::keys::create_key(
            state,
            ctx,
            CreateKeyInput {
                policy: None,
                description: None,
                key_usage: Some(usage.into()),
                customer_master_key_spec: None,
                key_spec: Some(spec.into()),
                origin: None,
                custom_key_store_id: None,
                bypass_policy_lockout_safety_check: None,
                tags: None,
                multi_region: None,
            },
        )
        .unwrap()
        .key_metadata
        .key_id
    }

    fn public_key(state: &EmulatorState, ctx: &RequestContext, key: &str) -> Vec<u8> {
        super::super::asymmetric::get_public_key(
            state,
            ctx,
            super::super::asymmetric::GetPublicKeyInput {
                key_id: Some(key.to_owned()),
                grant_tokens: None,
            },
        )
        .unwrap()
        .public_key
        .0
    }

    fn derive(key: &str, public: Vec<u8>) -> DeriveSharedSecretInput {
        DeriveSharedSecretInput {
            key_id: Some(key.to_owned()),
            key_agreement_algorithm: Some("ECDH".to_owned()),
            public_key: Some(Blob(public)),
            grant_tokens: None,
            dry_run: None,
            recipient: None,
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
            assert_eq!(ab.shared_secret.0, ba.shared_secret.0, "{spec}");
            assert_eq!(ab.shared_secret.0.len(), len);
            assert_eq!(ab.key_agreement_algorithm, "ECDH");
            assert!(!format!("{ab:?}").contains(&format!("{:?}", ab.shared_secret.0)));
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
            CreateKeyInput {
                policy: None,
                description: None,
                key_usage: Some("KEY_AGREEMENT".into()),
                customer_master_key_spec: None,
                key_spec: Some("ECC_SECG_P256K1".into()),
                origin: None,
                custom_key_store_id: None,
                bypass_policy_lockout_safety_check: None,
                tags: None,
                multi_region: None,
            },
        );
        assert!(matches!(refused, Err(KmsError::ValidationException(_))));
    }
}
