//! `cargo cra verify`'s report: one line per check, each `ok`, `FAIL` or `skipped (why)`.

/// What became of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It held.
    Ok,
    /// It did not hold: the verification fails.
    Fail,
    /// It could not be made (the detail says why); it does not fail the verification.
    Skipped,
}

/// One line of `cargo cra verify`'s report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckLine {
    /// What was checked.
    pub check: String,
    /// Whether it held, failed or was skipped.
    pub status: Status,
    /// Details: what held, why not, or why it was skipped.
    pub detail: String,
}

/// Why a check did not hold.
#[derive(Debug)]
pub(crate) enum Problem {
    /// It failed.
    Fail(String),
    /// It could not be made.
    Skipped(String),
}

impl From<String> for Problem {
    fn from(s: String) -> Self {
        Problem::Fail(s)
    }
}

impl From<&str> for Problem {
    fn from(s: &str) -> Self {
        Problem::Fail(s.to_string())
    }
}

/// A check's outcome: what held, or why not.
pub(crate) type Outcome = Result<String, Problem>;

/// The report line of `check`; its name is given once (a detail starting with it loses it).
pub(crate) fn line(check: &str, outcome: Outcome) -> CheckLine {
    let (status, detail) = match outcome {
        Ok(d) => (Status::Ok, d),
        Err(Problem::Fail(d)) => (Status::Fail, d),
        Err(Problem::Skipped(d)) => (Status::Skipped, d),
    };
    let detail = match detail.strip_prefix(&format!("{check}: ")) {
        Some(rest) => rest.to_string(),
        None => detail,
    };
    CheckLine {
        check: check.to_string(),
        status,
        detail,
    }
}
