//! Offline verification of a Sigstore bundle against an artefact, failing closed.
//!
//! The order of checks, each of which must pass: the bundle's format and media type; the
//! timestamps (RFC 3161 tokens, and Rekor v1 integration times vouched for by a signed entry
//! timestamp); every transparency-log entry (inclusion proof and checkpoint, SET, trusted log,
//! and that its body records this bundle); for certificates, the chain to a trusted Fulcio and an
//! embedded SCT at every verified time, and the identity and OIDC issuer; the signature over the
//! artefact (or the DSSE PAE, with the artefact's digest among the statement's subjects).

pub(crate) mod certs;
pub(crate) mod entry_body;
pub(crate) mod tlog;
pub(crate) mod tsa;

pub use certs::{Cert, CertError, verify_chain, verify_embedded_scts};
pub use tlog::{TlogError, verify_entry};
pub use tsa::{TsaError, verify_timestamp};

use crate::sigstore::algorithm::VerifyingKey;
use crate::sigstore::bundle::{Bundle, pae};
use crate::sigstore::trust::TrustedRoot;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use entry_body::{BodyError, Signed};

/// What the artefact is: its bytes (when at hand) and its SHA-256.
pub struct Artifact {
    /// SHA-256 of the artefact.
    pub sha256: [u8; 32],
    /// The bytes, when the artefact is a file (needed for Ed25519 message signatures).
    pub bytes: Option<Vec<u8>>,
}

/// Whom the signature must come from.
pub enum Policy {
    /// A managed key (of any algorithm Sigstore allows).
    Key(VerifyingKey),
    /// A Fulcio certificate for this identity and OIDC issuer.
    Identity {
        /// Subject alternative name.
        identity: Matcher,
        /// OIDC issuer.
        issuer: Matcher,
    },
}

/// An exact string, or a regular expression that must match the whole value.
pub enum Matcher {
    /// Equal to.
    Exact(String),
    /// Matching all of the value (made by [`Matcher::regex`], which anchors it).
    Regex(AnchoredRegex),
}

/// A regular expression compiled as `^(?:…)$`, so that it matches whole values only (comparing
/// a leftmost-first match with the value would refuse `ab` for `a|ab`).
pub struct AnchoredRegex(regex::Regex);

impl Matcher {
    /// A matcher for values `pattern` matches entirely.
    pub fn regex(pattern: &str) -> Result<Matcher, regex::Error> {
        regex::Regex::new(&format!("^(?:{pattern})$")).map(|r| Matcher::Regex(AnchoredRegex(r)))
    }

    fn matches(&self, v: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == v,
            Matcher::Regex(r) => r.0.is_match(v),
        }
    }
}

/// Why verification failed; the message names the failed check.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The bundle is not a well-formed bundle of a known version.
    #[error("bundle format: {0}")]
    Format(String),
    /// A timestamp is not trusted.
    #[error(transparent)]
    Timestamp(#[from] TsaError),
    /// A log entry is not trusted.
    #[error(transparent)]
    Log(#[from] TlogError),
    /// A log entry records something else.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The certificate is not trusted.
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// No verified time to check the certificate at.
    #[error(
        "timestamps: no verified time (neither a signed entry timestamp nor an RFC 3161 timestamp)"
    )]
    NoTime,
    /// The certificate names someone else.
    #[error("identity: {0}")]
    Identity(String),
    /// The signature does not verify.
    #[error("signature: {0}")]
    Signature(String),
}

fn format(m: impl Into<String>) -> VerifyError {
    VerifyError::Format(m.into())
}

/// The bundle format version of a media type: 1, 2 or 3.
fn version_of(media_type: &str) -> Option<u8> {
    use cra_model::media;
    match media_type {
        media::SIGSTORE_BUNDLE_V01_LEGACY => Some(1),
        media::SIGSTORE_BUNDLE_V02_LEGACY => Some(2),
        media::SIGSTORE_BUNDLE_V03_LEGACY | media::SIGSTORE_BUNDLE_V03 => Some(3),
        _ => None,
    }
}

