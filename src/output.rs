//! Write: every output file into a staging folder beside the output folder as it is rendered,
//! then swap the folder in.
//!
//! Invariants: nothing is written outside the staging folder and the output folder (every path
//! is checked to be a plain relative path before it is joined), and a failed build never touches
//! the previous output — it is replaced only by a complete new one. On Linux the swap is one
//! atomic `renameat2(RENAME_EXCHANGE)`; elsewhere two renames.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::hash::FastSet;
use crate::render::OutputFile;

/// A file copied as it is into the output: source on disk, destination relative to the output.
#[derive(Debug, Clone)]
pub struct Copy {
    pub from: PathBuf,
    pub to: String,
}

/// Why writing failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to write {0:?}: not a plain relative path inside the output folder")]
    UnsafePath(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("two outputs want the same file {0}")]
    Clash(String),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io { path: path.to_path_buf(), source }
}

/// A relative output path made of normal components only.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    is_safe_relative(path).then(|| PathBuf::from(path))
}

/// [`safe_relative`] without making the path.
fn is_safe_relative(path: &str) -> bool {
    if path.is_empty() || path.contains('\\') || path.contains('\0') {
        return false;
    }
    Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

/// The staging folder for an output folder: `.public.themata-staging` beside `public`.
fn sibling(output: &Path, suffix: &str) -> PathBuf {
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".to_string());
    output.with_file_name(format!(".{name}.themata-{suffix}"))
}

/// Where finished files go as the templates produce them: memory (`serve`, `check`), the
/// staging folder (`build`), or nowhere (a build that has already failed).
pub trait Sink: Sync {
    /// Take one finished file. A second file at the same path is an error.
    fn put(&self, file: OutputFile) -> Result<(), WriteError>;

    /// Take one finished file whose bytes the caller keeps (a render thread's buffer): a sink
    /// that writes them out needs no copy of its own.
    fn put_bytes(&self, path: String, bytes: &[u8]) -> Result<(), WriteError> {
        self.put(OutputFile { path, bytes: bytes.into() })
    }
}

/// Paths already taken, so that two outputs never silently replace each other.
#[derive(Default)]
struct Taken(Mutex<FastSet<String>>);

impl Taken {
    fn take(&self, path: &str) -> Result<(), WriteError> {
        if !is_safe_relative(path) {
            return Err(WriteError::UnsafePath(path.to_string()));
        }
        if !self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(path.to_string()) {
            return Err(WriteError::Clash(path.to_string()));
        }
        Ok(())
    }
}

/// Files kept in memory.
#[derive(Default)]
pub struct Memory {
    taken: Taken,
    files: Mutex<Vec<OutputFile>>,
}

impl Memory {
    /// The files, sorted by path.
    pub fn into_files(self) -> Vec<OutputFile> {
        let mut files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

impl Sink for Memory {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.taken.take(&file.path)?;
        self.files.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        Ok(())
    }
}

/// Files checked (safe paths, no clashes) and dropped: the build has failed already, so nothing
/// would be written, but every problem should still be found.
#[derive(Default)]
pub struct Discard(Taken);

impl Sink for Discard {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.0.take(&file.path)
    }

    fn put_bytes(&self, path: String, _: &[u8]) -> Result<(), WriteError> {
        self.0.take(&path)
    }
}

/// The staging folder beside the output folder, filled as files arrive (in parallel, from the
/// render threads) and swapped in whole by [`Staging::commit`]. Dropped without a commit, it
/// removes itself: the output folder is never touched by a build that fails.
///
/// A file whose bytes equal the file at the same path in the current output is not written:
/// it is hard-linked from there at the commit, so an unchanged file costs no new file (and keeps
/// the modification time deploy tools compare). When every file is unchanged and the current
/// output holds nothing else, the commit leaves the output folder as it is: a no-change rebuild
/// creates and removes no folders at all. Existing files are never written into, so a link can
/// never let one build change what another folder holds.
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    /// The output folder as it was, when there is one.
    previous: Option<PathBuf>,
    taken: Taken,
    /// Folders created so far inside `dir`, as the output paths spell them (`a/b`). Kept as
    /// text: hashing a `Path` hashes it component by component, several times the cost of its
    /// bytes, and every output file looks its folder up.
    folders: Mutex<FastSet<String>>,
    /// Files equal to the current output's, linked from there at the commit: (path, old file).
    /// The files taken and not kept are the ones written.
    kept: Mutex<Vec<(String, PathBuf)>>,
    committed: bool,
}

impl Staging {
    /// Start a staging folder for `output` (an old one, left by a killed build, is removed).
    pub fn create(output: &Path) -> Result<Staging, WriteError> {
        let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        let dir = sibling(output, "staging");
        if std::fs::symlink_metadata(&dir).is_ok() {
            remove_tree(&dir).map_err(io_error(&dir))?;
        }
        std::fs::create_dir(&dir).map_err(io_error(&dir))?;
        let previous = std::fs::symlink_metadata(output).is_ok_and(|m| m.is_dir()).then(|| output.to_path_buf());
        Ok(Staging {
            output: output.to_path_buf(),
            dir,
            previous,
            taken: Taken::default(),
            folders: Mutex::new(FastSet::default()),
            kept: Mutex::new(Vec::new()),
            committed: false,
        })
    }

