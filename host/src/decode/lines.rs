//! Splitting one input into JSON documents and records.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{DecodeError, Position, RawRecord};

/// Largest document accepted, in bytes. CloudTrail writes log files of at
/// most a few tens of megabytes; anything far beyond is not a log file.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;

/// Reads one input and yields its records in order.
///
/// Every item is either a record or an error about one document; after a
/// read error (such as a truncated gzip stream) the iterator ends.
pub struct RecordReader {
    source: Arc<str>,
    reader: Box<dyn BufRead + Send>,
    line: u64,
    pending: VecDeque<Result<RawRecord, DecodeError>>,
    finished: bool,
}

/// The shape of a CloudTrail log file: the records and nothing else we need.
#[derive(Deserialize)]
struct LogFile<'a> {
    #[serde(rename = "Records", borrow)]
    records: Option<Vec<&'a RawValue>>,
}

impl RecordReader {
    /// Reads `reader`, naming it `source` in positions.
    pub fn new(source: impl Into<Arc<str>>, reader: Box<dyn BufRead + Send>) -> Self {
        RecordReader {
            source: source.into(),
            reader,
            line: 0,
            pending: VecDeque::new(),
            finished: false,
        }
    }

    fn position_at(&self, line: u64, record: Option<usize>) -> Position {
        Position {
            source: self.source.clone(),
            line,
            record,
        }
    }

    /// Reads one line into `buffer` (without the newline). `Ok(false)` at
    /// the end of the input.
    fn read_line(&mut self, buffer: &mut Vec<u8>) -> Result<bool, DecodeError> {
        buffer.clear();
        let read = self
            .reader
            .read_until(b'\n', buffer)
            .map_err(|error| DecodeError::Read {
                source_name: self.source.clone(),
                line: self.line,
                error,
            })?;
        if read == 0 {
            return Ok(false);
        }
        self.line += 1;
        while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buffer.pop();
        }
        Ok(true)
    }

    /// Reads the next document: one line, or for pretty-printed JSON (a line
    /// holding only `{` or `[`), every line up to the matching closing line
    /// at column 0. Returns its first line number and its bytes.
    fn next_document(&mut self) -> Result<Option<(u64, Vec<u8>)>, DecodeError> {
        // Room for a typical CloudTrail record, so one line is one allocation.
        let mut line = Vec::with_capacity(4096);
        loop {
            if !self.read_line(&mut line)? {
                return Ok(None);
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let start = self.line;
            let opener = line.trim_ascii();
            if opener != b"{" && opener != b"[" {
                return Ok(Some((start, line)));
            }
            let closer = if opener == b"{" { b'}' } else { b']' };
            let mut document = line.clone();
            loop {
                if !self.read_line(&mut line)? {
                    // Unterminated: let the JSON parser explain what is missing.
                    return Ok(Some((start, document)));
                }
                document.push(b'\n');
                document.extend_from_slice(&line);
                if line.first() == Some(&closer) || document.len() > MAX_DOCUMENT_BYTES {
                    return Ok(Some((start, document)));
                }
            }
        }
    }

    /// Splits a document into records and queues them.
    fn queue_document(&mut self, line: u64, bytes: Vec<u8>) {
        if bytes.len() > MAX_DOCUMENT_BYTES {
            let position = self.position_at(line, None);
            self.pending.push_back(Err(DecodeError::TooLarge {
                position,
                limit: MAX_DOCUMENT_BYTES,
            }));
            return;
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let position = self.position_at(line, None);
                let reason = format!("not UTF-8 ({})", error.utf8_error());
                self.pending
                    .push_back(Err(DecodeError::NotJson { position, reason }));
                return;
            }
        };
        let trimmed = text.trim_start();
        let elements: Result<Option<Vec<&RawValue>>, serde_json::Error> =
            if trimmed.starts_with('[') {
                serde_json::from_str::<Vec<&RawValue>>(&text).map(Some)
            } else if trimmed.starts_with('{') && text.contains("\"Records\"") {
                serde_json::from_str::<LogFile<'_>>(&text).map(|file| file.records)
            } else if trimmed.starts_with('{') {
                Ok(None)
            } else {
                let position = self.position_at(line, None);
                let found = match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(serde_json::Value::String(_)) => "a string",
                    Ok(serde_json::Value::Number(_)) => "a number",
                    Ok(serde_json::Value::Bool(_)) => "a boolean",
                    Ok(serde_json::Value::Null) => "null",
                    Ok(_) => "something else",
                    Err(error) => {
                        self.pending.push_back(Err(DecodeError::NotJson {
                            position,
                            reason: error.to_string(),
                        }));
                        return;
                    }
                };
                self.pending
                    .push_back(Err(DecodeError::NotAnObject { position, found }));
                return;
            };
        match elements {
            Ok(None) => {
                // A single record; the normalizer parses (and validates) it.
                self.push_record(line, None, text);
            }
            Ok(Some(records)) => {
                for (index, record) in records.into_iter().enumerate() {
                    if record.get().trim_start().starts_with('{') {
                        self.push_record(line, Some(index), record.get().to_owned());
                    } else {
                        let position = self.position_at(line, Some(index));
                        self.pending.push_back(Err(DecodeError::NotAnObject {
                            position,
                            found: "a non-object array item",
                        }));
                    }
                }
            }
            Err(error) => {
                let position = self.position_at(line, None);
                self.pending.push_back(Err(DecodeError::NotJson {
                    position,
                    reason: error.to_string(),
                }));
            }
        }
    }

    fn push_record(&mut self, line: u64, record: Option<usize>, json: String) {
        let position = self.position_at(line, record);
        self.pending.push_back(Ok(RawRecord { position, json }));
    }
}

