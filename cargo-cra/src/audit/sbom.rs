//! Reading the SBOMs an audit is about: CycloneDX JSON with `pkg:cargo` purls, the Rust
//! targets cargo-cra records (`cargo-cra:target`), bounded reads of hostile files.

use super::AuditError;
use cra_model::fileset::{self, Documents};
use cra_model::input;
use std::path::{Path, PathBuf};

/// A crate an SBOM lists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Crate {
    pub name: String,
    pub version: String,
}

/// What an SBOM says that an audit needs.
pub(super) struct Sbom {
    pub path: PathBuf,
    pub name: String,
    pub purl: String,
    pub manufacturer: Option<String>,
    pub targets: Vec<String>,
    pub crates: Vec<Crate>,
    /// The crates from crates.io (a purl without qualifiers): those the yanked check is for.
    pub crates_io: Vec<Crate>,
}

impl Sbom {
    /// What a build knows before writing the SBOM: the binary, its target and linked crates.
    pub(super) fn of_build(name: &str, target: &str, linked: Vec<super::LinkedCrate>) -> Sbom {
        let crate_of = |c: &super::LinkedCrate| Crate {
            name: c.name.clone(),
            version: c.version.clone(),
        };
        let mut crates: Vec<Crate> = linked.iter().map(crate_of).collect();
        let mut crates_io: Vec<Crate> = linked
            .iter()
            .filter(|c| c.crates_io)
            .map(crate_of)
            .collect();
        for list in [&mut crates, &mut crates_io] {
            list.sort();
            list.dedup();
        }
        Sbom {
            path: PathBuf::from(name),
            name: name.to_string(),
            purl: format!("pkg:generic/{name}"),
            manufacturer: None,
            targets: vec![target.to_string()],
            crates,
            crates_io,
        }
    }
}

/// The SBOM `path` is, or stands for: itself when it is JSON, `<name>.cdx.json` beside an
/// artefact, or the image SBOM in an image directory.
fn sbom_path(path: &Path) -> Result<PathBuf, AuditError> {
    let unusable = |message: &str| AuditError::Sbom {
        path: path.to_path_buf(),
        message: message.into(),
    };
    if path.is_dir() {
        let found: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| unusable(&e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| cra_model::fileset::sbom_stem(&p.to_string_lossy()).is_some())
            .collect();
        return match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(unusable("no .cdx.json in this directory")),
            _ => Err(unusable(
                "more than one .cdx.json in this directory: name one",
            )),
        };
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".json") {
        return Ok(path.to_path_buf());
    }
    let stem = fileset::image_artifact(&name).map_or(name.as_str(), |(stem, _)| stem);
    let beside = path.with_file_name(Documents::of(stem).sbom());
    match beside.exists() {
        true => Ok(beside),
        false => Err(unusable(&format!(
            "no SBOM beside it ({} is missing)",
            beside.display()
        ))),
    }
}

/// Reads the SBOM `path` names.
pub(super) fn read(path: &Path) -> Result<Sbom, AuditError> {
    let path = sbom_path(path)?;
    let bad = |message: String| AuditError::Sbom {
        path: path.clone(),
        message,
    };
    let bytes = input::read_limited(&path, input::DOCUMENT_MAX, "SBOM")
        .map_err(|e| bad(strip_path(&e.to_string(), &path)))?;
    let doc: Doc = serde_json::from_slice(&bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "not a CycloneDX SBOM",
            _ => "not JSON",
        };
        bad(format!("{what}: {}", input::printable(&e.to_string())))
    })?;
    drop(bytes);
    if doc.bom_format.as_deref() != Some("CycloneDX") {
        return Err(bad(
            "not a CycloneDX SBOM (bomFormat is not \"CycloneDX\")".into()
        ));
    }
    let purls: Vec<(Crate, bool)> = doc
        .components
        .iter()
        .filter_map(|c| c.purl.as_deref())
        .filter_map(cargo_purl)
        .collect();
    let mut crates: Vec<Crate> = purls.iter().map(|(c, _)| c.clone()).collect();
    let mut crates_io: Vec<Crate> = purls
        .into_iter()
        .filter_map(|(c, crates_io)| crates_io.then_some(c))
        .collect();
    for list in [&mut crates, &mut crates_io] {
        list.sort();
        list.dedup();
    }
    let root = doc.metadata.component.unwrap_or_default();
    let mut targets: Vec<String> = std::iter::once(&root)
        .chain(doc.components.iter())
        .flat_map(|c| c.targets.iter().cloned())
        .collect();
    targets.sort();
    targets.dedup();
    let name = root
        .name
        .as_deref()
        .map(input::printable)
        .unwrap_or_else(|| path.display().to_string());
    Ok(Sbom {
        purl: root.purl.unwrap_or_else(|| format!("pkg:generic/{name}")),
        manufacturer: doc
            .metadata
            .manufacturer
            .and_then(|m| m.name)
            .as_deref()
            .map(input::printable),
        name,
        path,
        targets,
        crates,
        crates_io,
    })
}

/// The parts of a CycloneDX document an audit reads; everything else is skipped while parsing,
/// so a large image SBOM (hundreds of thousands of file components) costs little more memory
/// than its bytes.
#[derive(serde::Deserialize)]
struct Doc {
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(default)]
    metadata: DocMetadata,
    #[serde(default)]
    components: Vec<DocComponent>,
}

#[derive(Default, serde::Deserialize)]
struct DocMetadata {
    component: Option<DocComponent>,
    manufacturer: Option<DocOrganization>,
}

#[derive(serde::Deserialize)]
struct DocOrganization {
    name: Option<String>,
}

#[derive(Default, serde::Deserialize)]
struct DocComponent {
    name: Option<String>,
    purl: Option<String>,
    /// The values of its `cargo-cra:target` properties (other properties are skipped).
    #[serde(default, rename = "properties", deserialize_with = "target_properties")]
    targets: Vec<String>,
}

/// The values of the `cargo-cra:target` properties of a `properties` array.
fn target_properties<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Property {
        name: Option<String>,
        value: Option<String>,
    }
    let all: Vec<Property> = serde::Deserialize::deserialize(d)?;
    Ok(all
        .into_iter()
        .filter(|p| p.name.as_deref() == Some(cra_model::properties::TARGET))
        .filter_map(|p| p.value)
        .collect())
}

/// `pkg:cargo/name@version` → the crate, and whether it is from crates.io (no qualifier
/// naming another registry, a git checkout or a path); other purls → `None`.
fn cargo_purl(purl: &str) -> Option<(Crate, bool)> {
    let p: packageurl::PackageUrl = purl.parse().ok()?;
    (p.ty() == "cargo").then(|| {
        let c = Crate {
            name: p.name().to_string(),
            version: p.version().unwrap_or_default().to_string(),
        };
        (c, p.qualifiers().is_empty())
    })
}

pub(super) fn strip_path(message: &str, path: &Path) -> String {
    let prefix = format!("{}: ", path.display());
    message.strip_prefix(&prefix).unwrap_or(message).to_string()
}
