//! Does a transparency-log entry record *this* bundle? The entry's canonicalized body must name
//! the same signature, the same verifier (certificate or key) and the same signed digest as
//! the bundle. Without this check a bundle could borrow an unrelated, genuinely logged entry.
//!
//! Entry kinds: `hashedrekord` 0.0.1 (Rekor v1) and 0.0.2 (Rekor v2, which logs DSSE bundles as
//! a hashedrekord over the DSSE PAE), `dsse` 0.0.1 and 0.0.2, `intoto` 0.0.2.

use crate::digest::{sha256, to_hex};
use crate::sigstore::bundle::{Bundle, Envelope, MessageSignature, pae};
use crate::sigstore::verify::certs::Cert;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

/// Why an entry does not record the bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The entry's kind cannot record this kind of bundle content.
    #[error("transparency log entry: kind {0} does not fit the bundle's content")]
    WrongKind(String),
    /// A field differs from the bundle.
    #[error("transparency log entry is inconsistent with the bundle: {0}")]
    Mismatch(&'static str),
}

/// What the bundle signed, as the entry must record it.
pub(crate) struct Signed<'a> {
    /// The bundle.
    pub bundle: &'a Bundle,
    /// SHA-256 of the artefact (for message signatures).
    pub artifact_sha256: [u8; 32],
    /// DER of the verifier: the leaf certificate, or the public key (SPKI).
    pub verifier_der: Vec<u8>,
}

fn b64(v: &Value) -> Option<Vec<u8>> {
    v.as_str().and_then(|s| B64.decode(s).ok())
}

/// DER of a base64 PEM (`CERTIFICATE` or `PUBLIC KEY`) as Rekor v1 bodies carry verifiers.
fn pem_b64_der(v: &Value) -> Option<Vec<u8>> {
    let pem = String::from_utf8(b64(v)?).ok()?;
    if pem.contains("CERTIFICATE") {
        return Cert::from_pem(&pem).ok().map(|c| c.der);
    }
    let body = pem.split("-----").nth(2)?;
    B64.decode(
        body.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
    )
    .ok()
}

/// Checks that `body` (an entry of `kind`/`version`) records `signed`.
pub(crate) fn check(
    kind: &str,
    version: &str,
    body: &[u8],
    signed: &Signed<'_>,
) -> Result<(), BodyError> {
    let body: Value =
        serde_json::from_slice(body).map_err(|_| BodyError::Mismatch("body is not JSON"))?;
    if body["kind"] != kind || body["apiVersion"] != version {
        return Err(BodyError::Mismatch(
            "kind or version differs from the entry's",
        ));
    }
    let spec = &body["spec"];
    let b = signed.bundle;
    match (kind, version, &b.message_signature, &b.dsse_envelope) {
        ("hashedrekord", "0.0.1", Some(m), None) => hashedrekord_v001(spec, m, signed),
        ("hashedrekord", "0.0.2", message, dsse) => hashedrekord_v002(spec, message, dsse, signed),
        ("dsse", "0.0.1", None, Some(e)) if spec.get("proposedContent").is_some() => {
            dsse_proposal(spec, e, signed)
        }
        ("dsse", "0.0.1", None, Some(e)) => dsse_v001(spec, e, signed),
        ("dsse", "0.0.2", None, Some(e)) => dsse_v002(spec, e, signed),
        ("intoto", "0.0.2", None, Some(e)) => intoto_v002(spec, e, signed),
        _ => Err(BodyError::WrongKind(format!("{kind} {version}"))),
    }
}

fn ensure(ok: bool, what: &'static str) -> Result<(), BodyError> {
    match ok {
        true => Ok(()),
        false => Err(BodyError::Mismatch(what)),
    }
}

/// Checks the artefact's digest, the signature and the verifier of a message signature (Rekor v1).
fn hashedrekord_v001(
    spec: &Value,
    m: &MessageSignature,
    signed: &Signed<'_>,
) -> Result<(), BodyError> {
    ensure(
        spec["data"]["hash"]["algorithm"] == "sha256",
        "digest algorithm",
    )?;
    ensure(
        spec["data"]["hash"]["value"] == to_hex(&signed.artifact_sha256),
        "artifact digest",
    )?;
    ensure(
        b64(&spec["signature"]["content"]) == B64.decode(&m.signature).ok(),
        "signature",
    )?;
    ensure(
        pem_b64_der(&spec["signature"]["publicKey"]["content"]).as_deref()
            == Some(&signed.verifier_der[..]),
        "certificate or key",
    )
}

