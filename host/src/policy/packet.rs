//! Rules about `AF_PACKET` sockets (link-level frames): `packet:IFACE`, `packet:PREFIX*`,
//! `packet:*`.
//!
//! `bind packet:eth1` lets a guest bind a packet socket to `eth1`, and so hear every frame of
//! that interface; `send packet:eth1` lets it send frames out of `eth1`. `packet:*` also covers
//! binding to no interface in particular (Python's `''`), which hears them all.

use std::fmt;

/// The longest interface name Linux allows (`IFNAMSIZ` less its NUL).
pub const MAX_IFNAME: usize = 15;

/// The target of a rule about `AF_PACKET` sockets: interfaces by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IfacePattern {
    /// `packet:eth1`: that interface.
    Name(String),
    /// `packet:veth*`: every interface whose name begins with the prefix.
    Prefix(String),
    /// `packet:*`: every interface, and none in particular (`''`: all of them at once).
    Any,
}

impl IfacePattern {
    /// Whether the pattern covers the interface `name` (`""`: every interface at once, which
    /// only `*` covers).
    pub(super) fn matches(&self, name: &str) -> bool {
        match self {
            IfacePattern::Name(n) => n == name,
            IfacePattern::Prefix(p) => !name.is_empty() && name.starts_with(p.as_str()),
            IfacePattern::Any => true,
        }
    }
}

/// An interface as messages and the audit log show it: `packet:eth1`, or `packet:*` for
/// every interface at once.
pub fn target(name: &str) -> String {
    match name {
        "" => "packet:*".to_owned(),
        name => format!("packet:{name}"),
    }
}

impl fmt::Display for IfacePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IfacePattern::Name(n) => write!(f, "packet:{n}"),
            IfacePattern::Prefix(p) => write!(f, "packet:{p}*"),
            IfacePattern::Any => f.write_str("packet:*"),
        }
    }
}

/// Parses what follows `packet:` in a rule. `Err` is `(byte offset, message)`.
pub(super) fn parse(text: &str) -> Result<IfacePattern, (usize, String)> {
    if text == "*" {
        return Ok(IfacePattern::Any);
    }
    let (name, prefix) = match text.strip_suffix('*') {
        Some(p) => (p, true),
        None => (text, false),
    };
    if name.is_empty() {
        return Err((
            0,
            "expected an interface name after packet:, e.g. packet:eth1, packet:veth* or packet:*"
                .to_owned(),
        ));
    }
    if let Some(i) = name.find(|c: char| !valid_char(c)) {
        return Err((
            i,
            "an interface name is letters, digits and . _ - @ (no /, :, * or spaces)".to_owned(),
        ));
    }
    if name.len() > MAX_IFNAME {
        return Err((
            0,
            format!(
                "an interface name is at most {MAX_IFNAME} bytes, not {}",
                name.len()
            ),
        ));
    }
    Ok(match prefix {
        true => IfacePattern::Prefix(name.to_owned()),
        false => IfacePattern::Name(name.to_owned()),
    })
}

/// The characters a rule may use in an interface name (Linux allows more, but not `/`, `:`
/// or white space; these are the ones interface names are made of).
fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prints_and_matches() {
        for (text, want) in [
            ("eth1", "packet:eth1"),
            ("veth*", "packet:veth*"),
            ("*", "packet:*"),
        ] {
            let p = parse(text).unwrap();
            assert_eq!(p.to_string(), want);
            assert_eq!(parse(&want["packet:".len()..]).unwrap(), p);
        }
        for bad in ["", "a b", "a/b", "a:1", "e*1", "**", &"x".repeat(16)] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let eth1 = parse("eth1").unwrap();
        assert!(eth1.matches("eth1") && !eth1.matches("eth10") && !eth1.matches(""));
        let veth = parse("veth*").unwrap();
        assert!(veth.matches("veth0") && veth.matches("veth") && !veth.matches("eth0"));
        assert!(!veth.matches(""));
        assert!(IfacePattern::Any.matches("lo") && IfacePattern::Any.matches(""));
        assert_eq!(target(""), "packet:*");
        assert_eq!(target("lo"), "packet:lo");
    }
}
