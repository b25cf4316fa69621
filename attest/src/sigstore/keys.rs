//! Signing keys in cosign's formats.
//!
//! Private keys are stored the way cosign stores them: a PEM block labelled
//! `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign: `ENCRYPTED COSIGN PRIVATE KEY`) whose body is
//! JSON:
//!
//! ```json
//! {"kdf": {"name": "scrypt", "params": {"N": 65536, "r": 8, "p": 1}, "salt": "<base64>"},
//!  "cipher": {"name": "nacl/secretbox", "nonce": "<base64, 24 bytes>"},
//!  "ciphertext": "<base64>"}
//! ```
//!
//! The secretbox key is `scrypt(password, salt, N, r, p)` (32 bytes); the plaintext is the
//! private key as PKCS#8 DER. Public keys are PEM `PUBLIC KEY` (SPKI). ECDSA P-256 (SHA-256,
//! ASN.1 DER signatures) is what cargo-cra generates; Ed25519 keys written by cosign are read and
//! sign too.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use crypto_secretbox::XSalsa20Poly1305;
use crypto_secretbox::aead::{Aead, KeyInit};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// PEM label cargo-cra writes (cosign ≥ 2.0 writes the same).
pub(crate) const PRIVATE_KEY_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM label of keys written by older cosign releases, also read.
pub(crate) const LEGACY_PRIVATE_KEY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";

/// The most memory (128·r·(N + p) bytes) a key file may make scrypt take: 512 MiB, eight times
/// cosign's own keys (N = 2^16, r = 8: 64 MiB).
pub(crate) const SCRYPT_MAX_MEMORY: u64 = 512 << 20;
/// The most work (N·r·p) a key file may ask for: 32 times cosign's own keys.
pub(crate) const SCRYPT_MAX_WORK: u64 = (1 << 16) * 8 * 32;

/// Refuses scrypt parameters a hostile key file could use to exhaust memory or time, before
/// anything is derived: N a power of two ≥ 2, r and p ≥ 1, memory and work within the limits.
fn check_scrypt_cost(n: u64, r: u32, p: u32) -> Result<(), KeyError> {
    let (r64, p64) = (u64::from(r), u64::from(p));
    // scrypt holds V (128·r·N bytes) and B (128·r·p bytes).
    let memory = 128u64
        .saturating_mul(r64)
        .saturating_mul(n.saturating_add(p64));
    let work = n.saturating_mul(r64).saturating_mul(p64);
    if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 {
        return Err(KeyError::Malformed(format!(
            "scrypt N = {n}, r = {r}, p = {p}: N must be a power of two ≥ 2, r and p ≥ 1"
        )));
    }
    if memory > SCRYPT_MAX_MEMORY || work > SCRYPT_MAX_WORK {
        return Err(KeyError::Unsupported(format!(
            "scrypt cost N = {n}, r = {r}, p = {p} ({} MiB, work {work}): above the limit of {} MiB and work {SCRYPT_MAX_WORK}",
            memory >> 20,
            SCRYPT_MAX_MEMORY >> 20
        )));
    }
    Ok(())
}

/// scrypt cost cosign uses for new keys: N = 2^16, r = 8, p = 1.
const SCRYPT_LOG_N: u8 = 16;

/// Why a key could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The password does not open the key.
    #[error("wrong password (the key could not be decrypted)")]
    WrongPassword,
    /// The key is well formed but of an algorithm cargo-cra cannot use.
    #[error("unsupported key algorithm: {0}")]
    Unsupported(String),
    /// The file is not a key in a format cargo-cra knows.
    #[error("not a cosign key: {0}")]
    Malformed(String),
    /// A signature does not verify.
    #[error("signature does not verify with this key")]
    BadSignature,
}

