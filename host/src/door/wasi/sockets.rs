//! The wasi:sockets door (guests that use Rust's `std::net`), put under the same policy,
//! audit, learning, limits and statistics as capsock's own interface.
//!
//! wasmtime-wasi 48 serves wasi:sockets; capsock takes part in these places:
//!
//! - **Addresses**: wasmtime-wasi asks [`wire`]'s check before every bind, connect, listen,
//!   accept, datagram send and datagram receive. The check is the guest's [`Guard`]: the same
//!   decisions, records and memory of resolved names as capsock's door.
//! - **Name lookups**: `wasi:sockets/ip-name-lookup` (what wasi-libc's `getaddrinfo` calls) is
//!   defined by capsock instead of wasmtime-wasi ([`add_to_linker`]): each name is decided by the
//!   `resolve` rules, audited as `socket.getaddrinfo`, resolved by capsock's own resolver (the
//!   one behind `capsock:sockets/resolver`), and the addresses obtained are remembered for this
//!   guest. wasmtime-wasi's resolver is switched off, so a lookup that somehow reached it would
//!   be refused rather than escape the policy.
//! - **Sockets held**: `create-tcp-socket`, `create-udp-socket` and `[method]tcp-socket.accept`
//!   are wasmtime-wasi's own, wrapped to enforce `--max-sockets` (one count per guest, shared
//!   with capsock's door: [`CapsockCtx`]'s `open_sockets`), audit `socket.__new__` and count
//!   the socket for `--stats`. The `tcp-socket` and `udp-socket` resources are re-defined with
//!   the same host types and destructors that do what wasmtime-wasi's do (delete the socket from
//!   the resource table) and then free the socket's slot.
//! - **Bytes**: the input and output streams `finish-connect` and `accept` hand out are wrapped
//!   in place in the resource table ([`CountedInput`], [`CountedOutput`]), and the datagram
//!   streams' `receive` and `send` are wrapped, so `--stats` counts the bytes of this door too.
//!
//! Every wrapper calls wasmtime-wasi's own implementation (its synchronous host traits, the
//! ones `wasmtime_wasi::p2::add_to_linker_sync` installs) and hands the guest its result as
//! wasmtime-wasi's binding would.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use wasmtime::component::{Linker, Resource, ResourceType};
use wasmtime::{Result, StoreContextMut};
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddress, IpAddressFamily};
use wasmtime_wasi::p2::bindings::sockets::tcp_create_socket::Host as _;
use wasmtime_wasi::p2::bindings::sync::sockets::tcp::HostTcpSocket;
use wasmtime_wasi::p2::bindings::sync::sockets::udp::{
    HostIncomingDatagramStream, HostOutgoingDatagramStream, HostUdpSocket, IncomingDatagramStream,
    OutgoingDatagram, OutgoingDatagramStream,
};
use wasmtime_wasi::p2::bindings::sync::sockets::udp_create_socket::Host as _;
use wasmtime_wasi::p2::pipe::{ClosedInputStream, ClosedOutputStream};
use wasmtime_wasi::p2::{
    DynInputStream, DynOutputStream, DynPollable, InputStream, Network, OutputStream, Pollable,
    SocketResult, StreamResult, TcpSocket, UdpSocket, subscribe,
};
use wasmtime_wasi::sockets::{SocketAddrUse, WasiSocketsView};
use wasmtime_wasi::{WasiCtxBuilder, WasiView};

use crate::audit::{Event, Stats};
use crate::ctx::CapsockView;
use crate::error::SocketError;
use crate::guard::{Denied, Guard, Refusal};
use crate::net::resolve;

/// The wasi:sockets interfaces capsock defines over wasmtime-wasi's, at the version of the WIT
/// wasmtime-wasi 48 implements (`wasi:sockets@0.2.12`, its `src/p2/wit/deps/sockets.wit`).
/// Guests importing any `0.2.x` are linked to these by the linker's semver matching. The
/// integration tests fail (a `std::net` lookup is no longer audited) if a wasmtime-wasi
/// upgrade moves the version and this is not updated.
const IP_NAME_LOOKUP: &str = "wasi:sockets/ip-name-lookup@0.2.12";
const TCP_CREATE_SOCKET: &str = "wasi:sockets/tcp-create-socket@0.2.12";
const UDP_CREATE_SOCKET: &str = "wasi:sockets/udp-create-socket@0.2.12";
const TCP: &str = "wasi:sockets/tcp@0.2.12";
const UDP: &str = "wasi:sockets/udp@0.2.12";

