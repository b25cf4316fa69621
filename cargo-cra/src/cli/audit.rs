//! `cargo cra audit`'s options (clap), and their conversion into an [`AuditRequest`].

use super::build::{Compilation, Features, Manifest, Selection};
use cargo_cra::audit::{AuditRequest, Kind};
use cargo_cra::request::BuildRequest;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Options of `cargo cra audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// What ships: an SBOM (`<bin>.cdx.json`, an image SBOM, or any CycloneDX SBOM with
    /// `pkg:cargo` purls), an artefact with its `.cdx.json` beside it, or an image directory.
    /// Without PATH, in a Cargo project: its binaries, built as `cargo cra build` builds them
    /// (the options below choose which), and the crates of its `Cargo.lock` no binary links,
    /// listed as not shipped.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub selection: Selection,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub features: Features,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub compilation: Compilation,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub manifest: Manifest,
    /// The RustSec advisory database, a directory (default: `$CARGO_HOME/advisory-db`, shared
    /// with cargo-audit). A git checkout is identified by its commit, a plain copy by a digest
    /// of its advisories.
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Never fetch or update the default database (without --db, it is cloned when absent
    /// and pulled when its last fetch is older than a day).
    #[arg(long)]
    pub no_fetch: bool,
    /// Fail on this kind of informational advisory too (vulnerabilities always fail); may be
    /// repeated.
    #[arg(long, value_enum, value_name = "KIND")]
    pub deny: Vec<DenyKind>,
    /// The manufacturer's decisions: an OpenVEX v0.2.0 document; may be repeated (later
    /// statements win). A finding `not_affected` or `fixed` for the product or crate does not
    /// fail the gate.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Write the product's status for every finding as an OpenVEX v0.2.0 document (the
    /// decisions given, `under_investigation` for the rest).
    #[arg(long, value_name = "OUT")]
    pub openvex: Option<PathBuf>,
    /// CISA's Known Exploited Vulnerabilities catalog (its JSON feed): findings whose CVE it
    /// lists are marked actively exploited (reportable under CRA Article 14 within 24 hours).
    #[arg(long, value_name = "FILE")]
    pub kev: Option<PathBuf>,
    /// Write the statuses as a CSAF 2.0 document of the VEX profile (`csaf_vex`), as BSI
    /// TR-03183 recommends for vulnerability advisories.
    #[arg(long, value_name = "OUT")]
    pub csaf: Option<PathBuf>,
    /// Attest the OpenVEX and CSAF documents written (Sigstore bundles `<OUT>.sigstore.json`
    /// whose subjects are the audited SBOMs).
    #[arg(long)]
    pub sign: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub signer: super::sign::SignerArgs,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// An informational advisory kind `--deny` can make fail.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DenyKind {
    /// The crate is unmaintained.
    Unmaintained,
    /// The crate is unsound.
    Unsound,
    /// A notice.
    Notice,
}

impl From<DenyKind> for Kind {
    fn from(k: DenyKind) -> Kind {
        match k {
            DenyKind::Unmaintained => Kind::Unmaintained,
            DenyKind::Unsound => Kind::Unsound,
            DenyKind::Notice => Kind::Notice,
        }
    }
}

impl From<AuditArgs> for AuditRequest {
    fn from(a: AuditArgs) -> Self {
        let project = a.paths.is_empty().then(|| BuildRequest {
            selection: a.selection.into(),
            features: a.features.into(),
            compilation: a.compilation.into(),
            manifest: a.manifest.into(),
            ..Default::default()
        });
        AuditRequest {
            project,
            paths: a.paths,
            db: a.db,
            no_fetch: a.no_fetch,
            deny: a.deny.into_iter().map(Kind::from).collect(),
            vex: a.vex,
            kev: a.kev,
        }
    }
}

/// The audit gate's options for `cargo cra compose --audit`.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Audit gate")]
pub struct GateArgs {
    /// Audit the apps' crates (as `cargo cra audit`) before anything of the image is written;
    /// a vulnerability (or a --deny'ed kind) not settled by --vex stops the compose.
    #[arg(long = "audit")]
    pub audit: bool,
    /// The RustSec advisory database (default: `$CARGO_HOME/advisory-db`).
    #[arg(long = "db", value_name = "DIR", requires = "audit")]
    pub db: Option<PathBuf>,
    /// Never fetch or update the default database.
    #[arg(long = "no-fetch", requires = "audit")]
    pub no_fetch: bool,
    /// An OpenVEX document of the manufacturer's decisions; may be repeated.
    #[arg(long = "vex", value_name = "FILE", requires = "audit")]
    pub vex: Vec<PathBuf>,
    /// Fail on this kind of informational advisory too; may be repeated.
    #[arg(long = "deny", value_enum, value_name = "KIND", requires = "audit")]
    pub deny: Vec<DenyKind>,
}

impl GateArgs {
    /// The gate, when `--audit` was given.
    pub fn gate(self) -> Option<cargo_cra::audit::Gate> {
        self.audit.then(|| cargo_cra::audit::Gate {
            db: self.db,
            no_fetch: self.no_fetch,
            vex: self.vex,
            deny: self.deny.into_iter().map(Kind::from).collect(),
        })
    }
}
