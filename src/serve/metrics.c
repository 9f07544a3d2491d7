// SPDX-License-Identifier: Apache-2.0
// Serving metrics: latency percentiles and CDFs, throughput, goodput under SLO, JSON output.
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve_internal.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Linear interpolation between order statistics (the "type 7" quantile of R and NumPy). */
static double quantile(const double *v, size_t n, double q) {
    if (n == 0) return 0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n) return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

static void summarize(double *v, size_t n, sc_serve_pcts *p, double cdf[SC_SERVE_CDF_POINTS]) {
    qsort(v, n, sizeof *v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    p->mean = n ? sum / (double)n : 0;
    p->p50 = quantile(v, n, 0.50);
    p->p90 = quantile(v, n, 0.90);
    p->p99 = quantile(v, n, 0.99);
    p->max = n ? v[n - 1] : 0;
    for (int i = 0; cdf && i < SC_SERVE_CDF_POINTS; i++)
        cdf[i] = quantile(v, n, i / (double)(SC_SERVE_CDF_POINTS - 1));
}

static int meets_slo(const sc_serve_params *p, double ttft, double tpot) {
    return (p->slo_ttft <= 0 || ttft <= p->slo_ttft) && (p->slo_tpot <= 0 || tpot <= p->slo_tpot);
}

static void engine_figures(const serve_sim *s, sc_serve_result *r) {
    double busy = 0, kv = 0;
    for (int i = 0; i < s->n_reps; i++) {
        busy += s->reps[i].busy_time;
        kv += s->reps[i].kv_util_time;
    }
    r->iterations = s->iterations;
    r->mean_batch = s->iterations ? s->batch_sum / s->iterations : 0;
    r->mean_prefill_tokens = s->iterations ? s->prefill_sum / s->iterations : 0;
    r->mean_kv_util = busy > 0 ? kv / busy : 0;
    r->busy_fraction = r->makespan > 0 ? busy / (s->n_reps * r->makespan) : 0;
    r->preemptions = s->preemptions;
    r->swaps = s->swaps;
    r->kv_transfers = s->kv_transfers;
    r->prefix_hit_rate = s->prompt_tokens > 0 ? s->prefix_hit_tokens / s->prompt_tokens : 0;
}

sc_status serve_collect(serve_sim *s, sc_serve_result *r, sc_err *err) {
    size_t n = s->n_reqs ? s->n_reqs : 1;
    double *ttft = malloc(n * sizeof *ttft), *tpot = malloc(n * sizeof *tpot),
           *e2e = malloc(n * sizeof *e2e), *queue = malloc(n * sizeof *queue);
    if (!ttft || !tpot || !e2e || !queue) {
        free(ttft), free(tpot), free(e2e), free(queue);
        return sc_err_set(err, SC_ERR_NOMEM, "serve: out of memory");
    }
    size_t nc = 0, ntp = 0, good = 0;
    double in_tok = 0;
    r->duration = s->w.duration;
    for (size_t i = 0; i < s->n_reqs; i++) {
        const req_state *q = &s->reqs[i];
        if (q->state == RQ_REJECTED) r->rejected++;
        if (q->state == RQ_PENDING || q->state == RQ_REJECTED) continue;
        r->arrived++;
        if (q->state != RQ_DONE) {
            r->unfinished++;
            continue;
        }
        double t1 = q->first_token - q->q.arrival;
        double tp = q->q.output_len > 1 ? (q->finish - q->first_token) / (q->q.output_len - 1) : 0;
        ttft[nc] = t1;
        e2e[nc] = q->finish - q->q.arrival;
        queue[nc] = q->admitted - q->q.arrival;
        if (q->q.output_len > 1) tpot[ntp++] = tp;
        good += meets_slo(&s->p, t1, tp);
        in_tok += q->q.prompt_len;
        if (q->finish > r->makespan) r->makespan = q->finish;
        nc++;
    }
    r->completed = nc;
    summarize(ttft, nc, &r->ttft, r->cdf_ttft);
    summarize(tpot, ntp, &r->tpot, r->cdf_tpot);
    summarize(e2e, nc, &r->e2e, r->cdf_e2e);
    summarize(queue, nc, &r->queue, NULL);
    free(ttft), free(tpot), free(e2e), free(queue);
    r->output_tok_s = s->window_tokens / s->w.duration;
    r->input_tok_s = in_tok / s->w.duration;
    r->req_s = (double)nc / s->w.duration;
    r->goodput_req_s = (double)good / s->w.duration;
    r->slo_attainment = r->arrived ? (double)good / (double)r->arrived : 0;
    engine_figures(s, r);
    r->timeline = s->timeline;
    r->n_timeline = s->n_timeline;
    s->timeline = NULL; /* ownership moves to the result */
    return SC_OK;
}

void sc_serve_result_free(sc_serve_result *r) {
    if (!r) return;
    free(r->timeline);
    r->timeline = NULL;
    r->n_timeline = 0;
}

/* ---- JSON ---- */
static cJSON *pcts_json(const sc_serve_pcts *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "mean", p->mean);
    cJSON_AddNumberToObject(o, "p50", p->p50);
    cJSON_AddNumberToObject(o, "p90", p->p90);
    cJSON_AddNumberToObject(o, "p99", p->p99);
    cJSON_AddNumberToObject(o, "max", p->max);
    return o;
}

