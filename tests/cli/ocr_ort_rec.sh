#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PP-OCRv4 recognition (PP-LCNet + SVTR neck, CTC head) on the chip in fp32 against
# onnxruntime-node on a 48x64 synthetic text line. Skips without the npm packages.
set -u
. "$2/tests/cli/ocr_ort_common.bash"
ocr_ort_check "$1" "$2" ch_PP-OCRv4_rec_infer.onnx 48 64 rec 1e-4
