//! The policy grammar and the address normaliser: any text as a rule, a policy file and a
//! `host policy explain` query (`capsock_host::fuzz::policy`): no panic, and
//! parse(print(rule)) == rule, parse(print(file)) == file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| capsock_host::fuzz::policy(text));
