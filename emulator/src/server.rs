//! The one HTTP listener for every service: authentication, routes, the emulator's own
//! endpoints under `/_emulator/`, the body limit and graceful shutdown.

use crate::admin::{AdminAction, Admitted};
use crate::auth::sigv4::SignedRequest;
use crate::auth::{self, AuthError};
use crate::context::RequestContext;
use crate::dispatch;
use crate::lambda::records::{service_of_target, AwsCall, CallTracker};
use crate::lambda::{self, LambdaError};
use crate::protocol::{json, rest_json, AwsError, ProtocolError};
use crate::state::EmulatorState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// The state every handler shares.
pub type AppState = Arc<EmulatorState>;

/// The emulator's routes. Tests can drive this without a socket.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", post(aws_post))
        .route("/2015-03-31/functions", any(lambda_request))
        .route("/2015-03-31/functions/{*rest}", any(lambda_request))
        .route("/_emulator/health", get(health))
        .route("/_emulator/decisions", get(decisions))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/export", get(export))
        .route("/_emulator/snapshot", get(snapshot).post(restore_snapshot))
        .route("/_emulator/lambda/invocations", get(lambda_invocations))
        .route("/_emulator/console", any(crate::console::handle))
        .route("/_emulator/console/", any(crate::console::handle))
        .route("/_emulator/console/{*rest}", any(crate::console::handle))
        .route("/_lambda/code/{id}", get(lambda_code))
        .fallback(fallback)
        // Every route, the fallback included, is behind the Host and cross-site checks.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::guard::boundary,
        ))
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then finishes the
/// requests in flight. Lambda functions are told the listener's address; when `shutdown`
/// completes their execution environments are stopped (so invocations in flight end at
/// once), and every one of their processes is gone when this returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(address) = listener.local_addr() {
        state.lambda.set_endpoint(address);
    }
    let stopping = Arc::clone(&state);
    let shutdown = async move {
        shutdown.await;
        lambda::stop_all(&stopping).await;
    };
    let served = crate::listener::serve(
        listener,
        Arc::clone(&state),
        app(Arc::clone(&state)),
        shutdown,
    )
    .await;
    lambda::stop_all(&state).await;
    served
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An authentication failure, in the code names of the protocol that reports it.
struct AuthFailure<'a> {
    error: &'a AuthError,
    query_protocol: bool,
}

impl AwsError for AuthFailure<'_> {
    fn code(&self) -> &str {
        self.error.code(self.query_protocol)
    }
    fn status(&self) -> StatusCode {
        self.error.status(self.query_protocol)
    }
    fn message(&self) -> String {
        self.error.message()
    }
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    Timeout,
}

/// Reads a request body of at most `limit` bytes within the configured body timeout (a
/// client that trickles its body cannot hold a task forever).
async fn read_body(state: &EmulatorState, body: Body, limit: usize) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(
        state.config.body_read_timeout,
        axum::body::to_bytes(body, limit),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Timeout),
    }
}

fn body_timeout(state: &EmulatorState) -> ProtocolError {
    ProtocolError::RequestTimeout(state.config.body_read_timeout.as_secs())
}

/// Under `--strict`, refuses a request whose signature is missing or names a key the
/// emulator does not know, from its headers alone: such a request is refused before its
/// body is read, however large it says it is.
fn pre_authenticate(state: &EmulatorState, parts: &Parts) -> Result<(), AuthError> {
    if !state.iam.strict {
        return Ok(());
    }
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &[],
    };
    auth::pre_authenticate(&state.iam, &signed)
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

