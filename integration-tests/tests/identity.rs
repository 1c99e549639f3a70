//! Identity and authorisation end to end: signatures, principals from fixtures, IAM
//! policies enforced on SSM, STS GetCallerIdentity and AssumeRole.

use crate::common::{
    code_of, config_as, endpoint, error_of, raw, ssm, ssm_as, strict_endpoint, unique,
};
use aws_sdk_ssm::types::ParameterType;

const READER: (&str, &str) = ("AKIADEVREADER0000001", "dev-reader-secret");
const WRITER: (&str, &str) = ("AKIAGUARDEDWRITER001", "guarded-writer-secret");
const ASSUMER: (&str, &str) = ("AKIAASSUMER000000001", "assumer-secret");
const ACCOUNT: &str = "123456789012";

async fn sts_as(key: (&str, &str)) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&config_as(key.0, key.1, None).await)
}

async fn put_as_root(name: &str, value: &str) {
    ssm()
        .await
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn identity_policy_allows_its_path_and_refuses_others_with_aws_message() {
    let allowed = unique("/dev/app/x");
    let refused = unique("/prod/x");
    put_as_root(&allowed, "dev").await;
    put_as_root(&refused, "prod").await;
    let reader = ssm_as(READER.0, READER.1).await;
    let p = reader.get_parameter().name(&allowed).send().await.unwrap();
    assert_eq!(p.parameter().unwrap().value(), Some("dev"));
    let (code, message) = error_of(reader.get_parameter().name(&refused).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/dev-reader is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{refused} because no identity-based policy allows the ssm:GetParameter action"
        )
    );
    // Writing is not in the policy either, and a missing parameter is still refused
    // rather than reported missing.
    let put = reader
        .put_parameter()
        .name(unique("/dev/app/new"))
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await;
    assert_eq!(code_of(put), "AccessDeniedException");
    assert_eq!(
        code_of(
            reader
                .get_parameter()
                .name(unique("/prod/none"))
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    // GetParametersByPath is authorised on the path itself.
    let by_path = reader
        .get_parameters_by_path()
        .path("/dev/app")
        .send()
        .await
        .unwrap();
    assert!(!by_path.parameters().is_empty());
    let (code, message) = error_of(reader.get_parameters_by_path().path("/prod").send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.contains(&format!(
            "on resource: arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod "
        )),
        "{message}"
    );
}

#[tokio::test]
async fn explicit_deny_wins_over_allow() {
    let writer = ssm_as(WRITER.0, WRITER.1).await;
    let open = unique("/open/p");
    writer
        .put_parameter()
        .name(&open)
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let locked = unique("/locked/p");
    let (code, message) = error_of(
        writer
            .put_parameter()
            .name(&locked)
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.ends_with("with an explicit deny in a identity-based policy"),
        "{message}"
    );
    // The decision log shows why.
    let (status, _, body) = raw("GET", "/_emulator/decisions?denied=true", &[], b"").await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let entry = body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["resource"].as_str().is_some_and(|r| r.ends_with(&locked)))
        .expect("the refusal is logged");
    assert_eq!(entry["decision"], "ExplicitDeny");
    assert_eq!(entry["action"], "ssm:PutParameter");
    assert!(entry["reason"]
        .as_str()
        .unwrap()
        .contains("NeverTouchLocked"));
}

#[tokio::test]
async fn wrong_secret_is_an_invalid_signature() {
    let client = ssm_as(READER.0, "not-the-secret").await;
    let (code, message) = error_of(client.get_parameter().name("/dev/app/x").send().await);
    assert_eq!(code, "InvalidSignatureException");
    assert!(
        message.starts_with(
            "The request signature we calculated does not match the signature you provided."
        ),
        "{message}"
    );
    let sts = sts_as((READER.0, "not-the-secret")).await;
    assert_eq!(
        code_of(sts.get_caller_identity().send().await),
        "SignatureDoesNotMatch"
    );
}

#[tokio::test]
async fn unknown_keys_act_as_root_unless_strict() {
    let sts = aws_sdk_sts::Client::new(&config_as("AKIAUNKNOWN000000001", "whatever", None).await);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:root").as_str())
    );
    let strict_config = config_as("AKIAUNKNOWN000000001", "whatever", None).await;
    let strict = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&strict_config)
            .endpoint_url(strict_endpoint())
            .build(),
    );
    let (code, message) = error_of(strict.get_parameter().name("/x").send().await);
    assert_eq!(code, "UnrecognizedClientException");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );
    let strict_sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&strict_config)
            .endpoint_url(strict_endpoint())
            .build(),
    );
    assert_eq!(
        code_of(strict_sts.get_caller_identity().send().await),
        "InvalidClientTokenId"
    );
    // Registered keys still work on the strict emulator.
    let reader_config = config_as(READER.0, READER.1, None).await;
    let me = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&reader_config)
            .endpoint_url(strict_endpoint())
            .build(),
    )
    .get_caller_identity()
    .send()
    .await
    .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/dev-reader").as_str())
    );
}

#[tokio::test]
async fn caller_identity_names_users_and_root() {
    let me = sts_as(READER)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/dev-reader").as_str())
    );
    assert_eq!(me.account(), Some(ACCOUNT));
    assert!(me.user_id().unwrap().starts_with("AIDA"));
}

