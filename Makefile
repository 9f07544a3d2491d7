# SPDX-License-Identifier: Apache-2.0
# Front door: `make run` (demonstration on SeedChip-1) and `make test`; wraps CMake + ctest.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
WERROR     ?= ON
CMAKE_ARGS ?=

.PHONY: all deps fetch build run test test-asan valgrind format format-check fuzz bench clean

all: build

deps:
	@bash scripts/deps.sh

# npm reference packages (onnxruntime-node); tests that need them skip when this could not run.
fetch:
	@bash scripts/fetch_models.sh >/dev/null 2>&1 || echo "fetch: npm packages not installed; ONNX Runtime comparisons will skip" >&2

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSEEDCHIP_WERROR=$(WERROR) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/demo.sh ./$(BUILD)/seedchip

test: build fetch
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSEEDCHIP_SANITIZE=ON -DSEEDCHIP_WERROR=$(WERROR) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 SEEDCHIP_ASAN=1 ctest --output-on-failure -j $(JOBS)

# Valgrind memcheck of the test suite (docs/ROBUSTNESS.md). The shell-level CLI tests are left
# out by default (valgrind would trace bash); VALGRIND_EXCLUDE='' runs them too.
VALGRIND_EXCLUDE ?= ^cli_
valgrind: build
	@cd $(BUILD) && ctest -T memcheck -j $(JOBS) --output-on-failure $(if $(VALGRIND_EXCLUDE),-E '$(VALGRIND_EXCLUDE)') \
	  --overwrite MemoryCheckCommand=$$(command -v valgrind) \
	  --overwrite MemoryCheckCommandOptions="--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite -q"

# libFuzzer targets (fuzz/, clang): FUZZ_SECONDS per target, one after another, nice'd. Each target
# is built on its own: one that fails to build is reported at the end (non-zero exit) and the
# others still run.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEEDCHIP_FUZZ=ON -DSEEDCHIP_TESTS=OFF -DSEEDCHIP_WERROR=OFF $(CMAKE_ARGS) >/dev/null
	@bash fuzz/build.sh $(FUZZ_BUILD) $(JOBS) $(FUZZ_TARGETS); \
	  bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	@clang-format -i $(FORMAT_FILES)

# also: every tracked source/script/config file starts with SPDX + a one-line purpose
format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files clean"
	@python3 scripts/check_headers.py && echo "format-check: SPDX + purpose lines present"

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