/// Records a call a Lambda function made back into the emulator (its caller is the
/// session of a live execution environment).
fn record_call(
    tracker: Option<Arc<CallTracker>>,
    ctx: &RequestContext,
    service: impl FnOnce() -> (String, String),
    started: Instant,
    response: &Response,
) {
    if let Some(tracker) = tracker {
        let (service, operation) = service();
        tracker.record(AwsCall {
            service,
            operation,
            status: response.status().as_u16(),
            error_code: crate::protocol::error_code_of(response),
            duration_ms: (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0,
            request_id: ctx.request_id.clone(),
        });
    }
}

/// `POST /`: the awsJson1.1 services (routed by `X-Amz-Target`) and STS (awsQuery,
/// form-encoded). Every request is authenticated first.
async fn aws_post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let target = header_str(&parts.headers, "x-amz-target");
    let query_protocol = target.is_none()
        && header_str(&parts.headers, header::CONTENT_TYPE)
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let request_id = crate::context::new_request_id();
    let write_error = |err: &dyn AwsError| {
        if query_protocol {
            crate::protocol::query::error(crate::sts::NAMESPACE, &request_id, err)
        } else {
            json::error(&request_id, err)
        }
    };
    if !query_protocol {
        // awsJson1.1 requests carry their protocol's content type (SDKs always send it);
        // a browser can send a body without a preflight only as text/plain, a form or
        // multipart, so this also keeps web pages from calling the JSON services.
        let content_type = header_str(&parts.headers, header::CONTENT_TYPE).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/x-amz-json-1.1") {
            let shown = if content_type.is_empty() {
                "none"
            } else {
                content_type
            };
            tracing::info!(
                content_type = shown,
                "request refused: not application/x-amz-json-1.1"
            );
            return write_error(&ProtocolError::UnsupportedContentType(shown.to_owned()));
        }
    }
    if let Err(error) = pre_authenticate(&state, &parts) {
        tracing::debug!(
            code = error.code(query_protocol),
            "authentication failed before the body was read"
        );
        return write_error(&AuthFailure {
            error: &error,
            query_protocol,
        });
    }
    let limit = state.config.body_limit.min(state.config.api_body_limit);
    let body = match read_body(&state, body, limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return write_error(&ProtocolError::RequestTooLarge(limit)),
        Err(BodyError::Timeout) => return write_error(&body_timeout(&state)),
    };
    // An awsQuery form is decoded once, here, for the operation and the call record; its
    // `Version` tells IAM (2010-05-08) from STS, and the signature must then be IAM's.
    let form = query_protocol.then(|| crate::protocol::query::QueryRequest::decode(&body));
    let iam_api = form
        .as_ref()
        .is_some_and(|f| f.get("Version") == Some(crate::iam_api::API_VERSION));
    let cfn_api = form
        .as_ref()
        .is_some_and(|f| f.get("Version") == Some(crate::cfn::api::API_VERSION));
    let service = if iam_api {
        Some(crate::iam_api::SIGNING_NAME)
    } else if cfn_api {
        Some(crate::cfn::api::SIGNING_NAME)
    } else if query_protocol {
        Some(crate::sts::SIGNING_NAME)
    } else {
        dispatch::signing_name(target)
    };
    let ctx = match authenticate_request(&state, &parts, &body, service, request_id.clone()) {
        Ok(ctx) => ctx,
        Err(error) => {
            tracing::debug!(code = error.code(query_protocol), "authentication failed");
            return write_error(&AuthFailure {
                error: &error,
                query_protocol,
            });
        }
    };
    tracing::debug!(target, region = %ctx.region, caller = %ctx.caller.arn, request_id = %ctx.request_id, "request");
    let tracker = state.lambda.records.tracker_for(&ctx.caller);
    let started = Instant::now();
    let operation = || match &form {
        Some(form) if iam_api => crate::iam_api::handle(&state, &ctx, form),
        Some(form) => crate::sts::handle(&state, &ctx, form),
        None => dispatch::aws_json(&state, &ctx, target, &body),
    };
    let response = if let (true, Some(form)) = (cfn_api, &form) {
        // A stack operation deploys across awaits and services; with a state directory
        // the whole world is written again before the answer leaves (stack operations
        // are rare next to parameter writes).
        let response = crate::cfn::api::handle(&state, &ctx, form).await;
        match state.durable.is_some() {
            false => response,
            true => match crate::durable::rewrite(&state).await {
                Ok(()) => response,
                Err(e) => {
                    tracing::error!(error = %e, "a change could not be made durable");
                    write_error(&ProtocolError::NotDurable(e.to_string()))
                }
            },
        }
    } else if state.durable.is_none() {
        operation()
    } else {
        // With a state directory, what the operation changed is committed before the
        // answer leaves: an answer received is a write that survives a crash.
        let (response, touched) = crate::durable::collecting(operation);
        match crate::durable::commit(&state, touched).await {
            Ok(()) => response,
            Err(e) => {
                tracing::error!(error = %e, "a change could not be made durable");
                write_error(&ProtocolError::NotDurable(e.to_string()))
            }
        }
    };
    record_call(
        tracker,
        &ctx,
        || match (target, &form) {
            (Some(target), _) => service_of_target(target),
            (None, form) => (
                if iam_api {
                    "iam"
                } else if cfn_api {
                    "cloudformation"
                } else {
                    "sts"
                }
                .to_owned(),
                form.as_ref()
                    .and_then(|f| f.action())
                    .unwrap_or_default()
                    .to_owned(),
            ),
        },
        started,
        &response,
    );
    response
}

