//! The rule directory as a whole: every file loads into rsigma, and the
//! files correspond one to one with ferrule's single-event rules, under the
//! same ids.

use std::fs;
use std::path::{Path, PathBuf};

use ferrule_sigma_peer::rules;
use rsigma_parser::parse_sigma_yaml;

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

fn ferrule_rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest-rules/rules")
}

/// Slugs of ferrule's rules that judge one event alone: no event-time
/// delivery and no ticks.
fn single_event_ferrule_slugs() -> Vec<String> {
    let mut slugs = Vec::new();
    for entry in fs::read_dir(ferrule_rules_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(source) = fs::read_to_string(dir.join("src/lib.rs")) else {
            continue;
        };
        if !source.contains("Delivery::EventTime") && !source.contains("wants_tick: true") {
            slugs.push(dir.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    slugs.sort();
    slugs
}

/// The `id` of a ferrule rule's `RuleInfo`.
fn ferrule_rule_id(slug: &str) -> String {
    let source = fs::read_to_string(ferrule_rules_dir().join(slug).join("src/lib.rs")).unwrap();
    let after = &source[source.find("const INFO").unwrap()..];
    let after = &after[after.find("id: \"").unwrap() + "id: \"".len()..];
    after[..after.find('"').unwrap()].to_owned()
}

fn sigma_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(rules_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_rule_file_parses_and_compiles() {
    let loaded = rules::load(&rules_dir()).unwrap();
    assert_eq!(loaded.ids.len(), sigma_files().len());
    assert_eq!(loaded.engine.rule_count(), loaded.ids.len());
}

#[test]
fn one_rule_file_per_single_event_ferrule_rule() {
    let sigma_slugs: Vec<String> = sigma_files()
        .iter()
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(sigma_slugs, single_event_ferrule_slugs());
}

#[test]
fn each_rule_carries_its_ferrule_rules_id_and_cloudtrail_logsource() {
    for path in sigma_files() {
        let slug = path.file_stem().unwrap().to_string_lossy().into_owned();
        let collection = parse_sigma_yaml(&fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            collection.errors.is_empty(),
            "{slug}: {:?}",
            collection.errors
        );
        assert_eq!(collection.rules.len(), 1, "{slug}: one rule per file");

        let rule = &collection.rules[0];
        assert_eq!(
            rule.id.as_deref(),
            Some(ferrule_rule_id(&slug).as_str()),
            "{slug}"
        );
        assert_eq!(rule.logsource.product.as_deref(), Some("aws"), "{slug}");
        assert_eq!(
            rule.logsource.service.as_deref(),
            Some("cloudtrail"),
            "{slug}"
        );
    }
}

#[test]
fn loading_rejects_a_rule_without_id() {
    let dir = std::env::temp_dir().join(format!("ferrule-sigma-peer-no-id-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("anonymous.yml"),
        concat!(
            "title: No id\n",
            "logsource:\n    product: aws\n",
            "detection:\n    selection:\n        eventName: X\n    condition: selection\n",
        ),
    )
    .unwrap();

    let error = rules::load(&dir)
        .err()
        .expect("a rule without id must not load");
    fs::remove_dir_all(&dir).unwrap();
    assert!(error.to_string().contains("has no id"), "{error:#}");
}
