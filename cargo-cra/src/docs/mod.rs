//! `cargo cra docs`: the CRA technical file, user information, declaration of conformity and
//! `security.txt`, from an output directory's verified evidence and the product table.
//!
//! Steps: [`evidence::scan`] reads every file (statements' subjects checked against the
//! files), the product table is read from the configuration, [`facts::Facts`] joins them,
//! [`annex::checklist`] tells what is present or missing, and the documents — with the
//! signatures' verification, which `ops::docs` runs meanwhile — are written into a temporary
//! directory that replaces the output directory only when all are written (and signed).
mod annex;
mod evidence;
mod facts;
mod html;
mod markup;
pub mod technical_file;
mod text;

use crate::verifying::TrustOptions;
use cra_attest::sigstore::sign::Signer;
use cra_model::input::Confined;
use cra_model::product::Product;
use evidence::{Listed, Role};
use std::path::{Path, PathBuf};

pub use cra_model::fileset::docs::{
    DECLARATION, DEFAULT_OUT, INDEX_HTML, SECURITY_TXT, TECHNICAL_FILE, USER_INFORMATION,
    USER_INFORMATION_HTML,
};

/// What to document.
#[derive(Debug, Clone, Default)]
pub struct DocsRequest {
    /// A build output directory (`target/cra/<target>/<profile>/`) or an image directory.
    pub dir: PathBuf,
    /// Where to write (default `DIR/cra/`).
    pub out: Option<PathBuf>,
    /// Fail when an Annex II or V item is missing.
    pub strict: bool,
    /// The product table's file: a `Cargo.toml` or a recipe (default: for a build directory,
    /// the workspace that holds it; for an image, none).
    pub config: Option<PathBuf>,
    /// The product table itself (compose passes its recipe's), over `config`.
    pub product: Option<Product>,
    /// Whom the signatures must be from, to re-verify them.
    pub trust: Option<TrustOptions>,
}

/// What was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocsReport {
    /// The output directory.
    pub out: PathBuf,
    /// The files written in it.
    pub files: Vec<PathBuf>,
    /// One line per missing item.
    pub missing: Vec<String>,
    /// Warnings, one line each.
    pub warnings: Vec<String>,
}

