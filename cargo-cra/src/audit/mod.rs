//! `cargo cra audit`: known vulnerabilities in exactly what ships.
//!
//! The subjects are SBOMs cargo-cra wrote (a binary's `<bin>.cdx.json`, an image's SBOM with
//! every app's crates) or any CycloneDX SBOM with `pkg:cargo` purls; an artefact stands for
//! the SBOM beside it. Every `pkg:cargo` component is matched against the RustSec advisory
//! database ([`database`], read with the `rustsec` crate, as cargo-audit does): version ranges
//! (`patched`, `unaffected`), withdrawn advisories skipped, and `affected.os`/`arch` evaluated
//! against the target the SBOM records (an advisory for Windows does not apply to a Linux
//! device). The gate fails on every vulnerability found, and on the informational kinds the
//! caller denies.

mod database;
mod sbom;

pub use database::Identity;

use serde::Serialize;
use std::path::PathBuf;

/// What to audit.
#[derive(Debug, Clone, Default)]
pub struct AuditRequest {
    /// SBOMs, artefacts with their SBOM beside them, or image directories.
    pub paths: Vec<PathBuf>,
    /// The advisory database directory (default `$CARGO_HOME/advisory-db`, as cargo-audit's).
    pub db: Option<PathBuf>,
    /// Informational kinds that fail the gate too.
    pub deny: Vec<Kind>,
}

/// What an advisory is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A vulnerability: always fails the gate.
    Vulnerability,
    /// The crate is unmaintained.
    Unmaintained,
    /// The crate is unsound.
    Unsound,
    /// A notice.
    Notice,
}

impl Kind {
    /// The kind as written (`vulnerability`, `unmaintained`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerability",
            Kind::Unmaintained => "unmaintained",
            Kind::Unsound => "unsound",
            Kind::Notice => "notice",
        }
    }
}

/// One audited SBOM.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    /// The SBOM read.
    pub sbom: PathBuf,
    /// What it describes (its `metadata.component` name).
    pub name: String,
    /// The Rust targets it records (empty: unknown, so no advisory is ruled out by platform).
    pub targets: Vec<String>,
    /// How many `pkg:cargo` components it lists.
    pub crates: usize,
}

/// An advisory that applies to a shipped crate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// The advisory id (`RUSTSEC-…`).
    pub id: String,
    /// CVE, GHSA and other ids of the same advisory.
    pub aliases: Vec<String>,
    /// The crate.
    pub package: String,
    /// Its version in the SBOM.
    pub version: String,
    /// What the advisory is about.
    pub kind: Kind,
    /// The advisory's title.
    pub title: String,
    /// Versions that fix it (empty: none).
    pub patched: Vec<String>,
    /// Affected functions, when the advisory names them.
    pub functions: Vec<String>,
    /// Which SBOMs list the crate.
    pub subjects: Vec<String>,
}

/// The audit's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Which database was read.
    pub database: Identity,
    /// The SBOMs audited.
    pub subjects: Vec<Subject>,
    /// Every advisory that applies, sorted by id and crate.
    pub findings: Vec<Finding>,
    /// Warnings (such as an old database), one line each.
    pub warnings: Vec<String>,
}

impl Report {
    /// The findings that fail the gate: every vulnerability, and the denied kinds.
    pub fn failing<'a>(&'a self, deny: &'a [Kind]) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |f| f.kind == Kind::Vulnerability || deny.contains(&f.kind))
    }
}

/// Why an audit could not be done (distinct from findings: exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The advisory database is missing or unreadable.
    #[error("advisory database {path}: {message}")]
    Database {
        /// Where it was looked for.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An SBOM (or what should have one beside it) is unusable.
    #[error("{path}: {message}")]
    Sbom {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Nothing to audit.
    #[error(
        "nothing to audit: give an SBOM, an artefact with its .cdx.json beside it, or an image directory"
    )]
    NoSubject,
}

impl AuditError {
    /// The process exit code: 2, apart from 1 (findings that fail the gate).
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// Audits the SBOMs `request` names against the advisory database.
pub fn audit(request: &AuditRequest) -> Result<Report, AuditError> {
    if request.paths.is_empty() {
        return Err(AuditError::NoSubject);
    }
    let db_path = match &request.db {
        Some(p) => p.clone(),
        None => database::default_location()?,
    };
    let db = database::Database::open(&db_path)?;
    let mut subjects = Vec::new();
    let mut findings: std::collections::BTreeMap<(String, String, String), Finding> =
        Default::default();
    for path in &request.paths {
        let sbom = sbom::read(path)?;
        for c in &sbom.crates {
            for advisory in db.matching(c, &sbom.targets) {
                let key = (advisory.id.clone(), c.name.clone(), c.version.clone());
                findings
                    .entry(key)
                    .or_insert(advisory)
                    .subjects
                    .push(sbom.name.clone());
            }
        }
        subjects.push(Subject {
            sbom: sbom.path.clone(),
            name: sbom.name.clone(),
            targets: sbom.targets.clone(),
            crates: sbom.crates.len(),
        });
    }
    let mut findings: Vec<Finding> = findings.into_values().collect();
    for f in &mut findings {
        f.subjects.sort();
        f.subjects.dedup();
    }
    Ok(Report {
        warnings: db.warnings(),
        database: db.identity,
        subjects,
        findings,
    })
}
