//! CMS (RFC 5652) SignedData with the content inside, signed with an X.509 certificate's key
//! — what RAUC's `verity` bundles carry over their manifest. Deterministic, so the same inputs
//! give the same bytes: ECDSA nonces per RFC 6979, RSA PKCS#1 v1.5, and only the two signed
//! attributes RFC 5652 requires (content type and message digest; no signing time).
//!
//! The certificate is checked before anything is signed: valid now, a key usage that allows
//! signatures, an extended key usage (when present) that RAUC accepts, the key matching it, and
//! each certificate of the chain given signed by the next.

use crate::sigstore::verify::certs::Cert;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::ContentInfo;
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::{Attribute, AttributeValue};

/// Why a CMS signer cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    /// The certificate or a chain certificate is unusable.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The private key is unusable or does not match.
    #[error("key: {0}")]
    Key(String),
    /// Encoding failed.
    #[error("CMS encoding: {0}")]
    Encoding(String),
}

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
const OID_EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
const OID_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";

/// A signing key of a kind RAUC verifies.
enum Key {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Rsa(Box<rsa::pkcs1v15::SigningKey<sha2_010::Sha256>>),
}

/// A certificate, its private key and the chain to send with signatures.
pub struct CmsSigner {
    key: Key,
    cert: Cert,
    chain: Vec<Cert>,
}

fn oid(s: &str) -> der::asn1::ObjectIdentifier {
    der::asn1::ObjectIdentifier::new_unwrap(s)
}

fn enc(e: impl std::fmt::Display) -> CmsError {
    CmsError::Encoding(e.to_string())
}

