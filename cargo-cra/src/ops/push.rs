//! `cargo cra push IMAGE_DIR REF`: the image `compose` wrote (its OCI layout) into a registry
//! repository, tagged with the image's version and any extra tags; blobs the repository has
//! are not sent again. Every blob is checked against its digest before it leaves.

use crate::layout::{Descriptor, LayoutError, Manifest};
use crate::registry::{Client, Connection, Reference, RegistryError};
use cra_composer::progress::Progress;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What to push.
#[derive(Debug, Clone)]
pub struct PushRequest {
    /// The image directory `compose` wrote (holding `oci/`).
    pub image: PathBuf,
    /// Where.
    pub target: PushTarget,
}

/// Where to push, and how.
#[derive(Debug, Clone)]
pub struct PushTarget {
    /// `HOST[:PORT]/REPOSITORY[:TAG]`.
    pub reference: Reference,
    /// Tags besides the reference's (or the image's version).
    pub tags: Vec<String>,
    /// How to reach the registry.
    pub connection: Connection,
    /// Also push the squashfs image and RAUC bundle, as OCI artifacts referring to the image.
    pub files: bool,
}

/// How to push, before the reference is known (`push`, `compose --push`).
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Tags besides the reference's (or the image's version).
    pub tags: Vec<String>,
    /// How to reach the registry; credentials given explicitly (`--password-stdin`), else
    /// looked up where docker and podman keep them.
    pub connection: Connection,
    /// Also push the squashfs image and RAUC bundle, as OCI artifacts referring to the image.
    pub files: bool,
}

