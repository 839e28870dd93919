//! The CloudTrail tampering and MFA rules, each with its positive cases and
//! the near misses beside them, run as real components.

use ferrule_tests::{Harness, cloudtrail, rules_dir, summary, with};
use serde_json::json;

const RULES: &[&str] = &[
    "cloudtrail-trail-created",
    "cloudtrail-trail-deleted",
    "cloudtrail-stop-logging",
    "cloudtrail-trail-updated",
    "iam-mfa-device-deactivated",
];

fn alerts_for(records: &[serde_json::Value]) -> Vec<(String, Vec<String>)> {
    summary(&Harness::new(&rules_dir(), RULES).run(records))
}

fn expect_one(slug: &str, id: &str) -> Vec<(String, Vec<String>)> {
    vec![(slug.to_owned(), vec![id.to_owned()])]
}

#[test]
fn each_successful_tampering_call_alerts_once_with_its_rule() {
    let cases = [
        (
            "cloudtrail.amazonaws.com",
            "CreateTrail",
            "cloudtrail-trail-created",
        ),
        (
            "cloudtrail.amazonaws.com",
            "DeleteTrail",
            "cloudtrail-trail-deleted",
        ),
        (
            "cloudtrail.amazonaws.com",
            "StopLogging",
            "cloudtrail-stop-logging",
        ),
        (
            "cloudtrail.amazonaws.com",
            "UpdateTrail",
            "cloudtrail-trail-updated",
        ),
        (
            "iam.amazonaws.com",
            "DeactivateMFADevice",
            "iam-mfa-device-deactivated",
        ),
    ];
    for (source, action, slug) in cases {
        let alerts = alerts_for(&[cloudtrail("e-1", source, action)]);
        assert_eq!(alerts, expect_one(slug, "e-1"), "{action}");
    }
}

#[test]
fn failed_calls_do_not_alert() {
    for (source, action) in [
        ("cloudtrail.amazonaws.com", "StopLogging"),
        ("cloudtrail.amazonaws.com", "DeleteTrail"),
        ("cloudtrail.amazonaws.com", "CreateTrail"),
        ("cloudtrail.amazonaws.com", "UpdateTrail"),
        ("iam.amazonaws.com", "DeactivateMFADevice"),
    ] {
        let denied = with(
            cloudtrail("e-1", source, action),
            "errorCode",
            json!("AccessDenied"),
        );
        assert_eq!(alerts_for(&[denied]), vec![], "{action} denied");
        let message_only = with(
            cloudtrail("e-2", source, action),
            "errorMessage",
            json!("Trail not found"),
        );
        assert_eq!(
            alerts_for(&[message_only]),
            vec![],
            "{action} with an error message"
        );
    }
}

#[test]
fn the_same_name_from_another_service_does_not_alert() {
    let records = [
        cloudtrail("e-1", "iam.amazonaws.com", "StopLogging"),
        cloudtrail("e-2", "cloudtrail.amazonaws.com", "DeactivateMFADevice"),
        cloudtrail("e-3", "config.amazonaws.com", "DeleteTrail"),
    ];
    assert_eq!(alerts_for(&records), vec![]);
}

#[test]
fn names_differing_only_in_case_do_not_alert() {
    let records = [
        cloudtrail("e-1", "cloudtrail.amazonaws.com", "stoplogging"),
        cloudtrail("e-2", "CloudTrail.amazonaws.com", "StopLogging"),
        cloudtrail("e-3", "iam.amazonaws.com", "DeactivateMfaDevice"),
    ];
    assert_eq!(alerts_for(&records), vec![]);
}

#[test]
fn every_identity_type_fires_since_these_rules_exclude_none() {
    for identity in ["IAMUser", "AssumedRole", "Root", "FederatedUser"] {
        let record = with(
            cloudtrail("e-1", "cloudtrail.amazonaws.com", "StopLogging"),
            "userIdentity.type",
            json!(identity),
        );
        assert_eq!(
            alerts_for(&[record]),
            expect_one("cloudtrail-stop-logging", "e-1"),
            "{identity}"
        );
    }
}

#[test]
fn alerts_carry_the_contract_fields() {
    let record = cloudtrail("e-9", "cloudtrail.amazonaws.com", "StopLogging");
    let alerts = Harness::new(&rules_dir(), RULES).run(&[record]);
    assert_eq!(alerts.len(), 1);
    let alert = serde_json::to_value(&alerts[0]).unwrap();
    assert_eq!(alert["@timestamp"], "2026-05-01T12:00:00Z");
    assert_eq!(alert["rule"]["id"], "1aa8fa52-44a7-4dae-b058-f3333b91c8d7");
    assert_eq!(alert["rule"]["slug"], "cloudtrail-stop-logging");
    assert_eq!(alert["rule"]["name"], "AWS CloudTrail Log Suspended");
    assert_eq!(alert["rule"]["severity"], "high");
    assert_eq!(alert["rule"]["risk_score"], 73);
    assert_eq!(
        alert["rule"]["threat"],
        json!([{"tactic": "TA0005", "technique": "T1562", "subtechnique": "T1562.001"},
               {"tactic": "TA0005", "technique": "T1562", "subtechnique": "T1562.008"}])
    );
    assert_eq!(
        alert["group"],
        json!({"aws.cloudtrail.user_identity.arn": "arn:aws:iam::123456789012:user/alice"})
    );
    assert_eq!(alert["evidence"], json!(["e-9"]));
    assert_eq!(alert["fields"]["source.ip"], "198.51.100.7");
    assert_eq!(alert["fields"]["event.action"], "StopLogging");
    assert!(
        alert["fields"]
            .get("aws.cloudtrail.response_elements")
            .is_none()
    );
    assert!(alert["message"].as_str().unwrap().contains("main-trail"));
    assert_eq!(alert["id"].as_str().unwrap().len(), 32);
}

#[test]
fn one_batch_gives_one_alert_per_matching_event_in_input_order() {
    let records = [
        cloudtrail("a", "cloudtrail.amazonaws.com", "CreateTrail"),
        cloudtrail("b", "cloudtrail.amazonaws.com", "DescribeTrails"),
        cloudtrail("c", "iam.amazonaws.com", "DeactivateMFADevice"),
        cloudtrail("d", "cloudtrail.amazonaws.com", "StopLogging"),
    ];
    let alerts = alerts_for(&records);
    let evidence: Vec<&str> = alerts.iter().map(|(_, e)| e[0].as_str()).collect();
    assert_eq!(evidence, ["a", "c", "d"]);
}
