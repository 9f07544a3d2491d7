// SPDX-License-Identifier: Apache-2.0
// ONNX models on the simulated chip: load + optimise + compile, then run with host tensors.
#include <stdlib.h>
#include <string.h>

#include "frontends/onnx/onnx_load.h"
#include "numerics/numerics.h"
#include "runtime/onnx_runtime.h"

sc_onnx_compile_params sc_onnx_compile_default_params(void) {
    sc_onnx_compile_params p;
    memset(&p, 0, sizeof p);
    p.cg = sc_codegen_default_params();
    return p;
}

/* Operand slots that carry shapes, axes or sizes: an integer graph input feeding one of them
 * is specialised by value (the program is compiled for that value and checks it per run). */
static int is_param_slot(const char *op, int k) {
    static const struct {
        const char *op;
        int lo, hi;
    } P[] = {{"Reshape", 1, 1},
             {"Expand", 1, 1},
             {"Tile", 1, 1},
             {"Slice", 1, 4},
             {"Split", 1, 1},
             {"Pad", 1, 3},
             {"Squeeze", 1, 1},
             {"Unsqueeze", 1, 1},
             {"ReduceSum", 1, 1},
             {"ReduceMean", 1, 1},
             {"ReduceMax", 1, 1},
             {"ReduceMin", 1, 1},
             {"ReduceProd", 1, 1},
             {"ReduceL1", 1, 1},
             {"ReduceL2", 1, 1},
             {"ReduceLogSum", 1, 1},
             {"ReduceLogSumExp", 1, 1},
             {"ReduceSumSquare", 1, 1},
             {"ConstantOfShape", 0, 0},
             {"Range", 0, 2},
             {"OneHot", 1, 1},
             {"TopK", 1, 1},
             {"Trilu", 1, 1},
             {"CumSum", 1, 1},
             {"Compress", 1, 1},
             {"HannWindow", 0, 0},
             {"HammingWindow", 0, 0},
             {"BlackmanWindow", 0, 0},
             {"DFT", 1, 2},
             {"STFT", 1, 1},
             {"STFT", 3, 3},
             {"MelWeightMatrix", 0, 4},
             {"Resize", 1, 3},
             {"Upsample", 1, 1},
             {"MaxUnpool", 2, 2},
             {"NonMaxSuppression", 2, 2}, /* max_output_boxes_per_class sets the bound */
             {"If", 0, 0},
             {"Loop", 0, 1}};
    for (size_t i = 0; i < SC_ARRAY_LEN(P); i++)
        if (!strcmp(op, P[i].op) && k >= P[i].lo && k <= P[i].hi) return 1;
    return 0;
}

/* Scalar arithmetic through which a size still reaches a shape slot (e.g. the expanded window
 * functions compute Range's limit from the window size). */
static int is_scalar_math(const char *op) {
    static const char *OPS[] = {"Cast", "Add", "Sub", "Mul", "Div", "Ceil",    "Floor",
                                "Relu", "Neg", "Max", "Min", "Abs", "Identity"};
    for (size_t i = 0; i < SC_ARRAY_LEN(OPS); i++)
        if (!strcmp(op, OPS[i])) return 1;
    return 0;
}

static int feeds_param_depth(const sc_ir_graph *g, int v, int float_ok, int depth) {
    for (int i = 0; i < g->n_nodes; i++) {
        const sc_ir_node *n = &g->nodes[i];
        for (int k = 0; !n->dead && k < n->n_in; k++) {
            if (n->in[k] != v) continue;
            if (is_param_slot(n->op, k) &&
                (float_ok || !sc_tdtype_is_float(g->vals[v].dtype) || !strcmp(n->op, "Range") ||
                 !strcmp(n->op, "OneHot") || !strcmp(n->op, "Resize") ||
                 !strcmp(n->op, "Upsample") || !strcmp(n->op, "MelWeightMatrix")))
                return 1;
            if (depth < 6 && is_scalar_math(n->op) && n->n_out == 1 && n->out[0] >= 0 &&
                feeds_param_depth(g, n->out[0], 1, depth + 1))
                return 1;
        }
    }
    return 0;
}

