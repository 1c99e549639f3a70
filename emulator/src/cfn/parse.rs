//! Template text to a JSON value: JSON as it is, YAML with its short intrinsic tags
//! (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) rewritten to their long forms (`{"Ref": "X"}`,
//! `{"Fn::GetAtt": ["A", "B"]}`), so that everything after this reads one shape.

use super::error::{template, CfnError};
use serde_json::{Map, Value};

/// Parses a template body (JSON when it starts with `{`, else YAML).
pub fn parse(text: &str) -> Result<Value, CfnError> {
    let value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            CfnError::Validation(format!(
                "Template format error: JSON not well-formed. ({e})"
            ))
        })?
    } else {
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| {
            CfnError::Validation(format!(
                "Template format error: YAML not well-formed. ({e})"
            ))
        })?;
        from_yaml(yaml, "")?
    };
    if !value.is_object() {
        return Err(CfnError::Validation(
            "Template format error: the template is not a mapping of sections".to_owned(),
        ));
    }
    Ok(value)
}

fn child(place: &str, name: &str) -> String {
    if place.is_empty() {
        name.to_owned()
    } else {
        format!("{place}.{name}")
    }
}

/// A YAML scalar used as a mapping key, as the text CloudFormation reads.
fn key_text(key: &serde_yaml_ng::Value, place: &str) -> Result<String, CfnError> {
    use serde_yaml_ng::Value as Y;
    match key {
        Y::String(s) => Ok(s.clone()),
        Y::Number(n) => Ok(n.to_string()),
        Y::Bool(b) => Ok(b.to_string()),
        Y::Null => Ok("null".to_owned()),
        _ => Err(template(place, "a mapping key must be a scalar")),
    }
}

fn from_yaml(value: serde_yaml_ng::Value, place: &str) -> Result<Value, CfnError> {
    use serde_yaml_ng::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                // Non-integral numbers stay text: CloudFormation reads them as strings,
                // and JSON cannot hold NaN or infinities.
                Value::String(n.to_string())
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| from_yaml(v, &format!("{place}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(mapping) => {
            let mut out = Map::new();
            for (k, v) in mapping {
                let key = key_text(&k, place)?;
                let value = from_yaml(v, &child(place, &key))?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!').to_owned();
            let inner = from_yaml(tagged.value, place)?;
            long_form(&name, inner, place)?
        }
    })
}

/// The long form of a short tag (`!GetAtt A.B.C` names attribute `B.C` of `A`).
fn long_form(name: &str, inner: Value, place: &str) -> Result<Value, CfnError> {
    let key = match name {
        "Ref" | "Condition" => name.to_owned(),
        "GetAtt" => {
            let inner = match inner {
                Value::String(s) => match s.split_once('.') {
                    Some((resource, attribute)) => Value::Array(vec![
                        Value::String(resource.to_owned()),
                        Value::String(attribute.to_owned()),
                    ]),
                    None => {
                        return Err(template(
                            place,
                            format!("!GetAtt {s} must name RESOURCE.ATTRIBUTE"),
                        ))
                    }
                },
                other => other,
            };
            return Ok(single("Fn::GetAtt", inner));
        }
        // Any other tag becomes `Fn::NAME`; an unknown one is then refused, with its
        // place, by the check of intrinsic functions.
        other => format!("Fn::{other}"),
    };
    Ok(single(&key, inner))
}

fn single(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_tags_become_long_forms() {
        let text = r#"
Resources:
  R:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Ref Name
      Value: !Sub 'arn:${AWS::Region}'
      Arn: !GetAtt Role.Arn
      Nested: !GetAtt Stack.Outputs.X
      List: !Join [",", [a, !Ref B]]
      Cond: !If [IsProd, 1, 2]
      Enabled: True
      Timeout: 5
"#;
        let value = parse(text).unwrap();
        let props = &value["Resources"]["R"]["Properties"];
        assert_eq!(props["Name"], json!({"Ref": "Name"}));
        assert_eq!(props["Value"], json!({"Fn::Sub": "arn:${AWS::Region}"}));
        assert_eq!(props["Arn"], json!({"Fn::GetAtt": ["Role", "Arn"]}));
        assert_eq!(
            props["Nested"],
            json!({"Fn::GetAtt": ["Stack", "Outputs.X"]})
        );
        assert_eq!(
            props["List"],
            json!({"Fn::Join": [",", ["a", {"Ref": "B"}]]})
        );
        assert_eq!(props["Cond"], json!({"Fn::If": ["IsProd", 1, 2]}));
        assert_eq!(props["Enabled"], json!(true));
        assert_eq!(props["Timeout"], json!(5));
    }

    #[test]
    fn json_templates_and_broken_text() {
        assert_eq!(
            parse(r#"{"Resources": {}}"#).unwrap(),
            json!({"Resources": {}})
        );
        assert!(parse("{not json").unwrap_err().to_string().contains("JSON"));
        assert!(parse("a: [b").unwrap_err().to_string().contains("YAML"));
        assert!(parse("- a").unwrap_err().to_string().contains("mapping"));
    }
}
