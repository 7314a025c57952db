use super::*;
use std::cmp::Ordering;

/// Docs with the given texts and nothing else.
fn plain<'a>(texts: &[&'a str]) -> Vec<Doc<'a>> {
    texts.iter().map(|&text| Doc { text, ..Doc::default() }).collect()
}

/// The related doc numbers of each doc.
fn numbers(result: &[Vec<Related>]) -> Vec<Vec<usize>> {
    result.iter().map(|list| list.iter().map(|r| r.doc).collect()).collect()
}

fn score(result: &[Vec<Related>], from: usize, to: usize) -> f32 {
    result[from].iter().find(|r| r.doc == to).map_or(0.0, |r| r.score)
}

fn assert_close(actual: f32, expected: f32) {
    assert!((actual - expected).abs() < 1e-5, "{actual} != {expected}");
}

const COOKING: &str = "红烧肉的做法：五花肉切块，冰糖炒出糖色，加酱油和料酒小火慢炖。";

#[test]
fn the_article_on_the_same_subject_wins() {
    let docs = plain(&[
        "大模型时代，产品经理要学会用提示词设计产品，评估模型输出的质量。",
        "产品经理如何评估大模型的输出质量？提示词设计是产品经理的新技能。",
        "B端产品的定价策略：按席位收费还是按用量收费，销售周期很长。",
        COOKING,
    ]);
    let result = related(&docs, 3);
    assert_eq!(result[0][0].doc, 1);
    assert_eq!(result[1][0].doc, 0);
    // The cooking article shares nothing with the others.
    assert!(result[3].is_empty(), "{:?}", result[3]);
    assert!(result.iter().all(|list| list.iter().all(|r| r.doc != 3)));
}

#[test]
fn english_articles_match_by_lowercased_words() {
    let docs = plain(&[
        "Hiring product managers: interview loops, take-home exercises and offers.",
        "How we run INTERVIEW loops when HIRING Product Managers.",
        "Fine-tuning language models on support tickets with LoRA adapters.",
        "Evaluating language models: benchmarks, evals and human review.",
    ]);
    assert_eq!(numbers(&related(&docs, 1)), [vec![1], vec![0], vec![3], vec![2]]);
}

#[test]
fn mixed_chinese_and_english_match_across_width() {
    let docs =
        plain(&["用ChatGPT写PRD，再让团队评审。", "ＣｈａｔＧＰＴ生成的ＰＲＤ需要评审", "销售团队的季度目标", COOKING]);
    assert_eq!(related(&docs, 1)[0][0].doc, 1);
}

#[test]
fn identical_texts_score_one() {
    let docs = plain(&["产品经理的核心能力", "产品经理的核心能力", COOKING]);
    let result = related(&docs, 5);
    assert_close(score(&result, 0, 1), 1.0);
    assert_eq!(result[0].len(), 1, "the cooking article is not related: {:?}", result[0]);
}

#[test]
fn tokens_found_in_every_article_count_for_nothing() {
    // "产品" is in all three: it says nothing about which two belong together.
    let docs = plain(&["产品 招聘", "产品 定价", "产品 增长"]);
    assert_eq!(related(&docs, 5), vec![Vec::new(), Vec::new(), Vec::new()]);
}

#[test]
fn title_tokens_count_more_than_body_tokens() {
    // Doc 0 speaks equally of hiring and pricing; doc 1 has hiring in its title, doc 2 pricing
    // in its body, otherwise they mirror each other.
    let docs = vec![
        Doc { text: "招聘流程，定价策略", ..Doc::default() },
        Doc { title: "招聘流程", text: "团队建设", ..Doc::default() },
        Doc { title: "团队建设", text: "定价策略", ..Doc::default() },
        Doc { text: COOKING, ..Doc::default() },
    ];
    let result = related(&docs, 2);
    assert_eq!(numbers(&result)[0], [1, 2]);
    assert!(result[0][0].score > result[0][1].score, "{:?}", result[0]);
}

