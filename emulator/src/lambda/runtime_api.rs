//! The Lambda Runtime API (`/2018-06-01`) one execution environment's runtime talks to, on
//! a port of its own: `GET /runtime/invocation/next` hands out the next event with its
//! `Lambda-Runtime-*` headers, `POST /runtime/invocation/{id}/response` and `/error`
//! answer it, `POST /runtime/init/error` reports a failed initialisation.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot, watch};

/// The largest response a function may send (6 MB and the envelope Lambda allows).
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// An invocation handed to the runtime.
pub struct Dispatch {
    pub request_id: String,
    pub payload: Bytes,
    /// The function's timeout: the deadline is set when the runtime takes the event.
    pub timeout: Duration,
    pub function_arn: String,
    pub trace_id: String,
    /// Raw JSON.
    pub client_context: Option<String>,
    /// Raw JSON.
    pub cognito_identity: Option<String>,
    /// Told when the runtime takes the event.
    pub dispatched: oneshot::Sender<Dispatched>,
    /// Told the runtime's answer.
    pub reply: oneshot::Sender<Reply>,
    /// Runs when the runtime takes the event, before it receives it (so that what the
    /// function writes while handling it comes after what this writes).
    pub on_take: Option<Box<dyn FnOnce() + Send>>,
}

/// When the runtime took an event.
#[derive(Debug, Clone, Copy)]
pub struct Dispatched {
    pub at: Instant,
    /// `Lambda-Runtime-Deadline-Ms`.
    pub deadline_ms: u64,
}

/// How the runtime answered an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `/response`: the function's result.
    Response(Bytes),
    /// `/error`: a function error, with `Lambda-Runtime-Function-Error-Type` and the
    /// error document the runtime posted.
    Error {
        error_type: Option<String>,
        body: Bytes,
    },
    /// `/response` with a payload over the limit.
    ResponseTooLarge,
}

/// An error posted to `/runtime/init/error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitError {
    pub error_type: Option<String>,
    pub body: Bytes,
}

/// Where the runtime is with its invocations, named as the Runtime Interface Emulator
/// names its states in the errors it answers (`lambda/core/runtime_state_names.go` of
/// aws/aws-lambda-runtime-interface-emulator).
enum Held {
    /// No invocation taken yet (`Started`).
    Started,
    /// The runtime holds an invocation (`Ready`): its id and where its answer goes.
    Invocation(String, oneshot::Sender<Reply>),
    /// It answered and has not taken the next one (`RuntimeResponseSentState`).
    ResponseSent,
}

/// The state the Runtime API's handlers share.
struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<Dispatch>>,
    current: Mutex<Held>,
    init_error: watch::Sender<Option<InitError>>,
}

/// A running Runtime API server.
#[derive(Debug)]
pub struct RuntimeApi {
    /// `127.0.0.1:PORT`, given to the runtime as `AWS_LAMBDA_RUNTIME_API`.
    pub address: SocketAddr,
    /// Where invocations are sent.
    pub queue: mpsc::Sender<Dispatch>,
    /// Set when the runtime reports a failed initialisation.
    pub init_error: watch::Receiver<Option<InitError>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn runtime_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({"errorMessage": message, "errorType": error_type});
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Starts a Runtime API on `127.0.0.1:0`.
pub async fn start() -> std::io::Result<RuntimeApi> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let (queue_tx, queue_rx) = mpsc::channel(1);
    let (init_tx, init_rx) = watch::channel(None);
    let shared = Arc::new(Shared {
        queue: tokio::sync::Mutex::new(queue_rx),
        current: Mutex::new(Held::Started),
        init_error: init_tx,
    });
    let router = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .fallback(|| async {
            runtime_error(
                StatusCode::NOT_FOUND,
                "InvalidRequest",
                "No such Runtime API path",
            )
        })
        .with_state(shared);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(RuntimeApi {
        address,
        queue: queue_tx,
        init_error: init_rx,
        server,
    })
}

