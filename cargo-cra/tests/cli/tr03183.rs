//! Issue 28, part 3: every field BSI TR-03183-2 v2.1 requires, checked against the TR's field
//! list as `docs/reference/tr-03183-2.md` maps it to CycloneDX. The table is read by this test,
//! so a field the table lists and an SBOM lacks fails here. Real published apps get the same
//! check in `sbom_corpus.rs`.

use crate::common;

use common::image::{compose, report};
use common::*;
use serde_json::Value;
use std::path::Path;

/// The property naming a field that cannot be known for a component (`<Field>: <why>`).
const UNKNOWN_FIELD: &str = "cargo-cra:unknown-field";

/// One row of the table.
#[derive(Debug)]
struct Row {
    field: String,
    level: String,
    scope: String,
    /// Alternatives, each a list of paths that must all be satisfied.
    alternatives: Vec<Vec<String>>,
}

/// The table's rows, from the documentation.
fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(repo_root().join("docs/reference/tr-03183-2.md")).unwrap();
    let rows: Vec<Row> = text
        .lines()
        .filter_map(|line| {
            let cells = cells(line.strip_prefix('|')?);
            cells.first()?.parse::<u32>().ok()?;
            let place = cells[4].replace('`', "");
            Some(Row {
                field: cells[1].clone(),
                level: cells[2].clone(),
                scope: cells[3].clone(),
                alternatives: place
                    .split(" | ")
                    .map(|alt| alt.split(" & ").map(|p| p.trim().to_string()).collect())
                    .collect(),
            })
        })
        .collect();
    assert!(rows.len() >= 20, "the TR table has {} rows", rows.len());
    rows
}

/// A Markdown table row's cells (`\|` is a pipe inside a cell).
fn cells(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_string()).collect()
}

/// The values `path` reaches from the component `here` in `doc` (see the table's legend).
fn eval<'a>(path: &str, here: &'a Value, doc: &'a Value) -> Vec<&'a Value> {
    let (mut current, path) = match path.strip_prefix('$') {
        Some(p) => (vec![doc], p),
        None => (vec![here], path),
    };
    for segment in path.split('.') {
        let (key, filter) = match segment.split_once('[') {
            Some((k, f)) => (k, Some(f.trim_end_matches(']'))),
            None => (segment, None),
        };
        let resolve = |v: &str| -> String {
            match v.strip_prefix('@') {
                Some(k) => here[k].as_str().unwrap_or_default().to_string(),
                None => v.to_string(),
            }
        };
        current = current
            .into_iter()
            .map(|v| &v[key])
            .flat_map(|v| match filter {
                None => vec![v],
                Some(f) => {
                    let items: Vec<&Value> =
                        v.as_array().map(|a| a.iter().collect()).unwrap_or_default();
                    match f.split_once('=') {
                        None => items,
                        Some(("", want)) => {
                            let want = resolve(want);
                            items
                                .into_iter()
                                .filter(|i| i.as_str() == Some(&want))
                                .collect()
                        }
                        Some((k, want)) => {
                            let want = resolve(want);
                            items
                                .into_iter()
                                .filter(|i| i[k].as_str() == Some(&want))
                                .collect()
                        }
                    }
                }
            })
            .collect();
    }
    current.into_iter().filter(|v| filled(v)).collect()
}

