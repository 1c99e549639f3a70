//! A template's sections, checked whole before anything is created: its sections,
//! resource types and properties (against the providers' tables), intrinsic functions,
//! references and `DependsOn` targets, and the order of creation (references and
//! `DependsOn`, topologically; a cycle is an error). Parameters (defaults,
//! `AllowedValues`, `AllowedPattern`, lengths and ranges, `NoEcho`), pseudo parameters
//! and conditions are resolved here too.

use super::error::{template, CfnError};
use super::intrinsics::{self, Resolved, Scope};
use super::{providers, sam};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The sections a template may have (after the SAM transform has taken `Globals`).
const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
];

/// The attributes a resource may have besides `Type` and `Properties`.
const RESOURCE_ATTRIBUTES: &[&str] = &[
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
];

/// The pseudo parameters (CloudFormation User Guide, "Pseudo parameters reference").
pub const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// A template, checked and (if it declares the SAM transform) transformed.
#[derive(Debug, Clone)]
pub struct Template {
    /// The template as the client sent it (GetTemplate's `Original` stage).
    pub original: Value,
    /// The template after the SAM transform (`Processed`).
    pub processed: Value,
}

fn section<'t>(body: &'t Value, name: &str) -> Result<Option<&'t Map<String, Value>>, CfnError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(template(name, "must be a mapping")),
    }
}

fn empty() -> &'static Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Map::new)
}

impl Template {
    /// Parses, transforms and checks a template body.
    pub fn load(text: &str) -> Result<Template, CfnError> {
        let original = super::parse::parse(text)?;
        Template::from_value(original)
    }

    /// Transforms and checks a parsed template.
    pub fn from_value(original: Value) -> Result<Template, CfnError> {
        let mut processed = original.clone();
        sam::transform(&mut processed)?;
        let t = Template {
            original,
            processed,
        };
        t.check()?;
        Ok(t)
    }

    pub fn parameters(&self) -> &Map<String, Value> {
        section(&self.processed, "Parameters")
            .ok()
            .flatten()
            .unwrap_or(empty())
    }
    pub fn mappings(&self) -> &Map<String, Value> {
        section(&self.processed, "Mappings")
            .ok()
            .flatten()
            .unwrap_or(empty())
    }
    pub fn conditions(&self) -> &Map<String, Value> {
        section(&self.processed, "Conditions")
            .ok()
            .flatten()
            .unwrap_or(empty())
    }
    pub fn resources(&self) -> &Map<String, Value> {
        section(&self.processed, "Resources")
            .ok()
            .flatten()
            .unwrap_or(empty())
    }
    pub fn outputs(&self) -> &Map<String, Value> {
        section(&self.processed, "Outputs")
            .ok()
            .flatten()
            .unwrap_or(empty())
    }
    pub fn description(&self) -> Option<&str> {
        self.original.get("Description").and_then(Value::as_str)
    }

