//! Write: every output file into a staging folder beside the output folder, then swap it in.
//!
//! Invariants: nothing is written outside the staging folder and the output folder (every path
//! is checked to be a plain relative path before it is joined), and a failed build never touches
//! the previous output — it is replaced only by a complete new one. On Linux the swap is one
//! atomic `renameat2(RENAME_EXCHANGE)`; elsewhere two renames.

use std::io;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

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
    if path.is_empty() || path.contains('\\') || path.contains('\0') {
        return None;
    }
    let candidate = Path::new(path);
    let normal = candidate.components().all(|c| matches!(c, Component::Normal(_)));
    normal.then(|| candidate.to_path_buf())
}

/// The staging folder for an output folder: `.public.themata-staging` beside `public`.
fn sibling(output: &Path, suffix: &str) -> PathBuf {
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".to_string());
    output.with_file_name(format!(".{name}.themata-{suffix}"))
}

/// Write `files` and `copies` as the new content of `output`.
pub fn write(output: &Path, files: &[OutputFile], copies: &[Copy]) -> Result<(), WriteError> {
    let mut seen = std::collections::HashSet::new();
    for path in files.iter().map(|f| f.path.as_str()).chain(copies.iter().map(|c| c.to.as_str())) {
        if safe_relative(path).is_none() {
            return Err(WriteError::UnsafePath(path.to_string()));
        }
        if !seen.insert(path) {
            return Err(WriteError::Clash(path.to_string()));
        }
    }
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    let staging = sibling(output, "staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io_error(&staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(io_error(&staging))?;

    let result = fill(&staging, files, copies).and_then(|()| swap_in(&staging, output));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn fill(staging: &Path, files: &[OutputFile], copies: &[Copy]) -> Result<(), WriteError> {
    let mut folders: Vec<PathBuf> = files
        .iter()
        .map(|f| f.path.as_str())
        .chain(copies.iter().map(|c| c.to.as_str()))
        .filter_map(|p| Path::new(p).parent().map(Path::to_path_buf))
        .collect();
    folders.sort();
    folders.dedup();
    for folder in &folders {
        let dir = staging.join(folder);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    }
    crate::progress::stage("write", files.len() + copies.len());
    files.par_iter().try_for_each(|file| {
        let path = staging.join(&file.path);
        crate::progress::tick();
        std::fs::write(&path, &*file.bytes).map_err(io_error(&path))
    })?;
    copies.par_iter().try_for_each(|copy| {
        let path = staging.join(&copy.to);
        crate::progress::tick();
        std::fs::copy(&copy.from, &path).map(|_| ()).map_err(io_error(&copy.from))
    })
}

fn swap_in(staging: &Path, output: &Path) -> Result<(), WriteError> {
    if !output.exists() {
        return std::fs::rename(staging, output).map_err(io_error(output));
    }
    if exchange(staging, output).is_ok() {
        // `staging` now holds the previous output.
        return std::fs::remove_dir_all(staging).map_err(io_error(staging));
    }
    let old = sibling(output, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io_error(&old))?;
    }
    std::fs::rename(output, &old).map_err(io_error(output))?;
    if let Err(e) = std::fs::rename(staging, output) {
        let _ = std::fs::rename(&old, output);
        return Err(WriteError::Io { path: output.to_path_buf(), source: e });
    }
    std::fs::remove_dir_all(&old).map_err(io_error(&old))
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
