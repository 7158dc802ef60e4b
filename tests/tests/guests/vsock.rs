//! `AF_VSOCK` through the real `host run`: binds and listens under `bind vsock://` rules, and
//! every use no rule allows is refused before it reaches the kernel. vsock is not confined to
//! network namespaces, so nothing here connects anywhere but the local CID: on a kernel with
//! the loopback transport (`vsock_loopback`), to a native python3 peer; elsewhere a connect to
//! CID 1 would go to the hypervisor, so that part is skipped with the reason printed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use capsock_tests::VSOCK;

use super::bypass::host_run;

/// A native peer on `(VMADDR_CID_LOCAL, 0)`: prints its port (or `none ERRNO` where the
/// kernel has no loopback transport), then answers one `ping` with `pong`.
const PY_PEER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
try:
    s.bind((1, socket.VMADDR_PORT_ANY))
except OSError as e:
    print("none", e.errno, flush=True)
    sys.exit(0)
s.listen(1)
s.settimeout(60)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.settimeout(10)
assert c.recv(16) == b"ping"
c.sendall(b"pong")
c.close()
"#;

#[test]
pub fn vsock() {
    // A port of this run's own, so that concurrent runs do not meet (vsock ports are global).
    let port = 40_000 + std::process::id() % 20_000;
    let mut peer = Command::new("python3")
        .arg("-c")
        .arg(PY_PEER)
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python3");
    let mut line = String::new();
    BufReader::new(peer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let peer_port = match line.trim().strip_prefix("none ") {
        Some(errno) => {
            println!(
                "vsock: no loopback transport in this kernel (bind to CID 1: errno {errno}); the connection to a native peer is skipped"
            );
            None
        }
        None => Some(line.trim().parse::<u32>().expect("the peer's port")),
    };
    let mut allow = vec![
        "--allow".to_owned(),
        format!("bind vsock://any:{port}-{}", port + 1),
    ];
    let mut guest_args = vec![port.to_string()];
    if let Some(p) = peer_port {
        allow.extend(["--allow".to_owned(), format!("connect vsock://local:{p}")]);
        guest_args.push(p.to_string());
    }
    let ran = host_run(None, &allow, VSOCK, &guest_args);
    let status = peer.wait().unwrap();
    assert!(status.success(), "the native peer failed");
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let mut want = "stream bound to 0xffffffff:0\n\
         accept: timed out\n\
         seqpacket bound: true\n\
         bind +2: capsock policy: bind to vsock://any:P+2 denied (no rule allows it)\n\
         connect host:9: capsock policy: connect to vsock://host:9 denied (no rule allows it)\n\
         sendto: an AF_VSOCK socket sends on its connection only (send, not sendto)\n\
         SOCK_DGRAM: capsock: AF_VSOCK sockets are SOCK_STREAM or SOCK_SEQPACKET (vsock datagrams exist on VMCI only, which no rule governs)\n"
        .to_owned();
    if peer_port.is_some() {
        want.push_str("peer true said pong\n");
    }
    assert_eq!(ran.stdout, want, "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("capsock policy: connect to vsock://host:9 denied (no rule allows it)"),
        "{}",
        ran.stderr
    );
}
