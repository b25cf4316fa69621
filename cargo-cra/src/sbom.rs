//! The CycloneDX 1.7 SBOM of one binary: the binary as `metadata.component`, every crate linked
//! into it as a `library` component, the dependency graph between them, and a completeness
//! statement. Nothing in it depends on the build machine: no absolute paths, time from
//! `SOURCE_DATE_EPOCH`, serial number derived from the content.

use crate::config::ProductConfig;
use crate::cross::CrossSetup;
use crate::linked::{CrateInfo, LinkedGraph, PackageKey};
use crate::lockfile::LockFile;
use crate::toolchain::Toolchain;
use crate::units::PackageFacts;
use crate::vendored::Vendored;
use cra_attest::digest::Digests;
use cra_attest::evidence::cyclonedx::{
    Bom, Component, ComponentType, Composition, Dependency, ExternalReference, Hash, License,
    LicenseChoice, LicenseExpression, Lifecycle, Metadata, OrganizationalContact,
    OrganizationalEntity, Pedigree, Property, Scope, Tools,
};
use cra_attest::evidence::tr03183::{self, FileKind, field};
use packageurl::PackageUrl;
use std::collections::HashMap;
use std::path::Path;

/// The crates.io source as cargo spells it in metadata and lock files.
const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
const CRATES_IO_SPARSE: &str = "sparse+https://index.crates.io/";

/// Everything the SBOM of one binary is made from.
pub struct SbomInput<'a> {
    /// The linked crates.
    pub graph: &'a LinkedGraph,
    /// The binary's name (its file name, without any extension).
    pub bin_name: &'a str,
    /// The binary's file name as shipped.
    pub bin_file_name: &'a str,
    /// Digests of the binary.
    pub bin_digests: &'a Digests,
    /// Workspace root (paths in the SBOM are relative to it).
    pub workspace_root: &'a Path,
    /// Cargo.lock.
    pub lock: &'a LockFile,
    /// SHA-512 (hex) of the verified `.crate` archives found in the local cache.
    pub archives: &'a HashMap<PackageKey, String>,
    /// Product information of the binary's package.
    pub config: &'a ProductConfig,
    /// RFC 3339 time of the build.
    pub timestamp: String,
    /// The compiler.
    pub toolchain: &'a Toolchain,
    /// The linker and C cross compiler cargo-cra set up.
    pub cross: &'a CrossSetup,
    /// Target triple.
    pub target: &'a str,
    /// Profile directory name (`debug`, `release`, or a custom profile's name).
    pub profile: &'a str,
    /// The dependency list embedded in the binary (its section and format), if any.
    pub dependency_list: Option<String>,
    /// The binary's exploitation mitigations, as `(property, value)`.
    pub hardening: Vec<(&'static str, String)>,
    /// The commit built, when the work tree was clean. With the package's declared
    /// `repository` it names the source (`git+<repository>@<commit>`); the clone's own remote
    /// is never used, so every clone writes the same SBOM.
    pub commit: Option<String>,
}

