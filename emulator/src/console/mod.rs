//! The console at `/_emulator/console/`: server-rendered pages (templates embedded in the
//! binary) that show the world (parameters, keys, principals, functions) and every
//! authorisation decision, and that let the user act as a chosen principal ("Show" a
//! SecureString, decide a key action) through the same code path a signed request takes.
//!
//! Nothing here runs unless a console page is requested: the templates are parsed on the
//! first console request, pages refresh themselves by polling only while a browser shows
//! them, and no request of the AWS APIs touches this module.

mod acting;
mod views;

use crate::admin::AdminAction;
use crate::pipeline::AppState;
use crate::protocol::{json, AwsError};
use crate::state::EmulatorState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::OnceLock;

/// Where the console is served.
pub const PREFIX: &str = "/_emulator/console";

/// The largest form a console page posts (a principal, a name, a version, the token).
const FORM_LIMIT: usize = 16 * 1024;

/// The console's templates, embedded in the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("parameters.html", include_str!("templates/parameters.html")),
    ("parameter.html", include_str!("templates/parameter.html")),
    ("keys.html", include_str!("templates/keys.html")),
    ("key.html", include_str!("templates/key.html")),
    ("principals.html", include_str!("templates/principals.html")),
    ("decisions.html", include_str!("templates/decisions.html")),
    (
        "decision_rows.html",
        include_str!("templates/decision_rows.html"),
    ),
    ("decision.html", include_str!("templates/decision.html")),
    (
        "decision_story.html",
        include_str!("templates/decision_story.html"),
    ),
    ("lambda.html", include_str!("templates/lambda.html")),
    (
        "lambda_live.html",
        include_str!("templates/lambda_live.html"),
    ),
];

const SCRIPT: &str = include_str!("static/console.js");
const STYLE: &str = include_str!("static/console.css");

/// The templates, parsed once, on the first console request (never at start).
fn templates() -> &'static minijinja::Environment<'static> {
    static ENV: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and covered by the unit tests: one
            // that does not parse is a build defect, not a runtime condition.
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("console template {name}: {e}"));
        }
        env
    })
}

/// The per-process token every state-changing console form carries: a page of another
/// site cannot read it (it cannot read the console's pages), so it cannot forge a post
/// even where the browser would send the user's credentials along.
pub fn form_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )
    })
}

/// Renders a template with `context`, or a plain 500 naming the template (a defect).
fn render(name: &str, context: serde_json::Value) -> Response {
    let rendered = templates()
        .get_template(name)
        .and_then(|template| template.render(&context));
    match rendered {
        Ok(html) => page(StatusCode::OK, "text/html; charset=utf-8", html),
        Err(e) => {
            tracing::error!(template = name, error = %e, "console template failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                format!("The console could not render {name}."),
            )
        }
    }
}

/// A console response with the headers that keep it out of other sites' frames and out
/// of caches (a page may show a decrypted value).
fn page(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: under it a browser sends `Origin: null` with the console's own
    // form posts (Fetch, "serialize a request origin"), which the guard refuses.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// A console refusal: a short HTML-free text with its status.
fn refused(status: StatusCode, message: &str) -> Response {
    page(status, "text/plain; charset=utf-8", message.to_owned())
}

/// The admin actions a console path needs. Showing the world needs what the export
/// needs; decisions and invocations what their JSON endpoints need; acting as another
/// principal needs `emulator:ActAsPrincipal` besides.
fn actions_for(method: &Method, path: &str) -> &'static [AdminAction] {
    match (method == Method::POST, path) {
        (true, _) => &[AdminAction::Export, AdminAction::ActAsPrincipal],
        (false, p) if p.starts_with("/decisions") => &[AdminAction::ReadDecisions],
        (false, p) if p.starts_with("/lambda") => &[AdminAction::ReadInvocations],
        (false, p) if p.starts_with("/static/") => &[],
        _ => &[AdminAction::Export],
    }
}

/// The request's `Authorization` as the admin boundary reads it: a browser's Basic
/// credentials (any user name, the admin token as password) stand for the bearer token,
/// so the console opens in a browser when the emulator has an admin token.
fn authorization(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    if let Some((scheme, encoded)) = value.split_once(' ') {
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (_, password) = text.split_once(':')?;
            return Some(format!("Bearer {password}"));
        }
    }
    Some(value.to_owned())
}

/// Whether a state-changing request comes from the console's own page: its `Origin` (a
/// browser always sends one with a POST) names exactly the host the request was sent to,
/// `Sec-Fetch-Site` (when sent) says `same-origin`, and the form carries the process's
/// token. The guard in front of every route lets through other local origins
/// (`http://localhost:3000`, another dev server's page) and `--allowed-origin` ones; the
/// console does not.
fn same_origin(headers: &HeaderMap, form: &HashMap<String, String>) -> Result<(), &'static str> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin = origin.to_str().unwrap_or("");
        let own = format!("http://{host}");
        if host.is_empty() || !origin.eq_ignore_ascii_case(&own) {
            return Err("The console accepts forms only from its own pages (Origin differs).");
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        if !site
            .to_str()
            .unwrap_or("")
            .eq_ignore_ascii_case("same-origin")
        {
            return Err("The console accepts forms only from its own pages (Sec-Fetch-Site).");
        }
    }
    let token = form.get("token").map(String::as_str).unwrap_or("");
    if !crate::auth::constant_time_eq(token.as_bytes(), form_token().as_bytes()) {
        return Err("The console's form token is missing or wrong: reload the page.");
    }
    Ok(())
}