fn filled(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn satisfied(row: &Row, here: &Value, doc: &Value) -> bool {
    row.alternatives
        .iter()
        .any(|all| all.iter().all(|p| !eval(p, here, doc).is_empty()))
}

/// The fields a component says it cannot know, by name.
fn unknown_fields(c: &Value) -> Vec<String> {
    c["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["name"] == UNKNOWN_FIELD)
        .map(|p| {
            let v = p["value"].as_str().unwrap_or_default();
            let (field, why) = v.split_once(": ").unwrap_or((v, ""));
            assert!(
                !why.trim().is_empty(),
                "an unknown field without a reason: {v}"
            );
            field.to_string()
        })
        .collect()
}

/// What a CycloneDX SBOM lacks of TR-03183-2 v2.1, one line each (empty: nothing).
pub(crate) fn gaps(doc: &Value) -> Vec<String> {
    let rows = rows();
    let mut gaps = Vec::new();
    let version = doc["specVersion"].as_str().unwrap_or_default();
    let minor: u32 = version
        .strip_prefix("1.")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if doc["bomFormat"] != "CycloneDX" || minor < 6 {
        gaps.push(format!(
            "format: CycloneDX {version}, the TR needs 1.6 or later"
        ));
    }
    // A document field that cannot be known is named in `metadata.properties`.
    let unknown_here = unknown_fields(&doc["metadata"]);
    for row in rows.iter().filter(|r| r.scope == "document") {
        let present = satisfied(row, doc, doc);
        match row.level.as_str() {
            "SHALL" if !present && !unknown_here.contains(&row.field) => {
                gaps.push(format!("document: {}", row.field))
            }
            "MUST NOT" if present => gaps.push(format!("document: {} is there", row.field)),
            _ => {}
        }
    }
    let mut components: Vec<&Value> = vec![&doc["metadata"]["component"]];
    components.extend(doc["components"].as_array().into_iter().flatten());
    for c in components {
        let name = c["bom-ref"]
            .as_str()
            .unwrap_or_else(|| c["name"].as_str().unwrap_or("?"));
        let unknown = unknown_fields(c);
        for u in &unknown {
            if !rows.iter().any(|r| &r.field == u) {
                gaps.push(format!(
                    "{name}: unknown field {u:?} is not a field of the TR"
                ));
            }
        }
        for row in rows
            .iter()
            .filter(|r| r.scope == "component" && r.level == "SHALL")
        {
            if !satisfied(row, c, doc) && !unknown.contains(&row.field) {
                gaps.push(format!("{name}: {}", row.field));
            }
        }
    }
    gaps
}

/// Every field a component of `doc` says it cannot know, as `bom-ref: field`.
fn unknowns(doc: &Value) -> Vec<String> {
    let mut components: Vec<&Value> = vec![&doc["metadata"]["component"]];
    components.extend(doc["components"].as_array().into_iter().flatten());
    components
        .into_iter()
        .flat_map(|c| {
            let name = c["bom-ref"].as_str().unwrap_or_default().to_string();
            unknown_fields(c)
                .into_iter()
                .map(move |f| format!("{name}: {f}"))
        })
        .collect()
}

/// The property the TR's effective licence is written in.
const EFFECTIVE: &str = "bsi:component:effectiveLicense";

/// The value of a component's property `name` (it must have it).
fn property(c: &Value, name: &str) -> String {
    c["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| p["value"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no property {name} in {c}"))
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The example app's SBOM, built by `cargo cra build` in a copy of the example.
fn example_sbom() -> (tempfile::TempDir, Value) {
    let (tmp, dir) = fixture_copy("examples/hello-device");
    let doc = built_sbom(&dir);
    (tmp, doc)
}

/// `cargo cra build` in `dir`: the first binary's SBOM.
fn built_sbom(dir: &Path) -> Value {
    let out = run_cra(
        dir,
        &["cra", "build", "--message-format", "json"],
        &[("SOURCE_DATE_EPOCH", "0")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let report: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    json(Path::new(report["sbom"].as_str().unwrap()))
}

/// The component of `doc` named `name`.
fn component<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no component {name}"))
}

#[test]
fn the_example_apps_sbom_has_every_field_the_tr_requires_and_knows_them_all() {
    let (_tmp, doc) = example_sbom();
    assert_eq!(gaps(&doc), Vec::<String>::new());
    // Only crates.io packages and a package naming its repository: nothing is unknown.
    assert_eq!(unknowns(&doc), Vec::<String>::new());
    let root = &doc["metadata"]["component"];
    // "MIT OR Apache-2.0" is a choice nobody has made.
    assert_eq!(property(root, EFFECTIVE), "NOASSERTION");
    assert_eq!(
        root["externalReferences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "rfc-9116")
            .map(|r| r["url"].clone()),
        Some(Value::from(
            "https://devices.example.com/.well-known/security.txt"
        ))
    );
}

#[test]
fn the_manufacturers_licence_choice_is_the_effective_licence_and_a_choice_not_offered_is_refused() {
    let (_tmp, dir) = fixture_copy("examples/hello-device");
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let with = |choice: &str| {
        let table = format!(
            "[package.metadata.cra]\neffective-licenses = {{ \"MIT OR Apache-2.0\" = \"{choice}\" }}\n"
        );
        std::fs::write(&manifest, text.replace("[package.metadata.cra]\n", &table)).unwrap();
    };
    with("Apache-2.0");
    let doc = built_sbom(&dir);
    assert_eq!(
        property(&doc["metadata"]["component"], EFFECTIVE),
        "Apache-2.0"
    );
    let itoa = component(&doc, "itoa");
    assert_eq!(
        property(itoa, EFFECTIVE),
        "Apache-2.0",
        "itoa is MIT OR Apache-2.0"
    );
    // memchr is Unlicense OR MIT: a choice nobody made.
    let memchr = component(&doc, "memchr");
    assert_eq!(property(memchr, EFFECTIVE), "NOASSERTION");
    with("GPL-3.0-only");
    let bad = run_cra(&dir, &["cra", "build"], &[]);
    assert_one_line_error(
        &bad,
        &[
            "Cargo.toml:",
            "effective-licenses",
            "is not a choice \"MIT OR Apache-2.0\" allows",
        ],
    );
}

#[test]
fn a_missing_field_is_found_by_the_check() {
    let (_tmp, doc) = example_sbom();
    let mut broken = doc.clone();
    let crate_ref = broken["components"][0]["bom-ref"]
        .as_str()
        .unwrap()
        .to_string();
    broken["components"][0]
        .as_object_mut()
        .unwrap()
        .remove("manufacturer");
    broken["components"][0]["licenses"]
        .as_array_mut()
        .unwrap()
        .retain(|l| l["acknowledgement"] != "concluded");
    broken["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("timestamp");
    broken["vulnerabilities"] = serde_json::json!([{ "id": "CVE-2000-0001" }]);
    let found = gaps(&broken);
    for expected in [
        format!("{crate_ref}: Component creator"),
        format!("{crate_ref}: Distribution licences"),
        "document: Timestamp".to_string(),
        "document: Vulnerability information is there".to_string(),
    ] {
        assert!(found.contains(&expected), "{expected} not in {found:?}");
    }
    // A field said to be unknown, with a reason, is accepted; a name the TR does not have is not.
    let mut marked = doc.clone();
    marked["components"][0]
        .as_object_mut()
        .unwrap()
        .remove("manufacturer");
    marked["components"][0]["properties"]
        .as_array_mut()
        .unwrap()
        .push(
            serde_json::json!({"name": UNKNOWN_FIELD, "value": "Component creator: nobody says"}),
        );
    assert_eq!(gaps(&marked), Vec::<String>::new());
    marked["components"][0]["properties"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": UNKNOWN_FIELD, "value": "Favourite colour: blue"}));
    assert_eq!(gaps(&marked).len(), 1, "{:?}", gaps(&marked));
    // CycloneDX 1.5 is too old for the TR.
    let mut old = doc;
    old["specVersion"] = "1.5".into();
    assert!(gaps(&old)[0].starts_with("format:"), "{:?}", gaps(&old));
}

#[test]
fn an_image_sbom_has_every_field_the_tr_requires() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    std::fs::create_dir_all(project.join("files")).unwrap();
    std::fs::write(project.join("files/app.conf"), "x = 1\n").unwrap();
    // A gzip archive and an executable script: their file kinds are recorded.
    std::fs::write(project.join("files/data.gz"), [0x1f, 0x8b, 8, 0, 0, 0]).unwrap();
    std::fs::write(project.join("files/run.sh"), "#!/bin/sh\n").unwrap();
    std::fs::write(
        project.join("recipe.toml"),
        "[image]\nname = \"conf\"\nversion = \"1.0\"\narchitecture = \"amd64\"\n\n\
         [product]\nmanufacturer = { name = \"Acme\", url = \"https://acme.example\", email = \"a@acme.example\" }\n\n\
         [[file]]\nsource = \"files/app.conf\"\ndest = \"/etc/app.conf\"\n\n\
         [[file]]\nsource = \"files/data.gz\"\ndest = \"/usr/share/data.gz\"\n\n\
         [[file]]\nsource = \"files/run.sh\"\ndest = \"/usr/bin/run.sh\"\nmode = 0o755\n\n\
         [output.oci]\n\n[output.squashfs]\n",
    )
    .unwrap();
    let composed = report(&compose(
        project,
        &["recipe.toml", "--out", "images", "--json"],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    let dir = Path::new(composed["dir"].as_str().unwrap());
    let sbom = dir.join("conf.cdx.json");
    validate_cyclonedx(std::slice::from_ref(&sbom));
    let doc = json(&sbom);
    assert_eq!(gaps(&doc), Vec::<String>::new());
    let file = |path: &str| -> Value {
        doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["bom-ref"] == path)
            .unwrap()
            .clone()
    };
    assert_eq!(
        property(&file("/usr/share/data.gz"), "bsi:component:archive"),
        "archive"
    );
    assert_eq!(
        property(&file("/etc/app.conf"), "bsi:component:archive"),
        "no archive"
    );
    assert_eq!(
        property(&file("/usr/bin/run.sh"), "bsi:component:executable"),
        "executable"
    );
    assert_eq!(
        property(&file("/etc/app.conf"), "bsi:component:filename"),
        "app.conf"
    );
    // The SHA-512 of the file's deployable form is of its bytes.
    let sha512 = file("/etc/app.conf")["externalReferences"][0]["hashes"][1]["content"].clone();
    use sha2::Digest;
    assert_eq!(sha512, Value::from(hex(&sha2::Sha512::digest(b"x = 1\n"))));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
