//! The emulator's command line: parse settings, set up logging, serve until SIGINT or
//! SIGTERM.

use anyhow::Context;
use clap::Parser;
use emulator::state::EmulatorState;
use emulator::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

/// An offline emulator of AWS SSM Parameter Store, KMS, STS and Lambda that speaks the
/// real wire protocols.
///
/// Point an SDK at it with AWS_ENDPOINT_URL=http://127.0.0.1:4566.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "EMULATOR_LISTEN", default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// Region used for requests that carry no signature scope, and for fixtures.
    /// Signed requests use the region of their signature.
    #[arg(long, env = "EMULATOR_REGION", default_value = "us-east-1")]
    region: String,
    /// The AWS account id of every resource.
    #[arg(long, env = "EMULATOR_ACCOUNT", default_value = "123456789012")]
    account: String,
    /// Fixture files or directories to load (YAML or JSON; repeat or separate with ',').
    /// Without any, the reference scenario's world is served.
    #[arg(long, env = "EMULATOR_FIXTURES", value_delimiter = ',')]
    fixtures: Vec<std::path::PathBuf>,
    /// Start empty instead of with the reference scenario when no --fixtures are given.
    #[arg(long)]
    no_default_fixtures: bool,
    /// Threads serving requests (Lambda functions run in their own processes).
    #[arg(long, env = "EMULATOR_WORKERS", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,
    /// Refuse access keys the emulator does not know (UnrecognizedClientException)
    /// instead of treating them as the account root.
    #[arg(long, env = "EMULATOR_STRICT")]
    strict: bool,
    /// Soft enforcement: decide and record every request as usual, but let a refusal
    /// through, logged and recorded as "WouldDeny" with its reason.
    #[arg(long, env = "EMULATOR_SOFT_ENFORCEMENT")]
    soft_enforcement: bool,
    /// Soft enforcement for one principal (a user or role ARN); repeatable.
    #[arg(long, value_name = "ARN")]
    soft_enforcement_principal: Vec<String>,
    /// The most execution environments one Lambda function may run at once; a
    /// synchronous invocation beyond it is refused with TooManyRequestsException (429),
    /// an Event invocation waits for a free one.
    #[arg(long, env = "EMULATOR_LAMBDA_MAX_ENVIRONMENTS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    lambda_max_environments: u32,
    /// Seconds an idle execution environment is kept warm before it is stopped.
    #[arg(long, env = "EMULATOR_LAMBDA_IDLE_SECONDS", default_value_t = 300)]
    lambda_idle_seconds: u64,
    /// A variable of the emulator's environment to pass to every Lambda function (repeat,
    /// or separate with ','). Functions otherwise inherit only PATH, HOME, USER, the
    /// locale, TMPDIR, LD_LIBRARY_PATH and SSL_CERT_FILE/SSL_CERT_DIR.
    #[arg(
        long = "lambda-pass-env",
        env = "EMULATOR_LAMBDA_PASS_ENV",
        value_delimiter = ','
    )]
    lambda_pass_env: Vec<String>,
    /// The interpreter serving a managed Lambda runtime, `RUNTIME=PATH`
    /// (`python3.12=/usr/bin/python3`, `nodejs22.x=/usr/local/bin/node`; repeat, or
    /// separate with ','). Unmapped runtimes use an interpreter of their version found on
    /// PATH (or under pyenv).
    #[arg(long = "runtime", env = "EMULATOR_LAMBDA_RUNTIMES", value_delimiter = ',', value_parser = emulator::lambda::managed::parse_mapping)]
    runtime: Vec<(String, std::path::PathBuf)>,
    /// The most execution environments (processes) of all Lambda functions together; an
    /// invocation that needs one more is refused with TooManyRequestsException (429)
    /// once idle environments of other functions have been stopped to make room.
    #[arg(long, env = "EMULATOR_LAMBDA_MAX_ENVIRONMENTS_TOTAL", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10000))]
    lambda_max_environments_total: u32,
    /// A token that opens /_emulator/* (send `Authorization: Bearer TOKEN`). Under
    /// --strict the admin endpoints need it or a request signed by a principal allowed
    /// `emulator:*` actions; when given, they need it in open mode too.
    #[arg(long, env = "EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// A host name (without port) the emulator answers for besides localhost,
    /// 127.0.0.1, [::1], its listen address and `emulator` (repeat, or separate with ',').
    #[arg(long, env = "EMULATOR_ALLOWED_HOSTS", value_delimiter = ',')]
    allowed_host: Vec<String>,
    /// An origin (`https://app.example:8443`, or `*`) whose cross-site browser requests
    /// are accepted (repeat, or separate with ',').
    #[arg(long, env = "EMULATOR_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origin: Vec<String>,
    /// Standard-tier parameters per region before PutParameter answers
    /// ParameterLimitExceeded (AWS's quota; parameters loaded from fixtures count but are
    /// never refused).
    #[arg(
        long,
        env = "EMULATOR_MAX_STANDARD_PARAMETERS",
        default_value_t = 10_000
    )]
    max_standard_parameters: usize,
    /// Advanced-tier parameters per region (AWS's quota).
    #[arg(
        long,
        env = "EMULATOR_MAX_ADVANCED_PARAMETERS",
        default_value_t = 100_000
    )]
    max_advanced_parameters: usize,
    /// Customer managed KMS keys per region before CreateKey answers
    /// LimitExceededException (AWS's quota).
    #[arg(long, env = "EMULATOR_MAX_KEYS", default_value_t = 100_000)]
    max_keys: usize,
    /// Connections served at once (further ones wait).
    #[arg(long, env = "EMULATOR_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    max_connections: u32,
    /// Seconds a client may take to send a request's headers (and an idle keep-alive
    /// connection is kept).
    #[arg(long, env = "EMULATOR_HEADER_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout_seconds: u64,
    /// Restore this snapshot (written by GET /_emulator/snapshot) at start, over the
    /// fixtures' keys and parameters; a newer, foreign or damaged file stops the start.
    #[arg(long, value_name = "FILE")]
    load_snapshot: Option<std::path::PathBuf>,
    /// Keep every parameter (all versions, labels, tags, policies) and every KMS key
    /// (material, grants, rotations, deletion schedule) and alias in this directory,
    /// committed before each change is answered, and load them at start. An empty or new
    /// directory is seeded from the fixtures; POST /_emulator/reset puts the fixtures
    /// back in it. Key material is sealed under DIR/state.key (mode 0600).
    #[arg(long, env = "EMULATOR_STATE_DIR", value_name = "DIR")]
    state_dir: Option<std::path::PathBuf>,
    /// Seconds a client may take to send a request's body.
    #[arg(long, env = "EMULATOR_BODY_TIMEOUT_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout_seconds: u64,
    /// A CloudFormation or SAM template (YAML or JSON) to deploy at start, after the
    /// fixtures, and again on every reset; repeatable. Local `CodeUri` paths resolve
    /// against the template's directory.
    #[arg(long, value_name = "FILE")]
    template: Vec<std::path::PathBuf>,
    /// Values of the templates' parameters (`Key=Value ...`), as `aws cloudformation
    /// deploy` takes them.
    #[arg(long, value_name = "KEY=VALUE", num_args = 1.., value_parser = parse_override)]
    parameter_overrides: Vec<(String, String)>,
    /// The stack name of the template (default: the file's name without extension).
    #[arg(long)]
    stack_name: Option<String>,
    /// The IAM user (from the fixtures) the templates are deployed as; default: the
    /// account root. Its permissions apply to every resource the templates create.
    #[arg(long, value_name = "USER")]
    template_principal: Option<String>,
    /// The directory relative local code paths (`CodeUri`, or `S3Bucket: __local__`) in
    /// templates sent through the CloudFormation API resolve against (default: the
    /// emulator's working directory). An emulator extension: there is no S3 here.
    #[arg(long, env = "EMULATOR_TEMPLATE_CODE_ROOT", value_name = "DIR")]
    template_code_root: Option<std::path::PathBuf>,
}

