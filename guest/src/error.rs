//! The error type: one Rust type that mirrors Python's socket exception tree.
//!
//! | Python                                   | here                                   |
//! |------------------------------------------|----------------------------------------|
//! | `OSError(errno, strerror)` and subclasses | [`Error::Os`]-shaped: [`Error::errno`] is `Some(errno)` |
//! | `socket.timeout` / `TimeoutError("timed out")` | [`Error::is_timeout`], `errno()` is `None` |
//! | `socket.gaierror(EAI_*, msg)`            | [`Error::is_gaierror`], `errno()` is the `EAI_*` code |
//! | `socket.herror(h_errno, msg)`            | [`Error::is_herror`], `errno()` is the `h_errno` code |
//! | `ValueError` / `OverflowError` on bad arguments | [`Error::is_value_error`], `errno()` is `None` |
//! | `KeyError` (`selectors`: a socket registered twice, or not at all) | [`Error::is_key_error`], `errno()` is `None` |
//!
//! [`Error::python_class`] names the exact Python class a program would have caught, e.g.
//! `ConnectionRefusedError` for `ECONNREFUSED` or `BlockingIOError` for `EAGAIN`.

use std::borrow::Cow;
use std::fmt;
use std::io;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A socket error, shaped like Python's `OSError` family.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    repr: Repr,
    message: Cow<'static, str>,
    /// The member errors of an `ExceptionGroup` (empty otherwise).
    group: Vec<Error>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Repr {
    Os(i32),
    Timeout,
    Gai(i32),
    Herror(i32),
    Value,
    Key,
    Group,
}

impl Error {
    /// An `OSError` with this errno; the message is the C library's text for it
    /// (`strerror(3)`), as Python's `strerror` attribute.
    pub fn from_errno(errno: i32) -> Self {
        Error {
            repr: Repr::Os(errno),
            message: Cow::Borrowed(crate::errno::strerror(errno)),
            group: Vec::new(),
        }
    }

