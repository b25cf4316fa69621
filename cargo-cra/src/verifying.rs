//! `cargo cra verify-bundle`: the Sigstore conformance client protocol over the offline verifier
//! in `cra_attest::sigstore::verify`.

use cra_attest::digest::Digests;
use cra_attest::fileset::{self, Documents, ImageArtifact};
use cra_attest::input::{self, InputError};
use cra_attest::sigstore::algorithm::VerifyingKey;
use cra_attest::sigstore::trust::TrustedRoot;
use cra_attest::sigstore::verify::{Artifact, Matcher, Policy, VerifyError, verify_bundle};
use std::path::{Path, PathBuf};

/// Why `verify-bundle` could not even start verifying.
#[derive(Debug, thiserror::Error)]
pub enum VerifyCliError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An input is not a regular file, or too large for its kind.
    #[error(transparent)]
    Input(#[from] InputError),
    /// An argument is unusable.
    #[error("{0}")]
    Usage(String),
    /// Verification failed; the message names the check.
    #[error(transparent)]
    Failed(#[from] VerifyError),
}

/// Options of `cargo cra verify-bundle`.
#[derive(Debug, Clone)]
pub struct VerifyBundleRequest {
    /// The Sigstore bundle.
    pub bundle: PathBuf,
    /// Whom to trust.
    pub trust: TrustOptions,
    /// The artefact: a file, or `sha256:<64 hex>` when that is not a path on disk. For a DSSE
    /// bundle, a subject of the in-toto statement.
    pub artifact: String,
}

/// Whom to trust: a key, or a certificate identity and issuer; and the trusted root.
#[derive(Debug, Clone)]
pub struct TrustOptions {
    /// The signer's certificate identity (subject alternative name), exactly.
    pub certificate_identity: Option<String>,
    /// The signer's certificate identity, as a regular expression matching all of it.
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer recorded in the certificate, exactly.
    pub certificate_oidc_issuer: Option<String>,
    /// The OIDC issuer, as a regular expression matching all of it.
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Verify with this public key (PEM) instead of a certificate identity.
    pub key: Option<PathBuf>,
    /// Trusted root (default: Sigstore's public-good root, embedded).
    pub trusted_root: Option<PathBuf>,
    /// The devices' update CA (PEM), to check a RAUC bundle's CMS signature.
    pub keyring: Option<PathBuf>,
}

impl TrustOptions {
    /// The verification policy these options give.
    pub fn policy(&self) -> Result<Policy, VerifyCliError> {
        match &self.key {
            Some(path) => {
                let pem = String::from_utf8_lossy(&read(path, input::KEY_MAX, "key")?).into_owned();
                Ok(Policy::Key(VerifyingKey::from_pem(&pem).map_err(|e| {
                    VerifyCliError::Usage(format!("{}: {e}", path.display()))
                })?))
            }
            None => Ok(Policy::Identity {
                identity: matcher(
                    &self.certificate_identity,
                    &self.certificate_identity_regexp,
                    "certificate-identity",
                )?,
                issuer: matcher(
                    &self.certificate_oidc_issuer,
                    &self.certificate_oidc_issuer_regexp,
                    "certificate-oidc-issuer",
                )?,
            }),
        }
    }

    /// Whom the signatures are checked against, in words.
    pub fn describe(&self) -> String {
        let either = |e: &Option<String>, r: &Option<String>| match (e, r) {
            (Some(e), _) => e.clone(),
            (None, Some(r)) => format!("matching /{r}/"),
            (None, None) => "any".into(),
        };
        match &self.key {
            // By fingerprint, not path: a report names no machine's file layout.
            Some(k) => match read(k, input::KEY_MAX, "key")
                .ok()
                .and_then(|pem| VerifyingKey::from_pem(&String::from_utf8_lossy(&pem)).ok())
            {
                Some(key) => format!(
                    "the public key with SHA-256 fingerprint {}",
                    cra_attest::digest::to_hex(&<sha2::Sha256 as sha2::Digest>::digest(
                        key.to_der()
                    ))
                ),
                None => "a public key that cannot be read".into(),
            },
            None => format!(
                "certificate identity {} issued by {}",
                either(
                    &self.certificate_identity,
                    &self.certificate_identity_regexp
                ),
                either(
                    &self.certificate_oidc_issuer,
                    &self.certificate_oidc_issuer_regexp
                )
            ),
        }
    }

    /// The trusted root these options name.
    pub fn root(&self) -> Result<TrustedRoot, VerifyCliError> {
        match &self.trusted_root {
            Some(path) => TrustedRoot::from_json(&read(path, input::TRUST_MAX, "trusted root")?)
                .map_err(|e| VerifyCliError::Usage(format!("{}: {e}", path.display()))),
            None => Ok(TrustedRoot::public_good()),
        }
    }
}

/// A regular file of at most `limit` bytes (a hostile input: see [`cra_attest::input`]).
fn read(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, VerifyCliError> {
    Ok(input::read_limited(path, limit, what)?)
}

/// An artefact that an Ed25519 key signs whole, read from its checked handle.
fn whole_message(file: std::fs::File, path: &Path) -> Result<Vec<u8>, VerifyCliError> {
    Ok(input::read_handle_limited(
        file,
        path,
        input::ED25519_MESSAGE_MAX,
        "artefact verified with an Ed25519 key",
    )?)
}

fn matcher(
    exact: &Option<String>,
    regexp: &Option<String>,
    what: &str,
) -> Result<Matcher, VerifyCliError> {
    match (exact, regexp) {
        (Some(e), _) => Ok(Matcher::Exact(e.clone())),
        (None, Some(r)) => {
            Matcher::regex(r).map_err(|e| VerifyCliError::Usage(format!("--{what}-regexp: {e}")))
        }
        (None, None) => Err(VerifyCliError::Usage(format!(
            "give --key, or --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] (missing {what})"
        ))),
    }
}

/// Runs the verification; returns the checks that passed, one line each.
pub fn verify_bundle_cmd(a: &VerifyBundleRequest) -> Result<Vec<String>, VerifyCliError> {
    let policy = a.trust.policy()?;
    let root = a.trust.root()?;
    let path = PathBuf::from(&a.artifact);
    let artifact = if path.exists() {
        // Only SHA-256 is needed here: hash just that, streaming.
        let io = |source| VerifyCliError::Io {
            path: path.clone(),
            source,
        };
        // One handle, read once: the digest checked and the bytes verified are the same.
        let mut file = input::open_regular(&path)?;
        let needs_bytes = matches!(&policy, Policy::Key(k) if k.needs_message());
        let (sha256, bytes) = if needs_bytes {
            let bytes = whole_message(file, &path)?;
            (cra_attest::digest::sha256(&bytes), Some(bytes))
        } else {
            let sha256 = cra_attest::digest::sha256_of_reader(&mut file).map_err(io)?;
            (sha256, None)
        };
        Artifact { sha256, bytes }
    } else if let Some(hex) = a.artifact.strip_prefix("sha256:") {
        let sha256 = hex::decode(hex)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                VerifyCliError::Usage(format!("{}: not sha256:<64 hex digits>", a.artifact))
            })?;
        Artifact {
            sha256,
            bytes: None,
        }
    } else {
        return Err(VerifyCliError::Usage(format!(
            "{}: no such file, and not sha256:<hex>",
            a.artifact
        )));
    };
    let json = read(&a.bundle, input::BUNDLE_MAX, "bundle")?;
    Ok(verify_bundle(&json, &artifact, &policy, &root, now())?)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A file as an artefact: hashed streaming; read whole only for Ed25519 keys, which sign
/// whole messages.
fn file_artifact(path: &Path, policy: &Policy) -> Result<(Artifact, Digests), VerifyCliError> {
    let io = |source| VerifyCliError::Io {
        path: path.to_path_buf(),
        source,
    };
    // One handle, read once: the digests checked and the bytes verified are the same.
    let mut file = input::open_regular(path)?;
    let needs_bytes = matches!(&policy, Policy::Key(k) if k.needs_message());
    let (digests, bytes) = if needs_bytes {
        let bytes = whole_message(file, path)?;
        (Digests::of_bytes(&bytes), Some(bytes))
    } else {
        let digests =
            cra_attest::digest::copy_hashing(&mut file, &mut std::io::sink()).map_err(io)?;
        (digests, None)
    };
    Ok((
        Artifact {
            sha256: digests.sha256,
            bytes,
        },
        digests,
    ))
}

/// One line of `cargo cra verify`'s report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckLine {
    /// What was checked.
    pub check: String,
    /// Whether it held.
    pub ok: bool,
    /// Details: what held, or why not.
    pub detail: String,
}

