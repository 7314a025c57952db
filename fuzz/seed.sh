#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the real inputs: the shared GitBook sample exports,
# the seed article and the site's own content/. Safe to run again: seeds are named by content.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${THEMATA_SHARED:-$here/../../shared}"
[ -d "$shared/corpus-sample" ] || shared="$here/../../../shared"
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find "$shared/corpus-sample" "$shared/seed" "$here/../content" -name '*.md' -print0 2>/dev/null)
put() { # target, byte-prefix ('' for none), file
  local dir="$here/corpus/$1" name
  mkdir -p "$dir"
  name="seed-$( { printf "$2"; cat "$3"; } | sha1sum | cut -c1-16)"
  { printf "$2"; cat "$3"; } > "$dir/$name"
}
for f in "${files[@]}"; do
  put gitbook '' "$f"
  put content '\000' "$f"
  put content '\001' "$f"
  put markdown '\000' "$f"
  put markdown '\001' "$f"
done
# Titles and headings for the slug and the tokeniser: one line each.
tmp="$(mktemp -d)"
grep -h -E '^(#{1,6} |title:|tags:|\*\*)' "${files[@]}" | head -n 400 | split -l 1 - "$tmp/line-" || true
for f in "$tmp"/line-*; do put slug '' "$f"; put search '' "$f"; done
rm -rf "$tmp"
for t in content gitbook markdown slug search; do echo "$t: $(ls "$here/corpus/$t" | wc -l) seeds"; done
