// SPDX-License-Identifier: Apache-2.0
// Fuzz target: YAML chip configs through sc_chip_load (libyaml, inheritance, --set, binding).
/*
 * Input: a YAML document. Leading lines "#set KEY=VALUE" (YAML comments, so the rest still
 * parses) become --set overrides, up to 8, which exercises sc_ynode_set_path as well. `base:`
 * lines may name the shipped configs, so inheritance and merging are reached too.
 * Invariant: a config that loads has finite, non-negative derived figures.
 */
#include <math.h>
#include <string.h>

#include "chip/chip.h"
#include "fuzz.h"

#define MAX_SETS 8
#define SET_LEN  256

static size_t take_overrides(const uint8_t *data, size_t size, char sets[][SET_LEN], size_t *n) {
    size_t at = 0;
    *n = 0;
    while (*n < MAX_SETS && size - at > 5 && memcmp(data + at, "#set ", 5) == 0) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t len = end - at - 5;
        if (len >= SET_LEN || memchr(data + at + 5, '\0', len)) break;
        memcpy(sets[*n], data + at + 5, len);
        sets[(*n)++][len] = '\0';
        at = nl ? end + 1 : end;
    }
    return at;
}

static void check_summary(const sc_chip *chip) {
    sc_chip_summary s;
    FUZZ_CHECK(sc_chip_summarize(chip, &s) == SC_OK);
    const double v[] = {
        s.hbm_bandwidth_gbs,   s.hbm_capacity_gb, s.capacity_tier_gb, s.sram_total_mib,
        s.ridge_flop_per_byte, s.tdp_w,           s.clock_ghz,        s.capacity_tier_bandwidth_gbs,
        s.link_bandwidth_gbs};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        FUZZ_CHECK(isfinite(v[i]) && v[i] >= 0);
    for (int t = 0; t < SC_DTYPE_COUNT; t++)
        FUZZ_CHECK(isfinite(s.peak_tflops[t]) && s.peak_tflops[t] >= 0);
    FUZZ_CHECK(s.cores >= 1 && memchr(s.name, '\0', sizeof s.name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char sets[MAX_SETS][SET_LEN];
    const char *ptrs[MAX_SETS];
    size_t n_sets = 0;
    size_t body = take_overrides(data, size, sets, &n_sets);
    for (size_t i = 0; i < n_sets; i++)
        ptrs[i] = sets[i];
    const char *path = fuzz_temp_file(".yaml", data + body, size - body);
    if (!path) return 0;
    sc_chip_load_params p = sc_chip_load_default_params();
    p.overrides = ptrs;
    p.n_overrides = n_sets;
    sc_chip *chip = NULL;
    char err[512];
    err[0] = '\0';
    sc_status st = sc_chip_load(path, &p, &chip, err, sizeof err);
    if (st == SC_OK) {
        FUZZ_CHECK(chip != NULL);
        check_summary(chip);
    } else {
        /* Every failure explains itself in one line. */
        FUZZ_CHECK(chip == NULL && err[0] != '\0' && !strchr(err, '\n'));
    }
    sc_chip_destroy(chip);
    return 0;
}
