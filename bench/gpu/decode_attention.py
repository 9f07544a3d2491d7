#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Decode attention: the two batched matmuls of one decode step (Q.K^T, P.V) at batch x context.
"""usage: decode_attention.py [--out attn.csv] [--heads 32] [--head-dim 128]

One query token per sequence attends to ctx cached keys/values, one head per batched GEMM:
  scores = Q [B*H, 1, D] @ K^T [B*H, D, ctx]     -> batch=B*H m=1 n=ctx k=D
  out    = P [B*H, 1, ctx] @ V [B*H, ctx, D]     -> batch=B*H m=1 n=D k=ctx
timed as torch.bmm in bf16 (unfused, the form the calibration table's LLMCompass rows have),
so `seedchip validate` predicts each with its batched-GEMM model (category attention).
The fused kernel (scaled_dot_product_attention) is timed too and printed, not written: its
time is not one GEMM and the table has no predictor for it yet.
"""
import argparse

import torch
import torch.nn.functional as F

from common import RowWriter, time_cuda


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="attn.csv")
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--head-dim", type=int, default=128)
    args = ap.parse_args()
    w = RowWriter(args.out, "gpu-attn")
    h, d = args.heads, args.head_dim
    for batch in (1, 8, 32, 128):
        for ctx in (512, 2048, 8192):
            if batch * h * ctx * d * 2 * 2 > 24e9:  # K + V beyond 24 GB: skip
                continue
            bh = batch * h
            q = torch.randn(bh, 1, d, device="cuda", dtype=torch.bfloat16)
            k = torch.randn(bh, ctx, d, device="cuda", dtype=torch.bfloat16)
            v = torch.randn(bh, ctx, d, device="cuda", dtype=torch.bfloat16)
            p = torch.randn(bh, 1, ctx, device="cuda", dtype=torch.bfloat16)
            kt = k.transpose(1, 2)
            sec = time_cuda(lambda: torch.bmm(q, kt), flush_bytes=256 << 20)
            w.add("attention", "bf16", "batch=%d m=1 n=%d k=%d" % (bh, ctx, d), "latency",
                  sec * 1e3, "ms", "decode_attention.py")
            sec = time_cuda(lambda: torch.bmm(p, v), flush_bytes=256 << 20)
            w.add("attention", "bf16", "batch=%d m=1 n=%d k=%d" % (bh, d, ctx), "latency",
                  sec * 1e3, "ms", "decode_attention.py")
            q4 = q.view(batch, h, 1, d)
            k4, v4 = k.view(batch, h, ctx, d), v.view(batch, h, ctx, d)
            fused = time_cuda(lambda: F.scaled_dot_product_attention(q4, k4, v4),
                              flush_bytes=256 << 20)
            kv_gbs = 2 * k.numel() * 2 / fused / 1e9
            print("fused decode attention batch %d ctx %d: %.1f us, %.0f GB/s of K/V" %
                  (batch, ctx, fused * 1e6, kv_gbs))
            del q, k, v, p, kt, q4, k4, v4
            torch.cuda.empty_cache()
    w.write()


if __name__ == "__main__":
    main()
