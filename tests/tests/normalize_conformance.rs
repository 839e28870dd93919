//! Normalization conformance: ferrule's ECS view of raw CloudTrail equals
//! Elastic's, field by field, for every field the rule catalog uses.
//!
//! Pairs are the raw samples in `shared/testdata/cloudtrail/elastic-integrations/`
//! with their expected documents in `shared/testdata/ecs-expected/elastic-integrations/`.
//! The field list is read from the catalog's "ECS fields used" section, so a
//! field added there is checked here without editing this file.
//!
//! ferrule follows the newest version of Elastic's pipeline. Expected
//! documents made by older versions differ on purpose in these places, and
//! are compared as described:
//!
//! - `user.changes.name`: older versions put an assumed role's session name
//!   there; the newest only takes `requestParameters.newUserName`.
//!   Skipped where the expected value is the session name.
//! - `user.name` of callers through a service-linked role: older versions
//!   set the role name; the newest sets none. Skipped for those callers.
//! - `user.entity.id`: only set when an integration option asks for
//!   actor/target fields; ferrule does not produce them.
//! - `source.geo.*`, `source.as.*`: enrichment, not normalization; the
//!   expected documents used Elastic's test databases.
//! - `event.category`: the newest lookup table names more actions
//!   (`DeleteTrail`, `GetCallerIdentity`) than older ones did. Skipped where
//!   the expected document has none.
//! - `aws.cloudtrail.request_parameters` / `response_elements`: Java
//!   `Map.toString()` renderings in hash-map key order; compared through
//!   their structured copies under `aws.cloudtrail.flattened`.

use std::collections::BTreeMap;

use ferrule::decode::{Position, RawRecord};
use ferrule::normalize::{normalize, parse_timestamp};
use ferrule_tests::shared_testdata;
use serde_json::{Value, json};

/// Catalog fields that are not the normalizer's job.
const NOT_NORMALIZATION: &[&str] = &["user.entity.id", "event.ingested"];
/// Fields ferrule sets that Elastic's pipeline tests leave to index time.
const SET_AT_INDEX_TIME: &[&str] = &["data_stream.dataset", "event.dataset"];

fn catalog_fields(shared: &std::path::Path) -> Vec<String> {
    let catalog = std::fs::read_to_string(shared.join("../rules/CATALOG.md")).expect("catalog");
    let section = catalog
        .split("## ECS fields used")
        .nth(1)
        .expect("ECS fields section");
    let section = section
        .split("Fields referenced only as alert context")
        .next()
        .unwrap();
    section
        .lines()
        .filter_map(|line| {
            line.strip_prefix("- `")?
                .split('`')
                .next()
                .map(str::to_owned)
        })
        .collect()
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !prefix.contains(".flattened.") => {
            for (key, item) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, item, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            // Arrays of objects: gather each leaf path's values, as
            // Elasticsearch indexes them.
            for item in items {
                let mut inner = BTreeMap::new();
                flatten(prefix, item, &mut inner);
                for (path, leaf) in inner {
                    let slot = out.entry(path).or_insert_with(|| json!([]));
                    slot.as_array_mut().unwrap().push(leaf);
                }
            }
        }
        _ => {
            out.insert(prefix.to_owned(), value.clone());
        }
    }
}

/// Our event's fields as JSON values, keyed by path.
fn ours(raw: &str) -> BTreeMap<String, Value> {
    let record = RawRecord {
        position: Position {
            source: "conformance".into(),
            line: 1,
            record: None,
        },
        json: raw.to_owned(),
    };
    let event = normalize(&record).expect("sample normalizes");
    let mut out = BTreeMap::new();
    for (name, value) in event.reader().fields() {
        let value = match value {
            ferrule_layout::Value::Text(t) => json!(t),
            ferrule_layout::Value::Integer(n) => json!(n),
            ferrule_layout::Value::Float(x) => json!(x),
            ferrule_layout::Value::Bool(b) => json!(b),
            ferrule_layout::Value::TextList(l) => json!(l.iter().collect::<Vec<_>>()),
            ferrule_layout::Value::Json(t) => serde_json::from_str(t).unwrap(),
        };
        out.insert(name.to_owned(), value);
    }
    out
}

