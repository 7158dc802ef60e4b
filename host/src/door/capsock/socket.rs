//! `capsock:sockets/socket`: the socket resource, `socketpair` and `poll`.
//!
//! Every method that names an address asks the policy before the net core sees it; connects and
//! sends on a socket with no local address also ask about the implicit bind.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource, WasmList};

use super::bindings::capsock::sockets::socket::{
    Ancillary, Host, HostSocket, Message, OptionValue, PollEvents, PollRequest,
};
use super::bindings::capsock::sockets::types::{
    AddressFamily, Error as WitError, Host as TypesHost, SocketAddress, SocketKind,
};
use super::{
    enforce, from_socket_addr, net_family, net_kind, proto_of, socket_description, to_socket_addr,
    wit_family, wit_kind,
};
use crate::audit::{Event, Monitor, Subject};
use crate::ctx::{CapsockCtx, CapsockCtxView, CapsockView};
use crate::error::{SocketError, SocketResult};
use crate::net::{Family, Mode, NetSocket, msg, sockopt};
use crate::policy::{Policy, Proto, Verb};

fn mode(timeout: Option<u64>) -> Mode {
    Mode::from_timeout(timeout.map(Duration::from_nanos))
}

impl CapsockCtx {
    /// Fails with `EMFILE` when the guest already holds `max_sockets` sockets.
    fn reserve(&self, n: usize) -> SocketResult<()> {
        if self.open_sockets + n > self.max_sockets {
            return Err(SocketError::os_msg(
                Errno::MFILE,
                format!(
                    "capsock limit: this guest may hold at most {} sockets open (raise it with --max-sockets)",
                    self.max_sockets
                ),
            ));
        }
        Ok(())
    }
}

impl CapsockCtxView<'_> {
    fn push(&mut self, mut sock: NetSocket) -> SocketResult<Resource<NetSocket>> {
        sock.register_with(&self.ctx.cancel);
        let r = self.table.push(sock)?;
        self.ctx.open_sockets += 1;
        Ok(r)
    }

    /// Checks a connect/send destination, and the implicit bind when the socket has no local
    /// address yet.
    fn check_destination(
        &self,
        sock: &NetSocket,
        verb: Verb,
        addr: &SocketAddr,
    ) -> SocketResult<()> {
        let proto = proto_of(sock.kind());
        let ctx = &*self.ctx;
        let decision = ctx.resolved.with_names(addr.ip(), |names| {
            let names = names.iter().map(String::as_str);
            ctx.policy.check_resolved(verb, proto, *addr, names)
        });
        let event = if verb == Verb::Connect {
            Event::Connect
        } else {
            Event::SendTo
        };
        enforce(ctx, event, decision, (verb, proto), addr, false)?;
        self.check_implicit_bind(sock)
    }

    /// connect, sendto and listen on a socket with no local address bind it to the wildcard
    /// address and an ephemeral port: that implicit bind is checked like one (only deny rules
    /// can refuse it).
    fn check_implicit_bind(&self, sock: &NetSocket) -> SocketResult<()> {
        if !sock.needs_implicit_bind() {
            return Ok(());
        }
        let proto = proto_of(sock.kind());
        let v6 = sock.family() == Family::Inet6;
        let wildcard: SocketAddr = if v6 {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        };
        let decision = self.ctx.policy.check_implicit_bind(proto, v6);
        enforce(
            self.ctx,
            Event::Bind,
            decision,
            (Verb::Bind, proto),
            &wildcard,
            true,
        )
    }
}

/// The admission check for datagrams arriving on `sock`: on an unconnected UDP socket each
/// sender is decided by the policy (and recorded); everything else is admitted, since a stream
/// or a connected socket only hears from a peer that was already checked.
fn datagram_admission<'a>(
    policy: &'a Policy,
    monitor: &'a Monitor,
    sock: &NetSocket,
) -> impl FnMut(&SocketAddr) -> bool + 'a {
    let filters = sock.filters_sources();
    move |from: &SocketAddr| {
        if !filters {
            return true;
        }
        let decision = policy.check_datagram_from(*from);
        let subject = Subject::Addr {
            verb: Verb::Recv,
            proto: Proto::Udp,
            addr: *from,
            implicit: false,
        };
        monitor.decided(Event::RecvFrom, subject, &decision);
        decision.is_allowed()
    }
}

