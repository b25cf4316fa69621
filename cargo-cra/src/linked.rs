//! Which crates are linked into a binary: the transitive `--extern` closure of the binary's own
//! rustc invocation, read from the unit records the rustc wrapper wrote (see [`crate::units`]).
//!
//! Nothing of cargo's resolver or feature logic is re-derived: a crate is listed exactly when
//! the compiler was handed its library, directly or through another linked library. Procedural
//! macros (host libraries that run inside the compiler) are never listed, nor anything only
//! they reach. Features are the ones passed to each unit. Every unit must be accounted for: an
//! `--extern` without a record is an error, never a silently shorter list.

use crate::error::BuildError;
use crate::lockfile::LockFile;
use crate::repro::Remap;
use crate::units::{self, PackageFacts, RECORD_SUFFIX, RecordError, UnitRecord};
use crate::vendored::{self, Vendored};
use cargo_metadata::{Artifact, PackageId};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

/// A package as the SBOM names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateInfo {
    /// Locked source (`registry+URL`, `git+URL?…#commit`), `None` for a path package.
    pub source: Option<String>,
    /// What cargo told the compiler about it.
    pub facts: PackageFacts,
    /// For a registry package built from a vendored copy: how that copy compares with the
    /// locked archive.
    pub vendored: Option<Vendored>,
}

/// Packages are told apart by their manifest directory: one per package in a build.
pub type PackageKey = PathBuf;

/// The crates linked into one binary, with the edges between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedGraph {
    /// The binary's package.
    pub root: PackageKey,
    /// Every linked package (including the root) → its linked direct dependencies.
    pub edges: BTreeMap<PackageKey, BTreeSet<PackageKey>>,
    /// Every linked package → the features its units were compiled with, sorted.
    pub features: BTreeMap<PackageKey, Vec<String>>,
    /// Every linked package's facts.
    pub crates: BTreeMap<PackageKey, CrateInfo>,
}

impl LinkedGraph {
    /// The linked packages other than the root.
    pub fn dependencies(&self) -> impl Iterator<Item = &PackageKey> {
        self.edges.keys().filter(move |id| **id != self.root)
    }

    /// Replaces the recorded facts of the packages in `current` (the workspace's members, read
    /// this build) with those: a unit cargo did not recompile keeps the record of the build that
    /// compiled it, and cargo does not recompile for a changed licence, say.
    pub fn refresh_facts(&mut self, current: &HashMap<PathBuf, PackageFacts>) {
        for (key, info) in &mut self.crates {
            if let Some(facts) = current.get(key) {
                info.facts = facts.clone();
            }
        }
    }

    /// The facts of a linked package.
    pub fn crate_info(&self, key: &PackageKey) -> &CrateInfo {
        &self.crates[key]
    }
}

/// The build's packages, by manifest directory, as cargo's artifact messages name them; and
/// which package cargo compiled each unit for, by the unit record's path.
pub struct BuildPackages<'a> {
    ids: HashMap<PathBuf, &'a PackageId>,
    units: HashMap<PathBuf, &'a Artifact>,
    lock: &'a LockFile,
    cache_dirs: Vec<PathBuf>,
    vendored: RefCell<HashMap<PathBuf, Option<Vendored>>>,
}

impl<'a> BuildPackages<'a> {
    /// The packages of `artifacts` (every unit of the build, fresh or not), sources from `lock`.
    pub fn new(artifacts: &'a [Artifact], lock: &'a LockFile) -> Self {
        let ids = artifacts
            .iter()
            .filter_map(|a| {
                let dir = a.manifest_path.parent()?.as_std_path().to_path_buf();
                Some((dir, &a.package_id))
            })
            .collect();
        let units = artifacts
            .iter()
            .flat_map(|a| a.filenames.iter().map(move |f| (f, a)))
            .filter_map(|(f, a)| Some((units::record_path_for_library(f.as_std_path())?, a)))
            .collect();
        let cache_dirs = home::cargo_home()
            .map(|h| crate::crate_cache::cache_dirs(&h))
            .unwrap_or_default();
        BuildPackages {
            ids,
            units,
            lock,
            cache_dirs,
            vendored: RefCell::new(HashMap::new()),
        }
    }

    /// The locked source of the package in `manifest_dir`.
    fn source(&self, facts: &PackageFacts) -> Result<Option<String>, BuildError> {
        let id = self.ids.get(&facts.manifest_dir).ok_or_else(|| {
            BuildError::Inconsistent(format!(
                "{} {} ({}) was compiled into the binary but cargo reported no unit of it",
                facts.name,
                facts.version,
                facts.manifest_dir.display()
            ))
        })?;
        let id_source = package_id_source(&id.repr);
        Ok(self.lock.source_of(&facts.name, &facts.version, id_source))
    }

