//! `AF_UNIX` sockets with peers nobody here wrote (python3's `socketserver` and `socket`), and
//! the confinement of paths to the directories their rules name.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use capsock_tests::{Guest, Scratch, UNIX_SOCKETS};

/// A python3 program, killed when dropped.
struct Python(Child);

impl Python {
    fn spawn(program: &str, args: &[&str]) -> Python {
        let child = Command::new("python3")
            .arg("-c")
            .arg(program)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python3");
        Python(child)
    }

    /// Waits (bounded: 60 s) for it to exit, and returns what it printed.
    fn output(mut self) -> String {
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                let mut out = String::new();
                use std::io::Read;
                self.0
                    .stdout
                    .take()
                    .unwrap()
                    .read_to_string(&mut out)
                    .unwrap();
                assert!(status.success(), "python3 failed: {out}");
                return out;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "python3 ran too long"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

fn wait_ready(server: &mut Python) {
    use std::io::{BufRead, BufReader};
    let out = server.0.stdout.as_mut().unwrap();
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
}

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
    let mut server = Python::spawn(PY_ECHO_SERVER, &[&path]);
    wait_ready(&mut server);
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
    let client = Python::spawn(PY_CLIENT, &[&guest_path]);
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

    let name = format!("@capsock-test-{}", std::process::id());
    let mut server = Python::spawn(PY_ECHO_SERVER, &[&name]);
    wait_ready(&mut server);
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
