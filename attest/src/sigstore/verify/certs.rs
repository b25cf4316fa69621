//! X.509 for keyless signing: Fulcio certificate chains to a trusted root, the signer's identity
//! (subject alternative name, OIDC issuer extension), and embedded certificate-transparency
//! SCTs (RFC 6962 section 3.2, precertificate entries).

use crate::sigstore::algorithm::{AlgorithmError, Scheme, VerifyingKey};
use crate::sigstore::trust::{CertificateAuthority, LogInstance, TrustedRoot};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::asn1::{OctetString, Utf8StringRef};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, SubjectAltName};

/// OID of embedded SCT lists (RFC 6962).
const SCT_LIST_OID: &str = "1.3.6.1.4.1.11129.2.4.2";
/// Fulcio's OIDC issuer extension, raw string (v1).
const ISSUER_V1_OID: &str = "1.3.6.1.4.1.57264.1.1";
/// Fulcio's OIDC issuer extension, DER UTF8String (v2).
const ISSUER_V2_OID: &str = "1.3.6.1.4.1.57264.1.8";

/// Why a certificate is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// The bytes are not a certificate.
    #[error("certificate: not a DER X.509 certificate: {0}")]
    Malformed(String),
    /// No trusted certificate authority issued it (at that time).
    #[error(
        "certificate: does not chain to a certificate authority of the trusted root valid at {0}"
    )]
    Untrusted(i64),
    /// The certificate was not valid at the signing time.
    #[error("certificate: not valid at the signing time {0}")]
    Expired(i64),
    /// The certificate carries no SCT, or none verifies.
    #[error("certificate transparency: {0}")]
    Sct(String),
    /// An algorithm cargo-cra does not verify.
    #[error("certificate: {0}")]
    Unsupported(String),
}

/// A parsed certificate with its DER.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The DER bytes.
    pub(crate) der: Vec<u8>,
    /// The parsed certificate.
    pub(crate) cert: Certificate,
}

