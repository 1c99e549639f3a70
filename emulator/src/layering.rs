//! Tests of the architecture's rules that hold over the source tree rather than one
//! module: the layering of `dispatch`, `ssm`, `kms`, `lambda` and `state` (no dependency cycle
//! among them), and a repository that stands alone (nothing points outside it).

use std::path::{Path, PathBuf};

/// The workspace root (the emulator crate's parent).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the emulator crate sits in the workspace")
        .to_path_buf()
}

/// Every file under `dir`, skipping build output, version control and dependencies.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The code of a Rust source file without its comments and its unit tests (a test may
/// reach anything; what counts is what the module itself uses).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let end = [
        "#[cfg(test)]\nmod tests",
        "#[cfg(test)]\npub(crate) mod testing",
    ]
    .iter()
    .filter_map(|marker| text.find(marker))
    .min()
    .unwrap_or(text.len());
    let text = &text[..end];
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Rust files under `emulator/src/DIR` (at least `at_least` of them, so that a moved
/// directory fails instead of passing empty), each with its code outside tests.
fn sources(dir: &str, at_least: usize) -> Vec<(PathBuf, String)> {
    let mut all = Vec::new();
    files(&root().join("emulator/src").join(dir), &mut all);
    let sources: Vec<(PathBuf, String)> = all
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let code = code_of(&p);
            (p, code)
        })
        .collect();
    assert!(sources.len() >= at_least, "{dir}: {} files", sources.len());
    sources
}

/// Asserts that no file under `emulator/src/DIR` names any of `forbidden`.
fn names_none(dir: &str, at_least: usize, forbidden: &[&str]) {
    for (path, code) in sources(dir, at_least) {
        for name in forbidden {
            assert!(!code.contains(name), "{} names {name}", path.display());
        }
    }
}

/// Architecture invariant: the repository stands alone: no file of it (README, docs,
/// comments, tests, fixtures) points at a sibling directory `shared` outside it, which a
/// user who clones the project does not have.
#[test]
fn no_file_points_outside_the_repository() {
    let needle = concat!("..", "/shared").as_bytes();
    let mut all = Vec::new();
    files(&root(), &mut all);
    assert!(all.len() > 100, "the walk found the repository");
    let offenders: Vec<String> = all
        .iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "files point outside the repository: {offenders:?}"
    );
}

/// Architecture invariant: `dispatch` is generic machinery below every service: it
/// names no service and not the emulator's state (which holds the services' stores), so
/// no dependency cycle runs through it.
#[test]
fn dispatch_names_no_service_and_not_the_state() {
    let code = code_of(&root().join("emulator/src/dispatch.rs"));
    for module in [
        "ssm", "kms", "sts", "iam_api", "cfn", "lambda", "state", "server",
    ] {
        assert!(
            !code.contains(&format!("crate::{module}")),
            "dispatch names crate::{module}"
        );
    }
}

/// Architecture invariant: Parameter Store's operations receive the narrow
/// `ssm::SsmServices`, never the whole state, and reach KMS only through it: no file of
/// `ssm/` names `crate::state`, KMS's error or KMS's operations (`state` implements the
/// traits; `ssm` never depends back on it), nor `durable` (which collects the store's
/// change marks through `ssm::store::collect_touched`).
#[test]
fn ssm_reaches_the_state_and_kms_only_through_its_narrow_services() {
    names_none(
        "ssm",
        6,
        &[
            "crate::state",
            "crate::kms",
            "crate::server",
            "EmulatorState",
        ],
    );
}

/// Architecture invariant: KMS's operations receive the narrow `kms::KmsServices`,
/// never the whole state: no file of `kms/` names `crate::state`, the server or
/// `durable` (`state` implements the traits, in its `kms_wiring`, the only place KMS is
/// wired to IAM and the Regions; `kms` never depends back on it).
#[test]
fn kms_reaches_the_state_only_through_its_narrow_services() {
    names_none(
        "kms",
        6,
        &[
            "crate::state",
            "crate::server",
            "crate::durable",
            "EmulatorState",
            "RegionState",
        ],
    );
    // The wiring is in one place: only `state.rs` implements KMS's services.
    let wired: Vec<String> = sources("", 50)
        .into_iter()
        .filter(|(_, code)| {
            // Built from parts, so that this test's own source does not match.
            ["KeyStores", "KeyAuthorizer", "Principals", "HoldsKeys"]
                .iter()
                .any(|name| code.contains(&format!("impl {name} for")))
        })
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert_eq!(
        wired.len(),
        1,
        "KMS's services are implemented in {wired:?}"
    );
    assert!(wired[0].ends_with("emulator/src/state.rs"), "{wired:?}");
}

