//! Waiting on several sockets at once: Python's `select.select` and `select.poll`, answered by
//! one `poll(2)` on the host.

use crate::bindings::capsock::sockets::socket as raw;
use crate::error::{Error, Result};
use crate::socket::Socket;

/// `POLLIN`: data to read, a connection to accept, or end of stream.
pub const POLLIN: i16 = 0x001;
/// `POLLPRI`: urgent (out-of-band) data to read.
pub const POLLPRI: i16 = 0x002;
/// `POLLOUT`: writing will not block.
pub const POLLOUT: i16 = 0x004;
/// `POLLERR`: an error is pending (reported only).
pub const POLLERR: i16 = 0x008;
/// `POLLHUP`: the peer hung up (reported only).
pub const POLLHUP: i16 = 0x010;

fn to_events(mask: i16) -> raw::PollEvents {
    let mut e = raw::PollEvents::empty();
    for (bit, flag) in [
        (POLLIN, raw::PollEvents::READABLE),
        (POLLPRI, raw::PollEvents::PRIORITY),
        (POLLOUT, raw::PollEvents::WRITABLE),
    ] {
        if mask & bit != 0 {
            e |= flag;
        }
    }
    e
}

fn from_events(e: raw::PollEvents) -> i16 {
    [
        (raw::PollEvents::READABLE, POLLIN),
        (raw::PollEvents::PRIORITY, POLLPRI),
        (raw::PollEvents::WRITABLE, POLLOUT),
        (raw::PollEvents::ERROR, POLLERR),
        (raw::PollEvents::HANGUP, POLLHUP),
    ]
    .into_iter()
    .filter(|(flag, _)| e.contains(*flag))
    .fold(0, |acc, (_, bit)| acc | bit)
}

fn timeout_ns(timeout: Option<f64>) -> Result<Option<u64>> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_nan() || t < 0.0 => Err(Error::value("timeout must be non-negative")),
        Some(t) => Ok(Some((t * 1e9).ceil().min(u64::MAX as f64) as u64)),
    }
}

/// Python's `select.poll().poll(timeout)` in one call: waits until one of the sockets is ready
/// for the events asked (`POLLIN`, `POLLPRI`, `POLLOUT`), or `timeout` seconds pass (`None`
/// waits without limit). Returns the ready ones as `(index into entries, revents)`, as Python
/// returns `(fd, event)` pairs; an empty list means the timeout passed.
pub fn poll(entries: &[(&Socket, i16)], timeout: Option<f64>) -> Result<Vec<(usize, i16)>> {
    let requests = entries
        .iter()
        .map(|(sock, mask)| {
            Ok(raw::PollRequest {
                socket: sock.raw()?,
                events: to_events(*mask),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let ready = raw::poll(&requests, timeout_ns(timeout)?)?;
    Ok(ready
        .into_iter()
        .map(from_events)
        .enumerate()
        .filter(|(_, revents)| *revents != 0)
        .collect())
}

/// The three lists [`select`] returns: sockets ready to read, to write, and with an
/// exceptional condition (out-of-band data).
pub type Ready<'a> = (Vec<&'a Socket>, Vec<&'a Socket>, Vec<&'a Socket>);

/// Python's `select.select(rlist, wlist, xlist, timeout)`: waits until some of the sockets are
/// ready to read, to write, or have an exceptional condition, or `timeout` seconds pass (`None`
/// waits without limit; all three lists empty means the timeout passed). A socket with an
/// error or a hang-up counts as readable and writable, as `select(2)` reports it.
pub fn select<'a>(
    rlist: &[&'a Socket],
    wlist: &[&'a Socket],
    xlist: &[&'a Socket],
    timeout: Option<f64>,
) -> Result<Ready<'a>> {
    let entries: Vec<(&Socket, i16)> = rlist
        .iter()
        .map(|s| (*s, POLLIN))
        .chain(wlist.iter().map(|s| (*s, POLLOUT)))
        .chain(xlist.iter().map(|s| (*s, POLLPRI)))
        .collect();
    let mut ready = (Vec::new(), Vec::new(), Vec::new());
    for (i, revents) in poll(&entries, timeout)? {
        let trouble = revents & (POLLERR | POLLHUP) != 0;
        if i < rlist.len() {
            if revents & POLLIN != 0 || trouble {
                ready.0.push(rlist[i]);
            }
        } else if i < rlist.len() + wlist.len() {
            if revents & POLLOUT != 0 || trouble {
                ready.1.push(wlist[i - rlist.len()]);
            }
        } else if revents & POLLPRI != 0 {
            ready.2.push(xlist[i - rlist.len() - wlist.len()]);
        }
    }
    Ok(ready)
}

/// A socket's readiness as a WASI pollable ([`Socket::subscribe`]): it dereferences to
/// [`wasi::io::poll::Pollable`](crate::wasi::io::poll::Pollable), so one
/// [`wasi::io::poll::poll`](crate::wasi::io::poll::poll) waits on capsock sockets together with
/// clocks, standard input and wasi:sockets streams. It borrows the socket, which therefore
/// stays open while the pollable lives (the host requires that order).
#[derive(Debug)]
pub struct SocketPollable<'a> {
    pollable: crate::wasi::io::poll::Pollable,
    _socket: std::marker::PhantomData<&'a Socket>,
}

impl std::ops::Deref for SocketPollable<'_> {
    type Target = crate::wasi::io::poll::Pollable;

    fn deref(&self) -> &Self::Target {
        &self.pollable
    }
}

impl Socket {
    /// A pollable that is ready while `poll(2)` would report one of `events` (`POLLIN`,
    /// `POLLPRI`, `POLLOUT`; an error or a hang-up always counts) on this socket. Readiness is
    /// rechecked at every wait, as `select.poll` does. `EBADF` once the socket is closed.
    ///
    /// ```no_run
    /// use capsock::wasi::{clocks::monotonic_clock, io::poll};
    /// # fn main() -> capsock::Result<()> {
    /// let sock = capsock::create_connection(("127.0.0.1", 8080), Default::default())?;
    /// let readable = sock.subscribe(capsock::POLLIN)?;
    /// let second = monotonic_clock::subscribe_duration(1_000_000_000);
    /// let ready = poll::poll(&[&readable, &second]);
    /// println!("{}", if ready.contains(&0) { "data" } else { "a second passed" });
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self, events: i16) -> Result<SocketPollable<'_>> {
        Ok(SocketPollable {
            pollable: self.raw()?.subscribe(to_events(events)),
            _socket: std::marker::PhantomData,
        })
    }
}
