//! What `cargo cra build` is asked to do: the option groups of a build request, as plain data
//! (the command line's clap types live in the binary and convert into these).

use std::path::PathBuf;

/// Options that choose what cargo builds.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Package to build (see `cargo help pkgid`); may be repeated.
    pub packages: Vec<String>,
    /// Build all packages of the workspace.
    pub workspace: bool,
    /// Build only this binary; may be repeated.
    pub bins: Vec<String>,
}

/// Options that choose features.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Space or comma separated features to activate.
    pub features: Vec<String>,
    /// Activate all available features.
    pub all_features: bool,
    /// Do not activate the `default` feature.
    pub no_default_features: bool,
}

/// Options that choose how and for what cargo compiles.
#[derive(Debug, Clone, Default)]
pub struct Compilation {
    /// Build with the release profile.
    pub release: bool,
    /// Build with the given profile.
    pub profile: Option<String>,
    /// Target triple to build for. Default: `CARGO_BUILD_TARGET`, else the host. cargo-cra
    /// always passes an explicit target, so host-only crates (build scripts, proc-macros) are
    /// kept apart from what ships.
    pub target: Option<String>,
    /// Number of parallel jobs (does not change the output bytes).
    pub jobs: Option<String>,
}

/// Options about the manifest and the lock file.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// Path to Cargo.toml.
    pub manifest_path: Option<PathBuf>,
    /// Require Cargo.lock to be up to date (the default; kept for cargo compatibility).
    pub locked: bool,
    /// Let cargo update Cargo.lock. Builds are then not reproducible from the commit.
    pub unlocked: bool,
    /// Like --locked, and also no network access.
    pub frozen: bool,
    /// Run without accessing the network.
    pub offline: bool,
}

/// Whether and how `cargo cra build` signs what it writes.
#[derive(Debug, Clone, Default)]
pub struct BuildSigning {
    /// Sign what is written (each binary, or the image) with its SBOM and provenance:
    /// Sigstore bundles beside them.
    pub sign: bool,
    /// Sign with this cosign-format private key (password from CRA_PASSWORD, else
    /// COSIGN_PASSWORD, else asked on the terminal).
    pub key: Option<PathBuf>,
    /// Sign keyless: an OIDC identity, a Fulcio certificate and a Rekor entry.
    pub keyless: bool,
    /// Where keyless signing goes.
    pub keyless_options: crate::signing::KeylessOptions,
}

impl BuildSigning {
    /// The signer, when `--sign` was given (asking for a key's password now, before any work).
    pub fn signer(
        &self,
        ui: &dyn crate::ui::Ui,
    ) -> Result<Option<cra_attest::sigstore::sign::Signer>, crate::signing::SignError> {
        match self.sign {
            true => self.signer_args().required_signer(ui).map(Some),
            false => Ok(None),
        }
    }

    /// The signer options these flags amount to.
    pub fn signer_args(&self) -> crate::signing::SignerOptions {
        crate::signing::SignerOptions {
            key: self.key.clone(),
            keyless: self.keyless,
            keyless_options: self.keyless_options.clone(),
        }
    }
}

/// How `cargo cra build` reports what it wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MessageFormat {
    /// A few lines per binary, for people.
    #[default]
    Human,
    /// One JSON object per binary per line, for pipelines.
    Json,
}

/// Everything `cargo cra build` needs to know.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    /// What cargo builds.
    pub selection: Selection,
    /// Which features.
    pub features: Features,
    /// How and for what cargo compiles.
    pub compilation: Compilation,
    /// The manifest and the lock file.
    pub manifest: Manifest,
    /// Whether and how to sign what is written.
    pub signing: BuildSigning,
    /// Output format of cargo-cra's summary (cargo's own output always goes to stderr).
    pub message_format: MessageFormat,
    /// The audit gate the linked crates must pass before any output is written.
    pub audit: Option<crate::audit::Gate>,
    /// CRA warnings (no manufacturer, a 1970 date, …) are errors, before anything is built.
    pub deny_warnings: bool,
    /// The build is an image's app (`cargo cra compose`): the recipe's `[product]` and the
    /// image's date speak for it, so the package's own gaps are not warned about.
    pub image_app: bool,
    /// Ship the binaries without their dependency list (`.dep-v0`), whatever the package's
    /// `embed-deps` says.
    pub no_embed_deps: bool,
    /// SBOM formats written besides CycloneDX (always written: the evidence `verify`, `audit`
    /// and `docs` read).
    pub sbom_formats: Vec<SbomFormat>,
    /// A binary lacking an exploitation mitigation (PIE, full RELRO, a non-executable stack,
    /// no writable and executable segment, no text relocations) stops the build.
    pub deny_weak_binaries: bool,
}

/// An SBOM format written besides CycloneDX 1.7.
pub use cra_attest::evidence::OtherSbom as SbomFormat;

impl BuildRequest {
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
        let args = BuildRequest::default();
        let built = args.cargo_build_args("x86_64-unknown-linux-musl");
        assert!(built.contains(&"--locked".to_string()));
        let t = built.iter().position(|a| a == "--target").unwrap();
        assert_eq!(built[t + 1], "x86_64-unknown-linux-musl");
    }

    #[test]
    fn unlocked_drops_locked() {
        let mut args = BuildRequest::default();
        args.manifest.unlocked = true;
        assert!(!args.cargo_build_args("t").contains(&"--locked".to_string()));
    }
}
