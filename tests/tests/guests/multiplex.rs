//! poll/select over several sockets, and sendfile.

use capsock_tests::{Guest, SELECT_READY, SENDFILE_CURSOR};

/// The rules a guest needs to talk to itself over loopback on `host` (IPv4 or `[::1]`).
fn self_talk(guest: Guest, host: &str) -> Guest {
    guest
        .allow(&format!("bind tcp://{host}:*"))
        .allow(&format!("connect tcp://{host}:*"))
        .allow(&format!("accept tcp://{host}:*"))
}

#[test]
pub fn select_ready() {
    for (family, host) in [("4", "127.0.0.1"), ("6", "[::1]")] {
        let out = self_talk(Guest::new(SELECT_READY).arg(family), host).run_ok();
        assert_eq!(out.matches("ok: ").count(), 5, "{out}");
    }
}

#[test]
pub fn sendfile_cursor() {
    for (family, host) in [("4", "127.0.0.1"), ("6", "[::1]")] {
        let out = self_talk(Guest::new(SENDFILE_CURSOR).arg(family), host).run_ok();
        assert_eq!(out.matches("ok: ").count(), 3, "{out}");
    }
}