/// The admin boundary for a console request (the same [`crate::admin::admit`] as every
/// `/_emulator` endpoint). A browser without credentials where credentials are needed
/// is asked for them (Basic, the admin token as password). `None`: let through.
fn refusal(
    state: &EmulatorState,
    parts: &Parts,
    body: &[u8],
    actions: &[AdminAction],
) -> Option<Response> {
    let authorization = authorization(&parts.headers);
    let signed = authorization
        .as_deref()
        .is_some_and(|a| a.trim_start().starts_with("AWS4-"))
        || parts
            .uri
            .query()
            .is_some_and(|q| q.contains("X-Amz-Signature="));
    let request_id = crate::context::new_request_id();
    let admitted = crate::admin::admit(
        state,
        authorization.as_deref(),
        signed,
        || crate::pipeline::authenticate_request(state, parts, body, None, request_id.clone()),
        actions,
    );
    admitted.err().map(|error| {
        tracing::info!(path = parts.uri.path(), reason = %error.message(), "console request refused");
        if authorization.is_none() {
            let mut response = page(
                StatusCode::UNAUTHORIZED,
                "text/plain; charset=utf-8",
                error.message(),
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Basic realm=\"AWS emulator console (password: the admin token)\", charset=\"UTF-8\"",
                ),
            );
            return response;
        }
        json::error(&request_id, &error)
    })
}

/// The query string's or form's parameters.
fn params(text: &str) -> HashMap<String, String> {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

/// Every request under `/_emulator/console`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or("")
        .to_owned();
    if path.is_empty() {
        let mut response = StatusCode::SEE_OTHER.into_response();
        response.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_static("/_emulator/console/"),
        );
        return response;
    }
    if parts.method != Method::GET && parts.method != Method::POST {
        return refused(StatusCode::METHOD_NOT_ALLOWED, "GET or POST only.");
    }
    let body = match tokio::time::timeout(
        state.config.body_read_timeout,
        axum::body::to_bytes(body, FORM_LIMIT),
    )
    .await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return refused(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."),
        Err(_) => return refused(StatusCode::REQUEST_TIMEOUT, "The form took too long."),
    };
    if let Some(refused) = refusal(&state, &parts, &body, actions_for(&parts.method, &path)) {
        return refused;
    }
    let query = params(parts.uri.query().unwrap_or(""));
    if parts.method == Method::POST {
        return post(&state, &parts, &path, &body).await;
    }
    let base = views::Base::new(&state, &path);
    match path.as_str() {
        "/" | "/parameters" => render("parameters.html", views::parameters(&state, base)),
        "/parameters/view" => match views::parameter(&state, base, &query, None) {
            Some(context) => render("parameter.html", context),
            None => refused(StatusCode::NOT_FOUND, "No such parameter."),
        },
        "/keys" => render("keys.html", views::keys(&state, base)),
        "/keys/view" => match views::key(&state, base, &query, None) {
            Some(context) => render("key.html", context),
            None => refused(StatusCode::NOT_FOUND, "No such key."),
        },
        "/principals" => render("principals.html", views::principals(&state, base)),
        "/decisions" => render("decisions.html", views::decisions(&state, base, &query)),
        "/decisions/rows" => render("decision_rows.html", views::decisions(&state, base, &query)),
        "/decisions/request" => render("decision.html", views::decision(&state, base, &query)),
        "/lambda" => render("lambda.html", views::lambda(&state, base)),
        "/lambda/live" => render("lambda_live.html", views::lambda(&state, base)),
        "/static/console.js" => page(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            SCRIPT.to_owned(),
        ),
        "/static/console.css" => page(StatusCode::OK, "text/css; charset=utf-8", STYLE.to_owned()),
        _ => refused(StatusCode::NOT_FOUND, "No such console page."),
    }
}

/// The console's two actions as a principal: "Show" a parameter's value, and decide a
/// key action.
async fn post(state: &EmulatorState, parts: &Parts, path: &str, body: &Bytes) -> Response {
    let form = params(std::str::from_utf8(body).unwrap_or(""));
    if let Err(message) = same_origin(&parts.headers, &form) {
        tracing::info!(path, reason = message, "console form refused");
        return refused(StatusCode::FORBIDDEN, message);
    }
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let base = views::Base::new(state, path);
    match path {
        "/parameters/show" => {
            let shown = acting::show(state, &form, source_ip).await;
            match views::parameter(state, base, &form, Some(shown)) {
                Some(context) => render("parameter.html", context),
                None => refused(StatusCode::NOT_FOUND, "No such parameter."),
            }
        }
        "/keys/decide" => {
            let decided = acting::decide(state, &form, source_ip);
            match views::key(state, base, &form, Some(decided)) {
                Some(context) => render("key.html", context),
                None => refused(StatusCode::NOT_FOUND, "No such key."),
            }
        }
        _ => refused(StatusCode::NOT_FOUND, "No such console action."),
    }
}

#[cfg(test)]
mod tests;
