/*
 * t_exec_errors.c - programs that fail: exit status 1, one line on stderr
 * "FILE:LINE:COL: clk N: 'op': message", nothing on stdout, and no output
 * file left by `fragtrace trace -o`.
 */
#include <sys/stat.h>

#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"

typedef struct {
    const char *program;
    const char *stack;   /* --stack, or NULL */
    const char *extra;   /* one more option (with its value after a space), or NULL */
    const char *want;    /* expected stderr after "FILE:" */
} fail_case_t;

#define DIGEST_SWAP "0x2eecbc4feca29798d5d84f95bd43c70ae59bee91db81192ca35793e4d1487090"

static const fail_case_t cases[] = {
    { "begin basic_block push(2) assert(7) end end", NULL, NULL,
      "1:27: clk 2: 'assert(7)': assertion failed: s0 = 2, not 1 (error code 7)" },
    { "begin basic_block push(4294967296) push(1) u32add end end", NULL, NULL,
      "1:44: clk 3: 'u32add': operand not a u32 value (below 2^32): 4294967296 (s1) (error code 0)" },
    { "begin basic_block push(4294967296) push(4294967297) u32assert2(9) end end", NULL, NULL,
      "1:53: clk 3: 'u32assert2(9)': operands not a u32 value (below 2^32): 4294967297 (s0), "
      "4294967296 (s1) (error code 9)" },
    { "begin basic_block push(7) push(0) u32div end end", NULL, NULL,
      "1:35: clk 3: 'u32div': u32 division by zero" },
    { "begin basic_block pad inv end end", NULL, NULL, "1:23: clk 2: 'inv': inverse of zero" },
    { "begin basic_block push(4294967296) mload end end", NULL, NULL,
      "1:36: clk 2: 'mload': memory address 4294967296 is not below 2^32" },
    { "begin basic_block push(6) mloadw end end", NULL, NULL,
      "1:27: clk 2: 'mloadw': word access at address 6 in context 0 is not word-aligned" },
    { "begin basic_block advpop end end", NULL, NULL,
      "1:19: clk 1: 'advpop': the advice stack is empty" },
    { "begin basic_block advpopw end end", NULL, "--advice-stack 1,2,3",
      "1:19: clk 1: 'advpopw': the advice stack holds 3 elements; advpopw needs 4" },
    { "begin join basic_block push(8) end dyn end end", NULL, NULL,
      "1:36: clk 5: 'dyn': no procedure with digest 0x000000000000000000000000000000000000000000"
      "0000000000000000000000 (read from address 8) in the program or the host library" },
    { "begin join basic_block push(8) end dyncall end end", NULL, NULL,
      "1:36: clk 5: 'dyncall': no procedure with digest" },
    { "begin join basic_block push(9) end dyn end end", NULL, NULL,
      "1:36: clk 5: 'dyn': callee address 9 is not word-aligned" },
    { "begin join basic_block pad end external.0x0100000000000000000000000000000000000000000000"
      "000000000000000000 end end", NULL, NULL,
      "1:32: clk 4: 'external': no procedure with digest 0x01000000" },
    { "begin if.true basic_block swap end else basic_block swap end end end", "2", NULL,
      "1:7: clk 0: 'if.true': condition 2 is not 0 or 1" },
    { "begin while.true basic_block push(5) end end end", "1", NULL,
      "1:7: clk 5: 'while.true': loop condition 5 is not 0 or 1" },
    { "begin basic_block push(1) end end", NULL, NULL,
      "1:7: clk 4: 'end': the program ends with stack depth 17; it must end with exactly 16" },
    { "proc.f basic_block pad end end\nbegin call.f end", NULL, NULL,
      "2:7: clk 4: 'end': the called procedure returns with stack depth 17, not 16" },
    { "begin while.true basic_block push(1) end end end", "1", "--max-cycles 100",
      "clk 100: 'cycle': cycle limit of 100 exceeded" },
    { "begin basic_block emit end end", "5", NULL,
      "1:19: clk 1: 'emit': no event handler registered for event id 5" },
    /* map_value_to_stack with a key the advice map does not hold */
    { "begin basic_block push(17843484659000820118) emit drop end end", "1,2,3,4", NULL,
      "1:46: clk 2: 'emit': advice map has no key 0x0100000000000000020000000000000003000000000000000400000000000000" },
    /* ilog2 of zero */
    { "begin basic_block pad push(7444351342957461231) emit end end", NULL, NULL,
      "1:49: clk 3: 'emit': ilog2 of zero" },
    /* frie2f4: domain segment s9 = 4 */
    { "begin basic_block frie2f4 end end", "0,0,0,0,0,0,4,0,0,0,0,0,0,0,0,0", NULL,
      "1:19: clk 1: 'frie2f4': FRI domain segment s9 = 4 is not below 4" },
    /* frie2f4: segment 0 selects q0 = (s7, s6) = (5, 0), the previous value (s12, s11) is 0 */
    { "begin basic_block frie2f4 end end", "0,0,0,0,0,0,0,0,5,0,0,0,0,0,0,0", NULL,
      "1:19: clk 1: 'frie2f4': FRI layer folding mismatch: the previous value (0, 0) differs "
      "from query value 0 (5, 0)" },
    /* horner_eval_*: the alpha address s13 must be word-aligned and below 2^32 */
    { "begin basic_block horner_eval_base end end", "0,0,6,0,0,0,0,0,0,0,0,0,0,0,0,0", NULL,
      "1:19: clk 1: 'horner_eval_base': word access at address 6 in context 0 is not "
      "word-aligned" },
    { "begin basic_block horner_eval_ext end end", "0,0,4294967296,0,0,0,0,0,0,0,0,0,0,0,0,0",
      NULL, "1:19: clk 1: 'horner_eval_ext': memory address 4294967296 is not below 2^32" },
    /* eval_circuit [ptr, n_vars, n_evals]: the size checks in upstream's order, the reads'
       address checks, an undecodable instruction (op 3), a gate reading a wire not in yet
       (unwritten memory: instruction 0 reads wire 0), and a circuit whose last wire is not 0
       (x = (1, 0), y = 0, every gate x + y) */
    { "begin basic_block eval_circuit end end", "4,3,0", NULL,
      "1:19: clk 1: 'eval_circuit': num of variables should be word aligned and non-zero but "
      "was 3" },
    { "begin basic_block eval_circuit end end", "6,2,0", NULL,
      "1:19: clk 1: 'eval_circuit': num of evaluation gates should be word aligned and non-zero "
      "but was 6" },
    { "begin basic_block eval_circuit end end", "1073741824,2,0", NULL,
      "1:19: clk 1: 'eval_circuit': num of wires must be less than 2^30 but was 1073741826" },
    { "begin basic_block eval_circuit end end", "4,2,2", NULL,
      "1:19: clk 1: 'eval_circuit': word access at address 2 in context 0 is not word-aligned" },
    { "begin basic_block eval_circuit end end", "4,2,4294967292", NULL,
      "1:19: clk 1: 'eval_circuit': memory address 4294967296 is not below 2^32" },
    { "begin basic_block eval_circuit end end", "4,2,0", NULL,
      "1:19: clk 1: 'eval_circuit': failed to read from the wiring bus" },
    { "begin basic_block push(3458764513820540928) push(4) mstore drop eval_circuit end end",
      "4,2,0", NULL, "1:65: clk 5: 'eval_circuit': failed to decode instruction" },
    { "begin basic_block push(1) push(0) push(0) push(0) push(0) mstorew drop drop drop drop "
      "push(2305843013508661253) push(2305843013508661253) push(2305843013508661253) push(2305843013508661253) push(4) mstorew drop drop drop drop eval_circuit end end",
      "4,2,0", NULL, "1:227: clk 23: 'eval_circuit': circuit does not evaluate to zero" },
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

int main(void)
{
    tap_plan(2 * N_CASES);
    test_dir_t dir;
    test_dir_make(&dir);
    char path[600], out[600];
    test_dir_file(&dir, "p.masm", path, sizeof path);
    test_dir_file(&dir, "out.csv", out, sizeof out);
    for (int i = 0; i < N_CASES; i++) {
        FILE *f = fopen(path, "w");
        fputs(cases[i].program, f);
        fclose(f);
        char extra_opt[64] = "", extra_val[64] = "";
        if (cases[i].extra)
            sscanf(cases[i].extra, "%63s %63s", extra_opt, extra_val);
        const char *args[12];
        int k = 0;
        args[k++] = "run";
        args[k++] = path;
        if (cases[i].stack) { args[k++] = "--stack"; args[k++] = cases[i].stack; }
        if (cases[i].extra) { args[k++] = extra_opt; args[k++] = extra_val; }
        args[k] = NULL;
        run_result_t r = run_fragtrace(args);
        char want[1024];
        snprintf(want, sizeof want, "%s:%s", path, cases[i].want);
        const char *nl = strchr(r.err, '\n');
        const int ok = r.status == 1 && r.out[0] == '\0' && nl && nl[1] == '\0' &&
                       (strstr(r.err, cases[i].want) != NULL) &&
                       !strncmp(r.err, path, strlen(path));
        if (!tap_ok(ok, "run fails: %s", cases[i].want))
            tap_diag("status %d, stdout '%s', stderr: %s", r.status, r.out, r.err);
        run_free(&r);

        /* The same through `trace -o`: exit 1 and no file left behind. */
        remove(out);
        args[0] = "trace";
        args[k++] = "--sequential";
        args[k++] = "-o";
        args[k++] = out;
        args[k] = NULL;
        r = run_fragtrace(args);
        struct stat sb;
        if (!tap_ok(r.status == 1 && r.out[0] == '\0' && stat(out, &sb) != 0,
                    "trace -o fails the same way and writes no file"))
            tap_diag("status %d, stderr: %s", r.status, r.err);
        run_free(&r);
    }
    test_dir_remove(&dir);
    return tap_done();
}
