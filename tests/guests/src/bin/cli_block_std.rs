//! For `host run --timeout` with a std::net guest (wasi:sockets): connects to argv[1] (a native
//! server that never writes) and blocks in `read` without a timeout; only the host's time
//! limit can stop it.
use std::io::Read;
use std::net::TcpStream;

fn main() {
    let args = capsock_test_guests::args();
    let mut s = TcpStream::connect(args[0].as_str()).expect("connect");
    println!("connected; blocking in read");
    let mut buf = [0u8; 16];
    let got = s.read(&mut buf);
    println!("unreachable: read returned {got:?}");
}
