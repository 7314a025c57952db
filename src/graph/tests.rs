//! Tests of the graph outputs as a reader or another tool sees them: the JSON text, and the svg
//! checked as XML, by its geometry and by its words.

use std::collections::BTreeSet;

use super::svg::{DARK, LIGHT, Palette};
use super::*;

/// A small site: two articles linking each other, one theme, one tag, one glossary term.
fn tiny() -> Graph {
    let mut b = GraphBuilder::new();
    let a = b.node(NodeKind::Article, "产品经理", "/articles/pm/");
    let c = b.node(NodeKind::Article, "B2B first", "/articles/b2b/");
    let t = b.node(NodeKind::Theme, "技能过时", "/themes/skills/");
    let g = b.node(NodeKind::Tag, "AI", "/tags/ai/");
    let term = b.node(NodeKind::Glossary, "RAG", "/glossary/#rag");
    b.edge(a, c, "link");
    b.edge(c, a, "link");
    b.edge(a, t, "theme");
    b.edge(a, g, "tag");
    b.edge(c, g, "tag");
    b.edge(c, term, "glossary");
    b.finish()
}

/// A deterministic pseudo-random site of `articles` articles with themes, tags and terms.
fn synthetic(articles: usize) -> Graph {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |m: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) % m as u64) as usize
    };
    let theme_names = ["技能过时", "B2B 优先", "招聘与面试", "数据飞轮", "Agent 产品", "定价", "评测", "合规与安全"];
    let words = ["大模型", "产品", "经理", "增长", "Prompt", "评测", "用户", "场景", "落地", "团队", "AI", "策略"];
    let mut b = GraphBuilder::new();
    let themes: Vec<usize> = theme_names
        .iter()
        .enumerate()
        .map(|(i, name)| b.node(NodeKind::Theme, name, &format!("/themes/t{i}/")))
        .collect();
    let tags: Vec<usize> = (0..articles / 4)
        .map(|i| b.node(NodeKind::Tag, &format!("{}{i}", words[i % words.len()]), &format!("/tags/t{i}/")))
        .collect();
    let terms: Vec<usize> = (0..articles / 7)
        .map(|i| b.node(NodeKind::Glossary, &format!("Term {i}"), &format!("/glossary/#term-{i}")))
        .collect();
    let arts: Vec<usize> = (0..articles)
        .map(|i| {
            let title = format!("{}{}的{}：第 {i} 篇", words[i % 12], words[(i * 7 + 3) % 12], words[(i * 5 + 1) % 12]);
            b.node(NodeKind::Article, &title, &format!("/articles/a{i}/"))
        })
        .collect();
    for (i, &a) in arts.iter().enumerate() {
        b.edge(a, themes[next(themes.len())], "theme");
        if i % 3 == 0 {
            b.edge(a, themes[next(themes.len())], "theme");
        }
        // Tags follow a skewed distribution, as real tags do.
        for _ in 0..1 + next(3) {
            let t = next(tags.len()).min(next(tags.len()));
            b.edge(a, tags[t], "tag");
        }
        for _ in 0..next(3) {
            b.edge(a, terms[next(terms.len())], "glossary");
        }
        for _ in 0..next(3) {
            b.edge(a, arts[next(arts.len())], "link");
        }
    }
    b.finish()
}

// ---------- a tiny XML well-formedness check ----------

