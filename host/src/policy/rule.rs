//! One policy rule: its grammar (see the `policy` module), parser, normal form and matching.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::addr::{self, NameProblem};
use super::iface::{IfacePattern, Link};
use super::unix::{UnixPattern, UnixTarget};
use super::vsock::VsockPattern;

/// What a guest is trying to do: the first word of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// Connect a socket; the rule's address is the remote end.
    Connect,
    /// Bind a socket; the rule's address is the local end.
    Bind,
    /// Accept a connection; the rule's address is the peer that connected in.
    Accept,
    /// Send a UDP datagram; the rule's address is the destination.
    Send,
    /// Receive a UDP datagram; the rule's address is the source.
    Recv,
    /// Look up a name; the rule's target is a name pattern.
    Resolve,
}

/// Which end of a socket a verb's address names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum End {
    /// The remote end: the peer connected to, sent to, accepted or heard from.
    Remote,
    /// The local end: the address bound.
    Local,
    /// Not an address: a host name looked up.
    Name,
}

/// Everything about one verb that the parser, the checker, `explain`, `--learn`, the audit log
/// and every message need: written once, here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerbFacts {
    /// The verb.
    pub verb: Verb,
    /// How rules spell it.
    pub name: &'static str,
    /// The protocols it governs (every verb but `resolve` takes `PROTO://`).
    pub protos: &'static [Proto],
    /// Whether it governs `AF_UNIX` sockets too (`unix:/path`, `unix:@name` targets).
    pub unix: bool,
    /// The end its address names.
    pub end: End,
    /// How a message links it to its target: `connect to tcp://…`, `accept from tcp://…`.
    pub preposition: &'static str,
    /// The Python audit event its decisions are recorded as.
    pub event: &'static str,
    /// A rule that uses it.
    pub example: &'static str,
    /// What it allows, in a few words, for `host run --help`.
    pub help: &'static str,
}

const FACTS: [VerbFacts; 6] = [
    VerbFacts {
        verb: Verb::Connect,
        name: "connect",
        protos: &[Proto::Tcp, Proto::Udp, Proto::Icmp, Proto::Raw],
        unix: true,
        end: End::Remote,
        preposition: "to",
        event: "socket.connect",
        example: "connect tcp://example.com:443",
        help: "connect a socket to HOST:PORTS (a UDP connect also admits replies)",
    },
    VerbFacts {
        verb: Verb::Bind,
        name: "bind",
        protos: &[Proto::Tcp, Proto::Udp, Proto::Icmp, Proto::Raw],
        unix: true,
        end: End::Local,
        preposition: "to",
        event: "socket.bind",
        example: "bind tcp://127.0.0.1:8000-8099",
        help: "bind a socket to the local address HOST:PORTS",
    },
    VerbFacts {
        verb: Verb::Accept,
        name: "accept",
        protos: &[Proto::Tcp],
        unix: false,
        end: End::Remote,
        preposition: "from",
        event: "socket.accept",
        example: "accept tcp://127.0.0.0/8:*",
        help: "accept TCP connections from peers at HOST:PORTS",
    },
    VerbFacts {
        verb: Verb::Send,
        name: "send",
        protos: &[Proto::Udp, Proto::Icmp, Proto::Raw],
        unix: true,
        end: End::Remote,
        preposition: "to",
        event: "socket.sendto",
        example: "send udp://10.0.0.53:53",
        help: "send UDP datagrams to HOST:PORTS",
    },
    VerbFacts {
        verb: Verb::Recv,
        name: "recv",
        protos: &[Proto::Udp, Proto::Icmp, Proto::Raw],
        unix: true,
        end: End::Remote,
        preposition: "from",
        event: "socket.recvfrom",
        example: "recv udp://10.0.0.53:53",
        help: "receive UDP datagrams from HOST:PORTS",
    },
    VerbFacts {
        verb: Verb::Resolve,
        name: "resolve",
        protos: &[],
        unix: false,
        end: End::Name,
        preposition: "",
        event: "socket.getaddrinfo",
        example: "resolve *.example.com",
        help: "look up the host names NAME matches",
    },
];

impl Verb {
    /// Every verb, in the order messages list them.
    pub const ALL: [Verb; 6] = [
        Verb::Connect,
        Verb::Bind,
        Verb::Accept,
        Verb::Send,
        Verb::Recv,
        Verb::Resolve,
    ];

    /// The verb's facts.
    pub fn facts(self) -> &'static VerbFacts {
        &FACTS[self as usize]
    }

    /// The verb as rules spell it: `"connect"`, `"bind"`, …
    pub fn as_str(self) -> &'static str {
        self.facts().name
    }

    /// The verb a rule spells `word` (any case), if any.
    pub fn parse(word: &str) -> Option<Verb> {
        Verb::ALL
            .into_iter()
            .find(|verb| verb.as_str().eq_ignore_ascii_case(word))
    }

    /// Every verb's name, as a list for messages: `connect, bind, accept, send, recv, resolve`.
    pub fn names() -> String {
        let names: Vec<&str> = Verb::ALL.iter().map(|v| v.as_str()).collect();
        names.join(", ")
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    /// TCP (stream sockets).
    Tcp,
    /// UDP (datagram sockets).
    Udp,
    /// ICMP echo ("ping") datagram sockets (`IPPROTO_ICMP` / `IPPROTO_ICMPV6`). Their rules
    /// name a host and no port (`icmp://HOST`), and only a rule that names `icmp` matches
    /// them: `*://` means tcp and udp.
    Icmp,
    /// Raw IP sockets (`SOCK_RAW` on `AF_INET` / `AF_INET6`), whose "port" is the IP protocol
    /// number they carry: `raw://10.0.0.0/8:47` is GRE to and from those hosts. Only a rule that
    /// names `raw` matches them.
    Raw,
}

impl Proto {
    /// The protocol as rules spell it: `"tcp"`, `"udp"`, `"icmp"` or `"raw"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
            Proto::Raw => "raw",
        }
    }

    /// An address used over this protocol as messages, the audit log and rules write it:
    /// `tcp://10.0.0.5:22`, `udp://[::1]:53`; ICMP has no port: `icmp://10.0.0.5`; raw IP's
    /// port is its protocol number: `raw://10.0.0.5:47`.
    pub fn target(self, addr: SocketAddr) -> String {
        match self {
            Proto::Icmp if addr.is_ipv6() => format!("icmp://[{}]", addr.ip()),
            Proto::Icmp => format!("icmp://{}", addr.ip()),
            _ => format!("{self}://{addr}"),
        }
    }

    /// Whether a rule's protocol (`None` for `*`) covers this one.
    fn covered_by(self, rule: Option<Proto>) -> bool {
        match rule {
            Some(p) => p == self,
            None => !matches!(self, Proto::Icmp | Proto::Raw),
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An inclusive range of ports; `*` is `0-65535`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortRange {
    first: u16,
    last: u16,
}

impl PortRange {
    /// Every port, `*`.
    pub const ANY: PortRange = PortRange {
        first: 0,
        last: u16::MAX,
    };

    /// The ports `first..=last`, or `None` if `first > last`.
    pub fn new(first: u16, last: u16) -> Option<PortRange> {
        (first <= last).then_some(PortRange { first, last })
    }

    /// The first port of the range.
    pub fn first(self) -> u16 {
        self.first
    }

    /// The last port of the range (inclusive).
    pub fn last(self) -> u16 {
        self.last
    }

    /// Whether `port` is in the range.
    pub fn contains(self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortRange::ANY {
            f.write_str("*")
        } else if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// The host part of an address rule.
///
/// An address rule matches the guest's address after normalisation (see
/// [`Policy::check`](super::Policy::check)); in particular an IPv4-mapped IPv6 address is an
/// IPv4 address, so it is matched by IPv4 rules and never by an IPv6 range such as `[::/0]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// `*`: every IPv4 and IPv6 address and every name.
    Any,
    /// `localhost`: the addresses `127.0.0.0/8` and `::1`, and the name `localhost`.
    Localhost,
    /// An address (`10.0.0.1`, `[::1]`, stored with the full prefix length) or a range
    /// (`10.0.0.0/8`, `[fd00::/8]`). Matches addresses only, never names.
    Net(IpNet),
    /// An exact DNS name, lower case, without trailing dot. Matches that name only (any case,
    /// with or without trailing dot), never an address.
    Name(String),
    /// `*.suffix`, stored as the suffix (lower case, no trailing dot): matches every name
    /// strictly below the suffix, not the suffix itself, and never an address.
    Subdomains(String),
}

impl HostPattern {
    fn matches_ip(&self, ip: IpAddr) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Localhost => ip.is_loopback(),
            HostPattern::Net(net) => net_contains(net, ip),
            HostPattern::Name(_) | HostPattern::Subdomains(_) => false,
        }
    }

    fn matches_name(&self, name: &str) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Localhost => name.eq_ignore_ascii_case("localhost"),
            HostPattern::Net(_) => false,
            HostPattern::Name(exact) => exact.eq_ignore_ascii_case(name),
            HostPattern::Subdomains(suffix) => addr::is_subdomain(name, suffix),
        }
    }
}

