//! What the CRA's documents say about a product that no build evidence can prove: the
//! manufacturer, the contact for vulnerabilities, the support period, the intended purpose,
//! the standards and conformity assessment, and the manufacturer's own texts. Read from a
//! recipe's `[product]` table or a manifest's `[package.metadata.cra]` /
//! `[workspace.metadata.cra]` (the same keys, [`raw::RawProduct`]), and checked here once.

mod declarations;
pub(crate) mod raw;

pub use raw::RawProduct;

use crate::input::Confined;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// A value the product table gave, or why it is wrong and where (byte span in its file).
pub type Checked<T> = Result<T, ProductError>;

/// A bad value of the product table: where it is (byte span) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductError {
    /// The value's byte span in its file.
    pub span: Range<usize>,
    /// What is wrong, naming the key.
    pub message: String,
}

/// The manufacturer (Annex II point 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manufacturer {
    /// Registered name or trade mark.
    pub name: String,
    /// Web site.
    pub url: Option<String>,
    /// Contact e-mail address.
    pub email: Option<String>,
    /// Postal address, one line per element.
    pub address: Vec<String>,
}

/// A notified body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifiedBody {
    /// Its name.
    pub name: String,
    /// Its four-digit identification number.
    pub number: String,
}

/// The conformity assessment procedure (CRA Article 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessment {
    /// Module A: internal control.
    A,
    /// Modules B and C: EU-type examination and conformity to type.
    BPlusC,
    /// Module H: full quality assurance.
    H,
    /// A European cybersecurity certification scheme (EUCC).
    Eucc,
}

impl Assessment {
    /// As written in the configuration (`A`, `B+C`, `H`, `EUCC`).
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::A => "A",
            Assessment::BPlusC => "B+C",
            Assessment::H => "H",
            Assessment::Eucc => "EUCC",
        }
    }

    /// What it is, in a sentence's words.
    pub fn description(self) -> &'static str {
        match self {
            Assessment::A => "internal control (module A, CRA Annex VIII part I)",
            Assessment::BPlusC => {
                "EU-type examination (module B) followed by conformity to type based on internal \
                 production control (module C), CRA Annex VIII parts II and III"
            }
            Assessment::H => {
                "conformity based on full quality assurance (module H, CRA Annex VIII part IV)"
            }
            Assessment::Eucc => "a European cybersecurity certification scheme (EUCC)",
        }
    }

    /// Whether a notified body takes part.
    pub fn needs_notified_body(self) -> bool {
        !matches!(self, Assessment::A)
    }
}

/// The manufacturer's own texts, Markdown files included verbatim in the technical file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    /// The cybersecurity risk assessment (Annex VII point 3).
    pub risk_assessment: Option<Confined>,
    /// Design, development and production (Annex VII point 2(a)).
    pub design_process: Option<Confined>,
    /// The vulnerability handling process (Annex VII point 2(b)).
    pub vulnerability_handling: Option<Confined>,
}

