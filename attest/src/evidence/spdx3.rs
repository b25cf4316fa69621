//! SPDX 3.0.1 (JSON-LD), the SPDX version BSI TR-03183-2 v2.1 accepts, written from the same
//! CycloneDX document cargo-cra writes: the same packages, versions, hashes, licences (declared
//! and concluded, as relationships to licence expressions), purls, creators, suppliers,
//! references and dependency graph. Typed after the SPDX 3.0.1 model (the classes and
//! properties written, in the JSON-LD context's compact names); the documents are checked by
//! spdx3-validate (JSON schema and SHACL shapes) in the tests.

use super::cyclonedx::{
    Bom, Component, ComponentType, ExternalReference, LicenseChoice, OrganizationalEntity,
};
use super::spdx23::{created, one_line, spdx_expression};
use super::tr03183;
use cra_model::properties::bsi;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The JSON-LD context of SPDX 3.0.1.
const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
/// The blank node every element's `creationInfo` names.
const CREATION_INFO: &str = "_:creationinfo";
/// The SPDX individual for "no element": the target of a complete, empty relationship.
const NONE_ELEMENT: &str = "https://spdx.org/rdf/3.0.1/terms/Core/NoneElement";
/// The SPDX individual for "no assertion can be made" about a licence.
const NO_ASSERTION_LICENSE: &str = "https://spdx.org/rdf/3.0.1/terms/Licensing/NoAssertion";

/// An SPDX 3.0.1 document: its context and the graph of its elements.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@graph")]
    graph: Vec<Node>,
}

impl Document {
    /// The document, pretty-printed JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("serialisable");
        out.push(b'\n');
        out
    }
}

/// One node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum Node {
    CreationInfo(CreationInfo),
    Element(Box<Element>),
}

/// `CreationInfo`: when, by whom and with what every element was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: &'static str,
    spec_version: &'static str,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    created: String,
    /// The manufacturer (an Agent).
    created_by: Vec<String>,
    /// cargo-cra (a Tool).
    created_using: Vec<String>,
}

/// An element. Every SPDX class written is this one shape; the fields a class does not have
/// stay empty and are not written.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Element {
    #[serde(rename = "type")]
    kind: &'static str,
    spdx_id: String,
    creation_info: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verified_using: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_ref: Vec<ExternalRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_identifier: Vec<ExternalIdentifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    originated_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplied_by: Option<String>,
    #[serde(
        rename = "software_packageVersion",
        skip_serializing_if = "Option::is_none"
    )]
    package_version: Option<String>,
    #[serde(
        rename = "software_packageUrl",
        skip_serializing_if = "Option::is_none"
    )]
    package_url: Option<String>,
    #[serde(
        rename = "software_downloadLocation",
        skip_serializing_if = "Option::is_none"
    )]
    download_location: Option<String>,
    #[serde(rename = "software_homePage", skip_serializing_if = "Option::is_none")]
    home_page: Option<String>,
    #[serde(
        rename = "software_primaryPurpose",
        skip_serializing_if = "Option::is_none"
    )]
    primary_purpose: Option<&'static str>,
    #[serde(
        rename = "software_additionalPurpose",
        skip_serializing_if = "Vec::is_empty"
    )]
    additional_purpose: Vec<&'static str>,
    #[serde(
        rename = "software_copyrightText",
        skip_serializing_if = "Option::is_none"
    )]
    copyright_text: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relationship_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    to: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completeness: Option<&'static str>,
    #[serde(
        rename = "simplelicensing_licenseExpression",
        skip_serializing_if = "Option::is_none"
    )]
    license_expression: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    root_element: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    element: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    profile_conformance: Vec<&'static str>,
    #[serde(rename = "software_sbomType", skip_serializing_if = "Vec::is_empty")]
    sbom_type: Vec<&'static str>,
}

