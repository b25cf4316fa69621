//! Product information from `[package.metadata.cra]` and `[workspace.metadata.cra]`.
//!
//! ```toml
//! [package.metadata.cra]
//! manufacturer = { name = "Example GmbH", url = "https://example.com", email = "info@example.com" }
//! security-contact = "security@example.com"   # or an https:// URL, or mailto:
//! product-id = "EX-GW-100"
//! support-period-end = "2031-12-31"
//! ```
//!
//! The workspace table gives defaults; a package's table overrides them key by key. Unknown
//! keys and wrong types are errors that name the manifest, line and column.

use crate::error::BuildError;
use cra_composer::recipe::line_col;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// The manufacturer of the product (CRA Annex II, point 1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manufacturer {
    /// Registered name of the manufacturer.
    pub name: String,
    /// Web site of the manufacturer.
    #[serde(default)]
    pub url: Option<String>,
    /// Postal-free contact e-mail of the manufacturer.
    #[serde(default)]
    pub email: Option<String>,
}

/// `[package.metadata.cra]` / `[workspace.metadata.cra]` as written in the manifest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    /// Who makes the product.
    #[serde(default)]
    manufacturer: Option<Manufacturer>,
    /// Where to report vulnerabilities: an e-mail address, `mailto:` or `https://` URL.
    #[serde(default)]
    security_contact: Option<Spanned<String>>,
    /// The manufacturer's identifier of the product (type, batch, serial scheme).
    #[serde(default)]
    product_id: Option<String>,
    /// Last day of the support period, `YYYY-MM-DD`.
    #[serde(default)]
    support_period_end: Option<Spanned<String>>,
}

/// Product information that goes into SBOMs and CRA documents, after validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductConfig {
    /// Who makes the product.
    pub manufacturer: Option<Manufacturer>,
    /// Vulnerability contact as a URL (`mailto:` for e-mail addresses).
    pub security_contact: Option<String>,
    /// The manufacturer's product identifier.
    pub product_id: Option<String>,
    /// Last day of the support period, `YYYY-MM-DD`.
    pub support_period_end: Option<String>,
}

impl ProductConfig {
    /// `self`'s keys, falling back to `defaults` key by key.
    pub fn or(self, defaults: &ProductConfig) -> ProductConfig {
        ProductConfig {
            manufacturer: self.manufacturer.or_else(|| defaults.manufacturer.clone()),
            security_contact: self
                .security_contact
                .or_else(|| defaults.security_contact.clone()),
            product_id: self.product_id.or_else(|| defaults.product_id.clone()),
            support_period_end: self
                .support_period_end
                .or_else(|| defaults.support_period_end.clone()),
        }
    }
}

#[derive(Deserialize)]
struct ManifestDoc {
    #[serde(default)]
    package: Option<Section>,
    #[serde(default)]
    workspace: Option<Section>,
}

#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    metadata: Option<MetadataTable>,
}

#[derive(Deserialize)]
struct MetadataTable {
    #[serde(default)]
    cra: Option<RawConfig>,
}

/// Which table of a manifest to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `[package.metadata.cra]`
    Package,
    /// `[workspace.metadata.cra]`
    Workspace,
}

/// Reads one table of the manifest at `path`.
pub fn read(path: &Path, table: Table) -> Result<ProductConfig, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|e| BuildError::io(path, e))?;
    parse(path, &text, table)
}

/// Parses one table of the manifest text `text` (read from `path`, used in messages).
pub fn parse(path: &Path, text: &str, table: Table) -> Result<ProductConfig, BuildError> {
    let doc: ManifestDoc = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        BuildError::Config {
            file: path.to_path_buf(),
            line,
            column,
            message: one_line(e.message()),
        }
    })?;
    let section = match table {
        Table::Package => doc.package,
        Table::Workspace => doc.workspace,
    };
    let Some(raw) = section.and_then(|s| s.metadata).and_then(|m| m.cra) else {
        return Ok(ProductConfig::default());
    };
    let err = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_col(text, span.start);
        BuildError::Config {
            file: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let security_contact = match raw.security_contact {
        None => None,
        Some(s) => Some(contact_url(s.get_ref()).map_err(|m| err(s.span(), m))?),
    };
    let support_period_end = match raw.support_period_end {
        None => None,
        Some(s) => {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(s.get_ref(), &fmt).map_err(|_| {
                err(
                    s.span(),
                    format!(
                        "support-period-end = {:?} is not a date of the form YYYY-MM-DD",
                        s.get_ref()
                    ),
                )
            })?;
            Some(s.into_inner())
        }
    };
    Ok(ProductConfig {
        manufacturer: raw.manufacturer,
        security_contact,
        product_id: raw.product_id,
        support_period_end,
    })
}

