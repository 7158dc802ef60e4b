//! Python's module-level resolver functions (`socket.getaddrinfo`, `gethostbyname`,
//! `getservbyname`, `if_nametoindex`, …) answered on the host by the system resolver (glibc),
//! returning plain Rust types.
//!
//! Every function follows CPython 3.11's `Modules/socketmodule.c`: the same C calls in the same
//! order (using glibc's reentrant `_r` variants where CPython uses the static ones), the same
//! special cases, and the same exceptions. Nothing here consults the policy: a function that
//! asks anyone about a name takes the guard's [`Permit`] for that lookup (and one for a
//! reverse lookup), so only a lookup the guard allowed can be made. The door converts the
//! results to WIT records. The calls block the calling thread while the resolver works, as
//! they do in CPython.
//!
//! # How Python's exceptions are modelled
//!
//! | Python raises | here |
//! |---|---|
//! | `socket.gaierror(code, gai_strerror(code))` | [`SocketError::Gai`]`(code, message)` |
//! | `socket.herror(h_errno, hstrerror(h_errno))` | [`SocketError::H`]`(code, message)` |
//! | `OSError(errno, strerror(errno))` | [`SocketError::Os`]`(errno, None)` |
//! | `ValueError`, `TypeError`, `OverflowError`, `UnicodeError` for an argument | `Os(EINVAL, Some(Python's message))` |
//! | `OSError("message")` (no errno) | `Os(errno below, Some(Python's message))` |
//!
//! Python raises some `OSError`s with only a message (their `errno` is `None`). A
//! [`SocketError::Os`] always carries an errno, so each gets the closest one and keeps
//! Python's exact text:
//!
//! | Python's message | errno here |
//! |---|---|
//! | `service/proto not found`, `port/proto not found`, `protocol not found` | `ENOENT` |
//! | `no interface with this name` | `ENODEV` |
//! | `wildcard resolved to multiple address` | `ENOTUNIQ` |
//! | `unsupported address family`, `unknown address family`, `address family mismatched` | `EAFNOSUPPORT` |
//!
//! # Host names and IDNA
//!
//! CPython encodes `str` host names with its `idna` codec before it calls the C library, in
//! `getaddrinfo`, `gethostbyname`, `gethostbyname_ex` and `gethostbyaddr`, so glibc always gets
//! ASCII; so does this module. ASCII names take CPython's fast path exactly (no mapping, only
//! its label-length errors). Non-ASCII names are encoded with the `idna` crate's UTS #46
//! processing, which browsers and glibc's `AI_IDN` use, where CPython's codec implements the
//! older IDNA 2003: both give the same answer for the names people type (`bücher`, `日本語`,
//! `пример`, `مثال`, full-width ASCII), and differ where IDNA 2008 changed the rules (`ß` and
//! final sigma are kept — `straße` is `xn--strae-oqa`, not `strasse` — joiners are kept, and
//! some symbols are refused).
//!
//! # Where this differs from CPython on purpose
//!
//! - A string argument with an interior NUL is refused with `EINVAL` (a message naming the
//!   argument). CPython refuses it in most functions, but `getaddrinfo` silently truncates
//!   `"localhost\0evil"` to `"localhost"`; here that is refused too.
//! - `herror` codes come from the `h_errnop` out-parameter of `gethostbyname2_r` /
//!   `gethostbyaddr_r`. CPython reads the thread's global `h_errno`, which glibc's `_r` calls
//!   do not always set, so CPython can report a stale code: in a fresh process CPython 3.11
//!   gives `herror(0, 'Resolver Error 0 (no error)')` for `gethostbyname_ex('<broadcast>')`,
//!   and `herror(3, …)` right after `gethostbyname_ex('')`; here it is always `herror(1,
//!   'Unknown host')`, the code glibc reports for that lookup.
//! - The `_r` calls get a buffer that grows on `ERANGE` (CPython's is fixed at 16 KiB), so a
//!   very large host entry is returned instead of `herror(-1, 'Resolver internal error')`.
//!
//! # Layout
//!
//! This module is safe Rust only (the lint that enforces it is set where the module is
//! declared): CPython's logic, errors and decoding. The C calls themselves, with every raw
//! pointer, are in `glibc`, one function per C call.

mod dns;
mod glibc;

pub use dns::Dns;

use std::ffi::{CStr, CString, c_int};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rustix::io::Errno;

use super::sys;
use crate::error::{SocketError, SocketResult};
use crate::guard::{Lookup, Permit, Reverse};
use dns::Failure;
use glibc::{AddrInfoEntry, AddrInfoList, HostEnt};
use hickory_resolver::proto::rr::RecordType;

/// One result of `getaddrinfo(3)`: Python's `(family, type, proto, canonname, sockaddr)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrInfo {
    /// `ai_family`: `AF_INET` or `AF_INET6` (other families are skipped).
    pub family: i32,
    /// `ai_socktype`: `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW`, …
    pub socktype: i32,
    /// `ai_protocol`, e.g. 6 for TCP.
    pub protocol: i32,
    /// `ai_canonname` (set in the first result with `AI_CANONNAME`), else empty, as in Python.
    pub canonname: String,
    /// `ai_addr`; IPv6 addresses keep `sin6_flowinfo` (host order) and `sin6_scope_id`.
    pub addr: SocketAddr,
}

/// Python's `(hostname, aliaslist, ipaddrlist)`, from `gethostbyname2_r(3)` or
/// `gethostbyaddr_r(3)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostEntry {
    /// `h_name`, the primary name.
    pub name: String,
    /// `h_aliases`.
    pub aliases: Vec<String>,
    /// `h_addr_list`, all of the entry's family (IPv4 for `gethostbyname_ex`).
    pub addresses: Vec<IpAddr>,
}

/// `getaddrinfo(3)` (then `freeaddrinfo(3)`), as Python's `socket.getaddrinfo(host, port,
/// family, type, proto, flags)`.
///
/// `host` `None` passes NULL (Python's `None`); otherwise the name is IDNA-encoded as Python does
/// (a label that is empty or too long, or a prohibited character, is CPython's `UnicodeError`:
/// `Os(EINVAL, "encoding with 'idna' codec failed (UnicodeError: …)")`). `service` `None` passes
/// NULL; it is a service name or a port number as text (the guest formats Python's integer
/// ports). `family` is an `AF_*` value, `socktype` 0 means any, `flags` are `AI_*` values; all
/// four go to glibc unchanged, which rejects bad ones with its `gaierror`.
///
/// Errors: `EAI_SYSTEM` → `Os(errno)`; any other `EAI_*` code → `Gai(code,
/// gai_strerror(code))`; an interior NUL → `Os(EINVAL, "embedded null character in host name")`
/// (or `… in service name`). Results are in glibc's order, as Python returns them; results of
/// families other than `AF_INET`/`AF_INET6` are skipped.
pub fn getaddrinfo(
    lookup: &Permit<Lookup>,
    service: Option<&str>,
    family: i32,
    socktype: i32,
    protocol: i32,
    flags: i32,
) -> SocketResult<Vec<AddrInfo>> {
    let host = lookup.target().host().map(encode_host_name).transpose()?;
    let service = service
        .map(|s| c_arg(s, "embedded null character in service name"))
        .transpose()?;
    let target = lookup.target();
    let flags = match target.numeric_only() {
        true => flags | libc::AI_NUMERICHOST,
        false => flags,
    };
    match (target.dns(), host.as_deref()) {
        (Some(dns), Some(host)) => dns_getaddrinfo(
            dns,
            host,
            service.as_deref(),
            family,
            socktype,
            protocol,
            flags,
        ),
        (_, host) => entries(&call_getaddrinfo(
            host,
            service.as_deref(),
            family,
            socktype,
            protocol,
            flags,
        )?),
    }
}

/// The `AF_INET` and `AF_INET6` entries of a `getaddrinfo(3)` result, in its order.
fn entries(list: &AddrInfoList) -> SocketResult<Vec<AddrInfo>> {
    let mut out = Vec::new();
    for ai in list.iter() {
        let Some(addr) = ai.addr() else {
            continue;
        };
        let canonname = match ai.canonname() {
            None => String::new(),
            Some(name) => decode_strict(name.to_bytes())?,
        };
        out.push(AddrInfo {
            family: ai.family(),
            socktype: ai.socktype(),
            protocol: ai.protocol(),
            canonname,
            addr,
        });
    }
    Ok(out)
}

