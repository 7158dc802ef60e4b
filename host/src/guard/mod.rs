//! The guard: the one place that decides what a guest may do, records every decision, and
//! hands out the permits the net core requires.
//!
//! Every way into the host (a *door*: capsock's WIT in [`crate::door::capsock`], wasi:sockets
//! for `std::net` guests in [`crate::door::wasi`]) asks one [`Guard`] per guest, and `host
//! policy explain` ([`explain`]) asks the same decision functions. The guard
//!
//! - owns the [`Policy`] and decides with it (nothing else calls the policy's checks);
//! - records each decision once ([`Monitor`]: audit log, printed denials, `--learn`, `--stats`);
//! - remembers the names this guest resolved, by address, so that a rule for a name decides
//!   the addresses it resolved to — both ways: an allow rule for the name allows them, a deny
//!   rule for the name denies them whatever address rule allows them;
//! - counts the sockets the guest holds through both doors (`--max-sockets`).
//!
//! A decision that allows an address becomes a [`Permit`], which only this module can make:
//! the net core's bind, connect, listen and sends to an address take one, so a door method
//! that skipped the guard would not compile. Accept and receive keep admission closures that
//! the guard builds ([`Guard::accept_filter`], [`Guard::datagram_filter`]). A refusal is a
//! [`Denied`], which each door turns into its own error (capsock: `PermissionError` with the
//! message; wasi:sockets: `access-denied`).

pub mod explain;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime_wasi::sockets::SocketAddrUse;

use rustix::io::Errno;

use crate::audit::{Event, Monitor, Stats, Subject};
use crate::error::{SocketError, SocketResult};
use crate::net::resolve::Dns;
use crate::net::{NetAddr, NetSocket, UnixAddr, UnixDest, unix};
use crate::policy::{
    Decision, Link, NetlinkProto, Policy, Proto, Rule, Target, UnixTarget, Verb, normal_path,
};

/// Proof that the guard allowed a use of `T` (an address to bind, connect or send to, a listen,
/// a lookup). Only the guard makes permits; the net core's operations that reach outside the
/// guest require one.
#[derive(Debug)]
pub struct Permit<T> {
    target: T,
}

impl<T> Permit<T> {
    fn new(target: T) -> Self {
        Permit { target }
    }

    /// What is permitted.
    pub(crate) fn target(&self) -> &T {
        &self.target
    }
}

#[cfg(test)]
impl Permit<Lookup> {
    /// A lookup permit for the net core's own unit tests, which test the resolver, not the
    /// policy.
    pub(crate) fn test_lookup(host: Option<&str>) -> Self {
        Permit::new(Lookup {
            host: host.map(str::to_owned),
            name: None,
            dns: None,
        })
    }
}

#[cfg(test)]
impl Permit<Reverse> {
    /// A reverse-lookup permit for the net core's own unit tests.
    pub(crate) fn test_reverse() -> Self {
        Permit::new(Reverse {
            dns: None,
            hostname: crate::policy::DEFAULT_HOSTNAME.to_owned(),
        })
    }
}

/// A permitted `listen(2)`: the implicit bind it does on an unbound socket was decided.
#[derive(Debug)]
pub struct Listen;

/// A permitted netlink peer: the kernel (port id 0, no groups), the only one.
#[derive(Debug)]
pub struct NetlinkKernel;

/// A permitted netlink local address: a port id (0: the kernel picks) and the multicast
/// groups whose notifications the socket reads.
#[derive(Clone, Copy, Debug)]
pub struct NetlinkLocal {
    /// `nl_pid`.
    pub pid: u32,
    /// `nl_groups`.
    pub groups: u32,
}

/// A permitted `AF_VSOCK` address, to bind or connect to.
#[derive(Clone, Copy, Debug)]
pub struct VsockEnd {
    /// `svm_cid`.
    pub cid: u32,
    /// `svm_port`.
    pub port: u32,
}

/// A permitted raw IP socket: some rule allows some use of raw IP (`raw://`).
#[derive(Debug)]
pub struct RawSocket;

/// A permitted packet or CAN socket: some rule allows some use of such sockets.
#[derive(Debug)]
pub struct LinkSocket(pub Link);

