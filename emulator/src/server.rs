//! The one HTTP listener for every service: routes, the registry of services, the
//! emulator's own endpoints under `/_emulator/`, the body limit and graceful shutdown.
//! What the guard and the console share with it (the handlers' `AppState`, a request's
//! authentication, the awsJson dispatch) is `pipeline`'s, below all three.

use crate::admin::{AdminAction, Admitted};
use crate::auth::sigv4::SignedRequest;
use crate::auth::{self, AuthError};
use crate::context::RequestContext;
use crate::dispatch::Lookup;
use crate::lambda::records::{service_of_target, AwsCall, CallTracker};
use crate::lambda::{self, LambdaError};
use crate::pipeline::{authenticate_request, JsonService, KMS, SSM};
use crate::protocol::{json, rest_json, AwsError, ProtocolError};
use crate::state::EmulatorState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

pub use crate::pipeline::AppState;

/// The emulator's routes. Tests can drive this without a socket.
pub fn app(state: impl Into<AppState>) -> Router {
    let state = state.into();
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
            state.clone(),
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
    state: impl Into<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state: AppState = state.into();
    if let Ok(address) = listener.local_addr() {
        state.lambda.set_endpoint(address);
    }
    let stopping = Arc::clone(state.state());
    let shutdown = async move {
        shutdown.await;
        lambda::stop_all(&*stopping).await;
    };
    let served = crate::listener::serve(
        listener,
        Arc::clone(state.state()),
        app(state.clone()),
        shutdown,
    )
    .await;
    lambda::stop_all(&*state).await;
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

// ---------------------------------------------------------------------------------------
// The services, behind one trait and registered in one place.
// ---------------------------------------------------------------------------------------

/// The wire protocols of the AWS APIs served (their formats are `protocol`'s; the server
/// only tells them apart, and answers in the right one before a service is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// awsJson1.1: `POST /`, `X-Amz-Target: Prefix.Operation`, a JSON body.
    AwsJson,
    /// awsQuery: `POST /`, a form with `Action` and `Version`.
    AwsQuery,
    /// restJson1: the operation is the method and path.
    RestJson,
}

impl Protocol {
    /// The protocol a `POST /` request speaks: awsQuery if it is a form without a target.
    fn of_post(headers: &HeaderMap) -> Protocol {
        let form = header_str(headers, header::CONTENT_TYPE)
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if header_str(headers, "x-amz-target").is_none() && form {
            Protocol::AwsQuery
        } else {
            Protocol::AwsJson
        }
    }

    /// An error in this protocol's shape (awsQuery errors before the service is known are
    /// written in STS's namespace, as they were before the registry).
    fn error(self, request_id: &str, err: &ProtocolError) -> Response {
        match self {
            Protocol::AwsJson => json::error(request_id, err),
            Protocol::AwsQuery => {
                crate::protocol::query::error(crate::sts::NAMESPACE, request_id, err)
            }
            Protocol::RestJson => rest_json::error(request_id, err),
        }
    }

    /// An authentication failure, named as this protocol's services name it (restJson1
    /// is Lambda's: HTTP 403 and `Type: User`). An awsQuery refusal is written in the
    /// namespace of the service it is for (IAM's answers, its 403s included, carry
    /// `https://iam.amazonaws.com/doc/2010-05-08/`, as an aws-sdk-go debug log of a
    /// refused iam/GetUser shows in 10gen/dsi's documentation; STS's carry STS's, as in
    /// aws-azure-login/aws-azure-login#251), STS's when no service is known.
    fn auth_error(
        self,
        service: Option<&dyn Service>,
        request_id: &str,
        error: &AuthError,
    ) -> Response {
        match self {
            Protocol::AwsJson => json::error(
                request_id,
                &AuthFailure {
                    error,
                    query_protocol: false,
                },
            ),
            Protocol::AwsQuery => crate::protocol::query::error(
                service
                    .and_then(|s| s.xml_namespace())
                    .unwrap_or(crate::sts::NAMESPACE),
                request_id,
                &AuthFailure {
                    error,
                    query_protocol: true,
                },
            ),
            Protocol::RestJson => rest_json::error(
                request_id,
                &LambdaError::Unauthenticated {
                    code: error.code(false),
                    message: error.message(),
                },
            ),
        }
    }
}

/// How the server tells a service's requests from the others'.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Recognition {
    /// awsJson: the `X-Amz-Target` prefix before the `.` (`AmazonSSM`).
    TargetPrefix(&'static str),
    /// awsQuery: the form's `Version`. The `fallback` service also answers a form whose
    /// `Version` names no service (STS, as before: it names the operation it cannot find).
    QueryVersion {
        version: &'static str,
        fallback: bool,
    },
    /// restJson1: the paths the service's route table serves.
    Paths(fn(&str) -> bool),
}

