//! `cargo cra build`: a reproducible `cargo build`, then for every binary a copy and its
//! CycloneDX SBOM under `<target-dir>/cra/<target>/<profile>/`.

use crate::cargo::{self, RunningBuild};
use crate::config::{self, ProductConfig};
use crate::crate_cache::{self, Wanted};
use crate::cross::{self, CrossSetup};
use crate::error::BuildError;
use crate::linked::{self, BuildPackages, LinkedGraph, Records};
use crate::lockfile::LockFile;
use crate::provenance::{self, CompiledCrate, GitSource, ProvenanceInput, Request};
use crate::repro::{self, Remap};
use crate::request::BuildRequest;
use crate::sbom::{SbomInput, sbom};
use crate::signing;
use crate::source_date;
use crate::toolchain::{Toolchain, target_dir_name};
use crate::ui::Ui;
use crate::units::PackageFacts;
use crate::wrapper::WrapperState;
use cargo_metadata::{Artifact, Metadata, TargetKind};
use cra_attest::digest::Digests;
use cra_attest::evidence::intoto::{Statement, Subject};
use cra_attest::evidence::slsa::BuildPlatform;
use cra_attest::persist;
use cra_attest::sigstore::sign::Signer;
use cra_model::fileset::{self, Documents};
use cra_model::input::InputFile;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The directory under `<target-dir>/cra/` that cargo-cra's builds use as cargo's target
/// directory (intermediate artefacts and unit records), beside `<target>/<profile>/` outputs.
pub(crate) const BUILD_DIR_NAME: &str = "cargo-target";

/// What `cargo cra build` wrote for one binary.
#[derive(Debug, Clone, Serialize)]
pub struct BinaryReport {
    /// Always `cra-binary` (so the JSON lines can be told apart from other messages).
    pub reason: &'static str,
    /// The binary target's name.
    pub name: String,
    /// Its package.
    pub package: String,
    /// Target triple.
    pub target: String,
    /// Profile directory (`debug`, `release`, ...).
    pub profile: String,
    /// The copy of the binary.
    pub path: PathBuf,
    /// SHA-256 (hex) of the binary.
    pub sha256: String,
    /// The SBOM.
    pub sbom: PathBuf,
    /// Number of components (linked crates) in the SBOM.
    pub components: usize,
    /// The unsigned SLSA provenance statement.
    pub provenance: PathBuf,
    /// The package's declared `repository`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// With `--sign`: the bundles written (binary signature, SBOM attestation, provenance
    /// attestation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<PathBuf>,
    /// The binary's exploitation mitigations, as its ELF headers say them.
    pub hardening: Option<cra_composer::hardening::Mitigations>,
    /// The OpenVEX documents the package's `vex` key names (the manufacturer's decisions
    /// `--audit` and `cargo cra audit` apply).
    #[serde(skip)]
    pub vex: Vec<InputFile>,
}

/// Facts gathered before and during the build that the SBOM step needs.
struct Plan {
    workspace_root: PathBuf,
    lock_file: PathBuf,
    lock: LockFile,
    target: String,
    toolchain: Toolchain,
    /// Where cargo builds: `<target-dir>/cra/cargo-target`, apart from plain `cargo build`'s
    /// artefacts, so that switching between the two never forces a rebuild.
    build_dir: PathBuf,
    /// The user's target directory (outputs go under its `cra/`).
    target_dir: PathBuf,
    /// Product configuration of each workspace member, by manifest directory.
    configs: HashMap<PathBuf, ProductConfig>,
    /// Each workspace member's package facts as its manifest says them now (cargo does not
    /// recompile a unit when, say, only its licence changed, so its record may be older).
    members: HashMap<PathBuf, PackageFacts>,
    timestamp: String,
    /// `SOURCE_DATE_EPOCH` for the build and its documents.
    source_date_epoch: i64,
    /// `--unlocked`: cargo may rewrite the lock file during the build.
    unlocked: bool,
    /// `--deny-warnings`: warnings found after the build (an unverifiable vendored copy) fail it.
    deny_warnings: bool,
    /// Whether cargo-cra created the lock file for this build (it is then not in the commit).
    lock_generated: bool,
    /// `--no-embed-deps`: no dependency list in the binaries.
    no_embed_deps: bool,
    /// `--sbom-format`: the SPDX SBOMs written beside each CycloneDX one.
    sbom_formats: Vec<crate::request::SbomFormat>,
    /// `--deny-weak-binaries`: a binary lacking a mitigation stops the build before any output.
    deny_weak_binaries: bool,
}

/// Phase durations, said through the [`Ui`] when `CARGO_CRA_TIMINGS` is set.
struct Timings {
    start: Instant,
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn new() -> Self {
        let now = Instant::now();
        Timings {
            start: now,
            last: now,
            phases: Vec::new(),
        }
    }

