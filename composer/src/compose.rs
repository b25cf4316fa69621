//! Composing an image from a recipe: everything is written into a staging directory beside the
//! destination, then renamed into place, so the output directory never holds a half-written
//! image: after an error, nothing is left behind but what was there before.

use crate::error::{ComposeError, io_at};
use crate::image_sbom::{ImageSbomInput, SquashfsFacts, image_sbom};
use crate::layer;
use crate::oci::{self, ImageInfo};
use crate::progress::Progress;
use crate::provenance::{self, ImageProvenanceInput};
use crate::recipe::{Recipe, VerityLayout};
use crate::squashfs::{Compressor, SquashfsImage, SquashfsOptions, write_squashfs};
use crate::tree::{BuiltApp, Content, Kind, Origin, RootFs};
use crate::verity::{self, VerityTree};
use cra_attest::digest::{sha256, to_hex};
use cra_attest::evidence::OtherSbom;
use cra_attest::evidence::intoto::{Statement, Subject};
use cra_attest::evidence::slsa::BuildPlatform;
use cra_attest::evidence::source::GitSource;
use cra_attest::persist;
use cra_attest::sigstore::sign::Signer;
use cra_model::fileset::{
    self, CYCLONEDX_PREDICATE_TYPE, Documents, PROVENANCE_PREDICATE_TYPE, VERITY_PREDICATE_TYPE,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How to compose (everything but the recipe and the apps).
pub struct ComposeOptions<'a> {
    /// Parent of the image directory `<name>-<version>/`.
    pub out_dir: PathBuf,
    /// Seconds since the epoch for every time in the image.
    pub source_date_epoch: i64,
    /// The recipe's git state.
    pub source: Option<GitSource>,
    /// Where the composition runs.
    pub platform: BuildPlatform,
    /// Invocation id when not in CI.
    pub invocation_id: String,
    /// RFC 3339 start of the whole command (including the app builds).
    pub started_on: String,
    /// Signs the outputs when given.
    pub signer: Option<&'a Signer>,
    /// Signs the RAUC bundle (`[output.rauc]`), checked before the apps were built.
    pub rauc_signer: Option<&'a cra_attest::cms::CmsSigner>,
    /// The image SBOM's other formats (SPDX 2.3, SPDX 3.0.1), written beside the CycloneDX one.
    pub sbom_formats: Vec<OtherSbom>,
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
    /// `sha256:` digest of the OCI manifest, when an OCI image was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// Size of the compressed layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_size: Option<u64>,
    /// Size of the uncompressed layer (the root filesystem as tar).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncompressed_size: Option<u64>,
    /// The squashfs image, if written (with the hash tree appended unless `verity` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub squashfs: Option<PathBuf>,
    /// Size of the squashfs filesystem (padded to 4 KiB, without the hash tree).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub squashfs_size: Option<u64>,
    /// The separate dm-verity hash file, if the recipe asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verity: Option<PathBuf>,
    /// The dm-verity root hash (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_hash: Option<String>,
    /// Number of entries in the root filesystem.
    pub entries: usize,
    /// The image SBOM.
    pub sbom: PathBuf,
    /// The provenance statement.
    pub provenance: PathBuf,
    /// With a signer: the bundles written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<PathBuf>,
    /// Things the user should know that came up while writing (the recipe's own warnings,
    /// [`warnings`], are the caller's to give before composing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The RAUC bundle (`[output.rauc]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rauc: Option<PathBuf>,
    /// Where the CRA documents were written (`cargo cra compose --docs`), if they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<PathBuf>,
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

pub use cra_attest::evidence::slsa::{now_rfc3339, rfc3339};

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
        if !recipe.groups.is_empty() && !recipe.groups.iter().any(|g| g.gid == u.gid) {
            out.push(format!(
                "user {} has gid {}, which no [[group]] declares",
                *u.name, u.gid
            ));
        }
    }
    out
}

/// The OCI image written, for the report and the documents.
struct OciWritten {
    manifest_digest: [u8; 32],
    layer: layer::Layer,
    layout: PathBuf,
    /// The archive's file name and SHA-256.
    archive: Option<(String, [u8; 32])>,
    keep_layout: bool,
    compression: layer::Compression,
}

