//! What a request needs on its way to an operation, below the server, its guard and the
//! console (which all build on it, so none of them names the server): the state every
//! handler shares ([`AppState`]: the emulator's state and its state directory),
//! authentication into a [`RequestContext`], and the awsJson services' dispatch that a
//! signed request and the console's "Show" both run.

use crate::auth::sigv4::SignedRequest;
use crate::auth::{self, AuthError};
use crate::context::RequestContext;
use crate::dispatch::{DispatchTable, Lookup};
use crate::durable::{Durable, DurableError, Touched};
use crate::protocol::{json, AwsError, ProtocolError};
use crate::state::EmulatorState;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

/// The state every handler shares: the emulator's state, and the state directory its
/// changes are committed to before they are answered (`--state-dir`). The directory is
/// held here, beside the state and not in it, because committing is the request
/// pipeline's step: the state knows nothing of the store that keeps it.
#[derive(Debug, Clone)]
pub struct AppState {
    state: Arc<EmulatorState>,
    durable: Option<Arc<Durable>>,
}

impl AppState {
    /// The emulator's state, committed to `durable` (the open state directory) if given,
    /// else kept in memory only.
    pub fn new(state: Arc<EmulatorState>, durable: Option<Durable>) -> Self {
        AppState {
            state,
            durable: durable.map(Arc::new),
        }
    }

    /// The emulator's state, shared.
    pub fn state(&self) -> &Arc<EmulatorState> {
        &self.state
    }

    /// Whether changes are committed to a state directory.
    pub fn is_durable(&self) -> bool {
        self.durable.is_some()
    }

    /// Makes what a request changed durable before it is answered: returns once it is
    /// committed (at once without a state directory).
    pub async fn commit(&self, touched: Touched) -> Result<(), DurableError> {
        match &self.durable {
            Some(durable) => crate::durable::commit(durable, &self.state, touched).await,
            None => Ok(()),
        }
    }

    /// Writes the whole state to the state directory again (after a reset, a restored
    /// snapshot or a stack operation); nothing without one.
    pub async fn rewrite(&self) -> Result<(), DurableError> {
        match &self.durable {
            Some(durable) => crate::durable::rewrite(durable, &self.state).await,
            None => Ok(()),
        }
    }
}

/// The emulator's state in memory only (tests, and embedders without a state directory).
impl From<Arc<EmulatorState>> for AppState {
    fn from(state: Arc<EmulatorState>) -> Self {
        AppState::new(state, None)
    }
}

/// Every handler reads the state through its shared handle.
impl std::ops::Deref for AppState {
    type Target = EmulatorState;
    fn deref(&self) -> &EmulatorState {
        &self.state
    }
}

/// Authenticates a request (its SigV4 signature over the body, scoped to `service`, the
/// signing name of the service it is for) and builds the context every operation
/// receives: request id, region (from the signature scope), account, caller and source
/// address.
pub(crate) fn authenticate_request(
    state: &EmulatorState,
    parts: &Parts,
    body: &[u8],
    service: Option<&str>,
    request_id: String,
) -> Result<RequestContext, AuthError> {
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body,
    };
    let authenticated = auth::authenticate(
        &state.iam,
        &signed,
        service,
        time::OffsetDateTime::now_utc(),
    )?;
    let region = authenticated
        .scope
        .as_ref()
        .map_or(state.config.default_region.as_str(), |s| s.region.as_str());
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    Ok(RequestContext {
        request_id,
        region: region.to_owned(),
        account: state.config.account.clone(),
        caller: authenticated.caller,
        source_ip,
        decisions: Default::default(),
        called_by: None,
    })
}

/// Parameter Store (awsJson, `AmazonSSM.*`): its operations receive SSM's narrow
/// services, not the whole state.
pub(crate) static SSM: JsonService<crate::ssm::SsmError, dyn crate::ssm::SsmServices> =
    JsonService {
        name: "ssm",
        signing_name: crate::generated::ssm::SIGNING_NAME,
        table: &crate::ssm::TABLE,
        services: ssm_services,
    };

/// KMS (awsJson, `TrentService.*`): its operations receive KMS's narrow services.
pub(crate) static KMS: JsonService<crate::kms::KmsError, dyn crate::kms::KmsServices> =
    JsonService {
        name: "kms",
        signing_name: crate::generated::kms::SIGNING_NAME,
        table: &crate::kms::TABLE,
        services: kms_services,
    };

fn ssm_services(state: &EmulatorState) -> &(dyn crate::ssm::SsmServices + 'static) {
    state
}

fn kms_services(state: &EmulatorState) -> &(dyn crate::kms::KmsServices + 'static) {
    state
}

/// An awsJson1.1 service: its dispatch table, run on what its operations receive.
pub(crate) struct JsonService<E: 'static, S: ?Sized + 'static> {
    pub(crate) name: &'static str,
    pub(crate) signing_name: &'static str,
    pub(crate) table: &'static DispatchTable<E, [u8], Vec<u8>, S>,
    /// What the operations receive, from the state (SSM: its narrow services).
    services: fn(&EmulatorState) -> &S,
}

impl<E: AwsError + 'static, S: ?Sized + Sync + 'static> JsonService<E, S> {
    /// Finds the operation `target` names and runs it (without durability: the server
    /// commits around it).
    pub(crate) fn run(
        &self,
        state: &EmulatorState,
        ctx: &RequestContext,
        target: &str,
        body: &[u8],
    ) -> Response {
        match self.table.lookup(target) {
            Lookup::Found(handler) => match handler((self.services)(state), ctx, body) {
                Ok(output) => json::success(&ctx.request_id, output),
                Err(err) => {
                    tracing::debug!(target, code = err.code(), request_id = %ctx.request_id, "operation failed");
                    json::error(&ctx.request_id, &err)
                }
            },
            Lookup::NotImplemented => json::error(
                &ctx.request_id,
                &ProtocolError::NotImplemented(target.to_owned()),
            ),
            Lookup::Unknown => json::error(
                &ctx.request_id,
                &ProtocolError::UnknownOperation(target.to_owned()),
            ),
        }
    }
}

/// Runs an awsJson request already authenticated, as the console's "Show" does (the same
/// path as a signed request, without durability: it only reads).
pub(crate) fn aws_json(
    state: &EmulatorState,
    ctx: &RequestContext,
    target: Option<&str>,
    body: &[u8],
) -> Response {
    let target = target.unwrap_or_default();
    match target.split_once('.').map(|(prefix, _)| prefix) {
        Some(prefix) if prefix == SSM.table.prefix => SSM.run(state, ctx, target, body),
        Some(prefix) if prefix == KMS.table.prefix => KMS.run(state, ctx, target, body),
        _ => json::error(
            &ctx.request_id,
            &ProtocolError::UnknownOperation(target.to_owned()),
        ),
    }
}
