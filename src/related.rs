//! Related articles: for every article, the few others that say the most similar things, found
//! without comparing every pair. Pure computation over text, tags and topic themes; no I/O.
//!
//! # Score
//!
//! The score of article `b` for article `a` (the same both ways) is the sum of
//!
//! - **text**: the cosine of their TF-IDF vectors, between 0 and 1. Tokens are CJK character
//!   bigrams and lowercase ASCII words (see `tokens`). A token's count `tf` is its number of
//!   occurrences in the body plus [`TITLE_BOOST`] times its occurrences in the title; its weight
//!   is `(1 + ln tf) × ln(N / df)` for `N` articles of which `df` contain it, so a token found
//!   everywhere weighs nothing;
//! - **tags**: for each tag (or other taxonomy term) both carry, [`TAG_WEIGHT`] times the tag's
//!   rarity `ln(1 + N/df) / ln(1 + N)`, which is nearly 1 for a tag on two articles of many and
//!   small, never zero, for a tag on every article;
//! - **topic themes**: [`THEME_WEIGHT`] for each theme both belong to.
//!
//! An article's related list holds the articles with a positive score, at most `k` of them,
//! best first, ties broken by the lower article number; an article never relates to itself.
//!
//! # Scale
//!
//! Comparing all pairs is quadratic; instead, each article keeps a *signature*: its
//! [`SIGNATURE_SIZE`] heaviest tokens among those found in at least two articles and at most
//! [`posting_cap`] of them (10% of the articles, kept between [`MIN_POSTING_CAP`] and
//! [`MAX_POSTING_CAP`]); commoner tokens say little about which articles belong together.
//! The *candidates* of article `a` are the articles that contain a token of `a`'s signature,
//! or whose signature holds a token `a` contains (two inverted indexes, each list at most
//! the cap long), plus those sharing a tag or theme carried by at most the cap. They are ranked
//! by a partial score — the cosine over the union of both signatures, plus those tags and
//! themes — and the best [`MIN_EXACT_CANDIDATES`] (or [`EXACT_CANDIDATES_PER_RESULT`] × `k`,
//! if more) are scored exactly, over every token, tag and theme. A collection no larger than
//! that budget is simply compared pair by pair, so small sites get exact answers.
//!
//! The work per article is bounded by these constants and the article's length, so it grows
//! with the collection's total length, not with the number of pairs. Articles are processed in
//! parallel (rayon), each on its own, and term ids follow input order, so the result is the
//! same on every run.

#[cfg(test)]
mod tests;
mod tokens;

use rayon::prelude::*;

use crate::hash::FastMap;

/// One article as related-article scoring sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Doc<'a> {
    /// The article's plain text (Chinese with some English).
    pub text: &'a str,
    /// The title; its tokens count [`TITLE_BOOST`] times.
    pub title: &'a str,
    /// Term ids (tags and other taxonomy terms, already normalised); duplicates count once.
    pub tags: &'a [usize],
    /// Topic-theme ids; duplicates count once.
    pub themes: &'a [usize],
}

/// A related article: its number in the input and its score (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Related {
    pub doc: usize,
    pub score: f32,
}

/// How many times a title token counts compared with a body token.
pub const TITLE_BOOST: usize = 3;
/// What one shared tag adds to a score, at full rarity.
pub const TAG_WEIGHT: f32 = 0.15;
/// What one shared topic theme adds to a score.
pub const THEME_WEIGHT: f32 = 0.2;
/// Tokens in an article's signature.
pub const SIGNATURE_SIZE: usize = 40;
/// The share of articles (in percent) a token or tag may appear in and still find candidates.
pub const POSTING_CAP_PERCENT: usize = 10;
/// The smallest posting cap: in small collections every token finds candidates.
pub const MIN_POSTING_CAP: usize = 20;
/// The largest posting cap: it bounds the work per article in large collections.
pub const MAX_POSTING_CAP: usize = 200;
/// Candidates scored exactly per article, at least.
pub const MIN_EXACT_CANDIDATES: usize = 100;
/// Candidates scored exactly per wanted result, when `k` is large.
pub const EXACT_CANDIDATES_PER_RESULT: usize = 4;

/// How many articles a token or tag may appear in and still be used to find candidates, for a
/// collection of `n` articles.
pub fn posting_cap(n: usize) -> usize {
    (n * POSTING_CAP_PERCENT / 100).clamp(MIN_POSTING_CAP, MAX_POSTING_CAP)
}

