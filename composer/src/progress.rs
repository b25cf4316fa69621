//! Progress reporting: the library says what it is doing; the caller decides how to show it
//! (the CLI draws bars on a terminal and prints plain lines otherwise).

/// Receives progress from long steps. Implementations must be cheap: `advance` is called for
/// every chunk written.
pub trait Progress: Sync {
    /// A step begins; `total` is its size in bytes when known.
    fn begin(&self, step: &str, total: Option<u64>);
    /// `bytes` more of the current step are done.
    fn advance(&self, bytes: u64);
    /// The current step is done.
    fn end(&self);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn end(&self) {}
}
