//! SHA-256 and SHA-512 digests of files and byte strings.
//!
//! Files are hashed in one streaming pass with a fixed buffer, so memory stays bounded whatever
//! the file size.

use sha2::{Digest as _, Sha256, Sha512};
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

/// The SHA-256 and SHA-512 digests of one artefact, computed together in a single pass.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digests {
    /// SHA-256 of the bytes.
    pub sha256: [u8; 32],
    /// SHA-512 of the bytes.
    pub(crate) sha512: [u8; 64],
}

impl Digests {
    /// Digests of an in-memory byte string.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        let mut h = Hasher::default();
        h.update(bytes);
        h.finish()
    }

    /// Digests of a file's contents, read in 256 KiB chunks.
    pub fn of_file(path: &Path) -> io::Result<Self> {
        copy_hashing(&mut File::open(path)?, &mut io::sink())
    }

    /// Lower-case hex of the SHA-256 digest.
    pub fn sha256_hex(&self) -> String {
        to_hex(&self.sha256)
    }

    /// Lower-case hex of the SHA-512 digest.
    pub fn sha512_hex(&self) -> String {
        to_hex(&self.sha512)
    }
}

impl fmt::Debug for Digests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Digests")
            .field("sha256", &self.sha256_hex())
            .field("sha512", &self.sha512_hex())
            .finish()
    }
}

/// Incremental SHA-256 + SHA-512, for hashing data while it streams somewhere else.
#[derive(Default)]
pub(crate) struct Hasher {
    sha256: Sha256,
    sha512: Sha512,
}

impl Hasher {
    /// Adds `bytes` to both digests.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha512.update(bytes);
    }

    /// The digests of everything added.
    pub(crate) fn finish(self) -> Digests {
        Digests {
            sha256: self.sha256.finalize().into(),
            sha512: self.sha512.finalize().into(),
        }
    }
}

/// Copies `reader` to `writer` in 256 KiB chunks and returns the digests of what was copied:
/// one pass over the data, bounded memory.
pub fn copy_hashing(reader: &mut impl Read, writer: &mut impl Write) -> io::Result<Digests> {
    let mut h = Hasher::default();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        writer.write_all(&buf[..n])?;
    }
    Ok(h.finish())
}

/// SHA-256 of a file's contents alone, streamed (when SHA-512 is not needed, this is about
/// twice as fast as [`Digests::of_file`]).
pub fn sha256_of_file(path: &Path) -> io::Result<[u8; 32]> {
    sha256_of_reader(&mut File::open(path)?)
}

/// SHA-256 of everything `file` yields, streamed.
pub fn sha256_of_reader(file: &mut impl Read) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// Lower-case hex encoding of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// SHA-256 of a byte string, as an array.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known-answer vectors from FIPS 180-2 ("abc").
    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const ABC_SHA512: &str = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                              2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

    #[test]
    fn bytes_match_known_answers() {
        let d = Digests::of_bytes(b"abc");
        assert_eq!(d.sha256_hex(), ABC_SHA256);
        assert_eq!(d.sha512_hex(), ABC_SHA512);
    }

    #[test]
    fn file_digest_equals_byte_digest_across_chunk_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        // Larger than one read buffer, not a multiple of it.
        let data: Vec<u8> = (0..(600 * 1024 + 7))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        std::fs::write(&path, &data).unwrap();
        assert_eq!(Digests::of_file(&path).unwrap(), Digests::of_bytes(&data));
    }

    #[test]
    fn sha256_alone_equals_the_pair_s_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![7u8; 300_000]).unwrap();
        assert_eq!(
            sha256_of_file(&path).unwrap(),
            Digests::of_file(&path).unwrap().sha256
        );
    }

    #[test]
    fn missing_file_is_an_error() {
        assert!(Digests::of_file(Path::new("/nonexistent/cargo-cra/x")).is_err());
    }
}
