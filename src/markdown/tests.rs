//! Tests of the whole Markdown stage: snapshots of Chinese inputs, behaviour
//! on bad input, positions, and every real sample article.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::*;

/// Resolves `ok*` destinations to `/ok/<dest without .md>/`, and nothing else.
struct Resolver {
    asked: Mutex<Vec<(String, bool)>>,
}

impl Resolver {
    fn new() -> Self {
        Self { asked: Mutex::new(Vec::new()) }
    }

    fn asked(&self) -> Vec<(String, bool)> {
        self.asked.lock().unwrap().clone()
    }
}

impl LinkResolver for Resolver {
    fn resolve(&self, dest: &str, wiki: bool) -> Option<String> {
        self.asked.lock().unwrap().push((dest.to_string(), wiki));
        let path = dest.split('#').next().unwrap_or("");
        path.starts_with("ok").then(|| format!("/{}/", path.trim_end_matches(".md")))
    }
}

fn render_with(body: &str, line_offset: usize) -> Rendered {
    render(body, &Options { line_offset, resolver: &Resolver::new(), glossary: None, self_url: None })
}

fn html(body: &str) -> String {
    render_with(body, 0).html
}

/// What a snapshot shows: the HTML, then whatever else the body produced.
fn snapshot(body: &str) -> String {
    let r = render_with(body, 0);
    let mut out = format!("{body}\n---- html\n{}", r.html);
    if !r.toc.is_empty() {
        out.push_str("---- toc\n");
        toc_lines(&r.toc, 0, &mut out);
    }
    for w in &r.warnings {
        out.push_str(&format!("---- warning {}:{} {}\n", w.line, w.column, w.message));
    }
    out
}

fn toc_lines(toc: &[TocEntry], depth: usize, out: &mut String) {
    for e in toc {
        out.push_str(&format!("{}h{} #{} {}\n", "  ".repeat(depth), e.level, e.id, e.title));
        toc_lines(&e.children, depth + 1, out);
    }
}

// ---- CJK emphasis -------------------------------------------------------

#[test]
fn snapshot_cjk_bold_ending_in_punctuation() {
    insta::assert_snapshot!(snapshot(
        "**首先，**众所周知，续航是关键。\n\n\
         **这是最快的途径。**众所周知\n\n\
         **真的吗！**当然\n\n\
         **为什么？**因为\n\n\
         **原因如下：**第一\n\n\
         **一是成本；**二是效率\n\n\
         **（先是咖啡师，后是顾客）**再看\n\n\
         主题为**「卡住了」**时，**对“错误”的反思。**然后"
    ));
}

#[test]
fn snapshot_cjk_bold_nested_and_across_lines() {
    insta::assert_snapshot!(snapshot(
        "**外层，*内层：*继续。**后文\n\n\
         ***粗斜体。***后文\n\n\
         **跨行的粗体，\n到第二行结束。**后文\n\n\
         **解决之道——“**今天，我们**与众不同**的东西\n\n\
         创造「**差异化**」**的产品体验**。"
    ));
}

#[test]
fn bold_ending_in_each_cjk_punctuation_is_closed() {
    for p in ['，', '。', '！', '？', '：', '；', '）', '」', '》', '”'] {
        let out = html(&format!("**重点{p}**后文"));
        assert_eq!(out, format!("<p><strong>重点{p}</strong>后文</p>\n"), "with {p}");
    }
}

#[test]
fn bold_starting_with_cjk_punctuation_after_han_is_opened() {
    assert_eq!(html("他说**“这是关键”**然后"), "<p>他说<strong>“这是关键”</strong>然后</p>\n");
    assert_eq!(html("即**《回归初心》！**"), "<p>即<strong>《回归初心》！</strong></p>\n");
}

#[test]
fn strikethrough_ending_in_cjk_punctuation_is_closed() {
    for p in ['，', '。', '！', '？', '：', '；', '）', '」', '》', '”'] {
        let out = html(&format!("~~删除{p}~~后文"));
        assert_eq!(out, format!("<p><del>删除{p}</del>后文</p>\n"), "with {p}");
    }
    assert_eq!(html("**重点。**~~删除。~~后"), "<p><strong>重点。</strong><del>删除。</del>后</p>\n");
    assert_eq!(html("~~**粗，**删。~~后"), "<p><del><strong>粗，</strong>删。</del>后</p>\n");
    assert_eq!(html("~~[链接，](https://e.x)~~后"), "<p><del><a href=\"https://e.x\">链接，</a></del>后</p>\n");
    assert_eq!(html("~~跨行\n的删除。~~后"), "<p><del>跨行\n的删除。</del>后</p>\n");
}

#[test]
fn tildes_that_are_not_strikethrough_stay_as_written() {
    assert_eq!(html("1~2年，3~5年"), "<p>1~2年，3~5年</p>\n");
    assert_eq!(html("a ~~ b ~~ c 与 x~~~y"), "<p>a ~~ b ~~ c 与 x~~~y</p>\n");
    assert_eq!(html("\\~~不是，~~后"), "<p>~~不是，~~后</p>\n");
    assert_eq!(html("`~~代码，~~后`"), "<p><code>~~代码，~~后</code></p>\n");
    assert_eq!(html("~~甲~~~~乙~~"), "<p><del>甲~~~~乙</del></p>\n");
    let fence = html("~~~\n~~删除。~~后\n~~~");
    assert!(fence.contains("~~删除。~~后") && !fence.contains("<del>"), "{fence}");
}

