//! Test harness: runs the guest programs of `tests/guests` in-process through capsock-host's
//! runner, against native peers on loopback, and captures what they print.
//!
//! One engine serves every test in a binary and each component is compiled once.

pub mod dns;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use capsock_host::Policy;
use capsock_host::audit::{AuditSink, Stats};
use capsock_host::policy::learn::Learner;
use capsock_host::run::{Output, RunConfig, Runner};
use wasmtime::component::Component;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

/// Every guest run is stopped after this long, so no test can hang.
pub const GUEST_TIME_LIMIT: Duration = Duration::from_secs(60);

fn runner() -> &'static Runner {
    static RUNNER: OnceLock<Runner> = OnceLock::new();
    RUNNER.get_or_init(|| Runner::new().expect("create the wasmtime engine"))
}

fn component(path: &'static str) -> Component {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Component>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().unwrap().get(path) {
        return c.clone();
    }
    let c = runner()
        .load(std::path::Path::new(path))
        .expect("compile the guest component");
    cache.lock().unwrap().insert(path, c.clone());
    c
}

/// A guest run being set up: its program, arguments and policy.
pub struct Guest {
    path: &'static str,
    args: Vec<String>,
    env: Vec<(String, String)>,
    policy: Policy,
    max_sockets: usize,
    time_limit: Duration,
    learn: Option<Arc<Learner>>,
}

/// One audit record without its time and guest: `[event, target, decision, rule]`, with
/// `"null"` for a record no rule decided (`socket.__new__`).
pub type AuditRow = [String; 4];

/// An [`AuditRow`] from its four fields.
pub fn audit_row(event: &str, target: &str, decision: &str, rule: &str) -> AuditRow {
    [event, target, decision, rule].map(str::to_owned)
}

/// The rows of an audit log (JSON lines), checking that every record is one JSON object naming
/// `guest`, with a plausible time.
pub fn audit_rows(log: &str, guest: &str) -> Vec<AuditRow> {
    log.lines()
        .map(|line| {
            let r: serde_json::Value =
                serde_json::from_str(line).expect("each audit line is one JSON object");
            assert_eq!(r["guest"], guest, "{line}");
            let time = r["time"].as_f64().expect("time is a number");
            assert!(time > 1.6e9 && time < 1e11, "{line}");
            let field = |key: &str| match &r[key] {
                serde_json::Value::Null => "null".to_owned(),
                v => v.as_str().expect("string fields").to_owned(),
            };
            [
                field("event"),
                field("target"),
                field("decision"),
                field("rule"),
            ]
        })
        .collect()
}

/// A guest run with everything the host recorded about it.
#[derive(Debug)]
pub struct Observed {
    /// How it ended and what it printed.
    pub outcome: Outcome,
    /// The audit log, in order.
    pub audit: Vec<AuditRow>,
    /// The `--stats` counters.
    pub stats: Arc<Stats>,
}

/// A writer whose bytes the test reads back (the audit log of one run).
#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How a guest run ended, and what it printed.
#[derive(Debug)]
pub struct Outcome {
    /// The exit status, or `None` if the guest trapped.
    pub code: Option<i32>,
    /// The trap, if it trapped.
    pub trap: Option<String>,
    /// Everything the guest wrote to stdout.
    pub stdout: String,
    /// Everything the guest wrote to stderr.
    pub stderr: String,
}

impl Guest {
    /// A run of the guest program at `path` (one of the constants this crate generates).
    pub fn new(path: &'static str) -> Guest {
        Guest {
            path,
            args: Vec::new(),
            env: Vec::new(),
            policy: Policy::default(),
            max_sockets: 1024,
            time_limit: GUEST_TIME_LIMIT,
            learn: None,
        }
    }

