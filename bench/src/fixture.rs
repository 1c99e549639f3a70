//! The bench's world: fixture files it writes to a temporary directory (principals, a key
//! with a key policy, the parameters it reads, and for the Lambda measurements a role and
//! the echo function) and the same world created through the API for servers that take
//! no fixtures (moto).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The account of every principal.
pub const ACCOUNT: &str = "123456789012";
/// The user allowed `ssm:*` and `kms:*` on everything (and `lambda:*` in the Lambda
/// measurements' world).
pub const USER_KEY_ID: &str = "AKIABENCHUSER0000001";
pub const USER_SECRET: &str = "bench-user-secret-access-key";
/// The user with no permission at all (the AccessDeniedException path).
pub const DENIED_KEY_ID: &str = "AKIABENCHDENIED00001";
pub const DENIED_SECRET: &str = "bench-denied-secret-access-key";
/// The key (its policy names the bench user) SecureStrings and KMS calls use.
pub const KEY_ID: &str = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b";
pub const KEY_ALIAS: &str = "alias/bench";

/// The String parameter GetParameter reads.
pub const STRING_PARAMETER: &str = "/bench/string";
/// The SecureString parameter GetParameter decrypts.
pub const SECURE_PARAMETER: &str = "/bench/secure";
/// The path holding exactly ten parameters (direct children).
pub const PATH10: &str = "/bench/path10";
/// The value of the String parameter (a typical small configuration value).
pub const STRING_VALUE: &str = r#"{"host":"db.internal","port":5432,"pool":16}"#;
pub const SECURE_VALUE: &str = "correct-horse-battery-staple";

/// The Lambda function of the Lambda measurements (the `bench-fn` binary) and its role.
pub const FUNCTION: &str = "bench-fn";
pub const FUNCTION_ROLE: &str = "bench-fn-role";
/// The same echo function for the managed runtimes, each in a directory of source the
/// bench writes (run by the machine's interpreter and AWS's runtime interface client).
pub const FUNCTION_PYTHON: &str = "bench-fn-python";
pub const FUNCTION_NODE: &str = "bench-fn-node";
/// The Python echo handler (`app.handler`).
const PYTHON_ECHO: &str = "def handler(event, context):\n    return event\n";
/// The Node.js echo handler (`index.handler`).
const NODE_ECHO: &str = "exports.handler = async (event) => event;\n";
/// The function's timeout in the fixture (the cold-start runs change it).
pub const FUNCTION_TIMEOUT: u32 = 10;

/// The principals and the key, as YAML; with `lambda`, the user may also call `lambda:*`
/// and read invocation records (`emulator:ReadInvocations`: a signed request to the admin
/// endpoints is decided by the caller's policies, as any other).
pub fn principals_yaml(lambda: bool) -> String {
    let actions = if lambda {
        r#"["ssm:*", "kms:*", "lambda:*", "emulator:ReadInvocations"]"#
    } else {
        r#"["ssm:*", "kms:*"]"#
    };
    format!(
        r#"# Written by the bench: its principals and its key.
account: "{ACCOUNT}"
users:
  - name: bench
    access_keys:
      - {{ id: {USER_KEY_ID}, secret: {USER_SECRET} }}
    policies:
      - name: BenchEverything
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: {actions}
              Resource: "*"
  - name: bench-denied
    access_keys:
      - {{ id: {DENIED_KEY_ID}, secret: {DENIED_SECRET} }}
keys:
  - id: {KEY_ID}
    aliases: [{KEY_ALIAS}]
    description: The bench key; its policy names the bench user
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: BenchUserUsesTheKey
          Effect: Allow
          Principal: {{ AWS: "arn:aws:iam::{ACCOUNT}:user/bench" }}
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"]
          Resource: "*"
"#
    )
}

/// The parameters every measurement reads, as YAML.
pub fn base_parameters_yaml() -> String {
    let mut out = String::from("parameters:\n");
    let _ = writeln!(
        out,
        "  - {{ name: {STRING_PARAMETER}, type: String, value: '{STRING_VALUE}' }}"
    );
    let _ = writeln!(
        out,
        "  - {{ name: {SECURE_PARAMETER}, type: SecureString, key_id: {KEY_ALIAS}, value: {SECURE_VALUE} }}"
    );
    for i in 0..10 {
        let _ = writeln!(
            out,
            "  - {{ name: {PATH10}/p{i}, type: String, value: value-{i} }}"
        );
    }
    out
}

/// Writes `count` more parameters as a YAML fixture (every tenth a SecureString under the
/// bench key), spread over 100-parameter paths under `/load`.
pub fn write_load_yaml(path: &Path, count: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "parameters:")?;
    for i in 0..count {
        let (group, item) = (i / 100, i % 100);
        if i % 10 == 0 {
            writeln!(
                out,
                "  - {{ name: /load/g{group}/p{item}, type: SecureString, key_id: {KEY_ALIAS}, value: secret-{i} }}"
            )?;
        } else {
            writeln!(
                out,
                "  - {{ name: /load/g{group}/p{item}, type: String, value: value-{i} }}"
            )?;
        }
    }
    out.flush()
}