/// The SBOM, with its content-derived serial number set.
pub fn sbom(input: &SbomInput<'_>) -> Bom {
    let graph = input.graph;
    let root_pkg = graph.crate_info(&graph.root);
    let refs: HashMap<&PackageKey, String> = graph
        .crates
        .iter()
        .map(|(key, info)| (key, crate_purl(info, input.workspace_root)))
        .collect();
    let root_ref = format!("bin:{}", input.bin_name);

    let mut components: Vec<Component> = graph
        .dependencies()
        .map(|key| crate_component(input, key, graph.crate_info(key), &refs[key]))
        .collect();
    components.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));

    let mut dependencies: Vec<Dependency> = input
        .graph
        .edges
        .iter()
        .map(|(id, deps)| {
            let mut depends_on: Vec<String> = deps.iter().map(|d| refs[d].clone()).collect();
            depends_on.sort();
            let reference = if *id == input.graph.root {
                root_ref.clone()
            } else {
                refs[id].clone()
            };
            Dependency {
                reference,
                depends_on,
            }
        })
        .collect();
    dependencies.sort_by(|a, b| a.reference.cmp(&b.reference));

    let manufacturer = input
        .config
        .manufacturer
        .as_ref()
        .map(cra_attest::evidence::cyclonedx::OrganizationalEntity::from);

    let mut root =
        Component::new(ComponentType::Application, input.bin_name).with_digests(input.bin_digests);
    root.bom_ref = Some(root_ref.clone());
    root.version = Some(root_pkg.facts.version.clone());
    root.description = root_pkg.facts.description.clone();
    root.supplier = manufacturer.clone();
    // Without a manufacturer, the package's authors made it.
    root.authors = root_pkg.facts.authors.iter().map(|a| author(a)).collect();
    root.manufacturer = manufacturer
        .clone()
        .or_else(|| creator(input, root_pkg, &root));
    root.authors.clear();
    let (licenses, effective) =
        tr03183::licences(licenses(&root_pkg.facts), &input.config.effective_licenses);
    root.licenses = licenses;
    root.purl = Some(refs[&input.graph.root].clone());
    root.external_references = external_references(&root_pkg.facts);
    root.properties = FileKind {
        executable: true,
        archive: false,
        structured: false,
    }
    .properties(input.bin_file_name);
    root.properties.push(effective);
    if root.manufacturer.is_none() {
        root.properties.push(tr03183::unknown(
            field::CREATOR,
            "no manufacturer in [package.metadata.cra], and the package names no author e-mail, repository or home page",
        ));
    }
    root_locations(input, &root_pkg.facts, &mut root);
    let mut extra = vec![
        Property::new(cra_model::properties::PACKAGE, &root_pkg.facts.name),
        Property::new(cra_model::properties::TARGET, input.target),
        Property::new(cra_model::properties::PROFILE, input.profile),
    ];
    if let Some(list) = &input.dependency_list {
        extra.push(Property::new(cra_model::properties::DEPENDENCY_LIST, list));
    }
    extra.extend(input.hardening.iter().map(|(n, v)| Property::new(*n, v)));
    if let Some(f) = features_property(input.graph.features.get(&input.graph.root)) {
        extra.push(f);
    }
    extra.extend(
        input
            .config
            .declarations()
            .into_iter()
            .map(|(name, value)| Property::new(name, value)),
    );
    root.properties.extend(extra);

    let cargo_cra = Component::cargo_cra_tool();
    let mut rustc = Component::new(ComponentType::Application, "rustc");
    rustc.version = Some(input.toolchain.release.clone());
    rustc.description = Some(input.toolchain.version_line.clone());
    rustc.properties = vec![Property::new(
        cra_model::properties::COMMIT_HASH,
        &input.toolchain.commit_hash,
    )];

    let mut tools = vec![cargo_cra, rustc];
    if let Some(zig) = &input.cross.zig {
        let mut c = Component::new(ComponentType::Application, "zig");
        c.version = Some(zig.version.clone());
        c.description = Some("C cross compiler (zig cc)".into());
        c.hashes.push(Hash::sha256(&zig.sha256));
        tools.push(c);
    }
    if let Some(cc) = &input.cross.c_compiler {
        let mut c = Component::new(ComponentType::Application, &cc.name);
        c.description = Some(format!("C compiler of the build's C code: {}", cc.version));
        c.hashes.push(Hash::sha256(&cc.sha256));
        tools.push(c);
    }
    let unknown_creator = tr03183::sbom_creator_unknown(manufacturer.is_none());
    let mut bom = Bom::new(Metadata {
        timestamp: Some(input.timestamp.clone()),
        lifecycles: vec![Lifecycle {
            phase: "build".into(),
        }],
        tools: Some(Tools { components: tools }),
        component: Some(root),
        manufacturer,
        supplier: None,
        properties: unknown_creator,
    });
    bom.components = components;
    bom.dependencies = dependencies;
    // The graph is cargo's resolution of every linked crate: each one's list is complete.
    let mut complete: Vec<String> = bom
        .dependencies
        .iter()
        .map(|d| d.reference.clone())
        .collect();
    complete.sort();
    bom.compositions = vec![Composition {
        aggregate: "complete".into(),
        assemblies: vec![root_ref],
        dependencies: complete,
    }];
    bom.set_content_serial_number();
    bom
}

