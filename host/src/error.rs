//! The host's socket error: what a socket or resolver operation returns before the glue turns
//! it into the WIT `error` variant (or into a trap).

use std::fmt;

use rustix::io::Errno;

/// The outcome of a failed socket or resolver operation.
///
/// Everything but [`SocketError::Trap`] reaches the guest as an ordinary error value; a trap
/// ends the guest (a bad resource handle, or the runner cancelling a blocked call).
#[derive(Debug)]
pub enum SocketError {
    /// `OSError(errno)`, optionally with a message of ours (a policy denial names what was
    /// denied; a refused argument says what was wrong).
    Os(Errno, Option<String>),
    /// The socket's timeout expired (`socket.timeout`).
    Timeout,
    /// `socket.gaierror(code, message)`.
    Gai(i32, String),
    /// `socket.herror(code, message)`.
    H(i32, String),
    /// The host cancelled the call (a deadline, Ctrl-C), with its reason: the net core's
    /// answer, which every door turns into a trap ([`SocketError::cancellation_trap`]).
    Cancelled(String),
    /// Not an error for the guest to handle: the guest is stopped (a bad resource handle).
    Trap(wasmtime::Error),
}

impl SocketError {
    /// An `OSError` with our own message, e.g. `EINVAL` with what was wrong with an argument.
    pub fn os_msg(errno: Errno, message: impl Into<String>) -> Self {
        SocketError::Os(errno, Some(message.into()))
    }

    /// The trap that ends a guest whose call the host cancelled for `reason`.
    pub fn cancellation_trap(reason: &str) -> wasmtime::Error {
        wasmtime::Error::msg(format!("guest interrupted in a blocking call: {reason}"))
    }

    /// The errno, for OS errors.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            SocketError::Os(e, _) => Some(*e),
            _ => None,
        }
    }
}

/// The kernel's errno, with the strerror text; running out of descriptors also says whose
/// limit it is and what to do, since the guest cannot see the host's `ulimit`.
impl From<Errno> for SocketError {
    fn from(e: Errno) -> Self {
        match e {
            Errno::MFILE => SocketError::os_msg(
                e,
                "Too many open files: the host process is at its limit of open descriptors \
                 (RLIMIT_NOFILE); close sockets, or raise the limit the host runs with (ulimit -n)",
            ),
            Errno::NFILE => SocketError::os_msg(
                e,
                "Too many open files in system: the host machine is at its limit of open files \
                 (fs.file-max)",
            ),
            _ => SocketError::Os(e, None),
        }
    }
}

impl From<wasmtime::Error> for SocketError {
    fn from(e: wasmtime::Error) -> Self {
        SocketError::Trap(e)
    }
}

impl From<wasmtime::component::ResourceTableError> for SocketError {
    /// A bad resource handle is the guest's bug, never a recoverable error: trap.
    fn from(e: wasmtime::component::ResourceTableError) -> Self {
        SocketError::Trap(e.into())
    }
}

impl fmt::Display for SocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketError::Os(e, Some(m)) => write!(f, "[Errno {}] {m}", e.raw_os_error()),
            SocketError::Os(e, None) => write!(f, "[Errno {}] {e}", e.raw_os_error()),
            SocketError::Timeout => f.write_str("timed out"),
            SocketError::Gai(c, m) | SocketError::H(c, m) => write!(f, "[Errno {c}] {m}"),
            SocketError::Cancelled(reason) => write!(f, "cancelled: {reason}"),
            SocketError::Trap(e) => write!(f, "trap: {e}"),
        }
    }
}

impl std::error::Error for SocketError {}

/// Result alias for socket operations.
pub type SocketResult<T> = Result<T, SocketError>;
