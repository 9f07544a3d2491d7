// SPDX-License-Identifier: Apache-2.0
// `seedchip demo`: what `make run` shows — SeedChip-1 described and set against the H200.
#include <string.h>

#include "chip_print.h"
#include "cli.h"
#include "compiler/gemm.h"
#include "sim/sim.h"

static void compare_row(const char *what, double a, double b, const char *unit) {
    printf("  %-28s %12.1f %12.1f %8.2fx  %s\n", what, a, b, b > 0 ? a / b : 0.0, unit);
}

static void compare(const sc_chip *sc, const sc_chip *ref) {
    sc_chip_summary a, b;
    sc_chip_summarize(sc, &a);
    sc_chip_summarize(ref, &b);
    printf("\n%s vs %s\n  %-28s %12s %12s %9s\n", a.name, b.name, "", a.name, b.name, "ratio");
    compare_row("dense BF16 TFLOP/s", a.peak_tflops[SC_DTYPE_BF16], b.peak_tflops[SC_DTYPE_BF16],
                "");
    compare_row("dense FP8 TFLOP/s", a.peak_tflops[SC_DTYPE_FP8_E4M3],
                b.peak_tflops[SC_DTYPE_FP8_E4M3], "");
    compare_row("HBM bandwidth", a.hbm_bandwidth_gbs, b.hbm_bandwidth_gbs, "GB/s");
    compare_row("HBM capacity", a.hbm_capacity_gb, b.hbm_capacity_gb, "GB");
    compare_row("on-chip SRAM", a.sram_total_mib, b.sram_total_mib, "MiB");
    compare_row("ridge point", a.ridge_flop_per_byte, b.ridge_flop_per_byte, "FLOP/byte");
    compare_row("TDP", a.tdp_w, b.tdp_w, "W");
    compare_row("BF16 TFLOP/s per kW", 1000 * a.peak_tflops[SC_DTYPE_BF16] / a.tdp_w,
                1000 * b.peak_tflops[SC_DTYPE_BF16] / b.tdp_w, "");
    compare_row("HBM GB/s per kW", 1000 * a.hbm_bandwidth_gbs / a.tdp_w,
                1000 * b.hbm_bandwidth_gbs / b.tdp_w, "");
}

/* One GEMM through the executor in timing mode; returns 0 and fills st, or -1 (printed). */
static int run_gemm(const sc_chip *c, uint64_t m, uint64_t n, uint64_t k, sc_sim_stats *st) {
    sc_gemm_params gp = sc_gemm_default_params();
    gp.m = m, gp.n = n, gp.k = k;
    sc_program *p = NULL;
    sc_sim *s = NULL;
    sc_err err = {0};
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    int rc = sc_gemm_build(c, &gp, &p, NULL, &err) == SC_OK &&
                     sc_sim_create(c, &sp, &s, &err) == SC_OK &&
                     sc_sim_run(s, p, NULL, 0, &err) == SC_OK
                 ? 0
                 : -1;
    if (rc == 0)
        sc_sim_get_stats(s, st);
    else
        fprintf(stderr, "seedchip demo: gemm on %s: %s\n", c->name, err.msg);
    sc_sim_destroy(s);
    sc_program_destroy(p);
    return rc;
}

/* The same compiled-program path on both chips: a prefill-like square GEMM and a decode-like
 * (batch 64) projection, timed by the executor (HBM through the DRAM model). */
static int compare_gemm(const sc_chip *a, const sc_chip *b) {
    static const uint64_t SHAPES[][3] = {{2048, 2048, 2048}, {64, 8192, 8192}};
    static const char *WHAT[] = {"prefill-like", "decode-like"};
    printf("\nBF16 GEMM through the executor (timing mode)\n  %-30s %22s %22s %8s\n", "", a->name,
           b->name, "speedup");
    for (size_t i = 0; i < SC_ARRAY_LEN(SHAPES); i++) {
        sc_sim_stats x, y;
        if (run_gemm(a, SHAPES[i][0], SHAPES[i][1], SHAPES[i][2], &x) ||
            run_gemm(b, SHAPES[i][0], SHAPES[i][1], SHAPES[i][2], &y))
            return CLI_EXIT_FAIL;
        char label[64];
        snprintf(label, sizeof label, "%llux%llux%llu %s", (unsigned long long)SHAPES[i][0],
                 (unsigned long long)SHAPES[i][1], (unsigned long long)SHAPES[i][2], WHAT[i]);
        printf("  %-30s %9.1f us %6.0f TF/s %9.1f us %6.0f TF/s %7.2fx\n", label, x.seconds * 1e6,
               x.flops / x.seconds / 1e12, y.seconds * 1e6, y.flops / y.seconds / 1e12,
               y.seconds / x.seconds);
    }
    printf("  (GPU configs keep C tiles in shared memory, not registers: their GEMM tiles are\n"
           "   smaller than cuBLAS's, so the square case understates them; see docs/SIM.md)\n");
    return CLI_EXIT_OK;
}

int cmd_demo(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: seedchip demo [--chip NAME] [--vs NAME]\n\n"
               "The default demonstration (`make run`): describes the chip and compares it\n"
               "with a reference machine.\n");
        return CLI_EXIT_OK;
    }
    const char *chip_name = "seedchip-1", *ref_name = "h200-sxm";
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r = cli_opt_value("demo", argc, argv, &i, "--chip", &v);
        if (r == 1) {
            chip_name = v;
            continue;
        }
        if (r < 0) return CLI_EXIT_USAGE;
        r = cli_opt_value("demo", argc, argv, &i, "--vs", &v);
        if (r == 1) {
            ref_name = v;
            continue;
        }
        if (r < 0) return CLI_EXIT_USAGE;
        return cli_error("demo", "unknown option '%s'", argv[i]);
    }
    sc_chip *chip = cli_load_chip("demo", chip_name, NULL);
    if (!chip) return CLI_EXIT_USAGE;
    sc_chip *ref = cli_load_chip("demo", ref_name, NULL);
    if (!ref) {
        sc_chip_destroy(chip);
        return CLI_EXIT_USAGE;
    }
    printf("== SeedChip demo ==\n\n");
    chip_print_text(stdout, chip);
    compare(chip, ref);
    int rc = compare_gemm(chip, ref);
    sc_chip_destroy(chip);
    sc_chip_destroy(ref);
    return rc;
}