/// For every doc, its top `k` related docs (never itself), best first; ties broken by lower doc
/// number so the output is deterministic. Only docs with a positive score are listed, so a list
/// may be shorter than `k`.
pub fn related(docs: &[Doc], k: usize) -> Vec<Vec<Related>> {
    let n = docs.len();
    if k == 0 || n < 2 {
        return vec![Vec::new(); n];
    }
    let model = Model::build(docs);
    let exact = k.saturating_mul(EXACT_CANDIDATES_PER_RESULT).max(MIN_EXACT_CANDIDATES);
    // Each article's candidates, ascending, and the order to score the articles in.
    let (candidates, order): (Vec<Vec<u32>>, Vec<u32>) = if n - 1 <= exact {
        // The whole collection fits in the budget: compare with every other article.
        ((0..n).map(|d| (0..n as u32).filter(|&e| e as usize != d).collect()).collect(), (0..n as u32).collect())
    } else {
        let mut candidates = in_chunks(&model, None, |scratch, d| scratch.candidates(&model, d, exact));
        let order = neighbour_order(&candidates);
        candidates.par_iter_mut().for_each(|list| list.sort_unstable());
        (candidates, order)
    };
    // Every pair where either article is a candidate of the other is scored once: the score is
    // the same float both ways (see `Scratch::score`). Scoring a pair reads the other article's
    // whole vector, so the article with the longer vector scores it, reading the shorter one
    // (the lower article if they are as long): at 10,000 articles that reads 11 % fewer
    // entries than each article scoring its own candidates (mutual candidates by the lower).
    //
    // `place`: each article's place in the order of longer vectors first, lower articles first
    // among vectors as long; a pair is scored by the article placed first.
    let mut by_length: Vec<u32> = (0..n as u32).collect();
    by_length.sort_unstable_by_key(|&d| (std::cmp::Reverse(model.vectors[d as usize].len()), d));
    let mut place = vec![0u32; n];
    for (at, &d) in by_length.iter().enumerate() {
        place[d as usize] = at as u32;
    }
    drop(by_length);
    let scores_pair = |a: usize, b: usize| place[a] < place[b];
    let listed_by = ListedBy::new(&candidates);
    // Per article, ascending: the articles that have it as a candidate, are not among its own
    // candidates, and whose pair with it it scores.
    let extra: Vec<Vec<u32>> = (0..n)
        .into_par_iter()
        .map(|d| {
            let mut own = candidates[d].iter().peekable();
            listed_by
                .of(d)
                .iter()
                .map(|&(e, _)| e)
                .filter(|&e| {
                    while own.next_if(|&&c| c < e).is_some() {}
                    own.peek() != Some(&&e) && scores_pair(d, e as usize)
                })
                .collect()
        })
        .collect();
    // Scores line up with the candidates, then the extra articles; those of pairs the other
    // article scores are NaN here.
    let scores: Vec<Vec<f32>> = in_chunks(&model, Some(&order), |scratch, d| {
        let own = candidates[d].len();
        let others: Vec<u32> = candidates[d].iter().chain(&extra[d]).copied().collect();
        scratch.score(&model, d, &others, |i| i >= own || scores_pair(d, others[i] as usize))
    });
    // Each thread ranks an article's hundred or so scored candidates in one reused buffer and
    // keeps only the best `k` in a list of their size: the lists live to the end of the build,
    // and a list truncated in place kept the room of all its candidates (about 20 MB at
    // 10,000 articles, at the build's peak).
    (0..n)
        .into_par_iter()
        .map_init(Vec::new, |scored: &mut Vec<Related>, d| {
            let mirrored = listed_by.mirrored(d, &candidates[d]);
            scored.clear();
            for ((&e, &score), mirrored) in candidates[d].iter().zip(&scores[d]).zip(mirrored) {
                let e = e as usize;
                let score = if scores_pair(d, e) {
                    score
                } else if let Some(at) = mirrored {
                    scores[e][at as usize]
                } else {
                    // `d` is one of `e`'s extra articles.
                    let at = extra[e].binary_search(&(d as u32)).expect("every candidate pair is scored");
                    scores[e][candidates[e].len() + at]
                };
                if score > 0.0 {
                    scored.push(Related { doc: e, score });
                }
            }
            // Best first; no two differ in nothing (the article numbers do), so selecting the
            // best `k` before sorting gives the list a full sort would.
            let order = |a: &Related, b: &Related| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
            if scored.len() > k {
                scored.select_nth_unstable_by(k - 1, order);
                scored.truncate(k);
            }
            scored.sort_unstable_by(order);
            scored.to_vec()
        })
        .collect()
}

/// For each article, the articles whose candidates include it, with its position there: the
/// candidate lists turned around.
struct ListedBy {
    /// Article `e`'s entries are `entries[starts[e]..starts[e + 1]]`, ascending.
    starts: Vec<usize>,
    entries: Vec<(u32, u32)>,
}

impl ListedBy {
    fn new(candidates: &[Vec<u32>]) -> ListedBy {
        let n = candidates.len();
        let mut starts = vec![0usize; n + 1];
        for &e in candidates.iter().flatten() {
            starts[e as usize + 1] += 1;
        }
        for e in 0..n {
            starts[e + 1] += starts[e];
        }
        let mut next = starts.clone();
        let mut entries = vec![(0u32, 0u32); starts[n]];
        for (d, list) in candidates.iter().enumerate() {
            for (at, &e) in list.iter().enumerate() {
                entries[next[e as usize]] = (d as u32, at as u32);
                next[e as usize] += 1;
            }
        }
        ListedBy { starts, entries }
    }

