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
use cra_composer::progress::Progress;
use cra_model::fileset::{self, Documents};
use cra_model::media;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Bundles attached to one image beyond this many are refused (a hostile registry).
const REFERRERS_MAX: usize = 256;

/// An image whose manifest declares more bytes than this in all is refused before anything is
/// read (a hostile registry can declare any size).
const IMAGE_MAX: u64 = 32 << 30;

/// One bundle larger than this is refused…
const BUNDLE_MAX: u64 = 64 << 20;

/// … and so are bundles larger than this in all.
const BUNDLES_MAX: u64 = 512 << 20;

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
pub fn run(request: &PullRequest, progress: &dyn Progress) -> Result<PullReport, PullError> {
    let reference = &request.reference;
    let client = Client::new(reference, &request.connection)?;
    let staging = staging_dir(&request.out)?;
    let (digest, manifest_bytes) = resolve(&client, reference)?;
    let image_error = |message: String| PullError::Image {
        reference: digest.clone(),
        message,
    };
    let manifest = Manifest::parse(&manifest_bytes).map_err(image_error)?;
    let declared = manifest
        .blobs()
        .fold(0u64, |sum, d| sum.saturating_add(d.size));
    if declared > IMAGE_MAX {
        return Err(image_error(format!(
            "its blobs are said to be {declared} bytes, more than the {} GiB read",
            IMAGE_MAX >> 30
        )));
    }
    let layout = staging.path().join(fileset::OCI_LAYOUT_DIR);
    let written = write_blobs(
        &client,
        &layout,
        (&digest, &manifest_bytes),
        &manifest,
        progress,
    )?;
    let descriptor = Descriptor {
        digest: digest.clone(),
        size: manifest_bytes.len() as u64,
        media_type: media::OCI_MANIFEST.into(),
        artifact_type: None,
        annotations: Default::default(),
    };
    crate::layout::write_index(&layout, &descriptor, reference.tag.as_deref())
        .map_err(|e| out_error(&layout, e))?;
    let listed = referrers_of(&client, &descriptor)?;
    let referrers_dir = staging.path().join(fileset::REFERRERS_DIR);
    let referrers = attached_bundles(&client, &descriptor, &listed, &referrers_dir)?;
    let docs = Documents::of(stem(&referrers, &digest, reference)?);
    let files = attached_files(
        &client,
        (&descriptor, &listed),
        staging.path(),
        &docs,
        progress,
    )?;
    let evidence = place(staging.path(), &digest, &docs, &referrers, &files)?;
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
    // An ordinary directory once in place (the umask applies), not a private one.
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o777);
    tempfile::Builder::new()
        .prefix(".cra-pull-")
        .permissions(mode)
        .tempdir_in(&parent)
        .map_err(|e| out_error(&parent, e))
}

/// Moves the assembled directory into place.
fn finish(staging: tempfile::TempDir, out: &Path) -> Result<(), PullError> {
    let was_there = out.exists();
    if was_there {
        std::fs::remove_dir(out).map_err(|e| out_error(out, e))?;
    }
    let path = staging.keep();
    std::fs::rename(&path, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&path);
        if was_there {
            let _ = std::fs::create_dir(out);
        }
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
    (digest, manifest_bytes): (&str, &[u8]),
    manifest: &Manifest,
    progress: &dyn Progress,
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
            let short = &d.digest[..d.digest.len().min(19)];
            progress.begin(&format!("Pulling blob {short}"), Some(d.size));
            let got = client.get_blob(&d.digest, d.size, &path, progress);
            progress.end();
            got?;
            bytes += d.size;
        }
    }
    Ok(bytes)
}

