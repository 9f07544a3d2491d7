#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Builds data/validation/calibration.csv from ../shared/reference/hw_calibration.csv plus figures
# transcribed from public sources (each row keeps its source). Run once; the CSV is committed.
"""usage: make_calibration_table.py SHARED_CSV OUT_CSV

Only rows SeedChip can predict are taken (measured GEMM/collective/LLM figures on H100/H200/A100
class hardware, with shape, precision and GPU count stated), plus a few rows on hardware without a
config so that `seedchip validate` shows how it reports skips. Every 4th row of each
(category, config) group is marked `holdout`: the calibration (`seedchip validate --fit`) never
sees it. End-to-end LLM rows are all `holdout`: they validate the kernel-level calibration.
"""
import csv
import re
import sys

COLS = ["id", "category", "split", "config", "hardware", "count", "model", "precision",
        "workload", "metric", "value", "unit", "source"]

HW_CONFIG = {
    "NVIDIA A100 80GB": "a100-sxm-80g", "NVIDIA A100 SXM4 80GB": "a100-sxm-80g",
    "NVIDIA A100 80GB (Vidur 'a100')": "a100-sxm-80g", "NVIDIA DGX A100 (NVLink/NVSwitch)": "a100-sxm-80g",
    "NVIDIA H100 SXM5 80GB": "h100-sxm", "NVIDIA H100 80GB (Vidur 'h100')": "h100-sxm",
    "NVIDIA H100 SXM 80GB": "h100-sxm", "NVIDIA DGX H100 (NVLink/NVSwitch)": "h100-sxm",
    "NVIDIA H800 SXM5 (H100-class compute)": "h100-sxm",
    "NVIDIA H200 SXM 141GB": "h200-sxm",
    "AMD Instinct MI300X": "mi300x", "Intel Gaudi 3": "gaudi3", "NVIDIA B200 SXM": "b200-sxm",
}

PREC = {"FP16": "fp16", "BF16": "bf16", "FP8 e4m3": "fp8", "FP8 e4m3 (block-scaled)": "fp8",
        "FP8": "fp8", "fp16": "fp16"}

ZOO = {"GPT-J 6B": "gpt-j-6b", "LLaMA(2) 7B": "llama-2-7b", "LLaMA(2) 70B": "llama-2-70b"}

rows = []


def add(category, config, hardware, count, model, prec, workload, metric, value, unit, source):
    rows.append(dict(category=category, config=config, hardware=hardware, count=str(count),
                     model=model, precision=prec, workload=workload, metric=metric,
                     value=str(value), unit=unit, source=source))


def shape(text):
    m = re.search(r"M=(\d+) N=(\d+) K=(\d+)", text) or re.search(r"MxNxK=\((\d+), (\d+), (\d+)\)", text) \
        or re.search(r"MxNxK=(\d+)x(\d+)x(\d+)", text)
    return "m=%s n=%s k=%s" % m.groups() if m else None


def from_shared(path):
    for r in csv.DictReader(open(path)):
        hw, metric, wl, src = r["hardware"], r["metric"], r["workload(batch/in/out)"], r["source"]
        cfg = HW_CONFIG.get(hw)
        if not cfg or "(derived" in src:  # derived rows repeat a measurement in other units
            continue
        prec = PREC.get(r["precision"], r["precision"].lower())
        if metric in ("achieved_TFLOPS", "max_achievable_matmul_TFLOPS") and shape(wl):
            add("gemm", cfg, hw, r["count"], "-", prec, shape(wl), "tflops", r["value"], "TFLOPS", src)
        elif metric == "op_latency_median" and shape(wl):
            add("gemm", cfg, hw, 1, "-", prec, shape(wl), "latency", r["value"], "ms", src)
        elif metric == "allreduce_latency_median":
            size = re.search(r"message (\d+) bytes", wl).group(1)
            add("collective", cfg, hw, r["count"], "-", "fp16", "op=allreduce bytes=%s" % size,
                "latency", r["value"], "ms", src)
        elif metric == "first_token_latency" and r["model"] in ZOO:
            inp = re.search(r"in=(\d+)", wl).group(1)
            add("llm", cfg, hw, r["count"], ZOO[r["model"]], prec,
                "batch=1 in=%s out=1 tp=%s" % (inp, r["count"]), "ttft", r["value"], "ms", src)
        elif metric == "output_throughput" and r["model"] in ZOO:
            b, i, o = re.search(r"batch=(\d+)/in=(\d+)/out=(\d+)", wl).groups()
            per = " per_gpu=1" if r["unit"] == "tok/s/GPU" else ""
            add("llm", cfg, hw, r["count"], ZOO[r["model"]], prec,
                "batch=%s in=%s out=%s tp=%s%s" % (b, i, o, r["count"], per), "throughput",
                r["value"], "tok/s", src)
        elif metric == "layer_latency":
            layer_ops(cfg, hw, wl, src)


