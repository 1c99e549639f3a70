//! The SAM transform (`Transform: AWS::Serverless-2016-10-31`) for
//! `AWS::Serverless::Function`: `Globals.Function` merged in, then the function written
//! as the `AWS::Lambda::Function` (and, without a `Role`, the `AWS::IAM::Role`; with
//! `AutoPublishAlias`, the `AWS::Lambda::Version` and `AWS::Lambda::Alias`) that SAM
//! writes (AWS SAM Developer Guide, "AWS::Serverless::Function" and "Generated AWS
//! CloudFormation resources").

use super::error::{template, CfnError};
use serde_json::{json, Map, Value};

/// The transform's name.
pub const TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// The properties of `AWS::Serverless::Function` this transform writes out.
const FUNCTION_PROPERTIES: &[&str] = &[
    "Architectures",
    "AutoPublishAlias",
    "CodeUri",
    "Description",
    "Environment",
    "EphemeralStorage",
    "FunctionName",
    "Handler",
    "LoggingConfig",
    "MemorySize",
    "PermissionsBoundary",
    "Policies",
    "Role",
    "Runtime",
    "Tags",
    "Timeout",
    "Tracing",
];

/// The AWS managed policy every generated role has (SAM's basic execution role).
const BASIC_EXECUTION: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
/// The managed policy SAM adds for `Tracing: Active`.
const XRAY_WRITE: &str = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess";

/// Applies the transform if the template declares it; refuses other transforms.
pub fn transform(body: &mut Value) -> Result<(), CfnError> {
    let Some(map) = body.as_object_mut() else {
        return Ok(());
    };
    let declared: Vec<String> = match map.get("Transform") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(_) => return Err(template("Transform", "must be a name or a list of names")),
    };
    if let Some(other) = declared.iter().find(|t| *t != TRANSFORM) {
        return Err(template(
            "Transform",
            format!("unsupported transform {other} (only {TRANSFORM} is)"),
        ));
    }
    let globals = map.remove("Globals");
    if declared.is_empty() {
        if globals.is_some() {
            return Err(template(
                "Globals",
                "Globals needs Transform: AWS::Serverless-2016-10-31",
            ));
        }
        return Ok(());
    }
    map.remove("Transform");
    let globals = match globals {
        None => Map::new(),
        Some(Value::Object(g)) => {
            if let Some(other) = g.keys().find(|k| *k != "Function") {
                return Err(template(
                    &format!("Globals.{other}"),
                    "unsupported Globals section (Function is supported)",
                ));
            }
            match g.get("Function") {
                Some(Value::Object(f)) => f.clone(),
                None => Map::new(),
                Some(_) => return Err(template("Globals.Function", "must be a mapping")),
            }
        }
        Some(_) => return Err(template("Globals", "must be a mapping")),
    };
    let Some(Value::Object(resources)) = map.get("Resources").cloned() else {
        return Ok(());
    };
    let mut out = Map::new();
    for (logical, resource) in resources {
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            out.insert(logical, resource);
            continue;
        }
        for (name, generated) in function(&logical, &resource, &globals)? {
            out.insert(name, generated);
        }
    }
    map.insert("Resources".to_owned(), Value::Object(out));
    Ok(())
}