/// What the registry lists as referring to `subject`: the referrers API's index, else the
/// referrers tag schema's (a hostile registry: at most [`REFERRERS_MAX`] entries are read).
fn referrers_of(client: &Client, subject: &Descriptor) -> Result<Vec<Descriptor>, PullError> {
    let listing = match client.referrers(&subject.digest)? {
        Some(index) => Some(index),
        None => client.get_manifest(&subject.digest.replace(':', "-"), media::OCI_INDEX)?,
    };
    let Some(listing) = listing else {
        return Ok(Vec::new());
    };
    let index = Index::parse(&listing).map_err(|m| referrers_error(subject, m))?;
    if index.manifests.len() > REFERRERS_MAX {
        return Err(referrers_error(
            subject,
            format!(
                "{} referrers listed, more than the {REFERRERS_MAX} read",
                index.manifests.len()
            ),
        ));
    }
    match index.manifests.iter().all(|d| d.hex().is_some()) {
        true => Ok(index.manifests),
        false => Err(referrers_error(
            subject,
            "a listed digest is not sha256: and 64 hex digits".into(),
        )),
    }
}

fn referrers_error(subject: &Descriptor, message: String) -> PullError {
    PullError::Image {
        reference: format!("the referrers of {}", subject.digest),
        message,
    }
}

/// The artifact manifests of `artifact_type` among `listed` that name `subject`: each read by
/// digest and checked. Entries of another type, or naming another subject, are passed over.
fn artifacts_of(
    client: &Client,
    subject: &Descriptor,
    listed: &[Descriptor],
    artifact_type: &str,
) -> Result<Vec<Manifest>, PullError> {
    let mut out = Vec::new();
    for entry in listed
        .iter()
        .filter(|d| d.artifact_type.as_deref() == Some(artifact_type))
    {
        let Some(bytes) = client.get_manifest(&entry.digest, media::OCI_MANIFEST)? else {
            continue;
        };
        let m = Manifest::parse(&bytes).map_err(|e| referrers_error(subject, e))?;
        if m.subject.as_ref().map(|s| &s.digest) == Some(&subject.digest) {
            out.push(m);
        }
    }
    Ok(out)
}

/// The Sigstore bundles among `listed` attached to `subject`, downloaded into `dir` as
/// `sha256-<hex>.sigstore.json` (each checked against its digest as it streams; their total
/// capped). Returns the files, in listing order.
fn attached_bundles(
    client: &Client,
    subject: &Descriptor,
    listed: &[Descriptor],
    dir: &Path,
) -> Result<Vec<PathBuf>, PullError> {
    let bad = |message: String| referrers_error(subject, message);
    std::fs::create_dir_all(dir).map_err(|e| out_error(dir, e))?;
    let (mut out, mut total) = (Vec::new(), 0u64);
    for m in artifacts_of(client, subject, listed, media::SIGSTORE_BUNDLE_V03)? {
        let [layer] = &m.layers[..] else { continue };
        if layer.media_type != media::SIGSTORE_BUNDLE_V03 {
            continue;
        }
        total = total.saturating_add(layer.size);
        if layer.size > BUNDLE_MAX || total > BUNDLES_MAX {
            return Err(bad(format!(
                "bundles over the caps read ({} MiB each, {} MiB in all)",
                BUNDLE_MAX >> 20,
                BUNDLES_MAX >> 20
            )));
        }
        let path = dir.join(fileset::signature_bundle(&layer.digest.replace(':', "-")));
        if !path.exists() {
            let quiet = cra_composer::progress::Silent;
            client.get_blob(&layer.digest, layer.size, &path, &quiet)?;
            out.push(path);
        }
    }
    Ok(out)
}

