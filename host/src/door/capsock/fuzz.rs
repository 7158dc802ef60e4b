//! A driver that calls capsock's door as a hostile guest would, without wasm: arbitrary
//! sequences of calls with arbitrary arguments (handles that are not the guest's, huge lengths and
//! counts, malformed addresses of every family, unknown option levels and names, garbage
//! ancillary data, calls on closed and half-closed sockets), for `fuzz/` (feature `fuzzing`).
//!
//! After every call [`Driver::check`] holds the invariants: the guard's socket count is the
//! number of sockets and pollers the table holds; every audit record the call wrote is the
//! decision `host policy explain` gives for its event and target (an `allow` record precedes
//! every system call that uses an address, so no address reached the kernel that the policy
//! denies); and every connected IP socket's peer is one `explain` allows (`connect`, or
//! `accept` for an accepted socket). Dropping the driver closes everything; the fuzz target
//! counts the process's descriptors around it.
//!
//! Every socket is put in non-blocking mode, and timeouts are at most 1 ms, so no call waits.
//! The policy allows loopback only and no `resolve` rule, so no lookup leaves the process.

use std::io;
use std::sync::{Arc, Mutex};

use arbitrary::Arbitrary;
use wasmtime::component::Resource;
use wasmtime::component::ResourceTable;

use super::bindings::capsock::sockets::resolver::Host as ResolverHost;
use super::bindings::capsock::sockets::socket::{
    Ancillary, AncillaryIn, AncillaryOut, Host as SocketFns, HostPoller, HostSocket, OptionValue,
    PollEvents, PollRequest,
};
use super::bindings::capsock::sockets::types::{
    AddressFamily, CanAddress, Ipv4SocketAddress, Ipv6SocketAddress, NetlinkAddress, PacketAddress,
    SocketAddress, SocketKind, UnixAddress, VsockAddress,
};
use crate::audit::AuditSink;
use crate::ctx::{CapsockCtx, CapsockCtxView};
use crate::guard::explain::{Assume, explain_code};
use crate::net::NetSocket;
use crate::net::poller::Poller;
use crate::policy::{Policy, UnixTarget, Verb};

/// The rules the fuzzed guest runs under: loopback only, a port denied, no lookups.
pub const RULES: [&str; 8] = [
    "bind tcp://127.0.0.1:*",
    "connect tcp://127.0.0.1:*",
    "accept tcp://127.0.0.1:*",
    "bind udp://127.0.0.1:*",
    "send udp://127.0.0.1:1000-2000",
    "recv udp://127.0.0.1:*",
    "bind unix:@capsock-fuzz*",
    "connect unix:@capsock-fuzz*",
];

/// The rule that denies.
pub const DENY: &str = "connect tcp://127.0.0.1:1-1023";

/// A resource handle: one the driver holds, or a number the guest made up.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Handle {
    /// The n-th live handle (modulo how many there are).
    Live(u8),
    /// Any number.
    Forged(u32),
}

/// An address of any family, well or badly formed.
#[derive(Arbitrary, Debug, Clone)]
pub enum Addr {
    /// `AF_INET`, its last octet and port (127.0.0.x).
    Loopback4(u8, u16),
    /// `AF_INET` anywhere (denied, except loopback).
    Inet([u8; 4], u16),
    /// `AF_INET6`.
    Inet6([u16; 8], u16, u32, u32),
    /// `AF_UNIX` by path.
    Path(Vec<u8>),
    /// `AF_UNIX` abstract.
    Abstract(Vec<u8>),
    /// `AF_UNIX` unnamed.
    Unnamed,
    /// `AF_NETLINK`.
    Netlink(u32, u32),
    /// `AF_PACKET`.
    Packet(String, u16, u8, u16, Vec<u8>),
    /// `AF_VSOCK`.
    Vsock(u32, u32),
    /// `AF_CAN`.
    Can(String),
}

