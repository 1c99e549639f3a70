//! KMS asymmetric cryptography beyond signing, through the official aws-sdk-kms client,
//! each result checked with the `openssl` command (an implementation independent of the
//! emulator's): RSA encryption keys (Encrypt, Decrypt, ReEncrypt with RSAES_OAEP_SHA_1
//! and RSAES_OAEP_SHA_256), data key pairs (GenerateDataKeyPair and its
//! WithoutPlaintext form), and key agreement keys (DeriveSharedSecret with ECDH).

use crate::common::{config_as, error_of, unique};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{EncryptionAlgorithmSpec, KeySpec, KeyUsageType};
use aws_sdk_kms::Client;
use std::path::{Path, PathBuf};

async fn kms() -> Client {
    Client::new(&config_as("test", "test", None).await)
}

/// Runs `openssl` in `dir` and returns its standard output; the test fails if it fails.
fn openssl(args: &[&str], dir: &Path) -> String {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command is needed for the interoperability checks");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A scratch directory of this test's own.
fn scratch(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(prefix));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a DER SubjectPublicKeyInfo as `name` (PEM) in `dir`, through openssl.
fn public_pem(der: &[u8], name: &str, dir: &Path) {
    std::fs::write(dir.join("pub.der"), der).unwrap();
    openssl(
        &[
            "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", name,
        ],
        dir,
    );
}

async fn create(client: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    client
        .create_key()
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned()
}

/// An RSA encryption key: data that openssl encrypts with the public key from
/// GetPublicKey decrypts through Decrypt, for both OAEP algorithms; Encrypt's
/// ciphertext is as long as the modulus and decrypts through Decrypt; ReEncrypt moves a
/// ciphertext to and from a symmetric key; and the errors of the API reference.
#[tokio::test]
async fn rsa_encryption_keys_interoperate_with_openssl() {
    let client = kms().await;
    let created = client
        .create_key()
        .key_spec(KeySpec::Rsa2048)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    let key = metadata.key_id().to_owned();
    assert_eq!(metadata.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(
        metadata.encryption_algorithms(),
        [
            EncryptionAlgorithmSpec::RsaesOaepSha1,
            EncryptionAlgorithmSpec::RsaesOaepSha256
        ]
    );
    assert!(metadata.signing_algorithms().is_empty());
    let public = client.get_public_key().key_id(&key).send().await.unwrap();
    assert_eq!(public.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(public.encryption_algorithms().len(), 2);
    let dir = scratch("kms-oaep-");
    public_pem(public.public_key().unwrap().as_ref(), "pub.pem", &dir);
    let message = b"wrapped data key 0123456789abcdef";
    std::fs::write(dir.join("msg"), message).unwrap();
    for (algorithm, hash) in [
        (EncryptionAlgorithmSpec::RsaesOaepSha1, "sha1"),
        (EncryptionAlgorithmSpec::RsaesOaepSha256, "sha256"),
    ] {
        // Encrypted outside KMS with the public key (OAEP and MGF1 of the same hash).
        let md = format!("rsa_oaep_md:{hash}");
        let mgf = format!("rsa_mgf1_md:{hash}");
        openssl(
            &[
                "pkeyutl",
                "-encrypt",
                "-pubin",
                "-inkey",
                "pub.pem",
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                &md,
                "-pkeyopt",
                &mgf,
                "-in",
                "msg",
                "-out",
                "ct",
            ],
            &dir,
        );
        let outside = std::fs::read(dir.join("ct")).unwrap();
        let decrypted = client
            .decrypt()
            .key_id(&key)
            .encryption_algorithm(algorithm.clone())
            .ciphertext_blob(Blob::new(outside.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(decrypted.plaintext().unwrap().as_ref(), message);
        assert_eq!(decrypted.encryption_algorithm(), Some(&algorithm));
        assert!(decrypted.key_id().unwrap().ends_with(&key));
        // Encrypt's ciphertext: bare OAEP, as long as the 2048-bit modulus.
        let sealed = client
            .encrypt()
            .key_id(&key)
            .encryption_algorithm(algorithm.clone())
            .plaintext(Blob::new(message.to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(sealed.encryption_algorithm(), Some(&algorithm));
        let blob = sealed.ciphertext_blob().unwrap().as_ref().to_vec();
        assert_eq!(blob.len(), 256);
        let back = client
            .decrypt()
            .key_id(&key)
            .encryption_algorithm(algorithm.clone())
            .ciphertext_blob(Blob::new(blob))
            .send()
            .await
            .unwrap();
        assert_eq!(back.plaintext().unwrap().as_ref(), message);
    }
    // The limits of the API reference: 190 bytes with SHA-256 for RSA_2048, 214 with SHA-1.
    for (algorithm, limit) in [
        (EncryptionAlgorithmSpec::RsaesOaepSha256, 190),
        (EncryptionAlgorithmSpec::RsaesOaepSha1, 214),
    ] {
        let at_limit = client
            .encrypt()
            .key_id(&key)
            .encryption_algorithm(algorithm.clone())
            .plaintext(Blob::new(vec![1u8; limit]))
            .send()
            .await;
        assert!(at_limit.is_ok(), "{algorithm:?}");
        let over = client
            .encrypt()
            .key_id(&key)
            .encryption_algorithm(algorithm.clone())
            .plaintext(Blob::new(vec![1u8; limit + 1]))
            .send()
            .await;
        let (code, message) = error_of(over);
        assert_eq!(code, "ValidationException");
        assert!(
            message.contains(&format!("larger than {limit} bytes")),
            "{message}"
        );
    }
    // No algorithm: KMS assumes SYMMETRIC_DEFAULT, which an RSA key refuses.
    let without = client
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await;
    let (code, message) = error_of(without);
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(
        message,
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."
    );
    // A ciphertext decrypted with the other algorithm, or without naming the key.
    let sha1 = client
        .encrypt()
        .key_id(&key)
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha1)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    let wrong = client
        .decrypt()
        .key_id(&key)
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .ciphertext_blob(sha1.clone())
        .send()
        .await;
    assert_eq!(error_of(wrong).0, "IncorrectKeyException");
    let unnamed = client
        .decrypt()
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha1)
        .ciphertext_blob(sha1.clone())
        .send()
        .await;
    assert_eq!(error_of(unnamed).0, "InvalidCiphertextException");
    // An RSA key makes no data keys and no signatures.
    let data_key = client
        .generate_data_key()
        .key_id(&key)
        .number_of_bytes(32)
        .send()
        .await;
    assert_eq!(error_of(data_key).0, "InvalidKeyUsageException");
    let sign = client
        .sign()
        .key_id(&key)
        .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::RsassaPssSha256)
        .message(Blob::new(b"m".to_vec()))
        .send()
        .await;
    assert_eq!(error_of(sign).0, "InvalidKeyUsageException");
    // ReEncrypt from the RSA key to a symmetric key and back.
    let symmetric = client
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let moved = client
        .re_encrypt()
        .ciphertext_blob(sha1)
        .source_key_id(&key)
        .source_encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha1)
        .destination_key_id(&symmetric)
        .send()
        .await
        .unwrap();
    assert_eq!(
        moved.source_encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::RsaesOaepSha1)
    );
    assert_eq!(
        moved.destination_encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::SymmetricDefault)
    );
    let returned = client
        .re_encrypt()
        .ciphertext_blob(moved.ciphertext_blob.unwrap())
        .destination_key_id(&key)
        .destination_encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .send()
        .await
        .unwrap();
    let last = returned.ciphertext_blob.unwrap();
    assert_eq!(last.as_ref().len(), 256);
    let plain = client
        .decrypt()
        .key_id(&key)
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .ciphertext_blob(last)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"x");
    // Each RSA size has its modulus.
    for (spec, len) in [(KeySpec::Rsa3072, 384), (KeySpec::Rsa4096, 512)] {
        let big = create(&client, spec.clone(), KeyUsageType::EncryptDecrypt).await;
        let sealed = client
            .encrypt()
            .key_id(&big)
            .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
            .plaintext(Blob::new(b"y".to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            sealed.ciphertext_blob().unwrap().as_ref().len(),
            len,
            "{spec:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// GenerateDataKeyPair for every pair spec: openssl signs with the plaintext private key
/// (DER PKCS #8) and verifies with the public key (DER SubjectPublicKeyInfo), so the two
/// are a pair; the encrypted private key decrypts through Decrypt, with the same
/// encryption context, to the same bytes, and not with another context. The
/// WithoutPlaintext form gives a public key whose private key Decrypt returns.
#[tokio::test]
async fn data_key_pairs_are_pairs_for_openssl() {
    use aws_sdk_kms::types::DataKeyPairSpec;
    let client = kms().await;
    let key = client
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let dir = scratch("kms-pairs-");
    std::fs::write(dir.join("msg"), b"release 1.2.3").unwrap();
    let sign_and_verify = |private_der: &[u8], public_der: &[u8], what: &str| {
        std::fs::write(dir.join("priv.der"), private_der).unwrap();
        openssl(
            &[
                "pkey", "-inform", "DER", "-in", "priv.der", "-out", "priv.pem",
            ],
            &dir,
        );
        public_pem(public_der, "pub.pem", &dir);
        openssl(
            &["dgst", "-sha256", "-sign", "priv.pem", "-out", "sig", "msg"],
            &dir,
        );
        let verified = openssl(
            &[
                "dgst",
                "-sha256",
                "-verify",
                "pub.pem",
                "-signature",
                "sig",
                "msg",
            ],
            &dir,
        );
        assert!(verified.contains("Verified OK"), "{what}: {verified}");
    };
    for spec in [
        DataKeyPairSpec::EccNistP256,
        DataKeyPairSpec::EccNistP384,
        DataKeyPairSpec::EccNistP521,
        DataKeyPairSpec::EccSecgP256K1,
        DataKeyPairSpec::Rsa2048,
        DataKeyPairSpec::Rsa3072,
        DataKeyPairSpec::Rsa4096,
    ] {
        let out = client
            .generate_data_key_pair()
            .key_id(&key)
            .key_pair_spec(spec.clone())
            .encryption_context("purpose", "pair")
            .send()
            .await
            .unwrap();
        assert_eq!(out.key_pair_spec(), Some(&spec));
        assert!(out.key_id().unwrap().ends_with(&key));
        let private = out.private_key_plaintext().unwrap().as_ref().to_vec();
        let public = out.public_key().unwrap().as_ref().to_vec();
        sign_and_verify(&private, &public, spec.as_str());
        let text = openssl(
            &["pkey", "-pubin", "-in", "pub.pem", "-noout", "-text"],
            &dir,
        );
        let expected = match spec {
            DataKeyPairSpec::EccNistP256 => "prime256v1",
            DataKeyPairSpec::EccNistP384 => "secp384r1",
            DataKeyPairSpec::EccNistP521 => "secp521r1",
            DataKeyPairSpec::EccSecgP256K1 => "secp256k1",
            DataKeyPairSpec::Rsa2048 => "2048 bit",
            DataKeyPairSpec::Rsa3072 => "3072 bit",
            _ => "4096 bit",
        };
        assert!(text.contains(expected), "{spec:?}: {text}");
        let decrypted = client
            .decrypt()
            .ciphertext_blob(out.private_key_ciphertext_blob.clone().unwrap())
            .encryption_context("purpose", "pair")
            .send()
            .await
            .unwrap();
        assert_eq!(decrypted.plaintext().unwrap().as_ref(), private.as_slice());
        let other_context = client
            .decrypt()
            .ciphertext_blob(out.private_key_ciphertext_blob.unwrap())
            .encryption_context("purpose", "other")
            .send()
            .await;
        assert_eq!(error_of(other_context).0, "InvalidCiphertextException");
    }
    let without = client
        .generate_data_key_pair_without_plaintext()
        .key_id(&key)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .unwrap();
    let private = client
        .decrypt()
        .ciphertext_blob(without.private_key_ciphertext_blob.clone().unwrap())
        .send()
        .await
        .unwrap()
        .plaintext
        .unwrap();
    sign_and_verify(
        private.as_ref(),
        without.public_key().unwrap().as_ref(),
        "without plaintext",
    );
    // DryRun, SM2 outside China, and keys that cannot protect a pair.
    let dry = client
        .generate_data_key_pair()
        .key_id(&key)
        .key_pair_spec(DataKeyPairSpec::Rsa2048)
        .dry_run(true)
        .send()
        .await;
    assert_eq!(error_of(dry).0, "DryRunOperationException");
    let sm2 = client
        .generate_data_key_pair()
        .key_id(&key)
        .key_pair_spec(DataKeyPairSpec::Sm2)
        .send()
        .await;
    assert_eq!(error_of(sm2).0, "UnsupportedOperationException");
    let signing = create(&client, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let rsa = create(&client, KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt).await;
    for wrong in [signing, rsa] {
        let refused = client
            .generate_data_key_pair_without_plaintext()
            .key_id(&wrong)
            .key_pair_spec(DataKeyPairSpec::EccNistP256)
            .send()
            .await;
        assert_eq!(error_of(refused).0, "InvalidKeyUsageException");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A key agreement key on each NIST curve: the shared secret DeriveSharedSecret gives
/// for a public key made by openssl equals the one `openssl pkeyutl -derive` computes
/// with that key's private half and the KMS key's public key from GetPublicKey. The
/// errors: another curve, another usage, secp256k1 (which KMS keeps to signing), DryRun
/// and an attestation document.
#[tokio::test]
async fn ecdh_shared_secrets_match_openssl() {
    use aws_sdk_kms::types::{KeyAgreementAlgorithmSpec, RecipientInfo};
    let client = kms().await;
    let dir = scratch("kms-ecdh-");
    let mut keys = Vec::new();
    for (spec, curve, len) in [
        (KeySpec::EccNistP256, "P-256", 32),
        (KeySpec::EccNistP384, "P-384", 48),
        (KeySpec::EccNistP521, "P-521", 66),
    ] {
        let created = client
            .create_key()
            .key_spec(spec.clone())
            .key_usage(KeyUsageType::KeyAgreement)
            .send()
            .await
            .unwrap();
        let metadata = created.key_metadata().unwrap();
        assert_eq!(metadata.key_usage(), Some(&KeyUsageType::KeyAgreement));
        assert_eq!(
            metadata.key_agreement_algorithms(),
            [KeyAgreementAlgorithmSpec::Ecdh]
        );
        let key = metadata.key_id().to_owned();
        let public = client.get_public_key().key_id(&key).send().await.unwrap();
        assert_eq!(
            public.key_agreement_algorithms(),
            [KeyAgreementAlgorithmSpec::Ecdh]
        );
        public_pem(public.public_key().unwrap().as_ref(), "kms.pem", &dir);
        let paramgen = format!("ec_paramgen_curve:{curve}");
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                &paramgen,
                "-out",
                "mine.pem",
            ],
            &dir,
        );
        openssl(
            &[
                "pkey", "-in", "mine.pem", "-pubout", "-outform", "DER", "-out", "mine.der",
            ],
            &dir,
        );
        openssl(
            &[
                "pkeyutl", "-derive", "-inkey", "mine.pem", "-peerkey", "kms.pem", "-out", "secret",
            ],
            &dir,
        );
        let expected = std::fs::read(dir.join("secret")).unwrap();
        assert_eq!(expected.len(), len);
        let mine = std::fs::read(dir.join("mine.der")).unwrap();
        let derived = client
            .derive_shared_secret()
            .key_id(&key)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(Blob::new(mine.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            derived.shared_secret().unwrap().as_ref(),
            expected.as_slice(),
            "{spec:?}"
        );
        assert!(derived.key_id().unwrap().ends_with(&key));
        assert_eq!(
            derived.key_agreement_algorithm(),
            Some(&KeyAgreementAlgorithmSpec::Ecdh)
        );
        keys.push((key, mine));
    }
    // A P-384 public key for the P-256 key is refused.
    let refused = client
        .derive_shared_secret()
        .key_id(&keys[0].0)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(keys[1].1.clone()))
        .send()
        .await;
    assert_eq!(error_of(refused).0, "ValidationException");
    let dry = client
        .derive_shared_secret()
        .key_id(&keys[0].0)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(keys[0].1.clone()))
        .dry_run(true)
        .send()
        .await;
    assert_eq!(error_of(dry).0, "DryRunOperationException");
    let attested = client
        .derive_shared_secret()
        .key_id(&keys[0].0)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(keys[0].1.clone()))
        .recipient(
            RecipientInfo::builder()
                .attestation_document(Blob::new(b"not signed by Nitro".to_vec()))
                .key_encryption_algorithm(
                    aws_sdk_kms::types::KeyEncryptionMechanism::RsaesOaepSha256,
                )
                .build(),
        )
        .send()
        .await;
    assert_eq!(error_of(attested).0, "UnsupportedOperationException");
    // A key agreement key does not sign; a signing key does not agree.
    let sign = client
        .sign()
        .key_id(&keys[0].0)
        .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
        .message(Blob::new(b"m".to_vec()))
        .send()
        .await;
    assert_eq!(error_of(sign).0, "InvalidKeyUsageException");
    let signing = create(&client, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let wrong = client
        .derive_shared_secret()
        .key_id(&signing)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(keys[0].1.clone()))
        .send()
        .await;
    assert_eq!(error_of(wrong).0, "InvalidKeyUsageException");
    let secp256k1 = client
        .create_key()
        .key_spec(KeySpec::EccSecgP256K1)
        .key_usage(KeyUsageType::KeyAgreement)
        .send()
        .await;
    assert_eq!(error_of(secp256k1).0, "ValidationException");
    // SM2 is a China Regions key spec.
    let sm2 = client
        .create_key()
        .key_spec(KeySpec::Sm2)
        .key_usage(KeyUsageType::KeyAgreement)
        .send()
        .await;
    assert_eq!(
        error_of(sm2),
        (
            "UnsupportedOperationException".to_owned(),
            "KeySpec SM2 is not supported in this Region".to_owned()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The new operations are authorised as the others are: a key policy's condition on
/// `kms:DataKeyPairSpec` and on `kms:EncryptionAlgorithm` (an RSA key) decides, and a
/// grant for GenerateDataKeyPairWithoutPlaintext or DeriveSharedSecret allows exactly
/// that operation to its grantee.
#[tokio::test]
async fn key_policies_and_grants_decide_the_new_operations() {
    use aws_sdk_kms::types::{DataKeyPairSpec, GrantOperation, KeyAgreementAlgorithmSpec};
    const ACCOUNT: &str = "123456789012";
    let root = kms().await;
    let grantee_arn = format!("arn:aws:iam::{ACCOUNT}:user/kms-grantee");
    let grantee = Client::new(&config_as("AKIAKMSGRANTEE000001", "kms-grantee-secret", None).await);
    let policy = |action: &str, key: &str, value: &str| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                 "Action": "kms:*", "Resource": "*"},
                {"Effect": "Allow", "Principal": {"AWS": grantee_arn.clone()},
                 "Action": action, "Resource": "*",
                 "Condition": {"StringEquals": {key: value}}}
            ]
        })
        .to_string()
    };
    let pairs = root
        .create_key()
        .policy(policy(
            "kms:GenerateDataKeyPair",
            "kms:DataKeyPairSpec",
            "ECC_NIST_P256",
        ))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    grantee
        .generate_data_key_pair()
        .key_id(&pairs)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .expect("the policy allows P-256 pairs");
    let (code, message) = error_of(
        grantee
            .generate_data_key_pair()
            .key_id(&pairs)
            .key_pair_spec(DataKeyPairSpec::EccNistP384)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("kms:GenerateDataKeyPair"), "{message}");
    // A grant for the WithoutPlaintext form allows that form only.
    root.create_grant()
        .key_id(&pairs)
        .grantee_principal(&grantee_arn)
        .operations(GrantOperation::GenerateDataKeyPairWithoutPlaintext)
        .send()
        .await
        .unwrap();
    grantee
        .generate_data_key_pair_without_plaintext()
        .key_id(&pairs)
        .key_pair_spec(DataKeyPairSpec::EccNistP384)
        .send()
        .await
        .expect("the grant allows it");
    // An RSA key whose policy lets the grantee decrypt with RSAES_OAEP_SHA_256 only.
    let rsa = root
        .create_key()
        .key_spec(KeySpec::Rsa2048)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .policy(policy(
            "kms:Decrypt",
            "kms:EncryptionAlgorithm",
            "RSAES_OAEP_SHA_256",
        ))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    for (algorithm, allowed) in [
        (EncryptionAlgorithmSpec::RsaesOaepSha256, true),
        (EncryptionAlgorithmSpec::RsaesOaepSha1, false),
    ] {
        let sealed = root
            .encrypt()
            .key_id(&rsa)
            .encryption_algorithm(algorithm.clone())
            .plaintext(Blob::new(b"s".to_vec()))
            .send()
            .await
            .unwrap()
            .ciphertext_blob
            .unwrap();
        let opened = grantee
            .decrypt()
            .key_id(&rsa)
            .encryption_algorithm(algorithm.clone())
            .ciphertext_blob(sealed)
            .send()
            .await;
        if allowed {
            assert_eq!(opened.unwrap().plaintext.unwrap().as_ref(), b"s");
        } else {
            assert_eq!(error_of(opened).0, "AccessDeniedException");
        }
    }
    // A key agreement key: refused without a grant, allowed with one.
    let agreement = create(&root, KeySpec::EccNistP256, KeyUsageType::KeyAgreement).await;
    let peer = root
        .get_public_key()
        .key_id(&agreement)
        .send()
        .await
        .unwrap()
        .public_key
        .unwrap();
    let derive = || {
        grantee
            .derive_shared_secret()
            .key_id(&agreement)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(peer.clone())
            .send()
    };
    assert_eq!(error_of(derive().await).0, "AccessDeniedException");
    root.create_grant()
        .key_id(&agreement)
        .grantee_principal(&grantee_arn)
        .operations(GrantOperation::DeriveSharedSecret)
        .send()
        .await
        .unwrap();
    assert!(derive().await.unwrap().shared_secret.is_some());
    // A grant for Encrypt does not fit a key agreement key.
    let (code, _) = error_of(
        root.create_grant()
            .key_id(&agreement)
            .grantee_principal(&grantee_arn)
            .operations(GrantOperation::Encrypt)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
}

/// ML-DSA keys: a RAW signature from Sign verifies with the public key from GetPublicKey
/// in AWS-LC (`aws-lc-rs`, an implementation independent of the emulator's RustCrypto
/// `ml-dsa`), for each parameter set; a signature of the 64-byte μ (EXTERNAL_MU, computed
/// here as FIPS 204 defines it) verifies there as a signature of the message itself; Verify
/// accepts both; DIGEST and a μ of another length are refused.
#[tokio::test]
async fn ml_dsa_signatures_verify_with_aws_lc() {
    use aws_lc_rs::signature::{UnparsedPublicKey, ML_DSA_44, ML_DSA_65, ML_DSA_87};
    use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
    use shake::{ExtendableOutput, Shake256, Update, XofReader};
    let client = kms().await;
    let message = b"firmware image 7";
    for (spec, verifier, public_len) in [
        (KeySpec::MlDsa44, &ML_DSA_44, 1312),
        (KeySpec::MlDsa65, &ML_DSA_65, 1952),
        (KeySpec::MlDsa87, &ML_DSA_87, 2592),
    ] {
        let created = client
            .create_key()
            .key_spec(spec.clone())
            .key_usage(KeyUsageType::SignVerify)
            .send()
            .await
            .unwrap();
        let metadata = created.key_metadata().unwrap();
        assert_eq!(
            metadata.signing_algorithms(),
            [SigningAlgorithmSpec::MlDsaShake256]
        );
        let key = metadata.key_id().to_owned();
        let public = client
            .get_public_key()
            .key_id(&key)
            .send()
            .await
            .unwrap()
            .public_key
            .unwrap();
        let public = public.as_ref().to_vec();
        let sign = |message_type: MessageType, message: Vec<u8>| {
            client
                .sign()
                .key_id(&key)
                .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
                .message_type(message_type)
                .message(Blob::new(message))
                .send()
        };
        let raw = sign(MessageType::Raw, message.to_vec())
            .await
            .unwrap()
            .signature
            .unwrap();
        UnparsedPublicKey::new(verifier, &public)
            .verify(message, raw.as_ref())
            .unwrap_or_else(|_| panic!("{spec:?}: AWS-LC rejects the RAW signature"));
        assert!(UnparsedPublicKey::new(verifier, &public)
            .verify(b"firmware image 8", raw.as_ref())
            .is_err());
        // μ = SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M, 64): pure ML-DSA, empty context
        // (FIPS 204, Algorithms 2 and 7); the raw public key ends the SubjectPublicKeyInfo.
        let shake = |parts: &[&[u8]]| {
            let mut hasher = Shake256::default();
            for part in parts {
                hasher.update(part);
            }
            let mut out = [0u8; 64];
            hasher.finalize_xof().read(&mut out);
            out
        };
        let tr = shake(&[&public[public.len() - public_len..]]);
        let mu = shake(&[&tr, &[0, 0], message]);
        let over_mu = sign(MessageType::ExternalMu, mu.to_vec())
            .await
            .unwrap()
            .signature
            .unwrap();
        UnparsedPublicKey::new(verifier, &public)
            .verify(message, over_mu.as_ref())
            .unwrap_or_else(|_| panic!("{spec:?}: AWS-LC rejects the EXTERNAL_MU signature"));
        for (message_type, signed, signature) in [
            (MessageType::Raw, message.to_vec(), raw),
            (MessageType::ExternalMu, mu.to_vec(), over_mu),
        ] {
            let valid = client
                .verify()
                .key_id(&key)
                .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
                .message_type(message_type)
                .message(Blob::new(signed))
                .signature(signature)
                .send()
                .await
                .unwrap()
                .signature_valid();
            assert!(valid, "{spec:?}");
        }
        let digest = sign(MessageType::Digest, vec![1u8; 32]).await;
        assert_eq!(error_of(digest).0, "InvalidKeyUsageException");
        let short_mu = sign(MessageType::ExternalMu, vec![1u8; 32]).await;
        assert_eq!(error_of(short_mu).0, "ValidationException");
    }
}
