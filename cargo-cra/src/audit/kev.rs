//! CISA's Known Exploited Vulnerabilities catalog (its JSON feed): findings whose CVE it lists
//! are actively exploited — reportable under CRA Article 14 within 24 hours.

use super::AuditError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The fields of the catalog this reads (the feed carries more; they are ignored).
#[derive(Debug, Deserialize)]
struct Feed {
    #[serde(rename = "catalogVersion")]
    catalog_version: String,
    #[serde(rename = "dateReleased")]
    date_released: String,
    vulnerabilities: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(rename = "cveID")]
    cve_id: String,
    #[serde(rename = "dateAdded")]
    date_added: String,
}

/// Which catalog a report used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogIdentity {
    /// `catalogVersion`.
    pub version: String,
    /// `dateReleased`.
    pub released: String,
    /// How many CVEs it lists.
    pub entries: usize,
}

/// The catalog, by CVE.
pub(super) struct Catalog {
    pub(super) identity: CatalogIdentity,
    added: BTreeMap<String, String>,
}

impl Catalog {
    pub(super) fn read(path: &Path) -> Result<Catalog, AuditError> {
        let bad = |message: String| AuditError::Kev {
            path: path.to_path_buf(),
            message,
        };
        let bytes = cra_model::input::read_limited(path, cra_model::input::DOCUMENT_MAX, "catalog")
            .map_err(|e| bad(super::sbom::strip_path(&e.to_string(), path)))?;
        let feed: Feed = serde_json::from_slice(&bytes).map_err(|e| {
            bad(format!(
                "not CISA's KEV catalog: {}",
                cra_model::input::printable(&e.to_string())
            ))
        })?;
        Ok(Catalog {
            identity: CatalogIdentity {
                version: feed.catalog_version,
                released: feed.date_released,
                entries: feed.vulnerabilities.len(),
            },
            added: feed
                .vulnerabilities
                .into_iter()
                .map(|e| (e.cve_id, e.date_added))
                .collect(),
        })
    }

    /// The date the catalog added the first of `ids` it lists.
    pub(super) fn added(&self, ids: &[String]) -> Option<String> {
        ids.iter().find_map(|id| self.added.get(id).cloned())
    }
}
