//! Address and name normalisation shared by the rule parser and the matcher.
//!
//! Everything here is a pure function of its input, allocates nothing and never panics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Verb;

/// The address a guest names, as the policy matches it.
///
/// IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`, except `::` and `::1`)
/// IPv6 addresses become the IPv4 address. For every verb except `bind`, the unspecified
/// addresses `0.0.0.0` and `::` become `127.0.0.1` and `::1`: as a destination the kernel reads
/// them as "this host". For `bind` they stay what they are, the wildcard.
pub(super) fn normalize_for(verb: Verb, ip: IpAddr) -> IpAddr {
    match (verb, unmap(ip)) {
        (Verb::Bind, ip) => ip,
        (_, IpAddr::V4(v4)) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        (_, IpAddr::V6(v6)) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        (_, ip) => ip,
    }
}

/// IPv4-mapped and IPv4-compatible IPv6 addresses as IPv4; any other address unchanged.
pub(super) fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4() {
            // `to_ipv4` also turns `::` and `::1` into 0.0.0.0 and 0.0.0.1: those stay IPv6.
            Some(v4) if !v6.is_unspecified() && !v6.is_loopback() => IpAddr::V4(v4),
            _ => ip,
        },
        IpAddr::V4(_) => ip,
    }
}

/// How an IPv6 address reaches an IPv4 address, or how a bind reaches one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// NAT64 with the well-known prefix `64:ff9b::/96` (RFC 6052): the last 32 bits.
    Nat64,
    /// NAT64 with the local-use prefix `64:ff9b:1::/48` (RFC 8215): the operator chooses where
    /// the IPv4 address sits, so every RFC 6052 position is taken as one it may reach.
    Nat64Local,
    /// 6to4, `2002::/16` (RFC 3056): bits 16-47.
    SixToFour,
    /// Teredo, `2001::/32` (RFC 4380): the server's address, bits 32-63.
    TeredoServer,
    /// Teredo, `2001::/32`: the client's address, the last 32 bits inverted.
    TeredoClient,
    /// SIIT's IPv4-translated addresses, `::ffff:0:0:0/96` (RFC 2765): the last 32 bits.
    Siit,
    /// An ISATAP interface identifier, `…:0:5efe:a.b.c.d` or `…:200:5efe:a.b.c.d` (RFC 5214).
    Isatap,
    /// A bind of `[::]` on a dual-stack socket (`IPV6_V6ONLY` off, Linux's default) also binds
    /// `0.0.0.0`.
    DualStack,
}

impl Form {
    /// How messages name the way the address was reached.
    pub fn describe(self) -> &'static str {
        match self {
            Form::Nat64 => "the NAT64 address (64:ff9b::/96) embeds it",
            Form::Nat64Local => "the local-use NAT64 address (64:ff9b:1::/48) may embed it",
            Form::SixToFour => "the 6to4 address (2002::/16) embeds it",
            Form::TeredoServer => "the Teredo address (2001::/32) names it as its server",
            Form::TeredoClient => "the Teredo address (2001::/32) names it as its client",
            Form::Siit => "the SIIT address (::ffff:0:0:0/96) embeds it",
            Form::Isatap => "the ISATAP address embeds it",
            Form::DualStack => "a dual-stack IPv6 socket bound to [::] listens there too",
        }
    }
}

/// An IPv4 address that a guest's IPv6 address reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Embedded {
    pub(super) v4: Ipv4Addr,
    pub(super) form: Form,
    /// Whether the mapping is certain: only then may an allow rule for the IPv4 address allow
    /// the IPv6 one. Deny rules and `--deny-private` apply to every address it may reach.
    pub(super) definite: bool,
}

/// Everything one address stands for, as the policy matches it: the normalised address and
/// the IPv4 addresses it reaches through an IPv6 form (or, for a dual-stack bind, binds too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Views {
    pub(super) primary: IpAddr,
    embedded: [Option<Embedded>; 4],
}

