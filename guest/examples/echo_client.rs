//! A guest echo client: `echo_client HOST:PORT [DENIED_HOST:PORT]`.
//!
//! Sends a few lines to the echo server and prints what comes back; then, if a second address
//! is given, tries to connect there to show how the policy refuses it.

use std::io::{BufRead, BufReader, Write};

use capsock::{AF_INET, SOCK_STREAM, Socket};

fn split(arg: &str) -> (&str, u16) {
    let (host, port) = arg.rsplit_once(':').expect("HOST:PORT");
    (host, port.parse().expect("PORT is a number"))
}

fn main() -> Result<(), capsock::Error> {
    let args: Vec<String> = std::env::args().collect();
    let target = split(
        args.get(1)
            .expect("usage: echo_client HOST:PORT [DENIED_HOST:PORT]"),
    );

    let conn = capsock::create_connection(target, Default::default())?;
    println!(
        "connected to {} from {}",
        conn.getpeername()?,
        conn.getsockname()?
    );
    let mut reader = BufReader::new(&conn);
    for line in [
        "hello from a wasm guest",
        "real sockets, Python's API",
        "bye",
    ] {
        (&conn).write_all(format!("{line}\n").as_bytes())?;
        let mut echo = String::new();
        reader.read_line(&mut echo)?;
        println!("  sent {line:?}, got back {:?}", echo.trim_end());
    }
    conn.shutdown(capsock::SHUT_WR)?;

    if let Some(denied) = args.get(2) {
        let s = Socket::new(AF_INET, SOCK_STREAM, 0)?;
        match s.connect(split(denied)) {
            Ok(()) => panic!("the policy should have refused {denied}"),
            Err(e) => println!("connect to {denied} refused as expected: {e:?}"),
        }
    }
    Ok(())
}