    /// How a registry package's vendored copy compares with the locked archive (`None` for
    /// packages cargo extracted itself, and path and git packages); each copy inspected once.
    pub fn vendored(
        &self,
        (name, version, dir): (&str, &str, &Path),
        source: Option<&str>,
    ) -> Result<Option<Vendored>, BuildError> {
        let Some(source) = source else {
            return Ok(None);
        };
        if let Some(v) = self.vendored.borrow().get(dir) {
            return Ok(v.clone());
        }
        // A registry package has its archive's checksum in the lock file; a git one none.
        let locked = self.lock.checksum(name, version, source);
        let known = locked.is_some() || source.starts_with("git+");
        let v = match known && vendored::is_vendored(dir) {
            true => Some(
                vendored::inspect(dir, name, version, locked, &self.cache_dirs).map_err(|e| {
                    BuildError::Untrustworthy(format!("vendored {name} {version}: {e}"))
                })?,
            ),
            false => None,
        };
        self.vendored
            .borrow_mut()
            .insert(dir.to_path_buf(), v.clone());
        Ok(v)
    }

    /// Fails unless the unit recorded at `record_path` says it is the package cargo compiled it
    /// for (`artifact`, else the one cargo's messages give for that unit): name, version and
    /// manifest directory. The record's come from the environment rustc ran with, which a
    /// build script can rewrite (`cargo:rustc-env=CARGO_PKG_NAME=…`); cargo's do not.
    fn check_identity(
        &self,
        record_path: &Path,
        facts: &PackageFacts,
        artifact: Option<&Artifact>,
    ) -> Result<(), BuildError> {
        let Some(a) = artifact.or_else(|| self.units.get(record_path).copied()) else {
            return Err(BuildError::Inconsistent(format!(
                "{} {}: cargo reported no unit with the outputs of {}",
                facts.name,
                facts.version,
                record_path.display()
            )));
        };
        let (name, version) = package_id_name_version(&a.package_id.repr).unwrap_or_default();
        let dir = a.manifest_path.parent().map(|d| d.as_std_path());
        if facts.name == name
            && facts.version == version
            && Some(facts.manifest_dir.as_path()) == dir
        {
            return Ok(());
        }
        Err(BuildError::Untrustworthy(format!(
            "{name} {version} ({}) told the compiler it is {} {} ({}): a build script rewrote \
             CARGO_PKG_NAME, CARGO_PKG_VERSION or CARGO_MANIFEST_DIR (cargo:rustc-env); \
             refusing to write an SBOM that names it falsely",
            a.manifest_path
                .parent()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            cra_model::input::printable(&facts.name),
            cra_model::input::printable(&facts.version),
            cra_model::input::printable(&facts.manifest_dir.display().to_string()),
        )))
    }
}

/// The source part of a cargo package id specification (`registry+URL#name@1.0` → `registry+URL`).
pub fn package_id_source(repr: &str) -> &str {
    repr.rsplit_once('#').map(|(s, _)| s).unwrap_or(repr)
}

/// The `(name, version)` of a package id specification (`…#name@1.0`, or `path+file:///x/name#1.0`).
pub fn package_id_name_version(repr: &str) -> Option<(String, String)> {
    let (source, rest) = repr.rsplit_once('#')?;
    if let Some((name, version)) = rest.split_once('@') {
        return Some((name.to_string(), version.to_string()));
    }
    let url = source.split('?').next().unwrap_or(source);
    let name = url.trim_end_matches('/').rsplit('/').next()?;
    Some((name.to_string(), rest.to_string()))
}

/// The unit record of the binary `executable` (cargo's uplifted copy, a hard link to
/// `deps/<crate><extra-filename>`): the record in `deps/` whose output is that same file.
pub fn binary_record(executable: &Path, bin_name: &str) -> Result<PathBuf, BuildError> {
    let deps = executable.parent().map(|p| p.join("deps")).ok_or_else(|| {
        BuildError::Inconsistent(format!("{}: no directory", executable.display()))
    })?;
    let crate_name = bin_name.replace('-', "_");
    let exe_meta = std::fs::metadata(executable).map_err(|e| BuildError::io(executable, e))?;
    let entries = std::fs::read_dir(&deps).map_err(|e| BuildError::io(&deps, e))?;
    let mut same_size = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(RECORD_SUFFIX)) else {
            continue;
        };
        let ours = stem == crate_name
            || stem
                .strip_prefix(&crate_name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|hash| hash.chars().all(|c| c.is_ascii_alphanumeric()));
        if !ours {
            continue;
        }
        let output = deps.join(stem);
        let Ok(meta) = std::fs::metadata(&output) else {
            continue;
        };
        if same_file(&meta, &exe_meta) {
            return Ok(entry.path());
        }
        if meta.len() == exe_meta.len() {
            same_size.push((entry.path(), output));
        }
    }
    // cargo copies instead of linking where hard links are not possible.
    let exe_bytes = std::fs::read(executable).map_err(|e| BuildError::io(executable, e))?;
    for (record, output) in same_size {
        if std::fs::read(&output).is_ok_and(|b| b == exe_bytes) {
            return Ok(record);
        }
    }
    Err(BuildError::UnrecordedUnit(format!(
        "binary {bin_name} ({}): no unit record in {}",
        executable.display(),
        deps.display()
    )))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Reads records once each, resolving their paths for this build.