#[test]
fn emphasis_never_touches_code() {
    assert_eq!(
        html("`**重点，**后文` 与 **重点，**后文"),
        "<p><code>**重点，**后文</code> 与 <strong>重点，</strong>后文</p>\n"
    );
    let out = html("```\n**重点，**后文\n```\n\n    **缩进，**代码\n");
    assert!(out.contains("**重点，**后文"), "{out}");
    assert!(out.contains("**缩进，**代码"), "{out}");
    assert!(!out.contains("strong"), "{out}");
}

#[test]
fn literal_and_escaped_stars_stay_stars() {
    assert_eq!(
        html("付费转化率\\*客户价值=15%\\*322，\\*\\*不是粗体\\*\\*"),
        "<p>付费转化率*客户价值=15%*322，**不是粗体**</p>\n"
    );
    assert_eq!(html("价值=15%*322元"), "<p>价值=15%*322元</p>\n");
    assert_eq!(html("a * b ** c"), "<p>a * b ** c</p>\n");
}

#[test]
fn english_emphasis_follows_commonmark() {
    assert_eq!(
        html("**bold** and *em* and ***both*** and **a *b* c**"),
        "<p><strong>bold</strong> and <em>em</em> and <em><strong>both</strong></em> and \
         <strong>a <em>b</em> c</strong></p>\n"
    );
    assert_eq!(html("a**\"b\"**c"), "<p>a**\"b\"**c</p>\n");
    assert_eq!(html("_em_ and __strong__"), "<p><em>em</em> and <strong>strong</strong></p>\n");
}

#[test]
fn emphasis_does_not_cross_links_or_cells() {
    // The stars inside the link text cannot pair with those outside it.
    assert_eq!(
        html("**看[链接，**文字](https://e.x)后**"),
        "<p><strong>看<a href=\"https://e.x\">链接，**文字</a>后</strong></p>\n"
    );
    assert_eq!(
        html("**[链接](https://e.x)，**后文"),
        "<p><strong><a href=\"https://e.x\">链接</a>，</strong>后文</p>\n"
    );
    let table = html("|a|b|\n|-|-|\n|**x，**y|**z**|\n");
    assert!(table.contains("<td><strong>x，</strong>y</td><td><strong>z</strong></td>"), "{table}");
}

#[test]
fn shortcut_reference_labels_still_match_their_definition() {
    assert_eq!(
        html("见[**术语，**]\n\n[**术语，**]: https://e.x/t"),
        "<p>见<a href=\"https://e.x/t\"><strong>术语，</strong></a></p>\n"
    );
}

#[test]
fn body_containing_the_marker_character_falls_back_to_commonmark() {
    // U+A8FC stands for `*` between the two parses; a body that already has
    // one is rendered with CommonMark's own emphasis rules, and keeps it.
    assert_eq!(html("\u{a8fc} **a** **重点，**后"), "<p>\u{a8fc} <strong>a</strong> **重点，**后</p>\n");
    // U+A8FA does the same for `~`.
    assert_eq!(html("\u{a8fa} ~~a~~ ~~删除，~~后"), "<p>\u{a8fa} <del>a</del> ~~删除，~~后</p>\n");
}

#[test]
fn odd_inputs_render_balanced_html() {
    let inputs = [
        "**",
        "*",
        "****a****",
        "\\",
        "{%",
        "{% %}",
        "{%%}",
        "[[",
        "[[]]",
        "![](",
        "~~**a，**~~b",
        "~~a，**b~~c**",
        "**~~a，**b~~",
        "~~~~",
        "~~",
        "~~\n~~",
        "**a ~~b** c~~",
        "*a **b* c**",
        "**a *b** c*",
        "# **",
        "|**|\n|-|\n|**|",
        "**[**]**",
        "***a，**b*",
        "**甲\n\n乙**",
        "> **甲，\n**乙",
        "{% hint style=\"info\" %}\n- a\n{% endhint %}\n- b",
        "- {% hint style=\"info\" %}\n- {% endhint %}",
        "```\n{% hint style=\"info\" %}\n```\n{% endhint %}",
        "\r\n**重点，**后\r\n",
    ];
    for input in inputs {
        let out = html(input);
        for tag in ["strong", "em", "div", "del", "a", "p", "li", "blockquote"] {
            let opens = out.matches(&format!("<{tag}>")).count() + out.matches(&format!("<{tag} ")).count();
            let closes = out.matches(&format!("</{tag}>")).count();
            assert_eq!(opens, closes, "<{tag}> in {out:?} from {input:?}");
        }
    }
}

// ---- headings -----------------------------------------------------------

#[test]
fn snapshot_headings_with_cjk_ids_and_duplicates() {
    insta::assert_snapshot!(snapshot(
        "## 一、外围技能失效，产品经理们步入“尴尬期”\n\n\
         ### A/B测试\n\n\
         ### AI+时代\n\n\
         ## 总结\n\n\
         #### 职场&规划\n\n\
         ## 总结\n\n\
         ## 自定义 {#custom}\n\n\
         ## custom\n\n\
         ## ？！\n\n\
         ## **To B**：`代码`"
    ));
}

#[test]
fn custom_ids_are_kept_and_duplicates_warned() {
    let r = render_with("## 甲 {#x}\n\n## 乙 {#x}\n", 4);
    assert_eq!(r.toc[0].id, "x");
    assert_eq!(r.toc[1].id, "x");
    assert_eq!(r.warnings.len(), 1);
    assert_eq!((r.warnings[0].line, r.warnings[0].column), (7, 1));
    assert!(r.warnings[0].message.contains("`x`"));
}

