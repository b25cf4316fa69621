//! The recipe as written: strict serde structs (unknown keys refused) whose values keep their
//! spans, and the checks the format cannot express. Private to the recipe module, which turns
//! a checked raw recipe into the typed model the composer uses; the JSON schema of the format
//! is generated from these types and their doc comments.

use super::values;
use super::{At, Origin, default_target, normalize_dest};
use crate::xattrs::{self, Xattrs};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use toml::Spanned;

/// A cargo-cra image recipe: what `cargo cra compose` puts in the image, how it runs, and
/// what is written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The image's identity.
    pub image: Image,
    /// Cargo apps built with `cargo cra build` and placed in the image.
    #[serde(default, rename = "app")]
    pub apps: Vec<App>,
    /// Local files copied into the image.
    #[serde(default, rename = "file")]
    pub files: Vec<File>,
    /// Empty directories.
    #[serde(default, rename = "dir")]
    pub dirs: Vec<Dir>,
    /// Symbolic links.
    #[serde(default, rename = "symlink")]
    pub symlinks: Vec<Symlink>,
    /// Hard links: further names for a regular file of the image.
    #[serde(default, rename = "hardlink")]
    pub hardlinks: Vec<Hardlink>,
    /// Users, written to `/etc/passwd` with locked passwords.
    #[serde(default, rename = "user")]
    pub users: Vec<User>,
    /// Groups, written to `/etc/group`.
    #[serde(default, rename = "group")]
    pub groups: Vec<Group>,
    /// How the image runs.
    #[serde(default)]
    pub runtime: Runtime,
    /// What to write.
    #[serde(default)]
    pub output: Output,
    /// `[product]`: who makes it and what it is, for the CRA documents (`cargo cra docs`) —
    /// the keys of `[package.metadata.cra]`.
    #[serde(default)]
    pub product: Option<cra_model::product::RawProduct>,
}

/// `[image]`: name, version, architecture, labels.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Image name (also the output file stem).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Image version (the OCI tag).
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    /// `amd64`, `arm64`, `arm` or `riscv64`.
    #[schemars(with = "String")]
    pub architecture: Spanned<String>,
    /// The source repository's URL, for `org.opencontainers.image.source` (default: the first
    /// app's `package.repository`). Never taken from `git remote`: the image must not depend
    /// on how the repository was cloned.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub source: Option<Spanned<String>>,
    /// OCI config labels.
    #[serde(default = "no_strings")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub labels: Spanned<BTreeMap<String, String>>,
    /// OCI manifest annotations.
    #[serde(default = "no_strings")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub annotations: Spanned<BTreeMap<String, String>>,
    /// Stop when an app or an ELF file put into the image lacks an exploitation mitigation
    /// (PIE or static-pie, full RELRO, a non-executable stack, no writable and executable
    /// segment, no text relocations): before any app is built for files, before anything is
    /// written for apps. As `cargo cra build --deny-weak-binaries` for each app.
    #[serde(default, rename = "deny-weak-binaries")]
    pub deny_weak_binaries: bool,
}

/// `[[app]]`: a binary from a cargo workspace.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The workspace (or package) directory, relative to the recipe.
    #[schemars(with = "PathBuf")]
    pub path: Spanned<PathBuf>,
    /// The package.
    pub package: String,
    /// The binary (default: the package's name).
    #[serde(default)]
    pub bin: Option<String>,
    /// Where in the image.
    #[schemars(with = "String")]
    pub dest: Spanned<String>,
    /// Features to enable.
    #[serde(default)]
    pub features: Vec<String>,
    /// Rust target (default: the static musl target of the image's architecture).
    #[serde(default)]
    pub target: Option<String>,
    /// File mode (default 0o755).
    #[serde(default = "exec_mode")]
    #[schemars(with = "u32")]
    pub mode: Spanned<u32>,
    /// File capabilities granted on exec (`["net_bind_service"]`), as `setcap CAPS=ep` would
    /// set them: how an app that is not root binds a low port. Stored as `security.capability`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub capabilities: Option<Spanned<Vec<String>>>,
    /// Extended attributes with text values (`{ "user.origin" = "factory" }`): names in the
    /// `user.`, `trusted.` or `security.` name spaces. None are set unless declared.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub xattrs: Option<Spanned<BTreeMap<String, String>>>,
    /// Build the app although its directory lies outside the recipe's git repository (or the
    /// recipe's directory outside git); the provenance then says so.
    #[serde(default)]
    pub allow_outside: bool,
}

