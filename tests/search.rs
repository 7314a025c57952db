//! The search index as a reader meets it: fixture sites built with the real binary, queried
//! through the reference engine over the files written under `public/search/`.

mod support;
use support::{Run, Site, sample_site};

use themata::search::{Hit, normalize, query_tokens, search, tokens};

/// The hits of `query` over the built site, with no filter and ten results at most.
fn find(run: &Run, query: &str) -> Vec<Hit> {
    find_filtered(run, query, None, None)
}

fn find_filtered(run: &Run, query: &str, tag: Option<&str>, theme: Option<&str>) -> Vec<Hit> {
    let out = run.out.clone();
    let files = move |path: &str| std::fs::read(out.join(path)).ok();
    search(&files, query, tag, theme, 10).0
}

fn urls(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| h.url.clone()).collect()
}

fn article(title: &str, tags: &str, body: &str) -> String {
    format!("---\ntitle: \"{title}\"\ndate: 2024-01-01\ntags: [{tags}]\n---\n{body}\n")
}

// ---- normalisation and tokens ------------------------------------------------------------

#[test]
fn normalize_folds_width_case_and_invisible_characters() {
    assert_eq!(normalize("ＡＩ产品经理　ＰＭＦ"), "ai产品经理 pmf");
    assert_eq!(normalize("To\u{a0}B\u{200b}端\u{feff}"), "to b端");
    // Only ASCII is lowercased; Chinese punctuation outside U+FF01..U+FF5E stays.
    assert_eq!(normalize("Éclair。"), "Éclair。");
    assert_eq!(normalize("（Ｂ２Ｂ）"), "(b2b)");
}

#[test]
fn tokens_are_every_cjk_character_and_pair_and_every_latin_word() {
    assert_eq!(tokens("产品经理"), ["产", "产品", "品", "品经", "经", "经理", "理"]);
    assert_eq!(tokens("AI产品"), ["ai", "产", "产品", "品"]);
    assert_eq!(tokens("B2B，To B。"), ["b2b", "to", "b"]);
    // A run of one character gives its unigram only; punctuation breaks runs.
    assert_eq!(tokens("好，坏"), ["好", "坏"]);
    assert_eq!(tokens("ＰＭＦ 验证"), ["pmf", "验", "验证", "证"]);
    assert_eq!(tokens("プロ 제품"), ["プ", "プロ", "ロ", "제", "제품", "품"]);
}

#[test]
fn query_tokens_use_pairs_for_longer_runs_and_unigrams_for_single_characters() {
    assert_eq!(query_tokens("段简"), ["段简"]);
    assert_eq!(query_tokens("产品经理"), ["产品", "品经", "经理"]);
    assert_eq!(query_tokens("AI 产品经理"), ["ai", "产品", "品经", "经理"]);
    assert_eq!(query_tokens("猫"), ["猫"]);
    assert_eq!(query_tokens("To B"), ["to", "b"]);
    assert_eq!(query_tokens("ＢＴＢ 和 B端"), ["btb", "和", "b", "端"]);
    // Repeats are asked for once.
    assert_eq!(query_tokens("哈哈哈 ai AI"), ["哈哈", "ai"]);
    assert!(query_tokens(" ，。！ ").is_empty());
}

// ---- semantics on a small site --------------------------------------------------------------

fn small_site() -> Site {
    Site::new()
        .page("articles/joined.md", &article("连在一起", "写作", "这是一段简单的说明文字。"))
        .page("articles/apart.md", &article("分开写", "写作", "一段话，很简单。"))
        .page(
            "articles/pm.md",
            &article(
                "岗位观察",
                "职业",
                "开场。\n\n## AI 时代的角色\n\nAI产品经理要懂模型，也要懂用户。\n\n## 增长\n\n找到 PMF 之前不要扩张。\n",
            ),
        )
        .page(
            "articles/b2b.md",
            &article("企业服务", "企业", "先做 To B 的生意，B2B 客户付费更稳定。\n\n## 对比\n\nTo C 的用户多但是难赚钱。\n"),
        )
        .page("articles/bb.md", &article("别的", "杂谈", "b2bx 不是我们要的词，tob 也不是。"))
        .page("articles/pm-plain.md", &article("产品经理", "职业", "做产品需要耐心。"))
}

