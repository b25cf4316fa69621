//! A squashfs 4.0 writer (<https://dr-emann.github.io/squashfs/>), streaming and parallel.
//!
//! File data is read once, in the image's sorted order, cut into blocks that compress on every
//! core (results are written in submission order, so the bytes do not depend on the core
//! count), with file tails packed into fragment blocks and identical small files stored once.
//! At most a few blocks per core are in memory, whatever the tree's size. Inodes are numbered
//! and written children-first, then the directory, inode, fragment and id tables follow; every
//! time is `SOURCE_DATE_EPOCH`, only the extended attributes the recipe sets are written (after
//! the id table, each distinct set once), hard links share one inode, and the image is padded to
//! 4 KiB (dm-verity's block size).
//!
//! Why not a crate: `backhand` (the maintained Rust squashfs library) compresses on one thread
//! and does not keep hard links; this writer needs parallel compression to match mksquashfs.

pub mod compressor;
pub mod metadata;

pub use compressor::Compressor;

use crate::error::{ComposeError, io_at};
use crate::ordered::{OrderedPool, threads};
use crate::progress::Progress;
use crate::tree::{Content, Kind, RootFs, open_content};
use crate::xattrs::{self, Xattrs};
use metadata::{MetadataWriter, indexed_table};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// How to write the image.
#[derive(Debug, Clone, Copy)]
pub struct SquashfsOptions {
    /// Compressor and level.
    pub compressor: Compressor,
    /// Data block size (a power of two, 4 KiB to 1 MiB).
    pub block_size: u32,
    /// Every time in the image (`SOURCE_DATE_EPOCH`, clamped to 32 bits).
    pub mtime: u32,
    /// For data that is mostly compressed already (a squashfs image inside a RAUC bundle):
    /// a data block that a fast LZ4 pass cannot shrink is stored as it is, without running the
    /// (slower) compressor on it.
    pub store_data: bool,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SquashfsImage {
    /// Size of the file (a multiple of 4096).
    pub size: u64,
    /// Bytes used by the filesystem (before padding).
    pub bytes_used: u64,
    /// Number of inodes.
    pub inodes: u32,
    /// SHA-256 of every regular file's content, by relative path.
    pub files: BTreeMap<String, [u8; 32]>,
}

/// Files up to this size are read whole, so identical ones can be stored once.
const DEDUP_MAX: u64 = 1 << 20;
/// Superblock size.
const SUPERBLOCK: u64 = 96;
/// Flag bits of the superblock.
const FLAG_DUPLICATES: u16 = 0x0040;
const FLAG_NO_XATTRS: u16 = 0x0200;
const FLAG_COMPRESSOR_OPTIONS: u16 = 0x0400;
/// "No extended attributes" in an inode.
const NO_XATTR: u32 = u32::MAX;
/// "No table" in the superblock.
const NO_TABLE: u64 = u64::MAX;
/// Bit 24 of a block size word: stored uncompressed.
const UNCOMPRESSED_BLOCK: u32 = 1 << 24;

/// Files read ahead of the compressor at most (each at most [`DEDUP_MAX`] bytes).
const READ_AHEAD: usize = 16;

/// A file read by a worker: whole (small files) or to be streamed (large ones).
enum Loaded {
    Whole {
        file: usize,
        path: String,
        data: Vec<u8>,
        digest: [u8; 32],
    },
    Stream {
        file: usize,
        path: String,
        content: Content,
    },
}

fn changed(content: &Content, path: &str, e: io::Error) -> ComposeError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => ComposeError::Changed {
            path: content_path(content, path),
        },
        _ => ComposeError::io(content_path(content, path), e),
    }
}

fn load(file: usize, path: String, content: Content) -> Result<Loaded, ComposeError> {
    if content.size() > DEDUP_MAX {
        return Ok(Loaded::Stream {
            file,
            path,
            content,
        });
    }
    let mut data = Vec::with_capacity(content.size() as usize);
    let mut reader = open_content(&content)?;
    reader
        .read_to_end(&mut data)
        .map_err(|e| changed(&content, &path, e))?;
    reader.finish()?;
    let digest = Sha256::digest(&data).into();
    Ok(Loaded::Whole {
        file,
        path,
        data,
        digest,
    })
}

