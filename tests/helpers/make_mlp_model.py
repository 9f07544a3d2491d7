#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes an MLP as ONNX (opset 13, protobuf by hand): x[M x W0] -> MatMul W1 + b1 -> Relu -> ...
# -> MatMul Wn + bn, weights from a fixed seed, and the input x as .pb, for the tile-search and
# int8 tests: make_mlp_model.py MODEL.onnx X.pb M W0 W1 [W2 ...].
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_pb import model, node, s, tensor, value_info  # noqa: E402


def main():
    out, xpath, M = sys.argv[1], sys.argv[2], int(sys.argv[3])
    widths = [int(a) for a in sys.argv[4:]]
    rnd = random.Random(3)
    g, inits, prev = b"", b"", "x"
    for i in range(len(widths) - 1):
        k, n = widths[i], widths[i + 1]
        w = [rnd.gauss(0, (2.0 / k) ** 0.5) for _ in range(k * n)]
        b = [rnd.uniform(-0.1, 0.1) for _ in range(n)]
        inits += s(5, tensor("w%d" % i, [k, n], w)) + s(5, tensor("b%d" % i, [n], b))
        g += node("MatMul", [prev, "w%d" % i], ["m%d" % i])
        last = i == len(widths) - 2
        g += node("Add", ["m%d" % i, "b%d" % i], ["y" if last else "a%d" % i])
        if not last:
            g += node("Relu", ["a%d" % i], ["r%d" % i])
            prev = "r%d" % i
    graph = g + s(2, "mlp") + inits + s(11, value_info("x", [M, widths[0]]))
    graph += s(12, value_info("y", [M, widths[-1]]))
    open(out, "wb").write(model(graph))
    x = [rnd.uniform(-1, 1) for _ in range(M * widths[0])]
    open(xpath, "wb").write(tensor("x", [M, widths[0]], x))


if __name__ == "__main__":
    main()
