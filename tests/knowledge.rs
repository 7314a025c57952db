//! The knowledge graph, checked on built fixture sites: taxonomies with normalised and routed
//! terms, topic themes down to the section, wikilinks, backlinks and broken-link reports.

mod support;
use support::{Site, repo, shared};

fn page(title: &str, date: &str, tags: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\n---\n{body}\n")
}

fn tags_of(run: &support::Run, file: &str) -> Vec<String> {
    run.html(file).texts(".article-tags a").into_iter().map(|t| t.trim_start_matches('#').to_string()).collect()
}

#[test]
fn spellings_of_one_tag_are_one_term_in_its_most_frequent_form() {
    let site = Site::new()
        .page("a.md", &page("甲", "2024-01-01", "To B", "x"))
        .page("b.md", &page("乙", "2024-01-02", "TO B", "x"))
        .page("c.md", &page("丙", "2024-01-03", "to B", "x"))
        .page("d.md", &page("丁", "2024-01-04", "To B", "x"))
        .page("e.md", &page("戊", "2024-01-05", "ＴＯ Ｂ", "x"));
    let run = site.build_ok();
    let list = run.html("tags/index.html");
    assert_eq!(list.count("main a[href*='/tags/to-b/']"), 1, "one term");
    assert!(list.text("main").contains("To B"), "shown in the most frequent spelling");
    let term = run.read("tags/to-b/index.html");
    for title in ["甲", "乙", "丙", "丁", "戊"] {
        assert!(term.contains(title), "{title} missing from the term page");
    }
    assert_eq!(tags_of(&run, "e/index.html"), ["To B"]);
}

#[test]
fn aliases_in_site_toml_join_spellings() {
    let site = Site::new()
        .config("title = \"t\"\nbase_url = \"https://example.org\"\n[[taxonomies]]\nname = \"tags\"\naliases = { \"ToB\" = \"To B\" }\n")
        .page("a.md", &page("甲", "2024-01-01", "ToB", "x"))
        .page("b.md", &page("乙", "2024-01-02", "To B", "x"));
    let run = site.build_ok();
    assert!(!run.exists("tags/tob/index.html"));
    let term = run.read("tags/to-b/index.html");
    assert!(term.contains("甲") && term.contains("乙"));
}

#[test]
fn level_and_experience_tags_are_routed_to_their_own_taxonomies() {
    let config = "title = \"t\"\nbase_url = \"https://example.org\"\n\
        [[taxonomies]]\nname = \"tags\"\n\
        [[taxonomies]]\nname = \"levels\"\ntitle = \"难度\"\ntake_from = \"tags\"\ntake_terms = [\"初级\", \"中级\", \"高级\"]\n\
        [[taxonomies]]\nname = \"experience\"\ntake_from = \"tags\"\ntake_pattern = \"^[0-9]+年$\"\n";
    let site = Site::new().config(config).page("a.md", &page("甲", "2024-01-01", "3年, AI, 中级, 用户增长", "x"));
    let run = site.build_ok();
    assert_eq!(tags_of(&run, "a/index.html"), ["AI", "用户增长"]);
    assert!(run.exists("levels/中级/index.html"));
    assert!(run.exists("experience/3年/index.html"));
    assert!(!run.exists("tags/中级/index.html"));
    assert!(!run.exists("tags/3年/index.html"));
}

#[test]
fn real_sample_tags_are_routed_and_normalised() {
    let site = Site::new().file("site.toml", &std::fs::read_to_string(repo().join("site.toml")).unwrap());
    support::copy_dir(&shared().join("corpus-sample/woshipm-flat"), &site.root().join("content/flat"));
    support::copy_dir(&shared().join("corpus-sample/woshipm/pmd"), &site.root().join("content/pmd"));
    let run = site.build_ok();
    let tags = run.html("tags/index.html").text("main");
    for level in ["初级", "中级", "高级", "1年", "2年", "3年"] {
        assert!(!tags.contains(level), "{level} still among the tags: {tags}");
    }
    assert!(run.exists("levels/初级/index.html"));
    assert!(run.exists("experience/2年/index.html"));
}

