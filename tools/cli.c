// SPDX-License-Identifier: Apache-2.0
// Shared helpers for sub-commands: one-line errors, option parsing, chip loading, atomic output.
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/util.h"

int cli_error(const char *cmd, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line, always: nested messages may quote names from hostile files, so newlines and
     * other control bytes (carriage returns, terminal escapes) become spaces. */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
    fprintf(stderr, "seedchip %s: %s\n", cmd, msg);
    return CLI_EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
    return 0;
}

int cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                  const char **val) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) {
        cli_error(cmd, "option %s needs a value", name);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, long long lo, long long hi,
                  long long *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0') {
        cli_error(cmd, "%s: '%s' is not an integer", opt, text);
        return -1;
    }
    if (v < lo || v > hi) {
        cli_error(cmd, "%s: %lld is out of range [%lld, %lld]", opt, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_double(const char *cmd, const char *opt, const char *text, double lo, double hi,
                     double *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !(v >= lo && v <= hi)) {
        cli_error(cmd, "%s: '%s' is not a number in [%g, %g]", opt, text, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_opt_set(const char *cmd, int argc, char **argv, int *i, cli_overrides *ov) {
    const char *v = NULL;
    int r = cli_opt_value(cmd, argc, argv, i, "--set", &v);
    if (r != 1) return r;
    if (!strchr(v, '=')) {
        cli_error(cmd, "--set expects KEY=VALUE, got '%s'", v);
        return -1;
    }
    if (ov->n >= SC_ARRAY_LEN(ov->items)) {
        cli_error(cmd, "too many --set options (max %zu)", SC_ARRAY_LEN(ov->items));
        return -1;
    }
    ov->items[ov->n++] = v;
    return 1;
}

sc_chip *cli_load_chip(const char *cmd, const char *name, const cli_overrides *ov) {
    sc_chip_load_params p = sc_chip_load_default_params();
    if (ov) {
        p.overrides = ov->items;
        p.n_overrides = ov->n;
    }
    sc_chip *chip = NULL;
    char err[768];
    if (sc_chip_load(name, &p, &chip, err, sizeof err) != SC_OK) {
        cli_error(cmd, "%s", err);
        return NULL;
    }
    return chip;
}

int cli_write_output(const char *cmd, const char *path, const char *text, size_t len) {
    if (strcmp(path, "-") == 0) {
        fwrite(text, 1, len, stdout);
        return 0;
    }
    sc_err err = {0};
    if (sc_write_file_atomic(path, text, len, &err) != SC_OK) return cli_error(cmd, "%s", err.msg);
    return 0;
}
