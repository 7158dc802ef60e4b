//! Waiting for a socket to become ready, as CPython's `sock_call_ex` does: a deadline taken once
//! per operation, `poll(2)` with the time that remains, `EINTR` retried (PEP 475). Every wait
//! also watches the host's cancel fd, so a runner can stop a guest blocked in a host call.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Mutex;
use std::time::Instant;

use rustix::event::{EventfdFlags, PollFd, PollFlags, Timespec};
use rustix::io::Errno;

use super::types::Mode;
use crate::error::{SocketError, SocketResult};

/// Interrupts guests blocked in socket calls: once [`Canceller::cancel`] is called, every wait in
/// progress and every later one ends in a trap carrying the reason.
///
/// One `Canceller` may serve many guests (share it in an `Arc`). It is an `eventfd(2)`.
#[derive(Debug)]
pub struct Canceller {
    fd: OwnedFd,
    reason: Mutex<Option<String>>,
}

impl Canceller {
    /// Creates an armed canceller (`eventfd(2)`).
    pub fn new() -> io::Result<Self> {
        let fd = rustix::event::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Canceller {
            fd,
            reason: Mutex::new(None),
        })
    }

    /// Cancels every wait, now and later, with this reason (`write(2)` on the eventfd).
    /// Safe to call from any thread, including a signal-handling thread.
    pub fn cancel(&self, reason: impl Into<String>) {
        let mut slot = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(reason.into());
        }
        drop(slot);
        // An eventfd counter only fails to take 1 when it is at its maximum: already signalled.
        let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
    }

    /// The reason given to [`Canceller::cancel`], if it was called.
    pub fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn trap(&self) -> SocketError {
        let reason = self
            .reason()
            .unwrap_or_else(|| "cancelled by the host".to_owned());
        SocketError::Trap(wasmtime::Error::msg(format!(
            "guest interrupted in a socket call: {reason}"
        )))
    }

    /// Fails with the cancellation trap if [`Canceller::cancel`] has been called.
    pub fn check(&self) -> SocketResult<()> {
        match self.reason() {
            Some(_) => Err(self.trap()),
            None => Ok(()),
        }
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The deadline of one operation: taken when the operation starts, as CPython's
/// `sock_call_ex` does, so the timeout covers the whole call (all of a `sendall`, say). Only
/// timeout mode reads the clock.
#[derive(Debug)]
pub(crate) struct Deadline {
    mode: Mode,
    at: Option<Instant>,
}

impl Deadline {
    /// The deadline for an operation on a socket in `mode` that starts now.
    pub(crate) fn new(mode: Mode) -> Self {
        let at = match mode {
            Mode::Timeout(d) => Instant::now().checked_add(d),
            Mode::Blocking | Mode::NonBlocking => None,
        };
        Deadline { mode, at }
    }

    /// Whether an operation that would block should wait at all.
    pub(crate) fn waits(&self) -> bool {
        self.mode != Mode::NonBlocking
    }

    /// Waits until `fd` reports one of `events`, the deadline passes (`Timeout`), or the host
    /// cancels (a trap): `poll(2)` on the socket and the cancel eventfd.
    pub(crate) fn wait(
        &mut self,
        fd: BorrowedFd<'_>,
        events: PollFlags,
        cancel: &Canceller,
    ) -> SocketResult<PollFlags> {
        loop {
            let timeout = match (self.mode, self.at) {
                (Mode::NonBlocking, _) => return Err(Errno::AGAIN.into()),
                // A deadline too far to represent is no deadline.
                (Mode::Blocking, _) | (Mode::Timeout(_), None) => None,
                (Mode::Timeout(_), Some(at)) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(SocketError::Timeout);
                    }
                    Some(Timespec::try_from(left).unwrap_or(Timespec {
                        tv_sec: i64::MAX,
                        tv_nsec: 0,
                    }))
                }
            };
            let mut fds = [
                PollFd::from_borrowed_fd(fd, events),
                PollFd::from_borrowed_fd(cancel.fd(), PollFlags::IN),
            ];
            match rustix::event::poll(&mut fds, timeout.as_ref()) {
                Ok(0) => continue, // the deadline check above reports the timeout
                Ok(_) => {
                    if !fds[1].revents().is_empty() {
                        return Err(cancel.trap());
                    }
                    return Ok(fds[0].revents());
                }
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}