/// The squashfs images (with their root hash) and RAUC bundles attached to `subject` as OCI
/// artifacts, downloaded into `dir` under the names the image's evidence gives them
/// (`<stem>.squashfs`, `<stem>.roothash`, `<stem>.raucb`: never the registry's titles), each
/// checked against its digest. Returns their SHA-256 (hex) → file name.
fn attached_files(
    client: &Client,
    (subject, listed): (&Descriptor, &[Descriptor]),
    dir: &Path,
    docs: &Documents,
    progress: &dyn Progress,
) -> Result<std::collections::BTreeMap<String, String>, PullError> {
    let mut files = std::collections::BTreeMap::new();
    let kinds = [
        (media::CRA_SQUASHFS, docs.squashfs()),
        (media::CRA_RAUC_BUNDLE, docs.rauc_bundle()),
    ];
    for (artifact_type, name) in kinds {
        let Some(m) = artifacts_of(client, subject, listed, artifact_type)?.pop() else {
            continue;
        };
        for layer in &m.layers {
            let file = match layer.media_type.as_str() {
                t if t == artifact_type => name.clone(),
                media::TEXT_PLAIN if artifact_type == media::CRA_SQUASHFS => docs.roothash(),
                _ => continue,
            };
            if layer.size > IMAGE_MAX {
                return Err(referrers_error(
                    subject,
                    format!("{file} is said to be over {} GiB", IMAGE_MAX >> 30),
                ));
            }
            progress.begin(&format!("Pulling {file}"), Some(layer.size));
            let got = client.get_blob(&layer.digest, layer.size, &dir.join(&file), progress);
            progress.end();
            got?;
            let hex = layer.hex().expect("checked by Manifest::parse");
            files.insert(hex.to_string(), file);
        }
    }
    Ok(files)
}

/// What an attached bundle is, by what it says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// The signature over the manifest.
    ManifestSignature,
    /// The SBOM attestation naming the manifest.
    Sbom,
    /// An SPDX SBOM attestation naming the manifest.
    Other(cra_attest::evidence::OtherSbom),
    /// The provenance attestation naming the manifest.
    Provenance,
    /// The technical file's attestation (it lists the manifest).
    TechnicalFile,
    /// A message signature over an attached file (its name).
    FileSignature(String),
    /// The verity statement over an attached squashfs image.
    Verity,
}

/// The stem the image's evidence is named with: the image name the SBOM or provenance
/// attestation gives the manifest, when a safe file name; else the repository's last component.
fn stem(referrers: &[PathBuf], digest: &str, reference: &Reference) -> Result<String, PullError> {
    let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
    for path in referrers {
        let statement = read_statement(path)?;
        let no_files = Default::default();
        if let Some((Role::Sbom | Role::Provenance, Some(name))) =
            classify(path, statement.as_ref(), hex, &no_files)?
            && let Some(stem) = safe_stem(&name)
        {
            return Ok(stem);
        }
    }
    let last = reference.repository.rsplit('/').next().unwrap_or("image");
    Ok(last.to_string())
}

/// Gives each bundle in `referrers` (listing order) the name its role has beside a composed
/// image — the one listed last wins a name several claim — and writes the documents the SBOM,
/// provenance and verity attestations attest beside them; the others stay in `referrers/`.
/// `files`: the attached files' SHA-256 → name. Returns the evidence files, sorted.
fn place(
    dir: &Path,
    digest: &str,
    docs: &Documents,
    referrers: &[PathBuf],
    files: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<String>, PullError> {
    let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
    let mut chosen: std::collections::BTreeMap<Role, PathBuf> = Default::default();
    for path in referrers {
        let statement = read_statement(path)?;
        if let Some((role, _)) = classify(path, statement.as_ref(), hex, files)? {
            chosen.insert(role, path.clone());
        }
    }
    for (role, path) in &chosen {
        let (name, document) = match role {
            Role::ManifestSignature => (docs.manifest_bundle(), None),
            Role::Sbom => (docs.sbom_bundle(), Some((docs.sbom(), "predicate"))),
            Role::Other(f) => (f.bundle(docs), Some((f.file(docs), "predicate"))),
            Role::Provenance => (docs.provenance_bundle(), Some((docs.provenance(), ""))),
            Role::Verity => (docs.verity_bundle(), Some((docs.verity_statement(), ""))),
            Role::TechnicalFile => (
                format!(
                    "{}/{}",
                    fileset::docs::DEFAULT_OUT,
                    fileset::signature_bundle(fileset::docs::TECHNICAL_FILE)
                ),
                None,
            ),
            Role::FileSignature(file) => (fileset::signature_bundle(file), None),
        };
        if let Some((doc_name, field)) = document {
            let statement = read_statement(path)?.expect("classified as an attestation");
            let doc = match field {
                "" => &statement,
                f => &statement[f],
            };
            let doc_path = dir.join(&doc_name);
            let pretty = serde_json::to_vec_pretty(doc).expect("serialisable");
            std::fs::write(&doc_path, pretty).map_err(|e| out_error(&doc_path, e))?;
        }
        let to = dir.join(&name);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| out_error(parent, e))?;
        }
        std::fs::rename(path, &to).map_err(|e| out_error(&to, e))?;
    }
    let referrers_dir = dir.join(fileset::REFERRERS_DIR);
    if std::fs::read_dir(&referrers_dir).is_ok_and(|mut d| d.next().is_none()) {
        std::fs::remove_dir(&referrers_dir).map_err(|e| out_error(&referrers_dir, e))?;
    }
    evidence_files(dir)
}

