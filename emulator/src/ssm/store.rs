//! The Parameter Store of one region: parameters keyed by their normalised name in an
//! ordered map, so that a path query is a range scan (O(log n + results)), and every
//! change to one parameter happens under one write lock, so concurrent writers never lose
//! a version.

use super::error::SsmError;
use super::names::Selector;
use crate::time::Timestamp;
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How many versions of a parameter are kept.
pub const MAX_VERSIONS: usize = 100;
/// How many labels one version may carry.
pub const MAX_LABELS_PER_VERSION: usize = 10;
/// How many tags one parameter may carry.
pub const MAX_TAGS: usize = 50;
/// The longest value of a Standard-tier parameter.
pub const STANDARD_VALUE_LIMIT: usize = 4096;
/// The longest value of an Advanced-tier parameter.
pub const ADVANCED_VALUE_LIMIT: usize = 8192;

/// A parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterType {
    String,
    StringList,
    SecureString,
}

impl ParameterType {
    /// The type named `s` (exactly as the model spells it).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "String" => Some(ParameterType::String),
            "StringList" => Some(ParameterType::StringList),
            "SecureString" => Some(ParameterType::SecureString),
            _ => None,
        }
    }

    /// The model's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterType::String => "String",
            ParameterType::StringList => "StringList",
            ParameterType::SecureString => "SecureString",
        }
    }
}

/// A parameter's storage tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Standard,
    Advanced,
}

impl Tier {
    /// The model's name of the tier.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "Standard",
            Tier::Advanced => "Advanced",
        }
    }
}

/// The tier a PutParameter asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedTier {
    Standard,
    Advanced,
    /// Standard when the value and policies allow it, Advanced otherwise.
    IntelligentTiering,
}

impl RequestedTier {
    /// The tier named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Standard" => Some(RequestedTier::Standard),
            "Advanced" => Some(RequestedTier::Advanced),
            "Intelligent-Tiering" => Some(RequestedTier::IntelligentTiering),
            _ => None,
        }
    }
}

/// The most compiled size of an `AllowedPattern` (the `regex` crate's own default is
/// 10 MB): a pattern of AWS's 1024 characters such as `(a{1,100}){1,100}` expands far
/// beyond any real one, and is refused as invalid instead of compiled.
pub const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

/// A parameter's `AllowedPattern`, compiled once when it is set and kept with the
/// version (overwrites that keep it reuse the compiled form).
#[derive(Clone)]
pub struct AllowedPattern {
    regex: regex::Regex,
}

impl AllowedPattern {
    /// Compiles `text` within [`PATTERN_SIZE_LIMIT`].
    pub fn compile(text: &str) -> Result<Self, regex::Error> {
        regex::RegexBuilder::new(text)
            .size_limit(PATTERN_SIZE_LIMIT)
            .dfa_size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map(|regex| AllowedPattern { regex })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// Whether a value matches the pattern.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

impl PartialEq for AllowedPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl std::fmt::Debug for AllowedPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AllowedPattern")
            .field(&self.as_str())
            .finish()
    }
}

/// One version of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterVersion {
    pub version: u64,
    /// The value as stored: plain text for String and StringList; for SecureString, the
    /// ciphertext.
    pub value: String,
    pub kind: ParameterType,
    /// The KMS key of a SecureString.
    pub key_id: Option<String>,
    pub description: Option<String>,
    pub allowed_pattern: Option<AllowedPattern>,
    pub data_type: String,
    pub tier: Tier,
    /// Parameter policies (JSON texts), Advanced tier only.
    pub policies: Vec<String>,
    pub labels: Vec<String>,
    pub last_modified: Timestamp,
    pub last_modified_user: String,
}

/// A parameter: its name as first written, its kept versions (oldest first) and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub versions: VecDeque<ParameterVersion>,
    pub tags: BTreeMap<String, String>,
}

impl Parameter {
    /// The newest version.
    pub fn latest(&self) -> &ParameterVersion {
        // A parameter is only ever created with one version and never loses its last.
        &self.versions[self.versions.len() - 1]
    }

    fn position(&self, version: u64) -> Option<usize> {
        let first = self.versions.front()?.version;
        let index = usize::try_from(version.checked_sub(first)?).ok()?;
        (self.versions.get(index)?.version == version).then_some(index)
    }