fn crate_component(
    input: &SbomInput<'_>,
    key: &PackageKey,
    info: &CrateInfo,
    purl: &str,
) -> Component {
    let p = &info.facts;
    let mut c = Component::new(ComponentType::Library, &p.name);
    c.bom_ref = Some(purl.to_string());
    c.version = Some(p.version.clone());
    c.description = p
        .description
        .as_ref()
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "));
    c.scope = Some(Scope::Required);
    c.authors = p.authors.iter().map(|a| author(a)).collect();
    let (licenses, effective) = tr03183::licences(licenses(p), &input.config.effective_licenses);
    c.licenses = licenses;
    c.purl = Some(purl.to_string());
    c.external_references = external_references(p);
    let source = info.source.as_deref();
    let modified = match &info.vendored {
        Some(Vendored::Modified(changes)) => Some(changes.as_slice()),
        _ => None,
    };
    let registry = modified.is_none()
        && source.is_some_and(|s| s.starts_with("registry+") || s.starts_with("sparse+"));
    let mut notes = Vec::new();
    if let Some(changes) = modified {
        c.pedigree = Some(vendored_pedigree(input, info, changes));
        notes.push(
            "no archive hash: a modified vendored copy, not the registry's archive (see pedigree)"
                .into(),
        );
    } else if registry && info.vendored == Some(Vendored::Unverified) {
        // Its identity is the registry's, but nothing shows the copy is the archive: no hash
        // of the archive is given as the component's.
        notes.push(
            "no archive hash: a vendored copy that could not be compared with the locked archive"
                .into(),
        );
    } else if registry {
        let source = source.unwrap_or_default();
        match input.lock.checksum(&p.name, &p.version, source) {
            Some(sum) => c.hashes.push(Hash::sha256(sum)),
            None => notes.push("Cargo.lock records no checksum for this package".to_string()),
        }
        match input.archives.get(key) {
            Some(sha512) => c.hashes.push(Hash::sha512(sha512)),
            None => notes.push(
                "SHA-512 not computed: no .crate archive with the locked checksum in the local cargo cache".into(),
            ),
        }
    } else {
        c.supplier = if source.is_none() {
            input
                .config
                .manufacturer
                .as_ref()
                .map(|m| OrganizationalEntity {
                    name: Some(m.name.clone()),
                    url: m.url.iter().cloned().collect(),
                    contact: Vec::new(),
                })
        } else {
            None
        };
        notes
            .push("no archive hash: the package is built from a local path or git checkout".into());
    }
    let file_name = if registry {
        format!("{}-{}.crate", p.name, p.version)
    } else {
        format!("{}-{}", p.name, p.version)
    };
    c.properties = FileKind {
        executable: false,
        archive: registry,
        structured: true,
    }
    .properties(&file_name);
    c.properties.push(effective);
    crate_locations(input, info, modified.is_some(), &mut c);
    if info.vendored.is_some() {
        c.properties.push(Property::new(
            cra_model::properties::VENDORED,
            relative(&p.manifest_dir, input.workspace_root),
        ));
    }
    if info.vendored == Some(Vendored::Unverified) {
        notes.push(
            "vendored copy checked against its own .cargo-checksum.json only: no archive of the locked version was available to compare it with".into(),
        );
    }
    c.properties.push(Property::new(
        cra_model::properties::SOURCE,
        match source {
            _ if modified.is_some() => "vendored-modified",
            None => "path",
            Some(s) if s == CRATES_IO || s == CRATES_IO_SPARSE => "crates.io",
            Some(s) if s.starts_with("git+") => "git",
            Some(_) => "registry",
        },
    ));
    if let Some(f) = features_property(input.graph.features.get(key)) {
        c.properties.push(f);
    }
    for n in notes {
        c.properties
            .push(Property::new(cra_model::properties::HASH_NOTE, n));
    }
    c
}

/// The binary's TR-03183-2 locations: its deployable form (the file beside this SBOM, named
/// relative to it) with its hashes, its source code (the commit built, else the package's
/// repository), the security contact and the manufacturer's `security.txt`.
fn root_locations(input: &SbomInput<'_>, facts: &PackageFacts, root: &mut Component) {
    let refs = &mut root.external_references;
    let mut deployable = ExternalReference::new("distribution", input.bin_file_name);
    deployable.comment = Some("the binary this SBOM describes, beside it".into());
    deployable.hashes = Hash::both(input.bin_digests);
    refs.push(deployable);
    match tr03183::source_uri(facts.repository.as_deref(), input.commit.as_deref()) {
        Some(uri) => refs.push(ExternalReference::new("source-distribution", uri)),
        None => root.properties.push(tr03183::unknown(
            field::SOURCE_URI,
            "Cargo.toml names no repository",
        )),
    }
    if let Some(contact) = &input.config.security_contact {
        refs.push(ExternalReference::new("security-contact", contact));
    }
    let site = input
        .config
        .manufacturer
        .as_ref()
        .and_then(|m| m.url.as_ref());
    if let Some(txt) = site.and_then(|s| tr03183::security_txt_url(s)) {
        refs.push(ExternalReference::new("rfc-9116", txt));
    }
}

