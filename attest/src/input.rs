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
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    let kind = file.metadata().map_err(io)?.file_type();
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
