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
mod csaf;
mod database;
mod kev;
mod sbom;
pub mod vex;

/// The author of documents about a product whose SBOM names no manufacturer: says so, and where
/// to set one.
pub(crate) const NO_MANUFACTURER: &str = "no manufacturer configured (set manufacturer in [package.metadata.cra] or the recipe's [product])";
mod yanked;

pub use database::Identity;
pub use kev::CatalogIdentity;

use cra_model::input::InputFile;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The audit gate `cargo cra compose --audit` runs on the apps it built, before anything of
/// the image is written.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    /// As [`AuditRequest::db`].
    pub db: Option<PathBuf>,
    /// As [`AuditRequest::no_fetch`].
    pub no_fetch: bool,
    /// As [`AuditRequest::vex`].
    pub vex: Vec<InputFile>,
    /// As [`AuditRequest::deny`].
    pub deny: Vec<Kind>,
}

impl Gate {
    /// Audits the SBOMs `sboms`; an error names the first failing finding and how many fail.
    pub fn check(&self, sboms: Vec<PathBuf>) -> Result<Report, GateError> {
        let request = AuditRequest {
            paths: sboms,
            ..self.request()
        };
        let report = audit(&request)?;
        self.verdict(report)
    }

    /// Audits what a build links, before any SBOM is written.
    pub fn check_linked(&self, binaries: Vec<LinkedBinary>) -> Result<Report, GateError> {
        let request = self.request();
        let sboms = binaries
            .into_iter()
            .map(|b| sbom::Sbom::of_build(&b.name, &b.target, b.crates))
            .collect();
        let report = audit_sboms(&request, sboms, None)?;
        self.verdict(report)
    }

    /// The audit this gate runs, without subjects.
    fn request(&self) -> AuditRequest {
        AuditRequest {
            db: self.db.clone(),
            no_fetch: self.no_fetch,
            vex: self.vex.clone(),
            deny: self.deny.clone(),
            ..Default::default()
        }
    }

    fn verdict(&self, report: Report) -> Result<Report, GateError> {
        report.verdict(&self.deny)?;
        Ok(report)
    }
}

/// A binary a build made, as the gate sees it.
#[derive(Debug, Clone)]
pub struct LinkedBinary {
    /// The binary's name.
    pub name: String,
    /// The Rust target it was built for.
    pub target: String,
    /// The crates linked into it.
    pub crates: Vec<LinkedCrate>,
}

/// A crate linked into a binary.
#[derive(Debug, Clone)]
pub struct LinkedCrate {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Whether it came from crates.io (so whether cargo's index says if it is yanked).
    pub crates_io: bool,
}

/// Why the gate stopped.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The audit could not be done.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// Findings fail it.
    #[error(transparent)]
    Failed(#[from] GateFailed),
}

impl GateError {
    /// The process exit code, as `cargo cra audit`'s: 1 for findings, 2 (or the build's) when
    /// the audit could not be done.
    pub fn exit_code(&self) -> i32 {
        match self {
            GateError::Audit(e) => e.exit_code(),
            GateError::Failed(_) => 1,
        }
    }
}

/// Findings that fail the audit gate.
#[derive(Debug, Clone, thiserror::Error)]
pub struct GateFailed(pub Vec<Failing>);

impl std::fmt::Display for GateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} finding(s) fail the audit gate: ", self.0.len())?;
        for (i, failing) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            write!(f, "{sep}{failing}")?;
        }
        Ok(())
    }
}

/// One finding that fails the gate.
#[derive(Debug, Clone)]
pub struct Failing {
    /// The advisory id.
    pub id: String,
    /// What it is about.
    pub kind: Kind,
    /// The crate.
    pub package: String,
    /// Its version.
    pub version: String,
}

impl std::fmt::Display for Failing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Failing {
            id,
            kind,
            package,
            version,
        } = self;
        write!(f, "{id} ({}) in {package} {version}", kind.as_str())
    }
}