#[test]
fn terms_whose_slugs_collide_are_merged_and_reported() {
    let site = Site::new()
        .page("a.md", &page("甲", "2024-01-01", "\"A/B测试\"", "x"))
        .page("b.md", &page("乙", "2024-01-02", "A B测试", "x"));
    let run = site.build_ok();
    assert!(
        run.stderr
            .contains("warning: tags terms \"A B测试\", \"A/B测试\" share the URL /tags/a-b测试/ and were merged"),
        "{}",
        run.stderr
    );
    let term = run.read("tags/a-b测试/index.html");
    assert!(term.contains("甲") && term.contains("乙"));
}

const THEME_A: &str = "---\ntitle: 技能失效\nweight: 1\ndescription: 哪些技能在贬值\nkeywords:\n  - { phrase: 外围技能, weight: 3 }\n  - { phrase: PRD, weight: 2 }\n  - 取代\nexclude:\n  - 不可取代\n---\n导言：技能为何失效。\n";
const THEME_B: &str = "---\ntitle: B端优先\nweight: 2\nkeywords:\n  - { phrase: B端, weight: 3 }\n  - 企业客户\n  - 付费\n---\n导言：为何先做企业客户。\n";

fn themed_site() -> Site {
    Site::new()
        .page("themes/_index.md", "---\ntitle: 主题\n---\n")
        .page("themes/skills.md", THEME_A)
        .page("themes/b2b.md", THEME_B)
        .page(
            "articles/a.md",
            &page(
                "两件事",
                "2024-01-01",
                "AI",
                "开场白。\n\n## 一、外围技能失效\n\n外围技能正在被 AI 取代，写 PRD 的外围技能更是如此。\n\n## 二、先做 B端\n\n选择 B端 作为切入点，企业客户愿意付费，B端 更稳。\n",
            ),
        )
        .page("articles/b.md", &page("无关", "2024-01-02", "AI", "今天天气很好，我们去公园散步。"))
}

#[test]
fn articles_join_themes_through_their_best_section() {
    let site = themed_site();
    let run = site.build_ok();
    let theme = run.html("themes/skills/index.html");
    assert_eq!(theme.text("h1"), "技能失效");
    assert!(theme.text(".topic-intro").contains("导言：技能为何失效"));
    assert_eq!(theme.texts(".topic-item .post-item-title"), ["两件事"]);
    assert_eq!(theme.text(".topic-section-link"), "一、外围技能失效");
    assert_eq!(theme.attrs(".topic-section-link", "href"), ["https://example.org/articles/a/#一-外围技能失效"]);
    assert_eq!(theme.texts(".topic-snippet mark").first().map(String::as_str), Some("外围技能"));
    let b2b = run.html("themes/b2b/index.html");
    assert_eq!(b2b.text(".topic-section-link"), "二、先做 B端");

    let article = run.html("articles/a/index.html");
    let themes = article.texts(".article-theme-list li");
    assert_eq!(themes.len(), 2, "{themes:?}");
    assert!(themes.iter().any(|t| t.starts_with("技能失效") && t.contains("一、外围技能失效")), "{themes:?}");
    assert!(themes.iter().any(|t| t.starts_with("B端优先") && t.contains("二、先做 B端")), "{themes:?}");
    assert_eq!(run.html("articles/b/index.html").count(".article-theme-list"), 0);

    let list = run.html("themes/index.html");
    assert_eq!(list.texts(".topic-card-title"), ["技能失效", "B端优先"]);
    assert_eq!(list.texts(".topic-card-count"), ["1 篇", "1 篇"]);
}

#[test]
fn front_matter_themes_add_an_article_and_typos_are_errors() {
    let site = themed_site().page("articles/c.md", "---\ntitle: 手动\nthemes: [skills]\n---\n短文。\n");
    let run = site.build_ok();
    assert!(run.html("themes/skills/index.html").texts(".topic-item .post-item-title").contains(&"手动".to_string()));
    site.write("content/articles/c.md", "---\ntitle: 手动\nthemes: [skill]\n---\n短文。\n");
    let failed = site.build();
    assert_eq!(failed.code, 1);
    let expected = "error: front matter `themes`: no theme \"skill\" in content/themes/\n --> content/articles/c.md:3:9\n  |\n3 | themes: [skill]\n  |         ^\n  = help: did you mean `skills`?\n";
    assert!(failed.stderr.contains(expected), "{}", failed.stderr);
}

