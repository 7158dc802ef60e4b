//! For `host run`: prints its arguments, its whole environment and (when `CLI_READ` names
//! one) a file from a preopened directory, then exits with the code in argv[1].
//!
//! Rust's `std::process::exit` on wasm32-wasip2 can only report success or failure
//! (`wasi:cli/exit.exit` takes a `result`), so the code goes out through
//! `wasi:cli/exit.exit-with-code` (WASI 0.2.12), imported here directly.

wit_bindgen::generate!({
    inline: "
        package wasi:cli@0.2.12;
        interface exit {
            exit: func(status: result);
            exit-with-code: func(status-code: u8);
        }
        world exiter {
            import exit;
        }
    ",
});
fn main() {
    let args = capsock_test_guests::args();
    let code: i32 = args[0].parse().expect("argv[1] is the exit code");
    for arg in &args[1..] {
        println!("arg: {arg}");
    }
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.sort();
    for (k, v) in &env {
        println!("env: {k}={v}");
    }
    if let Ok(path) = std::env::var("CLI_READ") {
        let text = std::fs::read_to_string(&path).expect("read the preopened file");
        println!("file: {}", text.trim_end());
    }
    use std::io::Write;
    std::io::stdout().flush().expect("flush stdout");
    let code = u8::try_from(code).expect("an exit code 0-255");
    wasi::cli::exit::exit_with_code(code);
    unreachable!("exit-with-code returned");
}