/// Why `cargo cra docs` stopped; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// The directory holds no SBOM.
    #[error(
        "{0}: no evidence here (no .cdx.json): give a directory `cargo cra build` or `cargo cra compose` wrote"
    )]
    NoEvidence(PathBuf),
    /// An evidence file is unusable or was changed after it was attested.
    #[error("{path}: {message}")]
    Evidence {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The product table is unusable.
    #[error("{0}")]
    Config(String),
    /// `--strict`: items are missing.
    #[error("{} item(s) of Annex II or V are missing:\n{}", .0.len(), .0.join("\n"))]
    Strict(Vec<String>),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Signing the technical file failed.
    #[error(transparent)]
    Sign(#[from] crate::signing::SignError),
}

impl DocsError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> DocsError {
        DocsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// One verification line.
#[derive(Debug, Clone)]
pub(crate) struct VerifyLine {
    pub artefact: String,
    pub check: String,
    pub result: crate::verifying::Status,
    pub detail: String,
}

/// The signatures re-verified.
#[derive(Debug, Clone, Default)]
pub(crate) struct Verification {
    pub lines: Vec<VerifyLine>,
    /// Why nothing was verified.
    pub skipped: Option<String>,
    /// Whom the signatures were checked against.
    pub signer: String,
}

/// The one build output directory (`<target>/<profile>/` with an SBOM) under `cra_dir`
/// (`target/cra`), for `cargo cra docs` without DIR.
pub fn default_dir(cra_dir: &Path) -> Result<PathBuf, DocsError> {
    let mut found = Vec::new();
    for target in std::fs::read_dir(cra_dir).into_iter().flatten().flatten() {
        for profile in std::fs::read_dir(target.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let dir = profile.path();
            let has_sbom = std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|f| cra_model::fileset::sbom_stem(&f.file_name().to_string_lossy()).is_some());
            if has_sbom {
                found.push(dir);
            }
        }
    }
    found.sort();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(DocsError::NoEvidence(cra_dir.to_path_buf())),
        many => Err(DocsError::Config(format!(
            "several build output directories under {}: give DIR ({})",
            cra_dir.display(),
            many.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The evidence directory and the output directory of `request`, absolute.
pub(crate) fn locations(request: &DocsRequest) -> Result<(PathBuf, PathBuf), DocsError> {
    let dir = std::path::absolute(&request.dir).map_err(|e| DocsError::io(&request.dir, e))?;
    if !dir.is_dir() {
        return Err(DocsError::Evidence {
            path: dir,
            message: "not a directory".into(),
        });
    }
    let out = match &request.out {
        Some(o) => std::path::absolute(o).map_err(|e| DocsError::io(o, e))?,
        None => dir.join(DEFAULT_OUT),
    };
    Ok((dir, out))
}

/// Reads the evidence in `dir`, leaving out the output directory `out`.
pub(crate) fn scan(dir: &Path, out: &Path) -> Result<evidence::Evidence, DocsError> {
    evidence::scan(dir, out)
}

/// The signed artefacts of the evidence directory `dir`.
pub(crate) fn signed_artefacts(dir: &Path) -> Vec<PathBuf> {
    evidence::signed_artefacts(dir)
}

/// Writes the documents for `request` from `evidence` and the signatures' `verification`
/// into `out`; with `signer`, attests the technical file.
pub(crate) fn write_all(
    request: &DocsRequest,
    (dir, out): (PathBuf, PathBuf),
    evidence: evidence::Evidence,
    verification: &Verification,
    signer: Option<&Signer>,
) -> Result<DocsReport, DocsError> {
    let product = product_of(request, &evidence)?;
    let facts = facts::Facts::of(&evidence, &product);
    let items = annex::checklist(&evidence, &facts, &product);
    if request.strict {
        let missing: Vec<String> = items
            .iter()
            .filter(|i| i.status == annex::Status::Missing && i.annex != "VII")
            .map(annex::Item::missing_line)
            .collect();
        if !missing.is_empty() {
            return Err(DocsError::Strict(missing));
        }
    }
    let date = document_date(&evidence)?;
    let mut warnings = Vec::new();
    if request.product.is_none() && product == Product::default() {
        warnings.push(match &request.config {
            Some(c) => format!("{} has no product table: every declared item is missing", c.display()),
            None => "no product table found for this directory: give --config (its Cargo.toml, or the recipe)".into(),
        });
    }
    let staged = stage_dir(&out)?;
    let written = write_documents(&Inputs {
        staged: staged.path(),
        out: &out,
        dir: &dir,
        evidence: &evidence,
        facts: &facts,
        product: &product,
        items,
        verification,
        date,
        signer,
    })?;
    if let Some(why) = &written.no_security_txt {
        warnings.push(format!("{SECURITY_TXT} not written: {why}"));
    }
    replace_dir(staged, &out)?;
    Ok(DocsReport {
        files: written.files.iter().map(|f| out.join(f)).collect(),
        missing: written.missing,
        out,
        warnings,
    })
}

/// The product table: the one given, over the configuration file's, over the declarations
/// the evidence's first SBOM records (they travel with an image, whose recipe the auditor
/// may not have).
fn product_of(request: &DocsRequest, evidence: &evidence::Evidence) -> Result<Product, DocsError> {
    let from_file = match &request.config {
        Some(path) => read_config(path)?,
        None if evidence.kind == evidence::Kind::Build => workspace_config(evidence)?,
        None => Product::default(),
    };
    let recorded = recorded_product(evidence)?;
    Ok(match &request.product {
        Some(p) => p.clone().or(&from_file.or(&recorded)),
        None => from_file.or(&recorded),
    })
}

/// The product declarations the first SBOM records, checked as a table's.
fn recorded_product(evidence: &evidence::Evidence) -> Result<Product, DocsError> {
    let Some(sbom) = evidence.sboms.first() else {
        return Ok(Product::default());
    };
    let props = sbom
        .declarations
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()));
    Product::from_declarations(props).map_err(|message| DocsError::Evidence {
        path: evidence.dir.join(&sbom.file),
        message,
    })
}

/// A `Cargo.toml` (its package table over its workspace's) or a recipe's `[product]`.
fn read_config(path: &Path) -> Result<Product, DocsError> {
    if !path.is_file() {
        return Err(DocsError::Config(format!(
            "{}: no such configuration file (give a Cargo.toml or a recipe)",
            path.display()
        )));
    }
    let config_error = |e: &dyn std::fmt::Display| DocsError::Config(e.to_string());
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        let package = crate::config::read(path, crate::config::Table::Package)
            .map_err(|e| config_error(&e))?;
        let workspace = crate::config::read(path, crate::config::Table::Workspace)
            .map_err(|e| config_error(&e))?;
        return Ok(package.or(&workspace));
    }
    cra_composer::recipe::Recipe::load(path)
        .map(|r| r.product)
        .map_err(|e| config_error(&e))
}

/// A build directory's product table: the workspace above it, and the package its SBOM's
/// purl names (`pkg:cargo/<name>@…?download_url=file:<dir>`, relative to the workspace root) —
/// only when that manifest is the package's (a target directory elsewhere finds none).
fn workspace_config(evidence: &evidence::Evidence) -> Result<Product, DocsError> {
    let Some((name, rel)) = evidence
        .sboms
        .iter()
        .find_map(|s| package_of(&evidence.dir.join(&s.file)))
    else {
        return Ok(Product::default());
    };
    let found = evidence.dir.ancestors().find_map(|root| {
        let package = root.join(&rel).join("Cargo.toml");
        let is_it = (technical_file::is_below(&rel) || rel == ".")
            && root.join("Cargo.lock").is_file()
            && package_name(&package).as_deref() == Some(name.as_str());
        is_it.then(|| (root.join("Cargo.toml"), package))
    });
    match found {
        Some((workspace, package)) => crate::config::for_package(&package, &workspace)
            .map_err(|e| DocsError::Config(e.to_string())),
        None => Ok(Product::default()),
    }
}

/// The package name and directory (relative to the workspace root) a binary SBOM's root purl
/// names.
fn package_of(sbom: &Path) -> Option<(String, String)> {
    let doc = evidence::read_json(sbom).ok()?;
    let purl: packageurl::PackageUrl = doc["metadata"]["component"]["purl"]
        .as_str()?
        .parse()
        .ok()?;
    let dir = purl
        .qualifiers()
        .get("download_url")
        .and_then(|u| u.strip_prefix("file:"))?
        .to_string();
    Some((purl.name().to_string(), dir))
}

/// `[package] name` of the manifest at `path`.
fn package_name(path: &Path) -> Option<String> {
    let text = cra_model::input::read_text_limited(path, 1 << 20, "manifest").ok()?;
    let doc: toml::Table = toml::from_str(&text).ok()?;
    doc.get("package")?.get("name")?.as_str().map(String::from)
}

/// `SOURCE_DATE_EPOCH`, else the first SBOM's timestamp.
fn document_date(evidence: &evidence::Evidence) -> Result<time::OffsetDateTime, DocsError> {
    if let Some(secs) =
        crate::source_date::from_env().map_err(|e| DocsError::Config(e.to_string()))?
    {
        return time::OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|e| DocsError::Config(format!("SOURCE_DATE_EPOCH: {e}")));
    }
    let stamp = evidence
        .sboms
        .iter()
        .find_map(|s| s.timestamp.clone())
        .unwrap_or_default();
    time::OffsetDateTime::parse(&stamp, &time::format_description::well_known::Rfc3339).map_err(
        |_| DocsError::Evidence {
            path: evidence.dir.join(&evidence.sboms[0].file),
            message: format!(
                "metadata.timestamp {stamp:?} is not an RFC 3339 time (set SOURCE_DATE_EPOCH)"
            ),
        },
    )
}

/// Everything the writing step needs.
struct Inputs<'a> {
    staged: &'a Path,
    out: &'a Path,
    dir: &'a Path,
    evidence: &'a evidence::Evidence,
    facts: &'a facts::Facts,
    product: &'a Product,
    items: Vec<annex::Item>,
    verification: &'a Verification,
    date: time::OffsetDateTime,
    signer: Option<&'a Signer>,
}