/// The JSON inside an encrypted cosign key.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EncryptedKey {
    /// Key derivation: always scrypt.
    kdf: Kdf,
    /// Cipher: always NaCl secretbox.
    cipher: Cipher,
    /// The encrypted PKCS#8 DER private key, base64.
    ciphertext: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Kdf {
    /// `scrypt`.
    name: String,
    /// scrypt cost parameters.
    params: ScryptParams,
    /// Salt, base64 (32 bytes).
    salt: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScryptParams {
    /// CPU/memory cost, a power of two.
    #[serde(rename = "N")]
    n: u64,
    /// Block size.
    r: u32,
    /// Parallelism.
    p: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cipher {
    /// `nacl/secretbox`.
    name: String,
    /// Nonce, base64 (24 bytes).
    nonce: String,
}

/// A private key that can sign.
pub enum SigningKey {
    /// ECDSA over NIST P-256 with SHA-256.
    P256(p256::ecdsa::SigningKey),
    /// Ed25519 (pure, over the whole message).
    Ed25519(ed25519_dalek::SigningKey),
}

/// A public key that can verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// ECDSA over NIST P-256 with SHA-256.
    P256(p256::ecdsa::VerifyingKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    b
}

impl SigningKey {
    /// A new random ECDSA P-256 key.
    pub fn generate_p256() -> Self {
        loop {
            let bytes = Zeroizing::new(random_bytes::<32>());
            // Fails only for the zero scalar or one ≥ the group order (probability ~2^-32).
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(bytes.as_slice()) {
                return SigningKey::P256(k);
            }
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            SigningKey::P256(k) => PublicKey::P256(*k.verifying_key()),
            SigningKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
        }
    }

    /// Signs `message`: ECDSA P-256 over SHA-256(message), DER-encoded; or Ed25519.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::P256(k) => {
                let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(k, message);
                sig.to_der().as_bytes().to_vec()
            }
            SigningKey::Ed25519(k) => ed25519_dalek::Signer::sign(k, message).to_bytes().to_vec(),
        }
    }

    /// The key encrypted with `password`, as a cosign `ENCRYPTED SIGSTORE PRIVATE KEY` PEM.
    pub fn to_encrypted_pem(&self, password: &[u8]) -> String {
        let der = match self {
            SigningKey::P256(k) => k.to_pkcs8_der().expect("P-256 keys encode"),
            SigningKey::Ed25519(k) => k.to_pkcs8_der().expect("Ed25519 keys encode"),
        };
        let salt = random_bytes::<32>();
        let nonce = random_bytes::<24>();
        let key = derive_key(password, &salt, SCRYPT_LOG_N, 8, 1)
            .expect("fixed scrypt parameters are valid");
        let cipher = XSalsa20Poly1305::new(key.as_slice().into());
        let ciphertext = cipher
            .encrypt(&nonce.into(), der.as_bytes())
            .expect("secretbox encryption cannot fail");
        let body = EncryptedKey {
            kdf: Kdf {
                name: "scrypt".into(),
                params: ScryptParams {
                    n: 1 << SCRYPT_LOG_N,
                    r: 8,
                    p: 1,
                },
                salt: B64.encode(salt),
            },
            cipher: Cipher {
                name: "nacl/secretbox".into(),
                nonce: B64.encode(nonce),
            },
            ciphertext: B64.encode(ciphertext),
        };
        let json = serde_json::to_vec(&body).expect("serialisable");
        pem_rfc7468::encode_string(PRIVATE_KEY_LABEL, pem_rfc7468::LineEnding::LF, &json)
            .expect("PEM encoding of bytes cannot fail")
    }

    /// Reads a cosign encrypted private key (`ENCRYPTED SIGSTORE PRIVATE KEY` or
    /// `ENCRYPTED COSIGN PRIVATE KEY`) with `password`.
    pub fn from_encrypted_pem(pem: &str, password: &[u8]) -> Result<Self, KeyError> {
        let (label, body) = pem_rfc7468::decode_vec(pem.trim().as_bytes())
            .map_err(|e| KeyError::Malformed(format!("not a PEM block ({e})")))?;
        if label != PRIVATE_KEY_LABEL && label != LEGACY_PRIVATE_KEY_LABEL {
            return Err(KeyError::Malformed(format!(
                "PEM label is {label:?}, expected {PRIVATE_KEY_LABEL:?}"
            )));
        }
        let enc: EncryptedKey = serde_json::from_slice(&body).map_err(|e| {
            let e = cra_model::input::printable(&e.to_string());
            KeyError::Malformed(format!("unreadable key JSON ({e})"))
        })?;
        if enc.kdf.name != "scrypt" {
            return Err(KeyError::Unsupported(format!(
                "key derivation {:?}",
                enc.kdf.name
            )));
        }
        if enc.cipher.name != "nacl/secretbox" {
            return Err(KeyError::Unsupported(format!(
                "cipher {:?}",
                enc.cipher.name
            )));
        }
        check_scrypt_cost(enc.kdf.params.n, enc.kdf.params.r, enc.kdf.params.p)?;
        let n = enc.kdf.params.n;
        let decode = |what: &str, s: &str| {
            B64.decode(s)
                .map_err(|e| KeyError::Malformed(format!("{what} is not base64 ({e})")))
        };
        let salt = decode("salt", &enc.kdf.salt)?;
        let nonce = decode("nonce", &enc.cipher.nonce)?;
        let ciphertext = decode("ciphertext", &enc.ciphertext)?;
        let nonce: [u8; 24] = nonce
            .try_into()
            .map_err(|_| KeyError::Malformed("nonce is not 24 bytes".into()))?;
        let key = derive_key(
            password,
            &salt,
            n.trailing_zeros() as u8,
            enc.kdf.params.r,
            enc.kdf.params.p,
        )
        .map_err(|e| KeyError::Malformed(format!("scrypt parameters: {e}")))?;
        let cipher = XSalsa20Poly1305::new(key.as_slice().into());
        let der = Zeroizing::new(
            cipher
                .decrypt(&nonce.into(), ciphertext.as_slice())
                .map_err(|_| KeyError::WrongPassword)?,
        );
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(&der) {
            return Ok(SigningKey::P256(k));
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(SigningKey::Ed25519(k));
        }
        Err(KeyError::Unsupported(describe_pkcs8_algorithm(&der)))
    }
}