impl Addr {
    fn wit(&self) -> SocketAddress {
        match self.clone() {
            Addr::Loopback4(last, port) => SocketAddress::Inet(Ipv4SocketAddress {
                address: (127, 0, 0, last),
                port,
            }),
            Addr::Inet([a, b, c, d], port) => SocketAddress::Inet(Ipv4SocketAddress {
                address: (a, b, c, d),
                port,
            }),
            Addr::Inet6(s, port, flow_info, scope_id) => SocketAddress::Inet6(Ipv6SocketAddress {
                address: (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
                port,
                flow_info,
                scope_id,
            }),
            Addr::Path(p) => SocketAddress::Unix(UnixAddress::Path(p)),
            Addr::Abstract(mut name) => {
                let mut full = b"capsock-fuzz".to_vec();
                full.append(&mut name);
                SocketAddress::Unix(UnixAddress::Abstract(full))
            }
            Addr::Unnamed => SocketAddress::Unix(UnixAddress::Unnamed),
            Addr::Netlink(pid, groups) => SocketAddress::Netlink(NetlinkAddress { pid, groups }),
            Addr::Packet(ifname, proto, pkttype, hatype, addr) => {
                SocketAddress::Packet(PacketAddress {
                    ifname,
                    proto,
                    pkttype,
                    hatype,
                    addr,
                })
            }
            Addr::Vsock(cid, port) => SocketAddress::Vsock(VsockAddress { cid, port }),
            Addr::Can(name) => SocketAddress::Can(CanAddress::Raw(name)),
        }
    }
}

/// An ancillary item to send: sockets to pass, or any `(level, type, data)`.
#[derive(Arbitrary, Debug)]
pub enum Item {
    /// `SCM_RIGHTS` with these handles.
    Rights(Vec<Handle>),
    /// Anything else.
    Data(i32, i32, Vec<u8>),
}

/// One call of capsock's WIT, with its arguments.
#[derive(Arbitrary, Debug)]
pub enum Call {
    /// `socket.create(family, kind, proto)` (non-blocking): family and kind by number.
    Create(u8, u8, i32),
    /// `socketpair(AF_UNIX, kind, proto)`.
    Socketpair(u8, i32),
    /// `bind(address)`.
    Bind(Handle, Addr),
    /// `connect(address)`.
    Connect(Handle, Addr),
    /// `listen(backlog)`.
    Listen(Handle, i32),
    /// `accept()`.
    Accept(Handle),
    /// `send(data, flags)`.
    Send(Handle, Vec<u8>, i32),
    /// `sendall(data, flags)`.
    Sendall(Handle, Vec<u8>, i32),
    /// `sendto(data, flags, address)`.
    SendTo(Handle, Vec<u8>, i32, Addr),
    /// `sendmsg(buffers, ancillary, flags, address)`.
    SendMsg(Handle, Vec<Vec<u8>>, Vec<Item>, i32, Option<Addr>),
    /// `recv(bufsize, flags)`.
    Recv(Handle, u64, i32),
    /// `recvfrom(bufsize, flags)`.
    RecvFrom(Handle, u64, i32),
    /// `recvmsg(bufsize, ancbufsize, flags)`.
    RecvMsg(Handle, u64, u64, i32),
    /// `shutdown(how)`.
    Shutdown(Handle, i32),
    /// `dup()`.
    Dup(Handle),
    /// `getsockname()` and `getpeername()`.
    Names(Handle),
    /// `getsockopt(level, name)`.
    GetOptInt(Handle, i32, i32),
    /// `getsockopt(level, name, buflen)`.
    GetOptBytes(Handle, i32, i32, u32),
    /// `setsockopt(level, name, int)`.
    SetOptInt(Handle, i32, i32, i32),
    /// `setsockopt(level, name, bytes)`.
    SetOptBytes(Handle, i32, i32, Vec<u8>),
    /// `setsockopt(level, name, None, optlen)`.
    SetOptNone(Handle, i32, i32, u32),
    /// `settimeout(t)`: non-blocking, or at most 1 ms.
    Timeout(Handle, bool, u16),
    /// Dropping the socket.
    Drop(Handle),
    /// `poll(requests, 0)`.
    Poll(Vec<(Handle, u8)>),
    /// `select.epoll()`.
    PollerCreate,
    /// `epoll.register(socket, events)` with a key.
    PollerRegister(Handle, Handle, u32, u64),
    /// `epoll.modify(socket, events)` with a key.
    PollerModify(Handle, Handle, u32, u64),
    /// `epoll.unregister(socket)`.
    PollerUnregister(Handle, Handle),
    /// `epoll.poll(0, maxevents)`.
    PollerWait(Handle, u32),
    /// Dropping the poller.
    PollerDrop(Handle),
    /// `getaddrinfo(host, port, family, type, flags)` (no `resolve` rule: no name is asked).
    GetAddrInfo(Option<String>, Option<String>, u8, i32, i32),
    /// `getnameinfo(address, flags)`.
    GetNameInfo(Addr, i32),
    /// `if_nametoindex(name)`.
    IfNameToIndex(String),
    /// `if_indextoname(index)`.
    IfIndexToName(u32),
}

fn family(n: u8) -> AddressFamily {
    use AddressFamily as F;
    const ALL: [AddressFamily; 13] = [
        F::Unspec,
        F::Inet,
        F::Inet6,
        F::Unix,
        F::Netlink,
        F::Packet,
        F::Vsock,
        F::Can,
        F::Bluetooth,
        F::Alg,
        F::Tipc,
        F::Rds,
        F::Qipcrtr,
    ];
    ALL[usize::from(n) % ALL.len()]
}

fn events(bits: u8) -> PollEvents {
    [
        PollEvents::READABLE,
        PollEvents::PRIORITY,
        PollEvents::WRITABLE,
        PollEvents::ERROR,
        PollEvents::HANGUP,
    ]
    .into_iter()
    .enumerate()
    .filter(|(i, _)| bits & (1 << i) != 0)
    .fold(PollEvents::empty(), |all, (_, one)| all | one)
}

fn kind(n: u8) -> SocketKind {
    use SocketKind as K;
    const ALL: [SocketKind; 5] = [K::Stream, K::Dgram, K::Raw, K::Rdm, K::Seqpacket];
    ALL[usize::from(n) % ALL.len()]
}

/// The fuzzed guest: its capsock state and resource table, and the handles it holds.
pub struct Driver {
    ctx: CapsockCtx,
    table: ResourceTable,
    policy: Arc<Policy>,
    /// Live socket handles, and whether each was accepted (its peer is an `accept`).
    sockets: Vec<(u32, bool)>,
    pollers: Vec<u32>,
    /// The audit records written since the last check.
    audit: Records,
}

/// An audit sink's bytes, shared with the driver that reads them back.
#[derive(Clone, Default)]
struct Records(Arc<Mutex<Vec<u8>>>);

impl io::Write for Records {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Default for Driver {
    fn default() -> Self {
        Driver::new()
    }
}

impl Driver {
    /// A guest under [`RULES`] and [`DENY`], at most 64 sockets.
    pub fn new() -> Driver {
        let mut policy = Policy::default();
        for rule in RULES {
            policy.allow(rule).expect("a valid rule");
        }
        policy.deny(DENY).expect("a valid rule");
        let policy = Arc::new(policy);
        let audit = Records::default();
        let ctx = CapsockCtx::builder()
            .policy(policy.clone())
            .audit(AuditSink::to_writer(audit.clone()))
            .max_sockets(64)
            .build()
            .expect("an eventfd");
        Driver {
            ctx,
            table: ResourceTable::new(),
            policy,
            sockets: Vec::new(),
            pollers: Vec::new(),
            audit,
        }
    }

