//! Image recipes: strict TOML that declares an image's contents, runtime and outputs, read
//! into a typed model.
//!
//! Reading goes raw → model. The raw layer ([`raw`], private) is the TOML as written: unknown
//! keys and wrong types are errors naming the file, line and column, and its checks enforce
//! what the format cannot (destinations absolute, normalised and unique; nothing escapes the
//! image root; modes written in octal and in range; no setuid/setgid or world-writable entries;
//! every value valid in the format it ends up in). The model is what the composer uses:
//! destinations normalised, codecs and extended attributes parsed, defaults filled in; values
//! that errors point at later keep their place in the recipe ([`At`]). There is no field for
//! a password hash, and unknown keys are refused, so none can be smuggled in. The recipe's
//! JSON schema ([`json_schema`]) is generated from the raw layer.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use crate::codec::{Compression, Compressor};
use crate::xattrs::Xattrs;

mod raw;
mod schema;
pub(crate) mod values;

pub use schema::{json_schema, reference};

/// The largest recipe read (a recipe is a few kilobytes of TOML).
pub(crate) const RECIPE_MAX: u64 = 1 << 20;

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

/// The file a recipe was read from and its text, to turn value spans into `file:line:column`.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The recipe file as given.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl Origin {
    /// The directory relative paths in the recipe start from.
    pub fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// A value and where the recipe wrote it (byte span), so that a later error can name the
/// place. Dereferences to the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    value: T,
    span: Range<usize>,
}

impl<T> At<T> {
    fn new(value: T, span: Range<usize>) -> At<T> {
        At { value, span }
    }

