//! What the bench prints (a table per phase as it runs, then start-up, memory, scaling,
//! Lambda cold starts and the targets) and the same results as JSON for
//! `scripts/compare.sh`.

use crate::load::{Op, PhaseResult};
use crate::options::{Options, Target};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Start-up times of several starts (sorted), and the idle RSS of the last.
#[derive(Debug, Default)]
pub struct Startup {
    pub times: Vec<Duration>,
    pub rss: Option<u64>,
}

impl Startup {
    pub fn median(&self) -> Duration {
        self.times
            .get(self.times.len() / 2)
            .copied()
            .unwrap_or_default()
    }
    pub fn min(&self) -> Duration {
        self.times.first().copied().unwrap_or_default()
    }
}

/// The path query in a store of `parameters`.
#[derive(Debug)]
pub struct Scale {
    pub parameters: usize,
    pub load_time: Duration,
    pub rss: Option<u64>,
    pub result: PhaseResult,
}

/// One cold start of an execution environment: the client-observed round trip of its
/// first Invoke, and the `initDurationMs` the emulator recorded for it.
#[derive(Clone, Copy, Debug)]
pub struct ColdStart {
    /// The function's runtime (`provided.al2023`, `python3.12`, `nodejs22.x`).
    pub runtime: &'static str,
    pub round_trip: Duration,
    pub init_ms: Option<f64>,
}

/// The median and the minimum of some values (0 when there are none).
fn median_min(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let median = values.get(values.len() / 2).copied().unwrap_or(0.0);
    (median, values.first().copied().unwrap_or(0.0))
}

#[derive(Debug, Default)]
pub struct Measurements {
    pub phases: Vec<(Op, usize, PhaseResult)>,
    pub startup_default: Option<Startup>,
    pub startup_bench: Option<Startup>,
    pub rss_after_load: Option<u64>,
    pub load: Option<(usize, Startup)>,
    pub scale: Vec<Scale>,
    /// Lambda cold starts, in order (the warm Invoke phases are in `phases`).
    pub cold_starts: Vec<ColdStart>,
    /// Managed runtimes not measured, and why (no interpreter or runtime interface
    /// client on this machine).
    pub lambda_skipped: Vec<(&'static str, String)>,
}

impl Measurements {
    /// The runtime's cold starts' round trips and init durations in ms: (median, min)
    /// of each.
    fn cold_summary(&self, runtime: &str) -> ((f64, f64), (f64, f64)) {
        let of_runtime = || self.cold_starts.iter().filter(|c| c.runtime == runtime);
        let trips = of_runtime()
            .map(|c| c.round_trip.as_secs_f64() * 1000.0)
            .collect();
        let inits = of_runtime().filter_map(|c| c.init_ms).collect();
        (median_min(trips), median_min(inits))
    }

    /// The runtimes whose cold starts were measured, in order.
    fn cold_runtimes(&self) -> Vec<&'static str> {
        let mut runtimes: Vec<&'static str> = Vec::new();
        for c in &self.cold_starts {
            if !runtimes.contains(&c.runtime) {
                runtimes.push(c.runtime);
            }
        }
        runtimes
    }
}

impl Measurements {
    /// Requests whose answer was not the expected one.
    pub fn request_errors(&self) -> usize {
        self.phases.iter().map(|(_, _, r)| r.errors).sum::<usize>()
            + self.scale.iter().map(|s| s.result.errors).sum::<usize>()
    }

    fn phase(&self, op: Op, concurrency: usize) -> Option<&PhaseResult> {
        self.phases
            .iter()
            .find(|(o, c, _)| *o == op && *c == concurrency)
            .map(|(_, _, r)| r)
    }
}

static HEADER: AtomicBool = AtomicBool::new(false);

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn mb(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "n/a".to_owned(), |b| format!("{:.1} MB", b as f64 / 1e6))
}

fn latency(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2}ms", us / 1000.0)
    } else {
        format!("{us:.0}µs")
    }
}

/// Prints one phase's line (and the table's header before the first).
pub fn print_phase(op: Op, concurrency: usize, result: &PhaseResult) {
    if !HEADER.swap(true, Ordering::Relaxed) {
        println!(
            "{:<40} {:>4} {:>9} {:>8} {:>8} {:>8} {:>11} {:>11} {:>6}",
            "operation", "conn", "req/s", "p50", "p99", "max", "server cpu", "bench cpu", "errors"
        );
    }
    let per_request =
        |us: Option<f64>| us.map_or_else(|| "n/a".to_owned(), |us| format!("{us:.1}µs/req"));
    println!(
        "{:<40} {:>4} {:>9.0} {:>8} {:>8} {:>8} {:>11} {:>11} {:>6}",
        op.label(),
        concurrency,
        result.rps(),
        latency(result.quantile_us(0.5)),
        latency(result.quantile_us(0.99)),
        latency(result.max_us()),
        per_request(result.cpu_us_per_request()),
        per_request(result.client_cpu_us_per_request()),
        result.errors
    );
    if let Some(problem) = &result.first_error {
        println!("    first unexpected answer: {problem}");
    }
}

fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "MISS"
    }
}

/// Prints everything after the phases: start-up, memory, load, scaling, targets.
pub fn print(options: &Options, m: &Measurements) {
    let (cores, model) = crate::process::machine();
    println!();
    println!(
        "machine: {cores} cores, {model}; load generator: {} thread(s) on the same cores",
        options.client_threads
    );
    if let Ok(workers) = std::env::var("EMULATOR_WORKERS") {
        println!("emulators run with EMULATOR_WORKERS={workers} (from the environment)");
    }
    let default_world = options.default_fixtures.display().to_string();
    let default_world = default_world
        .rsplit_once("/../")
        .map_or(default_world.as_str(), |(_, within)| within);
    let startups = [
        (
            format!("default fixtures ({default_world})"),
            &m.startup_default,
        ),
        (
            "bench fixtures (2 users, 1 key, 12 parameters)".to_owned(),
            &m.startup_bench,
        ),
    ];
    for (what, startup) in startups {
        if let Some(s) = startup {
            println!(
                "start to first answer, {what}: median {} (min {}, {} runs); idle RSS {}",
                ms(s.median()),
                ms(s.min()),
                s.times.len(),
                mb(s.rss)
            );
        }
    }
    if m.rss_after_load.is_some() {
        println!("RSS after the load phases: {}", mb(m.rss_after_load));
    }
    if let Some((count, s)) = &m.load {
        println!(
            "{count} parameters from a YAML fixture (10% SecureString): start to first answer median {} (min {}, {} runs); RSS {}",
            ms(s.median()),
            ms(s.min()),
            s.times.len(),
            mb(s.rss)
        );
    }
    for scale in &m.scale {
        println!(
            "GetParametersByPath (10 results), 1 connection, store of {} parameters: p50 {} p99 {} ({:.0} req/s); loaded in {}, RSS {}",
            scale.parameters,
            latency(scale.result.quantile_us(0.5)),
            latency(scale.result.quantile_us(0.99)),
            scale.result.rps(),
            ms(scale.load_time),
            mb(scale.rss)
        );
    }
    for runtime in m.cold_runtimes() {
        let ((trip, trip_min), (init, init_min)) = m.cold_summary(runtime);
        let runs = m
            .cold_starts
            .iter()
            .filter(|c| c.runtime == runtime)
            .count();
        println!(
            "Lambda cold start, {runtime} (new execution environment of the echo function, {runs} runs): first Invoke round trip median {trip:.2} ms (min {trip_min:.2} ms); initDurationMs median {init:.2} ms (min {init_min:.2} ms)"
        );
    }
    for (runtime, reason) in &m.lambda_skipped {
        println!("Lambda {runtime}: not measured (no interpreter and runtime interface client here): {reason}");
    }
    if options.smoke || options.target != Target::Emulator || options.endpoint.is_some() {
        return;
    }
    println!();
    println!("targets:");
    for op in [Op::GetString, Op::Decrypt] {
        if let Some(r) = m.phase(op, 32) {
            let p99 = r.quantile_us(0.99);
            println!(
                "  {} {}: p99 {} at 32 connections (target < 2 ms)",
                verdict(p99 < 2000.0),
                op.label(),
                latency(p99)
            );
        }
    }
    for (op, concurrency, r) in &m.phases {
        if op.durable() {
            continue; // compared with the in-memory rows below
        }
        if let Some(cpu) = r.cpu_us_per_request() {
            if *concurrency == 32 && op.cpu_target() {
                println!(
                    "  {} {}: server CPU {cpu:.1}µs per request at 32 connections (target < 50µs)",
                    verdict(cpu < 50.0),
                    op.label()
                );
            }
        }
    }
    // A state directory makes writes wait for their commit to disk and must leave reads
    // as they are in memory.
    for concurrency in [1, 32] {
        if let (Some(memory), Some(durable)) = (
            m.phase(Op::GetString, concurrency),
            m.phase(Op::GetDurable, concurrency),
        ) {
            let (a, b) = (memory.quantile_us(0.5), durable.quantile_us(0.5));
            let ratio = b / a.max(1e-9);
            println!(
                "  {} {}: p50 {} vs {} in memory at {concurrency} connections ({ratio:.2}x; target: reads unchanged, within 1.25x)",
                verdict(ratio <= 1.25),
                Op::GetDurable.label(),
                latency(b),
                latency(a)
            );
        }
        if let (Some(memory), Some(durable)) = (
            m.phase(Op::Put, concurrency),
            m.phase(Op::PutDurable, concurrency),
        ) {
            println!(
                "  (durable writes, no numeric target: {} {:.0} req/s vs {:.0} in memory at {concurrency} connections, {:.1}x slower; p50 {} vs {})",
                Op::PutDurable.label(),
                durable.rps(),
                memory.rps(),
                memory.rps() / durable.rps().max(1e-9),
                latency(durable.quantile_us(0.5)),
                latency(memory.quantile_us(0.5))
            );
        }
    }
    if let Some(s) = &m.startup_default {
        println!(
            "  {} start to first answer with the default fixtures: {} (target < 10 ms)",
            verdict(s.median() < Duration::from_millis(10)),
            ms(s.median())
        );
        if let Some(rss) = s.rss {
            println!(
                "  {} idle RSS with the default fixtures: {} (target < 10 MB)",
                verdict(rss < 10_000_000),
                mb(Some(rss))
            );
        }
    }
    if let Some((count, s)) = &m.load {
        if *count == 100_000 {
            println!(
                "  {} 100,000-parameter fixture load (to first answer): {} (target < 1 s)",
                verdict(s.median() < Duration::from_secs(1)),
                ms(s.median())
            );
            if let Some(rss) = s.rss {
                println!(
                    "  {} RSS with 100,000 parameters: {} (target < 150 MB)",
                    verdict(rss < 150_000_000),
                    mb(Some(rss))
                );
            }
        }
    }
    if let [small, large] = m.scale.as_slice() {
        let (a, b) = (small.result.quantile_us(0.5), large.result.quantile_us(0.5));
        let ratio = b / a.max(1e-9);
        println!(
            "  {} GetParametersByPath p50 with {} vs {} parameters: {} vs {} ({ratio:.2}x; target: no growth, within 1.5x)",
            verdict(ratio <= 1.5),
            large.parameters,
            small.parameters,
            latency(b),
            latency(a)
        );
    }
    if let Some(r) = m.phase(Op::Invoke, 1) {
        let p50 = r.quantile_us(0.5);
        println!(
            "  {} {}: p50 {} at concurrency 1 (target < 1 ms)",
            verdict(p50 < 1000.0),
            Op::Invoke.label(),
            latency(p50)
        );
    }
    for op in [Op::InvokePython, Op::InvokeNode] {
        if let Some(r) = m.phase(op, 1) {
            println!(
                "  ({}, no numeric target: p50 {} at concurrency 1)",
                op.label(),
                latency(r.quantile_us(0.5))
            );
        }
    }
    for runtime in m.cold_runtimes() {
        let ((trip, _), (init, _)) = m.cold_summary(runtime);
        println!(
            "  (Lambda cold start, {runtime}, no numeric target: {trip:.2} ms round trip, {init:.2} ms init, medians)"
        );
    }
    if !options.lambda {
        println!("  (throughput against moto: scripts/compare.sh)");
    }
}

