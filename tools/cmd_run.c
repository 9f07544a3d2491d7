// SPDX-License-Identifier: Apache-2.0
// `seedchip run`: runs an ONNX model or compiled .scb on the simulated chip with tensor files.
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "frontends/onnx/onnx_load.h"
#include "runtime/onnx_runtime.h"
#include "runtime/onnx_testdata.h"
#include "util/util.h"

#define CMD            "run"
#define RUN_MAX_INPUTS 64

int onnx_cli_precision(const char *cmd, const char *v, sc_dtype *out);
int onnx_cli_default_inputs(const char *model, sc_tensor **in, int *n);
int onnx_cli_calib(const char *cmd, const char *const *paths, int n_paths, int n_inputs,
                   sc_tensor **sets, int *n_sets);
int onnx_cli_input_opt(const char *cmd, const char *v, char **names, const char **files, int *n,
                       int max);
int onnx_cli_named_inputs(const char *cmd, char *const *names, int n, char *const *in_names,
                          const char *const *in_files, int n_in, sc_tensor **in, int *ni);

static void usage(void) {
    printf("usage: seedchip run MODEL.onnx|MODEL.scb [--input NAME=FILE]... [--outdir DIR]\n"
           "                      [--chip NAME] [--mode functional|timing|both] [--precision P]\n"
           "                      [--cores N] [--report stats.json] [--trace trace.json]\n"
           "                      [--calib PATH]... [--skip-pass LIST] [--tile-search]\n\n"
           "Compiles (for .onnx) and runs the model on the simulated chip. Inputs are ONNX\n"
           "TensorProto .pb or NumPy .npy files; without --input they are read from\n"
           "test_data_set_0/input_K.pb beside the model. Outputs are written as DIR/output_K.pb\n"
           "and DIR/output_K.npy (K = graph output order; default DIR is the current directory).\n"
           "Prints cycles, time, utilisation and energy (timing and both modes; functional\n"
           "mode runs no timing model and prints the instruction count).\n\n"
           "  --input NAME=FILE   tensor for graph input NAME (repeatable)\n"
           "  --outdir DIR        where outputs go (functional and both modes)\n"
           "  --chip NAME         chip config (default seedchip-1)\n"
           "  --mode M            functional (default), timing or both\n"
           "  --precision P       MMA operand type: fp32 (default), bf16, fp16, fp8, int8\n"
           "  --cores N           cores to use (default: all)\n"
           "  --calib PATH        int8 calibration data (repeatable): a directory with\n"
           "                      input_K.pb/.npy, a directory of such directories, or one\n"
           "                      tensor file; default: the run's own inputs (docs/COMPILER.md)\n"
           "  --skip-pass LIST    leave out fusion passes (comma-separated fuse-* names)\n"
           "  --tile-search       time MatMul/Gemm tile candidates, keep the fastest\n"
           "  --report FILE       executor statistics as JSON\n"
           "  --trace FILE        Chrome/Perfetto trace of the run\n");
}

typedef struct run_opts {
    const char *model, *outdir, *chip, *report, *trace, *skip;
    char *in_names[RUN_MAX_INPUTS];
    const char *in_files[RUN_MAX_INPUTS];
    const char *calib[RUN_MAX_INPUTS];
    int n_in, cores, n_calib, tile_search;
    sc_sim_mode mode;
    sc_dtype precision;
} run_opts;

static int parse(int argc, char **argv, run_opts *o) {
    const char *v;
    for (int i = 1; i < argc; i++) {
        int r;
        long long n;
        if ((r = cli_opt_value(CMD, argc, argv, &i, "--input", &v))) {
            if (r < 0 ||
                onnx_cli_input_opt(CMD, v, o->in_names, o->in_files, &o->n_in, RUN_MAX_INPUTS))
                return -1;
        } else if (!strcmp(argv[i], "--tile-search")) {
            o->tile_search = 1;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--skip-pass", &v))) {
            if (r < 0) return -1;
            o->skip = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--calib", &v))) {
            if (r < 0) return -1;
            if (o->n_calib == RUN_MAX_INPUTS) return cli_error(CMD, "too many --calib options"), -1;
            o->calib[o->n_calib++] = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--outdir", &v))) {
            if (r < 0) return -1;
            o->outdir = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--chip", &v))) {
            if (r < 0) return -1;
            o->chip = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--report", &v))) {
            if (r < 0) return -1;
            o->report = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--trace", &v))) {
            if (r < 0) return -1;
            o->trace = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--mode", &v))) {
            if (r < 0) return -1;
            if (!strcmp(v, "functional"))
                o->mode = SC_SIM_FUNCTIONAL;
            else if (!strcmp(v, "timing"))
                o->mode = SC_SIM_TIMING;
            else if (!strcmp(v, "both"))
                o->mode = SC_SIM_BOTH;
            else
                return cli_error(CMD, "--mode: '%s' is not functional, timing or both", v), -1;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--precision", &v))) {
            if (r < 0 || onnx_cli_precision(CMD, v, &o->precision)) return -1;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--cores", &v))) {
            if (r < 0 || cli_parse_int(CMD, "--cores", v, 1, 1024, &n)) return -1;
            o->cores = (int)n;
        } else if (argv[i][0] == '-') {
            return cli_error(CMD, "unknown option '%s' (see seedchip run --help)", argv[i]), -1;
        } else if (o->model) {
            return cli_error(CMD, "more than one model ('%s' and '%s')", o->model, argv[i]), -1;
        } else
            o->model = argv[i];
    }
    if (!o->model) return cli_error(CMD, "no model (usage: seedchip run MODEL.onnx|MODEL.scb)"), -1;
    return 0;
}