impl Recognition {
    /// The protocol of the requests recognised this way.
    pub(crate) fn protocol(self) -> Protocol {
        match self {
            Recognition::TargetPrefix(_) => Protocol::AwsJson,
            Recognition::QueryVersion { .. } => Protocol::AwsQuery,
            Recognition::Paths(_) => Protocol::RestJson,
        }
    }
}

/// How a service answers an operation name (the registry's test walks every model's
/// operation list with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Implemented.
    Implemented,
    /// A real operation answered `NotImplemented...` naming it.
    NotImplemented,
    /// No operation of the service (`UnknownOperation` / `InvalidAction`).
    Unknown,
}

/// A request as it reaches its service: authenticated, its body read, decoded as far as
/// the protocol decodes it before the operation is known.
pub(crate) struct Incoming<'a> {
    /// Method, URI and headers.
    pub parts: &'a Parts,
    /// The body.
    pub body: &'a Bytes,
    /// awsJson: the full operation name (`AmazonSSM.GetParameter`).
    pub target: Option<&'a str>,
    /// awsQuery: the form, decoded once.
    pub form: Option<&'a crate::protocol::query::QueryRequest>,
    /// restJson1: the route the method and path matched.
    pub route: Option<&'a lambda::routes::Matched>,
}

/// A service's answer, produced asynchronously (CloudFormation and Lambda await; the
/// others answer at once).
pub(crate) type Answer<'a> = std::pin::Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// A service as the server sees it: its signing name, how its requests are recognised
/// (which implies its protocol), its model's operations, and how it runs one. Each
/// implementation wraps the service's own entry point.
pub(crate) trait Service: Sync {
    /// The service's name in call records (`ssm`).
    fn name(&self) -> &'static str;
    /// The SigV4 signing name of its model: a signature scoped to any other service is
    /// refused before anything else is done with the request.
    fn signing_name(&self) -> &'static str;
    /// How its requests are told apart.
    fn recognition(&self) -> Recognition;
    /// The protocol it speaks (which its recognition implies).
    fn protocol(&self) -> Protocol {
        self.recognition().protocol()
    }
    /// The XML namespace of its answers (an awsQuery service's, from its model), in which
    /// the server also writes the refusals it answers for it.
    fn xml_namespace(&self) -> Option<&'static str> {
        None
    }
    /// An error the server raises for this service (a change that could not be made
    /// durable), in its protocol's shape and, for an awsQuery service, its namespace.
    fn protocol_error(&self, request_id: &str, err: &ProtocolError) -> Response {
        match (self.protocol(), self.xml_namespace()) {
            (Protocol::AwsQuery, Some(namespace)) => {
                crate::protocol::query::error(namespace, request_id, err)
            }
            (protocol, _) => protocol.error(request_id, err),
        }
    }
    /// Every operation its model lists.
    fn model_operations(&self) -> &'static [&'static str];
    /// How it answers the operation `name` (a short name: `GetParameter`).
    fn reach(&self, name: &str) -> Reach;
    /// Runs the request and answers it; with a state directory, what it changed is
    /// committed before the answer is returned.
    fn call<'a>(
        &'a self,
        state: &'a AppState,
        ctx: &'a RequestContext,
        incoming: Incoming<'a>,
    ) -> Answer<'a>;
}

/// Every service the emulator serves: the one place a service is registered.
pub(crate) static SERVICES: &[&dyn Service] =
    &[&SSM, &KMS, &Sts, &IamApi, &CloudFormation, &Lambda];

/// The service an awsJson target names (by its prefix).
fn service_for_target(target: &str) -> Option<&'static dyn Service> {
    let prefix = target.split_once('.').map_or(target, |(prefix, _)| prefix);
    SERVICES
        .iter()
        .copied()
        .find(|s| matches!(s.recognition(), Recognition::TargetPrefix(p) if p == prefix))
}

/// The awsQuery service a form's `Version` names, or the fallback one.
fn service_for_version(version: Option<&str>) -> &'static dyn Service {
    let query = || {
        SERVICES
            .iter()
            .copied()
            .filter_map(|s| match s.recognition() {
                Recognition::QueryVersion { version, fallback } => Some((s, version, fallback)),
                _ => None,
            })
    };
    query()
        .find(|(_, v, _)| Some(*v) == version)
        .or_else(|| query().find(|(_, _, fallback)| *fallback))
        .map(|(s, ..)| s)
        .expect("one awsQuery service is the fallback (tested)")
}

