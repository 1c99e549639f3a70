//! Data keys and re-encryption: GenerateDataKey, GenerateDataKeyWithoutPlaintext,
//! GenerateRandom and ReEncrypt. Plaintexts travel only in [`Blob`]s, whose debug output
//! never shows their bytes.

use super::access::{authorize, authorize_iam, Via};
use super::cipher::{check_algorithm, dry_run, key_of_blob, open, seal};
use super::crypto::random_bytes;
use super::error::{validated, KmsError};
use super::model::{
    Blob, EncryptionContext, GenerateDataKeyRequest, GenerateDataKeyResponse,
    GenerateDataKeyWithoutPlaintextRequest, GenerateDataKeyWithoutPlaintextResponse,
    GenerateRandomRequest, GenerateRandomResponse, ReEncryptRequest, ReEncryptResponse,
    RecipientInfo,
};
use super::oaep::{check_rsa_request, is_rsa_encryption_key, rsa_decrypt, rsa_encrypt};
use super::services::KmsServices;
use super::store::{material_id, KeySnapshot};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;

/// Refuses a Nitro enclave `Recipient`, which the emulator cannot attest.
pub(crate) fn refuse_recipient(recipient: &Option<RecipientInfo>) -> Result<(), KmsError> {
    if recipient.is_some() {
        return Err(KmsError::UnsupportedOperationException(
            "The Recipient parameter (Nitro enclave attestation) is not supported by this emulator.".to_owned(),
        ));
    }
    Ok(())
}

/// The length in bytes of a data key: exactly one of `KeySpec` (AES_256, AES_128) and
/// `NumberOfBytes` (1–1024; both already held to the model).
pub(crate) fn data_key_length(
    key_spec: Option<&str>,
    number_of_bytes: Option<i32>,
) -> Result<usize, KmsError> {
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

/// What both GenerateDataKey operations ask for, once the request has met the model.
struct DataKeyAsk {
    key_id: Option<String>,
    context: Option<EncryptionContext>,
    length: usize,
    dry_run: Option<bool>,
}

/// Checks either GenerateDataKey request (two generated types, the same members) against
/// the model and the length rule, and takes its [`DataKeyAsk`].
macro_rules! data_key_ask {
    ($input:expr) => {{
        validated($input.check())?;
        DataKeyAsk {
            length: data_key_length($input.key_spec.as_deref(), $input.number_of_bytes)?,
            key_id: $input.key_id,
            context: $input.encryption_context,
            dry_run: $input.dry_run,
        }
    }};
}

/// The shared part of both GenerateDataKey operations: a random data key encrypted under
/// the key as `action`. Returns the key, the plaintext and the ciphertext.
fn generate(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    ask: DataKeyAsk,
    action: &str,
) -> Result<(KeySnapshot, Vec<u8>, Vec<u8>), KmsError> {
    let key = state.keys(&ctx.region).snapshot(
        ask.key_id.as_deref().unwrap_or_default(),
        &ctx.region,
        &ctx.account,
    )?;
    let context = ask.context.unwrap_or_default();
    if ask.dry_run == Some(true) {
        authorize(state, ctx, &key, action, Some(&context), Via::Direct)?;
        key.check_usable()?;
        super::cipher::refuse_unless_encryption_key(&key, action)?;
        dry_run(ask.dry_run)?;
    }
    let plaintext = random_bytes(ask.length);
    let blob = seal(state, ctx, &key, action, &plaintext, &context, Via::Direct)?;
    Ok((key, plaintext, blob))
}

/// GenerateDataKey: a data key, in plaintext and encrypted under the key.
pub fn generate_data_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GenerateDataKeyRequest,
) -> Result<GenerateDataKeyResponse, KmsError> {
    let ask = data_key_ask!(input);
    refuse_recipient(&input.recipient)?;
    let (key, plaintext, blob) = generate(state, ctx, ask, "kms:GenerateDataKey")?;
    Ok(GenerateDataKeyResponse {
        ciphertext_blob: Some(Blob(blob)),
        plaintext: Some(Blob(plaintext)),
        key_material_id: Some(current_material(&key)),
        key_id: Some(key.arn),
        ..Default::default()
    })
}

