//! Reads the header of a GitBook export: the `# title` line, the `{% hint %}` block of
//! `**Key:** value` lines, the `> summary` blockquote after it and the `---` rule that ends it.

use super::text;
use super::{GitbookMeta, Issue};

/// The export's placeholder summaries, meaning "this article has no summary".
const PLACEHOLDER_SUMMARIES: &[&str] = &["No brief available."];

/// The header read from an export.
pub(super) struct Header {
    pub meta: GitbookMeta,
    /// 0-based index of the first line after the header.
    pub body_start: usize,
    pub warnings: Vec<Issue>,
}

/// Finds the header's shape: the first non-blank line is a level-1 heading, the next opens a
/// `{% hint %}` block whose first non-blank line is a `**Key:** value` line. Returns the 0-based
/// indexes of the title and of the hint line.
pub(super) fn locate<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<(usize, usize)> {
    let mut non_blank = lines.into_iter().enumerate().filter(|(_, line)| !text::is_blank(line));
    let (title, title_line) = non_blank.next()?;
    title_text(title_line)?;
    let (hint, hint_line) = non_blank.next()?;
    if tag(hint_line)?.0 != "hint" {
        return None;
    }
    key_line(non_blank.next()?.1)?;
    Some((title, hint))
}

/// Reads the header; see [`super::extract`] for what is an error.
pub(super) fn parse(lines: &[&str]) -> Result<Header, Issue> {
    let Some((title_index, hint_index)) = locate(lines.iter().copied()) else {
        return Err(Issue::new(
            1,
            1,
            "not a GitBook export: expected a `# ` title line followed by a `{% hint %}` block \
             of `**Key:** value` lines",
        ));
    };
    let mut meta = GitbookMeta {
        title: text::unescape(title_text(lines[title_index]).unwrap_or("")),
        title_line: title_index + 1,
        ..GitbookMeta::default()
    };
    if meta.title.trim().is_empty() {
        return Err(Issue::new(
            title_index + 1,
            1,
            "the `# ` title line is empty: write the article's title after `# `",
        ));
    }

    let hint_line = lines[hint_index];
    let hint_column = text::column(hint_line, hint_line.len() - hint_line.trim_start().len());
    if !tag(hint_line).is_some_and(|(_, closed)| closed) {
        return Err(Issue::new(hint_index + 1, hint_column, "the `{% hint` tag is not closed with `%}` on its line"));
    }
    let Some(end_index) =
        (hint_index + 1..lines.len()).find(|&i| tag(lines[i]).is_some_and(|(name, _)| name == "endhint"))
    else {
        return Err(Issue::new(
            hint_index + 1,
            hint_column,
            "the `{% hint %}` block that holds the article's metadata is never closed: add \
             `{% endhint %}` after its last `**Key:** value` line",
        ));
    };

    let mut reader = KeyReader { meta: &mut meta, seen: Vec::new(), warnings: Vec::new() };
    for (index, line) in lines.iter().enumerate().take(end_index).skip(hint_index + 1) {
        if text::is_blank(line) {
            continue;
        }
        let Some(key) = key_line(line) else {
            return Err(Issue::new(
                index + 1,
                1,
                format!(
                    "expected a `**Key:** value` line or `{{% endhint %}}` inside the \
                     `{{% hint %}}` header opened at line {}",
                    hint_index + 1
                ),
            ));
        };
        reader.read(&key, index + 1)?;
    }
    let warnings = reader.finish(hint_index + 1);

    // The summary blockquote and the `---` rule after the block.
    let mut index = end_index + 1;
    while index < lines.len() && text::is_blank(lines[index]) {
        index += 1;
    }
    let summary_start = index;
    while index < lines.len() && text::is_quote(lines[index]) {
        index += 1;
    }
    if index > summary_start {
        let summary = text::join_quote(lines[summary_start..index].iter().copied());
        if !summary.is_empty() && !PLACEHOLDER_SUMMARIES.contains(&summary.as_str()) {
            meta.summary = Some(summary);
        }
    }
    let mut body_start = index;
    while index < lines.len() && text::is_blank(lines[index]) {
        index += 1;
    }
    if index < lines.len() && is_thematic_break(lines[index]) {
        body_start = index + 1;
    }

    Ok(Header { meta, body_start, warnings })
}

