//! Imported key material through the official aws-sdk-kms client, wrapped by the
//! `openssl` command (an implementation independent of the emulator's): `Origin:
//! EXTERNAL` keys pending import, GetParametersForImport, ImportKeyMaterial with RSAES-OAEP
//! and RSA-AES key wrap, expiry, DeleteImportedKeyMaterial and re-import, their errors;
//! and the custom key stores that are not emulated.

use crate::common::{config_as, error_of, unique};
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, KeySpec, KeyState, KeyUsageType, OriginType,
    WrappingKeySpec,
};
use aws_sdk_kms::Client;
use std::path::{Path, PathBuf};
use std::process::Command;

async fn kms() -> Client {
    Client::new(&config_as("test", "test", None).await)
}

/// A scratch directory of this test run.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("kms-import-"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `openssl` with `args`; panics with its error output if it fails.
fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `input` encrypted with RSAES-OAEP (SHA-256, MGF1 SHA-256, or SHA-1 for both) under
/// the DER public key at `public`, by openssl.
fn oaep(dir: &Path, public: &Path, input: &[u8], sha: &str) -> Vec<u8> {
    let plain = dir.join(unique("plain-"));
    let wrapped = dir.join(unique("wrapped-"));
    std::fs::write(&plain, input).unwrap();
    openssl(&[
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-keyform",
        "DER",
        "-inkey",
        path(public),
        "-in",
        path(&plain),
        "-out",
        path(&wrapped),
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        &format!("rsa_oaep_md:{sha}"),
        "-pkeyopt",
        &format!("rsa_mgf1_md:{sha}"),
    ]);
    std::fs::read(&wrapped).unwrap()
}

/// `material` wrapped as RSA_AES_KEY_WRAP_SHA_256: a fresh AES-256 key under RSA-OAEP,
/// followed by the material under that key with AES key wrap with padding (RFC 5649), as
/// the KMS Developer Guide does it with openssl.
fn rsa_aes_wrap(dir: &Path, public: &Path, material: &[u8]) -> Vec<u8> {
    let aes = dir.join(unique("aes-"));
    openssl(&["rand", "-out", path(&aes), "32"]);
    let aes_key = std::fs::read(&aes).unwrap();
    let hex: String = aes_key.iter().map(|b| format!("{b:02x}")).collect();
    let plain = dir.join(unique("material-"));
    let wrapped = dir.join(unique("material-wrapped-"));
    std::fs::write(&plain, material).unwrap();
    openssl(&[
        "enc",
        "-id-aes256-wrap-pad",
        "-K",
        &hex,
        "-iv",
        "A65959A6",
        "-in",
        path(&plain),
        "-out",
        path(&wrapped),
    ]);
    let mut out = oaep(dir, public, &aes_key, "sha256");
    out.extend(std::fs::read(&wrapped).unwrap());
    out
}

/// Random material from openssl.
fn material(dir: &Path) -> Vec<u8> {
    let file = dir.join(unique("rand-"));
    openssl(&["rand", "-out", path(&file), "32"]);
    std::fs::read(&file).unwrap()
}

/// The wrapping public key (written to a file) and import token of a new
/// GetParametersForImport.
async fn parameters(
    client: &Client,
    dir: &Path,
    id: &str,
    algorithm: AlgorithmSpec,
) -> (PathBuf, Blob) {
    let params = client
        .get_parameters_for_import()
        .key_id(id)
        .wrapping_algorithm(algorithm)
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
        .send()
        .await
        .unwrap();
    let valid_for = params.parameters_valid_to().unwrap().secs()
        - std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
    assert!((86_390..=86_400).contains(&valid_for), "{valid_for}");
    let public = dir.join(unique("wrapping-key-"));
    std::fs::write(&public, params.public_key().unwrap().as_ref()).unwrap();
    (public, params.import_token().unwrap().clone())
}

async fn state_of(client: &Client, id: &str) -> KeyState {
    client
        .describe_key()
        .key_id(id)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_state()
        .unwrap()
        .clone()
}

