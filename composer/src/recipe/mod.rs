//! Image recipes: strict TOML that declares an image's contents, runtime and outputs.
//!
//! Unknown keys and wrong types are errors naming the file, line and column. After parsing,
//! [`Recipe::validate`] enforces what the format cannot: destinations are absolute, normalised
//! and unique; nothing escapes the image root; modes and ids are in range; no setuid/setgid or
//! world-writable entries; architectures are known. There is no field for a password hash, and
//! unknown keys are refused, so none can be smuggled in.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

use crate::xattrs::{self, Xattrs};

mod values;

/// The largest recipe read (a recipe is a few kilobytes of TOML).
pub const RECIPE_MAX: u64 = 1 << 20;

/// A recipe error: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RecipeError {
    /// The recipe file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A whole recipe.
#[derive(Debug, Clone, Deserialize)]
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
    /// Where the recipe was read from (set by [`Recipe::parse`]).
    #[serde(skip)]
    pub origin: Origin,
}

/// The file a recipe was read from and its text, to turn value spans into `file:line:column`.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The recipe file as given.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl Recipe {
    /// An error about the value at `span` (a [`Spanned`] value's span) in this recipe.
    pub fn error_at(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> RecipeError {
        let (line, column) = line_col(&self.origin.text, span.start);
        RecipeError {
            file: self.origin.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The recipe's file name (no directories: nothing of the machine's layout).
    pub fn file_name(&self) -> String {
        self.origin
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The directory relative paths in the recipe start from.
    pub fn base_dir(&self) -> PathBuf {
        match self.origin.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The directory every `[[file]]` source must resolve into (unless it sets
    /// `allow_outside`): the git work tree holding the recipe, else the recipe's directory; with
    /// symbolic links resolved.
    pub fn source_root(&self) -> Result<PathBuf, RecipeError> {
        let base = self.base_dir();
        let dir = cra_attest::evidence::source::work_tree(&base).unwrap_or(base);
        std::fs::canonicalize(&dir).map_err(|e| RecipeError {
            file: self.origin.path.clone(),
            line: 1,
            column: 1,
            message: format!("recipe directory {}: {e}", dir.display()),
        })
    }

    /// The user the image runs as: the runtime user (a name is resolved to `uid:gid`), else the
    /// first declared user, else `None` (root).
    pub fn run_as(&self) -> Option<String> {
        let by_name = |n: &str| {
            self.users
                .iter()
                .find(|u| u.name.get_ref() == n)
                .map(|u| format!("{}:{}", u.uid.get_ref(), u.gid.get_ref()))
        };
        match &self.runtime.user {
            Some(u) => by_name(u.get_ref()).or_else(|| Some(u.get_ref().clone())),
            None => self.users.first().and_then(|u| by_name(u.name.get_ref())),
        }
    }
}

/// `[image]`: name, version, architecture, labels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Image name (also the output file stem).
    pub name: Spanned<String>,
    /// Image version (the OCI tag).
    pub version: Spanned<String>,
    /// `amd64`, `arm64`, `arm` or `riscv64`.
    pub architecture: Spanned<String>,
    /// The source repository's URL, for `org.opencontainers.image.source` (default: the first
    /// app's `package.repository`). Never taken from `git remote`: the image must not depend
    /// on how the repository was cloned.
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// OCI config labels.
    #[serde(default = "no_strings")]
    pub labels: Spanned<BTreeMap<String, String>>,
    /// OCI manifest annotations.
    #[serde(default = "no_strings")]
    pub annotations: Spanned<BTreeMap<String, String>>,
}

/// `[[app]]`: a binary from a cargo workspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The workspace (or package) directory, relative to the recipe.
    pub path: Spanned<PathBuf>,
    /// The package.
    pub package: String,
    /// The binary (default: the package's name).
    #[serde(default)]
    pub bin: Option<String>,
    /// Where in the image.
    pub dest: Spanned<String>,
    /// Features to enable.
    #[serde(default)]
    pub features: Vec<String>,
    /// Rust target (default: the static musl target of the image's architecture).
    #[serde(default)]
    pub target: Option<String>,
    /// File mode (default 0o755).
    #[serde(default = "exec_mode")]
    pub mode: Spanned<u32>,
    /// File capabilities granted on exec (`["net_bind_service"]`), as `setcap CAPS=ep` would
    /// set them: how an app that is not root binds a low port. Stored as `security.capability`.
    #[serde(default)]
    pub capabilities: Option<Spanned<Vec<String>>>,
    /// Extended attributes with text values (`{ "user.origin" = "factory" }`): names in the
    /// `user.`, `trusted.` or `security.` name spaces. None are set unless declared.
    #[serde(default)]
    pub xattrs: Option<Spanned<BTreeMap<String, String>>>,
}

/// `[[file]]`: a local file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Source, relative to the recipe: a file, or a directory copied recursively (its
    /// directories get mode 0o755, its files `mode`, plus execute bits where the source file is
    /// executable; its symbolic links are kept as links).
    pub source: Spanned<PathBuf>,
    /// Where in the image.
    pub dest: Spanned<String>,
    /// File mode (default 0o644).
    #[serde(default = "file_mode")]
    pub mode: Spanned<u32>,
    /// Owner (default 0).
    #[serde(default = "root_id")]
    pub uid: Spanned<u32>,
    /// Group (default 0).
    #[serde(default = "root_id")]
    pub gid: Spanned<u32>,
    /// File capabilities granted on exec, as for `[[app]]` (a file source only).
    #[serde(default)]
    pub capabilities: Option<Spanned<Vec<String>>>,
    /// Extended attributes with text values, as for `[[app]]` (a file source only).
    #[serde(default)]
    pub xattrs: Option<Spanned<BTreeMap<String, String>>>,
    /// Takes a source that resolves outside the recipe's repository (its git work tree, or the
    /// recipe's directory when it is in none). Off by default, so a recipe cannot pull the
    /// host's files into an image unnoticed; when on, the image SBOM and provenance say so.
    #[serde(default)]
    pub allow_outside: bool,
}

/// `[[dir]]`: an empty directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dir {
    /// Where in the image.
    pub dest: Spanned<String>,
    /// Mode (default 0o755).
    #[serde(default = "exec_mode")]
    pub mode: Spanned<u32>,
    /// Owner (default 0).
    #[serde(default = "root_id")]
    pub uid: Spanned<u32>,
    /// Group (default 0).
    #[serde(default = "root_id")]
    pub gid: Spanned<u32>,
    /// Extended attributes with text values, as for `[[file]]`.
    #[serde(default)]
    pub xattrs: Option<Spanned<BTreeMap<String, String>>>,
}

