//! The intrinsic functions (long forms; `parse` rewrote the short tags): resolved
//! against the parameters, mappings, conditions and the resources created so far, and
//! the references a value makes (which order resources are created in).

use super::error::{template, CfnError};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Every intrinsic function this engine resolves. Any other `Fn::*` key is refused, with
/// its place, before anything is created.
pub const SUPPORTED: &[&str] = &[
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
    "Fn::Equals",
    "Fn::Not",
    "Fn::And",
    "Fn::Or",
    "Fn::FindInMap",
    "Fn::Base64",
    "Fn::GetAZs",
    "Fn::ImportValue",
];

/// What `Ref` and `Fn::GetAtt` give for a created resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// `Ref`'s value (the physical id).
    pub physical_id: String,
    /// `Fn::GetAtt`'s values by attribute name.
    pub attributes: BTreeMap<String, Value>,
}

/// Everything a value may refer to.
pub struct Scope<'a> {
    /// Parameters (strings, or lists for list types) and pseudo parameters.
    pub parameters: &'a BTreeMap<String, Value>,
    /// The template's `Mappings`.
    pub mappings: &'a Map<String, Value>,
    /// The template's conditions, evaluated.
    pub conditions: &'a BTreeMap<String, bool>,
    /// The resources created so far.
    pub resources: &'a BTreeMap<String, Resolved>,
    /// The exports of the region's stacks (`Fn::ImportValue`).
    pub exports: &'a BTreeMap<String, String>,
    /// The stack's region (`Fn::GetAZs ""`).
    pub region: &'a str,
}

/// The intrinsic an object is, if it is one: a mapping of exactly one key, `Ref` or
/// `Fn::*`.
pub fn intrinsic(value: &Value) -> Option<(&str, &Value)> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let (key, arg) = map.iter().next()?;
    (key == "Ref" || key.starts_with("Fn::")).then_some((key.as_str(), arg))
}

