//! A socket's readiness as a `wasi:io/poll` pollable (capsock's `socket.subscribe`), so that a
//! guest waits on capsock sockets, clocks, standard input and wasi:sockets streams in one
//! `poll`.
//!
//! `poll(2)` decides, with a zero timeout, every time the pollable is asked: readiness is
//! level-triggered, as Python's `select` is, whatever the guest read through capsock since the
//! last wait. Between checks the socket waits in tokio's reactor (the runtime wasmtime-wasi
//! runs `wasi:io/poll` on), whose edge-triggered wake-ups are only a hint to check again.

use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use wasmtime_wasi::async_trait;
use wasmtime_wasi::p2::Pollable;

use super::NetSocket;

/// The socket's descriptor, shared with it (the pollable never holds a bare fd number).
struct SharedFd(Arc<OwnedFd>);

impl AsRawFd for SharedFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// One subscription: a socket and the `poll(2)` events it waits for.
pub struct Readiness {
    fd: Arc<OwnedFd>,
    events: PollFlags,
    /// The socket's registration in tokio's reactor, made at the first wait that has to sleep
    /// (only then is a reactor at hand).
    reactor: Option<AsyncFd<SharedFd>>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("fd", &self.fd.as_raw_fd())
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl Readiness {
    /// Readiness of `sock` for `events` (`POLLIN`, `POLLPRI`, `POLLOUT`; `POLLERR` and
    /// `POLLHUP` always count).
    pub fn new(sock: &NetSocket, events: PollFlags) -> Readiness {
        Readiness {
            fd: Arc::clone(&sock.fd),
            events: events & (PollFlags::IN | PollFlags::PRI | PollFlags::OUT),
            reactor: None,
        }
    }

    /// `poll(2)` with a zero timeout: whether one of the events (or an error or hang-up) is
    /// reported now. A failing `poll(2)` counts as ready, so that the guest's next call on the
    /// socket meets the error instead of waiting forever.
    fn ready_now(&self) -> bool {
        let mut fds = [PollFd::from_borrowed_fd(self.fd.as_fd(), self.events)];
        let now = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        loop {
            match rustix::event::poll(&mut fds, Some(&now)) {
                Ok(n) => return n > 0,
                Err(Errno::INTR) => continue,
                Err(_) => return true,
            }
        }
    }

    /// What tokio's reactor watches for: the events, and errors always.
    fn interest(&self) -> Interest {
        [
            (PollFlags::IN, Interest::READABLE),
            (PollFlags::PRI, Interest::PRIORITY),
            (PollFlags::OUT, Interest::WRITABLE),
        ]
        .into_iter()
        .filter(|(flag, _)| self.events.contains(*flag))
        .fold(Interest::ERROR, |all, (_, one)| all | one)
    }

    /// Resolves once `poll(2)` reports one of the events. Outside a tokio runtime, or when the
    /// reactor refuses the socket, it resolves at once: the guest's next call on the socket
    /// then says what is so, where waiting could last forever.
    pub async fn wait(&mut self) {
        loop {
            if self.ready_now() {
                return;
            }
            if self.reactor.is_none() {
                if tokio::runtime::Handle::try_current().is_err() {
                    return;
                }
                let shared = SharedFd(Arc::clone(&self.fd));
                // SAFETY: the `Arc` keeps the `OwnedFd` open, and its number on the same open
                // file description, for as long as the `AsyncFd` holds `shared`.
                match unsafe { AsyncFd::register_with_interest(shared, self.interest()) } {
                    Ok(reactor) => self.reactor = Some(reactor),
                    Err(_) => return,
                }
            }
            let interest = self.interest();
            let Some(reactor) = &self.reactor else { return };
            match reactor.ready(interest).await {
                // Consumed: the next wake-up needs a new edge, and `poll(2)` checks first.
                Ok(mut guard) => guard.clear_ready(),
                Err(_) => return,
            }
        }
    }
}

#[async_trait]
impl Pollable for Readiness {
    async fn ready(&mut self) {
        self.wait().await
    }
}
