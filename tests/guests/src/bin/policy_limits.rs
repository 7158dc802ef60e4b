//! Socket limit: under `--max-sockets 3` three sockets open, the fourth fails with EMFILE and
//! a message naming the limit, and closing one frees its slot.
use capsock::errno::EMFILE;
use capsock::{AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, Socket};

fn main() {
    let mut held = vec![
        Socket::new(AF_INET, SOCK_STREAM, 0).expect("socket 1"),
        Socket::new(AF_INET6, SOCK_DGRAM, 0).expect("socket 2"),
        Socket::new(AF_INET, SOCK_DGRAM, 0).expect("socket 3"),
    ];
    println!("ok: 3 sockets open");
    let e = Socket::new(AF_INET, SOCK_STREAM, 0).expect_err("a 4th socket must be refused");
    assert_eq!(e.errno(), Some(EMFILE), "{e:?}");
    println!(
        "4th socket: errno {} {}: {}",
        EMFILE,
        e.python_class(),
        e.strerror()
    );
    // dup also takes a slot.
    let e = held[0]
        .dup()
        .expect_err("dup past the limit must be refused");
    assert_eq!(e.errno(), Some(EMFILE), "{e:?}");
    println!("ok: dup refused with EMFILE");
    held[1].close();
    let again = Socket::new(AF_INET6, SOCK_STREAM, 0).expect("a slot freed by close");
    println!("ok: socket after close");
    drop(held.pop());
    let dup = again.dup().expect("a slot freed by drop");
    println!("ok: dup after drop");
    let e = Socket::new(AF_INET, SOCK_DGRAM, 0).expect_err("the limit holds again");
    assert_eq!(e.errno(), Some(EMFILE), "{e:?}");
    println!("ok: limit holds again");
    drop(dup);
}
