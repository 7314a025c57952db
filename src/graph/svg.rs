//! Drawing the graph as one inline `<svg>`: no script, no external resource, readable at a few
//! hundred nodes, and byte-identical for identical input.
//!
//! What is drawn: when the graph has more than `max_nodes` nodes, only the best connected (and
//! every topic theme) with the edges among them, and the description says how many were left
//! out. Edges go first, one `<path>` per edge kind (`graph-edge graph-edge-<kind>`); then every
//! node is an `<a href>` holding a `<title>` (the tooltip), a circle whose area grows with its
//! degree, and, for the topic themes and the best connected nodes, a visible `<text>` label
//! placed where it overlaps no other label and, if possible, no circle. A legend names the
//! colours. Colours come from CSS classes (`graph-node-<kind>`; see [`default_css`]), with the
//! light colours also as presentation attributes so a stylesheet-less reader sees them too.
//! The geometry is in viewBox units, rounded to one decimal; the svg has no width or height and
//! scales to its container.

// Text for XML content and quoted attributes (characters XML 1.0 forbids are dropped).
use crate::feeds::escape_xml as escape;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::OnceLock;

use super::layout::{self, Params};
use super::{Graph, NodeKind};
use crate::text::{collapse_whitespace, is_cjk, truncate};

const TITLE_ID: &str = "graph-title";
const DESC_ID: &str = "graph-desc";
const TITLE: &str = "知识图谱";
const EMPTY: &str = "还没有可以画出的节点。";

/// Space around the drawing, and the band at the top that holds the legend.
const MARGIN: f64 = 16.0;
const LEGEND_HEIGHT: f64 = 30.0;
/// Longest visible label, in ems (10 Han characters); the tooltip has the whole text.
const LABEL_MAX_EM: f64 = 10.0;
const FONT_SIZE: f64 = 13.0;
const THEME_FONT_SIZE: f64 = 15.0;
const LEGEND_FONT_SIZE: f64 = 13.0;

const KINDS: [NodeKind; 4] = [NodeKind::Theme, NodeKind::Article, NodeKind::Tag, NodeKind::Glossary];

/// One node as drawn.
struct Drawn {
    /// Index into `Graph::nodes`.
    node: usize,
    kind: NodeKind,
    degree: usize,
    x: f64,
    y: f64,
    r: f64,
    label: Option<Label>,
}

struct Label {
    text: String,
    x: f64,
    y: f64,
    anchor: &'static str,
    size: f64,
}

/// An axis-aligned box: left, top, right, bottom.
#[derive(Clone, Copy)]
struct Rect(f64, f64, f64, f64);

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.0 < o.2 && o.0 < self.2 && self.1 < o.3 && o.1 < self.3
    }

    fn touches_circle(&self, x: f64, y: f64, r: f64) -> bool {
        let dx = x - x.clamp(self.0, self.2);
        let dy = y - y.clamp(self.1, self.3);
        dx * dx + dy * dy < r * r
    }

    fn inside(&self, o: &Rect) -> bool {
        self.0 >= o.0 && self.1 >= o.1 && self.2 <= o.2 && self.3 <= o.3
    }
}

pub(super) fn render(graph: &Graph, max_nodes: usize) -> String {
    let edges = graph.clean_edges();
    let degrees = graph.degrees(&edges);
    let kept = select(graph, &degrees, max_nodes);
    if kept.is_empty() {
        let message = if graph.nodes.is_empty() {
            EMPTY.to_string()
        } else {
            format!("一个节点也没有画出：{} 个节点和 {} 条连线都略去了。", graph.nodes.len(), edges.len())
        };
        return empty_svg(&message);
    }
    let mut local = vec![None; graph.nodes.len()];
    for (i, &n) in kept.iter().enumerate() {
        local[n] = Some(i);
    }
    // Edges among the kept nodes, by local index; the layout wants each pair once.
    let kept_edges: Vec<(usize, usize, &'static str)> =
        edges.iter().filter_map(|e| Some((local[e.source]?, local[e.target]?, e.kind))).collect();
    let pairs: Vec<(usize, usize)> =
        kept_edges.iter().map(|&(a, b, _)| (a.min(b), a.max(b))).collect::<BTreeSet<_>>().into_iter().collect();
    let by_rank = ranked(graph, &degrees, &kept);
    let pos = layout::force_directed(kept.len(), &pairs, &by_rank, Params::default());

    let mut drawn: Vec<Drawn> = kept
        .iter()
        .map(|&n| Drawn { node: n, kind: graph.nodes[n].kind, degree: degrees[n], x: 0.0, y: 0.0, r: 0.0, label: None })
        .collect();
    for d in &mut drawn {
        d.r = radius(d.kind, d.degree);
    }
    let (width, height) = place(&mut drawn, &pos);
    label(graph, &mut drawn, &by_rank, width, height);

    let mut out = String::with_capacity(200 * drawn.len() + 40 * kept_edges.len());
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" viewBox=\"0 0 {} {}\" \
         aria-labelledby=\"{TITLE_ID} {DESC_ID}\">\n<title id=\"{TITLE_ID}\">{TITLE}</title>\n\
         <desc id=\"{DESC_ID}\">{}</desc>\n",
        num(width),
        num(height),
        escape(&description(graph, &drawn, kept_edges.len(), edges.len()))
    );
    write_legend(&mut out, &drawn);
    write_edges(&mut out, &drawn, &kept_edges);
    write_nodes(&mut out, graph, &drawn);
    out.push_str("</svg>\n");
    out
}

