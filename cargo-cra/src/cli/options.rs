//! The option groups several commands share (`build`, `compose`, `audit`): one definition
//! each, flattened into the commands' arguments.

use super::sign::KeylessArgs;
use cargo_cra::audit::Kind;
use cargo_cra::request;
use clap::{Args, ValueEnum};
use cra_model::input::InputFile;
use std::path::PathBuf;

/// Options that choose what cargo builds.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Package selection")]
pub struct Selection {
    /// Package to build (see `cargo help pkgid`); may be repeated.
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,
    /// Build all packages of the workspace.
    #[arg(long)]
    pub workspace: bool,
    /// Build only this binary; may be repeated.
    #[arg(long = "bin", value_name = "NAME")]
    pub bins: Vec<String>,
}

/// Options that choose features.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Feature selection")]
pub struct Features {
    /// Space or comma separated features to activate.
    #[arg(short = 'F', long = "features", value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Activate all available features.
    #[arg(long)]
    pub all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,
}

/// Options that choose how and for what cargo compiles.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Compilation options")]
pub struct Compilation {
    /// Build with the release profile.
    #[arg(short = 'r', long, conflicts_with = "profile")]
    pub release: bool,
    /// Build with the given profile.
    #[arg(long, value_name = "PROFILE-NAME")]
    pub profile: Option<String>,
    /// Target triple to build for. Default: `CARGO_BUILD_TARGET`, else the host. cargo-cra
    /// always passes an explicit target, so host-only crates (build scripts, proc-macros) are
    /// kept apart from what ships.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Number of parallel jobs (does not change the output bytes).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<String>,
}

/// Options about the manifest and the lock file.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Manifest options")]
pub struct Manifest {
    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Require Cargo.lock to be up to date (the default; kept for cargo compatibility).
    #[arg(long)]
    pub locked: bool,
    /// Let cargo update Cargo.lock. Builds are then not reproducible from the commit.
    #[arg(long, conflicts_with_all = ["locked", "frozen"])]
    pub unlocked: bool,
    /// Like --locked, and also no network access.
    #[arg(long)]
    pub frozen: bool,
    /// Run without accessing the network.
    #[arg(long)]
    pub offline: bool,
}

/// Whether and how `cargo cra build` signs what it writes.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Signing")]
pub struct BuildSigning {
    /// Sign what is written (each binary, or the image) with its SBOM and provenance:
    /// Sigstore bundles beside them.
    #[arg(long)]
    pub sign: bool,
    /// Sign with this cosign-format private key (password from CRA_PASSWORD, else
    /// COSIGN_PASSWORD, else asked on the terminal).
    #[arg(
        long,
        value_name = "KEY",
        requires = "sign",
        conflicts_with = "keyless"
    )]
    pub key: Option<PathBuf>,
    /// Sign keyless: an OIDC identity, a Fulcio certificate and a Rekor entry.
    #[arg(long, requires = "sign")]
    pub keyless: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub keyless_options: KeylessArgs,
}

/// How CRA warnings are treated.
#[derive(Debug, Clone, Copy, Default, Args)]
#[command(next_help_heading = "CRA warnings")]
pub struct WarningArgs {
    /// Make CRA warnings errors, before anything is built: no manufacturer, security contact
    /// or support period end (or one past), a date fallen back to 1970, an image running as
    /// root. For release pipelines.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// An SBOM format (`--sbom-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.7 JSON (`<name>.cdx.json`): always written.
    Cyclonedx,
    /// SPDX 2.3 JSON (`<name>.spdx23.json`), as trivy and grype read it.
    #[value(name = "spdx2.3")]
    Spdx23,
    /// SPDX 3.0.1 JSON-LD (`<name>.spdx.json`), the SPDX version BSI TR-03183-2 accepts.
    Spdx3,
}

/// The formats written besides CycloneDX.
pub fn extra_sbom_formats(formats: &[SbomFormat]) -> Vec<request::SbomFormat> {
    let mut out = Vec::new();
    for f in formats {
        let extra = match f {
            SbomFormat::Cyclonedx => continue,
            SbomFormat::Spdx23 => request::SbomFormat::Spdx23,
            SbomFormat::Spdx3 => request::SbomFormat::Spdx3,
        };
        if !out.contains(&extra) {
            out.push(extra);
        }
    }
    out
}

