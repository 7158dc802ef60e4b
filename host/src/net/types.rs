//! The few plain types the net core speaks in.

use std::time::Duration;

/// Address families the net core implements. Others are refused by the glue with the OS's
/// own `EAFNOSUPPORT` before anything reaches here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `AF_INET`.
    Inet,
    /// `AF_INET6`.
    Inet6,
}

/// Socket kinds the net core implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `SOCK_STREAM` (TCP).
    Stream,
    /// `SOCK_DGRAM` (UDP).
    Dgram,
}

/// A socket's blocking mode, as CPython models it with one timeout value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No timeout: operations wait as long as it takes.
    Blocking,
    /// Timeout zero: operations that would block fail with `EAGAIN`/`EINPROGRESS`.
    NonBlocking,
    /// Operations that would block wait at most this long, then fail with a timeout.
    Timeout(Duration),
}

impl Mode {
    /// Python's `settimeout` value: `None` blocking, zero non-blocking, else timeout mode.
    pub fn from_timeout(timeout: Option<Duration>) -> Mode {
        match timeout {
            None => Mode::Blocking,
            Some(d) if d.is_zero() => Mode::NonBlocking,
            Some(d) => Mode::Timeout(d),
        }
    }

    /// Python's `gettimeout()`.
    pub fn timeout(self) -> Option<Duration> {
        match self {
            Mode::Blocking => None,
            Mode::NonBlocking => Some(Duration::ZERO),
            Mode::Timeout(d) => Some(d),
        }
    }
}
