//! The named rules that recognise export boilerplate in an article's body, their defaults, the
//! `[[gitbook.boilerplate]]` rules `site.toml` adds, and the pass that blanks what they match.
//!
//! How a rule matches: each line is trimmed of surrounding whitespace (non-breaking and
//! zero-width spaces included) and the rule's `pattern` must match the WHOLE trimmed line, as if
//! written `^(?:pattern)$`. Blank lines and lines inside fenced code blocks are never matched.
//! With `until`, a line matching `pattern` starts a card that runs to the next line (after it)
//! matching `until`; all of it is removed. The first rule in order that matches a line claims it.
//!
//! Scopes: `head` rules only remove what lies before the article's first real line, `tail` rules
//! only what lies after its last real line, `anywhere` rules (the default) remove wherever they
//! match. A real line is a non-blank line that no `head`/`anywhere` rule (for the head) or no
//! `tail`/`anywhere` rule (for the tail) claims: the head is the leading run of blank and
//! claimed lines, the tail the trailing one.

use regex::{Regex, RegexSet};
use serde::Deserialize;
use std::sync::LazyLock;

use super::text;
use super::{GitbookMeta, Issue, Removed};

/// A boilerplate rule as written in `site.toml` (`[[gitbook.boilerplate]]`).
///
/// `pattern` and `until` are regular expressions (the `regex` crate's syntax) matched against a
/// whole trimmed line; see the module documentation. `scope` is `"anywhere"` (the default),
/// `"head"` or `"tail"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    pub pattern: String,
    pub until: Option<String>,
    pub scope: Option<String>,
}

/// An ordered list of named rules that remove export boilerplate from an article's body.
#[derive(Debug, Clone)]
pub struct Boilerplate {
    rules: Vec<Rule>,
    /// Tests that pass every line some line pattern or card start of `rules` could match: a
    /// line none of them passes is matched by no rule, and most lines are the article's own
    /// text. One for the defaults, one for the rules `site.toml` adds.
    screens: Vec<Screen>,
}

/// A screen over some of the rules: a line passes when its first character may start one of
/// their patterns and the set of their patterns matches it.
#[derive(Debug, Clone)]
struct Screen {
    /// A test of the trimmed line's first character; `None` lets every line through.
    first: Option<fn(char) -> bool>,
    /// Every line pattern and card start at once. `None` when the set could not be built
    /// (then each rule is tried as it is).
    set: Option<RegexSet>,
}

impl Screen {
    fn new(rules: &[Rule], first: Option<fn(char) -> bool>) -> Screen {
        let patterns = rules.iter().filter_map(|rule| match &rule.kind {
            Kind::Line(pattern) | Kind::Card { start: pattern, .. } => Some(pattern.as_str()),
            Kind::TitleHeading | Kind::SummaryRepeat => None,
        });
        Screen { first, set: RegexSet::new(patterns).ok() }
    }

    fn passes(&self, line: &str) -> bool {
        self.first.is_none_or(|first| line.chars().next().is_some_and(first))
            && self.set.as_ref().is_none_or(|set| set.is_match(line))
    }
}

/// Whether a default rule's pattern can match a line that starts with `c`: each starts with a
/// link or image (`[`, `!`), a number (`\d`, any script's digits) or one of the Chinese words
/// 关注, 赞赏, 更多, 微信, 分享. This byte test spares the regex set the article's own lines,
/// which cost it ~300 instructions each. Keep it in step with the pieces above.
fn may_start_default(c: char) -> bool {
    matches!(c, '[' | '!' | '关' | '赞' | '更' | '微' | '分') || is_digit(c)
}

/// Whether `c` may be a `\d` (a decimal digit of any script): a superset, `is_numeric`, will do.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Anywhere,
    Head,
    Tail,
}

#[derive(Debug, Clone)]
enum Kind {
    /// One line matching the pattern.
    Line(Regex),
    /// A run of lines from one matching `start` to the next matching `until`.
    Card { start: Regex, until: Regex },
    /// A heading whose text is the article's title.
    TitleHeading,
    /// A blockquote whose first paragraph is the article's summary: that paragraph and the empty
    /// `>` lines after it.
    SummaryRepeat,
}

