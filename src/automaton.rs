//! Walking an aho-corasick DFA by hand, the inner loop that glossary linking and topic
//! matching share: both run one DFA over every byte of prose, and the crate's own search
//! iterators reach their loop through a trait object and keep their position in memory
//! between bytes. Each caller builds its own kind of search (overlapping, leftmost-longest)
//! on top of [`next_special`].

use aho_corasick::Anchored;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;

/// Walks `dfa` from state `sid` over `text[at..]` to the next special state (a match, or the
/// dead state; the callers' DFAs are built without a prefilter): where it enters it (just
/// after the byte that leads there), and the state. Out of line, so that its loop has the
/// registers to itself (inlined into the glossary's pass it kept its state on the stack);
/// four bytes a round, so that the end of the text is tested once for four transitions (about
/// a quarter fewer instructions per byte).
#[inline(never)]
pub(crate) fn next_special(dfa: &DFA, mut sid: StateID, text: &[u8], at: usize) -> Option<(usize, StateID)> {
    let (rounds, rest) = text[at..].as_chunks::<4>();
    for (round, bytes) in rounds.iter().enumerate() {
        for (i, &byte) in bytes.iter().enumerate() {
            sid = dfa.next_state(Anchored::No, sid, byte);
            if dfa.is_special(sid) {
                return Some((at + 4 * round + i + 1, sid));
            }
        }
    }
    let at = at + 4 * rounds.len();
    for (i, &byte) in rest.iter().enumerate() {
        sid = dfa.next_state(Anchored::No, sid, byte);
        if dfa.is_special(sid) {
            return Some((at + i + 1, sid));
        }
    }
    None
}