/// `GET /runtime/invocation/next`: waits for the next invocation.
async fn next(State(shared): State<Arc<Shared>>) -> Response {
    loop {
        let dispatch = {
            let mut queue = shared.queue.lock().await;
            queue.recv().await
        };
        let Some(dispatch) = dispatch else {
            return runtime_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Runtime.Shutdown",
                "The execution environment is shutting down",
            );
        };
        let Dispatch {
            request_id,
            payload,
            timeout,
            function_arn,
            trace_id,
            client_context,
            cognito_identity,
            dispatched,
            reply,
            on_take,
        } = dispatch;
        let now = SystemTime::now();
        let deadline_ms = epoch_ms(now + timeout);
        if dispatched
            .send(Dispatched {
                at: Instant::now(),
                deadline_ms,
            })
            .is_err()
        {
            // The caller gave up before the runtime took the event.
            continue;
        }
        *shared.current.lock().unwrap_or_else(|e| e.into_inner()) =
            Held::Invocation(request_id.clone(), reply);
        if let Some(on_take) = on_take {
            on_take();
        }
        let mut response = Response::new(Body::from(payload));
        let headers = response.headers_mut();
        let mut set = |name: &'static str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        set("content-type", "application/json");
        set("lambda-runtime-aws-request-id", &request_id);
        set("lambda-runtime-deadline-ms", &deadline_ms.to_string());
        set("lambda-runtime-invoked-function-arn", &function_arn);
        set("lambda-runtime-trace-id", &trace_id);
        if let Some(context) = &client_context {
            set("lambda-runtime-client-context", context);
        }
        if let Some(identity) = &cognito_identity {
            set("lambda-runtime-cognito-identity", identity);
        }
        return response;
    }
}

/// Which answer a runtime posts, named as the Runtime Interface Emulator names the state
/// it would move to.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Response,
    Error,
}

impl Answer {
    fn state(self) -> &'static str {
        match self {
            Answer::Response => "InvocationResponse",
            Answer::Error => "InvocationErrorResponse",
        }
    }
}

/// Hands the answer to invocation `id` to its caller. An id the runtime does not hold is
/// `400 InvalidRequestID`; an answer when it holds none (a second answer, or one before
/// the first `/next`) is refused as the Runtime Interface Emulator refuses it:
/// `403 InvalidStateTransition`, "State transition from RuntimeResponseSentState to
/// InvocationResponse failed for runtime. Error: State transition is not allowed"
/// (`lambda/rapi/handler/invocationresponse.go`, `lambda/core/states.go`). The first
/// answer stands. `None` when the answer was taken, else the refusal to send.
fn answer(shared: &Shared, id: &str, reply: Reply, kind: Answer) -> Option<Response> {
    let mut current = shared.current.lock().unwrap_or_else(|e| e.into_inner());
    match std::mem::replace(&mut *current, Held::ResponseSent) {
        Held::Invocation(held, sender) if held == id => {
            let _ = sender.send(reply);
            None
        }
        Held::Invocation(held, sender) => {
            *current = Held::Invocation(held, sender);
            Some(invalid_id())
        }
        other => {
            let state = match other {
                Held::Started => "Started",
                _ => "RuntimeResponseSentState",
            };
            *current = other;
            Some(runtime_error(
                StatusCode::FORBIDDEN,
                "InvalidStateTransition",
                &format!(
                    "State transition from {state} to {} failed for runtime. Error: State transition is not allowed",
                    kind.state()
                ),
            ))
        }
    }
}

fn invalid_id() -> Response {
    runtime_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        "Invalid request ID",
    )
}

fn error_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// `POST /runtime/invocation/{id}/response`.
async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    match axum::body::to_bytes(request.into_body(), MAX_RESPONSE_BYTES).await {
        Ok(body) => {
            answer(&shared, &id, Reply::Response(body), Answer::Response).unwrap_or_else(accepted)
        }
        Err(_) => {
            if let Some(refusal) = answer(&shared, &id, Reply::ResponseTooLarge, Answer::Response) {
                return refusal;
            }
            runtime_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
            )
        }
    }
}

