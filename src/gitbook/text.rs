//! Small text helpers shared by the header reader and the boilerplate rules: splitting lines,
//! trimming the invisible characters exports leave around text, comparing titles and quotes,
//! and reading inline Markdown links.

/// The lines of `source` split on `\n` (so a trailing newline gives a last, empty line), each
/// without its `\r`, and the first without a byte-order mark.
pub(super) fn split_lines(source: &str) -> Vec<&str> {
    // The same lines as `lines`, found with memchr (SIMD) rather than `split`'s searcher, into
    // a list made at its size (collecting `split` grew it by doubling: it has no size hint).
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let bytes = source.as_bytes();
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        let line = &source[start..end];
        out.push(line.strip_suffix('\r').unwrap_or(line));
        start = end + 1;
    }
    let last = &source[start..];
    out.push(last.strip_suffix('\r').unwrap_or(last));
    out
}

/// [`split_lines`], one at a time.
pub(super) fn lines(source: &str) -> impl Iterator<Item = &str> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    source.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line))
}

fn is_invisible(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}')
}

/// `line` without surrounding whitespace, non-breaking and zero-width spaces.
pub(super) fn trim(line: &str) -> &str {
    line.trim_matches(is_invisible)
}

pub(super) fn is_blank(line: &str) -> bool {
    trim(line).is_empty()
}

/// The 1-based character column of byte offset `byte` in `line`.
pub(super) fn column(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

/// `text` with runs of whitespace (any kind, zero-width included) collapsed to one space and
/// trimmed: how titles and summaries are compared.
pub(super) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    out.extend(normalized(text.chars()));
    out
}

/// [`normalize`] over characters, one at a time.
fn normalized(mut chars: impl Iterator<Item = char>) -> impl Iterator<Item = char> {
    // Something visible came already (a gap before it is no space); the character owed after
    // the space that stands for a gap.
    let (mut started, mut owed) = (false, None);
    std::iter::from_fn(move || {
        if let Some(c) = owed.take() {
            return Some(c);
        }
        let mut gap = false;
        loop {
            let c = chars.next()?;
            if is_invisible(c) {
                gap = started;
                continue;
            }
            started = true;
            if gap {
                owed = Some(c);
                return Some(' ');
            }
            return Some(c);
        }
    })
}

/// `text` with Markdown backslash escapes of ASCII punctuation resolved (`1\.` -> `1.`).
pub(super) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    out.extend(unescaped(text));
    out
}

/// [`unescape`], one character at a time.
fn unescaped(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        let c = chars.next()?;
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            chars.next();
            return Some(next);
        }
        Some(c)
    })
}

/// Whether `normalize(&unescape(text)) == normalized`, decided without building either string:
/// every heading of every export is compared with its title.
pub(super) fn unescapes_to_normalized(text: &str, normalized_text: &str) -> bool {
    normalized(unescaped(text)).eq(normalized_text.chars())
}

/// The text of an ATX heading line (`## text ##`), if `line` is one.
pub(super) fn heading_text(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let level = rest.len() - rest.trim_start_matches('#').len();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &rest[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim();
    // An optional closing sequence of `#`s, separated by a space.
    let without_closing = text.trim_end_matches('#');
    if without_closing.is_empty() {
        return Some("");
    }
    if without_closing.len() < text.len() && without_closing.ends_with([' ', '\t']) {
        return Some(without_closing.trim_end());
    }
    Some(text)
}

/// Joins the lines of a `>` blockquote into text: lines of one paragraph are joined directly,
/// with a space only where two Latin words would otherwise touch; paragraphs (separated by an
/// empty `>` line) are joined by a blank line.
pub(super) fn join_quote<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut paragraph_break = false;
    for line in lines {
        let text = trim(quote_text(line));
        if text.is_empty() {
            paragraph_break = !out.is_empty();
            continue;
        }
        if paragraph_break {
            out.push_str("\n\n");
            paragraph_break = false;
        } else if out.ends_with(|c: char| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            out.push(' ');
        }
        out.push_str(text);
    }
    out
}