    /// The type of resource `logical`.
    pub fn resource_type(&self, logical: &str) -> &str {
        self.resources()
            .get(logical)
            .and_then(|r| r.get("Type"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Everything that can be checked before a stack exists.
    fn check(&self) -> Result<(), CfnError> {
        let body = self
            .processed
            .as_object()
            .ok_or_else(|| template("(template)", "must be a mapping"))?;
        for key in body.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                return Err(template(key, "unsupported template section"));
            }
        }
        for name in ["Parameters", "Mappings", "Conditions", "Outputs"] {
            section(&self.processed, name)?;
        }
        let resources = section(&self.processed, "Resources")?
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                CfnError::Validation(
                    "Template format error: At least one Resources member must be defined."
                        .to_owned(),
                )
            })?;
        // CloudFormation's quotas (User Guide, "CloudFormation quotas"): 500 resources,
        // 200 parameters, 200 outputs per template.
        for (section_name, count, max) in [
            ("resources", resources.len(), 500),
            ("parameters", self.parameters().len(), 200),
            ("outputs", self.outputs().len(), 200),
        ] {
            if count > max {
                return Err(CfnError::Validation(format!(
                    "Template format error: Number of {section_name}, {count}, is greater than maximum allowed, {max}"
                )));
            }
        }
        for (name, declaration) in self.parameters() {
            let place = format!("Parameters.{name}");
            let ty = declaration
                .get("Type")
                .and_then(Value::as_str)
                .ok_or_else(|| template(&place, "every parameter must have a Type"))?;
            if !parameter_type_supported(ty) {
                return Err(template(
                    &format!("{place}.Type"),
                    format!("unsupported parameter type {ty} (String, Number, List<Number>, CommaDelimitedList, the AWS-specific string types and AWS::SSM::Parameter::Value<...> of those are)"),
                ));
            }
        }
        let known: BTreeSet<&str> = self
            .parameters()
            .keys()
            .map(String::as_str)
            .chain(resources.keys().map(String::as_str))
            .chain(PSEUDO.iter().copied())
            .collect();
        for (name, condition) in self.conditions() {
            let place = format!("Conditions.{name}");
            intrinsics::check_supported(condition, &place)?;
            let mut refs = BTreeSet::new();
            intrinsics::references(condition, &mut refs);
            if let Some(r) = refs
                .iter()
                .find(|r| !self.parameters().contains_key(*r) && !PSEUDO.contains(&r.as_str()))
            {
                return Err(template(
                    &place,
                    format!("a condition may refer only to parameters; {r} is not one"),
                ));
            }
            let mut conds = BTreeSet::new();
            intrinsics::condition_references(condition, &mut conds);
            if let Some(c) = conds.iter().find(|c| !self.conditions().contains_key(*c)) {
                return Err(template(&place, format!("Unresolved condition {c}")));
            }
        }
        for (logical, resource) in resources {
            let place = format!("Resources.{logical}");
            let resource = resource
                .as_object()
                .ok_or_else(|| template(&place, "a resource must be a mapping"))?;
            for key in resource.keys() {
                if !RESOURCE_ATTRIBUTES.contains(&key.as_str()) {
                    return Err(template(
                        &format!("{place}.{key}"),
                        "unsupported resource attribute",
                    ));
                }
            }
            let ty = resource
                .get("Type")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    template(&format!("{place}.Type"), "every resource must have a Type")
                })?;
            let provider = providers::provider(ty).ok_or_else(|| {
                template(
                    &format!("{place}.Type"),
                    format!(
                        "unsupported resource type {ty} (this emulator deploys {})",
                        providers::supported_types().join(", ")
                    ),
                )
            })?;
            let properties = match resource.get("Properties") {
                None | Some(Value::Null) => empty(),
                Some(Value::Object(p)) => p,
                Some(_) => {
                    return Err(template(
                        &format!("{place}.Properties"),
                        "must be a mapping",
                    ))
                }
            };
            for key in properties.keys() {
                if !provider.properties.contains(&key.as_str()) {
                    return Err(template(
                        &format!("{place}.Properties.{key}"),
                        format!(
                            "unsupported property {key} of {ty} (supported: {})",
                            provider.properties.join(", ")
                        ),
                    ));
                }
            }
            for required in provider.required {
                if !properties.contains_key(*required) {
                    return Err(template(
                        &format!("{place}.Properties"),
                        format!("required property {required} of {ty} is missing"),
                    ));
                }
            }
            // A function's code is a local path here (no S3, and inline source is not
            // packaged): `Code.ZipFile` is refused before anything is created.
            if ty == "AWS::Lambda::Function" {
                if let Some(code) = properties.get("Code").and_then(Value::as_object) {
                    for key in code.keys() {
                        if !["S3Bucket", "S3Key", "S3ObjectVersion"].contains(&key.as_str()) {
                            return Err(template(
                                &format!("{place}.Properties.Code.{key}"),
                                format!("unsupported property {key} of the function's Code (give a local path: S3Bucket \"__local__\" with S3Key, or a SAM CodeUri)"),
                            ));
                        }
                    }
                }
            }
            let value = Value::Object(properties.clone());
            intrinsics::check_supported(&value, &format!("{place}.Properties"))?;
            let mut refs = BTreeSet::new();
            intrinsics::references(&value, &mut refs);
            if let Some(missing) = refs.iter().find(|r| !known.contains(r.as_str())) {
                return Err(template(
                    &format!("{place}.Properties"),
                    format!("Unresolved resource dependencies [{missing}] in the Resources block of the template"),
                ));
            }
            for target in depends_on(resource) {
                if !resources.contains_key(&target) {
                    return Err(template(
                        &format!("{place}.DependsOn"),
                        format!("Template format error: Unresolved resource dependencies [{target}] in the Resources block of the template"),
                    ));
                }
            }
            if let Some(condition) = resource.get("Condition") {
                let name = condition.as_str().unwrap_or_default();
                if !self.conditions().contains_key(name) {
                    return Err(template(
                        &format!("{place}.Condition"),
                        format!("Unresolved condition {name}"),
                    ));
                }
            }
        }
        for (name, output) in self.outputs() {
            let place = format!("Outputs.{name}");
            intrinsics::check_supported(output, &place)?;
            if output.get("Value").is_none() {
                return Err(template(&place, "every output must have a Value"));
            }
            let mut refs = BTreeSet::new();
            intrinsics::references(output, &mut refs);
            if let Some(missing) = refs.iter().find(|r| !known.contains(r.as_str())) {
                return Err(template(
                    &place,
                    format!("Unresolved resource dependencies [{missing}]"),
                ));
            }
        }
        self.creation_order(None)?;
        Ok(())
    }

    /// The resources in an order that creates each after those it refers to or depends
    /// on (ties by logical id). With `conditions`, resources whose condition is false are
    /// left out.
    pub fn creation_order(
        &self,
        conditions: Option<&BTreeMap<String, bool>>,
    ) -> Result<Vec<String>, CfnError> {
        let resources = self.resources();
        let included = |logical: &str| {
            let condition = resources[logical].get("Condition").and_then(Value::as_str);
            match (conditions, condition) {
                (Some(conditions), Some(c)) => conditions.get(c).copied().unwrap_or(false),
                _ => true,
            }
        };
        let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (logical, resource) in resources {
            if !included(logical) {
                continue;
            }
            let mut refs = BTreeSet::new();
            if let Some(p) = resource.get("Properties") {
                intrinsics::references(p, &mut refs);
            }
            if let Some(r) = resource.as_object() {
                refs.extend(depends_on(r));
            }
            refs.retain(|r| resources.contains_key(r) && r != logical && included(r));
            needs.insert(logical.clone(), refs);
        }
        let mut order = Vec::with_capacity(needs.len());
        let mut done = BTreeSet::new();
        while done.len() < needs.len() {
            let ready: Vec<String> = needs
                .iter()
                .filter(|(l, n)| !done.contains(*l) && n.iter().all(|d| done.contains(d)))
                .map(|(l, _)| l.clone())
                .collect();
            if ready.is_empty() {
                let cycle: Vec<&str> = needs
                    .keys()
                    .filter(|l| !done.contains(*l))
                    .map(String::as_str)
                    .collect();
                return Err(CfnError::Validation(format!(
                    "Circular dependency between resources: [{}]",
                    cycle.join(", ")
                )));
            }
            for l in ready {
                done.insert(l.clone());
                order.push(l);
            }
        }
        Ok(order)
    }

    /// The capability the template needs: `CAPABILITY_NAMED_IAM` when an IAM resource
    /// has a custom name, `CAPABILITY_IAM` when it has IAM resources, else none
    /// (CloudFormation User Guide, "Acknowledging IAM resources in CloudFormation
    /// templates").
    pub fn required_capability(&self) -> Option<(&'static str, Vec<String>)> {
        let mut iam = Vec::new();
        let mut named = false;
        for resource in self.resources().values() {
            let ty = resource.get("Type").and_then(Value::as_str).unwrap_or("");
            if !ty.starts_with("AWS::IAM::") {
                continue;
            }
            iam.push(ty.to_owned());
            let props = resource.get("Properties");
            let name_key = match ty {
                "AWS::IAM::Role" => Some("RoleName"),
                "AWS::IAM::User" => Some("UserName"),
                "AWS::IAM::Group" => Some("GroupName"),
                "AWS::IAM::ManagedPolicy" => Some("ManagedPolicyName"),
                _ => None,
            };
            if name_key.is_some_and(|k| props.and_then(|p| p.get(k)).is_some()) {
                named = true;
            }
        }
        iam.sort();
        iam.dedup();
        if iam.is_empty() {
            None
        } else if named {
            Some(("CAPABILITY_NAMED_IAM", iam))
        } else {
            Some(("CAPABILITY_IAM", iam))
        }
    }
}