    /// The version a selector names, or the newest.
    pub fn select(&self, selector: Option<&Selector>) -> Result<&ParameterVersion, SsmError> {
        match selector {
            None => Ok(self.latest()),
            Some(Selector::Version(v)) => self
                .position(*v)
                .map(|i| &self.versions[i])
                .ok_or_else(|| version_not_found(&self.name, &v.to_string())),
            Some(Selector::Label(label)) => self
                .versions
                .iter()
                .find(|pv| pv.labels.iter().any(|l| l == label))
                .ok_or_else(|| not_found(&format!("{}:{label}", self.name))),
        }
    }
}

fn version_not_found(name: &str, selector: &str) -> SsmError {
    SsmError::ParameterVersionNotFound(format!(
        "Systems Manager could not find version {selector} of {name}. Verify the version and try again."
    ))
}

/// `ParameterNotFound` as Delete, History and the label operations answer it.
pub fn not_found(name: &str) -> SsmError {
    SsmError::ParameterNotFound(format!("Parameter {name} not found."))
}

/// What a PutParameter writes, after the request's own checks.
#[derive(Clone)]
pub struct NewVersion {
    /// The value as given: the rules (length, allowed pattern) apply to it.
    pub value: String,
    /// For a SecureString, the ciphertext (base64) stored instead of `value`.
    pub encrypted: Option<String>,
    pub kind: Option<ParameterType>,
    pub key_id: Option<String>,
    pub description: Option<String>,
    pub allowed_pattern: Option<AllowedPattern>,
    pub data_type: Option<String>,
    pub tier: Option<RequestedTier>,
    pub policies: Option<Vec<String>>,
    pub overwrite: bool,
    pub tags: BTreeMap<String, String>,
    pub user: String,
    pub now: Timestamp,
    /// The region's quotas a new parameter (or one moving to the advanced tier) must fit;
    /// `None` for fixtures, which are the operator's own and never refused.
    pub quota: Option<ParameterQuota>,
}

/// Parameters per region and tier (AWS: 10,000 standard, 100,000 advanced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterQuota {
    pub standard: usize,
    pub advanced: usize,
}

impl std::fmt::Debug for NewVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value may be a SecureString plaintext: never print it.
        f.debug_struct("NewVersion")
            .field("kind", &self.kind)
            .field("key_id", &self.key_id)
            .field("overwrite", &self.overwrite)
            .finish_non_exhaustive()
    }
}

/// One page of a range query, and where the next page starts.
#[derive(Debug, Default)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The key after which the next page starts, when there may be more.
    pub next_after: Option<String>,
}

/// Which part of the name space a query covers.
#[derive(Debug, Clone)]
pub struct PathScope {
    /// Keys starting with this prefix are under the path (`/` or `/a/b/`).
    pub prefix: String,
    /// All descendants, or direct children only.
    pub recursive: bool,
}

impl PathScope {
    /// The scope of a path such as `/a/b` or `/a/b/`.
    pub fn of_path(path: &str, recursive: bool) -> Self {
        let trimmed = path.trim_end_matches('/');
        PathScope {
            prefix: format!("{trimmed}/"),
            recursive,
        }
    }
}

thread_local! {
    /// The parameters the request running on this thread changed (the store's address,
    /// the key), or `None` when nobody collects them (no state directory). The store
    /// marks them itself, so a caller that commits changes (`durable`) needs no hook in
    /// any operation, and the store depends on no caller.
    static TOUCHED: RefCell<Option<Vec<(usize, String)>>> = const { RefCell::new(None) };
}

/// Marks `key` of `store` as changed by the request running on this thread. Without a
/// collection this does nothing (no allocation).
fn touch(store: &ParameterStore, key: &str) {
    TOUCHED.with(|touched| {
        if let Some(list) = touched.borrow_mut().as_mut() {
            list.push((store as *const ParameterStore as usize, key.to_owned()));
        }
    });
}

/// Clears the collection when the operation ends, even by unwinding.
struct Collecting;

impl Drop for Collecting {
    fn drop(&mut self) {
        TOUCHED.with(|touched| touched.borrow_mut().take());
    }
}

