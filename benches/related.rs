//! How long related-article scoring takes on a generated collection: 6,000 pseudo-Chinese
//! articles of about 3,000 characters (plus smaller and longer runs to show how the time grows).
//! Run with `cargo bench --bench related`; it prints the times and checks nothing.
//!
//! The articles are deterministic: a small LCG draws words from a vocabulary of a few hundred
//! 2–4-character words made of a fixed list of common Chinese characters, with Zipf-like
//! frequencies (word of rank r drawn with weight 1/(r+1)). Each article has one of 40 topics
//! that shifts which words are frequent, so articles of one topic resemble each other the way
//! real ones do; punctuation breaks the text into clauses, and articles carry a few tags and
//! sometimes a topic theme.

use std::time::Instant;

use themata::related::{Doc, related};

/// Common characters of the knowledge base's subject, the material words are made of.
const CHARACTERS: &str = "产品经理人工智能模型数据用户需求设计技能招聘团队定价销售增长飞轮提示工程训练推理评估市场\
竞争战略客户体验平台企业服务能力价值场景方案商业流程效率成本质量管理组织岗位职业未来变化趋势时代\
技术应用开发算法语言生成内容创作工具助手搜索推荐广告运营渠道品牌策略目标指标分析实验迭代反馈问题\
解决思维方法框架原则经验案例行业医疗教育金融制造零售政府安全隐私合规伦理风险信任透明标准协作沟通";

const TOPICS: usize = 40;
const VOCABULARY: usize = 400;
const TAGS: usize = 300;
const THEMES: usize = 12;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A uniform number in [0, 1).
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

struct Corpus {
    texts: Vec<String>,
    titles: Vec<String>,
    tags: Vec<Vec<usize>>,
    themes: Vec<Vec<usize>>,
}

impl Corpus {
    fn generate(n: usize, chars_per_doc: usize, seed: u64) -> Corpus {
        let characters: Vec<char> = CHARACTERS.chars().collect();
        let mut rng = Lcg(seed);
        let words: Vec<String> = (0..VOCABULARY)
            .map(|_| (0..2 + rng.below(3)).map(|_| characters[rng.below(characters.len())]).collect())
            .collect();
        // Cumulative Zipf weights over ranks.
        let mut cumulative = Vec::with_capacity(VOCABULARY);
        let mut total = 0.0;
        for rank in 0..VOCABULARY {
            total += 1.0 / (rank + 1) as f64;
            cumulative.push(total);
        }
        let word = |rng: &mut Lcg, topic: usize| -> &str {
            let target = rng.unit() * total;
            let rank = cumulative.partition_point(|&c| c < target).min(VOCABULARY - 1);
            // Half the draws use the topic's own order of frequency, half the shared one.
            let shift = if rng.below(2) == 0 { topic * (VOCABULARY / TOPICS) } else { 0 };
            &words[(rank + shift) % VOCABULARY]
        };
        let mut corpus = Corpus { texts: vec![], titles: vec![], tags: vec![], themes: vec![] };
        for _ in 0..n {
            let topic = rng.below(TOPICS);
            let mut text = String::with_capacity(chars_per_doc * 3 + 64);
            let mut chars = 0;
            let mut clause = 0;
            while chars < chars_per_doc {
                let w = word(&mut rng, topic);
                text.push_str(w);
                chars += w.chars().count();
                clause += 1;
                if clause >= 4 + rng.below(8) {
                    text.push(if rng.below(4) == 0 { '。' } else { '，' });
                    clause = 0;
                }
            }
            corpus.titles.push((0..2 + rng.below(3)).map(|_| word(&mut rng, topic)).collect());
            corpus.texts.push(text);
            corpus.tags.push((0..1 + rng.below(4)).map(|_| (topic * 7 + rng.below(20)) % TAGS).collect());
            corpus.themes.push(if rng.below(3) == 0 { vec![topic % THEMES] } else { vec![] });
        }
        corpus
    }

    fn docs(&self) -> Vec<Doc<'_>> {
        (0..self.texts.len())
            .map(|i| Doc { text: &self.texts[i], title: &self.titles[i], tags: &self.tags[i], themes: &self.themes[i] })
            .collect()
    }
}

/// CPU time used by this process so far (all threads), in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Times `related` on a generated collection, best of three runs: the machine is shared, and
/// the fastest run is the one least disturbed by other work.
fn run(n: usize, chars_per_doc: usize) {
    let corpus = Corpus::generate(n, chars_per_doc, 42);
    let docs = corpus.docs();
    let total_chars: usize = corpus.texts.iter().map(|t| t.chars().count()).sum();
    let mut best = (f64::INFINITY, 0.0);
    let mut listed = 0;
    for _ in 0..3 {
        let (start, cpu) = (Instant::now(), cpu_seconds());
        let result = related(&docs, 10);
        let wall = start.elapsed().as_secs_f64();
        if wall < best.0 {
            best = (wall, cpu_seconds() - cpu);
        }
        listed = result.iter().map(Vec::len).sum();
    }
    println!(
        "related: {n:>5} docs × ~{chars_per_doc} chars ({:>4.1} M chars): {:>6.3} s wall, {:>6.3} s CPU, {:.1} related per doc",
        total_chars as f64 / 1e6,
        best.0,
        best.1,
        listed as f64 / n as f64
    );
}

fn main() {
    println!("rayon threads: {}; best of 3 runs each", rayon::current_num_threads());
    for n in [1_500, 3_000, 6_000, 12_000] {
        run(n, 3_000);
    }
    run(6_000, 5_000);
}
