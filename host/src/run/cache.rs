//! The compiled-component cache behind [`Runner::load`](super::Runner::load).
//!
//! Compiling a guest with Cranelift costs a `host run` far more than everything else it does
//! at start-up; the compiled artefact (`Component::serialize`) is kept in a cache directory
//! and reused while nothing it depends on changed.
//!
//! One file per (wasm bytes, engine) pair, named after both digests. A file is only used when
//! its header carries exactly the key recomputed now — a 128-bit digest of the wasm bytes and
//! their length, and a digest of [`Engine::precompile_compatibility_hash`] (which covers the
//! wasmtime version, the target, the compiler flags and the engine configuration) — and when
//! the checksum of its payload matches. Anything else (a truncated or corrupt file, another
//! format version, a file written for other bytes or another engine) is a miss: the component
//! is compiled again and the file replaced. Files are written to a temporary name in the same
//! directory and renamed into place, so a reader never sees a partly written file.
//!
//! The cache is bounded: after each write, the least recently used files go until the directory
//! holds at most [`MAX_CACHE_BYTES`] of them (a hit marks its file used, by its modification
//! time), and temporary files a crashed writer left behind are removed after an hour.
//!
//! The digests are std's SipHash (keyed with fixed keys): they detect accidents, not
//! adversaries. The cache directory is the user's own (created `0700`); whoever can write in it
//! can already run code as that user.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use wasmtime::component::Component;
use wasmtime::{Engine, Result};

/// Format version of the cache files; part of every key.
const MAGIC: &[u8; 16] = b"capsock-cwasm-01";
/// Header: magic, wasm digest (16), wasm length (8), engine digest (8), payload length (8),
/// payload digest (16).
const HEADER_LEN: usize = 16 + 16 + 8 + 8 + 8 + 16;

/// The most the cache directory holds, in bytes of compiled components; the least recently
/// used files are removed beyond it.
pub(crate) const MAX_CACHE_BYTES: u64 = 512 << 20;
/// How old a temporary file must be before it counts as left behind by a crashed writer.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// What [`load`] found in the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A valid file: the component was deserialized from it.
    Hit,
    /// No file: compiled, and the cache written.
    Miss,
    /// A file that did not carry this key or failed its checksum (or wasmtime refused it):
    /// compiled again, and the file replaced.
    Rejected,
}

/// The default cache directory: `$XDG_CACHE_HOME/capsock`, else `$HOME/.cache/capsock`.
pub(crate) fn default_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").and_then(absolute) {
        return Some(xdg.join("capsock"));
    }
    std::env::var_os("HOME")
        .and_then(absolute)
        .map(|home| home.join(".cache").join("capsock"))
}

/// 128 bits of digest over `parts`, from two differently seeded SipHash runs.
fn digest128(parts: &[&[u8]]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (seed, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = DefaultHasher::new();
        (seed as u64).hash(&mut h);
        for p in parts {
            h.write(p);
        }
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

/// The digest of everything about `engine` that compiled code depends on.
fn engine_digest(engine: &Engine) -> u64 {
    let mut h = DefaultHasher::new();
    MAGIC.hash(&mut h);
    engine.precompile_compatibility_hash().hash(&mut h);
    h.finish()
}

/// The key of one cache entry.
struct Key {
    wasm: [u8; 16],
    wasm_len: u64,
    engine: u64,
}

impl Key {
    fn new(engine: &Engine, wasm: &[u8]) -> Key {
        Key {
            wasm: digest128(&[wasm]),
            wasm_len: wasm.len() as u64,
            engine: engine_digest(engine),
        }
    }

    fn file_name(&self) -> String {
        let hex: String = self.wasm.iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}-{:016x}.cwasm", self.engine)
    }

    fn header(&self, payload: &[u8]) -> Vec<u8> {
        let mut h = Vec::with_capacity(HEADER_LEN);
        h.extend_from_slice(MAGIC);
        h.extend_from_slice(&self.wasm);
        h.extend_from_slice(&self.wasm_len.to_le_bytes());
        h.extend_from_slice(&self.engine.to_le_bytes());
        h.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        h.extend_from_slice(&digest128(&[payload]));
        h
    }

    /// The payload of `file` if its header carries this key and its payload checks out.
    fn payload<'a>(&self, file: &'a [u8]) -> Option<&'a [u8]> {
        if file.len() < HEADER_LEN {
            return None;
        }
        let (header, payload) = file.split_at(HEADER_LEN);
        (header == self.header(payload).as_slice()).then_some(payload)
    }
}

