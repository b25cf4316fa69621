//! Every algorithm of Sigstore's registry verifies — certificate chains (Fulcio, TSA), log keys
//! (Rekor, CT) and managed keys — with keys and certificates made here by OpenSSL, a peer
//! nobody here wrote; and what the registry does not allow is refused in one line naming it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cra_attest::sigstore::algorithm::VerifyingKey;
use cra_attest::sigstore::trust::TrustedRoot;
use cra_attest::sigstore::verify::{Artifact, Policy, verify_bundle};
use cra_attest::sigstore::verify::{Cert, verify_chain};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How OpenSSL makes a key, and signs with it.
struct Alg {
    name: &'static str,
    /// `openssl genpkey` options.
    genpkey: &'static [&'static str],
    /// Digest and signature options for `openssl req`/`x509`/`dgst` (none for Ed25519).
    sign: &'static [&'static str],
    /// The trusted root's `keyDetails` for a log with this key.
    details: &'static str,
}

const ALGORITHMS: &[Alg] = &[
    Alg {
        name: "ECDSA P-256",
        genpkey: &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        sign: &["-sha256"],
        details: "PKIX_ECDSA_P256_SHA_256",
    },
    Alg {
        name: "ECDSA P-384",
        genpkey: &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        sign: &["-sha384"],
        details: "PKIX_ECDSA_P384_SHA_384",
    },
    Alg {
        name: "ECDSA P-521",
        genpkey: &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
        sign: &["-sha512"],
        details: "PKIX_ECDSA_P521_SHA_512",
    },
    Alg {
        name: "RSA 2048 PKCS#1 v1.5",
        genpkey: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        sign: &["-sha256"],
        details: "PKIX_RSA_PKCS1V15_2048_SHA256",
    },
    Alg {
        name: "RSA 3072 PKCS#1 v1.5",
        genpkey: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
        sign: &["-sha256"],
        details: "PKIX_RSA_PKCS1V15_3072_SHA256",
    },
    Alg {
        name: "RSA 4096 PKCS#1 v1.5",
        genpkey: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
        sign: &["-sha256"],
        details: "PKIX_RSA_PKCS1V15_4096_SHA256",
    },
    Alg {
        name: "RSA 2048 PSS",
        genpkey: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        sign: &[
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ],
        details: "PKIX_RSA_PSS_2048_SHA256",
    },
    Alg {
        name: "RSA 3072 PSS",
        genpkey: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
        sign: &[
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ],
        details: "PKIX_RSA_PSS_3072_SHA256",
    },
    Alg {
        name: "RSA 4096 PSS",
        genpkey: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
        sign: &[
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ],
        details: "PKIX_RSA_PSS_4096_SHA256",
    },
    Alg {
        name: "Ed25519",
        genpkey: &["-algorithm", "ED25519"],
        sign: &[],
        details: "PKIX_ED25519",
    },
];

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed to make this test's keys (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a leaf it issued, both with `alg`'s keys and signatures; and the leaf key's
/// signature over `message`. Returns (ca DER, leaf DER, leaf public key PEM, signature).
fn make(dir: &Path, alg: &Alg, message: &[u8]) -> (Vec<u8>, Vec<u8>, String, Vec<u8>) {
    for k in ["ca.key", "leaf.key"] {
        let mut a = vec!["genpkey", "-out", k];
        a.extend_from_slice(alg.genpkey);
        openssl(dir, &a);
    }
    let mut a = vec![
        "req",
        "-x509",
        "-new",
        "-key",
        "ca.key",
        "-subj",
        "/O=test/CN=ca",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
        "-out",
        "ca.pem",
    ];
    a.extend_from_slice(alg.sign);
    openssl(dir, &a);
    openssl(
        dir,
        &[
            "req", "-new", "-key", "leaf.key", "-subj", "/CN=leaf", "-out", "leaf.csr",
        ],
    );
    // The leaf may also serve as a timestamp authority (RFC 3161 §2.3).
    std::fs::write(
        dir.join("leaf.ext"),
        "extendedKeyUsage = critical, timeStamping\n",
    )
    .unwrap();
    let mut a = vec![
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "10",
        "-extfile", "leaf.ext", "-out", "leaf.pem",
    ];
    a.extend_from_slice(alg.sign);
    openssl(dir, &a);
    for (pem, der) in [("ca.pem", "ca.der"), ("leaf.pem", "leaf.der")] {
        openssl(dir, &["x509", "-in", pem, "-outform", "DER", "-out", der]);
    }
    openssl(
        dir,
        &["pkey", "-in", "leaf.key", "-pubout", "-out", "leaf.pub"],
    );
    std::fs::write(dir.join("message"), message).unwrap();
    if alg.sign.is_empty() {
        openssl(
            dir,
            &[
                "pkeyutl", "-sign", "-rawin", "-inkey", "leaf.key", "-in", "message", "-out", "sig",
            ],
        );
    } else {
        let mut a = vec!["dgst", "-sign", "leaf.key", "-out", "sig"];
        a.extend_from_slice(alg.sign);
        a.push("message");
        openssl(dir, &a);
    }
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    (
        read("ca.der"),
        read("leaf.der"),
        String::from_utf8(read("leaf.pub")).unwrap(),
        read("sig"),
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A trusted root with `ca` as its one certificate authority and the leaf key as a log key.
fn root(ca: &[u8], log_key_der: &[u8], details: &str) -> TrustedRoot {
    let log_id = B64.encode(cra_attest::digest::sha256(log_key_der));
    serde_json::from_value(serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{
            "baseUrl": "https://log.example",
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": B64.encode(log_key_der),
                "keyDetails": details,
                "validFor": { "start": "2020-01-01T00:00:00Z" }
            },
            "logId": { "keyId": log_id }
        }],
        "certificateAuthorities": [{
            "subject": { "organization": "test", "commonName": "ca" },
            "uri": "https://ca.example",
            "certChain": { "certificates": [{ "rawBytes": B64.encode(ca) }] },
            "validFor": { "start": "2020-01-01T00:00:00Z" }
        }]
    }))
    .unwrap()
}

