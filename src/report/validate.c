// SPDX-License-Identifier: Apache-2.0
// Validation driver: predicts every table row on its config, summarises errors, fits efficiencies.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/validate_internal.h"

sc_val_params sc_val_default_params(void) {
    sc_val_params p = {0};
    return p;
}

/* ---- one row ---- */

static void skip(sc_val_result *res, const char *why) {
    res->skipped = 1;
    sc_strlcpy(res->reason, why, sizeof res->reason);
}

/* Single GEMMs run through the executor (the one GEMM model llm_perf uses too); batched ones
 * (the attention rows: the executor's GEMM program has no batch axis) through the analytic
 * wave model of validate_model.c. */
static void predict_matmul(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                           sc_val_result *res) {
    sc_dtype t;
    sc_err err = {0};
    double sec = 0;
    if (sc_dtype_from_name(r->precision, &t) != SC_OK) {
        snprintf(res->reason, sizeof res->reason, "precision '%s' unknown", r->precision);
        res->skipped = 1;
        return;
    }
    sc_status st = r->batch <= 1
                       ? sc_val_gemm_exec_load(cache, chip, r->m, r->n, r->k, r->precision,
                                               r->burst, &sec, &err)
                       : sc_val_gemm_seconds(chip, r->batch, r->m, r->n, r->k, t, &sec, &err);
    if (st != SC_OK) {
        skip(res, err.msg);
        return;
    }
    /* A harness that reads the host clock around the call and a device synchronize measures
     * the kernel plus the launch path and the synchronize's return, a floor of its own. */
    if (r->host_sync) sec += chip->host_sync_s;
    double flops = 2.0 * r->batch * r->m * r->n * r->k;
    res->predicted = r->metric == SC_VAL_TFLOPS ? flops / sec : sec;
}

static void predict_collective(const sc_val_row *r, const sc_chip *chip, sc_val_result *res) {
    if (strcmp(r->op, "allreduce") != 0) {
        snprintf(res->reason, sizeof res->reason, "collective op '%s' not modelled", r->op);
        res->skipped = 1;
        return;
    }
    double sec = sc_val_allreduce_seconds(chip, r->bytes, r->count);
    /* nccl-tests bus bandwidth: algorithm bandwidth x 2(p-1)/p, comparable across GPU counts. */
    double busbw = r->bytes / sec * 2.0 * (r->count - 1) / r->count;
    res->predicted = r->metric == SC_VAL_BUSBW ? busbw : sec;
}

void sc_val_predict_row(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                        sc_val_result *res) {
    memset(res, 0, sizeof *res);
    switch (r->cat) {
    case SC_VAL_ATTENTION:
        if (sc_val_attn_fused(r)) {
            sc_val_predict_attn(r, chip, cache, res);
            break;
        }
        predict_matmul(r, chip, cache, res);
        break;
    case SC_VAL_GEMM:
        predict_matmul(r, chip, cache, res);
        break;
    case SC_VAL_MEMORY: {
        double sec = sc_val_stream_seconds(chip, r->bytes, r->read_fraction);
        res->predicted = r->metric == SC_VAL_BANDWIDTH ? r->bytes / sec : sec;
        break;
    }
    case SC_VAL_COLLECTIVE:
        predict_collective(r, chip, res);
        break;
    case SC_VAL_LLM:
        sc_val_predict_llm(r, chip, cache, res);
        break;
    default:
        skip(res, "unknown category");
    }
    if (!res->skipped && !(res->predicted > 0 && isfinite(res->predicted)))
        skip(res, "the model gave no finite prediction");
    if (!res->skipped) res->error = (res->predicted - r->measured) / r->measured;
}

/* ---- chips, loaded once per config name ---- */

typedef struct chip_slot {
    char name[64];
    sc_chip *chip; /* NULL when loading failed; msg says why */
    char msg[256];
} chip_slot;

typedef struct chip_cache {
    chip_slot *s;
    size_t n, cap;
    const char *dir;
} chip_cache;

static void cache_free(chip_cache *c) {
    for (size_t i = 0; i < c->n; i++)
        sc_chip_destroy(c->s[i].chip);
    free(c->s);
}