    /// Adds a command-line argument.
    pub fn arg(mut self, arg: impl ToString) -> Guest {
        self.args.push(arg.to_string());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &str, value: impl ToString) -> Guest {
        self.env.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds an allow rule.
    pub fn allow(mut self, rule: &str) -> Guest {
        self.policy.allow(rule).expect("valid allow rule in test");
        self
    }

    /// Adds a deny rule.
    pub fn deny(mut self, rule: &str) -> Guest {
        self.policy.deny(rule).expect("valid deny rule in test");
        self
    }

    /// Sets the socket limit.
    pub fn max_sockets(mut self, n: usize) -> Guest {
        self.max_sockets = n;
        self
    }

    /// Sets the wall-clock limit of the run.
    pub fn time_limit(mut self, limit: Duration) -> Guest {
        self.time_limit = limit;
        self
    }

    /// Learn mode: everything is allowed and every use is recorded in `learner`.
    pub fn learn(mut self, learner: Arc<Learner>) -> Guest {
        self.learn = Some(learner);
        self
    }

    /// Runs the guest to completion.
    pub fn run(self) -> Outcome {
        self.execute(None, None)
    }

    /// Runs the guest to completion with an audit log and statistics, and checks that every
    /// audit record is one JSON object naming this guest, with a plausible time.
    pub fn run_observed(self) -> Observed {
        let log = SharedBuffer::default();
        let stats = Arc::new(Stats::default());
        let name = self.path.rsplit('/').next().unwrap_or("guest").to_owned();
        let outcome = self.execute(Some(AuditSink::to_writer(log.clone())), Some(stats.clone()));
        let text = String::from_utf8(log.0.lock().unwrap().clone()).expect("UTF-8 audit log");
        let audit = audit_rows(&text, &name);
        Observed {
            outcome,
            audit,
            stats,
        }
    }

    fn execute(self, audit: Option<AuditSink>, stats: Option<Arc<Stats>>) -> Outcome {
        let stdout = MemoryOutputPipe::new(1 << 20);
        let stderr = MemoryOutputPipe::new(1 << 20);
        let mut args = vec![self.path.rsplit('/').next().unwrap_or("guest").to_owned()];
        args.extend(self.args);
        let config = RunConfig {
            args,
            env: self.env,
            policy: Arc::new(self.policy),
            max_sockets: self.max_sockets,
            timeout: Some(self.time_limit),
            stdout: Output::Capture(stdout.clone()),
            stderr: Output::Capture(stderr.clone()),
            audit,
            stats,
            learn: self.learn,
            ..RunConfig::default()
        };
        let result = runner().run(&component(self.path), config);
        let text = |p: &MemoryOutputPipe| String::from_utf8_lossy(&p.contents()).into_owned();
        let (code, trap) = match result {
            Ok(code) => (Some(code), None),
            Err(e) => (None, Some(format!("{e:?}"))),
        };
        Outcome {
            code,
            trap,
            stdout: text(&stdout),
            stderr: text(&stderr),
        }
    }

    /// Runs the guest and asserts it exited 0; returns its stdout.
    pub fn run_ok(self) -> String {
        let name = self.path;
        let out = self.run();
        out.assert_ok(name);
        out.stdout
    }
}

impl Outcome {
    /// Asserts the run exited 0, showing everything it printed otherwise.
    pub fn assert_ok(&self, name: &str) {
        assert!(
            self.code == Some(0),
            "guest {name} failed: code {:?}\n--- trap ---\n{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            self.trap.as_deref().unwrap_or(""),
            self.stdout,
            self.stderr
        );
    }
}

/// A native TCP echo server on `bind` (port 0 picks one): echoes each connection until it
/// closes, for at most `connections` connections. Returns its address and thread.
pub fn tcp_echo_server(bind: &str, connections: usize) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind(bind).expect("bind the native echo server");
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                stream.set_read_timeout(Some(GUEST_TIME_LIMIT)).ok();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    (addr, handle)
}

/// A native UDP echo server on `bind`: echoes at most `datagrams` datagrams back to their
/// senders, then stops (or stops after [`GUEST_TIME_LIMIT`] of silence).
pub fn udp_echo_server(bind: &str, datagrams: usize) -> (SocketAddr, JoinHandle<()>) {
    let sock = UdpSocket::bind(bind).expect("bind the native UDP echo server");
    sock.set_read_timeout(Some(GUEST_TIME_LIMIT)).ok();
    let addr = sock.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        for _ in 0..datagrams {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                break;
            };
            let _ = sock.send_to(&buf[..n], from);
        }
    });
    (addr, handle)
}

