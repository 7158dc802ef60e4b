//! Socket addresses as Python spells them: `("127.0.0.1", 8080)` for `AF_INET`,
//! `("::1", 8080, 0, 0)` for `AF_INET6`, a path for `AF_UNIX`, and one form per other family.
//!
//! Anything that converts into an [`Address`] can be passed where Python takes an address:
//! `(&str, u16)`, `(String, u16)`, `(&str, u16, u32, u32)`, `std::net::SocketAddr` and friends.
//! A host part that is not a numeric address is resolved the way CPython's `setipaddr` does it:
//! `""` is the wildcard address, `"<broadcast>"` is `255.255.255.255`, other names go through
//! `getaddrinfo` for the socket's family. `getnameinfo` reads numeric hosts only, and resolves
//! nothing ([`numeric_host`]).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::bindings::capsock::sockets::types as wit;
use crate::consts::{AF_INET, AF_INET6};
use crate::errno::EAFNOSUPPORT;
use crate::error::{Error, Result};

/// A socket address, one case per address family, shaped like Python's tuples.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// `AF_INET`: `(host, port)`. Host is a name or a dotted quad.
    Inet(String, u16),
    /// `AF_INET6`: `(host, port, flowinfo, scope_id)`.
    Inet6(String, u16, u32, u32),
    /// `AF_UNIX`: a path as bytes; a leading NUL byte names the Linux abstract namespace;
    /// empty is an unnamed socket.
    Unix(Vec<u8>),
    /// `AF_NETLINK`: `(pid, groups)`.
    Netlink(u32, u32),
    /// `AF_VSOCK`: `(cid, port)`.
    Vsock(u32, u32),
    /// `AF_PACKET`: `(ifname, proto, pkttype, hatype, addr)`.
    Packet(String, u16, u8, u16, Vec<u8>),
    /// `AF_CAN` with `CAN_RAW`/`CAN_BCM`: `(interface,)`.
    Can(String),
    /// `AF_CAN` with `CAN_ISOTP`: `(interface, rx_addr, tx_addr)`.
    CanIsotp(String, u32, u32),
    /// `AF_CAN` with `CAN_J1939`: `(interface, name, pgn, addr)`.
    CanJ1939(String, u64, u32, u8),
    /// `AF_BLUETOOTH` with `BTPROTO_L2CAP`: `(bdaddr, psm)`.
    BluetoothL2cap(String, u16),
    /// `AF_BLUETOOTH` with `BTPROTO_RFCOMM`: `(bdaddr, channel)`.
    BluetoothRfcomm(String, u8),
    /// `AF_BLUETOOTH` with `BTPROTO_HCI`: `(device_id,)`.
    BluetoothHci(u16),
    /// `AF_BLUETOOTH` with `BTPROTO_SCO`: `bdaddr`.
    BluetoothSco(String),
    /// `AF_ALG`: `(type, name, feat, mask)`.
    Alg(String, String, u32, u32),
    /// `AF_TIPC`: `(addr_type, v1, v2, v3, scope)`.
    Tipc(u8, u32, u32, u32, i8),
    /// `AF_RDS`: `(host, port)` like `AF_INET`.
    Rds(String, u16),
    /// `AF_QIPCRTR`: `(node, port)`.
    Qipcrtr(u32, u32),
}

impl Address {
    /// The host part of an IP address (`Inet`, `Inet6`, `Rds`), as Python's `addr[0]`.
    pub fn host(&self) -> Option<&str> {
        match self {
            Address::Inet(h, _) | Address::Inet6(h, ..) | Address::Rds(h, _) => Some(h),
            _ => None,
        }
    }

    /// The port of an IP address, as Python's `addr[1]`.
    pub fn port(&self) -> Option<u16> {
        match self {
            Address::Inet(_, p) | Address::Inet6(_, p, ..) | Address::Rds(_, p) => Some(*p),
            _ => None,
        }
    }

    /// The IP address and port, when the host part is a numeric address.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self {
            Address::Inet(h, p) => h.parse::<Ipv4Addr>().ok().map(|ip| (ip, *p).into()),
            Address::Inet6(h, p, flow, scope) => h
                .parse::<Ipv6Addr>()
                .ok()
                .map(|ip| SocketAddrV6::new(ip, *p, *flow, *scope).into()),
            _ => None,
        }
    }
}

