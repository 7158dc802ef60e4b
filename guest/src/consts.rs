//! The constants of Python's `socket` module, with their Linux values.
//!
//! Every name CPython 3.11 exports on Linux (x86_64, glibc) is here with the same value, plus a
//! few Linux constants that newer CPython versions added or that Linux programs commonly use
//! (marked "not in CPython 3.11"). The values were read from the Linux and glibc headers and
//! checked against CPython; `tests::values_match_cpython` pins every one CPython has.
//!
//! Types: `i32` (C `int`, which is what `setsockopt`, `socket` and friends take), except the
//! constants that are unsigned 32-bit quantities in C and may not fit an `i32`: the `INADDR_*`
//! addresses (host byte order, as [`crate::pure::htonl`] expects), the CAN identifier masks and
//! flags (`canid_t`) and the vsock context ids and ports.
//!
//! The `EAGAIN`, `EBADF` and `EWOULDBLOCK` error numbers that Python's `socket` module also
//! exports are re-exported from [`crate::errno`].

pub use crate::errno::{EAGAIN, EBADF, EWOULDBLOCK};

// ---- Address families (`AF_*`, `PF_*`) ----

/// Unspecified family: any family, as in `getaddrinfo`.
pub const AF_UNSPEC: i32 = 0;
/// Local (Unix domain) sockets, addressed by a filesystem path or an abstract name.
pub const AF_UNIX: i32 = 1;
/// IPv4.
pub const AF_INET: i32 = 2;
/// Amateur radio AX.25.
pub const AF_AX25: i32 = 3;
/// Novell IPX.
pub const AF_IPX: i32 = 4;
/// AppleTalk DDP.
pub const AF_APPLETALK: i32 = 5;
/// Amateur radio NET/ROM.
pub const AF_NETROM: i32 = 6;
/// Multiprotocol bridge.
pub const AF_BRIDGE: i32 = 7;
/// ATM permanent virtual circuits.
pub const AF_ATMPVC: i32 = 8;
/// ITU-T X.25 / ISO-8208.
pub const AF_X25: i32 = 9;
/// IPv6.
pub const AF_INET6: i32 = 10;
/// Amateur radio X.25 PLP (ROSE).
pub const AF_ROSE: i32 = 11;
/// NetBEUI (reserved).
pub const AF_NETBEUI: i32 = 13;
/// Security callback pseudo family.
pub const AF_SECURITY: i32 = 14;
/// PF_KEY key management API.
pub const AF_KEY: i32 = 15;
/// Kernel user-interface device (netlink).
pub const AF_NETLINK: i32 = 16;
/// Alias of [`AF_NETLINK`] (BSD name for the routing socket).
pub const AF_ROUTE: i32 = AF_NETLINK;
/// Low-level packet interface.
pub const AF_PACKET: i32 = 17;
/// Ash.
pub const AF_ASH: i32 = 18;
/// Acorn Econet.
pub const AF_ECONET: i32 = 19;
/// ATM switched virtual circuits.
pub const AF_ATMSVC: i32 = 20;
/// Reliable Datagram Sockets.
pub const AF_RDS: i32 = 21;
/// Linux SNA project.
pub const AF_SNA: i32 = 22;
/// IrDA.
pub const AF_IRDA: i32 = 23;
/// PPP over X (PPPoE, L2TP).
pub const AF_PPPOX: i32 = 24;
/// Wanpipe API sockets.
pub const AF_WANPIPE: i32 = 25;
/// Linux LLC.
pub const AF_LLC: i32 = 26;
/// Controller Area Network.
pub const AF_CAN: i32 = 29;
/// TIPC (cluster domain sockets).
pub const AF_TIPC: i32 = 30;
/// Bluetooth. (CPython only has it when built with the Bluetooth headers.)
pub const AF_BLUETOOTH: i32 = 31;
/// Kernel crypto API (algorithm sockets).
pub const AF_ALG: i32 = 38;
/// VM sockets (vsock), host/guest communication.
pub const AF_VSOCK: i32 = 40;
/// Qualcomm IPC router.
pub const AF_QIPCRTR: i32 = 42;
/// Protocol family alias of [`AF_CAN`].
pub const PF_CAN: i32 = AF_CAN;
/// Protocol family alias of [`AF_PACKET`].
pub const PF_PACKET: i32 = AF_PACKET;
/// Protocol family alias of [`AF_RDS`].
pub const PF_RDS: i32 = AF_RDS;

// ---- Socket types (`SOCK_*`) ----

/// Sequenced, reliable, connection-based byte streams (TCP).
pub const SOCK_STREAM: i32 = 1;
/// Connectionless, unreliable datagrams (UDP).
pub const SOCK_DGRAM: i32 = 2;
/// Raw protocol access.
pub const SOCK_RAW: i32 = 3;
/// Reliably delivered messages.
pub const SOCK_RDM: i32 = 4;
/// Sequenced, reliable, connection-based datagrams with record boundaries.
pub const SOCK_SEQPACKET: i32 = 5;
/// Flag or-ed into the type: create the socket non-blocking (`O_NONBLOCK`).
pub const SOCK_NONBLOCK: i32 = 0o4000;
/// Flag or-ed into the type: close-on-exec (`O_CLOEXEC`).
pub const SOCK_CLOEXEC: i32 = 0o2000000;

// ---- Option levels (`SOL_*`) ----

/// Level of the socket-layer options (`SO_*`).
pub const SOL_SOCKET: i32 = 1;
/// Level of the IPv4 options (`IP_*`); same as [`IPPROTO_IP`].
pub const SOL_IP: i32 = IPPROTO_IP;
/// Level of the TCP options (`TCP_*`); same as [`IPPROTO_TCP`].
pub const SOL_TCP: i32 = IPPROTO_TCP;
/// Level of the UDP options; same as [`IPPROTO_UDP`].
pub const SOL_UDP: i32 = IPPROTO_UDP;
/// Level of the RDS options.
pub const SOL_RDS: i32 = 276;
/// Level of the TIPC options.
pub const SOL_TIPC: i32 = 271;
/// Level of the `AF_ALG` options (`ALG_SET_*`).
pub const SOL_ALG: i32 = 279;
/// Base of the CAN option levels.
pub const SOL_CAN_BASE: i32 = 100;
/// Level of the raw CAN options (`CAN_RAW_*`).
pub const SOL_CAN_RAW: i32 = 101;

// ---- Socket-level options (`SO_*`, level [`SOL_SOCKET`]) ----

/// Enable socket debugging.
pub const SO_DEBUG: i32 = 1;
/// Allow reuse of local addresses in `bind`.
pub const SO_REUSEADDR: i32 = 2;
/// Get the socket type (read-only).
pub const SO_TYPE: i32 = 3;
/// Get and clear the pending socket error (read-only).
pub const SO_ERROR: i32 = 4;
/// Bypass routing: send only to directly connected hosts.
pub const SO_DONTROUTE: i32 = 5;
/// Permit sending of broadcast datagrams.
pub const SO_BROADCAST: i32 = 6;
/// Send buffer size.
pub const SO_SNDBUF: i32 = 7;
/// Receive buffer size.
pub const SO_RCVBUF: i32 = 8;
/// Enable TCP keep-alive probes.
pub const SO_KEEPALIVE: i32 = 9;
/// Place out-of-band data inline in the normal stream.
pub const SO_OOBINLINE: i32 = 10;
/// Protocol-defined priority for outgoing packets.
pub const SO_PRIORITY: i32 = 12;
/// Linger on `close` while unsent data remains (`struct linger`).
pub const SO_LINGER: i32 = 13;
/// Allow several sockets to bind the same address and port.
pub const SO_REUSEPORT: i32 = 15;
/// Receive `SCM_CREDENTIALS` control messages (Unix sockets).
pub const SO_PASSCRED: i32 = 16;
/// Credentials of the peer process (`struct ucred`, Unix sockets).
pub const SO_PEERCRED: i32 = 17;
/// Minimum number of bytes for a receive to return.
pub const SO_RCVLOWAT: i32 = 18;
/// Minimum number of bytes for a send to proceed (not changeable on Linux).
pub const SO_SNDLOWAT: i32 = 19;
/// Receive timeout (`struct timeval`).
pub const SO_RCVTIMEO: i32 = 20;
/// Send timeout (`struct timeval`).
pub const SO_SNDTIMEO: i32 = 21;
/// Bind the socket to a network interface by name.
pub const SO_BINDTODEVICE: i32 = 25;
/// Whether the socket is listening (read-only).
pub const SO_ACCEPTCONN: i32 = 30;
/// Security context of the peer (read-only).
pub const SO_PEERSEC: i32 = 31;
/// Receive `SCM_SECURITY` control messages.
pub const SO_PASSSEC: i32 = 34;
/// Firewall mark of the socket's packets.
pub const SO_MARK: i32 = 36;
/// Get the socket protocol (read-only).
pub const SO_PROTOCOL: i32 = 38;
/// Get the socket family (read-only).
pub const SO_DOMAIN: i32 = 39;
/// CPU that handles the socket's incoming packets.
pub const SO_INCOMING_CPU: i32 = 49;
/// Bind the socket to a network interface by index (Linux 5.0; not in CPython 3.11).
pub const SO_BINDTOIFINDEX: i32 = 62;
/// vsock buffer size (level [`AF_VSOCK`]).
pub const SO_VM_SOCKETS_BUFFER_SIZE: i32 = 0;
/// vsock minimum buffer size (level [`AF_VSOCK`]).
pub const SO_VM_SOCKETS_BUFFER_MIN_SIZE: i32 = 1;
/// vsock maximum buffer size (level [`AF_VSOCK`]).
pub const SO_VM_SOCKETS_BUFFER_MAX_SIZE: i32 = 2;
/// J1939 receive filters (level `SOL_CAN_J1939`).
pub const SO_J1939_FILTER: i32 = 1;
/// J1939 promiscuous mode.
pub const SO_J1939_PROMISC: i32 = 2;
/// J1939 send priority.
pub const SO_J1939_SEND_PRIO: i32 = 3;
/// J1939 error queue.
pub const SO_J1939_ERRQUEUE: i32 = 4;

