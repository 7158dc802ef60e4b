//! Rules about `AF_UNIX` sockets: `unix:/path`, `unix:/dir/`, `unix:@name`, `unix:@prefix*`.
//!
//! A path is matched in normal form: absolute, with empty and `.` components dropped; a path
//! with a `..` component, a relative path or one with a NUL byte is no path a rule can match
//! (the guest has no working directory on the host, and `..` would lead out of a directory a
//! rule names). What a matching path then reaches is confined by the guard: it resolves the
//! rest of the path beneath the directory the rule names, refusing symbolic links.

use std::fmt::{self, Write as _};

/// The target of a rule about `AF_UNIX` sockets.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnixPattern {
    /// `unix:/run/app.sock`: that socket file (in normal form).
    Path(String),
    /// `unix:/run/app/`: every socket anywhere under that directory (in normal form, with its
    /// trailing `/`).
    Dir(String),
    /// `unix:@name`: that abstract name (Python's `b"\0name"`).
    Abstract(String),
    /// `unix:@prefix*`: every abstract name that begins with the prefix.
    AbstractPrefix(String),
}

impl UnixPattern {
    /// Whether the pattern covers `target` (a path in normal form, or an abstract name).
    pub(super) fn matches(&self, target: UnixTarget<'_>) -> bool {
        match (self, target) {
            (UnixPattern::Path(p), UnixTarget::Path(t)) => p.as_bytes() == t,
            (UnixPattern::Dir(d), UnixTarget::Path(t)) => t.starts_with(d.as_bytes()),
            (UnixPattern::Abstract(n), UnixTarget::Abstract(t)) => n.as_bytes() == t,
            (UnixPattern::AbstractPrefix(p), UnixTarget::Abstract(t)) => {
                t.starts_with(p.as_bytes())
            }
            _ => false,
        }
    }

    /// The directory a matching path is confined to, and the part of `target` (a path in
    /// normal form that the pattern matches) below it: for `unix:/run/app.sock`, `/run` and
    /// `app.sock`; for `unix:/run/app/`, `/run/app` and what follows. `None` for an abstract
    /// pattern.
    pub fn confinement<'t>(&self, target: &'t [u8]) -> Option<(&str, &'t [u8])> {
        match self {
            UnixPattern::Path(p) => {
                let cut = p.rfind('/')?;
                let root = if cut == 0 { "/" } else { &p[..cut] };
                Some((root, target.get(cut + 1..)?))
            }
            UnixPattern::Dir(d) => {
                let root = d.strip_suffix('/').filter(|r| !r.is_empty()).unwrap_or("/");
                Some((root, target.get(d.len()..)?))
            }
            UnixPattern::Abstract(_) | UnixPattern::AbstractPrefix(_) => None,
        }
    }
}

impl fmt::Display for UnixPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnixPattern::Path(p) | UnixPattern::Dir(p) => write!(f, "unix:{p}"),
            UnixPattern::Abstract(n) => write!(f, "unix:@{n}"),
            UnixPattern::AbstractPrefix(p) => write!(f, "unix:@{p}*"),
        }
    }
}

/// An `AF_UNIX` address as the policy matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnixTarget<'a> {
    /// A filesystem path in normal form ([`normal_path`]).
    Path(&'a [u8]),
    /// An abstract name, without its leading NUL.
    Abstract(&'a [u8]),
}

/// As messages, the audit log and `--learn` show a target: `unix:/path`, `unix:@name`, with
/// the bytes no rule can spell escaped ([`Escaped`]), so that two names never look alike.
impl fmt::Display for UnixTarget<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnixTarget::Path(p) => write!(f, "unix:{}", Escaped(p)),
            UnixTarget::Abstract(n) => write!(f, "unix:@{}", Escaped(n)),
        }
    }
}

