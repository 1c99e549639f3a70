//! The emulator's own endpoints for test suites: reset to the fixtures in milliseconds,
//! and export the current state in the fixture format; and the boundary in front of
//! them (an admin token, or a signed request of a principal allowed `emulator:*`).

use crate::auth::AuthError;
use crate::context::{Caller, RequestContext};
use crate::kms::store::{KeyManager, KeyState};
use crate::protocol::ProtocolError;
use crate::ssm::store::{ParameterType, PathScope};
use crate::state::EmulatorState;
use serde_json::{json, Value};

/// What an admin request does, as the action a policy must allow (`emulator:*` allows
/// them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    /// `POST /_emulator/reset`.
    Reset,
    /// `GET /_emulator/export`.
    Export,
    /// `GET /_emulator/export?include_secure_values=true`: SecureString plaintexts too.
    ExportSecureValues,
    /// `GET /_emulator/snapshot`: the whole state, key material included.
    Snapshot,
    /// `POST /_emulator/snapshot`: replace the whole state with a snapshot's.
    Restore,
    /// `GET /_emulator/decisions`.
    ReadDecisions,
    /// `GET /_emulator/lambda/invocations`.
    ReadInvocations,
    /// The console's actions as a chosen principal ("Show" a SecureString as it, decide a
    /// key action for it).
    ActAsPrincipal,
}

impl AdminAction {
    /// The IAM action name.
    pub fn name(self) -> &'static str {
        match self {
            AdminAction::Reset => "emulator:Reset",
            AdminAction::Export => "emulator:Export",
            AdminAction::ExportSecureValues => "emulator:ExportSecureValues",
            AdminAction::Snapshot => "emulator:Snapshot",
            AdminAction::Restore => "emulator:Restore",
            AdminAction::ReadDecisions => "emulator:ReadDecisions",
            AdminAction::ReadInvocations => "emulator:ReadInvocations",
            AdminAction::ActAsPrincipal => "emulator:ActAsPrincipal",
        }
    }
}

/// Who was let through to an admin endpoint.
#[derive(Debug, Clone)]
pub enum Admitted {
    /// Open mode without an admin token: anyone who passed the host and site checks.
    Open,
    /// The admin token.
    Token,
    /// A signed request of a principal whose policies allow the actions.
    Principal(Box<RequestContext>),
}

impl Admitted {
    /// Who, for the log.
    pub fn who(&self) -> String {
        match self {
            Admitted::Open => "an unauthenticated caller (open mode)".to_owned(),
            Admitted::Token => "the admin token".to_owned(),
            Admitted::Principal(ctx) => ctx.caller.arn.clone(),
        }
    }
}

/// The resource admin actions are decided on.
pub fn admin_resource(account: &str) -> String {
    format!("arn:aws:emulator::{account}:admin")
}

/// Whether the admin endpoints need a token or an allowed signature: under `--strict`,
/// or whenever an admin token was given.
pub fn boundary_required(state: &EmulatorState) -> bool {
    state.iam.strict || state.config.admin_token.is_some()
}