/// What storing the files has learnt: their digests, and which are duplicates of which.
#[derive(Default)]
struct Stored {
    digests: BTreeMap<String, [u8; 32]>,
    seen: HashMap<[u8; 32], usize>,
    duplicates: Vec<(usize, usize)>,
}

/// Sends a loaded file's blocks and tail to the compressor (or records it as a duplicate).
fn store<W: Write>(
    w: &mut DataWriter<'_, W>,
    loaded: Loaded,
    stored: &mut Stored,
    dest: &Path,
) -> Result<(), ComposeError> {
    let Stored {
        digests,
        seen,
        duplicates,
    } = stored;
    let io = |e: io::Error| ComposeError::io(dest, e);
    let bs = w.opts.block_size as usize;
    match loaded {
        Loaded::Whole {
            file,
            path,
            data,
            digest,
        } => {
            digests.insert(path, digest);
            if !data.is_empty() {
                if let Some(&orig) = seen.get(&digest) {
                    duplicates.push((file, orig));
                    w.progress.advance(data.len() as u64);
                    return Ok(());
                }
                seen.insert(digest, file);
            }
            let full = data.len() / bs * bs;
            for chunk in data[..full].chunks(bs) {
                w.submit(Target::Block(file), chunk.to_vec()).map_err(io)?;
            }
            if full < data.len() {
                w.add_tail(file, &data[full..]).map_err(io)?;
            }
        }
        Loaded::Stream {
            file,
            path,
            content,
        } => {
            let mut reader = open_content(&content)?;
            let mut hasher = Sha256::new();
            let mut remaining = content.size();
            while remaining > 0 {
                let n = remaining.min(bs as u64) as usize;
                let mut block = vec![0u8; n];
                reader
                    .read_exact(&mut block)
                    .map_err(|e| changed(&content, &path, e))?;
                hasher.update(&block);
                remaining -= n as u64;
                if n == bs {
                    w.submit(Target::Block(file), block).map_err(io)?;
                } else {
                    w.add_tail(file, &block).map_err(io)?;
                }
            }
            reader.finish()?;
            digests.insert(path, hasher.finalize().into());
        }
    }
    Ok(())
}

/// Where a file's data went.
#[derive(Debug, Clone, Default)]
struct FileData {
    start: Option<u64>,
    sizes: Vec<u32>,
    fragment: Option<(u32, u32)>,
    size: u64,
}

/// What a compressed block belongs to.
enum Target {
    Block(usize),
    Fragment(u32),
}

type BlockResult = io::Result<(Vec<u8>, u32)>;

fn compress_block(c: Compressor, block_size: u32, data: Vec<u8>) -> BlockResult {
    let compressed = c.compress(&data, block_size)?;
    Ok(if compressed.len() < data.len() {
        let n = compressed.len() as u32;
        (compressed, n)
    } else {
        let n = data.len() as u32 | UNCOMPRESSED_BLOCK;
        (data, n)
    })
}

/// Whether LZ4 (fast) saves at least 1 % of `data`: a cheap test for data worth compressing.
fn lz4_shrinks(data: &[u8]) -> bool {
    lz4_flex::block::compress(data).len() < data.len() - data.len() / 100
}

struct DataWriter<'a, W: Write> {
    out: W,
    offset: u64,
    opts: SquashfsOptions,
    pool: OrderedPool<BlockResult>,
    targets: std::collections::VecDeque<Target>,
    files: Vec<FileData>,
    fragments: Vec<(u64, u32)>,
    fragment_buf: Vec<u8>,
    progress: &'a dyn Progress,
}