/// The squashfs image written.
struct SquashfsWritten {
    file: String,
    image: SquashfsImage,
    verity: Option<(VerityTree, Option<String>)>,
    /// SHA-256 of the file as shipped (with an appended tree, if any).
    sha256: [u8; 32],
    compressor: Compressor,
    block_size: u32,
}

/// Composes `fs` (laid out from `recipe`, with `apps` filled in): stage, write the outputs,
/// write the documents about them, sign, and rename the image directory into place. After an
/// error nothing half-written is left, and a previous image stays as it was.
pub fn compose_tree(
    recipe: &Recipe,
    fs: &RootFs,
    apps: &[BuiltApp],
    opts: &ComposeOptions<'_>,
    progress: &dyn Progress,
) -> Result<ComposeReport, ComposeError> {
    let stage = Stage::new(recipe, &opts.out_dir)?;
    let outputs = write_outputs(recipe, fs, apps, opts, &stage.dir, progress)?;
    let evidence = write_evidence(recipe, fs, apps, opts, &stage.dir, &outputs)?;
    let bundles = match opts.signer {
        Some(signer) => sign_outputs(signer, recipe, &stage.dir, &outputs, &evidence, progress)?,
        None => Vec::new(),
    };
    if let Some(o) = &outputs.oci
        && !o.keep_layout
    {
        std::fs::remove_dir_all(&o.layout).map_err(io_at(&o.layout))?;
    }
    let final_dir = stage.commit(&opts.out_dir)?;
    Ok(report(recipe, fs, final_dir, &outputs, &evidence, bundles))
}

/// With `[image] deny-weak-binaries`: the first ELF file the recipe's `[[file]]`s put into the
/// image that lacks an exploitation mitigation, as an error naming it and what it lacks (the
/// apps are checked by their builds).
pub fn deny_weak_files(recipe: &Recipe, fs: &RootFs) -> Result<(), ComposeError> {
    if !recipe.image.deny_weak_binaries {
        return Ok(());
    }
    for (path, entry) in &fs.entries {
        let (Kind::File(Content::Host { path: host, .. }), Origin::File(_)) =
            (&entry.kind, &entry.origin)
        else {
            continue;
        };
        let weak = crate::hardening::Mitigations::weaknesses_of_file(host)
            .map_err(|e| ComposeError::io(host, e))?;
        if let Some(weak) = weak.filter(|w| !w.is_empty()) {
            return Err(ComposeError::WeakFile {
                path: format!("/{path}"),
                weaknesses: weak.join(", "),
            });
        }
    }
    Ok(())
}

/// The image directory being written: `.<name>-<version>.partial-<unique>` in the output
/// directory, removed on drop unless committed.
struct Stage {
    dir_name: String,
    unique: String,
    dir: PathBuf,
    staging: Staging,
}

impl Stage {
    fn new(recipe: &Recipe, out_dir: &Path) -> Result<Stage, ComposeError> {
        std::fs::create_dir_all(out_dir).map_err(io_at(out_dir))?;
        let dir_name = format!("{}-{}", *recipe.image.name, recipe.image.version);
        // The recipe checks make this one plain file name; never join anything else.
        let single = {
            let mut c = Path::new(&dir_name).components();
            matches!(
                (c.next(), c.next()),
                (Some(std::path::Component::Normal(_)), None)
            ) && !dir_name.starts_with('.')
        };
        if !single {
            return Err(ComposeError::Recipe(recipe.error_at(
                recipe.image.name.span(),
                format!("the image directory name {dir_name:?} is not a single plain file name"),
            )));
        }
        let unique = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let dir = out_dir.join(format!(".{dir_name}.partial-{unique}"));
        std::fs::create_dir(&dir).map_err(io_at(&dir))?;
        Ok(Stage {
            staging: Staging {
                dir: dir.clone(),
                armed: true,
            },
            dir_name,
            unique,
            dir,
        })
    }

