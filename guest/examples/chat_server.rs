//! A chat server: `chat_server HOST:PORT`.
//!
//! Every line a client sends goes to every other client, as `[N] line`, N numbering the
//! clients in the order they came; joins and leaves are announced. One thread, over a
//! `DefaultSelector`, until it is stopped:
//!
//! ```sh
//! host run --allow 'bind tcp://127.0.0.1:7070' --allow 'accept tcp://127.0.0.1:*' \
//!     chat_server.wasm 127.0.0.1:7070
//! ```

use std::collections::BTreeMap;

use capsock::{DefaultSelector, EVENT_READ, Socket};

/// A client: its number, its socket, and what it sent after its last full line.
struct Client {
    number: u64,
    sock: Socket,
    partial: Vec<u8>,
}

/// Sends `line` to every client but `from`; a client that cannot take it (its buffers are
/// full, or it is gone) misses it, and the others are not held up.
fn broadcast(clients: &BTreeMap<i32, Client>, from: i32, line: &[u8]) {
    for (fileno, c) in clients {
        if *fileno != from {
            let _ = c.sock.send(line);
        }
    }
}

fn main() -> Result<(), capsock::Error> {
    let arg = std::env::args()
        .nth(1)
        .expect("usage: chat_server HOST:PORT");
    let (host, port) = arg.rsplit_once(':').expect("HOST:PORT");
    let port: u16 = port.parse().expect("PORT is a number");
    let server = capsock::create_server((host, port), Default::default())?;
    server.setblocking(false)?;
    println!("chat server listening on {}", server.getsockname()?);
    let mut sel = DefaultSelector::new()?;
    sel.register(&server, EVENT_READ, ())?;
    let mut clients: BTreeMap<i32, Client> = BTreeMap::new();
    let (mut next, mut buf) = (1u64, vec![0u8; 4096]);
    loop {
        let ready: Vec<i32> = sel.select(None)?.iter().map(|(k, _)| k.fileno).collect();
        for fileno in ready {
            if fileno == server.fileno() {
                while let Ok((sock, _)) = server.accept() {
                    sock.setblocking(false)?;
                    sel.register(&sock, EVENT_READ, ())?;
                    let number = next;
                    next += 1;
                    let _ = sock.send(format!("welcome, you are [{number}]\n").as_bytes());
                    broadcast(&clients, -1, format!("[{number}] joined\n").as_bytes());
                    let partial = Vec::new();
                    clients.insert(
                        sock.fileno(),
                        Client {
                            number,
                            sock,
                            partial,
                        },
                    );
                }
                continue;
            }
            let Some(client) = clients.get_mut(&fileno) else {
                continue;
            };
            let n = match client.sock.recv_into(&mut buf) {
                Ok(n) => n,
                Err(e) if e.is_blocking() => continue,
                Err(_) => 0,
            };
            if n == 0 {
                sel.unregister(&client.sock)?;
                let number = client.number;
                clients.remove(&fileno);
                broadcast(&clients, -1, format!("[{number}] left\n").as_bytes());
                continue;
            }
            client.partial.extend_from_slice(&buf[..n]);
            let mut lines = Vec::new();
            while let Some(end) = client.partial.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = client.partial.drain(..=end).collect();
                let mut out = format!("[{}] ", client.number).into_bytes();
                out.extend_from_slice(&line);
                lines.push(out);
            }
            for line in lines {
                broadcast(&clients, fileno, &line);
            }
        }
    }
}