/// Compiles `wasm`, or takes the compiled component from the cache in `dir`.
pub(crate) fn load(engine: &Engine, dir: &Path, wasm: &[u8]) -> Result<(Component, Outcome)> {
    let key = Key::new(engine, wasm);
    let path = dir.join(key.file_name());
    let outcome = match std::fs::read(&path) {
        Err(_) => Outcome::Miss,
        Ok(file) => match key.payload(&file) {
            Some(payload) => {
                // SAFETY: `Component::deserialize` requires bytes produced by
                // `Component::serialize` for a compatible engine. These bytes come from a file
                // in our own cache directory that we wrote with `serialize` (atomically, via
                // rename, so never partly written); its header carries the key just recomputed
                // from these wasm bytes and this engine's compatibility hash, and the payload
                // digest matches, so it is that output, unaltered, for this engine. wasmtime
                // checks its own version and configuration header again.
                match unsafe { Component::deserialize(engine, payload) } {
                    Ok(component) => {
                        mark_used(&path);
                        return Ok((component, Outcome::Hit));
                    }
                    Err(_) => Outcome::Rejected,
                }
            }
            None => Outcome::Rejected,
        },
    };
    let component = Component::from_binary(engine, wasm)?;
    // The cache is best effort: a run never fails because the cache cannot be written.
    if store(dir, &path, &key, &component).is_ok() {
        evict(dir, &path, MAX_CACHE_BYTES);
    }
    Ok((component, outcome))
}