/// GenerateDataKeyWithoutPlaintext: a data key encrypted under the key only.
pub fn generate_data_key_without_plaintext(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GenerateDataKeyWithoutPlaintextRequest,
) -> Result<GenerateDataKeyWithoutPlaintextResponse, KmsError> {
    let ask = data_key_ask!(input);
    let (key, _plaintext, blob) = generate(state, ctx, ask, "kms:GenerateDataKeyWithoutPlaintext")?;
    Ok(GenerateDataKeyWithoutPlaintextResponse {
        ciphertext_blob: Some(Blob(blob)),
        key_material_id: Some(current_material(&key)),
        key_id: Some(key.arn),
    })
}

/// GenerateRandom: 1–1024 random bytes (IAM alone decides).
pub fn generate_random(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GenerateRandomRequest,
) -> Result<GenerateRandomResponse, KmsError> {
    validated(input.check())?;
    // The model leaves NumberOfBytes optional, but there is no default length to give
    // (AWS's answer to a request without it is not known here): answered as a required
    // member is.
    super::error::required("numberOfBytes", &input.number_of_bytes)?;
    authorize_iam(state, ctx, "kms:GenerateRandom", "*")?;
    refuse_recipient(&input.recipient)?;
    if let Some(store) = &input.custom_key_store_id {
        return Err(KmsError::CustomKeyStoreNotFoundException(format!(
            "Custom key store {store} does not exist: this emulator has no custom key stores."
        )));
    }
    let length = input.number_of_bytes.unwrap_or(0) as usize;
    Ok(GenerateRandomResponse {
        plaintext: Some(Blob(random_bytes(length))),
        ..Default::default()
    })
}

