//! `cargo cra verify` and `verify-bundle`'s options (clap), and their conversion into the
//! library's requests.

use super::options::RegistryAccess;
use cargo_cra::registry::Reference;
use cargo_cra::verifying::{TrustOptions, VerifyBundleRequest, VerifyRequest};
use clap::Args;
use std::path::PathBuf;

/// Options of `cargo cra verify-bundle`.
#[derive(Debug, Clone, Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle.
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub trust: TrustArgs,
    /// The artefact: a file, or `sha256:<64 hex>` when that is not a path on disk. For a DSSE
    /// bundle, a subject of the in-toto statement.
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
}

/// Whom to trust: a key, or a certificate identity and issuer; and the trusted root.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Trust")]
pub struct TrustArgs {
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
    /// For a RAUC bundle (`<name>.raucb`): the devices' update CA (PEM) its CMS signature must
    /// chain to.
    #[arg(long, value_name = "CA")]
    pub keyring: Option<PathBuf>,
}

/// Options of `cargo cra verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The artefact: a binary written by `cargo cra build`, an image written by
    /// `cargo cra compose` (`<name>.squashfs`, `<name>.oci.tar`, `<name>.raucb`, or the image
    /// directory), a `technical-file.json`, with its evidence beside it; or a registry
    /// reference, `HOST[:PORT]/REPOSITORY:TAG` or `…@sha256:<hex>`.
    #[arg(value_name = "ARTIFACT")]
    pub artifact: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub trust: TrustArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub registry: RegistryAccess,
    /// Check an unsigned output: missing bundles are reported as skipped, not failed, and only
    /// the SBOM's and provenance's subjects are checked against the artefact (bundles present
    /// are verified when --key or an identity is given).
    #[arg(long, help_heading = "Checks")]
    pub allow_unsigned: bool,
    /// Print the report as JSON.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

impl From<TrustArgs> for TrustOptions {
    fn from(t: TrustArgs) -> Self {
        TrustOptions {
            certificate_identity: t.certificate_identity,
            certificate_identity_regexp: t.certificate_identity_regexp,
            certificate_oidc_issuer: t.certificate_oidc_issuer,
            certificate_oidc_issuer_regexp: t.certificate_oidc_issuer_regexp,
            key: t.key,
            trusted_root: t.trusted_root,
            keyring: t.keyring,
        }
    }
}

impl From<VerifyBundleArgs> for VerifyBundleRequest {
    fn from(v: VerifyBundleArgs) -> Self {
        VerifyBundleRequest {
            bundle: v.bundle,
            trust: v.trust.into(),
            artifact: v.artifact,
        }
    }
}

impl From<VerifyArgs> for VerifyRequest {
    fn from(v: VerifyArgs) -> Self {
        VerifyRequest {
            artifact: v.artifact,
            trust: v.trust.into(),
            allow_unsigned: v.allow_unsigned,
            json: v.json,
        }
    }
}

/// `cargo cra verify-bundle`: one `ok:` line per check passed.
pub fn run_bundle(a: VerifyBundleArgs) -> anyhow::Result<()> {
    for line in cargo_cra::verifying::verify_bundle_file(&a.into())? {
        out!("ok: {line}");
    }
    Ok(())
}

/// `cargo cra verify`: every check on a line (or JSON); fails on the first failed check.
pub fn run(a: VerifyArgs) -> anyhow::Result<()> {
    use cargo_cra::verifying::Status;
    let registry = a.registry.clone();
    let a = cargo_cra::verifying::VerifyRequest::from(a);
    let lines = match registry_reference(&a.artifact) {
        Some(reference) => {
            let terminal = super::terminal::Terminal::new();
            cargo_cra::ops::verify::run(reference, registry.connection()?, &a, &terminal)?.1
        }
        None => cargo_cra::verifying::verify_artifact(&a)?,
    };
    if a.json {
        out!(
            "{}",
            serde_json::to_string_pretty(&lines).expect("serialisable")
        );
    } else {
        for l in &lines {
            let detail = cra_model::input::printable(&l.detail);
            match l.status {
                Status::Ok => out!("ok   {}: {detail}", l.check),
                Status::Fail => out!("FAIL {}: {detail}", l.check),
                Status::Skipped => out!("skipped {}: {detail}", l.check),
            }
        }
    }
    if let Some(failed) = lines.iter().find(|l| l.status == Status::Fail) {
        anyhow::bail!("{}: {}", failed.check, failed.detail);
    }
    Ok(())
}

/// The registry reference `artifact` is: no such path, and a reference naming a tag or digest.
fn registry_reference(artifact: &std::path::Path) -> Option<Reference> {
    if std::fs::symlink_metadata(artifact).is_ok() {
        return None;
    }
    let reference: Reference = artifact.to_str()?.parse().ok()?;
    (reference.tag.is_some() || reference.digest.is_some()).then_some(reference)
}