/// Sets the file's modification time to now (`futimens(2)`): eviction keeps the files used last.
fn mark_used(path: &Path) {
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// Removes the least recently used `.cwasm` files of `dir` (never `keep`, the one just written)
/// until they take at most `max_bytes`, and temporary files older than [`STALE_TMP`]. Best
/// effort: a file that cannot be read or removed is skipped.
fn evict(dir: &Path, keep: &Path, max_bytes: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") {
            if now.duration_since(modified).unwrap_or_default() > STALE_TMP {
                let _ = std::fs::remove_file(&path);
            }
        } else if name.ends_with(".cwasm") && meta.is_file() {
            files.push((modified, meta.len(), path));
        }
    }
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    files.sort(); // oldest first
    for (_, len, path) in files {
        if total <= max_bytes {
            break;
        }
        if path != keep && std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

/// Writes the compiled component to a temporary file in `dir` and renames it to `path`.
fn store(dir: &Path, path: &Path, key: &Key, component: &Component) -> Result<()> {
    let payload = component.serialize()?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // Unique per process and per call: concurrent writers never share a temporary file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        key.file_name(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&key.header(&payload))?;
        f.write_all(&payload)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(written?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest valid component: the preamble of a component binary and nothing else.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00";

    fn engine() -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("capsock-cache-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn only_file(dir: &Path) -> PathBuf {
        let files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "one cache file, no leftovers: {files:?}");
        files.into_iter().next().unwrap()
    }

    #[test]
    fn eviction_keeps_the_files_used_last_within_the_limit() {
        let dir = scratch("evict");
        std::fs::create_dir_all(&dir).unwrap();
        let day = Duration::from_secs(86_400);
        let make = |name: &str, age_days: u32| {
            let path = dir.join(name);
            std::fs::write(&path, [0u8; 1000]).unwrap();
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(SystemTime::now() - day * age_days).unwrap();
            path
        };
        let oldest = make("a.cwasm", 30);
        let old = make("b.cwasm", 20);
        let recent = make("c.cwasm", 1);
        let just_written = make("d.cwasm", 40); // the new file is never evicted
        let stale_tmp = make(".d.cwasm.1.0.tmp", 1);
        let other = make("notes.txt", 50);
        mark_used(&old); // a hit: now the most recently used
        evict(&dir, &just_written, 2_500);
        assert!(!oldest.exists(), "least recently used goes first");
        assert!(!recent.exists(), "then the next least recently used");
        assert!(old.exists() && just_written.exists());
        assert!(
            !stale_tmp.exists(),
            "a temporary file a day old is left over"
        );
        assert!(other.exists(), "only cache files are touched");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn miss_then_hit() {
        let engine = engine();
        let dir = scratch("hit");
        let (_, first) = load(&engine, &dir, EMPTY_COMPONENT).unwrap();
        assert_eq!(first, Outcome::Miss);
        let file = only_file(&dir);
        assert!(file.extension().is_some_and(|e| e == "cwasm"));
        let (_, second) = load(&engine, &dir, EMPTY_COMPONENT).unwrap();
        assert_eq!(second, Outcome::Hit);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_truncated_or_foreign_files_are_recompiled() {
        let engine = engine();
        let dir = scratch("corrupt");
        load(&engine, &dir, EMPTY_COMPONENT).unwrap();
        let file = only_file(&dir);
        let good = std::fs::read(&file).unwrap();

        // One flipped bit in the payload.
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x01;
        std::fs::write(&file, &bad).unwrap();
        assert_eq!(
            load(&engine, &dir, EMPTY_COMPONENT).unwrap().1,
            Outcome::Rejected
        );
        // ... and the file was replaced by a good one.
        assert_eq!(std::fs::read(&file).unwrap(), good);
        assert_eq!(
            load(&engine, &dir, EMPTY_COMPONENT).unwrap().1,
            Outcome::Hit
        );

        // Truncated: in the header, and in the payload.
        for len in [10, HEADER_LEN + 3] {
            std::fs::write(&file, &good[..len]).unwrap();
            assert_eq!(
                load(&engine, &dir, EMPTY_COMPONENT).unwrap().1,
                Outcome::Rejected
            );
        }

        // A file carrying another engine's key under this name.
        let mut foreign = good.clone();
        foreign[16 + 16 + 8] ^= 0xff;
        std::fs::write(&file, &foreign).unwrap();
        assert_eq!(
            load(&engine, &dir, EMPTY_COMPONENT).unwrap().1,
            Outcome::Rejected
        );
        assert_eq!(
            load(&engine, &dir, EMPTY_COMPONENT).unwrap().1,
            Outcome::Hit
        );
        only_file(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn other_bytes_or_engines_get_other_files() {
        let engine = engine();
        let a = Key::new(&engine, EMPTY_COMPONENT);
        let mut longer = EMPTY_COMPONENT.to_vec();
        longer.push(0);
        assert_ne!(a.file_name(), Key::new(&engine, &longer).file_name());
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        let other = Engine::new(&config).unwrap();
        assert_ne!(a.file_name(), Key::new(&other, EMPTY_COMPONENT).file_name());
        // The same inputs always make the same key.
        assert_eq!(
            a.file_name(),
            Key::new(&engine, EMPTY_COMPONENT).file_name()
        );
    }

    #[test]
    fn an_unwritable_cache_does_not_fail_the_load() {
        let engine = engine();
        let dir = scratch("unwritable");
        std::fs::write(&dir, b"a file where the directory should be").unwrap();
        let (_, outcome) = load(&engine, &dir, EMPTY_COMPONENT).unwrap();
        assert_eq!(outcome, Outcome::Miss);
        std::fs::remove_file(&dir).unwrap();
    }
}
