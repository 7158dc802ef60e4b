//! `socket.makefile()`: a buffered file object over a connected socket, as Python's
//! `SocketIO` wrapped in `io.BufferedReader` / `BufferedWriter` / `BufferedRWPair` and, in text
//! mode, `io.TextIOWrapper` (UTF-8, universal newlines on input).
//!
//! Differences from CPython, on purpose:
//! - `buffering=1` in text mode is *line buffering* (a write that contains `"\n"` or `"\r"`
//!   flushes), as Python's documentation of `makefile` promises ("interpreted the same way as by
//!   the built-in `open()`"). CPython's implementation forgets to pass `line_buffering` to its
//!   `TextIOWrapper`, so there `buffering=1` is merely a one-byte buffer below an 8 KiB text
//!   chunk. In binary mode `buffering=1` is a one-byte buffer, as in CPython.
//! - In text mode the buffer size bounds the encoded text held back, where CPython's
//!   `TextIOWrapper` keeps its own 8 KiB chunk in front of it. Either way the peer is only
//!   guaranteed to see data after `flush()` or `close()`.
//! - Python's `io.UnsupportedOperation` (reading a write-only file, writing a read-only one) is
//!   an `OSError` with `EBADF` and the message `"not readable"` / `"not writable"`; the same
//!   error converted into `std::io::Error` has kind [`io::ErrorKind::Unsupported`].
//! - Python's errno-less `OSError("cannot read from timed out object")` is an `OSError` with
//!   errno 0 (as `create_connection`'s "getaddrinfo returns an empty list").
//! - On a non-blocking socket, where Python's raw `SocketIO` returns `None` for "no data yet",
//!   the `BlockingIOError` (`EAGAIN`) is returned instead.
//! - `UnicodeDecodeError` (invalid UTF-8 in text mode) is a `ValueError`-shaped error, its
//!   Python base class.

use std::io::{self, BufRead, Read, Write};

use crate::errno::EBADF;
use crate::error::{Error, Result};
use crate::socket::Socket;

/// Python's `io.DEFAULT_BUFFER_SIZE`.
pub const DEFAULT_BUFFER_SIZE: usize = 8192;

/// The parsed `mode` and `buffering` of a `makefile` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileMode {
    pub reading: bool,
    pub writing: bool,
    pub binary: bool,
    /// The buffer size; 0 is unbuffered (binary only).
    pub buffer_size: usize,
    /// Text mode with `buffering=1`.
    pub line_buffering: bool,
    /// What [`SocketFile::mode`] reports.
    pub mode: String,
}

/// Python's argument checks of `socket.makefile(mode, buffering)`.
pub(crate) fn parse_mode(mode: &str, buffering: Option<i32>) -> Result<FileMode> {
    if !mode.chars().all(|c| matches!(c, 'r' | 'w' | 'b')) {
        return Err(Error::value(format!(
            "invalid mode {} (only r, w, b allowed)",
            py_repr(mode)
        )));
    }
    let writing = mode.contains('w');
    let reading = mode.contains('r') || !writing;
    let binary = mode.contains('b');
    let buffering = match buffering {
        None => DEFAULT_BUFFER_SIZE,
        Some(b) if b < 0 => DEFAULT_BUFFER_SIZE,
        Some(b) => b as usize,
    };
    if buffering == 0 && !binary {
        return Err(Error::value("unbuffered streams must be binary"));
    }
    let line_buffering = buffering == 1 && !binary;
    let buffer_size = if line_buffering {
        DEFAULT_BUFFER_SIZE
    } else {
        buffering
    };
    // Python: a text file reports the mode it was given; a binary one its raw mode.
    let mode = if binary {
        let mut m = String::new();
        if reading {
            m.push('r');
        }
        if writing {
            m.push('w');
        }
        m.push('b');
        m
    } else {
        mode.to_owned()
    };
    Ok(FileMode {
        reading,
        writing,
        binary,
        buffer_size,
        line_buffering,
        mode,
    })
}

/// Python's `repr()` of a string, enough for error messages.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `UnicodeDecodeError` text for invalid UTF-8 in `bytes`.
fn decode_error(bytes: &[u8], e: std::str::Utf8Error) -> Error {
    let pos = e.valid_up_to();
    let byte = bytes[pos];
    let reason = match e.error_len() {
        None => "unexpected end of data",
        Some(_) if matches!(byte, 0x80..=0xbf | 0xc0 | 0xc1 | 0xf5..=0xff) => "invalid start byte",
        Some(_) => "invalid continuation byte",
    };
    Error::value(format!(
        "'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: {reason}"
    ))
}

