//! Waiting on many sockets at a cost that grows with the ready ones, not the registered ones:
//! Python's `select.epoll` ([`Epoll`]) and `selectors.DefaultSelector` ([`DefaultSelector`]),
//! over one host epoll instance (capsock's `poller`).
//!
//! A socket is known by its `fileno()`, as in Python: that is the key the host reports it by.

use std::collections::BTreeMap;

use crate::bindings::capsock::sockets::socket as raw;
use crate::errno::EBADF;
use crate::error::{Error, Result};
use crate::socket::Socket;

/// `EPOLLIN`: data to read, a connection to accept, or end of stream.
pub const EPOLLIN: u32 = 0x001;
/// `EPOLLPRI`: urgent (out-of-band) data.
pub const EPOLLPRI: u32 = 0x002;
/// `EPOLLOUT`: writing will not block.
pub const EPOLLOUT: u32 = 0x004;
/// `EPOLLERR`: an error is pending (always reported).
pub const EPOLLERR: u32 = 0x008;
/// `EPOLLHUP`: the peer hung up (always reported).
pub const EPOLLHUP: u32 = 0x010;
/// `EPOLLRDNORM`: as `EPOLLIN`.
pub const EPOLLRDNORM: u32 = 0x040;
/// `EPOLLRDBAND`: priority data to read.
pub const EPOLLRDBAND: u32 = 0x080;
/// `EPOLLWRNORM`: as `EPOLLOUT`.
pub const EPOLLWRNORM: u32 = 0x100;
/// `EPOLLWRBAND`: priority data may be written.
pub const EPOLLWRBAND: u32 = 0x200;
/// `EPOLLMSG`: unused by Linux.
pub const EPOLLMSG: u32 = 0x400;
/// `EPOLLRDHUP`: the peer shut down its writing half.
pub const EPOLLRDHUP: u32 = 0x2000;
/// `EPOLLEXCLUSIVE`: wake one waiter only (with `register` only).
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
/// `EPOLLONESHOT`: report once, then wait for a `modify` to re-arm.
pub const EPOLLONESHOT: u32 = 1 << 30;
/// `EPOLLET`: edge-triggered: report changes, not states.
pub const EPOLLET: u32 = 1 << 31;

/// `selectors.EVENT_READ`.
pub const EVENT_READ: u32 = 1;
/// `selectors.EVENT_WRITE`.
pub const EVENT_WRITE: u32 = 2;

/// The most ready sockets the host returns from one wait.
const HOST_MAX_EVENTS: u32 = 4096;

/// Python's `FD_SETSIZE - 1`: what `epoll.poll(maxevents=-1)` asks for.
const DEFAULT_MAXEVENTS: u32 = 1023;

/// Python's `select.epoll()`: an epoll instance of the host's.
#[derive(Debug)]
pub struct Epoll {
    raw: Option<raw::Poller>,
}

/// A timeout in seconds as the host takes it: `None` or negative waits without limit (as
/// Python's `epoll.poll`), else rounded up to the nanosecond.
fn wait_ns(timeout: Option<f64>) -> Result<Option<u64>> {
    match timeout {
        Some(t) if t.is_nan() => Err(Error::value("timeout must be a number")),
        Some(t) if t >= 0.0 => Ok(Some((t * 1e9).ceil().min(u64::MAX as f64) as u64)),
        _ => Ok(None),
    }
}

impl Epoll {
    /// `select.epoll()`.
    pub fn new() -> Result<Epoll> {
        Ok(Epoll {
            raw: Some(raw::Poller::create()?),
        })
    }

    fn raw(&self) -> Result<&raw::Poller> {
        self.raw
            .as_ref()
            .ok_or_else(|| Error::value("I/O operation on closed epoll object"))
    }

    /// `register(sock, eventmask)`: `EPOLLIN`, `EPOLLOUT`, … (Python's default is
    /// `EPOLLIN | EPOLLPRI | EPOLLOUT`). A socket registered already is `FileExistsError`.
    pub fn register(&self, sock: &Socket, eventmask: u32) -> Result<()> {
        let key = key_of(sock)?;
        Ok(self.raw()?.register(sock.raw()?, eventmask, key)?)
    }

