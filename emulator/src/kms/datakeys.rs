//! Data keys and re-encryption: GenerateDataKey, GenerateDataKeyWithoutPlaintext,
//! GenerateRandom and ReEncrypt. Plaintexts travel only in [`Blob`]s, whose debug output
//! never shows their bytes.

use super::access::{authorize, authorize_iam, Via};
use super::cipher::{check_algorithm, dry_run, key_of_blob, open, seal};
use super::crypto::random_bytes;
use super::error::{validated, KmsError};
use super::grants::check_grant_tokens;
use super::keys::required_key_id;
use super::model::{Blob, EncryptionContext};
use super::oaep::{check_rsa_request, is_rsa_encryption_key, rsa_decrypt, rsa_encrypt};
use super::store::{material_id, KeySnapshot};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;
use serde::{Deserialize, Serialize};

/// The encryption algorithms of the model (`EncryptionAlgorithmSpec`).
const ENCRYPTION_ALGORITHMS: &[&str] = &[
    "SYMMETRIC_DEFAULT",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "SM2PKE",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyInput {
    pub key_id: Option<String>,
    pub encryption_context: Option<EncryptionContext>,
    pub number_of_bytes: Option<i64>,
    pub key_spec: Option<String>,
    pub grant_tokens: Option<Vec<String>>,
    /// A Nitro enclave attestation (not supported: refused when present).
    pub recipient: Option<serde_json::Value>,
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyOutput {
    pub ciphertext_blob: Blob,
    pub plaintext: Blob,
    pub key_id: String,
    pub key_material_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyWithoutPlaintextOutput {
    pub ciphertext_blob: Blob,
    pub key_id: String,
    pub key_material_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateRandomInput {
    pub number_of_bytes: Option<i64>,
    pub custom_key_store_id: Option<String>,
    pub recipient: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateRandomOutput {
    pub plaintext: Blob,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReEncryptInput {
    pub ciphertext_blob: Option<Blob>,
    pub source_encryption_context: Option<EncryptionContext>,
    pub source_key_id: Option<String>,
    pub destination_key_id: Option<String>,
    pub destination_encryption_context: Option<EncryptionContext>,
    pub source_encryption_algorithm: Option<String>,
    pub destination_encryption_algorithm: Option<String>,
    pub grant_tokens: Option<Vec<String>>,
    pub dry_run: Option<bool>,
    pub dry_run_modifiers: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReEncryptOutput {
    pub ciphertext_blob: Blob,
    pub source_key_id: String,
    pub key_id: String,
    pub source_encryption_algorithm: &'static str,
    pub destination_encryption_algorithm: &'static str,
    /// Only for symmetric keys, as Decrypt's `KeyMaterialId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key_material_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_key_material_id: Option<String>,
}

/// Refuses a Nitro enclave `Recipient`, which the emulator cannot attest.
pub(crate) fn refuse_recipient(recipient: &Option<serde_json::Value>) -> Result<(), KmsError> {
    if recipient.is_some() {
        return Err(KmsError::UnsupportedOperationException(
            "The Recipient parameter (Nitro enclave attestation) is not supported by this emulator.".to_owned(),
        ));
    }
    Ok(())
}

/// The length in bytes of a data key: exactly one of `KeySpec` (AES_256, AES_128) and
/// `NumberOfBytes` (1–1024).
pub(crate) fn data_key_length(
    key_spec: Option<&str>,
    number_of_bytes: Option<i64>,
) -> Result<usize, KmsError> {
    let mut v = Validator::new();
    v.range("numberOfBytes", number_of_bytes, 1, 1024);
    v.one_of("keySpec", key_spec, &["AES_256", "AES_128"]);
    validated(v.finish())?;
    match (key_spec, number_of_bytes) {
        (Some("AES_256"), None) => Ok(32),
        (Some(_), None) => Ok(16),
        (None, Some(n)) => Ok(n as usize),
        _ => Err(KmsError::ValidationException(
            "Please specify either number of bytes or key spec.".to_owned(),
        )),
    }
}

/// The id of the material a key encrypts with now.
fn current_material(key: &KeySnapshot) -> String {
    material_id(&key.id, key.materials.len())
}

/// The shared part of both GenerateDataKey operations: a random data key encrypted under
/// the key as `action`. Returns the key, the plaintext and the ciphertext.
fn generate(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GenerateDataKeyInput,
    action: &str,
) -> Result<(KeySnapshot, Vec<u8>, Vec<u8>), KmsError> {
    let key_id = required_key_id(&input.key_id)?;
    let mut v = Validator::new();
    check_grant_tokens(&mut v, &input.grant_tokens);
    validated(v.finish())?;
    let length = data_key_length(input.key_spec.as_deref(), input.number_of_bytes)?;
    refuse_recipient(&input.recipient)?;
    let key = state
        .region(&ctx.region)
        .kms
        .snapshot(&key_id, &ctx.region, &ctx.account)?;
    let context = input.encryption_context.unwrap_or_default();
    if input.dry_run == Some(true) {
        authorize(state, ctx, &key, action, Some(&context), Via::Direct)?;
        key.check_usable()?;
        super::cipher::refuse_unless_encryption_key(&key, action)?;
        dry_run(input.dry_run)?;
    }
    let plaintext = random_bytes(length);
    let blob = seal(state, ctx, &key, action, &plaintext, &context, Via::Direct)?;
    Ok((key, plaintext, blob))
}

/// GenerateDataKey: a data key, in plaintext and encrypted under the key.
pub fn generate_data_key(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GenerateDataKeyInput,
) -> Result<GenerateDataKeyOutput, KmsError> {
    let (key, plaintext, blob) = generate(state, ctx, input, "kms:GenerateDataKey")?;
    Ok(GenerateDataKeyOutput {
        ciphertext_blob: Blob(blob),
        plaintext: Blob(plaintext),
        key_material_id: current_material(&key),
        key_id: key.arn,
    })
}

/// GenerateDataKeyWithoutPlaintext: a data key encrypted under the key only.
pub fn generate_data_key_without_plaintext(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GenerateDataKeyInput,
) -> Result<GenerateDataKeyWithoutPlaintextOutput, KmsError> {
    let (key, _plaintext, blob) =
        generate(state, ctx, input, "kms:GenerateDataKeyWithoutPlaintext")?;
    Ok(GenerateDataKeyWithoutPlaintextOutput {
        ciphertext_blob: Blob(blob),
        key_material_id: current_material(&key),
        key_id: key.arn,
    })
}

/// GenerateRandom: 1–1024 random bytes (IAM alone decides).
pub fn generate_random(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GenerateRandomInput,
) -> Result<GenerateRandomOutput, KmsError> {
    let mut v = Validator::new();
    v.required("numberOfBytes", &input.number_of_bytes);
    v.range("numberOfBytes", input.number_of_bytes, 1, 1024);
    v.opt_length("customKeyStoreId", &input.custom_key_store_id, 1, 64);
    validated(v.finish())?;
    authorize_iam(state, ctx, "kms:GenerateRandom", "*")?;
    refuse_recipient(&input.recipient)?;
    if let Some(store) = &input.custom_key_store_id {
        return Err(KmsError::CustomKeyStoreNotFoundException(format!(
            "Custom key store {store} does not exist: this emulator has no custom key stores."
        )));
    }
    let length = input.number_of_bytes.unwrap_or(0) as usize;
    Ok(GenerateRandomOutput {
        plaintext: Blob(random_bytes(length)),
    })
}

/// ReEncrypt: decrypts under the key the ciphertext names (`kms:ReEncryptFrom`) and
/// encrypts under the destination key (`kms:ReEncryptTo`), without revealing the
/// plaintext.
pub fn re_encrypt(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: ReEncryptInput,
) -> Result<ReEncryptOutput, KmsError> {
    let ignore_ciphertext = input.dry_run == Some(true)
        && input
            .dry_run_modifiers
            .as_ref()
            .is_some_and(|m| m.iter().any(|m| m == "IGNORE_CIPHERTEXT"));
    let mut v = Validator::new();
    if let Some(blob) = &input.ciphertext_blob {
        if blob.0.is_empty() || blob.0.len() > 6144 {
            v.violation(
                "ciphertextBlob",
                "'java.nio.HeapByteBuffer'",
                if blob.0.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 6144"
                },
            );
        }
    } else if !ignore_ciphertext {
        v.required("ciphertextBlob", &input.ciphertext_blob);
    }
    v.opt_length("sourceKeyId", &input.source_key_id, 1, 2048);
    if let Some(destination) = v.required("destinationKeyId", &input.destination_key_id) {
        v.length("destinationKeyId", destination, 1, 2048);
    }
    v.one_of(
        "sourceEncryptionAlgorithm",
        input.source_encryption_algorithm.as_deref(),
        ENCRYPTION_ALGORITHMS,
    );
    v.one_of(
        "destinationEncryptionAlgorithm",
        input.destination_encryption_algorithm.as_deref(),
        ENCRYPTION_ALGORITHMS,
    );
    if let Some(modifiers) = &input.dry_run_modifiers {
        for (i, m) in modifiers.iter().enumerate() {
            v.one_of(
                &format!("dryRunModifiers.{}.member", i + 1),
                Some(m),
                &["IGNORE_CIPHERTEXT"],
            );
        }
    }
    check_grant_tokens(&mut v, &input.grant_tokens);
    validated(v.finish())?;
    let region = state.region(&ctx.region);
    let destination_id = input.destination_key_id.clone().unwrap_or_default();
    let source_context = input.source_encryption_context.unwrap_or_default();
    let destination_context = input.destination_encryption_context.unwrap_or_default();
    let source_algorithm = input.source_encryption_algorithm.as_deref();
    let destination_algorithm = input.destination_encryption_algorithm.as_deref();
    // An RSA ciphertext does not name its key: a SourceKeyId that names an RSA encryption
    // key decides that the ciphertext is one (as for Decrypt).
    let rsa_source = match &input.source_key_id {
        Some(id) => {
            let key = region.kms.snapshot(id, &ctx.region, &ctx.account)?;
            is_rsa_encryption_key(&key).then_some(key)
        }
        None => None,
    };
    if rsa_source.is_none() {
        check_algorithm(&input.source_encryption_algorithm)?;
    }
    // What a dry run checks, once the source key is known: both keys' permissions and
    // states; a dry run then ends with DryRunOperationException.
    let check_dry_run = |source: &KeySnapshot, destination: &KeySnapshot| {
        if is_rsa_encryption_key(source) {
            check_rsa_request(state, ctx, source, "kms:ReEncryptFrom", source_algorithm)?;
        } else {
            authorize(
                state,
                ctx,
                source,
                "kms:ReEncryptFrom",
                Some(&source_context),
                Via::Direct,
            )?;
            source.check_usable()?;
        }
        if is_rsa_encryption_key(destination) {
            check_rsa_request(
                state,
                ctx,
                destination,
                "kms:ReEncryptTo",
                destination_algorithm,
            )?;
        } else {
            authorize(
                state,
                ctx,
                destination,
                "kms:ReEncryptTo",
                Some(&destination_context),
                Via::Direct,
            )?;
            destination.check_usable()?;
        }
        dry_run(input.dry_run)
    };
    let destination = region
        .kms
        .snapshot(&destination_id, &ctx.region, &ctx.account)?;
    if !is_rsa_encryption_key(&destination) {
        check_algorithm(&input.destination_encryption_algorithm)?;
    }
    if ignore_ciphertext {
        let Some(source_id) = &input.source_key_id else {
            return Err(KmsError::ValidationException(
                "SourceKeyId is required when DryRunModifiers is IGNORE_CIPHERTEXT.".to_owned(),
            ));
        };
        let source = region.kms.snapshot(source_id, &ctx.region, &ctx.account)?;
        check_dry_run(&source, &destination)?;
    }
    let blob = input.ciphertext_blob.unwrap_or_default();
    let (source, plaintext, source_algorithm, source_material) = match rsa_source {
        Some(source) => {
            if input.dry_run == Some(true) {
                check_dry_run(&source, &destination)?;
            }
            let algorithm =
                check_rsa_request(state, ctx, &source, "kms:ReEncryptFrom", source_algorithm)?;
            let plaintext = rsa_decrypt(&source, algorithm, &blob.0)?;
            (source, Blob(plaintext), algorithm, None)
        }
        None => {
            let (source, info) = key_of_blob(state, ctx, &blob.0, input.source_key_id.as_deref())?;
            if input.dry_run == Some(true) {
                check_dry_run(&source, &destination)?;
            }
            let plaintext = Blob(open(
                state,
                ctx,
                &source,
                "kms:ReEncryptFrom",
                &blob.0,
                info,
                &source_context,
                Via::Direct,
            )?);
            let material = material_id(&source.id, info.material_version as usize);
            (source, plaintext, "SYMMETRIC_DEFAULT", Some(material))
        }
    };
    let (sealed, destination_algorithm, destination_material) =
        if is_rsa_encryption_key(&destination) {
            let algorithm = check_rsa_request(
                state,
                ctx,
                &destination,
                "kms:ReEncryptTo",
                destination_algorithm,
            )?;
            let sealed = rsa_encrypt(&destination, algorithm, &plaintext.0)?;
            (sealed, algorithm, None)
        } else {
            let sealed = seal(
                state,
                ctx,
                &destination,
                "kms:ReEncryptTo",
                &plaintext.0,
                &destination_context,
                Via::Direct,
            )?;
            (
                sealed,
                "SYMMETRIC_DEFAULT",
                Some(current_material(&destination)),
            )
        };
    Ok(ReEncryptOutput {
        ciphertext_blob: Blob(sealed),
        source_key_material_id: source_material,
        destination_key_material_id: destination_material,
        source_key_id: source.arn,
        key_id: destination.arn,
        source_encryption_algorithm: source_algorithm,
        destination_encryption_algorithm: destination_algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;
    use crate::kms::model::{DecryptInput, EncryptInput};

    fn data_key_input(key: &str, spec: Option<&str>, bytes: Option<i64>) -> GenerateDataKeyInput {
        GenerateDataKeyInput {
            key_id: Some(key.to_owned()),
            encryption_context: Some([("purpose".to_owned(), "test".to_owned())].into()),
            number_of_bytes: bytes,
            key_spec: spec.map(str::to_owned),
            grant_tokens: None,
            recipient: None,
            dry_run: None,
        }
    }

    fn decrypt(
        state: &EmulatorState,
        ctx: &RequestContext,
        blob: Vec<u8>,
        context: EncryptionContext,
    ) -> Result<Vec<u8>, KmsError> {
        crate::kms::cipher::decrypt(
            state,
            ctx,
            DecryptInput {
                ciphertext_blob: Some(Blob(blob)),
                encryption_context: Some(context),
                grant_tokens: None,
                key_id: None,
                encryption_algorithm: None,
                dry_run: None,
            },
        )
        .map(|out| out.plaintext.0)
    }

    #[test]
    fn data_key_length_needs_exactly_one_of_spec_and_bytes() {
        assert_eq!(data_key_length(Some("AES_256"), None).unwrap(), 32);
        assert_eq!(data_key_length(Some("AES_128"), None).unwrap(), 16);
        assert_eq!(data_key_length(None, Some(1024)).unwrap(), 1024);
        for (spec, bytes) in [
            (None, None),
            (Some("AES_256"), Some(32)),
            (None, Some(0)),
            (None, Some(1025)),
            (Some("AES_512"), None),
        ] {
            assert!(
                matches!(
                    data_key_length(spec, bytes),
                    Err(KmsError::ValidationException(_))
                ),
                "{spec:?} {bytes:?}"
            );
        }
    }

    #[test]
    fn data_key_plaintext_is_what_its_ciphertext_decrypts_to() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let out =
            generate_data_key(&state, &ctx, data_key_input(&key, Some("AES_256"), None)).unwrap();
        assert_eq!(out.plaintext.0.len(), 32);
        assert_eq!(out.key_material_id, material_id(&key, 1));
        let context: EncryptionContext = [("purpose".to_owned(), "test".to_owned())].into();
        assert_eq!(
            decrypt(&state, &ctx, out.ciphertext_blob.0.clone(), context).unwrap(),
            out.plaintext.0
        );
        assert!(!format!("{out:?}").contains(&format!("{:?}", out.plaintext.0)));
        let without =
            generate_data_key_without_plaintext(&state, &ctx, data_key_input(&key, None, Some(7)))
                .unwrap();
        let context: EncryptionContext = [("purpose".to_owned(), "test".to_owned())].into();
        assert_eq!(
            decrypt(&state, &ctx, without.ciphertext_blob.0, context)
                .unwrap()
                .len(),
            7
        );
    }

    #[test]
    fn random_bytes_have_the_asked_length() {
        let (state, ctx) = (state(), root());
        for n in [1, 1024] {
            let out = generate_random(
                &state,
                &ctx,
                GenerateRandomInput {
                    number_of_bytes: Some(n),
                    custom_key_store_id: None,
                    recipient: None,
                },
            )
            .unwrap();
            assert_eq!(out.plaintext.0.len(), n as usize);
        }
        for bad in [None, Some(0), Some(1025)] {
            assert!(matches!(
                generate_random(
                    &state,
                    &ctx,
                    GenerateRandomInput {
                        number_of_bytes: bad,
                        custom_key_store_id: None,
                        recipient: None
                    }
                ),
                Err(KmsError::ValidationException(_))
            ));
        }
    }

    #[test]
    fn re_encryption_moves_a_ciphertext_between_keys() {
        let (state, ctx) = (state(), root());
        let (a, b) = (key(&state, &ctx), key(&state, &ctx));
        let encrypted = crate::kms::cipher::encrypt(
            &state,
            &ctx,
            EncryptInput {
                key_id: Some(a.clone()),
                plaintext: Some(Blob(b"secret".to_vec())),
                encryption_context: Some([("a".to_owned(), "1".to_owned())].into()),
                grant_tokens: None,
                encryption_algorithm: None,
                dry_run: None,
            },
        )
        .unwrap();
        let input = |source_key: Option<&str>| ReEncryptInput {
            ciphertext_blob: Some(encrypted.ciphertext_blob.clone()),
            source_encryption_context: Some([("a".to_owned(), "1".to_owned())].into()),
            source_key_id: source_key.map(str::to_owned),
            destination_key_id: Some(b.clone()),
            destination_encryption_context: Some([("b".to_owned(), "2".to_owned())].into()),
            source_encryption_algorithm: None,
            destination_encryption_algorithm: None,
            grant_tokens: None,
            dry_run: None,
            dry_run_modifiers: None,
        };
        assert!(matches!(
            re_encrypt(&state, &ctx, input(Some(&b))),
            Err(KmsError::IncorrectKeyException(_))
        ));
        let out = re_encrypt(&state, &ctx, input(Some(&a))).unwrap();
        assert!(out.source_key_id.ends_with(&a));
        assert!(out.key_id.ends_with(&b));
        assert_eq!(out.source_key_material_id, Some(material_id(&a, 1)));
        let plaintext = decrypt(
            &state,
            &ctx,
            out.ciphertext_blob.0,
            [("b".to_owned(), "2".to_owned())].into(),
        )
        .unwrap();
        assert_eq!(plaintext, b"secret");
        let mut dry = input(None);
        dry.dry_run = Some(true);
        assert!(matches!(
            re_encrypt(&state, &ctx, dry),
            Err(KmsError::DryRunOperationException(_))
        ));
    }
}
