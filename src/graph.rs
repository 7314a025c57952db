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

use std::fmt::Write;

use serde::Serialize;

use crate::hash::{FastMap, FastSet};

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

impl Graph {
    /// `{"nodes":[{"id","label","kind","url","degree"}],"edges":[{"source":id,"target":id,"kind"}]}`
    /// on one line. Nodes are sorted by id, edges by (source id, target id, kind); `degree`
    /// counts the edges touching the node, in either direction.
    pub fn to_json(&self) -> String {
        let edges = self.clean_edges();
        let degrees = self.degrees(&edges);
        let mut nodes: Vec<usize> = (0..self.nodes.len()).collect();
        nodes.sort_by(|&a, &b| self.nodes[a].id.cmp(&self.nodes[b].id));
        // Each node's id as a rank among the distinct ids (equal ids, equal ranks), so that
        // edges sort on integers in the order their ids would sort in.
        let mut rank = vec![0u32; self.nodes.len()];
        for (k, pair) in nodes.windows(2).enumerate() {
            let step = u32::from(self.nodes[pair[0]].id != self.nodes[pair[1]].id);
            rank[pair[1]] = rank[nodes[k]] + step;
        }
        let mut kinds: Vec<&str> = Vec::new();
        for e in &edges {
            if !kinds.contains(&e.kind) {
                kinds.push(e.kind);
            }
        }
        kinds.sort_unstable();
        // (source rank, target rank, kind rank, position): the stable order by (source id,
        // target id, kind).
        let mut order: Vec<u128> = edges
            .iter()
            .enumerate()
            .map(|(at, e)| {
                let kind = kinds.binary_search(&e.kind).unwrap_or_default();
                (u128::from(rank[e.source]) << 96)
                    | (u128::from(rank[e.target]) << 64)
                    | ((kind as u128) << 32)
                    | at as u128
            })
            .collect();
        order.sort_unstable();
        // Every id once as a JSON string; edges repeat them.
        let ids: Vec<String> = self.nodes.iter().map(|n| json_string(&n.id)).collect();
        let kinds: Vec<String> = kinds.iter().map(|k| json_string(k)).collect();
        let mut json =
            String::with_capacity(32 + ids.iter().map(|id| 3 * id.len() + 64).sum::<usize>() + order.len() * 40 + 32);
        json.push_str("{\"nodes\":[");
        for (k, &i) in nodes.iter().enumerate() {
            let n = &self.nodes[i];
            if k > 0 {
                json.push(',');
            }
            json.push_str("{\"id\":");
            json.push_str(&ids[i]);
            json.push_str(",\"label\":");
            json.push_str(&json_string(&n.label));
            json.push_str(",\"kind\":\"");
            json.push_str(n.kind.as_str());
            json.push_str("\",\"url\":");
            json.push_str(&json_string(&n.url));
            let _ = write!(json, ",\"degree\":{}}}", degrees[i]);
        }
        json.push_str("],\"edges\":[");
        for (k, &key) in order.iter().enumerate() {
            let e = &edges[key as u32 as usize];
            if k > 0 {
                json.push(',');
            }
            json.push_str("{\"source\":");
            json.push_str(&ids[e.source]);
            json.push_str(",\"target\":");
            json.push_str(&ids[e.target]);
            json.push_str(",\"kind\":");
            json.push_str(&kinds[(key >> 32) as u32 as usize]);
            json.push('}');
        }
        json.push_str("]}");
        json
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
        let valid = |e: &Edge| e.source < n && e.target < n && e.source != e.target;
        // The edges grouped by source (in their order within each group), so that a repeat
        // shows as a target met twice in one group: an array indexed by node says which group
        // last met it, with which kind. Only a target met twice goes to a hash set.
        let mut starts = vec![0u32; n + 1];
        for e in self.edges.iter().filter(|e| valid(e)) {
            starts[e.source + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut grouped = vec![0u32; starts[n] as usize];
        for (at, e) in self.edges.iter().enumerate().filter(|(_, e)| valid(e)) {
            grouped[next[e.source] as usize] = at as u32;
            next[e.source] += 1;
        }
        let mut keep = vec![false; self.edges.len()];
        let mut met: Vec<(u32, &str)> = vec![(u32::MAX, ""); n];
        let mut seen: FastSet<(usize, usize, &str)> = FastSet::default();
        for source in 0..n {
            for &at in &grouped[starts[source] as usize..starts[source + 1] as usize] {
                let e = &self.edges[at as usize];
                let slot = &mut met[e.target];
                keep[at as usize] = if slot.0 != source as u32 {
                    *slot = (source as u32, e.kind);
                    true
                } else {
                    seen.insert((source, e.target, slot.1));
                    seen.insert((source, e.target, e.kind))
                };
            }
        }
        self.edges.iter().zip(keep).filter(|&(_, keep)| keep).map(|(e, _)| *e).collect()
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
    ids: FastMap<String, usize>,
    /// Per node: the (target, kind) of the edges leaving it, while there are few; a node with
    /// more has them in `many` instead (and `None` here).
    out: Vec<Option<Vec<(usize, &'static str)>>>,
    many: FastSet<(usize, usize, &'static str)>,
}

/// Edges leaving one node that [`GraphBuilder`] compares one by one before it hashes them.
const FEW_EDGES: usize = 32;

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
        self.out.push(Some(Vec::new()));
        i
    }

    /// Adds an edge; returns false (and adds nothing) for a loop, an index out of range or an
    /// edge already there.
    pub fn edge(&mut self, source: usize, target: usize, kind: &'static str) -> bool {
        let n = self.graph.nodes.len();
        if source == target || source >= n || target >= n {
            return false;
        }
        let new = match &mut self.out[source] {
            Some(few) if few.len() < FEW_EDGES => {
                let new = !few.iter().any(|&(t, k)| t == target && (std::ptr::eq(k, kind) || k == kind));
                if new {
                    few.push((target, kind));
                }
                new
            }
            slot => {
                if let Some(few) = slot.take() {
                    self.many.extend(few.into_iter().map(|(t, k)| (source, t, k)));
                }
                self.many.insert((source, target, kind))
            }
        };
        if new {
            self.graph.edges.push(Edge { source, target, kind });
        }
        new
    }

    pub fn finish(self) -> Graph {
        self.graph
    }
}

/// `s` as a JSON string, quotes included, with `<`, `>` and `&` as `\\u` escapes: they then
/// occur nowhere in the file, which keeps a hostile label from being markup wherever the file
/// is served or inlined (as the search files are).
fn json_string(s: &str) -> String {
    crate::text::json_without_markup(serde_json::to_string(s).expect("a string always serialises"))
}

#[cfg(test)]
mod tests;
