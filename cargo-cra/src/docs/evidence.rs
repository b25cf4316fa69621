//! What an output directory holds: every file with its role, digest and size, and the facts
//! its SBOMs and provenance state. Read as hostile input: regular files only (a link or a
//! device is an error), bounded reads, and every statement's subjects checked against the
//! files they name — a file changed after it was attested is an error, not a document.

use super::DocsError;
use cra_model::fileset::{self, Documents};
use cra_model::input;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What a listed file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Role {
    /// A binary `cargo cra build` wrote.
    Binary,
    /// A squashfs root filesystem image.
    SquashfsImage,
    /// An OCI image archive.
    OciArchive,
    /// A RAUC update bundle.
    RaucBundle,
    /// A file of an OCI image layout directory.
    OciLayout,
    /// A CycloneDX SBOM.
    Sbom,
    /// A SLSA provenance statement.
    Provenance,
    /// The dm-verity root hash.
    VerityRootHash,
    /// The statement binding an image to its dm-verity tree.
    VerityStatement,
    /// A dm-verity hash tree in its own file.
    VerityHashTree,
    /// A Sigstore bundle.
    Signature,
    /// An OpenVEX document.
    Openvex,
    /// A CSAF document.
    Csaf,
    /// A `cargo cra audit --json` report.
    AuditReport,
    /// The generated user information (Annex II).
    UserInformation,
    /// The generated declaration of conformity draft (Annex V).
    DeclarationOfConformity,
    /// The generated `security.txt`.
    SecurityTxt,
    /// Anything else found in the directory.
    Other,
}

impl Role {
    /// The Annex VII point the file serves.
    pub(crate) fn annex(self) -> &'static str {
        match self {
            Role::Binary | Role::SquashfsImage | Role::OciArchive | Role::OciLayout => {
                "VII(1): the product as placed on the market"
            }
            Role::RaucBundle => "VII(2)(b): the signed security update (RAUC bundle)",
            Role::Sbom => "VII(8): software bill of materials",
            Role::Provenance => "VII(2)(a): design, development and production (build provenance)",
            Role::VerityRootHash | Role::VerityStatement | Role::VerityHashTree => {
                "VII(2)(a): integrity protection (dm-verity)"
            }
            Role::Signature => "VII(2)(b): signed artefacts and attestations (secure distribution)",
            Role::Openvex | Role::Csaf | Role::AuditReport => {
                "VII(6): vulnerability assessment results"
            }
            Role::UserInformation => "VII(1): user information and instructions (Annex II)",
            Role::DeclarationOfConformity => "VII(7): EU declaration of conformity (Annex V)",
            Role::SecurityTxt => "VII(2)(b): contact for vulnerability reports (RFC 9116)",
            Role::Other => "VII: supporting file",
        }
    }
}

/// One file of the directory.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Listed {
    /// Its path relative to the directory, `/`-separated.
    pub path: String,
    /// What it is.
    pub role: Role,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// One crate or file an SBOM lists.
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub kind: String,
    pub name: String,
    pub version: String,
    pub licenses: String,
    pub sha256: String,
    pub purl: String,
    /// `cargo-cra:image:mode` (octal), for image files.
    pub mode: Option<String>,
    /// `cargo-cra:image:capabilities`, for image files.
    pub capabilities: Option<String>,
    /// `cargo-cra:hardening:*` (name, value), for ELF files.
    pub hardening: Vec<(String, String)>,
}

/// What one SBOM says.
#[derive(Debug, Clone)]
pub(crate) struct SbomFacts {
    pub file: String,
    pub name: String,
    pub version: String,
    pub component_type: String,
    pub timestamp: Option<String>,
    pub manufacturer: Option<String>,
    pub security_contact: Option<String>,
    pub support_period_end: Option<String>,
    pub product_id: Option<String>,
    pub target: Option<String>,
    pub toolchain: Option<String>,
    pub properties: Vec<(String, String)>,
    /// The subject's `cargo-cra:product:*` properties as written (not made printable: they
    /// are checked as a product table's when read).
    pub declarations: Vec<(String, String)>,
    pub components: Vec<Component>,
}