    /// The articles whose candidates include `e`, ascending, with the position of `e` there.
    fn of(&self, e: usize) -> &[(u32, u32)] {
        &self.entries[self.starts[e]..self.starts[e + 1]]
    }

    /// For each of `candidates` (article `d`'s, ascending): if its own candidates include `d`,
    /// the position of `d` among them.
    fn mirrored(&self, d: usize, candidates: &[u32]) -> Vec<Option<u32>> {
        let mut listing = self.of(d).iter().peekable();
        candidates
            .iter()
            .map(|&e| {
                while listing.next_if(|&&(other, _)| other < e).is_some() {}
                match listing.peek() {
                    Some(&&(other, at)) if other == e => Some(at),
                    _ => None,
                }
            })
            .collect()
    }
}

/// `work(scratch, d)` for every article `d`, in parallel: a few chunks per thread, each with
/// its own scratch space, collected in article order. The articles are taken in `order` if
/// given (a permutation of them), else in article order.
fn in_chunks<T: Send + Default>(
    model: &Model,
    order: Option<&[u32]>,
    work: impl Fn(&mut Scratch, usize) -> T + Sync,
) -> Vec<T> {
    let n = model.vectors.len();
    let chunk = n.div_ceil(rayon::current_num_threads() * 4).max(1);
    let article = |at: usize| order.map_or(at, |order| order[at] as usize);
    let done: Vec<T> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut scratch = Scratch::new(model);
            let work = &work;
            (c * chunk..((c + 1) * chunk).min(n)).map(move |at| work(&mut scratch, article(at)))
        })
        .collect();
    let Some(order) = order else { return done };
    let mut in_article_order: Vec<T> = std::iter::repeat_with(T::default).take(n).collect();
    for (&d, result) in order.iter().zip(done) {
        in_article_order[d as usize] = result;
    }
    in_article_order
}

/// An order of the articles in which each is followed, where possible, by the best of its
/// candidates (`ranked`, best first) not yet placed; when all of them are, by the lowest
/// article not yet placed.
///
/// Scoring reads the vectors of an article's hundred or so candidates, which together are
/// larger than a core's cache: in article order, the next article's candidates are others
/// again, read from memory. Neighbours share many candidates, so in this order much of what
/// the next article reads is still in cache. The order changes no score (each pair's sum is
/// added in term order whoever scores it) and so no list.
fn neighbour_order(ranked: &[Vec<u32>]) -> Vec<u32> {
    let n = ranked.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut lowest = 0;
    let mut next = None;
    while order.len() < n {
        let d = next.unwrap_or_else(|| {
            while placed[lowest] {
                lowest += 1;
            }
            lowest
        });
        placed[d] = true;
        order.push(d as u32);
        next = ranked[d].iter().map(|&e| e as usize).find(|&e| !placed[e]);
    }
    order
}

/// Everything scoring needs, shared read-only by the threads.
struct Model {
    /// Distinct tokens in the collection; term ids run below it.
    vocabulary: usize,
    /// Per article: unit-length TF-IDF vector as (term, weight), ascending term ids, without
    /// the terms no other article has (their weight counts in the length).
    vectors: Vec<Vec<(u32, f32)>>,
    /// Per article: its signature, (term, weight) taken from its vector, ascending term ids.
    signatures: Vec<Vec<(u32, f32)>>,
    /// Term → the articles whose signature holds it.
    by_signature: Postings,
    /// Term → the articles containing it, for terms in at least one signature.
    by_content: Postings,
    tags: Labels,
    themes: Labels,
    cap: usize,
}

impl Model {
    fn build(docs: &[Doc]) -> Model {
        let n = docs.len();
        let (terms, df) = count_and_intern(docs);
        let vocabulary = df.len();
        let idf: Vec<f64> = df.iter().map(|&df| (n as f64 / f64::from(df)).ln()).collect();
        // A term of one article only adds nothing to any dot product (no other article has
        // it), so once it has counted in its article's length it leaves the vector: in Chinese
        // prose many bigrams are found once, and each costs a read in every exact score.
        let vectors: Vec<Vec<(u32, f32)>> = terms
            .into_par_iter()
            .map(|terms| {
                let mut vector = weigh(terms, &idf);
                vector.retain(|&(term, _)| df[term as usize] > 1);
                vector
            })
            .collect();
        let cap = posting_cap(n);
        let signatures: Vec<Vec<(u32, f32)>> = vectors.par_iter().map(|vector| signature(vector, &df, cap)).collect();
        let by_signature = Postings::new(&signatures, vocabulary, |_| true);
        let by_content = Postings::new(&vectors, vocabulary, |term| !by_signature.get(term).is_empty());
        let tags = Labels::new(docs.iter().map(|doc| doc.tags), |carriers| {
            let (n, df) = (n as f64, carriers as f64);
            TAG_WEIGHT * ((1.0 + n / df).ln() / (1.0 + n).ln()) as f32
        });
        let themes = Labels::new(docs.iter().map(|doc| doc.themes), |_| THEME_WEIGHT);
        Model { vocabulary, vectors, signatures, by_signature, by_content, tags, themes, cap }
    }
}