/// The product table, checked; files it names resolved against the directory of the file that
/// names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Product {
    /// Who makes the product.
    pub manufacturer: Option<Manufacturer>,
    /// Vulnerability contact as a URL (`mailto:` for e-mail addresses).
    pub security_contact: Option<String>,
    /// The manufacturer's product identifier.
    pub product_id: Option<String>,
    /// The product's name in the documents.
    pub name: Option<String>,
    /// Last day of the support period, `YYYY-MM-DD`.
    pub support_period_end: Option<String>,
    /// The type of support given.
    pub support_type: Option<String>,
    /// Intended purpose.
    pub intended_purpose: Option<String>,
    /// Essential functions.
    pub essential_functions: Vec<String>,
    /// Coordinated vulnerability disclosure policy URL.
    pub disclosure_policy: Option<String>,
    /// How security updates are installed.
    pub update_method: Option<String>,
    /// Known or foreseeable circumstances of use or misuse that may lead to significant cybersecurity risks (Annex II point 5).
    pub foreseeable_risks: Option<String>,
    /// What users must do at commissioning and throughout the product's lifetime to use it securely (Annex II point 8(a)).
    pub secure_use: Option<String>,
    /// How changes to the product can affect the security of data (Annex II point 8(b)).
    pub modifications: Option<String>,
    /// How to take the product out of service securely, including how user data can be removed (Annex II point 8(d)).
    pub decommissioning: Option<String>,
    /// How the default setting that installs security updates automatically can be turned off (Annex II point 8(e)).
    pub automatic_updates: Option<String>,
    /// For a product meant to be integrated into other products: what integrators need to comply (Annex II point 8(f)).
    pub integration: Option<String>,
    /// Standards applied.
    pub standards: Vec<String>,
    /// Conformity assessment procedure.
    pub conformity_assessment: Option<Assessment>,
    /// Notified body.
    pub notified_body: Option<NotifiedBody>,
    /// Where the declaration of conformity is published.
    pub declaration_url: Option<String>,
    /// CSAF provider metadata URL.
    pub csaf_provider: Option<String>,
    /// Language tags.
    pub languages: Vec<String>,
    /// The manufacturer's texts.
    pub texts: Texts,
    /// OpenVEX documents with the manufacturer's vulnerability decisions.
    pub vex: Vec<Confined>,
    /// Whether the binaries carry their dependency list (`None`: the default, yes).
    pub embed_deps: Option<bool>,
    /// The manufacturer's choices among licence alternatives: declared expression (canonical
    /// SPDX form) to the licence chosen (canonical), each checked to be a choice it allows.
    pub effective_licenses: std::collections::BTreeMap<String, String>,
}

impl Product {
    /// What a CRA product must declare and this table does not, one phrase each (the caller
    /// names the table): no manufacturer, no security contact, no support period end or one
    /// already past on `today` (`YYYY-MM-DD`).
    pub fn gaps(&self, today: &str) -> Vec<String> {
        let mut gaps = Vec::new();
        if self.manufacturer.is_none() {
            gaps.push(
                "no manufacturer: the SBOM names no manufacturer or supplier (CRA Annex II point 1)"
                    .to_string(),
            );
        }
        if self.security_contact.is_none() {
            gaps.push(
                "no security-contact: nobody is named to report vulnerabilities to (CRA Annex II point 2)"
                    .to_string(),
            );
        }
        match &self.support_period_end {
            None => gaps.push(
                "no support-period-end: users cannot tell until when security updates come (CRA Annex II point 7)"
                    .to_string(),
            ),
            // Both are YYYY-MM-DD: text order is date order.
            Some(end) if end.as_str() < today => gaps.push(format!(
                "support-period-end {end} has passed: the product no longer gets security updates"
            )),
            Some(_) => {}
        }
        gaps
    }