#[test]
fn toc_nests_by_level() {
    let r = render_with("# 标题\n\n## 一\n\n### 一.1\n\n### 一.2\n\n## 二\n\n#### 二.深\n", 0);
    assert_eq!(r.toc.len(), 1);
    let h1 = &r.toc[0];
    assert_eq!(h1.children.iter().map(|e| e.title.as_str()).collect::<Vec<_>>(), ["一", "二"]);
    assert_eq!(h1.children[0].children.len(), 2);
    assert_eq!(h1.children[1].children[0].id, "二-深");
}

// ---- callouts and template tags -----------------------------------------

#[test]
fn snapshot_callouts() {
    insta::assert_snapshot!(snapshot(
        "前文\n\
         {% hint style=\"info\" %}\n\
         **提示：**这里是*正文*。\n\n\
         - 列表一\n\
         - 列表二\n\
         {% endhint %}\n\n\
         {% hint style=\"success\" %}\n成功\n{% endhint %}\n\
         {% hint style=\"warning\" %}\n注意\n{% endhint %}\n\
         {% hint style=\"danger\" %}\n\
         外层\n\
         {% hint style=\"info\" %}\n内层\n{% endhint %}\n\
         {% endhint %}\n\n\
         > [!NOTE]\n> GFM 提示\n\n\
         > [!CAUTION]\n> 小心"
    ));
}

#[test]
fn snapshot_unknown_template_tag() {
    insta::assert_snapshot!(snapshot(
        "正文 {% include \"a_b*c*\" | [x] %} 后文\n\n\
         {% embed url=\"https://www.youtube.com/watch?v=a_b_c\" %}\n\n\
         {% hint style=\"tip\" %}\n未知样式\n{% endhint %}"
    ));
}

#[test]
fn unknown_tag_is_kept_exactly_and_located() {
    let body = "第一行\n\n说明：**重点，**{% raw *a* _b_ `c` <d> &amp; \\e %}结束";
    let r = render_with(body, 10);
    assert!(r.plain_text.contains("{% raw *a* _b_ `c` <d> &amp; \\e %}结束"), "{}", r.plain_text);
    assert!(r.html.contains("{% raw *a* _b_ `c` &lt;d&gt; &amp;amp; \\e %}"), "{}", r.html);
    assert!(r.html.contains("<strong>重点，</strong>"), "{}", r.html);
    assert_eq!(r.warnings.len(), 1);
    // Line 3 of the body is file line 13; columns count characters.
    let column = "说明：**重点，**".chars().count() + 1;
    assert_eq!((r.warnings[0].line, r.warnings[0].column), (13, column));
}

#[test]
fn tags_in_code_are_code() {
    let r = render_with("`{% include x %}`\n\n```\n{% hint style=\"info\" %}\n{% endhint %}\n```\n", 0);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert!(!r.html.contains("callout"));
    assert!(r.html.contains("<code>{% include x %}</code>"));
    assert!(r.html.contains("{% hint style=&quot;info&quot; %}\n{% endhint %}"));
}

#[test]
fn unclosed_or_stray_hint_tags_stay_visible_with_warnings() {
    let r = render_with("{% endhint %}\n\n{% hint style=\"info\" %}\n正文\n\n{% endhint %} 同一行", 0);
    assert!(!r.html.contains("callout"), "{}", r.html);
    assert!(r.html.contains("<p>{% endhint %}</p>"), "{}", r.html);
    assert!(r.html.contains("<p>{% hint style=\"info\" %}\n正文</p>"), "{}", r.html);
    assert!(r.html.contains("<p>{% endhint %} 同一行</p>"), "{}", r.html);
    let lines: Vec<usize> = r.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 3, 6], "{:?}", r.warnings);
    assert!(r.warnings[0].message.contains("has no `{% hint %}` before it"));
    assert!(r.warnings[1].message.contains("never closed"));
    assert!(r.warnings[2].message.contains("line of its own"));
}

#[test]
fn hint_split_across_containers_is_shown_as_text() {
    let r = render_with("- 项目\n\n  {% hint style=\"info\" %}\n  里面\n\n外面\n{% endhint %}\n", 0);
    assert!(!r.html.contains("callout"), "{}", r.html);
    assert!(r.html.contains("{% hint style=&quot;info&quot; %}"), "{}", r.html);
    assert!(r.html.contains("{% endhint %}"), "{}", r.html);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].line, 3);
}

#[test]
fn empty_and_adjacent_hints_nest_properly() {
    assert_eq!(
        html("{% hint style=\"info\" %}\n{% endhint %}"),
        "<div class=\"callout callout-info\" role=\"note\">\n</div>\n"
    );
    assert_eq!(
        html("{% hint style=\"info\" %}\n{% endhint %}\n{% hint style=\"danger\" %}\n甲\n{% endhint %}"),
        "<div class=\"callout callout-info\" role=\"note\">\n</div>\n\
         <div class=\"callout callout-danger\" role=\"note\">\n<p>甲</p>\n</div>\n"
    );
}

