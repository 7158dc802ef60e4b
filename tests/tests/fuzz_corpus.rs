//! Replays the fuzzers' corpora (`fuzz/corpus/door`, `fuzz/corpus/policy`) through the same
//! checks as the fuzz targets, without libFuzzer, decoding each input as libfuzzer-sys does:
//! every input the fuzzer kept stays a passing input, on every CI run. One test per binary
//! run, so that no other test's descriptors are counted.

use std::path::{Path, PathBuf};

use arbitrary::{Arbitrary, Unstructured};
use capsock_host::fuzz::Call;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus is empty");
    files
}

#[test]
fn corpora_replay() {
    let mut decoded = 0;
    for file in corpus("door") {
        let bytes = std::fs::read(&file).expect("read an input");
        if let Ok(calls) = Vec::<Call>::arbitrary_take_rest(Unstructured::new(&bytes)) {
            decoded += 1;
            capsock_host::fuzz::door(calls);
        }
    }
    assert!(decoded > 0, "no door input decodes");
    for file in corpus("policy") {
        let bytes = std::fs::read(&file).expect("read an input");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            capsock_host::fuzz::policy(text);
        }
    }
}