pub struct Records {
    cache: HashMap<PathBuf, UnitRecord>,
    remaps: Vec<Remap>,
}

impl Records {
    /// A reader for a build with `remaps`.
    pub fn new(remaps: &[Remap]) -> Self {
        Records {
            cache: HashMap::new(),
            remaps: remaps.to_vec(),
        }
    }

    fn get(&mut self, path: &Path) -> Result<&UnitRecord, RecordError> {
        if !self.cache.contains_key(path) {
            let r = units::read_record(path, &self.remaps)?;
            self.cache.insert(path.to_path_buf(), r);
        }
        Ok(&self.cache[path])
    }
}

/// The crates linked into the binary `bin` (cargo's message) whose unit record is
/// `bin_record`; every unit's identity checked against cargo's.
pub fn linked(
    bin: &Artifact,
    bin_record: &Path,
    packages: &BuildPackages<'_>,
    records: &mut Records,
) -> Result<LinkedGraph, BuildError> {
    let unrecorded = |e: RecordError| BuildError::UnrecordedUnit(e.to_string());
    let root_record = records.get(bin_record).map_err(unrecorded)?.clone();
    packages.check_identity(bin_record, &root_record.package, Some(bin))?;
    let root = root_record.package.manifest_dir.clone();
    let mut edges: BTreeMap<PackageKey, BTreeSet<PackageKey>> = BTreeMap::new();
    let mut features: BTreeMap<PackageKey, BTreeSet<String>> = BTreeMap::new();
    let mut crates: BTreeMap<PackageKey, CrateInfo> = BTreeMap::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    let mut queue = VecDeque::from([bin_record.to_path_buf()]);
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let record = records.get(&path).map_err(unrecorded)?.clone();
        if let Some(lib) = record.foreign_crates.first() {
            return Err(BuildError::Untrustworthy(format!(
                "{} {} was compiled with {} on a crate search path (-L from rustflags or a build \
                 script): rustc may link it with `extern crate` and cargo never built it, so the \
                 SBOM cannot account for it; remove the -L or make it a dependency",
                cra_model::input::printable(&record.package.name),
                cra_model::input::printable(&record.package.version),
                cra_model::input::printable(&lib.display().to_string())
            )));
        }
        let key = record.package.manifest_dir.clone();
        if !crates.contains_key(&key) {
            let source = packages.source(&record.package)?;
            let p = &record.package;
            let package = (
                p.name.as_str(),
                p.version.as_str(),
                p.manifest_dir.as_path(),
            );
            let vendored = packages.vendored(package, source.as_deref())?;
            crates.insert(
                key.clone(),
                CrateInfo {
                    source,
                    facts: record.package.clone(),
                    vendored,
                },
            );
        }
        features
            .entry(key.clone())
            .or_default()
            .extend(record.features.iter().cloned());
        let deps = edges.entry(key.clone()).or_default();
        for ext in &record.externs {
            let Some(lib) = &ext.path else { continue };
            let dep_path = units::record_path_for_library(lib).ok_or_else(|| {
                BuildError::UnrecordedUnit(format!("--extern {}={}", ext.name, lib.display()))
            })?;
            let dep = records.get(&dep_path).map_err(|e| {
                BuildError::UnrecordedUnit(format!(
                    "--extern {}={} of {} {}: {e}",
                    ext.name,
                    lib.display(),
                    record.package.name,
                    record.package.version
                ))
            })?;
            if dep.is_proc_macro() {
                continue;
            }
            packages.check_identity(&dep_path, &dep.package, None)?;
            let dep_key = dep.package.manifest_dir.clone();
            // A binary's own package's library is the same component as the binary.
            if dep_key != key {
                deps.insert(dep_key);
            }
            queue.push_back(dep_path);
        }
    }
    Ok(LinkedGraph {
        root,
        edges,
        features: features
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect(),
        crates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_id_specs_are_split() {
        let reg = "registry+https://github.com/rust-lang/crates.io-index#utf-8@0.7.6";
        assert_eq!(
            package_id_source(reg),
            "registry+https://github.com/rust-lang/crates.io-index"
        );
        assert_eq!(
            package_id_name_version(reg),
            Some(("utf-8".into(), "0.7.6".into()))
        );
        assert_eq!(
            package_id_name_version("path+file:///work/hello-device#0.1.0"),
            Some(("hello-device".into(), "0.1.0".into()))
        );
        assert_eq!(
            package_id_name_version("path+file:///work/x#probe@0.2.0"),
            Some(("probe".into(), "0.2.0".into()))
        );
        assert_eq!(
            package_id_source("git+https://example.com/r.git?branch=main#lib@1.0.0"),
            "git+https://example.com/r.git?branch=main"
        );
    }
}
