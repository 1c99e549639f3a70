//! A region's functions: each with its current configuration and code (an immutable
//! snapshot, replaced whole by every change, so an invocation runs the version it
//! started with) and its execution environments, its published versions (each an
//! immutable snapshot with environments of its own) and its aliases.

use super::code::CodePackage;
use super::config::FunctionConfig;
use super::error::LambdaError;
use super::pool::EnvironmentPool;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A function's configuration and code at one point in time.
#[derive(Debug)]
pub struct FunctionVersion {
    pub config: FunctionConfig,
    pub code: Arc<CodePackage>,
    /// Grows with every change; environments are started for one generation.
    pub generation: u64,
}

/// A published version: its snapshot never changes, and it runs in environments of its
/// own (Lambda keeps each version's environments apart).
#[derive(Debug)]
pub struct Published {
    pub number: u64,
    pub version: Arc<FunctionVersion>,
    pub pool: EnvironmentPool,
    /// The `$LATEST` revision it was published from (publishing again without a change
    /// returns this version).
    pub from_revision: String,
}

/// An alias: a name for a version, with an optional second version that receives a
/// share of the invocations.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    pub description: String,
    /// `AdditionalVersionWeights`: version → share (0.0-1.0).
    pub weights: BTreeMap<String, f64>,
    pub revision_id: String,
}

/// What a qualifier names once resolved.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// `$LATEST` (or no qualifier).
    Latest,
    /// A published version.
    Version(Arc<Published>),
}

/// Whether a function can run yet (beyond its code's own state).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Readiness {
    #[default]
    Ready,
    /// Still being prepared: `Pending`.
    Preparing,
    /// It cannot run: `Failed`.
    Failed { reason: String, code: &'static str },
}

/// The last update of `$LATEST`.
#[derive(Debug, Clone, Default)]
pub enum LastUpdate {
    #[default]
    Successful,
    /// This version becomes current once prepared.
    InProgress(Arc<FunctionVersion>),
    Failed {
        reason: String,
        code: &'static str,
    },
}

/// A function's state and last update; `updates` holds the rules that change them
/// (the store keeps only the data, so it names no module above it).
#[derive(Debug, Default)]
pub struct Status {
    pub creation: Readiness,
    pub update: LastUpdate,
}

/// A function.
#[derive(Debug)]
pub struct Function {
    pub name: String,
    pub arn: String,
    current: RwLock<Arc<FunctionVersion>>,
    generation: AtomicU64,
    pub pool: EnvironmentPool,
    versions: RwLock<BTreeMap<u64, Arc<Published>>>,
    /// The last number used: numbers are never reused, even after a version is deleted.
    last_version: AtomicU64,
    aliases: RwLock<BTreeMap<String, Alias>>,
    /// Its state and the status of its last update (see `updates`).
    pub(super) status: std::sync::Mutex<Status>,
}

impl Function {
    /// A new function.
    pub fn new(config: FunctionConfig, code: Arc<CodePackage>, pool: EnvironmentPool) -> Self {
        Function {
            name: config.name.clone(),
            arn: config.arn.clone(),
            current: RwLock::new(Arc::new(FunctionVersion {
                config,
                code,
                generation: 1,
            })),
            generation: AtomicU64::new(1),
            pool,
            versions: RwLock::new(BTreeMap::new()),
            last_version: AtomicU64::new(0),
            aliases: RwLock::new(BTreeMap::new()),
            status: std::sync::Mutex::new(Status::default()),
        }
    }

    /// A function as a snapshot or a state directory kept it: its current configuration
    /// and code, its published versions, the last version number used and its aliases.
    pub fn restored(
        current: FunctionVersion,
        pool: EnvironmentPool,
        versions: Vec<Published>,
        last_version: u64,
        aliases: Vec<Alias>,
    ) -> Self {
        Function {
            name: current.config.name.clone(),
            arn: current.config.arn.clone(),
            generation: AtomicU64::new(current.generation),
            current: RwLock::new(Arc::new(current)),
            pool,
            versions: RwLock::new(
                versions
                    .into_iter()
                    .map(|p| (p.number, Arc::new(p)))
                    .collect(),
            ),
            last_version: AtomicU64::new(last_version),
            aliases: RwLock::new(aliases.into_iter().map(|a| (a.name.clone(), a)).collect()),
            // A restored function's last update is over: its code was built again above.
            status: std::sync::Mutex::new(Status::default()),
        }
    }

    /// The last version number used (deleted versions' numbers are never used again).
    pub fn last_version(&self) -> u64 {
        self.last_version.load(Ordering::Acquire)
    }

