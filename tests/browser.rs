//! The search page in a real browser: `themata serve` on a fixture of sample articles, headless
//! Chromium driven through chromedriver's WebDriver HTTP API (a small client over TcpStream).
//! What is checked is what a reader sees: result titles for a Chinese query from the URL, new
//! results after typing, the `/` key focusing the header box, and a hostile title shown as text.
//! Every wait is bounded; the browser, chromedriver and the server are stopped at the end.

mod support;
use std::path::Path;

use serde_json::{Value, json};
use support::browser::{Browser, serve};
use support::{Site, shared};
use themata::text::is_cjk;

const XSS_TITLE: &str = "<img src=x onerror=alert(1)>";

/// The twelve first sample articles (by path) and a page with a hostile title.
fn fixture() -> (Site, Vec<(String, String, String)>) {
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n");
    let from = shared().join("corpus-sample/woshipm");
    let mut files: Vec<_> = walkdir::WalkDir::new(&from)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    files.truncate(12);
    let mut pages = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&from).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        site.write(&format!("content/sample/{rel}"), &text);
        let title = text.lines().next().unwrap().trim_start_matches("# ").trim().to_string();
        let url = format!("/sample/{}/", rel.trim_end_matches(".md"));
        pages.push((url, title, text));
    }
    let body = "这一页的标题是一段 HTML，搜索结果必须把它当作文字显示。";
    site.write("content/xss.md", &format!("---\ntitle: \"{XSS_TITLE}\"\n---\n{body}\n"));
    pages.push(("/xss/".into(), XSS_TITLE.into(), body.into()));
    (site, pages)
}

/// The spec's normalisation: full-width ASCII folded, ASCII lower case, zero widths dropped.
fn normalise(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).map(|c| c.to_ascii_lowercase()),
            0x3000 | 0xA0 => Some(' '),
            0x200B..=0x200D | 0xFEFF => None,
            _ => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// Index tokens of normalised text: CJK unigrams and bigrams, Latin words.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if is_cjk(chars[i]) {
            while i < chars.len() && is_cjk(chars[i]) {
                out.push(chars[i].to_string());
                if i > start {
                    out.push(chars[i - 1..=i].iter().collect());
                }
                i += 1;
            }
        } else if chars[i].is_ascii_alphanumeric() {
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    out
}

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x01000193))
}

/// A small hand-made index in format v1 (one document per page), written under `static/search/`
/// for as long as the build does not write one itself.
fn write_fixture_index(site: &Site, pages: &[(String, String, String)]) {
    const SHARDS: u32 = 8;
    const DOC_SHARD: usize = 4;
    let mut postings: std::collections::BTreeMap<String, Vec<(usize, u32)>> = Default::default();
    let mut docs = Vec::new();
    for (id, (url, title, text)) in pages.iter().enumerate() {
        let x: String = normalise(text).split_whitespace().collect::<Vec<_>>().join(" ").chars().take(2000).collect();
        let mut weights: std::collections::BTreeMap<String, u32> = Default::default();
        for token in tokens(&x) {
            *weights.entry(token).or_default() += 1;
        }
        let title_tokens: std::collections::BTreeSet<String> = tokens(&normalise(title)).into_iter().collect();
        for token in title_tokens {
            *weights.entry(token).or_default() += 10;
        }
        for (token, weight) in weights {
            postings.entry(token).or_default().push((id, weight.min(255)));
        }
        docs.push(json!({"u": url, "t": title, "h": null, "x": x, "g": [], "m": [], "d": ""}));
    }
    let dir = site.root().join("static/search");
    std::fs::create_dir_all(dir.join("t")).unwrap();
    std::fs::create_dir_all(dir.join("d")).unwrap();
    let mut shards: Vec<serde_json::Map<String, Value>> = vec![Default::default(); SHARDS as usize];
    for (token, list) in postings {
        let mut encoded = Vec::new();
        let mut previous = 0;
        for (doc, weight) in list {
            encoded.push(json!(doc - previous));
            encoded.push(json!(weight));
            previous = doc;
        }
        shards[(fnv1a(&token) & (SHARDS - 1)) as usize].insert(token, Value::Array(encoded));
    }
    for (n, shard) in shards.into_iter().enumerate() {
        std::fs::write(dir.join(format!("t/{n:x}.json")), Value::Object(shard).to_string()).unwrap();
    }
    for (n, chunk) in docs.chunks(DOC_SHARD).enumerate() {
        std::fs::write(dir.join(format!("d/{n}.json")), json!(chunk).to_string()).unwrap();
    }
    let manifest = json!({"version": 1, "docs": docs.len(), "token_shards": SHARDS,
        "doc_shard_size": DOC_SHARD, "tags": [], "themes": []});
    std::fs::write(dir.join("index.json"), manifest.to_string()).unwrap();
}

