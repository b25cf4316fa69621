//! The words cargo-cra's writers and readers share, spelled once: a rename is one edit here.
//!
//! - [`fileset`]: the names of the evidence files beside a binary or an image, how a reader
//!   recognises them, and the predicate types of their attestations;
//! - [`properties`]: every `cargo-cra:*` property name the SBOMs carry;
//! - [`media`]: the media types of what is written (OCI, Sigstore bundles, in-toto);
//! - [`product`]: the CRA product facts a manufacturer declares (`[product]` in a recipe,
//!   `[package.metadata.cra]` in a manifest), as every command reads them;
//! - [`technical_file`]: the technical file's listing, as the verifier reads it;
//! - [`input`]: reading hostile input (regular files only, bounded, never blocking, confined to
//!   a directory; messages quoting it made printable).
//!
//! It depends on no other crate of the workspace.
#![forbid(unsafe_code)]

pub mod fileset;
pub mod input;
pub mod media;
pub mod product;
pub mod properties;
pub mod technical_file;