impl Cert {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let cert = Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        Ok(Cert {
            der: der.to_vec(),
            cert,
        })
    }

    /// Parses base64 DER (bundle and trusted-root `rawBytes`).
    pub fn from_b64(b64: &str) -> Result<Self, CertError> {
        let der = B64
            .decode(b64)
            .map_err(|e| CertError::Malformed(e.to_string()))?;
        Cert::from_der(&der)
    }

    /// Parses one PEM `CERTIFICATE`, leniently as RFC 7468 allows: any line length and white
    /// space inside the base64 (some services write it on one line).
    pub(crate) fn from_pem(pem: &str) -> Result<Self, CertError> {
        let body = pem
            .trim()
            .strip_prefix("-----BEGIN CERTIFICATE-----")
            .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
            .ok_or_else(|| CertError::Malformed("not a PEM CERTIFICATE block".into()))?;
        let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let der = B64
            .decode(b64)
            .map_err(|e| CertError::Malformed(format!("PEM body: {e}")))?;
        Cert::from_der(&der)
    }

    /// The certificate's public key, DER SPKI.
    pub fn spki_der(&self) -> Vec<u8> {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .expect("a parsed SPKI re-encodes")
    }

    /// Whether the certificate was valid at `t` (Unix seconds), both ends inclusive.
    pub(crate) fn valid_at(&self, t: i64) -> bool {
        let v = &self.cert.tbs_certificate.validity;
        let nb = v.not_before.to_unix_duration().as_secs() as i64;
        let na = v.not_after.to_unix_duration().as_secs() as i64;
        nb <= t && t <= na
    }

    fn extension(&self, oid: &str) -> Option<&x509_cert::ext::Extension> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id.to_string() == oid)
    }

    pub(crate) fn is_ca(&self) -> bool {
        self.extension("2.5.29.19")
            .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|b| b.ca)
    }

    /// The subject alternative names: e-mail addresses, URIs, and other names as text.
    pub fn subject_alt_names(&self) -> Vec<String> {
        let Some(ext) = self.extension("2.5.29.17") else {
            return Vec::new();
        };
        let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
            return Vec::new();
        };
        san.0
            .iter()
            .filter_map(|n| match n {
                GeneralName::Rfc822Name(s) => Some(s.to_string()),
                GeneralName::UniformResourceIdentifier(s) => Some(s.to_string()),
                GeneralName::OtherName(o) => Utf8StringRef::try_from(&o.value)
                    .ok()
                    .map(|s| s.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The OIDC issuer Fulcio recorded (v2 extension, else v1).
    pub fn oidc_issuer(&self) -> Option<String> {
        if let Some(e) = self.extension(ISSUER_V2_OID)
            && let Ok(s) = Utf8StringRef::from_der(e.extn_value.as_bytes())
        {
            return Some(s.to_string());
        }
        self.extension(ISSUER_V1_OID)
            .and_then(|e| std::str::from_utf8(e.extn_value.as_bytes()).ok())
            .map(str::to_string)
    }

    /// Whether `issuer` signed this certificate (names match and the signature verifies).
    pub(crate) fn issued_by_pub(&self, issuer: &Cert) -> Result<bool, CertError> {
        self.issued_by(issuer)
    }

    fn issued_by(&self, issuer: &Cert) -> Result<bool, CertError> {
        if self.cert.tbs_certificate.issuer != issuer.cert.tbs_certificate.subject {
            return Ok(false);
        }
        let tbs = self
            .cert
            .tbs_certificate
            .to_der()
            .map_err(|e| CertError::Malformed(e.to_string()))?;
        let sig = self.cert.signature.raw_bytes();
        let key = VerifyingKey::from_spki(&issuer.spki_der())
            .map_err(|e| CertError::Unsupported(format!("issuer key: {e}")))?;
        let scheme = Scheme::from_x509(&self.cert.signature_algorithm, None)
            .map_err(|e| CertError::Unsupported(e.to_string()))?;
        key.verify_with(scheme, &tbs, sig)
            .map_err(|e| CertError::Unsupported(e.to_string()))
    }
}

/// Verifies a CMS signer's signature over `message` by the key `spki`: `algorithm` names the
/// scheme, or only the key type, with `digest` (an OID) naming the hash.
pub(crate) fn verify_cms_signature(
    spki: &[u8],
    algorithm: &spki::AlgorithmIdentifierOwned,
    digest: &str,
    message: &[u8],
    sig: &[u8],
) -> Result<bool, CertError> {
    let unsupported = |e: AlgorithmError| CertError::Unsupported(e.to_string());
    let key = VerifyingKey::from_spki(spki).map_err(unsupported)?;
    let scheme = Scheme::from_x509(algorithm, Some(digest)).map_err(unsupported)?;
    key.verify_with(scheme, message, sig).map_err(unsupported)
}

/// The CA chain (intermediates then root) of `ca`.
fn ca_chain(ca: &CertificateAuthority) -> Result<Vec<Cert>, CertError> {
    ca.cert_chain
        .certificates
        .iter()
        .map(|c| Cert::from_b64(&c.raw_bytes))
        .collect()
}

/// Checks that `leaf` was valid at `t` and chains, at `t`, to a certificate authority of
/// `root`; returns that authority's chain (its first certificate issued the leaf).
pub fn verify_chain(leaf: &Cert, root: &TrustedRoot, t: i64) -> Result<Vec<Cert>, CertError> {
    if !leaf.valid_at(t) {
        return Err(CertError::Expired(t));
    }
    for ca in &root.certificate_authorities {
        let in_window = ca
            .valid_for
            .as_ref()
            .map(|w| w.contains(t).unwrap_or(false))
            .unwrap_or(false);
        if !in_window {
            continue;
        }
        let chain = ca_chain(ca)?;
        let Some(first) = chain.first() else { continue };
        if !leaf.issued_by(first)? {
            continue;
        }
        let links_ok = chain.windows(2).try_fold(true, |ok, w| {
            Ok::<_, CertError>(ok && w[0].issued_by(&w[1])?)
        })?;
        let last = chain.last().expect("non-empty");
        let anchored = last.issued_by(last)?;
        if links_ok && anchored && chain.iter().all(|c| c.valid_at(t) && c.is_ca()) {
            return Ok(chain);
        }
    }
    Err(CertError::Untrusted(t))
}

/// Verifies the SCTs embedded in `leaf` (issued by `issuer`) against the CT logs of `root`;
/// returns how many verified. An SCT of an unknown log is skipped; one of a known log that
/// does not verify is an error.
pub fn verify_embedded_scts(
    leaf: &Cert,
    issuer: &Cert,
    root: &TrustedRoot,
) -> Result<usize, CertError> {
    let sct_err = |m: &str| CertError::Sct(m.to_string());
    let ext = leaf
        .extension(SCT_LIST_OID)
        .ok_or_else(|| sct_err("the certificate has no embedded SCT"))?;
    let list = OctetString::from_der(ext.extn_value.as_bytes())
        .map_err(|_| sct_err("SCT list is not an OCTET STRING"))?;
    let scts = parse_sct_list(list.as_bytes()).ok_or_else(|| sct_err("malformed SCT list"))?;

    // The precertificate: the leaf's TBSCertificate without the SCT list extension.
    let mut tbs = leaf.cert.tbs_certificate.clone();
    if let Some(exts) = tbs.extensions.as_mut() {
        exts.retain(|e| e.extn_id.to_string() != SCT_LIST_OID);
    }
    let tbs = tbs
        .to_der()
        .map_err(|e| CertError::Malformed(e.to_string()))?;
    let issuer_key_hash = Sha256::digest(issuer.spki_der());

    let mut verified = 0;
    for sct in scts {
        let Some(log) = ct_log(root, &sct.log_id) else {
            continue;
        };
        let mut signed = vec![0u8, 0u8];
        signed.extend_from_slice(&sct.timestamp.to_be_bytes());
        signed.extend_from_slice(&[0, 1]);
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&(tbs.len() as u32).to_be_bytes()[1..]);
        signed.extend_from_slice(&tbs);
        signed.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
        signed.extend_from_slice(&sct.extensions);
        let key = log.key().map_err(|e| CertError::Sct(e.to_string()))?;
        let scheme = Scheme::from_tls(sct.scheme.0, sct.scheme.1)
            .map_err(|e| CertError::Sct(e.to_string()))?;
        if !key
            .verify_with(scheme, &signed, &sct.signature)
            .map_err(|e| CertError::Sct(e.to_string()))?
        {
            return Err(sct_err("an SCT does not verify with its log's key"));
        }
        if !log.valid_at((sct.timestamp / 1000) as i64).unwrap_or(false) {
            return Err(sct_err("an SCT's log key was not valid at the SCT's time"));
        }
        verified += 1;
    }
    if verified == 0 {
        return Err(sct_err("no SCT from a CT log of the trusted root"));
    }
    Ok(verified)
}

fn ct_log<'a>(root: &'a TrustedRoot, log_id: &[u8]) -> Option<&'a LogInstance> {
    root.ctlogs
        .iter()
        .find(|l| B64.decode(&l.log_id.key_id).is_ok_and(|k| k == log_id))
}