fn not_readable() -> Error {
    Error::os(EBADF, "not readable")
}

fn not_writable() -> Error {
    Error::os(EBADF, "not writable")
}

fn closed_file() -> Error {
    Error::value("I/O operation on closed file.")
}

/// A file object over a socket, returned by [`Socket::makefile`]: Python's buffered binary
/// file (`"rb"`, `"wb"`, `"rwb"`), raw `SocketIO` (binary with `buffering=0`), or UTF-8 text
/// file (`"r"`, `"w"`, `"rw"`).
///
/// It borrows the socket: closing the file (or dropping it) leaves the socket open, as in
/// Python, where the socket stays open while the program holds a reference to it.
///
/// Reading: [`read`](SocketFile::read), [`readline`](SocketFile::readline), and in text mode
/// [`read_text`](SocketFile::read_text) and [`readline_text`](SocketFile::readline_text); text
/// mode translates `"\r\n"` and lone `"\r"` into `"\n"` (universal newlines) for every read
/// method, `std::io::Read` and `BufRead` included. Writing:
/// [`write`](SocketFile::write) buffers, [`flush`](SocketFile::flush) sends, and text files
/// opened with `buffering=1` flush after each write containing a newline. Like Python's
/// `SocketIO`, once a read timed out the file refuses further reads.
#[derive(Debug)]
pub struct SocketFile<'a> {
    sock: &'a Socket,
    cfg: FileMode,
    /// Bytes received (translated in text mode) and not yet consumed: `rbuf[rpos..]`.
    rbuf: Vec<u8>,
    rpos: usize,
    /// Text mode: a `"\r"` held back until the next byte shows whether it starts `"\r\n"`.
    pending_cr: bool,
    wbuf: Vec<u8>,
    timed_out: bool,
    closed: bool,
}

impl Socket {
    /// `makefile(mode="r", buffering=None)`: a file object over this socket (see
    /// [`SocketFile`]). `mode` combines `"r"`, `"w"` and `"b"` (only those, else `ValueError`
    /// "invalid mode … (only r, w, b allowed)"); without `"b"` it is a UTF-8 text file.
    /// `buffering`: `None` or negative is `io.DEFAULT_BUFFER_SIZE` (8192), 0 unbuffered
    /// (binary only, else `ValueError` "unbuffered streams must be binary"), 1 line buffering
    /// in text mode, more is the buffer size.
    pub fn makefile(&self, mode: &str, buffering: Option<i32>) -> Result<SocketFile<'_>> {
        let cfg = parse_mode(mode, buffering)?;
        Ok(SocketFile {
            sock: self,
            cfg,
            rbuf: Vec::new(),
            rpos: 0,
            pending_cr: false,
            wbuf: Vec::new(),
            timed_out: false,
            closed: false,
        })
    }
}

