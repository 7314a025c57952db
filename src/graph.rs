//! The knowledge graph of the site: articles, topic themes, tags and glossary terms as nodes,
//! and the links between them (article→article, article→theme, article→tag,
//! article→glossary term) as edges, written out as `graph.json` for other tools and drawn as a
//! self-contained, script-free `<svg>` for the `/graph/` page.
//!
//! The module is pure: the site stage builds a [`Graph`] (usually through [`GraphBuilder`],
//! which keeps node ids unique and edges single), and this module only turns it into text.
//! Both outputs are byte-identical for identical input: nodes and edges are sorted by id before
//! they are written, no hash-map order reaches the output, and the layout uses a fixed number of
//! iterations of plain IEEE arithmetic from a fixed start.

mod layout;
mod svg;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

pub use svg::default_css;

/// What a node stands for; serialised in lowercase (`"article"`, `"theme"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Article,
    /// A topic theme (`content/themes/<slug>.md`), not a visual theme.
    Theme,
    Tag,
    Glossary,
}

impl NodeKind {
    /// The lowercase name used in ids, JSON and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Article => "article",
            NodeKind::Theme => "theme",
            NodeKind::Tag => "tag",
            NodeKind::Glossary => "glossary",
        }
    }
}

/// One node of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Stable and unique: the kind and the site path, e.g. `"article:/articles/x/"`.
    pub id: String,
    /// What readers see: the title, tag or term.
    pub label: String,
    pub kind: NodeKind,
    /// Where the node's link goes.
    pub url: String,
}

impl Node {
    /// A node whose id is made of its kind and URL (`"tag:/tags/ai/"`).
    pub fn new(kind: NodeKind, label: impl Into<String>, url: impl Into<String>) -> Node {
        let url = url.into();
        Node { id: format!("{}:{}", kind.as_str(), url), label: label.into(), kind, url }
    }
}

/// An edge between two nodes, by their index in [`Graph::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub source: usize,
    pub target: usize,
    /// `"link"` (article→article), `"theme"`, `"tag"` or `"glossary"`.
    pub kind: &'static str,
}

/// The whole graph. Edges whose ends are out of range, loops and repeated
/// (source, target, kind) triples are ignored by both outputs and by the degree count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge<'a>>,
}

#[derive(Serialize)]
struct JsonNode<'a> {
    id: &'a str,
    label: &'a str,
    kind: NodeKind,
    url: &'a str,
    degree: usize,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    source: &'a str,
    target: &'a str,
    kind: &'a str,
}

impl Graph {
    /// `{"nodes":[{"id","label","kind","url","degree"}],"edges":[{"source":id,"target":id,"kind"}]}`
    /// on one line. Nodes are sorted by id, edges by (source id, target id, kind); `degree`
    /// counts the edges touching the node, in either direction.
    pub fn to_json(&self) -> String {
        let edges = self.clean_edges();
        let degrees = self.degrees(&edges);
        let mut nodes: Vec<usize> = (0..self.nodes.len()).collect();
        nodes.sort_by(|&a, &b| self.nodes[a].id.cmp(&self.nodes[b].id));
        let mut json_edges: Vec<JsonEdge> = edges
            .iter()
            .map(|e| JsonEdge { source: &self.nodes[e.source].id, target: &self.nodes[e.target].id, kind: e.kind })
            .collect();
        json_edges.sort_by(|a, b| (a.source, a.target, a.kind).cmp(&(b.source, b.target, b.kind)));
        let json = JsonGraph {
            nodes: nodes
                .into_iter()
                .map(|i| {
                    let n = &self.nodes[i];
                    JsonNode { id: &n.id, label: &n.label, kind: n.kind, url: &n.url, degree: degrees[i] }
                })
                .collect(),
            edges: json_edges,
        };
        let json = serde_json::to_string(&json).expect("a graph of strings and integers always serialises");
        // `<`, `>` and `&` only occur inside strings: as `\u` escapes they keep a hostile label
        // from being markup wherever the file is served or inlined (as the search files do).
        // One pass, and none at all when there is nothing to escape (tens of megabytes at scale).
        if !json.contains(['<', '>', '&']) {
            return json;
        }
        let mut escaped = String::with_capacity(json.len() + 64);
        for c in json.chars() {
            match c {
                '<' => escaped.push_str("\\u003c"),
                '>' => escaped.push_str("\\u003e"),
                '&' => escaped.push_str("\\u0026"),
                c => escaped.push(c),
            }
        }
        escaped
    }

    /// A self-contained inline `<svg>` (no script, no external resource, no width or height:
    /// it scales to its container through its viewBox) with a deterministic force-directed
    /// layout. Edges are `<path class="graph-edge graph-edge-<kind>">`; each node is an
    /// `<a href=url class="graph-node graph-node-<kind>">` with a `<title>` tooltip, a circle
    /// whose area grows with the degree and, for topic themes and the best connected nodes, a
    /// visible `<text>` label placed where it overlaps no other. The svg has no `role` (its nodes are links, which `role="img"` would hide) and
    /// `aria-labelledby` pointing at its `<title>` and `<desc>`.
    ///
    /// At most `max_nodes` nodes are drawn: the best connected (ties by id) and every topic
    /// theme, even beyond `max_nodes`, with the edges among them; the `<desc>` says how many
    /// nodes and edges were left out. Colours come from [`default_css`] or the visual theme.
    pub fn to_svg(&self, max_nodes: usize) -> String {
        svg::render(self, max_nodes)
    }

    /// The edges both outputs use: both ends in range, no loops, each (source, target, kind)
    /// once, in their first order.
    fn clean_edges(&self) -> Vec<Edge> {
        let n = self.nodes.len();
        let mut seen = HashSet::new();
        self.edges
            .iter()
            .filter(|e| e.source < n && e.target < n && e.source != e.target)
            .filter(|e| seen.insert((e.source, e.target, e.kind)))
            .copied()
            .collect()
    }

    /// How many of `edges` touch each node.
    fn degrees(&self, edges: &[Edge]) -> Vec<usize> {
        let mut degrees = vec![0; self.nodes.len()];
        for e in edges {
            degrees[e.source] += 1;
            degrees[e.target] += 1;
        }
        degrees
    }
}

/// Builds a [`Graph`] with unique node ids and single edges.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    graph: Graph,
    ids: HashMap<String, usize>,
    edges: HashSet<(usize, usize, &'static str)>,
}

impl GraphBuilder {
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// The index of the node of this kind and URL, added with this label the first time it is
    /// asked for (later labels are ignored).
    pub fn node(&mut self, kind: NodeKind, label: &str, url: &str) -> usize {
        let node = Node::new(kind, label, url);
        if let Some(&i) = self.ids.get(&node.id) {
            return i;
        }
        let i = self.graph.nodes.len();
        self.ids.insert(node.id.clone(), i);
        self.graph.nodes.push(node);
        i
    }

    /// Adds an edge; returns false (and adds nothing) for a loop, an index out of range or an
    /// edge already there.
    pub fn edge(&mut self, source: usize, target: usize, kind: &'static str) -> bool {
        let n = self.graph.nodes.len();
        if source == target || source >= n || target >= n || !self.edges.insert((source, target, kind)) {
            return false;
        }
        self.graph.edges.push(Edge { source, target, kind });
        true
    }

    pub fn finish(self) -> Graph {
        self.graph
    }
}

#[cfg(test)]
mod tests;
