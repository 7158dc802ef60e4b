//! capsock: Python's `socket` module for Rust programs compiled to `wasm32-wasip2`, backed by
//! real sockets on the host and governed by the host's capability policy.
//!
//! ```no_run
//! use capsock::{AF_INET, SOCK_STREAM, Socket};
//!
//! # fn main() -> capsock::Result<()> {
//! let s = Socket::new(AF_INET, SOCK_STREAM, 0)?;
//! s.connect(("127.0.0.1", 8080))?;
//! s.sendall(b"ping")?;
//! let reply = s.recv(4096)?;
//! # let _ = reply;
//! let server = capsock::create_server(("127.0.0.1", 0), Default::default())?;
//! # let _ = server;
//! # Ok(())
//! # }
//! ```
//!
//! Names are Python's. Methods with optional arguments in Python have a short form and a
//! `_flags` twin (`recv` / `recv_flags`); `Socket` implements `std::io::Read` and `Write`, so
//! crates that speak over `Read + Write` run on it unchanged. Errors are one [`Error`] type
//! mirroring `OSError`, `timeout`, `gaierror` and `herror`.

#![deny(missing_docs)]

mod address;
mod bindings;
pub mod consts;
mod create;
mod epoll;
pub mod errno;
pub mod error;
mod file;
mod handles;
pub mod pure;
pub mod resolver;
mod select;
mod socket;

pub use address::Address;
pub use consts::*;
pub use create::{
    ConnectionOptions, ServerOptions, create_connection, create_server, has_dualstack_ipv6,
};
pub use epoll::{
    DefaultSelector, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN, EPOLLMSG, EPOLLONESHOT,
    EPOLLOUT, EPOLLPRI, EPOLLRDBAND, EPOLLRDHUP, EPOLLRDNORM, EPOLLWRBAND, EPOLLWRNORM, EVENT_READ,
    EVENT_WRITE, Epoll, SelectorKey,
};
pub use error::{Error, Result};
pub use file::{DEFAULT_BUFFER_SIZE, SocketFile};
pub use pure::{
    CMSG_LEN, CMSG_SPACE, htonl, htons, inet_aton, inet_ntoa, inet_ntoa_bytes, inet_ntop,
    inet_pton, ntohl, ntohs,
};
pub use resolver::{
    AddrInfo, HostEntry, getaddrinfo, getfqdn, gethostbyaddr, gethostbyname, gethostbyname_ex,
    gethostname, getnameinfo, getprotobyname, getservbyname, getservbyport, if_indextoname,
    if_nameindex, if_nametoindex,
};
pub use select::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, Ready, SocketPollable, poll, select};
pub use socket::{
    Ancillary, OptValue, RecvFds, RecvMsg, RecvMsgInto, Socket, getdefaulttimeout, recv_fds,
    send_fds, setdefaulttimeout, socket, socketpair,
};
/// The WASI 0.2 interfaces (the `wasip2` crate), for waiting on a
/// [`Socket::subscribe`] pollable together with clocks, standard input and wasi:sockets
/// streams in one [`wasi::io::poll::poll`].
pub use wasip2 as wasi;
