// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the cmocka tests: temp files, source-dir paths, optional shared/ data.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
