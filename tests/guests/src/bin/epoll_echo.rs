//! The event loop: Python's `select.epoll` and `selectors.DefaultSelector`. argv: `MODE`:
//! - `semantics`: level- and edge-triggered readiness, `EPOLLONESHOT` re-armed by `modify`,
//!   and the errors Python raises, on socketpairs; prints one line per check.
//! - `serve PORT CONNECTIONS`: a one-thread echo server on 127.0.0.1:PORT over a
//!   `DefaultSelector` with non-blocking sockets; echoes every byte, exits once CONNECTIONS
//!   connections have closed, and prints the most it held at once.
//! - `forever`: waits on an empty epoll without a timeout (the host's time limit ends it).
//! - `hold N`: holds N sockets at once (N/2 socketpairs), all registered in one epoll,
//!   makes every pair's first end readable and counts the ready ones in one wait.
//! - `limit`: under `--max-sockets 2`, makes two epoll instances, then a third and a socket
//!   (both refused), then a socket once one instance is closed.
use std::collections::HashMap;

use capsock::{
    AF_UNIX, DefaultSelector, EPOLLET, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EVENT_READ, EVENT_WRITE,
    Epoll, SOCK_STREAM, Socket, create_server, socketpair,
};

fn semantics() {
    let ep = Epoll::new().unwrap();
    let (a, b) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    let (c, d) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    let (e, f) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    ep.register(&a, EPOLLIN).unwrap();
    ep.register(&c, EPOLLIN | EPOLLET).unwrap();
    ep.register(&e, EPOLLIN | EPOLLONESHOT).unwrap();
    let err = ep.register(&a, EPOLLIN).unwrap_err();
    println!("register twice: {}", err.python_class());
    println!("nothing ready: {:?}", ep.poll(Some(0.0), -1).unwrap());
    for s in [&b, &d, &f] {
        s.send(b"x").unwrap();
    }
    let sorted = |mut v: Vec<(i32, u32)>| {
        v.sort();
        v.iter()
            .map(|(fd, ev)| {
                let name = [(a.fileno(), "a"), (c.fileno(), "c"), (e.fileno(), "e")]
                    .iter()
                    .find(|(n, _)| n == fd)
                    .map_or("?", |(_, name)| name);
                format!("{name}:{ev}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("all three: {}", sorted(ep.poll(Some(5.0), -1).unwrap()));
    println!(
        "again (level-triggered only): {}",
        sorted(ep.poll(Some(0.0), -1).unwrap())
    );
    d.send(b"y").unwrap();
    println!(
        "new data re-fires the edge: {}",
        sorted(ep.poll(Some(5.0), -1).unwrap())
    );
    ep.modify(&e, EPOLLIN | EPOLLONESHOT).unwrap();
    println!(
        "modify re-arms the one-shot: {}",
        sorted(ep.poll(Some(0.0), -1).unwrap())
    );
    // EPOLLOUT: a socketpair end with room to write is ready at once.
    ep.modify(&c, EPOLLOUT).unwrap();
    println!("maxevents 1: {}", ep.poll(Some(0.0), 1).unwrap().len());
    println!(
        "readable and writable: {}",
        sorted(ep.poll(Some(0.0), -1).unwrap())
    );
    ep.unregister(&a).unwrap();
    println!(
        "unregister twice: {}",
        ep.unregister(&a).unwrap_err().python_class()
    );
    println!("maxevents 0: {}", ep.poll(Some(0.0), 0).unwrap_err());
    let mut closed = Epoll::new().unwrap();
    closed.close();
    println!(
        "closed: {} {}",
        closed.closed(),
        closed.poll(Some(0.0), -1).unwrap_err()
    );

    let mut sel: DefaultSelector<&str> = DefaultSelector::new().unwrap();
    sel.register(&a, EVENT_READ, "a").unwrap();
    println!(
        "selector twice: {}",
        sel.register(&a, EVENT_READ, "a")
            .unwrap_err()
            .python_class()
    );
    println!(
        "selector events 4: {}",
        sel.register(&c, 4, "c").unwrap_err()
    );
    let ready: Vec<String> = sel
        .select(Some(0.0))
        .unwrap()
        .iter()
        .map(|(k, ev)| format!("{}:{ev}", k.data))
        .collect();
    println!("selector ready: {ready:?}");
    sel.modify(&a, EVENT_READ | EVENT_WRITE, "a2").unwrap();
    let ready: Vec<String> = sel
        .select(None)
        .unwrap()
        .iter()
        .map(|(k, ev)| format!("{}:{ev}", k.data))
        .collect();
    println!("selector after modify: {ready:?}");
    let key = sel.unregister(&a).unwrap();
    println!("unregistered {} {}", key.data, key.events);
    println!("get_key: {}", sel.get_key(&a).unwrap_err().python_class());
}

struct Conn {
    sock: Socket,
    out: Vec<u8>,
}

fn serve(port: u16, connections: usize) {
    let server = create_server(("127.0.0.1", port), Default::default()).unwrap();
    server.setblocking(false).unwrap();
    let mut sel: DefaultSelector<bool> = DefaultSelector::new().unwrap();
    sel.register(&server, EVENT_READ, true).unwrap();
    let mut conns: HashMap<i32, Conn> = HashMap::new();
    let (mut closed, mut most, mut buf) = (0, 0, vec![0u8; 65536]);
    while closed < connections {
        let ready: Vec<(i32, bool, u32)> = sel
            .select(Some(60.0))
            .unwrap()
            .into_iter()
            .map(|(k, ev)| (k.fileno, k.data, ev))
            .collect();
        assert!(!ready.is_empty(), "nothing happened for 60 s");
        for (fileno, listener, ev) in ready {
            if listener {
                loop {
                    match server.accept() {
                        Ok((sock, _)) => {
                            sock.setblocking(false).unwrap();
                            sel.register(&sock, EVENT_READ, false).unwrap();
                            conns.insert(
                                sock.fileno(),
                                Conn {
                                    sock,
                                    out: Vec::new(),
                                },
                            );
                        }
                        Err(e) if e.is_blocking() => break,
                        Err(e) => panic!("accept: {e:?}"),
                    }
                }
                most = most.max(conns.len());
                continue;
            }
            let conn = conns.get_mut(&fileno).expect("a registered connection");
            if ev & EVENT_READ != 0 {
                match conn.sock.recv_into(&mut buf) {
                    Ok(0) => {
                        sel.unregister(&conn.sock).unwrap();
                        conns.remove(&fileno);
                        closed += 1;
                        continue;
                    }
                    Ok(n) => conn.out.extend_from_slice(&buf[..n]),
                    Err(e) if e.is_blocking() => {}
                    Err(e) => panic!("recv: {e:?}"),
                }
            }
            if !conn.out.is_empty() {
                match conn.sock.send(&conn.out) {
                    Ok(n) => {
                        conn.out.drain(..n);
                    }
                    Err(e) if e.is_blocking() => {}
                    Err(e) => panic!("send: {e:?}"),
                }
            }
            let want = match conn.out.is_empty() {
                true => EVENT_READ,
                false => EVENT_READ | EVENT_WRITE,
            };
            if sel.get_key(&conn.sock).unwrap().events != want {
                sel.modify(&conn.sock, want, false).unwrap();
            }
        }
    }
    println!("most held at once: {most}");
    println!("closed: {closed}");
}

fn main() {
    let args = capsock_test_guests::args();
    match args[0].as_str() {
        "semantics" => semantics(),
        "serve" => serve(
            args[1].parse().expect("PORT"),
            args[2].parse().expect("CONNECTIONS"),
        ),
        "hold" => {
            let n: usize = args[1].parse().expect("N");
            let ep = Epoll::new().unwrap();
            let pairs: Vec<(Socket, Socket)> = (0..n / 2)
                .map(|_| socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap())
                .collect();
            for (a, b) in &pairs {
                ep.register(a, EPOLLIN).unwrap();
                b.send(b"x").unwrap();
            }
            let ready = ep.poll(Some(10.0), n as i32).unwrap();
            println!(
                "held {} sockets; {} ready in one wait",
                pairs.len() * 2,
                ready.len()
            );
        }
        "limit" => {
            let mut first = Epoll::new().unwrap();
            let _second = Epoll::new().unwrap();
            println!("third: {:?}", Epoll::new().unwrap_err().errno());
            let tcp = Socket::new(capsock::AF_INET, SOCK_STREAM, 0);
            println!("socket: {:?}", tcp.unwrap_err().errno());
            first.close();
            let tcp = Socket::new(capsock::AF_INET, SOCK_STREAM, 0);
            println!("socket after close: {}", tcp.is_ok());
        }
        "forever" => {
            let ep = Epoll::new().unwrap();
            println!("waiting on an empty epoll");
            ep.poll(None, -1).unwrap();
            println!("woke up");
        }
        other => panic!("unknown mode {other}"),
    }
}