impl PushOptions {
    /// The target `reference` (`HOST[:PORT]/REPOSITORY[:TAG]`) with these options; stored
    /// credentials for its host when none were given.
    pub fn target(self, reference: &str) -> Result<PushTarget, PushError> {
        let reference: Reference = reference.parse()?;
        if reference.digest.is_some() {
            return Err(PushError::DigestReference(reference.repository_name()));
        }
        if let Some(bad) = self.tags.iter().find(|t| !crate::registry::valid_tag(t)) {
            return Err(PushError::Tag(cra_model::input::printable(bad)));
        }
        Ok(PushTarget {
            connection: self.connection.with_stored_credentials(&reference.host)?,
            reference,
            tags: self.tags,
            files: self.files,
        })
    }
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
    /// Chunks resumed after the connection was cut off (large blobs go in chunks).
    pub resumed: u32,
    /// The Sigstore bundles attached to the manifest as OCI 1.1 referrers.
    pub referrers: usize,
    /// The squashfs images and RAUC bundles attached as OCI artifacts.
    pub files: usize,
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
    /// The image directory's layout is unusable.
    #[error(transparent)]
    Image(#[from] LayoutError),
    /// The registry failed or refused.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The reference is unusable.
    #[error(transparent)]
    Reference(#[from] crate::registry::ReferenceError),
    /// Stored credentials are unusable.
    #[error(transparent)]
    Credentials(#[from] crate::registry::CredentialsError),
    /// A push was asked to a digest, which names what exists.
    #[error("{0}@sha256:…: a digest names an image that exists; push to a tag")]
    DigestReference(String),
    /// A tag is unusable.
    #[error("tag {0:?}: a tag is up to 128 letters, digits, '.', '_', '-'")]
    Tag(String),
}

/// One blob of the image: its digest, size and file.
struct Blob {
    digest: String,
    size: u64,
    path: PathBuf,
}

impl Blob {
    fn of(layout: &Path, d: &Descriptor) -> Option<Blob> {
        Some(Blob {
            path: crate::layout::blob_path(layout, d)?,
            digest: d.digest.clone(),
            size: d.size,
        })
    }
}

/// Pushes the image as `request` says, each blob sent counted on `progress`.
pub fn run(request: &PushRequest, progress: &dyn Progress) -> Result<PushReport, PushError> {
    let layout = request.image.join(cra_model::fileset::OCI_LAYOUT_DIR);
    let image = crate::layout::image(&layout)?;
    let manifest = Blob::of(&layout, &image.manifest).expect("checked by layout::image");
    let version = image.tag;
    let bytes = std::fs::read(&manifest.path).map_err(|e| layout_error(&manifest.path, e))?;
    let actual = format!(
        "sha256:{}",
        cra_attest::digest::Digests::of_bytes(&bytes).sha256_hex()
    );
    if actual != manifest.digest {
        return Err(PushError::Layout {
            path: manifest.path.clone(),
            message: format!(
                "its content is not {}: the layout changed after compose",
                manifest.digest
            ),
        });
    }
    let parsed = Manifest::parse(&bytes).map_err(|message| PushError::Layout {
        path: manifest.path.clone(),
        message,
    })?;
    let blobs: Vec<Blob> = parsed
        .blobs()
        .map(|d| Blob::of(&layout, d).expect("checked by Manifest::parse"))
        .collect();
    let target = &request.target;
    let client = Client::new(&target.reference, &target.connection)?;
    let (mut uploaded, mut skipped, mut resumed) = (0, 0, 0);
    for blob in &blobs {
        check_blob(blob)?;
        match client.has_blob(&blob.digest)? {
            true => skipped += 1,
            false => {
                let short = &blob.digest[..blob.digest.len().min(19)];
                progress.begin(&format!("Pushing blob {short}"), Some(blob.size));
                let pushed = client.push_blob(&blob.digest, blob.size, &blob.path, progress);
                progress.end();
                resumed += pushed?.resumed;
                uploaded += 1;
            }
        }
    }
    let first = target.reference.tag.clone().or(version);
    let tags: Vec<String> = first
        .into_iter()
        .chain(target.tags.iter().cloned())
        .collect();
    if tags.is_empty() {
        return Err(PushError::Layout {
            path: layout.join(cra_model::fileset::OCI_INDEX_FILE),
            message: "the image names no version to tag it with: give REF:TAG or --tag".into(),
        });
    }
    for tag in &tags {
        client.put_manifest(tag, cra_model::media::OCI_MANIFEST, &bytes)?;
    }
    let subject = Subject {
        digest: manifest.digest.clone(),
        size: bytes.len() as u64,
    };
    let created = image_created(&blobs[0].path);
    let mut entries = attach_bundles(
        &client,
        &subject,
        &evidence_bundles(&request.image)?,
        &created,
    )?;
    let referrers = entries.len();
    if request.target.files {
        entries.extend(attach_files(
            &client,
            &subject,
            &request.image,
            &created,
            progress,
        )?);
    }
    if client.referrers(&subject.digest)?.is_none() {
        update_referrers_tag(&client, &subject.digest, &entries)?;
    }
    Ok(PushReport {
        repository: format!("{}/{}", target.reference.host, target.reference.repository),
        digest: manifest.digest,
        tags,
        uploaded,
        skipped,
        resumed,
        referrers,
        files: entries.len() - referrers,
    })
}

/// The image manifest a referrer points at.
struct Subject {
    digest: String,
    size: u64,
}

/// The OCI empty JSON object `{}`, the config of every referrer.
const EMPTY_CONFIG: &[u8] = b"{}";

/// The Sigstore bundles of the image directory and its documents (`cra/`), sorted.
fn evidence_bundles(image: &Path) -> Result<Vec<PathBuf>, PushError> {
    let mut out = Vec::new();
    for dir in [
        image.to_path_buf(),
        image.join(cra_model::fileset::docs::DEFAULT_OUT),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let regular = entry.file_type().is_ok_and(|t| t.is_file());
            if regular && cra_model::fileset::bundle_subject(&name).is_some() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The image config's `created` date (the referrers' creation time, so that pushing again
/// writes the same manifests); the Unix epoch when it has none.
fn image_created(config: &Path) -> String {
    std::fs::read(config)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|c| c["created"].as_str().map(str::to_string))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

/// Attaches each bundle to `subject` as cosign's bundle specification lays it out (an artifact
/// manifest of type Sigstore bundle, the bundle its one layer), and lists them in the
/// subject's referrers: the registry's API does that itself; without it, the referrers tag
/// schema's index (`sha256-<hex>`) is updated, keeping what other writers listed.
fn attach_bundles(
    client: &Client,
    subject: &Subject,
    bundles: &[PathBuf],
    created: &str,
) -> Result<Vec<serde_json::Value>, PushError> {
    let mut entries = Vec::new();
    for path in bundles {
        let bytes = cra_model::input::read_limited(path, cra_model::input::DOCUMENT_MAX, "bundle")
            .map_err(|e| layout_error(path, std::io::Error::other(e.to_string())))?;
        let annotations = bundle_annotations(path, &bytes, created)?;
        let digest = format!(
            "sha256:{}",
            cra_attest::digest::Digests::of_bytes(&bytes).sha256_hex()
        );
        client.push_bytes(&digest, &bytes)?;
        let layer = serde_json::json!({
            "mediaType": cra_model::media::SIGSTORE_BUNDLE_V03,
            "digest": digest,
            "size": bytes.len(),
            "annotations": {
                cra_model::media::OCI_TITLE: cra_model::fileset::signature_bundle(&digest.replace(':', "-")),
            },
        });
        let artifact = Artifact {
            artifact_type: cra_model::media::SIGSTORE_BUNDLE_V03,
            layers: vec![layer],
            annotations,
        };
        entries.push(put_artifact(client, subject, &artifact)?);
    }
    Ok(entries)
}

/// An OCI artifact referring to the image: its type, layers (descriptors) and annotations.
struct Artifact {
    artifact_type: &'static str,
    layers: Vec<serde_json::Value>,
    annotations: serde_json::Map<String, serde_json::Value>,
}

/// Stores `artifact` as an artifact manifest whose subject is the image (the empty config, as
/// the image spec 1.1 says for artifacts without one); returns its entry for the referrers
/// index.
fn put_artifact(
    client: &Client,
    subject: &Subject,
    artifact: &Artifact,
) -> Result<serde_json::Value, PushError> {
    let empty = format!(
        "sha256:{}",
        cra_attest::digest::Digests::of_bytes(EMPTY_CONFIG).sha256_hex()
    );
    client.push_bytes(&empty, EMPTY_CONFIG)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": cra_model::media::OCI_MANIFEST,
        "artifactType": artifact.artifact_type,
        "annotations": artifact.annotations,
        "config": {
            "mediaType": cra_model::media::OCI_EMPTY,
            "digest": empty,
            "size": EMPTY_CONFIG.len(),
        },
        "layers": artifact.layers,
        "subject": {
            "mediaType": cra_model::media::OCI_MANIFEST,
            "digest": subject.digest,
            "size": subject.size,
        },
    });
    let manifest = serde_json::to_vec(&manifest).expect("serialisable");
    let manifest_digest = format!(
        "sha256:{}",
        cra_attest::digest::Digests::of_bytes(&manifest).sha256_hex()
    );
    client.put_manifest(&manifest_digest, cra_model::media::OCI_MANIFEST, &manifest)?;
    Ok(serde_json::json!({
        "mediaType": cra_model::media::OCI_MANIFEST,
        "digest": manifest_digest,
        "size": manifest.len(),
        "artifactType": artifact.artifact_type,
        "annotations": artifact.annotations,
    }))
}

/// The image's squashfs file (with its dm-verity root hash) and RAUC bundle, each pushed as
/// an OCI artifact referring to the image (ORAS's layout: the file its layer, titled with its
/// name), so that a device or auditor finds them from the image.
fn attach_files(
    client: &Client,
    subject: &Subject,
    image: &Path,
    created: &str,
    progress: &dyn Progress,
) -> Result<Vec<serde_json::Value>, PushError> {
    let mut entries = Vec::new();
    for (path, stem, kind) in image_files(image) {
        let (artifact_type, extra) = match kind {
            cra_model::fileset::ImageArtifact::Squashfs => {
                let roothash = image.join(cra_model::fileset::Documents::of(stem).roothash());
                (
                    cra_model::media::CRA_SQUASHFS,
                    roothash.is_file().then_some(roothash),
                )
            }
            _ => (cra_model::media::CRA_RAUC_BUNDLE, None),
        };
        let mut layers = vec![push_file(client, &path, artifact_type, progress)?];
        if let Some(roothash) = extra {
            layers.push(push_file(
                client,
                &roothash,
                cra_model::media::TEXT_PLAIN,
                progress,
            )?);
        }
        let mut annotations = serde_json::Map::new();
        annotations.insert(cra_model::media::OCI_CREATED.into(), created.into());
        let artifact = Artifact {
            artifact_type,
            layers,
            annotations,
        };
        entries.push(put_artifact(client, subject, &artifact)?);
    }
    Ok(entries)
}

/// The squashfs images and RAUC bundles in the image directory, with their stems, sorted.
fn image_files(image: &Path) -> Vec<(PathBuf, String, cra_model::fileset::ImageArtifact)> {
    let mut out: Vec<_> = std::fs::read_dir(image)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            match cra_model::fileset::image_artifact(&name) {
                Some((stem, k @ cra_model::fileset::ImageArtifact::Squashfs))
                | Some((stem, k @ cra_model::fileset::ImageArtifact::RaucBundle)) => {
                    Some((e.path(), stem.to_string(), k))
                }
                _ => None,
            }
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Uploads the file at `path` as a blob (unless the repository has it); its layer descriptor,
/// of `media_type`, titled with the file's name.
fn push_file(
    client: &Client,
    path: &Path,
    media_type: &str,
    progress: &dyn Progress,
) -> Result<serde_json::Value, PushError> {
    let file = cra_model::input::open_regular(path)
        .map_err(|e| layout_error(path, std::io::Error::other(e.to_string())))?;
    let size = file.metadata().map_err(|e| layout_error(path, e))?.len();
    let sha256 =
        cra_attest::digest::sha256_of_reader(&mut &file).map_err(|e| layout_error(path, e))?;
    let digest = format!("sha256:{}", cra_attest::digest::to_hex(&sha256));
    if !client.has_blob(&digest)? {
        let name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        progress.begin(&format!("Pushing {name}"), Some(size));
        let pushed = client.push_blob(&digest, size, path, progress);
        progress.end();
        pushed?;
    }
    Ok(serde_json::json!({
        "mediaType": media_type,
        "digest": digest,
        "size": size,
        "annotations": {
            cra_model::media::OCI_TITLE: path.file_name().expect("a file").to_string_lossy(),
        },
    }))
}

/// The referrer's annotations: what the bundle holds, its predicate type, and `created`.
fn bundle_annotations(
    path: &Path,
    bytes: &[u8],
    created: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, PushError> {
    let bad = |message: &str| PushError::Layout {
        path: path.to_path_buf(),
        message: message.into(),
    };
    let bundle =
        cra_model::input::strict_json(bytes).map_err(|_| bad("not a JSON Sigstore bundle"))?;
    let mut out = serde_json::Map::new();
    out.insert(cra_model::media::OCI_CREATED.into(), created.into());
    if let Some(envelope) = bundle.get("dsseEnvelope") {
        use base64::Engine as _;
        out.insert(
            cra_model::media::SIGSTORE_BUNDLE_CONTENT.into(),
            "dsse-envelope".into(),
        );
        let statement = envelope["payload"]
            .as_str()
            .and_then(|p| base64::engine::general_purpose::STANDARD.decode(p).ok())
            .and_then(|p| serde_json::from_slice::<serde_json::Value>(&p).ok())
            .ok_or_else(|| bad("a DSSE envelope without an in-toto statement"))?;
        if let Some(t) = statement["predicateType"].as_str() {
            out.insert(
                cra_model::media::SIGSTORE_BUNDLE_PREDICATE_TYPE.into(),
                t.into(),
            );
        }
    } else if bundle.get("messageSignature").is_some() {
        out.insert(
            cra_model::media::SIGSTORE_BUNDLE_CONTENT.into(),
            "message-signature".into(),
        );
    } else {
        return Err(bad("neither a message signature nor a DSSE envelope"));
    }
    Ok(out)
}

/// Adds `entries` to the referrers tag schema's index of `subject` (`sha256-<hex>`), keeping
/// every entry already there; written again when another writer's update crossed ours.
fn update_referrers_tag(
    client: &Client,
    subject: &str,
    entries: &[serde_json::Value],
) -> Result<(), PushError> {
    let tag = subject.replace(':', "-");
    for _ in 0..3 {
        let existing = client.get_manifest(&tag, cra_model::media::OCI_INDEX)?;
        let mut listed: Vec<serde_json::Value> = existing
            .as_deref()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|i| i["manifests"].as_array().cloned())
            .unwrap_or_default();
        let missing: Vec<&serde_json::Value> = entries
            .iter()
            .filter(|e| !listed.iter().any(|l| l["digest"] == e["digest"]))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        listed.extend(missing.into_iter().cloned());
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": cra_model::media::OCI_INDEX,
            "manifests": listed,
        });
        client.put_manifest(
            &tag,
            cra_model::media::OCI_INDEX,
            &serde_json::to_vec(&index).expect("serialisable"),
        )?;
    }
    Err(PushError::Registry(RegistryError::Protocol {
        registry: "registry".into(),
        message: format!("the referrers index {tag} kept changing under us"),
    }))
}

/// The blob file is a regular file of the size its descriptor states. Its content is checked
/// against the digest by the registry, which the upload names (a mismatch is refused there and
/// nothing is tagged); a blob the repository has is not read at all.
fn check_blob(blob: &Blob) -> Result<(), PushError> {
    let meta = std::fs::symlink_metadata(&blob.path).map_err(|e| layout_error(&blob.path, e))?;
    match meta.is_file() && meta.len() == blob.size {
        true => Ok(()),
        false => Err(PushError::Layout {
            path: blob.path.clone(),
            message: format!(
                "not a regular file of the {} bytes its descriptor states",
                blob.size
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
