//! A Redis client: `resp_client HOST:PORT`.
//!
//! Speaks RESP, Redis's protocol, reading answers with `makefile` and `readline`: `SET`,
//! `GET`, `INCR` three times, then a pipeline of 100 `INCR`s sent at once and their 100
//! answers read after, printing what Redis said. Needs a `connect` rule:
//!
//! ```sh
//! host run --allow 'connect tcp://127.0.0.1:6379' resp_client.wasm 127.0.0.1:6379
//! ```

use std::io::{Read, Write};

use capsock::SocketFile;

/// One command as RESP writes it: an array of bulk strings.
fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

/// One answer: a simple string, an error, an integer or a bulk string, as text.
fn answer(file: &mut SocketFile<'_>) -> Result<String, capsock::Error> {
    let line = file.readline_text()?;
    let line = line.trim_end();
    let (kind, rest) = line.split_at(line.len().min(1));
    Ok(match kind {
        "+" | ":" => rest.to_owned(),
        "-" => format!("error: {rest}"),
        "$" if rest == "-1" => "(nil)".to_owned(),
        "$" => {
            let n: usize = rest
                .parse()
                .map_err(|_| capsock::Error::value("bad length"))?;
            let mut body = vec![0u8; n + 2];
            file.read_exact(&mut body)?;
            String::from_utf8_lossy(&body[..n]).into_owned()
        }
        _ => return Err(capsock::Error::value(format!("unexpected answer {line:?}"))),
    })
}

fn main() -> Result<(), capsock::Error> {
    let arg = std::env::args()
        .nth(1)
        .expect("usage: resp_client HOST:PORT");
    let (host, port) = arg.rsplit_once(':').expect("HOST:PORT");
    let port: u16 = port.parse().expect("PORT is a number");
    let conn = capsock::create_connection((host, port), Default::default())?;
    conn.settimeout(Some(30.0))?;
    let mut file = conn.makefile("rwb", None)?;
    for args in [
        &["SET", "capsock:greeting", "hello from a wasm guest"][..],
        &["GET", "capsock:greeting"],
        &["DEL", "capsock:counter"],
        &["INCR", "capsock:counter"],
        &["INCR", "capsock:counter"],
        &["INCR", "capsock:counter"],
    ] {
        file.write_all(&command(args))?;
        file.flush()?;
        println!("{} -> {}", args.join(" "), answer(&mut file)?);
    }
    // Pipelining: every command goes out before the first answer is read.
    let batch: Vec<u8> = (0..100)
        .flat_map(|_| command(&["INCR", "capsock:counter"]))
        .collect();
    file.write_all(&batch)?;
    file.flush()?;
    let answers: Vec<String> = (0..100)
        .map(|_| answer(&mut file))
        .collect::<Result<_, _>>()?;
    println!(
        "pipelined 100 INCR -> {} .. {}",
        answers[0],
        answers[answers.len() - 1]
    );
    Ok(())
}