/// One start or empty tag: its name and attributes (values unescaped only for `&amp;`-free use).
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Checks that `xml` is one well-formed element (names, quoted attributes without `<` or raw
/// `&`, known entities, balanced nesting, no stray `<` or `&` in text) and returns its tags.
fn parse_xml(xml: &str) -> Result<Vec<Tag>, String> {
    fn check_entities(s: &str) -> Result<(), String> {
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            let after = &rest[i + 1..];
            let end = after.find(';').ok_or_else(|| format!("unterminated entity in {s:?}"))?;
            let name = &after[..end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || name.strip_prefix('#').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(format!("unknown entity &{name}; in {s:?}"));
            }
            rest = &after[end + 1..];
        }
        Ok(())
    }
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '_'))
    };
    let mut tags = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml.trim();
    let mut roots = 0;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root: {text:?}"));
        }
        if text.contains('>') {
            return Err(format!("raw > in text {text:?}"));
        }
        check_entities(text)?;
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or_else(|| format!("</{name}> closes nothing"))?;
            if open != name {
                return Err(format!("</{name}> closes <{open}>"));
            }
            continue;
        }
        let (body, empty) = match tag.strip_suffix('/') {
            Some(b) => (b, true),
            None => (tag, false),
        };
        let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
        let name = &body[..name_end];
        if !is_name(name) {
            return Err(format!("bad tag name {name:?}"));
        }
        let mut attrs = Vec::new();
        let mut a = body[name_end..].trim_start();
        while !a.is_empty() {
            let eq = a.find('=').ok_or_else(|| format!("attribute without value in <{name}>: {a:?}"))?;
            let key = &a[..eq];
            if !is_name(key) || attrs.iter().any(|(k, _)| k == key) {
                return Err(format!("bad or repeated attribute {key:?} in <{name}>"));
            }
            let quote = a[eq + 1..].chars().next().filter(|&q| q == '"' || q == '\'').ok_or("unquoted attribute")?;
            let value_start = eq + 2;
            let close = a[value_start..].find(quote).ok_or("unterminated attribute")?;
            let value = &a[value_start..value_start + close];
            if value.contains('<') {
                return Err(format!("< in attribute {key}={value:?}"));
            }
            check_entities(value)?;
            attrs.push((key.to_string(), value.to_string()));
            let after = &a[value_start + close + 1..];
            if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                return Err(format!("no space after attribute {key} in <{name}>"));
            }
            a = after.trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        if !empty {
            stack.push(name.to_string());
        }
        tags.push(Tag { name: name.to_string(), attrs });
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(tags)
}

#[test]
fn the_xml_check_rejects_what_it_should() {
    assert!(parse_xml("<svg><a href=\"x\">ok &amp; fine</a></svg>").is_ok());
    for bad in [
        "<svg><a></svg>",
        "<svg>a < b</svg>",
        "<svg>a & b</svg>",
        "<svg><a href=x/></svg>",
        "<svg><a t=\"<\"/></svg>",
        "<svg/><svg/>",
        "<svg><script>x</script></svg",
        "<svg>&nbsp;</svg>",
    ] {
        assert!(parse_xml(bad).is_err(), "accepted {bad:?}");
    }
}

fn attr<'a>(tag: &'a Tag, key: &str) -> &'a str {
    tag.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {key} on {tag:?}"))
}

fn number(tag: &Tag, key: &str) -> f64 {
    attr(tag, key).parse().unwrap_or_else(|_| panic!("{key} of {tag:?} is not a number"))
}

/// The svg, checked well-formed, and its tags.
fn svg_tags(svg: &str) -> Vec<Tag> {
    parse_xml(svg).unwrap_or_else(|e| panic!("svg is not well-formed: {e}\n{svg}"))
}

fn view_box(tags: &[Tag]) -> (f64, f64) {
    let v: Vec<f64> = attr(&tags[0], "viewBox").split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!((v[0], v[1]), (0.0, 0.0));
    (v[2], v[3])
}

/// The text of the `<desc>` element.
fn desc(svg: &str) -> &str {
    let start = svg.find("<desc id=\"graph-desc\">").expect("a desc") + "<desc id=\"graph-desc\">".len();
    &svg[start..start + svg[start..].find("</desc>").unwrap()]
}

// ---------- JSON ----------

#[test]
fn json_lists_nodes_and_edges_by_id_sorted() {
    let expected = concat!(
        r#"{"nodes":["#,
        r#"{"id":"article:/articles/b2b/","label":"B2B first","kind":"article","url":"/articles/b2b/","degree":4},"#,
        r#"{"id":"article:/articles/pm/","label":"产品经理","kind":"article","url":"/articles/pm/","degree":4},"#,
        r#"{"id":"glossary:/glossary/#rag","label":"RAG","kind":"glossary","url":"/glossary/#rag","degree":1},"#,
        r#"{"id":"tag:/tags/ai/","label":"AI","kind":"tag","url":"/tags/ai/","degree":2},"#,
        r#"{"id":"theme:/themes/skills/","label":"技能过时","kind":"theme","url":"/themes/skills/","degree":1}"#,
        r#"],"edges":["#,
        r#"{"source":"article:/articles/b2b/","target":"article:/articles/pm/","kind":"link"},"#,
        r#"{"source":"article:/articles/b2b/","target":"glossary:/glossary/#rag","kind":"glossary"},"#,
        r#"{"source":"article:/articles/b2b/","target":"tag:/tags/ai/","kind":"tag"},"#,
        r#"{"source":"article:/articles/pm/","target":"article:/articles/b2b/","kind":"link"},"#,
        r#"{"source":"article:/articles/pm/","target":"tag:/tags/ai/","kind":"tag"},"#,
        r#"{"source":"article:/articles/pm/","target":"theme:/themes/skills/","kind":"theme"}"#,
        r#"]}"#
    );
    assert_eq!(tiny().to_json(), expected);
}

