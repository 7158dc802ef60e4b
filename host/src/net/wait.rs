//! How the host blocks for a guest, as fast as a native blocking program and as CPython's
//! `sock_call_ex` behaves.
//!
//! A socket in blocking or timeout mode has a blocking fd: the one system call of an operation
//! sleeps in the kernel, bounded by `SO_RCVTIMEO` / `SO_SNDTIMEO` in timeout mode (what a native
//! program with `set_read_timeout` does: one `recvfrom(2)` per receive, no `poll(2)` and no
//! failed first try). The deadline is taken once per operation (CPython: the timeout covers the
//! whole call, all of a `sendall`), and each further system call of the same operation gets the
//! time that remains. A socket in non-blocking mode has an `O_NONBLOCK` fd.
//!
//! [`Canceller`] stops a guest blocked in such a call: it shuts down the guest's sockets
//! (`shutdown(2)`, which wakes every sleeper on them), and the call ends in a trap. The sockets
//! are registered once, when the guest gets them, so a call pays only two atomic loads for
//! being cancellable.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use rustix::event::{EventfdFlags, PollFd, Timespec};
use rustix::io::Errno;

use super::types::Mode;
use crate::error::{SocketError, SocketResult};

/// Interrupts guests blocked in socket calls: once [`Canceller::cancel`] is called, every call
/// in progress and every later one ends in a trap carrying the reason.
///
/// One `Canceller` may serve many guests (share it in an `Arc`). It keeps the fds of the
/// sockets its guests hold (registered by the glue when a guest gets a socket, removed before
/// the socket closes), and an `eventfd(2)` for the waits that use `poll(2)`.
#[derive(Debug)]
pub struct Canceller {
    fd: OwnedFd,
    cancelled: AtomicBool,
    state: Mutex<CancelState>,
}

#[derive(Debug, Default)]
struct CancelState {
    reason: Option<String>,
    /// The fds of the sockets the guests hold; each stays open while it is here.
    sockets: HashSet<RawFd>,
    /// The tasks waiting in a [`Cancelled`] future, by its id.
    wakers: HashMap<u64, Waker>,
    next_waker: u64,
}

/// A socket's entry in its [`Canceller`]: removed when this is dropped, which must happen
/// before the fd is closed (a [`super::NetSocket`] declares it before its fd).
#[derive(Debug)]
pub(crate) struct Registration {
    cancel: Arc<Canceller>,
    fd: RawFd,
}

