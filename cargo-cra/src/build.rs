//! `cargo cra build`: a reproducible `cargo build`, then for every binary a copy and its
//! CycloneDX SBOM under `<target-dir>/cra/<target>/<profile>/`.

use crate::args::BuildArgs;
use crate::cargo;
use crate::config::{self, ProductConfig};
use crate::crate_cache::{self, Wanted};
use crate::error::BuildError;
use crate::linked::{LinkedGraph, Resolver};
use crate::lockfile::Checksums;
use crate::repro::{self, WrapperState};
use crate::sbom::{SbomInput, sbom};
use crate::source_date;
use crate::toolchain::{Toolchain, target_dir_name};
use cargo_metadata::{Artifact, Metadata, PackageId, TargetKind};
use cra_attest::digest::Digests;
use cra_attest::persist;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
}

/// Facts gathered before the build that the SBOM step needs.
struct Plan {
    workspace_root: PathBuf,
    lock_file: PathBuf,
    target: String,
    toolchain: Toolchain,
    metadata: Metadata,
    configs: HashMap<PackageId, ProductConfig>,
    timestamp: String,
    cfgs: Vec<cargo_metadata::cargo_platform::Cfg>,
}

/// Builds as `args` says and writes binaries and SBOMs; returns what was written.
pub fn run(args: &BuildArgs) -> Result<Vec<BinaryReport>, BuildError> {
    let plan = plan(args)?;
    let remaps = repro::remaps(
        &plan.workspace_root,
        plan.metadata.target_directory.as_std_path(),
        home::cargo_home().ok().as_deref(),
        &plan.toolchain.sysroot,
        &plan.toolchain.commit_hash,
    );
    let self_exe = std::env::current_exe().map_err(|e| BuildError::io("current executable", e))?;
    let mut env: Vec<(String, OsString)> = WrapperState::new(&remaps).env(&self_exe);
    env.extend(
        repro::c_flags_env(&plan.target, &remaps)
            .into_iter()
            .map(|(k, v)| (k, v.into())),
    );
    if std::env::var_os("SOURCE_DATE_EPOCH").is_none() {
        let (secs, _) = source_date::source_date_epoch(&plan.workspace_root)?;
        env.push(("SOURCE_DATE_EPOCH".into(), secs.to_string().into()));
    }
    let artifacts = cargo::build(&args.cargo_build_args(&plan.target), &env)?;
    write_outputs(&plan, &artifacts)
}

fn plan(args: &BuildArgs) -> Result<Plan, BuildError> {
    let ws_manifest = cargo::locate_workspace(args)?;
    let workspace_root = ws_manifest.parent().unwrap_or(Path::new("/")).to_path_buf();
    let lock_file = workspace_root.join("Cargo.lock");
    if !args.manifest.unlocked && !lock_file.is_file() {
        return Err(BuildError::MissingLockFile(lock_file));
    }
    let toolchain = Toolchain::detect(&workspace_root)?;
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
    let metadata = cargo::metadata(args, &target, &lock_file)?;
    check_selection(args, &metadata)?;
    let cfgs = toolchain.target_cfgs(&workspace_root, &target)?;
    let (secs, _) = source_date::source_date_epoch(&workspace_root)?;
    let mut configs = HashMap::new();
    for id in &metadata.workspace_members {
        let pkg = &metadata[id];
        configs.insert(
            id.clone(),
            config::for_package(pkg.manifest_path.as_std_path(), &ws_manifest)?,
        );
    }
    Ok(Plan {
        workspace_root,
        lock_file,
        target,
        toolchain,
        metadata,
        configs,
        timestamp: source_date::rfc3339(secs),
        cfgs,
    })
}

/// The package name a `-p` spec names (`name`, `name@version`, `name:version`), or `None` for
/// URL-style specs, which are left to cargo.
fn spec_name(spec: &str) -> Option<&str> {
    (!spec.contains("://")).then(|| spec.split(['@', ':']).next().unwrap_or(spec))
}