impl Element {
    fn new(kind: &'static str, spdx_id: String) -> Self {
        Element {
            kind,
            spdx_id,
            creation_info: CREATION_INFO,
            ..Default::default()
        }
    }
}

/// `Hash`: a digest of an artefact.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Hash {
    #[serde(rename = "type")]
    kind: &'static str,
    algorithm: &'static str,
    hash_value: String,
}

/// `ExternalRef`: a link to something about the element.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    #[serde(rename = "type")]
    kind: &'static str,
    external_ref_type: &'static str,
    locator: Vec<String>,
}

/// `ExternalIdentifier`: another name of the element (a purl, an e-mail address).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalIdentifier {
    #[serde(rename = "type")]
    kind: &'static str,
    external_identifier_type: &'static str,
    identifier: String,
}

/// The SPDX 3.0.1 form of `bom` (its `metadata.component` the SBOM's root element), written
/// by cargo-cra `tool_version`.
pub fn from_cyclonedx(bom: &Bom, tool_version: &str) -> Document {
    let mut w = Writer::new(bom);
    let root = bom
        .metadata
        .component
        .clone()
        .unwrap_or_else(|| Component::new(ComponentType::Application, "unnamed"));
    let tool = w.id("tool", "cargo-cra");
    let mut tool_element = Element::new("Tool", tool.clone());
    tool_element.name = Some(format!("cargo-cra {tool_version}"));
    w.elements.push(tool_element);
    let creator = match &bom.metadata.manufacturer {
        Some(m) => w.agent(m),
        None => {
            let id = w.id("agent", "unknown");
            let mut e = Element::new("Organization", id.clone());
            e.name = Some("unknown: no manufacturer is configured".into());
            w.elements.push(e);
            id
        }
    };
    let root_id = w.component(&root);
    for c in &bom.components {
        w.component(c);
    }
    let mut nested: Vec<(&Component, String)> = root
        .components
        .iter()
        .map(|c| (c, root_id.clone()))
        .collect();
    while let Some((c, parent)) = nested.pop() {
        let id = w.component(c);
        w.relationship(&parent, "contains", vec![id.clone()], None, None);
        nested.extend(c.components.iter().map(|n| (n, id.clone())));
    }
    w.dependencies(bom);
    w.finish(bom, &root_id, creator, tool)
}

/// The document being assembled: its elements and the identifiers given so far.
struct Writer {
    /// The namespace every identifier is minted in (the CycloneDX serial number).
    namespace: String,
    elements: Vec<Element>,
    /// Identifiers given, by kind and local name, for uniqueness.
    used: BTreeSet<String>,
    /// The element of each CycloneDX `bom-ref`.
    by_ref: BTreeMap<String, String>,
    /// The agent of each organisation, by its JSON form.
    agents: BTreeMap<String, String>,
    /// The `LicenseExpression` element of each expression.
    expressions: BTreeMap<String, String>,
    /// Components whose dependency lists are complete.
    complete: BTreeSet<String>,
    relationships: usize,
}

impl Writer {
    fn new(bom: &Bom) -> Self {
        let complete = bom
            .compositions
            .iter()
            .filter(|c| c.aggregate == "complete")
            .flat_map(|c| c.dependencies.iter().cloned())
            .collect();
        Writer {
            namespace: bom
                .serial_number
                .clone()
                .unwrap_or_else(|| "urn:cargo-cra:unnamed".into()),
            elements: Vec::new(),
            used: BTreeSet::new(),
            by_ref: BTreeMap::new(),
            agents: BTreeMap::new(),
            expressions: BTreeMap::new(),
            complete,
            relationships: 0,
        }
    }

    /// A new identifier `<namespace>#<kind>-<name>` (made unique with a counter), with only
    /// characters an IRI fragment may hold unescaped.
    fn id(&mut self, kind: &str, name: &str) -> String {
        let clean: String = name
            .chars()
            .map(|c| match c.is_ascii_alphanumeric() || "-._~".contains(c) {
                true => c,
                false => '-',
            })
            .collect();
        let base = format!("{}#{kind}-{clean}", self.namespace);
        let mut id = base.clone();
        let mut n = 1;
        while !self.used.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        id
    }