/// Writes `count` filler parameters in the replay JSON format (what `aws ssm
/// get-parameters-by-path --recursive` prints): 99% under `/fill`, and 1% in ten
/// subtrees of the ten-result path, so that a direct-children query there has subtrees to
/// skip.
pub fn write_filler_json(path: &Path, count: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(out, "{{\"Parameters\": [")?;
    for i in 0..count {
        if i > 0 {
            write!(out, ",")?;
        }
        let name = if i % 100 == 0 {
            format!("{PATH10}/sub{}/f{}", (i / 100) % 10, i)
        } else {
            format!("/fill/g{}/p{}", i / 1000, i % 1000)
        };
        write!(
            out,
            "\n{{\"Name\": \"{name}\", \"Type\": \"String\", \"Value\": \"filler-{i}\", \"DataType\": \"text\"}}"
        )?;
    }
    writeln!(out, "\n]}}")?;
    out.flush()
}

/// A temporary directory, removed when dropped.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new() -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("emulator-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir { path })
    }

    /// A fresh subdirectory (one fixture set).
    pub fn subdir(&self, name: &str) -> std::io::Result<PathBuf> {
        let path = self.path.join(name);
        std::fs::create_dir_all(&path)?;
        Ok(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The echo function's role (trusting `lambda.amazonaws.com`) and the functions: the
/// executable at `function_path` (absolute) on `provided.al2023`, and the Python and
/// Node.js echo handlers in `python/` and `node/` under `dir`, as YAML.
pub fn lambda_yaml(function_path: &Path, dir: &Path) -> String {
    // A JSON string is a YAML double-quoted scalar: any path is quoted safely.
    let quoted = |path: &Path| serde_json::Value::from(path.display().to_string());
    let path = quoted(function_path);
    let python = quoted(&dir.join("python"));
    let node = quoted(&dir.join("node"));
    format!(
        r#"# Written by the bench: the trivial function of the Lambda measurements.
account: "{ACCOUNT}"
roles:
  - name: {FUNCTION_ROLE}
    trust_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {{ Service: [lambda.amazonaws.com] }}
          Action: sts:AssumeRole
functions:
  - name: {FUNCTION}
    role: {FUNCTION_ROLE}
    runtime: provided.al2023
    timeout: {FUNCTION_TIMEOUT}
    code:
      path: {path}
  - name: {FUNCTION_PYTHON}
    role: {FUNCTION_ROLE}
    runtime: python3.12
    handler: app.handler
    timeout: {FUNCTION_TIMEOUT}
    code:
      path: {python}
  - name: {FUNCTION_NODE}
    role: {FUNCTION_ROLE}
    runtime: nodejs22.x
    handler: index.handler
    timeout: {FUNCTION_TIMEOUT}
    code:
      path: {node}
"#
    )
}

/// Writes the base world (principals, key, the parameters the operations read) to `dir`.
pub fn write_base(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join("00-principals.yaml"), principals_yaml(false))?;
    std::fs::write(dir.join("01-parameters.yaml"), base_parameters_yaml())
}

/// Writes the Lambda measurements' world to `dir`: the base world, `lambda:*` for the
/// user, and the echo function at `function_path`.
pub fn write_lambda(dir: &Path, function_path: &Path) -> std::io::Result<()> {
    write_base(dir)?;
    std::fs::write(dir.join("00-principals.yaml"), principals_yaml(true))?;
    std::fs::create_dir_all(dir.join("python"))?;
    std::fs::write(dir.join("python/app.py"), PYTHON_ECHO)?;
    std::fs::create_dir_all(dir.join("node"))?;
    std::fs::write(dir.join("node/index.js"), NODE_ECHO)?;
    std::fs::write(dir.join("02-lambda.yaml"), lambda_yaml(function_path, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_json_is_valid_and_counted() {
        let dir = TempDir::new().unwrap();
        let file = dir.path.join("f.json");
        write_filler_json(&file, 250).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let parameters = value["Parameters"].as_array().unwrap();
        assert_eq!(parameters.len(), 250);
        assert_eq!(parameters[100]["Name"], "/bench/path10/sub1/f100");
    }

    #[test]
    fn generated_yaml_has_one_line_per_parameter() {
        let dir = TempDir::new().unwrap();
        let file = dir.path.join("p.yaml");
        write_load_yaml(&file, 25).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 26);
        assert_eq!(text.matches("SecureString").count(), 3);
        assert!(base_parameters_yaml().contains("/bench/path10/p9"));
        assert!(principals_yaml(false).contains(USER_KEY_ID));
        assert!(!principals_yaml(false).contains("lambda:*"));
        assert!(principals_yaml(true)
            .contains(r#"["ssm:*", "kms:*", "lambda:*", "emulator:ReadInvocations"]"#));
    }

    #[test]
    fn the_function_fixture_quotes_its_path() {
        let text = lambda_yaml(Path::new("/tmp/a dir/bench-fn"), Path::new("/tmp/w"));
        assert!(text.contains(r#"path: "/tmp/a dir/bench-fn""#));
        assert!(text.contains(r#"path: "/tmp/w/python""#));
        assert!(text.contains("runtime: nodejs22.x"));
        assert!(text.contains("  - name: bench-fn\n"));
        assert!(text.contains("lambda.amazonaws.com"));
    }
}