/* Loads the program: compile the loaded .onnx graph *g (specialised to the inputs; the compile
 * takes it and clears *g) or parse an .scb (g NULL). */
static int load_program(const run_opts *o, const sc_chip *chip, sc_ir_graph **g,
                        const sc_tensor *in, int ni, sc_compiled **cc) {
    sc_err err = {0};
    if (g) {
        sc_onnx_compile_params cp = sc_onnx_compile_default_params();
        cp.cg.precision = o->precision, cp.cg.cores = o->cores, cp.inputs = in, cp.n_inputs = ni;
        sc_tensor *cal = NULL;
        int ncal = 0, rc = 0;
        if (onnx_cli_calib(CMD, o->calib, o->n_calib, ni, &cal, &ncal)) return -1;
        sc_ir_graph *owned = *g;
        *g = NULL;
        cp.calib = cal, cp.n_calib = ncal, cp.skip_passes = o->skip;
        sc_strbuf tl;
        sc_strbuf_init(&tl);
        cp.tile_search = o->tile_search, cp.tile_log = &tl;
        if (sc_onnx_compile_graph(chip, owned, &cp, cc, &err) != SC_OK)
            rc = cli_error(CMD, "%s: %s", o->model, err.msg);
        else if (tl.len)
            fwrite(tl.data, 1, tl.len, stdout);
        sc_strbuf_free(&tl);
        sc_tensor_array_free(cal, ncal * ni);
        return rc;
    }
    unsigned char *bin = NULL;
    size_t len = 0;
    sc_program *p = NULL;
    if (sc_read_file(o->model, 1u << 30, &bin, &len, &err) != SC_OK)
        return cli_error(CMD, "%s", err.msg);
    sc_status st = sc_program_parse(bin, len, &p, &err);
    free(bin);
    if (st == SC_OK) st = sc_compiled_from_program(p, cc, &err);
    if (st != SC_OK) {
        if (!*cc) sc_program_destroy(p);
        return cli_error(CMD, "%s: %s", o->model, err.msg);
    }
    return 0;
}

/* Input tensors: --input NAME=FILE in model order, or the default test data. The names of an
 * .onnx's inputs come from its loaded graph g (a compile would need the shapes first); those of
 * an .scb from its I/O table. */
static int gather_inputs(const run_opts *o, const sc_compiled *scb, const sc_ir_graph *g,
                         sc_tensor **in, int *ni) {
    if (!o->n_in) return onnx_cli_default_inputs(o->model, in, ni);
    char **names = NULL;
    int n = 0, rc;
    sc_err err = {0};
    if (scb) {
        names = calloc((size_t)scb->n_inputs + 1, sizeof *names);
        if (!names) return cli_error(CMD, "out of memory");
        for (n = 0; n < scb->n_inputs; n++)
            names[n] = (char *)scb->inputs[n].name;
        rc = onnx_cli_named_inputs(CMD, names, n, o->in_names, o->in_files, o->n_in, in, ni);
        free(names);
        return rc;
    }
    if (sc_onnx_graph_input_names(g, &names, &n, &err) != SC_OK)
        return cli_error(CMD, "%s: %s", o->model, err.msg);
    rc = onnx_cli_named_inputs(CMD, names, n, o->in_names, o->in_files, o->n_in, in, ni);
    sc_onnx_names_free(names, n);
    return rc;
}

