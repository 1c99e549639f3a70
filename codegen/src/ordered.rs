//! JSON that keeps the order of object members as written: botocore lists a structure's
//! members in the model's order, which is the order AWS reports their violations in and
//! the order the generated types declare them. (`serde_json::Value` sorts them; enabling
//! its `preserve_order` feature would change every JSON map in the emulator too.)

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value whose objects keep their members' order.
#[derive(Debug, Clone, PartialEq)]
pub enum Ordered {
    /// Any scalar, kept as `serde_json` has it.
    Scalar(serde_json::Value),
    /// An array.
    Array(Vec<Ordered>),
    /// An object, members in written order.
    Object(Vec<(String, Ordered)>),
}

impl Ordered {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// An object's member names, in order.
    pub fn keys(&self) -> Vec<String> {
        match self {
            Ordered::Object(members) => members.iter().map(|(k, _)| k.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// Drops every member whose name `drop` refuses, at every depth.
    pub fn without(&self, drop: &dyn Fn(&str) -> bool) -> Ordered {
        match self {
            Ordered::Object(members) => Ordered::Object(
                members
                    .iter()
                    .filter(|(k, _)| !drop(k))
                    .map(|(k, v)| (k.clone(), v.without(drop)))
                    .collect(),
            ),
            Ordered::Array(items) => {
                Ordered::Array(items.iter().map(|v| v.without(drop)).collect())
            }
            other => other.clone(),
        }
    }
}

impl fmt::Display for Ordered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ordered::Scalar(v) => write!(f, "{v}"),
            Ordered::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Ordered::Object(members) => {
                f.write_str("{")?;
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{v}", serde_json::Value::String(k.clone()))?;
                }
                f.write_str("}")
            }
        }
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(serde_json::Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
            members.push((k, v));
        }
        Ok(Ordered::Object(members))
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ordered, D::Error> {
        d.deserialize_any(OrderedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_order_survives() {
        let v: Ordered = serde_json::from_str(r#"{"b":1,"a":{"z":[true,null],"y":"s"}}"#).unwrap();
        assert_eq!(v.keys(), vec!["b", "a"]);
        assert_eq!(v.to_string(), r#"{"b":1,"a":{"z":[true,null],"y":"s"}}"#);
        let stripped = v.without(&|k| k == "z");
        assert_eq!(stripped.to_string(), r#"{"b":1,"a":{"y":"s"}}"#);
    }
}
