// SPDX-License-Identifier: Apache-2.0
// Helpers shared by shape inference, host evaluation, passes and lowering: broadcasting, axes.
#include "compiler/ir_util.h"

int ir_broadcast(int ra, const int64_t *a, int rb, const int64_t *b, int *rout, int64_t *out) {
    int r = ra > rb ? ra : rb;
    if (r > SC_IR_MAX_RANK) return -1;
    int64_t tmp[SC_IR_MAX_RANK]; /* out may alias a or b */
    for (int i = 0; i < r; i++) {
        int64_t da = i < r - ra ? 1 : a[i - (r - ra)];
        int64_t db = i < r - rb ? 1 : b[i - (r - rb)];
        if (da != db && da != 1 && db != 1) return -1;
        tmp[i] = da == 1 ? db : da;
    }
    for (int i = 0; i < r; i++)
        out[i] = tmp[i];
    *rout = r;
    return 0;
}

int ir_axis(int64_t axis, int rank) {
    if (axis < 0) axis += rank;
    return axis < 0 || axis >= (rank ? rank : 1) ? -1 : (int)axis;
}

int ir_ints(sc_ir_graph *g, const sc_ir_node *n, const char *attr, int input, int64_t *out,
            int max) {
    if (attr) {
        int c = sc_ir_attr_ints(n, attr, out, max);
        if (c >= 0) return c;
    }
    if (input < 0 || input >= n->n_in || n->in[input] < 0) return -1;
    const sc_ir_value *v = &g->vals[n->in[input]];
    if (!v->konst) return -2;
    size_t cnt = sc_tensor_numel(v->konst);
    for (size_t i = 0; i < cnt && (int)i < max; i++)
        out[i] = sc_tensor_get_i64(v->konst, i);
    return (int)cnt;
}

void ir_strides(int rank, const int64_t *dims, int64_t *strides) {
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        strides[i] = s;
        s *= dims[i];
    }
}

void ir_set_shape(sc_ir_value *dst, sc_tdtype t, int rank, const int64_t *dims) {
    dst->dtype = t;
    dst->rank = rank;
    for (int i = 0; i < rank; i++)
        dst->dims[i] = dims[i];
}

double ir_const_scalar(sc_ir_graph *g, const sc_ir_node *n, int input, double def) {
    if (input >= n->n_in || n->in[input] < 0) return def;
    const sc_ir_value *v = &g->vals[n->in[input]];
    if (!v->konst || !sc_tensor_numel(v->konst)) return def;
    return sc_tensor_get(v->konst, 0);
}

sc_status ir_unsup(sc_err *err, const sc_ir_node *n, const char *why) {
    return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (%s): %s", n->name, n->op, why);
}

sc_status ir_bad(sc_err *err, const sc_ir_node *n, const char *why) {
    return sc_err_set(err, SC_ERR_PARSE, "node '%s' (%s): %s", n->name, n->op, why);
}

sc_status ir_fail(sc_err *err) {
    return err->status ? err->status : sc_err_set(err, SC_ERR_NOMEM, "out of memory");
}
