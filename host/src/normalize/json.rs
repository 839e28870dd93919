//! JSON helpers shared by the normalizers: the empty-value scrub, the Java
//! `Map.toString()` rendering Elastic stores, and flattening into ECS paths.

use std::borrow::Cow;

use serde_json::Value;

use crate::event::{FieldValue, Fields, is_empty_value};

/// Deepest nesting flattened into separate paths; deeper structure stays
/// available as JSON text on its parent.
const MAX_FLATTEN_DEPTH: usize = 12;
/// Most leaf paths one document contributes.
const MAX_FLATTEN_LEAVES: usize = 1024;

/// Removes, recursively, what Elastic's CloudTrail pipeline drops before
/// mapping: `null`, `""`, `"-"`, `"none"`, and objects or arrays left empty.
/// Returns `false` when `value` itself should be removed.
pub fn scrub(value: &mut Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !is_empty_value(text),
        Value::Array(items) => {
            items.retain_mut(scrub);
            !items.is_empty()
        }
        Value::Object(map) => {
            map.retain(|_, v| scrub(v));
            !map.is_empty()
        }
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Renders a value as Java's `Map.toString()` does: `{k=v, k2={n=v}, l=[a, b]}`.
pub fn render_java(value: &Value) -> String {
    let mut out = String::new();
    write_java(value, &mut out);
    out
}

fn write_java(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(text) => out.push_str(text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_java(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_java(item, out);
            }
            out.push('}');
        }
    }
}

/// How [`flatten`] treats objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objects {
    /// Every object also gets a JSON entry at its own path, so rules can
    /// read it whole (used for request parameters and response elements).
    AlsoAsJson,
    /// Objects only contribute their leaves, except below a path segment
    /// named `flattened`, where they behave as [`Objects::AlsoAsJson`].
    LeavesOnly,
}

/// Flattens `value` into `fields` under `prefix`.
///
/// Scalars become typed fields. Arrays of scalars become string lists. An
/// array holding objects becomes a JSON entry, and its objects' leaves are
/// gathered into string lists at their paths without an index, as
/// Elasticsearch indexes them.
pub fn flatten(prefix: &str, value: &Value, objects: Objects, fields: &mut Fields<'_>) {
    let mut leaves = 0;
    flatten_into(prefix, value, objects, 0, &mut leaves, fields);
}

fn flatten_into(
    path: &str,
    value: &Value,
    objects: Objects,
    depth: usize,
    leaves: &mut usize,
    fields: &mut Fields<'_>,
) {
    if *leaves >= MAX_FLATTEN_LEAVES {
        return;
    }
    match value {
        Value::Null => {}
        Value::Bool(b) => {
            *leaves += 1;
            fields.put(path.to_owned(), FieldValue::Bool(*b));
        }
        Value::Number(n) => {
            *leaves += 1;
            let value = match n.as_i64() {
                Some(i) => FieldValue::Integer(i),
                None => FieldValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            };
            fields.put(path.to_owned(), value);
        }
        Value::String(text) => {
            *leaves += 1;
            fields.put(path.to_owned(), FieldValue::Text(Cow::Owned(text.clone())));
        }
        Value::Array(items) => {
            *leaves += 1;
            if items
                .iter()
                .all(|item| !item.is_object() && !item.is_array())
            {
                let list = items.iter().filter_map(scalar_text).collect();
                fields.put(path.to_owned(), FieldValue::TextList(list));
            } else {
                fields.put(path.to_owned(), FieldValue::Json(value.to_string()));
                let mut gathered: Vec<(String, Vec<String>)> = Vec::new();
                for item in items {
                    gather(path, item, depth + 1, &mut gathered);
                }
                for (leaf_path, values) in gathered {
                    *leaves += 1;
                    fields.put(leaf_path, FieldValue::TextList(values));
                }
            }
        }
        Value::Object(map) => {
            let below_flattened = path.ends_with(".flattened") || path.contains(".flattened.");
            if objects == Objects::AlsoAsJson || below_flattened {
                *leaves += 1;
                fields.put(path.to_owned(), FieldValue::Json(value.to_string()));
            }
            if depth >= MAX_FLATTEN_DEPTH {
                return;
            }
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten_into(&child, item, objects, depth + 1, leaves, fields);
            }
        }
    }
}