/// Articles counted per batch while the batch before is interned.
const COUNT_BATCH: usize = 256;

/// Each article's terms as [`Interner::terms`] gives them, plus each term's document frequency.
///
/// Counting is parallel and interning sequential (term ids follow input order), so the two
/// overlap: a batch of articles is counted while the one before is interned. Only two batches
/// of counts are alive at a time; counting the whole collection first held them all (16 bytes
/// a distinct token per article, about 64 MB at 10,000 articles) at once.
fn count_and_intern(docs: &[Doc]) -> (Vec<Vec<u64>>, Vec<u32>) {
    // A few counters per thread, each counting a share of every batch: a counter's table
    // grows once, not again for every batch.
    let mut counters: Vec<tokens::Counter> =
        std::iter::repeat_with(tokens::Counter::default).take(rayon::current_num_threads() * 4).collect();
    let count = |batch: &[Doc], counters: &mut [tokens::Counter]| -> Vec<tokens::Counts> {
        let share = batch.len().div_ceil(counters.len()).max(1);
        let shares: Vec<Vec<tokens::Counts>> = batch
            .par_chunks(share)
            .zip(counters.par_iter_mut())
            .map(|(docs, counter)| docs.iter().map(|doc| counter.count(doc.title, doc.text, TITLE_BOOST)).collect())
            .collect();
        shares.into_iter().flatten().collect()
    };
    let mut interner = Interner::default();
    let mut terms: Vec<Vec<u64>> = Vec::with_capacity(docs.len());
    let mut batches = docs.chunks(COUNT_BATCH);
    let mut counted = batches.next().map(|batch| count(batch, &mut counters)).unwrap_or_default();
    loop {
        let next = batches.next();
        let ready = std::mem::take(&mut counted);
        let (following, ()) = rayon::join(
            || next.map(|batch| count(batch, &mut counters)),
            || terms.extend(ready.into_iter().map(|counts| interner.terms(counts))),
        );
        match following {
            Some(following) => counted = following,
            None => break,
        }
    }
    (terms, interner.df)
}

/// Gives every distinct token a term id, in order of first appearance, so the same on every
/// run: an article's new CJK tokens in ascending key order, then its new words in ascending
/// order.
#[derive(Default)]
struct Interner {
    cjk_ids: tokens::KeyCounts,
    word_ids: FastMap<Box<str>, u32>,
    /// Per term: the number of articles interned so far that contain it.
    df: Vec<u32>,
    /// The current article's CJK tokens without an id yet.
    fresh: Vec<(u64, u32)>,
}

impl Interner {
    /// The next article's terms as `term << 32 | tf`, in no particular order.
    fn terms(&mut self, counts: tokens::Counts) -> Vec<u64> {
        let pack = |term: u32, tf: u32| (u64::from(term) << 32) | u64::from(tf);
        let mut terms = Vec::with_capacity(counts.cjk.len() + counts.words.len());
        for (key, tf) in counts.cjk {
            match self.cjk_ids.get(key) {
                Some(term) => {
                    self.df[term as usize] += 1;
                    terms.push(pack(term, tf));
                }
                None => self.fresh.push((key, tf)),
            }
        }
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable_by_key(|&(key, _)| key);
        for (key, tf) in fresh.drain(..) {
            let term = self.new_id();
            self.cjk_ids.insert(key, term);
            terms.push(pack(term, tf));
        }
        self.fresh = fresh;
        for (word, tf) in counts.words {
            let term = match self.word_ids.get(&word) {
                Some(&term) => {
                    self.df[term as usize] += 1;
                    term
                }
                None => {
                    let term = self.new_id();
                    self.word_ids.insert(word, term);
                    term
                }
            };
            terms.push(pack(term, tf));
        }
        terms
    }

    /// A new term, found in one article so far.
    fn new_id(&mut self) -> u32 {
        self.df.push(1);
        u32::try_from(self.df.len() - 1).expect("fewer than 2^32 distinct tokens")
    }
}

/// An article's unit-length TF-IDF vector, ascending term ids, zero weights left out.
fn weigh(mut terms: Vec<u64>, idf: &[f64]) -> Vec<(u32, f32)> {
    // `1 + ln tf` for the small counts most tokens have.
    static ONE_PLUS_LN: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = ONE_PLUS_LN.get_or_init(|| (0..64u32).map(|tf| 1.0 + f64::from(tf).ln()).collect());
    terms.sort_unstable();
    let mut weights: Vec<(u32, f64)> = Vec::with_capacity(terms.len());
    for packed in terms {
        let (term, tf) = ((packed >> 32) as u32, packed as u32);
        let tf_weight = table.get(tf as usize).copied().unwrap_or_else(|| 1.0 + f64::from(tf).ln());
        // Checked: every term of a vector is below the vocabulary, which `Scratch::score`
        // relies on to read without checks.
        let weight = tf_weight * idf[term as usize];
        if weight > 0.0 {
            weights.push((term, weight));
        }
    }
    let norm = weights.iter().map(|&(_, w)| w * w).sum::<f64>().sqrt();
    weights.into_iter().map(|(term, w)| (term, (w / norm) as f32)).collect()
}

