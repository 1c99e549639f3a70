//! Function states and update statuses end to end, with the official `aws-sdk-lambda`
//! client and its waiters (`function_updated`, `function_active`, as `aws lambda wait`
//! uses them): an update is `InProgress` while what it needs is prepared (here a managed
//! runtime's interpreter, found by a slow stand-in), refuses a second update in AWS's
//! words, leaves invocations on the previous code, then is `Successful`, or `Failed` with
//! its reason while the previous configuration stays. A runtime whose interpreter is
//! missing is refused at CreateFunction, and a fixture function of that runtime is
//! `Failed` with `InvalidRuntime`, answered at once at Invoke.
//!
//! These tests run an emulator of their own, whose managed runtimes are mapped to
//! stand-ins: `python3.13` to a script that answers the interpreter probe after two
//! seconds, `python3.12` to one that fails it after two seconds, `python3.14` to a path
//! that does not exist.

use crate::common::{error_of, start_emulator_with_fixtures, unique};
use crate::lambda::zipped;
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LastUpdateStatus, Runtime, State};
use aws_sdk_lambda::Client;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-test-role";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");
/// The fixture function whose runtime has no interpreter.
const BROKEN_FIXTURE: &str = "python-without-interpreter";

/// Writes an executable script.
fn script(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The emulator of these tests.
fn emulator() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("emulator-states-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("task")).unwrap();
        std::fs::write(dir.join("task/app.py"), "def handler(event, context):\n    return 1\n")
            .unwrap();
        // Answers the probe (version, client importable, executable) as an interpreter
        // with awslambdaric would, after a while.
        let slow = script(
            &dir,
            "slow-python",
            "#!/bin/sh\nsleep 2\necho 3.13.0\necho True\necho \"$0\"\n",
        );
        let failing = script(&dir, "failing-python", "#!/bin/sh\nsleep 2\nexit 1\n");
        let fixture = dir.join("functions.yaml");
        std::fs::write(
            &fixture,
            format!(
                "account: \"123456789012\"\nfunctions:\n  - name: {BROKEN_FIXTURE}\n    role: lambda-test-role\n    runtime: python3.14\n    handler: app.handler\n    code:\n      path: {}\n",
                dir.join("task").display()
            ),
        )
        .unwrap();
        start_emulator_with_fixtures(
            emulator::Config {
                lambda_runtimes: vec![
                    ("python3.13".to_owned(), slow),
                    ("python3.12".to_owned(), failing),
                    (
                        "python3.14".to_owned(),
                        PathBuf::from("/nonexistent/bin/python3.14"),
                    ),
                ],
                ..emulator::Config::default()
            },
            vec![fixture],
        )
    })
}

async fn lambda() -> Client {
    let config = aws_config::from_env()
        .endpoint_url(emulator())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await;
    Client::new(&config)
}

async fn create(client: &Client, name: &str) {
    let created = client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(zipped(ECHO))
        .send()
        .await
        .unwrap();
    assert_eq!(created.state(), Some(&State::Active));
}

