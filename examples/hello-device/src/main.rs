//! A minimal device app: prints its identity and status as one JSON line and exits.

fn main() {
    let status = serde_json::json!({
        "device": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "status": "ok",
    });
    println!("{status}");
}
