//! The unsafe layer under the resolver: glibc's netdb and interface calls, one function per C
//! call (named after it), taking and returning safe Rust values.
//!
//! Everything that touches a raw pointer is here: the `extern "C"` declarations the `libc`
//! crate lacks, the calls themselves, the `getaddrinfo` result list (an owner that frees it
//! with `freeaddrinfo(3)`), the `hostent` walk, the `_r` calls' growing buffers, and the
//! reading of C strings. Each `unsafe` block says why it is sound. These functions carry out
//! no Python semantics: what a result means (CPython's errors, decoding, special cases) is
//! decided in [`super`], which has no `unsafe` at all.

#![allow(unsafe_code)]

use std::cell::Cell;
use std::ffi::{CStr, c_char, c_int};
use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ptr;

use rustix::io::Errno;

use crate::net::{sockaddr, sys};

/// glibc's reentrant netdb functions that the `libc` crate does not declare; the prototypes are
/// those of glibc's <netdb.h> and <arpa/inet.h>.
mod ffi {
    use std::ffi::{c_char, c_int, c_void};

    unsafe extern "C" {
        pub(super) fn gethostbyname2_r(
            name: *const c_char,
            af: c_int,
            ret: *mut libc::hostent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::hostent,
            h_errnop: *mut c_int,
        ) -> c_int;
        pub(super) fn gethostbyaddr_r(
            addr: *const c_void,
            len: libc::socklen_t,
            af: c_int,
            ret: *mut libc::hostent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::hostent,
            h_errnop: *mut c_int,
        ) -> c_int;
        pub(super) fn getservbyname_r(
            name: *const c_char,
            proto: *const c_char,
            ret: *mut libc::servent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::servent,
        ) -> c_int;
        pub(super) fn getservbyport_r(
            port: c_int,
            proto: *const c_char,
            ret: *mut libc::servent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::servent,
        ) -> c_int;
        pub(super) fn getprotobyname_r(
            name: *const c_char,
            ret: *mut libc::protoent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::protoent,
        ) -> c_int;
        pub(super) fn inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int;
    }
}

/// glibc's `NI_MAXSERV` (not exported by the `libc` crate); CPython's service buffer size.
const NI_MAXSERV: usize = 32;
/// First buffer for `gethostbyname2_r` / `gethostbyaddr_r`: CPython's fixed size.
const HOST_BUF_START: usize = 16 * 1024;
/// First buffer for `getservbyname_r` / `getservbyport_r` / `getprotobyname_r`.
const NSS_BUF_START: usize = 1024;
/// Largest buffer the `_r` calls are given before `ERANGE` is accepted as the answer.
const NSS_BUF_MAX: usize = 1024 * 1024;

/// How `getaddrinfo(3)` / `getnameinfo(3)` failed: the nonzero `EAI_*` code, and the thread's
/// errno read right after the call (what `EAI_SYSTEM` refers to).
pub(super) type GaiFailure = (c_int, io::Error);

// ---------------------------------------------------------------------------------------------
// getaddrinfo / getnameinfo

/// A `getaddrinfo(3)` result list, freed with `freeaddrinfo(3)` on drop.
pub(super) struct AddrInfoList(*mut libc::addrinfo);

impl AddrInfoList {
    /// The entries, in the list's order.
    pub(super) fn iter(&self) -> impl Iterator<Item = AddrInfoEntry<'_>> + '_ {
        let mut next = self.0;
        std::iter::from_fn(move || {
            // SAFETY: `next` is NULL or an entry of the list owned by `self`, which outlives
            // the iterator; `ai_next` links entries of the same list.
            let ai = unsafe { next.as_ref() }?;
            next = ai.ai_next;
            Some(AddrInfoEntry(ai))
        })
    }
}

impl Drop for AddrInfoList {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the list came from a successful `getaddrinfo` and is freed once.
            unsafe { libc::freeaddrinfo(self.0) }
        }
    }
}

/// One entry of an [`AddrInfoList`] (`struct addrinfo`), borrowed from the list.
#[derive(Clone, Copy)]
pub(super) struct AddrInfoEntry<'a>(&'a libc::addrinfo);

impl<'a> AddrInfoEntry<'a> {
    /// `ai_family`.
    pub(super) fn family(self) -> c_int {
        self.0.ai_family
    }

    /// `ai_socktype`.
    pub(super) fn socktype(self) -> c_int {
        self.0.ai_socktype
    }

    /// `ai_protocol`.
    pub(super) fn protocol(self) -> c_int {
        self.0.ai_protocol
    }