/// Runs a synchronous operation and returns, with its result, the parameters it changed
/// (the address of their store, their key), in order.
pub fn collect_touched<R>(operation: impl FnOnce() -> R) -> (R, Vec<(usize, String)>) {
    TOUCHED.with(|touched| *touched.borrow_mut() = Some(Vec::new()));
    let guard = Collecting;
    let result = operation();
    let touched = TOUCHED
        .with(|touched| touched.borrow_mut().take())
        .unwrap_or_default();
    drop(guard);
    (result, touched)
}

/// Whether changes are being collected on this thread (tests).
#[cfg(test)]
pub fn collecting_now() -> bool {
    TOUCHED.with(|touched| touched.borrow().is_some())
}

/// A region's parameters.
#[derive(Debug, Default)]
pub struct ParameterStore {
    parameters: RwLock<BTreeMap<String, Parameter>>,
    /// Parameters whose newest version is in the standard tier, and in the advanced tier
    /// (changed only under the write lock).
    standard: AtomicUsize,
    advanced: AtomicUsize,
}

impl ParameterStore {
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Parameter>> {
        self.parameters.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Parameter>> {
        self.parameters.write().unwrap_or_else(|e| e.into_inner())
    }

    fn counter(&self, tier: Tier) -> &AtomicUsize {
        match tier {
            Tier::Standard => &self.standard,
            Tier::Advanced => &self.advanced,
        }
    }

    /// The number of parameters in `tier`.
    pub fn count(&self, tier: Tier) -> usize {
        self.counter(tier).load(Ordering::Relaxed)
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Peeks at the newest version of a parameter (to learn its type or key before an
    /// encryption that must happen outside the lock).
    pub fn latest(&self, key: &str) -> Option<ParameterVersion> {
        self.read().get(key).map(|p| p.latest().clone())
    }

    /// Writes a new version (creating the parameter when needed) and returns its version
    /// number and tier. Every rule that depends on the existing parameter is applied here,
    /// under the write lock.
    pub fn put(&self, key: &str, name: &str, new: NewVersion) -> Result<(u64, Tier), SsmError> {
        let mut map = self.write();
        touch(self, key);
        let existing = map.get(key);
        let previous = existing.map(Parameter::latest);
        if previous.is_some() && !new.overwrite {
            return Err(SsmError::ParameterAlreadyExists(
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.".to_owned(),
            ));
        }
        let kind = match (new.kind, previous) {
            (Some(kind), Some(prev)) if kind != prev.kind => {
                return Err(SsmError::HierarchyTypeMismatchException(format!(
                    "The parameter type can't be changed. Parameter {name} is of type {} and the request asked for {}. Delete the parameter and create it again with the new type.",
                    prev.kind.as_str(),
                    kind.as_str()
                )))
            }
            (Some(kind), _) => kind,
            (None, Some(prev)) => prev.kind,
            (None, None) => {
                return Err(SsmError::ValidationException(
                    "A parameter type is required when you create a parameter.".to_owned(),
                ))
            }
        };
        // A kept pattern was compiled when it was set: nothing is compiled under the lock.
        let allowed_pattern = new
            .allowed_pattern
            .clone()
            .or_else(|| previous.and_then(|prev| prev.allowed_pattern.clone()));
        if let Some(pattern) = &allowed_pattern {
            if !pattern.is_match(&new.value) {
                return Err(SsmError::ParameterPatternMismatchException(format!(
                    "Parameter value, cannot be validated against allowedPattern: {}",
                    pattern.as_str()
                )));
            }
        }
        let policies = new
            .policies
            .clone()
            .or_else(|| previous.map(|p| p.policies.clone()))
            .unwrap_or_default();
        let previous_tier = previous.map(|p| p.tier);
        let value_len = new.value.chars().count();
        let tier = match (new.tier, previous_tier) {
            (Some(RequestedTier::Standard), Some(Tier::Advanced)) => {
                return Err(SsmError::ValidationException(
                    "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.".to_owned(),
                ))
            }
            (Some(RequestedTier::Standard), _) => Tier::Standard,
            (Some(RequestedTier::Advanced), _) | (_, Some(Tier::Advanced)) => Tier::Advanced,
            (Some(RequestedTier::IntelligentTiering), _) => {
                if value_len > STANDARD_VALUE_LIMIT || !policies.is_empty() {
                    Tier::Advanced
                } else {
                    Tier::Standard
                }
            }
            (None, _) => Tier::Standard,
        };
        if tier == Tier::Standard && !policies.is_empty() {
            return Err(SsmError::IncompatiblePolicyException(
                "You specified a parameter policy for a standard parameter. Parameter policies are only available for advanced parameters. Change the parameter tier to Advanced or Intelligent-Tiering and try again.".to_owned(),
            ));
        }
        if tier == Tier::Standard && value_len > STANDARD_VALUE_LIMIT {
            return Err(SsmError::ValidationException(format!(
                "Standard tier parameters support a maximum parameter value of {STANDARD_VALUE_LIMIT} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html"
            )));
        }
        let adds_to_tier = previous_tier != Some(tier);
        if let (Some(quota), true) = (new.quota, adds_to_tier) {
            let (count, max) = match tier {
                Tier::Standard => (self.standard.load(Ordering::Relaxed), quota.standard),
                Tier::Advanced => (self.advanced.load(Ordering::Relaxed), quota.advanced),
            };
            if count >= max {
                return Err(SsmError::ParameterLimitExceeded(format!(
                    "You have exceeded the number of parameters for this Amazon Web Services account. Delete one or more parameters and try again. (This region holds {count} {} parameters, the quota.)",
                    tier.as_str()
                )));
            }
        }
        if value_len > ADVANCED_VALUE_LIMIT {
            return Err(SsmError::ValidationException(format!(
                "Advanced tier parameters support a maximum parameter value of {ADVANCED_VALUE_LIMIT} characters."
            )));
        }
        let description = new
            .description
            .clone()
            .or_else(|| previous.and_then(|p| p.description.clone()));
        let data_type = new
            .data_type
            .clone()
            .or_else(|| previous.map(|p| p.data_type.clone()))
            .unwrap_or_else(|| "text".to_owned());
        let key_id = if kind == ParameterType::SecureString {
            new.key_id
                .clone()
                .or_else(|| previous.and_then(|p| p.key_id.clone()))
        } else {
            None
        };
        let version = previous.map_or(1, |p| p.version + 1);
        let entry = ParameterVersion {
            version,
            value: new.encrypted.unwrap_or(new.value),
            kind,
            key_id,
            description,
            allowed_pattern,
            data_type,
            tier,
            policies,
            labels: Vec::new(),
            last_modified: new.now,
            last_modified_user: new.user,
        };
        match map.get_mut(key) {
            Some(parameter) => {
                if parameter.versions.len() >= MAX_VERSIONS {
                    let oldest = &parameter.versions[0];
                    if !oldest.labels.is_empty() {
                        return Err(SsmError::ParameterMaxVersionLimitExceeded(format!(
                            "You attempted to create a new version of {} by calling the PutParameter API with the overwrite flag. Version {}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.",
                            parameter.name, oldest.version
                        )));
                    }
                    parameter.versions.pop_front();
                }
                parameter.versions.push_back(entry);
            }
            None => {
                map.insert(
                    key.to_owned(),
                    Parameter {
                        name: name.to_owned(),
                        versions: VecDeque::from([entry]),
                        tags: new.tags,
                    },
                );
            }
        }
        if adds_to_tier {
            self.counter(tier).fetch_add(1, Ordering::Relaxed);
            if let Some(old) = previous_tier {
                self.counter(old).fetch_sub(1, Ordering::Relaxed);
            }
        }
        Ok((version, tier))
    }

    /// The parameter's name and the version a selector names.
    pub fn get(
        &self,
        key: &str,
        name: &str,
        selector: Option<&Selector>,
    ) -> Result<(String, ParameterVersion), SsmError> {
        let map = self.read();
        let parameter = map.get(key).ok_or_else(|| not_found(name))?;
        let version = parameter.select(selector)?;
        Ok((parameter.name.clone(), version.clone()))
    }

    /// Applies `f` to a parameter under the read lock.
    pub fn with<T>(&self, key: &str, f: impl FnOnce(&Parameter) -> T) -> Option<T> {
        self.read().get(key).map(f)
    }

    /// Every parameter with its normalised key, in key order (a snapshot's copy, taken
    /// under one read lock so that it is consistent).
    pub fn all(&self) -> Vec<(String, Parameter)> {
        self.read()
            .iter()
            .map(|(key, parameter)| (key.clone(), parameter.clone()))
            .collect()
    }

    /// Replaces every parameter with `parameters` (a restored snapshot) and recounts the
    /// tiers. Parameters without a version are dropped: one always has its newest.
    pub fn replace_all(&self, parameters: impl IntoIterator<Item = (String, Parameter)>) {
        let mut map = self.write();
        *map = parameters
            .into_iter()
            .filter(|(_, p)| !p.versions.is_empty())
            .collect();
        let advanced = map
            .values()
            .filter(|p| p.latest().tier == Tier::Advanced)
            .count();
        self.advanced.store(advanced, Ordering::Relaxed);
        self.standard.store(map.len() - advanced, Ordering::Relaxed);
    }

    /// Deletes a parameter with all its versions; `false` when there was none.
    pub fn delete(&self, key: &str) -> bool {
        let mut map = self.write();
        touch(self, key);
        match map.remove(key) {
            Some(parameter) => {
                self.counter(parameter.latest().tier)
                    .fetch_sub(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// One page of the parameters within `scope`, after the key `after`, keeping those for
    /// which `keep` holds, at most `limit` of them, each mapped by `map`. Direct-children
    /// queries skip whole subtrees with one seek each, so a page costs O(log n + results)
    /// seeks whatever the size of the store.
    pub fn page<T>(
        &self,
        scope: &PathScope,
        after: Option<&str>,
        limit: usize,
        mut keep: impl FnMut(&Parameter) -> bool,
        mut map_item: impl FnMut(&Parameter) -> T,
    ) -> Page<T> {
        let map = self.read();
        let prefix = scope.prefix.as_str();
        let mut page = Page {
            items: Vec::new(),
            next_after: None,
        };
        let mut lower: Bound<String> = match after {
            Some(after) if after.as_bytes() >= prefix.as_bytes() => {
                Bound::Excluded(after.to_owned())
            }
            _ => Bound::Included(prefix.to_owned()),
        };
        let mut last_key: Option<&str> = None;
        'scan: loop {
            let mut restart = None;
            for (key, parameter) in map.range::<String, _>((lower.clone(), Bound::Unbounded)) {
                let Some(rest) = key.strip_prefix(prefix) else {
                    break 'scan;
                };
                if !scope.recursive {
                    if let Some(slash) = rest.find('/') {
                        // Skip the subtree `prefix + child + "/..."`: '0' is the
                        // character right after '/'.
                        restart = Some(format!("{prefix}{}0", &rest[..slash]));
                        break;
                    }
                }
                if keep(parameter) {
                    if page.items.len() == limit {
                        page.next_after = last_key.map(str::to_owned);
                        break 'scan;
                    }
                    page.items.push(map_item(parameter));
                    last_key = Some(key.as_str());
                }
            }
            match restart {
                Some(bound) => lower = Bound::Included(bound),
                None => break,
            }
        }
        page
    }

    /// Attaches labels to a version (the newest when `version` is `None`), moving each
    /// label from any other version. Returns the invalid labels and the version labelled.
    pub fn label(
        &self,
        key: &str,
        name: &str,
        version: Option<u64>,
        labels: &[String],
    ) -> Result<(Vec<String>, u64), SsmError> {
        let mut map = self.write();
        touch(self, key);
        let parameter = map.get_mut(key).ok_or_else(|| not_found(name))?;
        let target = match version {
            None => parameter.versions.len() - 1,
            Some(v) => parameter
                .position(v)
                .ok_or_else(|| version_not_found(&parameter.name, &v.to_string()))?,
        };
        let (valid, invalid): (Vec<&String>, Vec<&String>) =
            labels.iter().partition(|l| super::names::is_valid_label(l));
        let target_labels = &parameter.versions[target].labels;
        let mut after: Vec<&String> = target_labels.iter().collect();
        for label in &valid {
            if !after.contains(label) {
                after.push(label);
            }
        }
        if after.len() > MAX_LABELS_PER_VERSION {
            return Err(SsmError::ParameterVersionLabelLimitExceeded(
                "An error occurred (ParameterVersionLabelLimitExceeded) when calling the LabelParameterVersion operation: A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.".to_owned(),
            ));
        }
        let labelled = parameter.versions[target].version;
        for (i, pv) in parameter.versions.iter_mut().enumerate() {
            if i == target {
                for label in &valid {
                    if !pv.labels.contains(label) {
                        pv.labels.push((*label).clone());
                    }
                }
            } else {
                pv.labels.retain(|l| !valid.contains(&l));
            }
        }
        Ok((invalid.into_iter().cloned().collect(), labelled))
    }

    /// Removes labels from a version. Returns the labels removed and those that were not
    /// on that version.
    pub fn unlabel(
        &self,
        key: &str,
        name: &str,
        version: u64,
        labels: &[String],
    ) -> Result<(Vec<String>, Vec<String>), SsmError> {
        let mut map = self.write();
        touch(self, key);
        let parameter = map.get_mut(key).ok_or_else(|| not_found(name))?;
        let index = parameter
            .position(version)
            .ok_or_else(|| version_not_found(&parameter.name, &version.to_string()))?;
        let pv = &mut parameter.versions[index];
        let (mut removed, mut invalid) = (Vec::new(), Vec::new());
        for label in labels {
            if let Some(i) = pv.labels.iter().position(|l| l == label) {
                pv.labels.remove(i);
                removed.push(label.clone());
            } else if !invalid.contains(label) && !removed.contains(label) {
                invalid.push(label.clone());
            }
        }
        Ok((removed, invalid))
    }

    /// Adds or replaces tags; refuses to go past [`MAX_TAGS`].
    pub fn add_tags(&self, key: &str, tags: &[(String, String)]) -> Result<(), SsmError> {
        let mut map = self.write();
        touch(self, key);
        let parameter = map
            .get_mut(key)
            .ok_or_else(|| SsmError::InvalidResourceId(String::new()))?;
        let new_keys = tags
            .iter()
            .filter(|(k, _)| !parameter.tags.contains_key(k))
            .map(|(k, _)| k)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if parameter.tags.len() + new_keys > MAX_TAGS {
            return Err(SsmError::TooManyTagsError(
                "The Tags parameter contains too many tags. A resource can have at most 50 tags."
                    .to_owned(),
            ));
        }
        for (k, v) in tags {
            parameter.tags.insert(k.clone(), v.clone());
        }
        Ok(())
    }

    /// Removes tags by key (absent keys are ignored).
    pub fn remove_tags(&self, key: &str, keys: &[String]) -> Result<(), SsmError> {
        let mut map = self.write();
        touch(self, key);
        let parameter = map
            .get_mut(key)
            .ok_or_else(|| SsmError::InvalidResourceId(String::new()))?;
        for k in keys {
            parameter.tags.remove(k);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_version(value: &str) -> NewVersion {
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

    #[test]
    fn quotas_count_parameters_per_tier() {
        let store = ParameterStore::default();
        let quota = ParameterQuota {
            standard: 2,
            advanced: 1,
        };
        let limited = |value: &str, tier: Option<RequestedTier>| NewVersion {
            tier,
            quota: Some(quota),
            ..new_version(value)
        };
        store.put("/a", "/a", limited("1", None)).unwrap();
        store.put("/b", "/b", limited("1", None)).unwrap();
        // Overwriting is no new parameter.
        store.put("/a", "/a", limited("2", None)).unwrap();
        assert!(matches!(
            store.put("/c", "/c", limited("1", None)),
            Err(SsmError::ParameterLimitExceeded(_))
        ));
        // Moving /a to the advanced tier frees a standard slot and takes the advanced one.
        store
            .put("/a", "/a", limited("3", Some(RequestedTier::Advanced)))
            .unwrap();
        assert_eq!(
            (store.count(Tier::Standard), store.count(Tier::Advanced)),
            (1, 1)
        );
        assert!(matches!(
            store.put("/d", "/d", limited("1", Some(RequestedTier::Advanced))),
            Err(SsmError::ParameterLimitExceeded(_))
        ));
        store.put("/c", "/c", limited("1", None)).unwrap();
        assert!(store.delete("/b"));
        store.put("/e", "/e", limited("1", None)).unwrap();
        assert_eq!(store.count(Tier::Standard), 2);
    }

    fn store_with(names: &[&str]) -> ParameterStore {
        let store = ParameterStore::default();
        for name in names {
            store
                .put(&super::super::names::key_of(name), name, new_version("v"))
                .unwrap();
        }
        store
    }

    fn names(store: &ParameterStore, path: &str, recursive: bool) -> Vec<String> {
        let scope = PathScope::of_path(path, recursive);
        store
            .page(&scope, None, usize::MAX, |_| true, |p| p.name.clone())
            .items
    }

    #[test]
    fn direct_children_skip_subtrees() {
        let store = store_with(&[
            "/a/b", "/a/b/c", "/a/b/c/d", "/a/b-x", "/a/b.y", "/a/b0", "/a/c", "/a/z/q", "/ab",
            "/a", "plain",
        ]);
        assert_eq!(
            names(&store, "/a", false),
            ["/a/b", "/a/b-x", "/a/b.y", "/a/b0", "/a/c"]
        );
        assert_eq!(names(&store, "/a/", false), names(&store, "/a", false));
        assert_eq!(
            names(&store, "/a", true),
            ["/a/b", "/a/b-x", "/a/b.y", "/a/b/c", "/a/b/c/d", "/a/b0", "/a/c", "/a/z/q"]
        );
        assert_eq!(names(&store, "/", false), ["/a", "/ab", "plain"]);
    }

    #[test]
    fn pages_resume_after_the_last_key() {
        let store = store_with(&["/p/1", "/p/2", "/p/3", "/p/4", "/p/5"]);
        let scope = PathScope::of_path("/p", false);
        let first = store.page(&scope, None, 2, |_| true, |p| p.name.clone());
        assert_eq!(first.items, ["/p/1", "/p/2"]);
        assert_eq!(first.next_after.as_deref(), Some("/p/2"));
        let second = store.page(
            &scope,
            first.next_after.as_deref(),
            2,
            |_| true,
            |p| p.name.clone(),
        );
        assert_eq!(second.items, ["/p/3", "/p/4"]);
        let third = store.page(
            &scope,
            second.next_after.as_deref(),
            2,
            |_| true,
            |p| p.name.clone(),
        );
        assert_eq!(third.items, ["/p/5"]);
        assert_eq!(third.next_after, None);
    }

    #[test]
    fn hundred_versions_are_kept_and_a_labelled_oldest_blocks_the_next() {
        let store = store_with(&["/v"]);
        for _ in 2..=100 {
            store.put("/v", "/v", new_version("x")).unwrap();
        }
        store.label("/v", "/v", Some(1), &["keep".into()]).unwrap();
        assert!(matches!(
            store.put("/v", "/v", new_version("x")),
            Err(SsmError::ParameterMaxVersionLimitExceeded(_))
        ));
        store.label("/v", "/v", Some(2), &["keep".into()]).unwrap();
        assert_eq!(store.put("/v", "/v", new_version("x")).unwrap().0, 101);
        let versions = store
            .with("/v", |p| {
                p.versions.iter().map(|v| v.version).collect::<Vec<_>>()
            })
            .unwrap();
        assert_eq!(versions, (2..=101).collect::<Vec<_>>());
    }

    #[test]
    fn labels_move_and_are_limited_to_ten_per_version() {
        let store = store_with(&["/l"]);
        store.put("/l", "/l", new_version("2")).unwrap();
        store.label("/l", "/l", Some(1), &["prod".into()]).unwrap();
        let (invalid, v) = store
            .label("/l", "/l", None, &["prod".into(), "1bad".into()])
            .unwrap();
        assert_eq!((invalid, v), (vec!["1bad".to_owned()], 2));
        let labels = store
            .with("/l", |p| {
                p.versions
                    .iter()
                    .map(|v| v.labels.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap();
        assert_eq!(labels, [vec![], vec!["prod".to_owned()]]);
        let ten: Vec<String> = (0..10).map(|i| format!("l{i}")).collect();
        assert!(matches!(
            store.label("/l", "/l", Some(2), &ten),
            Err(SsmError::ParameterVersionLabelLimitExceeded(_))
        ));
        assert!(store.label("/l", "/l", Some(1), &ten).is_ok());
    }
}
