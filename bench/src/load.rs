//! The request mix and the load phases: N workers, each with its own keep-alive
//! connection, sending one operation back to back for a bounded time (and a bounded
//! count), recording every latency.

use crate::client::{Answer, Call, Connection, Endpoint, Signer};
use crate::fixture;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hyper::body::Bytes;
use hyper::StatusCode;
use std::time::{Duration, Instant};

/// The operations measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    GetString,
    GetSecure,
    ByPath,
    Put,
    Encrypt,
    Decrypt,
    Denied,
    /// PutParameter against an emulator started with `--state-dir` (each answer waits
    /// for its commit to disk).
    PutDurable,
    /// GetParameter (String) against that emulator.
    GetDurable,
    /// KMS Sign with an ECC_NIST_P256 key (ECDSA_SHA_256, a 32-byte message).
    Sign,
    /// KMS Verify of that key's signature.
    Verify,
    /// KMS GenerateMac with an HMAC_256 key.
    Mac,
    /// Lambda Invoke of the bench's echo function (only in the Lambda measurements: the
    /// other phases' world has no function, so it is not in [`Op::ALL`]).
    Invoke,
    /// The same echo function in Python (`python3.12`, run by an interpreter of the
    /// machine with AWS's runtime interface client).
    InvokePython,
    /// The same echo function in Node.js (`nodejs22.x`).
    InvokeNode,
}

impl Op {
    pub const ALL: [Op; 12] = [
        Op::GetString,
        Op::GetSecure,
        Op::ByPath,
        Op::Put,
        Op::Encrypt,
        Op::Decrypt,
        Op::Denied,
        Op::PutDurable,
        Op::GetDurable,
        Op::Sign,
        Op::Verify,
        Op::Mac,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Op::GetString => "get-string",
            Op::GetSecure => "get-secure",
            Op::ByPath => "by-path",
            Op::Put => "put",
            Op::Encrypt => "encrypt",
            Op::Decrypt => "decrypt",
            Op::Denied => "denied",
            Op::PutDurable => "put-durable",
            Op::GetDurable => "get-durable",
            Op::Sign => "sign",
            Op::Verify => "verify",
            Op::Mac => "mac",
            Op::Invoke => "invoke",
            Op::InvokePython => "invoke-python",
            Op::InvokeNode => "invoke-node",
        }
    }

    /// What the report calls it.
    pub fn label(self) -> &'static str {
        match self {
            Op::GetString => "GetParameter (String)",
            Op::GetSecure => "GetParameter (SecureString, decrypted)",
            Op::ByPath => "GetParametersByPath (10 results)",
            Op::Put => "PutParameter (Overwrite)",
            Op::Encrypt => "KMS Encrypt (32 bytes)",
            Op::Decrypt => "KMS Decrypt (32 bytes)",
            Op::Denied => "GetParameter refused (AccessDenied)",
            Op::PutDurable => "PutParameter (Overwrite, --state-dir)",
            Op::GetDurable => "GetParameter (String, --state-dir)",
            Op::Sign => "KMS Sign (ECC_NIST_P256, 32 bytes)",
            Op::Verify => "KMS Verify (ECC_NIST_P256, 32 bytes)",
            Op::Mac => "KMS GenerateMac (HMAC_256, 32 bytes)",
            Op::Invoke => "Lambda Invoke (warm, echo)",
            Op::InvokePython => "Lambda Invoke (warm, echo, python3.12)",
            Op::InvokeNode => "Lambda Invoke (warm, echo, nodejs22.x)",
        }
    }

    /// The function an Invoke operation invokes.
    pub fn function(self) -> Option<&'static str> {
        match self {
            Op::Invoke => Some(fixture::FUNCTION),
            Op::InvokePython => Some(fixture::FUNCTION_PYTHON),
            Op::InvokeNode => Some(fixture::FUNCTION_NODE),
            _ => None,
        }
    }

    /// The runtime of an Invoke operation's function.
    pub fn runtime(self) -> &'static str {
        match self {
            Op::InvokePython => "python3.12",
            Op::InvokeNode => "nodejs22.x",
            _ => "provided.al2023",
        }
    }

    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether it is measured against an emulator with a state directory.
    pub fn durable(self) -> bool {
        matches!(self, Op::PutDurable | Op::GetDurable)
    }

    /// Whether the caller is the user without permissions.
    pub fn denied(self) -> bool {
        self == Op::Denied
    }

    /// Whether the server-CPU target (50µs per request) applies: not to the asymmetric
    /// signature operations, whose ECDSA arithmetic alone is of that order; they are
    /// measured and reported without a target.
    pub fn cpu_target(self) -> bool {
        !matches!(self, Op::Sign | Op::Verify)
    }
}

