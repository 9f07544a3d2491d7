// SPDX-License-Identifier: Apache-2.0
// Helpers linked into every fuzz target: abort-on-violation, program round trips, temp files.
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

void fuzz_fail(const char *what, const char *file, int line) {
    fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line, what);
    abort();
}

static uint8_t *serialize(const sc_program *p, size_t *len) {
    uint8_t *bin = NULL;
    sc_err err = {0};
    if (sc_program_serialize(p, &bin, len, &err) != SC_OK)
        fprintf(stderr, "serialize failed: %s\n", err.msg);
    return bin;
}

/* disassemble(p) must assemble to a program whose container equals `want`. */
static void check_text_roundtrip(const sc_program *p, const uint8_t *want, size_t want_len) {
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_err err = {0};
    FUZZ_CHECK(sc_program_disassemble(p, &sb, &err) == SC_OK && !sb.oom);
    sc_program *q = NULL;
    sc_status st = sc_program_assemble(sb.data ? sb.data : "", sb.len, "<disasm>", &q, &err);
    if (st != SC_OK) fprintf(stderr, "re-assembly failed: %s\n%s\n", err.msg, sb.data);
    FUZZ_CHECK(st == SC_OK);
    size_t len = 0;
    uint8_t *bin = serialize(q, &len);
    FUZZ_CHECK(bin && len == want_len && memcmp(bin, want, len) == 0);
    free(bin);
    sc_program_destroy(q);
    sc_strbuf_free(&sb);
}

void fuzz_check_program_roundtrip(const sc_program *p) {
    size_t n1 = 0, n2 = 0;
    uint8_t *b1 = serialize(p, &n1);
    FUZZ_CHECK(b1 != NULL); /* a program that parsed or assembled is valid, so it serializes */
    sc_program *q = NULL;
    sc_err err = {0};
    FUZZ_CHECK(sc_program_parse(b1, n1, &q, &err) == SC_OK);
    uint8_t *b2 = serialize(q, &n2);
    FUZZ_CHECK(b2 && n1 == n2 && memcmp(b1, b2, n1) == 0);
    check_text_roundtrip(p, b1, n1);
    free(b1);
    free(b2);
    sc_program_destroy(q);
}

static char temp_path[256];

static void remove_temp(void) {
    if (temp_path[0]) unlink(temp_path);
}

const char *fuzz_temp_file(const char *suffix, const uint8_t *data, size_t size) {
    if (!temp_path[0]) {
        /* /dev/shm keeps millions of rewrites off the disk; fall back to /tmp. */
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(temp_path, sizeof temp_path, "%s/scfuzz_XXXXXX%s", dir, suffix);
        int fd = mkstemps(temp_path, (int)strlen(suffix));
        if (fd < 0) {
            temp_path[0] = '\0';
            return NULL;
        }
        close(fd);
        atexit(remove_temp);
    }
    FILE *f = fopen(temp_path, "wb");
    if (!f) return NULL;
    int ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    return ok ? temp_path : NULL;
}

static char temp_dir[256];

static void remove_dir(void) {
    DIR *d = temp_dir[0] ? opendir(temp_dir) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char path[512];
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", temp_dir, de->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    if (temp_dir[0]) rmdir(temp_dir);
}

const char *fuzz_temp_dir(void) {
    if (!temp_dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(temp_dir, sizeof temp_dir, "%s/scfuzz_dir_XXXXXX", base);
        if (!mkdtemp(temp_dir)) {
            temp_dir[0] = '\0';
            return NULL;
        }
        atexit(remove_dir);
    }
    return temp_dir;
}

const char *fuzz_dir_file(const char *name, const uint8_t *data, size_t size) {
    static char path[512];
    const char *dir = fuzz_temp_dir();
    if (!dir) return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    int ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    return ok ? path : NULL;
}
