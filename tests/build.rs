//! Whole fixture sites built by the real binary, checked on the HTML and files a user gets.

mod support;
use support::Site;

fn article(title: &str, date: &str, tags: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\nauthor: 张三\n---\n{body}\n")
}

#[test]
fn pages_get_pretty_urls_that_mirror_content() {
    let site = Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n欢迎。\n")
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page("articles/pmd/2023/07/5876318.md", &article("AI时代", "2023-07-29", "AI, 中级", "正文。"))
        .page("articles/其他.md", &article("其他", "2023-01-01", "AI", "正文。"))
        .page("articles/renamed.md", "---\ntitle: 改名\nslug: 新名字\n---\n正文\n");
    let run = site.build_ok();
    for file in [
        "index.html",
        "articles/index.html",
        "articles/pmd/2023/07/5876318/index.html",
        "articles/其他/index.html",
        "articles/新名字/index.html",
        "tags/index.html",
        "tags/ai/index.html",
        "tags/中级/index.html",
        "authors/张三/index.html",
        "404.html",
        "sitemap.xml",
        "atom.xml",
        "robots.txt",
        "style.css",
        "highlight.css",
    ] {
        assert!(run.exists(file), "missing {file}; have {:?}", run.files());
    }
    let doc = run.html("articles/pmd/2023/07/5876318/index.html");
    assert_eq!(doc.text("h1"), "AI时代");
    assert_eq!(doc.attrs("time", "datetime"), ["2023-07-29"]);
    let tags: Vec<String> =
        doc.texts(".article-tags a").iter().map(|t| t.trim_start_matches('#').to_string()).collect();
    assert_eq!(tags, ["AI", "中级"]);
    assert_eq!(doc.attrs("a[rel=author]", "href"), ["https://example.org/authors/张三/"]);
    assert!(run.stdout.starts_with("Built 3 pages and 2 sections"), "{}", run.stdout);
}

