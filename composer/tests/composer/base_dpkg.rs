//! Issue 29 (groundwork): the dpkg database reader and version order against dpkg itself, on
//! the real database of the machine the tests run on (a Debian system: the CI machine too).

use cra_composer::base::{dpkg, version::DebVersion};
use std::process::Command;

const STATUS: &str = "/var/lib/dpkg/status";

/// dpkg-query's list of installed packages, as `name:arch version`.
fn dpkg_query() -> Vec<String> {
    let out = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${db:Status-Abbrev} ${Package}:${Architecture} ${Version}\n",
        ])
        .output()
        .expect("dpkg-query is part of dpkg, on every Debian system");
    assert!(out.status.success());
    let mut listed: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("ii "))
        .map(|l| l[3..].trim().to_string())
        .collect();
    listed.sort();
    listed
}

#[test]
fn the_installed_packages_are_the_ones_dpkg_query_lists() {
    let status = std::fs::read_to_string(STATUS).expect("a Debian system's dpkg database");
    let ours = dpkg::installed(&status).unwrap();
    let mut listed: Vec<String> = ours
        .iter()
        .map(|p| format!("{}:{} {}", p.name, p.architecture, p.version))
        .collect();
    listed.sort();
    assert_eq!(listed, dpkg_query());
    assert!(
        listed.len() > 100,
        "a real database: {} packages",
        listed.len()
    );
    // Every package's file list reads, and names confined paths.
    let mut files = 0;
    for p in &ours {
        let list = format!("/var/lib/dpkg/info/{}", p.list_file());
        if let Ok(text) = std::fs::read_to_string(&list) {
            files += dpkg::owned_paths(&text)
                .unwrap_or_else(|(line, m)| panic!("{list}:{line}: {m}"))
                .len();
        }
    }
    assert!(files > 1000, "{files} files owned");
}

#[test]
fn versions_order_as_dpkg_orders_them() {
    let status = std::fs::read_to_string(STATUS).unwrap();
    let mut versions: Vec<String> = dpkg::installed(&status)
        .unwrap()
        .into_iter()
        .map(|p| p.version)
        .collect();
    // Hand-picked edge cases besides the real versions.
    versions.extend(
        [
            "1.0~rc1", "1.0", "1:0.1", "1.0-0", "1.0+b1", "1.0~~", "0.0", "1.01",
        ]
        .map(String::from),
    );
    versions.sort();
    versions.dedup();
    // Neighbours and a stride through the list: a few hundred pairs, each asked of dpkg.
    let mut pairs = Vec::new();
    for (i, a) in versions.iter().enumerate() {
        for step in [1, 7, 31] {
            if let Some(b) = versions.get((i + step) % versions.len()) {
                pairs.push((a.clone(), b.clone()));
            }
        }
    }
    let mut checked = 0;
    for (a, b) in &pairs {
        let ours = DebVersion::parse(a)
            .unwrap()
            .cmp(&DebVersion::parse(b).unwrap());
        let lt = Command::new("dpkg")
            .args(["--compare-versions", a, "lt", b])
            .status()
            .unwrap()
            .success();
        let eq = Command::new("dpkg")
            .args(["--compare-versions", a, "eq", b])
            .status()
            .unwrap()
            .success();
        let theirs = match (lt, eq) {
            (true, _) => std::cmp::Ordering::Less,
            (_, true) => std::cmp::Ordering::Equal,
            _ => std::cmp::Ordering::Greater,
        };
        assert_eq!(ours, theirs, "{a} vs {b}");
        checked += 1;
    }
    assert!(checked > 300, "{checked} pairs");
}

#[test]
fn the_copyright_files_of_this_machine_map_to_valid_spdx_or_say_what_does_not_map() {
    use cra_composer::base::dep5;
    let mut dep5_files = 0;
    let mut fully_mapped = 0;
    let mut unmapped = std::collections::BTreeMap::<String, usize>::new();
    for entry in std::fs::read_dir("/usr/share/doc").unwrap().flatten() {
        let path = entry.path().join("copyright");
        // Not every package ships one; some are not UTF-8 (those are for another day).
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Some(licences) = dep5::licences(&text) else {
            continue;
        };
        dep5_files += 1;
        for e in &licences.mapped {
            assert!(
                spdx::Expression::parse(e).is_ok(),
                "{}: {e} is not an SPDX expression",
                path.display()
            );
        }
        match licences.expression() {
            Some(e) => {
                fully_mapped += 1;
                assert!(spdx::Expression::parse(&e).is_ok(), "{e}");
            }
            None => {
                for name in &licences.unmapped {
                    *unmapped.entry(name.clone()).or_default() += 1;
                }
            }
        }
    }
    let mut common: Vec<_> = unmapped.iter().collect();
    common.sort_by(|a, b| b.1.cmp(a.1));
    eprintln!(
        "DEP-5 copyright files: {dep5_files}, every licence mapped in {fully_mapped}; most common unmapped: {:?}",
        &common[..common.len().min(10)]
    );
    assert!(dep5_files > 100, "{dep5_files} DEP-5 files");
    // The table covers the common names (about half of this machine's files map fully; the
    // rest name `public-domain` or a licence of their own, which is not guessed).
    assert!(
        fully_mapped * 5 > dep5_files * 2,
        "{fully_mapped} of {dep5_files} fully mapped"
    );
}