    /// The agent of an organisation (one element per distinct organisation): an
    /// `Organization` named by its name, else its first contact, else its first URL; its
    /// e-mail addresses and URLs as external identifiers.
    fn agent(&mut self, org: &OrganizationalEntity) -> String {
        let key = serde_json::to_string(org).expect("serialisable");
        if let Some(id) = self.agents.get(&key) {
            return id.clone();
        }
        let name = org
            .name
            .clone()
            .or_else(|| org.contact.iter().find_map(|c| c.name.clone()))
            .or_else(|| org.contact.iter().find_map(|c| c.email.clone()))
            .or_else(|| org.url.first().cloned())
            .unwrap_or_else(|| "unnamed".into());
        let id = self.id("agent", &name);
        let mut e = Element::new("Organization", id.clone());
        e.name = Some(one_line(&name));
        for email in org.contact.iter().filter_map(|c| c.email.as_ref()) {
            e.external_identifier.push(identifier("email", email));
        }
        for url in &org.url {
            e.external_identifier.push(identifier("urlScheme", url));
        }
        self.elements.push(e);
        self.agents.insert(key, id.clone());
        id
    }

    /// The element of a CycloneDX component: a `software_File` for a file, else a
    /// `software_Package`; with its deployable file (TR-03183-2's file facts) as a
    /// `software_File` it has as distribution artifact.
    fn component(&mut self, c: &Component) -> String {
        let file = c.kind == ComponentType::File;
        let (kind, prefix) = match file {
            true => ("software_File", "file"),
            false => ("software_Package", "package"),
        };
        let basis = c.bom_ref.clone().unwrap_or_else(|| c.name.clone());
        let id = self.id(prefix, &basis);
        if let Some(r) = &c.bom_ref {
            self.by_ref.entry(r.clone()).or_insert_with(|| id.clone());
        }
        let mut e = Element::new(kind, id.clone());
        e.name = Some(c.name.clone());
        e.description = c.description.as_deref().map(one_line);
        e.verified_using = hashes(&c.hashes);
        e.primary_purpose = Some(match c.kind {
            ComponentType::Application => "application",
            ComponentType::Library => "library",
            ComponentType::Container => "container",
            ComponentType::Firmware => "firmware",
            ComponentType::File => "file",
        });
        e.external_ref = c
            .external_references
            .iter()
            .filter_map(external_ref)
            .collect();
        e.originated_by = c.manufacturer.iter().map(|m| self.agent(m)).collect();
        e.supplied_by = c.supplier.as_ref().map(|s| self.agent(s));
        if !file {
            e.package_version = c.version.clone();
            e.package_url = c.purl.clone();
            e.download_location = reference(c, "distribution").map(|r| r.url.clone());
            e.home_page = reference(c, "website").map(|r| r.url.clone());
            e.copyright_text = Some("NOASSERTION");
        }
        e.external_identifier = c.purl.iter().map(|p| identifier("packageUrl", p)).collect();
        if file {
            e.additional_purpose = purposes_of(c);
        }
        self.elements.push(e);
        self.licences(c, &id);
        if !file && let Some(artifact) = self.distribution_artifact(c, purposes_of(c)) {
            self.relationship(&id, "hasDistributionArtifact", vec![artifact], None, None);
        }
        id
    }

