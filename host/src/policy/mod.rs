//! The capability policy: which addresses and names a guest may use.
//!
//! Authority is explicit and the default is deny: an empty [`Policy`] allows nothing. Rules
//! are strings in one grammar for the command line (`--allow RULE`, `--deny RULE`) and for
//! policy files:
//!
//! ```text
//! connect tcp://api.example.com:443      connect udp://10.0.0.0/8:53
//! bind tcp://127.0.0.1:8000-8099         accept tcp://127.0.0.0/8:*
//! send udp://[fd00::/8]:*                resolve *.example.com
//! ```
//!
//! ```text
//! RULE   := VERB WS TARGET
//! VERB   := connect | bind | accept | send | recv | resolve        (any case)
//! TARGET := PROTO "://" HOST ":" PORTS                            (connect, bind, accept, send, recv)
//!         | "unix:" UNIX                                          (connect, bind, send, recv)
//!         | "vsock://" CID ":" VPORTS                             (connect, bind, accept)
//!         | ("packet:" | "can:") (IFACE | PREFIX "*" | "*")      (bind, send)
//!         | "netlink:route"                                       (send)
//!         | NAMEPATTERN                                           (resolve)
//! UNIX   := /absolute/path | /absolute/dir/ | @name | @prefix*    (AF_UNIX; `/` alone: everywhere)
//! PROTO  := tcp | udp | icmp | raw | *                           (accept: tcp; * is tcp and udp)
//! HOST   := name | *.suffix | localhost | a.b.c.d | a.b.c.d/len | [v6] | [v6/len] | [v6]/len | *
//! PORTS  := N | A-B | *                                           (0-65535, A-B inclusive)
//! CID    := N | hypervisor | local | host | any | *               (AF_VSOCK context ids)
//! VPORTS := N | A-B | *                                           (0-4294967295)
//! NAMEPATTERN := name | *.suffix | localhost | *
//! ```
//!
//! Parsing is of untrusted text: every input gives a [`Rule`] or a [`RuleError`] that says where
//! and what was expected; nothing panics. A parsed rule is in normal form (lower-case names
//! without trailing dot, IPv4-mapped IPv6 as IPv4, `0-65535` as `*`), and its `Display` prints
//! that form, which parses back to the same rule.
//!
//! The address in a rule is the remote end for `connect`, `send` (datagram to), `recv`
//! (datagram from) and `accept` (the peer that connected in; its port is the peer's port), and
//! the local end for `bind`. An address is allowed iff some allow rule matches it and no deny
//! rule does: deny beats allow, whatever the order the rules were added in.
//!
//! ```
//! # use capsock_host::policy::{Policy, Proto, Verb};
//! let mut policy = Policy::deny_all();
//! policy
//!     .allow("connect tcp://*:*")?
//!     .deny("connect tcp://10.0.0.0/8:*")?;
//! let decision = policy.check(Verb::Connect, Proto::Tcp, "[::ffff:10.0.0.5]:22".parse()?);
//! assert!(!decision.is_allowed());
//! assert_eq!(
//!     decision.denial_message(Verb::Connect, Proto::Tcp, &"10.0.0.5:22"),
//!     r#"capsock policy: connect to tcp://10.0.0.5:22 denied by rule "deny connect tcp://10.0.0.0/8:*""#,
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod addr;
pub mod file;
mod iface;
pub mod learn;
mod rule;
mod unix;
mod vsock;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

pub use addr::{Form, SPECIAL_RANGES, SpecialRange};
use addr::{GuestHost, Views};
pub use iface::{IfacePattern, Link, MAX_IFNAME, target as iface_target};
pub use rule::{
    End, Endpoint, HostPattern, NamePattern, NetlinkProto, PortRange, Proto, Rule, RuleError,
    Target, Verb, VerbFacts,
};
pub use unix::{Escaped, MAX_ABSTRACT, UnixPattern, UnixTarget, normal_path};
pub use vsock::{VsockPattern, target as vsock_target};

/// Whether a rule allows or denies what it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// An `--allow` rule.
    Allow,
    /// A `--deny` rule; it beats every allow rule.
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        })
    }
}

/// A set of allow and deny rules; the default denies everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// In the order they were added, which is the order [`Policy::rules`] lists them.
    rules: Vec<(Effect, Rule)>,
    /// `--deny-private`: addresses that are not globally reachable need an allow rule that
    /// names them.
    deny_private: bool,
    /// Whether some address rule's host is a name pattern (`example.com`, `*.example.com`,
    /// `localhost`): only then can the names a guest resolved an address from change a
    /// decision, so only then does the guard look them up.
    name_rules: bool,
    /// `--hostname NAME`: what `gethostname()` tells the guest (default [`DEFAULT_HOSTNAME`]).
    hostname: Option<String>,
    /// `--reveal-interfaces`: the guest may learn every interface of the host, not only `lo`
    /// and those its link rules name.
    reveal_interfaces: bool,
}

/// What `gethostname()` tells a guest unless the policy grants a name: it reveals nothing.
pub const DEFAULT_HOSTNAME: &str = "localhost";

impl Policy {
    /// A policy that allows nothing; the same as `Policy::default()`.
    pub fn deny_all() -> Policy {
        Policy::default()
    }

    /// Parses `rule` and adds it as an allow rule.
    ///
    /// # Errors
    ///
    /// If `rule` is not a valid rule; the policy is then unchanged.
    pub fn allow(&mut self, rule: &str) -> Result<&mut Policy, RuleError> {
        Ok(self.allow_rule(rule.parse()?))
    }

    /// Parses `rule` and adds it as a deny rule.
    ///
    /// # Errors
    ///
    /// If `rule` is not a valid rule; the policy is then unchanged.
    pub fn deny(&mut self, rule: &str) -> Result<&mut Policy, RuleError> {
        Ok(self.deny_rule(rule.parse()?))
    }

    /// Adds an allow rule.
    pub fn allow_rule(&mut self, rule: Rule) -> &mut Policy {
        self.add(Effect::Allow, rule)
    }

    /// Adds a deny rule.
    pub fn deny_rule(&mut self, rule: Rule) -> &mut Policy {
        self.add(Effect::Deny, rule)
    }

    fn add(&mut self, effect: Effect, rule: Rule) -> &mut Policy {
        self.name_rules |= rule.names_hosts();
        self.rules.push((effect, rule));
        self
    }

    /// Turns `--deny-private` on or off.
    ///
    /// When on, [`Policy::check`] denies a remote address (connect, send, accept, recv; never
    /// bind, whose address is local) in one of the [`SPECIAL_RANGES`] (loopback, RFC 1918,
    /// link-local and cloud metadata, CGNAT, ULA, multicast, broadcast, documentation,
    /// `0.0.0.0/8`, site-local …), or an IPv6 address that reaches such an IPv4 address
    /// (NAT64, 6to4, Teredo, SIIT, ISATAP), unless the allow rule that matched names it
    /// explicitly: an address or range rule containing it, or `localhost` for a loopback
    /// address. A rule whose host is `*` or a `/0` range does not count, and neither does a
    /// name rule (a name may resolve anywhere).
    pub fn set_deny_private(&mut self, on: bool) -> &mut Policy {
        self.deny_private = on;
        self
    }

    /// Whether `--deny-private` is on.
    pub fn denies_private(&self) -> bool {
        self.deny_private
    }

    /// Grants the guest a host name (`--hostname`): what `gethostname()` answers.
    pub fn set_hostname(&mut self, name: impl Into<String>) -> &mut Policy {
        self.hostname = Some(name.into());
        self
    }

    /// The host name the policy grants, if it grants one.
    pub fn granted_hostname(&self) -> Option<&str> {
        self.hostname.as_deref()
    }

    /// What `gethostname()` tells the guest: the granted name, else [`DEFAULT_HOSTNAME`].
    pub fn hostname(&self) -> &str {
        self.hostname.as_deref().unwrap_or(DEFAULT_HOSTNAME)
    }

    /// Lets the guest learn every interface of the host (`--reveal-interfaces`).
    pub fn set_reveal_interfaces(&mut self, on: bool) -> &mut Policy {
        self.reveal_interfaces = on;
        self
    }

    /// Whether `--reveal-interfaces` is on.
    pub fn reveals_interfaces(&self) -> bool {
        self.reveal_interfaces
    }

    /// Whether the guest may learn that the interface `name` exists (`if_nameindex`,
    /// `if_nametoindex`, `if_indextoname`): `lo`, an interface an allow rule for packet or CAN
    /// sockets covers, or any under `--reveal-interfaces`.
    pub fn reveals_iface(&self, name: &str) -> bool {
        name == "lo"
            || self.reveal_interfaces
            || self.rules.iter().any(|(effect, rule)| {
                *effect == Effect::Allow
                    && matches!(rule.target(), Target::Iface(_, pattern) if pattern.matches(name))
            })
    }

    /// Whether the names a guest resolved an address from can change a decision: some
    /// address rule names a host by name.
    pub fn has_name_rules(&self) -> bool {
        self.name_rules
    }

