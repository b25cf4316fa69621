//! Reading the host's source trees as an attacker who controls them cannot subvert.
//!
//! A recipe's sources are resolved once ([`open_source`]): symbolic links on the way to the
//! source are followed, then the opened handle is confirmed to be the resolved path, and the
//! result must lie inside the recipe's repository unless the recipe allows otherwise. Below a
//! source directory nothing is looked up by path again: each directory is read through its own
//! handle, entries are examined without following links, and subdirectories are opened
//! relative to their parent with `O_NOFOLLOW`. Every regular file is remembered by its
//! [`Identity`] (device, inode, size, modification and status change times); when the writers read it later, the
//! file is opened with `O_NOFOLLOW` and the handle must still have that identity — a file
//! swapped for a link, or for another file, or changed in place, is an error, never content.

use crate::error::ComposeError;
use rustix::fd::{AsFd, AsRawFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};
use std::path::{Path, PathBuf};

/// What a host file was when the tree was laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (seconds, nanoseconds).
    pub mtime: (i64, i64),
    /// Status change time (seconds, nanoseconds): unlike the modification time, nobody can set
    /// it back after writing to the file.
    pub ctime: (i64, i64),
}

impl Identity {
    fn of(st: &Stat) -> Identity {
        Identity {
            dev: st.st_dev,
            ino: st.st_ino,
            size: st.st_size as u64,
            mtime: (st.st_mtime, st.st_mtime_nsec as i64),
            ctime: (st.st_ctime, st.st_ctime_nsec as i64),
        }
    }
}

/// Flags for every host file opened: never through a final symbolic link, never becoming the
/// controlling terminal, never blocking on a FIFO.
const READ_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY)
    .union(OFlags::NONBLOCK);

fn file_type(st: &Stat) -> FileType {
    FileType::from_raw_mode(st.st_mode)
}

/// A host source, resolved and opened: its real path, handle and status.
pub(crate) struct Resolved {
    /// The path with every symbolic link resolved.
    pub path: PathBuf,
    fd: OwnedFd,
    stat: Stat,
}

impl Resolved {
    /// Whether the source is a directory.
    pub(crate) fn is_dir(&self) -> bool {
        file_type(&self.stat) == FileType::Directory
    }

    /// Whether the source is a regular file.
    pub(crate) fn is_file(&self) -> bool {
        file_type(&self.stat) == FileType::RegularFile
    }

    /// The source as a regular file's content.
    pub(crate) fn content(&self) -> super::Content {
        super::Content::Host {
            path: self.path.clone(),
            identity: Identity::of(&self.stat),
        }
    }

    /// The source as a directory to walk.
    pub(crate) fn into_dir(self) -> HostDir {
        HostDir {
            fd: self.fd,
            path: self.path,
        }
    }
}

/// Resolves `path` (following its symbolic links), opens what it names and confirms, through
/// `/proc/self/fd`, that the handle is the resolved path (no component was swapped between the
/// two). Errors are one line naming the path as `shown`.
pub(crate) fn open_source(path: &Path, shown: &Path) -> Result<Resolved, String> {
    let shown = shown.display();
    let real = std::fs::canonicalize(path).map_err(|e| format!("{shown}: {e}"))?;
    let fd = rustix::fs::open(&real, READ_FLAGS, Mode::empty())
        .map_err(|e| format!("{shown}: {}", std::io::Error::from(e)))?;
    let opened = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map_err(|e| format!("{shown}: cannot confirm what was opened (/proc: {e})"))?;
    if opened != real {
        return Err(format!(
            "{shown}: changed while being opened (now {})",
            opened.display()
        ));
    }
    let stat = rustix::fs::fstat(&fd).map_err(|e| format!("{shown}: {}", io(e)))?;
    Ok(Resolved {
        path: real,
        fd,
        stat,
    })
}

