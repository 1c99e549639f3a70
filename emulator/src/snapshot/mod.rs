//! Snapshots: the whole regional state (every parameter version with its labels, tags,
//! policies and tier; every KMS key with all its material versions, state, deletion
//! schedule, policy, tags, grants, rotation history, multi-Region role and imported
//! material's record (origin, expiry, fingerprint); aliases) written as one
//! versioned JSON document, and restored exactly into this or another emulator, so that
//! ciphertexts made before the snapshot decrypt after it is restored.
//!
//! The document is `{"format": "emulator-snapshot", "version": 1, "account", "created",
//! "checksum", "state"}`; `checksum` is the SHA-256 of `state` as serialised, so a file
//! damaged anywhere (a flipped byte of key material included) is refused rather than
//! restored wrong. It holds key material in the clear (base64): it is a secret, treated
//! as an export with SecureString values.
//!
//! Version 2 adds each region's Lambda functions (configuration, code, published
//! versions, aliases; a zip package's bytes in base64); a version 1 document, without
//! them, restores the fixtures' functions, as a reset does.
//!
//! Version 3 adds the IAM directory (users, roles, access keys with their secrets,
//! groups, managed policies with their versions, instance profiles: the state
//! directory's `iam` record, `iam`) and each region's CloudFormation
//! stacks (`cfn`). A version 1 or 2 document leaves the IAM directory
//! as it is and restores no stacks.
//!
//! Version 4 adds each region's CloudFormation change sets (`change_sets`, beside the
//! stacks); an older document restores none. Not kept: role sessions, recorded
//! decisions, invocation records, running execution environments.
//!
//! The record types and their conversions are shared with the state directory
//! (`durable`), which keeps the same shapes sealed in its store: `durable` builds on this
//! module, never the reverse.

pub(crate) mod cfn;
pub(crate) mod iam;

use crate::kms::crypto::KeyMaterial;
use crate::kms::specs::{KeySpec, KeyUsage, MacKey, SignKey};
use crate::kms::store::{Alias, Grant, GrantConstraints, Key, KeyManager, KeyState};
use crate::lambda::code::{CodePackage, CodeSource, CodeSpec};
use crate::lambda::config::FunctionConfig;
use crate::lambda::store::{Alias as FunctionAlias, Function, FunctionVersion, Published};
use crate::ssm::store::{AllowedPattern, Parameter, ParameterType, ParameterVersion, Tier};
use crate::state::{EmulatorState, RegionState, Regions};
use crate::time::Timestamp;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

/// The `format` member of every snapshot.
pub const FORMAT: &str = "emulator-snapshot";
/// The newest snapshot version this emulator writes and reads.
pub const VERSION: u64 = 4;

