//! The console at `/_emulator/console/` over real HTTP: the reference scenario's "Show"
//! (the key administrator refused by the key policy, the function's role sees the value),
//! and the requests another web page could make, sent as an attacker would send them.

use crate::common::{endpoint, raw, ssm_as, unique};
use aws_sdk_ssm::types::ParameterType;

const ADMIN: (&str, &str) = ("AKIAKEYADMINEXAMPLE1", "keyadmin-secret-access-key");
const KEY_ALIAS: &str = "alias/ParameterStoreBlogKeyDev";

/// The console's own origin, as a browser showing its pages sends it.
fn own_origin() -> String {
    endpoint().trim_end_matches('/').to_owned()
}

/// The form token in a console page.
fn token_of(html: &str) -> String {
    let start = html
        .find("name=\"token\" value=\"")
        .expect("a form with a token")
        + 20;
    html[start..].split('"').next().unwrap().to_owned()
}

/// A SecureString stored by the key administrator under the scenario's key, and the
/// token of its console page.
async fn secret_and_token() -> (String, String, String) {
    let name = unique("/dev/parameterStoreBlogConsole/dbSecret");
    let secret = unique("console-secret-");
    ssm_as(ADMIN.0, ADMIN.1)
        .await
        .put_parameter()
        .name(&name)
        .value(&secret)
        .r#type(ParameterType::SecureString)
        .key_id(KEY_ALIAS)
        .send()
        .await
        .expect("the key administrator may encrypt");
    let page = format!(
        "/_emulator/console/parameters/view?region=us-east-1&name={}",
        name.replace('/', "%2F")
    );
    let (status, _, html) = raw("GET", &page, &[], b"").await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains(&secret), "hidden until shown");
    (name, secret, token_of(&html))
}

fn show_form(name: &str, principal: &str, token: &str) -> String {
    format!(
        "token={token}&region=us-east-1&name={}&principal={}",
        name.replace('/', "%2F"),
        principal.replace('/', "%2F")
    )
}

#[tokio::test]
async fn show_refuses_the_key_administrator_and_shows_the_role_the_value() {
    endpoint();
    let (name, secret, token) = secret_and_token().await;
    let origin = own_origin();
    let headers = [
        ("Origin", origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, _, html) = raw(
        "POST",
        "/_emulator/console/parameters/show",
        &headers,
        show_form(&name, "user/keyadmin", &token).as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"refusal\""), "{html}");
    assert!(html.contains("AccessDeniedException"));
    assert!(
        html.contains("no resource-based policy allows kms:Decrypt"),
        "{html}"
    );
    assert!(html.contains("the key policy decides"), "{html}");
    assert!(!html.contains(&secret));

    let (status, _, html) = raw(
        "POST",
        "/_emulator/console/parameters/show",
        &headers,
        show_form(&name, "role/ParameterStoreBlogFunctionRoleDev", &token).as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&secret), "the role may decrypt: {html}");
    assert!(
        html.contains("Allow use of the key"),
        "the deciding statement: {html}"
    );

    // Both decisions are in the decision log like any request's; no value in it.
    let (_, _, log) = raw("GET", "/_emulator/decisions?denied=true", &[], b"").await;
    assert!(log.contains("user/keyadmin"), "{log}");
    let (_, _, log) = raw("GET", "/_emulator/decisions", &[], b"").await;
    assert!(!log.contains(&secret));
}

/// What a page of another site, or another local dev server, can send. The guard refuses
/// other sites outright; a page of `http://localhost:OTHER` passes the guard (it is this
/// machine) and must still not act in the console: neither with a forged Origin nor
/// without the page's token.
#[tokio::test]
async fn cross_site_console_forms_are_refused() {
    endpoint();
    let (name, secret, token) = secret_and_token().await;
    let role = "role/ParameterStoreBlogFunctionRoleDev";
    let form = show_form(&name, role, &token);
    let other_local_page = "http://localhost:3000";
    let own = own_origin();
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        // Another site: refused by the guard.
        (
            vec![
                ("Origin", "https://evil.example"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            form.clone(),
        ),
        // Another local page, even holding a valid token (it cannot read one, but the
        // Origin check stands alone).
        (
            vec![
                ("Origin", other_local_page),
                ("Sec-Fetch-Site", "same-site"),
            ],
            form.clone(),
        ),
        // A form of another site that hides its Origin still says cross-site.
        (vec![("Sec-Fetch-Site", "cross-site")], form.clone()),
        // The console's own origin without the token (a request the attacker can make
        // only if the browser omits Origin, as old browsers do for some requests).
        (vec![("Origin", own.as_str())], show_form(&name, role, "")),
        (vec![], show_form(&name, role, "not-the-token")),
    ];
    for (headers, body) in cases {
        let mut headers = headers.clone();
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        let (status, _, answer) = raw(
            "POST",
            "/_emulator/console/parameters/show",
            &headers,
            body.as_bytes(),
        )
        .await;
        assert_eq!(status, 403, "{headers:?}: {answer}");
        assert!(!answer.contains(&secret), "{headers:?}");
    }
    // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 sends its
    // own Host.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /_emulator/console/parameters/show HTTP/1.1\r\nHost: evil.example\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(!answer.contains(&secret));
}

#[tokio::test]
async fn pages_answer_for_localhost_and_127_0_0_1_and_refuse_framing() {
    endpoint();
    for host in ["localhost", "127.0.0.1"] {
        let port = endpoint().rsplit(':').next().unwrap().trim_end_matches('/');
        let host = format!("{host}:{port}");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
            .await
            .unwrap();
        let request = format!(
            "GET /_emulator/console/keys HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: none\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{host}: {answer}");
        let lower = answer.to_ascii_lowercase();
        assert!(lower.contains("x-frame-options: deny"));
        assert!(lower.contains("frame-ancestors 'none'"));
        assert!(
            answer.contains("alias/ParameterStoreBlogKeyDev")
                || answer.contains("alias&#x2f;ParameterStoreBlogKeyDev")
        );
    }
}
