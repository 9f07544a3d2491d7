// SPDX-License-Identifier: Apache-2.0
// Element-wise ops with broadcasting: tiles DMA'd into the scratchpad as fp32 (fp64 for double
// tensors when every step has an fp64 datapath), vector recipes.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen_internal.h"

#define EW_MAX_IN   5
#define EW_TMPS     3
#define EW_SLOTS    (EW_MAX_IN + EW_TMPS + 1)
#define EW_MAX_TILE (64u * 1024u)
enum { X0 = 0, X1, X2, X3, X4, T0, T1, T2, OUT };

/* One vector step of a recipe: d = op(a, b, cc) with immediate imm; dtypes of d and a views. */
typedef struct step {
    int op, d, a, b, cc;
    float imm;
    sc_dtype dtd, dta;
} step;

typedef struct recipe {
    step s[2 * 256 + 24];
    int n;
} recipe;

static void add(recipe *r, int op, int d, int a, int b, int cc, float imm) {
    r->s[r->n++] = (step){op, d, a, b, cc, imm, SC_DTYPE_FP32, SC_DTYPE_FP32};
}
static void add1(recipe *r, int op, int d, int a) {
    add(r, op, d, a, -1, -1, 0);
}
static void addf(recipe *r, int op, int d, int a, float imm) {
    add(r, op, d, a, -1, -1, imm);
}
static void add2(recipe *r, int op, int d, int a, int b) {
    add(r, op, d, a, b, -1, 0);
}

/* round-to-nearest-even through an int32 view: d = (float)(int)x (values saturate) */
static void round_to(recipe *r, int d, int x) {
    add1(r, SC_OP_VCAST, d, x);
    r->s[r->n - 1].dtd = SC_DTYPE_INT32;
    add1(r, SC_OP_VCAST, d, d);
    r->s[r->n - 1].dta = SC_DTYPE_INT32;
}

/* d = floor(x) (sign=+1) or ceil(x) (sign=-1); uses T2 */
static void floor_ceil(recipe *r, int d, int x, int is_ceil) {
    round_to(r, d, x);
    add2(r, is_ceil ? SC_OP_VLT : SC_OP_VGT, T2, d, x);
    add2(r, is_ceil ? SC_OP_VADD : SC_OP_VSUB, d, d, T2);
}

/* OUT = trunc(x) toward zero (C/ONNX float -> int conversion); uses T0, T1, T2 */
static void trunc_to(recipe *r, int x) {
    add1(r, SC_OP_VABS, T0, x);
    floor_ceil(r, T1, T0, 0);
    add1(r, SC_OP_VNEG, T0, T1);
    addf(r, SC_OP_VLTF, T2, x, 0);
    add(r, SC_OP_VSEL, OUT, T2, T0, T1, 0);
}

/* Horner: d = ((c[0] * z + c[1]) * z + ...) * z + c[n-1], z a slot */
static void horner(recipe *r, int d, int z, const double *c, int n) {
    addf(r, SC_OP_VMULF, d, z, (float)c[0]);
    for (int i = 1; i < n; i++) {
        addf(r, SC_OP_VADDF, d, d, (float)c[i]);
        if (i + 1 < n) add2(r, SC_OP_VMUL, d, d, z);
    }
}

/* Range reduction x = k*pi + r, |r| <= pi/2 (pi in two parts so r keeps its low bits):
 * k -> T0, r -> T1, r^2 -> X1; then sin(r) -> T2 and cos(r) -> X3 by Taylor polynomials
 * (truncation below 7e-8 on |r| <= pi/2). */
static void sincos_core(recipe *r) {
    static const double S[] = {-1.0 / 39916800, 1.0 / 362880, -1.0 / 5040, 1.0 / 120, -1.0 / 6, 1};
    static const double C[] = {
        1.0 / 479001600, -1.0 / 3628800, 1.0 / 40320, -1.0 / 720, 1.0 / 24, -0.5, 1};
    addf(r, SC_OP_VMULF, T0, X0, (float)(1.0 / 3.14159265358979323846));
    round_to(r, T0, T0);
    addf(r, SC_OP_VMULF, T1, T0, 3.140625f);
    add2(r, SC_OP_VSUB, T1, X0, T1);
    addf(r, SC_OP_VMULF, T2, T0, 9.67653589793e-4f);
    add2(r, SC_OP_VSUB, T1, T1, T2);
    add2(r, SC_OP_VMUL, X1, T1, T1);
    horner(r, T2, X1, S, 6);
    add2(r, SC_OP_VMUL, T2, T2, T1);
    horner(r, X3, X1, C, 7);
}

/* (-1)^k for integer-valued k in slot k -> slot d (floor(k/2) = round(k/2 - 1/4)) */
static void parity_sign(recipe *r, int d, int k) {
    addf(r, SC_OP_VMULF, d, k, 0.5f);
    addf(r, SC_OP_VSUBF, d, d, 0.25f);
    round_to(r, d, d);
    addf(r, SC_OP_VMULF, d, d, -2.0f);
    add2(r, SC_OP_VADD, d, d, k);
    addf(r, SC_OP_VMULF, d, d, -2.0f);
    addf(r, SC_OP_VADDF, d, d, 1.0f);
}

