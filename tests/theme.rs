//! The default theme in a real headless Chromium against a real `themata serve`: the main pages
//! at 390 px and 1280 px (screenshots are kept in `target/tmp/screenshots/`), with assertions on
//! what a reader gets — no horizontal scrolling on a phone, the table of contents beside the text
//! on a wide screen, dark mode when the reader prefers it, a toggle that persists, lazy images
//! without a referrer, and no request leaving the site.

mod support;
use std::path::PathBuf;

use serde_json::Value;
use support::browser::{Browser, serve};
use support::{Site, copy_dir, repo, shared};

/// The real knowledge base plus a few sample articles, so listings and the graph have content.
fn site() -> Site {
    let site = Site::new().file("site.toml", &std::fs::read_to_string(repo().join("site.toml")).unwrap());
    copy_dir(&repo().join("content"), &site.root().join("content"));
    copy_dir(&shared().join("corpus-sample/woshipm/pmd"), &site.root().join("content/articles/sample"));
    site
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("article", "/articles/pmd/2023/07/5876318/"),
    ("theme", "/themes/skill-obsolescence/"),
    ("tag", "/tags/ai/"),
    ("author", "/authors/硅星人/"),
    ("search", "/search/?q=产品经理"),
    ("graph", "/graph/"),
    ("not-found", "/no/such/page/"),
];

#[test]
fn main_pages_fit_phones_and_wide_screens() {
    if !support::browser::browser_available("main_pages_fit_phones_and_wide_screens") {
        return;
    }
    let site = site();
    let (_server, base) = serve(&site);
    let browser = Browser::start();
    let dir = screenshots();
    for width in [390u32, 1280] {
        browser.resize(width, 900);
        for (name, path) in PAGES {
            browser.open(&format!("{base}{path}"));
            browser.wait_for("return document.readyState", |v| v == "complete");
            let overflow = browser.eval("return document.documentElement.scrollWidth - window.innerWidth");
            assert!(overflow.as_i64().unwrap() <= 0, "{name} scrolls sideways by {overflow} px at {width} px");
            let h1 = browser.eval("const h = document.querySelectorAll('h1'); return h.length");
            assert_eq!(h1, 1, "{name} has one h1");
            std::fs::write(dir.join(format!("{name}-{width}.png")), browser.screenshot()).unwrap();
        }
    }
}

#[test]
fn the_table_of_contents_sits_beside_the_text_on_wide_screens_and_folds_on_phones() {
    if !support::browser::browser_available(
        "the_table_of_contents_sits_beside_the_text_on_wide_screens_and_folds_on_phones",
    ) {
        return;
    }
    let site = site();
    let (_server, base) = serve(&site);
    let browser = Browser::start();
    let article = format!("{base}/articles/pmd/2023/07/5876318/");
    let layout = "const toc = document.querySelector('#toc'); const body = document.querySelector('.article-body');
        const t = toc.getBoundingClientRect(), b = body.getBoundingClientRect();
        const link = toc.querySelector('nav a').getBoundingClientRect();
        return { open: toc.open, linkVisible: toc.querySelector('nav a').checkVisibility() && link.width > 0,
                 beside: t.left >= b.right - 1 || t.right <= b.left + 1,
                 rects: [t.left, t.right, b.left, b.right, window.innerWidth] };";
    browser.resize(1280, 900);
    browser.open(&article);
    let wide = browser.wait_for(layout, |v| v["linkVisible"] == true);
    assert_eq!(wide["beside"], true, "at 1280 px the contents sit beside the text: {wide}");
    browser.resize(390, 800);
    browser.open(&article);
    let narrow = browser.eval(layout);
    assert_eq!(narrow["open"], false, "at 390 px the contents are folded: {narrow}");
    assert_eq!(narrow["linkVisible"], false, "{narrow}");
}

/// The relative luminance of a CSS `rgb(...)` colour.
fn luminance(css: &Value) -> f64 {
    let numbers: Vec<f64> = css
        .as_str()
        .unwrap()
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|n| n.trim().parse::<f64>().unwrap() / 255.0)
        .collect();
    let linear = |c: f64| if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
    0.2126 * linear(numbers[0]) + 0.7152 * linear(numbers[1]) + 0.0722 * linear(numbers[2])
}

#[test]
fn dark_mode_follows_the_preference_and_the_toggle_persists() {
    if !support::browser::browser_available("dark_mode_follows_the_preference_and_the_toggle_persists") {
        return;
    }
    let site = site();
    let (_server, base) = serve(&site);
    let browser = Browser::start();
    let background = "return getComputedStyle(document.body).backgroundColor";
    browser.prefer_color_scheme("dark");
    browser.open(&format!("{base}/"));
    let dark = luminance(&browser.eval(background));
    assert!(dark < 0.05, "a dark preference gives a dark page (luminance {dark})");
    let code = browser.eval("const c = document.createElement('span'); c.className = 'hl-source'; document.body.append(c); return getComputedStyle(c).color");
    assert!(code.is_string());
    browser.prefer_color_scheme("light");
    browser.open(&format!("{base}/"));
    let light = luminance(&browser.eval(background));
    assert!(light > 0.8, "a light preference gives a light page (luminance {light})");

    // The reader's own choice wins and survives a reload.
    browser.eval("document.querySelector('#theme-toggle').click(); return null");
    assert_eq!(browser.eval("return document.documentElement.dataset.theme"), "dark");
    browser.open(&format!("{base}/articles/pmd/2023/07/5876318/"));
    assert_eq!(browser.eval("return document.documentElement.dataset.theme"), "dark");
    assert!(luminance(&browser.eval(background)) < 0.05);
}

#[test]
fn pages_load_nothing_from_outside_the_site_and_images_are_lazy() {
    if !support::browser::browser_available("pages_load_nothing_from_outside_the_site_and_images_are_lazy") {
        return;
    }
    let site = site();
    let (_server, base) = serve(&site);
    let browser = Browser::start();
    browser.open(&format!("{base}/articles/pmd/2023/07/5876318/"));
    browser.wait_for("return document.readyState", |v| v == "complete");
    // Only images in view may come from elsewhere (the export's image host); never a script,
    // stylesheet or font, so nothing outside the site blocks rendering.
    let outside = browser.eval(&format!(
        "return performance.getEntriesByType('resource').filter(e => !e.name.startsWith({base:?}) && e.initiatorType !== 'img').map(e => e.name)"
    ));
    assert_eq!(outside, Value::Array(Vec::new()), "non-image requests outside the site");
    let blocking = browser.eval(&format!(
        "return [...document.querySelectorAll('link[rel=stylesheet], script[src]')].map(e => e.href || e.src).filter(u => !u.startsWith({base:?}))"
    ));
    assert_eq!(blocking, Value::Array(Vec::new()), "render-blocking resources from outside the site");
    let images = browser
        .eval("return [...document.querySelectorAll('.article-body img')].map(i => [i.loading, i.referrerPolicy])");
    let images = images.as_array().unwrap();
    assert!(!images.is_empty());
    for image in images {
        assert_eq!(image, &serde_json::json!(["lazy", "no-referrer"]));
    }
    let lang = browser.eval("return document.documentElement.lang");
    assert_eq!(lang, "zh-CN");
    let fonts = browser.eval("return getComputedStyle(document.body).fontFamily");
    assert!(
        fonts.as_str().unwrap().contains("PingFang SC") && fonts.as_str().unwrap().contains("Noto Sans CJK SC"),
        "{fonts}"
    );
    let line_break = browser.eval("return getComputedStyle(document.querySelector('.article-body p')).lineBreak");
    assert_eq!(line_break, "strict");
}
