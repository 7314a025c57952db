//! Write a generated corpus: `cargo run --example gen_corpus -- DIR COUNT [SEED]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(args.get(1).map(String::as_str).unwrap_or("corpus"));
    let count: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
    themata::corpus::write(dir, count, seed).expect("write corpus");
}