/* d = atan(s): |s| > 1 via pi/2 - atan(1/|s|), t > tan(pi/8) via pi/4 + atan((t-1)/(t+1)),
 * then a degree-23 odd Taylor polynomial on |u| <= 0.4143 (truncation below 1e-10); odd
 * symmetry restores the sign. Uses T0-T2, X1-X3. */
static void atan_core(recipe *r, int s, int d) {
    double c[12];
    for (int i = 11; i >= 0; i--)
        c[11 - i] = (i % 2 ? -1.0 : 1.0) / (2 * i + 1);
    add1(r, SC_OP_VABS, X1, s);
    addf(r, SC_OP_VGTF, X2, X1, 1);
    add1(r, SC_OP_VRECIP, T0, X1);
    add(r, SC_OP_VSEL, T0, X2, T0, X1, 0);
    addf(r, SC_OP_VGTF, X3, T0, 0.41421356f);
    addf(r, SC_OP_VSUBF, T1, T0, 1);
    addf(r, SC_OP_VADDF, T2, T0, 1);
    add2(r, SC_OP_VDIV, T1, T1, T2);
    add(r, SC_OP_VSEL, T0, X3, T1, T0, 0);
    add2(r, SC_OP_VMUL, T1, T0, T0);
    horner(r, T2, T1, c, 12);
    add2(r, SC_OP_VMUL, T2, T2, T0);
    addf(r, SC_OP_VMULF, T1, X3, 0.78539816339744831f);
    add2(r, SC_OP_VADD, T2, T2, T1);
    addf(r, SC_OP_VMULF, T1, T2, -1);
    addf(r, SC_OP_VADDF, T1, T1, 1.5707963267948966f);
    add(r, SC_OP_VSEL, T2, X2, T1, T2, 0);
    addf(r, SC_OP_VLTF, X1, s, 0);
    add1(r, SC_OP_VNEG, T1, T2);
    add(r, SC_OP_VSEL, d, X1, T1, T2, 0);
}

static int trig_recipe(const char *op, recipe *r) {
    if (!strcmp(op, "Atan")) {
        atan_core(r, X0, OUT);
        return 1;
    }
    if (!strcmp(op, "Asin") || !strcmp(op, "Acos")) { /* asin x = atan(x / sqrt(1 - x^2)) */
        add2(r, SC_OP_VMUL, X4, X0, X0);
        addf(r, SC_OP_VMULF, X4, X4, -1);
        addf(r, SC_OP_VADDF, X4, X4, 1);
        add1(r, SC_OP_VSQRT, X4, X4);
        add2(r, SC_OP_VDIV, X4, X0, X4);
        atan_core(r, X4, op[1] == 's' ? OUT : X4);
        if (op[1] == 'c') { /* acos = pi/2 - asin */
            addf(r, SC_OP_VMULF, X4, X4, -1);
            addf(r, SC_OP_VADDF, OUT, X4, 1.5707963267948966f);
        }
        return 1;
    }
    if (!strcmp(op, "Sin") || !strcmp(op, "Cos") || !strcmp(op, "Tan")) {
        sincos_core(r);
        if (!strcmp(op, "Tan")) {
            add2(r, SC_OP_VDIV, OUT, T2, X3);
            return 1;
        }
        parity_sign(r, X2, T0);
        add2(r, SC_OP_VMUL, OUT, op[0] == 'S' ? T2 : X3, X2);
        return 1;
    }
    if (!strcmp(op, "Sinh") || !strcmp(op, "Cosh")) {
        add1(r, SC_OP_VEXP, T0, X0);
        add1(r, SC_OP_VNEG, T1, X0);
        add1(r, SC_OP_VEXP, T1, T1);
        add2(r, op[0] == 'S' && op[1] == 'i' ? SC_OP_VSUB : SC_OP_VADD, T0, T0, T1);
        addf(r, SC_OP_VMULF, OUT, T0, 0.5f);
        return 1;
    }
    if (!strcmp(op, "Asinh")) { /* odd: sign(x) * log(|x| + sqrt(x^2 + 1)) */
        add2(r, SC_OP_VMUL, T0, X0, X0);
        addf(r, SC_OP_VADDF, T0, T0, 1);
        add1(r, SC_OP_VSQRT, T0, T0);
        add1(r, SC_OP_VABS, T1, X0);
        add2(r, SC_OP_VADD, T0, T0, T1);
        add1(r, SC_OP_VLOG, T0, T0);
        addf(r, SC_OP_VLTF, T1, X0, 0);
        add1(r, SC_OP_VNEG, T2, T0);
        add(r, SC_OP_VSEL, OUT, T1, T2, T0, 0);
        return 1;
    }
    if (!strcmp(op, "Acosh")) {
        add2(r, SC_OP_VMUL, T0, X0, X0);
        addf(r, SC_OP_VSUBF, T0, T0, 1);
        add1(r, SC_OP_VSQRT, T0, T0);
        add2(r, SC_OP_VADD, T0, T0, X0);
        add1(r, SC_OP_VLOG, OUT, T0);
        return 1;
    }
    if (!strcmp(op, "Atanh")) {
        addf(r, SC_OP_VADDF, T0, X0, 1);
        add1(r, SC_OP_VNEG, T1, X0);
        addf(r, SC_OP_VADDF, T1, T1, 1);
        add2(r, SC_OP_VDIV, T0, T0, T1);
        add1(r, SC_OP_VLOG, T0, T0);
        addf(r, SC_OP_VMULF, OUT, T0, 0.5f);
        return 1;
    }
    return 0;
}