struct Sct {
    log_id: Vec<u8>,
    timestamp: u64,
    extensions: Vec<u8>,
    /// The TLS hash and signature algorithm bytes.
    scheme: (u8, u8),
    signature: Vec<u8>,
}

/// TLS-encoded `SignedCertificateTimestampList` (RFC 6962 section 3.3).
fn parse_sct_list(mut b: &[u8]) -> Option<Vec<Sct>> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, tail) = (b.get(..n)?, b.get(n..)?);
        *b = tail;
        Some(head)
    }
    fn u16_of(b: &mut &[u8]) -> Option<usize> {
        take(b, 2).map(|x| u16::from_be_bytes([x[0], x[1]]) as usize)
    }
    let total = u16_of(&mut b)?;
    let mut list = take(&mut b, total)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        let len = u16_of(&mut list)?;
        let mut s = take(&mut list, len)?;
        if take(&mut s, 1)? != [0] {
            return None; // only v1 SCTs exist
        }
        let log_id = take(&mut s, 32)?.to_vec();
        let timestamp = u64::from_be_bytes(take(&mut s, 8)?.try_into().ok()?);
        let ext_len = u16_of(&mut s)?;
        let extensions = take(&mut s, ext_len)?.to_vec();
        let hash_and_sig_alg = take(&mut s, 2)?;
        let scheme = (hash_and_sig_alg[0], hash_and_sig_alg[1]);
        let sig_len = u16_of(&mut s)?;
        let signature = take(&mut s, sig_len)?.to_vec();
        out.push(Sct {
            log_id,
            timestamp,
            extensions,
            scheme,
            signature,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::case;
    use crate::sigstore::bundle::Bundle;

    fn leaf_of(b: &Bundle) -> Cert {
        let vm = &b.verification_material;
        let raw = vm
            .certificate
            .as_ref()
            .map(|c| c.raw_bytes.clone())
            .or_else(|| {
                vm.x509_certificate_chain
                    .as_ref()
                    .map(|c| c.certificates[0].raw_bytes.clone())
            })
            .unwrap();
        Cert::from_b64(&raw).unwrap()
    }

    #[test]
    fn fulcio_certificate_chains_and_its_sct_verifies() {
        let (bundle, root) = case("happy-path-v0.3");
        let leaf = leaf_of(&bundle);
        let t = bundle.verification_material.tlog_entries[0].integrated_time;
        let chain = verify_chain(&leaf, &root, t).unwrap();
        assert_eq!(verify_embedded_scts(&leaf, &chain[0], &root).unwrap(), 1);
        assert_eq!(
            leaf.subject_alt_names(),
            [
                "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
            ]
        );
        assert_eq!(
            leaf.oidc_issuer().as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        // Outside the certificate's ten minutes, or before the CA existed: refused.
        assert_eq!(
            verify_chain(&leaf, &root, t + 3600).unwrap_err(),
            CertError::Expired(t + 3600)
        );
    }

    #[test]
    fn sct_signed_by_an_untrusted_ct_key_is_refused() {
        let (bundle, root) = case("invalid-ct-key_fail");
        let leaf = leaf_of(&bundle);
        let t = bundle.verification_material.tlog_entries[0].integrated_time;
        let result = verify_chain(&leaf, &root, t)
            .and_then(|chain| verify_embedded_scts(&leaf, &chain[0], &root));
        assert!(matches!(result, Err(CertError::Sct(_))), "{result:?}");
    }

    #[test]
    fn pem_is_read_with_any_line_length() {
        let (bundle, _) = case("happy-path-v0.3");
        let leaf = leaf_of(&bundle);
        let one_line = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            B64.encode(&leaf.der)
        );
        assert_eq!(Cert::from_pem(&one_line).unwrap().der, leaf.der);
        let wrapped =
            pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &leaf.der)
                .unwrap();
        assert_eq!(Cert::from_pem(&wrapped).unwrap().der, leaf.der);
        assert!(
            Cert::from_pem("-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----").is_err()
        );
    }

    #[test]
    fn a_certificate_from_another_instance_does_not_chain() {
        let (bundle, root) = case("bundle-from-wrong-instance_fail");
        let leaf = leaf_of(&bundle);
        let t = bundle.verification_material.tlog_entries[0].integrated_time;
        assert!(verify_chain(&leaf, &root, t).is_err());
    }
}