/// `getnameinfo(3)`, as Python's `socket.getnameinfo(sockaddr, flags)`: `(host, port)` as text.
///
/// CPython first checks the IPv6 flow info: above `0xfffff` it raises `OverflowError:
/// getnameinfo(): flowinfo must be 0-1048575.`, here `Os(EINVAL, that message)`. It then
/// builds the `sockaddr` (`sin6_flowinfo` and `sin6_scope_id` from the tuple) and calls
/// `getnameinfo(3)` with `NI_MAXHOST` / `NI_MAXSERV` buffers and `flags` unchanged; failures are
/// `Gai(code, gai_strerror(code))` (`EAI_SYSTEM` → `Os(errno)`), e.g. `Gai(-1, "Bad value for
/// ai_flags")`.
///
/// Without a reverse-lookup permit the host is given numerically (`NI_NUMERICHOST` is added):
/// no query leaves the host.
pub fn getnameinfo(
    addr: SocketAddr,
    flags: i32,
    reverse: Option<&Permit<Reverse>>,
) -> SocketResult<(String, String)> {
    let flags = match reverse {
        Some(_) => flags,
        None => flags | libc::NI_NUMERICHOST,
    };
    if let SocketAddr::V6(a) = addr
        && a.flowinfo() > 0xfffff
    {
        return Err(value_error("getnameinfo(): flowinfo must be 0-1048575."));
    }
    if let Some(reverse) = reverse
        && let Some(dns) = reverse.target().dns()
        && flags & libc::NI_NUMERICHOST == 0
    {
        return dns_getnameinfo(dns, reverse.target().hostname(), addr, flags);
    }
    let (host, serv) =
        glibc::getnameinfo(&addr, flags).map_err(|(rc, os_error)| gai_error(rc, os_error))?;
    Ok((decode_strict(&host)?, decode_strict(&serv)?))
}

/// Python's `socket.gethostbyname(name)`: the name's IPv4 address, found as CPython's
/// `setipaddr(name, AF_INET)` finds it.
///
/// `""` asks `getaddrinfo(3)` for the passive wildcard → `0.0.0.0`; `"<broadcast>"` and
/// `"255.255.255.255"` are `255.255.255.255`; a dotted quad is parsed with `inet_pton(3)`;
/// anything else is `getaddrinfo(3)` with `AF_INET`, first result. Errors are that call's
/// `Gai(code, message)` (`"no.such.invalid"` → `Gai(-2, "Name or service not known")`, `"::1"`
/// → `Gai(-9, "Address family for hostname not supported")`); the name is IDNA-encoded first
/// (see [`getaddrinfo`]); an interior NUL is CPython's `TypeError`, here `Os(EINVAL,
/// "gethostbyname() argument 1 must be encoded string without null bytes, not str")`.
pub fn gethostbyname(lookup: &Permit<Lookup>) -> SocketResult<Ipv4Addr> {
    let name = et_arg(lookup.target().host().unwrap_or_default(), "gethostbyname")?;
    match setipaddr(lookup.target(), &name, libc::AF_INET)? {
        IpAddr::V4(a) => Ok(a),
        IpAddr::V6(_) => Err(SocketError::os_msg(
            Errno::AFNOSUPPORT,
            "unknown address family",
        )),
    }
}

/// `gethostbyname2_r(3)` with `AF_INET`, as Python's `socket.gethostbyname_ex(name)`.
///
/// As CPython does, the name is first resolved like [`gethostbyname`] (so an unknown name is
/// that step's `Gai`, e.g. `Gai(-2, "Name or service not known")`), then looked up with
/// `gethostbyname2_r(3)`; a failure there is `H(h_errno, hstrerror(h_errno))` (e.g. `""` →
/// `H(3, "Unknown server error")`), and an entry of another family `Os(EAFNOSUPPORT)`. Argument
/// errors are as for [`gethostbyname`], naming `gethostbyname_ex()`.
pub fn gethostbyname_ex(lookup: &Permit<Lookup>) -> SocketResult<HostEntry> {
    let cname = et_arg(
        lookup.target().host().unwrap_or_default(),
        "gethostbyname_ex",
    )?;
    let af = family_of(setipaddr(lookup.target(), &cname, libc::AF_INET)?);
    if let Some(dns) = lookup.target().dns()
        && !is_numeric_name(&cname)
    {
        return dns_hostent(dns, &cname);
    }
    glibc::gethostbyname2_r(&cname, libc::AF_INET, |found| match found {
        Err(h_errno) => Err(h_error(h_errno)),
        Ok(h) => gethost_common(h, af),
    })
}

/// `gethostbyaddr_r(3)`, as Python's `socket.gethostbyaddr(ip_address)`.
///
/// The argument is IPv4 or IPv6 text, or a name that is resolved first, as CPython's
/// `setipaddr(name, AF_UNSPEC)` does (`inet_pton(3)`, else `getaddrinfo(3)`'s first result;
/// `""` is `Os(ENOTUNIQ, "wildcard resolved to multiple address")` where glibc has both
/// wildcards). A failed reverse lookup is `H(h_errno, hstrerror(h_errno))`, e.g. `H(1,
/// "Unknown host")`. Argument errors are as for [`gethostbyname`], naming `gethostbyaddr()`.
pub fn gethostbyaddr(
    lookup: &Permit<Lookup>,
    reverse: &Permit<Reverse>,
) -> SocketResult<HostEntry> {
    let cname = et_arg(lookup.target().host().unwrap_or_default(), "gethostbyaddr")?;
    let ip = setipaddr(lookup.target(), &cname, libc::AF_UNSPEC)?;
    if let Some(dns) = reverse.target().dns() {
        let mut names = dns
            .reverse(ptr_address(ip))
            .map_err(|f| h_error(h_code(f)))?;
        let name = names.remove(0);
        return Ok(HostEntry {
            name,
            aliases: names,
            addresses: vec![ip],
        });
    }
    let af = family_of(ip);
    let bytes: Vec<u8> = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    glibc::gethostbyaddr_r(&bytes, af, |found| match found {
        Err(h_errno) => Err(h_error(h_errno)),
        Ok(h) => gethost_common(h, af),
    })
}

/// `getservbyname_r(3)`, as Python's `socket.getservbyname(servicename[, protocolname])`: the
/// service's port in host byte order.
///
/// Not found (any failure of the call, as in CPython) → `Os(ENOENT, "service/proto not
/// found")` (Python's `OSError` has no errno). An interior NUL is Python's `ValueError:
/// embedded null character`, here `Os(EINVAL, "embedded null character in service name")` (or
/// `… in protocol name`). Reads `/etc/services` (Debian/Ubuntu package `netbase`).
pub fn getservbyname(name: &str, proto: Option<&str>) -> SocketResult<u16> {
    let cname = c_arg(name, "embedded null character in service name")?;
    let cproto = proto
        .map(|p| c_arg(p, "embedded null character in protocol name"))
        .transpose()?;
    match glibc::getservbyname_r(&cname, cproto.as_deref()) {
        // `s_port` holds the port in network byte order in its low 16 bits.
        Some(s_port) => Ok(u16::from_be(s_port as u16)),
        None => Err(SocketError::os_msg(Errno::NOENT, "service/proto not found")),
    }
}

/// `getservbyport_r(3)`, as Python's `socket.getservbyport(port[, protocolname])`: the
/// service's name.
///
/// Python checks the port first (`OverflowError: getservbyport: port must be 0-65535.`); that
/// check happens in the guest, which passes a `u16`. Not found → `Os(ENOENT, "port/proto not
/// found")`. An interior NUL in `proto` is `Os(EINVAL, "embedded null character in protocol
/// name")`. Reads `/etc/services` (package `netbase`).
pub fn getservbyport(port: u16, proto: Option<&str>) -> SocketResult<String> {
    let cproto = proto
        .map(|p| c_arg(p, "embedded null character in protocol name"))
        .transpose()?;
    // CPython passes `htons((short)port)`: the network-order port, zero-extended to an int.
    let net_port = c_int::from(port.to_be());
    match glibc::getservbyport_r(net_port, cproto.as_deref()) {
        Some(s_name) => decode_strict(&s_name),
        None => Err(SocketError::os_msg(Errno::NOENT, "port/proto not found")),
    }
}

/// `getprotobyname_r(3)`, as Python's `socket.getprotobyname(protocolname)`: the protocol
/// number. Not found → `Os(ENOENT, "protocol not found")`; an interior NUL → `Os(EINVAL,
/// "embedded null character in protocol name")`. Reads `/etc/protocols` (package `netbase`).
pub fn getprotobyname(name: &str) -> SocketResult<i32> {
    let cname = c_arg(name, "embedded null character in protocol name")?;
    glibc::getprotobyname_r(&cname)
        .ok_or_else(|| SocketError::os_msg(Errno::NOENT, "protocol not found"))
}

/// `if_nameindex(3)` (then `if_freenameindex(3)`), as Python's `socket.if_nameindex()`: every
/// interface as `(index, name)`, in the C library's order. A failure is `Os(errno)`. Names that
/// are not UTF-8 are decoded lossily (CPython uses `surrogateescape`).
pub fn if_nameindex() -> SocketResult<Vec<(u32, String)>> {
    let all = glibc::if_nameindex()?;
    Ok(all
        .into_iter()
        .map(|(index, name)| (index, String::from_utf8_lossy(&name).into_owned()))
        .collect())
}