/// How `cargo cra build` reports what it wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// A few lines per binary, for people.
    #[default]
    Human,
    /// One JSON object per binary per line, for pipelines.
    Json,
}

impl From<Selection> for request::Selection {
    fn from(s: Selection) -> Self {
        request::Selection {
            packages: s.packages,
            workspace: s.workspace,
            bins: s.bins,
        }
    }
}

impl From<Features> for request::Features {
    fn from(f: Features) -> Self {
        request::Features {
            features: f.features,
            all_features: f.all_features,
            no_default_features: f.no_default_features,
        }
    }
}

impl From<Compilation> for request::Compilation {
    fn from(c: Compilation) -> Self {
        request::Compilation {
            release: c.release,
            profile: c.profile,
            target: c.target,
            jobs: c.jobs,
        }
    }
}

impl From<Manifest> for request::Manifest {
    fn from(m: Manifest) -> Self {
        request::Manifest {
            manifest_path: m.manifest_path,
            locked: m.locked,
            unlocked: m.unlocked,
            frozen: m.frozen,
            offline: m.offline,
        }
    }
}

impl From<BuildSigning> for request::BuildSigning {
    fn from(s: BuildSigning) -> Self {
        request::BuildSigning {
            sign: s.sign,
            key: s.key,
            keyless: s.keyless,
            keyless_options: s.keyless_options.into(),
        }
    }
}

impl From<MessageFormat> for request::MessageFormat {
    fn from(f: MessageFormat) -> Self {
        match f {
            MessageFormat::Human => request::MessageFormat::Human,
            MessageFormat::Json => request::MessageFormat::Json,
        }
    }
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
    /// A version yanked from crates.io (as cargo's local index cache knows).
    Yanked,
}

impl From<DenyKind> for Kind {
    fn from(k: DenyKind) -> Kind {
        match k {
            DenyKind::Unmaintained => Kind::Unmaintained,
            DenyKind::Unsound => Kind::Unsound,
            DenyKind::Notice => Kind::Notice,
            DenyKind::Yanked => Kind::Yanked,
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
            vex: self.vex.into_iter().map(InputFile::from).collect(),
            deny: self.deny.into_iter().map(Kind::from).collect(),
        })
    }
}

/// How to reach a registry: TLS trust, plain-HTTP hosts, credentials.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Registry")]
pub struct RegistryAccess {
    /// The registry user; the password is read from standard input (--password-stdin).
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the password (or token) from standard input, one line.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Trust only the CA certificates in this PEM file (default: the system's CA bundle,
    /// `SSL_CERT_FILE` or the distribution's, else the bundled Mozilla roots).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Reach this registry host over plain HTTP (never implied; repeatable).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure: Vec<String>,
}

impl RegistryAccess {
    /// The connection these flags give (the password read from standard input now; else the
    /// credentials docker and podman keep are looked up for the registry's host).
    pub fn connection(self) -> anyhow::Result<cargo_cra::registry::Connection> {
        use cargo_cra::registry::Credentials;
        let credentials = match self.username {
            Some(user) => Some(Credentials::new(user, password_from_stdin()?)),
            None => None,
        };
        Ok(cargo_cra::registry::Connection {
            ca_file: self.ca_file,
            insecure: self.insecure,
            credentials,
            timeout: None,
        })
    }
}

/// Where and how to push: the registry's access, and tags.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Registry")]
pub struct RegistryArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub access: RegistryAccess,
    /// Another tag to set (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Also push the squashfs image (with its dm-verity root hash) and the RAUC bundle, each as
    /// an OCI artifact referring to the image.
    #[arg(long)]
    pub with_files: bool,
}

impl RegistryArgs {
    /// The push options these flags give (the password read from standard input now).
    pub fn options(self) -> anyhow::Result<cargo_cra::ops::push::PushOptions> {
        Ok(cargo_cra::ops::push::PushOptions {
            tags: self.tags,
            connection: self.access.connection()?,
            files: self.with_files,
        })
    }
}

/// One line of standard input, without its line end.
fn password_from_stdin() -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut line = String::new();
    std::io::stdin().take(64 << 10).read_to_string(&mut line)?;
    let password = line.lines().next().unwrap_or("").to_string();
    anyhow::ensure!(
        !password.is_empty(),
        "--password-stdin: standard input is empty"
    );
    Ok(password)
}
