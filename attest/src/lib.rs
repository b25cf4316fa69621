//! Evidence that cargo-cra writes and checks for the EU Cyber Resilience Act.
//!
//! This crate holds what both `cargo cra build` and the image composer need:
//! - [`digest`]: streaming SHA-256/SHA-512 of files and bytes;
//! - [`cyclonedx`]: a strict serde model of the CycloneDX 1.6 JSON we write;
//! - [`persist`]: writing output files crash-safely (temporary file, then rename).
#![forbid(unsafe_code)]

pub mod cyclonedx;
pub mod digest;
pub mod keys;
pub mod persist;