/// The nodes to draw, as indices into `graph.nodes` in ascending order: all of them when they
/// fit, otherwise every topic theme and then the best connected (ties by id) up to `max_nodes`.
fn select(graph: &Graph, degrees: &[usize], max_nodes: usize) -> Vec<usize> {
    let n = graph.nodes.len();
    if n <= max_nodes {
        return (0..n).collect();
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (graph.nodes[i].kind != NodeKind::Theme, std::cmp::Reverse(degrees[i]));
        key(a).cmp(&key(b)).then_with(|| graph.nodes[a].id.cmp(&graph.nodes[b].id))
    });
    let themes = graph.nodes.iter().filter(|n| n.kind == NodeKind::Theme).count();
    order.truncate(max_nodes.max(themes));
    order.sort_unstable();
    order
}

/// Local indices of the kept nodes, best connected first (ties by id).
fn ranked(graph: &Graph, degrees: &[usize], kept: &[usize]) -> Vec<usize> {
    let mut by_rank: Vec<usize> = (0..kept.len()).collect();
    by_rank.sort_by(|&a, &b| {
        let (na, nb) = (kept[a], kept[b]);
        degrees[nb].cmp(&degrees[na]).then_with(|| graph.nodes[na].id.cmp(&graph.nodes[nb].id))
    });
    by_rank
}

/// Circle radius: the area grows with the degree; themes are never small.
fn radius(kind: NodeKind, degree: usize) -> f64 {
    let r = (3.5 + 1.6 * (degree as f64).sqrt()).min(24.0);
    if kind == NodeKind::Theme { r.max(8.0) } else { r }
}

/// Scales the layout into a frame whose size grows with the number of nodes, and returns the
/// viewBox size. Small graphs are not blown up: one layout unit is at most [`MAX_SCALE`]
/// viewBox units, and the frame is at least [`MIN_WIDTH`] by [`MIN_HEIGHT`], the drawing
/// centred in it.
fn place(drawn: &mut [Drawn], pos: &[(f64, f64)]) -> (f64, f64) {
    let n = drawn.len() as f64;
    let target_w = (68.0 * n.sqrt()).clamp(MIN_WIDTH, 1400.0);
    let target_h = target_w * 0.68;
    let max_r = drawn.iter().map(|d| d.r).fold(0.0, f64::max);
    let pad = MARGIN + max_r;
    let (min_x, max_x) = pos.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (min_y, max_y) = pos.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (span_x, span_y) = (max_x - min_x, max_y - min_y);
    let fit = |avail: f64, span: f64| if span > 0.0 { avail / span } else { f64::MAX };
    let scale = fit(target_w - 2.0 * pad, span_x).min(fit(target_h - 2.0 * pad - LEGEND_HEIGHT, span_y)).min(MAX_SCALE);
    let width = (span_x * scale + 2.0 * pad).max(legend_width(drawn) + 2.0 * MARGIN).max(MIN_WIDTH);
    let height = (span_y * scale + 2.0 * pad + LEGEND_HEIGHT).max(MIN_HEIGHT);
    let shift_x = (width - span_x * scale) / 2.0;
    let shift_y = LEGEND_HEIGHT + (height - LEGEND_HEIGHT - span_y * scale) / 2.0;
    for (d, p) in drawn.iter_mut().zip(pos) {
        d.x = round1(shift_x + (p.0 - min_x) * scale);
        d.y = round1(shift_y + (p.1 - min_y) * scale);
    }
    (round1(width), round1(height))
}

