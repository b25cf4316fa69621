//! The markup both renderings share, and nothing else: HTML escaping, the pages' style and
//! content security policy, Markdown escaping, and the manufacturer's Markdown made safe
//! (sanitised, or rendered to HTML with raw HTML turned into text). `html` and `text` build on
//! it; it uses neither.

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

/// `value` with every character Markdown could read as inline markup escaped, and a leading
/// block marker too (values follow a list item's `- `, where `# x` would be a heading and
/// `1. x` a list); line breaks become spaces.
pub(crate) fn md(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 1);
    let value = value.trim_start();
    let digits = value.len() - value.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let ordered = digits > 0 && matches!(value[digits..].chars().next(), Some('.' | ')'));
    if value.starts_with(['#', '-', '+', '=']) {
        out.push('\\');
    }
    for (i, c) in value.chars().enumerate() {
        if ordered && i == digits {
            out.push('\\');
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `value` as a Markdown code span (its content is literal): fenced with one backtick more
/// than its longest run of backticks, padded with spaces, so nothing in it can close the span.
pub(crate) fn code(value: &str) -> String {
    let value: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let longest = value.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    match longest {
        0 => format!("`{value}`"),
        n => {
            let fence = "`".repeat(n + 1);
            format!("{fence} {value} {fence}")
        }
    }
}

/// `markdown` as one self-contained HTML page: no remote loads (the CSP forbids them), and
/// raw HTML in the Markdown shown as text, never as markup.
pub(crate) fn markdown_page(title: &str, markdown: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <title>{title}</title>\n<style>{style}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        csp = csp(None),
        title = escape(title),
        style = STYLE,
        body = markdown_html(markdown),
    )
}

/// `markdown` rendered to an HTML fragment: raw HTML turned into text, and links and images
/// whose destination is not allowed ([`allowed_link`], [`allowed_image`]) reduced to their
/// text.
pub(crate) fn markdown_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, TagEnd};
    // One entry per open link or image: whether it is kept (they nest: an image's text can
    // hold another image).
    let mut open: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(ref tag) if let Some(keep) = kept(tag) => {
            open.push(keep);
            keep.then_some(e)
        }
        Event::End(TagEnd::Link | TagEnd::Image) => open.pop().unwrap_or(true).then_some(e),
        e => Some(e),
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// For a link or image, whether the documents keep it; `None` for other tags.
fn kept(tag: &pulldown_cmark::Tag<'_>) -> Option<bool> {
    match tag {
        pulldown_cmark::Tag::Link { dest_url, .. } => Some(allowed_link(dest_url)),
        pulldown_cmark::Tag::Image { dest_url, .. } => Some(allowed_image(dest_url)),
        _ => None,
    }
}

/// The manufacturer's Markdown as it is copied into the documents: every link and image
/// [`markdown_html`] would not render replaced by its text, and raw HTML made text (`<` as
/// `&lt;`), the rest byte for byte.
pub(crate) fn sanitized_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    let mut copied = 0;
    // The outermost dropped element: its range, its text so far, and how many links or images
    // are open inside it.
    let mut dropped: Option<(std::ops::Range<usize>, String, usize)> = None;
    let mut replace = |out: &mut String, range: std::ops::Range<usize>, with: &str| {
        if range.start >= copied {
            out.push_str(&markdown[copied..range.start]);
            out.push_str(with);
            copied = range.end;
        }
    };
    for (event, range) in Parser::new_ext(markdown, Options::ENABLE_TABLES).into_offset_iter() {
        match (&mut dropped, event) {
            (None, Event::Start(tag)) if kept(&tag) == Some(false) => {
                dropped = Some((range, String::new(), 0));
            }
            (None, Event::Html(h) | Event::InlineHtml(h)) => {
                replace(&mut out, range, &h.replace('<', "&lt;"));
            }
            (Some((_, _, depth)), Event::Start(tag)) if kept(&tag).is_some() => *depth += 1,
            (Some((_, _, depth)), Event::End(TagEnd::Link | TagEnd::Image)) if *depth > 0 => {
                *depth -= 1
            }
            (Some(_), Event::End(TagEnd::Link | TagEnd::Image)) => {
                let (range, text, _) = dropped.take().expect("inside a dropped element");
                replace(&mut out, range, &md(&text));
            }
            (Some((_, text, _)), Event::Text(t) | Event::Code(t)) => text.push_str(&t),
            _ => {}
        }
    }
    out.push_str(&markdown[copied..]);
    out
}

/// Link destinations the documents keep: web and mail addresses, and places in the same
/// document; never `javascript:`, `data:` or any other scheme.
fn allowed_link(dest: &str) -> bool {
    let d = dest.trim().to_ascii_lowercase();
    d.starts_with("https://")
        || d.starts_with("http://")
        || d.starts_with("mailto:")
        || d.starts_with('#')
}

/// Image sources the documents keep: none from elsewhere (a remote image is a request made
/// when the page is read), only plain relative paths.
fn allowed_image(dest: &str) -> bool {
    let d = dest.trim();
    !d.is_empty() && !d.starts_with("//") && !d.contains(':') && !d.starts_with('/')
}
