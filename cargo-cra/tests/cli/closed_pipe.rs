//! Issue 25: a command whose reader goes away (`cargo cra verify --json | head`) ends quietly
//! with 141, as SIGPIPE would end a C program: no panic, no backtrace.

use crate::common;

use common::*;
use std::process::{Command, Stdio};

#[test]
fn a_closed_standard_output_ends_every_printing_command_quietly() {
    for args in [
        vec!["cra", "schema", "recipe"],
        vec!["cra", "help", "recipe"],
        vec!["cra", "completions", "bash"],
    ] {
        let mut child = Command::new(cargo_cra())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: quietly: {err}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
    }
}