/// A permitted network interface for a packet or CAN socket: to bind to (hear), or to send
/// out of.
#[derive(Debug)]
pub struct Iface {
    /// Packet or CAN.
    pub link: Link,
    /// The interface's name (`""`: every interface at once).
    pub name: String,
}

/// A permitted forward lookup.
#[derive(Debug)]
pub struct Lookup {
    /// The host as the guest gave it (`None`: a passive lookup, no host).
    host: Option<String>,
    /// The name in normal form, when the host is a name (not a numeric address): what the
    /// addresses obtained are remembered under.
    name: Option<String>,
    /// The DNS server that answers (`--dns`), else the system resolver.
    dns: Option<Dns>,
}

impl Lookup {
    /// The host to pass to the resolver, as the guest gave it.
    pub(crate) fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The DNS server to ask about this host (`--dns`): only a host the guard decided as a
    /// name, under a `resolve` rule, is asked. `None`: the system resolver, or no one (see
    /// [`Lookup::numeric_only`]).
    pub(crate) fn dns(&self) -> Option<&Dns> {
        self.dns.as_ref().filter(|_| self.name.is_some())
    }

    /// Whether the host must be read as a numeric address or fail: under `--dns`, a host the
    /// guard took as numeric (or no host) was decided by no rule, so nothing may be asked
    /// about it, of the server or of the system resolver.
    pub(crate) fn numeric_only(&self) -> bool {
        self.dns.is_some() && self.name.is_none()
    }
}

/// A permitted reverse lookup of an address.
#[derive(Debug)]
pub struct Reverse {
    dns: Option<Dns>,
    /// The host name the guest was granted (its domain is what `NI_NOFQDN` strips).
    hostname: String,
}

impl Reverse {
    /// The host name the policy grants the guest.
    pub(crate) fn hostname(&self) -> &str {
        &self.hostname
    }

    /// The DNS server that answers this lookup (`--dns`); `None`: the system resolver.
    pub(crate) fn dns(&self) -> Option<&Dns> {
        self.dns.as_ref()
    }
}

/// Why the guard refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The policy denied it.
    Policy,
    /// The guest holds `--max-sockets` sockets already.
    SocketLimit,
    /// The guest resolved more names than the guard can remember: refused rather than
    /// forgotten, since a forgotten name could no longer be denied.
    NameMemory,
}

/// A refusal, with the message the guest (or the host's log) gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    /// Why.
    pub refusal: Refusal,
    /// What was refused and why, e.g. `capsock policy: connect to tcp://10.0.0.5:22 denied (no
    /// rule allows it)`.
    pub message: String,
}

impl Denied {
    fn policy(message: String) -> Denied {
        Denied {
            refusal: Refusal::Policy,
            message,
        }
    }
}

/// The local end of a socket as far as decisions go: whether a connect, send or listen binds
/// it implicitly, and to which wildcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Local {
    /// The socket's protocol.
    pub proto: Proto,
    /// An IPv6 socket.
    pub v6: bool,
    /// Not bound yet: the next connect, send or listen binds it to the wildcard address.
    pub unbound: bool,
    /// An IPv6 socket with `IPV6_V6ONLY` off (Linux's default): its wildcard is IPv4's too.
    pub dual_stack: bool,
}

impl Local {
    /// The facts of a capsock socket (`IPV6_V6ONLY` is read only where it matters: an unbound
    /// IPv6 socket).
    pub(crate) fn of(sock: &NetSocket) -> Local {
        let v6 = sock.is_v6();
        let unbound = sock.needs_implicit_bind();
        Local {
            proto: sock.proto_kind(),
            v6,
            unbound,
            dual_stack: v6 && unbound && sock.dual_stack(),
        }
    }
}

/// Most addresses one guest's resolved-name memory holds.
const MAX_RESOLVED: usize = 65536;

/// Most names remembered for one address.
const MAX_NAMES_PER_ADDRESS: usize = 64;

/// The names a guest obtained addresses from, by address (canonical: IPv4-mapped IPv6 as
/// IPv4), in normal form ([`crate::policy::normal_name`]).
#[derive(Debug, Default)]
struct ResolvedNames(Mutex<HashMap<IpAddr, Vec<String>>>);