/// What to audit.
#[derive(Debug, Clone, Default)]
pub struct AuditRequest {
    /// SBOMs, artefacts with their SBOM beside them, or image directories.
    pub paths: Vec<PathBuf>,
    /// The Cargo project the SBOMs were built from, when the audit built it: the crates of its
    /// `Cargo.lock` that no binary links are listed as not shipped.
    pub project: Option<Project>,
    /// The advisory database directory (default `$CARGO_HOME/advisory-db`, as cargo-audit's,
    /// cloned or updated with git unless `no_fetch`).
    pub db: Option<PathBuf>,
    /// Never fetch the default database.
    pub no_fetch: bool,
    /// Informational kinds that fail the gate too.
    pub deny: Vec<Kind>,
    /// The manufacturer's decisions (OpenVEX v0.2.0 documents).
    pub vex: Vec<InputFile>,
    /// CISA's Known Exploited Vulnerabilities catalog (JSON feed).
    pub kev: Option<PathBuf>,
}

/// The Cargo project an audit's SBOMs were built from, as its build left it.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Its `Cargo.lock`.
    pub lock_file: PathBuf,
    /// The crates compiled in the build: `(name, version, for_target)`; `for_target` false
    /// for the build machine (build scripts, proc-macros and their dependencies).
    pub compiled: Vec<(String, String, bool)>,
    /// The crates only dev-dependencies reach (tests, examples, benchmarks), by name and
    /// version; empty when cargo could not say.
    pub dev_only: Vec<(String, String)>,
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
    /// The crate's version is yanked from crates.io (as cargo's local index knows).
    Yanked,
}

impl Kind {
    /// The kind as written (`vulnerability`, `unmaintained`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerability",
            Kind::Unmaintained => "unmaintained",
            Kind::Unsound => "unsound",
            Kind::Notice => "notice",
            Kind::Yanked => "yanked",
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
    /// The product's purl (its `metadata.component` purl), as VEX statements name it.
    pub purl: String,
    /// The manufacturer the SBOM names, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
}

/// An advisory that applies to a shipped crate.
#[derive(Debug, Clone, Serialize)]
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
    /// The products (purls) shipping it.
    #[serde(skip)]
    pub subject_purls: Vec<String>,
    /// The VEX status the manufacturer gave, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<vex::Status>,
    /// The VEX justification, for `not_affected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<vex::Justification>,
    /// The VEX statement that decided it.
    #[serde(skip)]
    pub decision: Option<vex::Statement>,
    /// When CISA's KEV catalog added it: actively exploited, reportable under CRA Article 14.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exploited_since: Option<String>,
    /// Whether a binary links the crate (a `Cargo.lock` crate no binary links is not shipped).
    pub shipped: bool,
    /// Why it is not shipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Finding {
    /// An advisory `id` of `kind` about the crate `package` at `version`, shipped, with no
    /// subject, decision or KEV entry yet.
    pub(crate) fn new(id: String, package: &str, version: &str, kind: Kind, title: String) -> Self {
        Finding {
            id,
            aliases: Vec::new(),
            package: package.to_string(),
            version: version.to_string(),
            kind,
            title,
            patched: Vec::new(),
            functions: Vec::new(),
            subjects: Vec::new(),
            subject_purls: Vec::new(),
            status: None,
            justification: None,
            decision: None,
            exploited_since: None,
            shipped: true,
            reason: None,
        }
    }

    /// The crate's purl, `pkg:cargo/<name>@<version>`.
    pub fn purl(&self) -> String {
        format!("pkg:cargo/{}@{}", self.package, self.version)
    }

    /// Whether it is a RustSec advisory (a yanked version is not one: it has no id for a VEX
    /// statement or a CSAF vulnerability).
    pub fn is_advisory(&self) -> bool {
        self.kind != Kind::Yanked
    }

    /// Whether it is settled: not shipped, or a VEX decision `not_affected` or `fixed`.
    pub fn settled(&self) -> bool {
        !self.shipped
            || matches!(
                self.status,
                Some(vex::Status::NotAffected | vex::Status::Fixed)
            )
    }
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
    /// The KEV catalog read, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kev: Option<CatalogIdentity>,
    /// Warnings (such as an old database), one line each.
    pub warnings: Vec<String>,
}

