// SPDX-License-Identifier: Apache-2.0
// Fuzz target: calibration tables of published measurements via sc_val_table_parse.
/*
 * Invariants: a table that parses has rows whose measured value is a positive finite number,
 * whose category and metric are known and whose counts (tp, per_gpu, kv_per_head) are in range;
 * an error names the file on one line.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "report/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_val_table *t = NULL;
    sc_err err = {0};
    if (sc_val_table_parse((const char *)data, size, "table.csv", &t, &err) != SC_OK) {
        FUZZ_CHECK(t == NULL);
        FUZZ_CHECK(strncmp(err.msg, "table.csv", 9) == 0 && !strchr(err.msg, '\n'));
        return 0;
    }
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        FUZZ_CHECK(r->value > 0 && isfinite(r->measured) && r->measured > 0);
        FUZZ_CHECK((unsigned)r->cat < SC_VAL_NCAT && (unsigned)r->metric < SC_VAL_NMETRIC);
        FUZZ_CHECK(r->tp >= 0 && r->tp <= 4096 && r->per_gpu >= 0 && r->per_gpu <= 4096);
        FUZZ_CHECK(r->kv_per_head >= 0 && r->kv_per_head <= 4096);
        FUZZ_CHECK(memchr(r->id, '\0', sizeof r->id) && memchr(r->source, '\0', sizeof r->source));
    }
    sc_val_table_destroy(t);
    return 0;
}
