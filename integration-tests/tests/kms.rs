//! KMS end to end through the official aws-sdk-kms client: key states, aliases,
//! encryption and its failures, re-encryption between keys, grants, rotation, data keys,
//! key policies, tags and paging. Principals come from `fixtures/kms-principals.yaml`.

use crate::common::{code_of, config_as, error_of, unique};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, GrantConstraints, GrantOperation, KeyState, Tag};
use aws_sdk_kms::Client;

const ACCOUNT: &str = "123456789012";
const REENCRYPTER: (&str, &str) = ("AKIAKMSREENCRYPTER01", "kms-reencrypter-secret");
const GRANTEE: (&str, &str) = ("AKIAKMSGRANTEE000001", "kms-grantee-secret");
const RETIRER: (&str, &str) = ("AKIAKMSRETIRER000001", "kms-retirer-secret");
const ADMIN: (&str, &str) = ("AKIAKMSADMIN00000001", "kms-admin-secret");

/// A client acting as the account root (an access key the emulator does not know).
async fn kms() -> Client {
    Client::new(&config_as("test", "test", None).await)
}

/// A client acting as a fixture user.
async fn kms_as(key: (&str, &str)) -> Client {
    Client::new(&config_as(key.0, key.1, None).await)
}

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

/// A key policy: the account root may do everything (delegating to IAM), and each
/// `(principal, actions)` pair is allowed those actions directly.
fn key_policy(extra: &[(&str, &[&str])]) -> String {
    let mut statements = vec![serde_json::json!({
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
        "Action": "kms:*",
        "Resource": "*"
    })];
    for (principal, actions) in extra {
        statements.push(serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": actions,
            "Resource": "*"
        }));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// A new key (with `policy`, or the default one); returns its id and ARN.
async fn new_key(client: &Client, policy: Option<String>) -> (String, String) {
    let created = client
        .create_key()
        .description("integration test key")
        .set_policy(policy)
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    (
        metadata.key_id().to_owned(),
        metadata.arn().unwrap().to_owned(),
    )
}

async fn encrypt(client: &Client, key: &str, plaintext: &[u8], context: &[(&str, &str)]) -> Blob {
    let mut request = client
        .encrypt()
        .key_id(key)
        .plaintext(Blob::new(plaintext.to_vec()));
    for (k, v) in context {
        request = request.encryption_context(*k, *v);
    }
    request
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone()
}

async fn decrypt(
    client: &Client,
    blob: &Blob,
    key: Option<&str>,
    context: &[(&str, &str)],
) -> Result<
    aws_sdk_kms::operation::decrypt::DecryptOutput,
    aws_sdk_kms::error::SdkError<aws_sdk_kms::operation::decrypt::DecryptError>,
> {
    let mut request = client
        .decrypt()
        .ciphertext_blob(blob.clone())
        .set_key_id(key.map(str::to_owned));
    for (k, v) in context {
        request = request.encryption_context(*k, *v);
    }
    request.send().await
}

