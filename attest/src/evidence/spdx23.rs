//! SPDX 2.3 (JSON), the SBOM format trivy, grype and most of the Yocto and Linux-distribution
//! world read, written from the same CycloneDX document cargo-cra writes: the same packages,
//! versions, hashes, licences, purls and suppliers, and the same dependency graph, so that the
//! two formats cannot disagree. Typed after the SPDX 2.3 JSON schema (the fields written); the
//! documents are checked by spdx-tools' validator in the tests.

use super::cyclonedx::{Bom, Component, ComponentType, LicenseChoice};
use super::tr03183;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What SPDX says when nothing is asserted.
const NOASSERTION: &str = "NOASSERTION";

/// An SPDX 2.3 document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// `SPDX-2.3`.
    spdx_version: &'static str,
    /// `CC0-1.0`, as the specification requires.
    data_license: &'static str,
    /// `SPDXRef-DOCUMENT`.
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    /// The subject's name and version.
    name: String,
    /// A URI unique to this document: the CycloneDX document's content-derived serial number.
    document_namespace: String,
    /// Who and when.
    creation_info: CreationInfo,
    /// The subject first, then every component, flat.
    packages: Vec<Package>,
    /// The document describes the subject; who depends on whom; who contains whom.
    relationships: Vec<Relationship>,
}

/// `creationInfo`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    /// `YYYY-MM-DDThh:mm:ssZ`.
    created: String,
    /// `Tool: cargo-cra-<version>`, and the manufacturer as `Organization: …`.
    creators: Vec<String>,
}

/// A package.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    /// `Organization: …`, or NOASSERTION.
    supplier: String,
    /// Where it can be downloaded, or NOASSERTION.
    download_location: String,
    /// Always false: packages are described, not their files.
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    /// NOASSERTION: no licence is concluded by cargo-cra.
    license_concluded: String,
    /// The package's own licence expression, or NOASSERTION.
    license_declared: String,
    /// NOASSERTION.
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

/// A checksum.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

/// A package's purl.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

/// A relationship between two elements.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

impl Document {
    /// The document, pretty-printed JSON.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("serialisable")
    }
}

/// The SPDX 2.3 form of `bom` (its `metadata.component` the described package), written by
/// cargo-cra `tool_version`.
pub fn from_cyclonedx(bom: &Bom, tool_version: &str) -> Document {
    let root = bom
        .metadata
        .component
        .clone()
        .unwrap_or_else(|| Component::new(ComponentType::Application, "unnamed"));
    let mut ids = Ids::default();
    let mut packages = vec![package(&root, &mut ids)];
    let mut relationships = BTreeSet::new();
    relationships.insert(Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: packages[0].spdx_id.clone(),
    });
    let mut stack: Vec<(&Component, Option<String>)> =
        bom.components.iter().map(|c| (c, None)).collect();
    stack.extend(
        root.components
            .iter()
            .map(|c| (c, Some(packages[0].spdx_id.clone()))),
    );
    while let Some((component, parent)) = stack.pop() {
        let p = package(component, &mut ids);
        if let Some(parent) = parent {
            relationships.insert(Relationship {
                spdx_element_id: parent,
                relationship_type: "CONTAINS",
                related_spdx_element: p.spdx_id.clone(),
            });
        }
        stack.extend(
            component
                .components
                .iter()
                .map(|c| (c, Some(p.spdx_id.clone()))),
        );
        packages.push(p);
    }
    packages[1..].sort_by(|a, b| a.spdx_id.cmp(&b.spdx_id));
    for d in &bom.dependencies {
        let Some(from) = ids.by_ref.get(&d.reference) else {
            continue;
        };
        for to in d.depends_on.iter().filter_map(|r| ids.by_ref.get(r)) {
            relationships.insert(Relationship {
                spdx_element_id: from.clone(),
                relationship_type: "DEPENDS_ON",
                related_spdx_element: to.clone(),
            });
        }
    }
    let mut creators = vec![format!("Tool: cargo-cra-{tool_version}")];
    let manufacturer = bom
        .metadata
        .manufacturer
        .as_ref()
        .or(root.supplier.as_ref());
    if let Some(name) = manufacturer.and_then(|m| m.name.as_deref()) {
        creators.push(format!("Organization: {}", one_line(name)));
    }
    Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: match &root.version {
            Some(v) => format!("{}-{v}", root.name),
            None => root.name.clone(),
        },
        document_namespace: bom
            .serial_number
            .clone()
            .unwrap_or_else(|| format!("urn:cargo-cra:{}", root.name)),
        creation_info: CreationInfo {
            created: created(bom.metadata.timestamp.as_deref()),
            creators,
        },
        packages,
        relationships: relationships.into_iter().collect(),
    }
}

