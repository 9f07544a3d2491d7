// SPDX-License-Identifier: Apache-2.0
// Unit-bearing numbers in configs ("1.5GHz", "36GB", "4MiB", "9.6Gbps"), converted to SI base
// units.
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct unit_row {
    const char *suffix;
    sc_unit_kind kind;
    double scale;
} unit_row;

/* Longest suffixes first within a family so "GiB/s" is not read as "B/s". */
static const unit_row UNITS[] = {
    {"KiB/s", SC_UNIT_BANDWIDTH, 1024.0},
    {"MiB/s", SC_UNIT_BANDWIDTH, 1048576.0},
    {"GiB/s", SC_UNIT_BANDWIDTH, 1073741824.0},
    {"TiB/s", SC_UNIT_BANDWIDTH, 1099511627776.0},
    {"KB/s", SC_UNIT_BANDWIDTH, 1e3},
    {"kB/s", SC_UNIT_BANDWIDTH, 1e3},
    {"MB/s", SC_UNIT_BANDWIDTH, 1e6},
    {"GB/s", SC_UNIT_BANDWIDTH, 1e9},
    {"TB/s", SC_UNIT_BANDWIDTH, 1e12},
    {"B/s", SC_UNIT_BANDWIDTH, 1.0},
    {"KiB", SC_UNIT_BYTES, 1024.0},
    {"MiB", SC_UNIT_BYTES, 1048576.0},
    {"GiB", SC_UNIT_BYTES, 1073741824.0},
    {"TiB", SC_UNIT_BYTES, 1099511627776.0},
    {"KB", SC_UNIT_BYTES, 1e3},
    {"kB", SC_UNIT_BYTES, 1e3},
    {"MB", SC_UNIT_BYTES, 1e6},
    {"GB", SC_UNIT_BYTES, 1e9},
    {"TB", SC_UNIT_BYTES, 1e12},
    {"B", SC_UNIT_BYTES, 1.0},
    {"GHz", SC_UNIT_HZ, 1e9},
    {"MHz", SC_UNIT_HZ, 1e6},
    {"kHz", SC_UNIT_HZ, 1e3},
    {"Hz", SC_UNIT_HZ, 1.0},
    {"Tbps", SC_UNIT_BITRATE, 1e12},
    {"Gbps", SC_UNIT_BITRATE, 1e9},
    {"Mbps", SC_UNIT_BITRATE, 1e6},
    {"bps", SC_UNIT_BITRATE, 1.0},
    {"ms", SC_UNIT_SECONDS, 1e-3},
    {"us", SC_UNIT_SECONDS, 1e-6},
    {"ns", SC_UNIT_SECONDS, 1e-9},
    {"ps", SC_UNIT_SECONDS, 1e-12},
    {"s", SC_UNIT_SECONDS, 1.0},
    {"kW", SC_UNIT_WATTS, 1e3},
    {"mW", SC_UNIT_WATTS, 1e-3},
    {"W", SC_UNIT_WATTS, 1.0},
    {"mJ", SC_UNIT_JOULES, 1e-3},
    {"uJ", SC_UNIT_JOULES, 1e-6},
    {"nJ", SC_UNIT_JOULES, 1e-9},
    {"pJ", SC_UNIT_JOULES, 1e-12},
    {"fJ", SC_UNIT_JOULES, 1e-15},
    {"J", SC_UNIT_JOULES, 1.0},
    {"mm2", SC_UNIT_AREA, 1.0},
    {"USD", SC_UNIT_DOLLARS, 1.0},
};

const char *sc_unit_kind_name(sc_unit_kind kind) {
    static const char *names[] = {"number",
                                  "bytes (e.g. 4MiB, 36GB)",
                                  "frequency (e.g. 1.5GHz)",
                                  "bit rate (e.g. 9.6Gbps)",
                                  "bandwidth (e.g. 3.35TB/s)",
                                  "time (e.g. 14ns)",
                                  "power (e.g. 500W)",
                                  "energy (e.g. 0.3pJ)",
                                  "area (e.g. 12mm2)",
                                  "dollars (e.g. $1200)"};
    return (unsigned)kind < SC_ARRAY_LEN(names) ? names[kind] : "?";
}

static const unit_row *find_unit(const char *suffix) {
    for (size_t i = 0; i < SC_ARRAY_LEN(UNITS); i++)
        if (strcmp(UNITS[i].suffix, suffix) == 0) return &UNITS[i];
    return NULL;
}

int sc_parse_unit(const char *text, sc_unit_kind kind, double *out, char *why, size_t why_len) {
    while (isspace((unsigned char)*text))
        text++;
    int dollars = 0;
    if (*text == '$') {
        dollars = 1;
        text++;
    }
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v)) {
        snprintf(why, why_len, "'%s' is not a number", text);
        return -1;
    }
    while (*end == ' ' || *end == '_')
        end++;
    char suffix[16];
    sc_strlcpy(suffix, end, sizeof suffix);
    size_t n = strlen(suffix);
    while (n && isspace((unsigned char)suffix[n - 1]))
        suffix[--n] = '\0';
    if (dollars) {
        if (kind != SC_UNIT_DOLLARS || n) {
            snprintf(why, why_len, "'$%s' is not a %s", text, sc_unit_kind_name(kind));
            return -1;
        }
        *out = v;
        return 0;
    }
    if (n == 0) {
        *out = v;
        return 0;
    }
    const unit_row *u = find_unit(suffix);
    if (!u || u->kind != kind) {
        snprintf(why, why_len, "unit '%s' is not a %s", suffix, sc_unit_kind_name(kind));
        return -1;
    }
    *out = v * u->scale;
    return 0;
}
