//! Deterministic synthetic CloudTrail traffic with attack bursts.
//!
//! Benchmarks and equivalence tests need CloudTrail logs that are large,
//! realistic and reproducible, and real logs are none of the three on
//! demand. This crate generates raw CloudTrail records (the JSON AWS
//! delivers, field for field) for a fictional organisation: three accounts
//! in several regions; applications on EC2, Lambda and EKS; people on the
//! console and the CLI; CI pipelines; AWS Config and Systems Manager.
//! Sprinkled in, at a chosen rate, are attack bursts that rules of the pack
//! are built to catch (see [`AttackKind`]).
//!
//! Guarantees:
//!
//! - **Deterministic.** The same [`CorpusConfig`] gives the same bytes on
//!   any machine: all randomness comes from seeded ChaCha streams, objects
//!   keep a fixed field order, and nothing depends on hash order, clocks or
//!   floating-point library functions.
//! - **Streaming.** Any length is generated in constant memory; records are
//!   produced one at a time and never collected.
//! - **Time-ordered.** Records come out in event-time order, except that a
//!   few routine records are up to 30 seconds late, as in real delivery.
//! - **Quiet when nothing happens.** Routine traffic is shaped to stay below
//!   the thresholds of the pack's windowed rules, and addresses are stable
//!   per principal, so alerts come from the bursts (and from first-seen
//!   rules learning the organisation at the start).
//!
//! What it does not do: it writes no Bedrock invocation logs or endpoint
//! process events (the SSM LOLBin rule's second source), and it does not
//! enrich addresses; rules on AS or geo data need the host's enrichment.
//!
//! Records are produced by [`Corpus`], an iterator of JSON texts, and
//! written by [`write_ndjson`] or [`write_archive`] (CloudTrail's S3 layout).

mod agents;
mod archive;
mod attacks;
mod calls;
mod clock;
mod corpus;
mod dice;
mod estate;
mod identity;
mod json;
mod network;
mod record;
mod traffic;

use std::io::{self, BufWriter, Write};

pub use archive::write_archive;
pub use attacks::AttackKind;
pub use corpus::{Corpus, CorpusConfig, MAX_BURSTS_IN_FLIGHT, Summary};

/// Writes the corpus `config` describes to `writer` as NDJSON: one record
/// per line.
///
/// # Errors
///
/// When `writer` fails.
pub fn write_ndjson<W: Write>(config: CorpusConfig, writer: W) -> io::Result<Summary> {
    let mut out = BufWriter::with_capacity(1 << 16, writer);
    let mut corpus = Corpus::new(config);
    for record in corpus.by_ref() {
        out.write_all(record.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(corpus.summary())
}