static void elu_core(recipe *r, float alpha) {
    add1(r, SC_OP_VEXP, T0, X0);
    addf(r, SC_OP_VSUBF, T0, T0, 1);
    addf(r, SC_OP_VMULF, T0, T0, alpha);
    addf(r, SC_OP_VGTF, T1, X0, 0);
    add(r, SC_OP_VSEL, OUT, T1, X0, T0, 0);
}

/* Activation functions made of several vector steps. */
static int activation_recipe(const sc_ir_node *n, recipe *r) {
    const char *op = n->op;
    if (!strcmp(op, "Softplus")) {
        add1(r, SC_OP_VEXP, T0, X0);
        addf(r, SC_OP_VADDF, T0, T0, 1);
        add1(r, SC_OP_VLOG, OUT, T0);
    } else if (!strcmp(op, "Softsign")) {
        add1(r, SC_OP_VABS, T0, X0);
        addf(r, SC_OP_VADDF, T0, T0, 1);
        add2(r, SC_OP_VDIV, OUT, X0, T0);
    } else if (!strcmp(op, "Elu")) {
        elu_core(r, sc_ir_attr_f(n, "alpha", 1.0f));
    } else if (!strcmp(op, "Selu")) {
        elu_core(r, sc_ir_attr_f(n, "alpha", 1.67326319217681884765625f));
        addf(r, SC_OP_VMULF, OUT, OUT, sc_ir_attr_f(n, "gamma", 1.05070102214813232421875f));
    } else if (!strcmp(op, "Celu")) {
        float a = sc_ir_attr_f(n, "alpha", 1.0f);
        addf(r, SC_OP_VDIVF, T0, X0, a);
        add1(r, SC_OP_VEXP, T0, T0);
        addf(r, SC_OP_VSUBF, T0, T0, 1);
        addf(r, SC_OP_VMULF, T0, T0, a);
        addf(r, SC_OP_VMINF, T0, T0, 0);
        addf(r, SC_OP_VMAXF, T1, X0, 0);
        add2(r, SC_OP_VADD, OUT, T1, T0);
    } else if (!strcmp(op, "LeakyRelu")) {
        addf(r, SC_OP_VMULF, T0, X0, sc_ir_attr_f(n, "alpha", 0.01f));
        addf(r, SC_OP_VLTF, T1, X0, 0);
        add(r, SC_OP_VSEL, OUT, T1, T0, X0, 0);
    } else if (!strcmp(op, "HardSigmoid") || !strcmp(op, "HardSwish")) {
        int sw = !strcmp(op, "HardSwish");
        addf(r, SC_OP_VMULF, T0, X0, sw ? 1.0f / 6 : sc_ir_attr_f(n, "alpha", 0.2f));
        addf(r, SC_OP_VADDF, T0, T0, sw ? 0.5f : sc_ir_attr_f(n, "beta", 0.5f));
        addf(r, SC_OP_VMAXF, T0, T0, 0);
        addf(r, SC_OP_VMINF, sw ? T0 : OUT, T0, 1);
        if (sw) add2(r, SC_OP_VMUL, OUT, X0, T0);
    } else if (!strcmp(op, "ThresholdedRelu")) {
        addf(r, SC_OP_VGTF, T1, X0, sc_ir_attr_f(n, "alpha", 1.0f));
        addf(r, SC_OP_VGTF, T0, X0, INFINITY); /* zeros */
        add(r, SC_OP_VSEL, OUT, T1, X0, T0, 0);
    } else if (!strcmp(op, "Shrink")) {
        float l = sc_ir_attr_f(n, "lambd", 0.5f), b = sc_ir_attr_f(n, "bias", 0.0f);
        addf(r, SC_OP_VGTF, T2, X0, INFINITY); /* zeros */
        addf(r, SC_OP_VADDF, T0, X0, b);
        addf(r, SC_OP_VLTF, T1, X0, -l);
        add(r, SC_OP_VSEL, T0, T1, T0, T2, 0);
        addf(r, SC_OP_VSUBF, OUT, X0, b);
        addf(r, SC_OP_VGTF, T1, X0, l);
        add(r, SC_OP_VSEL, OUT, T1, OUT, T2, 0);
        add2(r, SC_OP_VADD, OUT, OUT, T0);
    } else
        return 0;
    return 1;
}

