//! `AF_UNIX` addresses, and the system calls that confine a permitted path.
//!
//! A guest names a socket file by a path; the guard decides on the path as written, and the
//! allowing rule names the directory the path must stay in. What the kernel is then given is
//! not the guest's path but the file it reaches *beneath that directory*, found with
//! `openat2(2)` and `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` (no `..`
//! out of it, no symbolic link in any component, the last one included), held open as an
//! `O_PATH` descriptor, and handed to `connect(2)`, `sendto(2)` or `bind(2)` as
//! `/proc/self/fd/N` (for a bind, the directory's descriptor and the new file's name:
//! `/proc/self/fd/N/NAME`). So the decision and the system call reach the same file even if
//! components are renamed or replaced meanwhile, and a path longer than `sun_path`'s 108
//! bytes works inside an allowed directory. Abstract names have no file: they go to the kernel
//! as they are.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use rustix::fs::{FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use rustix::net::SocketAddrUnix;

use crate::error::{SocketError, SocketResult};

/// An `AF_UNIX` address, as Python shows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnixAddr {
    /// A filesystem path (Python's `str` path), as bytes.
    Path(Vec<u8>),
    /// An abstract name (Python's `b"\0name"`), without the leading NUL.
    Abstract(Vec<u8>),
    /// No name (Python's `''`): an unbound socket, e.g. a `socketpair` end or a client.
    Unnamed,
}

/// Where a permitted `AF_UNIX` address leads: what the kernel is given, and what keeps it the
/// file the guard decided on.
#[derive(Debug)]
pub struct UnixDest {
    /// The address the kernel is given, as `sun_path` bytes (an abstract name with its leading
    /// NUL; a path without a terminator).
    pub(crate) sun_path: Vec<u8>,
    /// The socket file (connect, send) or the directory a bind creates its file in, held open
    /// while the kernel follows `/proc/self/fd/N` to it.
    _pinned: Option<OwnedFd>,
    /// The address as the guest wrote it: what `getsockname` shows after a bind.
    pub(crate) guest: UnixAddr,
}

/// The longest `sun_path` (108 bytes); a path needs one more for its terminating NUL.
const SUN_PATH: usize = 108;

impl UnixDest {
    /// The address for rustix's `connect(2)`, `bind(2)` and `sendto(2)`.
    pub(crate) fn rustix_addr(&self) -> SocketResult<SocketAddrUnix> {
        let made = match self.sun_path.split_first() {
            Some((0, name)) => SocketAddrUnix::new_abstract_name(name),
            _ => SocketAddrUnix::new(self.sun_path.as_slice()),
        };
        Ok(made?)
    }
}

/// `/proc/self/fd/N` (and `/NAME`) as an `AF_UNIX` path.
fn proc_path(fd: &OwnedFd, leaf: Option<&[u8]>) -> SocketResult<Vec<u8>> {
    let mut path = format!("/proc/self/fd/{}", fd.as_raw_fd()).into_bytes();
    if let Some(leaf) = leaf {
        path.push(b'/');
        path.extend_from_slice(leaf);
    }
    if path.len() >= SUN_PATH {
        return Err(SocketError::os_msg(
            Errno::NAMETOOLONG,
            "the socket's file name is too long for an AF_UNIX address (the last component may be at most about 85 bytes)",
        ));
    }
    Ok(path)
}

/// `open(2)` of the directory a rule names, `O_PATH`: the operator named it, so symbolic links
/// in it are followed; what lies beneath is the guest's and is resolved by [`beneath`].
fn open_root(root: &str) -> SocketResult<OwnedFd> {
    Ok(rustix::fs::open(
        root,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// `openat2(2)` of `rest` beneath `root`, `O_PATH`, with no `..` out of it and no symbolic
/// link anywhere (`ELOOP` for one, `EXDEV` for an escape).
fn beneath(root: &OwnedFd, rest: &[u8], directory: bool) -> SocketResult<OwnedFd> {
    // No O_NOFOLLOW: with it a final symbolic link would be opened itself; without it,
    // RESOLVE_NO_SYMLINKS refuses one there too (ELOOP).
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if directory {
        flags |= OFlags::DIRECTORY;
    }
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    let path = if rest.is_empty() { &b"."[..] } else { rest };
    Ok(rustix::fs::openat2(
        root.as_fd(),
        path,
        flags,
        Mode::empty(),
        resolve,
    )?)
}

/// Where a connect or send to the path `guest` leads: `rest` (the path below the directory
/// `root` the allowing rule names) resolved beneath `root`. A file that is not a socket is
/// `ECONNREFUSED`, as `connect(2)` answers.
pub(crate) fn reach(root: &str, rest: &[u8], guest: Vec<u8>) -> SocketResult<UnixDest> {
    let root = open_root(root)?;
    let file = beneath(&root, rest, false)?;
    let stat = rustix::fs::fstat(&file)?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::Socket {
        return Err(Errno::CONNREFUSED.into());
    }
    Ok(UnixDest {
        sun_path: proc_path(&file, None)?,
        _pinned: Some(file),
        guest: UnixAddr::Path(guest),
    })
}

/// Where a bind of the path `guest` creates its file: the directory part of `rest` resolved
/// beneath `root`, and the file's name in it.
pub(crate) fn place(root: &str, rest: &[u8], guest: Vec<u8>) -> SocketResult<UnixDest> {
    let (dir, leaf) = match rest.iter().rposition(|&b| b == b'/') {
        Some(cut) => (&rest[..cut], &rest[cut + 1..]),
        None => (&b""[..], rest),
    };
    if leaf.is_empty() {
        return Err(SocketError::os_msg(
            Errno::INVAL,
            "a Unix socket path must name a file",
        ));
    }
    let root = open_root(root)?;
    let dir = beneath(&root, dir, true)?;
    Ok(UnixDest {
        sun_path: proc_path(&dir, Some(leaf))?,
        _pinned: Some(dir),
        guest: UnixAddr::Path(guest),
    })
}

/// An abstract name, which the kernel is given as it is.
pub(crate) fn abstract_name(name: &[u8]) -> SocketResult<UnixDest> {
    if name.len() > crate::policy::MAX_ABSTRACT {
        return Err(SocketError::os_msg(
            Errno::INVAL,
            format!(
                "an abstract name is at most {} bytes",
                crate::policy::MAX_ABSTRACT
            ),
        ));
    }
    let mut sun_path = vec![0u8];
    sun_path.extend_from_slice(name);
    Ok(UnixDest {
        sun_path,
        _pinned: None,
        guest: UnixAddr::Abstract(name.to_vec()),
    })
}
