//! Registry packages built from a replaced source — a `cargo vendor` directory — rather than
//! from cargo's own extraction of the checksum-verified archive. cargo checks a vendored crate
//! only against the `.cargo-checksum.json` beside it, which lists what the vendoring wrote (or
//! nothing: `"files": {}` turns the check off), so a patched copy builds as the original. Here
//! each file is compared with the locked crates.io archive when the local cache has it; a
//! copy that differs is described as what it is — a modified descendant of that archive —
//! never as the archive itself.

use cra_attest::digest::{sha256, to_hex};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The checksum list `cargo vendor` writes beside each vendored crate.
const CHECKSUM_FILE: &str = ".cargo-checksum.json";
/// Files `cargo vendor` leaves out of its copy of the archive.
const NOT_VENDORED: [&str; 3] = [".gitignore", ".gitattributes", ".git"];
/// The most files a vendored crate may have, and bytes an archive may unpack to.
const MAX_FILES: usize = 100_000;
const MAX_UNPACKED: u64 = 1 << 30;

/// What a vendored copy of a registry package is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vendored {
    /// Every file equals the locked archive's: the crates.io package itself.
    Pristine,
    /// It differs from the locked archive (or from its own checksum list): the differences,
    /// one phrase each (`src/lib.rs changed`).
    Modified(Vec<String>),
    /// It matches its own checksum list, but the archive was not in the local cache to
    /// compare with, and the list proves nothing by itself.
    Unverified,
}

/// Whether `dir` (a registry package's manifest directory) is a vendored copy.
pub fn is_vendored(dir: &Path) -> bool {
    dir.join(CHECKSUM_FILE).is_file()
}

/// Compares the vendored copy in `dir` of `name` `version` with the archive whose SHA-256
/// `Cargo.lock` records (`locked`), found in `cache_dirs`.
pub fn inspect(
    dir: &Path,
    name: &str,
    version: &str,
    locked: &str,
    cache_dirs: &[PathBuf],
) -> Result<Vendored, String> {
    let local = hash_tree(dir)?;
    if let Some(archive) = locked_archive(cache_dirs, name, version, locked) {
        let original = hash_archive(&archive, &format!("{name}-{version}/"))?;
        return Ok(verdict(differences(&original, &local)));
    }
    let listed = checksum_list(dir, locked)?;
    Ok(match differences(&listed, &local) {
        d if d.is_empty() => Vendored::Unverified,
        d => Vendored::Modified(d),
    })
}

fn verdict(differences: Vec<String>) -> Vendored {
    match differences.is_empty() {
        true => Vendored::Pristine,
        false => Vendored::Modified(differences),
    }
}

/// How `local` differs from `original` (path → SHA-256), sorted: changed, added and removed
/// files (those `cargo vendor` never copies aside).
fn differences(
    original: &BTreeMap<String, String>,
    local: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, sum) in local {
        match original.get(path) {
            Some(o) if o == sum => {}
            Some(_) => out.push(format!("{path} changed")),
            None => out.push(format!("{path} added")),
        }
    }
    for path in original.keys().filter(|p| !local.contains_key(*p)) {
        let base = path.rsplit('/').next().unwrap_or(path);
        if !NOT_VENDORED.contains(&base) {
            out.push(format!("{path} removed"));
        }
    }
    out.sort();
    out
}

/// Every file below `dir` (but the checksum list) → its SHA-256, walked without following
/// links; a symbolic link or special file is recorded as such, so it always differs.
fn hash_tree(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", path.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = match rel.is_empty() {
                true => name.clone(),
                false => format!("{rel}/{name}"),
            };
            if rel == CHECKSUM_FILE {
                continue;
            }
            let kind = entry
                .file_type()
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            if kind.is_dir() {
                stack.push((entry.path(), rel));
            } else if kind.is_file() {
                let bytes = std::fs::read(entry.path())
                    .map_err(|e| format!("{}: {e}", entry.path().display()))?;
                out.insert(rel, to_hex(&sha256(&bytes)));
            } else {
                out.insert(rel, "not a regular file".into());
            }
            if out.len() > MAX_FILES {
                return Err(format!("{}: more than {MAX_FILES} files", dir.display()));
            }
        }
    }
    Ok(out)
}

/// The cached `.crate` archive of `name` `version` whose SHA-256 is `locked`.
fn locked_archive(
    cache_dirs: &[PathBuf],
    name: &str,
    version: &str,
    locked: &str,
) -> Option<PathBuf> {
    cache_dirs
        .iter()
        .map(|d| d.join(format!("{name}-{version}.crate")))
        .find(|p| std::fs::read(p).is_ok_and(|b| to_hex(&sha256(&b)) == locked))
}

/// Every regular file of the `.crate` archive under `prefix` → its SHA-256.
fn hash_archive(archive: &Path, prefix: &str) -> Result<BTreeMap<String, String>, String> {
    let shown = |e: std::io::Error| format!("{}: {e}", archive.display());
    let file = std::fs::File::open(archive).map_err(shown)?;
    let gz = flate2::read::GzDecoder::new(file).take(MAX_UNPACKED);
    let mut tar = tar::Archive::new(gz);
    let mut out = BTreeMap::new();
    for entry in tar.entries().map_err(shown)? {
        let mut entry = entry.map_err(shown)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(shown)?.to_string_lossy().into_owned();
        let Some(rel) = path.strip_prefix(prefix) else {
            continue;
        };
        let rel = rel.to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(shown)?;
        out.insert(rel, to_hex(&sha256(&bytes)));
        if out.len() > MAX_FILES {
            return Err(format!(
                "{}: more than {MAX_FILES} files",
                archive.display()
            ));
        }
    }
    Ok(out)
}

/// The `files` of the checksum list; a list for another archive than the locked one is
/// itself a difference (an empty map, which switches cargo's check off, lists nothing).
fn checksum_list(dir: &Path, locked: &str) -> Result<BTreeMap<String, String>, String> {
    #[derive(serde::Deserialize)]
    struct List {
        files: BTreeMap<String, String>,
        package: Option<String>,
    }
    let path = dir.join(CHECKSUM_FILE);
    let bytes = cra_attest::input::read_limited(&path, 64 << 20, "checksum list")
        .map_err(|e| e.to_string())?;
    let list: List = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{}: {}",
            path.display(),
            cra_attest::input::printable(&e.to_string())
        )
    })?;
    if list.package.as_deref() != Some(locked) {
        let mut files = list.files;
        files.insert(
            format!("{CHECKSUM_FILE} (package checksum differs from Cargo.lock)"),
            String::new(),
        );
        return Ok(files);
    }
    Ok(list.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn differences_name_each_changed_added_and_removed_file() {
        let original = map(&[
            ("src/lib.rs", "a"),
            ("README.md", "b"),
            (".gitignore", "c"),
            ("x.rs", "d"),
        ]);
        let local = map(&[("src/lib.rs", "z"), ("README.md", "b"), ("build.rs", "e")]);
        assert_eq!(
            differences(&original, &local),
            ["build.rs added", "src/lib.rs changed", "x.rs removed"]
        );
        assert!(
            differences(
                &original,
                &map(&[("src/lib.rs", "a"), ("README.md", "b"), ("x.rs", "d")])
            )
            .is_empty()
        );
    }
}
