//! Fixture files: the principals (and, later, keys, parameters and functions) the emulator
//! loads at start. YAML (or JSON) files; several files or directories compose. A broken
//! fixture stops the emulator with an error naming the file, the entry and the problem.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A fixture error: which file, which entry, what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {entry}: {problem}")]
pub struct FixtureError {
    pub file: String,
    pub entry: String,
    pub problem: String,
}

impl FixtureError {
    /// An error in `file` at `entry`.
    pub fn new(file: &Path, entry: impl Into<String>, problem: impl Into<String>) -> Self {
        FixtureError {
            file: file.display().to_string(),
            entry: entry.into(),
            problem: problem.into(),
        }
    }
}

/// An access key pair in a fixture.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyFixture {
    /// The access key id (`AKIA...` by convention; any 16–128 word characters).
    pub id: String,
    /// The secret access key.
    pub secret: String,
}

/// An inline policy: a name and a document (a YAML/JSON mapping, or JSON text).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFixture {
    pub name: String,
    pub document: serde_json::Value,
}

/// The account root's credentials.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootFixture {
    #[serde(default)]
    pub access_keys: Vec<AccessKeyFixture>,
}

/// An IAM user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFixture {
    pub name: String,
    /// The IAM path (`/` by default).
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub access_keys: Vec<AccessKeyFixture>,
    /// Inline policies.
    #[serde(default)]
    pub policies: Vec<PolicyFixture>,
    /// ARNs of attached managed policies.
    #[serde(default)]
    pub managed_policies: Vec<String>,
    /// The user's tags: the `aws:PrincipalTag/KEY` condition keys of its requests.
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
    /// The user's permissions boundary: a managed policy ARN, or a policy document.
    #[serde(default)]
    pub permissions_boundary: Option<serde_json::Value>,
}

/// An IAM group: its policies apply to each of its members (IAM has no group tags and no
/// group boundary).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFixture {
    pub name: String,
    /// The IAM path (`/` by default).
    #[serde(default)]
    pub path: Option<String>,
    /// Inline policies.
    #[serde(default)]
    pub policies: Vec<PolicyFixture>,
    /// ARNs of attached managed policies.
    #[serde(default)]
    pub managed_policies: Vec<String>,
    /// The names of its member users (declared in `users`, in any file).
    #[serde(default)]
    pub members: Vec<String>,
}

/// Fixed temporary credentials of a role session (an emulator extension, so that tests
/// can act as a role that only a service may assume). They never expire.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionFixture {
    /// The role's name.
    pub role: String,
    /// The session name (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME`).
    pub name: String,
    pub access_key_id: String,
    pub secret: String,
    pub session_token: String,
}

/// An IAM role.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleFixture {
    pub name: String,
    #[serde(default)]
    pub path: Option<String>,
    /// Who may assume the role (`AssumeRolePolicyDocument`).
    pub trust_policy: serde_json::Value,
    #[serde(default)]
    pub policies: Vec<PolicyFixture>,
    #[serde(default)]
    pub managed_policies: Vec<String>,
    /// The longest session, in seconds (3600 by default, at most 43200).
    #[serde(default)]
    pub max_session_duration: Option<u32>,
    /// The role's tags: the `aws:PrincipalTag/KEY` condition keys of its sessions.
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
    /// The role's permissions boundary: a managed policy ARN, or a policy document.
    #[serde(default)]
    pub permissions_boundary: Option<serde_json::Value>,
}

