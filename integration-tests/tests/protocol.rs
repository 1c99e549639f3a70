//! The awsJson1.1 wire protocol as clients see it: dispatch by `X-Amz-Target`, AWS-shaped
//! errors, the health endpoint.

use crate::common::raw;

const JSON: (&str, &str) = ("Content-Type", "application/x-amz-json-1.1");

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn body_json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn unknown_operation_is_an_aws_error() {
    let (status, headers, body) = raw(
        "POST",
        "/",
        &[JSON, ("X-Amz-Target", "AmazonSSM.NoSuchThing")],
        b"{}",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body_json(&body)["__type"], "UnknownOperationException");
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("UnknownOperationException")
    );
    let (status, _, body) = raw(
        "POST",
        "/",
        &[JSON, ("X-Amz-Target", "NoSuchService.Op")],
        b"{}",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body_json(&body)["__type"], "UnknownOperationException");
}

#[tokio::test]
async fn real_but_unimplemented_operation_names_itself() {
    let (status, _, body) = raw(
        "POST",
        "/",
        &[JSON, ("X-Amz-Target", "AmazonSSM.SendCommand")],
        b"{}",
    )
    .await;
    assert_eq!(status, 501);
    let body = body_json(&body);
    assert_eq!(body["__type"], "NotImplementedException");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("AmazonSSM.SendCommand"));
}

#[tokio::test]
async fn malformed_json_is_a_serialization_exception() {
    for bad in [&b"{not json"[..], b"{\"Name\": 5}", b"[1,2]"] {
        let (status, _, body) = raw(
            "POST",
            "/",
            &[JSON, ("X-Amz-Target", "AmazonSSM.GetParameter")],
            bad,
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(body_json(&body)["__type"], "SerializationException");
    }
}

#[tokio::test]
async fn missing_required_member_is_a_validation_exception_in_aws_wording() {
    let (status, _, body) = raw(
        "POST",
        "/",
        &[JSON, ("X-Amz-Target", "AmazonSSM.GetParameter")],
        b"{}",
    )
    .await;
    assert_eq!(status, 400);
    let body = body_json(&body);
    assert_eq!(body["__type"], "ValidationException");
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    );
}

#[tokio::test]
async fn timestamps_are_json_numbers_and_requests_have_ids() {
    let name = crate::common::unique("/protocol/ts");
    let put = format!(r#"{{"Name":"{name}","Value":"v","Type":"String"}}"#);
    let (status, headers, _) = raw(
        "POST",
        "/",
        &[JSON, ("X-Amz-Target", "AmazonSSM.PutParameter")],
        put.as_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(header(&headers, "x-amzn-requestid").is_some());
    let get = format!(r#"{{"Name":"{name}"}}"#);
    let (_, headers, body) = raw(
        "POST",
        "/",
        &[JSON, ("X-Amz-Target", "AmazonSSM.GetParameter")],
        get.as_bytes(),
    )
    .await;
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert!(body_json(&body)["Parameter"]["LastModifiedDate"].is_number());
}

#[tokio::test]
async fn health_endpoint_answers() {
    let (status, _, body) = raw("GET", "/_emulator/health", &[], b"").await;
    assert_eq!(status, 200);
    assert_eq!(body_json(&body)["status"], "ok");
}

#[tokio::test]
async fn unknown_paths_answer_an_aws_shaped_404() {
    let (status, _, body) = raw("GET", "/nothing/here", &[], b"").await;
    assert_eq!(status, 404);
    assert!(body_json(&body)["__type"].is_string());
}