#[test]
fn hint_inside_a_quote_and_alert_inside_a_list() {
    assert_eq!(
        html("> {% hint style=\"info\" %}\n> **重点，**后\n> {% endhint %}"),
        "<blockquote>\n<div class=\"callout callout-info\" role=\"note\">\n\
         <p><strong>重点，</strong>后</p>\n</div>\n</blockquote>\n"
    );
    let out = html("- 甲\n  > [!WARNING]\n  > 小心\n- 乙");
    assert!(out.contains("<div class=\"callout callout-warning\" role=\"note\">\n<p>小心</p>\n</div>\n</li>"), "{out}");
}

#[test]
fn hint_inside_a_list_item_wraps_inside_it() {
    let out = html("- 项目\n\n  {% hint style=\"info\" %}\n  里面\n  {% endhint %}\n- 下一项\n");
    assert!(out.contains("<div class=\"callout callout-info\" role=\"note\">\n<p>里面</p>\n</div>\n</li>"), "{out}");
}

// ---- other Markdown -----------------------------------------------------

#[test]
fn snapshot_table_footnote_tasks_strikethrough() {
    insta::assert_snapshot!(snapshot(
        "| 阶段 | 目标 |\n|:--|--:|\n| 起步 | **验证，**需求 |\n| 增长 | ~~烧钱~~ 效率 |\n\n\
         需求文档[^prd]很重要。\n\n\
         - [x] 竞品分析\n- [ ] 用户访谈\n\n\
         ~~删除线~~\n\n\
         [^prd]: PRD，产品需求文档。"
    ));
}

#[test]
fn snapshot_code_fence() {
    insta::assert_snapshot!(snapshot(
        "```rust\nfn 主() { let x = \"<a>\"; }\n```\n\n\
         ```未知语言\n<b>原样</b>\n```\n\n\
         ```\n没有语言 & 符号\n```"
    ));
}

#[test]
fn raw_html_passes_through_and_smart_punctuation_is_off() {
    let out = html("<div class=\"x\">原样</div>\n\n\"引号\" -- ... 和 <span>行内</span>");
    assert!(out.contains("<div class=\"x\">原样</div>"));
    assert!(out.contains("<p>\"引号\" -- ... 和 <span>行内</span></p>"), "{out}");
}

// ---- links and images ---------------------------------------------------

#[test]
fn links_are_resolved_or_marked_broken() {
    let resolver = Resolver::new();
    let body = "**首先，**见[好](ok.md#小节)、[坏](../bad.md \"标题\")、[[ok页]]、[[没有|别名]]、\
                [附件](../files/x.pdf)、[外链](https://e.x/a.md)、[锚](#上文)、<https://e.x>";
    let r = render(body, &Options { line_offset: 2, resolver: &resolver, glossary: None, self_url: None });
    assert_eq!(
        resolver.asked(),
        [
            ("ok.md#小节".to_string(), false),
            ("../bad.md".to_string(), false),
            ("ok页".to_string(), true),
            ("没有".to_string(), true),
            ("../files/x.pdf".to_string(), false),
        ]
    );
    assert!(r.html.contains("<a href=\"/ok/#%E5%B0%8F%E8%8A%82\">好</a>"), "{}", r.html);
    assert!(r.html.contains("<a href=\"../bad.md\" class=\"broken-link\" title=\"标题\">坏</a>"), "{}", r.html);
    assert!(r.html.contains("<a href=\"/ok页/\">ok页</a>") || r.html.contains("/ok%E9%A1%B5/"));
    assert!(r.html.contains("class=\"broken-link\">别名</a>"), "{}", r.html);
    assert!(r.html.contains("<a href=\"../files/x.pdf\">附件</a>"), "{}", r.html);
    let summary: Vec<(LinkKind, usize, usize, Option<&str>, bool)> =
        r.links.iter().map(|l| (l.kind, l.line, l.column, l.url.as_deref(), l.resolved)).collect();
    // Columns count characters on the file's line 3, after the bold that the
    // emphasis pass rewrote.
    let col = |s: &str| body[..body.find(s).unwrap()].chars().count() + 1;
    assert_eq!(
        summary,
        [
            (LinkKind::Page, 3, col("[好]"), Some("/ok/#小节"), true),
            (LinkKind::Page, 3, col("[坏]"), None, false),
            (LinkKind::Wiki, 3, col("[[ok页]]"), Some("/ok页/"), true),
            (LinkKind::Wiki, 3, col("[[没有"), None, false),
            (LinkKind::Asset, 3, col("[附件]"), Some("../files/x.pdf"), false),
            (LinkKind::Fragment, 3, col("[锚]"), Some("#上文"), false),
        ]
    );
    assert_eq!(col("[好]"), 9);
}

#[test]
fn images_are_lazy_and_relative_ones_resolved() {
    let resolver = Resolver::new();
    let r = render(
        "![封面*图*](https://image.woshipm.com/a.jpg \"题图\")\n\n![](ok.png) ![本地](img/b.png)",
        &Options { line_offset: 0, resolver: &resolver, glossary: None, self_url: None },
    );
    assert!(
        r.html.contains(
            "<img src=\"https://image.woshipm.com/a.jpg\" alt=\"封面图\" title=\"题图\" \
         loading=\"lazy\" referrerpolicy=\"no-referrer\">"
        ),
        "{}",
        r.html
    );
    assert!(r.html.contains("<img src=\"/ok.png/\" alt=\"\" loading=\"lazy\""), "{}", r.html);
    assert!(r.html.contains("<img src=\"img/b.png\" alt=\"本地\""), "{}", r.html);
    assert_eq!(resolver.asked(), [("ok.png".to_string(), false), ("img/b.png".to_string(), false)]);
    assert!(r.links.iter().all(|l| l.kind == LinkKind::Image));
    assert!(!r.plain_text.contains("封面"), "alt text is not page text");
}

