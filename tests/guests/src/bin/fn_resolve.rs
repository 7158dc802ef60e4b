//! The resolver functions: getaddrinfo (name, numeric, service name, passive, kinds, gaierror),
//! getnameinfo, gethostbyname, gethostname, services, protocols, interfaces; with mode
//! `norule` only what needs no `resolve` rule, and the refusal of the rest.
use capsock::{
    AF_INET, AF_INET6, AI_PASSIVE, Address, EAI_NONAME, EAI_SOCKTYPE, IPPROTO_SCTP, IPPROTO_TCP,
    IPPROTO_UDP, NI_NUMERICHOST, NI_NUMERICSERV, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET,
    SOCK_STREAM, errno, getaddrinfo, gethostbyname, gethostname, getnameinfo, getprotobyname,
    getservbyname, getservbyport, if_indextoname, if_nameindex, if_nametoindex,
};

fn main() {
    let args = capsock_test_guests::args();
    let with_rule = args[0] == "rule";

    // Numeric hosts, service names, passive lookups and numeric getnameinfo need no rule.
    let infos = getaddrinfo("127.0.0.1", "http", AF_INET, SOCK_STREAM, 0, 0).unwrap();
    assert_eq!(
        infos,
        [(
            AF_INET,
            SOCK_STREAM,
            IPPROTO_TCP,
            String::new(),
            Address::Inet("127.0.0.1".into(), 80)
        )]
    );
    println!("ok: getaddrinfo numeric with service name");
    let infos = getaddrinfo((), 8080, AF_INET6, 0, 0, AI_PASSIVE).unwrap();
    assert!(!infos.is_empty());
    for (family, _, _, _, addr) in &infos {
        assert_eq!(*family, AF_INET6);
        assert_eq!(addr, &Address::Inet6("::".into(), 8080, 0, 0));
    }
    assert!(
        infos
            .iter()
            .any(|i| i.1 == SOCK_STREAM && i.2 == IPPROTO_TCP)
    );
    println!("ok: getaddrinfo passive");
    // The kind chooses the results as glibc does: none gives one per kind, each with its
    // protocol; SOCK_RDM is no kind of an IP address.
    let kinds = |kind| {
        getaddrinfo("127.0.0.1", 80, AF_INET, kind, 0, 0)
            .map(|infos| infos.into_iter().map(|i| (i.1, i.2)).collect::<Vec<_>>())
    };
    assert_eq!(
        kinds(0).unwrap(),
        [
            (SOCK_STREAM, IPPROTO_TCP),
            (SOCK_DGRAM, IPPROTO_UDP),
            (SOCK_RAW, 0)
        ]
    );
    assert_eq!(kinds(SOCK_DGRAM).unwrap(), [(SOCK_DGRAM, IPPROTO_UDP)]);
    assert_eq!(
        kinds(SOCK_SEQPACKET).unwrap(),
        [(SOCK_SEQPACKET, IPPROTO_SCTP)]
    );
    assert_eq!(kinds(SOCK_RDM).unwrap_err().errno(), Some(EAI_SOCKTYPE));
    println!("ok: getaddrinfo kinds");
    let name = getnameinfo(("127.0.0.1", 80), NI_NUMERICHOST | NI_NUMERICSERV).unwrap();
    assert_eq!(name, ("127.0.0.1".to_owned(), "80".to_owned()));
    println!("ok: getnameinfo numeric");
    assert_eq!(gethostbyname("127.0.0.1").unwrap(), "127.0.0.1");
    println!("ok: gethostbyname numeric");
    assert!(!gethostname().unwrap().is_empty());
    assert_eq!(getservbyname("http", Some("tcp")).unwrap(), 80);
    assert_eq!(getservbyport(443, Some("tcp")).unwrap(), "https");
    assert_eq!(getprotobyname("udp").unwrap(), 17);
    assert_eq!(if_nametoindex("lo").unwrap(), 1);
    assert_eq!(if_indextoname(1).unwrap(), "lo");
    assert!(if_nameindex().unwrap().contains(&(1, "lo".to_owned())));
    println!("ok: gethostname, services, protocols, interfaces");

    if !with_rule {
        for e in [
            getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM, 0, 0).unwrap_err(),
            gethostbyname("localhost").unwrap_err(),
        ] {
            assert_eq!(e.errno(), Some(errno::EACCES), "{e:?}");
            assert!(e.strerror().contains("resolve localhost"), "{e:?}");
        }
        println!("ok: names refused without a rule");
        return;
    }

    let infos = getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM, 0, 0).unwrap();
    assert!(
        infos.contains(&(
            AF_INET,
            SOCK_STREAM,
            IPPROTO_TCP,
            String::new(),
            Address::Inet("127.0.0.1".into(), 80)
        )),
        "{infos:?}"
    );
    println!("ok: getaddrinfo localhost");
    assert_eq!(gethostbyname("localhost").unwrap(), "127.0.0.1");
    println!("ok: gethostbyname localhost");
    // AI_NUMERICHOST makes the resolver refuse the name itself: no DNS query leaves the host.
    let e = getaddrinfo("nosuch.invalid", 80, 0, 0, 0, capsock::AI_NUMERICHOST).unwrap_err();
    assert!(e.is_gaierror(), "{e:?}");
    assert_eq!(e.errno(), Some(EAI_NONAME));
    assert_eq!(e.python_class(), "gaierror");
    println!("ok: {e}");
}
