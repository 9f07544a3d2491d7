// SPDX-License-Identifier: Apache-2.0
// One design point: load the chip with the point's overrides, run the component model and time
// each workload's steady-state serving iteration with llm_perf; JSON round trip of results.
#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dse/dse.h"

static sc_chip *load_chip(const char *base, const char *const *ov, size_t n, char *why,
                          size_t why_len) {
    sc_chip_load_params p = sc_chip_load_default_params();
    p.overrides = ov;
    p.n_overrides = n;
    sc_chip *c = NULL;
    if (sc_chip_load(base, &p, &c, why, why_len) != SC_OK) return NULL;
    return c;
}

/* Output tokens/s per chip of one workload at the largest batch (halving from the requested one)
 * whose weights and KV cache fit. Steady state as in the planner: each iteration decodes B tokens
 * and carries B x I / O prompt tokens. */
static sc_status eval_workload(const sc_dse_workload *w, const sc_chip *c, double *tok_s,
                               int *batch, sc_err *err) {
    *tok_s = 0;
    *batch = 0;
    sc_llm_arch a;
    sc_status st = sc_llm_zoo_find(w->model, &a, err);
    if (st != SC_OK) return st;
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = c;
    d.chips = w->chips;
    d.tp = w->tp;
    d.pp = w->pp;
    d.prec = w->prec;
    if (a.n_experts > 0 && a.n_experts % d.chips == 0) d.ep = d.chips;
    int ctx = w->input_len + w->output_len, B = w->batch;
    sc_err e2 = {0};
    for (; B >= 1; B /= 2) {
        sc_llm_memory m;
        if (sc_llm_memory_plan(&a, &d, B, ctx, &m, &e2) != SC_OK) return SC_OK; /* bad split */
        if (m.fits) break;
    }
    if (B < 1) return SC_OK; /* the model does not fit this design */
    sc_llm_perf *perf = NULL;
    if (sc_llm_perf_create(&a, &d, &perf, &e2) != SC_OK) return SC_OK;
    double I = w->input_len, O = w->output_len, t = 0;
    sc_llm_step s = {B, I + O / 2, (int)ceil(B * I / O), I / 2};
    st = sc_llm_perf_step(perf, &s, &t, NULL, err);
    sc_llm_perf_destroy(perf);
    if (st != SC_OK) return st;
    *tok_s = t > 0 ? B / t / w->chips : 0;
    *batch = B;
    return SC_OK;
}

static void figures(const sc_dse_space *s, sc_dse_result *r) {
    double lw = 0, wsum = 0;
    int zero = 0;
    for (size_t k = 0; k < sc_dse_workload_count(s); k++) {
        double wt = sc_dse_workload_at(s, k)->weight;
        zero |= !(r->wl_tok_s[k] > 0);
        if (r->wl_tok_s[k] > 0) lw += wt * log(r->wl_tok_s[k]);
        wsum += wt;
    }
    /* A design that cannot run one of the workloads scores 0: it is not a candidate. */
    r->perf = zero || wsum <= 0 ? 0 : exp(lw / wsum);
    r->perf_per_usd = r->phys.chip_usd > 0 ? r->perf / r->phys.chip_usd : 0;
    r->perf_per_w = r->phys.power_w > 0 ? r->perf / r->phys.power_w : 0;
    r->perf_per_hbm_gb = r->phys.hbm_gb > 0 ? r->perf / r->phys.hbm_gb : 0;
}

sc_status sc_dse_eval(const sc_dse_space *s, size_t i, sc_dse_result *r, sc_err *err) {
    double t0 = sc_now_seconds();
    memset(r, 0, sizeof *r);
    r->index = i;
    sc_dse_point_key(s, i, r->key, sizeof r->key);
    const char *ov[SC_DSE_MAX_AXES * SC_DSE_MAX_SETS];
    size_t n = sc_dse_point_overrides(s, i, ov, SC_ARRAY_LEN(ov));
    char why[512] = "";
    sc_chip *ref = load_chip(sc_dse_space_base(s), NULL, 0, why, sizeof why);
    if (!ref) return sc_err_set(err, SC_ERR_NOT_FOUND, "sweep base: %s", why);
    sc_chip *c = load_chip(sc_dse_space_base(s), ov, n, why, sizeof why);
    sc_status st = SC_OK;
    if (!c) {
        sc_strlcpy(r->error, why, sizeof r->error); /* an invalid design, recorded as such */
    } else {
        r->ok = 1;
        sc_dse_phys_model(c, ref, &r->phys);
        for (size_t k = 0; st == SC_OK && k < sc_dse_workload_count(s); k++)
            st = eval_workload(sc_dse_workload_at(s, k), c, &r->wl_tok_s[k], &r->wl_batch[k], err);
        figures(s, r);
    }
    sc_chip_destroy(c);
    sc_chip_destroy(ref);
    r->eval_s = sc_now_seconds() - t0;
    return st;
}

