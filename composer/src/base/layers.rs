//! A base root filesystem from tar layers (a rootfs tarball is one layer, an OCI image's
//! layers are applied in order), with OCI's whiteouts: `.wh.<name>` removes `<name>` of the
//! layers below, `.wh..wh..opq` empties its directory of what the layers below put there.
//!
//! The tree is assembled logically, never on the host: paths are checked lexically, a symbolic
//! link is only a target string and is never followed, and file contents go to a blob store
//! under names this code makes. A layer is hostile input, so anything that would write through
//! a symbolic link, leave the root, name a hard link target that is not a file already in the
//! tree, or exceed the size and count limits is an error naming the entry; sparse files are
//! refused. Device nodes and FIFOs (a debootstrapped `/dev` has them) are recorded as such:
//! whether an image may hold them is the recipe's decision, not the reader's.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What a tree may hold at most.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of file content, over all layers.
    pub bytes: u64,
    /// Entries, over all layers.
    pub entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            bytes: 16 << 30,
            entries: 2_000_000,
        }
    }
}

/// One entry's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseKind {
    /// A directory.
    Dir,
    /// A regular file: its content in the blob store, its size and SHA-256.
    File {
        /// The blob holding its bytes.
        blob: PathBuf,
        /// Size in bytes.
        size: u64,
        /// SHA-256 of the bytes.
        sha256: [u8; 32],
    },
    /// A symbolic link to the target, as written (never followed).
    Symlink(String),
    /// Another name of the regular file at this path.
    Hardlink(String),
    /// A character (`block: false`) or block device node.
    Device {
        /// A block device.
        block: bool,
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
    },
    /// A named pipe.
    Fifo,
}

/// One entry: type, permission bits and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseEntry {
    /// Type and content.
    pub kind: BaseKind,
    /// Permission bits (with setuid, setgid and sticky).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
}

/// The tree: relative path (no leading `/`) → entry, parents before children.
#[derive(Debug, Default)]
pub struct BaseTree {
    /// The entries.
    pub entries: BTreeMap<String, BaseEntry>,
    bytes: u64,
    blobs: usize,
}

/// Why a layer cannot be applied: the entry and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// An entry the tree refuses.
    #[error("{path}: {message}")]
    Entry {
        /// The entry's path as the layer names it.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The layer is not a readable tar archive, or the blob store failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn refuse<T>(path: &str, message: impl Into<String>) -> Result<T, LayerError> {
    Err(LayerError::Entry {
        path: path.to_string(),
        message: message.into(),
    })
}

