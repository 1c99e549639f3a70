//! The console's handlers driven through the router (the guard in front, as a browser's
//! requests meet it): what each page shows, "Show" as a principal, and the refusals of
//! requests that do not come from the console's own pages.

use super::*;
use crate::config::AdminToken;
use crate::Config;
use axum::body::Body;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

/// The reference scenario's world, with the blog post's SecureString (encrypted under its
/// key at load) and a second version of the plain parameter.
const SECRET: &str = "{\"password\": \"s3cr3t-pa55\"}";

fn world(config: Config) -> Arc<EmulatorState> {
    let mut fixtures = crate::fixtures::Fixtures::default();
    let path = Path::new("world.yaml");
    let text = include_str!("../../../fixtures/parameter-store-blog/world.yaml");
    let file = crate::fixtures::parse(path, text).expect("world parses");
    crate::fixtures::merge(&mut fixtures, path, file, "123456789012").expect("world merges");
    let extra = format!(
        "parameters:\n  - name: /dev/parameterStoreBlog/dbSecret\n    type: SecureString\n    key_id: alias/ParameterStoreBlogKeyDev\n    value: '{SECRET}'\n"
    );
    let path = Path::new("secret.yaml");
    let file = crate::fixtures::parse(path, &extra).expect("secret parses");
    crate::fixtures::merge(&mut fixtures, path, file, "123456789012").expect("secret merges");
    Arc::new(EmulatorState::from_fixtures(config, fixtures).expect("world loads"))
}

const HOST: &str = "127.0.0.1:4566";

