//! The socket handles this guest holds, by number: what `fileno()` returns, `detach()` gives
//! up, `Socket::from_fileno` (Python's `socket(fileno=…)`) takes back, and `SCM_RIGHTS` data
//! names.
//!
//! A number is the component model's handle index of a host socket, valid inside this guest
//! only. The book says which numbers are live sockets and whether a [`Socket`](crate::Socket)
//! owns each or it waits, detached, to be taken: so a wrong number is Python's `EBADF`, never
//! a trap, and no handle is ever owned twice (which would close it twice).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::mem::ManuallyDrop;
use std::ops::Deref;

use crate::bindings::capsock::sockets::socket as raw;
use crate::errno::EBADF;
use crate::error::{Error, Result};

/// Who holds a live handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holder {
    /// A [`Held`] owns it; it closes when that is dropped.
    Owned,
    /// Nobody: `detach()` gave it up, or it arrived by `SCM_RIGHTS`; it lives until taken.
    Detached,
}

thread_local! {
    static BOOK: RefCell<BTreeMap<u32, Holder>> = const { RefCell::new(BTreeMap::new()) };
}

fn set(handle: u32, holder: Option<Holder>) {
    BOOK.with_borrow_mut(|book| match holder {
        Some(h) => {
            book.insert(handle, h);
        }
        None => {
            book.remove(&handle);
        }
    });
}

fn holder(handle: u32) -> Option<Holder> {
    BOOK.with_borrow(|book| book.get(&handle).copied())
}

/// A host socket owned by one `Socket`: closed (and struck from the book) when dropped.
#[derive(Debug)]
pub(crate) struct Held(ManuallyDrop<raw::Socket>);

impl Held {
    /// Takes ownership of a socket the host just handed over.
    pub(crate) fn new(sock: raw::Socket) -> Held {
        set(sock.handle(), Some(Holder::Owned));
        Held(ManuallyDrop::new(sock))
    }

    /// `detach()`: gives the handle up without closing it; its number can be taken back.
    pub(crate) fn detach(mut self) -> u32 {
        // SAFETY: `self` is forgotten just below, so the socket is taken out exactly once and
        // never dropped through `Held` afterwards.
        let sock = unsafe { ManuallyDrop::take(&mut self.0) };
        std::mem::forget(self);
        let handle = sock.take_handle();
        set(handle, Some(Holder::Detached));
        handle
    }

    /// Python's `socket(fileno=n)`: takes the detached handle `n`. `EBADF` when `n` is no
    /// socket of this guest or a `Socket` owns it already (one owner per handle: `detach()`
    /// it first).
    pub(crate) fn take(n: i32) -> Result<Held> {
        let handle = u32::try_from(n).map_err(|_| bad_fileno(n))?;
        match holder(handle) {
            Some(Holder::Detached) => {
                set(handle, Some(Holder::Owned));
                // SAFETY: the book says `handle` is a live socket handle of this guest that
                // nothing owns; from here this `Held` alone does.
                Ok(Held(ManuallyDrop::new(unsafe {
                    raw::Socket::from_handle(handle)
                })))
            }
            Some(Holder::Owned) => Err(Error::os(
                EBADF,
                format!("fileno {n} is owned by a socket object already: detach() it first"),
            )),
            None => Err(bad_fileno(n)),
        }
    }
}

/// A detached handle for a socket the host just handed over (`SCM_RIGHTS`): its number, which
/// [`Held::take`] takes.
pub(crate) fn detached(sock: raw::Socket) -> i32 {
    let handle = sock.take_handle();
    set(handle, Some(Holder::Detached));
    handle as i32
}

/// The live socket numbered `n`, borrowed for one call (to pass it with `SCM_RIGHTS`).
pub(crate) fn borrow(n: i32) -> Result<Borrowed> {
    let handle = u32::try_from(n).map_err(|_| bad_fileno(n))?;
    match holder(handle) {
        // SAFETY: the book says `handle` is a live socket handle of this guest; `Borrowed`
        // never drops it, and it is used only within the call that borrowed it.
        Some(_) => Ok(Borrowed(ManuallyDrop::new(unsafe {
            raw::Socket::from_handle(handle)
        }))),
        None => Err(bad_fileno(n)),
    }
}

fn bad_fileno(n: i32) -> Error {
    Error::os(
        EBADF,
        format!("{n} is not the fileno of a socket this guest holds"),
    )
}

impl Deref for Held {
    type Target = raw::Socket;

    fn deref(&self) -> &raw::Socket {
        &self.0
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        set(self.0.handle(), None);
        // SAFETY: dropped once, here; `self.0` is not used again.
        unsafe { ManuallyDrop::drop(&mut self.0) }
    }
}

/// A socket borrowed by number for one call; never closes it.
pub(crate) struct Borrowed(ManuallyDrop<raw::Socket>);

impl Deref for Borrowed {
    type Target = raw::Socket;

    fn deref(&self) -> &raw::Socket {
        &self.0
    }
}