    fn view(&mut self) -> CapsockCtxView<'_> {
        CapsockCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }

    /// The rep of `h`: a live handle of the type asked, or one no entry of the table has.
    /// (A guest's forged or stale handle traps in wasmtime's typed handle tables before any
    /// host function runs, so a host function never meets a live rep of another type; the
    /// driver does not make it meet one either.)
    fn pick(list: &[u32], h: Handle) -> u32 {
        const ABSENT: u32 = 1 << 24;
        match h {
            Handle::Live(n) if !list.is_empty() => list[usize::from(n) % list.len()],
            Handle::Live(n) => ABSENT + u32::from(n),
            Handle::Forged(rep) => ABSENT.saturating_add(rep),
        }
    }

    fn sock(&self, h: Handle) -> Resource<NetSocket> {
        let reps: Vec<u32> = self.sockets.iter().map(|(rep, _)| *rep).collect();
        Resource::new_borrow(Self::pick(&reps, h))
    }

    fn poller(&self, h: Handle) -> Resource<Poller> {
        Resource::new_borrow(Self::pick(&self.pollers, h))
    }

    /// Keeps a new socket, in non-blocking mode so that nothing waits.
    fn keep(&mut self, sock: Resource<NetSocket>, accepted: bool) {
        let rep = sock.rep();
        let _ = HostSocket::set_timeout(&mut self.view(), Resource::new_borrow(rep), Some(0));
        self.sockets.push((rep, accepted));
    }

