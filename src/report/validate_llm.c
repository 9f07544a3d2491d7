// SPDX-License-Identifier: Apache-2.0
// End-to-end LLM rows (TTFT, TPOT, throughput) predicted through runtime/llm_perf step times.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/validate_internal.h"
#include "runtime/llm_perf.h"

/* Prompt tokens per engine iteration when a batch is prefilled: TensorRT-LLM and vLLM chunk long
 * prefills to a few thousand tokens per step; 8192 is both engines' common default. */
#define PREFILL_CHUNK 8192.0
/* Decode steps are timed at this many context lengths across the output and integrated. */
#define DECODE_SAMPLES 8

static int prec_of(const char *text, sc_llm_prec *out) {
    /* fp16 runs at the bf16 rate with bf16 sizes on every chip SeedChip models. */
    if (strcmp(text, "fp16") == 0) text = "bf16";
    return sc_llm_prec_from_name(text, out) == SC_OK ? 0 : -1;
}

/* Seconds to prefill `batch` prompts of `in` tokens, chunked. */
static sc_status prefill_seconds(sc_llm_perf *p, double batch, double in, double *out,
                                 sc_err *err) {
    double total = batch * in;
    double chunks = ceil(total / PREFILL_CHUNK);
    sc_llm_step s = {0};
    s.prefill_tokens = (int)ceil(total / chunks);
    s.prefill_ctx = in / 2; /* causal attention sees half the prompt on average */
    double t = 0;
    sc_status st = sc_llm_perf_step(p, &s, &t, NULL, err);
    *out = t * chunks;
    return st;
}

/* Seconds for `out` decode steps of `batch` sequences whose context grows from `in`. */
static sc_status decode_seconds(sc_llm_perf *p, double batch, double in, double out, double *total,
                                sc_err *err) {
    *total = 0;
    int n = out < DECODE_SAMPLES ? (int)out : DECODE_SAMPLES;
    for (int i = 0; i < n; i++) {
        double seg = out / n;
        sc_llm_step s = {0};
        s.n_decode = (int)batch;
        s.decode_ctx = in + seg * (i + 0.5);
        double t = 0;
        sc_status st = sc_llm_perf_step(p, &s, &t, NULL, err);
        if (st != SC_OK) return st;
        *total += t * seg;
    }
    return SC_OK;
}

static sc_status predict_with(sc_llm_perf *p, const sc_val_row *r, double *pred, sc_err *err) {
    double t = 0;
    sc_status s;
    switch (r->metric) {
    case SC_VAL_TTFT:
        return prefill_seconds(p, r->batch, r->in, pred, err);
    case SC_VAL_TPOT: { /* mean over the output: context grows from in to in + out */
        double out = r->out > 0 ? r->out : 1;
        s = decode_seconds(p, r->batch, r->in, out, &t, err);
        *pred = t / out;
        return s;
    }
    default: {
        double out = r->out > 0 ? r->out : 1, dec = 0;
        s = prefill_seconds(p, r->batch, r->in, &t, err);
        if (s == SC_OK) s = decode_seconds(p, r->batch, r->in, out, &dec, err);
        double replicas = r->count >= r->tp ? floor((double)r->count / r->tp) : 1;
        double tput = r->batch * out / (t + dec) * replicas;
        *pred = r->per_gpu ? tput / r->count : tput;
        return s;
    }
    }
}

typedef struct llm_slot {
    char model[64];
    const sc_chip *chip;
    int tp;
    sc_llm_prec prec;
    sc_llm_perf *perf; /* NULL when creation failed; msg says why */
    char msg[200];
} llm_slot;

/* One GEMM timer per config name: raw executor times do not depend on the efficiencies, so the
 * fit's variants of a config share them. The timer borrows its own copy of the chip. */
typedef struct gemm_slot {
    sc_chip *chip;
    sc_llm_gemm_timer *timer; /* NULL when creation failed */
} gemm_slot;

struct sc_val_llm_cache {
    llm_slot *s;
    size_t n, cap;
    gemm_slot *g;
    size_t ng;
};

sc_val_llm_cache *sc_val_llm_cache_create(void) {
    return calloc(1, sizeof(sc_val_llm_cache));
}

void sc_val_llm_cache_destroy(sc_val_llm_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++)
        sc_llm_perf_destroy(c->s[i].perf);
    for (size_t i = 0; i < c->ng; i++) {
        sc_llm_gemm_timer_destroy(c->g[i].timer);
        free(c->g[i].chip);
    }
    free(c->s);
    free(c->g);
    free(c);
}

