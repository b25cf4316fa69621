//! Signing options (clap), shared by the commands that sign, and their conversion into
//! [`SignerOptions`].

use super::terminal::Terminal;
use cargo_cra::signing;
use cargo_cra::signing::{KeylessOptions, SignerOptions};
use clap::Args;
use std::path::Path;
use std::path::PathBuf;

/// How to sign: with a key file, or keyless.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Signing")]
pub struct SignerArgs {
    /// Sign with this cosign-format private key (password from CRA_PASSWORD, else
    /// COSIGN_PASSWORD, else asked on the terminal).
    #[arg(long, value_name = "KEY", conflicts_with = "keyless")]
    pub key: Option<PathBuf>,
    /// Sign keyless: an OIDC identity, a Fulcio certificate and a Rekor entry.
    #[arg(long)]
    pub keyless: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub keyless_options: KeylessArgs,
}

/// Options of keyless signing.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Keyless signing")]
pub struct KeylessArgs {
    /// OIDC identity token (else SIGSTORE_ID_TOKEN, else GitHub Actions' ambient token).
    #[arg(long, value_name = "JWT", requires = "keyless")]
    pub identity_token: Option<String>,
    /// Fulcio to certify the signing key (default: Sigstore's public-good instance).
    #[arg(long, value_name = "URL", requires = "keyless")]
    pub fulcio_url: Option<String>,
    /// Rekor to log signatures in (default: Sigstore's public-good instance).
    #[arg(long, value_name = "URL", requires = "keyless")]
    pub rekor_url: Option<String>,
    /// The instance's trusted root (`trusted_root.json`): what Fulcio's certificates and
    /// Rekor's entries are checked against before anything is written (default: Sigstore's
    /// public-good root, embedded in cargo-cra).
    #[arg(long, value_name = "FILE", requires = "keyless")]
    pub trusted_root: Option<PathBuf>,
    /// An RFC 3161 timestamp authority (such as https://timestamp.sigstore.dev/api/v1/timestamp)
    /// to timestamp every signature; its answer is checked against the trusted root.
    #[arg(long, value_name = "URL", requires = "keyless")]
    pub tsa_url: Option<String>,
    /// A Sigstore `signing_config.json` choosing Fulcio and Rekor (API v1) by validity window;
    /// --fulcio-url and --rekor-url take precedence.
    #[arg(long, value_name = "FILE", requires = "keyless")]
    pub signing_config: Option<PathBuf>,
}

impl From<KeylessArgs> for KeylessOptions {
    fn from(k: KeylessArgs) -> Self {
        KeylessOptions {
            identity_token: k.identity_token,
            fulcio_url: k.fulcio_url,
            rekor_url: k.rekor_url,
            trusted_root: k.trusted_root,
            tsa_url: k.tsa_url,
            signing_config: k.signing_config,
        }
    }
}

impl From<SignerArgs> for SignerOptions {
    fn from(s: SignerArgs) -> Self {
        SignerOptions {
            key: s.key,
            keyless: s.keyless,
            keyless_options: s.keyless_options.into(),
        }
    }
}

/// `cargo cra keygen`.
pub fn keygen(output_key_prefix: &Path, force: bool) -> anyhow::Result<()> {
    let (key, public) = signing::keygen(output_key_prefix, force, &Terminal::new())?;
    eprintln!("Private key written to {}", key.display());
    eprintln!("Public key written to {}", public.display());
    Ok(())
}

/// `cargo cra public-key`: to the file, else standard output.
pub fn public_key(key: PathBuf, output_file: Option<PathBuf>) -> anyhow::Result<()> {
    let signer = SignerOptions {
        key: Some(key),
        ..Default::default()
    }
    .required_key(&Terminal::new())?;
    let pem = signer.public_key().to_pem();
    match output_file {
        Some(path) => signing::write_public_key(&pem, &path)?,
        None => out_raw!("{pem}"),
    }
    Ok(())
}

/// `cargo cra sign-blob`.
pub fn sign_blob(file: &Path, signer: SignerArgs, bundle: &Path) -> anyhow::Result<()> {
    let key = SignerOptions::from(signer).required_signer(&Terminal::new())?;
    let sha256 = signing::sign_blob(file, &key, bundle)?;
    eprintln!(
        "Signed {} (sha256 {}): {}",
        file.display(),
        cra_attest::digest::to_hex(&sha256),
        bundle.display()
    );
    Ok(())
}

/// `cargo cra attest`.
pub fn attest(
    file: &Path,
    predicate: &Path,
    predicate_type: &str,
    signer: SignerArgs,
    bundle: &Path,
) -> anyhow::Result<()> {
    let key = SignerOptions::from(signer).required_signer(&Terminal::new())?;
    signing::attest(file, predicate, predicate_type, &key, bundle)?;
    eprintln!(
        "Attested {} ({predicate_type}): {}",
        file.display(),
        bundle.display()
    );
    Ok(())
}