/// Architecture invariant: the policy engine (`iam::policy`) is pure: no file of it
/// reads a file or the network, reads a clock, logs or reaches the emulator's state
/// (time, source IP and service keys reach it as condition keys).
#[test]
fn the_policy_engine_does_no_io_reads_no_clock_and_logs_nothing() {
    let mut all = Vec::new();
    files(&root().join("emulator/src/iam/policy"), &mut all);
    assert!(all.len() > 5);
    let forbidden = [
        "std::fs",
        "std::net::Tcp",
        "std::net::Udp",
        "std::process",
        "tokio",
        "tracing",
        "now_utc",
        "SystemTime::now",
        "Instant::now",
        "Timestamp::now",
        "crate::state",
        "crate::server",
    ];
    for path in all
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let code = code_of(path);
        for name in forbidden {
            assert!(!code.contains(name), "{} names {name}", path.display());
        }
    }
}
/// Architecture invariant: Lambda's operations and invocations receive the narrow
/// `lambda::services::LambdaServices`, never the whole state: no file of `lambda/` names
/// `crate::state`, another service, or IAM beyond the pure policy engine's types (the
/// traits reach IAM's authorisation and role sessions; `state` implements them, so
/// `lambda` never depends back on it).
#[test]
fn lambda_reaches_the_state_and_iam_only_through_its_narrow_services() {
    names_none(
        "lambda",
        11,
        &[
            "crate::state",
            "EmulatorState",
            "crate::server",
            "crate::kms",
            "crate::ssm",
            "crate::sts",
            "crate::cfn",
            "crate::iam_api",
            "crate::durable",
            "crate::snapshot",
        ],
    );
    for (path, code) in sources("lambda", 11) {
        let beyond_policy = code
            .match_indices("crate::iam::")
            .any(|(i, _)| !code[i..].starts_with("crate::iam::policy"));
        assert!(
            !beyond_policy,
            "{} names IAM beyond crate::iam::policy",
            path.display()
        );
    }
}

/// What `code` names through `prefix` (`super::` or `crate::SERVICE::`): the first path
/// segment after it, for a `{...}` group the first segment of each member. A sibling
/// module comes out as its name, an item of the parent module (`super::Lambda`) as the
/// item's name, a glob as `*`; `super::super::...` (the crate above) is left out.
fn named_through(code: &str, prefix: &str) -> Vec<String> {
    fn leading(path: &str) -> String {
        let path = path.trim_start();
        let end = path
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(path.len());
        match &path[..end] {
            "" => path.chars().next().map(String::from).unwrap_or_default(),
            name => name.to_owned(),
        }
    }
    let mut names = Vec::new();
    for (i, _) in code.match_indices(prefix) {
        // The tail of a longer path (`super::super::x`) is not a path of its own.
        if code[..i].ends_with("::") {
            continue;
        }
        let rest = &code[i + prefix.len()..];
        let Some(group) = rest.strip_prefix('{') else {
            names.push(leading(rest));
            continue;
        };
        let (mut depth, mut start) = (0usize, 0usize);
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    names.push(leading(&group[start..j]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    names.push(leading(&group[start..j]));
                    start = j + 1;
                }
                _ => {}
            }
        }
    }
    names.retain(|name| !name.is_empty() && name != "super");
    names
}

/// Asserts that each module of `emulator/src/SERVICE/` in `order` names, of its service,
/// only the modules before it in `order`: no module above it, and nothing of the
/// service's `mod.rs` (which is then only a facade, not a layer the others lean on).
fn layered(service: &str, order: &[&str]) {
    layered_with(service, order, &[]);
}

