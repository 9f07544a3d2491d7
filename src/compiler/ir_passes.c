// SPDX-License-Identifier: Apache-2.0
// The pass pipeline and --dump-after: shape inference, folding, fusions, dead-code elimination.
#include <string.h>

#include "compiler/ir.h"

static sc_status pass_shapes(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    return sc_ir_infer_shapes(g, err);
}

static const sc_ir_pass PASSES[] = {
    {"decompose", "losses and DynamicQuantizeLinear into ops with lowerings",
     sc_pass_decompose_loss},
    {"fuse-int8", "keep MatMulInteger/QLinearMatMul and QDQ MatMuls for the int8 MMA",
     sc_pass_fuse_int8},
    {"decompose-qlinear",
     "MatMulInteger/ConvInteger/QLinearMatMul/QLinearConv into exact float ops",
     sc_pass_decompose_qlinear},
    {"shapes", "dtype and shape inference (folds shape arithmetic)", pass_shapes},
    {"constfold", "evaluate nodes with constant inputs on the host", sc_pass_constfold},
    {"dce", "remove nodes that do not reach an output", sc_pass_dce},
    {"fuse-norm", "LayerNorm/RMSNorm op patterns -> one normalisation node", sc_pass_fuse_norm},
    {"fuse-attention", "MatMul(Q,K^T) [scale] [mask] Softmax MatMul(.,V) -> FusedAttention",
     sc_pass_fuse_attention},
    {"fuse-conv-bn", "fold BatchNormalization into the preceding Conv", sc_pass_fuse_conv_bn},
    {"fuse-bias-act", "MatMul+bias and Conv/MatMul/Gemm+activation", sc_pass_fuse_bias_act},
    {"lower-bn", "BatchNormalization -> per-channel x*a + b", sc_pass_lower_bn},
    {"dce-final", "remove what fusion left unused", sc_pass_dce},
};

const sc_ir_pass *sc_ir_passes(int *n) {
    *n = (int)SC_ARRAY_LEN(PASSES);
    return PASSES;
}

/* 1 when name is in the comma-separated list. */
static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, name, n)) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static sc_status check_skip(const char *skip, sc_err *err) {
    for (const char *p = skip; p && *p;) {
        const char *e = strchr(p, ',');
        int len = e ? (int)(e - p) : (int)strlen(p), ok = 0;
        for (size_t i = 0; i < SC_ARRAY_LEN(PASSES); i++)
            ok |= !strncmp(PASSES[i].name, "fuse-", 5) && (int)strlen(PASSES[i].name) == len &&
                  !strncmp(p, PASSES[i].name, (size_t)len);
        if (!ok)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "--skip-pass: '%.*s' is not a fusion pass",
                              len > 64 ? 64 : len, p);
        p = e ? e + 1 : NULL;
    }
    return SC_OK;
}

sc_status sc_ir_optimize(sc_ir_graph *g, const char *dump_after, sc_strbuf *dump, sc_err *err) {
    return sc_ir_optimize_skip(g, dump_after, dump, NULL, err);
}

sc_status sc_ir_optimize_skip(sc_ir_graph *g, const char *dump_after, sc_strbuf *dump,
                              const char *skip, sc_err *err) {
    if (check_skip(skip, err)) return err->status;
    int found = !dump_after;
    for (size_t i = 0; i < SC_ARRAY_LEN(PASSES); i++)
        found |= dump_after && !strcmp(dump_after, PASSES[i].name);
    if (!found)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "--dump-after: unknown pass '%s'", dump_after);
    for (size_t i = 0; i < SC_ARRAY_LEN(PASSES); i++) {
        int changed = 0;
        if (!listed(skip, PASSES[i].name) && PASSES[i].run(g, &changed, err) != SC_OK)
            return err->status;
        if (dump_after && dump && !strcmp(dump_after, PASSES[i].name)) sc_ir_dump(g, dump);
    }
    return SC_OK;
}
