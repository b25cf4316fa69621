//! Links a realistic set of crates so the SBOM benchmark has something to count.
use clap::Parser;

#[derive(Parser, serde::Serialize)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:1")]
    url: String,
}

fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let re = regex::Regex::new(r"^https?://").unwrap();
    let cfg: toml::Value = toml::from_str("a = 1").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ok = rt.block_on(async { reqwest::Client::new().get(&args.url).send().await.is_ok() });
    println!(
        "{}",
        serde_json::json!({"url": args.url, "http": re.is_match(&args.url), "ok": ok, "cfg": cfg.to_string(),
            "id": uuid::Uuid::new_v4().to_string(), "at": chrono::Utc::now().to_rfc3339()})
    );
}
