//! Acting as a principal from the console: the principals one may choose, the request
//! context a signed request of that principal would carry, and the two actions ("Show"
//! a parameter's value through GetParameter, decide a key action through KMS's own
//! authorisation), each recorded in the decision log like any request.

use crate::context::{Caller, CallerKind, RequestContext};
use crate::iam::principals::{AccessKey, KeyOwner, SessionTags};
use crate::state::EmulatorState;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use time::OffsetDateTime;

/// The session name of the role sessions the console starts.
pub const SESSION_NAME: &str = "emulator-console";

/// One principal a user may act as.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// `root`, `user/NAME`, `role/NAME`, `function/REGION/NAME`.
    pub id: String,
    pub label: String,
}

/// The principals of the world: the account root, each user, each role (as a session
/// AssumeRole would start) and each function's execution role (as Lambda starts it, with
/// `lambda:SourceFunctionArn`).
pub fn choices(state: &EmulatorState) -> Vec<Choice> {
    let directory = state.iam.directory();
    let mut out = vec![Choice {
        id: "root".to_owned(),
        label: format!("the account root ({})", state.config.account),
    }];
    let mut users: Vec<&String> = directory.users.keys().collect();
    users.sort();
    out.extend(users.into_iter().map(|name| Choice {
        id: format!("user/{name}"),
        label: format!("user {name}"),
    }));
    let mut roles: Vec<&String> = directory.roles.keys().collect();
    roles.sort();
    out.extend(roles.into_iter().map(|name| Choice {
        id: format!("role/{name}"),
        label: format!("role {name} (session {SESSION_NAME})"),
    }));
    for (region, regional) in state.regions.all_named() {
        let mut functions = regional.lambda.all();
        functions.sort_by(|a, b| a.name.cmp(&b.name));
        for function in functions {
            let role = function.current().config.role.clone();
            let role = role.rsplit('/').next().unwrap_or(&role).to_owned();
            out.push(Choice {
                id: format!("function/{region}/{}", function.name),
                label: format!("function {} in {region} (role {role})", function.name),
            });
        }
    }
    out
}

/// The role sessions the console started, by choice id, reused while they last: acting
/// as a role many times starts one session, not one per click.
fn sessions() -> &'static Mutex<HashMap<String, String>> {
    static SESSIONS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    SESSIONS.get_or_init(Default::default)
}

/// A live session key the console started for `choice`, or a new one from `start`.
fn session_key(
    state: &EmulatorState,
    choice: &str,
    start: impl FnOnce(OffsetDateTime) -> AccessKey,
) -> AccessKey {
    let now = OffsetDateTime::now_utc();
    let mut sessions = sessions().lock().unwrap_or_else(|e| e.into_inner());
    // A reset forgets sessions: the key is then unknown and a new session starts.
    let live = sessions
        .get(choice)
        .and_then(|id| state.iam.lookup_key(id))
        .filter(|key| {
            key.expires
                .is_none_or(|e| e > now + time::Duration::minutes(5))
        });
    if let Some(key) = live {
        return key;
    }
    let key = start(now);
    sessions.insert(choice.to_owned(), key.id.clone());
    key
}

/// The request context a request signed by the chosen principal would carry, in
/// `region`, from `source_ip`: the root or a user as their first access key
/// authenticates them; a role as a session of it; a function as its execution
/// environment's session. `None` if the choice names nothing.
pub fn context_for(
    state: &EmulatorState,
    choice: &str,
    region: &str,
    source_ip: Option<IpAddr>,
) -> Option<RequestContext> {
    let directory = state.iam.directory();
    let account = state.config.account.as_str();
    let first_key = |owner: &KeyOwner| {
        let mut keys: Vec<&AccessKey> = directory
            .keys
            .values()
            .filter(|k| &k.owner == owner)
            .collect();
        keys.sort_by(|a, b| a.id.cmp(&b.id));
        keys.first().map(|k| (*k).clone())
    };
    let caller = match choice.split_once('/') {
        None if choice == "root" => match first_key(&KeyOwner::Root) {
            Some(key) => state.iam.caller_for(&key)?,
            None => Caller::account_root(account, None),
        },
        Some(("user", name)) => {
            let user = directory.users.get(name)?;
            match first_key(&KeyOwner::User(name.to_owned())) {
                Some(key) => state.iam.caller_for(&key)?,
                // A user without keys cannot sign; the console still shows what the
                // user's policies decide.
                None => Caller {
                    arn: user.arn.clone(),
                    account: account.to_owned(),
                    user_id: user.id.clone(),
                    kind: CallerKind::User {
                        name: name.to_owned(),
                    },
                    access_key_id: None,
                },
            }
        }
        Some(("role", name)) => {
            let role = directory.roles.get(name)?;
            let key = session_key(state, choice, |now| {
                state.iam.start_session(
                    role,
                    SESSION_NAME,
                    role.max_session_duration,
                    Vec::new(),
                    SessionTags::default(),
                    now,
                )
            });
            state.iam.caller_for(&key)?
        }
        Some(("function", rest)) => {
            let (function_region, name) = rest.split_once('/')?;
            let function = state.regions.get(function_region).lambda.get(name)?;
            let config = function.current().config.clone();
            let role = directory.role_by_arn(&config.role)?;
            let key = session_key(state, choice, |now| {
                state.iam.start_function_session(
                    role,
                    &config.name,
                    &config.arn,
                    role.max_session_duration,
                    now,
                )
            });
            state.iam.caller_for(&key)?
        }
        _ => return None,
    };
    Some(RequestContext::new(region, account, caller, source_ip))
}

