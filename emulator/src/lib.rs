//! An offline emulator of AWS Systems Manager Parameter Store, KMS, Lambda, STS, IAM and
//! CloudFormation that speaks the real wire protocols, for testing services against it.
//!
//! The components, in the order a request meets them:
//! - [`listener`]: the accept loop (connection limit, header read timeout, graceful
//!   shutdown).
//! - [`guard`]: the `Host` allow-list and the refusal of cross-site browser requests.
//! - [`server`]: the one HTTP listener for every service (`app` builds the router,
//!   `serve` runs it until shutdown), the registry of the services it serves
//!   (`SERVICES`), the health endpoint and the body limits; the admin endpoints behind
//!   [`admin::admit`].
//! - [`pipeline`]: what the server, its guard and the console share below them: the
//!   [`AppState`] every handler holds (the state, and beside it the state directory),
//!   a request's authentication and the awsJson services' dispatch.
//! - [`auth`]: reads the caller's SigV4 credential scope (access key, region, service).
//! - [`context`]: the [`context::RequestContext`] every operation receives: request id,
//!   region, account and caller.
//! - [`protocol`]: the only module that knows the wire formats (awsJson1.1, awsQuery,
//!   restJson1): it decodes operation inputs, encodes outputs and writes errors in AWS's
//!   shape.
//! - [`generated`]: written from AWS's service models by `cargo run -p codegen`: error
//!   codes with their statuses, operation and route tables, and the types and
//!   constraint checks of the operations implemented through them.
//! - [`dispatch`]: one table per service, keyed by the full operation name
//!   (`AmazonSSM.GetParameter`), from which every operation is reached; it knows no
//!   service.
//! - [`ssm`]: Parameter Store: its operations (on the narrow [`ssm::SsmServices`]), its
//!   error type and its store.
//! - [`lambda`]: Lambda over restJson1, and the execution environments (child processes
//!   speaking the Runtime API) that run functions.
//! - [`cfn`]: CloudFormation: templates deployed at start and through its API.
//! - [`state`]: state kept separately per region, created on first use.
//! - [`snapshot`]: the whole regional state as one versioned file, and its restore.
//! - [`durable`]: the state directory (`--state-dir`): every change committed to an
//!   embedded store before it is answered, loaded again at start.
//! - [`console`]: the browser console at `/_emulator/console/` (behind the admin
//!   boundary), rendered only when asked for.

pub mod admin;
pub mod auth;
pub mod cfn;
pub mod config;
pub mod console;
pub mod context;
pub mod dispatch;
pub mod durable;
pub mod fixtures;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod generated;
pub mod guard;
pub mod iam;
pub mod iam_api;
pub mod kms;
pub mod lambda;
#[cfg(test)]
mod layering;
pub mod listener;
pub mod pipeline;
pub mod protocol;
pub mod server;
pub mod snapshot;
pub mod ssm;
pub mod state;
pub mod sts;
pub mod time;

pub use config::Config;
pub use server::{app, serve, AppState};