    /// Every rule with its effect, in the order they were added.
    pub fn rules(&self) -> impl Iterator<Item = (Effect, &Rule)> + '_ {
        self.rules.iter().map(|(effect, rule)| (*effect, rule))
    }

    /// Every rule as one line, `allow connect tcp://example.com:443`, in the order they were
    /// added: the effect, then the rule as `--allow` / `--deny` take it.
    pub fn rule_lines(&self) -> Vec<String> {
        self.rules()
            .map(|(effect, rule)| format!("{effect} {rule}"))
            .collect()
    }

    /// Decides whether the guest may `verb` over `proto` with the socket address `addr`:
    /// allowed iff an allow rule matches and no deny rule matches. The same as
    /// [`Policy::check_resolved`] with no names.
    ///
    /// The address is normalised first: IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible
    /// (`::a.b.c.d`, except `::` and `::1`) IPv6 addresses are matched as the IPv4 address;
    /// the scope id is ignored; and for every verb except `bind`, the unspecified addresses
    /// `0.0.0.0` and `::` are matched as `127.0.0.1` and `::1`, which is where the kernel sends
    /// them. For `bind` they are matched as written, the wildcard address. An IPv6 address that
    /// reaches an IPv4 address (NAT64, 6to4, Teredo, SIIT, ISATAP) is denied by a deny rule
    /// for that IPv4 address, and allowed by an allow rule for it where the mapping is certain.
    /// Name rules never match an address here. `Verb::Resolve` never matches an address (use
    /// [`Policy::check_resolve`]).
    ///
    /// Allocates nothing; costs a few comparisons per rule.
    pub fn check(&self, verb: Verb, proto: Proto, addr: SocketAddr) -> Decision<'_> {
        self.decide(verb, proto, addr, &[], false)
    }

    /// [`Policy::check`] for an address this guest obtained by resolving `names`: a rule for
    /// one of the names counts as a rule for the address. Deny still beats allow: a deny rule
    /// for the address, for an IPv4 address it reaches, or for one of the names refuses it,
    /// whichever allow rule matches (so a guest cannot reach a denied name through an address
    /// rule, nor a denied address through a name: DNS rebinding). Under `--deny-private` a
    /// private address is never allowed through a name.
    ///
    /// `names` are as the guard stores them: ASCII (IDNA), lower case, without trailing dot.
    pub fn check_resolved<'a>(
        &'a self,
        verb: Verb,
        proto: Proto,
        addr: SocketAddr,
        names: &'a [String],
    ) -> Decision<'a> {
        self.decide(verb, proto, addr, names, false)
    }

    /// Decides an explicit `bind` of `addr` (obtained from `names`, as in
    /// [`Policy::check_resolved`]). On a dual-stack socket (an IPv6 socket with `IPV6_V6ONLY`
    /// off, Linux's default) a bind of `[::]` also binds `0.0.0.0`: it needs an allow rule for
    /// each, and a deny rule for either refuses it. A bind of the wildcard address with port 0
    /// is what the kernel does by itself on an unbound socket, and is decided as that
    /// ([`Policy::check_implicit_bind`]).
    pub fn check_bind<'a>(
        &'a self,
        proto: Proto,
        addr: SocketAddr,
        names: &'a [String],
        dual_stack: bool,
    ) -> Decision<'a> {
        let ip = addr::unmap(addr.ip());
        if ip.is_unspecified() && addr.port() == 0 {
            return self.check_implicit_bind(proto, ip.is_ipv6(), dual_stack);
        }
        self.decide(Verb::Bind, proto, addr, names, dual_stack)
    }

    /// Decides whether the guest may `verb` over `proto` with the host `name` and `port`, as a
    /// name, before any resolution: what `host policy explain` answers for a name when it is
    /// not told the address the name resolves to.
    ///
    /// Names compare case-insensitively, with one trailing dot ignored on both sides;
    /// `*.example.com` matches `a.example.com` and `a.b.example.com` but not `example.com`;
    /// `localhost` and `*` match as names too. A `name` that is a numeric address in any form
    /// the C library accepts (`10.0.0.1`, `::ffff:10.0.0.1`, `fe80::1%eth0`, `10.1`,
    /// `0xa.0.0.1`) is decided by [`Policy::check`] instead, so that a name rule cannot let
    /// through an address a deny rule names. A `name` that is not a syntactically valid host
    /// name (ASCII letters, digits, `-`, `_`; labels of 1-63 characters; at most 253 in all; not
    /// ending in a numeric label) is denied whatever the rules say: encode internationalised
    /// names as punycode first. `Verb::Resolve` is the same as [`Policy::check_resolve`].
    pub fn check_name(&self, verb: Verb, proto: Proto, name: &str, port: u16) -> Decision<'_> {
        if verb == Verb::Resolve {
            return self.check_resolve(name);
        }
        let Some(name) = ascii_host(name) else {
            return Decision::NoRule { via: Via::Address };
        };
        match addr::classify_guest_host(&name) {
            GuestHost::Ip(ip) => self.check(verb, proto, SocketAddr::new(ip, port)),
            GuestHost::Name(name) => {
                self.decide_rules(|rule| rule.matches_name(verb, proto, name, port))
            }
            GuestHost::Invalid => Decision::NoRule { via: Via::Address },
        }
    }

    /// Decides whether the guest may look up the host name `name`, by the `resolve` rules.
    ///
    /// Names compare as in [`Policy::check_name`]. Numeric addresses are not names: they need
    /// no lookup, so the resolver should answer them without asking; here they are denied, as
    /// are strings that are not valid host names.
    pub fn check_resolve(&self, name: &str) -> Decision<'_> {
        let Some(name) = ascii_host(name) else {
            return Decision::NoRule { via: Via::Address };
        };
        match addr::classify_guest_host(&name) {
            GuestHost::Name(name) => self.decide_rules(|rule| rule.matches_resolve(name)),
            GuestHost::Ip(_) | GuestHost::Invalid => Decision::NoRule { via: Via::Address },
        }
    }

    /// Decides whether a datagram of `proto` (UDP, or an ICMP echo reply) from `src` may reach
    /// the guest: a `recv` rule allows it, and so does a `connect` rule for that address (a
    /// guest that may talk to a server may hear its replies), and for ICMP and raw IP a `send`
    /// rule too (a guest that may ping a host may hear it answer); a deny `recv` rule refuses it. `names`
    /// are the names the guest resolved `src` from, as in [`Policy::check_resolved`].
    pub fn check_datagram_from<'a>(
        &'a self,
        proto: Proto,
        src: SocketAddr,
        names: &'a [String],
    ) -> Decision<'a> {
        let recv = self.check_resolved(Verb::Recv, proto, src, names);
        if !matches!(recv, Decision::NoRule { .. }) {
            return recv;
        }
        let connect = self.check_resolved(Verb::Connect, proto, src, names);
        if connect.is_allowed() {
            return connect;
        }
        if matches!(proto, Proto::Icmp | Proto::Raw) {
            let send = self.check_resolved(Verb::Send, proto, src, names);
            if send.is_allowed() {
                return send;
            }
        }
        recv
    }

    /// Decides whether the guest may `verb` (connect, bind, send, recv) with the `AF_UNIX`
    /// address `target`: a path in normal form ([`normal_path`]) or an abstract name. Deny beats
    /// allow, as for addresses. The decision is on the path as written; what it reaches is
    /// confined by the guard to the directory the allowing rule names
    /// ([`UnixPattern::confinement`]).
    pub fn check_unix(&self, verb: Verb, target: UnixTarget<'_>) -> Decision<'_> {
        self.decide_rules(|rule| rule.matches_unix(verb, target))
    }

    /// Decides whether the guest may make netlink sockets of `proto` and send the kernel
    /// (read) requests on them: a `send netlink:PROTO` rule.
    pub fn check_netlink(&self, proto: NetlinkProto) -> Decision<'_> {
        self.decide_rules(|rule| rule.matches_netlink(proto))
    }

    /// Decides `verb` (bind, send) on the network interface `name` of an `AF_PACKET` or
    /// `AF_CAN` socket (`link`; `""`: every interface at once): the `packet:` or `can:` rules,
    /// deny beating allow.
    pub fn check_iface(&self, verb: Verb, link: Link, name: &str) -> Decision<'_> {
        self.decide_rules(|rule| rule.matches_iface(verb, link, name))
    }

    /// Whether some rule allows some use of raw IP sockets (`raw://`): without one, a guest may
    /// not even make one (its privileges are the host's).
    pub fn allows_raw(&self) -> bool {
        self.rules.iter().any(|(effect, rule)| {
            *effect == Effect::Allow
                && matches!(rule.target(), Target::Endpoint(e) if e.proto() == Some(Proto::Raw))
        })
    }

    /// Whether some rule allows some use of `link` sockets: without one, a guest may not even
    /// make one (a packet socket uses the host's privileges, a CAN socket reaches a bus).
    pub fn allows_link(&self, link: Link) -> bool {
        self.rules.iter().any(|(effect, rule)| {
            *effect == Effect::Allow && matches!(rule.target(), Target::Iface(l, _) if *l == link)
        })
    }

    /// Decides `verb` (connect, bind, accept) with the `AF_VSOCK` address `cid:port`: the
    /// `vsock://` rules, deny beating allow.
    pub fn check_vsock(&self, verb: Verb, cid: u32, port: u32) -> Decision<'_> {
        self.decide_rules(|rule| rule.matches_vsock(verb, cid, port))
    }

    /// Decides whether a datagram from the named `AF_UNIX` sender `from` may reach the guest,
    /// as [`Policy::check_datagram_from`] does for UDP: a `recv unix:` rule decides, else a
    /// `connect unix:` rule for the sender allows it (the guest may hear the socket it talks
    /// to).
    pub fn check_unix_datagram_from(&self, from: UnixTarget<'_>) -> Decision<'_> {
        let recv = self.check_unix(Verb::Recv, from);
        if !matches!(recv, Decision::NoRule { .. }) {
            return recv;
        }
        let connect = self.check_unix(Verb::Connect, from);
        if connect.is_allowed() { connect } else { recv }
    }

    /// Decides lookups the policy cannot judge by name: reverse lookups of an address
    /// (`gethostbyaddr`, `getnameinfo` without `NI_NUMERICHOST`). They need `resolve *`; a deny
    /// `resolve *` refuses them. (Forward lookups, in both doors, are decided per name by
    /// [`Policy::check_resolve`].)
    pub fn check_resolve_any(&self) -> Decision<'_> {
        self.decide_rules(|rule| {
            rule.verb() == Verb::Resolve && matches!(rule.target(), Target::Name(NamePattern::Any))
        })
    }

    /// Decides the bind the kernel does by itself when a guest connects, sends or listens on an
    /// unbound socket (to the wildcard address, IPv4 or IPv6 by `v6`, with an ephemeral port;
    /// on a dual-stack IPv6 socket, `0.0.0.0` too).
    ///
    /// Only deny rules decide it: connecting or sending needs only its `connect` or `send`
    /// rule, and the implicit bind is allowed unless a deny `bind` rule matches the wildcard
    /// address (`0.0.0.0` or `::`) with port 0. For example `--deny 'bind udp://*:*'` forbids
    /// `sendto` on an unbound UDP socket; `--deny 'bind tcp://0.0.0.0:0'` forbids connecting an
    /// unbound IPv4 TCP socket, and a dual-stack IPv6 one. An allowed decision is
    /// [`Decision::NotDenied`].
    pub fn check_implicit_bind(&self, proto: Proto, v6: bool, dual_stack: bool) -> Decision<'_> {
        let wildcard = if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        let views = Views::local(wildcard, v6 && dual_stack);
        for (effect, rule) in &self.rules {
            if *effect == Effect::Deny
                && let Some(via) =
                    views_matched(&views, true, |ip| rule.matches_ip(Verb::Bind, proto, ip, 0))
            {
                return Decision::Denied { rule, via };
            }
        }
        Decision::NotDenied
    }

    /// The decision for an address: deny rules first (for the address, every IPv4 address it
    /// reaches, and the names it was resolved from), then the first allow rule (for the
    /// address, an IPv4 address it certainly reaches, or one of the names), then
    /// `--deny-private`.
    fn decide<'a>(
        &'a self,
        verb: Verb,
        proto: Proto,
        addr: SocketAddr,
        names: &'a [String],
        dual_stack: bool,
    ) -> Decision<'a> {
        let ip = addr::normalize_for(verb, addr.ip());
        let port = addr.port();
        let names = if self.name_rules { names } else { &[] };
        // The common case (every datagram of an unconnected UDP exchange comes here): the
        // address stands for itself alone and no name can matter, so each rule is one match.
        let alone = match (verb, ip) {
            (Verb::Bind, IpAddr::V6(v6)) => !(dual_stack && v6.is_unspecified()),
            (Verb::Bind, IpAddr::V4(_)) | (_, IpAddr::V4(_)) => true,
            (_, IpAddr::V6(v6)) => !addr::reaches_ipv4(v6),
        };
        if alone && names.is_empty() {
            return match self.decide_rules(|rule| rule.matches_ip(verb, proto, ip, port)) {
                Decision::Allowed { rule, via } if self.deny_private && verb != Verb::Bind => {
                    self.unless_private(verb, proto, port, &Views::remote(ip), (rule, via))
                }
                decision => decision,
            };
        }
        let views = match verb {
            Verb::Bind => Views::local(ip, dual_stack),
            _ => Views::remote(ip),
        };
        let matches_ip = |rule: &Rule, ip| rule.matches_ip(verb, proto, ip, port);
        let mut allowed: Option<(&Rule, Via<'a>)> = None;
        // A dual-stack bind needs its IPv4 half allowed too.
        let mut dual_allowed = views.embedded().all(|e| e.form != Form::DualStack);
        for (effect, rule) in &self.rules {
            match effect {
                Effect::Deny => {
                    if let Some(via) = views_matched(&views, true, |ip| matches_ip(rule, ip)) {
                        return Decision::Denied { rule, via };
                    }
                    if let Some(name) = names
                        .iter()
                        .find(|n| rule.matches_name(verb, proto, n, port))
                    {
                        return Decision::Denied {
                            rule,
                            via: Via::Name(name),
                        };
                    }
                }
                Effect::Allow => {
                    if !dual_allowed && views_matched_dual(&views, |ip| matches_ip(rule, ip)) {
                        dual_allowed = true;
                    }
                    if allowed.is_some() {
                        continue;
                    }
                    if matches_ip(rule, views.primary) {
                        allowed = Some((rule, Via::Address));
                    } else if let Some(via) =
                        views_matched(&views, false, |ip| matches_ip(rule, ip))
                    {
                        allowed = Some((rule, via));
                    } else if let Some(name) = names
                        .iter()
                        .find(|n| rule.matches_name(verb, proto, n, port))
                    {
                        allowed = Some((rule, Via::Name(name)));
                    }
                }
            }
        }
        let Some((rule, via)) = allowed else {
            return Decision::NoRule { via: Via::Address };
        };
        if !dual_allowed {
            return Decision::NoRule {
                via: Via::Ipv4(Ipv4Addr::UNSPECIFIED, Form::DualStack),
            };
        }
        if self.deny_private && verb != Verb::Bind {
            return self.unless_private(verb, proto, port, &views, (rule, via));
        }
        Decision::Allowed { rule, via }
    }

    /// `--deny-private` for an address (`views`) an allow rule allowed: when it, or an IPv4
    /// address it reaches, is not globally reachable, it stays allowed only by a matching allow
    /// rule that names that address itself.
    fn unless_private<'a>(
        &'a self,
        verb: Verb,
        proto: Proto,
        port: u16,
        views: &Views,
        (rule, via): (&'a Rule, Via<'a>),
    ) -> Decision<'a> {
        let private = std::iter::once(views.primary)
            .chain(views.embedded().map(|e| IpAddr::V4(e.v4)))
            .find_map(|ip| addr::special_range(ip).map(|range| (ip, range)));
        let Some((private_ip, range)) = private else {
            return Decision::Allowed { rule, via };
        };
        let explicit = self.rules.iter().find(|(effect, rule)| {
            *effect == Effect::Allow
                && views_matched(views, true, |ip| rule.matches_ip(verb, proto, ip, port)).is_some()
                && rule.names_ip(private_ip)
        });
        match explicit {
            Some((_, rule)) => Decision::Allowed {
                rule,
                via: via_of(views, private_ip),
            },
            None => Decision::Private {
                ip: private_ip,
                range,
            },
        }
    }

    /// The first matching deny rule, else the first matching allow rule, else no rule.
    fn decide_rules(&self, matches: impl Fn(&Rule) -> bool) -> Decision<'_> {
        let mut allowed_by = None;
        for (effect, rule) in &self.rules {
            if !matches(rule) {
                continue;
            }
            match effect {
                Effect::Deny => {
                    return Decision::Denied {
                        rule,
                        via: Via::Address,
                    };
                }
                Effect::Allow => {
                    allowed_by.get_or_insert(rule);
                }
            }
        }
        match allowed_by {
            Some(rule) => Decision::Allowed {
                rule,
                via: Via::Address,
            },
            None => Decision::NoRule { via: Via::Address },
        }
    }
}

