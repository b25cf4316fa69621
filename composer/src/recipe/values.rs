//! What each recipe value must be for the format it ends up in: `/etc/passwd` and `/etc/group`
//! fields, OCI names, tags, labels and environment, paths in the image. Each check returns the
//! message of the one error line (the caller adds `file:line:column`).

/// Longest name component Linux accepts (`NAME_MAX`).
pub(crate) const NAME_MAX: usize = 255;
/// Longest path Linux accepts (`PATH_MAX` less the terminating NUL).
pub(crate) const PATH_MAX: usize = 4095;

/// A user or group name as `useradd`/`groupadd` accept them by default: a lower-case letter or
/// `_`, then lower-case letters, digits, `_` or `-`, optionally ending in `$`; at most 32 bytes.
/// Nothing that could end a passwd/group field (`:`, `,`) or line.
pub(crate) fn account_name(what: &str, name: &str) -> Result<(), String> {
    let body = name.strip_suffix('$').unwrap_or(name);
    let mut bytes = body.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    let rest_ok = bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b));
    if first_ok && rest_ok && name.len() <= 32 {
        Ok(())
    } else {
        Err(format!(
            "{what} name {name:?}: use a lower-case letter or `_`, then lower-case letters, digits, `_` or `-` (at most 32)"
        ))
    }
}

/// A passwd path field (home, shell): absolute, and nothing that ends a field or a line.
pub(crate) fn passwd_path(what: &str, value: &str) -> Result<(), String> {
    if !value.starts_with('/') {
        return Err(format!("{what} {value:?} is not an absolute path"));
    }
    if let Some(c) = value.chars().find(|c| *c == ':' || c.is_control()) {
        return Err(format!(
            "{what} {value:?} contains {c:?}, which would end a field or a line of /etc/passwd"
        ));
    }
    image_path(what, value)
}

/// A path in the image (destination, link target, working directory): no NUL, components of
/// at most [`NAME_MAX`] bytes, at most [`PATH_MAX`] bytes in all.
pub(crate) fn image_path(what: &str, value: &str) -> Result<(), String> {
    if value.contains('\0') {
        return Err(format!("{what} {value:?} contains a NUL byte"));
    }
    if value.len() > PATH_MAX {
        return Err(format!(
            "{what} is {} bytes long; Linux takes at most {PATH_MAX}",
            value.len()
        ));
    }
    if let Some(long) = value.split('/').find(|c| c.len() > NAME_MAX) {
        return Err(format!(
            "{what}: the name {:?}… is {} bytes long; Linux takes at most {NAME_MAX}",
            long.chars().take(16).collect::<String>(),
            long.len()
        ));
    }
    Ok(())
}

/// An image name: one OCI repository path component (`[a-z0-9]+` separated by `.`, `_`, `__`
/// or dashes), at most 128 bytes. It is also the stem of the output files, so it is one plain
/// file name: no `/`, no leading `.`.
pub(crate) fn image_name(name: &str) -> Result<(), String> {
    let err = || {
        Err(format!(
            "image name {name:?}: lower-case letters and digits, separated by single `.`, `_`, `__` or dashes"
        ))
    };
    if name.is_empty() || name.len() > 128 {
        return err();
    }
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut rest = name;
    loop {
        let run = rest.find(|c: char| !alnum(c)).unwrap_or(rest.len());
        if run == 0 {
            return err();
        }
        rest = &rest[run..];
        if rest.is_empty() {
            return Ok(());
        }
        let sep = rest.find(alnum).unwrap_or(rest.len());
        let s = &rest[..sep];
        let ok = s == "." || s == "_" || s == "__" || s.bytes().all(|b| b == b'-');
        if !ok {
            return err();
        }
        rest = &rest[sep..];
    }
}

/// An OCI tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}` (so `1.0+build.1` is refused: skopeo and
/// registries cannot address it).
pub(crate) fn oci_tag(version: &str) -> Result<(), String> {
    let mut chars = version.chars();
    let first = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let rest = chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if first && rest && version.len() <= 128 {
        Ok(())
    } else {
        Err(format!(
            "version {version:?} is not an OCI tag: letters, digits, `_`, `.`, `-` (not first), at most 128"
        ))
    }
}

/// An environment variable's name: not empty, no `=` (it would split the `KEY=VALUE` entry),
/// no control characters or white space.
pub(crate) fn env_key(key: &str) -> Result<(), String> {
    if key.is_empty()
        || key.contains('=')
        || key.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(format!(
            "environment variable name {key:?}: not empty, without `=`, white space or control characters"
        ));
    }
    Ok(())
}

/// A value that readers take as one line of text (label and annotation values, environment
/// values, the image source): no control characters (a NUL ends C strings; a newline forges
/// lines).
pub(crate) fn one_line(what: &str, value: &str) -> Result<(), String> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "{what} {value:?} contains the control character {c:?}"
        )),
        None => Ok(()),
    }
}

/// A process argument (`entrypoint`, `cmd`): a C string, so no NUL byte.
pub(crate) fn argument(arg: &str) -> Result<(), String> {
    match arg.contains('\0') {
        true => Err(format!("argument {arg:?} contains a NUL byte")),
        false => Ok(()),
    }
}