    /// `ai_canonname`, when it is set.
    pub(super) fn canonname(self) -> Option<&'a CStr> {
        let p = self.0.ai_canonname;
        // SAFETY: a non-null `ai_canonname` is a NUL-terminated string owned by the list, which
        // lives for `'a`.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
    }

    /// `ai_addr` (of `ai_addrlen` bytes) as an IPv4 or IPv6 address; NULL, a length too short
    /// for its family, or another family is `None` (see [`sockaddr::decode_bytes`]).
    pub(super) fn addr(self) -> Option<SocketAddr> {
        let sa = self.0.ai_addr;
        if sa.is_null() {
            return None;
        }
        // SAFETY: glibc's result: a non-null `ai_addr` points at `ai_addrlen` readable,
        // initialised bytes owned by the list, which lives for `'a`; the slice is only read.
        let bytes =
            unsafe { std::slice::from_raw_parts(sa.cast::<u8>(), self.0.ai_addrlen as usize) };
        sockaddr::decode_bytes(bytes)
    }
}

/// `getaddrinfo(3)` with hints `family`, `socktype`, `protocol` and `flags` (NULL for a `None`
/// host or service).
pub(super) fn getaddrinfo(
    host: Option<&CStr>,
    service: Option<&CStr>,
    family: c_int,
    socktype: c_int,
    protocol: c_int,
    flags: c_int,
) -> Result<AddrInfoList, GaiFailure> {
    // SAFETY: `addrinfo` is a plain C struct; all-zero (null pointers) is a valid value.
    let mut hints: libc::addrinfo = unsafe { mem::zeroed() };
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_protocol = protocol;
    hints.ai_flags = flags;
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: the strings are NUL-terminated or NULL, `hints` and `res` are valid for the call.
    let rc = unsafe {
        libc::getaddrinfo(
            host.map_or(ptr::null(), CStr::as_ptr),
            service.map_or(ptr::null(), CStr::as_ptr),
            &hints,
            &mut res,
        )
    };
    if rc != 0 {
        return Err((rc, io::Error::last_os_error()));
    }
    Ok(AddrInfoList(res))
}

/// `getnameinfo(3)` of `addr` (a `sockaddr_in` / `sockaddr_in6` from [`sockaddr::encode`],
/// flow info and scope id included) with `NI_MAXHOST` / `NI_MAXSERV` buffers, as CPython's:
/// the host and service bytes before their NULs.
pub(super) fn getnameinfo(
    addr: &SocketAddr,
    flags: c_int,
) -> Result<(Vec<u8>, Vec<u8>), GaiFailure> {
    let (storage, salen) = sockaddr::encode(addr);
    let mut host = [0u8; libc::NI_MAXHOST as usize];
    let mut serv = [0u8; NI_MAXSERV];
    // SAFETY: `storage` holds a `sockaddr` of `salen` bytes, alive for the call; the output
    // buffers are writable for the lengths given.
    let rc = unsafe {
        libc::getnameinfo(
            ptr::from_ref(&storage).cast(),
            salen,
            host.as_mut_ptr().cast(),
            host.len() as libc::socklen_t,
            serv.as_mut_ptr().cast(),
            serv.len() as libc::socklen_t,
            flags,
        )
    };
    if rc != 0 {
        return Err((rc, io::Error::last_os_error()));
    }
    Ok((until_nul(&host).to_vec(), until_nul(&serv).to_vec()))
}

/// `gai_strerror(3)`: the text of an `EAI_*` code (any int; NULL would be empty).
pub(super) fn gai_strerror(code: c_int) -> String {
    // SAFETY: `gai_strerror` takes any int and returns a static NUL-terminated string.
    unsafe { static_c_str(libc::gai_strerror(code)) }
}

/// `hstrerror(3)`: the text of an `h_errno` code (any int; NULL would be empty).
pub(super) fn hstrerror(code: c_int) -> String {
    // SAFETY: `hstrerror` takes any int and returns a static NUL-terminated string.
    unsafe { static_c_str(libc::hstrerror(code)) }
}

/// `inet_pton(3)` for `af` (`AF_INET` or `AF_INET6`, glibc's strict forms): the address bytes
/// (the first 4 for `AF_INET`), or `None` when `name` is not an address of that family.
pub(super) fn inet_pton(af: c_int, name: &CStr) -> Option<[u8; 16]> {
    let mut buf = [0u8; 16];
    // SAFETY: `name` is NUL-terminated; `buf` has room for an `in6_addr` (and an `in_addr`).
    let rc = unsafe { ffi::inet_pton(af, name.as_ptr(), buf.as_mut_ptr().cast()) };
    (rc == 1).then_some(buf)
}