/* Sign, rounding, logical and classification ops. */
static int logic_recipe(const sc_ir_node *n, recipe *r) {
    const char *op = n->op;
    if (!strcmp(op, "Sign")) {
        addf(r, SC_OP_VGTF, T0, X0, 0);
        addf(r, SC_OP_VLTF, T1, X0, 0);
        add2(r, SC_OP_VSUB, OUT, T0, T1);
    } else if (!strcmp(op, "Floor") || !strcmp(op, "Ceil")) {
        floor_ceil(r, OUT, X0, op[0] == 'C');
    } else if (!strcmp(op, "Round")) {
        round_to(r, OUT, X0);
    } else if (!strcmp(op, "Not")) {
        addf(r, SC_OP_VEQF, OUT, X0, 0);
    } else if (!strcmp(op, "IsNaN")) {
        add2(r, SC_OP_VNE, OUT, X0, X0);
    } else if (!strcmp(op, "IsInf")) {
        int pos = (int)sc_ir_attr_i(n, "detect_positive", 1),
            neg = (int)sc_ir_attr_i(n, "detect_negative", 1);
        addf(r, SC_OP_VEQF, T0, X0, pos ? INFINITY : NAN);
        addf(r, SC_OP_VEQF, T1, X0, neg ? -INFINITY : NAN);
        add2(r, SC_OP_VADD, OUT, T0, T1);
    } else
        return 0;
    return 1;
}

static int unary_recipe(cg *c, const sc_ir_node *n, recipe *r) {
    const char *op = n->op;
    static const struct {
        const char *op;
        int code;
    } SIMPLE[] = {{"Abs", SC_OP_VABS},   {"Neg", SC_OP_VNEG},         {"Exp", SC_OP_VEXP},
                  {"Log", SC_OP_VLOG},   {"Sqrt", SC_OP_VSQRT},       {"Reciprocal", SC_OP_VRECIP},
                  {"Relu", SC_OP_VRELU}, {"Sigmoid", SC_OP_VSIGMOID}, {"Tanh", SC_OP_VTANH},
                  {"Erf", SC_OP_VERF},   {"Gelu", SC_OP_VGELU}};
    for (size_t i = 0; i < SC_ARRAY_LEN(SIMPLE); i++)
        if (!strcmp(op, SIMPLE[i].op)) {
            add1(r, SIMPLE[i].code, OUT, X0);
            return 1;
        }
    if (trig_recipe(op, r)) return 1;
    return activation_recipe(n, r) || logic_recipe(n, r);
}

static int is_int(sc_tdtype t) {
    return !sc_tdtype_is_float(t);
}

/* N-ary ops with their own recipe (not one vector op folded over the inputs). */
static int nary_special(cg *c, const sc_ir_node *n, recipe *r) {
    if (!strcmp(n->op, "PRelu")) {
        add2(r, SC_OP_VMUL, T0, X0, X1);
        addf(r, SC_OP_VLTF, T1, X0, 0);
        add(r, SC_OP_VSEL, OUT, T1, T0, X0, 0);
        return 1;
    }
    if (!strcmp(n->op, "BatchNormalization")) { /* X, scale, B, mean, var at run time */
        addf(r, SC_OP_VADDF, T1, X4, sc_ir_attr_f(n, "epsilon", 1e-5f));
        add1(r, SC_OP_VRSQRT, T1, T1);
        add2(r, SC_OP_VSUB, T0, X0, X3);
        add2(r, SC_OP_VMUL, T0, T0, T1);
        add2(r, SC_OP_VMUL, T0, T0, X1);
        add2(r, SC_OP_VADD, OUT, T0, X2);
        return 1;
    }
    if (!strcmp(n->op, "Mod")) { /* fmod: x - trunc(x/y)*y; else x - floor(x/y)*y */
        add2(r, SC_OP_VDIV, T0, X0, X1);
        if (sc_ir_attr_i(n, "fmod", 0)) {
            add1(r, SC_OP_VABS, T1, T0);
            floor_ceil(r, X4, T1, 0);
            addf(r, SC_OP_VLTF, T2, T0, 0);
            add1(r, SC_OP_VNEG, T1, X4);
            add(r, SC_OP_VSEL, T0, T2, T1, X4, 0);
        } else {
            floor_ceil(r, T1, T0, 0);
            add1(r, SC_OP_VCOPY, T0, T1);
        }
        add2(r, SC_OP_VMUL, T0, T0, X1);
        add2(r, SC_OP_VSUB, OUT, X0, T0);
        return 1;
    }
    if (!strcmp(n->op, "QuantizeLinear")) { /* saturate(round(x / scale) + zero point) */
        sc_tdtype t = c->g->vals[n->out[0]].dtype;
        add2(r, SC_OP_VDIV, T0, X0, X1);
        round_to(r, T0, T0);
        if (n->n_in > 2 && n->in[2] >= 0) add2(r, SC_OP_VADD, T0, T0, X2);
        addf(r, SC_OP_VMAXF, T0, T0, t == SC_T_INT8 ? -128.0f : 0.0f);
        addf(r, SC_OP_VMINF, OUT, T0, t == SC_T_INT8 ? 127.0f : 255.0f);
        return 1;
    }
    if (!strcmp(n->op, "DequantizeLinear")) { /* (x - zero point) * scale */
        if (n->n_in > 2 && n->in[2] >= 0)
            add2(r, SC_OP_VSUB, T0, X0, X2);
        else
            add1(r, SC_OP_VCOPY, T0, X0);
        add2(r, SC_OP_VMUL, OUT, T0, X1);
        return 1;
    }
    if (!strcmp(n->op, "BitShift")) { /* x * 2^s, or floor(x / 2^s) */
        addf(r, SC_OP_VMULF, T0, X1, 0);
        addf(r, SC_OP_VADDF, T0, T0, 2);
        add2(r, SC_OP_VPOW, T0, T0, X1);
        if (!strcmp(sc_ir_attr_s(n, "direction", ""), "LEFT")) {
            add2(r, SC_OP_VMUL, OUT, X0, T0);
        } else {
            add2(r, SC_OP_VDIV, T1, X0, T0);
            floor_ceil(r, OUT, T1, 0);
        }
        return 1;
    }
    if (!strcmp(n->op, "_ScaleShift")) {
        add2(r, SC_OP_VMUL, T0, X0, X1);
        add2(r, SC_OP_VADD, OUT, T0, X2);
        return 1;
    }
    if (!strcmp(n->op, "Where")) {
        add(r, SC_OP_VSEL, OUT, X0, X1, X2, 0);
        return 1;
    }
    return 0;
}

