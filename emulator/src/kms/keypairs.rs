//! Data key pairs: GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext. A fresh
//! RSA or ECC key pair for use outside KMS: its public key as a DER SubjectPublicKeyInfo
//! (RFC 5280), its private key as DER PKCS #8 (RFC 5958), in plaintext (a [`Blob`], whose
//! debug output never shows its bytes) and encrypted under a symmetric encryption key
//! with the request's encryption context, so that Decrypt returns the same bytes.

use super::access::{authorize_with, Via};
use super::cipher::{dry_run, refuse_unless_encryption_key};
use super::error::{validated, KmsError};
use super::model::{
    Blob, EncryptionContext, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
    GenerateDataKeyPairWithoutPlaintextRequest, GenerateDataKeyPairWithoutPlaintextResponse,
};
use super::services::KmsServices;
use super::specs::KeySpec;
use super::store::{material_id, KeySnapshot};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

/// What both operations ask for, once the request has met the model.
struct PairAsk {
    key_id: String,
    key_pair_spec: String,
    encryption_context: Option<EncryptionContext>,
    dry_run: Option<bool>,
}

/// The [`PairAsk`] of either operation's request (two generated types, the same members).
macro_rules! pair_ask {
    ($input:expr) => {
        PairAsk {
            key_id: $input.key_id.unwrap_or_default(),
            key_pair_spec: $input.key_pair_spec.unwrap_or_default(),
            encryption_context: $input.encryption_context,
            dry_run: $input.dry_run,
        }
    };
}

/// A new data key pair, sealed under the key.
struct Generated {
    key: KeySnapshot,
    spec: KeySpec,
    private_der: Vec<u8>,
    public_der: Vec<u8>,
    sealed: Vec<u8>,
}

/// The key pair spec a request asks for, if the emulator makes it.
fn pair_spec(name: &str) -> Result<KeySpec, KmsError> {
    match name {
        // SM2 is offered in the China Regions only; elsewhere AWS refuses the SM2 key
        // spec with `UnsupportedOperationException: KeySpec SM2 is not supported in this
        // Region` (CreateKey, as recorded in floci-io/floci#3026). That the data key pair
        // spec is refused in the same words is the emulator's assumption.
        "SM2" => Err(KmsError::UnsupportedOperationException(
            "KeyPairSpec SM2 is not supported in this Region".to_owned(),
        )),
        other => KeySpec::parse(other)
            .filter(|s| s.is_asymmetric())
            .ok_or_else(|| {
                KmsError::UnsupportedOperationException(format!(
                    "KeyPairSpec {other} is not supported by this emulator; RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521 and ECC_SECG_P256K1 are."
                ))
            }),
    }
}

/// What both operations do once the request has met the model: authorise `action` with
/// the request's encryption context and `kms:DataKeyPairSpec`, and make and seal the
/// pair.
fn generate(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: PairAsk,
    action: &str,
) -> Result<Generated, KmsError> {
    let spec_name = input.key_pair_spec.as_str();
    let spec = pair_spec(spec_name)?;
    let key = state
        .keys(&ctx.region)
        .snapshot(&input.key_id, &ctx.region, &ctx.account)?;
    let context = input.encryption_context.unwrap_or_default();
    authorize_with(
        state,
        ctx,
        &key,
        action,
        Some(&context),
        Via::Direct,
        &|keys| {
            keys.insert("kms:DataKeyPairSpec", spec_name);
        },
    )?;
    key.check_usable()?;
    // Only a symmetric encryption key protects a data key pair (API reference,
    // GenerateDataKeyPair: "You cannot use an asymmetric KMS key").
    refuse_unless_encryption_key(&key, action)?;
    dry_run(input.dry_run)?;
    let pair = spec
        .generate_sign_key()
        .ok_or_else(|| KmsError::KMSInternalException("key pair generation failed".to_owned()))?;
    let private_der = pair.to_pkcs8_der()?;
    let public_der = pair.public_key_der()?;
    let sealed = super::cipher::seal_checked(&key, &private_der, &context)?;
    Ok(Generated {
        key,
        spec,
        private_der,
        public_der,
        sealed,
    })
}

/// GenerateDataKeyPair: the pair, its private key also in plaintext.
pub fn generate_data_key_pair(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GenerateDataKeyPairRequest,
) -> Result<GenerateDataKeyPairResponse, KmsError> {
    validated(input.check())?;
    let recipient = input.recipient;
    let ask = pair_ask!(input);
    pair_spec(&ask.key_pair_spec)?;
    super::datakeys::refuse_recipient(&recipient)?;
    let made = generate(state, ctx, ask, "kms:GenerateDataKeyPair")?;
    Ok(GenerateDataKeyPairResponse {
        private_key_ciphertext_blob: Some(Blob(made.sealed)),
        private_key_plaintext: Some(Blob(made.private_der)),
        public_key: Some(Blob(made.public_der)),
        key_material_id: Some(material_id(&made.key.id, made.key.materials.len())),
        key_id: Some(made.key.arn),
        key_pair_spec: Some(made.spec.name().to_owned()),
        ..Default::default()
    })
}