impl<W: Write> DataWriter<'_, W> {
    fn take(&mut self, result: BlockResult) -> io::Result<()> {
        let (bytes, word) = result?;
        let target = self.targets.pop_front().expect("one target per block");
        let at = self.offset;
        self.out.write_all(&bytes)?;
        self.offset += bytes.len() as u64;
        match target {
            Target::Block(f) => {
                let file = &mut self.files[f];
                file.start.get_or_insert(at);
                file.sizes.push(word);
            }
            Target::Fragment(i) => self.fragments[i as usize] = (at, word),
        }
        Ok(())
    }

    fn submit(&mut self, target: Target, data: Vec<u8>) -> io::Result<()> {
        let (c, bs) = (self.opts.compressor, self.opts.block_size);
        let store = self.opts.store_data && matches!(target, Target::Block(_));
        self.progress.advance(data.len() as u64);
        self.targets.push_back(target);
        let job = move || match store && !lz4_shrinks(&data) {
            true => {
                let n = data.len() as u32 | UNCOMPRESSED_BLOCK;
                Ok((data, n))
            }
            false => compress_block(c, bs, data),
        };
        if let Some(done) = self.pool.submit(job) {
            self.take(done)?;
        }
        Ok(())
    }

    fn add_tail(&mut self, file: usize, tail: &[u8]) -> io::Result<()> {
        if self.fragment_buf.len() + tail.len() > self.opts.block_size as usize {
            self.flush_fragment()?;
        }
        let index = self.fragments.len() as u32;
        self.files[file].fragment = Some((index, self.fragment_buf.len() as u32));
        self.fragment_buf.extend_from_slice(tail);
        Ok(())
    }

    fn flush_fragment(&mut self) -> io::Result<()> {
        if self.fragment_buf.is_empty() {
            return Ok(());
        }
        let index = self.fragments.len() as u32;
        self.fragments.push((0, 0));
        let data = std::mem::take(&mut self.fragment_buf);
        self.submit(Target::Fragment(index), data)
    }

    fn drain(&mut self) -> io::Result<()> {
        while let Some(done) = self.pool.next_result() {
            self.take(done)?;
        }
        Ok(())
    }
}

