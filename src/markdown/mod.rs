//! SHIM
pub trait LinkResolver: Sync {
    fn resolve(&self, dest: &str, wiki: bool) -> Option<String>;
}
pub struct Options<'a> {
    pub line_offset: usize,
    pub resolver: &'a dyn LinkResolver,
}
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub heading: Option<String>,
    pub id: Option<String>,
    pub line: usize,
    pub text: String,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Page,
    Wiki,
    Asset,
    Image,
}
#[derive(Debug, Clone)]
pub struct OutLink {
    pub dest: String,
    pub wiki: bool,
    pub line: usize,
    pub column: usize,
    pub url: Option<String>,
    pub kind: LinkKind,
}
#[derive(Debug, Clone)]
pub struct Warning {
    pub line: usize,
    pub column: usize,
    pub message: String,
}
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub sections: Vec<Section>,
    pub links: Vec<OutLink>,
    pub plain_text: String,
    pub word_count: usize,
    pub reading_time: u32,
    pub has_code: bool,
    pub warnings: Vec<Warning>,
}
pub fn render(body: &str, _opts: &Options) -> Rendered {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(body));
    Rendered {
        html,
        plain_text: body.to_string(),
        word_count: crate::text::word_count(body),
        reading_time: 1,
        ..Default::default()
    }
}
pub fn highlight_css() -> String {
    String::new()
}
