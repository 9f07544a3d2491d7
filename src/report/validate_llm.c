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

/* Time of a row's timed work split as the LLM efficiencies act on it: decode attention kernels
 * (divided by efficiency.attention), prompt attention kernels (by efficiency.attention_prefill,
 * absent: efficiency.attention), engine iterations (each pays efficiency.step_overhead) and the
 * rest (the append copies among it). The chip's own values are already in the seconds. */
typedef struct llm_parts {
    double other_s, attention_s, attention_pf_s, steps;
    double attn_calls; /* attention kernel calls (each pays efficiency.attention_floor) */
    int layers;        /* of the row's model: one attention call per layer and step part */
} llm_parts;

/* A timed kernel set's attention split: decode programs, prompt programs, and the rest (append
 * copies, every other kernel). */
static void add_attention(llm_parts *out, double t, const sc_llm_breakdown *bd, double times) {
    double pf = bd->attention_prefill_s - bd->attention_append_s;
    out->other_s += (t - bd->attention_s + bd->attention_append_s) * times;
    out->attention_s += (bd->attention_s - bd->attention_prefill_s) * times;
    out->attention_pf_s += pf * times;
}

/* One engine iteration, `times` times over. */
static sc_status step_into(sc_llm_perf *p, const sc_llm_step *s, double times, llm_parts *out,
                           sc_err *err) {
    double t = 0;
    sc_llm_breakdown bd;
    sc_status st = sc_llm_perf_step(p, s, &t, &bd, err);
    add_attention(out, t, &bd, times);
    out->steps += times;
    out->attn_calls += times * out->layers * ((s->n_decode > 0) + (s->prefill_tokens > 0));
    return st;
}

/* Prefill of `batch` prompts of `in` tokens, chunked. */
static sc_status prefill_parts(sc_llm_perf *p, double batch, double in, llm_parts *out,
                               sc_err *err) {
    double total = batch * in;
    double chunks = ceil(total / PREFILL_CHUNK);
    sc_llm_step s = {0};
    s.prefill_tokens = (int)ceil(total / chunks);
    s.prefill_ctx = in / 2; /* causal attention sees half the prompt on average */
    return step_into(p, &s, chunks, out, err);
}

/* `out` decode steps of `batch` sequences whose context grows from `in`. */
static sc_status decode_parts(sc_llm_perf *p, double batch, double in, double out, llm_parts *acc,
                              sc_err *err) {
    int n = out < DECODE_SAMPLES ? (int)out : DECODE_SAMPLES;
    for (int i = 0; i < n; i++) {
        double seg = out / n;
        sc_llm_step s = {0};
        s.n_decode = (int)batch;
        s.decode_ctx = in + seg * (i + 0.5);
        sc_status st = step_into(p, &s, seg, acc, err);
        if (st != SC_OK) return st;
    }
    return SC_OK;
}

/* The timed work of a row: TTFT = the prefill; TPOT = the decode steps over the output (context
 * growing from in to in + out); throughput = prefill + decode. */
static sc_status row_parts(sc_llm_perf *p, const sc_val_row *r, int layers, llm_parts *out,
                           sc_err *err) {
    memset(out, 0, sizeof *out);
    out->layers = layers;
    double n_out = r->out > 0 ? r->out : 1;
    sc_status s = SC_OK;
    if (r->metric != SC_VAL_TPOT) s = prefill_parts(p, r->batch, r->in, out, err);
    if (s == SC_OK && r->metric != SC_VAL_TTFT)
        s = decode_parts(p, r->batch, r->in, n_out, out, err);
    return s;
}

/* The LLM efficiencies a fit tries on top of what the parts already hold. */
typedef struct llm_eff {
    double att, step, floor; /* efficiency.attention, .step_overhead, .attention_floor */
    double att_pf;           /* efficiency.attention_prefill; 0: att */
} llm_eff;

