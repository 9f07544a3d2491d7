#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes one float32 input tensor for bench/onnx/run.sh: OUT.pb (ONNX TensorProto, for seedchip) and
# OUT.pb.f32 (raw little-endian, for onnxruntime-node). usage: make_input.py OUT.pb NAME D0,D1,... [SEED]
# Values: uniform in [-1, 1) from a fixed seed (a normalised image or an activation, in range).
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "helpers"))
from onnx_pb import tensor  # noqa: E402  (the hand-written protobuf encoder)


def main():
    out, name, dims_text = sys.argv[1], sys.argv[2], sys.argv[3]
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    dims = [int(d) for d in dims_text.split(",")]
    n = 1
    for d in dims:
        n *= d
    vals = [rnd.uniform(-1, 1) for _ in range(n)]
    with open(out + ".tmp", "wb") as f:
        f.write(tensor(name, dims, vals))
    with open(out + ".f32.tmp", "wb") as f:
        f.write(struct.pack("<%df" % n, *vals))
    os.replace(out + ".tmp", out)
    os.replace(out + ".f32.tmp", out + ".f32")


if __name__ == "__main__":
    main()