/// Collects the scalar leaves below an array element as string values.
fn gather(path: &str, value: &Value, depth: usize, out: &mut Vec<(String, Vec<String>)>) {
    if depth > MAX_FLATTEN_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                gather(&format!("{path}.{key}"), item, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                gather(path, item, depth + 1, out);
            }
        }
        scalar => {
            let Some(text) = scalar_text(scalar) else {
                return;
            };
            match out.iter_mut().find(|(p, _)| p == path) {
                Some((_, values)) => values.push(text),
                None => out.push((path.to_owned(), vec![text])),
            }
        }
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Position;
    use ferrule_layout::Value as Read;
    use serde_json::json;

    #[test]
    fn scrub_removes_empty_values_recursively() {
        let mut value = json!({"a": "", "b": "-", "c": "none", "d": null, "e": {}, "f": {"g": ""},
            "h": [null, ""], "keep": "x", "n": 0, "t": false});
        assert!(scrub(&mut value));
        assert_eq!(value, json!({"keep": "x", "n": 0, "t": false}));
        assert!(!scrub(&mut json!({"only": null})));
    }

    #[test]
    fn java_rendering_matches_map_to_string() {
        let value = json!({"name": "trail", "nested": {"a": 1}, "list": ["x", "y"], "flag": true});
        assert_eq!(
            render_java(&value),
            "{flag=true, list=[x, y], name=trail, nested={a=1}}"
        );
    }

    #[test]
    fn flatten_types_leaves_and_keeps_objects_as_json() {
        let value = json!({
            "loggingConfig": {"textDataDeliveryEnabled": true, "s3Config": {"bucketName": "b"}},
            "instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]},
            "ids": ["a", "b"], "count": 3, "ratio": 0.5
        });
        let mut fields = Fields::new();
        let root = "aws.cloudtrail.flattened.request_parameters";
        flatten(root, &value, Objects::AlsoAsJson, &mut fields);
        let position = Position {
            source: "t".into(),
            line: 1,
            record: None,
        };
        let event = fields.into_event(position, 0);
        let get = |p: &str| event.get(&format!("{root}.{p}"));
        assert_eq!(
            get("loggingConfig.textDataDeliveryEnabled"),
            Some(Read::Bool(true))
        );
        assert_eq!(
            get("loggingConfig.s3Config.bucketName"),
            Some(Read::Text("b"))
        );
        assert!(
            matches!(get("loggingConfig"), Some(Read::Json(text)) if text.contains("s3Config"))
        );
        assert_eq!(get("count"), Some(Read::Integer(3)));
        assert_eq!(get("ratio"), Some(Read::Float(0.5)));
        let Some(Read::TextList(ids)) = get("instancesSet.items.instanceId") else {
            panic!()
        };
        assert_eq!(ids.iter().collect::<Vec<_>>(), ["i-1", "i-2"]);
        assert!(matches!(get("instancesSet.items"), Some(Read::Json(_))));
        assert!(matches!(event.get(root), Some(Read::Json(_))));
    }

    #[test]
    fn flatten_of_ecs_documents_keeps_leaves_only_outside_flattened() {
        let value = json!({"event": {"action": "X", "type": ["info"]},
            "aws": {"cloudtrail": {"flattened": {"request_parameters": {"a": "b"}}}}});
        let mut fields = Fields::new();
        flatten("", &value, Objects::LeavesOnly, &mut fields);
        let position = Position {
            source: "t".into(),
            line: 1,
            record: None,
        };
        let event = fields.into_event(position, 0);
        assert_eq!(event.get("event.action"), Some(Read::Text("X")));
        assert_eq!(event.get("event"), None);
        assert!(matches!(
            event.get("aws.cloudtrail.flattened.request_parameters"),
            Some(Read::Json(_))
        ));
        assert_eq!(
            event.get("aws.cloudtrail.flattened.request_parameters.a"),
            Some(Read::Text("b"))
        );
    }
}
