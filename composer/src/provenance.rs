//! SLSA v1 provenance of a composed image: an in-toto statement whose subjects are the outputs
//! (the manifest, the archive) and whose resolved dependencies are the recipe and every input
//! (apps with their SBOM and provenance digests, local files), each with its SHA-256.
//!
//! The build type is documented field by field in `docs/compose-type-v1.md`.

use crate::error::ComposeError;
use crate::recipe::Recipe;
use crate::tree::{BuiltApp, Content, Kind, Origin, RootFs, app_dest};
use cra_attest::digest::to_hex;
use cra_attest::evidence::slsa::{BuildPlatform, Provenance, ResourceDescriptor, RunDetails};
use cra_attest::evidence::source::GitSource;
use serde_json::json;
use std::collections::BTreeMap;

/// `buildType` of image compositions.
pub(crate) const BUILD_TYPE: &str = cra_model::media::BUILD_TYPE_COMPOSE;

/// Everything the image provenance is made from.
pub(crate) struct ImageProvenanceInput<'a> {
    /// The recipe.
    pub recipe: &'a Recipe,
    /// SHA-256 of the recipe text.
    pub recipe_sha256: [u8; 32],
    /// The root filesystem.
    pub fs: &'a RootFs,
    /// The apps, one per `[[app]]`.
    pub apps: &'a [BuiltApp],
    /// SHA-256 of every file by relative image path.
    pub file_digests: &'a BTreeMap<String, [u8; 32]>,
    /// The OCI layer's compression (`zstd:3`), when there is an OCI output.
    pub layer_compression: Option<String>,
    /// The squashfs compressor (`xz`), when there is a squashfs output.
    pub squashfs_compression: Option<String>,
    /// Git state.
    pub source: Option<&'a GitSource>,
    /// `SOURCE_DATE_EPOCH` used.
    pub source_date_epoch: i64,
    /// Where the composition ran.
    pub platform: &'a BuildPlatform,
    /// Invocation id when not in CI.
    pub local_invocation_id: &'a str,
    /// RFC 3339 start.
    pub started_on: &'a str,
    /// RFC 3339 end.
    pub finished_on: &'a str,
}

fn sha256_map(hex: String) -> BTreeMap<String, String> {
    BTreeMap::from([("sha256".to_string(), hex)])
}

/// The SHA-256 of an app's document: an unreadable one is an error, never an empty digest.
fn file_sha256(path: &std::path::Path) -> Result<String, ComposeError> {
    cra_attest::digest::sha256_of_file(path)
        .map(|d| to_hex(&d))
        .map_err(|e| ComposeError::io(path, e))
}

