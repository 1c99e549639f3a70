//! `bench`: drives an emulator (started here, or already running) or moto over loopback
//! with SigV4-signed requests, and reports throughput, latency, start-up time, memory,
//! path-query scaling, server CPU per request, and Lambda cold and warm Invoke times.
//! See `BENCHMARKS.md`.

mod client;
mod fixture;
mod load;
mod options;
mod process;
mod report;

use client::{call_once, Call, Connection, Endpoint, Signer};
use load::{Op, PhaseSpec, World};
use options::{Options, Target};
use process::Emulator;
use report::{ColdStart, Measurements, Scale, Startup};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let options = match options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("bench: {problem}\n\n{}", options::USAGE);
            std::process::exit(2);
        }
    };
    if options.help {
        println!("{}", options::USAGE);
        return;
    }
    if let Some(dir) = &options.write_fixtures {
        if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| fixture::write_base(dir)) {
            eprintln!("bench: cannot write fixtures to {}: {e}", dir.display());
            std::process::exit(1);
        }
        println!("bench fixtures written to {}", dir.display());
        return;
    }
    let runtime = if options.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.client_threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    match runtime.block_on(run(&options)) {
        Ok(measurements) => {
            let failed = measurements.request_errors();
            report::print(&options, &measurements);
            if let Some(path) = &options.json {
                if let Err(e) = std::fs::write(path, report::json(&options, &measurements)) {
                    eprintln!("bench: cannot write {}: {e}", path.display());
                    std::process::exit(1);
                }
            }
            if failed > 0 {
                eprintln!("bench: {failed} requests had unexpected answers");
                std::process::exit(1);
            }
        }
        Err(problem) => {
            eprintln!("bench: {problem}");
            std::process::exit(1);
        }
    }
}

fn user() -> Signer {
    Signer::new(fixture::USER_KEY_ID, fixture::USER_SECRET)
}

fn denied_user() -> Signer {
    Signer::new(fixture::DENIED_KEY_ID, fixture::DENIED_SECRET)
}

/// Calls once and insists on a 200.
async fn must(
    endpoint: &Endpoint,
    signer: &Signer,
    call: &Call,
) -> Result<serde_json::Value, String> {
    let answer = call_once(endpoint, signer, call).await?;
    if answer.status.is_success() {
        Ok(answer.json())
    } else {
        Err(format!(
            "setup call {} failed: {}",
            call.name(),
            answer.describe()
        ))
    }
}

/// Creates what the operations read through the API (for servers without our fixtures),
/// or only the ciphertext Decrypt needs (when the fixtures made the rest).
async fn setup(endpoint: &Endpoint, through_api: bool, ops: &[Op]) -> Result<World, String> {
    let user = user();
    let key_id = if through_api {
        let created = must(
            endpoint,
            &user,
            &Call::json(
                "kms",
                "TrentService.CreateKey",
                hyper::body::Bytes::from_static(b"{\"Description\":\"bench key\"}"),
            ),
        )
        .await?;
        let key_id = created["KeyMetadata"]["KeyId"]
            .as_str()
            .ok_or("CreateKey answered no KeyId")?
            .to_owned();
        let parameters = [
            (
                fixture::STRING_PARAMETER.to_owned(),
                fixture::STRING_VALUE.to_owned(),
                "String",
            ),
            (
                fixture::SECURE_PARAMETER.to_owned(),
                fixture::SECURE_VALUE.to_owned(),
                "SecureString",
            ),
        ]
        .into_iter()
        .chain((0..10).map(|i| {
            (
                format!("{}/p{i}", fixture::PATH10),
                format!("value-{i}"),
                "String",
            )
        }));
        for (name, value, kind) in parameters {
            let key = (kind == "SecureString").then_some(key_id.as_str());
            must(endpoint, &user, &load::put_call(&name, &value, kind, key)).await?;
        }
        key_id
    } else {
        fixture::KEY_ID.to_owned()
    };
    let encrypted = must(endpoint, &user, &load::encrypt_call(&key_id)).await?;
    let ciphertext = encrypted["CiphertextBlob"]
        .as_str()
        .ok_or("Encrypt answered no CiphertextBlob")?
        .to_owned();
    // The signing and HMAC keys, made through the API for any server, only when measured.
    let sign_key = if ops.contains(&Op::Sign) || ops.contains(&Op::Verify) {
        let created = must(
            endpoint,
            &user,
            &load::create_key_call("ECC_NIST_P256", "SIGN_VERIFY"),
        )
        .await?;
        let key = created["KeyMetadata"]["KeyId"]
            .as_str()
            .ok_or("CreateKey answered no KeyId")?
            .to_owned();
        let signed = must(endpoint, &user, &load::sign_call(&key)).await?;
        let signature = signed["Signature"]
            .as_str()
            .ok_or("Sign answered no Signature")?
            .to_owned();
        Some((key, signature))
    } else {
        None
    };
    let mac_key_id = if ops.contains(&Op::Mac) {
        let created = must(
            endpoint,
            &user,
            &load::create_key_call("HMAC_256", "GENERATE_VERIFY_MAC"),
        )
        .await?;
        Some(
            created["KeyMetadata"]["KeyId"]
                .as_str()
                .ok_or("CreateKey answered no KeyId")?
                .to_owned(),
        )
    } else {
        None
    };
    Ok(World {
        key_id,
        ciphertext,
        sign_key,
        mac_key_id,
    })
}

