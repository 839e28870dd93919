//! Raw CloudTrail records to ECS, as Elastic's CloudTrail integration maps
//! them (its ingest pipeline, newest version: aws package 6.20).
//!
//! Every field the rule catalog uses is produced here, once per event:
//! `event.*`, `cloud.*`, `source.address` / `source.ip`, `user.*`,
//! `user_agent.*`, `tls.*`, and `aws.cloudtrail.*` including the
//! `Map.toString()` renderings of request parameters and response elements
//! and their structured copies under `aws.cloudtrail.flattened.*`.
//!
//! Where Elastic's pipeline versions differ, this follows the newest:
//!
//! - `user.changes.name` comes only from `requestParameters.newUserName`
//!   (older versions also put an assumed role's session name there);
//! - callers through a service-linked role (`:role/aws-service-role/`) and
//!   `AWSService` identities get no `user.name` or `user.id`;
//! - `cloud.account.id` falls back to `recipientAccountId`.
//!
//! What it does not do: geo and AS enrichment of `source.ip` (a separate
//! step), the actor/target entity fields Elastic adds only when an
//! integration option asks for them, and `related.*`.

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::Value;

use super::json::{Objects, flatten, render_java, scrub};
use super::{NormalizeError, parse_timestamp, user_agent};
use crate::decode::Position;
use crate::enrich::Enrich;
use crate::event::{CLOUDTRAIL_DATASET, Event, FieldValue, Fields, is_empty_value};

/// A JSON scalar read leniently: strings, numbers and booleans all read as
/// text (some exporters write account ids as numbers); anything else reads
/// as absent.
#[derive(Debug, Default)]
struct Scalar<'a>(Option<Cow<'a, str>>);

