//! Diagnostics: every problem the pipeline finds, with the file, line and column it comes from.
//!
//! Stages do not stop at the first bad file. They push [`Diagnostic`]s into a list, and the build
//! decides at the end whether errors (or, with `--strict`, warnings) fail it.
//!
//! Two renderings: [`Diagnostic`]'s `Display` is one line, `path:line:col: error: message`
//! (for logs and tests of the model); [`Report`] is what the command line prints, in the style
//! of rustc — `error: <what>`, ` --> file:line:col`, the source line with a caret under the spot
//! (CJK characters count two columns, as terminals draw them), and `= help:` when a fix can be
//! suggested — in colour only when asked (a terminal, and `NO_COLOR` unset).

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
    /// How many characters the caret line underlines (at least 1).
    pub length: usize,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line,
            column,
            message: message.into(),
            help: None,
            length: 1,
        }
    }

    pub fn warning(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(path, line, column, message) }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Underline `length` characters from the column.
    pub fn with_length(mut self, length: usize) -> Self {
        self.length = length.max(1);
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

/// Prints diagnostics as rustc does, reading the source lines it quotes from the site's files.
pub struct Report {
    root: PathBuf,
    color: bool,
    files: std::collections::HashMap<PathBuf, Option<Vec<String>>>,
}

impl Report {
    /// `root` resolves the diagnostics' relative paths; `color` adds ANSI colours.
    pub fn new(root: &Path, color: bool) -> Report {
        Report { root: root.to_path_buf(), color, files: Default::default() }
    }

    /// Colour when standard error is a terminal and `NO_COLOR` is not set (no-color.org).
    pub fn color_wanted() -> bool {
        use std::io::IsTerminal;
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
    }

    fn line(&mut self, path: &Path, line: usize) -> Option<String> {
        // Paths are relative to the site root, or (for files outside it, as `import` reads)
        // as the user gave them.
        let full = self.root.join(path);
        let lines = self.files.entry(path.to_path_buf()).or_insert_with(|| {
            let text = std::fs::read(&full).or_else(|_| std::fs::read(path)).ok()?;
            let text = String::from_utf8_lossy(&text).replace("\r\n", "\n").replace('\r', "\n");
            Some(text.lines().map(str::to_string).collect())
        });
        lines.as_ref()?.get(line.checked_sub(1)?).cloned()
    }

    /// The whole report for one diagnostic, ending in a newline.
    pub fn render(&mut self, d: &Diagnostic) -> String {
        let color = self.color;
        let paint =
            |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
        let (kind, kind_color) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let mut out = format!("{}{}\n", paint(kind_color, kind), paint("1", &format!(": {}", d.message)));
        let location = match (d.line, d.column) {
            (0, _) => d.path.display().to_string(),
            (line, 0) => format!("{}:{line}", d.path.display()),
            (line, col) => format!("{}:{line}:{col}", d.path.display()),
        };
        let source = if d.line > 0 { self.line(&d.path, d.line) } else { None };
        let width = if source.is_some() { d.line.to_string().len() } else { 1 };
        let pad = " ".repeat(width);
        let bar = paint("1;34", "|");
        out.push_str(&format!("{pad}{} {location}\n", paint("1;34", "-->")));
        if let Some(source) = source {
            let shown = source.replace('\t', "    ");
            out.push_str(&format!("{pad} {bar}\n"));
            out.push_str(&format!("{} {bar} {shown}\n", paint("1;34", &d.line.to_string())));
            if d.column > 0 {
                let before: String = source.chars().take(d.column - 1).collect();
                let under: String = source.chars().skip(d.column - 1).take(d.length).collect();
                let offset = display_width(&before.replace('\t', "    "));
                let carets = display_width(&under).max(1);
                out.push_str(&format!(
                    "{pad} {bar} {}{}\n",
                    " ".repeat(offset),
                    paint(kind_color, &"^".repeat(carets))
                ));
            }
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("{pad} {} {}\n", paint("1;34", "="), paint("1", &format!("help: {help}"))));
        }
        out
    }
}

/// Columns a terminal uses for `text`: East Asian wide and full-width characters take two.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if is_wide(c) {
                2
            } else if c.is_control() || is_zero_width(c) {
                0
            } else {
                1
            }
        })
        .sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD)
}

fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{0300}'..='\u{036F}' | '\u{FE00}'..='\u{FE0F}')
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
    fn report_quotes_the_line_with_a_caret_under_the_spot() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(dir.path().join("content/a.md"), "---\ntitle: 标题\ntittle: b\n---\n").unwrap();
        let d = Diagnostic::error("content/a.md", 3, 1, "front matter: unknown field `tittle`")
            .with_help("did you mean `title`?")
            .with_length(6);
        let text = Report::new(dir.path(), false).render(&d);
        assert_eq!(
            text,
            "error: front matter: unknown field `tittle`\n --> content/a.md:3:1\n  |\n3 | tittle: b\n  | ^^^^^^\n  = help: did you mean `title`?\n"
        );
    }

    #[test]
    fn carets_line_up_under_chinese_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "参见[另一篇](x.md)。\n").unwrap();
        let d = Diagnostic::warning("a.md", 1, 3, "broken link").with_length(3);
        let text = Report::new(dir.path(), false).render(&d);
        assert!(text.ends_with("1 | 参见[另一篇](x.md)。\n  |     ^^^^^\n"), "{text}");
    }

    #[test]
    fn whole_file_problems_have_no_source_line() {
        let d = Diagnostic::error("content/a.md", 0, 0, "two files on one URL");
        let text = Report::new(Path::new("/nonexistent"), false).render(&d);
        assert_eq!(text, "error: two files on one URL\n --> content/a.md\n");
    }

    #[test]
    fn colour_only_when_asked() {
        let d = Diagnostic::error("x.md", 0, 0, "bad");
        assert!(!Report::new(Path::new("/"), false).render(&d).contains('\x1b'));
        assert!(Report::new(Path::new("/"), true).render(&d).contains("\x1b[1;31merror\x1b[0m"));
    }

    #[test]
    fn display_names_file_line_column() {
        let d = Diagnostic::error("content/a.md", 3, 7, "unknown field `tittle`").with_help("did you mean `title`?");
        assert_eq!(d.to_string(), "content/a.md:3:7: error: unknown field `tittle`\n  help: did you mean `title`?");
    }
}
