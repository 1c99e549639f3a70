//! A region's functions: each with its current configuration and code (an immutable
//! snapshot, replaced whole by every change, so an invocation runs the version it
//! started with) and its execution environments.

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

/// A function.
#[derive(Debug)]
pub struct Function {
    pub name: String,
    pub arn: String,
    current: RwLock<Arc<FunctionVersion>>,
    generation: AtomicU64,
    pub pool: EnvironmentPool,
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
    ) -> Result<bool, super::LambdaError> {
        let mut functions = self.functions.write().unwrap_or_else(|e| e.into_inner());
        if functions.contains_key(&function.name) {
            return Ok(false);
        }
        let stored: u64 = functions.values().map(|f| f.current().code.size).sum();
        if stored.saturating_add(function.current().code.size) > code_limit {
            return Err(super::LambdaError::code_storage_exceeded());
        }
        functions.insert(function.name.clone(), function);
        Ok(true)
    }

    /// The code the region stores (every function's `CodeSize`), leaving out `except`.
    pub fn code_bytes(&self, except: Option<&str>) -> u64 {
        self.functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(name, _)| Some(name.as_str()) != except)
            .map(|(_, f)| f.current().code.size)
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