impl Registration {
    /// Registers `fd` with `cancel`, so that a cancellation shuts it down.
    pub(crate) fn new(cancel: &Arc<Canceller>, fd: BorrowedFd<'_>) -> Self {
        let fd = fd.as_raw_fd();
        cancel.state().sockets.insert(fd);
        Registration {
            cancel: Arc::clone(cancel),
            fd,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.cancel.state().sockets.remove(&self.fd);
    }
}

impl Canceller {
    /// Creates an armed canceller (`eventfd(2)`).
    pub fn new() -> io::Result<Self> {
        let fd = rustix::event::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Canceller {
            fd,
            cancelled: AtomicBool::new(false),
            state: Mutex::new(CancelState::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, CancelState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cancels every call, now and later, with this reason (the first reason given stays):
    /// `shutdown(2)` of every registered socket, which wakes a call blocked on it (the guest
    /// loses its sockets, as it loses everything once cancelled), and `write(2)` on the
    /// eventfd for the waits in `poll(2)`. Safe to call from any thread. A call about to
    /// enter the kernel when the shutdown ran may still block (a `connect(2)` on a socket that
    /// was not yet connecting); calling `cancel` again shuts the sockets down again, and a
    /// watchdog should repeat it until the guest has stopped, as `host run`'s does.
    pub fn cancel(&self, reason: impl Into<String>) {
        let mut state = self.state();
        if state.reason.is_none() {
            state.reason = Some(reason.into());
        }
        self.cancelled.store(true, Ordering::SeqCst);
        for &fd in &state.sockets {
            // SAFETY: a socket's registration is dropped, under this lock, before its fd is
            // closed, so every fd in the set is still that open socket.
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            // A socket that is not connected may refuse (`ENOTCONN`) yet still wakes its sleepers.
            let _ = rustix::net::shutdown(fd, rustix::net::Shutdown::Both);
        }
        for (_, waker) in state.wakers.drain() {
            waker.wake();
        }
        drop(state);
        // An eventfd counter only fails to take 1 when it is at its maximum: already signalled.
        let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
    }

    /// The reason given to [`Canceller::cancel`], if it was called.
    pub fn reason(&self) -> Option<String> {
        self.state().reason.clone()
    }

    /// The error a cancelled call ends in: the net core's own, which each door turns into a
    /// trap ([`SocketError::Cancelled`]).
    fn cancelled_error(&self) -> SocketError {
        SocketError::Cancelled(
            self.reason()
                .unwrap_or_else(|| "cancelled by the host".to_owned()),
        )
    }

    /// The trap a cancelled call ends in, for a door that waits outside the net core.
    pub(crate) fn trap_error(&self) -> wasmtime::Error {
        match self.cancelled_error() {
            SocketError::Cancelled(reason) => SocketError::cancellation_trap(&reason),
            other => wasmtime::Error::msg(other.to_string()),
        }
    }

    /// A future that completes once [`Canceller::cancel`] has been called: lets a wait that
    /// runs as a future (wasi:io's `poll`) end on cancellation too.
    pub fn cancelled(&self) -> Cancelled<'_> {
        Cancelled {
            cancel: self,
            id: None,
        }
    }

    /// Fails with the cancellation trap if [`Canceller::cancel`] has been called.
    pub fn check(&self) -> SocketResult<()> {
        match self.cancelled.load(Ordering::SeqCst) {
            true => Err(self.cancelled_error()),
            false => Ok(()),
        }
    }

    /// Runs `call`, a system call that may block on a registered socket, where
    /// [`Canceller::cancel`] can end it. Whatever the call returned, a cancellation that came
    /// meanwhile wins (a cancelled receive returns end-of-stream; the guest must not take that
    /// for the peer's).
    pub(crate) fn blocking<T>(&self, call: impl FnOnce() -> T) -> SocketResult<T> {
        self.check()?;
        let out = call();
        self.check()?;
        Ok(out)
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The future [`Canceller::cancelled`] returns.
#[derive(Debug)]
pub struct Cancelled<'a> {
    cancel: &'a Canceller,
    /// Its entry among the canceller's wakers, once it has waited.
    id: Option<u64>,
}

impl Future for Cancelled<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.cancel.state();
        // Read under the lock `cancel` takes to drain the wakers: no wake-up is lost.
        if self.cancel.cancelled.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                let id = state.next_waker;
                state.next_waker += 1;
                id
            }
        };
        state.wakers.insert(id, cx.waker().clone());
        drop(state);
        self.id = Some(id);
        Poll::Pending
    }
}

impl Drop for Cancelled<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.cancel.state().wakers.remove(&id);
        }
    }
}

pub use rustix::event::PollFlags;

/// The direction of an operation: which kernel timeout bounds it and what `poll(2)` waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Receive-like (`recv*`, `accept`): `SO_RCVTIMEO`, readable.
    Recv,
    /// Send-like (`send*`, `connect`): `SO_SNDTIMEO`, writable.
    Send,
    /// A read of the error queue (`MSG_ERRQUEUE`): the kernel never blocks on it; `poll(2)`
    /// reports it as `POLLERR`.
    ErrQueue,
}

impl Dir {
    /// A receive of the normal queue, or of the error queue.
    pub(crate) fn recv(errqueue: bool) -> Dir {
        if errqueue { Dir::ErrQueue } else { Dir::Recv }
    }

    fn events(self) -> PollFlags {
        match self {
            Dir::Recv => PollFlags::IN,
            Dir::Send => PollFlags::OUT,
            // POLLERR is reported whatever is asked for.
            Dir::ErrQueue => PollFlags::empty(),
        }
    }
}

