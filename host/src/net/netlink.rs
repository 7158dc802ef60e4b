//! `AF_NETLINK` for guests: `NETLINK_ROUTE`, for reading only.
//!
//! A guest may list interfaces, addresses, routes, neighbours and routing rules, and hear the
//! kernel's notifications of their changes; it may change nothing, whatever privileges the
//! host has. Every datagram a guest sends on a netlink socket passes [`vet`] first: each
//! message in it must be one of the read requests ([`READS`]). Messages go to the kernel only
//! (port id 0, no groups), and are taken from it only.

use rustix::io::Errno;

use crate::error::{SocketError, SocketResult};

/// `struct nlmsghdr`: length, type, flags, sequence number, port id (16 bytes).
const HEADER: usize = 16;

/// `NLM_F_REQUEST`: the message is a request.
const NLM_F_REQUEST: u16 = 1;

/// The read requests a guest may send, with their names for messages.
pub const READS: &[(u16, &str)] = &[
    (libc::RTM_GETLINK, "RTM_GETLINK"),
    (libc::RTM_GETADDR, "RTM_GETADDR"),
    (libc::RTM_GETROUTE, "RTM_GETROUTE"),
    (libc::RTM_GETNEIGH, "RTM_GETNEIGH"),
    (libc::RTM_GETRULE, "RTM_GETRULE"),
];

/// Checks that every message of a datagram for the kernel is a read request ([`READS`], with
/// `NLM_F_REQUEST`), walking the messages as the kernel does (`NLMSG_ALIGN`ed lengths).
///
/// Errors: `EINVAL` for bytes that are not whole messages (the message says where); `EPERM`
/// for a message that is not a read request (naming its type).
pub fn vet(datagram: &[u8]) -> SocketResult<()> {
    let mut offset = 0;
    while offset < datagram.len() {
        let rest = &datagram[offset..];
        if rest.len() < HEADER {
            return Err(SocketError::os_msg(
                Errno::INVAL,
                format!(
                    "netlink: {} bytes at offset {offset} are not a whole message (a header is {HEADER} bytes)",
                    rest.len()
                ),
            ));
        }
        let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let flags = u16::from_ne_bytes([rest[6], rest[7]]);
        if len < HEADER || len > rest.len() {
            return Err(SocketError::os_msg(
                Errno::INVAL,
                format!(
                    "netlink: the message at offset {offset} says it is {len} bytes long, and {} remain",
                    rest.len()
                ),
            ));
        }
        if !READS.iter().any(|&(read, _)| read == kind) || flags & NLM_F_REQUEST == 0 {
            let names: Vec<&str> = READS.iter().map(|&(_, name)| name).collect();
            return Err(SocketError::os_msg(
                Errno::PERM,
                format!(
                    "netlink: message type {kind} (flags {flags:#x}) is not a read request; guests may send {} requests (NLM_F_REQUEST) only",
                    names.join(", ")
                ),
            ));
        }
        // NLMSG_ALIGN: the next message starts at a multiple of 4.
        offset += len.next_multiple_of(4).min(rest.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u16, flags: u16, payload: usize) -> Vec<u8> {
        let len = (HEADER + payload) as u32;
        let mut m = Vec::new();
        m.extend_from_slice(&len.to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&[0; 8]);
        m.resize(HEADER + payload, 0);
        m
    }

    #[test]
    fn reads_pass_and_everything_else_is_refused() {
        let dump = NLM_F_REQUEST | libc::NLM_F_DUMP as u16;
        for &(kind, _) in READS {
            vet(&message(kind, dump, 16)).unwrap();
        }
        // Two messages in one datagram, the first of a length that is not a multiple of 4.
        let mut two = message(libc::RTM_GETLINK, dump, 17);
        two.resize(two.len().next_multiple_of(4), 0);
        two.extend(message(libc::RTM_GETADDR, dump, 8));
        vet(&two).unwrap();
        vet(&[]).unwrap();

        let errno = |r: SocketResult<()>| r.unwrap_err().errno();
        for kind in [
            libc::RTM_NEWLINK,
            libc::RTM_DELLINK,
            libc::RTM_SETLINK,
            libc::RTM_NEWADDR,
            libc::RTM_DELROUTE,
            libc::RTM_NEWNEIGH,
            libc::NLMSG_DONE as u16,
            u16::MAX,
        ] {
            assert_eq!(
                errno(vet(&message(kind, NLM_F_REQUEST, 16))),
                Some(Errno::PERM)
            );
        }
        // A read that is not a request, and a write hidden behind a read.
        assert_eq!(
            errno(vet(&message(libc::RTM_GETLINK, 0, 16))),
            Some(Errno::PERM)
        );
        let mut hidden = message(libc::RTM_GETLINK, dump, 16);
        hidden.extend(message(libc::RTM_NEWROUTE, NLM_F_REQUEST, 16));
        assert_eq!(errno(vet(&hidden)), Some(Errno::PERM));
        // Lengths that lie.
        let mut short = message(libc::RTM_GETLINK, dump, 16);
        short[..4].copy_from_slice(&8u32.to_ne_bytes());
        assert_eq!(errno(vet(&short)), Some(Errno::INVAL));
        let mut long = message(libc::RTM_GETLINK, dump, 16);
        long[..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(errno(vet(&long)), Some(Errno::INVAL));
        assert_eq!(errno(vet(&[0; 15])), Some(Errno::INVAL));
        let mut trailing = message(libc::RTM_GETLINK, dump, 16);
        trailing.extend([1, 2, 3]);
        assert_eq!(errno(vet(&trailing)), Some(Errno::INVAL));
    }
}
