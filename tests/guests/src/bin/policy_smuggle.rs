//! A guest that tries to hand sockets made under the host's privileges to a native process.
//! argv: `PATH`: connects to the Unix socket at `PATH` and passes, one message each, a
//! netlink route socket, a raw IP socket (protocol 253), a packet socket, a ping socket and,
//! for contrast, a TCP socket, printing each outcome; then sends `done`.
use capsock::{
    AF_INET, AF_NETLINK, AF_PACKET, AF_UNIX, Address, IPPROTO_ICMP, NETLINK_ROUTE, SOCK_DGRAM,
    SOCK_RAW, SOCK_STREAM, Socket, send_fds,
};

fn main() {
    let args = capsock_test_guests::args();
    let conn = Socket::new(AF_UNIX, SOCK_STREAM, 0).unwrap();
    conn.settimeout(Some(20.0)).unwrap();
    conn.connect(Address::Unix(args[0].as_bytes().to_vec()))
        .expect("connect");
    let made = [
        ("netlink", Socket::new(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)),
        ("raw IP", Socket::new(AF_INET, SOCK_RAW, 253)),
        ("packet", Socket::new(AF_PACKET, SOCK_RAW, 0)),
        ("ping", Socket::new(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)),
        ("tcp", Socket::new(AF_INET, SOCK_STREAM, 0)),
    ];
    for (what, sock) in made {
        let sock = sock.unwrap_or_else(|e| panic!("{what}: {e:?}"));
        match send_fds(&conn, &[what.as_bytes()], &[sock.fileno()], 0, None) {
            Ok(_) => println!("{what}: passed"),
            Err(e) => println!("{what}: errno {:?}: {}", e.errno(), e.strerror()),
        }
    }
    conn.sendall(b"done").unwrap();
}
