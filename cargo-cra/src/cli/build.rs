//! `cargo cra build`'s options (clap), and their conversion into a [`BuildRequest`].

use super::sign::KeylessArgs;
use cargo_cra::request::{self, BuildRequest};
use clap::{Args, ValueEnum};
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

/// How `cargo cra build` reports what it wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// A few lines per binary, for people.
    #[default]
    Human,
    /// One JSON object per binary per line, for pipelines.
    Json,
}

/// Everything `cargo cra build` needs to know.
#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
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
    #[command(flatten)]
    #[allow(missing_docs)]
    pub signing: BuildSigning,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub gate: super::audit::GateArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub warnings: WarningArgs,
    /// Output format of cargo-cra's summary (cargo's own output always goes to stderr).
    #[arg(
        long,
        value_enum,
        default_value_t,
        value_name = "FMT",
        help_heading = "Output"
    )]
    pub message_format: MessageFormat,
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

impl From<BuildArgs> for BuildRequest {
    fn from(b: BuildArgs) -> Self {
        BuildRequest {
            selection: b.selection.into(),
            features: b.features.into(),
            compilation: b.compilation.into(),
            manifest: b.manifest.into(),
            signing: b.signing.into(),
            message_format: b.message_format.into(),
            audit: b.gate.gate(),
            deny_warnings: b.warnings.deny_warnings,
            image_app: false,
        }
    }
}
