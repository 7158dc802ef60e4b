//! The native contender of the event-loop benchmark (`cargo xtask bench --servers`):
//! `mux_native ADDR`, the echo server of `guest/examples/mux_echo_server.rs` written natively
//! over epoll(7): one thread, non-blocking sockets, level-triggered, a connection waiting for
//! room to write only while it has bytes left to echo, reading paused at 1 MiB unechoed. It
//! prints `mux native listening on ADDR` and serves until it is killed.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

/// As the guest server's.
const MAX_PENDING: usize = 1 << 20;

/// A connection and the bytes it still has to echo.
struct Conn {
    stream: TcpStream,
    pending: Vec<u8>,
    eof: bool,
    events: u32,
}

/// `epoll_ctl(2)`, the fd as the key.
fn ctl(ep: i32, op: i32, fd: i32, events: u32) {
    let mut ev = libc::epoll_event {
        events,
        u64: fd as u64,
    };
    // SAFETY: `ep` and `fd` are open descriptors of this process; `ev` is a valid event.
    let rc = unsafe { libc::epoll_ctl(ep, op, fd, &mut ev) };
    assert!(rc == 0, "epoll_ctl: {}", std::io::Error::last_os_error());
}

fn main() {
    let addr = std::env::args().nth(1).expect("usage: mux_native ADDR");
    let listener = TcpListener::bind(&addr).expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    println!(
        "mux native listening on {}",
        listener.local_addr().expect("address")
    );
    // SAFETY: epoll_create1 has no preconditions.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(
        ep >= 0,
        "epoll_create1: {}",
        std::io::Error::last_os_error()
    );
    let lfd = listener.as_raw_fd();
    ctl(ep, libc::EPOLL_CTL_ADD, lfd, libc::EPOLLIN as u32);
    let mut conns: HashMap<i32, Conn> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    loop {
        // SAFETY: `events` has room for its length; `ep` is open.
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, -1) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            assert!(e.kind() == ErrorKind::Interrupted, "epoll_wait: {e}");
            continue;
        }
        for ev in &events[..n as usize] {
            let (fd, ready) = (ev.u64 as i32, ev.events);
            if fd == lfd {
                while let Ok((stream, _)) = listener.accept() {
                    stream.set_nonblocking(true).expect("non-blocking");
                    let cfd = stream.as_raw_fd();
                    ctl(ep, libc::EPOLL_CTL_ADD, cfd, libc::EPOLLIN as u32);
                    let events = libc::EPOLLIN as u32;
                    let (pending, eof) = (Vec::new(), false);
                    conns.insert(
                        cfd,
                        Conn {
                            stream,
                            pending,
                            eof,
                            events,
                        },
                    );
                }
                continue;
            }
            let Some(conn) = conns.get_mut(&fd) else {
                continue;
            };
            let mut gone = false;
            let readable = ready & (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0;
            if readable && !conn.eof && conn.pending.len() < MAX_PENDING {
                match conn.stream.read(&mut buf) {
                    Ok(0) => conn.eof = true,
                    Ok(n) => conn.pending.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => gone = true,
                }
            }
            if !gone && !conn.pending.is_empty() {
                match conn.stream.write(&conn.pending) {
                    Ok(n) => drop(conn.pending.drain(..n)),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => gone = true,
                }
            }
            if gone || (conn.eof && conn.pending.is_empty()) {
                ctl(ep, libc::EPOLL_CTL_DEL, fd, 0);
                conns.remove(&fd);
                continue;
            }
            let read = !conn.eof && conn.pending.len() < MAX_PENDING;
            let want = match (conn.pending.is_empty(), read) {
                (true, _) => libc::EPOLLIN,
                (false, true) => libc::EPOLLIN | libc::EPOLLOUT,
                (false, false) => libc::EPOLLOUT,
            } as u32;
            if want != conn.events {
                ctl(ep, libc::EPOLL_CTL_MOD, fd, want);
                conn.events = want;
            }
        }
    }
}
