//! CMS SignedData for RAUC bundles, checked by OpenSSL (`openssl cms -verify`, the code RAUC
//! verifies bundles with): keys and certificates made with openssl, ECDSA P-256/P-384 and RSA.

use cra_attest::cms::CmsSigner;
use std::path::Path;
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (tests/run installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A CA, an intermediate and a leaf whose key is made by `keygen` (openssl genpkey args).
fn pki(dir: &Path, keygen: &[&str], leaf_ext: &str) {
    std::fs::write(
        dir.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    std::fs::write(dir.join("leaf.ext"), leaf_ext).unwrap();
    for name in ["ca", "int", "leaf"] {
        let mut args = vec!["genpkey", "-out"];
        let file = format!("{name}.key");
        args.push(&file);
        args.extend_from_slice(keygen);
        openssl(dir, &args);
    }
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Test CA",
            "-days",
            "30",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "int.key",
            "-subj",
            "/CN=Test Intermediate",
            "-out",
            "int.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "ca.ext",
            "-out",
            "int.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=Update Signer",
            "-out",
            "leaf.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "int.pem",
            "-CAkey",
            "int.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn openssl_verifies_the_signed_data_for_every_key_kind_and_signing_is_deterministic() {
    for keygen in [
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"][..],
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        pki(dir, keygen, "keyUsage=critical,digitalSignature\n");
        let signer = CmsSigner::from_pem(
            &read(dir, "leaf.pem"),
            &read(dir, "leaf.key"),
            &[read(dir, "int.pem")],
            None,
        )
        .unwrap();
        signer.check(now()).unwrap();
        let content = b"[update]\ncompatible=example-gateway\nversion=1.0\n";
        let der = signer.sign_enveloping(content).unwrap();
        assert_eq!(
            der,
            signer.sign_enveloping(content).unwrap(),
            "{keygen:?}: deterministic"
        );
        std::fs::write(dir.join("sig.der"), &der).unwrap();
        // OpenSSL's CMS verification with the default (smimesign) purpose, as RAUC's default.
        let out = openssl(
            dir,
            &[
                "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-CAfile",
                "ca.pem",
            ],
        );
        assert_eq!(out.stdout, content, "{keygen:?}");
        // Another CA does not verify it.
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "int.key",
                "-subj",
                "/CN=Other CA",
                "-days",
                "30",
                "-out",
                "other.pem",
            ],
        );
        let refused = Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "sig.der",
                "-CAfile",
                "other.pem",
            ])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            !refused.status.success(),
            "{keygen:?}: another CA verified it"
        );
    }
}

#[test]
fn unusable_certificates_and_keys_are_refused_before_signing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pki(
        dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "keyUsage=critical,keyEncipherment\n",
    );
    let signer = CmsSigner::from_pem(
        &read(dir, "leaf.pem"),
        &read(dir, "leaf.key"),
        &[read(dir, "int.pem")],
        None,
    )
    .unwrap();
    let err = signer.check(now()).unwrap_err().to_string();
    assert!(err.contains("key usage allows no signatures"), "{err}");
    // Not yet valid / expired.
    let err = signer.check(now() + 400 * 86_400).unwrap_err().to_string();
    assert!(err.contains("not valid now"), "{err}");
    // The key of another certificate.
    let err = CmsSigner::from_pem(&read(dir, "leaf.pem"), &read(dir, "int.key"), &[], None)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not the certificate's key"), "{err}");
    // A chain that is not the leaf's.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pki(
        dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "keyUsage=critical,digitalSignature\n",
    );
    let signer = CmsSigner::from_pem(
        &read(dir, "leaf.pem"),
        &read(dir, "leaf.key"),
        &[read(dir, "ca.pem")],
        None,
    )
    .unwrap();
    let err = signer.check(now()).unwrap_err().to_string();
    assert!(err.contains("is not signed by the intermediate"), "{err}");
    // An extended key usage RAUC refuses.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pki(
        dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    let signer = CmsSigner::from_pem(
        &read(dir, "leaf.pem"),
        &read(dir, "leaf.key"),
        &[read(dir, "int.pem")],
        None,
    )
    .unwrap();
    let err = signer.check(now()).unwrap_err().to_string();
    assert!(err.contains("extended key usage"), "{err}");
}

#[test]
fn an_encrypted_pkcs8_key_is_read_with_its_password_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pki(
        dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "keyUsage=critical,digitalSignature\n",
    );
    // openssl's default PKCS#8 encryption: PBES2, PBKDF2 and AES-256-CBC.
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "leaf.key",
            "-out",
            "leaf.enc.key",
            "-passout",
            "pass:s3cret",
        ],
    );
    let key = read(dir, "leaf.enc.key");
    assert!(cra_attest::cms::is_encrypted(&key));
    let cert = read(dir, "leaf.pem");
    let signer = CmsSigner::from_pem(&cert, &key, &[], Some(b"s3cret")).unwrap();
    assert!(!signer.sign_enveloping(b"manifest").unwrap().is_empty());
    for (password, needle) in [
        (Some(&b"wrong"[..]), "wrong password"),
        (None, "no password"),
    ] {
        let err = CmsSigner::from_pem(&cert, &key, &[], password)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
    // A key whose derivation would take this long is refused before deriving anything.
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "leaf.key",
            "-out",
            "leaf.costly.key",
            "-passout",
            "pass:x",
            "-iter",
            "2000000",
        ],
    );
    let err = CmsSigner::from_pem(&cert, &read(dir, "leaf.costly.key"), &[], Some(b"x"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("PBKDF2 with 2000000 iterations"), "{err}");
}

#[test]
fn verification_follows_only_ca_certificates_to_the_keyring() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pki(
        dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "keyUsage=critical,digitalSignature\n",
    );
    let signer = CmsSigner::from_pem(
        &read(dir, "leaf.pem"),
        &read(dir, "leaf.key"),
        &[read(dir, "int.pem")],
        None,
    )
    .unwrap();
    let der = signer.sign_enveloping(b"manifest").unwrap();
    let keyring = read(dir, "ca.pem");
    let v = cra_attest::cms::verify(&der, None, &keyring, now()).unwrap();
    assert_eq!(v.content.as_deref(), Some(&b"manifest"[..]));
    // The leaf (an end-entity certificate of the CA) signs a "signer" of its own: refused.
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "evil.key",
        ],
    );
    openssl(
        dir,
        &[
            "req", "-new", "-key", "evil.key", "-subj", "/CN=Evil", "-out", "evil.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "evil.csr",
            "-CA",
            "leaf.pem",
            "-CAkey",
            "leaf.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "leaf.ext",
            "-out",
            "evil.pem",
        ],
    );
    let evil = CmsSigner::from_pem(
        &read(dir, "evil.pem"),
        &read(dir, "evil.key"),
        &[read(dir, "leaf.pem"), read(dir, "int.pem")],
        None,
    )
    .unwrap();
    assert!(
        evil.check(now())
            .unwrap_err()
            .to_string()
            .contains("not a CA certificate")
    );
    let forged = evil.sign_enveloping(b"manifest").unwrap();
    let err = cra_attest::cms::verify(&forged, None, &keyring, now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not chain"), "{err}");
    // A year later the certificates have expired: refused.
    let err = cra_attest::cms::verify(&der, None, &keyring, now() + 365 * 86_400)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not valid now"), "{err}");
    // A keyring of another CA refuses it.
    let err = cra_attest::cms::verify(&der, None, &read(dir, "evil.pem"), now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not chain"), "{err}");
}
