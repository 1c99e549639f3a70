//! Lambda versions and aliases end to end, with the official `aws-sdk-lambda` client:
//! publishing (PublishVersion and `Publish: true`), each version's own configuration and
//! environments, aliases with routing weights, qualified invocations and ARNs, missing
//! qualifiers, and authorisation on qualified ARNs.

use crate::common::{config_as, endpoint, error_of, unique};
use crate::lambda::zipped;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, Environment, Runtime};
use aws_sdk_lambda::Client;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-test-role";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

async fn lambda() -> Client {
    endpoint();
    Client::new(&aws_config::load_from_env().await)
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

fn stage(value: &str) -> Environment {
    Environment::builder().variables("STAGE", value).build()
}

/// Invokes `name` (optionally qualified); the executed version and the echo's answer.
async fn invoke(client: &Client, name: &str, qualifier: Option<&str>) -> (String, Value) {
    let output = client
        .invoke()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_owned))
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("invoke {name} {qualifier:?}: {e:?}"));
    assert_eq!(output.function_error(), None);
    let body: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    (
        output.executed_version().unwrap_or_default().to_owned(),
        body,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_published_immutable_and_invoked_by_qualifier() {
    let client = lambda().await;
    let name = unique("versioned-");
    // Publish: true on CreateFunction answers version 1.
    let created = client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(zipped(ECHO))
        .environment(stage("one"))
        .publish(true)
        .send()
        .await
        .unwrap();
    assert_eq!(created.version(), Some("1"));
    assert_eq!(
        created.function_arn(),
        Some(format!("{}:1", arn(&name)).as_str())
    );
    // $LATEST changes; version 1 keeps its configuration.
    client
        .update_function_configuration()
        .function_name(&name)
        .environment(stage("two"))
        .send()
        .await
        .unwrap();
    let two = client
        .publish_version()
        .function_name(&name)
        .description("second")
        .send()
        .await
        .unwrap();
    assert_eq!(two.version(), Some("2"));
    assert_eq!(two.description(), Some("second"));
    // Nothing changed since version 2: publishing again answers version 2.
    let again = client
        .publish_version()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(again.version(), Some("2"));
    // A stale CodeSha256 or RevisionId publishes nothing.
    let (code, _) = error_of(
        client
            .publish_version()
            .function_name(&name)
            .code_sha256("bm90IHRoZSBoYXNo")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    let (code, _) = error_of(
        client
            .publish_version()
            .function_name(&name)
            .revision_id("stale")
            .send()
            .await,
    );
    assert_eq!(code, "PreconditionFailedException");

    let listed = client
        .list_versions_by_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let versions: Vec<&str> = listed
        .versions()
        .iter()
        .filter_map(|v| v.version())
        .collect();
    assert_eq!(versions, ["$LATEST", "1", "2"]);
    assert_eq!(
        listed.versions()[0].function_arn(),
        Some(format!("{}:$LATEST", arn(&name)).as_str())
    );
    let paged = client
        .list_versions_by_function()
        .function_name(&name)
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.versions().len(), 2);
    let rest = client
        .list_versions_by_function()
        .function_name(&name)
        .marker(paged.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.versions()[0].version(), Some("2"));
    assert_eq!(rest.next_marker(), None);

    let one = client
        .get_function_configuration()
        .function_name(&name)
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        one.environment().unwrap().variables().unwrap()["STAGE"],
        "one"
    );

    // Each version runs its own configuration, in environments of its own, and knows
    // which version it is and how it was invoked.
    let (executed, body) = invoke(&client, &name, Some("1")).await;
    assert_eq!(executed, "1");
    assert_eq!(body["env"]["STAGE"], "one");
    assert_eq!(body["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "1");
    assert_eq!(body["functionArn"], format!("{}:1", arn(&name)));
    let (executed, body) = invoke(&client, &format!("{name}:2"), None).await;
    assert_eq!(executed, "2");
    assert_eq!(body["env"]["STAGE"], "two");
    let (executed, latest) = invoke(&client, &name, None).await;
    assert_eq!(executed, "$LATEST");
    assert_eq!(latest["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_ne!(
        latest["pid"], body["pid"],
        "versions do not share environments"
    );
    let (executed, _) = invoke(&client, &name, Some("$LATEST")).await;
    assert_eq!(executed, "$LATEST");

    // A version that does not exist.
    for qualified in [format!("{name}:9"), format!("{}:9", arn(&name))] {
        let (code, message) = error_of(client.invoke().function_name(&qualified).send().await);
        assert_eq!(code, "ResourceNotFoundException");
        assert_eq!(message, format!("Function not found: {}:9", arn(&name)));
    }
    let (code, message) = error_of(
        client
            .get_function()
            .function_name(&name)
            .qualifier("9")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(message, format!("Function not found: {}:9", arn(&name)));

    // Deleting a version leaves the others.
    client
        .delete_function()
        .function_name(&name)
        .qualifier("1")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(invoke_result(&client, &name, "1").await);
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(invoke(&client, &name, Some("2")).await.0, "2");
    // Publish: true on UpdateFunctionCode answers the new version; numbers are never
    // reused, even after a version is deleted.
    let three = client
        .update_function_code()
        .function_name(&name)
        .zip_file(zipped(ECHO).zip_file().unwrap().clone())
        .publish(true)
        .send()
        .await
        .unwrap();
    assert_eq!(three.version(), Some("3"));
    let mut listed = Vec::new();
    let mut pages = client
        .list_functions()
        .function_version(aws_sdk_lambda::types::FunctionVersion::All)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for f in page.unwrap().functions() {
            if f.function_name() == Some(name.as_str()) {
                listed.push(f.version().unwrap_or_default().to_owned());
            }
        }
    }
    assert_eq!(listed, ["$LATEST", "2", "3"]);
    assert_eq!(invoke(&client, &name, Some("3")).await.0, "3");
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}

async fn invoke_result(
    client: &Client,
    name: &str,
    qualifier: &str,
) -> Result<
    aws_sdk_lambda::operation::invoke::InvokeOutput,
    aws_sdk_lambda::error::SdkError<
        aws_sdk_lambda::operation::invoke::InvokeError,
        aws_sdk_lambda::config::http::HttpResponse,
    >,
> {
    client
        .invoke()
        .function_name(name)
        .qualifier(qualifier)
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_point_at_versions_and_route_by_weight() {
    let client = lambda().await;
    let name = unique("aliased-");
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(zipped(ECHO))
        .environment(stage("one"))
        .publish(true)
        .send()
        .await
        .unwrap();
    client
        .update_function_configuration()
        .function_name(&name)
        .environment(stage("two"))
        .send()
        .await
        .unwrap();
    client
        .publish_version()
        .function_name(&name)
        .send()
        .await
        .unwrap();

    let created = client
        .create_alias()
        .function_name(&name)
        .name("live")
        .function_version("1")
        .description("canary")
        .routing_config(
            AliasRoutingConfiguration::builder()
                .additional_version_weights("2", 0.5)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.alias_arn(),
        Some(format!("{}:live", arn(&name)).as_str())
    );
    assert_eq!(created.function_version(), Some("1"));
    let weights: HashMap<String, f64> = created
        .routing_config()
        .unwrap()
        .additional_version_weights()
        .unwrap()
        .clone();
    assert_eq!(weights["2"], 0.5);
    let (code, message) = error_of(
        client
            .create_alias()
            .function_name(&name)
            .name("live")
            .function_version("1")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    assert!(
        message.contains(&format!("{}:live", arn(&name))),
        "{message}"
    );
    // An alias cannot name a version that does not exist.
    let (code, message) = error_of(
        client
            .create_alias()
            .function_name(&name)
            .name("broken")
            .function_version("7")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(message, format!("Function not found: {}:7", arn(&name)));

    // Invoked through the alias, both versions run, each with its own configuration.
    let mut seen = BTreeSet::new();
    for _ in 0..24 {
        let (executed, body) = invoke(&client, &name, Some("live")).await;
        let expected = if executed == "1" { "one" } else { "two" };
        assert_eq!(body["env"]["STAGE"], expected, "version {executed}");
        assert_eq!(body["functionArn"], format!("{}:live", arn(&name)));
        seen.insert(executed);
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(seen, BTreeSet::from(["1".to_owned(), "2".to_owned()]));

    // A version an alias routes to cannot be deleted.
    let (code, _) = error_of(
        client
            .delete_function()
            .function_name(&name)
            .qualifier("2")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");

    let alias = client
        .get_alias()
        .function_name(&name)
        .name("live")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        client
            .update_alias()
            .function_name(&name)
            .name("live")
            .revision_id("stale")
            .function_version("2")
            .send()
            .await,
    );
    assert_eq!(code, "PreconditionFailedException");
    let updated = client
        .update_alias()
        .function_name(&name)
        .name("live")
        .revision_id(alias.revision_id().unwrap())
        .function_version("2")
        .routing_config(AliasRoutingConfiguration::builder().build())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.function_version(), Some("2"));
    assert!(updated.routing_config().is_none());
    for _ in 0..3 {
        assert_eq!(invoke(&client, &format!("{name}:live"), None).await.0, "2");
    }
    // Reads through the alias answer the version it points at.
    let config = client
        .get_function_configuration()
        .function_name(&name)
        .qualifier("live")
        .send()
        .await
        .unwrap();
    assert_eq!(config.version(), Some("2"));

    client
        .create_alias()
        .function_name(&name)
        .name("previous")
        .function_version("1")
        .send()
        .await
        .unwrap();
    let listed = client
        .list_aliases()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed.aliases().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["live", "previous"]);
    let only_one = client
        .list_aliases()
        .function_name(&name)
        .function_version("1")
        .send()
        .await
        .unwrap();
    assert_eq!(only_one.aliases().len(), 1);

    // An alias that does not exist.
    let (code, message) = error_of(
        client
            .get_alias()
            .function_name(&name)
            .name("nope")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(message, format!("Alias not found: {}:nope", arn(&name)));
    let (code, message) = error_of(invoke_result(&client, &name, "nope").await);
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(message, format!("Function not found: {}:nope", arn(&name)));

    client
        .delete_alias()
        .function_name(&name)
        .name("previous")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(invoke_result(&client, &name, "previous").await);
    assert_eq!(code, "ResourceNotFoundException");
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}

/// An identity policy naming the unqualified function ARN allows the unqualified
/// invocation only: a version or alias is a resource of its own (the attacker holds a
/// policy for `$LATEST` and `live` and tries version 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualified_invocations_are_authorised_on_the_qualified_arn() {
    let admin = lambda().await;
    let name = "qualified-auth-fn";
    // The name is fixed (the fixture's policy names it): start from nothing.
    let _ = admin.delete_function().function_name(name).send().await;
    admin
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(zipped(ECHO))
        .publish(true)
        .send()
        .await
        .unwrap();
    admin
        .create_alias()
        .function_name(name)
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    let invoker =
        Client::new(&config_as("AKIALAMBDAQUALIFIED1", "lambda-qualified-secret", None).await);
    assert_eq!(invoke(&invoker, name, None).await.0, "$LATEST");
    assert_eq!(invoke(&invoker, name, Some("live")).await.0, "1");
    for (function_name, qualifier) in [(name.to_owned(), Some("1")), (format!("{name}:1"), None)] {
        let (code, message) = error_of(
            invoker
                .invoke()
                .function_name(&function_name)
                .set_qualifier(qualifier.map(str::to_owned))
                .send()
                .await,
        );
        assert_eq!(code, "AccessDeniedException");
        assert_eq!(
            message,
            format!(
                "User: arn:aws:iam::123456789012:user/lambda-qualified-invoker is not authorized to perform: lambda:InvokeFunction on resource: {}:1 because no identity-based policy allows the lambda:InvokeFunction action",
                arn(name)
            )
        );
    }
    admin
        .delete_function()
        .function_name(name)
        .send()
        .await
        .unwrap();
}