#[test]
fn a_shared_tag_breaks_a_tie_and_rarer_tags_count_more() {
    const RARE: usize = 1;
    const COMMON: usize = 2;
    let common_only = [COMMON];
    let rare_only = [RARE];
    let both = [RARE, COMMON];
    let mut docs = vec![
        Doc { text: "大模型应用落地", tags: &both, ..Doc::default() },
        Doc { text: "大模型训练成本", tags: &common_only, ..Doc::default() },
        Doc { text: "大模型训练成本", tags: &rare_only, ..Doc::default() },
        Doc { text: "大模型训练成本", ..Doc::default() },
    ];
    // The common tag is on four more, unrelated, articles.
    for text in ["烹饪", "旅行", "摄影", "园艺"] {
        docs.push(Doc { text, tags: &common_only, ..Doc::default() });
    }
    let result = related(&docs, 3);
    assert_eq!(numbers(&result)[0], [2, 1, 3]);
    let text_only = score(&result, 0, 3);
    let n = docs.len() as f32;
    let rarity = |carriers: f32| (1.0 + n / carriers).ln() / (1.0 + n).ln();
    assert_close(score(&result, 0, 2) - text_only, TAG_WEIGHT * rarity(2.0));
    assert_close(score(&result, 0, 1) - text_only, TAG_WEIGHT * rarity(6.0));
    // The unrelated articles are related to each other through the tag alone.
    assert_close(score(&result, 4, 5), TAG_WEIGHT * rarity(6.0));
}

#[test]
fn shared_themes_add_their_weight() {
    let theme = [7];
    let two_themes = [7, 9];
    let docs = vec![
        Doc { text: "技能过时与再学习", themes: &two_themes, ..Doc::default() },
        Doc { text: "技能过时的焦虑", ..Doc::default() },
        Doc { text: "技能过时的焦虑", themes: &theme, ..Doc::default() },
        Doc { text: "", themes: &two_themes, ..Doc::default() },
        Doc { text: COOKING, ..Doc::default() },
    ];
    let result = related(&docs, 4);
    assert_eq!(numbers(&result)[0], [3, 2, 1]);
    assert_close(score(&result, 0, 2) - score(&result, 0, 1), THEME_WEIGHT);
    assert_close(score(&result, 0, 3), 2.0 * THEME_WEIGHT);
}

#[test]
fn duplicate_tags_and_themes_count_once() {
    let twice = [3, 3];
    let once = [3];
    let docs = vec![
        Doc { text: "甲", themes: &twice, tags: &twice, ..Doc::default() },
        Doc { text: "乙", themes: &once, tags: &once, ..Doc::default() },
    ];
    let result = related(&docs, 1);
    let rarity = (1.0f32 + 2.0 / 2.0).ln() / 3.0f32.ln();
    assert_close(result[0][0].score, THEME_WEIGHT + TAG_WEIGHT * rarity);
}

#[test]
fn a_doc_never_relates_to_itself() {
    let docs = plain(&["提示词工程", "提示词工程", "提示词工程", COOKING]);
    let result = related(&docs, 10);
    for (d, list) in result.iter().enumerate() {
        assert!(list.iter().all(|r| r.doc != d), "doc {d}: {list:?}");
    }
    assert_eq!(numbers(&result)[..3], [vec![1, 2], vec![0, 2], vec![0, 1]]);
}

#[test]
fn ties_go_to_the_lower_doc_number() {
    let docs = plain(&["产品经理", COOKING, "产品经理，招聘", "产品经理，招聘", "产品经理，招聘"]);
    let result = related(&docs, 3);
    assert_eq!(numbers(&result)[0], [2, 3, 4]);
    assert_eq!(result[0][0].score, result[0][2].score);
    // Scores are symmetric to the last bit, so ties are ties from both sides.
    assert_eq!(score(&result, 2, 0), score(&result, 0, 2));
    assert_eq!(related(&docs, 3), result, "the same on every run");
}