impl<'a> Scalar<'a> {
    /// The value, unless absent or one the pipeline treats as empty.
    fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|v| !is_empty_value(v))
    }

    fn cow(&self) -> Option<Cow<'a, str>> {
        self.0.clone().filter(|v| !is_empty_value(v))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON scalar")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Borrowed(if v {
                    "true"
                } else {
                    "false"
                }))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The fields of a raw CloudTrail record that the mapping reads.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Record<'a> {
    #[serde(borrow)]
    event_version: Scalar<'a>,
    #[serde(borrow)]
    event_time: Scalar<'a>,
    #[serde(borrow)]
    event_source: Scalar<'a>,
    #[serde(borrow)]
    event_name: Scalar<'a>,
    #[serde(borrow, rename = "eventID")]
    event_id: Scalar<'a>,
    #[serde(borrow)]
    event_type: Scalar<'a>,
    #[serde(borrow)]
    event_category: Scalar<'a>,
    #[serde(borrow)]
    aws_region: Scalar<'a>,
    #[serde(borrow, rename = "sourceIPAddress")]
    source_ip_address: Scalar<'a>,
    #[serde(borrow)]
    user_agent: Scalar<'a>,
    #[serde(borrow)]
    error_code: Scalar<'a>,
    #[serde(borrow)]
    error_message: Scalar<'a>,
    #[serde(borrow, rename = "requestID")]
    request_id: Scalar<'a>,
    #[serde(borrow, rename = "sharedEventID", alias = "sharedEventId")]
    shared_event_id: Scalar<'a>,
    #[serde(borrow)]
    api_version: Scalar<'a>,
    #[serde(borrow)]
    recipient_account_id: Scalar<'a>,
    #[serde(borrow)]
    vpc_endpoint_id: Scalar<'a>,
    #[serde(borrow)]
    vpc_endpoint_account_id: Scalar<'a>,
    #[serde(borrow)]
    session_credential_from_console: Scalar<'a>,
    #[serde(borrow)]
    read_only: Scalar<'a>,
    #[serde(borrow)]
    management_event: Scalar<'a>,
    #[serde(borrow)]
    user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow)]
    tls_details: Option<TlsDetails<'a>>,
    resources: Option<Vec<Resource>>,
    request_parameters: Option<Value>,
    response_elements: Option<Value>,
    additional_event_data: Option<Value>,
    service_event_details: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Scalar<'a>,
    #[serde(borrow)]
    principal_id: Scalar<'a>,
    #[serde(borrow)]
    arn: Scalar<'a>,
    #[serde(borrow)]
    account_id: Scalar<'a>,
    #[serde(borrow)]
    access_key_id: Scalar<'a>,
    #[serde(borrow)]
    user_name: Scalar<'a>,
    #[serde(borrow)]
    invoked_by: Scalar<'a>,
    #[serde(borrow)]
    identity_provider: Scalar<'a>,
    #[serde(borrow)]
    credential_id: Scalar<'a>,
    #[serde(borrow)]
    session_context: Option<SessionContext<'a>>,
    #[serde(borrow)]
    on_behalf_of: Option<OnBehalfOf<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SessionContext<'a> {
    #[serde(borrow)]
    attributes: Option<SessionAttributes<'a>>,
    #[serde(borrow)]
    session_issuer: Option<SessionIssuer<'a>>,
    #[serde(borrow)]
    ec2_role_delivery: Scalar<'a>,
    #[serde(borrow)]
    source_identity: Scalar<'a>,
    #[serde(borrow)]
    assumed_root: Scalar<'a>,
    web_id_federation_data: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SessionAttributes<'a> {
    #[serde(borrow)]
    mfa_authenticated: Scalar<'a>,
    #[serde(borrow)]
    creation_date: Scalar<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SessionIssuer<'a> {
    #[serde(borrow, rename = "type")]
    kind: Scalar<'a>,
    #[serde(borrow)]
    principal_id: Scalar<'a>,
    #[serde(borrow)]
    arn: Scalar<'a>,
    #[serde(borrow)]
    account_id: Scalar<'a>,
    #[serde(borrow)]
    user_name: Scalar<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct OnBehalfOf<'a> {
    #[serde(borrow)]
    user_id: Scalar<'a>,
    #[serde(borrow)]
    identity_store_arn: Scalar<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TlsDetails<'a> {
    #[serde(borrow)]
    tls_version: Scalar<'a>,
    #[serde(borrow)]
    cipher_suite: Scalar<'a>,
    #[serde(borrow)]
    client_provided_host_header: Scalar<'a>,
    #[serde(borrow)]
    key_exchange: Scalar<'a>,
}

#[derive(Deserialize, Default, PartialEq)]
#[serde(default)]
struct Resource {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    #[serde(rename = "accountId")]
    account_id: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Maps one raw CloudTrail record to an ECS [`Event`].
///
/// # Errors
///
/// [`NormalizeError`] when the record is not JSON or has no valid
/// `eventTime`.
pub fn normalize(
    text: &str,
    position: &Position,
    enrich: &dyn Enrich,
) -> Result<Event, NormalizeError> {
    let record: Record<'_> =
        serde_json::from_str(text).map_err(|error| NormalizeError::NotJson {
            position: position.clone(),
            reason: error.to_string(),
        })?;
    map(record, text, position, enrich)
}

/// A record parsed as CloudTrail, if `text` is one: JSON whose top level
/// has `eventVersion`, `eventSource` or `eventName`. `None` for anything
/// else, including text that is not JSON (the caller reports that).
pub(super) fn parse(text: &str) -> Option<Record<'_>> {
    let record: Record<'_> = serde_json::from_str(text).ok()?;
    let is_cloudtrail = record.event_version.0.is_some()
        || record.event_source.0.is_some()
        || record.event_name.0.is_some();
    is_cloudtrail.then_some(record)
}

