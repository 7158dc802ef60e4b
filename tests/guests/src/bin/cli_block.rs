//! For `host run --timeout`: connects to argv[1] (a native server that never writes) and
//! blocks in `recv` without a timeout; only the host's time limit can stop it.
use capsock::{AF_INET, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let (host, port) = capsock_test_guests::host_port(&args[0]);
    let s = Socket::new(AF_INET, SOCK_STREAM, 0).expect("socket");
    s.connect((host.as_str(), port)).expect("connect");
    println!("connected; blocking in recv");
    let data = s.recv(16);
    println!("unreachable: recv returned {data:?}");
}
