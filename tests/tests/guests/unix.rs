//! `AF_UNIX` sockets with peers nobody here wrote (python3's `socketserver` and `socket`), and
//! the confinement of paths to the directories their rules name.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capsock_tests::{Guest, Scratch, UNIX_FDS, UNIX_PEERS, UNIX_SOCKETS};

use super::peer::Peer;

/// python3's `socketserver` echoing one line on a `UnixStreamServer` at argv[1] (`\0name` for
/// an abstract name, given as `@name`), for one connection.
const PY_ECHO_SERVER: &str = r#"
import socketserver, sys
addr = sys.argv[1]
if addr.startswith("@"):
    addr = "\0" + addr[1:]
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.readline())
with socketserver.UnixStreamServer(addr, Echo) as server:
    server.timeout = 30
    print("ready", flush=True)
    server.handle_request()
"#;

/// python3's `socket` connecting to the `AF_UNIX` path argv[1] (retrying until it exists,
/// bounded), sending a line and printing the echo.
const PY_CLIENT: &str = r#"
import socket, sys, time
deadline = time.time() + 30
while True:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        break
    except (FileNotFoundError, ConnectionRefusedError):
        if time.time() > deadline:
            raise
        time.sleep(0.05)
s.sendall(b"from python\n")
print(s.makefile("rb").readline().decode().strip())
"#;

/// socketpair in its three types, then a guest client of python3's server, a guest server of
/// python3's client, and an abstract name.
#[test]
pub fn unix_sockets() {
    let out = Guest::new(UNIX_SOCKETS).arg("pairs").run_ok();
    assert_eq!(
        out,
        "SOCK_STREAM: ok, names '' '', peer ''\n\
         SOCK_DGRAM: ok, names '' '', peer ''\n\
         SOCK_SEQPACKET: ok, names '' '', peer ''\n"
    );

    let dir = Scratch::new("unix-peers");
    let path = dir.path("echo.sock").display().to_string();
    let server = Peer::python(PY_ECHO_SERVER, &[&path]).ready();
    let out = Guest::new(UNIX_SOCKETS)
        .arg("connect")
        .arg(&path)
        .allow(&format!("connect unix:{}/", dir.0.display()))
        .run_ok();
    assert_eq!(out, format!("connected to {path}: echoed\n"));
    // Without a rule: denied, naming it.
    let out = Guest::new(UNIX_SOCKETS).arg("try").arg(&path).run_ok();
    assert_eq!(
        out,
        format!(
            "{path} -> denied: capsock policy: connect to unix:{path} denied (no rule allows it)\n"
        )
    );
    drop(server);

    let guest_path = dir.path("guest.sock").display().to_string();
    let client = Peer::python(PY_CLIENT, &[&guest_path]);
    let out = Guest::new(UNIX_SOCKETS)
        .arg("serve")
        .arg(&guest_path)
        .allow(&format!("bind unix:{guest_path}"))
        .run_ok();
    assert_eq!(
        out,
        format!("listening {guest_path}\nserved from python from ''\n")
    );
    assert_eq!(client.output(), "from python\n");

    // Datagrams to a bound name, with sendmsg and sendto: each decided by the send rule.
    let dgram = format!("@capsock-dgram-{}", std::process::id());
    let out = Guest::new(UNIX_SOCKETS)
        .arg("datagrams")
        .arg(&dgram)
        .allow(&format!("bind unix:{dgram}"))
        .allow(&format!("send unix:{dgram}"))
        .run_ok();
    assert_eq!(out, "via sendmsg from None\nvia sendto from None\n");

    let name = format!("@capsock-test-{}", std::process::id());
    let _server = Peer::python(PY_ECHO_SERVER, &[&name]).ready();
    let out = Guest::new(UNIX_SOCKETS)
        .arg("connect")
        .arg(&name)
        .allow(&format!("connect unix:{name}"))
        .run_ok();
    assert_eq!(out, format!("connected to {name}: echoed\n"));
}