/// Which of `views` `matches` accepts first: the address itself, then the IPv4 addresses it
/// reaches (all of them with `all`, else only those it certainly reaches).
fn views_matched<'a>(
    views: &Views,
    all: bool,
    matches: impl Fn(IpAddr) -> bool,
) -> Option<Via<'a>> {
    if matches(views.primary) {
        return Some(Via::Address);
    }
    views
        .embedded()
        .find(|e| (all || e.definite) && matches(IpAddr::V4(e.v4)))
        .map(|e| Via::Ipv4(e.v4, e.form))
}

/// Whether `matches` accepts the IPv4 half of a dual-stack bind.
fn views_matched_dual(views: &Views, matches: impl Fn(IpAddr) -> bool) -> bool {
    views
        .embedded()
        .any(|e| e.form == Form::DualStack && matches(IpAddr::V4(e.v4)))
}

/// How `ip`, one of `views`, is reached.
fn via_of<'a>(views: &Views, ip: IpAddr) -> Via<'a> {
    match views.embedded().find(|e| IpAddr::V4(e.v4) == ip) {
        Some(e) if ip != views.primary => Via::Ipv4(e.v4, e.form),
        _ => Via::Address,
    }
}

/// Whether the C library reads `host` as a numeric address without asking DNS: what
/// `inet_pton` takes, `inet_aton`'s forms (`127.1`, `0x7f.1`, `2130706433`), and IPv6 with a
/// `%zone`. Such a lookup reveals nothing, so it needs no `resolve` rule; the address it
/// yields is then judged by the address rules like any other.
pub fn is_numeric_host(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
        || addr::parse_inet_aton(host).is_some()
        || host
            .split_once('%')
            .is_some_and(|(ip, _)| ip.parse::<Ipv6Addr>().is_ok())
}

/// A guest's host name as the host's resolver passes it to the C library: non-ASCII names in
/// their UTS #46 ASCII form, so `bücher.example` is matched as `xn--bcher-kva.example` and
/// `１２７．０．０．１` as the address it is; `None` when the name has no such form.
fn ascii_host(name: &str) -> Option<std::borrow::Cow<'_, str>> {
    if name.is_ascii() {
        Some(std::borrow::Cow::Borrowed(name))
    } else {
        idna::domain_to_ascii(name)
            .ok()
            .map(std::borrow::Cow::Owned)
    }
}

/// A host name in the form the guard remembers it and name rules match it: ASCII (IDNA),
/// lower case, without its trailing dot; `None` for a numeric address or a string that is not
/// a host name.
pub fn normal_name(name: &str) -> Option<String> {
    let ascii = ascii_host(name)?;
    match addr::classify_guest_host(&ascii) {
        GuestHost::Name(name) => Some(name.to_ascii_lowercase()),
        GuestHost::Ip(_) | GuestHost::Invalid => None,
    }
}

/// What a decision was reached through, besides the address as the guest gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via<'a> {
    /// The address itself (normalised).
    Address,
    /// An IPv4 address the IPv6 address reaches (NAT64, 6to4, Teredo, SIIT, ISATAP), or the
    /// `0.0.0.0` a dual-stack bind of `[::]` binds too.
    Ipv4(Ipv4Addr, Form),
    /// A name this guest resolved the address from.
    Name(&'a str),
}

impl fmt::Display for Via<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Via::Address => Ok(()),
            Via::Ipv4(v4, form) => write!(f, "{v4}: {}", form.describe()),
            Via::Name(name) => write!(f, "the guest resolved this address from {name}"),
        }
    }
}