async fn state_of(client: &Client, key: &str) -> KeyState {
    client
        .describe_key()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_state()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn key_states_decide_what_a_key_can_do() {
    let client = kms().await;
    let (id, arn) = new_key(&client, None).await;
    let blob = encrypt(&client, &id, b"state secret", &[]).await;
    assert_eq!(state_of(&client, &id).await, KeyState::Enabled);

    // Enabled -> Disabled: cryptography refused with DisabledException, metadata readable.
    client.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state_of(&client, &id).await, KeyState::Disabled);
    let described = client.describe_key().key_id(&id).send().await.unwrap();
    assert!(!described.key_metadata().unwrap().enabled());
    let (code, message) = error_of(
        client
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    assert_eq!(message, format!("{arn} is disabled."));
    let (code, message) = error_of(decrypt(&client, &blob, None, &[]).await);
    assert_eq!(
        (code.as_str(), message),
        ("DisabledException", format!("{arn} is disabled."))
    );

    // Disabled -> Enabled: works again.
    client.enable_key().key_id(&id).send().await.unwrap();
    client.enable_key().key_id(&id).send().await.unwrap();
    let plain = decrypt(&client, &blob, None, &[]).await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"state secret");

    // The deletion window is 7 to 30 days.
    for days in [6, 31] {
        let result = client
            .schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(days)
            .send()
            .await;
        assert_eq!(code_of(result), "ValidationException", "{days} days");
    }
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.key_id(), Some(arn.as_str()));
    assert_eq!(scheduled.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(scheduled.pending_window_in_days(), Some(7));
    let deletion = scheduled.deletion_date().unwrap().secs();
    let in_seven_days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 7 * 86_400;
    assert!(
        (deletion - in_seven_days).abs() < 60,
        "{deletion} vs {in_seven_days}"
    );

    // PendingDeletion: cryptography and state changes refused; metadata, policy and
    // aliases still readable.
    let pending = format!("{arn} is pending deletion.");
    let (code, message) = error_of(
        client
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("KMSInvalidStateException", pending.as_str())
    );
    let (code, message) = error_of(decrypt(&client, &blob, None, &[]).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("KMSInvalidStateException", pending.as_str())
    );
    let (code, message) = error_of(client.enable_key().key_id(&id).send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("KMSInvalidStateException", pending.as_str())
    );
    assert_eq!(
        code_of(client.schedule_key_deletion().key_id(&id).send().await),
        "KMSInvalidStateException"
    );
    let metadata = client.describe_key().key_id(&id).send().await.unwrap();
    let metadata = metadata.key_metadata().unwrap();
    assert_eq!(metadata.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(metadata.pending_deletion_window_in_days(), Some(7));
    assert!(metadata.deletion_date().is_some());
    client.get_key_policy().key_id(&id).send().await.unwrap();
    client.list_aliases().key_id(&id).send().await.unwrap();

    // CancelKeyDeletion leaves the key disabled, not enabled.
    let cancelled = client
        .cancel_key_deletion()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.key_id(), Some(arn.as_str()));
    assert_eq!(state_of(&client, &id).await, KeyState::Disabled);
    let (code, message) = error_of(client.cancel_key_deletion().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(message, format!("{arn} is not pending deletion."));
    assert_eq!(
        code_of(decrypt(&client, &blob, None, &[]).await),
        "DisabledException"
    );
    client.enable_key().key_id(&id).send().await.unwrap();
    decrypt(&client, &blob, None, &[]).await.unwrap();

    // The default window is 30 days.
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.pending_window_in_days(), Some(30));
}

#[tokio::test]
async fn key_management_operations_refuse_aliases_and_unknown_keys() {
    let client = kms().await;
    let (id, _) = new_key(&client, None).await;
    let alias = format!("alias/{}", unique("mgmt"));
    client
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(client.disable_key().key_id(&alias).send().await);
    assert_eq!(code, "InvalidArnException");
    assert_eq!(message, "Key Aliases are not supported for this operation.");
    assert_eq!(
        code_of(client.get_key_policy().key_id(&alias).send().await),
        "InvalidArnException"
    );
    let missing = "11111111-2222-3333-4444-555555555555";
    assert_eq!(
        code_of(client.enable_key().key_id(missing).send().await),
        "NotFoundException"
    );
    // DescribeKey, unlike them, takes an alias.
    let described = client.describe_key().key_id(&alias).send().await.unwrap();
    assert_eq!(described.key_metadata().unwrap().key_id(), id);
    client
        .update_key_description()
        .key_id(&id)
        .description("renamed")
        .send()
        .await
        .unwrap();
    let described = client.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        described.key_metadata().unwrap().description(),
        Some("renamed")
    );
}

