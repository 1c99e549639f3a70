//! The emulator's settings, shared by every service (the binary fills them from its
//! command line).

use std::net::SocketAddr;

/// Settings that apply to the whole emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the one HTTP listener binds.
    pub listen: SocketAddr,
    /// The region used when a request carries no signature scope, and for fixtures.
    pub default_region: String,
    /// The AWS account id every resource belongs to.
    pub account: String,
    /// The largest request body accepted, in bytes (Lambda's 6 MB synchronous payload
    /// plus room for its envelope).
    pub body_limit: usize,
    /// Refuse access keys the emulator does not know, instead of treating them as the
    /// account root.
    pub strict: bool,
    /// Soft enforcement for every principal: refusals are recorded and logged as "would
    /// deny", and the requests allowed.
    pub soft_enforcement: bool,
    /// Soft enforcement for these principals only (user or role ARNs).
    pub soft_enforcement_principals: Vec<String>,
    /// The most execution environments one Lambda function may have at once (its
    /// concurrency limit).
    pub lambda_max_environments: usize,
    /// How long an idle execution environment is kept warm, in seconds.
    pub lambda_idle_seconds: u64,
    /// Variables of the emulator's environment passed to every function besides the
    /// short allow-list (`lambda::environment::INHERITED_VARIABLES`).
    pub lambda_pass_env: Vec<String>,
    /// The most execution environments (processes) all functions together may have;
    /// beyond it an Invoke that needs a new one is throttled (429).
    pub lambda_max_environments_total: usize,
    /// The most code (the `CodeSize` of every function) a region may store: Lambda's
    /// 75 GB code storage quota (`CodeStorageExceededException`).
    pub lambda_code_storage_bytes: u64,
    /// The most payload bytes of `Event` invocations waiting for an environment,
    /// emulator-wide (429 beyond).
    pub lambda_max_queued_event_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 4566)),
            default_region: "us-east-1".to_owned(),
            account: "123456789012".to_owned(),
            body_limit: 7 * 1024 * 1024,
            strict: false,
            soft_enforcement: false,
            soft_enforcement_principals: Vec::new(),
            lambda_max_environments: 4,
            lambda_idle_seconds: 300,
            lambda_pass_env: Vec::new(),
            lambda_max_environments_total: 64,
            lambda_code_storage_bytes: 75 * 1024 * 1024 * 1024,
            lambda_max_queued_event_bytes: 64 * 1024 * 1024,
        }
    }
}
