// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the text `seedchip membench` accepts: address maps and unit-bearing sizes.
/*
 * Input: "MAP\nUNIT-TEXT". The map goes through sc_mem_map_parse and, when it parses, through
 * sc_mem_create for every DRAM preset; the address mapping must then be a bijection on the
 * bursts of the addresses tried. The second line goes through sc_parse_unit for every unit kind.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mem/mem.h"

#define MAX_TEXT 1024

static const char *const PRESETS[] = {"hbm3e-12h", "hbm3-8h", "lpddr5x"};

static void check_mapping(const sc_mem_map *map, const char *preset, const uint8_t *data,
                          size_t size) {
    sc_dram_cfg cfg;
    FUZZ_CHECK(sc_mem_preset(preset, &cfg, NULL) == SC_OK);
    sc_mem_params params = sc_mem_default_params();
    params.map = *map;
    sc_mem *m = NULL;
    sc_err err = {0};
    if (sc_mem_create(&cfg, &params, &m, &err) != SC_OK) {
        FUZZ_CHECK(m == NULL && err.msg[0] != '\0');
        return;
    }
    sc_mem_geometry g;
    sc_mem_get_geometry(m, &g);
    uint64_t cap = g.capacity;
    FUZZ_CHECK(cap > 0);
    /* Addresses from the input bytes, plus both ends of the space. */
    uint64_t addrs[6] = {0, cap - 1, 0, 0, 0, 0};
    for (size_t i = 0; i < 4 && i * 8 < size; i++) {
        uint64_t v = 0;
        memcpy(&v, data + i * 8, SC_MIN(8, size - i * 8));
        addrs[2 + i] = v % cap;
    }
    for (size_t i = 0; i < 6; i++) {
        sc_mem_coord c;
        uint64_t back = 0;
        FUZZ_CHECK(sc_mem_decode(m, addrs[i], &c, NULL) == SC_OK);
        /* The map works on bursts: the address comes back rounded down to its burst. */
        uint64_t want = addrs[i] - addrs[i] % g.burst_bytes;
        FUZZ_CHECK(sc_mem_encode(m, &c, &back, NULL) == SC_OK && back == want);
    }
    sc_mem_destroy(m);
}

static void check_units(const char *text) {
    for (int k = SC_UNIT_NONE; k <= SC_UNIT_DOLLARS; k++) {
        double v = 0;
        char why[160];
        why[0] = '\0';
        if (sc_parse_unit(text, (sc_unit_kind)k, &v, why, sizeof why) == 0)
            FUZZ_CHECK(!isnan(v));
        else
            FUZZ_CHECK(why[0] != '\0');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > MAX_TEXT) return 0;
    char text[MAX_TEXT + 1];
    memcpy(text, data, size);
    text[size] = '\0';
    char *unit = strchr(text, '\n');
    if (unit) *unit++ = '\0';
    sc_mem_map map;
    sc_err err = {0};
    if (sc_mem_map_parse(text, &map, &err) == SC_OK) {
        FUZZ_CHECK(map.n_digits >= 1 && map.n_digits <= SC_MEM_MAP_MAX_DIGITS);
        for (size_t i = 0; i < SC_ARRAY_LEN(PRESETS); i++)
            check_mapping(&map, PRESETS[i], data, size);
    } else {
        FUZZ_CHECK(err.msg[0] != '\0');
    }
    if (unit) check_units(unit);
    return 0;
}
