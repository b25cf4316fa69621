//! One image layer: the root filesystem as a deterministic tar, compressed with gzip or zstd,
//! hashed on the way (SHA-256 of the tar is the `diff_id`, of the compressed blob its digest).
//!
//! Compression runs on every core, and its output depends only on the input and the level, never
//! on the machine: gzip in fixed chunks ([`crate::pgzip`]) with a zeroed header time, zstd in its
//! multi-threaded mode (whose output is the same for any number of worker threads).

pub use crate::codec::Compression;
use crate::error::{ComposeError, io_at};
use crate::progress::Progress;
use crate::tarball::{self, EntryKind, Meta};
use crate::tree::{Kind, RootFs, open_content};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// A written layer blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layer {
    /// SHA-256 of the compressed blob.
    pub digest: [u8; 32],
    /// SHA-256 of the uncompressed tar.
    pub diff_id: [u8; 32],
    /// Size of the compressed blob.
    pub size: u64,
    /// Size of the uncompressed tar.
    pub tar_size: u64,
    /// SHA-256 of every regular file's content, by relative path.
    pub files: BTreeMap<String, [u8; 32]>,
}

/// A reader that hashes what is read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A writer that hashes and counts what passes through it.
pub(crate) struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> Hashing<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// The inner writer, the SHA-256 and the byte count.
    pub(crate) fn finish(self) -> (W, [u8; 32], u64) {
        (self.inner, self.hasher.finalize().into(), self.count)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A writer reporting bytes to a [`Progress`].
struct Reporting<'p, W> {
    inner: W,
    progress: &'p dyn Progress,
}

impl<W: Write> Write for Reporting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Compression threads: one per core.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