/// A KMS key (symmetric).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFixture {
    /// The key id (a UUID); generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The region of the key (the emulator's `--region` when absent).
    #[serde(default)]
    pub region: Option<String>,
    /// Aliases (`alias/NAME`).
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The key policy (a mapping, or JSON text); the default key policy when absent.
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
    /// `false` creates the key disabled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Fixed key material, 32 bytes in base64, so that ciphertexts made with it (and
    /// committed to a repository) stay decryptable across restarts. Random when absent.
    /// For an HMAC key, its secret: as many bytes as the spec's bits / 8.
    #[serde(default)]
    pub key_material: Option<String>,
    /// `SYMMETRIC_DEFAULT` (default), `HMAC_224` / `HMAC_256` / `HMAC_384` / `HMAC_512`,
    /// or an asymmetric spec (`RSA_*`, `ECC_*`).
    #[serde(default)]
    pub key_spec: Option<String>,
    /// The key's usage, when its spec allows more than one (RSA: `SIGN_VERIFY` or
    /// `ENCRYPT_DECRYPT`; NIST curves: `SIGN_VERIFY` or `KEY_AGREEMENT`); the spec's
    /// default (`ENCRYPT_DECRYPT` for RSA, `SIGN_VERIFY` for ECC) when absent.
    #[serde(default)]
    pub key_usage: Option<String>,
    /// An asymmetric key's private key in PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`),
    /// so that its signatures and public key stay the same across restarts. A new key
    /// pair at every load when absent.
    #[serde(default)]
    pub private_key: Option<String>,
}

/// A parameter (its current version).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterFixture {
    pub name: String,
    /// `String` (default), `StringList` or `SecureString`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The value in plain text; a SecureString is encrypted at load under its key.
    pub value: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The key of a SecureString (`alias/aws/ssm` when absent).
    #[serde(default)]
    pub key_id: Option<String>,
    /// `Standard` (default), `Advanced` or `Intelligent-Tiering`.
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default)]
    pub allowed_pattern: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

/// Where a fixture function's code comes from: exactly one of `zip`, `path` or
/// `cargo_package`. Relative paths are relative to the fixture file's directory.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionCodeFixture {
    /// A deployment package (a zip holding an executable `bootstrap` at its root).
    #[serde(default)]
    pub zip: Option<PathBuf>,
    /// A local executable (or a directory holding `bootstrap`), run in place.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// A cargo package, built with `cargo build -p NAME` on the first invocation.
    #[serde(default)]
    pub cargo_package: Option<String>,
    /// The package's binary target, when it has several.
    #[serde(default)]
    pub bin: Option<String>,
    /// Where cargo runs (the fixture file's directory by default).
    #[serde(default)]
    pub directory: Option<PathBuf>,
    /// Build with `--release` (the dev profile otherwise, as `cargo lambda watch`).
    #[serde(default)]
    pub release: bool,
}

/// A Lambda function.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionFixture {
    pub name: String,
    /// The execution role: a role name, or its ARN.
    pub role: String,
    /// `provided.al2023` by default.
    #[serde(default)]
    pub runtime: Option<String>,
    pub code: FunctionCodeFixture,
    /// `bootstrap` by default.
    #[serde(default)]
    pub handler: Option<String>,
    /// The function's environment variables.
    #[serde(default)]
    pub environment: std::collections::BTreeMap<String, String>,
    /// Seconds, 1-900 (3 by default).
    #[serde(default)]
    pub timeout: Option<i64>,
    /// MB, 128-10240 (128 by default).
    #[serde(default)]
    pub memory_size: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    /// The function's region (the emulator's `--region` when absent).
    #[serde(default)]
    pub region: Option<String>,
    /// `TracingConfig.Mode`: `Active` or `PassThrough` (the default).
    #[serde(default)]
    pub tracing: Option<String>,
}