impl Iterator for RecordReader {
    type Item = Result<RawRecord, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if self.finished {
                return None;
            }
            match self.next_document() {
                Ok(Some((line, bytes))) => self.queue_document(line, bytes),
                Ok(None) => self.finished = true,
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Cursor, Write};

    fn read(bytes: Vec<u8>) -> Vec<Result<RawRecord, DecodeError>> {
        let reader = Box::new(BufReader::new(Cursor::new(bytes)));
        RecordReader::new("test.json", reader).collect()
    }

    fn read_gzip_aware(bytes: Vec<u8>) -> Vec<Result<RawRecord, DecodeError>> {
        let path = std::env::temp_dir().join(format!(
            "ferrule-lines-{}-{}",
            std::process::id(),
            bytes.len()
        ));
        std::fs::write(&path, &bytes).unwrap();
        let input = super::super::Input::File(path.clone());
        let records = RecordReader::new(input.name(), input.open().unwrap()).collect();
        std::fs::remove_file(path).unwrap();
        records
    }

    #[test]
    fn ndjson_lines_become_records_with_their_line_numbers() {
        let records = read(b"{\"a\":1}\n\n{\"b\":2}\r\n".to_vec());
        let lines: Vec<_> = records
            .iter()
            .map(|r| r.as_ref().unwrap().position.line)
            .collect();
        assert_eq!(lines, [1, 3]);
        assert_eq!(records[1].as_ref().unwrap().json, "{\"b\":2}");
    }

    #[test]
    fn a_bad_line_is_reported_and_the_next_one_still_arrives() {
        let records = read(b"{\"a\":1}\nthis is not json\n\"text\"\n{\"b\":2}\n".to_vec());
        assert_eq!(records.len(), 4);
        let error = records[1].as_ref().unwrap_err().to_string();
        assert!(error.starts_with("test.json:2: not valid JSON"), "{error}");
        let error = records[2].as_ref().unwrap_err().to_string();
        assert_eq!(error, "test.json:3: expected a JSON object, found a string");
        assert_eq!(records[3].as_ref().unwrap().position.line, 4);
    }

    #[test]
    fn an_object_line_is_passed_on_for_the_normalizer_to_parse() {
        let records = read(b"{\"a\":\n{\"b\":2}\n".to_vec());
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].as_ref().unwrap().json, "{\"a\":");
        assert_eq!(records[1].as_ref().unwrap().position.line, 2);
    }

    #[test]
    fn log_files_and_arrays_expand_into_their_records() {
        let file =
            b"{\"Records\":[{\"eventID\":\"1\"},{\"eventID\":\"2\"}]}\n[{\"eventID\":\"3\"}, 4]\n";
        let records = read(file.to_vec());
        assert_eq!(records.len(), 4);
        let first = records[0].as_ref().unwrap();
        assert_eq!(first.position.to_string(), "test.json:1 record 0");
        assert_eq!(records[1].as_ref().unwrap().json, "{\"eventID\":\"2\"}");
        assert_eq!(
            records[2].as_ref().unwrap().position.to_string(),
            "test.json:2 record 0"
        );
        assert!(
            records[3]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("record 1")
        );
    }

    #[test]
    fn pretty_printed_documents_are_read_whole() {
        let file = b"{\n  \"Records\": [\n    {\"eventID\": \"1\"}\n  ]\n}\n{\"eventID\":\"2\"}\n";
        let records = read(file.to_vec());
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].as_ref().unwrap().position.line, 1);
        assert_eq!(records[1].as_ref().unwrap().position.line, 6);
    }

    #[test]
    fn empty_input_yields_nothing() {
        assert!(read(Vec::new()).is_empty());
        assert!(read(b"\n\n".to_vec()).is_empty());
    }

    #[test]
    fn gzip_is_detected_by_content_and_truncation_is_reported_after_good_lines() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for i in 0..2000 {
            writeln!(
                encoder,
                "{{\"eventID\":\"{i}\",\"padding\":\"{}\"}}",
                i * 7919
            )
            .unwrap();
        }
        let compressed = encoder.finish().unwrap();

        let whole = read_gzip_aware(compressed.clone());
        assert_eq!(whole.len(), 2000);
        assert!(whole.iter().all(Result::is_ok));

        let truncated = read_gzip_aware(compressed[..compressed.len() / 2].to_vec());
        let (good, bad): (Vec<_>, Vec<_>) = truncated.iter().partition(|r| r.is_ok());
        assert!(!good.is_empty(), "lines before the damage are delivered");
        assert_eq!(bad.len(), 1);
        let error = bad[0].as_ref().unwrap_err();
        assert_eq!(error.kind(), "read_failed");
        assert!(
            error.to_string().contains("read failed after line"),
            "{error}"
        );
    }
}
