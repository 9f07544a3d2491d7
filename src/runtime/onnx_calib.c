// SPDX-License-Identifier: Apache-2.0
// int8 calibration: the fp32 program runs over calibration sets on the executor and records the
// absolute maximum of every quantisable MatMul/Gemm/Conv input; scale = absmax / 127.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/onnx_runtime.h"

/* Activations (node input 0) of the int8 candidates, one entry per node (values may repeat). */
static int collect(const sc_ir_graph *g, int *nodes, int *vals) {
    int k = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (sc_int8_candidate(g, &g->nodes[i])) {
            nodes[k] = i;
            vals[k++] = g->nodes[i].in[0];
        }
    return k;
}

static double absmax(const sc_tensor *t) {
    double m = 0;
    size_t n = sc_tensor_numel(t);
    for (size_t i = 0; i < n; i++) {
        double x = fabs(sc_tensor_get(t, i));
        if (isfinite(x) && x > m) m = x;
    }
    return m;
}

/* Compiles g in fp32 with the k activations as extra graph outputs (restored afterwards). */
static sc_status compile_probe(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *cp,
                               const int *vals, int k, sc_compiled **out, sc_err *err) {
    int n0 = g->n_outputs;
    char *was = calloc((size_t)k + 1, 1);
    if (!was) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sc_status st = SC_OK;
    for (int i = 0; i < k && st == SC_OK; i++) {
        was[i] = (char)g->vals[vals[i]].is_output;
        st = sc_ir_mark_output(g, vals[i], err);
    }
    sc_codegen_params p = *cp;
    p.precision = SC_DTYPE_FP32;
    if (st == SC_OK) st = sc_codegen(chip, g, &p, out, err);
    for (int i = k - 1; i >= 0; i--)
        if (i < g->n_outputs - n0) g->vals[vals[i]].is_output = was[i];
    g->n_outputs = n0;
    free(was);
    return st;
}

/* Runs one calibration set and folds the activations' absmax into amax[k]. */
static sc_status run_set(const sc_chip *chip, const sc_compiled *c, const sc_tensor *in, int set,
                         int n0, int k, double *amax, sc_err *err) {
    sc_tensor *out = calloc((size_t)c->n_outputs + 1, sizeof *out);
    if (!out) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_FUNCTIONAL;
    sc_status st = sc_onnx_execute(chip, c, in, &sp, out, NULL, err);
    if (st != SC_OK) {
        char m[sizeof err->msg];
        snprintf(m, sizeof m, "calibration set %d: %.400s", set, err->msg);
        sc_strlcpy(err->msg, m, sizeof err->msg);
    }
    for (int i = 0; st == SC_OK && i < k; i++) {
        double a = absmax(&out[n0 + i]);
        if (a > amax[i]) amax[i] = a;
    }
    for (int i = 0; i < c->n_outputs; i++)
        sc_tensor_free(&out[i]);
    free(out);
    return st;
}

sc_status sc_onnx_calibrate(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *cp,
                            const sc_tensor *sets, int n_sets, sc_err *err) {
    int *nodes = calloc((size_t)g->n_nodes + 1, sizeof *nodes);
    int *vals = calloc((size_t)g->n_nodes + 1, sizeof *vals);
    double *amax = calloc((size_t)g->n_nodes + 1, sizeof *amax);
    sc_compiled *c = NULL;
    sc_status st = nodes && vals && amax ? SC_OK : sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    int k = st == SC_OK ? collect(g, nodes, vals) : 0, n0 = g->n_outputs;
    if (k && !n_sets)
        st = sc_err_set(err, SC_ERR_INVALID_ARG,
                        "--precision int8 needs calibration data (--calib, or input tensors)");
    if (st == SC_OK && k) st = compile_probe(chip, g, cp, vals, k, &c, err);
    for (int s = 0; st == SC_OK && k && s < n_sets; s++)
        st = run_set(chip, c, sets + (size_t)s * (size_t)g->n_inputs, s, n0, k, amax, err);
    for (int i = 0; st == SC_OK && i < k; i++) {
        float scale = amax[i] > 0 ? (float)(amax[i] / 127.0) : 1.0f;
        st = sc_ir_attr_set_f(g, &g->nodes[nodes[i]], "_qscale", scale, err);
    }
    sc_compiled_destroy(c);
    free(nodes);
    free(vals);
    free(amax);
    return st;
}