/// `if_nametoindex(3)`, as Python's `socket.if_nametoindex(name)`. Unknown (the call returns 0,
/// and sets no useful errno, as CPython notes) → `Os(ENODEV, "no interface with this name")`;
/// an interior NUL is Python's `ValueError: embedded null byte`, here `Os(EINVAL, "embedded null
/// byte in interface name")`.
pub fn if_nametoindex(name: &str) -> SocketResult<u32> {
    let cname = c_arg(name, "embedded null byte in interface name")?;
    match glibc::if_nametoindex(&cname) {
        0 => if_nametoindex_absent(),
        index => Ok(index),
    }
}

/// What [`if_nametoindex`] answers for an interface that does not exist, for one the guest
/// may not learn of.
pub fn if_nametoindex_absent() -> SocketResult<u32> {
    Err(SocketError::os_msg(
        Errno::NODEV,
        "no interface with this name",
    ))
}

/// What [`if_indextoname`] answers for an index no interface has (`ENXIO`), for one the
/// guest may not learn of.
pub fn if_indextoname_absent() -> SocketError {
    SocketError::Os(Errno::NXIO, None)
}

/// `if_indextoname(3)`, as Python's `socket.if_indextoname(index)`. Unknown index (0
/// included) → `Os(ENXIO)`, Python's `OSError: [Errno 6] No such device or address`.
pub fn if_indextoname(index: u32) -> SocketResult<String> {
    let name = glibc::if_indextoname(index)?;
    Ok(String::from_utf8_lossy(&name).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Errors and strings

/// `Os(EINVAL, message)`: Python's `ValueError`/`TypeError`/`OverflowError`/`UnicodeError` for
/// an argument.
fn value_error(message: impl Into<String>) -> SocketError {
    SocketError::os_msg(Errno::INVAL, message)
}

/// CPython's `set_gaierror`: `EAI_SYSTEM` is the errno's `OSError`, any other code is
/// `gaierror(code, gai_strerror(code))`. `os_error` is errno read right after the call; an
/// `EAI_SYSTEM` without a usable errno stays a `gaierror`.
fn gai_error(code: c_int, os_error: io::Error) -> SocketError {
    if code == libc::EAI_SYSTEM
        && let Some(errno) = os_error.raw_os_error().and_then(sys::errno_checked)
    {
        return SocketError::Os(errno, None);
    }
    SocketError::Gai(code, glibc::gai_strerror(code))
}

/// CPython's `set_herror`: `herror(code, hstrerror(code))`.
fn h_error(code: c_int) -> SocketError {
    SocketError::H(code, glibc::hstrerror(code))
}

/// `gaierror(code, gai_strerror(code))` for a code that is not `EAI_SYSTEM`.
fn gai(code: c_int) -> SocketError {
    SocketError::Gai(code, glibc::gai_strerror(code))
}

/// A C string argument; an interior NUL is `Os(EINVAL, message)`.
fn c_arg(s: &str, message: &str) -> SocketResult<CString> {
    CString::new(s).map_err(|_| value_error(message))
}

/// Python's strict UTF-8 decoding of a C string (`PyUnicode_FromString`, `"s"` in
/// `Py_BuildValue`): invalid bytes are its `UnicodeDecodeError`, here `Os(EINVAL, message)`.
fn decode_strict(bytes: &[u8]) -> SocketResult<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let start = e.valid_up_to();
            let len = e.error_len().unwrap_or(bytes.len() - start).max(1);
            let first = bytes.get(start).copied().unwrap_or(0);
            let reason = if e.error_len().is_none() {
                "unexpected end of data"
            } else if matches!(first, 0x80..=0xC1 | 0xF5..=0xFF) {
                "invalid start byte"
            } else {
                "invalid continuation byte"
            };
            let what = if len == 1 {
                format!("byte 0x{first:02x} in position {start}")
            } else {
                format!("bytes in position {start}-{}", start + len - 1)
            };
            Err(value_error(format!(
                "'utf-8' codec can't decode {what}: {reason}"
            )))
        }
    }
}

/// A host name for `getaddrinfo`: IDNA-encoded as CPython does, then NUL-checked.
fn encode_host_name(host: &str) -> SocketResult<CString> {
    let bytes = idna_encode(host).map_err(idna_error)?;
    CString::new(bytes).map_err(|_| value_error("embedded null character in host name"))
}

/// CPython's `"et"` argument with the `idna` encoding (`gethostbyname`, `gethostbyname_ex`,
/// `gethostbyaddr`): encoding errors first, then its `TypeError` for a NUL in the result.
fn et_arg(name: &str, function: &str) -> SocketResult<CString> {
    let bytes = idna_encode(name).map_err(idna_error)?;
    CString::new(bytes).map_err(|_| {
        value_error(format!(
            "{function}() argument 1 must be encoded string without null bytes, not str"
        ))
    })
}

/// The text of CPython's `UnicodeError` from the `idna` codec.
fn idna_error(reason: String) -> SocketError {
    value_error(format!(
        "encoding with 'idna' codec failed (UnicodeError: {reason})"
    ))
}

// ---------------------------------------------------------------------------------------------
// getaddrinfo plumbing

/// `getaddrinfo(3)` with hints; errors as CPython's `set_gaierror`.
fn call_getaddrinfo(
    host: Option<&CStr>,
    service: Option<&CStr>,
    family: c_int,
    socktype: c_int,
    protocol: c_int,
    flags: c_int,
) -> SocketResult<AddrInfoList> {
    glibc::getaddrinfo(host, service, family, socktype, protocol, flags)
        .map_err(|(rc, os_error)| gai_error(rc, os_error))
}

/// `AF_INET` or `AF_INET6` for an address.
fn family_of(ip: IpAddr) -> c_int {
    match ip {
        IpAddr::V4(_) => libc::AF_INET,
        IpAddr::V6(_) => libc::AF_INET6,
    }
}

/// `inet_pton(3)` for `AF_INET` / `AF_INET6` (glibc's strict forms, as CPython uses them).
fn pton(af: c_int, name: &CStr) -> Option<IpAddr> {
    let buf = glibc::inet_pton(af, name)?;
    match af {
        libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::new(buf[0], buf[1], buf[2], buf[3]))),
        _ => Some(IpAddr::V6(Ipv6Addr::from(buf))),
    }
}

/// CPython's `setipaddr(name, af)`: a host name (already IDNA-encoded) to one address, asked
/// of the run's `--dns` server when it has one and the guard decided `name` as a name.
fn setipaddr(lookup: &Lookup, name: &CStr, af: c_int) -> SocketResult<IpAddr> {
    let bytes = name.to_bytes();
    if bytes.is_empty() {
        let list = call_getaddrinfo(None, Some(c"0"), af, libc::SOCK_DGRAM, 0, libc::AI_PASSIVE)?;
        let first = first_entry(&list)?;
        if first.family() != libc::AF_INET && first.family() != libc::AF_INET6 {
            return Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                "unsupported address family",
            ));
        }
        // CPython: `res->ai_next` is set.
        if list.iter().nth(1).is_some() {
            return Err(SocketError::os_msg(
                Errno::NOTUNIQ,
                "wildcard resolved to multiple address",
            ));
        }
        return entry_ip(first, "unsupported address family");
    }
    if bytes == b"255.255.255.255" || bytes == b"<broadcast>" {
        if af != libc::AF_INET && af != libc::AF_UNSPEC {
            return Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                "address family mismatched",
            ));
        }
        return Ok(IpAddr::V4(Ipv4Addr::BROADCAST));
    }
    if (af == libc::AF_UNSPEC || af == libc::AF_INET)
        && let Some(ip) = pton(libc::AF_INET, name)
    {
        return Ok(ip);
    }
    // With a scope id (`fe80::1%eth0`) the name goes to getaddrinfo, as in CPython.
    if (af == libc::AF_UNSPEC || af == libc::AF_INET6)
        && !bytes.contains(&b'%')
        && let Some(ip) = pton(libc::AF_INET6, name)
    {
        return Ok(ip);
    }
    if let Some(dns) = lookup.dns() {
        let found = dns_getaddrinfo(dns, name, None, af, 0, 0, 0)?;
        return found
            .first()
            .map(|ai| ai.addr.ip())
            .ok_or_else(|| gai(libc::EAI_NONAME));
    }
    let flags = match lookup.numeric_only() {
        true => libc::AI_NUMERICHOST,
        false => 0,
    };
    let list = call_getaddrinfo(Some(name), None, af, 0, 0, flags)?;
    entry_ip(first_entry(&list)?, "unknown address family")
}