/// Scalars and one-item lists compare alike; timestamps compare as instants.
fn same(field: &str, expected: &Value, actual: &Value) -> bool {
    let one = |v: &Value| match v {
        Value::Array(items) if items.len() == 1 => items[0].clone(),
        other => other.clone(),
    };
    let (expected, actual) = (one(expected), one(actual));
    if field == "@timestamp" || field.ends_with("creation_date") {
        return expected.as_str().and_then(parse_timestamp)
            == actual.as_str().and_then(parse_timestamp);
    }
    if let (Value::Array(e), Value::Array(a)) = (&expected, &actual) {
        let mut e: Vec<String> = e.iter().map(Value::to_string).collect();
        let mut a: Vec<String> = a.iter().map(Value::to_string).collect();
        e.sort();
        a.sort();
        return e == a;
    }
    expected == actual
}

#[test]
fn ferrule_maps_raw_cloudtrail_as_elastic_does() {
    let Some(shared) = shared_testdata() else {
        return;
    };
    let fields = catalog_fields(&shared);
    assert!(
        fields.len() > 40,
        "the catalog lists the fields rules use ({} found)",
        fields.len()
    );
    let expected_dir = shared.join("ecs-expected/elastic-integrations");
    let raw_dir = shared.join("cloudtrail/elastic-integrations");

    let mut compared = 0;
    let mut mismatches = Vec::new();
    let mut pairs: Vec<_> = std::fs::read_dir(&expected_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pairs.sort();
    for expected_path in pairs {
        let name = expected_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let raw_text = std::fs::read_to_string(raw_dir.join(&name)).expect("paired raw sample");
        let expected_text = std::fs::read_to_string(&expected_path).unwrap();
        let raw_lines: Vec<&str> = raw_text.lines().filter(|l| !l.trim().is_empty()).collect();
        let expected_lines: Vec<&str> = expected_text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(
            raw_lines.len(),
            expected_lines.len(),
            "{name}: records pair up line by line"
        );

        for (index, (raw, expected)) in raw_lines.iter().zip(&expected_lines).enumerate() {
            let raw_json: Value = serde_json::from_str(raw).unwrap();
            let mut expected_fields = BTreeMap::new();
            flatten(
                "",
                &serde_json::from_str(expected).unwrap(),
                &mut expected_fields,
            );
            let actual = ours(raw);
            let session_name = raw_json["userIdentity"]["arn"]
                .as_str()
                .and_then(|a| a.rsplit('/').next());
            let service_linked = raw_json["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"]
                .as_str()
                .is_some_and(|a| a.contains(":role/aws-service-role/"));

            for field in &fields {
                let field = field.as_str();
                if NOT_NORMALIZATION.contains(&field)
                    || field.starts_with("source.geo.")
                    || field.starts_with("source.as.")
                {
                    continue;
                }
                let (expected_field, actual_field) = match field {
                    "aws.cloudtrail.request_parameters" | "aws.cloudtrail.response_elements" => {
                        let leaf = field.rsplit('.').next().unwrap();
                        let path = format!("aws.cloudtrail.flattened.{leaf}");
                        (path.clone(), path)
                    }
                    _ => (field.to_owned(), field.to_owned()),
                };
                let expected_value = expected_fields.get(&expected_field);
                let actual_value = actual.get(&actual_field);
                if field == "user.changes.name"
                    && expected_value.and_then(Value::as_str) == session_name
                {
                    continue;
                }
                if field == "user.name" && service_linked {
                    continue;
                }
                if field == "event.category" && expected_value.is_none() {
                    continue;
                }
                let ok = match (expected_value, actual_value) {
                    (Some(e), Some(a)) => same(field, e, a),
                    (None, None) => true,
                    (None, Some(_)) => SET_AT_INDEX_TIME.contains(&field),
                    (Some(_), None) => false,
                };
                compared += 1;
                if !ok {
                    mismatches.push(format!(
                        "{name} record {index} {field}: expected {expected_value:?}, ferrule {actual_value:?}"
                    ));
                }
            }
        }
    }
    assert!(compared > 500, "compared {compared} field values");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
