//! Errors of `cargo cra build`. Each one renders as a single line that says what went wrong and
//! where, and, where there is one, what to run to fix it.

use std::path::PathBuf;

/// Why `cargo cra build` stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `--deny-weak-binaries`: a binary lacks an exploitation mitigation.
    #[error(
        "binary `{binary}`: {weaknesses}; denied by --deny-weak-binaries, no outputs were written"
    )]
    WeakBinary {
        /// The binary.
        binary: String,
        /// What it lacks.
        weaknesses: String,
    },
    /// The dependency list could not be written into a binary.
    #[error("{path}: {message}")]
    Embed {
        /// The binary.
        path: PathBuf,
        /// Why (an [`crate::embed`] error, said).
        message: String,
    },
    /// `--deny-warnings`: the warnings printed above are errors; nothing was built.
    #[error("{0} warning(s) above, denied by --deny-warnings; nothing was built")]
    DeniedWarnings(usize),
    /// `--deny-warnings`: warnings found once cargo had built are errors; nothing was written.
    #[error("{0} warning(s) above, denied by --deny-warnings; no SBOM was written")]
    DeniedLateWarnings(usize),
    /// `--audit`: findings fail the gate (exit code 1), or the audit could not be done (2);
    /// nothing was written.
    #[error("{0}; no outputs were written")]
    AuditGate(Box<crate::audit::GateError>),
    /// There is no `Cargo.toml` where the user asked.
    #[error("not a cargo project: {0}")]
    NotACargoProject(String),
    /// `--locked` (the default) without a lock file.
    #[error(
        "{0}: missing; run `cargo generate-lockfile` and commit Cargo.lock (reproducible builds need it)"
    )]
    MissingLockFile(PathBuf),
    /// The lock file does not match the manifests.
    #[error(
        "{0}: out of date with the manifests; run `cargo update --workspace` and commit Cargo.lock (or pass --unlocked)"
    )]
    StaleLockFile(PathBuf),
    /// A `-p` argument names no package.
    #[error("package `{0}` is not in the workspace or its dependencies (see `cargo metadata`)")]
    UnknownPackage(String),
    /// A `--bin` argument names no binary of the selected packages.
    #[error("no binary target named `{name}` in the selected packages (available: {available})")]
    UnknownBinary {
        /// The requested binary.
        name: String,
        /// Binaries that do exist.
        available: String,
    },
    /// `[package.metadata.cra]` or `[workspace.metadata.cra]` is malformed.
    #[error("{file}:{line}:{column}: {message}")]
    Config {
        /// The manifest.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// `SOURCE_DATE_EPOCH` is set but is not a whole number of seconds.
    #[error("SOURCE_DATE_EPOCH={0:?} is not a whole number of seconds since 1970")]
    BadSourceDateEpoch(String),
    /// A cargo or rustc invocation failed before the build.
    #[error("{what} failed: {message}")]
    Tool {
        /// The command.
        what: String,
        /// Its first error line.
        message: String,
    },
    /// `cargo build` failed; its diagnostics were shown.
    #[error("cargo build failed (exit code {code}); no SBOM was written")]
    CargoBuildFailed {
        /// cargo's exit code, kept as ours.
        code: i32,
    },
    /// `cargo build` of a recipe's app failed (compose); its diagnostics were shown.
    #[error("building {package} failed (cargo exit code {code}); no image was written")]
    AppBuildFailed {
        /// The app's package.
        package: String,
        /// cargo's exit code, kept as ours.
        code: i32,
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
    /// Signing an output failed.
    #[error(transparent)]
    Sign(#[from] crate::signing::SignError),
    /// The Rust target, its linker or its C cross compiler is not installed.
    #[error("{what} is missing: {fix}")]
    MissingTool {
        /// What is missing.
        what: String,
        /// The command that installs it.
        fix: String,
    },
    /// A unit linked into a binary cannot be accounted for, so its SBOM would be incomplete.
    #[error(
        "cannot account for every crate linked into the binary: {0}; no SBOM was written (`cargo clean` makes every unit compile again)"
    )]
    UnrecordedUnit(String),
    /// The project's own inputs (a build script, rustflags) make a crate's identity or presence
    /// unprovable: the SBOM would say what is not so.
    #[error("{0}; no SBOM was written")]
    Untrustworthy(String),
    /// Something cargo reported does not fit together.
    #[error("{0}")]
    Inconsistent(String),
}

impl BuildError {
    /// The process exit code for this error: cargo's own for a failed build, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::CargoBuildFailed { code } | BuildError::AppBuildFailed { code, .. } => {
                *code
            }
            BuildError::AuditGate(e) => e.exit_code(),
            _ => 1,
        }
    }

    /// The dependency list could not be written into the binary at `path`, for `why`.
    pub(crate) fn embed(path: impl Into<PathBuf>, why: impl std::fmt::Display) -> Self {
        BuildError::Embed {
            path: path.into(),
            message: why.to_string(),
        }
    }

    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BuildError::Io {
            path: path.into(),
            source,
        }
    }
}
