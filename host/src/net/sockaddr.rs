//! The one socket-address codec of the net core: [`SocketAddr`] ⇄ `struct sockaddr_storage`
//! (`sockaddr_in` / `sockaddr_in6` inside it), for the calls that take or fill raw C addresses
//! (`recvmsg(2)`, `sendmsg(2)`, `getaddrinfo(3)`, `getnameinfo(3)`), and the one conversion
//! from rustix's [`SocketAddrAny`] for the calls rustix makes.
//!
//! Ports and addresses are in network byte order; the IPv6 flow label is converted with
//! `htonl` / `ntohl`, as CPython and rustix do (std's own conversion does not), so
//! `flowinfo()` is Python's host-order value. Decoding never reads past the bytes it is given
//! nor past a `sockaddr_storage`, and anything that is not a whole `sockaddr_in` or
//! `sockaddr_in6` is `None`.

use std::mem::size_of;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use rustix::io::Errno;
use rustix::net::SocketAddrAny;

use crate::error::{SocketError, SocketResult};
use crate::net::types::{CanAddr, Family, NetAddr, PacketAddr, UnixAddr};

/// An all-zero `sockaddr_storage` (family `AF_UNSPEC`), e.g. for the kernel to fill in.
pub(crate) fn zeroed_storage() -> libc::sockaddr_storage {
    // SAFETY: `sockaddr_storage` is a plain C struct of integers; all-zero bytes are a valid
    // value (family AF_UNSPEC).
    unsafe { std::mem::zeroed() }
}

/// Encodes a std address as `sockaddr_in` / `sockaddr_in6` inside a `sockaddr_storage`, with
/// its length. Port and address in network byte order; the IPv6 flow label with `htonl`.
pub(crate) fn encode(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    let mut storage = zeroed_storage();
    match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*v4.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is, by definition, large enough and aligned enough for
            // every sockaddr type, sockaddr_in included; the write stays inside `storage`.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(sin) };
            (storage, size_of::<libc::sockaddr_in>() as libc::socklen_t)
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo().to_be(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is, by definition, large enough and aligned enough for
            // every sockaddr type, sockaddr_in6 included; the write stays inside `storage`.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(sin6) };
            (storage, size_of::<libc::sockaddr_in6>() as libc::socklen_t)
        }
    }
}

/// [`encode`] for a socket of `family`: an IPv4 address on an `AF_INET6` socket is its
/// IPv4-mapped form (`::ffff:a.b.c.d`), the same destination; an IPv6 address on an `AF_INET`
/// socket is `EAFNOSUPPORT`, as the kernel answers.
pub(crate) fn encode_for_family(
    family: Family,
    addr: SocketAddr,
) -> SocketResult<(libc::sockaddr_storage, libc::socklen_t)> {
    match (family, addr) {
        (Family::Inet, SocketAddr::V4(_)) | (Family::Inet6, SocketAddr::V6(_)) => Ok(encode(&addr)),
        (Family::Inet6, SocketAddr::V4(v4)) => {
            let mapped = SocketAddrV6::new(v4.ip().to_ipv6_mapped(), v4.port(), 0, 0);
            Ok(encode(&SocketAddr::V6(mapped)))
        }
        (Family::Inet, SocketAddr::V6(v6)) => Err(SocketError::os_msg(
            Errno::AFNOSUPPORT,
            format!("cannot send to the IPv6 address {v6} from an AF_INET socket"),
        )),
        (Family::Unix | Family::Netlink | Family::Vsock | Family::Packet | Family::Can, _) => {
            Err(SocketError::os_msg(
                Errno::AFNOSUPPORT,
                format!("cannot send to the IP address {addr} from a socket that is not IP"),
            ))
        }
    }
}

