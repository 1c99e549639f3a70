//! KMS answers as AWS words them, through the official aws-sdk-kms client: HTTP 400 for
//! every client error, invalid and unknown key ids, quoted numbers and left-out
//! sensitive values in validation messages, tag rules, the on-demand rotation quota and
//! the AWS managed aliases ListAliases shows before their keys exist; HMAC keys
//! (GenerateMac, VerifyMac) and the usage rules that keep each key to its purpose.

use crate::common::{config_as, error_of, unique};
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    KeySpec, KeyUsageType, MacAlgorithmSpec, MessageType, SigningAlgorithmSpec, Tag,
};
use aws_sdk_kms::Client;
use std::fmt::Debug;

const ACCOUNT: &str = "123456789012";

async fn kms() -> Client {
    Client::new(&config_as("test", "test", None).await)
}

/// The HTTP status of a failed call.
fn status_of<T: Debug, E: Debug>(result: &Result<T, SdkError<E, HttpResponse>>) -> u16 {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e
            .raw_response()
            .map(|r| r.status().as_u16())
            .expect("a service answer"),
    }
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

async fn new_key(client: &Client) -> (String, String) {
    let created = client.create_key().send().await.unwrap();
    let metadata = created.key_metadata().unwrap();
    (
        metadata.key_id().to_owned(),
        metadata.arn().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn not_found_is_a_400_worded_as_aws_words_it() {
    let client = kms().await;
    // A malformed key id is refused before any lookup.
    let result = client.describe_key().key_id("nope").send().await;
    assert_eq!(status_of(&result), 400);
    assert_eq!(
        error_of(result),
        (
            "NotFoundException".to_owned(),
            "Invalid keyId 'nope'".to_owned()
        )
    );
    // A well-formed id of no key names the key by its ARN.
    let id = "0badc0de-0000-4000-8000-000000000000";
    let result = client
        .encrypt()
        .key_id(id)
        .plaintext(Blob::new("x"))
        .send()
        .await;
    assert_eq!(status_of(&result), 400);
    assert_eq!(
        error_of(result),
        (
            "NotFoundException".to_owned(),
            format!("Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{id}' does not exist")
        )
    );
    // Other client errors that used to carry 409 are 400 too.
    let (key, _) = new_key(&client).await;
    client.disable_key().key_id(&key).send().await.unwrap();
    let result = client
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new("x"))
        .send()
        .await;
    assert_eq!(status_of(&result), 400);
    assert_eq!(error_of(result).0, "DisabledException");
}

#[tokio::test]
async fn validation_quotes_numbers_and_leaves_sensitive_values_out() {
    let client = kms().await;
    let result = client.generate_random().number_of_bytes(0).send().await;
    assert_eq!(status_of(&result), 400);
    assert_eq!(
        error_of(result),
        (
            "ValidationException".to_owned(),
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1".to_owned()
        )
    );
    let (key, _) = new_key(&client).await;
    let result = client
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new(vec![b's'; 4097]))
        .send()
        .await;
    assert_eq!(
        error_of(result).1,
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
    );
}

