//! Policy files and `host policy explain`.
//!
//! A policy file is TOML with the rule strings of the command line:
//!
//! ```toml
//! allow = ["connect tcp://api.example.com:443", "resolve api.example.com"]
//! deny = ["connect tcp://10.0.0.0/8:*"]
//! deny-private = false        # optional: the same as --deny-private
//! [limits]
//! max-sockets = 256
//! ```
//!
//! Unknown keys are rejected, and a bad rule is reported with the file, the list and index of
//! the rule, its position and what was expected:
//! `p.toml: allow[1]: invalid rule "connect tcp://1.2.3.4:99999": at 22: port 99999 is out of range (0-65535)`.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::Path;

use serde::Deserialize;

use super::{Decision, Effect, Policy, Proto, Verb};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFile {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default)]
    deny_private: bool,
    #[serde(default)]
    limits: RawLimits,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    max_sockets: Option<usize>,
}

/// The `[limits]` table of a policy file; `None` where the file sets nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `max-sockets`: the most sockets the guest may hold open at once.
    pub max_sockets: Option<usize>,
}

/// A parsed policy file: its rules (and `deny-private`) and its limits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyFile {
    /// The rules: the file's allow rules, then its deny rules.
    pub policy: Policy,
    /// The limits.
    pub limits: Limits,
}

/// Why a policy file was rejected; `Display` starts with the file's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyFileError {
    origin: String,
    message: String,
}

impl PolicyFileError {
    /// What is wrong, without the file name.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PolicyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

impl std::error::Error for PolicyFileError {}

impl PolicyFile {
    /// Parses the text of a policy file; `origin` (usually its path) names it in errors.
    ///
    /// # Errors
    ///
    /// TOML syntax errors, unknown keys, values of the wrong type, and invalid rules.
    pub fn parse(text: &str, origin: &str) -> Result<PolicyFile, PolicyFileError> {
        let error = |message: String| PolicyFileError {
            origin: origin.to_owned(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        let mut policy = Policy::deny_all();
        for (i, rule) in raw.allow.iter().enumerate() {
            policy
                .allow(rule)
                .map_err(|e| error(format!("allow[{i}]: {e}")))?;
        }
        for (i, rule) in raw.deny.iter().enumerate() {
            policy
                .deny(rule)
                .map_err(|e| error(format!("deny[{i}]: {e}")))?;
        }
        policy.set_deny_private(raw.deny_private);
        Ok(PolicyFile {
            policy,
            limits: Limits {
                max_sockets: raw.limits.max_sockets,
            },
        })
    }

    /// Reads and parses the policy file at `path`.
    ///
    /// # Errors
    ///
    /// If the file cannot be read, or as [`PolicyFile::parse`].
    pub fn load(path: &Path) -> Result<PolicyFile, PolicyFileError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyFileError {
            origin: origin.clone(),
            message: format!("cannot read the policy file: {e}"),
        })?;
        PolicyFile::parse(&text, &origin)
    }