#[tokio::test]
async fn aliases_are_created_used_moved_and_deleted() {
    let client = kms().await;
    let (a, a_arn) = new_key(&client, None).await;
    let (b, b_arn) = new_key(&client, None).await;
    let alias = format!("alias/{}", unique("app-key"));
    let alias_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:{alias}");
    client
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&a)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        client
            .create_alias()
            .alias_name(&alias)
            .target_key_id(&b)
            .send()
            .await,
    );
    assert_eq!(code, "AlreadyExistsException");
    assert!(message.contains(&alias_arn), "{message}");
    assert_eq!(
        code_of(
            client
                .create_alias()
                .alias_name("alias/aws/mine")
                .target_key_id(&a)
                .send()
                .await
        ),
        "InvalidAliasNameException"
    );

    // Encrypt and decrypt by alias name and alias ARN.
    for name in [alias.as_str(), alias_arn.as_str()] {
        let out = client
            .encrypt()
            .key_id(name)
            .plaintext(Blob::new("by alias"))
            .send()
            .await
            .unwrap();
        assert_eq!(out.key_id(), Some(a_arn.as_str()));
        let plain = decrypt(&client, out.ciphertext_blob().unwrap(), Some(name), &[])
            .await
            .unwrap();
        assert_eq!(plain.plaintext().unwrap().as_ref(), b"by alias");
        assert_eq!(plain.key_id(), Some(a_arn.as_str()));
    }
    let before = encrypt(&client, &alias, b"made under a", &[]).await;

    // UpdateAlias moves the alias to b; old ciphertexts still name a.
    client
        .update_alias()
        .alias_name(&alias)
        .target_key_id(&b)
        .send()
        .await
        .unwrap();
    let out = client
        .encrypt()
        .key_id(&alias)
        .plaintext(Blob::new("now b"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(b_arn.as_str()));
    assert_eq!(
        code_of(decrypt(&client, &before, Some(&alias), &[]).await),
        "IncorrectKeyException"
    );
    decrypt(&client, &before, Some(&a), &[]).await.unwrap();
    let listed = client.list_aliases().key_id(&b).send().await.unwrap();
    assert_eq!(listed.aliases().len(), 1);
    assert_eq!(listed.aliases()[0].alias_name(), Some(alias.as_str()));
    assert_eq!(listed.aliases()[0].target_key_id(), Some(b.as_str()));
    assert!(client
        .list_aliases()
        .key_id(&a)
        .send()
        .await
        .unwrap()
        .aliases()
        .is_empty());

    // Unknown aliases.
    let absent = format!("alias/{}", unique("absent"));
    for result in [
        code_of(
            client
                .update_alias()
                .alias_name(&absent)
                .target_key_id(&a)
                .send()
                .await,
        ),
        code_of(client.delete_alias().alias_name(&absent).send().await),
        code_of(
            client
                .delete_alias()
                .alias_name("alias/aws/none-such")
                .send()
                .await,
        ),
        code_of(
            client
                .encrypt()
                .key_id(&absent)
                .plaintext(Blob::new("x"))
                .send()
                .await,
        ),
    ] {
        assert_eq!(result, "NotFoundException");
    }

    // DeleteAlias: the alias goes, the key stays.
    client
        .delete_alias()
        .alias_name(&alias)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        client
            .encrypt()
            .key_id(&alias)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(message, format!("Alias {alias_arn} is not found."));
    assert_eq!(state_of(&client, &b).await, KeyState::Enabled);
}

#[tokio::test]
async fn ciphertexts_name_their_key_and_detect_tampering() {
    let client = kms().await;
    let (id, arn) = new_key(&client, None).await;
    let (other, _) = new_key(&client, None).await;
    let context = [(
        "PARAMETER_ARN",
        "arn:aws:ssm:us-east-1:123456789012:parameter/x",
    )];
    let blob = encrypt(&client, &id, b"payload", &context).await;

    // No KeyId needed: the blob names its key.
    let plain = decrypt(&client, &blob, None, &context).await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"payload");
    assert_eq!(plain.key_id(), Some(arn.as_str()));
    assert_eq!(
        plain.encryption_algorithm().map(|a| a.as_str()),
        Some("SYMMETRIC_DEFAULT")
    );
    assert_eq!(plain.key_material_id().map(str::len), Some(64));
    decrypt(&client, &blob, Some(&arn), &context).await.unwrap();

    // Another key given: IncorrectKeyException.
    assert_eq!(
        code_of(decrypt(&client, &blob, Some(&other), &context).await),
        "IncorrectKeyException"
    );

    // Any difference in the context, or a flipped byte: InvalidCiphertextException.
    for wrong in [
        vec![],
        vec![(
            "PARAMETER_ARN",
            "arn:aws:ssm:us-east-1:123456789012:parameter/y",
        )],
        vec![(
            "parameter_arn",
            "arn:aws:ssm:us-east-1:123456789012:parameter/x",
        )],
        vec![context[0], ("extra", "pair")],
    ] {
        let (code, message) = error_of(decrypt(&client, &blob, None, &wrong).await);
        assert_eq!(code, "InvalidCiphertextException", "{wrong:?}");
        assert_eq!(message, "");
    }
    let mut bytes = blob.clone().into_inner();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    assert_eq!(
        code_of(decrypt(&client, &Blob::new(bytes), None, &context).await),
        "InvalidCiphertextException"
    );
    assert_eq!(
        code_of(decrypt(&client, &Blob::new("not a kms blob at all, no"), None, &[]).await),
        "InvalidCiphertextException"
    );
}

