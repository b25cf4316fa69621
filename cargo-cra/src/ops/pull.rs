//! `cargo cra pull REF --out DIR`: an image and the Sigstore bundles attached to it, from a
//! registry into the image directory `cargo cra verify` reads offline — so that an auditor
//! archives exactly what was verified.
//!
//! What is written: `oci/` (an OCI image layout of the one image, every blob checked against
//! its digest as it arrives), and each bundle attached to the manifest under the name its
//! evidence has beside a composed image: the manifest's signature `<stem>.manifest.sigstore.json`,
//! the SBOM and provenance attestations with the documents they attest (`<stem>.cdx.json`,
//! `<stem>.provenance.json`), the technical file's attestation under `cra/`. Bundles none of
//! those names fit go to `referrers/sha256-<hex>.sigstore.json`. Names come from what the
//! bundles say, never from the registry. Nothing is left behind on failure: the directory is
//! assembled beside `DIR` and renamed into place.

use crate::layout::{Descriptor, Index, LayoutError, Manifest};
use crate::registry::{Client, Connection, Reference, RegistryError};
use cra_model::fileset::{self, Documents};
use cra_model::media;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Bundles attached to one image beyond this many are refused (a hostile registry).
const REFERRERS_MAX: usize = 256;

/// What to pull, from where, into where.
#[derive(Debug, Clone)]
pub struct PullRequest {
    /// `HOST[:PORT]/REPOSITORY:TAG` or `…@sha256:<hex>`.
    pub reference: Reference,
    /// How to reach the registry.
    pub connection: Connection,
    /// The image directory to write (must not exist, or be empty).
    pub out: PathBuf,
}

/// What was pulled.
#[derive(Debug, Clone, Serialize)]
pub struct PullReport {
    /// `HOST/REPOSITORY`.
    pub repository: String,
    /// The manifest's digest (what a tag resolved to).
    pub digest: String,
    /// The tag asked for, if any.
    pub tag: Option<String>,
    /// The image directory written.
    pub out: PathBuf,
    /// Blobs written (config, layers).
    pub blobs: usize,
    /// Their bytes.
    pub bytes: u64,
    /// The evidence files written, relative to `out`, sorted.
    pub evidence: Vec<String>,
}

/// Why the pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The registry failed, refused, or sent what its digests do not name.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// What the registry sent is not an image this tool reads.
    #[error("{reference}: {message}")]
    Image {
        /// The reference or digest.
        reference: String,
        /// What is wrong.
        message: String,
    },
    /// The reference names neither a tag nor a digest.
    #[error("{0}: name the image by tag (:TAG) or digest (@sha256:…)")]
    Untagged(String),
    /// Stored credentials are unusable.
    #[error(transparent)]
    Credentials(#[from] crate::registry::CredentialsError),
    /// The output directory is unusable.
    #[error(transparent)]
    Out(#[from] LayoutError),
}

/// Pulls the image `request` names, with its bundles, into `request.out`.
pub fn run(request: &PullRequest) -> Result<PullReport, PullError> {
    let reference = &request.reference;
    let client = Client::new(reference, &request.connection)?;
    let staging = staging_dir(&request.out)?;
    let (digest, manifest_bytes) = resolve(&client, reference)?;
    let image_error = |message: String| PullError::Image {
        reference: digest.clone(),
        message,
    };
    let manifest = Manifest::parse(&manifest_bytes).map_err(image_error)?;
    let layout = staging.path().join(fileset::OCI_LAYOUT_DIR);
    let written = write_blobs(&client, &layout, &digest, &manifest_bytes, &manifest)?;
    let descriptor = Descriptor {
        digest: digest.clone(),
        size: manifest_bytes.len() as u64,
        media_type: media::OCI_MANIFEST.into(),
        artifact_type: None,
        annotations: Default::default(),
    };
    crate::layout::write_index(&layout, &descriptor, reference.tag.as_deref())
        .map_err(|e| out_error(&layout, e))?;
    let bundles = attached_bundles(&client, &descriptor)?;
    let evidence = place(staging.path(), &digest, reference, bundles)?;
    finish(staging, &request.out)?;
    Ok(PullReport {
        repository: reference.repository_name(),
        digest,
        tag: reference.tag.clone(),
        out: request.out.clone(),
        blobs: manifest.blobs().count(),
        bytes: written,
        evidence,
    })
}

/// An empty directory beside `out` to assemble the image in; `out` must not exist or be empty.
fn staging_dir(out: &Path) -> Result<tempfile::TempDir, PullError> {
    let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none());
    if out.exists() && !matches!(empty, Ok(true)) {
        return Err(out_error(
            out,
            std::io::Error::other("exists and is not empty"),
        ));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".cra-pull-")
        .tempdir_in(&parent)
        .map_err(|e| out_error(&parent, e))
}

