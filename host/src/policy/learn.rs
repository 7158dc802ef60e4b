//! Learn mode (`host run --learn FILE`): record what a guest did under an allow-everything
//! policy, and write the smallest policy that allows exactly that.
//!
//! Rules are built as [`Rule`] values, never as text, so every use recorded is in the output.
//! They are exact: one per verb, protocol, host and port (no ranges), except `accept`, whose
//! peer port is ephemeral (`:*`). An address the guest obtained by resolving a name is written
//! as that name (the enforcing run resolves it again and allows what it resolves to), and each
//! such name gets its `resolve` rule; the file says, in a comment, that such a rule allows more
//! than the addresses the run used. Names are written in the form the guard matches them
//! ([`normal_name`]: IDNA, lower case, no trailing dot); a host that is a numeric address in
//! any form the C library reads (`127.1`, `0x7f.1`, `2130706433`, `::ffff:127.0.0.1`) is an
//! address, never a name. Implicit binds need no rule and are not written.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, MutexGuard};

use ipnet::IpNet;

use super::file::{Limits, PolicyFile};
use super::{
    End, HostPattern, Link, NamePattern, NetlinkProto, Policy, PortRange, Proto, Rule, Target,
    UnixTarget, Verb, addr, normal_name,
};

/// What a guest did, as policy rules; shared by both doors (hence the lock).
#[derive(Debug, Default)]
pub struct Learner {
    inner: Mutex<Learned>,
}

/// A learned rule's place in the file: by verb (in [`Verb::ALL`]'s order), then by its text.
type Key = (usize, String);

#[derive(Debug, Default)]
struct Learned {
    rules: BTreeMap<Key, Rule>,
    /// The first name each address was obtained from, by the address as the guard looks names
    /// up (IPv4-mapped IPv6 as IPv4).
    names: HashMap<IpAddr, String>,
    /// For each rule whose host is a name: the addresses the run used through it.
    through_names: BTreeMap<Key, BTreeSet<IpAddr>>,
    /// A reverse lookup was made (only `resolve *` allows one).
    reverse: bool,
    /// A peer was accepted (its rule allows every peer port).
    accepted: bool,
    /// Uses no rule could be built for (none, as the guard reports them): written as comments
    /// rather than lost.
    unwritten: BTreeSet<String>,
}

/// Most addresses a comment lists for one name rule.
const LISTED_ADDRESSES: usize = 8;

impl Learned {
    fn insert(&mut self, rule: Rule) -> Key {
        let key = (rule.verb() as usize, rule.to_string());
        self.rules.entry(key.clone()).or_insert(rule);
        key
    }
}

impl Learner {
    /// An empty record.
    pub fn new() -> Learner {
        Learner::default()
    }

    /// The policy a learning run uses: every verb allowed for every address and name.
    pub fn allow_everything() -> Policy {
        let mut policy = Policy::deny_all();
        for rule in [
            "connect *://*:*",
            "bind *://*:*",
            "accept tcp://*:*",
            "send udp://*:*",
            "recv udp://*:*",
            "resolve *",
            "connect unix:/",
            "connect unix:@*",
            "bind unix:/",
            "bind unix:@*",
            "send unix:/",
            "send unix:@*",
            "recv unix:/",
            "recv unix:@*",
        ] {
            policy
                .allow(rule)
                .expect("the allow-everything rules are valid");
        }
        policy
    }

    fn lock(&self) -> MutexGuard<'_, Learned> {
        // A panic elsewhere while the lock was held leaves a record that is still whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The guest looked `name` up (forward) and got `addrs`. A `name` that is a numeric address
    /// asked no one and needs no rule; a string that is not a host name is one no rule allows
    /// (the guard refuses it), so neither is recorded.
    pub fn resolved(&self, name: &str, addrs: &[IpAddr]) {
        let Some(name) = normal_name(name) else {
            return;
        };
        let mut learned = self.lock();
        match Rule::resolve(NamePattern::Exact(name.clone())) {
            Some(rule) => {
                learned.insert(rule);
            }
            None => {
                learned.unwritten.insert(format!("resolve {name}"));
            }
        }
        for ip in addrs {
            learned
                .names
                .entry(ip.to_canonical())
                .or_insert_with(|| name.clone());
        }
    }

    /// The guest made a lookup only `resolve *` allows (a reverse lookup).
    pub fn resolved_any(&self) {
        let mut learned = self.lock();
        if let Some(rule) = Rule::resolve(NamePattern::Any) {
            learned.insert(rule);
        }
        learned.reverse = true;
    }