/// One fixture file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    /// The account the file describes; must match the emulator's account when given.
    #[serde(default)]
    pub account: Option<String>,
    /// Refuse access keys the emulator does not know (`UnrecognizedClientException`).
    #[serde(default)]
    pub strict: Option<bool>,
    /// Principals (user or role ARNs) whose refusals are recorded and logged as "would
    /// deny" but not enforced (soft enforcement, for adopting the emulator gradually).
    #[serde(default)]
    pub soft_enforcement_principals: Vec<String>,
    #[serde(default)]
    pub root: Option<RootFixture>,
    #[serde(default)]
    pub users: Vec<UserFixture>,
    #[serde(default)]
    pub roles: Vec<RoleFixture>,
    #[serde(default)]
    pub groups: Vec<GroupFixture>,
    /// Fixed session credentials of roles, for tests.
    #[serde(default)]
    pub role_sessions: Vec<SessionFixture>,
    #[serde(default)]
    pub keys: Vec<KeyFixture>,
    #[serde(default)]
    pub parameters: Vec<ParameterFixture>,
    #[serde(default)]
    pub functions: Vec<FunctionFixture>,
    /// The service control policies in effect for the account (all of them: AWS's
    /// default `FullAWSAccess` is not added).
    #[serde(default)]
    pub service_control_policies: Vec<PolicyFixture>,
}

/// Everything loaded from all fixture files, each entry with the file it came from.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    pub strict: bool,
    /// Principals under soft enforcement, from every file.
    pub soft_enforcement_principals: Vec<String>,
    pub root_keys: Vec<(PathBuf, AccessKeyFixture)>,
    pub users: Vec<(PathBuf, UserFixture)>,
    pub roles: Vec<(PathBuf, RoleFixture)>,
    pub groups: Vec<(PathBuf, GroupFixture)>,
    pub role_sessions: Vec<(PathBuf, SessionFixture)>,
    pub keys: Vec<(PathBuf, KeyFixture)>,
    pub parameters: Vec<(PathBuf, ParameterFixture)>,
    pub functions: Vec<(PathBuf, FunctionFixture)>,
    pub service_control_policies: Vec<(PathBuf, PolicyFixture)>,
}

fn is_fixture_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// The files named by `paths`: files as given, directories' fixture files in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FixtureError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| FixtureError::new(path, "(file)", format!("cannot read: {e}")))?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| FixtureError::new(path, "(directory)", format!("cannot list: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_fixture_file(p))
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// One parameter of a replayed `aws ssm get-parameters-by-path` answer.
#[derive(Deserialize)]
struct ReplayedParameter {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(rename = "Value")]
    value: String,
    #[serde(rename = "DataType")]
    data_type: Option<String>,
}

/// The JSON that `aws ssm get-parameters-by-path --path / --recursive
/// --with-decryption` prints (other members, such as `NextToken`, are ignored).
#[derive(Debug, Deserialize)]
struct Replay {
    #[serde(rename = "Parameters")]
    parameters: Vec<ReplayedParameter>,
}

