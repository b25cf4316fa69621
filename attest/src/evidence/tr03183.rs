//! The fields BSI TR-03183-2 v2.1 (SBOM) asks of every component, in the CycloneDX places
//! its appendix maps them to: the file-kind properties, the three licence categories, and the
//! manufacturer's `security.txt`. `docs/reference/tr-03183-2.md` lists every field and where
//! cargo-cra writes it.

use crate::evidence::cyclonedx::{LicenseChoice, LicenseExpression, Property};
use cra_model::properties::{UNKNOWN_FIELD, bsi};

/// The TR's names of the component fields cargo-cra may be unable to fill (as
/// `docs/reference/tr-03183-2.md` names them), for [`unknown`].
pub mod field {
    /// Who created the SBOM: an e-mail address or URL.
    pub const SBOM_CREATOR: &str = "Creator of the SBOM";
    /// Who created the component: an e-mail address or URL.
    pub const CREATOR: &str = "Component creator";
    /// The component's actual file name.
    pub const FILENAME: &str = "Filename of the component";
    /// Hash (SHA-512) of the component's deployable form.
    pub const DEPLOYABLE_HASH: &str = "Hash value of the deployable component";
    /// Where the component's source code is.
    pub const SOURCE_URI: &str = "Source code URI";
    /// Where the component's deployable form is.
    pub const DEPLOYABLE_URI: &str = "URI of the deployable form of the component";
}

/// What the TR's SPDX-derived licence fields hold when nothing can be asserted.
pub const NOASSERTION: &str = "NOASSERTION";

/// `acknowledgement` of the original licences (TR: assigned by the component's creator).
const DECLARED: &str = "declared";
/// `acknowledgement` of the distribution licences (TR: under which a licensee may use it).
const CONCLUDED: &str = "concluded";

/// How TR-03183-2 classifies a component's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    /// It can be executed (a program, not a library's source or data).
    pub executable: bool,
    /// It is an archive of other files (a `.crate`, a tarball).
    pub archive: bool,
    /// It has an internal structure describing its parts (an archive with a manifest).
    pub structured: bool,
}

impl FileKind {
    /// The four `bsi:component:*` file properties of a component whose file is `file_name`.
    pub fn properties(self, file_name: &str) -> Vec<Property> {
        let pick = |yes: bool, a: &str, b: &str| if yes { a.to_string() } else { b.to_string() };
        vec![
            Property::new(bsi::FILENAME, file_name),
            Property::new(
                bsi::EXECUTABLE,
                pick(self.executable, "executable", "non-executable"),
            ),
            Property::new(bsi::ARCHIVE, pick(self.archive, "archive", "no archive")),
            Property::new(
                bsi::STRUCTURED,
                pick(self.structured, "structured", "unstructured"),
            ),
        ]
    }
}

/// A component's licences in the TR's three categories, from what its creator declared.
///
/// - original licences (`acknowledgement: declared`): as declared, or `NOASSERTION`;
/// - distribution licences (`acknowledgement: concluded`): the same terms, since cargo-cra
///   passes every component on under the licences its creator gave it;
/// - the effective licence (property `bsi:component:effectiveLicense`): the declared
///   expression when it offers no choice; when it does, the manufacturer's choice in
///   `choices` (declared expression to chosen licence, canonical forms), else `NOASSERTION`
///   (choosing is the manufacturer's decision, not a tool's); `NOASSERTION` when unknown.
pub fn licences(
    declared: Vec<LicenseChoice>,
    choices: &std::collections::BTreeMap<String, String>,
) -> (Vec<LicenseChoice>, Property) {
    let declared = match declared.is_empty() {
        true => vec![expression(NOASSERTION, DECLARED)],
        false => declared,
    };
    let effective = match declared.as_slice() {
        [LicenseChoice::Expression(e)] => effective(&e.expression, choices),
        _ => None,
    }
    .unwrap_or_else(|| NOASSERTION.to_string());
    let concluded: Vec<LicenseChoice> = declared
        .iter()
        .map(|l| acknowledged(l.clone(), CONCLUDED))
        .collect();
    let mut all: Vec<LicenseChoice> = declared
        .into_iter()
        .map(|l| acknowledged(l, DECLARED))
        .collect();
    all.extend(concluded);
    (all, Property::new(bsi::EFFECTIVE_LICENSE, effective))
}

/// The original (declared) licences among `licenses`, as written by [`licences`]; entries
/// without an acknowledgement count as declared.
pub fn original(licenses: &[LicenseChoice]) -> impl Iterator<Item = &LicenseChoice> {
    licenses.iter().filter(|l| {
        let ack = match l {
            LicenseChoice::Expression(e) => &e.acknowledgement,
            LicenseChoice::License { license } => &license.acknowledgement,
        };
        ack.as_deref().is_none_or(|a| a == DECLARED)
    })
}

/// The distribution (concluded) licence expression among `licenses`, if one is written.
pub fn distribution(licenses: &[LicenseChoice]) -> Option<&str> {
    licenses.iter().find_map(|l| match l {
        LicenseChoice::Expression(e) if e.acknowledgement.as_deref() == Some(CONCLUDED) => {
            Some(e.expression.as_str())
        }
        _ => None,
    })
}