// ---- Control messages (`SCM_*`) ----

/// Control message carrying file descriptors (Unix sockets).
pub const SCM_RIGHTS: i32 = 1;
/// Control message carrying process credentials (Unix sockets).
pub const SCM_CREDENTIALS: i32 = 2;
/// J1939 destination address control message.
pub const SCM_J1939_DEST_ADDR: i32 = 1;
/// J1939 destination name control message.
pub const SCM_J1939_DEST_NAME: i32 = 2;
/// J1939 priority control message.
pub const SCM_J1939_PRIO: i32 = 3;
/// J1939 error queue control message.
pub const SCM_J1939_ERRQUEUE: i32 = 4;

// ---- IP protocols (`IPPROTO_*`) ----

/// Dummy protocol for TCP; also the level of the `IP_*` options.
pub const IPPROTO_IP: i32 = 0;
/// IPv6 hop-by-hop options.
pub const IPPROTO_HOPOPTS: i32 = 0;
/// Internet Control Message Protocol.
pub const IPPROTO_ICMP: i32 = 1;
/// Internet Group Management Protocol.
pub const IPPROTO_IGMP: i32 = 2;
/// IPIP tunnels.
pub const IPPROTO_IPIP: i32 = 4;
/// Transmission Control Protocol.
pub const IPPROTO_TCP: i32 = 6;
/// Exterior Gateway Protocol.
pub const IPPROTO_EGP: i32 = 8;
/// PUP protocol.
pub const IPPROTO_PUP: i32 = 12;
/// User Datagram Protocol.
pub const IPPROTO_UDP: i32 = 17;
/// XNS IDP protocol.
pub const IPPROTO_IDP: i32 = 22;
/// SO Transport Protocol Class 4.
pub const IPPROTO_TP: i32 = 29;
/// Datagram Congestion Control Protocol (not in CPython 3.11).
pub const IPPROTO_DCCP: i32 = 33;
/// IPv6 header; also the level of the `IPV6_*` options.
pub const IPPROTO_IPV6: i32 = 41;
/// IPv6 routing header.
pub const IPPROTO_ROUTING: i32 = 43;
/// IPv6 fragmentation header.
pub const IPPROTO_FRAGMENT: i32 = 44;
/// Reservation Protocol.
pub const IPPROTO_RSVP: i32 = 46;
/// General Routing Encapsulation.
pub const IPPROTO_GRE: i32 = 47;
/// Encapsulating security payload.
pub const IPPROTO_ESP: i32 = 50;
/// Authentication header.
pub const IPPROTO_AH: i32 = 51;
/// ICMPv6.
pub const IPPROTO_ICMPV6: i32 = 58;
/// IPv6 no next header.
pub const IPPROTO_NONE: i32 = 59;
/// IPv6 destination options.
pub const IPPROTO_DSTOPTS: i32 = 60;
/// Multicast Transport Protocol (not in CPython 3.11).
pub const IPPROTO_MTP: i32 = 92;
/// IP option pseudo header for BEET (not in CPython 3.11).
pub const IPPROTO_BEETPH: i32 = 94;
/// Encapsulation header (not in CPython 3.11).
pub const IPPROTO_ENCAP: i32 = 98;
/// Protocol Independent Multicast.
pub const IPPROTO_PIM: i32 = 103;
/// Compression header protocol (not in CPython 3.11).
pub const IPPROTO_COMP: i32 = 108;
/// Stream Control Transmission Protocol.
pub const IPPROTO_SCTP: i32 = 132;
/// IPv6 mobility header (not in CPython 3.11).
pub const IPPROTO_MH: i32 = 135;
/// UDP-Lite.
pub const IPPROTO_UDPLITE: i32 = 136;
/// MPLS in IP (not in CPython 3.11).
pub const IPPROTO_MPLS: i32 = 137;
/// Ethernet-within-IPv6 encapsulation (not in CPython 3.11).
pub const IPPROTO_ETHERNET: i32 = 143;
/// Raw IP packets.
pub const IPPROTO_RAW: i32 = 255;
/// Multipath TCP (`socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)`).
pub const IPPROTO_MPTCP: i32 = 262;

// ---- Ports (`IPPORT_*`) ----

/// Ports below this are reserved for privileged processes.
pub const IPPORT_RESERVED: i32 = 1024;
/// Ports at or above this are for non-privileged servers (BSD convention).
pub const IPPORT_USERRESERVED: i32 = 5000;

// ---- IPv4 addresses (`INADDR_*`, host byte order) ----

/// `0.0.0.0`: any local address.
pub const INADDR_ANY: u32 = 0;
/// `255.255.255.255`: limited broadcast.
pub const INADDR_BROADCAST: u32 = 0xffff_ffff;
/// `255.255.255.255`: the error return of `inet_addr(3)`.
pub const INADDR_NONE: u32 = INADDR_BROADCAST;
/// `127.0.0.1`.
pub const INADDR_LOOPBACK: u32 = 0x7f00_0001;
/// `224.0.0.0`.
pub const INADDR_UNSPEC_GROUP: u32 = 0xe000_0000;
/// `224.0.0.1`: all hosts on this subnet.
pub const INADDR_ALLHOSTS_GROUP: u32 = 0xe000_0001;
/// `224.0.0.255`: last local multicast group.
pub const INADDR_MAX_LOCAL_GROUP: u32 = 0xe000_00ff;

// ---- IPv4 options (`IP_*`, level [`IPPROTO_IP`]) ----

/// Type-of-service field of outgoing packets.
pub const IP_TOS: i32 = 1;
/// Time-to-live of outgoing unicast packets.
pub const IP_TTL: i32 = 2;
/// The application supplies the IP header (raw sockets).
pub const IP_HDRINCL: i32 = 3;
/// IP options sent with every packet.
pub const IP_OPTIONS: i32 = 4;
/// Receive all incoming IP options as control messages.
pub const IP_RECVOPTS: i32 = 6;
/// Receive the raw incoming IP options as control messages.
pub const IP_RETOPTS: i32 = 7;
/// Alias of [`IP_RETOPTS`].
pub const IP_RECVRETOPTS: i32 = IP_RETOPTS;
/// Receive `struct in_pktinfo` control messages (not in CPython 3.11).
pub const IP_PKTINFO: i32 = 8;
/// Path MTU discovery mode (not in CPython 3.11).
pub const IP_MTU_DISCOVER: i32 = 10;
/// Queue extended errors on the error queue (not in CPython 3.11).
pub const IP_RECVERR: i32 = 11;
/// Receive the TTL as a control message (not in CPython 3.11).
pub const IP_RECVTTL: i32 = 12;
/// Receive the TOS as a control message.
pub const IP_RECVTOS: i32 = 13;
/// Current known path MTU (read-only; not in CPython 3.11).
pub const IP_MTU: i32 = 14;
/// Allow binding to a non-local address (not in CPython 3.11).
pub const IP_FREEBIND: i32 = 15;
/// Transparent proxying: bind and receive for non-local addresses.
pub const IP_TRANSPARENT: i32 = 19;
/// Receive the original destination address (not in CPython 3.11).
pub const IP_RECVORIGDSTADDR: i32 = 20;
/// Defer the ephemeral port choice of `bind(port 0)` to `connect`.
pub const IP_BIND_ADDRESS_NO_PORT: i32 = 24;
/// Interface for outgoing multicast packets.
pub const IP_MULTICAST_IF: i32 = 32;
/// Time-to-live of outgoing multicast packets.
pub const IP_MULTICAST_TTL: i32 = 33;
/// Loop outgoing multicast packets back to local sockets.
pub const IP_MULTICAST_LOOP: i32 = 34;
/// Join a multicast group (`struct ip_mreq`).
pub const IP_ADD_MEMBERSHIP: i32 = 35;
/// Leave a multicast group (`struct ip_mreq`).
pub const IP_DROP_MEMBERSHIP: i32 = 36;
/// Unblock a multicast source (not in CPython 3.11).
pub const IP_UNBLOCK_SOURCE: i32 = 37;
/// Block a multicast source (not in CPython 3.11).
pub const IP_BLOCK_SOURCE: i32 = 38;
/// Join a source-specific multicast group (not in CPython 3.11).
pub const IP_ADD_SOURCE_MEMBERSHIP: i32 = 39;
/// Leave a source-specific multicast group (not in CPython 3.11).
pub const IP_DROP_SOURCE_MEMBERSHIP: i32 = 40;
/// Default multicast time-to-live.
pub const IP_DEFAULT_MULTICAST_TTL: i32 = 1;
/// Default of multicast loopback (on).
pub const IP_DEFAULT_MULTICAST_LOOP: i32 = 1;
/// Header value of the per-socket multicast group limit (the real Linux limit is the `igmp_max_memberships` sysctl).
pub const IP_MAX_MEMBERSHIPS: i32 = 20;

// ---- IPv6 options (`IPV6_*`, level [`IPPROTO_IPV6`]) ----

