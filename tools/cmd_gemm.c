// SPDX-License-Identifier: Apache-2.0
// `seedchip gemm M N K`: generates a tiled multi-core GEMM, runs it on the executor, checks it.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compiler/gemm.h"
#include "numerics/numerics.h"
#include "sim/sim.h"

static const char *USAGE =
    "usage: seedchip gemm M N K [options]\n\n"
    "Generates C[M x N] = A[M x K] * B[K x N] as a tiled multi-core SeedChip program and runs "
    "it.\n\n"
    "  --dtype T          input type: bf16 (default), fp16, fp8, fp8_e5m2, int8, fp32\n"
    "  --chip NAME|FILE   chip config (default seedchip-1)\n"
    "  --mode M           functional | timing (default) | both\n"
    "  --check            compare C with a plain C reference (needs functional or both)\n"
    "  --cores N          use at most N cores (default: all)\n"
    "  --splitk S         cut K into S slices run on different cores, then sum the fp32\n"
    "                     partials (split-K, for outputs with fewer tiles than cores)\n"
    "  --seed N           seed of the pseudo-random A and B (default 1)\n"
    "  --json             machine-readable summary on stdout\n"
    "  --report FILE      full executor statistics (JSON) to FILE\n"
    "  --trace FILE       Chrome/Perfetto trace (JSON) to FILE\n"
    "  --set KEY=VALUE    override a chip config key\n";

typedef struct gemm_opts {
    uint64_t m, n, k;
    sc_dtype dtype;
    const char *chip, *report, *trace;
    sc_sim_mode mode;
    int check, json, cores, splitk;
    uint64_t seed;
    cli_overrides ov;
} gemm_opts;

static int parse_mode(const char *v, sc_sim_mode *out) {
    if (strcmp(v, "functional") == 0)
        *out = SC_SIM_FUNCTIONAL;
    else if (strcmp(v, "timing") == 0)
        *out = SC_SIM_TIMING;
    else if (strcmp(v, "both") == 0)
        *out = SC_SIM_BOTH;
    else
        return cli_error("gemm", "--mode: '%s' is not functional, timing or both", v), -1;
    return 0;
}

/* One option at argv[*i]: 1 consumed, 0 unknown, -1 error (printed). */
static int parse_one(gemm_opts *o, int argc, char **argv, int *i) {
    const char *v = NULL;
    long long n;
    int r;
    if (strcmp(argv[*i], "--check") == 0) return o->check = 1;
    if (strcmp(argv[*i], "--json") == 0) return o->json = 1;
    if ((r = cli_opt_set("gemm", argc, argv, i, &o->ov)) != 0) return r;
#define OPT(name) ((r = cli_opt_value("gemm", argc, argv, i, name, &v)) != 0)
    if (OPT("--chip")) return r < 0 ? -1 : (o->chip = v, 1);
    if (OPT("--report")) return r < 0 ? -1 : (o->report = v, 1);
    if (OPT("--trace")) return r < 0 ? -1 : (o->trace = v, 1);
    if (OPT("--mode")) return r < 0 || parse_mode(v, &o->mode) ? -1 : 1;
    if (OPT("--dtype")) {
        if (r < 0) return -1;
        if (sc_dtype_from_name(v, &o->dtype) != SC_OK || o->dtype == SC_DTYPE_INT4 ||
            o->dtype == SC_DTYPE_INT32 || o->dtype == SC_DTYPE_FP64) /* no fp64 MMA */
            return cli_error("gemm", "--dtype: '%s' is not bf16, fp16, fp8, fp8_e5m2, int8 or fp32",
                             v),
                   -1;
        return 1;
    }
    if (OPT("--cores")) {
        if (r < 0 || cli_parse_int("gemm", "--cores", v, 1, 4096, &n)) return -1;
        return (o->cores = (int)n), 1;
    }
    if (OPT("--splitk")) {
        if (r < 0 || cli_parse_int("gemm", "--splitk", v, 1, 4096, &n)) return -1;
        return (o->splitk = (int)n), 1;
    }
    if (OPT("--seed")) {
        if (r < 0 || cli_parse_int("gemm", "--seed", v, 0, INT64_MAX, &n)) return -1;
        return (o->seed = (uint64_t)n), 1;
    }
#undef OPT
    return 0;
}

