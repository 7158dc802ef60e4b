//! `host policy explain`: the decision `host run` would make, from the same decision functions
//! the guard enforces.
//!
//! A query is a verb and one target in the rule grammar (parsed by the rule parser, so a
//! target the grammar rejects is bad input): `connect tcp://10.0.0.1:22`, `bind
//! tcp://[::]:8080`, `resolve api.example.com`, `connect tcp://api.example.com:443`. A query
//! must name one thing: one protocol (`tcp` or `udp`), one port, one address or host name.
//!
//! - An address is decided as the guard decides it for a socket as a guest makes one by
//!   default: not bound yet (so a connect or send also binds implicitly) and, for IPv6,
//!   dual-stack (`IPV6_V6ONLY` off, Linux's default), so `bind tcp://[::]:80` is decided for
//!   `0.0.0.0` too.
//! - A host name is what a guest gets by resolving the name first: the `resolve` rules decide
//!   the lookup, then the rules for the name and for the address it resolved to decide the use.
//!   Give the addresses the name resolves to (`--resolved-to ADDR`, repeatable) and the answer
//!   is exactly the run's, address by address; without them it is the decision for an address
//!   that no address rule matches, with a note where an address could change it.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use crate::policy::{
    Decision, End, HostPattern, IfacePattern, NamePattern, Policy, Proto, Rule, Target,
    UnixPattern, UnixTarget, Verb, normal_name,
};

/// The answer of `host policy explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Whether the operation is allowed.
    pub allowed: bool,
    /// The deciding rule with its effect (`allow …`, `deny …`), `default deny`,
    /// `deny-private`, or `no rule denies it`.
    pub decided_by: String,
    /// The sentence the guest's error (or the host's log) would carry.
    pub message: String,
    /// What else the answer depends on.
    pub notes: Vec<String>,
}

impl Explanation {
    /// The exit status of `host policy explain`: 0 allowed, 1 denied.
    pub fn code(&self) -> i32 {
        if self.allowed { 0 } else { 1 }
    }

    fn of(decision: &Decision<'_>, verb: Verb, proto: Proto, target: &dyn fmt::Display) -> Self {
        Explanation {
            allowed: decision.is_allowed(),
            decided_by: decision
                .decided_by()
                .unwrap_or_else(|| "no rule denies it".to_owned()),
            message: decision.denial_message(verb, proto, target),
            notes: Vec::new(),
        }
    }
}

impl Explanation {
    /// The explanation of `decision` about a target written in full (`unix:/run/app.sock`).
    fn of_target(decision: &Decision<'_>, verb: Verb, target: &str) -> Self {
        Explanation {
            allowed: decision.is_allowed(),
            decided_by: decision
                .decided_by()
                .unwrap_or_else(|| "no rule denies it".to_owned()),
            message: decision.denial_message_for(verb, target),
            notes: Vec::new(),
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decision = if self.allowed { "allow" } else { "deny" };
        write!(
            f,
            "decision: {decision}\nrule: {}\n{}",
            self.decided_by, self.message
        )?;
        for note in &self.notes {
            write!(f, "\nnote: {note}")?;
        }
        Ok(())
    }
}

/// What a query assumes besides its target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assume {
    /// The addresses the host name in the target resolves to (`--resolved-to`).
    pub resolved_to: Vec<IpAddr>,
    /// The socket is IPv6-only (`IPV6_V6ONLY` set, `--v6only`), as every `std::net`
    /// (wasi:sockets) socket is: a bind of `[::]` binds IPv6 alone.
    pub v6only: bool,
}

/// What one query names.
enum Host {
    Addr(IpAddr),
    Name(String),
}