/// A resource's `DependsOn` (one name or a list).
pub fn depends_on(resource: &Map<String, Value>) -> Vec<String> {
    match resource.get("DependsOn") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The type an `AWS::SSM::Parameter::Value<TYPE>` parameter's value has.
fn ssm_value_type(ty: &str) -> Option<&str> {
    ty.strip_prefix("AWS::SSM::Parameter::Value<")?
        .strip_suffix('>')
}

fn parameter_type_supported(ty: &str) -> bool {
    if let Some(inner) = ssm_value_type(ty) {
        return parameter_type_supported(inner) || inner == "List<String>";
    }
    matches!(ty, "String" | "Number" | "List<Number>" | "CommaDelimitedList")
        // The AWS-specific types are strings (or lists of them) that CloudFormation
        // checks against EC2 and Route 53, which do not exist here.
        || (ty.starts_with("AWS::EC2::") || ty.starts_with("AWS::Route53::"))
        || (ty.starts_with("List<AWS::EC2::") && ty.ends_with('>'))
}

/// The parameters' values as deployed: the values (lists for the list types) and what
/// DescribeStacks shows (`****` for `NoEcho`).
#[derive(Debug, Clone, Default)]
pub struct ParameterValues {
    pub values: BTreeMap<String, Value>,
    pub shown: Vec<(String, String)>,
}

/// Resolves the parameters: a given value, else the default; checked against the
/// declaration's constraints. Unknown names and missing values are refused as
/// CloudFormation refuses them.
pub fn resolve_parameters(
    t: &Template,
    given: &BTreeMap<String, String>,
    ssm: &dyn Fn(&str) -> Result<String, CfnError>,
) -> Result<ParameterValues, CfnError> {
    let declared = t.parameters();
    let unknown: Vec<&str> = given
        .keys()
        .filter(|k| !declared.contains_key(*k))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(CfnError::Validation(format!(
            "Parameters: [{}] do not exist in the template",
            unknown.join(", ")
        )));
    }
    let mut out = ParameterValues::default();
    let mut missing = Vec::new();
    for (name, declaration) in declared {
        let value = match given.get(name) {
            Some(v) => v.clone(),
            None => match declaration.get("Default").and_then(intrinsics::text_of) {
                Some(d) => d,
                None => {
                    missing.push(name.as_str());
                    continue;
                }
            },
        };
        check_parameter(name, declaration, &value)?;
        let declared_type = declaration
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("String");
        // An SSM-typed parameter's value names a parameter; its value is that
        // parameter's, read now (DescribeStacks shows the name).
        let (ty, resolved) = match ssm_value_type(declared_type) {
            Some(inner) => (inner, ssm(&value)?),
            None => (declared_type, value.clone()),
        };
        let typed = if ty.starts_with("List<") || ty == "CommaDelimitedList" {
            Value::Array(
                resolved
                    .split(',')
                    .map(|s| Value::String(s.trim().to_owned()))
                    .collect(),
            )
        } else {
            Value::String(resolved)
        };
        let no_echo = declaration
            .get("NoEcho")
            .and_then(intrinsics::text_of)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        out.shown.push((
            name.clone(),
            if no_echo { "****".to_owned() } else { value },
        ));
        out.values.insert(name.clone(), typed);
    }
    if !missing.is_empty() {
        return Err(CfnError::Validation(format!(
            "Parameters: [{}] must have values",
            missing.join(", ")
        )));
    }
    Ok(out)
}