/// Writes `fs` as a squashfs image to `dest` (created).
pub fn write_squashfs(
    fs: &RootFs,
    opts: SquashfsOptions,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<SquashfsImage, ComposeError> {
    let io = |e: io::Error| ComposeError::io(dest, e);
    // What the format cannot hold is refused before anything is written.
    for path in fs.entries.keys() {
        if path.rsplit('/').next().unwrap_or(path).len() > 256 {
            return Err(too_large(format!("/{path}: names are at most 256 bytes")));
        }
    }
    let file = std::fs::File::create(dest).map_err(io_at(dest))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(&[0u8; SUPERBLOCK as usize]).map_err(io)?;
    let mut offset = SUPERBLOCK;
    let options = opts.compressor.options(opts.block_size);
    if let Some(o) = &options {
        out.write_all(&(o.len() as u16 | 0x8000).to_le_bytes())
            .map_err(io)?;
        out.write_all(o).map_err(io)?;
        offset += 2 + o.len() as u64;
    }

    // Pass 1: file data, in sorted path order.
    let paths: Vec<&String> = fs.entries.keys().collect();
    let file_index: HashMap<&str, usize> = fs
        .entries
        .iter()
        .filter(|(_, e)| matches!(e.kind, Kind::File(_)))
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), i))
        .collect();
    let n_files = file_index.len();
    let threads = threads();
    let mut w = DataWriter {
        out,
        offset,
        opts,
        pool: OrderedPool::new(threads, threads * 2 + 2),
        targets: Default::default(),
        files: vec![FileData::default(); n_files],
        fragments: Vec::new(),
        fragment_buf: Vec::with_capacity(opts.block_size as usize),
        progress,
    };
    progress.begin("squashfs", Some(fs.content_size()));
    let mut stored = Stored::default();
    // Small files are read and hashed on worker threads, in order, a bounded number ahead;
    // large ones are streamed block by block here.
    let mut readers: OrderedPool<Result<Loaded, ComposeError>> =
        OrderedPool::new(threads.clamp(1, 4), READ_AHEAD);
    for path in &paths {
        let Kind::File(content) = &fs.entries[*path].kind else {
            continue;
        };
        let f = file_index[path.as_str()];
        w.files[f].size = content.size();
        let (content, path) = (content.clone(), (*path).clone());
        let job = move || load(f, path, content);
        if let Some(loaded) = readers.submit(job) {
            store(&mut w, loaded?, &mut stored, dest)?;
        }
    }
    while let Some(loaded) = readers.next_result() {
        store(&mut w, loaded?, &mut stored, dest)?;
    }
    let Stored {
        digests,
        duplicates,
        ..
    } = stored;
    w.flush_fragment().map_err(io)?;
    w.drain().map_err(io)?;
    progress.end();
    for (dup, orig) in &duplicates {
        let size = w.files[*dup].size;
        w.files[*dup] = FileData {
            size,
            ..w.files[*orig].clone()
        };
    }
    let DataWriter {
        mut out,
        offset,
        files,
        fragments,
        ..
    } = w;

    // Pass 2: inodes (children first) and directories.
    let tables = Tables::build(fs, &file_index, &files, opts)?;
    let inode_table_start = offset;
    let directory_table_start = inode_table_start + tables.inodes.len() as u64;
    let fragment_entries: Vec<u8> = fragments
        .iter()
        .flat_map(|(start, size)| {
            let mut e = start.to_le_bytes().to_vec();
            e.extend_from_slice(&size.to_le_bytes());
            e.extend_from_slice(&0u32.to_le_bytes());
            e
        })
        .collect();
    let fragments_at = directory_table_start + tables.directories.len() as u64;
    let (fragment_table, fragment_index) = indexed_table(
        opts.compressor,
        opts.block_size,
        &fragment_entries,
        fragments_at,
    )
    .map_err(io)?;
    let ids_at = fragments_at + fragment_table.len() as u64;
    let id_entries: Vec<u8> = tables.ids.iter().flat_map(|i| i.to_le_bytes()).collect();
    let (id_table, id_index) =
        indexed_table(opts.compressor, opts.block_size, &id_entries, ids_at).map_err(io)?;
    // Extended attributes last, as the kernel expects (each table ends where the next begins).
    let xattrs_at = ids_at + id_table.len() as u64;
    let (xattr_table, xattr_header) = xattr_table(
        opts.compressor,
        opts.block_size,
        &tables.xattr_sets,
        xattrs_at,
    )
    .map_err(io)?;
    for t in [
        &tables.inodes,
        &tables.directories,
        &fragment_table,
        &id_table,
        &xattr_table,
    ] {
        out.write_all(t).map_err(io)?;
    }
    let bytes_used = xattrs_at + xattr_table.len() as u64;
    let size = bytes_used.div_ceil(4096) * 4096;
    out.write_all(&vec![0u8; (size - bytes_used) as usize])
        .map_err(io)?;

    // Identical small files are always stored once.
    let mut flags = FLAG_DUPLICATES;
    if tables.xattr_sets.is_empty() {
        flags |= FLAG_NO_XATTRS;
    }
    if options.is_some() {
        flags |= FLAG_COMPRESSOR_OPTIONS;
    }
    let mut sb = Vec::with_capacity(SUPERBLOCK as usize);
    sb.extend_from_slice(&0x7371_7368u32.to_le_bytes());
    sb.extend_from_slice(&tables.inode_count.to_le_bytes());
    sb.extend_from_slice(&opts.mtime.to_le_bytes());
    sb.extend_from_slice(&opts.block_size.to_le_bytes());
    sb.extend_from_slice(&(fragments.len() as u32).to_le_bytes());
    sb.extend_from_slice(&opts.compressor.id().to_le_bytes());
    sb.extend_from_slice(&(opts.block_size.trailing_zeros() as u16).to_le_bytes());
    sb.extend_from_slice(&flags.to_le_bytes());
    sb.extend_from_slice(&(tables.ids.len() as u16).to_le_bytes());
    sb.extend_from_slice(&4u16.to_le_bytes());
    sb.extend_from_slice(&0u16.to_le_bytes());
    sb.extend_from_slice(&tables.root.to_le_bytes());
    sb.extend_from_slice(&bytes_used.to_le_bytes());
    sb.extend_from_slice(&(ids_at + id_index).to_le_bytes());
    sb.extend_from_slice(
        &xattr_header
            .map_or(NO_TABLE, |h| xattrs_at + h)
            .to_le_bytes(),
    );
    sb.extend_from_slice(&inode_table_start.to_le_bytes());
    sb.extend_from_slice(&directory_table_start.to_le_bytes());
    sb.extend_from_slice(&(fragments_at + fragment_index).to_le_bytes());
    sb.extend_from_slice(&NO_TABLE.to_le_bytes());
    debug_assert_eq!(sb.len(), SUPERBLOCK as usize);
    out.seek(SeekFrom::Start(0)).map_err(io)?;
    out.write_all(&sb).map_err(io)?;
    let file = out
        .into_inner()
        .map_err(|e| ComposeError::io(dest, e.into_error()))?;
    file.sync_all().map_err(io_at(dest))?;
    Ok(SquashfsImage {
        size,
        bytes_used,
        inodes: tables.inode_count,
        files: digests,
    })
}

