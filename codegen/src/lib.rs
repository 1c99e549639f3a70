//! The emulator's wire layer from AWS's own service models: strips botocore's
//! `service-2.json` to the facts (shapes, constraints, errors, operations; no prose) and
//! writes Rust from that stripped data (error codes, operation and route tables, types
//! and validation for the implemented operations).

pub mod ordered;

use anyhow::{anyhow, bail, Context, Result};
use ordered::Ordered;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Where the stripped models live, relative to the workspace root.
pub const MODELS_DIR: &str = "codegen/models";
/// Where the generated Rust goes, relative to the workspace root.
pub const OUT_DIR: &str = "emulator/src/generated";
/// The command that regenerates, named in every generated file's header.
pub const COMMAND: &str = "cargo run -p codegen";

/// One service the generator reads (from `codegen/data/services.json`).
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The module name, e.g. `ssm`.
    pub name: String,
    /// Where the model lies under botocore's `data/`, e.g. `ssm/2014-11-06`.
    pub botocore: String,
    /// The name of the service's generated error type, if it has one.
    pub error_type: Option<String>,
    /// Operations whose input and output shapes get Rust types and validation.
    pub implemented: Vec<String>,
}

/// Reads `codegen/data/services.json`.
pub fn services(root: &Path) -> Result<Vec<ServiceConfig>> {
    let data = read_json(&root.join("codegen/data/services.json"))?;
    let list = data["services"]
        .as_array()
        .ok_or_else(|| anyhow!("services.json: no services list"))?;
    list.iter()
        .map(|s| {
            Ok(ServiceConfig {
                name: str_of(s, "name")?.to_owned(),
                botocore: str_of(s, "botocore")?.to_owned(),
                error_type: s["error_type"].as_str().map(str::to_owned),
                implemented: s["implemented"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> Result<&'a str> {
    v[key]
        .as_str()
        .ok_or_else(|| anyhow!("missing string {key:?} in {v}"))
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path:?}"))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {path:?}"))
}

/// Removes every documentation string (and other prose) from a botocore model, keeping
/// shapes, members, constraints, error metadata and operations' http and protocol facts,
/// in the model's order.
pub fn strip(model: &Ordered) -> Ordered {
    let prose = |k: &str| k.starts_with("documentation") || k == "deprecatedMessage";
    let section = |name: &str| {
        (
            name.to_owned(),
            model
                .get(name)
                .map(|v| v.without(&prose))
                .unwrap_or(Ordered::Object(Vec::new())),
        )
    };
    Ordered::Object(vec![
        section("metadata"),
        section("operations"),
        section("shapes"),
    ])
}

/// Writes a stripped model as JSON text: one shape or operation per line, so that a
/// model update shows as a readable diff.
pub fn stripped_text(model: &Ordered) -> String {
    let mut out = String::from("{\n");
    let empty = Ordered::Object(Vec::new());
    let _ = writeln!(
        out,
        "\"metadata\": {},",
        model.get("metadata").unwrap_or(&empty)
    );
    for (section, last) in [("operations", false), ("shapes", true)] {
        let _ = writeln!(out, "\"{section}\": {{");
        if let Some(Ordered::Object(members)) = model.get(section) {
            let n = members.len();
            for (i, (k, v)) in members.iter().enumerate() {
                let comma = if i + 1 < n { "," } else { "" };
                let _ = writeln!(out, "{}: {v}{comma}", Value::String(k.clone()));
            }
        }
        out.push_str(if last { "}\n" } else { "},\n" });
    }
    out.push_str("}\n");
    out
}

/// The overrides file: enum orders, pattern replacements, extra errors.
pub struct Overrides(Value);

impl Overrides {
    /// Reads `codegen/data/overrides.json`.
    pub fn load(root: &Path) -> Result<Self> {
        Ok(Overrides(read_json(
            &root.join("codegen/data/overrides.json"),
        )?))
    }

    fn enum_order(&self, service: &str, shape: &str) -> Option<Vec<String>> {
        self.0["enum_order"][service][shape]["values"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
    }

    /// How a pattern the regex crate cannot run is checked instead.
    fn pattern(&self, service: &str, shape: &str) -> Option<PatternOverride> {
        let entry = &self.0["pattern"][service][shape];
        if entry.is_null() {
            return None;
        }
        let list = |key: &str| -> Vec<String> {
            entry[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(PatternOverride {
            all_of: list("all_of"),
            none_of: list("none_of"),
            unchecked: entry["unchecked"].as_bool() == Some(true),
        })
    }

    /// Whether a shape the model leaves unmarked holds a secret all the same (kept out
    /// of `Debug` output and messages).
    fn sensitive(&self, service: &str, shape: &str) -> bool {
        self.0["sensitive"][service]["shapes"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(shape)))
    }

    /// A length bound AWS enforces differently from the model (`min` or `max`).
    fn length(&self, service: &str, shape: &str, bound: &str) -> Option<u64> {
        self.0["length"][service][shape][bound].as_u64()
    }

    fn extra_errors(&self, service: &str) -> Vec<ErrorInfo> {
        self.0["extra_errors"][service]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| {
                        Some(ErrorInfo {
                            shape: e["code"].as_str()?.to_owned(),
                            code: e["code"].as_str()?.to_owned(),
                            status: e["status"].as_u64()? as u16,
                            server_fault: e["fault"].as_bool()?,
                            message_member: e["message_member"]
                                .as_str()
                                .unwrap_or("message")
                                .to_owned(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A pattern the regex crate cannot run (look-arounds, back-references, size), as the
/// overrides file restates it: a value matches when it matches every `all_of` regex and
/// none of the `none_of` ones (each matched against the whole value); `unchecked`
/// patterns are not checked at all (the entry says why).
#[derive(Debug, Clone)]
struct PatternOverride {
    all_of: Vec<String>,
    none_of: Vec<String>,
    unchecked: bool,
}

/// A model pattern as the emulator matches it: against the whole value, as AWS's
/// validation does (a Lambda function name `my func` is refused though `my` alone matches
/// the model's unanchored pattern).
///
/// The model's patterns are ECMA-262 expressions (the Smithy specification's `pattern`
/// trait names that dialect), where `\d` is `[0-9]` and `\w` is `[A-Za-z0-9_]` (ECMA-262,
/// CharacterClassEscape). The `regex` crate reads them as Unicode classes: a Lambda ARN's
/// `\d{12}` would accept Arabic-Indic digits, and its compiled automaton alone took half a
/// megabyte of the emulator's idle memory. They are rewritten to the ASCII classes.
fn whole(pattern: &str) -> String {
    format!("^(?:{})$", ecma_shorthands(pattern))
}

/// `\d`, `\D`, `\w` and `\W` as ECMA-262 defines them (ASCII), as nested classes, which the
/// `regex` crate accepts inside a class as well (`[\w-]` becomes `[[0-9A-Za-z_]-]`). An
/// escaped backslash (`\\d`) is left alone. `\s` is Unicode white space in ECMA-262 too.
fn ecma_shorthands(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[derive(Debug, Clone)]
struct ErrorInfo {
    shape: String,
    code: String,
    status: u16,
    server_fault: bool,
    /// The member a restJson1 error body carries its message in (`Message` or `message`:
    /// the models spell it either way, and SDKs read the one the model names).
    message_member: String,
}

/// A service model (stripped) with the lookups the generator needs.
struct Model<'a> {
    service: &'a ServiceConfig,
    json: &'a Value,
    overrides: &'a Overrides,
    /// Each structure's members in the model's order.
    order: &'a BTreeMap<String, Vec<String>>,
}

impl<'a> Model<'a> {
    /// A structure's members with their definitions, in the model's order.
    fn members(&self, shape: &str) -> Vec<(String, &'a Value)> {
        let defs = &self.json["shapes"][shape]["members"];
        self.order
            .get(shape)
            .map(|names| names.iter().map(|n| (n.clone(), &defs[n])).collect())
            .unwrap_or_default()
    }

    fn shape(&self, name: &str) -> &'a Value {
        &self.json["shapes"][name]
    }

    fn protocol(&self) -> &'a str {
        self.json["metadata"]["protocol"].as_str().unwrap_or("")
    }

    fn signing_name(&self) -> &'a str {
        self.json["metadata"]["signingName"]
            .as_str()
            .or_else(|| self.json["metadata"]["endpointPrefix"].as_str())
            .unwrap_or("")
    }

    fn operations(&self) -> Vec<(&'a String, &'a Value)> {
        self.json["operations"]
            .as_object()
            .map(|m| m.iter().collect())
            .unwrap_or_default()
    }

    fn errors(&self) -> Result<Vec<ErrorInfo>> {
        let mut out = Vec::new();
        let shapes = self.json["shapes"].as_object().cloned().unwrap_or_default();
        for (name, shape) in &shapes {
            if shape["exception"].as_bool() != Some(true) {
                continue;
            }
            let server_fault = shape["fault"].as_bool() == Some(true)
                || shape["error"]["senderFault"].as_bool() == Some(false);
            let status = shape["error"]["httpStatusCode"]
                .as_u64()
                .map(|s| s as u16)
                .unwrap_or(if server_fault { 500 } else { 400 });
            let message_member = shape["members"]
                .as_object()
                .and_then(|m| m.keys().find(|k| k.eq_ignore_ascii_case("message")))
                .cloned()
                .unwrap_or_else(|| "message".to_owned());
            out.push(ErrorInfo {
                shape: name.clone(),
                code: shape["error"]["code"].as_str().unwrap_or(name).to_owned(),
                status,
                server_fault,
                message_member,
            });
        }
        for extra in self.overrides.extra_errors(&self.service.name) {
            if out.iter().any(|e| e.shape == extra.shape) {
                bail!(
                    "{}: extra error {} is already in the model",
                    self.service.name,
                    extra.shape
                );
            }
            out.push(extra);
        }
        out.sort_by(|a, b| a.shape.cmp(&b.shape));
        Ok(out)
    }

    /// The shapes reachable from the implemented operations' inputs (`.0`) and outputs
    /// (`.1`), structures and everything they hold.
    fn reachable(&self) -> Result<(BTreeSet<String>, BTreeSet<String>)> {
        let mut inputs = BTreeSet::new();
        let mut outputs = BTreeSet::new();
        for op in &self.service.implemented {
            let def = &self.json["operations"][op];
            if def.is_null() {
                bail!("{}: {op} is no operation of the model", self.service.name);
            }
            if let Some(s) = def["input"]["shape"].as_str() {
                self.reach(s, &mut inputs);
            }
            if let Some(s) = def["output"]["shape"].as_str() {
                self.reach(s, &mut outputs);
            }
        }
        Ok((inputs, outputs))
    }

    fn reach(&self, name: &str, seen: &mut BTreeSet<String>) {
        if !seen.insert(name.to_owned()) {
            return;
        }
        let shape = self.shape(name);
        for child in children(shape) {
            self.reach(&child, seen);
        }
    }
}

fn children(shape: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match shape["type"].as_str() {
        Some("structure") => {
            if let Some(members) = shape["members"].as_object() {
                for m in members.values() {
                    if let Some(s) = m["shape"].as_str() {
                        out.push(s.to_owned());
                    }
                }
            }
        }
        Some("list") => {
            if let Some(s) = shape["member"]["shape"].as_str() {
                out.push(s.to_owned());
            }
        }
        Some("map") => {
            for part in ["key", "value"] {
                if let Some(s) = shape[part]["shape"].as_str() {
                    out.push(s.to_owned());
                }
            }
        }
        _ => {}
    }
    out
}

/// `PutParameter` → `put_parameter`; `ARN` → `arn`; `KeyId` → `key_id`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == '.' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    if matches!(
        out.as_str(),
        "type"
            | "match"
            | "ref"
            | "mod"
            | "use"
            | "loop"
            | "self"
            | "crate"
            | "fn"
            | "in"
            | "as"
            | "impl"
            | "move"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "where"
            | "enum"
            | "const"
            | "box"
            | "final"
            | "override"
            | "async"
            | "await"
            | "dyn"
            | "priv"
    ) {
        out = format!("r#{out}");
    }
    out
}

/// The member name as AWS's validation messages write it: the first letter lowered
/// (`Name` → `name`, `SAMLOptions` → `sAMLOptions`).
fn message_name(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A Rust identifier for a shape name (shape names are already CamelCase identifiers,
/// some with a leading lower-case letter or a `__` prefix).
fn type_name(shape: &str) -> String {
    let trimmed = shape.trim_start_matches('_');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Unnamed".to_owned(),
    }
}

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

/// Checks every pattern of the model compiles as Rust `regex` (or has a replacement in
/// the overrides, with its reason). Returns the patterns that fail, for the message.
fn check_patterns(model: &Model) -> Result<()> {
    let mut failures = Vec::new();
    let shapes = model.json["shapes"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, shape) in &shapes {
        let Some(pattern) = shape["pattern"].as_str() else {
            continue;
        };
        match model.overrides.pattern(&model.service.name, name) {
            Some(o) => {
                for p in o.all_of.iter().chain(&o.none_of) {
                    if let Err(e) = regex::Regex::new(&whole(p)) {
                        failures.push(format!("{name}: override {p:?}: {e}"));
                    }
                }
            }
            None => {
                if let Err(e) = regex::Regex::new(&whole(pattern)) {
                    failures.push(format!("{name}: {pattern:?}: {e}"));
                }
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "{}: patterns the regex crate rejects need an entry under \"pattern\" in codegen/data/overrides.json (with the reason):\n{}",
            model.service.name,
            failures.join("\n")
        );
    }
    Ok(())
}

/// Generates the Rust of one service (not yet formatted).
fn generate_service(model: &Model) -> Result<String> {
    let svc = &model.service.name;
    let meta = &model.json["metadata"];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Generated by `{COMMAND}` from `{MODELS_DIR}/{svc}.json` (botocore `{}`); do not edit.",
        model.service.botocore
    );
    out.push_str("#![allow(clippy::all, missing_docs, non_camel_case_types)]\n\n");
    let _ = writeln!(
        out,
        "/// The SigV4 signing name.\npub const SIGNING_NAME: &str = {};",
        rust_str(model.signing_name())
    );
    let _ = writeln!(
        out,
        "/// The wire protocol (botocore's name).\npub const PROTOCOL: &str = {};",
        rust_str(model.protocol())
    );
    let _ = writeln!(
        out,
        "/// The API version.\npub const API_VERSION: &str = {};",
        rust_str(meta["apiVersion"].as_str().unwrap_or(""))
    );
    if let Some(prefix) = meta["targetPrefix"].as_str() {
        let _ = writeln!(
            out,
            "/// The `X-Amz-Target` prefix.\npub const TARGET_PREFIX: &str = {};",
            rust_str(prefix)
        );
    }
    if let Some(ns) = meta["xmlNamespace"].as_str() {
        let _ = writeln!(
            out,
            "/// The XML namespace of answers.\npub const XML_NAMESPACE: &str = {};",
            rust_str(ns)
        );
    }

    // Operations, sorted.
    let mut ops = model.operations();
    ops.sort_by(|a, b| a.0.cmp(b.0));
    out.push_str(
        "\n/// Every operation of the model, sorted.\npub const OPERATIONS: &[&str] = &[\n",
    );
    for (name, _) in &ops {
        let _ = writeln!(out, "    {},", rust_str(name));
    }
    out.push_str("];\n");

    if model.protocol() == "rest-json" {
        out.push_str("\n/// Every operation's HTTP method and request URI template, in model order of name.\npub const ROUTES: &[super::Route] = &[\n");
        for (name, def) in &ops {
            let _ = writeln!(
                out,
                "    super::Route {{ method: {}, uri: {}, operation: {}, status: {} }},",
                rust_str(def["http"]["method"].as_str().unwrap_or("POST")),
                rust_str(def["http"]["requestUri"].as_str().unwrap_or("/")),
                rust_str(name),
                def["http"]["responseCode"].as_u64().unwrap_or(200)
            );
        }
        out.push_str("];\n");
    }

    // Errors.
    let errors = model.errors()?;
    out.push_str("\n/// Every error code of the service, with its HTTP status and fault.\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum ErrorCode {\n");
    for e in &errors {
        let _ = writeln!(out, "    {},", type_name(&e.shape));
    }
    out.push_str(
        "}\n\nimpl ErrorCode {\n    /// Every code.\n    pub const ALL: &[ErrorCode] = &[\n",
    );
    for e in &errors {
        let _ = writeln!(out, "        ErrorCode::{},", type_name(&e.shape));
    }
    out.push_str("    ];\n\n    /// The code clients match on.\n    pub const fn code(self) -> &'static str {\n        match self {\n");
    for e in &errors {
        let _ = writeln!(
            out,
            "            ErrorCode::{} => {},",
            type_name(&e.shape),
            rust_str(&e.code)
        );
    }
    out.push_str("        }\n    }\n\n    /// The HTTP status.\n    pub const fn status(self) -> u16 {\n        match self {\n");
    let mut by_status: BTreeMap<u16, Vec<&ErrorInfo>> = BTreeMap::new();
    for e in &errors {
        by_status.entry(e.status).or_default().push(e);
    }
    for (status, list) in &by_status {
        let arms: Vec<String> = list
            .iter()
            .map(|e| format!("ErrorCode::{}", type_name(&e.shape)))
            .collect();
        let _ = writeln!(out, "            {} => {status},", arms.join(" | "));
    }
    out.push_str("        }\n    }\n\n    /// Whether the fault is the server's (retried by SDKs) rather than the sender's.\n    pub const fn is_server_fault(self) -> bool {\n        matches!(self, ");
    let faults: Vec<String> = errors
        .iter()
        .filter(|e| e.server_fault)
        .map(|e| format!("ErrorCode::{}", type_name(&e.shape)))
        .collect();
    if faults.is_empty() {
        out.push_str("_ if false");
    } else {
        out.push_str(&faults.join(" | "));
    }
    out.push_str(")\n    }\n");
    if model.protocol() == "rest-json" {
        out.push_str("\n    /// The member of the error body that carries the message.\n    pub const fn message_member(self) -> &'static str {\n        match self {\n");
        let mut by_member: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for e in &errors {
            by_member
                .entry(e.message_member.as_str())
                .or_default()
                .push(format!("ErrorCode::{}", type_name(&e.shape)));
        }
        for (member, arms) in &by_member {
            let _ = writeln!(
                out,
                "            {} => {},",
                arms.join(" | "),
                rust_str(member)
            );
        }
        out.push_str("        }\n    }\n");
    }
    out.push_str("}\n");

    if let Some(error_type) = &model.service.error_type {
        let _ = writeln!(
            out,
            "\n/// An error the service answers: one variant per code, carrying its message.\n#[derive(Debug, Clone, PartialEq, Eq)]\npub enum {error_type} {{"
        );
        for e in &errors {
            let _ = writeln!(out, "    {}(String),", type_name(&e.shape));
        }
        let _ = writeln!(out, "}}\n\nimpl {error_type} {{\n    /// The variant's code.\n    pub const fn kind(&self) -> ErrorCode {{\n        match self {{");
        for e in &errors {
            let _ = writeln!(
                out,
                "            {error_type}::{0}(_) => ErrorCode::{0},",
                type_name(&e.shape)
            );
        }
        let _ = writeln!(out, "        }}\n    }}\n\n    /// The message.\n    pub fn text(&self) -> &str {{\n        match self {{");
        let arms: Vec<String> = errors
            .iter()
            .map(|e| format!("{error_type}::{}(m)", type_name(&e.shape)))
            .collect();
        let _ = writeln!(out, "            {} => m,", arms.join(" | "));
        let _ = writeln!(
            out,
            "        }}\n    }}\n}}\n\nsuper::service_error!({error_type});"
        );
    }

    // Types and validation of the implemented operations' shapes.
    let (inputs, outputs) = model.reachable()?;
    let all: BTreeSet<&String> = inputs.iter().chain(outputs.iter()).collect();
    let mut rules = Rules::default();
    for taken in [
        "SIGNING_NAME",
        "PROTOCOL",
        "API_VERSION",
        "TARGET_PREFIX",
        "XML_NAMESPACE",
        "OPERATIONS",
        "ROUTES",
        "IMPLEMENTED",
    ] {
        rules.taken.insert(taken.to_owned());
    }
    let mut types = String::new();
    for name in &all {
        let shape = model.shape(name);
        if shape["type"].as_str() != Some("structure") || shape["exception"].as_bool() == Some(true)
        {
            continue;
        }
        let is_input = inputs.contains(*name);
        let is_output = outputs.contains(*name);
        write_struct(model, name, is_input, is_output, &mut types)?;
        if is_input {
            write_validation(model, name, shape, &mut types, &mut rules)?;
            if is_query(model) {
                write_from_query(model, name, &mut types)?;
            } else {
                write_bind(model, name, &mut types)?;
            }
        }
    }
    if !model.service.implemented.is_empty() {
        let mut used: Vec<&str> = rules.types.iter().copied().collect();
        used.extend(["Validate", "Validator"]);
        used.sort_unstable();
        if is_query(model) {
            out.push_str("\nuse crate::protocol::query::{FromQuery, QueryRequest, Unparsed};\nuse serde::Serialize;\n");
        } else {
            out.push_str("\nuse serde::{Deserialize, Serialize};\n");
        }
        let _ = writeln!(
            out,
            "use crate::protocol::validation::{{{}}};",
            used.join(", ")
        );
        out.push_str("\n/// The operations implemented through these types: name, input, output, and the\n/// errors the model lists for it.\npub const IMPLEMENTED: &[(&str, &str, &str, &[&str])] = &[\n");
        for op in &model.service.implemented {
            let def = &model.json["operations"][op];
            let errors: Vec<String> = def["errors"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|e| e["shape"].as_str().map(rust_str))
                        .collect()
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    ({}, {}, {}, &[{}]),",
                rust_str(op),
                rust_str(def["input"]["shape"].as_str().unwrap_or("")),
                rust_str(def["output"]["shape"].as_str().unwrap_or("")),
                errors.join(", ")
            );
        }
        out.push_str("];\n");
        // The constraints of each model shape the inputs use, once per shape.
        for code in &rules.code {
            let _ = writeln!(out, "\n{code}");
        }
        out.push_str(&types);
    }
    Ok(out)
}

fn member_type(model: &Model, shape_name: &str) -> Result<String> {
    let shape = model.shape(shape_name);
    Ok(match shape["type"].as_str().unwrap_or("") {
        "string" => "String".to_owned(),
        "integer" => "i32".to_owned(),
        "long" => "i64".to_owned(),
        "boolean" => "bool".to_owned(),
        "double" | "float" => "f64".to_owned(),
        // awsQuery carries timestamps as ISO 8601 text; the JSON protocols as epoch
        // seconds (`crate::time::Timestamp`).
        "timestamp" if model.protocol() == "query" => "time::OffsetDateTime".to_owned(),
        "timestamp" => "crate::time::Timestamp".to_owned(),
        // awsJson decodes a blob's base64 with the body (`protocol::json::Blob`);
        // restJson1's blobs stay text for the service to read.
        "blob" if model.protocol() == "json" => "crate::protocol::json::Blob".to_owned(),
        "blob" => "String".to_owned(),
        "structure" => type_name(shape_name),
        "list" => format!(
            "Vec<{}>",
            member_type(model, shape["member"]["shape"].as_str().unwrap_or(""))?
        ),
        "map" => format!(
            "std::collections::BTreeMap<String, {}>",
            member_type(model, shape["value"]["shape"].as_str().unwrap_or(""))?
        ),
        other => bail!("{shape_name}: shape type {other:?} has no Rust type"),
    })
}

fn is_query(model: &Model) -> bool {
    model.protocol() == "query"
}

/// The expression that decodes a value of shape `shape_name` at key `k` from the form
/// `q` (a `Result<Option<T>, Unparsed>`): through `protocol::query`'s readers, which
/// alone know the form's layout (`.member.N`, `.entry.N.key`).
fn query_decoder(model: &Model, shape_name: &str, k: &str) -> Result<String> {
    let shape = model.shape(shape_name);
    let flattened = shape["flattened"].as_bool() == Some(true);
    Ok(match shape["type"].as_str().unwrap_or("") {
        "string" | "blob" => format!("Ok(q.string({k}))"),
        "integer" => format!("q.number::<i32>({k})"),
        "long" => format!("q.number::<i64>({k})"),
        "double" | "float" => format!("q.number::<f64>({k})"),
        "boolean" => format!("q.boolean({k})"),
        "timestamp" => format!("q.timestamp({k})"),
        "structure" => format!("q.structure::<{}>({k})", type_name(shape_name)),
        "list" => {
            let member = &shape["member"];
            let element = member["shape"].as_str().unwrap_or("");
            let name = member["locationName"].as_str().unwrap_or("member");
            format!(
                "q.list_of({k}, {}, {flattened}, |q, k| {})",
                rust_str(name),
                query_decoder(model, element, "k")?
            )
        }
        "map" => {
            let key_name = shape["key"]["locationName"].as_str().unwrap_or("key");
            let value_name = shape["value"]["locationName"].as_str().unwrap_or("value");
            let value = shape["value"]["shape"].as_str().unwrap_or("");
            format!(
                "q.map_of({k}, ({}, {}), {flattened}, |q, k| {})",
                rust_str(key_name),
                rust_str(value_name),
                query_decoder(model, value, "k")?
            )
        }
        other => bail!("{shape_name}: shape type {other:?} cannot be read from an awsQuery form"),
    })
}

/// For an awsQuery input: `FromQuery`, which reads each member from the form under the
/// name the model gives it (`locationName`, else the member's name).
fn write_from_query(model: &Model, name: &str, out: &mut String) -> Result<()> {
    let mut body = String::new();
    for (member, def) in model.members(name) {
        let wire = def["locationName"].as_str().unwrap_or(&member);
        let target = def["shape"].as_str().unwrap_or("");
        let k = format!("&crate::protocol::query::key(at, {})", rust_str(wire));
        let decoder = query_decoder(model, target, &k)?;
        // A string cannot fail to decode: no `?` on it.
        let value = match decoder
            .strip_prefix("Ok(")
            .and_then(|d| d.strip_suffix(')'))
        {
            Some(infallible) => infallible.to_owned(),
            None => format!("{decoder}?"),
        };
        let _ = writeln!(body, "            {}: {value},", snake(&member));
    }
    let (q, at) = if body.is_empty() {
        ("_q", "_at")
    } else {
        ("q", "at")
    };
    let _ = writeln!(
        out,
        "\nimpl FromQuery for {} {{\n    fn from_query({q}: &QueryRequest, {at}: &str) -> Result<Self, Unparsed> {{\n        Ok(Self {{\n{body}        }})\n    }}\n}}",
        type_name(name)
    );
    Ok(())
}

/// For a restJson1 input with members outside the body: `bind`, which sets them from
/// the request's URI labels, query string and headers (the raw payload is the service's
/// to read). A number that does not parse is the protocol's error, not a constraint.
fn write_bind(model: &Model, name: &str, out: &mut String) -> Result<()> {
    let mut body = String::new();
    for (member, def) in model.members(name) {
        let location = def["location"].as_str().unwrap_or("");
        let wire = def["locationName"].as_str().unwrap_or(&member);
        let field = snake(&member);
        let target = def["shape"].as_str().unwrap_or("");
        let read = match location {
            "uri" => "label",
            "querystring" => "query",
            "header" => "header",
            _ => continue,
        };
        let value = match model.shape(target)["type"].as_str().unwrap_or("") {
            "string" => format!("http.{read}({}).map(str::to_owned)", rust_str(wire)),
            "integer" | "long" | "boolean" => {
                format!("http.parsed_{read}({})?", rust_str(wire))
            }
            // A list in the query string repeats its name once per item (restJson1).
            "list" if location == "querystring" => {
                format!("http.query_list({})", rust_str(wire))
            }
            other => {
                bail!("{name}.{member}: a {location} member of type {other:?} is not generated yet")
            }
        };
        let _ = writeln!(body, "        self.{field} = {value};");
    }
    if body.is_empty() {
        return Ok(());
    }
    let _ = writeln!(
        out,
        "
impl {} {{
    /// Sets the members that travel outside the body, from where the model says.
    pub fn bind(&mut self, http: &crate::protocol::rest_json::HttpMembers<'_>) -> Result<(), crate::protocol::rest_json::Unparsed> {{
{body}        Ok(())
    }}
}}",
        type_name(name)
    );
    Ok(())
}

/// Whether a restJson1 member travels outside the JSON body: in the URI, the query
/// string, a header, or as the whole payload.
fn is_located(model: &Model, shape: &str, member: &str, def: &Value) -> bool {
    model.protocol() == "rest-json"
        && (def["location"].is_string() || model.shape(shape)["payload"].as_str() == Some(member))
}

fn is_sensitive(model: &Model, member: &Value) -> bool {
    let target = member["shape"].as_str().unwrap_or("");
    member["sensitive"].as_bool() == Some(true)
        || model.shape(target)["sensitive"].as_bool() == Some(true)
        || model.overrides.sensitive(&model.service.name, target)
}

fn write_struct(
    model: &Model,
    name: &str,
    is_input: bool,
    is_output: bool,
    out: &mut String,
) -> Result<()> {
    let members = model.members(name);
    let sensitive: Vec<&String> = members
        .iter()
        .filter(|(_, m)| is_sensitive(model, m))
        .map(|(k, _)| k)
        .collect();
    let mut derives = vec!["Clone", "Default"];
    if sensitive.is_empty() {
        derives.push("Debug");
    }
    // awsQuery inputs are decoded from the form by `FromQuery` (generated below), not serde.
    if is_input && !is_query(model) {
        derives.push("Deserialize");
    }
    if is_output {
        derives.push("Serialize");
    }
    let ident = type_name(name);
    let _ = writeln!(
        out,
        "\n/// The `{name}` shape.\n#[derive({})]\npub struct {ident} {{",
        derives.join(", ")
    );
    for (member, def) in &members {
        let ty = member_type(model, def["shape"].as_str().unwrap_or(""))?;
        // restJson1 carries some members outside the JSON body (a URI label, a query
        // string member, a header, a raw payload): the body's serde leaves them alone and
        // the service's request layer sets them from where they travel.
        let target = model.shape(def["shape"].as_str().unwrap_or(""));
        let serde = if is_located(model, name, member, def) {
            "skip".to_owned()
        } else if is_query(model) {
            // awsQuery answers: timestamps as ISO 8601 text and maps as `entry` elements,
            // which `protocol::query` writes (no XML is written here).
            let with = match target["type"].as_str() {
                Some("timestamp") => {
                    ", serialize_with = \"crate::protocol::query::serialize_timestamp\""
                }
                Some("map") => ", serialize_with = \"crate::protocol::query::serialize_map\"",
                _ => "",
            };
            format!(
                "rename = {}, skip_serializing_if = \"Option::is_none\"{with}",
                rust_str(def["locationName"].as_str().unwrap_or(member))
            )
        } else {
            format!(
                "rename = {}, default, skip_serializing_if = \"Option::is_none\"",
                rust_str(member)
            )
        };
        // An awsQuery input that is no output derives no serde: nothing to configure.
        let attribute = if is_query(model) && !is_output {
            String::new()
        } else {
            format!("    #[serde({serde})]\n")
        };
        let _ = writeln!(out, "{attribute}    pub {}: Option<{ty}>,", snake(member));
    }
    out.push_str("}\n");
    if !sensitive.is_empty() {
        // Sensitive members (SecureString values, key material) never reach a log.
        let _ = writeln!(
            out,
            "\nimpl std::fmt::Debug for {ident} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.debug_struct({})",
            rust_str(&ident)
        );
        for (member, def) in &members {
            if is_sensitive(model, def) {
                let _ = writeln!(
                    out,
                    "            .field({}, &self.{}.as_ref().map(|_| crate::fixtures::REDACTED))",
                    rust_str(&snake(member)),
                    snake(member)
                );
            } else {
                let _ = writeln!(
                    out,
                    "            .field({}, &self.{})",
                    rust_str(&snake(member)),
                    snake(member)
                );
            }
        }
        out.push_str("            .finish()\n    }\n}\n");
    }
    Ok(())
}

/// The rule values of one service's validation: one `static` per model shape that has
/// constraints, shared by every member that targets the shape, in the order first needed.
#[derive(Default)]
struct Rules {
    /// Each shape's rule: its identifier, or `None` when the shape constrains nothing.
    by_shape: BTreeMap<String, Option<String>>,
    /// The identifiers taken (rules, patterns and the module's constants).
    taken: BTreeSet<String>,
    /// The statics' Rust, in order.
    code: Vec<String>,
    /// The rule types the statics and calls name (for the `use` line).
    types: BTreeSet<&'static str>,
}

impl Rules {
    /// An identifier for `shape`'s rule (`KeyIdType` → `KEY_ID_TYPE`), suffixed `_PATTERN`
    /// for its pattern, and numbered where two shape names would collide.
    fn ident(&mut self, shape: &str, suffix: &str) -> String {
        let base = format!(
            "{}{suffix}",
            snake(shape).trim_start_matches("r#").to_uppercase()
        );
        let mut ident = base.clone();
        let mut n = 2;
        while self.taken.contains(&ident) {
            ident = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(ident.clone());
        ident
    }
}

/// `Some(n)` or `None` as Rust.
fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "None".to_owned(), |v| format!("Some({v})"))
}

/// A length bound of a list, map or blob shape (a minimum of 0 constrains nothing).
fn count_of(shape: &Value) -> (Option<u64>, Option<u64>) {
    (
        shape["min"].as_u64().filter(|&m| m > 0),
        shape["max"].as_u64(),
    )
}

fn count_literal((min, max): (Option<u64>, Option<u64>)) -> String {
    format!("Count {{ min: {}, max: {} }}", opt(min), opt(max))
}

/// The identifier of `shape_name`'s rule static, written on first use; `None` when the
/// shape has no constraint. The static's type follows the shape's: `Text` (string),
/// `Range<i64>`/`Range<f64>` (numbers), `Count` (blob, list of anything but strings),
/// `Strings` (list of strings), `Map<R>` (map, `R` its scalar values' rule or `()`).
fn rule(model: &Model, shape_name: &str, rules: &mut Rules) -> Result<Option<String>> {
    if let Some(known) = rules.by_shape.get(shape_name) {
        return Ok(known.clone());
    }
    let shape = model.shape(shape_name);
    let ty = shape["type"].as_str().unwrap_or("");
    let (ty_name, body) = match ty {
        "string" => {
            let bound = |key: &str| {
                model
                    .overrides
                    .length(&model.service.name, shape_name, key)
                    .or_else(|| shape[key].as_u64())
            };
            let mut fields = Vec::new();
            if let Some(min) = bound("min").filter(|&m| m > 0) {
                fields.push(format!("min: Some({min})"));
            }
            if let Some(max) = bound("max") {
                fields.push(format!("max: Some({max})"));
            }
            if let Some(pattern) = shape["pattern"].as_str() {
                let o = model
                    .overrides
                    .pattern(&model.service.name, shape_name)
                    .unwrap_or_else(|| PatternOverride {
                        all_of: vec![pattern.to_owned()],
                        none_of: Vec::new(),
                        unchecked: false,
                    });
                let nothing = o.all_of.is_empty() && o.none_of.is_empty();
                if !o.unchecked && !nothing {
                    let list = |l: &[String]| -> String {
                        let items: Vec<String> = l.iter().map(|p| rust_str(&whole(p))).collect();
                        format!("&[{}]", items.join(", "))
                    };
                    let ident = rules.ident(shape_name, "_PATTERN");
                    rules.types.insert("Pattern");
                    rules.code.push(format!(
                        "static {ident}: Pattern = Pattern::new({}, {}, {});",
                        rust_str(pattern),
                        list(&o.all_of),
                        list(&o.none_of)
                    ));
                    fields.push(format!("pattern: Some(&{ident})"));
                }
            }
            if let Some(values) = shape["enum"].as_array() {
                let values: Vec<String> = model
                    .overrides
                    .enum_order(&model.service.name, shape_name)
                    .unwrap_or_else(|| {
                        values
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    });
                let list: Vec<String> = values.iter().map(|v| rust_str(v)).collect();
                fields.push(format!("values: Some(&[{}])", list.join(", ")));
            }
            if fields.is_empty() {
                (None, String::new())
            } else {
                fields.push("..Text::NONE".to_owned());
                (Some("Text"), format!("Text {{ {} }}", fields.join(", ")))
            }
        }
        "integer" | "long" | "double" | "float" => {
            let float = matches!(ty, "double" | "float");
            // A double's bounds are written as AWS prints a double (`1.0`, `0.0`).
            let bound = |key: &str| -> Option<String> {
                if float {
                    shape[key].as_f64().map(|b| format!("{b:?}"))
                } else {
                    shape[key].as_i64().map(|b| b.to_string())
                }
            };
            let (min, max) = (bound("min"), bound("max"));
            if min.is_none() && max.is_none() {
                (None, String::new())
            } else {
                let t = if float { "Range<f64>" } else { "Range<i64>" };
                (
                    Some(t),
                    format!("Range {{ min: {}, max: {} }}", opt(min), opt(max)),
                )
            }
        }
        "blob" => match count_of(shape) {
            (None, None) => (None, String::new()),
            c => (Some("Count"), count_literal(c)),
        },
        "list" => {
            let element = shape["member"]["shape"].as_str().unwrap_or("");
            let count = count_of(shape);
            if model.shape(element)["type"].as_str() == Some("string") {
                let each = rule(model, element, rules)?;
                if count == (None, None) && each.is_none() {
                    (None, String::new())
                } else {
                    rules.types.insert("Count");
                    let each = opt(each.map(|e| format!("&{e}")));
                    (
                        Some("Strings"),
                        format!(
                            "Strings {{ count: {}, each: {each} }}",
                            count_literal(count)
                        ),
                    )
                }
            } else if count == (None, None) {
                (None, String::new())
            } else {
                (Some("Count"), count_literal(count))
            }
        }
        "map" => {
            let key = shape["key"]["shape"].as_str().unwrap_or("");
            let value = shape["value"]["shape"].as_str().unwrap_or("");
            let count = count_of(shape);
            let keys = rule(model, key, rules)?;
            let vtype = model.shape(value)["type"].as_str().unwrap_or("");
            let (rtype, values) = match vtype {
                "string" => ("Text", rule(model, value, rules)?),
                "integer" | "long" => ("Range<i64>", rule(model, value, rules)?),
                "double" | "float" => ("Range<f64>", rule(model, value, rules)?),
                _ => {
                    if vtype != "structure" && rule(model, value, rules)?.is_some() {
                        bail!("{shape_name}: constraints on map values of type {vtype:?} are not generated yet");
                    }
                    ("()", None)
                }
            };
            if count == (None, None) && keys.is_none() && values.is_none() {
                (None, String::new())
            } else {
                rules.types.insert("Count");
                (
                    Some(if rtype == "()" { "Map<()>" } else { "Map" }),
                    format!(
                        "Map {{ count: {}, keys: {}, values: {} }}",
                        count_literal(count),
                        opt(keys.map(|k| format!("&{k}"))),
                        opt(values.map(|v| format!("&{v}")))
                    ),
                )
            }
        }
        _ => (None, String::new()),
    };
    let ident = match ty_name {
        None => None,
        Some(t) => {
            let ident = rules.ident(shape_name, "");
            let static_type = match t {
                "Map" => {
                    let v = shape["value"]["shape"].as_str().unwrap_or("");
                    match model.shape(v)["type"].as_str().unwrap_or("") {
                        "string" => "Map<Text>",
                        "integer" | "long" => "Map<Range<i64>>",
                        _ => "Map<Range<f64>>",
                    }
                }
                other => other,
            };
            for name in ["Text", "Range", "Count", "Strings", "Map"] {
                if static_type.contains(name) {
                    rules.types.insert(name);
                }
            }
            rules
                .code
                .push(format!("static {ident}: {static_type} = {body};"));
            Some(ident)
        }
    };
    rules.by_shape.insert(shape_name.to_owned(), ident.clone());
    Ok(ident)
}

/// `Validate` for an input structure: one call per member check, in the model's member
/// order (AWS lists violations in that order), each naming the rule of the member's shape.
fn write_validation(
    model: &Model,
    name: &str,
    shape: &Value,
    out: &mut String,
    rules: &mut Rules,
) -> Result<()> {
    let ident = type_name(name);
    let required: BTreeSet<&str> = shape["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut body = String::new();
    for (member, def) in &model.members(name) {
        let field = snake(member);
        let target = def["shape"].as_str().unwrap_or("");
        let tshape = model.shape(target);
        let sensitive = is_sensitive(model, def);
        let shown = rust_str(&message_name(member));
        if required.contains(member.as_str()) {
            let _ = writeln!(
                body,
                "        v.not_null(at, {shown}, self.{field}.is_some());"
            );
        }
        let secret = if sensitive { "secret_" } else { "" };
        let rule_of = |rules: &mut Rules| rule(model, target, rules);
        let call = match tshape["type"].as_str().unwrap_or("") {
            "string" => rule_of(rules)?
                .map(|r| format!("v.{secret}text(at, {shown}, self.{field}.as_deref(), &{r})")),
            // awsJson decodes a blob's base64 with the body; the other protocols keep the
            // text, whose decoded length counts.
            "blob" if model.protocol() == "json" => rule_of(rules)?
                .map(|r| format!("v.{secret}blob(at, {shown}, self.{field}.as_ref(), &{r})")),
            "blob" => rule_of(rules)?.map(|r| {
                format!("v.{secret}blob_text(at, {shown}, self.{field}.as_deref(), &{r})")
            }),
            "integer" | "long" => {
                rule_of(rules)?.map(|r| format!("v.int(at, {shown}, self.{field}, &{r})"))
            }
            "double" | "float" => {
                rule_of(rules)?.map(|r| format!("v.float(at, {shown}, self.{field}, &{r})"))
            }
            "list" => {
                let element = tshape["member"]["shape"].as_str().unwrap_or("");
                let r = rule_of(rules)?;
                match model.shape(element)["type"].as_str().unwrap_or("") {
                    "structure" => {
                        let r = r.unwrap_or_else(|| "Count::NONE".to_owned());
                        rules.types.insert("Count");
                        Some(format!(
                            "v.structures(at, {shown}, self.{field}.as_deref(), &{r})"
                        ))
                    }
                    "list" | "map" => {
                        bail!("{name}.{member}: nested collections are not generated yet")
                    }
                    "string" => {
                        r.map(|r| format!("v.strings(at, {shown}, self.{field}.as_deref(), &{r})"))
                    }
                    _ => r.map(|r| format!("v.items(at, {shown}, self.{field}.as_deref(), &{r})")),
                }
            }
            "map" => {
                let value = tshape["value"]["shape"].as_str().unwrap_or("");
                let r = rule_of(rules)?;
                match model.shape(value)["type"].as_str().unwrap_or("") {
                    "structure" => {
                        let r = r.unwrap_or_else(|| "Map::NONE".to_owned());
                        rules.types.insert("Map");
                        Some(format!(
                            "v.map_structures(at, {shown}, self.{field}.as_ref(), &{r})"
                        ))
                    }
                    "string" | "integer" | "long" | "double" | "float" => {
                        r.map(|r| format!("v.map(at, {shown}, self.{field}.as_ref(), &{r})"))
                    }
                    _ => r.map(|r| format!("v.map_keys(at, {shown}, self.{field}.as_ref(), &{r})")),
                }
            }
            "structure" => Some(format!("v.structure(at, {shown}, self.{field}.as_ref())")),
            _ => None,
        };
        if let Some(call) = call {
            let _ = writeln!(body, "        {call};");
        }
    }
    let (vname, at) = if body.is_empty() {
        ("_v", "_at")
    } else {
        ("v", "at")
    };
    let _ = writeln!(
        out,
        "\nimpl Validate for {ident} {{\n    fn validate(&self, {vname}: &mut Validator, {at}: &str) {{\n{body}    }}\n}}"
    );
    Ok(())
}

/// The `mod.rs` of the generated modules.
fn generate_mod(services: &[ServiceConfig]) -> String {
    let mut out = format!(
        "//! Generated by `{COMMAND}` from `{MODELS_DIR}/*.json`; do not edit.\n//! One module per AWS service: error codes, operation tables, and the types and validation of\n//! the operations implemented through them.\n\n"
    );
    // Defined before the modules, which name it by its textual scope.
    out.push_str("/// `Display`, `Error` and `AwsError` for a service's generated error enum, from its\n/// `kind()` (the service's `ErrorCode`: code and status) and `text()`: written once here\n/// rather than once per service.\nmacro_rules! service_error {\n    ($error:ident) => {\n        impl std::fmt::Display for $error {\n            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n                write!(f, \"{}: {}\", self.kind().code(), self.text())\n            }\n        }\n\n        impl std::error::Error for $error {}\n\n        impl crate::protocol::AwsError for $error {\n            fn code(&self) -> &str {\n                self.kind().code()\n            }\n            fn status(&self) -> axum::http::StatusCode {\n                axum::http::StatusCode::from_u16(self.kind().status())\n                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)\n            }\n            fn message(&self) -> String {\n                self.text().to_owned()\n            }\n        }\n    };\n}\nuse service_error;\n\n");
    for s in services {
        let _ = writeln!(out, "pub mod {};", s.name);
    }
    out.push_str("\n/// A restJson1 operation's HTTP binding.\n#[derive(Debug, Clone, Copy, PartialEq, Eq)]\npub struct Route {\n    /// The HTTP method.\n    pub method: &'static str,\n    /// The request URI template (`/2015-03-31/functions/{FunctionName}`).\n    pub uri: &'static str,\n    /// The operation's name.\n    pub operation: &'static str,\n    /// The status of a successful answer.\n    pub status: u16,\n}\n");
    out
}

/// Formats Rust source with `rustfmt` (edition 2021), as `cargo fmt` would.
pub fn rustfmt(source: &str) -> Result<String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt")?;
    let mut stdin = child.stdin.take().ok_or_else(|| anyhow!("rustfmt stdin"))?;
    let text = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child.wait_with_output()?;
    writer
        .join()
        .map_err(|_| anyhow!("rustfmt writer panicked"))??;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// Every generated file (path relative to the workspace root, formatted content), from
/// the committed stripped models.
pub fn generate_all(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let services = services(root)?;
    let overrides = Overrides::load(root)?;
    let mut files = Vec::new();
    let mut pattern_failures = Vec::new();
    let mut models = Vec::new();
    for service in &services {
        let path = root.join(MODELS_DIR).join(format!("{}.json", service.name));
        let json = read_json(&path)?;
        let text = std::fs::read_to_string(&path)?;
        let ordered: Ordered = serde_json::from_str(&text)?;
        let mut order = BTreeMap::new();
        if let Some(Ordered::Object(shapes)) = ordered.get("shapes") {
            for (name, shape) in shapes {
                if let Some(members) = shape.get("members") {
                    order.insert(name.clone(), members.keys());
                }
            }
        }
        let model = Model {
            service,
            json: &json,
            overrides: &overrides,
            order: &order,
        };
        if let Err(e) = check_patterns(&model) {
            pattern_failures.push(e.to_string());
        }
        models.push((json, order));
    }
    if !pattern_failures.is_empty() {
        bail!("{}", pattern_failures.join("\n"));
    }
    for (service, (json, order)) in services.iter().zip(&models) {
        let model = Model {
            service,
            json,
            overrides: &overrides,
            order,
        };
        let source = generate_service(&model)?;
        files.push((
            PathBuf::from(OUT_DIR).join(format!("{}.rs", service.name)),
            rustfmt(&source).with_context(|| format!("formatting {}", service.name))?,
        ));
    }
    files.push((
        PathBuf::from(OUT_DIR).join("mod.rs"),
        rustfmt(&generate_mod(&services))?,
    ));
    Ok(files)
}

/// Reads botocore's model of each service from `botocore_data` (its `data/` directory;
/// `service-2.json` or `.json.gz`, the latter through `gzip -dc`) and writes the stripped
/// models into `codegen/models/`.
pub fn strip_all(root: &Path, botocore_data: &Path) -> Result<()> {
    for service in services(root)? {
        let dir = botocore_data.join(&service.botocore);
        let plain = dir.join("service-2.json");
        let text = if plain.exists() {
            std::fs::read_to_string(&plain)?
        } else {
            let gz = dir.join("service-2.json.gz");
            let output = std::process::Command::new("gzip")
                .arg("-dc")
                .arg(&gz)
                .output()
                .with_context(|| format!("gzip -dc {gz:?}"))?;
            if !output.status.success() {
                bail!("gzip -dc {gz:?} failed");
            }
            String::from_utf8(output.stdout)?
        };
        let model: Ordered = serde_json::from_str(&text)?;
        let stripped = strip(&model);
        std::fs::create_dir_all(root.join(MODELS_DIR))?;
        std::fs::write(
            root.join(MODELS_DIR).join(format!("{}.json", service.name)),
            stripped_text(&stripped),
        )?;
    }
    Ok(())
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed generated code is exactly what the committed stripped models give.
    #[test]
    fn generated_code_matches_the_committed_models() {
        let root = workspace_root();
        for (path, content) in generate_all(&root).unwrap() {
            let committed = std::fs::read_to_string(root.join(&path))
                .unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert!(
                committed == content,
                "{path:?} differs from what `{COMMAND}` generates; run it and commit the result"
            );
        }
    }

    /// ECMA-262's shorthand classes are ASCII: a Lambda ARN's `\d{12}` takes no
    /// Arabic-Indic digits, `[\w-]` stays a class, an escaped backslash stays literal.
    #[test]
    fn shorthand_classes_are_ascii_as_in_ecma_262() {
        let arn = regex::Regex::new(&whole(r"\d{12}:\w+")).unwrap();
        assert!(arn.is_match("123456789012:role_1"));
        assert!(!arn.is_match("\u{661}23456789012:role"));
        assert!(!arn.is_match("123456789012:r\u{e9}le"));
        let class = regex::Regex::new(&whole(r"[\w-]+")).unwrap();
        assert!(class.is_match("a-b_9"));
        assert!(!class.is_match("a b"));
        let escaped = regex::Regex::new(&whole(r"a\\d")).unwrap();
        assert!(escaped.is_match(r"a\d"));
        let negated = regex::Regex::new(&whole(r"\D\W")).unwrap();
        assert!(negated.is_match("x-"));
        assert!(!negated.is_match("1-"));
    }

    /// The stripped models hold no documentation prose.
    #[test]
    fn stripped_models_hold_no_documentation() {
        let root = workspace_root();
        for service in services(&root).unwrap() {
            let text = std::fs::read_to_string(
                root.join(MODELS_DIR).join(format!("{}.json", service.name)),
            )
            .unwrap();
            assert!(!text.contains("\"documentation"), "{}", service.name);
            assert!(!text.contains("<p>"), "{}", service.name);
        }
    }

    #[test]
    fn names_become_rust_names() {
        assert_eq!(snake("PutParameter"), "put_parameter");
        assert_eq!(snake("ARN"), "arn");
        assert_eq!(snake("KeyId"), "key_id");
        assert_eq!(snake("Type"), "r#type");
        assert_eq!(snake("SAMLOptions"), "saml_options");
        assert_eq!(message_name("SAMLOptions"), "sAMLOptions");
        assert_eq!(message_name("Name"), "name");
    }

    /// A restJson1 input: members in the path, query string and headers are left out of
    /// the body's serde and set by `bind`; doubles keep their bounds as AWS prints them.
    #[test]
    fn rest_json_members_outside_the_body_are_bound() {
        let json: Value = serde_json::from_str(
            r#"{"metadata": {"protocol": "rest-json", "signingName": "x", "apiVersion": "1"},
            "operations": {"Op": {"name": "Op", "http": {"method": "PUT", "requestUri": "/t/{Name}"},
                "input": {"shape": "OpRequest"}}},
            "shapes": {"Str": {"type": "string"}, "Num": {"type": "integer", "min": 1},
                "W": {"type": "double", "min": 0.0, "max": 1.0},
                "OpRequest": {"type": "structure", "required": ["Name"], "members": {
                    "Name": {"shape": "Str", "location": "uri", "locationName": "Name"},
                    "Max": {"shape": "Num", "location": "querystring", "locationName": "MaxItems"},
                    "Mode": {"shape": "Str", "location": "header", "locationName": "X-Mode"},
                    "Weight": {"shape": "W"}}}}}"#,
        )
        .unwrap();
        let service = ServiceConfig {
            name: "x".to_owned(),
            botocore: "x/1".to_owned(),
            error_type: None,
            implemented: vec!["Op".to_owned()],
        };
        let order = BTreeMap::from([(
            "OpRequest".to_owned(),
            vec!["Name", "Max", "Mode", "Weight"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
        )]);
        let overrides = Overrides(serde_json::json!({}));
        let model = Model {
            service: &service,
            json: &json,
            overrides: &overrides,
            order: &order,
        };
        let code = generate_service(&model).unwrap();
        assert_eq!(code.matches("#[serde(skip)]").count(), 3, "{code}");
        assert!(code.contains("#[serde(rename = \"Weight\""), "{code}");
        assert!(code.contains("self.name = http.label(\"Name\").map(str::to_owned);"));
        assert!(code.contains("self.max = http.parsed_query(\"MaxItems\")?;"));
        assert!(code.contains("self.mode = http.header(\"X-Mode\").map(str::to_owned);"));
        // The bounds stay doubles (`f64`'s `Debug` prints them as AWS does: `1.0`, see
        // `protocol::validation`'s `double_bounds_print_as_aws_prints_them`).
        assert!(
            code.contains("static W: Range<f64> = Range { min: Some(0.0), max: Some(1.0) };"),
            "{code}"
        );
        assert!(
            code.contains("v.float(at, \"weight\", self.weight, &W);"),
            "{code}"
        );
    }

    /// Every operation of the awsQuery models (STS, IAM, CloudFormation) generates: a
    /// service may move any of them onto the generated layer by listing it.
    #[test]
    fn every_query_operation_generates() {
        let root = workspace_root();
        let overrides = Overrides::load(&root).unwrap();
        for mut service in services(&root).unwrap() {
            let path = root.join(MODELS_DIR).join(format!("{}.json", service.name));
            let json = read_json(&path).unwrap();
            if json["metadata"]["protocol"] != "query" {
                continue;
            }
            let ordered: Ordered =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut order = BTreeMap::new();
            if let Some(Ordered::Object(shapes)) = ordered.get("shapes") {
                for (name, shape) in shapes {
                    if let Some(members) = shape.get("members") {
                        order.insert(name.clone(), members.keys());
                    }
                }
            }
            service.implemented = json["operations"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            let model = Model {
                service: &service,
                json: &json,
                overrides: &overrides,
                order: &order,
            };
            let code = generate_service(&model).unwrap_or_else(|e| panic!("{}: {e}", service.name));
            assert!(code.contains("impl FromQuery for"), "{}", service.name);
        }
    }

    /// An awsQuery input reads each member through `protocol::query` (lists, maps,
    /// nested structures, numbers that may not parse); an output serialises timestamps and
    /// maps through its helpers; neither writes the wire format itself.
    #[test]
    fn query_inputs_decode_through_the_protocol_readers() {
        let json: Value = serde_json::from_str(
            r#"{"metadata": {"protocol": "query", "signingName": "x", "apiVersion": "1"},
            "operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "OpRequest"}, "output": {"shape": "OpResponse", "resultWrapper": "OpResult"}}},
            "shapes": {"Str": {"type": "string", "min": 2}, "Num": {"type": "integer", "min": 1},
                "When": {"type": "timestamp"},
                "Names": {"type": "list", "member": {"shape": "Str"}},
                "Attrs": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
                "Inner": {"type": "structure", "members": {"Key": {"shape": "Str"}}},
                "OpRequest": {"type": "structure", "required": ["Name"], "members": {
                    "Name": {"shape": "Str"}, "Max": {"shape": "Num"}, "Names": {"shape": "Names"},
                    "Attrs": {"shape": "Attrs"}, "Inner": {"shape": "Inner"}}},
                "OpResponse": {"type": "structure", "members": {"At": {"shape": "When"}, "Attrs": {"shape": "Attrs"}}}}}"#,
        )
        .unwrap();
        let service = ServiceConfig {
            name: "x".to_owned(),
            botocore: "x/1".to_owned(),
            error_type: None,
            implemented: vec!["Op".to_owned()],
        };
        let order = BTreeMap::from([
            (
                "OpRequest".to_owned(),
                ["Name", "Max", "Names", "Attrs", "Inner"]
                    .map(str::to_owned)
                    .to_vec(),
            ),
            ("Inner".to_owned(), vec!["Key".to_owned()]),
            (
                "OpResponse".to_owned(),
                ["At", "Attrs"].map(str::to_owned).to_vec(),
            ),
        ]);
        let overrides = Overrides(serde_json::json!({}));
        let model = Model {
            service: &service,
            json: &json,
            overrides: &overrides,
            order: &order,
        };
        let code = generate_service(&model).unwrap();
        assert!(code.contains("impl FromQuery for OpRequest"), "{code}");
        assert!(
            code.contains(r#"name: q.string(&crate::protocol::query::key(at, "Name")),"#),
            "{code}"
        );
        assert!(
            code.contains(r#"max: q.number::<i32>(&crate::protocol::query::key(at, "Max"))?,"#),
            "{code}"
        );
        assert!(code.contains(r#"q.list_of(&crate::protocol::query::key(at, "Names"), "member", false, |q, k| Ok(q.string(k)))?"#), "{code}");
        assert!(code.contains(r#"q.map_of(&crate::protocol::query::key(at, "Attrs"), ("key", "value"), false, |q, k| Ok(q.string(k)))?"#), "{code}");
        assert!(
            code.contains(r#"q.structure::<Inner>(&crate::protocol::query::key(at, "Inner"))?"#),
            "{code}"
        );
        assert!(
            code.contains("crate::protocol::query::serialize_timestamp"),
            "{code}"
        );
        assert!(
            code.contains("crate::protocol::query::serialize_map"),
            "{code}"
        );
        assert!(
            code.contains("pub at: Option<time::OffsetDateTime>"),
            "{code}"
        );
        assert!(!code.contains("Deserialize"), "{code}");
        assert!(!code.contains("</"), "no XML outside protocol: {code}");
    }

    #[test]
    fn stripping_removes_prose_and_keeps_constraints() {
        let model: Ordered = serde_json::from_str(
            r#"{"metadata": {"protocol": "json"}, "documentation": "top",
            "operations": {"A": {"name": "A", "documentation": "<p>x</p>", "http": {"method": "POST", "requestUri": "/"}}},
            "shapes": {"S": {"type": "string", "max": 3, "documentation": "d"},
                       "T": {"type": "structure", "members": {"M": {"shape": "S", "documentation": "m"}, "B": {"shape": "S"}}}}}"#,
        )
        .unwrap();
        let text = stripped_text(&strip(&model));
        assert!(!text.contains("documentation"));
        assert!(text.contains(r#""S": {"type":"string","max":3}"#));
        assert!(text.contains(
            r#""T": {"type":"structure","members":{"M":{"shape":"S"},"B":{"shape":"S"}}}"#
        ));
    }
}