/// Moves the assembled directory into place.
fn finish(staging: tempfile::TempDir, out: &Path) -> Result<(), PullError> {
    if out.exists() {
        std::fs::remove_dir(out).map_err(|e| out_error(out, e))?;
    }
    let path = staging.keep();
    std::fs::rename(&path, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&path);
        out_error(out, e)
    })?;
    Ok(())
}

/// The manifest `reference` names, and its digest (a tag resolved; a digest checked).
fn resolve(client: &Client, reference: &Reference) -> Result<(String, Vec<u8>), PullError> {
    let name = reference.repository_name();
    let asked = match (&reference.digest, &reference.tag) {
        (Some(d), _) => d.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => return Err(PullError::Untagged(name)),
    };
    let bytes = client
        .get_manifest(&asked, media::OCI_MANIFEST)?
        .ok_or_else(|| PullError::Image {
            reference: format!("{name}:{asked}"),
            message: "no such image in the repository".into(),
        })?;
    let digest = format!(
        "sha256:{}",
        cra_attest::digest::Digests::of_bytes(&bytes).sha256_hex()
    );
    Ok((digest, bytes))
}

/// Writes the manifest, config and layers into `layout`'s blobs (each checked against its
/// digest as it streams); returns the bytes written.
fn write_blobs(
    client: &Client,
    layout: &Path,
    digest: &str,
    manifest_bytes: &[u8],
    manifest: &Manifest,
) -> Result<u64, PullError> {
    let blobs = layout.join(fileset::oci_blob("x"));
    let blobs = blobs.parent().expect("blobs/sha256");
    std::fs::create_dir_all(blobs).map_err(|e| out_error(blobs, e))?;
    let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
    let path = layout.join(fileset::oci_blob(hex));
    std::fs::write(&path, manifest_bytes).map_err(|e| out_error(&path, e))?;
    let mut bytes = 0;
    for d in manifest.blobs() {
        let path = crate::layout::blob_path(layout, d).expect("checked by Manifest::parse");
        if !path.exists() {
            client.get_blob(&d.digest, d.size, &path)?;
            bytes += d.size;
        }
    }
    Ok(bytes)
}

/// One bundle attached to the image: its blob's digest and bytes.
struct Attached {
    digest: String,
    bytes: Vec<u8>,
}

/// The Sigstore bundles attached to `subject`: listed by the referrers API, else by the
/// referrers tag schema's index; each referrer manifest and bundle read by digest and checked.
/// Listed entries that are not Sigstore bundles, or whose manifest names another subject,
/// are not this image's evidence and are passed over.
fn attached_bundles(client: &Client, subject: &Descriptor) -> Result<Vec<Attached>, PullError> {
    let listing = match client.referrers(&subject.digest)? {
        Some(index) => Some(index),
        None => client.get_manifest(&subject.digest.replace(':', "-"), media::OCI_INDEX)?,
    };
    let Some(listing) = listing else {
        return Ok(Vec::new());
    };
    let bad = |message: String| PullError::Image {
        reference: format!("the referrers of {}", subject.digest),
        message,
    };
    let index = Index::parse(&listing).map_err(bad)?;
    let entries: Vec<&Descriptor> = index
        .manifests
        .iter()
        .filter(|d| d.artifact_type.as_deref() == Some(media::SIGSTORE_BUNDLE_V03))
        .collect();
    if entries.len() > REFERRERS_MAX {
        return Err(bad(format!(
            "{} bundles listed, more than the {REFERRERS_MAX} read",
            entries.len()
        )));
    }
    let mut out = Vec::new();
    for entry in entries {
        if entry.hex().is_none() {
            return Err(bad(
                "a listed digest is not sha256: and 64 hex digits".into()
            ));
        }
        let Some(bytes) = client.get_manifest(&entry.digest, media::OCI_MANIFEST)? else {
            continue;
        };
        let m = Manifest::parse(&bytes).map_err(bad)?;
        let about_subject = m.subject.as_ref().map(|s| &s.digest) == Some(&subject.digest);
        let [layer] = &m.layers[..] else { continue };
        if !about_subject || layer.media_type != media::SIGSTORE_BUNDLE_V03 {
            continue;
        }
        let bytes = client.get_small_blob(&layer.digest, layer.size)?;
        out.push(Attached {
            digest: layer.digest.clone(),
            bytes,
        });
    }
    Ok(out)
}

/// What an attached bundle is, by what it says.
enum Role {
    /// The signature over the manifest.
    ManifestSignature,
    /// The SBOM attestation, the SBOM, and the name the statement gives the image.
    Sbom(Value, String),
    /// The provenance attestation and its statement.
    Provenance(Value, String),
    /// The technical file's attestation (it lists the manifest).
    TechnicalFile,
    /// Anything else: another artefact's signature, a VEX statement, …
    Other,
}

