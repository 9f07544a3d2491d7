#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Pass rate per op family from `seedchip conformance --json` output (table for docs/CONFORMANCE.md).
import json
import sys

FAMILIES = [
    ("loss", ["NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "nllloss", "sce_"]),
    ("matmul/gemm", ["MatMul", "Gemm", "Einsum", "QLinearMatMul", "MatMulInteger"]),
    ("convolution", ["ConvTranspose", "ConvInteger", "QLinearConv", "Conv"]),
    ("pooling", ["MaxPool", "AveragePool", "AvgPool", "GlobalAveragePool", "GlobalMaxPool",
                 "MaxUnpool", "LpPool", "RoiAlign"]),
    ("normalisation", ["BatchNorm", "InstanceNorm", "LayerNorm", "layer_norm", "LRN",
                       "MeanVarianceNormalization", "LpNormalization"]),
    ("softmax", ["LogSoftmax", "log_softmax", "Softmax", "Softmin", "Hardmax"]),
    ("reduction", ["Reduce", "reduce_", "ArgMax", "ArgMin", "CumSum", "TopK"]),
    ("recurrent", ["LSTM", "GRU", "RNN", "Scan", "Loop", "If"]),
    ("quantisation", ["QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear"]),
    ("image/signal", ["Resize", "Upsample", "GridSample", "DFT", "STFT", "Window",
                      "MelWeightMatrix", "NonMaxSuppression"]),
    ("cast", ["CastLike", "Cast"]),
    ("data movement", ["Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "Scatter",
                       "Squeeze", "Unsqueeze", "Flatten", "Pad", "Expand", "Tile", "DepthToSpace",
                       "SpaceToDepth", "Compress", "OneHot", "Shape", "Size", "Identity",
                       "Range", "ConstantOfShape", "EyeLike", "Trilu", "Unique", "NonZero",
                       "ReverseSequence", "Constant", "Pixel", "view", "index", "chunk",
                       "permute", "repeat", "Embedding", "flatten", "concat"]),
    ("comparison/logic", ["Equal", "Less", "Greater", "And", "Or", "Xor", "Not", "Where",
                          "IsNaN", "IsInf", "BitShift", "BitwiseAnd", "Sign"]),
    ("activation", ["Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Sigmoid",
                    "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Tanh", "ThresholdedRelu",
                    "Shrink", "Gelu", "Mish", "GLU", "ReLU", "SELU", "ELU"]),
    ("element-wise math", ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean",
                           "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil",
                           "Round", "Erf", "Clip", "clip", "Sin", "Cos", "Tan", "Asin", "Acos",
                           "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Det", "basic",
                           "params", "pow", "sqrt", "exp", "min", "max", "add", "mm", "addmm"]),
]


def family(name, ops):
    base = name[5:] if name.startswith("test_") else name
    low = base.lower()
    for fam, keys in FAMILIES:
        for k in keys:
            if low.startswith(k.lower()) or low.startswith("operator_" + k.lower()):
                return fam
    first = ops.split(",")[0] if ops else ""
    for fam, keys in FAMILIES:
        if any(first == k for k in keys):
            return fam
    return "other"


def main():
    rows = {}
    for path in sys.argv[1:]:
        for t in json.load(open(path))["tests"]:
            f = family(t["name"], t.get("ops", ""))
            r = rows.setdefault(f, [0, 0, 0])
            r[{"PASS": 0, "FAIL": 1, "SKIP": 2}[t["status"]]] += 1
    print("| op family | passed | failed | excluded | pass rate (of not excluded) |")
    print("|---|---:|---:|---:|---:|")
    tot = [0, 0, 0]
    for f in sorted(rows, key=lambda k: -sum(rows[k])):
        p, fl, s = rows[f]
        tot = [tot[0] + p, tot[1] + fl, tot[2] + s]
        rate = f"{100.0 * p / (p + fl):.0f}%" if p + fl else "-"
        print(f"| {f} | {p} | {fl} | {s} | {rate} |")
    p, fl, s = tot
    print(f"| **all** | **{p}** | **{fl}** | **{s}** | **{100.0 * p / (p + fl):.0f}%** |")


if __name__ == "__main__":
    main()
