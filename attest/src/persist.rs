//! Crash-safe output: every file is written to a temporary file in its destination directory
//! and renamed into place, so a reader never sees a half-written artefact.

use crate::digest::{Digests, copy_hashing};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// `mode` less the bits the process's umask withholds, as `open(2)` would create a file: an
/// output written under `umask 077` is private to its owner. (The bytes never depend on it,
/// nor do the modes inside images.) The umask is read from `/proc/self/status` (Linux 4.7 and
/// later; 022 where it cannot be read), never changed.
pub fn with_umask(mode: u32) -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let umask = *UMASK.get_or_init(|| {
        fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Umask:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
            .unwrap_or(0o022)
    });
    mode & !umask
}

/// Writes `bytes` to `dest` through a temporary file in the same directory, with Unix `mode`
/// (less the umask, [`with_umask`]).
///
/// The parent directory must exist. On error nothing is left at `dest` (an older file there
/// stays as it was) and the temporary file is removed.
pub fn write_atomic(dest: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = parent_of(dest)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".cra-tmp-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(with_umask(mode)))?;
    tmp.as_file().sync_all()?;
    tmp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

/// Like [`write_atomic`], with the content streamed by `write` (through a buffer) instead of
/// held in memory.
pub fn write_atomic_with(
    dest: &Path,
    mode: u32,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent_of(dest)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".cra-tmp-")
        .tempfile_in(dir)?;
    {
        let mut w = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(with_umask(mode)))?;
    tmp.as_file().sync_all()?;
    tmp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

/// Copies the file `src` to `dest` through a temporary file, with Unix `mode`, and returns the
/// digests of the bytes copied (hashed in the same pass: the file is read once).
pub fn copy_atomic(src: &Path, dest: &Path, mode: u32) -> io::Result<Digests> {
    let dir = parent_of(dest)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".cra-tmp-")
        .tempfile_in(dir)?;
    let digests = copy_hashing(&mut fs::File::open(src)?, tmp.as_file_mut())?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(with_umask(mode)))?;
    tmp.as_file().sync_all()?;
    tmp.persist(dest).map_err(|e| e.error)?;
    Ok(digests)
}

/// Writes two files that only make sense together (a private key and its public key): both
/// go to temporary files first, and are renamed into place only when both were written. If
/// the second rename fails, the first destination gets back what it held (or is removed), so
/// either both files are new or both are as they were. Unless `replace`, neither destination
/// may exist, checked as each file is linked into place (not before, which would race): an
/// existing one is an [`io::ErrorKind::AlreadyExists`] error and nothing is changed.
pub fn write_pair_atomic(
    (first, first_bytes, first_mode): (&Path, &[u8], u32),
    (second, second_bytes, second_mode): (&Path, &[u8], u32),
    replace: bool,
) -> io::Result<()> {
    let staged = |dest: &Path, bytes: &[u8], mode: u32| -> io::Result<tempfile::NamedTempFile> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".cra-tmp-")
            .tempfile_in(parent_of(dest)?)?;
        tmp.write_all(bytes)?;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(with_umask(mode)))?;
        tmp.as_file().sync_all()?;
        Ok(tmp)
    };
    let a = staged(first, first_bytes, first_mode)?;
    let b = staged(second, second_bytes, second_mode)?;
    if !replace {
        a.persist_noclobber(first).map_err(|e| e.error)?;
        if let Err(e) = b.persist_noclobber(second) {
            let _ = fs::remove_file(first);
            return Err(e.error);
        }
        return Ok(());
    }
    // What `first` held, kept under a temporary name until the pair is in place.
    let backup = match fs::symlink_metadata(first) {
        Ok(m) if m.is_file() => {
            let path = tempfile::Builder::new()
                .prefix(".cra-old-")
                .make_in(parent_of(first)?, |p| fs::hard_link(first, p))?;
            Some(path)
        }
        _ => None,
    };
    let restore = |backup: Option<tempfile::TempPath>| match backup {
        Some(old) => old.persist(first).map(|_| ()).map_err(|e| e.error),
        None => fs::remove_file(first),
    };
    if let Err(e) = a.persist(first) {
        return Err(e.error);
    }
    if let Err(e) = b.persist(second) {
        let _ = restore(backup.map(|b| b.into_temp_path()));
        return Err(e.error);
    }
    Ok(())
}

fn parent_of(dest: &Path) -> io::Result<&Path> {
    match dest.parent() {
        Some(p) if p.as_os_str().is_empty() => Ok(Path::new(".")),
        Some(p) => Ok(p),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} has no parent directory", dest.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_mode_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        write_atomic(&dest, b"{}", 0o644).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"{}");
        assert_eq!(
            fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o644
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    }

    #[test]
    fn copy_returns_the_digests_of_what_it_copied() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        fs::write(&src, &data).unwrap();
        let dest = dir.path().join("dest");
        let digests = copy_atomic(&src, &dest, 0o755).unwrap();
        assert_eq!(digests, Digests::of_bytes(&data));
        assert_eq!(fs::read(&dest).unwrap(), data);
        assert_eq!(
            fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }

    #[test]
    fn a_pair_not_replacing_refuses_taken_names_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (key, public) = (dir.path().join("k.key"), dir.path().join("k.pub"));
        // The public key's name is taken (even by a dangling link): the new key is not left.
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &public).unwrap();
        let err =
            write_pair_atomic((&key, b"k", 0o600), (&public, b"p", 0o644), false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(
            fs::symlink_metadata(&key).is_err(),
            "no key without its public key"
        );
        assert!(
            fs::symlink_metadata(&public)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // The private key's name is taken: it keeps what it held.
        fs::remove_file(&public).unwrap();
        fs::write(&key, b"old").unwrap();
        let err =
            write_pair_atomic((&key, b"k", 0o600), (&public, b"p", 0o644), false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&key).unwrap(), b"old");
        assert!(fs::symlink_metadata(&public).is_err());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with(".cra-")), "{names:?}");
    }

    #[test]
    fn a_pair_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let (key, public) = (dir.path().join("k.key"), dir.path().join("k.pub"));
        fs::write(&key, b"old key").unwrap();
        // The public key's name is taken by a directory: the rename fails.
        fs::create_dir(&public).unwrap();
        fs::write(public.join("x"), b"").unwrap();
        let err = write_pair_atomic(
            (&key, b"new key", 0o600),
            (&public, b"new pub", 0o644),
            true,
        );
        assert!(err.is_err());
        assert_eq!(fs::read(&key).unwrap(), b"old key", "the old key is back");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with(".cra-")), "{names:?}");

        fs::remove_dir_all(&public).unwrap();
        fs::remove_file(&key).unwrap();
        let err = {
            fs::create_dir(&public).unwrap();
            fs::write(public.join("x"), b"").unwrap();
            write_pair_atomic((&key, b"k", 0o600), (&public, b"p", 0o644), true)
        };
        assert!(err.is_err());
        assert!(!key.exists(), "no new key without its public key");

        fs::remove_dir_all(&public).unwrap();
        write_pair_atomic((&key, b"k", 0o600), (&public, b"p", 0o644), true).unwrap();
        assert_eq!(fs::read(&key).unwrap(), b"k");
        assert_eq!(fs::read(&public).unwrap(), b"p");
        assert_eq!(
            fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        fs::write(&dest, b"old").unwrap();
        // The destination's directory does not exist: nothing is written anywhere.
        let missing = dir.path().join("no/such/dir/out");
        assert!(write_atomic(&missing, b"new", 0o644).is_err());
        assert!(copy_atomic(&dir.path().join("absent"), &dest, 0o755).is_err());
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