/// Why a snapshot cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a snapshot of this emulator at all.
    #[error("not an emulator snapshot: {0}")]
    Foreign(String),
    /// A snapshot written by a newer emulator.
    #[error("the snapshot has format version {found}; this emulator reads version {VERSION} and older: restore it with a newer emulator")]
    Newer { found: u64 },
    /// A snapshot of another account (every ARN in it names that account).
    #[error("the snapshot is of account {found}; this emulator runs account {expected} (start it with --account {found})")]
    OtherAccount { found: String, expected: String },
    /// Damaged or inconsistent content.
    #[error("the snapshot is corrupt: {0}")]
    Corrupt(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: u64,
    account: String,
    /// Epoch milliseconds.
    created: i64,
    /// Hex SHA-256 of `state` serialised as JSON.
    checksum: String,
    state: WorldState,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorldState {
    pub(crate) regions: BTreeMap<String, RegionSnap>,
    /// `None` (versions 1 and 2): the IAM directory is left as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) iam: Option<iam::IamRecord>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegionSnap {
    pub(crate) parameters: Vec<ParameterSnap>,
    pub(crate) keys: Vec<KeySnap>,
    pub(crate) aliases: Vec<AliasSnap>,
    /// `None` (version 1): the fixtures' functions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) functions: Option<Vec<FunctionSnap>>,
    /// CloudFormation stacks, oldest first (deleted ones too, as DescribeStacks by id
    /// finds them); `None` (versions 1 and 2): none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) stacks: Option<Vec<cfn::StackSnap>>,
    /// CloudFormation change sets, oldest first; `None` (versions 1 to 3): none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) change_sets: Option<Vec<cfn::ChangeSetSnap>>,
}

/// A Lambda function: `$LATEST`, its published versions and its aliases.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FunctionSnap {
    config: FunctionConfig,
    code: CodeSnap,
    versions: Vec<PublishedSnap>,
    /// The last version number used (never used again, even after a deletion).
    last_version: u64,
    aliases: Vec<FunctionAliasSnap>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishedSnap {
    number: u64,
    config: FunctionConfig,
    code: CodeSnap,
    from_revision: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FunctionAliasSnap {
    name: String,
    function_version: String,
    description: String,
    weights: BTreeMap<String, f64>,
    revision_id: String,
}

/// Where a function's code comes from.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub(crate) enum CodeSnap {
    /// A zip package: its bytes (base64) in a snapshot; in a state directory, in a
    /// record of their own named by `sha256` (shared by the versions that use them).
    Zip { sha256: String, zip: Option<String> },
    /// A local executable or directory, run in place.
    Path { path: std::path::PathBuf },
    /// A cargo package, built again at load.
    Cargo {
        package: String,
        bin: Option<String>,
        directory: std::path::PathBuf,
        release: bool,
    },
}

/// A region's KMS state (its keys and aliases): one record of a state directory.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct KmsSnap {
    pub(crate) keys: Vec<KeySnap>,
    pub(crate) aliases: Vec<AliasSnap>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParameterSnap {
    key: String,
    name: String,
    tags: BTreeMap<String, String>,
    versions: Vec<VersionSnap>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionSnap {
    version: u64,
    /// Plain text for String and StringList, the ciphertext for SecureString.
    value: String,
    #[serde(rename = "type")]
    kind: String,
    key_id: Option<String>,
    description: Option<String>,
    allowed_pattern: Option<String>,
    data_type: String,
    tier: String,
    policies: Vec<String>,
    labels: Vec<String>,
    last_modified: i64,
    last_modified_user: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeySnap {
    id: String,
    arn: String,
    account: String,
    description: String,
    policy: String,
    /// `Enabled`, `Disabled` or `PendingDeletion`.
    state: String,
    deletion_date: Option<i64>,
    window_days: Option<u32>,
    creation_date: i64,
    aws_managed: bool,
    spec: String,
    /// `KeyUsage`; absent in snapshots taken before keys had a usage of their own (the
    /// spec's default then).
    #[serde(default)]
    usage: Option<String>,
    /// Symmetric material versions, oldest first (base64).
    materials: Vec<String>,
    /// An HMAC key's secret (base64).
    mac_key: Option<String>,
    /// An asymmetric private key (base64): the scalar for ECC, PKCS #8 DER for RSA, the
    /// 32-byte seed for ML-DSA.
    private_key: Option<String>,
    rotation_enabled: bool,
    rotation_period_days: u32,
    rotations: Vec<i64>,
    tags: BTreeMap<String, String>,
    grants: Vec<GrantSnap>,
    /// `PRIMARY` or `REPLICA` for a multi-Region key (absent in older snapshots).
    #[serde(default)]
    multi_region: Option<String>,
    /// Imported key material's record (`Origin: EXTERNAL`); absent for KMS's own.
    #[serde(default)]
    imported: Option<ImportedSnap>,
}

/// What an `EXTERNAL` key knows of its material (the import parameters of an import
/// under way are not kept: GetParametersForImport again after a restore).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportedSnap {
    present: bool,
    valid_to: Option<i64>,
    /// Hex SHA-256 of the material first imported.
    fingerprint: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantSnap {
    id: String,
    token: String,
    name: Option<String>,
    grantee: String,
    retiring: Option<String>,
    operations: Vec<String>,
    subset: Option<BTreeMap<String, String>>,
    equals: Option<BTreeMap<String, String>>,
    has_constraints: bool,
    creation_date: i64,
    issuing_account: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AliasSnap {
    name: String,
    target: String,
    creation_date: i64,
    last_updated: i64,
}

/// The whole regional state as a snapshot document (JSON bytes). Each region's stores
/// are read under their own locks, one after the other.
pub fn take(state: &EmulatorState) -> Vec<u8> {
    let mut world = WorldState::default();
    for (name, region) in state.regions.all_named() {
        let kms = kms_snap(&region);
        let snap = RegionSnap {
            parameters: region
                .ssm
                .all()
                .into_iter()
                .map(|(key, p)| parameter_snap(key, p))
                .collect(),
            keys: kms.keys,
            aliases: kms.aliases,
            functions: Some(
                region
                    .lambda
                    .all()
                    .iter()
                    .map(|f| function_snap(f, true))
                    .collect(),
            ),
            stacks: Some(stacks_snap(&region)),
            change_sets: Some(change_sets_snap(&region)),
        };
        world.regions.insert(name, snap);
    }
    world.iam = Some(iam::record(&state.iam.directory()));
    let checksum = checksum_of(&world);
    let document = Document {
        format: FORMAT.to_owned(),
        version: VERSION,
        account: state.config.account.clone(),
        created: Timestamp::now().0,
        checksum,
        state: world,
    };
    // Serialising plain data (strings, numbers, maps with string keys) cannot fail.
    serde_json::to_vec(&document).unwrap_or_default()
}

fn checksum_of(world: &WorldState) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(
        serde_json::to_vec(world).unwrap_or_default(),
    ))
}

/// A region's change sets.
pub(crate) fn change_sets_snap(region: &RegionState) -> Vec<cfn::ChangeSetSnap> {
    region
        .cfn
        .all_change_sets()
        .iter()
        .map(cfn::set_record)
        .collect()
}

/// A region's stacks.
pub(crate) fn stacks_snap(region: &RegionState) -> Vec<cfn::StackSnap> {
    region.cfn.all().iter().map(cfn::record).collect()
}

/// A region's keys and aliases, read under its KMS lock.
pub(crate) fn kms_snap(region: &RegionState) -> KmsSnap {
    region.kms.read(|data| KmsSnap {
        keys: data.keys.values().map(key_snap).collect(),
        aliases: data
            .aliases
            .iter()
            .map(|(name, a)| AliasSnap {
                name: name.clone(),
                target: a.target.clone(),
                creation_date: a.creation_date.0,
                last_updated: a.last_updated.0,
            })
            .collect(),
    })
}

/// A function as a snapshot holds it; a zip package's bytes inline (`inline_zip`) or
/// left to records of their own ([`zip_archives`]).
pub(crate) fn function_snap(function: &Function, inline_zip: bool) -> FunctionSnap {
    let current = function.current();
    FunctionSnap {
        config: current.config.clone(),
        code: code_snap(&current.code, inline_zip),
        versions: function
            .versions()
            .iter()
            .map(|p| PublishedSnap {
                number: p.number,
                config: p.version.config.clone(),
                code: code_snap(&p.version.code, inline_zip),
                from_revision: p.from_revision.clone(),
            })
            .collect(),
        last_version: function.last_version(),
        aliases: function
            .aliases()
            .into_iter()
            .map(|a| FunctionAliasSnap {
                name: a.name,
                function_version: a.function_version,
                description: a.description,
                weights: a.weights,
                revision_id: a.revision_id,
            })
            .collect(),
    }
}

fn code_snap(code: &CodePackage, inline_zip: bool) -> CodeSnap {
    match &code.source {
        CodeSource::Zip { archive, .. } => CodeSnap::Zip {
            sha256: code.sha256(),
            // The archive is the package's own copy, kept while the package lives; a
            // snapshot without it is refused at restore rather than restored wrong.
            zip: inline_zip
                .then(|| std::fs::read(archive).ok().map(|b| B64.encode(b)))
                .flatten(),
        },
        CodeSource::Local { executable, .. } => CodeSnap::Path {
            path: executable.clone(),
        },
        CodeSource::Directory { dir } => CodeSnap::Path { path: dir.clone() },
        CodeSource::Cargo(package) => CodeSnap::Cargo {
            package: package.package.clone(),
            bin: package.bin.clone(),
            directory: package.directory.clone(),
            release: package.release,
        },
    }
}

/// The zip archives of a function's packages, by SHA-256 (the state directory keeps
/// each once).
pub(crate) fn zip_archives(function: &Function) -> Vec<(String, std::path::PathBuf)> {
    let current = function.current();
    std::iter::once(Arc::clone(&current.code))
        .chain(
            function
                .versions()
                .iter()
                .map(|p| Arc::clone(&p.version.code)),
        )
        .filter_map(|code| match &code.source {
            CodeSource::Zip { archive, .. } => Some((code.sha256(), archive.clone())),
            _ => None,
        })
        .collect()
}

/// Builds a function again: its packages unpacked (or built) anew, each once.
fn restore_function(
    state: &EmulatorState,
    snap: FunctionSnap,
    zips: &HashMap<String, Vec<u8>>,
) -> Result<Function, SnapshotError> {
    let what = format!("function {}", snap.config.arn);
    let workdir = state
        .lambda
        .workdir()
        .map_err(|e| corrupt(&what, e.to_string()))?;
    let mut built: HashMap<CodeSnap, Arc<CodePackage>> = HashMap::new();
    let mut package = |code: CodeSnap, runtime: &str| -> Result<Arc<CodePackage>, SnapshotError> {
        if let Some(package) = built.get(&code) {
            return Ok(Arc::clone(package));
        }
        let spec = match &code {
            CodeSnap::Zip { sha256, zip } => CodeSpec::Zip(match zip {
                Some(text) => decode(&what, text)?,
                None => zips
                    .get(sha256)
                    .cloned()
                    .ok_or_else(|| corrupt(&what, format!("the package {sha256} is missing")))?,
            }),
            CodeSnap::Path { path } => CodeSpec::Path(path.clone()),
            CodeSnap::Cargo {
                package,
                bin,
                directory,
                release,
            } => CodeSpec::Cargo {
                package: package.clone(),
                bin: bin.clone(),
                directory: directory.clone(),
                release: *release,
            },
        };
        let managed = crate::lambda::managed::family(runtime).is_some();
        let made = crate::lambda::code::build_for(&workdir, &spec, managed)
            .map_err(|e| corrupt(&what, e.to_string()))?;
        if let CodeSnap::Zip { sha256, .. } = &code {
            if made.sha256() != *sha256 {
                return Err(corrupt(&what, "a package does not match its SHA-256"));
            }
        }
        let made = Arc::new(made);
        built.insert(code, Arc::clone(&made));
        Ok(made)
    };
    let code = package(snap.code, &snap.config.runtime)?;
    let mut versions = Vec::with_capacity(snap.versions.len());
    for v in snap.versions {
        let code = package(v.code, &v.config.runtime)?;
        versions.push(Published {
            number: v.number,
            version: Arc::new(FunctionVersion {
                config: v.config,
                code,
                generation: 1,
            }),
            pool: crate::lambda::pool::EnvironmentPool::configured(&state.config),
            from_revision: v.from_revision,
        });
    }
    Ok(Function::restored(
        FunctionVersion {
            config: snap.config,
            code,
            generation: 1,
        },
        crate::lambda::pool::EnvironmentPool::configured(&state.config),
        versions,
        snap.last_version,
        snap.aliases
            .into_iter()
            .map(|a| FunctionAlias {
                name: a.name,
                function_version: a.function_version,
                description: a.description,
                weights: a.weights,
                revision_id: a.revision_id,
            })
            .collect(),
    ))
}

pub(crate) fn parameter_snap(key: String, p: Parameter) -> ParameterSnap {
    ParameterSnap {
        key,
        name: p.name,
        tags: p.tags,
        versions: p
            .versions
            .into_iter()
            .map(|v| VersionSnap {
                version: v.version,
                value: v.value,
                kind: v.kind.as_str().to_owned(),
                key_id: v.key_id,
                description: v.description,
                allowed_pattern: v.allowed_pattern.map(|a| a.as_str().to_owned()),
                data_type: v.data_type,
                tier: v.tier.as_str().to_owned(),
                policies: v.policies,
                labels: v.labels,
                last_modified: v.last_modified.0,
                last_modified_user: v.last_modified_user,
            })
            .collect(),
    }
}

fn key_snap(key: &Key) -> KeySnap {
    let (state, deletion_date, window_days) = match key.state {
        KeyState::Enabled => ("Enabled", None, None),
        KeyState::Disabled => ("Disabled", None, None),
        KeyState::PendingDeletion {
            deletion_date,
            window_days,
        } => ("PendingDeletion", Some(deletion_date.0), Some(window_days)),
        KeyState::PendingImport => ("PendingImport", None, None),
        KeyState::PendingReplicaDeletion { window_days } => {
            ("PendingReplicaDeletion", None, Some(window_days))
        }
    };
    KeySnap {
        id: key.id.clone(),
        arn: key.arn.clone(),
        account: key.account.clone(),
        description: key.description.clone(),
        policy: key.policy_text.clone(),
        state: state.to_owned(),
        deletion_date,
        window_days,
        creation_date: key.creation_date.0,
        aws_managed: key.manager == KeyManager::Aws,
        spec: key.spec.name().to_owned(),
        usage: Some(key.usage.name().to_owned()),
        materials: key.materials.iter().map(|m| B64.encode(m.0)).collect(),
        mac_key: key.mac_key.as_ref().map(|m| B64.encode(&m.0)),
        private_key: key
            .sign_key
            .as_ref()
            .map(|k| B64.encode(private_key_bytes(k))),
        rotation_enabled: key.rotation_enabled,
        rotation_period_days: key.rotation_period_days,
        rotations: key.rotations.iter().map(|t| t.0).collect(),
        tags: key.tags.clone(),
        grants: key
            .grants
            .iter()
            .map(|g| GrantSnap {
                id: g.id.clone(),
                token: g.token.clone(),
                name: g.name.clone(),
                grantee: g.grantee.clone(),
                retiring: g.retiring.clone(),
                operations: g.operations.clone(),
                subset: g.constraints.as_ref().and_then(|c| c.subset.clone()),
                equals: g.constraints.as_ref().and_then(|c| c.equals.clone()),
                has_constraints: g.constraints.is_some(),
                creation_date: g.creation_date.0,
                issuing_account: g.issuing_account.clone(),
            })
            .collect(),
        multi_region: key.multi_region.map(|r| r.as_str().to_owned()),
        imported: key.imported.as_ref().map(|i| ImportedSnap {
            present: i.present,
            valid_to: i.valid_to.map(|t| t.0),
            fingerprint: i.fingerprint.map(hex::encode),
        }),
    }
}

/// A private key's bytes: the secret scalar of an ECC key, PKCS #8 DER of an RSA key, the
/// seed of an ML-DSA key.
fn private_key_bytes(key: &SignKey) -> Vec<u8> {
    match key {
        SignKey::P256(k) => k.to_bytes().to_vec(),
        SignKey::P384(k) => k.to_bytes().to_vec(),
        SignKey::P521(k) => k.to_bytes().to_vec(),
        SignKey::K256(k) => k.to_bytes().to_vec(),
        SignKey::MlDsa(k) => k.seed(),
        SignKey::Rsa(k) => {
            use rsa::pkcs8::EncodePrivateKey;
            k.to_pkcs8_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default()
        }
    }
}

fn private_key_of(spec: KeySpec, bytes: &[u8]) -> Option<SignKey> {
    Some(match spec {
        KeySpec::EccNistP256 => SignKey::P256(p256::ecdsa::SigningKey::from_slice(bytes).ok()?),
        KeySpec::EccNistP384 => SignKey::P384(p384::ecdsa::SigningKey::from_slice(bytes).ok()?),
        KeySpec::EccNistP521 => {
            SignKey::P521(Box::new(p521::ecdsa::SigningKey::from_slice(bytes).ok()?))
        }
        KeySpec::EccSecgP256k1 => SignKey::K256(k256::ecdsa::SigningKey::from_slice(bytes).ok()?),
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
            use rsa::pkcs8::DecodePrivateKey;
            SignKey::Rsa(Box::new(rsa::PrivateKey::from_pkcs8_der(bytes).ok()?))
        }
        KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => {
            SignKey::MlDsa(crate::kms::mldsa::MlDsaKey::from_seed(spec, bytes)?)
        }
        _ => return None,
    })
}

/// What a snapshot holds, built aside.
pub struct Loaded {
    pub regions: Regions<RegionState>,
    /// `None` in a snapshot taken before principals were kept (version 1 or 2).
    pub directory: Option<crate::iam::principals::Directory>,
}

/// Reads and checks a snapshot document, and builds its regions and IAM directory aside
/// (nothing of the running emulator changes).
pub fn load(state: &EmulatorState, bytes: &[u8]) -> Result<Loaded, SnapshotError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| SnapshotError::Foreign(format!("not a JSON document ({e})")))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(SnapshotError::Foreign(format!(
                "its format is {other:?}, not {FORMAT:?}"
            )))
        }
        None => {
            return Err(SnapshotError::Foreign(format!(
                "it has no \"format\": {FORMAT:?} member"
            )))
        }
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(found) if found > VERSION => return Err(SnapshotError::Newer { found }),
        Some(0) | None => {
            return Err(SnapshotError::Corrupt(
                "its \"version\" is missing or not a positive integer".to_owned(),
            ))
        }
        Some(_) => {}
    }
    let document: Document =
        serde_json::from_value(value).map_err(|e| SnapshotError::Corrupt(e.to_string()))?;
    if checksum_of(&document.state) != document.checksum {
        return Err(SnapshotError::Corrupt(
            "its checksum does not match its content (the file was changed or damaged)".to_owned(),
        ));
    }
    if document.account != state.config.account {
        return Err(SnapshotError::OtherAccount {
            found: document.account,
            expected: state.config.account.clone(),
        });
    }
    let mut world = document.state;
    // Policies held only as parsed from the fixtures are taken back from the fixtures'
    // directory, not from whatever the IAM API made of it since.
    let directory = match world.iam.take() {
        Some(record) => Some(
            iam::restore(record, &state.iam.initial_directory())
                .map_err(|e| SnapshotError::Corrupt(format!("the IAM directory: {e}")))?,
        ),
        None => None,
    };
    let regions = build(state, world, &HashMap::new())?;
    Ok(Loaded { regions, directory })
}

