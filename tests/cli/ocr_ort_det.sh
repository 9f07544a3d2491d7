#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PP-OCRv4 detection (DB, MobileNetV3 + RSE-FPN: Resize nearest, ConvTranspose, HardSigmoid) on
# the chip in fp32 against onnxruntime-node on a 32x32 synthetic text image. Skips without npm.
set -u
. "$2/tests/cli/ocr_ort_common.bash"
ocr_ort_check "$1" "$2" ch_PP-OCRv4_det_infer.onnx 32 32 det 1e-4