/// The title of a level-1 ATX heading line.
fn title_text(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if trimmed.starts_with("##") {
        return None;
    }
    text::heading_text(line)
}

/// The name of a `{% name ... %}` tag line and whether the tag is closed by `%}`.
fn tag(line: &str) -> Option<(&str, bool)> {
    let inner = text::trim(line).strip_prefix("{%")?;
    let closed = inner.ends_with("%}");
    let inner = inner.strip_suffix("%}").unwrap_or(inner);
    let inner = inner.trim_matches(|c: char| c == '-' || c.is_whitespace());
    let name = inner.split(|c: char| c.is_whitespace() || c == '%').next().filter(|name| !name.is_empty())?;
    Some((name, closed))
}

fn is_thematic_break(line: &str) -> bool {
    let trimmed = text::trim(line);
    let Some(first) = trimmed.chars().next() else {
        return false;
    };
    matches!(first, '-' | '*' | '_')
        && trimmed.chars().filter(|&c| c == first).count() >= 3
        && trimmed.chars().all(|c| c == first || c == ' ' || c == '\t')
}

/// One `**Key:** value` line.
struct KeyLine<'a> {
    key: &'a str,
    value: &'a str,
    /// Column of the value's first character.
    value_column: usize,
}

/// Reads `**Key:** value` (or `**Key**: value`; a full-width `：` works too).
fn key_line(line: &str) -> Option<KeyLine<'_>> {
    let rest = line.trim_start().strip_prefix("**")?;
    // A byte scan: `str::find` sets up a substring searcher, which costs more than reading
    // the few bytes of a key.
    let close = rest.as_bytes().windows(2).position(|pair| pair == b"**")?;
    let inner = &rest[..close];
    let after = &rest[close + 2..];
    let (key, after) = match inner.strip_suffix(':').or_else(|| inner.strip_suffix('：')) {
        Some(key) => (key, after),
        None => (inner, after.strip_prefix(':').or_else(|| after.strip_prefix('：'))?),
    };
    let key = key.trim();
    if key.is_empty() || key.contains('*') {
        return None;
    }
    let value_start = line.len() - after.trim_start().len();
    Some(KeyLine { key, value: text::trim(after), value_column: text::column(line, value_start) })
}

/// Collects the header's keys into the metadata.
struct KeyReader<'m> {
    meta: &'m mut GitbookMeta,
    /// Known keys already read (lowercase).
    seen: Vec<String>,
    warnings: Vec<Issue>,
}