#[test]
fn chinese_matches_by_substring_and_only_where_the_characters_touch() {
    let site = small_site();
    let run = site.build_ok();
    assert_eq!(urls(&find(&run, "段简")), ["/articles/joined/"]);
    assert_eq!(urls(&find(&run, "一段简单")), ["/articles/joined/"]);
    // Both documents have 段 and 简; only one has them side by side.
    assert_eq!(find(&run, "简").len(), 2);
    assert!(find(&run, "段话简").is_empty());
}

#[test]
fn mixed_queries_need_every_word_and_every_chinese_run() {
    let site = small_site();
    let run = site.build_ok();
    let hits = find(&run, "AI 产品经理");
    assert_eq!(urls(&hits), ["/articles/pm/#ai-时代的角色"], "{hits:?}");
    assert_eq!(hits[0].heading.as_deref(), Some("AI 时代的角色"));
    assert_eq!(hits[0].title, "岗位观察");
    assert_eq!(hits[0].snippet_html, "<mark>ai产品经理</mark>要懂模型,也要懂用户。");

    assert_eq!(urls(&find(&run, "PMF")), ["/articles/pm/#增长"]);
    assert_eq!(urls(&find(&run, "pmf")), ["/articles/pm/#增长"]);
    assert_eq!(urls(&find(&run, "ＰＭＦ")), ["/articles/pm/#增长"]);
    // Whole words: `b2bx` does not answer `B2B`, `tob` does not answer `To B`.
    assert_eq!(urls(&find(&run, "B2B")), ["/articles/b2b/"]);
    // The `对比` section has `To C` but no `b`: it does not answer `To B`.
    assert_eq!(urls(&find(&run, "To B")), ["/articles/b2b/"]);
    assert!(find(&run, "To D").is_empty());
}

#[test]
fn snippets_mark_the_matches_and_titles_rank_first() {
    let site = small_site();
    let run = site.build_ok();
    let hits = find(&run, "产品经理");
    // The page titled 产品经理 outranks a page that only says it once in its text.
    assert_eq!(urls(&hits)[0], "/articles/pm-plain/");
    let pm = hits.iter().find(|h| h.url.starts_with("/articles/pm/")).expect("the section is found");
    assert!(pm.snippet_html.contains("<mark>产品经理</mark>"), "{}", pm.snippet_html);
    let joined = &find(&run, "段简")[0];
    assert_eq!(joined.snippet_html, "这是一<mark>段简</mark>单的说明文字。");
}

#[test]
fn one_page_shows_at_most_two_sections_next_to_each_other() {
    let body: String = (1..=4).map(|n| format!("## 第{n}节\n\n飞轮效应第{n}次出现。\n\n")).collect();
    let site = Site::new()
        .page("articles/many.md", &article("多节", "x", &body))
        .page("articles/other.md", &article("另一篇", "x", "飞轮效应飞轮效应飞轮效应。"));
    let run = site.build_ok();
    let hits = find(&run, "飞轮效应");
    let pages: Vec<&str> = hits.iter().map(|h| h.url.split('#').next().unwrap()).collect();
    assert_eq!(pages, ["/articles/other/", "/articles/many/", "/articles/many/"], "{hits:?}");
}