fn to_msg_ancillary(items: &[Ancillary]) -> Vec<msg::Ancillary> {
    items
        .iter()
        .map(|a| msg::Ancillary {
            level: a.level,
            kind: a.kind,
            data: a.data.clone(),
        })
        .collect()
}

/// The sends, on borrowed bytes: the generated bindings call them with a lifted copy, the
/// zero-copy imports ([`add_zero_copy_sends`]) with the guest's own memory.
impl CapsockCtxView<'_> {
    fn send_bytes(
        &mut self,
        this: Resource<NetSocket>,
        data: &[u8],
        flags: i32,
    ) -> SocketResult<u64> {
        let sock = self.table.get(&this)?;
        let sent = sock.send(data, flags, &self.ctx.cancel)?;
        self.ctx.monitor.stats.sent(sent as u64);
        Ok(sent as u64)
    }

    fn sendall_bytes(
        &mut self,
        this: Resource<NetSocket>,
        data: &[u8],
        flags: i32,
    ) -> SocketResult<()> {
        let sock = self.table.get(&this)?;
        sock.sendall(data, flags, &self.ctx.cancel)?;
        self.ctx.monitor.stats.sent(data.len() as u64);
        Ok(())
    }

    fn send_to_bytes(
        &mut self,
        this: Resource<NetSocket>,
        data: &[u8],
        flags: i32,
        address: SocketAddress,
    ) -> SocketResult<u64> {
        let addr = to_socket_addr(&address)?;
        self.check_destination(self.table.get(&this)?, Verb::Send, &addr)?;
        let sock = self.table.get_mut(&this)?;
        let sent = sock.send_to(data, flags, &addr, &self.ctx.cancel)?;
        self.ctx.monitor.stats.sent(sent as u64);
        Ok(sent as u64)
    }
}

/// The WIT interface the zero-copy imports belong to.
const SOCKET_INTERFACE: &str = "capsock:sockets/socket@0.1.0";

/// Defines `send`, `sendall` and `send-to` again, so that the kernel reads the bytes straight
/// from the guest's memory instead of from a host copy of them (the generated bindings lift
/// every `list<u8>` into a fresh `Vec`: one allocation and one copy of every byte sent). Same
/// types, same checks, same errors as the generated ones, which they replace in `linker`
/// (its shadowing must be allowed).
pub(super) fn add_zero_copy_sends<T: CapsockView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    let mut inst = linker.instance(SOCKET_INTERFACE)?;
    inst.func_wrap(
        "[method]socket.send",
        |mut store: StoreContextMut<'_, T>,
         (this, data, flags): (Resource<NetSocket>, WasmList<u8>, i32)| {
            with_guest_bytes(&mut store, &data, |view, bytes| {
                view.send_bytes(this, bytes, flags)
            })
        },
    )?;
    inst.func_wrap(
        "[method]socket.sendall",
        |mut store: StoreContextMut<'_, T>,
         (this, data, flags): (Resource<NetSocket>, WasmList<u8>, i32)| {
            with_guest_bytes(&mut store, &data, |view, bytes| {
                view.sendall_bytes(this, bytes, flags)
            })
        },
    )?;
    inst.func_wrap(
        "[method]socket.send-to",
        |mut store: StoreContextMut<'_, T>,
         (this, data, flags, address): (Resource<NetSocket>, WasmList<u8>, i32, SocketAddress)| {
            with_guest_bytes(&mut store, &data, |view, bytes| {
                view.send_to_bytes(this, bytes, flags, address)
            })
        },
    )?;
    Ok(())
}

/// Runs `f` on the capsock view and the bytes of `list` where they lie in the guest's memory,
/// and turns its error into the WIT `error` (or a trap) as the generated bindings do.
fn with_guest_bytes<T: CapsockView + 'static, R>(
    store: &mut StoreContextMut<'_, T>,
    list: &WasmList<u8>,
    f: impl FnOnce(&mut CapsockCtxView<'_>, &[u8]) -> SocketResult<R>,
) -> wasmtime::Result<(Result<R, WitError>,)> {
    let bytes = list.as_le_slice(&*store);
    let (ptr, len) = (bytes.as_ptr(), bytes.len());
    let mut view = T::capsock(store.data_mut());
    // SAFETY: `ptr..ptr + len` is the list inside the guest's linear memory, bounds-checked by
    // `as_le_slice` above. That memory belongs to the store's instance, not to its data `T`, so
    // the `&mut T` borrowed next does not alias it; and until this host call returns no guest
    // code runs and nothing grows or frees the memory (a component instance is single-threaded),
    // so the bytes stay valid and unchanged while the kernel reads them.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    match f(&mut view, bytes) {
        Ok(v) => Ok((Ok(v),)),
        Err(e) => Ok((Err(TypesHost::convert_error(&mut view, e)?),)),
    }
}

