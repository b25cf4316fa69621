//! How the library speaks to the person running it without printing: the binary implements
//! [`Ui`] (standard error, progress bars, a terminal prompt); another caller can record or drop
//! what it says ([`Quiet`]). Nothing outside the binary's `cli` writes to a terminal.

use cra_composer::progress::Progress;
use std::io::Write;

/// Where warnings, notes, cargo's own output, progress and password prompts go.
pub trait Ui: Progress + Sync {
    /// A warning, one line; it may quote hostile input (the implementation makes it printable).
    fn warning(&self, line: &str);
    /// A note on the work (phase timings under `CARGO_CRA_TIMINGS`), one line.
    fn note(&self, line: &str);
    /// Where cargo's own output (its diagnostics and progress bar) is passed on.
    fn cargo_output(&self) -> CargoOutput;
    /// Asks for a password without echoing it; `None` when there is no one to ask.
    fn ask_password(&self, prompt: &str) -> Option<String>;
}

/// Where cargo's own output goes, and what it is drawn on.
pub struct CargoOutput {
    /// The sink.
    pub sink: Box<dyn Write + Send>,
    /// Whether it is a terminal (cargo colours its output then).
    pub terminal: bool,
    /// The terminal's width, when known (cargo draws its progress bar then).
    pub width: Option<u16>,
}

/// Says nothing and asks nothing: cargo's output is dropped, a password must come from the
/// environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _step: &str, _total: Option<u64>) {}
    fn advance(&self, _bytes: u64) {}
    fn end(&self) {}
}

impl Ui for Quiet {
    fn warning(&self, _line: &str) {}
    fn note(&self, _line: &str) {}
    fn cargo_output(&self) -> CargoOutput {
        CargoOutput {
            sink: Box::new(std::io::sink()),
            terminal: false,
            width: None,
        }
    }
    fn ask_password(&self, _prompt: &str) -> Option<String> {
        None
    }
}
