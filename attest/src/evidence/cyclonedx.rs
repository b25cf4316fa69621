//! A strict serde model of the CycloneDX 1.7 JSON documents cargo-cra writes and reads.
//!
//! Only the parts of the specification cargo-cra uses are modelled; reading a document with a
//! field outside this subset is an error (`deny_unknown_fields`), so nothing is dropped silently
//! when one SBOM is merged into another. Field names and meanings follow the CycloneDX 1.7 JSON
//! schema (<https://cyclonedx.org/docs/1.7/json/>); see each field's documentation.
//!
//! Why 1.7: a component's declared and concluded licence expressions side by side (BSI
//! TR-03183-2's original and distribution licences) are valid only from 1.7 on; 1.6 allows one
//! expression. Why not the `cyclonedx-bom` crate: its newest release (0.8) writes spec 1.5 at
//! most (no `acknowledgement` on licenses, `authors` or `manufacturer` on components).

use crate::digest::Digests;
use serde::{Deserialize, Serialize};

/// The `specVersion` this model writes.
pub const SPEC_VERSION: &str = "1.7";

/// A CycloneDX Bill of Materials (the document root).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bom {
    /// Always `"CycloneDX"`.
    pub(crate) bom_format: String,
    /// Specification version, [`SPEC_VERSION`].
    pub(crate) spec_version: String,
    /// `urn:uuid:` of the document; cargo-cra derives it from the content (see
    /// [`Bom::set_content_serial_number`]) so that identical builds give identical documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) serial_number: Option<String>,
    /// Document revision; 1 for a freshly generated SBOM.
    pub version: u32,
    /// Who, what and when.
    pub metadata: Metadata,
    /// Every component described, flat (the graph is in `dependencies`).
    #[serde(default)]
    pub components: Vec<Component>,
    /// The dependency graph: one entry per component (and the root), naming the `bom-ref`s it
    /// depends on directly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// Statements about the completeness of the inventory and graph.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compositions: Vec<Composition>,
}

impl Bom {
    /// An empty 1.7 document with the given metadata.
    pub fn new(metadata: Metadata) -> Self {
        Bom {
            bom_format: "CycloneDX".into(),
            spec_version: SPEC_VERSION.into(),
            serial_number: None,
            version: 1,
            metadata,
            components: Vec::new(),
            dependencies: Vec::new(),
            compositions: Vec::new(),
        }
    }

    /// Sets `serialNumber` to a UUID (RFC 9562 version 8) derived from the SHA-256 of the
    /// document serialised without a serial number: the same content always gets the same
    /// serial number, and any change of content gives a new one.
    pub fn set_content_serial_number(&mut self) {
        self.serial_number = None;
        // Hashed as it is serialised: no copy of the document is held in memory.
        struct HashWriter(sha2::Sha256);
        impl std::io::Write for HashWriter {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                sha2::Digest::update(&mut self.0, buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hasher = HashWriter(<sha2::Sha256 as sha2::Digest>::new());
        serde_json::to_writer(&mut hasher, self).expect("a Bom always serialises");
        let digest: [u8; 32] = sha2::Digest::finalize(hasher.0).into();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        let uuid = uuid::Builder::from_custom_bytes(bytes).into_uuid();
        self.serial_number = Some(format!("urn:uuid:{uuid}"));
    }

    /// Writes the document as pretty-printed JSON with a trailing newline (the same bytes as
    /// [`Bom::to_json_pretty`]) to `w`.
    pub fn write_pretty(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        w.write_all(b"\n")
    }

    /// The document as pretty-printed JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a Bom always serialises");
        out.push(b'\n');
        out
    }
}

/// `metadata`: the document's timestamp, lifecycle, tools, subject and manufacturer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// RFC 3339 time the document describes (cargo-cra: `SOURCE_DATE_EPOCH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Lifecycle phases the SBOM was made in (`build` for cargo-cra).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycles: Vec<Lifecycle>,
    /// Tools that made the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Tools>,
    /// The subject of the SBOM: the binary or image it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Component>,
    /// The organisation that makes the product (CRA "manufacturer").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<OrganizationalEntity>,
    /// The organisation that supplied the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<OrganizationalEntity>,
    /// Name/value properties (cargo-cra uses the `cargo-cra:` namespace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// One lifecycle phase, such as `build`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// A pre-defined phase: `design`, `pre-build`, `build`, `post-build`, `operations`,
    /// `discovery` or `decommission`.
    pub phase: String,
}

