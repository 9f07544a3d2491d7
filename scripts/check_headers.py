#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Every tracked source, script and config file starts with an SPDX line and a one-line purpose.
# usage: scripts/check_headers.py [FILE...]  (default: the files git tracks); run by make format-check.
# Prints "FILE: problem" per file that misses either and exits 1; fuzz corpora and third_party
# (inputs and vendored code, not ours to label) are left out.
import re
import subprocess
import sys

PATTERNS = ["*.c", "*.h", "*.sh", "*.py", "*.js", "*.def", "*.cmake", "*.s", "*.yaml",
            "CMakeLists.txt", "Makefile"]
SKIP = ("fuzz/corpus/", "third_party/")
# a comment marker of the file's language followed by some words of text ('#' in C starts a
# preprocessor line, not a comment)
C_PURPOSE = re.compile(r"\s*(//|/\*|\*)\s*\S.{8,}")
HASH_PURPOSE = re.compile(r"\s*(#|;)\s*\S.{8,}")


def problem(path):
    try:
        with open(path, errors="replace") as f:
            head = [f.readline().rstrip("\n") for _ in range(3)]
    except OSError as e:
        return "cannot read (%s)" % e.strerror
    i = 1 if head[0].startswith("#!") else 0
    if "SPDX-License-Identifier:" not in head[i]:
        return "no SPDX-License-Identifier line at the top"
    purpose = C_PURPOSE if path.endswith((".c", ".h", ".def", ".js")) else HASH_PURPOSE
    if not purpose.match(head[i + 1]):
        return "no one-line purpose comment after the SPDX line"
    return None


def main():
    files = sys.argv[1:]
    if not files:
        out = subprocess.run(["git", "ls-files", "--"] + PATTERNS, capture_output=True, text=True)
        files = [f for f in out.stdout.split("\n") if f and not f.startswith(SKIP)]
    bad = 0
    for f in files:
        why = problem(f)
        if why:
            print("%s: %s" % (f, why))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
