//! Resource providers: for each supported type, its properties (the table templates are
//! checked against), how it is created (by calling the emulator's own operations as the
//! deploying principal, so their validation and authorisation apply) and the calls that
//! delete it again (run in reverse on rollback and DeleteStack).

use super::error::CfnError;
use super::intrinsics::{text_of, Resolved};
use super::services::CfnServices;
use crate::context::RequestContext;
use crate::protocol::query::QueryRequest;
use crate::protocol::AwsError;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// A resource type's properties.
pub struct Provider {
    pub properties: &'static [&'static str],
    pub required: &'static [&'static str],
}

const fn p(properties: &'static [&'static str], required: &'static [&'static str]) -> Provider {
    Provider {
        properties,
        required,
    }
}

static PROVIDERS: &[(&str, Provider)] = &[
    (
        "AWS::IAM::AccessKey",
        p(&["Serial", "Status", "UserName"], &["UserName"]),
    ),
    (
        "AWS::IAM::Group",
        p(&["GroupName", "ManagedPolicyArns", "Path", "Policies"], &[]),
    ),
    (
        "AWS::IAM::ManagedPolicy",
        p(
            &[
                "Description",
                "Groups",
                "ManagedPolicyName",
                "Path",
                "PolicyDocument",
                "Roles",
                "Users",
            ],
            &["PolicyDocument"],
        ),
    ),
    (
        "AWS::IAM::Policy",
        p(
            &["Groups", "PolicyDocument", "PolicyName", "Roles", "Users"],
            &["PolicyDocument", "PolicyName"],
        ),
    ),
    (
        "AWS::IAM::Role",
        p(
            &[
                "AssumeRolePolicyDocument",
                "Description",
                "ManagedPolicyArns",
                "MaxSessionDuration",
                "Path",
                "PermissionsBoundary",
                "Policies",
                "RoleName",
                "Tags",
            ],
            &["AssumeRolePolicyDocument"],
        ),
    ),
    (
        "AWS::IAM::User",
        p(
            &[
                "Groups",
                "ManagedPolicyArns",
                "Path",
                "PermissionsBoundary",
                "Policies",
                "Tags",
                "UserName",
            ],
            &[],
        ),
    ),
    (
        "AWS::KMS::Alias",
        p(&["AliasName", "TargetKeyId"], &["AliasName", "TargetKeyId"]),
    ),
    (
        "AWS::KMS::Key",
        p(
            &[
                "BypassPolicyLockoutSafetyCheck",
                "Description",
                "EnableKeyRotation",
                "Enabled",
                "KeyPolicy",
                "KeySpec",
                "KeyUsage",
                "PendingWindowInDays",
                "Tags",
            ],
            &[],
        ),
    ),
    (
        "AWS::Lambda::Alias",
        p(
            &["Description", "FunctionName", "FunctionVersion", "Name"],
            &["FunctionName", "FunctionVersion", "Name"],
        ),
    ),
    (
        "AWS::Lambda::Function",
        p(
            &[
                "Architectures",
                "Code",
                "Description",
                "Environment",
                "EphemeralStorage",
                "FunctionName",
                "Handler",
                "LoggingConfig",
                "MemorySize",
                "PackageType",
                "Role",
                "Runtime",
                "Tags",
                "Timeout",
                "TracingConfig",
            ],
            &["Code", "Role"],
        ),
    ),
    (
        "AWS::Lambda::Permission",
        p(
            &[
                "Action",
                "EventSourceToken",
                "FunctionName",
                "FunctionUrlAuthType",
                "Principal",
                "PrincipalOrgID",
                "SourceAccount",
                "SourceArn",
            ],
            &["Action", "FunctionName", "Principal"],
        ),
    ),
    (
        "AWS::Lambda::Version",
        p(&["Description", "FunctionName"], &["FunctionName"]),
    ),
    (
        "AWS::SSM::Parameter",
        p(
            &[
                "AllowedPattern",
                "DataType",
                "Description",
                "Name",
                "Policies",
                "Tags",
                "Tier",
                "Type",
                "Value",
            ],
            &["Type", "Value"],
        ),
    ),
];

/// The provider of a resource type, if it is supported. `AWS::IAM::Group` is supported
/// once the IAM API creates groups.
pub fn provider(ty: &str) -> Option<&'static Provider> {
    if ty == "AWS::IAM::Group" && !iam_implements("CreateGroup") {
        return None;
    }
    PROVIDERS.iter().find(|(t, _)| *t == ty).map(|(_, p)| p)
}

/// Every supported type, for error messages.
pub fn supported_types() -> Vec<&'static str> {
    PROVIDERS
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| provider(t).is_some())
        .collect()
}

fn iam_implements(action: &str) -> bool {
    matches!(
        crate::iam_api::TABLE.lookup(&format!("{}.{action}", crate::iam_api::TARGET_PREFIX)),
        crate::dispatch::Lookup::Found(_)
    )
}

/// A call that undoes part of a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// An IAM action with its members.
    Iam(String, Vec<(String, String)>),
    /// An awsJson operation (`TrentService.DeleteAlias`) with its input.
    Json(String, Value),
    /// Lambda DeleteFunction.
    DeleteFunction(String),
    /// Lambda DeleteAlias (function, alias).
    DeleteAlias(String, String),
}

/// A created resource: what references to it give, and how to delete it.
#[derive(Debug, Clone, Default)]
pub struct Created {
    pub resolved: Resolved,
    /// The properties it was created with, resolved (an update compares them).
    pub properties: Map<String, Value>,
    /// Run in order to delete the resource.
    pub delete: Vec<Call>,
}

/// Who deploys, where, and how local code paths resolve.
pub struct Deployer<'a> {
    /// What the resources are created through: the other services' operations.
    pub services: &'a dyn CfnServices,
    /// The principal the resources are created as (the caller, or the stack's role).
    pub ctx: RequestContext,
    pub stack_name: String,
    /// The directory relative `CodeUri` / `S3Key` paths resolve against.
    pub code_root: PathBuf,
}

/// An operation's error as CloudFormation reports a handler's failure.
fn failed(service: &str, ctx: &RequestContext, err: &dyn AwsError) -> CfnError {
    CfnError::Resource(format!(
        "Resource handler returned message: \"{} (Service: {service}, Status Code: {}, Request ID: {})\" ({})",
        err.message(),
        err.status().as_u16(),
        ctx.request_id,
        err.code()
    ))
}