/// Decodes a `sockaddr_in` / `sockaddr_in6` of `len` bytes (as the kernel or the C library
/// reported it) from a `sockaddr_storage`; `None` for length 0 (e.g. TCP's `recvmsg`), a length
/// too short for its family, or a family other than `AF_INET` / `AF_INET6`. A length above the
/// storage's size reads only the storage. The inverse of [`encode`]: an IPv4-mapped IPv6
/// address stays IPv6.
pub(crate) fn decode(storage: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    let len = len as usize;
    if len < size_of::<libc::sa_family_t>() {
        return None;
    }
    match i32::from(storage.ss_family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in, every byte
            // of it is initialised, and sockaddr_in is plain integers, valid for any bytes.
            let sin = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_in>() };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6, every
            // byte of it is initialised, and sockaddr_in6 is plain integers, valid for any
            // bytes.
            let sin6 = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_in6>() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                u32::from_be(sin6.sin6_flowinfo),
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// [`decode`] of a `sockaddr` given as its bytes (of any alignment, e.g. `getaddrinfo`'s
/// `ai_addr` and `ai_addrlen`): at most a `sockaddr_storage`'s worth is copied and decoded.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Option<SocketAddr> {
    let mut storage = zeroed_storage();
    let n = bytes.len().min(size_of::<libc::sockaddr_storage>());
    // SAFETY: `bytes` has at least `n` readable bytes and `storage` has room for `n` (at most
    // its size); a local and a borrowed slice do not overlap. sockaddr_storage is plain
    // integers, valid for any bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), (&raw mut storage).cast::<u8>(), n);
    }
    decode(&storage, n as libc::socklen_t)
}

/// [`decode_net`] of a `sockaddr` given as its bytes (of any alignment).
pub(crate) fn decode_bytes_net(bytes: &[u8]) -> Option<NetAddr> {
    let mut storage = zeroed_storage();
    let n = bytes.len().min(size_of::<libc::sockaddr_storage>());
    // SAFETY: `bytes` has at least `n` readable bytes and `storage` has room for `n`; a local
    // and a borrowed slice do not overlap. sockaddr_storage is plain integers.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), (&raw mut storage).cast::<u8>(), n);
    }
    decode_net(&storage, n as libc::socklen_t)
}

/// An address rustix returned (`getsockname(2)`, `getpeername(2)`, `recvfrom(2)`,
/// `accept4(2)`) as a [`SocketAddr`]; any family but `AF_INET` / `AF_INET6` (or an address
/// rustix cannot read) is `EAFNOSUPPORT`.
pub(crate) fn from_rustix(addr: SocketAddrAny) -> SocketResult<SocketAddr> {
    SocketAddr::try_from(addr).map_err(|_| Errno::AFNOSUPPORT.into())
}

/// An address rustix returned as a [`NetAddr`]: IP, or `AF_UNIX` (path, abstract name or
/// unnamed); any other family is `EAFNOSUPPORT`.
pub(crate) fn net_from_rustix(addr: SocketAddrAny) -> SocketResult<NetAddr> {
    let family = addr.address_family();
    let raw_decoded = [
        rustix::net::AddressFamily::VSOCK,
        rustix::net::AddressFamily::PACKET,
        rustix::net::AddressFamily::CAN,
    ];
    if raw_decoded.contains(&family) {
        let len = (addr.addr_len() as usize).min(size_of::<libc::sockaddr_storage>());
        // SAFETY: as for AF_UNIX below: the first `addr_len` bytes of rustix's storage.
        let bytes = unsafe { std::slice::from_raw_parts(addr.as_ptr().cast::<u8>(), len) };
        return decode_bytes_net(bytes).ok_or_else(|| Errno::AFNOSUPPORT.into());
    }
    if addr.address_family() == rustix::net::AddressFamily::NETLINK {
        let nl = rustix::net::netlink::SocketAddrNetlink::try_from(addr)
            .map_err(|_| SocketError::from(Errno::AFNOSUPPORT))?;
        return Ok(NetAddr::Netlink {
            pid: nl.pid(),
            groups: nl.groups(),
        });
    }
    if addr.address_family() == rustix::net::AddressFamily::UNIX {
        let len = (addr.addr_len() as usize).min(size_of::<libc::sockaddr_storage>());
        // SAFETY: `as_ptr` points at rustix's storage, of which the first `addr_len` bytes
        // (at most a `sockaddr_storage`, which it holds) are the address.
        let bytes = unsafe { std::slice::from_raw_parts(addr.as_ptr().cast::<u8>(), len) };
        return decode_bytes_net(bytes).ok_or_else(|| Errno::AFNOSUPPORT.into());
    }
    from_rustix(addr).map(NetAddr::Ip)
}

/// Encodes `sun_path` bytes (an abstract name with its leading NUL, or a path, to which the
/// terminating NUL is added) as a `sockaddr_un` inside a `sockaddr_storage`, with its length.
/// The caller keeps `sun_path` within 108 bytes (with the terminator); longer is cut there.
pub(crate) fn encode_unix(sun_path: &[u8]) -> (libc::sockaddr_storage, libc::socklen_t) {
    let mut storage = zeroed_storage();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_un, and sockaddr_un is
    // plain integers and bytes, valid for all-zero bytes.
    let sun = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_un>() };
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let room = sun.sun_path.len();
    let n = sun_path.len().min(room);
    for (dst, &src) in sun.sun_path.iter_mut().zip(&sun_path[..n]) {
        *dst = src as libc::c_char;
    }
    let terminator = usize::from(sun_path.first() != Some(&0) && n < room);
    let len = size_of::<libc::sa_family_t>() + n + terminator;
    (storage, len as libc::socklen_t)
}

