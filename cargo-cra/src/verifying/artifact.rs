//! `cargo cra verify ARTIFACT`: the artefact's signature, its SBOM and provenance (signed or
//! not, their subjects must be the artefact), and an image's verity or RAUC signature.

use super::report::{CheckLine, Outcome, Problem, line};
use super::{TrustOptions, VerifyingError, file_artifact, now};
use cra_attest::digest::Digests;
use cra_attest::evidence::OtherSbom;
use cra_attest::sigstore::trust::TrustedRoot;
use cra_attest::sigstore::verify::{Artifact, Policy, verify_bundle};
use cra_model::fileset::{self, Documents, ImageArtifact};
use cra_model::input;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Options of `cargo cra verify`.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// The artefact: a binary written by `cargo cra build`, an image written by
    /// `cargo cra compose` (`<name>.squashfs`, `<name>.oci.tar`, `<name>.raucb`), or a
    /// `technical-file.json`, with its evidence beside it.
    pub artifact: PathBuf,
    /// Whom to trust.
    pub trust: TrustOptions,
    /// Missing signatures are skipped checks, not failures: only the documents' consistency
    /// with the artefact is checked (bundles present are still verified when a key or identity
    /// is given).
    pub allow_unsigned: bool,
    /// Print the report as JSON.
    pub json: bool,
}

/// `cargo cra verify`: every check, always, in the same order. The bundles beside `artifact`
/// must verify (a missing one fails, unless unsigned outputs are allowed); the attestations
/// must equal the documents beside them; the SBOM's and provenance's subjects must be the
/// artefact's digests, signed or not.
pub(super) fn verify(a: &VerifyRequest) -> Result<Vec<CheckLine>, VerifyingError> {
    let checker = Checker::for_request(a, OnDisk::bundles)?;
    let mut lines = checker.evidence_lines();
    match checker.on_disk.image {
        Some(ImageArtifact::Squashfs) => lines.push(line("dm-verity root hash", checker.verity())),
        Some(ImageArtifact::RaucBundle) => lines.push(line(
            "RAUC signature",
            rauc_signature(&a.artifact, a.trust.keyring.as_deref(), checker.unsigned),
        )),
        _ => {}
    }
    Ok(lines)
}

/// A RAUC bundle's CMS signature, checked as the device checks it, against `keyring`.
fn rauc_signature(bundle: &Path, keyring: Option<&Path>, allow_unsigned: bool) -> Outcome {
    let why = "give --keyring CA.pem (the devices' update CA) to check the bundle's own signature";
    let Some(k) = keyring else {
        return Err(match allow_unsigned {
            true => Problem::Skipped(why.into()),
            false => Problem::Fail(why.into()),
        });
    };
    let pem =
        input::read_text_limited(k, input::TRUST_MAX, "keyring").map_err(|e| e.to_string())?;
    let c = cra_composer::rauc::check_bundle(bundle, &pem, now())?;
    let what = match c.format {
        "verity" => "the payload matches its signed dm-verity root hash",
        _ => "the payload is the signed one",
    };
    Ok(format!(
        "{} bundle signed by {}, chaining to the keyring {}; {what}",
        c.format,
        c.signer,
        k.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ))
}

/// Where the artefact's evidence lies: its file name, and its documents' stem (an image keeps
/// them under the image's name: `<name>.squashfs` beside `<name>.cdx.json`).
pub(super) struct OnDisk {
    artifact: PathBuf,
    /// Where the evidence lies (the artefact's directory, or the image directory).
    dir: PathBuf,
    name: String,
    pub(super) docs: Documents,
    image: Option<ImageArtifact>,
    /// The artefact is an image directory's OCI manifest (`oci/blobs/sha256/<hex>`), its
    /// evidence in the image directory under `stem`.
    manifest: bool,
}

