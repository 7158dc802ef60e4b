//! `cargo xtask mutants FILE… [--re REGEX] [--resume] [-- TEST-FILTER…]`: mutation testing of
//! host code that only the integration suite exercises (the doors), against the guest tests.
//!
//! cargo-mutants lists the mutants (`cargo mutants --list --diff --json`), but runs only the
//! mutated package's own tests, and the doors are tested by `capsock-tests`. So, for each
//! mutant in turn, in a scratch worktree of `HEAD` (`target/xtask-mutants/tree`, built into
//! `target/xtask-mutants/target`, so neither your files nor your build are touched):
//! 1. restore the tree and apply the mutant's diff;
//! 2. build the guests test binary: a build that fails is `unviable`;
//! 3. run it, with the filters given (every guest test by default), in the test namespace of
//!    `cargo xtask test`: the first failing test ends the run, `caught`; a run over 5 minutes
//!    is `timeout` (caught too, as cargo-mutants counts it); a run that passes is `missed`.
//!
//! Tests that run the `host` binary (`cli::`, `bypass::`, …) rebuild it when it is older than
//! the host's sources, so they see the mutant too, after a second build. Each outcome is a JSON line in `target/xtask-mutants/results.jsonl`;
//! `--resume` keeps the lines there and skips their mutants; `--re REGEX` takes only the
//! mutants whose names match (cargo-mutants' `--re`).

use std::io::{Read, Seek, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use crate::{in_test_netns, root, run};

/// `cargo ARGS`: a quiet, offline `test` of the guests test binary, the one the doors' tests
/// are in.
const GUEST_TESTS: [&str; 7] = [
    "test",
    "-q",
    "--offline",
    "-p",
    "capsock-tests",
    "--test",
    "guests",
];

/// Where a run works: the worktree, its build directory, and the file the tests write to.
struct Scratch {
    tree: PathBuf,
    target: PathBuf,
    output: PathBuf,
}

impl Scratch {
    /// `cargo` in the worktree, building into its own directory.
    fn cargo(&self) -> Command {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&self.tree)
            .env("CARGO_TARGET_DIR", &self.target);
        cmd
    }
}

/// The longest one test run may take before the mutant counts as a timeout.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Runs the mutants of `args`' files; see the module's documentation.
pub fn mutants(args: &[String]) -> Result<()> {
    let (ours, filters) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let (mut files, mut resume, mut re) = (Vec::new(), false, None);
    let mut rest = ours.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--resume" => resume = true,
            "--re" => re = Some(rest.next().context("--re needs a regular expression")?),
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        bail!("usage: cargo xtask mutants FILE… [--re REGEX] [--resume] [-- TEST-FILTER…]");
    }
    if Command::new("cargo")
        .args(["mutants", "--version"])
        .output()
        .map_or(true, |o| !o.status.success())
    {
        bail!("cargo-mutants is not installed: `cargo install --locked cargo-mutants`");
    }

    let work = root().join("target/xtask-mutants");
    let scratch = Scratch {
        tree: work.join("tree"),
        target: work.join("target"),
        output: work.join("output.txt"),
    };
    let tree = &scratch.tree;
    let results = work.join("results.jsonl");
    std::fs::create_dir_all(&work)?;
    // A fresh worktree of HEAD: what is tested is what is committed.
    let _ = Command::new("git")
        .args(["worktree", "remove", "--force"])
        .arg(tree)
        .current_dir(root())
        .output();
    run(Command::new("git")
        .args(["worktree", "add", "--detach", "--force"])
        .arg(tree)
        .arg("HEAD")
        .current_dir(root()))?;

    see_through_alias(tree, &files)?;

    let mut done = std::collections::HashSet::new();
    if resume && results.exists() {
        for line in std::fs::read_to_string(&results)?.lines() {
            let v: Value = serde_json::from_str(line)?;
            done.insert(v["name"].as_str().unwrap_or_default().to_owned());
        }
    } else {
        std::fs::write(&results, "")?;
    }
    let mut log = std::fs::OpenOptions::new().append(true).open(&results)?;

    // The baseline: the unmutated worktree builds, or every mutant would read as unviable.
    let base = scratch.cargo().args(GUEST_TESTS).arg("--no-run").status()?;
    if !base.success() {
        bail!("the worktree does not build before any mutant ({base})");
    }
    for file in files {
        let mut list = scratch.cargo();
        list.args(["mutants", "--list", "--diff", "--json", "-f", file]);
        if let Some(re) = re {
            list.args(["--re", re]);
        }
        let listed = list.output().context("run cargo mutants --list")?;
        if !listed.status.success() {
            bail!(
                "cargo mutants --list -f {file} failed: {}",
                String::from_utf8_lossy(&listed.stderr)
            );
        }
        let listed: Vec<Value> = serde_json::from_slice(&listed.stdout)?;
        println!("{file}: {} mutants", listed.len());
        for mutant in listed {
            let name = mutant["name"].as_str().unwrap_or_default().to_owned();
            if done.contains(&name) {
                continue;
            }
            let started = Instant::now();
            let (outcome, failed) = try_mutant(&scratch, file, &mutant, filters)?;
            let line = json!({
                "file": file,
                "name": name,
                "outcome": outcome,
                "failed": failed,
                "secs": started.elapsed().as_secs(),
            });
            writeln!(log, "{line}")?;
            println!("{outcome:>9}  {name}");
            if let Some(test) = failed {
                println!("           by {test}");
            }
        }
    }
    run(Command::new("git")
        .args(["checkout", "-q", "--", "."])
        .current_dir(tree))?;
    summarize(&results)
}

/// The host's result alias, and the `Result` it stands for.
const ALIAS: (&str, &str) = ("SocketResult<", "crate::error::SocketError");

