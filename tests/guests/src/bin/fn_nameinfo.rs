//! getnameinfo reads numeric hosts only, as CPython's does: IPv4 (inet_aton's forms too) and
//! IPv6 literals, a 2-tuple with an IPv6 literal being an IPv6 address; a name is a gaierror
//! that reaches no resolver; an IPv4 host in a 4-tuple is CPython's OSError. Then a reverse
//! lookup: with mode `rule` (the policy has `resolve *`) it answers, with `norule` it is
//! refused.
use capsock::{EAI_NONAME, NI_NUMERICHOST, NI_NUMERICSERV, errno, getnameinfo};

fn main() {
    let with_rule = capsock_test_guests::args()[0] == "rule";
    let numeric = NI_NUMERICHOST | NI_NUMERICSERV;
    let pair = |host: &str, port: &str| (host.to_owned(), port.to_owned());

    for (host, want) in [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("::1", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("fe80::1%lo", "fe80::1"),
    ] {
        let got = getnameinfo((host, 80), numeric).unwrap();
        assert_eq!(got, pair(want, "80"), "{host}");
        println!("ok: ('{host}', 80) -> ('{}', '{}')", got.0, got.1);
    }
    let got = getnameinfo(("::1", 80, 0, 0), numeric).unwrap();
    assert_eq!(got, pair("::1", "80"));
    let got = getnameinfo(("fe80::1", 80, 0, 1), numeric).unwrap();
    assert_eq!(got, pair("fe80::1%lo", "80"));
    println!("ok: 4-tuples take their scope id");

    // A name is never looked up, whatever the flags and the policy.
    for flags in [0, numeric] {
        let e = getnameinfo(("localhost", 80), flags).unwrap_err();
        assert!(e.is_gaierror(), "{e:?}");
        assert_eq!(e.errno(), Some(EAI_NONAME), "{e:?}");
        println!("ok: ('localhost', 80) flags {flags} -> gaierror: {e}");
    }
    let e = getnameinfo(("127.0.0.1", 80, 0, 0), numeric).unwrap_err();
    assert_eq!(e.python_class(), "OSError", "{e:?}");
    assert_eq!(e.strerror(), "IPv4 sockaddr must be 2 tuple");
    println!("ok: ('127.0.0.1', 80, 0, 0) -> OSError: {}", e.strerror());

    // A reverse lookup asks the host's resolver: only `resolve *` allows it.
    let reverse = getnameinfo(("127.0.0.1", 80), 0);
    if with_rule {
        let (host, port) = reverse.unwrap();
        assert!(!host.is_empty());
        assert_eq!(port, "http");
        println!("ok: reverse lookup answered");
    } else {
        let e = reverse.unwrap_err();
        assert_eq!(e.errno(), Some(errno::EACCES), "{e:?}");
        println!("ok: reverse lookup refused: {}", e.strerror());
    }
}