/// Decides `VERB TARGET` against `policy` as `host run` would (see the module documentation).
/// `resolved_to` are the addresses a host name resolves to; they are refused for an address
/// or for `resolve`.
///
/// # Errors
///
/// A message saying what is wrong with the query.
pub fn explain(
    policy: &Policy,
    verb: &str,
    target: &str,
    assume: &Assume,
) -> Result<Explanation, String> {
    let resolved_to = assume.resolved_to.as_slice();
    let dual_stack = !assume.v6only;
    let verb = Verb::parse(verb)
        .ok_or_else(|| format!("unknown verb {verb:?} (expected one of {})", Verb::names()))?;
    let rule = Rule::parse_query(&format!("{verb} {target}"))
        .map_err(|e| format!("invalid query {target:?}: {}", e.message()))?;
    let endpoint = match rule.target() {
        Target::Name(NamePattern::Exact(name)) => {
            if !resolved_to.is_empty() {
                return Err("--resolved-to applies to a host name in a PROTO://HOST:PORT query, not to resolve".to_owned());
            }
            let decision = policy.check_resolve(name);
            return Ok(Explanation::of(&decision, verb, Proto::Tcp, &target));
        }
        Target::Name(pattern) => {
            return Err(format!(
                "explain takes one host name, not the pattern {pattern}"
            ));
        }
        Target::Endpoint(endpoint) => endpoint,
        Target::Netlink(proto) => {
            if !resolved_to.is_empty() {
                return Err("--resolved-to applies to a host name, not to netlink".to_owned());
            }
            let decision = policy.check_netlink(*proto);
            return Ok(Explanation::of_target(&decision, verb, &proto.to_string()));
        }
        Target::Iface(link, pattern) => {
            if !resolved_to.is_empty() {
                return Err("--resolved-to applies to a host name, not to an interface".to_owned());
            }
            let name = match pattern {
                IfacePattern::Name(name) => name.as_str(),
                IfacePattern::Any => "",
                IfacePattern::Prefix(_) => {
                    return Err(format!(
                        "explain takes one interface (or * for all at once), not the pattern {pattern}"
                    ));
                }
            };
            let decision = policy.check_iface(verb, *link, name);
            return Ok(Explanation::of_target(
                &decision,
                verb,
                &crate::policy::iface_target(*link, name),
            ));
        }
        Target::Vsock(pattern) => {
            if !resolved_to.is_empty() {
                return Err("--resolved-to applies to a host name, not to vsock".to_owned());
            }
            let Some((cid, port)) = pattern.one() else {
                return Err(format!(
                    "explain takes one CID and one port, not the pattern {pattern}"
                ));
            };
            let decision = policy.check_vsock(verb, cid, port);
            return Ok(Explanation::of_target(
                &decision,
                verb,
                &crate::policy::vsock_target(cid, port),
            ));
        }
        Target::Unix(pattern) => {
            if !resolved_to.is_empty() {
                return Err("--resolved-to applies to a host name, not to a Unix socket".to_owned());
            }
            let target = match pattern {
                UnixPattern::Path(p) => UnixTarget::Path(p.as_bytes()),
                UnixPattern::Abstract(n) => UnixTarget::Abstract(n.as_bytes()),
                other => {
                    return Err(format!(
                        "explain takes one socket path or abstract name, not the pattern {other}"
                    ));
                }
            };
            // The guard decides a datagram from a Unix sender as it does for UDP.
            let decision = match verb {
                Verb::Recv => policy.check_unix_datagram_from(target),
                _ => policy.check_unix(verb, target),
            };
            return Ok(Explanation::of_target(
                &decision,
                verb,
                &pattern.to_string(),
            ));
        }
    };
    let proto = endpoint
        .proto()
        .ok_or_else(|| "explain takes one protocol (tcp, udp or icmp), not *".to_owned())?;
    let ports = endpoint.ports();
    // ICMP has no port: `icmp://HOST` is decided as the guard decides it, on port 0.
    if ports.first() != ports.last() && proto != Proto::Icmp {
        return Err(format!("explain takes one port, not the range {ports}"));
    }
    let port = match proto {
        Proto::Icmp => 0,
        _ => ports.first(),
    };
    let host = match endpoint.host() {
        HostPattern::Net(IpNet::V4(net)) if net.prefix_len() == 32 => Host::Addr(net.addr().into()),
        HostPattern::Net(IpNet::V6(net)) if net.prefix_len() == 128 => {
            Host::Addr(net.addr().into())
        }
        HostPattern::Name(name) => Host::Name(name.clone()),
        HostPattern::Localhost => Host::Name("localhost".to_owned()),
        other => {
            return Err(format!(
                "explain takes one address or host name, not the pattern {other}"
            ));
        }
    };
    // The target as the guest wrote it, for the message: what follows `PROTO://`.
    let shown = target
        .split_once("://")
        .map_or(target, |(_, rest)| rest)
        .to_owned();
    match host {
        Host::Addr(ip) => {
            if !resolved_to.is_empty() {
                return Err(format!(
                    "--resolved-to applies to a host name, and {ip} is an address"
                ));
            }
            let addr = SocketAddr::new(ip, port);
            Ok(address(policy, verb, proto, addr, &[], dual_stack, &shown))
        }
        Host::Name(name) => Ok(by_name(
            policy,
            verb,
            proto,
            (&name, port),
            resolved_to,
            dual_stack,
            &shown,
        )),
    }
}