/// Connects to a server a guest runs, retrying until it listens (bounded: about 20 s).
pub fn connect_when_listening(addr: SocketAddr) -> TcpStream {
    for _ in 0..400 {
        if let Ok(s) = TcpStream::connect(addr) {
            s.set_read_timeout(Some(GUEST_TIME_LIMIT)).ok();
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the guest never listened on {addr}");
}

/// Waits (bounded: 60 s) for a peer thread to end and returns what it saw; a peer that is
/// still waiting then fails the test, naming `what`, instead of hanging it.
pub fn join_within<T>(peer: JoinHandle<T>, what: &str) -> T {
    let started = Instant::now();
    while !peer.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: still running after 60 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    peer.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// One TCP or UDP socket of the kernel's table (`/proc/net/tcp`, `udp` and their `6` twins),
/// with IPv4-mapped addresses read as IPv4.
#[derive(Clone, Copy, Debug)]
pub struct ProcSocket {
    /// Its local address.
    pub local: SocketAddr,
    /// Its peer (all zeros when it has none).
    pub remote: SocketAddr,
    /// TCP: bytes sent and not yet acknowledged; UDP: bytes waiting to be sent.
    pub tx_queue: u64,
    /// TCP: bytes received and not yet read; UDP: the memory its queued datagrams take.
    pub rx_queue: u64,
}

/// `addr` with an IPv4-mapped IPv6 address made IPv4, as the kernel's tables are compared.
fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// An address of the kernel's tables: `0100007F:1F90`, the address as the words it is
/// stored in, each printed in host byte order.
fn proc_addr(field: &str) -> Option<SocketAddr> {
    let (ip, port) = field.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| {
        let hex = ip.get(i * 8..i * 8 + 8)?;
        u32::from_str_radix(hex, 16).ok().map(u32::to_ne_bytes)
    };
    let ip: IpAddr = match ip.len() {
        8 => Ipv4Addr::from(word(0)?).into(),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Ipv6Addr::from(bytes).into()
        }
        _ => return None,
    };
    Some(canonical(SocketAddr::new(ip, port)))
}

/// The `proto` (`tcp` or `udp`) sockets of the calling thread's network namespace, both
/// families.
pub fn proc_sockets(proto: &str) -> Vec<ProcSocket> {
    let mut found = Vec::new();
    for table in [proto.to_owned(), format!("{proto}6")] {
        let path = format!("/proc/thread-self/net/{table}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let parsed = (|| {
                let (tx, rx) = fields.get(4)?.split_once(':')?;
                Some(ProcSocket {
                    local: proc_addr(fields.get(1)?)?,
                    remote: proc_addr(fields.get(2)?)?,
                    tx_queue: u64::from_str_radix(tx, 16).ok()?,
                    rx_queue: u64::from_str_radix(rx, 16).ok()?,
                })
            })();
            found.push(parsed.unwrap_or_else(|| panic!("unreadable line of {path}: {line}")));
        }
    }
    found
}

