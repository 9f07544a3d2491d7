#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PP-OCR mobile v2.0 text-angle classifier on the chip in fp32 against onnxruntime-node on a
# 48x192 synthetic text line. Skips without the npm packages.
set -u
. "$2/tests/cli/ocr_ort_common.bash"
ocr_ort_check "$1" "$2" ch_ppocr_mobile_v2.0_cls_infer.onnx 48 192 cls 1e-4