impl Views {
    /// A remote address (connect, send, accept, recv), normalised by [`normalize_for`].
    pub(super) fn remote(ip: IpAddr) -> Views {
        let mut views = Views {
            primary: ip,
            embedded: [None; 4],
        };
        if let IpAddr::V6(v6) = ip {
            embedded_ipv4(v6, |v4, form, definite| views.push(v4, form, definite));
        }
        views
    }

    /// A local address (bind), normalised by [`normalize_for`]: `[::]` on a dual-stack socket
    /// also binds `0.0.0.0`.
    pub(super) fn local(ip: IpAddr, dual_stack: bool) -> Views {
        let mut views = Views {
            primary: ip,
            embedded: [None; 4],
        };
        if dual_stack && ip == IpAddr::V6(Ipv6Addr::UNSPECIFIED) {
            views.push(Ipv4Addr::UNSPECIFIED, Form::DualStack, true);
        }
        views
    }

    fn push(&mut self, v4: Ipv4Addr, form: Form, definite: bool) {
        if let Some(slot) = self.embedded.iter_mut().find(|e| e.is_none()) {
            *slot = Some(Embedded { v4, form, definite });
        }
    }

    /// The IPv4 addresses reached, in order.
    pub(super) fn embedded(&self) -> impl Iterator<Item = Embedded> + '_ {
        self.embedded.iter().map_while(|e| *e)
    }
}

/// Whether the IPv6 address `v6` reaches an IPv4 address through a translation or tunnelling
/// form (see [`Views::remote`]).
pub(super) fn reaches_ipv4(v6: Ipv6Addr) -> bool {
    let mut any = false;
    embedded_ipv4(v6, |_, _, _| any = true);
    any
}

/// Calls `found` with each IPv4 address the IPv6 address `v6` reaches through a translation or
/// tunnelling form. IPv4-mapped and IPv4-compatible addresses are not here: [`unmap`] makes
/// them IPv4 addresses outright.
fn embedded_ipv4(v6: Ipv6Addr, mut found: impl FnMut(Ipv4Addr, Form, bool)) {
    let s = v6.segments();
    let bits = u128::from(v6);
    let last32 = Ipv4Addr::from(bits as u32);
    match s {
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => found(last32, Form::Nat64, true),
        [0x64, 0xff9b, 1, ..] => {
            // RFC 6052 §2.2 for prefixes of 48, 56, 64 and 96 bits; bits 64-71 (the "u" octet)
            // are never used.
            let b = v6.octets();
            found(
                Ipv4Addr::new(b[6], b[7], b[9], b[10]),
                Form::Nat64Local,
                false,
            );
            found(
                Ipv4Addr::new(b[7], b[9], b[10], b[11]),
                Form::Nat64Local,
                false,
            );
            found(
                Ipv4Addr::new(b[9], b[10], b[11], b[12]),
                Form::Nat64Local,
                false,
            );
            found(last32, Form::Nat64Local, false);
        }
        [0x2002, ..] => found(Ipv4Addr::from((bits >> 80) as u32), Form::SixToFour, true),
        [0x2001, 0, ..] => {
            found(
                Ipv4Addr::from((bits >> 64) as u32),
                Form::TeredoServer,
                true,
            );
            found(Ipv4Addr::from(!(bits as u32)), Form::TeredoClient, true);
        }
        [0, 0, 0, 0, 0xffff, 0, _, _] => found(last32, Form::Siit, true),
        [_, _, _, _, iid, 0x5efe, _, _] if iid & 0xfdff == 0 => found(last32, Form::Isatap, false),
        _ => {}
    }
}

/// A range of addresses that are not globally reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpecialRange {
    /// The range in CIDR form, as rules write it.
    pub cidr: &'static str,
    /// What the range is.
    pub what: &'static str,
    net: u128,
    len: u8,
    v6: bool,
}

const fn v4(
    a: u8,
    b: u8,
    c: u8,
    d: u8,
    len: u8,
    cidr: &'static str,
    what: &'static str,
) -> SpecialRange {
    SpecialRange {
        cidr,
        what,
        net: u32::from_be_bytes([a, b, c, d]) as u128,
        len,
        v6: false,
    }
}

