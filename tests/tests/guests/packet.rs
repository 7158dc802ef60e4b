//! `AF_PACKET` through the real `host run`, in a network namespace the test makes with a veth
//! pair `v0`–`v1`: a guest hears and sends frames on the interface its rules name, and nothing
//! of the others.

use capsock_tests::{Netns, PACKET};

use super::bypass::host_run;
use super::peer::Peer;

/// In the namespace: hears `v1` (every protocol), says `ready`, waits (at most 30 s) for the
/// guest's three frames, then sends one on `lo` (which the guest must not hear) and, once it has
/// heard that one delivered on `lo`, one on `v1`: a guest that heard `lo` would get the `lo`
/// frame first.
const PY_PEER: &str = r#"
import socket
ETH_P_ALL, TYPE = 3, 0x88b5
v1 = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
v1.bind(("v1", 0))
v1.settimeout(30)
lo_in = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(TYPE))
lo_in.bind(("lo", 0))
lo_in.settimeout(30)
print("ready", flush=True)
wanted = {b"from guest", b"sendmsg bound", b"sendmsg to v0"}
while wanted:
    data = v1.recv(2048)
    wanted = {w for w in wanted if not data.endswith(w)}
print("heard the guest", flush=True)
def frame(payload):
    return b"\xff" * 6 + bytes([2, 0, 0, 0, 0, 2]) + TYPE.to_bytes(2, "big") + payload
lo = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
lo.bind(("lo", 0))
lo.send(frame(b"on lo"))
while not lo_in.recv(2048).endswith(b"on lo"):
    pass
v1.send(frame(b"from peer"))
"#;

#[test]
pub fn packet() {
    let ns = Netns::new("packet", &[]);
    for args in [
        &["link", "add", "v0", "type", "veth", "peer", "name", "v1"][..],
        &["link", "set", "v0", "up"],
        &["link", "set", "v1", "up"],
    ] {
        let status = ns.command("ip").args(args).status().unwrap();
        assert!(status.success(), "ip {args:?}");
    }
    let peer = Peer::python_in(&ns, PY_PEER, &[]).ready();
    let allow = [
        "--allow".to_owned(),
        "bind packet:v*".to_owned(),
        "--allow".to_owned(),
        "send packet:v0".to_owned(),
    ];
    let ran = host_run(Some(&ns), &allow, PACKET, &["frames".to_owned()]);
    assert_eq!(peer.output(), "heard the guest\n");
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "bound to v0 for protocol 3\n\
         heard the peer on v0\n\
         bind lo: capsock policy: bind to packet:lo denied (no rule allows it)\n\
         bind every interface: capsock policy: bind to packet:* denied (no rule allows it)\n\
         sendto lo: capsock policy: send to packet:lo denied (no rule allows it)\n\
         send on v1: capsock policy: send to packet:v1 denied (no rule allows it)\n\
         sendall on v1: capsock policy: send to packet:v1 denied (no rule allows it)\n\
         sendmsg on v1: capsock policy: send to packet:v1 denied (no rule allows it)\n\
         connect: an AF_PACKET or AF_CAN socket does not connect (bind it to an interface)\n",
        "{}",
        ran.stderr
    );

    // Without a packet: rule, no packet socket (it would lend the host's CAP_NET_RAW).
    let ran = host_run(Some(&ns), &[], PACKET, &["try".to_owned()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "errno Some(13): capsock policy: AF_PACKET sockets denied (no rule allows them: e.g. bind packet:eth1 to hear eth1, send packet:eth1 to send out of it)\n"
    );
}