/// A key-signed bundle over an artefact, as cosign writes for a managed key (no log entry).
fn key_bundle(artifact: &[u8], sig: &[u8], key_der: &[u8]) -> String {
    serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "publicKey": { "hint": B64.encode(cra_attest::digest::sha256(key_der)) }
        },
        "messageSignature": {
            "messageDigest": {
                "algorithm": "SHA2_256",
                "digest": B64.encode(cra_attest::digest::sha256(artifact))
            },
            "signature": B64.encode(sig)
        }
    })
    .to_string()
}

#[test]
fn every_registry_algorithm_verifies_as_chain_log_key_and_managed_key() {
    let message = b"firmware 1.2.3\n".as_slice();
    for alg in ALGORITHMS {
        let tmp = tempfile::tempdir().unwrap();
        let (ca, leaf, leaf_pub, sig) = make(tmp.path(), alg, message);
        let key = VerifyingKey::from_pem(&leaf_pub).unwrap_or_else(|e| panic!("{}: {e}", alg.name));
        let name = alg.name;

        // A certificate chain (Fulcio, or a TSA's).
        let root = root(&ca, key.to_der(), alg.details);
        let leaf_cert = Cert::from_der(&leaf).unwrap();
        let chain = verify_chain(&leaf_cert, &root, now())
            .unwrap_or_else(|e| panic!("{name}: the chain does not verify: {e}"));
        assert_eq!(chain.len(), 1, "{name}");
        // A certificate whose signature is damaged does not chain.
        let mut damaged = leaf.clone();
        let last = damaged.len() - 3;
        damaged[last] ^= 1;
        let damaged = Cert::from_der(&damaged).unwrap();
        assert!(verify_chain(&damaged, &root, now()).is_err(), "{name}");

        // A log key, with the scheme its keyDetails fix (Rekor SETs and checkpoints).
        let log_key = root.tlogs[0]
            .key()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(log_key.verify(message, &sig), "{name}: log key");
        assert!(
            !log_key.verify(b"firmware 1.2.4\n", &sig),
            "{name}: log key, other message"
        );

        // A managed key given with --key: a bundle over the artefact.
        let bundle = key_bundle(message, &sig, key.to_der());
        let artifact = Artifact {
            sha256: cra_attest::digest::sha256(message),
            bytes: Some(message.to_vec()),
        };
        let policy = Policy::Key(key.clone());
        verify_bundle(bundle.as_bytes(), &artifact, &policy, &root, now())
            .unwrap_or_else(|e| panic!("{name}: the bundle does not verify: {e}"));
        let other = Artifact {
            sha256: cra_attest::digest::sha256(b"other"),
            bytes: Some(b"other".to_vec()),
        };
        assert!(
            verify_bundle(bundle.as_bytes(), &other, &policy, &root, now()).is_err(),
            "{name}"
        );
    }
}

#[test]
fn a_log_key_accepts_only_the_scheme_its_key_details_name() {
    let tmp = tempfile::tempdir().unwrap();
    let pss = &ALGORITHMS[6];
    let (ca, _, leaf_pub, pss_sig) = make(tmp.path(), pss, b"m");
    let key = VerifyingKey::from_pem(&leaf_pub).unwrap();
    // The same RSA key pinned to PKCS#1 v1.5 refuses its PSS signature.
    let pinned = root(&ca, key.to_der(), "PKIX_RSA_PKCS1V15_2048_SHA256");
    assert!(!pinned.tlogs[0].key().unwrap().verify(b"m", &pss_sig));
    // Key details of another algorithm than the key's are refused when the root is read.
    let wrong = root(&ca, key.to_der(), "PKIX_ECDSA_P256_SHA_256");
    let e = wrong.tlogs[0].key().unwrap_err().to_string();
    assert!(e.contains("RSA 2048"), "{e}");
}