enum Encoder<W: Write> {
    Gzip(crate::pgzip::ParallelGzip<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    fn new(compression: Compression, inner: W) -> io::Result<Self> {
        Ok(match compression {
            Compression::Gzip(level) => {
                Encoder::Gzip(crate::pgzip::ParallelGzip::new(inner, level, threads()))
            }
            Compression::Zstd(level) => {
                let mut e = zstd::stream::write::Encoder::new(inner, level as i32)?;
                e.multithread(threads() as u32)?;
                Encoder::Zstd(e)
            }
        })
    }

    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

/// Writes `fs` as a layer to `dest` (created; the caller renames it to its digest).
pub(crate) fn write_layer(
    fs: &RootFs,
    mtime: u64,
    compression: Compression,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<Layer, ComposeError> {
    let file = std::fs::File::create(dest).map_err(io_at(dest))?;
    let compressed = Hashing::new(BufWriter::with_capacity(1 << 20, file));
    let encoder = Encoder::new(compression, compressed).map_err(io_at(dest))?;
    let tar_stream = Hashing::new(Reporting {
        inner: encoder,
        progress,
    });
    let mut builder = tar::Builder::new(tar_stream);
    progress.begin("layer", Some(fs.content_size()));
    let mut files = BTreeMap::new();
    for (path, entry) in &fs.entries {
        let meta = Meta {
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            mtime,
            xattrs: &entry.xattrs,
        };
        match &entry.kind {
            Kind::Dir => tarball::append(&mut builder, path, EntryKind::Dir, meta, io::empty())
                .map_err(io_at(dest))?,
            Kind::Symlink(target) => tarball::append(
                &mut builder,
                path,
                EntryKind::Symlink { target },
                meta,
                io::empty(),
            )
            .map_err(io_at(dest))?,
            Kind::Hardlink(target) => tarball::append(
                &mut builder,
                path,
                EntryKind::Hardlink { target },
                meta,
                io::empty(),
            )
            .map_err(io_at(dest))?,
            Kind::File(content) => {
                let mut reader = HashingReader {
                    inner: open_content(content)?,
                    hasher: Sha256::new(),
                };
                let kind = EntryKind::File {
                    size: content.size(),
                };
                if let Err(e) = tarball::append(&mut builder, path, kind, meta, &mut reader) {
                    reader.inner.finish()?;
                    return Err(match e.kind() {
                        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => {
                            ComposeError::Changed {
                                path: content_path(content, path),
                            }
                        }
                        _ => ComposeError::io(content_path(content, path), e),
                    });
                }
                reader.inner.finish()?;
                files.insert(path.clone(), reader.hasher.finalize().into());
            }
        }
    }
    let tar_stream = builder.into_inner().map_err(io_at(dest))?;
    let (reporting, diff_id, tar_size) = tar_stream.finish();
    let compressed = reporting.inner.finish().map_err(io_at(dest))?;
    let (mut file, digest, size) = compressed.finish();
    file.flush().map_err(io_at(dest))?;
    let file = file
        .into_inner()
        .map_err(|e| ComposeError::io(dest, e.into_error()))?;
    file.sync_all().map_err(io_at(dest))?;
    progress.end();
    Ok(Layer {
        digest,
        diff_id,
        size,
        tar_size,
        files,
    })
}

fn content_path(content: &crate::tree::Content, image_path: &str) -> std::path::PathBuf {
    match content {
        crate::tree::Content::Host { path, .. } => path.clone(),
        crate::tree::Content::Generated(_) => format!("/{image_path}").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress_with_workers(data: &[u8], workers: u32) -> Vec<u8> {
        let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        e.multithread(workers).unwrap();
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn one_file_tree(path: &Path) -> RootFs {
        let mut fs = RootFs::default();
        let entry = crate::tree::Entry {
            kind: Kind::File(crate::tree::host_content(path).unwrap()),
            mode: 0o644,
            uid: 0,
            gid: 0,
            xattrs: Default::default(),
            origin: crate::tree::Origin::File(0),
        };
        fs.insert("/data/f", entry).unwrap();
        fs
    }

    #[test]
    fn a_file_that_changes_after_layout_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("f");
        for (before, after) in [
            (&b"abcdef"[..], &b"abc"[..]),
            (b"abc", b"abcdef"),
            (b"abc", b"xyz"),
        ] {
            std::fs::write(&src, before).unwrap();
            let fs = one_file_tree(&src);
            std::thread::sleep(std::time::Duration::from_millis(20));
            std::fs::write(&src, after).unwrap();
            let e = write_layer(
                &fs,
                0,
                Compression::Gzip(5),
                &tmp.path().join("l"),
                &crate::progress::Silent,
            )
            .unwrap_err();
            assert!(
                matches!(&e, ComposeError::Changed { path } if *path == src),
                "{e}"
            );
            assert!(e.to_string().contains("changed while being read"), "{e}");
        }
    }

    #[test]
    fn layers_are_the_same_bytes_every_time_and_record_file_digests() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("f");
        std::fs::write(&src, b"hello").unwrap();
        let fs = one_file_tree(&src);
        for c in [Compression::Gzip(5), Compression::Zstd(3)] {
            let a =
                write_layer(&fs, 7, c, &tmp.path().join("a"), &crate::progress::Silent).unwrap();
            let b =
                write_layer(&fs, 7, c, &tmp.path().join("b"), &crate::progress::Silent).unwrap();
            assert_eq!(a, b);
            assert_eq!(
                std::fs::read(tmp.path().join("a")).unwrap(),
                std::fs::read(tmp.path().join("b")).unwrap()
            );
            assert_eq!(a.files["data/f"], cra_attest::digest::sha256(b"hello"));
        }
    }

    #[test]
    fn zstd_output_does_not_depend_on_the_number_of_workers() {
        // Compressible but not trivial: 24 MiB of a simple generator's bytes.
        let mut state = 1u64;
        let data: Vec<u8> = (0..24 << 20)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                if i % 7 == 0 {
                    (state >> 59) as u8
                } else {
                    b'a' + (i % 13) as u8
                }
            })
            .collect();
        let one = compress_with_workers(&data, 1);
        assert_eq!(one, compress_with_workers(&data, 2));
        assert_eq!(one, compress_with_workers(&data, 5));
        let mut back = Vec::new();
        zstd::stream::read::Decoder::new(one.as_slice())
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }
}
