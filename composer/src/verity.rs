//! dm-verity hash trees (format 1, SHA-256, 4096-byte data and hash blocks) with the superblock
//! `veritysetup format` writes, so `veritysetup verify` and the kernel accept them.
//!
//! Layout of the hash area: the 512-byte superblock in a block of its own, then the tree's
//! levels from the one nearest the root down to the level hashing the data blocks. Each hash
//! is SHA-256(salt ‖ block); hash blocks hold 128 hashes, zero-padded; the root hash is the hash
//! of the single top block. The salt (and the UUID) are derived from the image's SHA-256, so
//! the same image always gets the same tree and root hash.

use crate::ordered::{OrderedPool, threads};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

/// Data and hash block size.
pub(crate) const BLOCK: usize = 4096;
const HASHES_PER_BLOCK: usize = BLOCK / 32;

/// A computed hash tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerityTree {
    /// The root hash.
    pub root_hash: [u8; 32],
    /// The salt (32 bytes).
    pub salt: [u8; 32],
    /// The UUID stored in the superblock.
    pub uuid: uuid::Uuid,
    /// Number of data blocks.
    pub data_blocks: u64,
    /// The hash area: superblock block, then the levels (top first).
    pub hash_area: Vec<u8>,
}

/// The salt for an image with SHA-256 `image_digest`.
pub(crate) fn salt_for(image_digest: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"cargo-cra dm-verity salt v1\0");
    h.update(image_digest);
    h.finalize().into()
}

fn uuid_for(salt: &[u8; 32]) -> uuid::Uuid {
    let d: [u8; 32] = Sha256::new()
        .chain_update(b"cargo-cra dm-verity uuid v1\0")
        .chain_update(salt)
        .finalize()
        .into();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_custom_bytes(b).into_uuid()
}

fn hash_block(salt: &[u8], block: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(salt)
        .chain_update(block)
        .finalize()
        .into()
}

/// Builds the tree over `data` (whose length must be a multiple of 4096) read from `reader`,
/// with the salt derived from `image_digest`, behind the veritysetup superblock.
pub(crate) fn build(
    reader: impl Read,
    data_len: u64,
    image_digest: &[u8; 32],
) -> io::Result<VerityTree> {
    build_tree(reader, data_len, salt_for(image_digest), true)
}

/// The tree alone, no superblock (as RAUC's bundles carry it: the hash area starts with the
/// top level, and the salt, size and root hash go in the signed manifest).
pub(crate) fn build_bare(
    reader: impl Read,
    data_len: u64,
    salt: [u8; 32],
) -> io::Result<VerityTree> {
    build_tree(reader, data_len, salt, false)
}

fn build_tree(
    mut reader: impl Read,
    data_len: u64,
    salt: [u8; 32],
    with_superblock: bool,
) -> io::Result<VerityTree> {
    if !data_len.is_multiple_of(BLOCK as u64) || data_len == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "dm-verity data must be a non-empty multiple of 4096 bytes",
        ));
    }
    let data_blocks = data_len / BLOCK as u64;
    // Level 0: one hash per data block, 1 MiB chunks hashed on every core (in order).
    let mut level: Vec<[u8; 32]> = Vec::with_capacity(data_blocks as usize);
    let threads = threads();
    let mut pool: OrderedPool<Vec<[u8; 32]>> = OrderedPool::new(threads, threads * 2);
    let mut remaining = data_len;
    while remaining > 0 {
        let n = remaining.min((BLOCK * 256) as u64) as usize;
        let mut buf = vec![0u8; n];
        reader.read_exact(&mut buf)?;
        let hashes = move || buf.chunks(BLOCK).map(|b| hash_block(&salt, b)).collect();
        if let Some(done) = pool.submit(hashes) {
            level.extend(done);
        }
        remaining -= n as u64;
    }
    while let Some(done) = pool.next_result() {
        level.extend(done);
    }
    // Pack each level into zero-padded hash blocks and hash those, until one hash remains: the
    // root. (One data block needs no tree: its hash is the root.)
    let mut levels: Vec<Vec<u8>> = Vec::new();
    while level.len() > 1 {
        let mut packed = Vec::with_capacity(level.len().div_ceil(HASHES_PER_BLOCK) * BLOCK);
        for chunk in level.chunks(HASHES_PER_BLOCK) {
            for h in chunk {
                packed.extend_from_slice(h);
            }
            packed.resize(packed.len().div_ceil(BLOCK) * BLOCK, 0);
        }
        level = packed.chunks(BLOCK).map(|b| hash_block(&salt, b)).collect();
        levels.push(packed);
    }
    let root_hash = level[0];
    let uuid = uuid_for(&salt);
    let mut hash_area = match with_superblock {
        true => superblock(&uuid, data_blocks, &salt),
        false => Vec::new(),
    };
    for l in levels.iter().rev() {
        hash_area.extend_from_slice(l);
    }
    Ok(VerityTree {
        root_hash,
        salt,
        uuid,
        data_blocks,
        hash_area,
    })
}

/// The veritysetup superblock, padded to one hash block.
fn superblock(uuid: &uuid::Uuid, data_blocks: u64, salt: &[u8; 32]) -> Vec<u8> {
    let mut sb = Vec::with_capacity(BLOCK);
    sb.extend_from_slice(b"verity\0\0");
    sb.extend_from_slice(&1u32.to_le_bytes()); // superblock version
    sb.extend_from_slice(&1u32.to_le_bytes()); // hash type: normal (salt first)
    sb.extend_from_slice(uuid.as_bytes());
    let mut alg = [0u8; 32];
    alg[..6].copy_from_slice(b"sha256");
    sb.extend_from_slice(&alg);
    sb.extend_from_slice(&(BLOCK as u32).to_le_bytes());
    sb.extend_from_slice(&(BLOCK as u32).to_le_bytes());
    sb.extend_from_slice(&data_blocks.to_le_bytes());
    sb.extend_from_slice(&(salt.len() as u16).to_le_bytes());
    sb.extend_from_slice(&[0u8; 6]);
    let mut salt_field = [0u8; 256];
    salt_field[..32].copy_from_slice(salt);
    sb.extend_from_slice(&salt_field);
    sb.extend_from_slice(&[0u8; 168]);
    debug_assert_eq!(sb.len(), 512);
    sb.resize(BLOCK, 0);
    sb
}

/// Writes the hash area to `out`.
pub(crate) fn write(tree: &VerityTree, mut out: impl Write) -> io::Result<()> {
    out.write_all(&tree.hash_area)
}