impl OnDisk {
    /// The OCI manifest `blob` of the image directory `dir`, whose evidence is named `stem`.
    pub(super) fn manifest(dir: &Path, blob: &Path, stem: &str) -> OnDisk {
        OnDisk {
            artifact: blob.to_path_buf(),
            dir: dir.to_path_buf(),
            name: stem.to_string(),
            docs: Documents::of(stem),
            image: None,
            manifest: true,
        }
    }

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
            dir: artifact.parent().map(Path::to_path_buf).unwrap_or_default(),
            docs: Documents::of(stem),
            name,
            image,
            manifest: false,
        }
    }

    /// The evidence file `file_name` (a path relative to the evidence directory).
    pub(super) fn beside(&self, file_name: &str) -> PathBuf {
        self.dir.join(file_name)
    }

    /// The bundle signing the artefact itself.
    fn signature_bundle(&self) -> String {
        match self.manifest {
            true => self.docs.manifest_bundle(),
            false => fileset::signature_bundle(&self.name),
        }
    }

    /// The bundles an artefact's evidence may have.
    pub(super) fn bundles(&self) -> Vec<String> {
        vec![
            self.signature_bundle(),
            self.docs.sbom_bundle(),
            self.docs.spdx23_bundle(),
            self.docs.spdx3_bundle(),
            self.docs.provenance_bundle(),
            self.docs.verity_bundle(),
        ]
    }
}

/// The attestations an output carries: always the SBOM and provenance; the SPDX SBOM when
/// it was asked for.
#[derive(Clone, Copy)]
enum Attested {
    Sbom,
    /// An SPDX SBOM (`--sbom-format spdx2.3` or `spdx3`), when there is one.
    Other(OtherSbom),
    Provenance,
}

impl Attested {
    fn check(self) -> &'static str {
        match self {
            Attested::Sbom => "SBOM attestation",
            Attested::Other(OtherSbom::Spdx23) => "SPDX attestation",
            Attested::Other(OtherSbom::Spdx3) => "SPDX 3 attestation",
            Attested::Provenance => "provenance attestation",
        }
    }

    fn predicate_type(self) -> &'static str {
        match self {
            Attested::Sbom => fileset::CYCLONEDX_PREDICATE_TYPE,
            Attested::Other(f) => f.predicate_type(),
            Attested::Provenance => fileset::PROVENANCE_PREDICATE_TYPE,
        }
    }

    /// (bundle, document) file names.
    fn files(self, docs: &Documents) -> (String, String) {
        match self {
            Attested::Sbom => (docs.sbom_bundle(), docs.sbom()),
            Attested::Other(f) => (f.bundle(docs), f.file(docs)),
            Attested::Provenance => (docs.provenance_bundle(), docs.provenance()),
        }
    }
}

/// One verification of one artefact: each method is one named check.
pub(super) struct Checker {
    pub(super) on_disk: OnDisk,
    artifact: Artifact,
    digests: Digests,
    /// None: no key or identity was given (allowed only for unsigned outputs).
    policy: Option<Policy>,
    root: TrustedRoot,
    /// `--allow-unsigned` and no bundle at all: missing bundles are skipped checks.
    unsigned: bool,
    /// The documents beside the artefact, each read and parsed once (several checks use them).
    documents: RefCell<BTreeMap<String, Result<Rc<Value>, String>>>,
}

impl Checker {
    /// The checker of `a`'s artefact: its policy, trusted root, bytes' digests and evidence.
    /// `bundles`: the bundle file names its evidence may have; the output is taken as unsigned
    /// only when `--allow-unsigned` is given and none of them exists (a half-signed output is
    /// signed, and all its bundles must verify).
    pub(super) fn for_request(
        a: &VerifyRequest,
        bundles: impl FnOnce(&OnDisk) -> Vec<String>,
    ) -> Result<Checker, VerifyingError> {
        Checker::new(a, OnDisk::of(&a.artifact), bundles)
    }

    /// [`Checker::for_request`] of the artefact and evidence `on_disk` names.
    pub(super) fn new(
        a: &VerifyRequest,
        on_disk: OnDisk,
        bundles: impl FnOnce(&OnDisk) -> Vec<String>,
    ) -> Result<Checker, VerifyingError> {
        let any_bundle = bundles(&on_disk)
            .iter()
            .any(|b| std::fs::symlink_metadata(on_disk.beside(b)).is_ok());
        let unsigned = a.allow_unsigned && !any_bundle;
        let policy = match unsigned && !a.trust.names_signer() {
            true => None,
            false => Some(a.trust.policy()?),
        };
        let root = a.trust.root()?;
        let (artifact, digests) = file_artifact(&on_disk.artifact, policy.as_ref())?;
        Ok(Checker {
            on_disk,
            artifact,
            digests,
            policy,
            root,
            unsigned,
            documents: Default::default(),
        })
    }