/* A path's directory part ("." when it has none) must be a directory. */
static int dir_of_exists(const char *opt, const char *path) {
    char dir[4096];
    struct stat sb;
    sc_strlcpy(dir, path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (!slash) return 0;
    slash[slash == dir] = 0; /* "/x" keeps the root */
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
        return cli_error(CMD, "%s: %s: directory %s does not exist", opt, path, dir);
    return 0;
}

/* Output locations are checked before the model is compiled and run, so a typo in them fails
 * at once rather than after a long simulation. */
static int check_outputs(const run_opts *o) {
    const char *dir = o->outdir ? o->outdir : ".";
    struct stat sb;
    if (o->mode != SC_SIM_TIMING && (stat(dir, &sb) || !S_ISDIR(sb.st_mode)))
        return cli_error(CMD, "--outdir: %s is not a directory", dir);
    if (o->report && dir_of_exists("--report", o->report)) return -1;
    if (o->trace && dir_of_exists("--trace", o->trace)) return -1;
    return 0;
}

static int write_outputs(const run_opts *o, const sc_compiled *cc, const sc_tensor *out) {
    const char *dir = o->outdir ? o->outdir : ".";
    for (int k = 0; k < cc->n_outputs; k++) {
        char p[4096];
        sc_err err = {0};
        snprintf(p, sizeof p, "%s/output_%d.pb", dir, k);
        if (sc_tensor_write_pb(p, &out[k], &err)) return cli_error(CMD, "%s", err.msg);
        snprintf(p, sizeof p, "%s/output_%d.npy", dir, k);
        if (sc_tensor_write_npy(p, &out[k], &err)) return cli_error(CMD, "%s", err.msg);
        printf("output %d '%s': %s[", k, out[k].name, sc_tdtype_name(out[k].dtype));
        for (int i = 0; i < out[k].rank; i++)
            printf("%s%lld", i ? "," : "", (long long)out[k].dims[i]);
        printf("] -> %s/output_%d.pb\n", dir, k);
    }
    return 0;
}

static void print_stats(const sc_sim *s, sc_sim_mode mode) {
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    if (mode == SC_SIM_FUNCTIONAL) { /* no timing model ran: no cycles to report */
        printf("functional: %llu instructions, %.3g GFLOP (device time: --mode both or timing)\n",
               (unsigned long long)st.insns, st.flops * 1e-9);
        return;
    }
    double util = st.cycles && st.cores ? st.mma_busy / ((double)st.cycles * st.cores) : 0;
    printf("cycles %llu, %.3f ms, %.3g GFLOP, MMA utilisation %.1f%%, HBM %.3g MB read %.3g MB "
           "written, energy %.4g mJ\n",
           (unsigned long long)st.cycles, st.seconds * 1e3, st.flops * 1e-9, util * 100,
           st.bytes_hbm_read * 1e-6, st.bytes_hbm_write * 1e-6, st.energy_total * 1e3);
}

static int reports(const run_opts *o, const sc_sim *s) {
    int rc = 0;
    if (o->report) {
        char *js = sc_sim_stats_json(s);
        rc = js ? cli_write_output(CMD, o->report, js, strlen(js)) : cli_error(CMD, "no report");
        free(js);
    }
    if (!rc && o->trace) {
        char *js = sc_sim_trace_json(s);
        rc = js ? cli_write_output(CMD, o->trace, js, strlen(js)) : cli_error(CMD, "no trace");
        free(js);
    }
    return rc;
}

static int run(run_opts *o, const sc_chip *chip) {
    sc_tensor *in = NULL, *out = NULL;
    int ni = 0, rc = CLI_EXIT_USAGE;
    sc_compiled *cc = NULL;
    sc_sim *sim = NULL;
    sc_ir_graph *g = NULL;
    sc_err err = {0};
    if (check_outputs(o)) goto out;
    if (sc_str_endswith(o->model, ".scb")) {
        if (load_program(o, chip, NULL, NULL, 0, &cc)) goto out;
    } else if (sc_onnx_load_file(o->model, &g, &err) != SC_OK) {
        rc = cli_error(CMD, "%s: %s", o->model, err.msg);
        goto out;
    }
    if (gather_inputs(o, cc, g, &in, &ni)) goto out;
    if (!cc && load_program(o, chip, &g, in, ni, &cc)) goto out;
    if (ni != cc->n_inputs && o->mode != SC_SIM_TIMING) {
        rc = cli_error(CMD, "model has %d inputs, %d given", cc->n_inputs, ni);
        goto out;
    }
    out = calloc((size_t)cc->n_outputs + 1, sizeof *out);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = o->mode;
    sp.trace = o->trace != NULL;
    if (!out || sc_onnx_execute(chip, cc, in, &sp, out, &sim, &err) != SC_OK) {
        rc = err.status == SC_ERR_TRAP ? (cli_error(CMD, "%s", err.msg), CLI_EXIT_FAIL)
                                       : cli_error(CMD, "%s", err.msg);
        goto out;
    }
    if (o->mode != SC_SIM_TIMING && write_outputs(o, cc, out)) goto out;
    print_stats(sim, o->mode);
    rc = reports(o, sim);
out:
    sc_ir_graph_destroy(g);
    sc_sim_destroy(sim);
    if (cc) sc_tensor_array_free(out, cc->n_outputs);
    sc_tensor_array_free(in, ni);
    sc_compiled_destroy(cc);
    return rc;
}

int cmd_run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    run_opts o;
    memset(&o, 0, sizeof o);
    o.chip = "seedchip-1", o.mode = SC_SIM_FUNCTIONAL, o.precision = SC_DTYPE_FP32;
    int rc = parse(argc, argv, &o) ? CLI_EXIT_USAGE : -1;
    if (rc < 0) {
        sc_chip *chip = cli_load_chip(CMD, o.chip, NULL);
        rc = chip ? run(&o, chip) : CLI_EXIT_USAGE;
        sc_chip_destroy(chip);
    }
    for (int i = 0; i < o.n_in; i++)
        free(o.in_names[i]);
    return rc;
}