/* The row's metric from its parts with the efficiencies e (fused attention rows: one call). */
static double metric_of(const sc_val_row *r, const llm_parts *q, const llm_eff *e) {
    double pf = e->att_pf > 0 ? e->att_pf : e->att;
    double t = q->other_s + q->attention_s / e->att + q->attention_pf_s / pf + q->steps * e->step +
               q->attn_calls * e->floor;
    if (r->cat == SC_VAL_ATTENTION) return t;
    double n_out = r->out > 0 ? r->out : 1;
    if (r->metric == SC_VAL_TTFT) return t;
    if (r->metric == SC_VAL_TPOT) return t / n_out;
    double replicas = r->count >= r->tp ? floor((double)r->count / r->tp) : 1;
    double tput = r->batch * n_out / t * replicas;
    return r->per_gpu ? tput / r->count : tput;
}

typedef struct llm_slot {
    char model[64];
    sc_llm_deploy d;   /* the deployment the perf object was made for (chip borrowed) */
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
    return sc_val_gemm_exec_load(cache, chip, m, n, k, precision, 0, seconds, err);
}

sc_status sc_val_gemm_exec_load(sc_val_llm_cache *cache, const sc_chip *chip, double m, double n,
                                double k, const char *precision, int burst, double *seconds,
                                sc_err *err) {
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
        *seconds = chip->kernel_launch_s +
                   (burst ? sc_llm_gemm_burst_seconds(chip, m, (int)n, (int)k, prec, raw)
                          : sc_llm_gemm_seconds(chip, m, (int)n, (int)k, prec, raw));
    sc_val_llm_cache_destroy(own);
    return st;
}

/* Whether the GEMM timer of chip's name was made from a chip identical to chip: the timer
 * applies its own chip's efficiencies to the kernels a deployment times through it. */
static int same_chip(const sc_val_llm_cache *c, const sc_chip *chip) {
    for (size_t i = 0; i < c->ng; i++)
        if (strcmp(c->g[i].chip->name, chip->name) == 0)
            return memcmp(c->g[i].chip, chip, sizeof *chip) == 0;
    return 0;
}

/* Every field of two deployments (a field added to sc_llm_deploy belongs here too). */
static int same_deploy(const sc_llm_deploy *x, const sc_llm_deploy *y) {
    return x->chip == y->chip && x->chips == y->chips && x->tp == y->tp && x->pp == y->pp &&
           x->ep == y->ep && x->prec == y->prec && x->kv_per_query_head == y->kv_per_query_head &&
           x->kv_token_major == y->kv_token_major && x->kv_append == y->kv_append;
}

