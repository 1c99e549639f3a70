//! Authorisation as AWS scopes it, attacked end to end: signatures scoped to another
//! service or to no region, ARNs naming another account or region, policies IAM would
//! refuse, and the policy types that only limit (permissions boundaries, session policies,
//! service control policies), with role chaining's one-hour cap.

use crate::common::{code_of, config_as, endpoint, error_of, raw, ssm, ssm_as, unique};
use aws_sdk_ssm::types::ParameterType;

const ACCOUNT: &str = "123456789012";
const READER: (&str, &str) = ("AKIADEVREADER0000001", "dev-reader-secret");
const BOUNDED: (&str, &str) = ("AKIABOUNDEDADMIN0001", "bounded-admin-secret");
const CHAINER: (&str, &str) = ("AKIACHAINER000000001", "chainer-secret");
const ASSUMER: (&str, &str) = ("AKIAASSUMER000000001", "assumer-secret");
const UNRESOLVED: (&str, &str) = ("AKIAUNRESOLVEDNR0001", "unresolved-nr-secret");

/// A request to sign: what the attacker chooses, scope included.
struct Attack<'a> {
    method: &'a str,
    path: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
    service: &'a str,
    region: &'a str,
    presigned: bool,
}

impl<'a> Attack<'a> {
    fn json(target: &'a str, body: &'a [u8], service: &'a str, region: &'a str) -> Self {
        Attack {
            method: "POST",
            path: "/",
            headers: vec![
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", target),
            ],
            body,
            service,
            region,
            presigned: false,
        }
    }