/* Returns the slot for name (loading it on first use), or NULL when out of memory. */
static chip_slot *cache_get(chip_cache *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->s[i].name, name) == 0) return &c->s[i];
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        chip_slot *p = realloc(c->s, cap * sizeof *p);
        if (!p) return NULL;
        c->s = p, c->cap = cap;
    }
    chip_slot *s = &c->s[c->n++];
    memset(s, 0, sizeof *s);
    sc_strlcpy(s->name, name, sizeof s->name);
    sc_chip_load_params lp = sc_chip_load_default_params();
    lp.config_dir = c->dir;
    char msg[512] = "";
    if (sc_chip_load(name, &lp, &s->chip, msg, sizeof msg) != SC_OK)
        snprintf(s->msg, sizeof s->msg, "no config '%s' (%.160s)", name, msg);
    return s;
}

/* ---- summary ---- */

static void stat_add(sc_val_stat *s, double ape) {
    s->mape += ape; /* sum for now; divided in stat_done */
    s->n++;
    if (ape > s->max_ape) s->max_ape = ape;
}

static void stat_done(sc_val_stat *s) {
    if (s->n) s->mape /= s->n;
}

void sc_val_summarize(const sc_val_table *t, const sc_val_result *results, sc_val_summary *sum) {
    memset(sum, 0, sizeof *sum);
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        if (results[i].skipped) {
            sum->skipped++;
            continue;
        }
        double ape = fabs(results[i].error);
        stat_add(&sum->all, ape);
        stat_add(r->holdout ? &sum->holdout : &sum->fit, ape);
        stat_add(&sum->cat[r->cat], ape);
    }
    stat_done(&sum->all), stat_done(&sum->fit), stat_done(&sum->holdout);
    for (int c = 0; c < SC_VAL_NCAT; c++)
        stat_done(&sum->cat[c]);
}

/* Whether the run's parameters exclude a row before any prediction. */
static const char *excluded(const sc_val_row *r, const sc_val_params *p) {
    if (p->only_fit && r->holdout) return "holdout row (not used by the fit)";
    if (p->skip_llm && r->cat == SC_VAL_LLM) return "LLM rows not requested";
    return NULL;
}

/* Predicts one row on its config (loaded once into the cache). An override of the row's config
 * applies to a copy of the chip; LLM rows on the shared chip reuse timed deployments. Returns 0,
 * or -1 when out of memory. */
static int run_row(const sc_val_row *r, chip_cache *cache, sc_val_llm_cache *llm,
                   const sc_val_override *ov, sc_val_result *res) {
    chip_slot *slot = cache_get(cache, r->config);
    if (!slot) return -1;
    if (!slot->chip) {
        skip(res, slot->msg);
        return 0;
    }
    if (ov && ov->config && strcmp(ov->config, r->config) == 0) {
        sc_chip chip = *slot->chip; /* a copy, so an override never leaks into other rows */
        sc_val_eff_to_chip(&ov->eff, &chip);
        /* LLM deployments are cached per chip pointer, so a copy's rows must not share them */
        sc_val_predict_row(r, &chip, r->cat == SC_VAL_LLM ? NULL : llm, res);
    } else {
        sc_val_predict_row(r, slot->chip, llm, res);
    }
    return 0;
}

sc_status sc_val_run(const sc_val_table *t, const sc_val_params *p, const sc_val_override *ov,
                     sc_val_result *results, sc_val_summary *sum, sc_err *err) {
    sc_val_params def = sc_val_default_params();
    if (!p) p = &def;
    chip_cache cache = {NULL, 0, 0, p->config_dir};
    sc_val_llm_cache *llm = sc_val_llm_cache_create();
    int oom = !llm;
    for (size_t i = 0; !oom && i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        memset(&results[i], 0, sizeof results[i]);
        const char *why = p->select && !p->select[i] ? "not selected" : excluded(r, p);
        if (why)
            skip(&results[i], why);
        else
            oom = run_row(r, &cache, llm, ov, &results[i]) != 0;
    }
    sc_val_llm_cache_destroy(llm); /* before the chips its deployments borrow */
    cache_free(&cache);
    if (oom) return sc_err_set(err, SC_ERR_NOMEM, "out of memory predicting the table");
    if (sum) sc_val_summarize(t, results, sum);
    return SC_OK;
}

/* ---- calibration ---- */

/* The fitted parameters, their bounds and whether a search moves on a log scale. */
typedef struct param_def {
    size_t offset;
    double lo, hi;
} param_def;