static int parse_args(gemm_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->dtype = SC_DTYPE_BF16;
    o->chip = "seedchip-1";
    o->mode = SC_SIM_TIMING;
    o->seed = 1;
    uint64_t *dims[3] = {&o->m, &o->n, &o->k};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || (argv[i][1] >= '0' && argv[i][1] <= '9')) {
            long long v;
            if (npos >= 3) return cli_error("gemm", "unexpected argument '%s'", argv[i]);
            static const char *NAMES[] = {"M", "N", "K"};
            if (cli_parse_int("gemm", NAMES[npos], argv[i], 1, 1 << 20, &v)) return CLI_EXIT_USAGE;
            *dims[npos++] = (uint64_t)v;
            continue;
        }
        int r = parse_one(o, argc, argv, &i);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 0) return cli_error("gemm", "unknown option '%s' (see --help)", argv[i]);
    }
    if (npos != 3) return cli_error("gemm", "give M N K (see --help)");
    if (o->check && o->mode == SC_SIM_TIMING)
        return cli_error("gemm", "--check needs --mode functional or both");
    /* Functional runs hold A, B and C on the host twice (inputs + device pages): keep it sane. */
    double bytes = ((double)o->m * o->k + (double)o->k * o->n) * sc_dtype_size(o->dtype) +
                   (double)o->m * o->n * 4;
    if (o->mode != SC_SIM_TIMING && bytes > 4e9)
        return cli_error("gemm",
                         "%.1f GB of operands is too much data for --mode %s; use --mode "
                         "timing",
                         bytes / 1e9, o->mode == SC_SIM_BOTH ? "both" : "functional");
    return CLI_EXIT_OK;
}

/* ---- data and reference ---- */

static uint64_t next_rand(uint64_t *s) {
    *s += 0x9E3779B97F4A7C15ull;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Values in [-2, 2) (ints in [-8, 8)), then stored in the dtype with the chip's rounding. */
static void fill(unsigned char *buf, uint64_t n, sc_dtype t, uint64_t *seed) {
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = next_rand(seed);
        float x = t == SC_DTYPE_INT8 ? (float)((int)(r % 16) - 8)
                                     : ((float)(r >> 40) / 16777216.0f * 4.0f - 2.0f);
        sc_store_elem(t, buf, (size_t)i, x);
    }
}

/* The reference rules: products rounded to fp32, summed in ascending k (int8: int32 wrapping);
 * with split-K each slice of kslice is summed so, then the slices' sums in slice order. */
static uint64_t check_result(const gemm_opts *o, uint64_t kslice, const unsigned char *a,
                             const unsigned char *b, const unsigned char *c) {
    uint64_t bad = 0;
    float *col = malloc(o->k * sizeof *col);
    if (!col) return o->m * o->n;
    for (uint64_t j = 0; j < o->n; j++) {
        for (uint64_t kk = 0; kk < o->k; kk++)
            col[kk] = sc_load_elem(o->dtype, b, kk * o->n + j);
        for (uint64_t i = 0; i < o->m; i++) {
            uint32_t bits;
            if (o->dtype == SC_DTYPE_INT8) {
                uint32_t acc = 0;
                for (uint64_t kk = 0; kk < o->k; kk++)
                    acc += (uint32_t)((int8_t)a[i * o->k + kk] * (int32_t)col[kk]);
                bits = acc;
            } else {
                float total = 0;
                for (uint64_t k0 = 0; k0 < o->k; k0 += kslice) {
                    float acc = 0;
                    for (uint64_t kk = k0; kk < o->k && kk < k0 + kslice; kk++) {
                        float p = sc_load_elem(o->dtype, a, i * o->k + kk) * col[kk];
                        acc = acc + p;
                    }
                    total = k0 ? total + acc : acc;
                }
                memcpy(&bits, &total, 4);
            }
            if (memcmp(&bits, c + 4 * (i * o->n + j), 4) != 0) bad++;
        }
    }
    free(col);
    return bad;
}

/* ---- run ---- */

typedef struct gemm_run {
    sc_gemm_plan plan;
    sc_sim_stats st;
    double peak_flops, hbm_bw, roofline_s;
    int checked;
    uint64_t mismatches;
    double host_s; /* wall time of the executor run (bench/sim) */
    char *report, *trace;
} gemm_run;

static int load_inputs(const gemm_opts *o, sc_sim *s, const sc_gemm_plan *pl, unsigned char **a,
                       unsigned char **b) {
    size_t es = sc_dtype_size(o->dtype);
    *a = malloc(o->m * o->k * es);
    *b = malloc(o->k * o->n * es);
    if (!*a || !*b) return cli_error("gemm", "out of memory for A and B");
    uint64_t seed = o->seed;
    fill(*a, o->m * o->k, o->dtype, &seed);
    fill(*b, o->k * o->n, o->dtype, &seed);
    sc_err err = {0};
    if (sc_sim_write(s, 0, SC_SPACE_HBM, 0, pl->a_offset, *a, o->m * o->k * es, &err) != SC_OK ||
        sc_sim_write(s, 0, SC_SPACE_HBM, 0, pl->b_offset, *b, o->k * o->n * es, &err) != SC_OK)
        return cli_error("gemm", "%s", err.msg);
    return CLI_EXIT_OK;
}

