//! cargo-cra: ship Rust devices under the EU Cyber Resilience Act.
//!
//! This library is what the `cargo cra` command runs; the binary is a thin clap layer over it.
//! - [`ops::build::run`]: `cargo cra build`, a bit-for-bit reproducible `cargo build` that writes a
//!   CycloneDX 1.7 SBOM of exactly the crates linked into each binary.
//! - [`ops::compose::run`]: `cargo cra compose`, a recipe to a minimal, reproducible OCI image
//!   with its SBOM and provenance.
//! - [`signing`]: `cargo cra keygen`, `sign-blob` and `attest` with cosign-format keys.
//! - [`audit::audit`]: `cargo cra audit`, known vulnerabilities in exactly what ships.
//! - [`ops::docs::run`]: `cargo cra docs`, the CRA technical file and documents from the evidence.
#![forbid(unsafe_code)]

pub mod audit;
pub(crate) mod cargo;
pub(crate) mod config;
pub(crate) mod crate_cache;
pub mod cross;
pub mod docs;
pub(crate) mod embed;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod init;
pub(crate) mod layout;
pub(crate) mod linked;
pub(crate) mod lockfile;
pub mod ops;
pub(crate) mod provenance;
pub mod registry;
pub mod repro;
pub mod request;
pub(crate) mod rustflags;
pub(crate) mod sbom;
pub mod signing;
pub(crate) mod source_date;
pub(crate) mod toolchain;
pub mod ui;
pub(crate) mod units;
pub(crate) mod vendored;
pub mod verifying;
pub(crate) mod warnings;
pub mod wrapper;