#[tokio::test]
async fn assume_role_gives_credentials_of_the_role_session() {
    let sts = sts_as(ASSUMER).await;
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/app-role"))
        .role_session_name("e2e-session")
        .send()
        .await
        .unwrap();
    let user = out.assumed_role_user().unwrap();
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/app-role/e2e-session");
    assert_eq!(user.arn(), session_arn);
    assert!(user.assumed_role_id().ends_with(":e2e-session"));
    let creds = out.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    let config = config_as(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    )
    .await;
    let me = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(session_arn.as_str()));
    // The session acts with the role's policies.
    let readable = unique("/dev/role");
    put_as_root(&readable, "ok").await;
    let role_ssm = aws_sdk_ssm::Client::new(&config);
    let p = role_ssm
        .get_parameter()
        .name(&readable)
        .send()
        .await
        .unwrap();
    assert_eq!(p.parameter().unwrap().value(), Some("ok"));
    let (code, message) = error_of(
        role_ssm
            .put_parameter()
            .name(unique("/dev/role-write"))
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.starts_with(&format!(
            "User: {session_arn} is not authorized to perform: ssm:PutParameter"
        )),
        "{message}"
    );
    // A tampered session token is refused.
    let tampered = config_as(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(&format!("{}x", creds.session_token())),
    )
    .await;
    assert_eq!(
        code_of(
            aws_sdk_sts::Client::new(&tampered)
                .get_caller_identity()
                .send()
                .await
        ),
        "InvalidClientTokenId"
    );
}

#[tokio::test]
async fn roles_that_do_not_trust_the_caller_cannot_be_assumed() {
    let sts = sts_as(ASSUMER).await;
    let (code, message) = error_of(
        sts.assume_role()
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/lambda-only-role"))
            .role_session_name("nope")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("sts:AssumeRole"), "{message}");
    // A caller the trust policy does not name is refused, and a role that does not exist
    // is refused the same way (AWS does not reveal which roles exist).
    let reader = sts_as(READER).await;
    assert_eq!(
        code_of(
            reader
                .assume_role()
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/app-role"))
                .role_session_name("reader")
                .send()
                .await
        ),
        "AccessDenied"
    );
    assert_eq!(
        code_of(
            sts.assume_role()
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/no-such-role"))
                .role_session_name("missing")
                .send()
                .await
        ),
        "AccessDenied"
    );
    // The root user may not assume roles.
    let root = aws_sdk_sts::Client::new(&config_as("test", "test", None).await);
    let (code, message) = error_of(
        root.assume_role()
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/app-role"))
            .role_session_name("root")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert_eq!(message, "Roles may not be assumed by root accounts.");
    let _ = endpoint();
}

/// Signs an SSM request with the real SigV4 signer at time `at`, returning the headers to
/// send (without `host`, which `raw` writes itself).
fn signed_headers(
    key: (&str, &str),
    at: std::time::SystemTime,
    target: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    let host = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let identity = aws_credential_types::Credentials::new(key.0, key.1, None, None, "test").into();
    let params: aws_sigv4::http_request::SigningParams<'_> =
        aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("ssm")
            .time(at)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
    let headers = [
        ("host", host),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", target),
    ];
    let url = format!("http://{host}/");
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut out: Vec<(String, String)> = headers[1..]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    for (name, value) in instructions.headers() {
        out.push((name.to_owned(), value.to_owned()));
    }
    out
}

async fn send_signed(headers: &[(String, String)], body: &[u8]) -> (u16, serde_json::Value) {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let (status, _, text) = raw("POST", "/", &pairs, body).await;
    (status, serde_json::from_str(&text).unwrap_or_default())
}

#[tokio::test]
async fn signatures_are_checked_for_tampering_and_clock_skew() {
    let name = unique("/dev/app/signed");
    put_as_root(&name, "v").await;
    let body = format!(r#"{{"Name":"{name}"}}"#);
    let now = std::time::SystemTime::now();
    let minutes = |m: u64| std::time::Duration::from_secs(60 * m);

    let fresh = signed_headers(READER, now, "AmazonSSM.GetParameter", body.as_bytes());
    let (status, answer) = send_signed(&fresh, body.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Parameter"]["Value"], "v");

    let fourteen = signed_headers(
        READER,
        now - minutes(14),
        "AmazonSSM.GetParameter",
        body.as_bytes(),
    );
    assert_eq!(send_signed(&fourteen, body.as_bytes()).await.0, 200);

    let stale = signed_headers(
        READER,
        now - minutes(20),
        "AmazonSSM.GetParameter",
        body.as_bytes(),
    );
    let (status, answer) = send_signed(&stale, body.as_bytes()).await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "InvalidSignatureException");
    let message = answer["message"].as_str().unwrap();
    assert!(message.starts_with("Signature expired: "), "{message}");
    assert!(message.ends_with(" - 15 min.)"), "{message}");

    let mut tampered = fresh.clone();
    for (name, value) in &mut tampered {
        if name.eq_ignore_ascii_case("authorization") {
            let last = value.pop().unwrap();
            value.push(if last == '0' { '1' } else { '0' });
        }
    }
    let (_, answer) = send_signed(&tampered, body.as_bytes()).await;
    assert_eq!(answer["__type"], "InvalidSignatureException");

    // A body changed after signing no longer matches its signature.
    let other = format!(r#"{{"Name":"{name}x"}}"#);
    let (_, answer) = send_signed(&fresh, other.as_bytes()).await;
    assert_eq!(answer["__type"], "InvalidSignatureException");

    // An Authorization header without its Signature is incomplete.
    let incomplete: Vec<(String, String)> = fresh
        .iter()
        .map(|(n, v)| {
            if n.eq_ignore_ascii_case("authorization") {
                (
                    n.clone(),
                    v.split(", Signature=").next().unwrap().to_owned(),
                )
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect();
    let (_, answer) = send_signed(&incomplete, body.as_bytes()).await;
    assert_eq!(answer["__type"], "IncompleteSignatureException");
}
