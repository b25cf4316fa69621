//! `cargo cra audit`'s options (clap), and their conversion into an [`AuditRequest`].
use super::options::{Compilation, DenyKind, Features, Manifest, Selection};
use super::output::warning;
use super::terminal::Terminal;
use cargo_cra::audit::{AuditRequest, Finding, Kind, Report};
use cargo_cra::ops::audit::AuditCommand;
use cargo_cra::request::BuildRequest;
use cargo_cra::signing::SignerOptions;
use clap::Args;
use cra_model::input::InputFile;
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

impl From<AuditArgs> for AuditCommand {
    fn from(a: AuditArgs) -> Self {
        let project = a.paths.is_empty().then(|| BuildRequest {
            selection: a.selection.into(),
            features: a.features.into(),
            compilation: a.compilation.into(),
            manifest: a.manifest.into(),
            ..Default::default()
        });
        AuditCommand {
            request: AuditRequest {
                paths: a.paths,
                db: a.db,
                no_fetch: a.no_fetch,
                deny: a.deny.into_iter().map(Kind::from).collect(),
                vex: a.vex.into_iter().map(InputFile::from).collect(),
                kev: a.kev,
                project: None,
            },
            project,
            openvex: a.openvex,
            csaf: a.csaf,
        }
    }
}

/// Prints the report: one JSON object with `--json`; a table on a terminal; plain lines (one
/// per finding, for scripts and logs) otherwise.
pub fn print(report: &Report, json: bool) {
    use std::io::{IsTerminal, Write};
    let text = match (json, std::io::stdout().is_terminal()) {
        (true, _) => format!("{}\n", serde_json::to_string(report).expect("serialisable")),
        (false, true) => human(report, table(&report.findings)),
        (false, false) => human(report, lines(&report.findings)),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The database and subjects, then the findings as `findings` renders them.
fn human(report: &Report, findings: String) -> String {
    let db = &report.database;
    let identity = db
        .commit
        .as_deref()
        .map(|c| format!("commit {c}"))
        .or_else(|| db.digest.as_deref().map(|d| format!("sha256 {d}")))
        .unwrap_or_default();
    let mut out = format!(
        "advisory database: {identity}, {} ({} advisories)\n",
        db.date, db.advisories
    );
    for s in &report.subjects {
        let targets = match s.targets.is_empty() {
            true => "target unknown: every platform".to_string(),
            false => s.targets.join(", "),
        };
        out += &format!("audited {} ({} crates; {targets})\n", s.name, s.crates);
    }
    match report.findings.is_empty() {
        true => out + "no advisory applies\n",
        false => out + &findings,
    }
}

/// One line per finding.
fn lines(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let aliases = match f.aliases.is_empty() {
            true => String::new(),
            false => format!(" ({})", f.aliases.join(", ")),
        };
        let decided = match (&f.status, &f.justification) {
            (Some(s), Some(j)) => format!(" [VEX: {}, {}]", json_name(s), json_name(j)),
            (Some(s), None) => format!(" [VEX: {}]", json_name(s)),
            _ => String::new(),
        };
        let exploited = match &f.exploited_since {
            Some(d) => format!(
                " ACTIVELY EXPLOITED (CISA KEV since {d}: report under CRA Article 14 within 24 hours)"
            ),
            None => String::new(),
        };
        let shipped = match &f.reason {
            Some(reason) => format!("not shipped ({reason}): "),
            None => String::new(),
        };
        // A yanked version is no advisory: its id says no more than its kind.
        let id = match f.is_advisory() {
            true => format!(" {}", f.id),
            false => String::new(),
        };
        out += &format!(
            "{shipped}{}{id}{aliases}: {} {} — {}; {}{decided}{exploited}\n",
            f.kind.as_str(),
            f.package,
            f.version,
            cra_model::input::printable(&f.title),
            fix(f),
        );
    }
    out
}

/// The findings as a table with a header, then why each not-shipped crate is not shipped
/// and which findings are actively exploited.
fn table(findings: &[Finding]) -> String {
    let header = ["ID", "KIND", "CRATE", "SHIPPED", "STATUS", "FIX", "TITLE"].map(String::from);
    let rows: Vec<[String; 7]> = findings
        .iter()
        .map(|f| {
            [
                f.id.clone(),
                f.kind.as_str().into(),
                format!("{} {}", f.package, f.version),
                if f.shipped { "yes" } else { "no" }.into(),
                status(f),
                fix(f),
                cra_model::input::printable(&f.title),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out += cells.join("  ").trim_end();
        out.push('\n');
    }
    let mut reasons: Vec<String> = findings
        .iter()
        .filter_map(|f| {
            let r = f.reason.as_ref()?;
            Some(format!("{} {} not shipped: {r}\n", f.package, f.version))
        })
        .collect();
    reasons.sort();
    reasons.dedup();
    for r in reasons {
        out += &r;
    }
    for f in findings {
        if let Some(d) = &f.exploited_since {
            out += &format!(
                "{} is ACTIVELY EXPLOITED (CISA KEV since {d}): report under CRA Article 14 within 24 hours\n",
                f.id
            );
        }
    }
    out
}

/// The STATUS cell: the VEX decision, or whether it is still open.
fn status(f: &Finding) -> String {
    let decided = match (&f.status, &f.justification) {
        (Some(s), Some(j)) => format!("{} ({})", json_name(s), json_name(j)),
        (Some(s), None) => json_name(s),
        (None, _) => "open".into(),
    };
    match f.exploited_since {
        Some(_) => format!("{decided}, EXPLOITED"),
        None => decided,
    }
}

fn fix(f: &Finding) -> String {
    if f.kind == Kind::Yanked {
        return "use a version not yanked".into();
    }
    match f.patched.is_empty() {
        true => "no fixed version".to_string(),
        false => format!("fixed in {}", f.patched.join(" or ")),
    }
}

/// A value's JSON spelling (`not_affected`), for human output.
fn json_name(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// `cargo cra audit`: asks for the key's password first, audits, writes and attests the
/// documents, prints the report; findings that fail the gate are the error.
pub fn run(a: AuditArgs) -> anyhow::Result<()> {
    let (json, sign, signer_args) = (a.json, a.sign, a.signer.clone());
    let cmd = AuditCommand::from(a);
    // Ask for the key's password before auditing, not after.
    cargo_cra::ops::audit::check_signing(&cmd, sign)?;
    let ui = Terminal::new();
    let signer = match sign {
        true => Some(SignerOptions::from(signer_args).required_signer(&ui)?),
        false => None,
    };
    let outcome = cargo_cra::ops::audit::run(&cmd, signer.as_ref(), &ui)?;
    for out in &outcome.not_written {
        eprintln!(
            "note: {} not written: the audit found no vulnerability, and a VEX document must state one; `--json` records the clean result",
            out.display()
        );
    }
    for (doc, bundle) in &outcome.attested {
        eprintln!("Attested {}: {}", doc.display(), bundle.display());
    }
    print(&outcome.report, json);
    for w in &outcome.report.warnings {
        warning(w);
    }
    match outcome.failed {
        Some(failed) => Err(failed.into()),
        None => Ok(()),
    }
}
