// SPDX-License-Identifier: Apache-2.0
// File helpers: bounded whole-file reads and atomic (temp + rename) writes.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

sc_status sc_read_file(const char *path, size_t max_bytes, unsigned char **out, size_t *len,
                       sc_err *err) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return sc_err_set(err, SC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return sc_err_set(err, SC_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > (uint64_t)max_bytes) {
        fclose(f);
        return sc_err_set(err, SC_ERR_LIMIT, "%s: file is %lld bytes, limit is %zu", path,
                          (long long)st.st_size, max_bytes);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = malloc(n + 1);
    if (!buf) {
        fclose(f);
        return sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, n);
    }
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    if (got != n) {
        free(buf);
        return sc_err_set(err, SC_ERR_IO, "%s: short read", path);
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return SC_OK;
}

sc_status sc_write_file_atomic(const char *path, const void *data, size_t len, sc_err *err) {
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return sc_err_set(err, SC_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    int ok = fwrite(data, 1, len, f) == len;
    ok = (fflush(f) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return sc_err_set(err, SC_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    return SC_OK;
}

int sc_streq(const char *a, const char *b) {
    return a && b && strcmp(a, b) == 0;
}

int sc_str_endswith(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

void sc_strlcpy(char *dst, const char *src, size_t cap) {
    if (cap == 0) return;
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void sc_path_dir(const char *path, char *out, size_t cap) {
    sc_strlcpy(out, path, cap);
    char *slash = strrchr(out, '/');
    if (!slash)
        sc_strlcpy(out, ".", cap);
    else
        slash[slash == out] = '\0'; /* "/x" keeps the root */
}

double sc_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t sc_peak_rss_bytes(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (size_t)ru.ru_maxrss * 1024u;
}
