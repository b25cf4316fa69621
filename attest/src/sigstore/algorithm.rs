//! Every signature algorithm Sigstore's algorithm registry allows, for verification: ECDSA over
//! P-256, P-384 and P-521; RSA with PKCS#1 v1.5 or PSS padding, 2048 to 4096 bits; Ed25519.
//!
//! A key comes from a DER `SubjectPublicKeyInfo` ([`VerifyingKey::from_spki`]); anything else
//! (DSA, another curve, a short RSA modulus) is refused with one line naming it. The scheme a
//! signature was made with is either named by its container — an X.509 or CMS
//! `AlgorithmIdentifier` ([`Scheme::from_x509`]), a TLS `DigitallySigned` header
//! ([`Scheme::from_tls`]), a trusted root's `keyDetails` ([`Scheme::from_key_details`]) — or,
//! where nothing names it (a managed key, a log key without details), the key's registry
//! default ([`VerifyingKey::verify`]).

use sha2_010::Digest;
use spki::der::asn1::ObjectIdentifier;
use spki::der::{Decode, Encode};

/// Why a key or signature algorithm cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmError {
    /// Not one Sigstore allows.
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
    /// Not a well-formed key of its algorithm.
    #[error("malformed public key: {0}")]
    Malformed(String),
}

/// A SHA-2 hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The digest of `message`.
    pub(crate) fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2_010::Sha256::digest(message).to_vec(),
            Hash::Sha384 => sha2_010::Sha384::digest(message).to_vec(),
            Hash::Sha512 => sha2_010::Sha512::digest(message).to_vec(),
        }
    }

    /// The hash named by an OID (`id-sha256`, …).
    pub(crate) fn from_oid(oid: &str) -> Option<Hash> {
        match oid {
            "2.16.840.1.101.3.4.2.1" => Some(Hash::Sha256),
            "2.16.840.1.101.3.4.2.2" => Some(Hash::Sha384),
            "2.16.840.1.101.3.4.2.3" => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }
}

/// How a signature was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// ECDSA, DER-encoded `(r, s)`, over the hash of the message.
    Ecdsa(Hash),
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1v15(Hash),
    /// RSASSA-PSS with MGF1 of the same hash and a salt of `salt` bytes.
    RsaPss {
        /// Message and MGF1 hash.
        hash: Hash,
        /// Salt length in bytes.
        salt: usize,
    },
    /// Ed25519 (pure: over the whole message).
    Ed25519,
}

const ID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const ID_ED25519: &str = "1.3.101.112";

impl Scheme {
    /// The scheme an X.509 certificate or a CMS signer names: `algorithm` (with its
    /// parameters, for PSS), and, where `algorithm` is only a key type (`id-ecPublicKey`,
    /// `rsaEncryption`), the `digest` algorithm beside it.
    pub(crate) fn from_x509(
        algorithm: &spki::AlgorithmIdentifierOwned,
        digest: Option<&str>,
    ) -> Result<Scheme, AlgorithmError> {
        let oid = algorithm.oid.to_string();
        let with_digest = |f: fn(Hash) -> Scheme| {
            digest
                .and_then(Hash::from_oid)
                .map(f)
                .ok_or_else(|| unsupported_digest(digest))
        };
        match oid.as_str() {
            "1.2.840.10045.4.3.2" => Ok(Scheme::Ecdsa(Hash::Sha256)),
            "1.2.840.10045.4.3.3" => Ok(Scheme::Ecdsa(Hash::Sha384)),
            "1.2.840.10045.4.3.4" => Ok(Scheme::Ecdsa(Hash::Sha512)),
            "1.2.840.113549.1.1.11" => Ok(Scheme::RsaPkcs1v15(Hash::Sha256)),
            "1.2.840.113549.1.1.12" => Ok(Scheme::RsaPkcs1v15(Hash::Sha384)),
            "1.2.840.113549.1.1.13" => Ok(Scheme::RsaPkcs1v15(Hash::Sha512)),
            RSASSA_PSS => pss_parameters(algorithm),
            ID_ED25519 => Ok(Scheme::Ed25519),
            ID_EC_PUBLIC_KEY => with_digest(Scheme::Ecdsa),
            RSA_ENCRYPTION => with_digest(Scheme::RsaPkcs1v15),
            other => Err(AlgorithmError::Unsupported(format!(
                "signature algorithm {} (OID {other})",
                oid_name(other)
            ))),
        }
    }

