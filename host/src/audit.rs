//! What the host records about a guest's decisions: the audit log (`--audit`), the denials it
//! prints for people, the learn-mode record (`--learn`) and the exit statistics (`--stats`).
//!
//! Both doors (capsock's WIT and wasi:sockets) report every policy decision to one
//! [`Monitor`] per guest. When nothing is asked for, a decision costs an `Option` check and,
//! for a denial, one counter increment: nothing is formatted.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, LineWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::policy::learn::Learner;
use crate::policy::{
    Decision, Link, NetlinkProto, Proto, UnixTarget, Verb, iface_target, vsock_target,
};

/// Where audit records go: one JSON object per line.
///
/// ```json
/// {"time": 1712345678.25, "guest": "client.wasm", "event": "socket.connect",
///  "target": "tcp://127.0.0.1:8080", "decision": "allow", "rule": "connect tcp://127.0.0.1:8080"}
/// ```
///
/// `rule` is the normalised text of the deciding rule, `"default deny"`, `"deny-private"`, or
/// `null` where no rule decides (`socket.__new__`, always allowed). Clones share the sink.
#[derive(Clone)]
pub struct AuditSink {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditSink")
    }
}

impl AuditSink {
    /// Records to any writer (each record is written with one `write_all` and flushed).
    pub fn to_writer(out: impl Write + Send + 'static) -> AuditSink {
        AuditSink {
            out: Arc::new(Mutex::new(Box::new(out))),
        }
    }

    /// Records to the host's standard error.
    pub fn stderr() -> AuditSink {
        AuditSink::to_writer(io::stderr())
    }

    /// `-` for standard error, else a file created (or truncated) at `path`.
    ///
    /// # Errors
    ///
    /// If the file cannot be created.
    pub fn open(path: &Path) -> io::Result<AuditSink> {
        if path == Path::new("-") {
            return Ok(AuditSink::stderr());
        }
        Ok(AuditSink::to_writer(LineWriter::new(File::create(path)?)))
    }

    fn write_line(&self, line: String) {
        if let Ok(mut out) = self.out.lock() {
            // An audit sink that fails (disk full) must not take the guest down.
            let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
        }
    }
}

/// Counters for `--stats`; cheap relaxed increments, readable at any time.
///
/// Everything is counted in both doors (capsock's WIT and wasi:sockets, the door of Rust's
/// `std::net`).
#[derive(Debug, Default)]
pub struct Stats {
    sockets: AtomicU64,
    connections: AtomicU64,
    lookups: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    denials: AtomicU64,
}

impl Stats {
    /// Sockets the guest opened, both doors: through capsock (created, accepted, duplicated,
    /// pairs) and through wasi:sockets (created, and accepted connections handed to the guest).
    pub fn sockets_opened(&self) -> u64 {
        self.sockets.load(Ordering::Relaxed)
    }
    /// Connections allowed: connects and accepted peers, both doors.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
    /// Forward lookups of names the policy allowed, both doors (`getaddrinfo`,
    /// `gethostbyname`, wasi:sockets `resolve-addresses`); numeric hosts are not name lookups.
    pub fn name_lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }
    /// Bytes sent, both doors: what capsock's sends accepted, and what wasi:sockets' TCP output
    /// streams and datagram `send` accepted.
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent.load(Ordering::Relaxed)
    }
    /// Bytes received, both doors: what capsock's receives returned, and what wasi:sockets' TCP
    /// input streams returned (or skipped) and datagram `receive` returned.
    pub fn bytes_received(&self) -> u64 {
        self.bytes_received.load(Ordering::Relaxed)
    }
    /// Policy denials, both doors (refused accepts included).
    pub fn denials(&self) -> u64 {
        self.denials.load(Ordering::Relaxed)
    }
    pub(crate) fn opened(&self, n: u64) {
        self.sockets.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn sent(&self, n: u64) {
        self.bytes_sent.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn received(&self, n: u64) {
        self.bytes_received.fetch_add(n, Ordering::Relaxed);
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sockets opened: {}, connections: {}, name lookups: {}, denials: {}, bytes sent: {}, bytes received: {}",
            self.sockets_opened(),
            self.connections(),
            self.name_lookups(),
            self.denials(),
            self.bytes_sent(),
            self.bytes_received(),
        )
    }
}