/// The results as JSON.
pub fn json(options: &Options, m: &Measurements) -> String {
    let phases: Vec<serde_json::Value> = m
        .phases
        .iter()
        .map(|(op, concurrency, r)| {
            serde_json::json!({
                "op": op.name(),
                "label": op.label(),
                "concurrency": concurrency,
                "requests": r.requests,
                "errors": r.errors,
                "rps": r.rps(),
                "p50_us": r.quantile_us(0.5),
                "p99_us": r.quantile_us(0.99),
                "max_us": r.max_us(),
                "server_cpu_us_per_request": r.cpu_us_per_request(),
                "bench_cpu_us_per_request": r.client_cpu_us_per_request(),
            })
        })
        .collect();
    let startup = |s: &Option<Startup>| {
        s.as_ref().map(|s| {
            serde_json::json!({
                "median_ms": s.median().as_secs_f64() * 1000.0,
                "min_ms": s.min().as_secs_f64() * 1000.0,
                "idle_rss_bytes": s.rss,
            })
        })
    };
    let value = serde_json::json!({
        "target": match options.target { Target::Emulator => "emulator", Target::Moto => "moto" },
        "phases": phases,
        "startup_default_fixtures": startup(&m.startup_default),
        "startup_bench_fixtures": startup(&m.startup_bench),
        "rss_after_load_bytes": m.rss_after_load,
        "fixture_load": m.load.as_ref().map(|(count, s)| serde_json::json!({
            "parameters": count,
            "median_ms": s.median().as_secs_f64() * 1000.0,
            "rss_bytes": s.rss,
        })),
        "lambda_cold_starts": m.cold_starts.iter().map(|c| serde_json::json!({
            "runtime": c.runtime,
            "round_trip_ms": c.round_trip.as_secs_f64() * 1000.0,
            "init_duration_ms": c.init_ms,
        })).collect::<Vec<_>>(),
        "lambda_skipped": m.lambda_skipped.iter().map(|(runtime, reason)| serde_json::json!({
            "runtime": runtime,
            "reason": reason,
        })).collect::<Vec<_>>(),
        "by_path_scaling": m.scale.iter().map(|s| serde_json::json!({
            "parameters": s.parameters,
            "p50_us": s.result.quantile_us(0.5),
            "p99_us": s.result.quantile_us(0.99),
            "load_ms": s.load_time.as_secs_f64() * 1000.0,
            "rss_bytes": s.rss,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}
