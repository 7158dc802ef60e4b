//! Bypass attempts: every spelling of one denied address (127.0.0.2) that the kernel or the C
//! library would accept. Prints `HOST -> denied` when the policy refused it, else the outcome.
use capsock::{AF_INET, AF_INET6, SOCK_STREAM, Socket};

fn main() {
    let args = capsock_test_guests::args();
    let port: u16 = args[0].parse().unwrap();
    let attempts: &[(i32, &str)] = &[
        (AF_INET, "127.0.0.2"),
        (AF_INET, "127.2"),
        (AF_INET, "127.0.2"),
        (AF_INET, "0x7f.0.0.2"),
        (AF_INET, "0x7f000002"),
        (AF_INET, "2130706434"),
        (AF_INET, "0177.0.0.02"),
        (AF_INET6, "::ffff:127.0.0.2"),
        (AF_INET6, "::ffff:7f00:2"),
        (AF_INET6, "::127.0.0.2"),
        (AF_INET6, "0:0:0:0:0:ffff:127.0.0.2"),
    ];
    for (family, host) in attempts {
        let s = Socket::new(*family, SOCK_STREAM, 0).unwrap();
        let outcome = match s.connect((*host, port)) {
            Err(e) if e.errno() == Some(capsock::errno::EACCES) => {
                assert!(e.strerror().contains("denied by rule"), "{e:?}");
                "denied".to_owned()
            }
            Err(e) => format!("LEAK: {e:?}"),
            Ok(()) => "LEAK: connected".to_owned(),
        };
        println!("{host} -> {outcome}");
    }
    // The same shorthand for an allowed address connects, with no `resolve` rule: the C
    // library reads it as a number, and the address rules decide.
    let allowed: u16 = args[1].parse().unwrap();
    let s = Socket::new(AF_INET, SOCK_STREAM, 0).unwrap();
    s.connect(("127.1", allowed)).unwrap();
    assert_eq!(s.getpeername().unwrap().host(), Some("127.0.0.1"));
    println!("127.1 -> connected to 127.0.0.1");
}
