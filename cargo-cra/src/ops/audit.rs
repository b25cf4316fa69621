//! `cargo cra audit`: build the project (or read the SBOMs given), audit what ships, write the
//! OpenVEX and CSAF documents, attest them, and decide the verdict.

use crate::audit::{self, AuditError, AuditRequest, GateFailed, Project, Report};
use crate::error::BuildError;
use crate::ops::build;
use crate::request::BuildRequest;
use crate::signing::SignError;
use crate::ui::Ui;
use cra_attest::sigstore::sign::Signer;
use cra_model::fileset::{CSAF_PREDICATE_TYPE, OPENVEX_PREDICATE_TYPE};
use std::path::{Path, PathBuf};

/// What `cargo cra audit` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct AuditCommand {
    /// The audit: SBOMs, database, decisions, KEV catalog, denied kinds.
    pub request: AuditRequest,
    /// Without SBOM paths: the Cargo project to build (as `cargo cra build` would) and audit.
    pub project: Option<BuildRequest>,
    /// Where to write the OpenVEX document.
    pub openvex: Option<PathBuf>,
    /// Where to write the CSAF VEX document.
    pub csaf: Option<PathBuf>,
}

/// What `cargo cra audit` did.
#[derive(Debug)]
pub struct AuditOutcome {
    /// The audit's result.
    pub report: Report,
    /// The VEX documents not written because the audit found nothing to state.
    pub not_written: Vec<PathBuf>,
    /// The documents attested: (document, bundle).
    pub attested: Vec<(PathBuf, PathBuf)>,
    /// The findings that fail the gate, if any.
    pub failed: Option<GateFailed>,
}

/// Why `cargo cra audit` could not finish.
#[derive(Debug, thiserror::Error)]
pub enum AuditCommandError {
    /// Building the project to audit failed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The audit could not be done.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// Attesting a document failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// `--sign` with no document to attest.
    #[error("--sign attests the documents written: give --openvex or --csaf")]
    NothingToSign,
}

impl AuditCommandError {
    /// The process exit code: the build's; 2 when the audit could not be done (1 is for
    /// findings that fail the gate, and for a usage or signing error).
    pub fn exit_code(&self) -> i32 {
        match self {
            AuditCommandError::Build(e) => e.exit_code(),
            AuditCommandError::Audit(e) => e.exit_code(),
            AuditCommandError::Sign(_) | AuditCommandError::NothingToSign => 1,
        }
    }
}

/// Checks that `--sign` has something to attest, before a key's password is asked for.
pub fn check_signing(cmd: &AuditCommand, sign: bool) -> Result<(), AuditCommandError> {
    match sign && cmd.openvex.is_none() && cmd.csaf.is_none() {
        true => Err(AuditCommandError::NothingToSign),
        false => Ok(()),
    }
}

/// Runs the audit: builds the project when no SBOM is given, audits, writes and (with `signer`)
/// attests the documents, and returns the verdict with the report.
pub fn run(
    cmd: &AuditCommand,
    signer: Option<&Signer>,
    ui: &dyn Ui,
) -> Result<AuditOutcome, AuditCommandError> {
    let request = match (&cmd.request.paths[..], &cmd.project) {
        ([], Some(project)) => project_request(&cmd.request, project, ui)?,
        _ => cmd.request.clone(),
    };
    let report = audit::audit(&request)?;
    let mut written = Vec::new();
    let mut not_written = Vec::new();
    let documents = [
        (&cmd.openvex, OPENVEX_PREDICATE_TYPE),
        (&cmd.csaf, CSAF_PREDICATE_TYPE),
    ];
    for (out, predicate_type) in documents {
        let Some(out) = out else { continue };
        let wrote = match predicate_type == OPENVEX_PREDICATE_TYPE {
            true => audit::write_openvex(&report, out)?,
            false => audit::write_csaf(&report, out)?,
        };
        match wrote {
            true => written.push((out.clone(), predicate_type)),
            false => not_written.push(out.clone()),
        }
    }
    let attested = match signer {
        Some(signer) => written
            .iter()
            .map(|(doc, t)| Ok((doc.clone(), attest_document(&report, doc, t, signer)?)))
            .collect::<Result<Vec<_>, SignError>>()?,
        None => Vec::new(),
    };
    let failed = report.verdict(&request.deny).err();
    Ok(AuditOutcome {
        report,
        not_written,
        attested,
        failed,
    })
}

/// Builds `project` as `cargo cra build` would and names what to audit: its SBOMs, its lock
/// file, what it compiled, and the decisions its packages configure (those given win).
fn project_request(
    request: &AuditRequest,
    project: &BuildRequest,
    ui: &dyn Ui,
) -> Result<AuditRequest, AuditCommandError> {
    let built = build::run(project, None, ui)?;
    let mut request = request.clone();
    // The packages' `vex` documents first: those given on the command line win.
    let configured = built.binaries.iter().flat_map(|r| r.vex.iter().cloned());
    request.vex = build::dedup_keep_order(configured.chain(request.vex).collect());
    request.paths = built.binaries.iter().map(|r| r.sbom.clone()).collect();
    let offline = project.manifest.offline;
    request.project = Some(Project {
        dev_only: crate::cargo::dev_only_packages(&built.lock_file, offline),
        compiled: built.compiled(),
        lock_file: built.lock_file,
    });
    Ok(request)
}

/// Attests the document at `doc` (JSON) with `signer`: an in-toto statement whose subjects are
/// the audited SBOMs and whose predicate is the document, written to `<doc>.sigstore.json`.
/// Returns the bundle's path.
fn attest_document(
    report: &Report,
    doc: &Path,
    predicate_type: &str,
    signer: &cra_attest::sigstore::sign::Signer,
) -> Result<PathBuf, crate::signing::SignError> {
    let subjects = report
        .subjects
        .iter()
        .map(|s| crate::signing::subject_of(&s.sbom))
        .collect::<Result<Vec<_>, _>>()?;
    let text = cra_model::input::read_limited(doc, cra_model::input::DOCUMENT_MAX, "document")?;
    let predicate: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| crate::signing::SignError::Io {
            path: doc.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
    let statement =
        cra_attest::evidence::intoto::Statement::new(subjects, predicate_type, predicate);
    let name = doc
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let out = doc.with_file_name(cra_model::fileset::signature_bundle(&name));
    crate::signing::write_bundle(&crate::signing::sign_statement(&statement, signer)?, &out)?;
    Ok(out)
}