#[test]
fn the_seed_article_lands_in_its_three_themes() {
    let site = Site::new().file("site.toml", &std::fs::read_to_string(repo().join("site.toml")).unwrap());
    support::copy_dir(&repo().join("content/themes"), &site.root().join("content/themes"));
    site.write(
        "content/articles/seed.md",
        &std::fs::read_to_string(shared().join("seed/ai-era-product-managers.md")).unwrap(),
    );
    let run = site.build_ok();
    let expect = [
        ("themes/skill-obsolescence/index.html", "一、外围技能失效，产品经理们步入“尴尬期”"),
        ("themes/b2b-first/index.html", "二、那些在AGI应用层跑起来的产品经理"),
        ("themes/hiring/index.html", "三、AI2.0时代到底需要怎样的产品经理？"),
    ];
    for (file, heading) in expect {
        let doc = run.html(file);
        assert_eq!(doc.texts(".topic-section-link"), [heading], "{file}");
    }
}

#[test]
fn wikilinks_resolve_by_title_stem_and_path() {
    let site = Site::new().page("articles/产品需求.md", "---\ntitle: 需求文档怎么写\n---\n## 模板\n内容\n").page(
        "articles/notes.md",
        "---\ntitle: 笔记\n---\n见 [[需求文档怎么写]]、[[产品需求|这篇]]、[[articles/产品需求#模板]] 和 [[NOTES]]。\n",
    );
    let run = site.build_ok();
    let doc = run.html("articles/notes/index.html");
    let hrefs: Vec<String> =
        doc.attrs(".article-body a", "href").iter().map(|h| themata::index::percent_decode(h)).collect();
    assert_eq!(
        hrefs,
        [
            "https://example.org/articles/产品需求/",
            "https://example.org/articles/产品需求/",
            "https://example.org/articles/产品需求/#模板",
            "https://example.org/articles/notes/",
        ]
    );
    assert!(doc.texts(".article-body a").contains(&"这篇".to_string()));
}

#[test]
fn an_ambiguous_wikilink_lists_the_candidates() {
    let site = Site::new()
        .page("a/intro.md", "---\ntitle: 入门\n---\n")
        .page("b/intro.md", "---\ntitle: 另一篇入门\n---\n")
        .page("c.md", "---\ntitle: 丙\n---\n\n参见 [[intro]]。\n");
    let run = site.build();
    assert_eq!(run.code, 1);
    let expected = "error: ambiguous wikilink: [[intro]] matches content/a/intro.md, content/b/intro.md\n --> content/c.md:5:4\n  |\n5 | 参见 [[intro]]。\n  |      ^\n  = help: write the page's path instead, such as [[articles/name]]\n";
    assert!(run.stderr.contains(expected), "{}", run.stderr);
}

#[test]
fn backlinks_show_the_linking_sentence() {
    let site = Site::new()
        .page("a.md", "---\ntitle: 甲\n---\n正文。\n")
        .page("b.md", "---\ntitle: 乙\n---\n前一句。关于这一点，请看[甲文](a.md)的分析。后一句。\n");
    let run = site.build_ok();
    let doc = run.html("a/index.html");
    assert_eq!(doc.texts(".backlink-list a"), ["乙"]);
    assert_eq!(doc.text(".backlink-context"), "关于这一点，请看甲文的分析。");
}