/// Offset of the checksum for raw sockets.
pub const IPV6_CHECKSUM: i32 = 7;
/// Next hop address (control message).
pub const IPV6_NEXTHOP: i32 = 9;
/// Hop limit of outgoing unicast packets.
pub const IPV6_UNICAST_HOPS: i32 = 16;
/// Interface index for outgoing multicast packets.
pub const IPV6_MULTICAST_IF: i32 = 17;
/// Hop limit of outgoing multicast packets.
pub const IPV6_MULTICAST_HOPS: i32 = 18;
/// Loop outgoing multicast packets back to local sockets.
pub const IPV6_MULTICAST_LOOP: i32 = 19;
/// Join a multicast group (`struct ipv6_mreq`).
pub const IPV6_JOIN_GROUP: i32 = 20;
/// Leave a multicast group (`struct ipv6_mreq`).
pub const IPV6_LEAVE_GROUP: i32 = 21;
/// Path MTU discovery mode (not in CPython 3.11).
pub const IPV6_MTU_DISCOVER: i32 = 23;
/// Current known path MTU (not in CPython 3.11).
pub const IPV6_MTU: i32 = 24;
/// Queue extended errors on the error queue (not in CPython 3.11).
pub const IPV6_RECVERR: i32 = 25;
/// Restrict an `AF_INET6` socket to IPv6 only (no IPv4-mapped addresses).
pub const IPV6_V6ONLY: i32 = 26;
/// Receive `struct in6_pktinfo` control messages.
pub const IPV6_RECVPKTINFO: i32 = 49;
/// Packet information control message (`struct in6_pktinfo`).
pub const IPV6_PKTINFO: i32 = 50;
/// Receive the hop limit as a control message.
pub const IPV6_RECVHOPLIMIT: i32 = 51;
/// Hop limit control message.
pub const IPV6_HOPLIMIT: i32 = 52;
/// Receive hop-by-hop options as control messages.
pub const IPV6_RECVHOPOPTS: i32 = 53;
/// Hop-by-hop options control message.
pub const IPV6_HOPOPTS: i32 = 54;
/// Destination options before a routing header.
pub const IPV6_RTHDRDSTOPTS: i32 = 55;
/// Receive routing headers as control messages.
pub const IPV6_RECVRTHDR: i32 = 56;
/// Routing header control message.
pub const IPV6_RTHDR: i32 = 57;
/// Receive destination options as control messages.
pub const IPV6_RECVDSTOPTS: i32 = 58;
/// Destination options control message.
pub const IPV6_DSTOPTS: i32 = 59;
/// Receive path MTU changes as control messages.
pub const IPV6_RECVPATHMTU: i32 = 60;
/// Path MTU control message.
pub const IPV6_PATHMTU: i32 = 61;
/// Do not fragment outgoing packets.
pub const IPV6_DONTFRAG: i32 = 62;
/// Receive the traffic class as a control message.
pub const IPV6_RECVTCLASS: i32 = 66;
/// Traffic class of outgoing packets.
pub const IPV6_TCLASS: i32 = 67;
/// Type 0 routing header.
pub const IPV6_RTHDR_TYPE_0: i32 = 0;

// ---- TCP options (`TCP_*`, level [`IPPROTO_TCP`]) ----

/// Disable Nagle's algorithm.
pub const TCP_NODELAY: i32 = 1;
/// Maximum segment size.
pub const TCP_MAXSEG: i32 = 2;
/// Hold back partial frames until uncorked.
pub const TCP_CORK: i32 = 3;
/// Idle seconds before keep-alive probes start.
pub const TCP_KEEPIDLE: i32 = 4;
/// Seconds between keep-alive probes.
pub const TCP_KEEPINTVL: i32 = 5;
/// Number of unanswered keep-alive probes before the connection drops.
pub const TCP_KEEPCNT: i32 = 6;
/// Number of SYN retransmits before giving up on a connect.
pub const TCP_SYNCNT: i32 = 7;
/// Lifetime of orphaned FIN_WAIT2 sockets.
pub const TCP_LINGER2: i32 = 8;
/// Wake `accept` only when data arrives.
pub const TCP_DEFER_ACCEPT: i32 = 9;
/// Bound the advertised window.
pub const TCP_WINDOW_CLAMP: i32 = 10;
/// Connection information (`struct tcp_info`, read-only).
pub const TCP_INFO: i32 = 11;
/// Quick-ack mode.
pub const TCP_QUICKACK: i32 = 12;
/// Congestion control algorithm by name.
pub const TCP_CONGESTION: i32 = 13;
/// TCP MD5 signature (RFC 2385) (not in CPython 3.11).
pub const TCP_MD5SIG: i32 = 14;
/// Linear timeouts for thin streams (not in CPython 3.11).
pub const TCP_THIN_LINEAR_TIMEOUTS: i32 = 16;
/// Fast retransmit after one duplicate ack for thin streams (not in CPython 3.11).
pub const TCP_THIN_DUPACK: i32 = 17;
/// Milliseconds unacknowledged data may stay before the connection drops.
pub const TCP_USER_TIMEOUT: i32 = 18;
/// Repair mode (checkpoint/restore) (not in CPython 3.11).
pub const TCP_REPAIR: i32 = 19;
/// Repair mode: the queue to operate on (not in CPython 3.11).
pub const TCP_REPAIR_QUEUE: i32 = 20;
/// Repair mode: the queue's sequence number (not in CPython 3.11).
pub const TCP_QUEUE_SEQ: i32 = 21;
/// Repair mode: options (not in CPython 3.11).
pub const TCP_REPAIR_OPTIONS: i32 = 22;
/// Enable TCP Fast Open on a listening socket (queue length).
pub const TCP_FASTOPEN: i32 = 23;
/// TCP timestamp offset (not in CPython 3.11).
pub const TCP_TIMESTAMP: i32 = 24;
/// Limit on unsent bytes in the write queue.
pub const TCP_NOTSENT_LOWAT: i32 = 25;
/// Congestion control information (read-only) (not in CPython 3.11).
pub const TCP_CC_INFO: i32 = 26;
/// Record the SYN headers for [`TCP_SAVED_SYN`] (not in CPython 3.11).
pub const TCP_SAVE_SYN: i32 = 27;
/// The recorded SYN headers (read-only) (not in CPython 3.11).
pub const TCP_SAVED_SYN: i32 = 28;
/// Repair mode: window parameters (not in CPython 3.11).
pub const TCP_REPAIR_WINDOW: i32 = 29;
/// TCP Fast Open on `connect` (client side) (not in CPython 3.11).
pub const TCP_FASTOPEN_CONNECT: i32 = 30;
/// Upper layer protocol (e.g. `tls`) (not in CPython 3.11).
pub const TCP_ULP: i32 = 31;
/// TCP MD5 signature with extensions (not in CPython 3.11).
pub const TCP_MD5SIG_EXT: i32 = 32;
/// TCP Fast Open key (not in CPython 3.11).
pub const TCP_FASTOPEN_KEY: i32 = 33;
/// TCP Fast Open without cookie (not in CPython 3.11).
pub const TCP_FASTOPEN_NO_COOKIE: i32 = 34;
/// Zero-copy receive (mmap) (not in CPython 3.11).
pub const TCP_ZEROCOPY_RECEIVE: i32 = 35;
/// Report the bytes in the receive queue as a control message (not in CPython 3.11).
pub const TCP_INQ: i32 = 36;
/// Delay outgoing packets by this many microseconds (not in CPython 3.11).
pub const TCP_TX_DELAY: i32 = 37;

// ---- UDP-Lite options (`UDPLITE_*`, level [`IPPROTO_UDPLITE`]) ----

/// Sender checksum coverage.
pub const UDPLITE_SEND_CSCOV: i32 = 10;
/// Minimum receiver checksum coverage.
pub const UDPLITE_RECV_CSCOV: i32 = 11;

// ---- Message flags (`MSG_*`) ----

/// Process out-of-band data.
pub const MSG_OOB: i32 = 1;
/// Peek at incoming data without removing it.
pub const MSG_PEEK: i32 = 2;
/// Send without using routing tables.
pub const MSG_DONTROUTE: i32 = 4;
/// Control data was truncated (`recvmsg` result flag).
pub const MSG_CTRUNC: i32 = 8;
/// Datagram was truncated; with `recv`, return the real length.
pub const MSG_TRUNC: i32 = 0x20;
/// Non-blocking for this call only.
pub const MSG_DONTWAIT: i32 = 0x40;
/// End of record.
pub const MSG_EOR: i32 = 0x80;
/// Wait for the full request.
pub const MSG_WAITALL: i32 = 0x100;
/// Confirm the path is valid (link-layer forward progress).
pub const MSG_CONFIRM: i32 = 0x800;
/// Receive from the error queue.
pub const MSG_ERRQUEUE: i32 = 0x2000;
/// Do not raise `SIGPIPE` on a broken stream.
pub const MSG_NOSIGNAL: i32 = 0x4000;
/// More data follows (cork for this call).
pub const MSG_MORE: i32 = 0x8000;
/// Send data in the SYN (TCP Fast Open).
pub const MSG_FASTOPEN: i32 = 0x2000_0000;
/// Set close-on-exec on file descriptors received with `SCM_RIGHTS`.
pub const MSG_CMSG_CLOEXEC: i32 = 0x4000_0000;

// ---- `shutdown` how (`SHUT_*`) ----

/// Further receives are disallowed.
pub const SHUT_RD: i32 = 0;
/// Further sends are disallowed.
pub const SHUT_WR: i32 = 1;
/// Further sends and receives are disallowed.
pub const SHUT_RDWR: i32 = 2;

// ---- Listen backlog ----

/// Default maximum `listen` backlog, as CPython reports it on current Linux.
pub const SOMAXCONN: i32 = 4096;

// ---- `getaddrinfo` flags (`AI_*`) ----

