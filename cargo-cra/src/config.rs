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
//! The keys are a recipe's `[product]` keys ([`cra_model::product`]). The workspace table
//! gives defaults; a package's table overrides them key by key. Unknown keys and wrong types
//! are errors that name the manifest, line and column.

use crate::error::BuildError;
use cra_composer::recipe::line_col;
use serde::Deserialize;
use std::path::Path;

pub use cra_model::product::Product as ProductConfig;
use cra_model::product::{Product, RawProduct};

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
    cra: Option<RawProduct>,
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
    let base = path.parent().unwrap_or(Path::new("."));
    Product::from_raw(raw, base).map_err(|e| {
        let (line, column) = line_col(text, e.span.start);
        BuildError::Config {
            file: path.to_path_buf(),
            line,
            column,
            message: e.message,
        }
    })
}

pub(crate) fn one_line(s: &str) -> String {
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
