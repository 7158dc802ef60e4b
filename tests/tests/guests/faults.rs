//! Faults (issue 13): peers that reset mid-receive and mid-send, close under a sender, never
//! read, or half-close; an unreachable network; the host process out of descriptors. Each
//! native peer returns what it saw, and the test asserts it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::Duration;

use capsock_tests::{FAULTS, Guest, Netns};

use super::bypass::host_run;
use super::cli::{host_bin, test_cache};

/// A loopback listener and the peer `serve` runs on its first connection, on a thread;
/// returns the address and the peer's answer.
fn peer<R: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> R + Send + 'static,
) -> (String, std::thread::JoinHandle<R>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("the guest connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        serve(stream)
    });
    (addr, handle)
}

/// Closes `stream` with a reset (`SO_LINGER` zero), as a crashed peer does.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a `linger` of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "SO_LINGER");
    drop(stream);
}

fn line(stream: &TcpStream) -> String {
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("a line from the guest");
    line
}

fn run(mode: &str, addr: &str) -> String {
    Guest::new(FAULTS)
        .arg(mode)
        .arg(addr)
        .allow(&format!("connect tcp://{addr}"))
        .run_ok()
}

/// Runs `f` with `SIGPIPE` blocked on this thread and says whether `f` raised one. A blocked
/// signal is never discarded, even where it is ignored (as Rust programs ignore `SIGPIPE`),
/// so a send without `MSG_NOSIGNAL` on this thread would leave it pending.
fn raised_sigpipe<R>(f: impl FnOnce() -> R) -> (R, bool) {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use; the calls act
    // on this thread's mask and pending set only.
    unsafe {
        let mut pipe: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe);
        libc::sigaddset(&mut pipe, libc::SIGPIPE);
        let mut old: libc::sigset_t = std::mem::zeroed();
        assert_eq!(libc::pthread_sigmask(libc::SIG_BLOCK, &pipe, &mut old), 0);
        let result = f();
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut pending);
        let raised = libc::sigismember(&pending, libc::SIGPIPE) == 1;
        if raised {
            let now = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            libc::sigtimedwait(&pipe, std::ptr::null_mut(), &now);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        (result, raised)
    }
}

/// The guest is blocked in `recv` when its peer resets: `ConnectionResetError`.
#[test]
fn fault_reset_recv() {
    let (addr, peer) = peer(|stream| {
        let said = line(&stream);
        reset(stream);
        said
    });
    let out = run("reset-recv", &addr);
    assert_eq!(
        out, "recv: ConnectionResetError (errno Some(104))\n",
        "{out}"
    );
    assert_eq!(peer.join().unwrap(), "receiving\n");
}

/// The peer resets after reading 1 MiB of a 64 MiB `sendall`: the send fails (reset or broken
/// pipe), with no signal.
#[test]
fn fault_reset_send() {
    let (addr, peer) = peer(|mut stream| {
        let mut first = vec![0u8; 1 << 20];
        stream.read_exact(&mut first).expect("1 MiB from the guest");
        reset(stream);
        first.iter().all(|&b| b == 7)
    });
    let (out, raised) = raised_sigpipe(|| run("reset-send", &addr));
    assert!(out.starts_with("sendall: failed with "), "{out}");
    assert!(!raised, "a send raised SIGPIPE");
    assert!(peer.join().unwrap(), "the peer read the guest's bytes");
}

/// Sends after the peer closed: `BrokenPipeError` (`EPIPE`), and no `SIGPIPE` is raised on the
/// thread that ran the guest (the host sends with `MSG_NOSIGNAL`).
#[test]
pub fn faults() {
    let (addr, peer) = peer(|stream| {
        let said = line(&stream);
        drop(stream);
        said
    });
    let (out, raised) = raised_sigpipe(|| run("epipe", &addr));
    assert_eq!(
        out, "send after close: BrokenPipeError (errno Some(32))\n",
        "{out}"
    );
    assert!(!raised, "a send raised SIGPIPE");
    assert_eq!(peer.join().unwrap(), "bye\n");
}

/// A peer that never reads: a non-blocking send meets `EAGAIN` once the buffers are full,
/// and `sendall` under a timeout ends in `TimeoutError`.
#[test]
fn fault_never_reads() {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let (addr, peer) = peer(move |stream| {
        // Holds the connection, reading nothing, until the guest is done (at most 60 s).
        let _ = done_rx.recv_timeout(Duration::from_secs(60));
        drop(stream);
    });
    let out = run("never-reads", &addr);
    done_tx.send(()).unwrap();
    peer.join().unwrap();
    assert_eq!(
        out,
        "non-blocking send: BlockingIOError (errno Some(11)) after some bytes\n\
         sendall with a timeout: TimeoutError\n"
    );
}

