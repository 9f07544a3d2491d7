// SPDX-License-Identifier: Apache-2.0
// Validation table: CSV reading (RFC 4180 quoting), row classification, workload and unit parsing.
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/validate.h"

struct sc_val_table {
    sc_val_row *rows;
    size_t n, cap;
};

/* Columns of the table, in the order the bench/gpu scripts write them (files may reorder). */
enum {
    COL_ID,
    COL_CATEGORY,
    COL_SPLIT,
    COL_CONFIG,
    COL_HARDWARE,
    COL_COUNT,
    COL_MODEL,
    COL_PRECISION,
    COL_WORKLOAD,
    COL_METRIC,
    COL_VALUE,
    COL_UNIT,
    COL_SOURCE,
    NCOL
};
static const char *const COL_NAMES[NCOL] = {
    "id",        "category", "split",  "config", "hardware", "count", "model",
    "precision", "workload", "metric", "value",  "unit",     "source"};

static const char *const CAT_NAMES[SC_VAL_NCAT] = {"gemm", "attention", "memory", "collective",
                                                   "llm"};
static const char *const METRIC_NAMES[SC_VAL_NMETRIC] = {"tflops", "latency", "bandwidth", "busbw",
                                                         "ttft",   "tpot",    "throughput"};

const char *sc_val_cat_name(sc_val_cat c) {
    return (unsigned)c < SC_VAL_NCAT ? CAT_NAMES[c] : "?";
}

const char *sc_val_metric_name(sc_val_metric m) {
    return (unsigned)m < SC_VAL_NMETRIC ? METRIC_NAMES[m] : "?";
}

void sc_val_table_destroy(sc_val_table *t) {
    if (!t) return;
    free(t->rows);
    free(t);
}

size_t sc_val_table_count(const sc_val_table *t) {
    return t ? t->n : 0;
}

const sc_val_row *sc_val_table_row(const sc_val_table *t, size_t i) {
    return t && i < t->n ? &t->rows[i] : NULL;
}

/* ---- CSV records ---- */

#define MAX_FIELDS 32
#define FIELD_CAP  1024

typedef struct record {
    char f[MAX_FIELDS][FIELD_CAP];
    int n;
} record;

typedef struct cursor {
    const char *p, *end, *name;
    int line;
} cursor;

/* Reads one record into r (fields truncated at FIELD_CAP are an error). Returns 1 when a record
 * was read, 0 at end of input, -1 on error. */
static int read_record(cursor *c, record *r, sc_err *err) {
    r->n = 0;
    if (c->p >= c->end) return 0;
    int start_line = c->line;
    for (;;) {
        if (r->n == MAX_FIELDS)
            return sc_err_set(err, SC_ERR_PARSE, "%s:%d: more than %d fields", c->name, start_line,
                              MAX_FIELDS),
                   -1;
        char *out = r->f[r->n++];
        size_t len = 0;
        int quoted = c->p < c->end && *c->p == '"';
        if (quoted) c->p++;
        for (; c->p < c->end; c->p++) {
            char ch = *c->p;
            if (quoted && ch == '"') {
                if (c->p + 1 < c->end && c->p[1] == '"') {
                    c->p++;
                } else {
                    quoted = 0;
                    continue;
                }
            } else if (!quoted && (ch == ',' || ch == '\n' || ch == '\r')) {
                break;
            }
            if (ch == '\n') c->line++;
            if (len + 1 >= FIELD_CAP)
                return sc_err_set(err, SC_ERR_PARSE, "%s:%d: field %d longer than %d characters",
                                  c->name, start_line, r->n, FIELD_CAP - 1),
                       -1;
            out[len++] = ch;
        }
        out[len] = '\0';
        if (quoted)
            return sc_err_set(err, SC_ERR_PARSE, "%s:%d: unterminated quoted field", c->name,
                              start_line),
                   -1;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '\r') c->p++;
        if (c->p < c->end && *c->p == '\n') c->p++;
        c->line++;
        return 1;
    }
}

static int blank_record(const record *r) {
    return r->n == 1 && r->f[0][0] == '\0';
}

/* ---- field parsing ---- */

static int parse_number(const char *text, double *out) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int lookup(const char *const *names, int n, const char *text) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], text) == 0) return i;
    return -1;
}

