//! The technical file's listing (`technical-file.json`, format `docs/technical-file-v1.md`):
//! what `cargo cra docs` writes and `cargo cra verify` reads of it — where its files are and
//! their digests.

/// What `cargo cra verify` reads of a technical file: where its files are and their digests.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// The format's identifier.
    pub format: String,
    /// From the technical file's directory to the artefacts' directory.
    pub evidence_root: String,
    /// The artefacts, relative to `evidence_root`.
    pub artefacts: Vec<ListedFile>,
    /// The documents, relative to the technical file's directory.
    pub documents: Vec<ListedFile>,
}

/// One file the listing names.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ListedFile {
    /// Relative path, `/`-separated, without `..`.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Whether `path` stays below the directory it is relative to.
pub fn is_below(path: &str) -> bool {
    !path.is_empty()
        && std::path::Path::new(path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}