/// Writes each bundle under the name its role has beside a composed image (the one listed last
/// wins a name several claim: the latest push); returns the files written, sorted.
fn place(
    dir: &Path,
    digest: &str,
    reference: &Reference,
    bundles: Vec<Attached>,
) -> Result<Vec<String>, PullError> {
    let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
    let roles: Vec<(Attached, Role)> = bundles
        .into_iter()
        .map(|b| {
            let role = role(&b.bytes, hex);
            (b, role)
        })
        .collect();
    let stem = roles
        .iter()
        .find_map(|(_, r)| match r {
            Role::Sbom(_, name) | Role::Provenance(_, name) => safe_stem(name),
            _ => None,
        })
        .unwrap_or_else(|| {
            let last = reference.repository.rsplit('/').next().unwrap_or("image");
            last.to_string()
        });
    let docs = Documents::of(stem);
    let mut files: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for (bundle, role) in roles.into_iter().rev() {
        let canonical = match &role {
            Role::ManifestSignature => vec![(docs.manifest_bundle(), None)],
            Role::Sbom(sbom, _) => vec![(docs.sbom_bundle(), Some((docs.sbom(), sbom)))],
            Role::Provenance(statement, _) => {
                vec![(
                    docs.provenance_bundle(),
                    Some((docs.provenance(), statement)),
                )]
            }
            Role::TechnicalFile => vec![(
                format!(
                    "{}/{}",
                    fileset::docs::DEFAULT_OUT,
                    fileset::signature_bundle(fileset::docs::TECHNICAL_FILE)
                ),
                None,
            )],
            Role::Other => vec![],
        };
        let claimed = canonical.iter().any(|(name, _)| files.contains_key(name));
        if canonical.is_empty() || claimed {
            let name = format!(
                "{}/{}",
                fileset::REFERRERS_DIR,
                fileset::signature_bundle(&bundle.digest.replace(':', "-"))
            );
            files.insert(name, bundle.bytes);
            continue;
        }
        for (name, document) in canonical {
            files.insert(name, bundle.bytes.clone());
            if let Some((doc_name, doc)) = document {
                let pretty = serde_json::to_vec_pretty(doc).expect("serialisable");
                files.insert(doc_name, pretty);
            }
        }
    }
    for (name, bytes) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| out_error(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| out_error(&path, e))?;
    }
    Ok(files.into_keys().collect())
}

/// The role of a bundle attached to the manifest `hex`, by its content.
fn role(bytes: &[u8], hex: &str) -> Role {
    let Ok(bundle) = cra_model::input::strict_json(bytes) else {
        return Role::Other;
    };
    if let Some(signature) = bundle.get("messageSignature") {
        let signed = &signature["messageDigest"];
        let over_manifest = signed["algorithm"] == "SHA2_256"
            && signed["digest"].as_str().and_then(|d| {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, d).ok()
            }) == hex::decode(hex).ok();
        return match over_manifest {
            true => Role::ManifestSignature,
            false => Role::Other,
        };
    }
    let Some(statement) = bundle["dsseEnvelope"]["payload"]
        .as_str()
        .and_then(|p| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, p).ok())
        .and_then(|p| cra_model::input::strict_json(&p).ok())
    else {
        return Role::Other;
    };
    let subject = statement["subject"].as_array().and_then(|s| {
        s.iter()
            .find(|x| x["digest"]["sha256"] == hex)
            .and_then(|x| x["name"].as_str().map(str::to_string))
    });
    let Some(name) = subject else {
        return Role::Other;
    };
    match statement["predicateType"].as_str() {
        Some(fileset::CYCLONEDX_PREDICATE_TYPE) => Role::Sbom(statement["predicate"].clone(), name),
        Some(fileset::PROVENANCE_PREDICATE_TYPE) => Role::Provenance(statement, name),
        Some(fileset::TECHNICAL_FILE_PREDICATE_TYPE) => Role::TechnicalFile,
        _ => Role::Other,
    }
}

/// The stem of an image named `name:version` in a statement's subject, when it is a safe
/// file name (letters, digits, '.', '_', '-'; not hidden; at most 100 characters).
fn safe_stem(subject_name: &str) -> Option<String> {
    let stem = subject_name
        .rsplit_once(':')
        .map_or(subject_name, |(s, _)| s);
    let ok = !stem.is_empty()
        && stem.len() <= 100
        && !stem.starts_with('.')
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    ok.then(|| stem.to_string())
}

fn out_error(path: &Path, e: std::io::Error) -> PullError {
    PullError::Out(LayoutError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_taken_from_what_a_bundle_says_are_safe() {
        assert_eq!(safe_stem("gateway:1.2.0").as_deref(), Some("gateway"));
        for hostile in ["../x:1", ".hidden:1", "a/b:1", "", "x\u{1b}:1"] {
            assert_eq!(safe_stem(hostile), None, "{hostile:?}");
        }
    }
}
