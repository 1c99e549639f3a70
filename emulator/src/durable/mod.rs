//! The state directory (`--state-dir DIR`): every parameter with all its versions,
//! labels, tags and policies; every region's KMS keys (material, rotations, grants,
//! deletion schedules) and aliases; Lambda functions with their code, versions and
//! aliases; the IAM directory; CloudFormation stacks. Kept in an embedded ACID store
//! (redb) and committed, with immediate durability, before the request that changed
//! them is answered: a write whose answer was received survives a crash of the process
//! or of the machine.
//!
//! Records (table `records`, name to sealed JSON, the snapshot's shapes):
//! - `ssm/REGION/KEY`: one parameter. One record per parameter, so that a PutParameter
//!   writes one small record whatever the number of parameters.
//! - `kms/REGION`: a region's keys and aliases together. KMS changes are rare and span
//!   keys (an alias moves between keys), and keeping the region in one record keeps an
//!   alias and its key consistent; the region is written again after any change.
//! - `lambda/REGION`: a region's Lambda functions (configuration, versions, aliases),
//!   written again after a Lambda request that may change them; `lambda-code/REGION/SHA`:
//!   each zip package once, by its SHA-256.
//! - `cfn/REGION`: a region's CloudFormation stacks (see `snapshot::cfn`),
//!   written with the whole state after every stack operation (they are rare, and one
//!   deploys across services); `cfn-sets/REGION`: its change sets, written with them
//!   (format version 2; a version 1 directory has none, and loads).
//! - `iam`: the IAM directory (users, roles, long-term access keys, customer managed
//!   policies; see `snapshot::iam`), written again whenever the IAM API
//!   replaces it.
//!
//! How a change reaches the store without a hook in every operation: the Parameter
//! Store marks the parameter a request touched (`ssm::store::collect_touched`, collected per
//! request on the thread that runs it: the operations are synchronous), and the key
//! store counts its changes ([`crate::kms::store::KeyStore::generation`]), and the IAM
//! API replaces the directory (a new `Arc`) on every change. After the
//! operation, [`commit`] writes what changed in one transaction. Records are read from
//! memory inside the store's exclusive write transaction, so a later commit always
//! carries the newer state (two writers can never commit an older view last), and one
//! commit serves every request queued behind it (group commit).
//!
//! Every record is sealed with AES-256-GCM under the directory's own key (`state.key`,
//! created with mode 0600), the record's name as associated data: a record damaged,
//! moved to another name or read with another key file is refused at start. This is
//! local protection only (against reading the store file alone): whoever can read the
//! key file can read every key's material.
//!
//! Table `meta`: the format name, its version, the account, and a sealed check value
//! (the key file belongs to this store). A directory written by a newer emulator, by
//! another program, for another account, or damaged, stops the start with a clear
//! error; it is never reset silently.

use crate::iam::principals::Directory;
use crate::snapshot::{self, iam, KmsSnap, ParameterSnap, RegionSnap, WorldState};
use crate::state::{EmulatorState, RegionState, Regions};
use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The `format` of every state store.
pub const FORMAT: &str = "emulator-state";
/// The newest state format this emulator writes and reads (2: change sets, the
/// `cfn-sets/REGION` records).
pub const VERSION: u64 = 2;
/// The store's file in the directory.
pub const STORE_FILE: &str = "state.redb";
/// The key file in the directory.
pub const KEY_FILE: &str = "state.key";

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");
/// The record of the IAM directory.
const IAM_RECORD: &str = "iam";
/// The plaintext of the sealed check value in `meta`.
const CHECK: &[u8] = b"emulator-state key check";
const NONCE_LEN: usize = 12;