/// The Python audit event a decision belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// `socket.__new__`: a socket was created.
    New,
    /// `socket.bind` (explicit binds, and implicit ones a deny rule refuses).
    Bind,
    /// `socket.connect`.
    Connect,
    /// `socket.sendto`: `sendto`, and `sendmsg` with an address.
    SendTo,
    /// `socket.accept`: a peer connected in.
    Accept,
    /// `socket.recvfrom`: a datagram arrived on an unconnected UDP socket.
    RecvFrom,
    /// `socket.getaddrinfo`.
    GetAddrInfo,
    /// `socket.gethostbyname` (and `gethostbyname_ex`).
    GetHostByName,
    /// `socket.gethostbyaddr`.
    GetHostByAddr,
    /// `socket.getnameinfo`.
    GetNameInfo,
}

impl Event {
    /// The event's name, as Python's `sys.audit` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Event::New => "socket.__new__",
            Event::Bind => Verb::Bind.facts().event,
            Event::Connect => Verb::Connect.facts().event,
            Event::SendTo => Verb::Send.facts().event,
            Event::Accept => Verb::Accept.facts().event,
            Event::RecvFrom => Verb::Recv.facts().event,
            Event::GetAddrInfo => Verb::Resolve.facts().event,
            Event::GetHostByName => "socket.gethostbyname",
            Event::GetHostByAddr => "socket.gethostbyaddr",
            Event::GetNameInfo => "socket.getnameinfo",
        }
    }
}

