//! RFC 3161 timestamps over signatures (`timestampVerificationData` of a bundle).
//!
//! A timestamp counts only if: the response was granted; its TSTInfo's message imprint is the
//! hash of the bundle's signature bytes; the CMS signed attributes carry the digest of that
//! TSTInfo; a timestamp authority of the trusted root, valid at the timestamp's time, signed
//! those attributes; and that authority's certificate chain was valid at that time. Certificates
//! embedded in the token are never trusted on their own.

use crate::sigstore::trust::TrustedRoot;
use crate::sigstore::verify::certs::{Cert, verify_cms_signature};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cms::signed_data::SignedData;
use der::Any;
use der::asn1::OctetString;
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_tsp::{MessageImprint, TimeStampResp};

/// Why a timestamp is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TsaError {
    /// The token is not an RFC 3161 response with a signed TSTInfo.
    #[error("RFC 3161 timestamp: malformed: {0}")]
    Malformed(String),
    /// The timestamp is over something else than the signature.
    #[error("RFC 3161 timestamp: its message imprint is not the hash of the signature")]
    ImprintMismatch,
    /// No trusted timestamp authority signed it, at that time.
    #[error(
        "RFC 3161 timestamp: not signed by a timestamp authority of the trusted root valid at {0}"
    )]
    Untrusted(i64),
}

const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ID_CT_TSTINFO: &str = "1.2.840.113549.1.9.16.1.4";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";

fn hash(alg_oid: &str, data: &[u8]) -> Result<Vec<u8>, TsaError> {
    Ok(match alg_oid {
        "2.16.840.1.101.3.4.2.1" => Sha256::digest(data).to_vec(),
        "2.16.840.1.101.3.4.2.2" => Sha384::digest(data).to_vec(),
        "2.16.840.1.101.3.4.2.3" => Sha512::digest(data).to_vec(),
        other => {
            return Err(TsaError::Malformed(format!(
                "unsupported hash algorithm {other}"
            )));
        }
    })
}