/// Lambda's restJson1 routes (`/2015-03-31/functions...` and every other path of the
/// Lambda API): the route is found by method and path, the body read within the
/// operation's limit, the request authenticated, then the operation run.
async fn lambda_request(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let request_id = crate::context::new_request_id();
    let Some(matched) = lambda::routes::lookup(parts.method.as_str(), parts.uri.path()) else {
        return rest_json::error(
            &request_id,
            &LambdaError::UnknownOperation(format!(
                "No Lambda operation is served at {} {}.",
                parts.method,
                parts.uri.path()
            )),
        );
    };
    if let Err(error) = pre_authenticate(&state, &parts) {
        tracing::debug!(
            code = error.code(false),
            "authentication failed before the body was read"
        );
        return rest_json::error(
            &request_id,
            &LambdaError::Unauthenticated {
                code: error.code(false),
                message: error.message(),
            },
        );
    }
    let limit = lambda::api::body_limit(matched.operation, state.config.body_limit);
    let body = match read_body(&state, body, limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return rest_json::error(&request_id, &lambda::api::too_large(&matched, limit))
        }
        Err(BodyError::Timeout) => return rest_json::error(&request_id, &body_timeout(&state)),
    };
    let ctx = match authenticate_request(
        &state,
        &parts,
        &body,
        Some(lambda::SIGNING_NAME),
        request_id.clone(),
    ) {
        Ok(ctx) => ctx,
        Err(error) => {
            tracing::debug!(code = error.code(false), "authentication failed");
            return rest_json::error(
                &request_id,
                &LambdaError::Unauthenticated {
                    code: error.code(false),
                    message: error.message(),
                },
            );
        }
    };
    tracing::debug!(operation = matched.name, region = %ctx.region, caller = %ctx.caller.arn, request_id = %ctx.request_id, "request");
    let tracker = state.lambda.records.tracker_for(&ctx.caller);
    let started = Instant::now();
    let response = lambda::api::handle(
        &state,
        &ctx,
        &matched,
        lambda::api::LambdaRequest {
            query: parts.uri.query(),
            headers: &parts.headers,
            body,
        },
    )
    .await;
    // With a state directory, a request that may change functions (any but a read or an
    // invocation) is answered once they are committed.
    let changes = parts.method != axum::http::Method::GET && !matched.name.starts_with("Invoke");
    let response = if state.durable.is_some() && changes {
        match crate::durable::commit(&state, crate::durable::Touched::lambda(&ctx.region)).await {
            Ok(()) => response,
            Err(e) => {
                tracing::error!(error = %e, "a change could not be made durable");
                rest_json::error(&request_id, &ProtocolError::NotDurable(e.to_string()))
            }
        }
    } else {
        response
    };
    record_call(
        tracker,
        &ctx,
        || ("lambda".to_owned(), matched.name.to_owned()),
        started,
        &response,
    );
    response
}