/// A guest's path or abstract name as text: UTF-8 as it is, except `\\` for a backslash and
/// `\xNN` for a control character or a byte that is not UTF-8. Distinct names print
/// distinctly (a lossy conversion would show `\xff` and `\xfe` both as U+FFFD), and a name
/// without a backslash or a control character prints as a rule spells it.
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '\\' => f.write_str("\\\\")?,
                    c if c.is_control() => {
                        let mut utf8 = [0; 4];
                        for b in c.encode_utf8(&mut utf8).bytes() {
                            write!(f, "\\x{b:02x}")?;
                        }
                    }
                    c => f.write_char(c)?,
                }
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// The longest abstract name `sun_path` holds (108 bytes, one of them the leading NUL).
pub const MAX_ABSTRACT: usize = 107;

/// A guest's path in normal form: absolute, empty and `.` components dropped. `Err` says why
/// it is no path a rule may match: relative, a `..` component, a NUL byte, or no component.
pub fn normal_path(path: &[u8]) -> Result<Vec<u8>, &'static str> {
    if path.first() != Some(&b'/') {
        return Err(
            "a Unix socket path must be absolute (the guest has no working directory on the host)",
        );
    }
    if path.contains(&0) {
        return Err("a Unix socket path must not contain a NUL byte");
    }
    let mut out = Vec::with_capacity(path.len());
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err("a Unix socket path must not contain a \"..\" component"),
            part => {
                out.push(b'/');
                out.extend_from_slice(part);
            }
        }
    }
    if out.is_empty() {
        return Err("a Unix socket path must name a file, not the root directory");
    }
    Ok(out)
}

