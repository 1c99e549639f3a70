//! The one HTTP listener for every service: authentication, routes, the emulator's own
//! endpoints under `/_emulator/`, the body limit and graceful shutdown.

use crate::auth::sigv4::SignedRequest;
use crate::auth::{self, AuthError};
use crate::context::RequestContext;
use crate::dispatch;
use crate::protocol::{json, AwsError, ProtocolError};
use crate::state::EmulatorState;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The state every handler shares.
pub type AppState = Arc<EmulatorState>;

/// The emulator's routes. Tests can drive this without a socket.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", post(aws_post))
        .route("/_emulator/health", get(health))
        .route("/_emulator/decisions", get(decisions))
        .fallback(fallback)
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
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

/// `POST /`: the awsJson1.1 services (routed by `X-Amz-Target`) and STS (awsQuery,
/// form-encoded). Every request is authenticated first.
async fn aws_post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let target = header_str(&parts.headers, "x-amz-target");
    let query_protocol = target.is_none()
        && header_str(&parts.headers, header::CONTENT_TYPE)
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let request_id = uuid::Uuid::new_v4().to_string();
    let write_error = |err: &dyn AwsError| {
        if query_protocol {
            crate::protocol::query::error(crate::sts::NAMESPACE, &request_id, err)
        } else {
            json::error(&request_id, err)
        }
    };
    let limit = state.config.body_limit;
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return write_error(&ProtocolError::RequestTooLarge(limit));
    };
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    };
    let authenticated =
        match auth::authenticate(&state.iam, &signed, time::OffsetDateTime::now_utc()) {
            Ok(authenticated) => authenticated,
            Err(error) => {
                tracing::debug!(code = error.code(query_protocol), "authentication failed");
                return write_error(&AuthFailure {
                    error: &error,
                    query_protocol,
                });
            }
        };
    let region = authenticated
        .scope
        .as_ref()
        .map_or(state.config.default_region.as_str(), |s| s.region.as_str());
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let mut ctx = RequestContext::new(
        region,
        &state.config.account,
        authenticated.caller,
        source_ip,
    );
    ctx.request_id = request_id.clone();
    tracing::debug!(target, region = %ctx.region, caller = %ctx.caller.arn, request_id = %ctx.request_id, "request");
    if query_protocol {
        crate::sts::handle(&state, &ctx, &body)
    } else {
        dispatch::aws_json(&state, &ctx, target, &body)
    }
}

fn json_response(body: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `GET /_emulator/health`: whether the emulator is up, and what it serves.
async fn health(State(state): State<AppState>) -> Response {
    json_response(serde_json::json!({
        "status": "ok",
        "services": { "ssm": "available", "sts": "available" },
        "defaultRegion": state.config.default_region,
        "account": state.config.account,
        "strict": state.iam.strict,
    }))
}

/// `GET /_emulator/decisions[?denied=true]`: the recent authorisation decisions, oldest
/// first, each with its reason.
async fn decisions(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let denied_only = params.get("denied").is_some_and(|v| v == "true");
    json_response(serde_json::json!({
        "decisions": state.iam.decisions.recent(denied_only),
    }))
}

async fn fallback(method: Method, uri: Uri) -> Response {
    json::error(
        &uuid::Uuid::new_v4().to_string(),
        &ProtocolError::NotFound(format!("{method} {}", uri.path())),
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
}
