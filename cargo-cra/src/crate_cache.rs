//! Finds the `.crate` archives of registry packages in the local cargo cache
//! (`$CARGO_HOME/registry/cache/<registry>/<name>-<version>.crate`) and hashes them.
//!
//! An archive counts only if its SHA-256 equals the checksum in `Cargo.lock`, so the SHA-512
//! written to the SBOM is always of the very archive the build used. A SHA-512 once computed is
//! kept in a small file of the build directory, by the archive's SHA-256: an archive with that
//! SHA-256 always has that SHA-512, so a no-op build does not read every archive again.

use cra_attest::digest::{Digests, to_hex};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One registry package to look up.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// Crate name.
    pub name: String,
    /// Version.
    pub version: String,
    /// SHA-256 from `Cargo.lock` (hex).
    pub checksum: String,
}

/// The cache directories of all registries under `cargo_home`.
pub fn cache_dirs(cargo_home: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry/cache"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// For each wanted package, the SHA-512 (hex) of its verified `.crate` archive, or `None`
/// when no archive with the locked checksum is cached: from `memo` (a JSON file of earlier
/// results, rewritten when new ones were found) where it has the checksum, else by hashing.
pub fn lookup_remembered(dirs: &[PathBuf], wanted: &[Wanted], memo: &Path) -> Vec<Option<String>> {
    let mut known: BTreeMap<String, String> = std::fs::read(memo)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let missing: Vec<Wanted> = wanted
        .iter()
        .filter(|w| !known.contains_key(&w.checksum))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let mut found = false;
        for (w, d) in missing.iter().zip(lookup(dirs, &missing)) {
            if let Some(d) = d {
                known.insert(w.checksum.clone(), d.sha512_hex());
                found = true;
            }
        }
        if found {
            // Best effort: without the file the next build hashes again.
            let _ = cra_attest::persist::write_atomic(
                memo,
                &serde_json::to_vec(&known).expect("serialisable"),
                0o644,
            );
        }
    }
    wanted
        .iter()
        .map(|w| known.get(&w.checksum).cloned())
        .collect()
}

/// For each wanted package, the digests of its verified `.crate` archive, or `None` when no
/// archive with the locked checksum is cached. Hashing is spread over the available cores.
pub fn lookup(dirs: &[PathBuf], wanted: &[Wanted]) -> Vec<Option<Digests>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let chunk = wanted.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = wanted
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|w| find(dirs, w)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("hashing thread panicked"))
            .collect()
    })
}

fn find(dirs: &[PathBuf], w: &Wanted) -> Option<Digests> {
    let file = format!("{}-{}.crate", w.name, w.version);
    dirs.iter()
        .map(|d| d.join(&file))
        .filter(|p| p.is_file())
        .filter_map(|p| Digests::of_file(&p).ok())
        .find(|d| to_hex(&d.sha256) == w.checksum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_archives_matching_the_lock_checksum_count() {
        let home = tempfile::tempdir().unwrap();
        let a = home.path().join("registry/cache/reg-a");
        let b = home.path().join("registry/cache/reg-b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        // reg-a holds a tampered archive of the same name; reg-b the real one.
        std::fs::write(a.join("foo-1.0.0.crate"), b"tampered").unwrap();
        std::fs::write(b.join("foo-1.0.0.crate"), b"real").unwrap();
        let real = Digests::of_bytes(b"real");
        let wanted = vec![
            Wanted {
                name: "foo".into(),
                version: "1.0.0".into(),
                checksum: real.sha256_hex(),
            },
            Wanted {
                name: "bar".into(),
                version: "2.0.0".into(),
                checksum: "00".repeat(32),
            },
        ];
        let dirs = cache_dirs(home.path());
        assert_eq!(dirs.len(), 2);
        let found = lookup(&dirs, &wanted);
        assert_eq!(found, vec![Some(real), None]);

        let memo = home.path().join("memo.json");
        let sha512 = Some(real.sha512_hex());
        assert_eq!(
            lookup_remembered(&dirs, &wanted, &memo),
            vec![sha512.clone(), None]
        );
        // Remembered by checksum: found even once the archive is gone.
        std::fs::remove_file(b.join("foo-1.0.0.crate")).unwrap();
        assert_eq!(lookup_remembered(&dirs, &wanted, &memo), vec![sha512, None]);
    }
}
