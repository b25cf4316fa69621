//! The commands, one file each. Each orchestrates the layers below it and is the only place
//! that combines them; no layer below uses `ops`.
//!
//! - [`build`]: plan → compile → audit gate → write the binaries' SBOMs and provenance;
//! - [`compose`]: build each app, gate the image, compose it, write its documents;
//! - [`audit`]: build the project (or read the SBOMs given), audit it, write and attest the VEX
//!   documents, and decide the verdict;
//! - [`docs`]: re-verify the evidence's signatures while it is read, then write the CRA
//!   documents;
//! - [`push`]: an image's OCI layout into a registry repository;
//! - [`pull`]: an image and its attached evidence from a registry into an image directory;
//! - [`verify`]: `verify` of a registry reference: pull it aside, then verify it offline.

pub mod audit;
pub mod build;
pub mod compose;
pub mod docs;
pub mod pull;
pub mod push;
pub mod verify;