/// `metadata.tools` in its 1.5+ object form.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tools {
    /// Tools as components (type `application`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// The kind of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentType {
    /// A program: the built binary, or a tool.
    Application,
    /// A library, such as a crate linked into a binary.
    Library,
    /// A container image.
    Container,
    /// A file system image or other firmware-like payload.
    Firmware,
    /// Any other file.
    File,
}

/// Whether a component is shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Needed at run time.
    Required,
    /// Used at run time only if present.
    Optional,
    /// Not part of the shipped artefact (for example build-time only).
    Excluded,
}

/// A component's pedigree: the components it descends from, and a note on the differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pedigree {
    /// The components this one was derived from (a modified copy's original).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<Component>,
    /// How this component differs from its ancestors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// One software component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Component {
    /// The kind of component.
    #[serde(rename = "type")]
    pub kind: ComponentType,
    /// Identifier unique within the document, used by `dependencies` and `compositions`.
    #[serde(rename = "bom-ref", default, skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// The organisation that supplied the component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<OrganizationalEntity>,
    /// Who created (and maintains) the component: TR-03183-2's "component creator", an e-mail
    /// contact or, without one, a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<OrganizationalEntity>,
    /// The people or organisations that wrote the component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<OrganizationalContact>,
    /// Name of the component (a crate name, a binary name, a file path).
    pub name: String,
    /// Version of the component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// One-line description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the component is shipped; absent means `required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Digests of the component's artefact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// Licences: the declared ones (`acknowledgement: declared`) and the ones concluded for
    /// distribution (`concluded`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    /// Package URL (<https://github.com/package-url/purl-spec>).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Links to the component's repository, website, download, and so on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
    /// Where a modified component comes from (its unmodified ancestor) and how it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pedigree: Option<Pedigree>,
    /// Name/value properties (BSI TR-03183-2 `bsi:component:*`, and `cargo-cra:*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// Sub-components contained in this one (for example the apps inside an image).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

impl Component {
    /// A component with only a type and a name.
    pub fn new(kind: ComponentType, name: impl Into<String>) -> Self {
        Component {
            kind,
            bom_ref: None,
            supplier: None,
            manufacturer: None,
            authors: Vec::new(),
            name: name.into(),
            version: None,
            description: None,
            scope: None,
            hashes: Vec::new(),
            licenses: Vec::new(),
            purl: None,
            external_references: Vec::new(),
            pedigree: None,
            properties: Vec::new(),
            components: Vec::new(),
        }
    }

    /// cargo-cra itself as a tool component (`metadata.tools`): name, version, repository.
    pub fn cargo_cra_tool() -> Self {
        let mut c = Component::new(ComponentType::Application, "cargo-cra");
        c.version = Some(env!("CARGO_PKG_VERSION").into());
        c.external_references = vec![ExternalReference::new("vcs", env!("CARGO_PKG_REPOSITORY"))];
        c
    }

    /// Sets SHA-256 and SHA-512 hashes from `digests`.
    pub fn with_digests(mut self, digests: &Digests) -> Self {
        self.hashes = Hash::both(digests);
        self
    }
}

/// A digest of a component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hash {
    /// Algorithm name as the schema spells it, such as `SHA-256`.
    pub alg: String,
    /// Lower-case hex digest.
    pub content: String,
}

impl Hash {
    /// A `SHA-256` hash from lower-case hex.
    pub fn sha256(hex: impl Into<String>) -> Self {
        Hash {
            alg: "SHA-256".into(),
            content: hex.into(),
        }
    }

    /// A `SHA-512` hash from lower-case hex.
    pub fn sha512(hex: impl Into<String>) -> Self {
        Hash {
            alg: "SHA-512".into(),
            content: hex.into(),
        }
    }

    /// SHA-256 and SHA-512 from `digests`.
    pub fn both(digests: &Digests) -> Vec<Hash> {
        vec![
            Hash::sha256(digests.sha256_hex()),
            Hash::sha512(digests.sha512_hex()),
        ]
    }
}

/// One entry of `licenses`: an SPDX expression, or a single licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LicenseChoice {
    /// An SPDX licence expression such as `MIT OR Apache-2.0`.
    Expression(LicenseExpression),
    /// A single licence by SPDX id or by name.
    License {
        /// The licence.
        license: License,
    },
}

/// An SPDX licence expression with how it was established.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseExpression {
    /// The SPDX expression.
    pub expression: String,
    /// `declared` (by the author) or `concluded` (by analysis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<String>,
}

