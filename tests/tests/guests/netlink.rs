//! `AF_NETLINK` (`NETLINK_ROUTE`) through the real `host run`, in a network namespace the test
//! makes (only `lo`): a guest lists what the kernel says, and can change nothing.

use capsock_tests::{NETLINK_ROUTE, Netns};

use super::bypass::host_run;

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