    fn phase(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push((name, now - self.last));
        self.last = now;
    }

    fn report(&self, ui: &dyn Ui) {
        if std::env::var_os("CARGO_CRA_TIMINGS").is_some() {
            for (name, d) in &self.phases {
                ui.note(&format!(
                    "cargo-cra timing: {name:<28} {:>8.1} ms",
                    d.as_secs_f64() * 1e3
                ));
            }
            ui.note(&format!(
                "cargo-cra timing: {:<28} {:>8.1} ms",
                "total",
                self.start.elapsed().as_secs_f64() * 1e3
            ));
        }
    }
}

/// What the provenance and signatures of every binary share.
struct Attestation<'a> {
    signer: Option<&'a Signer>,
    request: Request,
    rustflags: Vec<crate::rustflags::RustflagsSource>,
    source: Option<GitSource>,
    lock: Digests,
    remaps: Vec<Remap>,
    platform: BuildPlatform,
    invocation_id: String,
    started_on: String,
    finished_on: String,
}

/// What a build wrote, and where its records are.
#[derive(Debug, Clone)]
pub struct Built {
    /// Each binary with its documents.
    pub binaries: Vec<BinaryReport>,
    /// The workspace's `Cargo.lock`.
    pub lock_file: PathBuf,
    /// The build directory, where the unit records are.
    build_dir: PathBuf,
    /// The target built for.
    target: String,
}

impl Built {
    /// The crates the build compiled, from its unit records: `(name, version, for_target)`.
    /// Read on demand (the audit needs them; a build does not).
    pub fn compiled(&self) -> Vec<(String, String, bool)> {
        crate::units::compiled_crates(&self.build_dir, &self.target)
    }
}

/// Builds as `args` says and writes binaries, SBOMs and provenance, each signed with `signer`
/// when given; returns what was written.
pub fn run(args: &BuildRequest, signer: Option<&Signer>, ui: &dyn Ui) -> Result<Built, BuildError> {
    let started_on = cra_attest::evidence::slsa::now_rfc3339();
    let mut timings = Timings::new();
    let plan = plan(args, ui)?;
    timings.phase("pre-flight");

    let remaps = repro::remaps(
        &plan.workspace_root,
        &plan.target_dir,
        home::cargo_home().ok().as_deref(),
        &plan.toolchain.sysroot,
        &plan.toolchain.commit_hash,
    );
    let self_exe = std::env::current_exe().map_err(|e| BuildError::io("current executable", e))?;
    prepare_build_dir(&plan.build_dir, BUILD_DIR_FORMAT)?;
    let tools = plan.build_dir.join("cra-tools");
    let mut env: Vec<(String, OsString)> = WrapperState::new(&remaps)
        .install(&tools, &self_exe)
        .map_err(|e| BuildError::io(&tools, e))?;
    env.extend(
        repro::c_flags_env(&plan.target, &remaps)
            .into_iter()
            .map(|(k, v)| (k, v.into())),
    );
    let cross = cross::setup(&plan.toolchain, &plan.target, &plan.lock, &tools, &self_exe)?;
    env.extend(cross.env.iter().cloned());
    env.push(("CARGO_TARGET_DIR".into(), plan.build_dir.clone().into()));
    // Intermediate artefacts beside the final ones, where the unit records are looked up,
    // whatever `build.build-dir` the user configured.
    env.push((
        "CARGO_BUILD_BUILD_DIR".into(),
        plan.build_dir.clone().into(),
    ));
    env.push((
        "SOURCE_DATE_EPOCH".into(),
        plan.source_date_epoch.to_string().into(),
    ));

    let build = RunningBuild::spawn(&args.cargo_build_args(&plan.target), &env, ui)?;
    let artifacts = build.finish(&plan.lock_file)?;
    timings.phase("cargo build");
    let attestation = Attestation {
        signer,
        request: request(args, &plan.target),
        rustflags: crate::rustflags::sources(
            &std::env::current_dir().map_err(|e| BuildError::io("current directory", e))?,
            &plan.workspace_root,
            home::cargo_home().ok().as_deref(),
            &plan.target,
            |k| std::env::var(k).ok(),
        ),
        // A lock file created for this build is not in the commit.
        source: GitSource::detect(&plan.workspace_root).map(|mut g| {
            g.dirty |= plan.lock_generated;
            g
        }),
        lock: if plan.lock_file.is_file() {
            Digests::of_file(&plan.lock_file).map_err(|e| BuildError::io(&plan.lock_file, e))?
        } else {
            Digests::of_bytes(b"")
        },
        remaps,
        platform: BuildPlatform::detect(|k| std::env::var(k).ok()),
        invocation_id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        started_on,
        finished_on: cra_attest::evidence::slsa::now_rfc3339(),
    };
    let binaries = write_outputs(
        &plan,
        &artifacts,
        &attestation,
        &cross,
        args.audit.as_ref(),
        ui,
    )?;
    timings.phase("SBOMs, provenance, copies");
    timings.report(ui);
    Ok(Built {
        binaries,
        lock_file: plan.lock_file,
        build_dir: plan.build_dir,
        target: plan.target,
    })
}