/// A crate's TR-03183-2 creator and locations: where its source code and its deployable form
/// are, with the archive's hashes, or why they cannot be named.
fn crate_locations(input: &SbomInput<'_>, info: &CrateInfo, modified: bool, c: &mut Component) {
    let p = &info.facts;
    c.manufacturer = creator(input, info, c);
    if c.manufacturer.is_none() {
        c.properties.push(tr03183::unknown(
            field::CREATOR,
            "the package names no author e-mail, repository or home page",
        ));
    }
    let source = info.source.as_deref().filter(|_| !modified);
    let unknown = |c: &mut Component, why: &str| {
        for f in [field::DEPLOYABLE_URI, field::DEPLOYABLE_HASH] {
            c.properties.push(tr03183::unknown(f, why));
        }
    };
    match source {
        s if is_crates_io(s) => {
            // A crate's deployable form is its source archive.
            let url = format!(
                "https://crates.io/api/v1/crates/{}/{}/download",
                p.name, p.version
            );
            let hashes = match info.vendored {
                Some(Vendored::Unverified) => Vec::new(),
                _ => c.hashes.clone(),
            };
            for kind in ["distribution", "source-distribution"] {
                let mut r = ExternalReference::new(kind, &url);
                r.hashes = hashes.clone();
                c.external_references.push(r);
            }
            if !hashes.iter().any(|h| h.alg == "SHA-512") {
                c.properties.push(tr03183::unknown(
                    field::DEPLOYABLE_HASH,
                    "no SHA-512 of the archive (see cargo-cra:hash-note)",
                ));
            }
        }
        Some(s) if s.starts_with("git+") => {
            let uri = git_uri(s);
            c.external_references
                .push(ExternalReference::new("source-distribution", &uri));
            c.external_references
                .push(ExternalReference::new("distribution", &uri));
            c.properties.push(tr03183::unknown(
                field::DEPLOYABLE_HASH,
                "a git checkout, not an archive",
            ));
        }
        Some(_) => {
            for f in [
                field::SOURCE_URI,
                field::DEPLOYABLE_URI,
                field::DEPLOYABLE_HASH,
            ] {
                c.properties.push(tr03183::unknown(
                    f,
                    "a package of a registry other than crates.io, whose download address is not recorded",
                ));
            }
        }
        None => {
            // A path package (or a modified vendored copy) is source in the manufacturer's
            // tree, compiled into the binary.
            // Its source is the built commit of the repository the binary's package names.
            let root = &input.graph.crate_info(&input.graph.root).facts;
            match tr03183::source_uri(root.repository.as_deref(), input.commit.as_deref()) {
                Some(uri) => c
                    .external_references
                    .push(ExternalReference::new("source-distribution", uri)),
                None => c.properties.push(tr03183::unknown(
                    field::SOURCE_URI,
                    "a local package, and the binary's Cargo.toml names no repository",
                )),
            }
            unknown(
                c,
                "compiled into the binary from local source: it has no deployable form of its own",
            );
        }
    }
}

/// TR-03183-2's component creator: the authors with e-mail addresses, else the repository or
/// home page, else the crates.io page (naming its owners), else (a local package) the
/// manufacturer, else the git repository it is checked out from.
fn creator(input: &SbomInput<'_>, info: &CrateInfo, c: &Component) -> Option<OrganizationalEntity> {
    let contact: Vec<OrganizationalContact> = c
        .authors
        .iter()
        .filter(|a| a.email.is_some())
        .cloned()
        .collect();
    if !contact.is_empty() {
        return Some(OrganizationalEntity {
            contact,
            ..Default::default()
        });
    }
    let url = |u: String| {
        Some(OrganizationalEntity {
            url: vec![u],
            ..Default::default()
        })
    };
    let p = &info.facts;
    let site = [&p.repository, &p.homepage]
        .into_iter()
        .flatten()
        .find(|u| u.starts_with("https://") && !u.contains(char::is_whitespace));
    match (site, info.source.as_deref()) {
        (Some(site), _) => url(site.clone()),
        (None, s) if is_crates_io(s) => url(format!("https://crates.io/crates/{}", p.name)),
        (None, None) => input
            .config
            .manufacturer
            .as_ref()
            .map(OrganizationalEntity::from),
        (None, Some(s)) if s.starts_with("git+") => url(git_uri(s)),
        (None, Some(_)) => None,
    }
}

