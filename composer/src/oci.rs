//! OCI image layout v1 (<https://github.com/opencontainers/image-spec/blob/main/image-layout.md>):
//! config, manifest and index written with the `oci-spec` types, as compact JSON with sorted keys
//! (so the same image always has the same digests), and the layout's tar archive.

use crate::error::{ComposeError, io_at};
use crate::layer::{Hashing, Layer};
use crate::tarball::{self, EntryKind, Meta};
use cra_attest::digest::{sha256, to_hex};
use cra_attest::persist;
use oci_spec::image::{
    ANNOTATION_CREATED, ANNOTATION_REF_NAME, ANNOTATION_REVISION, ANNOTATION_SOURCE,
    ANNOTATION_TITLE, ANNOTATION_VERSION, Arch, ConfigBuilder, Descriptor, DescriptorBuilder,
    Digest, HistoryBuilder, ImageConfigurationBuilder, ImageIndexBuilder, ImageManifestBuilder,
    MediaType, Os, PlatformBuilder, RootFsBuilder,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

/// `PATH` set when the recipe's environment has none (the conventional container default).
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the image's config and annotations say.
#[derive(Debug, Clone, Default)]
pub(crate) struct ImageInfo {
    /// Image name (title annotation).
    pub name: String,
    /// Version: the tag (`ref.name`) and version annotation.
    pub version: String,
    /// GOARCH-style architecture.
    pub architecture: String,
    /// RFC 3339 creation time (`SOURCE_DATE_EPOCH`).
    pub created: String,
    /// Source repository URL, if known.
    pub source: Option<String>,
    /// Source revision (git commit), if known.
    pub revision: Option<String>,
    /// Config labels.
    pub labels: BTreeMap<String, String>,
    /// Extra manifest annotations.
    pub annotations: BTreeMap<String, String>,
    /// Entrypoint.
    pub entrypoint: Vec<String>,
    /// Default arguments.
    pub cmd: Vec<String>,
    /// Environment.
    pub env: BTreeMap<String, String>,
    /// `uid:gid` or name; `None` runs as root.
    pub user: Option<String>,
    /// Working directory.
    pub workdir: Option<String>,
    /// Exposed ports (`8080/tcp`).
    pub ports: Vec<String>,
    /// Stop signal.
    pub stop_signal: Option<String>,
    /// What made the layer (history `created_by`).
    pub created_by: String,
}

/// The image's descriptors and documents.
#[derive(Debug, Clone)]
pub(crate) struct OciImage {
    /// The config blob.
    pub config: Vec<u8>,
    /// The manifest blob.
    pub manifest: Vec<u8>,
    /// `index.json`.
    pub index: Vec<u8>,
}

impl OciImage {
    /// SHA-256 of the manifest.
    pub(crate) fn manifest_digest(&self) -> [u8; 32] {
        sha256(&self.manifest)
    }
}

/// Compact JSON with keys sorted (oci-spec keeps maps in `HashMap`s, whose order varies).
fn canonical_json(value: &impl Serialize) -> Vec<u8> {
    let v = serde_json::to_value(value).expect("OCI documents serialise");
    serde_json::to_vec(&v).expect("JSON values serialise")
}

fn digest_of(hex: &str) -> Digest {
    Digest::from_str(&format!("sha256:{hex}")).expect("a SHA-256 hex digest is a valid digest")
}

fn descriptor(media_type: MediaType, bytes_digest: [u8; 32], size: u64) -> Descriptor {
    DescriptorBuilder::default()
        .media_type(media_type)
        .digest(digest_of(&to_hex(&bytes_digest)))
        .size(size)
        .build()
        .expect("all descriptor fields set")
}

fn err(e: oci_spec::OciSpecError) -> ComposeError {
    ComposeError::Format(format!("OCI document: {e}"))
}

fn hash_map(m: &BTreeMap<String, String>) -> HashMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Builds config, manifest and index for one layer.
pub(crate) fn image(
    info: &ImageInfo,
    layer: &Layer,
    layer_media_type: &str,
) -> Result<OciImage, ComposeError> {
    let mut env: Vec<String> = info.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if !info.env.contains_key("PATH") {
        env.insert(0, format!("PATH={DEFAULT_PATH}"));
    }
    let mut config = ConfigBuilder::default().env(env);
    if !info.entrypoint.is_empty() {
        config = config.entrypoint(info.entrypoint.clone());
    }
    if !info.cmd.is_empty() {
        config = config.cmd(info.cmd.clone());
    }
    if let Some(u) = &info.user {
        config = config.user(u.clone());
    }
    if let Some(w) = &info.workdir {
        config = config.working_dir(w.clone());
    }
    if !info.ports.is_empty() {
        config = config.exposed_ports(info.ports.clone());
    }
    if let Some(s) = &info.stop_signal {
        config = config.stop_signal(s.clone());
    }
    if !info.labels.is_empty() {
        config = config.labels(hash_map(&info.labels));
    }
    let history = HistoryBuilder::default()
        .created(info.created.clone())
        .created_by(info.created_by.clone())
        .comment(format!("{} {}", info.name, info.version))
        .build()
        .map_err(err)?;
    let mut image_config = ImageConfigurationBuilder::default()
        .created(info.created.clone())
        .architecture(Arch::from(info.architecture.as_str()))
        .os(Os::Linux)
        .config(config.build().map_err(err)?)
        .rootfs(
            RootFsBuilder::default()
                .typ("layers")
                .diff_ids(vec![format!("sha256:{}", to_hex(&layer.diff_id))])
                .build()
                .map_err(err)?,
        )
        .history(vec![history]);
    if let Some(v) = variant(&info.architecture) {
        image_config = image_config.variant(v);
    }
    let config_bytes = canonical_json(&image_config.build().map_err(err)?);

    let mut annotations = info.annotations.clone();
    annotations.insert(ANNOTATION_CREATED.into(), info.created.clone());
    annotations.insert(ANNOTATION_VERSION.into(), info.version.clone());
    annotations.insert(ANNOTATION_TITLE.into(), info.name.clone());
    if let Some(s) = &info.source {
        annotations.insert(ANNOTATION_SOURCE.into(), s.clone());
    }
    if let Some(r) = &info.revision {
        annotations.insert(ANNOTATION_REVISION.into(), r.clone());
    }
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(descriptor(
            MediaType::ImageConfig,
            sha256(&config_bytes),
            config_bytes.len() as u64,
        ))
        .layers(vec![descriptor(
            MediaType::from(layer_media_type),
            layer.digest,
            layer.size,
        )])
        .annotations(hash_map(&annotations))
        .build()
        .map_err(err)?;
    let manifest_bytes = canonical_json(&manifest);

    let mut platform = PlatformBuilder::default()
        .architecture(Arch::from(info.architecture.as_str()))
        .os(Os::Linux);
    if let Some(v) = variant(&info.architecture) {
        platform = platform.variant(v);
    }
    let mut manifest_descriptor = descriptor(
        MediaType::ImageManifest,
        sha256(&manifest_bytes),
        manifest_bytes.len() as u64,
    );
    manifest_descriptor.set_platform(Some(platform.build().map_err(err)?));
    manifest_descriptor.set_annotations(Some(HashMap::from([(
        ANNOTATION_REF_NAME.to_string(),
        info.version.clone(),
    )])));
    let index = ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(vec![manifest_descriptor])
        .build()
        .map_err(err)?;
    Ok(OciImage {
        config: config_bytes,
        manifest: manifest_bytes,
        index: canonical_json(&index),
    })
}

/// The platform variant conventionally given for an architecture.
fn variant(architecture: &str) -> Option<&'static str> {
    match architecture {
        "arm" => Some("v7"),
        _ => None,
    }
}