/// The first entry of a successful `getaddrinfo`; glibc never returns an empty list, but if it
/// did this is `Gai(EAI_NONAME)`.
fn first_entry(list: &AddrInfoList) -> SocketResult<AddrInfoEntry<'_>> {
    list.iter()
        .next()
        .ok_or_else(|| gai_error(libc::EAI_NONAME, io::Error::from_raw_os_error(libc::EINVAL)))
}

/// The IP address of one `getaddrinfo` entry; another family is `Os(EAFNOSUPPORT, message)`.
fn entry_ip(ai: AddrInfoEntry<'_>, message: &str) -> SocketResult<IpAddr> {
    match ai.addr() {
        Some(sa) => Ok(sa.ip()),
        None => Err(SocketError::os_msg(Errno::AFNOSUPPORT, message)),
    }
}

// ---------------------------------------------------------------------------------------------
// Lookups answered by `--dns`

/// The `EAI_*` code glibc's `getaddrinfo` reports for a DNS failure.
fn gai_code(failure: Failure) -> c_int {
    match failure {
        Failure::NoName => libc::EAI_NONAME,
        Failure::NoData => libc::EAI_NODATA,
        Failure::Again => libc::EAI_AGAIN,
        Failure::Fail => libc::EAI_FAIL,
    }
}

/// The `h_errno` glibc's `gethostbyname2_r` and `gethostbyaddr_r` report for a DNS failure.
fn h_code(failure: Failure) -> c_int {
    match failure {
        Failure::NoName => 1, // HOST_NOT_FOUND
        Failure::Again => 2,  // TRY_AGAIN
        Failure::Fail => 3,   // NO_RECOVERY
        Failure::NoData => 4, // NO_DATA
    }
}

/// The failure to report when every query failed: a temporary one if any was (asking again
/// may help), then an unrecoverable one, then NXDOMAIN only when every query said so.
fn worst(failures: &[Failure]) -> Failure {
    [Failure::Again, Failure::Fail, Failure::NoData]
        .into_iter()
        .find(|f| failures.contains(f))
        .unwrap_or(Failure::NoName)
}

/// Whether glibc takes `name` as a numeric address in `gethostbyname2_r` (its
/// `__nss_hostname_digits_dots`: digits and dots, or an IPv6 form), answered without a query.
fn is_numeric_name(name: &CStr) -> bool {
    let bytes = name.to_bytes();
    bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        || bytes.contains(&b':')
}

/// The address whose PTR records name `ip`: an IPv4-mapped IPv6 address is looked up as its
/// IPv4 address, as glibc does.
fn ptr_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `getaddrinfo(3)`'s semantics over `--dns`. glibc first answers everything that needs no
/// DNS, with `AI_NUMERICHOST` added: bad flags, families, socket types and services are its
/// errors, and a numeric host its answer. A name is then asked of the server (`AI_ADDRCONFIG`
/// narrowing the families first, as glibc does), AAAA before A; with `AF_INET6` and
/// `AI_V4MAPPED` the A records come back as `::ffff:a.b.c.d` when there is no AAAA (or always,
/// with `AI_ALL`). Each address found is expanded by glibc (socket types, the service's port)
/// as a numeric host, and with `AI_CANONNAME` the first entry carries the end of the CNAME
/// chain.
fn dns_getaddrinfo(
    dns: &Dns,
    host: &CStr,
    service: Option<&CStr>,
    family: c_int,
    socktype: c_int,
    protocol: c_int,
    flags: c_int,
) -> SocketResult<Vec<AddrInfo>> {
    // Without AI_ADDRCONFIG, which can make glibc refuse before it looks at the host.
    let numeric = flags | libc::AI_NUMERICHOST;
    let probe = numeric & !libc::AI_ADDRCONFIG;
    match glibc::getaddrinfo(Some(host), service, family, socktype, protocol, probe) {
        Ok(list) if flags & libc::AI_ADDRCONFIG == 0 => return entries(&list),
        // A numeric host under AI_ADDRCONFIG: glibc's own answer, with the flag.
        Ok(_) => {
            let list = call_getaddrinfo(Some(host), service, family, socktype, protocol, numeric)?;
            return entries(&list);
        }
        Err((libc::EAI_NONAME, _)) if flags & libc::AI_NUMERICHOST == 0 => {}
        Err((rc, os_error)) => return Err(gai_error(rc, os_error)),
    }
    let Ok(name) = host.to_str() else {
        return Err(gai(libc::EAI_NONAME));
    };
    let mut family = family;
    if flags & libc::AI_ADDRCONFIG != 0 {
        let (v4, v6) = glibc::seen_families();
        if family == libc::AF_UNSPEC && (v4 || v6) {
            family = if !v4 {
                libc::AF_INET6
            } else if !v6 {
                libc::AF_INET
            } else {
                family
            };
        } else if (family == libc::AF_INET && !v4) || (family == libc::AF_INET6 && !v6) {
            return Err(gai(libc::EAI_NONAME));
        }
    }
    let mapped = family == libc::AF_INET6 && flags & libc::AI_V4MAPPED != 0;
    let mut found: Vec<IpAddr> = Vec::new();
    let mut canonical = None;
    let mut failures = Vec::new();
    if family != libc::AF_INET {
        match dns.forward(name, RecordType::AAAA) {
            Ok(answer) => {
                canonical.get_or_insert(answer.canonical);
                found.extend(answer.addresses);
            }
            Err(failure) => failures.push(failure),
        }
    }
    let want_a = match family {
        libc::AF_INET6 => mapped && (found.is_empty() || flags & libc::AI_ALL != 0),
        _ => true,
    };
    if want_a {
        match dns.forward(name, RecordType::A) {
            Ok(answer) => {
                canonical.get_or_insert(answer.canonical);
                found.extend(answer.addresses.into_iter().map(|ip| match (mapped, ip) {
                    (true, IpAddr::V4(v4)) => IpAddr::V6(v4.to_ipv6_mapped()),
                    _ => ip,
                }));
            }
            Err(failure) => failures.push(failure),
        }
    }
    if found.is_empty() {
        return Err(gai(gai_code(worst(&failures))));
    }
    destination_order(&mut found);
    let mut out = Vec::new();
    for ip in found {
        let text = CString::new(ip.to_string()).expect("an address has no NUL");
        let each = flags & (libc::AI_NUMERICSERV | libc::AI_PASSIVE) | libc::AI_NUMERICHOST;
        let list = call_getaddrinfo(
            Some(&text),
            service,
            family_of(ip),
            socktype,
            protocol,
            each,
        )?;
        out.extend(entries(&list)?);
    }
    if flags & libc::AI_CANONNAME != 0
        && let (Some(first), Some(name)) = (out.first_mut(), canonical)
    {
        first.canonname = name;
    }
    Ok(out)
}

/// glibc's default precedence table (RFC 3484 §2.1; `/etc/gai.conf` can change glibc's,
/// not this one): the longest prefix that matches an address gives its precedence.
const PRECEDENCE: [(Ipv6Addr, u32, u32); 5] = [
    (Ipv6Addr::LOCALHOST, 128, 50),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, 30),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96, 10),
    (Ipv6Addr::UNSPECIFIED, 96, 20),
    (Ipv6Addr::UNSPECIFIED, 0, 40),
];

/// An address in the IPv6 form the tables use (IPv4 as `::ffff:a.b.c.d`).
fn as_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

fn precedence(ip: IpAddr) -> u32 {
    let bits = u128::from(as_v6(ip));
    PRECEDENCE
        .iter()
        .find(|(prefix, len, _)| {
            *len == 0 || bits >> (128 - len) == u128::from(*prefix) >> (128 - len)
        })
        .map_or(40, |(_, _, precedence)| *precedence)
}

/// RFC 6724's scope of an address: 2 link-local (loopback included), 5 site-local, 14 global.
fn scope(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() || v4.is_link_local() => 2,
        IpAddr::V4(_) => 14,
        IpAddr::V6(v6) if v6.is_multicast() => v6.segments()[0] as u8 & 0x0f,
        IpAddr::V6(v6) if v6.is_loopback() || v6.is_unicast_link_local() => 2,
        IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfec0 => 5,
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(14, |v4| scope(IpAddr::V4(v4))),
    }
}

/// The source address the kernel would use to reach `ip` (a UDP `connect(2)`, which sends
/// nothing), or `None` when it has no route: how glibc finds the destinations it cannot use.
fn source_of(ip: IpAddr) -> Option<IpAddr> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let family = match ip {
        IpAddr::V4(_) => AddressFamily::INET,
        IpAddr::V6(_) => AddressFamily::INET6,
    };
    let fd =
        rustix::net::socket_with(family, SocketType::DGRAM, SocketFlags::CLOEXEC, None).ok()?;
    rustix::net::connect(&fd, &SocketAddr::new(ip, 9)).ok()?;
    match rustix::net::getsockname(&fd).ok()?.try_into().ok()? {
        SocketAddr::V4(a) => Some(IpAddr::V4(*a.ip())),
        SocketAddr::V6(a) => Some(IpAddr::V6(*a.ip())),
    }
}

