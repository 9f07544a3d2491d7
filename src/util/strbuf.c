// SPDX-License-Identifier: Apache-2.0
// Growable string buffer used by report writers and the disassembler.
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void sc_strbuf_init(sc_strbuf *sb) {
    memset(sb, 0, sizeof *sb);
}

void sc_strbuf_free(sc_strbuf *sb) {
    free(sb->data);
    memset(sb, 0, sizeof *sb);
}

static int strbuf_reserve(sc_strbuf *sb, size_t extra) {
    if (sb->oom) return -1;
    size_t need;
    if (sc_add_size(sb->len, extra + 1, &need)) return sb->oom = 1, -1;
    if (need <= sb->cap) return 0;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) return sb->oom = 1, -1;
    sb->data = p;
    sb->cap = cap;
    return 0;
}

void sc_strbuf_append(sc_strbuf *sb, const char *s, size_t n) {
    if (strbuf_reserve(sb, n)) return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void sc_strbuf_printf(sc_strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && strbuf_reserve(sb, (size_t)n) == 0) {
        vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap2);
        sb->len += (size_t)n;
    }
    va_end(ap2);
}
