//! Shared by the rule-case tests: the loaded rules, a raw CloudTrail record
//! to start cases from, and the assertion that runs a rule's cases.

use std::path::Path;
use std::sync::OnceLock;

use ferrule_sigma_peer::rules::{self, RuleSet};
use rsigma_eval::JsonEvent;
use serde_json::{Value, json};

const PLAIN_CLI: &str = "aws-cli/2.17.4 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 \
    lang/python#3.11.8 md/pyimpl#CPython md/installer#exe md/distrib#ubuntu.24 md/prompt#off";

fn rule_set() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| rules::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap())
}

/// The Sigma id of the rule in `<slug>.yml`.
fn rule_id(slug: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("rules/{slug}.yml"));
    let collection = rsigma_parser::parse_sigma_file(&path).unwrap();
    collection.rules[0].id.clone().unwrap()
}

fn matches(slug: &str, record: &Value) -> bool {
    let id = rule_id(slug);
    rule_set()
        .engine
        .evaluate(&JsonEvent::borrow(record))
        .iter()
        .any(|result| result.header.rule_id.as_deref() == Some(id.as_str()))
}

pub fn assert_cases(slug: &str, positives: &[(&str, Value)], negatives: &[(&str, Value)]) {
    for (what, record) in positives {
        assert!(matches(slug, record), "{slug} should match: {what}");
    }
    for (what, record) in negatives {
        assert!(!matches(slug, record), "{slug} should not match: {what}");
    }
}

/// A successful call by an IAM user with a long-term key, from a plain AWS
/// CLI on a public address.
pub fn call(source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDA4EXAMPLEALICE001",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "accessKeyId": "AKIA4EXAMPLEALICE001",
            "userName": "alice"
        },
        "eventTime": "2026-12-01T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "89.160.20.156",
        "userAgent": PLAIN_CLI,
        "requestParameters": null,
        "responseElements": null,
        "requestID": "4c1f0e0e-0000-4000-8000-000000000001",
        "eventID": "9d0c7e8a-0000-4000-8000-000000000001",
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    })
}

/// `record` with the field at the JSON pointer `path` set to `value`,
/// creating objects on the way.
pub fn with(mut record: Value, path: &str, value: Value) -> Value {
    let mut node = &mut record;
    let keys: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for key in &keys[..keys.len() - 1] {
        if !node[*key].is_object() {
            node[*key] = json!({});
        }
        node = &mut node[*key];
    }
    node[keys[keys.len() - 1]] = value;
    record
}

pub fn denied(record: Value) -> Value {
    let record = with(record, "/errorCode", json!("AccessDenied"));
    with(
        record,
        "/errorMessage",
        json!("User is not authorized to perform this action"),
    )
}
