//! Session tags and AssumeRole's condition keys, end to end: tags passed to AssumeRole
//! become the session's `aws:PrincipalTag/*` (over the role's own tag of the same key),
//! passing them needs `sts:TagSession` in the trust policy, and a trust policy's
//! `sts:ExternalId` condition holds.

use crate::common::{config_as, error_of, ssm, unique};
use aws_sdk_ssm::types::ParameterType;
use aws_sdk_sts::types::Tag;

const ACCOUNT: &str = "123456789012";
const TAGGER: (&str, &str) = ("AKIASTSTAGGER0000001", "sts-tagger-secret");

async fn sts() -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&config_as(TAGGER.0, TAGGER.1, None).await)
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// An SSM client signing as the session AssumeRole answered.
async fn ssm_of(
    output: &aws_sdk_sts::operation::assume_role::AssumeRoleOutput,
) -> aws_sdk_ssm::Client {
    let credentials = output.credentials().expect("credentials");
    aws_sdk_ssm::Client::new(
        &config_as(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token()),
        )
        .await,
    )
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

#[tokio::test]
async fn a_session_tag_decides_what_the_session_reads_over_the_roles_tag() {
    let name = unique("/tagged/x");
    ssm()
        .await
        .put_parameter()
        .name(&name)
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let sts = sts().await;
    // The role's own tag is team=green; the session tag `Team` (another case) replaces it.
    let blue = sts
        .assume_role()
        .role_arn(role("sts-tagged"))
        .role_session_name("blue")
        .tags(tag("Team", "blue"))
        .send()
        .await
        .unwrap();
    let got = ssm_of(&blue)
        .await
        .get_parameter()
        .name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("v"));
    for session in [Some("red"), None] {
        let mut request = sts
            .assume_role()
            .role_arn(role("sts-tagged"))
            .role_session_name("other");
        if let Some(team) = session {
            request = request.tags(tag("team", team));
        }
        let other = request.send().await.unwrap();
        let (code, message) = error_of(
            ssm_of(&other)
                .await
                .get_parameter()
                .name(&name)
                .send()
                .await,
        );
        assert_eq!(code, "AccessDeniedException", "{session:?}");
        assert!(
            message.contains("because no identity-based policy allows the ssm:GetParameter action"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn session_tags_need_sts_tag_session_in_the_trust_policy() {
    let sts = sts().await;
    let (code, message) = error_of(
        sts.assume_role()
            .role_arn(role("sts-untaggable"))
            .role_session_name("tagged")
            .tags(tag("team", "blue"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains(&format!(
            "is not authorized to perform: sts:TagSession on resource: {}",
            role("sts-untaggable")
        )),
        "{message}"
    );
    // A transitive key must name a tag passed.
    let (code, message) = error_of(
        sts.assume_role()
            .role_arn(role("sts-tagged"))
            .role_session_name("tagged")
            .tags(tag("team", "blue"))
            .transitive_tag_keys("cost")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        message,
        "The specified transitive tag key must be included in the requested tags."
    );
    // Without tags the same role is assumed.
    sts.assume_role()
        .role_arn(role("sts-untaggable"))
        .role_session_name("untagged")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn session_tags_are_checked_as_sts_constrains_them() {
    let sts = sts().await;
    let too_many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    let (code, message) = error_of(
        sts.assume_role()
            .role_arn(role("sts-tagged"))
            .role_session_name("many")
            .set_tags(Some(too_many))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains("Member must have length less than or equal to 50"),
        "{message}"
    );
    let (code, message) = error_of(
        sts.assume_role()
            .role_arn(role("sts-tagged"))
            .role_session_name("long")
            .tags(tag(&"k".repeat(129), "v"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(message.contains("tags.1.member.key"), "{message}");
    let (code, _) = error_of(
        sts.assume_role()
            .role_arn(role("sts-tagged"))
            .role_session_name("long")
            .tags(tag("k", &"v".repeat(257)))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
}

#[tokio::test]
async fn a_trust_policy_requiring_an_external_id_refuses_without_it() {
    let sts = sts().await;
    for external_id in [None, Some("someone-else")] {
        let (code, message) = error_of(
            sts.assume_role()
                .role_arn(role("sts-external"))
                .role_session_name("partner")
                .set_external_id(external_id.map(str::to_owned))
                .send()
                .await,
        );
        assert_eq!(code, "AccessDenied", "{external_id:?}");
        assert!(
            message.contains("is not authorized to perform: sts:AssumeRole"),
            "{message}"
        );
    }
    sts.assume_role()
        .role_arn(role("sts-external"))
        .role_session_name("partner")
        .external_id("blue-partner-7")
        .send()
        .await
        .unwrap();
}

/// A KMS grant allows only within the session's session policies: a grant to the role
/// lets its plain session decrypt, but not a session whose session policy allows SSM
/// alone (IAM User Guide, "Session policies": a resource-based permission naming the
/// role is limited by the session policy).
#[tokio::test]
async fn a_grant_to_a_role_does_not_reach_past_the_sessions_session_policy() {
    use aws_sdk_kms::primitives::Blob;
    use aws_sdk_kms::types::GrantOperation;
    crate::common::endpoint();
    let root = aws_sdk_kms::Client::new(&aws_config::load_from_env().await);
    let key = root
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    root.create_grant()
        .key_id(&key)
        .grantee_principal(role("app-role"))
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .unwrap();
    let blob = root
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new("granted"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    let assumer =
        aws_sdk_sts::Client::new(&config_as("AKIAASSUMER000000001", "assumer-secret", None).await);
    let only_ssm = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}"#;
    for (policy, allowed) in [(None, true), (Some(only_ssm), false)] {
        let session = assumer
            .assume_role()
            .role_arn(role("app-role"))
            .role_session_name("granted")
            .set_policy(policy.map(str::to_owned))
            .send()
            .await
            .unwrap();
        let credentials = session.credentials().unwrap();
        let kms = aws_sdk_kms::Client::new(
            &config_as(
                credentials.access_key_id(),
                credentials.secret_access_key(),
                Some(credentials.session_token()),
            )
            .await,
        );
        let result = kms.decrypt().ciphertext_blob(blob.clone()).send().await;
        if allowed {
            assert_eq!(
                result.unwrap().plaintext.unwrap().into_inner(),
                b"granted".to_vec()
            );
        } else {
            let (code, message) = error_of(result);
            assert_eq!(code, "AccessDeniedException");
            assert!(
                message.contains("because no session policy allows the kms:Decrypt action"),
                "{message}"
            );
        }
    }
}

/// The decision log's records of one request: `requestId` selects them.
async fn decisions_of(request_id: &str) -> Vec<serde_json::Value> {
    let (status, _, body) = crate::common::raw(
        "GET",
        &format!("/_emulator/decisions?requestId={request_id}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let log: serde_json::Value = serde_json::from_str(&body).unwrap();
    log["decisions"].as_array().unwrap().clone()
}

/// A request that authorises several actions leaves one record, listing each action's
/// evaluation, with the request's id, and the log filters by it.
#[tokio::test]
async fn the_decision_log_filters_the_records_of_one_request() {
    use aws_sdk_ssm::operation::RequestId;
    let put = ssm()
        .await
        .put_parameter()
        .name(unique("/tagged-put/x"))
        .value("v")
        .r#type(ParameterType::String)
        .tags(
            aws_sdk_ssm::types::Tag::builder()
                .key("team")
                .value("blue")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let id = put.request_id().expect("a request id").to_owned();
    let records = decisions_of(&id).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    let record = &records[0];
    assert_eq!(record["requestId"], id.as_str());
    assert_eq!(record["decision"], "Allow");
    assert_eq!(
        record["actions"],
        serde_json::json!(["ssm:PutParameter", "ssm:AddTagsToResource"])
    );
    let evaluated: Vec<&str> = record["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(evaluated, ["ssm:PutParameter", "ssm:AddTagsToResource"]);
    assert!(decisions_of("no-such-request").await.is_empty());
}

/// SSM's Encrypt for a SecureString is a request of its own on AWS (CloudTrail logs a KMS
/// event whose `invokedBy` is SSM): its record has its own id and names the SSM request it
/// was made for, and `?requestId=` of the SSM request shows both.
#[tokio::test]
async fn ssms_kms_call_is_a_record_of_its_own_linked_to_the_ssm_request() {
    use aws_sdk_ssm::operation::RequestId;
    let put = ssm()
        .await
        .put_parameter()
        .name(unique("/linked-put/secret"))
        .value("s3cret")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let id = put.request_id().expect("a request id").to_owned();
    let records = decisions_of(&id).await;
    assert_eq!(records.len(), 2, "{records:#?}");
    let own = records
        .iter()
        .find(|r| r["requestId"] == id.as_str())
        .expect("SSM's record");
    assert_eq!(own["actions"], serde_json::json!(["ssm:PutParameter"]));
    assert!(own.get("calledBy").is_none());
    let kms = records
        .iter()
        .find(|r| r["calledBy"]["requestId"] == id.as_str())
        .expect("KMS's record, linked");
    assert_ne!(kms["requestId"], id.as_str());
    assert_eq!(kms["calledBy"]["service"], "ssm.amazonaws.com");
    assert_eq!(kms["actions"], serde_json::json!(["kms:Encrypt"]));
    assert_eq!(kms["decision"], "Allow");
}

/// SourceIdentity end to end: answered by AssumeRole, in every later request of the
/// session as `aws:SourceIdentity`, refused without `sts:SetSourceIdentity` in the trust
/// policy, and checked as the model constrains it (IAM User Guide, "Monitor and control
/// actions taken with assumed roles").
#[tokio::test]
async fn a_source_identity_is_answered_and_decides_the_sessions_requests() {
    let name = unique("/sourced/x");
    ssm()
        .await
        .put_parameter()
        .name(&name)
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let sts = sts().await;
    let assume = |identity: &'static str| {
        sts.assume_role()
            .role_arn(role("sts-sourced"))
            .role_session_name("sourced")
            .source_identity(identity)
            .send()
    };
    let alice = assume("alice").await.expect("the trust policy allows it");
    assert_eq!(alice.source_identity(), Some("alice"));
    ssm_of(&alice)
        .await
        .get_parameter()
        .name(&name)
        .send()
        .await
        .expect("aws:SourceIdentity is alice");
    let bob = assume("bob").await.unwrap();
    let (code, _) = error_of(ssm_of(&bob).await.get_parameter().name(&name).send().await);
    assert_eq!(code, "AccessDeniedException");
    let (code, message) = error_of(assume("aws:alice").await);
    assert_eq!(code, "ValidationError", "{message}");
    let (code, message) = error_of(
        sts.assume_role()
            .role_arn(role("sts-untaggable"))
            .role_session_name("sourced")
            .source_identity("alice")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("sts:SetSourceIdentity"), "{message}");
}

/// Session tags past the packed limit: PackedPolicyTooLarge (HTTP 400) with the
/// percentage, as AWS words it; a few tags are answered with their PackedPolicySize.
#[tokio::test]
async fn session_tags_past_the_packed_limit_are_packed_policy_too_large() {
    let sts = sts().await;
    // A few tags fit (the SDK has deprecated its PackedPolicySize accessor; the unit
    // tests of sts check the percentage answered).
    sts.assume_role()
        .role_arn(role("sts-tagged"))
        .role_session_name("packed")
        .tags(tag("team", "blue"))
        .send()
        .await
        .unwrap();
    // Fifty tags of distinct text (each within the model's 128 and 256 characters).
    let mut request = sts
        .assume_role()
        .role_arn(role("sts-tagged"))
        .role_session_name("packed");
    for i in 0..50u64 {
        let mut x = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let text: String = (0..80)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect();
        request = request.tags(tag(&format!("k{i}"), &text));
    }
    let result = request.send().await;
    let status = result
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(status, Some(400));
    let (code, message) = error_of(result);
    assert_eq!(code, "PackedPolicyTooLarge");
    let percent = message
        .strip_prefix("Packed size of session tags consumes ")
        .and_then(|rest| rest.strip_suffix("% of allotted space."))
        .and_then(|n| n.parse::<u32>().ok());
    assert!(percent.is_some_and(|p| p > 100), "{message}");
}
