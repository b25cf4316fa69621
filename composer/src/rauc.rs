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
pub(crate) const MANIFEST: &str = "manifest.raucm";

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
    /// The bundle squashfs's compressor (the device's kernel must read it).
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
        // The slot image is a compressed squashfs already: only its few compressible blocks
        // are worth the compressor's time.
        store_data: true,
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

/// What checking a bundle found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `verity` or `plain`.
    pub format: &'static str,
    /// The signer certificate's subject.
    pub signer: String,
    /// The manifest's `compatible`.
    pub compatible: String,
}

/// Checks the bundle at `path` as a device does before installing it: the CMS signature
/// against the PEM `keyring` at `now`, and the payload — for `verity`, the hash tree recomputed
/// (the root hash, salt and size the signed manifest states); for `plain`, the signed digest of
/// the whole payload.
pub fn check_bundle(path: &Path, keyring: &str, now: i64) -> Result<Checked, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    if len < 8 {
        return Err("too short for a RAUC bundle".into());
    }
    let mut trailer = [0u8; 8];
    f.seek(SeekFrom::Start(len - 8))
        .and_then(|_| f.read_exact(&mut trailer))
        .map_err(|e| e.to_string())?;
    let sig_len = u64::from_be_bytes(trailer);
    if sig_len == 0 || sig_len > 0x10000 || sig_len > len - 8 {
        return Err(format!(
            "signature size {sig_len} in the trailer is not plausible"
        ));
    }
    let payload = len - 8 - sig_len;
    let mut cms = vec![0u8; sig_len as usize];
    f.seek(SeekFrom::Start(payload))
        .and_then(|_| f.read_exact(&mut cms))
        .map_err(|e| e.to_string())?;
    f.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    // A detached (plain) signature reads the payload; an inline one carries the manifest.
    let mut payload_reader = std::io::BufReader::new(&f).take(payload);
    let verified = cra_attest::cms::verify(&cms, Some(&mut payload_reader), keyring, now)
        .map_err(|e| e.to_string())?;
    let Some(content) = verified.content else {
        return Ok(Checked {
            format: "plain",
            signer: verified.signer,
            compatible: String::new(),
        });
    };
    let manifest =
        String::from_utf8(content).map_err(|_| "the signed manifest is not UTF-8".to_string())?;
    let key = |group: &str, name: &str| -> Option<String> {
        let mut in_group = false;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_group = line == format!("[{group}]");
            } else if in_group
                && let Some((k, v)) = line.split_once('=')
                && k.trim() == name
            {
                return Some(v.trim().to_string());
            }
        }
        None
    };
    let hex32 = |name: &str| -> Result<[u8; 32], String> {
        let v = key("bundle", name).ok_or(format!("the manifest has no {name}"))?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&v, &mut out).map_err(|_| format!("{name} is not 64 hex digits"))?;
        Ok(out)
    };
    if key("bundle", "format").as_deref() != Some("verity") {
        return Err("the signed manifest does not say format=verity".into());
    }
    let (root, salt) = (hex32("verity-hash")?, hex32("verity-salt")?);
    let size: u64 = key("bundle", "verity-size")
        .and_then(|v| v.parse().ok())
        .ok_or("the manifest has no verity-size")?;
    if size == 0 || size >= payload || !(payload - size).is_multiple_of(verity::BLOCK as u64) {
        return Err(format!("verity-size {size} does not fit the bundle"));
    }
    let data = payload - size;
    let tree = verity::build_bare(std::io::BufReader::new(&f).take(data), data, salt)
        .map_err(|e| e.to_string())?;
    if tree.hash_area.len() as u64 != size {
        return Err(format!(
            "verity-size {size} is not the size of the payload's hash tree ({})",
            tree.hash_area.len()
        ));
    }
    let mut on_disk = vec![0u8; size as usize];
    f.seek(SeekFrom::Start(data))
        .and_then(|_| f.read_exact(&mut on_disk))
        .map_err(|e| e.to_string())?;
    if tree.root_hash != root || tree.hash_area != on_disk {
        return Err(
            "the payload does not match its signed dm-verity root hash: the bundle was changed"
                .into(),
        );
    }
    Ok(Checked {
        format: "verity",
        signer: verified.signer,
        compatible: key("update", "compatible").unwrap_or_default(),
    })
}