/// `git+URL@COMMIT` of a locked git source (`git+URL?query#COMMIT`).
fn git_uri(source: &str) -> String {
    let (url, commit) = source.split_once('#').unwrap_or((source, ""));
    let url = url.split('?').next().unwrap_or(url);
    match commit.is_empty() {
        true => url.to_string(),
        false => format!("{url}@{commit}"),
    }
}

fn features_property(features: Option<&Vec<String>>) -> Option<Property> {
    let mut f = features?.clone();
    if f.is_empty() {
        return None;
    }
    f.sort();
    Some(Property::new(cra_model::properties::FEATURES, f.join(",")))
}

/// Whether a locked source (`registry+URL`, `sparse+URL`) is crates.io.
pub fn is_crates_io(source: Option<&str>) -> bool {
    source.is_some_and(|s| s == CRATES_IO || s == CRATES_IO_SPARSE)
}

/// Package URL of a cargo package (<https://github.com/package-url/purl-spec>, type `cargo`):
/// crates.io packages plain; other registries with `repository_url`; git checkouts with
/// `vcs_url` (`git+URL@COMMIT`); local path packages with `download_url` naming the path
/// relative to the workspace root, never an absolute path.
pub fn purl(
    name: &str,
    version: &str,
    source: Option<&str>,
    manifest_dir: &Path,
    workspace_root: &Path,
) -> String {
    let mut purl =
        PackageUrl::new("cargo", name).expect("cargo package names are valid purl names");
    purl.with_version(version)
        .expect("cargo versions are valid purl versions");
    let qualifier = match source {
        None => {
            let dir = manifest_dir;
            let rel =
                pathdiff::diff_paths(dir, workspace_root).unwrap_or_else(|| dir.to_path_buf());
            let rel = if rel.as_os_str().is_empty() {
                ".".into()
            } else {
                rel.display().to_string()
            };
            Some(("download_url", format!("file:{rel}")))
        }
        s if is_crates_io(s) => None,
        Some(s) if s.starts_with("git+") => Some(("vcs_url", git_uri(s))),
        Some(s) => Some((
            "repository_url",
            s.split_once('+').map(|(_, u)| u).unwrap_or(s).to_string(),
        )),
    };
    if let Some((k, v)) = qualifier {
        purl.add_qualifier(k, v).expect("qualifier keys are valid");
    }
    purl.to_string()
}

/// [`purl`] of a linked crate.
/// A package's purl; a modified vendored copy is named by its directory, as a path package
/// is (it is not the registry's package).
fn crate_purl(info: &CrateInfo, workspace_root: &Path) -> String {
    let p = &info.facts;
    let source = match info.vendored {
        Some(Vendored::Modified(_)) => None,
        _ => info.source.as_deref(),
    };
    purl(&p.name, &p.version, source, &p.manifest_dir, workspace_root)
}

/// The registry package a modified vendored copy descends from: name, version, purl and the
/// locked SHA-256, with how the copy differs.
fn vendored_pedigree(input: &SbomInput<'_>, info: &CrateInfo, changes: &[String]) -> Pedigree {
    let p = &info.facts;
    let source = info.source.as_deref();
    let mut ancestor = Component::new(ComponentType::Library, &p.name);
    ancestor.version = Some(p.version.clone());
    ancestor.purl = Some(purl(
        &p.name,
        &p.version,
        source,
        &p.manifest_dir,
        input.workspace_root,
    ));
    if let Some(sum) = source.and_then(|s| input.lock.checksum(&p.name, &p.version, s)) {
        ancestor.hashes.push(Hash::sha256(sum));
    }
    Pedigree {
        ancestors: vec![ancestor],
        notes: Some(format!(
            "a modified copy of the locked registry package, vendored in {}: {}",
            relative(&p.manifest_dir, input.workspace_root),
            changes.join(", ")
        )),
    }
}

/// `dir` relative to the workspace root, for documents.
fn relative(dir: &Path, workspace_root: &Path) -> String {
    pathdiff::diff_paths(dir, workspace_root)
        .unwrap_or_else(|| dir.to_path_buf())
        .display()
        .to_string()
}