    /// An `OSError` with this errno and a message of the caller's (e.g. a policy denial that
    /// says what was denied).
    pub fn os(errno: i32, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            repr: Repr::Os(errno),
            message: message.into(),
            group: Vec::new(),
        }
    }

    /// Python's `socket.timeout` (an alias of `TimeoutError` since 3.10): `str()` is `"timed out"`.
    pub fn timeout() -> Self {
        Error {
            repr: Repr::Timeout,
            message: Cow::Borrowed("timed out"),
            group: Vec::new(),
        }
    }

    /// Python's `socket.gaierror(code, message)`; `code` is an `EAI_*` value.
    pub fn gai(code: i32, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            repr: Repr::Gai(code),
            message: message.into(),
            group: Vec::new(),
        }
    }

    /// Python's `socket.herror(code, message)`; `code` is an `h_errno` value.
    pub fn herror(code: i32, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            repr: Repr::Herror(code),
            message: message.into(),
            group: Vec::new(),
        }
    }

    /// Python's `ValueError` / `OverflowError` / `TypeError` for an argument that is wrong
    /// before any system call is made (e.g. a negative timeout, a port over 65535).
    pub fn value(message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            repr: Repr::Value,
            message: message.into(),
            group: Vec::new(),
        }
    }

    /// Python's `KeyError`, as `selectors` raises it for a socket registered twice or not at
    /// all.
    pub fn key(message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            repr: Repr::Key,
            message: message.into(),
            group: Vec::new(),
        }
    }

    /// True for `KeyError`.
    pub fn is_key_error(&self) -> bool {
        self.repr == Repr::Key
    }

    /// Python's `ExceptionGroup(message, errors)`, raised by `create_connection` with
    /// `all_errors` when every attempt failed.
    pub fn group(message: impl Into<Cow<'static, str>>, errors: Vec<Error>) -> Self {
        Error {
            repr: Repr::Group,
            message: message.into(),
            group: errors,
        }
    }

    /// The member errors of an `ExceptionGroup` (see [`Error::group`]); empty for the others.
    pub fn exceptions(&self) -> &[Error] {
        &self.group
    }

    /// The error number, as Python's `OSError.errno`: the errno for OS errors, the `EAI_*` code
    /// for `gaierror`, the `h_errno` code for `herror`, `None` for timeouts and value errors.
    pub fn errno(&self) -> Option<i32> {
        match self.repr {
            Repr::Os(e) | Repr::Gai(e) | Repr::Herror(e) => Some(e),
            Repr::Timeout | Repr::Value | Repr::Key | Repr::Group => None,
        }
    }

    /// The message, as Python's `OSError.strerror` (or the exception's text for the others).
    pub fn strerror(&self) -> &str {
        &self.message
    }

    /// True for `socket.timeout` / `TimeoutError("timed out")` raised by a socket's timeout.
    pub fn is_timeout(&self) -> bool {
        self.repr == Repr::Timeout
    }

    /// True for `socket.gaierror`.
    pub fn is_gaierror(&self) -> bool {
        matches!(self.repr, Repr::Gai(_))
    }

    /// True for `socket.herror`.
    pub fn is_herror(&self) -> bool {
        matches!(self.repr, Repr::Herror(_))
    }

    /// True for an invalid argument rejected before any system call (`ValueError` and friends).
    pub fn is_value_error(&self) -> bool {
        self.repr == Repr::Value
    }

    /// True for `BlockingIOError`: the operation would block on a non-blocking socket.
    pub fn is_blocking(&self) -> bool {
        matches!(self.python_class(), "BlockingIOError")
    }

    /// The name of the Python exception class this error corresponds to, e.g.
    /// `"ConnectionRefusedError"`, `"BlockingIOError"`, `"TimeoutError"`, `"gaierror"`.
    pub fn python_class(&self) -> &'static str {
        use crate::errno::*;
        match self.repr {
            Repr::Timeout => "TimeoutError",
            Repr::Gai(_) => "gaierror",
            Repr::Herror(_) => "herror",
            Repr::Value => "ValueError",
            Repr::Key => "KeyError",
            Repr::Group => "ExceptionGroup",
            Repr::Os(e) => match e {
                EAGAIN | EALREADY | EINPROGRESS => "BlockingIOError",
                ECHILD => "ChildProcessError",
                EPIPE | ESHUTDOWN => "BrokenPipeError",
                ECONNABORTED => "ConnectionAbortedError",
                ECONNREFUSED => "ConnectionRefusedError",
                ECONNRESET => "ConnectionResetError",
                EEXIST => "FileExistsError",
                ENOENT => "FileNotFoundError",
                EINTR => "InterruptedError",
                EISDIR => "IsADirectoryError",
                ENOTDIR => "NotADirectoryError",
                EACCES | EPERM => "PermissionError",
                ESRCH => "ProcessLookupError",
                ETIMEDOUT => "TimeoutError",
                _ => "OSError",
            },
        }
    }

    /// The closest [`std::io::ErrorKind`].
    pub fn kind(&self) -> io::ErrorKind {
        use crate::errno::*;
        match self.repr {
            Repr::Timeout => io::ErrorKind::TimedOut,
            Repr::Gai(_) | Repr::Herror(_) => io::ErrorKind::Other,
            Repr::Value | Repr::Key => io::ErrorKind::InvalidInput,
            Repr::Group => self.group.first().map_or(io::ErrorKind::Other, Error::kind),
            Repr::Os(e) => match e {
                EAGAIN | EINPROGRESS | EALREADY => io::ErrorKind::WouldBlock,
                EPIPE | ESHUTDOWN => io::ErrorKind::BrokenPipe,
                ECONNABORTED => io::ErrorKind::ConnectionAborted,
                ECONNREFUSED => io::ErrorKind::ConnectionRefused,
                ECONNRESET => io::ErrorKind::ConnectionReset,
                ENOTCONN => io::ErrorKind::NotConnected,
                EADDRINUSE => io::ErrorKind::AddrInUse,
                EADDRNOTAVAIL => io::ErrorKind::AddrNotAvailable,
                EACCES | EPERM => io::ErrorKind::PermissionDenied,
                EINTR => io::ErrorKind::Interrupted,
                ETIMEDOUT => io::ErrorKind::TimedOut,
                EINVAL => io::ErrorKind::InvalidInput,
                ENOENT => io::ErrorKind::NotFound,
                EEXIST => io::ErrorKind::AlreadyExists,
                ENETUNREACH => io::ErrorKind::NetworkUnreachable,
                EHOSTUNREACH => io::ErrorKind::HostUnreachable,
                ENETDOWN => io::ErrorKind::NetworkDown,
                ENOMEM => io::ErrorKind::OutOfMemory,
                EMFILE | ENFILE => io::ErrorKind::Other,
                _ => io::ErrorKind::Other,
            },
        }
    }
}