/// Checks the signed digest (of the artefact, or of the DSSE PAE), the signature and the verifier (Rekor v2).
fn hashedrekord_v002(
    spec: &Value,
    message: &Option<MessageSignature>,
    dsse: &Option<Envelope>,
    signed: &Signed<'_>,
) -> Result<(), BodyError> {
    let v2 = &spec["hashedRekordV002"];
    let (digest, sig) = match (message, dsse) {
        (Some(m), None) => (signed.artifact_sha256, B64.decode(&m.signature).ok()),
        (None, Some(e)) => {
            let payload = B64
                .decode(&e.payload)
                .map_err(|_| BodyError::Mismatch("payload"))?;
            let sig = e.signatures.first().and_then(|s| B64.decode(&s.sig).ok());
            (sha256(&pae(&e.payload_type, &payload)), sig)
        }
        _ => return Err(BodyError::WrongKind("hashedrekord 0.0.2".into())),
    };
    ensure(v2["data"]["algorithm"] == "SHA2_256", "digest algorithm")?;
    ensure(
        b64(&v2["data"]["digest"]).as_deref() == Some(&digest[..]),
        "signed digest",
    )?;
    ensure(b64(&v2["signature"]["content"]) == sig, "signature")?;
    let verifier = &v2["signature"]["verifier"];
    let der = b64(&verifier["x509Certificate"]["rawBytes"])
        .or_else(|| b64(&verifier["publicKey"]["rawBytes"]));
    ensure(
        der.as_deref() == Some(&signed.verifier_der[..]),
        "certificate or key",
    )
}

/// Checks the proposal as sent: exactly the bundle's envelope and verifier.
fn dsse_proposal(spec: &Value, e: &Envelope, signed: &Signed<'_>) -> Result<(), BodyError> {
    // Some Rekor implementations log the proposal as sent: the whole envelope and its
    // verifiers. It must then be exactly the bundle's envelope.
    let proposal = &spec["proposedContent"];
    let logged: Option<Envelope> = proposal["envelope"]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok());
    let same = logged.is_some_and(|l| {
        l.payload == e.payload
            && l.payload_type == e.payload_type
            && l.signatures
                .iter()
                .map(|s| &s.sig)
                .eq(e.signatures.iter().map(|s| &s.sig))
    });
    ensure(same, "envelope")?;
    ensure(
        pem_b64_der(&proposal["verifiers"][0]).as_deref() == Some(&signed.verifier_der[..]),
        "certificate or key",
    )
}

/// Checks the payload hash and every signature with its verifier (Rekor v1).
fn dsse_v001(spec: &Value, e: &Envelope, signed: &Signed<'_>) -> Result<(), BodyError> {
    let payload = B64
        .decode(&e.payload)
        .map_err(|_| BodyError::Mismatch("payload"))?;
    ensure(
        spec["payloadHash"]["algorithm"] == "sha256",
        "payload hash algorithm",
    )?;
    ensure(
        spec["payloadHash"]["value"] == to_hex(&sha256(&payload)),
        "payload hash",
    )?;
    let logged = spec["signatures"]
        .as_array()
        .ok_or(BodyError::Mismatch("signatures"))?;
    ensure(logged.len() == e.signatures.len(), "signature count")?;
    for (l, s) in logged.iter().zip(&e.signatures) {
        ensure(b64(&l["signature"]) == B64.decode(&s.sig).ok(), "signature")?;
        ensure(
            pem_b64_der(&l["verifier"]).as_deref() == Some(&signed.verifier_der[..]),
            "certificate or key",
        )?;
    }
    Ok(())
}

/// Checks the payload hash and every signature with its verifier (Rekor v2).
fn dsse_v002(spec: &Value, e: &Envelope, signed: &Signed<'_>) -> Result<(), BodyError> {
    let payload = B64
        .decode(&e.payload)
        .map_err(|_| BodyError::Mismatch("payload"))?;
    let v2 = &spec["dsseV002"];
    ensure(
        b64(&v2["payloadHash"]["digest"]).as_deref() == Some(&sha256(&payload)[..]),
        "payload hash",
    )?;
    let logged = v2["signatures"]
        .as_array()
        .ok_or(BodyError::Mismatch("signatures"))?;
    ensure(logged.len() == e.signatures.len(), "signature count")?;
    for (l, s) in logged.iter().zip(&e.signatures) {
        ensure(b64(&l["content"]) == B64.decode(&s.sig).ok(), "signature")?;
        let der = b64(&l["verifier"]["x509Certificate"]["rawBytes"])
            .or_else(|| b64(&l["verifier"]["publicKey"]["rawBytes"]));
        ensure(
            der.as_deref() == Some(&signed.verifier_der[..]),
            "certificate or key",
        )?;
    }
    Ok(())
}