const MAX_SCALE: f64 = 30.0;
const MIN_WIDTH: f64 = 560.0;
const MIN_HEIGHT: f64 = 300.0;

/// How many nodes besides the themes get a visible label.
fn label_budget(nodes: usize) -> usize {
    (nodes / 8).clamp(12, 40)
}

/// Gives the themes and the best connected nodes a label, in that order, each at the first
/// of four spots (right, left, below, above) that stays in the frame and overlaps no other
/// label and no circle. Another node goes without rather than overlap; a theme always gets a
/// label, over circles if it must, over other labels only if nothing else fits.
fn label(graph: &Graph, drawn: &mut [Drawn], by_rank: &[usize], width: f64, height: f64) {
    let frame = Rect(2.0, LEGEND_HEIGHT, width - 2.0, height - 2.0);
    let themes = by_rank.iter().copied().filter(|&i| drawn[i].kind == NodeKind::Theme);
    let others = by_rank
        .iter()
        .copied()
        .filter(|&i| drawn[i].kind != NodeKind::Theme && drawn[i].degree > 0)
        .take(label_budget(drawn.len()));
    let wanted: Vec<usize> = themes.chain(others).collect();
    let mut placed: Vec<Rect> = Vec::new();
    for i in wanted {
        let d = &drawn[i];
        let is_theme = d.kind == NodeKind::Theme;
        let size = if is_theme { THEME_FONT_SIZE } else { FONT_SIZE };
        let text = short_label(&graph.nodes[d.node].label);
        if text.is_empty() {
            continue;
        }
        let w = em_width(&text) * size;
        let h = size * 1.2;
        let gap = 3.0;
        let spots = [
            (Rect(d.x + d.r + gap, d.y - h / 2.0, d.x + d.r + gap + w, d.y + h / 2.0), "start"),
            (Rect(d.x - d.r - gap - w, d.y - h / 2.0, d.x - d.r - gap, d.y + h / 2.0), "end"),
            (Rect(d.x - w / 2.0, d.y + d.r + 1.0, d.x + w / 2.0, d.y + d.r + 1.0 + h), "middle"),
            (Rect(d.x - w / 2.0, d.y - d.r - 1.0 - h, d.x + w / 2.0, d.y - d.r - 1.0), "middle"),
        ];
        let free_of_labels = |r: &Rect| r.inside(&frame) && !placed.iter().any(|p| p.overlaps(r));
        let free_of_circles =
            |r: &Rect| drawn.iter().enumerate().all(|(j, o)| j == i || !r.touches_circle(o.x, o.y, o.r + 1.0));
        let mut choice = spots.iter().find(|(r, _)| free_of_labels(r) && free_of_circles(r));
        if is_theme {
            choice = choice
                .or_else(|| spots.iter().find(|(r, _)| free_of_labels(r)))
                .or_else(|| spots.iter().find(|(r, _)| r.inside(&frame)));
        }
        let Some(&(rect, anchor)) = choice else { continue };
        let x = match anchor {
            "start" => rect.0,
            "end" => rect.2,
            _ => (rect.0 + rect.2) / 2.0,
        };
        // The baseline sits a little below the middle of the box.
        let y = (rect.1 + rect.3) / 2.0 + size * 0.36;
        placed.push(Rect(rect.0 - 2.0, rect.1 - 1.0, rect.2 + 2.0, rect.3 + 1.0));
        drawn[i].label = Some(Label { text, x: round1(x), y: round1(y), anchor, size });
    }
}

/// The label as shown: whitespace collapsed, cut with "…" to [`LABEL_MAX_EM`].
fn short_label(label: &str) -> String {
    let text = collapse_whitespace(label);
    if em_width(&text) <= LABEL_MAX_EM {
        return text;
    }
    let mut width = 1.0; // the "…"
    let mut fits = 0;
    for c in text.chars() {
        width += char_em(c);
        if width > LABEL_MAX_EM {
            break;
        }
        fits += 1;
    }
    truncate(&text, fits + 1)
}

