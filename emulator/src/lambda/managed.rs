//! Managed runtimes without Docker: `python3.x` and `nodejs*.x` functions run with an
//! interpreter of this machine and AWS's own runtime interface clients (`awslambdaric`
//! from PyPI, `aws-lambda-ric` from npm), which speak the Runtime API, import the
//! `Handler` (`module.function`, `file.export`) from the task root and report
//! `Runtime.ImportModuleError`, `Runtime.HandlerNotFound` and unhandled exceptions as
//! Lambda reports them.
//!
//! Which interpreter serves a runtime: the one mapped with `--runtime ID=PATH`, else one
//! found on `PATH` (and, for Python, under pyenv's versions) whose version is the
//! runtime's and which can load the client. Found interpreters are remembered; a runtime
//! without one is refused at CreateFunction (never a hang at Invoke).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The managed runtimes Lambda accepts for new functions (Lambda Developer Guide,
/// "Lambda runtimes", table of supported runtimes: python3.12 to python3.14, nodejs22.x
/// and nodejs24.x; python3.10 and python3.11 are blocked for new functions from August 31,
/// 2026, nodejs20.x earlier, and the emulator's clock is past those dates).
pub const ACCEPTED: &[&str] = &[
    "python3.14",
    "python3.13",
    "python3.12",
    "nodejs24.x",
    "nodejs22.x",
];

/// A managed runtime's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Python,
    Node,
}

/// The family of a runtime identifier, for every `python*` / `nodejs*` identifier.
pub fn family(runtime: &str) -> Option<Family> {
    if runtime.starts_with("python") {
        Some(Family::Python)
    } else if runtime.starts_with("nodejs") {
        Some(Family::Node)
    } else {
        None
    }
}

/// What Lambda answers for a deprecated runtime of a managed family, naming the newest
/// of its family ("The runtime parameter of nodejs12.x is no longer supported for
/// creating or updating AWS Lambda functions. We recommend you use the new runtime
/// (nodejs18.x) while creating or updating functions.", quoted in pgarbe/cdk-ecr-sync#715
/// and aws-samples/amazon-serverless-datalake-workshop#4).
pub fn deprecated_message(runtime: &str) -> Option<String> {
    let newest = match family(runtime)? {
        Family::Python => "python3.14",
        Family::Node => "nodejs24.x",
    };
    (!ACCEPTED.contains(&runtime)).then(|| {
        format!("The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime ({newest}) while creating or updating functions.")
    })
}

/// The language version a runtime identifier names: `3.12`, `22`.
fn version_of(runtime: &str) -> Option<&str> {
    runtime.strip_prefix("python").or_else(|| {
        runtime
            .strip_prefix("nodejs")
            .and_then(|v| v.strip_suffix(".x"))
    })
}

/// How a runtime's process is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    pub family: Family,
    /// The interpreter's executable.
    pub executable: PathBuf,
    /// Its arguments before the handler.
    pub arguments: Vec<String>,
    /// `NODE_PATH` entries where the client and the SDK were found (Node.js).
    pub module_path: Option<PathBuf>,
    /// The language version it reported (`3.12.1`, `v22.3.0`).
    pub version: String,
}

impl Interpreter {
    /// The command line: the interpreter, its arguments, then the handler.
    pub fn command(&self, handler: &str) -> (PathBuf, Vec<String>) {
        let mut args = self.arguments.clone();
        args.push(handler.to_owned());
        (self.executable.clone(), args)
    }

    /// The variables Lambda sets for this runtime, besides the OS-only ones: the
    /// execution environment's name and the module path with the task root on it
    /// (Lambda Developer Guide, "Defined runtime environment variables": `PYTHONPATH`
    /// and `NODE_PATH` include `/var/task`; `AWS_EXECUTION_ENV` is
    /// `AWS_Lambda_RUNTIME`).
    pub fn variables(&self, runtime: &str, task_root: &Path) -> Vec<(String, String)> {
        let mut vars = vec![(
            "AWS_EXECUTION_ENV".to_owned(),
            format!("AWS_Lambda_{runtime}"),
        )];
        let root = task_root.to_string_lossy().into_owned();
        match self.family {
            Family::Python => {
                vars.push(("PYTHONPATH".to_owned(), root));
                // Output reaches the log line by line, as on Lambda.
                vars.push(("PYTHONUNBUFFERED".to_owned(), "1".to_owned()));
            }
            Family::Node => {
                let mut path = Vec::new();
                if let Some(modules) = &self.module_path {
                    path.push(modules.to_string_lossy().into_owned());
                }
                path.push(root);
                vars.push(("NODE_PATH".to_owned(), path.join(":")));
            }
        }
        vars
    }
}

/// The runtimes this emulator can serve, found once each.
#[derive(Debug, Default)]
pub struct Runtimes {
    configured: HashMap<String, PathBuf>,
    found: Mutex<HashMap<String, Arc<Interpreter>>>,
}

/// How long one interpreter may take to say what it is.
const PROBE_LIMIT: Duration = Duration::from_secs(10);