const fn v6(net: u128, len: u8, cidr: &'static str, what: &'static str) -> SpecialRange {
    SpecialRange {
        cidr,
        what,
        net,
        len,
        v6: true,
    }
}

/// The ranges `--deny-private` keeps a guest from reaching unless an allow rule names them:
/// IANA's special-purpose ranges that are not globally reachable, and multicast. An IPv6 form
/// that embeds an IPv4 address (NAT64, 6to4, Teredo, SIIT, ISATAP) is judged by that address
/// too, and an IPv4-mapped one is the IPv4 address.
pub const SPECIAL_RANGES: &[SpecialRange] = &[
    v4(
        0,
        0,
        0,
        0,
        8,
        "0.0.0.0/8",
        "\"this network\" (0.0.0.0 is this host)",
    ),
    v4(10, 0, 0, 0, 8, "10.0.0.0/8", "private (RFC 1918)"),
    v4(
        100,
        64,
        0,
        0,
        10,
        "100.64.0.0/10",
        "carrier-grade NAT (RFC 6598)",
    ),
    v4(127, 0, 0, 0, 8, "127.0.0.0/8", "loopback"),
    v4(
        169,
        254,
        0,
        0,
        16,
        "169.254.0.0/16",
        "link-local (cloud metadata services included)",
    ),
    v4(172, 16, 0, 0, 12, "172.16.0.0/12", "private (RFC 1918)"),
    v4(
        192,
        0,
        0,
        0,
        24,
        "192.0.0.0/24",
        "IETF protocol assignments",
    ),
    v4(
        192,
        0,
        2,
        0,
        24,
        "192.0.2.0/24",
        "documentation (TEST-NET-1)",
    ),
    v4(192, 168, 0, 0, 16, "192.168.0.0/16", "private (RFC 1918)"),
    v4(198, 18, 0, 0, 15, "198.18.0.0/15", "benchmarking"),
    v4(
        198,
        51,
        100,
        0,
        24,
        "198.51.100.0/24",
        "documentation (TEST-NET-2)",
    ),
    v4(
        203,
        0,
        113,
        0,
        24,
        "203.0.113.0/24",
        "documentation (TEST-NET-3)",
    ),
    v4(224, 0, 0, 0, 4, "224.0.0.0/4", "multicast"),
    v4(
        240,
        0,
        0,
        0,
        4,
        "240.0.0.0/4",
        "reserved, with the limited broadcast address 255.255.255.255",
    ),
    v6(0, 128, "[::]", "the unspecified address (this host)"),
    v6(1, 128, "[::1]", "loopback"),
    v6(
        0x0064_ff9b_0001 << 80,
        48,
        "[64:ff9b:1::/48]",
        "local-use NAT64 (RFC 8215)",
    ),
    v6(0x0100 << 112, 64, "[100::/64]", "discard-only"),
    v6(
        0x2001 << 112,
        23,
        "[2001::/23]",
        "IETF protocol assignments (Teredo included)",
    ),
    v6(0x2001_0db8 << 96, 32, "[2001:db8::/32]", "documentation"),
    v6(0xfc00 << 112, 7, "[fc00::/7]", "unique local (ULA)"),
    v6(0xfe80 << 112, 10, "[fe80::/10]", "link-local"),
    v6(0xfec0 << 112, 10, "[fec0::/10]", "site-local (deprecated)"),
    v6(0xff00 << 112, 8, "[ff00::/8]", "multicast"),
];

impl SpecialRange {
    fn contains(&self, ip: IpAddr) -> bool {
        let (bits, width) = match ip {
            IpAddr::V4(a) if !self.v6 => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) if self.v6 => (u128::from(a), 128),
            _ => return false,
        };
        let shift = width - u32::from(self.len);
        (bits ^ self.net).checked_shr(shift).unwrap_or(0) == 0
    }
}

/// The range `--deny-private` blocks that holds `ip` (normalised), if any.
pub(super) fn special_range(ip: IpAddr) -> Option<&'static SpecialRange> {
    SPECIAL_RANGES.iter().find(|r| r.contains(ip))
}