const UNKNOWN: u64 = u64::MAX;
const UNKNOWN_FLAG: u8 = u8::MAX;
/// The largest kernel timeout the host sets, in microseconds (about 31 years): Linux takes
/// anything this long as no timeout at all.
const MAX_TIMEO_US: u64 = 1_000_000_000_000_000;

/// What the host last set on a socket's open file description: `O_NONBLOCK` and the two kernel
/// timeouts. Dups share it, as they share the description. It lets an operation skip the
/// `ioctl(2)` / `setsockopt(2)` when nothing changed, which is the usual case.
///
/// A description shared with another process (passed in or out with `SCM_RIGHTS`) can change
/// behind the host's back, so once [`FdState::share`]d nothing is skipped any more.
#[derive(Debug)]
pub(crate) struct FdState {
    nonblock: AtomicU8,
    /// Microseconds, 0 for none, [`UNKNOWN`] when the host does not know.
    rcvtimeo: AtomicU64,
    sndtimeo: AtomicU64,
    /// Whether another process may hold the description too.
    shared: AtomicBool,
}

impl FdState {
    /// A description just made by `socket(2)`: `O_NONBLOCK` as given, no kernel timeouts.
    pub(crate) fn new(nonblock: bool) -> Self {
        FdState {
            nonblock: AtomicU8::new(nonblock.into()),
            rcvtimeo: AtomicU64::new(0),
            sndtimeo: AtomicU64::new(0),
            shared: AtomicBool::new(false),
        }
    }

    /// A description another process passed in: nothing known, and shared for good.
    pub(crate) fn received() -> Self {
        FdState {
            nonblock: AtomicU8::new(UNKNOWN_FLAG),
            rcvtimeo: AtomicU64::new(UNKNOWN),
            sndtimeo: AtomicU64::new(UNKNOWN),
            shared: AtomicBool::new(true),
        }
    }

    /// Marks the description as held by another process too (it was passed out).
    pub(crate) fn share(&self) {
        self.shared.store(true, Ordering::Relaxed);
    }

    /// A kernel timeout of this (listening) description as an accepted one inherits it:
    /// unknown when another process may have changed it.
    fn copied(&self, slot: &AtomicU64) -> u64 {
        match self.trusted() {
            true => slot.load(Ordering::Relaxed),
            false => UNKNOWN,
        }
    }

    fn trusted(&self) -> bool {
        !self.shared.load(Ordering::Relaxed)
    }

    /// A description `accept4(2)` just made on `listener`: `O_NONBLOCK` as given, and the
    /// listener's kernel timeouts, which Linux copies into every connection it accepts.
    pub(crate) fn accepted(listener: &FdState, nonblock: bool) -> Self {
        FdState {
            nonblock: AtomicU8::new(nonblock.into()),
            rcvtimeo: AtomicU64::new(listener.copied(&listener.rcvtimeo)),
            sndtimeo: AtomicU64::new(listener.copied(&listener.sndtimeo)),
            shared: AtomicBool::new(false),
        }
    }

    /// Makes the fd non-blocking or blocking (`ioctl(2)` `FIONBIO`) unless it already is.
    fn set_nonblock(&self, fd: BorrowedFd<'_>, on: bool) -> SocketResult<()> {
        if self.nonblock.load(Ordering::Relaxed) != u8::from(on) || !self.trusted() {
            self.nonblock.store(UNKNOWN_FLAG, Ordering::Relaxed);
            rustix::io::ioctl_fionbio(fd, on)?;
            self.nonblock.store(on.into(), Ordering::Relaxed);
        }
        Ok(())
    }

