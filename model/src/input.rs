//! Reading inputs that may come from an attacker (bundles, keys, trusted roots, the documents
//! beside an artefact): only regular files, opened without blocking (a FIFO would hang the
//! reader forever), and never more than a limit that fits the kind of file (`/dev/zero` or a
//! file that grows while read cannot exhaust memory). Each refusal is one line naming the file.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The most a Sigstore bundle may hold: an attestation carries its predicate (an image SBOM
/// of tens of thousands of files is tens of MB, base64 adds a third).
pub const BUNDLE_MAX: u64 = 256 << 20;
/// The most an SBOM, provenance or other JSON document beside an artefact may hold.
pub const DOCUMENT_MAX: u64 = 256 << 20;
/// The most a key file (PEM) may hold.
pub const KEY_MAX: u64 = 64 << 10;
/// The most a trusted root or signing configuration may hold.
pub const TRUST_MAX: u64 = 4 << 20;
/// The most a one-line text file (a verity root hash) may hold.
pub const LINE_MAX: u64 = 4 << 10;
/// The most an artefact verified with an Ed25519 key may hold: Ed25519 signs the whole
/// message, so the artefact is read into memory (ECDSA artefacts are streamed, any size).
pub const ED25519_MESSAGE_MAX: u64 = 1 << 30;