/// Why the state directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// The directory or its files cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The store refused an operation.
    #[error("the state store failed: {0}")]
    Store(String),
    /// Not a state directory of this emulator.
    #[error("{0} is not a state directory of this emulator: {1}")]
    Foreign(PathBuf, String),
    /// Written by a newer emulator.
    #[error("the state directory has format version {found}; this emulator reads version {VERSION} and older: use a newer emulator")]
    Newer { found: u64 },
    /// The state of another account.
    #[error("the state directory holds account {found}; this emulator runs account {expected} (start it with --account {found})")]
    OtherAccount { found: String, expected: String },
    /// The key file is missing, unreadable or not this store's.
    #[error("the key file {0}: {1}")]
    Key(PathBuf, String),
    /// Damaged content.
    #[error("the state directory is corrupt: {0}")]
    Corrupt(String),
}

impl From<redb::Error> for DurableError {
    fn from(error: redb::Error) -> Self {
        DurableError::Store(error.to_string())
    }
}

/// Maps every redb error type through `redb::Error`.
fn store<E: Into<redb::Error>>(error: E) -> DurableError {
    DurableError::from(error.into())
}

/// What a request changed, for [`commit`].
#[derive(Debug, Default)]
pub struct Touched {
    parameters: Vec<(usize, String)>,
    /// A region whose Lambda functions a request may have changed.
    lambda: Option<String>,
}

impl Touched {
    /// What a Lambda request that may change the functions of `region` touched.
    pub fn lambda(region: &str) -> Self {
        Touched {
            parameters: Vec::new(),
            lambda: Some(region.to_owned()),
        }
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty() && self.lambda.is_none()
    }
}

fn address<T>(value: &T) -> usize {
    value as *const T as usize
}

/// Runs a synchronous operation and returns what it touched.
pub fn collecting<R>(operation: impl FnOnce() -> R) -> (R, Touched) {
    let (result, parameters) = crate::ssm::store::collect_touched(operation);
    (
        result,
        Touched {
            parameters,
            lambda: None,
        },
    )
}

/// Changes waiting for a commit.
#[derive(Default)]
struct Pending {
    /// The last ticket handed out.
    ticket: u64,
    parameters: BTreeSet<(usize, String)>,
    /// Regions whose functions are written again.
    lambda: BTreeSet<String>,
}

/// What the store holds of each region's keys: the generation of each key store (by
/// address: a reset replaces the stores) when it was last written.
/// And the IAM directory last written (the IAM API replaces it whole on every change).
#[derive(Default)]
struct Seen {
    kms: HashMap<usize, u64>,
    directory: Option<Arc<Directory>>,
}

/// An open state directory.
pub struct Durable {
    db: Database,
    cipher: Aes256Gcm,
    pending: Mutex<Pending>,
    /// Held for a whole commit; holds the last ticket committed.
    committed: Mutex<u64>,
    seen: Mutex<Seen>,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durable").finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DurableError + '_ {
    move |source| DurableError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads the directory's key, or creates it (mode 0600) in a directory without a store.
fn key_file(dir: &Path, store_exists: bool) -> Result<[u8; 32], DurableError> {
    let path = dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            DurableError::Key(path.clone(), "it does not hold a 32-byte key".to_owned())
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if store_exists {
                return Err(DurableError::Key(
                    path,
                    format!(
                        "it is missing, and without it the records of {STORE_FILE} cannot be read"
                    ),
                ));
            }
            let mut key = [0u8; 32];
            OsRng.fill_bytes(&mut key);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&path).map_err(io(&path))?;
            std::io::Write::write_all(&mut file, &key).map_err(io(&path))?;
            file.sync_all().map_err(io(&path))?;
            // The file's name is durable once its directory is: without the key, a store
            // that survived a power loss could not be read.
            #[cfg(unix)]
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))?;
            Ok(key)
        }
        Err(e) => Err(io(&path)(e)),
    }
}