    /// Makes one call. Its result is the guest's business: an error or a trap both end the
    /// call, and neither may be a panic.
    pub fn run(&mut self, call: Call) {
        let none = Some(0);
        match call {
            Call::Create(f, k, proto) => {
                if let Ok(s) = HostSocket::create(&mut self.view(), family(f), kind(k), proto, none)
                {
                    self.keep(s, false);
                }
            }
            Call::Socketpair(k, proto) => {
                let pair = SocketFns::socketpair(
                    &mut self.view(),
                    AddressFamily::Unix,
                    kind(k),
                    proto,
                    none,
                );
                if let Ok((a, b)) = pair {
                    self.keep(a, false);
                    self.keep(b, false);
                }
            }
            Call::Bind(h, a) => {
                let s = self.sock(h);
                drop(HostSocket::bind(&mut self.view(), s, a.wit()));
            }
            Call::Connect(h, a) => {
                let s = self.sock(h);
                drop(HostSocket::connect(&mut self.view(), s, a.wit()));
            }
            Call::Listen(h, backlog) => {
                let s = self.sock(h);
                drop(HostSocket::listen(&mut self.view(), s, backlog));
            }
            Call::Accept(h) => {
                let s = self.sock(h);
                if let Ok((new, _)) = HostSocket::accept(&mut self.view(), s, none) {
                    self.keep(new, true);
                }
            }
            Call::Send(h, data, flags) => {
                let s = self.sock(h);
                drop(HostSocket::send(&mut self.view(), s, data, flags));
            }
            Call::Sendall(h, data, flags) => {
                let s = self.sock(h);
                drop(HostSocket::sendall(&mut self.view(), s, data, flags));
            }
            Call::SendTo(h, data, flags, a) => {
                let s = self.sock(h);
                drop(HostSocket::send_to(
                    &mut self.view(),
                    s,
                    data,
                    flags,
                    a.wit(),
                ));
            }
            Call::SendMsg(h, buffers, items, flags, a) => {
                let s = self.sock(h);
                let items = items
                    .into_iter()
                    .map(|item| match item {
                        Item::Rights(handles) => AncillaryOut::Rights(
                            handles.into_iter().map(|h| self.sock(h)).collect(),
                        ),
                        Item::Data(level, kind, data) => {
                            AncillaryOut::Item(Ancillary { level, kind, data })
                        }
                    })
                    .collect();
                let a = a.map(|a| a.wit());
                drop(HostSocket::sendmsg(
                    &mut self.view(),
                    s,
                    buffers,
                    items,
                    flags,
                    a,
                ));
            }
            Call::Recv(h, size, flags) => {
                let s = self.sock(h);
                drop(HostSocket::recv(&mut self.view(), s, size, flags));
            }
            Call::RecvFrom(h, size, flags) => {
                let s = self.sock(h);
                drop(HostSocket::recv_from(&mut self.view(), s, size, flags));
            }
            Call::RecvMsg(h, size, anc, flags) => {
                let s = self.sock(h);
                if let Ok(message) = HostSocket::recvmsg(&mut self.view(), s, size, anc, flags) {
                    // Sockets received are sockets the guest now holds.
                    for item in message.ancillary {
                        if let AncillaryIn::Rights(socks) = item {
                            for sock in socks {
                                self.keep(sock, false);
                            }
                        }
                    }
                }
            }
            Call::Shutdown(h, how) => {
                let s = self.sock(h);
                drop(HostSocket::shutdown(&mut self.view(), s, how));
            }
            Call::Dup(h) => {
                let s = self.sock(h);
                let accepted = self.sockets.iter().any(|&(rep, a)| rep == s.rep() && a);
                if let Ok(new) = HostSocket::dup(&mut self.view(), s) {
                    self.keep(new, accepted);
                }
            }
            Call::Names(h) => {
                let (a, b) = (self.sock(h), self.sock(h));
                drop(HostSocket::getsockname(&mut self.view(), a));
                drop(HostSocket::getpeername(&mut self.view(), b));
            }
            Call::GetOptInt(h, level, name) => {
                let s = self.sock(h);
                drop(HostSocket::getsockopt_int(&mut self.view(), s, level, name));
            }
            Call::GetOptBytes(h, level, name, len) => {
                let s = self.sock(h);
                drop(HostSocket::getsockopt_bytes(
                    &mut self.view(),
                    s,
                    level,
                    name,
                    len,
                ));
            }
            Call::SetOptInt(h, level, name, value) => {
                let s = self.sock(h);
                let v = OptionValue::Int(value);
                drop(HostSocket::setsockopt(&mut self.view(), s, level, name, v));
            }
            Call::SetOptBytes(h, level, name, value) => {
                let s = self.sock(h);
                let v = OptionValue::Bytes(value);
                drop(HostSocket::setsockopt(&mut self.view(), s, level, name, v));
            }
            Call::SetOptNone(h, level, name, len) => {
                let s = self.sock(h);
                let v = OptionValue::None(len);
                drop(HostSocket::setsockopt(&mut self.view(), s, level, name, v));
            }
            Call::Timeout(h, on, micros) => {
                // Blocking mode is never set: the driver must not wait.
                let t = on.then_some(u64::from(micros % 1000) * 1000);
                let s = self.sock(h);
                drop(HostSocket::set_timeout(&mut self.view(), s, t.or(Some(0))));
            }
            Call::Drop(h) => {
                let s = self.sock(h);
                let rep = s.rep();
                let owned = Resource::<NetSocket>::new_own(rep);
                if HostSocket::drop(&mut self.view(), owned).is_ok() {
                    self.sockets.retain(|(r, _)| *r != rep);
                }
            }
            Call::Poll(list) => {
                let socks: Vec<_> = list.iter().map(|(h, _)| self.sock(*h)).collect();
                let requests = socks
                    .into_iter()
                    .zip(&list)
                    .map(|(socket, (_, e))| PollRequest {
                        socket,
                        events: events(*e),
                    })
                    .collect();
                drop(SocketFns::poll(&mut self.view(), requests, Some(0)));
            }
            Call::PollerCreate => {
                if let Ok(p) = HostPoller::create(&mut self.view()) {
                    self.pollers.push(p.rep());
                }
            }
            Call::PollerRegister(p, h, events, key) => {
                let (p, s) = (self.poller(p), self.sock(h));
                drop(HostPoller::register(&mut self.view(), p, s, events, key));
            }
            Call::PollerModify(p, h, events, key) => {
                let (p, s) = (self.poller(p), self.sock(h));
                drop(HostPoller::modify(&mut self.view(), p, s, events, key));
            }
            Call::PollerUnregister(p, h) => {
                let (p, s) = (self.poller(p), self.sock(h));
                drop(HostPoller::unregister(&mut self.view(), p, s));
            }
            Call::PollerWait(p, max) => {
                let p = self.poller(p);
                drop(HostPoller::wait(&mut self.view(), p, Some(0), max));
            }
            Call::PollerDrop(p) => {
                let rep = self.poller(p).rep();
                let owned = Resource::<Poller>::new_own(rep);
                if HostPoller::drop(&mut self.view(), owned).is_ok() {
                    self.pollers.retain(|r| *r != rep);
                }
            }
            Call::GetAddrInfo(host, port, f, k, flags) => {
                let kind = (k != 0).then(|| kind(k as u8));
                drop(ResolverHost::getaddrinfo(
                    &mut self.view(),
                    host,
                    port,
                    family(f),
                    kind,
                    k,
                    flags,
                ));
            }
            Call::GetNameInfo(a, flags) => {
                drop(ResolverHost::getnameinfo(&mut self.view(), a.wit(), flags));
            }
            Call::IfNameToIndex(name) => {
                drop(ResolverHost::if_nametoindex(&mut self.view(), name));
            }
            Call::IfIndexToName(index) => {
                drop(ResolverHost::if_indextoname(&mut self.view(), index));
            }
        }
    }