/// Whether `net` holds `ip` (of the same family): the address bits under the prefix agree.
/// The same answer as `IpNet::contains`, in a few instructions: every datagram's decision asks.
fn net_contains(net: &IpNet, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpNet::V4(net), IpAddr::V4(ip)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(net.prefix_len()))
                .unwrap_or(0);
            (u32::from(net.addr()) ^ u32::from(ip)) & mask == 0
        }
        (IpNet::V6(net), IpAddr::V6(ip)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(net.prefix_len()))
                .unwrap_or(0);
            (u128::from(net.addr()) ^ u128::from(ip)) & mask == 0
        }
        _ => false,
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Any => f.write_str("*"),
            HostPattern::Localhost => f.write_str("localhost"),
            HostPattern::Net(IpNet::V4(net)) if net.prefix_len() == 32 => {
                write!(f, "{}", net.addr())
            }
            HostPattern::Net(IpNet::V4(net)) => write!(f, "{net}"),
            HostPattern::Net(IpNet::V6(net)) if net.prefix_len() == 128 => {
                write!(f, "[{}]", net.addr())
            }
            HostPattern::Net(IpNet::V6(net)) => write!(f, "[{net}]"),
            HostPattern::Name(name) => f.write_str(name),
            HostPattern::Subdomains(suffix) => write!(f, "*.{suffix}"),
        }
    }
}

/// The target of a `resolve` rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NamePattern {
    /// `*`: every host name.
    Any,
    /// An exact name (`localhost` included), lower case, without trailing dot.
    Exact(String),
    /// `*.suffix`, stored as the suffix: every name strictly below it, not the suffix itself.
    Subdomains(String),
}

impl NamePattern {
    fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Any => true,
            NamePattern::Exact(exact) => exact.eq_ignore_ascii_case(name),
            NamePattern::Subdomains(suffix) => addr::is_subdomain(name, suffix),
        }
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NamePattern::Any => f.write_str("*"),
            NamePattern::Exact(name) => f.write_str(name),
            NamePattern::Subdomains(suffix) => write!(f, "*.{suffix}"),
        }
    }
}

/// `PROTO://HOST:PORTS`, the target of every verb but `resolve`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    proto: Option<Proto>,
    host: HostPattern,
    ports: PortRange,
}

impl Endpoint {
    /// The protocol, or `None` for `*` (both).
    pub fn proto(&self) -> Option<Proto> {
        self.proto
    }

    /// The host pattern.
    pub fn host(&self) -> &HostPattern {
        &self.host
    }

    /// The port range.
    pub fn ports(&self) -> PortRange {
        self.ports
    }

    fn admits(&self, proto: Proto, port: u16) -> bool {
        proto.covered_by(self.proto) && self.ports.contains(port)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.proto {
            Some(Proto::Icmp) => write!(f, "icmp://{}", self.host),
            proto => {
                let proto = proto.map_or("*", Proto::as_str);
                write!(f, "{proto}://{}:{}", self.host, self.ports)
            }
        }
    }
}

/// A netlink protocol a rule can name: `netlink:route` (`NETLINK_ROUTE`), the only one a guest
/// may use, and only to read (the host vets every message it sends).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetlinkProto {
    /// `NETLINK_ROUTE` (0): interfaces, addresses, routes, neighbours.
    Route,
}

impl NetlinkProto {
    /// The protocol as rules spell it: `"route"`.
    pub fn as_str(self) -> &'static str {
        match self {
            NetlinkProto::Route => "route",
        }
    }

    /// The protocol a `socket(AF_NETLINK, …, proto)` call names, if a rule can name it.
    pub fn from_number(proto: i32) -> Option<NetlinkProto> {
        (proto == libc::NETLINK_ROUTE).then_some(NetlinkProto::Route)
    }
}

impl fmt::Display for NetlinkProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "netlink:{}", self.as_str())
    }
}

/// What a rule is about. More kinds of target (such as `AF_UNIX` paths) may come.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// `PROTO://HOST:PORTS`, for connect, bind, accept, send and recv.
    Endpoint(Endpoint),
    /// A name pattern, for resolve.
    Name(NamePattern),
    /// An `AF_UNIX` path, directory or abstract name, for connect, bind, send and recv.
    Unix(UnixPattern),
    /// A netlink protocol, for send: `send netlink:route` lets a guest make such sockets and
    /// send the kernel read requests on them.
    Netlink(NetlinkProto),
    /// An `AF_VSOCK` context id and ports, for connect, bind and accept: `vsock://host:1024`.
    Vsock(VsockPattern),
    /// Network interfaces, for bind (hear its frames) and send (send frames out of it) on
    /// `AF_PACKET` sockets: `packet:eth1`; for `AF_CAN` sockets, `can:vcan0`.
    Iface(Link, IfacePattern),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Endpoint(endpoint) => endpoint.fmt(f),
            Target::Name(pattern) => pattern.fmt(f),
            Target::Unix(pattern) => pattern.fmt(f),
            Target::Netlink(proto) => proto.fmt(f),
            Target::Vsock(pattern) => pattern.fmt(f),
            Target::Iface(link, pattern) => write!(f, "{link}:{pattern}"),
        }
    }
}

/// One rule, such as `connect tcp://api.example.com:443`, parsed and normalised.
///
/// Made only by parsing ([`FromStr`]); `Display` prints the normal form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    verb: Verb,
    target: Target,
}

impl Rule {
    /// The verb.
    pub fn verb(&self) -> Verb {
        self.verb
    }

    /// The target: an endpoint for every verb but `resolve`, a name pattern for `resolve`.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Whether the rule covers `verb` over `proto` with the (already normalised) address.
    pub(super) fn matches_ip(&self, verb: Verb, proto: Proto, ip: IpAddr, port: u16) -> bool {
        self.verb == verb
            && matches!(&self.target,
                Target::Endpoint(e) if e.admits(proto, port) && e.host.matches_ip(ip))
    }

    /// Whether the rule's host names `ip` explicitly: an address or range containing it, or
    /// `localhost` for a loopback address (`*` and names do not), for `--deny-private`.
    pub(super) fn names_ip(&self, ip: IpAddr) -> bool {
        match &self.target {
            Target::Endpoint(e) => match &e.host {
                HostPattern::Net(net) => net.prefix_len() > 0 && net.contains(&ip),
                HostPattern::Localhost => ip.is_loopback(),
                _ => false,
            },
            Target::Name(_)
            | Target::Unix(_)
            | Target::Netlink(_)
            | Target::Vsock(_)
            | Target::Iface(..) => false,
        }
    }

    /// Whether the rule's host is matched against host names: a name, `*.suffix` or
    /// `localhost` (`*` matches every address anyway).
    pub(super) fn names_hosts(&self) -> bool {
        matches!(&self.target, Target::Endpoint(e) if matches!(
            e.host,
            HostPattern::Name(_) | HostPattern::Subdomains(_) | HostPattern::Localhost
        ))
    }

    /// Whether the rule covers `verb` over `proto` with the (valid, dot-stripped) host name.
    pub(super) fn matches_name(&self, verb: Verb, proto: Proto, name: &str, port: u16) -> bool {
        self.verb == verb
            && matches!(&self.target,
                Target::Endpoint(e) if e.admits(proto, port) && e.host.matches_name(name))
    }

    /// Whether the rule covers `verb` with the `AF_UNIX` address `target`.
    pub(super) fn matches_unix(&self, verb: Verb, target: UnixTarget<'_>) -> bool {
        self.verb == verb && matches!(&self.target, Target::Unix(p) if p.matches(target))
    }

    /// Whether the rule covers sending to the kernel over the netlink protocol `proto`.
    pub(super) fn matches_netlink(&self, proto: NetlinkProto) -> bool {
        self.verb == Verb::Send && self.target == Target::Netlink(proto)
    }

