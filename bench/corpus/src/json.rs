//! JSON values that keep their keys in the order they were built.
//!
//! CloudTrail writes the fields of a record, and of its request and response,
//! in a fixed order. `serde_json::Value` sorts object keys unless the
//! workspace turns on `preserve_order`, which it does not (and one crate
//! turning it on would change every other crate's maps). So records are
//! assembled from this small tree and written out by hand: the order is the
//! order of construction, and the same tree always gives the same bytes.
//!
//! Only what records need is here: no parsing, no floats (CloudTrail
//! numbers in the fields generated here are all integers).

/// A JSON value whose objects keep their construction order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    /// An empty object, as CloudTrail writes for parameters without values.
    pub(crate) fn empty() -> Json {
        Json::Object(Vec::new())
    }

    /// Appends the compact JSON text of the value.
    pub(crate) fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Int(value) => {
                use std::fmt::Write;
                // Writing to a String cannot fail.
                let _ = write!(out, "{value}");
            }
            Json::Str(value) => write_str(out, value),
            Json::List(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (index, (key, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_str(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<&str> for Json {
    fn from(value: &str) -> Json {
        Json::Str(value.to_owned())
    }
}

impl From<String> for Json {
    fn from(value: String) -> Json {
        Json::Str(value)
    }
}

impl From<&String> for Json {
    fn from(value: &String) -> Json {
        Json::Str(value.clone())
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Json {
        Json::Bool(value)
    }
}

impl From<i64> for Json {
    fn from(value: i64) -> Json {
        Json::Int(value)
    }
}

impl From<Vec<Json>> for Json {
    fn from(items: Vec<Json>) -> Json {
        Json::List(items)
    }
}

/// Builds a [`Json::Object`] from `"key" => value` pairs, in that order.
macro_rules! object {
    ($($key:literal => $value:expr),* $(,)?) => {
        $crate::json::Json::Object(vec![$(($key, $crate::json::Json::from($value))),*])
    };
}
pub(crate) use object;

/// A list of strings.
pub(crate) fn strings<S: AsRef<str>>(items: &[S]) -> Json {
    Json::List(items.iter().map(|item| Json::from(item.as_ref())).collect())
}

/// Appends `value` as a JSON string literal.
pub(crate) fn write_str(out: &mut String, value: &str) {
    out.push('"');
    let needs_escaping = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    if !value.bytes().any(needs_escaping) {
        out.push_str(value);
        out.push('"');
        return;
    }
    // Every character that needs escaping is ASCII, so byte positions are
    // character boundaries.
    let mut start = 0;
    for (position, &byte) in value.as_bytes().iter().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[start..position]);
        if escaped.is_empty() {
            use std::fmt::Write;
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escaped);
        }
        start = position + 1;
    }
    out.push_str(&value[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &Json) -> String {
        let mut out = String::new();
        value.write(&mut out);
        out
    }

    #[test]
    fn objects_keep_construction_order() {
        let value =
            object! {"zeta" => 1i64, "alpha" => Json::Null, "mid" => vec![Json::from(true)]};
        assert_eq!(text(&value), r#"{"zeta":1,"alpha":null,"mid":[true]}"#);
    }

    #[test]
    fn strings_are_escaped_as_serde_json_reads_them() {
        let raw = "quote \" backslash \\ newline \n tab \t bell \u{7} é";
        let written = text(&Json::from(raw));
        let read: String = serde_json::from_str(&written).expect("valid JSON string");
        assert_eq!(read, raw);
    }
}