    /// The scheme of a TLS 1.2 `DigitallySigned` header (RFC 5246 §7.4.1.4.1: hash, then
    /// signature algorithm), as certificate transparency logs sign SCTs with.
    pub(crate) fn from_tls(hash: u8, signature: u8) -> Result<Scheme, AlgorithmError> {
        let h = match hash {
            4 => Hash::Sha256,
            5 => Hash::Sha384,
            6 => Hash::Sha512,
            other => {
                return Err(AlgorithmError::Unsupported(format!(
                    "TLS hash algorithm {other}"
                )));
            }
        };
        match signature {
            1 => Ok(Scheme::RsaPkcs1v15(h)),
            3 => Ok(Scheme::Ecdsa(h)),
            other => Err(AlgorithmError::Unsupported(format!(
                "TLS signature algorithm {other}"
            ))),
        }
    }

    /// The scheme of a trusted root's `keyDetails` (Sigstore's `PublicKeyDetails`); `None` for
    /// details that do not fix one (absent, or unspecified).
    pub(crate) fn from_key_details(details: &str) -> Result<Option<Scheme>, AlgorithmError> {
        let pss = |hash| Scheme::RsaPss {
            hash,
            salt: Hash::len(hash),
        };
        Ok(Some(match details {
            "PKIX_ECDSA_P256_SHA_256" | "PKIX_ECDSA_P256_HMAC_SHA_256" => {
                Scheme::Ecdsa(Hash::Sha256)
            }
            "PKIX_ECDSA_P384_SHA_384" => Scheme::Ecdsa(Hash::Sha384),
            "PKIX_ECDSA_P521_SHA_512" => Scheme::Ecdsa(Hash::Sha512),
            "PKIX_RSA_PKCS1V15_2048_SHA256"
            | "PKIX_RSA_PKCS1V15_3072_SHA256"
            | "PKIX_RSA_PKCS1V15_4096_SHA256"
            | "PKCS1_RSA_PKCS1V5"
            | "PKIX_RSA_PKCS1V5" => Scheme::RsaPkcs1v15(Hash::Sha256),
            "PKIX_RSA_PSS_2048_SHA256"
            | "PKIX_RSA_PSS_3072_SHA256"
            | "PKIX_RSA_PSS_4096_SHA256"
            | "PKCS1_RSA_PSS"
            | "PKIX_RSA_PSS" => pss(Hash::Sha256),
            "PKIX_ED25519" => Scheme::Ed25519,
            "PUBLIC_KEY_DETAILS_UNSPECIFIED" | "" => return Ok(None),
            other => {
                return Err(AlgorithmError::Unsupported(format!("key details {other}")));
            }
        }))
    }
}

fn unsupported_digest(digest: Option<&str>) -> AlgorithmError {
    AlgorithmError::Unsupported(match digest {
        Some(d) => format!("digest algorithm {} (OID {d})", oid_name(d)),
        None => "a key-type signature algorithm without a digest algorithm".into(),
    })
}

/// RSASSA-PSS-params (RFC 4055): the hash, MGF1 with the same hash, and the salt length.
fn pss_parameters(algorithm: &spki::AlgorithmIdentifierOwned) -> Result<Scheme, AlgorithmError> {
    let bad = |m: &str| AlgorithmError::Unsupported(format!("RSASSA-PSS parameters: {m}"));
    let params = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| bad("absent (SHA-1 defaults)"))?
        .to_der()
        .map_err(|e| bad(&e.to_string()))?;
    let params = PssParams::from_der(&params).map_err(|e| bad(&e.to_string()))?;
    let hash_oid = params
        .hash
        .as_ref()
        .map(|h| h.oid.to_string())
        .ok_or_else(|| bad("SHA-1 (the default) is not allowed"))?;
    let hash = Hash::from_oid(&hash_oid).ok_or_else(|| bad(&format!("hash {hash_oid}")))?;
    let mgf = params
        .mask_gen
        .as_ref()
        .ok_or_else(|| bad("MGF1 with SHA-1"))?;
    let mgf_hash = mgf
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<spki::AlgorithmIdentifierOwned>().ok())
        .map(|a| a.oid.to_string());
    if mgf.oid.to_string() != "1.2.840.113549.1.1.8" || mgf_hash.as_deref() != Some(&hash_oid) {
        return Err(bad(
            "the mask generation must be MGF1 with the message hash",
        ));
    }
    let salt = params.salt_len.map_or(20, |s| s as usize);
    Ok(Scheme::RsaPss { hash, salt })
}

