//! Python's convenience constructors from `Lib/socket.py`: `create_connection`,
//! `create_server`, `has_dualstack_ipv6`.

use crate::address::Address;
use crate::consts::*;
use crate::error::{Error, Result};
use crate::resolver::getaddrinfo;
use crate::socket::Socket;

/// The keyword arguments of [`create_connection`].
#[derive(Clone, Debug, Default)]
pub struct ConnectionOptions {
    /// Python's `timeout`: `None` leaves the socket with `getdefaulttimeout()` (Python's
    /// `_GLOBAL_DEFAULT_TIMEOUT`); `Some(None)` makes it blocking; `Some(Some(secs))` sets a
    /// timeout, which also bounds each connection attempt.
    pub timeout: Option<Option<f64>>,
    /// Python's `source_address`: bind to this local address before connecting.
    pub source_address: Option<Address>,
    /// Python's `all_errors`: when every attempt fails, raise all their errors as an
    /// `ExceptionGroup` ([`Error::exceptions`]) instead of the last one.
    pub all_errors: bool,
}

/// `create_connection(address, timeout, source_address, all_errors)`: resolves `address`
/// (`(host, port)`) for `SOCK_STREAM` and tries each result in turn until one connects.
pub fn create_connection(
    address: impl Into<Address>,
    options: ConnectionOptions,
) -> Result<Socket> {
    let address = address.into();
    let (Some(host), Some(port)) = (address.host(), address.port()) else {
        return Err(Error::value(
            "create_connection needs a (host, port) address",
        ));
    };
    let mut errors = Vec::new();
    for (family, kind, proto, _, sockaddr) in getaddrinfo(host, port, 0, SOCK_STREAM, 0, 0)? {
        let attempt = (|| {
            let sock = Socket::new(family, kind, proto)?;
            if let Some(timeout) = options.timeout {
                sock.settimeout(timeout)?;
            }
            if let Some(src) = &options.source_address {
                sock.bind(src)?;
            }
            sock.connect(sockaddr)?;
            Ok(sock)
        })();
        match attempt {
            Ok(sock) => return Ok(sock),
            Err(e) => {
                if !options.all_errors {
                    errors.clear();
                }
                errors.push(e);
            }
        }
    }
    if errors.is_empty() {
        return Err(Error::os(0, "getaddrinfo returns an empty list"));
    }
    if options.all_errors {
        Err(Error::group("create_connection failed", errors))
    } else {
        Err(errors.remove(0))
    }
}

/// The keyword arguments of [`create_server`].
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Python's `family` (default `AF_INET`).
    pub family: i32,
    /// Python's `backlog`: `None` takes `listen()`'s default.
    pub backlog: Option<i32>,
    /// Python's `reuse_port`: set `SO_REUSEPORT`.
    pub reuse_port: bool,
    /// Python's `dualstack_ipv6`: an `AF_INET6` socket that also accepts IPv4.
    pub dualstack_ipv6: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            family: AF_INET,
            backlog: None,
            reuse_port: false,
            dualstack_ipv6: false,
        }
    }
}

/// `create_server(address, family, backlog, reuse_port, dualstack_ipv6)`: a listening TCP
/// socket bound to `address`, with `SO_REUSEADDR` set, as Python does it.
pub fn create_server(address: impl Into<Address>, options: ServerOptions) -> Result<Socket> {
    if options.dualstack_ipv6 {
        if !has_dualstack_ipv6() {
            return Err(Error::value(
                "dualstack_ipv6 not supported on this platform",
            ));
        }
        if options.family != AF_INET6 {
            return Err(Error::value("dualstack_ipv6 requires AF_INET6 family"));
        }
    }
    let address = address.into();
    let sock = Socket::new(options.family, SOCK_STREAM, 0)?;
    // Python ignores a failure to set SO_REUSEADDR.
    let _ = sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if options.reuse_port {
        sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1)?;
    }
    if options.family == AF_INET6 {
        sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, !options.dualstack_ipv6)?;
    }
    if let Err(e) = sock.bind(&address) {
        return Err(match e.errno() {
            Some(errno) if !e.is_gaierror() => Error::os(
                errno,
                format!(
                    "{} (while attempting to bind on address {address})",
                    e.strerror()
                ),
            ),
            _ => e,
        });
    }
    sock.listen(options.backlog)?;
    Ok(sock)
}

/// `has_dualstack_ipv6()`: whether an `AF_INET6` socket can also accept IPv4 (it can on Linux
/// unless IPv6 is disabled or `AF_INET6` sockets are denied to this guest).
pub fn has_dualstack_ipv6() -> bool {
    Socket::new(AF_INET6, SOCK_STREAM, 0)
        .and_then(|s| s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0))
        .is_ok()
}