const RESULT_TITLES: &str = "return Array.from(document.querySelectorAll('#search-results .search-result-title'))\
    .map(e => e.textContent)";

fn strings(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// The titles of the fixture pages whose title or text contains `phrase` (after normalising).
fn containing(pages: &[(String, String, String)], phrase: &str) -> Vec<String> {
    let phrase = normalise(phrase);
    let mut titles: Vec<String> = pages
        .iter()
        .filter(|(_, title, text)| {
            normalise(title).contains(&phrase)
                || normalise(text).split_whitespace().collect::<Vec<_>>().join(" ").contains(&phrase)
        })
        .map(|(_, title, _)| title.clone())
        .collect();
    titles.sort();
    titles
}

#[test]
fn search_page_in_a_real_browser() {
    if !support::browser::browser_available("search_page_in_a_real_browser") {
        return;
    }
    let (site, pages) = fixture();
    if !site.build_ok().exists("search/index.json") {
        write_fixture_index(&site, &pages);
    }
    std::fs::remove_dir_all(site.root().join("public")).unwrap();
    assert!(Path::new(&site.root().join("content/xss.md")).exists());
    let (_server, base) = serve(&site);
    let browser = Browser::start();

    // A Chinese query in the URL: the two articles of the series, and only pages that say it.
    browser.open(&format!("{base}/search/?q=%E6%95%B0%E6%8D%AE%E5%88%86%E6%9E%90%E5%85%AB%E5%A4%A7%E6%A8%A1%E5%9E%8B"));
    let mut shown = strings(&browser.wait_for(RESULT_TITLES, |v| !v.as_array().unwrap().is_empty()));
    shown.sort();
    let expected = containing(&pages, "数据分析八大模型");
    assert!(expected.contains(&"数据分析八大模型：人货场模型".to_string()), "{expected:?}");
    assert!(expected.contains(&"数据分析八大模型：同期群模型".to_string()), "{expected:?}");
    // (The index may hold only the start of a long text: every page shown must say it, and the
    // two whose titles say it must be there.)
    assert!(shown.iter().all(|t| expected.contains(t)), "{shown:?} not all in {expected:?}");
    assert!(shown.contains(&"数据分析八大模型：人货场模型".to_string()), "{shown:?}");
    assert!(shown.contains(&"数据分析八大模型：同期群模型".to_string()), "{shown:?}");
    let status = browser.eval("return document.getElementById('search-status').textContent");
    assert_eq!(status, json!(format!("找到 {} 篇文章", shown.len())));
    let marks = strings(
        &browser.eval("return Array.from(document.querySelectorAll('#search-results mark')).map(e => e.textContent)"),
    );
    assert!(!marks.is_empty() && marks.iter().all(|m| m == "数据分析八大模型"), "{marks:?}");

    // Typing another query replaces the results and the URL follows.
    browser.type_into("#search-q", "竞品分析报告");
    let shown = strings(
        &browser.wait_for(RESULT_TITLES, |v| strings(v).contains(&"如何写一份靠谱的竞品分析报告？".to_string())),
    );
    let expected = containing(&pages, "竞品分析报告");
    assert!(shown.iter().all(|t| expected.contains(t)), "{shown:?} not all in {expected:?}");
    assert!(!shown.iter().any(|t| t.contains("人货场")), "{shown:?}");
    let search = browser.eval("return decodeURIComponent(location.search)");
    assert_eq!(search, json!("?q=竞品分析报告"));

    // A query with nothing to find says so.
    browser.type_into("#search-q", "量子菠萝");
    browser.wait_for("return document.getElementById('search-status').textContent", |v| v == "没有找到结果");
    assert_eq!(strings(&browser.eval(RESULT_TITLES)), Vec::<String>::new());

    // A hostile title is text, not markup.
    browser.open(&format!("{base}/search/?q=onerror"));
    let shown = strings(&browser.wait_for(RESULT_TITLES, |v| !v.as_array().unwrap().is_empty()));
    assert_eq!(shown, [XSS_TITLE]);
    assert_eq!(browser.eval("return document.querySelectorAll('main img').length"), json!(0));

    // On an article page, `/` puts the cursor in the header's search box.
    browser.open(&format!("{base}{}", pages[0].0));
    let title = browser.eval("return document.querySelector('h1').textContent.trim()");
    assert_eq!(title, json!(pages[0].1));
    browser.press("/");
    let focused = browser.eval("return document.activeElement && document.activeElement.id");
    assert_eq!(focused, json!("site-search-q"));
    let typed = browser.eval("return document.activeElement.value");
    assert_eq!(typed, json!(""), "the `/` itself is not typed into the box");

    // The header box sends the query to /search/.
    browser.type_into("#site-search-q", "竞品分析报告\n");
    let shown = strings(&browser.wait_for(RESULT_TITLES, |v| !v.as_array().unwrap().is_empty()));
    assert!(shown.contains(&"如何写一份靠谱的竞品分析报告？".to_string()), "{shown:?}");
}

/// On a site large enough that common tokens are stored as bitmaps, the client still finds,
/// ranks and verifies.
#[test]
fn search_over_bitmap_tokens_in_a_real_browser() {
    if !support::browser::browser_available("search_over_bitmap_tokens_in_a_real_browser") {
        return;
    }
    let site = Site::new();
    themata::corpus::write(&site.root().join("content/articles"), 300, 7).unwrap();
    site.write("content/articles/special.md", "---\ntitle: 产品经理的飞轮笔记\n---\n关于飞轮效应的产品经理笔记。\n");
    let (_server, base) = serve(&site);
    let browser = Browser::start();
    browser.open(&format!("{base}/search/?q=产品经理 飞轮"));
    let titles = browser.wait_for(
        "return [...document.querySelectorAll('#search-results .search-result-title')].map(e => e.textContent.trim())",
        |v| v.as_array().is_some_and(|a| !a.is_empty()),
    );
    assert_eq!(titles[0], "产品经理的飞轮笔记", "{titles}");
    browser.open(&format!("{base}/search/?q=产品经理"));
    let many = browser.wait_for("return document.querySelectorAll('#search-results li').length", |v| {
        v.as_u64().is_some_and(|n| n >= 5)
    });
    assert!(many.as_u64().unwrap() >= 5);
}

/// Live reload in a real browser: an open tab reloads when its own page changes, stays put when
/// another page changes, and shows a failed build's errors over the page until they are fixed.
#[test]
fn open_tabs_follow_the_edits_of_their_own_page() {
    if !support::browser::browser_available("open_tabs_follow_the_edits_of_their_own_page") {
        return;
    }
    let page = |title: &str, body: &str| format!("---\ntitle: {title}\ndate: 2024-01-01\n---\n{body}\n");
    let site = Site::new().page("a.md", &page("甲", "第一版。")).page("b.md", &page("乙", "乙的正文。"));
    let (_server, base) = serve(&site);
    let browser = Browser::start();
    browser.open(&format!("{base}/a/"));
    browser.wait_for("return document.readyState", |v| v == "complete");
    // Let the live-reload stream connect, then mark this document.
    std::thread::sleep(std::time::Duration::from_millis(500));
    browser.eval("window.__kept = true; return null");

    site.write("content/b.md", &page("乙", "乙改过了。"));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(browser.eval("return window.__kept === true"), true, "another page's edit must not reload this tab");

    site.write("content/a.md", &page("甲", "第二版。"));
    browser.wait_for("return !window.__kept && document.body.textContent.includes('第二版')", |v| v == true);

    site.write("content/a.md", "---\ntitle: 甲\ndate: 2024-1-1\n---\n坏了。\n");
    let overlay = browser
        .wait_for("const o = document.querySelector('[role=alert]'); return o ? o.textContent : ''", |v| {
            v.as_str().is_some_and(|t| !t.is_empty())
        });
    assert!(overlay.as_str().unwrap().contains(" --> content/a.md:3:7"), "{overlay}");
    assert!(
        browser.eval("return document.body.textContent").as_str().unwrap().contains("第二版"),
        "the last good page stays"
    );

    site.write("content/a.md", &page("甲", "第三版。"));
    browser.wait_for(
        "return !document.querySelector('[role=alert]') && document.body.textContent.includes('第三版')",
        |v| v == true,
    );
}