/// An e-mail address becomes a `mailto:` URL; `mailto:`, `https://` and `http://` URLs stay.
fn contact_url(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.starts_with("mailto:") || v.starts_with("https://") || v.starts_with("http://") {
        if v.chars().any(char::is_whitespace) {
            return Err(format!("security-contact = {value:?} contains white space"));
        }
        return Ok(v.to_string());
    }
    let mut parts = v.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !v.chars().any(char::is_whitespace) =>
        {
            Ok(format!("mailto:{v}"))
        }
        _ => Err(format!(
            "security-contact = {value:?} is neither an e-mail address nor an https:// URL"
        )),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The configuration for a package: its own table over the workspace's.
pub fn for_package(
    package_manifest: &Path,
    workspace_manifest: &Path,
) -> Result<ProductConfig, BuildError> {
    let ws = read(workspace_manifest, Table::Workspace)?;
    let pkg = read(package_manifest, Table::Package)?;
    Ok(pkg.or(&ws))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_pkg(text: &str) -> Result<ProductConfig, BuildError> {
        parse(Path::new("Cargo.toml"), text, Table::Package)
    }

    #[test]
    fn reads_all_keys() {
        let cfg = parse_pkg(
            r#"
[package]
name = "x"
[package.metadata.cra]
manufacturer = { name = "Example GmbH", url = "https://example.com", email = "info@example.com" }
security-contact = "security@example.com"
product-id = "EX-1"
support-period-end = "2031-12-31"
"#,
        )
        .unwrap();
        assert_eq!(cfg.manufacturer.unwrap().name, "Example GmbH");
        assert_eq!(
            cfg.security_contact.as_deref(),
            Some("mailto:security@example.com")
        );
        assert_eq!(cfg.product_id.as_deref(), Some("EX-1"));
        assert_eq!(cfg.support_period_end.as_deref(), Some("2031-12-31"));
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse_pkg("[package]\nname = \"x\"\n\n[package.metadata.cra]\nproduct-id = \"a\"\nmanufacturr = { name = \"x\" }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("Cargo.toml:6:1: unknown field `manufacturr`"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn bad_values_are_located() {
        let err = parse_pkg("[package.metadata.cra]\nsupport-period-end = \"31.12.2031\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Cargo.toml:2:22:"), "{err}");
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        let err = parse_pkg("[package.metadata.cra]\nsecurity-contact = \"call us\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("neither an e-mail address nor an https:// URL"),
            "{err}"
        );
        let err = parse_pkg("[package.metadata.cra]\nproduct-id = 5\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Cargo.toml:2:14:"), "{err}");
    }

    #[test]
    fn package_overrides_workspace_key_by_key() {
        let ws = parse(
            Path::new("Cargo.toml"),
            "[workspace.metadata.cra]\nproduct-id = \"W\"\nsecurity-contact = \"https://example.com/sec\"\n",
            Table::Workspace,
        )
        .unwrap();
        let pkg = parse_pkg("[package.metadata.cra]\nproduct-id = \"P\"\n").unwrap();
        let merged = pkg.or(&ws);
        assert_eq!(merged.product_id.as_deref(), Some("P"));
        assert_eq!(
            merged.security_contact.as_deref(),
            Some("https://example.com/sec")
        );
    }

    #[test]
    fn no_table_is_empty_config() {
        assert_eq!(
            parse_pkg("[package]\nname = \"x\"\n").unwrap(),
            ProductConfig::default()
        );
    }
}
