//! Opening a database file and telling its format.
//!
//! A file that starts with the gzip magic bytes is decompressed on the way
//! in, whatever its name, so `.mmdb.gz` and `.csv.gz` work as they come. A
//! MaxMind DB is read whole into memory, where it is searched; a range CSV
//! is streamed line by line, so its text is never held whole.
//!
//! The format is told by the name first (`.mmdb`, `.mmdb.gz`), then by the
//! first bytes: a MaxMind DB starts with its search tree, whose first
//! records hold small node numbers and so NUL bytes, which a CSV never has.
//! A damaged `.mmdb` is thus reported as a damaged MaxMind DB, not as a CSV
//! with a strange first line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::EnrichError;

/// The bytes a gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Read buffer size; also how many leading bytes are sniffed for NUL.
const BUFFER_BYTES: usize = 64 * 1024;

/// An opened database.
pub(crate) enum Contents {
    /// A MaxMind DB, whole and decompressed.
    Mmdb(Vec<u8>),
    /// A range CSV, decompressed as it is read.
    RangeCsv(Lines),
}

/// The lines of a text file, plain or gzip.
pub(crate) struct Lines {
    reader: Box<dyn BufRead>,
    gzip: bool,
}

impl Lines {
    /// Reads the next line into `line` (cleared first, newline kept).
    /// `Ok(false)` at the end of the file.
    pub(crate) fn next_line(
        &mut self,
        path: &Path,
        line: &mut Vec<u8>,
    ) -> Result<bool, EnrichError> {
        line.clear();
        let gzip = self.gzip;
        self.reader
            .read_until(b'\n', line)
            .map(|read| read > 0)
            .map_err(|error| read_error(path, gzip, error))
    }
}

#[cfg(test)]
impl Lines {
    /// The lines of `text`, as if read from a plain file.
    pub(crate) fn from_text(text: &[u8]) -> Lines {
        Lines {
            reader: Box::new(std::io::Cursor::new(text.to_vec())),
            gzip: false,
        }
    }
}

/// Opens `path` and tells its format.
pub(crate) fn open(path: &Path) -> Result<Contents, EnrichError> {
    let file = File::open(path).map_err(|error| read_error(path, false, error))?;
    let length = file.metadata().map_or(0, |m| m.len() as usize);
    let mut raw = BufReader::with_capacity(BUFFER_BYTES, file);
    let gzip = raw
        .fill_buf()
        .map_err(|error| read_error(path, false, error))?
        .starts_with(&GZIP_MAGIC);
    let mut reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };

    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mmdb = name.ends_with(".mmdb")
        || name.ends_with(".mmdb.gz")
        || reader
            .fill_buf()
            .map_err(|error| read_error(path, gzip, error))?
            .contains(&0);
    if !mmdb {
        return Ok(Contents::RangeCsv(Lines { reader, gzip }));
    }
    // A plain file's size is known; a gzip one's is not until it is read.
    let size_hint = if gzip { 0 } else { length };
    let mut bytes = Vec::with_capacity(size_hint);
    reader
        .read_to_end(&mut bytes)
        .map_err(|error| read_error(path, gzip, error))?;
    bytes.shrink_to_fit();
    Ok(Contents::Mmdb(bytes))
}

fn read_error(path: &Path, gzip: bool, error: std::io::Error) -> EnrichError {
    let path = path.to_owned();
    if gzip {
        EnrichError::Gzip { path, error }
    } else {
        EnrichError::Read { path, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ferrule-enrich-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn gzip(contents: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(contents).unwrap();
        encoder.finish().unwrap()
    }

    fn lines(path: &Path) -> Result<Vec<String>, EnrichError> {
        let Contents::RangeCsv(mut lines) = open(path)? else {
            panic!("{} opened as a MaxMind DB", path.display())
        };
        let mut out = Vec::new();
        let mut line = Vec::new();
        while lines.next_line(path, &mut line)? {
            out.push(String::from_utf8(line.clone()).unwrap());
        }
        Ok(out)
    }

    #[test]
    fn gzip_is_recognised_by_its_magic_bytes_not_its_name() {
        let path = temp(
            "ranges.csv",
            &gzip(b"1.0.0.0,1.0.0.255,13335,x\n2.0.0.0,2.0.0.255,1,y"),
        );
        assert_eq!(
            lines(&path).unwrap(),
            ["1.0.0.0,1.0.0.255,13335,x\n", "2.0.0.0,2.0.0.255,1,y"]
        );
    }

    #[test]
    fn a_truncated_gzip_stream_is_an_error_naming_the_file() {
        let text: String = (0..20_000)
            .map(|i| format!("1.0.{}.0,1.0.{}.255,{i},org {i}\n", i % 256, i % 256))
            .collect();
        let whole = gzip(text.as_bytes());
        let path = temp("cut.csv.gz", &whole[..whole.len() / 2]);
        let message = lines(&path).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("{}: not a complete gzip stream", path.display())),
            "{message}"
        );

        let path = temp("cut.mmdb.gz", &whole[..whole.len() / 2]);
        assert!(matches!(open(&path), Err(EnrichError::Gzip { .. })));
    }

    #[test]
    fn formats_are_told_by_name_then_by_nul_bytes() {
        assert!(
            matches!(open(&temp("GeoLite2-ASN.mmdb", b"junk")), Ok(Contents::Mmdb(bytes)) if bytes == b"junk")
        );
        assert!(matches!(
            open(&temp("GeoLite2-ASN.MMDB.gz", &gzip(b"junk"))),
            Ok(Contents::Mmdb(_))
        ));
        assert!(matches!(
            open(&temp("asn.db", b"\x00\x00\x01\x00\x00\x02")),
            Ok(Contents::Mmdb(_))
        ));
        assert!(matches!(
            open(&temp("asn.db.gz", &gzip(b"\x00\x00\x01"))),
            Ok(Contents::Mmdb(_))
        ));
        assert!(matches!(
            open(&temp("asn.csv", b"1.0.0.0,1.0.0.255,1,x\n")),
            Ok(Contents::RangeCsv(_))
        ));
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let message = open(Path::new("/nonexistent/asn.csv"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            message.starts_with("/nonexistent/asn.csv: cannot read: "),
            "{message}"
        );
    }
}