/// The restJson1 service whose routes serve `path`.
fn service_for_path(path: &str) -> Option<&'static dyn Service> {
    SERVICES
        .iter()
        .copied()
        .find(|s| matches!(s.recognition(), Recognition::Paths(serves) if serves(path)))
}

/// Runs an operation that answers without awaiting; with a state directory, what it
/// changed is committed before the answer leaves (an answer received is a write that
/// survives a crash).
async fn durably(
    state: &AppState,
    service: &dyn Service,
    request_id: &str,
    operation: impl FnOnce() -> Response,
) -> Response {
    if !state.is_durable() {
        return operation();
    }
    let (response, touched) = crate::durable::collecting(operation);
    match state.commit(touched).await {
        Ok(()) => response,
        Err(e) => {
            tracing::error!(error = %e, "a change could not be made durable");
            service.protocol_error(request_id, &ProtocolError::NotDurable(e.to_string()))
        }
    }
}

fn cfn_services(state: &EmulatorState) -> &dyn crate::cfn::CfnServices {
    state
}

impl<E: AwsError + Sync + 'static, S: ?Sized + Sync + 'static> Service for JsonService<E, S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn signing_name(&self) -> &'static str {
        self.signing_name
    }
    fn recognition(&self) -> Recognition {
        Recognition::TargetPrefix(self.table.prefix)
    }
    fn model_operations(&self) -> &'static [&'static str] {
        self.table.all_operations
    }
    fn reach(&self, name: &str) -> Reach {
        reach_of(self.table.lookup(&format!("{}.{name}", self.table.prefix)))
    }
    fn call<'a>(
        &'a self,
        state: &'a AppState,
        ctx: &'a RequestContext,
        incoming: Incoming<'a>,
    ) -> Answer<'a> {
        let target = incoming.target.unwrap_or_default();
        let body = incoming.body;
        Box::pin(durably(state, self, &ctx.request_id, move || {
            self.run(state, ctx, target, body)
        }))
    }
}

fn reach_of<E, In: ?Sized, Out, S: ?Sized>(lookup: Lookup<E, In, Out, S>) -> Reach {
    match lookup {
        Lookup::Found(_) => Reach::Implemented,
        Lookup::NotImplemented => Reach::NotImplemented,
        Lookup::Unknown => Reach::Unknown,
    }
}

/// STS (awsQuery, `Version=2011-06-15`, and any form naming no other service).
struct Sts;

impl Service for Sts {
    fn name(&self) -> &'static str {
        "sts"
    }
    fn signing_name(&self) -> &'static str {
        crate::sts::SIGNING_NAME
    }
    fn xml_namespace(&self) -> Option<&'static str> {
        Some(crate::sts::NAMESPACE)
    }
    fn recognition(&self) -> Recognition {
        Recognition::QueryVersion {
            version: crate::generated::sts::API_VERSION,
            fallback: true,
        }
    }
    fn model_operations(&self) -> &'static [&'static str] {
        crate::sts::TABLE.all_operations
    }
    fn reach(&self, name: &str) -> Reach {
        reach_of(crate::sts::TABLE.lookup(&format!("{}.{name}", crate::sts::TABLE.prefix)))
    }
    fn call<'a>(
        &'a self,
        state: &'a AppState,
        ctx: &'a RequestContext,
        incoming: Incoming<'a>,
    ) -> Answer<'a> {
        Box::pin(durably(state, self, &ctx.request_id, move || {
            crate::sts::handle(&state.iam, ctx, incoming.form.unwrap_or(&EMPTY_FORM))
        }))
    }
}

/// The form of a request that had none (never the case for an awsQuery service, whose
/// requests are recognised by their form).
static EMPTY_FORM: std::sync::LazyLock<crate::protocol::query::QueryRequest> =
    std::sync::LazyLock::new(|| crate::protocol::query::QueryRequest::decode(b""));

/// IAM (awsQuery, `Version=2010-05-08`).
struct IamApi;