/// Verifies the bundle `json` for `artifact` under `policy` and `root`, at time `now` (Unix
/// seconds). Returns one line per check passed. The steps, each of which must pass: read the
/// bundle; establish who signed (a key, or a certificate, as the policy expects); establish
/// when (RFC 3161 timestamps, and transparency-log entries, each checked against the bundle);
/// the certificate at every verified time (chain, SCT, identity); the signature itself.
pub fn verify_bundle(
    json: &[u8],
    artifact: &Artifact,
    policy: &Policy,
    root: &TrustedRoot,
    now: i64,
) -> Result<Vec<String>, VerifyError> {
    let mut passed = Vec::new();
    let read = read_bundle(json)?;
    passed.push(format!(
        "bundle: media type {} (v0.{})",
        read.bundle.media_type, read.version
    ));
    let signer = establish_signer(&read.bundle, policy)?;
    let times = establish_times(&read, &signer, artifact, root, now, &mut passed)?;
    if let (Some(cert), Policy::Identity { identity, issuer }) = (&signer.leaf, policy) {
        check_certificate(cert, (identity, issuer), root, &times, &mut passed)?;
    }
    check_signature(&read, &signer.key, artifact, &mut passed)?;
    Ok(passed)
}

/// A bundle read: its model, format version and the signature's bytes.
struct ReadBundle {
    bundle: Bundle,
    version: u8,
    signature: Vec<u8>,
}

fn read_bundle(json: &[u8]) -> Result<ReadBundle, VerifyError> {
    let bundle: Bundle = serde_json::from_slice(json).map_err(|e| {
        format(format!(
            "not a bundle: {}",
            cra_model::input::printable(&e.to_string())
        ))
    })?;
    let version = version_of(&bundle.media_type)
        .ok_or_else(|| format(format!("unknown media type {:?}", bundle.media_type)))?;
    let signature = match (&bundle.message_signature, &bundle.dsse_envelope) {
        (Some(m), None) => B64
            .decode(&m.signature)
            .map_err(|_| format("signature is not base64"))?,
        (None, Some(e)) => {
            if e.signatures.len() != 1 {
                return Err(format("the DSSE envelope must carry exactly one signature"));
            }
            B64.decode(&e.signatures[0].sig)
                .map_err(|_| format("signature is not base64"))?
        }
        _ => {
            return Err(format(
                "exactly one of messageSignature and dsseEnvelope is required",
            ));
        }
    };
    Ok(ReadBundle {
        bundle,
        version,
        signature,
    })
}

/// Who signed: the certificate (if any) and the key the signature must verify with.
struct Signer {
    leaf: Option<Cert>,
    key: VerifyingKey,
}

fn establish_signer(bundle: &Bundle, policy: &Policy) -> Result<Signer, VerifyError> {
    let vm = &bundle.verification_material;
    let leaf = match (&vm.certificate, &vm.x509_certificate_chain, &vm.public_key) {
        (Some(c), None, None) => Some(Cert::from_b64(&c.raw_bytes)?),
        (None, Some(chain), None) => {
            let first = chain
                .certificates
                .first()
                .ok_or_else(|| format("empty certificate chain"))?;
            Some(Cert::from_b64(&first.raw_bytes)?)
        }
        (None, None, Some(_)) => None,
        _ => {
            return Err(format(
                "exactly one of certificate, x509CertificateChain and publicKey is required",
            ));
        }
    };
    let key = match (&leaf, policy) {
        (Some(cert), Policy::Identity { .. }) => VerifyingKey::from_spki(&cert.spki_der())
            .map_err(|e| VerifyError::Signature(format!("certificate key: {e}")))?,
        (None, Policy::Key(k)) => k.clone(),
        (Some(_), Policy::Key(_)) => {
            return Err(format(
                "the bundle is signed with a certificate, but a key was given",
            ));
        }
        (None, Policy::Identity { .. }) => {
            return Err(format(
                "the bundle is signed with a managed key, but an identity was given",
            ));
        }
    };
    Ok(Signer { leaf, key })
}

