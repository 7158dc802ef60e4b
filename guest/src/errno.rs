//! Linux errno values and their C-library messages.
//!
//! The numbers are the Linux `asm-generic` ones (used by x86_64, aarch64, riscv64 and most other
//! architectures; not by alpha, mips, parisc or sparc); the messages are glibc's `strerror(3)`
//! texts, which Python shows as `OSError.strerror` (`[Errno 111] Connection refused`). The guest
//! never sees the host's C library, so this table is what makes errors read exactly as they
//! would under CPython on Linux.

/// `Operation not permitted`.
pub const EPERM: i32 = 1;
/// `No such file or directory`.
pub const ENOENT: i32 = 2;
/// `No such process`.
pub const ESRCH: i32 = 3;
/// `Interrupted system call`.
pub const EINTR: i32 = 4;
/// `Input/output error`.
pub const EIO: i32 = 5;
/// `No such device or address`.
pub const ENXIO: i32 = 6;
/// `Argument list too long`.
pub const E2BIG: i32 = 7;
/// `Exec format error`.
pub const ENOEXEC: i32 = 8;
/// `Bad file descriptor`.
pub const EBADF: i32 = 9;
/// `No child processes`.
pub const ECHILD: i32 = 10;
/// `Resource temporarily unavailable`.
pub const EAGAIN: i32 = 11;
/// `Cannot allocate memory`.
pub const ENOMEM: i32 = 12;
/// `Permission denied`.
pub const EACCES: i32 = 13;
/// `Bad address`.
pub const EFAULT: i32 = 14;
/// `Block device required`.
pub const ENOTBLK: i32 = 15;
/// `Device or resource busy`.
pub const EBUSY: i32 = 16;
/// `File exists`.
pub const EEXIST: i32 = 17;
/// `Invalid cross-device link`.
pub const EXDEV: i32 = 18;
/// `No such device`.
pub const ENODEV: i32 = 19;
/// `Not a directory`.
pub const ENOTDIR: i32 = 20;
/// `Is a directory`.
pub const EISDIR: i32 = 21;
/// `Invalid argument`.
pub const EINVAL: i32 = 22;
/// `Too many open files in system`.
pub const ENFILE: i32 = 23;
/// `Too many open files`.
pub const EMFILE: i32 = 24;
/// `Inappropriate ioctl for device`.
pub const ENOTTY: i32 = 25;
/// `Text file busy`.
pub const ETXTBSY: i32 = 26;
/// `File too large`.
pub const EFBIG: i32 = 27;
/// `No space left on device`.
pub const ENOSPC: i32 = 28;
/// `Illegal seek`.
pub const ESPIPE: i32 = 29;
/// `Read-only file system`.
pub const EROFS: i32 = 30;
/// `Too many links`.
pub const EMLINK: i32 = 31;
/// `Broken pipe`.
pub const EPIPE: i32 = 32;
/// `Numerical argument out of domain`.
pub const EDOM: i32 = 33;
/// `Numerical result out of range`.
pub const ERANGE: i32 = 34;
/// `Resource deadlock avoided`.
pub const EDEADLK: i32 = 35;
/// `File name too long`.
pub const ENAMETOOLONG: i32 = 36;
/// `No locks available`.
pub const ENOLCK: i32 = 37;
/// `Function not implemented`.
pub const ENOSYS: i32 = 38;
/// `Directory not empty`.
pub const ENOTEMPTY: i32 = 39;
/// `Too many levels of symbolic links`.
pub const ELOOP: i32 = 40;
/// Alias of [`EAGAIN`]: `Resource temporarily unavailable`.
pub const EWOULDBLOCK: i32 = EAGAIN;
/// `No message of desired type`.
pub const ENOMSG: i32 = 42;
/// `Identifier removed`.
pub const EIDRM: i32 = 43;
/// `Channel number out of range`.
pub const ECHRNG: i32 = 44;
/// `Level 2 not synchronized`.
pub const EL2NSYNC: i32 = 45;
/// `Level 3 halted`.
pub const EL3HLT: i32 = 46;
/// `Level 3 reset`.
pub const EL3RST: i32 = 47;
/// `Link number out of range`.
pub const ELNRNG: i32 = 48;
/// `Protocol driver not attached`.
pub const EUNATCH: i32 = 49;
/// `No CSI structure available`.
pub const ENOCSI: i32 = 50;
/// `Level 2 halted`.
pub const EL2HLT: i32 = 51;
/// `Invalid exchange`.
pub const EBADE: i32 = 52;
/// `Invalid request descriptor`.
pub const EBADR: i32 = 53;
/// `Exchange full`.
pub const EXFULL: i32 = 54;
/// `No anode`.
pub const ENOANO: i32 = 55;
/// `Invalid request code`.
pub const EBADRQC: i32 = 56;
/// `Invalid slot`.
pub const EBADSLT: i32 = 57;
/// Alias of [`EDEADLK`]: `Resource deadlock avoided`.
pub const EDEADLOCK: i32 = EDEADLK;
/// `Bad font file format`.
pub const EBFONT: i32 = 59;
/// `Device not a stream`.
pub const ENOSTR: i32 = 60;
/// `No data available`.
pub const ENODATA: i32 = 61;
/// `Timer expired`.
pub const ETIME: i32 = 62;
/// `Out of streams resources`.
pub const ENOSR: i32 = 63;
/// `Machine is not on the network`.
pub const ENONET: i32 = 64;
/// `Package not installed`.
pub const ENOPKG: i32 = 65;
/// `Object is remote`.
pub const EREMOTE: i32 = 66;
/// `Link has been severed`.
pub const ENOLINK: i32 = 67;
/// `Advertise error`.
pub const EADV: i32 = 68;
/// `Srmount error`.
pub const ESRMNT: i32 = 69;
/// `Communication error on send`.
pub const ECOMM: i32 = 70;
/// `Protocol error`.
pub const EPROTO: i32 = 71;
/// `Multihop attempted`.
pub const EMULTIHOP: i32 = 72;
/// `RFS specific error`.
pub const EDOTDOT: i32 = 73;
/// `Bad message`.
pub const EBADMSG: i32 = 74;
/// `Value too large for defined data type`.
pub const EOVERFLOW: i32 = 75;
/// `Name not unique on network`.
pub const ENOTUNIQ: i32 = 76;
/// `File descriptor in bad state`.
pub const EBADFD: i32 = 77;
/// `Remote address changed`.
pub const EREMCHG: i32 = 78;
/// `Can not access a needed shared library`.
pub const ELIBACC: i32 = 79;
/// `Accessing a corrupted shared library`.
pub const ELIBBAD: i32 = 80;
/// `.lib section in a.out corrupted`.
pub const ELIBSCN: i32 = 81;
/// `Attempting to link in too many shared libraries`.
pub const ELIBMAX: i32 = 82;
/// `Cannot exec a shared library directly`.
pub const ELIBEXEC: i32 = 83;
/// `Invalid or incomplete multibyte or wide character`.
pub const EILSEQ: i32 = 84;
/// `Interrupted system call should be restarted`.
pub const ERESTART: i32 = 85;
/// `Streams pipe error`.
pub const ESTRPIPE: i32 = 86;
/// `Too many users`.
pub const EUSERS: i32 = 87;
/// `Socket operation on non-socket`.
pub const ENOTSOCK: i32 = 88;
/// `Destination address required`.
pub const EDESTADDRREQ: i32 = 89;
/// `Message too long`.
pub const EMSGSIZE: i32 = 90;
/// `Protocol wrong type for socket`.
pub const EPROTOTYPE: i32 = 91;
/// `Protocol not available`.
pub const ENOPROTOOPT: i32 = 92;
/// `Protocol not supported`.
pub const EPROTONOSUPPORT: i32 = 93;
/// `Socket type not supported`.
pub const ESOCKTNOSUPPORT: i32 = 94;
/// `Operation not supported`.
pub const EOPNOTSUPP: i32 = 95;
/// Alias of [`EOPNOTSUPP`] (glibc defines `ENOTSUP` as `EOPNOTSUPP` on Linux): `Operation not supported`.
pub const ENOTSUP: i32 = EOPNOTSUPP;
/// `Protocol family not supported`.
pub const EPFNOSUPPORT: i32 = 96;
/// `Address family not supported by protocol`.
pub const EAFNOSUPPORT: i32 = 97;
/// `Address already in use`.
pub const EADDRINUSE: i32 = 98;
/// `Cannot assign requested address`.
pub const EADDRNOTAVAIL: i32 = 99;
/// `Network is down`.
pub const ENETDOWN: i32 = 100;
/// `Network is unreachable`.
pub const ENETUNREACH: i32 = 101;
/// `Network dropped connection on reset`.
pub const ENETRESET: i32 = 102;
/// `Software caused connection abort`.
pub const ECONNABORTED: i32 = 103;
/// `Connection reset by peer`.
pub const ECONNRESET: i32 = 104;
/// `No buffer space available`.
pub const ENOBUFS: i32 = 105;
/// `Transport endpoint is already connected`.
pub const EISCONN: i32 = 106;
/// `Transport endpoint is not connected`.
pub const ENOTCONN: i32 = 107;
/// `Cannot send after transport endpoint shutdown`.
pub const ESHUTDOWN: i32 = 108;
/// `Too many references: cannot splice`.
pub const ETOOMANYREFS: i32 = 109;
/// `Connection timed out`.
pub const ETIMEDOUT: i32 = 110;
/// `Connection refused`.
pub const ECONNREFUSED: i32 = 111;
/// `Host is down`.
pub const EHOSTDOWN: i32 = 112;
/// `No route to host`.
pub const EHOSTUNREACH: i32 = 113;
/// `Operation already in progress`.
pub const EALREADY: i32 = 114;
/// `Operation now in progress`.
pub const EINPROGRESS: i32 = 115;
/// `Stale file handle`.
pub const ESTALE: i32 = 116;
/// `Structure needs cleaning`.
pub const EUCLEAN: i32 = 117;
/// `Not a XENIX named type file`.
pub const ENOTNAM: i32 = 118;
/// `No XENIX semaphores available`.
pub const ENAVAIL: i32 = 119;
/// `Is a named type file`.
pub const EISNAM: i32 = 120;
/// `Remote I/O error`.
pub const EREMOTEIO: i32 = 121;
/// `Disk quota exceeded`.
pub const EDQUOT: i32 = 122;
/// `No medium found`.
pub const ENOMEDIUM: i32 = 123;
/// `Wrong medium type`.
pub const EMEDIUMTYPE: i32 = 124;
/// `Operation canceled`.
pub const ECANCELED: i32 = 125;
/// `Required key not available`.
pub const ENOKEY: i32 = 126;
/// `Key has expired`.
pub const EKEYEXPIRED: i32 = 127;
/// `Key has been revoked`.
pub const EKEYREVOKED: i32 = 128;
/// `Key was rejected by service`.
pub const EKEYREJECTED: i32 = 129;
/// `Owner died`.
pub const EOWNERDEAD: i32 = 130;
/// `State not recoverable`.
pub const ENOTRECOVERABLE: i32 = 131;
/// `Operation not possible due to RF-kill`.
pub const ERFKILL: i32 = 132;
/// `Memory page has hardware error`.
pub const EHWPOISON: i32 = 133;