/// The provenance predicate.
pub(crate) fn predicate(input: &ImageProvenanceInput<'_>) -> Result<Provenance, ComposeError> {
    let recipe = input.recipe;
    let recipe_name = recipe.file_name();
    let mut external = json!({
        "recipe": recipe_name,
        "image": {
            "name": *recipe.image.name,
            "version": recipe.image.version,
            "architecture": recipe.image.architecture,
        },
    });
    if let Some(src) = input.source {
        external["source"] = src.external_parameter();
    }
    let mut internal = json!({
        "cargoCraVersion": env!("CARGO_PKG_VERSION"),
        "sourceDateEpoch": input.source_date_epoch,
    });
    if let Some(c) = &input.layer_compression {
        internal["layerCompression"] = json!(c);
    }
    if let Some(c) = &input.squashfs_compression {
        internal["squashfsCompression"] = json!(c);
    }

    let mut deps = vec![ResourceDescriptor {
        name: Some(recipe_name),
        digest: sha256_map(to_hex(&input.recipe_sha256)),
        ..Default::default()
    }];
    if let Some(src) = input.source {
        deps.push(src.resolved_dependency());
    }
    for (path, entry) in &input.fs.entries {
        let Kind::File(content) = &entry.kind else {
            continue;
        };
        let digest = input
            .file_digests
            .get(path)
            .map(|d| to_hex(d))
            .ok_or_else(|| ComposeError::Format(format!("/{path}: no digest recorded")))?;
        let image_path = format!("/{path}");
        match entry.origin {
            Origin::App(i) => {
                let image_path = app_dest(recipe, i);
                let app = &recipe.apps[i];
                let built = &input.apps[i];
                let mut annotations = json!({
                    "package": app.package,
                    "bin": app.bin,
                    "features": app.features,
                    "target": built.target,
                    "sbomSha256": file_sha256(&built.sbom)?,
                    "provenanceSha256": file_sha256(&built.provenance)?,
                });
                // An app the recipe allowed from outside its repository is named where it was.
                let dir = std::fs::canonicalize(recipe.base_dir().join(&*app.path)).ok();
                if let Some(dir) = dir.filter(|d| input.fs.in_repository(d).is_none()) {
                    annotations["outsideRepository"] = json!(true);
                    annotations["path"] = json!(dir.display().to_string());
                }
                deps.push(ResourceDescriptor {
                    name: Some(image_path),
                    digest: sha256_map(digest),
                    annotations: Some(annotations),
                    ..Default::default()
                });
            }
            Origin::File(_) => {
                // Relative to the repository; a source the recipe allowed from outside it is
                // named where it was, and marked.
                let (uri, annotations) = match content {
                    Content::Host { path, .. } => match input.fs.in_repository(path) {
                        Some(rel) => (Some(format!("file:{}", rel.display())), None),
                        None => (
                            Some(format!("file:{}", path.display())),
                            Some(json!({ "outsideRepository": true })),
                        ),
                    },
                    Content::Generated(_) => (None, None),
                };
                deps.push(ResourceDescriptor {
                    uri,
                    name: Some(image_path),
                    digest: sha256_map(digest),
                    annotations,
                });
            }
            _ => {}
        }
    }

    Ok(Provenance::new(
        BUILD_TYPE,
        external,
        internal,
        deps,
        RunDetails::new(
            input.platform,
            input.local_invocation_id,
            input.started_on,
            input.finished_on,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_app_document_or_a_missing_digest_is_an_error_never_an_empty_digest() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("app"), b"\x7fELF app").unwrap();
        std::fs::write(dir.join("app.cdx.json"), b"{}").unwrap();
        let text = "[image]\nname = \"t\"\nversion = \"1\"\narchitecture = \"amd64\"\n\
            [[app]]\npath = \".\"\npackage = \"app\"\ndest = \"/usr/bin/app\"\n";
        let recipe = Recipe::parse(&dir.join("r.toml"), text).unwrap();
        let apps = [BuiltApp {
            binary: dir.join("app"),
            sbom: dir.join("app.cdx.json"),
            // Never written.
            provenance: dir.join("app.provenance.json"),
            target: "x86_64-unknown-linux-musl".into(),
            repository: None,
        }];
        let fs = RootFs::from_recipe(&recipe, &apps).unwrap();
        let platform = BuildPlatform::detect(|_| None);
        let digests = BTreeMap::from([(
            "usr/bin/app".to_string(),
            cra_attest::digest::sha256(b"\x7fELF app"),
        )]);
        let input = |file_digests| ImageProvenanceInput {
            recipe: &recipe,
            recipe_sha256: [0; 32],
            fs: &fs,
            apps: &apps,
            file_digests,
            layer_compression: Some("zstd-3".into()),
            squashfs_compression: None,
            source: None,
            source_date_epoch: 0,
            platform: &platform,
            local_invocation_id: "urn:uuid:0",
            started_on: "1970-01-01T00:00:00Z",
            finished_on: "1970-01-01T00:00:00Z",
        };
        let e = predicate(&input(&digests)).unwrap_err().to_string();
        assert!(e.contains("app.provenance.json"), "{e}");
        std::fs::write(dir.join("app.provenance.json"), b"{}").unwrap();
        let p = predicate(&input(&digests)).unwrap();
        let deps = serde_json::to_value(&p.build_definition.resolved_dependencies).unwrap();
        assert!(!deps.to_string().contains("\"\""), "{deps}");
        let e = predicate(&input(&BTreeMap::new())).unwrap_err().to_string();
        assert!(e.contains("/usr/bin/app: no digest recorded"), "{e}");
    }
}