/// Runs each operation at each concurrency against `endpoint`: those measured with a
/// state directory (`durable`), or the others.
async fn throughput(
    options: &Options,
    endpoint: &Endpoint,
    world: &World,
    pid: Option<u32>,
    durable: bool,
    measurements: &mut Measurements,
) -> Result<(), String> {
    let (user, denied) = (user(), denied_user());
    for &op in &options.ops {
        if op.durable() != durable {
            continue;
        }
        if op.denied() && options.target == Target::Moto {
            continue; // moto does not enforce IAM
        }
        let signer = if op.denied() { &denied } else { &user };
        let answer = call_once(endpoint, signer, &load::call_for(op, world, 0)).await?;
        load::check_content(op, &answer).map_err(|e| format!("{}: {e}", op.label()))?;
        for &concurrency in &options.concurrency {
            let spec = PhaseSpec {
                op,
                concurrency,
                warmup: options.warmup,
                duration: options.duration,
                max_requests: options.max_requests,
            };
            let result = load::run_phase(endpoint, &user, &denied, world, &spec, pid).await?;
            report::print_phase(op, concurrency, &result);
            measurements.phases.push((op, concurrency, result));
        }
    }
    Ok(())
}

/// Starts the emulator with `fixtures` and times it to its first successful answer to
/// `probe` (signed by `signer`). The emulator is returned running.
async fn start_and_probe(
    options: &Options,
    fixtures: &[PathBuf],
    signer: &Signer,
    probe: &Call,
) -> Result<(Duration, Emulator), String> {
    let emulator = Emulator::start(&options.emulator, fixtures, Duration::from_secs(120))?;
    let endpoint = Endpoint::at(emulator.addr);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match call_once(&endpoint, signer, probe).await {
            Ok(answer) if answer.status.is_success() => {
                return Ok((emulator.started.elapsed(), emulator));
            }
            Ok(answer) if Instant::now() > deadline => {
                return Err(format!("the emulator answered {}", answer.describe()))
            }
            Err(e) if Instant::now() > deadline => return Err(e),
            _ => tokio::time::sleep(Duration::from_micros(200)).await,
        }
    }
}

/// Times `runs` starts; returns the times (sorted) and the RSS of the last one once idle.
async fn startups(
    options: &Options,
    fixtures: &[PathBuf],
    signer: &Signer,
    probe: &Call,
    runs: usize,
    linger: Duration,
) -> Result<Startup, String> {
    let mut times = Vec::new();
    let mut rss = None;
    for run in 0..runs {
        let (time, emulator) = start_and_probe(options, fixtures, signer, probe).await?;
        times.push(time);
        if run + 1 == runs {
            tokio::time::sleep(Duration::from_millis(300)).await;
            rss = process::rss_bytes(emulator.pid());
        }
        // A world with functions starts building them (cargo) at once: give that a
        // moment before the emulator is stopped, so that the next start does not share
        // the cores with it.
        tokio::time::sleep(linger).await;
    }
    times.sort();
    Ok(Startup { times, rss })
}

/// The Lambda measurements, against an emulator of their own whose world adds the echo
/// function `bench-fn` (the binary next to the bench's) and the same echo function in
/// Python (`python3.12`) and Node.js (`nodejs22.x`): for each, `options.cold_runs` cold
/// starts (UpdateFunctionConfiguration retires the environment, then one Invoke), then
/// warm Invoke at concurrency 1. A managed runtime without an interpreter and runtime
/// interface client on this machine is skipped, with the emulator's reason.
async fn lambda(
    options: &Options,
    temp: &fixture::TempDir,
    measurements: &mut Measurements,
) -> Result<(), String> {
    let function = std::env::current_exe()
        .map_err(|e| format!("the bench's own path: {e}"))?
        .with_file_name(fixture::FUNCTION);
    if !function.is_file() {
        return Err(format!(
            "{} is missing: `cargo build --release -p bench` builds it (`cargo run` alone builds only the bench binary)",
            function.display()
        ));
    }
    let dir = temp.subdir("lambda").map_err(|e| e.to_string())?;
    fixture::write_lambda(&dir, &function).map_err(|e| e.to_string())?;
    let emulator = Emulator::start(&options.emulator, &[dir], Duration::from_secs(60))?;
    let endpoint = Endpoint::at(emulator.addr);
    let user = user();
    // One connection, opened before the first measurement.
    let mut connection = Connection::new(&endpoint);
    connection.open().await?;
    for op in [Op::Invoke, Op::InvokePython, Op::InvokeNode] {
        if let Err(reason) = ready(&mut connection, &user, op).await? {
            println!(
                "Lambda {}: skipped, no interpreter and runtime interface client for it here: {reason}",
                op.runtime()
            );
            measurements.lambda_skipped.push((op.runtime(), reason));
            continue;
        }
        measure_function(
            options,
            &endpoint,
            &mut connection,
            op,
            emulator.pid(),
            measurements,
        )
        .await?;
    }
    Ok(())
}