/// What the operations need from the setup: the key to use and a ciphertext to decrypt.
#[derive(Clone, Debug)]
pub struct World {
    pub key_id: String,
    /// A 32-byte plaintext encrypted under the key (base64).
    pub ciphertext: String,
    /// The ECC_NIST_P256 signing key and its signature of [`PLAINTEXT`] (base64), when
    /// Sign or Verify is measured.
    pub sign_key: Option<(String, String)>,
    /// The HMAC_256 key, when GenerateMac is measured.
    pub mac_key_id: Option<String>,
}

/// The 32 bytes Encrypt encrypts.
pub const PLAINTEXT: [u8; 32] = *b"0123456789abcdef0123456789abcdef";

fn json_call(service: &'static str, target: &'static str, body: serde_json::Value) -> Call {
    Call::json(service, target, Bytes::from(body.to_string()))
}

/// The event Invoke sends (and the echo function answers).
pub fn invoke_event() -> serde_json::Value {
    serde_json::json!({"bench": "invoke", "n": 42, "items": ["a", "b"]})
}

/// Lambda Invoke (restJson1, synchronous) of `function` with `event`.
pub fn invoke_call(function: &str, event: &serde_json::Value) -> Call {
    Call::rest(
        "lambda",
        "POST",
        format!("/2015-03-31/functions/{function}/invocations"),
        Bytes::from(event.to_string()),
    )
}

/// Lambda UpdateFunctionConfiguration setting `function`'s timeout (which retires its
/// execution environments: the next Invoke starts cold).
pub fn set_timeout_call(function: &str, timeout: u32) -> Call {
    Call::rest(
        "lambda",
        "PUT",
        format!("/2015-03-31/functions/{function}/configuration"),
        Bytes::from(serde_json::json!({ "Timeout": timeout }).to_string()),
    )
}

/// PutParameter of a String (overwriting).
pub fn put_call(name: &str, value: &str, kind: &str, key_id: Option<&str>) -> Call {
    let mut body = serde_json::json!({
        "Name": name, "Value": value, "Type": kind, "Overwrite": true,
    });
    if let Some(key) = key_id {
        body["KeyId"] = key.into();
    }
    json_call("ssm", "AmazonSSM.PutParameter", body)
}

pub fn encrypt_call(key_id: &str) -> Call {
    json_call(
        "kms",
        "TrentService.Encrypt",
        serde_json::json!({"KeyId": key_id, "Plaintext": STANDARD.encode(PLAINTEXT)}),
    )
}

/// CreateKey of a key of `spec` for `usage` (the bench user's key policy is the default:
/// its IAM policy allows `kms:*`).
pub fn create_key_call(spec: &str, usage: &str) -> Call {
    json_call(
        "kms",
        "TrentService.CreateKey",
        serde_json::json!({"KeySpec": spec, "KeyUsage": usage, "Description": "bench key"}),
    )
}

/// Sign of [`PLAINTEXT`] with an ECC_NIST_P256 key.
pub fn sign_call(key_id: &str) -> Call {
    json_call(
        "kms",
        "TrentService.Sign",
        serde_json::json!({"KeyId": key_id, "Message": STANDARD.encode(PLAINTEXT), "SigningAlgorithm": "ECDSA_SHA_256"}),
    )
}

pub fn get_call(name: &str, decrypt: bool) -> Call {
    json_call(
        "ssm",
        "AmazonSSM.GetParameter",
        serde_json::json!({"Name": name, "WithDecryption": decrypt}),
    )
}

pub fn by_path_call(path: &str) -> Call {
    json_call(
        "ssm",
        "AmazonSSM.GetParametersByPath",
        serde_json::json!({"Path": path}),
    )
}

/// The request `op` sends from `worker` (PutParameter writes one parameter per worker).
pub fn call_for(op: Op, world: &World, worker: usize) -> Call {
    match op {
        Op::GetString | Op::Denied | Op::GetDurable => get_call(fixture::STRING_PARAMETER, false),
        Op::GetSecure => get_call(fixture::SECURE_PARAMETER, true),
        Op::ByPath => by_path_call(fixture::PATH10),
        Op::Put | Op::PutDurable => put_call(
            &format!("/bench/put/w{worker}"),
            "a value written again and again",
            "String",
            None,
        ),
        Op::Encrypt => encrypt_call(&world.key_id),
        Op::Decrypt => json_call(
            "kms",
            "TrentService.Decrypt",
            serde_json::json!({"CiphertextBlob": world.ciphertext}),
        ),
        Op::Sign => sign_call(world.sign_key.as_ref().map_or("", |(k, _)| k)),
        Op::Verify => {
            let (key, signature) = world.sign_key.clone().unwrap_or_default();
            json_call(
                "kms",
                "TrentService.Verify",
                serde_json::json!({"KeyId": key, "Message": STANDARD.encode(PLAINTEXT), "Signature": signature, "SigningAlgorithm": "ECDSA_SHA_256"}),
            )
        }
        Op::Mac => json_call(
            "kms",
            "TrentService.GenerateMac",
            serde_json::json!({"KeyId": world.mac_key_id.as_deref().unwrap_or_default(), "Message": STANDARD.encode(PLAINTEXT), "MacAlgorithm": "HMAC_SHA_256"}),
        ),
        Op::Invoke | Op::InvokePython | Op::InvokeNode => {
            invoke_call(op.function().unwrap_or(fixture::FUNCTION), &invoke_event())
        }
    }
}