/// ReEncrypt: decrypts under the key the ciphertext names (`kms:ReEncryptFrom`) and
/// encrypts under the destination key (`kms:ReEncryptTo`), without revealing the
/// plaintext.
pub fn re_encrypt(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ReEncryptRequest,
) -> Result<ReEncryptResponse, KmsError> {
    let ignore_ciphertext = input.dry_run == Some(true)
        && input
            .dry_run_modifiers
            .as_ref()
            .is_some_and(|m| m.iter().any(|m| m == "IGNORE_CIPHERTEXT"));
    if ignore_ciphertext && input.ciphertext_blob.is_none() {
        // A dry run that ignores the ciphertext needs none (API reference, ReEncrypt
        // DryRunModifiers): every other member is held to the model.
        let stand_in = ReEncryptRequest {
            ciphertext_blob: Some(Blob(vec![0])),
            ..input.clone()
        };
        validated(stand_in.check())?;
    } else {
        validated(input.check())?;
    }
    let region = state.keys(&ctx.region);
    let destination_id = input.destination_key_id.clone().unwrap_or_default();
    let source_context = input.source_encryption_context.unwrap_or_default();
    let destination_context = input.destination_encryption_context.unwrap_or_default();
    let source_algorithm = input.source_encryption_algorithm.as_deref();
    let destination_algorithm = input.destination_encryption_algorithm.as_deref();
    // An RSA ciphertext does not name its key: a SourceKeyId that names an RSA encryption
    // key decides that the ciphertext is one (as for Decrypt).
    let rsa_source = match &input.source_key_id {
        Some(id) => {
            let key = region.snapshot(id, &ctx.region, &ctx.account)?;
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
    let destination = region.snapshot(&destination_id, &ctx.region, &ctx.account)?;
    if !is_rsa_encryption_key(&destination) {
        check_algorithm(&input.destination_encryption_algorithm)?;
    }
    if ignore_ciphertext {
        let Some(source_id) = &input.source_key_id else {
            return Err(KmsError::ValidationException(
                "SourceKeyId is required when DryRunModifiers is IGNORE_CIPHERTEXT.".to_owned(),
            ));
        };
        let source = region.snapshot(source_id, &ctx.region, &ctx.account)?;
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
    // The material ids only for symmetric keys, as Decrypt's `KeyMaterialId`.
    Ok(ReEncryptResponse {
        ciphertext_blob: Some(Blob(sealed)),
        source_key_material_id: source_material,
        destination_key_material_id: destination_material,
        source_key_id: Some(source.arn),
        key_id: Some(destination.arn),
        source_encryption_algorithm: Some(source_algorithm.to_owned()),
        destination_encryption_algorithm: Some(destination_algorithm.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;
    use crate::kms::model::{DecryptRequest, EncryptRequest};
    use crate::state::EmulatorState;

    /// A GenerateDataKey or GenerateDataKeyWithoutPlaintext request (the same members).
    fn data_key_input<T: serde::de::DeserializeOwned>(
        key: &str,
        spec: Option<&str>,
        bytes: Option<i32>,
    ) -> T {
        serde_json::from_value(serde_json::json!({
            "KeyId": key,
            "EncryptionContext": {"purpose": "test"},
            "NumberOfBytes": bytes,
            "KeySpec": spec,
        }))
        .unwrap()
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
            DecryptRequest {
                ciphertext_blob: Some(Blob(blob)),
                encryption_context: Some(context),
                ..Default::default()
            },
        )
        .map(|out| out.plaintext.unwrap_or_default().0)
    }

    #[test]
    fn data_key_length_needs_exactly_one_of_spec_and_bytes() {
        // The model's constraints first, then the rule.
        let data_key_length = |spec: Option<&str>, bytes: Option<i32>| {
            let input: GenerateDataKeyRequest = data_key_input("k", spec, bytes);
            validated(input.check())?;
            super::data_key_length(spec, bytes)
        };
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
        let plaintext = out.plaintext.clone().unwrap();
        assert_eq!(plaintext.0.len(), 32);
        assert_eq!(out.key_material_id, Some(material_id(&key, 1)));
        let context: EncryptionContext = [("purpose".to_owned(), "test".to_owned())].into();
        assert_eq!(
            decrypt(
                &state,
                &ctx,
                out.ciphertext_blob.clone().unwrap().0,
                context
            )
            .unwrap(),
            plaintext.0
        );
        assert!(!format!("{out:?}").contains(&format!("{:?}", plaintext.0)));
        let without =
            generate_data_key_without_plaintext(&state, &ctx, data_key_input(&key, None, Some(7)))
                .unwrap();
        let context: EncryptionContext = [("purpose".to_owned(), "test".to_owned())].into();
        assert_eq!(
            decrypt(&state, &ctx, without.ciphertext_blob.unwrap().0, context)
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
                GenerateRandomRequest {
                    number_of_bytes: Some(n),
                    ..Default::default()
                },
            )
            .unwrap();
            assert_eq!(out.plaintext.unwrap().0.len(), n as usize);
        }
        for bad in [None, Some(0), Some(1025)] {
            assert!(matches!(
                generate_random(
                    &state,
                    &ctx,
                    GenerateRandomRequest {
                        number_of_bytes: bad,
                        recipient: None,
                        ..Default::default()
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
            EncryptRequest {
                key_id: Some(a.clone()),
                plaintext: Some(Blob(b"secret".to_vec())),
                encryption_context: Some([("a".to_owned(), "1".to_owned())].into()),
                ..Default::default()
            },
        )
        .unwrap();
        let input = |source_key: Option<&str>| ReEncryptRequest {
            ciphertext_blob: encrypted.ciphertext_blob.clone(),
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
        assert!(out.source_key_id.as_deref().unwrap().ends_with(&a));
        assert!(out.key_id.as_deref().unwrap().ends_with(&b));
        assert_eq!(out.source_key_material_id, Some(material_id(&a, 1)));
        let plaintext = decrypt(
            &state,
            &ctx,
            out.ciphertext_blob.unwrap().0,
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