    /// `modify(sock, eventmask)`; a socket not registered is `FileNotFoundError`.
    pub fn modify(&self, sock: &Socket, eventmask: u32) -> Result<()> {
        let key = key_of(sock)?;
        Ok(self.raw()?.modify(sock.raw()?, eventmask, key)?)
    }

    /// `unregister(sock)`; a socket not registered is `FileNotFoundError`.
    pub fn unregister(&self, sock: &Socket) -> Result<()> {
        Ok(self.raw()?.unregister(sock.raw()?)?)
    }

    /// `poll(timeout, maxevents)`: waits until a registered socket is ready or `timeout`
    /// seconds pass (`None` or negative: without limit), and returns `(fileno, events)` for at
    /// most `maxevents` of them (`-1`: 1023, as Python), each once. An empty list means the
    /// timeout passed.
    pub fn poll(&self, timeout: Option<f64>, maxevents: i32) -> Result<Vec<(i32, u32)>> {
        let max = match maxevents {
            -1 => DEFAULT_MAXEVENTS,
            n if n > 0 => n as u32,
            n => {
                return Err(Error::value(format!(
                    "maxevents must be greater than 0, got {n}"
                )));
            }
        };
        let raw = self.raw()?;
        let mut ready = raw.wait(wait_ns(timeout)?, max.min(HOST_MAX_EVENTS))?;
        // The host returns at most 4096 per wait: the rest of a larger batch is taken at once,
        // until a socket comes round again (Linux re-queues a level-triggered one behind the
        // others), so that each is reported once, as one epoll_wait(2) would.
        let mut last = ready.len();
        while last == HOST_MAX_EVENTS as usize && (ready.len() as u32) < max {
            let more = raw.wait(Some(0), (max - ready.len() as u32).min(HOST_MAX_EVENTS))?;
            last = more.len();
            let seen: std::collections::HashSet<u64> = ready.iter().map(|r| r.key).collect();
            let fresh = more.iter().take_while(|r| !seen.contains(&r.key)).count();
            let repeated = fresh < more.len();
            ready.extend(more.into_iter().take(fresh));
            if repeated {
                break;
            }
        }
        Ok(ready
            .into_iter()
            .map(|r| (r.key as i32, r.events))
            .collect())
    }

    /// `close()`: closes the epoll instance; later calls are `ValueError`.
    pub fn close(&mut self) {
        self.raw = None;
    }

    /// `closed`.
    pub fn closed(&self) -> bool {
        self.raw.is_none()
    }
}

/// The key a socket is registered by: its `fileno()`; a closed socket is `EBADF`.
fn key_of(sock: &Socket) -> Result<u64> {
    match sock.fileno() {
        -1 => Err(Error::os(EBADF, "the socket is closed")),
        n => Ok(n as u64),
    }
}

/// Python's `selectors.SelectorKey`: a registered socket's `fileno`, the events it waits for
/// (`EVENT_READ`, `EVENT_WRITE`), and the data given with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorKey<T> {
    /// The socket's `fileno()`.
    pub fileno: i32,
    /// `EVENT_READ`, `EVENT_WRITE` or both.
    pub events: u32,
    /// What was given to `register` or `modify`.
    pub data: T,
}

/// Python's `selectors.DefaultSelector` (an `EpollSelector` on Linux): sockets registered
/// with the events they wait for and data of the caller's; `select` returns the ready ones
/// with their keys.
#[derive(Debug)]
pub struct DefaultSelector<T> {
    epoll: Epoll,
    keys: BTreeMap<i32, SelectorKey<T>>,
}