impl Service for IamApi {
    fn name(&self) -> &'static str {
        "iam"
    }
    fn signing_name(&self) -> &'static str {
        crate::iam_api::SIGNING_NAME
    }
    fn xml_namespace(&self) -> Option<&'static str> {
        Some(crate::iam_api::NAMESPACE)
    }
    fn recognition(&self) -> Recognition {
        Recognition::QueryVersion {
            version: crate::iam_api::API_VERSION,
            fallback: false,
        }
    }
    fn model_operations(&self) -> &'static [&'static str] {
        crate::generated::iam::OPERATIONS
    }
    fn reach(&self, name: &str) -> Reach {
        match crate::iam_api::TABLE.lookup(&format!("{}.{name}", crate::iam_api::TARGET_PREFIX)) {
            Lookup::Found(_) => Reach::Implemented,
            // `iam_api::handle` answers every other operation of the model as not
            // implemented, and the rest as unknown.
            _ if crate::generated::iam::OPERATIONS.contains(&name) => Reach::NotImplemented,
            _ => Reach::Unknown,
        }
    }
    fn call<'a>(
        &'a self,
        state: &'a AppState,
        ctx: &'a RequestContext,
        incoming: Incoming<'a>,
    ) -> Answer<'a> {
        Box::pin(durably(state, self, &ctx.request_id, move || {
            crate::iam_api::handle(&state.iam, ctx, incoming.form.unwrap_or(&EMPTY_FORM))
        }))
    }
}

/// CloudFormation (awsQuery, `Version=2010-05-15`).
struct CloudFormation;

impl Service for CloudFormation {
    fn name(&self) -> &'static str {
        "cloudformation"
    }
    fn signing_name(&self) -> &'static str {
        crate::cfn::api::SIGNING_NAME
    }
    fn xml_namespace(&self) -> Option<&'static str> {
        Some(crate::cfn::api::NAMESPACE)
    }
    fn recognition(&self) -> Recognition {
        Recognition::QueryVersion {
            version: crate::cfn::api::API_VERSION,
            fallback: false,
        }
    }
    fn model_operations(&self) -> &'static [&'static str] {
        crate::generated::cloudformation::OPERATIONS
    }
    fn reach(&self, name: &str) -> Reach {
        if crate::generated::cloudformation::IMPLEMENTED
            .iter()
            .any(|(op, ..)| *op == name)
        {
            Reach::Implemented
        } else if crate::generated::cloudformation::OPERATIONS.contains(&name) {
            Reach::NotImplemented
        } else {
            Reach::Unknown
        }
    }
    fn call<'a>(
        &'a self,
        state: &'a AppState,
        ctx: &'a RequestContext,
        incoming: Incoming<'a>,
    ) -> Answer<'a> {
        Box::pin(async move {
            // A stack operation deploys across awaits and services; with a state
            // directory the whole world is written again before the answer leaves
            // (stack operations are rare next to parameter writes).
            let form = incoming.form.unwrap_or(&EMPTY_FORM);
            let response = crate::cfn::api::handle(cfn_services(state), ctx, form).await;
            match state.rewrite().await {
                Ok(()) => response,
                Err(e) => {
                    tracing::error!(error = %e, "a change could not be made durable");
                    self.protocol_error(&ctx.request_id, &ProtocolError::NotDurable(e.to_string()))
                }
            }
        })
    }
}

/// Lambda (restJson1 on its own paths).
struct Lambda;

impl Service for Lambda {
    fn name(&self) -> &'static str {
        "lambda"
    }
    fn signing_name(&self) -> &'static str {
        lambda::SIGNING_NAME
    }
    fn recognition(&self) -> Recognition {
        Recognition::Paths(lambda::routes::is_lambda_path)
    }
    fn model_operations(&self) -> &'static [&'static str] {
        crate::generated::lambda::OPERATIONS
    }
    fn reach(&self, name: &str) -> Reach {
        match lambda::routes::ROUTES.iter().find(|r| r.name == name) {
            Some(route) if route.operation.is_some() => Reach::Implemented,
            Some(_) => Reach::NotImplemented,
            None => Reach::Unknown,
        }
    }
    fn call<'a>(
        &'a self,
        state: &'a AppState,
        ctx: &'a RequestContext,
        incoming: Incoming<'a>,
    ) -> Answer<'a> {
        Box::pin(async move {
            let Some(matched) = incoming.route else {
                return rest_json::error(
                    &ctx.request_id,
                    &ProtocolError::UnknownOperation(incoming.parts.uri.path().to_owned()),
                );
            };
            let parts = incoming.parts;
            let response = lambda::api::handle(
                state.state(),
                ctx,
                matched,
                lambda::api::LambdaRequest {
                    query: parts.uri.query(),
                    headers: &parts.headers,
                    body: incoming.body.clone(),
                },
            )
            .await;
            // With a state directory, a request that may change functions (any but a
            // read or an invocation) is answered once they are committed.
            let changes =
                parts.method != axum::http::Method::GET && !matched.name.starts_with("Invoke");
            if !state.is_durable() || !changes {
                return response;
            }
            match state
                .commit(crate::durable::Touched::lambda(&ctx.region))
                .await
            {
                Ok(()) => response,
                Err(e) => {
                    tracing::error!(error = %e, "a change could not be made durable");
                    rest_json::error(&ctx.request_id, &ProtocolError::NotDurable(e.to_string()))
                }
            }
        })
    }
}

