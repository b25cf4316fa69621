//! `cargo cra docs`' options (clap), and their conversion into a [`DocsRequest`].

use super::output::warning;
use super::terminal::Terminal;
use cargo_cra::docs::DocsRequest;
use cargo_cra::signing::SignerOptions;
use cargo_cra::verifying::TrustOptions;
use clap::Args;
use std::path::PathBuf;

/// Options of `cargo cra docs`.
#[derive(Debug, Clone, Args)]
pub struct DocsArgs {
    /// The evidence: a build output directory (`target/cra/<target>/<profile>/`) or an image
    /// directory `cargo cra compose` wrote (default: the one build output directory under
    /// `target/cra/`).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Where to write the documents (default: `DIR/cra/`); replaced as a whole.
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Fail, writing nothing, when an Annex II or Annex V item is missing (one line each).
    #[arg(long)]
    pub strict: bool,
    /// The product table's file: a `Cargo.toml` (`[package.metadata.cra]` over
    /// `[workspace.metadata.cra]`) or a recipe (`[product]`). Default: for a build directory,
    /// the workspace holding it; an image directory needs its recipe here.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub trust: DocsTrustArgs,
    /// Attest `technical-file.json` (`technical-file.json.sigstore.json`, a DSSE statement
    /// whose subjects are it and every file it lists): `cargo cra verify technical-file.json`
    /// then proves the whole set, offline.
    #[arg(long)]
    pub sign: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub signer: super::sign::SignerArgs,
    /// Print one JSON object describing what was written.
    #[arg(long)]
    pub json: bool,
}

/// Whom the evidence's signatures must be from: each is re-verified for the report.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Verification of the evidence")]
pub struct DocsTrustArgs {
    /// Verify the evidence's signatures with this public key (PEM).
    #[arg(long, value_name = "PUB", conflicts_with_all = ["certificate_identity", "certificate_identity_regexp"])]
    pub verify_key: Option<PathBuf>,
    /// The signer's certificate identity (subject alternative name), exactly.
    #[arg(long, value_name = "ID")]
    pub certificate_identity: Option<String>,
    /// The signer's certificate identity, as a regular expression matching all of it.
    #[arg(long, value_name = "RE", conflicts_with = "certificate_identity")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer recorded in the certificate, exactly.
    #[arg(long, value_name = "URL")]
    pub certificate_oidc_issuer: Option<String>,
    /// The OIDC issuer, as a regular expression matching all of it.
    #[arg(long, value_name = "RE", conflicts_with = "certificate_oidc_issuer")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Trusted root for the verification (default: Sigstore's public-good root, embedded).
    #[arg(long, value_name = "FILE")]
    pub verify_trusted_root: Option<PathBuf>,
    /// The devices' update CA (PEM), to check a RAUC bundle's own CMS signature too.
    #[arg(long, value_name = "CA")]
    pub verify_keyring: Option<PathBuf>,
}

impl DocsTrustArgs {
    /// The trust options, when any was given.
    fn options(self) -> Option<TrustOptions> {
        let given = self.verify_key.is_some()
            || self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some();
        given.then_some(TrustOptions {
            certificate_identity: self.certificate_identity,
            certificate_identity_regexp: self.certificate_identity_regexp,
            certificate_oidc_issuer: self.certificate_oidc_issuer,
            certificate_oidc_issuer_regexp: self.certificate_oidc_issuer_regexp,
            key: self.verify_key,
            trusted_root: self.verify_trusted_root,
            keyring: self.verify_keyring,
        })
    }
}

impl DocsArgs {
    /// The library's request (`dir` resolved by the caller).
    pub fn request(self, dir: PathBuf) -> DocsRequest {
        DocsRequest {
            dir,
            out: self.out,
            strict: self.strict,
            config: self.config,
            product: None,
            trust: self.trust.options(),
        }
    }
}

/// `cargo cra docs`: writes the documents (signed with --sign), prints what it wrote.
pub fn run(a: DocsArgs) -> anyhow::Result<()> {
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => cargo_cra::docs::default_dir(std::path::Path::new("target/cra"))?,
    };
    let signer = match a.sign {
        true => Some(SignerOptions::from(a.signer.clone()).required_signer(&Terminal::new())?),
        false => None,
    };
    let json = a.json;
    let report = cargo_cra::ops::docs::run(&a.request(dir), signer.as_ref())?;
    print_docs(&report, json);
    Ok(())
}

fn print_docs(report: &cargo_cra::docs::DocsReport, json: bool) {
    for w in &report.warnings {
        warning(w);
    }
    if json {
        out!("{}", serde_json::to_string(report).expect("serialisable"));
        return;
    }
    out!("CRA documents in {}", report.out.display());
    for f in &report.files {
        out!("  {}", f.display());
    }
    for m in &report.missing {
        out!("missing: {m}");
    }
}
