//! The epoll instances a guest waits on: capsock's `poller`, behind Python's `select.epoll`
//! and `selectors.DefaultSelector`. A wait costs what the ready sockets cost, not what the
//! registered ones do: the kernel keeps the registrations, and the host keeps nothing per
//! socket (each registration's key is the epoll data itself).
//!
//! Each instance also watches the [`Canceller`]'s eventfd, under a key no guest may use, so a
//! cancellation (`--timeout`, a stopped guest) ends a wait that has no socket to wake it.

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};
use rustix::io::Errno;

use super::NetSocket;
use super::wait::{Canceller, timespec};
use crate::error::{SocketError, SocketResult};

/// The key of the cancel eventfd's registration, which guests may not use.
const CANCEL_KEY: u64 = u64::MAX;

/// Most ready sockets one wait returns (Python's `maxevents`, clamped): what bounds the
/// host's buffer.
pub const MAX_EVENTS: u32 = 4096;

/// The `EPOLL*` bits a guest may ask for. `EPOLLWAKEUP` is not among them: it needs
/// `CAP_BLOCK_SUSPEND`, a privilege of the host's a guest is not lent.
const ALLOWED: EventFlags = EventFlags::IN
    .union(EventFlags::PRI)
    .union(EventFlags::OUT)
    .union(EventFlags::ERR)
    .union(EventFlags::HUP)
    .union(EventFlags::RDNORM)
    .union(EventFlags::RDBAND)
    .union(EventFlags::WRNORM)
    .union(EventFlags::WRBAND)
    .union(EventFlags::MSG)
    .union(EventFlags::RDHUP)
    .union(EventFlags::EXCLUSIVE)
    .union(EventFlags::ONESHOT)
    .union(EventFlags::ET);

/// An epoll instance (`epoll_create1(2)`) of one guest.
#[derive(Debug)]
pub struct Poller {
    epoll: OwnedFd,
    events: Events,
}

/// The buffer `epoll_wait(2)` fills, kept between waits (a wait allocates nothing but the list
/// it returns).
struct Events(Vec<Event>);

// SAFETY: `Event` is not `Send` only because its data is a union with a pointer member. The
// host stores and reads only `u64` keys through it, never a pointer, so the buffer holds plain
// integers and may move to another thread with the store that owns it.
unsafe impl Send for Events {}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Events(capacity {})", self.0.capacity())
    }
}

/// The guest's event mask as epoll takes it: `EINVAL` naming the bits it may not ask for.
fn event_flags(events: u32) -> SocketResult<EventFlags> {
    let bad = events & !ALLOWED.bits();
    match bad {
        0 => Ok(EventFlags::from_bits_retain(events)),
        _ => Err(SocketError::os_msg(
            Errno::INVAL,
            format!(
                "epoll event bits {bad:#x} are not available (EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG, EPOLLRDHUP, EPOLLEXCLUSIVE, EPOLLONESHOT and EPOLLET are)"
            ),
        )),
    }
}

/// The guest's key as epoll data: `EINVAL` for the one key the host keeps for itself.
fn event_data(key: u64) -> SocketResult<EventData> {
    match key {
        CANCEL_KEY => Err(SocketError::os_msg(
            Errno::INVAL,
            "a poller key is any value but 2^64 - 1, which the host uses",
        )),
        key => Ok(EventData::new_u64(key)),
    }
}

impl Poller {
    /// `epoll_create1(EPOLL_CLOEXEC)`, watching `cancel` too.
    pub fn new(cancel: &Canceller) -> SocketResult<Poller> {
        let epoll = epoll::create(CreateFlags::CLOEXEC)?;
        epoll::add(
            &epoll,
            cancel.fd(),
            EventData::new_u64(CANCEL_KEY),
            EventFlags::IN,
        )?;
        Ok(Poller {
            epoll,
            events: Events(Vec::new()),
        })
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)` of `sock` for `events`, reported with `key`.
    pub fn register(&self, sock: &NetSocket, events: u32, key: u64) -> SocketResult<()> {
        let (flags, data) = (event_flags(events)?, event_data(key)?);
        epoll::add(&self.epoll, sock.fd(), data, flags)?;
        Ok(())
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)`: new events and key for a registered socket.
    pub fn modify(&self, sock: &NetSocket, events: u32, key: u64) -> SocketResult<()> {
        let (flags, data) = (event_flags(events)?, event_data(key)?);
        epoll::modify(&self.epoll, sock.fd(), data, flags)?;
        Ok(())
    }

    /// `epoll_ctl(EPOLL_CTL_DEL)`.
    pub fn unregister(&self, sock: &NetSocket) -> SocketResult<()> {
        epoll::delete(&self.epoll, sock.fd())?;
        Ok(())
    }

