// SPDX-License-Identifier: Apache-2.0
// `seedchip conformance`: runs ONNX backend tests (model.onnx + test_data_set_N) on the chip.
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "frontends/onnx/onnx_load.h"
#include "runtime/onnx_runtime.h"
#include "runtime/onnx_testdata.h"
#include "util/util.h"

#define CMD "conformance"

typedef struct conf_opts {
    const char *json, *chip_name, *filter;
    sc_dtype precision;
    int cores, quiet;
    double rtol, atol;
} conf_opts;

typedef struct result {
    const char *status; /* PASS FAIL SKIP */
    const char *cls;    /* failure class or "" */
    char msg[600];
    char ops[512];
} result;

static void usage(void) {
    printf("usage: seedchip conformance DIR... [--json FILE] [--precision P] [--chip NAME]\n"
           "                              [--filter TEXT] [--cores N] [--quiet]\n\n"
           "Runs every test directory in the ONNX backend layout (model.onnx and\n"
           "test_data_set_N/{input,output}_K.pb) below each DIR, compiled for the chip and run in\n"
           "functional mode, and compares outputs with the suite's tolerances (rtol 1e-3, atol\n"
           "1e-7; looser for reduced precisions). One line per test:\n"
           "  PASS name | FAIL name [class] reason | SKIP name [excluded] reason\n"
           "with class one of: unsupported op, numeric mismatch, compile error, runtime error.\n"
           "Excluded (docs/CONFORMANCE.md): training/optimizer, sequence/optional/string and\n"
           "random-number ops. Last line: N passed, N failed, N skipped.\n\n"
           "  --json FILE       per-test results (name, status, class, message, ops)\n"
           "  --precision P     fp32 (default), bf16, fp16, fp8, int8\n"
           "  --chip NAME       chip config (default seedchip-1)\n"
           "  --filter TEXT     only tests whose name contains TEXT\n"
           "  --cores N         cores the compiler uses (default: all)\n"
           "  --quiet           print only failures and the summary\n");
}

static int is_test_dir(const char *dir) {
    char p[4600];
    struct stat sb;
    snprintf(p, sizeof p, "%s/model.onnx", dir);
    return stat(p, &sb) == 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted subdirectory names of dir (caller frees each and the array). */
static char **list_dir(const char *dir, int *n) {
    DIR *d = opendir(dir);
    *n = 0;
    if (!d) return NULL;
    char **v = NULL;
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(v, sizeof *v * (size_t)cap);
            if (!nv) break;
            v = nv;
        }
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (v) qsort(v, (size_t)*n, sizeof *v, cmp_str);
    return v;
}

/* Exclusion by the ops and types the model uses; fills res->ops. */
static int check_excluded(const char *model, result *res) {
    sc_ir_graph *g = NULL;
    sc_err err = {0};
    if (sc_onnx_load_file(model, &g, &err) != SC_OK) {
        if (strstr(err.msg, "sequence/map/optional") || strstr(err.msg, "type string")) {
            res->status = "SKIP", res->cls = "excluded";
            snprintf(res->msg, sizeof res->msg, "sequence/optional/string types");
            return 1;
        }
        return 0; /* the compile step reports the load error */
    }
    size_t ol = 0;
    int excluded = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const sc_ir_node *n = &g->nodes[i];
        if (!strstr(res->ops, n->op) && ol + strlen(n->op) + 2 < sizeof res->ops)
            ol +=
                (size_t)snprintf(res->ops + ol, sizeof res->ops - ol, "%s%s", ol ? "," : "", n->op);
        const char *why = sc_onnx_excluded_op(n->domain, n->op);
        if (!why && !strcmp(n->op, "BatchNormalization") && sc_ir_attr_i(n, "training_mode", 0))
            why = "training mode";
        if (!why && !strcmp(n->op, "Dropout") && n->n_in > 2 && n->in[2] >= 0) {
            const sc_ir_value *v = &g->vals[n->in[2]];
            if (!v->konst || sc_tensor_get(v->konst, 0) != 0) why = "training mode (random)";
        }
        if (why && !excluded) {
            excluded = 1;
            res->status = "SKIP", res->cls = "excluded";
            snprintf(res->msg, sizeof res->msg, "%s %s", why, n->op);
        }
    }
    for (int i = 0; i < g->n_inputs + g->n_outputs && !excluded; i++) /* e.g. Cast to STRING */
        if (g->vals[i < g->n_inputs ? g->inputs[i] : g->outputs[i - g->n_inputs]].dtype ==
            SC_T_STRING) {
            excluded = 1;
            res->status = "SKIP", res->cls = "excluded";
            snprintf(res->msg, sizeof res->msg, "sequence/optional/string types");
        }
    sc_ir_graph_destroy(g);
    return excluded;
}

