//! The emulator's state: settings, and everything kept separately for each region
//! (created the first time a region is used). This is the boundary a durable store
//! replaces: services reach their data only through [`RegionState`].

use crate::config::Config;
use crate::ssm::store::ParameterStore;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Everything one region holds.
#[derive(Debug, Default)]
pub struct RegionState {
    /// The region's Parameter Store.
    pub ssm: ParameterStore,
}

/// The whole emulator's state, shared by every request.
#[derive(Debug)]
pub struct EmulatorState {
    /// Settings.
    pub config: Config,
    /// Per-region state.
    pub regions: Regions<RegionState>,
}

impl EmulatorState {
    /// A new, empty emulator.
    pub fn new(config: Config) -> Self {
        EmulatorState {
            config,
            regions: Regions::default(),
        }
    }

    /// The state of one region.
    pub fn region(&self, region: &str) -> Arc<RegionState> {
        self.regions.get(region)
    }
}

/// A map from region name to that region's state. Looking a region up takes a read lock
/// for the length of one hash lookup; the first request to a region creates its state.
#[derive(Debug, Default)]
pub struct Regions<T> {
    regions: RwLock<HashMap<String, Arc<T>>>,
}

impl<T: Default> Regions<T> {
    /// The state of `region`, created empty if this is its first use.
    pub fn get(&self, region: &str) -> Arc<T> {
        if let Some(state) = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(region)
        {
            return Arc::clone(state);
        }
        let mut regions = self.regions.write().unwrap_or_else(|e| e.into_inner());
        Arc::clone(regions.entry(region.to_owned()).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn regions_are_separate_and_stable() {
        let regions: Regions<Mutex<Vec<u8>>> = Regions::default();
        regions.get("us-east-1").lock().unwrap().push(1);
        assert_eq!(regions.get("us-east-1").lock().unwrap().len(), 1);
        assert!(regions.get("eu-west-1").lock().unwrap().is_empty());
    }
}