/// The install command the answers name.
pub fn install_hint(family: Family) -> &'static str {
    match family {
        Family::Python => "pip install awslambdaric boto3",
        Family::Node => "npm install -g aws-lambda-ric @aws-sdk/client-ssm",
    }
}

/// Runs `program args` with a time limit; its standard output if it succeeded.
fn run_limited(program: &Path, args: &[&str]) -> Option<String> {
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut out = String::new();
                if let Some(mut stdout) = child.stdout.take() {
                    use std::io::Read;
                    let _ = stdout.read_to_string(&mut out);
                }
                return status.success().then_some(out);
            }
            Ok(None) if started.elapsed() < PROBE_LIMIT => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Asks a Python interpreter its version and whether it can import the client.
fn probe_python(executable: &Path, want: Option<&str>) -> Result<Interpreter, String> {
    let out = run_limited(
        executable,
        &[
            "-c",
            "import sys, importlib.util as u; print('%d.%d.%d' % sys.version_info[:3]); print(u.find_spec('awslambdaric') is not None); print(sys.executable)",
        ],
    )
    .ok_or_else(|| format!("{} did not run", executable.display()))?;
    let mut lines = out.lines();
    let version = lines.next().unwrap_or("").to_owned();
    if let Some(want) = want {
        if !version.starts_with(&format!("{want}.")) {
            return Err(format!("{} is Python {version}", executable.display()));
        }
    }
    if lines.next() != Some("True") {
        return Err(format!(
            "{} (Python {version}) cannot import awslambdaric",
            executable.display()
        ));
    }
    // The interpreter itself, not a launcher in front of it (pyenv's shims).
    let real = lines
        .next()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| executable.to_owned());
    Ok(Interpreter {
        family: Family::Python,
        executable: real,
        arguments: vec!["-m".to_owned(), "awslambdaric".to_owned()],
        module_path: None,
        version,
    })
}

/// Asks a Node.js executable its version, and finds `aws-lambda-ric` in the emulator's
/// `NODE_PATH` or among the executable's global modules (`PREFIX/lib/node_modules`
/// beside `PREFIX/bin/node`, or `npm root -g`).
fn probe_node(executable: &Path, want: Option<&str>) -> Result<Interpreter, String> {
    let version = run_limited(executable, &["--version"])
        .ok_or_else(|| format!("{} did not run", executable.display()))?
        .trim()
        .to_owned();
    if let Some(want) = want {
        if !version.starts_with(&format!("v{want}.")) {
            return Err(format!("{} is Node.js {version}", executable.display()));
        }
    }
    let real = std::fs::canonicalize(executable).unwrap_or_else(|_| executable.to_owned());
    let mut roots: Vec<PathBuf> = std::env::var_os("NODE_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    roots.extend(
        real.parent()
            .and_then(Path::parent)
            .map(|prefix| prefix.join("lib/node_modules")),
    );
    if let Some(npm_root) = real
        .parent()
        .map(|bin| bin.join("npm"))
        .filter(|npm| npm.exists())
        .and_then(|npm| run_limited(&npm, &["root", "-g"]))
    {
        roots.push(PathBuf::from(npm_root.trim()));
    }
    let root = roots
        .into_iter()
        .find(|r| r.join("aws-lambda-ric/bin/index.mjs").is_file())
        .ok_or_else(|| {
            format!(
                "no aws-lambda-ric among the global modules of {} ({version})",
                executable.display()
            )
        })?;
    Ok(Interpreter {
        family: Family::Node,
        executable: executable.to_owned(),
        arguments: vec![root
            .join("aws-lambda-ric/bin/index.mjs")
            .to_string_lossy()
            .into_owned()],
        module_path: Some(root),
        version,
    })
}

/// The executables named `name` on `PATH`.
fn on_path(name: &str) -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default()
}

/// pyenv's interpreters of version `want` (`~/.pyenv/versions/3.12.*/bin/python3.12`):
/// pyenv's shims only run the globally selected version.
fn pyenv_interpreters(want: &str) -> Vec<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    let Some(Ok(entries)) = root.map(|r| std::fs::read_dir(r.join("versions"))) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n == want || n.starts_with(&format!("{want}.")))
        })
        .map(|e| e.path().join(format!("bin/python{want}")))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.reverse();
    found
}

impl Runtimes {
    /// The runtimes mapped on the command line (`python3.12=/usr/bin/python3`).
    pub fn new(configured: &[(String, PathBuf)]) -> Self {
        Runtimes {
            configured: configured.iter().cloned().collect(),
            found: Mutex::new(HashMap::new()),
        }
    }

    /// Whether an interpreter for `runtime` has been found already (then [`Runtimes::find`]
    /// answers at once).
    pub fn is_found(&self, runtime: &str) -> bool {
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(runtime)
    }