impl SbomFacts {
    /// The values of the metadata component's property `name`.
    pub(crate) fn property(&self, name: &str) -> Vec<&str> {
        self.properties
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What one provenance statement says.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProvenanceFacts {
    pub file: String,
    pub builder: Option<String>,
    pub repository: Option<String>,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
    pub started_on: Option<String>,
}

/// Whether the directory holds what `cargo cra build` or `cargo cra compose` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// Binaries of one target and profile.
    Build,
    /// A composed image.
    Image,
}

/// The directory's evidence.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    pub dir: PathBuf,
    pub kind: Kind,
    pub files: Vec<Listed>,
    pub sboms: Vec<SbomFacts>,
    pub provenance: Vec<ProvenanceFacts>,
    /// The OpenVEX statements found: (vulnerability, product, status, justification).
    pub vex: Vec<VexLine>,
}

/// One OpenVEX statement, as shown.
#[derive(Debug, Clone)]
pub(crate) struct VexLine {
    pub vulnerability: String,
    pub products: String,
    pub status: String,
    pub justification: String,
}

impl Evidence {
    /// The files of `role`.
    pub(crate) fn of_role(&self, role: Role) -> impl Iterator<Item = &Listed> {
        self.files.iter().filter(move |f| f.role == role)
    }
}

/// The artefacts in `dir` with a signature bundle beside them (what `cargo cra verify`
/// checks): binaries (a file with `<name>.cdx.json` beside it) and image artefacts. Read from
/// the directory listing alone, so that verifying can start while the evidence is hashed.
pub(crate) fn signed_artefacts(dir: &Path) -> Vec<PathBuf> {
    let names: std::collections::BTreeSet<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names
        .iter()
        .filter(|n| names.contains(&fileset::signature_bundle(n)))
        .filter(|n| {
            fileset::image_artifact(n).is_some()
                || names.contains(&Documents::of(n.as_str()).sbom())
        })
        .map(|n| dir.join(n))
        .collect()
}

/// Reads the evidence in `dir`, leaving out `skip` (the output directory, when it is inside).
pub(crate) fn scan(dir: &Path, skip: &Path) -> Result<Evidence, DocsError> {
    let mut paths = Vec::new();
    walk(dir, dir, skip, &mut paths)?;
    paths.sort();
    let sbom_stems: Vec<String> = paths
        .iter()
        .filter_map(|p| fileset::sbom_stem(p))
        .filter(|s| !s.contains('/'))
        .map(String::from)
        .collect();
    if sbom_stems.is_empty() {
        return Err(DocsError::NoEvidence(dir.to_path_buf()));
    }
    let mut files = Vec::with_capacity(paths.len());
    let mut sboms = Vec::new();
    let mut provenance = Vec::new();
    let mut vex = Vec::new();
    for rel in &paths {
        let path = dir.join(rel);
        let role = role_of(rel, &sbom_stems, &path);
        let (sha256, size) = digest(&path)?;
        match role {
            Role::Sbom => sboms.push(sbom_facts(rel, &read_json(&path)?)),
            Role::Provenance => provenance.push(provenance_facts(rel, &read_json(&path)?)),
            Role::Openvex => vex.extend(vex_lines(&read_json(&path)?)),
            _ => {}
        }
        files.push(Listed {
            path: rel.clone(),
            role,
            sha256,
            size,
        });
    }
    let kind = match files.iter().any(|f| {
        matches!(
            f.role,
            Role::SquashfsImage | Role::OciArchive | Role::OciLayout
        )
    }) || sboms.iter().any(|s| s.component_type == "container")
    {
        true => Kind::Image,
        false => Kind::Build,
    };
    let evidence = Evidence {
        dir: dir.to_path_buf(),
        kind,
        files,
        sboms,
        provenance,
        vex,
    };
    check_statements(&evidence)?;
    Ok(evidence)
}