/// A guest tries to leave the directory its rule names, through host run's guard: each way
/// out is refused with its reason.
#[test]
fn unix_escapes_are_denied() {
    let dir = Scratch::new("unix-escapes");
    for d in ["allowed", "outside"] {
        std::fs::create_dir_all(dir.0.join(d)).unwrap();
    }
    let secret = dir.path("outside/secret.sock").display().to_string();
    let _listener = std::os::unix::net::UnixListener::bind(&secret).unwrap();
    std::os::unix::fs::symlink(&secret, dir.0.join("allowed/link.sock")).unwrap();
    std::os::unix::fs::symlink("../outside", dir.0.join("allowed/up")).unwrap();
    let allowed = dir.path("allowed").display().to_string();
    let attempts = [
        (format!("{allowed}/../outside/secret.sock"), "\"..\""),
        (format!("{allowed}/link.sock"), "leads out"),
        (format!("{allowed}/up/secret.sock"), "leads out"),
        (secret.clone(), "no rule allows it"),
        ("outside/secret.sock".to_owned(), "absolute"),
    ];
    let mut guest = Guest::new(UNIX_SOCKETS)
        .arg("try")
        .allow(&format!("connect unix:{allowed}/"));
    for (path, _) in &attempts {
        guest = guest.arg(path);
    }
    let out = guest.run_observed();
    out.outcome.assert_ok("unix_sockets");
    let lines: Vec<&str> = out.outcome.stdout.lines().collect();
    for ((path, why), line) in attempts.iter().zip(&lines) {
        assert!(
            line.starts_with(&format!(
                "{path} -> denied: capsock policy: connect to unix:"
            )) && line.contains(why),
            "{path}: {line}"
        );
    }
    // Each is a denial in the audit log, naming what refused it.
    let denials: Vec<_> = out.audit.iter().filter(|r| r[2] == "deny").collect();
    assert_eq!(denials.len(), attempts.len(), "{:#?}", out.audit);
    assert_eq!(out.stats.denials(), attempts.len() as u64);
}

/// The start of the python3 programs below: a Unix stream server at argv[1] that says `ready`
/// and accepts one connection, `conn`.
pub(super) const PY_ACCEPT_ONE: &str = r#"
import os, socket, sys
srv = socket.socket(socket.AF_UNIX)
srv.bind(sys.argv[1])
srv.listen()
srv.settimeout(30)
print("ready", flush=True)
conn, _ = srv.accept()
"#;

/// After [`PY_ACCEPT_ONE`]: python3 passing a guest a socketpair end, a TCP connection and a
/// pipe (`send_fds`): the guest gets the two sockets and `MSG_CTRUNC`, and the pipe is closed.
const PY_PASS_TO_GUEST: &str = r#"
s1, s2 = socket.socketpair()
tcp_server = socket.create_server(("127.0.0.1", 0))
tcp_server.settimeout(30)
tcp = socket.create_connection(tcp_server.getsockname())
r, w = os.pipe()
socket.send_fds(conn, [b"three things"], [s1.fileno(), tcp.fileno(), w])
for fd in (s1, tcp):
    fd.close()
os.close(w)
s2.settimeout(30)
print(s2.makefile("rb").readline().decode().strip())
peer, _ = tcp_server.accept()
peer.settimeout(30)
print(peer.makefile("rb").readline().decode().strip())
print("pipe closed" if os.read(r, 1) == b"" else "pipe open", flush=True)
"#;

/// After [`PY_ACCEPT_ONE`]: python3 taking a socket a guest passes (`recv_fds`, `socket(fileno=…)`) and answering on it.
const PY_TAKE_FROM_GUEST: &str = r#"
conn.settimeout(30)
msg, fds, flags, _ = socket.recv_fds(conn, 100, 4)
s = socket.socket(fileno=fds[0])
s.settimeout(30)
print(msg.decode(), len(fds), flags, s.family == socket.AF_UNIX)
line = s.makefile("rb").readline()
s.sendall(b"pong:" + line)
"#;