static void fail(result *r, const char *cls, const char *msg) {
    r->status = "FAIL";
    r->cls = cls;
    sc_strlcpy(r->msg, msg, sizeof r->msg);
}

/* Runs one data set: compile (specialised to its input shapes), execute, compare. */
static int run_set(const sc_chip *chip, const char *model, const char *set, const conf_opts *o,
                   result *r) {
    sc_tensor *in = NULL, *want = NULL;
    int ni = 0, nw = 0, ok = 0;
    sc_err err = {0};
    sc_compiled *cc = NULL;
    sc_tensor *got = NULL;
    if (sc_onnx_read_pb_set(set, "input", &in, &ni, &err) ||
        sc_onnx_read_pb_set(set, "output", &want, &nw, &err)) {
        fail(r, "runtime error", err.msg);
        goto out;
    }
    sc_onnx_compile_params cp = sc_onnx_compile_default_params();
    cp.cg.precision = o->precision;
    cp.cg.cores = o->cores;
    cp.inputs = in, cp.n_inputs = ni;
    if (sc_onnx_compile(chip, model, &cp, &cc, &err) != SC_OK) {
        fail(r, err.status == SC_ERR_UNSUPPORTED ? "unsupported op" : "compile error", err.msg);
        goto out;
    }
    if (cc->n_outputs != nw) {
        char m[128];
        snprintf(m, sizeof m, "model has %d outputs, the test data %d", cc->n_outputs, nw);
        fail(r, "numeric mismatch", m);
        goto out;
    }
    got = calloc((size_t)nw + 1, sizeof *got);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_FUNCTIONAL;
    if (!got || sc_onnx_execute(chip, cc, in, &sp, got, NULL, &err) != SC_OK) {
        fail(r, "runtime error", got ? err.msg : "out of memory");
        goto out;
    }
    for (int k = 0; k < nw; k++) {
        char why[400], m[600];
        if (got[k].dtype == SC_T_BFLOAT16 && want[k].dtype == SC_T_UINT16)
            want[k].dtype = SC_T_BFLOAT16;
        if (!sc_tensor_allclose(&got[k], &want[k], o->rtol, o->atol, why, sizeof why)) {
            snprintf(m, sizeof m, "%s: output %d: %s",
                     set + strlen(set) - strlen(strrchr(set, '/') + 1), k, why);
            fail(r, "numeric mismatch", m);
            goto out;
        }
    }
    ok = 1;
out:
    sc_tensor_array_free(got, nw);
    sc_tensor_array_free(in, ni);
    sc_tensor_array_free(want, nw);
    sc_compiled_destroy(cc);
    return ok;
}

static void run_test(const sc_chip *chip, const char *dir, const conf_opts *o, result *r) {
    char model[4600];
    snprintf(model, sizeof model, "%s/model.onnx", dir);
    r->status = "PASS", r->cls = "";
    if (check_excluded(model, r)) return;
    int n = 0, sets = 0;
    char **subs = list_dir(dir, &n);
    for (int i = 0; i < n; i++) {
        if (strncmp(subs[i], "test_data_set_", 14)) continue;
        char set[4400];
        snprintf(set, sizeof set, "%s/%s", dir, subs[i]);
        sets++;
        if (!run_set(chip, model, set, o, r)) break;
    }
    for (int i = 0; i < n; i++)
        free(subs[i]);
    free(subs);
    if (!sets) fail(r, "runtime error", "no test_data_set_N directory");
}

static void json_result(sc_strbuf *js, const char *name, const result *r, int first) {
    sc_strbuf_printf(js,
                     "%s\n  {\"name\": \"%s\", \"status\": \"%s\", \"class\": \"%s\", \"ops\": "
                     "\"%s\", \"message\": \"",
                     first ? "" : ",", name, r->status, r->cls, r->ops);
    for (const char *p = r->msg; *p; p++) {
        if (*p == '"' || *p == '\\')
            sc_strbuf_printf(js, "\\%c", *p);
        else if ((unsigned char)*p >= 32)
            sc_strbuf_printf(js, "%c", *p);
    }
    sc_strbuf_printf(js, "\"}");
}

typedef struct tally {
    int pass, fail, skip;
    sc_strbuf js;
} tally;