    /// The file in normal form: normalised rules, allow then deny, and the limits that are
    /// set. It parses back to an equal [`PolicyFile`].
    pub fn to_toml(&self) -> String {
        let list = |effect: Effect| -> String {
            let rules: Vec<String> = self
                .policy
                .rules()
                .filter(|(e, _)| *e == effect)
                .map(|(_, rule)| format!("  {},\n", toml_string(&rule.to_string())))
                .collect();
            if rules.is_empty() {
                "[]".to_owned()
            } else {
                format!("[\n{}]", rules.concat())
            }
        };
        let mut out = format!(
            "allow = {}\ndeny = {}\n",
            list(Effect::Allow),
            list(Effect::Deny)
        );
        if self.policy.denies_private() {
            out.push_str("deny-private = true\n");
        }
        if let Some(n) = self.limits.max_sockets {
            out.push_str(&format!("\n[limits]\nmax-sockets = {n}\n"));
        }
        out
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The answer of `host policy explain`: the decision, the rule that made it, and the message a
/// guest would see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Whether the operation is allowed.
    pub allowed: bool,
    /// The deciding rule with its effect (`allow …`, `deny …`), `default deny` or
    /// `deny-private`.
    pub decided_by: String,
    /// The sentence the guest's error (or the host's log) would carry.
    pub message: String,
}

impl Explanation {
    /// The exit status of `host policy explain`: 0 allowed, 1 denied.
    pub fn code(&self) -> i32 {
        if self.allowed { 0 } else { 1 }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decision = if self.allowed { "allow" } else { "deny" };
        write!(
            f,
            "decision: {decision}\nrule: {}\n{}",
            self.decided_by, self.message
        )
    }
}

/// Decides `VERB URL` against `policy` with the very checks `host run` makes: `URL` is
/// `tcp://HOST:PORT` or `udp://HOST:PORT` for connect, bind, accept, send and recv, and a host
/// name for resolve. A HOST that is an address (`10.0.0.1`, `[::ffff:10.0.0.1]`, `10.1`) goes
/// to [`Policy::check`], a name to [`Policy::check_name`].
///
/// # Errors
///
/// A message saying what is wrong with `verb` or `url`.
pub fn explain(policy: &Policy, verb: &str, url: &str) -> Result<Explanation, String> {
    let verb = Verb::ALL
        .into_iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(verb))
        .ok_or_else(|| {
            format!("unknown verb {verb:?} (expected connect, bind, accept, send, recv or resolve)")
        })?;
    if verb == Verb::Resolve {
        if url.is_empty() || url.contains("://") {
            return Err(format!(
                "resolve takes a host name, e.g. example.com, not {url:?}"
            ));
        }
        let decision = policy.check_resolve(url);
        return Ok(explanation(decision, verb, Proto::Tcp, &url));
    }
    let (proto_text, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("expected tcp://HOST:PORT or udp://HOST:PORT, not {url:?}"))?;
    let proto = match proto_text.to_ascii_lowercase().as_str() {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => {
            return Err(format!(
                "unknown protocol {proto_text:?} (expected tcp or udp)"
            ));
        }
    };
    let (host, port_text) = if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("missing \"]\" in {url:?}"))?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| format!("expected \":PORT\" after \"]\" in {url:?}"))?;
        (host, port)
    } else {
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| format!("expected HOST:PORT after \"://\" in {url:?}"))?;
        if host.contains(':') {
            return Err(format!(
                "an IPv6 address must be in brackets, e.g. tcp://[::1]:443, not {url:?}"
            ));
        }
        (host, port)
    };
    let port: u16 = port_text
        .parse()
        .map_err(|_| format!("invalid port {port_text:?} (expected a number 0-65535)"))?;
    if host.is_empty() {
        return Err(format!("expected a host after \"://\" in {url:?}"));
    }
    let scoped = host
        .split_once('%')
        .and_then(|(a, _)| a.parse::<Ipv6Addr>().ok());
    let decision = match (host.parse::<IpAddr>().ok(), scoped) {
        (Some(ip), _) => policy.check(verb, proto, SocketAddr::new(ip, port)),
        (None, Some(v6)) => policy.check(verb, proto, SocketAddr::new(IpAddr::V6(v6), port)),
        (None, None) => policy.check_name(verb, proto, host, port),
    };
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok(explanation(decision, verb, proto, &target))
}

fn explanation(
    decision: Decision<'_>,
    verb: Verb,
    proto: Proto,
    target: &dyn fmt::Display,
) -> Explanation {
    Explanation {
        allowed: decision.is_allowed(),
        decided_by: decision
            .decided_by()
            .unwrap_or_else(|| "no rule denies it".to_owned()),
        message: decision.denial_message(verb, proto, target),
    }
}