#[test]
fn empty_docs_relate_to_nothing() {
    let docs = plain(&["", "AI产品经理", "", "AI产品经理的一天", "，。！"]);
    let result = related(&docs, 5);
    for d in [0, 2, 4] {
        assert!(result[d].is_empty(), "doc {d}: {:?}", result[d]);
    }
    assert_eq!(numbers(&result)[1], [3]);
    assert_eq!(related(&plain(&["", ""]), 3), vec![Vec::new(), Vec::new()]);
    assert!(related(&[], 3).is_empty());
}

#[test]
fn k_larger_than_the_collection_lists_every_related_doc() {
    // "飞轮" is in all three and counts for nothing; docs 0 and 2 share nothing else.
    let docs = plain(&["数据飞轮", "数据飞轮效应", "飞轮效应"]);
    let result = related(&docs, 100);
    assert_eq!(numbers(&result), [vec![1], vec![0, 2], vec![1]]);
    assert_eq!(related(&plain(&["独自一篇"]), 100), vec![Vec::new()]);
}

#[test]
fn k_zero_lists_nothing() {
    assert_eq!(related(&plain(&["数据", "数据", "库"]), 0), vec![Vec::new(); 3]);
}

/// A deterministic generated collection: pseudo-Chinese words with Zipf-like frequencies, a
/// few topics that prefer their own words, tags and themes.
struct Corpus {
    texts: Vec<String>,
    titles: Vec<String>,
    tags: Vec<Vec<usize>>,
    themes: Vec<Vec<usize>>,
}

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

impl Corpus {
    fn generate(n: usize, words_per_doc: usize, seed: u64) -> Corpus {
        const CHARS: &str =
            "产品经理模型数据用户需求设计技能招聘团队定价销售增长飞轮提示工程训练推理评估市场竞争战略客户体验";
        let chars: Vec<char> = CHARS.chars().collect();
        let mut rng = Lcg(seed);
        let words: Vec<String> =
            (0..120).map(|_| (0..2 + rng.below(3)).map(|_| chars[rng.below(chars.len())]).collect()).collect();
        // Zipf-like: word i is drawn by taking the smallest of a few uniform picks.
        let word = |rng: &mut Lcg, topic: usize| {
            let rank = rng.below(words.len()).min(rng.below(words.len())).min(rng.below(words.len()));
            &words[(rank + topic * 7) % words.len()]
        };
        let mut corpus = Corpus { texts: vec![], titles: vec![], tags: vec![], themes: vec![] };
        for _ in 0..n {
            let topic = rng.below(12);
            let mut text = String::new();
            for i in 0..words_per_doc {
                text.push_str(word(&mut rng, topic));
                text.push_str(if i % 9 == 8 {
                    "。"
                } else if rng.below(3) == 0 {
                    "，"
                } else {
                    ""
                });
            }
            corpus.titles.push((0..3).map(|_| word(&mut rng, topic).as_str()).collect());
            corpus.texts.push(text);
            corpus.tags.push((0..rng.below(4)).map(|_| topic * 10 + rng.below(10)).collect());
            corpus.themes.push(if rng.below(2) == 0 { vec![topic % 5] } else { vec![] });
        }
        corpus
    }

    fn docs(&self) -> Vec<Doc<'_>> {
        (0..self.texts.len())
            .map(|i| Doc { text: &self.texts[i], title: &self.titles[i], tags: &self.tags[i], themes: &self.themes[i] })
            .collect()
    }
}

/// The score of docs `d` and `e`, the slow way: a merge of their vectors.
fn exact_score(model: &Model, d: usize, e: usize) -> f32 {
    let (a, b) = (&model.vectors[d], &model.vectors[e]);
    let mut sum = 0.0f32;
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum + model.tags.shared(d, e) + model.themes.shared(d, e)
}

/// Every pair scored exactly, the slow way.
fn brute_force(docs: &[Doc], k: usize) -> Vec<Vec<Related>> {
    let model = Model::build(docs);
    (0..docs.len())
        .map(|d| {
            let mut list: Vec<Related> = (0..docs.len())
                .filter(|&e| e != d)
                .map(|e| Related { doc: e, score: exact_score(&model, d, e) })
                .filter(|r| r.score > 0.0)
                .collect();
            list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
            list.truncate(k);
            list
        })
        .collect()
}

