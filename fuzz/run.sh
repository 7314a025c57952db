#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS (default 600) in turn, one at a time.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); works on the stable toolchain through
# RUSTC_BOOTSTRAP=1, without a sanitizer (the code under test is safe Rust).
# Usage: fuzz/run.sh [target...]   (default: all five)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
seconds="${FUZZ_SECONDS:-600}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(markdown gitbook content search slug)
export RUSTC_BOOTSTRAP=1 CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
cargo fuzz build -s none || exit 1
[ -d corpus/gitbook ] || ./seed.sh
mkdir -p logs
status=0
for t in "${targets[@]}"; do
  case "$t" in
    slug|search) max_len=1024 ;;
    *) max_len=65536 ;;
  esac
  echo "== $t for ${seconds}s (log: fuzz/logs/$t.log)"
  cargo fuzz run -s none "$t" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1 > "logs/$t.log" 2>&1
  rc=$?
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|^#[0-9]+ *DONE' "logs/$t.log" | sed "s/^/  /"
  echo "  corpus: $(ls "corpus/$t" | wc -l) inputs; exit $rc"
  [ $rc -eq 0 ] || { status=1; grep -E 'panicked|ERROR|Test unit written' "logs/$t.log" | head -5; }
done
exit $status
