//! The Markdown documents (Annex II user information, Annex V declaration draft), their HTML
//! rendering, and `security.txt` (RFC 9116). Every value is escaped for the format it lands
//! in: configuration text cannot become markup.
use super::evidence::{Evidence, Role};
use super::facts::{Fact, Facts, Source};
use super::markup::{code, md};
use cra_model::product::Product;

/// A fact as Markdown, marked when it is the manufacturer's declaration.
fn stated(f: &Fact) -> String {
    match &f.source {
        Source::Evidence(file) => format!("{} (from {})", md(&f.value), code(file)),
        Source::Declaration => format!("{} *(manufacturer's declaration)*", md(&f.value)),
    }
}

fn or_missing(f: &Option<Fact>, key: &str) -> String {
    match f {
        Some(f) => stated(f),
        None => format!("**missing** (set `{key}`)"),
    }
}

fn list_or_missing(items: &[String], key: &str) -> String {
    match items.is_empty() {
        true => format!("**missing** (set `{key}`)"),
        false => items
            .iter()
            .map(|i| format!("\n  - {} *(manufacturer's declaration)*", md(i)))
            .collect(),
    }
}

fn product_title(facts: &Facts) -> String {
    let name = facts
        .name
        .as_ref()
        .map_or("the product", |f| f.value.as_str());
    match &facts.version {
        Some(v) => format!("{} {}", md(name), md(&v.value)),
        None => md(name),
    }
}