#[tokio::test]
async fn re_encryption_follows_each_keys_policy_in_its_own_direction() {
    let root = kms().await;
    let reencrypter = user_arn("kms-reencrypter");
    let (a, a_arn) = new_key(
        &root,
        Some(key_policy(&[(
            reencrypter.as_str(),
            &["kms:ReEncryptFrom"],
        )])),
    )
    .await;
    let (b, b_arn) = new_key(
        &root,
        Some(key_policy(&[(reencrypter.as_str(), &["kms:ReEncryptTo"])])),
    )
    .await;
    let under_a = encrypt(&root, &a, b"move me", &[("from", "a")]).await;
    let under_b = encrypt(&root, &b, b"stay", &[]).await;
    let user = kms_as(REENCRYPTER).await;

    // A -> B: ReEncryptFrom on A and ReEncryptTo on B are both allowed.
    let moved = user
        .re_encrypt()
        .ciphertext_blob(under_a.clone())
        .source_encryption_context("from", "a")
        .destination_key_id(&b)
        .destination_encryption_context("to", "b")
        .send()
        .await
        .unwrap();
    assert_eq!(moved.source_key_id(), Some(a_arn.as_str()));
    assert_eq!(moved.key_id(), Some(b_arn.as_str()));
    assert_eq!(moved.source_key_material_id().map(str::len), Some(64));
    assert_eq!(moved.destination_key_material_id().map(str::len), Some(64));
    let plain = decrypt(
        &root,
        moved.ciphertext_blob().unwrap(),
        Some(&b),
        &[("to", "b")],
    )
    .await
    .unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"move me");

    // The user may not decrypt either directly.
    assert_eq!(
        code_of(decrypt(&user, &under_a, None, &[("from", "a")]).await),
        "AccessDeniedException"
    );

    // B -> A: neither ReEncryptFrom on B nor ReEncryptTo on A is allowed.
    let (code, message) = error_of(
        user.re_encrypt()
            .ciphertext_blob(under_b)
            .destination_key_id(&a)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("kms:ReEncryptFrom"), "{message}");
    assert!(message.contains(&b_arn), "{message}");

    // A SourceKeyId that is not the blob's key: IncorrectKeyException.
    assert_eq!(
        code_of(
            user.re_encrypt()
                .ciphertext_blob(under_a)
                .source_encryption_context("from", "a")
                .source_key_id(&b)
                .destination_key_id(&b)
                .send()
                .await
        ),
        "IncorrectKeyException"
    );
}