#[derive(Debug, Clone)]
struct Rule {
    name: String,
    scope: Scope,
    kind: Kind,
    /// For a default line pattern or card start: a test of the first character of the lines
    /// it can match. A boilerplate line passes the screen and is then tried against each rule
    /// in turn (a dozen regex runs for the share widgets at the end); this test skips most of
    /// them. `None`: try the pattern on every line.
    first: Option<fn(char) -> bool>,
}

// Pieces of the export's byline and share widgets, each written once and used both alone and
// in the rules for lines where the export ran several of them together.
const AVATAR: &str = r"\[!\[[^\]]*\]\([^)\s]*\s*\)\]\(https?://(?:www\.)?woshipm\.com/u/\d+/?\)";
const AUTHOR_LINK: &str = r"\[[^\]]+\]\(https?://(?:www\.)?woshipm\.com/u/\d+/?\)";
const BADGE: &str = r"!\[[^\]]*\]\(https?://static\.woshipm\.com/tag/[^)\s]*\s*\)";
const FOLLOW: &str = "关注";
const DATE: &str = r"\d{4}-\d{2}-\d{2}";
const STATS: &str = r"\d+\s*评论\s*\d+\s*浏览\s*\d+\s*收藏\s*\d+\s*分钟";
/// A link to the course site whose label is text and images, not other links.
const COURSE_LINK: &str = r"\[(?:!\[[^\]]*\]\([^)\s]*\)|[^\[\]])*\]\(https?://ke\.qidianla\.com/[^)\s]*\)";
const APPRECIATE: &str = r"赞赏\s*收藏(?:已收藏)?\s*\d*\s*点赞(?:已赞)?\s*\d*";
const FOLLOW_PROMPT: &str = "更多精彩内容，请关注人人都是产品经理微信公众号或下载App";
const TAG_LINKS: &str = r"(?:\[[^\]]*\]\(https?://(?:www\.)?woshipm\.com/tag/[^)\s]*\)\s*)+";
const SHARE_WEIBO: &str = r"\[分享到微博\]\(https?://service\.weibo\.com/share/.*\)";
const WECHAT_SCAN: &str = "微信扫一扫";
const WECHAT_QR: &str = r"!\[微信二维码\]\([^)\s]*\)";
const SHARE_LABEL: &str = "分享";

/// `pieces` run together on one line, at least two of them.
fn run_together(pieces: &[&str]) -> String {
    format!(r"(?:(?:{})\s*){{2,}}", pieces.join("|"))
}

static DEFAULTS: LazyLock<Boilerplate> = LazyLock::new(|| {
    use Scope::{Anywhere, Head, Tail};
    let line = |name: &str, scope: Scope, pattern: &str, first: fn(char) -> bool| Rule {
        name: name.to_string(),
        scope,
        kind: Kind::Line(whole_line(pattern).expect("default rule compiles")),
        first: Some(first),
    };
    // The first characters each piece can start with; see `may_start_default`.
    let link = |c: char| c == '[';
    let author_name = format!(r"{AUTHOR_LINK}(?:\s*{BADGE})*(?:\s*{FOLLOW})?");
    let byline = run_together(&[AVATAR, AUTHOR_LINK, BADGE, FOLLOW, DATE, STATS, COURSE_LINK]);
    let share = run_together(&[APPRECIATE, FOLLOW_PROMPT, TAG_LINKS, SHARE_WEIBO, WECHAT_SCAN, WECHAT_QR, SHARE_LABEL]);
    let rules = vec![
        Rule { name: "title-heading".into(), scope: Head, kind: Kind::TitleHeading, first: None },
        line("author-avatar", Head, AVATAR, link),
        line("author-name", Head, &author_name, link),
        line("date-line", Head, DATE, is_digit),
        line("stats-line", Head, STATS, is_digit),
        line("byline-run-together", Head, &byline, |c| matches!(c, '[' | '!' | '关') || is_digit(c)),
        line("course-link", Anywhere, COURSE_LINK, link),
        Rule {
            name: "course-card".into(),
            scope: Anywhere,
            kind: Kind::Card {
                start: whole_line(r"\[!\[[^\]]*\]\([^)\s]*\)").expect("compiles"),
                until: whole_line(r"\]\(https?://ke\.qidianla\.com/[^)\s]*\)").expect("compiles"),
            },
            first: Some(link),
        },
        Rule { name: "summary-repeat".into(), scope: Head, kind: Kind::SummaryRepeat, first: None },
        line("appreciate-bar", Tail, APPRECIATE, |c| c == '赞'),
        line("follow-prompt", Tail, FOLLOW_PROMPT, |c| c == '更'),
        line("tag-links", Tail, TAG_LINKS, link),
        line("share-weibo", Tail, SHARE_WEIBO, link),
        line("wechat-scan", Tail, WECHAT_SCAN, |c| c == '微'),
        line("wechat-qr", Tail, WECHAT_QR, |c| c == '!'),
        line("share-label", Tail, SHARE_LABEL, |c| c == '分'),
        line("share-run-together", Tail, &share, |c| matches!(c, '赞' | '更' | '[' | '微' | '!' | '分')),
    ];
    let screens = vec![Screen::new(&rules, Some(may_start_default))];
    Boilerplate { rules, screens }
});