impl fmt::Display for Address {
    /// Python's `repr` of the address tuple, e.g. `('127.0.0.1', 8080)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Inet(h, p) | Address::Rds(h, p) => write!(f, "('{h}', {p})"),
            Address::Inet6(h, p, fl, s) => write!(f, "('{h}', {p}, {fl}, {s})"),
            Address::Unix(path) => write!(f, "{:?}", String::from_utf8_lossy(path)),
            other => write!(f, "{other:?}"),
        }
    }
}

impl From<SocketAddr> for Address {
    fn from(a: SocketAddr) -> Self {
        match a {
            SocketAddr::V4(a) => a.into(),
            SocketAddr::V6(a) => a.into(),
        }
    }
}

impl From<SocketAddrV4> for Address {
    fn from(a: SocketAddrV4) -> Self {
        Address::Inet(crate::pure::inet_ntoa(a.ip().octets()), a.port())
    }
}

impl From<SocketAddrV6> for Address {
    fn from(a: SocketAddrV6) -> Self {
        Address::Inet6(a.ip().to_string(), a.port(), a.flowinfo(), a.scope_id())
    }
}

impl From<(&str, u16)> for Address {
    fn from((h, p): (&str, u16)) -> Self {
        Address::Inet(h.to_owned(), p)
    }
}

impl From<(String, u16)> for Address {
    fn from((h, p): (String, u16)) -> Self {
        Address::Inet(h, p)
    }
}

impl From<(&String, u16)> for Address {
    fn from((h, p): (&String, u16)) -> Self {
        Address::Inet(h.clone(), p)
    }
}

impl From<(&str, u16, u32, u32)> for Address {
    fn from((h, p, fl, s): (&str, u16, u32, u32)) -> Self {
        Address::Inet6(h.to_owned(), p, fl, s)
    }
}

impl From<(Ipv4Addr, u16)> for Address {
    fn from((ip, p): (Ipv4Addr, u16)) -> Self {
        Address::Inet(crate::pure::inet_ntoa(ip.octets()), p)
    }
}

impl From<(Ipv6Addr, u16)> for Address {
    fn from((ip, p): (Ipv6Addr, u16)) -> Self {
        Address::Inet6(ip.to_string(), p, 0, 0)
    }
}

impl From<(IpAddr, u16)> for Address {
    fn from((ip, p): (IpAddr, u16)) -> Self {
        SocketAddr::new(ip, p).into()
    }
}

impl From<&Address> for Address {
    fn from(a: &Address) -> Self {
        a.clone()
    }
}

/// Parses the host part of an IPv6 address, with an optional `%scope` suffix (an interface
/// name or index), as `getaddrinfo(AI_NUMERICHOST)` would.
fn parse_ipv6_host(host: &str) -> Result<Option<(Ipv6Addr, Option<u32>)>> {
    let (ip, scope) = match host.split_once('%') {
        Some((ip, scope)) => (ip, Some(scope)),
        None => (host, None),
    };
    let Ok(ip) = ip.parse::<Ipv6Addr>() else {
        return Ok(None);
    };
    let scope = match scope {
        None => None,
        Some(s) => Some(match s.parse::<u32>() {
            Ok(n) => n,
            Err(_) => crate::resolver::if_nametoindex(s)?,
        }),
    };
    Ok(Some((ip, scope)))
}

/// The host part of a socket address as `getaddrinfo(3)` reads it with `AI_NUMERICHOST` and
/// `AF_UNSPEC`, as CPython's `getnameinfo` does, so that no name is ever looked up: an IPv4
/// address in any form glibc's `inet_aton(3)` takes, with nothing after it (`127.1`,
/// `0x7f.0.0.1`, `2130706433`), or an IPv6 address with an optional `%scope` (as glibc reads
/// it: an interface name, which `ifindex` looks up, for a link-local or a link- or node-local
/// multicast address; else a decimal number up to 2^32 - 1). `None` for anything else, names
/// included. The scope is checked, not kept: CPython puts the tuple's scope id in its place.
pub(crate) fn numeric_host(
    host: &str,
    ifindex: impl FnOnce(&str) -> Option<u32>,
) -> Option<IpAddr> {
    if host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') {
        // Without spaces, `inet_aton` reads the whole string or fails.
        if let Ok(v4) = crate::pure::inet_aton(host) {
            return Some(Ipv4Addr::from(v4).into());
        }
    }
    let (ip, scope) = match host.split_once('%') {
        Some((ip, scope)) => (ip, Some(scope)),
        None => (host, None),
    };
    let ip = ip.parse::<Ipv6Addr>().ok()?;
    if let Some(scope) = scope {
        let [first, second, ..] = ip.octets();
        let link_scoped =
            ip.is_unicast_link_local() || (first == 0xff && matches!(second & 0xf, 1 | 2));
        let numeric = scope.bytes().all(|b| b.is_ascii_digit()) && scope.parse::<u32>().is_ok();
        let named = || link_scoped && ifindex(scope).is_some_and(|index| index != 0);
        if !(numeric || named()) {
            return None;
        }
    }
    Some(ip.into())
}

