//! The same operations through either door, for the runner to compare what the host recorded:
//! argv[0] is `std` (Rust `std::net`, wasi:sockets) or `capsock` (capsock's socket API).
//!
//! argv: `DOOR ECHO_PORT DENIED_PORT BIND_PORT UDP_ECHO_PORT DENIED_NAME`. In order:
//! 1. look `localhost` up and print its IPv4 addresses;
//! 2. connect to the first of them at ECHO_PORT and exchange a message with the echo server;
//! 3. connect to 127.0.0.1:DENIED_PORT;
//! 4. bind 127.0.0.1:BIND_PORT and listen;
//! 5. send a datagram to 127.0.0.1:UDP_ECHO_PORT from an unbound (wildcard) socket and
//!    receive its echo;
//! 6. look DENIED_NAME up.
//!
//! Each step prints `STEP -> ok` (or its result) or `STEP -> KIND`, the `std::io::ErrorKind`
//! of the failure, the same words for both doors.
use std::io::{self, Read, Write};
use std::net::{
    Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream, ToSocketAddrs, UdpSocket,
};

use capsock::{AF_INET, Address, SOCK_DGRAM, SOCK_STREAM, Socket};

const MESSAGE: &[u8] = b"door parity";

fn report(step: &str, result: io::Result<String>) {
    match result {
        Ok(text) => println!("{step} -> {text}"),
        Err(e) => println!("{step} -> {:?}", e.kind()),
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddrV4::new(Ipv4Addr::LOCALHOST, port).into()
}

/// The operations through Rust's `std::net`.
struct Std;

/// The operations through capsock.
struct Capsock;

trait Door {
    fn resolve(&self, name: &str, port: u16) -> io::Result<Vec<SocketAddr>>;
    fn echo(&self, addr: SocketAddr) -> io::Result<()>;
    fn connect(&self, addr: SocketAddr) -> io::Result<()>;
    fn listen(&self, addr: SocketAddr) -> io::Result<()>;
    fn udp_echo(&self, addr: SocketAddr) -> io::Result<()>;
}

impl Door for Std {
    fn resolve(&self, name: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok((name, port).to_socket_addrs()?.collect())
    }
    fn echo(&self, addr: SocketAddr) -> io::Result<()> {
        let mut s = TcpStream::connect(addr)?;
        s.write_all(MESSAGE)?;
        let mut got = [0u8; MESSAGE.len()];
        s.read_exact(&mut got)?;
        assert_eq!(got, MESSAGE, "echo differs");
        Ok(())
    }
    fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        TcpStream::connect(addr).map(drop)
    }
    fn listen(&self, addr: SocketAddr) -> io::Result<()> {
        TcpListener::bind(addr).map(drop)
    }
    fn udp_echo(&self, addr: SocketAddr) -> io::Result<()> {
        let s = UdpSocket::bind("0.0.0.0:0")?;
        assert_eq!(s.send_to(MESSAGE, addr)?, MESSAGE.len());
        let mut buf = [0u8; 64];
        let (n, from) = s.recv_from(&mut buf)?;
        assert_eq!((&buf[..n], from), (MESSAGE, addr), "echo differs");
        Ok(())
    }
}

impl Door for Capsock {
    fn resolve(&self, name: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let infos = capsock::getaddrinfo(name, port, AF_INET, SOCK_STREAM, 0, 0)?;
        Ok(infos
            .into_iter()
            .filter_map(|(_, _, _, _, address)| match address {
                Address::Inet(host, port) => Some(SocketAddr::new(host.parse().ok()?, port)),
                _ => None,
            })
            .collect())
    }
    fn echo(&self, addr: SocketAddr) -> io::Result<()> {
        let s = Socket::new(AF_INET, SOCK_STREAM, 0)?;
        s.connect(addr)?;
        s.sendall(MESSAGE)?;
        let mut got = Vec::new();
        for _ in 0..MESSAGE.len() {
            if got.len() >= MESSAGE.len() {
                break;
            }
            let chunk = s.recv(64)?;
            assert!(!chunk.is_empty(), "echo server closed early");
            got.extend_from_slice(&chunk);
        }
        assert_eq!(got, MESSAGE, "echo differs");
        Ok(())
    }
    fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        Socket::new(AF_INET, SOCK_STREAM, 0)?.connect(addr)?;
        Ok(())
    }
    fn listen(&self, addr: SocketAddr) -> io::Result<()> {
        let s = Socket::new(AF_INET, SOCK_STREAM, 0)?;
        s.bind(addr)?;
        s.listen(None)?;
        Ok(())
    }
    fn udp_echo(&self, addr: SocketAddr) -> io::Result<()> {
        let s = Socket::new(AF_INET, SOCK_DGRAM, 0)?;
        assert_eq!(s.sendto(MESSAGE, addr)?, MESSAGE.len());
        let (data, from) = s.recvfrom(64)?;
        assert_eq!(data, MESSAGE, "echo differs");
        assert_eq!(
            from,
            Some(Address::from(addr)),
            "the echo comes from the server"
        );
        Ok(())
    }
}

fn main() {
    let args = capsock_test_guests::args();
    let door: &dyn Door = match args[0].as_str() {
        "std" => &Std,
        "capsock" => &Capsock,
        other => panic!("unknown door {other:?}"),
    };
    let port = |i: usize| -> u16 { args[i].parse().expect("a port") };
    let (echo, denied, bind, udp) = (port(1), port(2), port(3), port(4));
    let denied_name = args[5].as_str();

    let mut target = None;
    report(
        "resolve localhost",
        door.resolve("localhost", echo).map(|addrs| {
            let v4: Vec<SocketAddr> = addrs.into_iter().filter(SocketAddr::is_ipv4).collect();
            target = v4.first().copied();
            v4.iter()
                .map(|a| a.ip().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        }),
    );
    let target = target.expect("localhost has an IPv4 address");
    report("connect allowed", door.echo(target).map(|()| "ok".into()));
    report(
        "connect denied",
        door.connect(loopback(denied)).map(|()| "ok".into()),
    );
    report("listen", door.listen(loopback(bind)).map(|()| "ok".into()));
    report("udp", door.udp_echo(loopback(udp)).map(|()| "ok".into()));
    report(
        &format!("resolve {denied_name}"),
        door.resolve(denied_name, 80).map(|_| "ok".into()),
    );
}
