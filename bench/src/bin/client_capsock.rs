//! The benchmark workloads written with the `capsock` crate (Python's socket API): contender
//! (b), built for wasm32-wasip2 and run under `host run`. The same loops as `client_std`, in
//! the way a capsock user writes them (`sendall`, `recv_into`, `sendto`, `recvfrom_into`).
//! See the crate docs for the command line. Natively it compiles but cannot run.

use std::time::Instant;

use capsock::{AF_INET, IPPROTO_TCP, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, Socket, TCP_NODELAY};
use capsock_bench::{
    DATAGRAM_SIZE, IO_TIMEOUT, Measured, PING_SIZE, Workload, exit_on_error, split_addr,
};

fn main() {
    if !cfg!(target_arch = "wasm32") {
        eprintln!("client_capsock runs only as a wasm32-wasip2 guest under `host run`");
        std::process::exit(2);
    }
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

fn timeout() -> Option<f64> {
    Some(IO_TIMEOUT.as_secs_f64())
}

fn connect(addr: &str) -> capsock::Result<Socket> {
    let s = Socket::new(AF_INET, SOCK_STREAM, 0)?;
    s.settimeout(timeout())?;
    s.connect(split_addr(addr))?;
    Ok(s)
}

/// Fills `buf` completely (Python's loop around `recv_into`).
fn recv_exact(s: &Socket, buf: &mut [u8]) -> capsock::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        let n = s.recv_into(&mut buf[got..])?;
        if n == 0 {
            return Err(capsock::Error::os(
                0,
                "the peer closed the connection early",
            ));
        }
        got += n;
    }
    Ok(())
}

fn run(workload: Workload) -> capsock::Result<Measured> {
    let mut m = Measured::default();
    match workload {
        Workload::Bulk { addr, total, write } => {
            let s = connect(&addr)?;
            let buf = vec![0x5au8; write];
            let start = Instant::now();
            let mut left = total;
            while left > 0 {
                let n = left.min(write as u64) as usize;
                s.sendall(&buf[..n])?;
                left -= n as u64;
                m.ops += 1;
            }
            s.shutdown(SHUT_WR)?;
            let mut count = [0u8; 8];
            recv_exact(&s, &mut count)?;
            m.wall_ns = start.elapsed().as_nanos();
            if u64::from_le_bytes(count) != total {
                return Err(capsock::Error::os(
                    0,
                    format!(
                        "the sink counted {} bytes, {total} were sent",
                        u64::from_le_bytes(count)
                    ),
                ));
            }
            m.bytes = total;
        }
        Workload::PingPong { addr, n } => {
            let s = connect(&addr)?;
            s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)?;
            m.nodelay = true;
            let mut msg = [0x11u8; PING_SIZE];
            let start = Instant::now();
            for _ in 0..n {
                s.sendall(&msg)?;
                recv_exact(&s, &mut msg)?;
                m.ops += 1;
            }
            m.wall_ns = start.elapsed().as_nanos();
            m.bytes = n * PING_SIZE as u64;
        }
        Workload::Connect { addr, n } => {
            let target = split_addr(&addr);
            let start = Instant::now();
            for _ in 0..n {
                let s = Socket::new(AF_INET, SOCK_STREAM, 0)?;
                s.settimeout(timeout())?;
                s.connect((target.0.as_str(), target.1))?;
                s.sendall(b"x")?;
                let mut b = [0u8; 1];
                recv_exact(&s, &mut b)?;
                drop(s);
                m.ops += 1;
            }
            m.wall_ns = start.elapsed().as_nanos();
            m.bytes = n;
        }
        Workload::Udp { addr, n } => {
            let target = split_addr(&addr);
            let s = Socket::new(AF_INET, SOCK_DGRAM, 0)?;
            s.settimeout(timeout())?;
            s.bind(("127.0.0.1", 0))?;
            let mut buf = [0x22u8; DATAGRAM_SIZE];
            let start = Instant::now();
            for _ in 0..n {
                s.sendto(&buf, (target.0.as_str(), target.1))?;
                let (got, _) = s.recvfrom_into(&mut buf)?;
                if got != DATAGRAM_SIZE {
                    return Err(capsock::Error::os(0, format!("a {got}-byte echo")));
                }
                m.ops += 1;
            }
            m.wall_ns = start.elapsed().as_nanos();
            m.bytes = n * DATAGRAM_SIZE as u64;
        }
        Workload::Server { addr, n } => {
            let listener = Socket::new(AF_INET, SOCK_STREAM, 0)?;
            listener.bind(split_addr(&addr))?;
            listener.listen(None)?;
            let serve = || -> capsock::Result<()> {
                let (s, _) = listener.accept()?;
                s.settimeout(timeout())?;
                let mut b = [0u8; 1];
                recv_exact(&s, &mut b)?;
                s.sendall(&b)?;
                // Wait for the client to close first (its side keeps the TIME_WAIT).
                while s.recv_into(&mut b)? != 0 {}
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