/// One entry of a host directory, examined without following it.
pub(crate) enum HostEntry {
    /// A directory, opened.
    Dir(HostDir),
    /// A regular file.
    File {
        /// Its content, by identity.
        content: super::Content,
        /// How many names the host gives it.
        links: u64,
        /// Whether its owner may execute it.
        executable: bool,
    },
    /// A symbolic link and its target, as written.
    Symlink(String),
}

/// A host directory, read through its handle.
pub(crate) struct HostDir {
    fd: OwnedFd,
    /// Its path (for messages and for reopening files).
    pub path: PathBuf,
}

impl HostDir {
    /// The names in the directory (UTF-8 only), sorted.
    pub(crate) fn names(&self) -> Result<Vec<String>, String> {
        let shown = self.path.display();
        let mut dir =
            rustix::fs::Dir::read_from(&self.fd).map_err(|e| format!("{shown}: {}", io(e)))?;
        let mut names = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(|e| format!("{shown}: {}", io(e)))?;
            let raw = entry.file_name().to_bytes();
            if raw == b"." || raw == b".." {
                continue;
            }
            let name = std::str::from_utf8(raw).map_err(|_| {
                format!(
                    "{shown}: file name {:?} is not UTF-8",
                    String::from_utf8_lossy(raw)
                )
            })?;
            names.push(name.to_string());
        }
        names.sort();
        Ok(names)
    }

    /// The entry `name`, examined with `AT_SYMLINK_NOFOLLOW` and opened relative to this
    /// directory's handle.
    pub(crate) fn entry(&self, name: &str) -> Result<HostEntry, String> {
        let path = self.path.join(name);
        let shown = path.display();
        let st = rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| format!("{shown}: {}", io(e)))?;
        match file_type(&st) {
            FileType::Directory => {
                let fd = rustix::fs::openat(
                    &self.fd,
                    name,
                    READ_FLAGS | OFlags::DIRECTORY,
                    Mode::empty(),
                )
                .map_err(|e| format!("{shown}: {}", io(e)))?;
                let now = rustix::fs::fstat(&fd).map_err(|e| format!("{shown}: {}", io(e)))?;
                if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) {
                    return Err(format!("{shown}: changed while being read"));
                }
                Ok(HostEntry::Dir(HostDir { fd, path }))
            }
            FileType::RegularFile => Ok(HostEntry::File {
                content: super::Content::Host {
                    path,
                    identity: Identity::of(&st),
                },
                links: st.st_nlink as u64,
                executable: st.st_mode & 0o100 != 0,
            }),
            FileType::Symlink => {
                let target = rustix::fs::readlinkat(&self.fd, name, Vec::new())
                    .map_err(|e| format!("{shown}: {}", io(e)))?;
                let target = target
                    .into_string()
                    .map_err(|_| format!("{shown}: link target is not UTF-8"))?;
                Ok(HostEntry::Symlink(target))
            }
            _ => Err(format!("{shown}: not a file, directory or symbolic link")),
        }
    }
}

/// Opens the regular file laid out at `path` as `identity`: never through a symbolic link, and
/// only when the handle is still that inode with that size and time.
pub(crate) fn open_file(path: &Path, identity: &Identity) -> Result<std::fs::File, ComposeError> {
    let fd = rustix::fs::open(path, READ_FLAGS, Mode::empty()).map_err(|e| match e {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOENT => ComposeError::Changed {
            path: path.to_path_buf(),
        },
        e => ComposeError::io(path, io(e)),
    })?;
    let file = std::fs::File::from(fd);
    check_handle(&file, path, identity)?;
    Ok(file)
}

/// Fails unless the open `file` is the regular file laid out as `identity`.
pub(crate) fn check_handle(
    file: &impl AsFd,
    path: &Path,
    identity: &Identity,
) -> Result<(), ComposeError> {
    let st = rustix::fs::fstat(file).map_err(|e| ComposeError::io(path, io(e)))?;
    if file_type(&st) != FileType::RegularFile || Identity::of(&st) != *identity {
        return Err(ComposeError::Changed {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn io(e: rustix::io::Errno) -> std::io::Error {
    std::io::Error::from(e)
}