/// The [`SIGNATURE_SIZE`] heaviest terms of `vector` among those in 2..=`cap` articles, ties
/// to the lower term id; ascending term ids.
fn signature(vector: &[(u32, f32)], df: &[u32], cap: usize) -> Vec<(u32, f32)> {
    let mut eligible: Vec<(u32, f32)> =
        vector.iter().copied().filter(|&(term, _)| (2..=cap).contains(&(df[term as usize] as usize))).collect();
    if eligible.len() > SIGNATURE_SIZE {
        eligible.select_nth_unstable_by(SIGNATURE_SIZE - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        eligible.truncate(SIGNATURE_SIZE);
    }
    eligible.sort_unstable_by_key(|&(term, _)| term);
    eligible
}

/// An inverted index: for each term, the (article, the term's weight there) pairs of some
/// per-article term lists, in ascending article order.
struct Postings {
    /// Term `t`'s postings are `postings[starts[t]..starts[t + 1]]`.
    starts: Vec<usize>,
    postings: Vec<(u32, f32)>,
}

impl Postings {
    /// Indexes the terms of `lists` for which `keep` holds.
    fn new(lists: &[Vec<(u32, f32)>], vocabulary: usize, keep: impl Fn(u32) -> bool) -> Postings {
        let mut starts = vec![0usize; vocabulary + 1];
        for &(term, _) in lists.iter().flatten() {
            if keep(term) {
                starts[term as usize + 1] += 1;
            }
        }
        for t in 0..vocabulary {
            starts[t + 1] += starts[t];
        }
        let mut next = starts.clone();
        let mut postings = vec![(0u32, 0f32); starts[vocabulary]];
        for (doc, list) in lists.iter().enumerate() {
            for &(term, weight) in list {
                if keep(term) {
                    let slot = &mut next[term as usize];
                    postings[*slot] = (doc as u32, weight);
                    *slot += 1;
                }
            }
        }
        Postings { starts, postings }
    }

    fn get(&self, term: u32) -> &[(u32, f32)] {
        let term = term as usize;
        &self.postings[self.starts[term]..self.starts[term + 1]]
    }
}

/// Tags or topic themes: which articles carry which, and what sharing one is worth.
struct Labels {
    /// Article `d`'s labels as dense ids, ascending, each once, are
    /// `labels[starts[d]..starts[d + 1]]`: all articles' in one array, small enough to stay in
    /// cache while scoring reads them for candidates all over the collection (a `Vec` per
    /// article scattered them).
    starts: Vec<usize>,
    labels: Vec<u32>,
    /// Per label: the articles carrying it, ascending.
    carriers: Vec<Vec<u32>>,
    /// Per label: what sharing it adds to a score.
    weight: Vec<f32>,
}

impl Labels {
    /// `weight` gets the number of articles carrying a label.
    fn new<'a>(lists: impl Iterator<Item = &'a [usize]>, weight: impl Fn(usize) -> f32) -> Labels {
        let mut ids: FastMap<usize, u32> = FastMap::default();
        let mut carriers: Vec<Vec<u32>> = Vec::new();
        let (mut starts, mut labels) = (vec![0], Vec::new());
        let mut mine: Vec<u32> = Vec::new();
        for (doc, list) in lists.enumerate() {
            mine.clear();
            mine.extend(list.iter().map(|label| {
                *ids.entry(*label).or_insert_with(|| {
                    carriers.push(Vec::new());
                    (carriers.len() - 1) as u32
                })
            }));
            mine.sort_unstable();
            mine.dedup();
            for &label in &mine {
                carriers[label as usize].push(doc as u32);
            }
            labels.extend_from_slice(&mine);
            starts.push(labels.len());
        }
        let weight = carriers.iter().map(|docs| weight(docs.len())).collect();
        Labels { starts, labels, carriers, weight }
    }

    /// Article `d`'s labels, ascending.
    fn of_doc(&self, d: usize) -> &[u32] {
        &self.labels[self.starts[d]..self.starts[d + 1]]
    }

    /// Writes the weights of article `d`'s labels into `dense` (indexed by label), or zeros
    /// them again when `set` is false.
    fn spread(&self, d: usize, dense: &mut [f32], set: bool) {
        for &label in self.of_doc(d) {
            dense[label as usize] = if set { self.weight[label as usize] } else { 0.0 };
        }
    }

    /// What `Labels::shared` (the tests' reference) gives for article `e` and the article whose
    /// labels [`Labels::spread`] wrote into `dense`: the same sum in the same order.
    fn shared_with(&self, e: usize, dense: &[f32]) -> f32 {
        let mut sum = 0.0;
        for &label in self.of_doc(e) {
            let weight = dense[label as usize];
            if weight != 0.0 {
                sum += weight;
            }
        }
        sum
    }

    /// What the labels articles `a` and `b` share add to their score.
    #[cfg(test)]
    fn shared(&self, a: usize, b: usize) -> f32 {
        let (mut a, mut b) = (self.of_doc(a).iter().peekable(), self.of_doc(b).iter().peekable());
        let mut sum = 0.0;
        while let (Some(&&x), Some(&&y)) = (a.peek(), b.peek()) {
            match x.cmp(&y) {
                std::cmp::Ordering::Less => {
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    b.next();
                }
                std::cmp::Ordering::Equal => {
                    sum += self.weight[x as usize];
                    a.next();
                    b.next();
                }
            }
        }
        sum
    }
}

