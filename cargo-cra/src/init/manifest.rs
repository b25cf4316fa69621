//! The `[package.metadata.cra]` / `[workspace.metadata.cra]` table `cargo cra init` appends:
//! commented, its values quoted by `toml_edit`, checked by the product model before anything
//! is written; the manifest's existing bytes are kept as they are.

use super::{Facts, InitError, io};
use crate::config::Table;
use std::path::Path;

/// The manifest's new text and the table it gained.
pub(super) struct Plan {
    pub(super) table: Table,
    /// The manifest as read: it must still be this when the new text replaces it.
    pub(super) original: String,
    pub(super) text: String,
}

/// The new manifest text: the old one, byte for byte, then the table. Refuses when the table
/// exists, and when the result would not parse or its values are not valid product facts.
pub(super) fn plan(path: &Path, facts: &Facts) -> Result<Plan, InitError> {
    let original = std::fs::read_to_string(path).map_err(|source| io(path, source))?;
    let doc: toml_edit::Document<String> = toml_edit::Document::parse(original.clone())
        .map_err(|e| InitError::Invalid(format!("{}: {}", path.display(), one_line(&e))))?;
    let (table, section) = match (doc.get("package"), doc.get("workspace")) {
        (Some(_), _) => (Table::Package, "package"),
        (None, Some(_)) => (Table::Workspace, "workspace"),
        (None, None) => {
            return Err(InitError::Invalid(format!(
                "{}: neither [package] nor [workspace]: not a cargo manifest",
                path.display()
            )));
        }
    };
    if let Some(existing) = doc[section].get("metadata").and_then(|m| m.get("cra")) {
        let line = existing
            .span()
            .map(|s| original[..s.start].matches('\n').count() + 1)
            .unwrap_or(1);
        return Err(InitError::Exists(format!(
            "{}:{line}: [{section}.metadata.cra] exists",
            path.display()
        )));
    }
    let block = block(section, facts);
    check_values(&block, table)?;
    let mut text = original.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&block);
    toml_edit::Document::parse(text.as_str()).map_err(|e| {
        InitError::Invalid(format!(
            "{}: [{section}.metadata.cra] cannot be added to this manifest ({}); add it by hand",
            path.display(),
            one_line(&e)
        ))
    })?;
    Ok(Plan {
        table,
        original,
        text,
    })
}

/// A string as a TOML value.
pub(super) fn quote(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

/// `manufacturer = { name = "…" }` etc. for the facts given, commented-out examples for the
/// rest (the build warns about those until they are filled in).
pub(super) fn fact_lines(f: &Facts) -> String {
    let set_or_example = |key: &str, value: Option<String>, example: &str| match value {
        Some(v) => format!("{key} = {v}\n"),
        None => format!("# {key} = {example}\n"),
    };
    let mut s = String::new();
    s += "# Who makes the product (Annex II point 1): name, and optionally url, email, address.\n";
    s += &set_or_example(
        "manufacturer",
        f.manufacturer
            .as_deref()
            .map(|m| format!("{{ name = {} }}", quote(m))),
        "{ name = \"Example Devices GmbH\", url = \"https://devices.example.com\" }",
    );
    s += "# Where vulnerabilities are reported (Annex II point 2): an e-mail address or a URL.\n";
    s += &set_or_example(
        "security-contact",
        f.security_contact.as_deref().map(quote),
        "\"security@devices.example.com\"",
    );
    s += "# The last day of security updates (Annex II point 7), YYYY-MM-DD.\n";
    s += &set_or_example(
        "support-period-end",
        f.support_period_end.as_deref().map(quote),
        "\"2031-12-31\"",
    );
    s += "# What the product is for (Annex II point 4) and how it is updated (point 8(c)).\n";
    s += "# intended-purpose = \"Reports the device's status to the gateway that polls it.\"\n";
    s += "# update-method = \"Signed read-only system images, installed on the inactive A/B slot.\"\n";
    s += "# The rest of the user information: foreseeable risks (Annex II point 5), secure use,\n";
    s += "# the effect of changes, decommissioning, turning automatic updates off (8(a), (b), (d), (e)).\n";
    s += "# foreseeable-risks = \"Exposing the device's port beyond the local network lets others read it.\"\n";
    s += "# secure-use = \"Connect the device only to the gateway's network; install every update.\"\n";
    s += "# modifications = \"The root filesystem is read-only and verified: a changed image does not boot.\"\n";
    s += "# decommissioning = \"Reset to factory state (it erases the data partition), then disconnect.\"\n";
    s += "# automatic-updates = \"Set auto-update = false in the gateway's device list to stop them.\"\n";
    s += "# The coordinated vulnerability disclosure policy (Annex I part II point 5).\n";
    s += "# disclosure-policy = \"https://devices.example.com/security/disclosure-policy\"\n";
    s
}

/// The commented table.
fn block(section: &str, f: &Facts) -> String {
    format!(
        "# EU Cyber Resilience Act: the product facts cargo-cra writes into each SBOM and the CRA\n\
         # documents (`cargo cra docs`). Written by `cargo cra init`; every key is listed by\n\
         # `cargo cra help recipe` (a recipe's [product] takes the same keys).\n\
         [{section}.metadata.cra]\n{}",
        fact_lines(f)
    )
}

/// The block's values, read by the product model as a build would read them.
fn check_values(block: &str, table: Table) -> Result<(), InitError> {
    crate::config::parse(Path::new("cargo cra init"), block, table)
        .map(drop)
        .map_err(|e| match e {
            crate::error::BuildError::Config { message, .. } => InitError::Invalid(message),
            other => InitError::Invalid(other.to_string()),
        })
}

fn one_line(e: &toml_edit::TomlError) -> String {
    crate::config::one_line(e.message())
}
