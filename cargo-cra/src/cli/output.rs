//! Standard output for every command: a reader that went away (`cargo cra verify --json |
//! head`) ends the command quietly with 141, as SIGPIPE would, never a panic.

use std::path::Path;

/// Exit status of a command whose standard output was closed under it (128 + SIGPIPE).
pub const CLOSED_PIPE: u8 = 141;

/// `println!` to standard output, ending the process quietly when its reader went away.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            $crate::cli::output::stdout_failed(e)
        }
    }};
}

/// `print!` to standard output, as [`out!`].
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($arg)*) {
            $crate::cli::output::stdout_failed(e)
        }
    }};
}

/// Ends the process after standard output failed: quietly when its reader went away.
pub fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!("error: standard output: {e}");
    }
    std::process::exit(i32::from(CLOSED_PIPE))
}

/// A warning, one line, made printable (it may quote hostile input).
pub fn warning(w: &str) {
    eprintln!("warning: {}", cra_model::input::printable(w));
}

/// `p` relative to the current directory when it is below it, for reports.
pub fn shown(p: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    p.strip_prefix(&cwd).unwrap_or(p).display().to_string()
}

/// Prints `e`: one line that already includes its cause (`{:#}`: the whole chain, where a
/// context was added on the way); `docs --strict` names each missing item on a line of its own.
pub fn report_error(e: &anyhow::Error) {
    let printable = cra_model::input::printable;
    if let Some(items) = missing_items(e) {
        eprintln!(
            "error: {} item(s) of Annex II or V are missing:",
            items.len()
        );
        for item in items {
            eprintln!("  - {}", printable(item));
        }
        return;
    }
    eprintln!("error: {}", printable(&format!("{e:#}")));
}

/// The missing Annex II and V items of a `--strict` failure, from `docs` or `compose --docs`.
fn missing_items(e: &anyhow::Error) -> Option<&[String]> {
    use cargo_cra::docs::DocsError;
    use cargo_cra::ops::compose::ComposeCommandError;
    match (e.downcast_ref(), e.downcast_ref()) {
        (Some(DocsError::Strict(items)), _) => Some(items),
        (_, Some(ComposeCommandError::Docs(DocsError::Strict(items)))) => Some(items),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cargo_cra::docs::DocsError;
    use cargo_cra::ops::compose::ComposeCommandError;

    #[test]
    fn strict_gaps_are_listed_whether_docs_or_compose_found_them() {
        let items = vec!["Annex II point 4: intended purpose is missing".to_string()];
        let docs = anyhow::Error::from(DocsError::Strict(items.clone()));
        let compose =
            anyhow::Error::from(ComposeCommandError::Docs(DocsError::Strict(items.clone())));
        assert_eq!(missing_items(&docs), Some(&items[..]));
        assert_eq!(missing_items(&compose), Some(&items[..]));
        assert_eq!(missing_items(&anyhow::anyhow!("other")), None);
    }
}
