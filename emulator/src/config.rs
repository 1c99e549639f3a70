//! The emulator's settings, shared by every service (the binary fills them from its
//! command line).

use std::net::SocketAddr;
use std::time::Duration;

/// The token that opens the emulator's admin endpoints (`--admin-token`). Its `Debug`
/// never shows it, and it is compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// A token; `None` when `text` is empty (an empty token would open the endpoints to
    /// anyone sending `Authorization: Bearer `).
    pub fn new(text: impl Into<String>) -> Option<Self> {
        let text = text.into();
        (!text.is_empty()).then_some(AdminToken(text))
    }

    /// Whether `given` is this token, in time independent of where they differ.
    pub fn matches(&self, given: &str) -> bool {
        crate::auth::constant_time_eq(self.0.as_bytes(), given.as_bytes())
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// The settings of the templates deployed at start (`--template`, repeatable), which
/// CloudFormation deploys (`cfn::deploy_startup`).
#[derive(Debug, Clone, Default)]
pub struct StartupTemplates {
    /// The template files, deployed in order after the fixtures (and again on reset).
    pub files: Vec<std::path::PathBuf>,
    /// `--parameter-overrides Key=Value`: given to every template that declares the key.
    pub parameters: Vec<(String, String)>,
    /// `--stack-name` (else the file's stem; with several templates, `NAME-STEM`).
    pub stack_name: Option<String>,
    /// `--template-principal`: the IAM user the templates are deployed as (else the
    /// account root). Its permissions apply to every resource created.
    pub principal: Option<String>,
}

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
    /// Interpreters mapped to managed runtimes (`--runtime python3.12=/usr/bin/python3`).
    pub lambda_runtimes: Vec<(String, std::path::PathBuf)>,
    /// The most execution environments (processes) all functions together may have;
    /// beyond it an Invoke that needs a new one is throttled (429).
    pub lambda_max_environments_total: usize,
    /// The most code (the `CodeSize` of every function) a region may store: Lambda's
    /// 75 GB code storage quota (`CodeStorageExceededException`).
    pub lambda_code_storage_bytes: u64,
    /// The most payload bytes of `Event` invocations waiting for an environment,
    /// emulator-wide (429 beyond).
    pub lambda_max_queued_event_bytes: usize,
    /// The token that opens `/_emulator/*` (besides a signed request of a principal
    /// allowed `emulator:*` actions). When set, the admin endpoints require one of the two
    /// in open mode too.
    pub admin_token: Option<AdminToken>,
    /// Host names (without port) accepted in the `Host` header besides the loopback
    /// names, the listen address and `emulator` (the compose service).
    pub allowed_hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`, or `*`) whose cross-site browser requests are
    /// accepted.
    pub allowed_origins: Vec<String>,
    /// Standard-tier parameters per region (AWS: 10,000), beyond which PutParameter
    /// answers `ParameterLimitExceeded`.
    pub max_standard_parameters: usize,
    /// Advanced-tier parameters per region (AWS: 100,000).
    pub max_advanced_parameters: usize,
    /// Customer managed KMS keys per region (AWS: 100,000), beyond which CreateKey
    /// answers `LimitExceededException`.
    pub max_keys: usize,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (and how long an idle
    /// keep-alive connection is kept).
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_read_timeout: Duration,
    /// The largest body of the awsJson/awsQuery services and the admin endpoints (their
    /// largest real inputs, a 32 KB key policy or an 8 KB parameter value, fit many times).
    pub api_body_limit: usize,
    /// Templates deployed at start, after the fixtures, and again on every reset.
    pub templates: StartupTemplates,
    /// The directory relative local code paths (`CodeUri`) of templates sent through the
    /// CloudFormation API resolve against (an emulator extension; no S3 here).
    pub template_code_root: Option<std::path::PathBuf>,
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
            lambda_runtimes: Vec::new(),
            lambda_max_environments_total: 64,
            lambda_code_storage_bytes: 75 * 1024 * 1024 * 1024,
            lambda_max_queued_event_bytes: 64 * 1024 * 1024,
            admin_token: None,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_standard_parameters: 10_000,
            max_advanced_parameters: 100_000,
            max_keys: 100_000,
            max_connections: 512,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            api_body_limit: 1024 * 1024,
            templates: StartupTemplates::default(),
            template_code_root: None,
        }
    }
}
