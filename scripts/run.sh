#!/bin/sh
# The main job behind `make run`:
#   1. (re)create the default corpus BUILD/corpus.db (scripts/vectors.sh:
#      vectors/programs/ and, when SHARED has them, upstream's vectors);
#   2. verify it: every case built in parallel from a fresh recording, from
#      its stored fragment contexts and sequentially, each checked against
#      the expected outcome and trace (spec/corpus.md); progress on a
#      terminal, then the summary table;
#   3. export it to BUILD/vectors (spec/vectors-format.md) and run the
#      export through `fragtrace conform` (TAP kept in BUILD/conform.tap).
# Exit 0 when every case passes everywhere.
set -eu
cli=$1
shared=$2
build=$3
db="$build/corpus.db"
out="$build/vectors"

echo "== 1. the default corpus"
sh scripts/vectors.sh "$cli" "$shared" "$db"
echo
echo "== 2. every case rebuilt and checked (parallel, from stored contexts, sequential)"
status=0
"$cli" corpus verify --db "$db" > "$build/verify.txt" || status=1
grep -v '^ok ' "$build/verify.txt" || true
echo
echo "== 3. export to $out and conformance of the export"
rm -rf "$out"
"$cli" export --db "$db" --out "$out"
if "$cli" conform "$out" --jobs 2 > "$build/conform.tap"; then
    tail -n 1 "$build/conform.tap"
else
    status=1
    grep '^not ok' "$build/conform.tap" || true
    tail -n 1 "$build/conform.tap"
fi
if [ $status -eq 0 ]; then
    echo "make run: PASS (per-case lines: $build/verify.txt, $build/conform.tap)"
else
    echo "make run: FAIL (see $build/verify.txt and $build/conform.tap)" >&2
fi
exit $status