/// The service a request's signature is scoped to (`Credential=.../iam/aws4_request`),
/// for a refusal answered before the body, and so an awsQuery form's `Version`, is read.
fn service_of_scope(parts: &Parts) -> Option<&'static dyn Service> {
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &[],
    };
    let scope = auth::sigv4::parse(&signed).ok()?.scope;
    SERVICES
        .iter()
        .copied()
        .find(|s| s.signing_name() == scope.service)
}

/// Authenticates a request for `service` (or for none, when no service is recognised:
/// it is then refused as an unknown operation once authenticated), runs it, and records
/// it if a Lambda function made it.
async fn authenticate_and_call(
    state: &AppState,
    protocol: Protocol,
    service: Option<&'static dyn Service>,
    incoming: Incoming<'_>,
    request_id: String,
) -> Response {
    // The service's own protocol answers once it is known (the same one the request
    // was recognised by).
    let protocol = service.map_or(protocol, |s| s.protocol());
    let signing_name = service.map(|s| s.signing_name());
    let ctx = match authenticate_request(
        state,
        incoming.parts,
        incoming.body,
        signing_name,
        request_id.clone(),
    ) {
        Ok(ctx) => ctx,
        Err(error) => {
            tracing::debug!(
                code = error.code(protocol == Protocol::AwsQuery),
                "authentication failed"
            );
            return protocol.auth_error(service, &request_id, &error);
        }
    };
    let operation = incoming
        .target
        .map(|t| t.split_once('.').map_or(t, |(_, op)| op))
        .or_else(|| incoming.form.and_then(|f| f.action()))
        .or_else(|| incoming.route.map(|r| r.name))
        .unwrap_or_default()
        .to_owned();
    tracing::debug!(service = service.map(|s| s.name()), operation, region = %ctx.region, caller = %ctx.caller.arn, request_id = %ctx.request_id, "request");
    let tracker = state.lambda.records.tracker_for(&ctx.caller);
    let started = Instant::now();
    let target = incoming.target;
    let response = match service {
        Some(service) => service.call(state, &ctx, incoming).await,
        None => protocol.error(
            &ctx.request_id,
            &ProtocolError::UnknownOperation(
                target.unwrap_or("(no X-Amz-Target header)").to_owned(),
            ),
        ),
    };
    record_call(
        tracker,
        &ctx,
        || match service {
            Some(service) => (service.name().to_owned(), operation),
            None => service_of_target(target.unwrap_or_default()),
        },
        started,
        &response,
    );
    response
}

/// `POST /`: the awsJson1.1 services (by `X-Amz-Target`) and the awsQuery services (a
/// form, by its `Version`). Every request is authenticated first, against the signing
/// name of the service it is for.
async fn aws_post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let protocol = Protocol::of_post(&parts.headers);
    let target = header_str(&parts.headers, "x-amz-target");
    let request_id = crate::context::new_request_id();
    if protocol == Protocol::AwsJson {
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
            return protocol.error(
                &request_id,
                &ProtocolError::UnsupportedContentType(shown.to_owned()),
            );
        }
    }
    if let Err(error) = pre_authenticate(&state, &parts) {
        tracing::debug!(
            code = error.code(protocol == Protocol::AwsQuery),
            "authentication failed before the body was read"
        );
        return protocol.auth_error(service_of_scope(&parts), &request_id, &error);
    }
    let limit = state.config.body_limit.min(state.config.api_body_limit);
    let body = match read_body(&state, body, limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return protocol.error(&request_id, &ProtocolError::RequestTooLarge(limit))
        }
        Err(BodyError::Timeout) => return protocol.error(&request_id, &body_timeout(&state)),
    };
    // An awsQuery form is decoded once, here, for the service, the operation and the
    // call record.
    let form = (protocol == Protocol::AwsQuery)
        .then(|| crate::protocol::query::QueryRequest::decode(&body));
    let service = match &form {
        Some(form) => Some(service_for_version(form.get("Version"))),
        None => target.and_then(service_for_target),
    };
    let incoming = Incoming {
        parts: &parts,
        body: &body,
        target,
        form: form.as_ref(),
        route: None,
    };
    authenticate_and_call(&state, protocol, service, incoming, request_id).await
}