/// Builds the regions `world` describes aside (nothing of the running emulator changes):
/// its parameters, keys and aliases, and the fixtures' Lambda functions. Every record is
/// checked as a snapshot's is (contiguous versions, whole key material, aliases that name
/// a key).
pub(crate) fn build(
    state: &EmulatorState,
    world: WorldState,
    zips: &HashMap<String, Vec<u8>>,
) -> Result<Regions<RegionState>, SnapshotError> {
    let fresh = Regions::default();
    // The fixtures' functions (and, for regions the snapshot does not name, nothing
    // else: their keys and parameters are replaced below or were in the snapshot).
    state
        .load_regional_fixtures(&fresh)
        .map_err(|e| SnapshotError::Corrupt(format!("the fixtures no longer load: {e}")))?;
    for (_, region) in fresh.all_named() {
        region.ssm.replace_all(Vec::new());
        region.kms.write(|data| {
            data.keys.clear();
            data.aliases.clear();
            data.refresh_deletions();
        });
    }
    for (name, snap) in world.regions {
        let region = fresh.get(&name);
        if let Some(functions) = snap.functions {
            // The region's functions are the snapshot's, not the fixtures'.
            for function in region.lambda.all() {
                region.lambda.remove(&function.name);
                function.close();
            }
            for function in functions {
                let function = restore_function(state, function, zips)?;
                if !region.lambda.insert(Arc::new(function)) {
                    return Err(SnapshotError::Corrupt(format!(
                        "a function is named twice in region {name}"
                    )));
                }
            }
        }
        if let Some(stacks) = snap.stacks {
            let stacks = stacks
                .into_iter()
                .map(cfn::restore)
                .collect::<Result<Vec<_>, _>>()
                .map_err(SnapshotError::Corrupt)?;
            let change_sets = snap
                .change_sets
                .unwrap_or_default()
                .into_iter()
                .map(cfn::restore_set)
                .collect::<Result<Vec<_>, _>>()
                .map_err(SnapshotError::Corrupt)?;
            region.cfn.replace_all(stacks, change_sets);
        }
        let parameters = snap
            .parameters
            .into_iter()
            .map(restore_parameter)
            .collect::<Result<Vec<_>, _>>()?;
        region.ssm.replace_all(parameters);
        let mut keys = BTreeMap::new();
        for key in snap.keys {
            let key = restore_key(key)?;
            keys.insert(key.id.clone(), key);
        }
        let mut aliases = BTreeMap::new();
        for alias in snap.aliases {
            if !keys.contains_key(&alias.target) {
                return Err(SnapshotError::Corrupt(format!(
                    "alias {} names no key of region {name}",
                    alias.name
                )));
            }
            aliases.insert(
                alias.name,
                Alias {
                    target: alias.target,
                    creation_date: Timestamp(alias.creation_date),
                    last_updated: Timestamp(alias.last_updated),
                },
            );
        }
        region.kms.write(|data| {
            data.keys = keys;
            data.aliases = aliases;
            data.refresh_deletions();
        });
    }
    Ok(fresh)
}

