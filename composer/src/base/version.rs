//! Debian package versions and their order, as dpkg defines it (deb-version(7)):
//! `[epoch:]upstream[-revision]`, compared epoch first (as a number), then upstream, then
//! revision, each by dpkg's alternating non-digit / digit comparison where `~` sorts before
//! everything, even the end.

use std::cmp::Ordering;

/// A parsed Debian version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebVersion {
    /// The epoch (0 when absent).
    pub epoch: u64,
    /// The upstream version.
    pub upstream: String,
    /// The Debian revision (empty when absent).
    pub revision: String,
}

impl DebVersion {
    /// Parses `text`; `Err` says why it is not a Debian version.
    pub fn parse(text: &str) -> Result<DebVersion, String> {
        let text = text.trim();
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => {
                let epoch = e
                    .parse::<u64>()
                    .map_err(|_| format!("{text:?}: epoch {e:?} is not a number"))?;
                (epoch, rest)
            }
            None => (0, text),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        let allowed = |c: char, extra: &str| c.is_ascii_alphanumeric() || extra.contains(c);
        if upstream.is_empty() || !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "{text:?}: the upstream version must start with a digit"
            ));
        }
        if !upstream.chars().all(|c| allowed(c, ".+~-:")) {
            return Err(format!(
                "{text:?}: a character a Debian version cannot hold"
            ));
        }
        if !revision.chars().all(|c| allowed(c, ".+~")) {
            return Err(format!(
                "{text:?}: a character a Debian revision cannot hold"
            ));
        }
        Ok(DebVersion {
            epoch,
            upstream: upstream.to_string(),
            revision: revision.to_string(),
        })
    }
}

impl Ord for DebVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

impl PartialOrd for DebVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The weight of one character in the non-digit parts: `~` before the end, the end before
/// letters, letters before everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of two upstream versions or two revisions.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // The non-digit prefix, character by character.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        (i, j) = (i.min(a.len()), j.min(b.len()));
        // The digit run, as a number of any length: leading zeros skipped, then the longer
        // run is the larger, else the first differing digit decides.
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let (si, sj) = (i, j);
        while a.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        match da.len().cmp(&db.len()).then_with(|| da.cmp(db)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DebVersion::parse(a)
            .unwrap()
            .cmp(&DebVersion::parse(b).unwrap())
    }

    #[test]
    fn the_order_dpkg_gives() {
        use Ordering::*;
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0", "1.0+b1", Less),
            ("1:0.1", "2.0", Greater),
            ("1.0-1", "1.0-2", Less),
            ("1.0-10", "1.0-9", Greater),
            ("1.01", "1.1", Equal),
            ("2.36-9+deb12u4", "2.36-9+deb12u10", Less),
            ("1.0a", "1.0", Greater),
            ("1.0~~", "1.0~", Less),
            (
                "99999999999999999999999",
                "99999999999999999999998",
                Greater,
            ),
        ] {
            assert_eq!(cmp(a, b), want, "{a} vs {b}");
        }
    }

    #[test]
    fn not_versions() {
        for bad in ["", "a1.0", "x:1.0", "1.0 1", "1.0-r!"] {
            assert!(DebVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
