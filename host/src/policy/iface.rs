//! Rules about sockets that speak on network interfaces directly: `AF_PACKET` (link-level
//! frames) and `AF_CAN` (CAN frames), `packet:IFACE` and `can:IFACE`, with `IFACE` a name,
//! a prefix (`veth*`) or `*`.
//!
//! `bind packet:eth1` lets a guest bind a packet socket to `eth1`, and so hear every frame of
//! that interface; `send packet:eth1` lets it send frames out of `eth1`; `can:` is the same
//! for CAN buses. `*` also covers binding to no interface in particular (Python's `''`), which
//! hears them all.

use std::fmt;

/// The longest interface name Linux allows (`IFNAMSIZ` less its NUL).
pub const MAX_IFNAME: usize = 15;

/// The family of a socket that speaks on interfaces, as rules name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Link {
    /// `AF_PACKET`: `packet:IFACE`.
    Packet,
    /// `AF_CAN` (`CAN_RAW`): `can:IFACE`.
    Can,
}

impl Link {
    /// Both, in the order messages list them.
    pub const ALL: [Link; 2] = [Link::Packet, Link::Can];

    /// As rules spell it: `"packet"` or `"can"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Packet => "packet",
            Link::Can => "can",
        }
    }

    /// The address family's name: `"AF_PACKET"` or `"AF_CAN"`.
    pub fn family_name(self) -> &'static str {
        match self {
            Link::Packet => "AF_PACKET",
            Link::Can => "AF_CAN",
        }
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Interfaces by name, the target of a `packet:` or `can:` rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IfacePattern {
    /// `eth1`: that interface.
    Name(String),
    /// `veth*`: every interface whose name begins with the prefix.
    Prefix(String),
    /// `*`: every interface, and none in particular (`''`: all of them at once).
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

/// An interface as messages and the audit log show it: `packet:eth1`, `can:vcan0`, or
/// `packet:*` for every interface at once.
pub fn target(link: Link, name: &str) -> String {
    match name {
        "" => format!("{link}:*"),
        name => format!("{link}:{name}"),
    }
}

impl fmt::Display for IfacePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IfacePattern::Name(n) => f.write_str(n),
            IfacePattern::Prefix(p) => write!(f, "{p}*"),
            IfacePattern::Any => f.write_str("*"),
        }
    }
}

/// Parses what follows `packet:` or `can:` in a rule. `Err` is `(byte offset, message)`.
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
            "expected an interface name, e.g. packet:eth1, can:vcan0, packet:veth* or packet:*"
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
        // The longest name Linux allows (IFNAMSIZ - 1 bytes) is a name; one byte more is not.
        let longest = "x".repeat(MAX_IFNAME);
        for text in ["eth1", "veth*", "*", &longest] {
            let p = parse(text).unwrap();
            assert_eq!(p.to_string(), text);
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
        assert_eq!(target(Link::Packet, ""), "packet:*");
        assert_eq!(target(Link::Packet, "lo"), "packet:lo");
        assert_eq!(target(Link::Can, "vcan0"), "can:vcan0");
    }

    /// The names refusals and audit records use.
    #[test]
    fn link_names() {
        assert_eq!(
            (Link::Packet.as_str(), Link::Packet.family_name()),
            ("packet", "AF_PACKET")
        );
        assert_eq!(
            (Link::Can.as_str(), Link::Can.family_name()),
            ("can", "AF_CAN")
        );
    }
}
