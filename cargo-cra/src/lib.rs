//! cargo-cra: ship Rust devices under the EU Cyber Resilience Act.
//!
//! This library is what the `cargo cra` command runs; the binary is a thin clap layer over it.
//! - [`build::run`]: `cargo cra build`, a bit-for-bit reproducible `cargo build` that writes a
//!   CycloneDX 1.6 SBOM of exactly the crates linked into each binary.
//! - [`composing::run`]: `cargo cra compose`, a recipe to a minimal, reproducible OCI image
//!   with its SBOM and provenance.
//! - [`signing`]: `cargo cra keygen`, `sign-blob` and `attest` with cosign-format keys.
#![forbid(unsafe_code)]

pub mod build;
pub mod cargo;
pub mod composing;
pub mod config;
pub mod crate_cache;
pub mod cross;
pub mod error;
pub mod linked;
pub mod lockfile;
pub mod progress;
pub mod provenance;
pub mod repro;
pub mod request;
pub mod sbom;
pub mod signing;
pub mod source_date;
pub mod toolchain;
pub mod units;
pub mod verifying;