static int feeds_param(const sc_ir_graph *g, int v) {
    const sc_ir_value *x = &g->vals[v];
    int small = x->rank >= 0 && x->rank <= 1 && (x->rank == 0 || x->dims[0] == 1);
    return feeds_param_depth(g, v, 0, small ? 0 : 6);
}

static sc_status specialise(sc_ir_graph *g, int v, const sc_tensor *t, sc_err *err) {
    sc_tensor c;
    if (sc_tensor_alloc(&c, t->dtype, t->rank, t->dims, err) != SC_OK) return err->status;
    if (c.nbytes) memcpy(c.data, t->data, c.nbytes);
    if (sc_ir_set_const(g, v, &c, err) != SC_OK) {
        sc_tensor_free(&c);
        return err->status;
    }
    return SC_OK;
}

/* An input read by nothing or only for its type (CastLike's `like`): its shape does not matter,
 * so the tensor given sets it (the backend suite's castlike data disagree with their models). */
static int type_only(const sc_ir_graph *g, int v) {
    for (int i = 0; i < g->n_nodes; i++) {
        const sc_ir_node *n = &g->nodes[i];
        for (int k = 0; !n->dead && k < n->n_in; k++)
            if (n->in[k] == v && (strcmp(n->op, "CastLike") || k != 1)) return 0;
    }
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return 0;
    return 1;
}

/* Given input tensors fix the graph inputs' shapes (symbolic dims) and check their types. */
static sc_status bind_inputs(sc_ir_graph *g, const sc_tensor *in, int n, sc_err *err) {
    if (n && n != g->n_inputs)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "model has %d inputs, %d given", g->n_inputs, n);
    for (int i = 0; i < n; i++) {
        sc_ir_value *v = &g->vals[g->inputs[i]];
        int bf16_bits =
            v->dtype == SC_T_BFLOAT16 && in[i].dtype == SC_T_UINT16; /* numpy has no bf16 */
        if (v->dtype && v->dtype != in[i].dtype && !bf16_bits)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "input '%s' is %s, the tensor given is %s",
                              v->name, sc_tdtype_name(v->dtype), sc_tdtype_name(in[i].dtype));
        int any_shape = type_only(g, g->inputs[i]);
        if (v->rank >= 0 && v->rank != in[i].rank && !any_shape)
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "input '%s' has rank %d, the tensor given has %d", v->name, v->rank,
                              in[i].rank);
        for (int j = 0; j < in[i].rank && v->rank >= 0 && !any_shape; j++)
            if (v->dims[j] >= 0 && v->dims[j] != in[i].dims[j])
                return sc_err_set(err, SC_ERR_INVALID_ARG,
                                  "input '%s' dimension %d is %lld, the tensor has %lld", v->name,
                                  j, (long long)v->dims[j], (long long)in[i].dims[j]);
        if (!bf16_bits) v->dtype = in[i].dtype;
        v->rank = in[i].rank;
        memcpy(v->dims, in[i].dims, sizeof(int64_t) * (size_t)in[i].rank);
        if (feeds_param(g, g->inputs[i]) && specialise(g, g->inputs[i], &in[i], err) != SC_OK)
            return err->status;
    }
    return SC_OK;
}