fn check_parameter(name: &str, declaration: &Value, value: &str) -> Result<(), CfnError> {
    let fail = |why: String| CfnError::Validation(format!("Parameter '{name}' {why}"));
    let ty = declaration
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or("String");
    let items: Vec<&str> = if ty.starts_with("List<") || ty == "CommaDelimitedList" {
        value.split(',').map(str::trim).collect()
    } else {
        vec![value]
    };
    for item in &items {
        if ty == "Number" || ty == "List<Number>" {
            let number: f64 = item
                .parse()
                .map_err(|_| fail(format!("must be a number not {item}")))?;
            if let Some(min) = declaration
                .get("MinValue")
                .and_then(intrinsics::text_of)
                .and_then(|m| m.parse::<f64>().ok())
            {
                if number < min {
                    return Err(fail(format!("must be a number not less than {min}")));
                }
            }
            if let Some(max) = declaration
                .get("MaxValue")
                .and_then(intrinsics::text_of)
                .and_then(|m| m.parse::<f64>().ok())
            {
                if number > max {
                    return Err(fail(format!("must be a number not greater than {max}")));
                }
            }
        }
        if let Some(allowed) = declaration.get("AllowedValues").and_then(Value::as_array) {
            let allowed: Vec<String> = allowed.iter().filter_map(intrinsics::text_of).collect();
            if !allowed.iter().any(|a| a == item) {
                return Err(fail("must be one of AllowedValues".to_owned()));
            }
        }
    }
    let length = value.chars().count();
    if let Some(min) = declaration
        .get("MinLength")
        .and_then(intrinsics::text_of)
        .and_then(|m| m.parse::<usize>().ok())
    {
        if length < min {
            return Err(fail(format!("must contain at least {min} characters")));
        }
    }
    if let Some(max) = declaration
        .get("MaxLength")
        .and_then(intrinsics::text_of)
        .and_then(|m| m.parse::<usize>().ok())
    {
        if length > max {
            return Err(fail(format!("cannot exceed {max} characters")));
        }
    }
    if let Some(pattern) = declaration.get("AllowedPattern").and_then(Value::as_str) {
        let re = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| template(&format!("Parameters.{name}.AllowedPattern"), e))?;
        if !re.is_match(value) {
            let description = declaration
                .get("ConstraintDescription")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("must match pattern {pattern}"));
            return Err(fail(description));
        }
    }
    Ok(())
}