    /// Into place: the old image (if any) is moved aside first and removed last. Returns the
    /// image directory.
    fn commit(mut self, out_dir: &Path) -> Result<PathBuf, ComposeError> {
        let final_dir = out_dir.join(&self.dir_name);
        sync_dir(&self.dir)?;
        let old = out_dir.join(format!(".{}.old-{}", self.dir_name, self.unique));
        let had_old = match std::fs::rename(&final_dir, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(ComposeError::io(&final_dir, e)),
        };
        if let Err(e) = std::fs::rename(&self.dir, &final_dir) {
            if had_old {
                let _ = std::fs::rename(&old, &final_dir);
            }
            return Err(ComposeError::io(&final_dir, e));
        }
        self.staging.armed = false;
        sync_dir(out_dir)?;
        if had_old {
            std::fs::remove_dir_all(&old).map_err(io_at(&old))?;
        }
        Ok(final_dir)
    }
}

/// The images written, and the subjects the documents are about.
struct Outputs {
    oci: Option<OciWritten>,
    squashfs: Option<SquashfsWritten>,
    /// The RAUC bundle: its file name and facts.
    rauc: Option<(String, crate::rauc::Bundle)>,
    subjects: Vec<Subject>,
}

impl Outputs {
    /// SHA-256 of every file by image path, as the writers read them.
    fn file_digests(&self) -> &BTreeMap<String, [u8; 32]> {
        match (&self.oci, &self.squashfs) {
            (Some(o), _) => &o.layer.files,
            (None, Some(s)) => &s.image.files,
            (None, None) => unreachable!("one output at least"),
        }
    }
}

fn write_outputs(
    recipe: &Recipe,
    fs: &RootFs,
    apps: &[BuiltApp],
    opts: &ComposeOptions<'_>,
    stage_dir: &Path,
    progress: &dyn Progress,
) -> Result<Outputs, ComposeError> {
    let (name, version) = (&*recipe.image.name, &recipe.image.version);
    let mtime = opts.source_date_epoch.max(0) as u64;
    let created = rfc3339(opts.source_date_epoch);
    let mut subjects = Vec::new();
    let oci = match &recipe.output.oci {
        Some(o) => Some(write_oci(
            recipe,
            fs,
            o,
            &OciContext {
                opts,
                source: image_source(recipe, apps),
                stage_dir,
                mtime,
                created: &created,
            },
            progress,
        )?),
        None => None,
    };
    if let Some(o) = &oci {
        subjects.push(Subject::sha256(
            format!("{name}:{version}"),
            &o.manifest_digest,
        ));
        if let Some((a, digest)) = &o.archive {
            subjects.push(Subject::sha256(a.clone(), digest));
        }
    }
    let squashfs = match &recipe.output.squashfs {
        Some(sq) => Some(write_squashfs_output(
            recipe, fs, sq, stage_dir, mtime, progress,
        )?),
        None => None,
    };
    if let Some(sq) = &squashfs {
        subjects.push(Subject::sha256(sq.file.clone(), &sq.sha256));
        if let Some((tree, Some(separate))) = &sq.verity {
            subjects.push(Subject::sha256(separate.clone(), &sha256(&tree.hash_area)));
        }
    }
    let rauc = match (&recipe.output.rauc, &squashfs) {
        (Some(r), Some(sq)) => {
            let written = write_rauc_output(recipe, r, sq, opts, stage_dir, progress)?;
            subjects.push(Subject::sha256(written.0.clone(), &written.1.sha256));
            Some(written)
        }
        _ => None,
    };
    Ok(Outputs {
        oci,
        squashfs,
        rauc,
        subjects,
    })
}

/// `[output.rauc]`: the squashfs image as the slot image of a signed `verity` bundle.
fn write_rauc_output(
    recipe: &Recipe,
    r: &crate::recipe::RaucOutput,
    sq: &SquashfsWritten,
    opts: &ComposeOptions<'_>,
    stage_dir: &Path,
    progress: &dyn Progress,
) -> Result<(String, crate::rauc::Bundle), ComposeError> {
    let signer = opts.rauc_signer.ok_or_else(|| {
        ComposeError::Format("[output.rauc]: no signing certificate was loaded".into())
    })?;
    let file = Documents::of(recipe.image.name.as_str()).rauc_bundle();
    let build = match &opts.source {
        Some(s) => format!("{} {}", opts.source_date_epoch, s.commit),
        None => opts.source_date_epoch.to_string(),
    };
    let image = stage_dir.join(&sq.file);
    let image_size = std::fs::metadata(&image).map_err(io_at(&image))?.len();
    let input = crate::rauc::BundleInput {
        compatible: &r.compatible,
        version: &recipe.image.version,
        build,
        slot: &r.slot,
        image: &image,
        image_name: &sq.file,
        image_sha256: sq.sha256,
        image_size,
        mtime: opts.source_date_epoch.clamp(0, i64::from(u32::MAX)) as u32,
        // gzip, as `rauc bundle` (mksquashfs's default): every kernel's squashfs reads it.
        compressor: Compressor::Gzip(9),
        signer,
        plain: r.plain,
    };
    let bundle = crate::rauc::write_bundle(&input, &stage_dir.join(&file), progress)?;
    Ok((file, bundle))
}