/// A host string from a guest, classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GuestHost<'a> {
    /// A numeric address in any form the system resolver would read as one.
    Ip(IpAddr),
    /// A syntactically valid host name, without its trailing dot.
    Name(&'a str),
    /// Neither: no name rule may match it.
    Invalid,
}

/// Classify a guest's host string. One trailing dot is ignored.
///
/// Numeric forms are recognised the way the C library recognises them, so that a name rule
/// cannot let through an address that an address rule denies: `10.0.0.1`, `::ffff:10.0.0.1`,
/// `fe80::1%eth0`, and the `inet_aton` shorthands `10.1`, `167772161`, `0xa.0.0.1`, `012.0.0.1`.
pub(super) fn classify_guest_host(host: &str) -> GuestHost<'_> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return GuestHost::Ip(ip);
    }
    if let Some(v4) = parse_inet_aton(host) {
        return GuestHost::Ip(IpAddr::V4(v4));
    }
    if let Some((addr, _scope)) = host.split_once('%')
        && let Ok(v6) = addr.parse::<Ipv6Addr>()
    {
        return GuestHost::Ip(IpAddr::V6(v6));
    }
    match name_problem(host) {
        None => GuestHost::Name(host),
        Some(_) => GuestHost::Invalid,
    }
}

/// Parse an IPv4 address the way C's `inet_aton` does: one to four parts separated by dots,
/// each decimal, octal (leading `0`) or hexadecimal (leading `0x`); the last part fills the
/// remaining bytes (`127.1` is 127.0.0.1, `2130706433` is 127.0.0.1).
pub(super) fn parse_inet_aton(s: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u32; 4];
    let mut count = 0;
    for part in s.split('.') {
        let slot = parts.get_mut(count)?;
        *slot = parse_c_number(part)?;
        count += 1;
    }
    let (head, last) = match count {
        1 => (&parts[..0], parts[0]),
        2 => (&parts[..1], parts[1]),
        3 => (&parts[..2], parts[2]),
        _ => (&parts[..3], parts[3]),
    };
    // The last part fills the bytes the leading parts leave; each leading part is one byte.
    let last_bits = 32 - 8 * head.len() as u32;
    if head.iter().any(|&p| p > 0xff) || u64::from(last) >= 1u64 << last_bits {
        return None;
    }
    let value = head
        .iter()
        .enumerate()
        .fold(last, |acc, (i, &p)| acc | (p << (24 - 8 * i as u32)));
    Some(Ipv4Addr::from(value))
}

/// One `inet_aton` part: decimal, octal with a leading `0`, hexadecimal with `0x`/`0X`.
fn parse_c_number(part: &str) -> Option<u32> {
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Every character is an ASCII digit of the radix; only overflow can fail.
    u32::from_str_radix(digits, radix).ok()
}

/// What makes a string not a host name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NameProblem {
    /// The string is empty.
    Empty,
    /// Longer than 253 characters.
    TooLong,
    /// Two dots in a row, or a leading dot.
    EmptyLabel,
    /// A label longer than 63 characters.
    LongLabel,
    /// A character other than an ASCII letter, digit, `-` or `_`.
    BadChar(char),
    /// Every label is numeric: this would be an IPv4 address, but it is not a valid one.
    AllNumeric,
    /// The last label is numeric, which no top-level domain is.
    NumericLast,
}

/// Why `name` (no trailing dot) is not a syntactically valid host name, and where (a byte
/// offset into `name`, always on a character boundary); `None` if it is one.
pub(super) fn name_problem(name: &str) -> Option<(usize, NameProblem)> {
    if name.is_empty() {
        return Some((0, NameProblem::Empty));
    }
    let mut start = 0;
    for label in name.split('.') {
        if label.is_empty() {
            return Some((start, NameProblem::EmptyLabel));
        }
        let bad = label
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        if let Some((i, c)) = bad {
            return Some((start + i, NameProblem::BadChar(c)));
        }
        if label.len() > 63 {
            return Some((start, NameProblem::LongLabel));
        }
        start += label.len() + 1;
    }
    if name.len() > 253 {
        return Some((0, NameProblem::TooLong));
    }
    let numeric = |label: &str| label.bytes().all(|b| b.is_ascii_digit());
    if name.split('.').all(numeric) {
        return Some((0, NameProblem::AllNumeric));
    }
    if name.rsplit('.').next().is_some_and(numeric) {
        let last = name.rfind('.').map_or(0, |dot| dot + 1);
        return Some((last, NameProblem::NumericLast));
    }
    None
}