static const param_def PARAMS[] = {
    {offsetof(sc_val_eff, matmul), 0.3, 1.0},
    {offsetof(sc_val_eff, memory), 0.3, 1.0},
    {offsetof(sc_val_eff, launch), 0.0, 20e-6},
    {offsetof(sc_val_eff, coll_latency), 0.0, 50e-6},
    {offsetof(sc_val_eff, host_sync), 0.0, 100e-6},
    {offsetof(sc_val_eff, link), 0.2, 1.5},
    {offsetof(sc_val_eff, nvls), 0.2, 1.5},
    {offsetof(sc_val_eff, hop), 0.0, 10e-6},
    {offsetof(sc_val_eff, ll128), 0.1, 1.0},
    {offsetof(sc_val_eff, chunk), 0.0, 8e6},
    {offsetof(sc_val_eff, nvls_lat), 0.0, 100e-6},
    {offsetof(sc_val_eff, write), 0.0, 1.0},
};

typedef struct fit_set {
    const sc_val_row **rows;
    size_t n;
    sc_chip chip;
    sc_val_llm_cache *cache; /* raw GEMM times, shared by every evaluation */
} fit_set;

static double objective(fit_set *f, const sc_val_eff *e) {
    sc_val_eff_to_chip(e, &f->chip);
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        sc_val_result res;
        sc_val_predict_row(f->rows[i], &f->chip, f->cache, &res);
        if (res.skipped) continue;
        sum += fabs(res.error);
        n++;
    }
    return n ? sum / n : INFINITY;
}

/* One coordinate: a 21-point grid over [lo, hi] around the current value, then three rounds of
 * local refinement. A value moves only on a strict improvement, so parameters the rows do not
 * constrain keep the config's value. */
static double search_param(fit_set *f, sc_val_eff *e, const param_def *d, double best) {
    double *x = (double *)((char *)e + d->offset);
    if (*x == 0 && d->offset == offsetof(sc_val_eff, nvls)) return best; /* no NVLS fabric */
    double step = (d->hi - d->lo) / 20;
    for (int round = 0; round < 4; round++) {
        double centre = *x;
        int half = round == 0 ? 20 : 4;
        for (int i = -half; i <= half; i++) {
            double v = round == 0 ? d->lo + (i + half) * step / 2 : centre + i * step;
            if (v < d->lo || v > d->hi) continue;
            double old = *x;
            *x = v;
            double obj = objective(f, e);
            if (obj < best - 1e-12)
                best = obj;
            else
                *x = old;
        }
        step /= 4;
    }
    return best;
}

static sc_status collect_fit_rows(const sc_val_table *t, const char *config, fit_set *f,
                                  sc_err *err) {
    f->rows = calloc(sc_val_table_count(t) + 1, sizeof *f->rows);
    if (!f->rows) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        if (!r->holdout && r->cat != SC_VAL_LLM && strcmp(r->config, config) == 0)
            f->rows[f->n++] = r;
    }
    if (f->n == 0)
        return sc_err_set(err, SC_ERR_NOT_FOUND, "no fit rows for config '%s' in the table",
                          config);
    return SC_OK;
}

sc_status sc_val_fit(const sc_val_table *t, const sc_val_params *p, const char *config,
                     sc_val_eff *out, double *mape_before, double *mape_after, sc_err *err) {
    fit_set f = {0};
    sc_status s = collect_fit_rows(t, config, &f, err);
    sc_chip *chip = NULL;
    if (s == SC_OK) {
        sc_chip_load_params lp = sc_chip_load_default_params();
        lp.config_dir = p ? p->config_dir : NULL;
        char msg[512] = "";
        if (sc_chip_load(config, &lp, &chip, msg, sizeof msg) != SC_OK)
            s = sc_err_set(err, SC_ERR_NOT_FOUND, "%s", msg);
    }
    if (s == SC_OK && !(f.cache = sc_val_llm_cache_create()))
        s = sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    if (s == SC_OK) {
        f.chip = *chip;
        sc_val_eff e = sc_val_eff_from_chip(chip);
        double best = objective(&f, &e);
        *mape_before = best;
        /* Coordinate descent: a few sweeps until no parameter improves the MAPE by 0.01 pt. */
        for (int sweep = 0; sweep < 6; sweep++) {
            double start = best;
            for (size_t i = 0; i < SC_ARRAY_LEN(PARAMS); i++)
                best = search_param(&f, &e, &PARAMS[i], best);
            if (start - best < 1e-4) break;
        }
        *mape_after = best;
        *out = e;
    }
    sc_val_llm_cache_destroy(f.cache);
    sc_chip_destroy(chip);
    free(f.rows);
    return s;
}
