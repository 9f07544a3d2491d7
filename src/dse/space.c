// SPDX-License-Identifier: Apache-2.0
// Sweep spaces: SPACE.yaml (libyaml via ytree) -> axes of config overrides and LLM workloads.
#include <stdlib.h>
#include <string.h>

#include "dse/dse.h"
#include "util/ytree.h"

struct sc_dse_space {
    sc_arena *arena;
    const char *base;
    sc_dse_axis axes[SC_DSE_MAX_AXES];
    size_t n_axes;
    sc_dse_workload wl[SC_DSE_MAX_WORKLOADS];
    size_t n_wl;
    size_t n_points;
    uint64_t hash;
};

static sc_status at(sc_err *err, const sc_ynode *n, const char *fmt, const char *what) {
    return sc_err_set(err, SC_ERR_PARSE, "%s:%d: %s%s", n->file, n->line, fmt, what ? what : "");
}

static const char *scalar(const sc_ynode *n) {
    return n && n->kind == SC_Y_SCALAR ? n->value : NULL;
}

/* Integer field of a workload map with a default when absent. */
static sc_status wl_int(const sc_ynode *m, const char *key, int dflt, int lo, int hi, int *out,
                        sc_err *err) {
    sc_ynode *v = sc_ynode_get(m, key);
    *out = dflt;
    if (!v) return SC_OK;
    v->used = 1;
    char *end;
    long x = scalar(v) ? strtol(v->value, &end, 10) : 0;
    if (!scalar(v) || *end || x < lo || x > hi) {
        char why[96];
        snprintf(why, sizeof why, "workload key '%s' must be an integer in [%d, %d]", key, lo, hi);
        return at(err, v, why, NULL);
    }
    *out = (int)x;
    return SC_OK;
}

static sc_status parse_workload(const sc_ynode *m, sc_dse_workload *w, sc_err *err) {
    if (m->kind != SC_Y_MAP) return at(err, m, "a workload must be a map", NULL);
    sc_ynode *model = sc_ynode_get(m, "model");
    if (!scalar(model)) return at(err, m, "workload needs 'model: NAME'", NULL);
    model->used = 1;
    sc_llm_arch a;
    sc_err e2 = {0};
    if (sc_llm_zoo_find(model->value, &a, &e2) != SC_OK) return at(err, model, e2.msg, NULL);
    sc_strlcpy(w->model, model->value, sizeof w->model);
    sc_status st = SC_OK;
    if (st == SC_OK) st = wl_int(m, "chips", 1, 1, 4096, &w->chips, err);
    if (st == SC_OK) st = wl_int(m, "tp", w->chips, 1, 4096, &w->tp, err);
    if (st == SC_OK) st = wl_int(m, "pp", w->chips / w->tp, 1, 4096, &w->pp, err);
    if (st == SC_OK) st = wl_int(m, "batch", 32, 1, 65536, &w->batch, err);
    if (st == SC_OK) st = wl_int(m, "input_len", 2048, 1, 1 << 20, &w->input_len, err);
    if (st == SC_OK) st = wl_int(m, "output_len", 256, 1, 1 << 20, &w->output_len, err);
    if (st != SC_OK) return st;
    if (w->tp * w->pp != w->chips) return at(err, m, "workload needs tp x pp == chips", NULL);
    w->prec = SC_LLM_FP8;
    sc_ynode *pr = sc_ynode_get(m, "precision");
    if (pr) {
        pr->used = 1;
        if (!scalar(pr) || sc_llm_prec_from_name(pr->value, &w->prec) != SC_OK)
            return at(err, pr, "precision must be bf16, fp8, int8, w4a16 or fp32", NULL);
    }
    w->weight = 1.0;
    sc_ynode *wt = sc_ynode_get(m, "weight");
    if (wt) {
        wt->used = 1;
        char *end;
        w->weight = scalar(wt) ? strtod(wt->value, &end) : -1;
        if (!scalar(wt) || *end || !(w->weight > 0 && w->weight <= 1000))
            return at(err, wt, "weight must be a number in (0, 1000]", NULL);
    }
    return SC_OK;
}

/* Appends "prefix.key=value" for every scalar under n (nested maps flatten to dotted keys;
 * depth is bounded by the YAML parser's nesting limit). */
