//! Bad input to `cargo cra compose`: one line naming the recipe file, line and column (or the
//! file at fault), a non-zero exit, and nothing in the output directory that looks like an
//! image — a previous image stays as it was.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

const GOOD: &str = r#"[image]
name = "bad"
version = "1.0"
architecture = "amd64"

[[file]]
source = "files/app.conf"
dest = "/etc/app/app.conf"
mode = 0o640

[[symlink]]
dest = "/usr/bin/run"
target = "/opt/run.sh"

[[user]]
name = "app"
uid = 1000
gid = 1000
"#;

struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Project {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("p");
        std::fs::create_dir_all(dir.join("files")).unwrap();
        std::fs::write(dir.join("files/app.conf"), "x = 1\n").unwrap();
        std::fs::write(dir.join("recipe.toml"), GOOD).unwrap();
        Project { _tmp: tmp, dir }
    }

    fn compose(&self) -> Output {
        run_cra(
            &self.dir,
            &["cra", "compose", "recipe.toml", "--out", "images"],
            &[("SOURCE_DATE_EPOCH", "0")],
        )
    }

    fn with(&self, from: &str, to: &str) -> Output {
        assert!(GOOD.contains(from), "{from}");
        std::fs::write(self.dir.join("recipe.toml"), GOOD.replacen(from, to, 1)).unwrap();
        self.compose()
    }

    /// Names in the output directory (none may look like a finished or partial image).
    fn outputs(&self) -> Vec<String> {
        match std::fs::read_dir(self.dir.join("images")) {
            Ok(entries) => {
                let mut v: Vec<String> = entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                v.sort();
                v
            }
            Err(_) => Vec::new(),
        }
    }
}

#[test]
fn the_unchanged_recipe_composes() {
    // The baseline of every case below: only the named edit makes it fail.
    let p = Project::new();
    let out = p.compose();
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(p.outputs(), ["bad-1.0"]);
}