#[test]
fn algorithms_sigstore_does_not_allow_are_refused_naming_them() {
    for (make_key, needle) in [
        (
            &[
                "genpkey",
                "-out",
                "k",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:1024",
            ][..],
            "RSA key of 1024 bits",
        ),
        (
            &[
                "genpkey",
                "-out",
                "k",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:secp256k1",
            ],
            "secp256k1",
        ),
        (&["genpkey", "-out", "k", "-algorithm", "ED448"], "Ed448"),
        (&["dsaparam", "-genkey", "-out", "k", "2048"], "DSA"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        openssl(tmp.path(), make_key);
        openssl(
            tmp.path(),
            &["pkey", "-in", "k", "-pubout", "-out", "k.pub"],
        );
        let pem = std::fs::read_to_string(tmp.path().join("k.pub")).unwrap();
        let e = VerifyingKey::from_pem(&pem).unwrap_err().to_string();
        assert!(e.starts_with("unsupported algorithm: "), "{e}");
        assert!(e.contains(needle), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    // A certificate signed with SHA-1 is refused naming it.
    let tmp = tempfile::tempdir().unwrap();
    let alg = Alg {
        name: "RSA 2048 with SHA-1",
        genpkey: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        sign: &["-sha1"],
        details: "PKIX_RSA_PKCS1V15_2048_SHA256",
    };
    let (ca, leaf, _, _) = make(tmp.path(), &alg, b"m");
    let root = root(&ca, &leaf_key_der(tmp.path()), alg.details);
    let e = verify_chain(&Cert::from_der(&leaf).unwrap(), &root, now())
        .unwrap_err()
        .to_string();
    assert!(e.contains("RSA with SHA-1"), "{e}");
}

fn leaf_key_der(dir: &Path) -> Vec<u8> {
    openssl(
        dir,
        &[
            "pkey",
            "-pubin",
            "-in",
            "leaf.pub",
            "-outform",
            "DER",
            "-out",
            "leaf.pub.der",
        ],
    );
    std::fs::read(PathBuf::from(dir).join("leaf.pub.der")).unwrap()
}

/// OpenSSL's own timestamp authority configuration, signing with the leaf of [`make`].
const TSA_CONFIG: &str = "[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = .
serial = ./serial
crypto_device = builtin
signer_cert = ./leaf.pem
certs = ./ca.pem
signer_key = ./leaf.key
signer_digest = SIGNER_DIGEST
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
";

#[test]
fn rfc3161_timestamps_signed_with_every_algorithm_openssl_ts_supports_verify() {
    // `openssl ts` signs CMS with ECDSA and RSA PKCS#1 v1.5 (it has no PSS or Ed25519 option).
    for alg in ALGORITHMS
        .iter()
        .filter(|a| !a.name.contains("PSS") && a.name != "Ed25519")
    {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let (ca, leaf, _, signature) = make(dir, alg, b"the artefact");
        let digest = alg.sign[0].trim_start_matches('-');
        std::fs::write(
            dir.join("tsa.cnf"),
            TSA_CONFIG.replace("SIGNER_DIGEST", digest),
        )
        .unwrap();
        std::fs::write(dir.join("serial"), "01\n").unwrap();
        openssl(
            dir,
            &[
                "ts", "-query", "-data", "sig", "-sha256", "-cert", "-out", "q.tsq",
            ],
        );
        openssl(
            dir,
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-queryfile",
                "q.tsq",
                "-out",
                "r.tsr",
            ],
        );
        let response = B64.encode(std::fs::read(dir.join("r.tsr")).unwrap());
        let mut trusted = root(&ca, &leaf_key_der(dir), alg.details);
        trusted.timestamp_authorities = vec![
            serde_json::from_value(serde_json::json!({
                "subject": { "organization": "test", "commonName": "tsa" },
                "uri": "https://tsa.example",
                "certChain": { "certificates": [
                    { "rawBytes": B64.encode(&leaf) }, { "rawBytes": B64.encode(&ca) }
                ] },
                "validFor": { "start": "2020-01-01T00:00:00Z" }
            }))
            .unwrap(),
        ];
        let name = alg.name;
        let t = cra_attest::sigstore::verify::verify_timestamp(&response, &signature, &trusted)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!((t - now()).abs() < 600, "{name}: {t}");
        // The same token does not vouch for another signature.
        assert!(
            cra_attest::sigstore::verify::verify_timestamp(&response, b"other", &trusted).is_err(),
            "{name}"
        );
    }
}
