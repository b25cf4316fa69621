//! `cargo cra compose`: builds a recipe's apps with the `cargo cra build` pipeline, then hands
//! them to the composer library, which writes the image.

use crate::error::BuildError;
use crate::ops::build;
use crate::provenance::GitSource;
use crate::request::{BuildRequest, BuildSigning, Compilation, Features, Manifest, Selection};
use crate::source_date;
use crate::ui::Ui;
use cra_attest::evidence::slsa::BuildPlatform;
use cra_attest::sigstore::sign::Signer;
use cra_composer::compose::{ComposeOptions, ComposeReport, compose_tree};
use cra_composer::recipe::{Recipe, default_target};
use cra_composer::tree::{BuiltApp, RootFs};
use cra_model::input::InputFile;
use std::path::PathBuf;

/// `cargo cra compose` options.
#[derive(Debug, Clone)]
pub struct ComposeRequest {
    /// The recipe (TOML; every key: `cargo cra help recipe`, docs/reference/recipe.md).
    pub recipe: PathBuf,
    /// Parent directory of the image directory `<name>-<version>/`.
    pub out: PathBuf,
    /// Print one JSON object describing what was written, instead of lines for people.
    pub json: bool,
    /// Number of parallel jobs for the app builds (does not change the output bytes).
    pub jobs: Option<String>,
    /// Build the apps without accessing the network.
    pub offline: bool,
    /// Whether and how to sign the image.
    pub signing: BuildSigning,
    /// The audit gate the apps must pass before the image is written.
    pub audit: Option<crate::audit::Gate>,
    /// CRA warnings (no manufacturer, a 1970 date, running as root, …) are errors, before any
    /// app is built.
    pub deny_warnings: bool,
    /// Write the CRA documents (`cargo cra docs`) into the image directory's `cra/`, from the
    /// recipe's `[product]`; failing with `Strict` when Annex II or V items are missing.
    pub docs: Option<Docs>,
    /// Push the image (and its bundles as referrers) when it is written: to the reference
    /// given, else to the recipe's `[output.registry]`.
    pub push: Option<(Option<String>, crate::ops::push::PushOptions)>,
    /// SBOM formats written besides CycloneDX (for the image and its apps).
    pub sbom_formats: Vec<crate::request::SbomFormat>,
}

/// What `cargo cra compose` wrote, and where it pushed it.
#[derive(Debug, serde::Serialize)]
pub struct Composed {
    /// The image.
    #[serde(flatten)]
    pub image: ComposeReport,
    /// The push, with `--push`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pushed: Option<crate::ops::push::PushReport>,
}

/// `--docs`: how the CRA documents are written after the image.
#[derive(Debug, Clone, Copy, Default)]
pub struct Docs {
    /// As `cargo cra docs --strict`.
    pub strict: bool,
}

/// The SBOM formats besides CycloneDX: the recipe's and the command line's together.
fn sbom_formats(recipe: &Recipe, args: &ComposeRequest) -> Vec<crate::request::SbomFormat> {
    let mut formats: Vec<_> = recipe
        .output
        .sbom_formats
        .iter()
        .chain(&args.sbom_formats)
        .copied()
        .collect();
    formats.sort();
    formats.dedup();
    formats
}

/// The `cargo cra build` arguments that build `recipe.apps[i]`.
pub fn app_build_args(recipe: &Recipe, i: usize, args: &ComposeRequest) -> BuildRequest {
    let app = &recipe.apps[i];
    let target = app
        .target
        .clone()
        .or_else(|| default_target(&recipe.image.architecture).map(String::from));
    BuildRequest {
        selection: Selection {
            packages: vec![app.package.clone()],
            workspace: false,
            bins: vec![app.bin.clone()],
        },
        features: Features {
            features: app.features.clone(),
            ..Default::default()
        },
        compilation: Compilation {
            release: true,
            target,
            jobs: args.jobs.clone(),
            ..Default::default()
        },
        manifest: Manifest {
            manifest_path: Some(recipe.base_dir().join(&*app.path).join("Cargo.toml")),
            offline: args.offline,
            ..Default::default()
        },
        image_app: true,
        no_embed_deps: recipe.product.embed_deps == Some(false),
        sbom_formats: sbom_formats(recipe, args),
        deny_weak_binaries: recipe.image.deny_weak_binaries,
        ..Default::default()
    }
}

