//! Yanked crates, as far as cargo's local crates.io index cache knows: no network, so the
//! answer is as fresh as the last `cargo` run that resolved the crate (what cargo-audit's
//! `--no-fetch` does too). Read with `tame-index`, the library cargo-audit and cargo-deny read
//! the same cache with.

use super::sbom::Crate;
use super::{Finding, Kind};
use std::collections::BTreeSet;
use tame_index::index::SparseIndex;
use tame_index::utils::flock::FileLock;

/// The id a yanked finding carries: it is no advisory, so it has no RustSec id.
pub(crate) const YANKED_ID: &str = "yanked";

/// What the local index says about some crates.
pub(super) struct Yanked {
    /// The crates whose version is yanked.
    pub crates: BTreeSet<Crate>,
    /// Why some (or all) could not be checked, one line.
    pub warning: Option<String>,
}

/// Looks up every crate of `crates` (crates.io crates only) in cargo's local index cache.
pub(super) fn check(crates: &BTreeSet<Crate>) -> Yanked {
    if crates.is_empty() {
        return Yanked {
            crates: BTreeSet::new(),
            warning: None,
        };
    }
    let index = match open_index() {
        Ok(i) => i,
        Err(e) => {
            return Yanked {
                crates: BTreeSet::new(),
                warning: Some(format!(
                    "yanked crates not checked: cargo's crates.io index cache is unusable ({e})"
                )),
            };
        }
    };
    // The cache is only read; cargo writes it under its own lock, and `tame-index` does not use
    // ours for reads, so cargo's package lock is not taken (a running cargo is not blocked).
    let lock = FileLock::unlocked();
    let mut yanked = BTreeSet::new();
    let mut unknown = Vec::new();
    for c in crates {
        match is_yanked(&index, &lock, c) {
            Some(true) => {
                yanked.insert(c.clone());
            }
            Some(false) => {}
            None => unknown.push(format!("{}@{}", c.name, c.version)),
        }
    }
    Yanked {
        crates: yanked,
        warning: (!unknown.is_empty()).then(|| {
            format!(
                "yanked status unknown for {} crate(s) cargo's local index cache does not hold: {}",
                unknown.len(),
                unknown.join(", ")
            )
        }),
    }
}

fn open_index() -> Result<SparseIndex, tame_index::Error> {
    let url = tame_index::IndexUrl::crates_io(None, None, None)?;
    SparseIndex::new(tame_index::IndexLocation::new(url))
}

/// `Some(yanked)` when the cache lists the version, `None` when it does not know.
fn is_yanked(index: &SparseIndex, lock: &FileLock, c: &Crate) -> Option<bool> {
    let name = tame_index::KrateName::try_from(c.name.as_str()).ok()?;
    let krate = index.cached_krate(name, lock).ok()??;
    krate
        .versions
        .iter()
        .find(|v| v.version == c.version)
        .map(|v| v.is_yanked())
}

/// The finding for a yanked crate.
pub(super) fn finding(c: &Crate) -> Finding {
    let title = "this version is yanked from crates.io".to_string();
    Finding::new(YANKED_ID.into(), &c.name, &c.version, Kind::Yanked, title)
}