/// The decision for `verb` with `addr` obtained from `names`, on a default socket (dual-stack
/// unless `dual_stack` is false): for a connect or send, the implicit bind of the unbound socket
/// too.
fn address(
    policy: &Policy,
    verb: Verb,
    proto: Proto,
    addr: SocketAddr,
    names: &[String],
    dual_stack: bool,
    shown: &str,
) -> Explanation {
    let v6 = addr.is_ipv6();
    let decision = match verb {
        Verb::Bind => policy.check_bind(proto, addr, names, v6 && dual_stack),
        Verb::Recv => policy.check_datagram_from(proto, addr, names),
        _ => policy.check_resolved(verb, proto, addr, names),
    };
    let mut explanation = Explanation::of(&decision, verb, proto, &shown);
    if decision.is_allowed() && matches!(verb, Verb::Connect | Verb::Send) {
        let implicit = policy.check_implicit_bind(proto, v6, v6 && dual_stack);
        if !implicit.is_allowed() {
            let wildcard = if v6 { "[::]:0" } else { "0.0.0.0:0" };
            explanation = Explanation::of(&implicit, Verb::Bind, proto, &wildcard);
            explanation.notes.push(format!(
                "a {verb} on a socket that is not bound yet binds it to {wildcard} first, and that bind is denied; bind the socket to an allowed address first"
            ));
        }
    }
    explanation
}

/// The decision for `verb` with the host name `name`: the lookup, then the use of each address
/// it resolves to (or, with none given, of an address no address rule matches).
fn by_name(
    policy: &Policy,
    verb: Verb,
    proto: Proto,
    (name, port): (&str, u16),
    resolved_to: &[IpAddr],
    dual_stack: bool,
    shown: &str,
) -> Explanation {
    let lookup = policy.check_resolve(name);
    if !lookup.is_allowed() {
        let mut explanation = Explanation::of(&lookup, Verb::Resolve, proto, &name);
        explanation.notes.push(format!(
            "a guest reaches {name} by resolving it first, and that lookup is denied"
        ));
        return explanation;
    }
    let names = match normal_name(name) {
        Some(normal) => vec![normal],
        None => Vec::new(),
    };
    if let Some((first, rest)) = resolved_to.split_first() {
        // Every address must be allowed: the guest may use any of them.
        let at = |ip: IpAddr| {
            let addr = SocketAddr::new(ip, port);
            address(policy, verb, proto, addr, &names, dual_stack, shown)
        };
        let mut answer = at(*first);
        for ip in rest {
            let next = at(*ip);
            if answer.allowed && !next.allowed {
                answer = next;
            }
        }
        return answer;
    }
    let decision = policy.check_name(verb, proto, name, port);
    let mut explanation = Explanation::of(&decision, verb, proto, &shown);
    if decision.is_allowed() {
        explanation.notes.push(format!(
            "this holds for an address {name} resolves to that no address rule denies{}; give the addresses with --resolved-to ADDR for the exact answer",
            if policy.denies_private() && verb.facts().end == End::Remote {
                " and that is not private (--deny-private)"
            } else {
                ""
            }
        ));
    } else {
        explanation.notes.push(format!(
            "an address {name} resolves to may still be allowed by an address rule; give the addresses with --resolved-to ADDR for the exact answer"
        ));
    }
    explanation
}

