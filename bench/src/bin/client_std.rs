//! The benchmark workloads written with Rust's `std::net`: built natively it is contender (a),
//! built for wasm32-wasip2 and run under `host run` it is contender (c), wasi:sockets as
//! implemented by wasmtime-wasi. See the crate docs for the command line.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::time::Instant;

use capsock_bench::{DATAGRAM_SIZE, IO_TIMEOUT, Measured, PING_SIZE, Workload, exit_on_error};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workload = match Workload::parse(&args) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    exit_on_error(run(workload));
}

fn connect(addr: &str) -> io::Result<TcpStream> {
    let s = TcpStream::connect(addr)?;
    read_timeout(s.set_read_timeout(Some(IO_TIMEOUT)))?;
    Ok(s)
}

/// wasi-libc has no `SO_RCVTIMEO` (ENOPROTOOPT): under wasi:sockets the host's `--timeout`
/// bounds the run instead. Natively a failure is a failure.
fn read_timeout(set: io::Result<()>) -> io::Result<()> {
    match set {
        Err(_) if cfg!(target_os = "wasi") => Ok(()),
        other => other,
    }
}

fn run(workload: Workload) -> io::Result<Measured> {
    let mut m = Measured::default();
    match workload {
        Workload::Bulk { addr, total, write } => {
            let mut s = connect(&addr)?;
            let buf = vec![0x5au8; write];
            let start = Instant::now();
            let mut left = total;
            while left > 0 {
                let n = left.min(write as u64) as usize;
                s.write_all(&buf[..n])?;
                left -= n as u64;
                m.ops += 1;
            }
            s.shutdown(Shutdown::Write)?;
            let mut count = [0u8; 8];
            s.read_exact(&mut count)?;
            m.wall_ns = start.elapsed().as_nanos();
            if u64::from_le_bytes(count) != total {
                return Err(io::Error::other(format!(
                    "the sink counted {} bytes, {total} were sent",
                    u64::from_le_bytes(count)
                )));
            }
            m.bytes = total;
        }
        Workload::PingPong { addr, n } => {
            let mut s = connect(&addr)?;
            // wasi:sockets has no TCP_NODELAY; the harness reports whether it was set.
            m.nodelay = s.set_nodelay(true).is_ok();
            let mut msg = [0x11u8; PING_SIZE];
            let start = Instant::now();
            for _ in 0..n {
                s.write_all(&msg)?;
                s.read_exact(&mut msg)?;
                m.ops += 1;
            }
            m.wall_ns = start.elapsed().as_nanos();
            m.bytes = n * PING_SIZE as u64;
        }
        Workload::Connect { addr, n } => {
            let start = Instant::now();
            for _ in 0..n {
                let mut s = connect(&addr)?;
                s.write_all(b"x")?;
                let mut b = [0u8; 1];
                s.read_exact(&mut b)?;
                drop(s);
                m.ops += 1;
            }
            m.wall_ns = start.elapsed().as_nanos();
            m.bytes = n;
        }
        Workload::Udp { addr, n } => {
            let s = UdpSocket::bind("127.0.0.1:0")?;
            read_timeout(s.set_read_timeout(Some(IO_TIMEOUT)))?;
            let peer: std::net::SocketAddr = addr
                .parse()
                .map_err(|e| io::Error::other(format!("{addr}: {e}")))?;
            let mut buf = [0x22u8; DATAGRAM_SIZE];
            let start = Instant::now();
            for _ in 0..n {
                s.send_to(&buf, peer)?;
                let (got, _) = s.recv_from(&mut buf)?;
                if got != DATAGRAM_SIZE {
                    return Err(io::Error::other(format!("a {got}-byte echo")));
                }
                m.ops += 1;
            }
            m.wall_ns = start.elapsed().as_nanos();
            m.bytes = n * DATAGRAM_SIZE as u64;
        }
        Workload::Server { addr, n } => {
            let listener = TcpListener::bind(&addr)?;
            let serve = || -> io::Result<()> {
                let (mut s, _) = listener.accept()?;
                read_timeout(s.set_read_timeout(Some(IO_TIMEOUT)))?;
                let mut b = [0u8; 1];
                s.read_exact(&mut b)?;
                s.write_all(&b)?;
                // Wait for the client to close first (its side keeps the TIME_WAIT).
                while s.read(&mut b)? != 0 {}
                Ok(())
            };
            serve()?; // the warm-up connection
            let start = Instant::now();
            for _ in 0..n {
                serve()?;
                m.ops += 1;
            }
            m.wall_ns = start.elapsed().as_nanos();
            m.bytes = n;
        }
    }
    Ok(m)
}
