//! The load generator of the event-loop benchmark (`cargo xtask bench --servers`), one
//! thread over epoll(7):
//!
//! - `load ADDR CONNS WARMUP_MS MEASURE_MS`: opens CONNS connections, then keeps one 64-byte
//!   request outstanding on each (the next goes once the whole echo is back); after WARMUP_MS
//!   it counts for MEASURE_MS, and prints one JSON line: `requests` in the window,
//!   `all_requests` (warm-up included), `seconds`, `p50_us`, `p99_us`, `errors`.
//! - `load ADDR hold N`: opens N connections, makes one round trip on each, prints `held N`,
//!   and keeps them open until its standard input closes.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

const SIZE: usize = 64;

fn connect_all(addr: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|i| TcpStream::connect(addr).unwrap_or_else(|e| panic!("connection {i}: {e}")))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = &args[1];
    if args[2] == "hold" {
        let n: usize = args[3].parse().expect("N");
        let mut conns = connect_all(addr, n);
        for c in &mut conns {
            c.write_all(&[7u8; SIZE]).expect("request");
        }
        for c in &mut conns {
            let mut back = [0u8; SIZE];
            c.read_exact(&mut back).expect("echo");
        }
        println!("held {n}");
        let mut rest = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut rest);
        return;
    }
    let n: usize = args[2].parse().expect("CONNS");
    let warmup = Duration::from_millis(args[3].parse().expect("WARMUP_MS"));
    let measure = Duration::from_millis(args[4].parse().expect("MEASURE_MS"));
    let mut conns = connect_all(addr, n);
    // SAFETY: epoll_create1 has no preconditions.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0);
    let mut sent_at = vec![Instant::now(); n];
    let mut got = vec![0usize; n];
    let request = [42u8; SIZE];
    for (i, c) in conns.iter_mut().enumerate() {
        c.set_nonblocking(true).expect("non-blocking");
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: i as u64,
        };
        // SAFETY: open descriptors, a valid event.
        let rc = unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, c.as_raw_fd(), &mut ev) };
        assert_eq!(rc, 0);
        c.write_all(&request).expect("first request");
        sent_at[i] = Instant::now();
    }
    let start = Instant::now();
    let (window_start, window_end) = (start + warmup, start + warmup + measure);
    let mut latencies: Vec<u32> = Vec::new();
    let (mut all, mut errors) = (0u64, 0u64);
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    let mut buf = [0u8; SIZE];
    while Instant::now() < window_end {
        // SAFETY: `events` has room for its length.
        let k = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, 100) };
        if k < 0 {
            continue;
        }
        for ev in &events[..k as usize] {
            let i = ev.u64 as usize;
            let c = &mut conns[i];
            match c.read(&mut buf[..SIZE - got[i]]) {
                Ok(0) => {
                    errors += 1;
                    continue;
                }
                Ok(m) => got[i] += m,
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(_) => {
                    errors += 1;
                    continue;
                }
            }
            if got[i] < SIZE {
                continue;
            }
            got[i] = 0;
            let now = Instant::now();
            all += 1;
            if now >= window_start && now < window_end {
                latencies.push(now.duration_since(sent_at[i]).as_micros() as u32);
            }
            match c.write(&request) {
                Ok(SIZE) => sent_at[i] = Instant::now(),
                _ => errors += 1,
            }
        }
    }
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "{{\"requests\": {}, \"all_requests\": {all}, \"seconds\": {}, \"p50_us\": {}, \"p99_us\": {}, \"errors\": {errors}}}",
        latencies.len(),
        measure.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
}