impl BaseTree {
    /// Applies one uncompressed tar layer, its file contents written under `store`: an empty
    /// directory this tree alone writes (blobs are never overwritten: a name already there is
    /// an error).
    pub fn apply(
        &mut self,
        layer: impl Read,
        store: &Path,
        limits: Limits,
    ) -> Result<(), LayerError> {
        let mut archive = tar::Archive::new(layer);
        let mut this_layer: BTreeSet<String> = BTreeSet::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            let raw = String::from_utf8(entry.path_bytes().into_owned()).or_else(|e| {
                refuse(
                    &String::from_utf8_lossy(e.as_bytes()),
                    "a path that is not UTF-8",
                )
            })?;
            let Some(path) = normalized(&raw)? else {
                continue; // the root itself
            };
            if self.entries.len() >= limits.entries {
                return refuse(&raw, format!("more than {} entries", limits.entries));
            }
            let (parent, name) = match path.rsplit_once('/') {
                Some((p, n)) => (Some(p), n),
                None => (None, path.as_str()),
            };
            if let Some(hidden) = name.strip_prefix(".wh.") {
                self.whiteout(&raw, parent, hidden, &this_layer)?;
                continue;
            }
            self.parents(&raw, parent, &mut this_layer)?;
            let header = entry.header();
            let bad = |e: std::io::Error| LayerError::Entry {
                path: raw.clone(),
                message: e.to_string(),
            };
            let mode = header.mode().map_err(bad)? & 0o7777;
            let (uid, gid) = (header.uid().map_err(bad)?, header.gid().map_err(bad)?);
            let kind = match header.entry_type() {
                tar::EntryType::Directory => BaseKind::Dir,
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    self.store_file(&raw, &mut entry, store, limits)?
                }
                tar::EntryType::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| String::from_utf8_lossy(&t).into_owned())
                        .filter(|t| !t.is_empty() && !t.contains('\0'))
                        .map_or_else(|| refuse(&raw, "a symbolic link without a target"), Ok)?;
                    BaseKind::Symlink(target)
                }
                tar::EntryType::Link => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| String::from_utf8_lossy(&t).into_owned())
                        .unwrap_or_default();
                    let target = normalized(&target)?
                        .filter(|t| {
                            matches!(self.entries.get(t).map(|e| &e.kind), Some(BaseKind::File { .. }))
                        })
                        .map_or_else(|| refuse(&raw, format!("a hard link to {target:?}, which is not a file already in the tree")), Ok)?;
                    BaseKind::Hardlink(target)
                }
                t @ (tar::EntryType::Char | tar::EntryType::Block) => BaseKind::Device {
                    block: t == tar::EntryType::Block,
                    major: header.device_major().map_err(bad)?.unwrap_or(0),
                    minor: header.device_minor().map_err(bad)?.unwrap_or(0),
                },
                tar::EntryType::Fifo => BaseKind::Fifo,
                other => {
                    return refuse(
                        &raw,
                        format!(
                            "a {other:?} entry: only files, directories, links, devices and FIFOs are read"
                        ),
                    );
                }
            };
            self.put(
                path.clone(),
                BaseEntry {
                    kind,
                    mode,
                    uid,
                    gid,
                },
            );
            this_layer.insert(path);
        }
        Ok(())
    }

    /// `.wh.<hidden>` in `parent`: removes what the layers below put at `<hidden>` (and
    /// beneath), or with `.wh..opq`, everything the layers below put in `parent`.
    fn whiteout(
        &mut self,
        raw: &str,
        parent: Option<&str>,
        hidden: &str,
        this_layer: &BTreeSet<String>,
    ) -> Result<(), LayerError> {
        let dir = parent.map(|p| format!("{p}/")).unwrap_or_default();
        if hidden == ".wh..opq" {
            let doomed: Vec<String> = self
                .entries
                .keys()
                .filter(|k| k.starts_with(&dir) && **k != dir.trim_end_matches('/'))
                .filter(|k| !this_layer.contains(*k))
                .cloned()
                .collect();
            for k in doomed {
                self.entries.remove(&k);
            }
            return Ok(());
        }
        if hidden.is_empty() || hidden == "." || hidden == ".." {
            return refuse(raw, "a whiteout of no name");
        }
        let target = format!("{dir}{hidden}");
        if this_layer.contains(&target) {
            return refuse(raw, "a whiteout of an entry of the same layer");
        }
        self.remove_subtree(&target);
        Ok(())
    }

    /// Every ancestor of an entry must be a directory: missing ones are made (root-owned,
    /// 0755, as image tools make them); a symbolic link or file on the way is an error.
    fn parents(
        &mut self,
        raw: &str,
        parent: Option<&str>,
        this_layer: &mut BTreeSet<String>,
    ) -> Result<(), LayerError> {
        let Some(parent) = parent else {
            return Ok(());
        };
        let mut at = String::new();
        for component in parent.split('/') {
            if !at.is_empty() {
                at.push('/');
            }
            at.push_str(component);
            match self.entries.get(&at).map(|e| &e.kind) {
                Some(BaseKind::Dir) => {}
                Some(BaseKind::Symlink(_)) => {
                    return refuse(raw, format!("written through the symbolic link {at:?}"));
                }
                Some(_) => return refuse(raw, format!("{at:?} is not a directory")),
                None => {
                    self.entries.insert(
                        at.clone(),
                        BaseEntry {
                            kind: BaseKind::Dir,
                            mode: 0o755,
                            uid: 0,
                            gid: 0,
                        },
                    );
                    this_layer.insert(at.clone());
                }
            }
        }
        Ok(())
    }

    /// Copies a regular file's bytes into the store (within the byte limit) as a new blob.
    fn store_file(
        &mut self,
        raw: &str,
        entry: &mut impl Read,
        store: &Path,
        limits: Limits,
    ) -> Result<BaseKind, LayerError> {
        self.blobs += 1;
        let blob = store.join(format!("{:08}", self.blobs));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&blob)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = entry.read(&mut buf)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if self.bytes + size > limits.bytes {
                return refuse(
                    raw,
                    format!("the layers hold more than {} bytes", limits.bytes),
                );
            }
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n])?;
        }
        file.sync_all()?;
        self.bytes += size;
        Ok(BaseKind::File {
            blob,
            size,
            sha256: hasher.finalize().into(),
        })
    }

    /// Puts an entry at `path`, replacing what was there (a directory replaced by anything
    /// else goes with everything beneath it).
    fn put(&mut self, path: String, entry: BaseEntry) {
        let was_dir = matches!(
            self.entries.get(&path).map(|e| &e.kind),
            Some(BaseKind::Dir)
        );
        if was_dir && entry.kind != BaseKind::Dir {
            self.remove_subtree(&path);
        }
        self.entries.insert(path, entry);
    }

    fn remove_subtree(&mut self, path: &str) {
        let beneath = format!("{path}/");
        self.entries
            .retain(|k, _| k != path && !k.starts_with(&beneath));
    }

    /// Where `path` leads inside the tree, symbolic links followed as the image's own
    /// filesystem would follow them (an absolute target from the image's root, `..` stopping
    /// at the root), at most 40 links: the path of the entry reached, or `None` when nothing is
    /// there. Nothing on the host is ever looked at.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut todo: Vec<String> = path.split('/').rev().map(str::to_string).collect();
        let mut at: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(component) = todo.pop() {
            match component.as_str() {
                "" | "." => continue,
                ".." => {
                    at.pop();
                    continue;
                }
                _ => {}
            }
            at.push(component);
            let here = at.join("/");
            if let BaseKind::Symlink(target) = &self.entries.get(&here)?.kind {
                links += 1;
                if links > 40 {
                    return None;
                }
                at.pop();
                if target.starts_with('/') {
                    at.clear();
                }
                todo.extend(target.split('/').rev().map(str::to_string));
            }
        }
        Some(at.join("/"))
    }

    /// Checks the assembled tree: every hard link names a regular file still there.
    pub fn finish(&self) -> Result<(), LayerError> {
        for (path, e) in &self.entries {
            if let BaseKind::Hardlink(target) = &e.kind
                && !matches!(
                    self.entries.get(target).map(|t| &t.kind),
                    Some(BaseKind::File { .. })
                )
            {
                return refuse(
                    path,
                    format!("a hard link to {target:?}, which a later layer removed"),
                );
            }
        }
        Ok(())
    }
}

