//! Templates deployed at start (`--template`): the reference scenario's SAM template, as
//! saved in `fixtures/parameter-store-blog/template/template.yaml`, deployed by its key
//! administrator over a world holding only that user; the scenario then holds against
//! the deployed world (the key policy, the role's confinement, the function reading its
//! configuration and secrets). The same holds for the template's Python variant
//! (`template-python.yaml`, the post's own language) where a Python 3.12 with
//! awslambdaric and boto3 is on the machine, and for `aws cloudformation deploy` where the
//! AWS CLI is installed; each test says so and skips otherwise, unless CI demands it
//! (`EMULATOR_TEST_MANAGED_RUNTIMES=required`, `EMULATOR_TEST_AWS_CLI=required`).

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_ssm::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::ParameterType;
use std::path::{Path, PathBuf};

const ADMIN: (&str, &str) = ("AKIAKEYADMINEXAMPLE1", "keyadmin-secret-access-key");

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The saved template with its function's code replaced by the handler binary this test
/// build made (a directory holding it as `bootstrap`), instead of a cargo build of the
/// handler crate: the template is otherwise the file, unchanged.
pub fn template_with_prebuilt_handler() -> PathBuf {
    let text = std::fs::read_to_string(
        repository().join("fixtures/parameter-store-blog/template/template.yaml"),
    )
    .expect("the saved template");
    let dir = prebuilt_handler_dir();
    let rewritten = text
        .replace("CodeUri: '../../../handler'", "CodeUri: './code'")
        .replace("    Metadata:\n      BuildMethod: rust-cargolambda\n", "");
    assert_ne!(rewritten, text);
    assert!(!rewritten.contains("      BuildMethod: rust-cargolambda"));
    let path = dir.join("template.yaml");
    std::fs::write(&path, rewritten).expect("write the template");
    path
}

/// A new directory holding `code/bootstrap`, a copy of the handler binary this test build
/// made (a directory per emulator: another test's function may be running its copy).
pub fn prebuilt_handler_dir() -> PathBuf {
    crate::common::remove_stale_test_files();
    let dir = std::env::temp_dir().join(crate::common::unique(&format!(
        "emulator-tests-{}-cfn-",
        std::process::id()
    )));
    let code = dir.join("code");
    std::fs::create_dir_all(&code).expect("code directory");
    std::fs::copy(
        env!("CARGO_BIN_EXE_scenario-handler"),
        code.join("bootstrap"),
    )
    .expect("copy the handler");
    dir
}

/// Starts an emulator on its own runtime with `fixtures` and the startup templates of
/// `config`, deployed before it listens; returns its URL, or the start's error.
pub fn start_with_templates(
    fixtures: Vec<PathBuf>,
    config: emulator::Config,
) -> Result<String, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let address = listener.local_addr().expect("address");
            let loaded =
                emulator::fixtures::load(&fixtures, &config.account).expect("fixtures load");
            let state = emulator::state::EmulatorState::from_fixtures(config, loaded)
                .expect("fixtures are valid");
            if let Err(e) = emulator::cfn::deploy_startup(&state).await {
                tx.send(Err(e)).expect("report");
                return;
            }
            tx.send(Ok(address)).expect("report");
            emulator::serve(listener, std::sync::Arc::new(state), std::future::pending())
                .await
                .expect("serve");
        });
    });
    rx.recv()
        .expect("emulator started")
        .map(|address| format!("http://{address}"))
}

fn blog_config(template: PathBuf, principal: &str) -> emulator::Config {
    emulator::Config {
        templates: emulator::cfn::StartupTemplates {
            files: vec![template],
            parameters: vec![("IAMUsername".to_owned(), "keyadmin".to_owned())],
            stack_name: Some("parameter-store-blog".to_owned()),
            principal: Some(principal.to_owned()),
        },
        ..emulator::Config::default()
    }
}

pub async fn sdk_config(endpoint: &str, key: (&str, &str)) -> aws_config::SdkConfig {
    aws_config::from_env()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ssm::config::Credentials::new(
            key.0, key.1, None, None, "test",
        ))
        .load()
        .await
}