/// What the writing step wrote (names inside the output directory).
struct Written {
    files: Vec<String>,
    missing: Vec<String>,
    /// Why `security.txt` was not written, when it was not.
    no_security_txt: Option<String>,
}

fn write_documents(i: &Inputs<'_>) -> Result<Written, DocsError> {
    let mut documents: Vec<(String, Vec<u8>, Role)> = Vec::new();
    let user_md = text::user_information(i.facts);
    documents.push((
        USER_INFORMATION_HTML.into(),
        markup::markdown_page("User information", &user_md).into_bytes(),
        Role::UserInformation,
    ));
    documents.push((
        USER_INFORMATION.into(),
        user_md.into_bytes(),
        Role::UserInformation,
    ));
    documents.push((
        DECLARATION.into(),
        text::declaration(i.facts, i.evidence, i.product).into_bytes(),
        Role::DeclarationOfConformity,
    ));
    let no_security_txt = match text::security_txt(i.facts, i.date) {
        None => Some("it needs a vulnerability contact (set security-contact)".to_string()),
        // RFC 9116: an expired file must not be published.
        Some((_, expires)) if expires <= time::OffsetDateTime::now_utc() => Some(format!(
            "it would have expired on {} (the documents are dated {}, from {}); give the \
             publication date as SOURCE_DATE_EPOCH",
            expires.date(),
            i.date.date(),
            match crate::source_date::from_env().ok().flatten() {
                Some(_) => "SOURCE_DATE_EPOCH",
                None => "the SBOM's timestamp",
            }
        )),
        Some((txt, _)) => {
            documents.push((SECURITY_TXT.into(), txt.into_bytes(), Role::SecurityTxt));
            None
        }
    };
    let mut texts = Vec::new();
    for (title, name, path) in manufacturer_texts(i.product) {
        let bytes = path
            .read_limited(cra_model::input::DOCUMENT_MAX, "text")
            .map_err(|e| DocsError::Config(e.to_string()))?;
        let text = markup::sanitized_markdown(&String::from_utf8_lossy(&bytes));
        texts.push((title.to_string(), text.clone()));
        documents.push((name.to_string(), text.into_bytes(), Role::Other));
    }
    let mut listed = Vec::new();
    for (name, bytes, role) in &documents {
        write(i.staged, name, bytes)?;
        listed.push(Listed {
            path: name.clone(),
            role: *role,
            sha256: cra_attest::digest::to_hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes)),
            size: bytes.len() as u64,
        });
    }
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    let evidence_root = pathdiff::diff_paths(i.dir, i.out)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| i.dir.display().to_string());
    let tf = technical_file::build(technical_file::Parts {
        evidence: i.evidence,
        facts: i.facts,
        items: i.items.clone(),
        documents: listed,
        date: cra_attest::evidence::slsa::rfc3339(i.date.unix_timestamp()),
        evidence_root,
    });
    let mut tf_json = serde_json::to_vec_pretty(&tf).expect("serialisable");
    tf_json.push(b'\n');
    write(i.staged, TECHNICAL_FILE, &tf_json)?;
    let mut files: Vec<String> = documents.iter().map(|d| d.0.clone()).collect();
    files.push(TECHNICAL_FILE.into());
    if let Some(signer) = i.signer {
        files.push(attest(i, &tf, &tf_json, signer)?);
    }
    let page = html::render(&html::Page {
        evidence: i.evidence,
        facts: i.facts,
        items: &i.items,
        verification: i.verification,
        technical_file: &tf,
        texts: &texts,
    });
    write(i.staged, INDEX_HTML, page.as_bytes())?;
    files.push(INDEX_HTML.into());
    files.sort();
    Ok(Written {
        files,
        missing: tf.missing.clone(),
        no_security_txt,
    })
}

