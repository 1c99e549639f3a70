//! KMS input checks from the service model, through the official aws-sdk-kms client:
//! CreateKey's key spec enums, grant tokens of the key operations, paging markers, and
//! ScheduleKeyDeletion's window (the model's 1–365 days, the service's 7–30).

use crate::common::{config_as, error_of};
use aws_sdk_kms::types::KeySpec;
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
