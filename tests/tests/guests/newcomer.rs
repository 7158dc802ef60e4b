//! The README's path to one's own guest, followed as a newcomer would: a crate outside this
//! workspace, made with `cargo new`, depending on `capsock` by path with the README's own
//! `toml` block, its `src/main.rs` the README's `rust` block, built for wasm32-wasip2 and run
//! under `host run` with the README's rule.

use std::path::Path;
use std::process::Command;

use capsock_tests::{Scratch, tcp_echo_server};

use super::cli::host_cmd;

/// The fenced blocks of `lang` in the README's "Your own guest" section, in order.
fn readme_blocks(readme: &str, lang: &str) -> Vec<String> {
    let start = readme
        .find("\n## Your own guest")
        .expect("the section exists");
    let section = &readme[start + 1..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let section = &section[..end];
    let fence = format!("```{lang}\n");
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find(&fence) {
        let body = &rest[i + fence.len()..];
        let close = body.find("```").expect("a closed block");
        blocks.push(body[..close].to_owned());
        rest = &body[close..];
    }
    blocks
}

/// Runs `cmd`, asserting it succeeded; its stdout.
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn readme_guest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let toml = readme_blocks(&readme, "toml");
    let rust = readme_blocks(&readme, "rust");
    assert_eq!(
        (toml.len(), rust.len()),
        (1, 1),
        "one toml and one rust block"
    );

    let dir = Scratch::new("newcomer");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Cargo's own variables from the outer build would leak into the newcomer's.
    let clean = |cmd: &mut Command| {
        cmd.env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_MANIFEST_DIR");
    };
    let mut new = Command::new(&cargo);
    new.args(["new", "--vcs", "none", "hello-capsock"])
        .current_dir(&dir.0);
    clean(&mut new);
    ok(&mut new);
    let krate = dir.0.join("hello-capsock");

    // The README's dependency, its path pointing at this checkout's guest/.
    let dependency = toml[0].replace(
        "../capsock/guest",
        root.join("guest").to_str().expect("a UTF-8 path"),
    );
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace("[dependencies]\n", &dependency);
    assert!(manifest.contains("capsock = { path = "), "{manifest}");
    std::fs::write(krate.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(krate.join("src/main.rs"), &rust[0]).unwrap();
    // The workspace's lock file, so that the newcomer's build resolves the versions this
    // toolchain builds (a fresh resolution could pick newer crates).
    std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();

    let mut build = Command::new(&cargo);
    build
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .current_dir(&krate);
    clean(&mut build);
    // Kept between runs, under this workspace's target/.
    build.env("CARGO_TARGET_DIR", root.join("target/newcomer"));
    ok(&mut build);
    let wasm = root.join("target/newcomer/wasm32-wasip2/release/hello-capsock.wasm");

    let (addr, server) = tcp_echo_server("127.0.0.1:0", 1);
    let out = ok(host_cmd()
        .args(["run", "--timeout", "60", "--allow"])
        .arg(format!("connect tcp://{addr}"))
        .arg(&wasm)
        .arg(addr.to_string()));
    server.join().unwrap();
    assert_eq!(out, "the server said: hello from my guest\n");

    // And without the rule, the denial the README promises.
    let out = host_cmd()
        .args(["run", "--timeout", "60"])
        .arg(&wasm)
        .arg(addr.to_string())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "capsock policy: connect to tcp://{addr} denied (no rule allows it)"
        )),
        "{stderr}"
    );
}
