# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the GPU measurement scripts: device -> config, CUDA-event timing, table rows.
"""Rows are written in the format of data/validation/calibration.csv so that
`seedchip validate --table OUT.csv` predicts them directly:

    id,category,split,config,hardware,count,model,precision,workload,metric,value,unit,source

Every row's source names the script, the device, the software stack and the date.
"""
import csv
import datetime
import os
import statistics

import torch

COLUMNS = ["id", "category", "split", "config", "hardware", "count", "model", "precision",
           "workload", "metric", "value", "unit", "source"]

# nvidia-smi / torch device names -> SeedChip config. Anything else is written with config
# "unknown-gpu" and `seedchip validate` lists it as skipped.
CONFIGS = [("H200", "h200-sxm"), ("H100 80GB HBM3", "h100-sxm"), ("H100 SXM", "h100-sxm"),
           ("A100-SXM4-80GB", "a100-sxm-80g"), ("A100 80GB", "a100-sxm-80g")]


def device_config():
    name = torch.cuda.get_device_name(0)
    for key, cfg in CONFIGS:
        if key in name:
            return name, cfg
    return name, "unknown-gpu"


def source(script):
    name, _ = device_config()
    return ("MEASURED: bench/gpu/%s on %s, torch %s, CUDA %s, %s" %
            (script, name, torch.__version__, torch.version.cuda,
             datetime.date.today().isoformat()))


def time_cuda(fn, warmup=10, iters=50, flush_bytes=0):
    """Median seconds of fn() over iters runs, timed with CUDA events after warmup runs.

    flush_bytes > 0 writes a scratch buffer of that size before each run, so operands do not sit
    in L2 between iterations (what a model layer sees: the next layer's weights are cold)."""
    scratch = torch.empty(flush_bytes, dtype=torch.uint8, device="cuda") if flush_bytes else None
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        if scratch is not None:
            scratch.zero_()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1e-3)
    return statistics.median(times)


class RowWriter:
    """Collects rows and writes them (atomically) in the calibration-table format."""

    def __init__(self, path, prefix):
        self.path, self.prefix, self.rows = path, prefix, []
        self.hardware, self.config = device_config()

    def add(self, category, precision, workload, metric, value, unit, script, count=1, model="-",
            split="holdout"):
        self.rows.append(dict(id="%s-%03d" % (self.prefix, len(self.rows) + 1), category=category,
                              split=split, config=self.config, hardware=self.hardware,
                              count=str(count), model=model, precision=precision,
                              workload=workload, metric=metric, value="%.6g" % value, unit=unit,
                              source=source(script)))

    def write(self):
        tmp = "%s.tmp.%d" % (self.path, os.getpid())
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
            w.writeheader()
            w.writerows(self.rows)
        os.replace(tmp, self.path)
        print("wrote %d rows to %s" % (len(self.rows), self.path))
