//! Help that travels with the binary: `cargo cra help [COMMAND|recipe]`, shell completions
//! and man pages, all generated from the clap definitions of [`super::Cli`].

use super::{Cli, Shell};
use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use std::path::{Path, PathBuf};

/// Topics `cargo cra help` knows besides the commands.
const TOPICS: &[&str] = &["recipe"];

/// `cargo cra help`: the root help, a command's long help, or a topic.
pub fn help(topic: Option<&str>) -> Result<()> {
    let mut cli = Cli::command();
    let printed = match topic {
        None => cli.print_long_help(),
        Some("recipe") => {
            use std::io::Write;
            std::io::stdout().write_all(cra_composer::recipe::reference().as_bytes())
        }
        Some(name) => match cli.find_subcommand_mut(name) {
            Some(sub) => {
                let mut sub = sub.clone().bin_name(format!("cargo cra {name}"));
                sub.print_long_help()
            }
            None => {
                let commands: Vec<String> = Cli::command()
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .collect();
                bail!(
                    "no help on {name:?}: give a command ({}) or a topic ({})",
                    commands.join(", "),
                    TOPICS.join(", ")
                )
            }
        },
    };
    // A closed pipe (`cargo cra help recipe | head`) ends the command quietly, in `main`.
    Ok(printed?)
}

/// The completion script for `shell`, for the `cargo-cra` binary.
pub fn completions(shell: Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // The binary is `cargo-cra` (cargo runs it for `cargo cra`): scripts complete that name.
    let mut cli = Cli::command().bin_name("cargo-cra");
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli, "cargo-cra", &mut script);
    let mut script = String::from_utf8(script).expect("clap_complete writes UTF-8");
    if shell == Shell::Bash {
        // clap_complete 4.6 names the bash states of a dashed binary's subcommands
        // `cargo__subcmd__cra__subcmd__X` where it dispatches on `cargo__cra__subcmd__X`, so
        // no option after a subcommand would complete; cargo-cra/tests/cli/help.rs checks that they do.
        script = script.replace("cargo__subcmd__cra__", "cargo__cra__");
    }
    out.write_all(script.as_bytes())
}

/// Writes `cargo-cra.1` and `cargo-cra-<command>.1` into `dir`; returns the files.
pub fn man_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let cli = Cli::command();
    let version = cli.get_version().unwrap_or_default().to_string();
    let mut pages = vec![("cargo-cra".to_string(), cli.clone())];
    for sub in cli.get_subcommands() {
        let name = format!("cargo-cra-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("cargo cra {}", sub.get_name()))
            .version(version.clone());
        pages.push((name, page));
    }
    let mut written = Vec::new();
    for (name, page) in pages {
        let mut roff = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut roff)
            .with_context(|| format!("rendering {name}.1"))?;
        let path = dir.join(format!("{name}.1"));
        cra_attest::persist::write_atomic(&path, &roff, 0o644)
            .with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