/// The extended attribute tables for `sets`, written at `start`: the key/value pairs (each set's
/// entries: prefix id, name without prefix, value), the id table (reference, count and byte size
/// of each set) and its header. Returns the bytes and the header's offset in them (`None`, and no
/// bytes, without attributes).
fn xattr_table(
    compressor: Compressor,
    block_size: u32,
    sets: &[&Xattrs],
    start: u64,
) -> io::Result<(Vec<u8>, Option<u64>)> {
    if sets.is_empty() {
        return Ok((Vec::new(), None));
    }
    let mut pairs = MetadataWriter::new(compressor, block_size);
    let mut ids = Vec::with_capacity(sets.len() * 16);
    for set in sets {
        let reference = pairs.reference();
        let mut size = 0usize;
        for (name, value) in set.iter() {
            let (prefix, rest) = xattrs::squashfs_prefix(name);
            let mut entry = Vec::with_capacity(8 + rest.len() + value.len());
            entry.extend_from_slice(&prefix.to_le_bytes());
            entry.extend_from_slice(&(rest.len() as u16).to_le_bytes());
            entry.extend_from_slice(rest.as_bytes());
            entry.extend_from_slice(&(value.len() as u32).to_le_bytes());
            entry.extend_from_slice(value);
            pairs.write(&entry)?;
            size += entry.len();
        }
        ids.extend_from_slice(&reference.to_le_bytes());
        ids.extend_from_slice(&(set.len() as u32).to_le_bytes());
        ids.extend_from_slice(&(size as u32).to_le_bytes());
    }
    let mut out = pairs.finish()?;
    let ids_at = start + out.len() as u64;
    let (id_table, index_offset) = indexed_table(compressor, block_size, &ids, ids_at)?;
    let (blocks, index) = id_table.split_at(index_offset as usize);
    out.extend_from_slice(blocks);
    let header = out.len() as u64;
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&(sets.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(index);
    Ok((out, Some(header)))
}

fn content_path(content: &Content, image_path: &str) -> std::path::PathBuf {
    match content {
        Content::Host { path, .. } => path.clone(),
        Content::Generated(_) => format!("/{image_path}").into(),
    }
}

/// The inode and directory tables, and what the superblock needs from them.
struct Tables<'a> {
    inodes: Vec<u8>,
    directories: Vec<u8>,
    ids: Vec<u32>,
    /// Distinct extended attribute sets, in the order of their ids.
    xattr_sets: Vec<&'a Xattrs>,
    root: u64,
    inode_count: u32,
}

struct TableBuilder<'a> {
    fs: &'a RootFs,
    file_index: &'a HashMap<&'a str, usize>,
    files: &'a [FileData],
    opts: SquashfsOptions,
    children: BTreeMap<&'a str, Vec<&'a str>>,
    numbers: HashMap<&'a str, u32>,
    /// Names of each hard-linked file (the file's path → 1 + its links).
    names: HashMap<&'a str, u32>,
    /// Inodes written so far for hard-linked files: reference and basic type.
    written: HashMap<&'a str, (u64, u16)>,
    id_index: HashMap<u32, u16>,
    xattr_index: HashMap<&'a Xattrs, u32>,
    inodes: MetadataWriter,
    dirs: MetadataWriter,
}

fn too_large(what: String) -> ComposeError {
    ComposeError::Format(format!("the tree is too large for squashfs: {what}"))
}