/// `host policy explain` as a function: the exit status (0 allowed, 1 denied, 2 bad input) and
/// what to print.
pub fn explain_code(policy: &Policy, verb: &str, url: &str) -> (i32, String) {
    match explain(policy, verb, url) {
        Ok(explanation) => (explanation.code(), explanation.to_string()),
        Err(message) => (2, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
allow = ["CONNECT tcp://Example.com.:443", "resolve example.com", "connect tcp://*:*"]
deny = ["connect tcp://10.0.0.0/8:*"]
[limits]
max-sockets = 16
"#;

    #[test]
    fn parses_and_prints_the_normal_form() {
        let file = PolicyFile::parse(GOOD, "p.toml").unwrap();
        assert_eq!(file.limits.max_sockets, Some(16));
        let text = file.to_toml();
        assert_eq!(
            text,
            "allow = [\n  \"connect tcp://example.com:443\",\n  \"resolve example.com\",\n  \"connect tcp://*:*\",\n]\n\
             deny = [\n  \"connect tcp://10.0.0.0/8:*\",\n]\n\n[limits]\nmax-sockets = 16\n"
        );
        assert_eq!(PolicyFile::parse(&text, "again").unwrap(), file);
        let empty = PolicyFile::parse("", "e.toml").unwrap();
        assert_eq!(empty, PolicyFile::default());
        assert_eq!(empty.to_toml(), "allow = []\ndeny = []\n");
        let private = PolicyFile::parse("deny-private = true", "d.toml").unwrap();
        assert!(private.policy.denies_private());
        assert_eq!(
            private.to_toml(),
            "allow = []\ndeny = []\ndeny-private = true\n"
        );
    }

    #[test]
    fn rejects_with_file_index_position_and_expectation() {
        let cases = [
            (
                r#"allow = ["resolve *", "connect tcp://1.2.3.4:99999"]"#,
                r#"p.toml: allow[1]: invalid rule "connect tcp://1.2.3.4:99999": at 22: port 99999 is out of range (0-65535)"#,
            ),
            (
                r#"deny = ["frobnicate tcp://*:*"]"#,
                r#"p.toml: deny[0]: invalid rule "frobnicate tcp://*:*": at 0: unknown verb "frobnicate" (expected one of connect, bind, accept, send, recv, resolve)"#,
            ),
        ];
        for (text, want) in cases {
            let error = PolicyFile::parse(text, "p.toml").unwrap_err();
            assert_eq!(error.to_string(), want);
        }
        // Unknown keys, wrong types and bad TOML are rejected with the file's name and the
        // offending key.
        for (text, needle) in [
            ("allow = []\nalow = []", "unknown field `alow`"),
            ("[limits]\nmax-socket = 3", "unknown field `max-socket`"),
            ("[limit]\nmax-sockets = 3", "unknown field `limit`"),
            ("allow = \"connect tcp://*:*\"", "invalid type"),
            ("[limits]\nmax-sockets = -1", "max-sockets"),
            ("allow = [", "p.toml: "),
        ] {
            let error = PolicyFile::parse(text, "p.toml").unwrap_err().to_string();
            assert!(error.starts_with("p.toml: "), "{error}");
            assert!(error.contains(needle), "{text:?}: {error}");
        }
    }

    #[test]
    fn explain_decides_like_the_runner() {
        let file = PolicyFile::parse(GOOD, "p.toml").unwrap();
        let p = &file.policy;
        let cases: &[(&str, &str, i32, &str)] = &[
            (
                "connect",
                "tcp://[::ffff:10.0.0.1]:22",
                1,
                "rule: deny connect tcp://10.0.0.0/8:*",
            ),
            (
                "connect",
                "tcp://10.1:22",
                1,
                "rule: deny connect tcp://10.0.0.0/8:*",
            ),
            (
                "connect",
                "tcp://1.2.3.4:80",
                0,
                "rule: allow connect tcp://*:*",
            ),
            (
                "CONNECT",
                "TCP://EXAMPLE.COM:443",
                0,
                "rule: allow connect tcp://example.com:443",
            ),
            ("connect", "udp://1.2.3.4:53", 1, "rule: default deny"),
            ("bind", "tcp://127.0.0.1:80", 1, "rule: default deny"),
            (
                "resolve",
                "Example.COM.",
                0,
                "rule: allow resolve example.com",
            ),
            ("resolve", "www.example.com", 1, "rule: default deny"),
            (
                "connect",
                "tcp://[fe80::1%eth0]:80",
                0,
                "rule: allow connect tcp://*:*",
            ),
            // Bad input: exit 2.
            ("connnect", "tcp://1.2.3.4:80", 2, "unknown verb"),
            ("connect", "1.2.3.4:80", 2, "expected tcp://HOST:PORT"),
            ("connect", "sctp://1.2.3.4:80", 2, "unknown protocol"),
            ("connect", "tcp://1.2.3.4", 2, "expected HOST:PORT"),
            ("connect", "tcp://1.2.3.4:70000", 2, "invalid port"),
            ("connect", "tcp://::1:80", 2, "brackets"),
            ("connect", "tcp://[::1:80", 2, "missing \"]\""),
            ("connect", "tcp://:80", 2, "expected a host"),
            ("resolve", "tcp://x:1", 2, "resolve takes a host name"),
        ];
        for &(verb, url, code, needle) in cases {
            let (got, text) = explain_code(p, verb, url);
            assert_eq!(got, code, "{verb} {url}: {text}");
            assert!(text.contains(needle), "{verb} {url}: {text}");
        }
        let (_, text) = explain_code(p, "connect", "tcp://[::ffff:10.0.0.1]:22");
        assert_eq!(
            text,
            "decision: deny\nrule: deny connect tcp://10.0.0.0/8:*\n\
             capsock policy: connect to tcp://[::ffff:10.0.0.1]:22 denied by rule \"deny connect tcp://10.0.0.0/8:*\""
        );
    }
}