static sc_status flatten(sc_arena *a, const sc_ynode *n, const char *prefix, sc_dse_value *v,
                         sc_err *err) {
    for (size_t i = 0; i < n->n; i++) {
        const sc_ynode *c = n->items[i];
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", n->keys[i]);
        if (c->kind == SC_Y_MAP) {
            sc_status st = flatten(a, c, key, v, err);
            if (st != SC_OK) return st;
            continue;
        }
        if (c->kind != SC_Y_SCALAR) return at(err, c, "a setting must be a scalar: ", key);
        if (v->n_sets >= SC_DSE_MAX_SETS) return at(err, c, "too many settings in one value", NULL);
        size_t len = strlen(key) + strlen(c->value) + 2;
        char *kv = sc_arena_alloc(a, len);
        if (!kv) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        snprintf(kv, len, "%s=%s", key, c->value);
        v->sets[v->n_sets++] = kv;
    }
    return SC_OK;
}

static sc_status parse_bundle(sc_arena *a, const sc_ynode *m, sc_dse_value *v, sc_err *err) {
    const char *name = scalar(sc_ynode_get(m, "name"));
    sc_ynode *set = sc_ynode_get(m, "set");
    if (!name || !set || set->kind != SC_Y_MAP || m->n != 2)
        return at(err, m, "a bundle value is {name: LABEL, set: {key: value, ...}}", NULL);
    v->label = name;
    return flatten(a, set, "", v, err);
}

static sc_status parse_axis(sc_arena *a, const char *key, const sc_ynode *list, sc_dse_axis *ax,
                            sc_err *err) {
    if (list->kind != SC_Y_SEQ || list->n == 0)
        return at(err, list, "a parameter takes a non-empty list of values: ", key);
    if (list->n > SC_DSE_MAX_VALUES) return at(err, list, "too many values for ", key);
    ax->name = key;
    for (size_t i = 0; i < list->n; i++) {
        const sc_ynode *it = list->items[i];
        sc_dse_value *v = &ax->values[ax->n_values++];
        if (it->kind == SC_Y_MAP) {
            sc_status st = parse_bundle(a, it, v, err);
            if (st != SC_OK) return st;
            continue;
        }
        if (it->kind != SC_Y_SCALAR) return at(err, it, "values must be scalars or bundles", NULL);
        size_t len = strlen(key) + strlen(it->value) + 2;
        char *kv = sc_arena_alloc(a, len);
        if (!kv) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        snprintf(kv, len, "%s=%s", key, it->value);
        v->label = it->value;
        v->sets[0] = kv;
        v->n_sets = 1;
    }
    return SC_OK;
}

static uint64_t fnv(uint64_t h, const char *s) {
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return (h ^ 0xff) * 0x100000001B3ull;
}

/* The hash covers everything that decides a point's result: base, axes and workloads. */
static void finish_space(sc_dse_space *s) {
    uint64_t h = fnv(0xcbf29ce484222325ull, s->base);
    s->n_points = 1;
    for (size_t i = 0; i < s->n_axes; i++) {
        h = fnv(h, s->axes[i].name);
        for (size_t j = 0; j < s->axes[i].n_values; j++)
            for (size_t k = 0; k < s->axes[i].values[j].n_sets; k++)
                h = fnv(h, s->axes[i].values[j].sets[k]);
        s->n_points *= s->axes[i].n_values;
    }
    for (size_t i = 0; i < s->n_wl; i++) {
        char buf[160];
        const sc_dse_workload *w = &s->wl[i];
        snprintf(buf, sizeof buf, "%s/%d/%d/%d/%d/%d/%d/%d/%g", w->model, w->chips, w->tp, w->pp,
                 w->batch, w->input_len, w->output_len, (int)w->prec, w->weight);
        h = fnv(h, buf);
    }
    s->hash = h;
}

