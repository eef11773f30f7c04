#!/bin/sh
# make_masb_seeds.sh FRAGTRACE - rewrite fuzz/corpus/masb/: each program the
# masb harness knows (fuzz/masb.c, fuzz_masb_programs, same order) compiled
# with `fragtrace compile` to a .masb, prefixed by the harness's two
# parameter bytes (byte 0: the program's index, whose stack and advice
# inputs the run takes; byte 1: fragment length and threads, varied); and,
# for four programs without a kernel, the same forest as a bare library
# (.mast: the .masb without its empty kernel and its entrypoint, i.e. the
# last 5 bytes), byte 0 with bit 7 set. Run from the repository root after
# a change to the writer or to the programs. No file of ../shared is used.
set -eu
bin=$1
out=fuzz/corpus/masb
mkdir -p "$out"
rm -f "$out"/*.masb "$out"/*.mast
byte() { printf "\\$(printf %03o "$1")"; }
i=0
for p in call_simple calls_nested dyn_computed dyncall_nested dyncall_library \
         external_hex kernel_caller syscall_from_call loop_advice_flags \
         memory_stream_pipe u32_arith hperm_clk block_multi_batch loop_with_split \
         ops_advice field_arith; do
    "$bin" compile "vectors/programs/$p.masm" -o "$out/tmp.masb"
    par=$(( (i * 5) % 16 + 16 * (i % 3) ))
    { byte "$i"; byte "$par"; cat "$out/tmp.masb"; } > "$out/$p.masb"
    case $p in
    call_simple|calls_nested|dyn_computed|dyncall_library)
        n=$(wc -c < "$out/tmp.masb")
        # the kernel count (a u8) must be 0: 5 bytes from the end
        k=$(tail -c 5 "$out/tmp.masb" | head -c 1 | od -An -tu1 | tr -d ' ')
        [ "$k" = 0 ] || { echo "$p: has a kernel" >&2; exit 1; }
        { byte $((128 + i)); byte "$par"; head -c $((n - 5)) "$out/tmp.masb"; } > "$out/$p.mast"
        ;;
    esac
    i=$((i + 1))
done
rm -f "$out/tmp.masb"