/// Maps a parsed record (whose text is `text`) to an ECS [`Event`].
pub(super) fn map<'a>(
    mut record: Record<'a>,
    text: &str,
    position: &Position,
    enrich: &dyn Enrich,
) -> Result<Event, NormalizeError> {
    let Some(time) = record.event_time.get() else {
        return Err(NormalizeError::NoTimestamp {
            position: position.clone(),
            field: "eventTime",
        });
    };
    let timestamp_ms = parse_timestamp(time).ok_or_else(|| NormalizeError::BadTimestamp {
        position: position.clone(),
        field: "eventTime",
        value: time.to_owned(),
    })?;

    let mut fields = Fields::new();
    map_event(&record, timestamp_ms, &mut fields);
    map_source(&record, &mut fields);
    map_identity(&record, &mut fields);
    map_structured(&mut record, &mut fields);
    map_tls(&record, &mut fields);
    map_resources(&record, &mut fields);
    enrich.enrich(&mut fields);
    fields.ensure_event_id(text);
    Ok(fields.into_event(position.clone(), timestamp_ms))
}

fn map_event<'a>(record: &Record<'a>, timestamp_ms: i64, fields: &mut Fields<'a>) {
    fields.str("data_stream.dataset", CLOUDTRAIL_DATASET);
    fields.str("event.dataset", CLOUDTRAIL_DATASET);
    fields.str("event.kind", "event");
    fields.str("cloud.provider", "aws");
    fields.text(
        "@timestamp",
        Some(Cow::Owned(super::time::format_timestamp(timestamp_ms))),
    );

    fields.text("event.provider", record.event_source.cow());
    if let Some(service) = record
        .event_source
        .get()
        .and_then(|s| s.strip_suffix(".amazonaws.com"))
    {
        fields.text("cloud.service.name", Some(Cow::Owned(service.to_owned())));
    }
    fields.text("event.action", record.event_name.cow());
    fields.text("event.id", record.event_id.cow());
    fields.text("cloud.region", record.aws_region.cow());

    let failed = record.error_code.get().is_some() || record.error_message.get().is_some();
    let console_login = record
        .response_elements
        .as_ref()
        .and_then(|r| r.get("ConsoleLogin"))
        .and_then(Value::as_str)
        .filter(|v| !is_empty_value(v));
    let outcome = match console_login {
        Some(value) => value.to_ascii_lowercase(),
        None if failed => "failure".into(),
        None => "success".into(),
    };
    fields.text("event.outcome", Some(Cow::Owned(outcome)));

    let (category, kinds) = record
        .event_name
        .get()
        .map(categorize)
        .unwrap_or((None, &["info"]));
    if let Some(category) = category {
        fields.list("event.category", vec![category.to_owned()]);
    }
    fields.list(
        "event.type",
        kinds.iter().map(|k| (*k).to_owned()).collect(),
    );

    fields.text("aws.cloudtrail.event_version", record.event_version.cow());
    fields.text("aws.cloudtrail.event_type", record.event_type.cow());
    fields.text("aws.cloudtrail.event_category", record.event_category.cow());
    fields.text("aws.cloudtrail.error_code", record.error_code.cow());
    fields.text("aws.cloudtrail.error_message", record.error_message.cow());
    fields.text("aws.cloudtrail.request_id", record.request_id.cow());
    fields.text(
        "aws.cloudtrail.shared_event_id",
        record.shared_event_id.cow(),
    );
    fields.text("aws.cloudtrail.api_version", record.api_version.cow());
    fields.text(
        "aws.cloudtrail.recipient_account_id",
        record.recipient_account_id.cow(),
    );
    fields.text(
        "aws.cloudtrail.vpc_endpoint_id",
        record.vpc_endpoint_id.cow(),
    );
    fields.text(
        "aws.cloudtrail.vpc_endpoint_account_id",
        record.vpc_endpoint_account_id.cow(),
    );
    fields.text(
        "aws.cloudtrail.session_credential_from_console",
        record.session_credential_from_console.cow(),
    );
    fields.text(
        "aws.cloudtrail.management_event",
        record.management_event.cow(),
    );
    match record.read_only.get() {
        Some("true") => fields.put("aws.cloudtrail.read_only", FieldValue::Bool(true)),
        Some("false") => fields.put("aws.cloudtrail.read_only", FieldValue::Bool(false)),
        _ => {}
    }
}

