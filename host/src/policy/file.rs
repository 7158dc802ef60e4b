//! Policy files.
//!
//! A policy file is TOML with the rule strings of the command line:
//!
//! ```toml
//! allow = ["connect tcp://api.example.com:443", "resolve api.example.com"]
//! deny = ["connect tcp://10.0.0.0/8:*"]
//! deny-private = false        # optional: the same as --deny-private
//! [limits]
//! max-sockets = 256
//! max-memory = "64MiB"        # the guest's linear memory; bytes, or a size like "512KiB"
//! ```
//!
//! Unknown keys are rejected, and a bad rule is reported with the file, the list and index of
//! the rule, its position and what was expected:
//! `p.toml: allow[1]: invalid rule "connect tcp://1.2.3.4:99999": at 22: port 99999 is out of range (0-65535)`.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use super::{Effect, Policy};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFile {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default)]
    deny_private: bool,
    hostname: Option<String>,
    #[serde(default)]
    reveal_interfaces: bool,
    #[serde(default)]
    limits: RawLimits,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    max_sockets: Option<usize>,
    max_memory: Option<RawSize>,
}

/// A size as a file writes it: a number of bytes, or a string [`parse_size`] reads.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawSize {
    Bytes(u64),
    Text(String),
}

/// The `[limits]` table of a policy file; `None` where the file sets nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `max-sockets`: the most sockets the guest may hold open at once.
    pub max_sockets: Option<usize>,
    /// `max-memory`: the most bytes of linear memory the guest may have.
    pub max_memory: Option<u64>,
}

/// The binary and decimal units [`parse_size`] reads, longest first, in lower case.
const UNITS: [(&str, u64); 10] = [
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("k", 1 << 10),
    ("m", 1 << 20),
    ("g", 1 << 30),
    ("b", 1),
];

/// Reads a size: a whole number of bytes with an optional unit, `B`, `K`/`KiB`, `M`/`MiB`,
/// `G`/`GiB` (powers of 1024, as `ulimit` and container runtimes read `k`, `m`, `g`) or
/// `KB`/`MB`/`GB` (powers of 1000), in any case: `65536`, `64MiB`, `1g`.
///
/// # Errors
///
/// Says what was expected, for anything else (an empty number, a fraction, an unknown unit,
/// a size past 2^64 - 1 bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = trimmed.split_at(digits);
    let unit = unit.trim().to_ascii_lowercase();
    let scale = match unit.as_str() {
        "" => 1,
        unit => UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, scale)| *scale)
            .ok_or_else(|| {
                format!(
                    "invalid size {text:?}: expected a whole number of bytes with an optional \
                     unit (B, KiB, MiB, GiB, KB, MB, GB), e.g. 64MiB"
                )
            })?,
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("invalid size {text:?}: expected a whole number, e.g. 64MiB"))?;
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("invalid size {text:?}: more than 2^64 - 1 bytes"))
}

/// Checks a host name a policy grants (`--hostname`, the file's `hostname`): 1 to 64 bytes
/// (Linux's `HOST_NAME_MAX`) of letters, digits, `-`, `_` and `.`.
///
/// # Errors
///
/// Says what was wrong.
pub fn check_hostname(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!(
            "invalid host name {name:?}: it must be 1 to 64 bytes long"
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(c) => Err(format!(
            "invalid host name {name:?}: {c:?} is not a letter, digit, '-', '_' or '.'"
        )),
        None => Ok(()),
    }
}