/// `[[symlink]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Symlink {
    /// Where in the image.
    pub dest: Spanned<String>,
    /// What it points to (stored as written; never followed while writing the image).
    pub target: Spanned<String>,
}

/// `[[hardlink]]`: another name for a regular file of the image (an app, a `[[file]]` or a file
/// inside a source directory). Both names share one inode, so they share its mode, owner and
/// content; the file is stored once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hardlink {
    /// The new name, in the image.
    pub dest: Spanned<String>,
    /// The file it names, by its absolute path in the image.
    pub target: Spanned<String>,
}

/// `[[user]]`: an account with a locked password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Login name.
    pub name: Spanned<String>,
    /// User id.
    pub uid: Spanned<u32>,
    /// Primary group id.
    pub gid: Spanned<u32>,
    /// Home directory (default `/`).
    #[serde(default)]
    pub home: Option<Spanned<String>>,
    /// Shell (default `/sbin/nologin`).
    #[serde(default)]
    pub shell: Option<Spanned<String>>,
}

/// `[[group]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Group name.
    pub name: Spanned<String>,
    /// Group id.
    pub gid: Spanned<u32>,
}

/// `[runtime]`: the OCI config's process settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// Entrypoint argv (no NUL bytes: an argument is a C string).
    #[serde(default)]
    pub entrypoint: Vec<Spanned<String>>,
    /// Default arguments (no NUL bytes).
    #[serde(default)]
    pub cmd: Vec<Spanned<String>>,
    /// Environment.
    #[serde(default = "no_strings")]
    pub env: Spanned<BTreeMap<String, String>>,
    /// User name or `uid[:gid]` (default: the first declared user).
    #[serde(default)]
    pub user: Option<Spanned<String>>,
    /// Working directory (absolute).
    #[serde(default)]
    pub workdir: Option<Spanned<String>>,
    /// Exposed ports: `8080/tcp`, `53/udp`, `9/sctp`, or `8080` (TCP); 1 to 65535.
    #[serde(default)]
    pub ports: Vec<Spanned<String>>,
    /// Stop signal: a name such as `SIGTERM` or `SIGRTMIN+3`, or a number 1 to 64.
    #[serde(default)]
    pub stop_signal: Option<Spanned<String>>,
}