/// Why `cargo cra compose` stopped; each one line.
#[derive(Debug, thiserror::Error)]
pub enum ComposeCommandError {
    /// The recipe is unusable (its file, line and column are in the message).
    #[error(transparent)]
    Recipe(#[from] cra_composer::recipe::RecipeError),
    /// The image could not be composed.
    #[error(transparent)]
    Compose(#[from] cra_composer::error::ComposeError),
    /// An app's build (or the warnings, or the audit gate) stopped it.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The RAUC key's password, or signing the documents, failed.
    #[error(transparent)]
    Sign(#[from] crate::signing::SignError),
    /// The passed gate's record could not be written.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    /// The CRA documents could not be written.
    #[error(transparent)]
    Docs(#[from] crate::docs::DocsError),
    /// Where to push is unusable (checked before anything is built).
    #[error(transparent)]
    PushTarget(crate::ops::push::PushError),
    /// `--push` without a reference, and the recipe names no registry.
    #[error("--push without REF needs the recipe's [output.registry] repository")]
    NoRegistry,
    /// The image was written, but pushing it failed.
    #[error("the image is written; pushing it failed: {0}")]
    Push(#[from] crate::ops::push::PushError),
    /// An app's build linked a crate cargo-cra cannot account for.
    #[error(
        "building {package}: cannot account for every linked crate: {what}; no image was written"
    )]
    Unrecorded {
        /// The app's package.
        package: String,
        /// What could not be accounted for.
        what: String,
    },
    /// An app's binary was not among those built.
    #[error("building {package}: no binary named {bin} was built")]
    NoBinary {
        /// The app's package.
        package: String,
        /// The binary the recipe names.
        bin: String,
    },
    /// A file or directory of the compose itself (its cause follows in the error's chain).
    #[error("{what}")]
    Io {
        /// What it was.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl ComposeCommandError {
    /// The process exit code: an app build's own, the gate's, an unusable audit's 2, else 1.
    pub fn exit_code(&self) -> i32 {
        match self {
            ComposeCommandError::Build(e) => e.exit_code(),
            ComposeCommandError::Audit(e) => e.exit_code(),
            _ => 1,
        }
    }
}

type Result<T, E = ComposeCommandError> = std::result::Result<T, E>;

/// Composes the image `args.recipe` describes, signing with `signer` when given.
pub fn run(args: &ComposeRequest, signer: Option<&Signer>, ui: &dyn Ui) -> Result<Composed> {
    let started_on = cra_attest::evidence::slsa::now_rfc3339();
    let recipe = Recipe::load(&args.recipe)?;
    // Every recipe and source error before any build, the RAUC certificate's too.
    let mut fs = RootFs::check(&recipe)?;
    cra_composer::compose::deny_weak_files(&recipe, &fs)?;
    let base = recipe.base_dir();
    let (source_date_epoch, origin) = source_date::source_date_epoch(&base)?;
    let push = args
        .push
        .as_ref()
        .map(|(reference, options)| push_target(&recipe, reference.as_deref(), options))
        .transpose()?;
    let mut warnings = cra_composer::compose::warnings(&recipe);
    let place = format!("{} [product]", args.recipe.display());
    warnings.extend(crate::warnings::product_gaps(&place, &recipe.product));
    warnings.extend(origin.warning(&base));
    crate::warnings::emit(ui, &warnings, args.deny_warnings)?;
    let rauc_signer = recipe
        .output
        .rauc
        .as_ref()
        .map(|r| rauc_signer(&recipe, r, ui))
        .transpose()?;
    let mut apps = Vec::new();
    let mut app_vex = Vec::new();
    for (i, app) in recipe.apps.iter().enumerate() {
        let build_args = app_build_args(&recipe, i, args);
        let bin = build_args.selection.bins[0].clone();
        let reports = build::run(&build_args, None, ui).map_err(|e| match e {
            // The build's own wording names the SBOM; compose did not write an image.
            BuildError::CargoBuildFailed { code } => BuildError::AppBuildFailed {
                package: app.package.clone(),
                code,
            }
            .into(),
            BuildError::UnrecordedUnit(what) => ComposeCommandError::Unrecorded {
                package: app.package.clone(),
                what,
            },
            other => other.into(),
        })?;
        let report = reports
            .binaries
            .into_iter()
            .find(|r| r.name == bin)
            .ok_or_else(|| ComposeCommandError::NoBinary {
                package: app.package.clone(),
                bin: bin.clone(),
            })?;
        app_vex.extend(report.vex);
        apps.push(BuiltApp {
            binary: report.path,
            sbom: report.sbom,
            provenance: report.provenance,
            target: report.target,
            repository: report.repository,
        });
    }
    let mut gate_report = None;
    if let Some(gate) = &args.audit {
        // The image's crates are its apps' crates: gate them before anything is written.
        let sboms = apps.iter().map(|a| a.sbom.clone()).collect();
        // The recipe's and the apps' decisions first: those given on the command line win.
        let mut gate = gate.clone();
        let configured = (recipe.product.vex.iter().cloned().map(InputFile::from))
            .chain(app_vex.iter().cloned());
        gate.vex = crate::ops::build::dedup_keep_order(configured.chain(gate.vex).collect());
        let report = gate
            .check(sboms)
            .map_err(|e| BuildError::AuditGate(Box::new(e)))?;
        for w in &report.warnings {
            ui.warning(w);
        }
        gate_report = Some(report);
    }
    let source = GitSource::detect(&base);
    let platform = BuildPlatform::detect(|k| std::env::var(k).ok());
    let out_dir = std::path::absolute(&args.out).map_err(|source| ComposeCommandError::Io {
        what: format!("output directory {}", args.out.display()),
        source,
    })?;
    let options = ComposeOptions {
        out_dir,
        source_date_epoch,
        source,
        platform,
        invocation_id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        started_on,
        signer,
        rauc_signer: rauc_signer.as_ref(),
        sbom_formats: sbom_formats(&recipe, args),
    };
    fs.fill_apps(&apps)?;
    let mut report = compose_tree(&recipe, &fs, &apps, &options, ui)?;
    // The gate that passed leaves its record beside the image (Annex VII 6 for docs).
    if let Some(gate) = &gate_report {
        let docs = cra_model::fileset::Documents::of(recipe.image.name.as_str());
        crate::audit::write_report(gate, &report.dir.join(docs.audit_report()))?;
    }
    if let Some(docs) = args.docs {
        let written = write_docs(&recipe, &report.dir, docs, signer)?;
        report.warnings.extend(written.warnings);
        report.docs = Some(written.out);
    }
    let pushed = match &push {
        Some(target) => Some(crate::ops::push::run(
            &crate::ops::push::PushRequest {
                image: report.dir.clone(),
                target: target.clone(),
            },
            ui,
        )?),
        None => None,
    };
    Ok(Composed {
        image: report,
        pushed,
    })
}

/// Where `--push` goes: the reference given, else the recipe's `[output.registry]` (its tags
/// added), checked before anything is built; a bad recipe value is located in the recipe.
fn push_target(
    recipe: &Recipe,
    reference: Option<&str>,
    options: &crate::ops::push::PushOptions,
) -> Result<crate::ops::push::PushTarget> {
    let mut options = options.clone();
    let Some(reference) = reference else {
        let registry = recipe
            .output
            .registry
            .as_ref()
            .ok_or(ComposeCommandError::NoRegistry)?;
        options
            .tags
            .extend(registry.tags.iter().map(|t| t.as_str().to_string()));
        return options.target(registry.repository.as_str()).map_err(|e| {
            recipe
                .error_at(registry.repository.span(), format!("[output.registry] {e}"))
                .into()
        });
    };
    options
        .target(reference)
        .map_err(ComposeCommandError::PushTarget)
}

/// The `[output.rauc]` signer: certificate, key and chain read (bounded) relative to the
/// recipe, and checked for signing now; each problem one line at the recipe key.
fn rauc_signer(
    recipe: &Recipe,
    r: &cra_composer::recipe::RaucOutput,
    ui: &dyn Ui,
) -> Result<cra_attest::cms::CmsSigner> {
    let base = recipe.base_dir();
    let read = |at: &cra_composer::recipe::At<String>, what: &'static str| {
        cra_model::input::read_text_limited(
            &base.join(at.as_str()),
            cra_model::input::KEY_MAX,
            what,
        )
        .map_err(|e| recipe.error_at(at.span(), format!("[output.rauc] {what}: {e}")))
    };
    let cert = read(&r.cert, "certificate")?;
    let key = read(&r.key, "key")?;
    let chain = r
        .intermediates
        .iter()
        .map(|i| read(i, "intermediate certificate"))
        .collect::<Result<Vec<_>, _>>()?;
    // An encrypted key asks for its password as the cosign keys do (CRA_PASSWORD first).
    let password = match cra_attest::cms::is_encrypted(&key) {
        true => Some(crate::signing::password(false, ui)?),
        false => None,
    };
    let signer = cra_attest::cms::CmsSigner::from_pem(
        &cert,
        &key,
        &chain,
        password.as_ref().map(|p| p.as_bytes()),
    )
    .map_err(|e| recipe.error_at(r.cert.span(), format!("[output.rauc] {e}")))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    signer
        .check(now)
        .map_err(|e| recipe.error_at(r.cert.span(), format!("[output.rauc] {e}")))?;
    Ok(signer)
}

/// The image's CRA documents, from its recipe's `[product]`; the evidence's signatures are
/// re-verified with the signing key's public key (a keyless signer's identity is not known
/// here: the report says they were not verified).
fn write_docs(
    recipe: &Recipe,
    dir: &std::path::Path,
    docs: Docs,
    signer: Option<&Signer>,
) -> Result<crate::docs::DocsReport> {
    let public = match signer {
        Some(Signer::Key(k)) => {
            let io = |source| ComposeCommandError::Io {
                what: "temporary public key".into(),
                source,
            };
            let mut f = tempfile::NamedTempFile::new().map_err(io)?;
            std::io::Write::write_all(&mut f, k.public_key().to_pem().as_bytes()).map_err(io)?;
            Some(f)
        }
        _ => None,
    };
    let request = crate::docs::DocsRequest {
        dir: dir.to_path_buf(),
        strict: docs.strict,
        product: Some(recipe.product.clone()),
        trust: public.as_ref().map(|f| crate::verifying::TrustOptions {
            key: Some(f.path().to_path_buf()),
            certificate_identity: None,
            certificate_identity_regexp: None,
            certificate_oidc_issuer: None,
            certificate_oidc_issuer_regexp: None,
            trusted_root: None,
            keyring: None,
        }),
        ..Default::default()
    };
    Ok(crate::ops::docs::run(&request, signer)?)
}