/// `[[file]]`: a local file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Source, relative to the recipe: a file, or a directory copied recursively (its
    /// directories get mode 0o755, its files `mode`, plus execute bits where the source file is
    /// executable; its symbolic links are kept as links).
    #[schemars(with = "PathBuf")]
    pub source: Spanned<PathBuf>,
    /// Where in the image.
    #[schemars(with = "String")]
    pub dest: Spanned<String>,
    /// File mode (default 0o644).
    #[serde(default = "file_mode")]
    #[schemars(with = "u32")]
    pub mode: Spanned<u32>,
    /// Owner (default 0).
    #[serde(default = "root_id")]
    #[schemars(with = "u32")]
    pub uid: Spanned<u32>,
    /// Group (default 0).
    #[serde(default = "root_id")]
    #[schemars(with = "u32")]
    pub gid: Spanned<u32>,
    /// File capabilities granted on exec, as for `[[app]]` (a file source only).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub capabilities: Option<Spanned<Vec<String>>>,
    /// Extended attributes with text values, as for `[[app]]` (a file source only).
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub xattrs: Option<Spanned<BTreeMap<String, String>>>,
    /// Takes a source that resolves outside the recipe's repository (its git work tree, or the
    /// recipe's directory when it is in none). Off by default, so a recipe cannot pull the
    /// host's files into an image unnoticed; when on, the image SBOM and provenance say so.
    #[serde(default)]
    pub allow_outside: bool,
}

/// `[[dir]]`: an empty directory.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dir {
    /// Where in the image.
    #[schemars(with = "String")]
    pub dest: Spanned<String>,
    /// Mode (default 0o755).
    #[serde(default = "exec_mode")]
    #[schemars(with = "u32")]
    pub mode: Spanned<u32>,
    /// Owner (default 0).
    #[serde(default = "root_id")]
    #[schemars(with = "u32")]
    pub uid: Spanned<u32>,
    /// Group (default 0).
    #[serde(default = "root_id")]
    #[schemars(with = "u32")]
    pub gid: Spanned<u32>,
    /// Extended attributes with text values, as for `[[file]]`.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub xattrs: Option<Spanned<BTreeMap<String, String>>>,
}

/// `[[symlink]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Symlink {
    /// Where in the image.
    #[schemars(with = "String")]
    pub dest: Spanned<String>,
    /// What it points to (stored as written; never followed while writing the image).
    #[schemars(with = "String")]
    pub target: Spanned<String>,
}

/// `[[hardlink]]`: another name for a regular file of the image (an app, a `[[file]]` or a file
/// inside a source directory). Both names share one inode, so they share its mode, owner and
/// content; the file is stored once.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hardlink {
    /// The new name, in the image.
    #[schemars(with = "String")]
    pub dest: Spanned<String>,
    /// The file it names, by its absolute path in the image.
    #[schemars(with = "String")]
    pub target: Spanned<String>,
}

/// `[[user]]`: an account with a locked password.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Login name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// User id.
    #[schemars(with = "u32")]
    pub uid: Spanned<u32>,
    /// Primary group id.
    #[schemars(with = "u32")]
    pub gid: Spanned<u32>,
    /// Home directory (default `/`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub home: Option<Spanned<String>>,
    /// Shell (default `/sbin/nologin`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub shell: Option<Spanned<String>>,
}

/// `[[group]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Group name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Group id.
    #[schemars(with = "u32")]
    pub gid: Spanned<u32>,
}

