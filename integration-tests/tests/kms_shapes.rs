//! KMS input checks from the service model, through the official aws-sdk-kms client:
//! CreateKey's key spec enums, grant tokens of the key operations, paging markers, and
//! ScheduleKeyDeletion's window (the model's 1–365 days, the service's 7–30); and
//! ListRetirableGrants, the one grant listing across keys.

use crate::common::{config_as, error_of};
use aws_sdk_kms::types::{GrantOperation, KeySpec};
use aws_sdk_kms::Client;

async fn kms() -> Client {
    Client::new(&config_as("test", "test", None).await)
}

#[tokio::test]
async fn model_constraints_are_checked_before_anything_else() {
    let client = kms().await;
    // A key spec outside the model's enum is a validation error (not an unsupported one).
    let (code, message) = error_of(
        client
            .create_key()
            .key_spec(KeySpec::from("AES_256"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(
        message.starts_with("1 validation error detected: Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, "),
        "{message}"
    );

    let created = client.create_key().send().await.unwrap();
    let id = created.key_metadata().unwrap().key_id().to_owned();
    // At most 10 grant tokens, also where only DescribeKey reads them.
    let mut describe = client.describe_key().key_id(&id);
    for i in 0..11 {
        describe = describe.grant_tokens(format!("token{i}"));
    }
    let (code, message) = error_of(describe.send().await);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("at 'grantTokens'"), "{message}");

    // A marker outside the model's characters is a validation error, not a bad marker.
    let (code, message) = error_of(client.list_keys().marker("\u{263A}").send().await);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("at 'marker'"), "{message}");

    // Inside the model's range, outside the service's: AWS's own sentence.
    let (code, message) = error_of(
        client
            .schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(1)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "PendingWindowInDays must be between 7 and 30"
        )
    );
    let (code, message) = error_of(
        client
            .schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(400)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(
        message.contains("Value '400' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365"),
        "{message}"
    );
}

/// The grants a principal may retire, over every key of the Region, in pages.
#[tokio::test]
async fn retirable_grants_are_listed_across_keys() {
    let client = kms().await;
    let retirer = crate::common::unique("retirer-");
    let iam = aws_sdk_iam::Client::new(&config_as("test", "test", None).await);
    let user = iam.create_user().user_name(&retirer).send().await.unwrap();
    let retirer_arn = user.user().unwrap().arn().to_owned();
    let grantee = "arn:aws:iam::123456789012:user/kms-grantee";
    let mut expected = Vec::new();
    for _ in 0..2 {
        let created = client.create_key().send().await.unwrap();
        let key = created.key_metadata().unwrap().arn().unwrap().to_owned();
        for retiring in [Some(retirer_arn.as_str()), None] {
            let grant = client
                .create_grant()
                .key_id(&key)
                .grantee_principal(grantee)
                .set_retiring_principal(retiring.map(str::to_owned))
                .operations(GrantOperation::Decrypt)
                .send()
                .await
                .unwrap();
            if retiring.is_some() {
                expected.push((key.clone(), grant.grant_id().unwrap().to_owned()));
            }
        }
    }
    expected.sort();
    let first = client
        .list_retirable_grants()
        .retiring_principal(&retirer_arn)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert!(first.truncated());
    let second = client
        .list_retirable_grants()
        .retiring_principal(&retirer_arn)
        .marker(first.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!second.truncated());
    let mut listed: Vec<(String, String)> = first
        .grants()
        .iter()
        .chain(second.grants())
        .map(|g| {
            assert_eq!(g.retiring_principal(), Some(retirer_arn.as_str()));
            assert_eq!(g.grantee_principal(), Some(grantee));
            (
                g.key_id().unwrap().to_owned(),
                g.grant_id().unwrap().to_owned(),
            )
        })
        .collect();
    listed.sort();
    assert_eq!(listed, expected);
}
