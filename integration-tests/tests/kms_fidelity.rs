//! KMS answers as AWS words them, through the official aws-sdk-kms client: HTTP 400 for
//! every client error, invalid and unknown key ids, quoted numbers and left-out
//! sensitive values in validation messages, tag rules, the on-demand rotation quota and
//! the AWS managed aliases ListAliases shows before their keys exist.

use crate::common::{config_as, error_of, unique};
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::Tag;
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