fn plan(args: &BuildRequest, ui: &dyn Ui) -> Result<Plan, BuildError> {
    let (workspace, toolchain) = std::thread::scope(|s| {
        let toolchain = s.spawn(|| Toolchain::detect(Path::new(".")));
        let workspace = cargo::workspace(args);
        (
            workspace,
            toolchain.join().expect("rustc query thread panicked"),
        )
    });
    let workspace = workspace?;
    let toolchain = toolchain?;
    let workspace_root = workspace.workspace_root.clone().into_std_path_buf();
    let lock_file = workspace_root.join("Cargo.lock");
    let mut warnings = Vec::new();
    let lock_generated = !lock_file.is_file() && !args.manifest.unlocked;
    let lock = if lock_file.is_file() {
        LockFile::read(&lock_file)?
    } else if args.manifest.unlocked {
        LockFile::default()
    } else if args.manifest.locked || args.manifest.frozen || args.deny_warnings {
        return Err(BuildError::MissingLockFile(lock_file));
    } else {
        // As cargo does on a first build; the release that follows must commit it.
        cargo::generate_lockfile(args)?;
        warnings.push(format!(
            "{}: created, as cargo does on a first build; commit it (reproducible builds need it; --locked refuses to create it)",
            lock_file.display()
        ));
        LockFile::read(&lock_file)?
    };
    check_selection(args, &workspace, &lock)?;
    let ws_manifest = workspace_root.join("Cargo.toml");
    let mut configs = HashMap::new();
    let mut members = HashMap::new();
    for pkg in workspace.workspace_packages() {
        let facts = member_facts(pkg);
        configs.insert(
            facts.manifest_dir.clone(),
            config::for_package(pkg.manifest_path.as_std_path(), &ws_manifest)?,
        );
        members.insert(facts.manifest_dir.clone(), facts);
    }
    let target = args
        .compilation
        .target
        .clone()
        .or_else(|| {
            std::env::var("CARGO_BUILD_TARGET")
                .ok()
                .filter(|t| !t.is_empty())
        })
        .unwrap_or_else(|| toolchain.host.clone());
    let (source_date_epoch, origin) = source_date::source_date_epoch(&workspace_root)?;
    if !args.image_app {
        for pkg in shipped_packages(args, &workspace) {
            let dir = pkg.manifest_path.parent().map(|d| d.as_std_path());
            if let Some(product) = dir.and_then(|d| configs.get(d)) {
                let place = format!("package {} ([package.metadata.cra])", pkg.name);
                warnings.extend(crate::warnings::product_gaps(&place, product));
            }
        }
        warnings.extend(origin.warning(&workspace_root));
    }
    crate::warnings::emit(ui, &warnings, args.deny_warnings)?;
    let target_dir = workspace.target_directory.clone().into_std_path_buf();
    Ok(Plan {
        build_dir: target_dir.join("cra").join(BUILD_DIR_NAME),
        target_dir,
        workspace_root,
        lock_file,
        lock,
        target,
        toolchain,
        configs,
        members,
        timestamp: source_date::rfc3339(source_date_epoch),
        source_date_epoch,
        unlocked: args.manifest.unlocked,
        deny_warnings: args.deny_warnings,
        no_embed_deps: args.no_embed_deps,
        sbom_formats: args.sbom_formats.clone(),
        deny_weak_binaries: args.deny_weak_binaries,
        lock_generated,
    })
}

/// The members whose binaries this build ships, as cargo selects them: those `-p` names, all
/// with `--workspace`, else the member whose directory cargo starts from (`--manifest-path`,
/// else the current directory's manifest), else the default members; only packages with a
/// binary target.
fn shipped_packages<'a>(
    args: &BuildRequest,
    workspace: &'a cargo_metadata::Metadata,
) -> Vec<&'a cargo_metadata::Package> {
    let named = selected_names(args);
    let members = workspace.workspace_packages();
    let with_bins = |p: &&cargo_metadata::Package| p.targets.iter().any(|t| t.is_bin());
    let dir_of = |p: &cargo_metadata::Package| {
        p.manifest_path
            .parent()
            .and_then(|d| d.as_std_path().canonicalize().ok())
    };
    let start = match &args.manifest.manifest_path {
        Some(m) => m.parent().map(Path::to_path_buf),
        None => std::env::current_dir().ok(),
    }
    .and_then(|d| d.canonicalize().ok());
    // The member containing the starting directory, the innermost if nested.
    let here = start.as_ref().and_then(|start| {
        members
            .iter()
            .filter(|p| dir_of(p).is_some_and(|d| start.starts_with(&d)))
            .max_by_key(|p| dir_of(p).map(|d| d.components().count()))
            .copied()
    });
    let chosen: Vec<&cargo_metadata::Package> = match (named.is_empty(), args.selection.workspace) {
        (false, _) => members
            .into_iter()
            .filter(|p| named.contains(&p.name.as_str()))
            .collect(),
        (true, true) => members,
        (true, false) => match here {
            Some(p) => vec![p],
            None if workspace.workspace_default_members.is_available() => {
                workspace.workspace_default_packages()
            }
            None => members,
        },
    };
    chosen.into_iter().filter(with_bins).collect()
}

