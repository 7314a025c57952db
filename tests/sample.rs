//! The real input this tool exists for: the seed article and the 44 sample exports in
//! `../shared/`, built as they are, checked on the article pages a reader gets.

mod support;
use support::{sample_site, shared};

/// Every sample file as (path under content/, its text).
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(shared().join("corpus-sample")).sort_by_file_name() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.ends_with(".md") && name != "README.md" {
            let rel = entry.path().strip_prefix(shared().join("corpus-sample")).unwrap().to_string_lossy().into_owned();
            files.push((format!("sample/{rel}"), std::fs::read_to_string(entry.path()).unwrap()));
        }
    }
    files.push((
        "seed/ai-era-product-managers.md".into(),
        std::fs::read_to_string(shared().join("seed/ai-era-product-managers.md")).unwrap(),
    ));
    files
}

/// The value of a `**Key:**` header line, as written in the export.
fn header(text: &str, key: &str) -> Option<String> {
    let prefix = format!("**{key}:**");
    text.lines().take(12).find_map(|l| l.strip_prefix(&prefix)).map(|v| v.trim().to_string())
}

#[test]
fn every_sample_article_builds_with_its_metadata() {
    let site = sample_site();
    let run = site.build_ok();
    let files = sources();
    assert_eq!(files.len(), 45);
    for (rel, text) in &files {
        let out = format!("{}/index.html", rel.trim_end_matches(".md"));
        let doc = run.html(&out);
        let title =
            text.lines().next().unwrap().trim_start_matches("# ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(doc.text("h1"), title, "{rel}");

        let author = header(text, "Author").unwrap();
        let author_name = &author[1..author.find(']').unwrap()];
        assert_eq!(doc.texts("a[rel=author]"), [author_name], "{rel}");

        let published = header(text, "Published").unwrap();
        assert_eq!(doc.attrs("time", "datetime")[0], published, "{rel}");

        let original = header(text, "Original").unwrap();
        let original_url = &original[original.find("](").unwrap() + 2..original.len() - 1];
        assert!(
            doc.attrs(".article-meta a", "href").contains(&original_url.to_string()),
            "{rel}: no source link {original_url}"
        );

        let tags_line = header(text, "Tags").unwrap();
        let expected: Vec<String> = if tags_line == "None" {
            Vec::new()
        } else if tags_line.contains('`') {
            tags_line.split('`').skip(1).step_by(2).map(str::to_string).collect()
        } else {
            tags_line.split([',', '，']).map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
        };
        let shown: Vec<String> =
            doc.texts(".article-tags a").iter().map(|t| t.trim_start_matches('#').to_lowercase()).collect();
        let mut expected: Vec<String> = expected.iter().map(|t| t.to_lowercase()).collect();
        expected.dedup();
        for tag in &expected {
            assert!(shown.contains(tag), "{rel}: tag {tag} missing from {shown:?}");
        }

        let body = doc.text(".article-body");
        for leftover in ["{% hint", "{% endhint", "**", "微信扫一扫", "赞赏", "查看详情", "分享到微博"]
        {
            assert!(!body.contains(leftover), "{rel}: article body still contains {leftover:?}");
        }
    }
}

#[test]
fn the_description_comes_from_the_summary_quote() {
    let site = sample_site();
    let run = site.build_ok();
    let doc = run.html("seed/ai-era-product-managers/index.html");
    let description = doc.attrs("meta[name=description]", "content");
    assert!(description[0].starts_with("伴随着AI人工智能技术的快速发展"), "{description:?}");
    let views = std::fs::read_to_string(run.out.join("atom.xml")).unwrap();
    assert!(views.contains("<title>AI时代不需要产品经理？</title>"));
}