/// A page's text with the escapes of the characters tests look for undone (minijinja
/// escapes `/` too).
fn text(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn get(state: &Arc<EmulatorState>, uri: &str) -> (StatusCode, HeaderMap, String) {
    let (status, headers, html) = get_raw(state, uri).await;
    (status, headers, text(&html))
}

async fn get_raw(state: &Arc<EmulatorState>, uri: &str) -> (StatusCode, HeaderMap, String) {
    let request = axum::http::Request::get(uri)
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    send_raw(state, request).await
}

async fn send(
    state: &Arc<EmulatorState>,
    request: axum::http::Request<Body>,
) -> (StatusCode, HeaderMap, String) {
    let (status, headers, html) = send_raw(state, request).await;
    (status, headers, text(&html))
}

async fn send_raw(
    state: &Arc<EmulatorState>,
    request: axum::http::Request<Body>,
) -> (StatusCode, HeaderMap, String) {
    let response = crate::server::app(Arc::clone(state))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

/// A form post as the console's own page sends it from `http://127.0.0.1:4566`.
fn form_post(path: &str, fields: &[(&str, &str)]) -> axum::http::Request<Body> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    axum::http::Request::post(format!("{PREFIX}{path}"))
        .header("host", HOST)
        .header("origin", format!("http://{HOST}"))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

fn show_fields(principal: &str) -> Vec<(&'static str, String)> {
    vec![
        ("token", form_token().to_owned()),
        ("region", "us-east-1".to_owned()),
        ("name", "/dev/parameterStoreBlog/dbSecret".to_owned()),
        ("principal", principal.to_owned()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn every_template_parses() {
    for (name, _) in TEMPLATES {
        assert!(templates().get_template(name).is_ok(), "{name}");
    }
}

#[tokio::test]
async fn the_parameter_tree_shows_types_and_hides_secure_values() {
    let state = world(Config::default());
    let (status, _, _) = get(&state, "/_emulator/console").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, root) = get(&state, "/_emulator/console/").await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, html) = get(&state, "/_emulator/console/parameters").await;
    assert_eq!(root, html);
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(html.contains("dev/"), "{html}");
    assert!(html.contains("parameterStoreBlog/"), "{html}");
    assert!(html.contains(">appConfig</a>"), "{html}");
    assert!(html.contains(">dbSecret</a>"), "{html}");
    assert!(html.contains("SecureString"));
    assert!(!html.contains("s3cr3t"));

    let (status, _, html) = get(
        &state,
        "/_emulator/console/parameters/view?region=us-east-1&name=%2Fdev%2FparameterStoreBlog%2FdbSecret",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("hidden"), "{html}");
    assert!(!html.contains("s3cr3t"), "the value is hidden until shown");
    assert!(
        html.contains("user/keyadmin"),
        "principals to choose from: {html}"
    );
    assert!(html.contains("role/ParameterStoreBlogFunctionRoleDev"));
    assert!(html.contains(form_token()), "the form carries the token");
    let (_, _, html) = get(
        &state,
        "/_emulator/console/parameters/view?region=us-east-1&name=%2Fdev%2FparameterStoreBlog%2FappConfig",
    )
    .await;
    assert!(html.contains("value1"), "a String's value is shown: {html}");
}

#[tokio::test]
async fn show_as_the_key_administrator_is_refused_by_the_key_policy() {
    let state = world(Config::default());
    let fields = show_fields("user/keyadmin");
    let (status, _, html) = send(&state, form_post("/parameters/show", &borrowed(&fields))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("s3cr3t"), "refused: no value");
    assert!(html.contains("id=\"refusal\""), "{html}");
    assert!(html.contains("AccessDeniedException"), "{html}");
    assert!(html.contains("kms:Decrypt"), "{html}");
    assert!(
        html.contains("no resource-based policy allows") || html.contains("key policy"),
        "{html}"
    );
    // The decision is in the log like any request's, with the caller the user's key
    // authenticates as.
    let log = state.iam.decision_log(true, None);
    let refusal = log
        .iter()
        .find(|d| d["action"] == "kms:Decrypt")
        .expect("the refusal is recorded");
    assert_eq!(
        refusal["principal"],
        "arn:aws:iam::123456789012:user/keyadmin"
    );
    assert_eq!(refusal["resourcePolicy"], "key policy");
    let reason = refusal["reason"].as_str().unwrap();
    assert!(html.contains(reason), "{reason}");
}

#[tokio::test]
async fn show_as_the_functions_role_reveals_the_value_only_in_the_answer() {
    let state = world(Config::default());
    for principal in ["role/ParameterStoreBlogFunctionRoleDev", "root"] {
        let fields = show_fields(principal);
        let (status, _, html) =
            send(&state, form_post("/parameters/show", &borrowed(&fields))).await;
        assert_eq!(status, StatusCode::OK);
        if principal == "root" {
            // The key policy does not name the root: even the account root is refused.
            assert!(html.contains("id=\"refusal\""), "{html}");
            continue;
        }
        assert!(html.contains("id=\"value\""), "{html}");
        assert!(html.contains("s3cr3t-pa55"), "{html}");
        assert!(html.contains("assumed-role/ParameterStoreBlogFunctionRoleDev/emulator-console"));
        assert!(
            html.contains("Allow use of the key"),
            "the deciding statement: {html}"
        );
    }
    // No decision record carries the value.
    let log = serde_json::to_string(&state.iam.decision_log(false, None)).unwrap();
    assert!(!log.contains("s3cr3t"));
    // Acting twice as the role reuses one session.
    let fields = show_fields("role/ParameterStoreBlogFunctionRoleDev");
    send(&state, form_post("/parameters/show", &borrowed(&fields))).await;
    let callers: std::collections::BTreeSet<String> = state
        .iam
        .decision_log(false, None)
        .iter()
        .filter(|d| d["principal"].as_str().unwrap().contains("assumed-role"))
        .map(|d| d["principal"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(callers.len(), 1, "{callers:?}");
}

#[tokio::test]
async fn forms_from_other_pages_are_refused() {
    let state = world(Config::default());
    let fields = show_fields("role/ParameterStoreBlogFunctionRoleDev");
    let fields = borrowed(&fields);
    // Another local page (a dev server on another port) passes the guard's site check,
    // not the console's.
    let mut request = form_post("/parameters/show", &fields);
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static("http://localhost:3000"));
    request
        .headers_mut()
        .insert("sec-fetch-site", HeaderValue::from_static("same-site"));
    let (status, _, body) = send(&state, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.contains("s3cr3t"));
    // Without the token (a client that sends no Origin at all).
    let no_token: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| *k != "token")
        .copied()
        .collect();
    let mut request = form_post("/parameters/show", &no_token);
    request.headers_mut().remove("origin");
    request.headers_mut().remove("sec-fetch-site");
    let (status, _, body) = send(&state, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // A wrong token.
    let mut wrong = no_token.clone();
    wrong.push(("token", "0123456789abcdef"));
    let (status, _, _) = send(&state, form_post("/parameters/show", &wrong)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The emulator's --allowed-origin lets a page call the APIs; not act in the console.
    let allowing = world(Config {
        allowed_origins: vec!["*".to_owned()],
        ..Config::default()
    });
    let mut request = form_post("/parameters/show", &fields);
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static("https://evil.example"));
    request
        .headers_mut()
        .insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    let (status, _, body) = send(&allowing, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Nothing was decided for any of them.
    assert!(state.iam.decision_log(false, None).is_empty());
    assert!(allowing.iam.decision_log(false, None).is_empty());
}

#[tokio::test]
async fn with_an_admin_token_the_browser_is_asked_for_it() {
    let state = world(Config {
        admin_token: AdminToken::new("console-token"),
        ..Config::default()
    });
    let (status, headers, _) = get(&state, "/_emulator/console/keys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Basic "));
    let basic = |password: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("admin:{password}"))
        )
    };
    for (credentials, expected) in [
        (basic("console-token"), StatusCode::OK),
        (basic("wrong"), StatusCode::FORBIDDEN),
        ("Bearer console-token".to_owned(), StatusCode::OK),
    ] {
        let request = axum::http::Request::get("/_emulator/console/keys")
            .header("host", HOST)
            .header("authorization", credentials)
            .body(Body::empty())
            .unwrap();
        let (status, _, _) = send(&state, request).await;
        assert_eq!(status, expected);
    }
}

#[tokio::test]
async fn keys_show_policy_aliases_and_decide_for_a_principal() {
    let state = world(Config::default());
    let (status, _, html) = get(&state, "/_emulator/console/keys").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("alias/ParameterStoreBlogKeyDev"), "{html}");
    assert!(html.contains("SYMMETRIC_DEFAULT"));
    assert!(html.contains("Enabled"));
    let id = "5e0b9b5c-6d2a-4f1e-9c3b-7a8d2e4f1b60";
    let (_, _, html) = get(
        &state,
        &format!("/_emulator/console/keys/view?region=us-east-1&id={id}"),
    )
    .await;
    assert!(
        html.contains("Allow administration of the key & encryption of new values"),
        "{html}"
    );
    let fields = [
        ("token", form_token()),
        ("region", "us-east-1"),
        ("id", id),
        ("principal", "user/keyadmin"),
        ("action", "kms:Encrypt"),
    ];
    let (_, _, html) = send(&state, form_post("/keys/decide", &fields)).await;
    assert!(html.contains("<strong>allowed</strong>"), "{html}");
    assert!(html.contains("Allow administration of the key"), "{html}");
    let fields = [
        ("token", form_token()),
        ("region", "us-east-1"),
        ("id", id),
        ("principal", "user/keyadmin"),
        ("action", "kms:Decrypt"),
    ];
    let (_, _, html) = send(&state, form_post("/keys/decide", &fields)).await;
    assert!(html.contains("<strong>refused</strong>"), "{html}");
    assert!(html.contains("ImplicitDeny"), "{html}");
}