/// Polls the kernel's table of `proto` sockets (bounded: 20 s) until one satisfies `ready`,
/// and returns it; fails the test naming `what` otherwise. For conditions only the kernel
/// shows: a datagram queued at a guest's socket, data a guest has read.
pub fn wait_for_socket(proto: &str, what: &str, ready: impl Fn(&ProcSocket) -> bool) -> ProcSocket {
    let started = Instant::now();
    loop {
        if let Some(s) = proc_sockets(proto).into_iter().find(&ready) {
            return s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: not seen in /proc/net/{proto} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits (bounded: 20 s each) until the peer of `stream` has read everything written on it:
/// the kernel has it acknowledged (our `tx_queue` is empty), and the peer's socket holds none
/// of it unread (its `rx_queue` is empty). So a peer that writes, waits for this and writes
/// again knows its reader has taken the first part before the second comes. Both ends must be
/// in this thread's network namespace.
pub fn wait_until_read(stream: &TcpStream) {
    let me = canonical(stream.local_addr().expect("our address"));
    let peer = canonical(stream.peer_addr().expect("the peer's address"));
    wait_for_socket("tcp", "our data acknowledged", |s| {
        s.local == me && s.remote == peer && s.tx_queue == 0
    });
    wait_for_socket("tcp", "our data read by the peer", |s| {
        s.local == peer && s.remote == me && s.rx_queue == 0
    });
}

/// A free TCP port on loopback, for a guest server to bind (the kernel picks it; the small
/// race with other processes is acceptable in tests).
pub fn free_port(host: &str) -> u16 {
    TcpListener::bind((host, 0))
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

/// A free UDP port on `host`, for a guest to bind (the kernel picks it).
pub fn free_udp_port(host: &str) -> u16 {
    UdpSocket::bind((host, 0))
        .and_then(|s| s.local_addr())
        .expect("find a free UDP port")
        .port()
}

/// A network namespace the test made (`ip netns add`), with only its loopback up: a guest run in
/// it (through [`Netns::command`]) can send to no address but its own, whatever the policy
/// allows, so a test may let it try any address. Its `/etc/hosts` and `/etc/resolv.conf` are
/// the test's (`ip netns exec` mounts `/etc/netns/NAME/*` over them): names resolve as the
/// test says, and no lookup reaches the machine's resolver. Removed when dropped. Needs root.
pub struct Netns {
    name: String,
    etc: std::path::PathBuf,
}

impl Netns {
    /// A namespace whose `/etc/hosts` maps each `(address, name)` of `hosts` (and
    /// `localhost`), and whose resolver is `127.0.0.1` (no server there: unknown names fail
    /// at once).
    pub fn new(tag: &str, hosts: &[(&str, &str)]) -> Netns {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("capsock-{tag}-{}-{n}", std::process::id());
        let etc = std::path::Path::new("/etc/netns").join(&name);
        let ip = |args: &[&str]| {
            let status = std::process::Command::new("ip")
                .args(args)
                .status()
                .expect("run ip (iproute2)");
            assert!(
                status.success(),
                "ip {args:?} failed: these tests make network namespaces and need root"
            );
        };
        ip(&["netns", "add", &name]);
        let netns = Netns { name, etc };
        ip(&["-n", &netns.name, "link", "set", "lo", "up"]);
        std::fs::create_dir_all(&netns.etc).expect("create /etc/netns/NAME");
        let mut text = String::from("127.0.0.1 localhost\n::1 localhost\n");
        for (addr, host) in hosts {
            text.push_str(&format!("{addr} {host}\n"));
        }
        std::fs::write(netns.etc.join("hosts"), text).expect("write the namespace's hosts");
        std::fs::write(
            netns.etc.join("resolv.conf"),
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        )
        .expect("write the namespace's resolv.conf");
        netns
    }

    /// Lets every group make ICMP echo ("ping") sockets in the namespace
    /// (`net.ipv4.ping_group_range`), as many distributions do; Debian allows none.
    pub fn allow_ping(&self) {
        let status = self
            .command("sysctl")
            .args(["-qw", "net.ipv4.ping_group_range=0 2147483647"])
            .status()
            .expect("run sysctl");
        assert!(status.success(), "sysctl in the namespace");
    }

    /// `program` run inside the namespace (`ip netns exec NAME program`).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new("ip");
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }

    /// A TCP listener on `addr` inside the namespace, listening when this returns: a guest
    /// run in the namespace may connect at once.
    pub fn bind_tcp(&self, addr: SocketAddr) -> TcpListener {
        self.spawn(move || TcpListener::bind(addr))
            .join()
            .expect("the namespace's thread")
            .unwrap_or_else(|e| panic!("bind the native listener {addr}: {e}"))
    }

    /// Runs `f` on a new thread that has entered the namespace (`setns(2)`): sockets it makes
    /// live there, so it can be a native peer of a guest run in the namespace.
    pub fn spawn<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> JoinHandle<R> {
        let path = std::path::Path::new("/var/run/netns").join(&self.name);
        let file = std::fs::File::open(&path).expect("open the namespace");
        std::thread::spawn(move || {
            use std::os::fd::AsRawFd;
            // SAFETY: `file` is an open namespace file; setns changes only this thread.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(&self.etc);
    }
}

/// A scratch directory under the system's temporary directory (`capsock-TAG-PID`), made
/// empty, removed when dropped (also when the test fails).
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    /// A fresh, empty directory for `tag`.
    pub fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("capsock-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }

    /// `rel` inside it.
    pub fn path(&self, rel: &str) -> std::path::PathBuf {
        self.0.join(rel)
    }

    /// Writes `text` to the file `name` inside it and returns its path.
    pub fn file(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