    /// TR-03183-2's deployable file of a package, when it has one: its name, hashes, kind and
    /// where it is.
    fn distribution_artifact(
        &mut self,
        c: &Component,
        purposes: Vec<&'static str>,
    ) -> Option<String> {
        let file_name = property(c, bsi::FILENAME)?;
        let r = reference(c, "distribution");
        let id = self.id(
            "artifact",
            &format!("{}-{file_name}", c.bom_ref.as_deref().unwrap_or(&c.name)),
        );
        let mut e = Element::new("software_File", id.clone());
        e.name = Some(file_name.to_string());
        e.verified_using = hashes(r.map(|r| r.hashes.as_slice()).unwrap_or_default());
        e.external_ref = r
            .map(|r| ExternalRef {
                kind: "ExternalRef",
                external_ref_type: "binaryArtifact",
                locator: vec![r.url.clone()],
            })
            .into_iter()
            .collect();
        e.additional_purpose = purposes;
        self.elements.push(e);
        Some(id)
    }

    /// The declared and concluded licences as `hasDeclaredLicense` / `hasConcludedLicense`
    /// relationships to licence expressions (SPDX's NoAssertion when there is none), and the
    /// effective licence as TR-03183-2 maps it (`other`, comment `hasEffectiveLicense`).
    fn licences(&mut self, c: &Component, id: &str) {
        let declared = expression_of(tr03183::original(&c.licenses));
        let concluded = tr03183::distribution(&c.licenses).and_then(spdx_expression);
        let effective = property(c, bsi::EFFECTIVE_LICENSE).and_then(spdx_expression);
        for (kind, expression, comment) in [
            ("hasDeclaredLicense", declared, None),
            ("hasConcludedLicense", concluded, None),
            ("other", effective, Some("hasEffectiveLicense")),
        ] {
            let target = match expression {
                Some(e) => self.expression(&e),
                None => NO_ASSERTION_LICENSE.to_string(),
            };
            self.relationship(id, kind, vec![target], None, comment);
        }
    }

    /// The `LicenseExpression` element of `expression` (one per distinct expression).
    fn expression(&mut self, expression: &str) -> String {
        if let Some(id) = self.expressions.get(expression) {
            return id.clone();
        }
        let id = self.id("license", expression);
        let mut e = Element::new("simplelicensing_LicenseExpression", id.clone());
        e.license_expression = Some(expression.to_string());
        self.elements.push(e);
        self.expressions.insert(expression.to_string(), id.clone());
        id
    }

    /// `dependsOn` relationships of the CycloneDX graph, `complete` where the CycloneDX
    /// document says the component's list is.
    fn dependencies(&mut self, bom: &Bom) {
        for d in &bom.dependencies {
            let Some(from) = self.by_ref.get(&d.reference).cloned() else {
                continue;
            };
            let to: Vec<String> = d
                .depends_on
                .iter()
                .filter_map(|r| self.by_ref.get(r).cloned())
                .collect();
            let complete = self.complete.contains(&d.reference).then_some("complete");
            // A complete empty list is a statement too: it depends on nothing.
            let to = match (to.is_empty(), complete) {
                (false, _) => to,
                (true, Some(_)) => vec![NONE_ELEMENT.to_string()],
                (true, None) => continue,
            };
            self.relationship(&from, "dependsOn", to, complete, None);
        }
    }

    fn relationship(
        &mut self,
        from: &str,
        kind: &'static str,
        to: Vec<String>,
        completeness: Option<&'static str>,
        comment: Option<&str>,
    ) {
        self.relationships += 1;
        let id = self.id("relationship", &self.relationships.to_string());
        let mut e = Element::new("Relationship", id);
        e.from = Some(from.to_string());
        e.relationship_type = Some(kind);
        e.to = to;
        e.completeness = completeness;
        e.comment = comment.map(str::to_string);
        self.elements.push(e);
    }

