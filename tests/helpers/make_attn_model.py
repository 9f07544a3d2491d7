#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes DIR/model.onnx (opset 13) with scaled-dot-product attention spelled as torch exports it,
# Transpose(K) -> MatMul(Q, K^T) -> Div(sqrt d) -> Add(causal mask) -> Softmax -> MatMul(., V),
# and DIR/test_data_set_0 (inputs, double-precision reference output), for the fuse-attention
# tests: make_attn_model.py DIR [BATCH HEADS SEQ HEAD_DIM].
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_pb import attr_int, attr_ints, model, node, s, tensor, value_info  # noqa: E402


def main():
    out = sys.argv[1]
    B, H, S, D = (int(a) for a in sys.argv[2:6]) if len(sys.argv) > 5 else (1, 2, 40, 16)
    rnd = random.Random(9)
    shape = [B, H, S, D]
    n = B * H * S * D
    q, k, v = ([rnd.uniform(-1, 1) for _ in range(n)] for _ in range(3))
    mask = [0.0 if j <= i else -1e4 for i in range(S) for j in range(S)]
    inits = s(5, tensor("mask", [S, S], mask)) + s(5, tensor("sd", [], [math.sqrt(D)]))
    g = node("Transpose", ["k"], ["kt"], s(5, attr_ints("perm", [0, 1, 3, 2])))
    g += node("MatMul", ["q", "kt"], ["sc"]) + node("Div", ["sc", "sd"], ["ss"])
    g += node("Add", ["ss", "mask"], ["sm"])
    g += node("Softmax", ["sm"], ["p"], s(5, attr_int("axis", -1)))
    g += node("MatMul", ["p", "v"], ["y"])
    graph = g + s(2, "sdpa") + inits
    graph += b"".join(s(11, value_info(x, shape)) for x in ("q", "k", "v"))
    graph += s(12, value_info("y", shape))
    d = os.path.join(out, "test_data_set_0")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(out, "model.onnx"), "wb").write(model(graph))
    for i, (name, x) in enumerate((("q", q), ("k", k), ("v", v))):
        open(os.path.join(d, "input_%d.pb" % i), "wb").write(tensor(name, shape, x))
    y = []
    for bh in range(B * H):
        base = bh * S * D
        for i in range(S):
            sc = [sum(q[base + i * D + t] * k[base + j * D + t] for t in range(D)) / math.sqrt(D)
                  + mask[i * S + j] for j in range(S)]
            mx = max(sc)
            e = [math.exp(x - mx) for x in sc]
            z = sum(e)
            y += [sum(e[j] * v[base + j * D + t] for j in range(S)) / z for t in range(D)]
    open(os.path.join(d, "output_0.pb"), "wb").write(tensor("y", shape, y))


if __name__ == "__main__":
    main()
