//! `themata new PATH`: start a page with front matter a writer fills in.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

/// The front matter of a new page, in the order writers expect to see it.
#[derive(Serialize)]
struct NewFrontMatter<'a> {
    title: &'a str,
    description: &'a str,
    date: String,
    tags: Vec<String>,
    themes: Vec<String>,
}

/// Create `content/<rel>` (`.md` added when missing) under `root`, dated `today`
/// (`YYYY-MM-DD`). Refuses to overwrite a file and to write outside `content/`.
/// Returns the created file's path relative to `root`.
pub fn new_page(root: &Path, rel: &str, title: Option<&str>, today: &str) -> Result<PathBuf, String> {
    let rel = rel.trim().trim_start_matches("content/");
    let rel = if rel.ends_with(".md") { rel.to_string() } else { format!("{rel}.md") };
    let relative = Path::new(&rel);
    if rel.contains('\\') || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("{rel:?} must be a plain path inside content/, such as articles/my-note.md"));
    }
    let shown = Path::new("content").join(relative);
    let path = root.join(&shown);
    if path.exists() {
        return Err(format!("{} already exists; choose another name (nothing was changed)", shown.display()));
    }
    let stem = relative.file_stem().and_then(|s| s.to_str()).unwrap_or("untitled");
    let title = title.map(str::to_string).unwrap_or_else(|| stem.replace(['-', '_'], " "));
    let front = NewFrontMatter {
        title: &title,
        description: "",
        date: today.to_string(),
        tags: Vec::new(),
        themes: Vec::new(),
    };
    let yaml = serde_yaml::to_string(&front).map_err(|e| format!("cannot write front matter: {e}"))?;
    let text = format!("---\n{yaml}---\n\n在这里开始写作。\n");
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    // `create_new` refuses to replace a file that appeared since the check above.
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", shown.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", shown.display()))?;
    Ok(shown)
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_page_that_builds_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let shown = new_page(dir.path(), "articles/my-note", Some("我的: 笔记"), "2026-11-29").unwrap();
        assert_eq!(shown, Path::new("content/articles/my-note.md"));
        let text = std::fs::read_to_string(dir.path().join(&shown)).unwrap();
        assert_eq!(
            text,
            "---\ntitle: '我的: 笔记'\ndescription: ''\ndate: 2026-11-29\ntags: []\nthemes: []\n---\n\n在这里开始写作。\n"
        );
        let again = new_page(dir.path(), "articles/my-note.md", None, "2026-11-30").unwrap_err();
        assert_eq!(again, "content/articles/my-note.md already exists; choose another name (nothing was changed)");
        assert_eq!(std::fs::read_to_string(dir.path().join(&shown)).unwrap(), text);
    }

    #[test]
    fn paths_stay_inside_content() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x.md", "/etc/x.md", "a/../../x.md"] {
            assert!(new_page(dir.path(), bad, None, "2026-11-29").is_err(), "{bad}");
        }
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }
}
