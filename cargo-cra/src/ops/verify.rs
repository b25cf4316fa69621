//! `cargo cra verify REF`: the image a registry reference names, pulled with its attached
//! evidence into a private directory exactly as `cargo cra pull` writes it, then verified
//! offline as an image directory — so that `pull` and then `verify DIR` gives the same checks.

use crate::ops::pull::{PullError, PullReport, PullRequest};
use crate::registry::{Connection, Reference};
use crate::verifying::{CheckLine, Status, VerifyRequest, VerifyingError};

/// Why verifying from the registry could not even start checking.
#[derive(Debug, thiserror::Error)]
pub enum RegistryVerifyError {
    /// The image or its evidence could not be pulled (a blob that is not what its digest names
    /// is one of these: it is named).
    #[error(transparent)]
    Pull(#[from] PullError),
    /// Verification could not start.
    #[error(transparent)]
    Verifying(#[from] VerifyingError),
    /// No private directory could be made.
    #[error("a temporary directory: {0}")]
    Temp(std::io::Error),
}

/// Pulls `reference` aside and verifies it as `request` says (its artefact is replaced by the
/// pulled directory); the first line says what the reference resolved to.
pub fn run(
    reference: Reference,
    connection: Connection,
    request: &VerifyRequest,
    progress: &dyn cra_composer::progress::Progress,
) -> Result<(PullReport, Vec<CheckLine>), RegistryVerifyError> {
    let connection = connection
        .with_stored_credentials(&reference.host)
        .map_err(PullError::from)?;
    let temp = tempfile::tempdir().map_err(RegistryVerifyError::Temp)?;
    let out = temp.path().join("image");
    let pull = PullRequest {
        reference,
        connection,
        out: out.clone(),
    };
    let pulled = crate::ops::pull::run(&pull, progress)?;
    let mut request = request.clone();
    request.artifact = out;
    let mut lines = vec![CheckLine {
        check: "registry".into(),
        status: Status::Ok,
        detail: format!(
            "{}{} is {}; {} blob(s), {} evidence file(s) read",
            pulled.repository,
            pulled
                .tag
                .as_ref()
                .map(|t| format!(":{t}"))
                .unwrap_or_default(),
            pulled.digest,
            pulled.blobs,
            pulled.evidence.len()
        ),
    }];
    lines.extend(crate::verifying::verify_artifact(&request)?);
    Ok((pulled, lines))
}