impl fmt::Display for Error {
    /// Python's `str(exc)`: `[Errno 111] Connection refused`, `timed out`,
    /// `[Errno -2] Name or service not known`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Os(e) | Repr::Gai(e) | Repr::Herror(e) => {
                write!(f, "[Errno {e}] {}", self.message)
            }
            Repr::Timeout | Repr::Value | Repr::Key => f.write_str(&self.message),
            Repr::Group => write!(
                f,
                "{} ({} sub-exception{})",
                self.message,
                self.group.len(),
                if self.group.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({self})", self.python_class())
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e.repr {
            // Keep the raw errno so `raw_os_error()` works, unless the message is our own (a
            // policy denial), which must not be lost. Not on WASI: its std reads raw codes in
            // WASI's errno numbering (ECONNREFUSED is 14 there, 111 is nothing), so the kind
            // would be lost; there the `Error` rides inside (`get_ref()`), errno and all.
            Repr::Os(errno)
                if !cfg!(target_os = "wasi") && e.message == crate::errno::strerror(errno) =>
            {
                io::Error::from_raw_os_error(errno)
            }
            _ => io::Error::new(e.kind(), e),
        }
    }
}

impl From<io::Error> for Error {
    /// An `io::Error` from the guest's own std (e.g. reading a file for `sendfile`).
    fn from(e: io::Error) -> Error {
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
            return inner.clone();
        }
        match e.raw_os_error() {
            Some(errno) => Error::from_errno(errno),
            None => match e.kind() {
                io::ErrorKind::TimedOut => Error::timeout(),
                io::ErrorKind::WouldBlock => Error::from_errno(crate::errno::EAGAIN),
                _ => Error::os(crate::errno::EIO, e.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::*;

    #[test]
    fn display_matches_python() {
        assert_eq!(
            Error::from_errno(ECONNREFUSED).to_string(),
            "[Errno 111] Connection refused"
        );
        assert_eq!(Error::timeout().to_string(), "timed out");
        assert_eq!(
            Error::gai(-2, "Name or service not known").to_string(),
            "[Errno -2] Name or service not known"
        );
    }

    #[test]
    fn classes_follow_pep_3151() {
        assert_eq!(Error::from_errno(EAGAIN).python_class(), "BlockingIOError");
        assert!(Error::from_errno(EINPROGRESS).is_blocking());
        assert_eq!(
            Error::from_errno(ECONNRESET).python_class(),
            "ConnectionResetError"
        );
        assert_eq!(Error::from_errno(EACCES).python_class(), "PermissionError");
        assert_eq!(Error::from_errno(EBADF).python_class(), "OSError");
        assert_eq!(Error::timeout().errno(), None);
        assert_eq!(Error::gai(-2, "x").errno(), Some(-2));
    }

    #[test]
    fn io_error_keeps_errno_and_custom_messages() {
        let io: io::Error = Error::from_errno(ECONNREFUSED).into();
        assert_eq!(io.raw_os_error(), Some(ECONNREFUSED));
        assert_eq!(io.kind(), io::ErrorKind::ConnectionRefused);
        let denied = Error::os(
            EACCES,
            "capsock policy: connect to tcp://10.0.0.5:22 denied",
        );
        let io: io::Error = denied.into();
        assert_eq!(io.kind(), io::ErrorKind::PermissionDenied);
        assert!(io.to_string().contains("capsock policy"));
        let io: io::Error = Error::timeout().into();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
    }
}