/// Whether an answer is the one `op` expects.
pub fn check(op: Op, answer: &Answer) -> Result<(), String> {
    let ok = if op.denied() {
        answer.status == StatusCode::BAD_REQUEST
            && answer.error_type.as_deref() == Some("AccessDeniedException")
    } else if op.function().is_some() {
        answer.status == StatusCode::OK && answer.function_error.is_none()
    } else {
        answer.status == StatusCode::OK
    };
    if ok {
        Ok(())
    } else {
        Err(answer.describe())
    }
}

/// A deeper check of one answer of each operation (done once, before measuring).
pub fn check_content(op: Op, answer: &Answer) -> Result<(), String> {
    check(op, answer)?;
    let body = answer.json();
    let fine = match op {
        Op::GetString | Op::GetDurable => body["Parameter"]["Value"] == fixture::STRING_VALUE,
        Op::GetSecure => body["Parameter"]["Value"] == fixture::SECURE_VALUE,
        Op::ByPath => body["Parameters"].as_array().map(Vec::len) == Some(10),
        Op::Put | Op::PutDurable => body["Version"].as_u64().is_some(),
        Op::Encrypt => body["CiphertextBlob"].is_string(),
        Op::Decrypt => body["Plaintext"] == STANDARD.encode(PLAINTEXT),
        Op::Denied => true,
        Op::Sign => body["Signature"].is_string(),
        Op::Verify => body["SignatureValid"] == true,
        Op::Mac => body["Mac"].as_str().is_some_and(|m| m.len() == 44),
        Op::Invoke | Op::InvokePython | Op::InvokeNode => body == invoke_event(),
    };
    if fine {
        Ok(())
    } else {
        Err(format!("unexpected answer: {}", answer.describe()))
    }
}

/// How one phase runs.
#[derive(Clone, Debug)]
pub struct PhaseSpec {
    pub op: Op,
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// At most this many measured requests in the phase (across workers).
    pub max_requests: usize,
}

/// What one phase measured.
#[derive(Clone, Debug, Default)]
pub struct PhaseResult {
    pub requests: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Latencies in nanoseconds, sorted.
    pub latencies: Vec<u64>,
    /// Server CPU time during the measured part, when the server's pid is known.
    pub server_cpu: Option<Duration>,
    /// The bench's own CPU time during the measured part (signing, HTTP, its syscalls).
    pub client_cpu: Option<Duration>,
}