/// The documents written about the outputs.
struct Evidence {
    sbom_name: String,
    /// The other forms of the image SBOM written (SPDX 2.3, SPDX 3.0.1).
    other_sboms: Vec<OtherSbom>,
    provenance_name: String,
    predicate: cra_attest::evidence::slsa::Provenance,
    verity_statement: Option<Statement>,
}

/// The image SBOM, the provenance and, for a squashfs image with a verity tree, the verity
/// statement.
fn write_evidence(
    recipe: &Recipe,
    fs: &RootFs,
    apps: &[BuiltApp],
    opts: &ComposeOptions<'_>,
    stage_dir: &Path,
    outputs: &Outputs,
) -> Result<Evidence, ComposeError> {
    let (oci, squashfs) = (&outputs.oci, &outputs.squashfs);
    let docs = Documents::of(recipe.image.name.as_str());
    let sbom = image_sbom(&ImageSbomInput {
        recipe,
        fs,
        apps,
        file_digests: outputs.file_digests(),
        manifest_digest: oci.as_ref().map(|o| o.manifest_digest),
        squashfs: squashfs.as_ref().map(|s| SquashfsFacts {
            file: s.file.clone(),
            sha256: s.sha256,
            verity_root_hash: s.verity.as_ref().map(|(t, _)| t.root_hash),
        }),
        timestamp: rfc3339(opts.source_date_epoch),
        source_uri: image_source_uri(recipe, apps, opts.source.as_ref()),
    })?;
    let sbom_path = stage_dir.join(docs.sbom());
    // Streamed to the file: an image of many files has a large SBOM.
    persist::write_atomic_with(&sbom_path, 0o644, |w| sbom.write_pretty(w))
        .map_err(io_at(&sbom_path))?;
    let mut other_sboms = opts.sbom_formats.clone();
    other_sboms.sort();
    other_sboms.dedup();
    for format in &other_sboms {
        let path = stage_dir.join(format.file(&docs));
        let json = format.write(&sbom, env!("CARGO_PKG_VERSION"));
        persist::write_atomic(&path, &json, 0o644).map_err(io_at(&path))?;
    }
    drop(sbom);

    let mut predicate = provenance::predicate(&ImageProvenanceInput {
        recipe,
        recipe_sha256: sha256(recipe.origin.text.as_bytes()),
        fs,
        apps,
        file_digests: outputs.file_digests(),
        layer_compression: oci.as_ref().map(|o| o.compression.to_string()),
        squashfs_compression: squashfs.as_ref().map(|s| s.compressor.to_string()),
        source: opts.source.as_ref(),
        source_date_epoch: opts.source_date_epoch,
        platform: &opts.platform,
        local_invocation_id: &opts.invocation_id,
        started_on: &opts.started_on,
        finished_on: &now_rfc3339(),
    })?;
    let verity_statement = squashfs.as_ref().and_then(|sq| {
        sq.verity.as_ref().map(|(tree, separate)| {
            let facts = verity_facts(sq, tree, separate.as_deref());
            predicate.build_definition.internal_parameters["squashfs"] = facts.clone();
            Statement::new(
                vec![Subject::sha256(sq.file.clone(), &sq.sha256)],
                VERITY_PREDICATE_TYPE,
                facts,
            )
        })
    });
    let provenance_path = stage_dir.join(docs.provenance());
    persist::write_atomic_with(&provenance_path, 0o644, |w| {
        Statement::write_pretty(w, &outputs.subjects, PROVENANCE_PREDICATE_TYPE, &predicate)
    })
    .map_err(io_at(&provenance_path))?;
    if let Some(v) = &verity_statement {
        let path = stage_dir.join(Documents::of(&*recipe.image.name).verity_statement());
        persist::write_atomic(&path, &v.to_json_pretty(), 0o644).map_err(io_at(&path))?;
    }
    Ok(Evidence {
        sbom_name: docs.sbom(),
        other_sboms,
        provenance_name: docs.provenance(),
        predicate,
        verity_statement,
    })
}

