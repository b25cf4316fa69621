//! Recipes to images: the library behind `cargo cra compose`.
//!
//! - [`recipe`]: the strict recipe format and its validation; [`codec`]: the compression
//!   codecs it names.
//! - [`tree`]: the root filesystem laid out in memory from a recipe.
//! - [`xattrs`]: file capabilities and other extended attributes a recipe sets.
//! - `tarball`, `layer`, `oci` (internal): deterministic tar layers and the OCI image layout.
//! - `image_sbom`, `provenance` (internal): the image's CycloneDX SBOM and SLSA provenance.
//! - [`compose`]: all of it, staged and then renamed into place, optionally signed.
//! - [`base`]: a distribution's package database in a base root filesystem (issue 29, in progress).
#![forbid(unsafe_code)]

pub mod base;
pub mod codec;
pub mod compose;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hardening;
pub(crate) mod image_sbom;
pub(crate) mod layer;
pub(crate) mod oci;
pub(crate) mod ordered;
pub(crate) mod pgzip;
pub mod progress;
pub(crate) mod provenance;
pub mod rauc;
pub mod recipe;
pub mod squashfs;
pub(crate) mod tarball;
pub mod tree;
pub(crate) mod verity;
pub mod xattrs;
