//! The one native peer of every benchmark workload (run it natively, never as a guest):
//!
//! ```text
//! peer sink     [--conns N] [--limit SECS]   count the bytes of each connection, reply with
//!                                            the count (8 bytes, little endian) at EOF
//! peer echo     [--conns N] [--limit SECS]   echo each connection until EOF (TCP_NODELAY)
//! peer udp-echo [--datagrams N] [--limit SECS]  echo datagrams to their sender
//! peer client ADDR [--conns N] [--limit SECS]   connect N times in sequence to a server:
//!                                            send 1 byte, read it back, close
//! ```
//!
//! The serving modes bind 127.0.0.1 port 0 and print `HOST:PORT` on a line of their own before
//! serving; connections are served one after the other. Every mode exits 0 after its work, or
//! with status 3 when `--limit` (default 300 s) passes first; every socket has a read timeout.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use capsock_bench::IO_TIMEOUT;

struct Opts {
    conns: u64,
    datagrams: u64,
    deadline: Instant,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("");
    let mut target = None;
    let mut opts = Opts {
        conns: 1,
        datagrams: 1,
        deadline: Instant::now() + Duration::from_secs(300),
    };
    let mut i = 1;
    while i < args.len() {
        let value = |i: usize| -> u64 {
            args.get(i + 1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage())
        };
        match args[i].as_str() {
            "--conns" => opts.conns = value(i),
            "--datagrams" => opts.datagrams = value(i),
            "--limit" => opts.deadline = Instant::now() + Duration::from_secs(value(i)),
            a if mode == "client" && target.is_none() && !a.starts_with("--") => {
                target = Some(a.to_owned());
                i += 1;
                continue;
            }
            _ => usage(),
        }
        i += 2;
    }
    let result = match mode {
        "sink" => tcp_server(&opts, sink),
        "echo" => tcp_server(&opts, echo),
        "udp-echo" => udp_echo(&opts),
        "client" => client(target.as_deref().unwrap_or_else(|| usage()), &opts),
        _ => usage(),
    };
    if let Err(e) = result {
        eprintln!("peer {mode}: {e}");
        std::process::exit(if Instant::now() >= opts.deadline {
            3
        } else {
            1
        });
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: peer sink|echo [--conns N] | udp-echo [--datagrams N] | client ADDR [--conns N]; all take [--limit SECS]"
    );
    std::process::exit(2)
}

/// Announces the bound address on its own line, for the harness to read.
fn announce(addr: std::net::SocketAddr) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{addr}")?;
    out.flush()
}

fn past(deadline: Instant) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("time limit reached at {deadline:?}"),
    )
}

/// Accepts `opts.conns` connections one after the other, handing each to `serve`.
fn tcp_server(opts: &Opts, serve: fn(TcpStream) -> io::Result<()>) -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    announce(listener.local_addr()?)?;
    listener.set_nonblocking(true)?;
    for _ in 0..opts.conns {
        let stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= opts.deadline {
                        return Err(past(opts.deadline));
                    }
                    wait_readable(&listener)?;
                }
                Err(e) => return Err(e),
            }
        };
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        serve(stream)?;
    }
    Ok(())
}

/// Blocks until the listener has a connection to accept, for at most 100 ms.
fn wait_readable(listener: &TcpListener) -> io::Result<()> {
    use std::os::fd::AsRawFd as _;
    let mut fds = [libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }];
    // SAFETY: `fds` is a valid array of one pollfd for the duration of the call.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), 1, 100) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn sink(mut s: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let mut count: u64 = 0;
    loop {
        match s.read(&mut buf)? {
            0 => break,
            n => count += n as u64,
        }
    }
    s.write_all(&count.to_le_bytes())
}

fn echo(mut s: TcpStream) -> io::Result<()> {
    s.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.read(&mut buf)? {
            0 => return Ok(()),
            n => s.write_all(&buf[..n])?,
        }
    }
}

fn udp_echo(opts: &Opts) -> io::Result<()> {
    let s = UdpSocket::bind("127.0.0.1:0")?;
    announce(s.local_addr()?)?;
    s.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut buf = [0u8; 65536];
    let mut echoed = 0;
    while echoed < opts.datagrams {
        match s.recv_from(&mut buf) {
            Ok((n, from)) => {
                s.send_to(&buf[..n], from)?;
                echoed += 1;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if Instant::now() >= opts.deadline {
                    return Err(past(opts.deadline));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn client(target: &str, opts: &Opts) -> io::Result<()> {
    for i in 0..opts.conns {
        // The server may still be starting: retry the first connection until the deadline.
        let mut s = loop {
            match TcpStream::connect(target) {
                Ok(s) => break s,
                Err(e) if i == 0 && e.kind() == io::ErrorKind::ConnectionRefused => {
                    if Instant::now() >= opts.deadline {
                        return Err(past(opts.deadline));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(e),
            }
        };
        s.set_read_timeout(Some(IO_TIMEOUT))?;
        s.write_all(b"x")?;
        let mut b = [0u8; 1];
        s.read_exact(&mut b)?;
    }
    Ok(())
}