/// The manufacturer's texts: (title, file name in the output, source path).
fn manufacturer_texts(p: &Product) -> Vec<(&'static str, &'static str, &Confined)> {
    [
        (
            "Cybersecurity risk assessment",
            cra_model::fileset::docs::RISK_ASSESSMENT,
            &p.texts.risk_assessment,
        ),
        (
            "Design, development and production",
            cra_model::fileset::docs::DESIGN_PROCESS,
            &p.texts.design_process,
        ),
        (
            "Vulnerability handling",
            cra_model::fileset::docs::VULNERABILITY_HANDLING,
            &p.texts.vulnerability_handling,
        ),
    ]
    .into_iter()
    .filter_map(|(t, n, p)| Some((t, n, p.as_ref()?)))
    .collect()
}

/// The DSSE attestation of the technical file: its subjects are the file itself, every
/// artefact and every document, so that verifying it proves the whole set.
fn attest(
    i: &Inputs<'_>,
    tf: &technical_file::TechnicalFile,
    tf_json: &[u8],
    signer: &Signer,
) -> Result<String, DocsError> {
    use cra_attest::evidence::intoto::{Statement, Subject};
    let sha = |h: &str| -> [u8; 32] {
        let mut out = [0u8; 32];
        hex::decode_to_slice(h, &mut out).expect("digests are written as 64 hex digits");
        out
    };
    let own = <sha2::Sha256 as sha2::Digest>::digest(tf_json);
    let mut subjects = vec![Subject::sha256(TECHNICAL_FILE, &own.into())];
    subjects.extend(
        tf.artefacts
            .iter()
            .map(|a| Subject::sha256(format!("{}/{}", tf.evidence_root, a.path), &sha(&a.sha256))),
    );
    subjects.extend(
        tf.documents
            .iter()
            .map(|d| Subject::sha256(d.path.clone(), &sha(&d.sha256))),
    );
    let predicate: serde_json::Value = serde_json::from_slice(tf_json).expect("just written");
    let statement = Statement::new(
        subjects,
        cra_model::fileset::TECHNICAL_FILE_PREDICATE_TYPE,
        predicate,
    );
    let bundle = crate::signing::sign_statement(&statement, signer)?;
    let name = cra_model::fileset::signature_bundle(TECHNICAL_FILE);
    crate::signing::write_bundle(&bundle, &i.staged.join(&name))?;
    Ok(name)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), DocsError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| DocsError::io(&path, e))?;
    let perms =
        std::os::unix::fs::PermissionsExt::from_mode(cra_attest::persist::with_umask(0o644));
    std::fs::set_permissions(&path, perms).map_err(|e| DocsError::io(&path, e))
}