/// A layer path made relative and checked: `./` and trailing `/` dropped; `None` for the root;
/// absolute paths, `..`, empty components, NUL and control characters refused.
fn normalized(raw: &str) -> Result<Option<String>, LayerError> {
    let trimmed = raw.trim_start_matches("./").trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        return Ok(None);
    }
    if raw.starts_with('/') {
        return refuse(raw, "an absolute path");
    }
    if trimmed.chars().any(char::is_control) {
        return refuse(raw, "a control character in the path");
    }
    for c in trimmed.split('/') {
        if c.is_empty() || c == "." || c == ".." {
            return refuse(
                raw,
                "a path leaving or walking the root (`..`, `.` or `//`)",
            );
        }
    }
    Ok(Some(trimmed.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    enum E<'a> {
        Dir(&'a str),
        File(&'a str, &'a [u8]),
        Link(&'a str, &'a str),
        Hard(&'a str, &'a str),
        Fifo(&'a str),
    }

    fn layer(entries: &[E<'_>]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for e in entries {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            let (path, data): (&str, &[u8]) = match e {
                E::Dir(p) => {
                    h.set_entry_type(tar::EntryType::Directory);
                    (p, b"")
                }
                E::File(p, d) => (p, d),
                E::Link(p, t) => {
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_link_name(t).unwrap();
                    (p, b"")
                }
                E::Hard(p, t) => {
                    h.set_entry_type(tar::EntryType::Link);
                    h.set_link_name(t).unwrap();
                    (p, b"")
                }
                E::Fifo(p) => {
                    h.set_entry_type(tar::EntryType::Fifo);
                    (p, b"")
                }
            };
            h.set_size(data.len() as u64);
            // Raw path bytes: the builder's own checks would refuse the hostile ones.
            let name = &mut h.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            b.append(&h, data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn apply(tree: &mut BaseTree, store: &Path, entries: &[E<'_>]) -> Result<(), LayerError> {
        tree.apply(layer(entries).as_slice(), store, Limits::default())
    }

    #[test]
    fn layers_apply_in_order_with_whiteouts() {
        let store = tempfile::tempdir().unwrap();
        let mut t = BaseTree::default();
        apply(
            &mut t,
            store.path(),
            &[
                E::Dir("etc"),
                E::File("etc/a", b"1"),
                E::File("etc/b", b"2"),
                E::File("usr/lib/x", b"3"),
                E::Hard("usr/lib/y", "usr/lib/x"),
                E::Fifo("run/initctl"),
            ],
        )
        .unwrap();
        assert!(t.entries.contains_key("usr/lib"), "parents are made");
        assert_eq!(
            t.entries["usr/lib/y"].kind,
            BaseKind::Hardlink("usr/lib/x".into())
        );
        // A FIFO is recorded, not refused: whether an image may hold it is the recipe's call.
        assert_eq!(t.entries["run/initctl"].kind, BaseKind::Fifo);
        apply(
            &mut t,
            store.path(),
            &[
                E::File("etc/.wh.a", b""),
                E::File("usr/lib/.wh..wh..opq", b""),
                E::File("usr/lib/z", b"4"),
            ],
        )
        .unwrap();
        let paths: Vec<&str> = t.entries.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "etc",
                "etc/b",
                "run",
                "run/initctl",
                "usr",
                "usr/lib",
                "usr/lib/z"
            ]
        );
        t.finish().unwrap();
    }

    #[test]
    fn paths_resolve_through_links_inside_the_tree_only() {
        let store = tempfile::tempdir().unwrap();
        let mut t = BaseTree::default();
        apply(
            &mut t,
            store.path(),
            &[
                E::File("usr/bin/sh", b"#!"),
                E::Link("bin", "usr/bin"),
                E::Link("lib", "/usr/lib"),
                E::Link("usr/lib/up", "../../../../etc"),
                E::File("etc/os-release", b"x"),
                E::Link("loop", "loop"),
            ],
        )
        .unwrap();
        assert_eq!(t.resolve("bin/sh").as_deref(), Some("usr/bin/sh"));
        assert_eq!(
            t.resolve("lib/up/os-release").as_deref(),
            Some("etc/os-release")
        );
        assert_eq!(t.resolve("bin/missing"), None);
        assert_eq!(t.resolve("loop"), None);
    }

    #[test]
    fn hostile_layers_are_refused_naming_the_entry() {
        for (entries, needle) in [
            (vec![E::File("../evil", b"x")], "leaving"),
            (vec![E::File("/etc/passwd", b"x")], "absolute"),
            (
                vec![E::Link("a", "/etc"), E::File("a/passwd", b"x")],
                "symbolic link",
            ),
            (vec![E::Hard("h", "etc/shadow")], "not a file already"),
            (vec![E::File("x/.wh...", b"")], "whiteout of no name"),
            (
                vec![E::File("a", b"x"), E::File(".wh.a", b"")],
                "same layer",
            ),
        ] {
            let store = tempfile::tempdir().unwrap();
            let mut t = BaseTree::default();
            let err = apply(&mut t, store.path(), &entries)
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{err}");
        }
        // Too many bytes.
        let store = tempfile::tempdir().unwrap();
        let mut t = BaseTree::default();
        let err = t
            .apply(
                layer(&[E::File("big", &[0u8; 4096])]).as_slice(),
                store.path(),
                Limits {
                    bytes: 1000,
                    entries: 10,
                },
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 1000 bytes"), "{err}");
    }
}