/// A single licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct License {
    /// SPDX licence id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, when there is no SPDX id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `declared` or `concluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<String>,
}

/// A link from a component to somewhere else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalReference {
    /// Kind of link: `vcs`, `website`, `distribution`, `documentation`, `security-contact`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The IRI.
    pub url: String,
    /// Free-text comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Digests of what the IRI points to (a `distribution` archive, a `source-distribution`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
}

impl ExternalReference {
    /// A reference of `kind` to `url`, without comment or hashes.
    pub fn new(kind: &str, url: impl Into<String>) -> Self {
        ExternalReference {
            kind: kind.into(),
            url: url.into(),
            comment: None,
            hashes: Vec::new(),
        }
    }
}

/// A name/value pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// Namespaced name, such as `bsi:component:filename`.
    pub name: String,
    /// Value.
    pub value: String,
}

impl Property {
    /// A property from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Property {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// An organisation (manufacturer, supplier).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationalEntity {
    /// Name of the organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Web addresses of the organisation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub url: Vec<String>,
    /// Contacts at the organisation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<OrganizationalContact>,
}

/// A person or role with contact details.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationalContact {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// One node of the dependency graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dependency {
    /// `bom-ref` of the dependent.
    #[serde(rename = "ref")]
    pub reference: String,
    /// `bom-ref`s of its direct dependencies.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// A completeness statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Composition {
    /// `complete`, `incomplete`, `incomplete_first_party_only`, `unknown`, ...
    pub aggregate: String,
    /// `bom-ref`s of the components whose inventory this statement covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assemblies: Vec<String>,
    /// `bom-ref`s whose dependency lists this statement covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
}

impl From<&cra_model::product::Manufacturer> for OrganizationalEntity {
    /// The manufacturer as a CycloneDX organisation (`metadata.manufacturer`, a subject's
    /// `supplier`).
    fn from(m: &cra_model::product::Manufacturer) -> OrganizationalEntity {
        OrganizationalEntity {
            name: Some(m.name.clone()),
            url: m.url.iter().cloned().collect(),
            contact: m
                .email
                .iter()
                .map(|e| OrganizationalContact {
                    name: None,
                    email: Some(e.clone()),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bom {
        let mut bom = Bom::new(Metadata {
            timestamp: Some("1970-01-01T00:00:00Z".into()),
            lifecycles: vec![Lifecycle {
                phase: "build".into(),
            }],
            ..Default::default()
        });
        let mut c = Component::new(ComponentType::Library, "itoa");
        c.bom_ref = Some("itoa@1.0.0".into());
        c.licenses = vec![LicenseChoice::Expression(LicenseExpression {
            expression: "MIT OR Apache-2.0".into(),
            acknowledgement: Some("declared".into()),
        })];
        bom.components.push(c);
        bom
    }

    #[test]
    fn serial_number_is_derived_from_content() {
        let mut a = sample();
        let mut b = sample();
        a.set_content_serial_number();
        b.set_content_serial_number();
        assert_eq!(a.serial_number, b.serial_number);
        let serial = a.serial_number.clone().unwrap();
        assert!(serial.starts_with("urn:uuid:"), "{serial}");
        // RFC 9562 version 8, variant 10xx.
        let uuid = uuid::Uuid::parse_str(&serial["urn:uuid:".len()..]).unwrap();
        assert_eq!(uuid.get_version_num(), 8);

        b.components[0].version = Some("1.0.0".into());
        b.set_content_serial_number();
        assert_ne!(a.serial_number, b.serial_number);
    }

    #[test]
    fn round_trips_and_rejects_unknown_fields() {
        let mut bom = sample();
        bom.set_content_serial_number();
        let json = bom.to_json_pretty();
        let back: Bom = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, bom);

        let mut value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        value["components"][0]["surprise"] = serde_json::json!(1);
        let err = serde_json::from_value::<Bom>(value)
            .unwrap_err()
            .to_string();
        assert!(err.contains("surprise"), "{err}");
    }

    #[test]
    fn writes_schema_spellings() {
        let json = String::from_utf8(sample().to_json_pretty()).unwrap();
        for needle in [
            "\"bomFormat\": \"CycloneDX\"",
            "\"specVersion\": \"1.7\"",
            "\"bom-ref\"",
            "\"type\": \"library\"",
        ] {
            assert!(json.contains(needle), "missing {needle} in {json}");
        }
        assert!(!json.contains("serialNumber"));
    }
}