/// Options of `cargo cra verify`.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// The artefact: a binary written by `cargo cra build --sign`, or an image written by
    /// `cargo cra compose --sign` (`<name>.squashfs`, `<name>.oci.tar`), with its bundles
    /// beside it.
    pub artifact: PathBuf,
    /// Whom to trust.
    pub trust: TrustOptions,
    /// Print the report as JSON.
    pub json: bool,
}

/// `cargo cra verify`: every bundle beside `artifact` (`<name>.sigstore.json`,
/// `<name>.cdx.sigstore.json`, `<name>.provenance.sigstore.json`) must verify; the attestations
/// must be about these bytes and equal the SBOM and provenance files beside them; the SBOM's
/// subject hashes must be the artefact's. A missing bundle is a failed check.
pub fn verify_artifact(a: &VerifyRequest) -> Result<Vec<CheckLine>, VerifyCliError> {
    if a.artifact
        .file_name()
        .is_some_and(|n| n == crate::docs::TECHNICAL_FILE)
    {
        return verify_technical_file(a);
    }
    let checker = Checker::for_request(a)?;
    let mut lines = vec![checker.signature()];
    let sbom = checker.attestation(Attested::Sbom);
    let sbom_subject = sbom.as_ref().ok().map(|st| checker.sbom_subject(st));
    lines.push(checker.attestation_line(Attested::Sbom, sbom));
    lines.extend(sbom_subject);
    let provenance = checker.attestation(Attested::Provenance);
    lines.push(checker.attestation_line(Attested::Provenance, provenance));
    if checker.on_disk.image == Some(ImageArtifact::Squashfs) {
        lines.push(checker.verity());
    }
    if checker.on_disk.image == Some(ImageArtifact::RaucBundle) {
        lines.push(rauc_signature(&a.artifact, a.trust.keyring.as_deref()));
    }
    Ok(lines)
}

