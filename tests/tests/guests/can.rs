//! `AF_CAN` through the real `host run`: no CAN socket without a `can:` rule; with one, what
//! the kernel answers (a kernel without CAN: its own `EAFNOSUPPORT`, as a native program
//! gets). Where the kernel has CAN and `vcan`, the frames themselves, in a namespace the test
//! makes; elsewhere that part says it is skipped, and why.

use std::process::Command;

use capsock_tests::{CAN, Netns};

use super::bypass::host_run;
use super::peer::Peer;

/// What `socket(AF_CAN, SOCK_RAW, CAN_RAW)` gives a native program: `ok`, or the errno.
fn native_can() -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import socket\n\
             try:\n    socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW); print('ok')\n\
             except OSError as e:\n    print(e.errno)",
        )
        .output()
        .expect("run python3");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// In the namespace: hears `vcan0`, says `ready`, waits (at most 30 s) for the guest's frame
/// 0x123, then sends 0x666 on `vcan1` (which the guest must not hear) and 0x321 on `vcan0`.
const PY_PEER: &str = r#"
import socket, struct
def frame(can_id, data):
    return struct.pack("=IB3x8s", can_id, len(data), data)
s = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
s.bind(("vcan0",))
s.settimeout(30)
print("ready", flush=True)
while struct.unpack("=I", s.recv(16)[:4])[0] != 0x123:
    pass
print("heard the guest", flush=True)
v1 = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
v1.bind(("vcan1",))
v1.send(frame(0x666, b"stranger"))
s.send(frame(0x321, b"peer"))
"#;

#[test]
pub fn can() {
    let ran = host_run(None, &[], CAN, &["try".to_owned()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let denied = "errno Some(13): capsock policy: AF_CAN sockets denied (no rule allows them: e.g. bind can:eth1 to hear eth1, send can:eth1 to send out of it)";
    assert_eq!(
        ran.stdout,
        format!("CAN_RAW: {denied}\nCAN_BCM: {denied}\n"),
        "{}",
        ran.stderr
    );

    let allow = ["--allow", "bind can:vcan*", "--allow", "send can:vcan0"].map(str::to_owned);
    let ran = host_run(None, &allow, CAN, &["try".to_owned()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let native = native_can();
    let raw = match native.as_str() {
        "ok" => "CAN_RAW: made".to_owned(),
        errno => format!("CAN_RAW: errno Some({errno}): "),
    };
    let (raw_line, bcm_line) = ran.stdout.split_once('\n').expect("two lines");
    assert!(
        raw_line.starts_with(&raw),
        "{raw_line} (natively: {native})"
    );
    assert_eq!(
        bcm_line,
        "CAN_BCM: errno Some(93): capsock: AF_CAN sockets are SOCK_RAW with CAN_RAW (1), not Dgram with 2\n"
    );
    if native != "ok" {
        println!(
            "can: this kernel has no CAN (a native socket gets errno {native}); the frames are skipped"
        );
        return;
    }

    let ns = Netns::new("can", &[]);
    for name in ["vcan0", "vcan1"] {
        let made = ns
            .command("ip")
            .args(["link", "add", name, "type", "vcan"])
            .status()
            .unwrap();
        if !made.success() {
            println!("can: this kernel has no vcan interfaces; the frames are skipped");
            return;
        }
        let up = ns.command("ip").args(["link", "set", name, "up"]).status();
        assert!(up.unwrap().success(), "ip link set {name} up");
    }
    let peer = Peer::python_in(&ns, PY_PEER, &[]).ready();
    let ran = host_run(Some(&ns), &allow, CAN, &["frames".to_owned()]);
    assert_eq!(peer.output(), "heard the guest\n");
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "heard the peer on vcan0\n\
         send on vcan1: capsock policy: send to can:vcan1 denied (no rule allows it)\n",
        "{}",
        ran.stderr
    );
}