/// SCM_RIGHTS between sockets of one guest, with truncation, refused input and credentials;
/// the socket limit; and both ways with python3.
#[test]
pub fn unix_fds() {
    let out = Guest::new(UNIX_FDS).arg("local").run_ok();
    // SAFETY: getuid/getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    assert_eq!(
        out,
        format!(
            "ok: from_fileno taken twice -> errno 9\n\
             ok: a socket passed between two sockets of one guest works\n\
             ok: recvmsg gives SCM_RIGHTS as fileno numbers\n\
             ok: peer still open through the socket received -> errno 11\n\
             ok: MSG_CTRUNC, and what did not fit was closed\n\
             ok: SCM_RIGHTS naming no socket -> errno 9\n\
             ok: SCM_RIGHTS data of 3 bytes -> errno 22\n\
             ok: SCM_RIGHTS with 254 sockets -> errno 22\n\
             ok: unknown ancillary type -> errno 22\n\
             ok: SCM_CREDENTIALS of 8 bytes -> errno 22\n\
             ok: SCM_RIGHTS with 253 sockets (SCM_MAX_FD) is sent\n\
             ok: SCM_CREDENTIALS with another uid -> errno 1\n\
             ok: SO_PASSCRED on a TCP socket -> errno 95\n\
             peercred uid={uid} gid={gid}\n"
        )
    );

    let out = Guest::new(UNIX_FDS).arg("limit").max_sockets(5).run_ok();
    assert_eq!(
        out,
        "ok: a sixth socket is not delivered: MSG_CTRUNC\nok: and it was closed\n"
    );

    let dir = Scratch::new("unix-fds");
    let path = dir.path("pass.sock").display().to_string();
    let native = Peer::python(&[PY_ACCEPT_ONE, PY_PASS_TO_GUEST].concat(), &[&path]).ready();
    let out = Guest::new(UNIX_FDS)
        .arg("from-native")
        .arg(&path)
        .allow(&format!("connect unix:{path}"))
        .run_observed();
    out.outcome.assert_ok("unix_fds");
    assert_eq!(
        out.outcome.stdout,
        "got \"three things\", 2 sockets, MSG_CTRUNC true\n"
    );
    assert_eq!(
        native.output(),
        "hello over the passed AF_UNIX socket\n\
         hello over the passed AF_INET socket\n\
         pipe closed\n"
    );
    // The sockets passed in are in the audit log, the connection with its peer.
    let passed: Vec<_> = out
        .audit
        .iter()
        .filter(|r| r[0] == "socket.__new__" && r[1].contains("passed in"))
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(passed.len(), 2, "{:#?}", out.audit);
    assert_eq!(
        passed[0],
        "AF_UNIX/SOCK_STREAM/0 passed in, connected to unix:"
    );
    assert!(
        passed[1].starts_with("AF_INET/SOCK_STREAM/6 passed in, connected to 127.0.0.1:"),
        "{passed:?}"
    );

    let path = dir.path("take.sock").display().to_string();
    let native = Peer::python(&[PY_ACCEPT_ONE, PY_TAKE_FROM_GUEST].concat(), &[&path]).ready();
    let out = Guest::new(UNIX_FDS)
        .arg("to-native")
        .arg(&path)
        .allow(&format!("connect unix:{path}"))
        .run_ok();
    assert_eq!(out, "native answered pong:ping\n");
    assert_eq!(native.output(), "take this 1 0 True\n");
}