// ---- anchors and same-page fragments -----------------------------------

#[test]
fn anchors_list_headings_footnotes_and_html_ids_once() {
    let body = "# 标题\n\n## 总结\n\n#### 深处 {#deep}\n\n## 总结\n\n正文[^注]。\n\n\
                <div class=\"box\"\n     id=\"block-id\">块</div>\n\n\
                行内 <a id='inline-id' data-id=\"not-this\">锚</a> 与 `<b id=\"in-code\">`\n\n\
                ```html\n<p id=\"in-fence\"></p>\n## 不是标题\n```\n\n\
                [^注]: 脚注。";
    let r = render_with(body, 0);
    assert_eq!(r.anchors, ["标题", "总结", "deep", "总结-1", "block-id", "inline-id", "注"]);
    // Each anchor is an id the reader's browser can scroll to.
    for id in &r.anchors {
        assert!(r.html.contains(&format!("id=\"{id}\"")) || r.html.contains(&format!("id='{id}'")), "{id}");
    }
}

#[test]
fn same_page_fragments_are_links_checked_against_the_anchors() {
    let resolver = Resolver::new();
    let body = "## 一节\n\n## To B 策略\n\n\
                [好](#一节) [坏](#没有) [编码](#%E4%B8%80%E8%8A%82) [[#To B 策略]] [[#不存在]] [顶](#) \
                [外](ok.md#一节)";
    let r = render(body, &Options { line_offset: 0, resolver: &resolver, glossary: None, self_url: None });
    assert_eq!(resolver.asked(), [("ok.md#一节".to_string(), false)], "fragments are not asked of the resolver");
    let got: Vec<(LinkKind, &str, Option<&str>, bool, bool)> =
        r.links.iter().map(|l| (l.kind, l.dest.as_str(), l.url.as_deref(), l.wiki, l.resolved)).collect();
    assert_eq!(
        got,
        [
            (LinkKind::Fragment, "#一节", Some("#一节"), false, true),
            (LinkKind::Fragment, "#没有", Some("#没有"), false, false),
            (LinkKind::Fragment, "#%E4%B8%80%E8%8A%82", Some("#%E4%B8%80%E8%8A%82"), false, true),
            (LinkKind::Fragment, "#To B 策略", Some("#to-b-策略"), true, true),
            (LinkKind::Fragment, "#不存在", Some("#不存在"), true, false),
            (LinkKind::Page, "ok.md#一节", Some("/ok/#一节"), false, true),
        ]
    );
    assert!(r.html.contains("<a href=\"#to-b-%E7%AD%96%E7%95%A5\">#To B 策略</a>"), "{}", r.html);
    assert!(r.html.contains("<a href=\"#\">顶</a>"), "{}", r.html);
    assert!(!r.html.contains("broken-link"), "{}", r.html);
}

// ---- glossary ----------------------------------------------------------

fn test_glossary() -> Glossary {
    let terms: [(usize, &[&str], &str); 7] = [
        (10, &["AI产品经理", "AI PM"], "/glossary/ai-pm/"),
        (11, &["AI", "人工智能"], "/glossary/ai/"),
        (12, &["RAG", "检索增强生成"], "/glossary/rag/"),
        (13, &["HC"], "/glossary/hc/"),
        (14, &["AGI"], "/glossary/agi/"),
        (15, &["R&D", "研发"], "/glossary/r&d/"),
        (16, &["Prompt", "提示词"], "/glossary/prompt/"),
    ];
    Glossary::new(
        terms
            .iter()
            .map(|(id, names, url)| (*id, names.iter().map(|n| n.to_string()).collect(), url.to_string()))
            .collect(),
    )
}

fn render_glossary(body: &str, self_url: Option<&str>) -> Rendered {
    let glossary = test_glossary();
    render(body, &Options { line_offset: 0, resolver: &Resolver::new(), glossary: Some(&glossary), self_url })
}