impl CmsSigner {
    /// The signer of the PEM certificate `cert`, the PEM private key `key` (PKCS#8, SEC1
    /// `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` with `password`)
    /// and the PEM intermediate certificates `chain` (leaf's issuer first).
    pub fn from_pem(
        cert: &str,
        key: &str,
        chain: &[String],
        password: Option<&[u8]>,
    ) -> Result<CmsSigner, CmsError> {
        let cert = Cert::from_pem(cert).map_err(|e| CmsError::Certificate(e.to_string()))?;
        let chain = chain
            .iter()
            .map(|c| Cert::from_pem(c).map_err(|e| CmsError::Certificate(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let key = parse_key(key, password)?;
        let signer = CmsSigner { key, cert, chain };
        signer.check_key_matches()?;
        Ok(signer)
    }

    /// Checks the certificate for signing at `now` (Unix seconds): valid, a key usage allowing
    /// signatures, an extended key usage RAUC accepts (none, emailProtection, or codeSigning
    /// for `check-purpose=codesign`), and the chain: each certificate signed by the next.
    pub fn check(&self, now: i64) -> Result<(), CmsError> {
        let bad = |m: String| Err(CmsError::Certificate(m));
        for (i, c) in std::iter::once(&self.cert).chain(&self.chain).enumerate() {
            if !c.valid_at(now) {
                let v = &c.cert.tbs_certificate.validity;
                return bad(format!(
                    "{} is not valid now (valid from {} to {})",
                    if i == 0 {
                        "the signing certificate"
                    } else {
                        "an intermediate"
                    },
                    v.not_before,
                    v.not_after
                ));
            }
        }
        signing_usage(&self.cert)?;
        let mut child = &self.cert;
        for issuer in &self.chain {
            match child.issued_by_pub(issuer) {
                Ok(true) if !can_issue(issuer) => {
                    return bad(format!(
                        "the intermediate {} is not a CA certificate",
                        issuer.cert.tbs_certificate.subject
                    ));
                }
                Ok(true) => child = issuer,
                _ => {
                    return bad(format!(
                        "{} is not signed by the intermediate {}",
                        child.cert.tbs_certificate.subject, issuer.cert.tbs_certificate.subject
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_key_matches(&self) -> Result<(), CmsError> {
        let public = match &self.key {
            Key::P256(k) => spki::EncodePublicKey::to_public_key_der(k.verifying_key()),
            Key::P384(k) => spki::EncodePublicKey::to_public_key_der(k.verifying_key()),
            Key::Rsa(k) => spki::EncodePublicKey::to_public_key_der(&rsa::RsaPublicKey::from(
                k.as_ref().as_ref(),
            )),
        }
        .map_err(enc)?;
        match public.as_bytes() == self.cert.spki_der().as_slice() {
            true => Ok(()),
            false => Err(CmsError::Key("it is not the certificate's key".into())),
        }
    }

    /// The DER `ContentInfo` of a SignedData holding `content` (id-data) and one signer.
    pub fn sign_enveloping(&self, content: &[u8]) -> Result<Vec<u8>, CmsError> {
        let digest = match &self.key {
            Key::P384(_) => <sha2_010::Sha384 as sha2_010::Digest>::digest(content).to_vec(),
            _ => Sha256::digest(content).to_vec(),
        };
        self.signed_data(&digest, Some(content))
    }

    /// The digest [`CmsSigner::sign_detached`] wants of the content read from `reader`:
    /// SHA-384 for a P-384 key, SHA-256 otherwise.
    pub fn detached_digest(&self, mut reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 1 << 20];
        match &self.key {
            Key::P384(_) => {
                let mut h = <sha2_010::Sha384 as sha2_010::Digest>::new();
                loop {
                    let n = reader.read(&mut buf)?;
                    if n == 0 {
                        return Ok(sha2_010::Digest::finalize(h).to_vec());
                    }
                    sha2_010::Digest::update(&mut h, &buf[..n]);
                }
            }
            _ => {
                let mut h = Sha256::new();
                loop {
                    let n = reader.read(&mut buf)?;
                    if n == 0 {
                        return Ok(h.finalize().to_vec());
                    }
                    h.update(&buf[..n]);
                }
            }
        }
    }

    /// The DER `ContentInfo` of a SignedData over detached content whose digest (as
    /// [`CmsSigner::detached_digest`] computes it) is `digest`.
    pub fn sign_detached(&self, digest: &[u8]) -> Result<Vec<u8>, CmsError> {
        self.signed_data(digest, None)
    }

    fn signed_data(&self, digest: &[u8], content: Option<&[u8]>) -> Result<Vec<u8>, CmsError> {
        let digest_oid = match &self.key {
            Key::P384(_) => OID_SHA384,
            _ => OID_SHA256,
        };
        let attrs = signed_attributes(digest)?;
        let to_sign = attrs.to_der().map_err(enc)?;
        let (signature, algorithm) = self.sign(&to_sign)?;
        let tbs = &self.cert.cert.tbs_certificate;
        let signer = SignerInfo {
            version: cms::content_info::CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: algorithm_id(digest_oid, false),
            signed_attrs: Some(attrs),
            signature_algorithm: algorithm,
            signature: OctetString::new(signature).map_err(enc)?,
            unsigned_attrs: None,
        };
        let certificates = std::iter::once(&self.cert)
            .chain(&self.chain)
            .map(|c| cms::cert::CertificateChoices::Certificate(c.cert.clone()))
            .collect::<Vec<_>>();
        let econtent = content
            .map(|c| Any::new(der::Tag::OctetString, c.to_vec()).map_err(enc))
            .transpose()?;
        let signed = SignedData {
            version: cms::content_info::CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![algorithm_id(digest_oid, false)])
                .map_err(enc)?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid(OID_DATA),
                econtent,
            },
            certificates: Some(CertificateSet(
                SetOfVec::try_from(certificates).map_err(enc)?,
            )),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).map_err(enc)?),
        };
        let info = ContentInfo {
            content_type: oid(OID_SIGNED_DATA),
            content: Any::encode_from(&signed).map_err(enc)?,
        };
        info.to_der().map_err(enc)
    }

    /// Signs `message`: (signature, its algorithm identifier).
    fn sign(&self, message: &[u8]) -> Result<(Vec<u8>, AlgorithmIdentifierOwned), CmsError> {
        use signature::Signer;
        Ok(match &self.key {
            Key::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(message);
                (
                    s.to_der().as_bytes().to_vec(),
                    algorithm_id(OID_ECDSA_SHA256, true),
                )
            }
            Key::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(message);
                (
                    s.to_der().as_bytes().to_vec(),
                    algorithm_id(OID_ECDSA_SHA384, true),
                )
            }
            Key::Rsa(k) => {
                let s = k.sign(message);
                (
                    signature::SignatureEncoding::to_vec(&s),
                    algorithm_id(OID_RSA_SHA256, false),
                )
            }
        })
    }
}

/// The leaf's usages allow signing bundles: a key usage with digitalSignature (or
/// nonRepudiation), and an extended key usage — when present — that RAUC accepts.
fn signing_usage(cert: &Cert) -> Result<(), CmsError> {
    let bad = |m: String| Err(CmsError::Certificate(m));
    if let Some(ku) = extension(cert, OID_KEY_USAGE) {
        let usage = x509_cert::ext::pkix::KeyUsage::from_der(ku)
            .map_err(|e| CmsError::Certificate(format!("key usage: {e}")))?;
        if !usage.digital_signature() && !usage.non_repudiation() {
            return bad("its key usage allows no signatures (needs digitalSignature)".into());
        }
    }
    if let Some(eku) = extension(cert, OID_EXT_KEY_USAGE) {
        let eku = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(eku)
            .map_err(|e| CmsError::Certificate(format!("extended key usage: {e}")))?;
        let usable = eku.0.iter().any(|o| {
            let o = o.to_string();
            o == OID_EMAIL_PROTECTION || o == OID_CODE_SIGNING
        });
        if !usable {
            return bad(
                "its extended key usage has neither emailProtection (RAUC's default check) \
                 nor codeSigning (check-purpose=codesign)"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Whether `c` may issue certificates: basicConstraints cA, and keyCertSign when it has a key
/// usage.
fn can_issue(c: &Cert) -> bool {
    let signs_certs = match extension(c, OID_KEY_USAGE) {
        None => true,
        Some(ku) => x509_cert::ext::pkix::KeyUsage::from_der(ku).is_ok_and(|u| u.key_cert_sign()),
    };
    c.is_ca() && signs_certs
}

/// An algorithm identifier; ECDSA's has no parameters, the others NULL.
fn algorithm_id(o: &str, absent: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid(o),
        parameters: (!absent).then(|| Any::from(der::asn1::Null)),
    }
}

/// The content-type (id-data) and message-digest attributes, as the DER SET that is signed.
fn signed_attributes(digest: &[u8]) -> Result<SetOfVec<Attribute>, CmsError> {
    let content_type = Attribute {
        oid: oid(OID_CONTENT_TYPE),
        values: SetOfVec::try_from(vec![
            AttributeValue::new(der::Tag::ObjectIdentifier, oid(OID_DATA).as_bytes())
                .map_err(enc)?,
        ])
        .map_err(enc)?,
    };
    let message_digest = Attribute {
        oid: oid(OID_MESSAGE_DIGEST),
        values: SetOfVec::try_from(vec![
            AttributeValue::new(der::Tag::OctetString, digest.to_vec()).map_err(enc)?,
        ])
        .map_err(enc)?,
    };
    SetOfVec::try_from(vec![content_type, message_digest]).map_err(enc)
}

fn extension<'a>(c: &'a Cert, o: &str) -> Option<&'a [u8]> {
    c.cert
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id.to_string() == o)
        .map(|e| e.extn_value.as_bytes())
}

/// Whether the PEM private key `pem` is encrypted (needs a password).
pub fn is_encrypted(pem: &str) -> bool {
    pem.trim_start()
        .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
}

/// The largest key-derivation work an encrypted key may ask for: scrypt N ≤ 2^20 with r·p ≤ 16
/// (at most 1 GiB), PBKDF2 ≤ 1 million iterations — a hostile key cannot make signing hang.
fn check_kdf(scheme: &pkcs8::pkcs5::EncryptionScheme<'_>) -> Result<(), CmsError> {
    let too_costly = |m: String| Err(CmsError::Key(format!("encrypted key: {m}")));
    match scheme {
        pkcs8::pkcs5::EncryptionScheme::Pbes2(p) => match &p.kdf {
            pkcs8::pkcs5::pbes2::Kdf::Scrypt(s) => {
                let work = u64::from(s.block_size) * u64::from(s.parallelization);
                if s.cost_parameter > 1 << 20 || work > 16 {
                    return too_costly(format!(
                        "scrypt N={} r={} p={} is beyond what cargo-cra derives (N 2^20, r·p 16)",
                        s.cost_parameter, s.block_size, s.parallelization
                    ));
                }
                Ok(())
            }
            pkcs8::pkcs5::pbes2::Kdf::Pbkdf2(k) if k.iteration_count > 1_000_000 => {
                too_costly(format!(
                    "PBKDF2 with {} iterations is beyond a million",
                    k.iteration_count
                ))
            }
            pkcs8::pkcs5::pbes2::Kdf::Pbkdf2(_) => Ok(()),
            _ => too_costly("an unknown key-derivation function".into()),
        },
        _ => too_costly("only PBES2 encryption (openssl's default) is read".into()),
    }
}

/// A PKCS#8 DER key: EC P-256/P-384 or RSA.
fn pkcs8_key(der: &[u8]) -> Result<Key, CmsError> {
    use pkcs8::DecodePrivateKey;
    if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
        return Ok(Key::P256(k));
    }
    if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(der) {
        return Ok(Key::P384(k));
    }
    rsa::RsaPrivateKey::from_pkcs8_der(der)
        .map(rsa_key)
        .map_err(|_| CmsError::Key("PKCS#8 key is neither ECDSA P-256/P-384 nor RSA".into()))
}

/// A PEM private key: PKCS#8 (EC P-256/P-384 or RSA, encrypted with `password` or not),
/// SEC1 or PKCS#1.
fn parse_key(pem: &str, password: Option<&[u8]>) -> Result<Key, CmsError> {
    let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes())
        .map_err(|e| CmsError::Key(format!("not a PEM private key: {e}")))?;
    let der = zeroize::Zeroizing::new(der);
    let bad = |e: &dyn std::fmt::Display| CmsError::Key(e.to_string());
    match label {
        "PRIVATE KEY" => pkcs8_key(&der),
        "EC PRIVATE KEY" => {
            if let Ok(k) = p256::SecretKey::from_sec1_der(&der) {
                return Ok(Key::P256(k.into()));
            }
            p384::SecretKey::from_sec1_der(&der)
                .map(|k| Key::P384(k.into()))
                .map_err(|e| bad(&e))
        }
        "RSA PRIVATE KEY" => {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(rsa_key)
                .map_err(|e| bad(&e))
        }
        "ENCRYPTED PRIVATE KEY" => {
            let info = pkcs8::EncryptedPrivateKeyInfo::try_from(&der[..]).map_err(|e| bad(&e))?;
            check_kdf(&info.encryption_algorithm)?;
            let password =
                password.ok_or_else(|| CmsError::Key("encrypted key: no password".into()))?;
            let plain = info
                .decrypt(password)
                .map_err(|_| CmsError::Key("encrypted key: wrong password".into()))?;
            pkcs8_key(plain.as_bytes())
        }
        other => Err(CmsError::Key(format!("unknown PEM block {other:?}"))),
    }
}

