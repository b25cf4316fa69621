//! `cargo cra push IMAGE_DIR REF`: the image `compose` wrote (its OCI layout) into a registry
//! repository, tagged with the image's version and any extra tags; blobs the repository has
//! are not sent again. Every blob is checked against its digest before it leaves.

use crate::registry::{Client, Connection, Reference, RegistryError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What to push.
#[derive(Debug, Clone)]
pub struct PushRequest {
    /// The image directory `compose` wrote (holding `oci/`).
    pub image: PathBuf,
    /// Where: `HOST[:PORT]/REPOSITORY[:TAG]`.
    pub reference: Reference,
    /// Tags besides the reference's (or the image's version).
    pub tags: Vec<String>,
    /// How to reach the registry.
    pub connection: Connection,
}

/// What was pushed.
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    /// `HOST/REPOSITORY`.
    pub repository: String,
    /// The manifest's digest.
    pub digest: String,
    /// The tags set.
    pub tags: Vec<String>,
    /// Blobs sent.
    pub uploaded: usize,
    /// Blobs the repository already had.
    pub skipped: usize,
}

/// Why the push stopped.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The image directory is not an OCI layout `compose` wrote, or does not match itself.
    #[error("{path}: {message}")]
    Layout {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The registry failed or refused.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// One blob of the image: its digest, size and file.
struct Blob {
    digest: String,
    size: u64,
    path: PathBuf,
}

/// Pushes the image as `request` says.
pub fn run(request: &PushRequest) -> Result<PushReport, PushError> {
    let layout = request.image.join(cra_model::fileset::OCI_LAYOUT_DIR);
    let (manifest, version) = image_manifest(&layout)?;
    let bytes = std::fs::read(&manifest.path).map_err(|e| layout_error(&manifest.path, e))?;
    let blobs = manifest_blobs(&layout, &manifest.path, &bytes)?;
    let client = Client::new(&request.reference, &request.connection)?;
    let (mut uploaded, mut skipped) = (0, 0);
    for blob in &blobs {
        check_blob(blob)?;
        match client.has_blob(&blob.digest)? {
            true => skipped += 1,
            false => {
                client.push_blob(&blob.digest, blob.size, &blob.path)?;
                uploaded += 1;
            }
        }
    }
    let first = request.reference.tag.clone().or(version);
    let tags: Vec<String> = first
        .into_iter()
        .chain(request.tags.iter().cloned())
        .collect();
    if tags.is_empty() {
        return Err(PushError::Layout {
            path: layout.join("index.json"),
            message: "the image names no version to tag it with: give REF:TAG or --tag".into(),
        });
    }
    for tag in &tags {
        client.put_manifest(tag, cra_model::media::OCI_MANIFEST, &bytes)?;
    }
    Ok(PushReport {
        repository: format!(
            "{}/{}",
            request.reference.host, request.reference.repository
        ),
        digest: manifest.digest,
        tags,
        uploaded,
        skipped,
    })
}

/// The layout's one image manifest and the version its `index.json` tags it with.
fn image_manifest(layout: &Path) -> Result<(Blob, Option<String>), PushError> {
    let index_path = layout.join("index.json");
    let bad = |message: &str| PushError::Layout {
        path: index_path.clone(),
        message: message.into(),
    };
    let text = cra_model::input::read_limited(&index_path, 4 << 20, "OCI index").map_err(|e| {
        bad(&format!(
            "{e} (is it an image directory `cargo cra compose` wrote, with oci/?)"
        ))
    })?;
    let index: serde_json::Value =
        cra_model::input::strict_json(&text).map_err(|_| bad("not JSON"))?;
    let manifests = index["manifests"]
        .as_array()
        .ok_or_else(|| bad("no manifests"))?;
    let [m] = &manifests[..] else {
        return Err(bad("not exactly one manifest"));
    };
    if m["mediaType"] != cra_model::media::OCI_MANIFEST {
        return Err(bad("its manifest is not an OCI image manifest"));
    }
    let version = m["annotations"][cra_model::media::OCI_REF_NAME]
        .as_str()
        .filter(|t| crate::registry::valid_tag(t))
        .map(str::to_string);
    Ok((
        blob(layout, m).ok_or_else(|| bad("a malformed manifest descriptor"))?,
        version,
    ))
}

/// The config and layers the manifest at `path` (`bytes`) names.
fn manifest_blobs(layout: &Path, path: &Path, bytes: &[u8]) -> Result<Vec<Blob>, PushError> {
    let bad = |message: &str| PushError::Layout {
        path: path.to_path_buf(),
        message: message.into(),
    };
    let manifest: serde_json::Value =
        cra_model::input::strict_json(bytes).map_err(|_| bad("not JSON"))?;
    let layers = manifest["layers"]
        .as_array()
        .ok_or_else(|| bad("no layers"))?;
    std::iter::once(&manifest["config"])
        .chain(layers)
        .map(|d| blob(layout, d).ok_or_else(|| bad("a malformed descriptor")))
        .collect()
}

/// The blob a descriptor names, in the layout; `None` for a malformed digest or size.
fn blob(layout: &Path, descriptor: &serde_json::Value) -> Option<Blob> {
    let digest = descriptor["digest"].as_str()?;
    let hex = digest.strip_prefix("sha256:")?;
    let well_formed = hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    well_formed.then(|| Blob {
        digest: digest.to_string(),
        size: descriptor["size"].as_u64().unwrap_or(u64::MAX),
        path: layout.join("blobs/sha256").join(hex),
    })
}

/// The blob file is a regular file of the size and digest its descriptor states.
fn check_blob(blob: &Blob) -> Result<(), PushError> {
    let meta = std::fs::symlink_metadata(&blob.path).map_err(|e| layout_error(&blob.path, e))?;
    if !meta.is_file() || meta.len() != blob.size {
        return Err(PushError::Layout {
            path: blob.path.clone(),
            message: format!(
                "not a regular file of the {} bytes its descriptor states",
                blob.size
            ),
        });
    }
    let digests = cra_attest::digest::Digests::of_file(&blob.path)
        .map_err(|e| layout_error(&blob.path, e))?;
    match format!("sha256:{}", digests.sha256_hex()) == blob.digest {
        true => Ok(()),
        false => Err(PushError::Layout {
            path: blob.path.clone(),
            message: format!(
                "its content is not {}: the layout changed after compose",
                blob.digest
            ),
        }),
    }
}

fn layout_error(path: &Path, e: std::io::Error) -> PushError {
    PushError::Layout {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
