//! The packages and checksums recorded in `Cargo.lock`.
//!
//! Only what the SBOM needs is read: each `[[package]]`'s name, version, source and checksum.
//! Other keys are cargo's business and are ignored, so new lock-file versions keep working.

use crate::error::BuildError;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

#[derive(Deserialize)]
struct LockDoc {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    checksum: Option<String>,
}

/// What `Cargo.lock` records: every package's name, and the SHA-256 checksum (hex) of each
/// registry package's `.crate` archive by `(name, version, source)`.
#[derive(Debug, Default, Clone)]
pub struct LockFile {
    checksums: HashMap<(String, String, String), String>,
    names: BTreeSet<String>,
    /// `(name, version)` → the sources of the packages locked at that version (`None` for a
    /// path package).
    sources: HashMap<(String, String), Vec<Option<String>>>,
}

impl LockFile {
    /// Reads the lock file at `path`.
    pub fn read(path: &Path) -> Result<Self, BuildError> {
        let text = std::fs::read_to_string(path).map_err(|e| BuildError::io(path, e))?;
        Self::parse(&text)
            .map_err(|message| BuildError::Inconsistent(format!("{}: {message}", path.display())))
    }

    /// Parses lock-file text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: LockDoc = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let names = doc.package.iter().map(|p| p.name.clone()).collect();
        let mut sources: HashMap<(String, String), Vec<Option<String>>> = HashMap::new();
        for p in &doc.package {
            sources
                .entry((p.name.clone(), p.version.clone()))
                .or_default()
                .push(p.source.clone());
        }
        let checksums = doc
            .package
            .into_iter()
            .filter_map(|p| Some(((p.name, p.version, p.source?), p.checksum?)))
            .collect();
        Ok(LockFile {
            checksums,
            names,
            sources,
        })
    }

    /// Whether a package of this name is in the lock file.
    pub fn has_package(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The locked source of package `name` `version` whose cargo package id names the source
    /// `id_source` (`registry+URL`, `git+URL?query`, `path+file://…`): `None` for path
    /// packages. A git source comes back with its locked commit (`git+URL?query#commit`).
    pub fn source_of(&self, name: &str, version: &str, id_source: &str) -> Option<String> {
        if id_source.starts_with("path+") {
            return None;
        }
        let locked = self.sources.get(&(name.to_string(), version.to_string()));
        let without_fragment = |s: &str| s.split('#').next().unwrap_or(s).to_string();
        let wanted = without_fragment(id_source);
        let base = |s: &str| s.split(['?', '#']).next().unwrap_or(s).to_string();
        locked
            .into_iter()
            .flatten()
            .flatten()
            .find(|s| without_fragment(s) == wanted)
            .or_else(|| {
                locked
                    .into_iter()
                    .flatten()
                    .flatten()
                    .find(|s| base(s) == base(&wanted))
            })
            .cloned()
            .or(Some(wanted))
    }

    /// The checksum of a registry package, as cargo recorded it.
    pub fn checksum(&self, name: &str, version: &str, source: &str) -> Option<&str> {
        self.checksums
            .get(&(name.to_string(), version.to_string(), source.to_string()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registry_checksums_only() {
        let c = LockFile::parse(
            r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["itoa"]

[[package]]
name = "itoa"
version = "1.0.15"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
"#,
        )
        .unwrap();
        assert_eq!(
            c.checksum(
                "itoa",
                "1.0.15",
                "registry+https://github.com/rust-lang/crates.io-index"
            ),
            Some("4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c")
        );
        assert_eq!(c.checksums.len(), 1);
        assert!(c.has_package("app") && c.has_package("itoa") && !c.has_package("nope"));
    }
}