static int verify(const gemm_opts *o, sc_sim *s, gemm_run *r, const unsigned char *a,
                  const unsigned char *b) {
    unsigned char *c = malloc(o->m * o->n * 4);
    if (!c) return cli_error("gemm", "out of memory for C");
    sc_err err = {0};
    if (sc_sim_read(s, 0, SC_SPACE_HBM, 0, r->plan.c_offset, c, o->m * o->n * 4, &err) != SC_OK) {
        free(c);
        return cli_error("gemm", "%s", err.msg);
    }
    r->mismatches = check_result(o, r->plan.kslice ? r->plan.kslice : o->k, a, b, c);
    r->checked = 1;
    free(c);
    return CLI_EXIT_OK;
}

static int execute(const gemm_opts *o, const sc_chip *chip, const sc_program *p, gemm_run *r) {
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = o->mode;
    sp.trace = o->trace != NULL;
    sc_sim *s = NULL;
    sc_err err = {0};
    if (sc_sim_create(chip, &sp, &s, &err) != SC_OK) return cli_error("gemm", "%s", err.msg);
    unsigned char *a = NULL, *b = NULL;
    int rc = CLI_EXIT_OK;
    if (o->mode != SC_SIM_TIMING) rc = load_inputs(o, s, &r->plan, &a, &b);
    double t0 = sc_now_seconds();
    if (rc == CLI_EXIT_OK && sc_sim_run(s, p, NULL, 0, &err) != SC_OK) {
        fprintf(stderr, "seedchip gemm: %s\n", err.msg);
        rc = CLI_EXIT_FAIL;
    }
    r->host_s = sc_now_seconds() - t0;
    if (rc == CLI_EXIT_OK) {
        sc_sim_get_stats(s, &r->st);
        if (o->check) rc = verify(o, s, r, a, b);
        if (o->report) r->report = sc_sim_stats_json(s);
        if (o->trace) r->trace = sc_sim_trace_json(s);
    }
    free(a);
    free(b);
    sc_sim_destroy(s);
    return rc;
}

static cJSON *summary(const gemm_opts *o, const sc_chip *chip, const gemm_run *r) {
    const sc_sim_stats *st = &r->st;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "chip", chip->name);
    cJSON_AddNumberToObject(j, "m", (double)o->m);
    cJSON_AddNumberToObject(j, "n", (double)o->n);
    cJSON_AddNumberToObject(j, "k", (double)o->k);
    cJSON_AddStringToObject(j, "dtype", sc_dtype_name(o->dtype));
    static const char *MODES[] = {"", "functional", "timing", "both"};
    cJSON_AddStringToObject(j, "mode", MODES[o->mode]);
    cJSON_AddNumberToObject(j, "cycles", (double)st->cycles);
    cJSON_AddNumberToObject(j, "seconds", st->seconds);
    double tflops = st->seconds > 0 ? r->plan.flops / st->seconds / 1e12 : 0;
    cJSON_AddNumberToObject(j, "tflops", tflops);
    cJSON_AddNumberToObject(j, "peak_tflops", r->peak_flops / 1e12);
    cJSON_AddNumberToObject(j, "utilization",
                            r->peak_flops > 0 ? tflops * 1e12 / r->peak_flops : 0);
    cJSON_AddNumberToObject(j, "roofline_seconds", r->roofline_s);
    cJSON_AddNumberToObject(j, "hbm_bytes", st->bytes_hbm_read + st->bytes_hbm_write);
    cJSON_AddNumberToObject(j, "hbm_bandwidth_gbs", st->hbm_bandwidth_gbs);
    cJSON_AddNumberToObject(j, "hbm_row_hit_rate", st->hbm_row_hit_rate);
    cJSON_AddNumberToObject(j, "energy_j", st->energy_total);
    cJSON_AddNumberToObject(j, "insns", (double)st->insns);
    cJSON_AddNumberToObject(j, "cores", r->plan.cores);
    cJSON_AddNumberToObject(j, "splitk", r->plan.splitk);
    cJSON_AddNumberToObject(j, "host_seconds", r->host_s);
    cJSON_AddNumberToObject(j, "sim_insns_per_second", r->host_s > 0 ? st->insns / r->host_s : 0);
    cJSON_AddNumberToObject(j, "sim_cycles_per_second",
                            r->host_s > 0 ? (double)st->cycles / r->host_s : 0);
    cJSON *t = cJSON_AddArrayToObject(j, "tile");
    cJSON_AddItemToArray(t, cJSON_CreateNumber(r->plan.tm));
    cJSON_AddItemToArray(t, cJSON_CreateNumber(r->plan.tn));
    cJSON_AddItemToArray(t, cJSON_CreateNumber(r->plan.tk));
    if (r->checked) {
        cJSON_AddBoolToObject(j, "check_passed", r->mismatches == 0);
        cJSON_AddNumberToObject(j, "mismatches", (double)r->mismatches);
    }
    return j;
}

