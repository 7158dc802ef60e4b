//! The `socket` module functions that need no host call: byte-order swaps, the IPv4/IPv6 text
//! conversions and the control-message size helpers.
//!
//! They reproduce what CPython 3.11 does on Linux with glibc, edge cases included: the same
//! inputs are accepted, the same text is produced and the same exception class is raised. The
//! unit tests pin the results observed from `python3`.
//!
//! Where CPython raises an `OSError` that carries no errno (`OSError("illegal IP address string
//! passed to inet_aton")`, whose `errno` attribute is `None`), [`Error`] has no such shape: these
//! functions return an `OSError` with [`EINVAL`] and Python's message instead. The class
//! ([`Error::python_class`] is `"OSError"`) and [`Error::strerror`] match Python; `errno()` is
//! `Some(EINVAL)` where Python has `None`, and `Display` shows the `[Errno 22] ` prefix.

use crate::consts::{AF_INET, AF_INET6};
use crate::errno::{EAFNOSUPPORT, EINVAL};
use crate::error::{Error, Result};

/// Python's `socket.htons`: host to network (big-endian) byte order, 16 bits.
pub const fn htons(x: u16) -> u16 {
    x.to_be()
}

/// Python's `socket.ntohs`: network (big-endian) to host byte order, 16 bits.
pub const fn ntohs(x: u16) -> u16 {
    u16::from_be(x)
}

/// Python's `socket.htonl`: host to network (big-endian) byte order, 32 bits.
pub const fn htonl(x: u32) -> u32 {
    x.to_be()
}

/// Python's `socket.ntohl`: network (big-endian) to host byte order, 32 bits.
pub const fn ntohl(x: u32) -> u32 {
    u32::from_be(x)
}

const ATON_ERROR: &str = "illegal IP address string passed to inet_aton";
const PTON_ERROR: &str = "illegal IP address string passed to inet_pton";

/// CPython converts `str` arguments with the `s` format, which refuses embedded NULs with
/// `ValueError("embedded null character")` before the C function is called.
fn check_no_nul(s: &str) -> Result<()> {
    if s.as_bytes().contains(&0) {
        Err(Error::value("embedded null character"))
    } else {
        Ok(())
    }
}

/// `isspace` in the C locale: space, `\t`, `\n`, `\v`, `\f`, `\r`. (Rust's
/// `u8::is_ascii_whitespace` leaves out `\v`.)
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `strtoul(s + i, &end, 0)` for a string that starts with a decimal digit at `i`: `0x`/`0X`
/// followed by a hex digit is hexadecimal, another leading `0` octal, anything else decimal.
/// Returns the value (or `None` when it exceeds 32 bits, which `inet_aton` rejects anyway) and
/// the index just past the number.
fn strtoul_u32(b: &[u8], mut i: usize) -> (Option<u32>, usize) {
    let radix = if b[i] == b'0' {
        if matches!(b.get(i + 1), Some(b'x' | b'X'))
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            i += 2;
            16
        } else {
            8
        }
    } else {
        10
    };
    let mut value: Option<u32> = Some(0);
    while let Some(d) = b.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        value = value
            .and_then(|v| v.checked_mul(radix))
            .and_then(|v| v.checked_add(d));
        i += 1;
    }
    (value, i)
}

/// Python's `socket.inet_aton`: the 4 packed bytes of an IPv4 address in any form glibc's
/// `inet_aton(3)` accepts.
///
/// Accepted, as glibc does: `a.b.c.d` with each part a byte; `a.b.c` (the last part 16 bits);
/// `a.b` (the last part 24 bits); `a` (32 bits); each part decimal, hex (`0x7f`) or octal
/// (`0177`); anything after the first ASCII whitespace character is ignored, so
/// `"1.2.3.4 junk"` is `[1, 2, 3, 4]`.
///
/// # Errors
///
/// An `OSError` with Python's message `illegal IP address string passed to inet_aton` for
/// anything else (Python's `errno` is `None` there; see the module docs), and `ValueError`
/// `embedded null character` for a string that contains a NUL.
pub fn inet_aton(ip: &str) -> Result<[u8; 4]> {
    check_no_nul(ip)?;
    let fail = || Error::os(EINVAL, ATON_ERROR);
    const MAX: [u32; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let b = ip.as_bytes();
    let mut parts = [0u8; 4];
    let mut n = 0;
    let mut i = 0;
    let last = loop {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return Err(fail());
        }
        let (value, end) = strtoul_u32(b, i);
        let value = value.ok_or_else(fail)?;
        i = end;
        if b.get(i) == Some(&b'.') {
            if n > 2 || value > 0xff {
                return Err(fail());
            }
            parts[n] = value as u8;
            n += 1;
            i += 1;
        } else {
            break value;
        }
    };
    if let Some(&c) = b.get(i)
        && !is_c_space(c)
    {
        return Err(fail());
    }
    if last > MAX[n] {
        return Err(fail());
    }
    let word = u32::from_be_bytes(parts) | last;
    Ok(word.to_be_bytes())
}

