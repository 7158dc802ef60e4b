//! Builds every guest program in `tests/guests` for wasm32-wasip2 and generates
//! `foreach_guest!`, a macro listing them, so the runner can check at compile time that each
//! one has a test.
//!
//! The nested cargo uses its own target directory under `OUT_DIR`: the outer build holds the
//! lock on the workspace's target directory, and the guests need a different target anyway.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest_dir
        .parent()
        .expect("tests/ lives in the workspace root");
    for dir in [
        "tests/guests",
        "guest/src",
        "guest/examples",
        "guest/Cargo.toml",
        "wit",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }

    let target_dir = out_dir.join("guests-target");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--package",
            "capsock-test-guests",
            "--bins",
            "--package",
            "capsock",
            "--examples",
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .status()
        .expect("cannot run cargo to build the guest programs");
    assert!(
        status.success(),
        "building the guest programs failed; is the wasm32-wasip2 target installed? \
         (`rustup target add wasm32-wasip2`, or run `cargo xtask test`)"
    );

    let bin_dir = root.join("tests/guests/src/bin");
    let mut names: Vec<String> = std::fs::read_dir(&bin_dir)
        .expect("tests/guests/src/bin exists")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();

    let wasm_dir = target_dir.join("wasm32-wasip2/release");
    let mut generated = String::new();
    for name in &names {
        let wasm = wasm_dir.join(format!("{name}.wasm"));
        assert!(
            wasm.is_file(),
            "guest {name} was not built at {}",
            wasm.display()
        );
        writeln!(
            generated,
            "/// The guest program `{name}`, built for wasm32-wasip2.\npub const {}: &str = {:?};",
            name.to_uppercase(),
            path_str(&wasm)
        )
        .unwrap();
    }
    let mut examples: Vec<String> = std::fs::read_dir(root.join("guest/examples"))
        .expect("guest/examples exists")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    examples.sort();
    for name in &examples {
        let wasm = wasm_dir.join(format!("examples/{name}.wasm"));
        assert!(
            wasm.is_file(),
            "example {name} was not built at {}",
            wasm.display()
        );
        writeln!(
            generated,
            "/// The example `guest/examples/{name}.rs`, built for wasm32-wasip2.\npub const EXAMPLE_{}: &str = {:?};",
            name.to_uppercase(),
            path_str(&wasm)
        )
        .unwrap();
    }
    writeln!(
        generated,
        "/// Calls `$mac!(name)` for every guest program.\n#[macro_export]\nmacro_rules! foreach_guest {{\n    ($mac:ident) => {{\n{}    }};\n}}",
        names.iter().map(|n| format!("        $mac!({n});\n")).collect::<String>()
    )
    .unwrap();
    std::fs::write(out_dir.join("guests.rs"), generated).expect("write guests.rs");
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("OUT_DIR is valid UTF-8").to_owned()
}