/// A RAUC bundle's CMS signature, checked as the device checks it, against `keyring`.
fn rauc_signature(bundle: &Path, keyring: Option<&Path>) -> CheckLine {
    let result = match keyring {
        None => Err(
            "give --keyring CA.pem (the devices' update CA) to check the bundle's own signature"
                .to_string(),
        ),
        Some(k) => input::read_text_limited(k, input::TRUST_MAX, "keyring")
            .map_err(|e| e.to_string())
            .and_then(|pem| cra_composer::rauc::check_bundle(bundle, &pem, now()))
            .map(|c| {
                let what = match c.format {
                    "verity" => "the payload matches its signed dm-verity root hash",
                    _ => "the payload is the signed one",
                };
                format!(
                    "{} bundle signed by {}, chaining to the keyring {}; {what}",
                    c.format,
                    c.signer,
                    k.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                )
            }),
    };
    line("RAUC signature", result)
}

/// Where the artefact's evidence lies: its file name, and its documents' stem (an image keeps
/// them under the image's name: `<name>.squashfs` beside `<name>.cdx.json`).
struct OnDisk {
    artifact: PathBuf,
    name: String,
    docs: Documents,
    image: Option<ImageArtifact>,
}

impl OnDisk {
    fn of(artifact: &Path) -> OnDisk {
        let name = artifact
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (stem, image) = match fileset::image_artifact(&name) {
            Some((stem, kind)) => (stem.to_string(), Some(kind)),
            None => (name.clone(), None),
        };
        OnDisk {
            artifact: artifact.to_path_buf(),
            docs: Documents::of(stem),
            name,
            image,
        }
    }