static sc_status gemm_timer(sc_val_llm_cache *c, const sc_chip *chip, sc_llm_gemm_timer **out,
                            sc_err *err) {
    for (size_t i = 0; i < c->ng; i++)
        if (strcmp(c->g[i].chip->name, chip->name) == 0) {
            *out = c->g[i].timer;
            return SC_OK;
        }
    gemm_slot *p = realloc(c->g, (c->ng + 1) * sizeof *p);
    if (!p) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    c->g = p;
    gemm_slot *g = &c->g[c->ng];
    g->timer = NULL;
    g->chip = malloc(sizeof *g->chip);
    if (!g->chip) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    *g->chip = *chip;
    c->ng++;
    sc_status st = sc_llm_gemm_timer_create(g->chip, &g->timer, err);
    *out = g->timer;
    return st;
}

sc_status sc_val_gemm_exec(sc_val_llm_cache *cache, const sc_chip *chip, double m, double n,
                           double k, const char *precision, double *seconds, sc_err *err) {
    sc_llm_prec prec;
    if (prec_of(precision, &prec) != 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "precision '%s' unknown", precision);
    if (n < 1 || k < 1 || n > 1e7 || k > 1e7)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "gemm shape %gx%gx%g is out of range", m, n, k);
    sc_val_llm_cache *own = cache ? NULL : sc_val_llm_cache_create();
    if (!cache && !own) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sc_llm_gemm_timer *t = NULL;
    double raw = 0;
    sc_status st = gemm_timer(cache ? cache : own, chip, &t, err);
    if (st == SC_OK) st = sc_llm_gemm_raw(t, m, (int)n, (int)k, prec, &raw, err);
    if (st == SC_OK)
        *seconds = chip->kernel_launch_s + sc_llm_gemm_seconds(chip, m, (int)n, (int)k, prec, raw);
    sc_val_llm_cache_destroy(own);
    return st;
}

/* The cached slot for this deployment, created on first use; NULL when out of memory. */
static llm_slot *cache_slot(sc_val_llm_cache *c, const sc_llm_arch *a, const sc_llm_deploy *d) {
    for (size_t i = 0; i < c->n; i++) {
        llm_slot *s = &c->s[i];
        if (s->chip == d->chip && s->tp == d->tp && s->prec == d->prec &&
            strcmp(s->model, a->name) == 0)
            return s;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        llm_slot *p = realloc(c->s, cap * sizeof *p);
        if (!p) return NULL;
        c->s = p, c->cap = cap;
    }
    llm_slot *s = &c->s[c->n++];
    memset(s, 0, sizeof *s);
    sc_strlcpy(s->model, a->name, sizeof s->model);
    s->chip = d->chip, s->tp = d->tp, s->prec = d->prec;
    sc_err err = {0};
    if (sc_llm_perf_create(a, d, &s->perf, &err) != SC_OK)
        sc_strlcpy(s->msg, err.msg, sizeof s->msg);
    return s;
}

void sc_val_predict_llm(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                        sc_val_result *res) {
    sc_llm_arch arch;
    sc_llm_deploy d = sc_llm_deploy_default();
    sc_err err = {0};
    if (sc_llm_zoo_find(r->model, &arch, &err) != SC_OK) {
        res->skipped = 1;
        snprintf(res->reason, sizeof res->reason, "model '%s' is not in the LLM zoo", r->model);
        return;
    }
    if (prec_of(r->precision, &d.prec) != 0) {
        res->skipped = 1;
        snprintf(res->reason, sizeof res->reason, "precision '%s' unknown", r->precision);
        return;
    }
    d.chip = chip;
    d.chips = d.tp = r->tp > 0 ? r->tp : 1;
    sc_llm_perf *own = NULL, *p = NULL;
    sc_status s = SC_OK;
    llm_slot *slot = cache ? cache_slot(cache, &arch, &d) : NULL;
    if (slot) {
        p = slot->perf;
        if (!p) s = sc_err_set(&err, SC_ERR_UNSUPPORTED, "%s", slot->msg);
    } else {
        s = sc_llm_perf_create(&arch, &d, &own, &err);
        p = own;
    }
    if (s == SC_OK) s = predict_with(p, r, &res->predicted, &err);
    sc_llm_perf_destroy(own);
    if (s != SC_OK) {
        res->skipped = 1;
        snprintf(res->reason, sizeof res->reason, "llm_perf: %.180s", err.msg);
    }
}