impl PhaseResult {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q` (0..=1), in microseconds.
    pub fn quantile_us(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank =
            ((self.latencies.len() as f64 * q).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1] as f64 / 1000.0
    }

    pub fn max_us(&self) -> f64 {
        self.latencies.last().map_or(0.0, |&n| n as f64 / 1000.0)
    }

    pub fn cpu_us_per_request(&self) -> Option<f64> {
        let cpu = self.server_cpu?;
        (self.requests > 0).then(|| cpu.as_secs_f64() * 1e6 / self.requests as f64)
    }

    pub fn client_cpu_us_per_request(&self) -> Option<f64> {
        let cpu = self.client_cpu?;
        (self.requests > 0).then(|| cpu.as_secs_f64() * 1e6 / self.requests as f64)
    }
}

struct WorkerResult {
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    latencies: Vec<u64>,
}

/// Runs one phase: every worker opens its connection, the warm-up runs unmeasured, then
/// each request completed within the measured window is counted.
pub async fn run_phase(
    endpoint: &Endpoint,
    user: &Signer,
    denied: &Signer,
    world: &World,
    spec: &PhaseSpec,
    server_pid: Option<u32>,
) -> Result<PhaseResult, String> {
    let mut connections = Vec::with_capacity(spec.concurrency);
    for _ in 0..spec.concurrency {
        let mut connection = Connection::new(endpoint);
        connection.open().await?;
        connections.push(connection);
    }
    let start = Instant::now();
    let measure_from = start + spec.warmup;
    let until = measure_from + spec.duration;
    let per_worker = spec.max_requests.div_ceil(spec.concurrency).max(1);
    let signer = if spec.op.denied() { denied } else { user };
    let mut tasks = Vec::with_capacity(spec.concurrency);
    for (worker, mut connection) in connections.into_iter().enumerate() {
        let call = call_for(spec.op, world, worker);
        let signer = signer.clone();
        let op = spec.op;
        tasks.push(tokio::spawn(async move {
            let mut result = WorkerResult {
                requests: 0,
                errors: 0,
                first_error: None,
                latencies: Vec::with_capacity(per_worker.min(1 << 20)),
            };
            loop {
                let sent = Instant::now();
                if sent >= until || result.requests >= per_worker {
                    break;
                }
                let outcome = connection.call(&signer, &call).await;
                let done = Instant::now();
                let outcome = outcome.and_then(|answer| check(op, &answer));
                if sent < measure_from || done > until {
                    continue;
                }
                result.requests += 1;
                result
                    .latencies
                    .push(u64::try_from((done - sent).as_nanos()).unwrap_or(u64::MAX));
                if let Err(problem) = outcome {
                    result.errors += 1;
                    result.first_error.get_or_insert(problem);
                }
            }
            result
        }));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let own = std::process::id();
    let cpu_before = server_pid.and_then(crate::process::cpu_time);
    let own_before = crate::process::cpu_time(own);
    tokio::time::sleep_until(until.into()).await;
    let cpu_after = server_pid.and_then(crate::process::cpu_time);
    let own_after = crate::process::cpu_time(own);
    let measured_until = Instant::now();
    let mut total = PhaseResult::default();
    for task in tasks {
        let worker = task.await.map_err(|e| format!("worker failed: {e}"))?;
        total.requests += worker.requests;
        total.errors += worker.errors;
        if total.first_error.is_none() {
            total.first_error = worker.first_error;
        }
        total.latencies.extend(worker.latencies);
    }
    total.elapsed = measured_until
        .min(until)
        .saturating_duration_since(measure_from);
    total.latencies.sort_unstable();
    if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
        total.server_cpu = Some(after.saturating_sub(before));
    }
    if let (Some(before), Some(after)) = (own_before, own_after) {
        total.client_cpu = Some(after.saturating_sub(before));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_the_ranked_sample() {
        let result = PhaseResult {
            latencies: (1..=100).map(|n| n * 1000).collect(),
            requests: 100,
            elapsed: Duration::from_secs(1),
            ..PhaseResult::default()
        };
        assert_eq!(result.quantile_us(0.5), 50.0);
        assert_eq!(result.quantile_us(0.99), 99.0);
        assert_eq!(result.max_us(), 100.0);
        assert_eq!(result.rps(), 100.0);
    }

    #[test]
    fn invoke_is_checked_for_function_errors() {
        let answer = |function_error: Option<&str>| Answer {
            status: StatusCode::OK,
            error_type: None,
            function_error: function_error.map(str::to_owned),
            body: Bytes::from(invoke_event().to_string()),
        };
        assert!(check_content(Op::Invoke, &answer(None)).is_ok());
        assert!(check(Op::Invoke, &answer(Some("Unhandled"))).is_err());
        let call = call_for(
            Op::Invoke,
            &World {
                key_id: String::new(),
                ciphertext: String::new(),
                sign_key: None,
                mac_key_id: None,
            },
            0,
        );
        assert_eq!(call.service, "lambda");
        assert_eq!(call.path, "/2015-03-31/functions/bench-fn/invocations");
        assert_eq!(Op::parse("invoke"), None);
    }

    /// The signature operations name their key and the agreed algorithms.
    #[test]
    fn signature_and_mac_calls() {
        let world = World {
            key_id: String::new(),
            ciphertext: String::new(),
            sign_key: Some(("k1".into(), "c2ln".into())),
            mac_key_id: Some("k2".into()),
        };
        let body = |op| -> serde_json::Value {
            serde_json::from_slice(&call_for(op, &world, 0).body).unwrap()
        };
        assert_eq!(body(Op::Sign)["SigningAlgorithm"], "ECDSA_SHA_256");
        assert_eq!(body(Op::Verify)["Signature"], "c2ln");
        assert_eq!(body(Op::Mac)["KeyId"], "k2");
        assert!(!Op::Sign.cpu_target() && Op::Mac.cpu_target());
    }

    #[test]
    fn op_names_round_trip() {
        for op in Op::ALL {
            assert_eq!(Op::parse(op.name()), Some(op));
        }
    }
}