/// The address is for `bind` (wildcard when the host is `None`).
pub const AI_PASSIVE: i32 = 1;
/// Return the canonical name in the first result.
pub const AI_CANONNAME: i32 = 2;
/// The host is a numeric address; do not resolve.
pub const AI_NUMERICHOST: i32 = 4;
/// Return IPv4-mapped IPv6 addresses when no IPv6 address exists.
pub const AI_V4MAPPED: i32 = 8;
/// With [`AI_V4MAPPED`], return both IPv6 and IPv4-mapped addresses.
pub const AI_ALL: i32 = 0x10;
/// Only return families that a local interface is configured for.
pub const AI_ADDRCONFIG: i32 = 0x20;
/// The service is a numeric port; do not resolve.
pub const AI_NUMERICSERV: i32 = 0x400;

// ---- `getaddrinfo` / `getnameinfo` errors (`EAI_*`, glibc values, `gaierror.errno`) ----

/// `Bad value for ai_flags`.
pub const EAI_BADFLAGS: i32 = -1;
/// `Name or service not known`.
pub const EAI_NONAME: i32 = -2;
/// `Temporary failure in name resolution`.
pub const EAI_AGAIN: i32 = -3;
/// `Non-recoverable failure in name resolution`.
pub const EAI_FAIL: i32 = -4;
/// `No address associated with hostname`.
pub const EAI_NODATA: i32 = -5;
/// `ai_family not supported`.
pub const EAI_FAMILY: i32 = -6;
/// `ai_socktype not supported`.
pub const EAI_SOCKTYPE: i32 = -7;
/// `Servname not supported for ai_socktype`.
pub const EAI_SERVICE: i32 = -8;
/// `Address family for hostname not supported`.
pub const EAI_ADDRFAMILY: i32 = -9;
/// `Memory allocation failure`.
pub const EAI_MEMORY: i32 = -10;
/// `System error` (details in `errno`).
pub const EAI_SYSTEM: i32 = -11;
/// `Argument buffer overflow`.
pub const EAI_OVERFLOW: i32 = -12;

// ---- `getnameinfo` flags and sizes (`NI_*`) ----

/// Return the numeric form of the host.
pub const NI_NUMERICHOST: i32 = 1;
/// Return the numeric form of the service.
pub const NI_NUMERICSERV: i32 = 2;
/// Return only the host part of local names.
pub const NI_NOFQDN: i32 = 4;
/// Fail when the name cannot be found.
pub const NI_NAMEREQD: i32 = 8;
/// Look up the service as datagram (UDP).
pub const NI_DGRAM: i32 = 16;
/// Buffer size for a host name, including the terminating NUL.
pub const NI_MAXHOST: i32 = 1025;
/// Buffer size for a service name, including the terminating NUL.
pub const NI_MAXSERV: i32 = 32;

// ---- Netlink protocols (`NETLINK_*`) ----

/// Routing and link updates (rtnetlink).
pub const NETLINK_ROUTE: i32 = 0;
/// Reserved for user-mode socket protocols.
pub const NETLINK_USERSOCK: i32 = 2;
/// Firewall (obsolete).
pub const NETLINK_FIREWALL: i32 = 3;
/// Socket monitoring (not in CPython 3.11).
pub const NETLINK_SOCK_DIAG: i32 = 4;
/// Netfilter/iptables ULOG.
pub const NETLINK_NFLOG: i32 = 5;
/// IPsec.
pub const NETLINK_XFRM: i32 = 6;
/// Auditing (not in CPython 3.11).
pub const NETLINK_AUDIT: i32 = 9;
/// Netfilter subsystem (not in CPython 3.11).
pub const NETLINK_NETFILTER: i32 = 12;
/// IPv6 firewall (obsolete).
pub const NETLINK_IP6_FW: i32 = 13;
/// DECnet routing messages.
pub const NETLINK_DNRTMSG: i32 = 14;
/// Kernel messages to user space (uevents; not in CPython 3.11).
pub const NETLINK_KOBJECT_UEVENT: i32 = 15;
/// Generic netlink (not in CPython 3.11).
pub const NETLINK_GENERIC: i32 = 16;
/// Crypto layer.
pub const NETLINK_CRYPTO: i32 = 21;

// ---- Packet sockets (`PACKET_*` packet types, `ETH_P_*`) ----

/// Packet addressed to the local host.
pub const PACKET_HOST: i32 = 0;
/// Physical-layer broadcast packet.
pub const PACKET_BROADCAST: i32 = 1;
/// Packet sent to a physical-layer multicast address.
pub const PACKET_MULTICAST: i32 = 2;
/// Packet to another host, caught in promiscuous mode.
pub const PACKET_OTHERHOST: i32 = 3;
/// Packet originating from the local host, looped back.
pub const PACKET_OUTGOING: i32 = 4;
/// Loopback packet.
pub const PACKET_LOOPBACK: i32 = 5;
/// Fast-routed frame.
pub const PACKET_FASTROUTE: i32 = 6;
/// Every Ethernet protocol (for `AF_PACKET` sockets; not in CPython 3.11).
pub const ETH_P_ALL: i32 = 3;

// ---- CAN identifiers (`canid_t` masks and flags) ----

/// Extended frame format (29-bit identifier).
pub const CAN_EFF_FLAG: u32 = 0x8000_0000;
/// Remote transmission request.
pub const CAN_RTR_FLAG: u32 = 0x4000_0000;
/// Error message frame.
pub const CAN_ERR_FLAG: u32 = 0x2000_0000;
/// Standard frame format identifier mask (11 bits).
pub const CAN_SFF_MASK: u32 = 0x7ff;
/// Extended frame format identifier mask (29 bits).
pub const CAN_EFF_MASK: u32 = 0x1fff_ffff;
/// Error class mask (29 bits).
pub const CAN_ERR_MASK: u32 = 0x1fff_ffff;

// ---- CAN protocols and options (`CAN_*`) ----

/// Raw CAN protocol.
pub const CAN_RAW: i32 = 1;
/// CAN broadcast manager.
pub const CAN_BCM: i32 = 2;
/// ISO 15765-2 transport protocol.
pub const CAN_ISOTP: i32 = 6;
/// SAE J1939.
pub const CAN_J1939: i32 = 7;
/// Raw CAN receive filters.
pub const CAN_RAW_FILTER: i32 = 1;
/// Local loopback of sent frames.
pub const CAN_RAW_LOOPBACK: i32 = 3;
/// Receive the socket's own sent frames.
pub const CAN_RAW_RECV_OWN_MSGS: i32 = 4;
/// Allow CAN FD frames.
pub const CAN_RAW_FD_FRAMES: i32 = 5;
/// All filters must match for a frame to pass.
pub const CAN_RAW_JOIN_FILTERS: i32 = 6;
/// BCM: create or update a transmission task.
pub const CAN_BCM_TX_SETUP: i32 = 1;
/// BCM: remove a transmission task.
pub const CAN_BCM_TX_DELETE: i32 = 2;
/// BCM: read a transmission task's properties.
pub const CAN_BCM_TX_READ: i32 = 3;
/// BCM: send one frame.
pub const CAN_BCM_TX_SEND: i32 = 4;
/// BCM: create a receive filter subscription.
pub const CAN_BCM_RX_SETUP: i32 = 5;
/// BCM: remove a receive filter subscription.
pub const CAN_BCM_RX_DELETE: i32 = 6;
/// BCM: read a receive subscription's properties.
pub const CAN_BCM_RX_READ: i32 = 7;
/// BCM reply to [`CAN_BCM_TX_READ`].
pub const CAN_BCM_TX_STATUS: i32 = 8;
/// BCM notification: a counted transmission finished.
pub const CAN_BCM_TX_EXPIRED: i32 = 9;
/// BCM reply to [`CAN_BCM_RX_READ`].
pub const CAN_BCM_RX_STATUS: i32 = 10;
/// BCM notification: cyclic message absent.
pub const CAN_BCM_RX_TIMEOUT: i32 = 11;
/// BCM notification: updated frame content.
pub const CAN_BCM_RX_CHANGED: i32 = 12;
/// BCM flag: set the timer values.
pub const CAN_BCM_SETTIMER: i32 = 1;
/// BCM flag: start the timer.
pub const CAN_BCM_STARTTIMER: i32 = 2;
/// BCM flag: notify when the count expires.
pub const CAN_BCM_TX_COUNTEVT: i32 = 4;
/// BCM flag: send changed data immediately.
pub const CAN_BCM_TX_ANNOUNCE: i32 = 8;
/// BCM flag: copy the identifier into the frames.
pub const CAN_BCM_TX_CP_CAN_ID: i32 = 16;
/// BCM flag: filter by identifier only.
pub const CAN_BCM_RX_FILTER_ID: i32 = 32;
/// BCM flag: a DLC change is a content change.
pub const CAN_BCM_RX_CHECK_DLC: i32 = 64;
/// BCM flag: no automatic timeout monitoring restart.
pub const CAN_BCM_RX_NO_AUTOTIMER: i32 = 128;
/// BCM flag: notify when a cyclic message resumes.
pub const CAN_BCM_RX_ANNOUNCE_RESUME: i32 = 256;
/// BCM flag: restart multi-frame transmission at index 0.
pub const CAN_BCM_TX_RESET_MULTI_IDX: i32 = 512;
/// BCM flag: answer RTR frames.
pub const CAN_BCM_RX_RTR_FRAME: i32 = 1024;
/// BCM flag: the frames are CAN FD frames.
pub const CAN_BCM_CAN_FD_FRAME: i32 = 2048;

// ---- SAE J1939 (`J1939_*`) ----

