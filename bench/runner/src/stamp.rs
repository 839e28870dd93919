//! Distinct rules from one template component, without a build each.
//!
//! A template rule spells its id, slug and matched value with the
//! placeholder number `000000` (see `bench/template-rules`). Copy `n` gets
//! `n` in its place, zero-padded to the same width, so every string keeps
//! its length and the component stays valid. Each copy is then a rule of
//! its own to the host: its own id, its own state, its own entry in the
//! dispatch index, its own compilation.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

const PLACEHOLDER: &[u8] = b"000000";

#[derive(clap::Args)]
pub struct Args {
    /// The template component.
    #[arg(long)]
    template: PathBuf,
    /// How many copies.
    #[arg(long)]
    count: u32,
    /// Where to write them (created; `.wasm` files already there are
    /// replaced).
    #[arg(long)]
    out: PathBuf,
    /// Marker that precedes every placeholder to replace, e.g.
    /// `synthetic-quiet-`, so that other runs of zeros are left alone.
    #[arg(long = "marker", required = true)]
    markers: Vec<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let template = std::fs::read(&args.template)
        .with_context(|| format!("reading {}", args.template.display()))?;
    let sites = placeholder_sites(&template, &args.markers);
    if sites.is_empty() {
        bail!(
            "{}: no placeholder after the markers {:?}",
            args.template.display(),
            args.markers
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let stem = args
        .template
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("template");
    for n in 1..=args.count {
        let number = format!("{n:06}");
        let mut copy = template.clone();
        for &site in &sites {
            copy[site..site + PLACEHOLDER.len()].copy_from_slice(number.as_bytes());
        }
        let path = args.out.join(format!("{stem}-{number}.wasm"));
        std::fs::write(&path, &copy).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "ferrule-bench: {} copies of {} ({} sites each) in {}",
        args.count,
        args.template.display(),
        sites.len(),
        args.out.display()
    );
    Ok(())
}

/// Offsets of the placeholders that directly follow one of `markers`.
fn placeholder_sites(bytes: &[u8], markers: &[String]) -> Vec<usize> {
    let mut sites = Vec::new();
    for marker in markers {
        let needle = [marker.as_bytes(), PLACEHOLDER].concat();
        let mut from = 0;
        while let Some(at) = find(&bytes[from..], &needle) {
            sites.push(from + at + marker.len());
            from += at + needle.len();
        }
    }
    sites.sort_unstable();
    sites.dedup();
    sites
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_placeholders_after_a_marker() {
        let bytes = b"id:quiet-000000;slug:quiet-000000;other:000000;act:Act000000";
        let sites = placeholder_sites(bytes, &["quiet-".into(), "Act".into()]);
        let replaced: Vec<&[u8]> = sites.iter().map(|&s| &bytes[s..s + 6]).collect();
        assert_eq!(replaced, vec![b"000000"; 3]);
        let unmarked = find(bytes, b"other:").unwrap() + b"other:".len();
        assert!(!sites.contains(&unmarked));
    }

    #[test]
    fn no_marker_no_sites() {
        assert!(placeholder_sites(b"000000", &["quiet-".into()]).is_empty());
    }
}
