//! Authorisation as AWS decides it, end to end with the official SDK clients: condition
//! keys AWS supplies (resource and principal tags, grant operations), the decision log's
//! one final record per decision (naming the grant that allowed), and soft enforcement.
//! Principals come from `fixtures/authz-principals.yaml`.

use crate::common::{config_as, error_of, raw, unique};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{GrantOperation, Tag};
use aws_sdk_ssm::types::ParameterType;

const ACCOUNT: &str = "123456789012";
const ABAC: (&str, &str) = ("AKIAAUTHZABAC0000001", "authz-abac-secret");
const GRANTER: (&str, &str) = ("AKIAAUTHZGRANTER0001", "authz-granter-secret");
const SOFT: (&str, &str) = ("AKIAAUTHZSOFT0000001", "authz-soft-secret");
const KMS_ADMIN: (&str, &str) = ("AKIAKMSADMIN00000001", "kms-admin-secret");
const KMS_GRANTEE: (&str, &str) = ("AKIAKMSGRANTEE000001", "kms-grantee-secret");

async fn kms_as(key: (&str, &str)) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&config_as(key.0, key.1, None).await)
}

async fn ssm_as(key: (&str, &str)) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&config_as(key.0, key.1, None).await)
}

async fn root_ssm() -> aws_sdk_ssm::Client {
    ssm_as(("test", "test")).await
}

/// The recent decisions of the shared emulator.
async fn decisions() -> Vec<serde_json::Value> {
    let (status, _, body) = raw("GET", "/_emulator/decisions", &[], b"").await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    body["decisions"].as_array().unwrap().clone()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

/// The attack: an identity policy denies kms:Encrypt under keys tagged env=prod;
/// Encrypt under such a key must be refused (it was allowed: aws:ResourceTag was never
/// supplied, so the Deny never applied).
#[tokio::test]
async fn a_deny_on_the_resource_tag_refuses_encrypt_under_a_prod_key() {
    let kms = kms_as(ABAC).await;
    let prod = kms
        .create_key()
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let dev = kms
        .create_key()
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let (code, message) = error_of(
        kms.encrypt()
            .key_id(&prod)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.contains("with an explicit deny in a identity-based policy"),
        "{message}"
    );
    kms.encrypt()
        .key_id(&dev)
        .plaintext(Blob::new("x"))
        .send()
        .await
        .expect("a dev key encrypts");
    // Tagging the dev key env=prod brings it under the Deny at once.
    kms.tag_resource()
        .key_id(&dev)
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        kms.encrypt()
            .key_id(&dev)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
}

/// The attack: a key policy lets a user create grants only for Decrypt
/// (`ForAllValues:StringEquals kms:GrantOperations`); a grant for Decrypt, Encrypt and
/// CreateGrant must be refused (it was allowed: without the key, ForAllValues holds).
#[tokio::test]
async fn a_key_policy_restricting_grant_operations_refuses_a_wider_grant() {
    let admin = kms_as(KMS_ADMIN).await;
    let granter_arn = format!("arn:aws:iam::{ACCOUNT}:user/authz-granter");
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdministersButNotGrants", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "NotAction": "kms:CreateGrant", "Resource": "*"},
            {"Sid": "GranterMayGrantDecryptOnly", "Effect": "Allow",
             "Principal": {"AWS": granter_arn},
             "Action": "kms:CreateGrant", "Resource": "*",
             "Condition": {"ForAllValues:StringEquals": {"kms:GrantOperations": ["Decrypt"]}}}
        ]
    });
    let key = admin
        .create_key()
        .policy(policy.to_string())
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let granter = kms_as(GRANTER).await;
    let grantee = format!("arn:aws:iam::{ACCOUNT}:user/kms-grantee");
    let (code, message) = error_of(
        granter
            .create_grant()
            .key_id(&key)
            .grantee_principal(&grantee)
            .operations(GrantOperation::Decrypt)
            .operations(GrantOperation::Encrypt)
            .operations(GrantOperation::CreateGrant)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("kms:CreateGrant"), "{message}");
    granter
        .create_grant()
        .key_id(&key)
        .grantee_principal(&grantee)
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .expect("a Decrypt-only grant is allowed");
}

/// Principal tags as policy variables and resource tags compared with them (ABAC).
#[tokio::test]
async fn principal_tags_decide_which_parameters_a_user_reads() {
    let root = root_ssm().await;
    let run = unique("abac");
    let own = format!("/authz/blue/{run}");
    let other = format!("/authz/red/{run}");
    let tagged_blue = format!("/authz-tagged/{run}-blue");
    let tagged_red = format!("/authz-tagged/{run}-red");
    for (name, team) in [
        (&own, None),
        (&other, None),
        (&tagged_blue, Some("blue")),
        (&tagged_red, Some("red")),
    ] {
        let mut put = root
            .put_parameter()
            .name(name)
            .value("v")
            .r#type(ParameterType::String);
        if let Some(team) = team {
            put = put.tags(
                aws_sdk_ssm::types::Tag::builder()
                    .key("team")
                    .value(team)
                    .build()
                    .unwrap(),
            );
        }
        put.send().await.unwrap();
    }
    let user = ssm_as(ABAC).await;
    user.get_parameter()
        .name(&own)
        .send()
        .await
        .expect("own team's path");
    let (code, _) = error_of(user.get_parameter().name(&other).send().await);
    assert_eq!(code, "AccessDeniedException");
    user.get_parameter()
        .name(&tagged_blue)
        .send()
        .await
        .expect("tagged for the user's team");
    let (code, _) = error_of(user.get_parameter().name(&tagged_red).send().await);
    assert_eq!(code, "AccessDeniedException");
    // The decision log shows the keys the policy read and their values.
    let refused = decisions()
        .await
        .into_iter()
        .find(|d| {
            d["action"] == "ssm:GetParameter"
                && d["resource"]
                    .as_str()
                    .is_some_and(|r| r.ends_with(&tagged_red))
        })
        .expect("the refusal is recorded");
    assert_eq!(refused["decision"], "ImplicitDeny");
    assert_eq!(refused["conditionKeys"]["ssm:resourcetag/team"], "red");
    assert_eq!(refused["conditionKeys"]["aws:principaltag/team"], "blue");
}