static int nary_recipe(cg *c, const sc_ir_node *n, recipe *r) {
    static const struct {
        const char *op;
        int code;
    } B[] = {{"Add", SC_OP_VADD},        {"Sub", SC_OP_VSUB},
             {"Mul", SC_OP_VMUL},        {"Div", SC_OP_VDIV},
             {"Pow", SC_OP_VPOW},        {"Max", SC_OP_VMAX},
             {"Min", SC_OP_VMIN},        {"Sum", SC_OP_VADD},
             {"Mean", SC_OP_VADD},       {"Equal", SC_OP_VEQ},
             {"Less", SC_OP_VLT},        {"Greater", SC_OP_VGT},
             {"LessOrEqual", SC_OP_VLE}, {"GreaterOrEqual", SC_OP_VGE},
             {"And", SC_OP_VMUL},        {"Or", SC_OP_VMAX},
             {"Xor", SC_OP_VNE}};
    for (size_t i = 0; i < SC_ARRAY_LEN(B); i++) {
        if (strcmp(n->op, B[i].op)) continue;
        if (n->n_in == 1) add1(r, SC_OP_VCOPY, OUT, X0);
        for (int k = 1; k < n->n_in; k++)
            add2(r, B[i].code, OUT, k == 1 ? X0 : OUT, k);
        if (!strcmp(n->op, "Mean") && c->g->vals[n->out[0]].dtype == SC_T_DOUBLE)
            addf(r, SC_OP_VDIVF, OUT, OUT, (float)n->n_in); /* 1/n is not exact in fp32 */
        else if (!strcmp(n->op, "Mean"))
            addf(r, SC_OP_VMULF, OUT, OUT, 1.0f / (float)n->n_in);
        if (!strcmp(n->op, "Div") && is_int(c->g->vals[n->out[0]].dtype)) {
            trunc_to(r, OUT); /* integer division truncates toward zero */
        }
        return 1;
    }
    return nary_special(c, n, r);
}

static int clip_recipe(cg *c, const sc_ir_node *n, recipe *r) {
    add1(r, SC_OP_VCOPY, OUT, X0);
    if (c->g->opset < 11) {
        addf(r, SC_OP_VMAXF, OUT, OUT, sc_ir_attr_f(n, "min", -INFINITY));
        addf(r, SC_OP_VMINF, OUT, OUT, sc_ir_attr_f(n, "max", INFINITY));
        return 1;
    }
    if (n->n_in > 1 && n->in[1] >= 0) add2(r, SC_OP_VMAX, OUT, OUT, X1);
    if (n->n_in > 2 && n->in[2] >= 0) add2(r, SC_OP_VMIN, OUT, OUT, X2);
    return 1;
}

static int cast_recipe(cg *c, const sc_ir_node *n, recipe *r) {
    sc_tdtype from = c->g->vals[n->in[0]].dtype, to = c->g->vals[n->out[0]].dtype;
    if (to == SC_T_BOOL)
        addf(r, SC_OP_VNEF, OUT, X0, 0);
    else if (is_int(to) && !is_int(from))
        trunc_to(r, X0);
    else
        add1(r, SC_OP_VCOPY, OUT, X0);
    return 1;
}

int lower_is_elementwise(const char *op) {
    static const char *OPS[] = {"Abs",
                                "Neg",
                                "Exp",
                                "Log",
                                "Sqrt",
                                "Reciprocal",
                                "Relu",
                                "Sigmoid",
                                "Tanh",
                                "Erf",
                                "Gelu",
                                "Softplus",
                                "Softsign",
                                "Elu",
                                "Selu",
                                "Celu",
                                "LeakyRelu",
                                "HardSigmoid",
                                "HardSwish",
                                "ThresholdedRelu",
                                "Shrink",
                                "Sign",
                                "Floor",
                                "Ceil",
                                "Round",
                                "Not",
                                "IsNaN",
                                "IsInf",
                                "Add",
                                "Sub",
                                "Mul",
                                "Div",
                                "Pow",
                                "Max",
                                "Min",
                                "Sum",
                                "Mean",
                                "Equal",
                                "Less",
                                "Greater",
                                "LessOrEqual",
                                "GreaterOrEqual",
                                "And",
                                "Or",
                                "Xor",
                                "PRelu",
                                "Where",
                                "Clip",
                                "Cast",
                                "CastLike",
                                "_ScaleShift",
                                "BatchNormalization",
                                "Mod",
                                "Asin",
                                "Acos",
                                "Atan",
                                "Sin",
                                "Cos",
                                "Tan",
                                "Sinh",
                                "Cosh",
                                "Asinh",
                                "Acosh",
                                "Atanh",
                                "QuantizeLinear",
                                "DequantizeLinear",
                                "BitShift"};
    for (size_t i = 0; i < SC_ARRAY_LEN(OPS); i++)
        if (!strcmp(OPS[i], op)) return 1;
    return 0;
}