    /// `epoll_wait(2)` for at most `timeout` (`None`: until a socket is ready), retried on
    /// `EINTR` with the time that remains: at most `max` (clamped to 1..=[`MAX_EVENTS`])
    /// `(key, events)` pairs. A cancellation ends it in a trap.
    pub fn wait(
        &mut self,
        timeout: Option<Duration>,
        max: u32,
        cancel: &Canceller,
    ) -> SocketResult<Vec<(u64, u32)>> {
        // Checked first: a wait full of ready sockets may not have room for the cancel
        // eventfd's event (epoll reports it at a later wait, it stays readable).
        cancel.check()?;
        // Exactly the room asked for: what epoll reports it takes off its ready list (an
        // edge-triggered or one-shot event would be lost if the host dropped it).
        let room = max.clamp(1, MAX_EVENTS) as usize;
        let events = &mut self.events.0;
        events.clear();
        events.reserve(room);
        let deadline = timeout.map(|d| Instant::now().checked_add(d));
        let n = loop {
            let left = match deadline {
                None | Some(None) => None,
                Some(Some(at)) => Some(timespec(at.saturating_duration_since(Instant::now()))),
            };
            let spare = &mut events.spare_capacity_mut()[..room];
            match epoll::wait(self.epoll.as_fd(), spare, left.as_ref()) {
                Ok((got, _)) => break got.len(),
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        // SAFETY: `epoll_wait` initialised the first `n` elements of the spare capacity (at
        // most `room`, which `reserve` made room for).
        unsafe { events.set_len(n) };
        let mut ready = Vec::with_capacity(n);
        for event in events.iter() {
            // Copied out: the struct is packed on x86-64.
            let (data, flags) = (event.data, event.flags);
            match data.u64() {
                CANCEL_KEY => cancel.check()?,
                key => ready.push((key, flags.bits())),
            }
        }
        Ok(ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Family, Kind, Mode};

    fn pair() -> (NetSocket, NetSocket) {
        NetSocket::pair(Family::Unix, Kind::Stream, 0, Mode::NonBlocking).unwrap()
    }

    #[test]
    fn reports_ready_sockets_by_key() {
        let cancel = Canceller::new().unwrap();
        let mut p = Poller::new(&cancel).unwrap();
        let (a, b) = pair();
        p.register(&a, libc::EPOLLIN as u32, 7).unwrap();
        let e = p.register(&a, libc::EPOLLIN as u32, 7).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::EXIST));
        assert!(
            p.wait(Some(Duration::ZERO), 16, &cancel)
                .unwrap()
                .is_empty()
        );
        rustix::io::write(b.fd(), b"x").unwrap();
        let ready = p.wait(Some(Duration::from_secs(5)), 16, &cancel).unwrap();
        assert_eq!(ready, vec![(7, libc::EPOLLIN as u32)]);
        // Level-triggered: still ready; a modify changes the key.
        p.modify(&a, (libc::EPOLLIN | libc::EPOLLOUT) as u32, 9)
            .unwrap();
        let ready = p.wait(Some(Duration::ZERO), 16, &cancel).unwrap();
        assert_eq!(ready, vec![(9, (libc::EPOLLIN | libc::EPOLLOUT) as u32)]);
        p.unregister(&a).unwrap();
        assert!(
            p.wait(Some(Duration::ZERO), 16, &cancel)
                .unwrap()
                .is_empty()
        );
        assert_eq!(p.unregister(&a).unwrap_err().errno(), Some(Errno::NOENT));
    }

    #[test]
    fn edge_triggered_and_oneshot_fire_once() {
        let cancel = Canceller::new().unwrap();
        let mut p = Poller::new(&cancel).unwrap();
        let (a, b) = pair();
        let (c, d) = pair();
        p.register(&a, (libc::EPOLLIN | libc::EPOLLET) as u32, 1)
            .unwrap();
        p.register(&c, (libc::EPOLLIN | libc::EPOLLONESHOT) as u32, 2)
            .unwrap();
        rustix::io::write(b.fd(), b"x").unwrap();
        rustix::io::write(d.fd(), b"x").unwrap();
        let mut ready = p.wait(Some(Duration::from_secs(5)), 16, &cancel).unwrap();
        ready.sort();
        assert_eq!(ready.len(), 2, "{ready:?}");
        assert!(
            p.wait(Some(Duration::ZERO), 16, &cancel)
                .unwrap()
                .is_empty()
        );
        // Re-armed by modify.
        p.modify(&c, (libc::EPOLLIN | libc::EPOLLONESHOT) as u32, 3)
            .unwrap();
        assert_eq!(
            p.wait(Some(Duration::ZERO), 16, &cancel).unwrap(),
            vec![(3, libc::EPOLLIN as u32)]
        );
    }

    #[test]
    fn bounds_keys_bits_and_counts() {
        let cancel = Canceller::new().unwrap();
        let mut p = Poller::new(&cancel).unwrap();
        let (a, b) = pair();
        let e = p.register(&a, libc::EPOLLIN as u32, u64::MAX).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::INVAL));
        let e = p.register(&a, libc::EPOLLWAKEUP as u32, 1).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::INVAL));
        let e = p.register(&a, 1 << 20, 1).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::INVAL));
        // max-events 0 is one, as Linux needs at least one.
        p.register(&a, libc::EPOLLOUT as u32, 1).unwrap();
        p.register(&b, libc::EPOLLOUT as u32, 2).unwrap();
        assert_eq!(p.wait(Some(Duration::ZERO), 0, &cancel).unwrap().len(), 1);
        assert_eq!(p.wait(Some(Duration::ZERO), 9, &cancel).unwrap().len(), 2);
    }

    #[test]
    fn a_cancellation_ends_a_wait_with_no_socket() {
        let cancel = std::sync::Arc::new(Canceller::new().unwrap());
        let mut p = Poller::new(&cancel).unwrap();
        let canceller = std::sync::Arc::clone(&cancel);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            canceller.cancel("stopped");
        });
        let e = p.wait(None, 16, &cancel).unwrap_err();
        assert!(
            matches!(e, SocketError::Cancelled(ref r) if r == "stopped"),
            "{e:?}"
        );
        t.join().unwrap();
    }
}