    /// The folder of `rel` (a safe relative path) inside staging, created once.
    fn folder_for(&self, rel: &str) -> Result<(), WriteError> {
        let Some((parent, _)) = rel.rsplit_once('/') else { return Ok(()) };
        if self.folders.lock().unwrap_or_else(|e| e.into_inner()).contains(parent) {
            return Ok(());
        }
        let dir = self.dir.join(parent);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        // The folder and its ancestors, up to the first one already known.
        for folder in folders_of(rel) {
            if !folders.insert(folder.to_string()) {
                break;
            }
        }
        Ok(())
    }

    /// The file of the current output at `rel` when it holds exactly `bytes`.
    fn unchanged(&self, rel: &Path, bytes: &[u8]) -> Option<PathBuf> {
        let old = self.previous.as_ref()?.join(rel);
        let meta = std::fs::symlink_metadata(&old).ok()?;
        if !meta.is_file() || meta.len() != bytes.len() as u64 {
            return None;
        }
        (std::fs::read(&old).ok()? == bytes).then_some(old)
    }

    /// Write `bytes` at `rel`, a safe relative path, unless the current output holds them there.
    fn place(&self, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
        if let Some(old) = self.unchanged(Path::new(rel), bytes) {
            self.kept.lock().unwrap_or_else(|e| e.into_inner()).push((rel.to_string(), old));
            return Ok(());
        }
        self.folder_for(rel)?;
        let path = self.dir.join(rel);
        std::fs::write(&path, bytes).map_err(io_error(&path))
    }

    /// Link the kept files into the staging folder (a copy where the file system has no hard
    /// links), in parallel.
    fn link_kept(&self, kept: &[(String, PathBuf)]) -> Result<(), WriteError> {
        kept.par_iter().try_for_each(|(rel, old)| {
            self.folder_for(rel)?;
            let path = self.dir.join(rel);
            if std::fs::hard_link(old, &path).is_err() {
                std::fs::copy(old, &path).map_err(io_error(&path))?;
            }
            Ok(())
        })
    }

    /// How many files have been put so far.
    pub fn files(&self) -> usize {
        self.taken.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Copy the files that go into the output as they are, in parallel.
    pub fn copy(&self, copies: &[Copy]) -> Result<(), WriteError> {
        crate::progress::stage("write", copies.len());
        copies.par_iter().try_for_each(|copy| {
            self.taken.take(&copy.to)?;
            let bytes = std::fs::read(&copy.from).map_err(io_error(&copy.from))?;
            crate::progress::tick();
            self.place(&copy.to, &bytes)
        })
    }

    /// Swap the staging folder in as the output folder, and remove the previous output.
    pub fn commit(mut self) -> Result<(), WriteError> {
        self.committed = true;
        let kept = std::mem::take(&mut *self.kept.lock().unwrap_or_else(|e| e.into_inner()));
        if kept.len() == self.files()
            && let Some(previous) = &self.previous
            && holds_only(previous, &kept)
        {
            // Nothing changed: the output folder already is the new one.
            return remove_tree(&self.dir).map_err(io_error(&self.dir));
        }
        let result = self.link_kept(&kept).and_then(|()| swap_in(&self.dir, &self.output));
        if result.is_err() {
            let _ = remove_tree(&self.dir);
        }
        result
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.put_bytes(file.path, &file.bytes)
    }

    fn put_bytes(&self, path: String, bytes: &[u8]) -> Result<(), WriteError> {
        self.taken.take(&path)?;
        self.place(&path, bytes)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = remove_tree(&self.dir);
        }
    }
}

/// The folders a relative path lies in, innermost first: `a/b/c.html` → `a/b`, `a`.
fn folders_of(rel: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(rel.rsplit_once('/').map(|(up, _)| up), |folder| folder.rsplit_once('/').map(|(up, _)| up))
}

/// Whether the folder `dir` holds exactly the files `kept` (paths relative to it, each known to
/// be a file there) and their folders: no other file, folder or link.
fn holds_only(dir: &Path, kept: &[(String, PathBuf)]) -> bool {
    let mut folders: FastSet<&str> = FastSet::default();
    for (rel, _) in kept {
        for folder in folders_of(rel) {
            if !folders.insert(folder) {
                break;
            }
        }
    }
    count_tree(dir).is_ok_and(|(files, subfolders)| files == kept.len() && subfolders == folders.len())
}

/// The entries below `dir` that are not folders, and the folders, counted in parallel.
fn count_tree(dir: &Path) -> io::Result<(usize, usize)> {
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries
        .par_iter()
        .try_fold(
            || (0, 0),
            |(files, folders), entry| {
                if entry.file_type()?.is_dir() {
                    let (inner_files, inner_folders) = count_tree(&entry.path())?;
                    Ok((files + inner_files, folders + inner_folders + 1))
                } else {
                    Ok((files + 1, folders))
                }
            },
        )
        .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))
}