/* ---- the tiled map ---- */

#define EW_GATHER_MAX 256 /* gather by selection: at most this many positions on the axis */
#define EW_MAX_ALL    (EW_GATHER_MAX + 1)

typedef struct ew {
    int n_in, in[EW_MAX_ALL], out;
    int chan[EW_MAX_ALL]; /* 1-D per-channel operand broadcast along axis 1 (BN, old PRelu) */
    int gather;           /* inputs 1.. are the gathered slices (slots after OUT) */
    int n_slots;
    int ovr[EW_MAX_ALL]; /* explicit strides (outermost first, output rank) and offset */
    int64_t ovr_st[EW_MAX_ALL][SC_IR_MAX_RANK], ovr_off[EW_MAX_ALL];
    int rank;                       /* collapsed rank, innermost first */
    int64_t dims[16];               /* collapsed extents */
    int64_t st[EW_MAX_ALL + 1][16]; /* element strides per operand (last = output) */
    int j;                          /* chunked dim */
    int64_t chunk, nchunks;
    uint64_t slot_bytes; /* bytes per operand slot */
    sc_dtype wt;         /* working type of the slots: fp32, or fp64 (ew_working_type) */
    recipe r;
} ew;

/* fp64 slots when the op touches a double tensor and every step has an fp64 datapath on the
 * vector unit (sc_isa_vfunc_fp64); otherwise fp32, and DMA narrows doubles on the way in. */
static sc_dtype ew_working_type(cg *c, const sc_ir_node *n, const recipe *r) {
    int dbl = c->g->vals[n->out[0]].dtype == SC_T_DOUBLE;
    for (int k = 0; k < n->n_in; k++)
        dbl |= n->in[k] >= 0 && c->g->vals[n->in[k]].dtype == SC_T_DOUBLE;
    for (int i = 0; i < r->n && dbl; i++)
        dbl = sc_isa_vfunc_fp64(sc_isa_info((unsigned)r->s[i].op)->vfunc);
    return dbl ? SC_DTYPE_FP64 : SC_DTYPE_FP32;
}

/* A step's view type: the recipe writes fp32 for "the working type". */
static sc_dtype ew_dt(const ew *e, sc_dtype t) {
    return t == SC_DTYPE_FP32 ? e->wt : t;
}

/* Collapses the broadcast index space: drops extent-1 dims, merges contiguous neighbours. */
static void ew_shape(cg *c, ew *e) {
    const sc_ir_value *o = &c->g->vals[e->out];
    int64_t st[EW_MAX_ALL + 1][SC_IR_MAX_RANK]; /* 16 KiB: fine on the stack */
    for (int k = 0; k < e->n_in; k++) {
        if (e->ovr[k]) {
            memcpy(st[k], e->ovr_st[k], sizeof st[k]);
            continue;
        }
        cg_bcast_strides(&c->g->vals[e->in[k]], o->rank, o->dims, st[k]);
        if (e->chan[k]) /* axis chan-1 */
            for (int i = 0; i < o->rank; i++)
                st[k][i] = i == e->chan[k] - 1;
    }
    ir_strides(o->rank, o->dims, st[e->n_in]);
    e->rank = 0;
    for (int i = o->rank - 1; i >= 0; i--) { /* innermost first */
        if (o->dims[i] == 1) continue;
        int r = e->rank, merge = r > 0;
        for (int k = 0; k <= e->n_in && merge; k++)
            merge = st[k][i] == e->st[k][r - 1] * e->dims[r - 1];
        if (merge) {
            e->dims[r - 1] *= o->dims[i];
            continue;
        }
        e->dims[r] = o->dims[i];
        for (int k = 0; k <= e->n_in; k++)
            e->st[k][r] = st[k][i];
        e->rank++;
    }
    if (!e->rank) { /* scalar */
        e->dims[0] = 1;
        for (int k = 0; k <= e->n_in; k++)
            e->st[k][0] = 0;
        e->rank = 1;
    }
}

