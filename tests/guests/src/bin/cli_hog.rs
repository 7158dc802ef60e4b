//! For `host run --timeout` and `--max-memory`: a guest that takes what it can. argv[1]:
//! - `spin`: loops in wasm forever without a host call (only the epoch deadline stops it);
//! - `grow MIB`: allocates (and touches) 1 MiB blocks, printing the total every 16 MiB, until
//!   it holds MIB of them or an allocation fails (a Rust guest aborts then).
use std::hint::black_box;
use std::io::Write;

fn main() {
    let args = capsock_test_guests::args();
    match args.first().map(String::as_str) {
        Some("spin") => {
            println!("spinning");
            std::io::stdout().flush().unwrap();
            let mut n: u64 = 0;
            loop {
                n = black_box(n.wrapping_add(1));
            }
        }
        Some("grow") => {
            let want: usize = args[1].parse().expect("MIB");
            let mut blocks = Vec::new();
            while blocks.len() < want {
                blocks.push(black_box(vec![1u8; 1 << 20]));
                if blocks.len() % 16 == 0 {
                    println!("holding {} MiB", blocks.len());
                    std::io::stdout().flush().unwrap();
                }
            }
            println!("held {want} MiB");
        }
        other => panic!("unknown mode {other:?}"),
    }
}