/// Signs the manifest, the archive and the squashfs file, and attests the SBOM, the
/// provenance and the verity statement; returns the bundles' file names.
fn sign_outputs(
    signer: &Signer,
    recipe: &Recipe,
    stage_dir: &Path,
    outputs: &Outputs,
    evidence: &Evidence,
    progress: &dyn Progress,
) -> Result<Vec<String>, ComposeError> {
    let docs = Documents::of(recipe.image.name.as_str());
    let subjects = &outputs.subjects;
    let mut bundles = Vec::new();
    progress.begin("signing", None);
    let mut write = |bundle: cra_attest::sigstore::bundle::Bundle, name: String| {
        let out = stage_dir.join(&name);
        persist::write_atomic(&out, &bundle.to_json_pretty(), 0o644).map_err(io_at(&out))?;
        bundles.push(name);
        Ok::<(), ComposeError>(())
    };
    if let Some(o) = &outputs.oci {
        let manifest_blob = o
            .layout
            .join("blobs/sha256")
            .join(to_hex(&o.manifest_digest));
        write(signer.sign_blob(&manifest_blob)?.0, docs.manifest_bundle())?;
        if let Some((a, _)) = &o.archive {
            write(
                signer.sign_blob(&stage_dir.join(a))?.0,
                fileset::signature_bundle(a),
            )?;
        }
    }
    if let Some(sq) = &outputs.squashfs {
        write(
            signer.sign_blob(&stage_dir.join(&sq.file))?.0,
            fileset::signature_bundle(&sq.file),
        )?;
    }
    if let Some((file, _)) = &outputs.rauc {
        write(
            signer.sign_blob(&stage_dir.join(file))?.0,
            fileset::signature_bundle(file),
        )?;
    }
    let sbom_path = stage_dir.join(&evidence.sbom_name);
    let sbom_bytes = std::fs::read(&sbom_path).map_err(io_at(&sbom_path))?;
    let sbom_value: serde_json::Value =
        serde_json::from_slice(&sbom_bytes).expect("the SBOM was just serialised");
    let provenance = Statement::new(
        subjects.clone(),
        PROVENANCE_PREDICATE_TYPE,
        serde_json::to_value(&evidence.predicate).expect("provenance serialises"),
    );
    let mut statements = vec![
        (
            Statement::new(subjects.clone(), CYCLONEDX_PREDICATE_TYPE, sbom_value),
            docs.sbom_bundle(),
        ),
        (provenance, docs.provenance_bundle()),
    ];
    if let Some(v) = &evidence.verity_statement {
        statements.push((v.clone(), docs.verity_bundle()));
    }
    for format in &evidence.other_sboms {
        let path = stage_dir.join(format.file(&docs));
        let bytes = std::fs::read(&path).map_err(io_at(&path))?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).expect("the SPDX document was just serialised");
        statements.push((
            Statement::new(subjects.clone(), format.predicate_type(), value),
            format.bundle(&docs),
        ));
    }
    for (statement, bundle_name) in statements {
        write(signer.sign_statement(&statement)?, bundle_name)?;
    }
    progress.end();
    Ok(bundles)
}

