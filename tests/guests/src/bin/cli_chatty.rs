//! For `host run` with a closed output: `cli_chatty N [stdout|stderr]` writes N numbered lines
//! to the stream named (stdout by default), each written and flushed on its own. If a write
//! fails (the reader went away: the host's stream is a closed pipe), the guest gets the error,
//! says so on the other stream (ignoring a failure there too) and exits with status 3;
//! otherwise it exits 0.
//!
//! The status goes out through `wasi:cli/exit.exit-with-code` (WASI 0.2.12), as in `cli_exit`:
//! Rust's `std::process::exit` on wasm32-wasip2 can only report success or failure.

use std::io::Write;

wit_bindgen::generate!({
    inline: "
        package wasi:cli@0.2.12;
        interface exit {
            exit: func(status: result);
            exit-with-code: func(status-code: u8);
        }
        world exiter {
            import exit;
        }
    ",
});

/// The status of a run whose output failed.
const WRITE_FAILED: u8 = 3;

fn main() {
    let args = capsock_test_guests::args();
    let lines: u64 = args
        .first()
        .and_then(|n| n.parse().ok())
        .expect("argv[1] is the number of lines");
    let to_stderr = match args.get(1).map(String::as_str) {
        None | Some("stdout") => false,
        Some("stderr") => true,
        Some(other) => panic!("unknown stream {other:?}: expected stdout or stderr"),
    };
    let (name, mut out, mut other): (&str, Box<dyn Write>, Box<dyn Write>) = if to_stderr {
        (
            "stderr",
            Box::new(std::io::stderr()),
            Box::new(std::io::stdout()),
        )
    } else {
        (
            "stdout",
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
        )
    };
    for i in 1..=lines {
        let written = writeln!(out, "line {i} of {lines}").and_then(|()| out.flush());
        if let Err(e) = written {
            let _ = writeln!(other, "cli_chatty: writing line {i} to {name} failed: {e}");
            let _ = other.flush();
            wasi::cli::exit::exit_with_code(WRITE_FAILED);
            unreachable!("exit-with-code returned");
        }
    }
    wasi::cli::exit::exit_with_code(0);
}
