//! Writing the search index: `search/index.json`, the token shards `search/t/` and the doc
//! shards `search/d/` of a site, as `docs/search-format.md` describes them.
//!
//! It runs on every build and touches every character of the site, so it is laid out for
//! speed, in three parallel passes that each visit a thing once:
//! 1. Pages are split into contiguous chunks. A chunk scans each section's text once (one
//!    inlined loop, [`scan`]): it gives each token a small integer (most tokens are packed
//!    into a number, and the common Han characters have a direct table, so no string is
//!    hashed or allocated per token), counts each document's distinct tokens, writes the
//!    stored text into the document's JSON, and appends the document's postings (4 bytes
//!    each) to one list. Once the chunk is done, a counting sort files its postings under
//!    the partition of the token hash, grouped by token, documents in order.
//! 2. Each partition merges the chunks' tokens of that partition and writes every token's
//!    entry once, from the token's postings in each chunk in turn (chunks are in page order).
//! 3. The entries are grouped into token shards.
//!
//! The documents' JSON goes out in doc shards during the first pass: the shard size D comes
//! from an estimate of each document's bytes made before it, so a chunk writes every shard
//! that lies wholly inside it at once and keeps only the pieces of the shards it shares with
//! its neighbours. Each partition frees its postings as soon as its entries are written, so
//! the index never holds all the stored text and all the postings at once.
//!
//! The JSON is written by hand with exactly serde_json's escaping plus the format's `\u003c`
//! escapes; the output is the same bytes a straightforward serde_json writer gives.

use rayon::prelude::*;

use super::{
    Manifest, ManifestTheme, STORED_CHARS, Token, VERSION, each_token, fnv1a32_bytes, fold_char, is_cjk, is_latin,
};
use crate::hash::FastMap;
use crate::render::OutputFile;
use crate::site::{Page, Site};

/// Target size of a token shard (the spec allows 8–32 KB) and of a doc shard (4–8 KB; D is
/// rounded down, so doc shards average a little under this).
const TOKEN_SHARD_BYTES: usize = 16 * 1024;
const DOC_SHARD_BYTES: usize = 7 * 1024;
/// Weight added to a token found in the page title, the section heading, a tag name.
const TITLE_BOOST: u32 = 10;
const HEADING_BOOST: u32 = 5;
const TAG_BOOST: u32 = 8;
/// Bytes a posting takes in a list (`,123,4` on average), to choose between list and bitmap.
const DENSE_BYTES_PER_POSTING: usize = 5;
/// Tokens in fewer documents always keep their full list (small sites never use bitmaps).
const DENSE_MIN_DOCS: usize = 256;
/// In a dense token, postings at least this heavy keep their weight (the rest count 1)...
const STRONG: u8 = 5;
/// ...the heaviest of them, at most this many.
const STRONG_KEPT: usize = 256;
/// Partitions of the token hash while the postings are assembled (a power of two): the
/// unit of parallel work in the second pass.
const PARTITIONS: usize = 64;
/// Chunks of pages per thread in the first pass, so that uneven pages balance out.
const CHUNKS_PER_THREAD: usize = 4;

const IN_TITLE: u8 = 1;
const IN_HEADING: u8 = 2;
const IN_TAG: u8 = 4;
const FILTER: u8 = 8;

/// The weight a term's flags add to its body frequency, by flags: a filter token (`#t:3`,
/// `#m:hiring`) adds nothing, and as the scan never yields `#` or `:` its frequency is 0 and
/// it is never in a title, heading or tag, so its weight comes out 0 as the format wants.
/// One table read per posting instead of a branch per flag.
const BOOSTS: [u32; 16] = {
    let mut table = [0; 16];
    let mut flags = 0;
    while flags < 16 {
        if flags as u8 & FILTER == 0 {
            if flags as u8 & IN_TITLE != 0 {
                table[flags] += TITLE_BOOST;
            }
            if flags as u8 & IN_HEADING != 0 {
                table[flags] += HEADING_BOOST;
            }
            if flags as u8 & IN_TAG != 0 {
                table[flags] += TAG_BOOST;
            }
        }
        flags += 1;
    }
    table
};

/// A token as the indexer keys it. CJK characters and pairs and Latin words of up to seven
/// bytes (nearly every token) are packed into a number; longer words and the filter tokens
/// (`#t:3`, `#m:hiring`) keep their text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Packed(u64),
    Text(Box<str>),
}

/// Tag bits of a packed key: a CJK pair, a short Latin word (its length in bits 56..59).
/// A key with neither is one CJK character (its code point).
const PAIR: u64 = 1 << 42;
const WORD: u64 = 1 << 63;

/// The packed key of a token, or None for a word too long to pack.
fn pack(token: Token<'_>) -> Option<u64> {
    match token {
        Token::One(c) => Some(u64::from(c)),
        Token::Pair(a, b) => Some(PAIR | u64::from(a) << 21 | u64::from(b)),
        Token::Word(w) if w.len() <= 7 => {
            let mut bytes = [0u8; 8];
            bytes[..w.len()].copy_from_slice(w.as_bytes());
            Some(WORD | (w.len() as u64) << 56 | u64::from_le_bytes(bytes))
        }
        Token::Word(_) => None,
    }
}

/// The UTF-8 bytes of a packed key's text, written into `buf`. Bytes, not a `str`: they are
/// only hashed and escaped into JSON, and checking them as UTF-8 again cost more than making
/// them (a new key is hashed from them, each entry's token written from them).
fn unpack(key: u64, buf: &mut [u8; 8]) -> &[u8] {
    let len = if key & WORD != 0 {
        let len = (key >> 56 & 7) as usize;
        buf.copy_from_slice(&(key & ((1 << 56) - 1)).to_le_bytes());
        len
    } else {
        let char_at = |shift: u32| char::from_u32((key >> shift & 0x1F_FFFF) as u32).expect("a packed character");
        let mut len = 0;
        if key & PAIR != 0 {
            len += char_at(21).encode_utf8(&mut buf[..]).len();
        }
        len + char_at(0).encode_utf8(&mut buf[len..]).len()
    };
    &buf[..len]
}

impl Key {
    /// The UTF-8 bytes of the key's text.
    fn bytes<'a>(&'a self, buf: &'a mut [u8; 8]) -> &'a [u8] {
        match self {
            Key::Packed(key) => unpack(*key, buf),
            Key::Text(text) => text.as_bytes(),
        }
    }
}

/// Key -> id, open addressing with linear probing: the indexer asks it for most tokens of the
/// site (tens of millions of lookups at 10,000 articles), and a table of slots at most half
/// full answers in about one probe, without the generic hash map's hashing and group matching.
/// Two slot layouts share it: [`PackedIds`] and [`PairIds`].
struct IdTable<S: Slot> {
    slots: Vec<S>,
    /// 64 - log2(slots.len()): Fibonacci hashing takes the top bits of key * φ.
    shift: u32,
    len: usize,
}