/// The `security.txt` (RFC 9116) of a manufacturer whose web site is `site`, where
/// `cargo cra docs` says it is published (`Canonical:`): only for `https://` sites.
pub fn security_txt_url(site: &str) -> Option<String> {
    site.starts_with("https://")
        .then(|| format!("{}/.well-known/security.txt", site.trim_end_matches('/')))
}

/// The source of what was built from `repository`: `git+<repository>@<commit>` for a clean
/// commit of an `https://` repository, else the repository itself (the TR's fallback when no
/// version can be named).
pub fn source_uri(repository: Option<&str>, commit: Option<&str>) -> Option<String> {
    let repository = repository
        .map(str::trim)
        .filter(|r| !r.is_empty() && !r.contains(char::is_whitespace))?;
    Some(match commit {
        Some(c) if repository.starts_with("https://") => format!("git+{repository}@{c}"),
        _ => repository.to_string(),
    })
}

/// The document's properties when its creator (the manufacturer) is not known: the TR's
/// "Creator of the SBOM" named as unknown, in `metadata.properties`.
pub fn sbom_creator_unknown(unknown_creator: bool) -> Vec<Property> {
    match unknown_creator {
        true => vec![unknown(
            field::SBOM_CREATOR,
            "no manufacturer is configured ([package.metadata.cra] or the recipe's [product])",
        )],
        false => Vec::new(),
    }
}

/// The property saying a TR field cannot be known for a component, and why.
pub fn unknown(field: &str, why: &str) -> Property {
    Property::new(UNKNOWN_FIELD, format!("{field}: {why}"))
}

/// The effective licence of a component declaring `expression` (canonical form): the
/// expression itself when it offers no choice (no `OR`), else the choice `choices` names.
fn effective(
    expression: &str,
    choices: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    let canonical = spdx::Expression::canonicalize(expression)
        .ok()?
        .unwrap_or_else(|| expression.to_string());
    let parsed = spdx::Expression::parse_mode(&canonical, spdx::ParseMode::LAX).ok()?;
    let choice = parsed.iter().any(|node| {
        matches!(
            node,
            spdx::expression::ExprNode::Op(spdx::expression::Operator::Or)
        )
    });
    match choice {
        false => Some(canonical),
        true => choices.get(parsed.as_ref()).cloned(),
    }
}

fn expression(text: &str, ack: &str) -> LicenseChoice {
    LicenseChoice::Expression(LicenseExpression {
        expression: text.into(),
        acknowledgement: Some(ack.into()),
    })
}

fn acknowledged(mut l: LicenseChoice, ack: &str) -> LicenseChoice {
    match &mut l {
        LicenseChoice::Expression(e) => e.acknowledgement = Some(ack.into()),
        LicenseChoice::License { license } => license.acknowledgement = Some(ack.into()),
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(text: &str) -> Vec<LicenseChoice> {
        vec![expression(text, DECLARED)]
    }

    fn licences_of(declared: Vec<LicenseChoice>) -> (Vec<LicenseChoice>, Property) {
        licences(declared, &Default::default())
    }

    #[test]
    fn the_manufacturers_choice_is_the_effective_licence() {
        let choices = [("MIT OR Apache-2.0".to_string(), "Apache-2.0".to_string())].into();
        let (_, effective) = licences(declared("MIT OR Apache-2.0"), &choices);
        assert_eq!(effective.value, "Apache-2.0");
        // The old spelling is the same expression.
        let (_, effective) = licences(declared("MIT/Apache-2.0"), &choices);
        assert_eq!(effective.value, "Apache-2.0");
        let (_, effective) = licences(declared("Unlicense OR MIT"), &choices);
        assert_eq!(effective.value, NOASSERTION);
    }

    #[test]
    fn a_choice_has_no_effective_licence_until_the_manufacturer_makes_it() {
        let (all, effective) = licences_of(declared("MIT OR Apache-2.0"));
        assert_eq!(effective.value, NOASSERTION);
        assert_eq!(original(&all).count(), 1);
        assert_eq!(distribution(&all), Some("MIT OR Apache-2.0"));
    }

    #[test]
    fn a_licence_without_choice_is_the_effective_one() {
        let (_, effective) = licences_of(declared("MIT AND BSD-3-Clause"));
        assert_eq!(effective.value, "MIT AND BSD-3-Clause");
        let (_, effective) = licences_of(declared("Apache-2.0 WITH LLVM-exception"));
        assert_eq!(effective.value, "Apache-2.0 WITH LLVM-exception");
    }

    #[test]
    fn nothing_declared_is_noassertion_in_every_category() {
        let (all, effective) = licences_of(Vec::new());
        assert_eq!(effective.value, NOASSERTION);
        assert_eq!(distribution(&all), Some(NOASSERTION));
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn security_txt_only_for_https_sites() {
        assert_eq!(
            security_txt_url("https://example.com/").as_deref(),
            Some("https://example.com/.well-known/security.txt")
        );
        assert_eq!(security_txt_url("http://example.com"), None);
    }
}