fn map_source<'a>(record: &Record<'a>, fields: &mut Fields<'a>) {
    if let Some(address) = record.source_ip_address.get() {
        fields.text("source.address", record.source_ip_address.cow());
        if address.parse::<IpAddr>().is_ok() {
            fields.text("source.ip", record.source_ip_address.cow());
        }
    }
    if let Some(agent) = record.user_agent.get() {
        fields.text("user_agent.original", record.user_agent.cow());
        fields.text(
            "user_agent.name",
            Some(Cow::Owned(user_agent::family(agent).to_owned())),
        );
    }
}

fn map_identity<'a>(record: &Record<'a>, fields: &mut Fields<'a>) {
    let Some(identity) = &record.user_identity else {
        fields.text("cloud.account.id", record.recipient_account_id.cow());
        return;
    };
    fields.text("aws.cloudtrail.user_identity.type", identity.kind.cow());
    fields.text("aws.cloudtrail.user_identity.arn", identity.arn.cow());
    fields.text(
        "aws.cloudtrail.user_identity.access_key_id",
        identity.access_key_id.cow(),
    );
    fields.text(
        "aws.cloudtrail.user_identity.invoked_by",
        identity.invoked_by.cow(),
    );
    fields.text(
        "aws.cloudtrail.user_identity.identity_provider",
        identity.identity_provider.cow(),
    );
    fields.text(
        "aws.cloudtrail.user_identity.credential_id",
        identity.credential_id.cow(),
    );
    fields.text(
        "cloud.account.id",
        identity
            .account_id
            .cow()
            .or_else(|| record.recipient_account_id.cow()),
    );

    let session = identity.session_context.as_ref();
    let issuer = session.and_then(|s| s.session_issuer.as_ref());
    if let Some(attributes) = session.and_then(|s| s.attributes.as_ref()) {
        fields.text(
            "aws.cloudtrail.user_identity.session_context.mfa_authenticated",
            attributes.mfa_authenticated.cow(),
        );
        let created = attributes.creation_date.get().and_then(parse_creation_date);
        if let Some(ms) = created {
            let text = super::time::format_timestamp(ms);
            fields.text(
                "aws.cloudtrail.user_identity.session_context.creation_date",
                Some(Cow::Owned(text)),
            );
        }
    }
    if let Some(session) = session {
        fields.text(
            "aws.cloudtrail.user_identity.session_context.ec2_role_delivery",
            session.ec2_role_delivery.cow(),
        );
        fields.text(
            "aws.cloudtrail.user_identity.session_context.source_identity",
            session.source_identity.cow(),
        );
        fields.text(
            "aws.cloudtrail.user_identity.session_context.assumed_root",
            session.assumed_root.cow(),
        );
        if let Some(provider) = session
            .web_id_federation_data
            .as_ref()
            .and_then(|w| w.get("federatedProvider"))
            .and_then(Value::as_str)
        {
            let name = "aws.cloudtrail.user_identity.session_context.web_id_federation_data.federated_provider";
            fields.text(name, Some(Cow::Owned(provider.to_owned())));
        }
    }
    if let Some(issuer) = issuer {
        fields.text(
            "aws.cloudtrail.user_identity.session_context.session_issuer.type",
            issuer.kind.cow(),
        );
        fields.text(
            "aws.cloudtrail.user_identity.session_context.session_issuer.principal_id",
            issuer.principal_id.cow(),
        );
        fields.text(
            "aws.cloudtrail.user_identity.session_context.session_issuer.arn",
            issuer.arn.cow(),
        );
        fields.text(
            "aws.cloudtrail.user_identity.session_context.session_issuer.account_id",
            issuer.account_id.cow(),
        );
    }

    let kind = identity.kind.get().unwrap_or("");
    let service_linked = issuer
        .and_then(|i| i.arn.get())
        .is_some_and(|arn| arn.contains(":role/aws-service-role/"));
    let service_actor = kind == "AWSService" || service_linked;
    if service_actor {
        let service = identity.invoked_by.cow();
        fields.text("service.name", service);
    } else {
        let mut name = identity.user_name.cow();
        if matches!(kind, "AssumedRole" | "FederatedUser")
            && let Some(issuer_name) = issuer.and_then(|i| i.user_name.cow())
        {
            name = Some(issuer_name);
        }
        if name.is_none() {
            name = record
                .additional_event_data
                .as_ref()
                .and_then(|d| d.get("UserName"))
                .and_then(Value::as_str)
                .filter(|v| !is_empty_value(v))
                .map(|v| Cow::Owned(v.to_owned()));
        }
        if let Some(name) = &name
            && name.find('@').is_some_and(|at| at > 0)
        {
            fields.text("user.email", Some(name.clone()));
        }
        fields.text("user.name", name);

        let on_behalf = identity.on_behalf_of.as_ref();
        let user_id = identity
            .principal_id
            .cow()
            .or_else(|| on_behalf.and_then(|o| o.user_id.cow()));
        fields.text("user.id", user_id);

        if kind == "AssumedRole" {
            let session_name = identity.arn.get().and_then(|arn| arn.rsplit('/').next());
            if let Some(session_name) =
                session_name.filter(|s| s.find('@').is_some_and(|at| at > 0))
            {
                fields.text("user.email", Some(Cow::Owned(session_name.to_owned())));
            }
        }
    }
}