/// The user information of CRA Annex II.
pub(crate) fn user_information(facts: &Facts) -> String {
    let address = match facts.address.is_empty() {
        true => "**missing** (set `manufacturer.address`)".to_string(),
        false => format!(
            "{} *(manufacturer's declaration)*",
            facts
                .address
                .iter()
                .map(|l| md(l))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let security = match facts.security.is_empty() {
        true => "**missing** (sign the outputs: `--sign`)".to_string(),
        false => facts
            .security
            .iter()
            .map(|f| format!("\n  - {}", stated(f)))
            .collect(),
    };
    let sboms = match facts.sboms.is_empty() {
        true => "**missing**".to_string(),
        false => facts
            .sboms
            .iter()
            .map(|s| code(s))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "# User information: {title}\n\n\
         Information and instructions to the user under Annex II of Regulation (EU) 2024/2847 \
         (Cyber Resilience Act). Statements marked *(manufacturer's declaration)* are the \
         manufacturer's; the others are proved by the signed build evidence named.\n\n\
         ## 1. Manufacturer\n\n\
         - Name: {manufacturer}\n\
         - Postal address: {address}\n\
         - E-mail: {email}\n\
         - Web site: {website}\n\n\
         ## 2. Reporting vulnerabilities\n\n\
         - Single point of contact: {contact}\n\
         - Coordinated vulnerability disclosure policy: {policy}\n\n\
         ## 3. Product\n\n\
         - Name: {name}\n\
         - Type: {product_type}\n\
         - Version: {version}\n\
         - Identification: {product_id}\n\n\
         ## 4. Intended purpose and essential functions\n\n\
         - Intended purpose: {purpose}\n\
         - Essential functions: {functions}\n\
         - Security properties: {security}\n\n\
         ## 5. Circumstances that may lead to significant cybersecurity risks\n\n\
         - Known or foreseeable use or misuse: {risks}\n\n\
         ## 6. EU declaration of conformity\n\n\
         - Published at: {declaration}\n\n\
         ## 7. Support\n\n\
         - Type of technical security support: {support_type}\n\
         - End of the support period: {support_end}\n\n\
         ## 8. Instructions\n\n\
         - (a) Secure use, at commissioning and throughout the lifetime: {secure_use}\n\
         - (b) How changes to the product can affect the security of data: {modifications}\n\
         - (c) How security updates are installed: {update}\n\
         - (d) Secure decommissioning and removal of user data: {decommissioning}\n\
         - (e) Turning off the automatic installation of security updates: {automatic_updates}\n\
         {integration}\n\
         ## 9. Software bill of materials\n\n\
         - The SBOM (CycloneDX) is delivered with the product: {sboms}\n",
        title = product_title(facts),
        manufacturer = or_missing(&facts.manufacturer, "manufacturer.name"),
        email = or_missing(&facts.email, "manufacturer.email"),
        website = or_missing(&facts.website, "manufacturer.url"),
        contact = or_missing(&facts.security_contact, "security-contact"),
        policy = or_missing(&facts.disclosure_policy, "disclosure-policy"),
        name = or_missing(&facts.name, "name"),
        product_type = or_missing(&facts.product_type, "name"),
        version = or_missing(&facts.version, "name"),
        product_id = or_missing(&facts.product_id, "product-id"),
        purpose = or_missing(&facts.intended_purpose, "intended-purpose"),
        functions = list_or_missing(&facts.essential_functions, "essential-functions"),
        declaration = or_missing(&facts.declaration_url, "declaration-url"),
        support_type = or_missing(&facts.support_type, "support-type"),
        support_end = or_missing(&facts.support_period_end, "support-period-end"),
        update = or_missing(&facts.update_method, "update-method"),
        risks = or_missing(&facts.foreseeable_risks, "foreseeable-risks"),
        secure_use = or_missing(&facts.secure_use, "secure-use"),
        modifications = or_missing(&facts.modifications, "modifications"),
        decommissioning = or_missing(&facts.decommissioning, "decommissioning"),
        automatic_updates = or_missing(&facts.automatic_updates, "automatic-updates"),
        // Point 8(f) applies only to a product meant to be integrated into others.
        integration = match &facts.integration {
            Some(f) => format!("- (f) For integrators: {}\n", stated(f)),
            None => String::new(),
        },
    )
}

/// The EU declaration of conformity draft of CRA Annex V; the signature block is left for a
/// person.
pub(crate) fn declaration(facts: &Facts, evidence: &Evidence, product: &Product) -> String {
    let artefacts: String = evidence
        .files
        .iter()
        .filter(|f| {
            matches!(
                f.role,
                Role::Binary | Role::SquashfsImage | Role::OciArchive | Role::Sbom
            )
        })
        .map(|f| format!("- {}: SHA-256 {}\n", code(&f.path), code(&f.sha256)))
        .collect();
    let body = match (&product.conformity_assessment, &facts.notified_body) {
        (Some(a), Some(b)) if a.needs_notified_body() => {
            format!("the notified body {} performed the assessment", stated(b))
        }
        (Some(a), None) if a.needs_notified_body() => {
            "**missing**: the notified body (set `notified-body`)".to_string()
        }
        (Some(_), _) => "no notified body takes part".to_string(),
        // Without the procedure, whether a notified body takes part is not known.
        (None, _) => "the notified body, if any, follows from the procedure".to_string(),
    };
    let address = match facts.address.is_empty() {
        true => "**missing** (set `manufacturer.address`)".to_string(),
        false => facts
            .address
            .iter()
            .map(|l| md(l))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "# EU declaration of conformity (draft)\n\n\
         *A draft under Annex V of Regulation (EU) 2024/2847, generated from the build evidence; \
         it becomes a declaration once a person signs it below.*\n\n\
         1. Product: {name}, version {version}, identification {product_id}; type: {product_type}.\n\
         2. Manufacturer: {manufacturer}, {address}.\n\
         3. This declaration of conformity is issued under the sole responsibility of the \
         manufacturer.\n\
         4. Object of the declaration, identified by the SHA-256 of each artefact:\n\n{artefacts}\n\
         5. The object of the declaration described above is in conformity with Regulation (EU) \
         2024/2847 of the European Parliament and of the Council of 23 October 2024 on horizontal \
         cybersecurity requirements for products with digital elements.\n\
         6. Harmonised standards, common specifications or cybersecurity certification applied: \
         {standards}\n\
         7. Conformity assessment procedure: {assessment}; {body}.\n\
         8. Additional information:\n\n\
         Signed for and on behalf of: {manufacturer}\n\n\
         Place and date of issue: ______________________\n\n\
         Name, function: ______________________\n\n\
         Signature: ______________________\n",
        name = or_missing(&facts.name, "name"),
        version = facts
            .version
            .as_ref()
            .map_or("**missing**".into(), |v| md(&v.value)),
        product_id = or_missing(&facts.product_id, "product-id"),
        product_type = or_missing(&facts.product_type, "name"),
        manufacturer = or_missing(&facts.manufacturer, "manufacturer.name"),
        standards = list_or_missing(&facts.standards, "standards"),
        assessment = or_missing(&facts.assessment, "conformity-assessment"),
    )
}

/// `security.txt` (RFC 9116), or why it cannot be written (it needs a contact).
pub(crate) fn security_txt(
    facts: &Facts,
    date: time::OffsetDateTime,
) -> Option<(String, time::OffsetDateTime)> {
    let contact = facts.security_contact.as_ref()?;
    // RFC 9116 2.5.5: less than a year ahead; the support period's end when it is sooner.
    // A date a year before the end of time (a hostile SBOM timestamp) gets no security.txt.
    let mut expires = date.checked_add(time::Duration::days(364))?;
    if let Some(end) = facts.support_period_end.as_ref().and_then(|f| {
        time::Date::parse(
            &f.value,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    }) {
        let end = end.with_hms(23, 59, 59).expect("valid time").assume_utc();
        if end < expires && end > date {
            expires = end;
        }
    }
    let mut out = format!("Contact: {}\n", contact.value);
    out += &format!(
        "Expires: {}\n",
        cra_attest::evidence::slsa::rfc3339(expires.unix_timestamp())
    );
    if let Some(p) = &facts.disclosure_policy {
        out += &format!("Policy: {}\n", p.value);
    }
    if !facts.languages.is_empty() {
        out += &format!("Preferred-Languages: {}\n", facts.languages.join(", "));
    }
    if let Some(site) = facts
        .website
        .as_ref()
        .filter(|w| w.value.starts_with("https://"))
    {
        out += &format!(
            "Canonical: {}/.well-known/security.txt\n",
            site.value.trim_end_matches('/')
        );
    }
    if let Some(csaf) = &facts.csaf_provider {
        out += &format!("CSAF: {}\n", csaf.value);
    }
    Some((out, expires))
}

#[cfg(test)]
mod tests {
    use super::super::markup::{markdown_html, sanitized_markdown};
    use super::*;

    fn html(md: &str) -> String {
        let mut out = String::new();
        pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new(md));
        out
    }

    #[test]
    fn hostile_values_stay_text() {
        // A file name with backtick runs cannot end its code span and start live Markdown.
        for name in ["a```b[x](https://evil)", "``", "`a`", "x`` [y](z)"] {
            let out = html(&format!("see {}", code(name)));
            assert!(!out.contains("<a "), "{name}: {out}");
            assert_eq!(out.matches("<code>").count(), 1, "{name}: {out}");
        }
        let out = html(&format!(
            "- {}",
            md("<script>alert(1)</script> [x](javascript:y) *b*")
        ));
        assert!(
            !out.contains("<script>") && !out.contains("<a ") && !out.contains("<em>"),
            "{out}"
        );
    }

    #[test]
    fn a_value_cannot_open_a_block_after_its_list_marker() {
        for value in [
            "# OFFICIAL: conformity assessed by notified body 0123",
            "- nested",
            "+ nested",
            "1. ordered",
            "12) ordered",
            "=== ",
        ] {
            let out = html(&format!("- {}\n", md(value)));
            assert_eq!(out.matches('<').count(), 4, "{value}: {out}");
            assert!(out.starts_with("<ul>\n<li>"), "{value}: {out}");
            assert!(out.contains(value.trim()), "{value}: {out}");
        }
    }

    #[test]
    fn only_allowed_links_and_images_survive() {
        let text = "See [x](javascript:alert(1)), [y](DATA:text/html,hi), [ok](https://e.example/a) \
                    and ![pixel](https://tracker.example/p.png) ![local](img/a.png) [m](mailto:a@b.c).";
        let out = markdown_html(text);
        assert!(!out.to_ascii_lowercase().contains("javascript:"), "{out}");
        assert!(!out.to_ascii_lowercase().contains("data:"), "{out}");
        assert!(!out.contains("tracker.example"), "{out}");
        assert!(out.contains("href=\"https://e.example/a\""), "{out}");
        assert!(out.contains("src=\"img/a.png\""), "{out}");
        assert!(out.contains("href=\"mailto:a@b.c\""), "{out}");
        for word in ["x", "y", "pixel"] {
            assert!(out.contains(word), "{word}: {out}");
        }
        let copy = sanitized_markdown(text);
        assert!(!copy.to_ascii_lowercase().contains("javascript:"), "{copy}");
        assert!(!copy.contains("tracker.example"), "{copy}");
        assert!(copy.contains("[ok](https://e.example/a)"), "{copy}");
        assert!(copy.starts_with("See x, y, "), "{copy}");
        assert_eq!(
            sanitized_markdown("# Title\n\nplain [a](#b)\n"),
            "# Title\n\nplain [a](#b)\n"
        );
        // Nested images, raw HTML: no panic, nothing kept that would load or run.
        for text in [
            "![a ![b](c.png) [d](javascript:x)](https://t/p.png) tail",
            "![a ![b](https://t/q.png)](https://t/p.png) [e](javascript:y)",
            "<img src=https://tracker.example/p.png> and <a href=\"javascript:z\">x</a>\n",
            "<div>\n<script>alert(1)</script>\n</div>\n",
        ] {
            let copy = sanitized_markdown(text);
            let html = markdown_html(&copy);
            for rendered in [markdown_html(text), html] {
                assert!(!rendered.contains("<img src=\"https"), "{text}: {rendered}");
                assert!(
                    !rendered.contains("<a href=\"javascript"),
                    "{text}: {rendered}"
                );
                assert!(!rendered.contains("<script"), "{text}: {rendered}");
            }
            assert!(!copy.contains("<img"), "{copy}");
            assert!(!copy.contains("<script"), "{copy}");
        }
    }
}
