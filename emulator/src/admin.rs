//! The emulator's own endpoints for test suites: reset to the fixtures in milliseconds,
//! and export the current state in the fixture format.

use crate::context::{Caller, RequestContext};
use crate::kms::store::{KeyManager, KeyState};
use crate::ssm::store::{ParameterType, PathScope};
use crate::state::EmulatorState;
use serde_json::{json, Value};

/// Forgets everything changed since start (parameters, keys, aliases, grants, functions,
/// role sessions, recorded decisions) and loads the fixtures again.
pub fn reset(state: &EmulatorState) -> Result<(), crate::fixtures::FixtureError> {
    state.regions.clear();
    state.iam.clear_sessions();
    state.iam.decisions.clear();
    state.load_regional_fixtures()
}

/// The current keys and parameters of every region, as a fixture file (YAML).
///
/// Principals are not exported: they come from the fixture files and the API cannot
/// change them. Key material is never exported (it never leaves the emulator), so keys
/// come back with new material. SecureString values are exported decrypted only where
/// the account root may decrypt them through SSM (as `aws ssm get-parameters-by-path
/// --with-decryption` run as the root would show them); the others are listed, not
/// exported.
pub fn export(state: &EmulatorState) -> String {
    let account = state.config.account.clone();
    let mut keys = Vec::new();
    let mut parameters = Vec::new();
    let mut withheld = Vec::new();
    for (region_name, region) in state.regions.all_named() {
        region.kms.read(|data| {
            for key in data.keys.values() {
                if key.manager == KeyManager::Aws {
                    continue;
                }
                let aliases: Vec<&String> = data
                    .aliases
                    .iter()
                    .filter(|(_, a)| a.target == key.id)
                    .map(|(name, _)| name)
                    .collect();
                let policy: Value = serde_json::from_str(&key.policy_text)
                    .unwrap_or_else(|_| Value::String(key.policy_text.clone()));
                let mut entry = json!({
                    "id": key.id,
                    "region": region_name,
                    "aliases": aliases,
                    "description": key.description,
                    "enabled": key.state == KeyState::Enabled,
                    "policy": policy,
                });
                // An HMAC key comes back as an HMAC key (with a new secret).
                if key.spec != crate::kms::specs::KeySpec::SymmetricDefault {
                    entry["key_spec"] = json!(key.spec.name());
                }
                keys.push(entry);
            }
        });
        let ctx = RequestContext::new(
            &region_name,
            &account,
            Caller::account_root(&account, None),
            None,
        );
        let all = region.ssm.page(
            &PathScope::of_path("/", true),
            None,
            usize::MAX,
            |_| true,
            |p| (p.name.clone(), p.latest().clone()),
        );
        for (name, version) in all.items {
            let value = if version.kind == ParameterType::SecureString {
                let arn = crate::ssm::names::arn(&region_name, &account, &name);
                match crate::ssm::secure::decrypt(state, &ctx, &arn, &version.value) {
                    Ok(plain) => plain,
                    Err(_) => {
                        withheld.push(format!("{region_name} {name}"));
                        continue;
                    }
                }
            } else {
                version.value.clone()
            };
            let mut entry = json!({
                "name": name,
                "type": version.kind.as_str(),
                "value": value,
                "tier": version.tier.as_str(),
                "data_type": version.data_type,
                "region": region_name,
            });
            if let Some(description) = &version.description {
                entry["description"] = json!(description);
            }
            if let Some(key_id) = &version.key_id {
                entry["key_id"] = json!(key_id);
            }
            if let Some(pattern) = &version.allowed_pattern {
                entry["allowed_pattern"] = json!(pattern);
            }
            parameters.push(entry);
        }
    }
    let document = json!({ "account": account, "keys": keys, "parameters": parameters });
    let mut out = String::from(
        "# Exported by the emulator: keys (without their material) and the newest version\n# of every parameter. Principals come from your fixture files.\n",
    );
    for item in &withheld {
        out.push_str(&format!(
            "# Not exported (the account root may not decrypt it): {item}\n"
        ));
    }
    out.push_str(&serde_yaml_ng::to_string(&document).unwrap_or_default());
    out
}
