//! The release pipelines in `docs/ci/`: the GitHub Actions workflow passes GitHub's own
//! workflow parser (@actions/workflow-parser), both files parse as YAML (PyYAML), they ask for
//! the OIDC token keyless signing needs, and every `cargo cra` command in them names a command
//! and options `cargo cra` has, so they stay in step with the CLI.

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The YAML file as JSON, and every `cargo cra …` command line in its strings, split as the
/// shell splits them (Python's shlex).
fn parse(file: &Path) -> (Value, Vec<Vec<String>>) {
    let script = r##"
import json, shlex, sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
commands = []
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    elif isinstance(v, str):
        for line in v.replace("\\\n", " ").splitlines():
            at = line.find("cargo cra ")
            if at >= 0 and not line.lstrip().startswith("#"):
                commands.append(shlex.split(line[at:]))
walk(doc)
print(json.dumps({"doc": doc, "commands": commands}))
"##;
    let out = Command::new(test_python("PyYAML"))
        .args(["-c", script])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let commands = v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c.as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    (v["doc"].clone(), commands)
}

/// Every command is one `cargo cra` has, with options its `--help` lists.
fn check_commands(file: &str, commands: &[Vec<String>]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for argv in commands {
        assert_eq!(&argv[..2], ["cargo", "cra"], "{file}: {argv:?}");
        let sub = &argv[2];
        let out = run_cra(&repo_root(), &[sub, "--help"], &[]);
        assert!(
            out.status.success(),
            "{file}: `cargo cra {sub}` is not a command: {}",
            describe(&out)
        );
        let help = String::from_utf8_lossy(&out.stdout);
        for arg in argv[3..].iter().filter(|a| a.starts_with("--")) {
            let name = arg.split('=').next().unwrap();
            assert!(
                help.lines()
                    .any(|l| l.trim_start().split([' ', ',']).any(|w| w == name)),
                "{file}: `cargo cra {sub}` has no option {name}"
            );
        }
        seen.insert(sub.clone());
        if argv.iter().any(|a| a == "--keyless") {
            seen.insert("keyless".into());
        }
    }
    seen
}

fn check_pipeline(file: &str, commands: &[Vec<String>]) {
    let seen = check_commands(file, commands);
    for needed in ["build", "audit", "compose", "verify", "keyless"] {
        assert!(
            seen.contains(needed),
            "{file} has no {needed} step: {seen:?}"
        );
    }
}

/// GitHub's workflow parser's verdict: (jobs, errors).
fn github_parser(file: &Path) -> (bool, Value) {
    let dir = repo_root().join("tests/tools/node");
    assert!(
        dir.join("node_modules/@actions/workflow-parser").exists(),
        "@actions/workflow-parser is not installed: run `bash tests/run`, which installs it"
    );
    let out = Command::new("node")
        .arg("--import")
        .arg(dir.join("json-import.mjs"))
        .arg(dir.join("check-workflow.mjs"))
        .arg(file)
        .output()
        .expect("node is installed (tests/run installs it)");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("unexpected parser output: {}", describe(&out)));
    (out.status.success(), v)
}

#[test]
fn the_github_actions_workflow_is_valid_and_signs_keyless_with_the_jobs_oidc_token() {
    let file = repo_root().join("docs/ci/github-actions.yml");
    let (ok, verdict) = github_parser(&file);
    assert!(ok, "GitHub's parser: {verdict}");
    assert_eq!(verdict["jobs"], serde_json::json!(["release"]));
    // The parser does reject a broken workflow: a job without runs-on, a bad permission.
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.yml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &broken,
        text.replace("runs-on:", "runs_on:")
            .replace("id-token: write", "id-token: writ"),
    )
    .unwrap();
    let (ok, verdict) = github_parser(&broken);
    assert!(!ok, "{verdict}");
    let errors = verdict["errors"].to_string();
    assert!(
        errors.contains("runs-on") && errors.contains("writ"),
        "{errors}"
    );

    let (doc, commands) = parse(&file);
    let job = &doc["jobs"]["release"];
    assert_eq!(job["permissions"]["id-token"], "write");
    assert_eq!(doc["permissions"]["contents"], "read");
    let runs: String = job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert!(runs.contains("SOURCE_DATE_EPOCH="), "{runs}");
    check_pipeline("github-actions.yml", &commands);
}

#[test]
fn the_gitlab_ci_job_is_valid_yaml_and_signs_keyless_with_its_id_token() {
    let file = repo_root().join("docs/ci/gitlab-ci.yml");
    let (doc, commands) = parse(&file);
    let job = &doc["release"];
    // GitLab writes the token where cargo cra looks for it, for Sigstore's audience.
    assert_eq!(job["id_tokens"]["SIGSTORE_ID_TOKEN"]["aud"], "sigstore");
    assert!(
        doc["stages"]
            .as_array()
            .unwrap()
            .contains(&job["stage"].clone())
    );
    let script = job["script"].to_string();
    assert!(script.contains("SOURCE_DATE_EPOCH="), "{script}");
    assert!(
        job["artifacts"]["paths"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    check_pipeline("gitlab-ci.yml", &commands);
}

#[test]
fn a_command_the_cli_lacks_is_caught() {
    // The checks above would notice a renamed option.
    let commands = vec![
        ["cargo", "cra", "compose", "recipe.toml", "--keyless-sign"]
            .map(String::from)
            .to_vec(),
    ];
    let caught = std::panic::catch_unwind(|| check_commands("mutated.yml", &commands));
    assert!(caught.is_err());
}