#[tokio::test]
async fn the_blogs_template_deploys_at_start_and_the_scenario_holds() {
    let endpoint = start_with_templates(
        vec![repository().join("fixtures/parameter-store-blog/template/keyadmin.yaml")],
        blog_config(template_with_prebuilt_handler(), "keyadmin"),
    )
    .expect("the template deploys");
    let admin = sdk_config(&endpoint, ADMIN).await;
    let ssm = aws_sdk_ssm::Client::new(&admin);

    // The template's parameter exists, as the template gives it.
    let config = ssm
        .get_parameter()
        .name("/dev/parameterStoreBlog/appConfig")
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.parameter().unwrap().value(),
        Some(r#"{"key1": "value1","key2": "value2","key3": "value3"}"#)
    );

    // Row 1: the key administrator stores the secret under the template's key.
    ssm.put_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .value(r#"{"secretKey": "secretValue"}"#)
        .r#type(ParameterType::SecureString)
        .key_id("alias/ParameterStoreBlogKeyDev")
        .send()
        .await
        .expect("keyadmin may encrypt under the template's key");

    // Row 2: and may not read it decrypted (the key policy gives it no kms:Decrypt).
    let refused = ssm
        .get_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .with_decryption(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("AccessDeniedException"), "{refused:?}");

    // Row 5: the function, running as the template's role, answers both sections.
    let lambda = aws_sdk_lambda::Client::new(&admin);
    let out = lambda
        .invoke()
        .function_name("ParameterStoreBlogFunctionDev")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), None, "{:?}", out.payload());
    let payload: serde_json::Value =
        serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    let text = payload.as_str().expect("a string answer");
    assert!(
        text.contains(r#""secretKey":"secretValue""#)
            || text.contains(r#""secretKey": "secretValue""#),
        "{text}"
    );
    assert!(text.contains("key1"), "{text}");

    // The function's configuration is the template's (SAM's Tracing, Timeout, variables).
    let f = lambda
        .get_function_configuration()
        .function_name("ParameterStoreBlogFunctionDev")
        .send()
        .await
        .unwrap();
    assert_eq!(f.timeout(), Some(5));
    assert_eq!(
        f.role(),
        Some("arn:aws:iam::123456789012:role/ParameterStoreBlogFunctionRoleDev")
    );
    assert_eq!(
        f.tracing_config()
            .and_then(|t| t.mode())
            .map(|m| m.as_str()),
        Some("Active")
    );

    // A reset returns to the fixtures and deploys the template again.
    ssm.delete_parameter()
        .name("/dev/parameterStoreBlog/appConfig")
        .send()
        .await
        .unwrap();
    let (status, answer) = crate::admin::http(&endpoint, "POST", "/_emulator/reset").await;
    assert_eq!(status, 200, "{answer}");
    let config = ssm
        .get_parameter()
        .name("/dev/parameterStoreBlog/appConfig")
        .send()
        .await
        .unwrap();
    assert_eq!(config.parameter().unwrap().version(), 1);
    let refused = ssm
        .get_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("ParameterNotFound"));
    lambda
        .get_function_configuration()
        .function_name("ParameterStoreBlogFunctionDev")
        .send()
        .await
        .expect("the function is deployed again");
}

/// Whether CI demands the managed-runtime tests run (as in `lambda_managed`).
fn runtimes_required() -> bool {
    std::env::var("EMULATOR_TEST_MANAGED_RUNTIMES").is_ok_and(|v| v == "required")
}

/// Whether CI demands the AWS CLI tests run.
fn aws_cli_required() -> bool {
    std::env::var("EMULATOR_TEST_AWS_CLI").is_ok_and(|v| v == "required")
}

