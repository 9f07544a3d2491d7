// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the cmocka tests: temp files, source-dir paths, optional shared/ data, chips,
// IR graphs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chip/chip.h"
#include "compiler/ir.h"
#include "frontends/llm/llm_model.h"
#include "helpers/testutil.h"

static char *slot(void) {
    static char bufs[8][4096];
    static int next;
    return bufs[next++ & 7];
}

static const char *src_dir(void) {
    const char *d = getenv("SEEDCHIP_SOURCE_DIR");
    return d && *d ? d : SEEDCHIP_SOURCE_DIR;
}

const char *tu_src_path(const char *rel) {
    char *b = slot();
    snprintf(b, 4096, "%s/%s", src_dir(), rel);
    return b;
}

const char *tu_shared_path(const char *rel) {
    char *b = slot();
    snprintf(b, 4096, "%s/../shared/%s", src_dir(), rel);
    struct stat st;
    return stat(b, &st) == 0 ? b : NULL;
}

const char *tu_write_temp(const char *suffix, const void *data, size_t len) {
    char *b = slot();
    snprintf(b, 4096, "/tmp/sctest_XXXXXX%s", suffix);
    int fd = mkstemps(b, (int)strlen(suffix));
    if (fd < 0) return NULL;
    if (write(fd, data, len) != (ssize_t)len) {
        close(fd);
        return NULL;
    }
    close(fd);
    return b;
}

const char *tu_temp_dir(void) {
    char *b = slot();
    snprintf(b, 4096, "/tmp/sctest_dir_XXXXXX");
    return mkdtemp(b);
}

sc_llm_model *tu_load_shared_model(const char *rel) {
    const char *p = tu_shared_path(rel);
    if (!p) return NULL;
    sc_llm_model *m = NULL;
    sc_err err = {0};
    if (sc_llm_model_load(p, NULL, &m, &err) != SC_OK) fail_msg("%s", err.msg);
    return m;
}

sc_chip *tu_load_chip(const char *name) {
    sc_chip_load_params p = sc_chip_load_default_params();
    p.config_dir = tu_src_path("configs");
    char err[512];
    sc_chip *c = NULL;
    if (sc_chip_load(name, &p, &c, err, sizeof err) != SC_OK) {
        fprintf(stderr, "chip %s: %s\n", name, err);
        return NULL;
    }
    return c;
}

sc_ir_graph *tu_ir_graph(int opset) {
    sc_ir_graph *g = NULL;
    sc_err err = {0};
    assert_int_equal(sc_ir_graph_create(&g, &err), SC_OK);
    g->opset = opset;
    return g;
}

int tu_ir_input(sc_ir_graph *g, const char *name, int t, int rank, const int64_t *dims) {
    sc_err err = {0};
    int v = sc_ir_add_value(g, name, &err);
    assert_true(v >= 0);
    g->vals[v].dtype = (sc_tdtype)t;
    g->vals[v].rank = rank;
    memcpy(g->vals[v].dims, dims, sizeof(int64_t) * (size_t)rank);
    assert_int_equal(sc_ir_mark_input(g, v, &err), SC_OK);
    return v;
}
