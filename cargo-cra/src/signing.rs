//! `cargo cra keygen`, `sign-blob` and `attest`, and the signer `build --sign` uses.

use crate::ui::Ui;
use cra_attest::digest::Digests;
use cra_attest::evidence::intoto::{Statement, Subject};
use cra_attest::persist;
use cra_attest::sigstore::bundle::Bundle;
use cra_attest::sigstore::keys::{KeyError, SigningKey};
use cra_attest::sigstore::sign::keyless::{IdentityToken, TokenError};
use cra_attest::sigstore::sign::keyless::{
    KeylessConfig, KeylessError, KeylessSigner, PUBLIC_GOOD_FULCIO, PUBLIC_GOOD_REKOR,
};
use cra_attest::sigstore::sign::{self, Signer};
use cra_attest::sigstore::signing_config::SigningConfig;
use cra_attest::sigstore::trust::{TrustError, TrustedRoot};
use cra_model::input;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// A key file could not be used.
    #[error("{path}: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why.
        #[source]
        source: KeyError,
    },
    /// An input is not a regular file, or too large for its kind.
    #[error(transparent)]
    Input(#[from] cra_model::input::InputError),
    /// No password could be had.
    #[error("no password: set CRA_PASSWORD or COSIGN_PASSWORD (there is no terminal to ask on)")]
    NoPassword,
    /// The two passwords typed differ.
    #[error("the passwords do not match")]
    PasswordMismatch,
    /// `keygen` would overwrite a key.
    #[error("{0}: already exists; pass --force to overwrite it")]
    Exists(PathBuf),
    /// The signing configuration is unusable.
    #[error("{path}: {message}")]
    SigningConfig {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// No OIDC token.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The trusted root is unusable.
    #[error("{path}: {source}")]
    TrustedRoot {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: TrustError,
    },
    /// Fulcio, Rekor or their answers failed.
    #[error("keyless signing: {0}")]
    Keyless(#[from] KeylessError),
    /// Neither a key nor keyless was chosen.
    #[error("choose how to sign: --key KEY or --keyless")]
    NoSigner,
    /// The predicate file is not JSON.
    #[error("{path}: the predicate is not JSON: {message}")]
    Predicate {
        /// The predicate file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SignError + '_ {
    move |source| SignError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How to sign: with a key file, or keyless.
#[derive(Debug, Clone, Default)]
pub struct SignerOptions {
    /// Sign with this cosign-format private key (password from CRA_PASSWORD, else
    /// COSIGN_PASSWORD, else asked on the terminal).
    pub key: Option<PathBuf>,
    /// Sign keyless: an OIDC identity, a Fulcio certificate and a Rekor entry.
    pub keyless: bool,
    /// Where keyless signing goes.
    pub keyless_options: KeylessOptions,
}

/// Options of keyless signing.
#[derive(Debug, Clone, Default)]
pub struct KeylessOptions {
    /// OIDC identity token (else SIGSTORE_ID_TOKEN, else GitHub Actions' ambient token).
    pub identity_token: Option<String>,
    /// Fulcio to certify the signing key (default: Sigstore's public-good instance).
    pub fulcio_url: Option<String>,
    /// Rekor to log signatures in (default: Sigstore's public-good instance).
    pub rekor_url: Option<String>,
    /// The instance's trusted root (`trusted_root.json`): what Fulcio's certificates and
    /// Rekor's entries are checked against before anything is written (default: Sigstore's
    /// public-good root, embedded in cargo-cra).
    pub trusted_root: Option<PathBuf>,
    /// An RFC 3161 timestamp authority (such as https://timestamp.sigstore.dev/api/v1/timestamp)
    /// to timestamp every signature; its answer is checked against the trusted root.
    pub tsa_url: Option<String>,
    /// A Sigstore `signing_config.json` choosing Fulcio and Rekor (API v1) by validity window;
    /// --fulcio-url and --rekor-url take precedence.
    pub signing_config: Option<PathBuf>,
}

impl SignerOptions {
    /// The signer these options choose; `None` when neither was given.
    pub fn signer(&self, ui: &dyn Ui) -> Result<Option<Signer>, SignError> {
        if self.keyless {
            return keyless_signer(&self.keyless_options).map(|s| Some(Signer::Keyless(s)));
        }
        let Some(path) = &self.key else {
            return Ok(None);
        };
        let pem = input::read_text_limited(path, input::KEY_MAX, "key")?;
        let password = password(false, ui)?;
        SigningKey::from_encrypted_pem(&pem, password.as_bytes())
            .map(|k| Some(Signer::Key(k)))
            .map_err(|source| SignError::Key {
                path: path.clone(),
                source,
            })
    }

    /// Like [`SignerOptions::signer`], but one of `--key`/`--keyless` is required.
    pub fn required_signer(&self, ui: &dyn Ui) -> Result<Signer, SignError> {
        self.signer(ui)?.ok_or(SignError::NoSigner)
    }

    /// The private key of `--key` (for commands that need the key itself).
    pub fn required_key(&self, ui: &dyn Ui) -> Result<SigningKey, SignError> {
        match self.required_signer(ui)? {
            Signer::Key(k) => Ok(k),
            Signer::Keyless(_) => Err(SignError::NoSigner),
        }
    }
}

fn keyless_signer(o: &KeylessOptions) -> Result<KeylessSigner, SignError> {
    let token = IdentityToken::discover(o.identity_token.as_deref(), |k| std::env::var(k).ok())?;
    let trusted_root = match &o.trusted_root {
        Some(path) => {
            let text = input::read_limited(path, input::TRUST_MAX, "trusted root")?;
            TrustedRoot::from_json(&text).map_err(|source| SignError::TrustedRoot {
                path: path.clone(),
                source,
            })?
        }
        None => TrustedRoot::public_good(),
    };
    let (mut fulcio, mut rekor) = (
        PUBLIC_GOOD_FULCIO.to_string(),
        PUBLIC_GOOD_REKOR.to_string(),
    );
    if let Some(path) = &o.signing_config {
        let text = input::read_limited(path, input::TRUST_MAX, "signing config")?;
        let bad = |message: String| SignError::SigningConfig {
            path: path.clone(),
            message,
        };
        let config = SigningConfig::from_json(&text).map_err(bad)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        fulcio = config
            .fulcio(now)
            .ok_or_else(|| bad("no Fulcio (API v1) valid now".into()))?
            .to_string();
        rekor = config
            .rekor_v1(now)
            .ok_or_else(|| bad("no Rekor speaking API v1 valid now".into()))?
            .to_string();
    }
    Ok(KeylessSigner::new(KeylessConfig {
        fulcio_url: o.fulcio_url.clone().unwrap_or(fulcio),
        rekor_url: o.rekor_url.clone().unwrap_or(rekor),
        trusted_root,
        token,
        tsa_url: o.tsa_url.clone(),
    })?)
}

/// The key password: `CRA_PASSWORD`, else `COSIGN_PASSWORD`, else asked through `ui`
/// (twice when `confirm`). Never echoed.
pub fn password(confirm: bool, ui: &dyn Ui) -> Result<Zeroizing<String>, SignError> {
    for var in ["CRA_PASSWORD", "COSIGN_PASSWORD"] {
        if let Ok(p) = std::env::var(var) {
            return Ok(Zeroizing::new(p));
        }
    }
    let ask = |prompt: &str| {
        ui.ask_password(prompt)
            .map(Zeroizing::new)
            .ok_or(SignError::NoPassword)
    };
    let first = ask("Enter password for private key: ")?;
    if confirm && *ask("Enter password for private key again: ")? != *first {
        return Err(SignError::PasswordMismatch);
    }
    Ok(first)
}

/// `cargo cra keygen`: writes `<prefix>.key` (mode 0600) and `<prefix>.pub`.
pub fn keygen(prefix: &Path, force: bool, ui: &dyn Ui) -> Result<(PathBuf, PathBuf), SignError> {
    let (key_path, pub_path) = cra_model::fileset::key_pair(&prefix.display().to_string());
    let (key_path, pub_path) = (PathBuf::from(key_path), PathBuf::from(pub_path));
    // Checked before asking for a password (a friendly early answer), and again, without a
    // race, as the files are linked into place.
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    if !force && let Some(p) = [&key_path, &pub_path].into_iter().find(|p| exists(p)) {
        return Err(SignError::Exists(p.clone()));
    }
    let password = password(true, ui)?;
    let key = SigningKey::generate_p256();
    let private = key.to_encrypted_pem(password.as_bytes());
    let public = key.public_key().to_pem();
    // Both files or neither: a new private key without its public key (or next to an old
    // one) is worse than no key.
    persist::write_pair_atomic(
        (&key_path, private.as_bytes(), 0o600),
        (&pub_path, public.as_bytes(), 0o644),
        force,
    )
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            let taken = if exists(&key_path) {
                &key_path
            } else {
                &pub_path
            };
            SignError::Exists(taken.clone())
        }
        _ => io_err(&pub_path)(e),
    })?;
    Ok((key_path, pub_path))
}

/// `cargo cra sign-blob`: signs `file`, writes the bundle to `out`.
pub fn sign_blob(file: &Path, signer: &Signer, out: &Path) -> Result<[u8; 32], SignError> {
    let (bundle, sha256) = signer.sign_blob(file).map_err(sign_error)?;
    write_bundle(&bundle, out)?;
    Ok(sha256)
}

/// Signs `statement` (an attestation) with `signer`.
pub fn sign_statement(statement: &Statement, signer: &Signer) -> Result<Bundle, SignError> {
    signer.sign_statement(statement).map_err(sign_error)
}

fn sign_error(e: sign::SignError) -> SignError {
    match e {
        sign::SignError::Io { path, source } => SignError::Io { path, source },
        sign::SignError::Keyless(k) => SignError::Keyless(k),
    }
}

/// The subject of an attestation about `file`: its file name and digests.
pub fn subject_of(file: &Path) -> Result<Subject, SignError> {
    let digests = Digests::of_file(file).map_err(io_err(file))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    Ok(Subject::new(name, &digests))
}

/// `cargo cra attest`: an in-toto statement about `file` with the predicate read from
/// `predicate`, signed in a DSSE envelope, written to `out`. One rule for every document: a
/// predicate file that is itself an in-toto Statement v1 (`<bin>.provenance.json` is) is
/// signed as it stands, once its `predicateType` is the one asked for and a subject has
/// `file`'s SHA-256 — so that `cargo cra verify` finds the document beside the artefact equal
/// to what was attested, as it does for an SBOM attested whole as the predicate.
pub fn attest(
    file: &Path,
    predicate: &Path,
    predicate_type: &str,
    signer: &Signer,
    out: &Path,
) -> Result<Statement, SignError> {
    let bad = |message: String| SignError::Predicate {
        path: predicate.to_path_buf(),
        message,
    };
    let text = input::read_limited(predicate, input::DOCUMENT_MAX, "predicate")?;
    let value: serde_json::Value =
        input::strict_json(&text).map_err(|e| bad(input::printable(&e.to_string())))?;
    let subject = subject_of(file)?;
    let statement = match value["_type"] == cra_attest::evidence::intoto::STATEMENT_V1 {
        true => {
            let statement: Statement = serde_json::from_value(value)
                .map_err(|e| bad(format!("an unreadable in-toto statement: {e}")))?;
            if statement.predicate_type != predicate_type {
                return Err(bad(format!(
                    "an in-toto statement of predicate type {}, not {predicate_type}",
                    input::printable(&statement.predicate_type)
                )));
            }
            let names_file = statement
                .subject
                .iter()
                .any(|s| s.digest.get("sha256") == subject.digest.get("sha256"));
            if !names_file {
                return Err(bad(format!(
                    "an in-toto statement about other artefacts than {}",
                    file.display()
                )));
            }
            statement
        }
        false => Statement::new(vec![subject], predicate_type, value),
    };
    write_bundle(&sign_statement(&statement, signer)?, out)?;
    Ok(statement)
}

/// Writes a PEM public key crash-safely.
pub fn write_public_key(pem: &str, out: &Path) -> Result<(), SignError> {
    persist::write_atomic(out, pem.as_bytes(), 0o644).map_err(io_err(out))
}

/// Writes a bundle crash-safely.
pub fn write_bundle(bundle: &Bundle, out: &Path) -> Result<(), SignError> {
    persist::write_atomic(out, &bundle.to_json_pretty(), 0o644).map_err(io_err(out))
}