/// Python's `socket.inet_ntoa` for exactly 4 bytes: dotted-quad text, `"127.0.0.1"`.
///
/// Written out digit by digit rather than with `format!`: a UDP socket turns every sender's
/// address into this text (Python's `(host, port)` tuple), once per datagram received.
pub fn inet_ntoa(packed: [u8; 4]) -> String {
    let mut text = String::with_capacity(15);
    for (i, octet) in packed.into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

/// Python's `socket.inet_ntoa` for a byte string of any length.
///
/// # Errors
///
/// An `OSError` with Python's message `packed IP wrong length for inet_ntoa` unless `packed`
/// is 4 bytes long (Python's `errno` is `None` there; see the module docs).
pub fn inet_ntoa_bytes(packed: &[u8]) -> Result<String> {
    let packed: [u8; 4] = packed
        .try_into()
        .map_err(|_| Error::os(EINVAL, "packed IP wrong length for inet_ntoa"))?;
    Ok(inet_ntoa(packed))
}

/// glibc's `inet_pton4`: exactly four decimal parts of at most 255, no leading zeros, nothing
/// else.
fn pton4(b: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut saw_digit = false;
    let mut cur: u32 = 0;
    for &c in b {
        if c.is_ascii_digit() {
            if saw_digit && cur == 0 {
                return None; // a leading zero
            }
            cur = cur * 10 + u32::from(c - b'0');
            if cur > 255 {
                return None;
            }
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
            out[octets - 1] = cur as u8;
        } else if c == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            cur = 0;
            saw_digit = false;
        } else {
            return None;
        }
    }
    (octets == 4).then_some(out)
}

/// glibc's `inet_pton6`: RFC 4291 text, at most one `::`, an optional trailing dotted quad.
fn pton6(b: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut tp = 0; // bytes written
    let mut colonp: Option<usize> = None;
    let mut i = 0;
    if b.is_empty() {
        return None;
    }
    if b[0] == b':' {
        // A leading ':' must be the start of "::".
        if b.get(1) != Some(&b':') {
            return None;
        }
        i = 1;
    }
    let mut curtok = i;
    let mut xdigits = 0;
    let mut val: u32 = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if let Some(d) = char::from(c).to_digit(16) {
            if xdigits == 4 {
                return None;
            }
            val = (val << 4) | d;
            xdigits += 1;
            continue;
        }
        if c == b':' {
            curtok = i;
            if xdigits == 0 {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if i == b.len() {
                return None; // a trailing single ':'
            }
            if tp + 2 > 16 {
                return None;
            }
            out[tp..tp + 2].copy_from_slice(&(val as u16).to_be_bytes());
            tp += 2;
            xdigits = 0;
            val = 0;
            continue;
        }
        if c == b'.'
            && tp + 4 <= 16
            && let Some(v4) = pton4(&b[curtok..])
        {
            out[tp..tp + 4].copy_from_slice(&v4);
            tp += 4;
            xdigits = 0;
            break;
        }
        return None;
    }
    if xdigits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        out[tp..tp + 2].copy_from_slice(&(val as u16).to_be_bytes());
        tp += 2;
    }
    if let Some(cp) = colonp {
        if tp == 16 {
            return None; // "::" would stand for no group at all
        }
        let n = tp - cp;
        out.copy_within(cp..tp, 16 - n);
        out[cp..16 - n].fill(0);
        tp = 16;
    }
    (tp == 16).then_some(out)
}