/// Restores a snapshot: built aside, then swapped in whole (a request sees the old world
/// or the restored one, never a mix), then role sessions and decisions are forgotten as
/// after a reset. If the snapshot is refused, nothing changes.
pub fn restore(state: &EmulatorState, bytes: &[u8]) -> Result<(), SnapshotError> {
    let loaded = load(state, bytes)?;
    state.regions.replace(loaded.regions);
    if let Some(directory) = loaded.directory {
        let _ = state.iam.update_directory(|d| {
            *d = directory;
            Ok::<(), std::convert::Infallible>(())
        });
    }
    state.iam.clear_sessions();
    state.iam.decisions.clear();
    Ok(())
}

fn corrupt(what: &str, problem: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Corrupt(format!("{what}: {problem}"))
}

pub(crate) fn restore_parameter(p: ParameterSnap) -> Result<(String, Parameter), SnapshotError> {
    if p.versions.is_empty() {
        return Err(corrupt(&p.name, "a parameter without versions"));
    }
    let mut versions = VecDeque::with_capacity(p.versions.len());
    let mut previous: Option<u64> = None;
    for v in p.versions {
        // Versions are contiguous and ascending: `Parameter::select` relies on it.
        if previous.is_some_and(|prev| prev + 1 != v.version) {
            return Err(corrupt(&p.name, "versions are not contiguous"));
        }
        previous = Some(v.version);
        let kind = ParameterType::parse(&v.kind)
            .ok_or_else(|| corrupt(&p.name, format!("unknown type {:?}", v.kind)))?;
        let tier = match v.tier.as_str() {
            "Standard" => Tier::Standard,
            "Advanced" => Tier::Advanced,
            other => return Err(corrupt(&p.name, format!("unknown tier {other:?}"))),
        };
        let allowed_pattern = v
            .allowed_pattern
            .as_deref()
            .map(AllowedPattern::compile)
            .transpose()
            .map_err(|e| corrupt(&p.name, format!("allowed pattern: {e}")))?;
        versions.push_back(ParameterVersion {
            version: v.version,
            value: v.value,
            kind,
            key_id: v.key_id,
            description: v.description,
            allowed_pattern,
            data_type: v.data_type,
            tier,
            policies: v.policies,
            labels: v.labels,
            last_modified: Timestamp(v.last_modified),
            last_modified_user: v.last_modified_user,
        });
    }
    Ok((
        p.key,
        Parameter {
            name: p.name,
            versions,
            tags: p.tags,
        },
    ))
}