/// What was written, with the paths it now has in the image directory `dir`.
fn report(
    recipe: &Recipe,
    fs: &RootFs,
    dir: PathBuf,
    outputs: &Outputs,
    evidence: &Evidence,
    bundles: Vec<String>,
) -> ComposeReport {
    let (oci, squashfs) = (&outputs.oci, &outputs.squashfs);
    ComposeReport {
        reason: "cra-image",
        name: recipe.image.name.to_string(),
        version: recipe.image.version.clone(),
        layout: oci
            .as_ref()
            .filter(|o| o.keep_layout)
            .map(|_| dir.join(cra_model::fileset::OCI_LAYOUT_DIR)),
        archive: oci
            .as_ref()
            .and_then(|o| o.archive.as_ref())
            .map(|(a, _)| dir.join(a)),
        manifest_digest: oci
            .as_ref()
            .map(|o| format!("sha256:{}", to_hex(&o.manifest_digest))),
        layer_size: oci.as_ref().map(|o| o.layer.size),
        uncompressed_size: oci.as_ref().map(|o| o.layer.tar_size),
        squashfs: squashfs.as_ref().map(|s| dir.join(&s.file)),
        squashfs_size: squashfs.as_ref().map(|s| s.image.size),
        verity: squashfs
            .as_ref()
            .and_then(|s| s.verity.as_ref())
            .and_then(|(_, sep)| sep.as_ref())
            .map(|f| dir.join(f)),
        root_hash: squashfs
            .as_ref()
            .and_then(|s| s.verity.as_ref())
            .map(|(t, _)| to_hex(&t.root_hash)),
        entries: fs.entries.len(),
        docs: None,
        rauc: outputs.rauc.as_ref().map(|(f, _)| dir.join(f)),
        sbom: dir.join(&evidence.sbom_name),
        provenance: dir.join(&evidence.provenance_name),
        bundles: bundles.into_iter().map(|b| dir.join(b)).collect(),
        warnings: Vec::new(),
        dir,
    }
}

/// What the verity statement and the provenance record about the tree.
fn verity_facts(
    sq: &SquashfsWritten,
    tree: &VerityTree,
    separate: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "file": sq.file,
        "sha256": to_hex(&sq.sha256),
        "squashfs": {
            "compression": sq.compressor.name(),
            "blockSize": sq.block_size,
            "bytesUsed": sq.image.bytes_used,
            "size": sq.image.size,
        },
        "dmVerity": {
            "format": 1,
            "hashAlgorithm": "sha256",
            "dataBlockSize": verity::BLOCK,
            "hashBlockSize": verity::BLOCK,
            "dataBlocks": tree.data_blocks,
            "salt": to_hex(&tree.salt),
            "uuid": tree.uuid.to_string(),
            "rootHash": to_hex(&tree.root_hash),
            "layout": if separate.is_some() { "separate" } else { "append" },
            "hashFile": separate.unwrap_or(&sq.file),
            "hashOffset": if separate.is_some() { 0 } else { sq.image.size },
        },
    })
}

/// What the OCI image is written with, beside the recipe and the tree.
struct OciContext<'a> {
    opts: &'a ComposeOptions<'a>,
    /// `org.opencontainers.image.source`.
    source: Option<String>,
    stage_dir: &'a Path,
    mtime: u64,
    created: &'a str,
}

/// `org.opencontainers.image.source`: the recipe's `[image] source`, else the first app's
/// declared `package.repository` — never the clone's remote, which differs between https, ssh
/// and local clones of the same commit.
fn image_source(recipe: &Recipe, apps: &[BuiltApp]) -> Option<String> {
    recipe
        .image
        .source
        .clone()
        .or_else(|| apps.iter().find_map(|a| a.repository.clone()))
}

fn write_oci(
    recipe: &Recipe,
    fs: &RootFs,
    oci_output: &crate::recipe::OciOutput,
    ctx: &OciContext<'_>,
    progress: &dyn Progress,
) -> Result<OciWritten, ComposeError> {
    let OciContext {
        opts,
        stage_dir,
        mtime,
        created,
        ..
    } = *ctx;
    let compression = oci_output.compression;
    let name = &recipe.image.name;
    // The layer, straight into the layout's blob store.
    let layout = stage_dir.join(cra_model::fileset::OCI_LAYOUT_DIR);
    let blobs = layout.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs).map_err(io_at(&blobs))?;
    let partial = blobs.join(".layer.partial");
    let layer = layer::write_layer(fs, mtime, compression, &partial, progress)?;
    let layer_path = blobs.join(to_hex(&layer.digest));
    std::fs::rename(&partial, &layer_path).map_err(io_at(&layer_path))?;

    let recipe_name = recipe.file_name();
    let info = ImageInfo {
        name: name.to_string(),
        version: recipe.image.version.clone(),
        architecture: recipe.image.architecture.clone(),
        created: created.to_string(),
        source: ctx.source.clone(),
        revision: opts.source.as_ref().map(|s| s.commit.clone()),
        labels: recipe.image.labels.clone(),
        annotations: recipe.image.annotations.clone(),
        entrypoint: recipe.runtime.entrypoint.clone(),
        cmd: recipe.runtime.cmd.clone(),
        env: recipe.runtime.env.clone(),
        user: recipe.run_as(),
        workdir: recipe.runtime.workdir.clone(),
        ports: recipe.runtime.ports.clone(),
        stop_signal: recipe.runtime.stop_signal.clone(),
        created_by: format!("cargo cra compose {recipe_name}"),
    };
    let image = oci::image(&info, &layer, compression.media_type())?;
    oci::write_layout(&layout, &image)?;
    let archive = if oci_output.archive {
        let archive_name = Documents::of(name.as_str()).oci_archive();
        progress.begin("archive", None);
        let digest = oci::write_archive(&layout, &stage_dir.join(&archive_name), mtime)?;
        progress.end();
        Some((archive_name, digest))
    } else {
        None
    };
    Ok(OciWritten {
        manifest_digest: image.manifest_digest(),
        layer,
        layout,
        archive,
        keep_layout: oci_output.layout,
        compression,
    })
}

