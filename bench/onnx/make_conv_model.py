#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes a small convolutional ONNX model (protobuf wire format by hand: no onnx package needed)
# and a matching input tensor (.pb, and raw .f32 for onnxruntime-node), for bench/onnx/run.sh: L x [Conv 3x3 C->C pad 1 + Relu] on
# 1 x C x H x W, weights from a fixed seed.
import os
import random
import struct
import sys

# the hand-written protobuf encoder shared with the test generators
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "helpers"))
from onnx_pb import attr_ints, model, s, tensor, value_info  # noqa: E402


def main():
    out, inp = sys.argv[1], sys.argv[2]
    C, H, W, L = (int(a) for a in sys.argv[3:7])
    rnd = random.Random(1)
    nodes, inits = b"", b""
    prev = "x"
    for i in range(L):
        w = [rnd.gauss(0, (2.0 / (9 * C)) ** 0.5) for _ in range(C * C * 9)]
        b = [rnd.uniform(-0.1, 0.1) for _ in range(C)]
        inits += s(5, tensor("w%d" % i, [C, C, 3, 3], w)) + s(5, tensor("b%d" % i, [C], b))
        conv = s(1, prev) + s(1, "w%d" % i) + s(1, "b%d" % i) + s(2, "c%d" % i) + s(4, "Conv")
        conv += s(5, attr_ints("pads", [1, 1, 1, 1])) + s(5, attr_ints("kernel_shape", [3, 3]))
        y = "y" if i == L - 1 else "r%d" % i
        nodes += s(1, conv) + s(1, s(1, "c%d" % i) + s(2, y) + s(4, "Relu"))
        prev = y
    graph = nodes + s(2, "convnet") + inits
    graph += s(11, value_info("x", [1, C, H, W])) + s(12, value_info("y", [1, C, H, W]))
    open(out, "wb").write(model(graph))
    x = [rnd.uniform(-1, 1) for _ in range(C * H * W)]
    open(inp, "wb").write(tensor("x", [1, C, H, W], x))
    open(inp + ".f32", "wb").write(struct.pack("<%df" % len(x), *x))  # raw, for onnxruntime-node


if __name__ == "__main__":
    main()
