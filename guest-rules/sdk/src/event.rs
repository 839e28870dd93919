//! Typed, allocation-free access to the fields of one event.
//!
//! An [`Event`] is a view over the record the host encoded (see
//! `ferrule-layout`). Lookups are a binary search over the record's sorted
//! offset table, reading straight from the rule's linear memory.
//!
//! Field names are ECS paths: `event.action`, `source.ip`,
//! `aws.cloudtrail.user_identity.arn`. Request parameters and response
//! elements are flattened under `aws.cloudtrail.flattened.request_parameters.`
//! and `aws.cloudtrail.flattened.response_elements.` (see
//! [`Event::request_parameter`]), and each object among them is also
//! available whole as JSON text.

use ferrule_layout::{EventReader, Value};

/// Prefix of flattened CloudTrail request parameters.
pub const REQUEST_PARAMETERS: &str = "aws.cloudtrail.flattened.request_parameters";
/// Prefix of flattened CloudTrail response elements.
pub const RESPONSE_ELEMENTS: &str = "aws.cloudtrail.flattened.response_elements";
/// The `aws.cloudtrail.error_code` values of a call IAM refused for lack of
/// permission, as [`Event::is_denied_call`] recognises them.
pub const ACCESS_DENIED_CODES: &[&str] = &["AccessDenied", "AccessDeniedException"];

/// One event, as a rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    record: EventReader<'a>,
}

impl<'a> Event<'a> {
    /// Wraps a decoded record.
    pub fn new(record: EventReader<'a>) -> Self {
        Event { record }
    }

    /// Event time (`@timestamp`), ms since the Unix epoch.
    pub fn timestamp_ms(&self) -> i64 {
        self.record.timestamp_ms()
    }

