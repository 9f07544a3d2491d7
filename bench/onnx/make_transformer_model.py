#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Exports a small transformer encoder (pre-norm, multi-head self-attention + GELU MLP) with Debian's
# torch (python3-torch, python3-onnx) for bench/onnx/run.sh, and a matching float input.
# usage: make_transformer_model.py OUT.onnx IN.pb SEQ DIM HEADS LAYERS
# Weights from a fixed seed; the input is written by make_input.py (.pb for seedchip, .f32 for ORT).
import math
import os
import subprocess
import sys

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, s, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (t.reshape(b, s, h, d // h).transpose(1, 2) for t in (q, k, v))
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // h), dim=-1) @ v
        x = x + self.proj(a.transpose(1, 2).reshape(b, s, d))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.ln2(x))))


class Encoder(nn.Module):
    def __init__(self, dim, heads, layers):
        super().__init__()
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(dim)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.ln(x)


def main():
    out, inp = sys.argv[1], sys.argv[2]
    seq, dim, heads, layers = (int(a) for a in sys.argv[3:7])
    torch.manual_seed(0)
    m = Encoder(dim, heads, layers).eval()
    x = torch.zeros(1, seq, dim)
    with torch.no_grad():
        torch.onnx.export(m, x, out + ".tmp", input_names=["x"], output_names=["y"],
                          opset_version=13)
    os.replace(out + ".tmp", out)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "make_input.py"), inp, "x",
                    "1,%d,%d" % (seq, dim)], check=True)


if __name__ == "__main__":
    main()
