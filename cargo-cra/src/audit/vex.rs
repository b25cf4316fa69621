//! The manufacturer's decisions, as OpenVEX v0.2.0 documents: read (strictly: unknown keys
//! refused, the spec's rules checked — `not_affected` needs a justification or an impact
//! statement, `affected` an action statement) and applied to findings; and the product's
//! status for every finding, written as an OpenVEX document.

use super::{AuditError, Finding};
use cra_model::input::InputFile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The OpenVEX context this reads and writes.
pub(super) const CONTEXT: &str = cra_model::media::OPENVEX_CONTEXT;

/// An OpenVEX document.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// `https://openvex.dev/ns/v0.2.0`.
    #[serde(rename = "@context")]
    pub context: String,
    /// The document's IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Who made the statements.
    pub author: String,
    /// The author's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// When it was issued.
    pub timestamp: String,
    /// When it was last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// The document version.
    pub version: u64,
    /// What made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooling: Option<String>,
    /// The statements.
    pub statements: Vec<Statement>,
}

/// One statement: a vulnerability's status in some products.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The statement's IRI.
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The statement's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// Which vulnerability.
    pub vulnerability: Vulnerability,
    /// When it was known to be true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// When it was last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// The products (with subcomponents) it is about.
    #[serde(default)]
    pub products: Vec<Component>,
    /// The status.
    pub status: Status,
    /// The supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// How the status was determined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_notes: Option<String>,
    /// Why not affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    /// Why not affected, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// What to do, when affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
    /// When the action statement was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement_timestamp: Option<String>,
}

/// A vulnerability, by name and aliases.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vulnerability {
    /// Its IRI.
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The main identifier (`RUSTSEC-…`, `CVE-…`, `GHSA-…`).
    pub name: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other identifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// A product or subcomponent: by IRI (a purl) or identifiers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Its IRI (cargo-cra uses purls).
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `purl`, `cpe22`, `cpe23`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiers: Option<BTreeMap<String, String>>,
    /// Hashes by algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<BTreeMap<String, String>>,
    /// Subcomponents (for products).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcomponents: Vec<Component>,
}

impl Component {
    /// Whether the component's IRI or purl identifier names the package URL `purl`.
    pub(crate) fn names(&self, purl: &str) -> bool {
        let by_id = self.id.as_deref().is_some_and(|id| purl_covers(id, purl));
        by_id
            || self
                .identifiers
                .as_ref()
                .and_then(|i| i.get("purl"))
                .is_some_and(|p| purl_covers(p, purl))
    }
}

/// Whether the package URL a VEX statement gives (`given`) covers `ours`, as OpenVEX's own
/// libraries (and trivy, grype) match them: type, namespace, name and subpath equal; the
/// version equal when `given` has one (none covers every version); and every qualifier of
/// `given` in `ours` with the same value — a purl without qualifiers covers any qualifiers.
/// Strings that are not package URLs match only themselves.
fn purl_covers(given: &str, ours: &str) -> bool {
    if given == ours {
        return true;
    }
    let (Ok(g), Ok(o)) = (
        given.parse::<packageurl::PackageUrl>(),
        ours.parse::<packageurl::PackageUrl>(),
    ) else {
        return false;
    };
    g.ty() == o.ty()
        && g.namespace() == o.namespace()
        && g.name() == o.name()
        && g.subpath() == o.subpath()
        && g.version().is_none_or(|v| Some(v) == o.version())
        && g.qualifiers()
            .iter()
            .all(|(k, v)| o.qualifiers().get(k) == Some(v))
}

/// A VEX status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not affected: the finding does not fail the gate.
    NotAffected,
    /// Affected.
    Affected,
    /// Fixed: the finding does not fail the gate.
    Fixed,
    /// Under investigation.
    UnderInvestigation,
}

/// Why a product is not affected (OpenVEX's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    /// The component is not in the product.
    ComponentNotPresent,
    /// The vulnerable code is not in the product.
    VulnerableCodeNotPresent,
    /// The vulnerable code cannot run.
    VulnerableCodeNotInExecutePath,
    /// An adversary cannot reach the vulnerable code.
    VulnerableCodeCannotBeControlledByAdversary,
    /// Mitigations are in place.
    InlineMitigationsAlreadyExist,
}

/// The decisions read from VEX files.
#[derive(Debug, Default)]
pub(super) struct Decisions {
    statements: Vec<Statement>,
}

impl Decisions {
    /// Reads and checks every VEX file.
    pub(super) fn read(paths: &[InputFile]) -> Result<Decisions, AuditError> {
        let mut statements = Vec::new();
        for path in paths {
            statements.extend(read_one(path)?.statements);
        }
        Ok(Decisions { statements })
    }

    /// The last statement about `finding` naming the crate itself, or every product of
    /// `subjects` (with the crate among its subcomponents, when it lists any).
    pub(super) fn about(&self, finding: &Finding, subjects: &[String]) -> Option<&Statement> {
        let purl = finding.purl();
        self.statements.iter().rev().find(|s| {
            let names_vulnerability = std::iter::once(&s.vulnerability.name)
                .chain(&s.vulnerability.aliases)
                .any(|v| *v == finding.id || finding.aliases.contains(v));
            // The crate itself (wherever it ships), or every product shipping it: a statement
            // about one product does not settle another's.
            let names_crate = s.products.iter().any(|p| p.names(&purl))
                || (!subjects.is_empty()
                    && subjects.iter().all(|subject| {
                        s.products.iter().any(|p| {
                            p.names(subject)
                                && (p.subcomponents.is_empty()
                                    || p.subcomponents.iter().any(|c| c.names(&purl)))
                        })
                    }));
            names_vulnerability && names_crate
        })
    }
}