#[test]
fn every_link_works_under_a_base_path() {
    let site = Site::new()
        .config("title = \"t\"\nbase_url = \"https://example.org/kb/\"\n")
        .page("_index.md", "---\ntitle: 首页\n---\n见[文章](articles/a.md)。\n")
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page("articles/a.md", &article("甲", "2024-01-01", "AI", "见[乙](b.md#小节)。"))
        .page("articles/b.md", &article("乙", "2024-01-02", "AI", "## 小节\n内容"));
    let run = site.build_ok();
    let mut checked = 0;
    for file in run.files().into_iter().filter(|f| f.ends_with(".html")) {
        let doc = run.html(&file);
        for attr in ["href", "src"] {
            for url in doc.attrs(&format!("[{attr}]"), attr) {
                if url.starts_with("https://example.org") {
                    assert!(url.starts_with("https://example.org/kb/"), "{file}: {url}");
                    let path = url.trim_start_matches("https://example.org/kb/").split(['#', '?']).next().unwrap();
                    let path = themata::index::percent_decode(path);
                    let target =
                        if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.clone() };
                    assert!(run.exists(&target), "{file} links to {url}, which is not in the output");
                    checked += 1;
                } else {
                    assert!(
                        !url.starts_with('/') || url.starts_with("//"),
                        "{file}: root-relative link {url} ignores the base path"
                    );
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} links checked");
    let a = run.html("articles/a/index.html");
    let hrefs: Vec<String> =
        a.attrs(".article-body a", "href").iter().map(|h| themata::index::percent_decode(h)).collect();
    assert!(hrefs.contains(&"https://example.org/kb/articles/b/#小节".to_string()), "{hrefs:?}");
    assert!(run.read("sitemap.xml").contains("<loc>https://example.org/kb/articles/a/</loc>"));
    assert!(run.read("robots.txt").contains("Sitemap: https://example.org/kb/sitemap.xml"));
}

#[test]
fn the_same_input_gives_byte_identical_output() {
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n");
    for i in 0..30 {
        site.write(
            &format!("content/articles/a{i}.md"),
            &article(&format!("第{i}篇"), "2024-01-01", "AI, 中级, 3年", "正文"),
        );
    }
    let first = site.build_ok();
    let snapshot: Vec<(String, String)> = first.files().into_iter().map(|f| (first.read(&f), f)).collect();
    let second = site.build_ok();
    let again: Vec<(String, String)> = second.files().into_iter().map(|f| (second.read(&f), f)).collect();
    assert_eq!(snapshot, again);
}

#[test]
fn sections_paginate_and_link_pagers() {
    let site = Site::new()
        .config("title = \"t\"\nbase_url = \"https://example.org\"\npaginate_by = 2\n")
        .page("articles/_index.md", "---\ntitle: 文章\n---\n");
    for day in 1..=5 {
        site.write(
            &format!("content/articles/d{day}.md"),
            &article(&format!("第{day}天"), &format!("2024-01-0{day}"), "AI", "x"),
        );
    }
    let run = site.build_ok();
    let first = run.html("articles/index.html");
    assert_eq!(first.texts(".article-list h2, .page-list h2, main li h2, main li h3").len().min(2), 2);
    assert!(run.read("articles/index.html").contains("第5天"), "newest first");
    assert!(!run.read("articles/index.html").contains("第1天"));
    assert!(run.read("articles/page/3/index.html").contains("第1天"));
    assert!(!run.exists("articles/page/1/index.html"), "page 1 is the section itself");
    // Previous and next follow the listing: 第3天 sits between 第2天 (older) and 第4天 (newer).
    let middle = run.html("articles/d3/index.html");
    assert_eq!(middle.attrs("a[rel=prev]", "href"), ["https://example.org/articles/d2/"]);
    assert_eq!(middle.attrs("a[rel=next]", "href"), ["https://example.org/articles/d4/"]);
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::new().page("articles/draft.md", "---\ntitle: 草稿\ndraft: true\n---\n");
    assert!(!site.build_ok().exists("articles/draft/index.html"));
    let run = site.run(&["build", "--drafts"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.exists("articles/draft/index.html"));
}

#[test]
fn aliases_redirect_to_the_page() {
    let site = Site::new().page("articles/a.md", "---\ntitle: 甲\naliases: [\"/old/甲/\", \"/legacy.html\"]\n---\n");
    let run = site.build_ok();
    let redirect = run.read("old/甲/index.html");
    assert!(redirect.contains("url=https://example.org/articles/a/"), "{redirect}");
    assert!(run.read("legacy.html").contains("rel=\"canonical\" href=\"https://example.org/articles/a/\""));
}

#[test]
fn files_beside_a_page_are_copied_and_linked() {
    let site = Site::new()
        .page("articles/a.md", "---\ntitle: 甲\n---\n![图一](图/一.png)\n\n[附件](files/x.pdf)\n")
        .page("articles/图/一.png", "png")
        .page("articles/files/x.pdf", "pdf")
        .file("static/robots-extra.txt", "hi");
    let run = site.build_ok();
    assert_eq!(run.read("articles/图/一.png"), "png");
    assert_eq!(run.read("articles/files/x.pdf"), "pdf");
    assert_eq!(run.read("robots-extra.txt"), "hi");
    let doc = run.html("articles/a/index.html");
    assert_eq!(doc.attrs(".article-body img", "src"), ["https://example.org/articles/%E5%9B%BE/%E4%B8%80.png"]);
    assert_eq!(doc.attrs(".article-body a", "href"), ["https://example.org/articles/files/x.pdf"]);
}

#[test]
fn site_templates_override_the_theme() {
    let site = Site::new().page("articles/a.md", "---\ntitle: 甲\n---\n").file(
        "templates/page.html",
        "<!doctype html><title>{{ page.title }}</title><p class=mine>{{ page.permalink }}</p>\n",
    );
    let run = site.build_ok();
    assert!(run.read("articles/a/index.html").contains("<p class=mine>https://example.org/articles/a/</p>"));
}

#[test]
fn listing_items_are_the_page_item_component_rendered_once_per_page() {
    // A section template that prints each page's pre-rendered item beside the component
    // rendered in place, and a component that escapes a title with markup in it.
    let components = std::fs::read_to_string(support::repo().join("themes/default/templates/partials/components.html"))
        .expect("the default theme's components");
    let site = Site::new()
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page("articles/a.md", &article("<甲> & 乙", "2024-01-02", "AI", "x"))
        .page("articles/b.md", &article("丙", "2024-01-03", "B端", "y"))
        .file("templates/partials/components.html", &components)
        .file(
            "templates/section.html",
            "{% for p in section.pages %}<div class=item>{{ p.item_html | safe }}</div>\
             <div class=direct>{{ <page_item p={p} /> }}</div>{% endfor %}\n",
        );
    let run = site.build_ok();
    let doc = run.html("articles/index.html");
    assert_eq!(doc.count(".item .post-item"), 2);
    assert_eq!(doc.inner_html(".item"), doc.inner_html(".direct"));
    assert!(run.read("articles/index.html").contains(">&lt;甲&gt; &amp; 乙</a>"), "the title is escaped once");
    // The default theme's listings print the item.
    let plain = Site::new()
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page("articles/a.md", &article("甲", "2024-01-02", "AI", "x"));
    let theme = plain.build_ok();
    assert_eq!(theme.html("articles/index.html").texts(".post-item-title a"), ["甲"]);
}

#[test]
fn feeds_and_sitemap_escape_and_encode() {
    let site = Site::new().page(
        "articles/标题.md",
        "---\ntitle: \"<script>alert(1)</script>\"\ndate: 2024-03-04\ntags: [中级]\n---\n正文\n",
    );
    let run = site.build_ok();
    let atom = run.read("atom.xml");
    assert!(atom.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"), "{atom}");
    assert!(atom.contains("<id>https://example.org/articles/%E6%A0%87%E9%A2%98/</id>"), "{atom}");
    assert!(atom.contains("<updated>2024-03-04T00:00:00Z</updated>"));
    let sitemap = run.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/tags/%E4%B8%AD%E7%BA%A7/</loc>"), "{sitemap}");
    assert!(run.exists("tags/中级/atom.xml"));
    assert!(run.exists("search/index.html") && !sitemap.contains("/search/"), "the noindex search page is not listed");
    let page = run.read("articles/标题/index.html");
    assert!(!page.contains("<script>alert(1)</script>"));
}

#[test]
fn a_site_without_a_home_page_still_gets_one() {
    let site = Site::new().page("a.md", &article("甲", "2024-01-01", "AI", "x"));
    let run = site.build_ok();
    assert!(run.read("index.html").contains("甲"));
}

#[test]
fn output_dir_and_base_url_flags() {
    let site = Site::new().page("a.md", "---\ntitle: 甲\n---\n");
    let out = site.root().join("dist");
    let run = site.run(&["build", "--output-dir", out.to_str().unwrap(), "--base-url", "http://127.0.0.1:9/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(out.join("a/index.html")).unwrap();
    assert!(html.contains("http://127.0.0.1:9/a/"));
    assert!(!site.root().join("public").exists());
}

#[test]
fn new_creates_a_page_that_builds_and_never_overwrites() {
    let site = Site::new();
    let run = site.run(&["new", "articles/my-note.md", "--title", "我的笔记"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "Created content/articles/my-note.md\n");
    let built = site.build_ok();
    assert_eq!(built.html("articles/my-note/index.html").text("h1"), "我的笔记");
    let again = site.run(&["new", "articles/my-note.md"]);
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr,
        "error: content/articles/my-note.md already exists; choose another name (nothing was changed)\n"
    );
}

#[test]
fn articles_carry_sharing_data_that_no_title_can_break() {
    let hostile = "</script><script>alert(1)</script> & <!-- 标题";
    let site = Site::new().page(
        "articles/a.md",
        &format!(
            "---\ntitle: \"{hostile}\"\ndate: 2024-03-04\ntags: [AI]\nauthor: 张三\ndescription: 描述\n---\n正文\n"
        ),
    );
    let run = site.build_ok();
    let html = run.read("articles/a/index.html");
    assert!(!html.contains("<script>alert(1)</script>"), "the title ended a script element");
    let doc = run.html("articles/a/index.html");
    let json_ld = doc.texts("script[type='application/ld+json']");
    assert_eq!(json_ld.len(), 1);
    let data: serde_json::Value = serde_json::from_str(&json_ld[0]).expect("valid JSON-LD");
    assert_eq!(data["@type"], "Article");
    assert_eq!(data["headline"], hostile);
    assert_eq!(data["datePublished"], "2024-03-04T00:00:00Z");
    assert_eq!(data["author"][0]["name"], "张三");
    assert_eq!(data["keywords"], "AI");
    assert_eq!(doc.attrs("meta[property='og:title']", "content"), [hostile]);
    assert_eq!(doc.attrs("meta[property='og:description']", "content"), ["描述"]);
    assert_eq!(doc.attrs("meta[name='twitter:card']", "content"), ["summary"]);
    assert_eq!(doc.attrs("meta[property='og:locale']", "content"), ["zh_CN"]);
    assert_eq!(doc.attrs("link[rel=canonical]", "href"), ["https://example.org/articles/a/"]);
}