impl SocketFile<'_> {
    /// Python's `mode`: the mode given for a text file; `"rb"`, `"wb"` or `"rwb"` for a binary
    /// one.
    pub fn mode(&self) -> &str {
        &self.cfg.mode
    }

    /// Python's `readable()`. `ValueError` once closed.
    pub fn readable(&self) -> Result<bool> {
        self.check_open()?;
        Ok(self.cfg.reading)
    }

    /// Python's `writable()`. `ValueError` once closed.
    pub fn writable(&self) -> Result<bool> {
        self.check_open()?;
        Ok(self.cfg.writing)
    }

    /// Python's `closed`.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// True for a binary file (mode with `"b"`), false for a text file.
    pub fn is_binary(&self) -> bool {
        self.cfg.binary
    }

    /// Python's `fileno()`: the socket's.
    pub fn fileno(&self) -> Result<i32> {
        self.check_open()?;
        Ok(self.sock.fileno())
    }

    fn check_open(&self) -> Result<()> {
        if self.closed {
            Err(closed_file())
        } else {
            Ok(())
        }
    }

    fn check_readable(&self) -> Result<()> {
        self.check_open()?;
        if self.cfg.reading {
            Ok(())
        } else {
            Err(not_readable())
        }
    }

    fn check_writable(&self) -> Result<()> {
        self.check_open()?;
        if self.cfg.writing {
            Ok(())
        } else {
            Err(not_writable())
        }
    }

    fn buffered(&self) -> &[u8] {
        &self.rbuf[self.rpos..]
    }

    fn consume_buf(&mut self, n: usize) {
        self.rpos += n;
        if self.rpos >= self.rbuf.len() {
            self.rbuf.clear();
            self.rpos = 0;
        }
    }

    /// One `recv` of up to `want` bytes (SocketIO.readinto), remembering a timeout.
    fn recv_raw(&mut self, want: usize) -> Result<Vec<u8>> {
        if self.timed_out {
            return Err(Error::os(0, "cannot read from timed out object"));
        }
        match self.sock.recv(want.max(1)) {
            Err(e) if e.is_timeout() => {
                self.timed_out = true;
                Err(e)
            }
            other => other,
        }
    }

    /// Receives once and appends to the buffer (translating newlines in text mode). Returns
    /// false at end of stream. In text mode a chunk that is only a held-back `"\r"` makes it
    /// receive again, so `true` always means the buffer grew.
    fn fill(&mut self, want: usize) -> Result<bool> {
        loop {
            let chunk = self.recv_raw(want)?;
            if chunk.is_empty() {
                if self.pending_cr {
                    self.pending_cr = false;
                    self.rbuf.push(b'\n');
                    return Ok(true);
                }
                return Ok(false);
            }
            if self.cfg.binary {
                self.rbuf.extend_from_slice(&chunk);
                return Ok(true);
            }
            let before = self.rbuf.len();
            let mut bytes = chunk.as_slice();
            if self.pending_cr {
                self.pending_cr = false;
                self.rbuf.push(b'\n');
                if bytes.first() == Some(&b'\n') {
                    bytes = &bytes[1..];
                }
            }
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'\r' if i + 1 == bytes.len() => self.pending_cr = true,
                    b'\r' if bytes[i + 1] == b'\n' => {
                        self.rbuf.push(b'\n');
                        i += 1;
                    }
                    b'\r' => self.rbuf.push(b'\n'),
                    b => self.rbuf.push(b),
                }
                i += 1;
            }
            if self.rbuf.len() > before {
                return Ok(true);
            }
        }
    }

    /// The size of one receive: the buffer size, or one byte when unbuffered (so no byte past
    /// what was asked for is taken off the socket).
    fn chunk(&self) -> usize {
        self.cfg.buffer_size.max(1)
    }

    /// Python's `read(n)` (`None` or Python's -1: to end of stream). A buffered file returns
    /// `n` bytes unless the stream ends first; an unbuffered one (`buffering=0`, Python's raw
    /// `SocketIO`) makes one `recv` and may return fewer. Empty at end of stream. In text mode
    /// the bytes are the UTF-8 text after newline translation (see
    /// [`read_text`](SocketFile::read_text) for characters).
    pub fn read(&mut self, n: Option<usize>) -> Result<Vec<u8>> {
        self.check_readable()?;
        match n {
            None => {
                while self.fill(self.chunk().max(DEFAULT_BUFFER_SIZE))? {}
                let out = self.buffered().to_vec();
                self.consume_buf(out.len());
                Ok(out)
            }
            Some(n) => {
                if self.cfg.buffer_size == 0 && n > 0 {
                    if self.buffered().is_empty() {
                        return self.recv_raw(n);
                    }
                    let take = n.min(self.buffered().len());
                    let out = self.buffered()[..take].to_vec();
                    self.consume_buf(take);
                    return Ok(out);
                }
                while self.buffered().len() < n {
                    let want = (n - self.buffered().len()).max(self.chunk());
                    if !self.fill(want)? {
                        break;
                    }
                }
                let take = n.min(self.buffered().len());
                let out = self.buffered()[..take].to_vec();
                self.consume_buf(take);
                Ok(out)
            }
        }
    }

    /// Python's `readline()` for a binary file: the bytes up to and including the next
    /// `b"\n"`, or what is left at end of stream (empty at end of stream). In text mode, the
    /// translated line as UTF-8 bytes.
    pub fn readline(&mut self) -> Result<Vec<u8>> {
        self.readline_size(usize::MAX)
    }

    /// Python's `readline(size)`: as [`SocketFile::readline`], but at most `size` bytes: a
    /// longer line comes in pieces, so a peer cannot make the reader hold more.
    pub fn readline_size(&mut self, size: usize) -> Result<Vec<u8>> {
        self.check_readable()?;
        let mut scanned = 0;
        loop {
            let line_end = self.buffered()[scanned..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| scanned + i + 1);
            let end = match line_end {
                Some(end) => Some(end.min(size)),
                None if self.buffered().len() >= size => Some(size),
                None => None,
            };
            if let Some(end) = end {
                let out = self.buffered()[..end].to_vec();
                self.consume_buf(end);
                return Ok(out);
            }
            scanned = self.buffered().len();
            if !self.fill(self.chunk())? {
                let out = self.buffered().to_vec();
                self.consume_buf(out.len());
                return Ok(out);
            }
        }
    }

    /// Python's `readline()` for a text file: the next line as text, ending in `"\n"` (a
    /// `"\r\n"` or `"\r"` line end reads as `"\n"`), or what is left at end of stream (empty
    /// at end of stream). Invalid UTF-8 is a `ValueError`-shaped error
    /// (`UnicodeDecodeError`). Works on binary files too, decoding their bytes.
    pub fn readline_text(&mut self) -> Result<String> {
        let line = self.readline()?;
        String::from_utf8(line).map_err(|e| decode_error(e.as_bytes(), e.utf8_error()))
    }

    /// Python's `read(n)` for a text file: `n` characters (`None`: everything up to end of
    /// stream), fewer only at end of stream. Invalid UTF-8 is a `ValueError`-shaped error.
    pub fn read_text(&mut self, n: Option<usize>) -> Result<String> {
        self.check_readable()?;
        let Some(n) = n else {
            let bytes = self.read(None)?;
            return String::from_utf8(bytes)
                .map_err(|e| decode_error(e.as_bytes(), e.utf8_error()));
        };
        loop {
            // Find the byte length of the first `n` complete characters in the buffer.
            let buf = self.buffered();
            let (valid, err) = match std::str::from_utf8(buf) {
                Ok(s) => (s, None),
                Err(e) => (
                    std::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or_default(),
                    Some(e),
                ),
            };
            if let Some((idx, _)) = valid.char_indices().nth(n) {
                let out = valid[..idx].to_owned();
                self.consume_buf(idx);
                return Ok(out);
            }
            if let Some(e) = err
                && e.error_len().is_some()
            {
                return Err(decode_error(buf, e));
            }
            if !self.fill(self.chunk())? {
                let buf = self.buffered();
                let text = std::str::from_utf8(buf)
                    .map_err(|e| decode_error(buf, e))?
                    .to_owned();
                self.consume_buf(text.len());
                return Ok(text);
            }
        }
    }

    /// Python's `write(b)`: buffers the data (a text file takes UTF-8 text, written as is:
    /// `"\n"` stays `"\n"`) and returns its length. When the buffer would overflow, what it
    /// holds is sent first, and data larger than the buffer is sent at once, as
    /// `io.BufferedWriter` does. Unbuffered files make one `send` and return what it took. A
    /// line-buffered text file flushes when the data holds `"\n"` or `"\r"`.
    pub fn write(&mut self, data: &[u8]) -> Result<usize> {
        self.check_writable()?;
        if !self.cfg.binary
            && let Err(e) = std::str::from_utf8(data)
        {
            return Err(Error::value(format!(
                "write() argument must be UTF-8 text: {}",
                decode_error(data, e).strerror()
            )));
        }
        let cap = self.cfg.buffer_size;
        if cap == 0 {
            return self.sock.send(data);
        }
        if self.wbuf.len() + data.len() <= cap {
            self.wbuf.extend_from_slice(data);
        } else {
            self.flush_buffer()?;
            if data.len() <= cap {
                self.wbuf.extend_from_slice(data);
            } else {
                self.sock.sendall(data)?;
            }
        }
        if self.cfg.line_buffering && data.iter().any(|&b| b == b'\n' || b == b'\r') {
            self.flush_buffer()?;
        }
        Ok(data.len())
    }

    /// [`write`](SocketFile::write) for text.
    pub fn write_str(&mut self, text: &str) -> Result<usize> {
        self.write(text.as_bytes())
    }

    /// Sends the write buffer; on error keeps what was not sent, as `io.BufferedWriter`.
    fn flush_buffer(&mut self) -> Result<()> {
        while !self.wbuf.is_empty() {
            let n = self.sock.send(&self.wbuf)?;
            self.wbuf.drain(..n.min(self.wbuf.len()));
        }
        Ok(())
    }

    /// Python's `flush()`: sends whatever the write buffer holds. `ValueError` once closed.
    pub fn flush(&mut self) -> Result<()> {
        self.check_open()?;
        self.flush_buffer()
    }

    /// Python's `close()`: flushes, then closes the file (not the socket, which stays usable).
    /// The file is closed even when the flush fails (its error is returned); closing again
    /// does nothing.
    pub fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let flushed = self.flush_buffer();
        self.closed = true;
        self.wbuf.clear();
        self.rbuf.clear();
        self.rpos = 0;
        flushed
    }
}