    /// The invariants, checked after every call (a broken one panics, which the fuzzer
    /// reports): the socket count is what the table holds, every audit record is the decision
    /// `explain` gives, and no connected IP socket has a peer the policy denies.
    pub fn check(&mut self) {
        self.check_audit();
        let held = self.sockets.len() + self.pollers.len();
        assert_eq!(
            self.ctx.guard.open_sockets(),
            held,
            "the guard counts {} sockets, the guest holds {held}",
            self.ctx.guard.open_sockets()
        );
        for &(rep, accepted) in &self.sockets {
            let Ok(sock) = self.table.get(&Resource::<NetSocket>::new_borrow(rep)) else {
                panic!("socket {rep} is held but not in the table");
            };
            let Ok(crate::net::NetAddr::Ip(peer)) = sock.getpeername() else {
                continue;
            };
            let proto = match sock.kind() {
                crate::net::Kind::Stream => "tcp",
                crate::net::Kind::Dgram => "udp",
                _ => continue,
            };
            let verb = match accepted {
                true => "accept",
                false => "connect",
            };
            let target = format!("{proto}://{peer}");
            let (code, why) = explain_code(&self.policy, verb, &target, &Assume::default());
            assert_eq!(code, 0, "{verb} {target} reached the kernel: {why}");
        }
    }
}

impl Driver {
    /// Re-decides every audit record written since the last check with `host policy explain`:
    /// an `allow` must be one `explain` allows, a `deny` by a rule one it does not. Records no
    /// rule decides are skipped: `socket.__new__` (always allowed) and targets refused for
    /// what they are (`"refused"`: a relative or escaping `AF_UNIX` path).
    fn check_audit(&mut self) {
        let bytes = std::mem::take(&mut *self.audit.0.lock().unwrap_or_else(|e| e.into_inner()));
        let text = String::from_utf8(bytes).expect("audit records are UTF-8");
        for line in text.lines() {
            let record: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
            let field = |name: &str| record[name].as_str().unwrap_or_default().to_owned();
            let (event, target, decision) = (field("event"), field("target"), field("decision"));
            if event == "socket.__new__" || field("rule") == "refused" {
                continue;
            }
            let verb = Verb::ALL
                .into_iter()
                .find(|verb| verb.facts().event == event)
                .map_or("resolve", Verb::as_str);
            let (code, why) = self.redecide(verb, &target);
            let agrees = match decision.as_str() {
                "allow" => code == 0,
                // A target `explain` cannot even read (a host name with an empty label) is one
                // no rule could allow.
                "deny" => code != 0,
                _ => false,
            };
            assert!(agrees, "audit {line} but explain {verb} {target}: {why}");
        }
    }