sc_status sc_onnx_compile_graph(const sc_chip *chip, sc_ir_graph *g,
                                const sc_onnx_compile_params *p, sc_compiled **out, sc_err *err) {
    sc_onnx_compile_params dp = sc_onnx_compile_default_params();
    if (!p) p = &dp;
    *out = NULL;
    sc_status st = bind_inputs(g, p->inputs, p->n_inputs, err);
    if (st == SC_OK) st = sc_ir_optimize_skip(g, p->dump_after, p->dump, p->skip_passes, err);
    if (st == SC_OK && p->cg.precision == SC_DTYPE_INT8) {
        /* without --calib the inputs given for specialisation are the calibration set */
        int given = p->n_inputs == g->n_inputs && (p->n_inputs == 0 || p->inputs);
        const sc_tensor *sets = p->n_calib ? p->calib : p->inputs;
        int n_sets = p->n_calib ? p->n_calib : given && g->n_inputs ? 1 : 0;
        st = sc_onnx_calibrate(chip, g, &p->cg, sets, n_sets, err);
    }
    if (st == SC_OK && p->tile_search) st = sc_onnx_tile_search(chip, g, &p->cg, p->tile_log, err);
    if (st == SC_OK) st = sc_codegen(chip, g, &p->cg, out, err);
    sc_ir_graph_destroy(g);
    return st;
}

sc_status sc_onnx_compile(const sc_chip *chip, const char *model_path,
                          const sc_onnx_compile_params *p, sc_compiled **out, sc_err *err) {
    *out = NULL;
    sc_ir_graph *g = NULL;
    if (sc_onnx_load_file(model_path, &g, err) != SC_OK) return err->status;
    return sc_onnx_compile_graph(chip, g, p, out, err);
}

sc_status sc_onnx_graph_input_names(const sc_ir_graph *g, char ***names, int *n, sc_err *err) {
    *names = NULL, *n = 0;
    char **v = calloc((size_t)g->n_inputs + 1, sizeof *v);
    for (int i = 0; v && i < g->n_inputs; i++)
        if (!(v[i] = strdup(g->vals[g->inputs[i]].name))) {
            sc_onnx_names_free(v, i);
            v = NULL;
        }
    if (!v) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    *names = v, *n = g->n_inputs;
    return SC_OK;
}

sc_status sc_onnx_input_names(const char *model_path, char ***names, int *n, sc_err *err) {
    *names = NULL, *n = 0;
    sc_ir_graph *g = NULL;
    if (sc_onnx_load_file(model_path, &g, err) != SC_OK) return err->status;
    sc_status st = sc_onnx_graph_input_names(g, names, n, err);
    sc_ir_graph_destroy(g);
    return st;
}

void sc_onnx_names_free(char **names, int n) {
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* Host tensor -> device bytes in the binding's device type. */
static sc_status to_device(const sc_io_binding *b, const sc_tensor *t, uint8_t **buf, size_t *len,
                           sc_err *err) {
    size_t n = sc_tensor_numel(t), es = sc_dtype_size(b->dev);
    if (t->rank != b->rank || memcmp(t->dims, b->dims, sizeof(int64_t) * (size_t)t->rank))
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "input '%s': shape differs from the compiled model", b->name);
    *buf = malloc(n * es + 1);
    if (!*buf) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (b->dev == SC_DTYPE_INT32) {
            int64_t v = sc_tensor_get_i64(t, i);
            int32_t y = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
            memcpy(*buf + i * 4, &y, 4);
        } else if ((b->dev == SC_DTYPE_FP16 && t->dtype == SC_T_FLOAT16) ||
                   (b->dev == SC_DTYPE_BF16 &&
                    (t->dtype == SC_T_BFLOAT16 || t->dtype == SC_T_UINT16))) {
            memcpy(*buf + i * 2, (uint8_t *)t->data + i * 2, 2);
        } else /* one rounding from the host value (a double stays exact in fp64) */
            sc_store_elem_f64(b->dev, *buf, i, sc_tensor_get(t, i));
    }
    *len = n * es;
    return SC_OK;
}