/// Replaces wasmtime-wasi's `wasi:sockets/ip-name-lookup` with capsock's (the whole interface:
/// `resolve-addresses` and the `resolve-address-stream` resource) and wraps its socket
/// creation, accept, destructors, `finish-connect` and datagram `receive` / `send` (see the
/// module documentation). Call it after `wasmtime_wasi::p2::add_to_linker_sync`, whose
/// synchronous implementations the wrappers call; it turns shadowing on for these definitions
/// only.
pub(crate) fn add_to_linker<T: WasiView + CapsockView + 'static>(
    linker: &mut Linker<T>,
) -> Result<()> {
    crate::door::redefine(linker, define)
}

fn define<T: WasiView + CapsockView + 'static>(linker: &mut Linker<T>) -> Result<()> {
    let mut lookup = linker.instance(IP_NAME_LOOKUP)?;
    lookup.resource(
        "resolve-address-stream",
        ResourceType::host::<LookupStream>(),
        |mut store, rep| {
            store
                .data_mut()
                .ctx()
                .table
                .delete(Resource::<LookupStream>::new_own(rep))?;
            Ok(())
        },
    )?;
    lookup.func_wrap(
        "resolve-addresses",
        |mut store: StoreContextMut<'_, T>, (network, name): (Resource<Network>, String)| {
            let data = store.data_mut();
            // The network handle is the capability to look names up: a forged one is a trap,
            // as in wasmtime-wasi.
            data.ctx().table.get(&network)?;
            let result = match resolve_addresses(&data.capsock().ctx.guard, &name) {
                Ok(addrs) => Ok(data.ctx().table.push(LookupStream(addrs.into_iter()))?),
                Err(code) => Err(code),
            };
            Ok((result,))
        },
    )?;
    lookup.func_wrap(
        "[method]resolve-address-stream.resolve-next-address",
        |mut store: StoreContextMut<'_, T>, (this,): (Resource<LookupStream>,)| {
            let stream = store.data_mut().ctx().table.get_mut(&this)?;
            let next = stream.0.next().map(IpAddress::from);
            Ok((Ok::<_, ErrorCode>(next),))
        },
    )?;
    lookup.func_wrap(
        "[method]resolve-address-stream.subscribe",
        |mut store: StoreContextMut<'_, T>, (this,): (Resource<LookupStream>,)| {
            let pollable: Resource<DynPollable> = subscribe(store.data_mut().ctx().table, this)?;
            Ok((pollable,))
        },
    )?;

    linker.instance(TCP_CREATE_SOCKET)?.func_wrap(
        "create-tcp-socket",
        |mut store: StoreContextMut<'_, T>, (family,): (IpAddressFamily,)| {
            let data = store.data_mut();
            if !slot_free(data) {
                return Ok((Err(ErrorCode::NewSocketLimit),));
            }
            let created = data.sockets().create_tcp_socket(family);
            report_created(data, created, family, "SOCK_STREAM")
        },
    )?;
    linker.instance(UDP_CREATE_SOCKET)?.func_wrap(
        "create-udp-socket",
        |mut store: StoreContextMut<'_, T>, (family,): (IpAddressFamily,)| {
            let data = store.data_mut();
            if !slot_free(data) {
                return Ok((Err(ErrorCode::NewSocketLimit),));
            }
            let created = data.sockets().create_udp_socket(family);
            report_created(data, created, family, "SOCK_DGRAM")
        },
    )?;

    let mut tcp = linker.instance(TCP)?;
    tcp.resource(
        "tcp-socket",
        ResourceType::host::<TcpSocket>(),
        |mut store, rep| {
            let data = store.data_mut();
            HostTcpSocket::drop(&mut data.sockets(), Resource::new_own(rep))?;
            released(data);
            Ok(())
        },
    )?;
    tcp.func_wrap(
        "[method]tcp-socket.finish-connect",
        |mut store: StoreContextMut<'_, T>, (this,): (Resource<TcpSocket>,)| {
            let data = store.data_mut();
            match HostTcpSocket::finish_connect(&mut data.sockets(), this) {
                Ok((input, output)) => {
                    count_streams(data, &input, &output)?;
                    Ok((Ok((input, output)),))
                }
                Err(e) => Ok((Err(e.downcast()?),)),
            }
        },
    )?;
    tcp.func_wrap(
        "[method]tcp-socket.accept",
        |mut store: StoreContextMut<'_, T>, (this,): (Resource<TcpSocket>,)| {
            let data = store.data_mut();
            // Also what makes a forged listener handle a trap before the limit is looked at.
            let family = HostTcpSocket::address_family(
                &mut data.sockets(),
                Resource::new_borrow(this.rep()),
            )?;
            // Refused before wasmtime-wasi takes the connection: it stays queued for a later
            // accept, as with capsock's door.
            if !slot_free(data) {
                return Ok((Err(ErrorCode::NewSocketLimit),));
            }
            match HostTcpSocket::accept(&mut data.sockets(), this) {
                Ok((socket, input, output)) => {
                    opened(data, family, "SOCK_STREAM");
                    count_streams(data, &input, &output)?;
                    Ok((Ok((socket, input, output)),))
                }
                Err(e) => {
                    released(data);
                    Ok((Err(e.downcast()?),))
                }
            }
        },
    )?;

    let mut udp = linker.instance(UDP)?;
    udp.resource(
        "udp-socket",
        ResourceType::host::<UdpSocket>(),
        |mut store, rep| {
            let data = store.data_mut();
            HostUdpSocket::drop(&mut data.sockets(), Resource::new_own(rep))?;
            released(data);
            Ok(())
        },
    )?;
    udp.func_wrap(
        "[method]incoming-datagram-stream.receive",
        |mut store: StoreContextMut<'_, T>,
         (this, max_results): (Resource<IncomingDatagramStream>, u64)| {
            let data = store.data_mut();
            match HostIncomingDatagramStream::receive(&mut data.sockets(), this, max_results) {
                Ok(datagrams) => {
                    let bytes: usize = datagrams.iter().map(|d| d.data.len()).sum();
                    data.capsock().ctx.guard.stats().received(bytes as u64);
                    Ok((Ok(datagrams),))
                }
                Err(e) => Ok((Err(e.downcast()?),)),
            }
        },
    )?;
    udp.func_wrap(
        "[method]outgoing-datagram-stream.send",
        |mut store: StoreContextMut<'_, T>,
         (this, datagrams): (Resource<OutgoingDatagramStream>, Vec<OutgoingDatagram>)| {
            let data = store.data_mut();
            let sizes: Vec<usize> = datagrams.iter().map(|d| d.data.len()).collect();
            match HostOutgoingDatagramStream::send(&mut data.sockets(), this, datagrams) {
                Ok(sent) => {
                    // `sent` datagrams went, the first ones of the list (wasi:sockets' `send`).
                    let n = usize::try_from(sent).unwrap_or(usize::MAX);
                    let bytes: usize = sizes.iter().take(n).sum();
                    data.capsock().ctx.guard.stats().sent(bytes as u64);
                    Ok((Ok(sent),))
                }
                Err(e) => Ok((Err(e.downcast()?),)),
            }
        },
    )?;
    Ok(())
}