#[test]
fn json_ignores_broken_looping_and_repeated_edges() {
    let mut g = tiny();
    let clean = g.to_json();
    g.edges.push(Edge { source: 0, target: 99, kind: "link" });
    g.edges.push(Edge { source: 1, target: 1, kind: "link" });
    g.edges.push(g.edges[0]);
    assert_eq!(g.to_json(), clean);
    // The same graph built in another order writes the same text.
    g.nodes.reverse();
    let n = g.nodes.len();
    g.edges = tiny()
        .edges
        .iter()
        .rev()
        .map(|e| Edge { source: n - 1 - e.source, target: n - 1 - e.target, kind: e.kind })
        .collect();
    assert_eq!(g.to_json(), clean);
}

#[test]
fn a_hub_keeps_each_edge_once_however_many_it_has() {
    let mut b = GraphBuilder::new();
    let hub = b.node(NodeKind::Theme, "中心", "/themes/hub/");
    let spokes: Vec<usize> =
        (0..100).map(|i| b.node(NodeKind::Article, &format!("文章{i}"), &format!("/articles/a{i}/"))).collect();
    for &s in &spokes {
        assert!(b.edge(hub, s, "link"), "first hub→{s}");
        assert!(b.edge(hub, s, "theme"), "another kind is another edge");
    }
    for &s in spokes.iter().rev() {
        assert!(!b.edge(hub, s, "link"), "repeat hub→{s}");
        assert!(!b.edge(hub, s, "theme"), "repeat hub→{s}");
        assert!(b.edge(s, hub, "link"), "the other direction is another edge");
    }
    let g = b.finish();
    assert_eq!(g.edges.len(), 300);
    let value: serde_json::Value = serde_json::from_str(&g.to_json()).unwrap();
    assert_eq!(value["edges"].as_array().unwrap().len(), 300);
    assert_eq!(value["nodes"][0]["id"], "article:/articles/a0/");
    let hub_json = value["nodes"].as_array().unwrap().iter().find(|n| n["id"] == "theme:/themes/hub/").unwrap();
    assert_eq!(hub_json["degree"], 300);
}