/// `[runtime]`: the OCI config's process settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// Entrypoint argv (no NUL bytes: an argument is a C string).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub entrypoint: Vec<Spanned<String>>,
    /// Default arguments (no NUL bytes).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cmd: Vec<Spanned<String>>,
    /// Environment.
    #[serde(default = "no_strings")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: Spanned<BTreeMap<String, String>>,
    /// User name or `uid[:gid]` (default: the first declared user).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub user: Option<Spanned<String>>,
    /// Working directory (absolute).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub workdir: Option<Spanned<String>>,
    /// Exposed ports: `"8080/tcp"`, `"53/udp"`, `"9/sctp"`, or `8080` / `"8080"` (TCP); 1 to
    /// 65535.
    #[serde(default)]
    #[schemars(with = "Vec<Port>")]
    pub ports: Vec<Spanned<Port>>,
    /// Stop signal: a name such as `SIGTERM` or `SIGRTMIN+3`, or a number 1 to 64.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub stop_signal: Option<Spanned<String>>,
}

/// `[output]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// An OCI image: a layout directory and/or an archive (`oci-archive`), for container
    /// runtimes and registries.
    #[serde(default)]
    pub oci: Option<OciOutput>,
    /// A read-only squashfs 4.0 image, with a dm-verity hash tree, for a device's root
    /// filesystem.
    #[serde(default)]
    pub squashfs: Option<SquashfsOutput>,
    /// A RAUC update bundle of the squashfs image, CMS-signed with an X.509 certificate.
    #[serde(default)]
    pub rauc: Option<RaucOutput>,
    /// Where `cargo cra compose --push` (given no reference) pushes the OCI image and its
    /// Sigstore bundles.
    #[serde(default)]
    pub registry: Option<RegistryOutput>,
    /// SBOM formats to write, for the image and each app: `"cyclonedx"` (CycloneDX 1.7, always
    /// written), `"spdx2.3"` (`<name>.spdx23.json`) and `"spdx3"` (SPDX 3.0.1 JSON-LD,
    /// `<name>.spdx.json`); with `--sbom-format`, both count.
    #[serde(default, rename = "sbom-formats")]
    pub sbom_formats: Vec<RawSbomFormat>,
}

/// An SBOM format a recipe asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RawSbomFormat {
    /// CycloneDX 1.7 JSON: always written.
    #[serde(rename = "cyclonedx")]
    Cyclonedx,
    /// SPDX 2.3 JSON.
    #[serde(rename = "spdx2.3")]
    Spdx23,
    /// SPDX 3.0.1 JSON-LD.
    #[serde(rename = "spdx3")]
    Spdx3,
}

/// `[output.registry]`: the repository `cargo cra compose --push` pushes to; credentials stay
/// where docker and podman keep them, never in the recipe.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryOutput {
    /// `HOST[:PORT]/REPOSITORY`, such as `registry.example.com/acme/gateway`; the image is
    /// tagged with its version.
    #[schemars(with = "String")]
    pub repository: Spanned<String>,
    /// Tags to set besides the version (such as `stable`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tags: Vec<Spanned<String>>,
}

/// A port as written: a number (TCP) or `PORT[/tcp|udp|sctp]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a port: a number such as 8080, or a string such as \"53/udp\""
)]
pub(crate) enum Port {
    /// `8080`: TCP.
    Number(i64),
    /// `"8080/tcp"`, `"53/udp"`, `"8080"`.
    Spec(String),
}

impl Port {
    /// As `PORT[/protocol]` text.
    fn spec(&self) -> String {
        match self {
            Port::Number(n) => n.to_string(),
            Port::Spec(s) => s.clone(),
        }
    }
}

/// `[output.rauc]`: a RAUC update bundle (`verity` format) holding the squashfs image as a
/// slot image, CMS-signed with an X.509 certificate.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RaucOutput {
    /// RAUC's compatible string: must equal the device's `system.conf` `[system] compatible`.
    #[schemars(with = "String")]
    pub compatible: Spanned<String>,
    /// The slot class the image is installed to (default `rootfs`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub slot: Option<Spanned<String>>,
    /// The signing certificate (PEM X.509, ECDSA P-256/P-384 or RSA), relative to the recipe.
    #[schemars(with = "String")]
    pub cert: Spanned<String>,
    /// Its private key (PEM, unencrypted PKCS#8, SEC1 or PKCS#1), relative to the recipe.
    #[schemars(with = "String")]
    pub key: Spanned<String>,
    /// Intermediate certificates (PEM) from the signing certificate's issuer up, sent with
    /// the signature.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub intermediates: Vec<Spanned<String>>,
    /// `verity` (the default: the bundle is checked block by block while it is installed) or
    /// `plain` (a detached signature over the whole bundle, for devices with RAUC before 1.5).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub format: Option<Spanned<String>>,
}