/// The message glibc's `strerror(3)` gives for `errno`, as Python's `os.strerror` and
/// `OSError.strerror` show it: `strerror(ECONNREFUSED)` is `"Connection refused"`.
///
/// `0` is `"Success"`. For a number glibc does not know, glibc prints `"Unknown error N"`; a
/// `&'static str` cannot carry the number, so this returns `"Unknown error"`.
pub fn strerror(errno: i32) -> &'static str {
    match errno {
        0 => "Success",
        EPERM => "Operation not permitted",
        ENOENT => "No such file or directory",
        ESRCH => "No such process",
        EINTR => "Interrupted system call",
        EIO => "Input/output error",
        ENXIO => "No such device or address",
        E2BIG => "Argument list too long",
        ENOEXEC => "Exec format error",
        EBADF => "Bad file descriptor",
        ECHILD => "No child processes",
        EAGAIN => "Resource temporarily unavailable",
        ENOMEM => "Cannot allocate memory",
        EACCES => "Permission denied",
        EFAULT => "Bad address",
        ENOTBLK => "Block device required",
        EBUSY => "Device or resource busy",
        EEXIST => "File exists",
        EXDEV => "Invalid cross-device link",
        ENODEV => "No such device",
        ENOTDIR => "Not a directory",
        EISDIR => "Is a directory",
        EINVAL => "Invalid argument",
        ENFILE => "Too many open files in system",
        EMFILE => "Too many open files",
        ENOTTY => "Inappropriate ioctl for device",
        ETXTBSY => "Text file busy",
        EFBIG => "File too large",
        ENOSPC => "No space left on device",
        ESPIPE => "Illegal seek",
        EROFS => "Read-only file system",
        EMLINK => "Too many links",
        EPIPE => "Broken pipe",
        EDOM => "Numerical argument out of domain",
        ERANGE => "Numerical result out of range",
        EDEADLK => "Resource deadlock avoided",
        ENAMETOOLONG => "File name too long",
        ENOLCK => "No locks available",
        ENOSYS => "Function not implemented",
        ENOTEMPTY => "Directory not empty",
        ELOOP => "Too many levels of symbolic links",
        ENOMSG => "No message of desired type",
        EIDRM => "Identifier removed",
        ECHRNG => "Channel number out of range",
        EL2NSYNC => "Level 2 not synchronized",
        EL3HLT => "Level 3 halted",
        EL3RST => "Level 3 reset",
        ELNRNG => "Link number out of range",
        EUNATCH => "Protocol driver not attached",
        ENOCSI => "No CSI structure available",
        EL2HLT => "Level 2 halted",
        EBADE => "Invalid exchange",
        EBADR => "Invalid request descriptor",
        EXFULL => "Exchange full",
        ENOANO => "No anode",
        EBADRQC => "Invalid request code",
        EBADSLT => "Invalid slot",
        EBFONT => "Bad font file format",
        ENOSTR => "Device not a stream",
        ENODATA => "No data available",
        ETIME => "Timer expired",
        ENOSR => "Out of streams resources",
        ENONET => "Machine is not on the network",
        ENOPKG => "Package not installed",
        EREMOTE => "Object is remote",
        ENOLINK => "Link has been severed",
        EADV => "Advertise error",
        ESRMNT => "Srmount error",
        ECOMM => "Communication error on send",
        EPROTO => "Protocol error",
        EMULTIHOP => "Multihop attempted",
        EDOTDOT => "RFS specific error",
        EBADMSG => "Bad message",
        EOVERFLOW => "Value too large for defined data type",
        ENOTUNIQ => "Name not unique on network",
        EBADFD => "File descriptor in bad state",
        EREMCHG => "Remote address changed",
        ELIBACC => "Can not access a needed shared library",
        ELIBBAD => "Accessing a corrupted shared library",
        ELIBSCN => ".lib section in a.out corrupted",
        ELIBMAX => "Attempting to link in too many shared libraries",
        ELIBEXEC => "Cannot exec a shared library directly",
        EILSEQ => "Invalid or incomplete multibyte or wide character",
        ERESTART => "Interrupted system call should be restarted",
        ESTRPIPE => "Streams pipe error",
        EUSERS => "Too many users",
        ENOTSOCK => "Socket operation on non-socket",
        EDESTADDRREQ => "Destination address required",
        EMSGSIZE => "Message too long",
        EPROTOTYPE => "Protocol wrong type for socket",
        ENOPROTOOPT => "Protocol not available",
        EPROTONOSUPPORT => "Protocol not supported",
        ESOCKTNOSUPPORT => "Socket type not supported",
        EOPNOTSUPP => "Operation not supported",
        EPFNOSUPPORT => "Protocol family not supported",
        EAFNOSUPPORT => "Address family not supported by protocol",
        EADDRINUSE => "Address already in use",
        EADDRNOTAVAIL => "Cannot assign requested address",
        ENETDOWN => "Network is down",
        ENETUNREACH => "Network is unreachable",
        ENETRESET => "Network dropped connection on reset",
        ECONNABORTED => "Software caused connection abort",
        ECONNRESET => "Connection reset by peer",
        ENOBUFS => "No buffer space available",
        EISCONN => "Transport endpoint is already connected",
        ENOTCONN => "Transport endpoint is not connected",
        ESHUTDOWN => "Cannot send after transport endpoint shutdown",
        ETOOMANYREFS => "Too many references: cannot splice",
        ETIMEDOUT => "Connection timed out",
        ECONNREFUSED => "Connection refused",
        EHOSTDOWN => "Host is down",
        EHOSTUNREACH => "No route to host",
        EALREADY => "Operation already in progress",
        EINPROGRESS => "Operation now in progress",
        ESTALE => "Stale file handle",
        EUCLEAN => "Structure needs cleaning",
        ENOTNAM => "Not a XENIX named type file",
        ENAVAIL => "No XENIX semaphores available",
        EISNAM => "Is a named type file",
        EREMOTEIO => "Remote I/O error",
        EDQUOT => "Disk quota exceeded",
        ENOMEDIUM => "No medium found",
        EMEDIUMTYPE => "Wrong medium type",
        ECANCELED => "Operation canceled",
        ENOKEY => "Required key not available",
        EKEYEXPIRED => "Key has expired",
        EKEYREVOKED => "Key has been revoked",
        EKEYREJECTED => "Key was rejected by service",
        EOWNERDEAD => "Owner died",
        ENOTRECOVERABLE => "State not recoverable",
        ERFKILL => "Operation not possible due to RF-kill",
        EHWPOISON => "Memory page has hardware error",
        _ => "Unknown error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values and texts as CPython 3.11 on glibc 2.36 reports them (`errno.X`, `os.strerror`).
    #[test]
    fn values_and_messages_match_glibc() {
        let table: &[(i32, i32, &str)] = &[
            (EPERM, 1, "Operation not permitted"),
            (ENOENT, 2, "No such file or directory"),
            (EINTR, 4, "Interrupted system call"),
            (EBADF, 9, "Bad file descriptor"),
            (EAGAIN, 11, "Resource temporarily unavailable"),
            (EWOULDBLOCK, 11, "Resource temporarily unavailable"),
            (EACCES, 13, "Permission denied"),
            (EINVAL, 22, "Invalid argument"),
            (EMFILE, 24, "Too many open files"),
            (EPIPE, 32, "Broken pipe"),
            (EDEADLOCK, 35, "Resource deadlock avoided"),
            (ENOTSOCK, 88, "Socket operation on non-socket"),
            (EMSGSIZE, 90, "Message too long"),
            (ENOPROTOOPT, 92, "Protocol not available"),
            (EPROTONOSUPPORT, 93, "Protocol not supported"),
            (EOPNOTSUPP, 95, "Operation not supported"),
            (ENOTSUP, 95, "Operation not supported"),
            (EAFNOSUPPORT, 97, "Address family not supported by protocol"),
            (EADDRINUSE, 98, "Address already in use"),
            (EADDRNOTAVAIL, 99, "Cannot assign requested address"),
            (ENETUNREACH, 101, "Network is unreachable"),
            (ECONNABORTED, 103, "Software caused connection abort"),
            (ECONNRESET, 104, "Connection reset by peer"),
            (EISCONN, 106, "Transport endpoint is already connected"),
            (ENOTCONN, 107, "Transport endpoint is not connected"),
            (
                ESHUTDOWN,
                108,
                "Cannot send after transport endpoint shutdown",
            ),
            (ETIMEDOUT, 110, "Connection timed out"),
            (ECONNREFUSED, 111, "Connection refused"),
            (EHOSTUNREACH, 113, "No route to host"),
            (EALREADY, 114, "Operation already in progress"),
            (EINPROGRESS, 115, "Operation now in progress"),
            (ECANCELED, 125, "Operation canceled"),
            (ERFKILL, 132, "Operation not possible due to RF-kill"),
            (EHWPOISON, 133, "Memory page has hardware error"),
        ];
        for &(ours, linux, message) in table {
            assert_eq!(ours, linux, "{message}");
            assert_eq!(strerror(ours), message);
        }
    }

    #[test]
    fn unknown_values() {
        assert_eq!(strerror(0), "Success");
        for unknown in [-1, 41, 58, 134, i32::MAX, i32::MIN] {
            assert_eq!(strerror(unknown), "Unknown error", "{unknown}");
        }
    }
}
