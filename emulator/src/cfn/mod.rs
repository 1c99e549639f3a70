//! CloudFormation: a template engine that deploys SAM/CloudFormation templates by
//! calling the emulator's own operations as a principal (so the same validation and
//! authorisation apply), at start (`--template`) and through the CloudFormation API.
//!
//! - [`parse`]: YAML (short intrinsic tags) or JSON to one JSON shape.
//! - [`sam`]: the `AWS::Serverless-2016-10-31` transform.
//! - [`template`]: sections checked whole before anything is created; parameters,
//!   pseudo parameters, conditions, the order of creation.
//! - [`intrinsics`]: the intrinsic functions.
//! - [`providers`]: resource types, their properties, how each is created and deleted.
//! - [`deploy`]: creation in order, rollback, deletion.
//! - [`services`]: what CloudFormation needs from the rest of the emulator
//!   ([`CfnServices`]), implemented over the state in `state`.
//! - [`stack`]: stacks, events, change sets and a region's store of them.
//! - [`api`]: the CloudFormation API (awsQuery).

pub mod api;
pub mod deploy;
pub mod error;
pub mod intrinsics;
pub mod parse;
pub mod providers;
pub mod sam;
pub mod services;
pub mod stack;
pub mod template;

/// The startup templates' settings, kept in `config` (data the binary parses, below
/// every service) and re-exported here, beside `deploy_startup` which deploys them.
pub use crate::config::StartupTemplates;
pub use error::CfnError;
pub use services::CfnServices;

use crate::context::{Caller, CallerKind, RequestContext};
use std::collections::BTreeMap;
use std::path::Path;

/// The caller a principal name stands for: a user of the directory by name or ARN,
/// else the account root.
pub fn caller_for(services: &dyn CfnServices, principal: Option<&str>) -> Result<Caller, CfnError> {
    let account = services.account();
    let Some(principal) = principal else {
        return Ok(Caller::account_root(account, None));
    };
    let directory = services.iam().directory();
    let name = principal.rsplit('/').next().unwrap_or(principal);
    let user = directory.users.get(name).ok_or_else(|| {
        CfnError::Validation(format!("--template-principal: no IAM user named {name}"))
    })?;
    Ok(Caller {
        arn: user.arn.clone(),
        account: account.to_owned(),
        user_id: user.id.clone(),
        kind: CallerKind::User {
            name: user.name.clone(),
        },
        access_key_id: None,
    })
}

fn stem(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stack".to_owned());
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Deploys the startup templates into the default region, in order. A template that
/// does not deploy (after its rollback) is an error naming the file and the reason.
pub async fn deploy_startup(services: &dyn CfnServices) -> Result<(), String> {
    let startup = services.startup_templates();
    if startup.files.is_empty() {
        return Ok(());
    }
    let caller = caller_for(services, startup.principal.as_deref()).map_err(|e| e.to_string())?;
    let region = services.default_region();
    let mut unused: std::collections::BTreeSet<&str> =
        startup.parameters.iter().map(|(k, _)| k.as_str()).collect();
    for file in &startup.files {
        let fail = |e: String| format!("template {}: {e}", file.display());
        let text =
            std::fs::read_to_string(file).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let t = template::Template::load(&text).map_err(|e| fail(e.to_string()))?;
        let given: BTreeMap<String, String> = startup
            .parameters
            .iter()
            .filter(|(k, _)| t.parameters().contains_key(k))
            .cloned()
            .collect();
        for k in given.keys() {
            unused.remove(k.as_str());
        }
        let name = match (&startup.stack_name, startup.files.len()) {
            (Some(n), 1) => n.clone(),
            (Some(n), _) => format!("{n}-{}", stem(file)),
            (None, _) => stem(file),
        };
        let ctx = RequestContext::new(region, services.account(), caller.clone(), None);
        let code_root = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::path::PathBuf::from("."));
        let outcome = api::run_create(
            services,
            &ctx,
            api::CreateRequest {
                name: name.clone(),
                template: t,
                body: text,
                parameters: given,
                capabilities: vec![
                    "CAPABILITY_IAM".to_owned(),
                    "CAPABILITY_NAMED_IAM".to_owned(),
                    "CAPABILITY_AUTO_EXPAND".to_owned(),
                ],
                role_arn: None,
                tags: Vec::new(),
                code_root,
                on_failure: deploy::OnFailure::Rollback,
            },
        )
        .await
        .map_err(|e| fail(e.to_string()))?;
        if outcome.status != "CREATE_COMPLETE" {
            return Err(fail(format!(
                "the stack {name} did not deploy ({}): {}",
                outcome.status,
                outcome.reason.unwrap_or_default()
            )));
        }
        tracing::info!(stack = %name, template = %file.display(), resources = outcome.resources, "template deployed");
    }
    if let Some(k) = unused.into_iter().next() {
        return Err(format!(
            "--parameter-overrides: no template declares the parameter {k}"
        ));
    }
    Ok(())
}