/// The decision log tells the whole story of a grant-allowed Decrypt: one record, allowed,
/// naming the grant (not the key policy's refusal followed by a success).
#[tokio::test]
async fn a_grant_allowed_decrypt_is_one_allowed_record_naming_the_grant() {
    let admin = kms_as(KMS_ADMIN).await;
    let key = admin
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let grantee_arn = format!("arn:aws:iam::{ACCOUNT}:user/kms-grantee");
    let grant = admin
        .create_grant()
        .key_id(&key.key_id)
        .grantee_principal(&grantee_arn)
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .unwrap();
    let grant_id = grant.grant_id.unwrap();
    let blob = admin
        .encrypt()
        .key_id(&key.key_id)
        .plaintext(Blob::new("secret"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    kms_as(KMS_GRANTEE)
        .await
        .decrypt()
        .ciphertext_blob(blob)
        .send()
        .await
        .expect("the grant allows Decrypt");
    let key_arn = key.arn.unwrap();
    let records: Vec<serde_json::Value> = decisions()
        .await
        .into_iter()
        .filter(|d| {
            d["principal"] == grantee_arn.as_str()
                && d["action"] == "kms:Decrypt"
                && d["resource"] == key_arn.as_str()
        })
        .collect();
    assert_eq!(records.len(), 1, "{records:#?}");
    let record = &records[0];
    assert_eq!(record["decision"], "Allow");
    assert_eq!(record["grant"], grant_id.as_str());
    assert!(
        record["reason"].as_str().unwrap().contains(&grant_id),
        "{record}"
    );
    let policies = record["policies"].as_array().unwrap();
    assert!(policies
        .iter()
        .any(|p| p["type"] == "resource" && p["name"] == "key policy"));
    assert!(policies
        .iter()
        .any(|p| p["type"] == "grant" && p["name"] == grant_id.as_str()));
}

/// The account root's CreateKey is recorded as allowed for the reason that it is the
/// root user, not "no identity-based policy allows".
#[tokio::test]
async fn the_roots_allowed_create_key_is_recorded_with_a_reason_that_says_root() {
    let root = kms_as(("test", "test")).await;
    root.create_key().send().await.unwrap();
    let records: Vec<serde_json::Value> = decisions()
        .await
        .into_iter()
        .filter(|d| {
            d["action"] == "kms:CreateKey"
                && d["principal"] == format!("arn:aws:iam::{ACCOUNT}:root").as_str()
        })
        .collect();
    assert!(!records.is_empty());
    for record in records {
        assert_eq!(record["decision"], "Allow");
        let reason = record["reason"].as_str().unwrap();
        assert!(reason.contains("root user"), "{reason}");
        assert!(!reason.contains("no identity-based policy"), "{reason}");
    }
}

/// Soft enforcement: a refusal is made and recorded as usual ("WouldDeny", with the
/// statement and the condition key that refuse) and the request is allowed.
#[tokio::test]
async fn soft_enforcement_records_would_deny_and_lets_the_request_through() {
    let root = root_ssm().await;
    let name = format!("/authz-soft/denied/{}", unique("p"));
    root.put_parameter()
        .name(&name)
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let soft = ssm_as(SOFT).await;
    let value = soft
        .get_parameter()
        .name(&name)
        .send()
        .await
        .expect("soft enforcement lets the refusal through")
        .parameter
        .unwrap()
        .value;
    assert_eq!(value.as_deref(), Some("v"));
    // An action no policy allows is let through too.
    soft.delete_parameter()
        .name(&name)
        .send()
        .await
        .expect("an implicit deny is let through");
    let records = decisions().await;
    let would = records
        .iter()
        .find(|d| {
            d["action"] == "ssm:GetParameter"
                && d["resource"].as_str().is_some_and(|r| r.ends_with(&name))
        })
        .expect("the GetParameter decision is recorded");
    assert_eq!(would["decision"], "WouldDeny", "{would}");
    assert_eq!(would["wouldBe"], "ExplicitDeny");
    assert_eq!(would["statement"]["sid"], "NotInUsEast1");
    assert_eq!(would["conditionKeys"]["aws:requestedregion"], "us-east-1");
    assert!(would["reason"].as_str().unwrap().contains("NotInUsEast1"));
    let deleted = records
        .iter()
        .find(|d| {
            d["action"] == "ssm:DeleteParameter"
                && d["resource"].as_str().is_some_and(|r| r.ends_with(&name))
        })
        .expect("the DeleteParameter decision is recorded");
    assert_eq!(deleted["decision"], "WouldDeny");
    assert_eq!(deleted["wouldBe"], "ImplicitDeny");
    // ?denied=true lists would-be refusals too.
    let (_, _, denied) = raw("GET", "/_emulator/decisions?denied=true", &[], b"").await;
    assert!(denied.contains(&name));
    // Another principal is still refused.
    let (code, _) = error_of(
        ssm_as(ABAC)
            .await
            .delete_parameter()
            .name(&name)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
}
