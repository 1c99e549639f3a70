//! AWS Lambda over restJson1: functions (create, read, list, update, delete) and Invoke,
//! run in execution environments that are real child processes speaking the Lambda
//! Runtime API, as `provided.al2023` runs a `bootstrap` executable.
//!
//! - [`routes`]: every operation by method and path; the one table through which the
//!   implemented ones are reached.
//! - [`api`]: decodes a request for its operation and writes the answer.
//! - [`functions`]: CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
//!   UpdateFunctionConfiguration, UpdateFunctionCode, DeleteFunction.
//! - [`invoke`]: Invoke (RequestResponse, Event, DryRun), payload limits, throttling.
//! - [`execution`]: one invocation in an environment: cold or warm start, the
//!   platform's log lines, timeouts, crashes and initialisation errors as Lambda reports
//!   them.
//! - [`environment`]: a child process in its own process group, its environment
//!   variables and role session credentials, and its supervisor.
//! - [`runtime_api`]: the Runtime API each environment's runtime polls.
//! - [`pool`]: a function's environments (warm reuse, concurrency limit, idle reaping).
//! - [`store`], [`config`], [`code`], [`names`], [`model`]: functions, their
//!   configuration and code, names and ARNs, and the wire shapes.
//! - [`logs`], [`records`]: invocation logs and the invocation records behind
//!   `/_emulator/lambda/invocations`.
//! - [`error`]: [`LambdaError`], the one place codes and statuses are assigned.
//! - [`fixture`]: functions declared in fixture files.

/// The name Lambda requests are signed for (the credential scope's service).
pub const SIGNING_NAME: &str = "lambda";

pub mod api;
pub mod code;
pub mod config;
pub mod environment;
pub mod error;
pub mod execution;
pub mod fixture;
pub mod functions;
pub mod invoke;
pub mod logs;
pub mod model;
pub mod names;
pub mod pool;
pub mod records;
pub mod routes;
pub mod runtime_api;
pub mod store;

pub use error::LambdaError;

use crate::config::Config;
use crate::state::EmulatorState;
use code::WorkDir;
use records::InvocationRecords;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The service principal of Lambda (in trust policies).
pub const SERVICE_PRINCIPAL: &str = "lambda.amazonaws.com";

/// The emulator-wide part of Lambda (functions themselves are regional and live in each
/// region's state).
#[derive(Debug, Default)]
pub struct Lambda {
    /// Recent invocations and the environments' call trackers.
    pub records: Arc<InvocationRecords>,
    /// The address the emulator actually listens on (known once it serves).
    endpoint: OnceLock<SocketAddr>,
    /// Where deployment packages are unpacked; created on first use, removed with the
    /// emulator.
    workdir: Mutex<Option<Arc<WorkDir>>>,
    /// Set when the emulator stops: no new environments.
    stopping: AtomicBool,
}

impl Lambda {
    /// Records the address the emulator listens on.
    pub fn set_endpoint(&self, address: SocketAddr) {
        let _ = self.endpoint.set(address);
    }

    /// The URL functions reach the emulator at (`AWS_ENDPOINT_URL`): the listening
    /// address, with a wildcard address replaced by loopback.
    pub fn endpoint_url(&self, config: &Config) -> String {
        let mut address = self.endpoint.get().copied().unwrap_or(config.listen);
        if address.ip().is_unspecified() {
            address.set_ip(match address.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        format!("http://{address}")
    }

    /// The work directory, created on first use.
    pub fn workdir(&self) -> Result<Arc<WorkDir>, LambdaError> {
        let mut workdir = self.workdir.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = workdir.as_ref() {
            return Ok(Arc::clone(dir));
        }
        let dir = Arc::new(WorkDir::create().map_err(|e| {
            LambdaError::Service(format!(
                "Cannot create the emulator's Lambda work directory: {e}"
            ))
        })?);
        *workdir = Some(Arc::clone(&dir));
        Ok(dir)
    }

    /// Whether the emulator is stopping.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }
}

/// Stops every execution environment of every region and waits until their processes are
/// gone; no environment starts afterwards. Called when the emulator stops.
pub async fn stop_all(state: &EmulatorState) {
    state.lambda.stopping.store(true, Ordering::Release);
    let functions: Vec<_> = state
        .regions
        .all()
        .iter()
        .flat_map(|region| region.lambda.all())
        .collect();
    for function in &functions {
        function.pool.stop_all().await;
    }
    if !functions.is_empty() {
        tracing::debug!(
            functions = functions.len(),
            "execution environments stopped"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_given_to_functions_is_the_listening_address_on_loopback() {
        let lambda = Lambda::default();
        let config = Config::default();
        assert_eq!(lambda.endpoint_url(&config), "http://127.0.0.1:4566");
        lambda.set_endpoint("0.0.0.0:5000".parse().unwrap());
        assert_eq!(lambda.endpoint_url(&config), "http://127.0.0.1:5000");
    }
}
