//! Raw IP sockets through the real `host run`, in a network namespace the test makes: a guest
//! sends and hears the IP protocol its rules name, to and from the hosts they name, and
//! nothing else.

use capsock_tests::{Netns, RAW_IP};

use super::bypass::host_run;
use super::peer::Peer;

/// In the namespace: hears protocol 253, says `ready`, waits (at most 30 s) for the guest's
/// `hello`, then sends `stranger` from 127.0.0.2 and `reply` from 127.0.0.1 to 127.0.0.1.
const PY_PEER: &str = r#"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
s.settimeout(30)
print("ready", flush=True)
while s.recv(2048)[20:] != b"hello":
    pass
print("heard the guest", flush=True)
stranger = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
stranger.bind(("127.0.0.2", 0))
stranger.sendto(b"stranger", ("127.0.0.1", 0))
s.sendto(b"reply", ("127.0.0.1", 0))
"#;

#[test]
pub fn raw_ip() {
    let ns = Netns::new("raw", &[]);
    let peer = Peer::python_in(&ns, PY_PEER, &[]).ready();
    let allow = [
        "--allow",
        "send raw://127.0.0.1:253",
        "--allow",
        "send raw://[::1]:253",
    ]
    .map(str::to_owned);
    let ran = host_run(Some(&ns), &allow, RAW_IP, &["exchange".to_owned()]);
    assert_eq!(peer.output(), "heard the guest\n");
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "heard: hello from Some(Inet(\"127.0.0.1\", 0)), reply from Some(Inet(\"127.0.0.1\", 0))\n\
         sendto 127.0.0.2: capsock policy: send to raw://127.0.0.2:253 denied (no rule allows it)\n\
         protocol 254 to 127.0.0.1: capsock policy: send to raw://127.0.0.1:254 denied (no rule allows it)\n\
         IPPROTO_RAW: capsock: IPPROTO_RAW is not available: it writes its own IP header (IP_HDRINCL), so its addresses would escape the rules; use the protocol the packets carry\n\
         protocol 0: capsock: a SOCK_RAW IP socket carries one IP protocol, from 1 to 254, not 0\n\
         IP_HDRINCL: socket option (level 0, name 3) is not available to guests\n\
         heard over IPv6: six from Some(Inet6(\"::1\", 0, 0, 0))\n",
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("recv from raw://127.0.0.2:253 denied (no rule allows it)"),
        "the stranger is recorded: {}",
        ran.stderr
    );

    // Without a raw:// rule (a `*://` rule is tcp and udp), no raw socket: it would lend the
    // host's CAP_NET_RAW.
    let allow = ["--allow", "send *://127.0.0.1:*"].map(str::to_owned);
    let ran = host_run(Some(&ns), &allow, RAW_IP, &["try".to_owned()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "errno Some(13): capsock policy: SOCK_RAW IP sockets denied (no rule allows them: e.g. send raw://10.0.0.0/8:47 to send protocol 47 there and hear it back)\n"
    );
}