/// Orders the addresses of a name as glibc's `getaddrinfo` does (RFC 3484/6724 destination
/// selection), by the rules that need no knowledge of the host's address flags: usable
/// destinations first (1), then those whose source has their scope (2), higher precedence
/// (6), smaller scope (8); otherwise the answer's order (10).
fn destination_order(addrs: &mut [IpAddr]) {
    if addrs.len() < 2 {
        return;
    }
    // The sort key, smallest first: unusable, source of another scope, precedence (higher
    // first), scope.
    let key = |ip: IpAddr| {
        let source = source_of(ip);
        let matching = source.is_some_and(|src| scope(src) == scope(ip));
        (
            source.is_none(),
            !matching,
            std::cmp::Reverse(precedence(ip)),
            scope(ip),
        )
    };
    let mut keyed: Vec<_> = addrs.iter().map(|&ip| (ip, key(ip))).collect();
    keyed.sort_by_key(|(_, key)| *key);
    for (slot, (ip, _)) in addrs.iter_mut().zip(keyed) {
        *slot = ip;
    }
}

/// `gethostbyname2_r(3)` with `AF_INET` over `--dns`: the end of the CNAME chain, the names
/// that led to it, and the A records; a failure is glibc's `herror`.
fn dns_hostent(dns: &Dns, name: &CStr) -> SocketResult<HostEntry> {
    let text = name.to_str().map_err(|_| h_error(1))?;
    let answer = dns
        .forward(text, RecordType::A)
        .map_err(|f| h_error(h_code(f)))?;
    Ok(HostEntry {
        name: answer.canonical,
        aliases: answer.aliases,
        addresses: answer.addresses,
    })
}

/// `getnameinfo(3)` over `--dns`: glibc formats the service and the numeric host (and
/// rejects bad flags); the host's name is the first PTR record's, without the domain of
/// `hostname` (the name the guest was granted) under `NI_NOFQDN`. Without one it is the numeric host, or, under `NI_NAMEREQD`,
/// `EAI_NONAME` (`EAI_AGAIN` when the server could not answer), as glibc reports.
fn dns_getnameinfo(
    dns: &Dns,
    hostname: &str,
    addr: SocketAddr,
    flags: i32,
) -> SocketResult<(String, String)> {
    let (numeric, serv) = glibc::getnameinfo(&addr, flags | libc::NI_NUMERICHOST)
        .map_err(|(rc, os_error)| gai_error(rc, os_error))?;
    let serv = decode_strict(&serv)?;
    match dns.reverse(ptr_address(addr.ip())) {
        Ok(names) => {
            let mut name = names.into_iter().next().unwrap_or_default();
            if flags & libc::NI_NOFQDN != 0
                && let Some((_, domain)) = hostname.split_once('.')
                && let Some(short) = name.strip_suffix(&format!(".{domain}"))
            {
                name = short.to_owned();
            }
            Ok((name, serv))
        }
        Err(failure) if flags & libc::NI_NAMEREQD != 0 => Err(gai(match failure {
            Failure::Again => libc::EAI_AGAIN,
            _ => libc::EAI_NONAME,
        })),
        Err(_) => Ok((decode_strict(&numeric)?, serv)),
    }
}

// ---------------------------------------------------------------------------------------------
// Host entries

/// CPython's `gethost_common`: a `hostent` of family `af` as a [`HostEntry`].
fn gethost_common(h: HostEnt<'_>, af: c_int) -> SocketResult<HostEntry> {
    if h.addrtype() != af {
        return Err(SocketError::Os(Errno::AFNOSUPPORT, None));
    }
    let addr_len = match af {
        libc::AF_INET => 4,
        libc::AF_INET6 => 16,
        _ => {
            return Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                "unsupported address family",
            ));
        }
    };
    if h.length() != addr_len as c_int {
        return Err(SocketError::Os(Errno::AFNOSUPPORT, None));
    }
    let mut aliases = Vec::new();
    for alias in h.aliases() {
        aliases.push(decode_strict(alias)?);
    }
    let mut addresses = Vec::new();
    for addr in h.addresses() {
        // Each address is `h_length` (checked: `addr_len`) bytes.
        let mut bytes = [0u8; 16];
        bytes[..addr_len].copy_from_slice(addr);
        addresses.push(if af == libc::AF_INET {
            IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
        } else {
            IpAddr::V6(Ipv6Addr::from(bytes))
        });
    }
    let name = decode_strict(h.name())?;
    Ok(HostEntry {
        name,
        aliases,
        addresses,
    })
}

// ---------------------------------------------------------------------------------------------
// Host names to ASCII