/// Highest unicast address.
pub const J1939_MAX_UNICAST_ADDR: i32 = 253;
/// Idle address.
pub const J1939_IDLE_ADDR: i32 = 254;
/// No address (broadcast).
pub const J1939_NO_ADDR: i32 = 255;
/// No name.
pub const J1939_NO_NAME: i32 = 0;
/// Request PGN.
pub const J1939_PGN_REQUEST: i32 = 59904;
/// Address claimed PGN.
pub const J1939_PGN_ADDRESS_CLAIMED: i32 = 60928;
/// Commanded address PGN.
pub const J1939_PGN_ADDRESS_COMMANDED: i32 = 65240;
/// Highest PDU1 PGN.
pub const J1939_PGN_PDU1_MAX: i32 = 261888;
/// Highest PGN.
pub const J1939_PGN_MAX: i32 = 262143;
/// No PGN.
pub const J1939_NO_PGN: i32 = 262144;
/// Maximum number of receive filters.
pub const J1939_FILTER_MAX: i32 = 512;
/// Error-queue netlink attribute: padding.
pub const J1939_NLA_PAD: i32 = 0;
/// Error-queue netlink attribute: bytes acknowledged.
pub const J1939_NLA_BYTES_ACKED: i32 = 1;
/// Extended error info: none.
pub const J1939_EE_INFO_NONE: i32 = 0;
/// Extended error info: transmission aborted.
pub const J1939_EE_INFO_TX_ABORT: i32 = 1;

// ---- TIPC (`TIPC_*`) ----

/// Address type: name sequence.
pub const TIPC_ADDR_NAMESEQ: i32 = 1;
/// Address type: name.
pub const TIPC_ADDR_NAME: i32 = 2;
/// Address type: port identity.
pub const TIPC_ADDR_ID: i32 = 3;
/// Zone scope.
pub const TIPC_ZONE_SCOPE: i32 = 1;
/// Cluster scope.
pub const TIPC_CLUSTER_SCOPE: i32 = 2;
/// Node scope.
pub const TIPC_NODE_SCOPE: i32 = 3;
/// Option: message importance.
pub const TIPC_IMPORTANCE: i32 = 127;
/// Option: source droppable.
pub const TIPC_SRC_DROPPABLE: i32 = 128;
/// Option: destination droppable.
pub const TIPC_DEST_DROPPABLE: i32 = 129;
/// Option: connect timeout.
pub const TIPC_CONN_TIMEOUT: i32 = 130;
/// Importance: low.
pub const TIPC_LOW_IMPORTANCE: i32 = 0;
/// Importance: medium.
pub const TIPC_MEDIUM_IMPORTANCE: i32 = 1;
/// Importance: high.
pub const TIPC_HIGH_IMPORTANCE: i32 = 2;
/// Importance: critical.
pub const TIPC_CRITICAL_IMPORTANCE: i32 = 3;
/// Subscription: report each port.
pub const TIPC_SUB_PORTS: i32 = 1;
/// Subscription: report service availability.
pub const TIPC_SUB_SERVICE: i32 = 2;
/// Subscription: cancel.
pub const TIPC_SUB_CANCEL: i32 = 4;
/// Subscription timeout: never (`~0`, which CPython shows as -1).
pub const TIPC_WAIT_FOREVER: i32 = -1;
/// Event: published.
pub const TIPC_PUBLISHED: i32 = 1;
/// Event: withdrawn.
pub const TIPC_WITHDRAWN: i32 = 2;
/// Event: subscription timed out.
pub const TIPC_SUBSCR_TIMEOUT: i32 = 3;
/// Configuration service type.
pub const TIPC_CFG_SRV: i32 = 0;
/// Topology service type.
pub const TIPC_TOP_SRV: i32 = 1;

// ---- Kernel crypto API (`ALG_*`, level [`SOL_ALG`]) ----

/// Set the key.
pub const ALG_SET_KEY: i32 = 1;
/// Control message: initialisation vector.
pub const ALG_SET_IV: i32 = 2;
/// Control message: operation.
pub const ALG_SET_OP: i32 = 3;
/// Control message: AEAD associated data length.
pub const ALG_SET_AEAD_ASSOCLEN: i32 = 4;
/// Set the AEAD authentication tag size.
pub const ALG_SET_AEAD_AUTHSIZE: i32 = 5;
/// Set a public key (CPython's own value: the Linux uAPI headers do not define it).
pub const ALG_SET_PUBKEY: i32 = 6;
/// Operation: decrypt.
pub const ALG_OP_DECRYPT: i32 = 0;
/// Operation: encrypt.
pub const ALG_OP_ENCRYPT: i32 = 1;
/// Operation: sign (CPython's own value: the Linux uAPI headers do not define it).
pub const ALG_OP_SIGN: i32 = 2;
/// Operation: verify (CPython's own value: the Linux uAPI headers do not define it).
pub const ALG_OP_VERIFY: i32 = 3;

// ---- VM sockets (`VMADDR_*`, `VM_SOCKETS_*`) ----

/// Any context id (bind wildcard).
pub const VMADDR_CID_ANY: u32 = 0xffff_ffff;
/// The hypervisor's context id (not in CPython 3.11).
pub const VMADDR_CID_HYPERVISOR: u32 = 0;
/// Local communication, loopback (not in CPython 3.11).
pub const VMADDR_CID_LOCAL: u32 = 1;
/// The host's context id.
pub const VMADDR_CID_HOST: u32 = 2;
/// Any port (bind wildcard).
pub const VMADDR_PORT_ANY: u32 = 0xffff_ffff;
/// Invalid vsock version.
pub const VM_SOCKETS_INVALID_VERSION: u32 = 0xffff_ffff;

// ---- VM sockets ioctl ----