    /// Checks a product table read from a file in `base` (the directory files are named
    /// relative to).
    pub fn from_raw(raw: RawProduct, base: &Path) -> Checked<Product> {
        let file = |v: Option<Spanned<String>>, key: &str| {
            v.map(|s| resolve_file(&s, key, base)).transpose()
        };
        Ok(Product {
            manufacturer: raw.manufacturer.map(manufacturer).transpose()?,
            security_contact: raw
                .security_contact
                .map(|s| at(&s, contact_url(s.get_ref())))
                .transpose()?,
            product_id: raw.product_id.map(|s| text(s, "product-id")).transpose()?,
            name: raw.name.map(|s| text(s, "name")).transpose()?,
            support_period_end: raw.support_period_end.map(date).transpose()?,
            support_type: raw
                .support_type
                .map(|s| text(s, "support-type"))
                .transpose()?,
            intended_purpose: raw
                .intended_purpose
                .map(|s| paragraph(s, "intended-purpose"))
                .transpose()?,
            essential_functions: list(raw.essential_functions, "essential-functions")?,
            disclosure_policy: raw
                .disclosure_policy
                .map(|s| https(s, "disclosure-policy"))
                .transpose()?,
            update_method: raw
                .update_method
                .map(|s| paragraph(s, "update-method"))
                .transpose()?,
            foreseeable_risks: raw
                .foreseeable_risks
                .map(|s| paragraph(s, "foreseeable-risks"))
                .transpose()?,
            secure_use: raw
                .secure_use
                .map(|s| paragraph(s, "secure-use"))
                .transpose()?,
            modifications: raw
                .modifications
                .map(|s| paragraph(s, "modifications"))
                .transpose()?,
            decommissioning: raw
                .decommissioning
                .map(|s| paragraph(s, "decommissioning"))
                .transpose()?,
            automatic_updates: raw
                .automatic_updates
                .map(|s| paragraph(s, "automatic-updates"))
                .transpose()?,
            integration: raw
                .integration
                .map(|s| paragraph(s, "integration"))
                .transpose()?,
            standards: list(raw.standards, "standards")?,
            conformity_assessment: raw.conformity_assessment.map(assessment).transpose()?,
            notified_body: raw
                .notified_body
                .map(|b| {
                    Ok(NotifiedBody {
                        name: text(b.name, "notified-body.name")?,
                        number: body_number(b.number)?,
                    })
                })
                .transpose()?,
            declaration_url: raw
                .declaration_url
                .map(|s| https(s, "declaration-url"))
                .transpose()?,
            csaf_provider: raw
                .csaf_provider
                .map(|s| https(s, "csaf-provider"))
                .transpose()?,
            languages: languages(raw.languages)?,
            texts: Texts {
                risk_assessment: file(raw.risk_assessment, "risk-assessment")?,
                design_process: file(raw.design_process, "design-process")?,
                vulnerability_handling: file(raw.vulnerability_handling, "vulnerability-handling")?,
            },
            vex: match raw.vex {
                None => Vec::new(),
                Some(v) => {
                    let span = v.span();
                    v.into_inner()
                        .into_iter()
                        .map(|p| resolve_file(&Spanned::new(span.clone(), p), "vex", base))
                        .collect::<Checked<_>>()?
                }
            },
            embed_deps: raw.embed_deps,
            effective_licenses: raw
                .effective_licenses
                .map(effective_licenses)
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// `self`'s keys, falling back to `defaults` key by key (a list given replaces the
    /// default list).
    pub fn or(self, defaults: &Product) -> Product {
        fn list<T: Clone>(own: Vec<T>, default: &[T]) -> Vec<T> {
            match own.is_empty() {
                true => default.to_vec(),
                false => own,
            }
        }
        let d = defaults.clone();
        Product {
            manufacturer: self.manufacturer.or(d.manufacturer),
            security_contact: self.security_contact.or(d.security_contact),
            product_id: self.product_id.or(d.product_id),
            name: self.name.or(d.name),
            support_period_end: self.support_period_end.or(d.support_period_end),
            support_type: self.support_type.or(d.support_type),
            intended_purpose: self.intended_purpose.or(d.intended_purpose),
            essential_functions: list(self.essential_functions, &d.essential_functions),
            disclosure_policy: self.disclosure_policy.or(d.disclosure_policy),
            update_method: self.update_method.or(d.update_method),
            foreseeable_risks: self.foreseeable_risks.or(d.foreseeable_risks),
            secure_use: self.secure_use.or(d.secure_use),
            modifications: self.modifications.or(d.modifications),
            decommissioning: self.decommissioning.or(d.decommissioning),
            automatic_updates: self.automatic_updates.or(d.automatic_updates),
            integration: self.integration.or(d.integration),
            standards: list(self.standards, &d.standards),
            conformity_assessment: self.conformity_assessment.or(d.conformity_assessment),
            notified_body: self.notified_body.or(d.notified_body),
            declaration_url: self.declaration_url.or(d.declaration_url),
            csaf_provider: self.csaf_provider.or(d.csaf_provider),
            languages: list(self.languages, &d.languages),
            texts: Texts {
                risk_assessment: self.texts.risk_assessment.or(d.texts.risk_assessment),
                design_process: self.texts.design_process.or(d.texts.design_process),
                vulnerability_handling: self
                    .texts
                    .vulnerability_handling
                    .or(d.texts.vulnerability_handling),
            },
            vex: list(self.vex, &d.vex),
            embed_deps: self.embed_deps.or(d.embed_deps),
            effective_licenses: match self.effective_licenses.is_empty() {
                true => d.effective_licenses,
                false => self.effective_licenses,
            },
        }
    }
}

fn at<T>(s: &Spanned<String>, r: Result<T, String>) -> Checked<T> {
    r.map_err(|message| ProductError {
        span: s.span(),
        message,
    })
}

fn fail<T>(span: Range<usize>, message: String) -> Checked<T> {
    Err(ProductError { span, message })
}

/// One line of text: no control characters, not empty.
fn text(s: Spanned<String>, key: &str) -> Checked<String> {
    let v = s.get_ref().trim();
    if v.is_empty() || v.chars().any(char::is_control) {
        return fail(
            s.span(),
            format!(
                "{key} = {:?} must be one non-empty line of text",
                s.get_ref()
            ),
        );
    }
    Ok(v.to_string())
}

/// Text that may run over lines: no control characters but line breaks.
fn paragraph(s: Spanned<String>, key: &str) -> Checked<String> {
    let v = s.get_ref().trim();
    if v.is_empty() || v.chars().any(|c| c.is_control() && c != '\n') {
        return fail(
            s.span(),
            format!("{key} must be non-empty text without control characters"),
        );
    }
    Ok(v.to_string())
}

fn list(v: Option<Spanned<Vec<String>>>, key: &str) -> Checked<Vec<String>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let span = v.span();
    v.into_inner()
        .into_iter()
        .map(|s| text(Spanned::new(span.clone(), s), key))
        .collect()
}

fn date(s: Spanned<String>) -> Checked<String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(s.get_ref(), &fmt) {
        Ok(_) => Ok(s.into_inner()),
        Err(_) => fail(
            s.span(),
            format!(
                "support-period-end = {:?} is not a date of the form YYYY-MM-DD",
                s.get_ref()
            ),
        ),
    }
}

/// An `https://` URL without white space or control characters.
/// `effective-licenses`: each key an SPDX expression offering a choice, each value a choice
/// it allows; both in canonical form.
fn effective_licenses(
    s: Spanned<std::collections::BTreeMap<String, String>>,
) -> Checked<std::collections::BTreeMap<String, String>> {
    let span = s.span();
    let canonical = |text: &str| -> Result<spdx::Expression, String> {
        let canonical = spdx::Expression::canonicalize(text)
            .map_err(|e| format!("{text:?} is not an SPDX licence expression: {e}"))?
            .unwrap_or_else(|| text.to_string());
        spdx::Expression::parse(&canonical)
            .map_err(|e| format!("{text:?} is not an SPDX licence expression: {e}"))
    };
    let mut out = std::collections::BTreeMap::new();
    for (declared, chosen) in s.into_inner() {
        let key = "effective-licenses";
        let d = canonical(&declared).or_else(|m| fail(span.clone(), format!("{key}: {m}")))?;
        let c = canonical(&chosen).or_else(|m| fail(span.clone(), format!("{key}: {m}")))?;
        let licences: Vec<spdx::LicenseReq> = c.requirements().map(|r| r.req.clone()).collect();
        if !d.evaluate(|req| licences.contains(req)) {
            return fail(
                span,
                format!("{key}: {chosen:?} is not a choice {declared:?} allows"),
            );
        }
        out.insert(d.as_ref().to_string(), c.as_ref().to_string());
    }
    Ok(out)
}

fn https(s: Spanned<String>, key: &str) -> Checked<String> {
    let v = s.get_ref();
    let host = v.strip_prefix("https://").unwrap_or_default();
    if host.is_empty()
        || host.starts_with('/')
        || v.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return fail(s.span(), format!("{key} = {v:?} is not an https:// URL"));
    }
    Ok(v.clone())
}