static sc_status from_device(const sc_io_binding *b, const uint8_t *buf, sc_tensor *t,
                             sc_err *err) {
    if (sc_tensor_alloc(t, b->dtype, b->rank, b->dims, err) != SC_OK) return err->status;
    sc_strlcpy(t->name, b->name, sizeof t->name);
    size_t n = sc_tensor_numel(t);
    for (size_t i = 0; i < n; i++) {
        if (b->dev == SC_DTYPE_INT32) {
            int32_t v;
            memcpy(&v, buf + i * 4, 4);
            if (t->dtype == SC_T_INT64) {
                int64_t w = v;
                memcpy((uint8_t *)t->data + i * 8, &w, 8);
            } else
                sc_tensor_set(t, i, v);
        } else if ((b->dev == SC_DTYPE_FP16 && t->dtype == SC_T_FLOAT16) ||
                   (b->dev == SC_DTYPE_BF16 && t->dtype == SC_T_BFLOAT16)) {
            memcpy((uint8_t *)t->data + i * 2, buf + i * 2, 2);
        } else
            sc_tensor_set(t, i, sc_load_elem_f64(b->dev, buf, i));
    }
    return SC_OK;
}

/* fp32 host data in an fp32 binding moves as bytes, without the element loops: their float ->
 * double -> float round trip changes no bit except a signalling NaN's quiet bit (x86 and Arm
 * conversions set it), which these helpers reproduce. */
static int is_snan32(uint32_t u) {
    return (u & 0x7f800000u) == 0x7f800000u && (u & 0x003fffffu) && !(u & 0x00400000u);
}

static int fp32_direct_in(const sc_io_binding *b, const sc_tensor *t) {
    if (b->dev != SC_DTYPE_FP32 || t->dtype != SC_T_FLOAT || t->rank != b->rank ||
        memcmp(t->dims, b->dims, sizeof(int64_t) * (size_t)t->rank))
        return 0;
    size_t n = sc_tensor_numel(t);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, (const uint8_t *)t->data + 4 * i, 4);
        if (is_snan32(u)) return 0; /* rare: the element loop quiets it */
    }
    return 1;
}

/* Output of an fp32 binding read straight into the host tensor. */
static sc_status fp32_direct_out(sc_sim *s, const sc_io_binding *b, sc_tensor *t, sc_err *err) {
    if (sc_tensor_alloc(t, b->dtype, b->rank, b->dims, err) != SC_OK) return err->status;
    sc_strlcpy(t->name, b->name, sizeof t->name);
    if (t->nbytes &&
        sc_sim_read(s, 0, SC_SPACE_HBM, 0, b->hbm_offset, t->data, t->nbytes, err) != SC_OK)
        return err->status;
    for (size_t i = 0; i < t->nbytes / 4; i++) {
        uint32_t u;
        memcpy(&u, (uint8_t *)t->data + 4 * i, 4);
        if (is_snan32(u)) u |= 0x00400000u, memcpy((uint8_t *)t->data + 4 * i, &u, 4);
    }
    return SC_OK;
}

static sc_status write_inputs(sc_sim *s, const sc_compiled *c, const sc_tensor *inputs,
                              sc_err *err) {
    for (int i = 0; i < c->n_inputs; i++) {
        if (c->inputs[i].specialised && sc_tensor_hash(&inputs[i]) != c->inputs[i].spec_hash)
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "input '%s' differs from the value the program was specialised to "
                              "(it sets a shape or axes; recompile for this value)",
                              c->inputs[i].name);
        if (fp32_direct_in(&c->inputs[i], &inputs[i])) {
            if (inputs[i].nbytes && sc_sim_write(s, 0, SC_SPACE_HBM, 0, c->inputs[i].hbm_offset,
                                                 inputs[i].data, inputs[i].nbytes, err) != SC_OK)
                return err->status;
            continue;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        if (to_device(&c->inputs[i], &inputs[i], &buf, &len, err) != SC_OK) return err->status;
        sc_status st =
            len ? sc_sim_write(s, 0, SC_SPACE_HBM, 0, c->inputs[i].hbm_offset, buf, len, err)
                : SC_OK;
        free(buf);
        if (st != SC_OK) return st;
    }
    return SC_OK;
}