fn json_response(body: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The query string's parameters.
fn query_params(parts: &Parts) -> HashMap<String, String> {
    form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The admin boundary (see [`crate::admin::admit`]) in front of an admin endpoint: the
/// request's parts and who was let through, or the refusal (403, AWS-shaped, logged).
async fn admin_gate(
    state: &EmulatorState,
    request: Request,
    actions: &[AdminAction],
) -> Result<(Parts, Admitted), Response> {
    let limit = state.config.api_body_limit;
    admin_gate_with_body(state, request, actions, limit)
        .await
        .map(|(parts, _, admitted)| (parts, admitted))
}

/// [`admin_gate`], keeping the body (read within `limit`).
async fn admin_gate_with_body(
    state: &EmulatorState,
    request: Request,
    actions: &[AdminAction],
    limit: usize,
) -> Result<(Parts, Bytes, Admitted), Response> {
    let (parts, body) = request.into_parts();
    let request_id = crate::context::new_request_id();
    let refuse = |error: ProtocolError| {
        tracing::info!(
            path = parts.uri.path(),
            actions = ?actions.iter().map(|a| a.name()).collect::<Vec<_>>(),
            reason = %error.message(),
            "admin request refused"
        );
        json::error(&request_id, &error)
    };
    if let Err(error) = pre_authenticate_admin(state, &parts) {
        return Err(refuse(ProtocolError::Refused(error.message())));
    }
    let body = match read_body(state, body, limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return Err(refuse(ProtocolError::RequestTooLarge(limit))),
        Err(BodyError::Timeout) => return Err(refuse(body_timeout(state))),
    };
    let authorization = header_str(&parts.headers, header::AUTHORIZATION);
    let signed = authorization.is_some_and(|a| a.trim_start().starts_with("AWS4-"))
        || parts
            .uri
            .query()
            .is_some_and(|q| q.contains("X-Amz-Signature="));
    let admitted = crate::admin::admit(
        state,
        authorization,
        signed,
        || authenticate_request(state, &parts, &body, None, request_id.clone()),
        actions,
    );
    match admitted {
        Ok(admitted) => {
            tracing::debug!(path = parts.uri.path(), who = %admitted.who(), "admin request");
            Ok((parts, body, admitted))
        }
        Err(error) => Err(refuse(error)),
    }
}

/// Under `--strict`, an admin request signed with an unknown key is refused before its
/// body is read (a bearer token needs no body either).
fn pre_authenticate_admin(state: &EmulatorState, parts: &Parts) -> Result<(), AuthError> {
    let bearer = header_str(&parts.headers, header::AUTHORIZATION)
        .is_some_and(|a| a.trim_start().to_ascii_lowercase().starts_with("bearer "));
    if bearer {
        Ok(())
    } else {
        pre_authenticate(state, parts)
    }
}

/// `POST /_emulator/reset`: back to the fixtures, in milliseconds.
async fn reset(State(state): State<AppState>, request: Request) -> Response {
    let admitted = match admin_gate(&state, request, &[AdminAction::Reset]).await {
        Ok((_, admitted)) => admitted,
        Err(refusal) => return refusal,
    };
    let started = std::time::Instant::now();
    let reset = match crate::admin::reset(&state) {
        // The startup templates are deployed again over the fixtures.
        Ok(()) => crate::cfn::deploy_startup(&state).await,
        Err(e) => Err(e.to_string()),
    };
    // The state directory goes back to the fixtures (and templates) too.
    let reset = match reset {
        Ok(()) => crate::durable::rewrite(&state)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match reset {
        Ok(()) => {
            tracing::info!(who = %admitted.who(), "world reset to the fixtures");
            json_response(serde_json::json!({
                "status": "reset",
                "elapsedMs": started.elapsed().as_secs_f64() * 1000.0,
            }))
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({"status": "error", "message": e}).to_string(),
        )
            .into_response(),
    }
}

/// `GET /_emulator/export[?include_secure_values=true]`: the current keys and parameters
/// in the fixture format (YAML). SecureString values only when asked for (which needs
/// `emulator:ExportSecureValues` besides `emulator:Export`, and is logged).
async fn export(State(state): State<AppState>, request: Request) -> Response {
    let include_secure_values = form_urlencoded::parse(
        request.uri().query().unwrap_or("").as_bytes(),
    )
    .any(|(name, value)| name == "include_secure_values" && value.eq_ignore_ascii_case("true"));
    let actions: &[AdminAction] = if include_secure_values {
        &[AdminAction::Export, AdminAction::ExportSecureValues]
    } else {
        &[AdminAction::Export]
    };
    let admitted = match admin_gate(&state, request, actions).await {
        Ok((_, admitted)) => admitted,
        Err(refusal) => return refusal,
    };
    if include_secure_values {
        tracing::warn!(who = %admitted.who(), "export with SecureString values in plain text");
    }
    (
        [(header::CONTENT_TYPE, "application/yaml")],
        crate::admin::export(&state, include_secure_values),
    )
        .into_response()
}

/// The largest snapshot `POST /_emulator/snapshot` accepts.
const SNAPSHOT_BODY_LIMIT: usize = 512 * 1024 * 1024;

/// `GET /_emulator/snapshot`: the whole regional state as one file (see
/// [`crate::snapshot`]). It holds key material, so it needs `emulator:Snapshot` and
/// `emulator:ExportSecureValues`, and is logged.
async fn snapshot(State(state): State<AppState>, request: Request) -> Response {
    let actions = [AdminAction::Snapshot, AdminAction::ExportSecureValues];
    let admitted = match admin_gate(&state, request, &actions).await {
        Ok((_, admitted)) => admitted,
        Err(refusal) => return refusal,
    };
    tracing::warn!(who = %admitted.who(), "snapshot taken (it holds key material)");
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"emulator-snapshot.json\"",
            ),
        ],
        crate::snapshot::take(&state),
    )
        .into_response()
}