#[test]
fn the_files_follow_the_format() {
    let site = small_site();
    let run = site.build_ok();
    let manifest: serde_json::Value = serde_json::from_str(&run.read("search/index.json")).unwrap();
    assert_eq!(manifest["version"], 1);
    let docs = manifest["docs"].as_u64().unwrap();
    // joined, apart, pm (3 sections), b2b (2), bb, pm-plain.
    assert_eq!(docs, 9);
    let shards = manifest["token_shards"].as_u64().unwrap();
    assert!(shards.is_power_of_two());
    let size = manifest["doc_shard_size"].as_u64().unwrap();
    let doc_files = run.files().iter().filter(|f| f.starts_with("search/d/")).count() as u64;
    assert_eq!(doc_files, docs.div_ceil(size));
    let tags: Vec<String> = serde_json::from_value(manifest["tags"].clone()).unwrap();
    assert_eq!(tags, ["企业", "写作", "杂谈", "职业"]);

    // `b2b` sits in shard fnv1a32("b2b") & (T-1), for doc id of the b2b page with weight 1 + 0.
    let shard = themata::search::fnv1a32("b2b") & (shards as u32 - 1);
    let postings: serde_json::Value = serde_json::from_str(&run.read(&format!("search/t/{shard:x}.json"))).unwrap();
    assert!(postings["b2b"].is_array(), "{postings}");
    let all: Vec<serde_json::Value> = (0..docs.div_ceil(size))
        .flat_map(|n| serde_json::from_str::<Vec<serde_json::Value>>(&run.read(&format!("search/d/{n}.json"))).unwrap())
        .collect();
    let b2b = all.iter().position(|d| d["u"] == "/articles/b2b/").unwrap() as u64;
    // The first (and only) posting is the absolute doc id; body frequency 1, no boost.
    assert_eq!(postings["b2b"], serde_json::json!([b2b, 1]));
    assert_eq!(all[b2b as usize]["h"], serde_json::Value::Null);
    assert_eq!(all[b2b as usize]["x"], "先做 to b 的生意,b2b 客户付费更稳定。");
    assert_eq!(all[b2b as usize]["d"], "2024-01-01");
    assert_eq!(all[b2b as usize + 1]["u"], "/articles/b2b/#对比");
}

#[test]
fn doc_shards_hold_d_documents_each_and_average_four_to_eight_kilobytes() {
    // Real articles: the shard size D is estimated before the documents are written.
    let site = sample_site();
    let run = site.build_ok();
    let manifest: serde_json::Value = serde_json::from_str(&run.read("search/index.json")).unwrap();
    let (docs, size) = (manifest["docs"].as_u64().unwrap(), manifest["doc_shard_size"].as_u64().unwrap());
    let shards: Vec<String> = (0..docs.div_ceil(size)).map(|n| run.read(&format!("search/d/{n}.json"))).collect();
    for (n, shard) in shards.iter().enumerate() {
        let held = serde_json::from_str::<Vec<serde_json::Value>>(shard).unwrap().len() as u64;
        let expected = if n as u64 + 1 == docs.div_ceil(size) { docs - n as u64 * size } else { size };
        assert_eq!(held, expected, "shard {n}");
    }
    let mean = shards.iter().map(String::len).sum::<usize>() / shards.len();
    assert!((4 * 1024..=8 * 1024).contains(&mean), "{docs} documents, D = {size}, mean shard {mean} bytes");
}

// ---- escaping ------------------------------------------------------------------------------