/// The package's declared licence: its SPDX `license` (old `A/B` spelling normalised to
/// `A OR B`), else its licence file's name.
fn licenses(p: &PackageFacts) -> Vec<LicenseChoice> {
    let declared = Some("declared".to_string());
    if let Some(l) = &p.license {
        let expression = l.split('/').map(str::trim).collect::<Vec<_>>().join(" OR ");
        return vec![LicenseChoice::Expression(LicenseExpression {
            expression,
            acknowledgement: declared,
        })];
    }
    if let Some(f) = &p.license_file {
        let name = Path::new(f)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| f.clone());
        return vec![LicenseChoice::License {
            license: License {
                id: None,
                name: Some(format!("see {name} in the package")),
                acknowledgement: declared,
            },
        }];
    }
    Vec::new()
}

fn external_references(p: &PackageFacts) -> Vec<ExternalReference> {
    [
        ("vcs", &p.repository),
        ("website", &p.homepage),
        ("documentation", &p.documentation),
    ]
    .into_iter()
    .filter_map(|(kind, url)| {
        let url = url.as_ref()?.trim();
        (!url.is_empty() && !url.contains(char::is_whitespace))
            .then(|| ExternalReference::new(kind, url))
    })
    .collect()
}

/// `Name <email>` → name and e-mail; anything else is a name.
fn author(a: &str) -> OrganizationalContact {
    if let Some((name, rest)) = a.split_once('<')
        && let Some(email) = rest.strip_suffix('>').map(str::trim)
        && email.contains('@')
        && !email.contains(char::is_whitespace)
    {
        let name = name.trim();
        return OrganizationalContact {
            name: (!name.is_empty()).then(|| name.to_string()),
            email: Some(email.to_string()),
        };
    }
    OrganizationalContact {
        name: Some(a.trim().to_string()),
        email: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(source: Option<&'static str>, manifest_dir: &str) -> CrateInfo {
        CrateInfo {
            source: source.map(str::to_string),
            facts: PackageFacts {
                name: "my-crate".into(),
                version: "1.2.3".into(),
                manifest_dir: manifest_dir.into(),
                license: Some("MIT/Apache-2.0".into()),
                ..Default::default()
            },
            vendored: None,
        }
    }

    #[test]
    fn purls_per_source_kind() {
        let ws = Path::new("/home/dev/ws");
        assert_eq!(
            crate_purl(&package(Some(CRATES_IO), "/c/my-crate"), ws),
            "pkg:cargo/my-crate@1.2.3"
        );
        assert_eq!(
            crate_purl(&package(None, "/home/dev/ws/crates/util"), ws),
            "pkg:cargo/my-crate@1.2.3?download_url=file:crates%2Futil"
        );
        let git = crate_purl(
            &package(
                Some("git+https://example.com/r.git?branch=main#abc123"),
                "/c",
            ),
            ws,
        );
        assert_eq!(
            git,
            "pkg:cargo/my-crate@1.2.3?vcs_url=git%2Bhttps:%2F%2Fexample.com%2Fr.git%40abc123"
        );
        let reg = crate_purl(
            &package(Some("sparse+https://reg.example.com/index/"), "/c"),
            ws,
        );
        assert_eq!(
            reg,
            "pkg:cargo/my-crate@1.2.3?repository_url=https:%2F%2Freg.example.com%2Findex%2F"
        );
        assert!(!crate_purl(&package(None, "/home/dev/ws"), ws).contains("/home"));
    }

    #[test]
    fn legacy_license_slashes_become_or() {
        let l = licenses(&package(None, "/x").facts);
        assert_eq!(
            l,
            vec![LicenseChoice::Expression(LicenseExpression {
                expression: "MIT OR Apache-2.0".into(),
                acknowledgement: Some("declared".into())
            })]
        );
    }

    #[test]
    fn authors_are_split_into_name_and_email() {
        assert_eq!(
            author("Jane Doe <jane@example.com>"),
            OrganizationalContact {
                name: Some("Jane Doe".into()),
                email: Some("jane@example.com".into())
            }
        );
        assert_eq!(
            author("The Team"),
            OrganizationalContact {
                name: Some("The Team".into()),
                email: None
            }
        );
        assert_eq!(author("X <not an email>").email, None);
    }
}
