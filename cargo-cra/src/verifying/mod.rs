//! `cargo cra verify-bundle`: the Sigstore conformance client protocol over the offline verifier
//! in `cra_attest::sigstore::verify`.

mod artifact;
mod image_dir;
mod report;
mod technical_file;

pub use artifact::VerifyRequest;
pub use report::{CheckLine, Status};

use cra_attest::digest::Digests;
use cra_attest::sigstore::algorithm::VerifyingKey;
use cra_attest::sigstore::trust::TrustedRoot;
use cra_attest::sigstore::verify::{Artifact, Matcher, Policy, VerifyError, verify_bundle};
use cra_model::input::{self, InputError};
use std::path::{Path, PathBuf};

/// Why `verify-bundle` could not even start verifying.
#[derive(Debug, thiserror::Error)]
pub enum VerifyingError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An input is not a regular file, or too large for its kind.
    #[error(transparent)]
    Input(#[from] InputError),
    /// An argument is unusable.
    #[error("{0}")]
    Usage(String),
    /// Verification failed; the message names the check.
    #[error(transparent)]
    Failed(#[from] VerifyError),
}

/// Options of `cargo cra verify-bundle`.
#[derive(Debug, Clone)]
pub struct VerifyBundleRequest {
    /// The Sigstore bundle.
    pub bundle: PathBuf,
    /// Whom to trust.
    pub trust: TrustOptions,
    /// The artefact: a file, or `sha256:<64 hex>` when that is not a path on disk. For a DSSE
    /// bundle, a subject of the in-toto statement.
    pub artifact: String,
}

/// Whom to trust: a key, or a certificate identity and issuer; and the trusted root.
#[derive(Debug, Clone)]
pub struct TrustOptions {
    /// The signer's certificate identity (subject alternative name), exactly.
    pub certificate_identity: Option<String>,
    /// The signer's certificate identity, as a regular expression matching all of it.
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer recorded in the certificate, exactly.
    pub certificate_oidc_issuer: Option<String>,
    /// The OIDC issuer, as a regular expression matching all of it.
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Verify with this public key (PEM) instead of a certificate identity.
    pub key: Option<PathBuf>,
    /// Trusted root (default: Sigstore's public-good root, embedded).
    pub trusted_root: Option<PathBuf>,
    /// The devices' update CA (PEM), to check a RAUC bundle's CMS signature.
    pub keyring: Option<PathBuf>,
}

impl TrustOptions {
    /// The verification policy these options give.
    pub fn policy(&self) -> Result<Policy, VerifyingError> {
        match &self.key {
            Some(path) => {
                let pem = String::from_utf8_lossy(&read(path, input::KEY_MAX, "key")?).into_owned();
                Ok(Policy::Key(VerifyingKey::from_pem(&pem).map_err(|e| {
                    VerifyingError::Usage(format!("{}: {e}", path.display()))
                })?))
            }
            None => Ok(Policy::Identity {
                identity: matcher(
                    &self.certificate_identity,
                    &self.certificate_identity_regexp,
                    "certificate-identity",
                )?,
                issuer: matcher(
                    &self.certificate_oidc_issuer,
                    &self.certificate_oidc_issuer_regexp,
                    "certificate-oidc-issuer",
                )?,
            }),
        }
    }

    /// Whether a key or a certificate identity or issuer was given.
    pub(crate) fn names_signer(&self) -> bool {
        self.key.is_some()
            || self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
    }

    /// Whom the signatures are checked against, in words.
    pub fn describe(&self) -> String {
        let either = |e: &Option<String>, r: &Option<String>| match (e, r) {
            (Some(e), _) => e.clone(),
            (None, Some(r)) => format!("matching /{r}/"),
            (None, None) => "any".into(),
        };
        match &self.key {
            // By fingerprint, not path: a report names no machine's file layout.
            Some(k) => match read(k, input::KEY_MAX, "key")
                .ok()
                .and_then(|pem| VerifyingKey::from_pem(&String::from_utf8_lossy(&pem)).ok())
            {
                Some(key) => format!(
                    "the public key with SHA-256 fingerprint {}",
                    cra_attest::digest::to_hex(&<sha2::Sha256 as sha2::Digest>::digest(
                        key.to_der()
                    ))
                ),
                None => "a public key that cannot be read".into(),
            },
            None => format!(
                "certificate identity {} issued by {}",
                either(
                    &self.certificate_identity,
                    &self.certificate_identity_regexp
                ),
                either(
                    &self.certificate_oidc_issuer,
                    &self.certificate_oidc_issuer_regexp
                )
            ),
        }
    }

    /// The trusted root these options name.
    pub fn root(&self) -> Result<TrustedRoot, VerifyingError> {
        match &self.trusted_root {
            Some(path) => TrustedRoot::from_json(&read(path, input::TRUST_MAX, "trusted root")?)
                .map_err(|e| VerifyingError::Usage(format!("{}: {e}", path.display()))),
            None => Ok(TrustedRoot::public_good()),
        }
    }
}

/// A regular file of at most `limit` bytes (a hostile input: see [`cra_model::input`]).
fn read(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, VerifyingError> {
    Ok(input::read_limited(path, limit, what)?)
}

/// An artefact that an Ed25519 key signs whole, read from its checked handle.
fn whole_message(file: std::fs::File, path: &Path) -> Result<Vec<u8>, VerifyingError> {
    Ok(input::read_handle_limited(
        file,
        path,
        input::ED25519_MESSAGE_MAX,
        "artefact verified with an Ed25519 key",
    )?)
}

fn matcher(
    exact: &Option<String>,
    regexp: &Option<String>,
    what: &str,
) -> Result<Matcher, VerifyingError> {
    match (exact, regexp) {
        (Some(e), _) => Ok(Matcher::Exact(e.clone())),
        (None, Some(r)) => {
            Matcher::regex(r).map_err(|e| VerifyingError::Usage(format!("--{what}-regexp: {e}")))
        }
        (None, None) => Err(VerifyingError::Usage(format!(
            "give --key, or --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] (missing {what})"
        ))),
    }
}

/// Runs the verification; returns the checks that passed, one line each.
pub fn verify_bundle_file(a: &VerifyBundleRequest) -> Result<Vec<String>, VerifyingError> {
    let policy = a.trust.policy()?;
    let root = a.trust.root()?;
    let path = PathBuf::from(&a.artifact);
    let artifact = if path.exists() {
        // Only SHA-256 is needed here: hash just that, streaming.
        let io = |source| VerifyingError::Io {
            path: path.clone(),
            source,
        };
        // One handle, read once: the digest checked and the bytes verified are the same.
        let mut file = input::open_regular(&path)?;
        let needs_bytes = matches!(&policy, Policy::Key(k) if k.needs_message());
        let (sha256, bytes) = if needs_bytes {
            let bytes = whole_message(file, &path)?;
            (cra_attest::digest::sha256(&bytes), Some(bytes))
        } else {
            let sha256 = cra_attest::digest::sha256_of_reader(&mut file).map_err(io)?;
            (sha256, None)
        };
        Artifact { sha256, bytes }
    } else if let Some(hex) = a.artifact.strip_prefix("sha256:") {
        let sha256 = hex::decode(hex)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                VerifyingError::Usage(format!("{}: not sha256:<64 hex digits>", a.artifact))
            })?;
        Artifact {
            sha256,
            bytes: None,
        }
    } else {
        return Err(VerifyingError::Usage(format!(
            "{}: no such file, and not sha256:<hex>",
            a.artifact
        )));
    };
    let json = read(&a.bundle, input::BUNDLE_MAX, "bundle")?;
    Ok(verify_bundle(&json, &artifact, &policy, &root, now())?)
}

pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A file as an artefact: hashed streaming; read whole only for Ed25519 keys, which sign
/// whole messages.
fn file_artifact(
    path: &Path,
    policy: Option<&Policy>,
) -> Result<(Artifact, Digests), VerifyingError> {
    let io = |source| VerifyingError::Io {
        path: path.to_path_buf(),
        source,
    };
    // One handle, read once: the digests checked and the bytes verified are the same.
    let mut file = input::open_regular(path)?;
    let needs_bytes = matches!(policy, Some(Policy::Key(k)) if k.needs_message());
    let (digests, bytes) = if needs_bytes {
        let bytes = whole_message(file, path)?;
        (Digests::of_bytes(&bytes), Some(bytes))
    } else {
        let digests =
            cra_attest::digest::copy_hashing(&mut file, &mut std::io::sink()).map_err(io)?;
        (digests, None)
    };
    Ok((
        Artifact {
            sha256: digests.sha256,
            bytes,
        },
        digests,
    ))
}

/// `cargo cra verify`: a technical file's listing and signature, an image directory's
/// manifest, blobs and attached evidence, or an artefact's signature, SBOM, provenance and
/// image checks, by what the path is.
pub fn verify_artifact(a: &VerifyRequest) -> Result<Vec<CheckLine>, VerifyingError> {
    let technical_file = a
        .artifact
        .file_name()
        .is_some_and(|n| n == cra_model::fileset::docs::TECHNICAL_FILE);
    match (technical_file, image_dir::is_image_dir(&a.artifact)) {
        (true, _) => technical_file::verify(a),
        (false, true) => image_dir::verify(a),
        (false, false) => artifact::verify(a),
    }
}
