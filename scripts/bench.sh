#!/bin/sh
# bench.sh FRAGTRACE SHARED - the benchmark of `make bench`: `fragtrace bench`
# on upstream's fib workload and on the two 2^20-cycle workloads of
# vectors/programs/ (memory-heavy, call-heavy), inputs from their headers.
set -eu
bin=$1
shared=$2
echo "# fragtrace bench on $(nproc) CPUs, $(date -u +%Y-%m-%d)"
if [ -f "$shared/bench/fib.masm" ]; then
    "$bin" bench "$shared/bench/fib.masm" --stack 0,1,100000,1
else
    echo "# $shared/bench/fib.masm is absent: skipped"
fi
for p in bench_memory bench_calls; do
    src=vectors/programs/$p.masm
    stack=$(sed -n 's/^# stack: *//p' "$src")
    set -- bench "$src"
    [ -n "$stack" ] && set -- "$@" --stack "$stack"
    "$bin" "$@"
done