static void ew_tiles(cg *c, ew *e) {
    /* slots are 64-byte aligned: round each down first, or 2 x n_slots rounded-up slots overrun
     * the scratchpad (e.g. 18 slots of 58254 floats in 4 MiB) */
    uint64_t es = (uint64_t)sc_isa_dtype_bytes(e->wt);
    uint64_t max = c->spad / (2 * (uint64_t)e->n_slots) / 64 * 64 / es;
    if (max > EW_MAX_TILE) max = EW_MAX_TILE;
    int64_t prod = 1;
    e->j = 0;
    while (e->j < e->rank && e->j < 3 && prod * e->dims[e->j] <= (int64_t)max)
        prod *= e->dims[e->j++];
    if (e->j == e->rank) { /* everything fits: one tile, j is a virtual dim of extent 1 */
        e->dims[e->rank] = 1;
        for (int k = 0; k <= e->n_in; k++)
            e->st[k][e->rank] = 0;
        e->chunk = 1;
    } else {
        int64_t cap = (int64_t)max / prod;
        e->chunk = cap < e->dims[e->j] ? (cap ? cap : 1) : e->dims[e->j];
    }
    e->nchunks = (e->dims[e->j] + e->chunk - 1) / e->chunk;
    e->slot_bytes = ((uint64_t)(prod * e->chunk) * es + 63) / 64 * 64;
}

static uint64_t ew_ntiles(const ew *e) {
    uint64_t n = (uint64_t)e->nchunks;
    for (int i = e->j + 1; i < e->rank; i++)
        n *= (uint64_t)e->dims[i];
    return n;
}

/* Element offset of operand k at tile t, and the tile's dims[4]. */
static int64_t ew_tile(const ew *e, uint64_t t, int k, uint32_t dims[4]) {
    int64_t q = (int64_t)(t % (uint64_t)e->nchunks), off = q * e->chunk * e->st[k][e->j];
    uint64_t rest = t / (uint64_t)e->nchunks;
    for (int i = e->j + 1; i < e->rank; i++) {
        off += (int64_t)(rest % (uint64_t)e->dims[i]) * e->st[k][i];
        rest /= (uint64_t)e->dims[i];
    }
    for (int i = 0; i < 4; i++)
        dims[i] = 1;
    for (int i = 0; i < e->j; i++)
        dims[i] = (uint32_t)e->dims[i];
    int64_t left = e->dims[e->j] - q * e->chunk;
    dims[e->j] = (uint32_t)(left < e->chunk ? left : e->chunk);
    return off;
}

static uint64_t slot_addr(const ew *e, int slot, int which) {
    return ((uint64_t)slot * (uint64_t)e->n_slots + (uint64_t)which) * e->slot_bytes;
}

static sc_status ew_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    ew *e = ctx;
    for (int k = 0; k < e->n_in; k++) {
        uint32_t dims[4];
        int64_t off = ew_tile(e, t, k, dims);
        int32_t st[4] = {0, 0, 0, 0};
        for (int i = 0; i <= e->j && i < 4; i++)
            st[i] = (int32_t)e->st[k][i];
        cg_view src = cg_val_view(c, e->in[k], (uint64_t)(off + e->ovr_off[k]), st);
        int which = e->gather && k ? OUT + k : k;
        cg_view dst = cg_spad(e->wt, slot_addr(e, slot, which), dims);
        if (cg_dma(c, core, SC_QUEUE_LOAD, dims, &dst, &src)) return c->err->status;
    }
    return SC_OK;
}

static sc_status ew_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    ew *e = ctx;
    uint32_t dims[4];
    ew_tile(e, t, e->n_in, dims);
    uint32_t flat[4] = {dims[0] * dims[1] * dims[2] * dims[3], 1, 1, 1};
    for (int i = 0; i < e->r.n; i++) {
        const step *s = &e->r.s[i];
        cg_view d = cg_spad1(ew_dt(e, s->dtd), slot_addr(e, slot, s->d));
        cg_view a = cg_spad1(ew_dt(e, s->dta), slot_addr(e, slot, s->a));
        cg_view b = cg_spad1(e->wt, s->b >= 0 ? slot_addr(e, slot, s->b) : 0);
        cg_view cc = cg_spad1(e->wt, s->cc >= 0 ? slot_addr(e, slot, s->cc) : 0);
        if (cg_vec(c, core, s->op, flat, &d, &a, s->b >= 0 ? &b : NULL, s->cc >= 0 ? &cc : NULL,
                   s->imm, 0))
            return c->err->status;
    }
    return SC_OK;
}

static sc_status ew_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    ew *e = ctx;
    uint32_t dims[4];
    int64_t off = ew_tile(e, t, e->n_in, dims);
    int32_t st[4] = {0, 0, 0, 0};
    for (int i = 0; i <= e->j && i < 4; i++)
        st[i] = (int32_t)e->st[e->n_in][i];
    cg_view dst = cg_val_view(c, e->out, (uint64_t)off, st);
    cg_view src = cg_spad(e->wt, slot_addr(e, slot, OUT), dims);
    return cg_dma(c, core, SC_QUEUE_STORE, dims, &dst, &src);
}

/* Gather / GatherElements with run-time indices: every position r of the axis is DMA'd as a
 * slice shaped like the output, and out = select(idx == r, slice_r, out) over r. The work is
 * O(axis length) per element, so the axis is limited to EW_GATHER_MAX positions. */