/// Whether the guest may hold one more socket: `--max-sockets` bounds the sockets one guest
/// holds through both doors together. When it may not, the guest gets `new-socket-limit`
/// (wasi-libc's `EMFILE`) and the host says why once on stderr (unless `--quiet`), since
/// wasi:sockets has no way to carry capsock's message to the guest.
fn slot_free<T: CapsockView>(data: &mut T) -> bool {
    let guard = &data.capsock().ctx.guard;
    match guard.take_sockets(1) {
        Ok(()) => true,
        Err(denied) => {
            guard.monitor().limit_reached(&denied.message);
            false
        }
    }
}

/// A wasi:sockets socket the guest now holds (its slot was taken by [`slot_free`]): audits
/// `socket.__new__` and counts it for `--stats`.
fn opened<T: CapsockView>(data: &mut T, family: IpAddressFamily, kind: &str) {
    let v6 = matches!(family, IpAddressFamily::Ipv6);
    data.capsock()
        .ctx
        .guard
        .created(1, || socket_description(v6, kind));
}

/// A slot taken for a socket that wasmtime-wasi then failed to make, or a wasi:sockets socket
/// the guest dropped (and wasmtime-wasi deleted): frees its slot.
fn released<T: CapsockView>(data: &mut T) {
    data.capsock().ctx.guard.release_sockets(1);
}