    /// Whether the rule covers `verb` (connect, bind, accept) with the vsock address `cid:port`.
    pub(super) fn matches_vsock(&self, verb: Verb, cid: u32, port: u32) -> bool {
        self.verb == verb && matches!(&self.target, Target::Vsock(p) if p.matches(cid, port))
    }

    /// The rule `verb vsock://CID:PORT`, built rather than parsed (`--learn`); `None` for a verb
    /// that does not apply to vsock.
    pub(crate) fn vsock(verb: Verb, cid: u32, port: u32) -> Option<Rule> {
        VSOCK_VERBS.contains(&verb).then(|| Rule {
            verb,
            target: Target::Vsock(VsockPattern::exact(cid, port)),
        })
    }

    /// Whether the rule covers `verb` (bind, send) on the interface `name` of an `AF_PACKET`
    /// or `AF_CAN` (`link`)
    /// socket (`""`: every interface at once).
    pub(super) fn matches_iface(&self, verb: Verb, link: Link, name: &str) -> bool {
        self.verb == verb
            && matches!(&self.target, Target::Iface(l, p) if *l == link && p.matches(name))
    }

    /// The rule `verb LINK:NAME` (`LINK:*` for `""`), built rather than parsed (`--learn`);
    /// `None` for a verb that does not apply to such sockets or a name a rule cannot spell.
    pub(crate) fn iface(verb: Verb, link: Link, name: &str) -> Option<Rule> {
        let text = match name {
            "" => "*",
            name => name,
        };
        let pattern = super::iface::parse(text).ok()?;
        let exact = matches!(pattern, IfacePattern::Name(_) | IfacePattern::Any);
        (IFACE_VERBS.contains(&verb) && exact).then_some(Rule {
            verb,
            target: Target::Iface(link, pattern),
        })
    }

    /// The rule `send netlink:PROTO`, built rather than parsed (`--learn`).
    pub(crate) fn netlink(proto: NetlinkProto) -> Rule {
        Rule {
            verb: Verb::Send,
            target: Target::Netlink(proto),
        }
    }

    /// Whether the rule allows or denies resolving the (valid, dot-stripped) host name.
    pub(super) fn matches_resolve(&self, name: &str) -> bool {
        self.verb == Verb::Resolve && matches!(&self.target, Target::Name(p) if p.matches(name))
    }

    /// The rule `verb PROTO://HOST:PORTS` (`proto` `None` is `*`), for code that builds rules
    /// rather than parses them (`--learn`), in the normal form the parser gives: names lower
    /// case without their trailing dot, the name `localhost` as [`HostPattern::Localhost`],
    /// IPv4-mapped IPv6 as IPv4. Its `Display` parses back to it. `None` where the parser would
    /// refuse the rule: `resolve`, a protocol the verb does not govern, a name that is not a
    /// host name, a range with host bits set or in the IPv4-compatible space, or the
    /// unspecified address for a verb other than `bind`.
    pub(crate) fn endpoint(
        verb: Verb,
        proto: Option<Proto>,
        host: HostPattern,
        ports: PortRange,
    ) -> Option<Rule> {
        let facts = verb.facts();
        if facts.end == End::Name || proto.is_some_and(|p| !facts.protos.contains(&p)) {
            return None;
        }
        let host = match host {
            HostPattern::Any | HostPattern::Localhost => host,
            HostPattern::Net(IpNet::V4(net)) if net.network() == net.addr() => host,
            HostPattern::Net(IpNet::V6(net)) if net.network() == net.addr() => {
                HostPattern::Net(normalize_net6(net)?)
            }
            // Host bits set.
            HostPattern::Net(_) => return None,
            HostPattern::Name(name) => match normal_pattern_name(&name)? {
                name if name == "localhost" => HostPattern::Localhost,
                name => HostPattern::Name(name),
            },
            HostPattern::Subdomains(suffix) => {
                HostPattern::Subdomains(normal_pattern_name(&suffix)?)
            }
        };
        if verb != Verb::Bind
            && let HostPattern::Net(net) = &host
            && net.prefix_len() == net.max_prefix_len()
            && net.addr().is_unspecified()
        {
            return None;
        }
        Some(Rule {
            verb,
            target: Target::Endpoint(Endpoint { proto, host, ports }),
        })
    }

    /// The rule `VERB unix:…` for `target` exactly (a path in normal form, or an abstract
    /// name), built rather than parsed (`--learn`); `None` for a verb that does not govern
    /// `AF_UNIX` sockets or a target no rule can spell (not UTF-8, control characters).
    pub(crate) fn unix(verb: Verb, target: UnixTarget<'_>) -> Option<Rule> {
        if !verb.facts().unix {
            return None;
        }
        let text = match target {
            UnixTarget::Path(p) => std::str::from_utf8(p).ok()?.to_owned(),
            UnixTarget::Abstract(n) => format!("@{}", std::str::from_utf8(n).ok()?),
        };
        let pattern = super::unix::parse(&text).ok()?;
        matches!(pattern, UnixPattern::Path(_) | UnixPattern::Abstract(_)).then_some(Rule {
            verb,
            target: Target::Unix(pattern),
        })
    }

    /// The rule `resolve PATTERN`, built rather than parsed (`--learn`), in the parser's normal
    /// form; `None` where a name in it is not a host name.
    pub(crate) fn resolve(pattern: NamePattern) -> Option<Rule> {
        let pattern = match pattern {
            NamePattern::Any => NamePattern::Any,
            NamePattern::Exact(name) => NamePattern::Exact(normal_pattern_name(&name)?),
            NamePattern::Subdomains(suffix) => {
                NamePattern::Subdomains(normal_pattern_name(&suffix)?)
            }
        };
        Some(Rule {
            verb: Verb::Resolve,
            target: Target::Name(pattern),
        })
    }
}

/// A name (or a `*.` suffix) as a parsed rule holds it: one trailing dot dropped, lower case;
/// `None` if it is not a host name (the parser's [`addr::name_problem`]).
fn normal_pattern_name(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    addr::name_problem(name)
        .is_none()
        .then(|| name.to_ascii_lowercase())
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.target)
    }
}

impl FromStr for Rule {
    type Err = RuleError;

    fn from_str(text: &str) -> Result<Rule, RuleError> {
        parse_rule(text, false).map_err(|(at, message)| RuleError::new(text, at, message))
    }
}

impl Rule {
    /// Parses `VERB TARGET` as a question about one use rather than as a rule: as a
    /// destination, `0.0.0.0` and `[::]` are what the kernel and the guard take them for, this
    /// host, so the query names `127.0.0.1` or `[::1]` (a rule may not name them: it would
    /// read as "every address"); and an IPv6 address may carry a scope id (`[fe80::1%2]`),
    /// which matching ignores.
    ///
    /// # Errors
    ///
    /// As [`Rule::from_str`].
    pub fn parse_query(text: &str) -> Result<Rule, RuleError> {
        parse_rule(text, true).map_err(|(at, message)| RuleError::new(text, at, message))
    }
}

/// Why a rule was rejected.
///
/// `Display` names the rule, the 0-based character position and what was expected:
/// `invalid rule "connect tcp://1.2.3.4:99999": at 22: port 99999 is out of range (0-65535)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    rule: String,
    position: usize,
    message: String,
}

impl RuleError {
    fn new(rule: &str, byte_offset: usize, message: String) -> RuleError {
        let position = rule
            .char_indices()
            .take_while(|&(i, _)| i < byte_offset)
            .count();
        RuleError {
            rule: rule.to_owned(),
            position,
            message,
        }
    }

    /// The rejected rule text, as given.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// Where in the rule text the problem is: a 0-based character (not byte) index.
    pub fn position(&self) -> usize {
        self.position
    }

    /// What is wrong, without the rule text and position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid rule {:?}: at {}: {}",
            self.rule, self.position, self.message
        )
    }
}

impl std::error::Error for RuleError {}

/// A rejection inside the parser: byte offset into the text being parsed, and the message.
type Fail = (usize, String);

fn fail<T>(at: usize, message: impl Into<String>) -> Result<T, Fail> {
    Err((at, message.into()))
}

/// Re-bases a rejection from a part of the text onto the text the part starts `by` bytes into.
fn shift(by: usize) -> impl Fn(Fail) -> Fail {
    move |(at, message)| (at + by, message)
}

/// Where `part`, a subslice of `whole`, starts in it.
fn offset_in(whole: &str, part: &str) -> usize {
    part.as_ptr().addr().saturating_sub(whole.as_ptr().addr())
}

