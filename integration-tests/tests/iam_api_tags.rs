//! Tags of customer managed policies and instance profiles over the IAM API, with the
//! official `aws-sdk-iam` client: given at creation, changed by Tag*/Untag*, listed by
//! List*Tags and answered by Get*, IAM's errors for a missing entity and the quota, and a
//! policy's tags deciding access as its `aws:ResourceTag/*`.

use crate::common::{config_as, error_of, unique};
use aws_sdk_iam::types::Tag;

async fn iam() -> aws_sdk_iam::Client {
    crate::common::endpoint();
    aws_sdk_iam::Client::new(&aws_config::load_from_env().await)
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}"#;

#[tokio::test]
async fn managed_policies_carry_tags() {
    let iam = iam().await;
    let name = unique("tagged-policy-");
    let created = iam
        .create_policy()
        .policy_name(&name)
        .policy_document(DOCUMENT)
        .tags(tag("team", "red"))
        .send()
        .await
        .unwrap();
    let policy = created.policy().unwrap();
    assert_eq!(pairs(policy.tags()), [("team".into(), "red".into())]);
    let arn = policy.arn().unwrap().to_owned();

    iam.tag_policy()
        .policy_arn(&arn)
        .tags(tag("team", "blue"))
        .tags(tag("stage", "dev"))
        .send()
        .await
        .unwrap();
    iam.untag_policy()
        .policy_arn(&arn)
        .tag_keys("stage")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(pairs(listed.tags()), [("team".into(), "blue".into())]);
    let got = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(
        pairs(got.policy().unwrap().tags()),
        [("team".into(), "blue".into())]
    );

    // No more than 50 tags on a policy, counting those it has: nothing is applied.
    let mut request = iam.tag_policy().policy_arn(&arn);
    for i in 0..50 {
        request = request.tags(tag(&format!("k{i}"), "v"));
    }
    let (code, _) = error_of(request.send().await);
    assert_eq!(code, "LimitExceeded");
    let listed = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags().len(), 1);

    // A policy that does not exist.
    let missing = format!("arn:aws:iam::123456789012:policy/{}", unique("missing-"));
    let (code, _) = error_of(
        iam.tag_policy()
            .policy_arn(&missing)
            .tags(tag("k", "v"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");

    // Deleted, its tags go with it: a new policy of the same name has none.
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    iam.create_policy()
        .policy_name(&name)
        .policy_document(DOCUMENT)
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(listed.tags().is_empty());
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
}

#[tokio::test]
async fn instance_profiles_carry_tags() {
    let iam = iam().await;
    let name = unique("tagged-profile-");
    let created = iam
        .create_instance_profile()
        .instance_profile_name(&name)
        .tags(tag("tier", "web"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        pairs(created.instance_profile().unwrap().tags()),
        [("tier".into(), "web".into())]
    );
    iam.tag_instance_profile()
        .instance_profile_name(&name)
        .tags(tag("owner", "ops"))
        .send()
        .await
        .unwrap();
    iam.untag_instance_profile()
        .instance_profile_name(&name)
        .tag_keys("tier")
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_instance_profile_tags()
        .instance_profile_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(pairs(listed.tags()), [("owner".into(), "ops".into())]);
    let got = iam
        .get_instance_profile()
        .instance_profile_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pairs(got.instance_profile().unwrap().tags()),
        [("owner".into(), "ops".into())]
    );
    let (code, _) = error_of(
        iam.list_instance_profile_tags()
            .instance_profile_name(unique("missing-"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    iam.delete_instance_profile()
        .instance_profile_name(&name)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_policys_tags_are_its_resource_tags() {
    let iam = iam().await;
    let (red, plain) = (unique("red-policy-"), unique("plain-policy-"));
    let mut arns = Vec::new();
    for (name, tags) in [(&red, vec![tag("team", "red")]), (&plain, vec![])] {
        let created = iam
            .create_policy()
            .policy_name(name)
            .policy_document(DOCUMENT)
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
        arns.push(created.policy().unwrap().arn().unwrap().to_owned());
    }
    // A user who may read only the policies tagged team=red.
    let user = unique("policy-reader-");
    iam.create_user().user_name(&user).send().await.unwrap();
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("red-only")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetPolicy","Resource":"*",
                "Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let reader = aws_sdk_iam::Client::new(
        &config_as(key.access_key_id(), key.secret_access_key(), None).await,
    );
    reader
        .get_policy()
        .policy_arn(&arns[0])
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(reader.get_policy().policy_arn(&arns[1]).send().await);
    assert_eq!(code, "AccessDenied");
    for arn in &arns {
        iam.delete_policy().policy_arn(arn).send().await.unwrap();
    }
}