fn write_squashfs_output(
    recipe: &Recipe,
    fs: &RootFs,
    sq: &crate::recipe::SquashfsOutput,
    stage_dir: &Path,
    mtime: u64,
    progress: &dyn Progress,
) -> Result<SquashfsWritten, ComposeError> {
    let (compressor, block_size) = (sq.compressor, sq.block_size);
    let name = &recipe.image.name;
    let file = Documents::of(name.as_str()).squashfs();
    let path = stage_dir.join(&file);
    let image = write_squashfs(
        fs,
        SquashfsOptions {
            compressor,
            block_size,
            mtime: mtime.min(u64::from(u32::MAX)) as u32,
            store_data: false,
        },
        &path,
        progress,
    )?;
    // One pass for the image's digest (which the salt is derived from); the hasher then also
    // takes an appended tree, giving the digest of the file as shipped without reading it again.
    let mut hasher = Sha256::new();
    {
        use std::io::Read;
        let mut f = std::fs::File::open(&path).map_err(io_at(&path))?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf).map_err(io_at(&path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    }
    let data_digest: [u8; 32] = hasher.clone().finalize().into();
    let verity = if let Some(layout) = sq.verity {
        progress.begin("dm-verity", None);
        let data = std::fs::File::open(&path).map_err(io_at(&path))?;
        let tree = verity::build(
            std::io::BufReader::with_capacity(1 << 20, data),
            image.size,
            &data_digest,
        )
        .map_err(io_at(&path))?;
        let separate = if layout == VerityLayout::Separate {
            let hash_file = cra_model::fileset::verity_hash_tree(&file);
            let hash_path = stage_dir.join(&hash_file);
            persist::write_atomic(&hash_path, &tree.hash_area, 0o644).map_err(io_at(&hash_path))?;
            Some(hash_file)
        } else {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(io_at(&path))?;
            verity::write(&tree, &mut f).map_err(io_at(&path))?;
            f.sync_all().map_err(io_at(&path))?;
            hasher.update(&tree.hash_area);
            None
        };
        let roothash = stage_dir.join(Documents::of(name.as_str()).roothash());
        persist::write_atomic(
            &roothash,
            format!("{}\n", to_hex(&tree.root_hash)).as_bytes(),
            0o644,
        )
        .map_err(io_at(&roothash))?;
        progress.end();
        Some((tree, separate))
    } else {
        None
    };
    let sha256 = hasher.finalize().into();
    Ok(SquashfsWritten {
        file,
        image,
        verity,
        sha256,
        compressor,
        block_size,
    })
}

fn sync_dir(dir: &Path) -> Result<(), ComposeError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_at(dir))
}

/// Where the image's source is: the clean commit of the repository the image names as its
/// source (`[image] source`, else the first app's package repository, as the OCI label), never
/// the clone's own remote, so every clone writes the same SBOM.
fn image_source_uri(
    recipe: &Recipe,
    apps: &[BuiltApp],
    source: Option<&cra_attest::evidence::source::GitSource>,
) -> Option<String> {
    let repository = image_source(recipe, apps)?;
    cra_attest::evidence::tr03183::source_uri(
        Some(&repository),
        source.and_then(|g| g.clean_commit()),
    )
}