/// The pseudo parameters of a stack.
pub fn pseudo_parameters(
    account: &str,
    region: &str,
    stack_name: &str,
    stack_id: &str,
) -> BTreeMap<String, Value> {
    let mut p = BTreeMap::new();
    p.insert(
        "AWS::AccountId".to_owned(),
        Value::String(account.to_owned()),
    );
    p.insert("AWS::Region".to_owned(), Value::String(region.to_owned()));
    p.insert(
        "AWS::StackName".to_owned(),
        Value::String(stack_name.to_owned()),
    );
    p.insert(
        "AWS::StackId".to_owned(),
        Value::String(stack_id.to_owned()),
    );
    p.insert("AWS::Partition".to_owned(), Value::String("aws".to_owned()));
    p.insert(
        "AWS::URLSuffix".to_owned(),
        Value::String("amazonaws.com".to_owned()),
    );
    p.insert("AWS::NotificationARNs".to_owned(), Value::Array(Vec::new()));
    p
}

/// Evaluates the template's conditions (each may use others; a cycle is an error).
pub fn evaluate_conditions(
    t: &Template,
    parameters: &BTreeMap<String, Value>,
    region: &str,
) -> Result<BTreeMap<String, bool>, CfnError> {
    let declared = t.conditions();
    let mut done: BTreeMap<String, bool> = BTreeMap::new();
    let no_resources = BTreeMap::<String, Resolved>::new();
    let no_exports = BTreeMap::new();
    while done.len() < declared.len() {
        let mut progressed = false;
        for (name, condition) in declared {
            if done.contains_key(name) {
                continue;
            }
            let mut needs = BTreeSet::new();
            intrinsics::condition_references(condition, &mut needs);
            if !needs.iter().all(|n| done.contains_key(n)) {
                continue;
            }
            let scope = Scope {
                parameters,
                mappings: t.mappings(),
                conditions: &done,
                resources: &no_resources,
                exports: &no_exports,
                region,
            };
            let value =
                intrinsics::condition_value(condition, &scope, &format!("Conditions.{name}"))?;
            done.insert(name.clone(), value);
            progressed = true;
        }
        if !progressed {
            return Err(CfnError::Validation(
                "Template format error: circular dependency between Conditions".to_owned(),
            ));
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Secret:
    Type: String
    NoEcho: true
    MinLength: 3
  Sizes:
    Type: CommaDelimitedList
    Default: "1, 2"
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [!Select [0, !Ref Sizes], "1"]]
Resources:
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !GetAtt Key.Arn
  Key:
    Type: AWS::KMS::Key
    DependsOn: Role
  Role:
    Type: AWS::IAM::Role
    Condition: IsDev
    Properties:
      AssumeRolePolicyDocument: {}
"#;

    fn no_ssm(name: &str) -> Result<String, CfnError> {
        Err(CfnError::Validation(format!("no parameter {name}")))
    }

    #[test]
    fn ssm_typed_parameters_take_the_named_parameters_value() {
        let t = Template::load(
            "Parameters:\n  Ami:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /images/latest\n  Ids:\n    Type: AWS::SSM::Parameter::Value<List<String>>\nResources:\n  K:\n    Type: AWS::KMS::Key\n",
        )
        .unwrap();
        let ssm = |name: &str| match name {
            "/images/latest" => Ok("ami-123".to_owned()),
            "/ids" => Ok("a,b".to_owned()),
            other => no_ssm(other),
        };
        let given = [("Ids".to_owned(), "/ids".to_owned())]
            .into_iter()
            .collect();
        let p = resolve_parameters(&t, &given, &ssm).unwrap();
        assert_eq!(p.values["Ami"], serde_json::json!("ami-123"));
        assert_eq!(p.values["Ids"], serde_json::json!(["a", "b"]));
        assert!(p
            .shown
            .contains(&("Ami".to_owned(), "/images/latest".to_owned())));
        let given = [("Ids".to_owned(), "/missing".to_owned())]
            .into_iter()
            .collect();
        assert!(resolve_parameters(&t, &given, &ssm).is_err());
    }

    #[test]
    fn parameters_conditions_and_order() {
        let t = Template::load(TEMPLATE).unwrap();
        let given: BTreeMap<String, String> = [("Secret".to_owned(), "abcd".to_owned())]
            .into_iter()
            .collect();
        let p = resolve_parameters(&t, &given, &no_ssm).unwrap();
        assert_eq!(p.values["Sizes"], serde_json::json!(["1", "2"]));
        assert!(p.shown.contains(&("Secret".to_owned(), "****".to_owned())));
        let conditions = evaluate_conditions(&t, &p.values, "us-east-1").unwrap();
        assert!(!conditions["IsProd"]);
        assert!(conditions["IsDev"]);
        assert!(conditions["Both"]);
        assert_eq!(
            t.creation_order(Some(&conditions)).unwrap(),
            vec!["Role", "Key", "Param"]
        );
        assert_eq!(t.required_capability().unwrap().0, "CAPABILITY_IAM");
    }

    #[test]
    fn parameter_values_are_checked() {
        let t = Template::load(TEMPLATE).unwrap();
        let cases = [
            (vec![], "Parameters: [Secret] must have values"),
            (vec![("Secret", "ab")], "must contain at least 3 characters"),
            (
                vec![("Secret", "abc"), ("Env", "test")],
                "must be one of AllowedValues",
            ),
            (
                vec![("Secret", "abc"), ("Nope", "x")],
                "Parameters: [Nope] do not exist in the template",
            ),
        ];
        for (given, expected) in cases {
            let given = given
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let err = resolve_parameters(&t, &given, &no_ssm)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn unsupported_things_are_named_with_their_place_before_anything_is_created() {
        let cases = [
            ("Resources:\n  MyQueue:\n    Type: AWS::SQS::Queue\n", "Resources.MyQueue.Type: unsupported resource type AWS::SQS::Queue"),
            (
                "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: x, Colour: red}\n",
                "Resources.P.Properties.Colour: unsupported property Colour",
            ),
            (
                "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: !Transform {}}\n",
                "Resources.P.Properties.Value: unsupported intrinsic function Fn::Transform",
            ),
            ("Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: !Ref Ghost}\n", "Unresolved resource dependencies [Ghost]"),
            ("Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String}\n", "required property Value"),
            (
                "Resources:\n  A:\n    Type: AWS::KMS::Key\n    DependsOn: B\n  B:\n    Type: AWS::KMS::Key\n    DependsOn: A\n",
                "Circular dependency between resources: [A, B]",
            ),
            ("Resources: {}\n", "At least one Resources member"),
            (
                "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Role: r, Code: {ZipFile: 'def h(e, c): pass'}}\n",
                "Resources.F.Properties.Code.ZipFile: unsupported property ZipFile",
            ),
            ("Rules: {}\nResources:\n  A:\n    Type: AWS::KMS::Key\n", "Rules: unsupported template section"),
            ("Parameters:\n  X:\n    Type: AWS::SSM::Parameter::Value<Thing>\nResources:\n  A:\n    Type: AWS::KMS::Key\n", "Parameters.X.Type: unsupported parameter type"),
        ];
        for (text, expected) in cases {
            let err = Template::load(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}\n{err}");
        }
        let many: String = (0..501)
            .map(|i| format!("  K{i}:\n    Type: AWS::KMS::Key\n"))
            .collect();
        let err = Template::load(&format!("Resources:\n{many}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Number of resources, 501, is greater than maximum allowed, 500"),
            "{err}"
        );
    }
}
