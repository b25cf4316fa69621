//! The recipe format's JSON schema: the shipped `docs/recipe.schema.json` is the generated one,
//! and an independent validator (Python's `jsonschema`, installed by `tests/run`) accepts the
//! repository's recipes with it and refuses what cargo-cra refuses.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_shipped_schema_is_the_generated_one() {
    let shipped = std::fs::read_to_string(repo().join("docs/recipe.schema.json")).unwrap();
    assert!(
        shipped == cra_composer::recipe::json_schema(),
        "docs/recipe.schema.json is stale: run `cargo cra schema recipe > docs/recipe.schema.json`"
    );
}

#[test]
fn the_recipe_reference_in_docs_is_the_generated_one() {
    let doc = std::fs::read_to_string(repo().join("docs/reference/recipe.md")).unwrap();
    let fenced = doc
        .split_once("```text\n")
        .and_then(|(_, rest)| rest.rsplit_once("```"))
        .map(|(body, _)| body)
        .expect("docs/reference/recipe.md holds the reference between ```text fences");
    assert!(
        fenced == cra_composer::recipe::reference(),
        "docs/reference/recipe.md is stale: put `cargo cra help recipe` between its fences"
    );
}

/// Validates each TOML file with the schema in Python; returns (file, valid, message) lines.
fn validate(files: &[PathBuf]) -> Vec<(String, bool, String)> {
    let python = std::env::var_os("CRA_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".tools/venv/bin/python"));
    assert!(
        python.exists(),
        "the JSON Schema validator is not installed ({}): run `bash tests/run`, which installs it",
        python.display()
    );
    let script = r#"
import json, sys, tomllib, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    errors = list(v.iter_errors(tomllib.load(open(path, "rb"))))
    print(json.dumps([path, not errors, errors[0].message if errors else ""]))
"#;
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(repo().join("docs/recipe.schema.json"))
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn an_independent_validator_accepts_our_recipes_and_refuses_unknown_keys() {
    let mut good = vec![repo().join("recipes/hello-device.toml")];
    for seed in ["every-kind.toml", "rich.toml"] {
        good.push(repo().join("fuzz/seeds/recipe").join(seed));
    }
    for (file, valid, message) in validate(&good) {
        assert!(valid, "{file}: {message}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&good[0]).unwrap();
    let mut bad = Vec::new();
    for (name, from, to) in [
        ("password.toml", "[[user]]", "[[user]]\npassword = \"$6$x\""),
        ("mode.toml", "[image]", "[image]\nlayers = 3"),
    ] {
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text, "{name}");
        let path = tmp.path().join(name);
        std::fs::write(&path, &edited).unwrap();
        // cargo-cra refuses it too.
        assert!(
            cra_composer::recipe::Recipe::parse(&path, &edited).is_err(),
            "{name}"
        );
        bad.push(path);
    }
    for (file, valid, message) in validate(&bad) {
        assert!(!valid, "{file} passed the schema");
        assert!(
            message.contains("Additional properties"),
            "{file}: {message}"
        );
    }
}