    /// Sets the kernel timeout of `dir` (`setsockopt(2)` `SO_RCVTIMEO` / `SO_SNDTIMEO`) to
    /// `micros` (0: none) unless it already is.
    fn set_timeout(&self, fd: BorrowedFd<'_>, dir: Dir, micros: u64) -> SocketResult<()> {
        let (slot, id) = match dir {
            Dir::Recv | Dir::ErrQueue => (&self.rcvtimeo, rustix::net::sockopt::Timeout::Recv),
            Dir::Send => (&self.sndtimeo, rustix::net::sockopt::Timeout::Send),
        };
        if slot.load(Ordering::Relaxed) != micros || !self.trusted() {
            slot.store(UNKNOWN, Ordering::Relaxed);
            let value = (micros != 0).then(|| Duration::from_micros(micros));
            rustix::net::sockopt::set_socket_timeout(fd, id, value)?;
            slot.store(micros, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Microseconds for a kernel timeout: rounded up (a timeout never ends early), at least 1 (0
/// would mean none), at most [`MAX_TIMEO_US`].
fn timeo_micros(d: Duration) -> u64 {
    // u64 arithmetic: this runs on every call in timeout mode, and `as_nanos()` would divide
    // in 128 bits.
    let us = d
        .as_secs()
        .saturating_mul(1_000_000)
        .saturating_add(u64::from(d.subsec_nanos().div_ceil(1_000)));
    us.clamp(1, MAX_TIMEO_US)
}

/// The deadline of one operation: taken when the operation starts, as CPython's
/// `sock_call_ex` does, so the timeout covers the whole call (all of a `sendall`, say). Only
/// timeout mode reads the clock.
#[derive(Debug)]
pub(crate) struct Deadline {
    mode: Mode,
    /// Timeout mode: when the operation started.
    start: Option<Instant>,
    /// Whether no system call of the operation has been readied yet.
    first: bool,
}

impl Deadline {
    /// The deadline for an operation on a socket in `mode` that starts now.
    pub(crate) fn new(mode: Mode) -> Self {
        let start = matches!(mode, Mode::Timeout(_)).then(Instant::now);
        Deadline {
            mode,
            start,
            first: true,
        }
    }

    /// Whether an operation that would block should wait at all.
    pub(crate) fn waits(&self) -> bool {
        self.mode != Mode::NonBlocking
    }

    /// The time left in timeout mode (`None` when the deadline is too far to represent), or
    /// the timeout error when none is left. `None` in the other modes.
    fn left(&self) -> SocketResult<Option<Duration>> {
        let (Mode::Timeout(d), Some(start)) = (self.mode, self.start) else {
            return Ok(None);
        };
        let Some(at) = start.checked_add(d) else {
            return Ok(None);
        };
        let left = at.saturating_duration_since(Instant::now());
        match left.is_zero() {
            true => Err(SocketError::Timeout),
            false => Ok(Some(left)),
        }
    }

    /// Readies `fd` for the next system call of the operation: `O_NONBLOCK` as the mode says
    /// and, in timeout mode, the kernel timeout of `dir` set to the time left (the whole
    /// timeout for the first call, with no clock read). Fails with the timeout when none is left.
    pub(crate) fn prepare(
        &mut self,
        fd: BorrowedFd<'_>,
        state: &FdState,
        dir: Dir,
    ) -> SocketResult<()> {
        let first = std::mem::replace(&mut self.first, false);
        match self.mode {
            Mode::NonBlocking => state.set_nonblock(fd, true),
            Mode::Blocking => {
                state.set_nonblock(fd, false)?;
                state.set_timeout(fd, dir, 0)
            }
            Mode::Timeout(d) => {
                state.set_nonblock(fd, false)?;
                let left = if first { Some(d) } else { self.left()? };
                state.set_timeout(fd, dir, left.map_or(0, timeo_micros))
            }
        }
    }

    /// Waits until `fd` reports readiness for `dir`, the deadline passes (`Timeout`), or the
    /// host cancels (a trap): `poll(2)` on the socket and the cancel eventfd. Used where one
    /// blocking system call cannot do the waiting (a connect that goes on after its call).
    pub(crate) fn wait(
        &mut self,
        fd: BorrowedFd<'_>,
        dir: Dir,
        cancel: &Canceller,
    ) -> SocketResult<PollFlags> {
        self.wait_events(fd, dir.events(), cancel)
    }

    /// [`Deadline::wait`] for any `events` (`POLLERR` and `POLLHUP` are always reported).
    pub(crate) fn wait_events(
        &mut self,
        fd: BorrowedFd<'_>,
        events: PollFlags,
        cancel: &Canceller,
    ) -> SocketResult<PollFlags> {
        loop {
            let timeout = match self.mode {
                Mode::NonBlocking => return Err(Errno::AGAIN.into()),
                Mode::Blocking => None,
                Mode::Timeout(_) => self.left()?.map(timespec),
            };
            let mut fds = [
                PollFd::from_borrowed_fd(fd, events),
                PollFd::from_borrowed_fd(cancel.fd(), PollFlags::IN),
            ];
            match rustix::event::poll(&mut fds, timeout.as_ref()) {
                Ok(0) => continue, // the deadline check above reports the timeout
                Ok(_) => {
                    if !fds[1].revents().is_empty() {
                        return Err(cancel.cancelled_error());
                    }
                    return Ok(fds[0].revents());
                }
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sleeps for `pause`, or less when the deadline comes first (then `Timeout`); a
    /// cancellation ends it in a trap.
    pub(crate) fn pause(&mut self, pause: Duration, cancel: &Canceller) -> SocketResult<()> {
        let pause = match self.left()? {
            Some(left) => pause.min(left),
            None => pause,
        };
        let until = Instant::now() + pause;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            let mut fds = [PollFd::from_borrowed_fd(cancel.fd(), PollFlags::IN)];
            match rustix::event::poll(&mut fds, Some(&timespec(left))) {
                Ok(0) | Err(Errno::INTR) => continue,
                Ok(_) => return Err(cancel.cancelled_error()),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A duration as `poll(2)`'s timeout (a deadline too far to represent waits the longest it can).
pub(crate) fn timespec(d: Duration) -> Timespec {
    Timespec::try_from(d).unwrap_or(Timespec {
        tv_sec: i64::MAX,
        tv_nsec: 0,
    })
}

/// `poll(2)` on many sockets at once (capsock's `poll`, behind Python's `select` and `poll`)
/// and the cancel eventfd, for at most `timeout` (`None`: until one is ready), retried on
/// `EINTR` with the time that remains. Returns each socket's reported events, in order; a
/// cancellation ends it in a trap.
pub(crate) fn poll_many(
    sockets: &[(BorrowedFd<'_>, PollFlags)],
    timeout: Option<Duration>,
    cancel: &Canceller,
) -> SocketResult<Vec<PollFlags>> {
    let mut fds: Vec<PollFd<'_>> = sockets
        .iter()
        .map(|&(fd, events)| PollFd::from_borrowed_fd(fd, events))
        .collect();
    fds.push(PollFd::from_borrowed_fd(cancel.fd(), PollFlags::IN));
    let deadline = timeout.map(|d| Instant::now().checked_add(d));
    loop {
        let left = match deadline {
            None | Some(None) => None,
            Some(Some(at)) => Some(timespec(at.saturating_duration_since(Instant::now()))),
        };
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
    Ok(fds.iter().map(PollFd::revents).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_timeouts_round_up_and_stay_finite() {
        assert_eq!(timeo_micros(Duration::from_nanos(1)), 1);
        assert_eq!(timeo_micros(Duration::from_nanos(1_001)), 2);
        assert_eq!(timeo_micros(Duration::from_millis(250)), 250_000);
        assert_eq!(timeo_micros(Duration::MAX), MAX_TIMEO_US);
        assert_eq!(timeo_micros(Duration::new(2, 999_999_001)), 3_000_000);
        assert_eq!(
            timeo_micros(Duration::new(u64::MAX / 1_000_000 + 1, 0)),
            MAX_TIMEO_US
        );
        assert_eq!(timeo_micros(Duration::ZERO), 1);
    }

    #[test]
    fn fd_state_skips_unchanged_settings_and_applies_changed_ones() {
        let sock = rustix::net::socket(
            rustix::net::AddressFamily::INET,
            rustix::net::SocketType::DGRAM,
            None,
        )
        .unwrap();
        let state = FdState::new(false);
        state
            .set_timeout(sock.as_fd(), Dir::Recv, 1_500_000)
            .unwrap();
        assert_eq!(
            rustix::net::sockopt::socket_timeout(&sock, rustix::net::sockopt::Timeout::Recv)
                .unwrap(),
            Some(Duration::from_micros(1_500_000))
        );
        state.set_nonblock(sock.as_fd(), true).unwrap();
        let fl = rustix::fs::fcntl_getfl(&sock).unwrap();
        assert!(fl.contains(rustix::fs::OFlags::NONBLOCK));
        state.set_timeout(sock.as_fd(), Dir::Recv, 0).unwrap();
        assert_eq!(
            rustix::net::sockopt::socket_timeout(&sock, rustix::net::sockopt::Timeout::Recv)
                .unwrap(),
            None
        );
    }

    #[test]
    fn accepted_connections_copy_the_listeners_kernel_timeouts() {
        use rustix::net::sockopt::{Timeout, socket_timeout};
        let listener = rustix::net::socket(
            rustix::net::AddressFamily::INET,
            rustix::net::SocketType::STREAM,
            None,
        )
        .unwrap();
        rustix::net::bind(&listener, &std::net::SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        rustix::net::listen(&listener, 1).unwrap();
        let state = FdState::new(false);
        state
            .set_timeout(listener.as_fd(), Dir::Recv, 3_000_000)
            .unwrap();
        state
            .set_timeout(listener.as_fd(), Dir::Send, 5_000_000)
            .unwrap();
        let addr = rustix::net::getsockname(&listener).unwrap();
        let addr = std::net::SocketAddr::try_from(addr).unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let conn = rustix::net::accept(&listener).unwrap();
        let copied = FdState::accepted(&state, false);
        let as_micros = |t: Option<Duration>| t.map_or(0, |d| d.as_micros() as u64);
        assert_eq!(
            as_micros(socket_timeout(&conn, Timeout::Recv).unwrap()),
            copied.rcvtimeo.load(Ordering::Relaxed)
        );
        assert_eq!(
            as_micros(socket_timeout(&conn, Timeout::Send).unwrap()),
            copied.sndtimeo.load(Ordering::Relaxed)
        );
    }

    #[test]
    fn the_cancelled_future_completes_on_cancel_and_leaves_no_waker() {
        use std::task::Wake;
        struct Flag(AtomicBool);
        impl Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let cancel = Canceller::new().unwrap();
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(Arc::clone(&flag));
        let mut cx = Context::from_waker(&waker);
        {
            let mut early = std::pin::pin!(cancel.cancelled());
            assert!(early.as_mut().poll(&mut cx).is_pending());
        }
        assert!(
            cancel.state().wakers.is_empty(),
            "a dropped wait leaves no waker"
        );
        let mut fut = std::pin::pin!(cancel.cancelled());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(
            fut.as_mut().poll(&mut cx).is_pending(),
            "polled again: one entry"
        );
        assert_eq!(cancel.state().wakers.len(), 1);
        cancel.cancel("stop");
        assert!(
            flag.0.load(Ordering::SeqCst),
            "cancel wakes the waiting task"
        );
        assert!(fut.as_mut().poll(&mut cx).is_ready());
    }

    #[test]
    fn cancel_wakes_a_receive_blocked_in_the_kernel() {
        let sock = rustix::net::socket(
            rustix::net::AddressFamily::INET,
            rustix::net::SocketType::DGRAM,
            None,
        )
        .unwrap();
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        rustix::net::bind(&sock, &loopback).unwrap();
        let cancel = Arc::new(Canceller::new().unwrap());
        let registration = Registration::new(&cancel, sock.as_fd());
        let canceller = Arc::clone(&cancel);
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            canceller.cancel("test over");
        });
        let mut buf = [0u8; 16];
        let got = cancel
            .blocking(|| rustix::net::recv(&sock, &mut buf[..], rustix::net::RecvFlags::empty()));
        stopper.join().unwrap();
        let Err(SocketError::Cancelled(reason)) = got else {
            panic!("a cancelled receive must end cancelled, got {got:?}");
        };
        assert_eq!(reason, "test over");
        // Later calls end at once, before any system call.
        let again = cancel.blocking(|| unreachable!("no call after a cancel"));
        assert!(matches!(again, Err(SocketError::Cancelled(_))));
        drop(registration);
        assert!(
            cancel.state().sockets.is_empty(),
            "a closed socket leaves the set"
        );
    }
}