static void one(const sc_chip *chip, const char *dir, const char *name, const conf_opts *o,
                tally *t) {
    if (o->filter && !strstr(name, o->filter)) return;
    result r;
    memset(&r, 0, sizeof r);
    run_test(chip, dir, o, &r);
    if (!strcmp(r.status, "PASS"))
        t->pass++;
    else if (!strcmp(r.status, "FAIL"))
        t->fail++;
    else
        t->skip++;
    if (!o->quiet || !strcmp(r.status, "FAIL")) {
        if (*r.cls)
            printf("%s %s [%s] %s\n", r.status, name, r.cls, r.msg);
        else
            printf("%s %s\n", r.status, name);
        fflush(stdout);
    }
    json_result(&t->js, name, &r, t->pass + t->fail + t->skip == 1);
}

static int run_dirs(const sc_chip *chip, char **dirs, int nd, const conf_opts *o) {
    tally t = {0};
    sc_strbuf_init(&t.js);
    sc_strbuf_printf(&t.js, "{\"tests\": [");
    for (int i = 0; i < nd; i++) {
        const char *slash = strrchr(dirs[i], '/');
        if (is_test_dir(dirs[i])) {
            one(chip, dirs[i], slash && slash[1] ? slash + 1 : dirs[i], o, &t);
            continue;
        }
        int n = 0;
        char **subs = list_dir(dirs[i], &n);
        for (int k = 0; k < n; k++) {
            char p[4400];
            snprintf(p, sizeof p, "%s/%s", dirs[i], subs[k]);
            if (is_test_dir(p)) one(chip, p, subs[k], o, &t);
            free(subs[k]);
        }
        free(subs);
    }
    sc_strbuf_printf(&t.js, "\n], \"passed\": %d, \"failed\": %d, \"skipped\": %d}\n", t.pass,
                     t.fail, t.skip);
    printf("%d passed, %d failed, %d skipped\n", t.pass, t.fail, t.skip);
    int rc = o->json ? cli_write_output(CMD, o->json, t.js.data, t.js.len) : CLI_EXIT_OK;
    sc_strbuf_free(&t.js);
    return rc;
}

int cmd_conformance(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    conf_opts o = {NULL, "seedchip-1", NULL, SC_DTYPE_FP32, 0, 0, 1e-3, 1e-7};
    char **dirs = calloc((size_t)argc, sizeof *dirs);
    int nd = 0;
    const char *v;
    if (!dirs) return cli_error(CMD, "out of memory");
    for (int i = 1; i < argc; i++) {
        int r;
        long long n;
        if ((r = cli_opt_value(CMD, argc, argv, &i, "--json", &v))) {
            if (r < 0) goto usage_err;
            o.json = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--chip", &v))) {
            if (r < 0) goto usage_err;
            o.chip_name = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--filter", &v))) {
            if (r < 0) goto usage_err;
            o.filter = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--precision", &v))) {
            if (r < 0) goto usage_err;
            if (sc_dtype_from_name(v, &o.precision) || o.precision == SC_DTYPE_INT4 ||
                o.precision == SC_DTYPE_INT32 || o.precision == SC_DTYPE_FP8_E5M2 ||
                o.precision == SC_DTYPE_FP64) { /* the MMA has no fp64 */
                free(dirs);
                return cli_error(CMD, "--precision: '%s' is not one of fp32, bf16, fp16, fp8, int8",
                                 v);
            }
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--cores", &v))) {
            if (r < 0 || cli_parse_int(CMD, "--cores", v, 1, 1024, &n)) goto usage_err;
            o.cores = (int)n;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            o.quiet = 1;
        } else if (argv[i][0] == '-') {
            free(dirs);
            return cli_error(CMD, "unknown option '%s' (see seedchip conformance --help)", argv[i]);
        } else {
            struct stat sb;
            if (stat(argv[i], &sb) || !S_ISDIR(sb.st_mode)) {
                free(dirs);
                return cli_error(CMD, "%s: not a directory", argv[i]);
            }
            dirs[nd++] = argv[i];
        }
    }
    if (!nd) {
        free(dirs);
        return cli_error(CMD, "no test directory (usage: seedchip conformance DIR...)");
    }
    if (o.precision != SC_DTYPE_FP32)
        o.rtol = o.precision == SC_DTYPE_FP8_E4M3 ? 0.125 : 0.02, o.atol = 1e-2;
    sc_chip *chip = cli_load_chip(CMD, o.chip_name, NULL);
    if (!chip) {
        free(dirs);
        return CLI_EXIT_USAGE;
    }
    int rc = run_dirs(chip, dirs, nd, &o);
    sc_chip_destroy(chip);
    free(dirs);
    return rc;
usage_err:
    free(dirs);
    return CLI_EXIT_USAGE;
}
