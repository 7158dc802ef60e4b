//! The doors: one per way a guest reaches the network, each thin — convert the guest's values,
//! ask the [guard](crate::guard), call the [net core](crate::net) with the permit, convert the
//! result.
//!
//! - [`capsock`]: capsock's own WIT (`capsock:sockets/{types,socket,resolver}`), Python's
//!   socket API.
//! - [`wasi`]: wasi:sockets and wasi:io/poll as wasmtime-wasi serves them to guests that use
//!   Rust's `std::net`, put under the same guard.
//!
//! A refusal ([`Denied`]) becomes each door's own error: for capsock an `OSError` (`EACCES`
//! with the message; `EMFILE` at the socket limit; `gaierror(EAI_MEMORY)` when the guard's
//! memory of resolved names is full), for wasi:sockets `access-denied`,
//! `new-socket-limit` or `out-of-memory`.

pub(crate) mod capsock;
pub(crate) mod wasi;

use rustix::io::Errno;
use wasmtime::component::Linker;

use crate::error::SocketError;
use crate::guard::{Denied, Refusal};

impl From<Denied> for SocketError {
    fn from(denied: Denied) -> Self {
        match denied.refusal {
            Refusal::Policy => SocketError::os_msg(Errno::ACCESS, denied.message),
            Refusal::SocketLimit => SocketError::os_msg(Errno::MFILE, denied.message),
            Refusal::NameMemory => SocketError::Gai(libc::EAI_MEMORY, denied.message),
        }
    }
}

/// Runs `define`, whose definitions replace earlier ones, with the linker's shadowing allowed,
/// and leaves shadowing off (wasmtime's default) whether it succeeded or not.
pub(crate) fn redefine<T: 'static>(
    linker: &mut Linker<T>,
    define: impl FnOnce(&mut Linker<T>) -> wasmtime::Result<()>,
) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let defined = define(linker);
    linker.allow_shadowing(false);
    defined
}