/// `ioctl` request on `/dev/vsock` that returns the local context id.
pub const IOCTL_VM_SOCKETS_GET_LOCAL_CID: i32 = 1977;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every constant that CPython 3.11 exports on Linux, with the value
    /// `python3 -c 'import socket; print(socket.NAME)'` printed.
    #[test]
    fn values_match_cpython() {
        let table: &[(&str, i64, i64)] = &[
            ("AF_UNSPEC", i64::from(AF_UNSPEC), 0),
            ("AF_UNIX", i64::from(AF_UNIX), 1),
            ("AF_INET", i64::from(AF_INET), 2),
            ("AF_AX25", i64::from(AF_AX25), 3),
            ("AF_IPX", i64::from(AF_IPX), 4),
            ("AF_APPLETALK", i64::from(AF_APPLETALK), 5),
            ("AF_NETROM", i64::from(AF_NETROM), 6),
            ("AF_BRIDGE", i64::from(AF_BRIDGE), 7),
            ("AF_ATMPVC", i64::from(AF_ATMPVC), 8),
            ("AF_X25", i64::from(AF_X25), 9),
            ("AF_INET6", i64::from(AF_INET6), 10),
            ("AF_ROSE", i64::from(AF_ROSE), 11),
            ("AF_NETBEUI", i64::from(AF_NETBEUI), 13),
            ("AF_SECURITY", i64::from(AF_SECURITY), 14),
            ("AF_KEY", i64::from(AF_KEY), 15),
            ("AF_NETLINK", i64::from(AF_NETLINK), 16),
            ("AF_ROUTE", i64::from(AF_ROUTE), 16),
            ("AF_PACKET", i64::from(AF_PACKET), 17),
            ("AF_ASH", i64::from(AF_ASH), 18),
            ("AF_ECONET", i64::from(AF_ECONET), 19),
            ("AF_ATMSVC", i64::from(AF_ATMSVC), 20),
            ("AF_RDS", i64::from(AF_RDS), 21),
            ("AF_SNA", i64::from(AF_SNA), 22),
            ("AF_IRDA", i64::from(AF_IRDA), 23),
            ("AF_PPPOX", i64::from(AF_PPPOX), 24),
            ("AF_WANPIPE", i64::from(AF_WANPIPE), 25),
            ("AF_LLC", i64::from(AF_LLC), 26),
            ("AF_CAN", i64::from(AF_CAN), 29),
            ("AF_TIPC", i64::from(AF_TIPC), 30),
            ("AF_ALG", i64::from(AF_ALG), 38),
            ("AF_VSOCK", i64::from(AF_VSOCK), 40),
            ("AF_QIPCRTR", i64::from(AF_QIPCRTR), 42),
            ("PF_CAN", i64::from(PF_CAN), 29),
            ("PF_PACKET", i64::from(PF_PACKET), 17),
            ("PF_RDS", i64::from(PF_RDS), 21),
            ("SOCK_STREAM", i64::from(SOCK_STREAM), 1),
            ("SOCK_DGRAM", i64::from(SOCK_DGRAM), 2),
            ("SOCK_RAW", i64::from(SOCK_RAW), 3),
            ("SOCK_RDM", i64::from(SOCK_RDM), 4),
            ("SOCK_SEQPACKET", i64::from(SOCK_SEQPACKET), 5),
            ("SOCK_NONBLOCK", i64::from(SOCK_NONBLOCK), 2048),
            ("SOCK_CLOEXEC", i64::from(SOCK_CLOEXEC), 524288),
            ("SOL_SOCKET", i64::from(SOL_SOCKET), 1),
            ("SOL_IP", i64::from(SOL_IP), 0),
            ("SOL_TCP", i64::from(SOL_TCP), 6),
            ("SOL_UDP", i64::from(SOL_UDP), 17),
            ("SOL_RDS", i64::from(SOL_RDS), 276),
            ("SOL_TIPC", i64::from(SOL_TIPC), 271),
            ("SOL_ALG", i64::from(SOL_ALG), 279),
            ("SOL_CAN_BASE", i64::from(SOL_CAN_BASE), 100),
            ("SOL_CAN_RAW", i64::from(SOL_CAN_RAW), 101),
            ("SO_DEBUG", i64::from(SO_DEBUG), 1),
            ("SO_REUSEADDR", i64::from(SO_REUSEADDR), 2),
            ("SO_TYPE", i64::from(SO_TYPE), 3),
            ("SO_ERROR", i64::from(SO_ERROR), 4),
            ("SO_DONTROUTE", i64::from(SO_DONTROUTE), 5),
            ("SO_BROADCAST", i64::from(SO_BROADCAST), 6),
            ("SO_SNDBUF", i64::from(SO_SNDBUF), 7),
            ("SO_RCVBUF", i64::from(SO_RCVBUF), 8),
            ("SO_KEEPALIVE", i64::from(SO_KEEPALIVE), 9),
            ("SO_OOBINLINE", i64::from(SO_OOBINLINE), 10),
            ("SO_PRIORITY", i64::from(SO_PRIORITY), 12),
            ("SO_LINGER", i64::from(SO_LINGER), 13),
            ("SO_REUSEPORT", i64::from(SO_REUSEPORT), 15),
            ("SO_PASSCRED", i64::from(SO_PASSCRED), 16),
            ("SO_PEERCRED", i64::from(SO_PEERCRED), 17),
            ("SO_RCVLOWAT", i64::from(SO_RCVLOWAT), 18),
            ("SO_SNDLOWAT", i64::from(SO_SNDLOWAT), 19),
            ("SO_RCVTIMEO", i64::from(SO_RCVTIMEO), 20),
            ("SO_SNDTIMEO", i64::from(SO_SNDTIMEO), 21),
            ("SO_BINDTODEVICE", i64::from(SO_BINDTODEVICE), 25),
            ("SO_ACCEPTCONN", i64::from(SO_ACCEPTCONN), 30),
            ("SO_PEERSEC", i64::from(SO_PEERSEC), 31),
            ("SO_PASSSEC", i64::from(SO_PASSSEC), 34),
            ("SO_MARK", i64::from(SO_MARK), 36),
            ("SO_PROTOCOL", i64::from(SO_PROTOCOL), 38),
            ("SO_DOMAIN", i64::from(SO_DOMAIN), 39),
            ("SO_INCOMING_CPU", i64::from(SO_INCOMING_CPU), 49),
            (
                "SO_VM_SOCKETS_BUFFER_SIZE",
                i64::from(SO_VM_SOCKETS_BUFFER_SIZE),
                0,
            ),
            (
                "SO_VM_SOCKETS_BUFFER_MIN_SIZE",
                i64::from(SO_VM_SOCKETS_BUFFER_MIN_SIZE),
                1,
            ),
            (
                "SO_VM_SOCKETS_BUFFER_MAX_SIZE",
                i64::from(SO_VM_SOCKETS_BUFFER_MAX_SIZE),
                2,
            ),
            ("SO_J1939_FILTER", i64::from(SO_J1939_FILTER), 1),
            ("SO_J1939_PROMISC", i64::from(SO_J1939_PROMISC), 2),
            ("SO_J1939_SEND_PRIO", i64::from(SO_J1939_SEND_PRIO), 3),
            ("SO_J1939_ERRQUEUE", i64::from(SO_J1939_ERRQUEUE), 4),
            ("SCM_RIGHTS", i64::from(SCM_RIGHTS), 1),
            ("SCM_CREDENTIALS", i64::from(SCM_CREDENTIALS), 2),
            ("SCM_J1939_DEST_ADDR", i64::from(SCM_J1939_DEST_ADDR), 1),
            ("SCM_J1939_DEST_NAME", i64::from(SCM_J1939_DEST_NAME), 2),
            ("SCM_J1939_PRIO", i64::from(SCM_J1939_PRIO), 3),
            ("SCM_J1939_ERRQUEUE", i64::from(SCM_J1939_ERRQUEUE), 4),
            ("IPPROTO_IP", i64::from(IPPROTO_IP), 0),
            ("IPPROTO_HOPOPTS", i64::from(IPPROTO_HOPOPTS), 0),
            ("IPPROTO_ICMP", i64::from(IPPROTO_ICMP), 1),
            ("IPPROTO_IGMP", i64::from(IPPROTO_IGMP), 2),
            ("IPPROTO_IPIP", i64::from(IPPROTO_IPIP), 4),
            ("IPPROTO_TCP", i64::from(IPPROTO_TCP), 6),
            ("IPPROTO_EGP", i64::from(IPPROTO_EGP), 8),
            ("IPPROTO_PUP", i64::from(IPPROTO_PUP), 12),
            ("IPPROTO_UDP", i64::from(IPPROTO_UDP), 17),
            ("IPPROTO_IDP", i64::from(IPPROTO_IDP), 22),
            ("IPPROTO_TP", i64::from(IPPROTO_TP), 29),
            ("IPPROTO_IPV6", i64::from(IPPROTO_IPV6), 41),
            ("IPPROTO_ROUTING", i64::from(IPPROTO_ROUTING), 43),
            ("IPPROTO_FRAGMENT", i64::from(IPPROTO_FRAGMENT), 44),
            ("IPPROTO_RSVP", i64::from(IPPROTO_RSVP), 46),
            ("IPPROTO_GRE", i64::from(IPPROTO_GRE), 47),
            ("IPPROTO_ESP", i64::from(IPPROTO_ESP), 50),
            ("IPPROTO_AH", i64::from(IPPROTO_AH), 51),
            ("IPPROTO_ICMPV6", i64::from(IPPROTO_ICMPV6), 58),
            ("IPPROTO_NONE", i64::from(IPPROTO_NONE), 59),
            ("IPPROTO_DSTOPTS", i64::from(IPPROTO_DSTOPTS), 60),
            ("IPPROTO_PIM", i64::from(IPPROTO_PIM), 103),
            ("IPPROTO_SCTP", i64::from(IPPROTO_SCTP), 132),
            ("IPPROTO_UDPLITE", i64::from(IPPROTO_UDPLITE), 136),
            ("IPPROTO_RAW", i64::from(IPPROTO_RAW), 255),
            ("IPPROTO_MPTCP", i64::from(IPPROTO_MPTCP), 262),
            ("IPPORT_RESERVED", i64::from(IPPORT_RESERVED), 1024),
            ("IPPORT_USERRESERVED", i64::from(IPPORT_USERRESERVED), 5000),
            ("INADDR_ANY", i64::from(INADDR_ANY), 0),
            ("INADDR_BROADCAST", i64::from(INADDR_BROADCAST), 4294967295),
            ("INADDR_NONE", i64::from(INADDR_NONE), 4294967295),
            ("INADDR_LOOPBACK", i64::from(INADDR_LOOPBACK), 2130706433),
            (
                "INADDR_UNSPEC_GROUP",
                i64::from(INADDR_UNSPEC_GROUP),
                3758096384,
            ),
            (
                "INADDR_ALLHOSTS_GROUP",
                i64::from(INADDR_ALLHOSTS_GROUP),
                3758096385,
            ),
            (
                "INADDR_MAX_LOCAL_GROUP",
                i64::from(INADDR_MAX_LOCAL_GROUP),
                3758096639,
            ),
            ("IP_TOS", i64::from(IP_TOS), 1),
            ("IP_TTL", i64::from(IP_TTL), 2),
            ("IP_HDRINCL", i64::from(IP_HDRINCL), 3),
            ("IP_OPTIONS", i64::from(IP_OPTIONS), 4),
            ("IP_RECVOPTS", i64::from(IP_RECVOPTS), 6),
            ("IP_RETOPTS", i64::from(IP_RETOPTS), 7),
            ("IP_RECVRETOPTS", i64::from(IP_RECVRETOPTS), 7),
            ("IP_RECVTOS", i64::from(IP_RECVTOS), 13),
            ("IP_TRANSPARENT", i64::from(IP_TRANSPARENT), 19),
            (
                "IP_BIND_ADDRESS_NO_PORT",
                i64::from(IP_BIND_ADDRESS_NO_PORT),
                24,
            ),
            ("IP_MULTICAST_IF", i64::from(IP_MULTICAST_IF), 32),
            ("IP_MULTICAST_TTL", i64::from(IP_MULTICAST_TTL), 33),
            ("IP_MULTICAST_LOOP", i64::from(IP_MULTICAST_LOOP), 34),
            ("IP_ADD_MEMBERSHIP", i64::from(IP_ADD_MEMBERSHIP), 35),
            ("IP_DROP_MEMBERSHIP", i64::from(IP_DROP_MEMBERSHIP), 36),
            (
                "IP_DEFAULT_MULTICAST_TTL",
                i64::from(IP_DEFAULT_MULTICAST_TTL),
                1,
            ),
            (
                "IP_DEFAULT_MULTICAST_LOOP",
                i64::from(IP_DEFAULT_MULTICAST_LOOP),
                1,
            ),
            ("IP_MAX_MEMBERSHIPS", i64::from(IP_MAX_MEMBERSHIPS), 20),
            ("IPV6_CHECKSUM", i64::from(IPV6_CHECKSUM), 7),
            ("IPV6_NEXTHOP", i64::from(IPV6_NEXTHOP), 9),
            ("IPV6_UNICAST_HOPS", i64::from(IPV6_UNICAST_HOPS), 16),
            ("IPV6_MULTICAST_IF", i64::from(IPV6_MULTICAST_IF), 17),
            ("IPV6_MULTICAST_HOPS", i64::from(IPV6_MULTICAST_HOPS), 18),
            ("IPV6_MULTICAST_LOOP", i64::from(IPV6_MULTICAST_LOOP), 19),
            ("IPV6_JOIN_GROUP", i64::from(IPV6_JOIN_GROUP), 20),
            ("IPV6_LEAVE_GROUP", i64::from(IPV6_LEAVE_GROUP), 21),
            ("IPV6_V6ONLY", i64::from(IPV6_V6ONLY), 26),
            ("IPV6_RECVPKTINFO", i64::from(IPV6_RECVPKTINFO), 49),
            ("IPV6_PKTINFO", i64::from(IPV6_PKTINFO), 50),
            ("IPV6_RECVHOPLIMIT", i64::from(IPV6_RECVHOPLIMIT), 51),
            ("IPV6_HOPLIMIT", i64::from(IPV6_HOPLIMIT), 52),
            ("IPV6_RECVHOPOPTS", i64::from(IPV6_RECVHOPOPTS), 53),
            ("IPV6_HOPOPTS", i64::from(IPV6_HOPOPTS), 54),
            ("IPV6_RTHDRDSTOPTS", i64::from(IPV6_RTHDRDSTOPTS), 55),
            ("IPV6_RECVRTHDR", i64::from(IPV6_RECVRTHDR), 56),
            ("IPV6_RTHDR", i64::from(IPV6_RTHDR), 57),
            ("IPV6_RECVDSTOPTS", i64::from(IPV6_RECVDSTOPTS), 58),
            ("IPV6_DSTOPTS", i64::from(IPV6_DSTOPTS), 59),
            ("IPV6_RECVPATHMTU", i64::from(IPV6_RECVPATHMTU), 60),
            ("IPV6_PATHMTU", i64::from(IPV6_PATHMTU), 61),
            ("IPV6_DONTFRAG", i64::from(IPV6_DONTFRAG), 62),
            ("IPV6_RECVTCLASS", i64::from(IPV6_RECVTCLASS), 66),
            ("IPV6_TCLASS", i64::from(IPV6_TCLASS), 67),
            ("IPV6_RTHDR_TYPE_0", i64::from(IPV6_RTHDR_TYPE_0), 0),
            ("TCP_NODELAY", i64::from(TCP_NODELAY), 1),
            ("TCP_MAXSEG", i64::from(TCP_MAXSEG), 2),
            ("TCP_CORK", i64::from(TCP_CORK), 3),
            ("TCP_KEEPIDLE", i64::from(TCP_KEEPIDLE), 4),
            ("TCP_KEEPINTVL", i64::from(TCP_KEEPINTVL), 5),
            ("TCP_KEEPCNT", i64::from(TCP_KEEPCNT), 6),
            ("TCP_SYNCNT", i64::from(TCP_SYNCNT), 7),
            ("TCP_LINGER2", i64::from(TCP_LINGER2), 8),
            ("TCP_DEFER_ACCEPT", i64::from(TCP_DEFER_ACCEPT), 9),
            ("TCP_WINDOW_CLAMP", i64::from(TCP_WINDOW_CLAMP), 10),
            ("TCP_INFO", i64::from(TCP_INFO), 11),
            ("TCP_QUICKACK", i64::from(TCP_QUICKACK), 12),
            ("TCP_CONGESTION", i64::from(TCP_CONGESTION), 13),
            ("TCP_USER_TIMEOUT", i64::from(TCP_USER_TIMEOUT), 18),
            ("TCP_FASTOPEN", i64::from(TCP_FASTOPEN), 23),
            ("TCP_NOTSENT_LOWAT", i64::from(TCP_NOTSENT_LOWAT), 25),
            ("UDPLITE_SEND_CSCOV", i64::from(UDPLITE_SEND_CSCOV), 10),
            ("UDPLITE_RECV_CSCOV", i64::from(UDPLITE_RECV_CSCOV), 11),
            ("MSG_OOB", i64::from(MSG_OOB), 1),
            ("MSG_PEEK", i64::from(MSG_PEEK), 2),
            ("MSG_DONTROUTE", i64::from(MSG_DONTROUTE), 4),
            ("MSG_CTRUNC", i64::from(MSG_CTRUNC), 8),
            ("MSG_TRUNC", i64::from(MSG_TRUNC), 32),
            ("MSG_DONTWAIT", i64::from(MSG_DONTWAIT), 64),
            ("MSG_EOR", i64::from(MSG_EOR), 128),
            ("MSG_WAITALL", i64::from(MSG_WAITALL), 256),
            ("MSG_CONFIRM", i64::from(MSG_CONFIRM), 2048),
            ("MSG_ERRQUEUE", i64::from(MSG_ERRQUEUE), 8192),
            ("MSG_NOSIGNAL", i64::from(MSG_NOSIGNAL), 16384),
            ("MSG_MORE", i64::from(MSG_MORE), 32768),
            ("MSG_FASTOPEN", i64::from(MSG_FASTOPEN), 536870912),
            ("MSG_CMSG_CLOEXEC", i64::from(MSG_CMSG_CLOEXEC), 1073741824),
            ("SHUT_RD", i64::from(SHUT_RD), 0),
            ("SHUT_WR", i64::from(SHUT_WR), 1),
            ("SHUT_RDWR", i64::from(SHUT_RDWR), 2),
            ("SOMAXCONN", i64::from(SOMAXCONN), 4096),
            ("AI_PASSIVE", i64::from(AI_PASSIVE), 1),
            ("AI_CANONNAME", i64::from(AI_CANONNAME), 2),
            ("AI_NUMERICHOST", i64::from(AI_NUMERICHOST), 4),
            ("AI_V4MAPPED", i64::from(AI_V4MAPPED), 8),
            ("AI_ALL", i64::from(AI_ALL), 16),
            ("AI_ADDRCONFIG", i64::from(AI_ADDRCONFIG), 32),
            ("AI_NUMERICSERV", i64::from(AI_NUMERICSERV), 1024),
            ("EAI_BADFLAGS", i64::from(EAI_BADFLAGS), -1),
            ("EAI_NONAME", i64::from(EAI_NONAME), -2),
            ("EAI_AGAIN", i64::from(EAI_AGAIN), -3),
            ("EAI_FAIL", i64::from(EAI_FAIL), -4),
            ("EAI_NODATA", i64::from(EAI_NODATA), -5),
            ("EAI_FAMILY", i64::from(EAI_FAMILY), -6),
            ("EAI_SOCKTYPE", i64::from(EAI_SOCKTYPE), -7),
            ("EAI_SERVICE", i64::from(EAI_SERVICE), -8),
            ("EAI_ADDRFAMILY", i64::from(EAI_ADDRFAMILY), -9),
            ("EAI_MEMORY", i64::from(EAI_MEMORY), -10),
            ("EAI_SYSTEM", i64::from(EAI_SYSTEM), -11),
            ("EAI_OVERFLOW", i64::from(EAI_OVERFLOW), -12),
            ("NI_NUMERICHOST", i64::from(NI_NUMERICHOST), 1),
            ("NI_NUMERICSERV", i64::from(NI_NUMERICSERV), 2),
            ("NI_NOFQDN", i64::from(NI_NOFQDN), 4),
            ("NI_NAMEREQD", i64::from(NI_NAMEREQD), 8),
            ("NI_DGRAM", i64::from(NI_DGRAM), 16),
            ("NI_MAXHOST", i64::from(NI_MAXHOST), 1025),
            ("NI_MAXSERV", i64::from(NI_MAXSERV), 32),
            ("NETLINK_ROUTE", i64::from(NETLINK_ROUTE), 0),
            ("NETLINK_USERSOCK", i64::from(NETLINK_USERSOCK), 2),
            ("NETLINK_FIREWALL", i64::from(NETLINK_FIREWALL), 3),
            ("NETLINK_NFLOG", i64::from(NETLINK_NFLOG), 5),
            ("NETLINK_XFRM", i64::from(NETLINK_XFRM), 6),
            ("NETLINK_IP6_FW", i64::from(NETLINK_IP6_FW), 13),
            ("NETLINK_DNRTMSG", i64::from(NETLINK_DNRTMSG), 14),
            ("NETLINK_CRYPTO", i64::from(NETLINK_CRYPTO), 21),
            ("PACKET_HOST", i64::from(PACKET_HOST), 0),
            ("PACKET_BROADCAST", i64::from(PACKET_BROADCAST), 1),
            ("PACKET_MULTICAST", i64::from(PACKET_MULTICAST), 2),
            ("PACKET_OTHERHOST", i64::from(PACKET_OTHERHOST), 3),
            ("PACKET_OUTGOING", i64::from(PACKET_OUTGOING), 4),
            ("PACKET_LOOPBACK", i64::from(PACKET_LOOPBACK), 5),
            ("PACKET_FASTROUTE", i64::from(PACKET_FASTROUTE), 6),
            ("CAN_EFF_FLAG", i64::from(CAN_EFF_FLAG), 2147483648),
            ("CAN_RTR_FLAG", i64::from(CAN_RTR_FLAG), 1073741824),
            ("CAN_ERR_FLAG", i64::from(CAN_ERR_FLAG), 536870912),
            ("CAN_SFF_MASK", i64::from(CAN_SFF_MASK), 2047),
            ("CAN_EFF_MASK", i64::from(CAN_EFF_MASK), 536870911),
            ("CAN_ERR_MASK", i64::from(CAN_ERR_MASK), 536870911),
            ("CAN_RAW", i64::from(CAN_RAW), 1),
            ("CAN_BCM", i64::from(CAN_BCM), 2),
            ("CAN_ISOTP", i64::from(CAN_ISOTP), 6),
            ("CAN_J1939", i64::from(CAN_J1939), 7),
            ("CAN_RAW_FILTER", i64::from(CAN_RAW_FILTER), 1),
            ("CAN_RAW_LOOPBACK", i64::from(CAN_RAW_LOOPBACK), 3),
            ("CAN_RAW_RECV_OWN_MSGS", i64::from(CAN_RAW_RECV_OWN_MSGS), 4),
            ("CAN_RAW_FD_FRAMES", i64::from(CAN_RAW_FD_FRAMES), 5),
            ("CAN_RAW_JOIN_FILTERS", i64::from(CAN_RAW_JOIN_FILTERS), 6),
            ("CAN_BCM_TX_SETUP", i64::from(CAN_BCM_TX_SETUP), 1),
            ("CAN_BCM_TX_DELETE", i64::from(CAN_BCM_TX_DELETE), 2),
            ("CAN_BCM_TX_READ", i64::from(CAN_BCM_TX_READ), 3),
            ("CAN_BCM_TX_SEND", i64::from(CAN_BCM_TX_SEND), 4),
            ("CAN_BCM_RX_SETUP", i64::from(CAN_BCM_RX_SETUP), 5),
            ("CAN_BCM_RX_DELETE", i64::from(CAN_BCM_RX_DELETE), 6),
            ("CAN_BCM_RX_READ", i64::from(CAN_BCM_RX_READ), 7),
            ("CAN_BCM_TX_STATUS", i64::from(CAN_BCM_TX_STATUS), 8),
            ("CAN_BCM_TX_EXPIRED", i64::from(CAN_BCM_TX_EXPIRED), 9),
            ("CAN_BCM_RX_STATUS", i64::from(CAN_BCM_RX_STATUS), 10),
            ("CAN_BCM_RX_TIMEOUT", i64::from(CAN_BCM_RX_TIMEOUT), 11),
            ("CAN_BCM_RX_CHANGED", i64::from(CAN_BCM_RX_CHANGED), 12),
            ("CAN_BCM_SETTIMER", i64::from(CAN_BCM_SETTIMER), 1),
            ("CAN_BCM_STARTTIMER", i64::from(CAN_BCM_STARTTIMER), 2),
            ("CAN_BCM_TX_COUNTEVT", i64::from(CAN_BCM_TX_COUNTEVT), 4),
            ("CAN_BCM_TX_ANNOUNCE", i64::from(CAN_BCM_TX_ANNOUNCE), 8),
            ("CAN_BCM_TX_CP_CAN_ID", i64::from(CAN_BCM_TX_CP_CAN_ID), 16),
            ("CAN_BCM_RX_FILTER_ID", i64::from(CAN_BCM_RX_FILTER_ID), 32),
            ("CAN_BCM_RX_CHECK_DLC", i64::from(CAN_BCM_RX_CHECK_DLC), 64),
            (
                "CAN_BCM_RX_NO_AUTOTIMER",
                i64::from(CAN_BCM_RX_NO_AUTOTIMER),
                128,
            ),
            (
                "CAN_BCM_RX_ANNOUNCE_RESUME",
                i64::from(CAN_BCM_RX_ANNOUNCE_RESUME),
                256,
            ),
            (
                "CAN_BCM_TX_RESET_MULTI_IDX",
                i64::from(CAN_BCM_TX_RESET_MULTI_IDX),
                512,
            ),
            (
                "CAN_BCM_RX_RTR_FRAME",
                i64::from(CAN_BCM_RX_RTR_FRAME),
                1024,
            ),
            (
                "CAN_BCM_CAN_FD_FRAME",
                i64::from(CAN_BCM_CAN_FD_FRAME),
                2048,
            ),
            (
                "J1939_MAX_UNICAST_ADDR",
                i64::from(J1939_MAX_UNICAST_ADDR),
                253,
            ),
            ("J1939_IDLE_ADDR", i64::from(J1939_IDLE_ADDR), 254),
            ("J1939_NO_ADDR", i64::from(J1939_NO_ADDR), 255),
            ("J1939_NO_NAME", i64::from(J1939_NO_NAME), 0),
            ("J1939_PGN_REQUEST", i64::from(J1939_PGN_REQUEST), 59904),
            (
                "J1939_PGN_ADDRESS_CLAIMED",
                i64::from(J1939_PGN_ADDRESS_CLAIMED),
                60928,
            ),
            (
                "J1939_PGN_ADDRESS_COMMANDED",
                i64::from(J1939_PGN_ADDRESS_COMMANDED),
                65240,
            ),
            ("J1939_PGN_PDU1_MAX", i64::from(J1939_PGN_PDU1_MAX), 261888),
            ("J1939_PGN_MAX", i64::from(J1939_PGN_MAX), 262143),
            ("J1939_NO_PGN", i64::from(J1939_NO_PGN), 262144),
            ("J1939_FILTER_MAX", i64::from(J1939_FILTER_MAX), 512),
            ("J1939_NLA_PAD", i64::from(J1939_NLA_PAD), 0),
            ("J1939_NLA_BYTES_ACKED", i64::from(J1939_NLA_BYTES_ACKED), 1),
            ("J1939_EE_INFO_NONE", i64::from(J1939_EE_INFO_NONE), 0),
            (
                "J1939_EE_INFO_TX_ABORT",
                i64::from(J1939_EE_INFO_TX_ABORT),
                1,
            ),
            ("TIPC_ADDR_NAMESEQ", i64::from(TIPC_ADDR_NAMESEQ), 1),
            ("TIPC_ADDR_NAME", i64::from(TIPC_ADDR_NAME), 2),
            ("TIPC_ADDR_ID", i64::from(TIPC_ADDR_ID), 3),
            ("TIPC_ZONE_SCOPE", i64::from(TIPC_ZONE_SCOPE), 1),
            ("TIPC_CLUSTER_SCOPE", i64::from(TIPC_CLUSTER_SCOPE), 2),
            ("TIPC_NODE_SCOPE", i64::from(TIPC_NODE_SCOPE), 3),
            ("TIPC_IMPORTANCE", i64::from(TIPC_IMPORTANCE), 127),
            ("TIPC_SRC_DROPPABLE", i64::from(TIPC_SRC_DROPPABLE), 128),
            ("TIPC_DEST_DROPPABLE", i64::from(TIPC_DEST_DROPPABLE), 129),
            ("TIPC_CONN_TIMEOUT", i64::from(TIPC_CONN_TIMEOUT), 130),
            ("TIPC_LOW_IMPORTANCE", i64::from(TIPC_LOW_IMPORTANCE), 0),
            (
                "TIPC_MEDIUM_IMPORTANCE",
                i64::from(TIPC_MEDIUM_IMPORTANCE),
                1,
            ),
            ("TIPC_HIGH_IMPORTANCE", i64::from(TIPC_HIGH_IMPORTANCE), 2),
            (
                "TIPC_CRITICAL_IMPORTANCE",
                i64::from(TIPC_CRITICAL_IMPORTANCE),
                3,
            ),
            ("TIPC_SUB_PORTS", i64::from(TIPC_SUB_PORTS), 1),
            ("TIPC_SUB_SERVICE", i64::from(TIPC_SUB_SERVICE), 2),
            ("TIPC_SUB_CANCEL", i64::from(TIPC_SUB_CANCEL), 4),
            ("TIPC_WAIT_FOREVER", i64::from(TIPC_WAIT_FOREVER), -1),
            ("TIPC_PUBLISHED", i64::from(TIPC_PUBLISHED), 1),
            ("TIPC_WITHDRAWN", i64::from(TIPC_WITHDRAWN), 2),
            ("TIPC_SUBSCR_TIMEOUT", i64::from(TIPC_SUBSCR_TIMEOUT), 3),
            ("TIPC_CFG_SRV", i64::from(TIPC_CFG_SRV), 0),
            ("TIPC_TOP_SRV", i64::from(TIPC_TOP_SRV), 1),
            ("ALG_SET_KEY", i64::from(ALG_SET_KEY), 1),
            ("ALG_SET_IV", i64::from(ALG_SET_IV), 2),
            ("ALG_SET_OP", i64::from(ALG_SET_OP), 3),
            ("ALG_SET_AEAD_ASSOCLEN", i64::from(ALG_SET_AEAD_ASSOCLEN), 4),
            ("ALG_SET_AEAD_AUTHSIZE", i64::from(ALG_SET_AEAD_AUTHSIZE), 5),
            ("ALG_SET_PUBKEY", i64::from(ALG_SET_PUBKEY), 6),
            ("ALG_OP_DECRYPT", i64::from(ALG_OP_DECRYPT), 0),
            ("ALG_OP_ENCRYPT", i64::from(ALG_OP_ENCRYPT), 1),
            ("ALG_OP_SIGN", i64::from(ALG_OP_SIGN), 2),
            ("ALG_OP_VERIFY", i64::from(ALG_OP_VERIFY), 3),
            ("VMADDR_CID_ANY", i64::from(VMADDR_CID_ANY), 4294967295),
            ("VMADDR_CID_HOST", i64::from(VMADDR_CID_HOST), 2),
            ("VMADDR_PORT_ANY", i64::from(VMADDR_PORT_ANY), 4294967295),
            (
                "VM_SOCKETS_INVALID_VERSION",
                i64::from(VM_SOCKETS_INVALID_VERSION),
                4294967295,
            ),
            (
                "IOCTL_VM_SOCKETS_GET_LOCAL_CID",
                i64::from(IOCTL_VM_SOCKETS_GET_LOCAL_CID),
                1977,
            ),
            ("EAGAIN", i64::from(EAGAIN), 11),
            ("EBADF", i64::from(EBADF), 9),
            ("EWOULDBLOCK", i64::from(EWOULDBLOCK), 11),
        ];
        assert!(table.len() >= 300);
        for &(name, ours, python) in table {
            assert_eq!(ours, python, "{name}");
        }
    }

    #[test]
    fn types_fit_their_c_use() {
        // `socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)` in one `i32`.
        assert_eq!(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0x80801);
        assert_eq!(INADDR_LOOPBACK.to_be_bytes(), [127, 0, 0, 1]);
        assert_eq!(INADDR_NONE, u32::MAX);
        assert_eq!(VMADDR_CID_ANY, u32::MAX);
        assert_eq!(CAN_EFF_FLAG | CAN_EFF_MASK, 0x9fff_ffff);
        assert_eq!(SOL_TCP, IPPROTO_TCP);
    }
}