impl ResolvedNames {
    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, Vec<String>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One guest's guard (shared by its doors: wasmtime-wasi runs its address check outside the
/// store, so the guard lives behind an `Arc`).
#[derive(Debug)]
pub struct Guard {
    policy: Arc<Policy>,
    monitor: Monitor,
    resolved: ResolvedNames,
    open: AtomicUsize,
    max_sockets: usize,
    /// The DNS server the lookups it permits go to (`--dns`), else the system resolver.
    dns: Option<Dns>,
}

impl Guard {
    pub(crate) fn new(
        policy: Arc<Policy>,
        monitor: Monitor,
        max_sockets: usize,
        dns: Option<Dns>,
    ) -> Guard {
        Guard {
            policy,
            monitor,
            resolved: ResolvedNames::default(),
            open: AtomicUsize::new(0),
            max_sockets,
            dns,
        }
    }

    /// The policy this guest runs under.
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// The counters `--stats` prints.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.monitor.stats
    }

    pub(crate) fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    /// How many sockets the guest holds now, both doors together.
    pub fn open_sockets(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// The most sockets the guest may hold at once.
    pub fn max_sockets(&self) -> usize {
        self.max_sockets
    }

    /// Reports `decision` about `subject` and turns it into a permit for `target`, or the
    /// refusal with its message.
    fn enforce<T>(
        &self,
        event: Event,
        subject: Subject<'_>,
        decision: &Decision<'_>,
        target: T,
    ) -> Result<Permit<T>, Denied> {
        self.monitor.decided(event, subject, decision);
        if decision.is_allowed() {
            Ok(Permit::new(target))
        } else {
            Err(Denied::policy(subject.message(decision)))
        }
    }

    /// Calls `f` with the names this guest resolved `ip` from (none when no rule could care:
    /// then the memory is not even looked at), under the memory's lock.
    fn with_names<R>(&self, ip: IpAddr, f: impl FnOnce(&[String]) -> R) -> R {
        if !self.policy.has_name_rules() {
            return f(&[]);
        }
        let map = self.resolved.lock();
        f(map.get(&ip.to_canonical()).map_or(&[], Vec::as_slice))
    }

    /// Decides `verb` to or from the remote address `addr` with the names this guest resolved
    /// it from, and reports it.
    fn remote(
        &self,
        event: Event,
        verb: Verb,
        proto: Proto,
        addr: SocketAddr,
    ) -> Result<Permit<SocketAddr>, Denied> {
        self.with_names(addr.ip(), |names| {
            let decision = self.policy.check_resolved(verb, proto, addr, names);
            self.enforce(event, Subject::addr(verb, proto, addr), &decision, addr)
        })
    }

    /// Decides a connect or send to `addr` from a socket whose local end is `local`: the
    /// destination first (its denial is what the guest hears), then the implicit bind of an
    /// unbound socket; the destination's allowance is recorded only once both are allowed.
    fn destination(
        &self,
        event: Event,
        verb: Verb,
        local: Local,
        addr: SocketAddr,
    ) -> Result<Permit<SocketAddr>, Denied> {
        self.with_names(addr.ip(), |names| {
            let decision = self.policy.check_resolved(verb, local.proto, addr, names);
            let subject = Subject::addr(verb, local.proto, addr);
            if decision.is_allowed() {
                self.implicit_bind(local)?;
            }
            self.enforce(event, subject, &decision, addr)
        })
    }

    /// Decides a bind of `addr` (with the names this guest resolved it from) and reports it.
    fn local(
        &self,
        proto: Proto,
        addr: SocketAddr,
        dual_stack: bool,
    ) -> Result<Permit<SocketAddr>, Denied> {
        self.with_names(addr.ip(), |names| {
            let decision = self.policy.check_bind(proto, addr, names, dual_stack);
            let subject = Subject::Addr {
                verb: Verb::Bind,
                proto,
                addr,
                implicit: matches!(decision, Decision::NotDenied),
            };
            self.enforce(Event::Bind, subject, &decision, addr)
        })
    }

    /// Decides the bind a connect, send or listen does by itself on an unbound socket.
    fn implicit_bind(&self, local: Local) -> Result<(), Denied> {
        if !local.unbound {
            return Ok(());
        }
        let wildcard: SocketAddr = if local.v6 {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        };
        let decision = self
            .policy
            .check_implicit_bind(local.proto, local.v6, local.dual_stack);
        let subject = Subject::Addr {
            verb: Verb::Bind,
            proto: local.proto,
            addr: wildcard,
            implicit: true,
        };
        self.enforce(Event::Bind, subject, &decision, ()).map(drop)
    }

    /// An explicit `bind(2)` of `addr` (a bind of `[::]` on a dual-stack socket is decided for
    /// `0.0.0.0` too; a bind of the wildcard with port 0 as the implicit bind it equals).
    pub(crate) fn bind(
        &self,
        sock: &NetSocket,
        addr: SocketAddr,
    ) -> Result<Permit<SocketAddr>, Denied> {
        let dual_stack =
            matches!(addr.ip(), IpAddr::V6(v6) if v6.is_unspecified()) && sock.dual_stack();
        self.local(sock.proto_kind(), sock.as_decided(addr), dual_stack)
    }

    /// A `connect(2)` to `addr`, and the implicit bind when the socket has no local address.
    pub(crate) fn connect(
        &self,
        sock: &NetSocket,
        addr: SocketAddr,
    ) -> Result<Permit<SocketAddr>, Denied> {
        let addr = sock.as_decided(addr);
        self.destination(Event::Connect, Verb::Connect, Local::of(sock), addr)
    }

    /// A datagram to `addr` (`sendto`, `sendmsg` with an address), and the implicit bind when
    /// the socket has no local address.
    pub(crate) fn send_to(
        &self,
        sock: &NetSocket,
        addr: SocketAddr,
    ) -> Result<Permit<SocketAddr>, Denied> {
        let addr = sock.as_decided(addr);
        self.destination(Event::SendTo, Verb::Send, Local::of(sock), addr)
    }

    /// A `listen(2)`: the implicit bind when an IP socket has no local address.
    pub(crate) fn listen(&self, sock: &NetSocket) -> Result<Permit<Listen>, Denied> {
        // Only IP binds by itself: Linux refuses a listen on an unbound `AF_UNIX` or
        // `AF_VSOCK` socket with its own `EINVAL`.
        if sock.is_ip() {
            self.implicit_bind(Local::of(sock))?;
        }
        Ok(Permit::new(Listen))
    }

    /// The admission check for peers connecting in to a listener of `proto`: each IP peer is
    /// decided by the `accept` rules and reported; a refused one is reset before the guest
    /// sees it. An `AF_UNIX` peer is admitted: it reached a socket the guest bound under a
    /// `bind` rule, and mostly has no address to decide on.
    pub(crate) fn accept_filter(&self, proto: Proto) -> impl FnMut(&NetAddr) -> bool + '_ {
        move |peer: &NetAddr| match peer {
            NetAddr::Ip(peer) => self
                .remote(Event::Accept, Verb::Accept, proto, *peer)
                .is_ok(),
            NetAddr::Unix(_) => true,
            // Neither netlink nor packet sockets have connections.
            NetAddr::Netlink { .. } | NetAddr::Packet(_) | NetAddr::Can(_) => false,
            NetAddr::Vsock { cid, port } => {
                let decision = self.policy.check_vsock(Verb::Accept, *cid, *port);
                let subject = Subject::Vsock {
                    verb: Verb::Accept,
                    cid: *cid,
                    port: *port,
                };
                self.monitor.decided(Event::Accept, subject, &decision);
                decision.is_allowed()
            }
        }
    }