/// The outcome of a check, and what decided it.
///
/// `Display` gives the reason: `denied (no rule allows it)`, `denied by rule "deny …"`,
/// `allowed by rule "allow …"`, `denied by --deny-private (…)`, or, for an implicit bind,
/// `allowed (no rule denies it)`; a decision reached through a resolved name or an embedded
/// IPv4 address says so in parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a policy decision must be enforced"]
pub enum Decision<'a> {
    /// An allow rule matched and no deny rule did.
    Allowed {
        /// The first allow rule that matched.
        rule: &'a Rule,
        /// How it matched.
        via: Via<'a>,
    },
    /// Nothing needs allowing and no deny rule matched: the bind the kernel does by itself.
    NotDenied,
    /// A deny rule matched.
    Denied {
        /// The first deny rule that matched.
        rule: &'a Rule,
        /// How it matched.
        via: Via<'a>,
    },
    /// No allow rule matched (deny by default). `via` is [`Via::Address`], or the IPv4 half of
    /// a dual-stack bind that no rule allows.
    NoRule {
        /// What no rule allows.
        via: Via<'a>,
    },
    /// `--deny-private`: the address, or an IPv4 address it reaches, is not globally reachable
    /// and no allow rule names it.
    Private {
        /// The private address.
        ip: IpAddr,
        /// Its range.
        range: &'static SpecialRange,
    },
}