/// [`layered`], where the modules may also name `parent_items`, items of the service's
/// `mod.rs` (helpers its dispatch table's operations share).
fn layered_with(service: &str, order: &[&str], parent_items: &[&str]) {
    let dir = root().join("emulator/src").join(service);
    for (i, module) in order.iter().enumerate() {
        let path = dir.join(format!("{module}.rs"));
        assert!(path.is_file(), "{} exists", path.display());
        let code = code_of(&path);
        // `code_of` leaves a test module under another `cfg` (a Unix-only one) in.
        let code = match code.find("#[cfg(all(test, unix))]\nmod tests") {
            Some(end) => &code[..end],
            None => &code,
        };
        let crate_path = format!("crate::{service}::");
        for prefix in ["super::", crate_path.as_str()] {
            for name in named_through(code, prefix) {
                assert!(
                    order[..i].contains(&name.as_str()) || parent_items.contains(&name.as_str()),
                    "{service}::{module} names {prefix}{name}, which is not below it in {order:?}"
                );
            }
        }
    }
}

#[test]
fn named_through_reads_paths_groups_and_globs() {
    let code = "use super::store::{Function, Status};\nuse super::{links, managed::Runtimes, code::{self, X}};\n\
                let x = super::LambdaError::x(); use super::*; super::super::config::Config; \
                crate::lambda::xray::f(); crate::lambda::{names, pool};";
    assert_eq!(
        named_through(code, "super::"),
        ["store", "links", "managed", "code", "LambdaError", "*"]
    );
    assert_eq!(
        named_through(code, "crate::lambda::"),
        ["xray", "names", "pool"]
    );
}

/// Architecture invariant: Lambda's lower layers form no cycle and never reach up: the
/// code, its archive, processes, records, X-Ray and environments; the emulator-wide part
/// (`global`), the function store and its update rules; the narrow services; then the
/// execution layer and the access checks and version resolution the operations share.
/// Each names, of Lambda's modules, only those before it in this order: never an
/// operation of the API layer (`functions`, `invoke`, `tags`, `api`, `routes`,
/// `fixture`), and nothing through `lambda/mod.rs`.
#[test]
fn lambdas_lower_modules_import_only_lower_ones() {
    layered(
        "lambda",
        &[
            "error",
            "names",
            "model",
            "managed",
            "logs",
            "runtime_api",
            "lifeline",
            "archive",
            "code",
            "config",
            "records",
            "xray",
            "environment",
            "pool",
            "links",
            "global",
            "store",
            "updates",
            "services",
            "trust",
            "execution",
            "access",
            "versions",
        ],
    );
}

/// Architecture invariant: KMS's data layer (errors, key material, key specs and their
/// keys, imported material's record, the key store, the narrow services and the wire
/// shapes) names no operation module (`keys`, `lifecycle`, `import`, `multiregion`,
/// `cipher`, ...) and nothing through `kms/mod.rs`; each names, of KMS's modules, only
/// those before it in this order, so the data layer has no cycle.
#[test]
fn kms_store_and_specs_import_no_operation() {
    layered(
        "kms",
        &[
            "error", "crypto", "mldsa", "specs", "material", "store", "services", "model",
        ],
    );
}

/// Architecture invariant: KMS's operations form no cycle either: above the data layer,
/// the authorisation (`access`), the shared key checks with the state operations
/// (`lifecycle`), then each operation module names only those before it in this order,
/// besides the helpers of `kms/mod.rs` that every operation shares (page markers, the
/// default key policy, a new key, the AWS managed keys).
#[test]
fn kms_operations_form_no_cycle() {
    layered_with(
        "kms",
        &[
            "error",
            "crypto",
            "mldsa",
            "specs",
            "material",
            "store",
            "services",
            "model",
            "access",
            "lifecycle",
            "tags",
            "policies",
            "import",
            "oaep",
            "cipher",
            "usage",
            "multiregion",
            "rotation",
            "keys",
            "aliases",
            "grants",
            "datakeys",
            "agreement",
            "asymmetric",
            "keypairs",
            "mac",
            "fixture",
        ],
        &[
            "marker",
            "parse_marker",
            "default_key_policy",
            "new_key",
            "ensure_aws_managed_key",
        ],
    );
}

/// Architecture invariant: STS reads only IAM's directory (roles, keys, sessions), so its
/// operations receive `&iam::Iam`, never the whole state: no file of `sts/` names
/// `crate::state`, the server or `durable` (the server passes the state's `iam`).
#[test]
fn sts_receives_only_iam() {
    names_none(
        "sts",
        1,
        &[
            "crate::state",
            "crate::server",
            "crate::durable",
            "EmulatorState",
        ],
    );
}