/// cargo-mutants makes its `Ok(…)` mutants only for a return type it sees as a `Result`; it
/// takes `SocketResult<T>` for a type of its own (and makes unviable `SocketResult::new()`
/// mutants instead). So in the worktree the files spell it `Result<T, SocketError>`, committed
/// there, before the mutants are listed.
fn see_through_alias(tree: &Path, files: &[&String]) -> Result<()> {
    for file in files {
        let path = tree.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        std::fs::write(&path, spell_out(&text))?;
    }
    run(Command::new("git")
        .args(["-c", "user.name=xtask", "-c", "user.email=xtask@localhost"])
        .args([
            "commit",
            "-q",
            "-a",
            "--allow-empty",
            "-m",
            "spell out SocketResult",
        ])
        .current_dir(tree))
}

/// `text` with each `SocketResult<T>` written `Result<T, crate::error::SocketError>`.
fn spell_out(text: &str) -> String {
    let (alias, error) = ALIAS;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(alias) {
        // The `>` that closes the alias's `<`.
        let args = &rest[at + alias.len()..];
        let mut depth = 1;
        let close = args.char_indices().find_map(|(i, c)| {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        });
        let Some(close) = close else { break };
        out.push_str(&rest[..at]);
        out.push_str(&format!("Result<{}, {error}>", &args[..close]));
        rest = &args[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Applies `mutant` to the clean `tree`, builds and runs the tests: the outcome's name, and
/// the test that caught it.
fn try_mutant(
    scratch: &Scratch,
    file: &str,
    mutant: &Value,
    filters: &[String],
) -> Result<(&'static str, Option<String>)> {
    let tree = &scratch.tree;
    run(Command::new("git")
        .args(["checkout", "-q", "--", "."])
        .current_dir(tree))?;
    let mut patch = Command::new("patch")
        .args(["-s", "-p0", file])
        .current_dir(tree)
        .stdin(Stdio::piped())
        .spawn()
        .context("run patch")?;
    let diff = mutant["diff"].as_str().unwrap_or_default();
    patch
        .stdin
        .take()
        .context("patch's stdin")?
        .write_all(diff.as_bytes())?;
    if !patch.wait()?.success() {
        bail!("the diff of {} does not apply", mutant["name"]);
    }
    let built = scratch.cargo().args(GUEST_TESTS).arg("--no-run").output()?;
    if !built.status.success() {
        return Ok(("unviable", None));
    }
    let mut cmd = in_test_netns()?;
    cmd.arg("cargo")
        .args(GUEST_TESTS)
        .arg("--")
        .args(filters)
        // Most guest tests wait on peers and timers, not on the CPU.
        .arg("--test-threads=12")
        .current_dir(tree)
        .env("CARGO_TARGET_DIR", &scratch.target);
    tests_pass(cmd, &scratch.output).map(|pass| match pass {
        Some(None) => ("missed", None),
        Some(failed) => ("caught", failed),
        None => ("timeout", None),
    })
}

/// Runs the test command `cmd` in a process group of its own, its output into `scratch` (a
/// file, not a pipe: a peer process a failing test leaves behind must not keep the run open),
/// and ends the group at the first failing test. `Some(None)`: every test passed;
/// `Some(Some(name))`: `name` failed (or, with an empty name, the run failed without naming a
/// test); `None`: over [`RUN_LIMIT`].
fn tests_pass(mut cmd: Command, scratch: &Path) -> Result<Option<Option<String>>> {
    let mut out = std::fs::File::options()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(scratch)?;
    let mut child = cmd
        .stdout(out.try_clone()?)
        .stderr(out.try_clone()?)
        .process_group(0)
        .spawn()
        .context("run the guest tests")?;
    let started = Instant::now();
    let mut text = String::new();
    let kill = |pid: u32| {
        // SAFETY: kill(2) with a process group id (negative pid) and a signal number.
        unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
    };
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some((!status.success()).then(String::new)));
        }
        std::thread::sleep(Duration::from_millis(200));
        out.seek(std::io::SeekFrom::Start(0))?;
        text.clear();
        out.read_to_string(&mut text)?;
        // libtest's quiet output names each failed test as it ends: `NAME --- FAILED`.
        if let Some(line) = text.lines().find(|l| l.ends_with(" --- FAILED")) {
            kill(child.id());
            child.wait()?;
            let test = line.trim_end_matches(" --- FAILED");
            return Ok(Some(Some(
                test.rsplit(' ').next().unwrap_or(test).to_owned(),
            )));
        }
        if started.elapsed() > RUN_LIMIT {
            kill(child.id());
            child.wait()?;
            return Ok(None);
        }
    }
}

/// Prints the counts by outcome and the missed mutants of a results file.
fn summarize(results: &Path) -> Result<()> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut missed = Vec::new();
    for line in std::fs::read_to_string(results)?.lines() {
        let v: Value = serde_json::from_str(line)?;
        let outcome = v["outcome"].as_str().unwrap_or_default().to_owned();
        if outcome == "missed" {
            missed.push(v["name"].as_str().unwrap_or_default().to_owned());
        }
        *counts.entry(outcome).or_default() += 1;
    }
    println!("\n{counts:?}");
    for name in missed {
        println!("missed: {name}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::spell_out;

    #[test]
    fn the_alias_is_spelled_out_with_its_generic_arguments() {
        assert_eq!(
            spell_out(
                "fn f() -> SocketResult<(Resource<NetSocket>, Vec<u8>)> { g::<SocketResult<()>>() }"
            ),
            "fn f() -> Result<(Resource<NetSocket>, Vec<u8>), crate::error::SocketError> \
             { g::<Result<(), crate::error::SocketError>>() }"
        );
        assert_eq!(spell_out("no alias here"), "no alias here");
    }
}