/// Session creation dates come as RFC 3339 or in the compact basic form
/// `20131102T010628Z`.
fn parse_creation_date(text: &str) -> Option<i64> {
    parse_timestamp(text).or_else(|| {
        chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
            .ok()
            .map(|t| t.and_utc().timestamp_millis())
    })
}

fn map_structured<'a>(record: &mut Record<'a>, fields: &mut Fields<'a>) {
    let parts = [
        ("request_parameters", record.request_parameters.take()),
        ("response_elements", record.response_elements.take()),
        ("additional_eventdata", record.additional_event_data.take()),
        ("service_event_details", record.service_event_details.take()),
    ];
    for (name, value) in parts {
        let Some(mut value) = value else { continue };
        if !scrub(&mut value) {
            continue;
        }
        if name == "request_parameters" {
            if let Some(target) = value.get("userName").and_then(Value::as_str) {
                fields.text("user.target.name", Some(Cow::Owned(target.to_owned())));
            }
            if let Some(new_name) = value.get("newUserName").and_then(Value::as_str) {
                fields.text("user.changes.name", Some(Cow::Owned(new_name.to_owned())));
            }
        }
        if name == "additional_eventdata" && record.event_name.get() == Some("ConsoleLogin") {
            let flag = |key: &str| value.get(key).and_then(Value::as_str).map(|v| v != "No");
            if let Some(mobile) = flag("MobileVersion") {
                fields.put(
                    "aws.cloudtrail.console_login.additional_eventdata.mobile_version",
                    FieldValue::Bool(mobile),
                );
            }
            if let Some(mfa) = flag("MFAUsed") {
                fields.put(
                    "aws.cloudtrail.console_login.additional_eventdata.mfa_used",
                    FieldValue::Bool(mfa),
                );
            }
            if let Some(login_to) = value.get("LoginTo").and_then(Value::as_str) {
                fields.text(
                    "aws.cloudtrail.console_login.additional_eventdata.login_to",
                    Some(Cow::Owned(login_to.to_owned())),
                );
            }
        }
        let rendered = render_java(&value);
        let flattened_path = format!("aws.cloudtrail.flattened.{name}");
        // Elastic keeps the structured copy only below Elasticsearch's
        // keyword limit; beyond it only the rendering remains.
        if rendered.len() < 32_766 {
            flatten(&flattened_path, &value, Objects::AlsoAsJson, fields);
        }
        fields.text(format!("aws.cloudtrail.{name}"), Some(Cow::Owned(rendered)));
    }
}

