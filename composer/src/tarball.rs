//! Deterministic tar entries: ustar headers with fixed times, numeric owners only (no user or
//! group names), and PAX extended headers only where ustar cannot hold a value (long paths and
//! link targets, large ids or sizes) or for the extended attributes an entry has.

use crate::xattrs::Xattrs;
use std::io::{self, Read, Write};

/// What a tar entry is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EntryKind<'a> {
    /// A directory (written with a trailing `/`).
    Dir,
    /// A regular file of `size` bytes.
    File {
        /// Content length.
        size: u64,
    },
    /// A symbolic link.
    Symlink {
        /// Where it points, as written.
        target: &'a str,
    },
    /// A hard link: another name for the regular file written earlier at `target` (relative,
    /// like `path`).
    Hardlink {
        /// The file's path in the archive.
        target: &'a str,
    },
}

/// Owner, group, mode, time and extended attributes of an entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta<'a> {
    /// Permission bits.
    pub mode: u32,
    /// Owner id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Modification time (seconds since the epoch).
    pub mtime: u64,
    /// Extended attributes, written as `SCHILY.xattr.NAME` PAX records (as GNU tar, Docker
    /// and umoci read them).
    pub xattrs: &'a Xattrs,
}

/// No extended attributes.
pub(crate) static NO_XATTRS: Xattrs = Xattrs::new();

/// Largest value ustar's 8-byte octal id fields hold.
const USTAR_MAX_ID: u64 = 0o7777777;
/// Largest value ustar's 12-byte octal size field holds.
const USTAR_MAX_SIZE: u64 = 0o77777777777;

/// Appends one entry at `path` (relative, `/`-separated) with `data` (for files).
pub(crate) fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    path: &str,
    kind: EntryKind<'_>,
    meta: Meta<'_>,
    data: impl Read,
) -> io::Result<()> {
    let mut pax: Vec<(String, Vec<u8>)> = Vec::new();
    let mut header = tar::Header::new_ustar();
    let name = match kind {
        EntryKind::Dir => format!("{path}/"),
        _ => path.to_string(),
    };
    let (entry_type, size) = match kind {
        EntryKind::Dir => (tar::EntryType::Directory, 0),
        EntryKind::File { size } => (tar::EntryType::Regular, size),
        EntryKind::Symlink { .. } => (tar::EntryType::Symlink, 0),
        EntryKind::Hardlink { .. } => (tar::EntryType::Link, 0),
    };
    header.set_entry_type(entry_type);
    header.set_mode(meta.mode);
    header.set_mtime(meta.mtime);
    for (key, value, set) in [("uid", meta.uid as u64, 0), ("gid", meta.gid as u64, 1)] {
        let field = if value > USTAR_MAX_ID {
            pax.push((key.into(), value.to_string().into_bytes()));
            0
        } else {
            value
        };
        if set == 0 {
            header.set_uid(field);
        } else {
            header.set_gid(field);
        }
    }
    if size > USTAR_MAX_SIZE {
        // The PAX record is authoritative; the ustar field cannot hold the value.
        pax.push(("size".into(), size.to_string().into_bytes()));
        header.set_size(0);
    } else {
        header.set_size(size);
    }
    if header.set_path(&name).is_err() {
        pax.push(("path".into(), name.clone().into_bytes()));
        header.set_path(truncated(&name, 100))?;
    }
    if let EntryKind::Symlink { target } | EntryKind::Hardlink { target } = kind
        && header.set_link_name(target).is_err()
    {
        pax.push(("linkpath".into(), target.as_bytes().to_vec()));
        header.set_link_name(truncated(target, 100))?;
    }
    for (name, value) in meta.xattrs {
        pax.push((format!("SCHILY.xattr.{name}"), value.clone()));
    }
    if !pax.is_empty() {
        append_pax(builder, &name, &pax, meta.mtime)?;
    }
    header.set_cksum();
    // tar::Builder::append pads by the bytes copied, which is right for any size.
    builder.append(&header, data.take(size))
}

/// A stand-in ustar name for a path carried in a PAX record: its last 100 bytes, cut at a
/// character boundary and with no leading `/`.
fn truncated(path: &str, max: usize) -> String {
    let mut start = path.len().saturating_sub(max);
    while !path.is_char_boundary(start) {
        start += 1;
    }
    path[start..].trim_start_matches('/').to_string()
}

/// Writes a PAX extended header (`x`) with `records` for the entry that follows.
fn append_pax<W: Write>(
    builder: &mut tar::Builder<W>,
    name: &str,
    records: &[(String, Vec<u8>)],
    mtime: u64,
) -> io::Result<()> {
    let mut body = Vec::new();
    for (key, value) in records {
        // "<len> <key>=<value>\n", where <len> counts itself; values may be binary.
        let rest = key.len() + value.len() + 3;
        let mut len = rest + 1;
        while len != rest + len.to_string().len() {
            len = rest + len.to_string().len();
        }
        body.extend_from_slice(format!("{len} {key}=").as_bytes());
        body.extend_from_slice(value);
        body.push(b'\n');
    }
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::XHeader);
    header.set_mode(0o644);
    header.set_mtime(mtime);
    header.set_size(body.len() as u64);
    header.set_path(truncated(&format!("PaxHeaders/{name}"), 100))?;
    header.set_cksum();
    builder.append(&header, body.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta<'static> {
        Meta {
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 1,
            xattrs: &NO_XATTRS,
        }
    }

    fn read_back(bytes: &[u8]) -> Vec<(String, Option<String>, u64, u64)> {
        let mut archive = tar::Archive::new(bytes);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    e.link_name()
                        .unwrap()
                        .map(|l| l.to_string_lossy().into_owned()),
                    e.header().uid().unwrap(),
                    e.size(),
                )
            })
            .collect()
    }

    #[test]
    fn long_paths_targets_and_ids_use_pax() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(120));
        let target = "t".repeat(150);
        let mut b = tar::Builder::new(Vec::new());
        append(
            &mut b,
            &long,
            EntryKind::File { size: 3 },
            meta(),
            &b"abc"[..],
        )
        .unwrap();
        let m = Meta {
            uid: 50_000_000,
            ..meta()
        };
        append(
            &mut b,
            "l",
            EntryKind::Symlink { target: &target },
            m,
            io::empty(),
        )
        .unwrap();
        append(&mut b, "usr/bin", EntryKind::Dir, meta(), io::empty()).unwrap();
        let bytes = b.into_inner().unwrap();
        let entries = read_back(&bytes);
        assert_eq!(entries[0], (long, None, 0, 3));
        assert_eq!(entries[1], ("l".into(), Some(target), 50_000_000, 0));
        assert_eq!(entries[2].0, "usr/bin/");
    }

    #[test]
    fn short_entries_have_no_pax_headers_and_no_names() {
        let mut b = tar::Builder::new(Vec::new());
        append(
            &mut b,
            "etc/passwd",
            EntryKind::File { size: 2 },
            meta(),
            &b"x\n"[..],
        )
        .unwrap();
        let bytes = b.into_inner().unwrap();
        // One header, one data block, two end blocks.
        assert_eq!(bytes.len(), 4 * 512);
        let h = tar::Header::from_byte_slice(&bytes[..512]);
        assert_eq!(h.entry_type(), tar::EntryType::Regular);
        assert_eq!(h.username().unwrap(), Some(""));
        assert_eq!(h.groupname().unwrap(), Some(""));
        assert_eq!(h.mtime().unwrap(), 1);
    }
}
