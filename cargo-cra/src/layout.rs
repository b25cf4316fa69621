//! An image directory's OCI image layout (`oci/`): its one image manifest, the blobs that
//! manifest names, and the files `cargo cra pull` writes to make one. Read as hostile input:
//! digests are `sha256:` and 64 lower-case hex digits, sizes are stated, documents are capped.

use crate::registry::MANIFEST_MAX;
use cra_model::fileset::{OCI_INDEX_FILE, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE, oci_blob};
use cra_model::media::{OCI_MANIFEST, OCI_REF_NAME};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Why a layout or manifest is unusable.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct LayoutError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

/// A content descriptor: what a manifest or index says of a blob.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Descriptor {
    /// `sha256:<64 lower-case hex>` (checked by [`Descriptor::hex`]).
    pub digest: String,
    /// The blob's size in bytes.
    pub size: u64,
    /// Its media type.
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    /// An artifact's type (referrers).
    #[serde(rename = "artifactType", default)]
    pub artifact_type: Option<String>,
    /// Its annotations.
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl Descriptor {
    /// The digest's hex, when it is a well-formed SHA-256 digest.
    pub fn hex(&self) -> Option<&str> {
        let hex = self.digest.strip_prefix("sha256:")?;
        let ok = hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then_some(hex)
    }
}

/// The parts of an image manifest (or an artifact manifest) this tool reads.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Manifest {
    /// Always 2.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    /// Always the OCI image manifest's media type (a Docker manifest or an index is refused).
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// The config blob.
    pub config: Descriptor,
    /// The layers, in order.
    pub layers: Vec<Descriptor>,
    /// What this manifest refers to (a referrer's subject).
    #[serde(default)]
    pub subject: Option<Descriptor>,
}

impl Manifest {
    /// Parses a manifest; every descriptor must have a well-formed digest.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        let value = cra_model::input::strict_json(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let m: Manifest =
            serde_json::from_value(value).map_err(|e| format!("not an OCI image manifest: {e}"))?;
        if m.schema_version != 2 || m.media_type != OCI_MANIFEST {
            return Err(format!(
                "not an OCI image manifest (schemaVersion {}, mediaType {:?})",
                m.schema_version,
                cra_model::input::printable(&m.media_type)
            ));
        }
        let well_formed = m.blobs().all(|d| d.hex().is_some());
        match well_formed {
            true => Ok(m),
            false => Err("a descriptor's digest is not sha256: and 64 hex digits".into()),
        }
    }

    /// The config, then the layers.
    pub fn blobs(&self) -> impl Iterator<Item = &Descriptor> {
        std::iter::once(&self.config).chain(&self.layers)
    }
}

/// An image index: the descriptors it lists.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Index {
    /// What it lists.
    pub manifests: Vec<Descriptor>,
}

impl Index {
    /// Parses an index (a layout's `index.json`, a referrers list).
    pub fn parse(bytes: &[u8]) -> Result<Index, String> {
        let value = cra_model::input::strict_json(bytes).map_err(|e| format!("not JSON: {e}"))?;
        serde_json::from_value(value).map_err(|e| format!("not an OCI image index: {e}"))
    }
}

/// The one image of a layout: its manifest's descriptor and file, and its tag.
pub(crate) struct LayoutImage {
    /// The manifest's descriptor in `index.json`.
    pub manifest: Descriptor,
    /// The manifest's blob file.
    pub path: PathBuf,
    /// The tag `index.json` gives it (compose: the image's version), when a valid tag.
    pub tag: Option<String>,
}

/// The layout at `layout`'s one image manifest (`index.json` lists exactly one).
pub(crate) fn image(layout: &Path) -> Result<LayoutImage, LayoutError> {
    let index_path = layout.join(OCI_INDEX_FILE);
    let bad = |message: String| LayoutError {
        path: index_path.clone(),
        message,
    };
    let text =
        cra_model::input::read_limited(&index_path, MANIFEST_MAX, "OCI index").map_err(|e| {
            bad(format!(
                "{e} (is it an image directory `cargo cra compose` or `pull` wrote, with oci/?)"
            ))
        })?;
    let index = Index::parse(&text).map_err(bad)?;
    let [m] = &index.manifests[..] else {
        return Err(bad("not exactly one manifest".into()));
    };
    if m.media_type != OCI_MANIFEST {
        return Err(bad("its manifest is not an OCI image manifest".into()));
    }
    let hex = m
        .hex()
        .ok_or_else(|| bad("a malformed manifest digest".into()))?;
    Ok(LayoutImage {
        path: layout.join(oci_blob(hex)),
        tag: m
            .annotations
            .get(OCI_REF_NAME)
            .filter(|t| crate::registry::valid_tag(t))
            .cloned(),
        manifest: m.clone(),
    })
}

/// The blob file of `descriptor` (well-formed: see [`Descriptor::hex`]) in `layout`.
pub(crate) fn blob_path(layout: &Path, descriptor: &Descriptor) -> Option<PathBuf> {
    descriptor.hex().map(|hex| layout.join(oci_blob(hex)))
}

/// Writes the layout's marker and an `index.json` listing `manifest` (tagged `tag`).
pub(crate) fn write_index(
    layout: &Path,
    manifest: &Descriptor,
    tag: Option<&str>,
) -> std::io::Result<()> {
    std::fs::write(layout.join(OCI_LAYOUT_FILE), OCI_LAYOUT_CONTENT)?;
    let mut entry = serde_json::json!({
        "mediaType": OCI_MANIFEST,
        "digest": manifest.digest,
        "size": manifest.size,
    });
    if let Some(t) = tag {
        entry["annotations"] = serde_json::json!({ OCI_REF_NAME: t });
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": cra_model::media::OCI_INDEX,
        "manifests": [entry],
    });
    std::fs::write(
        layout.join(OCI_INDEX_FILE),
        serde_json::to_vec(&index).expect("serialisable"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_with_malformed_digests_are_refused() {
        let m = |digest: &str| {
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"x","digest":"{digest}","size":2}},"layers":[]}}"#
            )
        };
        let good = format!("sha256:{}", "a".repeat(64));
        assert!(Manifest::parse(m(&good).as_bytes()).is_ok());
        for bad in [
            "sha256:../../etc/passwd".to_string(),
            format!("sha256:{}", "A".repeat(64)),
            format!("sha512:{}", "a".repeat(128)),
        ] {
            assert!(Manifest::parse(m(&bad).as_bytes()).is_err(), "{bad}");
        }
        let twice = r#"{"config":{},"config":{},"layers":[]}"#;
        assert!(Manifest::parse(twice.as_bytes()).is_err());
        let good = m(&format!("sha256:{}", "a".repeat(64)));
        let docker = good.replace(
            OCI_MANIFEST,
            "application/vnd.docker.distribution.manifest.v2+json",
        );
        assert!(Manifest::parse(docker.as_bytes()).is_err());
        assert!(Manifest::parse(good.replace(":2,", ":1,").as_bytes()).is_err());
    }
}
