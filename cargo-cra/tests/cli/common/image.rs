//! Image helpers shared by the compose and squashfs tests: peer tools, a recipe with every kind
//! of content, and trees read back from disk.

use super::*;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Fails (never skips) when a peer tool is missing: `tests/run` installs them.
pub fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("{name} is not installed: run `bash tests/run`, which installs the test peers")
    })
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}\n{}", describe(&out));
    out
}

pub fn compose(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec!["cra", "compose"];
    all.extend_from_slice(args);
    run_cra(dir, &all, env)
}

pub fn report(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", describe(out));
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

/// A recipe with every kind of content but no app (so it composes in milliseconds).
pub const RICH: &str = r#"
[image]
name = "rich"
version = "2.0"
architecture = "amd64"
annotations = { "org.opencontainers.image.description" = "test image" }

[[file]]
source = "files/app.conf"
dest = "/etc/app/app.conf"
mode = 0o640
uid = 1000
gid = 1000

[[file]]
source = "tree"
dest = "/opt/tree"

[[file]]
source = "files/daemon"
dest = "/usr/sbin/daemon"
mode = 0o750
capabilities = ["net_bind_service"]
xattrs = { "user.origin" = "rich" }

[[dir]]
dest = "/var/lib/app"
mode = 0o750
uid = 1000
gid = 1000
xattrs = { "user.state" = "persistent" }

[[symlink]]
dest = "/usr/bin/run"
target = "/opt/tree/bin/run.sh"

[[hardlink]]
dest = "/opt/tree/bin/run"
target = "/opt/tree/bin/run.sh"

[[user]]
name = "app"
uid = 1000
gid = 1000
home = "/var/lib/app"

[[group]]
name = "app"
gid = 1000

[runtime]
entrypoint = ["/opt/tree/bin/run.sh"]
env = { LANG = "C.UTF-8" }
ports = ["8080"]
workdir = "/var/lib/app"
stop_signal = "SIGTERM"

[output.oci]
archive = true
compression = "COMPRESSION"
"#;

/// `cargo cra compose RECIPE --out OUT --json` in `dir` under another host setting: `umask`,
/// `TZ`, `LANG`/`LC_ALL` = `lang`, and a CPU set (`taskset -c CPUS`) when given. The caller adds
/// what else differs and runs it.
pub fn compose_elsewhere(
    dir: &Path,
    recipe: &Path,
    out: &Path,
    (umask, tz, lang): (&str, &str, &str),
    cpus: Option<&str>,
) -> Command {
    let taskset = cpus.map(|c| format!("taskset -c {c} ")).unwrap_or_default();
    let script = format!(
        "umask {umask} && exec {taskset}\"$0\" cra compose {} --out {} --json",
        recipe.display(),
        out.display()
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(&script)
        .arg(cargo_cra())
        .current_dir(dir)
        .env("TZ", tz)
        .env("LANG", lang)
        .env("LC_ALL", lang);
    cmd
}

/// Writes the rich recipe and its sources under `dir`; returns the recipe path.
pub fn rich_project(dir: &Path, compression: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::create_dir_all(dir.join("tree/bin")).unwrap();
    std::fs::create_dir_all(dir.join("tree/data")).unwrap();
    std::fs::write(dir.join("files/app.conf"), "port = 8080\n").unwrap();
    std::fs::write(dir.join("files/daemon"), "#!/bin/sh\nexec sleep 1\n").unwrap();
    std::fs::write(dir.join("tree/bin/run.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(
        dir.join("tree/bin/run.sh"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    std::fs::write(dir.join("tree/data/a.txt"), "data\n").unwrap();
    std::fs::hard_link(dir.join("tree/data/a.txt"), dir.join("tree/data/b.txt")).unwrap();
    std::os::unix::fs::symlink("data/a.txt", dir.join("tree/link")).unwrap();
    let recipe = dir.join("rich.toml");
    std::fs::write(&recipe, RICH.replace("COMPRESSION", compression)).unwrap();
    recipe
}

/// One entry of a tree: type, mode, owner, and content digest or link target. A file with more
/// than one name has ` =FIRST` after its digest, FIRST being its first name in path order; then
/// come its extended attributes as ` NAME=0xHEX`, as `getfattr` reads them.
pub type Tree = BTreeMap<String, (char, u32, u32, u32, String)>;

/// Every extended attribute under `root` (read by `getfattr`, from the attr package), by path
/// relative to `root`: ` NAME=0xHEX` each, in name order.
fn xattrs_of(root: &Path) -> BTreeMap<String, String> {
    let out = run(Command::new(tool("getfattr"))
        .args([
            "-h",
            "-R",
            "-P",
            "-d",
            "-m",
            "-",
            "-e",
            "hex",
            "--absolute-names",
        ])
        .arg(root));
    let mut found: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = None;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        if let Some(path) = line.strip_prefix("# file: ") {
            let rel = Path::new(path)
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            current = Some(rel);
        } else if let (Some((name, value)), Some(path)) = (line.split_once('='), &current) {
            found
                .entry(path.clone())
                .or_default()
                .insert(name.into(), value.into());
        }
    }
    found
        .into_iter()
        .map(|(path, attrs)| {
            let text: String = attrs.iter().map(|(n, v)| format!(" {n}={v}")).collect();
            (path, text)
        })
        .collect()
}

pub fn tree_of(root: &Path) -> Tree {
    let mut inodes = BTreeMap::new();
    let xattrs = xattrs_of(root);
    fn walk(root: &Path, dir: &Path, out: &mut Tree, inodes: &mut BTreeMap<(u64, u64), String>) {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let m = std::fs::symlink_metadata(&path).unwrap();
            let ft = m.file_type();
            let (kind, detail, mode) = if ft.is_symlink() {
                let t = std::fs::read_link(&path).unwrap();
                ('l', t.to_string_lossy().into_owned(), 0o777)
            } else if ft.is_dir() {
                ('d', String::new(), m.mode() & 0o7777)
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let mut digest = cra_attest::digest::to_hex(&cra_attest::digest::sha256(&bytes));
                if m.nlink() > 1 {
                    let first = inodes.entry((m.dev(), m.ino())).or_insert(rel.clone());
                    digest = format!("{digest} ={first}");
                }
                ('f', digest, m.mode() & 0o7777)
            };
            out.insert(rel, (kind, mode, m.uid(), m.gid(), detail));
            if ft.is_dir() {
                walk(root, &path, out, inodes);
            }
        }
    }
    let mut out = Tree::new();
    walk(root, root, &mut out, &mut inodes);
    for (path, text) in xattrs {
        if let Some(entry) = out.get_mut(&path) {
            entry.4.push_str(&text);
        }
    }
    out
}

pub fn sha(bytes: &[u8]) -> String {
    cra_attest::digest::to_hex(&cra_attest::digest::sha256(bytes))
}

/// What the rich recipe declares, written out by hand.
pub fn rich_expected() -> Tree {
    let d = |mode, uid, gid| ('d', mode, uid, gid, String::new());
    let f = |mode, uid, gid, content: &str| ('f', mode, uid, gid, sha(content.as_bytes()));
    let l = |target: &str| ('l', 0o777, 0, 0, target.to_string());
    let with_xattrs = |(k, m, u, g, detail): (char, u32, u32, u32, String), x: &str| {
        (k, m, u, g, format!("{detail}{x}"))
    };
    let linked = |mode, content: &str, first: &str| {
        let (k, m, u, g, digest) = f(mode, 0, 0, content);
        (k, m, u, g, format!("{digest} ={first}"))
    };
    [
        ("etc", d(0o755, 0, 0)),
        ("etc/app", d(0o755, 0, 0)),
        ("etc/app/app.conf", f(0o640, 1000, 1000, "port = 8080\n")),
        ("etc/group", f(0o644, 0, 0, "app:!:1000:\n")),
        (
            "etc/passwd",
            f(0o644, 0, 0, "app:!:1000:1000::/var/lib/app:/sbin/nologin\n"),
        ),
        ("opt", d(0o755, 0, 0)),
        ("opt/tree", d(0o755, 0, 0)),
        ("opt/tree/bin", d(0o755, 0, 0)),
        (
            "opt/tree/bin/run",
            linked(0o755, "#!/bin/sh\necho hi\n", "opt/tree/bin/run"),
        ),
        (
            "opt/tree/bin/run.sh",
            linked(0o755, "#!/bin/sh\necho hi\n", "opt/tree/bin/run"),
        ),
        ("opt/tree/data", d(0o755, 0, 0)),
        (
            "opt/tree/data/a.txt",
            linked(0o644, "data\n", "opt/tree/data/a.txt"),
        ),
        (
            "opt/tree/data/b.txt",
            linked(0o644, "data\n", "opt/tree/data/a.txt"),
        ),
        ("opt/tree/link", l("data/a.txt")),
        ("usr", d(0o755, 0, 0)),
        ("usr/bin", d(0o755, 0, 0)),
        ("usr/bin/run", l("/opt/tree/bin/run.sh")),
        ("usr/sbin", d(0o755, 0, 0)),
        (
            "usr/sbin/daemon",
            with_xattrs(
                f(0o750, 0, 0, "#!/bin/sh\nexec sleep 1\n"),
                // `setcap cap_net_bind_service=ep`; "rich".
                " security.capability=0x0100000200040000000000000000000000000000 \
                 user.origin=0x72696368",
            ),
        ),
        ("var", d(0o755, 0, 0)),
        ("var/lib", d(0o755, 0, 0)),
        (
            "var/lib/app",
            // "persistent"
            with_xattrs(d(0o750, 1000, 1000), " user.state=0x70657273697374656e74"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