/// A workspace member's facts from `cargo metadata --no-deps` (inherited fields resolved).
fn member_facts(pkg: &cargo_metadata::Package) -> PackageFacts {
    PackageFacts {
        name: pkg.name.to_string(),
        version: pkg.version.to_string(),
        manifest_dir: pkg
            .manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
            .unwrap_or_default(),
        description: pkg.description.clone().filter(|d| !d.trim().is_empty()),
        authors: pkg.authors.clone(),
        license: pkg.license.clone(),
        license_file: pkg.license_file.as_ref().map(|f| f.to_string()),
        repository: pkg.repository.clone(),
        homepage: pkg.homepage.clone(),
        documentation: pkg.documentation.clone(),
    }
}

/// The package names the `-p` specs name (URL-style specs left out).
fn selected_names(args: &BuildRequest) -> Vec<&str> {
    args.selection
        .packages
        .iter()
        .filter_map(|p| spec_name(p))
        .collect()
}

/// The package name a `-p` spec names (`name`, `name@version`, `name:version`), or `None` for
/// URL-style specs, which are left to cargo.
fn spec_name(spec: &str) -> Option<&str> {
    (!spec.contains("://")).then(|| spec.split(['@', ':']).next().unwrap_or(spec))
}

/// Clear errors for `-p`/`--bin` values that name nothing, before cargo runs: packages must be
/// workspace members or in Cargo.lock; binaries must belong to the selected members.
fn check_selection(
    args: &BuildRequest,
    workspace: &Metadata,
    lock: &LockFile,
) -> Result<(), BuildError> {
    let members = workspace.workspace_packages();
    let names = selected_names(args);
    for (spec, name) in args.selection.packages.iter().zip(&names) {
        if !lock.has_package(name) && !members.iter().any(|p| p.name.as_str() == *name) {
            return Err(BuildError::UnknownPackage(spec.clone()));
        }
    }
    if args.selection.bins.is_empty() {
        return Ok(());
    }
    let selected: Vec<_> = if args.selection.packages.is_empty() || args.selection.workspace {
        members
    } else {
        members
            .into_iter()
            .filter(|p| names.contains(&p.name.as_str()))
            .collect()
    };
    let bins: BTreeSet<&str> = selected
        .iter()
        .flat_map(|p| p.targets.iter())
        .filter(|t| t.kind.contains(&TargetKind::Bin))
        .map(|t| t.name.as_str())
        .collect();
    for b in &args.selection.bins {
        if !bins.contains(b.as_str()) {
            let available = if bins.is_empty() {
                "none".into()
            } else {
                bins.iter().copied().collect::<Vec<_>>().join(", ")
            };
            return Err(BuildError::UnknownBinary {
                name: b.clone(),
                available,
            });
        }
    }
    Ok(())
}

/// Whether `artifact` was compiled for the target (not for the host).
fn for_target(artifact: &Artifact, target_root: &Path) -> bool {
    artifact
        .filenames
        .iter()
        .any(|f| f.as_std_path().starts_with(target_root))
}

/// `externalParameters` of the provenance: what the user asked for.
fn request(args: &BuildRequest, target: &str) -> Request {
    let profile = match (&args.compilation.profile, args.compilation.release) {
        (Some(p), _) => p.clone(),
        (None, true) => "release".into(),
        (None, false) => "dev".into(),
    };
    Request {
        packages: args.selection.packages.clone(),
        bins: args.selection.bins.clone(),
        features: args.features.features.clone(),
        all_features: args.features.all_features,
        no_default_features: args.features.no_default_features,
        profile,
        target: target.to_string(),
        locked: !args.manifest.unlocked,
    }
}