/// `[output]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// `[output.oci]`.
    #[serde(default)]
    pub oci: Option<OciOutput>,
    /// `[output.squashfs]`.
    #[serde(default)]
    pub squashfs: Option<SquashfsOutput>,
}

/// `[output.squashfs]`: a read-only squashfs 4.0 image, with a dm-verity hash tree.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SquashfsOutput {
    /// `zstd` (default), `xz`, `gzip` or `lz4`.
    #[serde(default = "zstd")]
    pub compression: Spanned<String>,
    /// Compression level: zstd 1–22 (default 15), xz 0–9 (default 6), gzip 1–9 (default 9);
    /// lz4 has none.
    #[serde(default)]
    pub level: Option<Spanned<i64>>,
    /// Data block size: a power of two from 4 KiB to 1 MiB (default 128 KiB).
    #[serde(default = "block_size")]
    pub block_size: Spanned<u64>,
    /// Write a dm-verity hash tree (default true).
    #[serde(default = "yes")]
    pub verity: bool,
    /// `append` (the tree after the image, default) or `separate` (`<name>.squashfs.verity`).
    #[serde(default = "append")]
    pub verity_layout: Spanned<String>,
}

impl SquashfsOutput {
    /// The compressor this output asks for (validated by [`Recipe::validate`]).
    pub fn compressor(&self) -> Result<crate::codec::Compressor, (std::ops::Range<usize>, String)> {
        parse_compression(
            &self.compression,
            self.level.as_ref(),
            crate::codec::Compressor::parse,
        )
    }

    /// The verity tree goes in a separate file.
    pub fn separate_verity(&self) -> bool {
        self.verity_layout.get_ref() == "separate"
    }
}

/// `[output.oci]`: an OCI image layout directory and/or archive.
#[derive(Debug, Clone, Deserialize)]
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
    pub compression: Spanned<String>,
    /// Compression level: gzip 1–9 (default 5), zstd 1–19 (default 3).
    #[serde(default)]
    pub level: Option<Spanned<i64>>,
}

impl OciOutput {
    /// The layer compression this output asks for (validated by [`Recipe::validate`]).
    pub fn layer_compression(
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
pub fn entry_xattrs(
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

/// The Rust target of an architecture (static musl by default).
pub fn default_target(architecture: &str) -> Option<&'static str> {
    Some(match architecture {
        "amd64" => "x86_64-unknown-linux-musl",
        "arm64" => "aarch64-unknown-linux-musl",
        "arm" => "armv7-unknown-linux-musleabihf",
        "riscv64" => "riscv64gc-unknown-linux-musl",
        _ => return None,
    })
}

/// 1-based line and column of byte `offset` in `text` (for TOML error spans).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Normalises an image path: absolute, `.` removed; `..` is an error (nothing may escape).
pub fn normalize_dest(dest: &str) -> Result<String, String> {
    let p = Path::new(dest);
    if !p.is_absolute() {
        return Err(format!("{dest:?} is not an absolute path in the image"));
    }
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => return Err(format!("{dest:?} contains `..`")),
            Component::Prefix(_) => return Err(format!("{dest:?} is not a Unix path")),
        }
    }
    if parts.is_empty() {
        return Err(format!("{dest:?} is the image root"));
    }
    Ok(format!("/{}", parts.join("/")))
}