/// Every regular file below `dir`, relative, `/`-separated; links and special files refused.
fn walk(root: &Path, dir: &Path, skip: &Path, out: &mut Vec<String>) -> Result<(), DocsError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DocsError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| DocsError::io(dir, e))?;
        let path = entry.path();
        if path == skip {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).map_err(|e| DocsError::io(&path, e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(".cra-tmp-") {
            continue;
        }
        if meta.is_dir() {
            walk(root, &path, skip, out)?;
        } else if meta.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .to_str()
                .ok_or_else(|| DocsError::Evidence {
                    path: path.clone(),
                    message: "its name is not UTF-8".into(),
                })?
                .to_string();
            out.push(rel);
        } else {
            return Err(DocsError::Evidence {
                path,
                message: "not a regular file or directory (a link or a device): the technical \
                          file lists regular files only"
                    .into(),
            });
        }
    }
    Ok(())
}

fn role_of(rel: &str, sbom_stems: &[String], path: &Path) -> Role {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel.split('/').next() == Some(cra_model::fileset::OCI_LAYOUT_DIR) && rel.contains('/') {
        return Role::OciLayout;
    }
    if fileset::bundle_subject(name).is_some() {
        return Role::Signature;
    }
    if let Some((_, kind)) = fileset::image_artifact(name) {
        return match kind {
            fileset::ImageArtifact::Squashfs => Role::SquashfsImage,
            fileset::ImageArtifact::OciArchive => Role::OciArchive,
            fileset::ImageArtifact::RaucBundle => Role::RaucBundle,
        };
    }
    for stem in sbom_stems {
        let docs = Documents::of(stem.as_str());
        if name == docs.sbom() {
            return Role::Sbom;
        }
        if name == docs.provenance() {
            return Role::Provenance;
        }
        if name == docs.roothash() {
            return Role::VerityRootHash;
        }
        if name == docs.verity_statement() {
            return Role::VerityStatement;
        }
        if name == fileset::verity_hash_tree(&docs.squashfs()) {
            return Role::VerityHashTree;
        }
        if name == stem {
            return Role::Binary;
        }
    }
    if name.ends_with(".json") {
        return json_role(path);
    }
    Role::Other
}

/// OpenVEX, CSAF or an audit report, by content; other JSON is `Other`.
fn json_role(path: &Path) -> Role {
    let Ok(doc) = read_json(path) else {
        return Role::Other;
    };
    if doc["@context"]
        .as_str()
        .is_some_and(|c| c.starts_with(cra_model::media::OPENVEX_CONTEXT_PREFIX))
    {
        Role::Openvex
    } else if doc["document"]["csaf_version"].is_string() {
        Role::Csaf
    } else if doc["database"].is_object() && doc["findings"].is_array() {
        Role::AuditReport
    } else {
        Role::Other
    }
}

