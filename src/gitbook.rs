//! Reads articles exported from a GitBook-style mirror (no front matter; a `# title` line, a
//! `{% hint %}` block of `**Key:** value` lines, a `> summary` and a `---` rule instead) and
//! turns them into metadata plus a clean Markdown body.
//!
//! The body keeps every line of the file in place: the header and each piece of export
//! boilerplate (author avatar, stats line, course adverts, share and QR-code widgets, ...) is
//! replaced by an empty line, so line N of the body is line N of the file and later stages can
//! report errors against the writer's own file. Boilerplate is recognised by an ordered list of
//! named rules ([`Boilerplate`]) with defaults tuned on real exports that `site.toml` can extend;
//! what each rule removed is listed in [`Extracted::removed`] for import reports.
//!
//! This module does no I/O: it works on the text of one file.

mod header;
mod rules;
mod text;

pub use rules::{Boilerplate, RuleSpec};

/// The metadata carried by an export's header.
///
/// Line numbers are 1-based file lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitbookMeta {
    /// The text of the `# ` title line, Markdown escapes resolved.
    pub title: String,
    pub title_line: usize,
    /// `**Category:**`, as written (for example `Pmd`); the oldest exports have none.
    pub category: Option<String>,
    /// The author's name, from `**Author:** [name](url)` or a plain name.
    pub author: Option<String>,
    pub author_url: Option<String>,
    /// `**Published:**` as written, checked to be a real `YYYY-MM-DD` date.
    pub published: Option<String>,
    /// The line of `**Published:**`, or 0 when the header has none.
    pub published_line: usize,
    pub views: Option<u64>,
    pub comments: Option<u64>,
    pub collects: Option<u64>,
    /// From backtick spans (`` `a` `b` ``), a comma-separated list (`a,b`, also `，` and `、`),
    /// or `None` for no tags. Duplicates are dropped, order is kept.
    pub tags: Vec<String>,
    /// The link target of `**Original:**`.
    pub original_url: Option<String>,
    /// The `> ` blockquote right after the header block; lines of one paragraph are joined
    /// (with a space only between Latin words), paragraphs are separated by a blank line.
    /// The export's placeholder for "no summary" gives `None`.
    pub summary: Option<String>,
    /// Every other `**Key:** value` line of the header, in order, kept as written.
    pub extra: Vec<(String, String)>,
}

/// One stretch of lines a boilerplate rule removed from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The rule's name, as listed by [`Boilerplate::names`].
    pub rule: String,
    /// The first removed line (1-based file line).
    pub line: usize,
    /// How many lines were removed, from `line` on.
    pub lines: usize,
}

/// A problem in a source file, at a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct Issue {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Issue {
    pub(crate) fn new(line: usize, column: usize, message: impl Into<String>) -> Self {
        Issue { line, column, message: message.into() }
    }
}

/// What [`extract`] makes of one export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub meta: GitbookMeta,
    /// The source with the header and the removed boilerplate replaced by empty lines: it has
    /// the same number of lines as the source, and body line N is file line N.
    pub body: String,
    /// The first file line after the header (1-based); the article's own text starts here or
    /// later.
    pub body_start: usize,
    /// What each boilerplate rule removed, in file order.
    pub removed: Vec<Removed>,
    /// Problems worth telling the writer that did not stop the extraction.
    pub warnings: Vec<Issue>,
}

/// Whether `source` looks like a GitBook export: its first non-blank line is a `# ` title, the
/// next non-blank line opens a `{% hint ... %}` block, and the block's first non-blank line is a
/// `**Key:** value` line.
pub fn detect(source: &str) -> bool {
    // Only the first few lines are read: no list of all of them.
    header::locate(text::lines(source)).is_some()
}