/// One slot of an [`IdTable`]: a key with its id, or [`Slot::FREE`] (whose key is no real key).
trait Slot: Copy + PartialEq {
    type Key: Copy + PartialEq;
    const FREE: Self;
    fn new(key: Self::Key, id: u32) -> Self;
    fn key(self) -> Self::Key;
    fn id(self) -> u32;
    /// The key as the number Fibonacci hashing multiplies.
    fn number(key: Self::Key) -> u64;
}

/// No packed key has every bit set (a word's length takes three bits of the top byte).
const FREE: u64 = u64::MAX;

/// Packed key -> id: (key, id) slots.
type PackedIds = IdTable<(u64, u32)>;

impl Slot for (u64, u32) {
    type Key = u64;
    const FREE: Self = (FREE, 0);
    #[inline(always)]
    fn new(key: u64, id: u32) -> Self {
        (key, id)
    }
    #[inline(always)]
    fn key(self) -> u64 {
        self.0
    }
    #[inline(always)]
    fn id(self) -> u32 {
        self.1
    }
    #[inline(always)]
    fn number(key: u64) -> u64 {
        key
    }
}

/// Ids of the pairs of two characters of the Basic Multilingual Plane (nearly every bigram):
/// the two characters make a 32-bit key ([`pair_key`]), and key and id share one 8-byte slot.
/// Half the size of [`PackedIds`]' slots, so more of the table stays in the nearest caches: a
/// text's pairs are looked up in no predictable order, and at one pair per character this is
/// the indexer's most frequent lookup.
type PairIds = IdTable<u64>;

impl Slot for u64 {
    type Key = u32;
    /// Its key half is `u32::MAX`, which no pair has: U+FFFF is not CJK.
    const FREE: Self = FREE;
    #[inline(always)]
    fn new(key: u32, id: u32) -> Self {
        u64::from(key) << 32 | u64::from(id)
    }
    #[inline(always)]
    fn key(self) -> u32 {
        (self >> 32) as u32
    }
    #[inline(always)]
    fn id(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn number(key: u32) -> u64 {
        u64::from(key)
    }
}

/// The key of the pair `a`, `b` when both are in the Basic Multilingual Plane.
#[inline(always)]
fn pair_key(a: char, b: char) -> Option<u32> {
    let (a, b) = (a as u32, b as u32);
    (a | b <= 0xFFFF).then_some(a << 16 | b)
}

impl<S: Slot> Default for IdTable<S> {
    fn default() -> IdTable<S> {
        IdTable { slots: vec![S::FREE; 1024], shift: 64 - 10, len: 0 }
    }
}

impl<S: Slot> IdTable<S> {
    #[inline(always)]
    fn slot(&self, key: S::Key) -> usize {
        (S::number(key).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The id of `key`, or a new one from `new`.
    #[inline(always)]
    fn get(&mut self, key: S::Key, new: impl FnOnce() -> u32) -> u32 {
        let mask = self.slots.len() - 1;
        let mut at = self.slot(key);
        loop {
            let slot = self.slots[at];
            if slot.key() == key {
                return slot.id();
            }
            if slot == S::FREE {
                break;
            }
            at = (at + 1) & mask;
        }
        let id = new();
        self.slots[at] = S::new(key, id);
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    /// Forgets every key, keeping the table's size (the next chunk needs about as many).
    fn clear(&mut self) {
        self.slots.fill(S::FREE);
        self.len = 0;
    }

    #[cold]
    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![S::FREE; size]);
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|&s| s != S::FREE) {
            let mut at = self.slot(slot.key());
            while self.slots[at] != S::FREE {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }
}

/// Token ids of one key space: packed keys and text keys.
#[derive(Default)]
struct Ids {
    pairs: PairIds,
    packed: PackedIds,
    text: FastMap<Box<str>, u32>,
}

impl Ids {
    /// The id of `token`, or a new one from `new` (called with its key) when it has none.
    #[inline(always)]
    fn get(&mut self, token: Token<'_>, new: impl FnOnce(Key) -> u32) -> u32 {
        if let Token::Pair(a, b) = token
            && let Some(pair) = pair_key(a, b)
        {
            return self.pairs.get(pair, || new(Key::Packed(PAIR | u64::from(a) << 21 | u64::from(b))));
        }
        match pack(token) {
            Some(key) => self.packed.get(key, || new(Key::Packed(key))),
            None => {
                let Token::Word(word) = token else { unreachable!("only words are left unpacked") };
                self.text_id(word, new)
            }
        }
    }

    fn clear(&mut self) {
        self.pairs.clear();
        self.packed.clear();
        self.text.clear();
    }

    fn text_id(&mut self, text: &str, new: impl FnOnce(Key) -> u32) -> u32 {
        match self.text.get(text) {
            Some(&id) => id,
            None => {
                let id = new(Key::Text(text.into()));
                self.text.insert(text.into(), id);
                id
            }
        }
    }

    fn key_id(&mut self, key: &Key, new: impl FnOnce() -> u32) -> u32 {
        match key {
            Key::Packed(key) => self.packed.get(*key, new),
            Key::Text(text) => match self.text.get(&**text) {
                Some(&id) => id,
                None => {
                    let id = new();
                    self.text.insert(text.clone(), id);
                    id
                }
            },
        }
    }
}

/// What a chunk found of one partition: the tokens (with their FNV-1a hash), and their
/// postings grouped by token, each token's in document order: `postings[ends[t - 1]..ends[t]]`
/// are token `t`'s, four bytes each (12 million in all at 10,000 articles), `doc << 8 |
/// weight` with the document counted from the chunk's first.
#[derive(Default)]
struct ChunkPart {
    tokens: Vec<(Key, u32)>,
    ends: Vec<u32>,
    postings: Vec<u32>,
}

/// Distinct tokens, and documents, a chunk may have: either shares a `u32` with a weight. A
/// chunk would need gigabytes of text to reach either.
const MAX_CHUNK_TOKENS: usize = 1 << 24;
const MAX_CHUNK_DOCS: usize = 1 << 24;

/// The first pass over a contiguous run of pages.
struct Chunk {
    /// The chunk's first document.
    first: u32,
    parts: Vec<ChunkPart>,
    /// The stored documents of the doc shards this chunk shares with its neighbours: (shard,
    /// the documents' JSON joined by commas), in document order.
    pieces: Vec<(usize, Vec<u8>)>,
}

/// Where a chunk's stored documents go: whole doc shards straight to the output, the first
/// and last (which may continue in the neighbouring chunks) into [`Chunk::pieces`].
struct DocShards<'a> {
    /// D, and the number of documents in the site.
    size: usize,
    docs: usize,
    /// The first document of this chunk, and the last one written.
    first: usize,
    last: usize,
    /// The current shard so far: `[` when it began in this chunk, and its documents, each
    /// followed by a comma. One buffer for all the chunk's shards.
    open: Vec<u8>,
    pieces: Vec<(usize, Vec<u8>)>,
    put: &'a Put<'a>,
}

impl DocShards<'_> {
    /// Where document `doc` is to be appended.
    fn open(&mut self, doc: usize) -> &mut Vec<u8> {
        if doc.is_multiple_of(self.size) {
            self.open.push(b'[');
        }
        &mut self.open
    }