#[tokio::test]
async fn grants_allow_until_retired_or_revoked() {
    let root = kms().await;
    let (id, arn) = new_key(&root, None).await;
    let blob = encrypt(&root, &id, b"granted", &[("app", "x")]).await;
    let grantee = kms_as(GRANTEE).await;
    let context = [("app", "x")];

    // The key policy delegates to IAM, and the grantee's IAM allows nothing.
    assert_eq!(
        code_of(decrypt(&grantee, &blob, None, &context).await),
        "AccessDeniedException"
    );

    let created = root
        .create_grant()
        .key_id(&id)
        .grantee_principal(user_arn("kms-grantee"))
        .retiring_principal(user_arn("kms-retirer"))
        .operations(GrantOperation::Decrypt)
        .name("retire-me")
        .send()
        .await
        .unwrap();
    let token = created.grant_token().unwrap().to_owned();
    let grant_id = created.grant_id().unwrap().to_owned();
    let plain = decrypt(&grantee, &blob, None, &context).await.unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"granted");
    // The grant allows Decrypt only.
    assert_eq!(
        code_of(
            grantee
                .encrypt()
                .key_id(&id)
                .plaintext(Blob::new("x"))
                .send()
                .await
        ),
        "AccessDeniedException"
    );

    // The grantee may not retire it (the grant does not allow RetireGrant); the
    // retiring principal may.
    assert_eq!(
        code_of(grantee.retire_grant().grant_token(&token).send().await),
        "AccessDeniedException"
    );
    kms_as(RETIRER)
        .await
        .retire_grant()
        .grant_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(decrypt(&grantee, &blob, None, &context).await),
        "AccessDeniedException"
    );
    assert_eq!(
        code_of(root.retire_grant().grant_token(&token).send().await),
        "InvalidGrantTokenException"
    );
    assert_eq!(
        code_of(
            root.retire_grant()
                .key_id(&arn)
                .grant_id(&grant_id)
                .send()
                .await
        ),
        "NotFoundException"
    );
    assert_eq!(
        code_of(root.retire_grant().grant_token("garbage").send().await),
        "InvalidGrantTokenException"
    );

    // A second grant, with an encryption context constraint, revoked by the key's
    // administrator (the root).
    let constrained = root
        .create_grant()
        .key_id(&arn)
        .grantee_principal(user_arn("kms-grantee"))
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::RetireGrant)
        .constraints(
            GrantConstraints::builder()
                .encryption_context_subset("app", "x")
                .build(),
        )
        .send()
        .await
        .unwrap();
    decrypt(&grantee, &blob, None, &context).await.unwrap();
    let other_context = encrypt(&root, &id, b"other", &[("app", "y")]).await;
    assert_eq!(
        code_of(decrypt(&grantee, &other_context, None, &[("app", "y")]).await),
        "AccessDeniedException"
    );
    root.revoke_grant()
        .key_id(&id)
        .grant_id(constrained.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(decrypt(&grantee, &blob, None, &context).await),
        "AccessDeniedException"
    );
    assert_eq!(
        code_of(
            root.revoke_grant()
                .key_id(&id)
                .grant_id(constrained.grant_id().unwrap())
                .send()
                .await
        ),
        "NotFoundException"
    );

    // A grantee whose grant allows RetireGrant may retire it itself.
    let third = root
        .create_grant()
        .key_id(&id)
        .grantee_principal(user_arn("kms-grantee"))
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::RetireGrant)
        .send()
        .await
        .unwrap();
    grantee
        .retire_grant()
        .key_id(&arn)
        .grant_id(third.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(root
        .list_grants()
        .key_id(&id)
        .send()
        .await
        .unwrap()
        .grants()
        .is_empty());
}

