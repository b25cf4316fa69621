//! Help that travels with the binary: `cargo cra help recipe` names every table and key of the
//! recipe model (walked from the JSON schema the model derives, and from the recipes shipped
//! here), completion scripts that real bash, zsh and fish load and complete with, and man
//! pages that nroff renders, one per command.

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn stdout(args: &[&str]) -> String {
    let out = run_cra(&repo_root(), args, &[]);
    assert!(out.status.success(), "{}", describe(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// The reference's tables (`[image]`, `[[app]]` as `image`, `app`) and each one's keys.
fn reference_keys(reference: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut tables = BTreeMap::new();
    let mut current = None;
    for line in reference.lines() {
        if let Some(h) = line.strip_prefix('[') {
            let name = h.trim_start_matches('[').trim_end_matches(']').to_string();
            tables.entry(name.clone()).or_insert_with(BTreeSet::new);
            current = Some(name);
        } else if let (Some(t), Some((key, _))) = (
            &current,
            line.strip_prefix("  ")
                .and_then(|l| l.split_once(" ("))
                .filter(|(k, _)| !k.contains(' ')),
        ) {
            tables.get_mut(t).unwrap().insert(key.to_string());
        }
    }
    tables
}

/// Every (table, key) of the schema: a table's path is its keys joined with `.`.
fn schema_keys(schema: &Value) -> BTreeMap<String, BTreeSet<String>> {
    fn resolve<'a>(defs: &'a Value, s: &'a Value) -> &'a Value {
        if let Some(r) = s["$ref"].as_str() {
            return resolve(defs, &defs[r.rsplit('/').next().unwrap()]);
        }
        if let Some(any) = s["anyOf"].as_array() {
            let not_null: Vec<_> = any.iter().filter(|a| a["type"] != "null").collect();
            if not_null.len() == 1 {
                return resolve(defs, not_null[0]);
            }
        }
        s
    }
    fn walk(defs: &Value, s: &Value, path: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
        for (key, p) in s["properties"].as_object().unwrap() {
            let r = resolve(defs, p);
            let items = resolve(defs, &r["items"]);
            let sub = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if r["properties"].is_object() {
                out.entry(sub.clone()).or_default();
                walk(defs, r, &sub, out);
            } else if items["properties"].is_object() {
                out.entry(sub.clone()).or_default();
                walk(defs, items, &sub, out);
            } else {
                out.entry(path.to_string()).or_default().insert(key.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&schema["$defs"], schema, "", &mut out);
    out
}

/// Every (table, key) a TOML recipe uses; inline tables count as tables.
fn recipe_keys(
    v: &toml::Value,
    path: &str,
    out: &mut BTreeMap<String, BTreeSet<String>>,
    maps: &BTreeSet<String>,
) {
    let Some(t) = v.as_table() else { return };
    for (key, value) in t {
        let sub = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match value {
            // `labels`, `env`, `xattrs`: tables of free-form names, keys themselves.
            toml::Value::Table(_) if maps.contains(key) => {
                out.entry(path.to_string()).or_default().insert(key.clone());
            }
            toml::Value::Table(_) => recipe_keys(value, &sub, out, maps),
            toml::Value::Array(a) if a.iter().all(|x| x.is_table()) && !a.is_empty() => {
                for x in a {
                    recipe_keys(x, &sub, out, maps);
                }
            }
            _ => {
                out.entry(path.to_string()).or_default().insert(key.clone());
            }
        }
    }
}

#[test]
fn help_recipe_names_every_table_and_key_of_the_recipe_model() {
    let reference = stdout(&["help", "recipe"]);
    let documented = reference_keys(&reference);
    let schema: Value = serde_json::from_str(&stdout(&["schema", "recipe"])).unwrap();
    let mut model = schema_keys(&schema);
    // The root's own keys are all tables: the reference lists no root keys.
    model.remove("");
    assert_eq!(
        documented, model,
        "the reference and the recipe model differ"
    );
    assert!(documented["app"].contains("package"));
    assert!(documented["product.manufacturer"].contains("name"));
    // Issue 25: every table says what it is, not only its own name.
    let lines: Vec<&str> = reference.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with('[') && line.ends_with(']') {
            let described = lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
            assert_ne!(
                described,
                format!("`{line}`."),
                "{line} is described by its name"
            );
        }
    }
    // Every key the recipes shipped here use is documented (and so is in the model).
    let maps: BTreeSet<String> = ["labels", "annotations", "env", "xattrs"]
        .map(String::from)
        .into();
    for recipe in [
        "recipes/hello-device.toml",
        "fuzz/seeds/recipe/every-kind.toml",
        "fuzz/seeds/recipe/rich.toml",
    ] {
        let path = repo_root().join(recipe);
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut used = BTreeMap::new();
        recipe_keys(&v, "", &mut used, &maps);
        used.remove("");
        for (table, keys) in used {
            for key in keys {
                assert!(
                    documented.get(&table).is_some_and(|k| k.contains(&key)),
                    "{recipe}: {table}.{key} is not in `cargo cra help recipe`"
                );
            }
        }
    }
    // Unknown topics: one line naming what there is.
    let out = run_cra(&repo_root(), &["help", "recipes"], &[]);
    assert_one_line_error(&out, &["recipes", "recipe", "build"]);
    // A command's help by name.
    assert!(stdout(&["help", "init"]).contains("--security-contact"));
}

/// A shell's output for `script`, with the completion script at `file`.
fn shell(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed (tests/run installs it): {e}"));
    assert!(out.status.success(), "{program}: {}", describe(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn completion_scripts_load_and_complete_in_bash_zsh_and_fish() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |shell: &str, name: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, stdout(&["completions", shell])).unwrap();
        path
    };
    let bash = write("bash", "cargo-cra.bash");
    // The function bash registers for cargo-cra, called as bash calls it: a subcommand, then an
    // option of that subcommand, then a value of an enumerated argument.
    let complete = |words: &[&str]| {
        let script = format!(
            "source {}; f=$(complete -p cargo-cra | sed -E 's/.*-F ([^ ]+).*/\\1/'); \
             COMP_WORDS=({}); COMP_CWORD={}; $f cargo-cra '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            bash.display(),
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        shell("bash", &["-c", &script])
    };
    let got = complete(&["cargo-cra", "ini"]);
    assert_eq!(got.trim(), "init", "{got}");
    let got = complete(&["cargo-cra", "verify", "--allow"]);
    assert_eq!(got.trim(), "--allow-unsigned", "{got}");
    let got = complete(&["cargo-cra", "completions", "f"]);
    assert_eq!(got.trim(), "fish", "{got}");

    let fish = write("fish", "cargo-cra.fish");
    let got = shell(
        "fish",
        &[
            "-c",
            &format!(
                "source {}; complete -C 'cargo-cra ver'; complete -C 'cargo-cra build --deny'",
                fish.display()
            ),
        ],
    );
    assert!(got.lines().any(|l| l.starts_with("verify\t")), "{got}");
    assert!(
        got.lines().any(|l| l.starts_with("verify-bundle\t")),
        "{got}"
    );
    assert!(
        got.lines().any(|l| l.starts_with("--deny-warnings\t")),
        "{got}"
    );

    // zsh: the script is an autoloadable `_cargo-cra` function zsh parses and loads.
    let dir = tmp.path().join("zfunc");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("_cargo-cra"), stdout(&["completions", "zsh"])).unwrap();
    let got = shell(
        "zsh",
        &[
            "-fc",
            &format!(
                "zsh -n {d}/_cargo-cra && fpath=({d} $fpath) && autoload -U _cargo-cra && whence -w _cargo-cra && grep -c -- '--allow-unsigned' {d}/_cargo-cra",
                d = dir.display()
            ),
        ],
    );
    assert!(got.contains("_cargo-cra: function"), "{got}");
}

/// The commands `cargo cra --help` lists.
fn commands() -> Vec<String> {
    let help = stdout(&["--help"]);
    help.split("Commands:")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        // A command's line is indented by two; its wrapped description by more.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
}

#[test]
fn man_pages_render_one_per_command_with_its_options() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man");
    let listed = stdout(&["man", "--out", dir.to_str().unwrap()]);
    let mut expected: Vec<String> = commands()
        .iter()
        .map(|c| format!("cargo-cra-{c}.1"))
        .collect();
    expected.push("cargo-cra.1".into());
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    assert_eq!(listed.lines().count(), expected.len(), "{listed}");
    let render = |page: &str| {
        let out = Command::new("nroff")
            .args(["-man", "-Tascii"])
            .arg(dir.join(page))
            .output()
            .expect("nroff is needed (tests/run installs groff-base)");
        assert!(out.status.success(), "{}", describe(&out));
        // Plain text: overstrikes (bold `X\bX`, underline `_\bX`) removed.
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut plain = String::new();
        for c in text.chars() {
            if c == '\u{8}' {
                plain.pop();
            } else {
                plain.push(c);
            }
        }
        plain
    };
    let init = render("cargo-cra-init.1");
    assert!(
        init.contains("NAME") && init.contains("cargo-cra-init"),
        "{init}"
    );
    for option in ["--manufacturer", "--security-contact", "--recipe"] {
        assert!(init.contains(option), "{option}: {init}");
    }
    let verify = render("cargo-cra-verify.1");
    assert!(verify.contains("--allow-unsigned"), "{verify}");
    let root = render("cargo-cra.1");
    for command in commands() {
        assert!(root.contains(&command), "{command}: {root}");
    }
    // Generated again: the same bytes (the pages can be committed or packaged).
    let again = tmp.path().join("again");
    stdout(&["man", "--out", again.to_str().unwrap()]);
    for page in &expected {
        assert_eq!(
            std::fs::read(dir.join(page)).unwrap(),
            std::fs::read(again.join(page)).unwrap(),
            "{page}"
        );
    }
}
