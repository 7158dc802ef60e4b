//! The compiled-component cache behind [`Runner::load`](super::Runner::load).
//!
//! Compiling a guest with Cranelift costs a `host run` far more than everything else it does
//! at start-up; the compiled artefact (`Component::serialize`) is kept in a cache directory
//! and reused while nothing it depends on changed.
//!
//! One file per (wasm bytes, engine) pair, named after the SHA-256 of the wasm bytes and the
//! SHA-256 of [`Engine::precompile_compatibility_hash`] (which covers the wasmtime version, the
//! target, the compiler flags and the engine configuration): that pair is the entry's key. A
//! file is a header (format magic, both digests, payload length) followed by the payload, the
//! serialized component. It is only used when its header is exactly the one recomputed now and
//! its digest attribute (below) checks out. Anything else (no attribute, a truncated or corrupt
//! file, another format version, a file written for other bytes or another engine) is a miss:
//! the component is compiled again and the file replaced. Files are written to a temporary
//! name in the same directory and renamed into place, so a reader never sees a partly written
//! file.
//!
//! The cache is bounded: after each write, the least recently used files go until the directory
//! holds at most [`MAX_CACHE_BYTES`] of them (a hit marks its file used, by its modification
//! time), and temporary files a crashed writer left behind are removed after an hour.
//!
//! # Why a guest cannot plant or change code
//!
//! The payload is native code that a later `host run` of the same wasm executes, and the cache
//! directory can be in a guest's reach (`--dir ~`). Through WASI a guest can read, write,
//! create, remove, rename and hard-link files there, so nothing inside a file can vouch for it:
//! a guest can compute any checksum a file could carry (earlier formats had one). Each entry is
//! therefore authenticated by something a guest can neither set nor change: the extended
//! attribute `user.capsock.digest`, the SHA-256 of a domain-separation tag, the entry's header
//! (which holds its key) and its payload. The host sets it on the temporary file, computed from
//! the payload in its own memory, before renaming the file into place.
//!
//! Loading opens the file once (a regular file, not through a symbolic link, of bounded size),
//! reads it whole into memory, reads the attribute from the same open file, recomputes the
//! digest from the key of the wasm being loaded and the payload just read, and deserializes
//! exactly those bytes in memory only if header and digest match. Hence:
//! - a file a guest creates (a forged entry, or a copy of a valid one) has no attribute;
//! - bytes a guest writes into an existing entry leave its attribute as it was, and a SHA-256
//!   digest cannot be made to fit other bytes;
//! - an entry renamed or hard-linked over another's name keeps its attribute, which binds its
//!   own key, not the key that name stands for;
//! - changing a file while the host reads it only yields bytes that fail the digest: what is
//!   checked is what is deserialized, never the file again.
//!
//! This rests on a WebAssembly guest having no way to set, copy or remove extended attributes,
//! nor to change a file's owner or mode: WASI 0.2's `wasi:filesystem` (as wasmtime-wasi
//! implements it) has no such call, and capsock adds none. The digest is no secret; it is its
//! place, out of a guest's reach, that makes it unforgeable. A native process running as the
//! same user is another matter: it can rewrite the cache, or the host binary, or anything else
//! the user owns, at will.
//!
//! On a file system without user extended attributes (setting one fails, e.g. `ENOTSUP`), no
//! entry is stored: the cache is simply off there, and every run compiles. A run never fails
//! because of the cache.

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{ErrorKind, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use rustix::fs::{XattrFlags, fgetxattr, fsetxattr};
use sha2::{Digest as _, Sha256};
use wasmtime::component::Component;
use wasmtime::{Engine, Result};

/// Format version of the cache files; part of every header, so of every digest.
const MAGIC: &[u8; 16] = b"capsock-cwasm-02";
/// Header: magic, wasm SHA-256 (32), engine SHA-256 (32), payload length (8).
const HEADER_LEN: usize = 16 + 32 + 32 + 8;
/// The extended attribute holding an entry's digest.
const XATTR: &str = "user.capsock.digest";
/// What the digest of an entry starts with, so that it is never the digest of anything else.
const DIGEST_TAG: &[u8] = b"capsock compiled-component cache entry digest\0";

/// The most the cache directory holds, in bytes of compiled components; the least recently
/// used files are removed beyond it. No single payload larger than this is read.
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
    /// A file that was not a valid entry for this key (wrong header, missing or wrong digest,
    /// not a regular file, too large, or wasmtime refused it): compiled again, and the file
    /// replaced.
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

/// A [`Hasher`] feeding SHA-256, to digest values known only by their [`Hash`] implementation.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    }
}