/* Scale from the written unit to base units for a metric; 0 when the unit does not fit it. */
static double unit_scale(sc_val_metric m, const char *unit) {
    static const struct {
        sc_val_metric m;
        const char *unit;
        double scale;
    } U[] = {
        {SC_VAL_TFLOPS, "TFLOPS", 1e12}, {SC_VAL_TFLOPS, "TOPS", 1e12},
        {SC_VAL_TFLOPS, "GFLOPS", 1e9},  {SC_VAL_LATENCY, "s", 1},
        {SC_VAL_LATENCY, "ms", 1e-3},    {SC_VAL_LATENCY, "us", 1e-6},
        {SC_VAL_TTFT, "s", 1},           {SC_VAL_TTFT, "ms", 1e-3},
        {SC_VAL_TPOT, "s", 1},           {SC_VAL_TPOT, "ms", 1e-3},
        {SC_VAL_BANDWIDTH, "GB/s", 1e9}, {SC_VAL_BANDWIDTH, "TB/s", 1e12},
        {SC_VAL_BUSBW, "GB/s", 1e9},     {SC_VAL_THROUGHPUT, "tok/s", 1},
    };
    for (size_t i = 0; i < SC_ARRAY_LEN(U); i++)
        if (U[i].m == m && strcmp(U[i].unit, unit) == 0) return U[i].scale;
    return 0;
}

/* One "key=value" token of the workload column. */
static sc_status workload_token(sc_val_row *r, const char *tok, const char *name, sc_err *err) {
    const char *eq = strchr(tok, '=');
    if (!eq || eq == tok)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: workload '%s': expected key=value", name,
                          r->line, tok);
    char key[32];
    size_t kl = (size_t)(eq - tok);
    if (kl >= sizeof key) kl = sizeof key - 1;
    memcpy(key, tok, kl);
    key[kl] = '\0';
    const char *val = eq + 1;
    if (strcmp(key, "op") == 0) {
        sc_strlcpy(r->op, val, sizeof r->op);
        return SC_OK;
    }
    /* How the source timed the kernel: device (CUDA events, the default) or host_sync (host
     * clock around the call and a synchronize, which adds efficiency.host_sync per call). */
    if (strcmp(key, "timing") == 0) {
        if (strcmp(val, "host_sync") != 0 && strcmp(val, "device") != 0)
            return sc_err_set(err, SC_ERR_PARSE,
                              "%s:%d: workload key 'timing': '%s' is not host_sync or device", name,
                              r->line, val);
        r->host_sync = strcmp(val, "host_sync") == 0;
        return SC_OK;
    }
    /* How long the source kept the chip loaded: sustained (back-to-back calls long enough for
     * the power limit to bind, the default) or burst (each call after an idle or cooling gap:
     * the tensor cores run at the nominal clock, sc_llm_gemm_burst_seconds). */
    if (strcmp(key, "load") == 0) {
        if (strcmp(val, "burst") != 0 && strcmp(val, "sustained") != 0)
            return sc_err_set(err, SC_ERR_PARSE,
                              "%s:%d: workload key 'load': '%s' is not burst or sustained", name,
                              r->line, val);
        r->burst = strcmp(val, "burst") == 0;
        return SC_OK;
    }
    double v;
    if (parse_number(val, &v) != 0 || v < 0)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: workload key '%s': '%s' is not a number >= 0",
                          name, r->line, key, val);
    double *slot = NULL;
    if (strcmp(key, "m") == 0) slot = &r->m;
    if (strcmp(key, "n") == 0) slot = &r->n;
    if (strcmp(key, "k") == 0) slot = &r->k;
    if (strcmp(key, "batch") == 0) slot = &r->batch;
    if (strcmp(key, "bytes") == 0) slot = &r->bytes;
    if (strcmp(key, "read_fraction") == 0) slot = &r->read_fraction;
    if (strcmp(key, "in") == 0) slot = &r->in;
    if (strcmp(key, "out") == 0) slot = &r->out;
    if (strcmp(key, "ctx") == 0) slot = &r->ctx;
    if (slot) {
        *slot = v;
        return SC_OK;
    }
    int *count = strcmp(key, "tp") == 0               ? &r->tp
                 : strcmp(key, "per_gpu") == 0        ? &r->per_gpu
                 : strcmp(key, "kv_per_head") == 0    ? &r->kv_per_head
                 : strcmp(key, "kv_token_major") == 0 ? &r->kv_token_major
                 : strcmp(key, "kv_append") == 0      ? &r->kv_append
                                                      : NULL;
    if (count) {
        if (v > 4096 || v != floor(v))
            return sc_err_set(err, SC_ERR_PARSE, "%s:%d: workload key '%s': '%s' is not a count",
                              name, r->line, key, val);
        *count = (int)v;
        return SC_OK;
    }
    return sc_err_set(err, SC_ERR_PARSE, "%s:%d: workload: unknown key '%s'", name, r->line, key);
}

