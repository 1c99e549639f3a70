//! The emulator's command line: parse settings, set up logging, serve until SIGINT or
//! SIGTERM.

use anyhow::Context;
use clap::Parser;
use emulator::state::EmulatorState;
use emulator::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

/// An offline emulator of AWS SSM Parameter Store that speaks the real wire protocol.
///
/// Point an SDK at it with AWS_ENDPOINT_URL=http://127.0.0.1:4566.
#[derive(Debug, Parser)]
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
    #[arg(long, env = "EMULATOR_FIXTURES", value_delimiter = ',')]
    fixtures: Vec<std::path::PathBuf>,
    /// Refuse access keys the emulator does not know (UnrecognizedClientException)
    /// instead of treating them as the account root.
    #[arg(long, env = "EMULATOR_STRICT")]
    strict: bool,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    if cli.account.len() != 12 || !cli.account.bytes().all(|b| b.is_ascii_digit()) {
        anyhow::bail!("--account must be 12 digits, got {:?}", cli.account);
    }
    let config = Config {
        listen: cli.listen,
        default_region: cli.region,
        account: cli.account,
        strict: cli.strict,
        ..Config::default()
    };
    let fixtures = emulator::fixtures::load(&cli.fixtures, &config.account)
        .context("refusing to start on a broken fixture")?;
    let state = EmulatorState::from_fixtures(config, &fixtures)
        .context("refusing to start on a broken fixture")?;
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
    emulator::serve(listener, Arc::new(state), shutdown_signal()).await?;
    Ok(())
}