impl KeyReader<'_> {
    fn read(&mut self, line: &KeyLine<'_>, number: usize) -> Result<(), Issue> {
        let key = line.key.to_ascii_lowercase();
        let known = matches!(key.as_str(), "category" | "author" | "published" | "stats" | "tags" | "original");
        if !known {
            self.meta.extra.push((line.key.to_string(), line.value.to_string()));
            return Ok(());
        }
        if self.seen.contains(&key) {
            self.warnings.push(Issue::new(
                number,
                1,
                format!("`**{}:**` appears twice in the header; the first one is used", line.key),
            ));
            return Ok(());
        }
        self.seen.push(key.clone());
        let warn = |message: String| Issue::new(number, line.value_column, message);
        let value = line.value;
        if value.is_empty() {
            self.warnings.push(warn(format!("`**{}:**` has no value", line.key)));
            if key == "published" {
                self.meta.published_line = number;
            }
            return Ok(());
        }
        match key.as_str() {
            "category" => self.meta.category = Some(text::unescape(value)),
            "author" => match text::inline_link(value) {
                Some((name, url)) => {
                    self.meta.author = Some(text::unescape(name).trim().to_string());
                    self.meta.author_url = (!url.is_empty()).then(|| url.to_string());
                }
                None => self.meta.author = Some(text::unescape(value)),
            },
            "published" => {
                if !is_date(value) {
                    return Err(warn(format!(
                        "`**Published:**` must be a real date written YYYY-MM-DD (like \
                         2023-07-29), found `{value}`"
                    )));
                }
                self.meta.published = Some(value.to_string());
                self.meta.published_line = number;
            }
            "stats" => {
                for problem in read_stats(value, self.meta) {
                    self.warnings.push(warn(problem));
                }
            }
            "tags" => {
                let (tags, problem) = read_tags(value);
                self.meta.tags = tags;
                if let Some(problem) = problem {
                    self.warnings.push(warn(problem));
                }
            }
            _ => {
                let url = match text::inline_link(value) {
                    Some((_, url)) => url,
                    None => value.strip_prefix('<').and_then(|v| v.strip_suffix('>')).unwrap_or(value),
                };
                self.meta.original_url = (!url.is_empty()).then(|| url.to_string());
            }
        }
        Ok(())
    }

    /// The warnings, plus one for each expected key the header lacks.
    fn finish(mut self, hint_line: usize) -> Vec<Issue> {
        for key in ["Author", "Published", "Original"] {
            if !self.seen.contains(&key.to_ascii_lowercase()) {
                self.warnings.push(Issue::new(hint_line, 1, format!("the header has no `**{key}:**` line")));
            }
        }
        self.warnings
    }
}

/// Whether `value` is a real calendar date written `YYYY-MM-DD`.
fn is_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) =
        (value[..4].parse::<i32>(), value[5..7].parse::<u8>(), value[8..].parse::<u8>())
    else {
        return false;
    };
    time::Month::try_from(month).and_then(|month| time::Date::from_calendar_date(year, month, day)).is_ok()
}

/// Reads `👁️ 12 views | 💬 3 comments | ⭐ 4 collects` into the metadata; returns a message for
/// each part it could not read.
fn read_stats(value: &str, meta: &mut GitbookMeta) -> Vec<String> {
    let mut problems = Vec::new();
    for part in value.split('|').map(str::trim).filter(|p| !p.is_empty()) {
        // The first run of digits (`,` allowed between them), read as a u64 would parse it:
        // none, or too many, is no number.
        let mut digits = part
            .bytes()
            .skip_while(|b| !b.is_ascii_digit())
            .take_while(|b| b.is_ascii_digit() || *b == b',')
            .filter(|b| *b != b',')
            .peekable();
        let number = digits
            .peek()
            .is_some()
            .then(|| digits.try_fold(0u64, |n, b| n.checked_mul(10)?.checked_add(u64::from(b - b'0'))))
            .flatten();
        // Compared ignoring ASCII case, as the lowercased part would be: no other character
        // lowercases into these words.
        let has = |word: &str| part.as_bytes().windows(word.len()).any(|w| w.eq_ignore_ascii_case(word.as_bytes()));
        let slot = if has("view") || part.contains("浏览") {
            &mut meta.views
        } else if has("comment") || part.contains("评论") {
            &mut meta.comments
        } else if has("collect") || part.contains("收藏") {
            &mut meta.collects
        } else {
            problems.push(format!("`{part}` in `**Stats:**` is not a count of views, comments or collects"));
            continue;
        };
        match number {
            Some(count) => *slot = Some(count),
            None => problems.push(format!("`{part}` in `**Stats:**` has no number")),
        }
    }
    problems
}