    fn beside(&self, file_name: &str) -> PathBuf {
        self.artifact.with_file_name(file_name)
    }
}

/// The two attestations every output carries.
#[derive(Clone, Copy)]
enum Attested {
    Sbom,
    Provenance,
}

impl Attested {
    fn check(self) -> &'static str {
        match self {
            Attested::Sbom => "SBOM attestation",
            Attested::Provenance => "provenance attestation",
        }
    }

    fn predicate_type(self) -> &'static str {
        match self {
            Attested::Sbom => fileset::CYCLONEDX_PREDICATE_TYPE,
            Attested::Provenance => fileset::PROVENANCE_PREDICATE_TYPE,
        }
    }

    /// (bundle, document) file names.
    fn files(self, docs: &Documents) -> (String, String) {
        match self {
            Attested::Sbom => (docs.sbom_bundle(), docs.sbom()),
            Attested::Provenance => (docs.provenance_bundle(), docs.provenance()),
        }
    }
}

/// One verification of one artefact: each method is one named check.
struct Checker {
    on_disk: OnDisk,
    artifact: Artifact,
    digests: Digests,
    policy: Policy,
    root: TrustedRoot,
}

fn line(check: &str, result: Result<String, String>) -> CheckLine {
    let (ok, detail) = match result {
        Ok(d) => (true, d),
        Err(d) => (false, d),
    };
    // The check is named once: a cause that starts with the same name loses it.
    let detail = match detail.strip_prefix(&format!("{check}: ")) {
        Some(rest) => rest.to_string(),
        None => detail,
    };
    CheckLine {
        check: check.to_string(),
        ok,
        detail,
    }
}

impl Checker {
    /// The checker of `a`'s artefact: its policy, trusted root, bytes' digests and evidence.
    fn for_request(a: &VerifyRequest) -> Result<Checker, VerifyCliError> {
        let policy = a.trust.policy()?;
        let root = a.trust.root()?;
        let (artifact, digests) = file_artifact(&a.artifact, &policy)?;
        Ok(Checker {
            on_disk: OnDisk::of(&a.artifact),
            artifact,
            digests,
            policy,
            root,
        })
    }