/// Turns the host part of an IP address into a numeric address for `family`, resolving names
/// as CPython's `setipaddr` does.
pub(crate) fn resolve_host(host: &str, family: i32) -> Result<IpAddr> {
    match (host, family) {
        ("", AF_INET) => return Ok(Ipv4Addr::UNSPECIFIED.into()),
        ("", _) => return Ok(Ipv6Addr::UNSPECIFIED.into()),
        ("<broadcast>", AF_INET) => return Ok(Ipv4Addr::BROADCAST.into()),
        _ => {}
    }
    if family == AF_INET {
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            return Ok(ip.into());
        }
    } else if let Some((ip, _)) = parse_ipv6_host(host)? {
        return Ok(ip.into());
    }
    let infos = crate::resolver::getaddrinfo(host, (), family, 0, 0, 0)?;
    infos
        .into_iter()
        .find_map(|(_, _, _, _, addr)| addr.socket_addr().map(|a| a.ip()))
        .ok_or_else(|| Error::gai(crate::consts::EAI_NONAME, "Name or service not known"))
}

/// Converts an address to the WIT form for a socket of `family`, resolving names.
pub(crate) fn to_wit(addr: &Address, family: i32) -> Result<wit::SocketAddress> {
    match addr {
        Address::Inet(host, port) if family == AF_INET => {
            let ip = resolve_host(host, AF_INET)?;
            Ok(wit_ip(SocketAddr::new(ip, *port), 0, 0))
        }
        Address::Inet(host, port) | Address::Inet6(host, port, ..) if family == AF_INET6 => {
            let (flow, scope) = match addr {
                Address::Inet6(_, _, flow, scope) => (*flow, *scope),
                _ => (0, 0),
            };
            if flow > 0xfffff {
                return Err(Error::value("flowinfo must be 0-1048575."));
            }
            let (ip, host_scope) = match parse_ipv6_host(host)? {
                Some((ip, s)) => (IpAddr::V6(ip), s),
                None => (resolve_host(host, AF_INET6)?, None),
            };
            let scope = if scope == 0 {
                host_scope.unwrap_or(0)
            } else {
                scope
            };
            Ok(wit_ip(SocketAddr::new(ip, *port), flow, scope))
        }
        Address::Inet6(..) if family == AF_INET => {
            Err(Error::value("AF_INET address must be a pair (host, port)"))
        }
        Address::Inet(..) | Address::Inet6(..) => Err(Error::from_errno(EAFNOSUPPORT)),
        Address::Rds(host, port) => {
            let ip = resolve_host(host, AF_INET)?;
            match wit_ip(SocketAddr::new(ip, *port), 0, 0) {
                wit::SocketAddress::Inet(a) => Ok(wit::SocketAddress::Rds(a)),
                _ => Err(Error::from_errno(EAFNOSUPPORT)),
            }
        }
        Address::Unix(path) => Ok(wit::SocketAddress::Unix(match path.as_slice() {
            [] => wit::UnixAddress::Unnamed,
            [0, name @ ..] => wit::UnixAddress::Abstract(name.to_vec()),
            p => wit::UnixAddress::Path(p.to_vec()),
        })),
        Address::Netlink(pid, groups) => Ok(wit::SocketAddress::Netlink(wit::NetlinkAddress {
            pid: *pid,
            groups: *groups,
        })),
        Address::Vsock(cid, port) => Ok(wit::SocketAddress::Vsock(wit::VsockAddress {
            cid: *cid,
            port: *port,
        })),
        Address::Packet(ifname, proto, pkttype, hatype, a) => {
            Ok(wit::SocketAddress::Packet(wit::PacketAddress {
                ifname: ifname.clone(),
                proto: *proto,
                pkttype: *pkttype,
                hatype: *hatype,
                addr: a.clone(),
            }))
        }
        Address::Can(i) => Ok(wit::SocketAddress::Can(wit::CanAddress::Raw(i.clone()))),
        Address::CanIsotp(i, rx, tx) => Ok(wit::SocketAddress::Can(wit::CanAddress::Isotp(
            wit::CanIsotpAddress {
                interface: i.clone(),
                rx_id: *rx,
                tx_id: *tx,
            },
        ))),
        Address::CanJ1939(i, name, pgn, a) => Ok(wit::SocketAddress::Can(wit::CanAddress::J1939(
            wit::CanJ1939Address {
                interface: i.clone(),
                name: *name,
                pgn: *pgn,
                addr: *a,
            },
        ))),
        Address::BluetoothL2cap(b, psm) => Ok(wit::SocketAddress::Bluetooth(
            wit::BluetoothAddress::L2cap((b.clone(), *psm)),
        )),
        Address::BluetoothRfcomm(b, ch) => Ok(wit::SocketAddress::Bluetooth(
            wit::BluetoothAddress::Rfcomm((b.clone(), *ch)),
        )),
        Address::BluetoothHci(d) => Ok(wit::SocketAddress::Bluetooth(wit::BluetoothAddress::Hci(
            *d,
        ))),
        Address::BluetoothSco(b) => Ok(wit::SocketAddress::Bluetooth(wit::BluetoothAddress::Sco(
            b.clone(),
        ))),
        Address::Alg(kind, name, feat, mask) => Ok(wit::SocketAddress::Alg(wit::AlgAddress {
            kind: kind.clone(),
            name: name.clone(),
            feat: *feat,
            mask: *mask,
        })),
        Address::Tipc(t, v1, v2, v3, scope) => Ok(wit::SocketAddress::Tipc(wit::TipcAddress {
            addr_type: *t,
            v1: *v1,
            v2: *v2,
            v3: *v3,
            scope: *scope,
        })),
        Address::Qipcrtr(node, port) => Ok(wit::SocketAddress::Qipcrtr(wit::QipcrtrAddress {
            node: *node,
            port: *port,
        })),
    }
}

