// SPDX-License-Identifier: Apache-2.0
// Serving workloads: deterministic RNG, arrival processes, length distributions, trace replay.
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

/* ---- RNG: xoshiro256** (Blackman & Vigna), the same sequence on every host. ---- */
static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void sc_rng_seed(sc_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t sc_rng_next(sc_rng *r) {
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double sc_rng_uniform(sc_rng *r) {
    return (double)(sc_rng_next(r) >> 11) * 0x1.0p-53;
}

double sc_rng_exp(sc_rng *r, double mean) {
    return -mean * log1p(-sc_rng_uniform(r));
}

double sc_rng_normal(sc_rng *r) {
    /* Box-Muller without caching the second value keeps the RNG state the only state. */
    double u1 = 1.0 - sc_rng_uniform(r), u2 = sc_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double sc_rng_gamma(sc_rng *r, double shape, double scale) {
    if (shape < 1.0) { /* boost: Gamma(k) = Gamma(k + 1) * U^(1/k) */
        double u = 1.0 - sc_rng_uniform(r);
        return sc_rng_gamma(r, shape + 1.0, scale) * pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d); /* Marsaglia & Tsang (2000) */
    for (;;) {
        double x = sc_rng_normal(r), v = 1.0 + c * x;
        if (v <= 0) continue;
        v = v * v * v;
        double u = sc_rng_uniform(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) return d * v * scale;
    }
}

/* ---- Lengths ---- */
static const char *const k_len_names[] = {"fixed", "uniform", "lognormal", "exponential"};

sc_status sc_len_kind_from_name(const char *name, sc_len_kind *out) {
    for (size_t i = 0; i < SC_ARRAY_LEN(k_len_names); i++)
        if (strcmp(name, k_len_names[i]) == 0) return (*out = (sc_len_kind)i), SC_OK;
    return SC_ERR_NOT_FOUND;
}

int sc_len_sample(const sc_len_dist *d, sc_rng *r) {
    double v = d->mean;
    switch (d->kind) {
    case SC_LEN_FIXED:
        break;
    case SC_LEN_UNIFORM:
        v = d->mean * (1.0 + d->cv * (2.0 * sc_rng_uniform(r) - 1.0));
        break;
    case SC_LEN_LOGNORMAL: {
        double s2 = log1p(d->cv * d->cv);
        v = exp(log(d->mean) - 0.5 * s2 + sqrt(s2) * sc_rng_normal(r));
        break;
    }
    case SC_LEN_EXP:
        v = sc_rng_exp(r, d->mean);
        break;
    }
    long n = lround(v);
    if (n < d->min) n = d->min;
    if (d->max > 0 && n > d->max) n = d->max;
    return n < 1 ? 1 : (int)n;
}

sc_serve_workload sc_serve_default_workload(void) {
    sc_serve_workload w = {
        .arrival = SC_ARRIVAL_POISSON,
        .rate = 1.0,
        .burst_cv = 2.0,
        .concurrency = 1,
        .duration = 60.0,
        .prompt = {SC_LEN_LOGNORMAL, 1024, 0.5, 1, 32768},
        .output = {SC_LEN_LOGNORMAL, 256, 0.5, 1, 8192},
        .prefix_share = 0.0,
        .prefix_groups = 4,
        .prefix_len = 512,
        .seed = 1,
    };
    return w;
}

sc_serve_request sc_serve_sample_request(const sc_serve_workload *w, sc_rng *r) {
    sc_serve_request q = {0};
    q.prompt_len = sc_len_sample(&w->prompt, r);
    q.output_len = sc_len_sample(&w->output, r);
    q.prefix_group = -1;
    /* Always draw both numbers so that the sequence of lengths does not depend on prefix_share. */
    double u = sc_rng_uniform(r);
    uint64_t g = sc_rng_next(r);
    if (w->prefix_share > 0 && u < w->prefix_share && w->prefix_groups > 0 && w->prefix_len > 0) {
        q.prefix_group = (int)(g % (uint64_t)w->prefix_groups);
        q.prefix_len = w->prefix_len;
        if (q.prompt_len < q.prefix_len + 1) q.prompt_len = q.prefix_len + 1;
    }
    return q;
}

sc_status sc_serve_generate(const sc_serve_workload *w, sc_serve_request **out, size_t *n,
                            sc_err *err) {
    *out = NULL;
    *n = 0;
    if (w->arrival != SC_ARRIVAL_POISSON && w->arrival != SC_ARRIVAL_GAMMA)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "serve: generate needs poisson or gamma");
    if (!(w->rate > 0) || !(w->duration > 0) || w->rate * w->duration > SC_SERVE_TRACE_MAX_REQUESTS)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "serve: rate x duration must be in (0, %d] requests",
                          SC_SERVE_TRACE_MAX_REQUESTS);
    sc_rng arr, len;
    /* Separate streams: the same seed gives the same lengths at any rate. */
    sc_rng_seed(&arr, w->seed * 2 + 1);
    sc_rng_seed(&len, w->seed * 2 + 2);
    size_t cap = (size_t)(w->rate * w->duration * 1.5) + 16, cnt = 0;
    sc_serve_request *v = malloc(cap * sizeof *v);
    if (!v) return sc_err_set(err, SC_ERR_NOMEM, "serve: out of memory");
    double shape = w->burst_cv > 0 ? 1.0 / (w->burst_cv * w->burst_cv) : 1.0;
    for (double t = 0;;) {
        t += w->arrival == SC_ARRIVAL_POISSON ? sc_rng_exp(&arr, 1.0 / w->rate)
                                              : sc_rng_gamma(&arr, shape, 1.0 / (w->rate * shape));
        if (t >= w->duration) break;
        if (cnt == cap) {
            sc_serve_request *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) return free(v), sc_err_set(err, SC_ERR_NOMEM, "serve: out of memory");
            v = nv;
            cap *= 2;
        }
        v[cnt] = sc_serve_sample_request(w, &len);
        v[cnt++].arrival = t;
    }
    *out = v;
    *n = cnt;
    return SC_OK;
}

