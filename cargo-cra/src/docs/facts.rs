//! What the documents state, each with where it comes from: the evidence (proved by what was
//! built and attested) or the manufacturer's declaration (the configuration, or the product
//! table a build recorded in its SBOM). Nothing is invented: what neither gives is absent.

use super::evidence::{Evidence, Kind, Role};
use cra_model::product::Product;
use serde::Serialize;

/// Where a stated value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Source {
    /// Proved by the evidence file named.
    Evidence(String),
    /// The manufacturer's declaration (the configuration, or the product table a build
    /// recorded in the SBOM named).
    Declaration,
}

/// A stated value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Fact {
    pub value: String,
    pub source: Source,
}

fn declared(v: impl Into<String>) -> Fact {
    Fact {
        value: v.into(),
        source: Source::Declaration,
    }
}

fn proved(v: impl Into<String>, file: &str) -> Fact {
    Fact {
        value: v.into(),
        source: Source::Evidence(file.to_string()),
    }
}

/// Everything the documents say about the product.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    pub name: Option<Fact>,
    pub version: Option<Fact>,
    pub product_type: Option<Fact>,
    pub product_id: Option<Fact>,
    pub manufacturer: Option<Fact>,
    pub address: Vec<String>,
    pub email: Option<Fact>,
    pub website: Option<Fact>,
    pub security_contact: Option<Fact>,
    pub disclosure_policy: Option<Fact>,
    pub intended_purpose: Option<Fact>,
    pub essential_functions: Vec<String>,
    pub support_period_end: Option<Fact>,
    pub support_type: Option<Fact>,
    pub update_method: Option<Fact>,
    pub foreseeable_risks: Option<Fact>,
    pub secure_use: Option<Fact>,
    pub modifications: Option<Fact>,
    pub decommissioning: Option<Fact>,
    pub automatic_updates: Option<Fact>,
    pub integration: Option<Fact>,
    pub declaration_url: Option<Fact>,
    pub standards: Vec<String>,
    pub assessment: Option<Fact>,
    pub notified_body: Option<Fact>,
    pub csaf_provider: Option<Fact>,
    pub languages: Vec<String>,
    /// Security properties the evidence shows, one sentence each.
    pub security: Vec<Fact>,
    /// The SBOM files.
    pub sboms: Vec<String>,
}

impl Facts {
    /// The facts of `evidence`, with `product`'s declarations over those its SBOMs record.
    pub(crate) fn of(evidence: &Evidence, product: &Product) -> Facts {
        let main = evidence.sboms.first();
        let recorded = |f: fn(&super::evidence::SbomFacts) -> Option<String>| {
            evidence.sboms.iter().find_map(f).map(declared)
        };
        let m = product.manufacturer.as_ref();
        Facts {
            name: product
                .name
                .clone()
                .map(declared)
                .or_else(|| main.map(|s| proved(s.name.clone(), &s.file))),
            version: main
                .filter(|s| !s.version.is_empty())
                .map(|s| proved(s.version.clone(), &s.file)),
            product_type: main.map(|s| {
                let what = match evidence.kind {
                    Kind::Image => "software: a read-only system image".to_string(),
                    Kind::Build => format!(
                        "software: an executable for {}",
                        s.target.as_deref().unwrap_or("its target")
                    ),
                };
                proved(what, &s.file)
            }),
            product_id: product
                .product_id
                .clone()
                .map(declared)
                .or_else(|| recorded(|s| s.product_id.clone())),
            manufacturer: m
                .map(|m| declared(m.name.clone()))
                .or_else(|| recorded(|s| s.manufacturer.clone())),
            address: m.map(|m| m.address.clone()).unwrap_or_default(),
            email: m.and_then(|m| m.email.clone()).map(declared),
            website: m.and_then(|m| m.url.clone()).map(declared),
            security_contact: product
                .security_contact
                .clone()
                .map(declared)
                .or_else(|| recorded(|s| s.security_contact.clone())),
            disclosure_policy: product.disclosure_policy.clone().map(declared),
            intended_purpose: product.intended_purpose.clone().map(declared),
            essential_functions: product.essential_functions.clone(),
            support_period_end: product
                .support_period_end
                .clone()
                .map(declared)
                .or_else(|| recorded(|s| s.support_period_end.clone())),
            support_type: product.support_type.clone().map(declared),
            update_method: product.update_method.clone().map(declared),
            foreseeable_risks: product.foreseeable_risks.clone().map(declared),
            secure_use: product.secure_use.clone().map(declared),
            modifications: product.modifications.clone().map(declared),
            decommissioning: product.decommissioning.clone().map(declared),
            automatic_updates: product.automatic_updates.clone().map(declared),
            integration: product.integration.clone().map(declared),
            declaration_url: product.declaration_url.clone().map(declared),
            standards: product.standards.clone(),
            assessment: product
                .conformity_assessment
                .map(|a| declared(a.description())),
            notified_body: product
                .notified_body
                .as_ref()
                .map(|b| declared(format!("{}, number {}", b.name, b.number))),
            csaf_provider: product.csaf_provider.clone().map(declared),
            languages: product.languages.clone(),
            security: security_properties(evidence),
            sboms: evidence
                .of_role(Role::Sbom)
                .map(|f| f.path.clone())
                .collect(),
        }
    }
}

