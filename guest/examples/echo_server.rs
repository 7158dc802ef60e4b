//! A guest echo server: `echo_server HOST:PORT [CONNECTIONS]`.
//!
//! Listens with Python's `create_server`, echoes each connection until it closes, and exits
//! after CONNECTIONS connections (default 1). Needs `bind` and `accept` rules.

use std::io::{Read, Write};

fn main() -> Result<(), capsock::Error> {
    let args: Vec<String> = std::env::args().collect();
    let (host, port) = args
        .get(1)
        .and_then(|a| a.rsplit_once(':'))
        .expect("usage: echo_server HOST:PORT [CONNECTIONS]");
    let port: u16 = port.parse().expect("PORT is a number");
    let connections: usize = args.get(2).map_or(1, |n| n.parse().expect("a count"));

    let server = capsock::create_server((host, port), Default::default())?;
    println!("echo server listening on {}", server.getsockname()?);
    for _ in 0..connections {
        let (mut conn, peer) = server.accept()?;
        let mut buf = [0u8; 4096];
        let mut total = 0;
        loop {
            let n = conn.read(&mut buf)?;
            if n == 0 {
                break;
            }
            conn.write_all(&buf[..n])?;
            total += n;
        }
        println!("echoed {total} bytes to {peer}");
    }
    Ok(())
}