/// The Python variant of the template, deployed from the repository as it stands (its
/// `CodeUri: ./python` run in place as the task root): the key administrator encrypts
/// under the template's key but may not decrypt; the Python function, as the template's
/// role, reads both sections with the secret decrypted.
#[tokio::test]
async fn the_blogs_python_template_deploys_at_start_and_the_scenario_holds() {
    let template = repository().join("fixtures/parameter-store-blog/template/template-python.yaml");
    let config = emulator::Config {
        lambda_runtimes: crate::common::mapped_runtimes(),
        ..blog_config(template, "keyadmin")
    };
    let endpoint = match start_with_templates(
        vec![repository().join("fixtures/parameter-store-blog/template/keyadmin.yaml")],
        config,
    ) {
        Ok(endpoint) => endpoint,
        // Lambda's refusal of a runtime this machine has no interpreter for.
        Err(e) if e.contains("none was found") => {
            assert!(
                !runtimes_required(),
                "EMULATOR_TEST_MANAGED_RUNTIMES=required: {e}"
            );
            eprintln!("skipped: no Python 3.12 with awslambdaric for the template: {e}");
            return;
        }
        Err(e) => panic!("the Python template does not deploy: {e}"),
    };
    let admin = sdk_config(&endpoint, ADMIN).await;
    let ssm = aws_sdk_ssm::Client::new(&admin);
    ssm.put_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .value(r#"{"secretKey": "secretValue"}"#)
        .r#type(ParameterType::SecureString)
        .key_id("alias/ParameterStoreBlogKeyDev")
        .send()
        .await
        .expect("keyadmin may encrypt under the template's key");
    let refused = ssm
        .get_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .with_decryption(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("AccessDeniedException"), "{refused:?}");

    let lambda = aws_sdk_lambda::Client::new(&admin);
    let f = lambda
        .get_function_configuration()
        .function_name("ParameterStoreBlogFunctionDev")
        .send()
        .await
        .unwrap();
    assert_eq!(f.runtime().map(|r| r.as_str()), Some("python3.12"));
    assert_eq!(f.handler(), Some("lambda_function.lambda_handler"));
    let out = lambda
        .invoke()
        .function_name("ParameterStoreBlogFunctionDev")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), None, "{:?}", out.payload());
    let payload: serde_json::Value =
        serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    let text = payload.as_str().expect("a string answer");
    // Python's rendering of the sections; ConfigParser lowercases option names, as the
    // post's function shows them.
    assert!(text.starts_with("MyApp config is {"), "{text}");
    assert!(text.contains("'appConfig': {'key1': 'value1'"), "{text}");
    assert!(
        text.contains("'appSecrets': {'secretkey': 'secretValue'}"),
        "{text}"
    );

    // `Tracing: Active`: with the X-Ray SDK installed, the function's `load_config`
    // subsegment holds its GetParametersByPath call. Segments arrive over UDP as the SDK
    // ends them, so wait a little for them.
    let mut timeline = Vec::new();
    for _ in 0..50 {
        let (status, body) = crate::admin::http(
            &endpoint,
            "GET",
            "/_emulator/lambda/invocations?function=ParameterStoreBlogFunctionDev",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        timeline = body["invocations"][0]["xray"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if timeline.iter().any(|e| e["namespace"] == "aws") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let Some(call) = timeline.iter().find(|e| e["namespace"] == "aws") else {
        // CI's interpreter has the SDK (.ci/run installs aws-xray-sdk).
        assert!(
            !runtimes_required(),
            "no traced SSM call (is aws-xray-sdk installed?): {timeline:?}"
        );
        eprintln!("not checked: the function sent no X-Ray subsegments (aws-xray-sdk missing?)");
        return;
    };
    assert_eq!(call["operation"], "GetParametersByPath", "{call}");
    let load = timeline
        .iter()
        .find(|e| e["name"] == "load_config")
        .unwrap_or_else(|| panic!("no load_config subsegment in {timeline:?}"));
    assert_eq!(call["parentId"], load["id"], "{timeline:?}");
    assert!(
        !serde_json::to_string(&timeline)
            .unwrap()
            .contains("secretValue"),
        "no value is kept"
    );
}

#[tokio::test]
async fn a_principal_that_may_not_create_roles_cannot_deploy_the_template() {
    // A user allowed everything but IAM: the template's role is refused, and the start
    // fails naming the resource and the refusal; nothing of the stack remains.
    let dir =
        std::env::temp_dir().join(format!("emulator-tests-{}-cfn-denied", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = dir.join("users.yaml");
    std::fs::write(
        &fixture,
        r#"
account: "123456789012"
users:
  - name: keyadmin
    policies:
      - name: all-but-iam
        document:
          Version: "2012-10-17"
          Statement:
            - { Effect: Allow, Action: "*", Resource: "*" }
            - { Effect: Deny, Action: "iam:*", Resource: "*" }
"#,
    )
    .unwrap();
    let error = start_with_templates(
        vec![fixture],
        blog_config(template_with_prebuilt_handler(), "keyadmin"),
    )
    .expect_err("the deployment is refused");
    assert!(error.contains("ROLLBACK_COMPLETE"), "{error}");
    assert!(
        error.contains("ParameterStoreBlogFunctionRoleDev"),
        "{error}"
    );
    assert!(
        error.contains("is not authorized to perform: iam:CreateRole"),
        "{error}"
    );
}

/// The AWS CLI, when installed (`pip install awscli`): `aws cloudformation deploy` makes
/// and executes a change set and waits for it with its waiters.
fn aws_cli() -> Option<std::path::PathBuf> {
    let found = std::process::Command::new("aws")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    found.then(|| std::path::PathBuf::from("aws"))
}

#[tokio::test]
async fn aws_cloudformation_deploy_deploys_the_blogs_template() {
    let Some(aws) = aws_cli() else {
        assert!(
            !aws_cli_required(),
            "EMULATOR_TEST_AWS_CLI=required, but `aws --version` does not run"
        );
        eprintln!("skipped aws_cloudformation_deploy_deploys_the_blogs_template: the AWS CLI is not installed (pip install awscli)");
        return;
    };
    let template = template_with_prebuilt_handler();
    // `CodeUri: ./code` resolves against --template-code-root (there is no S3 here).
    let config = emulator::Config {
        template_code_root: template.parent().map(Path::to_path_buf),
        ..emulator::Config::default()
    };
    let endpoint = start_with_templates(
        vec![repository().join("fixtures/parameter-store-blog/template/keyadmin.yaml")],
        config,
    )
    .expect("the emulator starts");
    let deploy = |extra: &'static [&'static str]| {
        let aws = aws.clone();
        let endpoint = endpoint.clone();
        let template = template.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(aws)
                .args([
                    "cloudformation",
                    "deploy",
                    "--endpoint-url",
                    &endpoint,
                    "--region",
                    "us-east-1",
                ])
                .arg("--template-file")
                .arg(&template)
                .args([
                    "--stack-name",
                    "parameter-store-blog",
                    "--parameter-overrides",
                    "IAMUsername=keyadmin",
                ])
                .args(extra)
                .env("AWS_ACCESS_KEY_ID", ADMIN.0)
                .env("AWS_SECRET_ACCESS_KEY", ADMIN.1)
                .env_remove("AWS_SESSION_TOKEN")
                .env_remove("AWS_PROFILE")
                .env_remove("AWS_ENDPOINT_URL")
                .output()
                .expect("run aws")
        })
    };
    // Without the capability the CLI reports CloudFormation's refusal.
    let refused = deploy(&[]).await.unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("InsufficientCapabilities"), "{stderr}");
    let out = deploy(&["--capabilities", "CAPABILITY_NAMED_IAM"])
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Successfully created/updated stack - parameter-store-blog"),
        "{stdout}"
    );

    let admin = sdk_config(&endpoint, ADMIN).await;
    let lambda = aws_sdk_lambda::Client::new(&admin);
    let out = lambda
        .invoke()
        .function_name("ParameterStoreBlogFunctionDev")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), None, "{:?}", out.payload());
    let payload: serde_json::Value =
        serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert!(payload.as_str().unwrap().contains("key1"), "{payload}");

    // Deploying the same template again changes nothing, as the CLI reports it.
    let again = deploy(&[
        "--capabilities",
        "CAPABILITY_NAMED_IAM",
        "--no-fail-on-empty-changeset",
    ])
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(stdout.contains("No changes to deploy"), "{stdout}");
}