    /// Verifies the bundle `name` beside the artefact, over it; returns its in-toto statement,
    /// if it is a DSSE attestation. A missing bundle fails, unless the whole output is
    /// unsigned and that is allowed: then it is skipped.
    pub(super) fn verify_beside(&self, name: &str) -> Result<Option<Value>, Problem> {
        let path = self.on_disk.beside(name);
        if std::fs::symlink_metadata(&path).is_err() {
            return Err(match self.unsigned {
                true => {
                    Problem::Skipped(format!("{name} is missing: not signed (--allow-unsigned)"))
                }
                false => Problem::Fail(format!(
                    "{name} is missing: not signed (--allow-unsigned checks an output with no signature at all)"
                )),
            });
        }
        let Some(policy) = &self.policy else {
            // Unreachable but for a bundle appearing meanwhile: fail closed.
            return Err(Problem::Fail(format!(
                "{name} is there: give --key or a certificate identity to verify it"
            )));
        };
        let json =
            input::read_limited(&path, input::BUNDLE_MAX, "bundle").map_err(|e| e.to_string())?;
        verify_bundle(&json, &self.artifact, policy, &self.root, now())
            .map_err(|e| e.to_string())?;
        let bundle: Value = input::strict_json(&json).map_err(|e| e.to_string())?;
        Ok(bundle["dsseEnvelope"]["payload"]
            .as_str()
            .and_then(|p| {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, p).ok()
            })
            .and_then(|p| input::strict_json(&p).ok()))
    }

    /// The checks every artefact's evidence gets: its signature, the SBOM and provenance
    /// attestations, and their subjects.
    pub(super) fn evidence_lines(&self) -> Vec<CheckLine> {
        let sbom = self.attestation(Attested::Sbom);
        let sbom_subject = self.sbom_subject(sbom.is_ok());
        let mut lines = vec![
            line("signature", self.signature()),
            line(
                Attested::Sbom.check(),
                sbom.map(|()| self.attested(Attested::Sbom)),
            ),
            line("SBOM subject", sbom_subject),
        ];
        // Only outputs written with `--sbom-format spdx2.3` or `spdx3` have these.
        for format in OtherSbom::ALL {
            if let Some(spdx) = self.optional(Attested::Other(format)) {
                lines.push(line(Attested::Other(format).check(), spdx));
            }
        }
        lines.extend([
            line(
                Attested::Provenance.check(),
                self.attestation(Attested::Provenance)
                    .map(|()| self.attested(Attested::Provenance)),
            ),
            line("provenance subject", self.provenance_subject()),
        ]);
        lines
    }

    /// The artefact's SHA-256, hex.
    pub(super) fn sha256_hex(&self) -> String {
        self.digests.sha256_hex()
    }

    /// Whether a key or identity was given to verify bundles with.
    pub(super) fn has_policy(&self) -> bool {
        self.policy.is_some()
    }

    /// Verifies the bundle at `path` over what it names itself (a message signature's digest,
    /// a statement's first subject): that the signer signed it, whatever it is.
    pub(super) fn verify_over_own_subject(&self, path: &Path) -> Result<String, String> {
        let policy = self.policy.as_ref().ok_or("no key or identity given")?;
        let json =
            input::read_limited(path, input::BUNDLE_MAX, "bundle").map_err(|e| e.to_string())?;
        let bundle: Value = input::strict_json(&json).map_err(|e| e.to_string())?;
        let b64 = |s: &str| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, s);
        let sha256 = match bundle["messageSignature"]["messageDigest"]["digest"].as_str() {
            Some(d) => b64(d).ok(),
            None => bundle["dsseEnvelope"]["payload"]
                .as_str()
                .and_then(|p| b64(p).ok())
                .and_then(|p| input::strict_json(&p).ok())
                .and_then(|s| {
                    s["subject"][0]["digest"]["sha256"]
                        .as_str()
                        .map(String::from)
                })
                .and_then(|h| hex::decode(h).ok()),
        };
        let sha256 = sha256
            .and_then(|d| <[u8; 32]>::try_from(d).ok())
            .ok_or("names no SHA-256 digest it signs")?;
        let artifact = Artifact {
            sha256,
            bytes: None,
        };
        verify_bundle(&json, &artifact, policy, &self.root, now()).map_err(|e| e.to_string())?;
        Ok(format!("sha256:{}", cra_attest::digest::to_hex(&sha256)))
    }

    /// The signature over the artefact itself.
    fn signature(&self) -> Outcome {
        let bundle = self.on_disk.signature_bundle();
        let what = match self.on_disk.manifest {
            true => "the image manifest",
            false => "the artefact",
        };
        self.verify_beside(&bundle)
            .map(|_| format!("{bundle} verifies over {what}"))
    }

    /// A document beside the artefact (SBOM, provenance), parsed; read once per verification.
    fn document(&self, name: &str) -> Result<Rc<Value>, Problem> {
        let mut documents = self.documents.borrow_mut();
        let parsed = documents.entry(name.to_string()).or_insert_with(|| {
            let path = self.on_disk.beside(name);
            let text = input::read_limited(&path, input::DOCUMENT_MAX, "document")
                .map_err(|e| e.to_string())?;
            let value = input::strict_json(&text).map_err(|e| format!("{name}: {e}"))?;
            Ok(Rc::new(value))
        });
        parsed.clone().map_err(Problem::Fail)
    }

    /// An attestation: it verifies, has its predicate type, and equals the document beside it.
    fn attestation(&self, what: Attested) -> Result<(), Problem> {
        let (bundle, document) = what.files(&self.on_disk.docs);
        let statement = self
            .verify_beside(&bundle)?
            .ok_or("not a DSSE in-toto attestation")?;
        let predicate_type = what.predicate_type();
        if statement["predicateType"] != predicate_type {
            return Err(format!(
                "predicate type is {}, not {predicate_type}",
                statement["predicateType"]
            )
            .into());
        }
        let on_disk = self.document(&document)?;
        let attested = match what {
            Attested::Sbom | Attested::Other(_) => &statement["predicate"],
            Attested::Provenance => &statement,
        };
        if *attested != *on_disk {
            return Err(format!(
                "{document} differs from what {bundle} attests: the signature is an earlier \
                 build's, or the document changed after it was signed"
            )
            .into());
        }
        Ok(())
    }

    /// An attestation that only some outputs have: `None` when neither it nor its document
    /// is there; else as [`Checker::attestation`].
    fn optional(&self, what: Attested) -> Option<Outcome> {
        let (bundle, document) = what.files(&self.on_disk.docs);
        let there = |name: &str| std::fs::symlink_metadata(self.on_disk.beside(name)).is_ok();
        if !there(&bundle) && !there(&document) {
            return None;
        }
        Some(self.attestation(what).map(|()| self.attested(what)))
    }

    fn attested(&self, what: Attested) -> String {
        let (bundle, document) = what.files(&self.on_disk.docs);
        format!("{bundle} verifies; subject is the artefact; equals {document}")
    }

    /// The SBOM beside the artefact describes it: a binary's `metadata.component` hashes, an
    /// image SBOM's record of its squashfs file. An archive or bundle is bound to the SBOM only
    /// as a subject of the SBOM's attestation (`attested`: it verified).
    fn sbom_subject(&self, attested: bool) -> Outcome {
        let sbom = self.document(&self.on_disk.docs.sbom())?;
        let component = &sbom["metadata"]["component"];
        let has = |alg: &str, hex: String| {
            component["hashes"].as_array().is_some_and(|h| {
                h.iter()
                    .any(|x| x["alg"] == alg && x["content"] == hex.as_str())
            })
        };
        let property = |n: &str| image_property(&sbom, n);
        if self.on_disk.manifest {
            return match attested {
                true => Ok("the image manifest is a subject of the SBOM attestation".into()),
                false => Err(Problem::Skipped(
                    "an image SBOM records no digest of its manifest: only its attestation binds them".into(),
                )),
            };
        }
        match self.on_disk.image {
            Some(ImageArtifact::Squashfs)
                if property(cra_model::properties::SQUASHFS_SHA256) == Some(self.digests.sha256_hex()) =>
            {
                Ok("the image SBOM records the squashfs file's SHA-256".into())
            }
            Some(ImageArtifact::Squashfs) => {
                Err("the image SBOM does not record this squashfs file".into())
            }
            Some(ImageArtifact::RaucBundle) if attested => {
                Ok("the RAUC bundle is a subject of the SBOM attestation".into())
            }
            Some(_) if attested => Ok("the archive is a subject of the SBOM attestation".into()),
            Some(_) => Err(Problem::Skipped(
                "an image SBOM records no digest of an archive or bundle: only its attestation binds them".into(),
            )),
            None if has("SHA-256", self.digests.sha256_hex())
                && has("SHA-512", self.digests.sha512_hex()) =>
            {
                Ok("metadata.component hashes are the artefact's SHA-256 and SHA-512".into())
            }
            None => Err("metadata.component hashes are not the artefact's".into()),
        }
    }

    /// The provenance beside the artefact names it: a subject with its SHA-256.
    fn provenance_subject(&self) -> Outcome {
        let provenance = self.document(&self.on_disk.docs.provenance())?;
        let sha256 = self.digests.sha256_hex();
        let subject = provenance["subject"]
            .as_array()
            .and_then(|s| s.iter().find(|x| x["digest"]["sha256"] == sha256.as_str()));
        match subject {
            Some(s) => Ok(format!(
                "subject {} has the artefact's SHA-256",
                s["name"].as_str().unwrap_or("(unnamed)")
            )),
            None => Err("no subject of the provenance has the artefact's SHA-256".into()),
        }
    }

    /// A squashfs image's verity statement binds it to the root hash written beside it, which
    /// must be the one its SBOM records (unsigned, that is all that is checked).
    fn verity(&self) -> Outcome {
        let docs = &self.on_disk.docs;
        let roothash = self.on_disk.beside(&docs.roothash());
        let bundle = docs.verity_bundle();
        let recorded = self
            .document(&docs.sbom())
            .ok()
            .and_then(|sbom| image_property(&sbom, cra_model::properties::VERITY_ROOT_HASH));
        if !roothash.exists() && !self.on_disk.beside(&bundle).exists() {
            return match recorded {
                Some(_) => Err(format!(
                    "the image SBOM records a dm-verity root hash, but {} and {bundle} are missing",
                    docs.roothash()
                )
                .into()),
                None => Ok("no dm-verity tree was written for this image".to_string()),
            };
        }
        let on_disk = || {
            input::read_text_limited(&roothash, input::LINE_MAX, "root hash")
                .map(|t| t.trim().to_string())
                .map_err(|e| Problem::from(e.to_string()))
        };
        let statement = match self.verify_beside(&bundle) {
            Err(Problem::Skipped(why)) => {
                let hash = on_disk()?;
                return match recorded {
                    Some(r) if r == hash => Err(Problem::Skipped(format!(
                        "{why}; {} is the root hash the image SBOM records",
                        docs.roothash()
                    ))),
                    _ => Err(format!(
                        "{} ({hash}) is not the root hash the image SBOM records",
                        docs.roothash()
                    )
                    .into()),
                };
            }
            other => other?.ok_or("not a DSSE in-toto attestation")?,
        };
        if statement["predicateType"] != fileset::VERITY_PREDICATE_TYPE {
            return Err(format!(
                "predicate type is {}, not the verity statement's",
                statement["predicateType"]
            )
            .into());
        }
        let attested = statement["predicate"]["dmVerity"]["rootHash"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let hash = on_disk()?;
        if hash != attested {
            return Err(format!(
                "{} ({hash}) is not the attested root hash {attested}",
                docs.roothash()
            )
            .into());
        }
        Ok(format!(
            "{bundle} binds the image to root hash {attested}, as in {}",
            docs.roothash()
        ))
    }
}

/// A property of an SBOM's `metadata.component` (an image SBOM's `cargo-cra:` facts).
fn image_property(sbom: &Value, name: &str) -> Option<String> {
    sbom["metadata"]["component"]["properties"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .and_then(|p| p["value"].as_str())
        .map(String::from)
}