/// Whether `name` is a proper subdomain of `suffix` (`a.example.com` and `a.b.example.com` of
/// `example.com`, but not `example.com` itself), ignoring ASCII case.
pub(super) fn is_subdomain(name: &str, suffix: &str) -> bool {
    let (name, suffix) = (name.as_bytes(), suffix.as_bytes());
    let Some(cut) = name.len().checked_sub(suffix.len()) else {
        return false;
    };
    let (head, tail) = name.split_at(cut);
    head.len() >= 2 && head.last() == Some(&b'.') && tail.eq_ignore_ascii_case(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn normalisation() {
        let cases = [
            // (verb, guest address, address matched)
            (Verb::Connect, "::ffff:10.0.0.1", "10.0.0.1"),
            (Verb::Connect, "::10.0.0.1", "10.0.0.1"),
            (Verb::Connect, "::1", "::1"),
            (Verb::Connect, "::", "::1"),
            (Verb::Connect, "0.0.0.0", "127.0.0.1"),
            (Verb::Connect, "::ffff:0.0.0.0", "127.0.0.1"),
            (Verb::Send, "0.0.0.0", "127.0.0.1"),
            (Verb::Recv, "::", "::1"),
            (Verb::Accept, "0.0.0.0", "127.0.0.1"),
            (Verb::Connect, "0.0.0.1", "0.0.0.1"),
            (Verb::Connect, "::2", "0.0.0.2"),
            (Verb::Connect, "2001:db8::1", "2001:db8::1"),
            (Verb::Connect, "::ffff:1:2", "0.1.0.2"),
            (Verb::Connect, "::1:ffff:1:2", "::1:ffff:1:2"),
            (Verb::Bind, "0.0.0.0", "0.0.0.0"),
            (Verb::Bind, "::", "::"),
            (Verb::Bind, "::ffff:0.0.0.0", "0.0.0.0"),
            (Verb::Bind, "::ffff:127.0.0.1", "127.0.0.1"),
        ];
        for (verb, input, want) in cases {
            assert_eq!(normalize_for(verb, ip(input)), ip(want), "{verb} {input}");
        }
    }

    #[test]
    fn inet_aton_forms() {
        let cases = [
            ("127.0.0.1", Some("127.0.0.1")),
            ("127.1", Some("127.0.0.1")),
            ("10.1.2", Some("10.1.0.2")),
            ("1.2.65535", Some("1.2.255.255")),
            ("1.2.65536", None),
            ("1.16777215", Some("1.255.255.255")),
            ("1.16777216", None),
            ("2130706433", Some("127.0.0.1")),
            ("4294967295", Some("255.255.255.255")),
            ("4294967296", None),
            ("0x7f.1", Some("127.0.0.1")),
            ("0X7F.0.0.1", Some("127.0.0.1")),
            ("0177.0.0.1", Some("127.0.0.1")),
            ("012.0.0.1", Some("10.0.0.1")),
            ("0", Some("0.0.0.0")),
            ("00", Some("0.0.0.0")),
            ("08.0.0.1", None),
            ("0x", None),
            ("0xg", None),
            ("256.1", None),
            ("255.1", Some("255.0.0.1")),
            ("1.2.3.256", None),
            ("1.2.3.4.5", None),
            ("1..2", None),
            ("", None),
            ("1.2.3.", None),
            ("+1.2.3.4", None),
            ("1.2.3.4 ", None),
            ("example.com", None),
        ];
        for (input, want) in cases {
            let want = want.map(|w| w.parse::<Ipv4Addr>().unwrap());
            assert_eq!(parse_inet_aton(input), want, "{input:?}");
        }
    }

    /// Only the translation and tunnelling forms reach an IPv4 address: ISATAP needs its
    /// interface identifier (0 or 0x200 before `5efe`), and an ordinary address reaches none.
    #[test]
    fn which_ipv6_addresses_reach_ipv4() {
        let v6 = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        assert!(!reaches_ipv4(v6("2606:4700::1")));
        assert!(!reaches_ipv4(v6("fd00::10")));
        assert!(reaches_ipv4(v6("fe80::5efe:a00:1")));
        assert!(reaches_ipv4(v6("fe80::200:5efe:a00:1")));
        assert!(!reaches_ipv4(v6("2001:db8::1:5efe:a00:1")));
    }

    #[test]
    fn guest_hosts() {
        let cases = [
            ("10.0.0.1", GuestHost::Ip(ip("10.0.0.1"))),
            ("10.0.0.1.", GuestHost::Ip(ip("10.0.0.1"))),
            ("10.1", GuestHost::Ip(ip("10.0.0.1"))),
            ("::ffff:10.0.0.1", GuestHost::Ip(ip("::ffff:10.0.0.1"))),
            ("fe80::1%eth0", GuestHost::Ip(ip("fe80::1"))),
            ("Example.COM.", GuestHost::Name("Example.COM")),
            ("localhost", GuestHost::Name("localhost")),
            (
                "_srv._tcp.example.com",
                GuestHost::Name("_srv._tcp.example.com"),
            ),
            ("10.0.0.256", GuestHost::Invalid),
            ("host.123", GuestHost::Invalid),
            ("[::1]", GuestHost::Invalid),
            ("a b", GuestHost::Invalid),
            ("evil.com\0.example.com", GuestHost::Invalid),
            ("a..example.com", GuestHost::Invalid),
            (".", GuestHost::Invalid),
            ("", GuestHost::Invalid),
            ("bücher.example", GuestHost::Invalid),
        ];
        for (input, want) in cases {
            assert_eq!(classify_guest_host(input), want, "{input:?}");
        }
    }

    #[test]
    fn name_problems() {
        let max_label = "a".repeat(63);
        let long_label = "a".repeat(64);
        let long_name = ["abcdefghi"; 26].join("."); // 26 * 10 - 1 = 259 characters
        let max_name = format!("{max_label}.{max_label}.{max_label}.{}", "b".repeat(61)); // 253
        let over_name = format!("{max_name}c");
        let cases = [
            ("example.com", None),
            (max_label.as_str(), None),
            ("", Some((0, NameProblem::Empty))),
            ("a..b", Some((2, NameProblem::EmptyLabel))),
            (".a", Some((0, NameProblem::EmptyLabel))),
            ("a.b.", Some((4, NameProblem::EmptyLabel))),
            ("ab.c!d", Some((4, NameProblem::BadChar('!')))),
            ("x.ü", Some((2, NameProblem::BadChar('ü')))),
            (long_label.as_str(), Some((0, NameProblem::LongLabel))),
            (long_name.as_str(), Some((0, NameProblem::TooLong))),
            (max_name.as_str(), None),
            (over_name.as_str(), Some((0, NameProblem::TooLong))),
            ("1.2.3.999", Some((0, NameProblem::AllNumeric))),
            ("host.123", Some((5, NameProblem::NumericLast))),
        ];
        for (input, want) in cases {
            assert_eq!(name_problem(input), want, "{input:?}");
        }
    }

    #[test]
    fn subdomains() {
        let cases = [
            ("a.example.com", "example.com", true),
            ("a.b.example.com", "example.com", true),
            ("A.Example.COM", "example.com", true),
            ("example.com", "example.com", false),
            (".example.com", "example.com", false),
            ("aexample.com", "example.com", false),
            ("badexample.com", "example.com", false),
            ("a.example.com.evil", "example.com", false),
            ("com", "example.com", false),
        ];
        for (name, suffix, want) in cases {
            assert_eq!(is_subdomain(name, suffix), want, "{name} under {suffix}");
        }
    }
}