    /// Document `doc` has been appended to `open`: close its shard if it is the shard's last.
    fn written(&mut self, doc: usize) {
        self.last = doc;
        if doc + 1 != self.docs && !(doc + 1).is_multiple_of(self.size) {
            self.open.push(b',');
            return;
        }
        let shard = doc / self.size;
        if shard * self.size < self.first {
            // It began in an earlier chunk.
            self.pieces.push((shard, std::mem::take(&mut self.open)));
            return;
        }
        // The file goes out from this buffer, which the next shard reuses.
        self.open.push(b']');
        (self.put)(doc_shard_file(shard), &self.open);
        self.open.clear();
    }

    /// The chunk is done: the shard still open continues in the next chunk.
    fn finish(mut self) -> Vec<(usize, Vec<u8>)> {
        if self.open.pop().is_some() {
            let shard = self.last / self.size;
            if shard * self.size >= self.first {
                // It began in this chunk: the pieces are joined without their brackets.
                self.open.remove(0);
            }
            self.pieces.push((shard, self.open));
        }
        self.pieces
    }
}

fn doc_shard_file(shard: usize) -> String {
    format!("search/d/{shard}.json")
}

/// Where the common CJK characters (U+3000..U+9FFF) find their id directly, without hashing.
const DIRECT_FROM: u32 = 0x3000;
const DIRECT_TO: u32 = 0xA000;
const NO_ID: u32 = u32::MAX;

/// Where a token id was last counted, in one number: the document (counted from 1 in this
/// chunk) in the low half, the token's place in [`Indexer::terms`] in the high half. One
/// load gives both (see [`Indexer::count`]).
type Seen = u64;

/// A token of the current document: its id in the low 24 bits (ids stay below
/// [`MAX_CHUNK_TOKENS`]), its flags ([`IN_TITLE`]...) in the next 8, its body frequency in the
/// high 32. One number, so that [`Indexer::count`] writes a new entry with one store and
/// counts with one add.
type Term = u64;
const TERM_FLAGS: u32 = 24;
const TERM_FREQUENCY: u32 = 32;

/// Per chunk: token ids, what each id is, the current document's distinct tokens, and every
/// document's.
struct Indexer {
    ids: Ids,
    /// Ids of the characters DIRECT_FROM..DIRECT_TO, or NO_ID.
    direct: Vec<u32>,
    /// Per id: its key and FNV-1a hash, and where it was last counted.
    keys: Vec<(Key, u32)>,
    seen: Vec<Seen>,
    doc: u32,
    /// The current document's tokens, each in one number ([`Term`]): the first `term_count`
    /// entries, and room for every term the document may still have plus one spare entry
    /// (see [`Indexer::count`]).
    terms: Vec<Term>,
    term_count: usize,
    /// The postings of the chunk's documents one after another, `id << 8 | weight`, and
    /// where each document's postings end. Sorted by token only once the chunk is done
    /// ([`Indexer::finish`]): appending here is one sequential write per posting.
    postings: Vec<u32>,
    doc_ends: Vec<u32>,
    /// The counting sort's buffers ([`Indexer::finish`]).
    places: Vec<u32>,
    sorted: Vec<u32>,
    /// Scratch.
    word: String,
    scratch: PageScratch,
}

/// What [`Indexer::page`] builds for each page, kept for the next one (a few allocations per
/// page otherwise, on ten thousand pages, from several threads).
#[derive(Default)]
struct PageScratch {
    title_ids: Vec<u32>,
    tag_ids: Vec<u32>,
    filter_ids: Vec<u32>,
    heading_ids: Vec<u32>,
    url_json: Vec<u8>,
    title_json: Vec<u8>,
    tail_json: Vec<u8>,
}

impl Indexer {
    fn new() -> Indexer {
        Indexer {
            ids: Ids::default(),
            direct: vec![NO_ID; (DIRECT_TO - DIRECT_FROM) as usize],
            keys: Vec::new(),
            seen: Vec::new(),
            doc: 0,
            terms: Vec::new(),
            term_count: 0,
            postings: Vec::new(),
            doc_ends: Vec::new(),
            places: Vec::new(),
            sorted: Vec::new(),
            word: String::new(),
            scratch: PageScratch::default(),
        }
    }

    /// A new id for `key`.
    #[cold]
    #[inline(never)]
    fn register(keys: &mut Vec<(Key, u32)>, seen: &mut Vec<Seen>, key: Key) -> u32 {
        assert!(keys.len() < MAX_CHUNK_TOKENS, "too many distinct tokens for the search index");
        let hash = fnv1a32_bytes(key.bytes(&mut [0; 8]));
        keys.push((key, hash));
        seen.push(0);
        keys.len() as u32 - 1
    }

    /// The chunk's postings grouped by partition and, within one, by token (ids in the order
    /// they were given, each one's documents in order): a counting sort, linear in the postings.
    ///
    /// The sort writes into one buffer for all the partitions, each id's next place in it a
    /// single number, and the partitions' pieces are copied out afterwards: a posting costs one
    /// small load, one store and no per-partition lookup (about half the instructions of
    /// sorting straight into the partitions' own vectors), the copies are sequential.
    ///
    /// The indexer is left empty, ready for another chunk, with its buffers and tables kept:
    /// the next chunk on the thread writes into memory already touched instead of fresh pages.
    fn finish(&mut self) -> Vec<ChunkPart> {
        assert!(self.doc_ends.len() <= MAX_CHUNK_DOCS, "too many documents for the search index");
        // Per id: its count of postings (counted as they were made, see `page`), then where
        // its next posting goes in `sorted`. Taken out of `self` while the sort runs, so that
        // the compiler sees them as its own.
        let mut places = std::mem::take(&mut self.places);
        places.resize(self.keys.len(), 0);
        let partition = |hash: u32| hash as usize & (PARTITIONS - 1);
        // Per partition: its postings, and its tokens (so that its lists are made at their
        // size, not grown by doubling with a copy at each step).
        let mut lens = [0u32; PARTITIONS];
        let mut tokens = [0usize; PARTITIONS];
        for ((_, hash), &count) in self.keys.iter().zip(&places) {
            lens[partition(*hash)] += count;
            tokens[partition(*hash)] += 1;
        }
        // Where each partition begins in `sorted`.
        let mut starts = [0u32; PARTITIONS];
        for p in 1..PARTITIONS {
            starts[p] = starts[p - 1] + lens[p - 1];
        }
        let mut parts: Vec<ChunkPart> = tokens
            .iter()
            .map(|&n| ChunkPart { tokens: Vec::with_capacity(n), ends: Vec::with_capacity(n), postings: Vec::new() })
            .collect();
        let mut filled = [0u32; PARTITIONS];
        for ((key, hash), place) in self.keys.drain(..).zip(&mut places) {
            let p = partition(hash);
            let count = *place;
            *place = starts[p] + filled[p];
            filled[p] += count;
            parts[p].tokens.push((key, hash));
            parts[p].ends.push(filled[p]);
        }
        // Every place is written below: only room the buffer never had is zeroed.
        let mut sorted = std::mem::take(&mut self.sorted);
        sorted.resize(self.postings.len(), 0);
        let mut start = 0;
        for (doc, &end) in self.doc_ends.iter().enumerate() {
            for &posting in &self.postings[start..end as usize] {
                let at = &mut places[(posting >> 8) as usize];
                sorted[*at as usize] = (doc as u32) << 8 | (posting & 0xFF);
                *at += 1;
            }
            start = end as usize;
        }
        for (p, part) in parts.iter_mut().enumerate() {
            let start = starts[p] as usize;
            part.postings = sorted[start..start + lens[p] as usize].to_vec();
        }
        places.clear();
        self.places = places;
        self.sorted = sorted;
        self.ids.clear();
        self.direct.fill(NO_ID);
        self.seen.clear();
        self.doc = 0;
        self.term_count = 0;
        self.postings.clear();
        self.doc_ends.clear();
        parts
    }