    /// The guest did `verb` over `proto` with `addr`.
    pub fn used(&self, verb: Verb, proto: Proto, addr: SocketAddr) {
        let facts = verb.facts();
        if facts.end == End::Name {
            return;
        }
        // The address as the policy matches it; the name as the guard finds it (by the
        // address as the guest gave it, so that the enforcing run finds it too).
        let ip = addr::normalize_for(verb, addr.ip());
        let mut learned = self.lock();
        let name = match facts.end {
            End::Remote => learned.names.get(&addr.ip().to_canonical()).cloned(),
            End::Local | End::Name => None,
        };
        let host = match &name {
            Some(name) => HostPattern::Name(name.clone()),
            None => HostPattern::Net(IpNet::from(ip)),
        };
        let ports = match (verb, proto) {
            // A peer's port, and an ICMP echo identifier, are no service to name.
            (Verb::Accept, _) | (_, Proto::Icmp) => PortRange::ANY,
            _ => PortRange::new(addr.port(), addr.port()).unwrap_or(PortRange::ANY),
        };
        // A protocol the verb does not govern (never reported) is written as `*`.
        let proto = facts.protos.contains(&proto).then_some(proto);
        let Some(rule) = Rule::endpoint(verb, proto, host, ports) else {
            let target = match proto {
                Some(proto) => proto.target(addr),
                None => format!("*://{addr}"),
            };
            learned.unwritten.insert(format!("{} {target}", facts.name));
            return;
        };
        let key = learned.insert(rule);
        if name.is_some() {
            learned.through_names.entry(key).or_default().insert(ip);
        }
        learned.accepted |= verb == Verb::Accept;
    }

    /// The guest made a netlink socket of `proto` (and sent the kernel requests).
    pub fn used_netlink(&self, proto: NetlinkProto) {
        self.lock().insert(Rule::netlink(proto));
    }

    /// Records an allowed use of the interface `name` by a packet or CAN socket (`verb
    /// LINK:NAME`).
    pub fn used_iface(&self, verb: Verb, link: Link, name: &str) {
        if let Some(rule) = Rule::iface(verb, link, name) {
            self.lock().insert(rule);
        }
    }

    /// Records an allowed use of the vsock address `cid:port` (`verb vsock://CID:PORT`).
    pub fn used_vsock(&self, verb: Verb, cid: u32, port: u32) {
        if let Some(rule) = Rule::vsock(verb, cid, port) {
            self.lock().insert(rule);
        }
    }

    /// The guest did `verb` with the `AF_UNIX` address `target` (a path in normal form, or an
    /// abstract name).
    pub fn used_unix(&self, verb: Verb, target: UnixTarget<'_>) {
        let mut learned = self.lock();
        match Rule::unix(verb, target) {
            Some(rule) => {
                learned.insert(rule);
            }
            None => {
                learned
                    .unwritten
                    .insert(format!("{} {target}", verb.facts().name));
            }
        }
    }

    /// The learned rules, in the order the file lists them: by verb, then by text.
    pub fn rules(&self) -> Vec<Rule> {
        self.lock().rules.values().cloned().collect()
    }

    /// The learned policy.
    pub fn policy(&self) -> Policy {
        let mut policy = Policy::deny_all();
        for rule in self.lock().rules.values() {
            policy.allow_rule(rule.clone());
        }
        policy
    }

    /// The learned policy as a policy file, with a comment on each rule that allows more than
    /// the run did.
    pub fn to_toml(&self) -> String {
        let learned = self.lock();
        let mut out = String::from(
            "# Learned by `host run --learn`: everything this run did. Where a rule allows more,\n\
             # a comment below says what.\n",
        );
        for (key, ips) in &learned.through_names {
            let Some(rule) = learned.rules.get(key) else {
                continue;
            };
            out.push_str(&name_comment(rule, ips));
        }
        if learned.accepted {
            out.push_str(
                "# accept rules allow every peer port: a peer's port is ephemeral, chosen anew \
                 for each connection.\n",
            );
        }
        if learned.reverse {
            out.push_str(
                "# resolve * allows every lookup: the run made a reverse lookup (getnameinfo, \
                 gethostbyaddr), which only resolve * allows.\n",
            );
        }
        for use_ in &learned.unwritten {
            out.push_str(&format!("# not written (no rule can say it): {use_}\n"));
        }
        let mut policy = Policy::deny_all();
        for rule in learned.rules.values() {
            policy.allow_rule(rule.clone());
        }
        drop(learned);
        let file = PolicyFile {
            policy,
            limits: Limits::default(),
        };
        out.push_str(&file.to_toml());
        out
    }
}

