//! Tests of the architecture's rules that hold over the source tree rather than one
//! module: no dependency cycle among the crate's top-level modules, the layering of
//! `dispatch`, `ssm`, `kms`, `lambda`, `sts` and `state` (what each may name), and a
//! repository that stands alone (nothing points outside it).

use std::collections::{BTreeMap, BTreeSet};
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
/// reach anything; what counts is what the module itself uses). The unit tests are the
/// inline `mod tests { .. }` (or `testing`) that ends a file; a `#[cfg(test)] mod tests;`
/// declaration leaves the code after it in place.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let end = [
        "#[cfg(test)]\nmod tests {",
        "#[cfg(test)]\npub(crate) mod testing {",
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
    file_names_no_module(
        "dispatch.rs",
        &[
            "ssm", "kms", "sts", "iam_api", "cfn", "lambda", "state", "server",
        ],
    );
}

/// Asserts that the code of `emulator/src/FILE` (outside unit tests) names none of
/// `modules` as `crate::MODULE`.
fn file_names_no_module(file: &str, modules: &[&str]) {
    let code = code_of(&root().join("emulator/src").join(file));
    for module in modules {
        assert!(
            !code.contains(&format!("crate::{module}")),
            "{file} names crate::{module}"
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
    wired_only_in_state(&["KeyStores", "KeyAuthorizer", "Principals", "HoldsKeys"]);
}

/// Asserts that of the crate's files only `state.rs` implements the traits `names` (the
/// one place a service's narrow services are wired over the state).
fn wired_only_in_state(names: &[&str]) {
    let wired: Vec<String> = sources("", 50)
        .into_iter()
        .filter(|(_, code)| {
            // Built from parts, so that this test's own source does not match.
            names
                .iter()
                .any(|name| code.contains(&format!("impl {name} for")))
        })
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert_eq!(wired.len(), 1, "{names:?} are implemented in {wired:?}");
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
        let beyond_policy = code.match_indices("crate::iam::").any(|(i, _)| {
            !["crate::iam::policy", "crate::iam::authorizer"]
                .iter()
                .any(|allowed| code[i..].starts_with(allowed))
        });
        assert!(
            !beyond_policy,
            "{} names IAM beyond crate::iam::policy and its Authorizer trait",
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

/// Architecture invariant: CloudFormation's operations, its deployer and the startup
/// templates receive the narrow `cfn::CfnServices` (a region's stacks, SSM's, KMS's and
/// Lambda's narrow services, IAM, a few settings), never the whole state: no file of
/// `cfn/` names `crate::state`, the server, `durable` or `snapshot` (`state` implements
/// the trait, in its `cfn_wiring`, the only place CloudFormation is wired to the other
/// services; `cfn` never depends back on it).
#[test]
fn cfn_reaches_the_state_only_through_its_narrow_services() {
    names_none(
        "cfn",
        10,
        &[
            "crate::state",
            "EmulatorState",
            "RegionState",
            "crate::server",
            "crate::durable",
            "crate::snapshot",
        ],
    );
    // The wiring is in one place: only `state.rs` implements CloudFormation's services.
    wired_only_in_state(&["CfnServices", "HoldsStacks"]);
}

/// Architecture invariant: the settings (`config`) are data the binary parses, below
/// every service: `config.rs` names no service and not the state (the startup
/// templates' settings live there, and `cfn` reads them), so no cycle runs through it.
#[test]
fn config_names_no_service_and_not_the_state() {
    file_names_no_module(
        "config.rs",
        &[
            "ssm", "kms", "sts", "iam_api", "cfn", "lambda", "state", "server", "durable",
        ],
    );
}

/// Architecture invariant: the IAM API reads and replaces only IAM's directory (users,
/// roles, groups, keys, managed policies), so its operations receive `&iam::Iam`, never
/// the whole state: no file of `iam_api/` names `crate::state`, the server or `durable`
/// (the server, and CloudFormation's deployer, pass the state's `iam`).
#[test]
fn iam_api_receives_only_iam() {
    names_none(
        "iam_api",
        8,
        &[
            "crate::state",
            "crate::server",
            "crate::durable",
            "EmulatorState",
        ],
    );
}

/// The files of the crate's top-level modules under `src` (a file `NAME.rs` or a
/// directory `NAME/`), by module name: without `lib.rs`, `main.rs`, the test-only
/// `layering` and `fuzzing`, and the files of modules declared `#[cfg(test)] mod NAME;`
/// (unit tests in their own files).
fn top_level_modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut all = Vec::new();
    files(src, &mut all);
    let rust: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    // Where each `#[cfg(test)] mod NAME;` puts its file(s): `NAME.rs` or `NAME/` beside
    // a `mod.rs`, under `STEM/` beside any other file.
    let mut test_only: Vec<PathBuf> = Vec::new();
    for path in &rust {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let dir = path.parent().expect("a file is in a directory");
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let base = if stem == "mod" || stem == "lib" {
            dir.to_path_buf()
        } else {
            dir.join(&*stem)
        };
        for (i, _) in text.match_indices("#[cfg(test)]") {
            let rest = text[i + "#[cfg(test)]".len()..].trim_start();
            let rest = rest.strip_prefix("pub(crate) ").unwrap_or(rest);
            let Some(rest) = rest.strip_prefix("mod ") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if rest[name.len()..].starts_with(';') {
                test_only.push(base.join(format!("{name}.rs")));
                test_only.push(base.join(&name));
            }
        }
    }
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for path in rust {
        if test_only.iter().any(|t| path.starts_with(t)) {
            continue;
        }
        let Ok(relative) = path.strip_prefix(src) else {
            continue;
        };
        let first = relative
            .components()
            .next()
            .expect("a file under src")
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
        if ["lib", "main", "layering", "fuzzing"].contains(&module.as_str()) {
            continue;
        }
        modules.entry(module).or_default().push(path);
    }
    modules
}

/// The crate's items `lib.rs` re-exports (`pub use config::Config`): the item's name
/// and the module it comes from, so that `crate::Config` counts as naming `config`.
fn reexports(src: &Path) -> BTreeMap<String, String> {
    let lib = code_of(&src.join("lib.rs"));
    let mut out = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let item = item.trim();
            let name = item.rsplit(" as ").next().unwrap_or(item).trim();
            if !name.is_empty() {
                out.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    out
}

/// The first path segment of every `crate::` path in `code`, the members of
/// `use crate::{a, b::c, d::{e, f}}` groups included.
fn crate_references(code: &str) -> BTreeSet<String> {
    fn ident(text: &str) -> String {
        text.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    }
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        // `crate::` inside a longer path (`my_crate::x`) is not the crate's.
        if code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = code[i + "crate::".len()..].trim_start();
        let Some(group) = rest.strip_prefix('{') else {
            out.insert(ident(rest));
            continue;
        };
        // The group's top-level members, up to its closing brace.
        let mut depth = 0usize;
        let mut member_start = true;
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => member_start = true,
                c if member_start && !c.is_whitespace() => {
                    out.insert(ident(&group[j..]));
                    member_start = false;
                }
                _ => {}
            }
        }
    }
    out.remove("");
    out
}

/// An edge of the module graph: the module a module names, and the files that name it.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The dependencies among the top-level modules under `src`, outside unit tests.
fn module_graph(src: &Path) -> Graph {
    let modules = top_level_modules(src);
    let reexports = reexports(src);
    let mut graph = Graph::new();
    for (module, paths) in &modules {
        let edges = graph.entry(module.clone()).or_default();
        for path in paths {
            for name in crate_references(&code_of(path)) {
                let target = reexports.get(&name).unwrap_or(&name);
                if target != module && modules.contains_key(target) {
                    let file = path.strip_prefix(src).unwrap_or(path);
                    edges
                        .entry(target.clone())
                        .or_default()
                        .insert(file.display().to_string());
                }
            }
        }
    }
    graph
}

/// The strongly connected components of more than one module (each one or more
/// cycles), by Tarjan's algorithm.
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.graph[v].keys() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    component.insert(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// The edges inside each cycle of `graph`, with the files that make them, one a line.
fn describe_cycles(graph: &Graph) -> String {
    let mut out = String::new();
    for component in cycles(graph) {
        out.push_str(&format!("cycle among {component:?}:\n"));
        for from in &component {
            for (to, files) in &graph[from] {
                if component.contains(to) {
                    out.push_str(&format!("  {from} -> {to}: {files:?}\n"));
                }
            }
        }
    }
    out
}

/// Architecture invariant: the crate's top-level modules form no dependency cycle
/// (outside unit tests, which may reach anything): each can be read, tested and
/// changed knowing only the modules below it. A failure names every edge of each cycle
/// with the files that make it.
#[test]
fn the_modules_form_no_cycle() {
    let src = root().join("emulator/src");
    let graph = module_graph(&src);
    // The walk sees the crate (a moved directory fails here rather than passing empty).
    assert!(graph.len() >= 20, "{:?}", graph.keys());
    assert!(
        graph["server"].contains_key("state"),
        "server -> state seen"
    );
    assert!(
        graph["durable"].contains_key("snapshot"),
        "durable -> snapshot seen"
    );
    let found = describe_cycles(&graph);
    assert!(
        found.is_empty(),
        "the top-level modules form cycles:\n{found}"
    );
}

/// The layering test's parser: single paths, groups, nested groups, re-exports, and
/// no false hits.
#[test]
fn crate_paths_and_groups_are_read() {
    let code = "use crate::a::X;\nuse crate::{b, c::d::{E, F}, \n  g::H as I};\n\
                let x = crate::j::k(); let y = my_crate::z;";
    let found: Vec<String> = crate_references(code).into_iter().collect();
    assert_eq!(found, ["a", "b", "c", "g", "j"]);
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph
            .entry(from.to_owned())
            .or_default()
            .insert(to.to_owned(), BTreeSet::from([format!("{from}.rs")]));
    }
    graph.entry("d".to_owned()).or_default();
    let described = describe_cycles(&graph);
    assert!(described.contains("c -> a: {\"c.rs\"}"), "{described}");
    assert!(!described.contains("c -> d"), "{described}");
    graph.get_mut("c").unwrap().remove("a");
    assert!(describe_cycles(&graph).is_empty());
    let reexported = reexports(&root().join("emulator/src"));
    assert_eq!(reexported.get("Config").map(String::as_str), Some("config"));
}
