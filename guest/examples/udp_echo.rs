//! A UDP echo server: `udp_echo HOST:PORT`.
//!
//! Sends every datagram back to its sender, until it is stopped. Datagrams reach it only from
//! senders a `recv` rule allows, and its answers need a `send` rule for them:
//!
//! ```sh
//! host run --allow 'bind udp://127.0.0.1:9000' --allow 'recv udp://127.0.0.1:*' \
//!     --allow 'send udp://127.0.0.1:*' udp_echo.wasm 127.0.0.1:9000
//! ```

use capsock::{AF_INET, AF_INET6, SOCK_DGRAM, Socket};

fn main() -> Result<(), capsock::Error> {
    let arg = std::env::args().nth(1).expect("usage: udp_echo HOST:PORT");
    let (host, port) = arg.rsplit_once(':').expect("HOST:PORT");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().expect("PORT is a number");
    let family = if host.contains(':') {
        AF_INET6
    } else {
        AF_INET
    };
    let sock = Socket::new(family, SOCK_DGRAM, 0)?;
    sock.bind((host, port))?;
    println!("udp echo listening on {}", sock.getsockname()?);
    loop {
        let (data, from) = sock.recvfrom(65535)?;
        let Some(from) = from else { continue };
        // A sender no `send` rule allows gets no answer; the server goes on.
        if let Err(e) = sock.sendto(&data, from) {
            eprintln!("no answer: {e}");
        }
    }
}