/// A `sockaddr_nl` (port id, groups) inside a `sockaddr_storage`, with its length.
pub(crate) fn encode_netlink(pid: u32, groups: u32) -> (libc::sockaddr_storage, libc::socklen_t) {
    let mut storage = zeroed_storage();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_nl, which is plain
    // integers, valid for all-zero bytes.
    let nl = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_nl>() };
    nl.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    nl.nl_pid = pid;
    nl.nl_groups = groups;
    (storage, size_of::<libc::sockaddr_nl>() as libc::socklen_t)
}

/// A `sockaddr_vm` (context id, port) inside a `sockaddr_storage`, with its length.
pub(crate) fn encode_vsock(cid: u32, port: u32) -> (libc::sockaddr_storage, libc::socklen_t) {
    let mut storage = zeroed_storage();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_vm, which is plain
    // integers, valid for all-zero bytes.
    let vm = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_vm>() };
    vm.svm_family = libc::AF_VSOCK as libc::sa_family_t;
    vm.svm_cid = cid;
    vm.svm_port = port;
    (storage, size_of::<libc::sockaddr_vm>() as libc::socklen_t)
}

/// The offset of `sll_addr` in a `sockaddr_ll`: what precedes the link-layer address.
const SLL_ADDR_AT: usize = std::mem::offset_of!(libc::sockaddr_ll, sll_addr);

/// A `sockaddr_ll` for `addr` on the interface `ifindex` inside a `sockaddr_storage`, with its
/// length; `EINVAL` for a link-layer address over 8 bytes (CPython's `ValueError`).
pub(crate) fn encode_packet(
    addr: &PacketAddr,
    ifindex: u32,
    proto_be: u16,
) -> SocketResult<(libc::sockaddr_storage, libc::socklen_t)> {
    let mut storage = zeroed_storage();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_ll, which is plain
    // integers, valid for all-zero bytes.
    let ll = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_ll>() };
    if addr.addr.len() > ll.sll_addr.len() {
        return Err(SocketError::os_msg(
            Errno::INVAL,
            format!(
                "a hardware address is at most 8 bytes, not {}",
                addr.addr.len()
            ),
        ));
    }
    ll.sll_family = libc::AF_PACKET as u16;
    ll.sll_protocol = proto_be;
    ll.sll_ifindex = ifindex as i32;
    ll.sll_hatype = addr.hatype;
    ll.sll_pkttype = addr.pkttype;
    ll.sll_halen = addr.addr.len() as u8;
    ll.sll_addr[..addr.addr.len()].copy_from_slice(&addr.addr);
    Ok((storage, size_of::<libc::sockaddr_ll>() as libc::socklen_t))
}

/// The offset of `can_addr` in a `sockaddr_can`: the family and the interface index.
const CAN_ADDR_AT: usize = std::mem::offset_of!(libc::sockaddr_can, can_addr);

/// A `sockaddr_can` for the interface `ifindex` (`CAN_RAW` reads nothing else) inside a
/// `sockaddr_storage`, with its length.
pub(crate) fn encode_can(ifindex: u32) -> (libc::sockaddr_storage, libc::socklen_t) {
    let mut storage = zeroed_storage();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_can, which is plain
    // integers (its union of integers included), valid for all-zero bytes.
    let can = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_can>() };
    can.can_family = libc::AF_CAN as libc::sa_family_t;
    can.can_ifindex = ifindex as i32;
    (storage, size_of::<libc::sockaddr_can>() as libc::socklen_t)
}

/// An encoded address as rustix takes it, for `bind(2)`, `connect(2)` and `sendto(2)` of the
/// families rustix has no type for.
pub(crate) fn to_rustix(
    (storage, len): (libc::sockaddr_storage, libc::socklen_t),
) -> SocketAddrAny {
    // SAFETY: `storage` is a whole, initialised sockaddr_storage (rustix's storage type is the
    // same C struct) of which the first `len` bytes, at most its size, are the address.
    unsafe { SocketAddrAny::read(std::ptr::from_ref(&storage).cast(), len as _) }
}