/// The SHA-256 of everything about `engine` that compiled code depends on.
fn engine_digest(engine: &Engine) -> [u8; 32] {
    let mut h = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut h);
    h.0.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of one cache entry.
struct Key {
    /// SHA-256 of the wasm bytes.
    wasm: [u8; 32],
    /// [`engine_digest`].
    engine: [u8; 32],
}

impl Key {
    fn new(engine: &Engine, wasm: &[u8]) -> Key {
        Key {
            wasm: Sha256::digest(wasm).into(),
            engine: engine_digest(engine),
        }
    }

    /// The wasm digest in full (`sha256sum` of the `.wasm` file shows it), then 64 bits of the
    /// engine's.
    fn file_name(&self) -> String {
        format!("{}-{}.cwasm", hex(&self.wasm), hex(&self.engine[..8]))
    }

    /// The header of this key's entry holding a payload of `payload_len` bytes.
    fn header(&self, payload_len: usize) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        let (magic, rest) = h.split_at_mut(MAGIC.len());
        magic.copy_from_slice(MAGIC);
        let (wasm, rest) = rest.split_at_mut(32);
        wasm.copy_from_slice(&self.wasm);
        let (engine, len) = rest.split_at_mut(32);
        engine.copy_from_slice(&self.engine);
        len.copy_from_slice(&(payload_len as u64).to_le_bytes());
        h
    }

    /// The digest this key's entry holding `payload` carries in its [`XATTR`]: SHA-256 over
    /// the tag, the header (so the key and the payload length) and the payload.
    fn digest(&self, payload: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(DIGEST_TAG);
        h.update(self.header(payload.len()));
        h.update(payload);
        h.finalize().into()
    }
}

/// What [`read_entry`] found under a key's file name.
enum Entry {
    /// No file.
    Absent,
    /// Something that is not a valid entry for the key.
    Invalid,
    /// A valid entry: the open file and its whole content, header first.
    Valid(File, Vec<u8>),
}

/// Reads the entry of `key` at `path` and checks it: header, then digest attribute, both read
/// through one open file, the digest recomputed over the very bytes returned.
fn read_entry(path: &Path, key: &Key) -> Entry {
    // Not through a symbolic link (an entry is always a regular file), and without blocking
    // should the name be a FIFO.
    let file = match File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Entry::Absent;
        }
        Err(_) => return Entry::Invalid,
    };
    let max_len = HEADER_LEN as u64 + MAX_CACHE_BYTES;
    let len = match file.metadata() {
        Ok(meta) if meta.is_file() && (HEADER_LEN as u64..=max_len).contains(&meta.len()) => {
            meta.len()
        }
        _ => return Entry::Invalid,
    };
    // At most one byte more than an entry may hold, should the file grow meanwhile.
    let mut content = Vec::with_capacity(len as usize);
    if (&file).take(max_len + 1).read_to_end(&mut content).is_err()
        || content.len() < HEADER_LEN
        || content.len() as u64 > max_len
    {
        return Entry::Invalid;
    }
    let (header, payload) = content.split_at(HEADER_LEN);
    if header != key.header(payload.len()) {
        return Entry::Invalid;
    }
    let mut stored = [0u8; 64];
    match fgetxattr(&file, XATTR, &mut stored[..]) {
        Ok(32) if stored[..32] == key.digest(payload) => Entry::Valid(file, content),
        _ => Entry::Invalid,
    }
}