    /// Where the value stands in the recipe's text.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl<T> std::ops::Deref for At<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: std::fmt::Display> std::fmt::Display for At<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

impl<T> From<toml::Spanned<T>> for At<T> {
    fn from(s: toml::Spanned<T>) -> At<T> {
        let span = s.span();
        At::new(s.into_inner(), span)
    }
}

/// A whole recipe.
#[derive(Debug, Clone)]
pub struct Recipe {
    /// The image's identity.
    pub image: Image,
    /// `[product]`: what the CRA documents say about the product.
    pub product: cra_model::product::Product,
    /// Cargo apps built with `cargo cra build` and placed in the image.
    pub apps: Vec<App>,
    /// Local files copied into the image.
    pub files: Vec<File>,
    /// Empty directories.
    pub dirs: Vec<Dir>,
    /// Symbolic links.
    pub symlinks: Vec<Symlink>,
    /// Hard links: further names for a regular file of the image.
    pub hardlinks: Vec<Hardlink>,
    /// Users, written to `/etc/passwd` with locked passwords.
    pub users: Vec<User>,
    /// Groups, written to `/etc/group`.
    pub groups: Vec<Group>,
    /// How the image runs.
    pub runtime: Runtime,
    /// What to write.
    pub output: Output,
    /// Where the recipe was read from.
    pub origin: Origin,
}

/// `[image]`: the image's identity.
#[derive(Debug, Clone)]
pub struct Image {
    /// Image name (also the output file stem): one path component, an OCI repository name.
    pub name: At<String>,
    /// Image version: a valid OCI tag.
    pub version: String,
    /// `amd64`, `arm64`, `arm` or `riscv64`.
    pub architecture: String,
    /// The source repository's URL, for `org.opencontainers.image.source`.
    pub source: Option<String>,
    /// OCI config labels.
    pub labels: BTreeMap<String, String>,
    /// OCI manifest annotations.
    pub annotations: BTreeMap<String, String>,
    /// `deny-weak-binaries`: an app or ELF file lacking an exploitation mitigation stops the
    /// compose.
    pub deny_weak_binaries: bool,
}

/// `[[app]]`: a binary from a cargo workspace.
#[derive(Debug, Clone)]
pub struct App {
    /// The workspace (or package) directory, relative to the recipe.
    pub path: At<PathBuf>,
    /// Whether the directory may lie outside the recipe's repository.
    pub allow_outside: bool,
    /// The package.
    pub package: String,
    /// The binary (the package's name unless the recipe names another).
    pub bin: String,
    /// Where in the image (absolute, normalised).
    pub dest: At<String>,
    /// Features to enable.
    pub features: Vec<String>,
    /// Rust target (default: the static musl target of the image's architecture).
    pub target: Option<String>,
    /// File mode.
    pub mode: u32,
    /// Extended attributes: capabilities and text attributes.
    pub xattrs: Xattrs,
}

/// `[[file]]`: a local file or directory.
#[derive(Debug, Clone)]
pub struct File {
    /// Source, relative to the recipe.
    pub source: At<PathBuf>,
    /// Where in the image (absolute, normalised).
    pub dest: At<String>,
    /// File mode.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Extended attributes (a file source only), and where the recipe set them.
    pub xattrs: Option<At<Xattrs>>,
    /// Takes a source that resolves outside the recipe's repository.
    pub allow_outside: bool,
}

/// `[[dir]]`: an empty directory.
#[derive(Debug, Clone)]
pub struct Dir {
    /// Where in the image (absolute, normalised).
    pub dest: At<String>,
    /// Mode.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Extended attributes.
    pub xattrs: Xattrs,
}

/// `[[symlink]]`.
#[derive(Debug, Clone)]
pub struct Symlink {
    /// Where in the image (absolute, normalised).
    pub dest: At<String>,
    /// What it points to, as written.
    pub target: String,
}

/// `[[hardlink]]`: another name for a regular file of the image.
#[derive(Debug, Clone)]
pub struct Hardlink {
    /// The new name (absolute, normalised).
    pub dest: At<String>,
    /// The file it names (absolute, normalised).
    pub target: At<String>,
}

/// `[[user]]`: an account with a locked password.
#[derive(Debug, Clone)]
pub struct User {
    /// Login name.
    pub name: At<String>,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory (`/` unless given).
    pub home: String,
    /// Shell (`/sbin/nologin` unless given).
    pub shell: String,
}

/// `[[group]]`.
#[derive(Debug, Clone)]
pub struct Group {
    /// Group name.
    pub name: At<String>,
    /// Group id.
    pub gid: u32,
}

/// `[runtime]`: the OCI config's process settings.
#[derive(Debug, Clone, Default)]
pub struct Runtime {
    /// Entrypoint argv.
    pub entrypoint: Vec<String>,
    /// Default arguments.
    pub cmd: Vec<String>,
    /// Environment.
    pub env: BTreeMap<String, String>,
    /// User name or `uid[:gid]`, when given.
    pub user: Option<String>,
    /// Working directory (absolute).
    pub workdir: Option<String>,
    /// Exposed ports, each with its protocol (`8080/tcp`).
    pub ports: Vec<String>,
    /// Stop signal.
    pub stop_signal: Option<String>,
}

/// `[output]`: what to write (an OCI layout when the recipe asks for nothing: then `oci` is
/// the default OCI output).
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// `[output.oci]`.
    pub oci: Option<OciOutput>,
    /// `[output.squashfs]`.
    pub squashfs: Option<SquashfsOutput>,
    /// `[output.rauc]`.
    pub rauc: Option<RaucOutput>,
    /// `[output.registry]`.
    pub registry: Option<RegistryOutput>,
    /// The SBOM formats `sbom-formats` names besides CycloneDX: the image and its apps get
    /// them too.
    pub sbom_formats: Vec<cra_attest::evidence::OtherSbom>,
}

/// `[output.registry]`: where `cargo cra compose --push` pushes, as written (the reference is
/// parsed where it is used, errors located here).
#[derive(Debug, Clone)]
pub struct RegistryOutput {
    /// `HOST[:PORT]/REPOSITORY`.
    pub repository: At<String>,
    /// Tags besides the image's version.
    pub tags: Vec<At<String>>,
}

/// `[output.rauc]`: a RAUC `verity` bundle of the squashfs image.
#[derive(Debug, Clone)]
pub struct RaucOutput {
    /// RAUC's compatible string.
    pub compatible: String,
    /// The slot class (default `rootfs`).
    pub slot: String,
    /// The signing certificate, relative to the recipe.
    pub cert: At<String>,
    /// Its private key, relative to the recipe.
    pub key: At<String>,
    /// Intermediate certificates, relative to the recipe.
    pub intermediates: Vec<At<String>>,
    /// The `plain` format (a detached signature over the bundle) instead of `verity`.
    pub plain: bool,
}

/// `[output.oci]`: an OCI image layout directory and/or archive.
#[derive(Debug, Clone)]
pub struct OciOutput {
    /// Write the layout directory.
    pub layout: bool,
    /// Write a tar of the layout.
    pub archive: bool,
    /// Layer compression.
    pub compression: Compression,
}