fn manufacturer(m: raw::RawManufacturer) -> Checked<Manufacturer> {
    let address = match m.address {
        None => Vec::new(),
        Some(a) => {
            let text = paragraph(a.clone(), "manufacturer.address")?;
            let sep = if text.contains('\n') { "\n" } else { "," };
            text.split(sep)
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        }
    };
    let url = match m.url {
        None => None,
        Some(u) if u.get_ref().starts_with("http://") => Some(u.into_inner()),
        Some(u) => Some(https(u, "manufacturer.url")?),
    };
    let email = match m.email {
        None => None,
        Some(e) if is_email(e.get_ref()) => Some(e.into_inner()),
        Some(e) => {
            return fail(
                e.span(),
                format!(
                    "manufacturer.email = {:?} is not an e-mail address",
                    e.get_ref()
                ),
            );
        }
    };
    Ok(Manufacturer {
        name: text(m.name, "manufacturer.name")?,
        url,
        email,
        address,
    })
}

fn assessment(s: Spanned<String>) -> Checked<Assessment> {
    match s.get_ref().as_str() {
        "A" => Ok(Assessment::A),
        "B+C" => Ok(Assessment::BPlusC),
        "H" => Ok(Assessment::H),
        "EUCC" => Ok(Assessment::Eucc),
        other => fail(
            s.span(),
            format!(
                "conformity-assessment = {other:?} is not one of \"A\", \"B+C\", \"H\", \"EUCC\""
            ),
        ),
    }
}

