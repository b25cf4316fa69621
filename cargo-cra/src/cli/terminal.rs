//! The terminal the library speaks through ([`cargo_cra::ui::Ui`]): warnings and notes on
//! standard error, progress bars for long steps (indicatif; one plain line per step when
//! standard error is not a terminal), cargo's own output passed on, and password prompts.

use cra_composer::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// Standard error, and the terminal behind it when there is one.
pub struct Terminal {
    bar: Mutex<Option<ProgressBar>>,
    tty: bool,
}

impl Terminal {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn new() -> Self {
        Terminal {
            bar: Mutex::new(None),
            tty: std::io::stderr().is_terminal(),
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for Terminal {
    fn begin(&self, step: &str, total: Option<u64>) {
        // "Pushing blob sha256:…": the verb in cargo's column; a bare noun is being written.
        let (verb, what) = match step.split_once(' ') {
            Some((verb, what)) if verb.starts_with(char::is_uppercase) && verb.ends_with("ing") => {
                (verb, what)
            }
            _ => ("Writing", step),
        };
        if !self.tty {
            eprintln!("{verb:>12} {what}");
            return;
        }
        let bar = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{prefix:>12} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{prefix:>12} {msg} {spinner}")
                    .expect("valid template"),
            ),
        };
        bar.set_prefix(verb.to_string());
        bar.set_message(what.to_string());
        *self.bar.lock().expect("progress lock") = Some(bar);
    }

    fn advance(&self, bytes: u64) {
        if let Some(b) = self.bar.lock().expect("progress lock").as_ref() {
            b.inc(bytes);
        }
    }

    fn end(&self) {
        if let Some(b) = self.bar.lock().expect("progress lock").take() {
            b.finish_and_clear();
        }
    }
}

impl cargo_cra::ui::Ui for Terminal {
    fn warning(&self, line: &str) {
        super::output::warning(line);
    }

    fn note(&self, line: &str) {
        eprintln!("{line}");
    }

    fn cargo_output(&self) -> cargo_cra::ui::CargoOutput {
        let stderr = std::io::stderr();
        let terminal = stderr.is_terminal();
        let width = match terminal {
            true => terminal_size::terminal_size_of(&stderr).map(|(w, _)| w.0),
            false => None,
        };
        cargo_cra::ui::CargoOutput {
            sink: Box::new(stderr),
            terminal,
            width,
        }
    }

    fn ask_password(&self, prompt: &str) -> Option<String> {
        if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
            return None;
        }
        rpassword::prompt_password(prompt).ok()
    }
}