    /// `host policy explain VERB TARGET` for an audit record: its exit code and text. A Unix
    /// name no rule can spell (a space, a control character, a byte that is not UTF-8, too
    /// long once escaped), which `explain` cannot read, is decided from the bytes the record
    /// names, as the guard and `explain` decide: a datagram's sender by the `recv` rules, else
    /// the `connect` rules; anything else by `check_unix`.
    fn redecide(&self, verb: &str, target: &str) -> (i32, String) {
        let (code, why) = explain_code(&self.policy, verb, target, &Assume::default());
        let (2, Some(unix), Some(verb)) = (code, target.strip_prefix("unix:"), Verb::parse(verb))
        else {
            return (code, why);
        };
        let bytes;
        let target = match unix.strip_prefix('@') {
            Some(name) => {
                bytes = unescape(name);
                UnixTarget::Abstract(&bytes)
            }
            None => {
                bytes = unescape(unix);
                UnixTarget::Path(&bytes)
            }
        };
        let decision = match verb {
            Verb::Recv => self.policy.check_unix_datagram_from(target),
            _ => self.policy.check_unix(verb, target),
        };
        (i32::from(!decision.is_allowed()), decision.to_string())
    }
}

/// The bytes an [`Escaped`](crate::policy::Escaped) name printed as.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match (b, tail) {
            (b'\\', [b'\\', tail @ ..]) => {
                out.push(b'\\');
                rest = tail;
            }
            (b'\\', [b'x', hi, lo, tail @ ..]) => {
                let hex = std::str::from_utf8(&[*hi, *lo]).map(|h| u8::from_str_radix(h, 16));
                out.push(hex.expect("ASCII").expect("two hex digits"));
                rest = tail;
            }
            _ => {
                out.push(b);
                rest = tail;
            }
        }
    }
    out
}