#[test]
fn json_repeats_of_one_edge_in_a_hand_made_graph_count_once() {
    let mut g = tiny();
    let clean = g.to_json();
    // The same pair with another kind, and the first edge again, far from the first.
    let first = g.edges[0];
    g.edges.push(Edge { source: first.source, target: first.target, kind: "theme" });
    g.edges.push(first);
    let json = g.to_json();
    assert_ne!(json, clean);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let edges = value["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 7);
    let between: Vec<&str> = edges
        .iter()
        .filter(|e| e["source"] == "article:/articles/pm/" && e["target"] == "article:/articles/b2b/")
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(between, ["link", "theme"]);
}

#[test]
fn json_escapes_labels_as_json_strings() {
    let mut b = GraphBuilder::new();
    b.node(NodeKind::Tag, "say \"hi\"\n\\", "/tags/hi/");
    let value: serde_json::Value = serde_json::from_str(&b.finish().to_json()).unwrap();
    assert_eq!(value["nodes"][0]["label"], "say \"hi\"\n\\");
}

#[test]
fn empty_graph() {
    let g = Graph::default();
    assert_eq!(g.to_json(), r#"{"nodes":[],"edges":[]}"#);
    let svg = g.to_svg(400);
    let tags = svg_tags(&svg);
    assert_eq!(attr(&tags[0], "role"), "img");
    assert_eq!(desc(&svg), "还没有可以画出的节点。");
    assert!(svg.contains(">还没有可以画出的节点。</text>"), "the empty state is visible: {svg}");
    assert!(!tags.iter().any(|t| t.name == "circle" || t.name == "a"));
}

#[test]
fn no_room_and_no_theme_draws_nothing_and_says_so() {
    let mut b = GraphBuilder::new();
    let a = b.node(NodeKind::Article, "A", "/articles/a/");
    let t = b.node(NodeKind::Tag, "T", "/tags/t/");
    b.edge(a, t, "tag");
    let svg = b.finish().to_svg(0);
    assert_eq!(desc(&svg), "一个节点也没有画出：2 个节点和 1 条连线都略去了。");
    assert!(!svg_tags(&svg).iter().any(|t| t.name == "a"));
    // With a theme there is always something to draw.
    let svg = tiny().to_svg(0);
    assert!(desc(&svg).contains("1 个节点（主题 1 个）"), "{}", desc(&svg));
}

// ---------- builder ----------

#[test]
fn builder_keeps_ids_unique_and_edges_single() {
    let mut b = GraphBuilder::new();
    let a = b.node(NodeKind::Article, "A", "/a/");
    assert_eq!(b.node(NodeKind::Article, "A again", "/a/"), a);
    let t = b.node(NodeKind::Tag, "A", "/a/");
    assert_ne!(t, a, "same URL, other kind: another node");
    assert!(b.edge(a, t, "tag"));
    assert!(!b.edge(a, t, "tag"));
    assert!(b.edge(t, a, "tag"), "the other direction is another edge");
    assert!(!b.edge(a, a, "link"));
    assert!(!b.edge(a, 7, "link"));
    let g = b.finish();
    assert_eq!(g.nodes[a].label, "A");
    assert_eq!(g.nodes[a].id, "article:/a/");
    assert_eq!(g.edges.len(), 2);
}

// ---------- svg ----------

#[test]
fn svg_is_well_formed_accessible_and_script_free() {
    let svg = synthetic(240).to_svg(400);
    let tags = svg_tags(&svg);
    let root = &tags[0];
    assert_eq!(root.name, "svg");
    assert_eq!(attr(root, "xmlns"), "http://www.w3.org/2000/svg");
    assert!(root.attrs.iter().all(|(k, _)| k != "role"), "no role: the nodes are links");
    assert_eq!(attr(root, "aria-labelledby"), "graph-title graph-desc");
    assert!(root.attrs.iter().all(|(k, _)| k != "width" && k != "height"), "scales with its container");
    assert!(svg.contains("<title id=\"graph-title\">知识图谱</title>"));
    let names: BTreeSet<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["svg", "title", "desc", "g", "circle", "text", "path", "a"]));
    assert!(tags.iter().all(|t| t.attrs.iter().all(|(k, v)| !k.starts_with("on") && !v.contains("javascript:"))));
}

#[test]
fn every_node_is_a_link_with_a_tooltip_and_a_class_for_its_kind() {
    let g = tiny();
    let svg = g.to_svg(400);
    let links: Vec<_> = svg_tags(&svg).into_iter().filter(|t| t.name == "a").collect();
    assert_eq!(links.len(), g.nodes.len());
    for node in &g.nodes {
        let link = links.iter().find(|t| attr(t, "href") == node.url).expect("a link per node");
        assert_eq!(attr(link, "class"), format!("graph-node graph-node-{}", node.kind.as_str()));
    }
    assert!(svg.contains("<title>技能过时（主题，1 条连线）</title>"), "{svg}");
    assert!(svg.contains("<path class=\"graph-edge graph-edge-link\" d=\"M"));
    assert!(svg.contains("<path class=\"graph-edge graph-edge-tag\" d=\"M"));
}

#[test]
fn svg_escapes_labels_and_urls() {
    let mut b = GraphBuilder::new();
    let t = b.node(NodeKind::Theme, "<script>alert('x')</script> & co", "/themes/a\"b/?q=1&r=<2>");
    let a = b.node(NodeKind::Article, "\u{0}控制\u{1b}字符", "/articles/c/");
    b.edge(a, t, "theme");
    let svg = b.finish().to_svg(400);
    let tags = svg_tags(&svg);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"), "{svg}");
    assert!(svg.contains("href=\"/themes/a&quot;b/?q=1&amp;r=&lt;2&gt;\""), "{svg}");
    assert!(svg.contains("控制字符"));
    assert!(tags.iter().all(|t| t.name != "script"));
}