#[tokio::test]
async fn grants_are_listed_in_pages_and_checked() {
    let root = kms().await;
    let (id, arn) = new_key(&root, None).await;
    let mut ids = Vec::new();
    for op in [
        GrantOperation::Decrypt,
        GrantOperation::Encrypt,
        GrantOperation::DescribeKey,
    ] {
        let created = root
            .create_grant()
            .key_id(&id)
            .grantee_principal(user_arn("kms-grantee"))
            .operations(op)
            .send()
            .await
            .unwrap();
        ids.push(created.grant_id().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = root
            .list_grants()
            .key_id(&id)
            .limit(1)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert!(page.grants().len() <= 1);
        for grant in page.grants() {
            assert_eq!(grant.key_id(), Some(arn.as_str()));
            assert_eq!(
                grant.grantee_principal(),
                Some(user_arn("kms-grantee").as_str())
            );
            assert_eq!(
                grant.issuing_account(),
                Some(format!("arn:aws:iam::{ACCOUNT}:root").as_str())
            );
            seen.push(grant.grant_id().unwrap().to_owned());
        }
        if !page.truncated() {
            assert!(page.next_marker().is_none());
            break;
        }
        marker = page.next_marker().map(str::to_owned);
    }
    assert_eq!(seen, ids, "grants are listed once each, oldest first");
    let one = root
        .list_grants()
        .key_id(&id)
        .grant_id(&ids[1])
        .send()
        .await
        .unwrap();
    assert_eq!(one.grants().len(), 1);
    assert_eq!(one.grants()[0].operations(), &[GrantOperation::Encrypt]);

    // Checks on new grants.
    assert_eq!(
        code_of(
            root.create_grant()
                .key_id(&id)
                .grantee_principal(user_arn("kms-grantee"))
                .operations(GrantOperation::Sign)
                .send()
                .await
        ),
        "ValidationException"
    );
    assert_eq!(
        code_of(
            root.create_grant()
                .key_id(&id)
                .grantee_principal(user_arn("nobody-at-all"))
                .operations(GrantOperation::Decrypt)
                .send()
                .await
        ),
        "InvalidArnException"
    );
    // A user the key policy does not allow kms:CreateGrant cannot make one.
    assert_eq!(
        code_of(
            kms_as(GRANTEE)
                .await
                .create_grant()
                .key_id(&id)
                .grantee_principal(user_arn("kms-grantee"))
                .operations(GrantOperation::Decrypt)
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    root.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        code_of(
            root.create_grant()
                .key_id(&id)
                .grantee_principal(user_arn("kms-grantee"))
                .operations(GrantOperation::Decrypt)
                .send()
                .await
        ),
        "DisabledException"
    );
    // Listing works in every state.
    assert_eq!(
        root.list_grants()
            .key_id(&id)
            .send()
            .await
            .unwrap()
            .grants()
            .len(),
        3
    );
}

#[tokio::test]
async fn on_demand_rotation_keeps_old_ciphertexts_readable() {
    let client = kms().await;
    let (id, arn) = new_key(&client, None).await;
    let before = encrypt(&client, &id, b"before rotation", &[]).await;
    let first_material = decrypt(&client, &before, None, &[])
        .await
        .unwrap()
        .key_material_id()
        .unwrap()
        .to_owned();

    let rotated = client
        .rotate_key_on_demand()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    // AWS answers the key ARN (recorded answers, issue 14).
    assert_eq!(rotated.key_id(), Some(arn.as_str()));
    let after = encrypt(&client, &id, b"after rotation", &[]).await;
    let old = decrypt(&client, &before, None, &[]).await.unwrap();
    let new = decrypt(&client, &after, None, &[]).await.unwrap();
    assert_eq!(old.plaintext().unwrap().as_ref(), b"before rotation");
    assert_eq!(new.plaintext().unwrap().as_ref(), b"after rotation");
    assert_eq!(old.key_material_id(), Some(first_material.as_str()));
    assert_ne!(new.key_material_id(), Some(first_material.as_str()));
    let current = client.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        current.key_metadata().unwrap().current_key_material_id(),
        new.key_material_id()
    );

    let rotations = client
        .list_key_rotations()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(rotations.rotations().len(), 1);
    let entry = &rotations.rotations()[0];
    assert_eq!(entry.rotation_type().map(|t| t.as_str()), Some("ON_DEMAND"));
    assert!(entry.rotation_date().is_some());
    assert_eq!(entry.key_material_id(), new.key_material_id());

    // Automatic rotation: off by default, 90-2560 days, 365 unless given.
    let status = client
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled());
    assert!(status.next_rotation_date().is_none());
    for days in [89, 2561] {
        assert_eq!(
            code_of(
                client
                    .enable_key_rotation()
                    .key_id(&id)
                    .rotation_period_in_days(days)
                    .send()
                    .await
            ),
            "ValidationException"
        );
    }
    client
        .enable_key_rotation()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let status = client
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(365));
    assert_eq!(status.key_id(), Some(arn.as_str()));
    assert!(status.next_rotation_date().is_some());
    client
        .enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let status = client
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(status.rotation_period_in_days(), Some(90));

    // A disabled key refuses rotation changes.
    client.disable_key().key_id(&id).send().await.unwrap();
    for code in [
        code_of(client.rotate_key_on_demand().key_id(&id).send().await),
        code_of(client.disable_key_rotation().key_id(&id).send().await),
        code_of(client.enable_key_rotation().key_id(&id).send().await),
    ] {
        assert_eq!(code, "DisabledException");
    }
    client
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn data_keys_and_random_bytes() {
    let client = kms().await;
    let (id, arn) = new_key(&client, None).await;
    let data_key = client
        .generate_data_key()
        .key_id(&id)
        .key_spec(DataKeySpec::Aes256)
        .encryption_context("purpose", "envelope")
        .send()
        .await
        .unwrap();
    assert_eq!(data_key.key_id(), Some(arn.as_str()));
    assert_eq!(data_key.plaintext().unwrap().as_ref().len(), 32);
    assert_eq!(data_key.key_material_id().map(str::len), Some(64));
    let plain = decrypt(
        &client,
        data_key.ciphertext_blob().unwrap(),
        None,
        &[("purpose", "envelope")],
    )
    .await
    .unwrap();
    assert_eq!(plain.plaintext(), data_key.plaintext());

    let sized = client
        .generate_data_key()
        .key_id(&id)
        .number_of_bytes(64)
        .send()
        .await
        .unwrap();
    assert_eq!(sized.plaintext().unwrap().as_ref().len(), 64);
    let aes128 = client
        .generate_data_key()
        .key_id(&id)
        .key_spec(DataKeySpec::Aes128)
        .send()
        .await
        .unwrap();
    assert_eq!(aes128.plaintext().unwrap().as_ref().len(), 16);

    let without = client
        .generate_data_key_without_plaintext()
        .key_id(&id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let plain = decrypt(&client, without.ciphertext_blob().unwrap(), None, &[])
        .await
        .unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref().len(), 32);

    // Exactly one of KeySpec and NumberOfBytes (1-1024).
    for result in [
        code_of(client.generate_data_key().key_id(&id).send().await),
        code_of(
            client
                .generate_data_key()
                .key_id(&id)
                .key_spec(DataKeySpec::Aes256)
                .number_of_bytes(32)
                .send()
                .await,
        ),
        code_of(
            client
                .generate_data_key()
                .key_id(&id)
                .number_of_bytes(0)
                .send()
                .await,
        ),
        code_of(
            client
                .generate_data_key()
                .key_id(&id)
                .number_of_bytes(1025)
                .send()
                .await,
        ),
    ] {
        assert_eq!(result, "ValidationException");
    }

    for n in [1, 32, 1024] {
        let random = client
            .generate_random()
            .number_of_bytes(n)
            .send()
            .await
            .unwrap();
        assert_eq!(random.plaintext().unwrap().as_ref().len(), n as usize);
    }
    for n in [0, 1025] {
        assert_eq!(
            code_of(client.generate_random().number_of_bytes(n).send().await),
            "ValidationException"
        );
    }

    // A disabled key makes no data keys.
    client.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        code_of(
            client
                .generate_data_key()
                .key_id(&id)
                .key_spec(DataKeySpec::Aes256)
                .send()
                .await
        ),
        "DisabledException"
    );
}