/// `Globals.Function` under a function's own properties: the function's win, and the
/// maps `Environment.Variables` and `Tags` are merged (AWS SAM Developer Guide, "Globals
/// section of the AWS SAM template": "maps are merged").
fn merged(globals: &Map<String, Value>, own: &Map<String, Value>) -> Map<String, Value> {
    let mut out = globals.clone();
    for (key, value) in own {
        match (out.get_mut(key), value) {
            (Some(Value::Object(base)), Value::Object(over)) => {
                for (k, v) in over {
                    match (base.get_mut(k), v) {
                        (Some(Value::Object(b)), Value::Object(o)) => {
                            for (kk, vv) in o {
                                b.insert(kk.clone(), vv.clone());
                            }
                        }
                        _ => {
                            base.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

fn function(
    logical: &str,
    resource: &Value,
    globals: &Map<String, Value>,
) -> Result<Vec<(String, Value)>, CfnError> {
    let place = format!("Resources.{logical}");
    let own = resource
        .get("Properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let props = merged(globals, &own);
    for key in props.keys() {
        if !FUNCTION_PROPERTIES.contains(&key.as_str()) {
            return Err(template(
                &format!("{place}.Properties.{key}"),
                format!(
                    "unsupported property {key} of AWS::Serverless::Function (supported: {})",
                    FUNCTION_PROPERTIES.join(", ")
                ),
            ));
        }
    }
    let mut generated = Vec::new();
    let mut fp = Map::new();
    for key in [
        "FunctionName",
        "Description",
        "Handler",
        "Runtime",
        "Timeout",
        "MemorySize",
        "Architectures",
        "EphemeralStorage",
        "LoggingConfig",
    ] {
        if let Some(v) = props.get(key) {
            fp.insert(key.to_owned(), v.clone());
        }
    }
    match props.get("CodeUri") {
        Some(Value::String(path)) => {
            fp.insert(
                "Code".to_owned(),
                json!({"S3Bucket": crate::lambda::code::LOCAL_BUCKET, "S3Key": path}),
            );
        }
        Some(Value::Object(location)) => {
            fp.insert(
                "Code".to_owned(),
                json!({"S3Bucket": location.get("Bucket"), "S3Key": location.get("Key")}),
            );
        }
        Some(other) if super::intrinsics::intrinsic(other).is_some() => {
            return Err(template(
                &format!("{place}.Properties.CodeUri"),
                "CodeUri must be a path or {Bucket, Key}",
            ));
        }
        _ => {
            return Err(template(
                &format!("{place}.Properties.CodeUri"),
                "required property CodeUri is missing",
            ))
        }
    }
    if let Some(env) = props.get("Environment") {
        fp.insert("Environment".to_owned(), env.clone());
    }
    if let Some(tracing) = props.get("Tracing") {
        fp.insert("TracingConfig".to_owned(), json!({"Mode": tracing}));
    }
    // SAM tags the function (and its role) with `lambda:createdBy: SAM`, and writes
    // its own Tags map as CloudFormation's list of Key/Value.
    let mut tags = vec![json!({"Key": "lambda:createdBy", "Value": "SAM"})];
    if let Some(Value::Object(own_tags)) = props.get("Tags") {
        for (k, v) in own_tags {
            tags.push(json!({"Key": k, "Value": v}));
        }
    }
    fp.insert("Tags".to_owned(), Value::Array(tags.clone()));
    match props.get("Role") {
        Some(role) => {
            fp.insert("Role".to_owned(), role.clone());
        }
        None => {
            let role_name = format!("{logical}Role");
            let mut managed = vec![json!(BASIC_EXECUTION)];
            if props.get("Tracing").and_then(Value::as_str) == Some("Active") {
                managed.push(json!(XRAY_WRITE));
            }
            let mut inline = Vec::new();
            let policies = match props.get("Policies") {
                None => Vec::new(),
                Some(Value::Array(items)) => items.clone(),
                Some(one) => vec![one.clone()],
            };
            for (i, policy) in policies.iter().enumerate() {
                let at = format!("{place}.Properties.Policies[{i}]");
                match policy {
                    Value::String(name) if name.starts_with("arn:") => managed.push(json!(name)),
                    Value::String(name) => managed.push(json!(format!("arn:aws:iam::aws:policy/{name}"))),
                    Value::Object(map) if map.contains_key("Statement") => {
                        inline.push(json!({"PolicyName": format!("{logical}RolePolicy{i}"), "PolicyDocument": policy}));
                    }
                    Value::Object(map) if map.len() == 1 => {
                        let (name, args) = map.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or_default();
                        if super::intrinsics::intrinsic(policy).is_some() {
                            managed.push(policy.clone());
                            continue;
                        }
                        let statements = policy_template(name, args, &at)?;
                        inline.push(json!({
                            "PolicyName": format!("{logical}RolePolicy{i}"),
                            "PolicyDocument": {"Statement": statements},
                        }));
                    }
                    _ => return Err(template(&at, "a policy must be a managed policy name or ARN, a policy document or a SAM policy template")),
                }
            }
            let mut rp = Map::new();
            rp.insert(
                "AssumeRolePolicyDocument".to_owned(),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": ["lambda.amazonaws.com"]}}]}),
            );
            rp.insert("ManagedPolicyArns".to_owned(), Value::Array(managed));
            if !inline.is_empty() {
                rp.insert("Policies".to_owned(), Value::Array(inline));
            }
            if let Some(boundary) = props.get("PermissionsBoundary") {
                rp.insert("PermissionsBoundary".to_owned(), boundary.clone());
            }
            rp.insert("Tags".to_owned(), Value::Array(tags));
            let mut role = Map::new();
            role.insert("Type".to_owned(), json!("AWS::IAM::Role"));
            role.insert("Properties".to_owned(), Value::Object(rp));
            if let Some(c) = resource.get("Condition") {
                role.insert("Condition".to_owned(), c.clone());
            }
            generated.push((role_name.clone(), Value::Object(role)));
            fp.insert("Role".to_owned(), json!({"Fn::GetAtt": [role_name, "Arn"]}));
        }
    }
    let mut f = Map::new();
    f.insert("Type".to_owned(), json!("AWS::Lambda::Function"));
    f.insert("Properties".to_owned(), Value::Object(fp.clone()));
    for attribute in [
        "DependsOn",
        "Condition",
        "Metadata",
        "DeletionPolicy",
        "UpdateReplacePolicy",
    ] {
        if let Some(v) = resource.get(attribute) {
            f.insert(attribute.to_owned(), v.clone());
        }
    }
    generated.push((logical.to_owned(), Value::Object(f)));
    if let Some(alias) = props.get("AutoPublishAlias") {
        let alias_name = alias.as_str().ok_or_else(|| {
            template(
                &format!("{place}.Properties.AutoPublishAlias"),
                "must be a name",
            )
        })?;
        // SAM names the version after a hash of the function's code and configuration,
        // so that a change publishes a new version.
        use sha2::Digest;
        let digest = sha2::Sha256::digest(Value::Object(fp).to_string().as_bytes());
        let version = format!("{logical}Version{}", &hex::encode(digest)[..10]);
        let condition = resource.get("Condition").cloned();
        let mut v = json!({"Type": "AWS::Lambda::Version", "DeletionPolicy": "Retain", "Properties": {"FunctionName": {"Ref": logical}}});
        let mut a = json!({"Type": "AWS::Lambda::Alias", "Properties": {
            "Name": alias_name,
            "FunctionName": {"Ref": logical},
            "FunctionVersion": {"Fn::GetAtt": [version, "Version"]},
        }});
        if let Some(c) = condition {
            v["Condition"] = c.clone();
            a["Condition"] = c;
        }
        generated.push((version, v));
        generated.push((format!("{logical}Alias{alias_name}"), a));
    }
    Ok(generated)
}

/// The statements of a SAM policy template (AWS SAM Developer Guide, "AWS SAM policy
/// template list"; `SSMParameterReadPolicy` includes `ssm:GetParametersByPath` since
/// aws/serverless-application-model#1084).
fn policy_template(name: &str, args: &Value, place: &str) -> Result<Value, CfnError> {
    let arg = |key: &str| {
        args.get(key).cloned().ok_or_else(|| {
            template(
                place,
                format!("the policy template {name} needs its parameter {key}"),
            )
        })
    };
    let sub = |pattern: &str, var: &str, value: Value| json!({"Fn::Sub": [pattern, {var: value}]});
    Ok(match name {
        "SSMParameterReadPolicy" => json!([
            {"Effect": "Allow", "Action": ["ssm:DescribeParameters"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
             "Resource": sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${parameterName}", "parameterName", arg("ParameterName")?)}
        ]),
        "SSMParameterWithSlashPrefixReadPolicy" => json!([
            {"Effect": "Allow", "Action": ["ssm:DescribeParameters"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
             "Resource": sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${parameterName}", "parameterName", arg("ParameterName")?)}
        ]),
        "KMSDecryptPolicy" => json!([
            {"Effect": "Allow", "Action": "kms:Decrypt",
             "Resource": sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}", "keyId", arg("KeyId")?)}
        ]),
        "KMSEncryptPolicy" => json!([
            {"Effect": "Allow", "Action": "kms:Encrypt",
             "Resource": sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}", "keyId", arg("KeyId")?)}
        ]),
        "LambdaInvokePolicy" => json!([
            {"Effect": "Allow", "Action": ["lambda:InvokeFunction"],
             "Resource": sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*", "functionName", arg("FunctionName")?)}
        ]),
        other => {
            return Err(template(
                &format!("{place}.{other}"),
                format!("unsupported SAM policy template {other} (SSMParameterReadPolicy, SSMParameterWithSlashPrefixReadPolicy, KMSDecryptPolicy, KMSEncryptPolicy and LambdaInvokePolicy are)"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_become_lambda_functions_with_their_roles() {
        let mut body = super::super::parse::parse(
            r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 5
    Environment: {Variables: {A: "1", B: "2"}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./code
      Handler: bootstrap
      Runtime: provided.al2023
      Tracing: Active
      Environment: {Variables: {B: "3"}}
      AutoPublishAlias: live
      Policies:
        - AmazonSSMReadOnlyAccess
        - SSMParameterReadPolicy: {ParameterName: app/*}
        - KMSDecryptPolicy: {KeyId: !Ref Key}
"#,
        )
        .unwrap();
        transform(&mut body).unwrap();
        let resources = body["Resources"].as_object().unwrap();
        let f = &resources["Fn"];
        assert_eq!(f["Type"], "AWS::Lambda::Function");
        assert_eq!(f["Properties"]["Timeout"], 5);
        assert_eq!(
            f["Properties"]["Environment"]["Variables"],
            json!({"A": "1", "B": "3"})
        );
        assert_eq!(f["Properties"]["TracingConfig"], json!({"Mode": "Active"}));
        assert_eq!(
            f["Properties"]["Code"],
            json!({"S3Bucket": "__local__", "S3Key": "./code"})
        );
        assert_eq!(
            f["Properties"]["Role"],
            json!({"Fn::GetAtt": ["FnRole", "Arn"]})
        );
        let role = &resources["FnRole"]["Properties"];
        assert_eq!(
            role["ManagedPolicyArns"],
            json!([
                BASIC_EXECUTION,
                XRAY_WRITE,
                "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"
            ])
        );
        let statements = &role["Policies"][0]["PolicyDocument"]["Statement"];
        assert_eq!(statements[1]["Action"][2], "ssm:GetParametersByPath");
        assert_eq!(
            role["Policies"][1]["PolicyDocument"]["Statement"][0]["Action"],
            "kms:Decrypt"
        );
        assert!(resources.contains_key("FnAliaslive"));
        assert!(resources.keys().any(|k| k.starts_with("FnVersion")));
        assert!(body.get("Transform").is_none() && body.get("Globals").is_none());
    }

    #[test]
    fn a_change_of_a_functions_tags_is_an_update_in_place() {
        let template = |team: &str| {
            let mut body = super::super::parse::parse(&format!(
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {{CodeUri: ./code, Handler: bootstrap, Runtime: provided.al2023, Tags: {{team: {team}}}}}\n"
            ))
            .unwrap();
            transform(&mut body).unwrap();
            body
        };
        let (before, after) = (template("red"), template("blue"));
        // The function and its generated role change only their tags, which
        // CloudFormation updates without interruption: neither is replaced.
        for (logical, ty) in [
            ("Fn", "AWS::Lambda::Function"),
            ("FnRole", "AWS::IAM::Role"),
        ] {
            let props = |body: &Value| {
                body["Resources"][logical]["Properties"]
                    .as_object()
                    .unwrap()
                    .clone()
            };
            let changed =
                crate::cfn::providers::changed_properties(&props(&before), &props(&after));
            assert_eq!(changed, ["Tags"], "{logical}");
            assert!(
                !crate::cfn::providers::requires_replacement(ty, &changed),
                "{logical}"
            );
        }
    }

    #[test]
    fn unsupported_parts_are_named() {
        let cases = [
            ("Transform: AWS::Include\nResources: {}\n", "unsupported transform AWS::Include"),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: x, Events: {}}\n",
                "Resources.F.Properties.Events: unsupported property Events",
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nGlobals: {Api: {}}\nResources: {}\n",
                "Globals.Api: unsupported Globals section",
            ),
            (
                "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: x, Policies: [{DynamoDBCrudPolicy: {TableName: t}}]}\n",
                "Resources.F.Properties.Policies[0].DynamoDBCrudPolicy: unsupported SAM policy template",
            ),
        ];
        for (text, expected) in cases {
            let mut body = super::super::parse::parse(text).unwrap();
            let err = transform(&mut body).unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
    }
}
