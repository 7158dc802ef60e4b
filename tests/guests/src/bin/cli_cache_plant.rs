//! For `host run`: an attacker given `--dir` over the host's compiled-component cache. It tries
//! to make a later `host run` of victim guest B execute code B was not compiled from, with
//! every change a WASI guest can make to the cache's files.
//!
//! Arguments: `DIR A B STEP`, where DIR is the guest path of the cache directory, A and B are
//! the file names of two entries (A's compiled code is the code to plant) and STEP one of:
//! - `overwrite`: rewrite B's file in place (same inode, truncated) with A's payload under B's
//!   header, every length and checksum the header holds recomputed as the host computes it;
//! - `new-file`: remove B's file and create a new one holding that same forged entry;
//! - `rename`: rename A's file over B's name;
//! - `link`: remove B's file and hard-link A's file under B's name;
//! - `flip`: flip one byte of B's own payload in place, the header's checksum recomputed;
//! - `append`: append bytes to B's file, the header's length and checksum recomputed in place.
//!
//! It knows both the format the cache used when its entries carried a SipHash checksum of the
//! payload in their header (`capsock-cwasm-01`, which a guest can recompute: std's
//! `DefaultHasher` is SipHash with fixed keys) and the current one (`capsock-cwasm-02`). It
//! prints one line per change it made, so the runner can check that it found and wrote the
//! files, and panics (a trap) if any file operation fails.

use std::fs::{self, OpenOptions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Seek, SeekFrom, Write};

/// Where an entry's payload length and checksum sit in its header, by format.
struct Layout {
    header_len: usize,
    /// Offset of the little-endian u64 payload length.
    len_at: usize,
    /// Offset of the 16-byte payload checksum, in formats that have one.
    digest_at: Option<usize>,
}

fn layout(file: &[u8]) -> Layout {
    match file.get(..16) {
        // Magic, wasm digest (16), wasm length (8), engine digest (8), payload length (8),
        // payload digest (16).
        Some(b"capsock-cwasm-01") => Layout {
            header_len: 72,
            len_at: 48,
            digest_at: Some(56),
        },
        // Magic, wasm SHA-256 (32), engine SHA-256 (32), payload length (8).
        Some(b"capsock-cwasm-02") => Layout {
            header_len: 88,
            len_at: 80,
            digest_at: None,
        },
        other => panic!("not a cache entry I know: magic {other:?}"),
    }
}

/// The payload checksum of format 01: two SipHash runs seeded 0 and 1, exactly as the host
/// computed it.
fn siphash128(payload: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (seed, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = DefaultHasher::new();
        (seed as u64).hash(&mut h);
        h.write(payload);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

/// `header` with its payload length and checksum set for `payload`.
fn fix_header(header: &mut [u8], l: &Layout, payload: &[u8]) {
    header[l.len_at..l.len_at + 8].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    if let Some(at) = l.digest_at {
        header[at..at + 16].copy_from_slice(&siphash128(payload));
    }
}

/// B's header carrying A's payload, consistent as far as anything in the file can tell.
fn forge(a: &[u8], b: &[u8]) -> Vec<u8> {
    let (la, lb) = (layout(a), layout(b));
    let payload = &a[la.header_len..];
    let mut file = b[..lb.header_len].to_vec();
    fix_header(&mut file, &lb, payload);
    file.extend_from_slice(payload);
    file
}

fn main() {
    let args = capsock_test_guests::args();
    let [dir, a_name, b_name, step] = &args[..] else {
        panic!("usage: cli_cache_plant DIR A B STEP");
    };
    let a_path = format!("{dir}/{a_name}");
    let b_path = format!("{dir}/{b_name}");
    let a = fs::read(&a_path).expect("read A's entry");
    let b = fs::read(&b_path).expect("read B's entry");
    println!("found A: {} bytes, B: {} bytes", a.len(), b.len());
    match step.as_str() {
        "overwrite" => {
            let forged = forge(&a, &b);
            fs::write(&b_path, &forged).expect("overwrite B's entry");
            println!(
                "overwrite: wrote {} bytes, A's code under B's header, into B's file",
                forged.len()
            );
        }
        "new-file" => {
            let forged = forge(&a, &b);
            fs::remove_file(&b_path).expect("remove B's entry");
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&b_path)
                .expect("create a new file under B's name");
            f.write_all(&forged).expect("write the new file");
            println!(
                "new-file: created B's file anew with {} bytes, A's code under B's header",
                forged.len()
            );
        }
        "rename" => {
            fs::rename(&a_path, &b_path).expect("rename A's entry over B's");
            println!("rename: moved A's file over B's name");
        }
        "link" => {
            fs::remove_file(&b_path).expect("remove B's entry");
            fs::hard_link(&a_path, &b_path).expect("hard-link A's entry under B's name");
            println!("link: hard-linked A's file under B's name");
        }
        "flip" => {
            let l = layout(&b);
            let mut changed = b.clone();
            let last = changed.len() - 1;
            changed[last] ^= 0x01;
            let (header, payload) = changed.split_at_mut(l.header_len);
            fix_header(header, &l, payload);
            // In place: no truncation, the same file.
            let mut f = OpenOptions::new()
                .write(true)
                .open(&b_path)
                .expect("open B's entry for writing");
            f.write_all(&changed).expect("rewrite B's entry in place");
            println!("flip: flipped the last payload byte of B's file in place");
        }
        "append" => {
            let l = layout(&b);
            let tail = b"\0\0\0\0appended by the guest\0\0\0\0";
            let mut payload = b[l.header_len..].to_vec();
            payload.extend_from_slice(tail);
            let mut header = b[..l.header_len].to_vec();
            fix_header(&mut header, &l, &payload);
            let mut f = OpenOptions::new()
                .append(true)
                .open(&b_path)
                .expect("open B's entry to append");
            f.write_all(tail).expect("append to B's entry");
            drop(f);
            let mut f = OpenOptions::new()
                .write(true)
                .open(&b_path)
                .expect("open B's entry for writing");
            f.seek(SeekFrom::Start(0)).expect("seek to the header");
            f.write_all(&header).expect("rewrite B's header in place");
            println!(
                "append: appended {} bytes to B's file and fixed its header",
                tail.len()
            );
        }
        other => panic!("unknown step {other:?}"),
    }
    std::io::stdout().flush().expect("flush stdout");
}
