//! A Sigstore instance nobody here wrote — Fulcio, Rekor and a TSA from @sigstore/mock, served
//! on 127.0.0.1 by tests/tools/node/mock-sigstore.mjs — for the tests of every crate (a
//! dev-dependency, `publish = false`). Killed on drop.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running instance.
pub struct MockSigstore {
    child: Child,
    /// Base URL of all three services.
    pub url: String,
    /// The instance's trusted root (`trusted_root.json`).
    pub trusted_root: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for MockSigstore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MockSigstore {
    /// Starts the instance (`@sigstore/mock` is installed by `tests/run` into
    /// `tests/tools/node`; `CRA_TEST_NODE_TOOLS` names another such directory, as for a fresh
    /// clone whose tools are not installed).
    pub fn start() -> Self {
        let tools = std::env::var_os("CRA_TEST_NODE_TOOLS")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/node"));
        assert!(
            tools.join("node_modules/@sigstore/mock").exists(),
            "@sigstore/mock is not installed: run `bash tests/run`, which installs it"
        );
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("node")
            .arg(tools.join("mock-sigstore.mjs"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node is installed (tests/run installs it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = serde_json::from_str::<serde_json::Value>(&line)
            .unwrap_or_else(|e| panic!("mock Sigstore did not start: {line:?}: {e}"))["url"]
            .as_str()
            .unwrap()
            .to_string();
        MockSigstore {
            child,
            url,
            trusted_root: dir.path().join("trusted_root.json"),
            _dir: dir,
        }
    }
}