/// `YYYYMMDDHHMMSS[.fraction]Z` → Unix seconds (the fraction is dropped).
fn generalized_time(value: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(value).ok()?.strip_suffix('Z')?;
    let whole = s.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| whole[r].parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        n(0..4)? as i32,
        time::Month::try_from(n(4..6)? as u8).ok()?,
        n(6..8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(n(8..10)? as u8, n(10..12)? as u8, n(12..14)? as u8).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// Verifies `signed_timestamp` (base64 DER `TimeStampResp`) over `signature` against the
/// timestamp authorities of `root`; returns the time it attests (Unix seconds).
pub fn verify_timestamp(
    signed_timestamp: &str,
    signature: &[u8],
    root: &TrustedRoot,
) -> Result<i64, TsaError> {
    let bad = |m: &str| TsaError::Malformed(m.to_string());
    let der = B64
        .decode(signed_timestamp)
        .map_err(|_| bad("not base64"))?;
    let resp = TimeStampResp::from_der(&der).map_err(|e| TsaError::Malformed(e.to_string()))?;
    let status = resp.status.status as u8;
    if status > 1 {
        return Err(bad("the response was not granted"));
    }
    let token = resp.time_stamp_token.ok_or_else(|| bad("no token"))?;
    if token.content_type.to_string() != ID_SIGNED_DATA {
        return Err(bad("the token is not CMS SignedData"));
    }
    let sd: SignedData = token
        .content
        .decode_as()
        .map_err(|e| TsaError::Malformed(e.to_string()))?;
    if sd.encap_content_info.econtent_type.to_string() != ID_CT_TSTINFO {
        return Err(bad("the signed content is not a TSTInfo"));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| bad("no TSTInfo"))?;
    let tst_der = econtent
        .decode_as::<OctetString>()
        .map_err(|e| TsaError::Malformed(e.to_string()))?;
    // TSTInfo is read field by field: RFC 3161 allows fractional seconds in genTime, which the
    // `der` crate's GeneralizedTime (and so x509-tsp's TstInfo) refuses.
    let fields =
        Vec::<Any>::from_der(tst_der.as_bytes()).map_err(|e| TsaError::Malformed(e.to_string()))?;
    let imprint: MessageImprint = fields
        .get(2)
        .ok_or_else(|| bad("TSTInfo has no message imprint"))?
        .decode_as()
        .map_err(|e| TsaError::Malformed(e.to_string()))?;
    if hash(&imprint.hash_algorithm.oid.to_string(), signature)?
        != imprint.hashed_message.as_bytes()
    {
        return Err(TsaError::ImprintMismatch);
    }
    let time = fields
        .get(4)
        .filter(|t| der::Tagged::tag(*t) == der::Tag::GeneralizedTime)
        .and_then(|t| generalized_time(t.value()))
        .ok_or_else(|| bad("TSTInfo has no valid genTime"))?;

    let signer = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| bad("no signer"))?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| bad("no signed attributes"))?;
    let digest_alg = signer.digest_alg.oid.to_string();
    let expected = hash(&digest_alg, tst_der.as_bytes())?;
    let digest_ok = attrs.iter().any(|a| {
        a.oid.to_string() == ID_MESSAGE_DIGEST
            && a.values.iter().any(|v| {
                v.decode_as::<OctetString>()
                    .is_ok_and(|o| o.as_bytes() == expected)
            })
    });
    if !digest_ok {
        return Err(bad(
            "the signed attributes do not carry the TSTInfo's digest",
        ));
    }
    let signed = attrs
        .to_der()
        .map_err(|e| TsaError::Malformed(e.to_string()))?;
    let sig = signer.signature.as_bytes();

    for tsa in &root.timestamp_authorities {
        let in_window = tsa
            .valid_for
            .as_ref()
            .is_some_and(|w| w.contains(time).unwrap_or(false));
        if !in_window {
            continue;
        }
        let Ok(chain) = tsa
            .cert_chain
            .certificates
            .iter()
            .map(|c| Cert::from_b64(&c.raw_bytes))
            .collect::<Result<Vec<_>, _>>()
        else {
            continue;
        };
        let Some(leaf) = chain.first() else { continue };
        let verified = verify_cms_signature(
            &leaf.spki_der(),
            &signer.signature_algorithm,
            &digest_alg,
            &signed,
            sig,
        );
        if !verified.unwrap_or(false) {
            continue;
        }
        let chain_ok = chain.iter().all(|c| c.valid_at(time))
            && chain
                .windows(2)
                .all(|w| w[0].issued_by_pub(&w[1]).unwrap_or(false));
        if chain_ok {
            return Ok(time);
        }
    }
    Err(TsaError::Untrusted(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::fixtures;
    use crate::sigstore::bundle::Bundle;

    fn check(name: &str) -> Result<i64, TsaError> {
        let dir = fixtures().join("cases").join(name);
        let bundle: Bundle =
            serde_json::from_slice(&std::fs::read(dir.join("bundle.sigstore.json")).unwrap())
                .unwrap();
        let root =
            TrustedRoot::from_json(&std::fs::read(dir.join("trusted_root.json")).unwrap()).unwrap();
        let sig = match (&bundle.message_signature, &bundle.dsse_envelope) {
            (Some(m), _) => B64.decode(&m.signature).unwrap(),
            (_, Some(e)) => B64.decode(&e.signatures[0].sig).unwrap(),
            _ => unreachable!(),
        };
        let ts = &bundle
            .verification_material
            .timestamp_verification_data
            .as_ref()
            .unwrap()
            .rfc3161_timestamps[0];
        verify_timestamp(&ts.signed_timestamp, &sig, &root)
    }

    #[test]
    fn generalized_times_with_and_without_fractions() {
        assert_eq!(generalized_time(b"20231114221320Z"), Some(1_700_000_000));
        assert_eq!(
            generalized_time(b"20231114221320.125Z"),
            Some(1_700_000_000)
        );
        assert_eq!(generalized_time(b"20231114221320"), None, "UTC only");
        assert_eq!(generalized_time(b"20231314221320Z"), None, "month 13");
    }

    #[test]
    fn real_timestamps_verify() {
        for name in [
            "rekor2-timestamp-with-embedded-cert",
            "rekor2-timestamp-without-embedded-cert",
            "rekor2-timestamp-with-expired-cert-chain",
            "rekor2-happy-path",
        ] {
            check(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn forged_or_untrusted_timestamps_are_refused() {
        for name in [
            "rekor2-timestamp-payload-mismatch_fail",
            "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
            "rekor2-timestamp-outside-tsa-cert-validity_fail",
            "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
            "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail",
        ] {
            let e = check(name).expect_err(name);
            match name {
                "rekor2-timestamp-payload-mismatch_fail" => {
                    assert_eq!(e, TsaError::ImprintMismatch, "{name}")
                }
                _ => assert!(matches!(e, TsaError::Untrusted(_)), "{name}: {e}"),
            }
        }
    }
}