impl HostSocket for CapsockCtxView<'_> {
    fn create(
        &mut self,
        family: AddressFamily,
        kind: SocketKind,
        proto: i32,
        timeout: Option<u64>,
    ) -> SocketResult<Resource<NetSocket>> {
        let family = net_family(family)?;
        let kind = net_kind(kind)?;
        self.ctx.reserve(1)?;
        let sock = NetSocket::new(family, kind, proto, mode(timeout))?;
        self.ctx
            .monitor
            .created(1, || socket_description(family, kind, proto));
        self.push(sock)
    }

    fn accept(
        &mut self,
        this: Resource<NetSocket>,
        timeout: Option<u64>,
    ) -> SocketResult<(Resource<NetSocket>, SocketAddress)> {
        self.ctx.reserve(1)?;
        let sock = self.table.get(&this)?;
        let policy = &self.ctx.policy;
        let monitor = &self.ctx.monitor;
        let proto = proto_of(sock.kind());
        let (new, peer) = sock.accept(mode(timeout), &self.ctx.cancel, |peer| {
            let decision = policy.check(Verb::Accept, proto, *peer);
            let subject = Subject::Addr {
                verb: Verb::Accept,
                proto,
                addr: *peer,
                implicit: false,
            };
            monitor.decided(Event::Accept, subject, &decision);
            decision.is_allowed()
        })?;
        let (family, kind, proto) = (new.family(), new.kind(), new.proto());
        self.ctx
            .monitor
            .created(1, || socket_description(family, kind, proto));
        let r = self.push(new)?;
        Ok((r, from_socket_addr(peer)))
    }

    fn bind(&mut self, this: Resource<NetSocket>, address: SocketAddress) -> SocketResult<()> {
        let addr = to_socket_addr(&address)?;
        let sock = self.table.get_mut(&this)?;
        let proto = proto_of(sock.kind());
        enforce(
            self.ctx,
            Event::Bind,
            self.ctx.policy.check(Verb::Bind, proto, addr),
            (Verb::Bind, proto),
            &addr,
            false,
        )?;
        sock.bind(&addr)
    }

    fn listen(&mut self, this: Resource<NetSocket>, backlog: i32) -> SocketResult<()> {
        self.check_implicit_bind(self.table.get(&this)?)?;
        let sock = self.table.get_mut(&this)?;
        sock.listen(backlog)
    }

    fn connect(&mut self, this: Resource<NetSocket>, address: SocketAddress) -> SocketResult<()> {
        let addr = to_socket_addr(&address)?;
        self.check_destination(self.table.get(&this)?, Verb::Connect, &addr)?;
        let sock = self.table.get_mut(&this)?;
        sock.connect(&addr, &self.ctx.cancel)
    }

    fn recv(
        &mut self,
        this: Resource<NetSocket>,
        bufsize: u64,
        flags: i32,
    ) -> SocketResult<Vec<u8>> {
        let sock = self.table.get(&this)?;
        let buf = &mut self.ctx.scratch;
        if sock.filters_sources() {
            let mut admit = datagram_admission(&self.ctx.policy, &self.ctx.monitor, sock);
            sock.recv_from(buf, bufsize, flags, &self.ctx.cancel, &mut admit)?;
        } else {
            sock.recv(buf, bufsize, flags, &self.ctx.cancel)?;
        }
        self.ctx.monitor.stats.received(buf.len() as u64);
        Ok(buf.as_slice().to_vec())
    }

    fn recv_from(
        &mut self,
        this: Resource<NetSocket>,
        bufsize: u64,
        flags: i32,
    ) -> SocketResult<(Vec<u8>, Option<SocketAddress>)> {
        let sock = self.table.get(&this)?;
        let buf = &mut self.ctx.scratch;
        let mut admit = datagram_admission(&self.ctx.policy, &self.ctx.monitor, sock);
        let from = sock.recv_from(buf, bufsize, flags, &self.ctx.cancel, &mut admit)?;
        self.ctx.monitor.stats.received(buf.len() as u64);
        Ok((buf.as_slice().to_vec(), from.map(from_socket_addr)))
    }

    fn recvmsg(
        &mut self,
        this: Resource<NetSocket>,
        bufsize: u64,
        ancbufsize: u64,
        flags: i32,
    ) -> SocketResult<Message> {
        let sock = self.table.get(&this)?;
        let mut admit = datagram_admission(&self.ctx.policy, &self.ctx.monitor, sock);
        let got = sock.recvmsg(bufsize, ancbufsize, flags, &self.ctx.cancel, &mut admit)?;
        self.ctx.monitor.stats.received(got.data.len() as u64);
        Ok(Message {
            data: got.data,
            ancillary: got
                .ancillary
                .into_iter()
                .map(|a| Ancillary {
                    level: a.level,
                    kind: a.kind,
                    data: a.data,
                })
                .collect(),
            flags: got.flags,
            address: got.address.map(from_socket_addr),
        })
    }

    fn send(&mut self, this: Resource<NetSocket>, data: Vec<u8>, flags: i32) -> SocketResult<u64> {
        self.send_bytes(this, &data, flags)
    }

    fn sendall(
        &mut self,
        this: Resource<NetSocket>,
        data: Vec<u8>,
        flags: i32,
    ) -> SocketResult<()> {
        self.sendall_bytes(this, &data, flags)
    }

    fn send_to(
        &mut self,
        this: Resource<NetSocket>,
        data: Vec<u8>,
        flags: i32,
        address: SocketAddress,
    ) -> SocketResult<u64> {
        self.send_to_bytes(this, &data, flags, address)
    }

    fn sendmsg(
        &mut self,
        this: Resource<NetSocket>,
        buffers: Vec<Vec<u8>>,
        ancillary: Vec<Ancillary>,
        flags: i32,
        address: Option<SocketAddress>,
    ) -> SocketResult<u64> {
        let addr = address.as_ref().map(to_socket_addr).transpose()?;
        if let Some(addr) = &addr {
            self.check_destination(self.table.get(&this)?, Verb::Send, addr)?;
        }
        let sock = self.table.get_mut(&this)?;
        let slices: Vec<&[u8]> = buffers.iter().map(Vec::as_slice).collect();
        let anc = to_msg_ancillary(&ancillary);
        let sent = sock.sendmsg(&slices, &anc, flags, addr.as_ref(), &self.ctx.cancel)?;
        self.ctx.monitor.stats.sent(sent as u64);
        Ok(sent as u64)
    }

    fn shutdown(&mut self, this: Resource<NetSocket>, how: i32) -> SocketResult<()> {
        self.table.get(&this)?.shutdown(how)
    }

    fn dup(&mut self, this: Resource<NetSocket>) -> SocketResult<Resource<NetSocket>> {
        self.ctx.reserve(1)?;
        let new = self.table.get(&this)?.dup()?;
        let (family, kind, proto) = (new.family(), new.kind(), new.proto());
        self.ctx
            .monitor
            .created(1, || socket_description(family, kind, proto));
        self.push(new)
    }

    fn getsockname(&mut self, this: Resource<NetSocket>) -> SocketResult<SocketAddress> {
        Ok(from_socket_addr(self.table.get(&this)?.getsockname()?))
    }

    fn getpeername(&mut self, this: Resource<NetSocket>) -> SocketResult<SocketAddress> {
        Ok(from_socket_addr(self.table.get(&this)?.getpeername()?))
    }

    fn getsockopt_int(
        &mut self,
        this: Resource<NetSocket>,
        level: i32,
        name: i32,
    ) -> SocketResult<i32> {
        let sock = self.table.get(&this)?;
        sockopt::getsockopt_int(sock.fd(), sock.family(), sock.kind(), level, name)
    }

    fn getsockopt_bytes(
        &mut self,
        this: Resource<NetSocket>,
        level: i32,
        name: i32,
        buflen: u32,
    ) -> SocketResult<Vec<u8>> {
        let sock = self.table.get(&this)?;
        sockopt::getsockopt_bytes(sock.fd(), sock.family(), sock.kind(), level, name, buflen)
    }

    fn setsockopt(
        &mut self,
        this: Resource<NetSocket>,
        level: i32,
        name: i32,
        value: OptionValue,
    ) -> SocketResult<()> {
        let sock = self.table.get(&this)?;
        let value = match value {
            OptionValue::Int(v) => sockopt::OptionValue::Int(v),
            OptionValue::Bytes(b) => sockopt::OptionValue::Bytes(b),
            OptionValue::None(len) => sockopt::OptionValue::None(len),
        };
        sockopt::setsockopt(sock.fd(), sock.family(), sock.kind(), level, name, &value)
    }

    fn set_timeout(
        &mut self,
        this: Resource<NetSocket>,
        timeout: Option<u64>,
    ) -> wasmtime::Result<()> {
        self.table.get_mut(&this)?.set_mode(mode(timeout));
        Ok(())
    }

    fn get_timeout(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<Option<u64>> {
        let timeout = self.table.get(&this)?.mode().timeout();
        Ok(timeout.map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
    }

    fn family(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<AddressFamily> {
        Ok(wit_family(self.table.get(&this)?.family()))
    }

    fn kind(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<SocketKind> {
        Ok(wit_kind(self.table.get(&this)?.kind()))
    }

    fn proto(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<i32> {
        Ok(self.table.get(&this)?.proto())
    }

    fn drop(&mut self, this: Resource<NetSocket>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        self.ctx.open_sockets -= 1;
        Ok(())
    }
}

fn to_poll_flags(events: PollEvents) -> PollFlags {
    let mut f = PollFlags::empty();
    if events.contains(PollEvents::READABLE) {
        f |= PollFlags::IN;
    }
    if events.contains(PollEvents::PRIORITY) {
        f |= PollFlags::PRI;
    }
    if events.contains(PollEvents::WRITABLE) {
        f |= PollFlags::OUT;
    }
    f
}

fn from_poll_flags(f: PollFlags) -> PollEvents {
    let mut e = PollEvents::empty();
    for (flag, event) in [
        (PollFlags::IN, PollEvents::READABLE),
        (PollFlags::PRI, PollEvents::PRIORITY),
        (PollFlags::OUT, PollEvents::WRITABLE),
        (PollFlags::ERR, PollEvents::ERROR),
        (PollFlags::HUP, PollEvents::HANGUP),
    ] {
        if f.contains(flag) {
            e |= event;
        }
    }
    e
}

impl Host for CapsockCtxView<'_> {
    fn socketpair(
        &mut self,
        family: AddressFamily,
        kind: SocketKind,
        proto: i32,
        timeout: Option<u64>,
    ) -> SocketResult<(Resource<NetSocket>, Resource<NetSocket>)> {
        let family = net_family(family)?;
        let kind = net_kind(kind)?;
        self.ctx.reserve(2)?;
        let (a, b) = NetSocket::pair(family, kind, proto, mode(timeout))?;
        self.ctx
            .monitor
            .created(2, || socket_description(family, kind, proto));
        let a = self.push(a)?;
        let b = self.push(b)?;
        Ok((a, b))
    }

    /// `poll(2)` on the requested sockets and the cancel fd, retried on `EINTR` with the time
    /// that remains.
    fn poll(
        &mut self,
        requests: Vec<PollRequest>,
        timeout: Option<u64>,
    ) -> SocketResult<Vec<PollEvents>> {
        let mut fds = Vec::with_capacity(requests.len() + 1);
        for req in &requests {
            let sock = self.table.get(&req.socket)?;
            fds.push(PollFd::from_borrowed_fd(
                sock.fd(),
                to_poll_flags(req.events),
            ));
        }
        let cancel = &self.ctx.cancel;
        fds.push(PollFd::from_borrowed_fd(cancel.fd(), PollFlags::IN));
        let deadline = timeout.map(|ns| std::time::Instant::now() + Duration::from_nanos(ns));
        loop {
            let left = deadline.map(|d| {
                let left = d.saturating_duration_since(std::time::Instant::now());
                Timespec::try_from(left).unwrap_or(Timespec {
                    tv_sec: i64::MAX,
                    tv_nsec: 0,
                })
            });
            match rustix::event::poll(&mut fds, left.as_ref()) {
                Ok(_) => break,
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(cancelled) = fds.pop()
            && !cancelled.revents().is_empty()
        {
            cancel.check()?;
        }
        Ok(fds.iter().map(|fd| from_poll_flags(fd.revents())).collect())
    }
}
