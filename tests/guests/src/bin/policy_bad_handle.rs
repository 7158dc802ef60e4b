//! A forged resource handle through the raw bindings: the guest makes a real socket (so the
//! host's table is in use), then calls a method on handle 9999, which it never received. The
//! component model must trap the guest; the host itself carries on.

wit_bindgen::generate!({
    path: "../../wit",
    world: "guest",
    generate_all,
});

use crate::capsock::sockets::socket::Socket;
use crate::capsock::sockets::types::{AddressFamily, SocketKind};

fn main() {
    let real = Socket::create(AddressFamily::Inet, SocketKind::Dgram, 0, None).expect("create");
    println!("real socket handle {}", real.handle());
    // SAFETY: deliberately not: 9999 is no handle this guest holds. That is the test.
    let forged = unsafe { Socket::from_handle(9999) };
    println!("calling a method on forged handle 9999");
    let kind = forged.kind();
    println!("unreachable: the forged handle answered {kind:?}");
}
