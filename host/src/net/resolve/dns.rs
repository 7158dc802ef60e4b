//! `host run --dns ADDR[:PORT]`: name lookups answered by one DNS server, through
//! hickory-resolver, instead of the system resolver (`/etc/nsswitch.conf`, `/etc/hosts`,
//! `/etc/resolv.conf`). CI jobs pin their resolver with it; the tests reach their own server.
//!
//! This module only asks the server and reads its answer: the A, AAAA and PTR records, the
//! CNAME chain that led to them, or why there were none. [`super`] turns that into Python's
//! results and errors, as it does glibc's.
//!
//! Queries are for the absolute name the guest gave (no search domains), with recursion
//! desired, over UDP and TCP when an answer is truncated. Nothing is cached, as glibc caches
//! nothing: every lookup asks, so a name whose answer changes is seen changing. Each query
//! waits [`TIMEOUT`] and is tried [`ATTEMPTS`] times, as resolv.conf's `timeout` and `attempts`
//! would say. Names under `localhost` are answered locally, without a query (RFC 6761 §6.3).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};

/// How long one query waits for the server's answer.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// How many times a query is sent before the lookup fails with `EAI_AGAIN`.
pub const ATTEMPTS: usize = 2;

/// The server that answers a guest's lookups (`host run --dns`).
#[derive(Clone)]
pub struct Dns {
    server: SocketAddr,
    resolver: Arc<TokioResolver>,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns").field("server", &self.server).finish()
    }
}

/// Why a lookup found no records: what glibc's resolver would report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// NXDOMAIN: the name does not exist (`EAI_NONAME`, `HOST_NOT_FOUND`).
    NoName,
    /// The name exists without records of the type asked (`EAI_NODATA`, `NO_DATA`).
    NoData,
    /// SERVFAIL, REFUSED, no answer in time, or no server reachable (`EAI_AGAIN`, `TRY_AGAIN`).
    Again,
    /// FORMERR, NOTIMP, a malformed answer or name (`EAI_FAIL`, `NO_RECOVERY`).
    Fail,
}

/// The records a forward lookup found: the canonical name (the end of the CNAME chain), the
/// names that led to it (the name asked first), and the addresses, in the answer's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) canonical: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) addresses: Vec<IpAddr>,
}

/// A domain name as glibc prints it: ASCII, without the root's trailing dot.
fn text(name: &Name) -> String {
    let ascii = name.to_ascii();
    ascii.strip_suffix('.').unwrap_or(&ascii).to_owned()
}

/// Whether `name` is `localhost` or under it (RFC 6761: answered locally, never sent).
fn is_localhost(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

impl Dns {
    /// A resolver that asks `server` only (UDP, then TCP for truncated answers).
    ///
    /// # Errors
    ///
    /// When hickory-resolver cannot be set up (its message).
    pub fn new(server: SocketAddr) -> Result<Dns, String> {
        let mut name_server = NameServerConfig::udp_and_tcp(server.ip());
        for connection in &mut name_server.connections {
            connection.port = server.port();
        }
        let config = ResolverConfig::from_parts(None, Vec::new(), vec![name_server]);
        let mut options = ResolverOpts::default();
        options.ndots = 0;
        options.timeout = TIMEOUT;
        options.attempts = ATTEMPTS;
        options.cache_size = 0;
        options.use_hosts_file = ResolveHosts::Never;
        options.preserve_intermediates = true;
        options.try_tcp_on_error = false;
        let resolver = wasmtime_wasi::runtime::in_tokio(async move {
            Resolver::builder_with_config(config, TokioRuntimeProvider::default())
                .with_options(options)
                .build()
        })
        .map_err(|e| format!("cannot set up the DNS resolver for {server}: {e}"))?;
        Ok(Dns {
            server,
            resolver: Arc::new(resolver),
        })
    }

    /// The server asked.
    pub fn server(&self) -> SocketAddr {
        self.server
    }

    /// The records of `kind` (A or AAAA) for `name`, following CNAMEs.
    pub(crate) fn forward(&self, name: &str, kind: RecordType) -> Result<Answer, Failure> {
        if is_localhost(name) {
            let loopback = match kind {
                RecordType::AAAA => IpAddr::V6(Ipv6Addr::LOCALHOST),
                _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
            };
            return Ok(Answer {
                canonical: name.strip_suffix('.').unwrap_or(name).to_owned(),
                aliases: Vec::new(),
                addresses: vec![loopback],
            });
        }
        let asked = absolute(name)?;
        let resolver = Arc::clone(&self.resolver);
        let query = asked.clone();
        let found =
            wasmtime_wasi::runtime::in_tokio(async move { resolver.lookup(query, kind).await });
        let lookup = found.map_err(failure)?;
        // Walk the CNAME chain from the name asked; the addresses are those of its end.
        let records = lookup.answers();
        let mut canonical = asked;
        let mut aliases = Vec::new();
        while let Some(next) = records.iter().find_map(|r| match &r.data {
            RData::CNAME(target) if r.name == canonical => Some(target.0.clone()),
            _ => None,
        }) {
            if aliases.len() > 16 || aliases.contains(&text(&canonical)) {
                return Err(Failure::Fail);
            }
            aliases.push(text(&canonical));
            canonical = next;
        }
        let addresses: Vec<IpAddr> = records
            .iter()
            .filter(|r| r.name == canonical)
            .filter_map(|r| match &r.data {
                RData::A(a) if kind == RecordType::A => Some(IpAddr::V4(a.0)),
                RData::AAAA(a) if kind == RecordType::AAAA => Some(IpAddr::V6(a.0)),
                _ => None,
            })
            .collect();
        if addresses.is_empty() {
            return Err(Failure::NoData);
        }
        Ok(Answer {
            canonical: text(&canonical),
            aliases,
            addresses,
        })
    }

    /// The names the PTR records of `ip` give, in the answer's order.
    pub(crate) fn reverse(&self, ip: IpAddr) -> Result<Vec<String>, Failure> {
        let resolver = Arc::clone(&self.resolver);
        let found = wasmtime_wasi::runtime::in_tokio(async move {
            resolver.lookup(Name::from(ip), RecordType::PTR).await
        });
        let names: Vec<String> = found
            .map_err(failure)?
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::PTR(target) => Some(text(&target.0)),
                _ => None,
            })
            .collect();
        match names.is_empty() {
            true => Err(Failure::NoData),
            false => Ok(names),
        }
    }
}

/// `name` as an absolute domain name (no search list applies), or `Fail` for one DNS cannot
/// carry (a label over 63 bytes, a name over 255).
fn absolute(name: &str) -> Result<Name, Failure> {
    let mut parsed = Name::from_ascii(name).map_err(|_| Failure::Fail)?;
    parsed.set_fqdn(true);
    Ok(parsed)
}

/// What hickory-resolver's error means for the guest.
fn failure(error: NetError) -> Failure {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(none)) => match none.response_code {
            ResponseCode::NXDomain => Failure::NoName,
            _ => Failure::NoData,
        },
        NetError::Dns(DnsError::ResponseCode(code)) => match code {
            ResponseCode::NXDomain => Failure::NoName,
            ResponseCode::ServFail | ResponseCode::Refused => Failure::Again,
            _ => Failure::Fail,
        },
        NetError::Timeout | NetError::Io(_) | NetError::NoConnections | NetError::Busy => {
            Failure::Again
        }
        _ => Failure::Fail,
    }
}
