//! `cargo cra verify technical-file.json`: its attestation, then every file it lists.

use super::VerifyingError;
use super::artifact::{Checker, VerifyRequest};
use super::report::{CheckLine, Problem, line};
use cra_model::fileset;
use cra_model::input;
use std::path::Path;

/// `cargo cra verify technical-file.json`: its attestation verifies over it, the attested
/// technical file is this one, and every file it lists still has its digest.
pub(super) fn verify(a: &VerifyRequest) -> Result<Vec<CheckLine>, VerifyingError> {
    let bundle = fileset::signature_bundle(cra_model::fileset::docs::TECHNICAL_FILE);
    let checker = Checker::for_request(a, |_| vec![bundle.clone()])?;
    // The listing is read from the bytes the attestation was compared with, and only once it
    // verified (or unsigned outputs are allowed): an unauthenticated technical file names no
    // file to open.
    let text = input::read_limited(&a.artifact, input::DOCUMENT_MAX, "technical file")?;
    let attested = checker.verify_beside(&bundle).and_then(|statement| {
        let statement = statement.ok_or("not a DSSE in-toto attestation")?;
        if statement["predicateType"] != fileset::TECHNICAL_FILE_PREDICATE_TYPE {
            return Err(format!("predicate type is {}", statement["predicateType"]).into());
        }
        let on_disk: serde_json::Value =
            cra_model::input::strict_json(&text).map_err(|e| e.to_string())?;
        match statement["predicate"] == on_disk {
            true => Ok(format!("{bundle} verifies; it attests this technical file")),
            false => Err("the technical file differs from what was attested".into()),
        }
    });
    let listed = match &attested {
        Ok(_) => listed_files(&a.artifact, &text, Trust::Attested).map_err(Problem::Fail),
        // Skipped only when nothing beside it is signed and --allow-unsigned was given.
        Err(Problem::Skipped(_)) => listed_files(&a.artifact, &text, Trust::Unsigned)
            .map(|d| format!("{d} (the listing is not signed)"))
            .map_err(Problem::Fail),
        Err(_) => Err(Problem::Skipped(
            "not checked: the technical file's attestation did not verify".into(),
        )),
    };
    Ok(vec![
        line("technical file attestation", attested),
        line("listed files", listed),
    ])
}

/// Whether a listing's attestation verified.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trust {
    Attested,
    /// Unauthenticated (`--allow-unsigned`): its paths are confined to the output directory
    /// `cargo cra docs` writes it in (`evidenceRoot` at most one level up, no symbolic link
    /// leading out), and failures do not tell the sizes of what it names.
    Unsigned,
}

/// Every file the technical file `text` (read from `technical_file`) lists, re-hashed: all
/// must be there, regular files of the listed size and SHA-256, below their directory.
fn listed_files(technical_file: &Path, text: &[u8], trust: Trust) -> Result<String, String> {
    use cra_model::technical_file::{Listing, is_below};
    let listing: Listing = serde_json::from_slice(text)
        .map_err(|e| format!("not a technical file: {}", input::printable(&e.to_string())))?;
    if listing.format != fileset::TECHNICAL_FILE_PREDICATE_TYPE {
        return Err(format!("unknown format {:?}", listing.format));
    }
    let root_ok = !listing.evidence_root.is_empty()
        && Path::new(&listing.evidence_root).components().all(|c| {
            matches!(
                c,
                std::path::Component::ParentDir
                    | std::path::Component::Normal(_)
                    | std::path::Component::CurDir
            )
        });
    if !root_ok {
        return Err(format!(
            "evidenceRoot {:?} is not a relative path",
            listing.evidence_root
        ));
    }
    let ups = Path::new(&listing.evidence_root)
        .components()
        .filter(|c| matches!(c, std::path::Component::ParentDir))
        .count();
    if trust == Trust::Unsigned && ups > 1 {
        return Err(format!(
            "evidenceRoot {:?} leads out of the output directory of an unsigned listing",
            listing.evidence_root
        ));
    }
    let here = technical_file
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let root = here.join(&listing.evidence_root);
    // The directory an unsigned listing may name files in, resolved once.
    let confine = match trust {
        Trust::Attested => None,
        Trust::Unsigned => {
            // The higher of the listing's directory and its evidence root.
            let top = if ups == 1 { &root } else { &here };
            Some(
                top.canonicalize()
                    .map_err(|e| format!("{}: {e}", top.display()))?,
            )
        }
    };
    let files = listing
        .artefacts
        .iter()
        .map(|f| (&root, f))
        .chain(listing.documents.iter().map(|f| (&here, f)));
    let mut count = 0;
    for (base, f) in files {
        if !is_below(&f.path) {
            return Err(format!(
                "{:?} is not a path below the listing's directory",
                f.path
            ));
        }
        let path = base.join(&f.path);
        // Messages name the file as a reader finds it (`images/x/x.squashfs`, not
        // `images/x/cra/../x.squashfs`); the file itself is opened by its joined path.
        let shown = lexically_normal(&path);
        let path_for_message = shown.display();
        if let Some(dir) = &confine {
            let real = path
                .canonicalize()
                .map_err(|e| format!("{path_for_message}: {e}"))?;
            if !real.starts_with(dir) {
                return Err(format!(
                    "{path_for_message} leads out of the output directory of an unsigned listing"
                ));
            }
        }
        let mut file = input::open_regular(&path).map_err(|e| {
            e.to_string()
                .replace(&path.display().to_string(), &shown.display().to_string())
        })?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
        if size != f.size {
            return Err(match trust {
                Trust::Attested => format!(
                    "{path_for_message} changed: {size} bytes, not the listed {}",
                    f.size
                ),
                Trust::Unsigned => format!("{path_for_message} is not of the listed size"),
            });
        }
        let digests = cra_attest::digest::copy_hashing(&mut file, &mut std::io::sink())
            .map_err(|e| format!("{path_for_message}: {e}"))?;
        if digests.sha256_hex() != f.sha256 {
            return Err(format!(
                "{path_for_message} changed: its SHA-256 is not the listed one"
            ));
        }
        count += 1;
    }
    Ok(format!(
        "all {count} listed files are present with their size and SHA-256"
    ))
}

/// `path` with each `dir/..` pair removed, as text (for messages; links are not followed).
fn lexically_normal(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_files_without_dot_dot() {
        assert_eq!(
            lexically_normal(Path::new("images/x/cra/../x.squashfs")),
            Path::new("images/x/x.squashfs")
        );
        assert_eq!(lexically_normal(Path::new("../a/./b")), Path::new("../a/b"));
        assert_eq!(lexically_normal(Path::new("/a/b/../../c")), Path::new("/c"));
    }
}