/// `[output.squashfs]`: a read-only squashfs 4.0 image, with a dm-verity hash tree.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SquashfsOutput {
    /// `zstd` (default), `xz`, `gzip` or `lz4`.
    #[serde(default = "zstd")]
    #[schemars(with = "String")]
    pub compression: Spanned<String>,
    /// Compression level: zstd 1–22 (default 15), xz 0–9 (default 6), gzip 1–9 (default 9);
    /// lz4 has none.
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub level: Option<Spanned<i64>>,
    /// Data block size: a power of two from 4 KiB to 1 MiB (default 128 KiB).
    #[serde(default = "block_size")]
    #[schemars(with = "u64")]
    pub block_size: Spanned<u64>,
    /// Write a dm-verity hash tree (default true).
    #[serde(default = "yes")]
    pub verity: bool,
    /// `append` (the tree after the image, default) or `separate` (`<name>.squashfs.verity`).
    #[serde(default = "append")]
    #[schemars(with = "String")]
    pub verity_layout: Spanned<String>,
}

impl SquashfsOutput {
    /// The compressor this output asks for (validated by `Recipe::validate`).
    pub(crate) fn compressor(
        &self,
    ) -> Result<crate::codec::Compressor, (std::ops::Range<usize>, String)> {
        parse_compression(
            &self.compression,
            self.level.as_ref(),
            crate::codec::Compressor::parse,
        )
    }

    /// The verity tree goes in a separate file.
    pub(crate) fn separate_verity(&self) -> bool {
        self.verity_layout.get_ref() == "separate"
    }
}

/// `[output.oci]`: an OCI image layout directory and/or archive.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OciOutput {
    /// Write the layout directory (default true).
    #[serde(default = "yes")]
    pub layout: bool,
    /// Write a tar of the layout (default false).
    #[serde(default)]
    pub archive: bool,
    /// Layer compression: `gzip` (default) or `zstd`.
    #[serde(default = "gzip")]
    #[schemars(with = "String")]
    pub compression: Spanned<String>,
    /// Compression level: gzip 1–9 (default 5), zstd 1–19 (default 3).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub level: Option<Spanned<i64>>,
}

impl OciOutput {
    /// The layer compression this output asks for (validated by `Recipe::validate`).
    pub(crate) fn layer_compression(
        &self,
    ) -> Result<crate::codec::Compression, (std::ops::Range<usize>, String)> {
        parse_compression(
            &self.compression,
            self.level.as_ref(),
            crate::codec::Compression::parse,
        )
    }
}

impl Default for OciOutput {
    fn default() -> Self {
        OciOutput {
            layout: true,
            archive: false,
            compression: gzip(),
            level: None,
        }
    }
}

/// Parses a compression name and level with `parse`; an error points at the level when the
/// name alone is valid, else at the name.
fn parse_compression<T>(
    name: &Spanned<String>,
    level: Option<&Spanned<i64>>,
    parse: fn(&str, Option<i64>) -> Result<T, String>,
) -> Result<T, (std::ops::Range<usize>, String)> {
    parse(name.get_ref(), level.map(|l| *l.get_ref())).map_err(|m| {
        let span = match level {
            Some(l) if parse(name.get_ref(), None).is_ok() => l.span(),
            _ => name.span(),
        };
        (span, m)
    })
}

/// An entry's extended attributes from its `capabilities` and `xattrs`; an error carries the
/// span of the key at fault.
pub(super) fn entry_xattrs(
    capabilities: &Option<Spanned<Vec<String>>>,
    text: &Option<Spanned<BTreeMap<String, String>>>,
) -> Result<Xattrs, (std::ops::Range<usize>, String)> {
    let mut out = Xattrs::new();
    if let Some(t) = text {
        out = xattrs::from_text(t.get_ref()).map_err(|m| (t.span(), m))?;
    }
    if let Some(c) = capabilities {
        let value = xattrs::capability_value(c.get_ref())
            .map_err(|m| (c.span(), format!("capabilities: {m}")))?;
        out.insert(xattrs::CAPABILITY.into(), value);
    }
    Ok(out)
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            entrypoint: Vec::new(),
            cmd: Vec::new(),
            env: no_strings(),
            user: None,
            workdir: None,
            ports: Vec::new(),
            stop_signal: None,
        }
    }
}

