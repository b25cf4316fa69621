//! Evidence that cargo-cra writes and checks for the EU Cyber Resilience Act.
//!
//! This crate holds what both `cargo cra build` and the image composer need:
//! - [`digest`]: streaming SHA-256/SHA-512 of files and bytes;
//! - [`fileset`]: the names of the evidence files and the predicate types, for writers and
//!   the verifier;
//! - [`cyclonedx`]: a strict serde model of the CycloneDX 1.6 JSON we write;
//! - [`persist`]: writing output files crash-safely (temporary file, then rename);
//! - [`input`]: reading hostile inputs: regular files only, bounded, never blocking;
//! - [`keys`]: cosign-format signing keys (ECDSA P-256, Ed25519);
//! - [`algorithm`]: verifying every signature algorithm Sigstore allows (ECDSA P-256/384/521,
//!   RSA PKCS#1 v1.5 and PSS 2048–4096, Ed25519);
//! - [`intoto`], [`bundle`]: in-toto statements, DSSE and Sigstore bundles;
//! - [`sign`]: key-based signing of blobs and statements;
//! - [`slsa`]: SLSA Provenance v1 and build-platform detection;
//! - [`trust`], [`tlog`]: trusted roots and transparency-log evidence (inclusion proofs,
//!   checkpoints, signed entry timestamps);
//! - [`http`], [`rekor`]: talking to Sigstore services.
//!
//! Signing is built on RustCrypto rather than the `sigstore` crate: sigstore 0.15 cannot write
//! key-based v0.3 bundles, has no DSSE signing, and allows keyless signing only against the
//! public-good instance.
#![forbid(unsafe_code)]

pub mod algorithm;
pub mod bundle;
pub mod certs;
pub mod cyclonedx;
pub mod digest;
pub mod entry_body;
pub mod fileset;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod input;
pub mod intoto;
pub mod keyless;
pub mod keys;
pub mod oidc;
pub mod persist;
pub mod rekor;
pub mod sign;
pub mod signing_config;
pub mod slsa;
pub mod source;
pub mod tlog;
pub mod trust;
pub mod tsa;
pub mod verify;

/// Helpers for tests that read the team's third-party conformance vectors
/// (`../shared/fixtures/sigstore-bundles`, beside the repository).
#[cfg(test)]
pub(crate) mod conformance {
    use crate::bundle::Bundle;
    use crate::trust::TrustedRoot;
    use std::path::PathBuf;

    /// The vectors' directory.
    pub fn fixtures() -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/sigstore-bundles")
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