impl Deployer<'_> {
    fn call_ctx(&self) -> RequestContext {
        self.ctx.on_behalf("cloudformation")
    }

    /// Calls an IAM action as the deployer.
    pub fn iam(&self, action: &str, pairs: Vec<(String, String)>) -> Result<Value, CfnError> {
        let ctx = self.call_ctx();
        let mut pairs = pairs;
        pairs.push(("Action".to_owned(), action.to_owned()));
        pairs.push(("Version".to_owned(), crate::iam_api::API_VERSION.to_owned()));
        let request = QueryRequest::from_pairs(pairs);
        match crate::iam_api::TABLE.lookup(&format!("{}.{action}", crate::iam_api::TARGET_PREFIX)) {
            crate::dispatch::Lookup::Found(handler) => handler(self.services.iam(), &ctx, &request)
                .map(|out| out.value().clone())
                .map_err(|e| failed("Iam", &ctx, &e)),
            _ => Err(CfnError::Resource(format!(
                "IAM {action} is not implemented by this emulator"
            ))),
        }
    }

    /// Calls a KMS or SSM operation (`TrentService.CreateKey`) as the deployer.
    pub fn json(&self, target: &str, input: &Value) -> Result<Value, CfnError> {
        let ctx = self.call_ctx();
        let body = input.to_string();
        let parse = |bytes: Vec<u8>| serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let (prefix, _) = target.split_once('.').unwrap_or((target, ""));
        let lookup_error =
            || CfnError::Resource(format!("{target} is not implemented by this emulator"));
        if prefix == crate::kms::TARGET_PREFIX {
            match crate::kms::TABLE.lookup(target) {
                crate::dispatch::Lookup::Found(h) => {
                    h(self.services.kms_services(), &ctx, body.as_bytes())
                        .map(parse)
                        .map_err(|e| failed("Kms", &ctx, &e))
                }
                _ => Err(lookup_error()),
            }
        } else {
            match crate::ssm::TABLE.lookup(target) {
                crate::dispatch::Lookup::Found(h) => {
                    h(self.services.ssm_services(), &ctx, body.as_bytes())
                        .map(parse)
                        .map_err(|e| failed("Ssm", &ctx, &e))
                }
                _ => Err(lookup_error()),
            }
        }
    }

    /// Runs one undo call; a resource already gone counts as deleted.
    pub async fn run(&self, call: &Call) -> Result<(), CfnError> {
        let gone = |e: &CfnError| {
            let text = e.to_string();
            text.contains("(NoSuchEntity)")
                || text.contains("(NotFoundException)")
                || text.contains("(ParameterNotFound)")
                || text.contains("(ResourceNotFoundException)")
        };
        let result = match call {
            Call::Iam(action, pairs) => self.iam(action, pairs.clone()).map(|_| ()),
            Call::Json(target, input) => self.json(target, input).map(|_| ()),
            Call::DeleteFunction(name) => {
                let ctx = self.call_ctx();
                crate::lambda::functions::delete(
                    self.services.lambda_services(),
                    &ctx,
                    crate::lambda::model::DeleteFunctionRequest {
                        function_name: Some(name.clone()),
                        qualifier: None,
                    },
                )
                .map_err(|e| failed("Lambda", &ctx, &e))
            }
            Call::DeleteAlias(function, alias) => {
                let ctx = self.call_ctx();
                crate::lambda::versions::delete_alias(
                    self.services.lambda_services(),
                    &ctx,
                    crate::lambda::model::DeleteAliasRequest {
                        function_name: Some(function.clone()),
                        name: Some(alias.clone()),
                    },
                )
                .map_err(|e| failed("Lambda", &ctx, &e))
            }
        };
        match result {
            Err(e) if gone(&e) => Ok(()),
            other => other,
        }
    }

    /// A physical name for a resource without one: `{stack}-{logical}-{RANDOM}`, cut to
    /// `max` characters as CloudFormation cuts them.
    fn generated_name(&self, logical: &str, max: usize) -> String {
        let suffix: String = uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase();
        let mut base = format!("{}-{logical}", self.stack_name);
        let room = max.saturating_sub(suffix.len() + 1);
        if base.len() > room {
            base.truncate(room);
        }
        format!("{base}-{suffix}")
    }

    /// Creates a resource of type `ty` from its resolved properties. On failure, the
    /// calls already made for it are undone before the error is returned.
    pub async fn create(
        &self,
        logical: &str,
        ty: &str,
        props: &Map<String, Value>,
        metadata: Option<&Value>,
    ) -> Result<Created, CfnError> {
        let mut created = Created::default();
        let result = self
            .create_into(&mut created, logical, ty, props, metadata)
            .await;
        if let Err(e) = result {
            for call in created.delete.iter() {
                if let Err(undo) = self.run(call).await {
                    tracing::debug!(resource = logical, error = %undo, "could not undo part of a failed resource");
                }
            }
            return Err(e);
        }
        Ok(created)
    }

    async fn create_into(
        &self,
        c: &mut Created,
        logical: &str,
        ty: &str,
        props: &Map<String, Value>,
        metadata: Option<&Value>,
    ) -> Result<(), CfnError> {
        let text = |key: &str| props.get(key).and_then(text_of);
        let list = |key: &str| -> Vec<String> {
            match props.get(key) {
                Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
                Some(v) => text_of(v).into_iter().collect(),
                None => Vec::new(),
            }
        };
        let document = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let pair = |k: &str, v: String| (k.to_owned(), v);
        let tags = |pairs: &mut Vec<(String, String)>| {
            if let Some(Value::Array(items)) = props.get("Tags") {
                for (i, t) in items.iter().enumerate() {
                    pairs.push(pair(
                        &format!("Tags.member.{}.Key", i + 1),
                        t.get("Key").and_then(text_of).unwrap_or_default(),
                    ));
                    pairs.push(pair(
                        &format!("Tags.member.{}.Value", i + 1),
                        t.get("Value").and_then(text_of).unwrap_or_default(),
                    ));
                }
            }
        };
        match ty {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                let (kind, name_key, max) = match ty {
                    "AWS::IAM::Role" => ("Role", "RoleName", 64),
                    "AWS::IAM::User" => ("User", "UserName", 64),
                    _ => ("Group", "GroupName", 128),
                };
                let name = text(name_key).unwrap_or_else(|| self.generated_name(logical, max));
                let mut pairs = vec![pair(name_key, name.clone())];
                if let Some(path) = text("Path") {
                    pairs.push(pair("Path", path));
                }
                if kind == "Role" {
                    pairs.push(pair(
                        "AssumeRolePolicyDocument",
                        document(&props["AssumeRolePolicyDocument"]),
                    ));
                    if let Some(d) = text("Description") {
                        pairs.push(pair("Description", d));
                    }
                    if let Some(m) = text("MaxSessionDuration") {
                        pairs.push(pair("MaxSessionDuration", m));
                    }
                }
                if kind != "Group" {
                    if let Some(b) = text("PermissionsBoundary") {
                        pairs.push(pair("PermissionsBoundary", b));
                    }
                    tags(&mut pairs);
                }
                let out = self.iam(&format!("Create{kind}"), pairs)?;
                c.delete.push(Call::Iam(
                    format!("Delete{kind}"),
                    vec![pair(name_key, name.clone())],
                ));
                let arn = out
                    .pointer(&format!("/{kind}/Arn"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let id = out
                    .pointer(&format!("/{kind}/{kind}Id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                c.resolved.physical_id = name.clone();
                c.resolved.attributes.insert("Arn".to_owned(), json!(arn));
                c.resolved.attributes.insert(format!("{kind}Id"), json!(id));
                for policy in props
                    .get("Policies")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let policy_name = policy
                        .get("PolicyName")
                        .and_then(text_of)
                        .unwrap_or_default();
                    let doc = policy
                        .get("PolicyDocument")
                        .map(document)
                        .unwrap_or_default();
                    self.iam(
                        &format!("Put{kind}Policy"),
                        vec![
                            pair(name_key, name.clone()),
                            pair("PolicyName", policy_name.clone()),
                            pair("PolicyDocument", doc),
                        ],
                    )?;
                    c.delete.insert(
                        0,
                        Call::Iam(
                            format!("Delete{kind}Policy"),
                            vec![
                                pair(name_key, name.clone()),
                                pair("PolicyName", policy_name),
                            ],
                        ),
                    );
                }
                for arn in list("ManagedPolicyArns") {
                    self.iam(
                        &format!("Attach{kind}Policy"),
                        vec![pair(name_key, name.clone()), pair("PolicyArn", arn.clone())],
                    )?;
                    c.delete.insert(
                        0,
                        Call::Iam(
                            format!("Detach{kind}Policy"),
                            vec![pair(name_key, name.clone()), pair("PolicyArn", arn)],
                        ),
                    );
                }
                if kind == "User" {
                    for group in list("Groups") {
                        self.iam(
                            "AddUserToGroup",
                            vec![
                                pair("GroupName", group.clone()),
                                pair("UserName", name.clone()),
                            ],
                        )?;
                        c.delete.insert(
                            0,
                            Call::Iam(
                                "RemoveUserFromGroup".to_owned(),
                                vec![pair("GroupName", group), pair("UserName", name.clone())],
                            ),
                        );
                    }
                }
            }
            "AWS::IAM::Policy" => {
                let policy_name = text("PolicyName").unwrap_or_default();
                let doc = document(&props["PolicyDocument"]);
                let targets: Vec<(&str, &str, String)> = list("Roles")
                    .into_iter()
                    .map(|r| ("Role", "RoleName", r))
                    .chain(list("Users").into_iter().map(|u| ("User", "UserName", u)))
                    .chain(
                        list("Groups")
                            .into_iter()
                            .map(|g| ("Group", "GroupName", g)),
                    )
                    .collect();
                if targets.is_empty() {
                    return Err(CfnError::Resource(
                        "At least one of [Groups,Roles,Users] must be non-empty.".to_owned(),
                    ));
                }
                for (kind, key, name) in targets {
                    self.iam(
                        &format!("Put{kind}Policy"),
                        vec![
                            pair(key, name.clone()),
                            pair("PolicyName", policy_name.clone()),
                            pair("PolicyDocument", doc.clone()),
                        ],
                    )?;
                    c.delete.push(Call::Iam(
                        format!("Delete{kind}Policy"),
                        vec![pair(key, name), pair("PolicyName", policy_name.clone())],
                    ));
                }
                c.resolved.physical_id = format!(
                    "{}-{}",
                    self.stack_name,
                    uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase()
                );
            }
            "AWS::IAM::ManagedPolicy" => {
                let name =
                    text("ManagedPolicyName").unwrap_or_else(|| self.generated_name(logical, 128));
                let mut pairs = vec![
                    pair("PolicyName", name),
                    pair("PolicyDocument", document(&props["PolicyDocument"])),
                ];
                if let Some(path) = text("Path") {
                    pairs.push(pair("Path", path));
                }
                if let Some(d) = text("Description") {
                    pairs.push(pair("Description", d));
                }
                let out = self.iam("CreatePolicy", pairs)?;
                let arn = out
                    .pointer("/Policy/Arn")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                c.delete.push(Call::Iam(
                    "DeletePolicy".to_owned(),
                    vec![pair("PolicyArn", arn.clone())],
                ));
                for (kind, key, names) in [
                    ("Role", "RoleName", list("Roles")),
                    ("User", "UserName", list("Users")),
                    ("Group", "GroupName", list("Groups")),
                ] {
                    for n in names {
                        self.iam(
                            &format!("Attach{kind}Policy"),
                            vec![pair(key, n.clone()), pair("PolicyArn", arn.clone())],
                        )?;
                        c.delete.insert(
                            0,
                            Call::Iam(
                                format!("Detach{kind}Policy"),
                                vec![pair(key, n), pair("PolicyArn", arn.clone())],
                            ),
                        );
                    }
                }
                c.resolved.physical_id = arn.clone();
                c.resolved
                    .attributes
                    .insert("PolicyArn".to_owned(), json!(arn));
            }
            "AWS::IAM::AccessKey" => {
                let user = text("UserName").unwrap_or_default();
                let out = self.iam("CreateAccessKey", vec![pair("UserName", user.clone())])?;
                let id = out
                    .pointer("/AccessKey/AccessKeyId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let secret = out
                    .pointer("/AccessKey/SecretAccessKey")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                c.delete.push(Call::Iam(
                    "DeleteAccessKey".to_owned(),
                    vec![
                        pair("UserName", user.clone()),
                        pair("AccessKeyId", id.clone()),
                    ],
                ));
                if text("Status").as_deref() == Some("Inactive") {
                    self.iam(
                        "UpdateAccessKey",
                        vec![
                            pair("UserName", user),
                            pair("AccessKeyId", id.clone()),
                            pair("Status", "Inactive".to_owned()),
                        ],
                    )?;
                }
                c.resolved.physical_id = id;
                c.resolved
                    .attributes
                    .insert("SecretAccessKey".to_owned(), json!(secret));
            }
            "AWS::SSM::Parameter" => {
                let name = text("Name")
                    .unwrap_or_else(|| format!("CFN-{}", self.generated_name(logical, 128)));
                let ty = text("Type").unwrap_or_default();
                // CloudFormation User Guide, "AWS::SSM::Parameter": "AWS CloudFormation
                // doesn't support creating a SecureString parameter type."
                if ty == "SecureString" {
                    return Err(CfnError::Resource("SecureString parameters cannot be created with CloudFormation (AWS::SSM::Parameter supports String and StringList).".to_owned()));
                }
                let mut input =
                    json!({"Name": name, "Type": ty, "Value": text("Value").unwrap_or_default()});
                for key in [
                    "Description",
                    "AllowedPattern",
                    "Tier",
                    "DataType",
                    "Policies",
                ] {
                    if let Some(v) = text(key) {
                        input[key] = json!(v);
                    }
                }
                if let Some(Value::Object(t)) = props.get("Tags") {
                    input["Tags"] = Value::Array(
                        t.iter()
                            .map(|(k, v)| json!({"Key": k, "Value": text_of(v)}))
                            .collect(),
                    );
                }
                self.json("AmazonSSM.PutParameter", &input)?;
                c.delete.push(Call::Json(
                    "AmazonSSM.DeleteParameter".to_owned(),
                    json!({"Name": name}),
                ));
                c.resolved.physical_id = name;
                c.resolved.attributes.insert("Type".to_owned(), json!(ty));
                c.resolved
                    .attributes
                    .insert("Value".to_owned(), json!(text("Value").unwrap_or_default()));
            }
            "AWS::KMS::Key" => {
                let mut input = json!({});
                if let Some(policy) = props.get("KeyPolicy") {
                    input["Policy"] = json!(document(policy));
                }
                for key in ["Description", "KeySpec", "KeyUsage"] {
                    if let Some(v) = text(key) {
                        input[key] = json!(v);
                    }
                }
                if text("BypassPolicyLockoutSafetyCheck").as_deref() == Some("true") {
                    input["BypassPolicyLockoutSafetyCheck"] = json!(true);
                }
                if let Some(Value::Array(t)) = props.get("Tags") {
                    input["Tags"] = Value::Array(
                        t.iter()
                            .map(|t| json!({"TagKey": t.get("Key"), "TagValue": t.get("Value")}))
                            .collect(),
                    );
                }
                let out = self.json("TrentService.CreateKey", &input)?;
                let id = out
                    .pointer("/KeyMetadata/KeyId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let arn = out
                    .pointer("/KeyMetadata/Arn")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                // CloudFormation deletes a key by scheduling its deletion, after
                // PendingWindowInDays (default 30).
                let window: i64 = text("PendingWindowInDays")
                    .and_then(|d| d.parse().ok())
                    .unwrap_or(30);
                c.delete.push(Call::Json(
                    "TrentService.ScheduleKeyDeletion".to_owned(),
                    json!({"KeyId": id, "PendingWindowInDays": window}),
                ));
                if text("EnableKeyRotation").as_deref() == Some("true") {
                    self.json("TrentService.EnableKeyRotation", &json!({"KeyId": id}))?;
                }
                if text("Enabled").as_deref() == Some("false") {
                    self.json("TrentService.DisableKey", &json!({"KeyId": id}))?;
                }
                c.resolved.physical_id = id.clone();
                c.resolved.attributes.insert("Arn".to_owned(), json!(arn));
                c.resolved.attributes.insert("KeyId".to_owned(), json!(id));
            }
            "AWS::KMS::Alias" => {
                let name = text("AliasName").unwrap_or_default();
                self.json(
                    "TrentService.CreateAlias",
                    &json!({"AliasName": name, "TargetKeyId": text("TargetKeyId")}),
                )?;
                c.delete.push(Call::Json(
                    "TrentService.DeleteAlias".to_owned(),
                    json!({"AliasName": name}),
                ));
                c.resolved.physical_id = name;
            }
            "AWS::Lambda::Function" => self.create_function(c, logical, props, metadata).await?,
            "AWS::Lambda::Version" => {
                let function = text("FunctionName").unwrap_or_default();
                let input = crate::lambda::model::PublishVersionRequest {
                    description: text("Description"),
                    ..Default::default()
                };
                let ctx = self.call_ctx();
                let out = crate::lambda::versions::publish_version(
                    self.services.lambda_services(),
                    &ctx,
                    &function,
                    input,
                )
                .map_err(|e| failed("Lambda", &ctx, &e))?;
                let out = serde_json::to_value(&out).unwrap_or(Value::Null);
                let arn = out
                    .get("FunctionArn")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let version = out
                    .get("Version")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                // Versions are kept: SAM writes `DeletionPolicy: Retain` for them, and
                // Lambda deletes them with their function.
                c.resolved.physical_id = arn;
                c.resolved
                    .attributes
                    .insert("Version".to_owned(), json!(version));
            }
            "AWS::Lambda::Alias" => {
                let function = text("FunctionName").unwrap_or_default();
                let name = text("Name").unwrap_or_default();
                let input: crate::lambda::model::CreateAliasRequest = serde_json::from_value(json!({
                    "Name": name, "FunctionVersion": text("FunctionVersion"), "Description": text("Description"),
                })).map_err(|e| CfnError::Resource(format!("AWS::Lambda::Alias: {e}")))?;
                let ctx = self.call_ctx();
                let out = crate::lambda::versions::create_alias(
                    self.services.lambda_services(),
                    &ctx,
                    &function,
                    input,
                )
                .map_err(|e| failed("Lambda", &ctx, &e))?;
                let out = serde_json::to_value(&out).unwrap_or(Value::Null);
                c.delete.push(Call::DeleteAlias(function, name));
                c.resolved.physical_id = out
                    .get("AliasArn")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
            }
            "AWS::Lambda::Permission" => {
                // Lambda's resource policies (AddPermission) are not implemented: the
                // permission is kept as a stack resource, for a function that exists.
                let function = text("FunctionName").unwrap_or_default();
                let ctx = self.call_ctx();
                crate::lambda::functions::get_configuration(
                    self.services.lambda_services(),
                    &ctx,
                    crate::lambda::model::GetFunctionConfigurationRequest {
                        function_name: Some(function.clone()),
                        qualifier: None,
                    },
                )
                .map_err(|e| failed("Lambda", &ctx, &e))?;
                c.resolved.physical_id = format!(
                    "{}-{logical}-{}",
                    self.stack_name,
                    &uuid::Uuid::new_v4().simple().to_string()[..12]
                );
            }
            other => {
                return Err(CfnError::Resource(format!(
                    "unsupported resource type {other}"
                )))
            }
        }
        Ok(())
    }

    async fn create_function(
        &self,
        c: &mut Created,
        logical: &str,
        props: &Map<String, Value>,
        metadata: Option<&Value>,
    ) -> Result<(), CfnError> {
        let mut input = Value::Object(props.clone());
        let name = props
            .get("FunctionName")
            .and_then(text_of)
            .unwrap_or_else(|| self.generated_name(logical, 64));
        input["FunctionName"] = json!(name);
        if let Some(Value::Array(t)) = props.get("Tags") {
            let map: Map<String, Value> = t
                .iter()
                .filter_map(|t| {
                    Some((
                        t.get("Key").and_then(text_of)?,
                        json!(t.get("Value").and_then(text_of)?),
                    ))
                })
                .collect();
            input["Tags"] = Value::Object(map);
        }
        for key in ["Timeout", "MemorySize"] {
            if let Some(n) = props
                .get(key)
                .and_then(text_of)
                .and_then(|t| t.parse::<i64>().ok())
            {
                input[key] = json!(n);
            }
        }
        if props.get("Runtime").is_none() {
            input["Runtime"] = json!("provided.al2023");
        }
        if props.get("Handler").is_none() {
            input["Handler"] = json!(crate::lambda::code::BOOTSTRAP);
        }
        // Local code: `__local__` with a path, relative paths against the code root.
        let mut spec = None;
        if let Some(code) = input.get_mut("Code").and_then(Value::as_object_mut) {
            if code.get("S3Bucket").and_then(Value::as_str)
                == Some(crate::lambda::code::LOCAL_BUCKET)
            {
                let key = code.get("S3Key").and_then(text_of).unwrap_or_default();
                let path = resolve_path(&self.code_root, &key);
                let cargo = metadata
                    .and_then(|m| m.get("BuildMethod"))
                    .and_then(Value::as_str)
                    == Some("rust-cargolambda");
                if cargo {
                    let package = cargo_package_name(&path).map_err(CfnError::Resource)?;
                    spec = Some(crate::lambda::code::CodeSpec::Cargo {
                        package,
                        bin: None,
                        directory: path.clone(),
                        release: false,
                    });
                }
                code.insert("S3Key".to_owned(), json!(path.display().to_string()));
            } else if code.contains_key("ZipFile") && code.get("S3Bucket").is_none() {
                return Err(CfnError::Resource(format!(
                    "Resources.{logical}.Properties.Code.ZipFile: inline source code is not supported by this emulator; give a local path (CodeUri, or S3Bucket \"__local__\" with S3Key)"
                )));
            }
        }
        let input: crate::lambda::model::CreateFunctionRequest = serde_json::from_value(input)
            .map_err(|e| CfnError::Resource(format!("Resources.{logical}.Properties: {e}")))?;
        let ctx = self.call_ctx();
        let out = crate::lambda::functions::create_with(
            self.services.lambda_services(),
            &ctx,
            input,
            spec,
        )
        .await
        .map_err(|e| failed("Lambda", &ctx, &e))?;
        c.delete.push(Call::DeleteFunction(name.clone()));
        c.resolved.physical_id = name;
        c.resolved
            .attributes
            .insert("Arn".to_owned(), json!(out.function_arn));
        Ok(())
    }
}

impl Deployer<'_> {
    /// UpdateFunctionCode with a function's `Code` and `Architectures` from a template,
    /// local paths resolved as at creation. A directory holding a `Cargo.toml` and no
    /// `bootstrap` is a crate and is built with cargo: the `BuildMethod` metadata that
    /// marked it at creation is not part of the properties an update compares.
    async fn update_function_code(
        &self,
        name: &str,
        props: &Map<String, Value>,
    ) -> Result<(), CfnError> {
        let code = props
            .get("Code")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut input = crate::lambda::model::UpdateFunctionCodeRequest {
            architectures: match props.get("Architectures") {
                Some(Value::Array(items)) => Some(items.iter().filter_map(text_of).collect()),
                _ => None,
            },
            ..Default::default()
        };
        let mut spec = None;
        if code.get("S3Bucket").and_then(Value::as_str) == Some(crate::lambda::code::LOCAL_BUCKET) {
            let key = code.get("S3Key").and_then(text_of).unwrap_or_default();
            let path = resolve_path(&self.code_root, &key);
            if path.join("Cargo.toml").is_file()
                && !path.join(crate::lambda::code::BOOTSTRAP).exists()
            {
                let package = cargo_package_name(&path).map_err(CfnError::Resource)?;
                spec = Some(crate::lambda::code::CodeSpec::Cargo {
                    package,
                    bin: None,
                    directory: path.clone(),
                    release: false,
                });
            }
            input.s3_bucket = Some(crate::lambda::code::LOCAL_BUCKET.to_owned());
            input.s3_key = Some(path.display().to_string());
        } else {
            input.s3_bucket = code.get("S3Bucket").and_then(text_of);
            input.s3_key = code.get("S3Key").and_then(text_of);
            input.zip_file = code.get("ZipFile").and_then(text_of);
        }
        let ctx = self.call_ctx();
        crate::lambda::functions::update_code_with(
            self.services.lambda_services(),
            &ctx,
            name,
            input,
            spec,
        )
        .await
        .map_err(|e| failed("Lambda", &ctx, &e))?;
        self.settle_function(name).await;
        Ok(())
    }

    /// Waits while a function's last update is `InProgress`, as CloudFormation's handler
    /// waits for `LastUpdateStatus` to leave it before reporting UPDATE_COMPLETE (and
    /// before a next update, which Lambda would refuse with ResourceConflictException).
    async fn settle_function(&self, name: &str) {
        let ctx = self.call_ctx();
        for _ in 0..600 {
            let status = crate::lambda::functions::get_configuration(
                self.services.lambda_services(),
                &ctx,
                crate::lambda::model::GetFunctionConfigurationRequest {
                    function_name: Some(name.to_owned()),
                    qualifier: None,
                },
            )
            .ok()
            .and_then(|c| c.last_update_status);
            if status.as_deref() != Some("InProgress") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Deployer<'_> {
    /// Applies a change of an `AWS::Lambda::Function`'s `Tags` with the calls a client
    /// makes (UntagResource for the keys gone, TagResource for the new or changed ones):
    /// "Update requires: No interruption" (CloudFormation User Guide,
    /// `AWS::Lambda::Function`, `Tags`).
    fn update_function_tags(
        &self,
        name: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<(), CfnError> {
        let (set, removed) = tag_changes(old, new);
        let ctx = self.call_ctx();
        let arn = crate::lambda::names::function_arn(&ctx.region, &ctx.account, name);
        if !removed.is_empty() {
            crate::lambda::tags::untag_resource(
                self.services.lambda_services(),
                &ctx,
                crate::lambda::model::UntagResourceRequest {
                    resource: Some(arn.clone()),
                    tag_keys: Some(removed),
                },
            )
            .map_err(|e| failed("Lambda", &ctx, &e))?;
        }
        if !set.is_empty() {
            let ctx = self.call_ctx();
            crate::lambda::tags::tag_resource(
                self.services.lambda_services(),
                &ctx,
                crate::lambda::model::TagResourceRequest {
                    resource: Some(arn),
                    tags: Some(set.into_iter().collect()),
                },
            )
            .map_err(|e| failed("Lambda", &ctx, &e))?;
        }
        Ok(())
    }
}

/// The properties of a type that CloudFormation updates in place ("Update requires: No
/// interruption" in the CloudFormation User Guide's page of each type, `UpdateType:
/// Mutable` in the CloudFormation resource specification); a change to any other property
/// replaces the resource. Names and paths (`RoleName`, `Path`, `FunctionName`, a
/// parameter's `Name`) and a key's `KeySpec`/`KeyUsage` are the documented replacements.
pub fn in_place_properties(ty: &str) -> &'static [&'static str] {
    match ty {
        // AWS::SSM::Parameter: every property but `Name` is "No interruption" (`Type`
        // included: `UpdateType: Mutable` in the resource specification).
        "AWS::SSM::Parameter" => &[
            "AllowedPattern",
            "DataType",
            "Description",
            "Policies",
            "Tags",
            "Tier",
            "Type",
            "Value",
        ],
        "AWS::KMS::Alias" => &["TargetKeyId"],
        "AWS::KMS::Key" => &[
            "BypassPolicyLockoutSafetyCheck",
            "Description",
            "EnableKeyRotation",
            "Enabled",
            "KeyPolicy",
            "PendingWindowInDays",
            "Tags",
        ],
        "AWS::IAM::Role" => &[
            "AssumeRolePolicyDocument",
            "Description",
            "ManagedPolicyArns",
            "MaxSessionDuration",
            "PermissionsBoundary",
            "Policies",
            "Tags",
        ],
        // AWS::Lambda::Function: `Code` and `Architectures` through UpdateFunctionCode,
        // `Tags` through TagResource/UntagResource, the rest through
        // UpdateFunctionConfiguration.
        "AWS::Lambda::Function" => &[
            "Architectures",
            "Code",
            "Description",
            "Environment",
            "EphemeralStorage",
            "Handler",
            "LoggingConfig",
            "MemorySize",
            "Role",
            "Runtime",
            "Tags",
            "Timeout",
            "TracingConfig",
        ],
        _ => &[],
    }
}

/// A template's tags as pairs: a list of `{Key, Value}` (most types) or a map (SSM).
fn tag_pairs(tags: Option<&Value>) -> Vec<(String, String)> {
    match tags {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|t| {
                Some((
                    t.get("Key").and_then(text_of)?,
                    t.get("Value").and_then(text_of).unwrap_or_default(),
                ))
            })
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| (k.clone(), text_of(v).unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    }
}

/// What an update of tags sends: the tags to set (new or with a new value) and the keys
/// to remove (gone from the template).
fn tag_changes(old: Option<&Value>, new: Option<&Value>) -> (Vec<(String, String)>, Vec<String>) {
    let (old, new) = (tag_pairs(old), tag_pairs(new));
    let set = new.iter().filter(|t| !old.contains(t)).cloned().collect();
    let removed = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(n, _)| n == k))
        .map(|(k, _)| k.clone())
        .collect();
    (set, removed)
}

/// The properties whose values differ between two sets.
pub fn changed_properties(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = old.keys().chain(new.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.retain(|k| old.get(k) != new.get(k));
    keys
}

/// Whether changing `changed` replaces a resource of type `ty`.
pub fn requires_replacement(ty: &str, changed: &[String]) -> bool {
    let in_place = in_place_properties(ty);
    changed.iter().any(|k| !in_place.contains(&k.as_str()))
}

impl Deployer<'_> {
    /// Updates a resource in place to `props` (the caller checked that no changed
    /// property requires replacement), with the same calls a client would make.
    pub async fn update_in_place(
        &self,
        ty: &str,
        old: &Created,
        props: &Map<String, Value>,
    ) -> Result<Created, CfnError> {
        let changed = changed_properties(&old.properties, props);
        let text = |key: &str| props.get(key).and_then(text_of);
        let pair = |k: &str, v: String| (k.to_owned(), v);
        let document = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let is = |k: &str| changed.iter().any(|c| c == k);
        let mut next = old.clone();
        next.properties = props.clone();
        let id = old.resolved.physical_id.clone();
        match ty {
            "AWS::SSM::Parameter" => {
                // PutParameter refuses Tags with Overwrite: tags change through
                // AddTagsToResource/RemoveTagsFromResource, as the User Guide's page for
                // AWS::SSM::Parameter says CloudFormation needs both permissions for.
                if changed.iter().any(|c| c != "Tags") {
                    let mut input = json!({"Name": id, "Overwrite": true, "Type": text("Type"), "Value": text("Value").unwrap_or_default()});
                    for key in [
                        "Description",
                        "AllowedPattern",
                        "Tier",
                        "DataType",
                        "Policies",
                    ] {
                        if let Some(v) = text(key) {
                            input[key] = json!(v);
                        }
                    }
                    self.json("AmazonSSM.PutParameter", &input)?;
                }
                if is("Tags") {
                    let (set, removed) = tag_changes(old.properties.get("Tags"), props.get("Tags"));
                    if !removed.is_empty() {
                        self.json(
                            "AmazonSSM.RemoveTagsFromResource",
                            &json!({"ResourceType": "Parameter", "ResourceId": id, "TagKeys": removed}),
                        )?;
                    }
                    if !set.is_empty() {
                        let tags: Vec<Value> = set
                            .iter()
                            .map(|(k, v)| json!({"Key": k, "Value": v}))
                            .collect();
                        self.json(
                            "AmazonSSM.AddTagsToResource",
                            &json!({"ResourceType": "Parameter", "ResourceId": id, "Tags": tags}),
                        )?;
                    }
                }
                next.resolved
                    .attributes
                    .insert("Type".to_owned(), json!(text("Type")));
                next.resolved
                    .attributes
                    .insert("Value".to_owned(), json!(text("Value").unwrap_or_default()));
            }
            "AWS::KMS::Alias" => {
                self.json(
                    "TrentService.UpdateAlias",
                    &json!({"AliasName": id, "TargetKeyId": text("TargetKeyId")}),
                )?;
            }
            "AWS::KMS::Key" => {
                if is("Description") {
                    self.json("TrentService.UpdateKeyDescription", &json!({"KeyId": id, "Description": text("Description").unwrap_or_default()}))?;
                }
                if is("KeyPolicy") {
                    let policy = props
                        .get("KeyPolicy")
                        .map(document)
                        .unwrap_or_else(|| crate::kms::default_key_policy(&self.ctx.account));
                    self.json(
                        "TrentService.PutKeyPolicy",
                        &json!({"KeyId": id, "PolicyName": "default", "Policy": policy}),
                    )?;
                }
                if is("EnableKeyRotation") {
                    let target = if text("EnableKeyRotation").as_deref() == Some("true") {
                        "TrentService.EnableKeyRotation"
                    } else {
                        "TrentService.DisableKeyRotation"
                    };
                    self.json(target, &json!({"KeyId": id}))?;
                }
                if is("Enabled") {
                    let target = if text("Enabled").as_deref() == Some("false") {
                        "TrentService.DisableKey"
                    } else {
                        "TrentService.EnableKey"
                    };
                    self.json(target, &json!({"KeyId": id}))?;
                }
                if is("Tags") {
                    let (set, removed) = tag_changes(old.properties.get("Tags"), props.get("Tags"));
                    if !removed.is_empty() {
                        self.json(
                            "TrentService.UntagResource",
                            &json!({"KeyId": id, "TagKeys": removed}),
                        )?;
                    }
                    if !set.is_empty() {
                        let tags: Vec<Value> = set
                            .iter()
                            .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
                            .collect();
                        self.json(
                            "TrentService.TagResource",
                            &json!({"KeyId": id, "Tags": tags}),
                        )?;
                    }
                }
                let window: i64 = text("PendingWindowInDays")
                    .and_then(|d| d.parse().ok())
                    .unwrap_or(30);
                next.delete = vec![Call::Json(
                    "TrentService.ScheduleKeyDeletion".to_owned(),
                    json!({"KeyId": id, "PendingWindowInDays": window}),
                )];
            }
            "AWS::IAM::Role" => {
                let name = id.clone();
                if is("Description") || is("MaxSessionDuration") {
                    // A property taken out goes back to IAM's default: no description,
                    // a longest session of one hour (UpdateRole in the IAM API Reference).
                    self.iam(
                        "UpdateRole",
                        vec![
                            pair("RoleName", name.clone()),
                            pair("Description", text("Description").unwrap_or_default()),
                            pair(
                                "MaxSessionDuration",
                                text("MaxSessionDuration").unwrap_or_else(|| "3600".to_owned()),
                            ),
                        ],
                    )?;
                }
                if is("Tags") {
                    let (set, removed) = tag_changes(old.properties.get("Tags"), props.get("Tags"));
                    if !removed.is_empty() {
                        let mut pairs = vec![pair("RoleName", name.clone())];
                        for (i, k) in removed.iter().enumerate() {
                            pairs.push(pair(&format!("TagKeys.member.{}", i + 1), k.clone()));
                        }
                        self.iam("UntagRole", pairs)?;
                    }
                    if !set.is_empty() {
                        let mut pairs = vec![pair("RoleName", name.clone())];
                        for (i, (k, v)) in set.iter().enumerate() {
                            pairs.push(pair(&format!("Tags.member.{}.Key", i + 1), k.clone()));
                            pairs.push(pair(&format!("Tags.member.{}.Value", i + 1), v.clone()));
                        }
                        self.iam("TagRole", pairs)?;
                    }
                }
                if is("AssumeRolePolicyDocument") {
                    self.iam(
                        "UpdateAssumeRolePolicy",
                        vec![
                            pair("RoleName", name.clone()),
                            pair(
                                "PolicyDocument",
                                document(&props["AssumeRolePolicyDocument"]),
                            ),
                        ],
                    )?;
                }
                if is("PermissionsBoundary") {
                    match text("PermissionsBoundary") {
                        Some(b) => self.iam(
                            "PutRolePermissionsBoundary",
                            vec![
                                pair("RoleName", name.clone()),
                                pair("PermissionsBoundary", b),
                            ],
                        )?,
                        None => self.iam(
                            "DeleteRolePermissionsBoundary",
                            vec![pair("RoleName", name.clone())],
                        )?,
                    };
                }
                let policies = |m: &Map<String, Value>| -> Vec<(String, String)> {
                    m.get("Policies")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|p| {
                            (
                                p.get("PolicyName").and_then(text_of).unwrap_or_default(),
                                p.get("PolicyDocument").map(document).unwrap_or_default(),
                            )
                        })
                        .collect()
                };
                let managed = |m: &Map<String, Value>| -> Vec<String> {
                    match m.get("ManagedPolicyArns") {
                        Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
                        _ => Vec::new(),
                    }
                };
                let (old_inline, new_inline) = (policies(&old.properties), policies(props));
                for (policy, doc) in &new_inline {
                    if !old_inline.iter().any(|(p, d)| p == policy && d == doc) {
                        self.iam(
                            "PutRolePolicy",
                            vec![
                                pair("RoleName", name.clone()),
                                pair("PolicyName", policy.clone()),
                                pair("PolicyDocument", doc.clone()),
                            ],
                        )?;
                    }
                }
                for (policy, _) in &old_inline {
                    if !new_inline.iter().any(|(p, _)| p == policy) {
                        self.iam(
                            "DeleteRolePolicy",
                            vec![
                                pair("RoleName", name.clone()),
                                pair("PolicyName", policy.clone()),
                            ],
                        )?;
                    }
                }
                let (old_managed, new_managed) = (managed(&old.properties), managed(props));
                for arn in new_managed.iter().filter(|a| !old_managed.contains(a)) {
                    self.iam(
                        "AttachRolePolicy",
                        vec![
                            pair("RoleName", name.clone()),
                            pair("PolicyArn", arn.clone()),
                        ],
                    )?;
                }
                for arn in old_managed.iter().filter(|a| !new_managed.contains(a)) {
                    self.iam(
                        "DetachRolePolicy",
                        vec![
                            pair("RoleName", name.clone()),
                            pair("PolicyArn", arn.clone()),
                        ],
                    )?;
                }
                let mut delete: Vec<Call> = new_managed
                    .iter()
                    .map(|arn| {
                        Call::Iam(
                            "DetachRolePolicy".to_owned(),
                            vec![
                                pair("RoleName", name.clone()),
                                pair("PolicyArn", arn.clone()),
                            ],
                        )
                    })
                    .collect();
                delete.extend(new_inline.iter().map(|(p, _)| {
                    Call::Iam(
                        "DeleteRolePolicy".to_owned(),
                        vec![
                            pair("RoleName", name.clone()),
                            pair("PolicyName", p.clone()),
                        ],
                    )
                }));
                delete.push(Call::Iam(
                    "DeleteRole".to_owned(),
                    vec![pair("RoleName", name.clone())],
                ));
                next.delete = delete;
            }
            "AWS::Lambda::Function" => {
                // Neither code nor configuration: sent apart, after the configuration.
                let apart = ["Code", "Architectures", "Tags"];
                let mut input = serde_json::Map::new();
                for key in in_place_properties(ty)
                    .iter()
                    .filter(|k| !apart.contains(k))
                {
                    match props.get(*key) {
                        Some(v) => {
                            input.insert((*key).to_owned(), v.clone());
                        }
                        // A property taken out goes back to Lambda's default.
                        None if changed.iter().any(|c| c == key) => {
                            let default = match *key {
                                "Environment" => json!({"Variables": {}}),
                                "Description" => json!(""),
                                "Timeout" => json!(3),
                                "MemorySize" => json!(128),
                                "TracingConfig" => json!({"Mode": "PassThrough"}),
                                _ => continue,
                            };
                            input.insert((*key).to_owned(), default);
                        }
                        None => {}
                    }
                }
                for key in ["Timeout", "MemorySize"] {
                    if let Some(n) = input
                        .get(key)
                        .and_then(text_of)
                        .and_then(|t| t.parse::<i64>().ok())
                    {
                        input.insert(key.to_owned(), json!(n));
                    }
                }
                if changed.iter().any(|c| !apart.contains(&c.as_str())) {
                    let input: crate::lambda::model::UpdateFunctionConfigurationRequest =
                        serde_json::from_value(Value::Object(input)).map_err(|e| {
                            CfnError::Resource(format!("AWS::Lambda::Function: {e}"))
                        })?;
                    let ctx = self.call_ctx();
                    crate::lambda::functions::update_configuration(
                        self.services.lambda_services(),
                        &ctx,
                        &id,
                        input,
                    )
                    .map_err(|e| failed("Lambda", &ctx, &e))?;
                    self.settle_function(&id).await;
                }
                if is("Code") || is("Architectures") {
                    self.update_function_code(&id, props).await?;
                }
                if is("Tags") {
                    self.update_function_tags(&id, old.properties.get("Tags"), props.get("Tags"))?;
                }
            }
            other => {
                return Err(CfnError::Resource(format!(
                    "{other} cannot be updated in place"
                )))
            }
        }
        Ok(next)
    }
}

/// A local path from a template: absolute as it is, else under `root`.
pub fn resolve_path(root: &Path, path: &str) -> PathBuf {
    let given = Path::new(path);
    let joined = if given.is_absolute() {
        given.to_owned()
    } else {
        root.join(given)
    };
    std::fs::canonicalize(&joined).unwrap_or(joined)
}

/// The `[package] name` of the crate in `dir`.
fn cargo_package_name(dir: &Path) -> Result<String, String> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| {
        format!(
            "BuildMethod rust-cargolambda: cannot read {}: {e}",
            manifest.display()
        )
    })?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if in_package {
            if let Some(value) = line
                .strip_prefix("name")
                .map(str::trim_start)
                .and_then(|l| l.strip_prefix('='))
            {
                return Ok(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    Err(format!(
        "BuildMethod rust-cargolambda: {} names no [package] name",
        manifest.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_knows_each_type_once() {
        let mut types: Vec<&str> = PROVIDERS.iter().map(|(t, _)| *t).collect();
        let n = types.len();
        types.dedup();
        assert_eq!(types.len(), n);
        for (_, p) in PROVIDERS {
            for r in p.required {
                assert!(p.properties.contains(r));
            }
        }
        assert!(provider("AWS::SQS::Queue").is_none());
    }

    #[test]
    fn tag_changes_set_new_values_and_remove_keys_gone() {
        let old = json!([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]);
        let new = json!([{"Key": "a", "Value": "9"}, {"Key": "c", "Value": "3"}]);
        let (set, removed) = tag_changes(Some(&old), Some(&new));
        assert_eq!(
            set,
            [
                ("a".to_owned(), "9".to_owned()),
                ("c".to_owned(), "3".to_owned())
            ]
        );
        assert_eq!(removed, ["b"]);
        // SSM's map form.
        let (set, removed) = tag_changes(Some(&json!({"k": "v"})), None);
        assert!(set.is_empty());
        assert_eq!(removed, ["k"]);
    }

    #[test]
    fn documented_in_place_properties_do_not_replace() {
        let changed = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
        assert!(!requires_replacement(
            "AWS::Lambda::Function",
            &changed(&["Code", "Environment"])
        ));
        assert!(!requires_replacement(
            "AWS::Lambda::Function",
            &changed(&["Tags"])
        ));
        assert!(!requires_replacement(
            "AWS::IAM::Role",
            &changed(&["Description", "MaxSessionDuration", "Tags"])
        ));
        assert!(requires_replacement(
            "AWS::IAM::Role",
            &changed(&["RoleName"])
        ));
        assert!(!requires_replacement(
            "AWS::SSM::Parameter",
            &changed(&["Tags", "Value"])
        ));
        assert!(requires_replacement(
            "AWS::SSM::Parameter",
            &changed(&["Name"])
        ));
        assert!(requires_replacement(
            "AWS::KMS::Key",
            &changed(&["KeySpec"])
        ));
        assert!(!requires_replacement("AWS::KMS::Key", &changed(&["Tags"])));
    }

    #[test]
    fn package_names_are_read_from_the_manifest() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../handler");
        assert_eq!(cargo_package_name(&dir).unwrap(), "handler");
    }
}
