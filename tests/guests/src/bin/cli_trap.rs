//! For `host run`: traps (a panic aborts a wasm guest) inside a function with a recognisable
//! name, so the runner can find it in the wasm backtrace.
#[inline(never)]
fn capsock_guest_trap_here(depth: u32) {
    if depth == 0 {
        panic!("cli_trap: deliberate panic");
    }
    capsock_guest_trap_here(std::hint::black_box(depth - 1));
}

fn main() {
    println!("about to trap");
    capsock_guest_trap_here(std::hint::black_box(3));
}
