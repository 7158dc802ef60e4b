//! Shared helpers for the guest test programs.

use std::env;

/// The guest's arguments after the program name.
pub fn args() -> Vec<String> {
    env::args().skip(1).collect()
}

/// Parses `HOST:PORT` or `[V6]:PORT` from an argument into Python's `(host, port)` form.
pub fn host_port(arg: &str) -> (String, u16) {
    let (host, port) = arg.rsplit_once(':').expect("argument is HOST:PORT");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host.to_owned(), port.parse().expect("port is a number"))
}