#[test]
fn a_real_alpine_database_reads_with_every_package_and_file() {
    use cra_composer::base::apk;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/third-party/osv-scalibr-apk/installed");
    let db = std::fs::read_to_string(path).unwrap();
    let packages = apk::installed(&db).unwrap();
    // The database's own count of records, and of file lines.
    assert_eq!(
        packages.len(),
        db.lines().filter(|l| l.starts_with("P:")).count()
    );
    assert_eq!(packages.len(), 15);
    let files: usize = packages.iter().map(|p| p.paths.len()).sum();
    let lines = db
        .lines()
        .filter(|l| l.starts_with("F:") || l.starts_with("R:"))
        .count();
    assert_eq!(files, lines);
    let musl = packages.iter().find(|p| p.name == "musl").unwrap();
    assert_eq!(musl.origin, "musl");
    assert!(
        musl.license.as_deref().is_some_and(|l| l.contains("MIT")),
        "{musl:?}"
    );
    assert!(
        musl.paths.iter().any(|p| p.starts_with("lib/ld-musl-")),
        "{:?}",
        musl.paths
    );
}

/// A real Debian bookworm base made by mmdebstrap (essential packages plus ca-certificates,
/// tzdata and busybox, from this machine's apt sources), as a rootfs tarball.
fn mmdebstrap_base(dir: &std::path::Path) -> std::path::PathBuf {
    let tarball = dir.join("base.tar");
    let out = Command::new("mmdebstrap")
        .args([
            "--variant=essential",
            "--include=ca-certificates,tzdata,busybox",
            "--quiet",
            "bookworm",
        ])
        .arg(&tarball)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("mmdebstrap is needed (tests/run installs it: apt-get install mmdebstrap)");
    assert!(
        out.status.success(),
        "mmdebstrap: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    tarball
}

#[test]
fn a_real_debian_base_assembles_and_its_database_agrees_with_dpkg_query() {
    use cra_composer::base::layers::{BaseKind, BaseTree, Limits};
    let tmp = tempfile::tempdir().unwrap();
    let tarball = mmdebstrap_base(tmp.path());
    let store = tmp.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let mut tree = BaseTree::default();
    tree.apply(
        std::fs::File::open(&tarball).unwrap(),
        &store,
        Limits::default(),
    )
    .unwrap();
    tree.finish().unwrap();
    let blob = |path: &str| -> String {
        match &tree.entries[path].kind {
            BaseKind::File { blob, .. } => std::fs::read_to_string(blob).unwrap(),
            other => panic!("{path}: {other:?}"),
        }
    };
    // The packages our reader finds in the assembled tree are the ones dpkg-query lists from
    // the same database, unpacked by tar.
    let ours = dpkg::installed(&blob("var/lib/dpkg/status")).unwrap();
    let unpacked = tmp.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let tar = Command::new("tar")
        .arg("-xf")
        .arg(&tarball)
        .arg("-C")
        .arg(&unpacked)
        .arg("./var/lib/dpkg")
        .status()
        .unwrap();
    assert!(tar.success());
    let query = Command::new("dpkg-query")
        .arg(format!(
            "--admindir={}",
            unpacked.join("var/lib/dpkg").display()
        ))
        .args([
            "-W",
            "-f",
            "${db:Status-Abbrev} ${Package}:${Architecture} ${Version}\n",
        ])
        .output()
        .unwrap();
    assert!(query.status.success());
    let mut theirs: Vec<String> = String::from_utf8(query.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("ii "))
        .map(|l| l[3..].trim().to_string())
        .collect();
    theirs.sort();
    let mut listed: Vec<String> = ours
        .iter()
        .map(|p| format!("{}:{} {}", p.name, p.architecture, p.version))
        .collect();
    listed.sort();
    assert_eq!(listed, theirs);
    for wanted in ["busybox", "ca-certificates", "tzdata", "libc6"] {
        assert!(
            ours.iter().any(|p| p.name == wanted),
            "{wanted} is in the base"
        );
    }
    // Every path a package says it owns is in the assembled tree, reached through the base's
    // own links (dpkg's lists name directories too; diversions and files maintainer scripts
    // remove are the exceptions a real base may have, so a few are allowed and counted).
    let (mut owned, mut absent) = (0, 0);
    for p in &ours {
        let list = format!("var/lib/dpkg/info/{}", p.list_file());
        if !tree.entries.contains_key(&list) {
            continue;
        }
        for path in dpkg::owned_paths(&blob(&list)).unwrap() {
            owned += 1;
            // Through the base's own links: /bin is usr/bin in a merged-/usr Debian.
            if tree.resolve(&path).is_none() {
                absent += 1;
                if absent < 6 {
                    eprintln!("absent: {path}");
                }
            }
        }
    }
    assert!(owned > 1000, "{owned} owned paths");
    assert!(
        absent * 100 < owned,
        "{absent} of {owned} owned paths are not in the tree"
    );
}