static sc_status parse_workload(sc_val_row *r, const char *name, sc_err *err) {
    char buf[sizeof r->workload];
    sc_strlcpy(buf, r->workload, sizeof buf);
    for (char *save = NULL, *tok = strtok_r(buf, " ;", &save); tok;
         tok = strtok_r(NULL, " ;", &save)) {
        sc_status s = workload_token(r, tok, name, err);
        if (s != SC_OK) return s;
    }
    return SC_OK;
}

int sc_val_attn_fused(const sc_val_row *r) {
    return r->cat == SC_VAL_ATTENTION &&
           (strcmp(r->op, "decode") == 0 || strcmp(r->op, "prefill") == 0);
}

/* Checks that the keys the category's predictor needs are present and the metric fits. */
static sc_status check_row(sc_val_row *r, const char *name, sc_err *err) {
    const char *need = NULL;
    int metric_ok = 0;
    switch (r->cat) {
    case SC_VAL_ATTENTION:
        if (sc_val_attn_fused(r)) { /* one fused kernel of a zoo model's layer */
            if (r->batch <= 0 || (strcmp(r->op, "prefill") == 0 && r->in <= 0))
                need = "batch (and in for op=prefill)";
            metric_ok = r->metric == SC_VAL_LATENCY;
            break;
        }
        if (r->op[0])
            return sc_err_set(err, SC_ERR_PARSE,
                              "%s:%d: attention op '%s' is not decode or prefill", name, r->line,
                              r->op);
        if (r->batch <= 0) need = "batch";
        /* fall through */
    case SC_VAL_GEMM:
        if (r->m <= 0 || r->n <= 0 || r->k <= 0) need = "m, n and k";
        metric_ok = r->metric == SC_VAL_TFLOPS || r->metric == SC_VAL_LATENCY;
        break;
    case SC_VAL_MEMORY:
        if (r->bytes <= 0) need = "bytes";
        metric_ok = r->metric == SC_VAL_BANDWIDTH || r->metric == SC_VAL_LATENCY;
        break;
    case SC_VAL_COLLECTIVE:
        if (r->bytes <= 0) need = "bytes";
        if (r->count < 2)
            return sc_err_set(err, SC_ERR_PARSE, "%s:%d: collective rows need count >= 2", name,
                              r->line);
        metric_ok = r->metric == SC_VAL_BUSBW || r->metric == SC_VAL_LATENCY;
        break;
    case SC_VAL_LLM:
        if (r->in <= 0 || r->batch <= 0) need = "batch and in";
        metric_ok =
            r->metric == SC_VAL_TTFT || r->metric == SC_VAL_TPOT || r->metric == SC_VAL_THROUGHPUT;
        break;
    default:
        break;
    }
    if (need)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: %s rows need workload %s", name, r->line,
                          sc_val_cat_name(r->cat), need);
    if (!metric_ok)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: metric '%s' does not apply to %s rows", name,
                          r->line, r->metric_name, sc_val_cat_name(r->cat));
    if (r->cat == SC_VAL_LLM && r->tp == 0) r->tp = r->count;
    if (r->batch == 0) r->batch = 1;
    return SC_OK;
}

static sc_status bad(sc_err *err, const char *name, int line, const char *col, const char *what,
                     const char *text) {
    return sc_err_set(err, SC_ERR_PARSE, "%s:%d: column '%s': %s '%s'", name, line, col, what,
                      text);
}

