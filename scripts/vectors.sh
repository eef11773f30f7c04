#!/bin/sh
# make vectors: (re)build the default corpus DB from committed sources.
#   - every program of vectors/programs/ with the inputs of its header
#     (# stack:, # advice:, # inputs: FILE)
#     (vectors/programs/README.md), one case per fragment size: 7 and 64
#     (the two 2^21-row benchmarks: 4096 only; their traces by hash);
#   - when SHARED has them, upstream's 27 traces (miden-v0.19.0) and the
#     compiled programs of masb-v0.19.0, with the Rust VM's results as the
#     expectation (fragtrace corpus import-upstream).
# The database is written next to DB and moved into place only when
# complete, so an interrupted run leaves the previous corpus.
set -eu
cli=$1
shared=$2
db=$3
tmp="$db.building"
rm -f "$tmp" "$tmp-wal" "$tmp-shm"
mkdir -p "$(dirname "$db")"
"$cli" corpus init --db "$tmp" >/dev/null
n=0
for prog in vectors/programs/*.masm; do
    name=$(basename "$prog" .masm)
    stack=$(sed -n 's/^# stack: *//p' "$prog" | head -n 1)
    advice=$(sed -n 's/^# advice: *//p' "$prog" | head -n 1)
    inputs=$(sed -n 's/^# inputs: *//p' "$prog" | head -n 1)
    set -- --db "$tmp" "$prog" --tags programs
    case $name in
    bench_*) set -- "$@",bench --fragment 4096 ;;
    *) set -- "$@" --fragment 7 --fragment 64 ;;
    esac
    [ -n "$stack" ] && set -- "$@" --stack "$stack"
    [ -n "$advice" ] && set -- "$@" --advice-stack "$advice"
    [ -n "$inputs" ] && set -- "$@" --inputs "vectors/programs/$inputs"
    "$cli" corpus add "$@" >/dev/null
    n=$((n + 1))
done
echo "make vectors: $n programs of vectors/programs/"
if [ -f "$shared/vectors/miden-v0.19.0/cases.json" ] &&
   [ -f "$shared/vectors/masb-v0.19.0/index.json" ]; then
    "$cli" corpus import-upstream --db "$tmp" --vectors "$shared/vectors/miden-v0.19.0" \
        --masb "$shared/vectors/masb-v0.19.0" | grep -v '^corpus: added' || true
    echo "make vectors: upstream's vectors from $shared/vectors"
else
    echo "make vectors: $shared/vectors not found: the corpus holds fragtrace's programs only" >&2
fi
rm -f "$db" "$db-wal" "$db-shm"
mv "$tmp" "$db"
rm -f "$tmp-wal" "$tmp-shm"
"$cli" corpus list --db "$db" | tail -n 1 | sed 's/^/make vectors: /; s/$/ in '"$(echo "$db" | sed 's/[\/&]/\\&/g')"'/'