/// A generous estimate of a character's advance in ems: wide for CJK and full-width forms.
fn char_em(c: char) -> f64 {
    if is_cjk(c) || matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF60 | 0x2E80..=0x2FDF) {
        1.0
    } else if c.is_ascii_uppercase() || c.is_ascii_digit() || !c.is_ascii() {
        0.66
    } else {
        0.56
    }
}

pub(super) fn em_width(s: &str) -> f64 {
    s.chars().map(char_em).sum()
}

/// Name of a kind in the site's language, and the counter word for it.
fn kind_name(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Article => ("文章", "篇"),
        NodeKind::Theme => ("主题", "个"),
        NodeKind::Tag => ("标签", "个"),
        NodeKind::Glossary => ("术语", "个"),
    }
}

fn count_kind(drawn: &[Drawn], kind: NodeKind) -> usize {
    drawn.iter().filter(|d| d.kind == kind).count()
}

/// The `<desc>`: what is drawn, how to read it, and what was left out.
fn description(graph: &Graph, drawn: &[Drawn], drawn_edges: usize, all_edges: usize) -> String {
    let counts: Vec<String> = KINDS
        .iter()
        .filter(|&&k| count_kind(drawn, k) > 0)
        .map(|&k| {
            let (name, counter) = kind_name(k);
            format!("{name} {} {counter}", count_kind(drawn, k))
        })
        .collect();
    let mut desc = format!(
        "文章、主题、标签和术语之间的关系图：{} 个节点（{}），{} 条连线。圆越大，连线越多；每个节点都链接到它的页面。",
        drawn.len(),
        counts.join("、"),
        drawn_edges
    );
    let left_nodes = graph.nodes.len() - drawn.len();
    if left_nodes > 0 {
        let _ = write!(
            desc,
            "为了看得清，只画出连线最多的 {} 个节点，另有 {} 个节点和 {} 条连线没有画出。",
            drawn.len(),
            left_nodes,
            all_edges - drawn_edges
        );
    }
    desc
}

fn legend_items(drawn: &[Drawn]) -> Vec<(NodeKind, String)> {
    KINDS
        .iter()
        .filter(|&&k| count_kind(drawn, k) > 0)
        .map(|&k| (k, format!("{} {}", kind_name(k).0, count_kind(drawn, k))))
        .collect()
}

fn legend_width(drawn: &[Drawn]) -> f64 {
    legend_items(drawn).iter().map(|(_, t)| 18.0 + em_width(t) * LEGEND_FONT_SIZE + 14.0).sum()
}

fn write_legend(out: &mut String, drawn: &[Drawn]) {
    out.push_str("<g class=\"graph-legend\" aria-hidden=\"true\">\n");
    let mut x = MARGIN;
    let y = LEGEND_HEIGHT / 2.0 + 2.0;
    for (kind, text) in legend_items(drawn) {
        let _ = writeln!(
            out,
            "<g class=\"graph-node-{k}\"><circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{fill}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"{}\">{}</text></g>",
            num(x + 6.0),
            num(y),
            num(x + 16.0),
            num(y + LEGEND_FONT_SIZE * 0.36),
            num(LEGEND_FONT_SIZE),
            escape(&text),
            k = kind.as_str(),
            fill = LIGHT.node(kind),
        );
        x += 18.0 + em_width(&text) * LEGEND_FONT_SIZE + 14.0;
    }
    out.push_str("</g>\n");
}