async fn invoke_ok(client: &Client, name: &str) {
    let out = client
        .invoke()
        .function_name(name)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("invoke {name}: {e:?}"));
    assert_eq!(out.function_error(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_is_in_progress_while_prepared_then_successful() {
    let client = lambda().await;
    let name = unique("updating-");
    create(&client, &name).await;
    let updating = client
        .update_function_configuration()
        .function_name(&name)
        .runtime(Runtime::Python313)
        .handler("app.handler")
        .send()
        .await
        .unwrap();
    // The answer shows the new configuration, in progress, in AWS's words.
    assert_eq!(updating.runtime(), Some(&Runtime::Python313));
    assert_eq!(updating.state(), Some(&State::Active));
    assert_eq!(
        updating.last_update_status(),
        Some(&LastUpdateStatus::InProgress)
    );
    assert_eq!(
        updating.last_update_status_reason(),
        Some("The function is being created.")
    );
    assert_eq!(
        updating
            .last_update_status_reason_code()
            .map(|c| c.as_str()),
        Some("Creating")
    );
    // Another change meanwhile is refused as Lambda refuses it.
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    let (code, message) = error_of(
        client
            .update_function_code()
            .function_name(&name)
            .zip_file(Blob::new(crate::lambda::bootstrap_zip(ECHO)))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    assert_eq!(
        message,
        format!("The operation cannot be performed at this time. An update is in progress for resource: {arn}")
    );
    let (code, _) = error_of(client.publish_version().function_name(&name).send().await);
    assert_eq!(code, "ResourceConflictException");
    // Invocations still go to the previous code and configuration.
    invoke_ok(&client, &name).await;
    let read = client
        .get_function_configuration()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.last_update_status(),
        Some(&LastUpdateStatus::InProgress)
    );
    // `aws lambda wait function-updated`.
    client
        .wait_until_function_updated()
        .function_name(&name)
        .wait(Duration::from_secs(60))
        .await
        .expect("the update ends Successful");
    let done = client
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let config = done.configuration().unwrap();
    assert_eq!(config.runtime(), Some(&Runtime::Python313));
    assert_eq!(
        config.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    assert_eq!(config.last_update_status_reason(), None);
    // Changes are accepted again.
    client
        .update_function_configuration()
        .function_name(&name)
        .description("after")
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_update_keeps_the_previous_configuration_and_says_why() {
    let client = lambda().await;
    let name = unique("failing-update-");
    create(&client, &name).await;
    let updating = client
        .update_function_configuration()
        .function_name(&name)
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .send()
        .await
        .unwrap();
    assert_eq!(
        updating.last_update_status(),
        Some(&LastUpdateStatus::InProgress)
    );
    // The waiter stops on Failed.
    let waited = client
        .wait_until_function_updated()
        .function_name(&name)
        .wait(Duration::from_secs(60))
        .await;
    assert!(waited.is_err(), "{waited:?}");
    let config = client
        .get_function_configuration()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(config.last_update_status(), Some(&LastUpdateStatus::Failed));
    assert_eq!(
        config.last_update_status_reason_code().map(|c| c.as_str()),
        Some("InvalidRuntime")
    );
    let reason = config.last_update_status_reason().unwrap_or_default();
    assert!(reason.contains("failing-python did not run"), "{reason}");
    assert!(reason.contains("pip install awslambdaric"), "{reason}");
    // The previous configuration stays, and runs.
    assert_eq!(config.runtime(), Some(&Runtime::Providedal2023));
    assert_eq!(config.state(), Some(&State::Active));
    invoke_ok(&client, &name).await;
    // An update that applies repairs it.
    let repaired = client
        .update_function_configuration()
        .function_name(&name)
        .description("repaired")
        .send()
        .await
        .unwrap();
    assert_eq!(
        repaired.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    assert_eq!(repaired.last_update_status_reason(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_without_interpreter_is_refused_at_creation_and_fails_a_fixture() {
    let client = lambda().await;
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(unique("no-interpreter-"))
            .runtime(Runtime::Python314)
            .role(ROLE)
            .handler("app.handler")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(crate::lambda_managed::zip_of(&[(
                        "app.py",
                        "def handler(e, c):\n    return 1\n",
                    )])))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(
        message.contains("/nonexistent/bin/python3.14 did not run"),
        "{message}"
    );
    // The fixture function of that runtime: Failed with the reason, never a hang.
    let waited = client
        .wait_until_function_active()
        .function_name(BROKEN_FIXTURE)
        .wait(Duration::from_secs(60))
        .await;
    assert!(waited.is_err(), "{waited:?}");
    let config = client
        .get_function_configuration()
        .function_name(BROKEN_FIXTURE)
        .send()
        .await
        .unwrap();
    assert_eq!(config.state(), Some(&State::Failed));
    assert_eq!(
        config.state_reason_code().map(|c| c.as_str()),
        Some("InvalidRuntime")
    );
    assert!(config
        .state_reason()
        .unwrap_or_default()
        .contains("/nonexistent/bin/python3.14 did not run"));
    let started = std::time::Instant::now();
    let (code, message) = error_of(
        client
            .invoke()
            .function_name(BROKEN_FIXTURE)
            .payload(Blob::new("{}"))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    assert_eq!(
        message,
        "The operation cannot be performed at this time. The function is currently in the following state: Failed"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_directory_downloads_as_a_zip_of_its_files() {
    let client = lambda().await;
    let got = client
        .get_function()
        .function_name(BROKEN_FIXTURE)
        .send()
        .await
        .unwrap();
    let package = crate::lambda_code::check_download(&got).await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("app.py").unwrap(), &mut text).unwrap();
    assert!(text.starts_with("def handler"), "{text}");
}

/// A zip of the echo binary as `bootstrap` and a file that makes it unique.
fn package_marked(marker: &str) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    writer.start_file("bootstrap", options).unwrap();
    writer.write_all(&std::fs::read(ECHO).unwrap()).unwrap();
    writer.start_file("marker", options).unwrap();
    writer.write_all(marker.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_versions_count_toward_the_code_storage_quota() {
    let (a, b, c) = (
        package_marked("a"),
        package_marked("b"),
        package_marked("c"),
    );
    let size = a.len() as u64;
    // Room for two packages and a half.
    let url = crate::common::start_emulator_with(emulator::Config {
        lambda_code_storage_bytes: size * 5 / 2,
        ..emulator::Config::default()
    });
    let config = aws_config::from_env()
        .endpoint_url(url)
        // A region without the fixtures' functions: this test's are all it stores.
        .region(aws_config::Region::new("eu-west-2"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await;
    let client = Client::new(&config);
    let name = unique("quota-");
    let update = |zip: &Vec<u8>| {
        client
            .update_function_code()
            .function_name(&name)
            .zip_file(Blob::new(zip.clone()))
            .send()
    };
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(a.clone()))
                .build(),
        )
        .publish(true)
        .send()
        .await
        .unwrap();
    // Version 1 keeps package a; $LATEST gets b: two packages stored.
    update(&b).await.unwrap();
    // Publishing b keeps nothing new.
    let two = client
        .publish_version()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(two.version(), Some("2"));
    // A third package does not fit while versions 1 and 2 keep theirs.
    let (code, message) = error_of(update(&c).await);
    assert_eq!(code, "CodeStorageExceededException");
    assert_eq!(message, "Code storage limit exceeded.");
    // Deleting version 1 frees its package.
    client
        .delete_function()
        .function_name(&name)
        .qualifier("1")
        .send()
        .await
        .unwrap();
    let updated = update(&c).await.unwrap();
    assert_eq!(updated.code_size(), c.len() as i64);
}