/// Whether the directory holds anything but the key file (a directory of something else
/// is refused rather than filled).
fn has_other_files(dir: &Path) -> Result<bool, DurableError> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name();
        if name != KEY_FILE && name != STORE_FILE {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What a state directory held.
#[derive(Debug)]
pub struct Loaded {
    /// Every region's parameters and keys.
    pub regions: Regions<RegionState>,
    /// The IAM directory (`None` in a store written before principals were kept).
    pub directory: Option<Directory>,
}

impl Loaded {
    /// Puts it in place of the emulator's state (at start).
    pub fn install(self, state: &EmulatorState) {
        state.regions.replace(self.regions);
        if let Some(directory) = self.directory {
            let _ = state.iam.update_directory(|d| {
                *d = directory;
                Ok::<(), std::convert::Infallible>(())
            });
        }
    }
}

/// What [`Durable::open`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A new or empty directory: the fixtures seed it.
    Empty,
    /// A state to load.
    State,
}

impl Durable {
    /// Opens (creating if needed) the state directory `dir` of `account`, and checks its
    /// format, version, account and key.
    pub fn open(dir: &Path, account: &str) -> Result<(Durable, Found), DurableError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let store_path = dir.join(STORE_FILE);
        let store_exists = store_path.exists();
        if !store_exists && has_other_files(dir)? {
            return Err(DurableError::Foreign(
                dir.to_owned(),
                format!(
                    "it holds other files and no {STORE_FILE} (give an empty or new directory)"
                ),
            ));
        }
        let key = key_file(dir, store_exists)?;
        let db = Database::create(&store_path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => DurableError::Store(format!(
                "{} is in use by another emulator",
                store_path.display()
            )),
            redb::DatabaseError::UpgradeRequired(_) => DurableError::Foreign(
                dir.to_owned(),
                format!("{STORE_FILE} was written by an unsupported version of the store"),
            ),
            other => DurableError::Foreign(
                dir.to_owned(),
                format!("{STORE_FILE} is not a readable store ({other})"),
            ),
        })?;
        #[cfg(unix)]
        if !store_exists {
            // The new store's name is durable before anything is acknowledged from it.
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))?;
        }
        let durable = Durable {
            db,
            cipher: Aes256Gcm::new(&key.into()),
            pending: Mutex::new(Pending::default()),
            committed: Mutex::new(0),
            seen: Mutex::new(Seen::default()),
        };
        let found = durable.check(dir, account)?;
        Ok((durable, found))
    }

    fn check(&self, dir: &Path, account: &str) -> Result<Found, DurableError> {
        let read = self.db.begin_read().map_err(store)?;
        let meta = match read.open_table(META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                // A store created but never seeded (a start that stopped before its
                // first commit) holds nothing else.
                return match read.open_table(RECORDS) {
                    Err(redb::TableError::TableDoesNotExist(_)) => Ok(Found::Empty),
                    _ => Err(DurableError::Foreign(
                        dir.to_owned(),
                        "the store has records but no format".to_owned(),
                    )),
                };
            }
            Err(e) => return Err(store(e)),
        };
        let text = |name: &str| -> Result<Option<String>, DurableError> {
            Ok(meta
                .get(name)
                .map_err(store)?
                .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
        };
        match text("format")?.as_deref() {
            Some(FORMAT) => {}
            other => {
                return Err(DurableError::Foreign(
                    dir.to_owned(),
                    format!("its format is {other:?}, not {FORMAT:?}"),
                ))
            }
        }
        let version = text("version")?
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| DurableError::Corrupt("the format version is unreadable".to_owned()))?;
        if version > VERSION {
            return Err(DurableError::Newer { found: version });
        }
        let found = text("account")?.unwrap_or_default();
        if found != account {
            return Err(DurableError::OtherAccount {
                found,
                expected: account.to_owned(),
            });
        }
        let check = meta
            .get("check")
            .map_err(store)?
            .map(|v| v.value().to_vec())
            .unwrap_or_default();
        if self.unseal("check", &check).ok().as_deref() != Some(CHECK) {
            return Err(DurableError::Key(
                dir.join(KEY_FILE),
                format!("it is not the key of {STORE_FILE} (the records cannot be read)"),
            ));
        }
        Ok(Found::State)
    }

    fn seal(&self, name: &str, plaintext: &[u8]) -> Result<Vec<u8>, DurableError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| DurableError::Store(format!("cannot seal record {name}")))?;
        let mut record = nonce.to_vec();
        record.extend_from_slice(&sealed);
        Ok(record)
    }

    fn unseal(&self, name: &str, record: &[u8]) -> Result<Vec<u8>, DurableError> {
        let damaged = || {
            DurableError::Corrupt(format!(
                "record {name} is damaged or sealed under another key"
            ))
        };
        if record.len() < NONCE_LEN {
            return Err(damaged());
        }
        let (nonce, sealed) = record.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| damaged())
    }

    fn put(
        &self,
        table: &mut redb::Table<&str, &[u8]>,
        name: &str,
        value: &impl serde::Serialize,
    ) -> Result<(), DurableError> {
        let json = serde_json::to_vec(value).map_err(|e| DurableError::Store(e.to_string()))?;
        table
            .insert(name, self.seal(name, &json)?.as_slice())
            .map_err(store)?;
        Ok(())
    }

    /// Writes a region's functions (`lambda/REGION`) and the zip packages they use
    /// (`lambda-code/REGION/SHA256`, each once; those no longer used are removed).
    fn put_functions(
        &self,
        table: &mut redb::Table<&str, &[u8]>,
        name: &str,
        region: &RegionState,
    ) -> Result<(), DurableError> {
        let functions = region.lambda.all();
        let snaps: Vec<_> = functions
            .iter()
            .map(|f| snapshot::function_snap(f, false))
            .collect();
        self.put(table, &format!("lambda/{name}"), &snaps)?;
        let prefix = format!("lambda-code/{name}/");
        let wanted: BTreeMap<String, PathBuf> = functions
            .iter()
            .flat_map(|f| snapshot::zip_archives(f))
            .map(|(sha, path)| (format!("{prefix}{sha}"), path))
            .collect();
        let mut present = Vec::new();
        for entry in table.range::<&str>(prefix.as_str()..).map_err(store)? {
            let (key, _) = entry.map_err(store)?;
            let key = key.value();
            if !key.starts_with(&prefix) {
                break;
            }
            present.push(key.to_owned());
        }
        for key in &present {
            if !wanted.contains_key(key) {
                table.remove(key.as_str()).map_err(store)?;
            }
        }
        for (key, archive) in wanted {
            if present.contains(&key) {
                continue;
            }
            let bytes = std::fs::read(&archive).map_err(io(&archive))?;
            table
                .insert(key.as_str(), self.seal(&key, &bytes)?.as_slice())
                .map_err(store)?;
        }
        Ok(())
    }

    /// Builds the regions the store holds (with the fixtures' Lambda functions) and its
    /// IAM directory, aside: nothing of the running emulator changes.
    pub fn load(&self, state: &EmulatorState) -> Result<Loaded, DurableError> {
        let read = self.db.begin_read().map_err(store)?;
        let mut world = WorldState::default();
        let mut directory = None;
        let mut zips = HashMap::new();
        match read.open_table(RECORDS) {
            Ok(table) => {
                for entry in table.iter().map_err(store)? {
                    let (name, record) = entry.map_err(store)?;
                    let name = name.value();
                    let json = self.unseal(name, record.value())?;
                    let corrupt =
                        |e: serde_json::Error| DurableError::Corrupt(format!("record {name}: {e}"));
                    if let Some(rest) = name.strip_prefix("ssm/") {
                        let (region, _) = rest.split_once('/').ok_or_else(|| {
                            DurableError::Corrupt(format!("record {name}: no region"))
                        })?;
                        let parameter: ParameterSnap =
                            serde_json::from_slice(&json).map_err(corrupt)?;
                        region_of(&mut world, region).parameters.push(parameter);
                    } else if let Some(rest) = name.strip_prefix("lambda-code/") {
                        let (_, sha) = rest.split_once('/').ok_or_else(|| {
                            DurableError::Corrupt(format!("record {name}: no region"))
                        })?;
                        zips.insert(sha.to_owned(), json);
                    } else if let Some(region) = name.strip_prefix("lambda/") {
                        let functions = serde_json::from_slice(&json).map_err(corrupt)?;
                        region_of(&mut world, region).functions = Some(functions);
                    } else if name == IAM_RECORD {
                        let record: iam::IamRecord =
                            serde_json::from_slice(&json).map_err(corrupt)?;
                        let fixtures = state.iam.directory();
                        directory =
                            Some(iam::restore(record, &fixtures).map_err(|e| {
                                DurableError::Corrupt(format!("record {name}: {e}"))
                            })?);
                    } else if let Some(region) = name.strip_prefix("cfn-sets/") {
                        let sets = serde_json::from_slice(&json).map_err(corrupt)?;
                        region_of(&mut world, region).change_sets = Some(sets);
                    } else if let Some(region) = name.strip_prefix("cfn/") {
                        let stacks = serde_json::from_slice(&json).map_err(corrupt)?;
                        region_of(&mut world, region).stacks = Some(stacks);
                    } else if let Some(region) = name.strip_prefix("kms/") {
                        let kms: KmsSnap = serde_json::from_slice(&json).map_err(corrupt)?;
                        let snap = region_of(&mut world, region);
                        snap.keys = kms.keys;
                        snap.aliases = kms.aliases;
                    } else {
                        return Err(DurableError::Corrupt(format!(
                            "record {name} is of no known kind"
                        )));
                    }
                }
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(store(e)),
        }
        let regions = snapshot::build(state, world, &zips)
            .map_err(|e| DurableError::Corrupt(e.to_string()))?;
        Ok(Loaded { regions, directory })
    }

    /// Replaces everything the store holds with the emulator's state, in one
    /// transaction: the seed of an empty directory, a reset, a restored snapshot.
    pub fn rewrite(&self, state: &EmulatorState) -> Result<(), DurableError> {
        let _committing = lock(&self.committed);
        let regions = state.regions.all_named();
        let mut seen = Seen::default();
        let mut txn = self.db.begin_write().map_err(store)?;
        txn.set_durability(Durability::Immediate).map_err(store)?;
        txn.delete_table(RECORDS).map_err(store)?;
        {
            let mut meta = txn.open_table(META).map_err(store)?;
            for (name, value) in [
                ("format", FORMAT.as_bytes()),
                ("version", VERSION.to_string().as_bytes()),
                ("account", state.config.account.as_bytes()),
            ] {
                meta.insert(name, value).map_err(store)?;
            }
            meta.insert("check", self.seal("check", CHECK)?.as_slice())
                .map_err(store)?;
            let mut table = txn.open_table(RECORDS).map_err(store)?;
            for (name, region) in &regions {
                for (key, parameter) in region.ssm.all() {
                    let record = parameter_record(name, &key);
                    self.put(
                        &mut table,
                        &record,
                        &snapshot::parameter_snap(key, parameter),
                    )?;
                }
                let generation = region.kms.generation();
                self.put(
                    &mut table,
                    &format!("kms/{name}"),
                    &snapshot::kms_snap(region),
                )?;
                self.put_functions(&mut table, name, region)?;
                self.put(
                    &mut table,
                    &format!("cfn/{name}"),
                    &snapshot::stacks_snap(region),
                )?;
                self.put(
                    &mut table,
                    &format!("cfn-sets/{name}"),
                    &snapshot::change_sets_snap(region),
                )?;
                seen.kms.insert(address(&region.kms), generation);
            }
            let directory = state.iam.directory();
            self.put(&mut table, IAM_RECORD, &iam::record(&directory))?;
            seen.directory = Some(directory);
        }
        txn.commit().map_err(store)?;
        *lock(&self.seen) = seen;
        Ok(())
    }

    /// Whether a region's keys or the IAM directory changed since they were last
    /// written.
    fn changed(&self, state: &EmulatorState) -> bool {
        let seen = lock(&self.seen);
        let directory = state.iam.directory();
        !seen
            .directory
            .as_ref()
            .is_some_and(|d| Arc::ptr_eq(d, &directory))
            || state
                .regions
                .any(|region| seen.kms.get(&address(&region.kms)) != Some(&region.kms.generation()))
    }

    /// Queues a request's changes and returns its ticket.
    fn enqueue(&self, touched: Touched) -> u64 {
        let mut pending = lock(&self.pending);
        pending.ticket += 1;
        pending.parameters.extend(touched.parameters);
        pending.lambda.extend(touched.lambda);
        pending.ticket
    }

    /// Returns once every change queued up to `ticket` is committed: by this call, or by
    /// one that committed them with its own.
    fn commit_through(&self, state: &EmulatorState, ticket: u64) -> Result<(), DurableError> {
        let mut committed = lock(&self.committed);
        if *committed >= ticket {
            return Ok(());
        }
        let (through, parameters, lambda) = {
            let mut pending = lock(&self.pending);
            (
                pending.ticket,
                std::mem::take(&mut pending.parameters),
                std::mem::take(&mut pending.lambda),
            )
        };
        match self.write_changes(state, &parameters, &lambda) {
            Ok(()) => {
                *committed = through;
                Ok(())
            }
            Err(e) => {
                // Queued again: the next commit retries them.
                let mut pending = lock(&self.pending);
                pending.parameters.extend(parameters);
                pending.lambda.extend(lambda);
                Err(e)
            }
        }
    }

    fn write_changes(
        &self,
        state: &EmulatorState,
        parameters: &BTreeSet<(usize, String)>,
        lambda: &BTreeSet<String>,
    ) -> Result<(), DurableError> {
        let regions = state.regions.all_named();
        let (seen, seen_directory) = {
            let seen = lock(&self.seen);
            (seen.kms.clone(), seen.directory.clone())
        };
        let directory = state.iam.directory();
        let mut written = Vec::new();
        let mut txn = self.db.begin_write().map_err(store)?;
        txn.set_durability(Durability::Immediate).map_err(store)?;
        {
            let mut table = txn.open_table(RECORDS).map_err(store)?;
            for (store_address, key) in parameters {
                // A store no region holds any more was replaced by a reset or a restore,
                // which wrote the whole state.
                let Some((name, region)) = regions
                    .iter()
                    .find(|(_, region)| address(&region.ssm) == *store_address)
                else {
                    continue;
                };
                let record = parameter_record(name, key);
                match region
                    .ssm
                    .with(key, |p| snapshot::parameter_snap(key.clone(), p.clone()))
                {
                    Some(snap) => self.put(&mut table, &record, &snap)?,
                    None => {
                        table.remove(record.as_str()).map_err(store)?;
                    }
                }
            }
            for (name, region) in &regions {
                // The generation is read before the keys: what is written is at least as
                // new as the generation recorded.
                let (store, generation) = (address(&region.kms), region.kms.generation());
                if seen.get(&store) != Some(&generation) {
                    self.put(
                        &mut table,
                        &format!("kms/{name}"),
                        &snapshot::kms_snap(region),
                    )?;
                    written.push((store, generation));
                }
            }
            for (name, region) in &regions {
                if lambda.contains(name) {
                    self.put_functions(&mut table, name, region)?;
                }
            }
            if !seen_directory.is_some_and(|d| Arc::ptr_eq(&d, &directory)) {
                self.put(&mut table, IAM_RECORD, &iam::record(&directory))?;
            }
        }
        txn.commit().map_err(store)?;
        let mut seen = lock(&self.seen);
        seen.kms.extend(written);
        seen.directory = Some(directory);
        Ok(())
    }
}