/// Every crate cargo compiled for the build (for the target or the host), sorted; a modified
/// vendored copy named as the SBOM names it (by its directory, without the archive's checksum).
fn compiled_crates(
    artifacts: &[Artifact],
    plan: &Plan,
    lock: &LockFile,
    packages: &BuildPackages<'_>,
) -> Result<Vec<CompiledCrate>, BuildError> {
    let mut crates: BTreeSet<CompiledCrate> = BTreeSet::new();
    for a in artifacts {
        let Some((name, version)) = linked::package_id_name_version(&a.package_id.repr) else {
            continue;
        };
        let source = lock.source_of(
            &name,
            &version,
            linked::package_id_source(&a.package_id.repr),
        );
        let manifest_dir = a
            .manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
            .unwrap_or_default();
        let package = (name.as_str(), version.as_str(), manifest_dir.as_path());
        let modified = matches!(
            packages.vendored(package, source.as_deref())?,
            Some(crate::vendored::Vendored::Modified(_))
        );
        let source = source.filter(|_| !modified);
        let sha256 = source
            .as_deref()
            .and_then(|s| lock.checksum(&name, &version, s))
            .map(str::to_string);
        crates.insert(CompiledCrate {
            purl: crate::sbom::purl(
                &name,
                &version,
                source.as_deref(),
                &manifest_dir,
                &plan.workspace_root,
            ),
            name,
            sha256,
        });
    }
    Ok(crates.into_iter().collect())
}

/// Makes sure cargo-cra's build directory holds unit records for every unit cargo may find
/// fresh: a directory whose stamp is not `stamp` (made by an older cargo-cra, say) is emptied
/// first, so every unit is compiled through the wrapper once. (Records name paths through the
/// build's remaps, so a moved checkout or a target directory shared by workspaces keeps them.)
fn prepare_build_dir(build_dir: &Path, stamp: &str) -> Result<(), BuildError> {
    let stamp_file = build_dir.join(BUILD_DIR_STAMP);
    if std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    if build_dir.exists() {
        std::fs::remove_dir_all(build_dir).map_err(|e| BuildError::io(build_dir, e))?;
    }
    std::fs::create_dir_all(build_dir).map_err(|e| BuildError::io(build_dir, e))?;
    std::fs::write(&stamp_file, stamp).map_err(|e| BuildError::io(&stamp_file, e))
}

/// The SHA-512s of verified `.crate` archives, by SHA-256, in the build directory.
const ARCHIVE_DIGESTS: &str = ".cargo-cra-archive-sha512.json";

/// The stamp file in the build directory, and the record format it names.
const BUILD_DIR_STAMP: &str = ".cargo-cra-format";
const BUILD_DIR_FORMAT: &str = "unit-records-v2\n";

fn write_outputs(
    plan: &Plan,
    artifacts: &[Artifact],
    attestation: &Attestation<'_>,
    cross: &CrossSetup,
    gate: Option<&crate::audit::Gate>,
    ui: &dyn Ui,
) -> Result<Vec<BinaryReport>, BuildError> {
    // With --unlocked, cargo may have just written or changed the lock file.
    let reread;
    let lock = if plan.unlocked {
        reread = LockFile::read(&plan.lock_file)?;
        &reread
    } else {
        &plan.lock
    };
    let packages = BuildPackages::new(artifacts, lock);
    let graphs = linked_graphs(plan, artifacts, &packages, &attestation.remaps)?;
    crate::warnings::emit(ui, &unverified_copies(&graphs), plan.deny_warnings).map_err(
        |e| match e {
            BuildError::DeniedWarnings(n) => BuildError::DeniedLateWarnings(n),
            e => e,
        },
    )?;
    if let Some(gate) = gate {
        audit_linked(gate, plan, &graphs, ui)?;
    }
    let hardening = hardening_of(plan, &graphs)?;
    // Copying (and hashing) the binaries and hashing the crate archives are independent.
    let memo = plan.build_dir.join(ARCHIVE_DIGESTS);
    let (archives, copies) = std::thread::scope(|s| {
        let archives = s.spawn(|| verified_archives(lock, graphs.iter().map(|(_, g)| g), &memo));
        let copies = graphs
            .iter()
            .map(|(bin, graph)| copy_binary(plan, bin, graph))
            .collect::<Result<Vec<_>, _>>();
        (archives.join().expect("hashing thread panicked"), copies)
    });
    let shared = Shared {
        plan,
        lock,
        archives: &archives,
        crates: compiled_crates(artifacts, plan, lock, &packages)?,
        attestation,
        cross,
    };
    graphs
        .iter()
        .zip(copies?)
        .zip(hardening)
        .map(|(((bin, graph), mut copy), hardening)| {
            copy.hardening = hardening;
            write_binary_documents(&shared, bin, graph, copy)
        })
        .collect()
}

/// Each binary's exploitation mitigations, read from what cargo linked (the list written into
/// the shipped copy changes no header they are read from); with `--deny-weak-binaries`, one
/// lacking any stops the build here, before anything is copied or written.
fn hardening_of(
    plan: &Plan,
    graphs: &[(&Artifact, LinkedGraph)],
) -> Result<Vec<Option<cra_composer::hardening::Mitigations>>, BuildError> {
    let mut out = Vec::new();
    for (bin, _) in graphs {
        let exe = bin.executable.as_ref().expect("filtered on executable");
        let bytes = std::fs::read(exe).map_err(|e| BuildError::io(exe.as_std_path(), e))?;
        let mitigations = cra_composer::hardening::Mitigations::of(&bytes).ok();
        let weak = match mitigations {
            Some(m) => m.weaknesses(),
            None => vec!["ELF headers that cannot be read"],
        };
        if plan.deny_weak_binaries && !weak.is_empty() {
            return Err(BuildError::WeakBinary {
                binary: bin.target.name.clone(),
                weaknesses: weak.join(", "),
            });
        }
        out.push(mitigations);
    }
    Ok(out)
}