/// `POST /_emulator/snapshot`: replaces the whole regional state with the snapshot in
/// the body, swapped in whole; a refused snapshot changes nothing (400).
async fn restore_snapshot(State(state): State<AppState>, request: Request) -> Response {
    let actions = [AdminAction::Restore];
    let (admitted, body) =
        match admin_gate_with_body(&state, request, &actions, SNAPSHOT_BODY_LIMIT).await {
            Ok((_, body, admitted)) => (admitted, body),
            Err(refusal) => return refusal,
        };
    let started = std::time::Instant::now();
    match crate::snapshot::restore(&state, &body) {
        Ok(()) => {
            if let Err(e) = crate::durable::rewrite(&state).await {
                tracing::error!(error = %e, "the restored snapshot could not be made durable");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "application/json")],
                    serde_json::json!({"status": "error", "message": e.to_string()}).to_string(),
                )
                    .into_response();
            }
            tracing::info!(who = %admitted.who(), "snapshot restored");
            json_response(serde_json::json!({
                "status": "restored",
                "elapsedMs": started.elapsed().as_secs_f64() * 1000.0,
            }))
        }
        Err(e) => {
            tracing::info!(who = %admitted.who(), error = %e, "snapshot refused");
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({"status": "refused", "message": e.to_string()}).to_string(),
            )
                .into_response()
        }
    }
}

/// `GET /_emulator/health`: whether the emulator is up, and what it serves. Open to
/// every caller that passes the host and site checks: container health checks use it.
async fn health(State(state): State<AppState>) -> Response {
    json_response(serde_json::json!({
        "status": "ok",
        "services": { "ssm": "available", "sts": "available", "kms": "available", "lambda": "available" },
        "defaultRegion": state.config.default_region,
        "account": state.config.account,
        "strict": state.iam.strict,
        "softEnforcement": state.iam.soft.all,
        "lambda": {
            "maxEnvironments": state.config.lambda_max_environments,
            "idleSeconds": state.config.lambda_idle_seconds,
        },
    }))
}