/// Reads the header of a GitBook export into [`GitbookMeta`] and strips its boilerplate from the
/// body with `rules`.
///
/// Returns an error, at the line and column to fix, when the header is malformed: the file is not
/// a GitBook export at all (see [`detect`]), the `{% hint %}` block is never closed, a line inside
/// it is not a `**Key:** value` line, the title is empty, or `**Published:**` is not a real
/// `YYYY-MM-DD` date. Lesser problems (no author, unreadable stats, a course card that never
/// ends, ...) are returned as [`Extracted::warnings`].
pub fn extract(source: &str, rules: &Boilerplate) -> Result<Extracted, Issue> {
    let lines = text::split_lines(source);
    let header = header::parse(&lines)?;
    let mut warnings = header.warnings;
    let stripped = rules.strip(&lines, header.body_start, &header.meta, &mut warnings);

    // The body is made from `lines`, not from a second split of the source: each line is a
    // slice of `source`, and whether the file had a `\r` after it is the byte that follows it.
    // (Splitting a long Chinese line costs ~0.7 instructions a byte; this halves that.)
    let mut body = String::with_capacity(source.len());
    let start = source.as_ptr() as usize;
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            body.push('\n');
        }
        let end = line.as_ptr() as usize - start + line.len();
        let carriage_return = source.as_bytes().get(end) == Some(&b'\r');
        if index < header.body_start || stripped.blank[index] {
            // Keep a CRLF file's line endings uniform.
            if carriage_return {
                body.push('\r');
            }
        } else {
            // Not the first line (which is the header's, with a byte-order mark `lines` left
            // out): the line as the file has it.
            body.push_str(line);
            if carriage_return {
                body.push('\r');
            }
        }
    }

    Ok(Extracted { meta: header.meta, body, body_start: header.body_start + 1, removed: stripped.removed, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An invented export in the current layout, with every kind of boilerplate the defaults
    /// know about.
    const CURRENT: &str = "\
# 测试标题：一个例子
{% hint style=\"info\" %}
**Category:** Pmd
**Author:** [某作者](https://www.woshipm.com/u/42)
**Published:** 2024-02-29  
**Stats:** 👁️ 1200 views | 💬 3 comments | ⭐ 45 collects
**Tags:** `AI` `产品`
**Original:** [View on woshipm.com](https://www.woshipm.com/pmd/1.html)
{% endhint %}
> 这是一段摘要。

---

## 测试标题：一个例子

[![](https://static.woshipm.com/a.jpg?imageView2/1/w/72/h/72/q/100)](https://www.woshipm.com/u/42)

[某作者](https://www.woshipm.com/u/42) ![](https://static.woshipm.com/tag/1121_1@2x.png) 关注

2024-02-29

3 评论 1200 浏览 45 收藏 9 分钟

[🔗 课程广告文字](https://ke.qidianla.com/courses/bcpm)

> 这是一段摘要。

![](https://image.woshipm.com/banner.jpg)

第一段正文。

[![](https://image.woshipm.com/card.png)

卡片标题

卡片文字...

查看详情 >

](https://ke.qidianla.com/courses/bcpm)

第二段正文。

作者：某作者

本文由 @某作者 原创发布于人人都是产品经理。未经许可，禁止转载

题图来自Unsplash，基于CC0协议

赞赏 收藏已收藏45 点赞已赞2

更多精彩内容，请关注人人都是产品经理微信公众号或下载App

[AI](https://www.woshipm.com/tag/ai)[产品](https://www.woshipm.com/tag/%e4%ba%a7)

[分享到微博](https://service.weibo.com/share/share.php?appkey=1&title=测试标题(一)&url=https://www.woshipm.com/pmd/1.html)

微信扫一扫

![微信二维码](https://api.pwmqr.com/qrcode/create/?url=https://www.woshipm.com/pmd/1.html)

分享
";

    /// An invented export in the old layout: blank line after the title, no category, trailing
    /// spaces, and the byline and the share widgets each run together on one line.
    const OLD: &str = "\
# 旧版标题

{% hint style=\"info\" %}
**Author:** [旧作者](https://www.woshipm.com/u/7)  
**Published:** 2024-10-27  
**Stats:** 👁️ 36 views | 💬 2 comments | ⭐ 7 collects  
**Tags:** `甲` `乙`  
**Original:** [View on woshipm.com](https://www.woshipm.com/marketing/9.html)
{% endhint %}

> 旧版摘要。

---

## 旧版标题

[![](https://static.woshipm.com/v.png?imageView2/1/w/72/h/72/q/100)](https://www.woshipm.com/u/7)[旧作者](https://www.woshipm.com/u/7) ![](https://static.woshipm.com/tag/1101_1@2x.png ) 关注2024-10-272 评论 36 浏览 7 收藏 11 分钟[课程广告 🔗](https://ke.qidianla.com/courses/bcpm)

> 旧版摘要。

正文第一段。

[![](https://image.woshipm.com/card.png)卡片标题卡片文字查看详情 >](https://ke.qidianla.com/courses/bcpm)

正文第二段。

赞赏 收藏已收藏7 点赞已赞2更多精彩内容，请关注人人都是产品经理微信公众号或下载App[甲](https://www.woshipm.com/tag/a)[乙](https://www.woshipm.com/tag/b)[分享到微博](https://service.weibo.com/share/share.php?title=旧版标题)微信扫一扫![微信二维码](https://api.pwmqr.com/qrcode/create/?url=x)分享";

    fn extract_default(source: &str) -> Extracted {
        extract(source, &Boilerplate::defaults()).expect("extracts")
    }

    fn body_line(extracted: &Extracted, line: usize) -> &str {
        extracted.body.split('\n').nth(line - 1).unwrap_or("")
    }

    fn removed_by<'a>(extracted: &'a Extracted, rule: &str) -> Vec<&'a Removed> {
        extracted.removed.iter().filter(|r| r.rule == rule).collect()
    }

    fn source_line(source: &str, line: usize) -> &str {
        source.split('\n').nth(line - 1).unwrap()
    }

    #[test]
    fn current_layout_header_becomes_metadata() {
        let got = extract_default(CURRENT);
        let meta = &got.meta;
        assert_eq!(meta.title, "测试标题：一个例子");
        assert_eq!(meta.title_line, 1);
        assert_eq!(meta.category.as_deref(), Some("Pmd"));
        assert_eq!(meta.author.as_deref(), Some("某作者"));
        assert_eq!(meta.author_url.as_deref(), Some("https://www.woshipm.com/u/42"));
        assert_eq!(meta.published.as_deref(), Some("2024-02-29"));
        assert_eq!(meta.published_line, 5);
        assert_eq!((meta.views, meta.comments, meta.collects), (Some(1200), Some(3), Some(45)));
        assert_eq!(meta.tags, ["AI", "产品"]);
        assert_eq!(meta.original_url.as_deref(), Some("https://www.woshipm.com/pmd/1.html"));
        assert_eq!(meta.summary.as_deref(), Some("这是一段摘要。"));
        assert!(meta.extra.is_empty());
        assert_eq!(got.body_start, 13);
        assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    }

    #[test]
    fn body_keeps_every_line_in_place() {
        for source in [CURRENT, OLD] {
            let got = extract_default(source);
            assert_eq!(got.body.split('\n').count(), source.split('\n').count(), "{}", got.body);
            for (n, line) in got.body.split('\n').enumerate() {
                assert!(
                    line.is_empty() || line == source_line(source, n + 1),
                    "line {} moved or changed: {line}",
                    n + 1
                );
            }
        }
    }

    #[test]
    fn current_layout_boilerplate_is_removed_and_text_kept() {
        let got = extract_default(CURRENT);
        let expected = [
            ("title-heading", 14, 1),
            ("author-avatar", 16, 1),
            ("author-name", 18, 1),
            ("date-line", 20, 1),
            ("stats-line", 22, 1),
            ("course-link", 24, 1),
            ("summary-repeat", 26, 1),
            ("course-card", 32, 9),
            ("appreciate-bar", 50, 1),
            ("follow-prompt", 52, 1),
            ("tag-links", 54, 1),
            ("share-weibo", 56, 1),
            ("wechat-scan", 58, 1),
            ("wechat-qr", 60, 1),
            ("share-label", 62, 1),
        ];
        let got_removed: Vec<(&str, usize, usize)> =
            got.removed.iter().map(|r| (r.rule.as_str(), r.line, r.lines)).collect();
        assert_eq!(got_removed, expected);

        let body = &got.body;
        for gone in [
            "{% hint",
            "关注",
            "ke.qidianla.com",
            "查看详情",
            "赞赏",
            "微信扫一扫",
            "woshipm.com/tag/",
            "分享",
            "这是一段摘要",
        ] {
            assert!(!body.contains(gone), "{gone} left in:\n{body}");
        }
        for kept in [
            "![](https://image.woshipm.com/banner.jpg)",
            "第一段正文。",
            "第二段正文。",
            "作者：某作者",
            "本文由 @某作者 原创发布",
            "题图来自Unsplash",
        ] {
            assert!(body.contains(kept), "{kept} lost from:\n{body}");
        }
        assert_eq!(body_line(&got, 28), "![](https://image.woshipm.com/banner.jpg)");
    }

    #[test]
    fn old_layout_reads_header_and_run_together_lines() {
        let got = extract_default(OLD);
        let meta = &got.meta;
        assert_eq!(meta.title, "旧版标题");
        assert_eq!(meta.category, None);
        assert_eq!(meta.author.as_deref(), Some("旧作者"));
        assert_eq!(meta.published.as_deref(), Some("2024-10-27"));
        assert_eq!(meta.published_line, 5);
        assert_eq!(meta.tags, ["甲", "乙"]);
        assert_eq!(meta.views, Some(36));
        assert_eq!(meta.summary.as_deref(), Some("旧版摘要。"));
        assert_eq!(got.body_start, 14);

        let rules: Vec<&str> = got.removed.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(
            rules,
            ["title-heading", "byline-run-together", "summary-repeat", "course-link", "share-run-together"]
        );
        assert_eq!(got.body.trim(), "正文第一段。\n\n\n\n正文第二段。");
    }

    #[test]
    fn head_rules_leave_the_same_text_alone_inside_the_article() {
        let source = CURRENT.replace("第二段正文。", "2024-02-29\n\n关注\n\n第二段正文。");
        let got = extract_default(&source);
        assert!(got.body.contains("\n2024-02-29\n"), "{}", got.body);
        assert!(got.body.contains("\n关注\n"));
        assert_eq!(removed_by(&got, "date-line").len(), 1);
    }

    #[test]
    fn tail_rules_leave_the_same_text_alone_inside_the_article() {
        let source = CURRENT.replace("第一段正文。", "第一段正文。\n\n分享\n\n微信扫一扫");
        let got = extract_default(&source);
        assert!(got.body.contains("\n分享\n"), "{}", got.body);
        assert!(got.body.contains("\n微信扫一扫\n"));
        assert_eq!(removed_by(&got, "share-label").len(), 1);
    }

    #[test]
    fn a_title_heading_that_differs_from_the_title_is_kept() {
        let source = CURRENT.replace("## 测试标题：一个例子", "## 另一个标题");
        let got = extract_default(&source);
        assert_eq!(body_line(&got, 14), "## 另一个标题");
        assert!(removed_by(&got, "title-heading").is_empty());
    }

    #[test]
    fn title_heading_matches_despite_spacing() {
        let source = CURRENT
            .replace("# 测试标题：一个例子\n", "# AI 生成  |  标题\n")
            .replace("## 测试标题：一个例子", "## AI 生成 | 标题");
        let got = extract_default(&source);
        assert_eq!(removed_by(&got, "title-heading").len(), 1);
    }

    #[test]
    fn summary_repeat_keeps_the_rest_of_a_longer_quote() {
        let source = CURRENT.replace("\n> 这是一段摘要。\n\n![]", "\n> 这是一段摘要。\n> \n> 引言的第二段。\n\n![]");
        let got = extract_default(&source);
        let summary = removed_by(&got, "summary-repeat");
        assert_eq!(summary.len(), 1);
        assert_eq!((summary[0].line, summary[0].lines), (26, 2));
        assert_eq!(body_line(&got, 28), "> 引言的第二段。");
    }

    #[test]
    fn a_quote_that_is_not_the_summary_is_kept() {
        let source = CURRENT.replace("\n> 这是一段摘要。\n\n![]", "\n> 别人的一句话。\n\n![]");
        let got = extract_default(&source);
        assert!(got.body.contains("> 别人的一句话。"));
        assert!(removed_by(&got, "summary-repeat").is_empty());
    }

    #[test]
    fn a_course_card_without_its_end_is_kept_with_a_warning() {
        let source = CURRENT.replace("](https://ke.qidianla.com/courses/bcpm)\n\n第二段", "\n\n第二段");
        let got = extract_default(&source);
        assert!(got.body.contains("卡片文字..."));
        let warning =
            got.warnings.iter().find(|w| w.message.contains("course-card")).expect("a warning about the card");
        assert_eq!((warning.line, warning.column), (32, 1));
    }

    #[test]
    fn lines_in_code_blocks_are_never_boilerplate() {
        let source = CURRENT
            .replace("第二段正文。", "第二段正文。\n\n```\n分享\n2024-02-29\n[🔗 x](https://ke.qidianla.com/c)\n```");
        let got = extract_default(&source);
        assert!(got.body.contains("```\n分享\n2024-02-29\n[🔗 x](https://ke.qidianla.com/c)\n```"), "{}", got.body);
    }

    #[test]
    fn crlf_sources_keep_their_lines() {
        let source = CURRENT.replace('\n', "\r\n");
        let got = extract_default(&source);
        assert_eq!(got.body.split('\n').count(), source.split('\n').count());
        assert!(got.body.contains("第一段正文。\r\n"));
        assert!(!got.body.contains("微信扫一扫"));
        assert_eq!(got.meta.published.as_deref(), Some("2024-02-29"));
        assert_eq!(got.removed.len(), 15);
    }

    #[test]
    fn an_article_that_is_all_boilerplate_warns() {
        let end = CURRENT.find("![](https://image.woshipm.com/banner.jpg)").unwrap();
        let got = extract_default(&CURRENT[..end]);
        assert!(got.warnings.iter().any(|w| w.message.contains("no article text")), "{:?}", got.warnings);
    }

    #[test]
    fn extra_rules_remove_lines_and_cards() {
        let specs: Vec<RuleSpec> = vec![
            RuleSpec {
                name: "legal".into(),
                pattern: "该文观点仅代表作者本人.*".into(),
                until: None,
                scope: Some("tail".into()),
            },
            RuleSpec {
                name: "vote-box".into(),
                pattern: "### 为我投票".into(),
                until: Some(r"\*\*投票传送门.*".into()),
                scope: None,
            },
        ];
        let rules = Boilerplate::defaults().with_extra(&specs).unwrap();
        let source = CURRENT.replace(
            "题图来自Unsplash，基于CC0协议\n",
            "题图来自Unsplash，基于CC0协议\n\n该文观点仅代表作者本人，平台仅提供信息存储空间服务。\n",
        );
        let source = source.replace(
            "第二段正文。",
            "第二段正文。\n\n### 为我投票\n\n请投票。\n\n**投票传送门：[x](https://example.com)**\n\n第三段正文。",
        );
        let got = extract(&source, &rules).unwrap();
        assert!(!got.body.contains("该文观点"));
        assert!(!got.body.contains("投票"));
        assert!(got.body.contains("第三段正文。"));
        let vote = removed_by(&got, "vote-box");
        assert_eq!(vote.len(), 1);
        assert_eq!(vote[0].lines, 5);
        assert_eq!(removed_by(&got, "legal").len(), 1);
    }

    #[test]
    fn not_an_export_is_an_error() {
        let err = extract("---\ntitle: x\n---\n\n# x\n", &Boilerplate::defaults()).unwrap_err();
        assert_eq!((err.line, err.column), (1, 1));
        assert!(err.message.contains("{% hint"), "{}", err.message);
    }

    #[test]
    fn detect_recognises_the_three_layouts_only() {
        assert!(detect(CURRENT));
        assert!(detect(OLD));
        assert!(detect(&CURRENT.replace("`AI` `产品`", "AI,产品")));
        assert!(detect(&format!("\u{feff}{CURRENT}")));
        assert!(!detect("# Title\n\nJust an article.\n"));
        assert!(!detect("---\ntitle: x\n---\n# Title\n{% hint style=\"info\" %}\n**A:** b\n"));
        assert!(!detect("# Title\n{% hint style=\"warning\" %}\nA callout, not metadata.\n{% endhint %}\n"));
        assert!(!detect("Intro\n# Title\n{% hint %}\n**A:** b\n{% endhint %}\n"));
        assert!(!detect(""));
    }
}