fn digest(path: &Path) -> Result<(String, u64), DocsError> {
    let file = input::open_regular(path).map_err(|e| DocsError::Evidence {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let size = file.metadata().map_err(|e| DocsError::io(path, e))?.len();
    let mut file = file;
    let digests = cra_attest::digest::copy_hashing(&mut file, &mut std::io::sink())
        .map_err(|e| DocsError::io(path, e))?;
    Ok((digests.sha256_hex(), size))
}

pub(crate) fn read_json(path: &Path) -> Result<Value, DocsError> {
    let bytes = input::read_limited(path, input::DOCUMENT_MAX, "document").map_err(|e| {
        DocsError::Evidence {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })?;
    // Strict: a duplicate key would make the document say two things (see `strict_json`).
    input::strict_json(&bytes).map_err(|e| DocsError::Evidence {
        path: path.to_path_buf(),
        message: format!("not JSON: {}", input::printable(&e.to_string())),
    })
}

fn text(v: &Value) -> String {
    v.as_str().map(input::printable).unwrap_or_default()
}

fn opt(v: &Value) -> Option<String> {
    v.as_str().map(input::printable)
}

/// The property recording the product table's `key`.
fn declared(key: &str) -> String {
    cra_model::properties::product(key)
}

fn sbom_facts(file: &str, doc: &Value) -> SbomFacts {
    let meta = &doc["metadata"];
    let root = &meta["component"];
    let properties: Vec<(String, String)> = root["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (text(&p["name"]), text(&p["value"])))
        .collect();
    // The product declarations raw: they are checked as a product table's when read.
    let declarations: Vec<(String, String)> = root["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["name"].as_str()?, p["value"].as_str()?)))
        .filter(|(k, _)| k.starts_with(cra_model::properties::PRODUCT_PREFIX))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let property = |n: &str| {
        properties
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    let security_contact = root["externalReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["type"] == "security-contact")
        .and_then(|r| opt(&r["url"]));
    let toolchain = meta["tools"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["name"] == "rustc")
        .and_then(|t| opt(&t["description"]).or_else(|| opt(&t["version"])));
    let components = doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .map(component)
        .collect();
    SbomFacts {
        file: file.to_string(),
        name: text(&root["name"]),
        version: text(&root["version"]),
        component_type: text(&root["type"]),
        timestamp: opt(&meta["timestamp"]),
        manufacturer: opt(&meta["manufacturer"]["name"]),
        security_contact,
        support_period_end: property(&declared("support-period-end")),
        product_id: property(&declared("product-id")),
        target: property(cra_model::properties::TARGET),
        toolchain,
        properties,
        declarations,
        components,
    }
}

/// The `cargo-cra:hardening:*` properties among `properties`, as (name, value).
pub(crate) fn hardening(properties: &Value) -> Vec<(String, String)> {
    properties
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["name"].as_str()?, p["value"].as_str()?)))
        .filter(|(n, _)| cra_model::properties::HARDENING.contains(n))
        .map(|(n, v)| (n.to_string(), text(&Value::from(v))))
        .collect()
}

fn component(c: &Value) -> Component {
    let property = |n: &str| {
        c["properties"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == n)
            .and_then(|p| opt(&p["value"]))
    };
    // The declared licences (the concluded ones repeat them).
    let licenses = c["licenses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| {
            let ack = l["acknowledgement"]
                .as_str()
                .or_else(|| l["license"]["acknowledgement"].as_str());
            ack.is_none_or(|a| a == "declared")
        })
        .filter_map(|l| opt(&l["expression"]).or_else(|| opt(&l["license"]["id"])))
        .collect::<Vec<_>>()
        .join(" AND ");
    let sha256 = c["hashes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| h["alg"] == "SHA-256")
        .map(|h| text(&h["content"]))
        .unwrap_or_default();
    Component {
        kind: text(&c["type"]),
        name: text(&c["name"]),
        version: text(&c["version"]),
        licenses,
        sha256,
        purl: text(&c["purl"]),
        mode: property(cra_model::properties::IMAGE_MODE),
        capabilities: property(cra_model::properties::IMAGE_CAPABILITIES),
        hardening: hardening(&c["properties"]),
    }
}

fn provenance_facts(file: &str, doc: &Value) -> ProvenanceFacts {
    let predicate = &doc["predicate"];
    let source = &predicate["buildDefinition"]["externalParameters"]["source"];
    ProvenanceFacts {
        file: file.to_string(),
        builder: opt(&predicate["runDetails"]["builder"]["id"]),
        repository: opt(&source["repository"]),
        commit: opt(&source["commit"]),
        dirty: source["dirty"].as_bool(),
        started_on: opt(&predicate["runDetails"]["metadata"]["startedOn"]),
    }
}

fn vex_lines(doc: &Value) -> Vec<VexLine> {
    doc["statements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| VexLine {
            vulnerability: text(&s["vulnerability"]["name"]),
            products: s["products"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| text(&p["@id"]))
                .collect::<Vec<_>>()
                .join(", "),
            status: text(&s["status"]),
            justification: text(&s["justification"]),
        })
        .collect()
}

/// Every in-toto statement found (provenance files, and the payloads of DSSE bundles) names
/// its subjects by digest: a subject that is a file here must still have that digest.
fn check_statements(evidence: &Evidence) -> Result<(), DocsError> {
    check_root_hashes(evidence)?;
    for f in &evidence.files {
        let statement = match f.role {
            Role::Provenance | Role::VerityStatement => read_json(&evidence.dir.join(&f.path))?,
            Role::Signature => {
                let bundle = read_json(&evidence.dir.join(&f.path))?;
                check_message_digest(evidence, f, &bundle)?;
                match dsse_statement(&bundle) {
                    Some(s) => s,
                    None => continue,
                }
            }
            _ => continue,
        };
        let base = f.path.rsplit_once('/').map(|(d, _)| format!("{d}/"));
        for subject in statement["subject"].as_array().into_iter().flatten() {
            let name = text(&subject["name"]);
            let rel = format!("{}{name}", base.as_deref().unwrap_or(""));
            let Some(listed) = evidence.files.iter().find(|g| g.path == rel) else {
                continue;
            };
            let attested = text(&subject["digest"]["sha256"]);
            if attested != listed.sha256 {
                return Err(DocsError::Evidence {
                    path: evidence.dir.join(&listed.path),
                    message: format!(
                        "its SHA-256 {} is not the {attested} that {} states: it changed after it \
                         was attested",
                        listed.sha256, f.path
                    ),
                });
            }
        }
    }
    Ok(())
}

/// A `<stem>.roothash` must be the root hash its verity statement (`<stem>.verity.json`)
/// states.
fn check_root_hashes(evidence: &Evidence) -> Result<(), DocsError> {
    for f in evidence.of_role(Role::VerityRootHash) {
        let stem = fileset::roothash_stem(&f.path).unwrap_or(&f.path);
        let statement = Documents::of(stem).verity_statement();
        if !evidence.files.iter().any(|g| g.path == statement) {
            continue;
        }
        let attested =
            text(&read_json(&evidence.dir.join(&statement))?["predicate"]["dmVerity"]["rootHash"]);
        let path = evidence.dir.join(&f.path);
        let on_disk =
            input::read_text_limited(&path, input::LINE_MAX, "root hash").map_err(|e| {
                DocsError::Evidence {
                    path: path.clone(),
                    message: e.to_string(),
                }
            })?;
        if on_disk.trim() != attested {
            return Err(DocsError::Evidence {
                path,
                message: format!(
                    "it is not the root hash {attested} that {statement} states: it changed after it was attested"
                ),
            });
        }
    }
    Ok(())
}

/// A message signature `<file>.sigstore.json` states the digest of `<file>`: it must still be
/// the file's.
fn check_message_digest(
    evidence: &Evidence,
    bundle: &Listed,
    json: &Value,
) -> Result<(), DocsError> {
    let digest = &json["messageSignature"]["messageDigest"];
    let (Some(artefact), Some(b64)) = (
        fileset::bundle_subject(&bundle.path),
        digest["digest"].as_str(),
    ) else {
        return Ok(());
    };
    let Some(listed) = evidence.files.iter().find(|g| g.path == artefact) else {
        return Ok(());
    };
    let signed = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)
        .map(|d| cra_attest::digest::to_hex(&d))
        .unwrap_or_default();
    if digest["algorithm"] == "SHA2_256" && signed != listed.sha256 {
        return Err(DocsError::Evidence {
            path: evidence.dir.join(&listed.path),
            message: format!(
                "its SHA-256 {} is not the {signed} that {} signs: it changed after it was signed",
                listed.sha256, bundle.path
            ),
        });
    }
    Ok(())
}

/// The in-toto statement of a DSSE bundle, if it is one.
fn dsse_statement(bundle: &Value) -> Option<Value> {
    let payload = bundle["dsseEnvelope"]["payload"].as_str()?;
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}