/// `dense[t] × w` for an entry (term `t`, weight `w`) of a vector.
///
/// # Safety
///
/// `t` is below `dense.len()`.
#[inline(always)]
unsafe fn product(dense: &[f32], (term, weight): (u32, f32)) -> f32 {
    // SAFETY: the caller's promise.
    unsafe { *dense.get_unchecked(term as usize) * weight }
}

/// `sum` plus `dense[t] × w` for each (term `t`, weight `w`) of `vector`, added in order.
///
/// # Safety
///
/// Every term of `vector` is below `dense.len()`.
unsafe fn dot(mut sum: f32, dense: &[f32], vector: &[(u32, f32)]) -> f32 {
    for &entry in vector {
        // SAFETY: the caller's promise.
        sum += unsafe { product(dense, entry) };
    }
    sum
}

/// [`dot`] of four vectors of one length at once: four independent sums interleaved, so each
/// addition need not wait for the one before it; every sum still adds its own products in its
/// own order (on x86-64 the four are one SSE register, which adds each lane as it would
/// alone: see [`lanes::add_products`]).
///
/// This loop is most of the time related-article scoring takes, so it reads `dense` without
/// bounds checks and steps a cache line of entries at a time (prefetching once per line), with
/// the sums in registers: about four and a half instructions an entry instead of eight.
///
/// # Safety
///
/// Every term of the vectors is below `dense.len()`.
unsafe fn dot4(dense: &[f32], vectors: [&[(u32, f32)]; 4], sums: [f32; 4]) -> [f32; 4] {
    let mut sums = lanes::from_array(sums);
    let [(a, a_rest), (b, b_rest), (c, c_rest), (d, d_rest)] =
        vectors.map(|vector| vector.as_chunks::<PREFETCH_EVERY>());
    for (line, (((x, y), z), w)) in a.iter().zip(b).zip(c).zip(d).enumerate() {
        for lines in [a, b, c, d] {
            prefetch(lines.as_ptr().wrapping_add(line + PREFETCH_AHEAD / PREFETCH_EVERY));
        }
        for at in 0..PREFETCH_EVERY {
            // SAFETY: the caller's promise.
            sums = unsafe { lanes::add_products(sums, dense, [&x[at], &y[at], &z[at], &w[at]]) };
        }
    }
    for (((x, y), z), w) in a_rest.iter().zip(b_rest).zip(c_rest).zip(d_rest) {
        // SAFETY: the caller's promise.
        sums = unsafe { lanes::add_products(sums, dense, [x, y, z, w]) };
    }
    lanes::to_array(sums)
}

/// The four sums of [`dot4`] and one step of them.
#[cfg(target_arch = "x86_64")]
mod lanes {
    use std::arch::x86_64::{
        __m128, _mm_add_ps, _mm_castpd_ps, _mm_load_sd, _mm_loadh_pd, _mm_loadu_ps, _mm_mul_ps, _mm_set_ps,
        _mm_shuffle_ps, _mm_storeu_ps,
    };

    // An entry is read as 8 bytes, term then weight: the layout this pins.
    const _: () = assert!(
        size_of::<(u32, f32)>() == 8
            && std::mem::offset_of!((u32, f32), 0) == 0
            && std::mem::offset_of!((u32, f32), 1) == 4
    );

    /// The four sums in one SSE register (SSE2 is part of every x86-64 processor).
    pub(super) type Sums = __m128;

    #[inline(always)]
    pub(super) fn from_array(sums: [f32; 4]) -> Sums {
        // SAFETY: `sums` is four readable floats.
        unsafe { _mm_loadu_ps(sums.as_ptr()) }
    }

    #[inline(always)]
    pub(super) fn to_array(sums: Sums) -> [f32; 4] {
        let mut array = [0.0; 4];
        // SAFETY: `array` has room for four floats.
        unsafe { _mm_storeu_ps(array.as_mut_ptr(), sums) };
        array
    }