static void print_text(const gemm_opts *o, const sc_chip *chip, const gemm_run *r) {
    const sc_sim_stats *st = &r->st;
    double tflops = st->seconds > 0 ? r->plan.flops / st->seconds / 1e12 : 0;
    printf("gemm %llux%llux%llu %s on %s (%d cores, tile %ux%ux%u", (unsigned long long)o->m,
           (unsigned long long)o->n, (unsigned long long)o->k, sc_dtype_name(o->dtype), chip->name,
           r->plan.cores, r->plan.tm, r->plan.tn, r->plan.tk);
    if (r->plan.splitk > 1) printf(", split-K %u", r->plan.splitk);
    printf(")\n");
    if (o->mode != SC_SIM_FUNCTIONAL) {
        printf("  %.6g s (%llu cycles), %.1f TFLOP/s = %.1f%% of %.1f peak; roofline %.6g s\n",
               st->seconds, (unsigned long long)st->cycles, tflops,
               r->peak_flops > 0 ? 100 * tflops * 1e12 / r->peak_flops : 0, r->peak_flops / 1e12,
               r->roofline_s);
        printf("  HBM %.3g GB at %.0f GB/s (row hits %.0f%%), energy %.4g J\n",
               (st->bytes_hbm_read + st->bytes_hbm_write) / 1e9, st->hbm_bandwidth_gbs,
               100 * st->hbm_row_hit_rate, st->energy_total);
    }
    if (r->checked)
        printf("  check: %s (%llu of %llu elements differ)\n", r->mismatches ? "FAILED" : "passed",
               (unsigned long long)r->mismatches, (unsigned long long)(o->m * o->n));
}

static int write_files(const gemm_opts *o, const gemm_run *r) {
    if (o->report && cli_write_output("gemm", o->report, r->report, strlen(r->report)))
        return CLI_EXIT_USAGE;
    if (o->trace && cli_write_output("gemm", o->trace, r->trace, strlen(r->trace)))
        return CLI_EXIT_USAGE;
    return CLI_EXIT_OK;
}

static int emit(const gemm_opts *o, const sc_chip *chip, gemm_run *r) {
    sc_chip_summary su;
    sc_chip_summarize(chip, &su);
    r->peak_flops = sc_chip_peak_flops(chip, o->dtype);
    r->hbm_bw = su.hbm_bandwidth_gbs * 1e9;
    r->roofline_s = SC_MAX(r->peak_flops > 0 ? r->plan.flops / r->peak_flops : 0,
                           r->plan.compulsory_bytes / r->hbm_bw);
    int rc = write_files(o, r);
    if (rc != CLI_EXIT_OK) return rc;
    if (o->json) {
        cJSON *j = summary(o, chip, r);
        char *text = cJSON_Print(j);
        if (text) printf("%s\n", text);
        free(text);
        cJSON_Delete(j);
    } else {
        print_text(o, chip, r);
    }
    return r->checked && r->mismatches ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cmd_gemm(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(USAGE, stdout);
        return CLI_EXIT_OK;
    }
    gemm_opts o;
    int rc = parse_args(&o, argc, argv);
    if (rc != CLI_EXIT_OK) return rc;
    sc_chip *chip = cli_load_chip("gemm", o.chip, &o.ov);
    if (!chip) return CLI_EXIT_USAGE;
    sc_gemm_params gp = sc_gemm_default_params();
    gp.m = o.m, gp.n = o.n, gp.k = o.k, gp.in_dtype = o.dtype, gp.cores = o.cores;
    gp.splitk = (uint32_t)o.splitk;
    sc_program *p = NULL;
    gemm_run r;
    memset(&r, 0, sizeof r);
    sc_err err = {0};
    if (sc_gemm_build(chip, &gp, &p, &r.plan, &err) != SC_OK) {
        sc_chip_destroy(chip);
        return cli_error("gemm", "%s", err.msg);
    }
    rc = execute(&o, chip, p, &r);
    if (rc == CLI_EXIT_OK) rc = emit(&o, chip, &r);
    free(r.report);
    free(r.trace);
    sc_program_destroy(p);
    sc_chip_destroy(chip);
    return rc;
}