/// An exposed port: `N`, `N/tcp`, `N/udp` or `N/sctp`, N from 1 to 65535.
pub(crate) fn port(spec: &str) -> Result<(), String> {
    let (number, protocol) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let number_ok = !number.starts_with('0')
        && number.bytes().all(|b| b.is_ascii_digit())
        && number.parse::<u16>().is_ok_and(|n| n > 0);
    if number_ok && matches!(protocol, "tcp" | "udp" | "sctp") {
        Ok(())
    } else {
        Err(format!(
            "port {spec:?} is not PORT[/tcp|udp|sctp] with PORT from 1 to 65535"
        ))
    }
}

/// A stop signal: `SIG` and upper-case letters (with `+N`/`-N` after `SIGRTMIN`/`SIGRTMAX`),
/// or a signal number from 1 to 64.
pub(crate) fn stop_signal(signal: &str) -> Result<(), String> {
    let named = signal.strip_prefix("SIG").is_some_and(|rest| {
        let (name, offset) = match rest.find(['+', '-']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase());
        let offset_ok = offset.is_none_or(|o| {
            matches!(name, "RTMIN" | "RTMAX") && o.parse::<u8>().is_ok_and(|n| n <= 30)
        });
        name_ok && offset_ok
    });
    let numbered =
        signal.parse::<u8>().is_ok_and(|n| (1..=64).contains(&n)) && !signal.starts_with('0');
    if named || numbered {
        Ok(())
    } else {
        Err(format!(
            "stop signal {signal:?} is not a signal name (SIGTERM) or number (1 to 64)"
        ))
    }
}

/// A label or annotation key: not empty, no white space or control characters.
pub(crate) fn annotation_key(what: &str, key: &str) -> Result<(), String> {
    if key.is_empty() || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "{what} key {key:?}: not empty, without white space or control characters"
        ));
    }
    Ok(())
}

/// `runtime.user` when it is not a declared name: `uid` or `uid:gid`, each a 32-bit id other
/// than 4294967295.
pub(crate) fn numeric_user(spec: &str) -> Option<Result<(), String>> {
    if !spec.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = spec.split(':').collect();
    let ids_ok = parts.len() <= 2
        && parts
            .iter()
            .all(|p| p.parse::<u32>().is_ok_and(|id| id != u32::MAX));
    Some(if ids_ok {
        Ok(())
    } else {
        Err(format!(
            "runtime user {spec:?}: write uid or uid:gid (32-bit ids)"
        ))
    })
}

/// A mode as written in the recipe (`text` is the literal): octal, `0o…`. A decimal `640` is
/// `0o1200`, never what was meant.
pub(crate) fn octal_literal(text: &str) -> Result<(), String> {
    let t = text.trim();
    if t.starts_with("0o") {
        return Ok(());
    }
    let hint = t
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 7)
        .map(|_| format!("; write 0o{t}"))
        .unwrap_or_else(|| "; write it as 0o644, say".into());
    Err(format!("mode {t} is not written in octal{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_follow_useradd() {
        for ok in ["device", "_apt", "svc-1", "a_b", "host$"] {
            assert!(account_name("user", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Root",
            "1x",
            "a:b",
            "a,b",
            "a\nroot2",
            "a b",
            &"x".repeat(33),
        ] {
            assert!(account_name("user", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwd_fields_cannot_forge_lines() {
        assert!(passwd_path("shell", "/bin/sh").is_ok());
        for bad in [
            "/bin/sh\nroot2::0:0::/root:/bin/sh",
            "/a:b",
            "bin/sh",
            "/x\0",
        ] {
            assert!(passwd_path("shell", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn image_names_and_tags_are_ocis() {
        for ok in ["hello-device", "a.b", "a__b", "a---b", "x1"] {
            assert!(image_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".hidden",
            "a/b",
            "..",
            "a..b",
            "-a",
            "a-",
            "A",
            "a_.b",
            "1/../../v",
        ] {
            assert!(image_name(bad).is_err(), "{bad:?}");
        }
        for ok in ["0.1.0", "v1", "_x", "1.0-rc.1"] {
            assert!(oci_tag(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "0.20.0+build.1",
            "1/../../victim",
            ".1",
            "-1",
            &"1".repeat(129),
        ] {
            assert!(oci_tag(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_fit_linux() {
        assert!(image_path("dest", "/usr/bin/app").is_ok());
        assert!(image_path("dest", &format!("/{}", "n".repeat(300))).is_err());
        assert!(image_path("dest", "/a\0b").is_err());
        assert!(image_path("dest", &"/a".repeat(2100)).is_err());
    }

    #[test]
    fn environment_labels_users_and_modes() {
        assert!(env_key("PATH").is_ok());
        for bad in ["", "A=B", "A\nB", "A B"] {
            assert!(env_key(bad).is_err(), "{bad:?}");
        }
        assert!(one_line("label", "Example GmbH").is_ok());
        assert!(one_line("label", "x\ny").is_err());
        assert!(annotation_key("label", "org.example.x").is_ok());
        assert!(annotation_key("label", "a b").is_err());
        assert_eq!(numeric_user("device"), None);
        assert_eq!(numeric_user("1000"), Some(Ok(())));
        assert_eq!(numeric_user("1000:1000"), Some(Ok(())));
        for bad in ["0:0:0", "1000:", "4294967295", "99999999999"] {
            assert!(matches!(numeric_user(bad), Some(Err(_))), "{bad}");
        }
        assert!(octal_literal("0o640").is_ok());
        assert_eq!(
            octal_literal("640").unwrap_err(),
            "mode 640 is not written in octal; write 0o640"
        );
        assert!(octal_literal("0x1a4").is_err());
    }
}