/// A temporary directory beside `out`, so that the final rename stays on one file system.
fn stage_dir(out: &Path) -> Result<tempfile::TempDir, DocsError> {
    let parent = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| DocsError::io(parent, e))?;
    tempfile::Builder::new()
        .prefix(".cra-tmp-docs-")
        .tempdir_in(parent)
        .map_err(|e| DocsError::io(parent, e))
}

/// Puts the staged directory in `out`'s place (an old `out` is removed only once the new one
/// is there).
fn replace_dir(staged: tempfile::TempDir, out: &Path) -> Result<(), DocsError> {
    let staged = staged.keep();
    let mode = cra_attest::persist::with_umask(0o755);
    std::fs::set_permissions(&staged, std::os::unix::fs::PermissionsExt::from_mode(mode))
        .map_err(|e| DocsError::io(&staged, e))?;
    let old = match std::fs::symlink_metadata(out) {
        Ok(m) if m.is_dir() => {
            let old = out.with_file_name(format!(
                ".cra-tmp-old-{}",
                out.file_name().unwrap_or_default().to_string_lossy()
            ));
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(out, &old).map_err(|e| DocsError::io(out, e))?;
            Some(old)
        }
        Ok(_) => {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(DocsError::Evidence {
                path: out.to_path_buf(),
                message: "exists and is not a directory".into(),
            });
        }
        Err(_) => None,
    };
    std::fs::rename(&staged, out).map_err(|e| DocsError::io(out, e))?;
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(old);
    }
    Ok(())
}
