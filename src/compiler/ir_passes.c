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
    {"decompose-qlinear",
     "MatMulInteger/ConvInteger/QLinearMatMul/QLinearConv into exact float ops",
     sc_pass_decompose_qlinear},
    {"shapes", "dtype and shape inference (folds shape arithmetic)", pass_shapes},
    {"constfold", "evaluate nodes with constant inputs on the host", sc_pass_constfold},
    {"dce", "remove nodes that do not reach an output", sc_pass_dce},
    {"fuse-conv-bn", "fold BatchNormalization into the preceding Conv", sc_pass_fuse_conv_bn},
    {"fuse-bias-act", "MatMul+bias and Conv/MatMul/Gemm+activation", sc_pass_fuse_bias_act},
    {"lower-bn", "BatchNormalization -> per-channel x*a + b", sc_pass_lower_bn},
    {"dce-final", "remove what fusion left unused", sc_pass_dce},
};

const sc_ir_pass *sc_ir_passes(int *n) {
    *n = (int)SC_ARRAY_LEN(PASSES);
    return PASSES;
}

sc_status sc_ir_optimize(sc_ir_graph *g, const char *dump_after, sc_strbuf *dump, sc_err *err) {
    int found = !dump_after;
    for (size_t i = 0; i < SC_ARRAY_LEN(PASSES); i++)
        found |= dump_after && !strcmp(dump_after, PASSES[i].name);
    if (!found)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "--dump-after: unknown pass '%s'", dump_after);
    for (size_t i = 0; i < SC_ARRAY_LEN(PASSES); i++) {
        int changed = 0;
        if (PASSES[i].run(g, &changed, err) != SC_OK) return err->status;
        if (dump_after && dump && !strcmp(dump_after, PASSES[i].name)) sc_ir_dump(g, dump);
    }
    return SC_OK;
}