#[tokio::test]
async fn principals_decisions_and_lambda_pages_show_their_world() {
    let state = world(Config::default());
    let (_, _, html) = get(&state, "/_emulator/console/principals").await;
    assert!(html.contains("keyadmin"));
    assert!(html.contains("AdministratorAccess"));
    assert!(
        html.contains("lambda.amazonaws.com"),
        "trust policy: {html}"
    );
    assert!(html.contains("ParameterStoreBlogDevParameterAccess"));

    let fields = show_fields("user/keyadmin");
    send(&state, form_post("/parameters/show", &borrowed(&fields))).await;
    let (_, _, html) = get(&state, "/_emulator/console/decisions?outcome=ImplicitDeny").await;
    assert!(html.contains("kms:Decrypt"), "{html}");
    assert!(!html.contains(">ssm:GetParameter<"), "filtered out: {html}");
    assert!(
        html.contains("data-poll=\"/_emulator/console/decisions/rows?outcome=ImplicitDeny\""),
        "{html}"
    );
    let (_, _, rows) = get(&state, "/_emulator/console/decisions/rows?principal=nobody").await;
    assert!(rows.contains("No decisions match"), "{rows}");
    assert!(!rows.contains("<html"), "a fragment");
    let request_id = state.iam.decision_log(false, None)[0]["requestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, _, html) = get(
        &state,
        &format!("/_emulator/console/decisions/request?id={request_id}"),
    )
    .await;
    assert!(html.contains("ssm:GetParameter"), "{html}");
    assert!(html.contains("kms:Decrypt"), "{html}");
    // The identity policy that allowed GetParameter, quoted.
    assert!(html.contains("\"Action\": \"*\""), "{html}");

    let (status, _, html) = get(&state, "/_emulator/console/lambda").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No invocations yet"), "{html}");
    assert!(html.contains("data-poll=\"/_emulator/console/lambda/live\""));
    let (status, headers, js) = get(&state, "/_emulator/console/static/console.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(js.contains("data-poll"));
}

#[tokio::test]
async fn strings_of_the_world_are_escaped() {
    let state = world(Config::default());
    let region = state.regions.get("us-east-1");
    region
        .ssm
        .add_tags(
            "/dev/parameterStoreBlog/appConfig",
            &[("<script>".to_owned(), "\"><img src=x>".to_owned())],
        )
        .unwrap();
    let (_, _, html) = get_raw(
        &state,
        "/_emulator/console/parameters/view?region=us-east-1&name=%2Fdev%2FparameterStoreBlog%2FappConfig",
    )
    .await;
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn an_invocation_shows_its_xray_timeline() {
    use crate::lambda::records::InvocationRecord;
    use crate::lambda::xray::TraceEntry;
    let state = world(Config::default());
    let entry =
        |kind, name: &str, depth, start: f64, end: f64, operation: Option<&str>| TraceEntry {
            kind,
            name: name.to_owned(),
            id: format!("id-{name}"),
            parent_id: None,
            depth,
            start_time: start,
            end_time: Some(end),
            duration_ms: Some((end - start) * 1000.0),
            namespace: operation.map(|_| "aws".to_owned()),
            operation: operation.map(str::to_owned),
            http_status: operation.map(|_| 400),
            error: operation.is_some(),
            throttle: false,
            fault: false,
        };
    let mut record = InvocationRecord::for_tests("traced");
    record.request_id = "traced-request".into();
    record.xray = vec![
        entry("segment", "traced", 0, 100.0, 100.25, None),
        entry(
            "subsegment",
            "SSM",
            1,
            100.05,
            100.125,
            Some("GetParameter"),
        ),
    ];
    state.lambda.records.begin(record);
    let (status, _, html) = get(&state, "/_emulator/console/lambda").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("X-Ray timeline of traced-request"), "{html}");
    // The downstream call, nested under the function's segment, 50 ms in, 75 ms long,
    // marked as the 4xx it answered.
    assert!(
        html.contains("class=\"depth-1\">SSM · GetParameter · 400 · error"),
        "{html}"
    );
    assert!(html.contains("+50.0 ms"), "{html}");
    assert!(html.contains("75.0 ms"), "{html}");
    assert!(
        html.contains("<rect x=\"20.0\" y=\"0\" width=\"30.0\""),
        "{html}"
    );
    // No inline style: the CSP would refuse it.
    assert!(!html.contains("style=\""), "{html}");
}
