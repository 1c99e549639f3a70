//! The one HTTP listener for every service: routes, the health endpoint, the body limit
//! and graceful shutdown.

use crate::auth::CredentialScope;
use crate::context::RequestContext;
use crate::dispatch;
use crate::protocol::{json, ProtocolError};
use crate::state::EmulatorState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The state every handler shares.
pub type AppState = Arc<EmulatorState>;

/// The emulator's routes. Tests can drive this without a socket.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", post(aws_json))
        .route("/_emulator/health", get(health))
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
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The context of a request: region from its signature scope, else the default.
fn context(state: &EmulatorState, headers: &HeaderMap) -> RequestContext {
    let scope =
        header_str(headers, header::AUTHORIZATION).and_then(CredentialScope::from_authorization);
    RequestContext::new(
        scope.as_ref(),
        &state.config.default_region,
        &state.config.account,
    )
}

/// `POST /`: the awsJson1.1 services, routed by `X-Amz-Target`.
async fn aws_json(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let ctx = context(&state, &headers);
    let limit = state.config.body_limit;
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return json::error(&ctx.request_id, &ProtocolError::RequestTooLarge(limit));
    };
    let target = header_str(&headers, "x-amz-target");
    tracing::debug!(target, region = %ctx.region, request_id = %ctx.request_id, "request");
    dispatch::aws_json(&state, &ctx, target, &body)
}

/// `GET /_emulator/health`: whether the emulator is up, and what it serves.
async fn health(State(state): State<AppState>) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "services": { "ssm": "available" },
        "defaultRegion": state.config.default_region,
        "account": state.config.account,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
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