#[test]
fn recipe_errors_name_file_line_and_column_and_write_nothing() {
    for (from, to, needles) in [
        (
            "[[user]]\nname",
            "[[user]]\npassword = \"$6$abc\"\nname",
            &["recipe.toml:16:1:", "unknown field `password`"][..],
        ),
        (
            "mode = 0o640",
            "mode = \"rw\"",
            &["recipe.toml:9:8:", "invalid type"],
        ),
        (
            "mode = 0o640",
            "mode = 0o4755",
            &["recipe.toml:9:8:", "setuid"],
        ),
        (
            "mode = 0o640",
            "mode = 0o20000",
            &["recipe.toml:9:8:", "not a Unix permission mode"],
        ),
        (
            "uid = 1000",
            "uid = 4294967296",
            &["recipe.toml:17:7:", "u32"],
        ),
        (
            "architecture = \"amd64\"",
            "architecture = \"mips\"",
            &["recipe.toml:4:16:", "unknown architecture"],
        ),
        (
            "dest = \"/etc/app/app.conf\"",
            "dest = \"/etc/../../root/.ssh/authorized_keys\"",
            &["recipe.toml:8:8:", "contains `..`"],
        ),
        (
            "dest = \"/usr/bin/run\"",
            "dest = \"/etc/app/app.conf\"",
            &["recipe.toml:12:8:", "declared twice"],
        ),
        (
            "source = \"files/app.conf\"",
            "source = \"files/missing.conf\"",
            &[
                "recipe.toml:7:10:",
                "source files/missing.conf:",
                "No such file",
            ],
        ),
        (
            // Writing through a symlink in the image: refused, never followed.
            "dest = \"/etc/app/app.conf\"",
            "dest = \"/usr/bin/run/app.conf\"",
            &[
                "recipe.toml:8:8:",
                "inside /usr/bin/run, which is a symbolic link",
            ],
        ),
        (
            "dest = \"/usr/bin/run\"",
            "dest = \"/etc/app\"",
            &[
                "recipe.toml:8:8:",
                "inside /etc/app, which is a symbolic link",
            ],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[output.oci]\ncompression = \"brotli\"\n",
            &["recipe.toml:21:15:", "gzip or zstd"],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[output.squashfs]\ncompression = \"brotli\"\n",
            &["recipe.toml:21:15:", "zstd, xz, gzip or lz4"],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[output.squashfs]\nlevel = 23\n",
            &["recipe.toml:21:9:", "zstd level 23 is out of range (1–22)"],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[output.squashfs]\ncompression = \"lz4\"\nlevel = 1\n",
            &["recipe.toml:22:9:", "lz4 has no levels"],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[output.squashfs]\nblock_size = 100000\n",
            &["recipe.toml:21:14:", "a power of two from 4096 to 1048576"],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[output.squashfs]\nblock_size = 2097152\n",
            &["recipe.toml:21:14:", "a power of two from 4096 to 1048576"],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[output.squashfs]\nverity_layout = \"inline\"\n",
            &["recipe.toml:21:17:", "append or separate"],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[[hardlink]]\ndest = \"/bin/x\"\ntarget = \"/etc/app/missing\"\n",
            &[
                "recipe.toml:22:10:",
                "hard link target /etc/app/missing is not in the image",
            ],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[[hardlink]]\ndest = \"/bin/x\"\ntarget = \"/usr/bin/run\"\n",
            &[
                "recipe.toml:22:10:",
                "is a symbolic link; hard links name regular files",
            ],
        ),
        (
            "gid = 1000\n",
            "gid = 1000\n\n[[hardlink]]\ndest = \"/etc/app/app.conf\"\ntarget = \"/etc/app/app.conf\"\n",
            &["recipe.toml:21:8:", "declared twice"],
        ),
        (
            "mode = 0o640",
            "mode = 0o640\ncapabilities = [\"net_bind\"]",
            &[
                "recipe.toml:10:16:",
                "\"net_bind\" is not a Linux capability",
            ],
        ),
        (
            "mode = 0o640",
            "mode = 0o640\nxattrs = { \"system.posix_acl_access\" = \"x\" }",
            &[
                "recipe.toml:10:10:",
                "names start with user., trusted. or security.",
            ],
        ),
        (
            "mode = 0o640",
            "mode = 0o640\nxattrs = { \"security.capability\" = \"x\" }",
            &["recipe.toml:10:10:", "set with `capabilities = [...]`"],
        ),
        (
            "mode = 0o640",
            "mode = 0o640\nxattrs = { \"trusted.overlay.opaque\" = \"y\" }",
            &["recipe.toml:10:10:", "belongs to overlayfs"],
        ),
        (
            "source = \"files/app.conf\"\ndest = \"/etc/app/app.conf\"\nmode = 0o640",
            "source = \"files\"\ndest = \"/etc/app\"\nmode = 0o640\ncapabilities = [\"chown\"]",
            &[
                "recipe.toml:10:16:",
                "source files is a directory; capabilities and xattrs are set on single files",
            ],
        ),
    ] {
        let p = Project::new();
        let out = p.with(from, to);
        assert_one_line_error(&out, needles);
        assert!(p.outputs().is_empty(), "{to}: {:?}", p.outputs());
    }
}

#[test]
fn a_missing_recipe_is_one_line() {
    let p = Project::new();
    let out = run_cra(&p.dir, &["cra", "compose", "nope.toml"], &[]);
    assert_one_line_error(&out, &["nope.toml", "No such file"]);
}

#[test]
fn a_recipe_that_is_a_fifo_a_directory_or_too_large_is_one_line_without_hanging() {
    let p = Project::new();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(p.dir.join("fifo.toml"))
            .status()
            .unwrap()
            .success()
    );
    std::fs::create_dir(p.dir.join("dir.toml")).unwrap();
    let mut huge = GOOD.to_string();
    huge.push_str(&format!("# {}\n", "x".repeat(2 << 20)));
    std::fs::write(p.dir.join("huge.toml"), huge).unwrap();
    for (name, needle) in [
        ("fifo.toml", "not a regular file"),
        ("dir.toml", "not a regular file"),
        (
            "huge.toml",
            "larger than the 1048576 bytes a recipe may have",
        ),
    ] {
        let out = run_cra(&p.dir, &["cra", "compose", name, "--out", "images"], &[]);
        assert_one_line_error(&out, &[&format!("{name}:1:1: "), needle]);
        assert!(p.outputs().is_empty(), "{name}: {:?}", p.outputs());
    }
}

#[test]
fn a_failed_compose_leaves_the_previous_image_untouched() {
    let p = Project::new();
    assert!(p.compose().status.success());
    let image = p.dir.join("images/bad-1.0");
    let before = snapshot(&image);
    std::fs::remove_file(p.dir.join("files/app.conf")).unwrap();
    let out = p.compose();
    assert_one_line_error(&out, &["recipe.toml:7:10:", "No such file"]);
    assert_eq!(snapshot(&image), before);
    assert_eq!(p.outputs(), ["bad-1.0"], "no staging directory is left");
}

