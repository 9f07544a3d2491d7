// SPDX-License-Identifier: Apache-2.0
// `seedchip compile`: ONNX model -> SeedChip program container (.scb), with --dump-after PASS.
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "frontends/onnx/onnx_load.h"
#include "runtime/onnx_runtime.h"
#include "runtime/onnx_testdata.h"
#include "util/util.h"

#define CMD "compile"

static void usage(void) {
    int n;
    const sc_ir_pass *ps = sc_ir_passes(&n);
    printf(
        "usage: seedchip compile MODEL.onnx -o MODEL.scb [--chip NAME] [--precision P]\n"
        "                          [--cores N] [--input NAME=FILE]... [--dump-after PASS]\n"
        "                          [--calib PATH]... [--skip-pass LIST] [--tile-search]\n\n"
        "Compiles an ONNX model (opsets %d-%d) for the chip. Symbolic input dimensions are fixed\n"
        "from --input tensors (.pb or .npy) or from test_data_set_0/input_K.pb beside the "
        "model.\n\n"
        "  -o, --output FILE   program container to write (atomically)\n"
        "  --chip NAME         chip config (default seedchip-1)\n"
        "  --precision P       MMA operand type: fp32 (default), bf16, fp16, fp8, int8\n"
        "  --cores N           cores to use (default: all)\n"
        "  --calib PATH        int8 calibration data (repeatable): a directory with input_K.pb\n"
        "                      or .npy (one set), a directory of such directories, or one\n"
        "                      tensor file (single-input models); default: the model's inputs\n"
        "  --skip-pass LIST    leave out fusion passes (comma-separated fuse-* names)\n"
        "  --tile-search       time MatMul/Gemm tile candidates on the executor, keep the fastest\n"
        "  --input NAME=FILE   tensor for graph input NAME (repeatable; every input once)\n"
        "  --dump-after PASS   print the IR after PASS to stdout; passes:\n",
        7, 17);
    for (int i = 0; i < n; i++)
        printf("      %-14s %s\n", ps[i].name, ps[i].summary);
}

int cmd_compile(int argc, char **argv);
int onnx_cli_calib(const char *cmd, const char *const *paths, int n_paths, int n_inputs,
                   sc_tensor **sets, int *n_sets);

/* --calib paths of `compile` (int8 calibration sets). */
typedef struct calib_opts {
    const char *paths[64];
    int n;
} calib_opts;

/* Shared with `seedchip run` (cmd_run.c): option parsing of precision. */
int onnx_cli_precision(const char *cmd, const char *v, sc_dtype *out);
int onnx_cli_precision(const char *cmd, const char *v, sc_dtype *out) {
    if (sc_dtype_from_name(v, out) || *out == SC_DTYPE_INT4 || *out == SC_DTYPE_INT32 ||
        *out == SC_DTYPE_FP8_E5M2 || *out == SC_DTYPE_FP64) { /* fp64: no MMA datapath */
        cli_error(cmd, "--precision: '%s' is not one of fp32, bf16, fp16, fp8, int8", v);
        return -1;
    }
    return 0;
}

/* Inputs for shape specialisation: --input NAME=FILE (by position of NAME in the model is
 * resolved by the caller) or test_data_set_0 beside the model. */
int onnx_cli_default_inputs(const char *model, sc_tensor **in, int *n);
int onnx_cli_default_inputs(const char *model, sc_tensor **in, int *n) {
    char dir[4096];
    sc_path_dir(model, dir, sizeof dir);
    char set[4200];
    snprintf(set, sizeof set, "%s/test_data_set_0", dir);
    sc_err err = {0};
    if (sc_onnx_read_pb_set(set, "input", in, n, &err) != SC_OK)
        return cli_error("run", "%s", err.msg);
    return 0;
}

/* --input NAME=FILE: records NAME (strdup'd, caller frees) and FILE. Shared with `run`. */
int onnx_cli_input_opt(const char *cmd, const char *v, char **names, const char **files, int *n,
                       int max);
int onnx_cli_input_opt(const char *cmd, const char *v, char **names, const char **files, int *n,
                       int max) {
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || !eq[1]) return cli_error(cmd, "--input: expected NAME=FILE, got '%s'", v);
    if (*n == max) return cli_error(cmd, "too many --input options");
    if (!(names[*n] = strndup(v, (size_t)(eq - v)))) return cli_error(cmd, "out of memory");
    files[(*n)++] = eq + 1;
    return 0;
}

