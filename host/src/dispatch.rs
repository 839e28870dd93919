//! Dispatch: the interest index that picks, for each event, the rules that
//! can match it.
//!
//! Every rule declares interests: data sets plus `field = one of values`
//! filters. The index maps each data set to the rules interested in all of
//! it, and to a table from one key field's values (preferably
//! `event.action`, the most selective field CloudTrail rules filter on) to
//! the interests that name them. Looking an event up costs one hash probe
//! per key field of its data set plus a check of the candidates' other
//! filters, so the cost of an event grows with the rules that can match it,
//! not with the rules that are loaded.
//!
//! Filters compare exactly and case-sensitively. A list field matches if
//! any of its items does; numbers and booleans compare as their text.

use hashbrown::HashMap;

use ferrule_layout::{EventReader, Value};

use crate::runtime::Interest;

/// The field preferred as an interest's index key.
const PREFERRED_KEY: &str = "event.action";

/// A candidate: rule index and the filters still to check.
#[derive(Debug, Clone)]
struct Candidate {
    rule: usize,
    filters: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Default)]
struct DatasetIndex {
    /// Interests without filters.
    whole: Vec<Candidate>,
    /// key field -> value -> candidates.
    keyed: Vec<(String, HashMap<String, Vec<Candidate>>)>,
}

/// The index over a set of rules' interests.
#[derive(Debug, Default)]
pub struct InterestIndex {
    datasets: HashMap<String, DatasetIndex>,
}

impl InterestIndex {
    /// Builds the index from `(rule number, interests)` pairs; lookups
    /// answer with those numbers.
    pub fn build<'a>(rules: impl IntoIterator<Item = (usize, &'a [Interest])>) -> InterestIndex {
        let mut index = InterestIndex::default();
        for (rule, interests) in rules {
            for interest in interests {
                for dataset in &interest.datasets {
                    index.add(rule, dataset, interest);
                }
            }
        }
        index
    }

    fn add(&mut self, rule: usize, dataset: &str, interest: &Interest) {
        let entry = self.datasets.entry(dataset.to_owned()).or_default();
        let key = interest
            .filters
            .iter()
            .position(|(field, _)| field == PREFERRED_KEY)
            .or(if interest.filters.is_empty() {
                None
            } else {
                Some(0)
            });
        let Some(key) = key else {
            entry.whole.push(Candidate {
                rule,
                filters: Vec::new(),
            });
            return;
        };
        let (key_field, key_values) = &interest.filters[key];
        let mut rest = interest.filters.clone();
        rest.remove(key);
        let table = match entry.keyed.iter().position(|(field, _)| field == key_field) {
            Some(at) => &mut entry.keyed[at].1,
            None => {
                entry.keyed.push((key_field.clone(), HashMap::new()));
                &mut entry.keyed.last_mut().expect("just pushed").1
            }
        };
        for value in key_values {
            table.entry(value.clone()).or_default().push(Candidate {
                rule,
                filters: rest.clone(),
            });
        }
    }

    /// The rules interested in `event`, in ascending order, each once.
    /// `out` is cleared first; reuse it across events to avoid allocation.
    pub fn matches(&self, event: &EventReader<'_>, out: &mut Vec<usize>) {
        out.clear();
        let dataset = match event.get("data_stream.dataset") {
            Some(Value::Text(dataset)) => dataset,
            _ => return,
        };
        let Some(index) = self.datasets.get(dataset) else {
            return;
        };
        let mut accept = |candidate: &Candidate| {
            if candidate
                .filters
                .iter()
                .all(|(field, values)| field_matches(event, field, values))
            {
                out.push(candidate.rule);
            }
        };
        index.whole.iter().for_each(&mut accept);
        for (field, table) in &index.keyed {
            for_each_text(event.get(field), |value| {
                if let Some(candidates) = table.get(value) {
                    candidates.iter().for_each(&mut accept);
                }
            });
        }
        out.sort_unstable();
        out.dedup();
    }
}

fn field_matches(event: &EventReader<'_>, field: &str, values: &[String]) -> bool {
    let mut found = false;
    for_each_text(event.get(field), |text| {
        found |= values.iter().any(|v| v == text)
    });
    found
}