/// Waits while the function of `op` is `Pending` (its interpreter is being looked for):
/// `Ok(Ok(()))` once `Active`, `Ok(Err(reason))` if it is `Failed`.
async fn ready(
    connection: &mut Connection,
    user: &Signer,
    op: Op,
) -> Result<Result<(), String>, String> {
    let function = op.function().unwrap_or(fixture::FUNCTION);
    let read = Call::rest(
        "lambda",
        "GET",
        format!("/2015-03-31/functions/{function}/configuration"),
        hyper::body::Bytes::new(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = connection.call(user, &read).await?;
        let config = answer.json();
        match config["State"].as_str() {
            Some("Active") => return Ok(Ok(())),
            Some("Failed") => {
                return Ok(Err(config["StateReason"]
                    .as_str()
                    .unwrap_or("Failed")
                    .to_owned()))
            }
            Some("Pending") if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            _ => {
                return Err(format!(
                    "GetFunctionConfiguration {function}: {}",
                    answer.describe()
                ))
            }
        }
    }
}

/// The cold starts and the warm phase of one function.
async fn measure_function(
    options: &Options,
    endpoint: &Endpoint,
    connection: &mut Connection,
    op: Op,
    pid: u32,
    measurements: &mut Measurements,
) -> Result<(), String> {
    let user = user();
    let function = op.function().unwrap_or(fixture::FUNCTION);
    let invoke = load::invoke_call(function, &load::invoke_event());
    let records = Call::rest(
        "lambda",
        "GET",
        format!("/_emulator/lambda/invocations?function={function}"),
        hyper::body::Bytes::new(),
    );
    for run in 0..options.cold_runs {
        // 11, 12, 11, ...: always different from the function's current timeout.
        let timeout = fixture::FUNCTION_TIMEOUT + 1 + u32::from(run % 2 == 1);
        let update = load::set_timeout_call(function, timeout);
        let answer = connection.call(&user, &update).await?;
        if !answer.status.is_success() {
            return Err(format!(
                "UpdateFunctionConfiguration: {}",
                answer.describe()
            ));
        }
        let sent = Instant::now();
        let answer = connection.call(&user, &invoke).await;
        let round_trip = sent.elapsed();
        load::check_content(op, &answer?).map_err(|e| format!("cold Invoke: {e}"))?;
        let answer = connection.call(&user, &records).await?;
        let list = answer.json();
        let record = list["invocations"]
            .as_array()
            .and_then(|all| all.last())
            .ok_or_else(|| format!("no invocation record: {}", answer.describe()))?;
        if record["coldStart"] != true {
            return Err(format!(
                "the Invoke after UpdateFunctionConfiguration did not start cold: {record}"
            ));
        }
        measurements.cold_starts.push(ColdStart {
            runtime: op.runtime(),
            round_trip,
            init_ms: record["initDurationMs"].as_f64(),
        });
        // Let the retired environment's process exit before the next measurement.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let spec = PhaseSpec {
        op,
        concurrency: 1,
        warmup: options.warmup,
        duration: options.duration,
        max_requests: options.max_requests,
    };
    let answer = connection.call(&user, &invoke).await?;
    load::check_content(op, &answer).map_err(|e| format!("warm Invoke: {e}"))?;
    let result = load::run_phase(
        endpoint,
        &user,
        &denied_user(),
        &world_without_kms(),
        &spec,
        Some(pid),
    )
    .await?;
    report::print_phase(op, 1, &result);
    measurements.phases.push((op, 1, result));
    Ok(())
}

/// What the Invoke operation needs of the world: nothing of KMS.
fn world_without_kms() -> World {
    World {
        key_id: fixture::KEY_ID.to_owned(),
        ciphertext: String::new(),
        sign_key: None,
        mac_key_id: None,
    }
}

/// The whole run: what the options ask for.
async fn run(options: &Options) -> Result<Measurements, String> {
    let mut measurements = Measurements::default();
    let temp = fixture::TempDir::new().map_err(|e| format!("temporary directory: {e}"))?;
    let base = temp.subdir("base").map_err(|e| e.to_string())?;
    fixture::write_base(&base).map_err(|e| e.to_string())?;
    let user = user();
    let probe_bench = load::get_call(fixture::STRING_PARAMETER, false);

    if let Some(endpoint) = &options.endpoint {
        let world = setup(endpoint, options.target == Target::Moto, &options.ops).await?;
        // A running server's state directory is its own: the durable rows need one
        // started here.
        throughput(
            options,
            endpoint,
            &world,
            options.pid,
            false,
            &mut measurements,
        )
        .await?;
        return Ok(measurements);
    }

    if options.lambda {
        lambda(options, &temp, &mut measurements).await?;
        return Ok(measurements);
    }

    if options.startup {
        let startup = startups(
            options,
            std::slice::from_ref(&base),
            &user,
            &probe_bench,
            options.startup_runs,
            Duration::ZERO,
        )
        .await?;
        measurements.startup_bench = Some(startup);
        // The repository's default world, as a user starts it (any unknown key is root).
        if options.default_fixtures.is_dir() {
            let root = Signer::new("test", "test");
            let probe = load::get_call("/dev/parameterStoreBlog/appConfig", false);
            let startup = startups(
                options,
                std::slice::from_ref(&options.default_fixtures),
                &root,
                &probe,
                options.startup_runs,
                Duration::from_secs(1),
            )
            .await?;
            measurements.startup_default = Some(startup);
        }
    }

    if !options.ops.is_empty() && !options.concurrency.is_empty() {
        let emulator = Emulator::start(
            &options.emulator,
            std::slice::from_ref(&base),
            Duration::from_secs(60),
        )?;
        let endpoint = Endpoint::at(emulator.addr);
        let world = setup(&endpoint, false, &options.ops).await?;
        throughput(
            options,
            &endpoint,
            &world,
            Some(emulator.pid()),
            false,
            &mut measurements,
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        measurements.rss_after_load = process::rss_bytes(emulator.pid());
    }

    if options.ops.iter().any(|op| op.durable()) && !options.concurrency.is_empty() {
        // The same world in an emulator that commits every change to a state directory
        // (seeded from the fixtures at start) before answering.
        let state = temp.subdir("state").map_err(|e| e.to_string())?;
        let emulator = Emulator::start_with(
            &options.emulator,
            std::slice::from_ref(&base),
            &["--state-dir".as_ref(), state.as_os_str()],
            Duration::from_secs(60),
        )?;
        let endpoint = Endpoint::at(emulator.addr);
        let world = setup(&endpoint, false, &options.ops).await?;
        throughput(
            options,
            &endpoint,
            &world,
            Some(emulator.pid()),
            true,
            &mut measurements,
        )
        .await?;
    }

    if options.load_params > 0 {
        let dir = temp.subdir("load").map_err(|e| e.to_string())?;
        fixture::write_load_yaml(&dir.join("load.yaml"), options.load_params)
            .map_err(|e| e.to_string())?;
        let fixtures = [base.clone(), dir];
        let startup = startups(
            options,
            &fixtures,
            &user,
            &probe_bench,
            options.load_runs,
            Duration::ZERO,
        )
        .await?;
        measurements.load = Some((options.load_params, startup));
    }

    if options.scale_small > 0 && options.scale_large > 0 {
        let mut scales = Vec::new();
        for (name, count) in [
            ("small", options.scale_small),
            ("large", options.scale_large),
        ] {
            let dir = temp.subdir(name).map_err(|e| e.to_string())?;
            fixture::write_filler_json(&dir.join("filler.json"), count)
                .map_err(|e| e.to_string())?;
            let fixtures = [base.clone(), dir];
            let (load_time, emulator) =
                start_and_probe(options, &fixtures, &user, &probe_bench).await?;
            let endpoint = Endpoint::at(emulator.addr);
            let world = setup(&endpoint, false, &[]).await?;
            let spec = PhaseSpec {
                op: Op::ByPath,
                concurrency: 1,
                warmup: options.warmup,
                duration: options.duration,
                max_requests: options.max_requests,
            };
            let answer =
                call_once(&endpoint, &user, &load::call_for(Op::ByPath, &world, 0)).await?;
            load::check_content(Op::ByPath, &answer)?;
            let result = load::run_phase(
                &endpoint,
                &user,
                &denied_user(),
                &world,
                &spec,
                Some(emulator.pid()),
            )
            .await?;
            let rss = process::rss_bytes(emulator.pid());
            scales.push(Scale {
                parameters: count + 12,
                load_time,
                rss,
                result,
            });
        }
        measurements.scale = scales;
    }
    lambda(options, &temp, &mut measurements).await?;
    Ok(measurements)
}
