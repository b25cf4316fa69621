//! Command-line option groups of `cargo cra build`, shared by the CLI (clap derive, flattened)
//! and the library API.

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
    pub keyless_options: crate::signing::KeylessArgs,
}

impl BuildSigning {
    /// The signer options these flags amount to.
    pub fn signer_args(&self) -> crate::signing::SignerArgs {
        crate::signing::SignerArgs {
            key: self.key.clone(),
            keyless: self.keyless,
            keyless_options: self.keyless_options.clone(),
        }
    }
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

impl BuildArgs {
    /// The lock-file and network arguments shared by `cargo metadata` and `cargo build`.
    pub fn lock_args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if !self.manifest.unlocked {
            a.push("--locked".into());
        }
        if self.manifest.frozen {
            a.push("--frozen".into());
        }
        if self.manifest.offline {
            a.push("--offline".into());
        }
        a
    }

    /// The arguments for `cargo build`, with `--target` made explicit.
    pub fn cargo_build_args(&self, target: &str) -> Vec<String> {
        let mut a = vec!["build".to_string()];
        for p in &self.selection.packages {
            a.extend(["--package".into(), p.clone()]);
        }
        if self.selection.workspace {
            a.push("--workspace".into());
        }
        for b in &self.selection.bins {
            a.extend(["--bin".into(), b.clone()]);
        }
        for f in &self.features.features {
            a.extend(["--features".into(), f.clone()]);
        }
        if self.features.all_features {
            a.push("--all-features".into());
        }
        if self.features.no_default_features {
            a.push("--no-default-features".into());
        }
        if self.compilation.release {
            a.push("--release".into());
        }
        if let Some(p) = &self.compilation.profile {
            a.extend(["--profile".into(), p.clone()]);
        }
        a.extend(["--target".into(), target.to_string()]);
        if let Some(j) = &self.compilation.jobs {
            a.extend(["--jobs".into(), j.clone()]);
        }
        if let Some(p) = &self.manifest.manifest_path {
            a.extend(["--manifest-path".into(), p.display().to_string()]);
        }
        a.extend(self.lock_args());
        a.push("--message-format=json-render-diagnostics".into());
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_by_default_and_target_always_explicit() {
        let args = BuildArgs::default();
        let built = args.cargo_build_args("x86_64-unknown-linux-musl");
        assert!(built.contains(&"--locked".to_string()));
        let t = built.iter().position(|a| a == "--target").unwrap();
        assert_eq!(built[t + 1], "x86_64-unknown-linux-musl");
    }

    #[test]
    fn unlocked_drops_locked() {
        let mut args = BuildArgs::default();
        args.manifest.unlocked = true;
        assert!(!args.cargo_build_args("t").contains(&"--locked".to_string()));
    }
}