#[test]
fn a_failed_app_build_exits_non_zero_and_writes_no_image() {
    let p = Project::new();
    let app = p.dir.join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        app.join("src/main.rs"),
        "fn main() { let x: u8 = \"no\"; }\n",
    )
    .unwrap();
    let st = std::process::Command::new("cargo")
        .arg("generate-lockfile")
        .current_dir(&app)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(
        p.dir.join("recipe.toml"),
        format!("{GOOD}\n[[app]]\npath = \"app\"\npackage = \"app\"\ndest = \"/usr/bin/app\"\n"),
    )
    .unwrap();
    let out = p.compose();
    assert_eq!(
        out.status.code(),
        Some(101),
        "cargo's exit code: {}",
        describe(&out)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error[E0308]"),
        "cargo's diagnostics are shown: {err}"
    );
    assert!(
        err.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("error: building app failed (cargo exit code 101); no image was written"),
        "compose says what compose did not write: {err}"
    );
    assert!(!err.contains("no SBOM was written"), "{err}");
    assert!(p.outputs().is_empty(), "{:?}", p.outputs());
}

#[test]
fn host_symlinks_in_a_source_tree_stay_links_and_are_never_followed() {
    let p = Project::new();
    let tree = p.dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::os::unix::fs::symlink("/etc/shadow", tree.join("escape")).unwrap();
    std::fs::write(
        p.dir.join("recipe.toml"),
        format!("{GOOD}\n[[file]]\nsource = \"tree\"\ndest = \"/opt/tree\"\n"),
    )
    .unwrap();
    let out = p.compose();
    assert!(out.status.success(), "{}", describe(&out));
    let layout = p.dir.join("images/bad-1.0/oci/blobs/sha256");
    let mut found = false;
    for blob in std::fs::read_dir(&layout).unwrap() {
        let bytes = std::fs::read(blob.unwrap().path()).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
            for e in archive.entries().unwrap() {
                let e = e.unwrap();
                if e.path().unwrap() == Path::new("opt/tree/escape") {
                    assert_eq!(e.header().entry_type(), tar::EntryType::Symlink);
                    assert_eq!(e.link_name().unwrap().unwrap(), Path::new("/etc/shadow"));
                    assert_eq!(e.size(), 0);
                    found = true;
                }
            }
        }
    }
    assert!(found, "the link is in the layer");
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_image_without_users_composes_with_a_warning_that_it_runs_as_root() {
    let p = Project::new();
    let recipe = GOOD.split("[[user]]").next().unwrap().to_string();
    std::fs::write(p.dir.join("recipe.toml"), recipe).unwrap();
    let out = p.compose();
    assert!(out.status.success(), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines()
            .any(|l| l == "warning: the image runs as root: declare a [[user]] or set runtime.user"),
        "{err}"
    );
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.dir.join("images/bad-1.0/oci/index.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "1.0"
    );
}

#[test]
fn a_name_linux_cannot_hold_is_one_line_at_the_recipe_and_leaves_nothing() {
    let p = Project::new();
    let long = "n".repeat(300);
    let out = p.with(
        "gid = 1000\n",
        &format!(
            "gid = 1000\n\n[[symlink]]\ndest = \"/opt/{long}\"\ntarget = \"x\"\n\n[output.squashfs]\n"
        ),
    );
    // Caught at the recipe (file:line:column), before anything is built or written.
    assert_one_line_error(&out, &["recipe.toml:", "300 bytes long", "at most 255"]);
    assert!(p.outputs().is_empty(), "{:?}", p.outputs());
}