fn no_strings() -> Spanned<BTreeMap<String, String>> {
    Spanned::new(0..0, BTreeMap::new())
}

fn exec_mode() -> Spanned<u32> {
    Spanned::new(0..0, 0o755)
}
fn file_mode() -> Spanned<u32> {
    Spanned::new(0..0, 0o644)
}
fn root_id() -> Spanned<u32> {
    Spanned::new(0..0, 0)
}
fn zstd() -> Spanned<String> {
    Spanned::new(0..0, "zstd".into())
}
fn append() -> Spanned<String> {
    Spanned::new(0..0, "append".into())
}
fn block_size() -> Spanned<u64> {
    Spanned::new(0..0, 128 * 1024)
}
fn yes() -> bool {
    true
}
fn gzip() -> Spanned<String> {
    Spanned::new(0..0, "gzip".into())
}

impl Recipe {
    /// Checks what the format cannot; the error carries the offending value's span.
    pub(crate) fn validate(&self, text: &str) -> Result<(), (std::ops::Range<usize>, String)> {
        let name = &self.image.name;
        values::image_name(name.get_ref()).map_err(|m| (name.span(), m))?;
        let version = &self.image.version;
        values::oci_tag(version.get_ref()).map_err(|m| (version.span(), m))?;
        for (what, map) in [
            ("label", &self.image.labels),
            ("annotation", &self.image.annotations),
        ] {
            for (k, v) in map.get_ref() {
                values::annotation_key(what, k)
                    .and_then(|()| values::one_line(&format!("{what} {k:?} value"), v))
                    .map_err(|m| (map.span(), m))?;
            }
        }
        let arch = &self.image.architecture;
        if default_target(arch.get_ref()).is_none() {
            return Err((
                arch.span(),
                format!(
                    "unknown architecture {:?} (amd64, arm64, arm, riscv64)",
                    arch.get_ref()
                ),
            ));
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut claim = |dest: &Spanned<String>| -> Result<(), (std::ops::Range<usize>, String)> {
            values::image_path("destination", dest.get_ref()).map_err(|m| (dest.span(), m))?;
            let d = normalize_dest(dest.get_ref()).map_err(|m| (dest.span(), m))?;
            if !seen.insert(d.clone()) {
                return Err((dest.span(), format!("{d} is declared twice")));
            }
            Ok(())
        };
        let check_mode =
            |mode: &Spanned<u32>, what: &str| -> Result<(), (std::ops::Range<usize>, String)> {
                let m = *mode.get_ref();
                // Defaults have no span; a written mode must be an octal literal.
                if let Some(literal) = text.get(mode.span()).filter(|l| !l.is_empty()) {
                    values::octal_literal(literal).map_err(|e| (mode.span(), e))?;
                }
                if m > 0o7777 {
                    return Err((
                        mode.span(),
                        format!("{what} mode {m:#o} is not a Unix permission mode"),
                    ));
                }
                if m & 0o6000 != 0 {
                    return Err((
                        mode.span(),
                        format!("{what} mode {m:#o} sets setuid/setgid, which images never get"),
                    ));
                }
                if m & 0o002 != 0 {
                    return Err((mode.span(), format!("{what} mode {m:#o} is world-writable")));
                }
                if what != "directory" && m & !0o777 != 0 {
                    return Err((
                        mode.span(),
                        format!("{what} mode {m:#o} sets the sticky bit, which files never need"),
                    ));
                }
                Ok(())
            };
        let check_id = |id: &Spanned<u32>| -> Result<(), (std::ops::Range<usize>, String)> {
            if *id.get_ref() == u32::MAX {
                return Err((
                    id.span(),
                    "id 4294967295 is reserved (it means \"no id\")".into(),
                ));
            }
            Ok(())
        };
        for a in &self.apps {
            claim(&a.dest)?;
            check_mode(&a.mode, "app")?;
            entry_xattrs(&a.capabilities, &a.xattrs)?;
        }
        for f in &self.files {
            claim(&f.dest)?;
            check_mode(&f.mode, "file")?;
            entry_xattrs(&f.capabilities, &f.xattrs)?;
            check_id(&f.uid)?;
            check_id(&f.gid)?;
        }
        for d in &self.dirs {
            claim(&d.dest)?;
            check_mode(&d.mode, "directory")?;
            entry_xattrs(&None, &d.xattrs)?;
            check_id(&d.uid)?;
            check_id(&d.gid)?;
        }
        for s in &self.symlinks {
            claim(&s.dest)?;
            let t = &s.target;
            if t.get_ref().is_empty() {
                return Err((t.span(), "symlink target is empty".into()));
            }
            values::image_path("symlink target", t.get_ref()).map_err(|m| (t.span(), m))?;
        }
        for h in &self.hardlinks {
            claim(&h.dest)?;
            normalize_dest(h.target.get_ref())
                .map_err(|m| (h.target.span(), format!("hard link target {m}")))?;
        }
        let mut names = BTreeSet::new();
        for u in &self.users {
            check_id(&u.uid)?;
            check_id(&u.gid)?;
            let n = u.name.get_ref();
            values::account_name("user", n).map_err(|m| (u.name.span(), m))?;
            if !names.insert(n.clone()) {
                return Err((u.name.span(), format!("user {n:?} is declared twice")));
            }
            for (what, field) in [("home", &u.home), ("shell", &u.shell)] {
                if let Some(f) = field {
                    values::passwd_path(what, f.get_ref()).map_err(|m| (f.span(), m))?;
                }
            }
        }
        let mut groups = BTreeSet::new();
        for g in &self.groups {
            check_id(&g.gid)?;
            values::account_name("group", g.name.get_ref()).map_err(|m| (g.name.span(), m))?;
            if !groups.insert(g.name.get_ref().clone()) {
                return Err((
                    g.name.span(),
                    format!("group {:?} is declared twice", g.name.get_ref()),
                ));
            }
        }
        if let Some(oci) = &self.output.oci {
            oci.layer_compression()?;
        }
        if let Some(sq) = &self.output.squashfs {
            sq.compressor()?;
            let b = *sq.block_size.get_ref();
            if !b.is_power_of_two() || !(4096..=1 << 20).contains(&b) {
                return Err((
                    sq.block_size.span(),
                    format!("block_size {b}: a power of two from 4096 to 1048576"),
                ));
            }
            if !["append", "separate"].contains(&sq.verity_layout.get_ref().as_str()) {
                return Err((
                    sq.verity_layout.span(),
                    format!(
                        "verity_layout {:?}: append or separate",
                        sq.verity_layout.get_ref()
                    ),
                ));
            }
        }
        if let Some(rauc) = &self.output.rauc {
            let c = &rauc.compatible;
            values::one_line("compatible", c.get_ref()).map_err(|m| (c.span(), m))?;
            if c.get_ref().trim().is_empty() {
                return Err((c.span(), "compatible must not be empty".into()));
            }
            if let Some(slot) = &rauc.slot {
                let ok = !slot.get_ref().is_empty()
                    && slot
                        .get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !ok {
                    return Err((
                        slot.span(),
                        format!(
                            "slot {:?}: a slot class (letters, digits, - and _)",
                            slot.get_ref()
                        ),
                    ));
                }
            }
            if self.output.squashfs.is_none() {
                return Err((
                    c.span(),
                    "[output.rauc] needs [output.squashfs]: the bundle holds the squashfs image"
                        .into(),
                ));
            }
        }
        if let Some(user) = &self.runtime.user {
            let u = user.get_ref();
            match values::numeric_user(u) {
                Some(checked) => checked.map_err(|m| (user.span(), m))?,
                None if names.contains(u) => {}
                None => {
                    return Err((
                        user.span(),
                        format!("runtime user {u:?} is not a declared user nor uid[:gid]"),
                    ));
                }
            }
        }
        let env = &self.runtime.env;
        for (k, v) in env.get_ref() {
            values::env_key(k)
                .and_then(|()| values::one_line(&format!("environment variable {k:?}"), v))
                .map_err(|m| (env.span(), m))?;
        }
        if let Some(source) = &self.image.source {
            values::one_line("image source", source.get_ref()).map_err(|m| (source.span(), m))?;
        }
        let runtime = &self.runtime;
        for arg in runtime.entrypoint.iter().chain(&runtime.cmd) {
            values::argument(arg.get_ref()).map_err(|m| (arg.span(), m))?;
        }
        for port in &runtime.ports {
            values::port(&port.get_ref().spec()).map_err(|m| (port.span(), m))?;
        }
        if let Some(signal) = &runtime.stop_signal {
            values::stop_signal(signal.get_ref()).map_err(|m| (signal.span(), m))?;
        }
        if let Some(w) = &self.runtime.workdir {
            if !w.get_ref().starts_with('/') {
                return Err((
                    w.span(),
                    format!("workdir {:?} is not an absolute path", w.get_ref()),
                ));
            }
            values::image_path("workdir", w.get_ref()).map_err(|m| (w.span(), m))?;
        }
        Ok(())
    }
}

/// A failed check: where, and what.
type Fail = (std::ops::Range<usize>, String);

/// A destination, normalised, keeping its place.
fn dest(d: Spanned<String>) -> Result<At<String>, Fail> {
    let span = d.span();
    normalize_dest(d.get_ref())
        .map(|n| At::new(n, span.clone()))
        .map_err(|m| (span, m))
}

fn inner<T>(v: Vec<Spanned<T>>) -> Vec<T> {
    v.into_iter().map(Spanned::into_inner).collect()
}

/// `8080` → `8080/tcp`; `53/udp` stays.
fn with_protocol(port: &str) -> String {
    match port.contains('/') {
        true => port.to_string(),
        false => format!("{port}/tcp"),
    }
}

impl Recipe {
    /// The typed model of this recipe, once [`Recipe::validate`] passed.
    pub(super) fn into_model(self, origin: Origin) -> Result<super::Recipe, Fail> {
        let image = super::Image {
            name: self.image.name.into(),
            version: self.image.version.into_inner(),
            architecture: self.image.architecture.into_inner(),
            source: self.image.source.map(Spanned::into_inner),
            labels: self.image.labels.into_inner(),
            annotations: self.image.annotations.into_inner(),
            deny_weak_binaries: self.image.deny_weak_binaries,
        };
        let apps = self
            .apps
            .into_iter()
            .map(|a| {
                let xattrs = entry_xattrs(&a.capabilities, &a.xattrs)?;
                Ok(super::App {
                    bin: a.bin.unwrap_or_else(|| a.package.clone()),
                    path: super::At::new(a.path.get_ref().clone(), a.path.span()),
                    allow_outside: a.allow_outside,
                    package: a.package,
                    dest: dest(a.dest)?,
                    features: a.features,
                    target: a.target,
                    mode: a.mode.into_inner(),
                    xattrs,
                })
            })
            .collect::<Result<_, Fail>>()?;
        let files = self
            .files
            .into_iter()
            .map(|f| {
                let xattrs = entry_xattrs(&f.capabilities, &f.xattrs)?;
                let at = f
                    .capabilities
                    .as_ref()
                    .map(|c| c.span())
                    .or_else(|| f.xattrs.as_ref().map(|x| x.span()));
                Ok(super::File {
                    source: f.source.into(),
                    dest: dest(f.dest)?,
                    mode: f.mode.into_inner(),
                    uid: f.uid.into_inner(),
                    gid: f.gid.into_inner(),
                    xattrs: at.map(|span| At::new(xattrs, span)),
                    allow_outside: f.allow_outside,
                })
            })
            .collect::<Result<_, Fail>>()?;
        let dirs = self
            .dirs
            .into_iter()
            .map(|d| {
                Ok(super::Dir {
                    xattrs: entry_xattrs(&None, &d.xattrs)?,
                    dest: dest(d.dest)?,
                    mode: d.mode.into_inner(),
                    uid: d.uid.into_inner(),
                    gid: d.gid.into_inner(),
                })
            })
            .collect::<Result<_, Fail>>()?;
        let symlinks = self
            .symlinks
            .into_iter()
            .map(|s| {
                Ok(super::Symlink {
                    dest: dest(s.dest)?,
                    target: s.target.into_inner(),
                })
            })
            .collect::<Result<_, Fail>>()?;
        let hardlinks = self
            .hardlinks
            .into_iter()
            .map(|h| {
                Ok(super::Hardlink {
                    dest: dest(h.dest)?,
                    target: dest(h.target)?,
                })
            })
            .collect::<Result<_, Fail>>()?;
        let users = self
            .users
            .into_iter()
            .map(|u| super::User {
                name: u.name.into(),
                uid: u.uid.into_inner(),
                gid: u.gid.into_inner(),
                home: u.home.map_or_else(|| "/".into(), Spanned::into_inner),
                shell: u
                    .shell
                    .map_or_else(|| "/sbin/nologin".into(), Spanned::into_inner),
            })
            .collect();
        let groups = self
            .groups
            .into_iter()
            .map(|g| super::Group {
                name: g.name.into(),
                gid: g.gid.into_inner(),
            })
            .collect();
        let r = self.runtime;
        let runtime = super::Runtime {
            entrypoint: inner(r.entrypoint),
            cmd: inner(r.cmd),
            env: r.env.into_inner(),
            user: r.user.map(Spanned::into_inner),
            workdir: r.workdir.map(Spanned::into_inner),
            ports: r
                .ports
                .iter()
                .map(|p| with_protocol(&p.get_ref().spec()))
                .collect(),
            stop_signal: r.stop_signal.map(Spanned::into_inner),
        };
        // Without any output section, the OCI layout is written.
        let oci = match self
            .output
            .oci
            .or_else(|| self.output.squashfs.is_none().then(OciOutput::default))
        {
            Some(o) => Some(super::OciOutput {
                layout: o.layout,
                archive: o.archive,
                compression: o.layer_compression()?,
            }),
            None => None,
        };
        let registry = match self.output.registry {
            Some(r) if oci.is_none() => {
                return Err((
                    r.repository.span(),
                    "[output.registry] pushes the OCI image: add [output.oci]".into(),
                ));
            }
            Some(r) => Some(super::RegistryOutput {
                repository: r.repository.into(),
                tags: r.tags.into_iter().map(At::from).collect(),
            }),
            None => None,
        };
        let squashfs = match self.output.squashfs {
            Some(sq) => Some(super::SquashfsOutput {
                compressor: sq.compressor()?,
                block_size: *sq.block_size.get_ref() as u32,
                verity: sq.verity.then(|| match sq.separate_verity() {
                    true => super::VerityLayout::Separate,
                    false => super::VerityLayout::Append,
                }),
            }),
            None => None,
        };
        let product = match self.product {
            None => cra_model::product::Product::default(),
            Some(p) => cra_model::product::Product::from_raw(p, &origin.base_dir())
                .map_err(|e| (e.span, e.message))?,
        };
        Ok(super::Recipe {
            image,
            product,
            apps,
            files,
            dirs,
            symlinks,
            hardlinks,
            users,
            groups,
            runtime,
            output: super::Output {
                oci,
                squashfs,
                rauc: self.output.rauc.map(|r| super::RaucOutput {
                    compatible: r.compatible.into_inner(),
                    slot: r.slot.map_or_else(|| "rootfs".into(), Spanned::into_inner),
                    cert: r.cert.into(),
                    key: r.key.into(),
                    intermediates: r.intermediates.into_iter().map(At::from).collect(),
                    plain: r.format.is_some_and(|f| f.get_ref() == "plain"),
                }),
                registry,
                sbom_formats: self
                    .output
                    .sbom_formats
                    .iter()
                    .filter_map(|f| match f {
                        RawSbomFormat::Cyclonedx => None,
                        RawSbomFormat::Spdx23 => Some(cra_attest::evidence::OtherSbom::Spdx23),
                        RawSbomFormat::Spdx3 => Some(cra_attest::evidence::OtherSbom::Spdx3),
                    })
                    .collect(),
            },
            origin,
        })
    }
}
