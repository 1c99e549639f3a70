//! SecureString parameters encrypted through KMS as the caller, and the reference
//! scenario's rows 1–4, 6, 9 and 10 (`fixtures/parameter-store-blog/README.md`) with its
//! key policy verbatim.

use crate::common::{captured_logs, code_of, config_as, error_of, ssm, ssm_as, unique};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_ssm::types::ParameterType;
use base64::Engine;

const ADMIN: (&str, &str) = ("AKIAKEYADMINEXAMPLE1", "keyadmin-secret-access-key");
const ROLE: (&str, &str, &str) = (
    "ASIAFUNCTIONROLETEST",
    "function-role-test-secret",
    "function-role-test-session-token",
);
const KEY_ALIAS: &str = "alias/ParameterStoreBlogKeyDev";
const ACCOUNT: &str = "123456789012";
const ROLE_SESSION_ARN: &str =
    "arn:aws:sts::123456789012:assumed-role/ParameterStoreBlogFunctionRoleDev/scenario-tests";

async fn role_config() -> aws_config::SdkConfig {
    config_as(ROLE.0, ROLE.1, Some(ROLE.2)).await
}

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("SecureString ciphertexts are base64")
}

fn parameter_arn(name: &str) -> String {
    format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{name}")
}

/// Row 1: the key administrator stores a SecureString under the scenario key.
async fn admin_puts_secret(name: &str, secret: &str, key: &str) {
    ssm_as(ADMIN.0, ADMIN.1)
        .await
        .put_parameter()
        .name(name)
        .value(secret)
        .r#type(ParameterType::SecureString)
        .key_id(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("row 1: the admin may encrypt: {e:?}"));
}