impl<'a> Tables<'a> {
    fn build(
        fs: &'a RootFs,
        file_index: &HashMap<&str, usize>,
        files: &[FileData],
        opts: SquashfsOptions,
    ) -> Result<Tables<'a>, ComposeError> {
        let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        children.insert("", Vec::new());
        for (path, e) in &fs.entries {
            let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            children.entry(parent).or_default().push(path.as_str());
            if matches!(e.kind, Kind::Dir) {
                children.entry(path.as_str()).or_default();
            }
            let name = path.rsplit('/').next().unwrap_or(path);
            if name.len() > 256 {
                return Err(too_large(format!("/{path}: names are at most 256 bytes")));
            }
        }
        for list in children.values_mut() {
            list.sort_by_key(|p| p.rsplit('/').next().unwrap_or(p).as_bytes().to_vec());
        }
        let ids: BTreeSet<u32> = fs
            .entries
            .values()
            .flat_map(|e| [e.uid, e.gid])
            .chain([0])
            .collect();
        if ids.len() > usize::from(u16::MAX) {
            return Err(too_large(format!(
                "{} distinct owner ids (at most 65535)",
                ids.len()
            )));
        }
        let id_index = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as u16))
            .collect();
        let names = fs
            .hardlinks()
            .into_iter()
            .map(|(file, links)| (file, links.len() as u32 + 1))
            .collect();
        // Each distinct attribute set once, numbered in path order.
        let mut xattr_sets = Vec::new();
        let mut xattr_index = HashMap::new();
        for e in fs.entries.values() {
            if !e.xattrs.is_empty() && !xattr_index.contains_key(&e.xattrs) {
                xattr_index.insert(&e.xattrs, xattr_sets.len() as u32);
                xattr_sets.push(&e.xattrs);
            }
        }
        let mut b = TableBuilder {
            fs,
            file_index,
            files,
            opts,
            children,
            numbers: HashMap::new(),
            names,
            written: HashMap::new(),
            id_index,
            xattr_index,
            inodes: MetadataWriter::new(opts.compressor, opts.block_size),
            dirs: MetadataWriter::new(opts.compressor, opts.block_size),
        };
        let mut next = 1u32;
        b.number("", &mut next)?;
        let inode_count = next - 1;
        let (root, _) = b.write_dir("", inode_count + 1).map_err(io_err)?;
        Ok(Tables {
            inodes: b.inodes.finish().map_err(io_err)?,
            directories: b.dirs.finish().map_err(io_err)?,
            ids: ids.into_iter().collect(),
            xattr_sets,
            root,
            inode_count,
        })
    }
}

fn io_err(e: io::Error) -> ComposeError {
    ComposeError::Format(format!("squashfs tables: {e}"))
}

impl<'a> TableBuilder<'a> {
    /// Post-order inode numbers: children before their directory, the root last.
    fn number(&mut self, dir: &'a str, next: &mut u32) -> Result<(), ComposeError> {
        let kids = self.children[dir].clone();
        for k in kids {
            if self.children.contains_key(k) {
                self.number(k, next)?;
            } else {
                // All names of a hard-linked file share the number of the first one met.
                let inode = self.inode_of(k);
                if let Some(&n) = self.numbers.get(inode) {
                    self.numbers.insert(k, n);
                    continue;
                }
                self.numbers.insert(inode, *next);
                self.numbers.insert(k, *next);
                *next = next
                    .checked_add(1)
                    .ok_or_else(|| too_large("more than 2^32 inodes".into()))?;
            }
        }
        self.numbers.insert(dir, *next);
        *next = next
            .checked_add(1)
            .ok_or_else(|| too_large("more than 2^32 inodes".into()))?;
        Ok(())
    }

    fn header(&self, kind: u16, mode: u32, uid: u32, gid: u32, number: u32) -> Vec<u8> {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(&kind.to_le_bytes());
        v.extend_from_slice(&((mode & 0o7777) as u16).to_le_bytes());
        v.extend_from_slice(&self.id_index[&uid].to_le_bytes());
        v.extend_from_slice(&self.id_index[&gid].to_le_bytes());
        v.extend_from_slice(&self.opts.mtime.to_le_bytes());
        v.extend_from_slice(&number.to_le_bytes());
        v
    }

    /// The xattr id of an entry's attributes, or "none".
    fn xattr_id(&self, xattrs: &Xattrs) -> u32 {
        if xattrs.is_empty() {
            NO_XATTR
        } else {
            self.xattr_index[xattrs]
        }
    }