// ---------------------------------------------------------------------------------------------
// Host entries

/// A `struct hostent` a lookup filled in, borrowed while its buffer lives.
#[derive(Clone, Copy)]
pub(super) struct HostEnt<'a>(&'a libc::hostent);

impl<'a> HostEnt<'a> {
    /// `h_addrtype`.
    pub(super) fn addrtype(self) -> c_int {
        self.0.h_addrtype
    }

    /// `h_length`: the length of each address.
    pub(super) fn length(self) -> c_int {
        self.0.h_length
    }

    /// `h_name`'s bytes (empty when NULL).
    pub(super) fn name(self) -> &'a [u8] {
        // SAFETY: `h_name` is NULL or a NUL-terminated string in the lookup buffer, alive for
        // `'a`.
        unsafe { c_str_bytes(self.0.h_name) }
    }

    /// `h_aliases`: each alias's bytes.
    pub(super) fn aliases(self) -> impl Iterator<Item = &'a [u8]> {
        // SAFETY: `h_aliases` is NULL or a NULL-terminated array of NUL-terminated strings, all
        // in the lookup buffer, alive for `'a`.
        unsafe { null_terminated(self.0.h_aliases) }.map(|alias| {
            // SAFETY: as above: each entry is a NUL-terminated string alive for `'a`.
            unsafe { c_str_bytes(alias) }
        })
    }

    /// `h_addr_list`: each address, `h_length` bytes (none when `h_length` is negative).
    pub(super) fn addresses(self) -> impl Iterator<Item = &'a [u8]> {
        let len = usize::try_from(self.0.h_length).unwrap_or(0);
        // SAFETY: `h_addr_list` is NULL or a NULL-terminated array of pointers to `h_length`
        // bytes each, in the lookup buffer, alive for `'a`.
        unsafe { null_terminated(self.0.h_addr_list) }.map(move |addr| {
            // SAFETY: as above: each address has `h_length` readable bytes, alive for `'a`.
            unsafe { std::slice::from_raw_parts(addr.cast::<u8>(), len) }
        })
    }
}

