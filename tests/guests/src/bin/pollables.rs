//! capsock sockets as `wasi:io/poll` pollables, waited on in one `poll` with a wasi:sockets
//! stream, a clock and standard input. argv: `MODE`:
//! - `mix PORT`: connects to 127.0.0.1:PORT twice, through capsock (says `capsock`) and through
//!   wasi:sockets (says `wasi`); the peer writes on either when told (`poke capsock`,
//!   `poke wasi` on the capsock connection) and closes both on `close`. Prints which pollables
//!   each wait found ready, and what it then read.
//! - `forever`: waits on a socket nobody writes to (the host's time limit ends it).
use std::io::{BufRead, Write};

use capsock::wasi::cli::stdin::get_stdin;
use capsock::wasi::clocks::monotonic_clock::subscribe_duration;
use capsock::wasi::io::poll::{Pollable, poll};
use capsock::wasi::sockets::instance_network::instance_network;
use capsock::wasi::sockets::network::{IpAddressFamily, IpSocketAddress, Ipv4SocketAddress};
use capsock::wasi::sockets::tcp_create_socket::create_tcp_socket;
use capsock::{AF_UNIX, POLLIN, POLLOUT, SOCK_STREAM, create_connection, socketpair};

const MS: u64 = 1_000_000;

fn ready(label: &str, list: &[&Pollable]) {
    println!("{label}: {:?}", poll(list));
}

fn mix(port: u16) {
    let c = create_connection(("127.0.0.1", port), Default::default()).unwrap();
    c.sendall(b"capsock\n").unwrap();
    let w = create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    let addr = IpSocketAddress::Ipv4(Ipv4SocketAddress {
        port,
        address: (127, 0, 0, 1),
    });
    w.start_connect(&instance_network(), addr).unwrap();
    w.subscribe().block();
    let (w_in, w_out) = w.finish_connect().unwrap();
    w_out.blocking_write_and_flush(b"wasi\n").unwrap();

    let c_in = c.subscribe(POLLIN).unwrap();
    let w_ready = w_in.subscribe();
    ready("idle", &[&c_in, &w_ready, &subscribe_duration(50 * MS)]);

    c.sendall(b"poke capsock\n").unwrap();
    ready(
        "capsock data",
        &[&c_in, &w_ready, &subscribe_duration(10_000 * MS)],
    );
    println!(
        "capsock read: {:?}",
        String::from_utf8_lossy(&c.recv(16).unwrap())
    );
    ready(
        "after reading",
        &[&c_in, &w_ready, &subscribe_duration(50 * MS)],
    );

    c.sendall(b"poke wasi\n").unwrap();
    ready(
        "wasi data",
        &[&c_in, &w_ready, &subscribe_duration(10_000 * MS)],
    );
    println!(
        "wasi read: {:?}",
        String::from_utf8_lossy(&w_in.blocking_read(16).unwrap())
    );
    // wasmtime-wasi's stream stays ready until a read finds nothing (tokio clears its
    // readiness only then); capsock's pollables recheck at every wait instead.
    println!("wasi drained: {:?}", w_in.read(16).unwrap());

    let c_out = c.subscribe(POLLOUT).unwrap();
    ready("writable", &[&c_out, &subscribe_duration(10_000 * MS)]);

    let stdin_stream = get_stdin();
    let stdin = stdin_stream.subscribe();
    println!("waiting for stdin");
    std::io::stdout().flush().unwrap();
    ready(
        "stdin",
        &[&c_in, &w_ready, &stdin, &subscribe_duration(10_000 * MS)],
    );
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    println!("stdin read: {:?}", line);

    c.sendall(b"close\n").unwrap();
    ready("peer closed", &[&c_in, &subscribe_duration(10_000 * MS)]);
    println!("capsock at the end: {:?}", c.recv(16).unwrap());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("mix") => mix(args[2].parse().unwrap()),
        Some("forever") => {
            let (a, _b) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
            let readable = a.subscribe(POLLIN).unwrap();
            println!("waiting on a silent socket");
            std::io::stdout().flush().unwrap();
            readable.block();
            println!("woke up");
        }
        other => panic!("unknown mode {other:?}"),
    }
}
