//! Lambda's tagging API end to end with the official `aws-sdk-lambda` client: tags set at
//! creation, TagResource/UntagResource/ListTags and GetFunction agreeing, Lambda's errors
//! (a missing function, a qualified ARN, the 50-tag limit) and `aws:TagKeys` deciding a
//! TagResource.

use crate::common::{config_as, endpoint, error_of, unique};
use crate::lambda::zipped;
use aws_sdk_lambda::types::Runtime;
use aws_sdk_lambda::Client;
use std::collections::HashMap;

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-test-role";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

async fn lambda() -> Client {
    endpoint();
    Client::new(&aws_config::load_from_env().await)
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

async fn tags_of(client: &Client, name: &str) -> HashMap<String, String> {
    client
        .list_tags()
        .resource(arn(name))
        .send()
        .await
        .unwrap()
        .tags()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_are_the_functions_through_every_operation() {
    let client = lambda().await;
    let name = unique("tagged-");
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(zipped(ECHO))
        .tags("team", "red")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&client, &name).await,
        HashMap::from([("team".to_owned(), "red".to_owned())])
    );
    let revision = |c: &aws_sdk_lambda::operation::get_function::GetFunctionOutput| {
        c.configuration().unwrap().revision_id().unwrap().to_owned()
    };
    let before = client
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();

    // Added and overwritten; removed, with a key that is absent ignored.
    client
        .tag_resource()
        .resource(arn(&name))
        .tags("team", "blue")
        .tags("stage", "dev")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource(arn(&name))
        .tag_keys("stage")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let got = client
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let expected = HashMap::from([("team".to_owned(), "blue".to_owned())]);
    assert_eq!(got.tags(), Some(&expected));
    assert_eq!(tags_of(&client, &name).await, expected);
    assert_ne!(
        revision(&got),
        revision(&before),
        "a tag change is a new revision"
    );

    // Tags are the function's, not a version's: a version published before shows them.
    let version = client
        .publish_version()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .resource(arn(&name))
        .tags("after", "publish")
        .send()
        .await
        .unwrap();
    let got = client
        .get_function()
        .function_name(&name)
        .qualifier(version.version().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.tags().unwrap().get("after").map(String::as_str),
        Some("publish")
    );

    // A version or an alias cannot be tagged.
    let (code, message) = error_of(
        client
            .tag_resource()
            .resource(format!("{}:1", arn(&name)))
            .tags("k", "v")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(message.contains("aliases and versions"), "{message}");

    // A missing function.
    let missing = arn(&unique("missing-"));
    let (code, message) = error_of(client.list_tags().resource(&missing).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(message, format!("Function not found: {missing}"));

    // No more than 50 tags, counting those it has: nothing is applied.
    let mut request = client.tag_resource().resource(arn(&name));
    for i in 0..49 {
        request = request.tags(format!("k{i}"), "v");
    }
    let (code, message) = error_of(request.send().await);
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(message, "Number of tags exceeds resource tag limit.");
    assert_eq!(tags_of(&client, &name).await.len(), 2);

    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_keys_decide_tag_resource() {
    let client = lambda().await;
    let name = unique("tagkeys-");
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(zipped(ECHO))
        .send()
        .await
        .unwrap();
    // A user who may tag only with the key `team`.
    let iam = aws_sdk_iam::Client::new(&aws_config::load_from_env().await);
    let user = unique("tagger-");
    iam.create_user().user_name(&user).send().await.unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["lambda:TagResource", "lambda:ListTags"], "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}]}"#;
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("tag-team-only")
        .policy_document(policy)
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
    let tagger = Client::new(&config_as(key.access_key_id(), key.secret_access_key(), None).await);
    tagger
        .tag_resource()
        .resource(arn(&name))
        .tags("team", "red")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        tagger
            .tag_resource()
            .resource(arn(&name))
            .tags("owner", "mallory")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        tags_of(&client, &name).await,
        HashMap::from([("team".to_owned(), "red".to_owned())])
    );
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}
