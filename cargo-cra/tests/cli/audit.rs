//! `cargo cra audit` against the RustSec advisory database snapshot the team keeps
//! (`tests/fixtures/third-party/advisory-db`, third-party CC0 data; never fetched): findings follow
//! the advisories' version ranges and platforms, the gate's exit status separates findings (1)
//! from unusable input (2), and the report names the database it used. The OpenVEX output is
//! checked against the OpenVEX JSON schema, the CSAF output by the BSI's CSAF validator.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn db() -> PathBuf {
    let db = third_party("advisory-db");
    assert!(
        db.join("crates").is_dir(),
        "the advisory-db snapshot is incomplete at {}",
        db.display()
    );
    db
}

/// A CycloneDX SBOM as cargo-cra writes one: `cargo-cra:target` on the component, crates
/// with `pkg:cargo` purls.
fn sbom(dir: &Path, name: &str, target: &str, crates: &[(&str, &str)]) -> PathBuf {
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": { "component": { "type": "application", "name": name,
            "properties": [{ "name": "cargo-cra:target", "value": target }] } },
        "components": crates.iter().map(|(n, v)| serde_json::json!({
            "type": "library", "name": n, "version": v, "purl": format!("pkg:cargo/{n}@{v}")
        })).collect::<Vec<_>>(),
    });
    let path = dir.join(format!("{name}.cdx.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    path
}

fn audit(dir: &Path, args: &[&str]) -> Output {
    let db = db();
    let mut all = vec!["cra", "audit", "--db", db.to_str().unwrap()];
    all.extend_from_slice(args);
    run_cra(dir, &all, &[])
}

fn findings(out: &Output) -> Vec<(String, String, String)> {
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(out)));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["package"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const CRATES: &[(&str, &str)] = &[
    // RUSTSEC-2021-0003 (buffer overflow), patched in 1.6.1.
    ("smallvec", "1.6.0"),
    // RUSTSEC-2023-0001 applies on Windows only (affected.os = ["windows"]).
    ("tokio", "1.23.0"),
    // RUSTSEC-2021-0139: unmaintained.
    ("ansi_term", "0.12.1"),
    // No advisory.
    ("itoa", "1.0.18"),
];

#[test]
fn findings_follow_version_ranges_and_the_target_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let linux = sbom(tmp.path(), "gw-linux", "aarch64-unknown-linux-musl", CRATES);
    let out = audit(tmp.path(), &["--json", linux.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let linux_findings = findings(&out);
    for expected in [
        ("RUSTSEC-2021-0003", "smallvec", "vulnerability"),
        ("RUSTSEC-2021-0139", "ansi_term", "unmaintained"),
    ] {
        let expected = (expected.0.into(), expected.1.into(), expected.2.into());
        assert!(linux_findings.contains(&expected), "{linux_findings:?}");
    }
    assert!(
        linux_findings.iter().all(|f| f.0 != "RUSTSEC-2023-0001"),
        "no Windows-only advisory for a Linux device: {linux_findings:?}"
    );
    assert!(
        linux_findings.iter().all(|f| f.1 != "itoa"),
        "{linux_findings:?}"
    );
    let windows = sbom(tmp.path(), "gw-windows", "x86_64-pc-windows-msvc", CRATES);
    let out = audit(tmp.path(), &["--json", windows.to_str().unwrap()]);
    assert!(
        findings(&out).contains(&(
            "RUSTSEC-2023-0001".into(),
            "tokio".into(),
            "vulnerability".into()
        )),
        "{}",
        describe(&out)
    );
    // A fixed version is clean; the unmaintained crate then only warns, unless denied.
    let fixed = sbom(
        tmp.path(),
        "gw-fixed",
        "aarch64-unknown-linux-musl",
        &[("smallvec", "1.6.1"), ("ansi_term", "0.12.1")],
    );
    let out = audit(tmp.path(), &[fixed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("unmaintained RUSTSEC-2021-0139: ansi_term 0.12.1"),
        "{text}"
    );
    let out = audit(
        tmp.path(),
        &["--deny", "unmaintained", fixed.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
}

#[test]
fn on_a_terminal_the_findings_are_a_table_and_in_a_pipe_plain_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sbom(tmp.path(), "gw", "aarch64-unknown-linux-musl", CRATES);
    // util-linux `script` runs the command on a pseudo-terminal, as a user's shell does.
    let command = format!(
        "{} cra audit --db {} {}",
        cargo_cra().display(),
        db().display(),
        s.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(tmp.path())
        .output()
        .expect("util-linux `script` runs the terminal test");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let header = text
        .lines()
        .find(|l| l.starts_with("ID "))
        .unwrap_or_else(|| panic!("no table header: {text}"));
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        columns,
        ["ID", "KIND", "CRATE", "SHIPPED", "STATUS", "FIX", "TITLE"]
    );
    // Every row's cells start where the header's do.
    let status_at = header.find("STATUS").unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("RUSTSEC-2021-0003 "))
        .unwrap_or_else(|| panic!("no smallvec row: {text}"));
    assert_eq!(&row[status_at..status_at + 4], "open", "{text}");
    assert!(row.contains("smallvec 1.6.0"), "{row}");
    // Piped, the same report is one line per finding, with no table.
    let piped = audit(tmp.path(), &[s.to_str().unwrap()]);
    let plain = String::from_utf8_lossy(&piped.stdout);
    assert!(!plain.lines().any(|l| l.starts_with("ID ")), "{plain}");
    assert!(
        plain.contains("vulnerability RUSTSEC-2021-0003 (CVE-2021-25900"),
        "{plain}"
    );
}

#[test]
fn the_report_names_the_database_by_digest_and_newest_advisory() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sbom(
        tmp.path(),
        "gw",
        "x86_64-unknown-linux-musl",
        &[("itoa", "1.0.18")],
    );
    let out = audit(tmp.path(), &["--json", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let digest = report["database"]["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64, "{report}");
    // The snapshot's newest advisory (its README: main at 2026-08-21).
    assert!(
        report["database"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2026-08"),
        "{report}"
    );
    assert!(report["database"]["advisories"].as_u64().unwrap() > 1000);
    // The same database gives the same identity.
    let again = audit(tmp.path(), &["--json", s.to_str().unwrap()]);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["database"], report["database"]);
    // An old database is one warning line.
    assert!(String::from_utf8_lossy(&out.stderr).contains("days old"));
}

#[test]
fn a_yanked_crates_io_version_is_a_finding_that_fails_only_when_denied() {
    // once_cell 1.20.0 was yanked from crates.io; cargo's local index cache knows it because
    // this workspace depends on once_cell (building these tests fetched its index entry).
    let tmp = tempfile::tempdir().unwrap();
    let s = sbom(
        tmp.path(),
        "gw",
        "x86_64-unknown-linux-musl",
        &[("once_cell", "1.20.0"), ("itoa", "1.0.18")],
    );
    let args = ["--json", "--openvex", "gw.vex.json", s.to_str().unwrap()];
    let out = audit(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        findings(&out),
        vec![("yanked".into(), "once_cell".into(), "yanked".into())]
    );
    // Not a vulnerability: no VEX statement for it (it has no advisory id), and with nothing
    // to state no VEX document is written (the schema requires a statement).
    assert!(!tmp.path().join("gw.vex.json").exists());
    let mut denied = vec!["--deny", "yanked"];
    denied.extend_from_slice(&args);
    let out = audit(tmp.path(), &denied);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    // The same name and version from a git checkout is not the crates.io one.
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": { "component": { "type": "application", "name": "gw" } },
        "components": [{ "type": "library", "name": "once_cell", "version": "1.20.0",
            "purl": "pkg:cargo/once_cell@1.20.0?vcs_url=git%2Bhttps://example.com/once_cell@0123" }],
    });
    let git = tmp.path().join("git.cdx.json");
    std::fs::write(&git, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = audit(
        tmp.path(),
        &["--json", "--deny", "yanked", git.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(findings(&out), vec![]);
}

#[test]
fn a_real_sbom_cargo_cra_wrote_is_audited_through_its_binary() {
    // The example app's SBOM, written by a real build; the binary stands for its SBOM.
    let (_tmp, dir) = fixture_copy("examples/hello-device");
    let out = run_cra(&dir, &["cra", "build", "--message-format", "json"], &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
    let binary = report["path"].as_str().unwrap();
    let out = audit(&dir, &["--json", binary]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let audited: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let subject = &audited["subjects"][0];
    assert_eq!(subject["name"], "hello-device");
    assert_eq!(
        subject["crates"], report["components"],
        "every crate of the SBOM"
    );
}

#[test]
fn unusable_input_is_one_line_and_exit_status_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let good = sbom(
        dir,
        "gw",
        "x86_64-unknown-linux-musl",
        &[("itoa", "1.0.18")],
    );
    std::fs::write(dir.join("bad.cdx.json"), b"{not json").unwrap();
    std::fs::write(dir.join("other.json"), br#"{"spdxVersion": "SPDX-2.3"}"#).unwrap();
    std::fs::write(dir.join("firmware.bin"), b"\x7fELF").unwrap();
    std::fs::create_dir(dir.join("empty")).unwrap();
    for (args, needle) in [
        (vec!["bad.cdx.json"], "bad.cdx.json: not JSON"),
        (vec!["other.json"], "not a CycloneDX SBOM"),
        (vec!["firmware.bin"], "no SBOM beside it"),
        (vec!["empty"], "no .cdx.json in this directory"),
        (vec!["missing.cdx.json"], "missing.cdx.json"),
    ] {
        let out = audit(dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
    let out = run_cra(
        dir,
        &[
            "cra",
            "audit",
            "--db",
            "/nonexistent",
            good.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("advisory database /nonexistent: not found"),
        "{err}"
    );
}

fn vex(dir: &Path, name: &str, statements: serde_json::Value) -> PathBuf {
    let doc = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("https://example.com/vex/{name}"),
        "author": "Example GmbH",
        "timestamp": "2026-11-01T00:00:00Z",
        "version": 1,
        "statements": statements,
    });
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    path
}

/// Validates `doc` against the OpenVEX JSON schema the team keeps (third-party, from the
/// OpenVEX specification) with Python's `jsonschema`; returns the first error, if any.
fn openvex_schema_error(doc: &Path) -> Option<String> {
    let schema = third_party("openvex/openvex_json_schema.json");
    assert!(
        schema.exists(),
        "the OpenVEX schema is missing at {}",
        schema.display()
    );
    let python = test_python("jsonschema");
    let script = "import json, sys, jsonschema\n\
        s = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))\n\
        e = [x.message for x in jsonschema.Draft202012Validator(s).iter_errors(d)]\n\
        print(e[0] if e else 'VALID')";
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&schema)
        .arg(doc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (text != "VALID").then_some(text)
}

#[test]
fn vex_decisions_settle_findings_and_the_openvex_output_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = sbom(
        dir,
        "gw",
        "aarch64-unknown-linux-musl",
        &[("smallvec", "1.6.0")],
    );
    // Decided by alias, for the crate's purl: the gate passes.
    let decided = vex(
        dir,
        "decided.vex.json",
        serde_json::json!([{
            "vulnerability": { "name": "CVE-2021-25900" },
            "products": [{ "@id": "pkg:cargo/smallvec@1.6.0" }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]),
    );
    let out = audit(
        dir,
        &[
            "--vex",
            decided.to_str().unwrap(),
            "--openvex",
            "out.vex.json",
            s.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("[VEX: not_affected, vulnerable_code_not_in_execute_path]"),
        "{}",
        describe(&out)
    );
    let written = dir.join("out.vex.json");
    assert_eq!(openvex_schema_error(&written), None);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    // Issue 25: no manufacturer in the SBOM is said, with where to set one.
    assert!(
        doc["author"]
            .as_str()
            .unwrap()
            .starts_with("no manufacturer configured (set manufacturer in"),
        "{doc}"
    );
    let st = &doc["statements"][0];
    assert_eq!(st["vulnerability"]["name"], "RUSTSEC-2021-0003");
    assert_eq!(st["status"], "not_affected");
    assert_eq!(
        st["products"][0]["subcomponents"][0]["@id"],
        "pkg:cargo/smallvec@1.6.0"
    );
    // Without a decision the written status is under_investigation, and the gate fails.
    let out = audit(dir, &["--openvex", "open.vex.json", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let open = dir.join("open.vex.json");
    assert_eq!(openvex_schema_error(&open), None);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&open).unwrap()).unwrap();
    assert_eq!(doc["statements"][0]["status"], "under_investigation");
    // A decision about another crate does not apply.
    let other = vex(
        dir,
        "other.vex.json",
        serde_json::json!([{
            "vulnerability": { "name": "RUSTSEC-2021-0003" },
            "products": [{ "@id": "pkg:cargo/smallvec@1.6.1" }],
            "status": "not_affected",
            "justification": "component_not_present"
        }]),
    );
    let out = audit(
        dir,
        &["--vex", other.to_str().unwrap(), s.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
}

#[test]
fn a_bad_vex_document_is_one_line_and_exit_status_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = sbom(
        dir,
        "gw",
        "aarch64-unknown-linux-musl",
        &[("itoa", "1.0.18")],
    );
    std::fs::write(dir.join("broken.json"), b"{").unwrap();
    let statement = |extra: serde_json::Value| {
        let mut st = serde_json::json!({
            "vulnerability": { "name": "RUSTSEC-2021-0003" },
            "products": [{ "@id": "pkg:cargo/smallvec@1.6.0" }],
        });
        for (k, v) in extra.as_object().unwrap() {
            st[k] = v.clone();
        }
        serde_json::json!([st])
    };
    let cases = [
        ("broken.json".to_string(), "not an OpenVEX document"),
        (
            vex(
                dir,
                "nojust.json",
                statement(serde_json::json!({"status": "not_affected"})),
            )
            .display()
            .to_string(),
            "not_affected needs a justification or an impact_statement",
        ),
        (
            vex(
                dir,
                "unknown.json",
                statement(
                    serde_json::json!({"status": "not_affected", "justification": "trust_me"}),
                ),
            )
            .display()
            .to_string(),
            "unknown variant `trust_me`",
        ),
        (
            vex(
                dir,
                "noaction.json",
                statement(serde_json::json!({"status": "affected"})),
            )
            .display()
            .to_string(),
            "affected needs an action_statement",
        ),
    ];
    for (file, needle) in cases {
        let out = audit(dir, &["--vex", &file, s.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
}

/// The BSI's CSAF validator (@secvisogram/csaf-validator-lib, strict schema and every mandatory
/// test) on `doc`: `None` when valid, else its failing tests.
fn csaf_errors(doc: &Path) -> Option<String> {
    let tools = repo_root().join("tests/tools/node");
    assert!(
        tools
            .join("node_modules/@secvisogram/csaf-validator-lib")
            .exists(),
        "@secvisogram/csaf-validator-lib is not installed: run `bash tests/run`, which installs it"
    );
    let out = std::process::Command::new("node")
        .arg(tools.join("validate-csaf.mjs"))
        .arg(doc)
        .output()
        .expect("node is installed (tests/run installs it)");
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (text != "VALID").then_some(text)
}

#[test]
fn the_csaf_vex_document_passes_the_bsi_validator_with_every_status() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = sbom(dir, "gw", "x86_64-unknown-linux-musl", CRATES);
    // Undecided: every finding under investigation.
    let out = audit(dir, &["--csaf", "open.csaf.json", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(csaf_errors(&dir.join("open.csaf.json")), None);
    // Every kind of decision: justified and impact-stated not_affected, affected with an
    // action, fixed.
    let decisions = vex(
        dir,
        "all.vex.json",
        serde_json::json!([
            { "vulnerability": { "name": "CVE-2021-25900" },
              "products": [{ "@id": "pkg:cargo/smallvec@1.6.0" }],
              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path" },
            { "vulnerability": { "name": "RUSTSEC-2023-0005" },
              "products": [{ "@id": "pkg:cargo/tokio@1.23.0" }],
              "status": "affected", "action_statement": "Update tokio to 1.24.2 or later." },
            { "vulnerability": { "name": "RUSTSEC-2025-0023" },
              "products": [{ "@id": "pkg:cargo/tokio@1.23.0" }],
              "status": "not_affected", "impact_statement": "No broadcast channel is used." },
            { "vulnerability": { "name": "RUSTSEC-2021-0139" },
              "products": [{ "@id": "pkg:generic/gw", "subcomponents": [{ "@id": "pkg:cargo/ansi_term@0.12.1" }] }],
              "status": "fixed" }
        ]),
    );
    let out = audit(
        dir,
        &[
            "--vex",
            decisions.to_str().unwrap(),
            "--csaf",
            "all.csaf.json",
            s.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let path = dir.join("all.csaf.json");
    assert_eq!(csaf_errors(&path), None);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(doc["document"]["category"], "csaf_vex");
    let smallvec = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["cve"] == "CVE-2021-25900")
        .expect("the smallvec advisory, by its CVE");
    assert!(
        smallvec["product_status"]["known_not_affected"]
            .as_array()
            .is_some()
    );
    assert_eq!(
        smallvec["flags"][0]["label"],
        "vulnerable_code_not_in_execute_path"
    );
}

#[test]
fn findings_in_cisas_known_exploited_catalog_are_marked_and_a_bad_catalog_is_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = sbom(
        dir,
        "gw",
        "x86_64-unknown-linux-musl",
        &[("smallvec", "1.6.0")],
    );
    // The catalog's JSON feed format (a few fields of each entry; the feed has more).
    let kev = serde_json::json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.11.30",
        "dateReleased": "2026-11-30T18:00:00.000Z",
        "count": 2,
        "vulnerabilities": [
            { "cveID": "CVE-2021-25900", "vendorProject": "servo", "product": "smallvec",
              "vulnerabilityName": "smallvec insert_many buffer overflow", "dateAdded": "2026-11-20",
              "shortDescription": "", "requiredAction": "Update.", "dueDate": "2026-12-11",
              "knownRansomwareCampaignUse": "Unknown", "notes": "" },
            { "cveID": "CVE-2000-0001", "vendorProject": "x", "product": "y",
              "vulnerabilityName": "z", "dateAdded": "2020-01-01", "shortDescription": "",
              "requiredAction": "", "dueDate": "2020-01-22", "knownRansomwareCampaignUse": "Known",
              "notes": "" }
        ]
    });
    std::fs::write(dir.join("kev.json"), serde_json::to_vec(&kev).unwrap()).unwrap();
    let out = audit(dir, &["--kev", "kev.json", "--json", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["exploited_since"], "2026-11-20");
    assert_eq!(report["kev"]["version"], "2026.11.30");
    let out = audit(dir, &["--kev", "kev.json", s.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("ACTIVELY EXPLOITED (CISA KEV since 2026-11-20"),
        "{}",
        describe(&out)
    );
    std::fs::write(dir.join("bad-kev.json"), br#"{"vulnerabilities": 3}"#).unwrap();
    let out = audit(dir, &["--kev", "bad-kev.json", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("bad-kev.json: not CISA's KEV catalog"),
        "{err}"
    );
}

#[test]
fn no_fetch_without_a_database_is_one_line_naming_where_it_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("cargo-home");
    std::fs::create_dir_all(&home).unwrap();
    let s = sbom(
        tmp.path(),
        "gw",
        "x86_64-unknown-linux-musl",
        &[("itoa", "1.0.18")],
    );
    let out = run_cra(
        tmp.path(),
        &["cra", "audit", "--no-fetch", s.to_str().unwrap()],
        &[("CARGO_HOME", home.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "advisory database {}",
            home.join("advisory-db").display()
        )),
        "{err}"
    );
    assert!(!home.join("advisory-db").exists(), "--no-fetch fetched");
}

#[test]
fn in_a_project_what_ships_is_audited_and_every_other_lock_file_finding_is_listed_as_not_shipped() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/audit-project");
    let out = audit(&dir, &["--json", "--openvex", "project.vex.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut shipped = std::collections::BTreeSet::new();
    let mut not_shipped = std::collections::BTreeSet::new();
    for f in report["findings"].as_array().unwrap() {
        let key = (
            f["id"].as_str().unwrap().to_string(),
            f["package"].as_str().unwrap().to_string(),
        );
        if f["shipped"] == true {
            shipped.insert(key);
        } else {
            // Each with why: the build-dependency was built for the build machine only, the
            // cfg(windows) one not at all.
            let reason = f["reason"].as_str().unwrap();
            match f["package"].as_str().unwrap() {
                "time" => assert!(reason.starts_with("build-time only"), "{f}"),
                "atty" => assert!(reason.contains("another platform's"), "{f}"),
                other => panic!("{other} is not in the fixture"),
            }
            assert_eq!(f["status"], "not_affected");
            assert_eq!(f["justification"], "component_not_present");
            not_shipped.insert(key);
        }
    }
    // The linked crate's advisory fails the gate; the cfg(windows) and build-only ones do not.
    assert!(
        shipped.contains(&("RUSTSEC-2021-0003".into(), "smallvec".into())),
        "{shipped:?}"
    );
    assert!(
        not_shipped.contains(&("RUSTSEC-2020-0071".into(), "time".into())),
        "{not_shipped:?}"
    );
    // The yanked version linked in, as cargo's local index (filled by the build) knows.
    assert!(
        shipped.contains(&("yanked".into(), "once_cell".into())),
        "{shipped:?}"
    );
    assert!(
        not_shipped.iter().any(|(_, p)| p == "atty"),
        "{not_shipped:?}"
    );
    // cargo-audit, on the same Cargo.lock and database, finds exactly the union.
    let theirs = std::process::Command::new(cargo_audit())
        .args(["audit", "--no-fetch", "--json", "--db"])
        .arg(db())
        .arg("--file")
        .arg(dir.join("Cargo.lock"))
        .output()
        .unwrap();
    let theirs: serde_json::Value = serde_json::from_slice(&theirs.stdout).unwrap();
    let mut all = std::collections::BTreeSet::new();
    for v in theirs["vulnerabilities"]["list"].as_array().unwrap() {
        all.insert((
            v["advisory"]["id"].as_str().unwrap().to_string(),
            v["package"]["name"].as_str().unwrap().to_string(),
        ));
    }
    for list in theirs["warnings"].as_object().unwrap().values() {
        for w in list.as_array().unwrap() {
            // A yanked version has no advisory: cargo cra audit calls it `yanked`.
            let id = w["advisory"]["id"].as_str().or(w["kind"].as_str());
            all.insert((
                id.unwrap().to_string(),
                w["package"]["name"].as_str().unwrap().to_string(),
            ));
        }
    }
    let ours: std::collections::BTreeSet<_> = shipped.union(&not_shipped).cloned().collect();
    assert_eq!(
        ours, all,
        "cargo-cra's shipped and not-shipped findings are cargo-audit's"
    );
    // The not-shipped ones are written as not_affected / component_not_present.
    let vex: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("project.vex.json")).unwrap()).unwrap();
    let time = vex["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["vulnerability"]["name"] == "RUSTSEC-2020-0071")
        .expect("the build-only crate's advisory");
    assert_eq!(time["status"], "not_affected");
    assert_eq!(time["justification"], "component_not_present");
    assert_eq!(openvex_schema_error(&dir.join("project.vex.json")), None);
}

#[test]
fn signed_openvex_and_csaf_attestations_verify_over_the_audited_sbom() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pw = [("CRA_PASSWORD", "pw")];
    let out = run_cra(dir, &["cra", "keygen"], &pw);
    assert!(out.status.success(), "{}", describe(&out));
    // A finding the manufacturer settled: the documents have a statement to make.
    let s = sbom(
        dir,
        "gw",
        "x86_64-unknown-linux-musl",
        &[("smallvec", "1.6.0")],
    );
    let decided = vex(
        dir,
        "decided.vex.json",
        serde_json::json!([{
            "vulnerability": { "name": "RUSTSEC-2021-0003" },
            "products": [{ "@id": "pkg:cargo/smallvec@1.6.0" }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]),
    );
    let db = db();
    let out = run_cra(
        dir,
        &[
            "cra",
            "audit",
            "--db",
            db.to_str().unwrap(),
            "--vex",
            decided.to_str().unwrap(),
            "--openvex",
            "gw.vex.json",
            "--csaf",
            "gw.csaf.json",
            "--sign",
            "--key",
            "cosign.key",
            s.to_str().unwrap(),
        ],
        &pw,
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    for bundle in ["gw.vex.json.sigstore.json", "gw.csaf.json.sigstore.json"] {
        let out = run_cra(
            dir,
            &[
                "cra",
                "verify-bundle",
                "--bundle",
                bundle,
                "--key",
                "cosign.pub",
                s.to_str().unwrap(),
            ],
            &[],
        );
        assert!(out.status.success(), "{bundle}: {}", describe(&out));
    }
    // Nothing to sign is one line.
    let out = run_cra(
        dir,
        &[
            "cra",
            "audit",
            "--db",
            db.to_str().unwrap(),
            "--sign",
            "--key",
            "cosign.key",
            s.to_str().unwrap(),
        ],
        &pw,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give --openvex or --csaf"), "{err}");
}

#[test]
fn compose_audit_stops_before_the_image_is_written_unless_vex_settles_it() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/audit-project");
    std::fs::write(
        dir.join("image.toml"),
        "[image]\nname = \"gw\"\nversion = \"1.0\"\narchitecture = \"amd64\"\n\n\
         [[app]]\npath = \".\"\npackage = \"audit-project\"\ndest = \"/usr/bin/gw\"\n",
    )
    .unwrap();
    let db = db();
    let compose = |extra: &[&str]| {
        let mut args = vec![
            "cra",
            "compose",
            "image.toml",
            "--out",
            "images",
            "--audit",
            "--db",
            db.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run_cra(&dir, &args, &[("SOURCE_DATE_EPOCH", "0")])
    };
    let out = compose(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.trim().lines().last().unwrap();
    // Issue 25: every failing finding is named, not only the first.
    assert!(
        last.contains("fail the audit gate: RUSTSEC-2021-0003 (vulnerability) in smallvec 1.6.0"),
        "{err}"
    );
    assert!(last.ends_with("no outputs were written"), "{err}");
    assert!(!dir.join("images/gw-1.0").exists(), "an image was written");
    // With the yanked crate denied too, both are named.
    let out = compose(&["--deny", "yanked"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.trim().lines().last().unwrap();
    assert!(last.contains("2 finding(s) fail the audit gate"), "{err}");
    assert!(last.contains("(yanked) in once_cell 1.20.0"), "{err}");
    let settled = vex(
        &dir,
        "decided.vex.json",
        serde_json::json!([{
            "vulnerability": { "name": "RUSTSEC-2021-0003" },
            "products": [{ "@id": "pkg:cargo/smallvec@1.6.0" }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]),
    );
    let out = compose(&["--vex", settled.to_str().unwrap(), "--docs"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(dir.join("images/gw-1.0/gw.cdx.json").exists());
    // The gate that passed left its record, which docs takes as the Annex VII 6 assessment.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("images/gw-1.0/gw.audit.json")).unwrap())
            .unwrap();
    let smallvec = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "RUSTSEC-2021-0003")
        .expect("the settled finding is recorded");
    assert_eq!(smallvec["status"], "not_affected");
    let tf: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("images/gw-1.0/cra/technical-file.json")).unwrap(),
    )
    .unwrap();
    let missing = tf["missing"].to_string();
    assert!(!missing.contains("vulnerability assessment"), "{missing}");
}

#[test]
fn build_audit_stops_before_any_output_is_written_and_keeps_the_previous_ones() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/audit-project");
    let db = db();
    // A first, ungated build: its outputs must survive a failing gate.
    let out = run_cra(&dir, &["cra", "build", "--message-format", "json"], &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
    let sbom = PathBuf::from(report["sbom"].as_str().unwrap());
    let before = std::fs::read(&sbom).unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() { let v: smallvec::SmallVec<[u8; 2]> = smallvec::smallvec![9]; println!(\"{}\", v[0]); }\n").unwrap();
    let out = run_cra(
        &dir,
        &["cra", "build", "--audit", "--db", db.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.trim().lines().last().unwrap();
    assert!(
        last.contains("fail the audit gate: RUSTSEC-2021-0003"),
        "{err}"
    );
    assert!(last.ends_with("no outputs were written"), "{err}");
    assert_eq!(
        std::fs::read(&sbom).unwrap(),
        before,
        "the previous SBOM is intact"
    );
    // A gate that cannot run (no database there) is the audit's exit code 2, not findings' 1.
    let missing = dir.join("no-such-db");
    let out = run_cra(
        &dir,
        &["cra", "build", "--audit", "--db", missing.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.trim().lines().last().unwrap();
    assert!(
        last.starts_with("error: advisory database") && last.contains("no-such-db"),
        "{err}"
    );
    assert_eq!(std::fs::read(&sbom).unwrap(), before);
    // Settled by VEX, the gated build writes its outputs.
    let settled = vex(
        &dir,
        "decided.vex.json",
        serde_json::json!([{
            "vulnerability": { "name": "CVE-2021-25900" },
            "products": [{ "@id": "pkg:cargo/smallvec@1.6.0" }],
            "status": "not_affected",
            "justification": "vulnerable_code_cannot_be_controlled_by_adversary"
        }]),
    );
    let out = run_cra(
        &dir,
        &[
            "cra",
            "build",
            "--audit",
            "--db",
            db.to_str().unwrap(),
            "--vex",
            settled.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_ne!(
        std::fs::read(&sbom).unwrap(),
        before,
        "a new SBOM for the changed binary"
    );
}

#[test]
fn a_decision_about_one_product_does_not_settle_another_shipping_the_same_crate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let target = "x86_64-unknown-linux-musl";
    let a = sbom(
        dir,
        "gw-a",
        target,
        &[("smallvec", "1.6.0"), ("x", "not-semver")],
    );
    let b = sbom(dir, "gw-b", target, &[("smallvec", "1.6.0")]);
    let about = |products: serde_json::Value, name: &str| {
        vex(
            dir,
            name,
            serde_json::json!([{
                "vulnerability": { "name": "RUSTSEC-2021-0003" },
                "products": products,
                "status": "not_affected",
                "justification": "vulnerable_code_not_in_execute_path"
            }]),
        )
    };
    let only_a = about(
        serde_json::json!([{ "@id": "pkg:generic/gw-a",
            "subcomponents": [{ "@id": "pkg:cargo/smallvec@1.6.0" }] }]),
        "a.vex.json",
    );
    let both = about(
        serde_json::json!([{ "@id": "pkg:generic/gw-a" }, { "@id": "pkg:generic/gw-b" }]),
        "both.vex.json",
    );
    let run = |vex: &Path| {
        audit(
            dir,
            &[
                "--vex",
                vex.to_str().unwrap(),
                a.to_str().unwrap(),
                b.to_str().unwrap(),
            ],
        )
    };
    let out = run(&only_a);
    assert_eq!(
        out.status.code(),
        Some(1),
        "gw-b is still open: {}",
        describe(&out)
    );
    // A component that cannot be matched is said, not skipped silently.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not be audited: x@not-semver"),
        "{}",
        describe(&out)
    );
    assert_eq!(run(&both).status.code(), Some(0));
}

#[test]
fn the_packages_vex_key_settles_findings_in_audit_and_in_the_build_gate() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/audit-project");
    std::fs::create_dir(dir.join("security")).unwrap();
    vex(
        &dir.join("security"),
        "decisions.vex.json",
        serde_json::json!([{
            "vulnerability": { "name": "RUSTSEC-2021-0003" },
            "products": [{ "@id": "pkg:cargo/smallvec@1.6.0" }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]),
    );
    let manifest = dir.join("Cargo.toml");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let with_key = |vex: &str| {
        let text = original.replace(
            "[dependencies]",
            &format!("[package.metadata.cra]\nvex = [{vex:?}]\n\n[dependencies]"),
        );
        std::fs::write(&manifest, text).unwrap();
    };
    with_key("security/decisions.vex.json");
    let out = audit(&dir, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let smallvec = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "RUSTSEC-2021-0003")
        .expect("the smallvec finding");
    assert_eq!(smallvec["status"], "not_affected", "{smallvec}");
    let out = run_cra(
        &dir,
        &["cra", "build", "--audit", "--db", db().to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    // Issue 24: a statement written the usual way (vexctl, trivy) names the product by its
    // purl without qualifiers, and the crate as a subcomponent; our SBOM's product purl carries
    // a download_url qualifier, which the statement's purl covers.
    vex(
        &dir.join("security"),
        "product.vex.json",
        serde_json::json!([{
            "vulnerability": { "name": "RUSTSEC-2021-0003" },
            "products": [{ "@id": "pkg:cargo/audit-project@0.1.0",
                "subcomponents": [{ "@id": "pkg:cargo/smallvec@1.6.0" }] }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]),
    );
    with_key("security/product.vex.json");
    let out = audit(&dir, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    // A file outside the package, or one that is not there, is a located config error.
    for (value, needle) in [
        ("../decisions.vex.json", "must be a relative path below"),
        ("security/missing.vex.json", "no such file"),
    ] {
        with_key(value);
        let out = audit(&dir, &["--json"]);
        assert!(!out.status.success(), "{value}: {}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.trim().lines().last().unwrap();
        let text = std::fs::read_to_string(&manifest).unwrap();
        let at = text.lines().position(|l| l.starts_with("vex = ")).unwrap() + 1;
        assert!(
            line.contains(&format!("Cargo.toml:{at}:7: vex = ")),
            "{err}"
        );
        assert!(line.contains(needle), "{err}");
    }
}

/// Issue 25: a clean audit never writes a document its own schema rejects (OpenVEX and CSAF
/// VEX must state a vulnerability): it says so, and its `--json` report — which `cargo cra docs`
/// takes as the vulnerability assessment — records the clean result.
#[test]
fn a_clean_audit_writes_no_empty_vex_document_and_its_report_records_the_result() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let clean = sbom(
        dir,
        "clean",
        "x86_64-unknown-linux-musl",
        &[("itoa", "1.0.18")],
    );
    let out = audit(
        dir,
        &[
            "--json",
            "--openvex",
            "clean.vex.json",
            "--csaf",
            "clean.csaf.json",
            clean.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(!dir.join("clean.vex.json").exists());
    assert!(!dir.join("clean.csaf.json").exists());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("not written: the audit found no vulnerability")
            .count(),
        2,
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["database"].is_object(), "{report}");
    assert_eq!(report["findings"], serde_json::json!([]));
}

/// Issue 25: a crate only dev-dependencies reach (tests, examples, benchmarks) is said to be
/// that, from cargo's own resolve, not "another platform's or an optional feature's".
#[test]
fn a_dev_dependency_only_finding_names_the_real_reason() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/audit-project");
    // The same locked packages, atty moved from a cfg(windows) dependency to a dev-dependency.
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "[target.'cfg(windows)'.dependencies]\natty = \"=0.2.14\"",
        "[dev-dependencies]\natty = \"=0.2.14\"",
    );
    assert!(text.contains("[dev-dependencies]\natty"), "{text}");
    std::fs::write(&manifest, text).unwrap();
    let out = audit(&dir, &["--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let atty = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"] == "atty")
        .expect("atty's advisory is listed");
    assert_eq!(atty["shipped"], false);
    assert!(
        atty["reason"]
            .as_str()
            .unwrap()
            .starts_with("a dev-dependency only"),
        "{atty}"
    );
}