/// What the evidence shows about the product's security: read-only verity root, the user it
/// runs as, capabilities, setuid files, signatures.
fn security_properties(evidence: &Evidence) -> Vec<Fact> {
    let mut out = Vec::new();
    for s in &evidence.sboms {
        if evidence.kind == Kind::Image {
            if let Some(root) = s.property(cra_model::properties::VERITY_ROOT_HASH).first() {
                out.push(proved(
                    format!(
                        "The root filesystem is a read-only squashfs image protected by dm-verity \
                         (root hash {root}): any change to it is detected when read."
                    ),
                    &s.file,
                ));
            } else if !s.property(cra_model::properties::SQUASHFS_FILE).is_empty() {
                out.push(proved(
                    "The root filesystem is a read-only squashfs image (no dm-verity tree).",
                    &s.file,
                ));
            }
            if let Some(user) = s
                .property(cra_model::properties::IMAGE_RUNTIME_USER)
                .first()
            {
                let sentence = match *user {
                    "0" | "root" | "0:0" => "The image runs its entrypoint as root.".to_string(),
                    u => format!(
                        "The image runs its entrypoint as the unprivileged user {u}, not root."
                    ),
                };
                out.push(proved(sentence, &s.file));
            }
            out.push(proved(files_sentence(s), &s.file));
        }
        if let Some(sentence) = mitigations_sentence(s) {
            out.push(proved(sentence, &s.file));
        }
    }
    let signatures = evidence.of_role(Role::Signature).count();
    if signatures > 0 {
        out.push(proved(
            format!(
                "The artefacts and their SBOM and provenance are signed with Sigstore \
                 ({signatures} bundles): a changed or substituted file fails verification."
            ),
            &evidence
                .of_role(Role::Signature)
                .next()
                .map(|f| f.path.clone())
                .unwrap_or_default(),
        ));
    }
    out
}

/// The exploitation mitigations (CRA Annex I (2)(k)) of the binaries an SBOM describes, as
/// their ELF headers show them, in one sentence: what each lacks, or that it lacks none.
fn mitigations_sentence(s: &super::evidence::SbomFacts) -> Option<String> {
    let root: Vec<(String, String)> = s
        .properties
        .iter()
        .filter(|(n, _)| cra_model::properties::HARDENING.contains(&n.as_str()))
        .cloned()
        .collect();
    let mut binaries: Vec<(&str, &[(String, String)])> = Vec::new();
    if !root.is_empty() {
        binaries.push((&s.name, &root));
    }
    binaries.extend(
        s.components
            .iter()
            .filter(|c| !c.hardening.is_empty())
            .map(|c| (c.name.as_str(), c.hardening.as_slice())),
    );
    if binaries.is_empty() {
        return None;
    }
    let described: Vec<String> = binaries
        .iter()
        .map(|(name, props)| format!("{name}: {}", mitigations_of(props)))
        .collect();
    Some(format!(
        "Exploitation mitigations (Annex I (2)(k)), as the ELF headers show them: {}.",
        described.join("; ")
    ))
}

/// One binary's mitigations in words.
fn mitigations_of(props: &[(String, String)]) -> String {
    use cra_model::properties as p;
    let value = |name: &str| {
        props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("unknown")
    };
    format!(
        "position independence {}, RELRO {}, non-executable stack {}, writable and executable \
         segment {}, text relocations {}",
        value(p::HARDENING_PIE),
        value(p::HARDENING_RELRO),
        value(p::HARDENING_NX_STACK),
        value(p::HARDENING_WX_SEGMENT),
        value(p::HARDENING_TEXT_RELOCATIONS),
    )
}

/// Setuid/setgid files and file capabilities of an image SBOM's files, in one sentence.
fn files_sentence(s: &super::evidence::SbomFacts) -> String {
    let files: Vec<_> = s.components.iter().filter(|c| c.mode.is_some()).collect();
    let setuid: Vec<&str> = files
        .iter()
        .filter(|c| {
            c.mode
                .as_deref()
                .and_then(|m| u32::from_str_radix(m, 8).ok())
                .is_some_and(|m| m & 0o6000 != 0)
        })
        .map(|c| c.name.as_str())
        .collect();
    let caps: Vec<String> = files
        .iter()
        .filter_map(|c| Some(format!("{} ({})", c.name, c.capabilities.as_ref()?)))
        .collect();
    let setuid = match setuid.is_empty() {
        true => "no file is setuid or setgid".to_string(),
        false => format!("setuid or setgid files: {}", setuid.join(", ")),
    };
    let caps = match caps.is_empty() {
        true => "no file carries capabilities".to_string(),
        false => format!("files with capabilities: {}", caps.join(", ")),
    };
    format!("Of its {} files and apps, {setuid}; {caps}.", files.len())
}