    /// Signs with the real SigV4 signer (`aws-sigv4`) and sends it raw; returns the status
    /// and body.
    async fn send(&self, key: (&str, &str)) -> (u16, String) {
        use aws_sigv4::http_request::{
            sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        };
        let host = endpoint()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let identity =
            aws_credential_types::Credentials::new(key.0, key.1, None, None, "test").into();
        let mut settings = SigningSettings::default();
        if self.presigned {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(std::time::Duration::from_secs(300));
        }
        let params: aws_sigv4::http_request::SigningParams<'_> =
            aws_sigv4::sign::v4::SigningParams::builder()
                .identity(&identity)
                .region(self.region)
                .name(self.service)
                .time(std::time::SystemTime::now())
                .settings(settings)
                .build()
                .unwrap()
                .into();
        let url = format!("http://{host}{}", self.path);
        let mut all = vec![("host", host.as_str())];
        all.extend(self.headers.iter().copied());
        let signable = SignableRequest::new(
            self.method,
            &url,
            all.iter().copied(),
            SignableBody::Bytes(self.body),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        for (name, value) in instructions.headers() {
            headers.push((name.to_owned(), value.to_owned()));
        }
        let mut path = self.path.to_owned();
        for (name, value) in instructions.params() {
            path.push(if path.contains('?') { '&' } else { '?' });
            path.push_str(&format!("{name}={}", percent_encode(value.as_ref())));
        }
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (status, _, body) = raw(self.method, &path, &pairs, self.body).await;
        (status, body)
    }
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

async fn put(name: &str, value: &str, kind: ParameterType) {
    ssm()
        .await
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn signatures_must_be_scoped_to_the_service_and_a_real_region() {
    let name = unique("/dev/app/scoped");
    put(&name, "v", ParameterType::String).await;
    let body = format!(r#"{{"Name":"{name}"}}"#);
    let get =
        |service, region| Attack::json("AmazonSSM.GetParameter", body.as_bytes(), service, region);

    // The right scope works, for a known key and for an unknown one (the root).
    for key in [READER, ("AKIAUNKNOWNSCOPE0001", "whatever")] {
        let (status, answer) = get("ssm", "us-east-1").send(key).await;
        assert_eq!(status, 200, "{answer}");
    }
    // A signature made for KMS or S3 is no signature for SSM (AWS: HTTP 400,
    // `InvalidSignatureException`, aws/aws-sdk-ruby#431).
    for (service, key) in [
        ("kms", READER),
        ("s3", READER),
        ("kms", ("AKIAUNKNOWNSCOPE0001", "x")),
    ] {
        let (status, answer) = get(service, "us-east-1").send(key).await;
        assert_eq!(status, 400, "{service}: {answer}");
        let answer = json_of(&answer);
        assert_eq!(answer["__type"], "InvalidSignatureException");
        assert_eq!(
            answer["message"],
            "Credential should be scoped to correct service: 'ssm'. "
        );
    }
    // A region that is no region (it would otherwise become a region of its own).
    for region in ["moon-1", "aws-global", "US-EAST-1"] {
        let (status, answer) = get("ssm", region).send(READER).await;
        assert_eq!(status, 400, "{region}: {answer}");
        assert_eq!(
            json_of(&answer)["message"],
            format!("Credential should be scoped to a valid region, not '{region}'. ")
        );
    }
    // KMS expects `kms`.
    let (status, answer) = Attack::json("TrentService.ListKeys", b"{}", "ssm", "us-east-1")
        .send(READER)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        json_of(&answer)["message"],
        "Credential should be scoped to correct service: 'kms'. "
    );
    // STS (awsQuery): `SignatureDoesNotMatch`, HTTP 403, in XML.
    let form = b"Action=GetCallerIdentity&Version=2011-06-15";
    let sts = |service, presigned| Attack {
        method: "POST",
        path: "/",
        headers: vec![("content-type", "application/x-www-form-urlencoded")],
        body: form,
        service,
        region: "us-east-1",
        presigned,
    };
    for presigned in [false, true] {
        let (status, answer) = sts("sts", presigned).send(READER).await;
        assert_eq!(status, 200, "presigned {presigned}: {answer}");
        let (status, answer) = sts("ssm", presigned).send(READER).await;
        let answer = answer.replace("&apos;", "'");
        assert_eq!(status, 403, "presigned {presigned}: {answer}");
        assert!(
            answer.contains("<Code>SignatureDoesNotMatch</Code>"),
            "{answer}"
        );
        assert!(
            answer.contains("Credential should be scoped to correct service: 'sts'. "),
            "{answer}"
        );
    }
    // Lambda (restJson1): `InvalidSignatureException`, HTTP 403.
    let lambda = |service| Attack {
        method: "GET",
        path: "/2015-03-31/functions",
        headers: Vec::new(),
        body: b"",
        service,
        region: "us-east-1",
        presigned: false,
    };
    // (The root acts through an unknown key: the reader may not list functions.)
    let root = ("AKIAUNKNOWNSCOPE0001", "whatever");
    let (status, answer) = lambda("lambda").send(root).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = lambda("ssm").send(root).await;
    assert_eq!(status, 403, "{answer}");
    let answer = json_of(&answer);
    assert_eq!(answer["Type"], "User");
    assert_eq!(
        answer["message"],
        "Credential should be scoped to correct service: 'lambda'. "
    );
}

/// The awsQuery services the server tells apart by the form's `Version` (IAM,
/// CloudFormation) check the signature's service as STS does: a signature made for
/// another service is `SignatureDoesNotMatch`, HTTP 403, naming the service expected
/// (AWS's wording, "Credential should be scoped to correct service: 'iam'. ", as
/// cllunsford/aws-signing-proxy#25 and aws/aws-sdk-ruby#431 quote it; awsQuery's code and
/// status as in cognitect-labs/aws-api#27 and JuliaCloud/AWS.jl#565).
#[tokio::test]
async fn iam_and_cloudformation_refuse_signatures_for_another_service() {
    let root = ("AKIAUNKNOWNSCOPE0001", "whatever");
    let cases: [(&[u8], &str, &str); 2] = [
        (b"Action=ListUsers&Version=2010-05-08", "iam", "sts"),
        (
            b"Action=ListStacks&Version=2010-05-15",
            "cloudformation",
            "iam",
        ),
    ];
    for (form, right, wrong) in cases {
        let query = |service| Attack {
            method: "POST",
            path: "/",
            headers: vec![("content-type", "application/x-www-form-urlencoded")],
            body: form,
            service,
            region: "us-east-1",
            presigned: false,
        };
        let (status, answer) = query(right).send(root).await;
        assert_eq!(status, 200, "{right}: {answer}");
        for service in [wrong, "ssm", "kms"] {
            let (status, answer) = query(service).send(root).await;
            let answer = answer.replace("&apos;", "'");
            assert_eq!(status, 403, "{right} signed for {service}: {answer}");
            assert!(
                answer.contains("<Code>SignatureDoesNotMatch</Code>"),
                "{answer}"
            );
            assert!(
                answer.contains(&format!(
                    "Credential should be scoped to correct service: '{right}'. "
                )),
                "{answer}"
            );
        }
    }
}

/// An awsQuery service's refusal of a signature is written in that service's own XML
/// namespace (its model's `xmlNamespace`; a real refused IAM call answers
/// `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`, as an aws-sdk-go
/// debug log in 10gen/dsi's documentation shows), not in STS's.
#[tokio::test]
async fn awsquery_refusals_are_written_in_the_services_own_namespace() {
    let root = ("AKIAUNKNOWNSCOPE0001", "whatever");
    let cases: [(&[u8], &str, &str); 3] = [
        (
            b"Action=ListUsers&Version=2010-05-08",
            "sts",
            "https://iam.amazonaws.com/doc/2010-05-08/",
        ),
        (
            b"Action=ListStacks&Version=2010-05-15",
            "iam",
            "http://cloudformation.amazonaws.com/doc/2010-05-15/",
        ),
        (
            b"Action=GetCallerIdentity&Version=2011-06-15",
            "iam",
            "https://sts.amazonaws.com/doc/2011-06-15/",
        ),
    ];
    for (form, wrong, namespace) in cases {
        let attack = Attack {
            method: "POST",
            path: "/",
            headers: vec![("content-type", "application/x-www-form-urlencoded")],
            body: form,
            service: wrong,
            region: "us-east-1",
            presigned: false,
        };
        let (status, answer) = attack.send(root).await;
        assert_eq!(status, 403, "{answer}");
        assert!(
            answer.contains("<Code>SignatureDoesNotMatch</Code>"),
            "{answer}"
        );
        assert!(
            answer.starts_with(&format!("<ErrorResponse xmlns=\"{namespace}\">")),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn presigned_scopes_with_junk_regions_are_refused_before_anything_else() {
    // A newline smuggled into the region of a presigned credential: refused as no region,
    // whatever the (here meaningless) signature.
    let path = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIADEVREADER0000001%2F20261130%2Fus-east-1%0Aevil%2Fssm%2Faws4_request&X-Amz-Date=20261130T100000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
    let (status, _, body) = raw(
        "POST",
        path,
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AmazonSSM.DescribeParameters"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let answer = json_of(&body);
    assert_eq!(answer["__type"], "InvalidSignatureException");
    assert_eq!(
        answer["message"],
        "Credential should be scoped to a valid region, not 'us-east-1\nevil'. "
    );
}

#[tokio::test]
async fn ssm_arns_name_their_own_account_and_region() {
    let name = unique("/dev/app/arn");
    put(&name, "here", ParameterType::String).await;
    let here = format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{name}");
    let other_account = format!("arn:aws:ssm:us-east-1:999999999999:parameter{name}");
    let other_region = format!("arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter{name}");
    let reader = ssm_as(READER.0, READER.1).await;

    // The reader's own ARN reads the parameter.
    let got = reader.get_parameter().name(&here).send().await.unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("here"));

    // Another account's parameter is not this one's: across accounts a resource policy
    // must allow too, and no parameter here has one.
    let (code, message) = error_of(reader.get_parameter().name(&other_account).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        message,
        format!("User: arn:aws:iam::{ACCOUNT}:user/dev-reader is not authorized to perform: ssm:GetParameter on resource: {other_account} because no resource-based policy allows the ssm:GetParameter action")
    );
    let root = ssm().await;
    assert_eq!(
        code_of(root.get_parameter().name(&other_account).send().await),
        "AccessDeniedException"
    );
    assert_eq!(
        code_of(
            root.get_parameters()
                .names(&here)
                .names(&other_account)
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    assert_eq!(
        code_of(root.delete_parameter().name(&other_account).send().await),
        "AccessDeniedException"
    );
    assert_eq!(
        code_of(
            root.add_tags_to_resource()
                .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
                .resource_id(&other_account)
                .tags(
                    aws_sdk_ssm::types::Tag::builder()
                        .key("k")
                        .value("v")
                        .build()
                        .unwrap()
                )
                .send()
                .await
        ),
        "AccessDeniedException"
    );

    // Another region's ARN does not reach this region's parameter of the same name.
    assert_eq!(
        code_of(root.get_parameter().name(&other_region).send().await),
        "ParameterNotFound"
    );
    let both = root
        .get_parameters()
        .names(&here)
        .names(&other_region)
        .send()
        .await
        .unwrap();
    assert_eq!(both.parameters().len(), 1);
    assert_eq!(
        both.invalid_parameters(),
        std::slice::from_ref(&other_region)
    );
    assert_eq!(
        code_of(
            root.get_parameter_history()
                .name(&other_region)
                .send()
                .await
        ),
        "ParameterNotFound"
    );
    assert_eq!(
        code_of(
            root.label_parameter_version()
                .name(&other_region)
                .labels("l1")
                .send()
                .await
        ),
        "ParameterNotFound"
    );
    assert_eq!(
        code_of(root.delete_parameter().name(&other_region).send().await),
        "ParameterNotFound"
    );
    let deleted = root
        .delete_parameters()
        .names(&other_region)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.invalid_parameters(),
        std::slice::from_ref(&other_region)
    );
    // Still there after every attempt.
    let got = root.get_parameter().name(&name).send().await.unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("here"));
}

#[tokio::test]
async fn parameter_history_by_arn_decrypts_under_the_parameters_own_context() {
    let name = unique("/dev/app/histarn");
    put(&name, "s3cret", ParameterType::SecureString).await;
    let arn = format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{name}");
    let history = ssm()
        .await
        .get_parameter_history()
        .name(&arn)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(history.parameters()[0].value(), Some("s3cret"));
}

#[tokio::test]
async fn kms_key_arns_of_another_region_are_invalid_arns() {
    let kms = aws_sdk_kms::Client::new(&config_as("test", "test", None).await);
    let key = kms.create_key().send().await.unwrap();
    let arn = key.key_metadata().unwrap().arn().unwrap().to_owned();
    let elsewhere = arn.replace(":us-east-1:", ":eu-west-1:");
    let (code, message) = error_of(
        kms.encrypt()
            .key_id(&elsewhere)
            .plaintext(aws_sdk_kms::primitives::Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(message, "Invalid arn eu-west-1");
    // An alias ARN of another region too.
    let alias = unique("alias/authz-scope-");
    kms.create_alias()
        .alias_name(&alias)
        .target_key_id(&arn)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        kms.describe_key()
            .key_id(format!("arn:aws:kms:ap-south-1:{ACCOUNT}:{alias}"))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(message, "Invalid arn ap-south-1");
    kms.describe_key()
        .key_id(format!("arn:aws:kms:us-east-1:{ACCOUNT}:{alias}"))
        .send()
        .await
        .unwrap();
    kms.encrypt()
        .key_id(&arn)
        .plaintext(aws_sdk_kms::primitives::Blob::new("x"))
        .send()
        .await
        .unwrap();
}

#[test]
fn identity_policies_without_resource_are_refused_at_load() {
    let dir = std::env::temp_dir().join(format!("authz-scope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("no-resource.yaml");
    std::fs::write(
        &file,
        r#"
users:
  - name: sloppy
    policies:
      - name: everything-by-accident
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ssm:GetParameter
"#,
    )
    .unwrap();
    let config = emulator::Config::default();
    let fixtures = emulator::fixtures::load(std::slice::from_ref(&file), &config.account).unwrap();
    let Err(error) = emulator::state::EmulatorState::from_fixtures(config, fixtures) else {
        panic!("the policy is refused");
    };
    let text = error.to_string();
    assert!(
        text.contains("Policy statement must contain resources."),
        "{text}"
    );
    assert!(text.contains("everything-by-accident"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn not_resource_with_an_unresolvable_variable_covers_nothing() {
    let name = unique("/dev/app/nr");
    put(&name, "v", ParameterType::String).await;
    let user = ssm_as(UNRESOLVED.0, UNRESOLVED.1).await;
    let (code, message) = error_of(user.get_parameter().name(&name).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.ends_with("because no identity-based policy allows the ssm:GetParameter action"),
        "{message}"
    );
}

#[tokio::test]
async fn permissions_boundaries_limit_users_and_roles() {
    let readable = unique("/bounded/x");
    put(&readable, "in bounds", ParameterType::String).await;
    let outside = unique("/dev/app/outside");
    put(&outside, "v", ParameterType::String).await;
    let user = ssm_as(BOUNDED.0, BOUNDED.1).await;
    let got = user.get_parameter().name(&readable).send().await.unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("in bounds"));
    let (code, message) = error_of(user.get_parameter().name(&outside).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.ends_with("because no permissions boundary allows the ssm:GetParameter action"),
        "{message}"
    );
    let (_, message) = error_of(
        user.put_parameter()
            .name(unique("/bounded/new"))
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert!(
        message.ends_with("because no permissions boundary allows the ssm:PutParameter action"),
        "{message}"
    );

    // A role bounded by the managed AmazonSSMReadOnlyAccess may read, not write.
    let session = assume(CHAINER, "bounded-role", None, &[]).await;
    let role = ssm_as_session(&session).await;
    role.get_parameter().name(&outside).send().await.unwrap();
    let (code, message) = error_of(
        role.put_parameter()
            .name(unique("/dev/app/role-new"))
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.ends_with("because no permissions boundary allows the ssm:PutParameter action"),
        "{message}"
    );
}

type Session = (String, String, String);

async fn assume(
    key: (&str, &str),
    role: &str,
    policy: Option<&str>,
    policy_arns: &[&str],
) -> Session {
    let result = try_assume(key, role, policy, policy_arns, None)
        .await
        .unwrap();
    let c = result.credentials().unwrap();
    (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    )
}

async fn try_assume(
    key: (&str, &str),
    role: &str,
    policy: Option<&str>,
    policy_arns: &[&str],
    duration: Option<i32>,
) -> Result<
    aws_sdk_sts::operation::assume_role::AssumeRoleOutput,
    aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
> {
    let sts = aws_sdk_sts::Client::new(&config_as(key.0, key.1, None).await);
    sts_assume(&sts, role, policy, policy_arns, duration).await
}

async fn sts_assume(
    sts: &aws_sdk_sts::Client,
    role: &str,
    policy: Option<&str>,
    policy_arns: &[&str],
    duration: Option<i32>,
) -> Result<
    aws_sdk_sts::operation::assume_role::AssumeRoleOutput,
    aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
> {
    let mut request = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
        .role_session_name("limits")
        .set_policy(policy.map(str::to_owned))
        .set_duration_seconds(duration);
    for arn in policy_arns {
        request = request.policy_arns(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn(*arn)
                .build(),
        );
    }
    request.send().await
}

async fn ssm_as_session(session: &Session) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&config_as(&session.0, &session.1, Some(&session.2)).await)
}

#[tokio::test]
async fn session_policies_limit_the_session_to_what_both_allow() {
    let inside = unique("/dev/sess-a/x");
    let outside = unique("/dev/sess-b/x");
    put(&inside, "a", ParameterType::String).await;
    put(&outside, "b", ParameterType::String).await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/dev/sess-a/*"}]}"#;
    // app-role may read all of /dev/*; the session only /dev/sess-a/*.
    let session = assume(ASSUMER, "app-role", Some(policy), &[]).await;
    let limited = ssm_as_session(&session).await;
    let got = limited.get_parameter().name(&inside).send().await.unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("a"));
    let (code, message) = error_of(limited.get_parameter().name(&outside).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.ends_with("because no session policy allows the ssm:GetParameter action"),
        "{message}"
    );
    // A session policy grants nothing the role lacks.
    let wide = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}"#;
    let session = assume(ASSUMER, "app-role", Some(wide), &[]).await;
    let (_, message) = error_of(
        ssm_as_session(&session)
            .await
            .put_parameter()
            .name(unique("/dev/sess-a/new"))
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert!(
        message.ends_with("because no identity-based policy allows the ssm:PutParameter action"),
        "{message}"
    );
    // Managed session policies: the read-only policy keeps a full-access role from writing.
    let session = assume(
        CHAINER,
        "session-role",
        None,
        &["arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"],
    )
    .await;
    let managed = ssm_as_session(&session).await;
    managed.get_parameter().name(&outside).send().await.unwrap();
    let (_, message) = error_of(managed.delete_parameter().name(&outside).send().await);
    assert!(
        message.ends_with("because no session policy allows the ssm:DeleteParameter action"),
        "{message}"
    );
    // A session policy IAM would refuse is refused.
    let no_resource =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*"}]}"#;
    let (code, _) = error_of(try_assume(ASSUMER, "app-role", Some(no_resource), &[], None).await);
    assert_eq!(code, "MalformedPolicyDocument");
}

#[tokio::test]
async fn service_control_policies_bind_every_principal_of_the_account_root_included() {
    let fenced = unique("/scp-fenced/x");
    let root = ssm().await;
    let (code, message) = error_of(
        root.put_parameter()
            .name(&fenced)
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        message,
        format!("User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{fenced} with an explicit deny in a service control policy")
    );
    // The decision log names the service control policy and its statement.
    let (_, _, log) = raw("GET", "/_emulator/decisions?denied=true", &[], b"").await;
    let log = json_of(&log);
    let record = log["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|d| d["resource"].as_str().is_some_and(|r| r.ends_with(&fenced)))
        .expect("the refusal is recorded");
    assert_eq!(record["decision"], "ExplicitDeny");
    let reason = record["reason"].as_str().unwrap();
    assert!(reason.contains("service control policy fence"), "{reason}");
    assert!(reason.contains("FenceOffScpFenced"), "{reason}");
    // Outside the fence, the full-access SCP lets the root's request through.
    put(&unique("/dev/app/unfenced"), "v", ParameterType::String).await;
}

#[tokio::test]
async fn role_chaining_caps_sessions_at_one_hour() {
    // A user's AssumeRole may ask for the role's maximum.
    let first = try_assume(CHAINER, "chain-first", None, &[], Some(7200))
        .await
        .unwrap();
    let c = first.credentials().unwrap();
    let chained = aws_sdk_sts::Client::new(
        &config_as(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token()),
        )
        .await,
    );
    // The session assuming the next role is role chaining: one hour at most.
    let (code, message) =
        error_of(sts_assume(&chained, "chain-second", None, &[], Some(7200)).await);
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    );
    sts_assume(&chained, "chain-second", None, &[], Some(3600))
        .await
        .unwrap();
}

#[tokio::test]
async fn key_policies_are_checked_as_kms_checks_them() {
    let kms = aws_sdk_kms::Client::new(&config_as("test", "test", None).await);
    let root_statement = format!(
        r#"{{"Sid":"Root","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}"#
    );
    // A statement without Resource "has no effect" (KMS API Reference, PutKeyPolicy): it
    // must not grant the reader Encrypt on every key.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{root_statement},{{"Sid":"NoResource","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/dev-reader"}},"Action":"kms:Encrypt"}}]}}"#
    );
    let key = kms.create_key().policy(&policy).send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let reader = aws_sdk_kms::Client::new(&config_as(READER.0, READER.1, None).await);
    assert_eq!(
        code_of(
            reader
                .encrypt()
                .key_id(&key_id)
                .plaintext(aws_sdk_kms::primitives::Blob::new("x"))
                .send()
                .await
        ),
        "AccessDeniedException"
    );
    // Every statement must name a principal.
    let no_principal = format!(
        r#"{{"Version":"2012-10-17","Statement":[{root_statement},{{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}}]}}"#
    );
    let (code, _) = error_of(
        kms.put_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .policy(&no_principal)
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocumentException");
    // 32 KB at most: over it, LimitExceededException.
    let padding = "x".repeat(33_000);
    let huge =
        format!(r#"{{"Version":"2012-10-17","Id":"{padding}","Statement":[{root_statement}]}}"#);
    let (code, _) = error_of(
        kms.put_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .policy(&huge)
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceededException");
}

#[tokio::test]
async fn key_policies_naming_the_session_itself_pass_its_session_policies() {
    let kms = aws_sdk_kms::Client::new(&config_as("test", "test", None).await);
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/session-role/limits");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/session-role");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
            {{"Effect":"Allow","Principal":{{"AWS":"{session_arn}"}},"Action":"kms:Encrypt","Resource":"*"}},
            {{"Effect":"Allow","Principal":{{"AWS":"{role_arn}"}},"Action":"kms:DescribeKey","Resource":"*"}}]}}"#
    );
    let key = kms.create_key().policy(policy).send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    // The session may use only SSM reads, by its session policy.
    let session = assume(
        CHAINER,
        "session-role",
        None,
        &["arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"],
    )
    .await;
    let limited =
        aws_sdk_kms::Client::new(&config_as(&session.0, &session.1, Some(&session.2)).await);
    // Granted to the session's own ARN: added after the session was made, not limited.
    limited
        .encrypt()
        .key_id(&key_id)
        .plaintext(aws_sdk_kms::primitives::Blob::new("x"))
        .send()
        .await
        .unwrap();
    // Granted to the role: limited by the session policy.
    let (code, message) = error_of(limited.describe_key().key_id(&key_id).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.ends_with("because no session policy allows the kms:DescribeKey action"),
        "{message}"
    );
}

/// awsQuery members that do not parse as their model type (a number, a boolean) are a
/// `ValidationError` naming the member, before any rule or authorisation runs: the
/// inputs are decoded by the generated types, for STS and CloudFormation alike (a
/// CloudFormation `TimeoutInMinutes=abc` was once ignored and the stack created).
#[tokio::test]
async fn query_members_that_do_not_parse_are_validation_errors() {
    let query = |body: &'static [u8], service: &'static str| Attack {
        method: "POST",
        path: "/",
        headers: vec![("content-type", "application/x-www-form-urlencoded")],
        body,
        service,
        region: "us-east-1",
        presigned: false,
    };
    let (status, answer) = query(
        b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx&RoleSessionName=s1&DurationSeconds=abc",
        "sts",
    )
    .send(READER)
    .await;
    let answer = answer.replace("&apos;", "'");
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("<Code>ValidationError</Code>"), "{answer}");
    assert!(
        answer.contains("Value 'abc' at 'durationSeconds' failed to satisfy constraint: Member must be an integer"),
        "{answer}"
    );
    let (status, answer) = query(
        b"Action=CreateStack&Version=2010-05-15&StackName=never&TemplateBody=%7B%7D&TimeoutInMinutes=abc",
        "cloudformation",
    )
    .send(READER)
    .await;
    let answer = answer.replace("&apos;", "'");
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.contains("Value 'abc' at 'timeoutInMinutes' failed to satisfy constraint: Member must be an integer"),
        "{answer}"
    );
    let (status, answer) = query(
        b"Action=ExecuteChangeSet&Version=2010-05-15&ChangeSetName=x&DisableRollback=maybe",
        "cloudformation",
    )
    .send(READER)
    .await;
    let answer = answer.replace("&apos;", "'");
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.contains(
            "at 'disableRollback' failed to satisfy constraint: Member must be a boolean"
        ),
        "{answer}"
    );
}
