//! Writing a corpus the way CloudTrail delivers it to S3.
//!
//! CloudTrail writes one gzip file per account and region every few
//! minutes, each holding `{"Records":[...]}`, under
//! `AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/` and named
//! `<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 characters>.json.gz`.
//! Here a file is closed when it holds the configured number of records or
//! when a record arrives more than five minutes after its first one, and it
//! is named after its first record's time. The sixteen characters come from
//! the seed, so archives are reproducible too.
//!
//! Files stream: each open file is a gzip encoder writing to disk, one per
//! account and region at most, so memory does not grow with the corpus.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::clock::{Civil, MINUTE};
use crate::corpus::{Corpus, CorpusConfig, Summary};
use crate::dice::{Dice, Stream};

/// How long CloudTrail gathers events into one file.
const DELIVERY_INTERVAL: i64 = 5 * MINUTE;

/// One archive file being written.
struct OpenFile {
    path: PathBuf,
    gzip: GzEncoder<BufWriter<File>>,
    records: usize,
    first_at: i64,
}

impl OpenFile {
    fn create(path: PathBuf, first_at: i64) -> io::Result<OpenFile> {
        if let Some(directory) = path.parent() {
            fs::create_dir_all(directory).map_err(|e| context(e, "creating", directory))?;
        }
        let file = File::create(&path).map_err(|e| context(e, "creating", &path))?;
        let mut gzip = GzEncoder::new(BufWriter::new(file), Compression::default());
        gzip.write_all(b"{\"Records\":[")
            .map_err(|e| context(e, "writing", &path))?;
        Ok(OpenFile {
            path,
            gzip,
            records: 0,
            first_at,
        })
    }

    fn append(&mut self, record: &str) -> io::Result<()> {
        let separator: &[u8] = if self.records == 0 { b"" } else { b"," };
        self.gzip
            .write_all(separator)
            .and_then(|()| self.gzip.write_all(record.as_bytes()))
            .map_err(|e| context(e, "writing", &self.path))?;
        self.records += 1;
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.gzip
            .write_all(b"]}")
            .and_then(|()| self.gzip.finish())
            .and_then(|mut file| file.flush())
            .map_err(|e| context(e, "finishing", &self.path))
    }
}

/// `error` with the action and path it happened on.
fn context(error: io::Error, action: &str, path: &Path) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("{action} `{}`: {error}", path.display()),
    )
}

/// The path, under `root`, of a file for `account` and `region` whose first
/// record happened at `at`.
fn file_path(root: &Path, account: &str, region: &str, at: i64, dice: &mut Dice) -> PathBuf {
    let c = Civil::of(at);
    let (year, month, day) = (c.year, c.month, c.day);
    let name = format!(
        "{account}_CloudTrail_{region}_{year:04}{month:02}{day:02}T{:02}{:02}Z_{}.json.gz",
        c.hour,
        c.minute,
        dice.alphanumeric(16)
    );
    root.join(format!(
        "AWSLogs/{account}/CloudTrail/{region}/{year:04}/{month:02}/{day:02}"
    ))
    .join(name)
}

/// Writes the corpus `config` describes under `dir` in CloudTrail's S3
/// layout, at most `records_per_file` records per file.
///
/// # Errors
///
/// When a directory or file cannot be created or written; the error names
/// the path. `records_per_file` of 0 is refused as invalid input.
pub fn write_archive(
    config: CorpusConfig,
    dir: &Path,
    records_per_file: usize,
) -> io::Result<Summary> {
    if records_per_file == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "records per file must be at least 1",
        ));
    }
    let mut names = Dice::new(config.seed, Stream::Archive);
    let mut corpus = Corpus::new(config);
    let mut open: BTreeMap<(String, &'static str), OpenFile> = BTreeMap::new();
    let mut files = 0;

    while let Some(entry) = corpus.next_entry() {
        let key = (entry.account_id, entry.region);
        let full = open.get(&key).is_some_and(|file| {
            file.records == records_per_file || entry.at - file.first_at > DELIVERY_INTERVAL
        });
        if full && let Some(file) = open.remove(&key) {
            file.finish()?;
        }
        let file = match open.entry(key) {
            std::collections::btree_map::Entry::Occupied(slot) => slot.into_mut(),
            std::collections::btree_map::Entry::Vacant(slot) => {
                let (account, region) = slot.key();
                let path = file_path(dir, account, region, entry.at, &mut names);
                files += 1;
                slot.insert(OpenFile::create(path, entry.at)?)
            }
        };
        file.append(&entry.text)?;
    }
    for file in open.into_values() {
        file.finish()?;
    }

    let mut summary = corpus.summary();
    summary.files = files;
    Ok(summary)
}