/// Parses what follows `unix:` in a rule. `Err` is `(byte offset, message)`.
pub(super) fn parse(text: &str) -> Result<UnixPattern, (usize, String)> {
    if let Some(name) = text.strip_prefix('@') {
        let (name, prefix) = match name.strip_suffix('*') {
            Some(prefix) => (prefix, true),
            None => (name, false),
        };
        if name.is_empty() && !prefix {
            return Err((
                1,
                "expected an abstract name after \"@\", e.g. unix:@app".to_owned(),
            ));
        }
        if let Some(i) = name.find(|c: char| c.is_control() || c == '*') {
            return Err((
                1 + i,
                "an abstract name in a rule must not contain control characters or \"*\" (only a final \"*\" for a prefix)".to_owned(),
            ));
        }
        if name.len() > MAX_ABSTRACT {
            return Err((
                1,
                format!(
                    "an abstract name is at most {MAX_ABSTRACT} bytes, not {}",
                    name.len()
                ),
            ));
        }
        return Ok(match prefix {
            true => UnixPattern::AbstractPrefix(name.to_owned()),
            false => UnixPattern::Abstract(name.to_owned()),
        });
    }
    if !text.starts_with('/') {
        return Err((
            0,
            "expected an absolute path (unix:/run/app.sock, unix:/run/app/) or an abstract name (unix:@name)".to_owned(),
        ));
    }
    if let Some(i) = text.find(char::is_control) {
        return Err((
            i,
            "a path in a rule must not contain control characters".to_owned(),
        ));
    }
    if text.bytes().all(|b| b == b'/') {
        // `unix:/`: every socket anywhere.
        return Ok(UnixPattern::Dir("/".to_owned()));
    }
    let normal = normal_path(text.as_bytes()).map_err(|why| (0, why.to_owned()))?;
    // Only '/' and whole components were dropped or kept: still valid UTF-8.
    let normal = String::from_utf8(normal).map_err(|_| (0, "invalid path".to_owned()))?;
    Ok(match text.ends_with('/') {
        true => UnixPattern::Dir(format!("{normal}/")),
        false => UnixPattern::Path(normal),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_print_unambiguously() {
        let show = |t: UnixTarget<'_>| t.to_string();
        assert_eq!(
            show(UnixTarget::Path(b"/run/a b.sock")),
            "unix:/run/a b.sock"
        );
        assert_eq!(
            show(UnixTarget::Abstract("caf\u{e9}".as_bytes())),
            "unix:@caf\u{e9}"
        );
        assert_eq!(show(UnixTarget::Abstract(b"a\xff")), "unix:@a\\xff");
        assert_eq!(show(UnixTarget::Abstract(b"a\xfe")), "unix:@a\\xfe");
        assert_eq!(show(UnixTarget::Abstract(b"a\\xff")), "unix:@a\\\\xff");
        assert_eq!(
            show(UnixTarget::Path(b"/x\n\r\0")),
            "unix:/x\\x0a\\x0d\\x00"
        );
        assert_eq!(
            show(UnixTarget::Path("/\u{85}".as_bytes())),
            "unix:/\\xc2\\x85"
        );
    }

    #[test]
    fn parses_and_prints_normal_forms() {
        let cases = [
            ("/run/app.sock", "unix:/run/app.sock"),
            ("//run/./app.sock", "unix:/run/app.sock"),
            ("/run/app/", "unix:/run/app/"),
            ("/run//app//", "unix:/run/app/"),
            ("@app", "unix:@app"),
            ("@app-*", "unix:@app-*"),
            ("@*", "unix:@*"),
        ];
        for (text, want) in cases {
            let pattern = parse(text).unwrap();
            assert_eq!(pattern.to_string(), want, "{text}");
            assert_eq!(parse(&want["unix:".len()..]).unwrap(), pattern, "{want}");
        }
        assert_eq!(parse("/").unwrap(), UnixPattern::Dir("/".to_owned()));
        for bad in [
            "run/app.sock",
            "/run/../etc/x",
            "/.",
            "@",
            "@a*b",
            "@a\nb",
            "/a\u{7}b",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse(&format!("@{}", "a".repeat(MAX_ABSTRACT + 1))).is_err());
        assert!(parse(&format!("@{}", "a".repeat(MAX_ABSTRACT))).is_ok());
        // The position an error names is the offending character's, counting the "@".
        assert_eq!(parse("@ab*c").unwrap_err().0, 3);
    }

    #[test]
    fn matches_and_confines() {
        let file = parse("/run/app.sock").unwrap();
        let dir = parse("/run/app/").unwrap();
        let name = parse("@app").unwrap();
        let prefix = parse("@app-*").unwrap();
        let path = |p: &str| normal_path(p.as_bytes()).unwrap();
        assert!(file.matches(UnixTarget::Path(&path("/run/app.sock"))));
        assert!(file.matches(UnixTarget::Path(&path("//run/./app.sock"))));
        assert!(!file.matches(UnixTarget::Path(&path("/run/app.sock2"))));
        assert!(dir.matches(UnixTarget::Path(&path("/run/app/a.sock"))));
        assert!(dir.matches(UnixTarget::Path(&path("/run/app/x/y/a.sock"))));
        assert!(!dir.matches(UnixTarget::Path(&path("/run/appx/a.sock"))));
        assert!(!dir.matches(UnixTarget::Path(&path("/run/app"))));
        assert!(name.matches(UnixTarget::Abstract(b"app")));
        assert!(!name.matches(UnixTarget::Abstract(b"app2")));
        assert!(prefix.matches(UnixTarget::Abstract(b"app-1")));
        assert!(!prefix.matches(UnixTarget::Abstract(b"app")));
        assert!(!name.matches(UnixTarget::Path(b"/app")));
        let target = path("/run/app.sock");
        assert_eq!(file.confinement(&target), Some(("/run", &b"app.sock"[..])));
        let target = path("/run/app/x/a.sock");
        assert_eq!(
            dir.confinement(&target),
            Some(("/run/app", &b"x/a.sock"[..]))
        );
        let root_file = parse("/a.sock").unwrap();
        assert_eq!(
            root_file.confinement(b"/a.sock"),
            Some(("/", &b"a.sock"[..]))
        );
        let anywhere = parse("/").unwrap();
        assert!(anywhere.matches(UnixTarget::Path(b"/run/x.sock")));
        assert_eq!(
            anywhere.confinement(b"/run/x.sock"),
            Some(("/", &b"run/x.sock"[..]))
        );
        assert_eq!(name.confinement(b"app"), None);
        for bad in ["a.sock", "/run/../x", "/run/a\0b", "/", "//", ""] {
            assert!(normal_path(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}