/// Compiles `wasm`, or takes the compiled component from the cache in `dir`.
pub(crate) fn load(engine: &Engine, dir: &Path, wasm: &[u8]) -> Result<(Component, Outcome)> {
    let key = Key::new(engine, wasm);
    let path = dir.join(key.file_name());
    let outcome = match read_entry(&path, &key) {
        Entry::Absent => Outcome::Miss,
        Entry::Invalid => Outcome::Rejected,
        Entry::Valid(file, content) => {
            // SAFETY: `Component::deserialize` requires bytes produced by
            // `Component::serialize` for a compatible engine. These bytes are in our memory,
            // read once from the entry's file; that file carries the digest attribute, which
            // the host sets only on a file holding `serialize` output it wrote, and which no
            // guest can set or change (WASI has no call for extended attributes). The digest, recomputed
            // just now over these very bytes and the key derived from these wasm bytes and
            // this engine's compatibility hash, matches: so they are that output, unaltered,
            // for this wasm and this engine. wasmtime checks its own version and configuration
            // header again.
            match unsafe { Component::deserialize(engine, &content[HEADER_LEN..]) } {
                Ok(component) => {
                    // A hit marks the file used, for eviction (`futimens(2)`).
                    let _ = file.set_modified(SystemTime::now());
                    return Ok((component, Outcome::Hit));
                }
                Err(_) => Outcome::Rejected,
            }
        }
    };
    let component = Component::from_binary(engine, wasm)?;
    // The cache is best effort: a run never fails because the cache cannot be written.
    if store(dir, &path, &key, &component).is_ok() {
        evict(dir, &path, MAX_CACHE_BYTES);
    }
    Ok((component, outcome))
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

/// Writes the compiled component to a temporary file in `dir`, sets its digest attribute and
/// renames it to `path`. Fails, storing nothing, where extended attributes cannot be set.
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
    // A new file of our own (never one found under that name, nor a symbolic link's target).
    let mut f = File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    let written = (|| {
        // The attribute first: where it cannot be set, nothing more is written. It is the
        // digest of the payload in memory, not of what the file may hold when it is renamed.
        fsetxattr(&f, XATTR, &key.digest(&payload), XattrFlags::CREATE)?;
        f.write_all(&key.header(payload.len()))?;
        f.write_all(&payload)?;
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
    /// Another component, compiled to other code: it holds a core module section (id 1) with
    /// a core module declaring one function type, `[] -> []`.
    const OTHER_COMPONENT: &[u8] =
        b"\0asm\x0d\x00\x01\x00\x01\x0e\0asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00";

    fn engine() -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).unwrap()
    }

    /// A fresh directory under the temporary directory, removed when dropped (also when the
    /// test fails); it does not exist yet.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn scratch(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("capsock-cache-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Scratch(dir)
    }

    fn only_file(dir: &Path) -> PathBuf {
        let files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "one cache file, no leftovers: {files:?}");
        files.into_iter().next().unwrap()
    }

    fn outcome(engine: &Engine, dir: &Path, wasm: &[u8]) -> Outcome {
        load(engine, dir, wasm).unwrap().1
    }

    /// The digest attribute of `path`, if it has one.
    fn xattr(path: &Path) -> Option<Vec<u8>> {
        let mut buf = [0u8; 64];
        let n = fgetxattr(File::open(path).unwrap(), XATTR, &mut buf[..]).ok()?;
        Some(buf[..n].to_vec())
    }

    /// Caches `EMPTY_COMPONENT` (the victim) and `OTHER_COMPONENT` in `dir`; returns their
    /// files and their contents.
    fn two_entries(engine: &Engine, dir: &Path) -> ((PathBuf, Vec<u8>), (PathBuf, Vec<u8>)) {
        assert_eq!(outcome(engine, dir, EMPTY_COMPONENT), Outcome::Miss);
        assert_eq!(outcome(engine, dir, OTHER_COMPONENT), Outcome::Miss);
        let victim = dir.join(Key::new(engine, EMPTY_COMPONENT).file_name());
        let other = dir.join(Key::new(engine, OTHER_COMPONENT).file_name());
        let (v, o) = (
            std::fs::read(&victim).unwrap(),
            std::fs::read(&other).unwrap(),
        );
        assert_ne!(
            v[HEADER_LEN..],
            o[HEADER_LEN..],
            "the two components compile to different code"
        );
        ((victim, v), (other, o))
    }

    /// After a rejection the victim's entry is the good one again, and a hit.
    fn assert_restored(engine: &Engine, dir: &Path, victim: &Path, good: &[u8]) {
        assert_eq!(std::fs::read(victim).unwrap(), good);
        assert_eq!(outcome(engine, dir, EMPTY_COMPONENT), Outcome::Hit);
    }

    #[test]
    fn eviction_keeps_the_files_used_last_within_the_limit() {
        let scratch = scratch("evict");
        let dir = &scratch.0;
        std::fs::create_dir_all(dir).unwrap();
        let day = Duration::from_secs(86_400);
        let make = |name: &str, age_days: u32| {
            let path = dir.join(name);
            std::fs::write(&path, [0u8; 1000]).unwrap();
            let f = File::options().write(true).open(&path).unwrap();
            f.set_modified(SystemTime::now() - day * age_days).unwrap();
            path
        };
        let oldest = make("a.cwasm", 30);
        let old = make("b.cwasm", 20);
        let recent = make("c.cwasm", 1);
        let just_written = make("d.cwasm", 40); // the new file is never evicted
        let stale_tmp = make(".d.cwasm.1.0.tmp", 1);
        let other = make("notes.txt", 50);
        // A hit: now the most recently used.
        File::open(&old)
            .unwrap()
            .set_modified(SystemTime::now())
            .unwrap();
        evict(dir, &just_written, 2_500);
        assert!(!oldest.exists(), "least recently used goes first");
        assert!(!recent.exists(), "then the next least recently used");
        assert!(old.exists() && just_written.exists());
        assert!(
            !stale_tmp.exists(),
            "a temporary file a day old is left over"
        );
        assert!(other.exists(), "only cache files are touched");
    }

    #[test]
    fn miss_then_hit() {
        let engine = engine();
        let scratch = scratch("hit");
        let dir = &scratch.0;
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Miss);
        let file = only_file(dir);
        assert!(file.extension().is_some_and(|e| e == "cwasm"));
        let content = std::fs::read(&file).unwrap();
        let key = Key::new(&engine, EMPTY_COMPONENT);
        assert_eq!(
            xattr(&file),
            Some(key.digest(&content[HEADER_LEN..]).to_vec()),
            "the entry carries its digest"
        );
        // A hit marks the file used.
        let old = SystemTime::now() - Duration::from_secs(86_400);
        File::open(&file).unwrap().set_modified(old).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Hit);
        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        assert!(modified > old + Duration::from_secs(3600));
    }

    #[test]
    fn corrupt_truncated_or_foreign_files_are_recompiled() {
        let engine = engine();
        let scratch = scratch("corrupt");
        let dir = &scratch.0;
        load(&engine, dir, EMPTY_COMPONENT).unwrap();
        let file = only_file(dir);
        let good = std::fs::read(&file).unwrap();

        // One flipped bit in the payload (written in place: the attribute stays).
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x01;
        std::fs::write(&file, &bad).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        // ... and the file was replaced by a good one.
        assert_restored(&engine, dir, &file, &good);

        // Truncated: in the header, and in the payload; extended.
        let mut longer = good.clone();
        longer.extend_from_slice(b"more");
        for content in [&good[..10], &good[..HEADER_LEN + 3], &longer] {
            std::fs::write(&file, content).unwrap();
            assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        }

        // A file carrying another engine's key under this name.
        let mut foreign = good.clone();
        foreign[16 + 32] ^= 0xff;
        std::fs::write(&file, &foreign).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &file, &good);
        only_file(dir);
    }

    /// Another entry's code under the victim's header, the header consistent with it (all a
    /// file itself could hold to vouch for it), written into the victim's file: the attribute
    /// no longer matches. With the attribute a native process of the user could set, it would.
    #[test]
    fn other_code_under_a_recomputed_header_is_rejected() {
        let engine = engine();
        let scratch = scratch("plant");
        let dir = &scratch.0;
        let ((victim, good), (_, other)) = two_entries(&engine, dir);
        let key = Key::new(&engine, EMPTY_COMPONENT);
        let payload = &other[HEADER_LEN..];
        let mut planted = key.header(payload.len()).to_vec();
        planted.extend_from_slice(payload);
        std::fs::write(&victim, &planted).unwrap();
        assert!(xattr(&victim).is_some(), "written in place: same file");
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);

        // The same bytes in a new file: no attribute at all.
        std::fs::remove_file(&victim).unwrap();
        std::fs::write(&victim, &planted).unwrap();
        assert_eq!(xattr(&victim), None);
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);

        // The control: it is the attribute alone that refuses it.
        std::fs::write(&victim, &planted).unwrap();
        let f = File::open(&victim).unwrap();
        fsetxattr(&f, XATTR, &key.digest(payload), XattrFlags::REPLACE).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Hit);
    }

    /// A copy of the victim's own valid entry, in a new file: without the attribute it is not
    /// used either.
    #[test]
    fn a_new_file_without_the_attribute_is_rejected() {
        let engine = engine();
        let scratch = scratch("new-file");
        let dir = &scratch.0;
        let ((victim, good), _) = two_entries(&engine, dir);
        std::fs::remove_file(&victim).unwrap();
        std::fs::write(&victim, &good).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);
    }

    #[test]
    fn a_missing_or_wrong_attribute_is_rejected() {
        let engine = engine();
        let scratch = scratch("attr");
        let dir = &scratch.0;
        let ((victim, good), (_, other)) = two_entries(&engine, dir);
        let key = Key::new(&engine, EMPTY_COMPONENT);
        let digest = key.digest(&good[HEADER_LEN..]);
        let other_key = Key::new(&engine, OTHER_COMPONENT);
        let wrong: [&[u8]; 5] = [
            &digest[..31],
            &[digest.as_slice(), b"\0"].concat(),
            &[0u8; 32],
            // The other entry's own digest.
            &other_key.digest(&other[HEADER_LEN..]),
            // The right payload, but under the other key.
            &other_key.digest(&good[HEADER_LEN..]),
        ];
        for value in wrong {
            let f = File::open(&victim).unwrap();
            fsetxattr(&f, XATTR, value, XattrFlags::empty()).unwrap();
            assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
            assert_restored(&engine, dir, &victim, &good);
        }
        let f = File::open(&victim).unwrap();
        rustix::fs::fremovexattr(&f, XATTR).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);
    }

    /// Another valid entry moved or linked under the victim's name keeps its attribute, which
    /// binds its own key.
    #[test]
    fn another_entry_renamed_or_linked_over_the_name_is_rejected() {
        let engine = engine();
        let scratch = scratch("rename");
        let dir = &scratch.0;
        let ((victim, good), (other, _)) = two_entries(&engine, dir);
        std::fs::rename(&other, &victim).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);

        assert_eq!(outcome(&engine, dir, OTHER_COMPONENT), Outcome::Miss);
        std::fs::remove_file(&victim).unwrap();
        std::fs::hard_link(&other, &victim).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);
        // The linked file itself was not changed: the other entry is still valid.
        assert_eq!(outcome(&engine, dir, OTHER_COMPONENT), Outcome::Hit);
    }

    /// Not a regular file, or too large to be an entry: rejected without reading it.
    #[test]
    fn links_directories_and_huge_files_are_rejected() {
        let engine = engine();
        let scratch = scratch("odd");
        let dir = &scratch.0;
        let ((victim, good), _) = two_entries(&engine, dir);

        // A symbolic link to the valid entry itself: entries are never read through links.
        let real = dir.join("elsewhere");
        std::fs::rename(&victim, &real).unwrap();
        std::os::unix::fs::symlink(&real, &victim).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);

        // A sparse file larger than any entry.
        std::fs::remove_file(&victim).unwrap();
        let f = File::create(&victim).unwrap();
        f.set_len(HEADER_LEN as u64 + MAX_CACHE_BYTES + 1).unwrap();
        drop(f);
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_restored(&engine, dir, &victim, &good);

        // A directory: nothing can be stored over it either, and the load still succeeds.
        std::fs::remove_file(&victim).unwrap();
        std::fs::create_dir(&victim).unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Rejected);
        let leftovers: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "no temporary files left: {leftovers:?}"
        );
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
        // The name starts with the SHA-256 of the wasm bytes, as `sha256sum` prints it.
        assert!(
            a.file_name()
                .starts_with("24eaf3439a60c96764c4f2c92a0a81b52bd4fe5d5b91f090184a0f6486b1bf29-"),
            "{}",
            a.file_name()
        );
    }

    #[test]
    fn an_unwritable_cache_does_not_fail_the_load() {
        let engine = engine();
        let scratch = scratch("unwritable");
        let dir = &scratch.0;
        std::fs::write(dir, b"a file where the directory should be").unwrap();
        assert_eq!(outcome(&engine, dir, EMPTY_COMPONENT), Outcome::Miss);
    }
}
