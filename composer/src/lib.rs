//! Recipes to images: the library behind `cargo cra compose`.
//!
//! So far: [`recipe`], the strict recipe format with its validation. Image writing (OCI, then
//! squashfs with dm-verity) comes next.
#![forbid(unsafe_code)]

pub mod recipe;
