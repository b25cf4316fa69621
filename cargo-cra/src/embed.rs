//! The dependency list inside every binary: cargo-auditable's format (a zlib-compressed JSON
//! [`VersionInfo`] in a `.dep-v0` ELF section, as `auditable-serde` specifies it), which
//! `cargo audit bin`, trivy, grype, syft and osv-scanner read from a binary with nothing beside
//! it.
//!
//! Unlike cargo-auditable, which writes the list while linking from `cargo metadata` (more
//! crates than are linked), the list is made from the same linked-crate set as the binary's
//! SBOM — the `--extern` closure of its rustc invocation — and written into the copy the build
//! ships, after linking: a non-allocated section added to the ELF file (loadable segments keep
//! their offsets and bytes), so it costs no relink and no memory at run time. The binary's
//! digests in the SBOM and provenance are of the copy with the list.

use crate::linked::LinkedGraph;
use crate::vendored::Vendored;
use auditable_serde::{DependencyKind, Package, Source, VersionInfo};

/// `format` of the list: 1, "proc-macros are not runtime dependencies" (the list has only
/// what is linked; it is made from the compiler's invocations, not from `cargo metadata`).
const FORMAT: u32 = 1;

/// The zlib level cargo-auditable uses.
const LEVEL: u8 = 7;

/// Why the list could not be written into a binary.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The binary is not an ELF file this can rewrite.
    #[error(
        "cannot add the dependency list ({section}) to it: {0}; --no-embed-deps builds without",
        section = cra_model::fileset::DEPENDENCY_LIST_SECTION
    )]
    Elf(String),
    /// The linked set does not make a valid list (a version that is not semver).
    #[error("the dependency list: {0}")]
    List(String),
}

/// The linked-crate set of `graph` as cargo-auditable's list: every linked package, the root
/// marked, each with its linked direct dependencies; sorted by name, version and source, so
/// that the same build gives the same list.
pub(crate) fn version_info(graph: &LinkedGraph) -> Result<VersionInfo, EmbedError> {
    let mut keys: Vec<_> = graph.edges.keys().collect();
    let sort_key = |k: &&std::path::PathBuf| {
        let info = graph.crate_info(k);
        (
            info.facts.name.clone(),
            info.facts.version.clone(),
            String::from(source(info)),
        )
    };
    keys.sort_by_key(sort_key);
    let index: std::collections::HashMap<_, usize> =
        keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut packages = Vec::with_capacity(keys.len());
    for key in &keys {
        let info = graph.crate_info(key);
        let version = info.facts.version.parse().map_err(|e| {
            EmbedError::List(format!(
                "{} version {:?}: {e}",
                info.facts.name, info.facts.version
            ))
        })?;
        let mut dependencies: Vec<usize> = graph.edges[*key].iter().map(|d| index[d]).collect();
        dependencies.sort_unstable();
        packages.push(Package {
            name: info.facts.name.clone(),
            version,
            source: source(info),
            kind: DependencyKind::Runtime,
            dependencies,
            root: **key == graph.root,
        });
    }
    Ok(VersionInfo {
        packages,
        format: FORMAT,
    })
}

/// Where a package came from, in the list's words: crates.io, another registry, git, or
/// local (a path package, or a vendored copy that differs from the registry's archive: it is
/// not that package any more).
fn source(info: &crate::linked::CrateInfo) -> Source {
    if matches!(info.vendored, Some(Vendored::Modified(_))) {
        return Source::Local;
    }
    match info.source.as_deref() {
        None => Source::Local,
        Some(s) if crate::sbom::is_crates_io(Some(s)) => Source::CratesIo,
        Some(s) if s.starts_with("git+") => Source::Git,
        Some(_) => Source::Registry,
    }
}

/// What the SBOM says of the list: `.dep-v0 (cargo-auditable format 1)`.
pub(crate) fn description() -> String {
    format!(
        "{} (cargo-auditable format {FORMAT})",
        cra_model::fileset::DEPENDENCY_LIST_SECTION
    )
}

/// The list as the section holds it: compact JSON, zlib-compressed.
pub(crate) fn compressed(info: &VersionInfo) -> Vec<u8> {
    let json = serde_json::to_vec(info).expect("serialisable");
    miniz_oxide::deflate::compress_to_vec_zlib(&json, LEVEL)
}

/// `binary` (an ELF executable) with the section holding `info`, replacing any it had.
pub(crate) fn embed(binary: &[u8], info: &VersionInfo) -> Result<Vec<u8>, EmbedError> {
    let elf = |e: object::build::Error| EmbedError::Elf(e.to_string());
    let mut builder = object::build::elf::Builder::read(binary).map_err(elf)?;
    let name = cra_model::fileset::DEPENDENCY_LIST_SECTION.as_bytes();
    for s in builder.sections.iter_mut() {
        if s.name.as_slice() == name {
            s.delete = true;
        }
    }
    let section = builder.sections.add();
    section.name = name.to_vec().into();
    section.sh_type = object::elf::SHT_PROGBITS;
    section.sh_flags = 0;
    section.sh_addralign = 1;
    section.data = object::build::elf::SectionData::Data(compressed(info).into());
    let mut out = Vec::with_capacity(binary.len() + 4096);
    builder.write(&mut out).map_err(elf)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::{Object, ObjectSection};

    fn list() -> VersionInfo {
        let json = r#"{"packages":[
            {"name":"app","version":"0.1.0","source":"local","dependencies":[1],"root":true},
            {"name":"itoa","version":"1.0.15","source":"crates.io"}],"format":1}"#;
        json.parse().unwrap()
    }

    /// The list read back as `auditable-extract` finds it: the section by name, inflated.
    fn read_back(binary: &[u8]) -> VersionInfo {
        let file = object::File::parse(binary).unwrap();
        let section = file.section_by_name(".dep-v0").unwrap();
        let json = miniz_oxide::inflate::decompress_to_vec_zlib(section.data().unwrap()).unwrap();
        serde_json::from_slice(&json).unwrap()
    }

    #[test]
    fn a_binary_keeps_running_and_carries_the_list_once() {
        // This test's own executable: a real, dynamically linked, PIE ELF file.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let with = embed(&me, &list()).unwrap();
        assert_eq!(read_back(&with), list());
        // Written again: the same bytes, and still one section.
        let again = embed(&with, &list()).unwrap();
        assert_eq!(embed(&me, &list()).unwrap(), with, "deterministic");
        let file = object::File::parse(&*again).unwrap();
        let count = file
            .sections()
            .filter(|s| s.name() == Ok(".dep-v0"))
            .count();
        assert_eq!(count, 1);
        // The loadable segments are unchanged: it still runs.
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("with-list");
        std::fs::write(&exe, &with).unwrap();
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let out = std::process::Command::new(&exe)
            .args(["--list", "--exact", "nothing"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    #[test]
    fn what_is_not_an_elf_file_is_one_error() {
        let e = embed(b"MZ not an ELF file", &list()).unwrap_err();
        assert!(e.to_string().contains("--no-embed-deps"), "{e}");
    }
}
