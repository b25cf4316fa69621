//! A minimal device app: prints its identity and status as one JSON line and exits.
//!
//! It reads its configuration from `/etc/hello-device/config.json` (or the file named by
//! `HELLO_DEVICE_CONFIG`): a JSON object whose `site` is reported. Without a readable
//! configuration the status is `unconfigured`.

use std::path::PathBuf;

fn main() {
    let path = std::env::var_os("HELLO_DEVICE_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/hello-device/config.json"));
    let site = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|c| c.get("site").and_then(|s| s.as_str()).map(String::from));
    let status = serde_json::json!({
        "device": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "status": if site.is_some() { "ok" } else { "unconfigured" },
        "site": site,
    });
    println!("{status}");
}
