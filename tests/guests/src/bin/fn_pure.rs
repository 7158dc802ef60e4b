//! Pure functions and constants inside wasm: byte order, inet_* round trips, CMSG sizes,
//! constants, and the default timeout.
use capsock::{
    AF_INET, AF_INET6, CMSG_LEN, CMSG_SPACE, MSG_PEEK, SOMAXCONN, getdefaulttimeout, htonl, htons,
    inet_aton, inet_ntoa, inet_ntop, inet_pton, ntohl, ntohs, setdefaulttimeout,
};

fn main() {
    assert_eq!(htons(0x1234), 0x3412);
    assert_eq!(ntohs(htons(0xbeef)), 0xbeef);
    assert_eq!(htonl(1), 0x0100_0000);
    assert_eq!(ntohl(htonl(0xdead_beef)), 0xdead_beef);
    println!("ok: byte order");

    assert_eq!(inet_aton("1.2.3.4").unwrap(), [1, 2, 3, 4]);
    assert_eq!(inet_ntoa(inet_aton("127.0.0.1").unwrap()), "127.0.0.1");
    let v6 = inet_pton(AF_INET6, "2001:DB8:0:0::1").unwrap();
    assert_eq!(v6.len(), 16);
    assert_eq!(inet_ntop(AF_INET6, &v6).unwrap(), "2001:db8::1");
    let v4 = inet_pton(AF_INET, "10.0.0.255").unwrap();
    assert_eq!(v4, [10, 0, 0, 255]);
    assert_eq!(inet_ntop(AF_INET, &v4).unwrap(), "10.0.0.255");
    assert!(inet_pton(AF_INET, "1.2.3").is_err());
    println!("ok: inet_* round trips");

    assert_eq!(CMSG_LEN(4).unwrap(), 20);
    assert_eq!(CMSG_SPACE(4).unwrap(), 24);
    assert_eq!((AF_INET6, MSG_PEEK, SOMAXCONN), (10, 2, 4096));
    println!("ok: CMSG sizes and constants");

    assert_eq!(getdefaulttimeout(), None);
    setdefaulttimeout(Some(1.5)).unwrap();
    assert_eq!(getdefaulttimeout(), Some(1.5));
    assert!(setdefaulttimeout(Some(-1.0)).unwrap_err().is_value_error());
    setdefaulttimeout(None).unwrap();
    assert_eq!(getdefaulttimeout(), None);
    println!("ok: default timeout");
}