/* ---- Trace replay ---- */
typedef struct trace_buf {
    sc_serve_request *v;
    size_t n, cap;
} trace_buf;

static int trace_push(trace_buf *b, const sc_serve_request *q) {
    if (b->n == b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 256;
        sc_serve_request *nv = realloc(b->v, nc * sizeof *nv);
        if (!nv) return -1;
        b->v = nv;
        b->cap = nc;
    }
    b->v[b->n++] = *q;
    return 0;
}

enum { COL_ARRIVAL, COL_PROMPT, COL_OUTPUT, COL_GROUP, COL_PREFIX, COL_N };
static const char *const k_col_names[COL_N][4] = {
    {"arrival", "timestamp", "time", "arrival_time"},
    {"prompt_len", "input_len", "prompt_tokens", "input_tokens"},
    {"output_len", "output_tokens", "completion_tokens", NULL},
    {"prefix_group", NULL, NULL, NULL},
    {"prefix_len", NULL, NULL, NULL},
};

static int col_of(const char *name) {
    for (int c = 0; c < COL_N; c++)
        for (int k = 0; k < 4 && k_col_names[c][k]; k++)
            if (strcmp(name, k_col_names[c][k]) == 0) return c;
    return -1;
}

/* Checks one request's values; returns NULL or the problem. */
static const char *check_request(const double vals[COL_N], const int have[COL_N]) {
    if (!have[COL_ARRIVAL] || !have[COL_PROMPT] || !have[COL_OUTPUT])
        return "needs arrival, prompt_len and output_len";
    if (!(vals[COL_ARRIVAL] >= 0 && vals[COL_ARRIVAL] < 1e9))
        return "arrival must be seconds in [0, 1e9)";
    if (!(vals[COL_PROMPT] >= 1 && vals[COL_PROMPT] <= 1e7))
        return "prompt_len must be in [1, 1e7]";
    if (!(vals[COL_OUTPUT] >= 1 && vals[COL_OUTPUT] <= 1e7))
        return "output_len must be in [1, 1e7]";
    if (have[COL_PREFIX] && !(vals[COL_PREFIX] >= 0 && vals[COL_PREFIX] < vals[COL_PROMPT]))
        return "prefix_len must be in [0, prompt_len)";
    if (have[COL_GROUP] && !(vals[COL_GROUP] >= -1 && vals[COL_GROUP] < 1e9))
        return "prefix_group must be in [-1, 1e9)";
    return NULL;
}

static sc_serve_request make_request(const double vals[COL_N], const int have[COL_N]) {
    sc_serve_request q = {vals[COL_ARRIVAL], (int)vals[COL_PROMPT], (int)vals[COL_OUTPUT], -1, 0};
    if (have[COL_GROUP] && have[COL_PREFIX] && vals[COL_GROUP] >= 0 && vals[COL_PREFIX] > 0) {
        q.prefix_group = (int)vals[COL_GROUP];
        q.prefix_len = (int)vals[COL_PREFIX];
    }
    return q;
}

