//! The corpus through its public API: determinism, record shape, time
//! order, size, attack rate, the archive layout and streaming length.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use ferrule_corpus::{AttackKind, Corpus, CorpusConfig, write_archive, write_ndjson};
use flate2::read::GzDecoder;
use serde_json::Value;

fn config(seed: u64, events: u64, attack_every: u64) -> CorpusConfig {
    CorpusConfig {
        seed,
        events,
        start: "2026-11-02T08:00:00Z".parse().expect("a valid start"),
        attack_every,
    }
}

fn ndjson(config: CorpusConfig) -> Vec<u8> {
    let mut out = Vec::new();
    write_ndjson(config, &mut out).expect("writing to memory");
    out
}

fn event_time(record: &Value) -> DateTime<Utc> {
    let text = record["eventTime"].as_str().expect("eventTime is a string");
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
        .unwrap_or_else(|e| panic!("eventTime {text:?}: {e}"))
        .and_utc()
}

#[test]
fn same_seed_gives_identical_bytes_and_other_seeds_differ() {
    let first = ndjson(config(42, 15_000, 1_500));
    let again = ndjson(config(42, 15_000, 1_500));
    assert!(first == again, "the same seed gave different output");
    let other = ndjson(config(43, 15_000, 1_500));
    assert!(first != other, "different seeds gave the same output");
}

#[test]
fn attacks_leave_routine_traffic_unchanged_in_time() {
    // Routine traffic has its own random stream: the routine records of a
    // corpus with attacks are those of the corpus without, in order.
    let quiet = ndjson(config(9, 3_000, 0));
    let attacked = ndjson(config(9, 3_000, 400));
    let quiet: Vec<&[u8]> = quiet.split(|&b| b == b'\n').collect();
    let attacked: BTreeSet<&[u8]> = attacked.split(|&b| b == b'\n').collect();
    let shared = quiet.iter().filter(|line| attacked.contains(*line)).count();
    assert!(shared > 2_500, "only {shared} routine records survived");
}

const REQUIRED: [&str; 17] = [
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
];

#[test]
fn records_are_cloudtrail_json_in_time_order_and_of_realistic_size() {
    let mut corpus = Corpus::new(config(7, 30_000, 1_000));
    let mut latest: Option<DateTime<Utc>> = None;
    let mut worst_lateness = chrono::Duration::zero();
    let mut bytes = 0u64;
    let mut failures = 0;
    let mut identity_types = BTreeSet::new();

    for text in corpus.by_ref() {
        assert!(!text.contains('\n'), "a record spans lines: {text}");
        bytes += text.len() as u64;
        let record: Value = serde_json::from_str(&text).expect("every record is JSON");
        for field in REQUIRED {
            assert!(record.get(field).is_some(), "no {field} in {text}");
        }
        let identity = &record["userIdentity"];
        let kind = identity["type"].as_str().expect("an identity type");
        identity_types.insert(kind.to_owned());
        if let Some(key) = identity.get("accessKeyId").and_then(Value::as_str) {
            assert!(key.starts_with("AKIA") || key.starts_with("ASIA"), "{text}");
            assert_eq!(key.len(), 20, "{text}");
        }
        assert!(record["readOnly"].is_boolean() && record["managementEvent"].is_boolean());
        let category = record["eventCategory"].as_str().expect("a category");
        assert!(["Management", "Data"].contains(&category), "{text}");
        assert_eq!(
            record["managementEvent"].as_bool(),
            Some(category == "Management")
        );
        assert!(
            record["eventSource"]
                .as_str()
                .unwrap()
                .ends_with(".amazonaws.com")
        );
        assert_eq!(
            record.get("errorCode").is_some(),
            record.get("errorMessage").is_some()
        );
        failures += usize::from(record.get("errorCode").is_some());
        if let Some(console) = record.get("sessionCredentialFromConsole") {
            assert_eq!(
                console, "true",
                "CloudTrail writes the console flag only when true"
            );
        }

        let time = event_time(&record);
        if let Some(latest) = latest {
            worst_lateness = worst_lateness.max(latest - time);
        }
        latest = Some(latest.map_or(time, |latest| latest.max(time)));
    }

    assert!(
        worst_lateness <= chrono::Duration::seconds(30),
        "{worst_lateness}"
    );
    assert!(
        worst_lateness > chrono::Duration::zero(),
        "some records arrive late"
    );
    let summary = corpus.summary();
    assert_eq!(summary.events, 30_000);
    assert_eq!(summary.json_bytes, bytes);
    assert!(
        (1_200.0..=2_000.0).contains(&summary.mean_record_bytes),
        "mean record size {}",
        summary.mean_record_bytes
    );
    assert!((100..1_500).contains(&failures), "{failures} failed calls");
    for kind in [
        "IAMUser",
        "AssumedRole",
        "AWSService",
        "WebIdentityUser",
        "FederatedUser",
    ] {
        assert!(
            identity_types.contains(kind),
            "no {kind} in {identity_types:?}"
        );
    }
}