/// GenerateDataKeyPairWithoutPlaintext: the pair, its private key encrypted only. The
/// model gives this operation no `Recipient`; a stray one is ignored, as unknown members
/// are.
pub fn generate_data_key_pair_without_plaintext(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GenerateDataKeyPairWithoutPlaintextRequest,
) -> Result<GenerateDataKeyPairWithoutPlaintextResponse, KmsError> {
    validated(input.check())?;
    let ask = pair_ask!(input);
    let made = generate(state, ctx, ask, "kms:GenerateDataKeyPairWithoutPlaintext")?;
    Ok(GenerateDataKeyPairWithoutPlaintextResponse {
        private_key_ciphertext_blob: Some(Blob(made.sealed)),
        public_key: Some(Blob(made.public_der)),
        key_material_id: Some(material_id(&made.key.id, made.key.materials.len())),
        key_id: Some(made.key.arn),
        key_pair_spec: Some(made.spec.name().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;
    use crate::kms::model::DecryptRequest;

    /// A request of either operation (the same members).
    fn input<T: serde::de::DeserializeOwned>(key: &str, spec: &str) -> T {
        serde_json::from_value(serde_json::json!({
            "EncryptionContext": {"purpose": "pair"},
            "KeyId": key,
            "KeyPairSpec": spec,
        }))
        .unwrap()
    }

    /// Every ECC pair spec: the private key signs what the public key verifies, and the
    /// encrypted private key decrypts (with the context) to the plaintext one.
    #[test]
    fn ecc_pairs_are_pairs_and_their_private_key_decrypts() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        for spec in [
            "ECC_NIST_P256",
            "ECC_NIST_P384",
            "ECC_NIST_P521",
            "ECC_SECG_P256K1",
        ] {
            let out = generate_data_key_pair(&state, &ctx, input(&key, spec)).unwrap();
            assert_eq!(out.key_pair_spec.as_deref(), Some(spec));
            let private_key_plaintext = out.private_key_plaintext.clone().unwrap();
            assert!(!format!("{out:?}").contains(&format!("{:?}", private_key_plaintext.0)));
            let decrypted = crate::kms::cipher::decrypt(
                &state,
                &ctx,
                DecryptRequest {
                    ciphertext_blob: out.private_key_ciphertext_blob.clone(),
                    encryption_context: Some([("purpose".to_owned(), "pair".to_owned())].into()),
                    ..Default::default()
                },
            )
            .unwrap();
            assert_eq!(
                decrypted.plaintext.unwrap().0,
                private_key_plaintext.0,
                "{spec}"
            );
            let spec = KeySpec::parse(spec).unwrap();
            let pem = p256::pkcs8::der::pem::encode_string(
                "PRIVATE KEY",
                p256::pkcs8::der::pem::LineEnding::LF,
                &private_key_plaintext.0,
            )
            .unwrap();
            let private = crate::kms::specs::SignKey::from_pkcs8_pem(spec, &pem).unwrap();
            assert_eq!(
                Some(private.public_key_der().unwrap()),
                out.public_key.map(|b| b.0)
            );
        }
    }

    #[test]
    fn only_symmetric_keys_protect_pairs_and_sm2_is_refused() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        assert_eq!(
            generate_data_key_pair(&state, &ctx, input(&key, "SM2")).unwrap_err(),
            KmsError::UnsupportedOperationException(
                "KeyPairSpec SM2 is not supported in this Region".to_owned()
            )
        );
        assert!(matches!(
            generate_data_key_pair(&state, &ctx, input(&key, "RSA_1024")),
            Err(KmsError::ValidationException(_))
        ));
        let mut dry: GenerateDataKeyPairWithoutPlaintextRequest = input(&key, "ECC_NIST_P256");
        dry.dry_run = Some(true);
        assert!(matches!(
            generate_data_key_pair_without_plaintext(&state, &ctx, dry),
            Err(KmsError::DryRunOperationException(_))
        ));
        let without =
            generate_data_key_pair_without_plaintext(&state, &ctx, input(&key, "ECC_NIST_P256"))
                .unwrap();
        assert_eq!(without.public_key.unwrap().0[0], 0x30);
    }
}