/// The content of a blockquote line after its `>` marker and one optional space.
pub(super) fn quote_text(line: &str) -> &str {
    let rest = trim(line).strip_prefix('>').unwrap_or("");
    rest.strip_prefix(' ').unwrap_or(rest)
}

pub(super) fn is_quote(line: &str) -> bool {
    trim(line).starts_with('>')
}

/// Reads `text` as exactly one inline link `[label](destination "title")` and returns the label
/// and the destination (angle brackets removed). `None` when `text` is anything else.
pub(super) fn inline_link(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('[')?;
    let mut depth = 0usize;
    let mut escaped = false;
    let mut label_end = None;
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => depth += 1,
            ']' if depth == 0 => {
                label_end = Some(i);
                break;
            }
            ']' => depth -= 1,
            _ => {}
        }
    }
    let label_end = label_end?;
    let label = &rest[..label_end];
    let target = rest[label_end + 1..].strip_prefix('(')?.strip_suffix(')')?.trim();
    let destination = if let Some(angled) = target.strip_prefix('<') {
        &angled[..angled.find('>')?]
    } else {
        target.split_whitespace().next().unwrap_or("")
    };
    Some((label, destination))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_lines_drops_carriage_returns_and_bom() {
        assert_eq!(split_lines("\u{feff}a\r\nb\n"), ["a", "b", ""]);
        assert_eq!(split_lines("a"), ["a"]);
        for text in ["", "\n", "\r\n", "产品\r\n\n经理\r", "\u{feff}\n\n a \r\r\n"] {
            assert_eq!(split_lines(text), lines(text).collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn trim_removes_invisible_spaces() {
        assert_eq!(trim("\u{a0}\u{200b} 分享 \u{3000}"), "分享");
    }

    #[test]
    fn normalize_collapses_spacing() {
        assert_eq!(normalize(" AI 生成  |\u{a0} 标题 "), "AI 生成 | 标题");
    }

    #[test]
    fn unescapes_to_normalized_agrees_with_building_the_strings() {
        let texts = [
            "",
            " ",
            "标题",
            " AI 生成  |\u{a0} 标题 ",
            r"1\. 标题 \* a\b",
            "a\\",
            "a\u{200b}b",
            "AI 生成 | 标题",
            "AI",
        ];
        for text in texts {
            for target in texts.iter().map(|t| normalize(&unescape(t))) {
                assert_eq!(
                    unescapes_to_normalized(text, &target),
                    normalize(&unescape(text)) == target,
                    "{text:?} against {target:?}"
                );
            }
        }
    }

    #[test]
    fn unescape_resolves_punctuation_only() {
        assert_eq!(unescape(r"1\. 标题 \* a\b"), r"1. 标题 * a\b");
    }

    #[test]
    fn heading_text_reads_atx_headings() {
        assert_eq!(heading_text("## 标题"), Some("标题"));
        assert_eq!(heading_text("# 标题 ##"), Some("标题"));
        assert_eq!(heading_text("### C#"), Some("C#"));
        assert_eq!(heading_text("#标题"), None);
        assert_eq!(heading_text("####### 七级"), None);
        assert_eq!(heading_text("    ## 代码"), None);
    }

    #[test]
    fn join_quote_joins_lines_and_paragraphs() {
        assert_eq!(join_quote(["> 第一行", "> 第二行"]), "第一行第二行");
        assert_eq!(join_quote(["> first line", "> second"]), "first line second");
        assert_eq!(join_quote(["> 一", ">", "> 二", "> "]), "一\n\n二");
    }

    #[test]
    fn inline_link_reads_label_and_destination() {
        assert_eq!(inline_link("[名字](https://a.example/u/1)"), Some(("名字", "https://a.example/u/1")));
        assert_eq!(inline_link("[a [b]](<https://x.example/a b> \"t\")"), Some(("a [b]", "https://x.example/a b")));
        assert_eq!(inline_link("[a](b) tail"), None);
        assert_eq!(inline_link("plain"), None);
    }
}