/// `GET /_emulator/decisions[?denied=true][&requestId=ID]`: the recent authorisation
/// decisions, oldest first, each with its reason; those of one request (the id of its
/// `x-amzn-RequestId` answer header) with `requestId`.
async fn decisions(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = match admin_gate(&state, request, &[AdminAction::ReadDecisions]).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    let params = query_params(&parts);
    let denied_only = params.get("denied").is_some_and(|v| v == "true");
    json_response(serde_json::json!({
        "decisions": state
            .iam
            .decision_log(denied_only, params.get("requestId").map(String::as_str)),
    }))
}

/// `GET /_emulator/lambda/invocations[?function=NAME]`: the recent invocations, oldest
/// first, with cold or warm start, durations, outcome and the AWS calls each made.
async fn lambda_invocations(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = match admin_gate(&state, request, &[AdminAction::ReadInvocations]).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    let params = query_params(&parts);
    json_response(serde_json::json!({
        "invocations": state.lambda.records.list(params.get("function").map(String::as_str)),
    }))
}

/// `GET /_lambda/code/{id}?token=SECRET`: a deployment package, through the link
/// GetFunction gave (a capability, as S3's presigned URL is: see `lambda::links`).
async fn lambda_code(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let params = query_params(&parts);
    let token = params.get("token").map(String::as_str).unwrap_or("");
    state.lambda.code_links.download(&id, token).await
}

/// Anything else: the other paths of the Lambda API go to Lambda (which names the
/// operation it does not implement); the rest is an AWS-shaped 404.
async fn fallback(state: State<AppState>, request: Request) -> Response {
    if lambda::routes::is_lambda_path(request.uri().path()) {
        return lambda_request(state, request).await;
    }
    json::error(
        &crate::context::new_request_id(),
        &ProtocolError::NotFound(format!("{} {}", request.method(), request.uri().path())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use axum::body::Body;
    use std::time::Duration;

    #[tokio::test]
    async fn serve_returns_once_shutdown_completes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let state = Arc::new(EmulatorState::new(Config::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, state, async {
            let _ = stopped.await;
        }));
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("server stops within 5 s")
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn oversized_bodies_are_refused_with_an_aws_shaped_413() {
        use tower::ServiceExt;
        let config = Config {
            body_limit: 1024,
            ..Config::default()
        };
        let router = app(Arc::new(EmulatorState::new(config)));
        let request = axum::http::Request::post("/")
            .header("x-amz-target", "AmazonSSM.GetParameter")
            .header("content-type", "application/x-amz-json-1.1")
            .body(Body::from(vec![b' '; 2048]))
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), axum::http::StatusCode::PAYLOAD_TOO_LARGE);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["__type"], "RequestEntityTooLargeException");
    }

    #[tokio::test]
    async fn lambda_paths_answer_in_rest_json_shape() {
        use tower::ServiceExt;
        let config = Config {
            body_limit: 1024,
            ..Config::default()
        };
        let router = app(Arc::new(EmulatorState::new(config)));
        let cases = [
            (
                "POST",
                "/2015-03-31/functions/f/invocations",
                vec![b' '; 2048],
                413,
                "RequestTooLargeException",
            ),
            (
                "GET",
                "/2015-03-31/functions/f/nothing-here",
                Vec::new(),
                404,
                "UnknownOperationException",
            ),
            (
                "GET",
                "/2016-08-19/account-settings",
                Vec::new(),
                501,
                "NotImplementedException",
            ),
            (
                "GET",
                "/2015-03-31/functions/f",
                Vec::new(),
                404,
                "ResourceNotFoundException",
            ),
        ];
        for (method, path, body, status, code) in cases {
            let request = axum::http::Request::builder()
                .method(method)
                .uri(path)
                .body(Body::from(body))
                .unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{method} {path}");
            assert_eq!(
                response.headers()["x-amzn-errortype"],
                code,
                "{method} {path}"
            );
            let body = axum::body::to_bytes(response.into_body(), 4096)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let kind = if status >= 500 { "Service" } else { "User" };
            assert_eq!(body["Type"], kind, "{method} {path}");
        }
    }
}
