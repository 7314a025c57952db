//! A deterministic generator of articles that resemble the real ones, for benchmarks.
//!
//! Chinese prose with some English, a third of the files as GitBook-style exports (the `{% hint %}`
//! header and a little of their boilerplate) and the rest with YAML front matter; three to five
//! tags from a pool that includes the level and years-of-experience tags of the real exports;
//! `##` sections, lists, quotes, bold ending in Chinese punctuation, remote images, links to other
//! articles, and code fences in some. The same `(count, seed)` always gives the same files.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// A small linear congruential generator: deterministic on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Zipf-like: small indices much more often than large ones.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b).min(self.below(n))
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "产品经理",
    "用户",
    "需求",
    "场景",
    "大模型",
    "数据",
    "增长",
    "体验",
    "商业化",
    "团队",
    "技术",
    "能力",
    "策略",
    "平台",
    "客户",
    "价值",
    "效率",
    "流程",
    "市场",
    "竞品",
    "转型",
    "岗位",
    "招聘",
    "面试",
    "简历",
    "模型",
    "提示词",
    "智能体",
    "落地",
    "验证",
    "迭代",
    "指标",
    "留存",
    "转化",
    "渠道",
    "运营",
    "内容",
    "社区",
    "工具",
    "方法论",
    "行业",
    "企业",
    "成本",
    "收入",
    "风险",
    "合规",
    "架构",
    "接口",
    "文档",
    "原型",
    "调研",
    "分析",
    "复盘",
    "目标",
    "机会",
    "问题",
    "方案",
    "资源",
    "优先级",
    "路线图",
    "版本",
    "功能",
    "设计",
    "交互",
    "视觉",
    "研发",
    "测试",
];
const LATIN: &[&str] =
    &["AI", "PRD", "MVP", "PMF", "SaaS", "B2B", "ChatGPT", "GPT-4", "LLM", "RAG", "Agent", "OKR", "KPI", "To B", "API"];
const VERBS: &[&str] =
    &["影响", "决定", "改变", "推动", "重塑", "提升", "降低", "验证", "支撑", "衡量", "取代", "放大", "连接", "拆解"];
const JOINERS: &[&str] = &["，", "，", "，", "；", "、"];
const TAGS: &[&str] = &[
    "初级",
    "中级",
    "高级",
    "1年",
    "2年",
    "3年",
    "5年",
    "AI",
    "AI产品经理",
    "大模型",
    "用户增长",
    "数据分析",
    "B端",
    "C端",
    "SaaS",
    "职场",
    "面试",
    "产品设计",
    "行业观察",
    "案例分析",
    "商业模式",
    "用户体验",
    "项目管理",
    "运营",
    "内容社区",
    "电商",
    "金融科技",
    "教育",
    "医疗",
    "出海",
    "To B",
    "TO B",
    "A/B测试",
    "AI+时代",
    "职场&规划",
];
const CATEGORIES: &[&str] = &["pmd", "ai", "operate", "zhichang", "chuangye", "data-analysis", "pd"];
const AUTHORS: &[&str] = &["林一", "王二", "张三", "李四", "赵五", "钱六", "孙七", "周八", "吴九", "郑十"];

fn sentence(rng: &mut Rng, out: &mut String) {
    let clauses = 2 + rng.below(3);
    for c in 0..clauses {
        let n = 3 + rng.below(4);
        for i in 0..n {
            if rng.below(9) == 0 {
                out.push_str(rng.pick(LATIN));
            } else if i % 3 == 1 {
                out.push_str(rng.pick(VERBS));
            } else {
                out.push_str(WORDS[rng.skewed(WORDS.len())]);
            }
            if i + 1 < n && rng.below(3) == 0 {
                out.push('的');
            }
        }
        out.push_str(if c + 1 < clauses { rng.pick(JOINERS) } else { "。" });
    }
}

fn paragraph(rng: &mut Rng, out: &mut String, n: usize, count: usize) {
    let sentences = 2 + rng.below(4);
    for s in 0..sentences {
        match rng.below(14) {
            0 => {
                out.push_str("**");
                sentence(rng, out);
                out.push_str("**");
            }
            1 if count > 1 => {
                let target = (n + 1 + rng.below(count - 1)) % count;
                let _ = write!(out, "参见[相关文章](../{:03}/a{target}.md)。", target / 1000);
            }
            _ => sentence(rng, out),
        }
        if s == 0 && rng.below(6) == 0 {
            out.push('“');
            sentence(rng, out);
            out.push('”');
        }
    }
    out.push_str("\n\n");
}

