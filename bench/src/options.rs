//! The bench's command line (hand-parsed: the bench keeps its dependencies few).

use crate::client::Endpoint;
use crate::load::Op;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const USAGE: &str = "\
usage: bench [options]

Starts target/release/emulator itself (on 127.0.0.1:0) unless --endpoint is given.

  --smoke                 a few seconds in all, small sizes, no targets (CI)
  --duration SECS         measured seconds per phase (default 2; smoke 0.3)
  --warmup SECS           unmeasured seconds before each phase (default 0.5; smoke 0.1)
  --ops LIST              operations, comma-separated (default all):
                          get-string,get-secure,by-path,put,encrypt,decrypt,denied,
                          sign,verify,mac (KMS Sign/Verify with ECC_NIST_P256,
                          GenerateMac with HMAC_256),
                          put-durable,get-durable (against a second emulator
                          started with --state-dir)
  --concurrency LIST      connections per phase (default 1,32)
  --endpoint URL          drive a server that is already running (http://127.0.0.1:PORT);
                          an emulator must have the fixtures of --write-fixtures loaded
  --target emulator|moto  moto: create the setup through the API, skip the denied call
  --pid PID               the running server's pid (server CPU per request)
  --emulator PATH         the emulator binary (default: next to this one)
  --default-fixtures DIR  the repository's default world (fixtures/parameter-store-blog)
  --load-params N         parameters in the fixture-load measurement (default 100000)
  --scale SMALL,LARGE     store sizes of the path-query scaling test (default 1000,1000000)
  --no-startup            skip the start-up measurements
  --client-threads N      load-generator threads (default 1)
  --json FILE             also write the results as JSON
  --write-fixtures DIR    write the bench's fixture files to DIR and exit
  --lambda                only the Lambda measurements (cold start of an execution
                          environment, warm Invoke at concurrency 1 of the echo function
                          bench-fn on provided.al2023, and of the same function on
                          python3.12 and nodejs22.x, each skipped with a note where its
                          interpreter and runtime interface client are missing); the
                          full run ends with them too
  --cold-runs N           cold starts measured (default 5; smoke 2)
  --help";

/// Which kind of server is driven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Emulator,
    Moto,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub help: bool,
    pub smoke: bool,
    pub lambda: bool,
    pub duration: Duration,
    pub warmup: Duration,
    pub ops: Vec<Op>,
    pub concurrency: Vec<usize>,
    pub endpoint: Option<Endpoint>,
    pub target: Target,
    pub pid: Option<u32>,
    pub emulator: PathBuf,
    pub default_fixtures: PathBuf,
    pub startup: bool,
    pub startup_runs: usize,
    pub load_params: usize,
    pub load_runs: usize,
    pub cold_runs: usize,
    pub scale_small: usize,
    pub scale_large: usize,
    pub client_threads: usize,
    pub max_requests: usize,
    pub json: Option<PathBuf>,
    pub write_fixtures: Option<PathBuf>,
}

fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(0.0..=600.0).contains(&secs) {
        return Err(format!("{secs} s is out of range (0-600)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn number(text: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

/// Parses the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut args = args.into_iter();
    let mut duration = None;
    let mut warmup = None;
    let mut load_params = None;
    let mut scale = None;
    let mut cold_runs = None;
    let mut options = Options {
        help: false,
        smoke: false,
        lambda: false,
        duration: Duration::ZERO,
        warmup: Duration::ZERO,
        ops: Op::ALL.to_vec(),
        concurrency: vec![1, 32],
        endpoint: None,
        target: Target::Emulator,
        pid: None,
        emulator: crate::process::default_emulator_path(),
        default_fixtures: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/parameter-store-blog"),
        startup: true,
        startup_runs: 5,
        load_params: 0,
        load_runs: 2,
        cold_runs: 0,
        scale_small: 0,
        scale_large: 0,
        client_threads: 1,
        max_requests: 5_000_000,
        json: None,
        write_fixtures: None,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--help" | "-h" => options.help = true,
            "--smoke" => options.smoke = true,
            "--lambda" => options.lambda = true,
            "--no-startup" => options.startup = false,
            "--duration" => duration = Some(seconds(&value()?)?),
            "--warmup" => warmup = Some(seconds(&value()?)?),
            "--ops" => {
                options.ops = value()?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| Op::parse(s).ok_or_else(|| format!("no operation {s:?}")))
                    .collect::<Result<_, _>>()?;
            }
            "--concurrency" => {
                options.concurrency = value()?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(number)
                    .collect::<Result<_, _>>()?;
                if options.concurrency.iter().any(|&c| c == 0 || c > 1024) {
                    return Err("concurrency must be 1-1024".to_owned());
                }
            }
            "--endpoint" => options.endpoint = Some(Endpoint::parse(&value()?)?),
            "--target" => {
                options.target = match value()?.as_str() {
                    "emulator" => Target::Emulator,
                    "moto" => Target::Moto,
                    other => return Err(format!("no target {other:?} (emulator or moto)")),
                }
            }
            "--pid" => {
                options.pid = Some(value()?.parse().map_err(|_| "--pid needs a number")?);
            }
            "--emulator" => options.emulator = PathBuf::from(value()?),
            "--default-fixtures" => options.default_fixtures = PathBuf::from(value()?),
            "--load-params" => load_params = Some(number(&value()?)?),
            "--cold-runs" => cold_runs = Some(number(&value()?)?.clamp(1, 100)),
            "--scale" => {
                let text = value()?;
                let (small, large) = text.split_once(',').ok_or("--scale needs SMALL,LARGE")?;
                scale = Some((number(small)?, number(large)?));
            }
            "--client-threads" => options.client_threads = number(&value()?)?.clamp(1, 64),
            "--json" => options.json = Some(PathBuf::from(value()?)),
            "--write-fixtures" => options.write_fixtures = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let smoke = options.smoke;
    options.duration = duration.unwrap_or(Duration::from_secs_f64(if smoke { 0.3 } else { 2.0 }));
    options.warmup = warmup.unwrap_or(Duration::from_secs_f64(if smoke { 0.1 } else { 0.5 }));
    options.load_params = load_params.unwrap_or(if smoke { 5_000 } else { 100_000 });
    (options.scale_small, options.scale_large) = scale.unwrap_or(if smoke {
        (1_000, 20_000)
    } else {
        (1_000, 1_000_000)
    });
    options.cold_runs = cold_runs.unwrap_or(if smoke { 2 } else { 5 });
    if smoke {
        options.startup_runs = 1;
        options.load_runs = 1;
    }
    if options.lambda && options.endpoint.is_some() {
        return Err("--lambda starts its own emulator: no --endpoint".to_owned());
    }
    if options.target == Target::Moto && options.endpoint.is_none() {
        return Err("--target moto needs --endpoint".to_owned());
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Options, String> {
        parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn defaults_and_smoke() {
        let full = parse_args(&[]).unwrap();
        assert_eq!(full.duration, Duration::from_secs(2));
        assert_eq!(full.load_params, 100_000);
        assert_eq!((full.scale_small, full.scale_large), (1_000, 1_000_000));
        assert_eq!(full.ops.len(), 12);
        let smoke = parse_args(&["--smoke"]).unwrap();
        assert!(smoke.duration < Duration::from_secs(1));
        assert!(smoke.load_params < 100_000);
        assert_eq!((full.cold_runs, smoke.cold_runs), (5, 2));
        let lambda = parse_args(&["--lambda", "--cold-runs", "3"]).unwrap();
        assert!(lambda.lambda);
        assert_eq!(lambda.cold_runs, 3);
    }

    #[test]
    fn lists_and_errors() {
        let o = parse_args(&["--ops", "get-string,decrypt", "--concurrency", "32"]).unwrap();
        assert_eq!(o.ops, vec![Op::GetString, Op::Decrypt]);
        assert_eq!(o.concurrency, vec![32]);
        assert!(parse_args(&["--ops", "nope"]).is_err());
        assert!(parse_args(&["--target", "moto"]).is_err());
        assert!(parse_args(&["--endpoint", "http://192.168.1.1:80"]).is_err());
        assert!(parse_args(&["--duration"]).is_err());
        let moto =
            parse_args(&["--endpoint", "http://127.0.0.1:5000", "--target", "moto"]).unwrap();
        assert_eq!(moto.target, Target::Moto);
    }
}
