//! `index.html`, the auditor's report: one self-contained page. Its Content-Security-Policy
//! allows nothing but its own inline style and script (by hash): no network request can leave
//! it. Everything works without JavaScript; the script only filters the SBOM table and pages
//! through an image's files.

use super::Verification;
use super::annex::{Item, Status};
use super::evidence::{Evidence, Kind, Role};
use super::facts::{Fact, Facts, Source};
use super::technical_file::TechnicalFile;
use crate::verifying::Status as Check;
use base64::Engine;
use sha2::Digest;

/// The page's style.
pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}\
main{max-width:72rem;margin:0 auto;padding:1.5rem}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}\
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}\
th{background:#f6f8fa}code{font-size:.85em;word-break:break-all}\
.ok{color:#116329;font-weight:600}.fail{color:#cf222e;font-weight:600}.skip{color:#9a6700;font-weight:600}\
.summary{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:12rem}\
.card b{display:block;font-size:1.4rem}.declared{color:#57606a;font-style:italic}\
input{font-size:1rem;padding:.3rem;width:20rem;margin:.5rem 0}";

/// The script: filters `#crates` rows and pages `#files` from the JSON data block.
const SCRIPT: &str = "(function(){\
var q=document.getElementById('filter');var rows=document.querySelectorAll('#crates tbody tr');\
if(q){q.hidden=false;q.addEventListener('input',function(){var t=q.value.toLowerCase();\
rows.forEach(function(r){r.hidden=t&&r.textContent.toLowerCase().indexOf(t)<0;});});}\
var data=document.getElementById('files-data');if(!data)return;var files=JSON.parse(data.textContent);\
var body=document.querySelector('#files tbody');var info=document.getElementById('files-page');\
var size=100,page=0;function show(){body.textContent='';\
files.slice(page*size,page*size+size).forEach(function(f){var tr=document.createElement('tr');\
f.forEach(function(v){var td=document.createElement('td');td.textContent=v;tr.appendChild(td);});body.appendChild(tr);});\
info.textContent='files '+(page*size+1)+'-'+Math.min(files.length,page*size+size)+' of '+files.length;}\
document.getElementById('files-prev').onclick=function(){if(page>0){page--;show();}};\
document.getElementById('files-next').onclick=function(){if((page+1)*size<files.length){page++;show();}};\
document.getElementById('files-nav').hidden=false;show();})();";

/// How many files the page lists without JavaScript.
const FILES_WITHOUT_SCRIPT: usize = 200;

/// `s` escaped for HTML text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn hash_source(s: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s.as_bytes()))
    )
}

/// A Content-Security-Policy allowing only the page's own style (and script, if any).
pub(crate) fn csp(script: Option<&str>) -> String {
    let script = script.map_or("'none'".to_string(), hash_source);
    format!(
        "default-src 'none'; style-src {}; script-src {script}; img-src 'none'; \
         connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'",
        hash_source(STYLE)
    )
}

fn fact_cell(f: &Option<Fact>, key: &str) -> String {
    match f {
        None => format!(
            "<span class=\"fail\">missing</span> (set <code>{}</code>)",
            escape(key)
        ),
        Some(f) => match &f.source {
            Source::Evidence(file) => format!(
                "{} <small>(evidence: <code>{}</code>)</small>",
                escape(&f.value),
                escape(file)
            ),
            Source::Declaration => format!(
                "{} <span class=\"declared\">(manufacturer's declaration)</span>",
                escape(&f.value)
            ),
        },
    }
}

fn row(cells: &[String]) -> String {
    let mut out = String::from("<tr>");
    for c in cells {
        out += "<td>";
        out += c;
        out += "</td>";
    }
    out + "</tr>\n"
}

fn table(id: &str, header: &[&str], rows: &str) -> String {
    let head: String = header
        .iter()
        .map(|h| format!("<th>{}</th>", escape(h)))
        .collect();
    let id = match id.is_empty() {
        true => String::new(),
        false => format!(" id=\"{id}\""),
    };
    format!("<table{id}><thead><tr>{head}</tr></thead><tbody>\n{rows}</tbody></table>\n")
}

/// What the report is made of.
pub(crate) struct Page<'a> {
    pub evidence: &'a Evidence,
    pub facts: &'a Facts,
    pub items: &'a [Item],
    pub verification: &'a Verification,
    pub technical_file: &'a TechnicalFile,
    /// The manufacturer's texts: (title, Markdown).
    pub texts: &'a [(String, String)],
}