/* The cached slot for this deployment, created on first use; NULL when out of memory. */
static llm_slot *cache_slot(sc_val_llm_cache *c, const sc_llm_arch *a, const sc_llm_deploy *d) {
    for (size_t i = 0; i < c->n; i++) {
        llm_slot *s = &c->s[i];
        if (same_deploy(&s->d, d) && strcmp(s->model, a->name) == 0) return s;
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
    s->d = *d;
    sc_err err = {0};
    /* Every deployment on this chip times its kernels through the chip's one timer, which the
     * GEMM rows use too: each distinct kernel shape is simulated once per run. */
    sc_llm_gemm_timer *t = NULL;
    sc_status st = gemm_timer(c, d->chip, &t, &err);
    if (st == SC_OK && !same_chip(c, d->chip)) t = NULL; /* efficiencies differ: own timer */
    if (st == SC_OK) st = sc_llm_perf_create_shared(a, d, t, &s->perf, &err);
    if (st != SC_OK) sc_strlcpy(s->msg, err.msg, sizeof s->msg);
    return s;
}

/* The deployment a row names (zoo model, precision, tensor parallelism, KV reads per query
 * head) on chip; on failure res says why. */
static sc_llm_perf *row_perf(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                             sc_llm_perf **own, int *layers, sc_val_result *res) {
    sc_llm_arch arch;
    sc_llm_deploy d = sc_llm_deploy_default();
    sc_err err = {0};
    *own = NULL;
    res->skipped = 1;
    if (sc_llm_zoo_find(r->model, &arch, &err) != SC_OK) {
        snprintf(res->reason, sizeof res->reason, "model '%s' is not in the LLM zoo", r->model);
        return NULL;
    }
    if (prec_of(r->precision, &d.prec) != 0) {
        snprintf(res->reason, sizeof res->reason, "precision '%s' unknown", r->precision);
        return NULL;
    }
    *layers = arch.n_layers;
    d.chip = chip;
    d.chips = d.tp = r->tp > 0 ? r->tp : 1;
    d.kv_per_query_head = r->kv_per_head;
    d.kv_token_major = r->kv_token_major;
    d.kv_append = r->kv_append;
    llm_slot *slot = cache ? cache_slot(cache, &arch, &d) : NULL;
    sc_llm_perf *p = slot ? slot->perf : NULL;
    if (slot && !p) snprintf(res->reason, sizeof res->reason, "llm_perf: %.180s", slot->msg);
    if (!slot && sc_llm_perf_create(&arch, &d, own, &err) != SC_OK)
        snprintf(res->reason, sizeof res->reason, "llm_perf: %.180s", err.msg);
    if (!slot) p = *own;
    if (p) res->skipped = 0;
    return p;
}

/* One fused attention kernel of one layer (op=decode: batch sequences, each one new token over
 * ctx cached tokens; op=prefill: batch prompts of `in` new tokens after ctx cached ones, causal,
 * so a query row sees ctx + (in + 1) / 2 tokens on average), timed as llm_perf times a step's
 * attention: one call. The source times the kernel on the device: no launch is added. */
static sc_status attn_parts(sc_llm_perf *p, const sc_chip *c, const sc_val_row *r, llm_parts *out,
                            sc_err *err) {
    memset(out, 0, sizeof *out);
    int prefill = strcmp(r->op, "prefill") == 0;
    double n = prefill ? r->batch * r->in : r->batch;
    double ctx = prefill ? r->ctx + (r->in + 1) / 2 : r->ctx + 1;
    double floor_s = c->attn_floor_s, t = 0;
    sc_llm_breakdown bd;
    sc_status st = sc_llm_perf_attention(p, prefill, n, ctx, &t, &bd, err);
    if (st != SC_OK) return st;
    /* the chip's floor is in the seconds: keep it apart so the fit can vary it */
    if (prefill) bd.attention_prefill_s -= floor_s;
    bd.attention_s -= floor_s;
    add_attention(out, bd.attention_s, &bd, 1);
    out->other_s += floor_s + (r->host_sync ? c->host_sync_s : 0);
    out->attn_calls = 1;
    return st;
}

/* The row's parts on chip; on failure res says why (skipped). */
static int parts_for(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                     llm_parts *q, sc_val_result *res) {
    sc_llm_perf *own = NULL;
    int layers = 0;
    sc_llm_perf *p = row_perf(r, chip, cache, &own, &layers, res);
    if (!p) return -1;
    sc_err err = {0};
    sc_status s =
        sc_val_attn_fused(r) ? attn_parts(p, chip, r, q, &err) : row_parts(p, r, layers, q, &err);
    sc_llm_perf_destroy(own);
    if (s != SC_OK) {
        res->skipped = 1;
        snprintf(res->reason, sizeof res->reason, "llm_perf: %.180s", err.msg);
        return -1;
    }
    return 0;
}

/* LLM rows and fused attention rows: the chip's own efficiencies are in the parts. */
void sc_val_predict_llm(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                        sc_val_result *res) {
    llm_parts q;
    llm_eff none = {1.0, 0.0, 0.0, 1.0};
    if (parts_for(r, chip, cache, &q, res) == 0) res->predicted = metric_of(r, &q, &none);
}

void sc_val_predict_attn(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                         sc_val_result *res) {
    sc_val_predict_llm(r, chip, cache, res);
}

/* ---- calibration of the LLM efficiencies (efficiency.attention, .step_overhead,
 *      .attention_floor) on LLM rows and fused attention kernel rows ---- */

typedef struct llm_fit {
    const sc_val_row **rows;
    llm_parts *parts; /* timed with attention efficiency 1 and no step overhead */
    size_t n;
    double pf0; /* prompt attention efficiency the parts were timed with (0: 1, as decode) */
} llm_fit;

static double llm_objective(const llm_fit *f, const llm_eff *e) {
    double sum = 0;
    llm_eff y = *e; /* parts timed at pf0 scale by pf0 / pf */
    if (f->pf0 > 0) y.att_pf = (e->att_pf > 0 ? e->att_pf : e->att) / f->pf0;
    for (size_t i = 0; i < f->n; i++) {
        double pred = metric_of(f->rows[i], &f->parts[i], &y);
        sum += fabs(pred - f->rows[i]->measured) / f->rows[i]->measured;
    }
    return f->n ? sum / f->n : INFINITY;
}

/* One coordinate (*x, a field of e) as the kernel fit searches it (validate.c): a 41-point grid
 * over [lo, hi], then three rounds of local refinement, moving only on a strict improvement. */
static double llm_search(const llm_fit *f, llm_eff *e, double *x, double lo, double hi,
                         double best) {
    double step = (hi - lo) / 20;
    for (int round = 0; round < 4; round++) {
        double centre = *x;
        int half = round == 0 ? 20 : 4;
        for (int i = -half; i <= half; i++) {
            double v = round == 0 ? lo + (i + half) * step / 2 : centre + i * step;
            if (v < lo || v > hi) continue;
            double old = *x;
            *x = v;
            double obj = llm_objective(f, e);
            if (obj < best - 1e-12)
                best = obj;
            else
                *x = old;
        }
        step /= 4;
    }
    return best;
}

/* Prompt attention has its own efficiency only where fused prompt-attention kernel rows measure
 * it: end-to-end rows alone (a few percent of their time) leave it undetermined. */
static int has_prompt_kernels(const llm_fit *f) {
    for (size_t i = 0; i < f->n; i++)
        if (sc_val_attn_fused(f->rows[i]) && f->parts[i].attention_pf_s > 0) return 1;
    return 0;
}

/* Times every LLM fit row and fused attention fit row of `config` once on chip (its kernel
 * efficiencies as given, attention efficiency 1, prompt attention pf0 (0: 1), no floor, no step
 * overhead); rows that cannot be timed are left out. A prompt kernel's time scales exactly with
 * its efficiency only without Append_KV copies (they interleave with the compute), so the fit
 * re-times at its last prompt efficiency. */
static sc_status collect_llm_rows(const sc_val_table *t, const char *config, sc_chip *chip,
                                  double pf0, llm_fit *f, sc_err *err) {
    size_t n = sc_val_table_count(t);
    f->rows = calloc(n + 1, sizeof *f->rows);
    f->parts = calloc(n + 1, sizeof *f->parts);
    sc_val_llm_cache *cache = sc_val_llm_cache_create();
    if (!f->rows || !f->parts || !cache) {
        sc_val_llm_cache_destroy(cache);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    }
    chip->eff_attention = 1.0, chip->step_overhead_s = 0, chip->attn_floor_s = 0;
    chip->eff_attention_prefill = pf0, f->pf0 = pf0;
    for (size_t i = 0; i < n; i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        sc_val_result res;
        int llm = r->cat == SC_VAL_LLM || sc_val_attn_fused(r);
        if (r->holdout || !llm || strcmp(r->config, config) != 0) continue;
        if (parts_for(r, chip, cache, &f->parts[f->n], &res) == 0) f->rows[f->n++] = r;
    }
    sc_val_llm_cache_destroy(cache);
    if (f->n == 0)
        return sc_err_set(err, SC_ERR_NOT_FOUND, "no LLM fit rows for config '%s'", config);
    return SC_OK;
}

/* Coordinate descent over the linear efficiencies from x; returns the objective reached. */
static double fit_linear(const llm_fit *f, llm_eff *x) {
    double best = llm_objective(f, x);
    int pf = has_prompt_kernels(f);
    if (pf && x->att_pf <= 0) x->att_pf = x->att;
    for (int sweep = 0; sweep < 6; sweep++) { /* until no 0.01-point gain */
        double start = best;
        best = llm_search(f, x, &x->att, 0.2, 2.0, best);
        if (pf) best = llm_search(f, x, &x->att_pf, 0.2, 4.0, best);
        best = llm_search(f, x, &x->step, 0.0, 10e-3, best);
        best = llm_search(f, x, &x->floor, 0.0, 50e-6, best);
        if (start - best < 1e-4) break;
    }
    return best;
}

/* 1 when the config's fit rows time an appending prompt-attention kernel on its own, the only
 * rows that see efficiency.attention_copy_rate. */
static int has_append_rows(const sc_val_table *t, const char *config) {
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        if (!r->holdout && r->kv_append && sc_val_attn_fused(r) && r->in > 0 &&
            strcmp(r->config, config) == 0)
            return 1;
    }
    return 0;
}

