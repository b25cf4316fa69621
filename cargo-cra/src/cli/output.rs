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