    /// The interpreter serving `runtime` (blocking: it may run candidates to ask them
    /// their version), or why there is none, in words for an API answer.
    pub fn find(&self, runtime: &str) -> Result<Arc<Interpreter>, String> {
        if let Some(found) = self
            .found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(runtime)
        {
            return Ok(Arc::clone(found));
        }
        let family =
            family(runtime).ok_or_else(|| format!("{runtime} is not a managed runtime"))?;
        let want = version_of(runtime).unwrap_or("");
        let probe = |path: &Path, want: Option<&str>| match family {
            Family::Python => probe_python(path, want),
            Family::Node => probe_node(path, want),
        };
        let mut tried = Vec::new();
        let found = if let Some(path) = self.configured.get(runtime) {
            // Mapped explicitly: whatever its version, as the user chose.
            probe(path, None).map_err(|e| {
                format!(
                    "The interpreter mapped to {runtime} with --runtime cannot serve it: {e}. Install the runtime interface client with `{}`.",
                    install_hint(family)
                )
            })?
        } else {
            let candidates: Vec<PathBuf> = match family {
                Family::Python => on_path(&format!("python{want}"))
                    .into_iter()
                    .chain(on_path("python3"))
                    .chain(pyenv_interpreters(want))
                    .collect(),
                Family::Node => on_path(&format!("node{want}"))
                    .into_iter()
                    .chain(on_path("node"))
                    .collect(),
            };
            let mut found = None;
            for candidate in candidates {
                match probe(&candidate, Some(want)) {
                    Ok(interpreter) => {
                        found = Some(interpreter);
                        break;
                    }
                    Err(e) => tried.push(e),
                }
            }
            found.ok_or_else(|| {
                let language = match family {
                    Family::Python => "Python",
                    Family::Node => "Node.js",
                };
                format!(
                    "The runtime {runtime} needs {language} {want} with its runtime interface client on the emulator's machine, and none was found ({}). Install it (`{}`), or map an interpreter with --runtime {runtime}=/path/to/{}.",
                    if tried.is_empty() {
                        "no candidate on PATH".to_owned()
                    } else {
                        tried.join("; ")
                    },
                    install_hint(family),
                    match family {
                        Family::Python => "python3",
                        Family::Node => "node",
                    }
                )
            })?
        };
        let found = Arc::new(found);
        tracing::info!(
            runtime,
            interpreter = %found.executable.display(),
            version = %found.version,
            "managed runtime served by this interpreter"
        );
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(runtime.to_owned(), Arc::clone(&found));
        Ok(found)
    }
}

/// Parses a `--runtime ID=PATH` value.
pub fn parse_mapping(text: &str) -> Result<(String, PathBuf), String> {
    let (id, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected RUNTIME=PATH, got {text:?}"))?;
    if !ACCEPTED.contains(&id) {
        return Err(format!(
            "{id} is not a managed runtime Lambda accepts for new functions ({})",
            ACCEPTED.join(", ")
        ));
    }
    if path.is_empty() {
        return Err(format!("no interpreter path for {id}"));
    }
    Ok((id.to_owned(), PathBuf::from(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecated_runtimes_are_answered_in_lambdas_words() {
        assert_eq!(
            deprecated_message("python3.9").unwrap(),
            "The runtime parameter of python3.9 is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (python3.14) while creating or updating functions."
        );
        assert!(deprecated_message("nodejs18.x")
            .unwrap()
            .contains("(nodejs24.x)"));
        assert_eq!(deprecated_message("python3.12"), None);
        assert_eq!(deprecated_message("provided.al2023"), None);
        assert_eq!(version_of("python3.12"), Some("3.12"));
        assert_eq!(version_of("nodejs22.x"), Some("22"));
    }

    #[test]
    fn mappings_name_an_accepted_runtime_and_a_path() {
        assert_eq!(
            parse_mapping("python3.12=/usr/bin/python3").unwrap(),
            ("python3.12".to_owned(), PathBuf::from("/usr/bin/python3"))
        );
        assert!(parse_mapping("python3.12").is_err());
        assert!(parse_mapping("java21=/usr/bin/java").is_err());
        assert!(parse_mapping("python3.12=").is_err());
    }

    #[test]
    fn an_interpreter_without_the_client_is_a_clear_answer() {
        let dir = std::env::temp_dir().join(format!("managed-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        // Answers the probe as a Python 3.12 that cannot import awslambdaric would.
        let python = dir.join("python3.12");
        std::fs::write(&python, "#!/bin/sh\necho 3.12.1\necho False\necho \"$0\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
        let runtimes = Runtimes::new(&[("python3.12".to_owned(), python)]);
        let err = runtimes.find("python3.12").unwrap_err();
        assert!(err.contains("cannot import awslambdaric"), "{err}");
        assert!(err.contains("pip install awslambdaric"), "{err}");
        assert!(!runtimes.is_found("python3.12"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_interpreter_is_a_clear_answer_not_a_hang() {
        let runtimes =
            Runtimes::new(&[("nodejs24.x".to_owned(), PathBuf::from("/nonexistent/node"))]);
        let err = runtimes.find("nodejs24.x").unwrap_err();
        assert!(err.contains("/nonexistent/node did not run"), "{err}");
        assert!(err.contains("npm install -g aws-lambda-ric"), "{err}");
    }
}