fn map_tls<'a>(record: &Record<'a>, fields: &mut Fields<'a>) {
    let Some(tls) = &record.tls_details else {
        return;
    };
    if tls.tls_version.get() == Some("tlsVersion") {
        // A known CloudTrail placeholder: the whole block is meaningless.
        return;
    }
    if let Some(version) = tls.tls_version.get() {
        match version.split_once('v') {
            Some((protocol, number)) if !protocol.is_empty() && !number.is_empty() => {
                let protocol = protocol.to_ascii_lowercase();
                fields.text("tls.version_protocol", Some(Cow::Owned(protocol)));
                fields.text("tls.version", Some(Cow::Owned(number.to_owned())));
            }
            _ => fields.text("tls.version", tls.tls_version.cow()),
        }
    }
    fields.text("tls.cipher", tls.cipher_suite.cow());
    fields.text(
        "tls.client.server_name",
        tls.client_provided_host_header.cow(),
    );
    fields.text(
        "aws.cloudtrail.tls_details.key_exchange",
        tls.key_exchange.cow(),
    );
}

fn map_resources<'a>(record: &Record<'a>, fields: &mut Fields<'a>) {
    let Some(resources) = &record.resources else {
        return;
    };
    let mut arns: Vec<String> = Vec::new();
    let mut kinds: Vec<String> = Vec::new();
    let mut accounts: Vec<String> = Vec::new();
    for resource in resources {
        let push_unique = |list: &mut Vec<String>, value: &str| {
            if !is_empty_value(value) && !list.iter().any(|v| v == value) {
                list.push(value.to_owned());
            }
        };
        if let Some(arn) = &resource.arn {
            push_unique(&mut arns, arn);
        }
        if let Some(kind) = &resource.kind {
            push_unique(&mut kinds, kind);
        }
        match &resource.account_id {
            Some(Value::String(account)) => push_unique(&mut accounts, account),
            Some(Value::Number(account)) => push_unique(&mut accounts, &account.to_string()),
            _ => {}
        }
    }
    fields.list("aws.cloudtrail.resources.arn", arns);
    fields.list("aws.cloudtrail.resources.type", kinds);
    fields.list("aws.cloudtrail.resources.account_id", accounts);
}

