//! The audit's statuses as a CSAF 2.0 document of the VEX profile (`csaf_vex`), the format
//! BSI TR-03183 recommends for the advisories the CRA requires: the product tree from the
//! SBOMs (each product, each affected crate, and the crate as a component of the product), one
//! vulnerability per advisory with its RustSec id, CVE and aliases, and the VEX statuses as
//! product statuses — with the flags, impact statements and remediations the profile's
//! mandatory tests require.

use super::vex::{Justification, Status};
use super::{Finding, Report};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The document, dated `timestamp` (RFC 3339).
pub(super) fn document(report: &Report, timestamp: &str) -> Value {
    let publisher = report
        .subjects
        .iter()
        .find_map(|s| s.manufacturer.clone())
        .unwrap_or_else(|| super::NO_MANUFACTURER.into());
    let tree = ProductTree::of(report);
    let vulnerabilities: Vec<Value> = by_advisory(&report.findings)
        .into_values()
        .map(|fs| vulnerability(&fs, &tree))
        .collect();
    let title = format!(
        "cargo-cra audit of {}",
        report
            .subjects
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let canonical = serde_json::to_vec(&vulnerabilities).expect("serialisable");
    let id = format!(
        "cargo-cra-audit-{}",
        &cra_attest::digest::to_hex(&cra_attest::digest::sha256(&canonical))[..16]
    );
    json!({
        "document": {
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "publisher": {
                "category": "vendor",
                "name": publisher,
                "namespace": "https://github.com/cargo-cra/cargo-cra",
            },
            "title": title,
            "tracking": {
                "current_release_date": timestamp,
                "generator": { "engine": { "name": "cargo-cra", "version": env!("CARGO_PKG_VERSION") } },
                "id": id,
                "initial_release_date": timestamp,
                "revision_history": [{ "date": timestamp, "number": "1", "summary": "Initial audit." }],
                "status": "final",
                "version": "1",
            },
        },
        "product_tree": tree.json,
        "vulnerabilities": vulnerabilities,
    })
}

/// Findings grouped by advisory id.
fn by_advisory(findings: &[Finding]) -> BTreeMap<&str, Vec<&Finding>> {
    let mut out: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.is_advisory()) {
        out.entry(f.id.as_str()).or_default().push(f);
    }
    out
}

/// Product ids: `CSAFPID-<n>` for products and crates, and for each crate in each product.
struct ProductTree {
    json: Value,
    /// (product purl, crate purl) → the id of "crate as a component of product".
    in_product: BTreeMap<(String, String), String>,
}

impl ProductTree {
    fn of(report: &Report) -> ProductTree {
        let mut names = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        let mut next = 0;
        let mut id_of = |purl: &str, name: String, names: &mut Vec<Value>| -> String {
            ids.entry(purl.to_string())
                .or_insert_with(|| {
                    next += 1;
                    let id = format!("CSAFPID-{next:04}");
                    names.push(json!({
                        "name": name,
                        "product_id": id,
                        "product_identification_helper": { "purl": purl },
                    }));
                    id
                })
                .clone()
        };
        let mut relationships = Vec::new();
        let mut in_product = BTreeMap::new();
        let mut combined = 0;
        for f in report.findings.iter().filter(|f| f.is_advisory()) {
            let crate_id = id_of(
                &f.purl(),
                format!("{} {}", f.package, f.version),
                &mut names,
            );
            for p in &f.subject_purls {
                let name = report
                    .subjects
                    .iter()
                    .find(|s| &s.purl == p)
                    .map_or_else(|| p.clone(), |s| s.name.clone());
                let product_id = id_of(p, name.clone(), &mut names);
                let key = (p.clone(), f.purl());
                if in_product.contains_key(&key) {
                    continue;
                }
                combined += 1;
                let id = format!("CSAFPID-C{combined:04}");
                relationships.push(json!({
                    "category": "default_component_of",
                    "full_product_name": {
                        "name": format!("{} {} in {name}", f.package, f.version),
                        "product_id": id,
                    },
                    "product_reference": crate_id,
                    "relates_to_product_reference": product_id,
                }));
                in_product.insert(key, id);
            }
        }
        let mut json = json!({ "full_product_names": names });
        if !relationships.is_empty() {
            json["relationships"] = json!(relationships);
        }
        ProductTree { json, in_product }
    }

    fn ids(&self, f: &Finding) -> Vec<String> {
        f.subject_purls
            .iter()
            .filter_map(|p| self.in_product.get(&(p.clone(), f.purl())).cloned())
            .collect()
    }
}

fn vulnerability(findings: &[&Finding], tree: &ProductTree) -> Value {
    let first = findings[0];
    let mut status: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut flags: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut threats = Vec::new();
    let mut remediations = Vec::new();
    for f in findings {
        let ids = tree.ids(f);
        let key = match f.status.unwrap_or(Status::UnderInvestigation) {
            Status::NotAffected => "known_not_affected",
            Status::Affected => "known_affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under_investigation",
        };
        status.entry(key).or_default().extend(ids.clone());
        let decision = f.decision.as_ref();
        if let Some(j) = f.justification {
            flags.entry(flag(j)).or_default().extend(ids.clone());
        }
        if f.status == Some(Status::NotAffected)
            && let Some(text) = decision.and_then(|d| d.impact_statement.clone())
        {
            threats.push(json!({ "category": "impact", "details": text, "product_ids": ids }));
        }
        if f.status == Some(Status::Affected) {
            let details = decision
                .and_then(|d| d.action_statement.clone())
                .unwrap_or_default();
            let category = match f.patched.is_empty() {
                true => "none_available",
                false => "vendor_fix",
            };
            remediations
                .push(json!({ "category": category, "details": details, "product_ids": ids }));
        }
    }
    let cve = first.aliases.iter().find(|a| a.starts_with("CVE-"));
    let mut ids = vec![json!({ "system_name": "RustSec", "text": first.id })];
    ids.extend(
        first
            .aliases
            .iter()
            .filter(|a| !a.starts_with("CVE-"))
            .map(|a| json!({ "system_name": system(a), "text": a })),
    );
    let mut v = json!({
        "ids": ids,
        "notes": [{ "category": "summary", "text": first.title }],
        "product_status": status,
        "title": first.title,
    });
    if let Some(cve) = cve {
        v["cve"] = json!(cve);
    }
    if !flags.is_empty() {
        v["flags"] = json!(
            flags
                .into_iter()
                .map(|(label, ids)| json!({ "label": label, "product_ids": ids }))
                .collect::<Vec<_>>()
        );
    }
    if !threats.is_empty() {
        v["threats"] = json!(threats);
    }
    if !remediations.is_empty() {
        v["remediations"] = json!(remediations);
    }
    v
}

/// The CSAF flag label of an OpenVEX justification (the two lists name the same cases).
fn flag(j: Justification) -> &'static str {
    match j {
        Justification::ComponentNotPresent => "component_not_present",
        Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
        Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
        Justification::VulnerableCodeCannotBeControlledByAdversary => {
            "vulnerable_code_cannot_be_controlled_by_adversary"
        }
        Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
    }
}

fn system(alias: &str) -> &'static str {
    match alias.split('-').next() {
        Some("GHSA") => "GitHub Security Advisory",
        Some("OSV") => "OSV",
        _ => "alias",
    }
}