/// Refuses an intrinsic function this engine does not know, naming it and its place.
pub fn check_supported(value: &Value, place: &str) -> Result<(), CfnError> {
    if let Some((name, _)) = intrinsic(value) {
        if !SUPPORTED.contains(&name) {
            return Err(template(
                place,
                format!(
                    "unsupported intrinsic function {name} (this emulator resolves {})",
                    SUPPORTED.join(", ")
                ),
            ));
        }
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_supported(item, &format!("{place}[{i}]"))?;
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                check_supported(item, &format!("{place}.{key}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The names a value refers to with `Ref`, `Fn::GetAtt` and `Fn::Sub` variables
/// (parameters and pseudo parameters among them; the caller keeps the resources).
pub fn references(value: &Value, out: &mut BTreeSet<String>) {
    if let Some((name, arg)) = intrinsic(value) {
        match name {
            "Ref" => {
                if let Some(target) = arg.as_str() {
                    out.insert(target.to_owned());
                }
                return;
            }
            "Fn::GetAtt" => {
                match arg {
                    Value::Array(items) => {
                        if let Some(target) = items.first().and_then(Value::as_str) {
                            out.insert(target.to_owned());
                        }
                        for item in items.iter().skip(1) {
                            references(item, out);
                        }
                    }
                    Value::String(s) => {
                        out.insert(s.split('.').next().unwrap_or(s).to_owned());
                    }
                    _ => {}
                }
                return;
            }
            "Fn::Sub" => {
                let (text, vars) = match arg {
                    Value::String(s) => (Some(s.as_str()), None),
                    Value::Array(items) => (
                        items.first().and_then(Value::as_str),
                        items.get(1).and_then(Value::as_object),
                    ),
                    _ => (None, None),
                };
                if let Some(vars) = vars {
                    for v in vars.values() {
                        references(v, out);
                    }
                }
                for part in text.map(sub_parts).unwrap_or_default() {
                    if let SubPart::Variable(var) = part {
                        if !vars.is_some_and(|v| v.contains_key(&var)) {
                            out.insert(var.split('.').next().unwrap_or(&var).to_owned());
                        }
                    }
                }
                return;
            }
            _ => {}
        }
    }
    match value {
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        Value::Object(map) => map.values().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// A piece of an `Fn::Sub` string.
#[derive(Debug, Clone, PartialEq)]
enum SubPart {
    Text(String),
    Variable(String),
}

/// Splits an `Fn::Sub` string: `${Name}` and `${Res.Attr}` are variables, `${!Text}` is
/// the literal `${Text}`.
fn sub_parts(text: &str) -> Vec<SubPart> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        literal.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let inner = &after[..end];
                if let Some(escaped) = inner.strip_prefix('!') {
                    literal.push_str("${");
                    literal.push_str(escaped);
                    literal.push('}');
                } else {
                    if !literal.is_empty() {
                        parts.push(SubPart::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(SubPart::Variable(inner.trim().to_owned()));
                }
                rest = &after[end + 1..];
            }
            None => {
                literal.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(SubPart::Text(literal));
    }
    parts
}

/// A scalar as the text CloudFormation sees (numbers and booleans are strings to it).
pub fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn expect_text(value: &Value, place: &str, what: &str) -> Result<String, CfnError> {
    text_of(value).ok_or_else(|| template(place, format!("{what} must be a string")))
}

fn expect_list<'v>(value: &'v Value, place: &str, what: &str) -> Result<&'v Vec<Value>, CfnError> {
    value
        .as_array()
        .ok_or_else(|| template(place, format!("{what} must be a list")))
}

/// Resolves every intrinsic in `value`. `None` is `AWS::NoValue`: the member that holds
/// it is left out.
pub fn resolve(value: &Value, scope: &Scope<'_>, place: &str) -> Result<Option<Value>, CfnError> {
    if let Some((name, arg)) = intrinsic(value) {
        let place = format!("{place}.{name}");
        return function(name, arg, scope, &place);
    }
    Ok(Some(match value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if let Some(v) = resolve(item, scope, &format!("{place}[{i}]"))? {
                    out.push(v);
                }
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                if let Some(v) = resolve(item, scope, &format!("{place}.{key}"))? {
                    out.insert(key.clone(), v);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }))
}

/// Resolves a value that must not be `AWS::NoValue`.
pub fn resolve_value(value: &Value, scope: &Scope<'_>, place: &str) -> Result<Value, CfnError> {
    resolve(value, scope, place)?.ok_or_else(|| template(place, "AWS::NoValue is not allowed here"))
}

fn reference(name: &str, scope: &Scope<'_>, place: &str) -> Result<Option<Value>, CfnError> {
    if name == "AWS::NoValue" {
        return Ok(None);
    }
    if let Some(value) = scope.parameters.get(name) {
        return Ok(Some(value.clone()));
    }
    if let Some(resource) = scope.resources.get(name) {
        return Ok(Some(Value::String(resource.physical_id.clone())));
    }
    Err(template(
        place,
        format!("Unresolved resource dependencies [{name}] in the Resources block of the template"),
    ))
}

fn attribute(
    resource: &str,
    attr: &str,
    scope: &Scope<'_>,
    place: &str,
) -> Result<Value, CfnError> {
    let created = scope.resources.get(resource).ok_or_else(|| {
        template(
            place,
            format!("Unresolved resource dependencies [{resource}] in the Resources block of the template"),
        )
    })?;
    created.attributes.get(attr).cloned().ok_or_else(|| {
        template(
            place,
            format!("Template error: resource {resource} does not support attribute type {attr} in Fn::GetAtt"),
        )
    })
}

fn function(
    name: &str,
    arg: &Value,
    scope: &Scope<'_>,
    place: &str,
) -> Result<Option<Value>, CfnError> {
    let value = match name {
        "Ref" => {
            let target = arg
                .as_str()
                .ok_or_else(|| template(place, "Ref must name a parameter or resource"))?;
            return reference(target, scope, place);
        }
        "Fn::GetAtt" => {
            let (resource, attr) = match arg {
                Value::String(s) => s
                    .split_once('.')
                    .map(|(r, a)| (r.to_owned(), a.to_owned()))
                    .ok_or_else(|| template(place, "Fn::GetAtt must name RESOURCE.ATTRIBUTE"))?,
                Value::Array(items) if items.len() == 2 => {
                    let resource = expect_text(&items[0], place, "Fn::GetAtt's resource")?;
                    let attr = resolve_value(&items[1], scope, place)?;
                    (
                        resource,
                        expect_text(&attr, place, "Fn::GetAtt's attribute")?,
                    )
                }
                _ => return Err(template(place, "Fn::GetAtt takes [RESOURCE, ATTRIBUTE]")),
            };
            attribute(&resource, &attr, scope, place)?
        }
        "Fn::Sub" => {
            let (text, vars) = match arg {
                Value::String(s) => (s.clone(), Map::new()),
                Value::Array(items) if items.len() == 2 => {
                    let text = expect_text(&items[0], place, "Fn::Sub's string")?;
                    let vars = items[1]
                        .as_object()
                        .ok_or_else(|| template(place, "Fn::Sub's variables must be a mapping"))?;
                    let mut resolved = Map::new();
                    for (k, v) in vars {
                        resolved
                            .insert(k.clone(), resolve_value(v, scope, &format!("{place}.{k}"))?);
                    }
                    (text, resolved)
                }
                _ => {
                    return Err(template(
                        place,
                        "Fn::Sub takes a string or [string, {variables}]",
                    ))
                }
            };
            let mut out = String::new();
            for part in sub_parts(&text) {
                match part {
                    SubPart::Text(t) => out.push_str(&t),
                    SubPart::Variable(var) => {
                        let value = if let Some(v) = vars.get(&var) {
                            v.clone()
                        } else if let Some((resource, attr)) =
                            var.split_once('.').filter(|(r, _)| {
                                scope.resources.contains_key(*r)
                                    && !scope.parameters.contains_key(&var)
                            })
                        {
                            attribute(resource, attr, scope, place)?
                        } else {
                            reference(&var, scope, place)?.unwrap_or(Value::String(String::new()))
                        };
                        out.push_str(&expect_text(&value, place, &format!("${{{var}}}"))?);
                    }
                }
            }
            Value::String(out)
        }
        "Fn::Join" => {
            let items = expect_list(arg, place, "Fn::Join's arguments")?;
            if items.len() != 2 {
                return Err(template(place, "Fn::Join takes [delimiter, [values]]"));
            }
            let delimiter = expect_text(&items[0], place, "Fn::Join's delimiter")?;
            let list = resolve_value(&items[1], scope, place)?;
            let list = expect_list(&list, place, "Fn::Join's values")?;
            let texts = list
                .iter()
                .map(|v| expect_text(v, place, "each value of Fn::Join"))
                .collect::<Result<Vec<_>, _>>()?;
            Value::String(texts.join(&delimiter))
        }
        "Fn::Select" => {
            let items = expect_list(arg, place, "Fn::Select's arguments")?;
            if items.len() != 2 {
                return Err(template(place, "Fn::Select takes [index, [values]]"));
            }
            let index = expect_text(
                &resolve_value(&items[0], scope, place)?,
                place,
                "Fn::Select's index",
            )?;
            let index: usize = index.parse().map_err(|_| {
                template(place, format!("Fn::Select's index {index} is not a number"))
            })?;
            let list = resolve_value(&items[1], scope, place)?;
            let list = expect_list(&list, place, "Fn::Select's values")?;
            list.get(index).cloned().ok_or_else(|| {
                template(
                    place,
                    format!("Fn::Select cannot select nonexistent value at index {index}"),
                )
            })?
        }
        "Fn::Split" => {
            let items = expect_list(arg, place, "Fn::Split's arguments")?;
            if items.len() != 2 {
                return Err(template(place, "Fn::Split takes [delimiter, string]"));
            }
            let delimiter = expect_text(&items[0], place, "Fn::Split's delimiter")?;
            let text = expect_text(
                &resolve_value(&items[1], scope, place)?,
                place,
                "Fn::Split's string",
            )?;
            if delimiter.is_empty() {
                return Err(template(place, "Fn::Split's delimiter must not be empty"));
            }
            Value::Array(
                text.split(&delimiter)
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            )
        }
        "Fn::If" => {
            let items = expect_list(arg, place, "Fn::If's arguments")?;
            if items.len() != 3 {
                return Err(template(
                    place,
                    "Fn::If takes [condition, value if true, value if false]",
                ));
            }
            let condition = expect_text(&items[0], place, "Fn::If's condition")?;
            let holds = *scope.conditions.get(&condition).ok_or_else(|| {
                template(place, format!("Unresolved condition {condition} in Fn::If"))
            })?;
            let chosen = if holds { &items[1] } else { &items[2] };
            return resolve(chosen, scope, place);
        }
        "Fn::Equals" => {
            let items = expect_list(arg, place, "Fn::Equals's arguments")?;
            if items.len() != 2 {
                return Err(template(place, "Fn::Equals takes two values"));
            }
            let a = resolve_value(&items[0], scope, place)?;
            let b = resolve_value(&items[1], scope, place)?;
            Value::Bool(match (text_of(&a), text_of(&b)) {
                (Some(a), Some(b)) => a == b,
                _ => a == b,
            })
        }
        "Fn::Not" | "Fn::And" | "Fn::Or" => {
            let items = expect_list(arg, place, &format!("{name}'s arguments"))?;
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(condition_value(item, scope, place)?);
            }
            match name {
                "Fn::Not" if values.len() == 1 => Value::Bool(!values[0]),
                "Fn::Not" => return Err(template(place, "Fn::Not takes one condition")),
                _ if !(2..=10).contains(&values.len()) => {
                    return Err(template(place, format!("{name} takes 2 to 10 conditions")))
                }
                "Fn::And" => Value::Bool(values.iter().all(|v| *v)),
                _ => Value::Bool(values.iter().any(|v| *v)),
            }
        }
        "Fn::FindInMap" => {
            let items = expect_list(arg, place, "Fn::FindInMap's arguments")?;
            if items.len() != 3 {
                return Err(template(
                    place,
                    "Fn::FindInMap takes [map, top-level key, second-level key]",
                ));
            }
            let mut keys = Vec::with_capacity(3);
            for item in items {
                keys.push(expect_text(
                    &resolve_value(item, scope, place)?,
                    place,
                    "each key of Fn::FindInMap",
                )?);
            }
            scope
                .mappings
                .get(&keys[0])
                .and_then(|m| m.get(&keys[1]))
                .and_then(|m| m.get(&keys[2]))
                .cloned()
                .ok_or_else(|| {
                    template(
                        place,
                        format!(
                            "Fn::FindInMap: no value at [{}, {}, {}] in Mappings",
                            keys[0], keys[1], keys[2]
                        ),
                    )
                })?
        }
        "Fn::Base64" => {
            use base64::Engine;
            let text = expect_text(
                &resolve_value(arg, scope, place)?,
                place,
                "Fn::Base64's value",
            )?;
            Value::String(base64::engine::general_purpose::STANDARD.encode(text))
        }
        "Fn::GetAZs" => {
            let region = expect_text(
                &resolve_value(arg, scope, place)?,
                place,
                "Fn::GetAZs's region",
            )?;
            let region = if region.is_empty() {
                scope.region.to_owned()
            } else {
                region
            };
            // No EC2 here: the region's first three zones, named as AWS names them.
            Value::Array(
                ["a", "b", "c"]
                    .iter()
                    .map(|z| Value::String(format!("{region}{z}")))
                    .collect(),
            )
        }
        "Fn::ImportValue" => {
            let export = expect_text(
                &resolve_value(arg, scope, place)?,
                place,
                "Fn::ImportValue's name",
            )?;
            Value::String(scope.exports.get(&export).cloned().ok_or_else(|| {
                CfnError::Validation(format!("No export named {export} found. ({place})"))
            })?)
        }
        other => {
            return Err(template(
                place,
                format!("unsupported intrinsic function {other}"),
            ))
        }
    };
    Ok(Some(value))
}

/// A condition operand: `{"Condition": NAME}`, or a function that yields a boolean.
pub fn condition_value(value: &Value, scope: &Scope<'_>, place: &str) -> Result<bool, CfnError> {
    if let Some(name) = value
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.get("Condition"))
    {
        let name = expect_text(name, place, "Condition")?;
        return scope
            .conditions
            .get(&name)
            .copied()
            .ok_or_else(|| template(place, format!("Unresolved condition {name}")));
    }
    match resolve_value(value, scope, place)? {
        Value::Bool(b) => Ok(b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(template(place, format!("{other} is not a condition"))),
    }
}

/// The conditions a condition refers to with `{"Condition": NAME}`.
pub fn condition_references(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(name) = map.get("Condition").and_then(Value::as_str) {
                    out.insert(name.to_owned());
                    return;
                }
            }
            map.values().for_each(|v| condition_references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| condition_references(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct World {
        parameters: BTreeMap<String, Value>,
        mappings: Map<String, Value>,
        conditions: BTreeMap<String, bool>,
        resources: BTreeMap<String, Resolved>,
        exports: BTreeMap<String, String>,
    }

    fn world() -> World {
        let mut parameters = BTreeMap::new();
        parameters.insert("Env".to_owned(), json!("dev"));
        parameters.insert("AWS::Region".to_owned(), json!("us-east-1"));
        parameters.insert("AWS::AccountId".to_owned(), json!("123456789012"));
        parameters.insert("Subnets".to_owned(), json!(["s-1", "s-2"]));
        let mut resources = BTreeMap::new();
        resources.insert(
            "Role".to_owned(),
            Resolved {
                physical_id: "my-role".to_owned(),
                attributes: [(
                    "Arn".to_owned(),
                    json!("arn:aws:iam::123456789012:role/my-role"),
                )]
                .into_iter()
                .collect(),
            },
        );
        let mut conditions = BTreeMap::new();
        conditions.insert("IsDev".to_owned(), true);
        conditions.insert("IsProd".to_owned(), false);
        let mappings = json!({"Sizes": {"dev": {"Memory": 128}, "prod": {"Memory": 1024}}});
        World {
            parameters,
            mappings: mappings.as_object().unwrap().clone(),
            conditions,
            resources,
            exports: [("shared-vpc".to_owned(), "vpc-1".to_owned())]
                .into_iter()
                .collect(),
        }
    }

    fn scope(w: &World) -> Scope<'_> {
        Scope {
            parameters: &w.parameters,
            mappings: &w.mappings,
            conditions: &w.conditions,
            resources: &w.resources,
            exports: &w.exports,
            region: "us-east-1",
        }
    }

    #[test]
    fn intrinsics_resolve_as_cloudformation_resolves_them() {
        let w = world();
        let s = scope(&w);
        let cases: Vec<(Value, Option<Value>)> = vec![
            (json!({"Ref": "Env"}), Some(json!("dev"))),
            (json!({"Ref": "Role"}), Some(json!("my-role"))),
            (json!({"Ref": "AWS::NoValue"}), None),
            (
                json!({"Fn::GetAtt": ["Role", "Arn"]}),
                Some(json!("arn:aws:iam::123456789012:role/my-role")),
            ),
            (
                json!({"Fn::GetAtt": "Role.Arn"}),
                Some(json!("arn:aws:iam::123456789012:role/my-role")),
            ),
            (
                json!({"Fn::Sub": "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${Env}/x"}),
                Some(json!("arn:aws:ssm:us-east-1:123456789012:parameter/dev/x")),
            ),
            (
                json!({"Fn::Sub": "${Role.Arn}!"}),
                Some(json!("arn:aws:iam::123456789012:role/my-role!")),
            ),
            (
                json!({"Fn::Sub": "${!Literal}-${Env}"}),
                Some(json!("${Literal}-dev")),
            ),
            (
                json!({"Fn::Sub": ["${A}-${Env}", {"A": {"Ref": "Role"}}]}),
                Some(json!("my-role-dev")),
            ),
            (
                json!({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}),
                Some(json!("a-dev-3")),
            ),
            (
                json!({"Fn::Join": [",", {"Ref": "Subnets"}]}),
                Some(json!("s-1,s-2")),
            ),
            (json!({"Fn::Select": ["1", ["a", "b"]]}), Some(json!("b"))),
            (
                json!({"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}),
                Some(json!("x")),
            ),
            (
                json!({"Fn::Split": ["|", "a|b|c"]}),
                Some(json!(["a", "b", "c"])),
            ),
            (
                json!({"Fn::If": ["IsDev", "small", "large"]}),
                Some(json!("small")),
            ),
            (
                json!({"Fn::If": ["IsProd", "large", {"Ref": "AWS::NoValue"}]}),
                None,
            ),
            (
                json!({"Fn::Equals": [{"Ref": "Env"}, "dev"]}),
                Some(json!(true)),
            ),
            (json!({"Fn::Equals": ["1", 1]}), Some(json!(true))),
            (
                json!({"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}),
                Some(json!(true)),
            ),
            (
                json!({"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": ["a", "a"]}]}),
                Some(json!(true)),
            ),
            (
                json!({"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsDev"}]}),
                Some(json!(true)),
            ),
            (
                json!({"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsDev"}]}),
                Some(json!(false)),
            ),
            (
                json!({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}),
                Some(json!(128)),
            ),
            (json!({"Fn::Base64": "hi"}), Some(json!("aGk="))),
            (
                json!({"Fn::GetAZs": ""}),
                Some(json!(["us-east-1a", "us-east-1b", "us-east-1c"])),
            ),
            (
                json!({"Fn::Select": [0, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}),
                Some(json!("us-east-1a")),
            ),
            (
                json!({"Fn::ImportValue": "shared-vpc"}),
                Some(json!("vpc-1")),
            ),
            (
                json!({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}]}),
                Some(json!({"B": [1]})),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(resolve(&input, &s, "X").unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn bad_intrinsics_are_errors_naming_their_place() {
        let w = world();
        let s = scope(&w);
        let cases = [
            (
                json!({"Ref": "Nope"}),
                "X.Ref: Unresolved resource dependencies [Nope]",
            ),
            (
                json!({"Fn::GetAtt": ["Role", "Nope"]}),
                "does not support attribute type Nope",
            ),
            (
                json!({"Fn::Select": [5, ["a"]]}),
                "nonexistent value at index 5",
            ),
            (
                json!({"Fn::If": ["Unknown", 1, 2]}),
                "Unresolved condition Unknown",
            ),
            (
                json!({"Fn::FindInMap": ["Sizes", "test", "Memory"]}),
                "no value at [Sizes, test, Memory]",
            ),
            (
                json!({"Fn::ImportValue": "missing"}),
                "No export named missing",
            ),
            (json!({"Fn::Join": ["-", "notalist"]}), "must be a list"),
            (
                json!({"Fn::Not": [true, false]}),
                "Fn::Not takes one condition",
            ),
        ];
        for (input, expected) in cases {
            let err = resolve(&input, &s, "X").unwrap_err().to_string();
            assert!(err.contains(expected), "{input}: {err}");
        }
    }

    #[test]
    fn unsupported_functions_are_named_with_their_place() {
        let value = json!({"Properties": {"Items": [1, {"Fn::Transform": {}}]}});
        let err = check_supported(&value, "Resources.Q")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "Resources.Q.Properties.Items[1]: unsupported intrinsic function Fn::Transform"
            ),
            "{err}"
        );
        assert!(check_supported(&json!({"Fn::Sub": "x"}), "R").is_ok());
    }

    #[test]
    fn references_include_sub_variables_and_getatt_targets() {
        let mut refs = BTreeSet::new();
        references(
            &json!({"A": {"Fn::Sub": "${Role.Arn}/${Env}/${!No}"}, "B": {"Fn::GetAtt": "Key.Arn"}, "C": [{"Ref": "Param"}]}),
            &mut refs,
        );
        assert_eq!(
            refs.into_iter().collect::<Vec<_>>(),
            vec!["Env", "Key", "Param", "Role"]
        );
    }
}
