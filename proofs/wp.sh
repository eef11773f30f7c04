#!/bin/sh
# proofs/wp.sh - run Frama-C WP over each proven module and print TAP: one
# test per module, "ok" only when every goal is proved and the module has
# at least as many goals as proofs/goals.tsv records (a drop fails).
# Logs: build/verify/MODULE.log. Settings: proofs/README.md.
set -u

TIMEOUT=${WP_TIMEOUT:-30}
PAR=${WP_PAR:-2}
LOGDIR=build/verify
mkdir -p "$LOGDIR"

# module | files | functions to prove (empty: all defined in the files).
# The field's static inline functions are proved in "field"; the other
# modules name their own functions so that goals are not counted twice.
# (With a function list WP skips lemmas: modules with lemmas of their own,
# field and partition, are run without one.)
MODULES='field|src/field/felt.c|
hash|src/hash/rpo.c src/hash/rpo_constants.c|apply_mds,sbox,rpo_permute,digest_of,rpo_hash_elements,rpo_merge_in_domain,rpo_merge,rpo_coin_init,rpo_coin_draw,rpo_constants_check
mast|src/mast/batch.c|push_op,pad_if_needed,seal_group,finalize_group,start_batch,can_accept,add_op,close_batch,batch_valid,batch_ops
exec|src/exec/opstack.c src/exec/addr.c|opstack_init,opstack_push,opstack_pop,opstack_start_context,opstack_end_context,opstack_depth,opstack_b1,mem_addr_check
trace|src/trace/row_writer.c|trace_write_row,trace_write_column_run
partition|src/trace/partition.c|'

count=$(printf '%s\n' "$MODULES" | grep -c '|')
echo "1..$count"
n=0 all_proved=0 all_total=0 failed=0
printf '%s\n' "$MODULES" | {
while IFS='|' read -r name files fcts; do
    n=$((n + 1))
    log="$LOGDIR/$name.log"
    start=$(date +%s)
    fct_opt=""
    [ -n "$fcts" ] && fct_opt="-wp-fct $fcts"
    # shellcheck disable=SC2086
    frama-c -wp -wp-rte -wp-init-const -warn-unsigned-overflow -warn-unsigned-downcast \
        -wp-prover z3,cvc4 -wp-timeout "$TIMEOUT" -wp-par "$PAR" \
        -cpp-extra-args="-Isrc" $fct_opt $files >"$log" 2>&1
    status=$?
    secs=$(( $(date +%s) - start ))
    line=$(grep 'Proved goals:' "$log" | tail -n 1)
    proved=$(echo "$line" | sed -n 's/.*Proved goals: *\([0-9]*\) *\/ *\([0-9]*\).*/\1/p')
    total=$(echo "$line" | sed -n 's/.*Proved goals: *\([0-9]*\) *\/ *\([0-9]*\).*/\2/p')
    expect=$(awk -v m="$name" '$1 == m { print $2 }' proofs/goals.tsv 2>/dev/null)
    : "${proved:=0}" "${total:=0}" "${expect:=0}"
    all_proved=$((all_proved + proved))
    all_total=$((all_total + total))
    if [ "$status" -eq 0 ] && [ "$total" -gt 0 ] && [ "$proved" -eq "$total" ] && [ "$total" -ge "$expect" ]; then
        echo "ok $n - $name: $proved/$total goals proved in ${secs}s"
    else
        failed=$((failed + 1))
        echo "not ok $n - $name: $proved/$total goals proved (goals.tsv expects $expect; frama-c exit $status) in ${secs}s"
        grep -E 'Failed|Timeout|Unknown|error|Error' "$log" | head -n 20 | sed 's/^/# /'
        echo "# full log: $log"
    fi
done
echo "# make verify: $all_proved/$all_total goals proved in $count modules"
[ "$failed" -eq 0 ]
}