    /// The document: creation info, the SBOM (rooted at the subject) and the document itself.
    fn finish(mut self, bom: &Bom, root: &str, creator: String, tool: String) -> Document {
        let sbom_id = self.id("sbom", "sbom");
        let document_id = self.id("document", "document");
        let all: Vec<String> = self.elements.iter().map(|e| e.spdx_id.clone()).collect();
        let mut sbom = Element::new("software_Sbom", sbom_id.clone());
        sbom.root_element = vec![root.to_string()];
        sbom.element = all.clone();
        sbom.sbom_type = vec!["build"];
        let mut document = Element::new("SpdxDocument", document_id);
        document.name = bom.metadata.component.as_ref().map(|c| match &c.version {
            Some(v) => format!("{}-{v}", c.name),
            None => c.name.clone(),
        });
        document.root_element = vec![sbom_id.clone()];
        document.element = all;
        document.element.push(sbom_id);
        document.profile_conformance = vec!["core", "software", "simpleLicensing"];
        let mut graph = vec![Node::CreationInfo(CreationInfo {
            kind: "CreationInfo",
            id: CREATION_INFO,
            spec_version: "3.0.1",
            created: created(bom.metadata.timestamp.as_deref()),
            created_by: vec![creator],
            created_using: vec![tool],
        })];
        graph.push(Node::Element(Box::new(document)));
        graph.push(Node::Element(Box::new(sbom)));
        graph.extend(
            self.elements
                .into_iter()
                .map(|e| Node::Element(Box::new(e))),
        );
        Document {
            context: CONTEXT,
            graph,
        }
    }
}

/// TR-03183-2's file kind as SPDX software purposes: `executable`, `archive`, and
/// `container` for a structured file (the TR's mapping).
fn purposes_of(c: &Component) -> Vec<&'static str> {
    let mut out = Vec::new();
    if property(c, bsi::EXECUTABLE) == Some("executable") {
        out.push("executable");
    }
    if property(c, bsi::ARCHIVE) == Some("archive") {
        out.push("archive");
    }
    if property(c, bsi::STRUCTURED) == Some("structured") {
        out.push("container");
    }
    out
}

fn property<'a>(c: &'a Component, name: &str) -> Option<&'a str> {
    c.properties
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

fn reference<'a>(c: &'a Component, kind: &str) -> Option<&'a ExternalReference> {
    c.external_references.iter().find(|r| r.kind == kind)
}

/// A CycloneDX external reference as an SPDX one, for the kinds SPDX has.
fn external_ref(r: &ExternalReference) -> Option<ExternalRef> {
    let kind = match r.kind.as_str() {
        "vcs" => "vcs",
        "website" => "altWebPage",
        "documentation" => "documentation",
        "distribution" => "binaryArtifact",
        "source-distribution" => "sourceArtifact",
        "security-contact" => "securityOther",
        "rfc-9116" => "securityOther",
        _ => return None,
    };
    Some(ExternalRef {
        kind: "ExternalRef",
        external_ref_type: kind,
        locator: vec![r.url.clone()],
    })
}

fn identifier(kind: &'static str, value: &str) -> ExternalIdentifier {
    ExternalIdentifier {
        kind: "ExternalIdentifier",
        external_identifier_type: kind,
        identifier: value.to_string(),
    }
}

fn hashes(hashes: &[super::cyclonedx::Hash]) -> Vec<Hash> {
    hashes
        .iter()
        .filter_map(|h| {
            let algorithm = match h.alg.as_str() {
                "SHA-256" => "sha256",
                "SHA-384" => "sha384",
                "SHA-512" => "sha512",
                _ => return None,
            };
            Some(Hash {
                kind: "Hash",
                algorithm,
                hash_value: h.content.clone(),
            })
        })
        .collect()
}

/// The original licences as one SPDX expression of listed licences, if they are one.
fn expression_of<'a>(licenses: impl Iterator<Item = &'a LicenseChoice>) -> Option<String> {
    let parts: Vec<String> = licenses
        .map(|l| match l {
            LicenseChoice::Expression(e) => spdx_expression(&e.expression),
            LicenseChoice::License { license } => license.id.as_deref().and_then(spdx_expression),
        })
        .collect::<Option<_>>()?;
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(
            parts
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}