#[test]
fn big_graphs_keep_the_best_connected_and_every_theme() {
    let mut g = synthetic(300);
    // A theme nothing points to: the least connected node of all, still drawn.
    g.nodes.push(Node::new(NodeKind::Theme, "冷门主题", "/themes/cold/"));
    let total = g.nodes.len();
    let svg = g.to_svg(60);
    let links: Vec<_> = svg_tags(&svg).into_iter().filter(|t| t.name == "a").collect();
    assert_eq!(links.len(), 60);
    for theme in g.nodes.iter().filter(|n| n.kind == NodeKind::Theme) {
        assert!(links.iter().any(|t| attr(t, "href") == theme.url), "theme {} dropped", theme.label);
    }
    // The drawn article with the fewest edges has at least as many as any article left out.
    let json: serde_json::Value = serde_json::from_str(&g.to_json()).unwrap();
    let degree_of = |url: &str| {
        json["nodes"].as_array().unwrap().iter().find(|n| n["url"] == url).unwrap()["degree"].as_u64().unwrap()
    };
    let drawn: BTreeSet<&str> = links.iter().map(|t| attr(t, "href")).collect();
    let weakest_drawn = g.nodes.iter().filter(|n| n.kind != NodeKind::Theme && drawn.contains(n.url.as_str()));
    let weakest_drawn = weakest_drawn.map(|n| degree_of(&n.url)).min().unwrap();
    let strongest_left =
        g.nodes.iter().filter(|n| !drawn.contains(n.url.as_str())).map(|n| degree_of(&n.url)).max().unwrap();
    assert!(weakest_drawn >= strongest_left, "{weakest_drawn} < {strongest_left}");
    let d = desc(&svg);
    assert!(d.contains(&format!("只画出连线最多的 60 个节点，另有 {} 个节点", total - 60)), "{d}");
    assert!(d.contains("60 个节点（主题 9 个、"), "{d}");
    // The edges drawn are the ones the description counts.
    let drawn_edges: usize =
        svg_tags(&svg).iter().filter(|t| t.name == "path").map(|t| attr(t, "d").matches('M').count()).sum();
    assert!(d.contains(&format!("），{drawn_edges} 条连线。")), "{drawn_edges} edges drawn: {d}");
}

#[test]
fn more_themes_than_room_still_draws_every_theme() {
    let mut b = GraphBuilder::new();
    for i in 0..5 {
        b.node(NodeKind::Theme, &format!("主题{i}"), &format!("/themes/{i}/"));
    }
    b.node(NodeKind::Tag, "tag", "/tags/t/");
    let svg = b.finish().to_svg(3);
    assert_eq!(svg_tags(&svg).iter().filter(|t| t.name == "a").count(), 5);
    assert!(desc(&svg).contains("另有 1 个节点和 0 条连线没有画出"));
}

#[test]
fn nodes_and_labels_lie_inside_the_view_box() {
    let lonely = Graph { nodes: vec![Node::new(NodeKind::Article, "独自一篇", "/articles/alone/")], edges: vec![] };
    for g in [lonely, tiny(), synthetic(40), synthetic(300)] {
        let svg = g.to_svg(1000);
        let tags = svg_tags(&svg);
        let (w, h) = view_box(&tags);
        assert!(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0);
        let circles: Vec<&Tag> = tags.iter().filter(|t| t.name == "circle").collect();
        assert_eq!(circles.len(), g.nodes.len() + legend_entries(&g));
        for c in circles {
            let (x, y, r) = (number(c, "cx"), number(c, "cy"), number(c, "r"));
            assert!(x.is_finite() && y.is_finite() && r > 0.0, "{c:?}");
            assert!(x - r >= 0.0 && x + r <= w && y - r >= 0.0 && y + r <= h, "{c:?} outside 0 0 {w} {h}");
        }
        for t in tags.iter().filter(|t| t.name == "text") {
            let (x, y) = (number(t, "x"), number(t, "y"));
            assert!((0.0..=w).contains(&x) && (0.0..=h).contains(&y), "{t:?} outside 0 0 {w} {h}");
        }
    }
}

/// Legend entries: one per kind present.
fn legend_entries(g: &Graph) -> usize {
    [NodeKind::Article, NodeKind::Theme, NodeKind::Tag, NodeKind::Glossary]
        .iter()
        .filter(|&&k| g.nodes.iter().any(|n| n.kind == k))
        .count()
}