/// Why an input was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Not a regular file.
    #[error("{path}: not a regular file ({kind})")]
    NotRegular {
        /// The input.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// Larger than its kind may be.
    #[error("{path}: larger than the {limit} bytes a {what} may have")]
    TooLarge {
        /// The input.
        path: PathBuf,
        /// What kind of input it is.
        what: &'static str,
        /// Its limit.
        limit: u64,
    },
    /// Named beneath a directory, but resolves outside it (through a symbolic link).
    #[error("{path}: leads outside {base} through a symbolic link")]
    Escapes {
        /// The input.
        path: PathBuf,
        /// The directory it must stay beneath.
        base: PathBuf,
    },
    /// Opening or reading failed.
    #[error("{path}: {source}")]
    Io {
        /// The input.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Opens `path` (following symbolic links) if it is a regular file, without blocking on a
/// FIFO nor becoming the controlling terminal; the type is checked on the opened handle, so it
/// cannot be swapped after the check.
pub fn open_regular(path: &Path) -> Result<File, InputError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    check_regular(file, path)
}

/// `file` (opened from `path`) if the handle is a regular file.
fn check_regular(file: File, path: &Path) -> Result<File, InputError> {
    let kind = file
        .metadata()
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .file_type();
    if kind.is_file() {
        return Ok(file);
    }
    use std::os::unix::fs::FileTypeExt;
    let kind = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(InputError::NotRegular {
        path: path.to_path_buf(),
        kind,
    })
}

/// The bytes of the regular file `path`, at most `limit` of them (a `what`, for the message).
pub fn read_limited(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, InputError> {
    read_handle_limited(open_regular(path)?, path, limit, what)
}

/// The bytes of `file` (opened from `path` by [`open_regular`]), at most `limit` of them.
pub fn read_handle_limited(
    file: File,
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, InputError> {
    let too_large = || InputError::TooLarge {
        path: path.to_path_buf(),
        what,
        limit,
    };
    let len = file
        .metadata()
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if len > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // One byte more than allowed tells a file that grew while being read.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_limited`] as UTF-8 text.
pub fn read_text_limited(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<String, InputError> {
    String::from_utf8(read_limited(path, limit, what)?).map_err(|e| InputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

/// A file a configuration names by a path relative to the configuration's own directory (a
/// manufacturer's text, a VEX document). It is opened only beneath that directory: the kernel
/// resolves the path with `RESOLVE_BENEATH` and `RESOLVE_NO_MAGICLINKS`, so neither `..`, nor a
/// symbolic link to an absolute path or out of the directory, nor `/proc`'s links to open
/// files can make it name anything outside — whichever component the link is in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Confined {
    base: PathBuf,
    rel: PathBuf,
}

/// Why a confined path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfinedError {
    /// Not a plain relative path.
    #[error("must be a relative path below the file that names it (no `..`, not absolute)")]
    NotRelative,
}

impl Confined {
    /// `rel` beneath `base`: refused unless `rel` is relative and has no `..`.
    pub fn new(base: &Path, rel: &Path) -> Result<Confined, ConfinedError> {
        use std::path::Component;
        let plain = !rel.as_os_str().is_empty()
            && rel
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        // `Path::new("Cargo.toml").parent()` is the empty path: the current directory.
        let base = match base.as_os_str().is_empty() {
            true => Path::new("."),
            false => base,
        };
        match plain {
            true => Ok(Confined {
                base: base.to_path_buf(),
                rel: rel.to_path_buf(),
            }),
            false => Err(ConfinedError::NotRelative),
        }
    }

    /// The path as a user reads it (the base joined with the relative path).
    pub fn path(&self) -> PathBuf {
        self.base.join(&self.rel)
    }

    /// Opens the file beneath the base, if it is a regular file there.
    pub fn open(&self) -> Result<File, InputError> {
        let path = self.path();
        let io = |source: std::io::Error| InputError::Io {
            path: path.clone(),
            source,
        };
        let base = rustix::fs::open(
            &self.base,
            rustix::fs::OFlags::RDONLY
                | rustix::fs::OFlags::DIRECTORY
                | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| io(e.into()))?;
        let fd = open_beneath(&base, &self.rel).map_err(|e| match e {
            rustix::io::Errno::XDEV | rustix::io::Errno::LOOP => InputError::Escapes {
                path: path.clone(),
                base: self.base.clone(),
            },
            e => io(e.into()),
        })?;
        check_regular(File::from(fd), &path)
    }

    /// The file's bytes, at most `limit` of them (a `what`, for the message).
    pub fn read_limited(&self, limit: u64, what: &'static str) -> Result<Vec<u8>, InputError> {
        read_handle_limited(self.open()?, &self.path(), limit, what)
    }
}

/// An input file: one named on the command line, taken as given, or one a configuration
/// names, confined beneath the configuration's directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InputFile {
    /// Named by the user (a command-line argument): symbolic links followed.
    Given(PathBuf),
    /// Named by a configuration: opened only beneath its directory.
    Confined(Confined),
}

impl InputFile {
    /// The path as a user reads it.
    pub fn path(&self) -> PathBuf {
        match self {
            InputFile::Given(p) => p.clone(),
            InputFile::Confined(c) => c.path(),
        }
    }

    /// The file's bytes, at most `limit` of them (a `what`, for the message).
    pub fn read_limited(&self, limit: u64, what: &'static str) -> Result<Vec<u8>, InputError> {
        match self {
            InputFile::Given(p) => read_limited(p, limit, what),
            InputFile::Confined(c) => c.read_limited(limit, what),
        }
    }
}

impl From<PathBuf> for InputFile {
    fn from(p: PathBuf) -> InputFile {
        InputFile::Given(p)
    }
}

impl From<Confined> for InputFile {
    fn from(c: Confined) -> InputFile {
        InputFile::Confined(c)
    }
}

/// Flags for opening a hostile input: read only, never blocking on a FIFO, never becoming the
/// controlling terminal.
const INPUT_FLAGS: rustix::fs::OFlags = rustix::fs::OFlags::RDONLY
    .union(rustix::fs::OFlags::CLOEXEC)
    .union(rustix::fs::OFlags::NOCTTY)
    .union(rustix::fs::OFlags::NONBLOCK);

/// `rel` opened beneath the directory `base` with `openat2`; where the kernel has no `openat2`
/// (before Linux 5.6), component by component with `O_NOFOLLOW`, refusing every symbolic link.
fn open_beneath(
    base: &rustix::fd::OwnedFd,
    rel: &Path,
) -> Result<rustix::fd::OwnedFd, rustix::io::Errno> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    // Kernels before 5.6 have no openat2; older container seccomp profiles refuse it (EPERM).
    match rustix::fs::openat2(base, rel, INPUT_FLAGS, Mode::empty(), resolve) {
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {}
        done => return done,
    }
    let mut dir = rustix::fs::openat(base, ".", OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())?;
    let names: Vec<_> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    for (i, name) in names.iter().enumerate() {
        let last = i + 1 == names.len();
        let flags = match last {
            true => INPUT_FLAGS | OFlags::NOFOLLOW,
            false => OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        };
        dir = rustix::fs::openat(&dir, name.as_os_str(), flags, Mode::empty())?;
    }
    Ok(dir)
}

/// Parses JSON as [`serde_json::from_slice`] does, but refuses an object with the same key
/// twice, at any depth: serde keeps the last value where other readers (gjson, simdjson,
/// many streaming parsers) keep the first, so a signed document with a duplicate key means two
/// things at once — a forged `components` list placed before the attested one, say.
pub fn strict_json(bytes: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_slice::<Strict>(bytes).map(|s| s.0)
}

/// A JSON value read without duplicate keys.
struct Strict(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(out.into())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate key {:?}",
                    printable(&key)
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(out.into())
    }
}

/// `text` as one printable line: every control character (newline, carriage return, escape,
/// …) written as its Rust escape (`\r`, `\u{1b}`). For messages that quote hostile input —
/// a parser naming an unknown field, a server's answer — so that they can neither forge lines
/// nor drive the terminal.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_escapes_control_characters_only() {
        assert_eq!(
            printable("field `a\rb`\n\u{1b}[31m é"),
            "field `a\\rb`\\n\\u{1b}[31m é"
        );
    }

    #[test]
    fn confined_files_never_leave_their_directory() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("repo");
        std::fs::create_dir_all(base.join("docs")).unwrap();
        std::fs::write(base.join("docs/a.md"), b"inside").unwrap();
        std::os::unix::fs::symlink("/proc/self", base.join("t")).unwrap();
        std::os::unix::fs::symlink("/etc", base.join("e")).unwrap();
        std::os::unix::fs::symlink("..", base.join("docs/up")).unwrap();
        std::os::unix::fs::symlink("../..", base.join("docs/upup")).unwrap();
        std::os::unix::fs::symlink("docs", base.join("d")).unwrap();
        let read = |rel: &str| {
            Confined::new(&base, Path::new(rel))
                .unwrap()
                .read_limited(64, "text")
        };
        assert_eq!(read("d/a.md").unwrap(), b"inside");
        assert_eq!(read("docs/up/docs/a.md").unwrap(), b"inside");
        for rel in [
            "t/environ",
            "e/passwd",
            "docs/upup/repo/docs/a.md",
            "t/fd/0",
        ] {
            let err = read(rel).unwrap_err();
            assert!(matches!(err, InputError::Escapes { .. }), "{rel}: {err}");
            assert!(err.to_string().contains("leads outside"), "{err}");
        }
        assert!(matches!(
            read("docs").unwrap_err(),
            InputError::NotRegular { .. }
        ));
        // A configuration named as `Cargo.toml` has the empty path as its directory.
        let here = Confined::new(Path::new(""), Path::new("Cargo.toml")).unwrap();
        assert_eq!(here.path(), Path::new("./Cargo.toml"));
        for rel in ["../x", "/etc/passwd", "", "a/../../b"] {
            assert_eq!(
                Confined::new(&base, Path::new(rel)),
                Err(ConfinedError::NotRelative),
                "{rel}"
            );
        }
    }

    #[test]
    fn strict_json_refuses_duplicate_keys_at_any_depth() {
        let ok = strict_json(br#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}}"#).unwrap();
        assert_eq!(
            ok,
            serde_json::from_str::<serde_json::Value>(
                r#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}}"#
            )
            .unwrap()
        );
        for text in [
            r#"{"components": [], "components": [1]}"#,
            r#"{"a": {"b": 1, "b": 2}}"#,
            r#"[{"x": 1, "x": 1}]"#,
        ] {
            let err = strict_json(text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains("duplicate key"), "{text}: {err}");
        }
    }

    #[test]
    fn regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("b.json");
        std::fs::write(&f, b"{}").unwrap();
        assert_eq!(read_limited(&f, 2, "bundle").unwrap(), b"{}");
        let err = read_limited(&f, 1, "bundle").unwrap_err().to_string();
        assert!(
            err.ends_with("larger than the 1 bytes a bundle may have"),
            "{err}"
        );
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_limited(Path::new("/dev/zero"), KEY_MAX, "key").unwrap_err();
        assert!(
            err.to_string().contains("not a regular file (a device)"),
            "{err}"
        );
        let err = read_limited(dir.path(), KEY_MAX, "key").unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
        let fifo = dir.path().join("fifo");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(st.success());
        // Without O_NONBLOCK this open would wait for a writer forever.
        let err = read_limited(&fifo, KEY_MAX, "key").unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
    }
}
