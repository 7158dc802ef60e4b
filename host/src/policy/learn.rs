//! Learn mode (`host run --learn FILE`): record what a guest did under an allow-everything
//! policy, and write the smallest policy that allows exactly that.
//!
//! Rules are exact: one per verb, protocol, host and port (no ranges), except `accept`, whose
//! peer port is ephemeral (`:*`). Addresses the guest obtained by resolving a name are written
//! as that name (the enforcing run resolves it again and allows what it resolves to), and each
//! such name gets its `resolve` rule. Implicit binds need no rule and are not written.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use super::file::{Limits, PolicyFile};
use super::{HostPattern, Policy, Proto, Rule, Verb, addr};

/// What a guest did, as policy rules; shared by both doors (hence the lock).
#[derive(Debug, Default)]
pub struct Learner {
    inner: Mutex<Learned>,
}

#[derive(Debug, Default)]
struct Learned {
    /// (verb index, rule text): sorted by verb, then text.
    rules: BTreeSet<(usize, String)>,
    /// The first name each address was obtained from.
    names: HashMap<IpAddr, String>,
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
        ] {
            policy
                .allow(rule)
                .expect("the allow-everything rules are valid");
        }
        policy
    }

    fn insert(&self, verb: Verb, rule: String) {
        let index = Verb::ALL.iter().position(|v| *v == verb).unwrap_or(0);
        if let Ok(mut learned) = self.inner.lock() {
            learned.rules.insert((index, rule));
        }
    }

    /// The guest looked `name` up (forward) and got `addrs`.
    pub fn resolved(&self, name: &str, addrs: &[IpAddr]) {
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if name.parse::<IpAddr>().is_ok() || name.is_empty() {
            return;
        }
        self.insert(Verb::Resolve, format!("resolve {name}"));
        if let Ok(mut learned) = self.inner.lock() {
            for ip in addrs {
                learned
                    .names
                    .entry(addr::unmap(*ip))
                    .or_insert_with(|| name.clone());
            }
        }
    }

    /// The guest made a lookup only `resolve *` allows (a reverse lookup).
    pub fn resolved_any(&self) {
        self.insert(Verb::Resolve, "resolve *".to_owned());
    }

    /// The guest did `verb` over `proto` with `addr`.
    pub fn used(&self, verb: Verb, proto: Proto, addr: SocketAddr) {
        if verb == Verb::Resolve {
            return;
        }
        let ip = addr::normalize_for(verb, addr.ip());
        let name = match verb {
            Verb::Bind => None,
            _ => self
                .inner
                .lock()
                .ok()
                .and_then(|learned| learned.names.get(&ip).cloned()),
        };
        let host = match name {
            Some(name) => name,
            None => HostPattern::Net(ip.into()).to_string(),
        };
        let port = match verb {
            Verb::Accept => "*".to_owned(),
            _ => addr.port().to_string(),
        };
        self.insert(verb, format!("{verb} {proto}://{host}:{port}"));
    }

    /// The learned policy.
    pub fn policy(&self) -> Policy {
        let mut policy = Policy::deny_all();
        if let Ok(learned) = self.inner.lock() {
            for (_, text) in &learned.rules {
                if let Ok(rule) = text.parse::<Rule>() {
                    policy.allow_rule(rule);
                }
            }
        }
        policy
    }

    /// The learned policy as a policy file.
    pub fn to_toml(&self) -> String {
        let file = PolicyFile {
            policy: self.policy(),
            limits: Limits::default(),
        };
        format!(
            "# Learned by `host run --learn`: everything this run did, nothing more.\n{}",
            file.to_toml()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_exact_rules_and_prefers_resolved_names() {
        let learner = Learner::new();
        let localhost: IpAddr = "127.0.0.1".parse().unwrap();
        learner.resolved("LocalHost.", &[localhost]);
        learner.used(Verb::Connect, Proto::Tcp, "127.0.0.1:8080".parse().unwrap());
        learner.used(Verb::Connect, Proto::Tcp, "127.0.0.1:8080".parse().unwrap());
        learner.used(
            Verb::Connect,
            Proto::Tcp,
            "[::ffff:10.0.0.1]:22".parse().unwrap(),
        );
        learner.used(Verb::Send, Proto::Udp, "[::1]:53".parse().unwrap());
        learner.used(Verb::Bind, Proto::Tcp, "127.0.0.1:0".parse().unwrap());
        learner.used(Verb::Accept, Proto::Tcp, "127.0.0.1:40000".parse().unwrap());
        learner.resolved_any();
        let rules = learner.policy().rule_lines();
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
        let file = PolicyFile::parse(&learner.to_toml(), "learned").unwrap();
        assert_eq!(file.policy, learner.policy());
        // The learned policy allows what was done, and nothing next to it.
        let p = &file.policy;
        assert!(
            p.check(Verb::Connect, Proto::Tcp, "127.0.0.1:8080".parse().unwrap())
                .is_allowed()
        );
        assert!(
            !p.check(Verb::Connect, Proto::Tcp, "127.0.0.1:8081".parse().unwrap())
                .is_allowed()
        );
        assert!(
            !p.check(Verb::Connect, Proto::Tcp, "10.0.0.2:22".parse().unwrap())
                .is_allowed()
        );
    }
}