/// The peer sends and shuts its sending side: the guest reads the data, then end of stream
/// (it stays), and still sends what the peer then reads.
#[test]
fn fault_peer_half_close() {
    let (addr, peer) = peer(|mut stream| {
        stream.write_all(b"hello\n").unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut rest = String::new();
        stream
            .read_to_string(&mut rest)
            .expect("the guest's answer");
        rest
    });
    let out = run("peer-half-close", &addr);
    assert_eq!(
        out,
        "read: \"hello\\n\", then end of stream\n\
         again: []\n\
         sent after the peer's half-close\n"
    );
    assert_eq!(peer.join().unwrap(), "still talking\n");
}

/// A connect to a network whose route is `unreachable` (in a namespace the test makes):
/// `EHOSTUNREACH`, through `host run`.
#[test]
fn fault_unreachable() {
    let ns = Netns::new("unreach", &[]);
    let status = ns
        .command("ip")
        .args(["route", "add", "unreachable", "10.99.0.0/24"])
        .status()
        .expect("run ip");
    assert!(status.success(), "add the unreachable route");
    let ran = host_run(
        Some(&ns),
        &["--allow".into(), "connect tcp://10.99.0.1:80".into()],
        FAULTS,
        &["unreachable".into(), "10.99.0.1:80".into()],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "connect: OSError (errno Some(113)) [Errno 113] No route to host\n"
    );
}

/// The host process out of descriptors (its limit lowered to 64 for this run): the guest
/// gets `EMFILE` with a message that names the host's limit, and once it closes its sockets
/// the descriptors are back: nothing leaked.
#[test]
fn fault_descriptors() {
    let mut cmd = Command::new("sh");
    cmd.env("XDG_CACHE_HOME", test_cache())
        .args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\""])
        .arg(host_bin())
        .args([
            "run",
            "--max-sockets",
            "100000",
            FAULTS,
            "descriptors",
            "20",
        ]);
    let out = cmd.output().expect("run the host under sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with("out of descriptors after ")
            && first.ends_with(
                " sockets: [Errno 24] Too many open files: the host process is at its limit of \
                 open descriptors (RLIMIT_NOFILE); close sockets, or raise the limit the host \
                 runs with (ulimit -n)"
            ),
        "{stdout}"
    );
    assert_eq!(lines.next(), Some("after closing them: 20 opened again"));
}

/// A blocking `recv` whose thread is interrupted by signals again and again (a handler
/// installed without `SA_RESTART`, as an embedder's may be) is retried, as PEP 475 says: the
/// guest gets the data that comes afterwards, never `InterruptedError`.
#[test]
fn fault_eintr() {
    extern "C" fn ignore(_: libc::c_int) {}
    // SAFETY: a handler that does nothing, for SIGUSR1, which nothing else in the tests uses;
    // sa_flags without SA_RESTART is the point.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (addr, peer) = peer(move |mut stream| {
        let said = line(&stream);
        ready_tx.send(()).unwrap();
        go_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the signals were sent");
        stream.write_all(b"after the signals").unwrap();
        said
    });
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let guest = {
        let addr = addr.clone();
        std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            tid_tx.send(unsafe { libc::gettid() }).unwrap();
            run("eintr", &addr)
        })
    };
    let tid = tid_rx.recv().expect("the guest's thread id");
    ready_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the guest connects");
    use std::os::unix::thread::JoinHandleExt;
    let thread = guest.as_pthread_t();
    let mut slept = 0;
    for _ in 0..50 {
        // Each signal interrupts a receive the guest's thread sleeps in (started again after
        // the last signal).
        slept = wait_blocked_in_recv(tid, slept);
        // SAFETY: the guest's thread is alive until it has received the data, sent below.
        unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
    }
    go_tx.send(()).unwrap();
    assert_eq!(guest.join().unwrap(), "received: \"after the signals\"\n");
    assert_eq!(peer.join().unwrap(), "ready\n");
}

/// Waits (bounded: 30 s) until the thread `tid` of this process has gone to sleep more than
/// `slept` times and sleeps in a receive system call now (`/proc/self/task/TID`: `status`
/// counts the sleeps, `syscall` names the call a blocked thread is in); returns its sleeps.
fn wait_blocked_in_recv(tid: libc::pid_t, slept: u64) -> u64 {
    let task = format!("/proc/self/task/{tid}");
    let read = |file: &str| {
        std::fs::read_to_string(format!("{task}/{file}"))
            .unwrap_or_else(|e| panic!("read {task}/{file}: {e}"))
    };
    let sleeps = || -> u64 {
        read("status")
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("voluntary_ctxt_switches in the thread's status")
    };
    let started = std::time::Instant::now();
    loop {
        let now = sleeps();
        let call = read("syscall");
        let number: Option<libc::c_long> =
            call.split_whitespace().next().and_then(|n| n.parse().ok());
        if now > slept && matches!(number, Some(libc::SYS_recvfrom | libc::SYS_recvmsg)) {
            // Read again: the sleep it is in now counts.
            return sleeps();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the guest's thread never slept in a receive again (syscall: {call})"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
