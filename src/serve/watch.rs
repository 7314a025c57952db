//! Watching the site's sources: `content/`, `themes/`, `templates/`, `static/` and `site.toml`.
//!
//! Events arrive in bursts (an editor's save is a write, a rename and a metadata change; a
//! `git checkout` is hundreds of writes), so they are gathered until the sources have been quiet
//! for a moment, then reported as one change. Editors' temporary and swap files are ignored.
//! Where the system's file notifications cannot be used, the sources are polled instead.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

/// Quiet time that ends a burst of events.
const QUIET: Duration = Duration::from_millis(15);
/// A burst that never goes quiet is still reported after this long.
const LONGEST: Duration = Duration::from_millis(500);

/// A running watcher; dropping it stops the notifications.
pub struct Watch {
    watcher: Box<dyn Watcher + Send>,
    events: Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
    /// Source folders being watched (a folder created later is added by [`Watch::refresh`]).
    watched: Vec<PathBuf>,
}

/// The folders and files of a site that a change in matters.
pub fn sources(root: &Path) -> Vec<PathBuf> {
    ["content", "themes", "templates", "static", "site.toml"].iter().map(|p| root.join(p)).collect()
}

impl Watch {
    /// Watch the sources of the site at `root`. `poll` forces polling (for file systems without
    /// notifications, such as some network or container mounts).
    pub fn start(root: &Path, poll: bool) -> notify::Result<Watch> {
        let (tx, events) = channel();
        let mut watcher: Box<dyn Watcher + Send> = if poll {
            let config = notify::Config::default().with_poll_interval(Duration::from_millis(200));
            Box::new(notify::PollWatcher::new(tx, config)?)
        } else {
            match notify::recommended_watcher(tx.clone()) {
                Ok(watcher) => Box::new(watcher),
                Err(_) => {
                    let config = notify::Config::default().with_poll_interval(Duration::from_millis(200));
                    Box::new(notify::PollWatcher::new(tx, config)?)
                }
            }
        };
        // The root itself, not recursively: it tells when `content/` or `site.toml` appears or is
        // replaced; the source folders recursively.
        watcher.watch(root, RecursiveMode::NonRecursive)?;
        let mut watch = Watch { watcher, events, root: root.to_path_buf(), watched: Vec::new() };
        watch.refresh();
        Ok(watch)
    }

    /// Start watching source folders that appeared since (say, `static/` created by the writer).
    pub fn refresh(&mut self) {
        for source in sources(&self.root) {
            if source.is_dir() && !self.watched.contains(&source) {
                if self.watcher.watch(&source, RecursiveMode::Recursive).is_ok() {
                    self.watched.push(source);
                }
            } else if !source.exists() {
                self.watched.retain(|w| w != &source);
            }
        }
    }

    /// Wait for the next change that matters and return the paths it touched (relative to the
    /// root), or None when the watcher has stopped.
    pub fn next_change(&self) -> Option<Vec<PathBuf>> {
        loop {
            let first = self.events.recv().ok()?;
            let mut touched = Vec::new();
            self.collect(first, &mut touched);
            let started = Instant::now();
            loop {
                match self.events.recv_timeout(QUIET) {
                    Ok(event) => self.collect(event, &mut touched),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
                if started.elapsed() > LONGEST {
                    break;
                }
            }
            touched.sort();
            touched.dedup();
            if !touched.is_empty() {
                return Some(touched);
            }
        }
    }

    fn collect(&self, event: notify::Result<notify::Event>, touched: &mut Vec<PathBuf>) {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if let Some(rel) = relevant(&self.root, &path) {
                touched.push(rel);
            }
        }
    }
}

/// The path relative to the root when a change there can change the site.
fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    if !matches!(first, "content" | "themes" | "templates" | "static" | "site.toml") {
        return None;
    }
    let ignored = rel.components().any(|c| c.as_os_str().to_str().is_none_or(crate::content::is_ignored));
    (!ignored).then(|| rel.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_count_and_editor_droppings_do_not() {
        let root = Path::new("/site");
        assert_eq!(relevant(root, Path::new("/site/content/a.md")), Some(PathBuf::from("content/a.md")));
        assert_eq!(relevant(root, Path::new("/site/site.toml")), Some(PathBuf::from("site.toml")));
        for ignored in [
            "/site/public/index.html",
            "/site/content/.a.md.swp",
            "/site/content/a.md~",
            "/site/content/#a.md#",
            "/site/.git/index",
            "/site/content/.hidden/b.md",
            "/elsewhere/content/a.md",
        ] {
            assert_eq!(relevant(root, Path::new(ignored)), None, "{ignored}");
        }
    }

    #[test]
    fn a_write_is_seen_as_one_change() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        let watch = Watch::start(dir.path(), false).unwrap();
        std::fs::write(dir.path().join("content/a.md"), "x").unwrap();
        std::fs::write(dir.path().join("content/.a.md.swp"), "x").unwrap();
        let change = watch.next_change().unwrap();
        assert_eq!(change, [PathBuf::from("content/a.md")]);
    }
}