/// `[output.squashfs]`: a read-only squashfs 4.0 image.
#[derive(Debug, Clone)]
pub struct SquashfsOutput {
    /// Compressor and level.
    pub compressor: Compressor,
    /// Data block size (a power of two, 4 KiB to 1 MiB).
    pub block_size: u32,
    /// Where the dm-verity hash tree goes, if one is written.
    pub verity: Option<VerityLayout>,
}

/// Where a squashfs image's dm-verity hash tree goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerityLayout {
    /// After the image, in the same file.
    Append,
    /// In `<name>.squashfs.verity`.
    Separate,
}

impl Recipe {
    /// An error about the value at `span` (an [`At`] value's span) in this recipe.
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
    pub(crate) fn file_name(&self) -> String {
        self.origin
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The directory relative paths in the recipe start from.
    pub fn base_dir(&self) -> PathBuf {
        self.origin.base_dir()
    }

    /// The directory every `[[file]]` source and `[[app]]` path must resolve into (unless it
    /// sets `allow_outside`): the git work tree holding the recipe; outside git, the nearest
    /// directory at or above the recipe's holding a `Cargo.toml` (the project `cargo cra init`
    /// wrote the recipe for), else the recipe's directory; with symbolic links resolved.
    pub(crate) fn source_root(&self) -> Result<PathBuf, RecipeError> {
        let base = self.base_dir();
        let project = || {
            base.ancestors()
                .find(|d| d.join("Cargo.toml").is_file())
                .map(Path::to_path_buf)
        };
        let dir = cra_attest::evidence::source::work_tree(&base)
            .or_else(project)
            .unwrap_or(base);
        std::fs::canonicalize(&dir).map_err(|e| RecipeError {
            file: self.origin.path.clone(),
            line: 1,
            column: 1,
            message: format!("recipe directory {}: {e}", dir.display()),
        })
    }

    /// The user the image runs as: the runtime user (a name is resolved to `uid:gid`), else the
    /// first declared user, else `None` (root).
    pub(crate) fn run_as(&self) -> Option<String> {
        let by_name = |n: &str| {
            self.users
                .iter()
                .find(|u| *u.name == n)
                .map(|u| format!("{}:{}", u.uid, u.gid))
        };
        match &self.runtime.user {
            Some(u) => by_name(u).or_else(|| Some(u.clone())),
            None => self.users.first().and_then(|u| by_name(&u.name)),
        }
    }
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
pub(crate) fn normalize_dest(dest: &str) -> Result<String, String> {
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
        let raw: raw::Recipe = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            err(
                span,
                cra_model::input::printable(
                    &e.message().split_whitespace().collect::<Vec<_>>().join(" "),
                ),
            )
        })?;
        raw.validate(text).map_err(|(span, m)| err(span, m))?;
        let origin = Origin {
            path: file.to_path_buf(),
            text: text.to_string(),
        };
        raw.into_model(origin).map_err(|(span, m)| err(span, m))
    }

    /// Reads and validates the recipe at `path`: a regular file of at most [`RECIPE_MAX`]
    /// bytes of UTF-8.
    pub fn load(path: &Path) -> Result<Recipe, RecipeError> {
        let text =
            cra_model::input::read_text_limited(path, RECIPE_MAX, "recipe").map_err(|e| {
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
        assert_eq!(r.files[0].mode, 0o640);
        assert_eq!(r.apps[0].mode, 0o755, "default");
        assert_eq!(r.output.oci.unwrap().compression, Compression::Zstd(3));
        assert_eq!(
            default_target(&r.image.architecture),
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
    fn ports_may_be_integers_as_the_readme_says() {
        let text = GOOD.replacen(
            "user = \"hello\"",
            "user = \"hello\"\nports = [1883, \"53/udp\", 8080]",
            1,
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.runtime.ports, ["1883/tcp", "53/udp", "8080/tcp"]);
        for bad in [
            "ports = [0]",
            "ports = [70000]",
            "ports = [-1]",
            "ports = [1.5]",
        ] {
            let text = GOOD.replacen("user = \"hello\"", &format!("user = \"hello\"\n{bad}"), 1);
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.starts_with("r.toml:"), "{bad}: {err}");
        }
    }

    #[test]
    fn numeric_runtime_users_are_fine() {
        parse(&GOOD.replacen("user = \"hello\"", "user = \"1000:1000\"", 1)).unwrap();
    }
}