fn rsa_key(k: rsa::RsaPrivateKey) -> Key {
    Key::Rsa(Box::new(
        rsa::pkcs1v15::SigningKey::<sha2_010::Sha256>::new(k),
    ))
}

/// A verified CMS signature: the content it carries (if not detached) and who signed.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The encapsulated content, when the signature carries it.
    pub content: Option<Vec<u8>>,
    /// The signer certificate's subject.
    pub signer: String,
}

/// Verifies the DER CMS SignedData `der` at `now` against the `keyring` (PEM CA certificates):
/// exactly one signer whose certificate is in the signature, signed attributes carrying the
/// digest of the content (`detached`, read by [`detached_digest_of`], for a detached
/// signature), the signature over them, and a chain of valid certificates — the signature's
/// own intermediates — up to a keyring certificate.
pub fn verify(
    der: &[u8],
    detached: Option<&mut dyn std::io::Read>,
    keyring: &str,
    now: i64,
) -> Result<Verified, CmsError> {
    let bad = |m: &str| CmsError::Encoding(m.to_string());
    let info = ContentInfo::from_der(der).map_err(enc)?;
    if info.content_type.to_string() != OID_SIGNED_DATA {
        return Err(bad("not a CMS SignedData"));
    }
    let sd: SignedData = info.content.decode_as().map_err(enc)?;
    let signers: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
    let [signer] = signers.as_slice() else {
        return Err(bad("the signature must have exactly one signer"));
    };
    let certs: Vec<Cert> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Cert::from_der(&c.to_der().ok()?).ok(),
            _ => None,
        })
        .collect();
    let SignerIdentifier::IssuerAndSerialNumber(id) = &signer.sid else {
        return Err(bad("the signer is not named by issuer and serial number"));
    };
    let leaf = certs
        .iter()
        .find(|c| {
            c.cert.tbs_certificate.issuer == id.issuer
                && c.cert.tbs_certificate.serial_number == id.serial_number
        })
        .ok_or_else(|| bad("the signer's certificate is not in the signature"))?;
    if sd.encap_content_info.econtent_type.to_string() != OID_DATA {
        return Err(bad("the signed content is not id-data"));
    }
    let digest_oid = signer.digest_alg.oid.to_string();
    if !sd
        .digest_algorithms
        .iter()
        .any(|a| a.oid == signer.digest_alg.oid)
    {
        return Err(bad(
            "the signer's digest algorithm is not listed in the SignedData",
        ));
    }
    let content = match &sd.encap_content_info.econtent {
        Some(e) => Some(
            e.decode_as::<OctetString>()
                .map_err(enc)?
                .as_bytes()
                .to_vec(),
        ),
        None => None,
    };
    let digest = match (&content, detached) {
        (Some(c), _) => hash_of(&digest_oid, &mut &c[..])?,
        (None, Some(r)) => hash_of(&digest_oid, r)?,
        (None, None) => return Err(bad("a detached signature without its content")),
    };
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| bad("no signed attributes"))?;
    let carries_digest = attrs.iter().any(|a| {
        a.oid.to_string() == OID_MESSAGE_DIGEST
            && a.values.iter().any(|v| {
                v.decode_as::<OctetString>()
                    .is_ok_and(|o| o.as_bytes() == digest)
            })
    });
    if !carries_digest {
        return Err(CmsError::Encoding(
            "the signed digest is not the content's: the content was changed".into(),
        ));
    }
    let signed = attrs.to_der().map_err(enc)?;
    let ok = crate::sigstore::verify::certs::verify_cms_signature(
        &leaf.spki_der(),
        &signer.signature_algorithm,
        &digest_oid,
        &signed,
        signer.signature.as_bytes(),
    )
    .map_err(|e| CmsError::Certificate(e.to_string()))?;
    if !ok {
        return Err(CmsError::Encoding("the signature does not verify".into()));
    }
    signing_usage(leaf)?;
    chain_to_keyring(leaf, &certs, keyring, now)?;
    Ok(Verified {
        content,
        signer: leaf.cert.tbs_certificate.subject.to_string(),
    })
}