/// The admin boundary. `authorization` is the request's `Authorization` header;
/// `signed` says whether the request carries a SigV4 signature (header or presigned
/// query), and `authenticate` authenticates it. A bearer token must be the admin token;
/// a signature must be a known key's (an unknown key acting as the root would open the
/// boundary to anyone) and its principal's policies must allow every action (decided by
/// the policy engine and recorded like any decision). Without either, only open mode
/// without a token lets the request through.
pub fn admit(
    state: &EmulatorState,
    authorization: Option<&str>,
    signed: bool,
    authenticate: impl FnOnce() -> Result<RequestContext, AuthError>,
    actions: &[AdminAction],
) -> Result<Admitted, ProtocolError> {
    let bearer = authorization.and_then(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    if let Some(token) = bearer {
        return match &state.config.admin_token {
            Some(expected) if expected.matches(token) => Ok(Admitted::Token),
            Some(_) => Err(ProtocolError::Refused(
                "The admin token is not valid.".to_owned(),
            )),
            None => Err(ProtocolError::Refused(
                "The emulator was started without an admin token (--admin-token or EMULATOR_ADMIN_TOKEN).".to_owned(),
            )),
        };
    }
    if signed {
        let ctx = authenticate().map_err(|e| ProtocolError::Refused(e.message()))?;
        let known = ctx
            .caller
            .access_key_id
            .as_deref()
            .is_some_and(|id| state.iam.find_key(id).is_some());
        if !known && boundary_required(state) {
            return Err(ProtocolError::Refused(
                "The security token included in the request is invalid: the admin endpoints need the key of a principal of the fixtures.".to_owned(),
            ));
        }
        let resource = admin_resource(&state.config.account);
        for action in actions {
            state
                .iam
                .authorize(&ctx, action.name(), &resource, &[])
                .map_err(|denied| ProtocolError::Refused(denied.message))?;
        }
        return Ok(Admitted::Principal(Box::new(ctx)));
    }
    if boundary_required(state) {
        return Err(ProtocolError::Refused(format!(
            "The emulator's admin endpoints need 'Authorization: Bearer <admin token>' or a SigV4 signature of a principal whose policies allow {}.",
            actions.iter().map(|a| a.name()).collect::<Vec<_>>().join(" and ")
        )));
    }
    Ok(Admitted::Open)
}

/// Forgets everything changed since start (parameters, keys, aliases, grants, functions,
/// role sessions, what the IAM API changed, recorded decisions) and loads the fixtures again. The new world is
/// built aside and swapped in whole, so a request during a reset sees the old world or
/// the new one, never a half-loaded one; if loading fails, nothing changes.
pub fn reset(state: &EmulatorState) -> Result<(), crate::fixtures::FixtureError> {
    let fresh = crate::state::Regions::default();
    state.load_regional_fixtures(&fresh)?;
    state.regions.replace(fresh);
    state.iam.clear_sessions();
    state.iam.reset_directory();
    state.iam.decisions.clear();
    Ok(())
}

/// The current keys and parameters of every region, as a fixture file (YAML).
///
/// Principals are not exported: they come from the fixture files (those the IAM API
/// created or changed are not exported yet). Key material is never exported (it never leaves the emulator), so keys
/// come back with new material. SecureString parameters are exported only when
/// `include_secure_values` is set, and then decrypted only where the account root may
/// decrypt them through SSM (as `aws ssm get-parameters-by-path --with-decryption` run
/// as the root would show them); the others are listed in comments, not exported.
pub fn export(state: &EmulatorState, include_secure_values: bool) -> String {
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
                if !include_secure_values {
                    withheld.push((
                        format!("{region_name} {name}"),
                        "SecureString; export with ?include_secure_values=true",
                    ));
                    continue;
                }
                let arn = crate::ssm::names::arn(&region_name, &account, &name);
                match crate::ssm::secure::decrypt(state, &ctx, &arn, &version.value) {
                    Ok(plain) => plain,
                    Err(_) => {
                        withheld.push((
                            format!("{region_name} {name}"),
                            "the account root may not decrypt it",
                        ));
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
                entry["allowed_pattern"] = json!(pattern.as_str());
            }
            parameters.push(entry);
        }
    }
    let document = json!({ "account": account, "keys": keys, "parameters": parameters });
    let mut out = String::from(
        "# Exported by the emulator: keys (without their material) and the newest version\n# of every parameter. Principals come from your fixture files.\n",
    );
    for (item, why) in &withheld {
        // A comment line holds no line break or other control character, whatever a
        // name contains.
        let item: String = item
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        out.push_str(&format!("# Not exported ({why}): {item}\n"));
    }
    out.push_str(&serde_yaml_ng::to_string(&document).unwrap_or_default());
    out
}
