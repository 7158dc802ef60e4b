//! A multiplexed echo server: `mux_echo_server HOST:PORT`.
//!
//! One thread serves every connection at once over a `DefaultSelector` (the host's epoll),
//! with non-blocking sockets, and echoes every byte until it is stopped. Needs a `bind` rule
//! for HOST:PORT and an `accept` rule for its clients:
//!
//! ```sh
//! host run --allow 'bind tcp://127.0.0.1:7000' --allow 'accept tcp://127.0.0.1:*' \
//!     mux_echo_server.wasm 127.0.0.1:7000
//! ```

use std::collections::HashMap;

use capsock::{DefaultSelector, EVENT_READ, EVENT_WRITE, Socket};

/// The most a connection may have waiting to be echoed: past it the server stops reading
/// from it until its peer reads (a peer that never reads holds no more than this).
const MAX_PENDING: usize = 1 << 20;

/// A connection, the bytes it still has to echo, and whether its peer has finished sending
/// (then it closes once those are echoed: a half-close loses nothing).
struct Conn {
    sock: Socket,
    pending: Vec<u8>,
    eof: bool,
    /// The events it is registered for.
    events: u32,
}

fn main() -> Result<(), capsock::Error> {
    let arg = std::env::args()
        .nth(1)
        .expect("usage: mux_echo_server HOST:PORT");
    let (host, port) = arg.rsplit_once(':').expect("HOST:PORT");
    let port: u16 = port.parse().expect("PORT is a number");

    let server = capsock::create_server((host, port), Default::default())?;
    server.setblocking(false)?;
    println!("mux echo server listening on {}", server.getsockname()?);
    // The data of each key says whether it is the listener.
    let mut sel = DefaultSelector::new()?;
    sel.register(&server, EVENT_READ, true)?;
    let mut conns: HashMap<i32, Conn> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    loop {
        let ready: Vec<(i32, bool, u32)> = sel
            .select(None)?
            .into_iter()
            .map(|(key, events)| (key.fileno, key.data, events))
            .collect();
        for (fileno, listener, events) in ready {
            if listener {
                while let Some((sock, _)) = would_block(server.accept())? {
                    sock.setblocking(false)?;
                    sel.register(&sock, EVENT_READ, false)?;
                    let (pending, eof, events) = (Vec::new(), false, EVENT_READ);
                    conns.insert(
                        sock.fileno(),
                        Conn {
                            sock,
                            pending,
                            eof,
                            events,
                        },
                    );
                }
                continue;
            }
            let Some(conn) = conns.get_mut(&fileno) else {
                continue;
            };
            let mut gone = false;
            if events & EVENT_READ != 0 && !conn.eof && conn.pending.len() < MAX_PENDING {
                match would_block(conn.sock.recv_into(&mut buf)) {
                    Ok(Some(0)) => conn.eof = true,
                    Ok(Some(n)) => conn.pending.extend_from_slice(&buf[..n]),
                    Ok(None) => {}
                    // A peer that reset: the connection is over.
                    Err(_) => gone = true,
                }
            }
            if !gone && !conn.pending.is_empty() {
                match would_block(conn.sock.send(&conn.pending)) {
                    Ok(Some(n)) => drop(conn.pending.drain(..n)),
                    Ok(None) => {}
                    Err(_) => gone = true,
                }
            }
            if gone || (conn.eof && conn.pending.is_empty()) {
                sel.unregister(&conn.sock)?;
                conns.remove(&fileno);
                continue;
            }
            // Wait for room to write only while something is left to echo, and for more to
            // read only until the peer's end of stream, and while there is room to keep it.
            let read = !conn.eof && conn.pending.len() < MAX_PENDING;
            let want = match (conn.pending.is_empty(), read) {
                (true, _) => EVENT_READ,
                (false, true) => EVENT_READ | EVENT_WRITE,
                (false, false) => EVENT_WRITE,
            };
            if conn.events != want {
                sel.modify(&conn.sock, want, false)?;
                conn.events = want;
            }
        }
    }
}

/// A non-blocking call's result, with "it would block" as `None`.
fn would_block<T>(r: Result<T, capsock::Error>) -> Result<Option<T>, capsock::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_blocking() => Ok(None),
        Err(e) => Err(e),
    }
}