static int parse_num(const char *s, double *out) {
    char *end;
    errno = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

/* Splits line in place at commas; returns fields count (at most max). */
static int split_csv(char *line, char **f, int max) {
    int n = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static sc_status csv_header(const char *file, int lineno, char *line, int map[16], int *nf,
                            sc_err *err) {
    char *f[16];
    *nf = split_csv(line, f, 16);
    int seen[COL_N] = {0};
    for (int i = 0; i < *nf; i++) {
        char *s = f[i];
        while (*s == ' ')
            s++;
        s[strcspn(s, " \r\t")] = '\0';
        map[i] = col_of(s);
        if (map[i] >= 0) seen[map[i]] = 1;
    }
    if (!seen[COL_ARRIVAL] || !seen[COL_PROMPT] || !seen[COL_OUTPUT])
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s:%d: CSV header must name arrival, prompt_len and output_len columns",
                          file, lineno);
    return SC_OK;
}

static sc_status csv_row(const char *file, int lineno, char *line, const int map[16], int nf,
                         trace_buf *b, sc_err *err) {
    char *f[16];
    int n = split_csv(line, f, 16);
    if (n != nf)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: %d fields, header has %d", file, lineno, n,
                          nf);
    double vals[COL_N] = {0};
    int have[COL_N] = {0};
    for (int i = 0; i < n; i++) {
        if (map[i] < 0) continue;
        if (parse_num(f[i], &vals[map[i]]) != 0)
            return sc_err_set(err, SC_ERR_PARSE, "%s:%d: field %d '%.40s' is not a number", file,
                              lineno, i + 1, f[i]);
        have[map[i]] = 1;
    }
    const char *why = check_request(vals, have);
    if (why) return sc_err_set(err, SC_ERR_PARSE, "%s:%d: %s", file, lineno, why);
    sc_serve_request q = make_request(vals, have);
    return trace_push(b, &q) ? sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory", file) : SC_OK;
}

static sc_status jsonl_row(const char *file, int lineno, const char *line, trace_buf *b,
                           sc_err *err) {
    cJSON *o = cJSON_Parse(line);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: not a JSON object", file, lineno);
    }
    double vals[COL_N] = {0};
    int have[COL_N] = {0};
    for (cJSON *it = o->child; it; it = it->next) {
        int c = it->string ? col_of(it->string) : -1;
        if (c < 0) continue;
        if (!cJSON_IsNumber(it)) {
            /* it->string lives in o: format the message before freeing it. */
            sc_status st = sc_err_set(err, SC_ERR_PARSE, "%s:%d: '%s' is not a number", file,
                                      lineno, it->string);
            cJSON_Delete(o);
            return st;
        }
        vals[c] = it->valuedouble;
        have[c] = 1;
    }
    cJSON_Delete(o);
    const char *why = check_request(vals, have);
    if (why) return sc_err_set(err, SC_ERR_PARSE, "%s:%d: %s", file, lineno, why);
    sc_serve_request q = make_request(vals, have);
    return trace_push(b, &q) ? sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory", file) : SC_OK;
}

static int by_arrival(const void *a, const void *b) {
    double x = ((const sc_serve_request *)a)->arrival, y = ((const sc_serve_request *)b)->arrival;
    return x < y ? -1 : x > y;
}

/* Parses the lines of text (a private copy, modified in place). The first non-blank,
 * non-comment line decides the format: '{' = JSONL, anything else = the CSV header. */
static sc_status trace_lines(const char *file, char *text, trace_buf *b, sc_err *err) {
    int lineno = 0, format = -1, map[16], nf = 0; /* format: -1 unknown, 0 CSV, 1 JSONL */
    for (char *line = text; line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        sc_status st = SC_OK;
        if (*s && *s != '#') {
            if (b->n >= SC_SERVE_TRACE_MAX_REQUESTS)
                st = sc_err_set(err, SC_ERR_LIMIT, "%s:%d: more than %d requests", file, lineno,
                                SC_SERVE_TRACE_MAX_REQUESTS);
            else if (format < 0 && *s != '{')
                st = (format = 0, csv_header(file, lineno, s, map, &nf, err));
            else if (format == 0)
                st = csv_row(file, lineno, s, map, nf, b, err);
            else
                st = (format = 1, jsonl_row(file, lineno, s, b, err));
            if (st != SC_OK) return st;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (b->n == 0) return sc_err_set(err, SC_ERR_PARSE, "%s: no requests in the trace", file);
    return SC_OK;
}

sc_status sc_serve_trace_parse(const char *file, const char *text, size_t len,
                               sc_serve_request **out, size_t *n, sc_err *err) {
    *out = NULL;
    *n = 0;
    if (memchr(text, '\0', len))
        return sc_err_set(err, SC_ERR_PARSE, "%s: binary data in a text trace", file);
    char *copy = malloc(len + 1);
    if (!copy) return sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory", file);
    memcpy(copy, text, len);
    copy[len] = '\0';
    trace_buf b = {0};
    sc_status st = trace_lines(file, copy, &b, err);
    free(copy);
    if (st != SC_OK) return free(b.v), st;
    qsort(b.v, b.n, sizeof *b.v, by_arrival);
    *out = b.v;
    *n = b.n;
    return SC_OK;
}