fn whole_line(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

impl Default for Boilerplate {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Boilerplate {
    /// The rules for the woshipm.com exports, in order:
    ///
    /// - head: `title-heading` (a heading repeating the title), `author-avatar`, `author-name`
    ///   (name, badge images, 关注), `date-line`, `stats-line` (`N 评论 N 浏览 N 收藏 N 分钟`),
    ///   `byline-run-together` (the old exports' single line holding several of these), and
    ///   `summary-repeat` (the blockquote repeating the summary);
    /// - anywhere: `course-link` (a line that is one link to ke.qidianla.com, such as the
    ///   `[🔗 ...]` advert or a course card written on one line) and `course-card` (a card from
    ///   `[![](image)` to `](https://ke.qidianla.com/...)`);
    /// - tail: `appreciate-bar` (赞赏 收藏 点赞), `follow-prompt` (更多精彩内容...下载App),
    ///   `tag-links`, `share-weibo`, `wechat-scan`, `wechat-qr`, `share-label` (分享), and
    ///   `share-run-together` (several of these on one line).
    ///
    /// The article's own credits (作者, 本文由...发布, 题图来自..., the platform's disclaimer)
    /// are kept.
    pub fn defaults() -> Self {
        DEFAULTS.clone()
    }

    /// These rules followed by `extra`, in order. An error names the rule and what is wrong with
    /// it: an empty name or pattern, a name already used, a pattern or `until` that is not a
    /// valid regular expression, an unknown scope.
    pub fn with_extra(mut self, extra: &[RuleSpec]) -> Result<Self, String> {
        if extra.is_empty() {
            return Ok(self);
        }
        let first_extra = self.rules.len();
        for spec in extra {
            let rule = Rule::from_spec(spec)?;
            if self.rules.iter().any(|r| r.name == rule.name) {
                return Err(format!(
                    "boilerplate rule `{}`: another rule already has this name; give it its own",
                    rule.name
                ));
            }
            self.rules.push(rule);
        }
        self.screens.push(Screen::new(&self.rules[first_extra..], None));
        Ok(self)
    }

    /// The rules' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.name.as_str()).collect()
    }

    /// Finds the boilerplate in `lines[body_start..]` and returns which lines to blank.
    pub(super) fn strip(
        &self,
        lines: &[&str],
        body_start: usize,
        meta: &GitbookMeta,
        warnings: &mut Vec<Issue>,
    ) -> Stripped {
        let count = lines.len();
        let in_code = code_lines(lines, body_start);
        let title = text::normalize(&meta.title);
        let summary = meta.summary.as_deref().map(text::normalize);

        // Which rule claims which lines, ignoring scopes.
        let mut claims: Vec<Claim> = Vec::new();
        let mut claimed_by: Vec<Option<usize>> = vec![None; count];
        let mut index = body_start;
        while index < count {
            let line = text::trim(lines[index]);
            if in_code[index] || line.is_empty() {
                index += 1;
                continue;
            }
            let screened = self.screens.iter().any(|screen| screen.passes(line));
            let found = self.rules.iter().enumerate().find_map(|(number, rule)| {
                let length = match &rule.kind {
                    Kind::Line(pattern) => (screened && rule.may_start(line) && pattern.is_match(line)).then_some(1),
                    Kind::Card { start, until } => {
                        if !(screened && rule.may_start(line) && start.is_match(line)) {
                            None
                        } else {
                            let end = (index + 1..count).find(|&j| !in_code[j] && until.is_match(text::trim(lines[j])));
                            if end.is_none() {
                                warnings.push(Issue::new(
                                    index + 1,
                                    1,
                                    format!(
                                        "this line starts a `{}` card but no later line ends it; \
                                         it was kept",
                                        rule.name
                                    ),
                                ));
                            }
                            end.map(|end| end - index + 1)
                        }
                    }
                    Kind::TitleHeading => text::heading_text(line)
                        .is_some_and(|heading| text::unescapes_to_normalized(heading, &title))
                        .then_some(1),
                    Kind::SummaryRepeat => summary.as_deref().and_then(|summary| summary_repeat(lines, index, summary)),
                };
                length.map(|length| (number, length))
            });
            match found {
                Some((rule, length)) => {
                    for slot in &mut claimed_by[index..index + length] {
                        *slot = Some(claims.len());
                    }
                    claims.push(Claim { rule, start: index, length });
                    index += length;
                }
                None => index += 1,
            }
        }

        // Where the article's real text begins and ends.
        let scope_of = |claim: usize| self.rules[claims[claim].rule].scope;
        let mut first_real = count;
        let mut index = body_start;
        while index < count {
            match claimed_by[index] {
                Some(claim) if scope_of(claim) != Scope::Tail => {
                    index = claims[claim].start + claims[claim].length;
                }
                None if text::is_blank(lines[index]) => index += 1,
                _ => {
                    first_real = index;
                    break;
                }
            }
        }
        let mut last_real = None;
        let mut index = count;
        while index > body_start {
            index -= 1;
            match claimed_by[index] {
                Some(claim) if scope_of(claim) != Scope::Head => index = claims[claim].start,
                None if text::is_blank(lines[index]) => {}
                _ => {
                    last_real = Some(index);
                    break;
                }
            }
        }
        if first_real == count && body_start < count {
            warnings.push(Issue::new(
                body_start + 1,
                1,
                "no article text is left once the header and the export's boilerplate are removed",
            ));
        }

        let mut stripped = Stripped { blank: vec![false; count], removed: Vec::new() };
        for claim in &claims {
            let rule = &self.rules[claim.rule];
            let applies = match rule.scope {
                Scope::Anywhere => true,
                Scope::Head => claim.start < first_real,
                Scope::Tail => last_real.is_none_or(|last| claim.start > last),
            };
            if applies {
                stripped.blank[claim.start..claim.start + claim.length].fill(true);
                stripped.removed.push(Removed { rule: rule.name.clone(), line: claim.start + 1, lines: claim.length });
            }
        }
        stripped
    }
}

impl Rule {
    /// Whether the rule's pattern may match `line`, by its first character.
    fn may_start(&self, line: &str) -> bool {
        self.first.is_none_or(|first| line.chars().next().is_some_and(first))
    }

    fn from_spec(spec: &RuleSpec) -> Result<Rule, String> {
        let name = spec.name.trim();
        if name.is_empty() {
            return Err(format!("a boilerplate rule has an empty name (its pattern is `{}`)", spec.pattern));
        }
        let compile = |field: &str, pattern: &str| {
            if pattern.is_empty() {
                return Err(format!("boilerplate rule `{name}`: `{field}` is empty"));
            }
            whole_line(pattern)
                .map_err(|err| format!("boilerplate rule `{name}`: `{field}` is not a valid regular expression: {err}"))
        };
        let start = compile("pattern", &spec.pattern)?;
        let kind = match &spec.until {
            Some(until) => Kind::Card { start, until: compile("until", until)? },
            None => Kind::Line(start),
        };
        let scope = match spec.scope.as_deref() {
            None | Some("anywhere") => Scope::Anywhere,
            Some("head") => Scope::Head,
            Some("tail") => Scope::Tail,
            Some(other) => {
                return Err(format!(
                    "boilerplate rule `{name}`: unknown scope `{other}` (expected `anywhere`, \
                     `head` or `tail`)"
                ));
            }
        };
        Ok(Rule { name: name.to_string(), scope, kind, first: None })
    }
}

/// Lines claimed by one rule.
struct Claim {
    rule: usize,
    start: usize,
    length: usize,
}

/// The result of [`Boilerplate::strip`].
pub(super) struct Stripped {
    /// One flag per line: blank it in the body.
    pub blank: Vec<bool>,
    pub removed: Vec<Removed>,
}

/// How many lines from `index` repeat the summary: a blockquote whose first paragraph is
/// `summary` (normalized), plus the empty `>` lines after that paragraph.
fn summary_repeat(lines: &[&str], index: usize, summary: &str) -> Option<usize> {
    let mut end = index;
    while end < lines.len() && text::is_quote(lines[end]) && !is_empty_quote(lines[end]) {
        end += 1;
    }
    if end == index || text::normalize(&text::join_quote(lines[index..end].iter().copied())) != summary {
        return None;
    }
    while end < lines.len() && is_empty_quote(lines[end]) {
        end += 1;
    }
    Some(end - index)
}

fn is_empty_quote(line: &str) -> bool {
    text::is_quote(line) && text::is_blank(text::quote_text(line))
}

/// One flag per line: is it part of a fenced code block (fences included)? Only lines from
/// `start` on are looked at.
fn code_lines(lines: &[&str], start: usize) -> Vec<bool> {
    let mut in_code = vec![false; lines.len()];
    let mut open: Option<(char, usize)> = None;
    for (index, line) in lines.iter().enumerate().skip(start) {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        let fence_char = rest.chars().next().filter(|c| matches!(c, '`' | '~'));
        let fence_length = fence_char.map_or(0, |c| rest.chars().take_while(|&r| r == c).count());
        match open {
            Some((c, length)) => {
                in_code[index] = true;
                if indent <= 3
                    && fence_char == Some(c)
                    && fence_length >= length
                    && rest[fence_length..].trim().is_empty()
                {
                    open = None;
                }
            }
            None => {
                if let Some(c) = fence_char {
                    let info = &rest[fence_length..];
                    if indent <= 3 && fence_length >= 3 && (c == '~' || !info.contains('`')) {
                        open = Some((c, fence_length));
                        in_code[index] = true;
                    }
                }
            }
        }
    }
    in_code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, pattern: &str, until: Option<&str>, scope: Option<&str>) -> RuleSpec {
        RuleSpec {
            name: name.into(),
            pattern: pattern.into(),
            until: until.map(Into::into),
            scope: scope.map(Into::into),
        }
    }

    /// The rule that claims `line` alone in a one-line body, if any.
    fn claimed_by(rules: &Boilerplate, line: &str) -> Option<String> {
        let lines = ["正文。", line, "正文。"];
        let meta = GitbookMeta::default();
        let stripped = rules.strip(&lines, 0, &meta, &mut Vec::new());
        let mut rules_used = stripped.removed.iter().map(|r| r.rule.clone());
        let first = rules_used.next();
        assert!(rules_used.next().is_none());
        first
    }

    /// Every line of the real exports that a default pattern matches starts with a character
    /// its first-character test (and the screen's) lets through: those tests are written by
    /// hand beside the patterns, and a miss would keep boilerplate in the articles.
    #[test]
    fn first_character_tests_let_through_every_line_the_defaults_match() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
        let files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .map(|entry| entry.into_path())
            .filter(|path| path.extension().is_some_and(|e| e == "md") && !path.ends_with("README.md"))
            .collect();
        assert!(files.len() >= 40, "the corpus sample and the seed are in ../shared");
        let defaults = Boilerplate::defaults();
        let mut matched = std::collections::BTreeSet::new();
        for path in &files {
            let source = std::fs::read_to_string(path).unwrap();
            for line in source.lines().map(text::trim).filter(|l| !l.is_empty()) {
                for rule in &defaults.rules {
                    let pattern = match &rule.kind {
                        Kind::Line(pattern) | Kind::Card { start: pattern, .. } => pattern,
                        Kind::TitleHeading | Kind::SummaryRepeat => continue,
                    };
                    if pattern.is_match(line) {
                        let first = line.chars().next().unwrap();
                        assert!(rule.may_start(line), "{}: {first:?} in {line:?} ({})", rule.name, path.display());
                        assert!(may_start_default(first), "screen: {first:?} in {line:?} ({})", path.display());
                        matched.insert(rule.name.clone());
                    }
                }
            }
        }
        assert!(matched.len() >= 8, "only {matched:?} matched anything");
    }

    #[test]
    fn default_names_are_in_order_and_unique() {
        let defaults = Boilerplate::defaults();
        let names = defaults.names();
        assert_eq!(names.first(), Some(&"title-heading"));
        assert_eq!(names.last(), Some(&"share-run-together"));
        for (i, name) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(name), "{name} twice");
        }
    }

    #[test]
    fn anywhere_rules_match_whole_lines_only() {
        let rules = Boilerplate::defaults();
        assert_eq!(
            claimed_by(&rules, "  [🔗 课程](https://ke.qidianla.com/courses/x)\u{a0}").as_deref(),
            Some("course-link")
        );
        assert_eq!(claimed_by(&rules, "推荐 [课程](https://ke.qidianla.com/courses/x) 给大家"), None);
    }

    #[test]
    fn head_and_tail_rules_do_not_apply_between_real_lines() {
        let rules = Boilerplate::defaults();
        for line in [
            "2023-07-29",
            "3 评论 10 浏览 2 收藏 5 分钟",
            "[某人](https://www.woshipm.com/u/1) 关注",
            "分享",
            "微信扫一扫",
            "赞赏 收藏已收藏 点赞已赞",
            "[a](https://www.woshipm.com/tag/a)",
        ] {
            assert_eq!(claimed_by(&rules, line), None, "{line}");
        }
    }

    #[test]
    fn extra_rules_come_after_the_defaults() {
        let rules = Boilerplate::defaults().with_extra(&[spec("ad", "广告.*", None, Some("head"))]).unwrap();
        assert_eq!(rules.names().last(), Some(&"ad"));
        assert_eq!(rules.names().len(), Boilerplate::defaults().names().len() + 1);
    }

    #[test]
    fn extra_anywhere_rule_removes_in_the_middle() {
        let rules = Boilerplate::defaults().with_extra(&[spec("ad", "广告：.*", None, None)]).unwrap();
        assert_eq!(claimed_by(&rules, "广告：买它").as_deref(), Some("ad"));
        assert_eq!(claimed_by(&rules, "这不是广告：买它"), None);
    }

    #[test]
    fn a_bad_regex_names_the_rule_and_the_error() {
        let err = Boilerplate::defaults().with_extra(&[spec("broken", "(unclosed", None, None)]).unwrap_err();
        assert!(err.contains("`broken`"), "{err}");
        assert!(err.contains("`pattern` is not a valid regular expression"), "{err}");
        assert!(err.contains("unclosed group"), "{err}");

        let err = Boilerplate::defaults().with_extra(&[spec("card", "a", Some("[b"), None)]).unwrap_err();
        assert!(err.contains("`card`: `until`"), "{err}");
    }

    #[test]
    fn bad_names_and_scopes_are_errors() {
        let err = Boilerplate::defaults().with_extra(&[spec("share-label", "x", None, None)]).unwrap_err();
        assert!(err.contains("`share-label`") && err.contains("already"), "{err}");

        let err = Boilerplate::defaults().with_extra(&[spec(" ", "x", None, None)]).unwrap_err();
        assert!(err.contains("empty name"), "{err}");

        let err = Boilerplate::defaults().with_extra(&[spec("x", "", None, None)]).unwrap_err();
        assert!(err.contains("`x`: `pattern` is empty"), "{err}");

        let err = Boilerplate::defaults().with_extra(&[spec("x", "y", None, Some("middle"))]).unwrap_err();
        assert!(err.contains("unknown scope `middle`"), "{err}");
    }

    #[test]
    fn rule_specs_come_from_site_toml_tables() {
        #[derive(Deserialize)]
        struct Site {
            boilerplate: Vec<RuleSpec>,
        }
        let site: Site = toml::from_str(
            "[[boilerplate]]\nname = \"vote\"\npattern = \"为我投票\"\nuntil = \"投票传送门.*\"\nscope = \"tail\"\n",
        )
        .unwrap();
        assert_eq!(site.boilerplate, [spec("vote", "为我投票", Some("投票传送门.*"), Some("tail"))]);
        let err =
            toml::from_str::<Site>("[[boilerplate]]\nname = \"x\"\npattern = \"y\"\nscop = \"tail\"\n").err().unwrap();
        assert!(err.to_string().contains("unknown field `scop`"), "{err}");
    }

    #[test]
    fn code_lines_follow_fences() {
        let lines = ["a", "```rust", "code", "~~~", "```", "b", "~~~~", "x", "~~~~~", "c"];
        let flags = code_lines(&lines, 0);
        assert_eq!(flags, [false, true, true, true, true, false, true, true, true, false]);
    }
}