/// (href, text) of each glossary link, in order.
fn glossary_links(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_fragment(html);
    let select = scraper::Selector::parse("a.glossary-link").expect("selector");
    doc.select(&select)
        .map(|a| (a.value().attr("href").unwrap_or("").to_string(), a.text().collect::<String>()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn snapshot_glossary_links() {
    let body = "# AI产品经理的RAG笔记\n\n\
                做**AI产品经理**，先懂AI和RAG；再看一次AI产品经理与rag。\n\n\
                - 列表里的HC与TechCrunch、storage、imagine\n\n\
                > 引用里的ＡＧＩ\n\n\
                见[RAG论文](https://e.x/rag)和`RAG`代码，![提示词示意](img/p.png)后才有Prompt。";
    let glossary = test_glossary();
    let r = render(
        body,
        &Options { line_offset: 0, resolver: &Resolver::new(), glossary: Some(&glossary), self_url: None },
    );
    let mut out = format!("{body}\n---- html\n{}", r.html);
    out.push_str(&format!("---- glossary_terms {:?}\n", r.glossary_terms));
    insta::assert_snapshot!(out);
}

#[test]
fn glossary_longest_term_wins_and_only_the_first_mention_links() {
    let r = render_glossary("AI产品经理要懂AI。AI产品经理和AI又出现了。", None);
    assert_eq!(glossary_links(&r.html), pairs(&[("/glossary/ai-pm/", "AI产品经理"), ("/glossary/ai/", "AI")]));
    assert_eq!(r.glossary_terms, [10, 11]);
    assert!(r.html.contains("title=\"AI产品经理\""), "{}", r.html);
}

#[test]
fn glossary_latin_terms_need_word_boundaries() {
    let r = render_glossary("TechCrunch 说 storage 能 imagine，AIGC 不是 AI。", None);
    assert_eq!(glossary_links(&r.html), pairs(&[("/glossary/ai/", "AI")]));
    assert_eq!(r.glossary_terms, [11]);
    let r = render_glossary("HC紧张，(RAG)与AGI.", None);
    assert_eq!(r.glossary_terms, [12, 13, 14]);
}

#[test]
fn glossary_matches_latin_in_any_case_and_full_width() {
    let r = render_glossary("先学prompt，再学ＲＡＧ，然后是 ai pm。", None);
    assert_eq!(
        glossary_links(&r.html),
        pairs(&[("/glossary/prompt/", "prompt"), ("/glossary/rag/", "ＲＡＧ"), ("/glossary/ai-pm/", "ai pm")])
    );
    // The text is shown as written, the term's own title in the tooltip.
    assert!(r.html.contains("title=\"Prompt\">prompt</a>"), "{}", r.html);
}

#[test]
fn glossary_skips_headings_links_code_alt_and_raw_html_but_counts_prose_mentions() {
    let body = "## RAG 入门\n\n\
                [RAG 指南](https://e.x) 与 [[ok页|HC 名单]] 与 <https://e.x/AGI>\n\n\
                `Prompt` 和 <code>AI</code> 和 <a href=\"/x\">研发</a>\n\n\
                ```\nRAG AI Prompt\n```\n\n\
                ![AI 图](img/a.png)\n\n\
                <div>\nAI 在 HTML 块里\n</div>\n\n\
                正文才链接 RAG。";
    let r = render_glossary(body, None);
    assert_eq!(glossary_links(&r.html), pairs(&[("/glossary/rag/", "RAG")]));
    assert!(r.html.contains("正文才链接 <a class=\"glossary-link\""), "{}", r.html);
    // Heading, link text and the raw <a> are mentions; code, alt and HTML blocks are not.
    assert_eq!(r.glossary_terms, [12, 13, 15]);
}

#[test]
fn glossary_terms_are_found_across_split_text_events() {
    // pulldown-cmark splits text at `&` and at escapes; the pass joins it again.
    let events = parse("做R\\&D，也叫R&amp;D");
    assert!(events.iter().filter(|(e, _)| matches!(e, Event::Text(_))).count() > 1, "{events:?}");
    let r = render_glossary("做R\\&D预算。\n\n讲AI\\*PM，Prompt\n工程与检索增强\n生成。", None);
    assert_eq!(
        glossary_links(&r.html),
        pairs(&[
            ("/glossary/r&d/", "R&D"),
            ("/glossary/ai/", "AI"),
            ("/glossary/prompt/", "Prompt"),
            ("/glossary/rag/", "检索增强\n生成"),
        ])
    );
    assert!(r.html.contains("href=\"/glossary/r&amp;d/\""), "{}", r.html);
    // A soft line break is a space between Latin words and nothing between Chinese characters.
    assert_eq!(r.glossary_terms, [11, 12, 15, 16]);
    assert_eq!(r.plain_text, render_with("做R\\&D预算。\n\n讲AI\\*PM，Prompt\n工程与检索增强\n生成。", 0).plain_text);
    let r = render_glossary("做R&amp;D。", None);
    assert_eq!(glossary_links(&r.html), pairs(&[("/glossary/r&d/", "R&D")]));
}

#[test]
fn glossary_page_never_links_to_its_own_term() {
    let r = render_glossary("RAG（检索增强生成）常与Prompt一起用。RAG 的要点……", Some("/glossary/rag/"));
    assert_eq!(glossary_links(&r.html), pairs(&[("/glossary/prompt/", "Prompt")]));
    assert_eq!(r.glossary_terms, [16]);
}

#[test]
fn glossary_links_inside_emphasis_tables_and_callouts() {
    let body = "**RAG**很重要。\n\n| 术语 |\n|--|\n| HC |\n\n{% hint style=\"info\" %}\n说到AGI\n{% endhint %}";
    let r = render_glossary(body, None);
    assert!(
        r.html.contains("<strong><a class=\"glossary-link\" href=\"/glossary/rag/\" title=\"RAG\">RAG</a></strong>"),
        "{}",
        r.html
    );
    assert!(
        r.html.contains("<td><a class=\"glossary-link\" href=\"/glossary/hc/\" title=\"HC\">HC</a></td>"),
        "{}",
        r.html
    );
    assert!(r.html.contains("说到<a class=\"glossary-link\" href=\"/glossary/agi/\""), "{}", r.html);
    // Links from the glossary are not outgoing links of the page.
    assert!(r.links.is_empty(), "{:?}", r.links);
}

// ---- link context --------------------------------------------------------

fn contexts(body: &str) -> Vec<(String, String)> {
    render_with(body, 0).links.into_iter().map(|l| (l.dest, l.context)).collect()
}

/// What a links snapshot shows: each outgoing link with its context, then the anchors.
fn links_snapshot(body: &str) -> String {
    let r = render_with(body, 0);
    let mut out = format!("{body}\n---- links\n");
    for l in &r.links {
        let url = l.url.as_deref().unwrap_or("(none)");
        out.push_str(&format!(
            "{:?} {} -> {url} resolved={}\n    context: {}\n",
            l.kind, l.dest, l.resolved, l.context
        ));
    }
    out.push_str(&format!("---- anchors\n{}\n", r.anchors.join("\n")));
    out
}

#[test]
fn snapshot_link_context_and_anchors() {
    insta::assert_snapshot!(links_snapshot(
        "## 一、外围技能失效\n\n\
         产品经理们步入“尴尬期”。正如[上一篇](ok-prev.md)所说，**需求文档**不再是门槛！\
         详见[附录](#附录)与[[ok术语#To B 策略]]。\n\n\
         The [PRD template](ok-prd.md) is v2.0. It still works? Yes.\n\n\
         - 列表：[坏链接](missing.md)\n\n\
         ## 附录 {#附录}\n\n\
         脚注在此[^1]。<span id=\"raw-anchor\">原样</span>\n\n\
         [^1]: 见[[#一、外围技能失效]]。"
    ));
}

#[test]
fn link_context_is_the_cjk_sentence_around_the_link() {
    let body = "第一句不要。**重点，**参见[[ok页]]和[另一篇](ok.md)的\n讨论！之后的句子也不要。\n\n\
                - 列表项里的[坏链接](bad.md)\n- 下一项\n\n\
                | 表头 |\n|--|\n| 单元格[链](ok2.md)；后面 |\n\n\
                他说：“关键在于[用户](#用户)。”然后";
    assert_eq!(
        contexts(body),
        [
            ("ok页".to_string(), "重点，参见ok页和另一篇的讨论！".to_string()),
            ("ok.md".to_string(), "重点，参见ok页和另一篇的讨论！".to_string()),
            ("bad.md".to_string(), "列表项里的坏链接".to_string()),
            ("ok2.md".to_string(), "单元格链；".to_string()),
            ("#用户".to_string(), "他说：“关键在于用户。”".to_string()),
        ]
    );
}

#[test]
fn link_context_in_english_keeps_abbreviated_numbers_and_quotes() {
    let body = "Skip this. Version 2.5 of the [PRD guide](ok-prd.md) says \"ship it!\" Not this.\n\n\
                An image ![diagram](img/d.png) has no text of its own.";
    assert_eq!(
        contexts(body),
        [
            ("ok-prd.md".to_string(), "Version 2.5 of the PRD guide says \"ship it!\"".to_string()),
            ("img/d.png".to_string(), "An image has no text of its own.".to_string()),
        ]
    );
}

#[test]
fn long_link_context_is_cut_around_the_link_on_character_boundaries() {
    let body = format!("{}见[链接](ok.md){}。", "很长的前文".repeat(40), "很长的后文".repeat(40));
    let context = &render_with(&body, 0).links[0].context;
    assert!(context.chars().count() <= 120, "{context}");
    assert!(context.starts_with('…') && context.ends_with('…'), "{context}");
    assert!(context.contains("前文见链接很长"), "{context}");
}

// ---- text, sections, counts ---------------------------------------------

#[test]
fn sections_split_at_level_two_headings() {
    let r = render_with("导语，**重点。**\n\n## 第一节\n\n内容一\n\n### 小节\n\n内容二\n\n## 第二节\n", 9);
    let got: Vec<(Option<&str>, Option<&str>, usize, &str)> =
        r.sections.iter().map(|s| (s.heading.as_deref(), s.id.as_deref(), s.line, r.text_of(s))).collect();
    assert_eq!(
        got,
        [
            (None, None, 10, "导语，重点。"),
            (Some("第一节"), Some("第一节"), 12, "内容一\n小节\n内容二"),
            (Some("第二节"), Some("第二节"), 20, ""),
        ]
    );
}

#[test]
fn empty_lead_section_is_dropped_but_one_section_always_exists() {
    let r = render_with("## 只有一节\n\n正文", 0);
    assert_eq!(r.sections.len(), 1);
    assert_eq!(r.sections[0].heading.as_deref(), Some("只有一节"));
    let r = render_with("", 0);
    assert_eq!(r.sections.len(), 1);
    assert_eq!(r.sections[0].heading, None);
    assert_eq!(r.text_of(&r.sections[0]), "");
}

#[test]
fn counts_come_from_the_plain_text() {
    let r = render_with("产品经理\u{a0}PM，**AI**时代。\n\n```\nlet x = 1;\n```", 0);
    assert_eq!(r.plain_text, "产品经理\u{a0}PM，AI时代。\nlet x = 1;");
    // 6 Han characters + PM, AI, let, x, 1
    assert_eq!(r.word_count, 11);
    assert_eq!(r.reading_time, 1);
    assert!(r.has_code);
    assert!(!render_with("没有代码 `行内`", 0).has_code);
}

// ---- the real sample ----------------------------------------------------

/// The sample articles and the seed, found beside the repository (the
/// project's shared folder) or where THEMATA_CORPUS points.
fn sample_files() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let roots: Vec<PathBuf> = match std::env::var_os("THEMATA_CORPUS") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![manifest.join("tests/fixtures/corpus-sample"), manifest.join("../shared/corpus-sample")],
    };
    let root = roots
        .iter()
        .find(|r| r.is_dir())
        .unwrap_or_else(|| panic!("sample articles not found in any of {roots:?}; set THEMATA_CORPUS"));
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk the sample").into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("README.md"))
        .collect();
    let seed = root.join("../seed/ai-era-product-managers.md");
    if seed.is_file() {
        files.push(seed);
    }
    files
}

/// The body as the GitBook stage hands it over: the header up to
/// `{% endhint %}` replaced by empty lines.
fn body_of(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let end = lines.iter().position(|l| l.trim() == "{% endhint %}").map_or(0, |i| i + 1);
    let mut body = "\n".repeat(end);
    body.push_str(&lines[end..].join("\n"));
    body
}

/// Text of the page outside code, as a reader sees it.
fn visible_text(html: &str) -> String {
    let doc = scraper::Html::parse_fragment(html);
    let mut out = String::new();
    for node in doc.tree.nodes() {
        let scraper::Node::Text(text) = node.value() else {
            continue;
        };
        let in_code =
            node.ancestors().any(|a| a.value().as_element().is_some_and(|e| matches!(e.name(), "code" | "pre")));
        if !in_code {
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

#[test]
fn no_literal_double_star_in_any_sample_article() {
    let files = sample_files();
    assert!(files.len() >= 44, "found only {} sample files", files.len());
    let mut bad = Vec::new();
    for path in &files {
        let source = std::fs::read_to_string(path).expect("read sample");
        let r = render_with(&body_of(&source), 0);
        for line in visible_text(&r.html).lines().filter(|l| l.contains("**")) {
            bad.push(format!("{}: {line}", path.display()));
        }
        assert!(r.warnings.is_empty(), "{}: {:?}", path.display(), r.warnings);
    }
    assert!(bad.is_empty(), "literal ** left:\n{}", bad.join("\n"));
}

#[test]
fn glossary_on_every_sample_article_links_each_term_once_and_keeps_the_text() {
    let names: [&[&str]; 6] = [
        &["AI", "人工智能"],
        &["产品经理", "PM"],
        &["ChatGPT", "GPT"],
        &["B端", "To B"],
        &["大模型", "LLM"],
        &["用户"],
    ];
    let glossary = Glossary::new(
        names
            .iter()
            .enumerate()
            .map(|(id, n)| (id, n.iter().map(|s| s.to_string()).collect(), format!("/glossary/{id}/")))
            .collect(),
    );
    let mut linked_pages = 0;
    for path in sample_files() {
        let body = body_of(&std::fs::read_to_string(&path).expect("read sample"));
        let plain = render_with(&body, 0);
        let r = render(
            &body,
            &Options { line_offset: 0, resolver: &Resolver::new(), glossary: Some(&glossary), self_url: None },
        );
        assert_eq!(r.plain_text, plain.plain_text, "{}", path.display());
        assert_eq!(r.links, plain.links, "{}", path.display());
        let links = glossary_links(&r.html);
        let mut hrefs: Vec<&str> = links.iter().map(|(href, _)| href.as_str()).collect();
        hrefs.sort_unstable();
        let before = hrefs.len();
        hrefs.dedup();
        assert_eq!(before, hrefs.len(), "a term linked twice in {}", path.display());
        assert!(hrefs.len() <= r.glossary_terms.len(), "{}", path.display());
        assert_eq!(r.html.matches("<a ").count(), r.html.matches("</a>").count(), "{}", path.display());
        linked_pages += usize::from(!links.is_empty());
    }
    assert!(linked_pages > 40, "only {linked_pages} sample pages got glossary links");
}

#[test]
fn seed_article_bold_and_headings() {
    let path = sample_files()
        .into_iter()
        .find(|p| p.ends_with("ai-era-product-managers.md"))
        .expect("the seed article beside the sample");
    let source = std::fs::read_to_string(&path).expect("read seed");
    let r = render_with(&body_of(&source), 0);
    assert!(r.toc.iter().any(|e| e.id == "一-外围技能失效-产品经理们步入-尴尬期"));
    assert!(r.sections.len() > 3);
    assert!(r.word_count > 5000, "{}", r.word_count);
}

// ---- external links and alt text ------------------------------------------

#[test]
fn external_links_and_images_are_recorded_with_positions_and_empty_alt() {
    let body = "前言\n\n见[官网](https://Example.org/a#b)与<http://x.test/p>，邮件<a@b.test>。\n\n\
                ![](https://img.test/1.png) ![ 图 ](//cdn.test/2.png) ![](ok.png) ![说明](img/b.png)\n\n\
                [本地](ok.md) [邮件](mailto:a@b.test)";
    let r = render_with(body, 10);
    let col = |line: &str, needle: &str| line[..line.find(needle).unwrap()].chars().count() + 1;
    let l3 = body.lines().nth(2).unwrap();
    let l5 = body.lines().nth(4).unwrap();
    let external: Vec<(&str, bool, usize, usize, bool)> =
        r.external.iter().map(|e| (e.url.as_str(), e.image, e.line, e.column, e.alt_empty)).collect();
    assert_eq!(
        external,
        [
            ("https://Example.org/a#b", false, 13, col(l3, "[官网]"), false),
            ("http://x.test/p", false, 13, col(l3, "<http"), false),
            ("https://img.test/1.png", true, 15, 1, true),
            ("//cdn.test/2.png", true, 15, col(l5, "![ 图"), false),
        ]
    );
    let images: Vec<(&str, bool)> =
        r.links.iter().filter(|l| l.kind == LinkKind::Image).map(|l| (l.dest.as_str(), l.alt_empty)).collect();
    assert_eq!(images, [("ok.png", true), ("img/b.png", false)]);
    assert!(r.links.iter().filter(|l| l.kind != LinkKind::Image).all(|l| !l.alt_empty));
}