/// A numeric IP address in the WIT form.
pub(crate) fn wit_ip(addr: SocketAddr, flow_info: u32, scope_id: u32) -> wit::SocketAddress {
    match addr {
        SocketAddr::V4(a) => {
            let [x, y, z, w] = a.ip().octets();
            wit::SocketAddress::Inet(wit::Ipv4SocketAddress {
                address: (x, y, z, w),
                port: a.port(),
            })
        }
        SocketAddr::V6(a) => {
            let [g0, g1, g2, g3, g4, g5, g6, g7] = a.ip().segments();
            wit::SocketAddress::Inet6(wit::Ipv6SocketAddress {
                address: (g0, g1, g2, g3, g4, g5, g6, g7),
                port: a.port(),
                flow_info,
                scope_id,
            })
        }
    }
}

/// Converts a WIT address from the host into Python's form.
pub(crate) fn from_wit(addr: wit::SocketAddress) -> Address {
    match addr {
        wit::SocketAddress::Inet(a) => {
            let (x, y, z, w) = a.address;
            Address::Inet(crate::pure::inet_ntoa([x, y, z, w]), a.port)
        }
        wit::SocketAddress::Inet6(a) => {
            let (g0, g1, g2, g3, g4, g5, g6, g7) = a.address;
            let ip = Ipv6Addr::new(g0, g1, g2, g3, g4, g5, g6, g7);
            Address::Inet6(ip.to_string(), a.port, a.flow_info, a.scope_id)
        }
        wit::SocketAddress::Rds(a) => {
            let (x, y, z, w) = a.address;
            Address::Rds(crate::pure::inet_ntoa([x, y, z, w]), a.port)
        }
        wit::SocketAddress::Unix(u) => Address::Unix(match u {
            wit::UnixAddress::Path(p) => p,
            wit::UnixAddress::Abstract(mut n) => {
                n.insert(0, 0);
                n
            }
            wit::UnixAddress::Unnamed => Vec::new(),
        }),
        wit::SocketAddress::Netlink(n) => Address::Netlink(n.pid, n.groups),
        wit::SocketAddress::Vsock(v) => Address::Vsock(v.cid, v.port),
        wit::SocketAddress::Packet(p) => {
            Address::Packet(p.ifname, p.proto, p.pkttype, p.hatype, p.addr)
        }
        wit::SocketAddress::Can(c) => match c {
            wit::CanAddress::Raw(i) => Address::Can(i),
            wit::CanAddress::Isotp(a) => Address::CanIsotp(a.interface, a.rx_id, a.tx_id),
            wit::CanAddress::J1939(a) => Address::CanJ1939(a.interface, a.name, a.pgn, a.addr),
        },
        wit::SocketAddress::Bluetooth(b) => match b {
            wit::BluetoothAddress::L2cap((a, p)) => Address::BluetoothL2cap(a, p),
            wit::BluetoothAddress::Rfcomm((a, c)) => Address::BluetoothRfcomm(a, c),
            wit::BluetoothAddress::Hci(d) => Address::BluetoothHci(d),
            wit::BluetoothAddress::Sco(a) => Address::BluetoothSco(a),
        },
        wit::SocketAddress::Alg(a) => Address::Alg(a.kind, a.name, a.feat, a.mask),
        wit::SocketAddress::Tipc(t) => Address::Tipc(t.addr_type, t.v1, t.v2, t.v3, t.scope),
        wit::SocketAddress::Qipcrtr(q) => Address::Qipcrtr(q.node, q.port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every family's Python form survives the trip to the WIT form and back, field for
    /// field (numeric hosts for the IP families: names resolve on the host).
    #[test]
    fn every_family_round_trips_through_the_wit_form() {
        let cases = [
            (AF_INET, Address::Inet("192.0.2.7".into(), 80)),
            (
                AF_INET6,
                Address::Inet6("2001:db8::7".into(), 443, 0xfffff, 3),
            ),
            (0, Address::Rds("10.1.2.3".into(), 18634)),
            (0, Address::Unix(b"/run/app.sock".to_vec())),
            (0, Address::Unix(b"\0abstract name".to_vec())),
            (0, Address::Unix(Vec::new())),
            (0, Address::Netlink(u32::MAX, 0x8000_0001)),
            (0, Address::Vsock(2, u32::MAX)),
            (
                0,
                Address::Packet("eth0".into(), 0x86dd, 4, 1, vec![2, 0, 0, 0, 0, 1]),
            ),
            (0, Address::Can("vcan0".into())),
            (0, Address::CanIsotp("vcan0".into(), 0x7e8, 0x7e0)),
            (
                0,
                Address::CanJ1939("vcan0".into(), u64::MAX, 0x3ffff, 0xfe),
            ),
            (
                0,
                Address::BluetoothL2cap("00:11:22:33:44:55".into(), 0x1001),
            ),
            (0, Address::BluetoothRfcomm("00:11:22:33:44:55".into(), 30)),
            (0, Address::BluetoothHci(u16::MAX)),
            (0, Address::BluetoothSco("00:11:22:33:44:55".into())),
            (0, Address::Alg("hash".into(), "sha256".into(), 1, 2)),
            (0, Address::Tipc(2, 1000, 1, u32::MAX, -1)),
            (0, Address::Qipcrtr(1, u32::MAX)),
        ];
        for (family, addr) in cases {
            let wit = to_wit(&addr, family).unwrap_or_else(|e| panic!("{addr:?}: {e}"));
            assert_eq!(from_wit(wit), addr);
        }
        // An IP address on a socket of the other family is refused, not converted.
        assert!(
            to_wit(
                &Address::Inet("127.0.0.1".into(), 1),
                crate::consts::AF_UNIX
            )
            .is_err()
        );
        assert!(to_wit(&Address::Inet6("::1".into(), 1, 0, 0), AF_INET).is_err());
    }

    #[test]
    fn ipv4_conversions_write_the_dotted_quad() {
        for ip in [
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::LOCALHOST,
            Ipv4Addr::BROADCAST,
            Ipv4Addr::new(10, 0, 99, 100),
            Ipv4Addr::new(192, 168, 1, 9),
        ] {
            let text = ip.to_string();
            let want = Address::Inet(text.clone(), 8080);
            assert_eq!(Address::from(SocketAddrV4::new(ip, 8080)), want);
            assert_eq!(Address::from((ip, 8080)), want);
            assert_eq!(Address::from(SocketAddr::from((ip, 8080))), want);
            assert_eq!(Address::from((IpAddr::V4(ip), 8080)), want);
        }
    }
}