/// Reads tags from backtick spans, a comma-separated list, or `None`; also returns a message
/// when part of the value was not understood.
fn read_tags(value: &str) -> (Vec<String>, Option<String>) {
    if value.eq_ignore_ascii_case("none") {
        return (Vec::new(), None);
    }
    let mut problem = None;
    let raw: Vec<&str> = if value.contains('`') {
        let pieces: Vec<&str> = value.split('`').collect();
        if pieces.len().is_multiple_of(2) {
            problem = Some("a backtick in `**Tags:**` is not closed".to_string());
        }
        let outside: String = pieces
            .iter()
            .step_by(2)
            .flat_map(|p| p.chars())
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '、'))
            .collect();
        if !outside.is_empty() && problem.is_none() {
            problem = Some(format!("text outside the backtick spans of `**Tags:**` was ignored: `{outside}`"));
        }
        pieces.iter().skip(1).step_by(2).copied().collect()
    } else {
        value.split([',', '，', '、']).collect()
    };
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.into_iter().map(text::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    (tags, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(source: &str) -> Result<Header, Issue> {
        parse(&text::split_lines(source))
    }

    fn header(keys: &str) -> String {
        format!("# 标题\n{{% hint style=\"info\" %}}\n{keys}\n{{% endhint %}}\n> 摘要\n\n---\n\n正文\n")
    }

    const ALL_KEYS: &str = "**Author:** [作者](https://www.woshipm.com/u/1)\n\
                            **Published:** 2023-07-29\n\
                            **Original:** [View](https://www.woshipm.com/a/1.html)";

    #[test]
    fn flat_layout_reads_comma_separated_tags() {
        let source = header(&format!("{ALL_KEYS}\n**Tags:** 3年,中级,创业感受"));
        assert_eq!(parse_text(&source).unwrap().meta.tags, ["3年", "中级", "创业感受"]);
    }

    #[test]
    fn tags_accept_full_width_commas_and_drop_duplicates() {
        let (tags, problem) = read_tags("产品，运营、 产品 ,增长");
        assert_eq!(tags, ["产品", "运营", "增长"]);
        assert_eq!(problem, None);
    }

    #[test]
    fn tags_none_means_no_tags() {
        assert_eq!(read_tags("None"), (Vec::new(), None));
    }

    #[test]
    fn tags_in_backticks_with_stray_text_warn() {
        let (tags, problem) = read_tags("`a` oops `b`");
        assert_eq!(tags, ["a", "b"]);
        assert!(problem.unwrap().contains("oops"));
        let (tags, problem) = read_tags("`a` `b");
        assert_eq!(tags, ["a", "b"]);
        assert!(problem.unwrap().contains("not closed"));
    }

    #[test]
    fn stats_are_read_and_bad_parts_reported() {
        let mut meta = GitbookMeta::default();
        let problems = read_stats("👁️ 12,688 views | 💬 0 comments | ⭐ 77 collects", &mut meta);
        assert!(problems.is_empty());
        assert_eq!((meta.views, meta.comments, meta.collects), (Some(12688), Some(0), Some(77)));
        let problems = read_stats("👍 5 likes | 💬 many comments", &mut meta);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("5 likes"));
        assert!(problems[1].contains("no number"));

        let mut meta = GitbookMeta::default();
        let problems = read_stats("3 VIEWS | 99999999999999999999 Comments | 收藏 4", &mut meta);
        assert_eq!((meta.views, meta.comments, meta.collects), (Some(3), None, Some(4)));
        assert_eq!(problems, ["`99999999999999999999 Comments` in `**Stats:**` has no number"]);
    }

    #[test]
    fn unknown_keys_are_kept_in_extra() {
        let source = header(&format!("{ALL_KEYS}\n**Reading time:** 5 min\n**译者：** 某人"));
        let meta = parse_text(&source).unwrap().meta;
        assert_eq!(
            meta.extra,
            [("Reading time".to_string(), "5 min".to_string()), ("译者".to_string(), "某人".to_string())]
        );
    }

    #[test]
    fn plain_author_and_bare_original_url() {
        let source = header("**Author:** 某人\n**Published:** 2020-02-29\n**Original:** <https://example.com/a>");
        let meta = parse_text(&source).unwrap().meta;
        assert_eq!(meta.author.as_deref(), Some("某人"));
        assert_eq!(meta.author_url, None);
        assert_eq!(meta.original_url.as_deref(), Some("https://example.com/a"));
    }

    #[test]
    fn missing_keys_and_duplicates_are_warnings() {
        let source = header("**Tags:** a\n**Tags:** b");
        let parsed = parse_text(&source).unwrap();
        assert_eq!(parsed.meta.tags, ["a"]);
        let messages: Vec<String> = parsed.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            messages,
            [
                "4:1: `**Tags:**` appears twice in the header; the first one is used",
                "2:1: the header has no `**Author:**` line",
                "2:1: the header has no `**Published:**` line",
                "2:1: the header has no `**Original:**` line",
            ]
        );
    }

    #[test]
    fn an_unclosed_hint_block_is_an_error_at_the_tag() {
        let source = "# 标题\n  {% hint style=\"info\" %}\n**Author:** 某人\n> 摘要\n\n---\n正文\n";
        let err = parse_text(source).err().unwrap();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(err.message.contains("never closed"), "{}", err.message);
        assert!(err.message.contains("{% endhint %}"));
    }

    #[test]
    fn a_hint_tag_without_its_percent_brace_is_an_error() {
        let source = "# 标题\n{% hint style=\"info\"\n**Author:** 某人\n{% endhint %}\n";
        let err = parse_text(source).err().unwrap();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("`%}`"), "{}", err.message);
    }

    #[test]
    fn a_stray_line_inside_the_block_is_an_error_at_that_line() {
        let source = header(&format!("{ALL_KEYS}\nsome note"));
        let err = parse_text(&source).err().unwrap();
        assert_eq!((err.line, err.column), (6, 1));
        assert!(err.message.contains("`**Key:** value`"), "{}", err.message);
        assert!(err.message.contains("line 2"));
    }

    #[test]
    fn a_bad_published_date_is_an_error_at_the_value() {
        for bad in ["2023-02-30", "29/07/2023", "2023-7-29", "2023-07-29 10:00"] {
            let source = header(&format!("**Author:** 某人\n**Published:**  {bad}"));
            let err = parse_text(&source).err().unwrap();
            assert_eq!((err.line, err.column), (4, 17), "{bad}");
            assert!(err.message.contains(bad), "{}", err.message);
            assert!(err.message.contains("YYYY-MM-DD"));
        }
    }

    #[test]
    fn an_empty_title_is_an_error() {
        let err = parse_text("#  \n{% hint %}\n**Author:** a\n{% endhint %}\n").err().unwrap();
        assert_eq!((err.line, err.column), (1, 1));
        assert!(err.message.contains("title"));
    }

    #[test]
    fn title_escapes_are_resolved() {
        let source = header(ALL_KEYS).replace("# 标题", r"# 1\. 标题 \*重要\*");
        assert_eq!(parse_text(&source).unwrap().meta.title, "1. 标题 *重要*");
    }

    #[test]
    fn multi_line_summary_is_joined() {
        let source =
            header(ALL_KEYS).replace("> 摘要\n", "> 第一行\n> 接着 English words\n> continue here\n>\n> 第二段。\n");
        let parsed = parse_text(&source).unwrap();
        assert_eq!(parsed.meta.summary.as_deref(), Some("第一行接着 English words continue here\n\n第二段。"));
        assert_eq!(parsed.body_start, 13);
    }

    #[test]
    fn placeholder_summary_means_none() {
        let source = header(ALL_KEYS).replace("> 摘要", "> No brief available.");
        let parsed = parse_text(&source).unwrap();
        assert_eq!(parsed.meta.summary, None);
        assert_eq!(parsed.body_start, 9);
    }

    #[test]
    fn header_without_summary_or_rule_ends_after_the_block() {
        let source = header(ALL_KEYS).replace("> 摘要\n\n---\n", "");
        let parsed = parse_text(&source).unwrap();
        assert_eq!(parsed.meta.summary, None);
        assert_eq!(parsed.body_start, 7);
        assert!(parsed.warnings.is_empty());
    }
}
