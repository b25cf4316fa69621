//! `technical-file.json`: the Annex VII index, machine-readable — every artefact of the
//! evidence directory and every generated document with its role, SHA-256, size and the
//! Annex VII point it serves; the product's identity; the checklist of present and missing
//! items. Its format is `docs/technical-file-v1.md`; `cargo cra verify` reads its listing.

use super::annex::{Item, Status};
use super::evidence::{Evidence, Kind, Listed, Role};
use super::facts::{Fact, Facts};
pub(crate) use cra_model::technical_file::is_below;
use serde::Serialize;

/// The technical file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TechnicalFile {
    /// The format's identifier.
    pub format: &'static str,
    /// What wrote it.
    pub generator: String,
    /// RFC 3339 date (`SOURCE_DATE_EPOCH`, else the SBOM's timestamp).
    pub date: String,
    /// From this file's directory to the directory `artefacts` paths start from.
    pub evidence_root: String,
    /// A build's binaries, or an image.
    pub kind: Kind,
    /// The product's identity.
    pub product: ProductIdentity,
    /// The image's dm-verity root hash, as attested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verity_root_hash: Option<String>,
    /// Every file of the evidence directory.
    pub artefacts: Vec<Entry>,
    /// The documents generated beside this file (paths relative to it).
    pub documents: Vec<Entry>,
    /// The Annex II, V and VII checklist.
    pub items: Vec<Item>,
    /// One line per missing item.
    pub missing: Vec<String>,
}

/// The product's identity in the technical file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProductIdentity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Fact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Fact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<Fact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Fact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_contact: Option<Fact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_period_end: Option<Fact>,
}

/// One listed file.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Entry {
    pub path: String,
    pub role: Role,
    pub sha256: String,
    pub size: u64,
    pub annex: &'static str,
}

impl From<&Listed> for Entry {
    fn from(l: &Listed) -> Entry {
        Entry {
            path: l.path.clone(),
            role: l.role,
            sha256: l.sha256.clone(),
            size: l.size,
            annex: l.role.annex(),
        }
    }
}

/// The technical file's identifier (its `format`): the format document, as the attestation's
/// predicate type.
pub(crate) const FORMAT: &str = cra_model::fileset::TECHNICAL_FILE_PREDICATE_TYPE;

/// What the technical file is made of.
pub(crate) struct Parts<'a> {
    pub evidence: &'a Evidence,
    pub facts: &'a Facts,
    pub items: Vec<Item>,
    pub documents: Vec<Listed>,
    pub date: String,
    pub evidence_root: String,
}

/// The technical file of `parts`.
pub(crate) fn build(parts: Parts<'_>) -> TechnicalFile {
    let f = parts.facts;
    let missing = parts
        .items
        .iter()
        .filter(|i| i.status == Status::Missing)
        .map(Item::missing_line)
        .collect();
    TechnicalFile {
        format: FORMAT,
        generator: format!("cargo-cra {}", env!("CARGO_PKG_VERSION")),
        date: parts.date,
        evidence_root: parts.evidence_root,
        kind: parts.evidence.kind,
        product: ProductIdentity {
            name: f.name.clone(),
            version: f.version.clone(),
            product_id: f.product_id.clone(),
            manufacturer: f.manufacturer.clone(),
            security_contact: f.security_contact.clone(),
            support_period_end: f.support_period_end.clone(),
        },
        verity_root_hash: parts.evidence.sboms.iter().find_map(|s| {
            s.property(cra_model::properties::VERITY_ROOT_HASH)
                .first()
                .map(|r| r.to_string())
        }),
        artefacts: parts.evidence.files.iter().map(Entry::from).collect(),
        documents: parts.documents.iter().map(Entry::from).collect(),
        items: parts.items,
        missing,
    }
}