impl<'a> Decision<'a> {
    /// Whether the operation may go ahead.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. } | Decision::NotDenied)
    }

    /// Whether `--deny-private` refused it.
    pub fn is_private_denial(&self) -> bool {
        matches!(self, Decision::Private { .. })
    }

    /// The rule that decided: a deny rule if denied, an allow rule if allowed. `None` if no
    /// rule matched: default deny, `--deny-private`, or an implicit bind that no deny rule
    /// forbids.
    pub fn rule(&self) -> Option<&'a Rule> {
        match self {
            Decision::Allowed { rule, .. } | Decision::Denied { rule, .. } => Some(rule),
            Decision::NotDenied | Decision::NoRule { .. } | Decision::Private { .. } => None,
        }
    }

    /// What the decision was reached through, if not the address itself.
    pub fn via(&self) -> Option<Via<'a>> {
        match self {
            Decision::Allowed { via, .. }
            | Decision::Denied { via, .. }
            | Decision::NoRule { via } => Some(*via).filter(|v| *v != Via::Address),
            Decision::NotDenied | Decision::Private { .. } => None,
        }
    }

    /// The rule's effect, if a rule decided.
    pub fn effect(&self) -> Option<Effect> {
        match self {
            Decision::Allowed { .. } => Some(Effect::Allow),
            Decision::Denied { .. } => Some(Effect::Deny),
            _ => None,
        }
    }

    /// How audit records and `policy explain` name what decided: `"allow RULE"`,
    /// `"deny RULE"`, `"default deny"`, `"deny-private"`, or `None` for an implicit bind that
    /// no rule denies.
    pub fn decided_by(&self) -> Option<String> {
        match self {
            Decision::Allowed { rule, .. } => Some(format!("allow {rule}")),
            Decision::Denied { rule, .. } => Some(format!("deny {rule}")),
            Decision::Private { .. } => Some("deny-private".to_owned()),
            Decision::NoRule { .. } => Some("default deny".to_owned()),
            Decision::NotDenied => None,
        }
    }

    /// The message a guest sees in its `PermissionError`, such as
    /// `capsock policy: connect to tcp://10.0.0.5:22 denied (no rule allows it)` or
    /// `capsock policy: connect to tcp://10.0.0.5:22 denied by rule "deny connect tcp://10.0.0.0/8:*"`.
    ///
    /// `target` is what the guest named: a `SocketAddr` (IPv6 prints in brackets), or a
    /// `host:port` or, for resolve, a name. Control characters in it are escaped. `proto` is
    /// not shown for resolve. Meant for denials; an allowed decision says so instead.
    pub fn denial_message(&self, verb: Verb, proto: Proto, target: &dyn fmt::Display) -> String {
        match verb {
            Verb::Resolve => self.denial_message_for(verb, &target.to_string()),
            _ => self.denial_message_for(verb, &format!("{proto}://{target}")),
        }
    }

    /// [`Decision::denial_message`] for a target written in full, with its scheme:
    /// `capsock policy: connect to unix:/run/app.sock denied (no rule allows it)`.
    pub fn denial_message_for(&self, verb: Verb, target: &str) -> String {
        let what = match verb {
            Verb::Resolve => format!("{verb} {target}"),
            _ => format!("{verb} {} {target}", verb.facts().preposition),
        };
        let mut message = String::from("capsock policy: ");
        for c in what.chars() {
            if c.is_control() {
                message.extend(c.escape_default());
            } else {
                message.push(c);
            }
        }
        message.push(' ');
        message.push_str(&self.to_string());
        message
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allowed { rule, .. } => write!(f, "allowed by rule \"allow {rule}\"")?,
            Decision::NotDenied => f.write_str("allowed (no rule denies it)")?,
            Decision::Denied { rule, .. } => write!(f, "denied by rule \"deny {rule}\"")?,
            Decision::NoRule {
                via: Via::Ipv4(v4, _),
            } => {
                return write!(
                    f,
                    "denied (no rule allows {v4}, which a dual-stack IPv6 socket bound to [::] \
                     binds too: allow it as well, or set IPV6_V6ONLY)"
                );
            }
            Decision::NoRule { .. } => f.write_str("denied (no rule allows it)")?,
            Decision::Private { ip, range } => {
                return write!(
                    f,
                    "denied by --deny-private ({ip} is in {}, {}; such an address needs an allow rule that names it)",
                    range.cidr, range.what
                );
            }
        }
        match self.via() {
            Some(via) => write!(f, " ({via})"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_names_match_their_idna_form() {
        let mut p = Policy::default();
        p.allow("resolve xn--bcher-kva.example").unwrap();
        p.allow("connect tcp://xn--bcher-kva.example:443").unwrap();
        p.allow("connect tcp://*:80").unwrap();
        p.deny("connect tcp://127.0.0.0/8:*").unwrap();
        assert!(p.check_resolve("bücher.example").is_allowed());
        assert!(p.check_resolve("BÜCHER.example").is_allowed());
        assert!(!p.check_resolve("bucher.example").is_allowed());
        let name = |n| p.check_name(Verb::Connect, Proto::Tcp, n, 443).is_allowed();
        assert!(name("bücher.example"));
        assert!(!name("bücher.example.evil"));
        // Full-width digits are an address to the resolver, so the address rules decide.
        assert!(
            !p.check_name(Verb::Connect, Proto::Tcp, "１２７．０．０．１", 80)
                .is_allowed()
        );
        assert!(
            p.check_name(Verb::Connect, Proto::Tcp, "１０．０．０．１", 80)
                .is_allowed()
        );
        // No UTS #46 form: denied.
        assert!(!p.check_resolve("\u{e000}").is_allowed());
    }
    use Proto::{Tcp, Udp};
    use Verb::{Accept, Bind, Connect, Recv, Resolve, Send};

    /// A policy from rules written as `policy check` lists them: "allow RULE" or "deny RULE".
    fn policy(rules: &[&str]) -> Policy {
        let mut policy = Policy::deny_all();
        for line in rules {
            match line.split_once(' ') {
                Some(("allow", rule)) => policy.allow(rule).unwrap(),
                Some(("deny", rule)) => policy.deny(rule).unwrap(),
                _ => panic!("bad test rule {line:?}"),
            };
        }
        policy
    }

    /// A decision as the tables write it: the deciding rule with its effect, "default deny",
    /// or "allowed, no rule".
    fn summary(decision: Decision<'_>) -> String {
        match (decision.is_allowed(), decision.rule()) {
            (true, Some(rule)) => format!("allow {rule}"),
            (false, Some(rule)) => format!("deny {rule}"),
            (true, None) => "allowed, no rule".to_owned(),
            (false, None) => "default deny".to_owned(),
        }
    }

    const DENIED: &str = "default deny";

    /// Test tables: for each policy (its rules as `policy` takes them), the checks to run on
    /// it, each ending in the expected decision as `summary` writes it.
    type Table<Check> = &'static [(&'static [&'static str], &'static [Check])];

    #[rustfmt::skip]
    const ADDR_CASES: Table<(Verb, Proto, &str, &str)> = &[
        (&[], &[(Connect, Tcp, "127.0.0.1:80", DENIED), (Bind, Udp, "0.0.0.0:0", DENIED)]),
        // IPv4 ranges and addresses, edges included.
        (&["allow connect tcp://10.0.0.0/8:*"], &[
            (Connect, Tcp, "10.0.0.0:1", "allow connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "10.255.255.255:1", "allow connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "9.255.255.255:1", DENIED),
            (Connect, Tcp, "11.0.0.0:1", DENIED),
            // IPv4-mapped and IPv4-compatible IPv6 are matched as IPv4.
            (Connect, Tcp, "[::ffff:10.0.0.1]:22", "allow connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "[::10.0.0.1]:22", "allow connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "[::ffff:11.0.0.1]:22", DENIED),
            // Verb and protocol must match.
            (Bind, Tcp, "10.0.0.1:1", DENIED),
            (Accept, Tcp, "10.0.0.1:1", DENIED),
            (Connect, Udp, "10.0.0.1:1", DENIED),
            (Resolve, Tcp, "10.0.0.1:1", DENIED),
        ]),
        (&["allow connect tcp://10.0.0.1:*"], &[
            (Connect, Tcp, "10.0.0.1:1", "allow connect tcp://10.0.0.1:*"),
            (Connect, Tcp, "10.0.0.2:1", DENIED),
            (Connect, Tcp, "10.0.0.0:1", DENIED),
        ]),
        (&["allow connect tcp://[::ffff:10.0.0.0/104]:*"], &[
            (Connect, Tcp, "10.1.2.3:22", "allow connect tcp://10.0.0.0/8:*"),
        ]),
        (&["allow connect tcp://0.0.0.0/0:*"], &[
            (Connect, Tcp, "255.255.255.255:1", "allow connect tcp://0.0.0.0/0:*"),
            (Connect, Tcp, "[2001:db8::1]:1", DENIED),
            (Connect, Tcp, "[::1]:1", DENIED),
        ]),
        // IPv6 ranges and addresses, edges included.
        (&["allow connect tcp://[fd00::/8]:*"], &[
            (Connect, Tcp, "[fd00::]:1", "allow connect tcp://[fd00::/8]:*"),
            (Connect, Tcp, "[fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", "allow connect tcp://[fd00::/8]:*"),
            (Connect, Tcp, "[fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", DENIED),
            (Connect, Tcp, "[fe00::]:1", DENIED),
            (Connect, Tcp, "253.0.0.0:1", DENIED),
        ]),
        (&["allow connect tcp://[2001:db8::1]:*"], &[
            (Connect, Tcp, "[2001:db8::1]:1", "allow connect tcp://[2001:db8::1]:*"),
            (Connect, Tcp, "[2001:db8::2]:1", DENIED),
        ]),
        // An IPv6 range never matches an IPv4-mapped address: that is an IPv4 destination.
        (&["allow connect tcp://[::/0]:*"], &[
            (Connect, Tcp, "[2001:db8::1]:1", "allow connect tcp://[::/0]:*"),
            (Connect, Tcp, "[::ffff:1.2.3.4]:1", DENIED),
        ]),
        // Scope ids do not affect matching.
        (&["allow connect tcp://[fe80::/10]:*"], &[
            (Connect, Tcp, "[fe80::1%7]:1", "allow connect tcp://[fe80::/10]:*"),
        ]),
        (&["allow connect tcp://*:*", "deny connect tcp://[fe80::1]:*"], &[
            (Connect, Tcp, "[fe80::1%7]:1", "deny connect tcp://[fe80::1]:*"),
            (Connect, Tcp, "[fe80::2%7]:1", "allow connect tcp://*:*"),
        ]),
        // Port ranges are inclusive.
        (&["allow bind tcp://127.0.0.1:8000-8099"], &[
            (Bind, Tcp, "127.0.0.1:8000", "allow bind tcp://127.0.0.1:8000-8099"),
            (Bind, Tcp, "127.0.0.1:8099", "allow bind tcp://127.0.0.1:8000-8099"),
            (Bind, Tcp, "127.0.0.1:7999", DENIED),
            (Bind, Tcp, "127.0.0.1:8100", DENIED),
        ]),
        (&["allow connect tcp://1.2.3.4:443", "allow connect tcp://1.2.3.4:65535"], &[
            (Connect, Tcp, "1.2.3.4:443", "allow connect tcp://1.2.3.4:443"),
            (Connect, Tcp, "1.2.3.4:442", DENIED),
            (Connect, Tcp, "1.2.3.4:444", DENIED),
            (Connect, Tcp, "1.2.3.4:65535", "allow connect tcp://1.2.3.4:65535"),
            (Connect, Tcp, "1.2.3.4:0", DENIED),
        ]),
        (&["allow connect tcp://1.2.3.4:*"], &[
            (Connect, Tcp, "1.2.3.4:0", "allow connect tcp://1.2.3.4:*"),
            (Connect, Tcp, "1.2.3.4:65535", "allow connect tcp://1.2.3.4:*"),
        ]),
        // Deny beats allow, in whatever order they were added.
        (&["allow connect tcp://*:*", "deny connect tcp://10.0.0.0/8:*"], &[
            (Connect, Tcp, "10.0.0.5:22", "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "11.0.0.5:22", "allow connect tcp://*:*"),
            (Connect, Tcp, "[::ffff:10.0.0.1]:22", "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "[::10.0.0.1]:22", "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "[2001:db8::1]:22", "allow connect tcp://*:*"),
        ]),
        // Of several matching allow rules, the first added is reported.
        (&["allow connect tcp://10.0.0.0/8:*", "allow connect *://*:*"], &[
            (Connect, Tcp, "10.0.0.1:1", "allow connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "11.0.0.1:1", "allow connect *://*:*"),
        ]),
        (&["deny connect tcp://10.0.0.0/8:*", "allow connect tcp://10.0.0.5:22"], &[
            (Connect, Tcp, "10.0.0.5:22", "deny connect tcp://10.0.0.0/8:*"),
        ]),
        (&["allow connect tcp://10.0.0.5:22", "deny connect *://*:22", "deny connect tcp://10.0.0.5:23"], &[
            (Connect, Tcp, "10.0.0.5:22", "deny connect *://*:22"),
            (Connect, Udp, "10.0.0.5:22", "deny connect *://*:22"),
            (Connect, Tcp, "10.0.0.5:23", "deny connect tcp://10.0.0.5:23"),
        ]),
        // 0.0.0.0 and :: as a destination mean this host, so they are matched as loopback...
        (&["allow connect tcp://0.0.0.0/8:*", "allow connect tcp://128.0.0.0/1:*"], &[
            (Connect, Tcp, "0.0.0.0:80", DENIED),
            (Connect, Tcp, "[::ffff:0.0.0.0]:80", DENIED),
            (Connect, Tcp, "0.0.0.1:80", "allow connect tcp://0.0.0.0/8:*"),
        ]),
        (&["allow connect tcp://127.0.0.1:80", "allow send udp://localhost:*", "allow recv udp://[::1]:*"], &[
            (Connect, Tcp, "0.0.0.0:80", "allow connect tcp://127.0.0.1:80"),
            (Send, Udp, "0.0.0.0:53", "allow send udp://localhost:*"),
            (Send, Udp, "[::]:53", "allow send udp://localhost:*"),
            (Recv, Udp, "[::]:53", "allow recv udp://[::1]:*"),
            (Recv, Udp, "0.0.0.0:53", DENIED),
        ]),
        (&["allow connect tcp://*:*", "deny connect tcp://127.0.0.0/8:*", "deny connect tcp://[::1]:*"], &[
            (Connect, Tcp, "0.0.0.0:80", "deny connect tcp://127.0.0.0/8:*"),
            (Connect, Tcp, "[::ffff:0.0.0.0]:80", "deny connect tcp://127.0.0.0/8:*"),
            (Connect, Tcp, "[::]:80", "deny connect tcp://[::1]:*"),
        ]),
        // ... but for bind they are the wildcard address, matched as written.
        (&["allow bind tcp://0.0.0.0:8080", "allow bind tcp://[::]:8081"], &[
            (Bind, Tcp, "0.0.0.0:8080", "allow bind tcp://0.0.0.0:8080"),
            (Bind, Tcp, "127.0.0.1:8080", DENIED),
            (Bind, Tcp, "[::]:8081", "allow bind tcp://[::]:8081"),
            (Bind, Tcp, "0.0.0.0:8081", DENIED),
            (Bind, Tcp, "[::1]:8081", DENIED),
        ]),
        (&["allow bind tcp://*:8080"], &[(Bind, Tcp, "0.0.0.0:8080", "allow bind tcp://*:8080")]),
        (&["allow bind tcp://127.0.0.1:8080", "allow bind tcp://localhost:8081"], &[
            (Bind, Tcp, "0.0.0.0:8080", DENIED),
            (Bind, Tcp, "0.0.0.0:8081", DENIED),
            (Bind, Tcp, "[::ffff:127.0.0.1]:8080", "allow bind tcp://127.0.0.1:8080"),
        ]),
        // localhost is 127.0.0.0/8 and ::1.
        (&["allow connect tcp://localhost:*"], &[
            (Connect, Tcp, "127.0.0.1:1", "allow connect tcp://localhost:*"),
            (Connect, Tcp, "127.255.255.255:1", "allow connect tcp://localhost:*"),
            (Connect, Tcp, "[::1]:1", "allow connect tcp://localhost:*"),
            (Connect, Tcp, "[::ffff:127.0.0.2]:1", "allow connect tcp://localhost:*"),
            (Connect, Tcp, "128.0.0.1:1", DENIED),
            (Connect, Tcp, "126.255.255.255:1", DENIED),
            (Connect, Tcp, "[::2]:1", DENIED),
        ]),
        // `*` is every address; protocol `*` is both.
        (&["allow connect tcp://*:*"], &[
            (Connect, Tcp, "1.2.3.4:1", "allow connect tcp://*:*"),
            (Connect, Tcp, "[2001:db8::1]:1", "allow connect tcp://*:*"),
            (Connect, Udp, "1.2.3.4:1", DENIED),
        ]),
        (&["allow connect *://*:*", "deny connect udp://10.0.0.0/8:*"], &[
            (Connect, Tcp, "1.2.3.4:1", "allow connect *://*:*"),
            (Connect, Udp, "1.2.3.4:1", "allow connect *://*:*"),
            (Connect, Udp, "10.0.0.1:1", "deny connect udp://10.0.0.0/8:*"),
            (Connect, Tcp, "10.0.0.1:1", "allow connect *://*:*"),
        ]),
        // Each verb is its own authority.
        (&["allow send udp://*:*", "allow recv udp://10.0.0.0/8:53", "allow accept tcp://127.0.0.0/8:*"], &[
            (Send, Udp, "1.2.3.4:1", "allow send udp://*:*"),
            (Connect, Udp, "1.2.3.4:1", DENIED),
            (Recv, Udp, "1.2.3.4:53", DENIED),
            (Recv, Udp, "10.1.1.1:53", "allow recv udp://10.0.0.0/8:53"),
            (Accept, Tcp, "127.0.0.1:54321", "allow accept tcp://127.0.0.0/8:*"),
            (Accept, Tcp, "10.0.0.1:54321", DENIED),
        ]),
        (&["allow resolve *"], &[(Resolve, Udp, "1.2.3.4:53", DENIED)]),
        // Name rules never match addresses.
        (&["allow connect tcp://example.com:443", "allow connect tcp://*.example.com:443"], &[
            (Connect, Tcp, "93.184.216.34:443", DENIED),
        ]),
    ];

    #[test]
    fn addresses() {
        for &(rules, checks) in ADDR_CASES {
            let policy = policy(rules);
            for &(verb, proto, addr, want) in checks {
                let addr: SocketAddr = addr.parse().unwrap();
                let got = summary(policy.check(verb, proto, addr));
                assert_eq!(got, want, "{rules:?}: {verb} {proto} {addr}");
            }
        }
    }

    #[rustfmt::skip]
    const NAME_CASES: Table<(Verb, Proto, &str, u16, &str)> = &[
        (&[], &[(Connect, Tcp, "example.com", 443, DENIED)]),
        // `*.suffix`: every name strictly below the suffix, any case, trailing dot ignored.
        (&["allow connect tcp://*.example.com:443"], &[
            (Connect, Tcp, "a.example.com", 443, "allow connect tcp://*.example.com:443"),
            (Connect, Tcp, "a.b.example.com", 443, "allow connect tcp://*.example.com:443"),
            (Connect, Tcp, "A.Example.COM.", 443, "allow connect tcp://*.example.com:443"),
            (Connect, Tcp, "example.com", 443, DENIED),
            (Connect, Tcp, "badexample.com", 443, DENIED),
            (Connect, Tcp, "a.example.com.evil", 443, DENIED),
            (Connect, Tcp, "a.example.com", 80, DENIED),
            (Connect, Udp, "a.example.com", 443, DENIED),
            (Bind, Tcp, "a.example.com", 443, DENIED),
            // Strings that are not host names match no name rule.
            (Connect, Tcp, "evil.com\0.example.com", 443, DENIED),
            (Connect, Tcp, "a..example.com", 443, DENIED),
            (Connect, Tcp, "a b.example.com", 443, DENIED),
        ]),
        // Exact names.
        (&["allow connect tcp://Example.com.:443"], &[
            (Connect, Tcp, "EXAMPLE.com", 443, "allow connect tcp://example.com:443"),
            (Connect, Tcp, "example.com.", 443, "allow connect tcp://example.com:443"),
            (Connect, Tcp, "www.example.com", 443, DENIED),
            (Connect, Tcp, "example.com..", 443, DENIED),
            (Connect, Tcp, "93.184.216.34", 443, DENIED),
        ]),
        // localhost matches the name; address rules never match names.
        (&["allow connect tcp://localhost:80", "allow connect tcp://127.0.0.1:81"], &[
            (Connect, Tcp, "LOCALHOST.", 80, "allow connect tcp://localhost:80"),
            (Connect, Tcp, "localhost.localdomain", 80, DENIED),
            (Connect, Tcp, "localhost", 81, DENIED),
        ]),
        (&["allow connect tcp://0.0.0.0/0:*"], &[(Connect, Tcp, "example.com", 443, DENIED)]),
        // `*` matches every name, and deny beats allow for names too.
        (&["allow connect tcp://*:*", "deny connect tcp://*.evil.com:*"], &[
            (Connect, Tcp, "example.com", 443, "allow connect tcp://*:*"),
            (Connect, Tcp, "x.EVIL.com", 1, "deny connect tcp://*.evil.com:*"),
            (Connect, Tcp, "evil.com", 1, "allow connect tcp://*:*"),
            // ... but not strings that are not host names.
            (Connect, Tcp, "evil.com\0.example.com", 1, DENIED),
            (Connect, Tcp, "10.0.0.256", 1, DENIED),
            (Connect, Tcp, "", 1, DENIED),
            (Connect, Tcp, "[::1]", 1, DENIED),
            // A non-ASCII name is matched in its IDNA form, as the resolver sends it.
            (Connect, Tcp, "bücher.example", 1, "allow connect tcp://*:*"),
            (Connect, Tcp, "bücher.evil.com", 1, "deny connect tcp://*.evil.com:*"),
        ]),
        // Numeric hosts are decided as addresses, in every form the C library reads.
        (&["allow connect tcp://*:*", "deny connect tcp://10.0.0.0/8:*", "deny connect tcp://127.0.0.0/8:*", "deny connect tcp://[fe80::/10]:*"], &[
            (Connect, Tcp, "10.0.0.1", 22, "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "10.0.0.1.", 22, "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "10.1", 22, "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "0xa.0.0.1", 22, "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "012.0.0.1", 22, "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "167772161", 22, "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "::ffff:10.0.0.1", 22, "deny connect tcp://10.0.0.0/8:*"),
            (Connect, Tcp, "fe80::1%eth0", 22, "deny connect tcp://[fe80::/10]:*"),
            (Connect, Tcp, "0.0.0.0", 22, "deny connect tcp://127.0.0.0/8:*"),
            (Connect, Tcp, "0", 22, "deny connect tcp://127.0.0.0/8:*"),
            (Connect, Tcp, "11.0.0.1", 22, "allow connect tcp://*:*"),
        ]),
        (&["allow connect tcp://10.0.0.0/8:22"], &[
            (Connect, Tcp, "10.0.0.1", 22, "allow connect tcp://10.0.0.0/8:22"),
            (Connect, Tcp, "10.0.0.1", 23, DENIED),
        ]),
        // Resolve through check_name is check_resolve.
        (&["allow resolve *.example.com"], &[
            (Resolve, Tcp, "a.example.com", 0, "allow resolve *.example.com"),
            (Connect, Tcp, "a.example.com", 0, DENIED),
        ]),
    ];

    #[test]
    fn names() {
        for &(rules, checks) in NAME_CASES {
            let policy = policy(rules);
            for &(verb, proto, name, port, want) in checks {
                let got = summary(policy.check_name(verb, proto, name, port));
                assert_eq!(got, want, "{rules:?}: {verb} {proto} {name:?} port {port}");
            }
        }
    }

    #[rustfmt::skip]
    const RESOLVE_CASES: Table<(&str, &str)> = &[
        (&[], &[("example.com", DENIED), ("localhost", DENIED)]),
        (&["allow resolve *.example.com", "allow resolve localhost"], &[
            ("a.example.com", "allow resolve *.example.com"),
            ("a.b.Example.COM.", "allow resolve *.example.com"),
            ("example.com", DENIED),
            ("localhost", "allow resolve localhost"),
            ("x.localhost", DENIED),
        ]),
        (&["allow resolve example.com"], &[
            ("EXAMPLE.COM.", "allow resolve example.com"),
            ("a.example.com", DENIED),
        ]),
        (&["allow resolve *", "deny resolve *.evil.com"], &[
            ("anything.example", "allow resolve *"),
            ("x.evil.com", "deny resolve *.evil.com"),
            ("evil.com", "allow resolve *"),
            // Numeric addresses and non-names are never matched.
            ("10.0.0.1", DENIED),
            ("10.1", DENIED),
            ("::1", DENIED),
            ("a..b", DENIED),
            // A non-ASCII name is matched in its IDNA form, as the resolver sends it.
            ("bücher.example", "allow resolve *"),
            ("bücher.evil.com", "deny resolve *.evil.com"),
            ("\u{e000}", DENIED),
        ]),
        // Other verbs do not grant resolve.
        (&["allow connect tcp://*:*", "allow connect tcp://example.com:*"], &[("example.com", DENIED)]),
    ];

    #[test]
    fn resolve() {
        for &(rules, checks) in RESOLVE_CASES {
            let policy = policy(rules);
            for &(name, want) in checks {
                let got = summary(policy.check_resolve(name));
                assert_eq!(got, want, "{rules:?}: resolve {name:?}");
            }
        }
    }

    const IMPLICIT_OK: &str = "allowed, no rule";

    #[rustfmt::skip]
    const IMPLICIT_BIND_CASES: Table<(Proto, bool, &str)> = &[
        // Allowed unless a deny rule forbids it: allow rules play no part.
        (&[], &[(Udp, false, IMPLICIT_OK), (Tcp, true, IMPLICIT_OK)]),
        (&["allow bind udp://127.0.0.1:*", "allow bind udp://*:*"], &[(Udp, false, IMPLICIT_OK)]),
        (&["deny bind udp://*:*"], &[
            (Udp, false, "deny bind udp://*:*"),
            (Udp, true, "deny bind udp://*:*"),
            (Tcp, false, IMPLICIT_OK),
        ]),
        (&["deny bind *://0.0.0.0:*"], &[
            (Tcp, false, "deny bind *://0.0.0.0:*"),
            (Udp, false, "deny bind *://0.0.0.0:*"),
            (Tcp, true, IMPLICIT_OK),
        ]),
        (&["deny bind tcp://[::]:0"], &[(Tcp, true, "deny bind tcp://[::]:0"), (Tcp, false, IMPLICIT_OK)]),
        (&["deny bind udp://0.0.0.0/0:*"], &[(Udp, false, "deny bind udp://0.0.0.0/0:*")]),
        // Rules about other addresses, ports or verbs do not forbid it.
        (&["deny bind udp://127.0.0.1:*", "deny bind udp://localhost:*", "deny bind udp://*:1024-65535"], &[
            (Udp, false, IMPLICIT_OK),
            (Udp, true, IMPLICIT_OK),
        ]),
        (&["deny connect udp://*:*", "deny send udp://*:*"], &[(Udp, false, IMPLICIT_OK)]),
    ];

    #[test]
    fn implicit_binds() {
        for &(rules, checks) in IMPLICIT_BIND_CASES {
            let policy = policy(rules);
            for &(proto, v6, want) in checks {
                let got = summary(policy.check_implicit_bind(proto, v6, false));
                assert_eq!(got, want, "{rules:?}: implicit bind {proto} v6={v6}");
            }
        }
    }

    #[test]
    fn decisions_and_effects() {
        let policy = policy(&["allow connect tcp://*:*", "deny connect tcp://10.0.0.0/8:*"]);
        let allowed = policy.check(Connect, Tcp, "1.2.3.4:1".parse().unwrap());
        let denied = policy.check(Connect, Tcp, "10.0.0.1:1".parse().unwrap());
        let default = policy.check(Bind, Tcp, "10.0.0.1:1".parse().unwrap());
        let implicit = policy.check_implicit_bind(Tcp, false, false);
        let cases = [
            (
                allowed,
                true,
                Some(Effect::Allow),
                r#"allowed by rule "allow connect tcp://*:*""#,
            ),
            (
                denied,
                false,
                Some(Effect::Deny),
                r#"denied by rule "deny connect tcp://10.0.0.0/8:*""#,
            ),
            (default, false, None, "denied (no rule allows it)"),
            (implicit, true, None, "allowed (no rule denies it)"),
        ];
        for (decision, is_allowed, effect, text) in cases {
            assert_eq!(decision.is_allowed(), is_allowed, "{text}");
            assert_eq!(decision.effect(), effect, "{text}");
            assert_eq!(decision.rule().is_some(), effect.is_some(), "{text}");
            assert_eq!(decision.to_string(), text);
        }
    }

    #[test]
    fn raw_is_named_by_protocol_and_its_replies_follow_its_sends() {
        let p = policy(&[
            "allow send raw://127.0.0.1:253",
            "allow connect *://*:*",
            "deny recv raw://127.0.0.3:*",
            "allow send raw://127.0.0.3:253",
        ]);
        let at = |host: &str, proto: u16| SocketAddr::new(host.parse().unwrap(), proto);
        assert!(p.allows_raw());
        assert!(p.check(Send, Proto::Raw, at("127.0.0.1", 253)).is_allowed());
        assert!(!p.check(Send, Proto::Raw, at("127.0.0.1", 254)).is_allowed());
        // `*://` is tcp and udp: it covers no raw IP.
        assert!(
            !p.check(Connect, Proto::Raw, at("127.0.0.2", 253))
                .is_allowed()
        );
        // Replies follow the sends; a deny recv rule still wins.
        assert!(
            p.check_datagram_from(Proto::Raw, at("127.0.0.1", 253), &[])
                .is_allowed()
        );
        assert!(
            !p.check_datagram_from(Proto::Raw, at("127.0.0.1", 6), &[])
                .is_allowed()
        );
        assert!(
            !p.check_datagram_from(Proto::Raw, at("127.0.0.3", 253), &[])
                .is_allowed()
        );
        assert_eq!(Proto::Raw.target(at("127.0.0.1", 47)), "raw://127.0.0.1:47");
        assert!(!policy(&["allow connect *://*:*"]).allows_raw());
    }

    #[test]
    fn icmp_is_named_and_its_replies_follow_its_sends() {
        let p = policy(&[
            "allow send *://*:*",
            "allow connect *://*:*",
            "allow send icmp://127.0.0.1",
            "deny recv icmp://127.0.0.2",
            "allow send icmp://127.0.0.2",
        ]);
        let lo: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let other: SocketAddr = "10.0.0.1:7".parse().unwrap();
        // `*://` means tcp and udp: ICMP needs a rule that names it.
        assert!(p.check(Send, Udp, other).is_allowed());
        assert!(!p.check(Send, Proto::Icmp, other).is_allowed());
        assert!(!p.check(Connect, Proto::Icmp, other).is_allowed());
        // Any "port" (the echo identifier) matches icmp://HOST.
        assert!(
            p.check(Send, Proto::Icmp, "127.0.0.1:4242".parse().unwrap())
                .is_allowed()
        );
        // Replies from a host the guest may ping are admitted; a deny recv rule still wins.
        assert!(p.check_datagram_from(Proto::Icmp, lo, &[]).is_allowed());
        let two: SocketAddr = "127.0.0.2:0".parse().unwrap();
        assert!(!p.check_datagram_from(Proto::Icmp, two, &[]).is_allowed());
        // For UDP a send rule admits no replies.
        let udp_only = policy(&["allow send udp://127.0.0.1:*"]);
        assert!(!udp_only.check_datagram_from(Udp, lo, &[]).is_allowed());
        // The target as messages and the audit log show it.
        assert_eq!(Proto::Icmp.target(lo), "icmp://127.0.0.1");
        assert_eq!(
            Proto::Icmp.target("[::1]:9".parse().unwrap()),
            "icmp://[::1]"
        );
        assert_eq!(Udp.target(lo), "udp://127.0.0.1:0");
    }

    #[test]
    fn messages() {
        let policy = policy(&["allow connect tcp://*:*", "deny connect tcp://10.0.0.0/8:*"]);
        let none = Policy::deny_all();
        let v4: SocketAddr = "10.0.0.5:22".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
        let evil = "a\n\u{1b}[31m";
        let cases = [
            (
                none.check(Connect, Tcp, v4)
                    .denial_message(Connect, Tcp, &v4),
                "capsock policy: connect to tcp://10.0.0.5:22 denied (no rule allows it)",
            ),
            (
                policy
                    .check(Connect, Tcp, v4)
                    .denial_message(Connect, Tcp, &v4),
                r#"capsock policy: connect to tcp://10.0.0.5:22 denied by rule "deny connect tcp://10.0.0.0/8:*""#,
            ),
            (
                none.check(Send, Udp, v6).denial_message(Send, Udp, &v6),
                "capsock policy: send to udp://[2001:db8::1]:443 denied (no rule allows it)",
            ),
            (
                none.check(Recv, Udp, v6).denial_message(Recv, Udp, &v6),
                "capsock policy: recv from udp://[2001:db8::1]:443 denied (no rule allows it)",
            ),
            (
                none.check(Accept, Tcp, v4).denial_message(Accept, Tcp, &v4),
                "capsock policy: accept from tcp://10.0.0.5:22 denied (no rule allows it)",
            ),
            (
                none.check(Bind, Tcp, v4).denial_message(Bind, Tcp, &v4),
                "capsock policy: bind to tcp://10.0.0.5:22 denied (no rule allows it)",
            ),
            (
                none.check_resolve("example.com")
                    .denial_message(Resolve, Udp, &"example.com"),
                "capsock policy: resolve example.com denied (no rule allows it)",
            ),
            (
                none.check_name(Connect, Tcp, evil, 1).denial_message(
                    Connect,
                    Tcp,
                    &format!("{evil}:1"),
                ),
                r"capsock policy: connect to tcp://a\n\u{1b}[31m:1 denied (no rule allows it)",
            ),
            (
                policy
                    .check(Connect, Tcp, v6)
                    .denial_message(Connect, Tcp, &v6),
                r#"capsock policy: connect to tcp://[2001:db8::1]:443 allowed by rule "allow connect tcp://*:*""#,
            ),
        ];
        for (message, want) in cases {
            assert_eq!(message, want);
        }
    }

    #[test]
    fn rules_are_listed_in_order_with_their_effect() {
        let mut policy = Policy::default();
        assert_eq!(policy.rules().count(), 0);
        policy
            .allow("CONNECT tcp://Example.com:443")
            .unwrap()
            .deny("connect tcp://10.0.0.0/8:*")
            .unwrap()
            .allow_rule("resolve *.example.com".parse().unwrap())
            .deny_rule("bind udp://*:*".parse().unwrap());
        let listed = policy.rule_lines();
        let want = [
            "allow connect tcp://example.com:443",
            "deny connect tcp://10.0.0.0/8:*",
            "allow resolve *.example.com",
            "deny bind udp://*:*",
        ];
        assert_eq!(listed, want);
    }

    #[test]
    fn a_bad_rule_leaves_the_policy_unchanged() {
        let mut policy = Policy::default();
        let error = policy.allow("connect tcp://1.2.3.4:99999").unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"invalid rule "connect tcp://1.2.3.4:99999": at 22: port 99999 is out of range (0-65535)"#
        );
        assert_eq!(policy, Policy::deny_all());
        assert!(policy.deny("bind").is_err());
        assert_eq!(policy, Policy::deny_all());
    }

    #[test]
    fn deny_private_needs_an_explicit_allow() {
        let mut p = policy(&[
            "allow connect tcp://*:*",
            "allow connect tcp://10.1.0.0/16:*",
            "allow connect tcp://localhost:8080",
            "allow connect tcp://0.0.0.0/0:25",
            "allow send udp://*:*",
            "allow bind tcp://*:*",
        ]);
        p.set_deny_private(true);
        let private = "deny-private";
        let cases: &[(Verb, Proto, &str, &str)] = &[
            (Connect, Tcp, "93.184.216.34:443", "allow connect tcp://*:*"),
            (
                Connect,
                Tcp,
                "[2606:4700::1]:443",
                "allow connect tcp://*:*",
            ),
            (Connect, Tcp, "[2001:db8::1]:443", private),
            // Embedded IPv4: NAT64, 6to4, Teredo (in 2001::/23), SIIT.
            (
                Connect,
                Tcp,
                "[64:ff9b::93.184.216.34]:443",
                "allow connect tcp://*:*",
            ),
            (Connect, Tcp, "[64:ff9b::10.0.0.1]:443", private),
            (Connect, Tcp, "[64:ff9b:1::1]:443", private),
            (Connect, Tcp, "[2002:c0a8:1::1]:443", private),
            (
                Connect,
                Tcp,
                "[2002:5db8:d822::1]:443",
                "allow connect tcp://*:*",
            ),
            (Connect, Tcp, "[2001:0:5db8:d822::1]:443", private),
            (Connect, Tcp, "[::ffff:0:10.0.0.1]:443", private),
            // Multicast, broadcast, 0/8, site-local.
            (Connect, Tcp, "224.0.0.1:80", private),
            (Connect, Tcp, "255.255.255.255:80", private),
            (Connect, Tcp, "0.1.2.3:80", private),
            (Connect, Tcp, "[fec0::1]:80", private),
            (Connect, Tcp, "[ff02::1]:80", private),
            (Connect, Tcp, "127.0.0.1:80", private),
            (Connect, Tcp, "127.9.9.9:80", private),
            (Connect, Tcp, "0.0.0.0:80", private),
            (Connect, Tcp, "[::1]:80", private),
            (Connect, Tcp, "[::]:80", private),
            (Connect, Tcp, "10.0.0.1:80", private),
            (Connect, Tcp, "172.16.0.1:80", private),
            (Connect, Tcp, "172.31.255.255:80", private),
            (Connect, Tcp, "172.32.0.1:80", "allow connect tcp://*:*"),
            (Connect, Tcp, "192.168.1.1:80", private),
            (Connect, Tcp, "169.254.169.254:80", private),
            (Connect, Tcp, "100.64.0.1:80", private),
            (Connect, Tcp, "100.127.255.255:80", private),
            (Connect, Tcp, "100.128.0.1:80", "allow connect tcp://*:*"),
            (Connect, Tcp, "[fc00::1]:80", private),
            (Connect, Tcp, "[fd12::1]:80", private),
            (Connect, Tcp, "[fe80::1%2]:80", private),
            (Connect, Tcp, "[::ffff:192.168.0.1]:80", private),
            (Send, Udp, "10.0.0.1:53", private),
            // An explicit range or localhost names them; `*` and /0 do not.
            (
                Connect,
                Tcp,
                "10.1.2.3:80",
                "allow connect tcp://10.1.0.0/16:*",
            ),
            (
                Connect,
                Tcp,
                "127.0.0.1:8080",
                "allow connect tcp://localhost:8080",
            ),
            (
                Connect,
                Tcp,
                "[::1]:8080",
                "allow connect tcp://localhost:8080",
            ),
            (Connect, Tcp, "10.0.0.1:25", private),
            // bind names a local address: not affected.
            (Bind, Tcp, "127.0.0.1:80", "allow bind tcp://*:*"),
        ];
        for &(verb, proto, addr, want) in cases {
            let decision = p.check(verb, proto, addr.parse().unwrap());
            let got = match decision.rule() {
                Some(rule) if decision.is_allowed() => format!("allow {rule}"),
                _ => decision.decided_by().unwrap(),
            };
            assert_eq!(got, want, "{verb} {addr}");
        }
        let decision = p.check(Connect, Tcp, "10.0.0.1:80".parse().unwrap());
        assert!(decision.is_private_denial());
        assert!(
            decision
                .denial_message(Connect, Tcp, &"10.0.0.1:80")
                .contains("--deny-private")
        );
        // Off again: `*` allows them.
        p.set_deny_private(false);
        assert!(
            p.check(Connect, Tcp, "10.0.0.1:80".parse().unwrap())
                .is_allowed()
        );
    }

    /// IPv6 forms that reach an IPv4 address meet that address's rules: every deny rule, and
    /// an allow rule where the mapping is certain.
    #[test]
    fn embedded_ipv4_is_matched_as_the_ipv4_address() {
        let deny = policy(&["allow connect tcp://*:*", "deny connect tcp://10.0.0.0/8:*"]);
        let rule = "deny connect tcp://10.0.0.0/8:*";
        // Teredo's client is the last 32 bits inverted: 10.0.0.1 is f5ff:fffe.
        for (v6, form) in [
            ("64:ff9b::a00:1", "NAT64"),
            ("64:ff9b::10.0.0.1", "NAT64"),
            ("64:ff9b:1:a00:1::", "local-use NAT64"),
            ("64:ff9b:1:0:a:0:100::", "local-use NAT64"),
            ("64:ff9b:1::10.0.0.1", "local-use NAT64"),
            ("2002:a00:1::1", "6to4"),
            ("2001:0:a00:1::1", "Teredo"),
            ("2001:0:5db8:d822::f5ff:fffe", "Teredo"),
            ("::ffff:0:10.0.0.1", "SIIT"),
            ("2001:db8::5efe:10.0.0.1", "ISATAP"),
            ("2001:db8::200:5efe:10.0.0.1", "ISATAP"),
        ] {
            let addr = SocketAddr::new(v6.parse().unwrap(), 80);
            let decision = deny.check(Connect, Tcp, addr);
            assert_eq!(summary(decision), rule, "{v6}");
            let message = decision.denial_message(Connect, Tcp, &addr);
            assert!(message.contains(form), "{v6}: {message}");
        }
        for v6 in [
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
            "2606:4700::1",
            "::1",
        ] {
            let addr = SocketAddr::new(v6.parse().unwrap(), 80);
            assert_eq!(
                summary(deny.check(Connect, Tcp, addr)),
                "allow connect tcp://*:*",
                "{v6}"
            );
        }
        // An allow rule for the IPv4 address allows the forms certain to reach it, and only
        // those.
        let allow = policy(&["allow connect tcp://93.184.216.34:443"]);
        for (v6, allowed) in [
            ("64:ff9b::5db8:d822", true),
            ("2002:5db8:d822::1", true),
            ("::ffff:0:93.184.216.34", true),
            ("64:ff9b:1::5db8:d822", false),
            ("2001:db8::5efe:93.184.216.34", false),
            ("2001:db8::5db8:d822", false),
        ] {
            let addr = SocketAddr::new(v6.parse().unwrap(), 443);
            assert_eq!(
                allow.check(Connect, Tcp, addr).is_allowed(),
                allowed,
                "{v6}"
            );
        }
        // A bind names a local address: no embedded forms there.
        let bind = policy(&["allow bind tcp://*:*", "deny bind tcp://10.0.0.0/8:*"]);
        let local = SocketAddr::new("2002:a00:1::1".parse().unwrap(), 80);
        assert!(bind.check_bind(Tcp, local, &[], false).is_allowed());
    }

    #[test]
    fn special_ranges_are_well_formed() {
        for range in SPECIAL_RANGES {
            let (net, len) = range
                .cidr
                .trim_start_matches('[')
                .split_once('/')
                .map_or((range.cidr.trim_matches(['[', ']']), None), |(n, l)| {
                    (n, Some(l.trim_end_matches(']')))
                });
            let ip: IpAddr = net.trim_end_matches(']').parse().unwrap();
            // Its first address is in it, and so is its rule form.
            assert_eq!(addr::special_range(ip).map(|r| r.cidr), Some(range.cidr));
            let rule = format!("connect tcp://{}:*", range.cidr);
            assert!(rule.parse::<Rule>().is_ok() || len.is_none(), "{rule}");
        }
    }

    #[test]
    fn resolved_names_allow_their_addresses_but_not_past_a_deny() {
        let mut p = policy(&[
            "allow connect tcp://api.example.com:443",
            "deny connect tcp://10.0.0.0/8:*",
        ]);
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let rebound: SocketAddr = "10.0.0.1:443".parse().unwrap();
        let name = &["api.example.com".to_owned()][..];
        assert!(!p.check(Connect, Tcp, public).is_allowed());
        assert_eq!(
            summary(p.check_resolved(Connect, Tcp, public, name)),
            "allow connect tcp://api.example.com:443"
        );
        assert_eq!(
            summary(p.check_resolved(Connect, Tcp, public, &["other.example.com".to_owned()])),
            DENIED
        );
        assert_eq!(
            summary(p.check_resolved(Connect, Tcp, "93.184.216.34:80".parse().unwrap(), name)),
            DENIED
        );
        assert_eq!(
            summary(p.check_resolved(Connect, Tcp, rebound, name)),
            "deny connect tcp://10.0.0.0/8:*"
        );
        p.set_deny_private(true);
        assert!(
            !p.check_resolved(Connect, Tcp, "192.168.0.1:443".parse().unwrap(), name)
                .is_allowed()
        );
    }

    /// Only an allow rule for packet or CAN sockets reveals an interface (besides `lo` and
    /// `--reveal-interfaces`), and only an allow rule for a link makes its sockets possible:
    /// a deny rule, or a rule of another kind, reveals and allows nothing.
    #[test]
    fn interfaces_are_revealed_by_link_allow_rules_only() {
        let other = policy(&["allow connect tcp://127.0.0.1:80"]);
        assert!(other.reveals_iface("lo"));
        assert!(!other.reveals_iface("eth9"));
        assert!(!other.allows_link(Link::Packet));
        let denied = policy(&["deny bind packet:eth1", "deny send can:vcan0"]);
        assert!(!denied.reveals_iface("eth1"));
        assert!(!denied.reveals_iface("vcan0"));
        assert!(!denied.allows_link(Link::Packet));
        assert!(!denied.allows_link(Link::Can));
        let allowed = policy(&["allow bind packet:eth1"]);
        assert!(allowed.reveals_iface("eth1"));
        assert!(!allowed.reveals_iface("eth2"));
        assert!(allowed.allows_link(Link::Packet));
        assert!(!allowed.allows_link(Link::Can));
        let mut all = policy(&[]);
        all.set_reveal_interfaces(true);
        assert!(all.reveals_iface("eth2"));
    }

    /// A reverse lookup needs `resolve *` itself: a rule for one name does not allow it.
    #[test]
    fn reverse_lookups_need_resolve_any() {
        assert!(
            !policy(&["allow resolve example.com"])
                .check_resolve_any()
                .is_allowed()
        );
        assert!(
            !policy(&["allow resolve *.example.com"])
                .check_resolve_any()
                .is_allowed()
        );
        assert!(
            !policy(&["allow connect tcp://*:*"])
                .check_resolve_any()
                .is_allowed()
        );
        assert!(
            policy(&["allow resolve *"])
                .check_resolve_any()
                .is_allowed()
        );
        let both = policy(&["allow resolve *", "deny resolve *"]);
        let denied = both.check_resolve_any();
        assert!(!denied.is_allowed());
        assert!(!denied.is_private_denial());
    }

    /// Under `--deny-private`, an allow rule that names a private address lets the guest reach
    /// it, and the decision says how: through the IPv4 address an IPv6 one embeds (NAT64
    /// here), or the address itself.
    #[test]
    fn explicit_private_allows_say_how_the_address_was_reached() {
        let mut p = policy(&[
            "allow connect tcp://10.0.0.0/8:80",
            "allow connect tcp://*:81",
        ]);
        p.set_deny_private(true);
        let direct = p.check(Connect, Tcp, "10.0.0.1:80".parse().unwrap());
        assert!(direct.is_allowed() && !direct.is_private_denial());
        assert_eq!(direct.via(), None);
        let nat64 = p.check(Connect, Tcp, "[64:ff9b::a00:1]:80".parse().unwrap());
        assert!(nat64.is_allowed(), "{nat64:?}");
        assert_eq!(
            nat64.via(),
            Some(Via::Ipv4(Ipv4Addr::new(10, 0, 0, 1), Form::Nat64))
        );
        // A rule that does not name the address does not let it through.
        let other = p.check(Connect, Tcp, "10.0.0.1:81".parse().unwrap());
        assert!(other.is_private_denial());
    }
}