impl Drop for SocketFile<'_> {
    /// Flushes what is buffered, ignoring errors (as Python's `IOBase.__del__`).
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// The `io::Error` for a file error: Python's `UnsupportedOperation` becomes
/// [`io::ErrorKind::Unsupported`].
fn io_err(e: Error) -> io::Error {
    if e.errno() == Some(EBADF) && matches!(e.strerror(), "not readable" | "not writable") {
        io::Error::new(io::ErrorKind::Unsupported, e)
    } else {
        e.into()
    }
}

impl Read for SocketFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.cfg.buffer_size == 0 && self.buffered().is_empty() {
            // Unbuffered (Python's raw `SocketIO.readinto`): one `recv` into the caller's buffer.
            self.check_readable().map_err(io_err)?;
            let data = self.recv_raw(buf.len()).map_err(io_err)?;
            buf[..data.len()].copy_from_slice(&data);
            return Ok(data.len());
        }
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for SocketFile<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.check_readable().map_err(io_err)?;
        if self.buffered().is_empty() {
            self.fill(self.chunk()).map_err(io_err)?;
        }
        Ok(self.buffered())
    }

    fn consume(&mut self, amt: usize) {
        self.consume_buf(amt.min(self.buffered().len()));
    }
}

impl Write for SocketFile<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        SocketFile::write(self, buf).map_err(io_err)
    }

    fn flush(&mut self) -> io::Result<()> {
        SocketFile::flush(self).map_err(io_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_python() {
        let m = parse_mode("r", None).unwrap();
        assert!(m.reading && !m.writing && !m.binary);
        assert_eq!((m.buffer_size, m.mode.as_str()), (8192, "r"));
        let m = parse_mode("rwb", Some(-1)).unwrap();
        assert!(m.reading && m.writing && m.binary);
        assert_eq!(m.mode, "rwb");
        assert_eq!(parse_mode("b", None).unwrap().mode, "rb");
        assert_eq!(parse_mode("wb", Some(16)).unwrap().buffer_size, 16);
        assert_eq!(parse_mode("wr", None).unwrap().mode, "wr");
        assert_eq!(parse_mode("bw", None).unwrap().mode, "wb");
        assert_eq!(parse_mode("", None).unwrap().mode, "");
        assert!(parse_mode("", None).unwrap().reading);
        assert_eq!(parse_mode("rb", Some(0)).unwrap().buffer_size, 0);
        let m = parse_mode("w", Some(1)).unwrap();
        assert!(m.line_buffering);
        assert_eq!(m.buffer_size, 8192);
        let m = parse_mode("wb", Some(1)).unwrap();
        assert!(!m.line_buffering);
        assert_eq!(m.buffer_size, 1);
    }

    #[test]
    fn bad_modes_are_value_errors() {
        let e = parse_mode("rt", None).unwrap_err();
        assert!(e.is_value_error());
        assert_eq!(e.strerror(), "invalid mode 'rt' (only r, w, b allowed)");
        let e = parse_mode("r+", None).unwrap_err();
        assert_eq!(e.strerror(), "invalid mode 'r+' (only r, w, b allowed)");
        let e = parse_mode("a'", None).unwrap_err();
        assert_eq!(e.strerror(), "invalid mode \"a'\" (only r, w, b allowed)");
        let e = parse_mode("r", Some(0)).unwrap_err();
        assert!(e.is_value_error());
        assert_eq!(e.strerror(), "unbuffered streams must be binary");
        assert!(parse_mode("w", Some(0)).is_err());
    }

    #[test]
    fn decode_errors_read_like_python() {
        let bad = b"ab\xff";
        let e = std::str::from_utf8(std::hint::black_box(bad)).unwrap_err();
        assert_eq!(
            decode_error(bad, e).strerror(),
            "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte"
        );
        let bad = b"\xc3(";
        let e = std::str::from_utf8(std::hint::black_box(bad)).unwrap_err();
        assert_eq!(
            decode_error(bad, e).strerror(),
            "'utf-8' codec can't decode byte 0xc3 in position 0: invalid continuation byte"
        );
        let bad = b"a\xe2\x82";
        let e = std::str::from_utf8(std::hint::black_box(bad)).unwrap_err();
        assert!(
            decode_error(bad, e)
                .strerror()
                .ends_with("unexpected end of data")
        );
    }
}
