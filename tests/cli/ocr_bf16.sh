#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The OCR fixtures read exactly with bf16 MMA operands (tests/cli/ocr.sh at bf16).
exec bash "$(dirname "$0")/ocr.sh" "$1" "$2" bf16
