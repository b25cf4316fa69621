//! The CRA's checklist: each item of Annex II (user information), Annex V (declaration of
//! conformity) and Annex VII (technical documentation) that cargo-cra can tell present or
//! missing, and for a missing one the key that supplies it.

use super::evidence::{Evidence, Role};
use super::facts::{Fact, Facts};
use cra_model::product::Product;
use serde::Serialize;

/// Whether an item is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Status {
    /// Stated by the evidence or declared.
    Present,
    /// Neither: the key (or step) that supplies it is named.
    Missing,
}

/// One checklist item.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Item {
    /// `II`, `V` or `VII`.
    pub annex: &'static str,
    /// The point, e.g. `1` or `2(b)`.
    pub point: &'static str,
    /// What the point asks for.
    pub title: &'static str,
    pub status: Status,
    /// Where it comes from: `evidence`, `declaration` or `generated`.
    pub source: &'static str,
    /// For a missing item: what supplies it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supply: Option<String>,
}

impl Item {
    /// One line for `--strict`: what is missing and how to supply it.
    pub(crate) fn missing_line(&self) -> String {
        format!(
            "Annex {} point {}: {} is missing ({})",
            self.annex,
            self.point,
            self.title,
            self.supply.as_deref().unwrap_or("")
        )
    }
}

fn item(
    annex: &'static str,
    point: &'static str,
    title: &'static str,
    present: Option<&'static str>,
    key: &str,
) -> Item {
    Item {
        annex,
        point,
        title,
        status: match present {
            Some(_) => Status::Present,
            None => Status::Missing,
        },
        source: present.unwrap_or(""),
        supply: present.is_none().then(|| supply(key)),
    }
}

/// How to supply a configuration key (several keys joined by " and " each quoted on its own).
fn supply(key: &str) -> String {
    match key.starts_with("run ") {
        true => key.to_string(),
        false => {
            let keys: Vec<String> = key.split(" and ").map(|k| format!("`{k}`")).collect();
            format!(
                "set {} in [package.metadata.cra] or the recipe's [product]",
                keys.join(" and ")
            )
        }
    }
}

/// Where a fact came from, as the checklist says it.
fn source(f: &Option<Fact>) -> Option<&'static str> {
    f.as_ref().map(|f| match f.source {
        super::facts::Source::Evidence(_) => "evidence",
        super::facts::Source::Declaration => "declaration",
    })
}

fn declared_if(present: bool) -> Option<&'static str> {
    present.then_some("declaration")
}

