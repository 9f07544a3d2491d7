#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The single list of Debian packages SeedChip needs; installs missing ones as root, else prints the apt-get line.
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config clang clang-format valgrind
  libyaml-dev libcjson-dev libopenblas-dev libsqlite3-dev libcmocka-dev
  libopenmpi-dev openmpi-bin chromium
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata
  time
  libpng-dev libjpeg62-turbo-dev python3-pil fonts-dejavu-core fonts-liberation fonts-freefont-ttf
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: missing packages; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