/// An unsigned build rewrote the binary's SBOM and provenance: the bundles an earlier signed
/// build left beside them no longer match and are removed, so that outputs and signatures
/// never disagree on disk.
fn remove_stale_bundles(binary: &Path, docs: &Documents) -> Result<(), BuildError> {
    let name = binary.file_name().map(|n| n.to_string_lossy().into_owned());
    let stale = [
        name.map(|n| cra_model::fileset::signature_bundle(&n)),
        Some(docs.sbom_bundle()),
        Some(docs.spdx23_bundle()),
        Some(docs.spdx3_bundle()),
        Some(docs.provenance_bundle()),
    ];
    for file in stale.into_iter().flatten() {
        remove_if_there(&binary.with_file_name(file))?;
    }
    Ok(())
}

/// Removes the file at `path`, if there is one (an earlier build's output this one does not
/// write, which would otherwise disagree with it).
fn remove_if_there(path: &Path) -> Result<(), BuildError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BuildError::io(path, e)),
        _ => Ok(()),
    }
}

/// A warning for each linked vendored copy that could not be compared with its archive.
fn unverified_copies(graphs: &[(&Artifact, LinkedGraph)]) -> Vec<String> {
    let mut names: Vec<String> = graphs
        .iter()
        .flat_map(|(_, g)| g.crates.values())
        .filter(|c| c.vendored == Some(crate::vendored::Vendored::Unverified))
        .map(|c| format!("{} {}", c.facts.name, c.facts.version))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            format!(
                "vendored {n}: no archive of the locked version to compare the copy with (only its own .cargo-checksum.json), so the SBOM gives it no archive hash; keep the .crate archives in $CARGO_HOME/registry/cache where vendored builds run"
            )
        })
        .collect()
}

/// `--audit`: the linked crates of every binary pass the audit gate before any output (copy,
/// SBOM, provenance, signature) is written.
fn audit_linked(
    gate: &crate::audit::Gate,
    plan: &Plan,
    graphs: &[(&Artifact, LinkedGraph)],
    ui: &dyn Ui,
) -> Result<(), BuildError> {
    // The packages' own decisions first: those given on the command line come later and win.
    let mut gate = gate.clone();
    let configured = graphs
        .iter()
        .filter_map(|(_, g)| plan.configs.get(&g.root))
        .flat_map(|c| c.vex.iter().cloned().map(InputFile::from));
    gate.vex = dedup_keep_order(configured.chain(gate.vex).collect());
    let binaries = graphs
        .iter()
        .map(|(bin, graph)| {
            let crates = graph
                .dependencies()
                .map(|k| {
                    let info = graph.crate_info(k);
                    crate::audit::LinkedCrate {
                        name: info.facts.name.clone(),
                        version: info.facts.version.clone(),
                        crates_io: crate::sbom::is_crates_io(info.source.as_deref()),
                    }
                })
                .collect();
            crate::audit::LinkedBinary {
                name: bin.target.name.clone(),
                target: plan.target.clone(),
                crates,
            }
        })
        .collect();
    let report = gate
        .check_linked(binaries)
        .map_err(|e| BuildError::AuditGate(Box::new(e)))?;
    for w in &report.warnings {
        ui.warning(w);
    }
    Ok(())
}

/// What every binary's documents are made from, beside the binary and its graph.
struct Shared<'a> {
    plan: &'a Plan,
    lock: &'a LockFile,
    archives: &'a HashMap<PathBuf, String>,
    crates: Vec<CompiledCrate>,
    attestation: &'a Attestation<'a>,
    cross: &'a CrossSetup,
}

/// Each binary cargo built for the target, with the crates linked into it.
fn linked_graphs<'a>(
    plan: &Plan,
    artifacts: &'a [Artifact],
    packages: &BuildPackages<'_>,
    remaps: &[Remap],
) -> Result<Vec<(&'a Artifact, LinkedGraph)>, BuildError> {
    let target_root = plan.build_dir.join(target_dir_name(&plan.target));
    let mut records = Records::new(remaps);
    artifacts
        .iter()
        .filter(|a| a.target.kind.contains(&TargetKind::Bin) && for_target(a, &target_root))
        .filter_map(|a| Some((a, a.executable.as_ref()?)))
        .map(|(bin, exe)| {
            let record = linked::binary_record(exe.as_std_path(), &bin.target.name)?;
            let mut graph = linked::linked(bin, &record, packages, &mut records)?;
            graph.refresh_facts(&plan.members);
            Ok((bin, graph))
        })
        .collect()
}

