#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes a small convolutional ONNX model (protobuf wire format by hand: no onnx package needed)
# and a matching input tensor (.pb, and raw .f32 for onnxruntime-node), for bench/onnx/run.sh: L x [Conv 3x3 C->C pad 1 + Relu] on
# 1 x C x H x W, weights from a fixed seed.
import random
import struct
import sys


def varint(v):
    out = b""
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def s(num, text):
    return field(num, 2, text.encode() if isinstance(text, str) else text)


def tensor(name, dims, floats):
    body = b"".join(field(1, 0, d) for d in dims) + field(2, 0, 1) + s(8, name)
    return body + s(9, struct.pack("<%df" % len(floats), *floats))


def attr_ints(name, vals):
    return s(1, name) + b"".join(field(8, 0, v) for v in vals) + field(20, 0, 7)


def value_info(name, dims):
    shape = b"".join(s(1, field(1, 0, d)) for d in dims)
    return s(1, name) + s(2, s(1, field(1, 0, 1) + s(2, shape)))


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
    model = field(1, 0, 8) + s(8, field(2, 0, 13)) + s(7, graph)
    open(out, "wb").write(model)
    x = [rnd.uniform(-1, 1) for _ in range(C * H * W)]
    open(inp, "wb").write(tensor("x", [1, C, H, W], x))
    open(inp + ".f32", "wb").write(struct.pack("<%df" % len(x), *x))  # raw, for onnxruntime-node


if __name__ == "__main__":
    main()
