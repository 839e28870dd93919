//! Input sources: stdin, files, and directory trees.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::DecodeError;

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file, plain or gzip-compressed.
    File(PathBuf),
}

impl Input {
    /// The name used in positions and messages.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "-".into(),
            Input::File(path) => path.display().to_string(),
        }
    }

    /// Opens the input for reading, decompressing gzip transparently.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Open`] when the file cannot be opened or read.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>, DecodeError> {
        let raw: Box<dyn Read + Send> = match self {
            Input::Stdin => Box::new(io::stdin()),
            Input::File(path) => Box::new(File::open(path).map_err(|error| DecodeError::Open {
                path: path.clone(),
                error,
            })?),
        };
        let mut reader = BufReader::with_capacity(256 * 1024, raw);
        let is_gzip = reader
            .fill_buf()
            .map(|head| head.starts_with(&[0x1f, 0x8b]))
            .map_err(|error| DecodeError::Open {
                path: PathBuf::from(self.name()),
                error,
            })?;
        Ok(if is_gzip {
            Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiGzDecoder::new(reader),
            ))
        } else {
            Box::new(reader)
        })
    }
}

/// Expands command-line paths into inputs: `-` is stdin, a file is itself,
/// and a directory is every regular file below it, in path order, skipping
/// hidden files and CloudTrail digest files (which hold no events).
///
/// # Errors
///
/// [`DecodeError::Open`] for a path that does not exist or a directory that
/// cannot be listed.
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, DecodeError> {
    if paths.is_empty() {
        return Ok(vec![Input::Stdin]);
    }
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let metadata = std::fs::metadata(path).map_err(|error| DecodeError::Open {
            path: path.clone(),
            error,
        })?;
        if metadata.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            files.sort();
            inputs.extend(files.into_iter().map(Input::File));
        } else {
            inputs.push(Input::File(path.clone()));
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), DecodeError> {
    let entries = std::fs::read_dir(dir).map_err(|error| DecodeError::Open {
        path: dir.into(),
        error,
    })?;
    for entry in entries {
        let entry = entry.map_err(|error| DecodeError::Open {
            path: dir.into(),
            error,
        })?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "CloudTrail-Digest" {
            continue;
        }
        let kind = entry.file_type().map_err(|error| DecodeError::Open {
            path: path.clone(),
            error,
        })?;
        if kind.is_dir() {
            walk(&path, files)?;
        } else if kind.is_file() || kind.is_symlink() {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_to_sorted_files_without_digests_or_hidden_files() {
        let dir = std::env::temp_dir().join(format!("ferrule-walk-{}", std::process::id()));
        let logs = dir.join("AWSLogs/123/CloudTrail/us-east-1/2026/05/01");
        let digest = dir.join("AWSLogs/123/CloudTrail-Digest/us-east-1");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::create_dir_all(&digest).unwrap();
        std::fs::write(logs.join("b.json.gz"), b"").unwrap();
        std::fs::write(logs.join("a.json.gz"), b"").unwrap();
        std::fs::write(logs.join(".partial"), b"").unwrap();
        std::fs::write(digest.join("d.json.gz"), b"").unwrap();

        let inputs = expand_inputs(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<_> = inputs
            .iter()
            .map(|i| i.name().rsplit('/').next().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a.json.gz", "b.json.gz"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_paths_means_stdin_and_missing_paths_are_errors() {
        assert_eq!(expand_inputs(&[]).unwrap(), vec![Input::Stdin]);
        let error = expand_inputs(&[PathBuf::from("/nonexistent/ferrule")]).unwrap_err();
        assert!(
            error.to_string().contains("/nonexistent/ferrule"),
            "{error}"
        );
    }
}