/// The text of article `n` of `count`.
pub fn article(n: usize, count: usize, seed: u64) -> String {
    let mut rng = Rng(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    for _ in 0..3 {
        rng.next();
    }
    let mut title = String::new();
    for _ in 0..2 + rng.below(3) {
        title.push_str(WORDS[rng.skewed(WORDS.len())]);
    }
    let _ = write!(title, "：{}{}的第{n}个思考", rng.pick(LATIN), rng.pick(WORDS));
    let mut tags: Vec<&str> = vec![TAGS[rng.below(3)], TAGS[3 + rng.below(4)]];
    for _ in 0..1 + rng.below(3) {
        let tag = TAGS[7 + rng.skewed(TAGS.len() - 7)];
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let author = rng.pick(AUTHORS);
    let date = format!("20{:02}-{:02}-{:02}", 19 + rng.below(6), 1 + rng.below(12), 1 + rng.below(28));
    let category = rng.pick(CATEGORIES);
    let mut summary = String::new();
    sentence(&mut rng, &mut summary);

    let mut out = String::new();
    let export = n.is_multiple_of(3);
    if export {
        let _ = write!(
            out,
            "# {title}\n{{% hint style=\"info\" %}}\n**Category:** {category}\n**Author:** [{author}](https://example.com/u/{})\n\
             **Published:** {date}  \n**Stats:** 👁️ {} views | 💬 {} comments | ⭐ {} collects\n**Tags:** {}\n\
             **Original:** [View on example.com](https://example.com/{category}/{n}.html)\n{{% endhint %}}\n> {summary}\n\n---\n\n\
             ## {title}\n\n[{author}](https://example.com/u/{}) 关注\n\n{date}\n\n",
            n % 977,
            rng.below(50000),
            rng.below(100),
            rng.below(500),
            tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(" "),
            n % 977,
        );
    } else {
        let quoted: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
        let _ = write!(
            out,
            "---\ntitle: \"{title}\"\ndescription: \"{summary}\"\ndate: {date}\ntags: [{}]\nauthor: {author}\ncategory: {category}\n---\n\n",
            quoted.join(", ")
        );
    }
    let _ = writeln!(out, "![](https://image.example.com/{}/{n}.jpg)\n", date.replace('-', "/"));
    paragraph(&mut rng, &mut out, n, count);
    let sections = 2 + rng.below(4);
    const NUMERALS: &[&str] = &["一", "二", "三", "四", "五", "六"];
    for numeral in &NUMERALS[..sections] {
        let _ = writeln!(out, "## {numeral}、{}{}\n", WORDS[rng.skewed(WORDS.len())], rng.pick(WORDS));
        for _ in 0..2 + rng.below(3) {
            paragraph(&mut rng, &mut out, n, count);
        }
        match rng.below(5) {
            0 => {
                for i in 1..=3 {
                    let _ = write!(out, "{i}. ");
                    sentence(&mut rng, &mut out);
                    out.push('\n');
                }
                out.push('\n');
            }
            1 => {
                out.push_str("> ");
                sentence(&mut rng, &mut out);
                out.push_str("\n\n");
            }
            2 if n.is_multiple_of(7) => {
                out.push_str("```python\ndef score(user, item):\n    return user.weight * item.quality\n```\n\n");
            }
            _ => {}
        }
    }
    if export {
        out.push_str("赞赏 收藏已收藏12 点赞已赞3\n\n微信扫一扫\n\n分享\n");
    }
    out
}

/// Write `count` articles into `content_dir`, a thousand per folder (`000/a0.md`, ...), plus a
/// section page for the folder of articles.
pub fn write(content_dir: &Path, count: usize, seed: u64) -> io::Result<()> {
    std::fs::create_dir_all(content_dir)?;
    std::fs::write(content_dir.join("_index.md"), "---\ntitle: 基准站点\n---\n生成的文章。\n")?;
    for n in 0..count {
        let folder = content_dir.join(format!("{:03}", n / 1000));
        if n % 1000 == 0 {
            std::fs::create_dir_all(&folder)?;
        }
        std::fs::write(folder.join(format!("a{n}.md")), article(n, count, seed))?;
    }
    Ok(())
}

/// A whole site for benchmarks in `root`: the knowledge base's `site.toml`, visual themes, topic
/// themes and glossary from `repo`, and `count` generated articles under `content/articles`.
pub fn bench_site(repo: &Path, root: &Path, count: usize, seed: u64) -> io::Result<()> {
    std::fs::write(root.join("site.toml"), std::fs::read(repo.join("site.toml"))?)?;
    for folder in ["themes", "content/themes", "content/glossary"] {
        copy_dir(&repo.join(folder), &root.join(folder))?;
    }
    write(&root.join("content/articles"), count, seed)
}

/// Copy a folder tree (a benchmark site's theme and themes), creating folders as needed.
pub fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(io::Error::other)?;
        let target = to.join(entry.path().strip_prefix(from).map_err(io::Error::other)?);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_text() {
        assert_eq!(article(5, 100, 7), article(5, 100, 7));
        assert_ne!(article(5, 100, 7), article(6, 100, 7));
    }

    #[test]
    fn articles_look_like_the_real_ones() {
        let export = article(3, 100, 1);
        assert!(export.starts_with("# ") && export.contains("{% hint style=\"info\" %}"));
        let front = article(4, 100, 1);
        assert!(front.starts_with("---\ntitle: "));
        assert!(front.contains("\n## 一、"));
        let joined: String = (0..30).map(|n| article(n, 100, 1)).collect();
        for feature in ["**", "](../000/a", "![](https://", "```python", "> ", "1. "] {
            assert!(joined.contains(feature), "no {feature}");
        }
    }
}