    /// The path holding the inode behind `path`: the file a hard link names, else `path`.
    fn inode_of(&self, path: &'a str) -> &'a str {
        match &self.fs.entries[path].kind {
            Kind::Hardlink(file) => file.as_str(),
            _ => path,
        }
    }

    /// Writes a non-directory inode (once for all names of a hard-linked file); returns its
    /// reference and basic type.
    fn write_leaf(&mut self, path: &'a str) -> io::Result<(u64, u16)> {
        let path = self.inode_of(path);
        if let Some(&done) = self.written.get(path) {
            return Ok(done);
        }
        let links = self.names.get(path).copied().unwrap_or(1);
        let e = &self.fs.entries[path];
        let number = self.numbers[path];
        let reference = self.inodes.reference();
        let basic = match &e.kind {
            Kind::Symlink(target) => {
                let mut v = self.header(3, e.mode, e.uid, e.gid, number);
                v.extend_from_slice(&1u32.to_le_bytes());
                v.extend_from_slice(&(target.len() as u32).to_le_bytes());
                v.extend_from_slice(target.as_bytes());
                self.inodes.write(&v)?;
                3
            }
            Kind::File(_) => {
                let d = &self.files[self.file_index[path]];
                let start = d.start.unwrap_or(0);
                let (frag, frag_offset) = d.fragment.unwrap_or((u32::MAX, 0));
                let mut v;
                // Only the extended inode counts links and refers to attributes.
                let xattr = self.xattr_id(&e.xattrs);
                if start > u64::from(u32::MAX)
                    || d.size > u64::from(u32::MAX)
                    || links > 1
                    || xattr != NO_XATTR
                {
                    v = self.header(9, e.mode, e.uid, e.gid, number);
                    v.extend_from_slice(&start.to_le_bytes());
                    v.extend_from_slice(&d.size.to_le_bytes());
                    v.extend_from_slice(&0u64.to_le_bytes()); // sparse bytes
                    v.extend_from_slice(&links.to_le_bytes());
                    v.extend_from_slice(&frag.to_le_bytes());
                    v.extend_from_slice(&frag_offset.to_le_bytes());
                    v.extend_from_slice(&xattr.to_le_bytes());
                } else {
                    v = self.header(2, e.mode, e.uid, e.gid, number);
                    v.extend_from_slice(&(start as u32).to_le_bytes());
                    v.extend_from_slice(&frag.to_le_bytes());
                    v.extend_from_slice(&frag_offset.to_le_bytes());
                    v.extend_from_slice(&(d.size as u32).to_le_bytes());
                }
                for s in &d.sizes {
                    v.extend_from_slice(&s.to_le_bytes());
                }
                self.inodes.write(&v)?;
                2
            }
            Kind::Dir | Kind::Hardlink(_) => {
                unreachable!("directories are written by write_dir, links resolved above")
            }
        };
        if links > 1 {
            self.written.insert(path, (reference, basic));
        }
        Ok((reference, basic))
    }

    /// Writes a directory's children, its listing and its inode; returns its reference and
    /// number.
    fn write_dir(&mut self, dir: &'a str, parent: u32) -> io::Result<(u64, u32)> {
        let number = self.numbers[dir];
        let kids = self.children[dir].clone();
        let mut entries: Vec<(&str, u64, u32, u16)> = Vec::with_capacity(kids.len());
        let mut subdirs = 0u32;
        for k in kids {
            let name = k.rsplit('/').next().unwrap_or(k);
            if self.children.contains_key(k) {
                let (r, n) = self.write_dir(k, number)?;
                entries.push((name, r, n, 1));
                subdirs += 1;
            } else {
                let (r, t) = self.write_leaf(k)?;
                entries.push((name, r, self.numbers[k], t));
            }
        }
        // The listing: runs of entries sharing an inode block and a nearby inode number.
        let (block, offset) = self.dirs.position();
        let mut listing = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let (_, r0, n0, _) = entries[i];
            let mut j = i;
            while j < entries.len()
                && j - i < 256
                && entries[j].1 >> 16 == r0 >> 16
                && (i64::from(entries[j].2) - i64::from(n0)).abs() <= 32767
            {
                j += 1;
            }
            listing.extend_from_slice(&((j - i - 1) as u32).to_le_bytes());
            listing.extend_from_slice(&((r0 >> 16) as u32).to_le_bytes());
            listing.extend_from_slice(&n0.to_le_bytes());
            for (name, r, n, t) in &entries[i..j] {
                listing.extend_from_slice(&((r & 0xffff) as u16).to_le_bytes());
                listing.extend_from_slice(&((i64::from(*n) - i64::from(n0)) as i16).to_le_bytes());
                listing.extend_from_slice(&t.to_le_bytes());
                listing.extend_from_slice(&((name.len() - 1) as u16).to_le_bytes());
                listing.extend_from_slice(name.as_bytes());
            }
            i = j;
        }
        self.dirs.write(&listing)?;
        let file_size = listing.len() as u64 + 3;
        let (mode, uid, gid, xattr) = match self.fs.entries.get(dir) {
            Some(e) => (e.mode, e.uid, e.gid, self.xattr_id(&e.xattrs)),
            None => (0o755, 0, 0, NO_XATTR),
        };
        let reference = self.inodes.reference();
        let links = 2 + subdirs;
        let mut v;
        if file_size > 0xffff || xattr != NO_XATTR {
            v = self.header(8, mode, uid, gid, number);
            v.extend_from_slice(&links.to_le_bytes());
            v.extend_from_slice(&(file_size as u32).to_le_bytes());
            v.extend_from_slice(&block.to_le_bytes());
            v.extend_from_slice(&parent.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // no index
            v.extend_from_slice(&offset.to_le_bytes());
            v.extend_from_slice(&xattr.to_le_bytes());
        } else {
            v = self.header(1, mode, uid, gid, number);
            v.extend_from_slice(&block.to_le_bytes());
            v.extend_from_slice(&links.to_le_bytes());
            v.extend_from_slice(&(file_size as u16).to_le_bytes());
            v.extend_from_slice(&offset.to_le_bytes());
            v.extend_from_slice(&parent.to_le_bytes());
        }
        self.inodes.write(&v)?;
        Ok((reference, number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{Entry, Origin, host_content};

    fn opts() -> SquashfsOptions {
        SquashfsOptions {
            compressor: Compressor::Zstd(3),
            block_size: 4096,
            mtime: 0,
            store_data: false,
        }
    }

    #[test]
    fn a_file_that_changes_after_layout_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("f");
        // Small (read whole) and large (streamed) files, shrinking and growing.
        for (before, after) in [
            (vec![1u8; 100], vec![1u8; 50]),
            (vec![2u8; 3 << 20], vec![2u8; 2 << 20]),
            (vec![3u8; 3 << 20], vec![3u8; 4 << 20]),
        ] {
            std::fs::write(&src, &before).unwrap();
            let mut fs = RootFs::default();
            let entry = Entry {
                kind: Kind::File(host_content(&src).unwrap()),
                mode: 0o644,
                uid: 0,
                gid: 0,
                xattrs: Default::default(),
                origin: Origin::File(0),
            };
            fs.insert("/data/f", entry).unwrap();
            std::fs::write(&src, &after).unwrap();
            let e = write_squashfs(
                &fs,
                opts(),
                &tmp.path().join("img"),
                &crate::progress::Silent,
            )
            .unwrap_err();
            assert!(
                matches!(&e, ComposeError::Changed { path } if *path == src),
                "{e}"
            );
        }
    }

    #[test]
    fn the_same_tree_gives_the_same_bytes_every_time() {
        let tmp = tempfile::tempdir().unwrap();
        let mut fs = RootFs::default();
        for i in 0..40u32 {
            let p = tmp.path().join(format!("f{i}"));
            let body: Vec<u8> = (0..(i * 7919 % 50_000)).map(|b| (b * i) as u8).collect();
            std::fs::write(&p, body).unwrap();
            let entry = Entry {
                kind: Kind::File(host_content(&p).unwrap()),
                mode: 0o644,
                uid: i % 3,
                gid: 0,
                xattrs: Default::default(),
                origin: Origin::File(0),
            };
            fs.insert(&format!("/d{}/f{i}", i % 4), entry).unwrap();
        }
        let a =
            write_squashfs(&fs, opts(), &tmp.path().join("a"), &crate::progress::Silent).unwrap();
        let b =
            write_squashfs(&fs, opts(), &tmp.path().join("b"), &crate::progress::Silent).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            std::fs::read(tmp.path().join("a")).unwrap(),
            std::fs::read(tmp.path().join("b")).unwrap()
        );
        assert_eq!(a.size % 4096, 0);
    }
}
