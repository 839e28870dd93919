//! Every rule of the catalog ships as a component whose metadata matches
//! the catalog entry: id, name, severity and risk score.
//!
//! The catalog is `shared/rules/CATALOG.md`; the test skips when it is
//! absent (a clone without `../shared`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ferrule::runtime::{Limits, Runtime, SharedState};
use ferrule::state::MemoryStore;
use ferrule_tests::{rules_dir, shared_testdata};

/// A catalog entry's identity: (id, name, severity, risk score).
type Entry = (String, String, String, u8);

fn catalog() -> Option<BTreeMap<String, Entry>> {
    let shared = shared_testdata()?;
    let text = std::fs::read_to_string(shared.join("../rules/CATALOG.md")).expect("the catalog");
    let mut entries = BTreeMap::new();
    for section in text.split("\n### ").skip(1) {
        let heading = section.lines().next().unwrap_or("");
        let Some((_, slug)) = heading.split_once(". ") else {
            continue;
        };
        let field = |prefix: &str| {
            section
                .lines()
                .find_map(|l| l.strip_prefix(prefix))
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let identity = field("- elastic rule_id: ");
        let (id, rest) = identity.split_once(" ; elastic name: ").unwrap_or_default();
        let name = rest.split(" ; file:").next().unwrap_or_default();
        let severity = field("- severity / risk_score: ");
        let (level, rest) = severity.split_once(" / ").unwrap_or_default();
        let risk = rest
            .split(' ')
            .next()
            .unwrap_or_default()
            .parse()
            .unwrap_or(0);
        entries.insert(
            slug.trim().to_owned(),
            (id.to_owned(), name.to_owned(), level.to_owned(), risk),
        );
    }
    Some(entries)
}

#[test]
fn every_catalog_rule_ships_with_the_catalog_metadata() {
    let Some(catalog) = catalog() else { return };
    assert_eq!(catalog.len(), 42, "the catalog has 42 rules");
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime = Runtime::new(Limits::default(), state).unwrap();
    let mut problems = Vec::new();
    for (slug, (id, name, severity, risk)) in &catalog {
        let path = rules_dir().join(format!("{slug}.wasm"));
        let rule = match runtime.load_file(&path) {
            Ok(rule) => rule,
            Err(error) => {
                problems.push(format!("{slug}: {error}"));
                continue;
            }
        };
        let m = rule.metadata();
        let actual = (
            m.id.to_string(),
            m.name.clone(),
            m.severity.to_owned(),
            m.risk_score,
        );
        if actual != (id.clone(), name.clone(), severity.clone(), *risk) {
            problems.push(format!(
                "{slug}: catalog {:?}, component {actual:?}",
                (id, name, severity, risk)
            ));
        }
        if m.slug != *slug {
            problems.push(format!("{slug}: component declares slug {}", m.slug));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