/// [`decode`], and `AF_UNIX` addresses too (`recvmsg(2)`'s `msg_name`): a path up to its first
/// NUL, an abstract name (a leading NUL) of the length given, or unnamed (no path bytes).
pub(crate) fn decode_net(
    storage: &libc::sockaddr_storage,
    len: libc::socklen_t,
) -> Option<NetAddr> {
    let len = (len as usize).min(size_of::<libc::sockaddr_storage>());
    let family_len = size_of::<libc::sa_family_t>();
    if len >= size_of::<libc::sockaddr_nl>() && i32::from(storage.ss_family) == libc::AF_NETLINK {
        // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_nl, plain integers.
        let nl = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_nl>() };
        return Some(NetAddr::Netlink {
            pid: nl.nl_pid,
            groups: nl.nl_groups,
        });
    }
    if len >= size_of::<libc::sockaddr_vm>() && i32::from(storage.ss_family) == libc::AF_VSOCK {
        // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_vm, plain integers.
        let vm = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_vm>() };
        return Some(NetAddr::Vsock {
            cid: vm.svm_cid,
            port: vm.svm_port,
        });
    }
    if len >= CAN_ADDR_AT && i32::from(storage.ss_family) == libc::AF_CAN {
        // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_can, plain integers.
        let can = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_can>() };
        return Some(NetAddr::Can(CanAddr {
            ifname: String::new(),
            ifindex: can.can_ifindex as u32,
        }));
    }
    if len >= SLL_ADDR_AT && i32::from(storage.ss_family) == libc::AF_PACKET {
        // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_ll, plain integers.
        let ll = unsafe { &*std::ptr::from_ref(storage).cast::<libc::sockaddr_ll>() };
        let halen = usize::from(ll.sll_halen)
            .min(ll.sll_addr.len())
            .min(len - SLL_ADDR_AT);
        return Some(NetAddr::Packet(PacketAddr {
            ifname: String::new(),
            ifindex: ll.sll_ifindex as u32,
            proto: u16::from_be(ll.sll_protocol),
            pkttype: ll.sll_pkttype,
            hatype: ll.sll_hatype,
            addr: ll.sll_addr[..halen].to_vec(),
        }));
    }
    if len < family_len || i32::from(storage.ss_family) != libc::AF_UNIX {
        return decode(storage, len as libc::socklen_t).map(NetAddr::Ip);
    }
    // SAFETY: `storage` is a `sockaddr_storage`, `len` bytes of which (at most its size) are
    // read as plain bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts(std::ptr::from_ref(storage).cast::<u8>(), len) };
    let path = &bytes[family_len..];
    Some(NetAddr::Unix(match path {
        [] => UnixAddr::Unnamed,
        [0, name @ ..] => UnixAddr::Abstract(name.to_vec()),
        path => {
            let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
            UnixAddr::Path(path[..end].to_vec())
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4_LEN: usize = size_of::<libc::sockaddr_in>();
    const V6_LEN: usize = size_of::<libc::sockaddr_in6>();
    const STORAGE_LEN: usize = size_of::<libc::sockaddr_storage>();

    fn v6(ip: Ipv6Addr, port: u16, flowinfo: u32, scope_id: u32) -> SocketAddr {
        SocketAddr::V6(SocketAddrV6::new(ip, port, flowinfo, scope_id))
    }

    /// The bytes of an encoded address (the whole storage).
    fn storage_bytes(storage: &libc::sockaddr_storage) -> [u8; STORAGE_LEN] {
        let mut out = [0u8; STORAGE_LEN];
        // SAFETY: `storage` is STORAGE_LEN initialised bytes of plain integers; `out` has room.
        unsafe {
            std::ptr::copy_nonoverlapping(
                std::ptr::from_ref(storage).cast::<u8>(),
                out.as_mut_ptr(),
                STORAGE_LEN,
            );
        }
        out
    }

    #[test]
    fn sockaddr_round_trips() {
        let cases = [
            SocketAddr::from((Ipv4Addr::new(192, 0, 2, 7), 53)),
            SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::new(0xfe80, 0, 0, 0, 1, 2, 3, 4),
                8080,
                0x000a_bcde,
                3,
            )),
        ];
        for addr in cases {
            let (storage, len) = encode(&addr);
            assert_eq!(decode(&storage, len), Some(addr));
            assert_eq!(decode(&storage, len - 1), None);
            assert_eq!(decode(&storage, 0), None);
        }
        // Network byte order, flow label included (as CPython's htonl).
        let (storage, _) = encode(&cases[1]);
        // SAFETY: storage holds an encoded sockaddr_in6.
        let sin6 = unsafe { &*std::ptr::from_ref(&storage).cast::<libc::sockaddr_in6>() };
        assert_eq!(sin6.sin6_port, 8080u16.to_be());
        assert_eq!(sin6.sin6_flowinfo, 0x000a_bcdeu32.to_be());
        assert_eq!(decode(&zeroed_storage(), 128), None); // AF_UNSPEC
    }

    #[test]
    fn round_trips_keep_every_field() {
        let mapped = Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped();
        let cases = [
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            SocketAddr::from((Ipv4Addr::BROADCAST, u16::MAX)),
            SocketAddr::from((Ipv4Addr::new(10, 1, 2, 3), 443)),
            v6(Ipv6Addr::UNSPECIFIED, 0, 0, 0),
            v6(Ipv6Addr::LOCALHOST, 1, 0xfffff, 0),
            v6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1), 80, 0x12345, 7),
            v6(Ipv6Addr::from([0xff; 16]), u16::MAX, u32::MAX, u32::MAX),
            // IPv4-mapped stays IPv6: the kernel's answer on a dual-stack socket.
            v6(mapped, 9, 0, 0),
        ];
        for addr in cases {
            let (storage, len) = encode(&addr);
            let want = if addr.is_ipv4() { V4_LEN } else { V6_LEN };
            assert_eq!(len as usize, want, "{addr}");
            assert_eq!(decode(&storage, len), Some(addr), "{addr}");
            let bytes = storage_bytes(&storage);
            assert_eq!(decode_bytes(&bytes[..want]), Some(addr), "{addr}");
            // Extra bytes (a longer buffer, a length past the storage) change nothing.
            assert_eq!(decode_bytes(&bytes), Some(addr), "{addr}");
            assert_eq!(decode(&storage, libc::socklen_t::MAX), Some(addr), "{addr}");
        }
        let (storage, _) = encode(&v6(mapped, 9, 0, 0));
        assert!(
            matches!(decode(&storage, V6_LEN as _), Some(SocketAddr::V6(a)) if *a.ip() == mapped)
        );
    }

    #[test]
    fn short_lengths_are_none() {
        for addr in [
            SocketAddr::from((Ipv4Addr::new(192, 0, 2, 1), 80)),
            v6(Ipv6Addr::LOCALHOST, 80, 1, 2),
        ] {
            let (storage, len) = encode(&addr);
            let bytes = storage_bytes(&storage);
            for short in 0..len as usize {
                assert_eq!(decode(&storage, short as _), None, "{addr} {short}");
                assert_eq!(decode_bytes(&bytes[..short]), None, "{addr} {short}");
            }
        }
        assert_eq!(decode_bytes(&[]), None);
        assert_eq!(decode_bytes(&[libc::AF_INET as u8]), None);
    }

    #[test]
    fn unknown_families_are_none() {
        for family in [
            libc::AF_UNSPEC,
            libc::AF_UNIX,
            libc::AF_NETLINK,
            libc::AF_PACKET,
            0xffff,
        ] {
            let mut bytes = [0xa5u8; STORAGE_LEN + 16];
            bytes[..2].copy_from_slice(&(family as libc::sa_family_t).to_ne_bytes());
            for len in [2, V4_LEN, V6_LEN, STORAGE_LEN, bytes.len()] {
                assert_eq!(decode_bytes(&bytes[..len]), None, "{family} {len}");
            }
            let mut storage = zeroed_storage();
            storage.ss_family = family as libc::sa_family_t;
            assert_eq!(decode(&storage, STORAGE_LEN as _), None, "{family}");
            assert_eq!(decode(&storage, libc::socklen_t::MAX), None, "{family}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        // Every length of a few byte patterns, with each family in front.
        for fill in [0x00u8, 0xff, 0x5a] {
            for family in [libc::AF_INET, libc::AF_INET6, libc::AF_UNIX] {
                let mut bytes = [fill; STORAGE_LEN + 8];
                bytes[..2].copy_from_slice(&(family as libc::sa_family_t).to_ne_bytes());
                for len in 0..=bytes.len() {
                    let got = decode_bytes(&bytes[..len]);
                    let whole = match family {
                        libc::AF_INET => len >= V4_LEN,
                        libc::AF_INET6 => len >= V6_LEN,
                        _ => false,
                    };
                    assert_eq!(got.is_some(), whole, "{fill} {family} {len}");
                }
            }
        }
    }

    #[test]
    fn encode_for_family_maps_or_refuses() {
        let a4 = SocketAddr::from((Ipv4Addr::new(192, 0, 2, 1), 53));
        let a6 = v6(Ipv6Addr::LOCALHOST, 53, 0, 0);
        let (s, l) = encode_for_family(Family::Inet, a4).unwrap();
        assert_eq!(decode(&s, l), Some(a4));
        let (s, l) = encode_for_family(Family::Inet6, a6).unwrap();
        assert_eq!(decode(&s, l), Some(a6));
        let (s, l) = encode_for_family(Family::Inet6, a4).unwrap();
        let mapped = v6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped(), 53, 0, 0);
        assert_eq!(decode(&s, l), Some(mapped));
        match encode_for_family(Family::Inet, a6) {
            Err(SocketError::Os(e, Some(m))) => {
                assert_eq!(e, Errno::AFNOSUPPORT);
                assert!(m.contains("from an AF_INET socket"), "{m}");
            }
            other => panic!("expected EAFNOSUPPORT, got {other:?}"),
        }
    }

    #[test]
    fn vsock_round_trips() {
        for (cid, port) in [(0, 0), (2, 1024), (u32::MAX, u32::MAX), (3, 0x8000_0001)] {
            let encoded = encode_vsock(cid, port);
            let want = NetAddr::Vsock { cid, port };
            assert_eq!(decode_net(&encoded.0, encoded.1), Some(want.clone()));
            assert_eq!(net_from_rustix(to_rustix(encoded)).unwrap(), want);
            // A short sockaddr_vm is no address.
            assert_eq!(decode_net(&encoded.0, encoded.1 - 1), None);
            assert_eq!(decode(&encoded.0, encoded.1), None);
        }
    }

    #[test]
    fn can_round_trips() {
        for ifindex in [0, 3, u32::MAX] {
            let (storage, len) = encode_can(ifindex);
            let want = NetAddr::Can(CanAddr {
                ifname: String::new(),
                ifindex,
            });
            assert_eq!(decode_net(&storage, len), Some(want.clone()));
            assert_eq!(net_from_rustix(to_rustix((storage, len))).unwrap(), want);
            assert_eq!(decode_net(&storage, CAN_ADDR_AT as _), Some(want));
            assert_eq!(decode_net(&storage, (CAN_ADDR_AT - 1) as _), None);
        }
    }

    #[test]
    fn packet_round_trips() {
        let addr = PacketAddr {
            ifname: String::new(),
            ifindex: 7,
            proto: 0x88b5,
            pkttype: 1,
            hatype: 1,
            addr: vec![2, 0, 0, 0, 0, 1],
        };
        let (storage, len) = encode_packet(&addr, 7, 0x88b5u16.to_be()).unwrap();
        assert_eq!(
            decode_net(&storage, len),
            Some(NetAddr::Packet(addr.clone()))
        );
        // The kernel's length stops after the address it holds: 12 + halen bytes.
        let short = (SLL_ADDR_AT + 6) as libc::socklen_t;
        assert_eq!(
            decode_net(&storage, short),
            Some(NetAddr::Packet(addr.clone()))
        );
        // A length cutting the address keeps what is there; one cutting the header is none.
        let cut = decode_net(&storage, (SLL_ADDR_AT + 2) as _);
        assert!(matches!(cut, Some(NetAddr::Packet(p)) if p.addr == [2, 0]));
        assert_eq!(decode_net(&storage, (SLL_ADDR_AT - 1) as _), None);
        let long = PacketAddr {
            addr: vec![0; 9],
            ..addr
        };
        assert!(encode_packet(&long, 1, 0).is_err());
    }

    #[test]
    fn from_rustix_agrees_with_decode() {
        for addr in [
            SocketAddr::from((Ipv4Addr::new(198, 51, 100, 4), 8080)),
            v6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 9), 443, 0xabcde, 3),
            v6(Ipv4Addr::LOCALHOST.to_ipv6_mapped(), 1, 0, 0),
        ] {
            assert_eq!(from_rustix(SocketAddrAny::from(addr)).unwrap(), addr);
        }
        let unix = rustix::net::SocketAddrUnix::new("/nonexistent").unwrap();
        let e = from_rustix(SocketAddrAny::from(unix)).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::AFNOSUPPORT));
    }
}