/// The checklist for `facts` (of `evidence`, with `product`'s texts).
pub(crate) fn checklist(evidence: &Evidence, facts: &Facts, product: &Product) -> Vec<Item> {
    let has = |role: Role| evidence.of_role(role).next().is_some();
    let evidence_if = |present: bool| present.then_some("evidence");
    let generated = Some("generated");
    let needs_body = product
        .conformity_assessment
        .is_some_and(|a| a.needs_notified_body());
    vec![
        item(
            "II",
            "1",
            "manufacturer's name",
            source(&facts.manufacturer),
            "manufacturer.name",
        ),
        item(
            "II",
            "1",
            "manufacturer's postal address",
            declared_if(!facts.address.is_empty()),
            "manufacturer.address",
        ),
        item(
            "II",
            "1",
            "manufacturer's e-mail address",
            source(&facts.email),
            "manufacturer.email",
        ),
        item(
            "II",
            "1",
            "manufacturer's web site",
            source(&facts.website),
            "manufacturer.url",
        ),
        item(
            "II",
            "2",
            "single point of contact for vulnerabilities",
            source(&facts.security_contact),
            "security-contact",
        ),
        item(
            "II",
            "2",
            "coordinated vulnerability disclosure policy",
            source(&facts.disclosure_policy),
            "disclosure-policy",
        ),
        item(
            "II",
            "3",
            "product name, type and identification",
            source(&facts.name),
            "name",
        ),
        item(
            "II",
            "3",
            "product identifier",
            source(&facts.product_id),
            "product-id",
        ),
        item(
            "II",
            "4",
            "intended purpose",
            source(&facts.intended_purpose),
            "intended-purpose",
        ),
        item(
            "II",
            "4",
            "essential functions",
            declared_if(!facts.essential_functions.is_empty()),
            "essential-functions",
        ),
        item(
            "II",
            "4",
            "security properties",
            evidence_if(!facts.security.is_empty()),
            "run `cargo cra build --sign` or `cargo cra compose --sign`",
        ),
        item(
            "II",
            "5",
            "circumstances that may lead to significant cybersecurity risks",
            source(&facts.foreseeable_risks),
            "foreseeable-risks",
        ),
        item(
            "II",
            "6",
            "where the EU declaration of conformity is published",
            source(&facts.declaration_url),
            "declaration-url",
        ),
        item(
            "II",
            "7",
            "type of technical security support",
            source(&facts.support_type),
            "support-type",
        ),
        item(
            "II",
            "7",
            "end date of the support period",
            source(&facts.support_period_end),
            "support-period-end",
        ),
        item(
            "II",
            "8(a)",
            "instructions for secure use",
            source(&facts.secure_use),
            "secure-use",
        ),
        item(
            "II",
            "8(b)",
            "how changes to the product can affect the security of data",
            source(&facts.modifications),
            "modifications",
        ),
        item(
            "II",
            "8(c)",
            "how security updates are installed",
            source(&facts.update_method),
            "update-method",
        ),
        item(
            "II",
            "8(d)",
            "secure decommissioning and removal of user data",
            source(&facts.decommissioning),
            "decommissioning",
        ),
        item(
            "II",
            "8(e)",
            "how automatic security updates can be turned off",
            source(&facts.automatic_updates),
            "automatic-updates",
        ),
        item(
            "II",
            "9",
            "where the SBOM is",
            evidence_if(has(Role::Sbom)),
            "run `cargo cra build` or `cargo cra compose`",
        ),
        item(
            "V",
            "1",
            "product name, type and identification",
            source(&facts.name),
            "name",
        ),
        item(
            "V",
            "2",
            "manufacturer's name and address",
            declared_if(facts.manufacturer.is_some() && !facts.address.is_empty()),
            "manufacturer.name and manufacturer.address",
        ),
        item("V", "3", "statement of sole responsibility", generated, ""),
        item(
            "V",
            "4",
            "object of the declaration, traceable (artefact digests)",
            evidence_if(!evidence.files.is_empty()),
            "",
        ),
        item(
            "V",
            "5",
            "the Union harmonisation legislation: Regulation (EU) 2024/2847",
            generated,
            "",
        ),
        item(
            "V",
            "6",
            "harmonised standards, common specifications or certification applied",
            declared_if(!facts.standards.is_empty()),
            "standards",
        ),
        item(
            "V",
            "7",
            "conformity assessment procedure",
            source(&facts.assessment),
            "conformity-assessment",
        ),
        item(
            "V",
            "7",
            "notified body",
            match needs_body {
                true => source(&facts.notified_body),
                false => Some("declaration"),
            },
            "notified-body",
        ),
        item(
            "VII",
            "1",
            "general description, with versions and user information",
            evidence_if(facts.version.is_some()),
            "run `cargo cra build` or `cargo cra compose`",
        ),
        item(
            "VII",
            "2(a)",
            "design, development and production: build provenance",
            evidence_if(has(Role::Provenance)),
            "run `cargo cra build` or `cargo cra compose`",
        ),
        item(
            "VII",
            "2(a)",
            "design, development and production description",
            declared_if(product.texts.design_process.is_some()),
            "design-process",
        ),
        item(
            "VII",
            "2(b)",
            "vulnerability handling process",
            declared_if(product.texts.vulnerability_handling.is_some()),
            "vulnerability-handling",
        ),
        item(
            "VII",
            "2(b)",
            "signed artefacts and attestations",
            evidence_if(has(Role::Signature)),
            "run with `--sign`",
        ),
        item(
            "VII",
            "3",
            "cybersecurity risk assessment",
            declared_if(product.texts.risk_assessment.is_some()),
            "risk-assessment",
        ),
        item(
            "VII",
            "4",
            "information for determining the support period",
            source(&facts.support_period_end),
            "support-period-end",
        ),
        item(
            "VII",
            "5",
            "harmonised standards applied",
            declared_if(!facts.standards.is_empty()),
            "standards",
        ),
        item(
            "VII",
            "6",
            "vulnerability assessment results (VEX, CSAF or audit report)",
            evidence_if(has(Role::Openvex) || has(Role::Csaf) || has(Role::AuditReport)),
            "run `cargo cra audit --openvex DIR/<name>.vex.json`",
        ),
        item("VII", "7", "EU declaration of conformity", generated, ""),
        item(
            "VII",
            "8",
            "software bill of materials",
            evidence_if(has(Role::Sbom)),
            "run `cargo cra build` or `cargo cra compose`",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_keys_are_quoted_each() {
        assert_eq!(
            supply("manufacturer.name and manufacturer.address"),
            "set `manufacturer.name` and `manufacturer.address` in [package.metadata.cra] or the recipe's [product]"
        );
        assert_eq!(supply("run `x`"), "run `x`");
    }
}