static sc_status parse_root(sc_dse_space *s, const sc_ynode *root, sc_err *err) {
    if (root->kind != SC_Y_MAP) return at(err, root, "a sweep space is a map", NULL);
    sc_ynode *base = sc_ynode_get(root, "base"), *wl = sc_ynode_get(root, "workloads"),
             *par = sc_ynode_get(root, "parameters");
    if (!scalar(base)) return at(err, root, "missing 'base: CHIP'", NULL);
    if (!wl || wl->kind != SC_Y_SEQ || wl->n == 0)
        return at(err, wl ? wl : root, "'workloads' must be a non-empty list", NULL);
    if (!par || par->kind != SC_Y_MAP || par->n == 0)
        return at(err, par ? par : root, "'parameters' must be a non-empty map", NULL);
    base->used = wl->used = par->used = 1;
    s->base = base->value;
    if (wl->n > SC_DSE_MAX_WORKLOADS) return at(err, wl, "too many workloads (max 8)", NULL);
    for (size_t i = 0; i < wl->n; i++) {
        sc_status st = parse_workload(wl->items[i], &s->wl[s->n_wl++], err);
        if (st != SC_OK) return st;
    }
    if (par->n > SC_DSE_MAX_AXES) return at(err, par, "too many parameters (max 16)", NULL);
    double points = 1;
    for (size_t i = 0; i < par->n; i++) {
        sc_status st =
            parse_axis(s->arena, par->keys[i], par->items[i], &s->axes[s->n_axes++], err);
        if (st != SC_OK) return st;
        points *= (double)par->items[i]->n;
    }
    if (points > SC_DSE_MAX_POINTS) return at(err, par, "more than 10,000,000 design points", NULL);
    for (size_t i = 0; i < root->n; i++)
        if (!root->items[i]->used) return at(err, root->items[i], "unknown key: ", root->keys[i]);
    for (size_t i = 0; i < wl->n; i++) {
        char path[128];
        const sc_ynode *u = sc_ynode_first_unused(wl->items[i], path, sizeof path);
        if (u) return at(err, u, "unknown workload key: ", path);
    }
    finish_space(s);
    return SC_OK;
}

sc_status sc_dse_space_load(const char *path, sc_dse_space **out, sc_err *err) {
    *out = NULL;
    unsigned char *text = NULL;
    size_t len = 0;
    sc_status st = sc_read_file(path, 1u << 20, &text, &len, err);
    if (st != SC_OK) return st;
    sc_dse_space *s = calloc(1, sizeof *s);
    if (!s || !(s->arena = sc_arena_create(1 << 16))) {
        free(text);
        free(s);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    }
    sc_ynode *root = NULL;
    char *file = sc_arena_strdup(s->arena, path);
    st = file ? sc_yaml_parse(s->arena, file, (const char *)text, len, &root, err)
              : sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    free(text);
    if (st == SC_OK) st = parse_root(s, root, err);
    if (st != SC_OK) return sc_dse_space_destroy(s), st;
    *out = s;
    return SC_OK;
}

void sc_dse_space_destroy(sc_dse_space *s) {
    if (!s) return;
    sc_arena_destroy(s->arena);
    free(s);
}

size_t sc_dse_point_count(const sc_dse_space *s) {
    return s->n_points;
}

const char *sc_dse_space_base(const sc_dse_space *s) {
    return s->base;
}

uint64_t sc_dse_space_hash(const sc_dse_space *s) {
    return s->hash;
}

size_t sc_dse_workload_count(const sc_dse_space *s) {
    return s->n_wl;
}

const sc_dse_workload *sc_dse_workload_at(const sc_dse_space *s, size_t i) {
    return i < s->n_wl ? &s->wl[i] : NULL;
}

/* Value index of each axis for point i, first axis slowest. */
static void digits(const sc_dse_space *s, size_t i, size_t *d) {
    for (size_t k = s->n_axes; k-- > 0;) {
        d[k] = i % s->axes[k].n_values;
        i /= s->axes[k].n_values;
    }
}

size_t sc_dse_point_overrides(const sc_dse_space *s, size_t i, const char **ov, size_t max) {
    size_t d[SC_DSE_MAX_AXES], n = 0;
    digits(s, i, d);
    for (size_t k = 0; k < s->n_axes; k++) {
        const sc_dse_value *v = &s->axes[k].values[d[k]];
        for (size_t j = 0; j < v->n_sets && n < max; j++)
            ov[n++] = v->sets[j];
    }
    return n;
}

void sc_dse_point_key(const sc_dse_space *s, size_t i, char *buf, size_t len) {
    size_t d[SC_DSE_MAX_AXES], used = 0;
    digits(s, i, d);
    buf[0] = '\0';
    for (size_t k = 0; k < s->n_axes && used < len; k++) {
        int w = snprintf(buf + used, len - used, "%s%s=%s", k ? "," : "", s->axes[k].name,
                         s->axes[k].values[d[k]].label);
        if (w < 0) break;
        used += (size_t)w;
    }
}