/// Clear errors for `-p`/`--bin` values that name nothing, before cargo runs.
fn check_selection(args: &BuildArgs, metadata: &Metadata) -> Result<(), BuildError> {
    let names: Vec<&str> = args
        .selection
        .packages
        .iter()
        .filter_map(|s| spec_name(s))
        .collect();
    for (spec, name) in args.selection.packages.iter().zip(&names) {
        if !metadata.packages.iter().any(|p| p.name.as_str() == *name) {
            return Err(BuildError::UnknownPackage(spec.clone()));
        }
    }
    if args.selection.bins.is_empty() {
        return Ok(());
    }
    let selected: Vec<_> = if args.selection.packages.is_empty() || args.selection.workspace {
        metadata.workspace_packages()
    } else {
        metadata
            .packages
            .iter()
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

fn is_linkable_lib(artifact: &Artifact) -> bool {
    artifact
        .target
        .kind
        .iter()
        .any(|k| matches!(k, TargetKind::Lib | TargetKind::RLib | TargetKind::DyLib))
}

fn write_outputs(plan: &Plan, artifacts: &[Artifact]) -> Result<Vec<BinaryReport>, BuildError> {
    let target_root = plan
        .metadata
        .target_directory
        .as_std_path()
        .join(target_dir_name(&plan.target));
    let mut compiled: HashMap<PackageId, Vec<String>> = HashMap::new();
    for a in artifacts
        .iter()
        .filter(|a| is_linkable_lib(a) && for_target(a, &target_root))
    {
        compiled.insert(a.package_id.clone(), a.features.clone());
    }
    let bins: Vec<&Artifact> = artifacts
        .iter()
        .filter(|a| {
            a.target.kind.contains(&TargetKind::Bin)
                && a.executable.is_some()
                && for_target(a, &target_root)
        })
        .collect();

    let resolver = Resolver::new(&plan.metadata, &plan.target, &plan.cfgs)?;
    let graphs = bins
        .iter()
        .map(|bin| {
            Ok((
                *bin,
                resolver.linked(&bin.package_id, &bin.features, &compiled)?,
            ))
        })
        .collect::<Result<Vec<(&Artifact, LinkedGraph)>, BuildError>>()?;

    let checksums = if plan.lock_file.is_file() {
        Checksums::read(&plan.lock_file)?
    } else {
        Checksums::default()
    };
    let archives = verified_archives(&resolver, &checksums, graphs.iter().map(|(_, g)| g));

    let mut reports = Vec::new();
    for (bin, graph) in &graphs {
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
            .metadata
            .target_directory
            .as_std_path()
            .join("cra")
            .join(target_dir_name(&plan.target))
            .join(&profile);
        std::fs::create_dir_all(&out_dir).map_err(|e| BuildError::io(&out_dir, e))?;
        let digests = Digests::of_file(exe).map_err(|e| BuildError::io(exe, e))?;
        let config = plan.configs.get(&graph.root).cloned().unwrap_or_default();
        let bom = sbom(&SbomInput {
            resolver: &resolver,
            graph,
            bin_name: &bin.target.name,
            bin_file_name: &file_name,
            bin_digests: &digests,
            workspace_root: &plan.workspace_root,
            checksums: &checksums,
            archives: &archives,
            config: &config,
            timestamp: plan.timestamp.clone(),
            toolchain: &plan.toolchain,
            target: &plan.target,
            profile: &profile,
        });
        let bin_out = out_dir.join(&file_name);
        let sbom_out = out_dir.join(format!("{}.cdx.json", bin.target.name));
        persist::copy_atomic(exe, &bin_out, 0o755).map_err(|e| BuildError::io(&bin_out, e))?;
        persist::write_atomic(&sbom_out, &bom.to_json_pretty(), 0o644)
            .map_err(|e| BuildError::io(&sbom_out, e))?;
        reports.push(BinaryReport {
            reason: "cra-binary",
            name: bin.target.name.clone(),
            package: plan.metadata[&graph.root].name.to_string(),
            target: plan.target.clone(),
            profile,
            path: bin_out,
            sha256: digests.sha256_hex(),
            sbom: sbom_out,
            components: bom.components.len(),
        });
    }
    Ok(reports)
}

/// Hashes, once, the cached `.crate` archive of every registry package any binary links.
fn verified_archives<'g>(
    resolver: &Resolver<'_>,
    checksums: &Checksums,
    graphs: impl Iterator<Item = &'g LinkedGraph>,
) -> HashMap<PackageId, Digests> {
    let ids: BTreeSet<&PackageId> = graphs.flat_map(|g| g.edges.keys()).collect();
    let mut keys = Vec::new();
    let mut wanted = Vec::new();
    for id in ids {
        let Some(p) = resolver.package(id) else {
            continue;
        };
        let Some(source) = &p.source else { continue };
        if let Some(sum) = checksums.get(p.name.as_str(), &p.version.to_string(), &source.repr) {
            keys.push(id.clone());
            wanted.push(Wanted {
                name: p.name.to_string(),
                version: p.version.to_string(),
                checksum: sum.to_string(),
            });
        }
    }
    let dirs = home::cargo_home()
        .map(|h| crate_cache::cache_dirs(&h))
        .unwrap_or_default();
    keys.into_iter()
        .zip(crate_cache::lookup(&dirs, &wanted))
        .filter_map(|(k, d)| d.map(|d| (k, d)))
        .collect()
}
