//! `cargo cra verify IMAGE_DIR`: an image directory, as `compose` or `pull` writes it. The
//! artefact is the image's OCI manifest (`oci/`), which names every blob by digest: the blobs
//! must be there and be what their digests name, the manifest's signature must verify, the
//! SBOM and provenance attestations must name the manifest; the technical file's attestation,
//! when attached, must list it; and every other bundle attached to the image must verify over
//! what it names.

use super::VerifyingError;
use super::artifact::{Checker, OnDisk, VerifyRequest};
use super::report::{CheckLine, Outcome, Problem, line};
use crate::layout::{LayoutImage, Manifest};
use cra_model::fileset;
use cra_model::input;
use std::path::Path;

/// Whether `path` is an image directory (it holds an OCI layout).
pub(super) fn is_image_dir(path: &Path) -> bool {
    path.join(fileset::OCI_LAYOUT_DIR)
        .join(fileset::OCI_INDEX_FILE)
        .is_file()
}

/// Every check, always, in the same order.
pub(super) fn verify(a: &VerifyRequest) -> Result<Vec<CheckLine>, VerifyingError> {
    let dir = &a.artifact;
    let layout = dir.join(fileset::OCI_LAYOUT_DIR);
    let image = crate::layout::image(&layout).map_err(|e| VerifyingError::Usage(e.to_string()))?;
    let stem = evidence_stem(dir)?;
    let on_disk = OnDisk::manifest(dir, &image.path, &stem);
    let checker = Checker::new(a, on_disk, OnDisk::bundles)?;
    let mut lines = vec![line("image blobs", blobs(&layout, &image, &checker))];
    lines.extend(checker.evidence_lines());
    lines.push(line("tag", tag(&image, &checker)));
    lines.push(line("technical file attestation", technical_file(&checker)));
    lines.push(line("attached bundles", attached(dir, &checker)));
    Ok(lines)
}

/// The name the image's evidence files share: the one `<stem>.manifest.sigstore.json` or
/// `<stem>.cdx.json` in the directory.
fn evidence_stem(dir: &Path) -> Result<String, VerifyingError> {
    let entries = std::fs::read_dir(dir).map_err(|source| VerifyingError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut stems: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = fileset::manifest_bundle_stem(&name).or_else(|| fileset::sbom_stem(&name));
            stem.map(str::to_string)
        })
        .collect();
    stems.sort();
    stems.dedup();
    match &stems[..] {
        [one] => Ok(one.clone()),
        [] => Err(VerifyingError::Usage(format!(
            "{}: no image manifest signature or SBOM in it",
            dir.display()
        ))),
        _ => Err(VerifyingError::Usage(format!(
            "{}: the evidence of several images ({}): verify one artefact",
            dir.display(),
            stems.join(", ")
        ))),
    }
}

/// The manifest is the one `index.json` names, and every blob it names is there and is what
/// its digest names.
fn blobs(layout: &Path, image: &LayoutImage, checker: &Checker) -> Outcome {
    let want = image.manifest.hex().unwrap_or_default();
    if checker.sha256_hex() != want {
        return Err(format!("the manifest file is not {}", image.manifest.digest).into());
    }
    let bytes = input::read_limited(&image.path, crate::registry::MANIFEST_MAX, "OCI manifest")
        .map_err(|e| e.to_string())?;
    let manifest = Manifest::parse(&bytes).map_err(|e| format!("the manifest: {e}"))?;
    let mut total = 0;
    for d in manifest.blobs() {
        let path = crate::layout::blob_path(layout, d).expect("checked by Manifest::parse");
        let meta = std::fs::symlink_metadata(&path);
        if !meta
            .as_ref()
            .is_ok_and(|m| m.is_file() && m.len() == d.size)
        {
            return Err(format!("blob {} is missing or not {} bytes", d.digest, d.size).into());
        }
        let got = cra_attest::digest::sha256_of_file(&path).map_err(|e| e.to_string())?;
        if cra_attest::digest::to_hex(&got) != d.hex().unwrap_or_default() {
            return Err(format!("blob {} is not what its digest names", d.digest).into());
        }
        total += d.size;
    }
    Ok(format!(
        "manifest {} and its {} blob(s), {total} bytes, have their digests",
        image.manifest.digest,
        manifest.blobs().count()
    ))
}

