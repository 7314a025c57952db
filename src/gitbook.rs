//! SHIM
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    pub pattern: String,
    pub until: Option<String>,
    pub scope: Option<String>,
}
pub struct Boilerplate;
impl Boilerplate {
    pub fn defaults() -> Self {
        Boilerplate
    }
    pub fn with_extra(self, _e: &[RuleSpec]) -> Result<Self, String> {
        Ok(self)
    }
}
pub fn detect(_s: &str) -> bool {
    false
}
#[derive(Debug, Default)]
pub struct GitbookMeta {
    pub title: String,
    pub title_line: usize,
    pub category: Option<String>,
    pub author: Option<String>,
    pub author_url: Option<String>,
    pub published: Option<String>,
    pub published_line: usize,
    pub views: Option<u64>,
    pub comments: Option<u64>,
    pub collects: Option<u64>,
    pub tags: Vec<String>,
    pub original_url: Option<String>,
    pub summary: Option<String>,
    pub extra: Vec<(String, String)>,
}
pub struct Removed {
    pub rule: String,
    pub line: usize,
    pub lines: usize,
}
pub struct Issue {
    pub line: usize,
    pub column: usize,
    pub message: String,
}
pub struct Extracted {
    pub meta: GitbookMeta,
    pub body: String,
    pub removed: Vec<Removed>,
    pub warnings: Vec<Issue>,
}
pub fn extract(_s: &str, _r: &Boilerplate) -> Result<Extracted, Issue> {
    Err(Issue { line: 1, column: 1, message: "shim".into() })
}