#[test]
fn small_collections_are_compared_pair_by_pair() {
    let corpus = Corpus::generate(MIN_EXACT_CANDIDATES + 1, 30, 7);
    let docs = corpus.docs();
    assert_eq!(related(&docs, 5), brute_force(&docs, 5));
}

#[test]
fn articles_of_very_different_lengths_score_as_comparing_every_pair_does() {
    // Scoring sums four candidates at once and starts the next one as soon as one ends: empty,
    // short and long articles mixed must still get exactly the scores of the slow way.
    let corpus = Corpus::generate(MIN_EXACT_CANDIDATES + 1, 200, 13);
    let mut docs = corpus.docs();
    for (i, doc) in docs.iter_mut().enumerate() {
        let chars = [0, 2, 30, 150, usize::MAX][i * 7 % 5];
        doc.text = &doc.text[..doc.text.char_indices().nth(chars).map_or(doc.text.len(), |(at, _)| at)];
        if chars == 0 {
            *doc = Doc::default();
        }
    }
    let fast = related(&docs, 6);
    assert_eq!(fast, brute_force(&docs, 6));
    assert!(fast.iter().step_by(5).all(Vec::is_empty), "an empty article relates to nothing");
}

#[test]
fn in_larger_collections_every_listed_score_is_exact() {
    // Candidates come from an index here, and each pair is scored once, by whichever of the
    // two has the longer vector, for both: short and long articles mixed, every listed score
    // must be the float the slow way gives.
    let corpus = Corpus::generate(400, 120, 5);
    let mut docs = corpus.docs();
    for (i, doc) in docs.iter_mut().enumerate() {
        let chars = [3, 20, 80, 200, usize::MAX][i * 3 % 5];
        doc.text = &doc.text[..doc.text.char_indices().nth(chars).map_or(doc.text.len(), |(at, _)| at)];
    }
    assert!(docs.len() - 1 > MIN_EXACT_CANDIDATES, "the candidate path, not every pair");
    let model = Model::build(&docs);
    let result = related(&docs, 8);
    for (d, list) in result.iter().enumerate() {
        for r in list {
            assert_eq!(r.score.to_bits(), exact_score(&model, d, r.doc).to_bits(), "doc {d} with {}", r.doc);
        }
    }
}

#[test]
fn larger_collections_find_nearly_what_comparing_every_pair_finds() {
    let corpus = Corpus::generate(400, 60, 11);
    let docs = corpus.docs();
    let k = 5;
    let (fast, slow) = (related(&docs, k), brute_force(&docs, k));
    let found: usize = fast.iter().zip(&slow).map(|(a, b)| a.iter().filter(|r| b.contains(r)).count()).sum();
    let wanted: usize = slow.iter().map(Vec::len).sum();
    assert!(found * 100 >= wanted * 95, "found {found} of the best {wanted}");
    let same_best = fast.iter().zip(&slow).filter(|(a, b)| a.first() == b.first()).count();
    assert!(same_best * 100 >= docs.len() * 97, "the same best for only {same_best} of {}", docs.len());
}

#[test]
fn a_generated_collection_of_3000_docs_has_well_formed_lists() {
    let corpus = Corpus::generate(3000, 40, 3);
    let docs = corpus.docs();
    let k = 8;
    let result = related(&docs, k);
    assert_eq!(result.len(), docs.len());
    for (d, list) in result.iter().enumerate() {
        assert!(!list.is_empty() && list.len() <= k, "doc {d}: {} related", list.len());
        // The lists live as long as the site model: no room kept for the candidates they were
        // chosen from.
        assert_eq!(list.capacity(), list.len(), "doc {d}: spare room in its list");
        assert!(list.iter().all(|r| r.doc < docs.len() && r.doc != d && r.score > 0.0), "doc {d}: {list:?}");
        assert!(
            list.windows(2).all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].doc < w[1].doc)),
            "doc {d} not best first: {list:?}"
        );
    }
}
