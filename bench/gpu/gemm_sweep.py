#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# GEMM sweep through PyTorch (cuBLAS / cuBLASLt): achieved TFLOP/s at LLM and square shapes.
"""usage: gemm_sweep.py [--out gemm.csv] [--dtypes bf16,fp16,fp8] [--quick]

C[M x N] = A[M x K] @ B[K x N] with random operands; B is stored N x K and transposed, the
layout of nn.Linear weights. FP8 (E4M3) uses torch._scaled_mm with per-tensor scales and a
bf16 output (Hopper and newer). Each shape is timed with CUDA events (median of 50 after 10
warmups) with L2 flushed between runs. Rows: category gemm, metric tflops.
"""
import argparse

import torch

from common import RowWriter, time_cuda

SQUARES = [1024, 2048, 4096, 8192, 16384]
# (M, N, K) of Llama-2/3 7B-70B projections at decode (M = batch) and prefill (M = tokens),
# per-GPU at TP 1/2/4/8, as in the Vidur profiles in the calibration table.
LLM = [(m, n, k) for m in (1, 8, 32, 128, 512, 2048, 4096)
       for (n, k) in ((12288, 4096), (4096, 4096), (22016, 4096), (4096, 11008),
                      (10240, 8192), (8192, 8192), (57344, 8192), (8192, 28672),
                      (2560, 8192), (8192, 2048), (14336, 8192), (8192, 7168))]


def make_fn(dtype, m, n, k):
    if dtype == "fp8":
        a = torch.randn(m, k, device="cuda").to(torch.float8_e4m3fn)
        b = torch.randn(n, k, device="cuda").to(torch.float8_e4m3fn)
        one = torch.tensor(1.0, device="cuda")
        return lambda: torch._scaled_mm(a, b.t(), scale_a=one, scale_b=one,
                                        out_dtype=torch.bfloat16)
    t = {"bf16": torch.bfloat16, "fp16": torch.float16}[dtype]
    a = torch.randn(m, k, device="cuda", dtype=t)
    b = torch.randn(n, k, device="cuda", dtype=t)
    return lambda: a @ b.t()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="gemm.csv")
    ap.add_argument("--dtypes", default="bf16,fp8")
    ap.add_argument("--quick", action="store_true", help="squares only")
    args = ap.parse_args()
    w = RowWriter(args.out, "gpu-gemm")
    shapes = [(s, s, s) for s in SQUARES] + ([] if args.quick else LLM)
    fp8_ok = torch.cuda.get_device_capability(0) >= (8, 9)
    for dtype in args.dtypes.split(","):
        if dtype == "fp8" and not fp8_ok:
            print("skipping fp8: this GPU has no FP8 tensor cores")
            continue
        for (m, n, k) in shapes:
            fn = make_fn(dtype, m, n, k)
            sec = time_cuda(fn, flush_bytes=256 << 20)
            w.add("gemm", dtype, "m=%d n=%d k=%d" % (m, n, k), "tflops", 2.0 * m * n * k / sec / 1e12,
                  "TFLOPS", "gemm_sweep.py")
            del fn
            torch.cuda.empty_cache()
    w.write()


if __name__ == "__main__":
    main()