static cJSON *cdf_json(const double *v) {
    return cJSON_CreateDoubleArray(v, SC_SERVE_CDF_POINTS);
}

static cJSON *timeline_json(const sc_serve_result *r) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < r->n_timeline; i++) {
        const sc_serve_span *sp = &r->timeline[i];
        double row[5] = {sp->replica, sp->start, sp->seconds, sp->n_decode, sp->prefill_tokens};
        cJSON_AddItemToArray(a, cJSON_CreateDoubleArray(row, 5));
    }
    return a;
}

static cJSON *config_json(const sc_serve_params *p, const sc_serve_workload *w) {
    static const char *const arr[] = {"poisson", "gamma", "closed", "trace"};
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "arrival", arr[w->arrival]);
    cJSON_AddNumberToObject(c, "rate", w->rate);
    cJSON_AddNumberToObject(c, "duration_s", w->duration);
    cJSON_AddNumberToObject(c, "input_len_mean", w->prompt.mean);
    cJSON_AddNumberToObject(c, "output_len_mean", w->output.mean);
    cJSON_AddNumberToObject(c, "seed", (double)w->seed);
    cJSON_AddNumberToObject(c, "max_batch", p->max_batch);
    cJSON_AddNumberToObject(c, "token_budget", p->token_budget);
    cJSON_AddBoolToObject(c, "chunked_prefill", p->chunked_prefill);
    cJSON_AddNumberToObject(c, "block_size", p->block_size);
    cJSON_AddStringToObject(c, "preempt", p->preempt == SC_PREEMPT_SWAP ? "swap" : "recompute");
    cJSON_AddBoolToObject(c, "prefix_caching", p->prefix_caching);
    cJSON_AddNumberToObject(c, "replicas", p->prefill_replicas ? 0 : p->replicas);
    cJSON_AddNumberToObject(c, "prefill_replicas", p->prefill_replicas);
    cJSON_AddNumberToObject(c, "decode_replicas", p->decode_replicas);
    cJSON_AddNumberToObject(c, "slo_ttft_s", p->slo_ttft);
    cJSON_AddNumberToObject(c, "slo_tpot_s", p->slo_tpot);
    return c;
}

char *sc_serve_result_json(const sc_serve_result *r, const char *model, const char *chip,
                           int chips_total, const sc_serve_params *p, const sc_serve_workload *w) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", "serve-sim");
    cJSON_AddStringToObject(o, "model", model ? model : "");
    cJSON_AddStringToObject(o, "chip", chip ? chip : "");
    cJSON_AddNumberToObject(o, "chips", chips_total);
    cJSON_AddItemToObject(o, "config", config_json(p, w));
    cJSON_AddNumberToObject(o, "arrived", (double)r->arrived);
    cJSON_AddNumberToObject(o, "completed", (double)r->completed);
    cJSON_AddNumberToObject(o, "rejected", (double)r->rejected);
    cJSON_AddNumberToObject(o, "unfinished", (double)r->unfinished);
    cJSON_AddItemToObject(o, "ttft_s", pcts_json(&r->ttft));
    cJSON_AddItemToObject(o, "tpot_s", pcts_json(&r->tpot));
    cJSON_AddItemToObject(o, "e2e_s", pcts_json(&r->e2e));
    cJSON_AddItemToObject(o, "queue_s", pcts_json(&r->queue));
    cJSON_AddNumberToObject(o, "output_tokens_per_s", r->output_tok_s);
    cJSON_AddNumberToObject(o, "input_tokens_per_s", r->input_tok_s);
    cJSON_AddNumberToObject(o, "requests_per_s", r->req_s);
    cJSON_AddNumberToObject(o, "goodput_requests_per_s", r->goodput_req_s);
    cJSON_AddNumberToObject(o, "slo_attainment", r->slo_attainment);
    cJSON_AddNumberToObject(o, "makespan_s", r->makespan);
    cJSON_AddNumberToObject(o, "iterations", r->iterations);
    cJSON_AddNumberToObject(o, "mean_batch", r->mean_batch);
    cJSON_AddNumberToObject(o, "mean_prefill_tokens", r->mean_prefill_tokens);
    cJSON_AddNumberToObject(o, "mean_kv_utilization", r->mean_kv_util);
    cJSON_AddNumberToObject(o, "busy_fraction", r->busy_fraction);
    cJSON_AddNumberToObject(o, "preemptions", r->preemptions);
    cJSON_AddNumberToObject(o, "swaps", r->swaps);
    cJSON_AddNumberToObject(o, "kv_transfers", r->kv_transfers);
    cJSON_AddNumberToObject(o, "prefix_hit_rate", r->prefix_hit_rate);
    cJSON *cdf = cJSON_AddObjectToObject(o, "cdf");
    cJSON_AddItemToObject(cdf, "ttft_s", cdf_json(r->cdf_ttft));
    cJSON_AddItemToObject(cdf, "tpot_s", cdf_json(r->cdf_tpot));
    cJSON_AddItemToObject(cdf, "e2e_s", cdf_json(r->cdf_e2e));
    /* rows: replica, start_s, seconds, decode sequences, prefill tokens */
    cJSON_AddItemToObject(o, "timeline", timeline_json(r));
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    return text;
}