    /// Publishes `$LATEST` as a new version (in one write-lock section of the versions,
    /// so two publications never share a number), unless `$LATEST` has not changed since
    /// the last version: that version is returned (Lambda Developer Guide, "Creating
    /// function versions": a version is published only if the code or configuration
    /// changed). `check` sees `$LATEST` first and may refuse.
    pub fn publish<F>(
        &self,
        description: Option<&str>,
        pool: EnvironmentPool,
        check: F,
    ) -> Result<Arc<Published>, LambdaError>
    where
        F: FnOnce(&FunctionVersion) -> Result<(), LambdaError>,
    {
        let latest = self.current();
        check(&latest)?;
        let mut versions = self.versions.write().unwrap_or_else(|e| e.into_inner());
        if let Some((_, last)) = versions.iter().next_back() {
            if last.from_revision == latest.config.revision_id {
                return Ok(Arc::clone(last));
            }
        }
        let number = self.last_version.fetch_add(1, Ordering::AcqRel) + 1;
        let mut config = latest.config.clone();
        config.version = number.to_string();
        if let Some(d) = description {
            config.description = d.to_owned();
        }
        config.touch();
        let published = Arc::new(Published {
            number,
            version: Arc::new(FunctionVersion {
                config,
                code: Arc::clone(&latest.code),
                generation: latest.generation,
            }),
            pool,
            from_revision: latest.config.revision_id.clone(),
        });
        versions.insert(number, Arc::clone(&published));
        Ok(published)
    }

