//! Evidence that cargo-cra writes and checks for the EU Cyber Resilience Act — the library
//! `cargo cra build`, the image composer and `cargo cra verify` share. By concern:
//!
//! - [`evidence`]: the documents — CycloneDX 1.7 SBOMs ([`evidence::cyclonedx`]), in-toto
//!   statements ([`evidence::intoto`]), SLSA Provenance v1 ([`evidence::slsa`]) and the git
//!   state they record ([`evidence::source`]);
//! - [`sigstore`]: signing and verifying them — the bundle, trusted-root and signing-config
//!   formats, cosign keys, every signature algorithm Sigstore allows, signing with a key or
//!   keyless, offline verification; the services (Fulcio, Rekor, OIDC) stay inside;
//! - [`digest`], [`persist`]: streaming SHA-256/SHA-512 and crash-safe output (temporary
//!   file, then rename).
//!
//! The file names, property names and predicate types it shares with the writers and readers,
//! and the reading of hostile input, are in `cra-model`.
//!
//! Signing is built on RustCrypto rather than the `sigstore` crate: sigstore 0.15 cannot write
//! key-based v0.3 bundles, has no DSSE signing, and allows keyless signing only against the
//! public-good instance.
#![forbid(unsafe_code)]

pub mod cms;
pub mod digest;
pub mod evidence;
#[doc(hidden)]
pub mod fuzzing;
pub mod persist;
pub mod sigstore;

/// Helpers for tests that read the third-party conformance vectors
/// (`tests/fixtures/third-party/sigstore-bundles`).
#[cfg(test)]
pub(crate) mod conformance {
    use crate::sigstore::bundle::Bundle;
    use crate::sigstore::trust::TrustedRoot;
    use std::path::PathBuf;

    /// The vectors' directory.
    pub fn fixtures() -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/third-party/sigstore-bundles")
    }

    /// A case's bundle and trusted root (its own, else the public-good root).
    pub fn case(name: &str) -> (Bundle, TrustedRoot) {
        let dir = fixtures().join("cases").join(name);
        let bundle: Bundle =
            serde_json::from_slice(&std::fs::read(dir.join("bundle.sigstore.json")).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        let root = dir.join("trusted_root.json");
        let root = if root.exists() {
            root
        } else {
            fixtures().join("public-good-trusted-root.json")
        };
        (
            bundle,
            TrustedRoot::from_json(&std::fs::read(root).unwrap()).unwrap(),
        )
    }
}
