//! The on-disk ETag cache behind `--cache-dir`: each GET's ETag, `Link: rel="next"` and body,
//! in a file named by a hash of the URL (the token travels in a header and is never stored),
//! so the next run revalidates with `If-None-Match` and a 304 (free of rate limit) reuses it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fs::write_atomically;

/// A stored response.
#[derive(Serialize, Deserialize)]
pub struct Entry {
    pub url: String,
    pub etag: String,
    pub next: Option<String>,
    pub body: String,
}

pub struct Cache {
    dir: PathBuf,
}

/// FNV-1a, 128 bits: stable across Rust releases (std's hasher is not), and plenty to keep
/// URLs apart.
fn file_name(url: &str) -> String {
    let mut hash: u128 = 0x6c62272e07bb014262b821756295c58d;
    for byte in url.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000000001000000000000000000013B);
    }
    format!("{hash:032x}.json")
}

impl Cache {
    pub fn new(dir: &Path) -> Cache {
        Cache {
            dir: dir.to_path_buf(),
        }
    }

    /// The entry for `url`; a missing, unreadable or foreign file is a miss.
    pub fn load(&self, url: &str) -> Option<Entry> {
        let text =
            crate::fs::read_input(&self.dir.join(file_name(url)), crate::fs::MAX_SMALL_BYTES)
                .ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        (entry.url == url).then_some(entry)
    }

    /// Stores the entry; a cache that cannot be written only costs requests next time.
    pub fn store(&self, entry: &Entry) -> Result<(), String> {
        let text = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        // `load` reads entries up to the small-file limit; a larger one would always miss.
        if text.len() as u64 > crate::fs::MAX_SMALL_BYTES {
            return Ok(());
        }
        write_atomically(&self.dir.join(file_name(&entry.url)), &text)
            .map_err(|e| format!("{}: cannot write the cache: {e}", self.dir.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_hex_and_differ_by_url() {
        let a = file_name("https://api.github.com/repos/o/r/deployments");
        assert_eq!(a.len(), 37);
        assert_eq!(a, file_name("https://api.github.com/repos/o/r/deployments"));
        assert_ne!(a, file_name("https://api.github.com/repos/o/r/deployment"));
    }

    #[test]
    fn entries_round_trip_and_a_foreign_url_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let entry = Entry {
            url: "https://x.test/a".into(),
            etag: "\"abc\"".into(),
            next: None,
            body: "[]".into(),
        };
        cache.store(&entry).unwrap();
        assert_eq!(cache.load("https://x.test/a").unwrap().etag, "\"abc\"");
        assert!(cache.load("https://x.test/b").is_none());
    }
}
