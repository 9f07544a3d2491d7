#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# HBM bandwidth of streaming kernels (copy, triad, read-only sum), BabelStream-style byte counts.
"""usage: hbm_bandwidth.py [--out hbm.csv] [--mib 1024]

Arrays of --mib MiB each (far beyond L2). Bytes counted as BabelStream does: copy c = a moves
2 arrays, triad a = b + s*c moves 3, the read-only reduction sum(a) moves 1. Rows: category
memory, metric bandwidth (GB/s), workload bytes= and read_fraction= as in the calibration table.
Sizes 1 MiB .. --mib show where launch overhead stops mattering.
"""
import argparse

import torch

from common import RowWriter, time_cuda


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="hbm.csv")
    ap.add_argument("--mib", type=int, default=1024)
    args = ap.parse_args()
    w = RowWriter(args.out, "gpu-hbm")
    mib = 1
    while mib <= args.mib:
        n = mib * (1 << 20) // 4  # fp32 elements
        a = torch.rand(n, device="cuda")
        b = torch.rand(n, device="cuda")
        c = torch.rand(n, device="cuda")
        kernels = {
            "copy": (lambda: c.copy_(a), 2, 0.5),
            "triad": (lambda: torch.add(b, c, alpha=0.4, out=a), 3, 2.0 / 3),
            "sum": (lambda: a.sum(), 1, 1.0),
        }
        for op, (fn, arrays, rf) in kernels.items():
            bytes_moved = arrays * n * 4
            sec = time_cuda(fn, iters=100)
            w.add("memory", "fp32", "op=%s bytes=%d read_fraction=%.3f" % (op, bytes_moved, rf),
                  "bandwidth", bytes_moved / sec / 1e9, "GB/s", "hbm_bandwidth.py")
        del a, b, c
        torch.cuda.empty_cache()
        mib *= 4
    w.write()


if __name__ == "__main__":
    main()