impl Recipe {
    /// Parses and validates the recipe text read from `file`.
    pub fn parse(file: &Path, text: &str) -> Result<Recipe, RecipeError> {
        let err = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            RecipeError {
                file: file.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let mut recipe: Recipe = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            err(
                span,
                cra_attest::input::printable(
                    &e.message().split_whitespace().collect::<Vec<_>>().join(" "),
                ),
            )
        })?;
        recipe.origin = Origin {
            path: file.to_path_buf(),
            text: text.to_string(),
        };
        recipe.validate().map_err(|(span, m)| err(span, m))?;
        Ok(recipe)
    }

    /// Reads and validates the recipe at `path`: a regular file of at most [`RECIPE_MAX`]
    /// bytes of UTF-8.
    pub fn load(path: &Path) -> Result<Recipe, RecipeError> {
        let text =
            cra_attest::input::read_text_limited(path, RECIPE_MAX, "recipe").map_err(|e| {
                let message = e.to_string();
                let prefix = format!("{}: ", path.display());
                RecipeError {
                    file: path.to_path_buf(),
                    line: 1,
                    column: 1,
                    message: message
                        .strip_prefix(&prefix)
                        .unwrap_or(&message)
                        .to_string(),
                }
            })?;
        Self::parse(path, &text)
    }

    /// Checks what the format cannot; the error carries the offending value's span.
    pub fn validate(&self) -> Result<(), (std::ops::Range<usize>, String)> {
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
        let text = &self.origin.text;
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
            values::port(port.get_ref()).map_err(|m| (port.span(), m))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[image]
name = "hello-device"
version = "0.1.0"
architecture = "amd64"

[[app]]
path = "../examples/hello-device"
package = "hello-device"
dest = "/usr/bin/hello-device"

[[file]]
source = "files/config.toml"
dest = "/etc/hello/config.toml"
mode = 0o640
gid = 1000

[[dir]]
dest = "/var/lib/hello"
mode = 0o750
uid = 1000
gid = 1000

[[symlink]]
dest = "/usr/bin/hello"
target = "hello-device"

[[user]]
name = "hello"
uid = 1000
gid = 1000

[[group]]
name = "hello"
gid = 1000

[runtime]
entrypoint = ["/usr/bin/hello-device"]
user = "hello"

[output.oci]
archive = true
compression = "zstd"
"#;

    fn parse(text: &str) -> Result<Recipe, RecipeError> {
        Recipe::parse(Path::new("r.toml"), text)
    }

    fn error_of(replace: &str, with: &str) -> String {
        assert!(GOOD.contains(replace), "{replace}");
        parse(&GOOD.replacen(replace, with, 1))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_full_recipe_parses() {
        let r = parse(GOOD).unwrap();
        assert_eq!(r.apps.len(), 1);
        assert_eq!(*r.files[0].mode.get_ref(), 0o640);
        assert_eq!(*r.apps[0].mode.get_ref(), 0o755, "default");
        assert_eq!(r.output.oci.unwrap().compression.get_ref(), "zstd");
        assert_eq!(
            default_target(r.image.architecture.get_ref()),
            Some("x86_64-unknown-linux-musl")
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_file_line_and_column() {
        let e = error_of(
            "[[user]]\nname = \"hello\"",
            "[[user]]\npassword = \"$6$x\"\nname = \"hello\"",
        );
        assert!(e.starts_with("r.toml:"), "{e}");
        assert!(e.contains("unknown field `password`"), "{e}");
        let e = error_of("mode = 0o640", "mode = \"rw\"");
        assert!(e.starts_with("r.toml:15:8:"), "{e}");
    }

    #[test]
    fn bad_values_are_refused_where_they_stand() {
        for (from, to, needle) in [
            (
                "architecture = \"amd64\"",
                "architecture = \"s390x\"",
                "unknown architecture",
            ),
            (
                "dest = \"/etc/hello/config.toml\"",
                "dest = \"/etc/../../etc/shadow\"",
                "contains `..`",
            ),
            (
                "dest = \"/etc/hello/config.toml\"",
                "dest = \"etc/config\"",
                "not an absolute path",
            ),
            (
                "dest = \"/usr/bin/hello\"",
                "dest = \"/usr/bin/hello-device\"",
                "declared twice",
            ),
            ("mode = 0o640", "mode = 0o4755", "setuid"),
            ("mode = 0o750", "mode = 0o777", "world-writable"),
            (
                "mode = 0o640",
                "mode = 0o17777",
                "not a Unix permission mode",
            ),
            (
                "gid = 1000\n\n[[dir]]",
                "gid = 4294967295\n\n[[dir]]",
                "reserved",
            ),
            (
                "compression = \"zstd\"",
                "compression = \"lz4\"",
                "gzip or zstd",
            ),
            (
                "compression = \"zstd\"",
                "compression = \"zstd\"\nlevel = 30",
                "zstd level 30 is out of range (1–19)",
            ),
            (
                "user = \"hello\"",
                "user = \"nobody\"",
                "not a declared user",
            ),
            // Hostile values (issue 11): each refused where it stands.
            (
                "name = \"hello\"\nuid",
                "name = \"hello\"\nshell = \"/bin/sh\\nroot2::0:0::/root:/bin/sh\"\nuid",
                "would end a field or a line of /etc/passwd",
            ),
            (
                "name = \"hello\"\nuid",
                "name = \"hello\"\nhome = \"/home/x:0\"\nuid",
                "would end a field",
            ),
            (
                "name = \"hello\"\ngid",
                "name = \"wheel:x:0:hello\"\ngid",
                "group name",
            ),
            ("name = \"hello\"\nuid", "name = \"Root\"\nuid", "user name"),
            (
                "version = \"0.1.0\"",
                "version = \"1/../../victim\"",
                "not an OCI tag",
            ),
            (
                "version = \"0.1.0\"",
                "version = \"0.20.0+build.1\"",
                "not an OCI tag",
            ),
            ("version = \"0.1.0\"", "version = \"\"", "not an OCI tag"),
            (
                "name = \"hello-device\"",
                "name = \".hidden\"",
                "image name",
            ),
            ("mode = 0o640", "mode = 640", "write 0o640"),
            ("mode = 0o640", "mode = 0o1644", "sticky"),
            ("user = \"hello\"", "user = \"0:0:0\"", "uid or uid:gid"),
            (
                "user = \"hello\"",
                "user = \"hello\"\nenv = { \"A=B\" = \"1\" }",
                "environment variable name",
            ),
            (
                "user = \"hello\"",
                "user = \"hello\"\nworkdir = \"var/lib\"",
                "not an absolute path",
            ),
            (
                "user = \"hello\"",
                "user = \"hello\"\nenv = { \"GREETING\" = \"hi\\nLD_PRELOAD=/x.so\" }",
                "control character",
            ),
            (
                "architecture = \"amd64\"",
                "architecture = \"amd64\"\nsource = \"https://x\\nEvil: 1\"",
                "image source",
            ),
            (
                "architecture = \"amd64\"",
                "architecture = \"amd64\"\nlabels = { \"vendor\" = \"x\\ny\" }",
                "control character",
            ),
            (
                "dest = \"/var/lib/hello\"",
                "dest = \"/var/lib/he\\u0000llo\"",
                "NUL byte",
            ),
            (
                "target = \"hello-device\"",
                "target = \"\"",
                "symlink target is empty",
            ),
            (
                "user = \"hello\"",
                "user = \"hello\"\nports = [\"8080/tcp\", \"70000\"]",
                "port \"70000\"",
            ),
            (
                "user = \"hello\"",
                "user = \"hello\"\nports = [\"53/icmp\"]",
                "PORT[/tcp|udp|sctp]",
            ),
            (
                "user = \"hello\"",
                "user = \"hello\"\nstop_signal = \"TERM; reboot\"",
                "stop signal",
            ),
            (
                "entrypoint = [\"/usr/bin/hello-device\"]",
                "entrypoint = [\"/bin/a\", \"b\\u0000c\"]",
                "NUL byte",
            ),
        ] {
            let e = error_of(from, to);
            assert!(e.contains(needle), "{to}: {e}");
            let loc: Vec<&str> = e.splitn(4, ':').collect();
            assert!(
                loc[1].parse::<usize>().is_ok() && loc[2].parse::<usize>().is_ok(),
                "{e}"
            );
        }
    }

    #[test]
    fn names_longer_than_linux_takes_are_refused_at_the_recipe() {
        let long = "n".repeat(300);
        let e = error_of(
            "dest = \"/var/lib/hello\"",
            &format!("dest = \"/var/lib/{long}\""),
        );
        assert!(e.contains("at most 255"), "{e}");
        assert!(e.starts_with("r.toml:"), "{e}");
    }

    #[test]
    fn ports_and_signals_in_their_usual_spellings_are_fine() {
        for ok in [
            "ports = [\"8080\", \"53/udp\", \"9/sctp\", \"65535/tcp\"]",
            "stop_signal = \"SIGTERM\"",
            "stop_signal = \"SIGRTMIN+3\"",
            "stop_signal = \"15\"",
        ] {
            let text = GOOD.replacen("user = \"hello\"", &format!("user = \"hello\"\n{ok}"), 1);
            parse(&text).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn numeric_runtime_users_are_fine() {
        parse(&GOOD.replacen("user = \"hello\"", "user = \"1000:1000\"", 1)).unwrap();
    }
}