/// When: RFC 3161 tokens, and the SET-vouched integration times of transparency-log entries,
/// each entry verified (inclusion, checkpoint, SET, log key at its time) and shown to record
/// this very bundle.
fn establish_times(
    read: &ReadBundle,
    signer: &Signer,
    artifact: &Artifact,
    root: &TrustedRoot,
    now: i64,
    passed: &mut Vec<String>,
) -> Result<Vec<i64>, VerifyError> {
    let vm = &read.bundle.verification_material;
    let mut times = Vec::new();
    if let Some(tv) = &vm.timestamp_verification_data {
        for ts in &tv.rfc3161_timestamps {
            times.push(verify_timestamp(
                &ts.signed_timestamp,
                &read.signature,
                root,
            )?);
        }
    }
    let verifier_der = match &signer.leaf {
        Some(c) => c.der.clone(),
        None => signer.key.to_der().to_vec(),
    };
    let signed = Signed {
        bundle: &read.bundle,
        artifact_sha256: artifact.sha256,
        verifier_der,
    };
    if signer.leaf.is_some() && vm.tlog_entries.is_empty() {
        return Err(VerifyError::Log(TlogError::NoInclusionEvidence(
            " or promise",
        )));
    }
    let tsa_times = times.clone();
    for entry in &vm.tlog_entries {
        let verified = verify_entry(entry, root, read.version >= 2, now)?;
        if verified.integrated_time.is_none() {
            // No integration time (Rekor v2): the log's key must be valid when the signature was
            // timestamped, or now when nothing timestamped it.
            let at = if tsa_times.is_empty() {
                vec![now]
            } else {
                tsa_times.clone()
            };
            for t in at {
                if !verified.log.valid_at(t).unwrap_or(false) {
                    return Err(VerifyError::Log(TlogError::KeyNotValid(t)));
                }
            }
        }
        entry_body::check(
            &entry.kind_version.kind,
            &entry.kind_version.version,
            &verified.body,
            &signed,
        )?;
        if let (Some(t), Some(_)) = (verified.integrated_time, &entry.inclusion_promise) {
            times.push(t);
        }
        passed.push(format!(
            "transparency log: entry {} ({} {}) included and consistent with the bundle",
            entry.log_index, entry.kind_version.kind, entry.kind_version.version
        ));
    }
    if !times.is_empty() {
        passed.push(format!("timestamps: {} verified", times.len()));
    }
    Ok(times)
}

/// The certificate chains to a trusted Fulcio at every verified time, carries a valid SCT, and
/// names the expected identity and OIDC issuer.
fn check_certificate(
    cert: &Cert,
    (identity, issuer): (&Matcher, &Matcher),
    root: &TrustedRoot,
    times: &[i64],
    passed: &mut Vec<String>,
) -> Result<(), VerifyError> {
    if times.is_empty() {
        return Err(VerifyError::NoTime);
    }
    let mut chain = Vec::new();
    for &t in times {
        chain = verify_chain(cert, root, t)?;
    }
    verify_embedded_scts(cert, &chain[0], root)?;
    passed.push(
        "certificate: chains to a trusted Fulcio at every verified time; SCT verified".into(),
    );
    let sans = cert.subject_alt_names();
    if !sans.iter().any(|s| identity.matches(s)) {
        return Err(VerifyError::Identity(format!(
            "certificate names {sans:?}, not the expected identity"
        )));
    }
    let iss = cert.oidc_issuer().unwrap_or_default();
    if !issuer.matches(&iss) {
        return Err(VerifyError::Identity(format!(
            "certificate's OIDC issuer is {iss:?}, not the expected one"
        )));
    }
    passed.push(format!("identity: {} issued by {iss}", sans.join(", ")));
    Ok(())
}