fn parameter_record(region: &str, key: &str) -> String {
    format!("ssm/{region}/{key}")
}

fn region_of<'a>(world: &'a mut WorldState, region: &str) -> &'a mut RegionSnap {
    world.regions.entry(region.to_owned()).or_default()
}

/// Makes what a request changed durable before it is answered: returns once it is
/// committed (at once when nothing changed). The commit runs on the blocking pool: an
/// fsync must not hold a thread that serves requests.
pub async fn commit(
    durable: &Arc<Durable>,
    state: &Arc<EmulatorState>,
    touched: Touched,
) -> Result<(), DurableError> {
    if touched.is_empty() && !durable.changed(state) {
        return Ok(());
    }
    let ticket = durable.enqueue(touched);
    let (durable, state) = (Arc::clone(durable), Arc::clone(state));
    tokio::task::spawn_blocking(move || durable.commit_through(&state, ticket))
        .await
        .map_err(|e| DurableError::Store(format!("the commit did not finish: {e}")))?
}

/// Writes the whole state again (after a reset or a restored snapshot), on the blocking
/// pool.
pub async fn rewrite(
    durable: &Arc<Durable>,
    state: &Arc<EmulatorState>,
) -> Result<(), DurableError> {
    let (durable, state) = (Arc::clone(durable), Arc::clone(state));
    tokio::task::spawn_blocking(move || durable.rewrite(&state))
        .await
        .map_err(|e| DurableError::Store(format!("the rewrite did not finish: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ssm::store::{NewVersion, ParameterStore, ParameterType};
    use crate::time::Timestamp;

    /// A fresh directory under the system's temporary directory.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "emulator-durable-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn version(value: &str) -> NewVersion {
        NewVersion {
            value: value.to_owned(),
            encrypted: None,
            kind: Some(ParameterType::String),
            key_id: None,
            description: None,
            allowed_pattern: None,
            data_type: None,
            tier: None,
            policies: None,
            overwrite: true,
            tags: BTreeMap::new(),
            user: "arn:aws:iam::123456789012:root".to_owned(),
            now: Timestamp(0),
            quota: None,
        }
    }

    use std::collections::BTreeMap;

    /// An emulator holding two versions of a parameter and a key, seeded into `dir`.
    fn seeded(dir: &Path) -> (EmulatorState, Durable) {
        let state = EmulatorState::new(Config::default());
        let region = state.region("eu-west-1");
        region.ssm.put("/app/a", "/app/a", version("one")).unwrap();
        region
            .ssm
            .put("/app/a", "/app/a", version("value-two-of-app-a"))
            .unwrap();
        region.kms.write(|data| {
            crate::kms::ensure_aws_managed_key(data, "eu-west-1", "123456789012", "ssm").unwrap();
        });
        let (durable, found) = Durable::open(dir, "123456789012").unwrap();
        assert_eq!(found, Found::Empty);
        durable.rewrite(&state).unwrap();
        (state, durable)
    }

    #[test]
    fn a_seeded_directory_loads_the_same_state_and_commits_changes() {
        let dir = temp_dir("round-trip");
        let (state, durable) = seeded(&dir);
        // A change committed as a request's would be.
        let region = state.region("eu-west-1");
        let ((), touched) = collecting(|| {
            region.ssm.put("/app/b", "/app/b", version("new")).unwrap();
        });
        assert!(!touched.is_empty());
        let ticket = durable.enqueue(touched);
        durable.commit_through(&state, ticket).unwrap();
        drop(durable);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the key file is the owner's only");
        }
        let (durable, found) = Durable::open(&dir, "123456789012").unwrap();
        assert_eq!(found, Found::State);
        let loaded = durable.load(&state).unwrap();
        assert!(loaded.directory.is_some());
        let after = loaded.regions.get("eu-west-1");
        assert_eq!(after.ssm.all(), region.ssm.all());
        let aliases = |r: &RegionState| {
            r.kms
                .read(|d| d.aliases.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(aliases(&after), aliases(&region));
        let materials = |r: &RegionState| {
            r.kms.read(|d| {
                d.keys
                    .values()
                    .map(|k| k.materials.clone())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(materials(&after), materials(&region));
        // Key material is not in the store file in the clear.
        let file = std::fs::read(dir.join(STORE_FILE)).unwrap();
        let material = region
            .kms
            .read(|d| d.keys.values().next().unwrap().materials[0].0);
        assert!(!file.windows(32).any(|w| w == material));
        // Nor are values (names are: they are the records' keys).
        assert!(!file.windows(18).any(|w| w == b"value-two-of-app-a"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_store_of_another_account_a_newer_version_or_another_key_is_refused() {
        let dir = temp_dir("refusals");
        let (_, durable) = seeded(&dir);
        drop(durable);
        assert!(matches!(
            Durable::open(&dir, "210987654321"),
            Err(DurableError::OtherAccount { .. })
        ));
        // Written by a newer emulator.
        {
            let db = Database::create(dir.join(STORE_FILE)).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(META)
                .unwrap()
                .insert("version", (VERSION + 1).to_string().as_bytes())
                .unwrap();
            txn.commit().unwrap();
        }
        assert!(matches!(
            Durable::open(&dir, "123456789012"),
            Err(DurableError::Newer { found }) if found == VERSION + 1
        ));
        let _ = std::fs::remove_dir_all(&dir);

        let dir = temp_dir("other-key");
        drop(seeded(&dir));
        std::fs::write(dir.join(KEY_FILE), [7u8; 32]).unwrap();
        assert!(matches!(
            Durable::open(&dir, "123456789012"),
            Err(DurableError::Key(..))
        ));
        std::fs::remove_file(dir.join(KEY_FILE)).unwrap();
        assert!(matches!(
            Durable::open(&dir, "123456789012"),
            Err(DurableError::Key(..))
        ));
        // The store was not replaced by an empty one.
        assert!(dir.join(STORE_FILE).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_record_or_a_foreign_directory_stops_the_start() {
        let dir = temp_dir("damaged");
        let (state, durable) = seeded(&dir);
        // One byte of a record changed in place.
        {
            let txn = durable.db.begin_write().unwrap();
            {
                let mut table = txn.open_table(RECORDS).unwrap();
                let mut record = table
                    .get("ssm/eu-west-1//app/a")
                    .unwrap()
                    .unwrap()
                    .value()
                    .to_vec();
                let last = record.len() - 1;
                record[last] ^= 1;
                table
                    .insert("ssm/eu-west-1//app/a", record.as_slice())
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        let error = durable
            .load(&state)
            .expect_err("a damaged record is refused");
        assert!(matches!(error, DurableError::Corrupt(_)), "{error}");
        drop(durable);
        let _ = std::fs::remove_dir_all(&dir);

        // A file that is not a store.
        let dir = temp_dir("garbage");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(STORE_FILE), b"not a database at all, just text").unwrap();
        std::fs::write(dir.join(KEY_FILE), [1u8; 32]).unwrap();
        assert!(Durable::open(&dir, "123456789012").is_err());
        let _ = std::fs::remove_dir_all(&dir);

        // A directory of something else.
        let dir = temp_dir("foreign");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
        assert!(matches!(
            Durable::open(&dir, "123456789012"),
            Err(DurableError::Foreign(..))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn nothing_is_collected_without_a_request_being_collected() {
        let store = ParameterStore::default();
        store.put("/x", "/x", version("v")).unwrap();
        assert!(!crate::ssm::store::collecting_now());
        let (_, touched) = collecting(|| store.delete("/x"));
        assert_eq!(touched.parameters, vec![(address(&store), "/x".to_owned())]);
        assert!(!crate::ssm::store::collecting_now());
    }
}