fn epoll_mask(events: u32) -> Result<u32> {
    if events == 0 || events & !(EVENT_READ | EVENT_WRITE) != 0 {
        return Err(Error::value(format!("Invalid events: {events}")));
    }
    let mut mask = 0;
    if events & EVENT_READ != 0 {
        mask |= EPOLLIN;
    }
    if events & EVENT_WRITE != 0 {
        mask |= EPOLLOUT;
    }
    Ok(mask)
}

impl<T> DefaultSelector<T> {
    /// `selectors.DefaultSelector()`.
    pub fn new() -> Result<Self> {
        Ok(DefaultSelector {
            epoll: Epoll::new()?,
            keys: BTreeMap::new(),
        })
    }

    /// `register(sock, events, data)`: `ValueError` for events other than `EVENT_READ` and
    /// `EVENT_WRITE`, `KeyError` for a socket registered already.
    pub fn register(&mut self, sock: &Socket, events: u32, data: T) -> Result<&SelectorKey<T>> {
        let mask = epoll_mask(events)?;
        let fileno = key_of(sock)? as i32;
        if self.keys.contains_key(&fileno) {
            return Err(Error::key(format!("fd {fileno} is already registered")));
        }
        self.epoll.register(sock, mask)?;
        let key = SelectorKey {
            fileno,
            events,
            data,
        };
        Ok(self.keys.entry(fileno).or_insert(key))
    }

    /// `unregister(sock)`: the key it had; `KeyError` for a socket not registered.
    pub fn unregister(&mut self, sock: &Socket) -> Result<SelectorKey<T>> {
        let fileno = sock.fileno();
        let key = self
            .keys
            .remove(&fileno)
            .ok_or_else(|| Error::key(format!("fd {fileno} is not registered")))?;
        // A socket closed since is gone from the kernel's registrations already (Python
        // ignores that too).
        let _ = self.epoll.unregister(sock);
        Ok(key)
    }

    /// `modify(sock, events, data)`: new events and data for a registered socket.
    pub fn modify(&mut self, sock: &Socket, events: u32, data: T) -> Result<&SelectorKey<T>> {
        let mask = epoll_mask(events)?;
        let fileno = sock.fileno();
        let Some(key) = self.keys.get_mut(&fileno) else {
            return Err(Error::key(format!("fd {fileno} is not registered")));
        };
        if key.events != events {
            self.epoll.modify(sock, mask)?;
            key.events = events;
        }
        key.data = data;
        Ok(key)
    }

    /// `select(timeout)`: waits until a registered socket is ready (`None`: without limit;
    /// zero or less: not at all) and returns each ready key with the events ready of those
    /// it waits for.
    pub fn select(&self, timeout: Option<f64>) -> Result<Vec<(&SelectorKey<T>, u32)>> {
        let timeout = timeout.map(|t| t.max(0.0));
        let max = self.keys.len().clamp(1, i32::MAX as usize) as i32;
        let mut out = Vec::new();
        for (fileno, ev) in self.epoll.poll(timeout, max)? {
            // As CPython: an error or hang-up makes a socket both readable and writable.
            let mut events = 0;
            if ev & !EPOLLIN != 0 {
                events |= EVENT_WRITE;
            }
            if ev & !EPOLLOUT != 0 {
                events |= EVENT_READ;
            }
            if let Some(key) = self.keys.get(&fileno) {
                let ready = key.events & events;
                if ready != 0 {
                    out.push((key, ready));
                }
            }
        }
        Ok(out)
    }

    /// `get_key(sock)`; `KeyError` for a socket not registered.
    pub fn get_key(&self, sock: &Socket) -> Result<&SelectorKey<T>> {
        let fileno = sock.fileno();
        self.keys
            .get(&fileno)
            .ok_or_else(|| Error::key(format!("fd {fileno} is not registered")))
    }

    /// `get_map()`: every key, by `fileno`.
    pub fn get_map(&self) -> &BTreeMap<i32, SelectorKey<T>> {
        &self.keys
    }

    /// `close()`: forgets every key and closes the epoll instance.
    pub fn close(&mut self) {
        self.keys.clear();
        self.epoll.close();
    }
}