// The fixtures' secrets (secret access keys, session tokens, key material, parameter
// values, which may be SecureString plaintexts) never appear in debug output: these
// types are printed in the fields they share with error values and logs.
impl std::fmt::Debug for AccessKeyFixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyFixture")
            .field("id", &self.id)
            .field("secret", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for SessionFixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionFixture")
            .field("role", &self.role)
            .field("name", &self.name)
            .field("access_key_id", &self.access_key_id)
            .field("secret", &REDACTED)
            .field("session_token", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for KeyFixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFixture")
            .field("id", &self.id)
            .field("region", &self.region)
            .field("aliases", &self.aliases)
            .field("enabled", &self.enabled)
            .field(
                "key_material",
                &self.key_material.as_ref().map(|_| REDACTED),
            )
            .field("key_usage", &self.key_usage)
            .field("private_key", &self.private_key.as_ref().map(|_| REDACTED))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ParameterFixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParameterFixture")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("value", &REDACTED)
            .field("key_id", &self.key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ReplayedParameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayedParameter")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("value", &REDACTED)
            .finish_non_exhaustive()
    }
}

/// What debug output shows in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// Whether a text is a replayed `get-parameters-by-path` answer rather than a fixture.
fn is_replay(text: &str) -> bool {
    // The fixture format's keys are lower-case; the CLI's answer has "Parameters".
    text.trim_start().starts_with('{') && text.contains("\"Parameters\"")
}

/// Parses one fixture file's text: the YAML (or JSON) fixture format, or the JSON of
/// `aws ssm get-parameters-by-path --with-decryption`, whose parameters become fixture
/// parameters (SecureStrings under `alias/aws/ssm`, in plain text until loaded).
pub fn parse(file: &Path, text: &str) -> Result<FixtureFile, FixtureError> {
    if is_replay(text) {
        let replay: Replay = serde_json::from_str(text).map_err(|e| {
            FixtureError::new(
                file,
                format!("line {}, column {}", e.line(), e.column()),
                e.to_string(),
            )
        })?;
        return Ok(FixtureFile {
            parameters: replay
                .parameters
                .into_iter()
                .map(|p| ParameterFixture {
                    name: p.name,
                    kind: p.kind,
                    value: p.value,
                    description: None,
                    key_id: None,
                    tier: None,
                    data_type: p.data_type,
                    allowed_pattern: None,
                    region: None,
                })
                .collect(),
            ..FixtureFile::default()
        });
    }
    serde_yaml_ng::from_str::<FixtureFile>(text).map_err(|e| {
        let entry = e
            .location()
            .map(|l| format!("line {}, column {}", l.line(), l.column()))
            .unwrap_or_else(|| "(document)".to_owned());
        FixtureError::new(file, entry, e.to_string())
    })
}

/// Loads and merges the fixture files and directories in `paths`, checking the account.
pub fn load(paths: &[PathBuf], account: &str) -> Result<Fixtures, FixtureError> {
    let mut fixtures = Fixtures::default();
    for file in expand(paths)? {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| FixtureError::new(&file, "(file)", format!("cannot read: {e}")))?;
        let parsed = parse(&file, &text)?;
        merge(&mut fixtures, &file, parsed, account)?;
    }
    Ok(fixtures)
}