fn parse_rule(text: &str, query: bool) -> Result<Rule, Fail> {
    let mut words = text
        .split(char::is_whitespace)
        .filter(|word| !word.is_empty())
        .map(|word| (offset_in(text, word), word));
    let Some((verb_at, verb_word)) = words.next() else {
        return fail(
            0,
            "empty rule (expected VERB TARGET, e.g. connect tcp://example.com:443)",
        );
    };
    let verb = parse_verb(verb_word).map_err(shift(verb_at))?;
    let Some((target_at, target_word)) = words.next() else {
        return fail(
            text.len(),
            format!("expected a target after \"{verb}\", e.g. {}", example(verb)),
        );
    };
    if let Some((extra_at, extra)) = words.next() {
        return fail(
            extra_at,
            format!("unexpected {extra:?} after the target (a rule is VERB TARGET)"),
        );
    }
    if let Some(name) = target_word.strip_prefix("netlink:") {
        if verb != Verb::Send {
            return fail(
                target_at,
                format!(
                    "{verb} does not apply to netlink (write send netlink:route: a netlink socket sends the kernel requests)"
                ),
            );
        }
        return match NetlinkProto::Route.as_str().eq_ignore_ascii_case(name) {
            true => Ok(Rule::netlink(NetlinkProto::Route)),
            false => fail(
                target_at + "netlink:".len(),
                format!("unknown netlink protocol {name:?} (available: route)"),
            ),
        };
    }
    for link in Link::ALL {
        let Some(rest) = target_word
            .strip_prefix(link.as_str())
            .and_then(|r| r.strip_prefix(':'))
        else {
            continue;
        };
        if !IFACE_VERBS.contains(&verb) {
            return fail(
                target_at,
                format!(
                    "{verb} does not apply to {link} sockets (bind {link}:IFACE hears an interface, send {link}:IFACE sends out of it)"
                ),
            );
        }
        let at = target_at + link.as_str().len() + 1;
        let pattern = super::iface::parse(rest).map_err(shift(at))?;
        return Ok(Rule {
            verb,
            target: Target::Iface(link, pattern),
        });
    }
    if let Some(rest) = target_word.strip_prefix("vsock://") {
        if !VSOCK_VERBS.contains(&verb) {
            return fail(
                target_at,
                format!(
                    "{verb} does not apply to vsock (connect, bind and accept do: vsock sockets are connections)"
                ),
            );
        }
        let pattern = super::vsock::parse(rest).map_err(shift(target_at + "vsock://".len()))?;
        return Ok(Rule {
            verb,
            target: Target::Vsock(pattern),
        });
    }
    let target = match (verb, target_word.strip_prefix("unix:")) {
        (Verb::Resolve, _) => {
            Target::Name(parse_resolve_target(target_word).map_err(shift(target_at))?)
        }
        (_, Some(unix)) if verb.facts().unix => {
            Target::Unix(super::unix::parse(unix).map_err(shift(target_at + "unix:".len()))?)
        }
        (_, Some(_)) => {
            return fail(
                target_at,
                format!("{verb} applies to tcp only (an AF_UNIX peer has no address to decide on)"),
            );
        }
        _ => Target::Endpoint(parse_endpoint(verb, target_word, query).map_err(shift(target_at))?),
    };
    Ok(Rule { verb, target })
}

/// The verbs that apply to `AF_VSOCK` (stream and seqpacket connections; no datagrams).
const VSOCK_VERBS: [Verb; 3] = [Verb::Connect, Verb::Bind, Verb::Accept];

/// The verbs that apply to `AF_PACKET` and `AF_CAN`: bind (hear an interface) and send (out
/// of one).
const IFACE_VERBS: [Verb; 2] = [Verb::Bind, Verb::Send];

fn example(verb: Verb) -> &'static str {
    verb.facts().example
}

fn parse_verb(word: &str) -> Result<Verb, Fail> {
    if let Some(verb) = Verb::parse(word) {
        return Ok(verb);
    }
    fail(
        0,
        format!("unknown verb {word:?} (expected one of {})", Verb::names()),
    )
}

fn parse_proto(text: &str) -> Result<Option<Proto>, Fail> {
    match text.to_ascii_lowercase().as_str() {
        "tcp" => Ok(Some(Proto::Tcp)),
        "udp" => Ok(Some(Proto::Udp)),
        "icmp" => Ok(Some(Proto::Icmp)),
        "raw" => Ok(Some(Proto::Raw)),
        "*" => Ok(None),
        "" => fail(
            0,
            "expected a protocol (tcp, udp, icmp, raw or *) before \"://\"",
        ),
        _ => fail(
            0,
            format!("unknown protocol {text:?} (expected tcp, udp, icmp, raw or *)"),
        ),
    }
}

fn parse_endpoint(verb: Verb, text: &str, query: bool) -> Result<Endpoint, Fail> {
    let Some((proto_text, rest)) = text.split_once("://") else {
        let word_end = text
            .find(|c: char| !c.is_ascii_alphabetic() && c != '*')
            .unwrap_or(text.len());
        let word = &text[..word_end];
        if !word.is_empty() && parse_proto(word).is_ok() {
            return fail(word_end, "expected \"://\" after the protocol");
        }
        return fail(
            0,
            format!("expected PROTO://HOST:PORTS, e.g. {}", example(verb)),
        );
    };
    let proto = parse_proto(proto_text)?;
    if let Some(p) = proto
        && !verb.facts().protos.contains(&p)
    {
        let only: Vec<&str> = verb.facts().protos.iter().map(|p| p.as_str()).collect();
        let why = match p {
            Proto::Udp => "udp has no connections",
            Proto::Raw => "raw IP has no connections",
            Proto::Icmp => "icmp has no connections",
            Proto::Tcp => "tcp peers are governed by connect and accept",
        };
        let only = match only.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        return fail(0, format!("{verb} applies to {only} only ({why})"));
    }
    let rest_at = proto_text.len() + "://".len();
    let (host_text, ports_text) = match proto {
        Some(Proto::Icmp) => (icmp_host(rest).map_err(shift(rest_at))?, None),
        _ => {
            let (host, ports) = split_host_ports(rest).map_err(shift(rest_at))?;
            (host, Some(ports))
        }
    };
    // A use names an IPv6 address with the scope id it was given (`[fe80::1%2]`), which no
    // rule does: scope ids do not affect matching, so a query's is set aside.
    let unscoped;
    let host_text = match host_text.strip_prefix('[').and_then(|t| t.split_once('%')) {
        Some((addr, scoped)) if query => match scoped.find(']') {
            Some(close) => {
                unscoped = format!("[{addr}{}", &scoped[close..]);
                unscoped.as_str()
            }
            None => host_text,
        },
        _ => host_text,
    };
    let mut host = parse_host(host_text).map_err(shift(rest_at))?;
    if verb != Verb::Bind
        && let HostPattern::Net(net) = &host
        && net.prefix_len() == net.max_prefix_len()
        && net.addr().is_unspecified()
    {
        let (instead, loopback) = match net.addr() {
            IpAddr::V4(_) => ("127.0.0.1", IpAddr::V4(Ipv4Addr::LOCALHOST)),
            IpAddr::V6(_) => ("[::1]", IpAddr::V6(Ipv6Addr::LOCALHOST)),
        };
        if query {
            host = HostPattern::Net(IpNet::from(loopback));
        } else {
            return fail(
                rest_at,
                format!(
                    "{host} is not a {verb} address (the kernel reads it as \"this host\"): \
                     write {instead} or localhost"
                ),
            );
        }
    }
    let ports = match ports_text {
        Some(text) => parse_ports(text).map_err(shift(rest_at + offset_in(rest, text)))?,
        None => PortRange::ANY,
    };
    if proto == Some(Proto::Raw) && ports != PortRange::ANY && ports.last() > 255 {
        let at = rest_at + ports_text.map_or(0, |text| offset_in(rest, text));
        return fail(
            at,
            format!("raw://HOST:PROTOS names IP protocol numbers (0-255), not {ports}"),
        );
    }
    Ok(Endpoint { proto, host, ports })
}

/// The host of `icmp://HOST`, which has no port (the ping socket's "port" is its echo
/// identifier, not a service).
fn icmp_host(rest: &str) -> Result<&str, Fail> {
    let bracketed_end = rest.starts_with('[').then(|| rest.find(']')).flatten();
    let colon = match bracketed_end {
        Some(close) => rest[close..].find(':').map(|i| close + i),
        None => rest.find(':'),
    };
    match colon {
        Some(at) => fail(
            at,
            "icmp has no ports: write icmp://HOST (an IPv6 address in brackets)",
        ),
        None => Ok(rest),
    }
}