/// What "Show" found: the value, or the refusal with its reason; and the decisions the
/// request recorded.
#[derive(Debug, Serialize)]
pub struct Shown {
    pub principal: String,
    pub caller: String,
    pub request_id: String,
    /// The plaintext, only in the answer to the user who asked.
    pub value: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub decisions: Vec<Value>,
}

/// A decision for a key action.
#[derive(Debug, Serialize)]
pub struct Decided {
    pub principal: String,
    pub caller: String,
    pub action: String,
    pub request_id: String,
    pub allowed: bool,
    pub error_message: Option<String>,
    pub decisions: Vec<Value>,
}

fn unknown(principal: &str) -> String {
    format!("No principal {principal:?} in this world.")
}

/// "Show": GetParameter with decryption, as the chosen principal, through the dispatch
/// table a signed request reaches (validation, `ssm:GetParameter`, then `kms:Decrypt`
/// through the key policy and grants, each decision recorded).
pub async fn show(
    state: &EmulatorState,
    form: &HashMap<String, String>,
    source_ip: Option<IpAddr>,
) -> Shown {
    let principal = form.get("principal").cloned().unwrap_or_default();
    let region = form.get("region").cloned().unwrap_or_default();
    let name = form.get("name").cloned().unwrap_or_default();
    let Some(ctx) = context_for(state, &principal, &region, source_ip) else {
        return Shown {
            error_message: Some(unknown(&principal)),
            principal,
            caller: String::new(),
            request_id: String::new(),
            value: None,
            error_code: None,
            decisions: Vec::new(),
        };
    };
    let selector = match form.get("version").filter(|v| !v.is_empty()) {
        Some(version) => format!("{name}:{version}"),
        None => name,
    };
    let input = serde_json::json!({ "Name": selector, "WithDecryption": true });
    let response = crate::pipeline::aws_json(
        state,
        &ctx,
        Some("AmazonSSM.GetParameter"),
        input.to_string().as_bytes(),
    );
    let ok = response.status().is_success();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let answer: Value = serde_json::from_slice(&body).unwrap_or_default();
    let (value, error_code, error_message) = if ok {
        let value = answer["Parameter"]["Value"].as_str().map(str::to_owned);
        (value, None, None)
    } else {
        let code = answer["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
        let message = answer["message"]
            .as_str()
            .or_else(|| answer["Message"].as_str())
            .map(str::to_owned);
        (None, code, message)
    };
    Shown {
        principal,
        caller: ctx.caller.arn.clone(),
        decisions: state.iam.decision_log(false, Some(&ctx.request_id)),
        request_id: ctx.request_id,
        value,
        error_code,
        error_message,
    }
}

/// The KMS actions the key page can decide.
pub const KEY_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:Sign",
    "kms:Verify",
    "kms:GenerateMac",
];

/// Decides a key action for the chosen principal with KMS's own authorisation (key
/// policy, IAM policies where the key policy delegates, grants), called directly, not
/// through SSM: the decision is recorded like any request's.
pub fn decide(
    state: &EmulatorState,
    form: &HashMap<String, String>,
    source_ip: Option<IpAddr>,
) -> Decided {
    let principal = form.get("principal").cloned().unwrap_or_default();
    let action = form.get("action").cloned().unwrap_or_default();
    let region = form.get("region").cloned().unwrap_or_default();
    let id = form.get("id").cloned().unwrap_or_default();
    let failed = |principal: String, action: String, message: String| Decided {
        principal,
        caller: String::new(),
        action,
        request_id: String::new(),
        allowed: false,
        error_message: Some(message),
        decisions: Vec::new(),
    };
    if !KEY_ACTIONS.contains(&action.as_str()) {
        let message = format!("The console does not decide {action:?}.");
        return failed(principal, action, message);
    }
    let Some(ctx) = context_for(state, &principal, &region, source_ip) else {
        let message = unknown(&principal);
        return failed(principal, action, message);
    };
    let Some(key) = state.regions.get(&region).kms.snapshot_by_id(&id) else {
        return failed(principal, action, "No such key.".to_owned());
    };
    let result = crate::kms::access::authorize(
        state,
        &ctx,
        &key,
        &action,
        None,
        crate::kms::access::Via::Direct,
    );
    Decided {
        principal,
        caller: ctx.caller.arn.clone(),
        action,
        allowed: result.is_ok(),
        error_message: result.err().map(|e| crate::protocol::AwsError::message(&e)),
        decisions: state.iam.decision_log(false, Some(&ctx.request_id)),
        request_id: ctx.request_id,
    }
}