#[test]
fn no_space_left_on_the_device_is_one_line_and_leaves_nothing() {
    let p = Project::new();
    // 2 MB of incompressible data cannot fit a 512 KiB file system.
    let mut state = 5u64;
    let noise: Vec<u8> = (0..2_000_000)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            (state >> 56) as u8
        })
        .collect();
    std::fs::write(p.dir.join("files/app.conf"), noise).unwrap();
    std::fs::write(
        p.dir.join("recipe.toml"),
        format!("{GOOD}\n[output.squashfs]\n"),
    )
    .unwrap();
    let small = p.dir.join("small");
    std::fs::create_dir_all(&small).unwrap();
    let mount = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"])
        .arg(&small)
        .output()
        .unwrap();
    if !mount.status.success() {
        eprintln!(
            "SKIPPED the no-space check: this environment cannot mount a small tmpfs ({})",
            String::from_utf8_lossy(&mount.stderr).trim()
        );
        return;
    }
    let out = run_cra(
        &p.dir,
        &["cra", "compose", "recipe.toml", "--out", "small/images"],
        &[("SOURCE_DATE_EPOCH", "0")],
    );
    let left: Vec<_> = std::fs::read_dir(small.join("images"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    let _ = std::process::Command::new("umount").arg(&small).status();
    assert_one_line_error(&out, &["No space left on device"]);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_newline_in_a_passwd_field_cannot_add_an_account() {
    let p = Project::new();
    let out = p.with(
        "gid = 1000\n",
        "gid = 1000\nshell = \"/bin/sh\\nroot2::0:0::/root:/bin/sh\"\n",
    );
    assert_one_line_error(&out, &["recipe.toml:", "shell", "/etc/passwd"]);
    assert!(p.outputs().is_empty(), "{:?}", p.outputs());
    let out = p.with(
        "[[user]]\nname = \"app\"",
        "[[group]]\nname = \"wheel:x:0:app\"\ngid = 10\n\n[[user]]\nname = \"app\"",
    );
    assert_one_line_error(&out, &["recipe.toml:", "group name"]);
    assert!(p.outputs().is_empty(), "{:?}", p.outputs());
}

#[test]
fn an_image_version_or_name_cannot_reach_outside_the_output_directory() {
    let p = Project::new();
    // What the attacker aims at: a directory beside the project.
    let victim = p.dir.parent().unwrap().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep.txt"), "precious").unwrap();
    let before = snapshot(p.dir.parent().unwrap());
    for (from, to) in [
        ("version = \"1.0\"", "version = \"1/../../victim\""),
        ("version = \"1.0\"", "version = \"../../../victim\""),
        ("name = \"bad\"", "name = \"../victim\""),
        ("name = \"bad\"", "name = \".hidden\""),
    ] {
        let out = p.with(from, to);
        assert_one_line_error(&out, &["recipe.toml:"]);
        assert!(p.outputs().is_empty(), "{to}: {:?}", p.outputs());
    }
    std::fs::write(p.dir.join("recipe.toml"), GOOD).unwrap();
    assert_eq!(
        snapshot(p.dir.parent().unwrap()),
        before,
        "nothing outside changed"
    );
}

#[test]
fn a_source_outside_the_recipes_directory_is_refused_unless_allowed_and_then_recorded() {
    let p = Project::new();
    // The host's secret, beside the project (the project is not a git repository, so the
    // recipe's directory is the boundary).
    let secret = p.dir.parent().unwrap().join("id_ed25519");
    std::fs::write(&secret, "PRIVATE KEY").unwrap();
    std::os::unix::fs::symlink(&secret, p.dir.join("files/looks-local")).unwrap();
    for source in [
        "../id_ed25519",
        secret.to_str().unwrap(),
        "files/looks-local",
        "files/../../id_ed25519",
    ] {
        let to = format!("source = \"{source}\"");
        let out = p.with("source = \"files/app.conf\"", &to);
        assert_one_line_error(
            &out,
            &[
                "recipe.toml:7:10:",
                "outside the recipe's repository",
                "allow_outside = true",
            ],
        );
        assert!(p.outputs().is_empty(), "{source}: {:?}", p.outputs());
    }
    let out = p.with(
        "source = \"files/app.conf\"",
        "source = \"../id_ed25519\"\nallow_outside = true",
    );
    assert!(out.status.success(), "{}", describe(&out));
    let image = p.dir.join("images/bad-1.0");
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(image.join("bad.cdx.json")).unwrap()).unwrap();
    let file = sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "/etc/app/app.conf")
        .expect("the file's component");
    let real = std::fs::canonicalize(&secret).unwrap();
    assert!(
        file["properties"].as_array().unwrap().iter().any(|p| {
            p["name"] == "cargo-cra:image:source-outside-repository"
                && p["value"] == real.to_str().unwrap()
        }),
        "{file:#}"
    );
    let provenance: serde_json::Value =
        serde_json::from_slice(&std::fs::read(image.join("bad.provenance.json")).unwrap()).unwrap();
    let deps = &provenance["predicate"]["buildDefinition"]["resolvedDependencies"];
    let dep = deps
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "/etc/app/app.conf")
        .expect("the file's dependency");
    assert_eq!(dep["annotations"]["outsideRepository"], true, "{dep:#}");
    assert_eq!(dep["uri"], format!("file:{}", real.display()));
}

