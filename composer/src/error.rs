//! What can go wrong while composing an image: one line each, naming what and where.

use crate::recipe::RecipeError;
use std::path::{Path, PathBuf};

/// A composition error.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The recipe is malformed or inconsistent (`file:line:column: message`).
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A source file changed while the image was being written.
    #[error("{}: changed while being read (size or modification time differs); compose again", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// An app's SBOM could not be merged into the image SBOM.
    #[error("{}: not a CycloneDX SBOM cargo-cra can merge: {message}", path.display())]
    AppSbom {
        /// The SBOM file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// `deny-weak-binaries`: an ELF file put into the image lacks mitigations.
    #[error("{path}: lacks exploitation mitigations: {weaknesses} ([image] deny-weak-binaries)")]
    WeakFile {
        /// Its path in the image.
        path: String,
        /// What it lacks.
        weaknesses: String,
    },
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(#[from] cra_attest::sigstore::sign::SignError),
    /// A value does not fit the output format.
    #[error("{0}")]
    Format(String),
}

impl ComposeError {
    /// An I/O error about `path`.
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        ComposeError::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

/// A closure turning an I/O error into a [`ComposeError`] about `path`.
pub(crate) fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> ComposeError + '_ {
    move |e| ComposeError::io(path, e)
}