    /// Published version `number`.
    pub fn version(&self, number: u64) -> Option<Arc<Published>> {
        self.versions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&number)
            .cloned()
    }

    /// Every published version, oldest first.
    pub fn versions(&self) -> Vec<Arc<Published>> {
        self.versions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Removes version `number`, unless an alias routes to it (then the names of those
    /// aliases). Checked and removed with both locks held, so an alias cannot be pointed
    /// at it in between.
    pub fn remove_version(&self, number: u64) -> Result<Option<Arc<Published>>, Vec<String>> {
        let aliases = self.aliases.read().unwrap_or_else(|e| e.into_inner());
        let key = number.to_string();
        let users: Vec<String> = aliases
            .values()
            .filter(|a| a.function_version == key || a.weights.contains_key(&key))
            .map(|a| a.name.clone())
            .collect();
        if !users.is_empty() {
            return Err(users);
        }
        let removed = self
            .versions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&number);
        if let Some(published) = &removed {
            published.pool.close();
        }
        Ok(removed)
    }

    /// Alias `name`.
    pub fn alias(&self, name: &str) -> Option<Alias> {
        self.aliases
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Every alias, in name order.
    pub fn aliases(&self) -> Vec<Alias> {
        self.aliases
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Creates (`create`) or replaces an alias with what `change` makes of the current
    /// one, inside one write-lock section; the versions it names must exist then.
    pub fn put_alias<F>(&self, name: &str, change: F) -> Result<Alias, LambdaError>
    where
        F: FnOnce(Option<&Alias>) -> Result<Alias, LambdaError>,
    {
        let mut aliases = self.aliases.write().unwrap_or_else(|e| e.into_inner());
        let next = change(aliases.get(name))?;
        let versions = self.versions.read().unwrap_or_else(|e| e.into_inner());
        for version in std::iter::once(&next.function_version).chain(next.weights.keys()) {
            let exists = version == super::names::LATEST
                || version
                    .parse::<u64>()
                    .is_ok_and(|n| versions.contains_key(&n));
            if !exists {
                return Err(LambdaError::function_not_found(&format!(
                    "{}:{version}",
                    self.arn
                )));
            }
        }
        aliases.insert(name.to_owned(), next.clone());
        Ok(next)
    }

    /// Removes alias `name`.
    pub fn remove_alias(&self, name: &str) -> Option<Alias> {
        self.aliases
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
    }

    /// The environment pools of `$LATEST` and of every published version.
    pub fn pools(&self) -> Vec<EnvironmentPool> {
        std::iter::once(self.pool.clone())
            .chain(self.versions().iter().map(|p| p.pool.clone()))
            .collect()
    }

    /// Stops every environment of every version (the function is deleted).
    pub fn close(&self) {
        self.pool.close();
        for published in self.versions() {
            published.pool.close();
        }
    }

    /// The current configuration and code.
    pub fn current(&self) -> Arc<FunctionVersion> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the configuration and code with what `change` makes of the current ones
    /// (decided inside one write-lock section, so concurrent changes never lose each
    /// other), then retires the warm environments of the previous generation.
    pub fn update<F>(&self, change: F) -> Result<Arc<FunctionVersion>, LambdaError>
    where
        F: FnOnce(&FunctionVersion) -> Result<(FunctionConfig, Arc<CodePackage>), LambdaError>,
    {
        let next = {
            let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
            let (config, code) = change(&current)?;
            let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
            let next = Arc::new(FunctionVersion {
                config,
                code,
                generation,
            });
            *current = Arc::clone(&next);
            next
        };
        self.pool.retire_other_generations(next.generation);
        Ok(next)
    }

    /// What `change` makes of the current configuration and code, as a new generation
    /// that is not yet current (an update still being prepared); [`Function::install`]
    /// makes it current. The caller keeps other changes out in between (`updates`).
    pub fn stage<F>(&self, change: F) -> Result<Arc<FunctionVersion>, LambdaError>
    where
        F: FnOnce(&FunctionVersion) -> Result<(FunctionConfig, Arc<CodePackage>), LambdaError>,
    {
        let current = self.current();
        let (config, code) = change(&current)?;
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        Ok(Arc::new(FunctionVersion {
            config,
            code,
            generation,
        }))
    }

    /// The bytes of code the function keeps: each distinct package of `$LATEST` and of
    /// its published versions. A version keeps the package it was published with, so
    /// versions count toward the region's code storage quota as on Lambda (PublishVersion
    /// and the updates answer `CodeStorageExceededException`, botocore model; deleting
    /// old versions is how the quota is freed: Lambda Developer Guide, "Lambda quotas",
    /// "Function and layer storage").
    pub fn stored_code(&self) -> u64 {
        self.code_of(Some(&self.current()))
    }

    /// [`Function::stored_code`] without `$LATEST`'s package (unless a version keeps it
    /// too): what stays when `$LATEST`'s code is replaced.
    pub fn versions_code(&self) -> u64 {
        self.code_of(None)
    }

    fn code_of(&self, latest: Option<&FunctionVersion>) -> u64 {
        let versions = self.versions();
        let mut seen: Vec<*const CodePackage> = Vec::new();
        let mut total = 0u64;
        let packages = latest
            .map(|l| &l.code)
            .into_iter()
            .chain(versions.iter().map(|p| &p.version.code));
        for code in packages {
            let key = Arc::as_ptr(code);
            if !seen.contains(&key) {
                seen.push(key);
                total = total.saturating_add(code.size());
            }
        }
        total
    }

    /// Replaces the function's tags with what `change` makes of them (in one write-lock
    /// section, so concurrent tag changes never lose each other), with a new
    /// `RevisionId` as Lambda gives one after a tag change. Tags are not configuration:
    /// the generation and the warm environments stay.
    pub fn retag<F>(&self, change: F) -> Result<(), LambdaError>
    where
        F: FnOnce(&BTreeMap<String, String>) -> Result<BTreeMap<String, String>, LambdaError>,
    {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let tags = change(&current.config.tags)?;
        let mut config = current.config.clone();
        config.tags = tags;
        config.revision_id = uuid::Uuid::new_v4().to_string();
        *current = Arc::new(FunctionVersion {
            config,
            code: Arc::clone(&current.code),
            generation: current.generation,
        });
        Ok(())
    }

    /// Makes a staged version current and retires the warm environments of the others.
    pub fn install(&self, next: &Arc<FunctionVersion>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(next);
        self.pool.retire_other_generations(next.generation);
    }
}

/// The functions of one region, by name.
#[derive(Debug, Default)]
pub struct FunctionStore {
    functions: RwLock<BTreeMap<String, Arc<Function>>>,
}

impl FunctionStore {
    /// The function named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Function>> {
        self.functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Adds a function; `false` if one of that name exists.
    pub fn insert(&self, function: Arc<Function>) -> bool {
        let mut functions = self.functions.write().unwrap_or_else(|e| e.into_inner());
        if functions.contains_key(&function.name) {
            return false;
        }
        functions.insert(function.name.clone(), function);
        true
    }

    /// Adds a function if the region's code stays within `code_limit` bytes (decided under
    /// the store's write lock, so concurrent creations cannot overshoot it together):
    /// `Ok(false)` if one of that name exists.
    pub fn insert_within(
        &self,
        function: Arc<Function>,
        code_limit: u64,
    ) -> Result<bool, LambdaError> {
        let mut functions = self.functions.write().unwrap_or_else(|e| e.into_inner());
        if functions.contains_key(&function.name) {
            return Ok(false);
        }
        let stored: u64 = functions.values().map(|f| f.stored_code()).sum();
        if stored.saturating_add(function.stored_code()) > code_limit {
            return Err(LambdaError::code_storage_exceeded());
        }
        functions.insert(function.name.clone(), function);
        Ok(true)
    }

    /// The code the region stores (every function's packages, see
    /// [`Function::stored_code`]), leaving out `except`.
    pub fn code_bytes(&self, except: Option<&str>) -> u64 {
        self.functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(name, _)| Some(name.as_str()) != except)
            .map(|(_, f)| f.stored_code())
            .sum()
    }

    /// Removes a function.
    pub fn remove(&self, name: &str) -> Option<Arc<Function>> {
        self.functions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
    }

    /// Up to `max` functions in name order starting at `from` (inclusive), and the name
    /// the next page starts at.
    pub fn page(&self, from: Option<&str>, max: usize) -> (Vec<Arc<Function>>, Option<String>) {
        let functions = self.functions.read().unwrap_or_else(|e| e.into_inner());
        let start = from.unwrap_or("");
        let mut page: Vec<Arc<Function>> = functions
            .range(start.to_owned()..)
            .take(max + 1)
            .map(|(_, f)| Arc::clone(f))
            .collect();
        let next = if page.len() > max {
            page.pop().map(|f| f.name.clone())
        } else {
            None
        };
        (page, next)
    }

    /// Every function.
    pub fn all(&self) -> Vec<Arc<Function>> {
        self.functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }
}