/* A data-dependent output: the program wrote the extent of axis dyn-1 into a length word; the
 * bound-shaped tensor t is cut to it (the rows past the length are not part of the result). */
static sc_status trim_output(sc_sim *s, const sc_io_binding *b, sc_tensor *t, sc_err *err) {
    int32_t len = 0;
    int ax = b->dyn - 1;
    if (sc_sim_read(s, 0, SC_SPACE_HBM, 0, b->len_offset, &len, 4, err) != SC_OK)
        return err->status;
    if (len < 0 || len > b->dims[ax])
        return sc_err_set(err, SC_ERR_TRAP, "output '%s': run-time length %d outside [0, %lld]",
                          b->name, (int)len, (long long)b->dims[ax]);
    int64_t outer = 1, inner = 1, bound = b->dims[ax];
    for (int j = 0; j < ax; j++)
        outer *= b->dims[j];
    for (int j = ax + 1; j < b->rank; j++)
        inner *= b->dims[j];
    size_t es = sc_tdtype_size(t->dtype), row = (size_t)(len * inner) * es;
    uint8_t *d = t->data;
    for (int64_t o = 0; o < outer && row; o++) /* in place: destinations never pass sources */
        memmove(d + (size_t)o * row, d + (size_t)(o * bound * inner) * es, row);
    t->dims[ax] = len;
    t->nbytes = (size_t)(outer * len * inner) * es;
    return SC_OK;
}

static sc_status read_outputs(sc_sim *s, const sc_compiled *c, sc_tensor *outputs, sc_err *err) {
    for (int i = 0; i < c->n_outputs; i++) {
        const sc_io_binding *b = &c->outputs[i];
        if (b->dev == SC_DTYPE_FP32 && b->dtype == SC_T_FLOAT) {
            sc_status st = fp32_direct_out(s, b, &outputs[i], err);
            if (st == SC_OK && b->dyn) st = trim_output(s, b, &outputs[i], err);
            if (st != SC_OK) return st;
            continue;
        }
        size_t n = 1;
        for (int j = 0; j < b->rank; j++)
            n *= (size_t)b->dims[j];
        size_t len = n * sc_dtype_size(b->dev);
        uint8_t *buf = malloc(len + 1);
        if (!buf) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        sc_status st =
            len ? sc_sim_read(s, 0, SC_SPACE_HBM, 0, b->hbm_offset, buf, len, err) : SC_OK;
        if (st == SC_OK) st = from_device(b, buf, &outputs[i], err);
        if (st == SC_OK && b->dyn) st = trim_output(s, b, &outputs[i], err);
        free(buf);
        if (st != SC_OK) return st;
    }
    return SC_OK;
}

sc_status sc_onnx_execute(const sc_chip *chip, const sc_compiled *c, const sc_tensor *inputs,
                          const sc_sim_params *sp, sc_tensor *outputs, sc_sim **sim_out,
                          sc_err *err) {
    sc_sim_params dp = sc_sim_default_params();
    if (!sp) sp = &dp;
    if (sim_out) *sim_out = NULL;
    sc_sim *s = NULL;
    if (sc_sim_create(chip, sp, &s, err) != SC_OK) return err->status;
    if (c->hbm_bytes > sc_sim_hbm_capacity(s)) {
        sc_sim_destroy(s);
        return sc_err_set(err, SC_ERR_LIMIT, "model needs %llu bytes of HBM, the chip has %llu",
                          (unsigned long long)c->hbm_bytes,
                          (unsigned long long)sc_sim_hbm_capacity(s));
    }
    int data = sp->mode != SC_SIM_TIMING;
    sc_status st = data ? write_inputs(s, c, inputs, err) : SC_OK;
    if (st == SC_OK) st = sc_sim_run(s, c->prog, NULL, 0, err);
    if (st == SC_OK && data) st = read_outputs(s, c, outputs, err);
    if (st != SC_OK || !sim_out)
        sc_sim_destroy(s);
    else
        *sim_out = s;
    return st;
}