/// Material wrapped by openssl with RSAES_OAEP_SHA_256 makes an EXTERNAL key usable;
/// after DeleteImportedKeyMaterial the key is PendingImport, and the same material
/// imported again (this time with RSA_AES_KEY_WRAP_SHA_256) decrypts the old ciphertext;
/// other material, a foreign token and bad wrapping are refused with AWS's errors.
#[tokio::test]
async fn material_wrapped_by_openssl_is_imported_deleted_and_imported_again() {
    let client = kms().await;
    let dir = scratch();
    let created = client
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    let id = metadata.key_id().to_owned();
    assert_eq!(metadata.origin(), Some(&OriginType::External));
    assert_eq!(metadata.key_state(), Some(&KeyState::PendingImport));
    assert!(!metadata.enabled());
    let (code, message) = error_of(
        client
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert!(message.ends_with("is pending import."), "{message}");

    let secret = material(&dir);
    let (public, token) = parameters(&client, &dir, &id, AlgorithmSpec::RsaesOaepSha256).await;
    // A token of another key's import is refused.
    let other = client
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap();
    let other = other.key_metadata().unwrap().key_id().to_owned();
    let (_, other_token) = parameters(&client, &dir, &other, AlgorithmSpec::RsaesOaepSha256).await;
    let wrapped = oaep(&dir, &public, &secret, "sha256");
    let (code, _) = error_of(
        client
            .import_key_material()
            .key_id(&id)
            .import_token(other_token)
            .encrypted_key_material(Blob::new(wrapped.clone()))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidImportTokenException");
    // Material wrapped with SHA-1 where SHA-256 was agreed does not unwrap.
    let (code, _) = error_of(
        client
            .import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(Blob::new(oaep(&dir, &public, &secret, "sha1")))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidCiphertextException");
    let imported = client
        .import_key_material()
        .key_id(&id)
        .import_token(token.clone())
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.key_material_id().map(str::len), Some(64));
    let described = client.describe_key().key_id(&id).send().await.unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert!(metadata.valid_to().is_none());

    let sealed = client
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("under imported material"))
        .send()
        .await
        .unwrap();
    let blob = sealed.ciphertext_blob().unwrap().clone();
    let opened = client
        .decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        opened.plaintext().unwrap().as_ref(),
        b"under imported material"
    );

    // Rotation is not offered for imported material here.
    let (code, _) = error_of(client.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");

    client
        .delete_imported_key_material()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(state_of(&client, &id).await, KeyState::PendingImport);
    let (code, _) = error_of(client.decrypt().ciphertext_blob(blob.clone()).send().await);
    assert_eq!(code, "KMSInvalidStateException");

    // Other material is not this key's.
    let (public, token) = parameters(&client, &dir, &id, AlgorithmSpec::RsaAesKeyWrapSha256).await;
    let (code, _) = error_of(
        client
            .import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(Blob::new(rsa_aes_wrap(&dir, &public, &material(&dir))))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "IncorrectKeyMaterialException");
    client
        .import_key_material()
        .key_id(&id)
        .import_token(token)
        .encrypted_key_material(Blob::new(rsa_aes_wrap(&dir, &public, &secret)))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .unwrap();
    let opened = client.decrypt().ciphertext_blob(blob).send().await.unwrap();
    assert_eq!(
        opened.plaintext().unwrap().as_ref(),
        b"under imported material"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Material imported with a ValidTo expires: the key is PendingImport again. ValidTo is
/// required by the default expiration model and refused with the other.
#[tokio::test]
async fn imported_material_expires_at_its_valid_to() {
    let client = kms().await;
    let dir = scratch();
    let created = client
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap();
    let id = created.key_metadata().unwrap().key_id().to_owned();
    let (public, token) = parameters(&client, &dir, &id, AlgorithmSpec::RsaesOaepSha1).await;
    let wrapped = Blob::new(oaep(&dir, &public, &material(&dir), "sha1"));
    let (code, _) = error_of(
        client
            .import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(wrapped.clone())
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (code, _) = error_of(
        client
            .import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(wrapped.clone())
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .valid_to(DateTime::from_secs(now + 3600))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    client
        .import_key_material()
        .key_id(&id)
        .import_token(token)
        .encrypted_key_material(wrapped)
        .expiration_model(ExpirationModelType::KeyMaterialExpires)
        .valid_to(DateTime::from_secs(now + 2))
        .send()
        .await
        .unwrap();
    let described = client.describe_key().key_id(&id).send().await.unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(metadata.valid_to().map(|t| t.secs()), Some(now + 2));
    client
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("x"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(state_of(&client, &id).await, KeyState::PendingImport);
    let (code, _) = error_of(
        client
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    let _ = std::fs::remove_dir_all(dir);
}

/// The import operations are for EXTERNAL keys; custom key stores (AWS CloudHSM,
/// external key stores) are not emulated: a CustomKeyStoreId names no store
/// (CustomKeyStoreNotFoundException), the origins that need one are
/// UnsupportedOperationException, and the custom key store operations answer
/// NotImplementedException.
#[tokio::test]
async fn imports_need_external_keys_and_custom_key_stores_are_not_emulated() {
    let client = kms().await;
    let created = client.create_key().send().await.unwrap();
    let id = created.key_metadata().unwrap().key_id().to_owned();
    let (code, _) = error_of(
        client
            .get_parameters_for_import()
            .key_id(&id)
            .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
            .wrapping_key_spec(WrappingKeySpec::Rsa2048)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    let (code, _) = error_of(
        client
            .delete_imported_key_material()
            .key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    let (code, _) = error_of(
        client
            .create_key()
            .custom_key_store_id("cks-1234567890abcdef0")
            .send()
            .await,
    );
    assert_eq!(code, "CustomKeyStoreNotFoundException");
    let (code, _) = error_of(
        client
            .generate_random()
            .number_of_bytes(16)
            .custom_key_store_id("cks-1234567890abcdef0")
            .send()
            .await,
    );
    assert_eq!(code, "CustomKeyStoreNotFoundException");
    for origin in [OriginType::AwsCloudhsm, OriginType::ExternalKeyStore] {
        let (code, _) = error_of(client.create_key().origin(origin).send().await);
        assert_eq!(code, "UnsupportedOperationException");
    }
    let (code, _) = error_of(client.describe_custom_key_stores().send().await);
    assert_eq!(code, "NotImplementedException");
    // Key specs of the model that are not emulated (SM2 outside China; Ed25519).
    for spec in ["SM2", "ECC_NIST_EDWARDS25519"] {
        let (code, _) = error_of(
            client
                .create_key()
                .key_spec(KeySpec::from(spec))
                .key_usage(KeyUsageType::SignVerify)
                .send()
                .await,
        );
        assert_eq!(code, "UnsupportedOperationException", "{spec}");
    }
}

/// An ECC_NIST_P256 private key made by openssl (PKCS #8 DER, wrapped with
/// RSA_AES_KEY_WRAP_SHA_256) becomes the key's: GetPublicKey answers openssl's public
/// key, and openssl verifies what Sign signs. A key of another curve refuses it.
#[tokio::test]
async fn a_private_key_from_openssl_signs_as_openssl_verifies() {
    let client = kms().await;
    let dir = scratch();
    let pem = dir.join("ec.pem");
    let der = dir.join("ec.der");
    let public_der = dir.join("ec-public.der");
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        path(&pem),
    ]);
    openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        path(&pem),
        "-outform",
        "DER",
        "-out",
        path(&der),
    ]);
    openssl(&[
        "pkey",
        "-in",
        path(&pem),
        "-pubout",
        "-outform",
        "DER",
        "-out",
        path(&public_der),
    ]);
    let private_key = std::fs::read(&der).unwrap();
    let new_key = |spec: KeySpec| {
        let client = client.clone();
        async move {
            client
                .create_key()
                .key_spec(spec)
                .key_usage(KeyUsageType::SignVerify)
                .origin(OriginType::External)
                .send()
                .await
                .unwrap()
                .key_metadata()
                .unwrap()
                .key_id()
                .to_owned()
        }
    };
    let id = new_key(KeySpec::EccNistP256).await;
    let (code, _) = error_of(
        client
            .sign()
            .key_id(&id)
            .message(Blob::new("m"))
            .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    // Not this curve's key.
    let p384 = new_key(KeySpec::EccNistP384).await;
    let (public, token) =
        parameters(&client, &dir, &p384, AlgorithmSpec::RsaAesKeyWrapSha256).await;
    let (code, _) = error_of(
        client
            .import_key_material()
            .key_id(&p384)
            .import_token(token)
            .encrypted_key_material(Blob::new(rsa_aes_wrap(&dir, &public, &private_key)))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "IncorrectKeyMaterialException");

    let (public, token) = parameters(&client, &dir, &id, AlgorithmSpec::RsaAesKeyWrapSha256).await;
    client
        .import_key_material()
        .key_id(&id)
        .import_token(token)
        .encrypted_key_material(Blob::new(rsa_aes_wrap(&dir, &public, &private_key)))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .unwrap();
    let published = client.get_public_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        published.public_key().unwrap().as_ref(),
        std::fs::read(&public_der).unwrap().as_slice()
    );
    let message = dir.join("message");
    std::fs::write(&message, b"signed with imported material").unwrap();
    let signed = client
        .sign()
        .key_id(&id)
        .message(Blob::new("signed with imported material"))
        .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    let signature = dir.join("signature");
    std::fs::write(&signature, signed.signature().unwrap().as_ref()).unwrap();
    openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        path(&public_der),
        "-keyform",
        "DER",
        "-signature",
        path(&signature),
        path(&message),
    ]);
    let _ = std::fs::remove_dir_all(dir);
}
