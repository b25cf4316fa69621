//! Entry points for the fuzz targets under `fuzz/` and for replaying their corpora in
//! `cargo test` (on stable). Each takes arbitrary bytes and panics only on a bug: a crash, or a
//! property that must hold for every input (one-line errors).

/// An OpenVEX document, as the audit reads the manufacturer's decisions: errors are one line;
/// a document that passes has every product and subcomponent matched against package URLs
/// without a panic, and survives being written and read again.
pub fn vex(data: &[u8]) {
    let doc = match crate::audit::vex::parse(data) {
        Ok(d) => d,
        Err(e) => {
            assert!(
                !e.contains('\n') && !e.contains('\r'),
                "an error must be one line: {e:?}"
            );
            return;
        }
    };
    let ours = [
        "pkg:cargo/app@0.1.0?download_url=file:.",
        "pkg:cargo/hashbrown@0.15.0",
        "pkg:oci/app@sha256:00?arch=amd64",
    ];
    for s in &doc.statements {
        for p in &s.products {
            for purl in ours {
                let _ = p.names(purl);
                p.subcomponents.iter().for_each(|c| {
                    let _ = c.names(purl);
                });
            }
        }
    }
    let again = serde_json::to_vec(&doc).expect("serialisable");
    crate::audit::vex::parse(&again).expect("our own writing of a document parses");
}