/// Markers that only attacks produce.
const ATTACK_MARKERS: [&str; 6] = [
    "\"eventName\":\"StopLogging\"",
    "\"eventName\":\"DeactivateMFADevice\"",
    "\"eventName\":\"CreateEnvironment\"",
    "\"eventName\":\"UpdateClusterConfig\"",
    "distrib#kali",
    "\"userAgent\":\"TruffleHog\"",
];

#[test]
fn attack_bursts_follow_the_configured_rate() {
    let mut corpus = Corpus::new(config(3, 60_000, 3_000));
    let markers = corpus
        .by_ref()
        .filter(|text| ATTACK_MARKERS.iter().any(|marker| text.contains(marker)))
        .count();
    let summary = corpus.summary();
    assert!(
        (13..=27).contains(&summary.attack_bursts),
        "{} bursts for 20 expected",
        summary.attack_bursts
    );
    assert!(summary.attack_events > summary.attack_bursts);
    assert_eq!(
        summary.bursts_by_kind.values().sum::<u64>(),
        summary.attack_bursts
    );
    assert!(markers > 0);

    let mut quiet = Corpus::new(config(3, 30_000, 0));
    let markers = quiet
        .by_ref()
        .filter(|text| ATTACK_MARKERS.iter().any(|marker| text.contains(marker)))
        .count();
    let summary = quiet.summary();
    assert_eq!((summary.attack_bursts, summary.attack_events), (0, 0));
    assert_eq!(markers, 0, "routine traffic made attack-only calls");
}

#[test]
fn every_kind_takes_its_turn_and_names_rules_of_the_pack() {
    let mut corpus = Corpus::new(config(5, 25_000, 250));
    corpus.by_ref().for_each(drop);
    let summary = corpus.summary();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest-rules/rules");
    for kind in AttackKind::ALL {
        assert!(
            summary.bursts_by_kind.contains_key(kind.name()),
            "no {} burst in {:?}",
            kind.name(),
            summary.bursts_by_kind
        );
        assert!(!kind.rules().is_empty());
        for slug in kind.rules() {
            assert!(
                rules.join(slug).is_dir(),
                "{} names unknown rule {slug}",
                kind.name()
            );
        }
    }
}

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrule-corpus-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).expect("a readable directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn archive_follows_the_s3_layout_and_is_reproducible() {
    let dir = scratch("archive");
    let summary = write_archive(config(11, 6_000, 1_000), &dir, 250).expect("an archive");
    let files = files_under(&dir);
    assert_eq!(summary.files, files.len() as u64);
    assert_eq!(summary.events, 6_000);

    let mut records = 0;
    for path in &files {
        let relative = path.strip_prefix(&dir).expect("under the root");
        let parts: Vec<&str> = relative.iter().map(|p| p.to_str().unwrap()).collect();
        let [logs, account, trail, region, year, month, day, name] = parts[..] else {
            panic!("unexpected layout: {}", relative.display());
        };
        assert_eq!((logs, trail), ("AWSLogs", "CloudTrail"));
        assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
        let stem = name.strip_suffix(".json.gz").expect("a .json.gz file");
        let fields: Vec<&str> = stem.split('_').collect();
        let [file_account, "CloudTrail", file_region, stamp, suffix] = fields[..] else {
            panic!("unexpected file name {name}");
        };
        assert_eq!((file_account, file_region), (account, region));
        assert_eq!(stamp.len(), "20261102T0800Z".len());
        assert_eq!(&stamp[..8], format!("{year}{month}{day}"));
        assert!(stamp.ends_with('Z') && &stamp[8..9] == "T");
        assert!(suffix.len() == 16 && suffix.bytes().all(|b| b.is_ascii_alphanumeric()));

        let mut text = String::new();
        GzDecoder::new(fs::File::open(path).expect("a readable file"))
            .read_to_string(&mut text)
            .expect("valid gzip");
        let document: Value = serde_json::from_str(&text).expect("a JSON document");
        let batch = document["Records"].as_array().expect("a Records array");
        assert!(!batch.is_empty() && batch.len() <= 250);
        for record in batch {
            assert_eq!(record["recipientAccountId"], account);
            assert_eq!(record["awsRegion"], region);
        }
        records += batch.len();
    }
    assert_eq!(records, 6_000);

    let again = scratch("archive-again");
    write_archive(config(11, 6_000, 1_000), &again, 250).expect("an archive");
    let again_files = files_under(&again);
    assert_eq!(files.len(), again_files.len());
    for (first, second) in files.iter().zip(&again_files) {
        assert_eq!(
            first.strip_prefix(&dir).ok(),
            second.strip_prefix(&again).ok()
        );
        assert!(
            fs::read(first).ok() == fs::read(second).ok(),
            "{}",
            first.display()
        );
    }
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&again);
}

#[test]
fn streams_two_hundred_thousand_events() {
    let mut corpus = Corpus::new(config(1, 200_000, 20_000));
    let mut count = 0u64;
    let mut bytes = 0u64;
    for text in corpus.by_ref() {
        count += 1;
        bytes += text.len() as u64;
    }
    let summary = corpus.summary();
    assert_eq!(
        (count, summary.events, summary.json_bytes),
        (200_000, 200_000, bytes)
    );
    assert!(summary.attack_bursts >= 5);
}
