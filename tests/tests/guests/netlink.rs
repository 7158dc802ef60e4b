//! `AF_NETLINK` (`NETLINK_ROUTE`) through the real `host run`, in a network namespace the test
//! makes (only `lo`): a guest lists what the kernel says, and can change nothing.

use capsock_tests::{NETLINK_ROUTE, Netns};

use super::bypass::host_run;
use super::peer::Peer;

#[test]
pub fn netlink_route() {
    let ns = Netns::new("netlink", &[]);
    let allow = ["--allow".to_owned(), "send netlink:route".to_owned()];
    let ran = host_run(Some(&ns), &allow, NETLINK_ROUTE, &["list".to_owned()]);
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "bound to a port id of its own\n\
         link lo\n\
         addr 127.0.0.1/8 on 1\n\
         RTM_NEWLINK -> netlink: message type 16 (flags 0x1) is not a read request; guests may send RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH, RTM_GETRULE requests (NLM_F_REQUEST) only\n\
         sendmsg read + RTM_NEWLINK -> errno 1\n\
         to pid 1234 -> capsock policy: netlink to pid 1234 groups 0x0 denied: a guest's netlink messages go to the kernel only (pid 0, groups 0)\n",
        "{}",
        ran.stderr
    );

    // Without the rule, no netlink socket; another netlink protocol is not available at all.
    let ran = host_run(Some(&ns), &[], NETLINK_ROUTE, &["try".to_owned()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "errno Some(13): capsock policy: send to netlink:route denied (no rule allows it)\n"
    );
    assert!(
        ran.stderr
            .contains("send to netlink:route denied (no rule allows it)"),
        "{}",
        ran.stderr
    );
}

/// In the namespace: waits for a `NETLINK_ROUTE` socket subscribed to the link group
/// (`Groups` bit 0 in `/proc/net/netlink`: the guest's), then adds the veth pair
/// `capsock0`–`capsock1`.
const PY_ADD_LINK: &str = r#"
import subprocess, time
deadline = time.time() + 30
while True:
    lines = open("/proc/net/netlink").read().splitlines()[1:]
    if any(int(l.split()[1]) == 0 and int(l.split()[3], 16) & 1 for l in lines):
        break
    if time.time() > deadline:
        raise SystemExit("no subscriber appeared")
    time.sleep(0.02)
subprocess.run(["ip", "link", "add", "capsock0", "type", "veth", "peer", "name", "capsock1"], check=True)
print("added", flush=True)
"#;

/// A guest subscribed to the link notifications hears the kernel's `RTM_NEWLINK` of an
/// interface added while it listens, and a peek shorter than the message says `MSG_TRUNC`.
#[test]
fn netlink_notifications() {
    let ns = Netns::new("netlink-watch", &[]);
    let adder = Peer::python_in(&ns, PY_ADD_LINK, &[]);
    let allow = ["--allow".to_owned(), "send netlink:route".to_owned()];
    let ran = host_run(Some(&ns), &allow, NETLINK_ROUTE, &["watch".to_owned()]);
    assert_eq!(adder.output(), "added\n");
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout, "peeked 16 bytes, MSG_TRUNC true\nheard RTM_NEWLINK for capsock0\n",
        "{}",
        ran.stderr
    );
}

/// In the namespace: waits for another `NETLINK_ROUTE` socket to appear in
/// `/proc/net/netlink` (the guest's), then sends it a forged `RTM_NEWLINK` naming `evil0`.
const PY_FORGER: &str = r#"
import os, socket, struct, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 0))
mine = s.getsockname()[0]
deadline = time.time() + 30
target = None
while target is None:
    for line in open("/proc/net/netlink").read().splitlines()[1:]:
        fields = line.split()
        proto, port = int(fields[1]), int(fields[2])
        if proto == 0 and port not in (0, mine):
            target = port
    if target is None:
        if time.time() > deadline:
            raise SystemExit("no guest socket appeared")
        time.sleep(0.02)
name = b"evil0\0\0\0"
attr = struct.pack("HH", 4 + len(name), 3) + name
body = bytes(16) + attr
message = struct.pack("IHHII", 16 + len(body), 16, 0, 0, mine) + body
s.sendto(message, (target, 0))
print("sent", flush=True)
"#;

/// A process other than the kernel sends the guest's netlink socket a forged interface: the
/// guest never sees it (only the kernel's messages pass), and the host records the refusal.
#[test]
fn netlink_hears_only_the_kernel() {
    let ns = Netns::new("netlink-forge", &[]);
    let forger = Peer::python_in(&ns, PY_FORGER, &[]);
    let allow = ["--allow".to_owned(), "send netlink:route".to_owned()];
    let ran = host_run(Some(&ns), &allow, NETLINK_ROUTE, &["hear".to_owned()]);
    assert_eq!(forger.output(), "sent\n");
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout, "something arrived: true\nlink lo\n",
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("capsock policy: recv from netlink:pid ")
            && ran
                .stderr
                .contains("a guest hears netlink from the kernel only"),
        "{}",
        ran.stderr
    );
}
