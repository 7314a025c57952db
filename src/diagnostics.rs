//! Diagnostics: every problem the pipeline finds, with the file, line and column it comes from.
//!
//! Stages do not stop at the first bad file. They push [`Diagnostic`]s into a list, and the build
//! decides at the end whether errors (or, with `--strict`, warnings) fail it. The plain rendering
//! is `path:line:col: error: message`, one line per problem, optionally followed by a `help:` line.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file, relative to the site root where possible (`content/a.md`, `site.toml`).
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 when unknown.
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, path: path.into(), line, column, message: message.into(), help: None }
    }

    pub fn warning(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(path, line, column, message) }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match (self.line, self.column) {
            (0, _) => write!(f, "{path}: ")?,
            (line, 0) => write!(f, "{path}:{line}: ")?,
            (line, col) => write!(f, "{path}:{line}:{col}: ")?,
        }
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Line and column (both 1-based, column counted in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A path shown relative to `root` when it lies under it, as written otherwise.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

/// Sort diagnostics by file, line and column so reports are stable from run to run.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "标题\n中文abc";
        assert_eq!(line_col(text, 0), (1, 1));
        let offset = text.find('a').unwrap();
        assert_eq!(line_col(text, offset), (2, 3));
    }

    #[test]
    fn display_names_file_line_column() {
        let d = Diagnostic::error("content/a.md", 3, 7, "unknown field `tittle`").with_help("did you mean `title`?");
        assert_eq!(d.to_string(), "content/a.md:3:7: error: unknown field `tittle`\n  help: did you mean `title`?");
    }
}