#[tokio::test]
async fn tags_are_validated_on_create_and_tag() {
    let client = kms().await;
    for tags in [
        vec![tag("AWS:owner", "x")],
        vec![tag("aws:owner", "x")],
        vec![tag("team", "a"), tag("team", "b")],
        (0..51).map(|i| tag(&format!("k{i}"), "v")).collect(),
    ] {
        let result = client
            .create_key()
            .set_tags(Some(tags.clone()))
            .send()
            .await;
        assert_eq!(status_of(&result), 400);
        assert_eq!(error_of(result).0, "TagException", "{tags:?}");
    }
    let (_, message) = error_of(client.create_key().tags(tag("Aws:x", "")).send().await);
    assert_eq!(message, "Tags beginning with aws: are reserved");
    let (key, _) = new_key(&client).await;
    for tags in [
        vec![tag("AwS:owner", "x")],
        vec![tag("team", "a"), tag("team", "b")],
    ] {
        let result = client
            .tag_resource()
            .key_id(&key)
            .set_tags(Some(tags))
            .send()
            .await;
        assert_eq!(error_of(result).0, "TagException");
    }
    // 50 tags are allowed, and case makes two keys different.
    let fifty: Vec<Tag> = (0..49)
        .map(|i| tag(&format!("k{i}"), "v"))
        .chain([tag("K0", "v")])
        .collect();
    client
        .tag_resource()
        .key_id(&key)
        .set_tags(Some(fifty))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn on_demand_rotation_answers_the_arn_and_stops_at_25() {
    let client = kms().await;
    let (key, arn) = new_key(&client).await;
    for _ in 0..25 {
        let rotated = client
            .rotate_key_on_demand()
            .key_id(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(rotated.key_id(), Some(arn.as_str()));
    }
    let result = client.rotate_key_on_demand().key_id(&key).send().await;
    assert_eq!(status_of(&result), 400);
    assert_eq!(error_of(result).0, "LimitExceededException");
}

#[tokio::test]
async fn list_aliases_shows_the_aws_managed_aliases_before_their_keys() {
    let client = kms().await;
    let mut all = Vec::new();
    let mut marker = None;
    loop {
        let page = client
            .list_aliases()
            .set_marker(marker)
            .limit(5)
            .send()
            .await
            .unwrap();
        all.extend(page.aliases().iter().cloned());
        if !page.truncated() {
            break;
        }
        marker = page.next_marker().map(str::to_owned);
    }
    for name in [
        "alias/aws/ebs",
        "alias/aws/s3",
        "alias/aws/lambda",
        "alias/aws/rds",
    ] {
        let entry = all
            .iter()
            .find(|a| a.alias_name() == Some(name))
            .unwrap_or_else(|| panic!("{name} is not listed"));
        // Nothing in the tests uses these services, so their keys do not exist yet.
        assert_eq!(entry.target_key_id(), None, "{name}");
        assert_eq!(
            entry.alias_arn(),
            Some(format!("arn:aws:kms:us-east-1:{ACCOUNT}:{name}").as_str())
        );
        assert!(entry.creation_date().is_none());
    }
    // A key's own aliases leave the predefined ones out.
    let (key, _) = new_key(&client).await;
    let name = unique("alias/fidelity");
    client
        .create_alias()
        .alias_name(&name)
        .target_key_id(&key)
        .send()
        .await
        .unwrap();
    let mine = client.list_aliases().key_id(&key).send().await.unwrap();
    let names: Vec<_> = mine
        .aliases()
        .iter()
        .filter_map(|a| a.alias_name())
        .collect();
    assert_eq!(names, [name.as_str()]);
}

async fn new_hmac_key(client: &Client, spec: KeySpec) -> (String, String) {
    let created = client
        .create_key()
        .key_spec(spec)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    (
        metadata.key_id().to_owned(),
        metadata.arn().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn hmac_keys_generate_and_verify_macs() {
    let client = kms().await;
    for (spec, algorithm, len) in [
        (KeySpec::Hmac224, MacAlgorithmSpec::HmacSha224, 28),
        (KeySpec::Hmac256, MacAlgorithmSpec::HmacSha256, 32),
        (KeySpec::Hmac384, MacAlgorithmSpec::HmacSha384, 48),
        (KeySpec::Hmac512, MacAlgorithmSpec::HmacSha512, 64),
    ] {
        let (key, arn) = new_hmac_key(&client, spec.clone()).await;
        let described = client.describe_key().key_id(&key).send().await.unwrap();
        let metadata = described.key_metadata().unwrap();
        assert_eq!(metadata.key_spec(), Some(&spec));
        assert_eq!(metadata.key_usage(), Some(&KeyUsageType::GenerateVerifyMac));
        assert_eq!(metadata.mac_algorithms(), std::slice::from_ref(&algorithm));
        assert!(metadata.encryption_algorithms().is_empty());

        let message = Blob::new("POST /webhook {\"id\":1}");
        let generate = || {
            client
                .generate_mac()
                .key_id(&key)
                .mac_algorithm(algorithm.clone())
                .message(message.clone())
        };
        let first = generate().send().await.unwrap();
        let second = generate().send().await.unwrap();
        assert_eq!(first.key_id(), Some(arn.as_str()));
        assert_eq!(first.mac_algorithm(), Some(&algorithm));
        let mac = first.mac().unwrap().clone();
        assert_eq!(mac.as_ref().len(), len, "{spec:?}");
        // HMAC is deterministic: the same key and message give the same MAC.
        assert_eq!(second.mac(), Some(&mac));
        let verified = client
            .verify_mac()
            .key_id(&key)
            .mac_algorithm(algorithm.clone())
            .message(message.clone())
            .mac(mac.clone())
            .send()
            .await
            .unwrap();
        assert!(verified.mac_valid());
        assert_eq!(verified.key_id(), Some(arn.as_str()));
        // A tampered message, or a tampered MAC, does not verify.
        let result = client
            .verify_mac()
            .key_id(&key)
            .mac_algorithm(algorithm.clone())
            .message(Blob::new("POST /webhook {\"id\":2}"))
            .mac(mac.clone())
            .send()
            .await;
        assert_eq!(status_of(&result), 400);
        assert_eq!(error_of(result).0, "KMSInvalidMacException");
        let mut flipped = mac.into_inner();
        flipped[0] ^= 1;
        let result = client
            .verify_mac()
            .key_id(&key)
            .mac_algorithm(algorithm.clone())
            .message(message.clone())
            .mac(Blob::new(flipped))
            .send()
            .await;
        assert_eq!(error_of(result).0, "KMSInvalidMacException");
        // DryRun checks everything and answers DryRunOperationException.
        let result = generate().dry_run(true).send().await;
        assert_eq!(error_of(result).0, "DryRunOperationException");
    }
}

#[tokio::test]
async fn keys_are_used_only_as_their_usage_allows() {
    let client = kms().await;
    let (mac_key, mac_arn) = new_hmac_key(&client, KeySpec::Hmac256).await;
    let (symmetric, _) = new_key(&client).await;
    // An HMAC key does not encrypt, and does not rotate.
    let (code, message) = error_of(
        client
            .encrypt()
            .key_id(&mac_key)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(
        message,
        format!("{mac_arn} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.")
    );
    assert_eq!(
        error_of(
            client
                .generate_data_key()
                .key_id(&mac_key)
                .number_of_bytes(32)
                .send()
                .await
        )
        .0,
        "InvalidKeyUsageException"
    );
    assert_eq!(
        error_of(client.rotate_key_on_demand().key_id(&mac_key).send().await).0,
        "UnsupportedOperationException"
    );
    // A symmetric key makes no MAC; an HMAC key makes only its own algorithm's.
    for (key, algorithm) in [
        (&symmetric, MacAlgorithmSpec::HmacSha256),
        (&mac_key, MacAlgorithmSpec::HmacSha512),
    ] {
        let result = client
            .generate_mac()
            .key_id(key)
            .mac_algorithm(algorithm)
            .message(Blob::new("m"))
            .send()
            .await;
        assert_eq!(error_of(result).0, "InvalidKeyUsageException");
    }
    // An HMAC key needs the GENERATE_VERIFY_MAC usage.
    let result = client.create_key().key_spec(KeySpec::Hmac256).send().await;
    assert_eq!(error_of(result).0, "ValidationException");
}

/// Runs the `openssl` command (an implementation independent of the emulator's) and
/// returns its standard output, failing the test if it fails.
fn openssl(args: &[&str], dir: &std::path::Path) -> String {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command is needed for the interoperability check");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn ecc_p256_signatures_verify_with_openssl() {
    let client = kms().await;
    let created = client
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    let (key, arn) = (
        metadata.key_id().to_owned(),
        metadata.arn().unwrap().to_owned(),
    );
    assert_eq!(
        metadata.signing_algorithms(),
        [SigningAlgorithmSpec::EcdsaSha256]
    );
    assert!(metadata.encryption_algorithms().is_empty());

    let public = client.get_public_key().key_id(&key).send().await.unwrap();
    assert_eq!(public.key_id(), Some(arn.as_str()));
    assert_eq!(public.key_usage(), Some(&KeyUsageType::SignVerify));
    assert_eq!(public.key_spec(), Some(&KeySpec::EccNistP256));
    assert_eq!(
        public.signing_algorithms(),
        [SigningAlgorithmSpec::EcdsaSha256]
    );

    let dir = std::env::temp_dir().join(unique("kms-ecc-"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pub.der"), public.public_key().unwrap().as_ref()).unwrap();
    let message = b"{\"sub\":\"alice\",\"exp\":1900000000}";
    std::fs::write(dir.join("msg"), message).unwrap();
    // The public key is a DER SubjectPublicKeyInfo of a P-256 key.
    openssl(
        &[
            "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem",
        ],
        &dir,
    );
    let text = openssl(
        &["pkey", "-pubin", "-in", "pub.pem", "-noout", "-text"],
        &dir,
    );
    assert!(
        text.contains("P-256") || text.contains("prime256v1"),
        "{text}"
    );

    let sign = |message_type: MessageType, message: Vec<u8>| {
        client
            .sign()
            .key_id(&key)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .message_type(message_type)
            .message(Blob::new(message))
            .send()
    };
    // RAW: KMS hashes the message.
    let raw = sign(MessageType::Raw, message.to_vec()).await.unwrap();
    assert_eq!(raw.key_id(), Some(arn.as_str()));
    std::fs::write(dir.join("raw.sig"), raw.signature().unwrap().as_ref()).unwrap();
    let verified = openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "raw.sig",
            "msg",
        ],
        &dir,
    );
    assert!(verified.contains("Verified OK"), "{verified}");
    // DIGEST: the caller hashed it (here, openssl did).
    openssl(
        &["dgst", "-sha256", "-binary", "-out", "msg.sha256", "msg"],
        &dir,
    );
    let digest = std::fs::read(dir.join("msg.sha256")).unwrap();
    let signed_digest = sign(MessageType::Digest, digest.clone()).await.unwrap();
    std::fs::write(
        dir.join("digest.sig"),
        signed_digest.signature().unwrap().as_ref(),
    )
    .unwrap();
    let verified = openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "digest.sig",
            "msg",
        ],
        &dir,
    );
    assert!(verified.contains("Verified OK"), "{verified}");
    // A signature openssl makes with its own key does not verify under the KMS key, and a
    // KMS signature verifies through Verify only with its message.
    let verify = |message: &[u8], signature: Vec<u8>| {
        client
            .verify()
            .key_id(&key)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .message(Blob::new(message.to_vec()))
            .signature(Blob::new(signature))
            .send()
    };
    let ok = verify(message, raw.signature().unwrap().as_ref().to_vec())
        .await
        .unwrap();
    assert!(ok.signature_valid());
    let result = verify(b"tampered", raw.signature().unwrap().as_ref().to_vec()).await;
    assert_eq!(status_of(&result), 400);
    assert_eq!(error_of(result).0, "KMSInvalidSignatureException");
    openssl(
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "other.pem",
        ],
        &dir,
    );
    openssl(
        &[
            "dgst",
            "-sha256",
            "-sign",
            "other.pem",
            "-out",
            "other.sig",
            "msg",
        ],
        &dir,
    );
    let other = std::fs::read(dir.join("other.sig")).unwrap();
    assert_eq!(
        error_of(verify(message, other).await).0,
        "KMSInvalidSignatureException"
    );
    std::fs::remove_dir_all(&dir).ok();

    // Wrong algorithm, wrong usage, and a symmetric key's missing public key.
    let result = client
        .sign()
        .key_id(&key)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha384)
        .message(Blob::new("m"))
        .send()
        .await;
    assert_eq!(error_of(result).0, "InvalidKeyUsageException");
    let (code, message) = error_of(
        client
            .encrypt()
            .key_id(&key)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(
        message,
        format!("{arn} key usage is SIGN_VERIFY which is not valid for Encrypt.")
    );
    let (symmetric, _) = new_key(&client).await;
    assert_eq!(
        error_of(client.get_public_key().key_id(&symmetric).send().await).0,
        "UnsupportedOperationException"
    );
    let result = client
        .sign()
        .key_id(&symmetric)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .message(Blob::new("m"))
        .send()
        .await;
    assert_eq!(error_of(result).0, "InvalidKeyUsageException");
}

/// The other ECC signing specs: P-384 (ECDSA_SHA_384), P-521 (ECDSA_SHA_512) and
/// secp256k1 (ECDSA_SHA_256), each answered with its one algorithm (KMS Developer Guide,
/// "Key spec reference"); RAW and DIGEST signatures verify with openssl and the public
/// key from GetPublicKey, and through Verify; another algorithm is InvalidKeyUsage.
#[tokio::test]
async fn every_ecc_curve_signs_as_openssl_verifies() {
    let client = kms().await;
    let cases = [
        (
            KeySpec::EccNistP384,
            SigningAlgorithmSpec::EcdsaSha384,
            "sha384",
            ["P-384", "secp384r1"],
        ),
        (
            KeySpec::EccNistP521,
            SigningAlgorithmSpec::EcdsaSha512,
            "sha512",
            ["P-521", "secp521r1"],
        ),
        (
            KeySpec::EccSecgP256K1,
            SigningAlgorithmSpec::EcdsaSha256,
            "sha256",
            ["secp256k1", "secp256k1"],
        ),
    ];
    for (spec, algorithm, hash, curve_names) in cases {
        let created = client
            .create_key()
            .key_spec(spec.clone())
            .key_usage(KeyUsageType::SignVerify)
            .send()
            .await
            .unwrap();
        let metadata = created.key_metadata().unwrap();
        let key = metadata.key_id().to_owned();
        assert_eq!(
            metadata.signing_algorithms(),
            std::slice::from_ref(&algorithm),
            "{spec:?}"
        );
        let public = client.get_public_key().key_id(&key).send().await.unwrap();
        assert_eq!(public.key_spec(), Some(&spec));
        assert_eq!(
            public.signing_algorithms(),
            std::slice::from_ref(&algorithm)
        );
        let dir = std::env::temp_dir().join(unique("kms-ecc-curve-"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pub.der"), public.public_key().unwrap().as_ref()).unwrap();
        let message = b"webhook body";
        std::fs::write(dir.join("msg"), message).unwrap();
        openssl(
            &[
                "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem",
            ],
            &dir,
        );
        let text = openssl(
            &["pkey", "-pubin", "-in", "pub.pem", "-noout", "-text"],
            &dir,
        );
        assert!(
            curve_names.iter().any(|n| text.contains(n)),
            "{spec:?}: {text}"
        );
        let digest_file = format!("msg.{hash}");
        openssl(
            &[
                "dgst",
                &format!("-{hash}"),
                "-binary",
                "-out",
                &digest_file,
                "msg",
            ],
            &dir,
        );
        let digest = std::fs::read(dir.join(&digest_file)).unwrap();
        for (message_type, signed) in [
            (MessageType::Raw, message.to_vec()),
            (MessageType::Digest, digest.clone()),
        ] {
            let signature = client
                .sign()
                .key_id(&key)
                .signing_algorithm(algorithm.clone())
                .message_type(message_type.clone())
                .message(Blob::new(signed.clone()))
                .send()
                .await
                .unwrap()
                .signature
                .unwrap();
            std::fs::write(dir.join("sig"), signature.as_ref()).unwrap();
            let verified = openssl(
                &[
                    "dgst",
                    &format!("-{hash}"),
                    "-verify",
                    "pub.pem",
                    "-signature",
                    "sig",
                    "msg",
                ],
                &dir,
            );
            assert!(
                verified.contains("Verified OK"),
                "{spec:?} {message_type:?}: {verified}"
            );
            let through_kms = client
                .verify()
                .key_id(&key)
                .signing_algorithm(algorithm.clone())
                .message_type(message_type.clone())
                .message(Blob::new(signed))
                .signature(signature)
                .send()
                .await
                .unwrap();
            assert!(through_kms.signature_valid());
        }
        // A digest of another length, and an algorithm of another curve, are refused.
        let short = client
            .sign()
            .key_id(&key)
            .signing_algorithm(algorithm.clone())
            .message_type(MessageType::Digest)
            .message(Blob::new(vec![0u8; 20]))
            .send()
            .await;
        assert_eq!(error_of(short).0, "ValidationException");
        let other = if algorithm == SigningAlgorithmSpec::EcdsaSha384 {
            SigningAlgorithmSpec::EcdsaSha512
        } else {
            SigningAlgorithmSpec::EcdsaSha384
        };
        let wrong = client
            .sign()
            .key_id(&key)
            .signing_algorithm(other)
            .message(Blob::new(message.to_vec()))
            .send()
            .await;
        assert_eq!(error_of(wrong).0, "InvalidKeyUsageException");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// RSA signing keys: every PSS and PKCS #1 v1.5 algorithm (KMS Developer Guide, "Key spec
/// reference"), each signature checked by openssl with the public key from GetPublicKey
/// (PSS with a salt as long as the hash, as KMS signs) and through Verify. An RSA key
/// created without KeyUsage is an encryption key.
#[tokio::test]
async fn rsa_signatures_verify_with_openssl() {
    let client = kms().await;
    let created = client
        .create_key()
        .key_spec(KeySpec::Rsa2048)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    let key = metadata.key_id().to_owned();
    assert_eq!(metadata.signing_algorithms().len(), 6);
    let public = client.get_public_key().key_id(&key).send().await.unwrap();
    assert_eq!(public.key_spec(), Some(&KeySpec::Rsa2048));
    let dir = std::env::temp_dir().join(unique("kms-rsa-"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pub.der"), public.public_key().unwrap().as_ref()).unwrap();
    openssl(
        &[
            "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem",
        ],
        &dir,
    );
    let text = openssl(
        &["pkey", "-pubin", "-in", "pub.pem", "-noout", "-text"],
        &dir,
    );
    assert!(text.contains("2048 bit"), "{text}");
    let message = b"invoice 42";
    std::fs::write(dir.join("msg"), message).unwrap();
    for (algorithm, hash, pss) in [
        (SigningAlgorithmSpec::RsassaPssSha256, "sha256", true),
        (SigningAlgorithmSpec::RsassaPssSha384, "sha384", true),
        (SigningAlgorithmSpec::RsassaPssSha512, "sha512", true),
        (SigningAlgorithmSpec::RsassaPkcs1V15Sha256, "sha256", false),
        (SigningAlgorithmSpec::RsassaPkcs1V15Sha384, "sha384", false),
        (SigningAlgorithmSpec::RsassaPkcs1V15Sha512, "sha512", false),
    ] {
        let signature = client
            .sign()
            .key_id(&key)
            .signing_algorithm(algorithm.clone())
            .message_type(MessageType::Raw)
            .message(Blob::new(message.to_vec()))
            .send()
            .await
            .unwrap()
            .signature
            .unwrap();
        std::fs::write(dir.join("sig"), signature.as_ref()).unwrap();
        let digest = format!("-{hash}");
        let mut args = vec!["dgst", digest.as_str(), "-verify", "pub.pem"];
        if pss {
            // -1: the salt is as long as the digest.
            args.extend([
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:-1",
            ]);
        }
        args.extend(["-signature", "sig", "msg"]);
        let verified = openssl(&args, &dir);
        assert!(
            verified.contains("Verified OK"),
            "{algorithm:?}: {verified}"
        );
        let valid = client
            .verify()
            .key_id(&key)
            .signing_algorithm(algorithm.clone())
            .message(Blob::new(message.to_vec()))
            .signature(signature)
            .send()
            .await
            .unwrap()
            .signature_valid();
        assert!(valid, "{algorithm:?}");
    }
    let wrong = client
        .sign()
        .key_id(&key)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .message(Blob::new(message.to_vec()))
        .send()
        .await;
    assert_eq!(error_of(wrong).0, "InvalidKeyUsageException");
    // Without KeyUsage an RSA key is for ENCRYPT_DECRYPT, the default usage.
    let encryption = client.create_key().key_spec(KeySpec::Rsa2048).send().await;
    let metadata = encryption.unwrap().key_metadata.unwrap();
    assert_eq!(metadata.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    let _ = std::fs::remove_dir_all(&dir);
}
