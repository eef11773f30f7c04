#!/bin/sh
# make_context_seeds.sh FRAGTRACE - rewrite fuzz/corpus/context/: for each
# program the context harness knows (fuzz/context.c, same order), valid
# context files at a few fragment lengths, each prefixed by the program's
# index byte. Run from the repository root after a context-format change.
set -eu
bin=$1
out=fuzz/corpus/context
rm -f "$out"/*.bin
i=0
for p in call_overflow memory_stream_pipe dyncall_nested loop_advice_flags; do
    src=vectors/programs/$p.masm
    stack=$(sed -n 's/^# stack: *//p' "$src")
    advice=$(sed -n 's/^# advice: *//p' "$src")
    for n in 3 5 13; do
        set -- contexts "$src" --fragment "$n" -o "$out/tmp.ctx"
        [ -n "$stack" ] && set -- "$@" --stack "$stack"
        [ -n "$advice" ] && set -- "$@" --advice-stack "$advice"
        "$bin" "$@"
        { printf "\\$(printf %03o "$i")"; cat "$out/tmp.ctx"; } > "$out/${p}_n$n.bin"
    done
    i=$((i + 1))
done
rm -f "$out/tmp.ctx"