    /// The event's `event.id` (CloudTrail `eventID`), or `""` if it has none.
    pub fn id(&self) -> &'a str {
        self.text("event.id").unwrap_or("")
    }

    /// The raw value of a field, whatever its type.
    pub fn value(&self, path: &str) -> Option<Value<'a>> {
        self.record.get(path)
    }

    /// Whether the event has the field (ECS `exists`).
    pub fn has(&self, path: &str) -> bool {
        self.record.get(path).is_some()
    }

    /// A string field. `None` when absent or of another type.
    pub fn text(&self, path: &str) -> Option<&'a str> {
        match self.record.get(path)? {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// An integer field. Text holding a decimal integer also reads as one,
    /// since some ECS producers send numbers as strings.
    pub fn integer(&self, path: &str) -> Option<i64> {
        match self.record.get(path)? {
            Value::Integer(n) => Some(n),
            Value::Text(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// A float field; integers read as floats too.
    pub fn float(&self, path: &str) -> Option<f64> {
        match self.record.get(path)? {
            Value::Float(x) => Some(x),
            Value::Integer(n) => Some(n as f64),
            _ => None,
        }
    }

    /// A boolean field. The text `"true"` / `"false"` reads as a boolean
    /// too: CloudTrail sends some flags (`sessionCredentialFromConsole`) as
    /// strings.
    pub fn boolean(&self, path: &str) -> Option<bool> {
        match self.record.get(path)? {
            Value::Bool(b) => Some(b),
            Value::Text("true") => Some(true),
            Value::Text("false") => Some(false),
            _ => None,
        }
    }

    /// Every string value of a field: the items of a list, or the single
    /// value of a string field. Empty when absent.
    pub fn texts(&self, path: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        let (single, list) = match self.record.get(path) {
            Some(Value::Text(text)) => (Some(text), None),
            Some(Value::TextList(list)) => (None, Some(list.iter())),
            _ => (None, None),
        };
        single.into_iter().chain(list.into_iter().flatten())
    }

    /// A JSON sub-document (an object or array) as text, for rules that want
    /// the whole structure, e.g. `aws.cloudtrail.flattened.request_parameters`.
    pub fn json(&self, path: &str) -> Option<&'a str> {
        match self.record.get(path)? {
            Value::Json(text) => Some(text),
            _ => None,
        }
    }

    /// A request parameter by its path inside `requestParameters`, e.g.
    /// `loggingConfig.textDataDeliveryEnabled`.
    pub fn request_parameter(&self, path: &str) -> Option<Value<'a>> {
        self.nested(REQUEST_PARAMETERS, path)
    }

    /// A response element by its path inside `responseElements`, e.g.
    /// `credentials.accessKeyId`.
    pub fn response_element(&self, path: &str) -> Option<Value<'a>> {
        self.nested(RESPONSE_ELEMENTS, path)
    }

    fn nested(&self, root: &str, path: &str) -> Option<Value<'a>> {
        // Field names are short; a small stack buffer avoids an allocation for
        // the common case.
        let mut buffer = [0u8; 192];
        let len = root.len() + 1 + path.len();
        if len <= buffer.len() {
            buffer[..root.len()].copy_from_slice(root.as_bytes());
            buffer[root.len()] = b'.';
            buffer[root.len() + 1..len].copy_from_slice(path.as_bytes());
            let name = core::str::from_utf8(&buffer[..len]).ok()?;
            self.record.get(name)
        } else {
            self.record.get(&format!("{root}.{path}"))
        }
    }

    /// A request parameter that is a string, e.g. `name`.
    pub fn request_parameter_text(&self, path: &str) -> Option<&'a str> {
        match self.request_parameter(path)? {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The first of `paths` (inside `requestParameters`) that is a string
    /// request parameter, for requests that name the same thing under
    /// different parameters, e.g. `["provisionedModelName",
    /// "provisionedModelId"]`.
    pub fn first_request_parameter_text(&self, paths: &[&str]) -> Option<&'a str> {
        paths
            .iter()
            .find_map(|path| self.request_parameter_text(path))
    }

    /// Whether the event is a CloudTrail record of a successful call to one
    /// of `actions` of the service `provider` (e.g.
    /// `cloudtrail.amazonaws.com`). All comparisons are exact and
    /// case-sensitive.
    pub fn is_successful_call(&self, provider: &str, actions: &[&str]) -> bool {
        self.is_call(provider, actions) && self.text("event.outcome") == Some("success")
    }

    /// Whether the event is a CloudTrail record of a call to one of
    /// `actions` of the service `provider` that failed for lack of
    /// permission: `event.outcome` is `failure` and
    /// `aws.cloudtrail.error_code` is one of [`ACCESS_DENIED_CODES`]. All
    /// comparisons are exact and case-sensitive.
    pub fn is_denied_call(&self, provider: &str, actions: &[&str]) -> bool {
        self.is_call(provider, actions)
            && self.text("event.outcome") == Some("failure")
            && self
                .text("aws.cloudtrail.error_code")
                .is_some_and(|code| ACCESS_DENIED_CODES.contains(&code))
    }

    /// Whether the event is a CloudTrail record of a call to one of
    /// `actions` of `provider`, whatever its outcome.
    fn is_call(&self, provider: &str, actions: &[&str]) -> bool {
        self.text("data_stream.dataset") == Some(crate::fields::CLOUDTRAIL)
            && self.text("event.provider") == Some(provider)
            && self
                .text("event.action")
                .is_some_and(|action| actions.contains(&action))
    }

    /// Who made the call, for messages: the caller's ARN, else `user.name`,
    /// else `"an unknown principal"`.
    pub fn caller(&self) -> &'a str {
        self.text(crate::fields::USER_ARN)
            .or_else(|| self.text("user.name"))
            .unwrap_or("an unknown principal")
    }

    /// Every field, in name order.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, Value<'a>)> + '_ {
        self.record.fields()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrule_layout::{EventWriter, ValueRef};

    fn with_event(check: impl FnOnce(Event<'_>)) {
        let list = vec!["alice".to_string(), "bob".to_string()];
        let mut writer = EventWriter::new();
        writer
            .field("event.id", ValueRef::Text("e-1"))
            .field("event.action", ValueRef::Text("StopLogging"))
            .field(
                "aws.cloudtrail.session_credential_from_console",
                ValueRef::Text("true"),
            )
            .field("aws.cloudtrail.read_only", ValueRef::Bool(false))
            .field("source.as.number", ValueRef::Integer(16509))
            .field("related.user", ValueRef::TextList(&list))
            .field(
                "aws.cloudtrail.flattened.request_parameters.loggingConfig.textDataDeliveryEnabled",
                ValueRef::Bool(true),
            )
            .field(
                "aws.cloudtrail.flattened.request_parameters",
                ValueRef::Json("{}"),
            );
        with_written(writer, 42, check);
    }

    /// Hands `check` the event `writer` holds, at `timestamp_ms`.
    fn with_written(writer: EventWriter<'_>, timestamp_ms: i64, check: impl FnOnce(Event<'_>)) {
        let mut out = Vec::new();
        writer.finish(timestamp_ms, &mut out);
        let (reader, _) = EventReader::new(&out).unwrap();
        check(Event::new(reader));
    }

    #[test]
    fn typed_reads_follow_the_stored_type() {
        with_event(|event| {
            assert_eq!(event.id(), "e-1");
            assert_eq!(event.timestamp_ms(), 42);
            assert_eq!(event.text("event.action"), Some("StopLogging"));
            assert_eq!(
                event.text("source.as.number"),
                None,
                "an integer is not text"
            );
            assert_eq!(event.integer("source.as.number"), Some(16509));
            assert_eq!(event.float("source.as.number"), Some(16509.0));
            assert_eq!(event.boolean("aws.cloudtrail.read_only"), Some(false));
            assert_eq!(
                event.boolean("aws.cloudtrail.session_credential_from_console"),
                Some(true)
            );
            assert_eq!(event.boolean("event.action"), None);
            assert!(event.has("related.user"));
            assert!(!event.has("user.name"));
        });
    }

    #[test]
    fn texts_reads_lists_and_single_values() {
        with_event(|event| {
            assert_eq!(
                event.texts("related.user").collect::<Vec<_>>(),
                ["alice", "bob"]
            );
            assert_eq!(
                event.texts("event.action").collect::<Vec<_>>(),
                ["StopLogging"]
            );
            assert_eq!(event.texts("missing").count(), 0);
        });
    }

    #[test]
    fn nested_request_fields_are_addressed_by_their_inner_path() {
        with_event(|event| {
            assert_eq!(
                event.request_parameter("loggingConfig.textDataDeliveryEnabled"),
                Some(Value::Bool(true))
            );
            assert_eq!(event.request_parameter("loggingConfig.other"), None);
            assert_eq!(event.json(REQUEST_PARAMETERS), Some("{}"));
            let long = "x".repeat(300);
            assert_eq!(event.request_parameter(&long), None);
        });
    }

    /// An event of `pairs` (name, text), at time 0.
    fn with_texts(pairs: &[(&str, &str)], check: impl FnOnce(Event<'_>)) {
        let mut writer = EventWriter::new();
        for (name, value) in pairs {
            writer.field(name, ValueRef::Text(value));
        }
        with_written(writer, 0, check);
    }

    #[test]
    fn the_first_request_parameter_present_wins() {
        let id = "aws.cloudtrail.flattened.request_parameters.provisionedModelId";
        let name = "aws.cloudtrail.flattened.request_parameters.provisionedModelName";
        with_texts(&[(id, "pm-1"), (name, "mine")], |event| {
            let paths = ["provisionedModelName", "provisionedModelId"];
            assert_eq!(event.first_request_parameter_text(&paths), Some("mine"));
            assert_eq!(
                event.first_request_parameter_text(&["absent", "provisionedModelId"]),
                Some("pm-1")
            );
            assert_eq!(event.first_request_parameter_text(&["absent"]), None);
            assert_eq!(event.first_request_parameter_text(&[]), None);
        });
        with_event(|event| {
            // Present but not a string.
            assert_eq!(
                event.first_request_parameter_text(&["loggingConfig.textDataDeliveryEnabled"]),
                None
            );
        });
    }

    #[test]
    fn calls_are_told_apart_by_outcome_and_error_code() {
        let call = [
            ("data_stream.dataset", "aws.cloudtrail"),
            ("event.provider", "bedrock.amazonaws.com"),
            ("event.action", "PutResourcePolicy"),
        ];
        let provider = "bedrock.amazonaws.com";
        let actions = ["PutResourcePolicy", "DeleteResourcePolicy"];
        let with = |extra: &[(&'static str, &'static str)], check: &dyn Fn(Event<'_>)| {
            let pairs: Vec<(&str, &str)> = call.iter().chain(extra).copied().collect();
            with_texts(&pairs, check);
        };
        with(&[("event.outcome", "success")], &|event| {
            assert!(event.is_successful_call(provider, &actions));
            assert!(!event.is_denied_call(provider, &actions));
        });
        for code in ACCESS_DENIED_CODES {
            let code: &'static str = code;
            with(
                &[
                    ("event.outcome", "failure"),
                    ("aws.cloudtrail.error_code", code),
                ],
                &|event| {
                    assert!(event.is_denied_call(provider, &actions));
                    assert!(!event.is_successful_call(provider, &actions));
                    assert!(!event.is_denied_call(provider, &["DeleteResourcePolicy"]));
                    assert!(!event.is_denied_call("iam.amazonaws.com", &actions));
                },
            );
        }
        with(
            &[
                ("event.outcome", "failure"),
                ("aws.cloudtrail.error_code", "ThrottlingException"),
            ],
            &|event| {
                assert!(!event.is_denied_call(provider, &actions));
            },
        );
        with(
            &[
                ("event.outcome", "failure"),
                ("aws.cloudtrail.error_code", "accessdenied"),
            ],
            &|event| {
                assert!(
                    !event.is_denied_call(provider, &actions),
                    "codes compare case-sensitively"
                );
            },
        );
        with(&[("event.outcome", "failure")], &|event| {
            assert!(
                !event.is_denied_call(provider, &actions),
                "a failure without a code"
            );
        });
        with_texts(
            &[
                ("event.outcome", "failure"),
                ("aws.cloudtrail.error_code", "AccessDenied"),
            ],
            |event| {
                assert!(
                    !event.is_denied_call(provider, &actions),
                    "not a CloudTrail record"
                );
            },
        );
    }
}
