//! The one place the net core turns a raw error number from C into an [`Errno`].
//!
//! rustix's `Errno::from_raw_os_error` requires a value in `1..=4095` (its `linux_raw` backend
//! asserts it, in release builds too). Values that come from C can be anything: glibc's
//! `errno` read after a call that did not set it (0), `io::Error::raw_os_error()`,
//! getaddrinfo's `EAI_SYSTEM` path, a `SO_ERROR` value, … So every such value goes through
//! [`errno_checked`] or [`errno_from_raw`], and the thread's errno through [`last_errno`];
//! nothing else in the net core calls `Errno::from_raw_os_error`.

use std::io;

use rustix::io::Errno;

/// The range of errno values an [`Errno`] can hold (Linux's `MAX_ERRNO` is 4095).
const ERRNO_RANGE: std::ops::RangeInclusive<i32> = 1..=4095;

/// An [`Errno`] from a raw value when the value is one (`1..=4095`), else `None`. For callers
/// whose answer differs when there is no usable errno (CPython's `set_gaierror` raises a
/// `gaierror` instead of the errno's `OSError`).
pub(crate) fn errno_checked(raw: i32) -> Option<Errno> {
    ERRNO_RANGE
        .contains(&raw)
        .then(|| Errno::from_raw_os_error(raw))
}

/// An [`Errno`] from a raw value, never panicking: a value outside `1..=4095` (0, negative,
/// garbage) becomes `EIO`.
pub(crate) fn errno_from_raw(raw: i32) -> Errno {
    errno_checked(raw).unwrap_or(Errno::IO)
}

/// The calling thread's `errno` (read through `io::Error::last_os_error`), right after a failed
/// libc call; a call that failed without setting it reads as `EIO`.
pub(crate) fn last_errno() -> Errno {
    errno_from_raw(io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_eio_never_a_panic() {
        for raw in [0, -1, -5, 4096, 4097, i32::MIN, i32::MIN + 1, i32::MAX] {
            assert_eq!(errno_from_raw(raw), Errno::IO, "{raw}");
            assert_eq!(errno_checked(raw), None, "{raw}");
        }
    }

    #[test]
    fn errno_values_are_kept() {
        let cases = [
            (libc::EPERM, Errno::PERM),
            (libc::EIO, Errno::IO),
            (libc::ENXIO, Errno::NXIO),
            (libc::EMFILE, Errno::MFILE),
            (libc::ECONNREFUSED, Errno::CONNREFUSED),
            (libc::EHWPOISON, Errno::HWPOISON),
        ];
        for (raw, errno) in cases {
            assert_eq!(errno_from_raw(raw), errno);
            assert_eq!(errno_checked(raw), Some(errno));
            assert_eq!(errno_from_raw(raw).raw_os_error(), raw);
        }
        // The edges of the range are held as they are.
        assert_eq!(errno_from_raw(1).raw_os_error(), 1);
        assert_eq!(errno_from_raw(4095).raw_os_error(), 4095);
    }

    #[test]
    fn last_errno_reads_the_thread_errno() {
        // SAFETY: `__errno_location` returns this thread's errno slot, valid for writes.
        unsafe { *libc::__errno_location() = libc::EMFILE };
        assert_eq!(last_errno(), Errno::MFILE);
        // A failed call that left errno at 0 is EIO, not a panic.
        // SAFETY: as above.
        unsafe { *libc::__errno_location() = 0 };
        assert_eq!(last_errno(), Errno::IO);
    }
}
