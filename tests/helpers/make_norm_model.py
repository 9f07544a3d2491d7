#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes DIR/model.onnx (opset 13, protobuf by hand) with LayerNorm and RMSNorm spelled op by op
# as torch exports them, and DIR/test_data_set_0 with an input and the outputs computed here in
# double precision, for the fuse-norm tests: make_norm_model.py DIR [ROWS [WIDTH]].
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_pb import attr_ints, model, node, s, tensor, value_info  # noqa: E402


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    rnd = random.Random(5)
    gamma = [rnd.uniform(0.5, 1.5) for _ in range(width)]
    beta = [rnd.uniform(-0.2, 0.2) for _ in range(width)]
    g2 = [rnd.uniform(0.5, 1.5) for _ in range(width)]
    eps = 1e-5
    ax = s(5, attr_ints("axes", [-1]))
    inits = b"".join(s(5, tensor(n, d, v)) for n, d, v in [
        ("gamma", [width], gamma), ("beta", [width], beta), ("g2", [width], g2),
        ("two", [], [2.0]), ("eps", [], [eps])])
    # LayerNorm: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add
    n = node("ReduceMean", ["x"], ["m"], ax) + node("Sub", ["x", "m"], ["d"])
    n += node("Pow", ["d", "two"], ["p"]) + node("ReduceMean", ["p"], ["v"], ax)
    n += node("Add", ["v", "eps"], ["ve"]) + node("Sqrt", ["ve"], ["sd"])
    n += node("Div", ["d", "sd"], ["nd"]) + node("Mul", ["nd", "gamma"], ["ng"])
    n += node("Add", ["ng", "beta"], ["y"])
    # RMSNorm (Llama): Pow, ReduceMean, Add, Sqrt, Reciprocal, Mul(x, r), Mul(g, .)
    n += node("Pow", ["x", "two"], ["q"]) + node("ReduceMean", ["q"], ["ms"], ax)
    n += node("Add", ["ms", "eps"], ["me"]) + node("Sqrt", ["me"], ["rs"])
    n += node("Reciprocal", ["rs"], ["ri"]) + node("Mul", ["x", "ri"], ["xr"])
    n += node("Mul", ["g2", "xr"], ["z"])
    dims = [rows, width]
    graph = n + s(2, "norms") + inits + s(11, value_info("x", dims))
    graph += s(12, value_info("y", dims)) + s(12, value_info("z", dims))
    os.makedirs(os.path.join(out, "test_data_set_0"), exist_ok=True)
    open(os.path.join(out, "model.onnx"), "wb").write(model(graph))
    x = [rnd.uniform(-2, 2) + (1.0 if i % 7 == 0 else 0.0) for i in range(rows * width)]
    y, z = [], []
    for r in range(rows):
        row = x[r * width:(r + 1) * width]
        mu = sum(row) / width
        var = sum((a - mu) ** 2 for a in row) / width
        y += [(a - mu) / math.sqrt(var + eps) * gamma[i] + beta[i] for i, a in enumerate(row)]
        rms = math.sqrt(sum(a * a for a in row) / width + eps)
        z += [a / rms * g2[i] for i, a in enumerate(row)]
    d = os.path.join(out, "test_data_set_0")
    open(os.path.join(d, "input_0.pb"), "wb").write(tensor("x", dims, x))
    open(os.path.join(d, "output_0.pb"), "wb").write(tensor("y", dims, y))
    open(os.path.join(d, "output_1.pb"), "wb").write(tensor("z", dims, z))


if __name__ == "__main__":
    main()