    /// The id of `token`. Inlined into the tokeniser's loop: there the kind of token is known
    /// at each call, so a character costs one table read and a pair one probe of the pair
    /// table, with no token passed through memory.
    #[inline(always)]
    fn id(&mut self, token: Token<'_>) -> u32 {
        let Indexer { ids, direct, keys, seen, .. } = self;
        match token {
            Token::One(c) => {
                if let Some(slot) = (c as u32).checked_sub(DIRECT_FROM).and_then(|i| direct.get_mut(i as usize)) {
                    if *slot == NO_ID {
                        *slot = ids.get(token, |key| Indexer::register(keys, seen, key));
                    }
                    return *slot;
                }
                ids.get(token, |key| Indexer::register(keys, seen, key))
            }
            Token::Pair(..) => ids.get(token, |key| Indexer::register(keys, seen, key)),
            Token::Word(_) => self.word_id(token),
        }
    }

    #[inline(never)]
    fn word_id(&mut self, token: Token<'_>) -> u32 {
        let Indexer { ids, keys, seen, .. } = self;
        ids.get(token, |key| Indexer::register(keys, seen, key))
    }

    fn text_id(&mut self, text: &str) -> u32 {
        let Indexer { ids, keys, seen, .. } = self;
        ids.text_id(text, |key| Indexer::register(keys, seen, key))
    }

    /// Counts token `id` in the current document: in the body (`flag` 0) or where `flag` says.
    /// The document's `terms` have room for it (see [`Indexer::page`]), so there is no check.
    ///
    /// Without a branch on whether the document has the token yet: that is a coin toss for the
    /// processor (a section repeats about half its tokens), and a mispredicted branch per token
    /// cost more than the rest of the counting. A new term's entry is always written into the
    /// spare slot after the document's terms, and kept only when the token is new. (The token's
    /// place is taken from the same load as its document: read on its own, the compiler would
    /// rather branch around the read.)
    #[inline(always)]
    fn count(&mut self, id: u32, flag: u8) {
        let n = self.term_count;
        let seen = &mut self.seen[id as usize];
        let new = *seen as u32 != self.doc;
        let slot = if new { n as u32 } else { (*seen >> 32) as u32 };
        *seen = u64::from(slot) << 32 | u64::from(self.doc);
        self.terms[n] = Term::from(id);
        let term = &mut self.terms[slot as usize];
        *term += Term::from(flag == 0) << TERM_FREQUENCY;
        *term |= Term::from(flag) << TERM_FLAGS;
        self.term_count = n + usize::from(new);
    }

    /// Ids of the tokens of `text`, with repeats, appended to `out`.
    fn ids_of(&mut self, text: &str, out: &mut Vec<u32>) {
        let mut word = std::mem::take(&mut self.word);
        each_token(text, &mut word, |t| out.push(self.id(t)));
        self.word = word;
    }