/// RSASSA-PSS-params, the fields this verifier reads (trailer field 1 only).
#[derive(Debug, der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    hash: Option<spki::AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    mask_gen: Option<spki::AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", optional = "true", tag_mode = "EXPLICIT")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", optional = "true", tag_mode = "EXPLICIT")]
    trailer: Option<u32>,
}

/// A readable name for an algorithm OID in error messages.
fn oid_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.10040.4.1" => "DSA",
        "1.2.840.10040.4.3" => "DSA with SHA-1",
        "1.2.840.113549.1.1.5" => "RSA with SHA-1",
        "1.2.840.113549.1.1.4" => "RSA with MD5",
        "1.2.840.10045.4.1" => "ECDSA with SHA-1",
        "1.3.101.113" => "Ed448",
        "1.3.14.3.2.26" => "SHA-1",
        "1.2.840.113549.2.5" => "MD5",
        "1.3.132.0.10" => "secp256k1",
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
        _ => "unknown",
    }
}

/// A public key of an algorithm Sigstore allows.
#[derive(Clone)]
pub struct VerifyingKey {
    /// The key as DER `SubjectPublicKeyInfo`.
    der: Vec<u8>,
    key: Key,
    /// The one scheme its signatures are accepted in, when its owner fixed one (a trusted
    /// root's `keyDetails`).
    pinned: Option<Scheme>,
}

