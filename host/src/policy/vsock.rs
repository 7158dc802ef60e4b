//! Rules about `AF_VSOCK` sockets (a virtual machine and its host): `vsock://CID:PORTS`.
//!
//! A context id (CID) is a number or one of the names Linux gives the special ones: `hypervisor`
//! (0), `local` (1), `host` (2), `any` (`VMADDR_CID_ANY`, 0xffffffff, what a guest binds to
//! listen on every CID), or `*` for all of them. Ports are 32 bits: `N`, `A-B` (inclusive) or
//! `*` (`VMADDR_PORT_ANY`, 0xffffffff, is the port a bind lets the kernel choose).

use std::fmt;

/// `VMADDR_CID_ANY` and `VMADDR_PORT_ANY`.
const ANY: u32 = u32::MAX;

/// The CIDs with a name, as rules and messages spell them.
const NAMED: [(&str, u32); 4] = [("hypervisor", 0), ("local", 1), ("host", 2), ("any", ANY)];

/// The target of a rule about `AF_VSOCK` sockets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VsockPattern {
    /// The context id; `None` is `*`.
    cid: Option<u32>,
    /// The first and last port, inclusive.
    ports: (u32, u32),
}

impl VsockPattern {
    /// The pattern naming exactly `cid:port` (what `--learn` writes).
    pub(crate) fn exact(cid: u32, port: u32) -> VsockPattern {
        VsockPattern {
            cid: Some(cid),
            ports: (port, port),
        }
    }

    /// The one address the pattern names, if it names one (`explain` takes one).
    pub(crate) fn one(&self) -> Option<(u32, u32)> {
        let cid = self.cid?;
        (self.ports.0 == self.ports.1).then_some((cid, self.ports.0))
    }

    /// Whether the pattern covers `cid:port`.
    pub(super) fn matches(&self, cid: u32, port: u32) -> bool {
        self.cid.is_none_or(|c| c == cid) && (self.ports.0..=self.ports.1).contains(&port)
    }
}

/// A vsock address as messages and the audit log show it: `vsock://host:1024`,
/// `vsock://any:any`.
pub fn target(cid: u32, port: u32) -> String {
    let port = match port {
        ANY => "any".to_owned(),
        port => port.to_string(),
    };
    format!("vsock://{}:{port}", Cid(cid))
}

/// A CID as rules spell it: its name, else its number.
struct Cid(u32);

impl fmt::Display for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match NAMED.iter().find(|(_, n)| *n == self.0) {
            Some((name, _)) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Display for VsockPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("vsock://")?;
        match self.cid {
            Some(cid) => write!(f, "{}:", Cid(cid))?,
            None => f.write_str("*:")?,
        }
        match self.ports {
            (0, ANY) => f.write_str("*"),
            (a, b) if a == b => write!(f, "{a}"),
            (a, b) => write!(f, "{a}-{b}"),
        }
    }
}

/// Parses what follows `vsock://` in a rule. `Err` is `(byte offset, message)`.
pub(super) fn parse(text: &str) -> Result<VsockPattern, (usize, String)> {
    let Some((cid_text, ports_text)) = text.rsplit_once(':') else {
        return Err((
            text.len(),
            "expected CID:PORTS after vsock://, e.g. vsock://host:1024 or vsock://*:*".to_owned(),
        ));
    };
    let cid = match cid_text {
        "*" => None,
        name => Some(
            NAMED
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|&(_, cid)| cid)
                .or_else(|| decimal(name))
                .ok_or_else(|| {
                    (
                        0,
                        format!(
                            "invalid vsock CID {name:?} (a number, hypervisor, local, host, any, or *)"
                        ),
                    )
                })?,
        ),
    };
    let at = cid_text.len() + 1;
    let bad_port = |what: &str| {
        (
            at,
            format!("invalid vsock port {what:?} (N, A-B or *, from 0 to {ANY})"),
        )
    };
    let ports = match ports_text.split_once('-') {
        _ if ports_text == "*" => (0, ANY),
        Some((a, b)) => {
            let (a, b) = (
                decimal(a).ok_or_else(|| bad_port(a))?,
                decimal(b).ok_or_else(|| bad_port(b))?,
            );
            if a > b {
                return Err((at, format!("empty vsock port range {a}-{b}")));
            }
            (a, b)
        }
        None => {
            let port = decimal(ports_text).ok_or_else(|| bad_port(ports_text))?;
            (port, port)
        }
    };
    Ok(VsockPattern { cid, ports })
}

/// A decimal `u32` without sign or spaces.
fn decimal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_normal_forms() {
        let cases = [
            ("host:1024", "vsock://host:1024"),
            ("2:1024", "vsock://host:1024"),
            ("HOST:1024", "vsock://host:1024"),
            ("4294967295:80", "vsock://any:80"),
            ("any:5000-5010", "vsock://any:5000-5010"),
            ("*:*", "vsock://*:*"),
            ("*:0-4294967295", "vsock://*:*"),
            ("17:4294967295", "vsock://17:4294967295"),
            ("0:1", "vsock://hypervisor:1"),
            ("local:7", "vsock://local:7"),
            // A range of one port is that port.
            ("host:9-9", "vsock://host:9"),
        ];
        for (text, want) in cases {
            let pattern = parse(text).unwrap();
            assert_eq!(pattern.to_string(), want, "{text}");
            assert_eq!(parse(&want["vsock://".len()..]).unwrap(), pattern, "{want}");
        }
        for bad in [
            "",
            "host",
            "host:",
            ":80",
            "h0st:80",
            "-1:80",
            "2:-1",
            "2:9-8",
            "2:4294967296",
            "2:+5",
            "2: 5",
            "2:1-",
            "4294967296:1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn matches_cid_and_ports() {
        let p = parse("host:1000-1002").unwrap();
        assert!(p.matches(2, 1000) && p.matches(2, 1002));
        assert!(!p.matches(2, 999) && !p.matches(2, 1003) && !p.matches(3, 1000));
        let any = parse("*:*").unwrap();
        assert!(any.matches(0, 0) && any.matches(ANY, ANY));
        assert!(VsockPattern::exact(3, 9).matches(3, 9));
        assert!(!VsockPattern::exact(3, 9).matches(3, 10));
        assert_eq!(target(2, 1024), "vsock://host:1024");
        assert_eq!(target(ANY, ANY), "vsock://any:any");
        assert_eq!(target(42, 7), "vsock://42:7");
    }
}
