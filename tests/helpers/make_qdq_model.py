#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes a QDQ-quantised model as ONNX Runtime's quantize_static lays it out (QuantizeLinear ->
# DequantizeLinear on every activation entering a MatMul/Conv, int8 weights with per-channel
# scales behind a DequantizeLinear), plus its input as .pb, for the fuse-int8 tests and timings:
#   make_qdq_model.py mlp MODEL.onnx X.pb M W0 W1 [W2 ...]   uint8 activations (asymmetric)
#   make_qdq_model.py conv MODEL.onnx X.pb C H W LAYERS       int8 activations, 3x3 convs
#   make_qdq_model.py conv_u8 MODEL.onnx X.pb C H W LAYERS    the same with uint8 activations
#                                                             (asymmetric, as quantize_static)
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_pb import attr_int, attr_ints, field, model, node, s, tensor, value_info  # noqa: E402

UINT8, INT8 = 2, 3


def int_tensor(name, dims, dtype, vals):
    """An 8-bit TensorProto (raw_data, one byte per value)."""
    fmt = "<%d%s" % (len(vals), "B" if dtype == UINT8 else "b")
    body = b"".join(field(1, 0, d) for d in dims) + field(2, 0, dtype) + s(8, name)
    return body + s(9, struct.pack(fmt, *vals))


def qdq(x, name, scale, zp, dtype):
    """x -> QuantizeLinear -> DequantizeLinear with scalar scale and zero point."""
    inits = s(5, tensor(name + "_s", [], [scale])) + s(5, int_tensor(name + "_z", [], dtype, [zp]))
    g = node("QuantizeLinear", [x, name + "_s", name + "_z"], [name + "_q"])
    g += node("DequantizeLinear", [name + "_q", name + "_s", name + "_z"], [name + "_dq"])
    return g, inits, name + "_dq"


def weight(w, chans, k, per_row):
    """Symmetric int8 per channel of w ([chans x k] when per_row, else [k x chans]): the int8
    values, the chans scales and the tensor's dims."""
    idx = (lambda c, j: c * k + j) if per_row else (lambda c, j: j * chans + c)
    sc = [max(abs(w[idx(c, j)]) for j in range(k)) / 127 or 1.0 for c in range(chans)]
    q = [0] * len(w)
    for c in range(chans):
        for j in range(k):
            q[idx(c, j)] = max(-127, min(127, round(w[idx(c, j)] / sc[c])))
    dims = [chans, k] if per_row else [k, chans]
    return q, sc, dims


def mlp(args, rnd):
    M, widths = int(args[0]), [int(a) for a in args[1:]]
    g, inits, prev, lo, hi = b"", b"", "x", -1.0, 1.0
    for i in range(len(widths) - 1):
        k, n = widths[i], widths[i + 1]
        sx = (hi - lo) / 255
        gq, iq, a = qdq(prev, "a%d" % i, sx, int(round(-lo / sx)), UINT8)
        w = [rnd.gauss(0, (2.0 / k) ** 0.5) for _ in range(k * n)]
        q, sc, dims = weight(w, n, k, False)
        inits += iq + s(5, int_tensor("w%d" % i, dims, INT8, q))
        inits += s(5, tensor("w%d_s" % i, [n], sc))
        inits += s(5, tensor("b%d" % i, [n], [rnd.uniform(-0.1, 0.1) for _ in range(n)]))
        g += gq + node("DequantizeLinear", ["w%d" % i, "w%d_s" % i], ["w%d_dq" % i])
        g += node("MatMul", [a, "w%d_dq" % i], ["m%d" % i])
        last = i == len(widths) - 2
        g += node("Add", ["m%d" % i, "b%d" % i], ["y" if last else "p%d" % i])
        if not last:
            g += node("Relu", ["p%d" % i], ["r%d" % i])
            prev, lo, hi = "r%d" % i, 0.0, 4.0  # post-ReLU range: uint8 with zero point 0
    graph = g + s(2, "qdq_mlp") + inits + s(11, value_info("x", [M, widths[0]]))
    graph += s(12, value_info("y", [M, widths[-1]]))
    x = [rnd.uniform(-1, 1) for _ in range(M * widths[0])]
    return graph, [M, widths[0]], x


def conv(args, rnd, u8=False):
    C, H, W, layers = (int(a) for a in args)
    g, inits, prev, lo = b"", b"", "x", -2.0
    pads = s(5, attr_ints("pads", [1, 1, 1, 1]))
    for i in range(layers):
        if u8:  # [lo, lo + 8] in uint8: zero point 64 on the input, 0 after a ReLU
            gq, iq, a = qdq(prev, "a%d" % i, 8.0 / 255, int(round(-lo / (8.0 / 255))), UINT8)
            lo = 0.0
        else:  # symmetric int8 activations
            gq, iq, a = qdq(prev, "a%d" % i, 4.0 / 127, 0, INT8)
        k = C * 9
        w = [rnd.gauss(0, (2.0 / k) ** 0.5) for _ in range(C * k)]
        q, sc, _ = weight(w, C, k, True)
        inits += iq + s(5, int_tensor("w%d" % i, [C, C, 3, 3], INT8, q))
        inits += s(5, tensor("w%d_s" % i, [C], sc))
        inits += s(5, tensor("b%d" % i, [C], [rnd.uniform(-0.1, 0.1) for _ in range(C)]))
        g += gq + node("DequantizeLinear", ["w%d" % i, "w%d_s" % i], ["w%d_dq" % i],
                       s(5, attr_int("axis", 0)))
        last = i == layers - 1
        g += node("Conv", [a, "w%d_dq" % i, "b%d" % i], ["y" if last else "c%d" % i], pads)
        if not last:
            g += node("Relu", ["c%d" % i], ["r%d" % i])
            prev = "r%d" % i
    graph = g + s(2, "qdq_conv") + inits + s(11, value_info("x", [1, C, H, W]))
    graph += s(12, value_info("y", [1, C, H, W]))
    x = [rnd.uniform(-2, 2) for _ in range(C * H * W)]
    return graph, [1, C, H, W], x


def main():
    kind, out, xpath = sys.argv[1], sys.argv[2], sys.argv[3]
    rnd = random.Random(5)
    make = {"mlp": mlp, "conv": conv, "conv_u8": lambda a, r: conv(a, r, True)}[kind]
    graph, dims, x = make(sys.argv[4:], rnd)
    open(out, "wb").write(model(graph))
    open(xpath, "wb").write(tensor("x", dims, x))


if __name__ == "__main__":
    main()