#[derive(Clone)]
enum Key {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifyingKey({})", self.algorithm())
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for VerifyingKey {}

impl VerifyingKey {
    /// Reads a DER `SubjectPublicKeyInfo`, refusing algorithms Sigstore does not allow.
    pub(crate) fn from_spki(der: &[u8]) -> Result<VerifyingKey, AlgorithmError> {
        let info = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| AlgorithmError::Malformed(e.to_string()))?;
        let oid = info.algorithm.oid.to_string();
        let bits = info.subject_public_key.raw_bytes();
        let malformed = |e: &dyn std::fmt::Display| AlgorithmError::Malformed(e.to_string());
        let key = match oid.as_str() {
            ID_EC_PUBLIC_KEY => {
                let curve: ObjectIdentifier = info
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as().ok())
                    .ok_or_else(|| {
                        AlgorithmError::Malformed("EC key without a named curve".into())
                    })?;
                match curve.to_string().as_str() {
                    "1.2.840.10045.3.1.7" => Key::P256(
                        p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                            .map_err(|e| malformed(&e))?,
                    ),
                    "1.3.132.0.34" => Key::P384(
                        p384::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                            .map_err(|e| malformed(&e))?,
                    ),
                    "1.3.132.0.35" => Key::P521(
                        p521::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                            .map_err(|e| malformed(&e))?,
                    ),
                    other => {
                        return Err(AlgorithmError::Unsupported(format!(
                            "EC curve {} (OID {other}); Sigstore allows P-256, P-384 and P-521",
                            oid_name(other)
                        )));
                    }
                }
            }
            RSA_ENCRYPTION => {
                use rsa::pkcs1::DecodeRsaPublicKey;
                use rsa::traits::PublicKeyParts;
                // Read without the crate's own size cap first, to name the size when refusing.
                let k = rsa::pkcs1::RsaPublicKey::from_der(bits).map_err(|e| malformed(&e))?;
                let n_bits = modulus_bits(k.modulus.as_bytes());
                if !(2048..=4096).contains(&n_bits) {
                    return Err(AlgorithmError::Unsupported(format!(
                        "RSA key of {n_bits} bits; Sigstore allows 2048 to 4096"
                    )));
                }
                let k = rsa::RsaPublicKey::from_pkcs1_der(bits).map_err(|e| malformed(&e))?;
                debug_assert_eq!(k.n().bits(), n_bits);
                Key::Rsa(k)
            }
            ID_ED25519 => {
                let bytes: [u8; 32] = bits
                    .try_into()
                    .map_err(|_| AlgorithmError::Malformed("Ed25519 key is not 32 bytes".into()))?;
                Key::Ed25519(
                    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|e| malformed(&e))?,
                )
            }
            other => {
                return Err(AlgorithmError::Unsupported(format!(
                    "public key algorithm {} (OID {other})",
                    oid_name(other)
                )));
            }
        };
        Ok(VerifyingKey {
            der: der.to_vec(),
            key,
            pinned: None,
        })
    }

    /// The key, accepting signatures in `scheme` only (when given).
    pub(crate) fn pinned(mut self, scheme: Option<Scheme>) -> Result<VerifyingKey, AlgorithmError> {
        if let Some(s) = scheme
            && !self.default_schemes_of_key().contains(&s)
            && !matches!((&self.key, s), (Key::Rsa(_), Scheme::RsaPss { .. }))
        {
            return Err(self.mismatch(s));
        }
        self.pinned = scheme;
        Ok(self)
    }

    /// Reads a PEM `PUBLIC KEY`.
    pub fn from_pem(pem: &str) -> Result<VerifyingKey, AlgorithmError> {
        let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes())
            .map_err(|e| AlgorithmError::Malformed(format!("not PEM: {e}")))?;
        if label != "PUBLIC KEY" {
            return Err(AlgorithmError::Malformed(format!(
                "a PEM {label}, not a PUBLIC KEY"
            )));
        }
        Self::from_spki(&der)
    }

    /// The key as DER `SubjectPublicKeyInfo`.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The algorithm, for reports: `ECDSA P-256`, `RSA 3072`, `Ed25519`.
    pub(crate) fn algorithm(&self) -> String {
        match &self.key {
            Key::P256(_) => "ECDSA P-256".into(),
            Key::P384(_) => "ECDSA P-384".into(),
            Key::P521(_) => "ECDSA P-521".into(),
            Key::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                format!("RSA {}", k.n().bits())
            }
            Key::Ed25519(_) => "Ed25519".into(),
        }
    }

    /// The schemes this key's signatures are accepted in when nothing names one: ECDSA with
    /// the curve's hash (Sigstore's registry) or SHA-256 (what cosign uses with every curve);
    /// RSA PKCS#1 v1.5 or PSS with SHA-256; Ed25519.
    fn default_schemes(&self) -> Vec<Scheme> {
        match self.pinned {
            Some(s) => vec![s],
            None => self.default_schemes_of_key(),
        }
    }

    fn default_schemes_of_key(&self) -> Vec<Scheme> {
        match &self.key {
            Key::P256(_) => vec![Scheme::Ecdsa(Hash::Sha256)],
            Key::P384(_) => vec![Scheme::Ecdsa(Hash::Sha384), Scheme::Ecdsa(Hash::Sha256)],
            Key::P521(_) => vec![Scheme::Ecdsa(Hash::Sha512), Scheme::Ecdsa(Hash::Sha256)],
            Key::Rsa(_) => vec![
                Scheme::RsaPkcs1v15(Hash::Sha256),
                Scheme::RsaPss {
                    hash: Hash::Sha256,
                    salt: 32,
                },
            ],
            Key::Ed25519(_) => vec![Scheme::Ed25519],
        }
    }

    /// Whether `signature` over `message` verifies in one of the key's default schemes.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.default_schemes()
            .into_iter()
            .any(|s| self.verify_with(s, message, signature).unwrap_or(false))
    }

    /// Whether `signature` over `message` verifies in `scheme`; an error when the scheme is not
    /// one this key is used with.
    pub(crate) fn verify_with(
        &self,
        scheme: Scheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, AlgorithmError> {
        match scheme {
            Scheme::Ed25519 => match &self.key {
                Key::Ed25519(k) => Ok(ed25519_dalek::Signature::from_slice(signature)
                    .is_ok_and(|s| k.verify_strict(message, &s).is_ok())),
                _ => Err(self.mismatch(scheme)),
            },
            Scheme::Ecdsa(h) | Scheme::RsaPkcs1v15(h) | Scheme::RsaPss { hash: h, .. } => {
                self.verify_digest(scheme, &h.digest(message), signature)
            }
        }
    }

    /// Whether `signature` verifies over a message whose digest (of `scheme`'s hash) is
    /// `digest`. Ed25519 signs whole messages and cannot be checked this way.
    pub(crate) fn verify_digest(
        &self,
        scheme: Scheme,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool, AlgorithmError> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        macro_rules! ecdsa {
            ($curve:ident, $k:expr) => {
                Ok($curve::ecdsa::Signature::from_der(signature)
                    .is_ok_and(|s| $k.verify_prehash(digest, &s).is_ok()))
            };
        }
        match (&self.key, scheme) {
            (Key::P256(k), Scheme::Ecdsa(_)) => ecdsa!(p256, k),
            (Key::P384(k), Scheme::Ecdsa(_)) => ecdsa!(p384, k),
            (Key::P521(k), Scheme::Ecdsa(_)) => ecdsa!(p521, k),
            (Key::Rsa(k), Scheme::RsaPkcs1v15(h)) => {
                let padding = match h {
                    Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2_010::Sha256>(),
                    Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2_010::Sha384>(),
                    Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2_010::Sha512>(),
                };
                Ok(k.verify(padding, digest, signature).is_ok())
            }
            (Key::Rsa(k), Scheme::RsaPss { hash, salt }) => {
                let padding = match hash {
                    Hash::Sha256 => rsa::Pss::new_with_salt::<sha2_010::Sha256>(salt),
                    Hash::Sha384 => rsa::Pss::new_with_salt::<sha2_010::Sha384>(salt),
                    Hash::Sha512 => rsa::Pss::new_with_salt::<sha2_010::Sha512>(salt),
                };
                Ok(k.verify(padding, digest, signature).is_ok())
            }
            _ => Err(self.mismatch(scheme)),
        }
    }

    /// Whether `signature` verifies over a message with SHA-256 `digest` in one of the key's
    /// default schemes that hashes with SHA-256.
    pub(crate) fn verify_sha256_digest(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        self.default_schemes().into_iter().any(|s| {
            matches!(
                s,
                Scheme::Ecdsa(Hash::Sha256)
                    | Scheme::RsaPkcs1v15(Hash::Sha256)
                    | Scheme::RsaPss {
                        hash: Hash::Sha256,
                        ..
                    }
            ) && self.verify_digest(s, digest, signature).unwrap_or(false)
        })
    }

    /// Whether checking this key's signature over an artefact needs the artefact's bytes, not
    /// only its SHA-256: Ed25519 signs whole messages, and P-384 and P-521 hash with SHA-384
    /// and SHA-512 in Sigstore's registry.
    pub fn needs_message(&self) -> bool {
        matches!(self.key, Key::Ed25519(_) | Key::P384(_) | Key::P521(_))
    }

    fn mismatch(&self, scheme: Scheme) -> AlgorithmError {
        AlgorithmError::Unsupported(format!(
            "a {scheme:?} signature by an {} key",
            self.algorithm()
        ))
    }
}