    /// Indexes the sections of one page as documents `first`, `first + 1`, ...
    fn page(&mut self, page: &Page, first: u32, url: &str, page_terms: &PageTerms<'_>, shards: &mut DocShards<'_>) {
        let title = page.title();
        // The page's scratch buffers, kept from page to page.
        let PageScratch {
            mut title_ids,
            mut tag_ids,
            mut filter_ids,
            mut heading_ids,
            mut url_json,
            mut title_json,
            mut tail_json,
        } = std::mem::take(&mut self.scratch);
        title_ids.clear();
        self.ids_of(title, &mut title_ids);
        tag_ids.clear();
        for &t in page_terms.tags {
            self.ids_of(&page_terms.tag_names[t as usize], &mut tag_ids);
        }
        filter_ids.clear();
        for line in page_terms.filters.lines() {
            filter_ids.push(self.text_id(line));
        }
        // What the page's stored documents share, as JSON: `{"u":"<url>`, `","t":<title>,"h":`
        // and `","g":[...],"m":[...],"d":<date>}`.
        url_json.clear();
        url_json.extend_from_slice(b"{\"u\":\"");
        push_escaped(&mut url_json, url);
        title_json.clear();
        title_json.extend_from_slice(b"\",\"t\":");
        push_string(&mut title_json, title);
        title_json.extend_from_slice(b",\"h\":");
        tail_json.clear();
        tail_json.extend_from_slice(b"\",\"g\":[");
        for (i, &t) in page_terms.tags.iter().enumerate() {
            if i > 0 {
                tail_json.push(b',');
            }
            push_number(&mut tail_json, t);
        }
        tail_json.extend_from_slice(b"],\"m\":[");
        for (i, slug) in page_terms.themes.iter().enumerate() {
            if i > 0 {
                tail_json.push(b',');
            }
            push_string(&mut tail_json, slug);
        }
        tail_json.extend_from_slice(b"],\"d\":");
        push_string(&mut tail_json, &page.source.meta.date.map(|d| d.ymd()).unwrap_or_default());
        tail_json.push(b'}');
        let mut word = std::mem::take(&mut self.word);
        for (n, section) in page.rendered.sections.iter().enumerate() {
            let doc = first + n as u32;
            self.doc += 1;
            self.term_count = 0;
            // Room for every term the document can have, and the spare one: a text yields at
            // most one token per byte (a CJK character is three bytes or more and yields two
            // tokens, a word one), and the page's title, tag and filter tokens come on top.
            let text = page.rendered.text_of(section);
            let most = text.len()
                + section.heading.as_ref().map_or(0, String::len)
                + title_ids.len()
                + tag_ids.len()
                + filter_ids.len()
                + 1;
            if self.terms.len() < most {
                self.terms.resize(most, 0);
            }
            // The stored document, as serde_json would write StoredDoc, straight into its doc
            // shard: the stored text is written as the section's text is tokenised.
            let out = shards.open(doc as usize);
            out.extend_from_slice(&url_json);
            if let (Some(id), Some(_)) = (&section.id, &section.heading) {
                out.push(b'#');
                push_escaped(out, id);
            }
            out.extend_from_slice(&title_json);
            match &section.heading {
                Some(heading) => push_string(out, heading),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"x\":\"");
            scan(text, &mut word, &mut Stored::new(out), &mut Body(self));
            out.extend_from_slice(&tail_json);

            heading_ids.clear();
            if let Some(heading) = &section.heading {
                each_token(heading, &mut word, |t| heading_ids.push(self.id(t)));
            }
            for (ids, flag) in [(&title_ids, IN_TITLE), (&heading_ids, IN_HEADING), (&tag_ids, IN_TAG)] {
                for &id in ids {
                    self.count(id, flag);
                }
            }
            for &id in &filter_ids {
                self.count(id, FILTER);
            }
            // One `extend` over a slice: the postings' room is reserved once for the document
            // and the loop keeps its write position in a register (pushed one at a time, the
            // vector's length and capacity went through memory on each posting).
            // Each id's postings are counted here for the sort (`finish`), in the loop that
            // reads the term anyway rather than in a pass of their own over all the postings.
            if self.places.len() < self.keys.len() {
                self.places.resize(self.keys.len(), 0);
            }
            let Indexer { postings, terms, places, term_count, .. } = self;
            // A slice, whose length and address stay in registers: through the vector, they
            // were loaded again after each count.
            let places = places.as_mut_slice();
            postings.extend(terms[..*term_count].iter().map(|&term| {
                let (flags, tf) = ((term >> TERM_FLAGS) as u8, (term >> TERM_FREQUENCY) as u32);
                debug_assert!(flags & FILTER == 0 || (flags == FILTER && tf == 0), "a filter token is only a filter");
                places[term as usize & 0xFF_FFFF] += 1;
                // The id's 24 bits shifted up, the flags shifted out.
                (term as u32) << 8 | (tf + BOOSTS[usize::from(flags & 15)]).min(255)
            }));
            self.doc_ends.push(u32::try_from(self.postings.len()).expect("too many postings for the search index"));
            shards.written(doc as usize);
        }
        self.word = word;
        self.scratch = PageScratch { title_ids, tag_ids, filter_ids, heading_ids, url_json, title_json, tail_json };
    }
}

/// The indexer counting the tokens of a section's text.
struct Body<'a>(&'a mut Indexer);

impl Found for Body<'_> {
    #[inline(always)]
    fn one(&mut self, c: char) {
        let id = self.0.id(Token::One(c));
        self.0.count(id, 0);
    }

    #[inline(always)]
    fn pair(&mut self, a: char, b: char) {
        let id = self.0.id(Token::Pair(a, b));
        self.0.count(id, 0);
    }

    #[inline(always)]
    fn word(&mut self, word: &str) {
        let id = self.0.word_id(Token::Word(word));
        self.0.count(id, 0);
    }
}

/// What [`scan`] finds in a text, in order.
trait Found {
    /// A CJK character.
    fn one(&mut self, c: char);
    /// Two adjacent CJK characters.
    fn pair(&mut self, a: char, b: char);
    /// A Latin word.
    fn word(&mut self, word: &str);
}

/// The index-side tokens of `text` handed to `found` (as [`super::each_token`] gives them),
/// and its stored text written to `stored`, in one pass over the text.
///
/// This is the indexer's hot loop, over every character of the site: the common Han block
/// (nearly every character of a Chinese site, and one that normalisation leaves alone) and
/// ASCII take short paths, and everything is inlined into it, so that a character costs a
/// table read and a probe, not calls with the token passed through memory.
#[inline(always)]
fn scan(text: &str, word: &mut String, stored: &mut Stored<'_>, found: &mut impl Found) {
    word.clear();
    let mut previous: Option<char> = None;
    let mut chars = text.chars();
    loop {
        let here = chars.as_str().as_bytes();
        let Some(c) = chars.next() else { break };
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            // Its three bytes are the text's own: copied, not encoded again.
            let [b0, b1, b2, ..] = *here else { unreachable!("a Han character is three bytes") };
            stored.push_han([b0, b1, b2]);
            if !word.is_empty() {
                found.word(word);
                word.clear();
            }
            if let Some(p) = previous {
                found.pair(p, c);
            }
            found.one(c);
            previous = Some(c);
            continue;
        }
        let c = if c.is_ascii() {
            c.to_ascii_lowercase()
        } else {
            match fold_char(c) {
                Some(c) => c,
                None => continue,
            }
        };
        stored.push(c);
        if is_latin(c) {
            previous = None;
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            found.word(word);
            word.clear();
        }
        if c.is_ascii() || !is_cjk(c) {
            previous = None;
            continue;
        }
        if let Some(p) = previous {
            found.pair(p, c);
        }
        found.one(c);
        previous = Some(c);
    }
    if !word.is_empty() {
        found.word(word);
    }
}

/// What a page's sections share: tag indices and names, theme slugs, the filter tokens.
struct PageTerms<'a> {
    tags: &'a [u32],
    tag_names: &'a [String],
    themes: &'a [&'a str],
    filters: &'a str,
}

/// Normalised text with every run of whitespace made one space, the ends trimmed, cut at
/// [`STORED_CHARS`] characters: the stored `x` of a document, fed one character at a time
/// and written JSON-escaped (the inside of the string) at the end of `out`.
struct Stored<'a> {
    out: &'a mut Vec<u8>,
    /// Where the text begins in `out`.
    start: usize,
    chars: usize,
    space: bool,
}

impl Stored<'_> {
    fn new(out: &mut Vec<u8>) -> Stored<'_> {
        let start = out.len();
        Stored { out, start, chars: 0, space: false }
    }

    /// A pending space is written before the next character: false when that filled the text.
    #[inline(always)]
    fn room_after_space(&mut self) -> bool {
        if self.space {
            self.out.push(b' ');
            self.chars += 1;
            self.space = false;
        }
        self.chars != STORED_CHARS
    }

    /// A character of the common Han block, as its UTF-8 bytes: never white space, never
    /// escaped.
    #[inline(always)]
    fn push_han(&mut self, bytes: [u8; 3]) {
        if self.chars == STORED_CHARS || !self.room_after_space() {
            return;
        }
        self.out.extend_from_slice(&bytes);
        self.chars += 1;
    }

    #[inline(always)]
    fn push(&mut self, c: char) {
        if self.chars == STORED_CHARS {
            return;
        }
        // No white space above U+3000.
        if c <= '\u{3000}' && c.is_whitespace() {
            self.space = self.out.len() != self.start;
            return;
        }
        if !self.room_after_space() {
            return;
        }
        if c.is_ascii() {
            if ESCAPED[c as usize] {
                push_escaped_byte(self.out, c as u8);
            } else {
                self.out.push(c as u8);
            }
        } else {
            self.out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
        self.chars += 1;
    }
}