/// SPDX identifiers given so far: unique, made of the characters SPDX allows, each
/// CycloneDX `bom-ref` mapped to its package's.
#[derive(Default)]
struct Ids {
    used: BTreeSet<String>,
    /// How many times each cleaned basis was given (the next suffix, without a quadratic
    /// search).
    given: BTreeMap<String, usize>,
    by_ref: BTreeMap<String, String>,
}

impl Ids {
    /// A new identifier for `component`, from its `bom-ref` (or name and version).
    fn give(&mut self, component: &Component) -> String {
        let basis = component.bom_ref.clone().unwrap_or_else(|| {
            format!(
                "{}-{}",
                component.name,
                component.version.as_deref().unwrap_or_default()
            )
        });
        let mut clean: String = basis
            .chars()
            .map(
                |c| match c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    true => c,
                    false => '-',
                },
            )
            .collect();
        if clean.is_empty() {
            clean.push_str("component");
        }
        let n = self.given.entry(clean.clone()).or_insert(0);
        *n += 1;
        let mut id = match *n {
            1 => format!("SPDXRef-{clean}"),
            k => format!("SPDXRef-{clean}-{k}"),
        };
        // A basis that itself ends in `-<k>` could meet a suffixed one: go on counting.
        while self.used.contains(&id) {
            *n += 1;
            id = format!("SPDXRef-{clean}-{n}");
        }
        self.used.insert(id.clone());
        if let Some(r) = &component.bom_ref {
            self.by_ref.entry(r.clone()).or_insert_with(|| id.clone());
        }
        id
    }
}

fn package(c: &Component, ids: &mut Ids) -> Package {
    let supplier = c
        .supplier
        .as_ref()
        .and_then(|s| s.name.as_deref())
        .map(|n| format!("Organization: {}", one_line(n)))
        .unwrap_or_else(|| NOASSERTION.into());
    let download_location = c
        .external_references
        .iter()
        .find(|r| r.kind == "distribution")
        .or_else(|| c.external_references.iter().find(|r| r.kind == "vcs"))
        .map(|r| r.url.clone())
        // Only a URL SPDX's download-location rule accepts; else NOASSERTION.
        .filter(|u| {
            let lower = u.to_ascii_lowercase();
            ["https://", "http://", "git+https://", "git+ssh://"]
                .iter()
                .any(|p| lower.starts_with(p))
                && !u.chars().any(char::is_whitespace)
        })
        .unwrap_or_else(|| NOASSERTION.into());
    Package {
        spdx_id: ids.give(c),
        name: c.name.clone(),
        version_info: c.version.clone(),
        supplier,
        download_location,
        files_analyzed: false,
        checksums: c
            .hashes
            .iter()
            .filter_map(|h| {
                let algorithm = match h.alg.as_str() {
                    "SHA-1" => "SHA1",
                    "SHA-256" => "SHA256",
                    "SHA-384" => "SHA384",
                    "SHA-512" => "SHA512",
                    _ => return None,
                };
                Some(Checksum {
                    algorithm,
                    checksum_value: h.content.clone(),
                })
            })
            .collect(),
        license_concluded: tr03183::distribution(&c.licenses)
            .and_then(spdx_expression)
            .unwrap_or_else(|| NOASSERTION.into()),
        license_declared: declared(tr03183::original(&c.licenses)),
        copyright_text: NOASSERTION,
        description: c.description.clone(),
        external_refs: c
            .purl
            .iter()
            .map(|p| ExternalRef {
                reference_category: "PACKAGE-MANAGER",
                reference_type: "purl",
                reference_locator: p.clone(),
            })
            .collect(),
        primary_package_purpose: match c.kind {
            ComponentType::Application => "APPLICATION",
            ComponentType::Library => "LIBRARY",
            ComponentType::Container => "CONTAINER",
            ComponentType::Firmware => "FIRMWARE",
            ComponentType::File => "FILE",
        },
    }
}