impl Report {
    /// The findings that fail the gate: every vulnerability, and the denied kinds, unless a
    /// VEX decision settles them.
    pub fn failing<'a>(&'a self, deny: &'a [Kind]) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| {
            (f.kind == Kind::Vulnerability || deny.contains(&f.kind)) && !f.settled()
        })
    }

    /// The gate's verdict: every finding that fails it ([`Report::failing`]), or none.
    pub fn verdict(&self, deny: &[Kind]) -> Result<(), GateFailed> {
        let failing: Vec<Failing> = self
            .failing(deny)
            .map(|f| Failing {
                id: f.id.clone(),
                kind: f.kind,
                package: f.package.clone(),
                version: f.version.clone(),
            })
            .collect();
        match failing.is_empty() {
            true => Ok(()),
            false => Err(GateFailed(failing)),
        }
    }

    /// The product's status for every finding as an OpenVEX document, dated `timestamp`
    /// (RFC 3339).
    pub fn openvex(&self, timestamp: &str) -> vex::Document {
        let author = self
            .subjects
            .iter()
            .find_map(|s| s.manufacturer.clone())
            .unwrap_or_else(|| NO_MANUFACTURER.into());
        vex::document(&self.findings, &author, timestamp)
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
    /// A VEX document is unusable.
    #[error("{path}: {message}")]
    Vex {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The KEV catalog is unusable.
    #[error("{path}: {message}")]
    Kev {
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

/// Audits the SBOMs `request` names against the advisory database (and, with a project, the
/// rest of its `Cargo.lock`).
pub fn audit(request: &AuditRequest) -> Result<Report, AuditError> {
    if request.paths.is_empty() {
        return Err(AuditError::NoSubject);
    }
    let sboms = request
        .paths
        .iter()
        .map(|p| sbom::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let lock = request.project.as_ref().map(|p| {
        let crate_of = |(name, version): &(String, String)| sbom::Crate {
            name: name.clone(),
            version: version.clone(),
        };
        let mut compiled = Compiled::new();
        for (name, version, for_target) in &p.compiled {
            let built = compiled
                .entry(crate_of(&(name.clone(), version.clone())))
                .or_default();
            match for_target {
                true => built.target = true,
                false => built.host = true,
            }
        }
        let dev_only = p.dev_only.iter().map(crate_of).collect();
        (p.lock_file.clone(), compiled, dev_only)
    });
    audit_sboms(request, sboms, lock)
}

/// Audits SBOMs already read (and, in a project, its `Cargo.lock`).
fn audit_sboms(
    request: &AuditRequest,
    sboms: Vec<sbom::Sbom>,
    lock: Option<(PathBuf, Compiled, BTreeSet<sbom::Crate>)>,
) -> Result<Report, AuditError> {
    let mut warnings = Vec::new();
    let db = open_database(request, &mut warnings)?;
    let decisions = vex::Decisions::read(&request.vex)?;
    let kev = request.kev.as_deref().map(kev::Catalog::read).transpose()?;
    let lock = lock
        .map(|(path, compiled, dev_only)| {
            Ok::<_, AuditError>((locked_crates(&path)?, compiled, dev_only))
        })
        .transpose()?;
    let registry: BTreeSet<sbom::Crate> = sboms
        .iter()
        .flat_map(|s| s.crates_io.iter().cloned())
        .chain(
            lock.iter()
                .flat_map(|(l, _, _)| l.crates_io.iter().cloned()),
        )
        .collect();
    let yanked = yanked::check(&registry);
    warnings.extend(db.warnings());
    warnings.extend(yanked.warning.clone());
    let mut subjects = Vec::new();
    let mut findings: BTreeMap<(String, String, String), Finding> = Default::default();
    let mut linked = BTreeSet::new();
    let mut targets = BTreeSet::new();
    let mut unmatched = BTreeSet::new();
    for sbom in sboms {
        unmatched.extend(
            sbom.crates
                .iter()
                .filter(|c| {
                    rustsec::Version::parse(&c.version).is_err()
                        || c.name.parse::<rustsec::package::Name>().is_err()
                })
                .map(|c| format!("{}@{}", c.name, c.version)),
        );
        linked.extend(sbom.crates.iter().cloned());
        targets.extend(sbom.targets.iter().cloned());
        let advisories = sbom
            .crates
            .iter()
            .flat_map(|c| db.matching(c, &sbom.targets));
        let yanked = sbom
            .crates_io
            .iter()
            .filter(|c| yanked.crates.contains(c))
            .map(yanked::finding);
        for found in advisories.chain(yanked) {
            let key = (
                found.id.clone(),
                found.package.clone(),
                found.version.clone(),
            );
            let f = findings.entry(key).or_insert(found);
            f.subjects.push(sbom.name.clone());
            f.subject_purls.push(sbom.purl.clone());
        }
        subjects.push(Subject {
            sbom: sbom.path.clone(),
            name: sbom.name.clone(),
            targets: sbom.targets.clone(),
            crates: sbom.crates.len(),
            purl: sbom.purl.clone(),
            manufacturer: sbom.manufacturer.clone(),
        });
    }
    let mut findings: Vec<Finding> = findings.into_values().collect();
    if let Some((lock, compiled, dev_only)) = &lock {
        let products: Vec<String> = subjects.iter().map(|s: &Subject| s.purl.clone()).collect();
        let shipped = Shipped {
            linked: &linked,
            targets: &targets,
            compiled,
            yanked: &yanked.crates,
            dev_only,
        };
        for mut f in not_shipped(&db, lock, &shipped) {
            // Not in the product: what nobody should have to write a VEX statement for.
            f.subject_purls = products.clone();
            f.status = Some(vex::Status::NotAffected);
            f.justification = Some(vex::Justification::ComponentNotPresent);
            findings.push(f);
        }
    }
    settle(&mut findings, &decisions, kev.as_ref());
    warnings.extend((!unmatched.is_empty()).then(|| {
        format!(
            "{} pkg:cargo component(s) without a valid name and semver version could not be audited: {}",
            unmatched.len(),
            unmatched.into_iter().collect::<Vec<_>>().join(", ")
        )
    }));
    Ok(Report {
        kev: kev.map(|k| k.identity),
        warnings,
        database: db.identity,
        subjects,
        findings,
    })
}

/// The advisory database the request names (fetched first when it is the default one and
/// fetching is allowed; the fetch's warnings go to `warnings`).
fn open_database(
    request: &AuditRequest,
    warnings: &mut Vec<String>,
) -> Result<database::Database, AuditError> {
    let path = match &request.db {
        Some(p) => p.clone(),
        None => {
            let p = database::default_location()?;
            if !request.no_fetch {
                warnings.extend(database::fetch(&p)?);
            }
            p
        }
    };
    database::Database::open(&path)
}

/// Sorts the findings into one order, and applies the KEV catalog and the VEX decisions.
fn settle(findings: &mut [Finding], decisions: &vex::Decisions, kev: Option<&kev::Catalog>) {
    // One order whatever the database's file order: the documents' ids are digests of them.
    findings.sort_by(|a, b| {
        (&a.id, &a.package, &a.version, !a.shipped)
            .cmp(&(&b.id, &b.package, &b.version, !b.shipped))
    });
    for f in findings {
        f.subjects.sort();
        f.subjects.dedup();
        f.subject_purls.sort();
        f.subject_purls.dedup();
        if let Some(k) = kev {
            f.exploited_since = k.added(&f.aliases);
        }
        if let Some(s) = decisions.about(f, &f.subject_purls) {
            f.status = Some(s.status);
            // A justification only means something for not_affected.
            f.justification = s
                .justification
                .filter(|_| s.status == vex::Status::NotAffected);
            f.decision = Some(s.clone());
        }
    }
}

/// The documents' date: `SOURCE_DATE_EPOCH` when set (reproducible documents), else now.
fn document_time() -> String {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map(cra_attest::evidence::slsa::rfc3339)
        .unwrap_or_else(cra_attest::evidence::slsa::now_rfc3339)
}

/// Writes the report as `cargo cra audit --json` prints it to `out` (temporary file, then
/// rename): the record of an audit gate that passed.
pub fn write_report(report: &Report, out: &std::path::Path) -> Result<(), AuditError> {
    write_json(out, report)
}

/// Whether the report has a vulnerability to state: OpenVEX and CSAF VEX documents must state
/// at least one (their schemas reject an empty list), so a clean audit writes neither — its
/// result is the audit report (`--json`), which `cargo cra docs` takes as the assessment.
pub fn has_statements(report: &Report) -> bool {
    report.findings.iter().any(Finding::is_advisory)
}

/// Writes the report's CSAF 2.0 VEX document to `out` (temporary file, then rename); `false`,
/// writing nothing, when it would state no vulnerability ([`has_statements`]).
pub fn write_csaf(report: &Report, out: &std::path::Path) -> Result<bool, AuditError> {
    if !has_statements(report) {
        return Ok(false);
    }
    write_json(out, &csaf::document(report, &document_time()))?;
    Ok(true)
}

/// Writes the report's OpenVEX document to `out` (temporary file, then rename); `false`,
/// writing nothing, when it would state no vulnerability ([`has_statements`]).
pub fn write_openvex(report: &Report, out: &std::path::Path) -> Result<bool, AuditError> {
    if !has_statements(report) {
        return Ok(false);
    }
    write_json(out, &report.openvex(&document_time()))?;
    Ok(true)
}

fn write_json(out: &std::path::Path, value: &impl Serialize) -> Result<(), AuditError> {
    let mut json = serde_json::to_vec_pretty(value).expect("serialisable");
    json.push(b'\n');
    cra_attest::persist::write_atomic(out, &json, 0o644).map_err(|e| AuditError::Sbom {
        path: out.to_path_buf(),
        message: e.to_string(),
    })
}

/// The crates of a `Cargo.lock` (a name@version from two sources is one crate here).
struct Locked {
    crates: BTreeSet<sbom::Crate>,
    /// Those from crates.io.
    crates_io: BTreeSet<sbom::Crate>,
}

fn locked_crates(lock: &std::path::Path) -> Result<Locked, AuditError> {
    let lockfile = rustsec::Lockfile::load(lock).map_err(|e| AuditError::Sbom {
        path: lock.to_path_buf(),
        message: cra_model::input::printable(&e.to_string()),
    })?;
    let crate_of = |p: &rustsec::package::Package| sbom::Crate {
        name: p.name.to_string(),
        version: p.version.to_string(),
    };
    Ok(Locked {
        crates: lockfile.packages.iter().map(crate_of).collect(),
        crates_io: lockfile
            .packages
            .iter()
            .filter(|p| p.source.as_ref().is_some_and(|s| s.is_default_registry()))
            .map(crate_of)
            .collect(),
    })
}

/// What the binaries ship, for telling the rest of a `Cargo.lock` apart.
struct Shipped<'a> {
    linked: &'a BTreeSet<sbom::Crate>,
    targets: &'a BTreeSet<String>,
    compiled: &'a Compiled,
    /// The yanked crates.io crates.
    yanked: &'a BTreeSet<sbom::Crate>,
    /// Crates the workspace reaches only through dev-dependencies.
    dev_only: &'a BTreeSet<sbom::Crate>,
}

/// Advisories (and yanked versions) of `Cargo.lock` crates no binary links: listed, never
/// failing the gate.
fn not_shipped(db: &database::Database, lock: &Locked, shipped: &Shipped) -> Vec<Finding> {
    let targets = shipped
        .targets
        .iter()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = Vec::new();
    for c in lock.crates.difference(shipped.linked) {
        let reason = match shipped.compiled.get(c) {
            Some(Built { target: true, .. }) => format!(
                "compiled for {targets}, but no binary links it (a dependency of a library or \
                 build step only)"
            ),
            Some(Built { host: true, .. }) => format!(
                "build-time only: compiled for the build machine (for a build script or a \
                 proc-macro), never for {targets}"
            ),
            _ if shipped.dev_only.contains(c) => {
                "a dev-dependency only (tests, examples, benchmarks): never built into a binary"
                    .to_string()
            }
            _ => format!(
                "not compiled for {targets} with the features chosen: another platform's or an \
                 optional feature's dependency"
            ),
        };
        let yanked =
            (lock.crates_io.contains(c) && shipped.yanked.contains(c)).then(|| yanked::finding(c));
        for mut f in db.matching(c, &[]).into_iter().chain(yanked) {
            f.shipped = false;
            f.reason = Some(reason.clone());
            out.push(f);
        }
    }
    out
}

/// Where a crate was compiled in the build.
#[derive(Debug, Clone, Copy, Default)]
struct Built {
    /// For the target.
    target: bool,
    /// For the build machine (build scripts, proc-macros and their dependencies).
    host: bool,
}

type Compiled = BTreeMap<sbom::Crate, Built>;