/// Bytes that [`push_escaped`] escapes: control characters, `"`, `\\`, `<`, `>`, `&`.
static ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table
};

/// Appends `text` as the inside of a JSON string: serde_json's escapes (`\"`, `\\`, `\n` and
/// the other short forms, `\u00XX` for other control characters) and the format's `\u003c`,
/// `\u003e`, `\u0026` for `<`, `>`, `&`.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    push_escaped_bytes(out, text.as_bytes());
}

/// [`push_escaped`] of UTF-8 bytes.
fn push_escaped_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !ESCAPED[b as usize] {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        push_escaped_byte(out, b);
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends the escape of a byte that [`ESCAPED`] marks.
#[cold]
fn push_escaped_byte(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0C => b"\\f",
        _ => &[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]],
    };
    out.extend_from_slice(short);
}

/// Appends `text` as a JSON string.
fn push_string(out: &mut Vec<u8>, text: &str) {
    push_string_bytes(out, text.as_bytes());
}

/// [`push_string`] of UTF-8 bytes.
fn push_string_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    push_escaped_bytes(out, bytes);
    out.push(b'"');
}

/// Appends the decimal digits of `n`.
#[inline]
fn push_number(out: &mut Vec<u8>, mut n: u32) {
    // Most numbers written are small (deltas between documents, weights, tag indices): one
    // or two digits without a loop, nor a copy of a length only known at run time.
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    if n < 100 {
        out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
        return;
    }
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// A posting list being written: `[d0,w0,d1,w1,...]` with doc ids delta-encoded.
struct Postings<'a> {
    out: &'a mut Vec<u8>,
    /// The document before, or None at the start of the list.
    last: Option<u32>,
}

impl Postings<'_> {
    fn new(out: &mut Vec<u8>) -> Postings<'_> {
        out.push(b'[');
        Postings { out, last: None }
    }

    #[inline]
    fn push(&mut self, doc: u32, weight: u8) {
        let delta = match self.last {
            Some(last) => {
                self.out.push(b',');
                doc - last
            }
            None => doc,
        };
        push_number(self.out, delta);
        self.out.push(b',');
        push_number(self.out, u32::from(weight));
        self.last = Some(doc);
    }

    fn close(self) {
        self.out.push(b']');
    }
}

/// Standard base64 with padding.
fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.reserve(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for chunk in &mut chunks {
        let n = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
        out.extend_from_slice(&[
            ALPHABET[(n >> 18) as usize & 63],
            ALPHABET[(n >> 12) as usize & 63],
            ALPHABET[(n >> 6) as usize & 63],
            ALPHABET[n as usize & 63],
        ]);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let n = u32::from(rest[0]) << 16 | u32::from(rest.get(1).copied().unwrap_or(0)) << 8;
        out.push(ALPHABET[(n >> 18) as usize & 63]);
        out.push(ALPHABET[(n >> 12) as usize & 63]);
        out.push(if rest.len() > 1 { ALPHABET[(n >> 6) as usize & 63] } else { b'=' });
        out.push(b'=');
    }
}

/// The entries of one partition: their JSON one after another, and per entry its token's
/// hash and byte range.
struct PartEntries {
    text: Vec<u8>,
    entries: Vec<(u32, usize, usize)>,
}

/// The second pass for one partition, given what each chunk found of it (with the chunk's
/// first document), in document order: merges the chunks' tokens and writes each token's
/// entry from its postings in every chunk, one after another. The chunks' postings are freed
/// when the partition is done.
fn partition_entries(parts: Vec<(u32, ChunkPart)>, docs: usize) -> PartEntries {
    let mut ids = Ids::default();
    let mut tokens: Vec<(Key, u32)> = Vec::new();
    // Every (partition token, chunk, range of postings), in chunk order.
    let mut runs: Vec<(u32, u32, u32, u32)> = Vec::new();
    for (c, (_, part)) in parts.iter().enumerate() {
        let mut start = 0;
        for ((key, hash), &end) in part.tokens.iter().zip(&part.ends) {
            let token = ids.key_id(key, || {
                tokens.push((key.clone(), *hash));
                tokens.len() as u32 - 1
            });
            runs.push((token, c as u32, start, end));
            start = end;
        }
    }
    drop(ids);
    // The runs grouped by token, chunk order kept: a counting sort.
    let mut starts = vec![0usize; tokens.len() + 1];
    for run in &runs {
        starts[run.0 as usize + 1] += 1;
    }
    for n in 1..starts.len() {
        starts[n] += starts[n - 1];
    }
    let mut next = starts.clone();
    let mut sorted = vec![(0u32, 0u32, 0u32); runs.len()];
    for (token, c, start, end) in runs {
        sorted[next[token as usize]] = (c, start, end);
        next[token as usize] += 1;
    }
    drop(next);
    let total: usize = parts.iter().map(|(_, part)| part.postings.len()).sum();
    // The postings of one run, as (document, weight).
    let postings_of = |&(c, start, end): &(u32, u32, u32)| {
        let (first, part) = &parts[c as usize];
        part.postings[start as usize..end as usize].iter().map(move |&p| (first + (p >> 8), p as u8))
    };

    // A posting list longer than this many bytes is written as a bitmap instead.
    let bitmap_len = docs.div_ceil(8).div_ceil(3) * 4;
    let mut text = Vec::with_capacity(total * DENSE_BYTES_PER_POSTING + tokens.len() * 8);
    let mut entries = Vec::with_capacity(tokens.len());
    let mut bits = Vec::new();
    let mut strong: Vec<(u32, u8)> = Vec::new();
    for (n, (key, hash)) in tokens.iter().enumerate() {
        let start = text.len();
        push_string_bytes(&mut text, key.bytes(&mut [0; 8]));
        text.push(b':');
        let runs = &sorted[starts[n]..starts[n + 1]];
        let count: usize = runs.iter().map(|&(_, start, end)| (end - start) as usize).sum();
        if count >= DENSE_MIN_DOCS && count * DENSE_BYTES_PER_POSTING > bitmap_len {
            // Dense: which documents hold the token as a bitmap, and the weights of only the
            // strong postings (title, heading, tag, or frequent in the text).
            bits.clear();
            bits.resize(docs.div_ceil(8), 0u8);
            strong.clear();
            for run in runs {
                for (doc, weight) in postings_of(run) {
                    bits[doc as usize / 8] |= 1 << (doc % 8);
                    if weight >= STRONG {
                        strong.push((doc, weight));
                    }
                }
            }
            text.extend_from_slice(b"{\"b\":\"");
            push_base64(&mut text, &bits);
            text.extend_from_slice(b"\",\"h\":");
            // Only the heaviest strong postings keep their weight: enough to rank the first
            // pages of results, and a common token stays a few kilobytes.
            if strong.len() > STRONG_KEPT {
                strong.select_nth_unstable_by(STRONG_KEPT - 1, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                strong.truncate(STRONG_KEPT);
                strong.sort_unstable();
            }
            let mut list = Postings::new(&mut text);
            for &(doc, weight) in &strong {
                list.push(doc, weight);
            }
            list.close();
            text.push(b'}');
        } else {
            let mut list = Postings::new(&mut text);
            for run in runs {
                for (doc, weight) in postings_of(run) {
                    list.push(doc, weight);
                }
            }
            list.close();
        }
        entries.push((*hash, start, text.len()));
    }
    PartEntries { text, entries }
}

/// `items` separated by commas between `open` and `close`, written over `text`: a JSON object
/// or array of parts that are JSON already.
fn join<'a>(text: &'a mut Vec<u8>, open: u8, items: &[&[u8]], close: u8) -> &'a [u8] {
    text.clear();
    text.reserve(items.iter().map(|e| e.len() + 1).sum::<usize>() + 2);
    text.push(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push(b',');
        }
        text.extend_from_slice(item);
    }
    text.push(close);
    text
}