/// The declared licence: the CycloneDX expression, or the SPDX ids joined with AND, each a
/// valid SPDX expression of listed licences (legacy `MIT/Apache-2.0` made canonical); anything
/// else — a licence known only by name, `Proprietary`, a `LicenseRef-` this document does not
/// define — is NOASSERTION, never an invalid expression.
fn declared<'a>(licenses: impl Iterator<Item = &'a LicenseChoice>) -> String {
    let mut parts = Vec::new();
    for l in licenses {
        let text = match l {
            LicenseChoice::Expression(e) => e.expression.as_str(),
            LicenseChoice::License { license } => match &license.id {
                Some(id) => id.as_str(),
                None => return NOASSERTION.into(),
            },
        };
        match spdx_expression(text) {
            Some(e) => parts.push(e),
            None => return NOASSERTION.into(),
        }
    }
    match parts.len() {
        0 => NOASSERTION.into(),
        1 => parts.remove(0),
        _ => parts
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

/// `text` as a canonical SPDX expression of listed licences, if it is one.
pub(crate) fn spdx_expression(text: &str) -> Option<String> {
    let canonical = spdx::Expression::canonicalize(text)
        .ok()?
        .unwrap_or_else(|| text.to_string());
    let expression = spdx::Expression::parse(&canonical).ok()?;
    let listed = expression
        .requirements()
        .all(|r| matches!(r.req.license, spdx::LicenseItem::Spdx { .. }));
    listed.then_some(canonical)
}

/// SPDX's `created`: `YYYY-MM-DDThh:mm:ssZ` (no fraction), from an RFC 3339 time.
pub(crate) fn created(timestamp: Option<&str>) -> String {
    let t = timestamp.unwrap_or("1970-01-01T00:00:00Z");
    match t.get(..19) {
        Some(seconds) => format!("{seconds}Z"),
        None => "1970-01-01T00:00:00Z".into(),
    }
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::cyclonedx::{Dependency, Hash, LicenseExpression};

    #[test]
    fn packages_hashes_licences_purls_and_the_graph_are_the_cyclonedx_documents() {
        let mut root = Component::new(ComponentType::Application, "gw");
        root.bom_ref = Some("bin:gw".into());
        root.version = Some("1.0.0".into());
        let mut lib = Component::new(ComponentType::Library, "itoa");
        lib.bom_ref = Some("pkg:cargo/itoa@1.0.15".into());
        lib.version = Some("1.0.15".into());
        lib.purl = lib.bom_ref.clone();
        lib.hashes = vec![Hash {
            alg: "SHA-256".into(),
            content: "ab".repeat(32),
        }];
        lib.licenses = vec![LicenseChoice::Expression(LicenseExpression {
            expression: "MIT OR Apache-2.0".into(),
            acknowledgement: None,
        })];
        let mut bom = Bom::new(Default::default());
        bom.metadata.component = Some(root);
        bom.metadata.timestamp = Some("2023-11-14T22:13:20.5Z".into());
        bom.components = vec![lib];
        bom.dependencies = vec![Dependency {
            reference: "bin:gw".into(),
            depends_on: vec!["pkg:cargo/itoa@1.0.15".into()],
        }];
        let doc = from_cyclonedx(&bom, "0.1.0");
        let json: serde_json::Value = serde_json::from_slice(&doc.to_json_pretty()).unwrap();
        assert_eq!(json["creationInfo"]["created"], "2023-11-14T22:13:20Z");
        let itoa = &json["packages"][1];
        assert_eq!(itoa["SPDXID"], "SPDXRef-pkg-cargo-itoa-1.0.15");
        assert_eq!(itoa["licenseDeclared"], "MIT OR Apache-2.0");
        assert_eq!(itoa["checksums"][0]["algorithm"], "SHA256");
        assert_eq!(
            itoa["externalRefs"][0]["referenceLocator"],
            "pkg:cargo/itoa@1.0.15"
        );
        let rels = json["relationships"].as_array().unwrap();
        assert!(rels.iter().any(|r| r["relationshipType"] == "DEPENDS_ON"
            && r["spdxElementId"] == "SPDXRef-bin-gw"
            && r["relatedSpdxElement"] == "SPDXRef-pkg-cargo-itoa-1.0.15"));
        assert!(rels.iter().any(|r| r["relationshipType"] == "DESCRIBES"));
    }

    #[test]
    fn licences_are_valid_expressions_of_listed_licences_or_noassertion() {
        let expr = |e: &str| {
            declared(
                [LicenseChoice::Expression(LicenseExpression {
                    expression: e.into(),
                    acknowledgement: None,
                })]
                .iter(),
            )
        };
        assert_eq!(expr("MIT OR Apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(expr("MIT/Apache-2.0"), "MIT OR Apache-2.0");
        for bad in ["Proprietary", "LicenseRef-Acme", "MIT ORR X", ""] {
            assert_eq!(expr(bad), NOASSERTION, "{bad:?}");
        }
    }
}
