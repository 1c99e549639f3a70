//! AWS Lambda over restJson1: functions (create, read, list, update, delete), versions
//! and aliases, and Invoke, run in execution environments that are real child processes
//! speaking the Lambda Runtime API, as `provided.al2023` runs a `bootstrap` executable
//! (or, for `python3.x` / `nodejs*.x`, an interpreter of the machine running AWS's runtime
//! interface client).
//!
//! - [`routes`]: every operation by method and path; the one table through which the
//!   implemented ones are reached.
//! - [`api`]: decodes a request for its operation and writes the answer.
//! - [`access`]: a request's function name as a target, and the caller's authorisation
//!   for an action on it.
//! - [`functions`]: CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
//!   UpdateFunctionConfiguration, UpdateFunctionCode, DeleteFunction.
//! - [`versions`]: PublishVersion, ListVersionsByFunction, the alias operations, and the
//!   resolution of qualifiers.
//! - [`invoke`]: Invoke (RequestResponse, Event, DryRun), payload limits, throttling.
//! - [`managed`]: the managed runtimes' interpreters; [`xray`]: the X-Ray daemon socket
//!   and invocation timelines; [`links`]: GetFunction's download links.
//! - [`execution`]: one invocation in an environment: cold or warm start, the
//!   platform's log lines, timeouts, crashes and initialisation errors as Lambda reports
//!   them; the emulator-wide environment limit and the shutdown ([`stop_all`]).
//! - [`global`]: [`Lambda`], the emulator-wide part (records, X-Ray, download links, the
//!   work directory, the Event queue, the environment permits).
//! - [`trust`]: whether an execution role lets Lambda assume it.
//! - [`environment`]: a child process in its own process group, its environment
//!   variables and role session credentials, and its supervisor.
//! - [`runtime_api`]: the Runtime API each environment's runtime polls.
//! - [`pool`]: a function's environments (warm reuse, concurrency limit, idle reaping).
//! - [`updates`]: the function's `State` and `LastUpdateStatus` while what it needs is
//!   prepared.
//! - [`store`], [`config`], [`code`], [`names`], [`model`]: functions, their
//!   configuration and code, names and ARNs, and the wire shapes.
//! - [`logs`], [`records`]: invocation logs and the invocation records behind
//!   `/_emulator/lambda/invocations`.
//! - [`error`]: [`LambdaError`], the one place codes and statuses are assigned.
//! - [`fixture`]: functions declared in fixture files.
//! - [`services`]: what Lambda needs from the rest of the emulator (its stores, IAM's
//!   authorisation, role sessions), as small traits the state implements.
//!
//! This file is only the facade (module list, signing name, re-exports): no module
//! reaches anything through it, and the lower modules (data, processes, store, execution)
//! name no module above them (`layering::lambdas_lower_modules_import_only_lower_ones`).

/// The name Lambda requests are signed for (the credential scope's service).
pub const SIGNING_NAME: &str = "lambda";

pub mod access;
pub mod api;
pub mod archive;
pub mod code;
pub mod config;
pub mod environment;
pub mod error;
pub mod execution;
pub mod fixture;
pub mod functions;
pub mod global;
pub mod invoke;
pub mod lifeline;
pub mod links;
pub mod logs;
pub mod managed;
pub mod model;
pub mod names;
pub mod pool;
pub mod records;
pub mod routes;
pub mod runtime_api;
pub mod services;
pub mod store;
pub mod tags;
pub mod trust;
pub mod updates;
pub mod versions;
pub mod xray;

pub use error::LambdaError;
// The API facade: the emulator-wide part and the shutdown live below the operations
// (`global`, `execution`); the rest of the emulator reaches them here.
pub use execution::stop_all;
pub use global::Lambda;