    /// The admission check for datagrams arriving on a socket that may hear from anyone:
    /// each IP sender is decided ([`Policy::check_datagram_from`], with the names the guest
    /// resolved it from) and reported; a named `AF_UNIX` sender by the `recv unix:` rules (or
    /// a `connect unix:` rule for it, as for UDP); a refused datagram is dropped. An unnamed
    /// `AF_UNIX` sender is admitted: it has no address to decide on, and reached a socket the
    /// guest bound under a `bind` rule (or a `socketpair` end, which nothing else can reach).
    pub(crate) fn datagram_filter(&self, sock: &NetSocket) -> impl FnMut(&NetAddr) -> bool + '_ {
        let (proto, raw_port) = (sock.proto_kind(), sock.raw_port());
        move |from: &NetAddr| match from {
            NetAddr::Ip(from) => {
                let mut from = *from;
                if let Some(port) = raw_port {
                    from.set_port(port);
                }
                self.datagram_allowed(proto, from)
            }
            NetAddr::Netlink { pid: 0, .. } => true,
            NetAddr::Netlink { pid, groups } => {
                let target = format!("netlink:pid {pid} groups {groups:#x}");
                let message = format!(
                    "capsock policy: recv from {target} denied: a guest hears netlink from the kernel only"
                );
                self.monitor.refused(Event::RecvFrom, &target, &message);
                false
            }
            // vsock sockets are connections: no datagram comes with a vsock sender.
            NetAddr::Vsock { .. } => false,
            // A packet socket hears the interface a bind rule allowed, and nothing else.
            NetAddr::Packet(_) | NetAddr::Can(_) => true,
            NetAddr::Unix(UnixAddr::Unnamed) => true,
            NetAddr::Unix(UnixAddr::Path(p)) => match normal_path(p) {
                Ok(normal) => self.unix_datagram_allowed(UnixTarget::Path(&normal)),
                Err(_) => self.unix_datagram_allowed(UnixTarget::Path(p)),
            },
            NetAddr::Unix(UnixAddr::Abstract(n)) => {
                self.unix_datagram_allowed(UnixTarget::Abstract(n))
            }
        }
    }

    fn unix_datagram_allowed(&self, from: UnixTarget<'_>) -> bool {
        let decision = self.policy.check_unix_datagram_from(from);
        let subject = Subject::Unix {
            verb: Verb::Recv,
            target: from,
        };
        self.monitor.decided(Event::RecvFrom, subject, &decision);
        decision.is_allowed()
    }

    /// A use (`verb`: connect, bind, send) of the `AF_UNIX` address `addr`, decided by the
    /// `unix:` rules and reported as `event`; allowed, a path is then resolved beneath the
    /// directory the allowing rule names (see [`crate::net::unix`]): a path that leads out of
    /// it (a symbolic link, `..`) is refused as a denial too, and a missing file is the OS's
    /// `ENOENT`.
    pub(crate) fn unix(
        &self,
        event: Event,
        verb: Verb,
        addr: &UnixAddr,
    ) -> SocketResult<Permit<UnixDest>> {
        match addr {
            UnixAddr::Abstract(name) => {
                let target = UnixTarget::Abstract(name);
                let decision = self.policy.check_unix(verb, target);
                self.enforce(event, Subject::Unix { verb, target }, &decision, ())?;
                Ok(Permit::new(unix::abstract_name(name)?))
            }
            UnixAddr::Path(path) => {
                let normal = match normal_path(path) {
                    Ok(normal) => normal,
                    Err(why) => {
                        let target = UnixTarget::Path(path);
                        return Err(self.refused(event, verb, target, why).into());
                    }
                };
                let target = UnixTarget::Path(&normal);
                let decision = self.policy.check_unix(verb, target);
                self.enforce(event, Subject::Unix { verb, target }, &decision, ())?;
                let confinement = match decision.rule().map(Rule::target) {
                    Some(Target::Unix(pattern)) => pattern.confinement(&normal),
                    _ => None,
                };
                let Some((root, rest)) = confinement else {
                    return Err(self
                        .refused(event, verb, target, "no directory confines it")
                        .into());
                };
                let dest = match verb {
                    Verb::Bind => unix::place(root, rest, normal.clone()),
                    _ => unix::reach(root, rest, normal.clone()),
                };
                match dest {
                    Ok(dest) => Ok(Permit::new(dest)),
                    Err(e) if matches!(e.errno(), Some(Errno::LOOP | Errno::XDEV)) => {
                        let why = format!(
                            "it leads out of {root}, the directory the rule names (through a symbolic link, which capsock does not follow there)"
                        );
                        Err(self.refused(event, verb, target, &why).into())
                    }
                    Err(e) => Err(e),
                }
            }
            UnixAddr::Unnamed => Err(SocketError::os_msg(
                Errno::INVAL,
                "an AF_UNIX address must be a path or an abstract name (capsock does not autobind)",
            )),
        }
    }

    /// A use (`verb`: connect, bind) of the `AF_VSOCK` address `cid:port`, decided by the
    /// `vsock://` rules and reported as `event`. A connect binds an unbound socket to the
    /// local context id and a port the kernel picks, which reaches nothing: no decision.
    pub(crate) fn vsock(
        &self,
        event: Event,
        verb: Verb,
        cid: u32,
        port: u32,
    ) -> Result<Permit<VsockEnd>, Denied> {
        let decision = self.policy.check_vsock(verb, cid, port);
        let subject = Subject::Vsock { verb, cid, port };
        self.enforce(event, subject, &decision, VsockEnd { cid, port })
    }

    /// A raw IP socket: allowed when some `raw://` rule allows something, since making one
    /// lends the host's privilege (`CAP_NET_RAW`). What it sends and hears is decided per
    /// address, as `raw://HOST:PROTO`.
    pub(crate) fn raw_socket(&self) -> Result<Permit<RawSocket>, Denied> {
        if self.policy.allows_raw() {
            return Ok(Permit::new(RawSocket));
        }
        let message = "capsock policy: SOCK_RAW IP sockets denied (no rule allows them: e.g. send raw://10.0.0.0/8:47 to send protocol 47 there and hear it back)".to_owned();
        self.monitor.refused(Event::New, "SOCK_RAW", &message);
        Err(Denied::policy(message))
    }

    /// A packet or CAN socket (`link`): allowed when some rule allows some use of such
    /// sockets (a `bind LINK:` or `send LINK:` rule), since making one lends the host's
    /// privilege (`CAP_NET_RAW`) or reaches a bus. It hears nothing until a bind the guard
    /// allows.
    pub(crate) fn link_socket(&self, link: Link) -> Result<Permit<LinkSocket>, Denied> {
        if self.policy.allows_link(link) {
            return Ok(Permit::new(LinkSocket(link)));
        }
        let message = format!(
            "capsock policy: {} sockets denied (no rule allows them: e.g. bind {link}:eth1 to hear eth1, send {link}:eth1 to send out of it)",
            link.family_name()
        );
        self.monitor
            .refused(Event::New, link.family_name(), &message);
        Err(Denied::policy(message))
    }

    /// A use (`verb`: bind, send) of the network interface `name` (`""`: every interface at
    /// once) by a packet or CAN socket (`link`), decided by the `packet:` or `can:` rules and
    /// reported as `event`.
    pub(crate) fn iface(
        &self,
        event: Event,
        verb: Verb,
        link: Link,
        name: &str,
    ) -> Result<Permit<Iface>, Denied> {
        let decision = self.policy.check_iface(verb, link, name);
        let subject = Subject::Iface {
            verb,
            link,
            iface: name,
        };
        let iface = Iface {
            link,
            name: name.to_owned(),
        };
        self.enforce(event, subject, &decision, iface)
    }

    /// A netlink socket of protocol `proto`: a `send netlink:PROTO` rule allows it (only
    /// `NETLINK_ROUTE` can be named; another protocol is `EPROTONOSUPPORT`).
    pub(crate) fn netlink(&self, proto: i32) -> SocketResult<Permit<NetlinkProto>> {
        let Some(proto) = NetlinkProto::from_number(proto) else {
            return Err(SocketError::os_msg(
                Errno::PROTONOSUPPORT,
                format!(
                    "capsock: netlink protocol {proto} is not available (NETLINK_ROUTE is, for reading)"
                ),
            ));
        };
        let decision = self.policy.check_netlink(proto);
        Ok(self.enforce(Event::SendTo, Subject::Netlink(proto), &decision, proto)?)
    }

    /// A netlink address to bind: any port id, any groups (reading notifications changes
    /// nothing), on a socket the rule allowed when it was made.
    pub(crate) fn netlink_local(&self, pid: u32, groups: u32) -> Permit<NetlinkLocal> {
        Permit::new(NetlinkLocal { pid, groups })
    }

    /// A netlink destination (connect, sendto): the kernel only; another process or a
    /// multicast group is refused and recorded.
    pub(crate) fn netlink_dest(
        &self,
        event: Event,
        pid: u32,
        groups: u32,
    ) -> SocketResult<Permit<NetlinkKernel>> {
        if (pid, groups) == (0, 0) {
            return Ok(Permit::new(NetlinkKernel));
        }
        let message = format!(
            "capsock policy: netlink to pid {pid} groups {groups:#x} denied: a guest's netlink messages go to the kernel only (pid 0, groups 0)"
        );
        self.monitor.refused(
            event,
            &format!("netlink:pid {pid} groups {groups:#x}"),
            &message,
        );
        Err(Denied::policy(message).into())
    }

    /// Refuses a use of `target` for a reason of the address itself, not of a rule (a relative
    /// path, one that leads out of its directory), and records it as a denial.
    fn refused(&self, event: Event, verb: Verb, target: UnixTarget<'_>, why: &str) -> Denied {
        let message = format!(
            "capsock policy: {verb} {} {target} denied: {why}",
            verb.facts().preposition
        );
        self.monitor.refused(event, &target.to_string(), &message);
        Denied::policy(message)
    }

    fn datagram_allowed(&self, proto: Proto, from: SocketAddr) -> bool {
        let subject = Subject::addr(Verb::Recv, proto, from);
        let report = |decision: &Decision<'_>| {
            self.monitor.decided(Event::RecvFrom, subject, decision);
            decision.is_allowed()
        };
        if !self.policy.has_name_rules() {
            return report(&self.policy.check_datagram_from(proto, from, &[]));
        }
        let map = self.resolved.lock();
        let names = map
            .get(&from.ip().to_canonical())
            .map_or(&[][..], Vec::as_slice);
        report(&self.policy.check_datagram_from(proto, from, names))
    }

    /// A forward lookup of `host` (`None`: a passive lookup, which asks no one). A host that is
    /// a numeric address in a form the C library reads (or empty) asks no one about a name, so
    /// it needs no rule and is not reported; a name needs a `resolve` rule, decided and
    /// reported as `event` before any query.
    pub(crate) fn lookup(
        &self,
        event: Event,
        host: Option<&str>,
    ) -> Result<Permit<Lookup>, Denied> {
        let dns = self.dns.clone();
        let Some(host) = host else {
            return Ok(Permit::new(Lookup {
                host: None,
                name: None,
                dns,
            }));
        };
        if host.is_empty() || crate::policy::is_numeric_host(host) {
            return Ok(Permit::new(Lookup {
                host: Some(host.to_owned()),
                name: None,
                dns,
            }));
        }
        let decision = self.policy.check_resolve(host);
        self.enforce(event, Subject::Name(host), &decision, ())?;
        Ok(Permit::new(Lookup {
            host: Some(host.to_owned()),
            name: crate::policy::normal_name(host),
            dns,
        }))
    }

    /// Remembers that the lookup `permit` answered `addrs`, so that a connect or send (in
    /// either door) to one of them is decided by the rules for the name too, and tells a
    /// learner. Fails, rather than forget a name, when the memory is full.
    pub(crate) fn remember(
        &self,
        permit: &Permit<Lookup>,
        addrs: impl Iterator<Item = IpAddr> + Clone,
    ) -> Result<(), Denied> {
        let Some(name) = &permit.target.name else {
            return Ok(());
        };
        if self.monitor.learning() {
            let list = addrs.clone().collect::<Vec<_>>();
            self.monitor.resolved(name, || list);
        }
        if !self.policy.has_name_rules() {
            return Ok(());
        }
        let mut map = self.resolved.lock();
        for ip in addrs {
            let ip = ip.to_canonical();
            let full = map.len() >= MAX_RESOLVED && !map.contains_key(&ip);
            let names = match full {
                true => None,
                false => Some(map.entry(ip).or_default()),
            };
            match names {
                Some(names) if names.iter().any(|n| n == name) => {}
                Some(names) if names.len() < MAX_NAMES_PER_ADDRESS => names.push(name.clone()),
                _ => {
                    return Err(Denied {
                        refusal: Refusal::NameMemory,
                        message: format!(
                            "capsock limit: this guest resolved names to more than {MAX_RESOLVED} addresses, or more than {MAX_NAMES_PER_ADDRESS} names to {ip}; the host must remember each to enforce the name rules, so it refuses more"
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// A reverse lookup (of `address`, as the guest wrote it): only `resolve *` allows one.
    pub(crate) fn reverse_lookup(
        &self,
        event: Event,
        address: &str,
    ) -> Result<Permit<Reverse>, Denied> {
        let decision = self.policy.check_resolve_any();
        let reverse = Reverse {
            dns: self.dns.clone(),
            hostname: self.policy.hostname().to_owned(),
        };
        self.enforce(event, Subject::Reverse(address), &decision, reverse)
    }

    /// Takes `n` socket slots, or refuses with the limit's message when the guest would hold
    /// more than `--max-sockets`.
    pub(crate) fn take_sockets(&self, n: usize) -> Result<(), Denied> {
        let taken = self
            .open
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |open| {
                open.checked_add(n)
                    .filter(|&total| total <= self.max_sockets)
            });
        match taken {
            Ok(_) => Ok(()),
            Err(_) => Err(Denied {
                refusal: Refusal::SocketLimit,
                message: format!(
                    "capsock limit: this guest may hold at most {} sockets open (raise it with --max-sockets)",
                    self.max_sockets
                ),
            }),
        }
    }

    /// Gives back `n` socket slots.
    pub(crate) fn release_sockets(&self, n: usize) {
        let _ = self
            .open
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |open| {
                Some(open.saturating_sub(n))
            });
    }

    /// Records `n` sockets created (`socket.__new__`), described by `what`.
    pub(crate) fn created(&self, n: u64, what: impl FnOnce() -> String) {
        self.monitor.created(n, what);
    }

    /// The decision for one wasi:sockets use (wasmtime-wasi asks before every bind, connect,
    /// listen, accept and datagram send or receive), mapped onto capsock's verbs. wasi:sockets
    /// sockets are IPv6-only (wasmtime-wasi sets `IPV6_V6ONLY`), so no bind there is
    /// dual-stack.
    pub(crate) fn wasi_check(&self, addr: SocketAddr, use_: SocketAddrUse) -> bool {
        // wasmtime-wasi reports the bind the kernel does by itself as a bind of the wildcard
        // address with port 0, which an explicit bind of that address is too: the policy
        // decides both as the implicit bind (`Policy::check_bind`), in both doors.
        let bind = |proto| self.local(proto, addr, false).is_ok();
        match use_ {
            // listen follows a bind that was decided already (explicit, or implicit just before).
            SocketAddrUse::TcpListen => true,
            SocketAddrUse::TcpBind => bind(Proto::Tcp),
            SocketAddrUse::UdpBind => bind(Proto::Udp),
            SocketAddrUse::TcpAccept => self
                .remote(Event::Accept, Verb::Accept, Proto::Tcp, addr)
                .is_ok(),
            SocketAddrUse::TcpConnect => self
                .remote(Event::Connect, Verb::Connect, Proto::Tcp, addr)
                .is_ok(),
            SocketAddrUse::UdpSend => self
                .remote(Event::SendTo, Verb::Send, Proto::Udp, addr)
                .is_ok(),
            // Asked for every datagram received, connected socket or not.
            SocketAddrUse::UdpReceive => self.datagram_allowed(Proto::Udp, addr),
        }
    }

    /// The names this guest resolved `ip` from, as remembered.
    #[cfg(test)]
    pub(crate) fn names_of(&self, ip: IpAddr) -> Vec<String> {
        self.resolved
            .lock()
            .get(&ip.to_canonical())
            .cloned()
            .unwrap_or_default()
    }

    /// The end of the guest's run: the monitor's last words (denials it did not print).
    pub(crate) fn finish(&self) {
        self.monitor.finish();
    }
}

#[cfg(test)]
mod tests;
