//! A YAML document as a tree whose every value knows its line, so that errors found after
//! parsing (a template that cannot render, a period dbt does not know) still name it.
//!
//! dbt renders the *values* of a parsed YAML file, not its text; this tree is what gets
//! rendered, value by value.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// One YAML value and the line it starts on (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Yaml,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Seq(Vec<Node>),
    /// Keys in file order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value under `key`, when this is a mapping that has it (`null` included).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Yaml::Null)
    }

    /// Plain JSON, lines dropped.
    pub fn to_json(&self) -> Value {
        match &self.value {
            Yaml::Null => Value::Null,
            Yaml::Bool(b) => Value::Bool(*b),
            Yaml::Number(n) => Value::Number(n.clone()),
            Yaml::String(s) => Value::String(s.clone()),
            Yaml::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Yaml::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A tree from JSON, every value on `line` (for rendered values that became structures).
    pub fn from_json(value: &Value, line: usize) -> Node {
        let value = match value {
            Value::Null => Yaml::Null,
            Value::Bool(b) => Yaml::Bool(*b),
            Value::Number(n) => Yaml::Number(n.clone()),
            Value::String(s) => Yaml::String(s.clone()),
            Value::Array(items) => {
                Yaml::Seq(items.iter().map(|v| Node::from_json(v, line)).collect())
            }
            Value::Object(map) => Yaml::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v, line)))
                    .collect(),
            ),
        };
        Node { line, value }
    }
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Yaml, D::Error> {
        struct YamlVisitor;
        impl<'de> Visitor<'de> for YamlVisitor {
            type Value = Yaml;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Yaml, E> {
                Ok(Yaml::Null)
            }
            fn visit_none<E>(self) -> Result<Yaml, E> {
                Ok(Yaml::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
                Yaml::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Yaml, E> {
                Ok(Yaml::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Yaml, E> {
                Ok(Yaml::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Yaml, E> {
                Ok(Yaml::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Yaml, E> {
                Ok(serde_json::Number::from_f64(v).map_or(Yaml::Null, Yaml::Number))
            }
            fn visit_str<E>(self, v: &str) -> Result<Yaml, E> {
                Ok(Yaml::String(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Yaml, E> {
                Ok(Yaml::String(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Node>()? {
                    items.push(item);
                }
                Ok(Yaml::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
                let mut entries: Vec<(String, Node)> = Vec::new();
                while let Some(key) = map.next_key::<KeyText>()? {
                    let value = map.next_value::<Node>()?;
                    entries.push((key.0, value));
                }
                Ok(Yaml::Map(entries))
            }
        }
        d.deserialize_any(YamlVisitor)
    }
}

/// A mapping key as text (YAML allows `1:` or `true:`; dbt's keys are strings).
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
        let key = Yaml::deserialize(d)?;
        Ok(KeyText(match key {
            Yaml::String(s) => s,
            Yaml::Bool(b) => b.to_string(),
            Yaml::Number(n) => n.to_string(),
            Yaml::Null => "null".into(),
            _ => return Err(de::Error::custom("a mapping key must be a scalar")),
        }))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let spanned = serde_saphyr::Spanned::<Yaml>::deserialize(d)?;
        Ok(Node {
            line: spanned.referenced.line() as usize,
            value: spanned.value,
        })
    }
}

/// Reads one YAML document (bounded as every vitals YAML input is); an empty file is `null`.
pub fn parse(text: &str) -> Result<Node, crate::sources::yaml::YamlError> {
    if text.trim().is_empty() {
        return Ok(Node {
            line: 1,
            value: Yaml::Null,
        });
    }
    crate::sources::yaml::from_str::<Node>(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_know_their_lines() {
        let tree = parse("a: 1\nb:\n  - x\n  - {c: null}\n").unwrap();
        assert_eq!(tree.get("a").unwrap().line, 1);
        let Yaml::Seq(items) = &tree.get("b").unwrap().value else {
            panic!()
        };
        assert_eq!(items[1].line, 4);
        assert!(items[1].get("c").unwrap().is_null());
        assert_eq!(
            tree.to_json(),
            serde_json::json!({"a": 1, "b": ["x", {"c": null}]})
        );
    }
}