/// `Key=Value` of `--parameter-overrides`.
fn parse_override(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{text:?} is not Key=Value"))
}

/// The reference scenario's world: the repository's `fixtures/parameter-store-blog`
/// (whose function is built from the `handler` package) when the emulator runs from its
/// source tree, else the embedded copy of its principals, key and parameter.
fn default_fixtures(account: &str) -> anyhow::Result<emulator::fixtures::Fixtures> {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
        .join("parameter-store-blog");
    if source.is_dir() {
        return emulator::fixtures::load(&[source], account)
            .context("refusing to start on a broken fixture");
    }
    let file = std::path::Path::new("(embedded)/parameter-store-blog/world.yaml");
    let text = include_str!("../../fixtures/parameter-store-blog/world.yaml");
    let mut fixtures = emulator::fixtures::Fixtures::default();
    let parsed = emulator::fixtures::parse(file, text)?;
    emulator::fixtures::merge(&mut fixtures, file, parsed, account)?;
    Ok(fixtures)
}

/// What a newcomer needs: the endpoint, each principal's credentials, and an example
/// command for each (`{endpoint}` is filled in once the listener is bound). These are the
/// fixtures' own test credentials, printed on standard output, never logged.
fn welcome(fixtures: &emulator::fixtures::Fixtures) -> String {
    let mut out = String::from("\nEmulator ready at {endpoint}\n  export AWS_ENDPOINT_URL={endpoint} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n");
    out.push_str("  Unknown access keys act as the account root:\n    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws sts get-caller-identity\n");
    for (_, user) in &fixtures.users {
        for key in &user.access_keys {
            out.push_str(&format!(
                "  User {}:\n    AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} aws sts get-caller-identity\n",
                user.name, key.id, key.secret
            ));
        }
    }
    for (_, session) in &fixtures.role_sessions {
        out.push_str(&format!(
            "  Role {} (session {}):\n    AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_SESSION_TOKEN={} aws sts get-caller-identity\n",
            session.role, session.name, session.access_key_id, session.secret, session.session_token
        ));
    }
    for (_, function) in &fixtures.functions {
        out.push_str(&format!(
            "  Function {}:\n    aws lambda invoke --function-name {} --payload '{{}}' out.json && cat out.json   (AWS CLI v2: add --cli-binary-format raw-in-base64-out)\n",
            function.name, function.name
        ));
    }
    out
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // One worker thread by default: on the small machines emulators share with their test
    // suites, two workers spend a fifth of the CPU waking each other (see BENCHMARKS.md).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(cli.workers))
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if cli.account.len() != 12 || !cli.account.bytes().all(|b| b.is_ascii_digit()) {
        anyhow::bail!("--account must be 12 digits, got {:?}", cli.account);
    }
    let config = Config {
        listen: cli.listen,
        default_region: cli.region,
        account: cli.account,
        strict: cli.strict,
        soft_enforcement: cli.soft_enforcement,
        soft_enforcement_principals: cli.soft_enforcement_principal,
        lambda_max_environments: cli.lambda_max_environments as usize,
        lambda_idle_seconds: cli.lambda_idle_seconds,
        lambda_pass_env: cli.lambda_pass_env,
        lambda_runtimes: cli.runtime,
        lambda_max_environments_total: cli.lambda_max_environments_total as usize,
        admin_token: cli.admin_token.and_then(emulator::config::AdminToken::new),
        allowed_hosts: cli.allowed_host,
        allowed_origins: cli.allowed_origin,
        max_standard_parameters: cli.max_standard_parameters,
        max_advanced_parameters: cli.max_advanced_parameters,
        max_keys: cli.max_keys,
        max_connections: cli.max_connections as usize,
        header_read_timeout: std::time::Duration::from_secs(cli.header_timeout_seconds),
        body_read_timeout: std::time::Duration::from_secs(cli.body_timeout_seconds),
        templates: emulator::config::StartupTemplates {
            files: cli.template,
            parameters: cli.parameter_overrides,
            stack_name: cli.stack_name,
            principal: cli.template_principal,
        },
        template_code_root: cli.template_code_root,
        ..Config::default()
    };
    let fixtures = if cli.fixtures.is_empty() && !cli.no_default_fixtures {
        default_fixtures(&config.account)?
    } else {
        emulator::fixtures::load(&cli.fixtures, &config.account)
            .context("refusing to start on a broken fixture")?
    };
    let banner = welcome(&fixtures);
    let state = EmulatorState::from_fixtures(config, fixtures)
        .context("refusing to start on a broken fixture")?;
    if let Some(path) = &cli.load_snapshot {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the snapshot {}", path.display()))?;
        emulator::snapshot::restore(&state, &bytes)
            .with_context(|| format!("refusing to start on the snapshot {}", path.display()))?;
        tracing::info!(snapshot = %path.display(), "snapshot restored");
    }
    // The startup templates are deployed over the fixtures, not over a saved world (a
    // snapshot or a state directory that holds state already has what they made).
    let mut saved_world = cli.load_snapshot.is_some();
    let mut state_dir = None;
    if let Some(dir) = &cli.state_dir {
        let context = || format!("refusing to start on the state directory {}", dir.display());
        let (durable, found) =
            emulator::durable::Durable::open(dir, &state.config.account).with_context(context)?;
        if found == emulator::durable::Found::State && cli.load_snapshot.is_none() {
            durable.load(&state).with_context(context)?.install(&state);
            tracing::info!(dir = %dir.display(), "state loaded from the state directory");
        } else {
            if !saved_world {
                emulator::cfn::deploy_startup(&state)
                    .await
                    .map_err(|e| anyhow::anyhow!("refusing to start: {e}"))?;
            }
            // A new directory starts from the fixtures (and templates); a snapshot given
            // at start replaces what the directory held.
            durable.rewrite(&state).with_context(context)?;
            tracing::info!(dir = %dir.display(), "state directory seeded");
        }
        saved_world = true;
        state_dir = Some(durable);
    }
    if !saved_world {
        emulator::cfn::deploy_startup(&state)
            .await
            .map_err(|e| anyhow::anyhow!("refusing to start: {e}"))?;
    }
    let config = &state.config;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        endpoint = %format!("http://{address}"),
        region = %config.default_region,
        account = %config.account,
        "emulator listening; set AWS_ENDPOINT_URL=http://{address}"
    );
    tracing::info!(
        users = state.iam.directory().users.len(),
        roles = state.iam.directory().roles.len(),
        strict = state.iam.strict,
        "principals loaded"
    );
    let functions: Vec<_> = state
        .regions
        .all()
        .iter()
        .flat_map(|region| region.lambda.all())
        .collect();
    if !functions.is_empty() {
        tracing::info!(functions = functions.len(), "lambda functions loaded");
    }
    // Functions built from a cargo package started building when they were loaded, in the
    // background (cargo's progress is logged); they are Pending until their build ends.
    let mut banner = banner;
    for stack in state.region(&config.default_region).cfn.all() {
        banner.push_str(&format!(
            "  Stack {} ({}, {} resources):\n    aws cloudformation describe-stack-resources --stack-name {}\n",
            stack.name,
            stack.status,
            stack.resources.len(),
            stack.name
        ));
    }
    for function in functions {
        if function.current().code.state() == emulator::lambda::code::CodeState::Pending {
            tracing::info!(
                function = %function.name,
                "function Pending until its build ends; Invoke answers ResourceConflictException meanwhile"
            );
            banner.push_str(&format!(
                "  Function {} is being built (State Pending; Invoke is refused until it is Active). Wait for it with:\n    aws lambda wait function-active --function-name {}\n",
                function.name, function.name
            ));
        }
    }
    println!(
        "{}",
        banner.replace("{endpoint}", &format!("http://{address}"))
    );
    // Returns once the requests in flight are finished and every Lambda execution
    // environment's process is gone.
    let state = emulator::AppState::new(Arc::new(state), state_dir);
    emulator::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}