static sc_status gather_setup(cg *c, const sc_ir_node *n, ew *e) {
    const sc_ir_value *x = &c->g->vals[n->in[0]], *ix = &c->g->vals[n->in[1]],
                      *y = &c->g->vals[n->out[0]];
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank), elems = !strcmp(n->op, "GatherElements");
    int64_t L = x->dims[ax], xs[SC_IR_MAX_RANK], is[SC_IR_MAX_RANK];
    if (L < 1 || L > EW_GATHER_MAX)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                          "%s over an axis of %lld (run-time indices: at most %d)", n->op,
                          (long long)L, EW_GATHER_MAX);
    ir_strides(x->rank, x->dims, xs);
    ir_strides(ix->rank, ix->dims, is);
    e->gather = 1, e->n_in = 1 + (int)L, e->n_slots = OUT + 1 + (int)L;
    e->in[0] = n->in[1], e->ovr[0] = 1;
    for (int i = 0; i < y->rank; i++) { /* index operand over the output coordinates */
        int k = elems ? i : i - ax;
        e->ovr_st[0][i] = elems ? is[i] : (k >= 0 && k < ix->rank ? is[k] : 0);
    }
    for (int64_t r = 0; r < L; r++) {
        int k = 1 + (int)r;
        e->in[k] = n->in[0], e->ovr[k] = 1, e->ovr_off[k] = r * xs[ax];
        for (int i = 0; i < y->rank; i++) {
            if (elems)
                e->ovr_st[k][i] = i == ax ? 0 : xs[i];
            else
                e->ovr_st[k][i] = i < ax ? xs[i] : i < ax + ix->rank ? 0 : xs[i - ix->rank + 1];
        }
    }
    recipe *r = &e->r;
    addf(r, SC_OP_VLTF, T1, X0, 0); /* negative indices count from the end */
    addf(r, SC_OP_VMULF, T1, T1, (float)L);
    add2(r, SC_OP_VADD, T1, T1, X0);
    add1(r, SC_OP_VCOPY, OUT, OUT + 1);
    for (int64_t i = 1; i < L; i++) {
        addf(r, SC_OP_VEQF, T0, T1, (float)i);
        add(r, SC_OP_VSEL, OUT, T0, OUT + 1 + (int)i, OUT, 0);
    }
    return SC_OK;
}

static sc_status lower_ew(cg *c, sc_ir_node *n, ew *e) {
    e->out = n->out[0];
    e->n_slots = EW_SLOTS;
    if (!strcmp(n->op, "Gather") || !strcmp(n->op, "GatherElements")) {
        if (gather_setup(c, n, e)) return c->err->status;
        e->wt = ew_working_type(c, n, &e->r);
        ew_shape(c, e);
        ew_tiles(c, e);
        if (sc_ir_numel(&c->g->vals[e->out]) == 0) return SC_OK;
        cg_tiler tl = {ew_load, ew_compute, ew_store};
        return cg_pipeline(c, ew_ntiles(e), &tl, e);
    }
    int ok;
    if (!strcmp(n->op, "Clip"))
        ok = clip_recipe(c, n, &e->r);
    else if (!strcmp(n->op, "Cast") || !strcmp(n->op, "CastLike"))
        ok = cast_recipe(c, n, &e->r);
    else
        ok = unary_recipe(c, n, &e->r) || nary_recipe(c, n, &e->r);
    if (!ok) return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "unsupported op %s", n->op);
    int nin = !strcmp(n->op, "CastLike") ? 1 : n->n_in;
    if (nin > EW_MAX_IN)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%s with %d inputs", n->op, nin);
    for (int k = 0; k < nin; k++) {
        /* absent optional inputs (Clip) get a harmless stand-in: input 0 */
        e->in[k] = n->in[k] >= 0 ? n->in[k] : n->in[0];
    }
    e->n_in = nin;
    e->wt = ew_working_type(c, n, &e->r);
    const sc_ir_value *x0 = &c->g->vals[n->in[0]];
    for (int k = 1; k < nin; k++) {
        const sc_ir_value *v = &c->g->vals[e->in[k]];
        int r, chan = !strcmp(n->op, "BatchNormalization");
        int64_t d[SC_IR_MAX_RANK];
        /* opset < 7 PRelu: a 1-D slope of C elements is per channel */
        if (!strcmp(n->op, "PRelu") && v->rank == 1 && x0->rank > 2 && v->dims[0] == x0->dims[1] &&
            ir_broadcast(x0->rank, x0->dims, v->rank, v->dims, &r, d))
            chan = 1;
        e->chan[k] = chan && v->rank == 1 && x0->rank >= 2 ? 2 : 0;
        if ((!strcmp(n->op, "QuantizeLinear") || !strcmp(n->op, "DequantizeLinear")) &&
            v->rank == 1 && v->dims[0] > 1) /* per-axis scales and zero points */
            e->chan[k] = ir_axis(sc_ir_attr_i(n, "axis", 1), x0->rank) + 1;
    }
    ew_shape(c, e);
    ew_tiles(c, e);
    if (sc_ir_numel(&c->g->vals[e->out]) == 0) return SC_OK;
    cg_tiler tl = {ew_load, ew_compute, ew_store};
    return cg_pipeline(c, ew_ntiles(e), &tl, e);
}

sc_status lower_elementwise(cg *c, sc_ir_node *n) {
    ew *e = calloc(1, sizeof *e); /* ~60 KiB with the gather slices: on the heap */
    if (!e) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    sc_status st = lower_ew(c, n, e);
    free(e);
    return st;
}
