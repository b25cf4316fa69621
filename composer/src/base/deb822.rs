//! Debian's control-file syntax (deb822), as dpkg and opkg write their status files:
//! paragraphs separated by blank lines, each a list of `Field: value` lines, a value continued
//! on lines starting with a space or a tab.
//!
//! Read strictly, because a base is hostile input: a line that is neither a field nor a
//! continuation, a field name with characters deb822 does not allow, or a field given twice in
//! one paragraph is an error naming its line; nothing is guessed.

/// One paragraph: its fields in order, a multi-line value's lines joined with `\n` (each
/// continuation line without its first space or tab).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph {
    /// The line the paragraph starts on (1-based).
    pub line: usize,
    fields: Vec<(String, String)>,
}

impl Paragraph {
    /// The value of field `name` (field names compare without regard to case), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The fields in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Why a status file cannot be read: the line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct Deb822Error {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Every paragraph of `text`.
pub fn paragraphs(text: &str) -> Result<Vec<Paragraph>, Deb822Error> {
    let mut out = Vec::new();
    let mut current: Option<Paragraph> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let fail = |message: String| Err(Deb822Error { line, message });
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if l.chars().any(|c| c.is_control() && c != '\t') {
            return fail("a control character".into());
        }
        if l.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        if l.starts_with([' ', '\t']) {
            let Some((_, value)) = current.as_mut().and_then(|p| p.fields.last_mut()) else {
                return fail("a continuation line outside a field".into());
            };
            // A line of just " ." is an empty line of the value.
            let rest = &l[1..];
            value.push('\n');
            value.push_str(if rest.trim() == "." { "" } else { rest });
            continue;
        }
        let Some((name, value)) = l.split_once(':') else {
            return fail(format!("{l:?} is neither a field nor a continuation line"));
        };
        if !field_name(name) {
            return fail(format!("{name:?} is not a field name"));
        }
        let p = current.get_or_insert_with(|| Paragraph {
            line,
            fields: Vec::new(),
        });
        if p.get(name).is_some() {
            return fail(format!("field {name} given twice in one paragraph"));
        }
        p.fields.push((name.to_string(), value.trim().to_string()));
    }
    out.extend(current);
    Ok(out)
}

/// deb822's field names: printable US-ASCII but space and colon, not starting with `#` or `-`.
fn field_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['#', '-'])
        && name
            .bytes()
            .all(|b| (b'!'..=b'~').contains(&b) && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_fields_and_continuations() {
        let text = "Package: a\nVersion: 1\nDescription: short\n more\n .\n last\n\n\nPackage: b\n";
        let ps = paragraphs(text).unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].get("package"), Some("a"));
        assert_eq!(ps[0].get("Description"), Some("short\nmore\n\nlast"));
        assert_eq!(ps[1].line, 9);
    }

    #[test]
    fn hostile_lines_are_errors_naming_the_line() {
        for (text, line) in [
            ("Package: a\nno colon here\n", 2),
            (" continued\n", 1),
            ("Package: a\nPackage: b\n", 2),
            ("Pack age: a\n", 1),
            ("Package: a\u{0}\n", 1),
            ("-Package: a\n", 1),
        ] {
            let err = paragraphs(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}: {err}");
        }
    }
}
