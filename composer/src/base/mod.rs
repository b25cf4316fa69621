//! A trusted OS base under an image (issue 29): what a distribution's package database says
//! is installed, read from hostile bytes.
//!
//! - [`apk`]: installed packages from Alpine's `lib/apk/db/installed`.
//! - [`deb822`]: the paragraph format of dpkg's and opkg's status files.
//! - [`dep5`]: a Debian package's licences from its machine-readable copyright file.
//! - [`layers`]: a root filesystem from tar layers with OCI whiteouts, assembled logically.
//! - [`dpkg`]: installed packages from `var/lib/dpkg/status`.
//! - [`version`]: dpkg's version ordering, which OSV's Debian ranges use.

pub mod apk;
pub mod deb822;
pub mod dep5;
pub mod dpkg;
pub mod layers;
pub mod version;
