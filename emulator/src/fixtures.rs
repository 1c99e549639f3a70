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
#[derive(Debug, Clone, Deserialize)]
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
    #[serde(default)]
    pub root: Option<RootFixture>,
    #[serde(default)]
    pub users: Vec<UserFixture>,
    #[serde(default)]
    pub roles: Vec<RoleFixture>,
}

/// Everything loaded from all fixture files, each entry with the file it came from.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    pub strict: bool,
    pub root_keys: Vec<(PathBuf, AccessKeyFixture)>,
    pub users: Vec<(PathBuf, UserFixture)>,
    pub roles: Vec<(PathBuf, RoleFixture)>,
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

/// Parses one fixture file's text.
pub fn parse(file: &Path, text: &str) -> Result<FixtureFile, FixtureError> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