/* Reads the --input tensors into the order of the model's inputs (names, n); every model input
 * must be given once. Shared with `run`. */
int onnx_cli_named_inputs(const char *cmd, char *const *names, int n, char *const *in_names,
                          const char *const *in_files, int n_in, sc_tensor **in, int *ni);
int onnx_cli_named_inputs(const char *cmd, char *const *names, int n, char *const *in_names,
                          const char *const *in_files, int n_in, sc_tensor **in, int *ni) {
    *in = calloc((size_t)n + 1, sizeof **in);
    if (!*in) return cli_error(cmd, "out of memory");
    *ni = n;
    for (int k = 0; k < n_in; k++) {
        int pos = -1;
        for (int i = 0; i < n; i++)
            if (!strcmp(names[i], in_names[k])) pos = i;
        if (pos < 0)
            return cli_error(cmd, "--input: the model has no input named '%s'", in_names[k]);
        if ((*in)[pos].data)
            return cli_error(cmd, "--input: '%s' is given more than once", in_names[k]);
        sc_err err = {0};
        if (sc_tensor_read_file(in_files[k], &(*in)[pos], &err) != SC_OK)
            return cli_error(cmd, "%s", err.msg);
    }
    for (int i = 0; i < n; i++)
        if (!(*in)[i].data) return cli_error(cmd, "no --input for model input '%s'", names[i]);
    return 0;
}

/* Specialisation inputs of `compile`: --input options by the input names of the loaded graph
 * (the model is parsed once, here and for the compile), else the test data beside the model. */
static int compile_inputs(const sc_ir_graph *g, const char *model, char **in_names,
                          const char **in_files, int n_in, sc_tensor **in, int *ni) {
    if (!n_in) return onnx_cli_default_inputs(model, in, ni);
    char **names = NULL;
    int n = 0;
    sc_err err = {0};
    if (sc_onnx_graph_input_names(g, &names, &n, &err) != SC_OK)
        return cli_error(CMD, "%s: %s", model, err.msg);
    int rc = onnx_cli_named_inputs(CMD, names, n, in_names, in_files, n_in, in, ni);
    sc_onnx_names_free(names, n);
    return rc;
}

/* Option parsing; returns 0 or an exit status. */
static int compile_parse(int argc, char **argv, const char **model, const char **out,
                         const char **chip_name, const char **dump, sc_onnx_compile_params *cp,
                         char **in_names, const char **in_files, int *n_in, calib_opts *cal) {
    const char *v;
    for (int i = 1; i < argc; i++) {
        int r;
        long long n;
        if ((r = cli_opt_value(CMD, argc, argv, &i, "-o", &v)) ||
            (r = cli_opt_value(CMD, argc, argv, &i, "--output", &v))) {
            if (r < 0) return CLI_EXIT_USAGE;
            *out = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--chip", &v))) {
            if (r < 0) return CLI_EXIT_USAGE;
            *chip_name = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--precision", &v))) {
            if (r < 0 || onnx_cli_precision(CMD, v, &cp->cg.precision)) return CLI_EXIT_USAGE;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--cores", &v))) {
            if (r < 0 || cli_parse_int(CMD, "--cores", v, 1, 1024, &n)) return CLI_EXIT_USAGE;
            cp->cg.cores = (int)n;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--input", &v))) {
            if (r < 0 || onnx_cli_input_opt(CMD, v, in_names, in_files, n_in, 64))
                return CLI_EXIT_USAGE;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--dump-after", &v))) {
            if (r < 0) return CLI_EXIT_USAGE;
            *dump = v;
        } else if (!strcmp(argv[i], "--tile-search")) {
            cp->tile_search = 1;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--skip-pass", &v))) {
            if (r < 0) return CLI_EXIT_USAGE;
            cp->skip_passes = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--calib", &v))) {
            if (r < 0) return CLI_EXIT_USAGE;
            if (cal->n == 64) return cli_error(CMD, "too many --calib options");
            cal->paths[cal->n++] = v;
        } else if (argv[i][0] == '-') {
            return cli_error(CMD, "unknown option '%s' (see seedchip compile --help)", argv[i]);
        } else if (*model) {
            return cli_error(CMD, "more than one model ('%s' and '%s')", *model, argv[i]);
        } else
            *model = argv[i];
    }
    if (!*model)
        return cli_error(CMD, "no model (usage: seedchip compile MODEL.onnx -o MODEL.scb)");
    if (!*out && !*dump) return cli_error(CMD, "no output file (-o MODEL.scb)");
    return 0;
}