/// D, the documents per doc shard: [`DOC_SHARD_BYTES`] over the mean size of a stored
/// document, estimated before any is written (the first pass writes the shards as it goes).
/// The estimate counts the stored text up to its cut as it stands, before white space is
/// collapsed and quotes escaped, and the fixed fields as they are; it is within a few percent.
fn estimate_doc_shard_size(site: &Site, pages: &[usize], docs: usize) -> usize {
    let bytes: usize = pages
        .par_iter()
        .map(|&n| {
            let page = &site.pages[n];
            // `{"u":"","t":"","h":"","x":"","g":[],"m":[],"d":""}` and the date.
            let fixed = 48 + 10 + page.path.len() + page.title().len();
            let tags = page.terms.get("tags").map_or(0, |t| t.len() * 4);
            let themes: usize = page.topics.iter().map(|t| site.topics[t.topic].slug.len() + 3).sum();
            page.rendered
                .sections
                .iter()
                .map(|section| {
                    // A text of at most STORED_CHARS bytes is never cut; only longer ones are walked.
                    let section_text = page.rendered.text_of(section);
                    let all = section_text.len();
                    let text = if all <= STORED_CHARS {
                        all
                    } else {
                        section_text.char_indices().nth(STORED_CHARS).map_or(all, |(at, _)| at)
                    };
                    let heading = section
                        .heading
                        .as_ref()
                        .map_or(0, |h| h.len() + section.id.as_ref().map_or(0, |i| i.len() + 1));
                    fixed + tags + themes + heading + text
                })
                .sum::<usize>()
        })
        .sum();
    if docs == 0 { 1 } else { (DOC_SHARD_BYTES * docs / bytes.max(1)).max(1) }
}

