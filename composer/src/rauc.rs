//! RAUC update bundles in the `verity` format, written reproducibly.
//!
//! Layout of `<name>.raucb`: a squashfs holding `manifest.raucm` and the image's squashfs file
//! (the slot image), then its dm-verity hash tree (no superblock; top level first), then a CMS
//! SignedData whose content is the manifest with the bundle's `verity-hash`, `verity-salt` and
//! `verity-size`, then the CMS length as a big-endian u64. The salt is derived from the image
//! and manifest (RAUC picks a random one), the squashfs times are `SOURCE_DATE_EPOCH`, and the
//! signature is deterministic, so the same inputs give the same bytes.

use crate::codec::Compressor;
use crate::error::{ComposeError, io_at};
use crate::progress::Progress;
use crate::squashfs::{SquashfsOptions, write_squashfs};
use crate::tree::{Content, Entry, Kind, Origin, RootFs};
use crate::verity;
use cra_attest::cms::CmsSigner;
use cra_attest::digest::to_hex;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The manifest's name inside the bundle.
pub const MANIFEST: &str = "manifest.raucm";

/// What goes into a bundle.
pub struct BundleInput<'a> {
    /// RAUC's compatible string.
    pub compatible: &'a str,
    /// The image version.
    pub version: &'a str,
    /// The `build` field: `SOURCE_DATE_EPOCH` and, when known, the git commit.
    pub build: String,
    /// The slot class.
    pub slot: &'a str,
    /// The slot image: the image's squashfs file.
    pub image: &'a Path,
    /// Its name in the bundle.
    pub image_name: &'a str,
    /// Its SHA-256.
    pub image_sha256: [u8; 32],
    /// Its size in bytes.
    pub image_size: u64,
    /// Every time in the bundle's squashfs.
    pub mtime: u32,
    /// The bundle squashfs's compressor (the image's: the device's kernel reads it).
    pub compressor: Compressor,
    /// The CMS signer.
    pub signer: &'a CmsSigner,
    /// The `plain` format instead of `verity`.
    pub plain: bool,
}

/// A bundle written.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Its SHA-256.
    pub sha256: [u8; 32],
    /// Its size.
    pub size: u64,
    /// The bundle's dm-verity root hash (`verity` format).
    pub verity_hash: Option<[u8; 32]>,
}

/// The manifest without the `verity-*` keys: the copy inside the bundle's squashfs.
fn manifest(b: &BundleInput<'_>, verity: Option<(&[u8; 32], &[u8; 32], u64)>) -> String {
    let format = if b.plain { "plain" } else { "verity" };
    let mut m = format!(
        "[update]\ncompatible={}\nversion={}\nbuild={}\n\n[bundle]\nformat={format}\n",
        b.compatible, b.version, b.build
    );
    if let Some((hash, salt, size)) = verity {
        m += &format!(
            "verity-hash={}\nverity-salt={}\nverity-size={size}\n",
            to_hex(hash),
            to_hex(salt)
        );
    }
    m += &format!(
        "\n[image.{}]\nfilename={}\nsha256={}\nsize={}\n",
        b.slot,
        b.image_name,
        to_hex(&b.image_sha256),
        b.image_size
    );
    m
}

/// Writes the bundle of `b` to `dest`.
pub fn write_bundle(
    b: &BundleInput<'_>,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<Bundle, ComposeError> {
    let inner = manifest(b, None);
    let fs = bundle_tree(b, &inner)?;
    let opts = SquashfsOptions {
        compressor: b.compressor,
        block_size: 128 * 1024,
        mtime: b.mtime,
    };
    let payload = write_squashfs(&fs, opts, dest, progress)?;
    if payload.size <= verity::BLOCK as u64 {
        return Err(ComposeError::Format(
            "a RAUC bundle's squashfs must be larger than 4096 bytes".into(),
        ));
    }
    progress.begin("RAUC bundle", None);
    if b.plain {
        let file = std::fs::File::open(dest).map_err(io_at(dest))?;
        let digest = b
            .signer
            .detached_digest(std::io::BufReader::new(file))
            .map_err(io_at(dest))?;
        let cms = b
            .signer
            .sign_detached(&digest)
            .map_err(|e| ComposeError::Format(format!("signing the RAUC bundle: {e}")))?;
        append(dest, &[&cms, &(cms.len() as u64).to_be_bytes()])?;
        progress.end();
        return finished(dest, None);
    }
    let salt: [u8; 32] = Sha256::new()
        .chain_update(b"cargo-cra rauc salt v1\0")
        .chain_update(b.image_sha256)
        .chain_update(inner.as_bytes())
        .finalize()
        .into();
    let file = std::fs::File::open(dest).map_err(io_at(dest))?;
    let tree = verity::build_bare(
        std::io::BufReader::with_capacity(1 << 20, file),
        payload.size,
        salt,
    )
    .map_err(io_at(dest))?;
    let signed = manifest(
        b,
        Some((&tree.root_hash, &salt, tree.hash_area.len() as u64)),
    );
    let cms = b
        .signer
        .sign_enveloping(signed.as_bytes())
        .map_err(|e| ComposeError::Format(format!("signing the RAUC bundle: {e}")))?;
    append(
        dest,
        &[&tree.hash_area, &cms, &(cms.len() as u64).to_be_bytes()],
    )?;
    progress.end();
    finished(dest, Some(tree.root_hash))
}

fn append(dest: &Path, parts: &[&[u8]]) -> Result<(), ComposeError> {
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(dest)
        .map_err(io_at(dest))?;
    for p in parts {
        out.write_all(p).map_err(io_at(dest))?;
    }
    out.sync_all().map_err(io_at(dest))
}

fn finished(dest: &Path, verity_hash: Option<[u8; 32]>) -> Result<Bundle, ComposeError> {
    Ok(Bundle {
        sha256: cra_attest::digest::sha256_of_file(dest).map_err(io_at(dest))?,
        size: std::fs::metadata(dest).map_err(io_at(dest))?.len(),
        verity_hash,
    })
}

/// The bundle's squashfs tree: the manifest and the slot image, owned by root.
fn bundle_tree(b: &BundleInput<'_>, manifest: &str) -> Result<RootFs, ComposeError> {
    let mut fs = RootFs {
        entries: Default::default(),
        source_root: None,
    };
    let entry = |content: Content| Entry {
        kind: Kind::File(content),
        mode: 0o644,
        uid: 0,
        gid: 0,
        xattrs: Default::default(),
        origin: Origin::Implicit,
    };
    let generated = Content::Generated(Arc::new(manifest.as_bytes().to_vec()));
    fs.insert(&format!("/{MANIFEST}"), entry(generated))
        .map_err(ComposeError::Format)?;
    let image = crate::tree::host_content(b.image)?;
    fs.insert(&format!("/{}", b.image_name), entry(image))
        .map_err(ComposeError::Format)?;
    Ok(fs)
}
