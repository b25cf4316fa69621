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
/// The most files a vendored crate may have, and bytes an archive may unpack to.
const MAX_FILES: usize = 100_000;
const MAX_UNPACKED: u64 = 1 << 30;
/// The largest file a vendored crate may hold.
const MAX_FILE: u64 = 256 << 20;

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
/// `Cargo.lock` records (`locked`; `None` for a git checkout, which has no archive), found in
/// `cache_dirs`.
pub fn inspect(
    dir: &Path,
    name: &str,
    version: &str,
    locked: Option<&str>,
    cache_dirs: &[PathBuf],
) -> Result<Vendored, String> {
    let local = hash_tree(dir)?;
    let archive = locked.and_then(|l| locked_archive(cache_dirs, name, version, l));
    if let Some(archive) = archive {
        let original = hash_archive(&archive, &format!("{name}-{version}/"))?;
        return Ok(verdict(differences(&original, &local)));
    }
    let (listed, package) = checksum_list(dir)?;
    if package.as_deref() != locked {
        return Ok(Vendored::Modified(vec![format!(
            "{CHECKSUM_FILE} names another archive than Cargo.lock"
        )]));
    }
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

/// How `local` differs from `original` (path → SHA-256), sorted: changed and added files.
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
    // Files of the archive missing from the copy are not counted: `cargo vendor` leaves out
    // some (`.gitignore`; before cargo 1.89 also `*.orig`, `*.rej` and what `include` and
    // `exclude` name), and a missing file adds no code.
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
                let bytes =
                    cra_model::input::read_limited(&entry.path(), MAX_FILE, "vendored file")
                        .map_err(|e| e.to_string())?;
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

/// The `files` of the checksum list (an empty map, which switches cargo's own check off,
/// lists nothing) and the archive checksum it names (none for a git checkout).
type ChecksumList = (BTreeMap<String, String>, Option<String>);

fn checksum_list(dir: &Path) -> Result<ChecksumList, String> {
    #[derive(serde::Deserialize)]
    struct List {
        files: BTreeMap<String, String>,
        package: Option<String>,
    }
    let path = dir.join(CHECKSUM_FILE);
    let bytes = cra_model::input::read_limited(&path, 64 << 20, "checksum list")
        .map_err(|e| e.to_string())?;
    let list: List = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{}: {}",
            path.display(),
            cra_model::input::printable(&e.to_string())
        )
    })?;
    Ok((list.files, list.package))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.crate` archive of `files` under `name-version/`, in `cache`; its SHA-256.
    fn archive(cache: &Path, files: &[(&str, &str)]) -> String {
        let path = cache.join("demo-1.0.0.crate");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        let mut tar = tar::Builder::new(gz);
        for (name, text) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(text.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, format!("demo-1.0.0/{name}"), text.as_bytes())
                .unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        to_hex(&sha256(&std::fs::read(&path).unwrap()))
    }

    /// A vendored copy of `files` in `dir` with a checksum list of `listed` and `package`.
    fn copy(dir: &Path, files: &[(&str, &str)], listed: &[(&str, &str)], package: Option<&str>) {
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let sums: BTreeMap<&str, String> = listed
            .iter()
            .map(|(n, t)| (*n, to_hex(&sha256(t.as_bytes()))))
            .collect();
        let list = serde_json::json!({ "files": sums, "package": package });
        std::fs::write(dir.join(CHECKSUM_FILE), list.to_string()).unwrap();
    }

    #[test]
    fn a_vendored_copy_is_compared_with_the_locked_archive_else_with_its_own_list() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        let original = [
            ("src/lib.rs", "pub fn f() {}\n"),
            (".gitignore", "target\n"),
            ("Cargo.toml", "[package]\n"),
        ];
        let locked = archive(&cache, &original);
        let vendored = [
            ("src/lib.rs", "pub fn f() {}\n"),
            ("Cargo.toml", "[package]\n"),
        ];
        let caches = [cache.clone()];
        let inspect_in = |name: &str,
                          files: &[(&str, &str)],
                          listed: &[(&str, &str)],
                          package: Option<&str>,
                          locked: Option<&str>,
                          caches: &[PathBuf]| {
            let dir = tmp.path().join(name);
            copy(&dir, files, listed, package);
            inspect(&dir, "demo", "1.0.0", locked, caches).unwrap()
        };
        // Identical to the archive (cargo vendor leaves .gitignore out).
        assert_eq!(
            inspect_in("a", &vendored, &[], Some(&locked), Some(&locked), &caches),
            Vendored::Pristine
        );
        // Patched, with an empty list cargo would accept.
        let patched = [
            ("src/lib.rs", "pub fn f() { payload() }\n"),
            ("Cargo.toml", "[package]\n"),
            ("build.rs", "fn main() {}\n"),
        ];
        assert_eq!(
            inspect_in("b", &patched, &[], Some(&locked), Some(&locked), &caches),
            Vendored::Modified(vec!["build.rs added".into(), "src/lib.rs changed".into()])
        );
        // No archive: only the list, which proves nothing when it matches...
        assert_eq!(
            inspect_in("c", &vendored, &vendored, Some(&locked), Some(&locked), &[]),
            Vendored::Unverified
        );
        // ...and fails when it is empty, for another archive, or does not match.
        assert!(matches!(
            inspect_in("d", &vendored, &[], Some(&locked), Some(&locked), &[]),
            Vendored::Modified(_)
        ));
        assert!(matches!(
            inspect_in("e", &vendored, &vendored, Some("00"), Some(&locked), &[]),
            Vendored::Modified(_)
        ));
        assert!(matches!(
            inspect_in("f", &patched, &vendored, Some(&locked), Some(&locked), &[]),
            Vendored::Modified(_)
        ));
        // A git checkout has no archive: its list has no package checksum.
        assert_eq!(
            inspect_in("g", &vendored, &vendored, None, None, &caches),
            Vendored::Unverified
        );
        assert!(matches!(
            inspect_in("h", &patched, &vendored, None, None, &caches),
            Vendored::Modified(_)
        ));
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn differences_name_each_changed_and_added_file() {
        let original = map(&[
            ("src/lib.rs", "a"),
            ("README.md", "b"),
            (".gitignore", "c"),
            ("x.rs", "d"),
        ]);
        let local = map(&[("src/lib.rs", "z"), ("README.md", "b"), ("build.rs", "e")]);
        assert_eq!(
            differences(&original, &local),
            ["build.rs added", "src/lib.rs changed"]
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
