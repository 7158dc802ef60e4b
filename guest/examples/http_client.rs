//! An HTTP/1.1 client: `http_client http://HOST:PORT/PATH`.
//!
//! Sends one `GET`, reads the answer with `makefile` and `readline`, and prints the status
//! line, the headers and the body (by `Content-Length`, or to the end of the connection).
//! Needs a `connect` rule for HOST:PORT (and a `resolve` rule when HOST is a name):
//!
//! ```sh
//! host run --allow 'connect tcp://127.0.0.1:8080' http_client.wasm http://127.0.0.1:8080/
//! ```

use std::io::{Read, Write};

fn main() -> Result<(), capsock::Error> {
    let url = std::env::args()
        .nth(1)
        .expect("usage: http_client http://HOST:PORT/PATH");
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().expect("a port")),
        None => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let conn = capsock::create_connection((host, port), Default::default())?;
    conn.settimeout(Some(30.0))?;
    let mut file = conn.makefile("rwb", None)?;
    write!(
        file,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: capsock-http-client\r\nConnection: close\r\n\r\n"
    )?;
    file.flush()?;
    let status = file.readline_text()?;
    print!("{status}");
    let mut length = None;
    loop {
        let header = file.readline_text()?;
        if header.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<u64>().ok();
        }
        print!("{header}");
    }
    let mut body = Vec::new();
    match length {
        Some(n) => (&mut file).take(n).read_to_end(&mut body)?,
        None => file.read_to_end(&mut body)?,
    };
    println!();
    std::io::stdout().write_all(&body)?;
    Ok(())
}