/// Splits `HOST:PORTS` (what follows `://`) at the colon that ends the host.
fn split_host_ports(rest: &str) -> Result<(&str, &str), Fail> {
    let host_end = if rest.starts_with('[') {
        let Some(close) = rest.find(']') else {
            return fail(0, "missing \"]\" after the IPv6 address");
        };
        let after = close + 1;
        if rest[after..].starts_with('/') {
            // `[v6]/len`: the prefix length runs up to the next colon.
            rest[after..].find(':').map_or(rest.len(), |i| after + i)
        } else {
            after
        }
    } else {
        rest.rfind(':').unwrap_or(rest.len())
    };
    let (host, tail) = rest.split_at(host_end);
    match tail.strip_prefix(':') {
        Some(ports) => Ok((host, ports)),
        None if tail.is_empty() => fail(
            host_end,
            "expected \":\" and a port after the host (use :* for any port)",
        ),
        None => fail(host_end, "expected \":\" and a port after \"]\""),
    }
}

fn parse_host(text: &str) -> Result<HostPattern, Fail> {
    if text.is_empty() {
        return fail(0, "expected a host after \"://\"");
    }
    if text.starts_with('[') {
        return parse_bracketed(text).map(HostPattern::Net);
    }
    if text.contains(':') {
        return fail(0, "an IPv6 address must be in brackets, e.g. [::1]:443");
    }
    if let Some((addr_text, prefix_text)) = text.split_once('/') {
        let Ok(addr) = addr_text.parse::<Ipv4Addr>() else {
            if let Some((_, NameProblem::AllNumeric)) = addr::name_problem(addr_text) {
                return fail(0, invalid_ipv4(addr_text));
            }
            return fail(
                0,
                format!("a prefix length needs an IP address, not {addr_text:?}"),
            );
        };
        let len = parse_prefix(prefix_text, 32).map_err(shift(addr_text.len() + 1))?;
        let net = Ipv4Net::new(addr, len).map_err(|_| (0, invalid_ipv4(text)))?;
        if net.network() != addr {
            return fail(
                0,
                format!("{text} has host bits set (did you mean {}?)", net.trunc()),
            );
        }
        return Ok(HostPattern::Net(IpNet::V4(net)));
    }
    if let Ok(addr) = text.parse::<Ipv4Addr>() {
        return Ok(HostPattern::Net(IpNet::from(IpAddr::V4(addr))));
    }
    Ok(match parse_name(text)? {
        NamePattern::Any => HostPattern::Any,
        NamePattern::Exact(name) if name == "localhost" => HostPattern::Localhost,
        NamePattern::Exact(name) => HostPattern::Name(name),
        NamePattern::Subdomains(suffix) => HostPattern::Subdomains(suffix),
    })
}

fn invalid_ipv4(text: &str) -> String {
    format!("invalid IPv4 address {text:?} (expected four numbers 0-255, e.g. 10.0.0.1)")
}

/// `[v6]`, `[v6/len]` or `[v6]/len`, normalised.
fn parse_bracketed(text: &str) -> Result<IpNet, Fail> {
    // `text` starts with '['; the offsets below count from it.
    let inside = text.get(1..).unwrap_or_default();
    let Some(close) = inside.find(']') else {
        return fail(0, "missing \"]\" after the IPv6 address");
    };
    let (inner, after) = (&inside[..close], &inside[close + 1..]);
    let after_at = close + 2;
    let (addr_text, prefix) = match (inner.split_once('/'), after.strip_prefix('/')) {
        (Some(_), _) if !after.is_empty() => {
            return fail(
                after_at,
                "two prefix lengths (write [fd00::/8] or [fd00::]/8)",
            );
        }
        (Some((addr_text, len)), _) => (addr_text, Some((len, 1 + addr_text.len() + 1))),
        (None, Some(len)) => (inner, Some((len, after_at + 1))),
        (None, None) if after.is_empty() => (inner, None),
        (None, None) => return fail(after_at, "unexpected text after \"]\""),
    };
    if let Some(percent) = addr_text.find('%') {
        return fail(
            1 + percent,
            "a scope id is not allowed in a rule (scope ids do not affect matching)",
        );
    }
    let addr = match addr_text.parse::<Ipv6Addr>() {
        Ok(addr) => addr,
        Err(_) if addr_text.parse::<Ipv4Addr>().is_ok() => {
            return fail(
                0,
                format!("an IPv4 address must not be in brackets: write {addr_text}"),
            );
        }
        Err(_) => return fail(1, format!("invalid IPv6 address {addr_text:?}")),
    };
    let Some((len_text, len_at)) = prefix else {
        return Ok(IpNet::from(addr::unmap(IpAddr::V6(addr))));
    };
    let len = parse_prefix(len_text, 128).map_err(shift(len_at))?;
    let net = Ipv6Net::new(addr, len).map_err(|_| (1, format!("invalid IPv6 range {text:?}")))?;
    if net.network() != addr {
        return fail(
            0,
            format!("{text} has host bits set (did you mean [{}]?)", net.trunc()),
        );
    }
    normalize_net6(net).ok_or_else(|| {
        (
            0,
            format!(
                "{text} lies in the IPv4-compatible space ::/96, which is ambiguous: \
                 write an IPv4 range, or [::] and [::1]"
            ),
        )
    })
}

/// An IPv6 range as the matcher sees it: ranges of IPv4-mapped addresses become IPv4 ranges,
/// since mapped guest addresses are matched as IPv4. `None` for a range of IPv4-compatible
/// addresses, which would mix IPv4 (`::a.b.c.d`) with IPv6 (`::`, `::1`).
fn normalize_net6(net: Ipv6Net) -> Option<IpNet> {
    let len = net.prefix_len();
    if len == 128 {
        return Some(IpNet::from(addr::unmap(IpAddr::V6(net.addr()))));
    }
    if len < 96 {
        return Some(IpNet::V6(net));
    }
    if let Some(v4) = net.network().to_ipv4_mapped() {
        return Ipv4Net::new(v4, len - 96).ok().map(IpNet::V4);
    }
    let ipv4_compatible = net.network().segments()[..6] == [0; 6];
    (!ipv4_compatible).then_some(IpNet::V6(net))
}

fn parse_prefix(text: &str, max: u8) -> Result<u8, Fail> {
    if text.is_empty() {
        return fail(0, "expected a prefix length after \"/\"");
    }
    let Some(len) = parse_decimal(text) else {
        return fail(0, format!("invalid prefix length {text:?}"));
    };
    let family = if max == 32 { "IPv4" } else { "IPv6" };
    u8::try_from(len)
        .ok()
        .filter(|&len| len <= max)
        .ok_or_else(|| {
            (
                0,
                format!("prefix length {text} is out of range for {family} (0-{max})"),
            )
        })
}

/// A non-empty string of ASCII digits as a number (saturating); `None` for anything else.
fn parse_decimal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u32, |n, b| {
        n.saturating_mul(10).saturating_add(u32::from(b - b'0'))
    }))
}

fn parse_ports(text: &str) -> Result<PortRange, Fail> {
    if text.is_empty() {
        return fail(0, "expected a port, a range A-B or * after \":\"");
    }
    if text == "*" {
        return Ok(PortRange::ANY);
    }
    let Some((first_text, last_text)) = text.split_once('-') else {
        let port = parse_port(text)?;
        return Ok(PortRange {
            first: port,
            last: port,
        });
    };
    if first_text.is_empty() {
        return fail(0, "expected a port before \"-\"");
    }
    if last_text.is_empty() {
        return fail(text.len(), "expected a port after \"-\"");
    }
    let first = parse_port(first_text)?;
    let last = parse_port(last_text).map_err(shift(first_text.len() + 1))?;
    PortRange::new(first, last).ok_or_else(|| {
        (
            0,
            format!("port range {text} is reversed (write {last}-{first})"),
        )
    })
}

fn parse_port(text: &str) -> Result<u16, Fail> {
    let Some(port) = parse_decimal(text) else {
        return fail(
            0,
            format!("invalid port {text:?} (expected a number 0-65535, a range A-B or *)"),
        );
    };
    u16::try_from(port).map_err(|_| (0, format!("port {text} is out of range (0-65535)")))
}