/// The report.
pub(crate) fn render(p: &Page<'_>) -> String {
    let title = match (&p.facts.name, &p.facts.version) {
        (Some(n), Some(v)) => format!("{} {}", n.value, v.value),
        (Some(n), None) => n.value.clone(),
        _ => "product".into(),
    };
    let body = [
        summary(p),
        product_section(p.facts),
        verification_section(p.verification),
        provenance_section(p.evidence),
        image_section(p.evidence, p.facts),
        vulnerability_section(p.evidence),
        sbom_section(p.evidence),
        checklist_section(p.items),
        artefact_section(p.technical_file),
        texts_section(p.texts),
    ]
    .concat();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>CRA technical file: {t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>CRA technical file: {t}</h1>\n\
         <p>Generated by {generator} on {date} from the evidence beside it. Facts marked \
         <span class=\"declared\">(manufacturer's declaration)</span> are the manufacturer's; \
         the rest is proved by the files named.</p>\n{body}</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        csp = csp(Some(SCRIPT)),
        t = escape(&title),
        generator = escape(&p.technical_file.generator),
        date = escape(&p.technical_file.date),
    )
}

fn summary(p: &Page<'_>) -> String {
    let checks = &p.verification.lines;
    let failed = checks.iter().filter(|l| l.result == Check::Fail).count();
    let passed = checks.iter().filter(|l| l.result == Check::Ok).count();
    let verdict = match (&p.verification.skipped, failed) {
        (Some(_), _) => "<b class=\"skip\">not verified</b>".to_string(),
        (None, 0) => format!("<b class=\"ok\">{passed} checks ok</b>"),
        (None, n) => format!("<b class=\"fail\">{n} checks FAIL</b>"),
    };
    let missing = p
        .items
        .iter()
        .filter(|i| i.status == Status::Missing)
        .count();
    let present = p.items.len() - missing;
    let checklist = match missing {
        0 => format!("<b class=\"ok\">{present} of {} present</b>", p.items.len()),
        n => format!(
            "<b class=\"fail\">{n} missing</b>{present} of {} present",
            p.items.len()
        ),
    };
    let open = p
        .evidence
        .vex
        .iter()
        .filter(|v| !matches!(v.status.as_str(), "not_affected" | "fixed"))
        .count();
    let documents = p.evidence.of_role(Role::Openvex).count();
    let vulns = match (documents, p.evidence.vex.len(), open) {
        (0, _, _) => "<b class=\"skip\">no VEX document</b>".to_string(),
        // An audit that found nothing: its document states no vulnerability.
        (n, 0, _) => format!("<b class=\"ok\">none found</b>{n} VEX document(s), no statement"),
        (_, _, 0) => format!(
            "<b class=\"ok\">none open</b>{} statements",
            p.evidence.vex.len()
        ),
        (_, _, n) => format!(
            "<b class=\"fail\">{n} open</b>{} statements",
            p.evidence.vex.len()
        ),
    };
    format!(
        "<section id=\"summary\"><h2>Summary</h2><div class=\"summary\">\
         <div class=\"card\">Signatures and attestations{verdict}</div>\
         <div class=\"card\">Annex II, V, VII items{checklist}</div>\
         <div class=\"card\">Vulnerabilities{vulns}</div>\
         <div class=\"card\">Files listed<b>{}</b></div></div></section>\n",
        p.technical_file.artefacts.len() + p.technical_file.documents.len()
    )
}

fn product_section(f: &Facts) -> String {
    let mut rows = String::new();
    let mut add = |label: &str, cell: String| rows.push_str(&row(&[escape(label), cell]));
    add("Product", fact_cell(&f.name, "name"));
    add("Version", fact_cell(&f.version, "name"));
    add("Type", fact_cell(&f.product_type, "name"));
    add("Identification", fact_cell(&f.product_id, "product-id"));
    add(
        "Manufacturer",
        fact_cell(&f.manufacturer, "manufacturer.name"),
    );
    add(
        "Postal address",
        match f.address.is_empty() {
            true => fact_cell(&None, "manufacturer.address"),
            false => format!(
                "{} <span class=\"declared\">(manufacturer's declaration)</span>",
                escape(&f.address.join(", "))
            ),
        },
    );
    add("E-mail", fact_cell(&f.email, "manufacturer.email"));
    add("Web site", fact_cell(&f.website, "manufacturer.url"));
    add(
        "Vulnerability contact",
        fact_cell(&f.security_contact, "security-contact"),
    );
    add(
        "Disclosure policy",
        fact_cell(&f.disclosure_policy, "disclosure-policy"),
    );
    add(
        "Support period ends",
        fact_cell(&f.support_period_end, "support-period-end"),
    );
    add("Support type", fact_cell(&f.support_type, "support-type"));
    add(
        "Intended purpose",
        fact_cell(&f.intended_purpose, "intended-purpose"),
    );
    add(
        "Conformity assessment",
        fact_cell(&f.assessment, "conformity-assessment"),
    );
    format!(
        "<section id=\"product\"><h2>Product and manufacturer</h2>{}</section>\n",
        table("", &["", ""], &rows)
    )
}