/* Fills r from a record using the header's column map. */
static sc_status parse_row(const record *rec, const int *map, int line, const char *name,
                           sc_val_row *r, sc_err *err) {
    memset(r, 0, sizeof *r);
    r->line = line;
#define FIELD(c) (rec->f[map[c]])
    sc_strlcpy(r->id, FIELD(COL_ID), sizeof r->id);
    sc_strlcpy(r->config, FIELD(COL_CONFIG), sizeof r->config);
    sc_strlcpy(r->hardware, FIELD(COL_HARDWARE), sizeof r->hardware);
    sc_strlcpy(r->model, FIELD(COL_MODEL), sizeof r->model);
    sc_strlcpy(r->precision, FIELD(COL_PRECISION), sizeof r->precision);
    sc_strlcpy(r->workload, FIELD(COL_WORKLOAD), sizeof r->workload);
    sc_strlcpy(r->metric_name, FIELD(COL_METRIC), sizeof r->metric_name);
    sc_strlcpy(r->unit, FIELD(COL_UNIT), sizeof r->unit);
    sc_strlcpy(r->source, FIELD(COL_SOURCE), sizeof r->source);
    int cat = lookup(CAT_NAMES, SC_VAL_NCAT, FIELD(COL_CATEGORY));
    if (cat < 0) return bad(err, name, line, "category", "unknown category", FIELD(COL_CATEGORY));
    r->cat = (sc_val_cat)cat;
    int metric = lookup(METRIC_NAMES, SC_VAL_NMETRIC, r->metric_name);
    if (metric < 0) return bad(err, name, line, "metric", "unknown metric", r->metric_name);
    r->metric = (sc_val_metric)metric;
    const char *split = FIELD(COL_SPLIT);
    if (strcmp(split, "fit") != 0 && strcmp(split, "holdout") != 0)
        return bad(err, name, line, "split", "expected fit or holdout, got", split);
    r->holdout = split[0] == 'h';
    double v;
    if (parse_number(FIELD(COL_COUNT), &v) != 0 || v < 1 || v > 4096 || v != floor(v))
        return bad(err, name, line, "count", "expected a chip count, got", FIELD(COL_COUNT));
    r->count = (int)v;
    if (parse_number(FIELD(COL_VALUE), &r->value) != 0 || r->value <= 0)
        return bad(err, name, line, "value", "expected a number > 0, got", FIELD(COL_VALUE));
    double scale = unit_scale(r->metric, r->unit);
    if (scale == 0) return bad(err, name, line, "unit", "unit does not fit the metric:", r->unit);
    r->measured = r->value * scale;
    if (!r->config[0]) return bad(err, name, line, "config", "empty", "");
#undef FIELD
    sc_status s = parse_workload(r, name, err);
    return s == SC_OK ? check_row(r, name, err) : s;
}

static sc_status header_map(const record *h, const char *name, int *map, sc_err *err) {
    for (int c = 0; c < NCOL; c++) {
        map[c] = -1;
        for (int i = 0; i < h->n; i++)
            if (strcmp(h->f[i], COL_NAMES[c]) == 0) map[c] = i;
        if (map[c] < 0)
            return sc_err_set(err, SC_ERR_PARSE, "%s:1: header lacks column '%s'", name,
                              COL_NAMES[c]);
    }
    return SC_OK;
}

static sc_status push_row(sc_val_table *t, const sc_val_row *r, sc_err *err) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        sc_val_row *p = realloc(t->rows, cap * sizeof *p);
        if (!p) return sc_err_set(err, SC_ERR_NOMEM, "out of memory reading the table");
        t->rows = p, t->cap = cap;
    }
    t->rows[t->n++] = *r;
    return SC_OK;
}

static sc_status parse_records(sc_val_table *t, cursor *c, record *rec, sc_err *err) {
    int map[NCOL];
    int got = read_record(c, rec, err);
    if (got < 0) return err->status;
    if (got == 0) return sc_err_set(err, SC_ERR_PARSE, "%s: empty table", c->name);
    sc_status s = header_map(rec, c->name, map, err);
    while (s == SC_OK) {
        int line = c->line;
        got = read_record(c, rec, err);
        if (got < 0) return err->status;
        if (got == 0) break;
        if (blank_record(rec)) continue;
        if (rec->n < NCOL)
            return sc_err_set(err, SC_ERR_PARSE, "%s:%d: %d fields, the header has %d", c->name,
                              line, rec->n, NCOL);
        sc_val_row r;
        s = parse_row(rec, map, line, c->name, &r, err);
        if (s == SC_OK) s = push_row(t, &r, err);
    }
    if (s == SC_OK && t->n == 0) s = sc_err_set(err, SC_ERR_PARSE, "%s: no rows", c->name);
    return s;
}

sc_status sc_val_table_parse(const char *text, size_t len, const char *name, sc_val_table **out,
                             sc_err *err) {
    *out = NULL;
    sc_val_table *t = calloc(1, sizeof *t);
    record *rec = malloc(sizeof *rec);
    if (!t || !rec) {
        free(t), free(rec);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory reading the table");
    }
    cursor c = {text, text + len, name ? name : "table", 1};
    sc_status s = parse_records(t, &c, rec, err);
    free(rec);
    if (s != SC_OK) {
        sc_val_table_destroy(t);
        return s;
    }
    *out = t;
    return SC_OK;
}

sc_status sc_val_table_load(const char *path, sc_val_table **out, sc_err *err) {
    unsigned char *data = NULL;
    size_t len = 0;
    *out = NULL;
    sc_status s = sc_read_file(path, (size_t)16 << 20, &data, &len, err);
    if (s != SC_OK) return s;
    s = sc_val_table_parse((const char *)data, len, path, out, err);
    free(data);
    return s;
}
