//! Recipes to images: the library behind `cargo cra compose`.
//!
//! Not implemented yet: image composition is tracked as its own issue (OCI images, then
//! squashfs with dm-verity). This crate exists now so that the workspace layout is stable.
#![forbid(unsafe_code)]
