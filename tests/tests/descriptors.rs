//! Whatever a guest does with its sockets, the host process holds none of their descriptors
//! once the guest has ended: exited, trapped, stopped by its time limit, or finished with
//! sockets passed in and out, detached, in flight or over its limit.
//!
//! Its own test binary, so that no other test opens or closes descriptors meanwhile: the count
//! of `/proc/self/fd` is the whole process's.

use std::time::Duration;

use capsock_tests::{Guest, UNIX_FDS};

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

#[test]
fn guests_leave_no_descriptors() {
    // The first run sets up what lives as long as the process (the engine, the compiled
    // component); count after it.
    Guest::new(UNIX_FDS).arg("local").run_ok();
    let before = open_descriptors();

    let out = Guest::new(UNIX_FDS).arg("local").run_ok();
    assert!(
        out.contains("ok: MSG_CTRUNC, and what did not fit was closed\n"),
        "{out}"
    );
    assert_eq!(open_descriptors(), before, "after passing sockets around");

    let out = Guest::new(UNIX_FDS).arg("limit").max_sockets(5).run_ok();
    assert!(out.ends_with("and it was closed\n"), "{out}");
    assert_eq!(open_descriptors(), before, "after the socket limit");

    let out = Guest::new(UNIX_FDS).arg("abandon").arg("exit").run_ok();
    assert_eq!(out, "abandoned\n");
    assert_eq!(
        open_descriptors(),
        before,
        "after an exit with sockets open"
    );

    let out = Guest::new(UNIX_FDS).arg("abandon").arg("trap").run();
    assert_eq!(out.stdout, "abandoned\n");
    assert!(out.trap.is_some(), "a panic traps: {out:?}");
    assert_eq!(open_descriptors(), before, "after a trap with sockets open");

    let out = Guest::new(UNIX_FDS)
        .arg("abandon")
        .arg("block")
        .time_limit(Duration::from_secs(1))
        .run();
    assert_eq!(out.stdout, "abandoned\n");
    assert!(
        out.trap
            .as_deref()
            .is_some_and(|t| t.contains("exceeded its time limit")),
        "the time limit stops it: {out:?}"
    );
    assert_eq!(open_descriptors(), before, "after the time limit");
}