    /// `sums[l] += dense[t] × w` for each lane `l`'s entry (term `t`, weight `w`): a multiply,
    /// then an add, one rounding each, as the four scalar sums would do them.
    ///
    /// The compiler did the same in one register already, but gathered the four weights with
    /// four loads and three shuffles: read as two pairs of whole entries and one shuffle,
    /// they cost three instructions fewer per step, a tenth of the loop.
    ///
    /// # Safety
    ///
    /// Every term is below `dense.len()`.
    #[inline(always)]
    pub(super) unsafe fn add_products(sums: Sums, dense: &[f32], [x, y, z, w]: [&(u32, f32); 4]) -> Sums {
        let pair = |a: &(u32, f32), b: &(u32, f32)| {
            let (a, b) = ((a as *const (u32, f32)).cast::<f64>(), (b as *const (u32, f32)).cast::<f64>());
            // SAFETY: each points to one 8-byte entry.
            unsafe { _mm_castpd_ps(_mm_loadh_pd(_mm_load_sd(a), b)) }
        };
        // SAFETY: SSE is part of every x86-64 processor.
        unsafe {
            // [term x, weight x, term y, weight y] and the same for z and w: the weights are
            // the odd floats.
            let weights = _mm_shuffle_ps::<0b11_01_11_01>(pair(x, y), pair(z, w));
            // Each term read on its own (a volatile read, which the compiler does not merge
            // with the pair reads above): taken out of those registers, it cost two
            // instructions instead of one.
            // SAFETY: the caller's promise.
            let value = |entry: &(u32, f32)| *dense.get_unchecked(std::ptr::read_volatile(&entry.0) as usize);
            let values = _mm_set_ps(value(w), value(z), value(y), value(x));
            _mm_add_ps(sums, _mm_mul_ps(values, weights))
        }
    }
}

/// The four sums of [`dot4`] and one step of them, one float at a time.
#[cfg(not(target_arch = "x86_64"))]
mod lanes {
    pub(super) type Sums = [f32; 4];

    pub(super) fn from_array(sums: [f32; 4]) -> Sums {
        sums
    }

    pub(super) fn to_array(sums: Sums) -> [f32; 4] {
        sums
    }

    /// `sums[l] += dense[t] × w` for each lane `l`'s entry (term `t`, weight `w`).
    ///
    /// # Safety
    ///
    /// Every term is below `dense.len()`.
    #[inline(always)]
    pub(super) unsafe fn add_products(mut sums: Sums, dense: &[f32], entries: [&(u32, f32); 4]) -> Sums {
        for (sum, &&entry) in sums.iter_mut().zip(&entries) {
            // SAFETY: the caller's promise.
            *sum += unsafe { super::product(dense, entry) };
        }
        sums
    }
}

/// Entries of a vector per cache line, and how far ahead of the reading [`dot4`] asks for
/// them: four vectors read at once from memory are more than the hardware prefetcher follows
/// well.
const PREFETCH_EVERY: usize = 8;
const PREFETCH_AHEAD: usize = 64;

/// Asks the processor to bring the cache line at `at` in; never faults, whatever the address.
#[inline(always)]
fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing a program can observe and never faults.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// One thread's working space, cleared after each article.
struct Scratch {
    /// Per article: its partial score as a candidate of the current article.
    partial: Vec<f32>,
    is_candidate: Vec<bool>,
    /// The current article's candidates so far are `candidates[..found]`.
    candidates: Vec<u32>,
    found: usize,
    /// Per term: the current article's weight (a dense copy of its vector).
    dense: Vec<f32>,
    /// Per tag and per theme: its weight if the current article carries it, else 0.
    tags: Vec<f32>,
    themes: Vec<f32>,
    /// The positions of the candidates [`Scratch::score`] scores.
    todo: Vec<usize>,
}

impl Scratch {
    fn new(model: &Model) -> Scratch {
        let n = model.vectors.len();
        Scratch {
            partial: vec![0.0; n],
            is_candidate: vec![false; n],
            candidates: vec![0; n + 1],
            found: 0,
            dense: vec![0.0; model.vocabulary],
            tags: vec![0.0; model.tags.weight.len()],
            themes: vec![0.0; model.themes.weight.len()],
            todo: Vec::new(),
        }
    }

    fn add(&mut self, doc: u32, score: f32) {
        let i = doc as usize;
        // Without a branch: whether `doc` is new is as good as random.
        self.candidates[self.found] = doc;
        self.found += usize::from(!self.is_candidate[i]);
        self.is_candidate[i] = true;
        self.partial[i] += score;
    }

