//! The hello-world program whose start-up `cargo xtask bench` measures: natively, and as a
//! guest under `host run` with the compiled component cached (warm) or not (cold).

fn main() {
    println!("hello");
}