def layer_ops(cfg, hw, wl, src):
    """LLMCompass GPT-3 175B layer on 4 x A100: the per-op times in the source become rows."""
    ops = dict(re.findall(r"(QKV|QK|AV|Wo|W1|W2|AllReduce) ([0-9.]+)", src))
    d, heads, tp = 12288, 96, 4
    h = heads // tp
    if "prefill" in wl:
        t = 8 * 2048
        gemms = {"QKV": (t, 3 * d // tp, d), "Wo": (t, d, d // tp), "W1": (t, 4 * d // tp, d),
                 "W2": (t, d, 4 * d // tp)}
        attn = {"QK": (8 * h, 2048, 2048, 128), "AV": (8 * h, 2048, 128, 2048)}
        ar = t * d * 2
    else:
        t = 8
        gemms = {"QKV": (t, 3 * d // tp, d), "Wo": (t, d, d // tp), "W1": (t, 4 * d // tp, d),
                 "W2": (t, d, 4 * d // tp)}
        attn = {"QK": (8 * h, 1, 3072, 128), "AV": (8 * h, 1, 128, 3072)}
        ar = t * d * 2
    note = src.split(" (")[0] + " (per-op time from the layer breakdown; shapes from test_transformer.py)"
    for op, (m, n, k) in gemms.items():
        add("gemm", cfg, hw, 1, "gpt-3-175b", "fp16", "m=%d n=%d k=%d" % (m, n, k), "latency", ops[op], "ms",
            note + " op=" + op)
    for op, (b, m, n, k) in attn.items():
        add("attention", cfg, hw, 1, "gpt-3-175b", "fp16", "batch=%d m=%d n=%d k=%d" % (b, m, n, k),
            "latency", ops[op], "ms", note + " op=" + op)
    add("collective", cfg, hw, 4, "gpt-3-175b", "fp16", "op=allreduce bytes=%d" % ar, "latency",
        ops["AllReduce"], "ms", note + " op=AllReduce")


AZURE = {
    "h100-sxm": ("NVIDIA H100 80GB HBM3 (Azure ND H100 v5)", "fp8",
                 "INDEPENDENT: github Azure/AI-benchmarking-guide (mirror samuel-bohman/AI-benchmarking-guide@26d18e9) Azure_Results/ND_H100_v5_results.md (cuBLASLt, random init, 10,000 warmup iterations; CUDA 12.6)",
                 [274.1, 1011.3, 1216.9, 1290.1, 1377.3, 1382.2, 410.7, 1351.4, 663.8],
                 {"copy": 2.90, "triad": 2.97, "dot": 3.18},
                 [0.07, 0.14, 0.27, 0.53, 0.95, 1.71, 2.72, 5.40, 10.86, 21.35, 43.70, 81.93, 128.73, 172.13,
                  234.45, 295.53, 361.78, 400.61, 423.38, 438.46, 466.35, 472.36, 475.54, 478.87]),
    "h200-sxm": ("NVIDIA H200 141GB (Azure ND H200 v5)", "fp8",
                 "INDEPENDENT: github Azure/AI-benchmarking-guide@7f20e5f Azure_Results/ND_H200_v5_results.md (cuBLASLt, random init, 10,000 warmup iterations; CUDA 12.6)",
                 [290.8, 1013.4, 1249.1, 1300.6, 1366.3, 1349.5, 407.9, 1318.0, 717.5],
                 {"copy": 4.01, "triad": 4.15, "dot": 4.48},
                 [0.06, 0.12, 0.23, 0.47, 0.93, 1.84, 3.72, 7.39, 14.75, 29.38, 52.96, 88.78, 138.44, 181.94,
                  240.41, 300.91, 368.11, 412.45, 432.24, 442.72, 467.58, 472.57, 477.41, 479.98]),
    "a100-sxm-80g": ("NVIDIA A100-SXM4-80GB (Azure ND A100 v4)", "fp16",
                     "INDEPENDENT: github Azure/AI-benchmarking-guide@3bb66ca Azure_Results/ND_A100_v4_results.md (cuBLASLt, random init, 10,000 warmup iterations; CUDA 12.5)",
                     [119.4, 221.8, 228.0, 253.7, 256.5, None, 132.8, 250.8, 157.8],
                     {"copy": 1.61, "triad": 1.70, "dot": 1.75},
                     [0.04, 0.08, 0.17, 0.33, 0.67, 1.37, 2.70, 5.15, 10.11, 19.24, 36.22, 53.54, 71.43, 89.99,
                      109.22, 132.77, 166.63, 174.18, 213.87, 221.58, 228.10, 230.22, 230.48, 231.58]),
}
AZ_SHAPES = [(1024, 1024, 1024), (2048, 2048, 2048), (4096, 4096, 4096), (8192, 8192, 8192),
             (16384, 16384, 16384), (32768, 32768, 32768), (1024, 2145, 1024), (6144, 12288, 12288),
             (802816, 192, 768)]
# BabelStream-style kernels on 2^25-element FP64 arrays (268 MB each); bytes moved per element.
STREAM = {"copy": ("op=copy bytes=536870912 read_fraction=0.5"),
          "triad": ("op=triad bytes=805306368 read_fraction=0.667"),
          "dot": ("op=dot bytes=536870912 read_fraction=1")}
NCCL_SIZES = [1 << i for i in range(10, 34)]


def from_azure():
    for cfg, (hw, prec, src, gemm, stream, nccl) in AZURE.items():
        for (m, n, k), v in zip(AZ_SHAPES, gemm):
            if v is not None:
                add("gemm", cfg, hw, 1, "-", prec, "m=%d n=%d k=%d" % (m, n, k), "tflops", v, "TFLOPS",
                    src + " 'GEMM CuBLASLt'")
        for op, v in stream.items():
            add("memory", cfg, hw, 1, "-", "fp64", STREAM[op], "bandwidth", v, "TB/s",
                src + " 'HBM Bandwidth' (BabelStream-style " + op + ")")
        for size, v in zip(NCCL_SIZES, nccl):
            add("collective", cfg, hw, 8, "-", "fp32", "op=allreduce bytes=%d" % size, "busbw", v, "GB/s",
                src + " 'NCCL Bandwidth' (nccl-tests all_reduce_perf busbw, in-place, 8 GPUs)")


def main():
    from_shared(sys.argv[1])
    from_azure()
    seen, group_n = set(), {}
    out = []
    for r in rows:
        key = (r["category"], r["config"], r["workload"], r["metric"], r["precision"], r["count"], r["model"],
               r["source"][:40])
        if key in seen:
            continue
        seen.add(key)
        g = (r["category"], r["config"])
        i = group_n.get(g, 0)
        group_n[g] = i + 1
        r["split"] = "holdout" if r["category"] == "llm" or i % 4 == 3 else "fit"
        r["id"] = "%s-%s-%03d" % (r["category"], r["config"], i + 1)
        out.append(r)
    with open(sys.argv[2], "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    print("%d rows" % len(out), file=sys.stderr)


if __name__ == "__main__":
    main()