/// The SBOM, provenance and (with a signer) bundles of one copied binary.
fn write_binary_documents(
    shared: &Shared<'_>,
    bin: &Artifact,
    graph: &LinkedGraph,
    copy: CopiedBinary,
) -> Result<BinaryReport, BuildError> {
    let (plan, attestation) = (shared.plan, shared.attestation);
    let docs = Documents::of(&bin.target.name);
    let out = |name: String| copy.path.with_file_name(name);
    let config = plan.configs.get(&graph.root).cloned().unwrap_or_default();
    let bom = sbom(&SbomInput {
        graph,
        bin_name: &bin.target.name,
        bin_file_name: &copy.file_name,
        bin_digests: &copy.digests,
        workspace_root: &plan.workspace_root,
        lock: shared.lock,
        archives: shared.archives,
        config: &config,
        timestamp: plan.timestamp.clone(),
        toolchain: &plan.toolchain,
        cross: shared.cross,
        target: &plan.target,
        profile: &copy.profile,
        dependency_list: copy.dependency_list.clone(),
        hardening: copy.hardening.map(|m| m.properties()).unwrap_or_default(),
        commit: attestation
            .source
            .as_ref()
            .and_then(|g| g.clean_commit())
            .map(str::to_string),
    });
    let sbom_out = out(docs.sbom());
    let sbom_json = bom.to_json_pretty();
    persist::write_atomic(&sbom_out, &sbom_json, 0o644)
        .map_err(|e| BuildError::io(&sbom_out, e))?;
    let mut others = Vec::new();
    for format in crate::request::SbomFormat::ALL {
        let path = out(format.file(&docs));
        match plan.sbom_formats.contains(&format) {
            true => {
                let json = format.write(&bom, env!("CARGO_PKG_VERSION"));
                persist::write_atomic(&path, &json, 0o644).map_err(|e| BuildError::io(&path, e))?;
                others.push((format, json));
            }
            false => {
                remove_if_there(&path)?;
                remove_if_there(&out(format.bundle(&docs)))?;
            }
        }
    }

    let subject = Subject::new(&copy.file_name, &copy.digests);
    let root = &graph.crate_info(&graph.root).facts;
    let provenance = provenance::statement(&ProvenanceInput {
        subject: subject.clone(),
        package: &root.name,
        bin: &bin.target.name,
        compiled_features: &bin.features,
        request: &attestation.request,
        source: attestation.source.as_ref(),
        lock: &attestation.lock,
        toolchain: &plan.toolchain,
        cross: shared.cross,
        source_date_epoch: plan.source_date_epoch,
        remaps: &attestation.remaps,
        rustflags: &attestation.rustflags,
        crates: &shared.crates,
        platform: &attestation.platform,
        local_invocation_id: &attestation.invocation_id,
        started_on: &attestation.started_on,
        finished_on: &attestation.finished_on,
    });
    let provenance_out = out(docs.provenance());
    persist::write_atomic(&provenance_out, &provenance.to_json_pretty(), 0o644)
        .map_err(|e| BuildError::io(&provenance_out, e))?;

    let bundles = match attestation.signer {
        Some(key) => {
            let documents = SignedDocuments {
                sbom: &sbom_json,
                others: &others,
                provenance: &provenance,
            };
            sign_binary(key, &copy.path, &subject, &documents, out)?
        }
        None => {
            remove_stale_bundles(&copy.path, &docs)?;
            Vec::new()
        }
    };
    Ok(BinaryReport {
        vex: config.vex.iter().cloned().map(InputFile::from).collect(),
        reason: "cra-binary",
        name: bin.target.name.clone(),
        package: root.name.clone(),
        target: plan.target.clone(),
        profile: copy.profile,
        path: copy.path,
        sha256: copy.digests.sha256_hex(),
        sbom: sbom_out,
        components: bom.components.len(),
        provenance: provenance_out,
        repository: root.repository.clone(),
        bundles,
        hardening: copy.hardening,
    })
}

/// The documents of a binary that are attested.
struct SignedDocuments<'a> {
    sbom: &'a [u8],
    /// The SPDX SBOMs written, by format.
    others: &'a [(crate::request::SbomFormat, Vec<u8>)],
    provenance: &'a Statement,
}