/// `host.encode("idna")`: ASCII names as they are (CPython's fast path), other names through
/// UTS #46 ToASCII; then CPython's label-length check (every label 1 to 63 bytes, the last may
/// be empty). `Err` is the `UnicodeError` text.
fn idna_encode(input: &str) -> Result<Vec<u8>, String> {
    let ascii = if input.is_ascii() {
        input.as_bytes().to_vec()
    } else {
        idna::domain_to_ascii(input)
            .map_err(|_| "not a valid internationalized domain name (UTS #46)".to_owned())?
            .into_bytes()
    };
    if ascii.is_empty() {
        return Ok(ascii);
    }
    let labels: Vec<&[u8]> = ascii.split(|&b| b == b'.').collect();
    if let Some((last, init)) = labels.split_last() {
        if init.iter().any(|l| l.is_empty() || l.len() >= 64) {
            return Err("label empty or too long".into());
        }
        if last.len() >= 64 {
            return Err("label too long".into());
        }
    }
    Ok(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::sys::errno_from_raw;
    use std::net::{SocketAddrV4, SocketAddrV6};

    // The functions under test, called with permits as the guard would give them (these tests
    // exercise the resolver, not the policy).
    fn getaddrinfo(
        host: Option<&str>,
        service: Option<&str>,
        family: i32,
        socktype: i32,
        protocol: i32,
        flags: i32,
    ) -> SocketResult<Vec<AddrInfo>> {
        let lookup = Permit::test_lookup(host);
        super::getaddrinfo(&lookup, service, family, socktype, protocol, flags)
    }

    fn getnameinfo(addr: SocketAddr, flags: i32) -> SocketResult<(String, String)> {
        super::getnameinfo(addr, flags, Some(&Permit::test_reverse()))
    }

    fn gethostbyname(name: &str) -> SocketResult<Ipv4Addr> {
        super::gethostbyname(&Permit::test_lookup(Some(name)))
    }

    fn gethostbyname_ex(name: &str) -> SocketResult<HostEntry> {
        super::gethostbyname_ex(&Permit::test_lookup(Some(name)))
    }

    fn gethostbyaddr(address: &str) -> SocketResult<HostEntry> {
        let lookup = Permit::test_lookup(Some(address));
        super::gethostbyaddr(&lookup, &Permit::test_reverse())
    }

    #[test]
    fn getnameinfo_without_a_reverse_permit_asks_no_one() {
        let addr = v4([127, 0, 0, 1], 80);
        // With the permit, 127.0.0.1 is looked up (/etc/hosts names it); without, it is not.
        assert_ne!(getnameinfo(addr, 0).unwrap().0, "127.0.0.1");
        assert_eq!(super::getnameinfo(addr, 0, None).unwrap().0, "127.0.0.1");
    }

    const V4_LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    fn v4(a: [u8; 4], port: u16) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(a), port))
    }

    fn v6(ip: Ipv6Addr, port: u16, flowinfo: u32, scope_id: u32) -> SocketAddr {
        SocketAddr::V6(SocketAddrV6::new(ip, port, flowinfo, scope_id))
    }

    fn ai(family: i32, socktype: i32, protocol: i32, canon: &str, addr: SocketAddr) -> AddrInfo {
        AddrInfo {
            family,
            socktype,
            protocol,
            canonname: canon.to_string(),
            addr,
        }
    }

    /// The error as `(kind, code, message)` for compact assertions.
    fn err<T: std::fmt::Debug>(r: SocketResult<T>) -> (&'static str, i32, String) {
        match r.expect_err("expected an error") {
            SocketError::Os(e, m) => ("os", e.raw_os_error(), m.unwrap_or_default()),
            SocketError::Gai(c, m) => ("gai", c, m),
            SocketError::H(c, m) => ("h", c, m),
            SocketError::Timeout => ("timeout", 0, String::new()),
            SocketError::Cancelled(reason) => ("cancelled", 0, reason),
            SocketError::Trap(e) => ("trap", 0, e.to_string()),
        }
    }

    fn einval(msg: &str) -> (&'static str, i32, String) {
        ("os", libc::EINVAL, msg.to_string())
    }

    /// The netdb files the service/protocol tests read; CI installs them with `netbase`.
    fn require_netbase() {
        for f in ["/etc/services", "/etc/protocols"] {
            assert!(
                std::path::Path::new(f).exists(),
                "{f} is missing: install the `netbase` package (apt-get install netbase)"
            );
        }
    }

    // --- getaddrinfo ---------------------------------------------------------------------

    #[test]
    fn getaddrinfo_localhost_stream() {
        let r = getaddrinfo(
            Some("localhost"),
            Some("80"),
            libc::AF_INET,
            libc::SOCK_STREAM,
            0,
            0,
        )
        .unwrap();
        assert_eq!(
            r,
            vec![ai(
                libc::AF_INET,
                libc::SOCK_STREAM,
                6,
                "",
                v4([127, 0, 0, 1], 80)
            )]
        );
    }

    #[test]
    fn getaddrinfo_numeric_all_socktypes_in_glibc_order() {
        // Python: getaddrinfo('127.0.0.1', 80) → STREAM/6, DGRAM/17, RAW/0.
        let r = getaddrinfo(Some("127.0.0.1"), Some("80"), 0, 0, 0, 0).unwrap();
        let a = v4([127, 0, 0, 1], 80);
        assert_eq!(
            r,
            vec![
                ai(libc::AF_INET, libc::SOCK_STREAM, 6, "", a),
                ai(libc::AF_INET, libc::SOCK_DGRAM, 17, "", a),
                ai(libc::AF_INET, libc::SOCK_RAW, 0, "", a),
            ]
        );
        // `127.1` is accepted by getaddrinfo (inet_aton forms), as in Python.
        let r = getaddrinfo(
            Some("127.1"),
            Some("80"),
            libc::AF_INET,
            libc::SOCK_STREAM,
            0,
            0,
        );
        assert_eq!(r.unwrap()[0].addr, a);
        // A port past 65535 wraps in glibc, as Python shows: 99999 → 34463.
        let r = getaddrinfo(Some("127.0.0.1"), Some("99999"), 0, libc::SOCK_STREAM, 0, 0);
        assert_eq!(r.unwrap()[0].addr, v4([127, 0, 0, 1], 34463));
    }

    #[test]
    fn getaddrinfo_passive_ipv6_wildcard() {
        let r = getaddrinfo(None, Some("8080"), libc::AF_INET6, 0, 0, libc::AI_PASSIVE).unwrap();
        let any = v6(Ipv6Addr::UNSPECIFIED, 8080, 0, 0);
        assert_eq!(
            r,
            vec![
                ai(libc::AF_INET6, libc::SOCK_STREAM, 6, "", any),
                ai(libc::AF_INET6, libc::SOCK_DGRAM, 17, "", any),
                ai(libc::AF_INET6, libc::SOCK_RAW, 0, "", any),
            ]
        );
        assert_eq!(r[0].addr.to_string(), "[::]:8080");
    }

    #[test]
    fn getaddrinfo_passive_unspec_has_both_wildcards() {
        let r = getaddrinfo(
            None,
            Some("8080"),
            0,
            libc::SOCK_STREAM,
            0,
            libc::AI_PASSIVE,
        )
        .unwrap();
        let mut addrs: Vec<String> = r.iter().map(|a| a.addr.to_string()).collect();
        addrs.sort();
        assert_eq!(addrs, ["0.0.0.0:8080", "[::]:8080"]);
        assert!(
            r.iter()
                .all(|a| a.socktype == libc::SOCK_STREAM && a.protocol == 6)
        );
    }

    #[test]
    fn getaddrinfo_scoped_ipv6() {
        // Python: getaddrinfo('fe80::1%lo', 80, AF_INET6, SOCK_STREAM) → ('fe80::1', 80, 0, 1).
        for host in ["fe80::1%lo", "fe80::1%1"] {
            let r = getaddrinfo(
                Some(host),
                Some("80"),
                libc::AF_INET6,
                libc::SOCK_STREAM,
                0,
                0,
            );
            let fe80 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
            assert_eq!(
                r.unwrap(),
                vec![ai(
                    libc::AF_INET6,
                    libc::SOCK_STREAM,
                    6,
                    "",
                    v6(fe80, 80, 0, 1)
                )]
            );
        }
    }

    #[test]
    fn getaddrinfo_canonname() {
        // Python: getaddrinfo('localhost', 'http', AF_INET, 0, 0, AI_CANONNAME): the first
        // result has 'localhost', the others ''.
        for host in ["localhost", "LOCALHOST"] {
            let r = getaddrinfo(
                Some(host),
                Some("80"),
                libc::AF_INET,
                0,
                0,
                libc::AI_CANONNAME,
            )
            .unwrap();
            assert_eq!(r.len(), 3);
            assert_eq!(r[0].canonname, "localhost");
            assert!(r[1..].iter().all(|a| a.canonname.is_empty()));
            assert!(r.iter().all(|a| a.addr == v4([127, 0, 0, 1], 80)));
        }
    }

    #[test]
    fn getaddrinfo_gai_errors() {
        let gai = |code: i32, msg: &str| ("gai", code, msg.to_string());
        // AI_NUMERICHOST with a name.
        let r = getaddrinfo(
            Some("localhost"),
            Some("80"),
            libc::AF_INET,
            libc::SOCK_STREAM,
            0,
            libc::AI_NUMERICHOST,
        );
        assert_eq!(err(r), gai(-2, "Name or service not known"));
        // AF_INET with an IPv6 literal.
        let r = getaddrinfo(Some("::1"), Some("80"), libc::AF_INET, 0, 0, 0);
        assert_eq!(err(r), gai(-9, "Address family for hostname not supported"));
        // Unknown service, with and without a socket type.
        for socktype in [0, libc::SOCK_STREAM] {
            let r = getaddrinfo(Some("127.0.0.1"), Some("nosuch-svc"), 0, socktype, 0, 0);
            assert_eq!(err(r), gai(-8, "Servname not supported for ai_socktype"));
        }
        let r = getaddrinfo(Some("127.0.0.1"), Some("80"), 0, libc::SOCK_RAW, 0, 0);
        assert_eq!(err(r), gai(-8, "Servname not supported for ai_socktype"));
        let r = getaddrinfo(Some("127.0.0.1"), Some("80"), 12345, 0, 0, 0);
        assert_eq!(err(r), gai(-6, "ai_family not supported"));
        let r = getaddrinfo(Some("127.0.0.1"), Some("80"), libc::AF_UNIX, 0, 0, 0);
        assert_eq!(err(r), gai(-6, "ai_family not supported"));
        let r = getaddrinfo(Some("127.0.0.1"), Some("80"), 0, 12345, 0, 0);
        assert_eq!(err(r), gai(-7, "ai_socktype not supported"));
        let r = getaddrinfo(Some("127.0.0.1"), Some("80"), 0, 0, 0, 0x40000);
        assert_eq!(err(r), gai(-1, "Bad value for ai_flags"));
        // Neither host nor service.
        assert_eq!(
            err(getaddrinfo(None, None, 0, 0, 0, 0)),
            gai(-2, "Name or service not known")
        );
        // The empty host name.
        let r = getaddrinfo(Some(""), Some("80"), 0, 0, 0, 0);
        assert_eq!(err(r), gai(-2, "Name or service not known"));
    }

    #[test]
    fn getaddrinfo_argument_errors() {
        let r = getaddrinfo(Some("localhost\0evil"), Some("80"), 0, 0, 0, 0);
        assert_eq!(err(r), einval("embedded null character in host name"));
        let r = getaddrinfo(Some("localhost"), Some("80\0x"), 0, 0, 0, 0);
        assert_eq!(err(r), einval("embedded null character in service name"));
        // Python's idna codec errors (UnicodeError).
        let long = "x".repeat(64);
        let r = getaddrinfo(Some(&long), Some("80"), 0, 0, 0, 0);
        assert_eq!(
            err(r),
            einval("encoding with 'idna' codec failed (UnicodeError: label too long)")
        );
        let r = getaddrinfo(Some("a..b"), Some("80"), 0, 0, 0, 0);
        assert_eq!(
            err(r),
            einval("encoding with 'idna' codec failed (UnicodeError: label empty or too long)")
        );
    }

    #[test]
    fn getaddrinfo_non_ascii_host_is_idna_encoded() {
        // Python: '１２７．０．０．１'.encode('idna') == b'127.0.0.1', so it resolves numerically.
        let r = getaddrinfo(
            Some("１２７．０．０．１"),
            Some("80"),
            libc::AF_INET,
            libc::SOCK_STREAM,
            0,
            libc::AI_NUMERICHOST,
        );
        assert_eq!(
            r.unwrap(),
            vec![ai(
                libc::AF_INET,
                libc::SOCK_STREAM,
                6,
                "",
                v4([127, 0, 0, 1], 80)
            )]
        );
        // A non-ASCII name reaches glibc as its xn-- form (no lookup with AI_NUMERICHOST).
        let r = getaddrinfo(Some("bücher"), Some("80"), 0, 0, 0, libc::AI_NUMERICHOST);
        assert_eq!(err(r), ("gai", -2, "Name or service not known".to_string()));
        let r = getaddrinfo(Some("\u{e000}"), Some("80"), 0, 0, 0, 0);
        assert_eq!(
            err(r),
            einval(
                "encoding with 'idna' codec failed (UnicodeError: not a valid internationalized domain name (UTS #46))"
            )
        );
    }

    #[test]
    fn getaddrinfo_never_panics_on_odd_input() {
        let long = "ü".repeat(100_000);
        let dots = ".".repeat(10_000);
        let odd = [
            "",
            ".",
            "..",
            "。",
            "\0",
            "ü\0",
            "\u{301}",
            "xn--",
            "xn--ü",
            &long,
            &dots,
            "[::1]",
            "%",
            "fe80::1%",
            "::ffff:127.0.0.1",
            "\u{10FFFF}",
            "ǅ",
            "\u{FEFF}",
        ];
        for h in odd {
            for s in [None, Some(""), Some("0"), Some("\u{10FFFF}"), Some(h)] {
                let flags = libc::AI_NUMERICHOST | libc::AI_NUMERICSERV;
                let _ = getaddrinfo(Some(h), s, 0, 0, 0, flags);
            }
            let _ = idna_encode(h);
        }
        for flags in [-1, i32::MIN, i32::MAX] {
            let _ = getaddrinfo(Some("127.0.0.1"), Some("80"), flags, flags, flags, flags);
        }
    }

    // --- getnameinfo ---------------------------------------------------------------------

    #[test]
    fn getnameinfo_numeric() {
        let numeric = libc::NI_NUMERICHOST | libc::NI_NUMERICSERV;
        let r = getnameinfo(v4([127, 0, 0, 1], 80), numeric).unwrap();
        assert_eq!(r, ("127.0.0.1".to_string(), "80".to_string()));
        let r = getnameinfo(v6(Ipv6Addr::LOCALHOST, 80, 0, 0), numeric).unwrap();
        assert_eq!(r, ("::1".to_string(), "80".to_string()));
        // Flow info up to 0xfffff is accepted.
        let r = getnameinfo(v6(Ipv6Addr::LOCALHOST, 80, 0xfffff, 0), numeric).unwrap();
        assert_eq!(r.0, "::1");
        // A scope id is written back as the interface name.
        let fe80 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        assert_eq!(
            getnameinfo(v6(fe80, 80, 0, 1), numeric).unwrap().0,
            "fe80::1%lo"
        );
        assert_eq!(
            getnameinfo(v6(fe80, 80, 0, 0), numeric).unwrap().0,
            "fe80::1"
        );
        let mapped = "::ffff:127.0.0.1".parse::<Ipv6Addr>().unwrap();
        assert_eq!(
            getnameinfo(v6(mapped, 80, 0, 0), numeric).unwrap().0,
            "::ffff:127.0.0.1"
        );
        // An unknown port stays numeric.
        let r = getnameinfo(v4([127, 0, 0, 1], 12345), libc::NI_NUMERICHOST).unwrap();
        assert_eq!(r, ("127.0.0.1".to_string(), "12345".to_string()));
    }

    #[test]
    fn getnameinfo_named() {
        require_netbase();
        let r = getnameinfo(v4([127, 0, 0, 1], 80), 0).unwrap();
        assert_eq!(r, ("localhost".to_string(), "http".to_string()));
        let r = getnameinfo(v4([127, 0, 0, 1], 80), libc::NI_NAMEREQD).unwrap();
        assert_eq!(r, ("localhost".to_string(), "http".to_string()));
        let r = getnameinfo(v4([127, 0, 0, 1], 53), libc::NI_DGRAM).unwrap();
        assert_eq!(r, ("localhost".to_string(), "domain".to_string()));
        let r = getnameinfo(v4([127, 0, 0, 1], 80), libc::NI_NUMERICHOST).unwrap();
        assert_eq!(r, ("127.0.0.1".to_string(), "http".to_string()));
    }

    #[test]
    fn getnameinfo_errors() {
        let r = getnameinfo(v6(Ipv6Addr::LOCALHOST, 80, 0x100000, 0), 0);
        assert_eq!(err(r), einval("getnameinfo(): flowinfo must be 0-1048575."));
        let r = getnameinfo(v6(Ipv6Addr::LOCALHOST, 80, u32::MAX, 0), 0);
        assert_eq!(err(r), einval("getnameinfo(): flowinfo must be 0-1048575."));
        for flags in [0x7fff_ffff, -1] {
            let r = getnameinfo(v4([127, 0, 0, 1], 80), flags);
            assert_eq!(err(r), ("gai", -1, "Bad value for ai_flags".to_string()));
        }
    }

    // --- gethostbyname / gethostbyname_ex / gethostbyaddr --------------------------------

    #[test]
    fn gethostbyname_addresses() {
        assert_eq!(gethostbyname("127.0.0.1").unwrap(), Ipv4Addr::LOCALHOST);
        assert_eq!(gethostbyname("localhost").unwrap(), Ipv4Addr::LOCALHOST);
        assert_eq!(gethostbyname("127.1").unwrap(), Ipv4Addr::LOCALHOST);
        assert_eq!(gethostbyname("").unwrap(), Ipv4Addr::UNSPECIFIED);
        assert_eq!(gethostbyname("<broadcast>").unwrap(), Ipv4Addr::BROADCAST);
        assert_eq!(
            gethostbyname("255.255.255.255").unwrap(),
            Ipv4Addr::BROADCAST
        );
    }

    #[test]
    fn gethostbyname_errors() {
        let r = gethostbyname("::1");
        assert_eq!(
            err(r),
            (
                "gai",
                -9,
                "Address family for hostname not supported".into()
            )
        );
        let r = gethostbyname("a\0b");
        let msg = "gethostbyname() argument 1 must be encoded string without null bytes, not str";
        assert_eq!(err(r), einval(msg));
        let r = gethostbyname(&"x".repeat(64));
        assert_eq!(
            err(r),
            einval("encoding with 'idna' codec failed (UnicodeError: label too long)")
        );
    }

    #[test]
    fn gethostbyname_ex_localhost() {
        let e = gethostbyname_ex("localhost").unwrap();
        assert_eq!(e.name, "localhost");
        assert_eq!(e.addresses, vec![V4_LOOPBACK]);
        assert!(e.aliases.iter().all(|a| !a.is_empty()));
        // A numeric name is its own entry.
        let e = gethostbyname_ex("127.0.0.1").unwrap();
        assert_eq!(
            e,
            HostEntry {
                name: "127.0.0.1".into(),
                aliases: vec![],
                addresses: vec![V4_LOOPBACK],
            }
        );
        let e = gethostbyname_ex("127.1").unwrap();
        assert_eq!((e.name.as_str(), e.addresses), ("127.1", vec![V4_LOOPBACK]));
    }

    #[test]
    fn gethostbyname_ex_errors() {
        // setipaddr accepts these, gethostbyname2_r does not: herror from h_errnop.
        assert_eq!(
            err(gethostbyname_ex("")),
            ("h", 3, "Unknown server error".into())
        );
        assert_eq!(
            err(gethostbyname_ex("<broadcast>")),
            ("h", 1, "Unknown host".into())
        );
        let r = gethostbyname_ex("::1");
        assert_eq!(
            err(r),
            (
                "gai",
                -9,
                "Address family for hostname not supported".into()
            )
        );
        let msg =
            "gethostbyname_ex() argument 1 must be encoded string without null bytes, not str";
        assert_eq!(err(gethostbyname_ex("a\0b")), einval(msg));
    }

    #[test]
    fn gethostbyaddr_loopback() {
        // Python: gethostbyaddr('127.0.0.1') == ('localhost', [], ['127.0.0.1']).
        for addr in ["127.0.0.1", "127.1"] {
            let e = gethostbyaddr(addr).unwrap();
            assert_eq!(e.name, "localhost", "{addr}");
            assert_eq!(e.addresses, vec![V4_LOOPBACK], "{addr}");
            assert!(e.aliases.iter().all(|a| !a.is_empty()));
        }
        // A name is resolved first (AF_UNSPEC, first result): 127.0.0.1 here, ::1 where
        // /etc/hosts lists `::1 localhost` first.
        let e = gethostbyaddr("localhost").unwrap();
        assert_eq!(e.name, "localhost");
        assert_eq!(e.addresses.len(), 1);
        assert!(e.addresses[0].is_loopback(), "{e:?}");
    }

    #[test]
    fn gethostbyaddr_errors() {
        let r = gethostbyaddr("");
        assert_eq!(
            err(r),
            (
                "os",
                libc::ENOTUNIQ,
                "wildcard resolved to multiple address".into()
            )
        );
        let msg = "gethostbyaddr() argument 1 must be encoded string without null bytes, not str";
        assert_eq!(err(gethostbyaddr("a\0b")), einval(msg));
        let r = gethostbyaddr(&"x".repeat(64));
        assert_eq!(
            err(r),
            einval("encoding with 'idna' codec failed (UnicodeError: label too long)")
        );
    }

    // --- services and protocols ----------------------------------------------------------

    #[test]
    fn getservbyname_known_and_unknown() {
        require_netbase();
        assert_eq!(getservbyname("http", None).unwrap(), 80);
        assert_eq!(getservbyname("http", Some("tcp")).unwrap(), 80);
        assert_eq!(getservbyname("www", None).unwrap(), 80);
        assert_eq!(getservbyname("domain", Some("udp")).unwrap(), 53);
        let not_found = ("os", libc::ENOENT, "service/proto not found".to_string());
        assert_eq!(err(getservbyname("http", Some("udp"))), not_found);
        assert_eq!(err(getservbyname("nosuch", None)), not_found);
        assert_eq!(err(getservbyname("http", Some("nosuch"))), not_found);
        assert_eq!(err(getservbyname("", None)), not_found);
        assert_eq!(
            err(getservbyname("a\0b", None)),
            einval("embedded null character in service name")
        );
        assert_eq!(
            err(getservbyname("http", Some("a\0b"))),
            einval("embedded null character in protocol name")
        );
    }

    #[test]
    fn getservbyport_known_and_unknown() {
        require_netbase();
        assert_eq!(getservbyport(80, Some("tcp")).unwrap(), "http");
        assert_eq!(getservbyport(80, None).unwrap(), "http");
        assert_eq!(getservbyport(53, Some("udp")).unwrap(), "domain");
        let not_found = ("os", libc::ENOENT, "port/proto not found".to_string());
        assert_eq!(err(getservbyport(0, None)), not_found);
        assert_eq!(err(getservbyport(65535, None)), not_found);
        assert_eq!(err(getservbyport(80, Some("nosuch"))), not_found);
        assert_eq!(
            err(getservbyport(80, Some("a\0b"))),
            einval("embedded null character in protocol name")
        );
    }

    #[test]
    fn getprotobyname_known_and_unknown() {
        require_netbase();
        assert_eq!(getprotobyname("tcp").unwrap(), 6);
        assert_eq!(getprotobyname("TCP").unwrap(), 6);
        assert_eq!(getprotobyname("udp").unwrap(), 17);
        assert_eq!(getprotobyname("ip").unwrap(), 0);
        assert_eq!(getprotobyname("ipv6-icmp").unwrap(), 58);
        let not_found = ("os", libc::ENOENT, "protocol not found".to_string());
        assert_eq!(err(getprotobyname("nosuch")), not_found);
        assert_eq!(err(getprotobyname("")), not_found);
        assert_eq!(
            err(getprotobyname("a\0b")),
            einval("embedded null character in protocol name")
        );
    }

    // --- interfaces ----------------------------------------------------------------------

    #[test]
    fn if_nameindex_has_loopback() {
        let all = if_nameindex().unwrap();
        assert!(all.contains(&(1, "lo".to_string())), "{all:?}");
        assert!(all.iter().all(|(i, n)| *i != 0 && !n.is_empty()));
    }

    #[test]
    fn if_nametoindex_and_back() {
        assert_eq!(if_nametoindex("lo").unwrap(), 1);
        assert_eq!(if_indextoname(1).unwrap(), "lo");
        let none = (
            "os",
            libc::ENODEV,
            "no interface with this name".to_string(),
        );
        assert_eq!(err(if_nametoindex("nosuch")), none);
        assert_eq!(err(if_nametoindex("")), none);
        assert_eq!(err(if_nametoindex(&"x".repeat(40))), none);
        assert_eq!(
            err(if_nametoindex("a\0b")),
            einval("embedded null byte in interface name")
        );
        for index in [0, 9999, u32::MAX] {
            assert_eq!(
                err(if_indextoname(index)),
                ("os", libc::ENXIO, String::new())
            );
        }
        // Every listed interface round-trips.
        for (index, name) in if_nameindex().unwrap() {
            assert_eq!(if_nametoindex(&name).unwrap(), index);
            assert_eq!(if_indextoname(index).unwrap(), name);
        }
    }

    // --- IDNA, decoding, errors ----------------------------------------------------------

    #[test]
    fn idna_ascii_fast_path_matches_python() {
        let x63 = "x".repeat(63);
        let x64 = "x".repeat(64);
        let ok: &[&str] = &["", "localhost", "a.b.", "a\0b", &x63, &format!("{x63}.")];
        for name in ok {
            assert_eq!(
                idna_encode(name).as_deref(),
                Ok(name.as_bytes()),
                "{name:?}"
            );
        }
        let bad: &[(&str, &str)] = &[
            (".", "label empty or too long"),
            ("a..", "label empty or too long"),
            (".a", "label empty or too long"),
            (&x64, "label too long"),
            (&format!("{x64}."), "label empty or too long"),
            (&format!("a.{x64}"), "label too long"),
        ];
        for (name, want) in bad {
            assert_eq!(idna_encode(name), Err(want.to_string()), "{name:?}");
        }
    }

    #[test]
    fn idna_non_ascii_names_are_uts46() {
        let ok: &[(&str, &[u8])] = &[
            ("bücher", b"xn--bcher-kva"),
            ("BÜCHER.invalid", b"xn--bcher-kva.invalid"),
            ("日本語.jp", b"xn--wgv71a119e.jp"),
            ("пример.испытание", b"xn--e1afmkfd.xn--80akhbyknj4f"),
            ("مثال", b"xn--mgbh0fb"),
            ("ＡＢＣ．ｃｏｍ", b"abc.com"),
            ("１２７．０．０．１", b"127.0.0.1"),
            // IDNA 2008 keeps ß, where CPython's IDNA 2003 codec maps it to "ss".
            ("straße", b"xn--strae-oqa"),
        ];
        for (name, want) in ok {
            assert_eq!(idna_encode(name).as_deref(), Ok(*want), "{name:?}");
        }
        for name in ["\u{e000}", "xn--ü"] {
            assert_eq!(
                idna_encode(name),
                Err("not a valid internationalized domain name (UTS #46)".to_owned()),
                "{name:?}"
            );
        }
        let long = "ü".repeat(100);
        assert_eq!(idna_encode(&long), Err("label too long".to_owned()));
    }

    #[test]
    fn decode_strict_is_python_utf8() {
        assert_eq!(decode_strict(b"localhost").unwrap(), "localhost");
        let msg = |b: &[u8]| err(decode_strict(b)).2;
        assert_eq!(
            msg(b"\xff"),
            "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
        );
        assert_eq!(
            msg(b"ab\x80"),
            "'utf-8' codec can't decode byte 0x80 in position 2: invalid start byte"
        );
        assert_eq!(
            msg(b"\xe2\x28\xa1"),
            "'utf-8' codec can't decode byte 0xe2 in position 0: invalid continuation byte"
        );
        assert_eq!(
            msg(b"\xe2\x82\x28"),
            "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte"
        );
        assert_eq!(
            msg(b"\xe2"),
            "'utf-8' codec can't decode byte 0xe2 in position 0: unexpected end of data"
        );
        assert_eq!(
            msg(b"a\xe2\x82"),
            "'utf-8' codec can't decode bytes in position 1-2: unexpected end of data"
        );
        assert_eq!(err(decode_strict(b"\xff")).1, libc::EINVAL);
    }

    #[test]
    fn error_helpers_never_panic() {
        assert_eq!(errno_from_raw(0), Errno::IO);
        assert_eq!(errno_from_raw(-5), Errno::IO);
        assert_eq!(errno_from_raw(4096), Errno::IO);
        assert_eq!(errno_from_raw(libc::ENXIO), Errno::NXIO);
        // EAI_SYSTEM is the errno's OSError; without an errno it stays a gaierror.
        let e = gai_error(libc::EAI_SYSTEM, io::Error::from_raw_os_error(libc::EMFILE));
        assert_eq!(err::<()>(Err(e)), ("os", libc::EMFILE, String::new()));
        let e = gai_error(libc::EAI_SYSTEM, io::Error::from_raw_os_error(0));
        assert_eq!(
            err::<()>(Err(e)),
            ("gai", libc::EAI_SYSTEM, "System error".into())
        );
        let e = gai_error(12345, io::Error::from_raw_os_error(0));
        assert_eq!(err::<()>(Err(e)).0, "gai");
        assert_eq!(err::<()>(Err(h_error(1))), ("h", 1, "Unknown host".into()));
        assert_eq!(
            err::<()>(Err(h_error(-1))),
            ("h", -1, "Resolver internal error".into())
        );
        let _ = h_error(i32::MIN);
    }
}
