//! capsock's door driven as a hostile guest would drive it, without wasm: up to 64 calls of
//! any kind with any arguments. The invariants are `capsock_host::fuzz::door`'s: no panic,
//! the driver's checks after every call, no descriptor left open once the guest is gone.
#![no_main]

use capsock_host::fuzz::Call;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|calls: Vec<Call>| capsock_host::fuzz::door(calls));