/// The bit length of a big-endian unsigned integer.
fn modulus_bits(be: &[u8]) -> usize {
    let be = match be.iter().position(|&b| b != 0) {
        Some(i) => &be[i..],
        None => return 0,
    };
    be.len() * 8 - be[0].leading_zeros() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_headers_name_the_certificate_transparency_schemes() {
        assert_eq!(Scheme::from_tls(4, 3), Ok(Scheme::Ecdsa(Hash::Sha256)));
        assert_eq!(
            Scheme::from_tls(4, 1),
            Ok(Scheme::RsaPkcs1v15(Hash::Sha256))
        );
        assert_eq!(Scheme::from_tls(6, 3), Ok(Scheme::Ecdsa(Hash::Sha512)));
        let e = Scheme::from_tls(2, 1).unwrap_err().to_string();
        assert_eq!(e, "unsupported algorithm: TLS hash algorithm 2");
        let e = Scheme::from_tls(4, 2).unwrap_err().to_string();
        assert_eq!(e, "unsupported algorithm: TLS signature algorithm 2");
    }

    #[test]
    fn key_details_fix_a_scheme_or_leave_the_default() {
        assert_eq!(
            Scheme::from_key_details("PKIX_RSA_PSS_3072_SHA256"),
            Ok(Some(Scheme::RsaPss {
                hash: Hash::Sha256,
                salt: 32
            }))
        );
        assert_eq!(
            Scheme::from_key_details("PUBLIC_KEY_DETAILS_UNSPECIFIED"),
            Ok(None)
        );
        let e = Scheme::from_key_details("ML_DSA_65")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "unsupported algorithm: key details ML_DSA_65");
    }

    #[test]
    fn malformed_keys_are_one_line() {
        let e = VerifyingKey::from_spki(b"\x30\x03junk")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("malformed public key: "), "{e}");
        let e = VerifyingKey::from_pem(
            "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a PUBLIC KEY"), "{e}");
        assert_eq!(modulus_bits(&[0, 0, 0x01, 0xff]), 9);
    }
}