fn read_one(file: &InputFile) -> Result<Document, AuditError> {
    let path = &file.path();
    let bad = |message: String| AuditError::Vex {
        path: path.to_path_buf(),
        message,
    };
    let bytes = file
        .read_limited(cra_model::input::DOCUMENT_MAX, "VEX")
        .map_err(|e| bad(super::sbom::strip_path(&e.to_string(), path)))?;
    parse(&bytes).map_err(bad)
}

/// An OpenVEX document from its bytes, checked; the error is one line, naming no file.
pub(crate) fn parse(bytes: &[u8]) -> Result<Document, String> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "not an OpenVEX document: {}",
            cra_model::input::printable(&e.to_string())
        )
    })?;
    if doc.context != CONTEXT {
        return Err(format!(
            "@context is {:?}, not {CONTEXT:?}",
            cra_model::input::printable(&doc.context)
        ));
    }
    for (i, s) in doc.statements.iter().enumerate() {
        let n = i + 1;
        match s.status {
            Status::NotAffected if s.justification.is_none() && s.impact_statement.is_none() => {
                return Err(format!(
                    "statement {n}: not_affected needs a justification or an impact_statement"
                ));
            }
            Status::Affected if s.action_statement.is_none() => {
                return Err(format!("statement {n}: affected needs an action_statement"));
            }
            _ => {}
        }
        if s.products.is_empty() {
            return Err(format!("statement {n}: names no product"));
        }
    }
    Ok(doc)
}

/// The product's status for every finding, as an OpenVEX document: the decision where a VEX
/// file gave one, `under_investigation` otherwise.
pub(super) fn document(findings: &[Finding], author: &str, timestamp: &str) -> Document {
    let statements: Vec<Statement> = findings
        .iter()
        .filter(|f| f.is_advisory())
        .map(|f| {
            let decided = f.decision.as_ref();
            let status = decided.map(|d| d.status).or(f.status);
            Statement {
                id: None,
                version: None,
                vulnerability: Vulnerability {
                    id: None,
                    name: f.id.clone(),
                    description: Some(f.title.clone()),
                    aliases: f.aliases.clone(),
                },
                timestamp: None,
                last_updated: None,
                products: f
                    .subject_purls
                    .iter()
                    .map(|p| Component {
                        id: Some(p.clone()),
                        identifiers: None,
                        hashes: None,
                        subcomponents: vec![Component {
                            id: Some(f.purl()),
                            identifiers: None,
                            hashes: None,
                            subcomponents: Vec::new(),
                        }],
                    })
                    .collect(),
                status: status.unwrap_or(Status::UnderInvestigation),
                supplier: None,
                status_notes: f.reason.clone(),
                justification: decided.and_then(|d| d.justification).or(f.justification),
                impact_statement: decided.and_then(|d| d.impact_statement.clone()),
                action_statement: decided.and_then(|d| d.action_statement.clone()),
                action_statement_timestamp: None,
            }
        })
        .collect();
    let canonical = serde_json::to_vec(&statements).expect("serialisable");
    let digest = cra_attest::digest::to_hex(&cra_attest::digest::sha256(&canonical));
    Document {
        context: CONTEXT.into(),
        id: format!("urn:cargo-cra:vex:sha256:{digest}"),
        author: author.into(),
        role: None,
        timestamp: timestamp.into(),
        last_updated: None,
        version: 1,
        tooling: Some(format!("cargo-cra {}", env!("CARGO_PKG_VERSION"))),
        statements,
    }
}

#[cfg(test)]
mod tests {
    use super::purl_covers;

    #[test]
    fn a_purl_without_qualifiers_covers_any_qualifiers() {
        let ours = "pkg:cargo/vuln-app@0.1.0?download_url=file:.";
        assert!(purl_covers("pkg:cargo/vuln-app@0.1.0", ours));
        assert!(purl_covers("pkg:cargo/vuln-app", ours));
        assert!(purl_covers(ours, ours));
        assert!(purl_covers(
            "pkg:cargo/vuln-app@0.1.0?download_url=file%3A.",
            ours
        ));
        assert!(!purl_covers("pkg:cargo/vuln-app@0.2.0", ours));
        assert!(!purl_covers("pkg:cargo/other-app@0.1.0", ours));
        assert!(!purl_covers("pkg:npm/vuln-app@0.1.0", ours));
        assert!(!purl_covers(
            "pkg:cargo/vuln-app@0.1.0?download_url=file:other",
            ours
        ));
        assert!(!purl_covers("pkg:cargo/vuln-app@0.1.0?arch=x86_64", ours));
        assert!(!purl_covers(
            "pkg:cargo/hashbrown@0.15.0",
            "pkg:cargo/hashbrown@0.15.1"
        ));
        assert!(purl_covers(
            "pkg:cargo/hashbrown",
            "pkg:cargo/hashbrown@0.15.1"
        ));
        assert!(!purl_covers("not a purl", "not a purl!"));
    }
}