/// Signs the binary and attests its SBOM(s) and provenance; returns the bundles written.
fn sign_binary(
    key: &Signer,
    binary: &Path,
    subject: &Subject,
    documents: &SignedDocuments<'_>,
    out: impl Fn(String) -> PathBuf,
) -> Result<Vec<PathBuf>, BuildError> {
    let (sbom_json, provenance) = (documents.sbom, documents.provenance);
    let docs = Documents::of(subject.name.clone());
    let blob = out(fileset::signature_bundle(&subject.name));
    signing::sign_blob(binary, key, &blob)?;
    let mut bundles = vec![blob];
    for (format, json) in documents.others {
        let value: serde_json::Value = serde_json::from_slice(json).expect("our own JSON");
        let statement = Statement::new(vec![subject.clone()], format.predicate_type(), value);
        let bundle = out(format.bundle(&docs));
        signing::write_bundle(&signing::sign_statement(&statement, key)?, &bundle)?;
        bundles.push(bundle);
    }
    let sbom_value: serde_json::Value = serde_json::from_slice(sbom_json).expect("our own JSON");
    let sbom_statement = Statement::new(
        vec![subject.clone()],
        fileset::CYCLONEDX_PREDICATE_TYPE,
        sbom_value,
    );
    let sbom_bundle = out(docs.sbom_bundle());
    signing::write_bundle(
        &signing::sign_statement(&sbom_statement, key)?,
        &sbom_bundle,
    )?;
    let provenance_bundle = out(docs.provenance_bundle());
    signing::write_bundle(
        &signing::sign_statement(provenance, key)?,
        &provenance_bundle,
    )?;
    bundles.extend([sbom_bundle, provenance_bundle]);
    Ok(bundles)
}

/// A binary copied to `<target-dir>/cra/<target>/<profile>/`.
struct CopiedBinary {
    path: PathBuf,
    file_name: String,
    profile: String,
    digests: Digests,
    /// The dependency list written into it (section and format), if any.
    dependency_list: Option<String>,
    /// Its exploitation mitigations (an ELF binary).
    hardening: Option<cra_composer::hardening::Mitigations>,
}

/// Copies the binary where the build ships it, with its dependency list written in (from
/// `graph`, the linked crates its SBOM lists) unless the request or the package's
/// `embed-deps` says not to; the digests are of the copy.
fn copy_binary(
    plan: &Plan,
    bin: &Artifact,
    graph: &LinkedGraph,
) -> Result<CopiedBinary, BuildError> {
    let exe = bin
        .executable
        .as_ref()
        .expect("filtered on executable")
        .as_std_path();
    let profile = exe
        .parent()
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file_name = exe
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| bin.target.name.clone());
    let out_dir = plan
        .target_dir
        .join("cra")
        .join(target_dir_name(&plan.target))
        .join(&profile);
    std::fs::create_dir_all(&out_dir).map_err(|e| BuildError::io(&out_dir, e))?;
    let path = out_dir.join(&file_name);
    let config = plan.configs.get(&graph.root);
    let embed = !plan.no_embed_deps && config.and_then(|c| c.embed_deps) != Some(false);
    if !embed {
        let digests =
            persist::copy_atomic(exe, &path, 0o755).map_err(|e| BuildError::io(&path, e))?;
        return Ok(CopiedBinary {
            path,
            file_name,
            profile,
            digests,
            dependency_list: None,
            hardening: None,
        });
    }
    let list = crate::embed::version_info(graph).map_err(|e| BuildError::embed(exe, e))?;
    let bytes = std::fs::read(exe).map_err(|e| BuildError::io(exe, e))?;
    let with_list = crate::embed::embed(&bytes, &list).map_err(|e| BuildError::embed(exe, e))?;
    persist::write_atomic(&path, &with_list, 0o755).map_err(|e| BuildError::io(&path, e))?;
    Ok(CopiedBinary {
        path,
        file_name,
        profile,
        digests: Digests::of_bytes(&with_list),
        dependency_list: Some(crate::embed::description()),
        hardening: None,
    })
}

/// Hashes, once, the cached `.crate` archive of every registry package any binary links.
fn verified_archives<'g>(
    lock: &LockFile,
    graphs: impl Iterator<Item = &'g LinkedGraph>,
    memo: &Path,
) -> HashMap<PathBuf, String> {
    let mut keys = Vec::new();
    let mut wanted = Vec::new();
    let mut seen = BTreeSet::new();
    for g in graphs {
        for (key, info) in &g.crates {
            let Some(source) = &info.source else { continue };
            if !seen.insert(key) {
                continue;
            }
            let p = &info.facts;
            if let Some(sum) = lock.checksum(&p.name, &p.version, source) {
                keys.push(key.clone());
                wanted.push(Wanted {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    checksum: sum.to_string(),
                });
            }
        }
    }
    let dirs = home::cargo_home()
        .map(|h| crate_cache::cache_dirs(&h))
        .unwrap_or_default();
    keys.into_iter()
        .zip(crate_cache::lookup_remembered(&dirs, &wanted, memo))
        .filter_map(|(k, d)| d.map(|d| (k, d)))
        .collect()
}

/// `items` without repeats, each where it first appears.
pub(crate) fn dedup_keep_order<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}