/// Adds one parsed file to the set.
pub fn merge(
    fixtures: &mut Fixtures,
    file: &Path,
    parsed: FixtureFile,
    account: &str,
) -> Result<(), FixtureError> {
    if let Some(declared) = &parsed.account {
        if declared != account {
            return Err(FixtureError::new(
                file,
                "account",
                format!("the file describes account {declared} but the emulator serves account {account} (use --account {declared})"),
            ));
        }
    }
    fixtures.strict |= parsed.strict.unwrap_or(false);
    fixtures
        .soft_enforcement_principals
        .extend(parsed.soft_enforcement_principals);
    if let Some(root) = parsed.root {
        fixtures
            .root_keys
            .extend(root.access_keys.into_iter().map(|k| (file.to_owned(), k)));
    }
    fixtures
        .users
        .extend(parsed.users.into_iter().map(|u| (file.to_owned(), u)));
    fixtures
        .roles
        .extend(parsed.roles.into_iter().map(|r| (file.to_owned(), r)));
    fixtures
        .groups
        .extend(parsed.groups.into_iter().map(|g| (file.to_owned(), g)));
    fixtures.role_sessions.extend(
        parsed
            .role_sessions
            .into_iter()
            .map(|r| (file.to_owned(), r)),
    );
    fixtures
        .keys
        .extend(parsed.keys.into_iter().map(|k| (file.to_owned(), k)));
    fixtures
        .parameters
        .extend(parsed.parameters.into_iter().map(|p| (file.to_owned(), p)));
    fixtures
        .functions
        .extend(parsed.functions.into_iter().map(|f| (file.to_owned(), f)));
    fixtures.service_control_policies.extend(
        parsed
            .service_control_policies
            .into_iter()
            .map(|p| (file.to_owned(), p)),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default world is the reference scenario's directory as `cargo run` loads it:
    /// every file directly in it must be a fixture (templates live in `template/`, which
    /// a directory load does not enter).
    #[test]
    fn the_reference_scenarios_directory_loads_as_the_default_world() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/parameter-store-blog");
        let fixtures = load(&[dir], "123456789012").expect("the default world loads");
        assert!(fixtures.users.iter().any(|(_, u)| u.name == "keyadmin"));
        assert!(!fixtures.functions.is_empty());
    }

    #[test]
    fn debug_output_never_shows_a_fixture_secret() {
        let text = r#"
users:
  - name: u
    access_keys: [{ id: AKIADEBUGTEST0000001, secret: user-secret-value }]
role_sessions:
  - { role: r, name: s, access_key_id: ASIADEBUGTEST0000001, secret: session-secret-value, session_token: session-token-value }
keys:
  - key_material: a2V5LW1hdGVyaWFsLXZhbHVlLWtleS1tYXRlcmlhbC0=
parameters:
  - { name: /p, type: SecureString, value: plaintext-value }
"#;
        let parsed = parse(Path::new("debug.yaml"), text).unwrap();
        let shown = format!("{parsed:?}");
        for secret in [
            "user-secret-value",
            "session-secret-value",
            "session-token-value",
            "a2V5LW1hdGVyaWFsLXZhbHVlLWtleS1tYXRlcmlhbC0=",
            "plaintext-value",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("AKIADEBUGTEST0000001"), "{shown}");
        let key = crate::iam::principals::AccessKey {
            id: "ASIAX".to_owned(),
            secret: "issued-secret".to_owned(),
            owner: crate::iam::principals::KeyOwner::Root,
            session_token: Some("issued-token".to_owned()),
            expires: None,
            session_policies: Vec::new(),
            session_tags: Default::default(),
        };
        let shown = format!("{key:?}");
        assert!(
            !shown.contains("issued-secret") && !shown.contains("issued-token"),
            "{shown}"
        );
    }

    #[test]
    fn parses_users_roles_and_policies() {
        let text = r#"
account: "123456789012"
strict: true
users:
  - name: alice
    access_keys: [{ id: AKIAALICE0000000001, secret: alice-secret }]
    policies:
      - name: read-dev
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ssm:GetParameter*
              Resource: arn:aws:ssm:*:*:parameter/dev/*
roles:
  - name: app
    trust_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }] }
    managed_policies: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
"#;
        let parsed = parse(Path::new("t.yaml"), text).unwrap();
        assert_eq!(parsed.strict, Some(true));
        assert_eq!(parsed.users[0].access_keys[0].id, "AKIAALICE0000000001");
        assert_eq!(
            parsed.users[0].policies[0].document["Statement"][0]["Effect"],
            "Allow"
        );
        assert_eq!(parsed.roles[0].name, "app");
    }

    #[test]
    fn replays_the_cli_json_of_a_parameter_tree() {
        let text = r#"{
    "Parameters": [
        {"Name": "/dev/a", "Type": "String", "Value": "1", "Version": 3,
         "LastModifiedDate": "2024-01-01T00:00:00.000000+00:00",
         "ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/dev/a", "DataType": "text"},
        {"Name": "/dev/s", "Type": "SecureString", "Value": "plain", "Version": 1,
         "ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/dev/s", "DataType": "text"}
    ],
    "NextToken": "abc"
}"#;
        let parsed = parse(Path::new("tree.json"), text).unwrap();
        assert_eq!(parsed.parameters.len(), 2);
        assert_eq!(parsed.parameters[1].kind.as_deref(), Some("SecureString"));
        assert_eq!(parsed.parameters[1].value, "plain");
        let err = parse(Path::new("bad.json"), r#"{"Parameters": [{"Name": 1}]}"#).unwrap_err();
        assert!(err.to_string().starts_with("bad.json: line 1"), "{err}");
    }

    #[test]
    fn errors_name_the_file_and_place() {
        let err = parse(Path::new("bad.yaml"), "users:\n  - nme: x\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("bad.yaml: line 2"), "{text}");
        assert!(text.contains("nme"), "{text}");
        let mut fixtures = Fixtures::default();
        let other = FixtureFile {
            account: Some("999999999999".into()),
            ..FixtureFile::default()
        };
        let err = merge(&mut fixtures, Path::new("x.yaml"), other, "123456789012").unwrap_err();
        assert!(err.to_string().contains("999999999999"));
    }
}