    /// Verifies the bundle at `path` over the artefact; returns its in-toto statement, if it
    /// is a DSSE attestation.
    fn verify_path(&self, path: &Path) -> Result<Option<serde_json::Value>, String> {
        let json =
            input::read_limited(path, input::BUNDLE_MAX, "bundle").map_err(|e| e.to_string())?;
        verify_bundle(&json, &self.artifact, &self.policy, &self.root, now())
            .map_err(|e| e.to_string())?;
        let bundle: serde_json::Value = serde_json::from_slice(&json).map_err(|e| e.to_string())?;
        Ok(bundle["dsseEnvelope"]["payload"]
            .as_str()
            .and_then(|p| {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, p).ok()
            })
            .and_then(|p| serde_json::from_slice(&p).ok()))
    }

    /// The signature over the artefact itself.
    fn signature(&self) -> CheckLine {
        let bundle = fileset::signature_bundle(&self.on_disk.name);
        line(
            "signature",
            self.verify_path(&self.on_disk.beside(&bundle))
                .map(|_| format!("{bundle} verifies over the artefact")),
        )
    }

    /// An attestation: it verifies, has its predicate type, and equals the document beside it.
    fn attestation(&self, what: Attested) -> Result<serde_json::Value, String> {
        let (bundle, document) = what.files(&self.on_disk.docs);
        let statement = self
            .verify_path(&self.on_disk.beside(&bundle))?
            .ok_or("not a DSSE in-toto attestation")?;
        let predicate_type = what.predicate_type();
        if statement["predicateType"] != predicate_type {
            return Err(format!(
                "predicate type is {}, not {predicate_type}",
                statement["predicateType"]
            ));
        }
        let path = self.on_disk.beside(&document);
        let text = input::read_limited(&path, input::DOCUMENT_MAX, "document")
            .map_err(|e| e.to_string())?;
        let on_disk: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let attested = match what {
            Attested::Sbom => &statement["predicate"],
            Attested::Provenance => &statement,
        };
        if *attested != on_disk {
            return Err(format!("{} differs from what was attested", path.display()));
        }
        Ok(statement)
    }

    fn attestation_line(
        &self,
        what: Attested,
        result: Result<serde_json::Value, String>,
    ) -> CheckLine {
        let (bundle, document) = what.files(&self.on_disk.docs);
        line(
            what.check(),
            result
                .map(|_| format!("{bundle} verifies; subject is the artefact; equals {document}")),
        )
    }

    /// The attested SBOM describes the artefact: a binary's `metadata.component` hashes, an
    /// image SBOM's record of its squashfs file (an archive is a subject of the attestation).
    fn sbom_subject(&self, statement: &serde_json::Value) -> CheckLine {
        let component = &statement["predicate"]["metadata"]["component"];
        let has = |alg: &str, hex: String| {
            component["hashes"].as_array().is_some_and(|h| {
                h.iter()
                    .any(|x| x["alg"] == alg && x["content"] == hex.as_str())
            })
        };
        let property = |n: &str| {
            component["properties"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == n))
                .and_then(|p| p["value"].as_str())
                .map(String::from)
        };
        let result = match self.on_disk.image {
            Some(ImageArtifact::Squashfs)
                if property("cargo-cra:squashfs:sha256") == Some(self.digests.sha256_hex()) =>
            {
                Ok("the image SBOM records the squashfs file's SHA-256".into())
            }
            Some(ImageArtifact::Squashfs) => {
                Err("the image SBOM does not record this squashfs file".into())
            }
            Some(ImageArtifact::OciArchive) => {
                Ok("the archive is a subject of the SBOM attestation".into())
            }
            Some(ImageArtifact::RaucBundle) => {
                Ok("the RAUC bundle is a subject of the SBOM attestation".into())
            }
            None if has("SHA-256", self.digests.sha256_hex())
                && has("SHA-512", self.digests.sha512_hex()) =>
            {
                Ok("metadata.component hashes are the artefact's SHA-256 and SHA-512".into())
            }
            None => Err("metadata.component hashes are not the artefact's".into()),
        };
        line("SBOM subject", result)
    }

    /// A squashfs image's verity statement binds it to the root hash written beside it.
    fn verity(&self) -> CheckLine {
        let docs = &self.on_disk.docs;
        let roothash = self.on_disk.beside(&docs.roothash());
        let bundle = self.on_disk.beside(&docs.verity_bundle());
        if !roothash.exists() && !bundle.exists() {
            return line(
                "dm-verity root hash",
                Ok("no dm-verity tree was written for this image".to_string()),
            );
        }
        let result = self.verify_path(&bundle).and_then(|statement| {
            let statement = statement.ok_or("not a DSSE in-toto attestation")?;
            if statement["predicateType"] != fileset::VERITY_PREDICATE_TYPE {
                return Err(format!(
                    "predicate type is {}, not the verity statement's",
                    statement["predicateType"]
                ));
            }
            let attested = statement["predicate"]["dmVerity"]["rootHash"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let on_disk = input::read_text_limited(&roothash, input::LINE_MAX, "root hash")
                .map_err(|e| e.to_string())?;
            if on_disk.trim() != attested {
                return Err(format!(
                    "{} ({}) is not the attested root hash {attested}",
                    roothash.display(),
                    on_disk.trim()
                ));
            }
            Ok(format!(
                "{} binds the image to root hash {attested}, as in {}",
                docs.verity_bundle(),
                docs.roothash()
            ))
        });
        line("dm-verity root hash", result)
    }
}