/// `gethostbyname2_r(3)` of `name` for family `af`, with a buffer that grows on `ERANGE`:
/// `found` gets the entry, or the code the call left in `h_errnop` when it found none.
pub(super) fn gethostbyname2_r<R>(
    name: &CStr,
    af: c_int,
    found: impl FnOnce(Result<HostEnt<'_>, c_int>) -> R,
) -> R {
    host_lookup(
        |ret, buf, buflen, result, h_errnop| {
            // SAFETY: `name` is NUL-terminated; `host_lookup` passes a writable `hostent`, a
            // buffer of `buflen` bytes and valid out-pointers, all alive for the call.
            unsafe { ffi::gethostbyname2_r(name.as_ptr(), af, ret, buf, buflen, result, h_errnop) }
        },
        found,
    )
}

/// `gethostbyaddr_r(3)` of the address `addr` (its 4 or 16 bytes) of family `af`, with a
/// buffer that grows on `ERANGE`: `found` gets the entry, or the code the call left in
/// `h_errnop` when it found none.
pub(super) fn gethostbyaddr_r<R>(
    addr: &[u8],
    af: c_int,
    found: impl FnOnce(Result<HostEnt<'_>, c_int>) -> R,
) -> R {
    host_lookup(
        |ret, buf, buflen, result, h_errnop| {
            // SAFETY: `addr` holds `addr.len()` readable bytes; `host_lookup` passes a writable
            // `hostent`, a buffer of `buflen` bytes and valid out-pointers.
            unsafe {
                ffi::gethostbyaddr_r(
                    addr.as_ptr().cast(),
                    addr.len() as libc::socklen_t,
                    af,
                    ret,
                    buf,
                    buflen,
                    result,
                    h_errnop,
                )
            }
        },
        found,
    )
}

/// A `gethostbyname2_r` / `gethostbyaddr_r` lookup: the entry, or the call's `h_errnop` code
/// when it found none, handed to `found` while the buffer is alive.
fn host_lookup<R>(
    mut call: impl FnMut(
        *mut libc::hostent,
        *mut c_char,
        libc::size_t,
        *mut *mut libc::hostent,
        *mut c_int,
    ) -> c_int,
    found: impl FnOnce(Result<HostEnt<'_>, c_int>) -> R,
) -> R {
    let h_errno = Cell::new(0);
    let mut call = |ret, buf, buflen, result| {
        let mut code = 0;
        let rc = call(ret, buf, buflen, result, &mut code);
        h_errno.set(code);
        rc
    };
    nss_lookup_from(HOST_BUF_START, &mut call, |entry| {
        found(entry.map(HostEnt).ok_or(h_errno.get()))
    })
}

// ---------------------------------------------------------------------------------------------
// Services and protocols

/// `getservbyname_r(3)`: the entry's `s_port` (the port in network byte order in its low 16
/// bits), or `None` when the call found nothing (whatever it returned).
pub(super) fn getservbyname_r(name: &CStr, proto: Option<&CStr>) -> Option<c_int> {
    let proto_ptr = proto.map_or(ptr::null(), CStr::as_ptr);
    nss_lookup(
        |ret, buf, buflen, result| {
            // SAFETY: `name` and `proto` (or NULL) are NUL-terminated; `nss_lookup` passes a
            // writable `servent`, a buffer of `buflen` bytes and a valid out-pointer.
            unsafe { ffi::getservbyname_r(name.as_ptr(), proto_ptr, ret, buf, buflen, result) }
        },
        |ent: Option<&libc::servent>| ent.map(|se| se.s_port),
    )
}

/// `getservbyport_r(3)` of `port` as the C call takes it (the network-order port in an
/// `int`): the entry's `s_name` bytes (empty when NULL), or `None` when the call found nothing.
pub(super) fn getservbyport_r(port: c_int, proto: Option<&CStr>) -> Option<Vec<u8>> {
    let proto_ptr = proto.map_or(ptr::null(), CStr::as_ptr);
    nss_lookup(
        |ret, buf, buflen, result| {
            // SAFETY: `proto` (or NULL) is NUL-terminated; `nss_lookup` passes a writable
            // `servent`, a buffer of `buflen` bytes and a valid out-pointer.
            unsafe { ffi::getservbyport_r(port, proto_ptr, ret, buf, buflen, result) }
        },
        |ent: Option<&libc::servent>| {
            // SAFETY: a found entry's `s_name` is NULL or a NUL-terminated string in the lookup
            // buffer, alive here; the bytes are copied out before it is freed.
            ent.map(|se| unsafe { c_str_bytes(se.s_name) }.to_vec())
        },
    )
}

/// `getprotobyname_r(3)`: the entry's `p_proto`, or `None` when the call found nothing.
pub(super) fn getprotobyname_r(name: &CStr) -> Option<c_int> {
    nss_lookup(
        |ret, buf, buflen, result| {
            // SAFETY: `name` is NUL-terminated; `nss_lookup` passes a writable `protoent`, a
            // buffer of `buflen` bytes and a valid out-pointer.
            unsafe { ffi::getprotobyname_r(name.as_ptr(), ret, buf, buflen, result) }
        },
        |ent: Option<&libc::protoent>| ent.map(|pe| pe.p_proto),
    )
}

/// Runs a glibc `get*_r` lookup with a buffer that grows while the call says `ERANGE`, and hands
/// the entry (None when not found) to `found` while the buffer is alive.
fn nss_lookup<E, R>(
    mut call: impl FnMut(*mut E, *mut c_char, libc::size_t, *mut *mut E) -> c_int,
    found: impl FnOnce(Option<&E>) -> R,
) -> R {
    nss_lookup_from(NSS_BUF_START, &mut call, found)
}

/// [`nss_lookup`] starting with a buffer of `start` bytes.
fn nss_lookup_from<E, R>(
    start: usize,
    call: &mut impl FnMut(*mut E, *mut c_char, libc::size_t, *mut *mut E) -> c_int,
    found: impl FnOnce(Option<&E>) -> R,
) -> R {
    let mut len = start;
    loop {
        let mut buf = vec![0u8; len];
        let mut entry = MaybeUninit::<E>::uninit();
        let mut result: *mut E = ptr::null_mut();
        let rc = call(
            entry.as_mut_ptr(),
            buf.as_mut_ptr().cast(),
            len,
            &mut result,
        );
        if rc == libc::ERANGE && len < NSS_BUF_MAX {
            len *= 2;
            continue;
        }
        // SAFETY: a non-null `result` points at `entry`, which the call filled in with
        // pointers into `buf`; both stay alive until the end of this iteration.
        let entry = unsafe { result.as_ref() };
        return found(entry);
    }
}

// ---------------------------------------------------------------------------------------------
// The host name and interfaces

/// `if_nameindex(3)` (then `if_freenameindex(3)`): every interface as `(index, name bytes)`, in
/// the C library's order (a NULL name is empty). A failure is the errno.
pub(super) fn if_nameindex() -> Result<Vec<(u32, Vec<u8>)>, Errno> {
    /// Frees the array on every path.
    struct Array(*mut libc::if_nameindex);
    impl Drop for Array {
        fn drop(&mut self) {
            // SAFETY: the non-null pointer came from `if_nameindex` and is freed once.
            unsafe { libc::if_freenameindex(self.0) }
        }
    }

    // SAFETY: no arguments; returns a malloc'd array or NULL with errno set.
    let first = unsafe { libc::if_nameindex() };
    if first.is_null() {
        return Err(sys::last_errno());
    }
    let array = Array(first);
    let mut out = Vec::new();
    let mut p = array.0;
    loop {
        // SAFETY: `p` is within the array, which ends with an entry whose `if_index` is 0;
        // the loop stops at that entry, so it never reads past the end.
        let entry = unsafe { &*p };
        if entry.if_index == 0 {
            break;
        }
        // SAFETY: `if_name` is NULL or a NUL-terminated string inside the array, alive here;
        // the bytes are copied out before the array is freed.
        let name = unsafe { c_str_bytes(entry.if_name) }.to_vec();
        out.push((entry.if_index, name));
        // SAFETY: this entry was not the terminator, so the next one exists.
        p = unsafe { p.add(1) };
    }
    Ok(out)
}

/// `if_nametoindex(3)`: the interface's index, 0 when there is none.
pub(super) fn if_nametoindex(name: &CStr) -> u32 {
    // SAFETY: `name` is NUL-terminated and alive for the call.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

/// `if_indextoname(3)` into an `IF_NAMESIZE + 1` buffer, as CPython's: the name's bytes. A
/// failure is the errno (`ENXIO` for an unknown index).
pub(super) fn if_indextoname(index: u32) -> Result<Vec<u8>, Errno> {
    let mut buf = [0u8; libc::IF_NAMESIZE + 1];
    // SAFETY: `buf` has room for `IF_NAMESIZE` bytes plus one, as CPython's buffer.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr().cast()) };
    if p.is_null() {
        return Err(sys::last_errno());
    }
    Ok(until_nul(&buf).to_vec())
}

// ---------------------------------------------------------------------------------------------
// C strings

/// The bytes of a C buffer before its first NUL (the whole buffer if it has none).
fn until_nul(buf: &[u8]) -> &[u8] {
    match buf.iter().position(|&b| b == 0) {
        Some(end) => &buf[..end],
        None => buf,
    }
}

/// The bytes of a C string (without its NUL); NULL gives no bytes.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that stays alive and unchanged for `'a`.
unsafe fn c_str_bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: the caller guarantees a NUL-terminated string alive for `'a`.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

/// Copies a static C string (`gai_strerror`, `hstrerror`), decoding it lossily; NULL gives an
/// empty string.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string alive for the call.
unsafe fn static_c_str(p: *const c_char) -> String {
    // SAFETY: the caller guarantees a NULL or NUL-terminated string alive for the call.
    String::from_utf8_lossy(unsafe { c_str_bytes(p) }).into_owned()
}

/// The entries of a NULL-terminated C array of pointers (none when the array is NULL).
///
/// # Safety
/// `array` is NULL or points at pointers ending with NULL, alive while the iterator is used.
unsafe fn null_terminated(array: *mut *mut c_char) -> impl Iterator<Item = *const c_char> {
    let mut next = array;
    std::iter::from_fn(move || {
        if next.is_null() {
            return None;
        }
        // SAFETY: `next` is within the array (the caller's guarantee); it is not advanced past
        // the terminating NULL.
        let item = unsafe { *next };
        if item.is_null() {
            return None;
        }
        // SAFETY: `item` was not the terminator, so the next slot exists.
        next = unsafe { next.add(1) };
        Some(item.cast_const())
    })
}

/// `getifaddrs(3)` (then `freeifaddrs(3)`): whether the host has an IPv4 address other than
/// 127.0.0.1, and an IPv6 address other than ::1 — what glibc's `getaddrinfo` asks (through
/// netlink, in `__check_pf`) for `AI_ADDRCONFIG`. `(false, false)` when the call fails.
pub(super) fn seen_families() -> (bool, bool) {
    /// Frees the list on every path.
    struct List(*mut libc::ifaddrs);
    impl Drop for List {
        fn drop(&mut self) {
            // SAFETY: the pointer came from a successful `getifaddrs` and is freed once.
            unsafe { libc::freeifaddrs(self.0) }
        }
    }

    let mut first: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `first` is a valid out-pointer; on success it holds a list freed by `List`.
    if unsafe { libc::getifaddrs(&mut first) } != 0 {
        return (false, false);
    }
    let list = List(first);
    let (mut v4, mut v6) = (false, false);
    let mut p = list.0;
    while !p.is_null() {
        // SAFETY: `p` is an entry of the list, alive until `list` drops.
        let entry = unsafe { &*p };
        if !entry.ifa_addr.is_null() {
            // SAFETY: `ifa_addr` points to a sockaddr whose family says its real type.
            match c_int::from(unsafe { (*entry.ifa_addr).sa_family }) {
                libc::AF_INET => {
                    // SAFETY: an AF_INET address is a sockaddr_in.
                    let sin = unsafe { &*entry.ifa_addr.cast::<libc::sockaddr_in>() };
                    v4 |= u32::from_be(sin.sin_addr.s_addr) != u32::from(Ipv4Addr::LOCALHOST);
                }
                libc::AF_INET6 => {
                    // SAFETY: an AF_INET6 address is a sockaddr_in6.
                    let sin6 = unsafe { &*entry.ifa_addr.cast::<libc::sockaddr_in6>() };
                    v6 |= Ipv6Addr::from(sin6.sin6_addr.s6_addr) != Ipv6Addr::LOCALHOST;
                }
                _ => {}
            }
        }
        p = entry.ifa_next;
    }
    (v4, v6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nss_lookup_grows_the_buffer_on_erange() {
        let mut sizes = Vec::new();
        let r = nss_lookup(
            |_: *mut libc::servent, _, len, _| {
                sizes.push(len);
                if len < 8 * NSS_BUF_START {
                    libc::ERANGE
                } else {
                    0
                }
            },
            |e| e.is_none(),
        );
        assert!(r);
        assert_eq!(
            sizes,
            [
                NSS_BUF_START,
                2 * NSS_BUF_START,
                4 * NSS_BUF_START,
                8 * NSS_BUF_START
            ]
        );
        // It gives up at the cap instead of growing forever.
        let mut calls = 0;
        nss_lookup(
            |_: *mut libc::protoent, _, _, _| {
                calls += 1;
                libc::ERANGE
            },
            |_| (),
        );
        assert_eq!(calls, (NSS_BUF_MAX / NSS_BUF_START).trailing_zeros() + 1);
    }

    #[test]
    fn c_strings_are_read_up_to_their_nul() {
        assert_eq!(until_nul(b"abc\0def\0"), b"abc");
        assert_eq!(until_nul(b"\0"), b"");
        assert_eq!(until_nul(b"no nul"), b"no nul");
        assert_eq!(until_nul(b""), b"");
        // SAFETY: NULL, and a NUL-terminated literal that lives for 'static.
        unsafe {
            assert_eq!(c_str_bytes(ptr::null()), b"");
            assert_eq!(c_str_bytes(c"lo".as_ptr()), b"lo");
            assert_eq!(static_c_str(ptr::null()), "");
        }
        // Any code has a text, never a panic.
        for code in [0, -1, 1, i32::MIN, i32::MAX, libc::EAI_SYSTEM] {
            let _ = gai_strerror(code);
            let _ = hstrerror(code);
        }
        assert_eq!(gai_strerror(libc::EAI_NONAME), "Name or service not known");
        assert_eq!(hstrerror(1), "Unknown host");
    }

    #[test]
    fn null_terminated_arrays() {
        let (a, b) = (c"a", c"b");
        let mut array = [
            a.as_ptr().cast_mut(),
            b.as_ptr().cast_mut(),
            ptr::null_mut(),
        ];
        // SAFETY: a NULL-terminated array of 'static strings, alive for the loop; and NULL.
        let items: Vec<&[u8]> = unsafe { null_terminated(array.as_mut_ptr()) }
            // SAFETY: each item is one of those 'static strings.
            .map(|p| unsafe { c_str_bytes(p) })
            .collect();
        assert_eq!(items, [b"a", b"b"]);
        // SAFETY: NULL is allowed.
        assert_eq!(unsafe { null_terminated(ptr::null_mut()) }.count(), 0);
    }
}