/// Calls `f` with each textual form of a value: the text, each list item,
/// or the decimal / `true` / `false` form of a scalar.
fn for_each_text(value: Option<Value<'_>>, mut f: impl FnMut(&str)) {
    match value {
        Some(Value::Text(text)) => f(text),
        Some(Value::TextList(list)) => list.iter().for_each(f),
        Some(Value::Integer(n)) => f(&n.to_string()),
        Some(Value::Bool(b)) => f(if b { "true" } else { "false" }),
        Some(Value::Float(x)) => f(&x.to_string()),
        Some(Value::Json(_)) | None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrule_layout::{EventWriter, ValueRef};

    fn interest(dataset: &str, filters: &[(&str, &[&str])]) -> Interest {
        Interest {
            datasets: vec![dataset.into()],
            filters: filters
                .iter()
                .map(|(f, vs)| (f.to_string(), vs.iter().map(|v| v.to_string()).collect()))
                .collect(),
        }
    }

    fn matches(index: &InterestIndex, fields: &[(&str, ValueRef<'_>)]) -> Vec<usize> {
        let mut writer = EventWriter::new();
        for (name, value) in fields {
            writer.field(name, *value);
        }
        let mut buffer = Vec::new();
        writer.finish(0, &mut buffer);
        let (reader, _) = EventReader::new(&buffer).unwrap();
        let mut out = Vec::new();
        index.matches(&reader, &mut out);
        out
    }

    #[test]
    fn routes_by_dataset_action_and_remaining_filters() {
        let rules = [
            vec![interest(
                "aws.cloudtrail",
                &[
                    ("event.provider", &["cloudtrail.amazonaws.com"]),
                    ("event.action", &["StopLogging", "DeleteTrail"]),
                ],
            )],
            vec![interest(
                "aws.cloudtrail",
                &[("event.action", &["StopLogging"])],
            )],
            vec![interest("aws.cloudtrail", &[])],
            vec![interest(
                "endpoint.events.process",
                &[("host.os.type", &["linux"])],
            )],
        ];
        let index = InterestIndex::build(rules.iter().map(Vec::as_slice).enumerate());
        let ct = ValueRef::Text("aws.cloudtrail");
        assert_eq!(
            matches(
                &index,
                &[
                    ("data_stream.dataset", ct),
                    ("event.action", ValueRef::Text("StopLogging")),
                    ("event.provider", ValueRef::Text("cloudtrail.amazonaws.com"))
                ]
            ),
            [0, 1, 2]
        );
        assert_eq!(
            matches(
                &index,
                &[
                    ("data_stream.dataset", ct),
                    ("event.action", ValueRef::Text("StopLogging")),
                    ("event.provider", ValueRef::Text("other.amazonaws.com"))
                ]
            ),
            [1, 2],
            "the same action from another service misses the provider filter"
        );
        assert_eq!(
            matches(
                &index,
                &[
                    ("data_stream.dataset", ct),
                    ("event.action", ValueRef::Text("stoplogging"))
                ]
            ),
            [2],
            "case-sensitive"
        );
        assert_eq!(
            matches(&index, &[("event.action", ValueRef::Text("StopLogging"))]),
            Vec::<usize>::new()
        );
        assert_eq!(
            matches(
                &index,
                &[
                    (
                        "data_stream.dataset",
                        ValueRef::Text("endpoint.events.process")
                    ),
                    ("host.os.type", ValueRef::Text("linux"))
                ]
            ),
            [3]
        );
    }

    #[test]
    fn list_and_numeric_fields_match_any_item() {
        let rules = [vec![interest(
            "ds",
            &[
                ("event.category", &["iam"]),
                ("source.as.number", &["16509"]),
            ],
        )]];
        let index = InterestIndex::build(rules.iter().map(Vec::as_slice).enumerate());
        let categories = vec!["authentication".to_string(), "iam".to_string()];
        let fields = [
            ("data_stream.dataset", ValueRef::Text("ds")),
            ("event.category", ValueRef::TextList(&categories)),
            ("source.as.number", ValueRef::Integer(16509)),
        ];
        assert_eq!(matches(&index, &fields), [0]);
        let fields = [
            ("data_stream.dataset", ValueRef::Text("ds")),
            ("event.category", ValueRef::TextList(&categories)),
            ("source.as.number", ValueRef::Integer(15169)),
        ];
        assert_eq!(matches(&index, &fields), Vec::<usize>::new());
    }
}