/// Waits (bounded: 30 s) until a program listens on the Unix socket at `path`: a line of
/// `/proc/net/unix` names it with the listening flag (`__SO_ACCEPTCON`). Its file appears at
/// `bind`, a moment before `listen`, when a connect is still refused.
fn wait_listening(path: &std::path::Path) {
    let name = path.display().to_string();
    let started = Instant::now();
    loop {
        let table = std::fs::read_to_string("/proc/net/unix").expect("read /proc/net/unix");
        let listening = table.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(3) == Some(&"00010000") && fields.get(7) == Some(&name.as_str())
        });
        if listening {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing listened on {name} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// socat with `args`, waiting until it listens at `path` when it is a server.
fn socat(args: &[&str]) -> Peer {
    let mut command = Command::new("socat");
    command.args(args).stdin(Stdio::piped());
    Peer::run(command)
}

/// After the guest has bound `DIR/guest.sock`: python3 sends it a datagram from
/// `stranger.sock`, one from `friend.sock` and one from an unnamed socket, in that order.
const PY_DGRAM_SENDERS: &str = r#"
import os, socket, sys, time
d = sys.argv[1]
guest = os.path.join(d, "guest.sock")
deadline = time.time() + 30
while not os.path.exists(guest):
    if time.time() > deadline:
        raise SystemExit("the guest never bound")
    time.sleep(0.02)
for name, text in (("stranger.sock", b"from stranger"), ("friend.sock", b"from friend"), (None, b"from unnamed")):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if name:
        s.bind(os.path.join(d, name))
    s.sendto(text, guest)
print("sent")
"#;

/// redis-server's `unixsocket` (RESP over makefile, pipelining), socat's echo (1 MiB with
/// half-close), a server that never answers (timeouts), socat connecting to a guest server,
/// and datagrams filtered by their named sender.
#[test]
pub fn unix_peers() {
    let dir = Scratch::new("unix-peers-real");
    let rule = format!("connect unix:{}/", dir.0.display());

    let redis_path = dir.path("redis.sock");
    let redis = Peer::run({
        let mut c = Command::new("redis-server");
        c.args([
            "--port",
            "0",
            "--save",
            "",
            "--appendonly",
            "no",
            "--unixsocket",
        ])
        .arg(&redis_path)
        .args(["--unixsocketperm", "700"]);
        c
    });
    wait_listening(&redis_path);
    let out = Guest::new(UNIX_PEERS)
        .arg("redis")
        .arg(redis_path.display())
        .allow(&rule)
        .run_ok();
    assert_eq!(
        out,
        "PING -> +PONG\n\
         SET capsock over a unix socket -> +OK\n\
         GET capsock -> $18 over a unix socket\n\
         INCR hits -> :1\n\
         pipelined -> :2 :3 $1 3\n"
    );
    drop(redis);

    let echo_path = dir.path("echo.sock");
    let _echo = socat(&[&format!("UNIX-LISTEN:{}", echo_path.display()), "EXEC:cat"]);
    wait_listening(&echo_path);
    let out = Guest::new(UNIX_PEERS)
        .arg("echo")
        .arg(echo_path.display())
        .allow(&rule)
        .run_ok();
    assert_eq!(out, "echoed 1048576 bytes exactly, then end of stream\n");

    let silent_path = dir.path("silent.sock");
    // `-u`: data flows only from the socket to socat's stdout, so nothing ever answers, and
    // no child process outlives the test.
    let _silent = socat(&[
        "-u",
        &format!("UNIX-LISTEN:{}", silent_path.display()),
        "STDOUT",
    ]);
    wait_listening(&silent_path);
    let out = Guest::new(UNIX_PEERS)
        .arg("silent")
        .arg(silent_path.display())
        .allow(&rule)
        .run_ok();
    assert_eq!(out, "timeout, then EAGAIN\n");

    let serve_path = dir.path("guest-server.sock");
    let mut client = socat(&[
        "-t",
        "10",
        "-",
        &format!(
            "UNIX-CONNECT:{},retry=600,interval=0.05",
            serve_path.display()
        ),
    ]);
    {
        use std::io::Write;
        let mut stdin = client.stdin();
        stdin.write_all(b"hello from socat\n").unwrap();
    }
    let out = Guest::new(UNIX_PEERS)
        .arg("serve")
        .arg(serve_path.display())
        .allow(&format!("bind unix:{}", serve_path.display()))
        .run_ok();
    assert_eq!(out, "listening\nserved hello from socat\n");
    assert_eq!(client.output(), "HELLO FROM SOCAT\n");

    let guest_path = dir.path("guest.sock").display().to_string();
    let friend = dir.path("friend.sock").display().to_string();
    let senders = Peer::python(PY_DGRAM_SENDERS, &[&dir.0.display().to_string()]);
    let out = Guest::new(UNIX_PEERS)
        .arg("dgram")
        .arg(&guest_path)
        .arg(2)
        .allow(&format!("bind unix:{guest_path}"))
        .allow(&format!("recv unix:{friend}"))
        .run_observed();
    out.outcome.assert_ok("unix_peers");
    assert_eq!(
        out.outcome.stdout,
        format!("bound\nfrom friend from {friend}\nfrom unnamed from None\n")
    );
    assert_eq!(senders.output(), "sent\n");
    let stranger = dir.path("stranger.sock").display().to_string();
    let denials: Vec<_> = out.audit.iter().filter(|r| r[2] == "deny").collect();
    assert_eq!(denials.len(), 1, "{:#?}", out.audit);
    assert_eq!(denials[0][1], format!("unix:{stranger}"));
}
