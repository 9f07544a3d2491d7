// SPDX-License-Identifier: Apache-2.0
// Internal utilities shared by every layer: error messages, arenas, checked sizes, files.
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "seedchip.h"

/* ---- Errors: every fallible internal function takes an sc_err* and returns sc_status. ---- */
typedef struct sc_err {
    sc_status status;
    char msg[512];
} sc_err;

/* Records status + formatted message (first error wins unless cleared); returns status. */
sc_status sc_err_set(sc_err *err, sc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sc_err_clear(sc_err *err);

/* ---- Checked size arithmetic: return 0 on success, -1 on overflow. ---- */
int sc_mul_size(size_t a, size_t b, size_t *out);
int sc_add_size(size_t a, size_t b, size_t *out);
int sc_mul_u64(uint64_t a, uint64_t b, uint64_t *out);

/* ---- Arena: bump allocator for compiler IR and parse trees; freed all at once. ---- */
typedef struct sc_arena sc_arena;
sc_arena *sc_arena_create(size_t block_size);
void sc_arena_destroy(sc_arena *a);             /* accepts NULL */
void *sc_arena_alloc(sc_arena *a, size_t size); /* zeroed, 16-byte aligned; NULL on OOM */
char *sc_arena_strdup(sc_arena *a, const char *s);
size_t sc_arena_used(const sc_arena *a);

/* ---- Growable string buffer. ---- */
typedef struct sc_strbuf {
    char *data;
    size_t len, cap;
    int oom;
} sc_strbuf;
void sc_strbuf_init(sc_strbuf *sb);
void sc_strbuf_free(sc_strbuf *sb);
void sc_strbuf_append(sc_strbuf *sb, const char *s, size_t n);
void sc_strbuf_printf(sc_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Files. ---- */
/* Reads a whole file (at most max_bytes); caller frees *out. */
sc_status sc_read_file(const char *path, size_t max_bytes, unsigned char **out, size_t *len,
                       sc_err *err);
/* Writes data to path.tmp.PID then renames: readers never see a partial file. */
sc_status sc_write_file_atomic(const char *path, const void *data, size_t len, sc_err *err);

/* ---- Units: "1.5GHz", "36GB", "4MiB", "9.6Gbps", "500W", "0.3pJ", "14ns". ---- */
typedef enum sc_unit_kind {
    SC_UNIT_NONE,      /* plain number */
    SC_UNIT_BYTES,     /* B, KB, MB, GB, TB (decimal) KiB, MiB, GiB, TiB (binary) */
    SC_UNIT_HZ,        /* Hz, kHz, MHz, GHz */
    SC_UNIT_BITRATE,   /* bps, Mbps, Gbps (bits per second per pin/lane) */
    SC_UNIT_BANDWIDTH, /* B/s, MB/s, GB/s, TB/s, GiB/s */
    SC_UNIT_SECONDS,   /* s, ms, us, ns, ps */
    SC_UNIT_WATTS,     /* W, kW, mW */
    SC_UNIT_JOULES,    /* J, mJ, uJ, nJ, pJ, fJ */
    SC_UNIT_AREA,      /* mm2 */
    SC_UNIT_DOLLARS,   /* $ or USD suffix */
} sc_unit_kind;
/* Parses text expecting the given unit kind into SI base units (bytes, Hz, bit/s, B/s, s, W, J,
 * mm2, USD). A bare number is accepted for every kind and taken as the base unit. */
int sc_parse_unit(const char *text, sc_unit_kind kind, double *out, char *why, size_t why_len);
const char *sc_unit_kind_name(sc_unit_kind kind);

/* ---- Misc. ---- */
int sc_streq(const char *a, const char *b);
int sc_str_endswith(const char *s, const char *suffix);
void sc_strlcpy(char *dst, const char *src, size_t cap);
/* The directory part of path into out: "." when it has none, "/" for a file in the root. */
void sc_path_dir(const char *path, char *out, size_t cap);
double sc_now_seconds(void); /* monotonic wall clock, for benchmarks only */
size_t sc_peak_rss_bytes(void);

#define SC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SC_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define SC_MAX(a, b)    ((a) > (b) ? (a) : (b))

#endif