/// Issue 24: the project's `.git` is hostile too. `core.worktree = /` must not make `/` the
/// repository (so `/etc/…` would be "inside" it), and neither `core.fsmonitor` nor a filter
/// driver may run while compose reads the repository's state.
#[test]
fn a_hostile_git_configuration_neither_widens_the_repository_nor_runs_anything() {
    let p = Project::new();
    let marker = p.dir.parent().unwrap().join("pwned");
    let git = |args: &[&str]| {
        let st = std::process::Command::new("git")
            .args(args)
            .current_dir(&p.dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(st.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(p.dir.join(".gitattributes"), "* filter=evil\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "c"]);
    let run = format!("touch {}", marker.display());
    git(&["config", "core.worktree", "/"]);
    git(&["config", "core.fsmonitor", &format!("{run}; false")]);
    git(&["config", "filter.evil.clean", &format!("{run}; cat")]);
    git(&["config", "filter.evil.process", &run]);
    // Make the files stat-dirty, so that git would compare their contents through the filter.
    std::fs::write(p.dir.join("files/app.conf"), "x = 1\n").unwrap();
    let out = p.with("source = \"files/app.conf\"", "source = \"/etc/passwd\"");
    assert_one_line_error(
        &out,
        &["recipe.toml:7:10:", "outside the recipe's repository"],
    );
    assert!(
        !marker.exists(),
        "the repository's configuration ran a program"
    );
    std::fs::write(p.dir.join("recipe.toml"), GOOD).unwrap();
    let out = p.compose();
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        !marker.exists(),
        "the repository's configuration ran a program"
    );
    let provenance: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.dir.join("images/bad-1.0/bad.provenance.json")).unwrap(),
    )
    .unwrap();
    let text = provenance.to_string();
    assert!(!text.contains("etc/passwd"), "{text}");
}

/// Issue 24: an `[[app]]` directory outside the recipe's repository is refused as a
/// `[[file]]` source is, at its place in the recipe, before anything is built.
#[test]
fn an_app_outside_the_recipes_repository_is_refused_unless_allowed() {
    let p = Project::new();
    let elsewhere = p.dir.parent().unwrap().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        p.dir.join("recipe.toml"),
        format!(
            "{GOOD}\n[[app]]\npath = \"../elsewhere\"\npackage = \"x\"\ndest = \"/usr/bin/x\"\n"
        ),
    )
    .unwrap();
    let out = p.compose();
    let line = GOOD.lines().count() + 3;
    assert_one_line_error(
        &out,
        &[
            &format!("recipe.toml:{line}:8:"),
            "outside the recipe's repository",
            "allow_outside = true on this [[app]]",
        ],
    );
    assert!(p.outputs().is_empty(), "{:?}", p.outputs());
}

/// Issue 25: the summary's squashfs size is the file's, naming the appended hash tree.
#[test]
fn the_summary_counts_the_appended_verity_tree_in_the_squashfs_size() {
    let p = Project::new();
    std::fs::write(
        p.dir.join("recipe.toml"),
        format!("{GOOD}\n[output.squashfs]\ncompression = \"gzip\"\n"),
    )
    .unwrap();
    let out = p.compose();
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("squashfs "))
        .unwrap_or_else(|| panic!("no squashfs line: {text}"));
    let file = p.dir.join("images/bad-1.0/bad.squashfs");
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(line.contains(&format!("({size} bytes: ")), "{line}");
    assert!(line.contains("dm-verity hash tree)"), "{line}");
}

/// Issue 25: messages name places a reader can find: the 1970 warning of a recipe named by a
/// relative path gives its directory in full, not `.`.
#[test]
fn the_undated_warning_names_the_recipes_directory_in_full() {
    let p = Project::new();
    let out = run_cra(
        &p.dir,
        &["cra", "compose", "recipe.toml", "--out", "images"],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("dated 1970-01-01"))
        .unwrap_or_else(|| panic!("no 1970 warning: {err}"));
    let dir = std::fs::canonicalize(&p.dir).unwrap();
    assert!(
        line.contains(&format!(
            " and {} is not in a git repository",
            dir.display()
        )),
        "{line}"
    );
}
