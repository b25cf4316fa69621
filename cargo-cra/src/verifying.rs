//! `cargo cra verify-bundle`: the Sigstore conformance client protocol over the offline verifier
//! in `cra_attest::verify`.

use clap::Args;
use cra_attest::digest::Digests;
use cra_attest::keys::PublicKey;
use cra_attest::trust::TrustedRoot;
use cra_attest::verify::{Artifact, Matcher, Policy, VerifyError, verify_bundle};
use std::path::PathBuf;

/// Why `verify-bundle` could not even start verifying.
#[derive(Debug, thiserror::Error)]
pub enum VerifyCliError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An argument is unusable.
    #[error("{0}")]
    Usage(String),
    /// Verification failed; the message names the check.
    #[error(transparent)]
    Failed(#[from] VerifyError),
}

/// Options of `cargo cra verify-bundle`.
#[derive(Debug, Clone, Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle.
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// The signer's certificate identity (subject alternative name), exactly.
    #[arg(long, value_name = "ID", conflicts_with = "key")]
    pub certificate_identity: Option<String>,
    /// The signer's certificate identity, as a regular expression matching all of it.
    #[arg(long, value_name = "RE", conflicts_with_all = ["key", "certificate_identity"])]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer recorded in the certificate, exactly.
    #[arg(long, value_name = "URL", conflicts_with = "key")]
    pub certificate_oidc_issuer: Option<String>,
    /// The OIDC issuer, as a regular expression matching all of it.
    #[arg(long, value_name = "RE", conflicts_with_all = ["key", "certificate_oidc_issuer"])]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Verify with this public key (PEM) instead of a certificate identity.
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Trusted root (default: Sigstore's public-good root, embedded).
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// The artefact: a file, or `sha256:<64 hex>` when that is not a path on disk. For a DSSE
    /// bundle, a subject of the in-toto statement.
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, VerifyCliError> {
    std::fs::read(path).map_err(|source| VerifyCliError::Io {
        path: path.clone(),
        source,
    })
}

fn matcher(
    exact: &Option<String>,
    regexp: &Option<String>,
    what: &str,
) -> Result<Matcher, VerifyCliError> {
    match (exact, regexp) {
        (Some(e), _) => Ok(Matcher::Exact(e.clone())),
        (None, Some(r)) => regex::Regex::new(r)
            .map(Matcher::Regex)
            .map_err(|e| VerifyCliError::Usage(format!("--{what}-regexp: {e}"))),
        (None, None) => Err(VerifyCliError::Usage(format!(
            "give --key, or --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] (missing {what})"
        ))),
    }
}

/// Runs the verification; returns the checks that passed, one line each.
pub fn verify_bundle_cmd(a: &VerifyBundleArgs) -> Result<Vec<String>, VerifyCliError> {
    let policy = match &a.key {
        Some(path) => {
            let pem = String::from_utf8_lossy(&read(path)?).into_owned();
            Policy::Key(
                PublicKey::from_pem(&pem)
                    .map_err(|e| VerifyCliError::Usage(format!("{}: {e}", path.display())))?,
            )
        }
        None => Policy::Identity {
            identity: matcher(
                &a.certificate_identity,
                &a.certificate_identity_regexp,
                "certificate-identity",
            )?,
            issuer: matcher(
                &a.certificate_oidc_issuer,
                &a.certificate_oidc_issuer_regexp,
                "certificate-oidc-issuer",
            )?,
        },
    };
    let root = match &a.trusted_root {
        Some(path) => TrustedRoot::from_json(&read(path)?)
            .map_err(|e| VerifyCliError::Usage(format!("{}: {e}", path.display())))?,
        None => TrustedRoot::public_good(),
    };
    let path = PathBuf::from(&a.artifact);
    let artifact = if path.exists() {
        // Ed25519 signs whole messages; every other check needs only the streamed digest.
        let needs_bytes = matches!(policy, Policy::Key(PublicKey::Ed25519(_)));
        let digests = Digests::of_file(&path).map_err(|source| VerifyCliError::Io {
            path: path.clone(),
            source,
        })?;
        Artifact {
            sha256: digests.sha256,
            bytes: if needs_bytes {
                Some(read(&path)?)
            } else {
                None
            },
        }
    } else if let Some(hex) = a.artifact.strip_prefix("sha256:") {
        let sha256 = hex::decode(hex)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                VerifyCliError::Usage(format!("{}: not sha256:<64 hex digits>", a.artifact))
            })?;
        Artifact {
            sha256,
            bytes: None,
        }
    } else {
        return Err(VerifyCliError::Usage(format!(
            "{}: no such file, and not sha256:<hex>",
            a.artifact
        )));
    };
    let json = read(&a.bundle)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(verify_bundle(&json, &artifact, &policy, &root, now)?)
}
