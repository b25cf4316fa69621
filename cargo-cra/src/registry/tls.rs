//! Whom TLS trusts: the CA file given (`--ca-file`), else the system's CA bundle (where Go's
//! crypto/x509 — and so docker, skopeo and podman — finds it: `SSL_CERT_FILE`, else the
//! distributions' bundle paths), else the Mozilla roots bundled with the binary.

use super::RegistryError;
use std::path::Path;

/// The system CA bundles, as Go's crypto/x509 lists them for Linux (Debian, Fedora/RHEL,
/// openSUSE, RHEL 7+, Alpine).
const SYSTEM_BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// A CA bundle larger than this is refused (the Debian bundle is about 200 KiB).
const BUNDLE_MAX: u64 = 16 << 20;

/// The TLS configuration: trusting `ca_file`'s certificates only, when given; else the
/// system's bundle; else the bundled roots.
pub(super) fn config(ca_file: Option<&Path>) -> Result<ureq::tls::TlsConfig, RegistryError> {
    let certs = match (ca_file, std::env::var_os("SSL_CERT_FILE")) {
        (Some(path), _) => Some(certificates(path)?),
        // Named by the user: unusable is an error, not a quiet fallback.
        (None, Some(file)) if !file.is_empty() => Some(certificates(Path::new(&file))?),
        (None, _) => system_bundle().and_then(|path| certificates(&path).ok()),
    };
    let roots = match certs {
        Some(certs) => ureq::tls::RootCerts::new_with_certs(&certs),
        None => ureq::tls::RootCerts::WebPki,
    };
    Ok(ureq::tls::TlsConfig::builder().root_certs(roots).build())
}

/// The system's CA bundle: the first of the distributions' bundle paths that exists.
fn system_bundle() -> Option<std::path::PathBuf> {
    SYSTEM_BUNDLES
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file())
}

/// The certificates of the PEM file at `path` (at least one).
fn certificates(path: &Path) -> Result<Vec<ureq::tls::Certificate<'static>>, RegistryError> {
    let bad = |message: String| RegistryError::CaFile {
        path: path.display().to_string(),
        message,
    };
    let pem = cra_model::input::read_limited(path, BUNDLE_MAX, "CA file")
        .map_err(|e| bad(e.to_string()))?;
    let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| bad(e.to_string()))?;
    match certs.is_empty() {
        true => Err(bad("no certificate in it".into())),
        false => Ok(certs),
    }
}