fn write_edges(out: &mut String, drawn: &[Drawn], edges: &[(usize, usize, &'static str)]) {
    let mut by_kind: BTreeMap<&str, String> = BTreeMap::new();
    for &(a, b, kind) in edges {
        let d = by_kind.entry(kind).or_default();
        let _ = write!(d, "M{} {}L{} {}", num(drawn[a].x), num(drawn[a].y), num(drawn[b].x), num(drawn[b].y));
    }
    let _ = writeln!(out, "<g class=\"graph-edges\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"0.5\">", LIGHT.edge);
    for (kind, d) in by_kind {
        let _ = writeln!(out, "<path class=\"graph-edge graph-edge-{}\" d=\"{d}\"/>", class_part(kind));
    }
    out.push_str("</g>\n");
}

fn write_nodes(out: &mut String, graph: &Graph, drawn: &[Drawn]) {
    // Unlabelled first, themes last, so that the only labels a circle may cover (those of
    // themes that found no free spot) are drawn over everything else.
    let mut order: Vec<usize> = (0..drawn.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (drawn[i].label.is_some(), drawn[i].kind == NodeKind::Theme, drawn[i].degree);
        key(a).cmp(&key(b)).then_with(|| graph.nodes[drawn[a].node].id.cmp(&graph.nodes[drawn[b].node].id))
    });
    out.push_str("<g class=\"graph-nodes\">\n");
    for i in order {
        let d = &drawn[i];
        let node = &graph.nodes[d.node];
        let (kind_name, _) = kind_name(d.kind);
        let _ = write!(
            out,
            "<a href=\"{}\" class=\"graph-node graph-node-{}\"><title>{}（{}，{} 条连线）</title>\
             <circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>",
            escape(&node.url),
            d.kind.as_str(),
            escape(&collapse_whitespace(&node.label)),
            kind_name,
            d.degree,
            num(d.x),
            num(d.y),
            num(d.r),
            LIGHT.node(d.kind)
        );
        if let Some(l) = &d.label {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{}>{}</text>",
                num(l.x),
                num(l.y),
                num(l.size),
                if l.anchor == "start" { String::new() } else { format!(" text-anchor=\"{}\"", l.anchor) },
                escape(&l.text)
            );
        }
        out.push_str("</a>\n");
    }
    out.push_str("</g>\n");
}

/// An svg with nothing but its title and a visible `message`, also its description.
fn empty_svg(message: &str) -> String {
    let message = escape(message);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" viewBox=\"0 0 {MIN_WIDTH} 80\" role=\"img\" \
         aria-labelledby=\"{TITLE_ID} {DESC_ID}\">\n<title id=\"{TITLE_ID}\">{TITLE}</title>\n\
         <desc id=\"{DESC_ID}\">{message}</desc>\n\
         <text class=\"graph-empty\" x=\"{}\" y=\"44\" font-size=\"14\" text-anchor=\"middle\">{message}</text>\n</svg>\n",
        MIN_WIDTH / 2.0
    )
}

/// An edge kind as part of a class name: lowercase ASCII letters, digits and `-` only.
fn class_part(kind: &str) -> String {
    kind.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

fn round1(x: f64) -> f64 {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

/// A coordinate with at most one decimal, without a useless ".0" or a "-0": `x` rounded to
/// tenths (halves away from zero, as [`round1`]), printed from that whole number of tenths
/// without a float formatter or a string of its own (the drawing prints tens of thousands).
fn num(x: f64) -> Tenths {
    debug_assert!(x.is_finite(), "a coordinate that is not a number: {x}");
    Tenths((x * 10.0).round() as i64)
}

/// A number of tenths, printed as [`num`] says.
#[derive(Debug, Clone, Copy)]
struct Tenths(i64);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let tenths = self.0.unsigned_abs();
        match tenths % 10 {
            0 => write!(f, "{sign}{}", tenths / 10),
            digit => write!(f, "{sign}{}.{digit}", tenths / 10),
        }
    }
}

/// The colours of one colour scheme.
pub(super) struct Palette {
    pub bg: &'static str,
    pub label: &'static str,
    pub edge: &'static str,
    pub article: &'static str,
    pub theme: &'static str,
    pub tag: &'static str,
    pub glossary: &'static str,
}

impl Palette {
    pub fn node(&self, kind: NodeKind) -> &'static str {
        match kind {
            NodeKind::Article => self.article,
            NodeKind::Theme => self.theme,
            NodeKind::Tag => self.tag,
            NodeKind::Glossary => self.glossary,
        }
    }

    fn variables(&self) -> String {
        format!(
            "--graph-bg: {}; --graph-label: {}; --graph-edge: {}; --graph-article: {}; \
             --graph-theme: {}; --graph-tag: {}; --graph-glossary: {};",
            self.bg, self.label, self.edge, self.article, self.theme, self.tag, self.glossary
        )
    }
}

/// The default theme's light page colours, with node colours of at least 3:1 against the
/// background and labels of at least 4.5:1.
pub(super) const LIGHT: Palette = Palette {
    bg: "#fcfcfa",
    label: "#1d2025",
    edge: "#7d8794",
    article: "#2f6fcb",
    theme: "#c2410c",
    tag: "#2e7d46",
    glossary: "#8a3fb8",
};

pub(super) const DARK: Palette = Palette {
    bg: "#16181c",
    label: "#e3e5e9",
    edge: "#7d8794",
    article: "#5b9cf0",
    theme: "#ff9a4d",
    tag: "#4fb36c",
    glossary: "#c39cf2",
};