/// The tag the image was asked for (`index.json`'s `ref.name`: the tag `pull` was given, the
/// version `compose` wrote) is the version the SBOM attestation names the manifest with. The
/// signature covers the manifest's digest only; without this, a registry could answer a tag
/// with another image the same signer signed (an older, vulnerable release).
fn tag(image: &LayoutImage, checker: &Checker) -> Outcome {
    let Some(tag) = &image.tag else {
        return Err(Problem::Skipped(
            "the image was named by digest, not by tag".into(),
        ));
    };
    let statement = checker
        .verify_beside(&checker.on_disk.docs.sbom_bundle())?
        .ok_or("the SBOM attestation is not a DSSE in-toto attestation")?;
    let hex = checker.sha256_hex();
    let names: Vec<&str> = statement["subject"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|x| x["digest"]["sha256"] == hex.as_str())
                .filter_map(|x| x["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    match names
        .iter()
        .find(|n| n.rsplit_once(':').is_some_and(|(_, v)| v == tag))
    {
        Some(name) => Ok(format!("the SBOM attestation names the manifest {name}")),
        None => Err(format!(
            "tag {tag} is not what was signed: the SBOM attestation names this manifest {}; \
             a registry can point a tag anywhere — verify by digest (@sha256:…) for an image \
             under another tag",
            match names.is_empty() {
                true => "nothing".to_string(),
                false => names.join(", "),
            }
        )
        .into()),
    }
}

/// The technical file's attestation, when attached: it verifies and lists the manifest.
fn technical_file(checker: &Checker) -> Outcome {
    let name = format!(
        "{}/{}",
        fileset::docs::DEFAULT_OUT,
        fileset::signature_bundle(fileset::docs::TECHNICAL_FILE)
    );
    if !checker.on_disk.beside(&name).exists() {
        return Err(Problem::Skipped(format!("{name} is not there")));
    }
    let statement = checker
        .verify_beside(&name)?
        .ok_or("not a DSSE in-toto attestation")?;
    match statement["predicateType"] == fileset::TECHNICAL_FILE_PREDICATE_TYPE {
        true => Ok(format!("{name} verifies and lists the image manifest")),
        false => Err(format!("{name} is not a technical file attestation").into()),
    }
}

/// Every other bundle attached to the image (`referrers/`) verifies over what it names.
fn attached(dir: &Path, checker: &Checker) -> Outcome {
    let referrers = dir.join(fileset::REFERRERS_DIR);
    let Ok(entries) = std::fs::read_dir(&referrers) else {
        return Err(Problem::Skipped(
            "none besides the image's own evidence".into(),
        ));
    };
    if !checker.has_policy() {
        return Err(Problem::Skipped("no key or identity given".into()));
    }
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let (mut signed, mut foreign) = (Vec::new(), Vec::new());
    for name in &names {
        match checker.verify_over_own_subject(&referrers.join(name)) {
            Ok(what) => signed.push(what),
            Err(why) => foreign.push(format!("{}/{name} ({why})", fileset::REFERRERS_DIR)),
        }
    }
    // Bundles others attached are not this release's evidence: nothing here relies on them,
    // so they are reported, not failed (anyone who may push could otherwise break every
    // verification).
    let others = match foreign.is_empty() {
        true => String::new(),
        false => format!(
            "; {} not by the trusted signer, not relied on: {}",
            foreign.len(),
            foreign.join(", ")
        ),
    };
    match signed.is_empty() {
        true => Err(Problem::Skipped(format!(
            "none by the trusted signer{others}"
        ))),
        false => Ok(format!(
            "{} more bundle(s) verify, over {}{others}",
            signed.len(),
            signed.join(", ")
        )),
    }
}
