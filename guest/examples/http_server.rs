//! A small HTTP/1.1 server: `http_server HOST:PORT`.
//!
//! Serves one connection at a time, keeping it alive between requests as HTTP/1.1 does, and
//! reads requests with Python's `makefile("rwb")` and `readline`. `GET /` answers 200 with a
//! short body; other paths 404, other methods 405; `Connection: close` (or HTTP/1.0 without
//! keep-alive) ends the connection after the answer. Serves until it is stopped:
//!
//! ```sh
//! host run --allow 'bind tcp://127.0.0.1:8080' --allow 'accept tcp://127.0.0.1:*' \
//!     http_server.wasm 127.0.0.1:8080
//! ```

use std::io::{Read, Write};

use capsock::{Socket, SocketFile};

/// The body `GET /` answers with.
const BODY: &[u8] = b"hello from a capsock guest\n";

/// The most a request line or header line may hold.
const MAX_LINE: usize = 8192;

fn main() -> Result<(), capsock::Error> {
    let arg = std::env::args()
        .nth(1)
        .expect("usage: http_server HOST:PORT");
    let (host, port) = arg.rsplit_once(':').expect("HOST:PORT");
    let port: u16 = port.parse().expect("PORT is a number");
    let server = capsock::create_server((host, port), Default::default())?;
    println!("http server listening on {}", server.getsockname()?);
    loop {
        let (conn, _) = server.accept()?;
        // A client that goes silent is let go after 30 s.
        conn.settimeout(Some(30.0))?;
        // A connection's trouble (a reset, a timeout, a bad request) ends that connection only.
        if let Err(e) = serve(&conn) {
            eprintln!("connection ended: {e}");
        }
    }
}

/// Answers the requests of one connection until it closes or asks to.
fn serve(conn: &Socket) -> Result<(), capsock::Error> {
    let mut file = conn.makefile("rwb", None)?;
    loop {
        let line = file.readline_size(MAX_LINE)?;
        if line.is_empty() {
            return Ok(());
        }
        if !line.ends_with(b"\n") {
            return respond(&mut file, 414, "URI Too Long", false);
        }
        let line = String::from_utf8_lossy(&line);
        let mut parts = line.split_whitespace();
        let (method, path, version) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let mut keep_alive = version == "HTTP/1.1";
        let mut length = 0usize;
        loop {
            let header = file.readline_size(MAX_LINE)?;
            if header.is_empty() {
                return Ok(());
            }
            if !header.ends_with(b"\n") {
                return respond(&mut file, 431, "Request Header Fields Too Large", false);
            }
            let header = String::from_utf8_lossy(&header);
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                return respond(&mut file, 400, "Bad Request", false);
            };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "connection" if value.eq_ignore_ascii_case("close") => keep_alive = false,
                "connection" if value.eq_ignore_ascii_case("keep-alive") => keep_alive = true,
                "content-length" => match value.parse() {
                    Ok(n) => length = n,
                    Err(_) => return respond(&mut file, 400, "Bad Request", false),
                },
                _ => {}
            }
        }
        // A body is read and dropped, so that the next request starts where it should.
        std::io::copy(&mut (&mut file).take(length as u64), &mut std::io::sink())?;
        let (status, reason) = match (method, path) {
            ("GET", "/") => (200, "OK"),
            ("GET", _) => (404, "Not Found"),
            _ => (405, "Method Not Allowed"),
        };
        respond(&mut file, status, reason, keep_alive)?;
        if !keep_alive {
            return Ok(());
        }
    }
}

/// Writes one answer: the body for 200, the reason otherwise.
fn respond(
    file: &mut SocketFile<'_>,
    status: u16,
    reason: &str,
    keep_alive: bool,
) -> Result<(), capsock::Error> {
    let body = match status {
        200 => BODY.to_vec(),
        _ => format!("{reason}\n").into_bytes(),
    };
    let connection = if keep_alive { "keep-alive" } else { "close" };
    write!(
        file,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n",
        body.len()
    )?;
    file.write_all(&body)?;
    file.flush()?;
    Ok(())
}