/* ---- JSON ---- */
/* The physical figures travel as named numbers (one table for both directions). */
#define PF(f)                                                                                      \
    { #f, offsetof(sc_dse_phys, f) }
static const struct {
    const char *name;
    size_t off;
} k_phys[] = {PF(area_core_mm2), PF(area_die_mm2), PF(dies_per_wafer), PF(yield),      PF(die_usd),
              PF(hbm_usd),       PF(lpddr_usd),    PF(package_usd),    PF(board_usd),  PF(chip_usd),
              PF(power_w),       PF(hbm_gb),       PF(hbm_tbs),        PF(bf16_tflops)};
#undef PF

static double *phys_field(sc_dse_phys *p, size_t i) {
    return (double *)((char *)p + k_phys[i].off);
}

/* Doubles as 17 significant digits, which strtod (cJSON's parser) reads back bit for bit. cJSON's
 * own printer stops at 15 digits when those compare equal within an epsilon, so a result sent
 * between MPI ranks came back up to an ulp off and a sweep under mpirun stored other values than
 * a single process. */
static cJSON *exact(double v) {
    char buf[40];
    if (!isfinite(v)) return cJSON_CreateNumber(v);
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

char *sc_dse_result_to_json(const sc_dse_result *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", (double)r->index);
    cJSON_AddStringToObject(o, "key", r->key);
    cJSON_AddBoolToObject(o, "ok", r->ok);
    cJSON_AddStringToObject(o, "error", r->error);
    cJSON *p = cJSON_AddObjectToObject(o, "phys");
    sc_dse_phys ph = r->phys;
    for (size_t i = 0; i < SC_ARRAY_LEN(k_phys); i++)
        cJSON_AddItemToObject(p, k_phys[i].name, exact(*phys_field(&ph, i)));
    cJSON *tok = cJSON_AddArrayToObject(o, "tok_s");
    for (int k = 0; k < SC_DSE_MAX_WORKLOADS; k++)
        cJSON_AddItemToArray(tok, exact(r->wl_tok_s[k]));
    cJSON_AddItemToObject(o, "batch", cJSON_CreateIntArray(r->wl_batch, SC_DSE_MAX_WORKLOADS));
    cJSON_AddNumberToObject(o, "eval_s", r->eval_s);
    cJSON_AddItemToObject(o, "perf", exact(r->perf));
    cJSON_AddItemToObject(o, "perf_per_usd", exact(r->perf_per_usd));
    cJSON_AddItemToObject(o, "perf_per_w", exact(r->perf_per_w));
    cJSON_AddItemToObject(o, "perf_per_hbm_gb", exact(r->perf_per_hbm_gb));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

sc_status sc_dse_result_from_json(const char *text, sc_dse_result *r, sc_err *err) {
    memset(r, 0, sizeof *r);
    cJSON *o = cJSON_Parse(text);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "key");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "phys");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(o, "tok_s");
    const cJSON *bat = cJSON_GetObjectItemCaseSensitive(o, "batch");
    if (!cJSON_IsString(key) || !cJSON_IsObject(p) || !cJSON_IsArray(tok) || !cJSON_IsArray(bat)) {
        cJSON_Delete(o);
        return sc_err_set(err, SC_ERR_PARSE, "sweep: malformed point result");
    }
    r->index = (size_t)num(o, "index");
    sc_strlcpy(r->key, key->valuestring, sizeof r->key);
    r->ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    if (cJSON_IsString(e)) sc_strlcpy(r->error, e->valuestring, sizeof r->error);
    for (size_t i = 0; i < SC_ARRAY_LEN(k_phys); i++)
        *phys_field(&r->phys, i) = num(p, k_phys[i].name);
    for (int k = 0; k < SC_DSE_MAX_WORKLOADS; k++) {
        const cJSON *t = cJSON_GetArrayItem(tok, k), *b = cJSON_GetArrayItem(bat, k);
        r->wl_tok_s[k] = cJSON_IsNumber(t) ? t->valuedouble : 0;
        r->wl_batch[k] = cJSON_IsNumber(b) ? b->valueint : 0;
    }
    r->eval_s = num(o, "eval_s");
    r->perf = num(o, "perf");
    r->perf_per_usd = num(o, "perf_per_usd");
    r->perf_per_w = num(o, "perf_per_w");
    r->perf_per_hbm_gb = num(o, "perf_per_hbm_gb");
    cJSON_Delete(o);
    return SC_OK;
}