/// The comment for a rule whose host is a name: what it allows beyond the addresses `ips`
/// the run used through it.
fn name_comment(rule: &Rule, ips: &BTreeSet<IpAddr>) -> String {
    let Target::Endpoint(endpoint) = rule.target() else {
        return String::new();
    };
    let host = endpoint.host();
    let loopback = match host {
        HostPattern::Localhost => ", and every loopback address",
        _ => "",
    };
    let mut used: Vec<String> = ips
        .iter()
        .take(LISTED_ADDRESSES)
        .map(|ip| HostPattern::Net(IpNet::from(*ip)).to_string())
        .collect();
    if ips.len() > LISTED_ADDRESSES {
        used.push(format!("{} more", ips.len() - LISTED_ADDRESSES));
    }
    format!(
        "# {rule} allows every address {host} resolves to{loopback}; the run used {}\n",
        used.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Decision;

    fn sa(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// One thing a guest did, as the guard reports it, and how the enforcing run decides it.
    #[derive(Clone, Debug)]
    enum Use {
        /// A forward lookup of a name (as the guest wrote it) answered with addresses.
        Resolved(&'static str, Vec<IpAddr>),
        /// A reverse lookup.
        Reverse,
        /// An address used for a verb; the names are those the guard remembers it by (the
        /// normal form of the names the guest resolved it from).
        Used(Verb, Proto, SocketAddr, Vec<String>),
    }

    fn feed(learner: &Learner, uses: &[Use]) {
        for use_ in uses {
            match use_ {
                Use::Resolved(name, addrs) => learner.resolved(name, addrs),
                Use::Reverse => learner.resolved_any(),
                Use::Used(verb, proto, addr, _) => learner.used(*verb, *proto, *addr),
            }
        }
    }

    /// How the enforcing run decides `use_` under `policy`.
    fn decide<'a>(policy: &'a Policy, use_: &'a Use) -> Vec<Decision<'a>> {
        match use_ {
            Use::Resolved(name, _) => match normal_name(name) {
                Some(_) => vec![policy.check_resolve(name)],
                // A numeric host asks no one: the guard needs no rule for it.
                None => vec![],
            },
            Use::Reverse => vec![policy.check_resolve_any()],
            Use::Used(Verb::Bind, proto, addr, names) => {
                vec![policy.check_bind(*proto, *addr, names, false)]
            }
            Use::Used(verb, proto, addr, names) => {
                vec![policy.check_resolved(*verb, *proto, *addr, names)]
            }
        }
    }

    /// The same use, one port further; for accept, whose port is `*`, from a neighbouring
    /// network (not loopback, which `localhost` allows), under no name.
    fn neighbour(use_: &Use) -> Option<Use> {
        let Use::Used(verb, proto, addr, names) = use_ else {
            return None;
        };
        let mut next = *addr;
        if *verb == Verb::Accept {
            next.set_ip(match addr.ip() {
                IpAddr::V4(v4) => IpAddr::V4((u32::from(v4) ^ 1 << 24).into()),
                IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) ^ 1 << 112).into()),
            });
            return Some(Use::Used(*verb, *proto, next, vec![]));
        }
        next.set_port(addr.port().wrapping_add(1));
        Some(Use::Used(*verb, *proto, next, names.clone()))
    }

    /// Learns `uses`, checks the file and the policy against them, and returns the rule lines.
    fn learn(uses: &[Use]) -> (Learner, Vec<String>) {
        let learner = Learner::new();
        feed(&learner, uses);
        let toml = learner.to_toml();
        let file = PolicyFile::parse(&toml, "learned").unwrap_or_else(|e| panic!("{e}\n{toml}"));
        assert_eq!(file.policy, learner.policy(), "{toml}");
        // Every rule prints a normal form that parses back to it.
        for rule in learner.rules() {
            let text = rule.to_string();
            assert_eq!(text.parse::<Rule>().as_ref(), Ok(&rule), "{text}");
        }
        // Every use is allowed by the file, and its neighbour is not.
        for use_ in uses {
            for decision in decide(&file.policy, use_) {
                assert!(decision.is_allowed(), "{use_:?}: {decision}\n{toml}");
            }
            if let Some(next) = neighbour(use_) {
                for decision in decide(&file.policy, &next) {
                    assert!(!decision.is_allowed(), "{next:?}: {decision}\n{toml}");
                }
            }
        }
        let lines = file.policy.rule_lines();
        (learner, lines)
    }

    fn used(verb: Verb, proto: Proto, addr: &str, names: &[&str]) -> Use {
        let names = names.iter().map(|n| (*n).to_owned()).collect();
        Use::Used(verb, proto, sa(addr), names)
    }

    /// `AF_UNIX` uses are learned as exact rules that allow exactly them.
    #[test]
    fn netlink_is_learned() {
        let learner = Learner::new();
        learner.used_netlink(NetlinkProto::Route);
        let text = learner.to_toml();
        assert!(text.contains("\"send netlink:route\""), "{text}");
        assert!(
            learner
                .policy()
                .check_netlink(NetlinkProto::Route)
                .is_allowed()
        );
    }

    #[test]
    fn raw_uses_are_learned_with_their_protocol() {
        let learner = Learner::new();
        learner.used(Verb::Send, Proto::Raw, "127.0.0.1:253".parse().unwrap());
        let text = learner.to_toml();
        assert!(text.contains("\"send raw://127.0.0.1:253\""), "{text}");
        let policy = learner.policy();
        assert!(policy.allows_raw());
        let at = |proto| SocketAddr::new("127.0.0.1".parse().unwrap(), proto);
        assert!(policy.check(Verb::Send, Proto::Raw, at(253)).is_allowed());
        assert!(!policy.check(Verb::Send, Proto::Raw, at(254)).is_allowed());
    }

    #[test]
    fn packet_interfaces_are_learned() {
        let learner = Learner::new();
        learner.used_iface(Verb::Bind, Link::Packet, "veth0");
        learner.used_iface(Verb::Send, Link::Packet, "");
        learner.used_iface(Verb::Connect, Link::Packet, "veth0");
        learner.used_iface(Verb::Bind, Link::Can, "vcan0");
        let text = learner.to_toml();
        assert!(text.contains("\"bind packet:veth0\""), "{text}");
        assert!(text.contains("\"send packet:*\""), "{text}");
        assert!(!text.contains("connect packet"), "{text}");
        assert!(text.contains("\"bind can:vcan0\""), "{text}");
        let policy = learner.policy();
        assert!(policy.allows_link(Link::Packet) && policy.allows_link(Link::Can));
        assert!(
            policy
                .check_iface(Verb::Bind, Link::Packet, "veth0")
                .is_allowed()
        );
        assert!(
            !policy
                .check_iface(Verb::Bind, Link::Packet, "veth1")
                .is_allowed()
        );
        assert!(
            policy
                .check_iface(Verb::Send, Link::Packet, "lo")
                .is_allowed()
        );
        assert!(
            !policy
                .check_iface(Verb::Send, Link::Can, "vcan0")
                .is_allowed()
        );
        assert!(
            !policy
                .check_iface(Verb::Bind, Link::Packet, "vcan0")
                .is_allowed()
        );
    }

    #[test]
    fn vsock_is_learned_exactly() {
        let learner = Learner::new();
        learner.used_vsock(Verb::Connect, 2, 1024);
        learner.used_vsock(Verb::Bind, u32::MAX, 5000);
        learner.used_vsock(Verb::Send, 2, 1);
        let text = learner.to_toml();
        assert!(text.contains("\"connect vsock://host:1024\""), "{text}");
        assert!(text.contains("\"bind vsock://any:5000\""), "{text}");
        assert!(!text.contains("send vsock"), "{text}");
        let policy = learner.policy();
        assert!(policy.check_vsock(Verb::Connect, 2, 1024).is_allowed());
        assert!(!policy.check_vsock(Verb::Connect, 2, 1025).is_allowed());
        assert!(policy.check_vsock(Verb::Bind, u32::MAX, 5000).is_allowed());
    }

    #[test]
    fn icmp_uses_are_learned_without_ports() {
        let learner = Learner::new();
        learner.used(Verb::Send, Proto::Icmp, "127.0.0.1:4242".parse().unwrap());
        learner.used(Verb::Send, Proto::Icmp, "127.0.0.1:7".parse().unwrap());
        learner.used(Verb::Send, Proto::Icmp, "[::1]:0".parse().unwrap());
        let text = learner.to_toml();
        assert!(text.contains("\"send icmp://127.0.0.1\""), "{text}");
        assert!(text.contains("\"send icmp://[::1]\""), "{text}");
        assert_eq!(text.matches("icmp://127.0.0.1").count(), 1, "{text}");
        let policy = learner.policy();
        let ping = "127.0.0.1:9".parse().unwrap();
        assert!(policy.check(Verb::Send, Proto::Icmp, ping).is_allowed());
        assert!(!policy.check(Verb::Send, Proto::Udp, ping).is_allowed());
    }

    #[test]
    fn unix_uses_are_learned_exactly() {
        let learner = Learner::new();
        learner.used_unix(Verb::Connect, UnixTarget::Path(b"/run/app/a.sock"));
        learner.used_unix(Verb::Bind, UnixTarget::Abstract(b"srv"));
        learner.used_unix(Verb::Send, UnixTarget::Path(b"/run/\xff.sock"));
        let text = learner.to_toml();
        assert!(text.contains("\"connect unix:/run/app/a.sock\""), "{text}");
        assert!(text.contains("\"bind unix:@srv\""), "{text}");
        // A path no rule can spell is said, not dropped.
        assert!(text.contains("send unix:/run/"), "{text}");
        let policy = learner.policy();
        let allowed = |verb, t| policy.check_unix(verb, t).is_allowed();
        assert!(allowed(Verb::Connect, UnixTarget::Path(b"/run/app/a.sock")));
        assert!(!allowed(
            Verb::Connect,
            UnixTarget::Path(b"/run/app/b.sock")
        ));
        assert!(allowed(Verb::Bind, UnixTarget::Abstract(b"srv")));
        assert!(!allowed(Verb::Bind, UnixTarget::Abstract(b"srv2")));
        let reparsed = PolicyFile::parse(&text, "learned").unwrap();
        assert_eq!(reparsed.policy, policy);
    }

    #[test]
    fn learns_exact_rules_and_prefers_resolved_names() {
        let localhost = ip("127.0.0.1");
        let uses = [
            Use::Resolved("LocalHost.", vec![localhost]),
            used(Verb::Connect, Proto::Tcp, "127.0.0.1:8080", &["localhost"]),
            used(Verb::Connect, Proto::Tcp, "127.0.0.1:8080", &["localhost"]),
            used(Verb::Connect, Proto::Tcp, "[::ffff:10.0.0.1]:22", &[]),
            used(Verb::Send, Proto::Udp, "[::1]:53", &[]),
            used(Verb::Bind, Proto::Tcp, "127.0.0.1:0", &[]),
            used(Verb::Accept, Proto::Tcp, "127.0.0.1:40000", &["localhost"]),
            Use::Reverse,
        ];
        let (learner, rules) = learn(&uses);
        assert_eq!(
            rules,
            [
                "allow connect tcp://10.0.0.1:22",
                "allow connect tcp://localhost:8080",
                "allow bind tcp://127.0.0.1:0",
                "allow accept tcp://localhost:*",
                "allow send udp://[::1]:53",
                "allow resolve *",
                "allow resolve localhost",
            ]
        );
        let toml = learner.to_toml();
        for comment in [
            "# connect tcp://localhost:8080 allows every address localhost resolves to, and every loopback address; the run used 127.0.0.1\n",
            "# accept tcp://localhost:* allows every address localhost resolves to, and every loopback address; the run used 127.0.0.1\n",
            "# accept rules allow every peer port",
            "# resolve * allows every lookup",
        ] {
            assert!(toml.contains(comment), "{comment:?} not in\n{toml}");
        }
        assert!(!toml.contains("not written"), "{toml}");
        // Nothing next to what was done.
        let p = learner.policy();
        assert!(
            !p.check(Verb::Connect, Proto::Tcp, sa("10.0.0.2:22"))
                .is_allowed()
        );
        assert!(
            !p.check(Verb::Connect, Proto::Udp, sa("10.0.0.1:22"))
                .is_allowed()
        );
        assert!(!p.check(Verb::Send, Proto::Udp, sa("[::2]:53")).is_allowed());
    }

    /// Every verb and protocol, IPv4, IPv6 and IPv4-mapped addresses (written as IPv4), a
    /// name: each use is in the file as its rule.
    #[test]
    fn every_verb_every_address_form() {
        let uses = [
            Use::Resolved(
                "api.example.com",
                vec![ip("93.184.216.34"), ip("2606:4700::1")],
            ),
            used(
                Verb::Connect,
                Proto::Tcp,
                "93.184.216.34:443",
                &["api.example.com"],
            ),
            used(
                Verb::Connect,
                Proto::Tcp,
                "[2606:4700::1]:443",
                &["api.example.com"],
            ),
            used(Verb::Connect, Proto::Udp, "[2001:db8::5]:53", &[]),
            used(Verb::Connect, Proto::Tcp, "[::ffff:192.0.2.7]:80", &[]),
            used(Verb::Connect, Proto::Tcp, "0.0.0.0:7", &[]),
            used(Verb::Bind, Proto::Tcp, "0.0.0.0:8000", &[]),
            used(Verb::Bind, Proto::Udp, "[::]:5353", &[]),
            used(Verb::Bind, Proto::Tcp, "[::ffff:127.0.0.1]:9000", &[]),
            used(Verb::Accept, Proto::Tcp, "[::ffff:10.1.2.3]:50000", &[]),
            used(Verb::Accept, Proto::Tcp, "[fd00::1]:50001", &[]),
            used(Verb::Send, Proto::Udp, "10.0.0.53:53", &[]),
            used(Verb::Send, Proto::Udp, "[fe80::1%2]:547", &[]),
            used(Verb::Recv, Proto::Udp, "10.0.0.53:53", &[]),
            used(Verb::Recv, Proto::Udp, "[::ffff:198.51.100.9]:123", &[]),
        ];
        let (learner, rules) = learn(&uses);
        let want = [
            "allow connect tcp://127.0.0.1:7",
            "allow connect tcp://192.0.2.7:80",
            "allow connect tcp://api.example.com:443",
            "allow connect udp://[2001:db8::5]:53",
            "allow bind tcp://0.0.0.0:8000",
            "allow bind tcp://127.0.0.1:9000",
            "allow bind udp://[::]:5353",
            "allow accept tcp://10.1.2.3:*",
            "allow accept tcp://[fd00::1]:*",
            "allow send udp://10.0.0.53:53",
            "allow send udp://[fe80::1]:547",
            "allow recv udp://10.0.0.53:53",
            "allow recv udp://198.51.100.9:123",
            "allow resolve api.example.com",
        ];
        assert_eq!(rules, want);
        // Every verb is there, and every rule is in the file.
        let toml = learner.to_toml();
        for verb in Verb::ALL {
            let name = verb.facts().name;
            assert!(
                rules
                    .iter()
                    .any(|r| r.starts_with(&format!("allow {name} "))),
                "{name}"
            );
        }
        for rule in want {
            let text = rule.strip_prefix("allow ").unwrap();
            assert!(
                toml.contains(&format!("\"{text}\"")),
                "{text} not in\n{toml}"
            );
        }
        assert!(toml.contains(
            "# connect tcp://api.example.com:443 allows every address api.example.com resolves \
             to; the run used 93.184.216.34, [2606:4700::1]\n"
        ));
    }

    /// Numeric hosts in inet_aton's forms, IPv6 and IPv4-mapped are addresses: no `resolve`
    /// rule, and what was reached through them is written as the address.
    #[test]
    fn numeric_hosts_are_addresses() {
        let loopback = ip("127.0.0.1");
        let uses = [
            Use::Resolved("127.1", vec![loopback]),
            Use::Resolved("0x7f.1", vec![loopback]),
            Use::Resolved("2130706433", vec![loopback]),
            Use::Resolved("0177.0.0.1.", vec![loopback]),
            Use::Resolved("::ffff:127.0.0.1", vec![loopback]),
            Use::Resolved("fe80::1%eth0", vec![ip("fe80::1")]),
            Use::Resolved("１２７．０．０．１", vec![loopback]),
            used(Verb::Connect, Proto::Tcp, "127.0.0.1:80", &[]),
            used(Verb::Connect, Proto::Tcp, "[fe80::1]:80", &[]),
        ];
        let (learner, rules) = learn(&uses);
        assert_eq!(
            rules,
            [
                "allow connect tcp://127.0.0.1:80",
                "allow connect tcp://[fe80::1]:80"
            ]
        );
        assert!(!learner.to_toml().contains("resolves to"));
    }

    /// Names are written as the guard matches them: IDNA, lower case, no trailing dot.
    #[test]
    fn names_in_normal_form() {
        let uses = [
            Use::Resolved("Bücher.Example.", vec![ip("192.0.2.1")]),
            Use::Resolved("API.Example.COM.", vec![ip("192.0.2.2")]),
            used(
                Verb::Connect,
                Proto::Tcp,
                "192.0.2.1:80",
                &["xn--bcher-kva.example"],
            ),
            used(
                Verb::Send,
                Proto::Udp,
                "[::ffff:192.0.2.2]:53",
                &["api.example.com"],
            ),
        ];
        let (learner, rules) = learn(&uses);
        assert_eq!(
            rules,
            [
                "allow connect tcp://xn--bcher-kva.example:80",
                "allow send udp://api.example.com:53",
                "allow resolve api.example.com",
                "allow resolve xn--bcher-kva.example",
            ]
        );
        let p = learner.policy();
        assert!(p.check_resolve("bücher.example").is_allowed());
        assert!(p.check_resolve("api.example.com.").is_allowed());
        assert!(!p.check_resolve("example.com").is_allowed());
        // A name rule does not allow the bare address, nor the address under another name.
        assert!(
            !p.check(Verb::Connect, Proto::Tcp, sa("192.0.2.1:80"))
                .is_allowed()
        );
        let other = ["other.example".to_owned()];
        let decision = p.check_resolved(Verb::Connect, Proto::Tcp, sa("192.0.2.1:80"), &other);
        assert!(!decision.is_allowed());
        let toml = learner.to_toml();
        assert!(toml.contains(
            "# send udp://api.example.com:53 allows every address api.example.com resolves to; \
             the run used 192.0.2.2\n"
        ));
        assert!(!toml.contains("loopback"), "{toml}");
    }

    /// The name comes from the address as the guest used it, as the guard looks it up: an
    /// address a name resolved to but used as `0.0.0.0` or IPv4-compatible is an address.
    #[test]
    fn names_are_found_as_the_guard_finds_them() {
        let uses = [
            Use::Resolved("lo.example", vec![ip("127.0.0.1"), ip("10.0.0.1")]),
            used(Verb::Connect, Proto::Tcp, "0.0.0.0:80", &[]),
            used(Verb::Connect, Proto::Tcp, "[::10.0.0.1]:80", &[]),
            used(
                Verb::Connect,
                Proto::Tcp,
                "[::ffff:10.0.0.1]:81",
                &["lo.example"],
            ),
            used(Verb::Bind, Proto::Tcp, "10.0.0.1:82", &[]),
        ];
        let (_, rules) = learn(&uses);
        assert_eq!(
            rules,
            [
                "allow connect tcp://10.0.0.1:80",
                "allow connect tcp://127.0.0.1:80",
                "allow connect tcp://lo.example:81",
                "allow bind tcp://10.0.0.1:82",
                "allow resolve lo.example",
            ]
        );
    }

    /// The constructors give the parser's normal form, and refuse what it refuses.
    #[test]
    fn built_rules_are_in_normal_form() {
        let net = |text: &str| HostPattern::Net(text.parse().unwrap());
        let port = |p| PortRange::new(p, p).unwrap();
        let built = [
            (
                Rule::endpoint(
                    Verb::Connect,
                    Some(Proto::Tcp),
                    net("::ffff:10.0.0.1/128"),
                    port(1),
                ),
                "connect tcp://10.0.0.1:1",
            ),
            (
                Rule::endpoint(
                    Verb::Connect,
                    None,
                    HostPattern::Name("LocalHost.".into()),
                    port(2),
                ),
                "connect *://localhost:2",
            ),
            (
                Rule::endpoint(
                    Verb::Send,
                    Some(Proto::Udp),
                    net("::ffff:10.0.0.0/104"),
                    PortRange::ANY,
                ),
                "send udp://10.0.0.0/8:*",
            ),
            (
                Rule::endpoint(Verb::Bind, Some(Proto::Udp), net("::/128"), port(0)),
                "bind udp://[::]:0",
            ),
            (
                Rule::endpoint(
                    Verb::Recv,
                    Some(Proto::Udp),
                    HostPattern::Subdomains("Example.COM".into()),
                    port(3),
                ),
                "recv udp://*.example.com:3",
            ),
            (
                Rule::resolve(NamePattern::Exact("A.B.".into())),
                "resolve a.b",
            ),
            (
                Rule::resolve(NamePattern::Subdomains("Example.com".into())),
                "resolve *.example.com",
            ),
        ];
        for (rule, want) in built {
            let rule = rule.unwrap_or_else(|| panic!("{want} not built"));
            assert_eq!(rule.to_string(), want);
            assert_eq!(want.parse::<Rule>(), Ok(rule));
        }
        let refused = [
            Rule::endpoint(Verb::Resolve, None, HostPattern::Any, PortRange::ANY),
            Rule::endpoint(
                Verb::Accept,
                Some(Proto::Udp),
                HostPattern::Any,
                PortRange::ANY,
            ),
            Rule::endpoint(
                Verb::Send,
                Some(Proto::Tcp),
                HostPattern::Any,
                PortRange::ANY,
            ),
            Rule::endpoint(Verb::Connect, None, net("0.0.0.0/32"), PortRange::ANY),
            Rule::endpoint(
                Verb::Connect,
                None,
                net("::ffff:0.0.0.0/128"),
                PortRange::ANY,
            ),
            Rule::endpoint(Verb::Connect, None, net("10.0.0.1/8"), PortRange::ANY),
            Rule::endpoint(Verb::Connect, None, net("::a00:0/104"), PortRange::ANY),
            Rule::endpoint(
                Verb::Connect,
                None,
                HostPattern::Name("1.2.3.4".into()),
                PortRange::ANY,
            ),
            Rule::endpoint(
                Verb::Connect,
                None,
                HostPattern::Name("bücher.example".into()),
                PortRange::ANY,
            ),
            Rule::endpoint(
                Verb::Connect,
                None,
                HostPattern::Subdomains("1.2".into()),
                PortRange::ANY,
            ),
            Rule::resolve(NamePattern::Exact("a..b".into())),
            Rule::resolve(NamePattern::Exact(String::new())),
        ];
        for rule in refused {
            assert_eq!(rule, None);
        }
    }

    /// A learning run lets the guest do everything, so that everything it does is recorded.
    #[test]
    fn a_learning_run_allows_everything() {
        let p = Learner::allow_everything();
        for (verb, proto, addr) in [
            (Verb::Connect, Proto::Tcp, "10.1.2.3:22"),
            (Verb::Bind, Proto::Udp, "[::]:53"),
            (Verb::Accept, Proto::Tcp, "192.0.2.7:4000"),
            (Verb::Send, Proto::Udp, "[2001:db8::1]:9"),
        ] {
            assert!(
                p.check(verb, proto, addr.parse().unwrap()).is_allowed(),
                "{verb} {addr}"
            );
        }
        assert!(p.check_resolve("anything.example").is_allowed());
        assert!(p.check_resolve_any().is_allowed());
        assert!(
            p.check_unix(Verb::Connect, UnixTarget::Path(b"/run/x.sock"))
                .is_allowed()
        );
        assert!(
            p.check_unix(Verb::Bind, UnixTarget::Abstract(b"x"))
                .is_allowed()
        );
    }

    /// The record lists the rules it learned, and its file says only what applies: the note
    /// on accept rules once a peer was accepted.
    #[test]
    fn the_record_says_only_what_applies() {
        let learner = Learner::new();
        learner.used(Verb::Connect, Proto::Tcp, "10.0.0.1:22".parse().unwrap());
        let rules: Vec<String> = learner.rules().iter().map(Rule::to_string).collect();
        assert_eq!(rules, ["connect tcp://10.0.0.1:22"]);
        assert!(!learner.to_toml().contains("# accept rules"));
        learner.used(Verb::Accept, Proto::Tcp, "10.0.0.2:40000".parse().unwrap());
        assert!(
            learner
                .to_toml()
                .contains("# accept rules allow every peer port")
        );
    }

    /// A name's comment lists at most eight of the addresses the run used through it, then
    /// how many more.
    #[test]
    fn name_comments_list_eight_addresses() {
        let addrs: Vec<IpAddr> = (1..=9).map(|n| IpAddr::from([192, 0, 2, n])).collect();
        let learner = Learner::new();
        learner.resolved("svc.test", &addrs);
        for ip in &addrs[..8] {
            learner.used(Verb::Connect, Proto::Tcp, SocketAddr::new(*ip, 443));
        }
        let toml = learner.to_toml();
        assert!(
            toml.contains("the run used 192.0.2.1, 192.0.2.2,"),
            "{toml}"
        );
        assert!(toml.contains("192.0.2.8\n"), "{toml}");
        assert!(!toml.contains(" more\n"), "{toml}");
        learner.used(Verb::Connect, Proto::Tcp, SocketAddr::new(addrs[8], 443));
        let toml = learner.to_toml();
        assert!(toml.contains("192.0.2.8, 1 more\n"), "{toml}");
    }
}