/// Lambda's restJson1 routes (`/2015-03-31/functions...` and every other path of the
/// Lambda API): the route is found by method and path, the body read within the
/// operation's limit, the request authenticated, then the operation run.
async fn lambda_request(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let request_id = crate::context::new_request_id();
    let protocol = Protocol::RestJson;
    let service = service_for_path(parts.uri.path());
    let matched = lambda::routes::lookup(parts.method.as_str(), parts.uri.path());
    let (Some(service), Some(matched)) = (service, matched) else {
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
        return protocol.auth_error(Some(service), &request_id, &error);
    }
    // restJson1's routes and body limits are Lambda's (the one restJson1 service).
    let limit = lambda::api::body_limit(matched.operation, state.config.body_limit);
    let body = match read_body(&state, body, limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return rest_json::error(&request_id, &lambda::api::too_large(&matched, limit))
        }
        Err(BodyError::Timeout) => return rest_json::error(&request_id, &body_timeout(&state)),
    };
    let incoming = Incoming {
        parts: &parts,
        body: &body,
        target: None,
        form: None,
        route: Some(&matched),
    };
    authenticate_and_call(&state, protocol, Some(service), incoming, request_id).await
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
        Ok(()) => crate::cfn::deploy_startup(cfn_services(&state)).await,
        Err(e) => Err(e.to_string()),
    };
    // The state directory goes back to the fixtures (and templates) too.
    let reset = match reset {
        Ok(()) => state.rewrite().await.map_err(|e| e.to_string()),
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
            if let Err(e) = state.rewrite().await {
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
    let services: serde_json::Map<String, serde_json::Value> = SERVICES
        .iter()
        .map(|s| (s.name().to_owned(), "available".into()))
        .collect();
    // How much of each service's model is implemented (the rest answers
    // NotImplemented naming the operation).
    let operations: serde_json::Map<String, serde_json::Value> = SERVICES
        .iter()
        .map(|s| {
            let model = s.model_operations();
            let implemented = model
                .iter()
                .filter(|op| s.reach(op) == Reach::Implemented)
                .count();
            (
                s.name().to_owned(),
                serde_json::json!({ "implemented": implemented, "model": model.len() }),
            )
        })
        .collect();
    json_response(serde_json::json!({
        "status": "ok",
        "services": services,
        "operations": operations,
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

    /// Architecture invariant: the registry serves each service of the models once, by
    /// the protocol, signing name, target prefix or `Version` its model gives, and every
    /// operation each model lists is reachable (implemented, or answered as not
    /// implemented), never an unknown operation.
    #[test]
    fn the_registry_serves_each_model_once_and_reaches_every_operation() {
        use crate::generated as g;
        // (name, signing name, protocol, target prefix or API version, operations)
        macro_rules! model {
            ($name:ident, $key:expr) => {
                (
                    stringify!($name),
                    g::$name::SIGNING_NAME,
                    g::$name::PROTOCOL,
                    $key,
                    g::$name::OPERATIONS,
                )
            };
        }
        let models: [(&str, &str, &str, &str, &[&str]); 6] = [
            model!(ssm, g::ssm::TARGET_PREFIX),
            model!(kms, g::kms::TARGET_PREFIX),
            model!(sts, g::sts::API_VERSION),
            model!(iam, g::iam::API_VERSION),
            model!(cloudformation, g::cloudformation::API_VERSION),
            model!(lambda, ""),
        ];
        let mut names: Vec<&str> = SERVICES.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        let mut expected: Vec<&str> = models.iter().map(|m| m.0).collect();
        expected.sort_unstable();
        assert_eq!(names, expected, "each service registered exactly once");
        for (name, signing, protocol, key, operations) in models {
            let service = *SERVICES.iter().find(|s| s.name() == name).unwrap();
            assert_eq!(service.signing_name(), signing, "{name}");
            let ours = match service.protocol() {
                Protocol::AwsJson => "json",
                Protocol::AwsQuery => "query",
                Protocol::RestJson => "rest-json",
            };
            assert_eq!(ours, protocol, "{name}");
            // The server finds the service the way a request names it.
            let found = match service.recognition() {
                Recognition::TargetPrefix(prefix) => {
                    assert_eq!(prefix, key, "{name}");
                    service_for_target(&format!("{prefix}.{}", operations[0]))
                }
                Recognition::QueryVersion { version, .. } => {
                    assert_eq!(version, key, "{name}");
                    Some(service_for_version(Some(version)))
                }
                Recognition::Paths(_) => service_for_path("/2015-03-31/functions"),
            };
            assert_eq!(found.map(|s| s.name()), Some(name));
            let mut model = service.model_operations().to_vec();
            model.sort_unstable();
            assert_eq!(model, operations, "{name}: the model's operations");
            for op in operations {
                assert_ne!(
                    service.reach(op),
                    Reach::Unknown,
                    "{name}: {op} is unreachable"
                );
            }
            assert_eq!(service.reach("NoSuchOperation"), Reach::Unknown, "{name}");
        }
        // A form naming no service's Version goes to exactly one fallback (STS).
        let fallbacks = SERVICES
            .iter()
            .filter(|s| {
                matches!(
                    s.recognition(),
                    Recognition::QueryVersion { fallback: true, .. }
                )
            })
            .count();
        assert_eq!(fallbacks, 1);
        assert_eq!(service_for_version(None).name(), "sts");
        assert_eq!(service_for_version(Some("1999-01-01")).name(), "sts");
        assert!(service_for_target("Nope.Op").is_none());
        // The tables' own invariants: sorted, and only real operations.
        crate::ssm::TABLE.check().unwrap();
        crate::kms::TABLE.check().unwrap();
        crate::sts::TABLE.check().unwrap();
        crate::iam_api::TABLE.check().unwrap();
        // Lambda's routes: the model's method and request URI (the route table matches
        // the path; a query part such as `?find=LayerVersion` is the operation's own).
        let mut model: Vec<(&str, &str, &str)> = g::lambda::ROUTES
            .iter()
            .map(|r| {
                (
                    r.method,
                    r.uri.split('?').next().unwrap_or(r.uri),
                    r.operation,
                )
            })
            .collect();
        let mut ours: Vec<(&str, &str, &str)> = lambda::routes::ROUTES
            .iter()
            .map(|r| (r.method, r.template, r.name))
            .collect();
        model.sort_unstable();
        model.dedup();
        ours.sort_unstable();
        ours.dedup();
        assert_eq!(ours, model);
    }

    /// The health answer names every registered service and how much of its model is
    /// implemented.
    #[tokio::test]
    async fn health_names_every_service_and_its_implemented_share() {
        use tower::ServiceExt;
        let router = app(Arc::new(EmulatorState::new(crate::Config::default())));
        let request = axum::http::Request::get("/_emulator/health")
            .header("host", "localhost")
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for service in SERVICES {
            let name = service.name();
            assert_eq!(health["services"][name], "available", "{name}");
            let share = &health["operations"][name];
            let model = service.model_operations().len() as u64;
            assert_eq!(share["model"], model, "{name}");
            let implemented = share["implemented"].as_u64().unwrap();
            assert!(implemented > 0 && implemented <= model, "{name}: {share}");
        }
        assert_eq!(
            health["operations"]["ssm"]["model"],
            crate::generated::ssm::OPERATIONS.len()
        );
    }

    /// A request each registered service recognises: (method, path, headers, body).
    fn sample(
        name: &str,
    ) -> (
        &'static str,
        &'static str,
        Vec<(&'static str, &'static str)>,
        &'static [u8],
    ) {
        let json = |target| {
            vec![
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", target),
            ]
        };
        let form = || vec![("content-type", "application/x-www-form-urlencoded")];
        match name {
            "ssm" => ("POST", "/", json("AmazonSSM.DescribeParameters"), b"{}"),
            "kms" => ("POST", "/", json("TrentService.ListKeys"), b"{}"),
            "sts" => (
                "POST",
                "/",
                form(),
                b"Action=GetCallerIdentity&Version=2011-06-15",
            ),
            "iam" => ("POST", "/", form(), b"Action=ListUsers&Version=2010-05-08"),
            "cloudformation" => ("POST", "/", form(), b"Action=ListStacks&Version=2010-05-15"),
            "lambda" => ("GET", "/2015-03-31/functions", Vec::new(), b""),
            other => panic!("no sample request for the service {other}: add one"),
        }
    }

    /// Sends a sample request signed (by a key the emulator does not know, so only the
    /// scope is checked) with a credential scoped to `scoped`; returns the status, and the
    /// error type header with the body.
    async fn send_scoped(router: &Router, name: &str, scoped: &str) -> (u16, String) {
        use tower::ServiceExt;
        let (method, path, headers, body) = sample(name);
        let now = time::OffsetDateTime::now_utc();
        let date = format!(
            "{:04}{:02}{:02}",
            now.year(),
            u8::from(now.month()),
            now.day()
        );
        let amz_date = format!(
            "{date}T{:02}{:02}{:02}Z",
            now.hour(),
            now.minute(),
            now.second()
        );
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNSCOPE0002/{date}/us-east-1/{scoped}/aws4_request, SignedHeaders=host;x-amz-date, Signature={}",
            "0".repeat(64)
        );
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("x-amz-date", amz_date)
            .header("authorization", authorization);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = router
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let (code, body) = code_and_body(response).await;
        (status, format!("{code} {}", body.replace("&apos;", "'")))
    }

    /// An answer's `X-Amzn-ErrorType` header (restJson1 names its code there only) and
    /// its body as text.
    async fn code_and_body(response: Response) -> (String, String) {
        let code = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (code, String::from_utf8_lossy(&body).into_owned())
    }

    /// Architecture invariant: every registered service refuses a signature whose
    /// credential scope names another service, as AWS does ("Credential should be scoped
    /// to correct service: 'ssm'. ": `InvalidSignatureException`, HTTP 400, for the JSON
    /// services in aws/aws-sdk-ruby#431 and JuliaCloud/AWS.jl#334; HTTP 403 for a
    /// restJson1 service in aws/aws-sdk-go#1850; awsQuery's `SignatureDoesNotMatch`,
    /// HTTP 403, as in cognitect-labs/aws-api#27), and accepts one scoped to it.
    #[tokio::test]
    async fn every_service_refuses_a_signature_scoped_to_another_service() {
        let router = app(Arc::new(EmulatorState::new(crate::Config::default())));
        for service in SERVICES {
            let name = service.name();
            let expected = format!(
                "Credential should be scoped to correct service: '{}'. ",
                service.signing_name()
            );
            let wrong = if service.signing_name() == "sts" {
                "iam"
            } else {
                "sts"
            };
            let (status, body) = send_scoped(&router, name, wrong).await;
            let code = match service.recognition() {
                Recognition::QueryVersion { .. } => (403, "SignatureDoesNotMatch"),
                Recognition::TargetPrefix(_) => (400, "InvalidSignatureException"),
                Recognition::Paths(_) => (403, "InvalidSignatureException"),
            };
            assert_eq!(status, code.0, "{name}: {body}");
            assert!(body.contains(code.1), "{name}: {body}");
            assert!(body.contains(&expected), "{name}: {body}");
            let (status, body) = send_scoped(&router, name, service.signing_name()).await;
            assert_eq!(status, 200, "{name}: {body}");
        }
    }

    /// An awsQuery service's refusals are written in its own namespace (the model's
    /// `xmlNamespace`), whether the signature is refused once the form names the service
    /// (a scope for another service) or, under `--strict`, before the body is read (an
    /// unknown key: the service is the one the signature is scoped to).
    #[tokio::test]
    async fn awsquery_refusals_carry_the_services_own_namespace() {
        use crate::generated as g;
        let lenient = app(Arc::new(EmulatorState::new(crate::Config::default())));
        let strict = app(Arc::new(EmulatorState::new(crate::Config {
            strict: true,
            ..crate::Config::default()
        })));
        let cases = [
            ("sts", "iam", g::sts::XML_NAMESPACE),
            ("iam", "sts", g::iam::XML_NAMESPACE),
            ("cloudformation", "iam", g::cloudformation::XML_NAMESPACE),
        ];
        for (name, wrong, namespace) in cases {
            let root = format!("<ErrorResponse xmlns=\"{namespace}\">");
            let (status, body) = send_scoped(&lenient, name, wrong).await;
            assert_eq!(status, 403, "{name}: {body}");
            assert!(body.contains("SignatureDoesNotMatch"), "{name}: {body}");
            assert!(body.contains(&root), "{name}: {body}");
            let (status, body) = send_scoped(&strict, name, name).await;
            assert_eq!(status, 403, "{name}: {body}");
            assert!(body.contains("InvalidClientTokenId"), "{name}: {body}");
            assert!(body.contains(&root), "{name}: {body}");
        }
    }

    /// A change that could not be made durable answers 500 `InternalFailure` in the
    /// service's own shape: for IAM and CloudFormation in their namespace, not STS's.
    #[tokio::test]
    async fn server_errors_for_awsquery_services_carry_their_namespace() {
        for service in SERVICES {
            let response =
                service.protocol_error("rid", &ProtocolError::NotDurable("disk full".into()));
            assert_eq!(response.status(), 500, "{}", service.name());
            let (header, body) = code_and_body(response).await;
            assert!(
                body.contains("InternalFailure") || header.starts_with("InternalFailure"),
                "{}: {header} {body}",
                service.name()
            );
            match service.xml_namespace() {
                Some(namespace) => assert!(
                    body.contains(&format!("<ErrorResponse xmlns=\"{namespace}\">")),
                    "{}: {body}",
                    service.name()
                ),
                None => assert!(
                    !body.contains("<ErrorResponse"),
                    "{}: {body}",
                    service.name()
                ),
            }
        }
    }

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