/// Replaces a new TCP connection's streams, in place in the resource table (their handles, and
/// their place as children of the socket, stay as they are), with wrappers that count their
/// bytes into this guest's `--stats`.
fn count_streams<T: WasiView + CapsockView>(
    data: &mut T,
    input: &Resource<DynInputStream>,
    output: &Resource<DynOutputStream>,
) -> Result<()> {
    let stats = data.capsock().ctx.guard.stats().clone();
    let table = data.ctx().table;
    let slot = table.get_mut(input)?;
    let inner = std::mem::replace(slot, Box::new(ClosedInputStream));
    *slot = Box::new(CountedInput {
        inner,
        stats: stats.clone(),
    });
    let slot = table.get_mut(output)?;
    let inner = std::mem::replace(slot, Box::new(ClosedOutputStream));
    *slot = Box::new(CountedOutput { inner, stats });
    Ok(())
}

/// The input stream of a wasi:sockets TCP connection, counting the bytes the guest receives
/// (read or skipped) as `--stats`' bytes received.
///
/// Only `read` is forwarded among the reading methods: the provided `blocking-read`, `skip` and
/// `blocking-skip` call it, so each byte is counted once. (wasmtime-wasi 48's TCP reader
/// implements only `read` too, so they behave as before.)
pub(crate) struct CountedInput {
    inner: DynInputStream,
    stats: Arc<Stats>,
}