/* The linear efficiencies at copy rate `rate` (bytes/s; the rows are re-timed, as the rate
 * changes how the thread blocks drain, not a time to scale): objective reached, x updated. */
static sc_status fit_at_rate(const sc_val_table *t, const char *config, sc_chip *chip, double rate,
                             llm_eff *x, double *obj, sc_err *err) {
    llm_fit f = {0};
    chip->attn_copy_rate = rate;
    sc_status s = collect_llm_rows(t, config, chip, x->att_pf, &f, err);
    if (s == SC_OK) *obj = fit_linear(&f, x);
    free(f.rows);
    free(f.parts);
    return s;
}

/* efficiency.attention_copy_rate where appending prompt kernels are in the fit rows: a grid of
 * 1 GB/s steps over 2-16 GB/s, then quarter steps around the best, each point with the linear
 * efficiencies refitted. */
static sc_status fit_copy_rate(const sc_val_table *t, const char *config, sc_chip *chip, llm_eff *x,
                               double *rate, double *best, sc_err *err) {
    llm_eff start = *x, bx = *x;
    double lo = 2e9, step = 1e9, hi = 16e9, br = *rate;
    sc_status s = SC_OK;
    for (int round = 0; round < 2 && s == SC_OK; round++) {
        for (double r = lo; r <= hi + 1.0 && s == SC_OK; r += step) {
            llm_eff y = start;
            double obj = INFINITY;
            s = fit_at_rate(t, config, chip, r, &y, &obj, err);
            if (s == SC_OK && obj < *best - 1e-12) *best = obj, bx = y, br = r;
        }
        lo = SC_MAX(0.25e9, br - 0.75e9), hi = br + 0.75e9, step = 0.25e9;
    }
    if (s == SC_OK) { /* re-timed at the chosen prompt efficiency */
        double obj = INFINITY;
        llm_eff y = bx;
        s = fit_at_rate(t, config, chip, br, &y, &obj, err);
        if (s == SC_OK) bx = y, *best = obj;
    }
    *x = bx, *rate = br;
    return s;
}

