//! Composing an image from a recipe: everything is written into a staging directory beside the
//! destination, then renamed into place, so the output directory never holds a half-written
//! image: after an error, nothing is left behind but what was there before.

use crate::error::{ComposeError, io_at};
use crate::image_sbom::{ImageSbomInput, image_sbom};
use crate::layer;
use crate::oci::{self, ImageInfo};
use crate::progress::Progress;
use crate::provenance::{self, ImageProvenanceInput, SourceInfo};
use crate::recipe::Recipe;
use crate::tree::{BuiltApp, RootFs};
use cra_attest::digest::{Digests, sha256, to_hex};
use cra_attest::intoto::{Statement, Subject};
use cra_attest::persist;
use cra_attest::sign::Signer;
use cra_attest::slsa::BuildPlatform;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// `predicateType` of SBOM attestations.
pub const CYCLONEDX_PREDICATE_TYPE: &str = "https://cyclonedx.org/bom";

/// How to compose (everything but the recipe and the apps).
pub struct ComposeOptions<'a> {
    /// Parent of the image directory `<name>-<version>/`.
    pub out_dir: PathBuf,
    /// Seconds since the epoch for every time in the image.
    pub source_date_epoch: i64,
    /// The recipe's git state.
    pub source: Option<SourceInfo>,
    /// Where the composition runs.
    pub platform: BuildPlatform,
    /// Invocation id when not in CI.
    pub invocation_id: String,
    /// RFC 3339 start of the whole command (including the app builds).
    pub started_on: String,
    /// Signs the outputs when given.
    pub signer: Option<&'a Signer>,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct ComposeReport {
    /// Always `cra-image`.
    pub reason: &'static str,
    /// Image name.
    pub name: String,
    /// Image version (tag).
    pub version: String,
    /// The image directory.
    pub dir: PathBuf,
    /// OCI layout directory, if written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<PathBuf>,
    /// OCI archive, if written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<PathBuf>,
    /// `sha256:` digest of the manifest.
    pub manifest_digest: String,
    /// Size of the compressed layer.
    pub layer_size: u64,
    /// Size of the uncompressed layer (the root filesystem as tar).
    pub uncompressed_size: u64,
    /// Number of entries in the root filesystem.
    pub entries: usize,
    /// The image SBOM.
    pub sbom: PathBuf,
    /// The provenance statement.
    pub provenance: PathBuf,
    /// With a signer: the bundles written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<PathBuf>,
    /// Things the user should know (for example: the image runs as root).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Removes the staging directory unless disarmed.
struct Staging {
    dir: PathBuf,
    armed: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc().unix_timestamp())
}

/// RFC 3339 UTC form of `secs` (such as `2024-05-01T12:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a valid timestamp always formats")
}

/// Warnings about a recipe that composes but may not be what was meant.
pub fn warnings(recipe: &Recipe) -> Vec<String> {
    let mut out = Vec::new();
    match recipe.run_as() {
        None => {
            out.push("the image runs as root: declare a [[user]] or set runtime.user".to_string())
        }
        Some(u) if u == "0" || u.starts_with("0:") => {
            out.push("the image runs as root (runtime.user is uid 0)".to_string())
        }
        Some(_) => {}
    }
    for u in &recipe.users {
        if !recipe.groups.is_empty()
            && !recipe
                .groups
                .iter()
                .any(|g| g.gid.get_ref() == u.gid.get_ref())
        {
            out.push(format!(
                "user {} has gid {}, which no [[group]] declares",
                u.name.get_ref(),
                u.gid.get_ref()
            ));
        }
    }
    out
}

