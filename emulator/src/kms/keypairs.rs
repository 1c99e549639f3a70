//! Data key pairs: GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext. A fresh
//! RSA or ECC key pair for use outside KMS: its public key as a DER SubjectPublicKeyInfo
//! (RFC 5280), its private key as DER PKCS #8 (RFC 5958), in plaintext (a [`Blob`], whose
//! debug output never shows its bytes) and encrypted under a symmetric encryption key
//! with the request's encryption context, so that Decrypt returns the same bytes.

use super::access::{authorize_with, Via};
use super::cipher::{dry_run, refuse_unless_encryption_key};
use super::crypto::{self, BlobHeader};
use super::error::{validated, KmsError};
use super::grants::check_grant_tokens;
use super::keys::required_key_id;
use super::model::{Blob, EncryptionContext};
use super::specs::KeySpec;
use super::store::{material_id, KeySnapshot};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;
use serde::{Deserialize, Serialize};

/// The model's `DataKeyPairSpec`.
const DATA_KEY_PAIR_SPECS: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SM2",
    "ECC_NIST_EDWARDS25519",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairInput {
    pub encryption_context: Option<EncryptionContext>,
    pub key_id: Option<String>,
    pub key_pair_spec: Option<String>,
    pub grant_tokens: Option<Vec<String>>,
    /// A Nitro enclave attestation (GenerateDataKeyPair only; refused when present).
    pub recipient: Option<serde_json::Value>,
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairOutput {
    pub private_key_ciphertext_blob: Blob,
    pub private_key_plaintext: Blob,
    pub public_key: Blob,
    pub key_id: String,
    pub key_pair_spec: &'static str,
    pub key_material_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairWithoutPlaintextOutput {
    pub private_key_ciphertext_blob: Blob,
    pub public_key: Blob,
    pub key_id: String,
    pub key_pair_spec: &'static str,
    pub key_material_id: String,
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

/// What both operations do: check the request, authorise `action` with the request's
/// encryption context and `kms:DataKeyPairSpec`, and make and seal the pair.
fn generate(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GenerateDataKeyPairInput,
    action: &str,
) -> Result<Generated, KmsError> {
    let key_id = required_key_id(&input.key_id)?;
    let mut v = Validator::new();
    if v.required("keyPairSpec", &input.key_pair_spec).is_some() {
        v.one_of(
            "keyPairSpec",
            input.key_pair_spec.as_deref(),
            DATA_KEY_PAIR_SPECS,
        );
    }
    check_grant_tokens(&mut v, &input.grant_tokens);
    validated(v.finish())?;
    let spec_name = input.key_pair_spec.as_deref().unwrap_or_default();
    let spec = pair_spec(spec_name)?;
    super::datakeys::refuse_recipient(&input.recipient)?;
    let key = state
        .region(&ctx.region)
        .kms
        .snapshot(&key_id, &ctx.region, &ctx.account)?;
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
    let material = key
        .materials
        .last()
        .ok_or_else(|| KmsError::KMSInternalException("key has no material".to_owned()))?;
    let header = BlobHeader {
        key_id: key.id.clone(),
        material_version: key.materials.len() as u32,
    };
    let sealed = crypto::encrypt(material, &header, &private_der, &context);
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
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GenerateDataKeyPairInput,
) -> Result<GenerateDataKeyPairOutput, KmsError> {
    let made = generate(state, ctx, input, "kms:GenerateDataKeyPair")?;
    Ok(GenerateDataKeyPairOutput {
        private_key_ciphertext_blob: Blob(made.sealed),
        private_key_plaintext: Blob(made.private_der),
        public_key: Blob(made.public_der),
        key_material_id: material_id(&made.key.id, made.key.materials.len()),
        key_id: made.key.arn,
        key_pair_spec: made.spec.name(),
    })
}

/// GenerateDataKeyPairWithoutPlaintext: the pair, its private key encrypted only. The
/// model gives this operation no `Recipient`; a stray one is ignored, as unknown members
/// are.
pub fn generate_data_key_pair_without_plaintext(
    state: &EmulatorState,
    ctx: &RequestContext,
    mut input: GenerateDataKeyPairInput,
) -> Result<GenerateDataKeyPairWithoutPlaintextOutput, KmsError> {
    input.recipient = None;
    let made = generate(state, ctx, input, "kms:GenerateDataKeyPairWithoutPlaintext")?;
    Ok(GenerateDataKeyPairWithoutPlaintextOutput {
        private_key_ciphertext_blob: Blob(made.sealed),
        public_key: Blob(made.public_der),
        key_material_id: material_id(&made.key.id, made.key.materials.len()),
        key_id: made.key.arn,
        key_pair_spec: made.spec.name(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;
    use crate::kms::model::DecryptInput;

    fn input(key: &str, spec: &str) -> GenerateDataKeyPairInput {
        GenerateDataKeyPairInput {
            encryption_context: Some([("purpose".to_owned(), "pair".to_owned())].into()),
            key_id: Some(key.to_owned()),
            key_pair_spec: Some(spec.to_owned()),
            grant_tokens: None,
            recipient: None,
            dry_run: None,
        }
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
            assert_eq!(out.key_pair_spec, spec);
            assert!(!format!("{out:?}").contains(&format!("{:?}", out.private_key_plaintext.0)));
            let decrypted = crate::kms::cipher::decrypt(
                &state,
                &ctx,
                DecryptInput {
                    ciphertext_blob: Some(out.private_key_ciphertext_blob.clone()),
                    encryption_context: Some([("purpose".to_owned(), "pair".to_owned())].into()),
                    grant_tokens: None,
                    key_id: None,
                    encryption_algorithm: None,
                    dry_run: None,
                },
            )
            .unwrap();
            assert_eq!(decrypted.plaintext.0, out.private_key_plaintext.0, "{spec}");
            let spec = KeySpec::parse(spec).unwrap();
            let pem = p256::pkcs8::der::pem::encode_string(
                "PRIVATE KEY",
                p256::pkcs8::der::pem::LineEnding::LF,
                &out.private_key_plaintext.0,
            )
            .unwrap();
            let private = crate::kms::specs::SignKey::from_pkcs8_pem(spec, &pem).unwrap();
            assert_eq!(private.public_key_der().unwrap(), out.public_key.0);
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
        let mut dry = input(&key, "ECC_NIST_P256");
        dry.dry_run = Some(true);
        assert!(matches!(
            generate_data_key_pair_without_plaintext(&state, &ctx, dry),
            Err(KmsError::DryRunOperationException(_))
        ));
        let without =
            generate_data_key_pair_without_plaintext(&state, &ctx, input(&key, "ECC_NIST_P256"))
                .unwrap();
        assert_eq!(without.public_key.0[0], 0x30);
    }
}