#[test]
fn broken_anchors_are_errors_unless_allowed() {
    let site = Site::new()
        .page("a.md", "---\ntitle: 甲\n---\n## 小节\n")
        .page("b.md", "---\ntitle: 乙\n---\n[好](a.md#小节) [坏](a.md#没有) [本页](#也没有)\n");
    let run = site.build();
    assert_eq!(run.code, 1);
    let first = "error: broken anchor: `a.md#没有` has no heading or id `没有` in content/a.md\n --> content/b.md:4:14\n  |\n4 | [好](a.md#小节) [坏](a.md#没有) [本页](#也没有)\n  |                 ^\n";
    assert!(run.stderr.contains(first), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: broken anchor: `#也没有` has no heading or id `也没有` in this page\n --> content/b.md:4:27\n"
        ),
        "{}",
        run.stderr
    );
    let allowed = site.run(&["build", "--allow-broken"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(allowed.stderr.contains("warning: broken anchor: `a.md#没有`"), "{}", allowed.stderr);
    site.write("site.toml", &format!("{}[links]\nallow_broken = true\n", support::SITE_TOML));
    assert_eq!(site.build().code, 0);
}

fn glossary_site() -> Site {
    Site::new()
        .page("glossary/_index.md", "---\ntitle: 术语表\n---\n")
        .page("glossary/pm.md", "---\ntitle: AI产品经理\naliases: [AI PM]\n---\n负责 AI 产品的人。\n")
        .page("glossary/ai.md", "---\ntitle: AI\naliases: [人工智能]\n---\n人工智能。\n")
        .page("glossary/prd.md", "---\ntitle: PRD\naliases: [产品需求文档]\n---\n文档。\n")
        .page(
            "articles/a.md",
            "---\ntitle: 甲\n---\n## AI产品经理的PRD\n\n一位AI产品经理说，AI 会改写 PRD；另一位 AI产品经理 同意。\n\n`PRD` 在代码里不算，[PRD](https://example.com) 在链接里也不算，TechCrunch 里的 HC 也不算。\n",
        )
}

#[test]
fn the_first_mention_of_a_glossary_term_links_to_it() {
    let site = glossary_site();
    let run = site.build_ok();
    let doc = run.html("articles/a/index.html");
    let links = doc.links(".article-body a.glossary-link");
    assert_eq!(
        links,
        [
            ("AI产品经理".to_string(), "https://example.org/glossary/pm/".to_string()),
            ("AI".to_string(), "https://example.org/glossary/ai/".to_string()),
            ("PRD".to_string(), "https://example.org/glossary/prd/".to_string()),
        ],
        "longest match first, one link per term, none in the heading"
    );
    assert_eq!(doc.count("h2 a.glossary-link"), 0);
    assert_eq!(doc.count("code a"), 0);
    let entry = run.html("glossary/prd/index.html");
    assert_eq!(entry.texts(".article-mentions a"), ["甲"]);
    assert_eq!(entry.count(".article-body a.glossary-link[href$='/glossary/prd/']"), 0, "no link to itself");
    assert_eq!(doc.texts(".article-glossary a"), ["AI", "AI产品经理", "PRD"]);
}

#[test]
fn the_graph_page_and_json_hold_articles_themes_tags_and_terms() {
    let site = themed_site()
        .page("glossary/b2b.md", "---\ntitle: B端\n---\n企业客户。\n")
        .page("articles/c.md", "---\ntitle: 链接者\ntags: [AI]\n---\n见[两件事](a.md)。\n");
    let run = site.build_ok();
    let json: serde_json::Value = serde_json::from_str(&run.read("graph.json")).unwrap();
    let nodes = json["nodes"].as_array().unwrap();
    let kind_of =
        |label: &str| nodes.iter().find(|n| n["label"] == label).map(|n| n["kind"].as_str().unwrap().to_string());
    assert_eq!(kind_of("两件事").as_deref(), Some("article"));
    assert_eq!(kind_of("技能失效").as_deref(), Some("theme"));
    assert_eq!(kind_of("AI").as_deref(), Some("tag"));
    assert_eq!(kind_of("B端").as_deref(), Some("glossary"));
    let edges = json["edges"].as_array().unwrap();
    let has = |source: &str, target: &str, kind: &str| {
        edges.iter().any(|e| {
            e["source"].as_str().unwrap().ends_with(source)
                && e["target"].as_str().unwrap().ends_with(target)
                && e["kind"] == kind
        })
    };
    assert!(has("/articles/c/", "/articles/a/", "link"), "{edges:?}");
    assert!(has("/articles/a/", "/themes/skills/", "theme"));
    assert!(has("/articles/a/", "/glossary/b2b/", "glossary"));
    let page = run.html("graph/index.html");
    assert_eq!(page.count("svg a"), nodes.len());
    assert!(run.read("graph/index.html").contains("<title>两件事</title>") || page.count("svg title") > 0);
    let outside: Vec<String> =
        page.attrs("script[src]", "src").into_iter().filter(|s| !s.starts_with("https://example.org/")).collect();
    assert!(outside.is_empty(), "scripts from outside the site: {outside:?}");
}

#[test]
fn articles_show_their_most_related_articles() {
    let site = Site::new()
        .page(
            "a.md",
            &page(
                "大模型产品的冷启动",
                "2024-01-01",
                "AI",
                "大模型产品冷启动时，种子用户和提示词模板最重要。冷启动阶段要快速验证。",
            ),
        )
        .page(
            "b.md",
            &page("冷启动的种子用户", "2024-01-02", "AI", "冷启动需要种子用户，大模型产品的提示词模板也能帮助冷启动。"),
        )
        .page("c.md", &page("财务报表入门", "2024-01-03", "财务", "资产负债表、利润表和现金流量表是三张基本报表。"));
    for i in 0..8 {
        site.write(
            &format!("content/x{i}.md"),
            &page(&format!("杂文{i}"), "2023-01-01", "随笔", &format!("今天记录第{i}件小事：散步、读书、喝茶。")),
        );
    }
    let run = site.build_ok();
    let related = run.html("a/index.html").texts(".article-related a");
    assert_eq!(related.first().map(String::as_str), Some("冷启动的种子用户"), "{related:?}");
    assert!(related.len() <= 5);
    assert!(!related.contains(&"大模型产品的冷启动".to_string()), "never itself");
}

/// The themed site with `extra` more articles that all join the skills theme.
fn themed_site_with(extra: usize) -> Site {
    let mut site = themed_site();
    for n in 0..extra {
        let body = format!("外围技能正在被 AI 取代，写 PRD 的外围技能更是如此。第{n}篇。");
        site = site.page(&format!("articles/p{n:03}.md"), &page(&format!("篇{n:03}"), "2024-02-01", "AI", &body));
    }
    site
}

#[test]
fn a_long_theme_is_split_into_pager_pages() {
    let site = themed_site_with(23);
    let run = site.build_ok();
    let first = run.html("themes/skills/index.html");
    assert_eq!(first.text(".page-count"), "24 篇相关文章");
    assert_eq!(first.count(".topic-item"), 20);
    assert!(first.text(".topic-intro").contains("导言"));
    assert_eq!(first.text(".pagination-current"), "第 1 / 2 页");
    assert_eq!(first.attrs(".pagination a[rel=next]", "href"), ["https://example.org/themes/skills/page/2/"]);

    let second = run.html("themes/skills/page/2/index.html");
    assert_eq!(second.count(".topic-item"), 4);
    assert_eq!(second.attrs("ol.topic-list", "start"), ["21"]);
    assert_eq!(second.count(".topic-intro"), 0, "the introduction is on the first page only");
    assert_eq!(second.attrs(".pagination a[rel=prev]", "href"), ["https://example.org/themes/skills/"]);
    let mut all = first.texts(".topic-item .post-item-title");
    all.extend(second.texts(".topic-item .post-item-title"));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 24, "every member on exactly one page: {all:?}");
    assert!(!run.exists("themes/skills/page/3/index.html"));
    assert!(run.read("sitemap.xml").contains("https://example.org/themes/skills/page/2/"));
}