/// The CMS digest of what `reader` gives, with the digest algorithm `oid` (SHA-256/384/512).
fn hash_of(oid: &str, reader: &mut dyn std::io::Read) -> Result<Vec<u8>, CmsError> {
    use sha2_010::Digest as _;
    let mut buf = vec![0u8; 1 << 20];
    let io = |e: std::io::Error| CmsError::Encoding(e.to_string());
    macro_rules! run {
        ($h:expr) => {{
            let mut h = $h;
            loop {
                let n = reader.read(&mut buf).map_err(io)?;
                if n == 0 {
                    break Ok(h.finalize().to_vec());
                }
                h.update(&buf[..n]);
            }
        }};
    }
    match oid {
        OID_SHA256 => run!(sha2_010::Sha256::new()),
        OID_SHA384 => run!(sha2_010::Sha384::new()),
        "2.16.840.1.101.3.4.2.3" => run!(sha2_010::Sha512::new()),
        other => Err(CmsError::Encoding(format!(
            "digest algorithm {other} is not verified"
        ))),
    }
}

/// `leaf`, through the signature's certificates, up to a certificate of the PEM `keyring`,
/// every certificate valid at `now`.
fn chain_to_keyring(leaf: &Cert, certs: &[Cert], keyring: &str, now: i64) -> Result<(), CmsError> {
    let anchors: Vec<Cert> = pem_blocks(keyring)
        .iter()
        .filter_map(|b| Cert::from_pem(b).ok())
        .collect();
    if anchors.is_empty() {
        return Err(CmsError::Certificate(
            "the keyring holds no certificate".into(),
        ));
    }
    let mut current = leaf.clone();
    for _ in 0..8 {
        if !current.valid_at(now) {
            return Err(CmsError::Certificate(format!(
                "{} is not valid now",
                current.cert.tbs_certificate.subject
            )));
        }
        if let Some(anchor) = anchors.iter().find(|a| {
            a.der == current.der || (can_issue(a) && current.issued_by_pub(a).unwrap_or(false))
        }) {
            return match anchor.valid_at(now) {
                true => Ok(()),
                false => Err(CmsError::Certificate(
                    "the keyring certificate is not valid now".into(),
                )),
            };
        }
        // Only a CA certificate may issue the next link: an end-entity certificate of the
        // update CA cannot make its own signer.
        let Some(next) = certs.iter().find(|c| {
            c.der != current.der && can_issue(c) && current.issued_by_pub(c).unwrap_or(false)
        }) else {
            break;
        };
        current = next.clone();
    }
    Err(CmsError::Certificate(format!(
        "{} does not chain to a certificate of the keyring",
        leaf.cert.tbs_certificate.subject
    )))
}

/// The PEM `CERTIFICATE` blocks of `text`.
fn pem_blocks(text: &str) -> Vec<String> {
    const END: &str = "-----END CERTIFICATE-----";
    text.split_inclusive(END)
        .filter_map(|chunk| {
            let start = chunk.find("-----BEGIN CERTIFICATE-----")?;
            chunk.ends_with(END).then(|| chunk[start..].to_string())
        })
        .collect()
}
