//! CRA-relevant gaps that do not stop a build or an image by themselves: no manufacturer, no
//! security contact, no or a past support period end, a date fallen back to 1970, an image
//! running as root. Each is one line, said through the [`Ui`]; `--deny-warnings` makes them an
//! error before anything is built.

use crate::error::BuildError;
use crate::ui::Ui;
use cra_model::product::Product;

/// Says `warnings`, one line each; with `deny`, any warning is an error (nothing was built).
pub(crate) fn emit(ui: &dyn Ui, warnings: &[String], deny: bool) -> Result<(), BuildError> {
    for w in warnings {
        ui.warning(w);
    }
    match (deny, warnings.len()) {
        (true, n) if n > 0 => Err(BuildError::DeniedWarnings(n)),
        _ => Ok(()),
    }
}

/// The product table's gaps, each prefixed with where the table is (`place`).
pub(crate) fn product_gaps(place: &str, product: &Product) -> Vec<String> {
    let today = today();
    product
        .gaps(&today)
        .into_iter()
        .map(|g| format!("{place}: {g}; `cargo cra init` writes a starting table"))
        .collect()
}

/// Today (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