#[wasmtime_wasi::async_trait]
impl InputStream for CountedInput {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        let bytes = self.inner.read(size)?;
        self.stats.received(bytes.len() as u64);
        Ok(bytes)
    }

    async fn cancel(&mut self) {
        self.inner.cancel().await
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CountedInput {
    async fn ready(&mut self) {
        self.inner.ready().await
    }
}

/// The output stream of a wasi:sockets TCP connection, counting the bytes the stream accepted
/// from the guest as `--stats`' bytes sent (as capsock's door counts what `send` accepted).
///
/// `write`, `flush`, `check-write` and `cancel` are forwarded; the provided
/// `blocking-write-and-flush` and `write-zeroes` call `write`, so each byte is counted once.
/// (wasmtime-wasi 48's TCP writer implements exactly those four, so they behave as before.)
pub(crate) struct CountedOutput {
    inner: DynOutputStream,
    stats: Arc<Stats>,
}

#[wasmtime_wasi::async_trait]
impl OutputStream for CountedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let n = bytes.len() as u64;
        self.inner.write(bytes)?;
        self.stats.sent(n);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.inner.flush()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.inner.check_write()
    }

    async fn cancel(&mut self) {
        self.inner.cancel().await
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CountedOutput {
    async fn ready(&mut self) {
        self.inner.ready().await
    }
}

/// Reports a socket wasmtime-wasi created ([`opened`]: its slot, `socket.__new__`, `--stats`),
/// and hands the guest the result as wasmtime-wasi's own binding would: its error code, or a
/// trap.
fn report_created<T: CapsockView, S>(
    data: &mut T,
    created: SocketResult<Resource<S>>,
    family: IpAddressFamily,
    kind: &str,
) -> Result<(Result<Resource<S>, ErrorCode>,)> {
    match created {
        Ok(socket) => {
            opened(data, family, kind);
            Ok((Ok(socket),))
        }
        Err(e) => {
            released(data);
            Ok((Err(e.downcast()?),))
        }
    }
}

/// `socket.__new__`'s target, as capsock's door writes it: `AF_INET/SOCK_STREAM/0` (wasi-libc
/// creates every socket with protocol 0).
fn socket_description(v6: bool, kind: &str) -> String {
    let family = if v6 { "AF_INET6" } else { "AF_INET" };
    format!("{family}/{kind}/0")
}

/// A finished lookup: the addresses not yet handed to the guest. capsock resolves before
/// `resolve-addresses` returns (its resolver blocks, as capsock's own door does), so the
/// stream is always ready.
pub(crate) struct LookupStream(std::vec::IntoIter<IpAddr>);

#[wasmtime_wasi::async_trait]
impl Pollable for LookupStream {
    async fn ready(&mut self) {}
}

/// wasi:sockets `resolve-addresses` answered as capsock's resolver door answers
/// `getaddrinfo`: the same policy check, audit record and resolver, then the addresses
/// (deduplicated, IPv4-mapped ones as IPv4, never empty) in the resolver's order.
///
/// - A numeric host (any form [`crate::policy::is_numeric_host`] accepts, or `[IPv6]`) needs
///   no rule and is not reported: it is parsed by `getaddrinfo(3)` with `AI_NUMERICHOST`, so no
///   query leaves the host.
/// - A name needs a `resolve` rule ([`CapsockCtx::check_lookup`]: case, trailing dot and IDNA
///   normalised). The decision is reported as `socket.getaddrinfo` before any query; the
///   addresses obtained are remembered, so a connect or send (in either door) to one of them is
///   decided by the rules for the name too, and learn mode writes the name.
/// - Then `getaddrinfo(3)` (`AF_UNSPEC`, `SOCK_STREAM`), which may ask `/etc/hosts` and DNS.
///
/// A denied name is `access-denied`, which wasi-libc's `getaddrinfo` turns into `EAI_SYSTEM`
/// with `errno` `EACCES`, so Rust's `std::net` reports an `io::Error` of kind
/// `PermissionDenied` ("Permission denied"), as it would for a refused connect.
/// `permanent-resolver-failure` would become `EAI_FAIL`, "Non-recoverable failure in name
/// resolution", which hides that the policy refused it. Other failures are mapped by
/// [`lookup_error`].
fn resolve_addresses(guard: &Guard, name: &str) -> Result<Vec<IpAddr>, ErrorCode> {
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .filter(|n| n.parse::<Ipv6Addr>().is_ok())
        .unwrap_or(name);
    if name.is_empty() {
        // wasmtime-wasi's answer for a name that is not a host name.
        return Err(ErrorCode::InvalidArgument);
    }
    let lookup = guard
        .lookup(Event::GetAddrInfo, Some(bare))
        .map_err(denied_code)?;
    let numeric = crate::policy::is_numeric_host(bare);
    let flags = if numeric { libc::AI_NUMERICHOST } else { 0 };
    let infos = resolve::getaddrinfo(&lookup, None, libc::AF_UNSPEC, libc::SOCK_STREAM, 0, flags)
        .map_err(lookup_error)?;
    let addrs = addresses(&infos);
    guard
        .remember(&lookup, addrs.iter().copied())
        .map_err(denied_code)?;
    non_empty(addrs)
}

/// The wasi:sockets error for a refusal of the guard.
fn denied_code(denied: Denied) -> ErrorCode {
    match denied.refusal {
        Refusal::Policy => ErrorCode::AccessDenied,
        Refusal::SocketLimit => ErrorCode::NewSocketLimit,
        Refusal::NameMemory => ErrorCode::OutOfMemory,
    }
}

/// The distinct addresses of `infos`, in order, IPv4-mapped IPv6 as IPv4 (wasi:sockets never
/// returns mapped addresses).
fn addresses(infos: &[resolve::AddrInfo]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::with_capacity(infos.len());
    for ai in infos {
        let ip = ai.addr.ip().to_canonical();
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

/// wasi:sockets never answers a lookup with no address: that is `name-unresolvable`.
fn non_empty(addrs: Vec<IpAddr>) -> Result<Vec<IpAddr>, ErrorCode> {
    if addrs.is_empty() {
        Err(ErrorCode::NameUnresolvable)
    } else {
        Ok(addrs)
    }
}

/// The wasi:sockets error for a failed `getaddrinfo(3)`: no such name (`EAI_NONAME`,
/// `EAI_NODATA`) is `name-unresolvable`, `EAI_AGAIN`
/// `temporary-resolver-failure`, `EAI_MEMORY` `out-of-memory`, a name that cannot be encoded
/// (bad IDNA, an interior NUL: `EINVAL`) `invalid-argument`; anything else is
/// `permanent-resolver-failure`.
fn lookup_error(e: SocketError) -> ErrorCode {
    match e {
        SocketError::Gai(code, _) if code == libc::EAI_NONAME || code == libc::EAI_NODATA => {
            ErrorCode::NameUnresolvable
        }
        SocketError::Gai(libc::EAI_AGAIN, _) => ErrorCode::TemporaryResolverFailure,
        SocketError::Gai(libc::EAI_MEMORY, _) => ErrorCode::OutOfMemory,
        SocketError::Os(errno, _) if errno == rustix::io::Errno::INVAL => {
            ErrorCode::InvalidArgument
        }
        _ => ErrorCode::PermanentResolverFailure,
    }
}

/// Puts wasi:sockets' addresses under the guest's guard: wasmtime-wasi calls its check before
/// every bind, connect, listen, accept and datagram send or receive ([`Guard::wasi_check`]).
///
/// wasmtime-wasi's own resolver is switched off: capsock answers `resolve-addresses` itself
/// ([`add_to_linker`]), deciding each name.
pub(crate) fn wire(wasi: &mut WasiCtxBuilder, guard: &Arc<Guard>) {
    let guard = guard.clone();
    wasi.allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(false)
        .socket_addr_check(move |addr: SocketAddr, use_: SocketAddrUse| {
            let allowed = guard.wasi_check(addr, use_);
            Box::pin(async move { allowed })
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::CapsockCtx;
    use crate::policy::Policy;

    fn guard(policy: Policy) -> Arc<Guard> {
        let ctx = CapsockCtx::builder()
            .policy(policy)
            .stats(Arc::new(Stats::default()))
            .build()
            .unwrap();
        ctx.guard().clone()
    }

    /// Numeric hosts need no rule and are answered without a query; names are decided before
    /// any query (a denied name is `access-denied`, counted and never resolved); `localhost`
    /// comes from /etc/hosts and is remembered.
    #[test]
    fn lookups_are_decided_per_name() {
        let mut policy = Policy::deny_all();
        policy
            .allow("resolve localhost")
            .unwrap()
            .deny("resolve *.invalid")
            .unwrap()
            .deny("connect tcp://localhost:22")
            .unwrap();
        let guard = guard(policy);
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(resolve_addresses(&guard, "127.0.0.1"), Ok(vec![v4]));
        assert_eq!(resolve_addresses(&guard, "127.1"), Ok(vec![v4]));
        assert_eq!(resolve_addresses(&guard, "::ffff:127.0.0.1"), Ok(vec![v4]));
        assert_eq!(resolve_addresses(&guard, "[::1]"), Ok(vec![v6]));
        assert_eq!(
            resolve_addresses(&guard, ""),
            Err(ErrorCode::InvalidArgument)
        );
        assert_eq!(guard.stats().denials(), 0);
        assert!(guard.names_of(v4).is_empty(), "numeric hosts are not names");

        for denied in [
            "nothing-allows.example",
            "blocked.invalid",
            "LOCALHOST.example",
        ] {
            assert_eq!(
                resolve_addresses(&guard, denied),
                Err(ErrorCode::AccessDenied),
                "{denied}"
            );
        }
        assert_eq!(guard.stats().denials(), 3);
        assert_eq!(guard.stats().name_lookups(), 0);

        // (Not "localhost.": /etc/hosts has no entry for it, so the resolver would ask DNS.)
        for name in ["localhost", "LocalHost"] {
            let addrs = resolve_addresses(&guard, name).unwrap();
            assert!(addrs.contains(&v4), "{name}: {addrs:?}");
            assert!(addrs.iter().all(|ip| ip.is_loopback()), "{name}: {addrs:?}");
        }
        assert_eq!(guard.stats().name_lookups(), 2);
        // Remembered once, in normal form (a name rule makes the memory matter).
        assert_eq!(guard.names_of(v4), ["localhost"]);
    }

    #[test]
    fn resolver_failures_map_to_wasi_error_codes() {
        let gai = |code| SocketError::Gai(code, String::new());
        assert_eq!(
            lookup_error(gai(libc::EAI_NONAME)),
            ErrorCode::NameUnresolvable
        );
        assert_eq!(
            lookup_error(gai(libc::EAI_NODATA)),
            ErrorCode::NameUnresolvable
        );
        assert_eq!(
            lookup_error(gai(libc::EAI_AGAIN)),
            ErrorCode::TemporaryResolverFailure
        );
        assert_eq!(lookup_error(gai(libc::EAI_MEMORY)), ErrorCode::OutOfMemory);
        assert_eq!(
            lookup_error(gai(libc::EAI_FAIL)),
            ErrorCode::PermanentResolverFailure
        );
        assert_eq!(
            lookup_error(SocketError::os_msg(rustix::io::Errno::INVAL, "bad label")),
            ErrorCode::InvalidArgument
        );
    }
}