fn body_number(s: Spanned<String>) -> Checked<String> {
    let v = s.get_ref();
    match v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) {
        true => Ok(v.clone()),
        false => fail(
            s.span(),
            format!("notified-body.number = {v:?} is not a four-digit NANDO number"),
        ),
    }
}

fn languages(v: Option<Spanned<Vec<String>>>) -> Checked<Vec<String>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let span = v.span();
    let tags = v.into_inner();
    for t in &tags {
        let ok = !t.is_empty()
            && t.split('-').all(|part| {
                (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        if !ok {
            return fail(
                span,
                format!("languages: {t:?} is not a language tag such as \"en\" or \"de-AT\""),
            );
        }
    }
    Ok(tags)
}

/// A file the table names: a relative path below `base` (no `..`, not absolute), which must
/// be a regular file there, reached without leaving `base` through any symbolic link (a
/// manufacturer's text, a VEX document).
fn resolve_file(s: &Spanned<String>, key: &str, base: &Path) -> Checked<Confined> {
    let shown = s.get_ref();
    let confined = Confined::new(base, Path::new(shown)).map_err(|e| ProductError {
        span: s.span(),
        message: format!("{key} = {shown:?} {e}"),
    })?;
    match confined.open() {
        Ok(_) => Ok(confined),
        Err(crate::input::InputError::Io { source, .. }) => fail(
            s.span(),
            format!("{key} = {shown:?}: {}", io_reason(&source)),
        ),
        Err(crate::input::InputError::Escapes { .. }) => fail(
            s.span(),
            format!(
                "{key} = {shown:?} leads outside {} through a symbolic link",
                base.display()
            ),
        ),
        Err(_) => fail(s.span(), format!("{key} = {shown:?} is not a regular file")),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        _ => e.to_string(),
    }
}

/// An e-mail address becomes a `mailto:` URL; `mailto:`, `https://` and `http://` URLs stay.
pub fn contact_url(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.starts_with("mailto:") || v.starts_with("https://") || v.starts_with("http://") {
        if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("security-contact = {value:?} contains white space"));
        }
        return Ok(v.to_string());
    }
    match is_email(v) {
        true => Ok(format!("mailto:{v}")),
        false => Err(format!(
            "security-contact = {value:?} is neither an e-mail address nor an https:// URL"
        )),
    }
}

/// `local@domain.tld`, without white space or control characters.
fn is_email(v: &str) -> bool {
    let mut parts = v.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        _ => false,
    }
}
