#!/bin/sh
# make_context_seeds.sh FRAGTRACE - rewrite fuzz/corpus/context/: for each
# program the context harness knows (fuzz/context.c, same order), valid
# context files at a few fragment lengths, each prefixed by the program's
# index byte. Run from the repository root after a context-format change.
# merkle_paths takes its Merkle store from its inputs file and longer
# fragments (its paths make the files large).
set -eu
bin=$1
out=fuzz/corpus/context
rm -f "$out"/*.bin
i=0
for p in call_overflow memory_stream_pipe dyncall_nested loop_advice_flags merkle_paths; do
    src=vectors/programs/$p.masm
    stack=$(sed -n 's/^# stack: *//p' "$src")
    advice=$(sed -n 's/^# advice: *//p' "$src")
    inputs=$(sed -n 's/^# inputs: *//p' "$src")
    lengths="3 5 13"
    [ "$p" = merkle_paths ] && lengths="64 139 417"
    for n in $lengths; do
        set -- contexts "$src" --fragment "$n" -o "$out/tmp.ctx"
        [ -n "$stack" ] && set -- "$@" --stack "$stack"
        [ -n "$advice" ] && set -- "$@" --advice-stack "$advice"
        [ -n "$inputs" ] && set -- "$@" --inputs "vectors/programs/$inputs"
        "$bin" "$@"
        { printf "\\$(printf %03o "$i")"; cat "$out/tmp.ctx"; } > "$out/${p}_n$n.bin"
    done
    i=$((i + 1))
done
rm -f "$out/tmp.ctx"
