//! The measured loop: read raw CloudTrail NDJSON, parse each line, run
//! every rule on it, count matches per rule.
//!
//! Each line is parsed into a `serde_json::Value` and handed to rsigma as a
//! borrowed `JsonEvent`. That is the richest of rsigma's event forms and the
//! only one that resolves dotted paths into nested objects
//! (`userIdentity.type`, `requestParameters.logging.clusterLogging.enabled`),
//! which CloudTrail rules need; the flat forms (`KvEvent`, `MapEvent`) would
//! need the record flattened first, which costs more than it saves. Lines are
//! read as bytes into one reused buffer and parsed with
//! `serde_json::from_slice`, which checks UTF-8 as it goes instead of in a
//! separate pass.
//!
//! A line that is not a JSON object is counted and described on the
//! diagnostics writer, never fatal. Blank lines are skipped and counted as
//! neither events nor bad lines.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rsigma_eval::JsonEvent;
use serde_json::Value;

use crate::rules::RuleSet;

/// What one pass over the input found.
#[derive(Debug)]
pub struct Tally {
    /// Lines evaluated as events.
    pub events: u64,
    /// Lines that were not a JSON object.
    pub bad_lines: u64,
    /// Matches per rule id; every loaded rule appears, with 0 if it never
    /// matched.
    pub matches: BTreeMap<String, u64>,
    /// Time from the first line read to the last event evaluated.
    pub elapsed: Duration,
}

/// Evaluates every line of `input` against every rule of `rules`. Each bad
/// line is described on `diagnostics` with its 1-based line number.
///
/// # Errors
///
/// When reading `input` or writing `diagnostics` fails.
pub fn scan(
    mut input: impl BufRead,
    rules: &RuleSet,
    diagnostics: &mut impl Write,
) -> Result<Tally> {
    let mut matches: BTreeMap<String, u64> = rules.ids.iter().map(|id| (id.clone(), 0)).collect();
    let mut events = 0;
    let mut bad_lines = 0;
    let mut line = Vec::with_capacity(64 * 1024);
    let mut number = 0u64;

    let started = Instant::now();
    loop {
        line.clear();
        let read = input
            .read_until(b'\n', &mut line)
            .with_context(|| format!("reading input line {}", number + 1))?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }

        let record = match serde_json::from_slice::<Value>(&line) {
            Ok(record) if record.is_object() => record,
            Ok(_) => {
                bad_lines += 1;
                writeln!(diagnostics, "line {number}: not a JSON object")
                    .context("writing diagnostics")?;
                continue;
            }
            Err(error) => {
                bad_lines += 1;
                writeln!(diagnostics, "line {number}: not valid JSON: {error}")
                    .context("writing diagnostics")?;
                continue;
            }
        };

        events += 1;
        for result in rules.engine.evaluate(&JsonEvent::borrow(&record)) {
            if let Some(count) = result
                .header
                .rule_id
                .as_deref()
                .and_then(|id| matches.get_mut(id))
            {
                *count += 1;
            }
        }
    }
    let elapsed = started.elapsed();

    Ok(Tally {
        events,
        bad_lines,
        matches,
        elapsed,
    })
}
