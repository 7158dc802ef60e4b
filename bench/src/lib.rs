//! Shared pieces of the benchmark programs: the workload command line every contender
//! understands, and the one JSON result line each prints.
//!
//! Every contender (`client_std` native and for wasm32-wasip2, `client_capsock` for
//! wasm32-wasip2) takes the same arguments:
//!
//! ```text
//! bulk ADDR TOTAL_BYTES WRITE_SIZE   send TOTAL_BYTES in writes of WRITE_SIZE to a sink,
//!                                    shut down writing, read the sink's 8-byte count back
//! pingpong ADDR N                    N round trips of 64 bytes on one TCP_NODELAY connection
//! connect ADDR N                     N times: connect, send 1 byte, read it back, close
//! udp ADDR N                         N round trips of a 512-byte datagram
//! server ADDR N                      listen on ADDR; serve 1 warm-up connection, then N timed
//!                                    ones: read 1 byte, echo it, wait for EOF, close
//! ```
//!
//! and prints one line `{"ops":N,"wall_ns":W,"bytes":B,"nodelay":true}` where `wall_ns` is
//! measured around the loop only (connection set-up of `bulk`/`pingpong`/`udp` excluded).
//! `N` may be 0: a zero-work run, to subtract start-up costs.

use std::time::Duration;

/// Size of one ping-pong message.
pub const PING_SIZE: usize = 64;
/// Size of one UDP datagram.
pub const DATAGRAM_SIZE: usize = 512;
/// Read timeout every contender and the peer put on their sockets, so nothing hangs.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// One workload, as parsed from the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Workload {
    /// TCP bulk transfer to the sink.
    Bulk {
        /// `HOST:PORT` of the sink.
        addr: String,
        /// Bytes to send in all.
        total: u64,
        /// Bytes per write.
        write: usize,
    },
    /// 64-byte request/response on one connection.
    PingPong {
        /// `HOST:PORT` of the echo peer.
        addr: String,
        /// Round trips.
        n: u64,
    },
    /// Connect, 1-byte echo, close.
    Connect {
        /// `HOST:PORT` of the echo peer.
        addr: String,
        /// Connections.
        n: u64,
    },
    /// 512-byte datagram request/response.
    Udp {
        /// `HOST:PORT` of the UDP echo peer.
        addr: String,
        /// Round trips.
        n: u64,
    },
    /// Accept and echo sequential connections from the peer's client mode.
    Server {
        /// `HOST:PORT` to listen on.
        addr: String,
        /// Timed connections (after one warm-up connection).
        n: u64,
    },
}

/// The usage line of the contenders.
pub const USAGE: &str =
    "usage: bulk ADDR TOTAL WRITE | pingpong ADDR N | connect ADDR N | udp ADDR N | server ADDR N";

impl Workload {
    /// Parses `argv[1..]`.
    pub fn parse(args: &[String]) -> Result<Workload, String> {
        let num = |i: usize| -> Result<u64, String> {
            args.get(i)
                .ok_or_else(|| USAGE.to_owned())?
                .parse::<u64>()
                .map_err(|e| format!("argument {i}: {e}"))
        };
        let addr = args.get(1).cloned().ok_or_else(|| USAGE.to_owned())?;
        Ok(match args.first().map(String::as_str) {
            Some("bulk") => {
                let write = num(3)? as usize;
                if write == 0 {
                    return Err("WRITE must be at least 1".to_owned());
                }
                Workload::Bulk {
                    addr,
                    total: num(2)?,
                    write,
                }
            }
            Some("pingpong") => Workload::PingPong { addr, n: num(2)? },
            Some("connect") => Workload::Connect { addr, n: num(2)? },
            Some("udp") => Workload::Udp { addr, n: num(2)? },
            Some("server") => Workload::Server { addr, n: num(2)? },
            _ => return Err(USAGE.to_owned()),
        })
    }
}

/// Splits `HOST:PORT` (`[v6]:PORT` too).
pub fn split_addr(addr: &str) -> (String, u16) {
    let (host, port) = addr.rsplit_once(':').expect("HOST:PORT");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host.to_owned(), port.parse().expect("PORT is a number"))
}

/// What a contender measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    /// Operations done (writes, round trips, connections, datagrams).
    pub ops: u64,
    /// Wall time around the loop, in nanoseconds.
    pub wall_ns: u128,
    /// Payload bytes sent.
    pub bytes: u64,
    /// Whether TCP_NODELAY could be set (wasi:sockets has no such option).
    pub nodelay: bool,
}

impl Measured {
    /// The one JSON line the harness reads.
    pub fn json(&self) -> String {
        format!(
            "{{\"ops\":{},\"wall_ns\":{},\"bytes\":{},\"nodelay\":{}}}",
            self.ops, self.wall_ns, self.bytes, self.nodelay
        )
    }
}

/// Runs `main_inner` and turns an error into a message and exit status 1.
pub fn exit_on_error<E: std::fmt::Display>(result: Result<Measured, E>) {
    match result {
        Ok(m) => println!("{}", m.json()),
        Err(e) => {
            eprintln!("bench client: {e}");
            std::process::exit(1);
        }
    }
}