/// A size for people: whole GiB, MiB or KiB when it is one, else bytes.
pub fn format_size(bytes: u64) -> String {
    for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= scale && bytes.is_multiple_of(scale) {
            return format!("{} {unit}", bytes / scale);
        }
    }
    format!("{bytes} bytes")
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
        policy.set_reveal_interfaces(raw.reveal_interfaces);
        if let Some(name) = raw.hostname {
            check_hostname(&name).map_err(|e| error(format!("hostname: {e}")))?;
            policy.set_hostname(name);
        }
        let max_memory = match raw.limits.max_memory {
            None => None,
            Some(RawSize::Bytes(n)) => Some(n),
            Some(RawSize::Text(text)) => {
                Some(parse_size(&text).map_err(|e| error(format!("limits.max-memory: {e}")))?)
            }
        };
        Ok(PolicyFile {
            policy,
            limits: Limits {
                max_sockets: raw.limits.max_sockets,
                max_memory,
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
        if let Some(name) = self.policy.granted_hostname() {
            out.push_str(&format!("hostname = {}\n", toml_string(name)));
        }
        if self.policy.reveals_interfaces() {
            out.push_str("reveal-interfaces = true\n");
        }
        if self.limits != Limits::default() {
            out.push_str("\n[limits]\n");
        }
        if let Some(n) = self.limits.max_sockets {
            out.push_str(&format!("max-sockets = {n}\n"));
        }
        if let Some(n) = self.limits.max_memory {
            out.push_str(&format!("max-memory = {n}\n"));
        }
        out
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
allow = ["CONNECT tcp://Example.com.:443", "resolve example.com", "connect tcp://*:*"]
deny = ["connect tcp://10.0.0.0/8:*"]
[limits]
max-sockets = 16
max-memory = "64MiB"
"#;

    #[test]
    fn parses_and_prints_the_normal_form() {
        let file = PolicyFile::parse(GOOD, "p.toml").unwrap();
        assert_eq!(file.limits.max_sockets, Some(16));
        assert_eq!(file.limits.max_memory, Some(64 << 20));
        let text = file.to_toml();
        assert_eq!(
            text,
            "allow = [\n  \"connect tcp://example.com:443\",\n  \"resolve example.com\",\n  \"connect tcp://*:*\",\n]\n\
             deny = [\n  \"connect tcp://10.0.0.0/8:*\",\n]\n\n[limits]\nmax-sockets = 16\nmax-memory = 67108864\n"
        );
        assert_eq!(PolicyFile::parse(&text, "again").unwrap(), file);
        let empty = PolicyFile::parse("", "e.toml").unwrap();
        assert_eq!(empty, PolicyFile::default());
        assert_eq!(empty.to_toml(), "allow = []\ndeny = []\n");
        let shown = PolicyFile::parse(
            "hostname = \"build-7.ci\"\nreveal-interfaces = true",
            "h.toml",
        )
        .unwrap();
        assert_eq!(shown.policy.hostname(), "build-7.ci");
        assert!(shown.policy.reveals_iface("eth0"));
        assert_eq!(
            shown.to_toml(),
            "allow = []\ndeny = []\nhostname = \"build-7.ci\"\nreveal-interfaces = true\n"
        );
        assert_eq!(PolicyFile::parse(&shown.to_toml(), "again").unwrap(), shown);
        assert_eq!(empty.policy.hostname(), "localhost");
        assert!(!empty.policy.reveals_iface("eth0"));
        assert!(empty.policy.reveals_iface("lo"));
        let private = PolicyFile::parse("deny-private = true", "d.toml").unwrap();
        assert!(private.policy.denies_private());
        assert_eq!(
            private.to_toml(),
            "allow = []\ndeny = []\ndeny-private = true\n"
        );
    }

    /// `load` reads the file it is given, and names it when it cannot.
    #[test]
    fn loads_files() {
        let dir = std::env::temp_dir().join(format!("capsock-policy-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.toml");
        std::fs::write(&path, GOOD).unwrap();
        assert_eq!(
            PolicyFile::load(&path).unwrap(),
            PolicyFile::parse(GOOD, "p.toml").unwrap()
        );
        let missing = dir.join("missing.toml");
        let error = PolicyFile::load(&missing).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!(
                "{}: cannot read the policy file",
                missing.display()
            )),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sizes() {
        for (text, bytes) in [
            ("65536", 65536),
            ("64MiB", 64 << 20),
            ("64 mib", 64 << 20),
            ("1g", 1 << 30),
            ("2K", 2048),
            ("3KB", 3000),
            ("5GB", 5_000_000_000),
            ("7b", 7),
            ("1KiB", 1 << 10),
            ("1MiB", 1 << 20),
            ("1GiB", 1 << 30),
            ("1k", 1 << 10),
            ("1m", 1 << 20),
            ("1KB", 1_000),
            ("1MB", 1_000_000),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for text in [
            "",
            "MiB",
            "1.5MiB",
            "-1",
            "64 parsecs",
            "99999999999999999999G",
            "1 TiB",
        ] {
            let error = parse_size(text).unwrap_err();
            assert!(error.starts_with("invalid size"), "{text}: {error}");
        }
        assert_eq!(format_size(64 << 20), "64 MiB");
        assert_eq!(format_size(3 << 30), "3 GiB");
        assert_eq!(format_size(1000), "1000 bytes");
        assert_eq!(format_size(1536), "1536 bytes");
        assert_eq!(format_size(2048), "2 KiB");
        assert_eq!(check_hostname(&"a".repeat(64)), Ok(()));
        assert!(check_hostname(&"a".repeat(65)).is_err());
        assert!(check_hostname("").is_err());
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
            assert_eq!(format!("p.toml: {}", error.message()), want);
        }
        // Unknown keys, wrong types and bad TOML are rejected with the file's name and the
        // offending key.
        for (text, needle) in [
            ("allow = []\nalow = []", "unknown field `alow`"),
            ("[limits]\nmax-socket = 3", "unknown field `max-socket`"),
            ("[limit]\nmax-sockets = 3", "unknown field `limit`"),
            ("allow = \"connect tcp://*:*\"", "invalid type"),
            ("[limits]\nmax-sockets = -1", "max-sockets"),
            (
                "[limits]\nmax-memory = \"64 parsecs\"",
                "limits.max-memory: invalid size",
            ),
            ("[limits]\nmax-memory = -1", "max-memory"),
            (
                "hostname = \"a b\"",
                "hostname: invalid host name \"a b\": ' ' is not",
            ),
            (
                "hostname = \"\"",
                "hostname: invalid host name \"\": it must be 1 to 64",
            ),
            ("allow = [", "p.toml: "),
        ] {
            let error = PolicyFile::parse(text, "p.toml").unwrap_err().to_string();
            assert!(error.starts_with("p.toml: "), "{error}");
            assert!(error.contains(needle), "{text:?}: {error}");
        }
    }
}
