//! Runs the GitBook export reader over every real export in `../shared/corpus-sample` and the
//! seed article, and checks what a reader of the built site would see: the metadata, and a body
//! with the article's text in place and none of the export's widgets, adverts or share lines.

use std::path::{Path, PathBuf};

use themata::gitbook::{self, Boilerplate, Extracted};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Every export of the sample (its README aside) and the seed article, in a stable order.
fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(shared().join("corpus-sample"))
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.expect("the sample can be walked").into_path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "md") && path.file_name().is_some_and(|n| n != "README.md")
        })
        .collect();
    files.push(shared().join("seed/ai-era-product-managers.md"));
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn extract(path: &Path) -> (String, Extracted) {
    let source = read(path);
    let extracted = gitbook::extract(&source, &Boilerplate::defaults())
        .unwrap_or_else(|issue| panic!("{}:{issue}", path.display()));
    (source, extracted)
}

fn sample(relative: &str) -> (String, Extracted) {
    extract(&shared().join(relative))
}

fn is_iso_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// The first line after the header that reads as a paragraph of prose: not markup that starts
/// with a bracket, image, quote, heading or list marker, not a date or a stats line.
fn first_prose_line(source: &str, from: usize) -> usize {
    source
        .split('\n')
        .enumerate()
        .skip(from - 1)
        .find(|(_, line)| {
            let line = line.trim();
            let markup = line.starts_with(['[', '!', '>', '#', '*', '-', '|', '`']);
            let stats = line.contains("评论") && line.contains("浏览") && line.contains("分钟");
            !(line.is_empty() || markup || stats || is_iso_date(line))
        })
        .map(|(index, _)| index + 1)
        .expect("the article has prose")
}

#[test]
fn every_sample_export_is_read_and_cleaned() {
    let files = sample_files();
    assert_eq!(files.len(), 45, "44 sample exports and the seed");

    for path in &files {
        let name = path.display();
        let (source, got) = extract(path);
        let meta = &got.meta;
        assert!(gitbook::detect(&source), "{name}: not detected");
        assert!(got.warnings.is_empty(), "{name}: {:?}", got.warnings);

        // Metadata.
        let first_line = source.lines().next().unwrap();
        assert_eq!(meta.title, first_line.trim_start_matches("# ").trim(), "{name}");
        assert!(meta.author.as_deref().is_some_and(|a| !a.is_empty()), "{name}");
        assert!(
            meta.author_url.as_deref().is_some_and(|u| u.starts_with("https://www.woshipm.com/u/")),
            "{name}: {:?}",
            meta.author_url
        );
        let published = meta.published.as_deref().unwrap_or("");
        assert!(is_iso_date(published), "{name}: published {published:?}");
        let original = meta.original_url.as_deref().unwrap_or("");
        assert!(
            original.starts_with("https://www.woshipm.com/") && original.ends_with(".html"),
            "{name}: original {original:?}"
        );
        if let Some(id) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.rsplit('-').next())
            .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
        {
            assert!(original.ends_with(&format!("/{id}.html")), "{name}: {original}");
        }
        assert!(meta.views.is_some() && meta.comments.is_some() && meta.collects.is_some());
        let tags_line = source.lines().find(|l| l.starts_with("**Tags:**")).unwrap();
        if tags_line.trim_end().ends_with("None") {
            assert!(meta.tags.is_empty(), "{name}");
        } else {
            assert!(!meta.tags.is_empty(), "{name}: no tags from {tags_line}");
            assert!(meta.tags.iter().all(|t| !t.contains(['`', ','])), "{name}");
        }

        // The body: same lines, in place.
        let body = &got.body;
        assert_eq!(body.split('\n').count(), source.split('\n').count(), "{name}");
        for (index, line) in body.split('\n').enumerate() {
            let original_line = source.split('\n').nth(index).unwrap();
            assert!(line.is_empty() || line == original_line, "{name}:{}: changed", index + 1);
        }

        // None of the export's furniture.
        for gone in [
            "{% hint",
            "{% endhint",
            "微信扫一扫",
            "微信二维码",
            "赞赏",
            "ke.qidianla.com",
            "查看详情",
            "woshipm.com/tag/",
            "woshipm.com/u/",
            "分享到微博",
            "更多精彩内容，请关注",
        ] {
            if let Some(at) = body.lines().position(|l| l.contains(gone)) {
                panic!("{name}:{}: `{gone}` left in the body", at + 1);
            }
        }
        assert!(!body.lines().any(|l| l.trim() == "分享"), "{name}");
        assert!(!body.lines().any(|l| l.starts_with("## ") && l[3..] == meta.title));

        // The article's own text and credits stay.
        let prose = first_prose_line(&source, got.body_start);
        assert_eq!(
            body.split('\n').nth(prose - 1),
            source.split('\n').nth(prose - 1),
            "{name}:{prose}: first paragraph lost"
        );
        for credit in ["作者：", "本文由", "题图来自", "该文观点仅代表作者本人"] {
            let count = |text: &str| text.lines().filter(|l| l.contains(credit)).count();
            assert_eq!(count(body), count(&source), "{name}: {credit}");
        }
    }
}