/// Remove a folder and everything in it, its subfolders in parallel.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.par_iter().try_for_each(|entry| {
        if entry.file_type()?.is_dir() { remove_tree(&entry.path()) } else { std::fs::remove_file(entry.path()) }
    })?;
    std::fs::remove_dir(dir)
}

fn swap_in(staging: &Path, output: &Path) -> Result<(), WriteError> {
    if !output.exists() {
        return std::fs::rename(staging, output).map_err(io_error(output));
    }
    if exchange(staging, output).is_ok() {
        // `staging` now holds the previous output.
        return remove_tree(staging).map_err(io_error(staging));
    }
    let old = sibling(output, "old");
    if old.exists() {
        remove_tree(&old).map_err(io_error(&old))?;
    }
    std::fs::rename(output, &old).map_err(io_error(output))?;
    if let Err(e) = std::fs::rename(staging, output) {
        let _ = std::fs::rename(&old, output);
        return Err(WriteError::Io { path: output.to_path_buf(), source: e });
    }
    remove_tree(&old).map_err(io_error(&old))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that live for the call.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Write `files` as the new content of `output` in one go.
    fn write(output: &Path, files: &[OutputFile], copies: &[Copy]) -> Result<(), WriteError> {
        let staging = Staging::create(output)?;
        files.iter().try_for_each(|file| staging.put(file.clone()))?;
        staging.copy(copies)?;
        staging.commit()
    }

    #[test]
    fn only_plain_relative_paths_are_safe() {
        assert!(safe_relative("a/b/index.html").is_some());
        assert!(safe_relative("标签/中级/index.html").is_some());
        for bad in ["../x", "/etc/passwd", "a/../../x", "a\\..\\x", "./a", ""] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn swap_replaces_the_whole_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(out.join("stale")).unwrap();
        std::fs::write(out.join("stale/index.html"), "old").unwrap();
        let files = vec![OutputFile { path: "index.html".into(), bytes: b"new".to_vec().into() }];
        write(&out, &files, &[]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "new");
        assert!(!out.join("stale").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("public")]);
    }

    #[test]
    fn files_land_in_nested_folders_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let paths =
            ["a/b/c/index.html", "a/b/index.html", "a/index.html", "a/b/c/d/index.html", "top.html", "x/y.html"];
        let files: Vec<OutputFile> =
            paths.iter().map(|p| OutputFile { path: p.to_string(), bytes: p.as_bytes().into() }).collect();
        write(&out, &files, &[]).unwrap();
        for path in paths {
            assert_eq!(std::fs::read_to_string(out.join(path)).unwrap(), path);
        }
    }

    #[test]
    fn a_rebuild_that_changes_nothing_leaves_the_output_folder_as_it_was() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let files: Vec<OutputFile> = ["a/b/index.html", "a/index.html", "top.html"]
            .iter()
            .map(|p| OutputFile { path: p.to_string(), bytes: p.as_bytes().into() })
            .collect();
        write(&out, &files, &[]).unwrap();
        let (folder, file) = (std::fs::metadata(&out).unwrap(), std::fs::metadata(out.join("a/b/index.html")).unwrap());
        write(&out, &files, &[]).unwrap();
        assert_eq!(std::fs::metadata(&out).unwrap().ino(), folder.ino(), "the folder was not swapped");
        assert_eq!(std::fs::metadata(out.join("a/b/index.html")).unwrap().ino(), file.ino());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("public")]);

        // The same files, but the output also holds a file or a folder no build made: the new
        // output replaces it, and the unchanged files are still the same files.
        for extra in ["stale.html", "a/stale.html", "empty/"] {
            match extra.strip_suffix('/') {
                Some(folder) => std::fs::create_dir(out.join(folder)).unwrap(),
                None => std::fs::write(out.join(extra), "old").unwrap(),
            }
            let before = std::fs::metadata(&out).unwrap().ino();
            write(&out, &files, &[]).unwrap();
            assert!(!out.join(extra.trim_end_matches('/')).exists(), "{extra} is still there");
            assert_ne!(std::fs::metadata(&out).unwrap().ino(), before, "the folder was swapped");
            assert_eq!(std::fs::metadata(out.join("a/b/index.html")).unwrap().ino(), file.ino());
            for f in &files {
                assert_eq!(std::fs::read(out.join(&f.path)).unwrap(), &*f.bytes);
            }
        }
    }

    #[test]
    fn an_unsafe_path_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("keep.html"), "old").unwrap();
        let files = vec![
            OutputFile { path: "ok.html".into(), bytes: Vec::new().into() },
            OutputFile { path: "../escape.html".into(), bytes: Vec::new().into() },
        ];
        assert!(matches!(write(&out, &files, &[]), Err(WriteError::UnsafePath(_))));
        assert_eq!(std::fs::read_to_string(out.join("keep.html")).unwrap(), "old");
        assert!(!dir.path().join("escape.html").exists());
    }
}