#[test]
fn a_glossary_entry_lists_the_newest_fifty_mentions_and_counts_the_rest() {
    let mut site = glossary_site();
    for n in 0..60 {
        let text = format!("---\ntitle: 提及{n:02}\ndate: 2024-03-{:02}\n---\n这份 PRD 很长。\n", n % 28 + 1);
        site = site.page(&format!("articles/m{n:02}.md"), &text);
    }
    let run = site.build_ok();
    let entry = run.html("glossary/prd/index.html");
    assert_eq!(entry.count(".article-mentions li"), 50);
    assert_eq!(entry.text(".mentions-more"), "共 61 篇文章提到这个术语，这里列出最新的 50 篇。");
    let small = run.html("glossary/pm/index.html");
    assert_eq!(small.texts(".article-mentions a"), ["甲"]);
    assert_eq!(small.count(".mentions-more"), 0);
}

#[test]
fn a_theme_lists_its_best_two_hundred_and_sends_the_rest_to_search() {
    let site = themed_site_with(205);
    let run = site.build_ok();
    let first = run.html("themes/skills/index.html");
    assert_eq!(first.text(".page-count"), "206 篇相关文章");
    assert_eq!(first.text(".pagination-current"), "第 1 / 10 页");
    assert_eq!(first.count(".topic-more"), 0, "the note is on the last page");
    let last = run.html("themes/skills/page/10/index.html");
    assert_eq!(last.count(".topic-item"), 20);
    assert_eq!(last.text(".topic-more"), "这里列出了最相关的 200 篇；在搜索中查看这个主题的全部 206 篇。");
    assert_eq!(last.attrs(".topic-more a", "href"), ["https://example.org/search/?theme=skills"]);
    assert!(!run.exists("themes/skills/page/11/index.html"));
}