#[test]
fn seed_article_current_layout() {
    let (source, got) = sample("seed/ai-era-product-managers.md");
    let meta = &got.meta;
    assert_eq!(meta.title, "AI时代不需要产品经理？");
    assert_eq!(meta.title_line, 1);
    assert_eq!(meta.category.as_deref(), Some("Pmd"));
    assert_eq!(meta.author.as_deref(), Some("硅星人"));
    assert_eq!(meta.author_url.as_deref(), Some("https://www.woshipm.com/u/1270617"));
    assert_eq!(meta.published.as_deref(), Some("2023-07-29"));
    assert_eq!(meta.published_line, 5);
    assert_eq!((meta.views, meta.comments, meta.collects), (Some(12688), Some(11), Some(77)));
    assert_eq!(meta.tags, ["3年", "ai", "中级"]);
    assert_eq!(meta.original_url.as_deref(), Some("https://www.woshipm.com/pmd/5876318.html"));
    assert!(meta.summary.as_deref().unwrap().starts_with("伴随着AI人工智能"));
    assert!(meta.extra.is_empty());
    assert_eq!(got.body_start, 13);

    let removed: Vec<(&str, usize, usize)> = got.removed.iter().map(|r| (r.rule.as_str(), r.line, r.lines)).collect();
    assert_eq!(
        removed,
        [
            ("title-heading", 14, 1),
            ("author-avatar", 16, 1),
            ("author-name", 18, 1),
            ("date-line", 20, 1),
            ("stats-line", 22, 1),
            ("course-link", 24, 1),
            ("summary-repeat", 26, 1),
            ("course-card", 76, 9),
            ("appreciate-bar", 224, 1),
            ("follow-prompt", 226, 1),
            ("tag-links", 228, 1),
            ("share-weibo", 230, 1),
            ("wechat-scan", 232, 1),
            ("wechat-qr", 234, 1),
            ("share-label", 236, 1),
        ]
    );
    // The banner image is the first thing left; the platform's disclaimer is the last.
    let first = got.body.lines().position(|l| !l.is_empty()).unwrap() + 1;
    assert_eq!(first, 28);
    assert!(source.lines().nth(27).unwrap().starts_with("![](https://image.woshipm.com/"));
    let lines: Vec<&str> = got.body.lines().collect();
    let last = lines.iter().rposition(|l| !l.is_empty()).unwrap() + 1;
    assert!(source.lines().nth(last - 1).unwrap().starts_with("该文观点仅代表作者本人"));
}

#[test]
fn old_layout_with_run_together_lines() {
    let (source, got) = sample("corpus-sample/woshipm-old/6116157.md");
    let meta = &got.meta;
    assert_eq!(meta.title, "理解IP逻辑：为什么大IP的宿命都是翻车？");
    assert_eq!(meta.category, None);
    assert_eq!(meta.author.as_deref(), Some("李明Bright"));
    assert_eq!(meta.published.as_deref(), Some("2024-10-27"));
    assert_eq!(meta.published_line, 5);
    assert_eq!(meta.tags, ["IP逻辑", "个人观点", "热点事件", "行业观察"]);
    assert_eq!((meta.views, meta.comments, meta.collects), (Some(3681), Some(2), Some(7)));
    assert_eq!(meta.original_url.as_deref(), Some("https://www.woshipm.com/marketing/6116157.html"));
    assert_eq!(got.body_start, 14);

    let removed: Vec<(&str, usize)> = got.removed.iter().map(|r| (r.rule.as_str(), r.line)).collect();
    assert_eq!(
        removed,
        [
            ("title-heading", 15),
            ("byline-run-together", 17),
            ("summary-repeat", 19),
            ("course-link", 33),
            ("appreciate-bar", 71),
            ("follow-prompt", 73),
            ("share-run-together", 75),
        ]
    );
    assert!(!source.ends_with('\n'));
    assert_eq!(got.body.split('\n').next_back(), Some(""));
}

#[test]
fn flat_layout_with_comma_tags() {
    let (_, got) = sample("corpus-sample/woshipm-flat/chuangye-2254349.md");
    let meta = &got.meta;
    assert_eq!(meta.title, "创业者们，请别忽视这些点！");
    assert_eq!(meta.category.as_deref(), Some("Chuangye"));
    assert_eq!(meta.author.as_deref(), Some("铭创优品"));
    assert_eq!(meta.published.as_deref(), Some("2023-07-30"));
    assert_eq!(meta.tags, ["3年", "中级", "创业感受"]);
    assert_eq!(meta.original_url.as_deref(), Some("https://www.woshipm.com/chuangye/2254349.html"));
    let rules: Vec<&str> = got.removed.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, ["title-heading", "byline-run-together", "summary-repeat", "course-link", "share-run-together"]);
    assert_eq!(got.removed.last().unwrap().line, 193);
}

#[test]
fn no_tags_and_placeholder_summary() {
    let (_, got) = sample("corpus-sample/woshipm/it/2025/05/6219943.md");
    assert!(got.meta.tags.is_empty());
    assert_eq!(got.meta.summary, None);
    assert!(!got.removed.iter().any(|r| r.rule == "tag-links"));
}

#[test]
fn a_longer_body_quote_keeps_what_the_summary_lacks() {
    let (source, got) = sample("corpus-sample/woshipm/it/2025/01/6165864.md");
    let repeat: Vec<_> = got.removed.iter().filter(|r| r.rule == "summary-repeat").collect();
    assert_eq!(repeat.len(), 1);
    assert_eq!((repeat[0].line, repeat[0].lines), (26, 2));
    assert_eq!(got.body.lines().nth(27), source.lines().nth(27));
    assert!(got.body.lines().nth(27).unwrap().starts_with("> "));
}

#[test]
fn code_blocks_and_author_credits_survive() {
    let (source, got) = sample("corpus-sample/woshipm/pd/2024/12/6148172.md");
    let fences = |text: &str| text.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fences(&got.body), fences(&source));
    assert_eq!(fences(&got.body), 2);
}