#[test]
fn markup_in_titles_and_text_is_never_markup_in_search_files_or_snippets() {
    let evil = "<img src=x onerror=alert(1)>";
    let site = Site::new().page(
        "articles/evil.md",
        &format!("---\ntitle: \"{evil}\"\ntags: [\"<b>标签</b>\"]\n---\n危险标题的文章：`{evil}` 与 & 符号。\n"),
    );
    let run = site.build_ok();
    for file in run.files().iter().filter(|f| f.starts_with("search/") && f.ends_with(".json")) {
        let text = run.read(file);
        assert!(!text.contains('<') && !text.contains('>'), "{file}: {text}");
    }
    let hits = find(&run, "危险标题");
    assert_eq!(hits.len(), 1);
    // The title is data (the client sets it as text); the snippet is HTML and escaped.
    assert_eq!(hits[0].title, evil);
    assert!(hits[0].snippet_html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{}", hits[0].snippet_html);
    assert!(!hits[0].snippet_html.replace("<mark>", "").replace("</mark>", "").contains('<'));
    let onerror = find(&run, "onerror");
    assert_eq!(onerror.len(), 1);
    assert!(
        onerror[0].snippet_html.contains("&lt;img src=x <mark>onerror</mark>=alert(1)&gt;"),
        "{}",
        onerror[0].snippet_html
    );
    let manifest: serde_json::Value = serde_json::from_str(&run.read("search/index.json")).unwrap();
    assert_eq!(manifest["tags"][0], "<b>标签</b>");
}

// ---- filters -------------------------------------------------------------------------------

const THEME: &str = "---\ntitle: B端优先\nkeywords:\n  - { phrase: 企业客户, weight: 3 }\n---\n导言。\n";

#[test]
fn filters_by_tag_and_theme_narrow_the_results() {
    let site = Site::new()
        .page("themes/_index.md", "---\ntitle: 主题\n---\n")
        .page("themes/b2b.md", THEME)
        .page("articles/a.md", &article("甲", "增长", "增长飞轮转起来。"))
        .page("articles/b.md", &article("乙", "运营", "增长飞轮很难转。"))
        .page("articles/c.md", "---\ntitle: 丙\ntags: [运营]\nthemes: [b2b]\n---\n企业客户的增长飞轮。\n");
    let run = site.build_ok();
    assert_eq!(find(&run, "增长飞轮").len(), 3);
    assert_eq!(urls(&find_filtered(&run, "增长飞轮", Some("增长"), None)), ["/articles/a/"]);
    let mut operations = urls(&find_filtered(&run, "增长飞轮", Some("运营"), None));
    operations.sort();
    assert_eq!(operations, ["/articles/b/", "/articles/c/"]);
    assert_eq!(urls(&find_filtered(&run, "增长飞轮", None, Some("b2b"))), ["/articles/c/"]);
    assert_eq!(urls(&find_filtered(&run, "增长飞轮", Some("运营"), Some("b2b"))), ["/articles/c/"]);
    assert!(find_filtered(&run, "增长飞轮", Some("增长"), Some("b2b")).is_empty());
    assert!(find_filtered(&run, "增长飞轮", Some("没有这个标签"), None).is_empty());
    let manifest: serde_json::Value = serde_json::from_str(&run.read("search/index.json")).unwrap();
    assert_eq!(manifest["themes"], serde_json::json!([{"slug": "b2b", "title": "B端优先"}]));
    // The theme page itself is indexed; the section pages are not.
    assert_eq!(urls(&find(&run, "导言")), ["/themes/b2b/"]);
    assert!(find(&run, "主题").is_empty());
}

#[test]
fn a_query_fetches_the_manifest_its_token_shards_and_the_doc_shards_it_shows() {
    let site = small_site();
    let run = site.build_ok();
    let out = run.out.clone();
    let files = move |path: &str| std::fs::read(out.join(path)).ok();
    let (hits, fetched) = search(&files, "段简", None, None, 10);
    assert_eq!(hits.len(), 1);
    assert_eq!(fetched[0], "search/index.json");
    assert!(fetched[1].starts_with("search/t/"));
    assert!(fetched[2..].iter().all(|p| p.starts_with("search/d/")), "{fetched:?}");
    let mut unique = fetched.clone();
    unique.dedup();
    assert_eq!(unique, fetched, "each file is fetched once");
}

// ---- golden set over the real sample -------------------------------------------------------

/// Query, then the articles (by a part of their path) of which at least one must be in the
/// top three pages.
const GOLDEN: &[(&str, &[&str])] = &[
    ("人货场", &["5260194"]),
    ("同期群", &["5310621"]),
    ("决策分析", &["5354921"]),
    ("Tiamat", &["5663939"]),
    ("竞品分析报告", &["5672064"]),
    ("Mem", &["5677840"]),
    ("低代码", &["6055239"]),
    ("GPT 5", &["6165741"]),
    ("Transformer", &["6165864"]),
    ("AI眼镜", &["6165913"]),
    ("Figma Notion", &["6219943"]),
    ("Manner咖啡", &["5862066"]),
    ("营销关键词", &["5863729"]),
    ("中式养生", &["5957734"]),
    ("凯叔讲故事", &["5960409"]),
    ("微信小游戏", &["5960582"]),
    ("外扩内优", &["5992383"]),
    ("小红书", &["6116738"]),
    ("对话式交互", &["6086307"]),
    ("数字孪生", &["6095997"]),
    ("AI搜索", &["6096969"]),
    ("跨部门", &["6084255"]),
    ("返回码", &["6148172"]),
    ("自我修养", &["5181553", "5273295"]),
    ("AI 产品经理", &["5231996", "5396083", "ai-era-product-managers"]),
    ("人文素养", &["5396083"]),
    ("懂技术", &["5741125"]),
    ("体验管理", &["5698232"]),
    ("相亲", &["5750816"]),
    ("知识管理", &["5762467"]),
    ("年终奖", &["5768376"]),
    ("Reid Hoffman", &["5705130"]),
    ("闪电式扩张", &["5705130"]),
    ("OpenAI 创投基金", &["5773513"]),
    ("心理咨询", &["chuangye-2444855"]),
    ("商业计划书", &["chuangye-3346881"]),
    ("大IP 翻车", &["6116157"]),
    ("星巴克 喜茶", &["6119056"]),
    ("SMB", &["6119162"]),
    ("体验设计师", &["5752063"]),
    ("张竞宇", &["ai-era-product-managers"]),
    ("外围技能", &["ai-era-product-managers"]),
];

#[test]
fn golden_queries_find_their_articles_in_the_top_three() {
    let site = sample_site();
    let run = site.build_ok();
    let mut failures = Vec::new();
    for (query, expected) in GOLDEN {
        let hits = find(&run, query);
        let mut pages: Vec<&str> = Vec::new();
        for hit in &hits {
            let page = hit.url.split('#').next().unwrap();
            if !pages.contains(&page) {
                pages.push(page);
            }
        }
        let top = &pages[..pages.len().min(3)];
        if !expected.iter().any(|e| top.iter().any(|p| p.contains(e))) {
            failures.push(format!("{query}: expected {expected:?}, top three {top:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn common_tokens_are_bitmaps_and_still_rank_titles_first() {
    let site = Site::new();
    for i in 0..600 {
        let body =
            if i == 77 { "产品经理与飞轮。".to_string() } else { format!("产品经理的第{i}篇笔记。") };
        let title = if i == 300 { "产品经理".to_string() } else { format!("笔记{i}") };
        site.write(&format!("content/n/{i}.md"), &format!("---\ntitle: {title}\n---\n{body}\n"));
    }
    let run = site.build_ok();
    let shards: Vec<String> =
        run.files().into_iter().filter(|f| f.starts_with("search/t/")).map(|f| run.read(&f)).collect();
    assert!(shards.iter().any(|s| s.contains("\"产品\":{\"b\":\"")), "the common token is a bitmap");
    let hits = find(&run, "产品经理");
    assert_eq!(hits[0].title, "产品经理", "the title match still ranks first");
    assert!(hits.len() >= 10);
    let rare = find(&run, "飞轮");
    assert_eq!(rare.len(), 1);
    assert_eq!(rare[0].title, "笔记77");
    let both = find(&run, "产品经理 飞轮");
    assert_eq!(both.len(), 1, "AND of a bitmap token and a list token");
}