/// `host policy explain` as a function: the exit status (0 allowed, 1 denied, 2 bad input) and
/// what to print.
pub fn explain_code(policy: &Policy, verb: &str, target: &str, assume: &Assume) -> (i32, String) {
    match explain(policy, verb, target, assume) {
        Ok(explanation) => (explanation.code(), explanation.to_string()),
        Err(message) => (2, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(to: &[&str]) -> Assume {
        Assume {
            resolved_to: to.iter().map(|a| a.parse().unwrap()).collect(),
            v6only: false,
        }
    }

    fn policy(allow: &[&str], deny: &[&str], deny_private: bool) -> Policy {
        let mut p = Policy::deny_all();
        for r in allow {
            p.allow(r).unwrap();
        }
        for r in deny {
            p.deny(r).unwrap();
        }
        p.set_deny_private(deny_private);
        p
    }

    /// A guest may connect to 0.0.0.0 or `[::]`; the guard decides them as this host, and
    /// `explain` answers the same (found by the fuzz driver's audit oracle: `explain` refused
    /// the query `host run` had decided).
    #[test]
    fn unspecified_destinations_are_this_host() {
        let assume = Assume::default();
        let p = policy(
            &[
                "connect tcp://127.0.0.1:80",
                "send udp://[::1]:53",
                "bind tcp://0.0.0.0:*",
            ],
            &[],
            false,
        );
        for (verb, target, code) in [
            ("connect", "tcp://0.0.0.0:80", 0),
            ("connect", "tcp://0.0.0.0:81", 1),
            ("connect", "tcp://[::]:80", 1),
            ("send", "udp://[::]:53", 0),
            ("send", "udp://0.0.0.0:53", 1),
            ("bind", "tcp://0.0.0.0:8080", 0),
            ("bind", "tcp://127.0.0.1:8080", 1),
        ] {
            let (got, out) = explain_code(&p, verb, target, &assume);
            assert_eq!(got, code, "{verb} {target}: {out}");
            let mut guard = Policy::deny_all();
            guard.allow("connect tcp://127.0.0.1:80").unwrap();
            guard.allow("send udp://[::1]:53").unwrap();
            guard.allow("bind tcp://0.0.0.0:*").unwrap();
            let verb = Verb::parse(verb).unwrap();
            let (proto, addr) = target.split_once("://").unwrap();
            let proto = if proto == "tcp" {
                Proto::Tcp
            } else {
                Proto::Udp
            };
            let decided = guard.check(verb, proto, addr.parse().unwrap());
            assert_eq!(decided.is_allowed(), code == 0, "{verb} {target}");
        }
        // A rule still may not name them.
        assert!("connect tcp://0.0.0.0:80".parse::<Rule>().is_err());
    }

    /// A guest's IPv6 address may carry a scope id, which matching ignores: `explain` takes it
    /// (found by the fuzz driver's audit oracle, with `[::7f00:1%1107296512]`); a rule does not.
    #[test]
    fn scope_ids_are_ignored_in_queries() {
        let assume = Assume::default();
        let p = policy(
            &["connect tcp://[fe80::/10]:80", "connect tcp://127.0.0.1:*"],
            &[],
            false,
        );
        for (target, code) in [
            ("tcp://[fe80::1%eth0]:80", 0),
            ("tcp://[fe80::1%2]:80", 0),
            ("tcp://[fe80::1%2]:81", 1),
            ("tcp://[::7f00:1%1107296512]:0", 0),
            ("tcp://[::ffff:127.0.0.1%1]:9", 0),
            ("tcp://[fd00::1%1]:80", 1),
        ] {
            let (got, out) = explain_code(&p, "connect", target, &assume);
            assert_eq!(got, code, "{target}: {out}");
        }
        let (got, out) = explain_code(&p, "connect", "tcp://[fe80::1%2:80", &assume);
        assert_eq!(got, 2, "{out}");
        assert!("connect tcp://[fe80::1%eth0]:80".parse::<Rule>().is_err());
    }

    /// With several addresses for a name, every one must be allowed: the answer is the first
    /// denial, else the first address's allow.
    #[test]
    fn every_resolved_address_must_be_allowed() {
        let p = policy(
            &[
                "resolve *",
                "connect tcp://1.2.3.4:443",
                "connect tcp://5.6.7.8:443",
            ],
            &["connect tcp://10.0.0.0/8:*"],
            false,
        );
        let ask = |to: &[&str]| explain_code(&p, "connect", "tcp://api.test:443", &resolved(to));
        let (code, out) = ask(&["1.2.3.4", "5.6.7.8"]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("rule: allow connect tcp://1.2.3.4:443"),
            "{out}"
        );
        for to in [["1.2.3.4", "10.0.0.5"], ["10.0.0.5", "5.6.7.8"]] {
            let (code, out) = ask(&to);
            assert_eq!(code, 1, "{to:?}: {out}");
            assert!(
                out.contains("rule: deny connect tcp://10.0.0.0/8:*"),
                "{out}"
            );
        }
        let (code, out) = ask(&["1.2.3.4", "9.9.9.9", "10.0.0.5"]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("denied (no rule allows it)"), "{out}");
    }

    /// An explicit bind is decided by the bind rules alone: the implicit bind (and a deny rule
    /// for the wildcard it binds) matters only to a connect or send on an unbound socket.
    #[test]
    fn an_explicit_bind_is_not_an_implicit_one() {
        let p = policy(
            &["bind tcp://127.0.0.1:8080", "connect tcp://127.0.0.1:80"],
            &["bind tcp://0.0.0.0:*"],
            false,
        );
        let assume = Assume::default();
        let (code, out) = explain_code(&p, "bind", "tcp://127.0.0.1:8080", &assume);
        assert_eq!(code, 0, "{out}");
        let (code, out) = explain_code(&p, "connect", "tcp://127.0.0.1:80", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("rule: deny bind tcp://0.0.0.0:*"), "{out}");
        let (code, out) = explain_code(&p, "connect", "tcp://127.0.0.1:81", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("no rule allows it"), "{out}");
    }

    #[test]
    fn netlink_is_one_rule() {
        let assume = Assume::default();
        let p = policy(&["send netlink:route"], &[], false);
        let (code, out) = explain_code(&p, "send", "netlink:route", &assume);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("rule: allow send netlink:route"), "{out}");
        let none = policy(&[], &[], false);
        let (code, out) = explain_code(&none, "send", "netlink:route", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("send to netlink:route denied (no rule allows it)"),
            "{out}"
        );
        let (code, out) = explain_code(&p, "recv", "netlink:route", &assume);
        assert_eq!(code, 2, "{out}");
    }

    #[test]
    fn raw_is_decided_by_host_and_protocol() {
        let assume = Assume::default();
        let p = policy(
            &["send raw://127.0.0.0/8:253", "connect *://*:*"],
            &[],
            false,
        );
        let (code, out) = explain_code(&p, "send", "raw://127.0.0.1:253", &assume);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("rule: allow send raw://127.0.0.0/8:253"),
            "{out}"
        );
        let (code, out) = explain_code(&p, "send", "raw://127.0.0.1:6", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("send to raw://127.0.0.1:6 denied (no rule allows it)"),
            "{out}"
        );
        // `*://` covers no raw IP.
        let (code, out) = explain_code(&p, "connect", "raw://127.0.0.1:253", &assume);
        assert_eq!(code, 1, "{out}");
    }

    #[test]
    fn packet_is_decided_by_interface() {
        let assume = Assume::default();
        let p = policy(
            &["bind packet:veth*", "send packet:veth0"],
            &["bind packet:veth9"],
            false,
        );
        let (code, out) = explain_code(&p, "bind", "packet:veth1", &assume);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("rule: allow bind packet:veth*"), "{out}");
        let (code, out) = explain_code(&p, "bind", "packet:veth9", &assume);
        assert_eq!(code, 1, "{out}");
        let (code, out) = explain_code(&p, "send", "packet:veth1", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("send to packet:veth1 denied (no rule allows it)"),
            "{out}"
        );
        // Every interface at once: only packet:* covers it.
        let (code, out) = explain_code(&p, "bind", "packet:*", &assume);
        assert_eq!(code, 1, "{out}");
        let (code, out) = explain_code(&p, "bind", "packet:v*", &assume);
        assert_eq!(code, 2, "{out}");
        // can: rules are about CAN sockets only.
        let (code, out) = explain_code(&p, "bind", "can:veth1", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("bind to can:veth1 denied (no rule allows it)"),
            "{out}"
        );
    }

    #[test]
    fn vsock_is_decided_by_cid_and_port() {
        let assume = Assume::default();
        let p = policy(
            &["connect vsock://host:1024-2047", "bind vsock://any:*"],
            &["connect vsock://host:1500"],
            false,
        );
        let (code, out) = explain_code(&p, "connect", "vsock://2:1024", &assume);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("rule: allow connect vsock://host:1024-2047"),
            "{out}"
        );
        let (code, out) = explain_code(&p, "connect", "vsock://host:1500", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("denied by rule \"deny connect vsock://host:1500\""),
            "{out}"
        );
        let (code, out) = explain_code(&p, "connect", "vsock://3:1024", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("connect to vsock://3:1024 denied (no rule allows it)"),
            "{out}"
        );
        let (code, out) = explain_code(&p, "bind", "vsock://any:5000", &assume);
        assert_eq!(code, 0, "{out}");
        for (verb, target) in [
            ("connect", "vsock://*:1024"),
            ("connect", "vsock://2:1-2"),
            ("send", "vsock://2:1"),
        ] {
            let (code, out) = explain_code(&p, verb, target, &assume);
            assert_eq!(code, 2, "{verb} {target}: {out}");
        }
    }

    #[test]
    fn icmp_targets_have_no_port() {
        let p = policy(&["send icmp://127.0.0.0/8", "connect *://*:*"], &[], false);
        let assume = Assume::default();
        let (code, out) = explain_code(&p, "send", "icmp://127.0.0.1", &assume);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("rule: allow send icmp://127.0.0.0/8"), "{out}");
        // Its replies are admitted by the send rule; `*://` does not cover icmp.
        let (code, out) = explain_code(&p, "recv", "icmp://[::ffff:127.0.0.9]", &assume);
        assert_eq!(code, 0, "{out}");
        let (code, out) = explain_code(&p, "connect", "icmp://10.0.0.1", &assume);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("connect to icmp://10.0.0.1 denied"), "{out}");
        let (code, out) = explain_code(&p, "send", "icmp://127.0.0.1:7", &assume);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("icmp has no ports"), "{out}");
    }

    #[test]
    fn decides_like_the_runner_and_says_why() {
        let p = policy(
            &[
                "CONNECT tcp://Example.com.:443",
                "resolve example.com",
                "connect tcp://*:*",
                "bind tcp://[::]:8080",
            ],
            &["connect tcp://10.0.0.0/8:*"],
            false,
        );
        let cases: &[(&str, &str, &[&str], i32, &str)] = &[
            (
                "connect",
                "tcp://[::ffff:10.0.0.1]:22",
                &[],
                1,
                "rule: deny connect tcp://10.0.0.0/8:*",
            ),
            (
                "connect",
                "tcp://[64:ff9b::a00:1]:22",
                &[],
                1,
                "rule: deny connect tcp://10.0.0.0/8:*",
            ),
            (
                "connect",
                "tcp://[2002:a00:1::]:22",
                &[],
                1,
                "(10.0.0.1: the 6to4 address",
            ),
            (
                "connect",
                "tcp://1.2.3.4:80",
                &[],
                0,
                "rule: allow connect tcp://*:*",
            ),
            (
                "CONNECT",
                "TCP://EXAMPLE.COM:443",
                &[],
                0,
                "rule: allow connect tcp://example.com:443",
            ),
            (
                "connect",
                "tcp://example.com:443",
                &["10.1.1.1"],
                1,
                "rule: deny connect tcp://10.0.0.0/8:*",
            ),
            // A name nothing lets the guest resolve cannot be reached by name.
            (
                "connect",
                "tcp://other.test:443",
                &[],
                1,
                "rule: default deny\ncapsock policy: resolve other.test",
            ),
            ("connect", "udp://1.2.3.4:53", &[], 1, "rule: default deny"),
            ("bind", "tcp://127.0.0.1:80", &[], 1, "rule: default deny"),
            // Dual-stack by default: [::] binds 0.0.0.0 too.
            ("bind", "tcp://[::]:8080", &[], 1, "no rule allows 0.0.0.0"),
            (
                "resolve",
                "Example.COM.",
                &[],
                0,
                "rule: allow resolve example.com",
            ),
            ("resolve", "www.example.com", &[], 1, "rule: default deny"),
        ];
        for &(verb, target, to, code, needle) in cases {
            let assume = resolved(to);
            let (got, text) = explain_code(&p, verb, target, &assume);
            assert_eq!(got, code, "{verb} {target}: {text}");
            assert!(text.contains(needle), "{verb} {target}: {text}");
        }
        let (_, text) = explain_code(
            &p,
            "connect",
            "tcp://[::ffff:10.0.0.1]:22",
            &Assume::default(),
        );
        assert_eq!(
            text,
            "decision: deny\nrule: deny connect tcp://10.0.0.0/8:*\n\
             capsock policy: connect to tcp://[::ffff:10.0.0.1]:22 denied by rule \"deny connect tcp://10.0.0.0/8:*\""
        );
    }

    /// A query the rule grammar rejects is bad input (exit 2), with the grammar's reason; so is
    /// a pattern where one target is needed.
    #[test]
    fn takes_exactly_the_grammars_targets() {
        let p = policy(&["connect tcp://*:*", "resolve *"], &[], false);
        let cases: &[(&str, &str, &[&str], &str)] = &[
            ("connnect", "tcp://1.2.3.4:80", &[], "unknown verb"),
            ("connect", "1.2.3.4:80", &[], "expected PROTO://HOST:PORTS"),
            ("connect", "sctp://1.2.3.4:80", &[], "unknown protocol"),
            ("connect", "tcp://1.2.3.4", &[], "expected \":\" and a port"),
            ("connect", "tcp://1.2.3.4:70000", &[], "out of range"),
            ("connect", "tcp://::1:80", &[], "brackets"),
            ("connect", "tcp://[::1:80", &[], "missing \"]\""),
            ("connect", "tcp://:80", &[], "expected a host"),
            ("connect", "tcp://10.1:22", &[], "invalid IPv4 address"),
            ("connect", "tcp://*:80", &[], "one address or host name"),
            (
                "connect",
                "tcp://10.0.0.0/8:80",
                &[],
                "one address or host name",
            ),
            (
                "connect",
                "tcp://[fd00::/8]:80",
                &[],
                "one address or host name",
            ),
            (
                "connect",
                "tcp://*.example.com:80",
                &[],
                "one address or host name",
            ),
            ("connect", "tcp://1.2.3.4:1-9", &[], "one port"),
            ("connect", "*://1.2.3.4:80", &[], "one protocol"),
            ("accept", "udp://1.2.3.4:80", &[], "tcp only"),
            ("resolve", "tcp://x:1", &[], "resolve"),
            ("resolve", "*.example.com", &[], "one host name"),
            ("resolve", "example.com", &["1.2.3.4"], "--resolved-to"),
            ("connect", "tcp://1.2.3.4:80", &["1.2.3.4"], "--resolved-to"),
            ("connect", "tcp://-x.test:80", &[], ""),
        ];
        for &(verb, target, to, needle) in cases {
            let (code, text) = explain_code(&p, verb, target, &resolved(to));
            if needle.is_empty() {
                // A name may begin with '-': the grammar takes it.
                assert_eq!(code, 0, "{verb} {target}: {text}");
                continue;
            }
            assert_eq!(code, 2, "{verb} {target}: {text}");
            assert!(text.contains(needle), "{verb} {target}: {text}");
        }
    }

    #[test]
    fn deny_private_for_names_needs_the_address() {
        let p = policy(
            &[
                "resolve *",
                "connect tcp://api.internal.test:443",
                "connect tcp://10.1.0.0/16:443",
            ],
            &[],
            true,
        );
        let query =
            |to: &[&str]| explain_code(&p, "connect", "tcp://api.internal.test:443", &resolved(to));
        let (code, text) = query(&[]);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("not private (--deny-private)"), "{text}");
        let (code, text) = query(&["10.9.9.9"]);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("rule: deny-private"), "{text}");
        assert!(
            text.contains("10.9.9.9 is in 10.0.0.0/8, private (RFC 1918)"),
            "{text}"
        );
        let (code, text) = query(&["10.1.2.3"]);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("rule: allow connect tcp://10.1.0.0/16:443"),
            "{text}"
        );
        let (code, text) = query(&["93.184.216.34"]);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("rule: allow connect tcp://api.internal.test:443"),
            "{text}"
        );
    }

    #[test]
    fn unix_targets() {
        let p = policy(
            &["connect unix:/run/app/", "bind unix:@srv-*"],
            &["connect unix:/run/app/admin.sock"],
            false,
        );
        let cases: &[(&str, &str, i32, &str)] = &[
            (
                "connect",
                "unix:/run/app/a.sock",
                0,
                "rule: allow connect unix:/run/app/",
            ),
            (
                "connect",
                "unix:/run/app//./a.sock",
                0,
                "rule: allow connect unix:/run/app/",
            ),
            (
                "connect",
                "unix:/run/app/admin.sock",
                1,
                "rule: deny connect unix:/run/app/admin.sock",
            ),
            (
                "connect",
                "unix:/run/other.sock",
                1,
                "capsock policy: connect to unix:/run/other.sock denied (no rule allows it)",
            ),
            ("bind", "unix:@srv-1", 0, "rule: allow bind unix:@srv-*"),
            ("bind", "unix:@other", 1, "rule: default deny"),
            ("send", "unix:@srv-1", 1, "rule: default deny"),
            // A datagram from a socket the guest may connect to may reach it, as the guard
            // decides it.
            (
                "recv",
                "unix:/run/app/a.sock",
                0,
                "rule: allow connect unix:/run/app/",
            ),
        ];
        for &(verb, target, code, needle) in cases {
            let (got, text) = explain_code(&p, verb, target, &Assume::default());
            assert_eq!(got, code, "{verb} {target}: {text}");
            assert!(text.contains(needle), "{verb} {target}: {text}");
        }
        for (verb, target, needle) in [
            ("connect", "unix:/run/app/", "one socket path"),
            ("connect", "unix:@srv-*", "one socket path"),
            ("connect", "unix:run/a.sock", "absolute"),
            ("connect", "unix:/run/../etc", "\"..\""),
            ("accept", "unix:/run/a.sock", "tcp only"),
        ] {
            let (got, text) = explain_code(&p, verb, target, &Assume::default());
            assert_eq!(got, 2, "{verb} {target}: {text}");
            assert!(text.contains(needle), "{verb} {target}: {text}");
        }
    }
}