/// Writes the search index of `site`: `search/index.json`, `search/t/<shard>.json` and
/// `search/d/<shard>.json`, as the spec describes; the files sorted by path.
pub fn build_index(site: &Site) -> Vec<OutputFile> {
    let files = std::sync::Mutex::new(Vec::new());
    write_index(site, &|path, bytes| {
        files.lock().unwrap_or_else(|e| e.into_inner()).push(OutputFile { path, bytes: bytes.into() })
    });
    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Takes one file of the index: its path and its bytes, which stay the caller's (a buffer it
/// reuses), so that a sink writing them out needs no copy (`output::Sink::put_bytes`; the
/// index is ~90 MB at 10,000 articles).
pub type Put<'a> = dyn Fn(String, &[u8]) + Sync + 'a;

/// [`build_index`], handing each file to `put` as soon as it is made (from several threads), so
/// that the whole index is never held at once.
pub fn write_index(site: &Site, put: &Put<'_>) {
    let tag_names: Vec<String> = site
        .taxonomies
        .iter()
        .find(|t| t.name() == "tags")
        .map(|t| t.terms.iter().map(|term| term.name.clone()).collect())
        .unwrap_or_default();
    let themes: Vec<ManifestTheme> = site
        .topics
        .iter()
        .map(|t| ManifestTheme { slug: t.slug.clone(), title: site.pages[t.page].title().to_string() })
        .collect();
    let pages: Vec<usize> = (0..site.pages.len()).filter(|&n| !site.pages[n].is_section()).collect();
    // The id of each page's first document.
    let mut firsts = Vec::with_capacity(pages.len());
    let mut docs = 0u32;
    for &n in &pages {
        firsts.push(docs);
        docs += site.pages[n].rendered.sections.len() as u32;
    }
    let docs = docs as usize;
    let doc_shard_size = estimate_doc_shard_size(site, &pages, docs);

    // First pass: chunks of pages. An indexer is taken from `idle` (or made) for each chunk
    // and put back after it, so that a thread's later chunks reuse the memory of its first:
    // its tables and its postings buffers, tens of megabytes at 10,000 articles.
    let idle: std::sync::Mutex<Vec<Indexer>> = std::sync::Mutex::new(Vec::new());
    let chunk_len = pages.len().div_ceil(rayon::current_num_threads() * CHUNKS_PER_THREAD).max(1);
    let chunks: Vec<Chunk> = pages
        .par_chunks(chunk_len)
        .zip(firsts.par_chunks(chunk_len))
        .map(|(pages, firsts)| {
            let mut indexer = idle.lock().unwrap_or_else(|e| e.into_inner()).pop().unwrap_or_else(Indexer::new);
            let sections: usize = pages.iter().map(|&n| site.pages[n].rendered.sections.len()).sum();
            let text: usize = pages
                .iter()
                .map(|&n| site.pages[n].rendered.sections.iter().map(|s| s.text.len()).sum::<usize>())
                .sum();
            // For the postings: a document holds about one distinct token per four bytes of
            // Chinese text (fewer in other scripts). Reserved with room to spare: growing
            // would copy megabytes, while pages reserved and never written cost nothing.
            indexer.postings.reserve(text / 3);
            indexer.doc_ends.reserve(sections);
            let first = firsts.first().map_or(0, |&f| f as usize);
            let mut shards = DocShards {
                size: doc_shard_size,
                docs,
                first,
                last: first,
                open: Vec::with_capacity(DOC_SHARD_BYTES * 2),
                pieces: Vec::new(),
                put,
            };
            let mut filters = String::new();
            let mut tags: Vec<u32> = Vec::new();
            let mut page_themes: Vec<&str> = Vec::new();
            for (&n, &first) in pages.iter().zip(firsts) {
                let page = &site.pages[n];
                tags.clear();
                tags.extend(page.terms.get("tags").into_iter().flatten().map(|&i| i as u32));
                page_themes.clear();
                for link in &page.topics {
                    let slug = site.topics[link.topic].slug.as_str();
                    if !page_themes.contains(&slug) {
                        page_themes.push(slug);
                    }
                }
                filters.clear();
                for &t in &tags {
                    use std::fmt::Write as _;
                    let _ = writeln!(filters, "#t:{t}");
                }
                for slug in &page_themes {
                    filters.push_str("#m:");
                    filters.push_str(slug);
                    filters.push('\n');
                }
                let terms = PageTerms { tags: &tags, tag_names: &tag_names, themes: &page_themes, filters: &filters };
                indexer.page(page, first, &site.config.served_path(&page.path), &terms, &mut shards);
            }
            let chunk = Chunk { first: first as u32, parts: indexer.finish(), pieces: shards.finish() };
            idle.lock().unwrap_or_else(|e| e.into_inner()).push(indexer);
            chunk
        })
        .collect();
    drop(idle);

    // The doc shards that span chunks.
    let mut pieces: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut parts_by_partition: Vec<Vec<(u32, ChunkPart)>> =
        (0..PARTITIONS).map(|_| Vec::with_capacity(chunks.len())).collect();
    for chunk in chunks {
        for (p, part) in chunk.parts.into_iter().enumerate() {
            parts_by_partition[p].push((chunk.first, part));
        }
        for (shard, piece) in chunk.pieces {
            match pieces.last_mut() {
                Some((last, joined)) if *last == shard => {
                    joined.push(b',');
                    joined.extend_from_slice(&piece);
                }
                _ => pieces.push((shard, piece)),
            }
        }
    }
    pieces.into_par_iter().for_each(|(shard, piece)| {
        put(doc_shard_file(shard), join(&mut Vec::new(), b'[', &[&piece], b']'));
    });

    // Second pass: per partition of the token hash.
    let parts: Vec<PartEntries> =
        parts_by_partition.into_par_iter().map(|parts| partition_entries(parts, docs)).collect();

    // Third: token shards, then doc shards.
    let total: usize = parts.iter().flat_map(|p| &p.entries).map(|(_, s, e)| e - s + 1).sum();
    let token_shards = total.div_ceil(TOKEN_SHARD_BYTES).max(1).next_power_of_two() as u32;
    let mut by_shard: Vec<Vec<&[u8]>> = vec![Vec::new(); token_shards as usize];
    for part in &parts {
        for &(hash, start, end) in &part.entries {
            by_shard[(hash & (token_shards - 1)) as usize].push(&part.text[start..end]);
        }
    }
    // Each shard is joined in a buffer its thread keeps, and goes out from there.
    by_shard.into_par_iter().enumerate().for_each_init(Vec::new, |text, (n, mut list)| {
        list.sort_unstable();
        put(format!("search/t/{n:x}.json"), join(text, b'{', &list, b'}'));
    });
    drop(parts);

    let manifest = Manifest {
        version: VERSION,
        docs: docs as u32,
        token_shards,
        doc_shard_size: doc_shard_size as u32,
        tags: tag_names,
        themes,
    };
    let manifest = crate::text::json_without_markup(serde_json::to_string(&manifest).expect("the manifest serialises"));
    put("search/index.json".to_string(), manifest.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_is_serde_jsons_plus_the_markup_escapes() {
        let all: String = (0u8..0x80).map(char::from).collect();
        for text in [all.as_str(), "产品 <b>&amp;</b> \"q\" \\ \u{7f}\u{2028}é", ""] {
            let mut out = Vec::new();
            push_string(&mut out, text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                crate::text::json_without_markup(serde_json::to_string(text).unwrap())
            );
        }
    }

    #[test]
    fn packed_keys_give_back_their_token() {
        let cases = [
            Token::One('产'),
            Token::Pair('产', '品'),
            Token::Pair('𠀀', 'ア'),
            Token::Word("b2b"),
            Token::Word("abcdefg"),
        ];
        for token in cases {
            let mut text = String::new();
            token.push_to(&mut text);
            let key = pack(token).expect("packs");
            assert_eq!(unpack(key, &mut [0; 8]), text.as_bytes());
        }
        assert_eq!(pack(Token::Word("abcdefgh")), None);
        // Different tokens, different keys.
        let keys: Vec<u64> = cases.iter().filter_map(|&t| pack(t)).collect();
        assert!(keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k)));
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (bytes, text) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            let mut out = Vec::new();
            push_base64(&mut out, bytes.as_bytes());
            assert_eq!(out, text.as_bytes());
        }
    }

    #[test]
    fn stored_text_collapses_whitespace_and_stops_at_the_limit() {
        let collapse = |text: &str| {
            let mut out = b"prefix".to_vec();
            scan(text, &mut String::new(), &mut Stored::new(&mut out), &mut Tokens(Vec::new()));
            String::from_utf8(out[6..].to_vec()).unwrap()
        };
        assert_eq!(collapse("  Ａ \n\t\u{3000}b\u{200b}c  "), "a bc");
        assert_eq!(collapse("<\"x\">\u{1}"), "\\u003c\\\"x\\\"\\u003e\\u0001");
        assert_eq!(collapse("产品 经理\u{a0}é"), "产品 经理 é");
        let long = format!("{} {}", "字".repeat(STORED_CHARS - 1), "尾".repeat(10));
        let out = collapse(&long);
        assert_eq!(out.chars().count(), STORED_CHARS);
        assert!(out.ends_with("字 "), "the space before the cut is kept, as a cut of the collapsed text keeps it");
        let long = format!("{}\"尾", "字".repeat(STORED_CHARS - 1));
        assert!(collapse(&long).ends_with("字\\\""), "an escape counts as one character");
    }

    /// The tokens [`scan`] finds, as text.
    struct Tokens(Vec<String>);

    impl Found for Tokens {
        fn one(&mut self, c: char) {
            self.0.push(c.to_string());
        }

        fn pair(&mut self, a: char, b: char) {
            self.0.push(format!("{a}{b}"));
        }

        fn word(&mut self, word: &str) {
            self.0.push(word.to_string());
        }
    }

    #[test]
    fn the_indexers_scan_finds_the_tokens_of_the_format() {
        for text in [
            "ＡＩ产品，ok",
            "a𠀀𠀁",
            " ，。 ",
            "AI产品经理 To B\u{200b}2B ＰＭＦ…ｗｏｒｄ\u{3000}한국어 カタカナ々〆 ﾊﾝｶｸ",
            "产\u{200b}品 ab\u{2060}cd 中\u{feff}文 x\u{a0}y Ünïcödé naïve 1.5倍",
            "",
            "a",
            "产",
        ] {
            let mut found = Tokens(Vec::new());
            scan(text, &mut String::new(), &mut Stored::new(&mut Vec::new()), &mut found);
            assert_eq!(found.0, super::super::tokens(text), "tokens of {text:?}");
        }
    }
}
