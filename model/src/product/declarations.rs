//! The product table's declarations as properties of the SBOM's subject
//! (`cargo-cra:product:<key>`, one property per value, keys as in the table), so that they
//! travel in the signed evidence: an auditor handed an image, not its recipe, still reads who
//! makes it, whom to tell about vulnerabilities and until when it is supported. Read back, the
//! values go through the same checks as the table itself. The manufacturer's texts and VEX
//! documents are files beside the configuration and do not travel here.

use super::{Product, RawProduct};
use crate::properties::PRODUCT_PREFIX;

impl Product {
    /// The declarations as (property name, value) pairs, in the table's key order.
    pub fn declarations(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut put =
            |key: &str, value: &str| out.push((crate::properties::product(key), value.to_string()));
        if let Some(m) = &self.manufacturer {
            put("manufacturer.name", &m.name);
            m.url.iter().for_each(|u| put("manufacturer.url", u));
            m.email.iter().for_each(|e| put("manufacturer.email", e));
            m.address
                .iter()
                .for_each(|l| put("manufacturer.address", l));
        }
        let single = [
            ("security-contact", &self.security_contact),
            ("product-id", &self.product_id),
            ("name", &self.name),
            ("support-period-end", &self.support_period_end),
            ("support-type", &self.support_type),
            ("intended-purpose", &self.intended_purpose),
            ("disclosure-policy", &self.disclosure_policy),
            ("update-method", &self.update_method),
            ("foreseeable-risks", &self.foreseeable_risks),
            ("secure-use", &self.secure_use),
            ("modifications", &self.modifications),
            ("decommissioning", &self.decommissioning),
            ("automatic-updates", &self.automatic_updates),
            ("integration", &self.integration),
            ("declaration-url", &self.declaration_url),
            ("csaf-provider", &self.csaf_provider),
        ];
        for (key, value) in single {
            value.iter().for_each(|v| put(key, v));
        }
        if let Some(a) = self.conformity_assessment {
            put("conformity-assessment", a.as_str());
        }
        if let Some(b) = &self.notified_body {
            put("notified-body.name", &b.name);
            put("notified-body.number", &b.number);
        }
        let lists = [
            ("essential-functions", &self.essential_functions),
            ("standards", &self.standards),
            ("languages", &self.languages),
        ];
        for (key, values) in lists {
            values.iter().for_each(|v| put(key, v));
        }
        out
    }

    /// The product the properties `props` declare (others ignored), checked as the table is;
    /// an error is one line naming the first bad value.
    pub fn from_declarations<'a>(
        props: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Product, String> {
        let mut table = toml::Table::new();
        for (name, value) in props {
            let Some(key) = name.strip_prefix(PRODUCT_PREFIX) else {
                continue;
            };
            insert(&mut table, key, value)?;
        }
        // Through TOML text, so that the values meet exactly the table's parser and checks.
        let text = toml::to_string(&table).map_err(|e| e.to_string())?;
        let raw: RawProduct = toml::from_str(&text).map_err(|e| {
            format!(
                "recorded product declarations: {}",
                crate::input::printable(e.message())
            )
        })?;
        Product::from_raw(raw, std::path::Path::new(".")).map_err(|e| {
            format!(
                "recorded product declarations: {}",
                crate::input::printable(&e.message)
            )
        })
    }
}

/// Lists gather their values; `a.b` keys go into table `a`; a repeated single value is an error.
fn insert(table: &mut toml::Table, key: &str, value: &str) -> Result<(), String> {
    // The address, one property per line, is one text of lines.
    if key == "manufacturer.address"
        && let Some(toml::Value::Table(m)) = table.get_mut("manufacturer")
        && let Some(toml::Value::String(lines)) = m.get_mut("address")
    {
        lines.push('\n');
        lines.push_str(value);
        return Ok(());
    }
    let value = toml::Value::String(value.to_string());
    if matches!(key, "essential-functions" | "standards" | "languages") {
        let list = table
            .entry(key)
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        if let toml::Value::Array(a) = list {
            a.push(value);
        }
        return Ok(());
    }
    let (table, key) = match key.split_once('.') {
        Some((outer, inner)) if matches!(outer, "manufacturer" | "notified-body") => {
            let sub = table
                .entry(outer)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match sub {
                toml::Value::Table(t) => (t, inner),
                _ => unreachable!("only tables are inserted under these keys"),
            }
        }
        _ => (table, key),
    };
    match table.insert(key.to_string(), value) {
        None => Ok(()),
        Some(_) => Err(format!(
            "recorded product declarations: {PRODUCT_PREFIX}{} is given twice",
            crate::input::printable(key)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(text: &str) -> Product {
        let raw: RawProduct = toml::from_str(text).unwrap();
        Product::from_raw(raw, std::path::Path::new(".")).unwrap()
    }

    #[test]
    fn every_declaration_travels_and_comes_back_the_same() {
        let p = product(
            r#"
name = "Thermo Probe"
product-id = "TP-1"
security-contact = "security@devices.example.com"
support-period-end = "2031-12-31"
support-type = "security updates"
intended-purpose = "Measures\ntemperatures."
essential-functions = ["measure", "report"]
disclosure-policy = "https://devices.example.com/cvd"
update-method = "RAUC"
standards = ["EN 18031-1"]
conformity-assessment = "B+C"
declaration-url = "https://devices.example.com/doc"
csaf-provider = "https://devices.example.com/.well-known/csaf/provider-metadata.json"
languages = ["en", "de-AT"]
[manufacturer]
name = "Example Devices GmbH"
url = "https://devices.example.com"
email = "info@devices.example.com"
address = "Street 1\n1010 Vienna"
[notified-body]
name = "Body"
number = "0123"
"#,
        );
        let props = p.declarations();
        assert!(props.iter().all(|(k, _)| k.starts_with(PRODUCT_PREFIX)));
        let back = Product::from_declarations(props.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, Ok(p));
    }

    #[test]
    fn recorded_values_meet_the_tables_checks() {
        let bad = [
            ("cargo-cra:product:support-period-end", "tomorrow"),
            ("cargo-cra:product:security-contact", "javascript:alert(1)"),
            ("cargo-cra:product:unknown-key", "x"),
            ("cargo-cra:product:name", "a\u{1b}[31m"),
        ];
        for (k, v) in bad {
            let err = Product::from_declarations([(k, v)]).unwrap_err();
            assert!(err.starts_with("recorded product declarations: "), "{err}");
            assert!(!err.contains('\u{1b}'), "{err}");
        }
        let twice = [
            ("cargo-cra:product:name", "a"),
            ("cargo-cra:product:name", "b"),
        ];
        assert!(
            Product::from_declarations(twice)
                .unwrap_err()
                .contains("twice")
        );
        assert_eq!(
            Product::from_declarations([("cargo-cra:other", "x")]),
            Ok(Product::default())
        );
    }
}