fn verification_section(v: &Verification) -> String {
    let mut rows = String::new();
    for l in &v.lines {
        let (class, word) = match l.result {
            Check::Ok => ("ok", "ok"),
            Check::Fail => ("fail", "FAIL"),
            Check::Skipped => ("skip", "skipped"),
        };
        rows += &row(&[
            format!("<code>{}</code>", escape(&l.artefact)),
            escape(&l.check),
            format!("<span class=\"{class}\">{word}</span>"),
            escape(&l.detail),
        ]);
    }
    let lead = match &v.skipped {
        Some(why) => format!(
            "<p><span class=\"skip\">Not verified</span>: {}</p>",
            escape(why)
        ),
        None => format!(
            "<p>Each signature and attestation re-verified offline with cargo-cra's verifier; \
             signer: {}.</p>",
            escape(&v.signer)
        ),
    };
    format!(
        "<section id=\"verification\"><h2>Verification results</h2>{lead}{}</section>\n",
        table("checks", &["Artefact", "Check", "Result", "Detail"], &rows)
    )
}

fn provenance_section(e: &Evidence) -> String {
    let mut rows = String::new();
    for p in &e.provenance {
        let source = match (&p.repository, &p.commit) {
            (Some(r), Some(c)) => format!("{} at <code>{}</code>", escape(r), escape(c)),
            (None, Some(c)) => format!("commit <code>{}</code>", escape(c)),
            (Some(r), None) => escape(r),
            (None, None) => "not recorded (not built from a git checkout)".into(),
        };
        let dirty = match p.dirty {
            Some(true) => " <span class=\"fail\">(uncommitted changes)</span>",
            _ => "",
        };
        rows += &row(&[
            format!("<code>{}</code>", escape(&p.file)),
            format!("{source}{dirty}"),
            escape(p.builder.as_deref().unwrap_or("")),
            escape(p.started_on.as_deref().unwrap_or("")),
        ]);
    }
    let toolchains: Vec<String> = e
        .sboms
        .iter()
        .filter_map(|s| s.toolchain.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let toolchains = match toolchains.is_empty() {
        true => "none recorded (no compiled app)".to_string(),
        false => toolchains.join(", "),
    };
    format!(
        "<section id=\"provenance\"><h2>Provenance</h2><p>Toolchain: {}</p>{}</section>\n",
        escape(&toolchains),
        table("", &["Statement", "Source", "Builder", "Started"], &rows)
    )
}

fn image_section(e: &Evidence, f: &Facts) -> String {
    if e.kind != Kind::Image {
        return String::new();
    }
    let mut rows = String::new();
    for s in &e.sboms {
        for (label, key) in [
            ("Architecture", cra_model::properties::IMAGE_ARCHITECTURE),
            ("OCI manifest", cra_model::properties::IMAGE_MANIFEST_DIGEST),
            ("squashfs image", cra_model::properties::SQUASHFS_FILE),
            ("squashfs SHA-256", cra_model::properties::SQUASHFS_SHA256),
            (
                "dm-verity root hash",
                cra_model::properties::VERITY_ROOT_HASH,
            ),
            ("Runs as", cra_model::properties::IMAGE_RUNTIME_USER),
            ("Users (name:uid:gid)", cra_model::properties::IMAGE_USER),
        ] {
            let values = s.property(key);
            if !values.is_empty() {
                rows += &row(&[
                    escape(label),
                    format!("<code>{}</code>", escape(&values.join(", "))),
                ]);
            }
        }
    }
    let properties: String = f
        .security
        .iter()
        .map(|s| format!("<li>{}</li>", escape(&s.value)))
        .collect();
    format!(
        "<section id=\"image\"><h2>Image</h2>{}<ul>{properties}</ul></section>\n",
        table("", &["", ""], &rows)
    )
}

fn vulnerability_section(e: &Evidence) -> String {
    if e.of_role(Role::Openvex).next().is_some() && e.vex.is_empty() {
        return "<section id=\"vulnerabilities\"><h2>Vulnerabilities</h2><p>The OpenVEX \
                document in the evidence states no vulnerability: the audit found none.</p></section>\n"
            .into();
    }
    if e.vex.is_empty() {
        return "<section id=\"vulnerabilities\"><h2>Vulnerabilities</h2><p>No OpenVEX document \
                in the evidence: run <code>cargo cra audit --openvex</code> into this directory.</p></section>\n"
            .into();
    }
    let rows: String = e
        .vex
        .iter()
        .map(|v| {
            let class = match v.status.as_str() {
                "not_affected" | "fixed" => "ok",
                _ => "fail",
            };
            row(&[
                escape(&v.vulnerability),
                format!("<code>{}</code>", escape(&v.products)),
                format!("<span class=\"{class}\">{}</span>", escape(&v.status)),
                escape(&v.justification),
            ])
        })
        .collect();
    format!(
        "<section id=\"vulnerabilities\"><h2>Vulnerabilities</h2>{}</section>\n",
        table(
            "vex",
            &["Vulnerability", "Product", "Status", "Justification"],
            &rows
        )
    )
}

fn sbom_section(e: &Evidence) -> String {
    let mut crates = String::new();
    let mut files = Vec::new();
    for s in &e.sboms {
        for c in &s.components {
            if c.kind == "file" {
                files.push([
                    c.name.clone(),
                    c.mode.clone().unwrap_or_default(),
                    c.sha256.clone(),
                ]);
                continue;
            }
            crates += &row(&[
                escape(&c.name),
                escape(&c.version),
                escape(&c.licenses),
                format!("<code>{}</code>", escape(&c.sha256)),
                format!("<code>{}</code>", escape(&c.purl)),
            ]);
        }
    }
    let mut out = format!(
        "<section id=\"sbom\"><h2>Software bill of materials</h2>\
         <input id=\"filter\" type=\"search\" placeholder=\"Filter components\" hidden>\n{}",
        table(
            "crates",
            &["Component", "Version", "Licences", "SHA-256", "purl"],
            &crates
        )
    );
    if !files.is_empty() {
        let shown: String = files
            .iter()
            .take(FILES_WITHOUT_SCRIPT)
            .map(|f| {
                row(&[
                    escape(&f[0]),
                    escape(&f[1]),
                    format!("<code>{}</code>", escape(&f[2])),
                ])
            })
            .collect();
        // JSON in a data block: `<` escaped so that nothing in it can end the element.
        let data = serde_json::to_string(&files)
            .expect("serialisable")
            .replace('<', "\\u003c");
        out += &format!(
            "<h3>Files ({n})</h3><p id=\"files-nav\" hidden><button id=\"files-prev\" type=\"button\">previous</button> \
             <span id=\"files-page\"></span> <button id=\"files-next\" type=\"button\">next</button></p>\n\
             {table}<noscript><p>The first {shown_n} of {n} files; every file is in the SBOM.</p></noscript>\n\
             <script type=\"application/json\" id=\"files-data\">{data}</script>\n",
            n = files.len(),
            shown_n = FILES_WITHOUT_SCRIPT.min(files.len()),
            table = table("files", &["Path", "Mode", "SHA-256"], &shown),
        );
    }
    out + "</section>\n"
}

fn checklist_section(items: &[Item]) -> String {
    let rows: String = items
        .iter()
        .map(|i| {
            let status = match i.status {
                Status::Present => {
                    format!("<span class=\"ok\">present</span> ({})", escape(i.source))
                }
                Status::Missing => format!(
                    "<span class=\"fail\">missing</span>: {}",
                    escape(i.supply.as_deref().unwrap_or(""))
                ),
            };
            row(&[format!("{} {}", i.annex, i.point), escape(i.title), status])
        })
        .collect();
    format!(
        "<section id=\"checklist\"><h2>Annex checklist</h2>{}</section>\n",
        table("items", &["Annex point", "Item", "Status"], &rows)
    )
}

fn artefact_section(tf: &TechnicalFile) -> String {
    let rows: String = tf
        .artefacts
        .iter()
        .chain(&tf.documents)
        .map(|a| {
            row(&[
                format!("<code>{}</code>", escape(&a.path)),
                escape(
                    &serde_json::to_value(a.role)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                ),
                a.size.to_string(),
                format!("<code>{}</code>", escape(&a.sha256)),
                escape(a.annex),
            ])
        })
        .collect();
    format!(
        "<section id=\"artefacts\"><h2>Artefacts</h2>{}</section>\n",
        table(
            "listing",
            &["File", "Role", "Bytes", "SHA-256", "Annex VII"],
            &rows
        )
    )
}

fn texts_section(texts: &[(String, String)]) -> String {
    texts
        .iter()
        .map(|(title, markdown)| {
            format!(
                "<section class=\"text\"><h2>{}</h2>{}</section>\n",
                escape(title),
                super::text::markdown_html(markdown)
            )
        })
        .collect()
}