#[tokio::test]
async fn rows_1_to_4_the_admin_encrypts_but_cannot_decrypt() {
    let name = unique("/dev/parameterStoreBlogTests/appSecrets");
    let secret = format!("{{\"secretKey\": \"{}\"}}", unique("secretValue"));
    admin_puts_secret(&name, &secret, KEY_ALIAS).await;
    let admin = ssm_as(ADMIN.0, ADMIN.1).await;

    // Row 2: decrypting read refused, with KMS's reason.
    let (code, message) = error_of(
        admin
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.contains(
            "arn:aws:iam::123456789012:user/keyadmin is not authorized to perform: kms:Decrypt"
        ),
        "{message}"
    );
    assert!(!message.contains(&secret));

    // Row 3: without decryption the value is the ciphertext, never the plaintext.
    let p = admin.get_parameter().name(&name).send().await.unwrap();
    let p = p.parameter().unwrap();
    assert_eq!(p.r#type(), Some(&ParameterType::SecureString));
    let ciphertext = p.value().unwrap().to_owned();
    assert_ne!(ciphertext, secret);
    assert!(!ciphertext.contains("secretValue"));
    let blob = b64(&ciphertext);

    // Row 4: a direct KMS Decrypt is refused too.
    let kms = aws_sdk_kms::Client::new(&config_as(ADMIN.0, ADMIN.1, None).await);
    let (code, _) = error_of(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .encryption_context("PARAMETER_ARN", parameter_arn(&name))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");

    // The function's role may decrypt, through SSM and directly.
    let role = aws_sdk_ssm::Client::new(&role_config().await);
    let p = role
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(p.parameter().unwrap().value(), Some(secret.as_str()));
    let role_kms = aws_sdk_kms::Client::new(&role_config().await);
    let out = role_kms
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .encryption_context("PARAMETER_ARN", parameter_arn(&name))
        .send()
        .await
        .unwrap();
    assert_eq!(out.plaintext().unwrap().as_ref(), secret.as_bytes());

    // DescribeParameters shows the key; the KeyId filter finds it.
    let described = admin
        .describe_parameters()
        .parameter_filters(
            aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("Name")
                .values(&name)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(described.parameters()[0].key_id(), Some(KEY_ALIAS));
}

#[tokio::test]
async fn row_6_the_role_is_confined_to_its_path_and_may_not_write() {
    let role = aws_sdk_ssm::Client::new(&role_config().await);
    let outside = unique("/prod/parameterStoreBlog/x");
    let (code, message) = error_of(role.get_parameter().name(&outside).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        message,
        format!("User: {ROLE_SESSION_ARN} is not authorized to perform: ssm:GetParameter on resource: {} because no identity-based policy allows the ssm:GetParameter action", parameter_arn(&outside))
    );
    let inside = unique("/dev/parameterStoreBlogTests/new");
    let (code, message) = error_of(
        role.put_parameter()
            .name(&inside)
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("ssm:PutParameter"), "{message}");
    // The path it may read.
    let config = role
        .get_parameters_by_path()
        .path("/dev/parameterStoreBlog")
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert!(config
        .parameters()
        .iter()
        .any(|p| p.name() == Some("/dev/parameterStoreBlog/appConfig")));
}

/// The scenario's key policy, verbatim, for a key of the test's own (so that disabling it
/// does not disturb other tests).
fn scenario_key_policy() -> String {
    r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Allow administration of the key & encryption of new values","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:user/keyadmin"]},"Action":["kms:Create*","kms:Encrypt","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"},{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ParameterStoreBlogFunctionRoleDev"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}"#.to_owned()
}

#[tokio::test]
async fn row_9_a_disabled_key_is_invalid_key_id_in_ssm_and_disabled_in_kms() {
    let admin_kms = aws_sdk_kms::Client::new(&config_as(ADMIN.0, ADMIN.1, None).await);
    let key = admin_kms
        .create_key()
        .policy(scenario_key_policy())
        .description("row 9")
        .send()
        .await
        .unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let name = unique("/dev/parameterStoreBlogTests/row9");
    admin_puts_secret(&name, "row-nine-secret", &key_id).await;
    let role = aws_sdk_ssm::Client::new(&role_config().await);
    let before = role
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(before.parameter().unwrap().value(), Some("row-nine-secret"));
    let ciphertext = stored_value(&role, &name).await;
    admin_kms
        .disable_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        role.get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyId");
    let role_kms = aws_sdk_kms::Client::new(&role_config().await);
    let (code, message) = error_of(
        role_kms
            .decrypt()
            .ciphertext_blob(Blob::new(b64(&ciphertext)))
            .encryption_context("PARAMETER_ARN", parameter_arn(&name))
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    assert_eq!(
        message,
        format!(
            "{} is disabled.",
            key.key_metadata().unwrap().arn().unwrap()
        )
    );
    // Writing under a disabled key is InvalidKeyId too; enabling restores reads.
    let (code, _) = error_of(
        ssm_as(ADMIN.0, ADMIN.1)
            .await
            .put_parameter()
            .name(unique("/dev/parameterStoreBlogTests/row9b"))
            .value("x")
            .r#type(ParameterType::SecureString)
            .key_id(&key_id)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyId");
    admin_kms.enable_key().key_id(&key_id).send().await.unwrap();
    let after = role
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(after.parameter().unwrap().value(), Some("row-nine-secret"));
}

/// The stored ciphertext of a SecureString (a read without decryption).
async fn stored_value(client: &aws_sdk_ssm::Client, name: &str) -> String {
    client
        .get_parameter()
        .name(name)
        .send()
        .await
        .unwrap()
        .parameter()
        .unwrap()
        .value()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn row_10_a_flipped_byte_or_another_context_is_an_invalid_ciphertext() {
    let name = unique("/dev/parameterStoreBlogTests/row10");
    admin_puts_secret(&name, "row-ten-secret", KEY_ALIAS).await;
    let role = aws_sdk_ssm::Client::new(&role_config().await);
    let blob = b64(&stored_value(&role, &name).await);
    let kms = aws_sdk_kms::Client::new(&role_config().await);
    let decrypt = |bytes: Vec<u8>, arn: String| {
        let kms = kms.clone();
        async move {
            kms.decrypt()
                .ciphertext_blob(Blob::new(bytes))
                .encryption_context("PARAMETER_ARN", arn)
                .send()
                .await
        }
    };
    let ok = decrypt(blob.clone(), parameter_arn(&name)).await.unwrap();
    assert_eq!(ok.plaintext().unwrap().as_ref(), b"row-ten-secret");
    for i in [0, blob.len() / 2, blob.len() - 1] {
        let mut damaged = blob.clone();
        damaged[i] ^= 0x20;
        let (code, message) = error_of(decrypt(damaged, parameter_arn(&name)).await);
        assert_eq!(code, "InvalidCiphertextException", "byte {i}");
        assert_eq!(message, "");
    }
    let (code, _) = error_of(decrypt(blob.clone(), parameter_arn("/dev/other")).await);
    assert_eq!(code, "InvalidCiphertextException");
    let (code, _) = error_of(kms.decrypt().ciphertext_blob(Blob::new(blob)).send().await);
    assert_eq!(code, "InvalidCiphertextException");
}

#[tokio::test]
async fn the_aws_ssm_key_serves_every_principal_through_ssm_only() {
    let name = unique("/dev/app/default-key");
    let root = ssm().await;
    root.put_parameter()
        .name(&name)
        .value("under-aws-ssm")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let described = root
        .describe_parameters()
        .parameter_filters(
            aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("KeyId")
                .values("alias/aws/ssm")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(described
        .parameters()
        .iter()
        .any(|p| p.name() == Some(name.as_str())));
    // A user allowed to read /dev/app* may decrypt through SSM...
    let reader = ssm_as("AKIADEVREADER0000001", "dev-reader-secret").await;
    let p = reader
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(p.parameter().unwrap().value(), Some("under-aws-ssm"));
    // ...but a direct Decrypt with the aws/ssm key is refused, even to the root.
    let ciphertext = stored_value(&root, &name).await;
    for (key, secret) in [
        ("AKIADEVREADER0000001", "dev-reader-secret"),
        ("test", "test"),
    ] {
        let kms = aws_sdk_kms::Client::new(&config_as(key, secret, None).await);
        let result = kms
            .decrypt()
            .ciphertext_blob(Blob::new(b64(&ciphertext)))
            .encryption_context("PARAMETER_ARN", parameter_arn(&name))
            .send()
            .await;
        assert_eq!(code_of(result), "AccessDeniedException", "{key}");
    }
}

#[tokio::test]
async fn history_and_by_path_decrypt_and_overwrites_keep_the_type_and_key() {
    let root = ssm().await;
    let base = unique("/dev/app/hist");
    let name = format!("{base}/secret");
    root.put_parameter()
        .name(&name)
        .value("first")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    // Overwrite without Type keeps SecureString and the key.
    root.put_parameter()
        .name(&name)
        .value("second")
        .overwrite(true)
        .send()
        .await
        .unwrap();
    let history = root
        .get_parameter_history()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    let values: Vec<_> = history
        .parameters()
        .iter()
        .filter_map(|p| p.value())
        .collect();
    assert_eq!(values, ["first", "second"]);
    assert!(history
        .parameters()
        .iter()
        .all(|p| p.key_id() == Some("alias/aws/ssm")));
    let hidden = root
        .get_parameter_history()
        .name(&name)
        .send()
        .await
        .unwrap();
    assert!(hidden
        .parameters()
        .iter()
        .all(|p| p.value() != Some("first") && p.value() != Some("second")));
    let by_path = root
        .get_parameters_by_path()
        .path(&base)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(by_path.parameters()[0].value(), Some("second"));
    let many = root
        .get_parameters()
        .names(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(many.parameters()[0].value(), Some("second"));
    // KeyId on a String parameter is refused; a missing key is InvalidKeyId.
    let (code, _) = error_of(
        root.put_parameter()
            .name(unique("/dev/app/plain"))
            .value("v")
            .r#type(ParameterType::String)
            .key_id("alias/ParameterStoreBlogKeyDev")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (code, _) = error_of(
        root.put_parameter()
            .name(unique("/dev/app/nokey"))
            .value("v")
            .r#type(ParameterType::SecureString)
            .key_id("alias/does-not-exist")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyId");
}

#[tokio::test]
async fn no_plaintext_reaches_logs_or_refusals() {
    let name = unique("/dev/parameterStoreBlogTests/logcheck");
    let secret = unique("never-logged-plaintext-");
    admin_puts_secret(&name, &secret, KEY_ALIAS).await;
    let admin = ssm_as(ADMIN.0, ADMIN.1).await;
    let (_, message) = error_of(
        admin
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await,
    );
    assert!(!message.contains(&secret));
    let history = admin
        .get_parameter_history()
        .name(&name)
        .send()
        .await
        .unwrap();
    assert!(history
        .parameters()
        .iter()
        .all(|p| p.value() != Some(secret.as_str())));
    // The role may decrypt: its answer has the plaintext, the logs still must not.
    let role = aws_sdk_ssm::Client::new(&role_config().await);
    let p = role
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(p.parameter().unwrap().value(), Some(secret.as_str()));
    match captured_logs() {
        Some(logs) => {
            assert!(logs.contains("access denied"), "refusals are logged");
            assert!(
                !logs.contains(&secret),
                "a SecureString plaintext was logged"
            );
            assert!(!logs.contains(ADMIN.1), "a secret access key was logged");
            assert!(!logs.contains(ROLE.2), "a session token was logged");
        }
        None => eprintln!("logs of an external emulator cannot be checked from here"),
    }
}