/// Composes `recipe` with `apps[i]` built for `recipe.apps[i]`.
pub fn compose(
    recipe: &Recipe,
    apps: &[BuiltApp],
    opts: &ComposeOptions<'_>,
    progress: &dyn Progress,
) -> Result<ComposeReport, ComposeError> {
    let fs = RootFs::from_recipe(recipe, apps)?;
    let name = recipe.image.name.get_ref().clone();
    let version = recipe.image.version.clone();
    let oci_output = recipe.output.oci.clone().unwrap_or_default();
    let compression = oci_output
        .layer_compression()
        .map_err(|(span, m)| recipe.error_at(span, m))?;
    let mtime = opts.source_date_epoch.max(0) as u64;
    let created = rfc3339(opts.source_date_epoch);

    std::fs::create_dir_all(&opts.out_dir).map_err(io_at(&opts.out_dir))?;
    let dir_name = format!("{name}-{version}");
    let final_dir = opts.out_dir.join(&dir_name);
    let unique = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let stage_dir = opts.out_dir.join(format!(".{dir_name}.partial-{unique}"));
    std::fs::create_dir(&stage_dir).map_err(io_at(&stage_dir))?;
    let mut staging = Staging {
        dir: stage_dir.clone(),
        armed: true,
    };

    // The layer, straight into the layout's blob store.
    let layout = stage_dir.join("oci");
    let blobs = layout.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs).map_err(io_at(&blobs))?;
    let partial = blobs.join(".layer.partial");
    let layer = layer::write_layer(&fs, mtime, compression, &partial, progress)?;
    let layer_path = blobs.join(to_hex(&layer.digest));
    std::fs::rename(&partial, &layer_path).map_err(io_at(&layer_path))?;

    let recipe_name = recipe
        .origin
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let info = ImageInfo {
        name: name.clone(),
        version: version.clone(),
        architecture: recipe.image.architecture.get_ref().clone(),
        created: created.clone(),
        source: opts.source.as_ref().and_then(|s| s.repository.clone()),
        revision: opts.source.as_ref().map(|s| s.commit.clone()),
        labels: recipe.image.labels.clone(),
        annotations: recipe.image.annotations.clone(),
        entrypoint: recipe.runtime.entrypoint.clone(),
        cmd: recipe.runtime.cmd.clone(),
        env: recipe.runtime.env.clone(),
        user: recipe.run_as(),
        workdir: recipe.runtime.workdir.clone(),
        ports: recipe
            .runtime
            .ports
            .iter()
            .map(|p| normalize_port(p))
            .collect(),
        stop_signal: recipe.runtime.stop_signal.clone(),
        created_by: format!("cargo cra compose {recipe_name}"),
    };
    let image = oci::image(&info, &layer, compression.media_type())?;
    oci::write_layout(&layout, &image)?;
    let manifest_digest = image.manifest_digest();

    let mut subjects = vec![Subject::new(
        format!("{name}:{version}"),
        &Digests::of_bytes(&image.manifest),
    )];
    let archive_name = format!("{name}.oci.tar");
    if oci_output.archive {
        progress.begin("archive", None);
        let archive = stage_dir.join(&archive_name);
        oci::write_archive(&layout, &archive, mtime)?;
        progress.end();
        subjects.push(Subject::new(
            archive_name.clone(),
            &Digests::of_file(&archive).map_err(io_at(&archive))?,
        ));
    }

    let sbom = image_sbom(&ImageSbomInput {
        recipe,
        fs: &fs,
        apps,
        file_digests: &layer.files,
        manifest_digest,
        timestamp: created,
    })?;
    let sbom_name = format!("{name}.cdx.json");
    let sbom_bytes = sbom.to_json_pretty();
    let sbom_path = stage_dir.join(&sbom_name);
    persist::write_atomic(&sbom_path, &sbom_bytes, 0o644).map_err(io_at(&sbom_path))?;

    let statement = provenance::statement(&ImageProvenanceInput {
        recipe,
        recipe_sha256: sha256(recipe.origin.text.as_bytes()),
        fs: &fs,
        apps,
        file_digests: &layer.files,
        subjects: subjects.clone(),
        compression: &compression.to_string(),
        source: opts.source.as_ref(),
        source_date_epoch: opts.source_date_epoch,
        platform: &opts.platform,
        local_invocation_id: &opts.invocation_id,
        started_on: &opts.started_on,
        finished_on: &now_rfc3339(),
    });
    let provenance_name = format!("{name}.provenance.json");
    let provenance_path = stage_dir.join(&provenance_name);
    persist::write_atomic(&provenance_path, &statement.to_json_pretty(), 0o644)
        .map_err(io_at(&provenance_path))?;

    let mut bundles = Vec::new();
    if let Some(signer) = opts.signer {
        progress.begin("signing", None);
        let manifest_blob = blobs.join(to_hex(&manifest_digest));
        let mut sign_file = |file: &Path, bundle_name: String| -> Result<(), ComposeError> {
            let (bundle, _) = signer.sign_blob(file)?;
            let out = stage_dir.join(&bundle_name);
            persist::write_atomic(&out, &bundle.to_json_pretty(), 0o644).map_err(io_at(&out))?;
            bundles.push(bundle_name);
            Ok(())
        };
        sign_file(&manifest_blob, format!("{name}.manifest.sigstore.json"))?;
        if oci_output.archive {
            sign_file(
                &stage_dir.join(&archive_name),
                format!("{archive_name}.sigstore.json"),
            )?;
        }
        let sbom_value: serde_json::Value =
            serde_json::from_slice(&sbom_bytes).expect("the SBOM was just serialised");
        for (statement, bundle_name) in [
            (
                Statement::new(subjects.clone(), CYCLONEDX_PREDICATE_TYPE, sbom_value),
                format!("{name}.cdx.sigstore.json"),
            ),
            (statement, format!("{name}.provenance.sigstore.json")),
        ] {
            let bundle = signer.sign_statement(&statement)?;
            let out = stage_dir.join(&bundle_name);
            persist::write_atomic(&out, &bundle.to_json_pretty(), 0o644).map_err(io_at(&out))?;
            bundles.push(bundle_name);
        }
        progress.end();
    }
    if !oci_output.layout {
        std::fs::remove_dir_all(&layout).map_err(io_at(&layout))?;
    }

    // Into place: the old image (if any) is moved aside first and removed last.
    sync_dir(&stage_dir)?;
    let old = opts.out_dir.join(format!(".{dir_name}.old-{unique}"));
    let had_old = match std::fs::rename(&final_dir, &old) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(ComposeError::io(&final_dir, e)),
    };
    if let Err(e) = std::fs::rename(&stage_dir, &final_dir) {
        if had_old {
            let _ = std::fs::rename(&old, &final_dir);
        }
        return Err(ComposeError::io(&final_dir, e));
    }
    staging.armed = false;
    sync_dir(&opts.out_dir)?;
    if had_old {
        std::fs::remove_dir_all(&old).map_err(io_at(&old))?;
    }

    Ok(ComposeReport {
        reason: "cra-image",
        name: name.clone(),
        version,
        layout: oci_output.layout.then(|| final_dir.join("oci")),
        archive: oci_output.archive.then(|| final_dir.join(&archive_name)),
        manifest_digest: format!("sha256:{}", to_hex(&manifest_digest)),
        layer_size: layer.size,
        uncompressed_size: layer.tar_size,
        entries: fs.entries.len(),
        sbom: final_dir.join(sbom_name),
        provenance: final_dir.join(provenance_name),
        bundles: bundles.into_iter().map(|b| final_dir.join(b)).collect(),
        warnings: warnings(recipe),
        dir: final_dir,
    })
}

/// `8080` → `8080/tcp`; `53/udp` stays.
fn normalize_port(p: &str) -> String {
    if p.contains('/') {
        p.to_string()
    } else {
        format!("{p}/tcp")
    }
}

fn sync_dir(dir: &Path) -> Result<(), ComposeError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_at(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