/// `event.category` and `event.type` for an event name, as Elastic's lookup
/// table assigns them (keyed on the name alone). Names outside the table
/// get no category and type `info`.
fn categorize(event_name: &str) -> (Option<&'static str>, &'static [&'static str]) {
    match event_name {
        "ConsoleLogin"
        | "AssumeRole"
        | "AssumeRoleWithSAML"
        | "AssumeRoleWithWebIdentity"
        | "GetCallerIdentity"
        | "GetSessionToken"
        | "GetFederationToken"
        | "CheckMfa"
        | "ExitRole"
        | "RenewRole"
        | "SwitchRole" => (Some("authentication"), &["info"]),
        "CreateUser" => (Some("iam"), &["user", "creation"]),
        "DeleteUser" => (Some("iam"), &["user", "deletion"]),
        "CreateAccessKey"
        | "AttachUserPolicy"
        | "CreateVirtualMFADevice"
        | "DeactivateMFADevice"
        | "EnableMFADevice"
        | "DeleteAccessKey"
        | "UpdateAccessKey"
        | "UpdateLoginProfile"
        | "CreateLoginProfile"
        | "DeleteLoginProfile"
        | "PutUserPolicy"
        | "DetachUserPolicy"
        | "DeleteUserPolicy"
        | "DeleteVirtualMFADevice"
        | "ResyncMFADevice"
        | "UpdateUser"
        | "AddUserToGroup"
        | "RemoveUserFromGroup"
        | "ChangePassword" => (Some("iam"), &["user", "change"]),
        "AttachRolePolicy" | "DetachRolePolicy" | "PutRolePolicy" | "UpdateAssumeRolePolicy" => {
            (Some("iam"), &["change"])
        }
        "CreateRole" | "CreateGroup" | "CreatePolicy" => (Some("iam"), &["creation"]),
        "DeleteRole" | "DeleteGroup" | "DeletePolicy" => (Some("iam"), &["deletion"]),
        "ListUsers"
        | "GetUser"
        | "ListAccessKeys"
        | "ListMFADevices"
        | "ListUserPolicies"
        | "ListAttachedUserPolicies" => (Some("iam"), &["user", "info"]),
        "ListGroups" | "GetGroup" | "ListGroupsForUser" | "ListGroupPolicies" => {
            (Some("iam"), &["group", "info"])
        }
        "ListRoles" | "GetRole" | "ListPolicies" | "GetPolicy" | "GetPolicyVersion" => {
            (Some("iam"), &["info"])
        }
        "DescribeInstances" | "DescribeVolumes" | "ListInstanceAssociations" => {
            (Some("host"), &["info"])
        }
        "ListBuckets" | "ListObjects" | "GetObject" | "HeadObject" => (Some("file"), &["info"]),
        "PutObject" => (Some("file"), &["change"]),
        "DeleteObject" | "DeleteBucket" => (Some("file"), &["deletion"]),
        "CreateBucket" => (Some("file"), &["creation"]),
        "SendCommand" => (Some("process"), &["start"]),
        "Converse" | "Publish" | "DescribeRegions" => (Some("api"), &["info"]),
        "DeleteTrail" => (Some("configuration"), &["deletion"]),
        "DescribeTrails" => (Some("configuration"), &["info"]),
        "StartSession"
        | "OpenControlChannel"
        | "CreateControlChannel"
        | "OpenDataChannel"
        | "CreateDataChannel" => (Some("session"), &["start"]),
        "TerminateSession" => (Some("session"), &["end"]),
        "AuthorizeSecurityGroupIngress" => (Some("network"), &["access"]),
        "DescribeSecurityGroups"
        | "DescribeVpcs"
        | "DescribeNetworkInterfaces"
        | "DescribeNetworkAcls"
        | "DescribeLoadBalancers" => (Some("network"), &["info"]),
        _ => (None, &["info"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrule_layout::Value as Read;

    fn position() -> Position {
        Position {
            source: "test".into(),
            line: 1,
            record: None,
        }
    }

    fn normalize_json(value: serde_json::Value) -> Result<Event, NormalizeError> {
        normalize(
            &value.to_string(),
            &position(),
            &crate::enrich::NoEnrichment,
        )
    }

    #[test]
    fn maps_the_core_fields() {
        let event = normalize_json(serde_json::json!({
            "eventVersion": "1.08", "eventTime": "2026-05-01T12:00:05Z",
            "eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging",
            "eventID": "e-1", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
            "userAgent": "aws-cli/2.15.0 Python/3.11", "readOnly": false,
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice",
                "accountId": 123456789012u64, "accessKeyId": "AKIAEXAMPLE", "userName": "alice"},
            "requestParameters": {"name": "trail", "kmsKeyId": ""}
        }))
        .unwrap();
        assert_eq!(event.timestamp_ms(), 1_777_636_805_000);
        assert_eq!(event.text("event.action"), Some("StopLogging"));
        assert_eq!(event.text("event.outcome"), Some("success"));
        assert_eq!(
            event.text("cloud.account.id"),
            Some("123456789012"),
            "numeric ids read as text"
        );
        assert_eq!(event.text("source.ip"), Some("198.51.100.7"));
        assert_eq!(event.text("user.name"), Some("alice"));
        assert_eq!(event.text("user_agent.name"), Some("aws-cli"));
        assert_eq!(event.text("cloud.service.name"), Some("cloudtrail"));
        assert_eq!(
            event.get("aws.cloudtrail.read_only"),
            Some(Read::Bool(false))
        );
        assert_eq!(
            event.text("aws.cloudtrail.request_parameters"),
            Some("{name=trail}")
        );
        assert_eq!(
            event.text("aws.cloudtrail.flattened.request_parameters.name"),
            Some("trail")
        );
        assert_eq!(
            event.get("aws.cloudtrail.flattened.request_parameters.kmsKeyId"),
            None
        );
    }

    #[test]
    fn outcome_follows_errors_and_console_login() {
        let failed = normalize_json(
            serde_json::json!({"eventVersion": "1", "eventTime": "2026-05-01T12:00:05Z",
            "eventName": "StopLogging", "errorCode": "AccessDenied"}),
        )
        .unwrap();
        assert_eq!(failed.text("event.outcome"), Some("failure"));
        let empty_error = normalize_json(
            serde_json::json!({"eventVersion": "1", "eventTime": "2026-05-01T12:00:05Z",
            "eventName": "StopLogging", "errorCode": ""}),
        )
        .unwrap();
        assert_eq!(empty_error.text("event.outcome"), Some("success"));
        let login = normalize_json(
            serde_json::json!({"eventVersion": "1", "eventTime": "2026-05-01T12:00:05Z",
            "eventName": "ConsoleLogin", "errorMessage": "Failed authentication",
            "responseElements": {"ConsoleLogin": "Success"}}),
        )
        .unwrap();
        assert_eq!(login.text("event.outcome"), Some("success"));
    }

    #[test]
    fn assumed_role_user_name_is_the_role_and_service_roles_have_none() {
        let role = normalize_json(serde_json::json!({"eventVersion": "1", "eventTime": "2026-05-01T12:00:05Z",
            "eventName": "X", "userIdentity": {"type": "AssumedRole",
            "arn": "arn:aws:sts::1:assumed-role/Admin/jane@example.com",
            "sessionContext": {"sessionIssuer": {"userName": "Admin", "arn": "arn:aws:iam::1:role/Admin"}}}}))
        .unwrap();
        assert_eq!(role.text("user.name"), Some("Admin"));
        assert_eq!(role.text("user.email"), Some("jane@example.com"));
        let service = normalize_json(serde_json::json!({"eventVersion": "1", "eventTime": "2026-05-01T12:00:05Z",
            "eventName": "X", "userIdentity": {"type": "AssumedRole", "invokedBy": "ssm.amazonaws.com",
            "sessionContext": {"sessionIssuer": {"userName": "AWSServiceRoleForSSM",
            "arn": "arn:aws:iam::1:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForSSM"}}}}))
        .unwrap();
        assert_eq!(service.text("user.name"), None);
        assert_eq!(service.text("service.name"), Some("ssm.amazonaws.com"));
    }

    #[test]
    fn missing_or_bad_event_time_is_an_error() {
        let missing =
            normalize_json(serde_json::json!({"eventVersion": "1", "eventName": "X"})).unwrap_err();
        assert_eq!(missing.to_string(), "test:1: record has no eventTime");
        let bad = normalize_json(serde_json::json!({"eventVersion": "1", "eventTime": "soon"}))
            .unwrap_err();
        assert_eq!(
            bad.to_string(),
            "test:1: eventTime \"soon\" is not a date-time"
        );
    }

    #[test]
    fn non_ip_source_addresses_give_no_source_ip() {
        for address in [
            "cloudformation.amazonaws.com",
            "AWS Internal",
            "035.249.253.232",
        ] {
            let event = normalize_json(serde_json::json!({"eventVersion": "1",
                "eventTime": "2026-05-01T12:00:05Z", "sourceIPAddress": address}))
            .unwrap();
            assert_eq!(event.text("source.address"), Some(address));
            assert_eq!(event.text("source.ip"), None, "{address}");
        }
    }
}
