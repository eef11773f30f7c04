#!/bin/sh
# run.sh SECONDS OUTDIR [HARNESS...] - run the AFL++ campaigns (default:
# boundary, parse, context, masb) side by side for SECONDS each, from the seed corpora in fuzz/corpus/,
# then print one line per campaign (executions, paths found, crashes,
# hangs) and copy any finding to OUTDIR/findings/ (minimise it with
# afl-tmin before adding it to fuzz/regressions/). Exit 1 on any finding.
set -u
secs=$1
out=$2
shift 2
harnesses=${*:-boundary parse context masb}
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SKIP_CRASHES=1 AFL_NO_WARN_INSTABILITY=1
pids=
for h in $harnesses; do
    rm -rf "$out/out/$h"
    mkdir -p "$out/out/$h"
    dict=
    [ "$h" = parse ] && dict="-x fuzz/dict/masm.dict"
    [ "$h" = context ] && dict="-x fuzz/dict/context.dict"
    [ "$h" = masb ] && dict="-x fuzz/dict/masb.dict"
    # -t: generous per-input timeout, since the campaigns share two cores.
    afl-fuzz -V "$secs" -t 10000 -m none $dict -i "fuzz/corpus/$h" -o "$out/out/$h" \
        -- "$out/fuzz-$h" > "$out/out/$h.log" 2>&1 &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done
status=0
printf '%-10s %12s %8s %8s %6s %10s\n' harness execs paths crashes hangs execs/s
for h in $harnesses; do
    s="$out/out/$h/default/fuzzer_stats"
    if [ ! -f "$s" ]; then
        echo "$h: no fuzzer_stats; see $out/out/$h.log" >&2
        tail -20 "$out/out/$h.log" >&2
        status=1
        continue
    fi
    get() { sed -n "s/^$1 *: *//p" "$s"; }
    printf '%-10s %12s %8s %8s %6s %10s\n' "$h" "$(get execs_done)" "$(get corpus_count)" \
        "$(get saved_crashes)" "$(get saved_hangs)" "$(get execs_per_sec)"
    n=$(ls "$out/out/$h/default/crashes" "$out/out/$h/default/hangs" 2>/dev/null | grep -c id: || true)
    if [ "$n" -gt 0 ]; then
        mkdir -p "$out/findings/$h"
        cp "$out/out/$h/default/crashes/"id:* "$out/out/$h/default/hangs/"id:* "$out/findings/$h/" 2>/dev/null
        status=1
    fi
done
[ "$status" -eq 0 ] && echo "no crash, no hang, no mismatch" || echo "findings in $out/findings/" >&2
exit $status