fn derive_key(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, String> {
    let params = scrypt::Params::new(log_n, r, p, 32).map_err(|e| e.to_string())?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, key.as_mut_slice()).map_err(|e| e.to_string())?;
    Ok(key)
}

/// The algorithm OID of a PKCS#8 key cargo-cra cannot use, for the error message.
fn describe_pkcs8_algorithm(der: &[u8]) -> String {
    match p256::pkcs8::PrivateKeyInfo::try_from(der) {
        Ok(info) => {
            let oid = info.algorithm.oid.to_string();
            let name = match oid.as_str() {
                "1.2.840.113549.1.1.1" => "RSA",
                "1.2.840.10045.2.1" => "ECDSA on a curve other than P-256",
                "1.3.101.113" => "Ed448",
                _ => "unknown",
            };
            format!("{name} (OID {oid}); cargo-cra signs with ECDSA P-256 and Ed25519")
        }
        Err(_) => "the decrypted key is not PKCS#8".into(),
    }
}

impl PublicKey {
    /// Reads a PEM `PUBLIC KEY` (SPKI).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem.trim()) {
            return Ok(PublicKey::P256(k));
        }
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim()) {
            return Ok(PublicKey::Ed25519(k));
        }
        Err(KeyError::Malformed(
            "not a PEM PUBLIC KEY for ECDSA P-256 or Ed25519".into(),
        ))
    }

    /// Reads a DER SPKI public key (ECDSA P-256 or Ed25519).
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::P256(k));
        }
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::Ed25519(k));
        }
        Err(KeyError::Unsupported(
            "public key is neither ECDSA P-256 nor Ed25519".into(),
        ))
    }

    /// The key as DER SPKI.
    pub(crate) fn to_der(&self) -> Vec<u8> {
        match self {
            PublicKey::P256(k) => k.to_public_key_der().expect("encodes").into_vec(),
            PublicKey::Ed25519(k) => k.to_public_key_der().expect("encodes").into_vec(),
        }
    }

    /// The key as PEM `PUBLIC KEY` (SPKI), as cosign writes `cosign.pub`.
    pub fn to_pem(&self) -> String {
        match self {
            PublicKey::P256(k) => k.to_public_key_pem(LineEnding::LF).expect("encodes"),
            PublicKey::Ed25519(k) => k.to_public_key_pem(LineEnding::LF).expect("encodes"),
        }
    }

    /// The key hint written to bundles: base64 of SHA-256 over the DER SPKI.
    pub(crate) fn hint(&self) -> String {
        B64.encode(crate::digest::sha256(&self.to_der()))
    }

    /// Checks `signature` over `message` (ECDSA: DER signature over SHA-256(message)).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        match self {
            PublicKey::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                p256::ecdsa::signature::Verifier::verify(k, message, &sig)
                    .map_err(|_| KeyError::BadSignature)
            }
            PublicKey::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                k.verify_strict(message, &sig)
                    .map_err(|_| KeyError::BadSignature)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real cosign-written keys (see tests/fixtures/third-party/cosign-keys/README.md).
    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/third-party/cosign-keys")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn reads_cosign_keys_and_signs_verifiably() {
        for (file, password, p256) in [
            ("cosign-empty-password.key", "", true),
            ("cosign-password-123.key", "123", true),
            ("ed25519-password-123.key", "123", false),
        ] {
            let key = SigningKey::from_encrypted_pem(&fixture(file), password.as_bytes())
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(matches!(key, SigningKey::P256(_)), p256, "{file}");
            let sig = key.sign(b"hello");
            key.public_key().verify(b"hello", &sig).unwrap();
            assert!(key.public_key().verify(b"hellO", &sig).is_err(), "{file}");
        }
    }

    #[test]
    fn wrong_password_is_reported_as_such() {
        let err = SigningKey::from_encrypted_pem(&fixture("cosign-password-123.key"), b"124");
        assert!(matches!(err, Err(KeyError::WrongPassword)));
    }

    #[test]
    fn generated_keys_round_trip_through_the_encrypted_format() {
        let key = SigningKey::generate_p256();
        let pem = key.to_encrypted_pem(b"s3cret");
        assert!(
            pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"),
            "{pem}"
        );
        let back = SigningKey::from_encrypted_pem(&pem, b"s3cret").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert!(matches!(
            SigningKey::from_encrypted_pem(&pem, b"wrong"),
            Err(KeyError::WrongPassword)
        ));
        let public = PublicKey::from_pem(&key.public_key().to_pem()).unwrap();
        assert_eq!(public, key.public_key());
        public.verify(b"m", &back.sign(b"m")).unwrap();
    }

    /// A generated key's PEM with its scrypt parameters replaced.
    fn with_scrypt(n: u64, r: u32, p: u32) -> String {
        let pem = SigningKey::generate_p256().to_encrypted_pem(b"");
        let (label, body) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        json["kdf"]["params"] = serde_json::json!({ "N": n, "r": r, "p": p });
        pem_rfc7468::encode_string(
            label,
            pem_rfc7468::LineEnding::LF,
            &serde_json::to_vec(&json).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn hostile_scrypt_costs_are_refused_before_deriving() {
        for (n, r, p) in [
            (1 << 16, 1 << 20, 1), // 2 TB of memory
            (1 << 16, 8, 1 << 20), // minutes of work
            (2, 1, 1 << 23),       // little work, 1 GiB for B
            (1 << 30, 8, 1),       // N too large
            (1 << 16, 0, 1),
            (1 << 16, 8, 0),
            (3, 8, 1),
        ] {
            // Deriving with the first two would abort (allocation) or run for minutes.
            let err = SigningKey::from_encrypted_pem(&with_scrypt(n, r, p), b"");
            assert!(
                matches!(err, Err(KeyError::Unsupported(_) | KeyError::Malformed(_))),
                "N={n} r={r} p={p}: {:?}",
                err.err()
            );
        }
        // cosign's own cost still works.
        assert!(SigningKey::from_encrypted_pem(&with_scrypt(1 << 16, 8, 1), b"").is_ok());
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(matches!(
            SigningKey::from_encrypted_pem("hello", b""),
            Err(KeyError::Malformed(_))
        ));
        let other =
            pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, b"x").unwrap();
        let err = SigningKey::from_encrypted_pem(&other, b"")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("ENCRYPTED SIGSTORE PRIVATE KEY"), "{err}");
    }
}