fn parse_resolve_target(text: &str) -> Result<NamePattern, Fail> {
    if text.contains("://") {
        return fail(
            0,
            "resolve takes a name pattern, not PROTO://HOST:PORTS (e.g. resolve *.example.com)",
        );
    }
    let before_slash = text.split('/').next().unwrap_or(text);
    if text.starts_with('[') || before_slash.parse::<IpAddr>().is_ok() {
        return fail(
            0,
            "resolve takes a host name pattern, not an address (addresses need no lookup)",
        );
    }
    parse_name(text)
}

/// `*`, `*.suffix` or an exact name; one trailing dot is dropped, names are lower-cased.
fn parse_name(text: &str) -> Result<NamePattern, Fail> {
    if text == "*" {
        return Ok(NamePattern::Any);
    }
    let (subdomains, name, name_at) = match text.strip_prefix("*.") {
        Some(suffix) => (true, suffix, 2),
        None => (false, text, 0),
    };
    if let Some(star) = name.find('*') {
        return fail(
            name_at + star,
            "a wildcard must be a whole leading label, as in *.example.com",
        );
    }
    if subdomains && name.is_empty() {
        return fail(name_at, "expected a domain after \"*.\"");
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    if let Some((at, problem)) = addr::name_problem(name) {
        let message = match problem {
            NameProblem::Empty => "expected a host name".to_owned(),
            NameProblem::TooLong => "host name is longer than 253 characters".to_owned(),
            NameProblem::EmptyLabel => format!("empty label in host name {name:?}"),
            NameProblem::LongLabel => {
                "a label of a host name is longer than 63 characters".to_owned()
            }
            NameProblem::BadChar(c) if c.is_ascii() => format!(
                "invalid character {c:?} in host name (expected letters, digits, '-', '_' and '.')"
            ),
            NameProblem::BadChar(c) => format!(
                "non-ASCII character {c:?} in host name (write internationalised names in punycode, xn--…)"
            ),
            NameProblem::AllNumeric if !subdomains => invalid_ipv4(name),
            NameProblem::AllNumeric | NameProblem::NumericLast => {
                format!("{name:?} is not a host name: its last label is numeric")
            }
        };
        return fail(name_at + at, message);
    }
    let name = name.to_ascii_lowercase();
    Ok(if subdomains {
        NamePattern::Subdomains(name)
    } else {
        NamePattern::Exact(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast prefix match agrees with ipnet's on every prefix length and family.
    #[test]
    fn net_contains_agrees_with_ipnet() {
        let ips: Vec<IpAddr> = [
            "0.0.0.0",
            "10.0.0.1",
            "10.255.255.255",
            "11.0.0.0",
            "127.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fd00::1",
            "fe80::1",
            "2001:db8::1",
            "ffff::",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        for base in &ips {
            let max = if base.is_ipv4() { 32 } else { 128 };
            for len in 0..=max {
                let net = IpNet::new(*base, len).unwrap().trunc();
                for ip in &ips {
                    assert_eq!(net_contains(&net, *ip), net.contains(ip), "{net} {ip}");
                }
            }
        }
    }

    /// Each verb's facts are its own, and they agree with the parser: the example parses to a
    /// rule of that verb, and each protocol it governs is accepted while the others are not.
    #[test]
    fn verb_facts_describe_their_verb() {
        for verb in Verb::ALL {
            let facts = verb.facts();
            assert_eq!(facts.verb, verb);
            assert_eq!(Verb::parse(facts.name), Some(verb));
            let example: Rule = facts.example.parse().unwrap();
            assert_eq!(example.verb(), verb, "{}", facts.example);
            if facts.end == End::Name {
                continue;
            }
            for proto in [Proto::Tcp, Proto::Udp] {
                let rule = format!("{} {proto}://*:*", facts.name);
                let governs = facts.protos.contains(&proto);
                assert_eq!(rule.parse::<Rule>().is_ok(), governs, "{rule}");
            }
        }
    }

    /// Rules already in normal form: each prints exactly as written.
    const NORMAL: &[&str] = &[
        "connect tcp://api.example.com:443",
        "send netlink:route",
        "connect vsock://host:1024",
        "bind vsock://any:*",
        "accept vsock://*:5000-5010",
        "bind packet:eth1",
        "send packet:veth*",
        "bind packet:*",
        "bind can:vcan0",
        "send can:*",
        "send icmp://10.0.0.0/8",
        "send raw://10.0.0.0/8:47",
        "recv raw://[::1]:1-254",
        "connect raw://*:*",
        "recv icmp://[::1]",
        "send icmp://*.example.com",
        "bind icmp://0.0.0.0",
        "connect udp://10.0.0.0/8:53",
        "bind tcp://127.0.0.1:8000-8099",
        "accept tcp://127.0.0.0/8:*",
        "accept *://127.0.0.0/8:*",
        "connect tcp://[::1]:443",
        "bind udp://10.0.0.0/8:1000-2000",
        "connect *://*:*",
        "connect tcp://0.0.0.0/0:1",
        "connect tcp://[fd00::/8]:80",
        "connect tcp://[::/0]:80",
        "connect tcp://[::/80]:22",
        "connect tcp://localhost:80",
        "connect tcp://*.example.com:443",
        "connect tcp://*.localhost:443",
        "connect tcp://_sip._tcp.example.com:5060",
        "connect tcp://xn--bcher-kva.example:80",
        "connect tcp://1.2.3.4:0",
        "connect tcp://1.2.3.4:65535",
        "bind tcp://0.0.0.0:8080",
        "bind tcp://[::]:8080",
        "bind udp://*:0",
        "send udp://[2001:db8::/32]:53",
        "recv udp://*:*",
        "send *://10.0.0.53:53",
        "resolve *.example.com",
        "resolve *",
        "resolve localhost",
        "resolve *.com",
    ];

    /// Rules that normalise: (as written, normal form).
    #[rustfmt::skip]
    const NORMALISED: &[(&str, &str)] = &[
        ("CONNECT TCP://API.Example.COM.:443", "connect tcp://api.example.com:443"),
        ("  connect\ttcp://a.b:1  ", "connect tcp://a.b:1"),
        ("connect tcp://[0:0:0:0:0:0:0:1]:443", "connect tcp://[::1]:443"),
        ("connect tcp://[2001:DB8::1]:1", "connect tcp://[2001:db8::1]:1"),
        ("connect tcp://10.0.0.1/32:1", "connect tcp://10.0.0.1:1"),
        ("connect tcp://[fd00::]/8:80", "connect tcp://[fd00::/8]:80"),
        ("connect tcp://[::1/128]:80", "connect tcp://[::1]:80"),
        ("connect tcp://[::ffff:10.0.0.1/128]:22", "connect tcp://10.0.0.1:22"),
        ("connect tcp://[::ffff:10.0.0.1]:22", "connect tcp://10.0.0.1:22"),
        ("connect tcp://[::ffff:a00:1]:22", "connect tcp://10.0.0.1:22"),
        ("connect tcp://[::ffff:10.0.0.0/104]:22", "connect tcp://10.0.0.0/8:22"),
        ("connect tcp://[::ffff:0:0]/96:*", "connect tcp://0.0.0.0/0:*"),
        ("connect tcp://[::10.0.0.1]:22", "connect tcp://10.0.0.1:22"),
        ("bind tcp://[::ffff:0.0.0.0]:80", "bind tcp://0.0.0.0:80"),
        ("connect tcp://LocalHost.:80", "connect tcp://localhost:80"),
        ("connect tcp://*.Example.COM.:443", "connect tcp://*.example.com:443"),
        ("connect tcp://1.2.3.4:0-65535", "connect tcp://1.2.3.4:*"),
        ("connect tcp://1.2.3.4:5-5", "connect tcp://1.2.3.4:5"),
        ("connect tcp://1.2.3.4:0080", "connect tcp://1.2.3.4:80"),
        ("Resolve Example.COM.", "resolve example.com"),
    ];

    #[test]
    fn accepted_forms_normalise_and_round_trip() {
        let normal = NORMAL.iter().map(|&rule| (rule, rule));
        for (input, want) in normal.chain(NORMALISED.iter().copied()) {
            let rule: Rule = input
                .parse()
                .unwrap_or_else(|e| panic!("{input:?} rejected: {e}"));
            assert_eq!(rule.to_string(), want, "{input:?}");
            let again: Rule = want
                .parse()
                .unwrap_or_else(|e| panic!("normal form {want:?} rejected: {e}"));
            assert_eq!(again, rule, "{want:?} does not parse back to the same rule");
        }
    }

    #[test]
    fn parsed_parts() {
        let rule: Rule = "bind udp://10.0.0.0/8:1000-2000".parse().unwrap();
        assert_eq!(rule.verb(), Verb::Bind);
        let Target::Endpoint(endpoint) = rule.target() else {
            panic!("not an endpoint: {rule}");
        };
        assert_eq!(endpoint.proto(), Some(Proto::Udp));
        assert_eq!(
            endpoint.host(),
            &HostPattern::Net("10.0.0.0/8".parse().unwrap())
        );
        assert_eq!(endpoint.ports(), PortRange::new(1000, 2000).unwrap());

        let rule: Rule = "resolve *.Example.com".parse().unwrap();
        assert_eq!(
            rule.target(),
            &Target::Name(NamePattern::Subdomains("example.com".into()))
        );
        let rule: Rule = "connect *://localhost:*".parse().unwrap();
        let Target::Endpoint(endpoint) = rule.target() else {
            panic!("not an endpoint: {rule}");
        };
        assert_eq!(endpoint.proto(), None);
        assert_eq!(endpoint.host(), &HostPattern::Localhost);
        assert_eq!(endpoint.ports(), PortRange::ANY);
    }

    /// Every rejection: (rule, character position, message).
    #[rustfmt::skip]
    const REJECTED: &[(&str, usize, &str)] = &[
        ("", 0, "empty rule (expected VERB TARGET, e.g. connect tcp://example.com:443)"),
        ("   ", 0, "empty rule (expected VERB TARGET, e.g. connect tcp://example.com:443)"),
        ("conect tcp://a.b:1", 0, r#"unknown verb "conect" (expected one of connect, bind, accept, send, recv, resolve)"#),
        ("unix /run/app/", 0, r#"unknown verb "unix" (expected one of connect, bind, accept, send, recv, resolve)"#),
        ("connect", 7, r#"expected a target after "connect", e.g. connect tcp://example.com:443"#),
        ("resolve ", 8, r#"expected a target after "resolve", e.g. resolve *.example.com"#),
        ("connect tcp://a.b:1 extra", 20, r#"unexpected "extra" after the target (a rule is VERB TARGET)"#),
        ("connect example.com:443", 8, "expected PROTO://HOST:PORTS, e.g. connect tcp://example.com:443"),
        ("connect tcp:example.com:443", 11, r#"expected "://" after the protocol"#),
        ("connect sctp://a.b:1", 8, r#"unknown protocol "sctp" (expected tcp, udp, icmp, raw or *)"#),
        ("connect ://a.b:1", 8, r#"expected a protocol (tcp, udp, icmp, raw or *) before "://""#),
        ("accept udp://*:*", 7, "accept applies to tcp only (udp has no connections)"),
        ("accept icmp://*", 7, "accept applies to tcp only (icmp has no connections)"),
        ("connect netlink:route", 8, "connect does not apply to netlink (write send netlink:route: a netlink socket sends the kernel requests)"),
        ("send netlink:xfrm", 13, r#"unknown netlink protocol "xfrm" (available: route)"#),
        ("connect packet:eth0", 8, "connect does not apply to packet sockets (bind packet:IFACE hears an interface, send packet:IFACE sends out of it)"),
        ("bind packet:eth 0", 16, r#"unexpected "0" after the target (a rule is VERB TARGET)"#),
        ("bind packet:e/0", 13, "an interface name is letters, digits and . _ - @ (no /, :, * or spaces)"),
        ("accept can:vcan0", 7, "accept does not apply to can sockets (bind can:IFACE hears an interface, send can:IFACE sends out of it)"),
        ("bind can:", 9, "expected an interface name, e.g. packet:eth1, can:vcan0, packet:veth* or packet:*"),
        ("send raw://10.0.0.1:256", 20, "raw://HOST:PROTOS names IP protocol numbers (0-255), not 256"),
        ("connect unix:run/app.sock", 13, "expected an absolute path (unix:/run/app.sock, unix:/run/app/) or an abstract name (unix:@name)"),
        ("bind unix:@", 11, "expected an abstract name after \"@\", e.g. unix:@app"),
        ("connect tcp://[fd00::]/129:1", 23, "prefix length 129 is out of range for IPv6 (0-128)"),
        ("send icmp://[::1]x", 17, "unexpected text after \"]\""),
        ("accept raw://10.0.0.1:1", 7, "accept applies to tcp only (raw IP has no connections)"),
        ("send vsock://host:1", 5, "send does not apply to vsock (connect, bind and accept do: vsock sockets are connections)"),
        ("connect vsock://vm:1", 16, r#"invalid vsock CID "vm" (a number, hypervisor, local, host, any, or *)"#),
        ("connect vsock://host:x", 21, r#"invalid vsock port "x" (N, A-B or *, from 0 to 4294967295)"#),
        ("connect vsock://host", 20, "expected CID:PORTS after vsock://, e.g. vsock://host:1024 or vsock://*:*"),
        ("send tcp://*:*", 5, "send applies to udp, icmp and raw only (tcp peers are governed by connect and accept)"),
        ("recv tcp://*:*", 5, "recv applies to udp, icmp and raw only (tcp peers are governed by connect and accept)"),
        ("send icmp://10.0.0.1:7", 20, "icmp has no ports: write icmp://HOST (an IPv6 address in brackets)"),
        ("send icmp://[::1]:7", 17, "icmp has no ports: write icmp://HOST (an IPv6 address in brackets)"),
        ("send icmp://::1", 12, "icmp has no ports: write icmp://HOST (an IPv6 address in brackets)"),
        ("send icmp://0.0.0.0", 12, r#"0.0.0.0 is not a send address (the kernel reads it as "this host"): write 127.0.0.1 or localhost"#),
        ("connect tcp://:80", 14, r#"expected a host after "://""#),
        ("connect tcp://example.com", 25, r#"expected ":" and a port after the host (use :* for any port)"#),
        ("connect tcp://::1:443", 14, "an IPv6 address must be in brackets, e.g. [::1]:443"),
        ("connect tcp://[::1:443", 14, r#"missing "]" after the IPv6 address"#),
        ("connect tcp://[::1]443", 19, r#"expected ":" and a port after "]""#),
        ("connect tcp://[nope]:1", 15, r#"invalid IPv6 address "nope""#),
        ("connect tcp://[10.0.0.1]:1", 14, "an IPv4 address must not be in brackets: write 10.0.0.1"),
        ("connect tcp://[fe80::1%eth0]:1", 22, "a scope id is not allowed in a rule (scope ids do not affect matching)"),
        ("connect tcp://[fd00::/8]/8:1", 24, "two prefix lengths (write [fd00::/8] or [fd00::]/8)"),
        ("connect tcp://[fd00::1/8]:1", 14, "[fd00::1/8] has host bits set (did you mean [fd00::/8]?)"),
        ("connect tcp://[fd00::1]/8:1", 14, "[fd00::1]/8 has host bits set (did you mean [fd00::/8]?)"),
        ("connect tcp://[fd00::/129]:1", 22, "prefix length 129 is out of range for IPv6 (0-128)"),
        ("connect tcp://[::a00:0/104]:1", 14, "[::a00:0/104] lies in the IPv4-compatible space ::/96, which is ambiguous: write an IPv4 range, or [::] and [::1]"),
        ("connect tcp://10.0.0.0/33:1", 23, "prefix length 33 is out of range for IPv4 (0-32)"),
        ("connect tcp://10.0.0.0/:1", 23, r#"expected a prefix length after "/""#),
        ("connect tcp://10.0.0.0/x:1", 23, r#"invalid prefix length "x""#),
        ("connect tcp://10.0.0.1/8:1", 14, "10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)"),
        ("connect tcp://example.com/8:1", 14, r#"a prefix length needs an IP address, not "example.com""#),
        ("connect tcp://10.0.0.256:1", 14, r#"invalid IPv4 address "10.0.0.256" (expected four numbers 0-255, e.g. 10.0.0.1)"#),
        ("connect tcp://127.1:1", 14, r#"invalid IPv4 address "127.1" (expected four numbers 0-255, e.g. 10.0.0.1)"#),
        ("connect tcp://010.0.0.1:1", 14, r#"invalid IPv4 address "010.0.0.1" (expected four numbers 0-255, e.g. 10.0.0.1)"#),
        ("connect tcp://host.123:1", 19, r#""host.123" is not a host name: its last label is numeric"#),
        ("connect tcp://0.0.0.0:80", 14, r#"0.0.0.0 is not a connect address (the kernel reads it as "this host"): write 127.0.0.1 or localhost"#),
        ("send udp://[::]:53", 11, r#"[::] is not a send address (the kernel reads it as "this host"): write [::1] or localhost"#),
        ("connect tcp://1.2.3.4:99999", 22, "port 99999 is out of range (0-65535)"),
        ("connect tcp://1.2.3.4:99999999999999999999", 22, "port 99999999999999999999 is out of range (0-65535)"),
        ("connect tcp://1.2.3.4:", 22, r#"expected a port, a range A-B or * after ":""#),
        ("connect tcp://1.2.3.4:http", 22, r#"invalid port "http" (expected a number 0-65535, a range A-B or *)"#),
        ("connect tcp://1.2.3.4:+80", 22, r#"invalid port "+80" (expected a number 0-65535, a range A-B or *)"#),
        ("connect tcp://1.2.3.4:9-3", 22, "port range 9-3 is reversed (write 3-9)"),
        ("connect tcp://1.2.3.4:-3", 22, r#"expected a port before "-""#),
        ("connect tcp://1.2.3.4:3-", 24, r#"expected a port after "-""#),
        ("connect tcp://1.2.3.4:1-70000", 24, "port 70000 is out of range (0-65535)"),
        ("connect tcp://ex!ample.com:1", 16, "invalid character '!' in host name (expected letters, digits, '-', '_' and '.')"),
        ("connect tcp://ex\0ample.com:1", 16, r"invalid character '\0' in host name (expected letters, digits, '-', '_' and '.')"),
        ("connect tcp://bücher.example:1", 15, "non-ASCII character 'ü' in host name (write internationalised names in punycode, xn--…)"),
        ("connect tcp://a..b:1", 16, r#"empty label in host name "a..b""#),
        ("connect tcp://.:1", 14, "expected a host name"),
        ("connect tcp://*.:1", 16, r#"expected a domain after "*.""#),
        ("connect tcp://*example.com:1", 14, "a wildcard must be a whole leading label, as in *.example.com"),
        ("connect tcp://a.*.com:1", 16, "a wildcard must be a whole leading label, as in *.example.com"),
        ("connect tcp://*.1.2:1", 16, r#""1.2" is not a host name: its last label is numeric"#),
        ("resolve tcp://a.b:1", 8, "resolve takes a name pattern, not PROTO://HOST:PORTS (e.g. resolve *.example.com)"),
        ("resolve 10.0.0.0/8", 8, "resolve takes a host name pattern, not an address (addresses need no lookup)"),
        ("resolve [::1]", 8, "resolve takes a host name pattern, not an address (addresses need no lookup)"),
        ("resolve exa_mple..com", 17, r#"empty label in host name "exa_mple..com""#),
        // Positions count characters, not bytes: U+3000 is one character of three bytes.
        ("\u{3000}connect tcp://1.2.3.4:99999", 23, "port 99999 is out of range (0-65535)"),
        ("connect\u{3000}tcp://a.b:99999", 18, "port 99999 is out of range (0-65535)"),
    ];

    #[test]
    fn rejections_name_the_place_and_the_problem() {
        for &(input, position, message) in REJECTED {
            let error = match input.parse::<Rule>() {
                Ok(rule) => panic!("{input:?} accepted as {rule}"),
                Err(error) => error,
            };
            assert_eq!(error.rule(), input);
            assert_eq!(
                (error.position(), error.message()),
                (position, message),
                "{input:?}"
            );
            let display = format!("invalid rule {input:?}: at {position}: {message}");
            assert_eq!(error.to_string(), display);
        }
    }

    #[test]
    fn rejection_display() {
        let cases = [
            (
                "connect tcp://1.2.3.4:99999",
                r#"invalid rule "connect tcp://1.2.3.4:99999": at 22: port 99999 is out of range (0-65535)"#,
            ),
            (
                "conect tcp://a:1",
                r#"invalid rule "conect tcp://a:1": at 0: unknown verb "conect" (expected one of connect, bind, accept, send, recv, resolve)"#,
            ),
            // The rule text is quoted with escapes, so no rule can forge lines in a log.
            (
                "connect\ntcp://a:1\u{0}",
                r#"invalid rule "connect\ntcp://a:1\0": at 16: invalid port "1\0" (expected a number 0-65535, a range A-B or *)"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(input.parse::<Rule>().unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn long_names_are_rejected() {
        let label = "a".repeat(64);
        let rule = format!("connect tcp://{label}.example:1");
        let error = rule.parse::<Rule>().unwrap_err();
        assert_eq!(error.position(), 14);
        assert_eq!(
            error.message(),
            "a label of a host name is longer than 63 characters"
        );

        let name = ["abcdefghi"; 26].join(".");
        let rule = format!("resolve {name}");
        let error = rule.parse::<Rule>().unwrap_err();
        assert_eq!(error.rule(), rule);
        assert_eq!(error.position(), 8);
        assert_eq!(error.message(), "host name is longer than 253 characters");
    }

    /// Deterministic pseudo-random rule texts built from the grammar's pieces: none may panic,
    /// and every accepted one must print a normal form that parses back to itself.
    #[test]
    fn arbitrary_text_never_panics_and_accepted_text_round_trips() {
        const PIECES: &[&str] = &[
            "connect",
            "bind",
            "resolve",
            "send",
            "accept",
            " ",
            "\t",
            "tcp",
            "udp",
            "*",
            "://",
            ":",
            "[",
            "]",
            "/",
            "-",
            ".",
            "::",
            "ffff",
            "10",
            "0",
            "255",
            "65535",
            "99999",
            "1.2.3.4",
            "a",
            "example",
            "com",
            "localhost",
            "%",
            "ü",
            "\u{3000}",
            "\0",
            "*.",
            "0x",
            "8",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for _ in 0..20_000 {
            let len = next() % 12;
            let mut text = String::new();
            if next() % 2 == 0 {
                text.push_str(["connect ", "bind ", "resolve ", "recv "][(next() % 4) as usize]);
            }
            for _ in 0..len {
                text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            match text.parse::<Rule>() {
                Ok(rule) => {
                    accepted += 1;
                    let normal = rule.to_string();
                    assert_eq!(normal.parse::<Rule>().as_ref(), Ok(&rule), "{text:?}");
                }
                Err(error) => {
                    assert!(error.position() <= text.chars().count(), "{error}");
                }
            }
        }
        assert!(accepted > 0, "the generator never produced a valid rule");
    }

    /// Only `send netlink:route` covers the netlink protocol `NETLINK_ROUTE` (number 0), the
    /// one protocol a rule can name: no other send rule does.
    #[test]
    fn netlink_is_covered_by_its_own_rule_only() {
        assert_eq!(
            NetlinkProto::from_number(libc::NETLINK_ROUTE),
            Some(NetlinkProto::Route)
        );
        for other in [libc::NETLINK_AUDIT, libc::NETLINK_GENERIC, -1, 99] {
            assert_eq!(NetlinkProto::from_number(other), None, "{other}");
        }
        let rule = |text: &str| text.parse::<Rule>().unwrap();
        assert!(rule("send netlink:route").matches_netlink(NetlinkProto::Route));
        for text in [
            "send udp://*:*",
            "send unix:/",
            "connect *://*:*",
            "resolve *",
        ] {
            assert!(!rule(text).matches_netlink(NetlinkProto::Route), "{text}");
        }
    }

    /// Raw IP's "ports" are protocol numbers, 0 to 255 inclusive.
    #[test]
    fn raw_protocols_go_up_to_255() {
        for text in [
            "send raw://10.0.0.1:255",
            "send raw://10.0.0.1:250-255",
            "send raw://10.0.0.1:0",
        ] {
            assert!(text.parse::<Rule>().is_ok(), "{text}");
        }
    }

    /// A rule built for `--learn` from an IPv6 network with host bits set is no rule, as
    /// the parser refuses one.
    #[test]
    fn built_endpoints_refuse_host_bits() {
        let net = |text: &str| HostPattern::Net(text.parse().unwrap());
        let built = |host| Rule::endpoint(Verb::Connect, Some(Proto::Tcp), host, PortRange::ANY);
        assert!(built(net("fd00::1/8")).is_none());
        assert!(built(net("10.0.0.1/8")).is_none());
        assert!(built(net("fd00::/8")).is_some());
        assert!(built(net("10.0.0.0/8")).is_some());
    }
}