static int write_program(const char *model, const char *out, const char *dump,
                         const sc_compiled *cc) {
    uint8_t *bin = NULL;
    size_t len = 0, nconst = 0;
    sc_err err = {0};
    int rc = CLI_EXIT_OK;
    sc_program_consts(cc->prog, &nconst);
    if (sc_program_serialize(cc->prog, &bin, &len, &err) != SC_OK)
        rc = cli_error(CMD, "%s", err.msg);
    else if (sc_write_file_atomic(out, bin, len, &err) != SC_OK)
        rc = cli_error(CMD, "%s", err.msg);
    else
        fprintf(dump ? stderr : stdout,
                "%s: %d ops, %zu descriptors, %zu bytes of constants, %llu bytes of HBM -> %s "
                "(%zu bytes)\n",
                model, cc->n_ops, sc_program_n_descs(cc->prog), nconst,
                (unsigned long long)cc->hbm_bytes, out, len);
    free(bin);
    return rc;
}

static int compile_main(const char *model, const char *out, const char *chip_name, const char *dump,
                        sc_onnx_compile_params *cp, char **in_names, const char **in_files,
                        int n_in, const calib_opts *co) {
    sc_tensor *in = NULL, *cal = NULL;
    int ni = 0, ncal = 0;
    sc_ir_graph *g = NULL;
    sc_err err = {0};
    if (sc_onnx_load_file(model, &g, &err) != SC_OK)
        return cli_error(CMD, "%s: %s", model, err.msg);
    if (compile_inputs(g, model, in_names, in_files, n_in, &in, &ni) ||
        onnx_cli_calib(CMD, co->paths, co->n, ni, &cal, &ncal)) {
        sc_ir_graph_destroy(g);
        sc_tensor_array_free(in, ni);
        return CLI_EXIT_USAGE;
    }
    cp->calib = cal, cp->n_calib = ncal;
    sc_chip *chip = cli_load_chip(CMD, chip_name, NULL);
    if (!chip) {
        sc_ir_graph_destroy(g);
        sc_tensor_array_free(in, ni);
        sc_tensor_array_free(cal, ncal * ni);
        return CLI_EXIT_USAGE;
    }
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    cp->inputs = in, cp->n_inputs = ni, cp->dump_after = dump, cp->dump = &sb;
    sc_strbuf tl;
    sc_strbuf_init(&tl);
    cp->tile_log = &tl;
    sc_compiled *cc = NULL;
    int rc = CLI_EXIT_OK;
    if (sc_onnx_compile_graph(chip, g, cp, &cc, &err) != SC_OK) { /* frees g */
        rc = cli_error(CMD, "%s: %s", model, err.msg);
    } else {
        if (dump) fwrite(sb.data ? sb.data : "", 1, sb.len, stdout);
        if (tl.len) fwrite(tl.data, 1, tl.len, dump ? stderr : stdout);
        if (out) rc = write_program(model, out, dump, cc);
    }
    sc_strbuf_free(&sb);
    sc_strbuf_free(&tl);
    sc_compiled_destroy(cc);
    sc_chip_destroy(chip);
    sc_tensor_array_free(in, ni);
    sc_tensor_array_free(cal, ncal * ni);
    return rc;
}

int cmd_compile(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    const char *model = NULL, *out = NULL, *chip_name = "seedchip-1", *dump = NULL;
    sc_onnx_compile_params cp = sc_onnx_compile_default_params();
    char *in_names[64];
    const char *in_files[64];
    int n_in = 0;
    calib_opts co = {{0}, 0};
    int rc = compile_parse(argc, argv, &model, &out, &chip_name, &dump, &cp, in_names, in_files,
                           &n_in, &co);
    if (!rc) rc = compile_main(model, out, chip_name, dump, &cp, in_names, in_files, n_in, &co);
    for (int i = 0; i < n_in; i++)
        free(in_names[i]);
    return rc;
}