/// Python's `socket.inet_pton`: the packed bytes (4 for [`AF_INET`], 16 for [`AF_INET6`]) of
/// an address in its standard text form.
///
/// [`AF_INET`] takes exactly four decimal parts without leading zeros (`"01.2.3.4"` and
/// `"127.1"` are refused, unlike [`inet_aton`]). [`AF_INET6`] takes the RFC 4291 forms,
/// including `::` and a trailing dotted quad (`"::ffff:1.2.3.4"`), but no zone (`%eth0`), no
/// brackets and no surrounding whitespace.
///
/// # Errors
///
/// An `OSError` with Python's message `illegal IP address string passed to inet_pton` for text
/// that is not an address of the family (Python's `errno` is `None` there; see the module
/// docs); `OSError` [`EAFNOSUPPORT`] (`[Errno 97] Address family not supported by protocol`)
/// for another family; `ValueError` `embedded null character` for a string with a NUL.
pub fn inet_pton(family: i32, ip: &str) -> Result<Vec<u8>> {
    check_no_nul(ip)?;
    let packed = match family {
        AF_INET => pton4(ip.as_bytes()).map(|a| a.to_vec()),
        AF_INET6 => pton6(ip.as_bytes()).map(|a| a.to_vec()),
        _ => return Err(Error::from_errno(EAFNOSUPPORT)),
    };
    packed.ok_or_else(|| Error::os(EINVAL, PTON_ERROR))
}