/// Checks the payload (base64 twice), its type and hash, and every signature with its key.
fn intoto_v002(spec: &Value, e: &Envelope, signed: &Signed<'_>) -> Result<(), BodyError> {
    // intoto 0.0.2 stores the payload and signatures base64-encoded twice.
    let payload = B64
        .decode(&e.payload)
        .map_err(|_| BodyError::Mismatch("payload"))?;
    let env = &spec["content"]["envelope"];
    let twice = |v: &Value| b64(v).and_then(|inner| B64.decode(inner).ok());
    ensure(
        twice(&env["payload"]).as_deref() == Some(&payload[..]),
        "payload",
    )?;
    ensure(
        env["payloadType"] == e.payload_type.as_str(),
        "payload type",
    )?;
    ensure(
        spec["content"]["payloadHash"]["value"] == to_hex(&sha256(&payload)),
        "payload hash",
    )?;
    let logged = env["signatures"]
        .as_array()
        .ok_or(BodyError::Mismatch("signatures"))?;
    ensure(logged.len() == e.signatures.len(), "signature count")?;
    for (l, s) in logged.iter().zip(&e.signatures) {
        ensure(twice(&l["sig"]) == B64.decode(&s.sig).ok(), "signature")?;
        ensure(
            pem_b64_der(&l["publicKey"]).as_deref() == Some(&signed.verifier_der[..]),
            "certificate or key",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{case, fixtures};
    use crate::sigstore::keys::PublicKey;

    /// The verifier DER and artefact digest of a conformance case.
    fn signed_of(name: &str, bundle: &Bundle) -> Option<([u8; 32], Vec<u8>)> {
        let dir = fixtures().join("cases").join(name);
        let artifact = dir.join("artifact");
        let artifact = if artifact.exists() {
            artifact
        } else {
            fixtures().join("default-artifact.txt")
        };
        let digest = sha256(&std::fs::read(artifact).ok()?);
        let vm = &bundle.verification_material;
        let verifier = if let Some(c) = &vm.certificate {
            B64.decode(&c.raw_bytes).ok()?
        } else if let Some(chain) = &vm.x509_certificate_chain {
            B64.decode(&chain.certificates.first()?.raw_bytes).ok()?
        } else {
            let pem = std::fs::read_to_string(dir.join("key.pub")).ok()?;
            PublicKey::from_pem(&pem).ok()?.to_der()
        };
        Some((digest, verifier))
    }

    fn outcome(name: &str) -> Option<Result<(), BodyError>> {
        let (bundle, _) = case(name);
        let (artifact_sha256, verifier_der) = signed_of(name, &bundle)?;
        let entry = bundle.verification_material.tlog_entries.first()?;
        let body = B64.decode(&entry.canonicalized_body).ok()?;
        let signed = Signed {
            bundle: &bundle,
            artifact_sha256,
            verifier_der,
        };
        Some(check(
            &entry.kind_version.kind,
            &entry.kind_version.version,
            &body,
            &signed,
        ))
    }

    #[test]
    fn every_genuine_bundle_is_what_its_log_entry_records() {
        let mut checked = 0;
        for entry in std::fs::read_dir(fixtures().join("cases")).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with("_fail") {
                continue;
            }
            if let Some(r) = outcome(&name) {
                r.unwrap_or_else(|e| panic!("{name}: {e}"));
                checked += 1;
            }
        }
        assert!(checked >= 15, "checked {checked}");
    }

    #[test]
    fn proposed_content_dsse_bodies_must_carry_the_bundle_s_exact_envelope() {
        use crate::sigstore::bundle::{Envelope, EnvelopeSignature, VerificationMaterial};
        let envelope = |payload: &[u8]| Envelope {
            payload: B64.encode(payload),
            payload_type: cra_model::media::IN_TOTO_PAYLOAD_TYPE.into(),
            signatures: vec![EnvelopeSignature {
                sig: B64.encode(b"sig"),
                keyid: String::new(),
            }],
        };
        let key = crate::sigstore::keys::SigningKey::generate_p256().public_key();
        let bundle = Bundle {
            media_type: crate::sigstore::bundle::MEDIA_TYPE_V03.into(),
            verification_material: VerificationMaterial::default(),
            message_signature: None,
            dsse_envelope: Some(envelope(b"{}")),
        };
        let signed = Signed {
            bundle: &bundle,
            artifact_sha256: [0; 32],
            verifier_der: key.to_der(),
        };
        let body = |env: &Envelope, verifier: &str| {
            serde_json::to_vec(&crate::sigstore::services::rekor::dsse(env, verifier)).unwrap()
        };
        let pem = key.to_pem();
        assert_eq!(
            check("dsse", "0.0.1", &body(&envelope(b"{}"), &pem), &signed),
            Ok(())
        );
        assert_eq!(
            check(
                "dsse",
                "0.0.1",
                &body(&envelope(b"{\"x\":1}"), &pem),
                &signed
            ),
            Err(BodyError::Mismatch("envelope"))
        );
        let other = crate::sigstore::keys::SigningKey::generate_p256()
            .public_key()
            .to_pem();
        assert_eq!(
            check("dsse", "0.0.1", &body(&envelope(b"{}"), &other), &signed),
            Err(BodyError::Mismatch("certificate or key"))
        );
    }

    #[test]
    fn entries_for_other_artefacts_signatures_or_envelopes_are_refused() {
        for name in [
            "wrong-hashedrekord-entry_fail",
            "wrong-hashedrekord-artifact_fail",
            "wrong-hashedrekord-cert-and-sig_fail",
            "dsse-mismatch-envelope_fail",
            "rekor2-dsse-mismatch-envelope_fail",
        ] {
            let r = outcome(name).unwrap_or_else(|| panic!("{name}: no entry"));
            assert!(r.is_err(), "{name} must be refused");
        }
    }
}