/// The process's open descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count())
}

/// One input of the `door` target: up to 64 calls, each followed by [`Driver::check`]; then
/// the guest is dropped, and no descriptor it had may stay open.
pub fn door(calls: Vec<Call>) {
    // Whatever the first guest opens for good (the C library's files) is not a leak.
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| drop(Driver::new()));
    let before = open_fds();
    {
        let mut driver = Driver::new();
        for call in calls.into_iter().take(64) {
            driver.run(call);
            driver.check();
        }
    }
    assert_eq!(open_fds(), before, "descriptors left open after the guest");
}

/// One input of the `policy` target: `text` as a rule, a policy file and a `host policy
/// explain` query. No panic; a rule that parses prints to a text that parses back to the same
/// rule and prints the same; a policy file likewise.
pub fn policy(text: &str) {
    use crate::policy::Rule;
    use crate::policy::file::PolicyFile;
    if let Ok(rule) = text.parse::<Rule>() {
        let printed = rule.to_string();
        let again: Rule = printed
            .parse()
            .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
        assert_eq!(again, rule, "{text:?} printed as {printed:?}");
        assert_eq!(again.to_string(), printed);
    }
    if let Ok(file) = PolicyFile::parse(text, "fuzz.toml") {
        let printed = file.to_toml();
        let again = PolicyFile::parse(&printed, "printed.toml")
            .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
        assert_eq!(again, file, "printed as {printed:?}");
    }
    let mut policy = Policy::default();
    let _ = policy.allow(text);
    if let Some((verb, target)) = text.split_once(' ') {
        let _ = explain_code(&policy, verb, target, &Assume::default());
    }
    let _ = crate::policy::is_numeric_host(text);
    let _ = crate::policy::normal_name(text);
}