/// `POST /runtime/invocation/{id}/error`.
async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let error_type = error_type(request.headers());
    let body = axum::body::to_bytes(request.into_body(), MAX_RESPONSE_BYTES)
        .await
        .unwrap_or_default();
    answer(
        &shared,
        &id,
        Reply::Error { error_type, body },
        Answer::Error,
    )
    .unwrap_or_else(accepted)
}

/// `POST /runtime/init/error`.
async fn init_error(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let error_type = error_type(request.headers());
    let body = axum::body::to_bytes(request.into_body(), MAX_RESPONSE_BYTES)
        .await
        .unwrap_or_default();
    let _ = shared.init_error.send(Some(InitError { error_type, body }));
    accepted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn http(address: SocketAddr, request: String) -> String {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn next_carries_the_event_and_its_headers_and_the_answer_reaches_the_caller() {
        let api = start().await.unwrap();
        let (dispatched_tx, dispatched_rx) = oneshot::channel();
        let (reply_tx, reply_rx) = oneshot::channel();
        api.queue
            .send(Dispatch {
                request_id: "req-1".into(),
                payload: Bytes::from_static(b"{\"a\":1}"),
                timeout: Duration::from_secs(3),
                function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
                trace_id: "Root=1-00000000-000000000000000000000000".into(),
                client_context: Some("{\"custom\":{\"k\":\"v\"}}".into()),
                cognito_identity: None,
                dispatched: dispatched_tx,
                reply: reply_tx,
                on_take: None,
            })
            .await
            .unwrap();
        let address = api.address;
        let next = http(
            address,
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
        )
        .await;
        assert!(next.starts_with("HTTP/1.1 200"), "{next}");
        assert!(next.contains("lambda-runtime-aws-request-id: req-1"));
        assert!(next.contains("lambda-runtime-deadline-ms: "));
        assert!(next.contains(
            "lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:f"
        ));
        assert!(next.contains("lambda-runtime-client-context: {\"custom\":{\"k\":\"v\"}}"));
        assert!(next.ends_with("{\"a\":1}"));
        let dispatched = dispatched_rx.await.unwrap();
        let now = epoch_ms(SystemTime::now());
        assert!(dispatched.deadline_ms > now && dispatched.deadline_ms <= now + 3000);

        let wrong = http(address, "POST /2018-06-01/runtime/invocation/other/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno".into()).await;
        assert!(wrong.starts_with("HTTP/1.1 400"), "{wrong}");
        let ok = http(address, "POST /2018-06-01/runtime/invocation/req-1/error HTTP/1.1\r\nHost: x\r\nConnection: close\r\nLambda-Runtime-Function-Error-Type: E\r\nContent-Length: 2\r\n\r\n{}".into()).await;
        assert!(ok.starts_with("HTTP/1.1 202"), "{ok}");
        assert!(ok.ends_with("{\"status\":\"OK\"}"));
        assert_eq!(
            reply_rx.await.unwrap(),
            Reply::Error {
                error_type: Some("E".into()),
                body: Bytes::from_static(b"{}")
            }
        );
        // A second answer is refused as the Runtime Interface Emulator refuses it.
        let twice = http(address, "POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}".into()).await;
        assert!(twice.starts_with("HTTP/1.1 403"), "{twice}");
        assert!(
            twice.contains(r#""errorType":"InvalidStateTransition""#),
            "{twice}"
        );
        assert!(twice.contains("State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed"), "{twice}");
    }

    #[tokio::test]
    async fn init_errors_are_reported() {
        let api = start().await.unwrap();
        let mut watch = api.init_error.clone();
        let posted = http(api.address, "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nConnection: close\r\nLambda-Runtime-Function-Error-Type: Runtime.Boom\r\nContent-Length: 2\r\n\r\n{}".into()).await;
        assert!(posted.starts_with("HTTP/1.1 202"), "{posted}");
        watch.wait_for(Option::is_some).await.unwrap();
        assert_eq!(
            watch.borrow().as_ref().unwrap().error_type.as_deref(),
            Some("Runtime.Boom")
        );
    }
}