/// CSS for the classes [`Graph::to_svg`](super::Graph::to_svg) writes, in light and dark
/// (the system preference unless the page says `data-theme="light"`, and `data-theme="dark"`),
/// for themes that do not style the graph themselves.
pub fn default_css() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        format!(
            "/* Knowledge graph (/graph/): the classes written by themata's Graph::to_svg. */\n\
             .graph {{ {light} }}\n\
             @media (prefers-color-scheme: dark) {{\n  :root:not([data-theme=\"light\"]) .graph {{ {dark} }}\n}}\n\
             :root[data-theme=\"dark\"] .graph {{ {dark} }}\n\
             {rules}",
            light = LIGHT.variables(),
            dark = DARK.variables(),
            rules = RULES
        )
    })
}

const RULES: &str = r#".graph {
  display: block;
  width: 100%;
  height: auto;
  max-height: 85vh;
  background: var(--graph-bg);
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Helvetica Neue", Arial, "PingFang SC",
    "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
}
.graph .graph-edges { stroke: var(--graph-edge); }
.graph .graph-edge { fill: none; stroke-width: 0.8; stroke-opacity: 0.4; }
.graph .graph-edge-link { stroke-width: 1; stroke-opacity: 0.65; }
.graph .graph-edge-theme { stroke: var(--graph-theme); stroke-opacity: 0.3; }
.graph circle { stroke: var(--graph-bg); stroke-width: 1; }
.graph .graph-node-article circle { fill: var(--graph-article); }
.graph .graph-node-theme circle { fill: var(--graph-theme); stroke: var(--graph-label); stroke-width: 1.5; }
.graph .graph-node-tag circle { fill: var(--graph-tag); }
.graph .graph-node-glossary circle { fill: var(--graph-glossary); }
.graph text {
  fill: var(--graph-label);
  stroke: var(--graph-bg);
  stroke-width: 3px;
  stroke-linejoin: round;
  paint-order: stroke;
}
.graph .graph-node-theme text { font-weight: 600; }
.graph a:hover circle, .graph a:focus-visible circle { stroke: var(--graph-label); stroke-width: 2.5; }
.graph a:hover text, .graph a:focus-visible text { text-decoration: underline; }
.graph a:focus { outline: none; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_illegal_characters() {
        assert_eq!(escape("<a href=\"x\">'&'</a>\u{0}\u{1b}"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("中文\tok"), "中文\tok");
    }

    #[test]
    fn numbers_have_one_decimal_and_no_negative_zero() {
        let num = |x: f64| num(x).to_string();
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(12.36), "12.4");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(-3.24), "-3.2");
        assert_eq!(num(-3.25), "-3.3", "halves round away from zero");
        assert_eq!(num(0.05), "0.1");
        assert_eq!(num(-12.0), "-12");
    }

    /// Tenths print what the float formatter printed for the value rounded by `round1`.
    #[test]
    fn tenths_print_as_the_rounded_float_did() {
        let formatted = |x: f64| {
            let s = format!("{:.1}", round1(x));
            s.strip_suffix(".0").map_or_else(|| s.clone(), str::to_string)
        };
        // Deterministic values of every size a drawing uses, halves and near-halves included.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let unit = (seed >> 11) as f64 / (1u64 << 53) as f64;
            let x = match i % 4 {
                0 => (unit - 0.5) * 20_000.0,
                1 => (unit - 0.5) * 20.0,
                2 => ((unit * 40_000.0).floor() - 20_000.0) / 20.0,
                _ => ((unit * 40_000.0).floor() - 20_000.0) / 20.0 + 1e-9,
            };
            assert_eq!(num(x).to_string(), formatted(x), "{x}");
        }
    }

    #[test]
    fn long_labels_are_cut_to_ten_ems() {
        assert_eq!(short_label("短标题"), "短标题");
        let cut = short_label("人工智能时代的产品经理需要什么样的能力");
        assert_eq!(cut, "人工智能时代的产品…");
        let latin = short_label("The Product Manager in the Age of AI");
        assert!(latin.ends_with('…') && em_width(&latin) <= LABEL_MAX_EM, "{latin}");
    }

    #[test]
    fn edge_kinds_become_safe_class_names() {
        assert_eq!(class_part("link"), "link");
        assert_eq!(class_part("x\" onload=\"y"), "x--onload--y");
    }
}