#[tokio::test]
async fn key_policies_are_read_and_replaced_with_aws_checks() {
    let root = kms().await;
    let (id, _) = new_key(&root, None).await;
    let default = root.get_key_policy().key_id(&id).send().await.unwrap();
    assert_eq!(default.policy_name(), Some("default"));
    assert!(default
        .policy()
        .unwrap()
        .contains(&format!("arn:aws:iam::{ACCOUNT}:root")));
    assert_eq!(
        code_of(
            root.get_key_policy()
                .key_id(&id)
                .policy_name("other")
                .send()
                .await
        ),
        "NotFoundException"
    );
    let names = root.list_key_policies().key_id(&id).send().await.unwrap();
    assert_eq!(names.policy_names(), ["default"]);
    assert!(!names.truncated());

    // Replaced verbatim.
    let text = format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"arn:aws:iam::{ACCOUNT}:root\"}}, \"Action\": \"kms:*\", \"Resource\": \"*\"}}]\n}}"
    );
    root.put_key_policy()
        .key_id(&id)
        .policy(&text)
        .send()
        .await
        .unwrap();
    let read = root
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(read.policy(), Some(text.as_str()));

    // A principal that does not exist.
    let ghost = key_policy(&[(user_arn("ghost-user").as_str(), &["kms:Decrypt"])]);
    let (code, message) = error_of(
        root.put_key_policy()
            .key_id(&id)
            .policy(&ghost)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocumentException");
    assert_eq!(
        message,
        "Policy contains a statement with one or more invalid principals."
    );

    // Lockout: a policy that would stop the caller changing it again.
    let describe_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":["kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}}]}}"#
    );
    let (code, message) = error_of(
        root.put_key_policy()
            .key_id(&id)
            .policy(&describe_only)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocumentException");
    assert_eq!(
        message,
        "The new key policy will not allow you to update the key policy in the future."
    );
    // An IAM user whose policy allows kms:* gets the same protection.
    let admin = kms_as(ADMIN).await;
    assert_eq!(
        code_of(
            admin
                .put_key_policy()
                .key_id(&id)
                .policy(&describe_only)
                .send()
                .await
        ),
        "MalformedPolicyDocumentException"
    );
    // Bypassed, the policy takes effect, and binds the root too.
    root.put_key_policy()
        .key_id(&id)
        .policy(&describe_only)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(root.put_key_policy().key_id(&id).policy(&text).send().await),
        "AccessDeniedException"
    );
    assert_eq!(
        code_of(
            root.encrypt()
                .key_id(&id)
                .plaintext(Blob::new("x"))
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    assert_eq!(
        root.get_key_policy()
            .key_id(&id)
            .send()
            .await
            .unwrap()
            .policy(),
        Some(describe_only.as_str())
    );
}

#[tokio::test]
async fn tags_are_added_listed_in_pages_and_removed() {
    let client = kms().await;
    let created = client
        .create_key()
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("core")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let id = created.key_metadata().unwrap().key_id().to_owned();
    client
        .tag_resource()
        .key_id(&id)
        .tags(Tag::builder().tag_key("b").tag_value("2").build().unwrap())
        .tags(Tag::builder().tag_key("a").tag_value("1").build().unwrap())
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("platform")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let all = client
        .list_resource_tags()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let pairs: Vec<(&str, &str)> = all
        .tags()
        .iter()
        .map(|t| (t.tag_key(), t.tag_value()))
        .collect();
    assert_eq!(pairs, [("a", "1"), ("b", "2"), ("team", "platform")]);
    assert!(!all.truncated());

    let mut keys = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_resource_tags()
            .key_id(&id)
            .limit(1)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(page.tags().len(), 1);
        keys.push(page.tags()[0].tag_key().to_owned());
        if !page.truncated() {
            break;
        }
        marker = page.next_marker().map(str::to_owned);
    }
    assert_eq!(keys, ["a", "b", "team"]);

    client
        .untag_resource()
        .key_id(&id)
        .tag_keys("a")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let left = client
        .list_resource_tags()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(left.tags().len(), 2);

    let (code, _) = error_of(
        client
            .tag_resource()
            .key_id(&id)
            .tags(
                Tag::builder()
                    .tag_key("aws:reserved")
                    .tag_value("x")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    let mut too_many = client.tag_resource().key_id(&id);
    for i in 0..49 {
        too_many = too_many.tags(
            Tag::builder()
                .tag_key(format!("k{i}"))
                .tag_value("v")
                .build()
                .unwrap(),
        );
    }
    assert_eq!(code_of(too_many.send().await), "TagException");

    // Tags are frozen while the key is pending deletion, but still listed.
    client
        .schedule_key_deletion()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(
            client
                .tag_resource()
                .key_id(&id)
                .tags(Tag::builder().tag_key("c").tag_value("3").build().unwrap())
                .send()
                .await
        ),
        "KMSInvalidStateException"
    );
    assert_eq!(
        client
            .list_resource_tags()
            .key_id(&id)
            .send()
            .await
            .unwrap()
            .tags()
            .len(),
        2
    );
}

#[tokio::test]
async fn keys_and_aliases_are_listed_one_per_page() {
    let client = kms().await;
    let (a, _) = new_key(&client, None).await;
    let (b, _) = new_key(&client, None).await;
    let alias_a = format!("alias/{}", unique("page-a"));
    let alias_b = format!("alias/{}", unique("page-b"));
    for (alias, key) in [(&alias_a, &a), (&alias_b, &b)] {
        client
            .create_alias()
            .alias_name(alias)
            .target_key_id(key)
            .send()
            .await
            .unwrap();
    }

    let mut keys = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_keys()
            .limit(1)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(page.keys().len(), 1);
        keys.extend(
            page.keys()
                .iter()
                .filter_map(|k| k.key_id().map(str::to_owned)),
        );
        if !page.truncated() {
            break;
        }
        marker = page.next_marker().map(str::to_owned);
    }
    assert!(keys.contains(&a) && keys.contains(&b));
    let mut sorted = keys.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), keys.len(), "no key is listed twice");

    let mut aliases = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_aliases()
            .limit(1)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(page.aliases().len(), 1);
        aliases.extend(
            page.aliases()
                .iter()
                .filter_map(|a| a.alias_name().map(str::to_owned)),
        );
        if !page.truncated() {
            break;
        }
        marker = page.next_marker().map(str::to_owned);
    }
    assert!(aliases.contains(&alias_a) && aliases.contains(&alias_b));
}
