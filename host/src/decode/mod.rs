//! Decode: turn input bytes into JSON records, each with the position it
//! came from.
//!
//! Inputs are files, directory trees (as S3 lays out CloudTrail logs) or
//! stdin. Each is read as a sequence of JSON documents: NDJSON lines,
//! CloudTrail log files (`{"Records":[...]}`, minified on one line as AWS
//! writes them, or pretty-printed), and JSON arrays of records. Gzip is
//! recognised by its magic bytes, not by the file name.
//!
//! A document that cannot be decoded is reported as a [`DecodeError`] with
//! its file and line and the stream goes on with the next one: one bad line
//! never stops a run. A truncated gzip stream ends its input with an error
//! after every complete line before the damage has been delivered.
//!
//! What this module deliberately does not do: decide what a record means.
//! It yields the text of JSON objects; [`crate::normalize`] interprets them.
//! A line that holds one object is not parsed here at all: the normalizer's
//! parse is the only pass over it, and reports it if it is not valid JSON.

mod input;
mod lines;

pub use input::{Input, expand_inputs};
pub use lines::RecordReader;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a record came from: the input's name and the line it starts on,
/// plus its index inside a `Records` array or JSON array, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The input file, or `-` for stdin.
    pub source: Arc<str>,
    /// 1-based line where the document starts.
    pub line: u64,
    /// 0-based index inside the document's record array, when it had one.
    pub record: Option<usize>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.line)?;
        if let Some(index) = self.record {
            write!(f, " record {index}")?;
        }
        Ok(())
    }
}

/// One decoded JSON object and where it came from.
#[derive(Debug)]
pub struct RawRecord {
    /// Its position in the input.
    pub position: Position,
    /// The record's JSON text, whose first non-blank character is `{`. A
    /// record of a log file or array has been parsed with its document; a
    /// record that is a document of its own is checked only by the
    /// normalizer's parse, so that the text is read once rather than twice.
    pub json: String,
}

/// Why input could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// A document is not valid JSON.
    #[error("{position}: not valid JSON: {reason}")]
    NotJson {
        /// Where.
        position: Position,
        /// The parser's explanation.
        reason: String,
    },
    /// A document is JSON but not an object or an array of objects.
    #[error("{position}: expected a JSON object, found {found}")]
    NotAnObject {
        /// Where.
        position: Position,
        /// What was found instead.
        found: &'static str,
    },
    /// A document is larger than the configured limit.
    #[error("{position}: document larger than {limit} bytes, skipped")]
    TooLarge {
        /// Where.
        position: Position,
        /// The limit.
        limit: usize,
    },
    /// Reading the input failed (including a truncated or corrupt gzip
    /// stream); the rest of that input is skipped.
    #[error("{source_name}: read failed after line {line}: {error}")]
    Read {
        /// The input.
        source_name: Arc<str>,
        /// Last line read completely.
        line: u64,
        /// The I/O error.
        error: std::io::Error,
    },
    /// An input could not be opened.
    #[error("{path}: cannot open: {error}")]
    Open {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

impl DecodeError {
    /// A short, stable name of the error's kind, for counters.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::NotJson { .. } => "not_json",
            DecodeError::NotAnObject { .. } => "not_an_object",
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Read { .. } => "read_failed",
            DecodeError::Open { .. } => "open_failed",
        }
    }
}