/// Writes `image`'s documents into the layout at `dir`, whose `blobs/sha256/` already holds
/// the layer.
pub(crate) fn write_layout(dir: &Path, image: &OciImage) -> Result<(), ComposeError> {
    let blobs = dir.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs).map_err(io_at(&blobs))?;
    for bytes in [&image.config, &image.manifest] {
        let path = blobs.join(to_hex(&sha256(bytes)));
        persist::write_atomic(&path, bytes, 0o644).map_err(io_at(&path))?;
    }
    let layout = dir.join(cra_model::fileset::OCI_LAYOUT_FILE);
    persist::write_atomic(&layout, cra_model::fileset::OCI_LAYOUT_CONTENT, 0o644)
        .map_err(io_at(&layout))?;
    let index = dir.join(cra_model::fileset::OCI_INDEX_FILE);
    persist::write_atomic(&index, &image.index, 0o644).map_err(io_at(&index))?;
    Ok(())
}

/// Writes the layout at `dir` as a deterministic tar to `out` (`oci-archive` form); returns
/// the archive's SHA-256 (hashed as it is written).
pub(crate) fn write_archive(dir: &Path, out: &Path, mtime: u64) -> Result<[u8; 32], ComposeError> {
    let blobs = dir.join("blobs").join("sha256");
    let mut names: Vec<String> = std::fs::read_dir(&blobs)
        .map_err(io_at(&blobs))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(io_at(&blobs))?;
    names.sort();
    let file = std::fs::File::create(out).map_err(io_at(out))?;
    let mut builder = tar::Builder::new(Hashing::new(std::io::BufWriter::with_capacity(
        1 << 20,
        file,
    )));
    let dir_meta = Meta {
        mode: 0o755,
        uid: 0,
        gid: 0,
        mtime,
        xattrs: &tarball::NO_XATTRS,
    };
    let file_meta = Meta {
        mode: 0o644,
        ..dir_meta
    };
    let io = io_at(out);
    let append_file = |builder: &mut tar::Builder<_>, rel: &str| -> Result<(), ComposeError> {
        let path = dir.join(rel);
        let f = std::fs::File::open(&path).map_err(io_at(&path))?;
        let size = f.metadata().map_err(io_at(&path))?.len();
        tarball::append(builder, rel, EntryKind::File { size }, file_meta, f)
            .map_err(|e| ComposeError::io(out, e))
    };
    tarball::append(
        &mut builder,
        "blobs",
        EntryKind::Dir,
        dir_meta,
        std::io::empty(),
    )
    .map_err(|e| ComposeError::io(out, e))?;
    tarball::append(
        &mut builder,
        "blobs/sha256",
        EntryKind::Dir,
        dir_meta,
        std::io::empty(),
    )
    .map_err(|e| ComposeError::io(out, e))?;
    for name in &names {
        append_file(&mut builder, &format!("blobs/sha256/{name}"))?;
    }
    append_file(&mut builder, cra_model::fileset::OCI_INDEX_FILE)?;
    append_file(&mut builder, cra_model::fileset::OCI_LAYOUT_FILE)?;
    let (writer, digest, _) = builder.into_inner().map_err(io)?.finish();
    let file = writer
        .into_inner()
        .map_err(|e| ComposeError::io(out, e.into_error()))?;
    file.sync_all().map_err(io_at(out))?;
    Ok(digest)
}
