//! The product table as written — `[product]` in a recipe, `[package.metadata.cra]` or
//! `[workspace.metadata.cra]` in a manifest: strict serde structs (unknown keys refused) whose
//! checked values keep their spans. Private to the product module.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// Who makes the product and what it is: the facts the CRA's documents need that no build
/// evidence can prove (CRA Annex II, V and VII). The same keys in a recipe's `[product]` and
/// in `[package.metadata.cra]` / `[workspace.metadata.cra]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawProduct {
    /// The manufacturer (Annex II point 1).
    #[serde(default)]
    pub manufacturer: Option<RawManufacturer>,
    /// The single point of contact for vulnerabilities (Annex II point 2): an e-mail
    /// address, a `mailto:` or an `https://` URL.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub security_contact: Option<Spanned<String>>,
    /// The manufacturer's identifier of the product: type, batch or serial number scheme
    /// (Annex II point 3).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub product_id: Option<Spanned<String>>,
    /// The product's name in the documents (default: the binary's or image's name).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Last day of the support period, `YYYY-MM-DD` (Annex II point 7).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub support_period_end: Option<Spanned<String>>,
    /// The type of technical security support given until then, e.g. "security updates".
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub support_type: Option<Spanned<String>>,
    /// The product's intended purpose (Annex II point 4).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub intended_purpose: Option<Spanned<String>>,
    /// Its essential functions, one sentence each (Annex II point 4).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub essential_functions: Option<Spanned<Vec<String>>>,
    /// Where the coordinated vulnerability disclosure policy is: an `https://` URL
    /// (Annex II point 2).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub disclosure_policy: Option<Spanned<String>>,
    /// How users install security updates (Annex II point 8(c)).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub update_method: Option<Spanned<String>>,
    /// Known or foreseeable circumstances of use or misuse that may lead to significant cybersecurity risks (Annex II point 5).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub foreseeable_risks: Option<Spanned<String>>,
    /// What users must do at commissioning and throughout the product's lifetime to use it securely (Annex II point 8(a)).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub secure_use: Option<Spanned<String>>,
    /// How changes to the product can affect the security of data (Annex II point 8(b)).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub modifications: Option<Spanned<String>>,
    /// How to take the product out of service securely, including how user data can be removed (Annex II point 8(d)).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub decommissioning: Option<Spanned<String>>,
    /// How the default setting that installs security updates automatically can be turned off (Annex II point 8(e)).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub automatic_updates: Option<Spanned<String>>,
    /// For a product meant to be integrated into other products: what integrators need to comply (Annex II point 8(f)).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub integration: Option<Spanned<String>>,
    /// Harmonised standards, common specifications or certifications applied (Annex V point 6).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub standards: Option<Spanned<Vec<String>>>,
    /// The conformity assessment procedure followed: `A`, `B+C`, `H` or `EUCC`
    /// (Article 32; Annex V point 7).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub conformity_assessment: Option<Spanned<String>>,
    /// The notified body, when the procedure involves one (Annex V point 7).
    #[serde(default)]
    pub notified_body: Option<RawNotifiedBody>,
    /// Where the EU declaration of conformity can be read: an `https://` URL (Annex II
    /// point 6).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub declaration_url: Option<Spanned<String>>,
    /// The manufacturer's CSAF provider metadata (`provider-metadata.json`): an `https://`
    /// URL, named in `security.txt`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub csaf_provider: Option<Spanned<String>>,
    /// Languages of the documents and of vulnerability reports, as language tags ("en", "de").
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub languages: Option<Spanned<Vec<String>>>,
    /// The cybersecurity risk assessment (Annex VII point 3): a Markdown file, relative to
    /// the file that names it, included verbatim in the technical file.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub risk_assessment: Option<Spanned<String>>,
    /// The design, development and production description (Annex VII point 2(a)): a Markdown
    /// file, as `risk-assessment`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub design_process: Option<Spanned<String>>,
    /// The vulnerability handling process (Annex VII point 2(b)): a Markdown file, as
    /// `risk-assessment`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub vulnerability_handling: Option<Spanned<String>>,
    /// The manufacturer's vulnerability decisions: OpenVEX v0.2.0 documents, relative to the
    /// file that names them, that `cargo cra audit` and the `--audit` gates read.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub vex: Option<Spanned<Vec<String>>>,
    /// Whether `cargo cra build` writes the dependency list into the binaries it ships
    /// (cargo-auditable's `.dep-v0` section, read by `cargo audit bin`, trivy, grype, syft);
    /// default true. In a recipe, false builds every app without it.
    #[serde(default)]
    pub embed_deps: Option<bool>,
    /// The licence the manufacturer uses a component under where the component's declared
    /// licence offers a choice (BSI TR-03183-2's effective licence): the declared SPDX
    /// expression as key, the chosen licence as value, for example
    /// `{ "MIT OR Apache-2.0" = "MIT" }`. The choice must be one the expression allows.
    /// Components whose choice is not given say `NOASSERTION`.
    #[serde(default)]
    #[schemars(with = "Option<std::collections::BTreeMap<String, String>>")]
    pub effective_licenses: Option<Spanned<std::collections::BTreeMap<String, String>>>,
}

/// The manufacturer (Annex II point 1).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawManufacturer {
    /// Registered name or trade mark.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Web site.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub url: Option<Spanned<String>>,
    /// Contact e-mail address.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub email: Option<Spanned<String>>,
    /// Postal address, lines separated by `\n` or `, `.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub address: Option<Spanned<String>>,
}

/// A notified body (Annex V point 7).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNotifiedBody {
    /// Its name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Its four-digit identification number.
    #[schemars(with = "String")]
    pub number: Spanned<String>,
}