sc_status sc_val_fit_llm(const sc_val_table *t, const sc_val_params *p, const char *config,
                         sc_val_eff *e, double *mape_before, double *mape_after, sc_err *err) {
    sc_chip_load_params lp = sc_chip_load_default_params();
    lp.config_dir = p ? p->config_dir : NULL;
    char msg[512] = "";
    sc_chip *chip = NULL;
    if (sc_chip_load(config, &lp, &chip, msg, sizeof msg) != SC_OK)
        return sc_err_set(err, SC_ERR_NOT_FOUND, "%s", msg);
    sc_val_eff_to_chip(e, chip);
    llm_fit f = {0};
    /* timed at the config's own prompt efficiency, so the "before" figure is exact */
    sc_status s = collect_llm_rows(t, config, chip, e->attn_prefill, &f, err);
    if (s == SC_OK) {
        llm_eff x = {e->attention, e->step, e->attn_floor, e->attn_prefill};
        *mape_before = llm_objective(&f, &x);
        double best = fit_linear(&f, &x), rate = e->attn_copy;
        if (has_append_rows(t, config)) s = fit_copy_rate(t, config, chip, &x, &rate, &best, err);
        e->attention = x.att, e->step = x.step, e->attn_floor = x.floor, e->attn_prefill = x.att_pf;
        e->attn_copy = rate;
        *mape_after = best;
    }
    free(f.rows);
    free(f.parts);
    sc_chip_destroy(chip);
    return s;
}