#[test]
fn themes_and_hubs_are_labelled_and_labels_do_not_overlap() {
    let g = synthetic(200);
    let svg = g.to_svg(1000);
    let nodes_part = &svg[svg.find("<g class=\"graph-nodes\">").unwrap()..];
    let labels: Vec<Tag> = svg_tags(&svg).into_iter().filter(|t| t.name == "text").skip(legend_entries(&g)).collect();
    let texts: Vec<&str> =
        nodes_part.split("<text ").skip(1).map(|s| &s[s.find('>').unwrap() + 1..s.find("</text>").unwrap()]).collect();
    assert_eq!(labels.len(), texts.len());
    for theme in g.nodes.iter().filter(|n| n.kind == NodeKind::Theme) {
        assert!(texts.contains(&theme.label.as_str()), "theme {} has no visible label", theme.label);
    }
    assert!(texts.len() >= 8 + 10, "only {} labels for {} nodes", texts.len(), g.nodes.len());
    assert!(texts.len() < g.nodes.len() / 4, "{} labels clutter the picture", texts.len());
    // The boxes the labels take, by the same width estimate the layout uses.
    let boxes: Vec<(f64, f64, f64, f64)> = labels
        .iter()
        .zip(&texts)
        .map(|(t, text)| {
            let (x, y, size) = (number(t, "x"), number(t, "y"), number(t, "font-size"));
            let w = super::svg::em_width(text) * size;
            let left = match t.attrs.iter().find(|(k, _)| k == "text-anchor").map(|(_, v)| v.as_str()) {
                Some("end") => x - w,
                Some("middle") => x - w / 2.0,
                _ => x,
            };
            (left, y - 0.96 * size, left + w, y + 0.24 * size)
        })
        .collect();
    for (i, a) in boxes.iter().enumerate() {
        for (j, b) in boxes.iter().enumerate().skip(i + 1) {
            let overlap = a.0 < b.2 - 0.2 && b.0 < a.2 - 0.2 && a.1 < b.3 - 0.2 && b.1 < a.3 - 0.2;
            assert!(!overlap, "labels {} and {} overlap: {a:?} {b:?}", texts[i], texts[j]);
        }
    }
}

#[test]
fn same_input_same_bytes() {
    let a = synthetic(120);
    let b = synthetic(120);
    assert_eq!(a.to_svg(150), b.to_svg(150));
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.to_svg(400), a.to_svg(400));
}

#[test]
fn coordinates_have_at_most_one_decimal() {
    let svg = synthetic(80).to_svg(400);
    for t in svg_tags(&svg) {
        for (k, v) in &t.attrs {
            if matches!(k.as_str(), "cx" | "cy" | "r" | "x" | "y") {
                assert!(v.split('.').nth(1).is_none_or(|d| d.len() == 1), "{k}={v}");
            }
        }
        if t.name == "path" {
            let d = attr(&t, "d");
            assert!(
                d.split(['M', 'L', ' '])
                    .filter(|s| !s.is_empty())
                    .all(|n| n.split('.').nth(1).is_none_or(|d| d.len() == 1))
            );
        }
    }
}

// ---------- CSS ----------

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap() as f64 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn colours_are_readable_in_light_and_dark() {
    for (name, p) in [("light", &LIGHT), ("dark", &DARK)] {
        let p: &Palette = p;
        assert!(contrast(p.label, p.bg) >= 4.5, "{name} labels: {:.2}", contrast(p.label, p.bg));
        for kind in [NodeKind::Article, NodeKind::Theme, NodeKind::Tag, NodeKind::Glossary] {
            let c = contrast(p.node(kind), p.bg);
            assert!(c >= 3.0, "{name} {kind:?} circles: {c:.2}");
        }
    }
    assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
}

#[test]
fn default_css_styles_every_class_in_both_schemes() {
    let css = default_css();
    for class in ["graph-node-article", "graph-node-theme", "graph-node-tag", "graph-node-glossary", "graph-edge"] {
        assert!(css.contains(&format!(".{class}")), "no rule for {class}");
    }
    let dark_vars = format!("--graph-bg: {}; --graph-label: {};", DARK.bg, DARK.label);
    let system =
        css.find("@media (prefers-color-scheme: dark) {\n  :root:not([data-theme=\"light\"]) .graph {").unwrap();
    let chosen = css.find(":root[data-theme=\"dark\"] .graph {").unwrap();
    assert!(css[system..].contains(&dark_vars) && css[chosen..].contains(&dark_vars));
    assert_eq!(css.matches('{').count(), css.matches('}').count());
}
