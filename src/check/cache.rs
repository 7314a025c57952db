//! The cache of external link results: `links.json` in the user's cache folder (never in the
//! site), URL to HTTP status and when it was asked. Entries older than a day are ignored and
//! dropped on the next write. A missing or unreadable cache is an empty one; it is written to a
//! temporary file and renamed, so a run that stops halfway leaves the old cache whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How long an answer stays good.
const MAX_AGE_SECS: u64 = 24 * 60 * 60;

const FILE_NAME: &str = "links.json";

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Entry {
    /// Seconds since the Unix epoch.
    checked: u64,
    status: u16,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

pub(super) struct Cache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Entry>,
    now: u64,
    changed: bool,
}

impl Cache {
    /// The cache in `dir`; without a folder, a cache that remembers nothing.
    pub fn open(dir: Option<&Path>) -> Cache {
        Cache::open_at(dir, SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    }

    /// The cache as seen at `now` (seconds since the Unix epoch).
    fn open_at(dir: Option<&Path>, now: u64) -> Cache {
        let path = dir.map(|d| d.join(FILE_NAME));
        let mut entries = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| serde_json::from_str::<File>(&text).ok())
            .filter(|file| file.version == 1)
            .map(|file| file.entries)
            .unwrap_or_default();
        let before = entries.len();
        entries.retain(|_, e| fresh(e, now));
        Cache { path, changed: entries.len() != before, entries, now }
    }

    /// The status cached for `url`, if fresh.
    pub fn get(&self, url: &str) -> Option<u16> {
        self.entries.get(url).filter(|e| fresh(e, self.now)).map(|e| e.status)
    }

    pub fn put(&mut self, url: &str, status: u16) {
        self.entries.insert(url.to_string(), Entry { checked: self.now, status });
        self.changed = true;
    }

    /// Write the cache if anything changed; the error names the file.
    pub fn save(&self) -> Result<(), (PathBuf, std::io::Error)> {
        let Some(path) = &self.path else { return Ok(()) };
        if !self.changed {
            return Ok(());
        }
        let file = File { version: 1, entries: self.entries.clone() };
        let text = serde_json::to_string_pretty(&file).expect("the cache always serialises");
        let temporary = path.with_extension(format!("json.{}.tmp", std::process::id()));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&temporary, text))
            .and_then(|()| std::fs::rename(&temporary, path));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            (path.clone(), e)
        })
    }
}

fn fresh(entry: &Entry, now: u64) -> bool {
    now.saturating_sub(entry.checked) < MAX_AGE_SECS && entry.checked <= now + 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_for_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(Some(dir.path()));
        assert_eq!(cache.get("https://a.example/"), None);
        cache.put("https://a.example/", 200);
        cache.put("https://b.example/", 404);
        cache.save().unwrap();

        let again = Cache::open(Some(dir.path()));
        assert_eq!(again.get("https://a.example/"), Some(200));
        assert_eq!(again.get("https://b.example/"), Some(404));

        // A day and a second later, nothing is fresh, and the next write drops it all.
        let mut later = Cache::open_at(Some(dir.path()), again.now + MAX_AGE_SECS + 1);
        assert_eq!(later.get("https://a.example/"), None);
        later.put("https://c.example/", 200);
        later.save().unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        let file: File = serde_json::from_str(&text).unwrap();
        assert_eq!(file.entries.keys().collect::<Vec<_>>(), ["https://c.example/"]);
    }

    #[test]
    fn a_broken_cache_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{not json").unwrap();
        let mut cache = Cache::open(Some(dir.path()));
        assert_eq!(cache.get("https://a.example/"), None);
        cache.put("https://a.example/", 200);
        cache.save().unwrap();
        assert_eq!(Cache::open(Some(dir.path())).get("https://a.example/"), Some(200));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, [FILE_NAME]);
    }
}