fn decode(what: &str, text: &str) -> Result<Vec<u8>, SnapshotError> {
    B64.decode(text)
        .map_err(|_| corrupt(what, "key material is not valid base64"))
}

fn restore_key(k: KeySnap) -> Result<Key, SnapshotError> {
    let what = format!("key {}", k.id);
    let spec = KeySpec::parse(&k.spec)
        .ok_or_else(|| corrupt(&what, format!("unknown key spec {:?}", k.spec)))?;
    let policy = crate::iam::policy::PolicyDocument::parse(&k.policy)
        .map_err(|e| corrupt(&what, format!("key policy: {e}")))?
        .into_key_policy();
    let state = match (k.state.as_str(), k.deletion_date, k.window_days) {
        ("Enabled", _, _) => KeyState::Enabled,
        ("Disabled", _, _) => KeyState::Disabled,
        ("PendingDeletion", Some(date), Some(window_days)) => KeyState::PendingDeletion {
            deletion_date: Timestamp(date),
            window_days,
        },
        ("PendingImport", _, _) => KeyState::PendingImport,
        ("PendingReplicaDeletion", _, Some(window_days)) => {
            KeyState::PendingReplicaDeletion { window_days }
        }
        (other, _, _) => return Err(corrupt(&what, format!("key state {other:?}"))),
    };
    let materials = k
        .materials
        .iter()
        .map(|m| {
            let bytes = decode(&what, m)?;
            <[u8; 32]>::try_from(bytes.as_slice())
                .map(KeyMaterial)
                .map_err(|_| corrupt(&what, "symmetric key material is not 32 bytes"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let multi_region = match k.multi_region.as_deref() {
        None => None,
        Some("PRIMARY") => Some(crate::kms::multiregion::Role::Primary),
        Some("REPLICA") => Some(crate::kms::multiregion::Role::Replica),
        Some(other) => return Err(corrupt(&what, format!("multi-Region type {other:?}"))),
    };
    let imported = match k.imported {
        None => None,
        Some(i) => Some(crate::kms::import::Imported {
            present: i.present,
            valid_to: i.valid_to.map(Timestamp),
            fingerprint: match i.fingerprint {
                None => None,
                Some(text) => Some(
                    hex::decode(&text)
                        .ok()
                        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                        .ok_or_else(|| corrupt(&what, "import fingerprint"))?,
                ),
            },
            parameters: None,
        }),
    };
    // Only a key whose imported material is absent (PendingImport) has none.
    let without_material = imported.as_ref().is_some_and(|i| !i.present);
    if materials.is_empty() && !without_material {
        return Err(corrupt(&what, "a key without key material"));
    }
    let mac_key = match &k.mac_key {
        Some(m) => Some(MacKey(decode(&what, m)?)),
        None => None,
    };
    // A key whose imported material is absent has no secret of any kind.
    let mac_expected = spec.mac_algorithm().is_some() && !without_material;
    if mac_expected != mac_key.is_some() {
        return Err(corrupt(&what, "HMAC secret missing or unexpected"));
    }
    let sign_key = match &k.private_key {
        Some(text) => Some(
            private_key_of(spec, &decode(&what, text)?)
                .ok_or_else(|| corrupt(&what, "the private key does not decode"))?,
        ),
        None => None,
    };
    let usage = match &k.usage {
        None => KeyUsage::default_for(spec),
        Some(name) => KeyUsage::parse(name)
            .filter(|u| spec.allows(*u))
            .ok_or_else(|| corrupt(&what, format!("key usage {name:?} for {}", spec.name())))?,
    };
    // Every asymmetric key has a private key, unless its imported material is absent.
    let sign_expected = spec.is_asymmetric() && !without_material;
    if sign_expected != sign_key.is_some() {
        return Err(corrupt(&what, "private key missing or unexpected"));
    }
    let grants = k
        .grants
        .into_iter()
        .map(|g| Grant {
            id: g.id,
            token: g.token,
            name: g.name,
            grantee: g.grantee,
            retiring: g.retiring,
            operations: g.operations,
            constraints: g.has_constraints.then_some(GrantConstraints {
                subset: g.subset,
                equals: g.equals,
            }),
            creation_date: Timestamp(g.creation_date),
            issuing_account: g.issuing_account,
        })
        .collect();
    Ok(Key {
        id: k.id,
        arn: k.arn,
        account: k.account,
        description: k.description,
        policy_text: k.policy,
        policy: Arc::new(policy),
        state,
        creation_date: Timestamp(k.creation_date),
        manager: if k.aws_managed {
            KeyManager::Aws
        } else {
            KeyManager::Customer
        },
        multi_region,
        imported,
        materials,
        rotation_enabled: k.rotation_enabled,
        rotation_period_days: k.rotation_period_days,
        rotations: k.rotations.into_iter().map(Timestamp).collect(),
        tags: k.tags,
        grants,
        spec,
        mac_key,
        sign_key,
        usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn key_of(spec: KeySpec, id: &str) -> Key {
        let account = "123456789012";
        let text = crate::kms::default_key_policy(account);
        let policy = crate::iam::policy::PolicyDocument::parse(&text).unwrap();
        let mut key = crate::kms::new_key(
            id.to_owned(),
            "eu-west-1",
            account,
            String::new(),
            text,
            policy,
            KeyManager::Customer,
            KeyMaterial::generate(),
        );
        key.spec = spec;
        key.usage = KeyUsage::default_for(spec);
        key.mac_key = spec.generate_mac_key();
        key.sign_key = spec.generate_sign_key();
        key
    }

    /// Gives a test key another usage.
    trait Apply {
        fn apply(self, key: Key) -> Key;
    }

    impl Apply for KeyUsage {
        fn apply(self, mut key: Key) -> Key {
            key.usage = self;
            key
        }
    }

    fn world() -> EmulatorState {
        let state = EmulatorState::new(Config::default());
        let region = state.region("eu-west-1");
        region.kms.write(|data| {
            let mut symmetric = key_of(KeySpec::SymmetricDefault, "k-sym");
            symmetric.materials.push(KeyMaterial::generate());
            symmetric.rotations.push(Timestamp(1_700_000_000_000));
            symmetric.state = KeyState::PendingDeletion {
                deletion_date: Timestamp(i64::MAX / 2),
                window_days: 7,
            };
            symmetric.grants.push(Grant {
                id: "g1".into(),
                token: "t1".into(),
                name: Some("n".into()),
                grantee: "arn:aws:iam::123456789012:role/r".into(),
                retiring: None,
                operations: vec!["Decrypt".into()],
                constraints: Some(GrantConstraints {
                    subset: Some(BTreeMap::from([("a".into(), "b".into())])),
                    equals: None,
                }),
                creation_date: Timestamp(5),
                issuing_account: "123456789012".into(),
            });
            // A multi-Region replica whose imported material is present and expires, and
            // a multi-Region primary HMAC key whose imported material was deleted.
            let mut imported = key_of(KeySpec::SymmetricDefault, "mrk-imported");
            imported.multi_region = Some(crate::kms::multiregion::Role::Replica);
            imported.imported = Some(crate::kms::import::Imported {
                present: true,
                valid_to: Some(Timestamp(i64::MAX / 4)),
                fingerprint: Some([3u8; 32]),
                parameters: None,
            });
            let mut pending = key_of(KeySpec::Hmac384, "mrk-pending");
            pending.multi_region = Some(crate::kms::multiregion::Role::Primary);
            crate::kms::import::start_without_material(&mut pending);
            pending.imported.as_mut().unwrap().fingerprint = Some([4u8; 32]);
            let mut pending_symmetric = key_of(KeySpec::SymmetricDefault, "k-pending-sym");
            crate::kms::import::start_without_material(&mut pending_symmetric);
            let mut pending_signing = key_of(KeySpec::EccNistP384, "k-pending-p384");
            crate::kms::import::start_without_material(&mut pending_signing);
            let mut waiting = key_of(KeySpec::SymmetricDefault, "mrk-waiting");
            waiting.multi_region = Some(crate::kms::multiregion::Role::Primary);
            waiting.state = KeyState::PendingReplicaDeletion { window_days: 9 };
            for key in [
                imported,
                pending,
                pending_symmetric,
                pending_signing,
                waiting,
                symmetric,
                key_of(KeySpec::Hmac256, "k-hmac"),
                key_of(KeySpec::EccNistP256, "k-p256"),
                key_of(KeySpec::EccNistP521, "k-p521"),
                key_of(KeySpec::EccSecgP256k1, "k-k256"),
                // Keys whose usage is not their spec's default: it survives too.
                KeyUsage::EncryptDecrypt.apply(key_of(KeySpec::Rsa2048, "k-rsa-encrypt")),
                KeyUsage::KeyAgreement.apply(key_of(KeySpec::EccNistP384, "k-p384-ecdh")),
                key_of(KeySpec::MlDsa65, "k-ml-dsa-65"),
            ] {
                data.keys.insert(key.id.clone(), key);
            }
            data.aliases.insert(
                "alias/x".into(),
                Alias {
                    target: "k-hmac".into(),
                    creation_date: Timestamp(1),
                    last_updated: Timestamp(2),
                },
            );
            data.refresh_deletions();
        });
        state
    }

    #[test]
    fn every_key_type_and_its_material_survive_a_round_trip() {
        let original = world();
        let bytes = take(&original);
        let restored = EmulatorState::new(Config::default());
        restore(&restored, &bytes).unwrap();
        let before = original.region("eu-west-1");
        let after = restored.region("eu-west-1");
        before.kms.read(|old| {
            after.kms.read(|new| {
                assert_eq!(old.keys.len(), new.keys.len());
                assert_eq!(new.aliases["alias/x"].target, "k-hmac");
                assert_eq!(new.earliest_deletion, old.earliest_deletion);
                assert_eq!(new.keys["mrk-pending"].state, KeyState::PendingImport);
                assert_eq!(new.keys["mrk-imported"].origin(), "EXTERNAL");
                assert_eq!(
                    new.keys["mrk-imported"].multi_region,
                    Some(crate::kms::multiregion::Role::Replica)
                );
                for (id, a) in &old.keys {
                    let b = &new.keys[id];
                    assert_eq!(a.materials, b.materials, "{id}");
                    assert_eq!(a.state, b.state, "{id}");
                    assert_eq!(a.grants, b.grants, "{id}");
                    assert_eq!(a.rotations, b.rotations, "{id}");
                    assert_eq!(a.mac_key, b.mac_key, "{id}");
                    assert_eq!(a.spec, b.spec, "{id}");
                    assert_eq!(a.usage, b.usage, "{id}");
                    assert_eq!(a.multi_region, b.multi_region, "{id}");
                    assert_eq!(a.origin(), b.origin(), "{id}");
                    let import = |k: &Key| {
                        k.imported
                            .as_ref()
                            .map(|i| (i.present, i.valid_to, i.fingerprint, i.expires_at()))
                    };
                    assert_eq!(import(a), import(b), "{id}");
                    if let (Some(sa), Some(sb)) = (&a.sign_key, &b.sign_key) {
                        // The restored private key signs what the original verifies.
                        let digest = [7u8; 32];
                        let algorithm = a.spec.signing_algorithms()[0];
                        let signature = sb.sign_digest(algorithm, &digest).unwrap();
                        assert!(sa.verify_digest(algorithm, &digest, &signature), "{id}");
                    } else {
                        assert!(a.sign_key.is_none() && b.sign_key.is_none(), "{id}");
                    }
                }
            })
        });
    }

    /// A world with an IAM user and key made after the fixtures, and a stack.
    fn world_with_principals_and_stacks() -> EmulatorState {
        use crate::iam::principals::{AccessKey, KeyOwner, User};
        let state = world();
        state
            .iam
            .update_directory(|d| {
                d.users.insert(
                    "bob".to_owned(),
                    User {
                        name: "bob".to_owned(),
                        arn: "arn:aws:iam::123456789012:user/bob".to_owned(),
                        id: "AIDABOB".to_owned(),
                        policies: Vec::new(),
                        tags: BTreeMap::new(),
                        boundary: None,
                        groups: Vec::new(),
                    },
                );
                d.keys.insert(
                    "AKIABOB".to_owned(),
                    AccessKey {
                        id: "AKIABOB".to_owned(),
                        secret: "bob-secret".to_owned(),
                        owner: KeyOwner::User("bob".to_owned()),
                        session_token: None,
                        expires: None,
                        session_policies: Vec::new(),
                        session_tags: Default::default(),
                    },
                );
                Ok::<(), std::convert::Infallible>(())
            })
            .unwrap();
        let mut stack =
            crate::cfn::stack::Stack::new("eu-west-1", "123456789012", "app", "CREATE_COMPLETE");
        stack.template_body = "{}".to_owned();
        let set = crate::cfn::stack::ChangeSet {
            id: "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/next/1".to_owned(),
            name: "next".to_owned(),
            stack_id: stack.id.clone(),
            stack_name: "app".to_owned(),
            kind: "UPDATE".to_owned(),
            status: "CREATE_COMPLETE".to_owned(),
            execution_status: "AVAILABLE".to_owned(),
            reason: None,
            created: time::OffsetDateTime::UNIX_EPOCH,
            description: Some("proposed".to_owned()),
            template: crate::cfn::template::Template {
                original: serde_json::json!({"Resources": {}}),
                processed: serde_json::json!({"Resources": {}}),
            },
            template_body: "Resources: {}".to_owned(),
            parameters: BTreeMap::from([("Stage".to_owned(), "dev".to_owned())]),
            capabilities: vec!["CAPABILITY_IAM".to_owned()],
            role_arn: None,
            tags: vec![("team".to_owned(), "red".to_owned())],
            changes: vec![(
                "Add".to_owned(),
                "Queue".to_owned(),
                String::new(),
                "AWS::SSM::Parameter".to_owned(),
                String::new(),
            )],
        };
        assert!(state.region("eu-west-1").cfn.insert(stack));
        state.region("eu-west-1").cfn.add_change_set(set);
        state
    }

    #[test]
    fn principals_made_through_the_api_and_stacks_survive_a_round_trip() {
        let original = world_with_principals_and_stacks();
        let restored = EmulatorState::new(Config::default());
        restore(&restored, &take(&original)).unwrap();
        let directory = restored.iam.directory();
        assert_eq!(
            directory.users["bob"].arn,
            "arn:aws:iam::123456789012:user/bob"
        );
        assert_eq!(directory.keys["AKIABOB"].secret, "bob-secret");
        let stack = restored.region("eu-west-1").cfn.find("app").unwrap();
        let before = original.region("eu-west-1").cfn.find("app").unwrap();
        assert_eq!(stack.id, before.id);
        assert_eq!(stack.status, "CREATE_COMPLETE");
        // The change set not yet executed, as it was proposed.
        let set = restored
            .region("eu-west-1")
            .cfn
            .change_set("next", Some("app"))
            .unwrap();
        assert_eq!(set.stack_id, before.id);
        assert_eq!(set.execution_status, "AVAILABLE");
        assert_eq!(set.parameters["Stage"], "dev");
        assert_eq!(set.changes[0].1, "Queue");
        assert_eq!(set.template.original, serde_json::json!({"Resources": {}}));
    }

    #[test]
    fn a_version_3_snapshot_restores_its_stacks_without_change_sets() {
        let original = world_with_principals_and_stacks();
        let mut value: serde_json::Value = serde_json::from_slice(&take(&original)).unwrap();
        value["version"] = serde_json::json!(3);
        let state = value["state"].as_object_mut().unwrap();
        for region in state["regions"].as_object_mut().unwrap().values_mut() {
            region.as_object_mut().unwrap().remove("change_sets");
        }
        let world: WorldState = serde_json::from_value(value["state"].clone()).unwrap();
        value["checksum"] = serde_json::json!(checksum_of(&world));
        let target = EmulatorState::new(Config::default());
        restore(&target, &serde_json::to_vec(&value).unwrap()).unwrap();
        let region = target.region("eu-west-1");
        assert!(region.cfn.find("app").is_some());
        assert!(region.cfn.all_change_sets().is_empty());
    }

    #[test]
    fn a_version_2_snapshot_keeps_the_directory_and_restores_no_stacks() {
        let original = world_with_principals_and_stacks();
        let mut value: serde_json::Value = serde_json::from_slice(&take(&original)).unwrap();
        value["version"] = serde_json::json!(2);
        let state = value["state"].as_object_mut().unwrap();
        state.remove("iam");
        for region in state["regions"].as_object_mut().unwrap().values_mut() {
            region.as_object_mut().unwrap().remove("stacks");
        }
        let world: WorldState = serde_json::from_value(value["state"].clone()).unwrap();
        value["checksum"] = serde_json::json!(checksum_of(&world));
        let target = EmulatorState::new(Config::default());
        let before = target.iam.directory();
        restore(&target, &serde_json::to_vec(&value).unwrap()).unwrap();
        assert!(Arc::ptr_eq(&before, &target.iam.directory()));
        assert!(target.region("eu-west-1").cfn.all().is_empty());
        // The keys came back as before.
        assert!(target
            .region("eu-west-1")
            .kms
            .read(|d| d.keys.contains_key("k-sym")));
    }

    #[test]
    fn an_rsa_private_key_survives_a_round_trip() {
        let key = KeySpec::Rsa2048.generate_sign_key().unwrap();
        let restored = private_key_of(KeySpec::Rsa2048, &private_key_bytes(&key)).unwrap();
        let digest = [9u8; 32];
        let signature = restored
            .sign_digest("RSASSA_PKCS1_V1_5_SHA_256", &digest)
            .unwrap();
        assert!(key.verify_digest("RSASSA_PKCS1_V1_5_SHA_256", &digest, &signature));
        // A private key of another type is refused, not misread.
        assert!(private_key_of(KeySpec::EccNistP256, &private_key_bytes(&key)).is_none());
    }

    #[test]
    fn damaged_foreign_newer_and_other_account_snapshots_are_refused() {
        let original = world();
        let bytes = take(&original);
        let target = EmulatorState::new(Config::default());
        let text = String::from_utf8(bytes.clone()).unwrap();
        // One character of key material changed: the checksum catches it.
        let at = text.find("\"materials\":[\"").unwrap() + 14;
        let mut damaged = text.clone().into_bytes();
        damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            load(&target, &damaged),
            Err(SnapshotError::Corrupt(_))
        ));
        assert!(matches!(
            load(&target, b"{\"format\":\"something-else\"}"),
            Err(SnapshotError::Foreign(_))
        ));
        let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        value["version"] = serde_json::json!(VERSION + 1);
        assert_eq!(
            load(&target, &serde_json::to_vec(&value).unwrap()).err(),
            Some(SnapshotError::Newer { found: VERSION + 1 })
        );
        let other = EmulatorState::new(Config {
            account: "210987654321".into(),
            ..Config::default()
        });
        assert!(matches!(
            load(&other, &bytes),
            Err(SnapshotError::OtherAccount { .. })
        ));
        // Nothing of the target changed.
        assert!(target.regions.all_named().is_empty());
    }
}