    /// The exact scores of article `d` with each of `others` whose position `wanted` accepts,
    /// NaN for the others.
    ///
    /// The text part is the plain f32 sum, in ascending term order, of the products of the
    /// candidate's weights with `d`'s (zero for terms `d` lacks): weights are positive, so the
    /// zero products leave the sum as it is and the result is the sum over the shared terms
    /// alone — the same float whichever of the two articles is `d`. The shared labels are
    /// summed in ascending label order, which is symmetric too.
    fn score(&mut self, model: &Model, d: usize, others: &[u32], wanted: impl Fn(usize) -> bool) -> Vec<f32> {
        // Every term of a model vector indexed `idf`, of this length, in `weigh`: what `dot`
        // and `dot4` need to read `dense` unchecked.
        assert_eq!(self.dense.len(), model.vocabulary);
        let vector = &model.vectors[d];
        for &(term, weight) in vector {
            self.dense[term as usize] = weight;
        }
        model.tags.spread(d, &mut self.tags, true);
        model.themes.spread(d, &mut self.themes, true);
        let mut scores = vec![f32::NAN; others.len()];
        let mut todo = std::mem::take(&mut self.todo);
        todo.clear();
        todo.extend((0..others.len()).filter(|&i| wanted(i)));
        let vector_of = |i: usize| model.vectors[others[i] as usize].as_slice();
        // Four lanes, each summing one other article's vector: (its position, the entries still to
        // add, the sum so far); a lane whose vector ends takes the next article, so the four
        // sums stay independent to the last few articles instead of each group of four
        // ending on three serial tails (vectors differ in length). Every sum still adds its
        // own products in its own order.
        type Lane<'a> = (usize, &'a [(u32, f32)], f32);
        const IDLE: usize = usize::MAX;
        let mut lanes: [Lane<'_>; 4] = [(IDLE, &[], 0.0); 4];
        let mut next = 0;
        loop {
            let mut busy = 0;
            for lane in &mut lanes {
                while lane.1.is_empty() {
                    if lane.0 != IDLE {
                        scores[lane.0] = self.finish(model, others[lane.0] as usize, lane.2);
                        lane.0 = IDLE;
                    }
                    let Some(&i) = todo.get(next) else { break };
                    // The start of the vector four articles on, while these are scored.
                    if let Some(&ahead) = todo.get(next + 4) {
                        let ahead = vector_of(ahead).as_ptr();
                        for line in 0..PREFETCH_AHEAD / PREFETCH_EVERY {
                            prefetch(ahead.wrapping_add(line * PREFETCH_EVERY));
                        }
                    }
                    next += 1;
                    *lane = (i, vector_of(i), 0.0);
                }
                busy += usize::from(lane.0 != IDLE);
            }
            if busy < 4 {
                break;
            }
            // Until the shortest of the four ends.
            let steps = lanes.iter().map(|lane| lane.1.len()).min().unwrap_or(0);
            // SAFETY: the lanes hold parts of model vectors (see the assertion above).
            let sums = unsafe { dot4(&self.dense, lanes.map(|lane| &lane.1[..steps]), lanes.map(|lane| lane.2)) };
            for (lane, sum) in lanes.iter_mut().zip(sums) {
                lane.1 = &lane.1[steps..];
                lane.2 = sum;
            }
        }
        for (i, rest, sum) in lanes {
            if i != IDLE {
                // SAFETY: `rest` is part of a model vector (see the assertion above).
                let text = unsafe { dot(sum, &self.dense, rest) };
                scores[i] = self.finish(model, others[i] as usize, text);
            }
        }
        self.todo = todo;
        for &(term, _) in vector {
            self.dense[term as usize] = 0.0;
        }
        model.tags.spread(d, &mut self.tags, false);
        model.themes.spread(d, &mut self.themes, false);
        scores
    }

    /// The whole score from the text part: plus the shared tags, plus the shared themes.
    fn finish(&self, model: &Model, e: usize, text: f32) -> f32 {
        text + model.tags.shared_with(e, &self.tags) + model.themes.shared_with(e, &self.themes)
    }

    /// Up to `exact` candidates for article `d`, the best by partial score, best first: the
    /// cosine over the union of both signatures plus the tags and themes found through short
    /// carrier lists.
    fn candidates(&mut self, model: &Model, d: usize, exact: usize) -> Vec<u32> {
        // The terms of d's signature found in the other article ...
        let signature = &model.signatures[d];
        for &(term, weight) in signature {
            for &(other, other_weight) in model.by_content.get(term) {
                self.add(other, weight * other_weight);
            }
        }
        // ... then the terms of the other's signature found in d, unless counted already.
        for &(term, weight) in &model.vectors[d] {
            let holders = model.by_signature.get(term);
            if !holders.is_empty() && signature.binary_search_by_key(&term, |&(t, _)| t).is_err() {
                for &(other, other_weight) in holders {
                    self.add(other, weight * other_weight);
                }
            }
        }
        for labels in [&model.tags, &model.themes] {
            for &label in labels.of_doc(d) {
                let carriers = &labels.carriers[label as usize];
                if carriers.len() <= model.cap {
                    for &other in carriers {
                        self.add(other, labels.weight[label as usize]);
                    }
                }
            }
        }
        // Best first as one integer: the partial score's bits (scores are never negative, so
        // their bits sort as they do), inverted, above the article number.
        let mut ranked: Vec<u64> = Vec::with_capacity(self.found);
        for &other in &self.candidates[..self.found] {
            let i = other as usize;
            if i != d {
                ranked.push((u64::from(!self.partial[i].to_bits()) << 32) | u64::from(other));
            }
            self.partial[i] = 0.0;
            self.is_candidate[i] = false;
        }
        self.found = 0;
        if ranked.len() > exact {
            ranked.select_nth_unstable(exact - 1);
            ranked.truncate(exact);
        }
        ranked.sort_unstable();
        ranked.into_iter().map(|key| key as u32).collect()
    }
}