/// The in-toto statement of the DSSE bundle at `path`; `None` for a message signature or a
/// bundle that is not JSON.
fn read_statement(path: &Path) -> Result<Option<Value>, PullError> {
    let bytes = std::fs::read(path).map_err(|e| out_error(path, e))?;
    let Ok(bundle) = cra_model::input::strict_json(&bytes) else {
        return Ok(None);
    };
    Ok(bundle["dsseEnvelope"]["payload"]
        .as_str()
        .and_then(|p| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, p).ok())
        .and_then(|p| cra_model::input::strict_json(&p).ok()))
}

/// The role of the bundle at `path` (its statement given, if DSSE) for the manifest `hex`,
/// and the name its statement gives the manifest; `None` for any other bundle.
fn classify(
    path: &Path,
    statement: Option<&Value>,
    hex: &str,
    files: &std::collections::BTreeMap<String, String>,
) -> Result<Option<(Role, Option<String>)>, PullError> {
    let Some(statement) = statement else {
        let bytes = std::fs::read(path).map_err(|e| out_error(path, e))?;
        let signed = cra_model::input::strict_json(&bytes).ok().and_then(|b| {
            let signed = &b["messageSignature"]["messageDigest"];
            let sha256 = signed["algorithm"] == "SHA2_256";
            signed["digest"]
                .as_str()
                .filter(|_| sha256)
                .and_then(|d| {
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, d).ok()
                })
                .map(hex::encode)
        });
        return Ok(match signed {
            Some(d) if d == hex => Some((Role::ManifestSignature, None)),
            Some(d) => files
                .get(&d)
                .map(|f| (Role::FileSignature(f.clone()), None)),
            None => None,
        });
    };
    let subject_named = |hex: &str| {
        statement["subject"].as_array().and_then(|s| {
            s.iter()
                .find(|x| x["digest"]["sha256"] == hex)
                .map(|x| x["name"].as_str().unwrap_or_default().to_string())
        })
    };
    let Some(name) = subject_named(hex) else {
        let verity = statement["predicateType"] == fileset::VERITY_PREDICATE_TYPE
            && files.keys().any(|f| subject_named(f).is_some());
        return Ok(verity.then_some((Role::Verity, None)));
    };
    let role = match statement["predicateType"].as_str() {
        Some(fileset::CYCLONEDX_PREDICATE_TYPE) => Role::Sbom,
        Some(t) if cra_attest::evidence::OtherSbom::of_predicate_type(t).is_some() => {
            Role::Other(cra_attest::evidence::OtherSbom::of_predicate_type(t).expect("just found"))
        }
        Some(fileset::PROVENANCE_PREDICATE_TYPE) => Role::Provenance,
        Some(fileset::TECHNICAL_FILE_PREDICATE_TYPE) => Role::TechnicalFile,
        _ => return Ok(None),
    };
    Ok(Some((role, Some(name))))
}

/// The evidence files in the image directory `dir` (everything but `oci/`), relative, sorted.
fn evidence_files(dir: &Path) -> Result<Vec<String>, PullError> {
    let mut out = Vec::new();
    for sub in ["", fileset::docs::DEFAULT_OUT, fileset::REFERRERS_DIR] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_file()) {
                let name = e.file_name().to_string_lossy().into_owned();
                out.push(match sub {
                    "" => name,
                    s => format!("{s}/{name}"),
                });
            }
        }
    }
    out.sort();
    Ok(out)
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