/// What a decision was about.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Subject<'a> {
    /// An address for a verb (the implicit bind's is the wildcard, port 0).
    Addr {
        verb: Verb,
        proto: Proto,
        addr: SocketAddr,
        implicit: bool,
    },
    /// An `AF_UNIX` address for a verb (a path in normal form, or an abstract name).
    Unix { verb: Verb, target: UnixTarget<'a> },
    /// Netlink sockets of a protocol (`send netlink:route`).
    Netlink(NetlinkProto),
    /// An `AF_VSOCK` address for a verb (connect, bind, accept).
    Vsock { verb: Verb, cid: u32, port: u32 },
    /// A network interface for a verb (bind, send) on a packet socket.
    Iface {
        verb: Verb,
        link: Link,
        iface: &'a str,
    },
    /// A forward lookup of a name.
    Name(&'a str),
    /// A lookup only `resolve *` allows, such as a reverse lookup of an address.
    Reverse(&'a str),
}

impl Subject<'_> {
    /// An explicit use of `addr` for `verb` over `proto`.
    pub(crate) fn addr(verb: Verb, proto: Proto, addr: SocketAddr) -> Self {
        Subject::Addr {
            verb,
            proto,
            addr,
            implicit: false,
        }
    }

    fn target(&self) -> String {
        match self {
            Subject::Addr { proto, addr, .. } => proto.target(*addr),
            Subject::Unix { target, .. } => target.to_string(),
            Subject::Netlink(proto) => proto.to_string(),
            Subject::Vsock { cid, port, .. } => vsock_target(*cid, *port),
            Subject::Iface { link, iface, .. } => iface_target(*link, iface),
            Subject::Name(name) | Subject::Reverse(name) => (*name).to_owned(),
        }
    }

    /// The message a denial of this subject carries.
    pub(crate) fn message(&self, decision: &Decision<'_>) -> String {
        match *self {
            Subject::Addr {
                verb, proto, addr, ..
            } => decision.denial_message_for(verb, &proto.target(addr)),
            Subject::Unix { verb, target } => {
                decision.denial_message_for(verb, &target.to_string())
            }
            Subject::Netlink(proto) => decision.denial_message_for(Verb::Send, &proto.to_string()),
            Subject::Vsock { verb, cid, port } => {
                decision.denial_message_for(verb, &vsock_target(cid, port))
            }
            Subject::Iface { verb, link, iface } => {
                decision.denial_message_for(verb, &iface_target(link, iface))
            }
            Subject::Name(name) | Subject::Reverse(name) => {
                decision.denial_message(Verb::Resolve, Proto::Tcp, &name)
            }
        }
    }
}

/// The most distinct denial messages one guest's run prints (and remembers, to print each once).
pub(crate) const MAX_PRINTED: usize = 256;

/// The denial messages printed so far, and how many distinct ones past [`MAX_PRINTED`] were
/// not.
#[derive(Debug, Default)]
pub(crate) struct Printed {
    pub(crate) messages: HashSet<String>,
    pub(crate) suppressed: u64,
}

/// Writes one line on the host's standard error, ignoring a closed or failing stream: the host
/// must never die (or panic, as `eprintln!` does) because whoever reads its stderr went away.
pub fn host_eprintln(line: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(line).and_then(|()| err.write_all(b"\n"));
}

/// One guest's observer of policy decisions, shared by both doors.
#[derive(Debug, Default)]
pub(crate) struct Monitor {
    pub(crate) guest: String,
    pub(crate) print_denials: bool,
    pub(crate) printed: Mutex<Printed>,
    pub(crate) audit: Option<AuditSink>,
    pub(crate) learn: Option<Arc<Learner>>,
    pub(crate) stats: Arc<Stats>,
}

impl Monitor {
    /// Reports one decision: counts and prints a denial, writes the audit record, feeds the
    /// learner.
    pub(crate) fn decided(&self, event: Event, subject: Subject<'_>, decision: &Decision<'_>) {
        let allowed = decision.is_allowed();
        if !allowed {
            self.stats.denials.fetch_add(1, Ordering::Relaxed);
            if self.print_denials {
                self.print_once(subject.message(decision));
            }
        } else if matches!(event, Event::Connect | Event::Accept) {
            self.stats.connections.fetch_add(1, Ordering::Relaxed);
        } else if matches!(subject, Subject::Name(_)) {
            self.stats.lookups.fetch_add(1, Ordering::Relaxed);
        }
        if self.audit.is_some() {
            let implicit = matches!(subject, Subject::Addr { implicit: true, .. });
            if !implicit || !allowed {
                let rule = match decision.rule() {
                    Some(rule) => Some(rule.to_string()),
                    None => decision.decided_by(),
                };
                let verdict = if allowed { "allow" } else { "deny" };
                self.write(
                    event,
                    &subject.target(),
                    verdict,
                    rule,
                    Some(decision.to_string()),
                );
            }
        }
        if allowed && let Some(learn) = &self.learn {
            match subject {
                Subject::Addr {
                    implicit: false,
                    verb,
                    proto,
                    addr,
                } => learn.used(verb, proto, addr),
                Subject::Unix { verb, target } => learn.used_unix(verb, target),
                Subject::Netlink(proto) => learn.used_netlink(proto),
                Subject::Vsock { verb, cid, port } => learn.used_vsock(verb, cid, port),
                Subject::Iface { verb, link, iface } => learn.used_iface(verb, link, iface),
                Subject::Addr { .. } | Subject::Name(_) => {}
                Subject::Reverse(_) => learn.resolved_any(),
            }
        }
    }

    /// A socket was created (`socket.__new__`, always allowed).
    pub(crate) fn created(&self, n: u64, what: impl FnOnce() -> String) {
        self.stats.opened(n);
        if self.audit.is_some() {
            let target = what();
            for _ in 0..n {
                self.write(Event::New, &target, "allow", None, None);
            }
        }
    }

    /// A use refused for a reason of the target itself rather than a rule (an `AF_UNIX` path
    /// that is relative or leads out of its directory): counted and printed as a denial, and
    /// recorded with the rule `"refused"` and `message` as the reason.
    pub(crate) fn refused(&self, event: Event, target: &str, message: &str) {
        self.stats.denials.fetch_add(1, Ordering::Relaxed);
        if self.print_denials {
            self.print_once(message.to_owned());
        }
        self.write(
            event,
            target,
            "deny",
            Some("refused".to_owned()),
            Some(message.to_owned()),
        );
    }

    /// A forward lookup of `name` answered `addrs` (for learn mode's name preference).
    pub(crate) fn resolved(&self, name: &str, addrs: impl FnOnce() -> Vec<IpAddr>) {
        if let Some(learn) = &self.learn {
            learn.resolved(name, &addrs());
        }
    }

    /// A guest at its socket limit was refused one more socket in the wasi:sockets door, whose
    /// error code cannot carry capsock's message: prints it once on stderr (when denials are
    /// printed). Not a policy denial, so not counted as one.
    pub(crate) fn limit_reached(&self, message: &str) {
        if self.print_denials {
            self.print_once(message.to_owned());
        }
    }

    /// Whether a learner wants lookup results.
    pub(crate) fn learning(&self) -> bool {
        self.learn.is_some()
    }

    /// Prints `message` on stderr unless it was printed before. At most [`MAX_PRINTED`]
    /// distinct messages are kept (a guest sending to every port must not grow the host's
    /// memory without bound); past that, new ones are counted, and [`Monitor::finish`] prints
    /// the count.
    fn print_once(&self, message: String) {
        let mut printed = self.printed.lock().unwrap_or_else(|e| e.into_inner());
        if printed.messages.contains(&message) {
            return;
        }
        if printed.messages.len() >= MAX_PRINTED {
            if printed.suppressed == 0 {
                host_eprintln(format_args!(
                    "host: capsock: more than {MAX_PRINTED} distinct denials; further ones are counted, not printed (--audit FILE records them all)"
                ));
            }
            printed.suppressed += 1;
            return;
        }
        host_eprintln(format_args!("host: {message}"));
        printed.messages.insert(message);
    }

    /// The end of the run: says how many distinct denials were not printed, if any.
    pub(crate) fn finish(&self) {
        let printed = self.printed.lock().unwrap_or_else(|e| e.into_inner());
        if printed.suppressed > 0 {
            host_eprintln(format_args!(
                "host: capsock: {} further distinct denials were not printed",
                printed.suppressed
            ));
        }
    }

    fn write(
        &self,
        event: Event,
        target: &str,
        decision: &str,
        rule: Option<String>,
        reason: Option<String>,
    ) {
        let Some(audit) = &self.audit else { return };
        let time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let record = serde_json::json!({
            "time": time,
            "guest": self.guest,
            "event": event.name(),
            "target": target,
            "decision": decision,
            "rule": rule,
            "reason": reason,
        });
        audit.write_line(format!("{record}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    /// A sink whose bytes the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn records(shared: &Shared) -> Vec<serde_json::Value> {
        let text = String::from_utf8(shared.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn records_decisions_as_json_lines() {
        let shared = Shared::default();
        let stats = Arc::new(Stats::default());
        let monitor = Monitor {
            guest: "g.wasm".to_owned(),
            audit: Some(AuditSink::to_writer(shared.clone())),
            stats: stats.clone(),
            ..Monitor::default()
        };
        let mut policy = Policy::deny_all();
        policy
            .allow("connect tcp://127.0.0.1:8080")
            .unwrap()
            .deny("bind udp://*:*")
            .unwrap()
            .allow("resolve example.org")
            .unwrap();
        let ok: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let no: SocketAddr = "[::ffff:10.0.0.1]:22".parse().unwrap();
        let subject = |addr, verb, proto, implicit| Subject::Addr {
            verb,
            proto,
            addr,
            implicit,
        };
        monitor.created(1, || "AF_INET/SOCK_STREAM/0".to_owned());
        for (addr, verb, proto, implicit, event) in [
            (ok, Verb::Connect, Proto::Tcp, false, Event::Connect),
            (no, Verb::Connect, Proto::Tcp, false, Event::Connect),
        ] {
            let decision = policy.check(verb, proto, addr);
            monitor.decided(event, subject(addr, verb, proto, implicit), &decision);
        }
        // An allowed implicit bind is not recorded; a refused one is.
        let wildcard: SocketAddr = "0.0.0.0:0".parse().unwrap();
        for proto in [Proto::Tcp, Proto::Udp] {
            let decision = policy.check_implicit_bind(proto, false, false);
            monitor.decided(
                Event::Bind,
                subject(wildcard, Verb::Bind, proto, true),
                &decision,
            );
        }
        for name in ["example.com", "example.org"] {
            let decision = policy.check_resolve(name);
            monitor.decided(Event::GetAddrInfo, Subject::Name(name), &decision);
        }

        let got = records(&shared);
        let fields: Vec<(String, String, String, serde_json::Value)> = got
            .iter()
            .map(|r| {
                assert_eq!(r["guest"], "g.wasm");
                assert!(r["time"].as_f64().unwrap() > 1.6e9, "{r}");
                (
                    r["event"].as_str().unwrap().to_owned(),
                    r["target"].as_str().unwrap().to_owned(),
                    r["decision"].as_str().unwrap().to_owned(),
                    r["rule"].clone(),
                )
            })
            .collect();
        let s = |v: &str| serde_json::Value::String(v.to_owned());
        let want = vec![
            (
                "socket.__new__".into(),
                "AF_INET/SOCK_STREAM/0".into(),
                "allow".into(),
                serde_json::Value::Null,
            ),
            (
                "socket.connect".into(),
                "tcp://127.0.0.1:8080".into(),
                "allow".into(),
                s("connect tcp://127.0.0.1:8080"),
            ),
            (
                "socket.connect".into(),
                "tcp://[::ffff:10.0.0.1]:22".into(),
                "deny".into(),
                s("default deny"),
            ),
            (
                "socket.bind".into(),
                "udp://0.0.0.0:0".into(),
                "deny".into(),
                s("bind udp://*:*"),
            ),
            (
                "socket.getaddrinfo".into(),
                "example.com".into(),
                "deny".into(),
                s("default deny"),
            ),
            (
                "socket.getaddrinfo".into(),
                "example.org".into(),
                "allow".into(),
                s("resolve example.org"),
            ),
        ];
        assert_eq!(fields, want);
        assert_eq!(stats.denials(), 3);
        assert_eq!(stats.connections(), 1);
        assert_eq!(stats.name_lookups(), 1);
        assert_eq!(stats.sockets_opened(), 1);
        assert_eq!(
            stats.to_string(),
            "sockets opened: 1, connections: 1, name lookups: 1, denials: 3, bytes sent: 0, \
             bytes received: 0"
        );
    }

    #[test]
    fn nothing_is_written_without_a_sink_and_messages_print_once() {
        let monitor = Monitor {
            print_denials: true,
            ..Monitor::default()
        };
        let policy = Policy::deny_all();
        let addr: SocketAddr = "10.0.0.5:22".parse().unwrap();
        let subject = Subject::Addr {
            verb: Verb::Connect,
            proto: Proto::Tcp,
            addr,
            implicit: false,
        };
        for _ in 0..3 {
            let decision = policy.check(Verb::Connect, Proto::Tcp, addr);
            monitor.decided(Event::Connect, subject, &decision);
        }
        // The wasi:sockets door's socket limit is said once too, and is not a policy denial.
        for _ in 0..2 {
            monitor.limit_reached(
                "capsock limit: this guest may hold at most 3 sockets open (raise it with --max-sockets)",
            );
        }
        let printed = monitor.printed.lock().unwrap();
        let mut printed = printed
            .messages
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>();
        printed.sort_unstable();
        assert_eq!(
            printed,
            [
                "capsock limit: this guest may hold at most 3 sockets open (raise it with --max-sockets)",
                "capsock policy: connect to tcp://10.0.0.5:22 denied (no rule allows it)",
            ]
        );
        assert_eq!(monitor.stats.denials(), 3);
    }

    /// A guest denied a new address each time (every port, say) does not grow the host's
    /// memory of printed denials past its bound: the rest are counted.
    #[test]
    fn printed_denials_are_bounded() {
        let monitor = Monitor {
            print_denials: true,
            ..Monitor::default()
        };
        let policy = Policy::deny_all();
        for port in 0..(MAX_PRINTED as u16 + 100) {
            let addr = SocketAddr::from(([10, 0, 0, 5], port));
            let subject = Subject::addr(Verb::Connect, Proto::Tcp, addr);
            monitor.decided(
                Event::Connect,
                subject,
                &policy.check(Verb::Connect, Proto::Tcp, addr),
            );
        }
        let printed = monitor.printed.lock().unwrap();
        assert_eq!(printed.messages.len(), MAX_PRINTED);
        assert_eq!(printed.suppressed, 100);
        drop(printed);
        assert_eq!(monitor.stats.denials(), MAX_PRINTED as u64 + 100);
    }
}