/// `cargo cra verify technical-file.json`: its attestation verifies over it, the attested
/// technical file is this one, and every file it lists still has its digest.
fn verify_technical_file(a: &VerifyRequest) -> Result<Vec<CheckLine>, VerifyCliError> {
    let checker = Checker::for_request(a)?;
    let bundle = fileset::signature_bundle(crate::docs::TECHNICAL_FILE);
    // The listing is read from the bytes the attestation was compared with, and only once it
    // verified: an unauthenticated technical file names no file to open.
    let text = input::read_limited(&a.artifact, input::DOCUMENT_MAX, "technical file")?;
    let attested = checker
        .verify_path(&checker.on_disk.beside(&bundle))
        .and_then(|statement| {
            let statement = statement.ok_or("not a DSSE in-toto attestation")?;
            if statement["predicateType"] != fileset::TECHNICAL_FILE_PREDICATE_TYPE {
                return Err(format!("predicate type is {}", statement["predicateType"]));
            }
            let on_disk: serde_json::Value =
                serde_json::from_slice(&text).map_err(|e| e.to_string())?;
            match statement["predicate"] == on_disk {
                true => Ok(format!("{bundle} verifies; it attests this technical file")),
                false => Err("the technical file differs from what was attested".into()),
            }
        });
    let listed = match &attested {
        Ok(_) => listed_files(&a.artifact, &text),
        Err(_) => Err("not checked: the technical file's attestation did not verify".into()),
    };
    Ok(vec![
        line("technical file attestation", attested),
        line("listed files", listed),
    ])
}

/// Every file the technical file `text` (read from `technical_file`) lists, re-hashed: all
/// must be there, regular files of the listed size and SHA-256, below their directory.
fn listed_files(technical_file: &Path, text: &[u8]) -> Result<String, String> {
    use crate::docs::technical_file::{Listing, is_below};
    let listing: Listing = serde_json::from_slice(text)
        .map_err(|e| format!("not a technical file: {}", input::printable(&e.to_string())))?;
    if listing.format != fileset::TECHNICAL_FILE_PREDICATE_TYPE {
        return Err(format!("unknown format {:?}", listing.format));
    }
    let root_ok = !listing.evidence_root.is_empty()
        && Path::new(&listing.evidence_root).components().all(|c| {
            matches!(
                c,
                std::path::Component::ParentDir
                    | std::path::Component::Normal(_)
                    | std::path::Component::CurDir
            )
        });
    if !root_ok {
        return Err(format!(
            "evidenceRoot {:?} is not a relative path",
            listing.evidence_root
        ));
    }
    let here = technical_file
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let root = here.join(&listing.evidence_root);
    let files = listing
        .artefacts
        .iter()
        .map(|f| (&root, f))
        .chain(listing.documents.iter().map(|f| (&here, f)));
    let mut count = 0;
    for (base, f) in files {
        if !is_below(&f.path) {
            return Err(format!(
                "{:?} is not a path below the listing's directory",
                f.path
            ));
        }
        let path = base.join(&f.path);
        let mut file = input::open_regular(&path).map_err(|e| e.to_string())?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
        if size != f.size {
            return Err(format!(
                "{} changed: {size} bytes, not the listed {}",
                path.display(),
                f.size
            ));
        }
        let digests = cra_attest::digest::copy_hashing(&mut file, &mut std::io::sink())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if digests.sha256_hex() != f.sha256 {
            return Err(format!(
                "{} changed: its SHA-256 is not the listed one",
                path.display()
            ));
        }
        count += 1;
    }
    Ok(format!(
        "all {count} listed files are present with their size and SHA-256"
    ))
}