/// glibc's `inet_ntop6`: lowercase hex groups without leading zeros; the longest run of two or
/// more zero groups (the first one on a tie) becomes `::`; `::a.b.c.d` and `::ffff:a.b.c.d` for
/// IPv4-compatible and IPv4-mapped addresses.
fn ntop6(b: &[u8; 16]) -> String {
    use std::fmt::Write;
    let words: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([b[2 * i], b[2 * i + 1]]));
    // The longest run of zero words: (start, len).
    let mut best: Option<(usize, usize)> = None;
    let mut cur: Option<(usize, usize)> = None;
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            cur = Some(match cur {
                Some((start, len)) => (start, len + 1),
                None => (i, 1),
            });
        } else if let Some(run) = cur.take()
            && best.is_none_or(|(_, len)| run.1 > len)
        {
            best = Some(run);
        }
    }
    if let Some(run) = cur
        && best.is_none_or(|(_, len)| run.1 > len)
    {
        best = Some(run);
    }
    let best = best.filter(|&(_, len)| len >= 2);
    let mut out = String::with_capacity(46);
    for (i, &w) in words.iter().enumerate() {
        if let Some((start, len)) = best
            && (start..start + len).contains(&i)
        {
            if i == start {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6
            && let Some((0, len)) = best
            && (len == 6 || (len == 5 && words[5] == 0xffff))
        {
            out.push_str(&inet_ntoa([b[12], b[13], b[14], b[15]]));
            return out;
        }
        let _ = write!(out, "{w:x}");
    }
    if best.is_some_and(|(start, len)| start + len == 8) {
        out.push(':');
    }
    out
}

/// Python's `socket.inet_ntop`: the standard text form of a packed address, as glibc writes it
/// (`"127.0.0.1"`, `"::1"`, `"fe80::1234:abcd:0:1"`, `"::ffff:1.2.3.4"`).
///
/// # Errors
///
/// `ValueError` `invalid length of packed IP address string` when `packed` is not 4 bytes for
/// [`AF_INET`] or 16 for [`AF_INET6`]; `ValueError` `unknown address family N` for any other
/// family (CPython checks the family itself and raises `ValueError`, not `EAFNOSUPPORT`).
pub fn inet_ntop(family: i32, packed: &[u8]) -> Result<String> {
    let bad_len = || Error::value("invalid length of packed IP address string");
    match family {
        AF_INET => Ok(inet_ntoa(packed.try_into().map_err(|_| bad_len())?)),
        AF_INET6 => Ok(ntop6(packed.try_into().map_err(|_| bad_len())?)),
        _ => Err(Error::value(format!("unknown address family {family}"))),
    }
}

/// The largest control-message length CPython allows (`SOCKLEN_T_LIMIT`, C `INT_MAX`).
const SOCKLEN_T_LIMIT: usize = i32::MAX as usize;
/// `CMSG_ALIGN(sizeof(struct cmsghdr))` on the 64-bit Linux host.
const CMSG_HDR: usize = 16;

/// `CMSG_ALIGN`: round up to the host's `size_t` alignment (8 on 64-bit Linux).
const fn cmsg_align(len: usize) -> usize {
    (len + 7) & !7
}

/// Python's `socket.CMSG_LEN`: the `cmsg_len` of a control message carrying `length` bytes of
/// data, with the 64-bit Linux host's layout (16-byte header): `CMSG_LEN(n) == 16 + n`.
///
/// # Errors
///
/// `OverflowError` `CMSG_LEN() argument out of range` (a [`Error::is_value_error`] error) when
/// the result would exceed `INT_MAX`, i.e. for `length > 2147483631`.
#[allow(non_snake_case)]
pub fn CMSG_LEN(length: usize) -> Result<usize> {
    if length > SOCKLEN_T_LIMIT - CMSG_HDR {
        return Err(Error::value("CMSG_LEN() argument out of range"));
    }
    Ok(CMSG_HDR + length)
}

/// Python's `socket.CMSG_SPACE`: the buffer space a control message carrying `length` bytes of
/// data takes, padding included, with the 64-bit Linux host's layout:
/// `CMSG_SPACE(n) == 16 + align8(n)`.
///
/// # Errors
///
/// `OverflowError` `CMSG_SPACE() argument out of range` (a [`Error::is_value_error`] error)
/// when `length > INT_MAX - CMSG_SPACE(1)`, i.e. for `length > 2147483623`, as CPython checks.
#[allow(non_snake_case)]
pub fn CMSG_SPACE(length: usize) -> Result<usize> {
    if length > SOCKLEN_T_LIMIT - (CMSG_HDR + cmsg_align(1)) {
        return Err(Error::value("CMSG_SPACE() argument out of range"));
    }
    Ok(CMSG_HDR + cmsg_align(length))
}

#[cfg(test)]
mod tests {
    //! Expected values are what CPython 3.11 (glibc 2.36, x86_64) returned or raised for the
    //! same input.

    use super::*;
    use crate::consts::AF_UNIX;

    fn aton_err(ip: &str) {
        let e = inet_aton(ip).expect_err(ip);
        assert_eq!(e.python_class(), "OSError", "{ip:?}");
        assert_eq!(
            e.strerror(),
            "illegal IP address string passed to inet_aton"
        );
    }

    fn pton_err(family: i32, ip: &str) {
        let e = inet_pton(family, ip).expect_err(ip);
        assert_eq!(e.python_class(), "OSError", "{ip:?}");
        assert_eq!(
            e.strerror(),
            "illegal IP address string passed to inet_pton"
        );
    }

    fn value_err<T: std::fmt::Debug>(r: Result<T>, message: &str) {
        let e = r.expect_err(message);
        assert!(e.is_value_error(), "{e:?}");
        assert_eq!(e.errno(), None);
        assert_eq!(e.to_string(), message);
    }

    #[test]
    fn byte_order() {
        // On a little-endian machine (x86_64, wasm32) Python gives these numbers.
        assert_eq!(htons(1), 256);
        assert_eq!(htons(0x1234), 0x3412);
        assert_eq!(ntohs(0x3412), 0x1234);
        assert_eq!(htonl(1), 16777216);
        assert_eq!(htonl(0x7f00_0001), 0x0100_007f);
        assert_eq!(ntohl(0x0100_007f), 0x7f00_0001);
        const PORT: u16 = htons(8080);
        assert_eq!(ntohs(PORT), 8080);
        assert_eq!(htonl(u32::MAX), u32::MAX);
    }

    #[test]
    fn inet_aton_matches_python() {
        assert_eq!(inet_aton("1.2.3.4").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("127.1").unwrap(), [127, 0, 0, 1]);
        assert_eq!(inet_aton("1.2.3").unwrap(), [1, 2, 0, 3]);
        assert_eq!(inet_aton("2130706433").unwrap(), [127, 0, 0, 1]);
        assert_eq!(inet_aton("0x7f.1").unwrap(), [127, 0, 0, 1]);
        assert_eq!(inet_aton("0177.0.0.1").unwrap(), [127, 0, 0, 1]);
        assert_eq!(inet_aton("1.2.3.4 junk").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("1.2.3.4\tx").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("1.2.3.4\n").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("1.2.3.4 ").unwrap(), [1, 2, 3, 4]);
        aton_err(" 1.2.3.4");
        aton_err("");
        aton_err("1.2.3.4.5");
        aton_err("256.0.0.1");
        aton_err("1.256.0.1");
        aton_err("1.2.256.1");
        aton_err("1.2.3.256");
        assert_eq!(inet_aton("1.16777215").unwrap(), [1, 255, 255, 255]);
        aton_err("1.16777216");
        assert_eq!(inet_aton("1.2.65535").unwrap(), [1, 2, 255, 255]);
        aton_err("1.2.65536");
        assert_eq!(inet_aton("4294967295").unwrap(), [255, 255, 255, 255]);
        aton_err("4294967296");
        aton_err("0x");
        aton_err("0x.1");
        assert_eq!(inet_aton("0").unwrap(), [0, 0, 0, 0]);
        assert_eq!(inet_aton("00").unwrap(), [0, 0, 0, 0]);
        aton_err("09");
        aton_err("08");
        assert_eq!(
            inet_aton("0xFF.0xff.0XfF.0xFf").unwrap(),
            [255, 255, 255, 255]
        );
        aton_err("0x100.0.0.1");
        aton_err("1..2");
        aton_err("1.2.3.");
        aton_err("1.2.3.4.");
        aton_err(".1.2.3");
        aton_err("a");
        aton_err("1.2.3.a");
        aton_err("1.2.3.4a");
        aton_err("0x1g");
        assert_eq!(inet_aton("01.02.03.04").unwrap(), [1, 2, 3, 4]);
        assert_eq!(
            inet_aton("0377.0377.0377.0377").unwrap(),
            [255, 255, 255, 255]
        );
        aton_err("0400.0.0.1");
        assert_eq!(inet_aton("255.255.255.255").unwrap(), [255, 255, 255, 255]);
        aton_err("1.2.3.-4");
        aton_err("+1.2.3.4");
        aton_err("1.2.3.+4");
        assert_eq!(inet_aton("0xffffffff").unwrap(), [255, 255, 255, 255]);
        aton_err("0x100000000");
        assert_eq!(inet_aton("037777777777").unwrap(), [255, 255, 255, 255]);
        aton_err("040000000000");
        assert_eq!(inet_aton("1 2").unwrap(), [0, 0, 0, 1]);
        assert_eq!(inet_aton("1.2.3.4\u{b}").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("1.2.3.4\u{c}").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("1.2.3.4\r").unwrap(), [1, 2, 3, 4]);
        aton_err("1.2. 3.4");
        aton_err("1.2.3.4\u{a0}");
        aton_err("99999999999999999999");
        assert_eq!(inet_aton("0x0000000000000001").unwrap(), [0, 0, 0, 1]);
        aton_err("1.2.3.0x");
        aton_err("0x.0x.0x.0x");
        assert_eq!(inet_aton("1.2.3.4 5").unwrap(), [1, 2, 3, 4]);
        aton_err("1.2.3.4junk");
        aton_err("localhost");
        aton_err("\u{661}.2.3.4");
        assert_eq!(inet_aton("0.0.0.0").unwrap(), [0, 0, 0, 0]);
        assert_eq!(inet_aton("10.0x10.010.1").unwrap(), [10, 16, 8, 1]);
        assert_eq!(inet_aton("192.168.1").unwrap(), [192, 168, 0, 1]);
        assert_eq!(inet_aton("0xc0a80101").unwrap(), [192, 168, 1, 1]);
        assert_eq!(inet_aton("3232235777").unwrap(), [192, 168, 1, 1]);
        assert_eq!(inet_aton("0xC0.0xA8.0x1.0x1").unwrap(), [192, 168, 1, 1]);
        aton_err("1.0x");
        assert_eq!(inet_aton("1.2.3.4\t").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("0X7F000001").unwrap(), [127, 0, 0, 1]);
        aton_err("1.2.3.4.\n");
    }

    #[test]
    fn inet_pton_matches_python() {
        assert_eq!(inet_pton(AF_INET, "1.2.3.4").unwrap(), &[1, 2, 3, 4]);
        pton_err(AF_INET, "01.2.3.4");
        assert_eq!(inet_pton(AF_INET, "0.0.0.0").unwrap(), &[0, 0, 0, 0]);
        assert_eq!(
            inet_pton(AF_INET, "255.255.255.255").unwrap(),
            &[255, 255, 255, 255]
        );
        pton_err(AF_INET, "256.1.1.1");
        pton_err(AF_INET, "1.2.3");
        pton_err(AF_INET, "1.2.3.4.");
        pton_err(AF_INET, "1.2.3.4 ");
        pton_err(AF_INET, "127.1");
        pton_err(AF_INET, "");
        pton_err(AF_INET, "1..2.3");
        pton_err(AF_INET, "00.1.2.3");
        pton_err(AF_INET, "1.2.3.04");
        pton_err(AF_INET, "0x1.2.3.4");
        pton_err(AF_INET, "1.2.3.4\n");
        pton_err(AF_INET, " 1.2.3.4");
        pton_err(AF_INET, "1.2.3.4.5");
        assert_eq!(
            inet_pton(AF_INET, "10.20.30.40").unwrap(),
            &[10, 20, 30, 40]
        );
        pton_err(AF_INET, "1.2.3.-4");
        pton_err(AF_INET, "1.2.3.1000");
        pton_err(AF_INET, ".1.2.3");
        pton_err(AF_INET, "1.2.3.a");
        assert_eq!(
            inet_pton(AF_INET6, "::").unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            inet_pton(AF_INET6, "::1").unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        );
        assert_eq!(
            inet_pton(AF_INET6, "1::").unwrap(),
            &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            inet_pton(AF_INET6, "1:2:3:4:5:6:7:8").unwrap(),
            &[0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]
        );
        pton_err(AF_INET6, "1:2:3:4:5:6:7:8:9");
        pton_err(AF_INET6, "1::2:3:4:5:6:7:8");
        assert_eq!(
            inet_pton(AF_INET6, "::ffff:1.2.3.4").unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]
        );
        assert_eq!(
            inet_pton(AF_INET6, "::1.2.3.4").unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        );
        assert_eq!(
            inet_pton(AF_INET6, "1:2:3:4:5:6:1.2.3.4").unwrap(),
            &[0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]
        );
        pton_err(AF_INET6, "1:2:3:4:5:6:7:1.2.3.4");
        pton_err(AF_INET6, ":1");
        pton_err(AF_INET6, "1:");
        pton_err(AF_INET6, ":::");
        pton_err(AF_INET6, "1:::2");
        pton_err(AF_INET6, "::1::");
        pton_err(AF_INET6, "12345::");
        pton_err(AF_INET6, "00000::1");
        assert_eq!(
            inet_pton(AF_INET6, "0000::1").unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        );
        assert_eq!(
            inet_pton(AF_INET6, "ABCD::ef01").unwrap(),
            &[171, 205, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 239, 1]
        );
        pton_err(AF_INET6, "fe80::1%eth0");
        pton_err(AF_INET6, "::ffff:01.2.3.4");
        pton_err(AF_INET6, "::ffff:1.2.3");
        pton_err(AF_INET6, "1.2.3.4");
        pton_err(AF_INET6, "::1.2.3.4:1");
        assert_eq!(
            inet_pton(AF_INET6, "1:2:3:4:5:6:7::").unwrap(),
            &[0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0]
        );
        assert_eq!(
            inet_pton(AF_INET6, "::2:3:4:5:6:7:8").unwrap(),
            &[0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]
        );
        pton_err(AF_INET6, "::ffff:1a.2.3.4");
        pton_err(AF_INET6, "g::");
        pton_err(AF_INET6, "1:2:3:4:5:6:7:8:");
        pton_err(AF_INET6, "[::1]");
        pton_err(AF_INET6, "::1 ");
        pton_err(AF_INET6, " ::1");
        pton_err(AF_INET6, "1:2::3::4");
        pton_err(AF_INET6, "::ffff:1.2.3.4.5");
        assert_eq!(
            inet_pton(AF_INET6, "1::1.2.3.4").unwrap(),
            &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        );
        pton_err(AF_INET6, "");
        pton_err(AF_INET6, ":");
        assert_eq!(
            inet_pton(AF_INET6, "2001:db8::8a2e:370:7334").unwrap(),
            &[32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 138, 46, 3, 112, 115, 52]
        );
        assert_eq!(
            inet_pton(AF_INET6, "FE80:0000:0000:0000:0202:B3FF:FE1E:8329").unwrap(),
            &[254, 128, 0, 0, 0, 0, 0, 0, 2, 2, 179, 255, 254, 30, 131, 41]
        );
        assert_eq!(
            inet_pton(AF_INET6, "::ffff:255.255.255.255").unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]
        );
        pton_err(AF_INET6, "::ffff:256.1.1.1");
        pton_err(AF_INET6, "1:2:3:4:5:6:7:8::");
        assert_eq!(
            inet_pton(AF_INET6, "::1:2:3:4:5:6:7").unwrap(),
            &[0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7]
        );
        assert_eq!(
            inet_pton(AF_INET6, "1:2:3:4:5::1.2.3.4").unwrap(),
            &[0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0, 1, 2, 3, 4]
        );
        assert_eq!(
            inet_pton(AF_INET6, "::0:0:0:0:0:0:0").unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn inet_ntop_matches_python() {
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            "::"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap(),
            "::1"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            "1::"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap(),
            "1::1"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]).unwrap(),
            "1:2:3:4:5:6:7:8"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]
            )
            .unwrap(),
            "::ffff:1.2.3.4"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]).unwrap(),
            "::1.2.3.4"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4]).unwrap(),
            "::304"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3]).unwrap(),
            "::0.2.0.3"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7]).unwrap(),
            "1:0:2:3:4:5:6:7"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4]).unwrap(),
            "1::2:0:0:3:4"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4]).unwrap(),
            "1:0:0:2::4"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            "0:0:1::"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0]
            )
            .unwrap(),
            "::ffff:0.0.0.0"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 254, 0, 1, 0, 2]
            )
            .unwrap(),
            "::fffe:1:2"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255, 255, 0, 1, 0, 2]
            )
            .unwrap(),
            "::1:ffff:1:2"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[254, 128, 0, 0, 0, 0, 0, 0, 18, 52, 171, 205, 0, 0, 0, 1]
            )
            .unwrap(),
            "fe80::1234:abcd:0:1"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap(),
            "::0.1.0.0"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 1]
            )
            .unwrap(),
            "::ffff:0.0.0.1"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[32, 1, 13, 184, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
            )
            .unwrap(),
            "2001:db8::1:0:0:1"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
            "0:1::"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[0, 100, 255, 155, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
            )
            .unwrap(),
            "64:ff9b::102:304"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 1, 2, 3, 4]
            )
            .unwrap(),
            "::ffff:0:102:304"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[
                    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255
                ]
            )
            .unwrap(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10]
            )
            .unwrap(),
            "2001:db8::a"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap(),
            "1::1:0:0:1:0"
        );
        assert_eq!(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]).unwrap(),
            "::1:0:0:1:0:0"
        );
        assert_eq!(
            inet_ntop(
                AF_INET6,
                &[10, 188, 0, 222, 0, 15, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            )
            .unwrap(),
            "abc:de:f:1000::"
        );
        assert_eq!(inet_ntop(AF_INET, &[1, 2, 3, 4]).unwrap(), "1.2.3.4");
        assert_eq!(inet_ntop(AF_INET, &[0, 0, 0, 0]).unwrap(), "0.0.0.0");
        assert_eq!(
            inet_ntop(AF_INET, &[255, 255, 255, 255]).unwrap(),
            "255.255.255.255"
        );
        assert_eq!(inet_ntop(AF_INET, &[127, 0, 0, 1]).unwrap(), "127.0.0.1");
        value_err(
            inet_ntop(AF_INET, &[0, 0, 0]),
            "invalid length of packed IP address string",
        );
        value_err(
            inet_ntop(AF_INET, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            "invalid length of packed IP address string",
        );
        value_err(
            inet_ntop(AF_INET6, &[0, 0, 0, 0]),
            "invalid length of packed IP address string",
        );
        value_err(
            inet_ntop(AF_INET6, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            "invalid length of packed IP address string",
        );
        value_err(
            inet_ntop(
                AF_INET6,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ),
            "invalid length of packed IP address string",
        );
        value_err(
            inet_ntop(AF_INET, &[]),
            "invalid length of packed IP address string",
        );
        value_err(inet_ntop(99, &[0, 0, 0, 0]), "unknown address family 99");
        value_err(
            inet_ntop(AF_UNIX, &[0, 0, 0, 0]),
            "unknown address family 1",
        );
    }

    #[test]
    fn cmsg_sizes_match_python() {
        assert_eq!(CMSG_LEN(0).unwrap(), 16);
        assert_eq!(CMSG_LEN(1).unwrap(), 17);
        assert_eq!(CMSG_LEN(7).unwrap(), 23);
        assert_eq!(CMSG_LEN(8).unwrap(), 24);
        assert_eq!(CMSG_LEN(9).unwrap(), 25);
        assert_eq!(CMSG_LEN(15).unwrap(), 31);
        assert_eq!(CMSG_LEN(16).unwrap(), 32);
        assert_eq!(CMSG_LEN(17).unwrap(), 33);
        assert_eq!(CMSG_LEN(24).unwrap(), 40);
        assert_eq!(CMSG_LEN(100).unwrap(), 116);
        assert_eq!(CMSG_LEN(2147483623).unwrap(), 2147483639);
        assert_eq!(CMSG_LEN(2147483624).unwrap(), 2147483640);
        assert_eq!(CMSG_LEN(2147483630).unwrap(), 2147483646);
        assert_eq!(CMSG_LEN(2147483631).unwrap(), 2147483647);
        value_err(CMSG_LEN(2147483632), "CMSG_LEN() argument out of range");
        value_err(CMSG_LEN(2147483647), "CMSG_LEN() argument out of range");
        value_err(CMSG_LEN(2147483648), "CMSG_LEN() argument out of range");
        value_err(CMSG_LEN(4294967296), "CMSG_LEN() argument out of range");
        value_err(
            CMSG_LEN(9223372036854775807),
            "CMSG_LEN() argument out of range",
        );
        assert_eq!(CMSG_SPACE(0).unwrap(), 16);
        assert_eq!(CMSG_SPACE(1).unwrap(), 24);
        assert_eq!(CMSG_SPACE(7).unwrap(), 24);
        assert_eq!(CMSG_SPACE(8).unwrap(), 24);
        assert_eq!(CMSG_SPACE(9).unwrap(), 32);
        assert_eq!(CMSG_SPACE(15).unwrap(), 32);
        assert_eq!(CMSG_SPACE(16).unwrap(), 32);
        assert_eq!(CMSG_SPACE(17).unwrap(), 40);
        assert_eq!(CMSG_SPACE(24).unwrap(), 40);
        assert_eq!(CMSG_SPACE(100).unwrap(), 120);
        assert_eq!(CMSG_SPACE(2147483623).unwrap(), 2147483640);
        value_err(CMSG_SPACE(2147483624), "CMSG_SPACE() argument out of range");
        value_err(CMSG_SPACE(2147483630), "CMSG_SPACE() argument out of range");
        value_err(CMSG_SPACE(2147483631), "CMSG_SPACE() argument out of range");
        value_err(CMSG_SPACE(2147483632), "CMSG_SPACE() argument out of range");
        value_err(CMSG_SPACE(2147483647), "CMSG_SPACE() argument out of range");
        value_err(CMSG_SPACE(2147483648), "CMSG_SPACE() argument out of range");
        value_err(CMSG_SPACE(4294967296), "CMSG_SPACE() argument out of range");
        value_err(
            CMSG_SPACE(9223372036854775807),
            "CMSG_SPACE() argument out of range",
        );
    }
    #[test]
    fn error_shapes() {
        // OSError('illegal IP address string passed to inet_aton'): errno None in Python.
        let e = inet_aton("x").unwrap_err();
        assert_eq!(e.errno(), Some(EINVAL));
        assert!(!e.is_value_error());
        // socket.inet_pton(99, '1.2.3.4') -> OSError(97, 'Address family not supported by protocol')
        for family in [99, AF_UNIX, 0, -1] {
            let e = inet_pton(family, "1.2.3.4").unwrap_err();
            assert_eq!(e.errno(), Some(EAFNOSUPPORT));
            assert_eq!(
                e.to_string(),
                "[Errno 97] Address family not supported by protocol"
            );
        }
        // The `s` argument format refuses NULs before the C call: ValueError.
        value_err(inet_aton("1.2.3.4\0"), "embedded null character");
        value_err(inet_pton(AF_INET, "1.2.3.4\0"), "embedded null character");
        value_err(inet_pton(AF_INET6, "::1\0"), "embedded null character");
    }

    #[test]
    fn inet_ntoa_matches_python() {
        assert_eq!(inet_ntoa([127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(inet_ntoa([255, 255, 255, 255]), "255.255.255.255");
        assert_eq!(inet_ntoa([0, 0, 0, 0]), "0.0.0.0");
        for octet in 0..=255u8 {
            for packed in [
                [octet, 0, 9, 10],
                [1, octet, 99, 100],
                [199, 200, octet, 255],
            ] {
                let [a, b, c, d] = packed;
                assert_eq!(inet_ntoa(packed), format!("{a}.{b}.{c}.{d}"));
            }
        }
        assert_eq!(inet_ntoa_bytes(&[10, 0, 0, 1]).unwrap(), "10.0.0.1");
        for bad in [&[1u8, 2, 3][..], &[0; 5], &[]] {
            let e = inet_ntoa_bytes(bad).unwrap_err();
            assert_eq!(e.python_class(), "OSError");
            assert_eq!(e.strerror(), "packed IP wrong length for inet_ntoa");
        }
    }

    #[test]
    fn text_round_trips() {
        for text in [
            "::",
            "::1",
            "fe80::1234:abcd:0:1",
            "::ffff:1.2.3.4",
            "2001:db8::1:0:0:1",
            "1:0:2:3:4:5:6:7",
        ] {
            let packed = inet_pton(AF_INET6, text).unwrap();
            assert_eq!(inet_ntop(AF_INET6, &packed).unwrap(), text);
        }
        for text in ["0.0.0.0", "127.0.0.1", "255.255.255.255"] {
            let packed = inet_pton(AF_INET, text).unwrap();
            assert_eq!(inet_ntop(AF_INET, &packed).unwrap(), text);
            assert_eq!(inet_aton(text).unwrap().to_vec(), packed);
        }
        // Exhaustive over every zero/non-zero pattern of the 8 groups: parse(print(x)) == x.
        for mask in 0u32..256 {
            let words: Vec<u16> = (0..8)
                .map(|i| if mask & (1 << i) != 0 { 0x100 + i } else { 0 })
                .collect();
            let packed: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
            let text = inet_ntop(AF_INET6, &packed).unwrap();
            assert_eq!(inet_pton(AF_INET6, &text).unwrap(), packed, "{text}");
        }
    }
}
