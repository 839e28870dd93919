//! Every rule of the pack over every shared CloudTrail sample, through the
//! `ferrule` binary with the ASN and country databases configured: the
//! alerts per rule are exactly those the samples call for, enrichment
//! reaches the alerts, and a replay gives byte-identical output.
//!
//! The samples come from many sources and span years; read in path order
//! most of them arrive later than the allowed lateness, so stateful rules
//! meet them out of event-time order. The counts per rule below agree with
//! the per-rule sample tests (`single_event_rules`, `end_to_end`,
//! `stateful_*_rules`, `cross_source_rules`), except that the first-seen
//! rule for long-term keys alerts 51 times here against 50 on the
//! time-sorted samples: one key's addresses arrive out of order. The
//! network rules (16, 20, 25, 26, 27) do not fire even with the databases
//! configured: no sample has the web-identity, GitHub Actions or
//! sensitive-call shapes they need.

use std::collections::BTreeMap;
use std::process::Command;

use ferrule_tests::{ferrule_bin, root, rules_dir, shared_testdata};
use serde_json::Value;

fn run(shared: &std::path::Path, rules: &std::path::Path) -> String {
    let enrichment = shared.join("enrichment");
    let output = Command::new(ferrule_bin())
        .args(["run", "--no-watch", "--rules"])
        .arg(rules)
        .arg("--asn-db")
        .arg(enrichment.join("asn-ipv4.csv.gz"))
        .arg("--geo-db")
        .arg(enrichment.join("GeoLite2-Country.mmdb.gz"))
        .arg(shared.join("cloudtrail"))
        .env("FERRULE_LOG", "error")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_whole_pack_over_the_shared_samples_with_enrichment() {
    let Some(shared) = shared_testdata() else {
        return;
    };
    let rules = root().join("target/test-scratch/all-rules");
    let _ = std::fs::remove_dir_all(&rules);
    std::fs::create_dir_all(&rules).unwrap();
    let mut shipped = 0;
    for entry in std::fs::read_dir(rules_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, rules.join(path.file_name().unwrap())).unwrap();
        shipped += 1;
    }
    assert_eq!(shipped, 42, "the whole pack");

    let first = run(&shared, &rules);
    let alerts: Vec<Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    for alert in &alerts {
        *per_rule
            .entry(alert["rule"]["slug"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("bedrock-guardrail-deleted-or-weakened", 2),
        ("bedrock-invocation-logging-disabled-or-modified", 1),
        ("bedrock-model-access-enabled", 3),
        ("cloudtrail-stop-logging", 2),
        ("cloudtrail-trail-created", 2),
        ("cloudtrail-trail-deleted", 3),
        ("cloudtrail-trail-updated", 2),
        ("ec2-userdata-modify-stop-start", 1),
        ("iam-mfa-device-deactivated", 1),
        ("long-term-key-correlated-elevated-alerts", 2),
        ("long-term-key-first-seen-source-ip", 51),
        ("suspicious-user-agent-fingerprint", 3),
    ]
    .iter()
    .map(|(slug, n)| (slug.to_string(), *n))
    .collect();
    assert_eq!(per_rule, expected);

    // Enrichment reaches the alerts: first-seen alerts report the network.
    let enriched = alerts
        .iter()
        .filter(|a| a["fields"].get("source.as.organization.name").is_some())
        .count();
    assert!(
        enriched >= 10,
        "{enriched} alerts carry the AS organisation"
    );
    let google_dns = alerts
        .iter()
        .find(|a| a["fields"]["source.ip"] == "8.8.8.8");
    if let Some(alert) = google_dns {
        assert_eq!(alert["fields"]["source.as.organization.name"], "Google LLC");
    }

    assert_eq!(
        run(&shared, &rules),
        first,
        "a replay gives the same alerts, ids and order"
    );
}