/// The signature over the artefact, or over the DSSE envelope whose statement names it.
fn check_signature(
    read: &ReadBundle,
    key: &VerifyingKey,
    artifact: &Artifact,
    passed: &mut Vec<String>,
) -> Result<(), VerifyError> {
    let bad = || {
        VerifyError::Signature(format!(
            "signature does not verify with this key ({})",
            key.algorithm()
        ))
    };
    let signature = &read.signature;
    match (&read.bundle.message_signature, &read.bundle.dsse_envelope) {
        (Some(m), _) => {
            if let Some(d) = &m.message_digest
                && B64.decode(&d.digest).ok().as_deref() != Some(&artifact.sha256[..])
            {
                return Err(VerifyError::Signature(
                    "the bundle's message digest is not the artefact's".into(),
                ));
            }
            let verified = match &artifact.bytes {
                Some(bytes) => key.verify(bytes, signature),
                None if key.needs_message() => {
                    return Err(VerifyError::Signature(format!(
                        "an {} key's signature needs the artefact's bytes, not only its digest",
                        key.algorithm()
                    )));
                }
                None => key.verify_sha256_digest(&artifact.sha256, signature),
            };
            if !verified {
                return Err(bad());
            }
            passed.push("signature: verifies over the artefact".into());
        }
        (_, Some(e)) => {
            let payload = B64
                .decode(&e.payload)
                .map_err(|_| format("payload is not base64"))?;
            if !key.verify(&pae(&e.payload_type, &payload), signature) {
                return Err(bad());
            }
            let statement: serde_json::Value = serde_json::from_slice(&payload)
                .map_err(|_| VerifyError::Signature("payload is not JSON".into()))?;
            let hex = crate::digest::to_hex(&artifact.sha256);
            let named = statement["subject"].as_array().is_some_and(|subjects| {
                subjects
                    .iter()
                    .any(|s| s["digest"]["sha256"] == hex.as_str())
            });
            if !named {
                return Err(VerifyError::Signature(
                    "the artefact's SHA-256 is not a subject of the statement".into(),
                ));
            }
            passed.push(
                "signature: DSSE envelope verifies; the artefact is a subject of the statement"
                    .into(),
            );
        }
        _ => unreachable!("read_bundle requires exactly one"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_regexes_match_whole_values_whatever_the_alternation_order() {
        let m = Matcher::regex("a|ab").unwrap();
        assert!(m.matches("a") && m.matches("ab"));
        assert!(!m.matches("abc") && !m.matches("xab") && !m.matches(""));
        let m = Matcher::regex("https://github.com/org/.*").unwrap();
        assert!(m.matches("https://github.com/org/repo/.github/workflows/r.yml@refs/heads/main"));
        assert!(!m.matches("https://evil.example/https://github.com/org/x"));
    }
    use crate::conformance::fixtures;

    const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

    fn run(name: &str, digest_only: bool) -> Result<Vec<String>, VerifyError> {
        let dir = fixtures().join("cases").join(name);
        let read = |f: &str| std::fs::read(dir.join(f)).ok();
        let json = read("bundle.sigstore.json").unwrap();
        let bytes = read("artifact")
            .unwrap_or_else(|| std::fs::read(fixtures().join("default-artifact.txt")).unwrap());
        let artifact = Artifact {
            sha256: crate::digest::sha256(&bytes),
            bytes: (!digest_only).then_some(bytes),
        };
        let text = |f: &str, default: &str| {
            read(f)
                .map(|b| String::from_utf8(b).unwrap().trim().to_string())
                .unwrap_or_else(|| default.to_string())
        };
        let policy = match read("key.pub") {
            Some(pem) => {
                Policy::Key(VerifyingKey::from_pem(std::str::from_utf8(&pem).unwrap()).unwrap())
            }
            None => Policy::Identity {
                identity: Matcher::Exact(text("identity", DEFAULT_IDENTITY)),
                issuer: Matcher::Exact(text("issuer", DEFAULT_ISSUER)),
            },
        };
        let root = read("trusted_root.json").unwrap_or_else(|| {
            std::fs::read(fixtures().join("public-good-trusted-root.json")).unwrap()
        });
        let root = TrustedRoot::from_json(&root).map_err(|e| VerifyError::Format(e.to_string()))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        verify_bundle(&json, &artifact, &policy, &root, now)
    }

    #[test]
    fn every_conformance_vector_passes_or_fails_as_named() {
        let mut wrong = Vec::new();
        let mut n = 0;
        for entry in std::fs::read_dir(fixtures().join("cases")).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            for digest_only in [false, true] {
                let result = run(&name, digest_only);
                let expect_ok = !name.ends_with("_fail");
                n += 1;
                if result.is_ok() != expect_ok {
                    wrong.push(format!(
                        "{name} (digest only: {digest_only}): {:?}",
                        result.map(|_| "passed").map_err(|e| e.to_string())
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {n} wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }
}

#[cfg(test)]
mod tamper {
    use super::*;
    use crate::conformance::fixtures;
    use serde_json::Value;

    fn flip_b64(v: &mut Value, at: usize) {
        let mut b = B64.decode(v.as_str().unwrap()).unwrap();
        let i = at.min(b.len() - 1);
        b[i] ^= 0x01;
        *v = Value::from(B64.encode(b));
    }

    fn verify_mutated(
        case: &str,
        artifact: &[u8],
        mutate: impl Fn(&mut Value),
    ) -> Result<Vec<String>, VerifyError> {
        let dir = fixtures().join("cases").join(case);
        let mut json: Value =
            serde_json::from_slice(&std::fs::read(dir.join("bundle.sigstore.json")).unwrap())
                .unwrap();
        mutate(&mut json);
        let root_file = dir.join("trusted_root.json");
        let root_file = if root_file.exists() {
            root_file
        } else {
            fixtures().join("public-good-trusted-root.json")
        };
        let root = TrustedRoot::from_json(&std::fs::read(root_file).unwrap()).unwrap();
        let policy = Policy::Identity {
            identity: Matcher::regex(".*").unwrap(),
            issuer: Matcher::regex(".*").unwrap(),
        };
        let artifact = Artifact {
            sha256: crate::digest::sha256(artifact),
            bytes: Some(artifact.to_vec()),
        };
        verify_bundle(
            &serde_json::to_vec(&json).unwrap(),
            &artifact,
            &policy,
            &root,
            2_000_000_000,
        )
    }

    fn expect(result: Result<Vec<String>, VerifyError>, check: &str, what: &str) {
        match result {
            Ok(_) => panic!("{what}: tampering was not detected"),
            Err(e) => assert!(
                e.to_string().starts_with(check),
                "{what}: {e} should name {check:?}"
            ),
        }
    }

    type Mutation = Box<dyn Fn(&mut Value)>;

    #[test]
    fn every_tampered_part_is_rejected_naming_the_check() {
        let artifact = std::fs::read(fixtures().join("default-artifact.txt")).unwrap();
        let case = "happy-path-v0.3";
        verify_mutated(case, &artifact, |_| {}).expect("the untampered bundle verifies");
        let mut other = artifact.clone();
        other[0] ^= 1;
        expect(
            verify_mutated(case, &other, |_| {}),
            "transparency log entry is inconsistent with the bundle: artifact digest",
            "artefact",
        );
        let cases: Vec<(&str, &str, Mutation)> = vec![
            (
                "signature",
                "transparency log entry is inconsistent with the bundle: signature",
                Box::new(|j| flip_b64(&mut j["messageSignature"]["signature"], 20)),
            ),
            (
                "certificate",
                "transparency log entry is inconsistent with the bundle: certificate or key",
                Box::new(|j| {
                    flip_b64(
                        &mut j["verificationMaterial"]["certificate"]["rawBytes"],
                        300,
                    )
                }),
            ),
            (
                "log entry body",
                "transparency log: inclusion proof does not verify",
                Box::new(|j| {
                    flip_b64(
                        &mut j["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"],
                        40,
                    )
                }),
            ),
            (
                "inclusion proof",
                "transparency log: inclusion proof does not verify",
                Box::new(|j| {
                    flip_b64(
                        &mut j["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"]
                            [2],
                        5,
                    )
                }),
            ),
            (
                "checkpoint",
                "transparency log: checkpoint",
                Box::new(|j| {
                    let cp = &mut j["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]
                        ["envelope"];
                    *cp = Value::from(cp.as_str().unwrap().replacen(
                        "rekor.sigstore.dev - ",
                        "rekor.sigstore.dev -- ",
                        1,
                    ));
                }),
            ),
        ];
        for (what, check, mutation) in cases {
            expect(verify_mutated(case, &artifact, mutation), check, what);
        }

        // A DSSE payload (Rekor v2 logs the PAE's digest).
        let dsse_case = "rekor2-dsse-happy-path";
        let dsse_artifact = {
            let d = fixtures().join("cases").join(dsse_case).join("artifact");
            std::fs::read(if d.exists() {
                d
            } else {
                fixtures().join("default-artifact.txt")
            })
            .unwrap()
        };
        verify_mutated(dsse_case, &dsse_artifact, |_| {})
            .expect("the untampered DSSE bundle verifies");
        expect(
            verify_mutated(dsse_case, &dsse_artifact, |j| {
                flip_b64(&mut j["dsseEnvelope"]["payload"], 30)
            }),
            "transparency log entry is inconsistent with the bundle: signed digest",
            "payload",
        );
    }
}
