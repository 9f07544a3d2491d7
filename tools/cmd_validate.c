// SPDX-License-Identifier: Apache-2.0
// `seedchip validate`: predicted vs measured for every row of a calibration table; --fit
// calibrates.
#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report/validate.h"
#include "util/util.h"

#define DEFAULT_TABLE SEEDCHIP_SOURCE_DIR "/data/validation/calibration.csv"

static const char *USAGE =
    "usage: seedchip validate [--table FILE.csv] [options]\n\n"
    "Predicts every row of a table of published measurements with the matching chip config and\n"
    "prints predicted, measured and error per row, and the mean absolute percentage error (MAPE)\n"
    "overall, on the fit and holdout splits, and per category. Rows whose config does not exist\n"
    "(or whose model/precision is unknown) are listed as skipped with the reason.\n\n"
    "  --table FILE.csv    table (default data/validation/calibration.csv); columns:\n"
    "                      id,category,split,config,hardware,count,model,precision,workload,\n"
    "                      metric,value,unit,source (docs/VALIDATION.md)\n"
    "  --config NAME       only rows of this config\n"
    "  --category C        only rows of this category (gemm, attention, memory, collective, llm)\n"
    "  --id PATTERN        only rows whose id matches the shell pattern (e.g. 'gemm-h100-*')\n"
    "                      (--config, --category and --id combine; only the selected rows are\n"
    "                      predicted, and a selection that matches no row is an error)\n"
    "  --no-llm            skip end-to-end LLM rows (fast)\n"
    "  --fit               calibrate each config's efficiency parameters on its fit rows and\n"
    "                      print them with the fit and holdout MAPE before and after\n"
    "                      (kernel efficiencies, then the LLM ones on the LLM fit rows;\n"
    "                      with --category llm only the LLM ones)\n"
    "  --max-mape PCT      exit 1 when the overall or any category's MAPE exceeds PCT percent\n"
    "  --config-dir DIR    where chip configs live (default: the built-in search path)\n"
    "  --json              machine-readable output\n"
    "  --out FILE          write the report to FILE atomically (default stdout)\n";

typedef struct val_opts {
    const char *table, *config, *category, *id, *config_dir, *out;
    int json, fit, no_llm;
    double max_mape; /* percent; < 0 = no check */
} val_opts;

static int parse_one(val_opts *o, int argc, char **argv, int *i) {
    const char *v = NULL;
    int r;
    if (strcmp(argv[*i], "--json") == 0) return o->json = 1;
    if (strcmp(argv[*i], "--fit") == 0) return o->fit = 1;
    if (strcmp(argv[*i], "--no-llm") == 0) return o->no_llm = 1;
#define OPT(name) ((r = cli_opt_value("validate", argc, argv, i, name, &v)) != 0)
    if (OPT("--table")) return r < 0 ? -1 : (o->table = v, 1);
    if (OPT("--config-dir")) return r < 0 ? -1 : (o->config_dir = v, 1);
    if (OPT("--config")) return r < 0 ? -1 : (o->config = v, 1);
    if (OPT("--category")) return r < 0 ? -1 : (o->category = v, 1);
    if (OPT("--id")) return r < 0 ? -1 : (o->id = v, 1);
    if (OPT("--out")) return r < 0 ? -1 : (o->out = v, 1);
    if (OPT("--max-mape"))
        return r < 0 || cli_parse_double("validate", "--max-mape", v, 0, 1e6, &o->max_mape) ? -1
                                                                                            : 1;
#undef OPT
    return 0;
}

static int parse_args(val_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->table = DEFAULT_TABLE;
    o->out = "-";
    o->max_mape = -1;
    for (int i = 1; i < argc; i++) {
        int r = parse_one(o, argc, argv, &i);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 0) return cli_error("validate", "unknown option '%s' (see --help)", argv[i]);
    }
    if (o->category) {
        int ok = 0;
        for (int c = 0; c < SC_VAL_NCAT; c++)
            ok |= strcmp(o->category, sc_val_cat_name(c)) == 0;
        if (!ok)
            return cli_error("validate",
                             "--category: '%s' is not gemm, attention, memory, collective or llm",
                             o->category);
    }
    return CLI_EXIT_OK;
}

/* Rows the options select (others are reported as skipped "not selected"). */
static int selected(const val_opts *o, const sc_val_row *r) {
    if (o->config && strcmp(o->config, r->config) != 0) return 0;
    if (o->category && strcmp(o->category, sc_val_cat_name(r->cat)) != 0) return 0;
    if (o->id && fnmatch(o->id, r->id, 0) != 0) return 0;
    return 1;
}

/* Marks the selected rows in keep; a filter that names nothing in the table is bad input (a
 * typo would otherwise report an empty, passing table). Returns the exit status. */
static int select_rows(const val_opts *o, const sc_val_table *t, char *keep, size_t *n_sel) {
    size_t n = sc_val_table_count(t), by_config = 0, by_id = 0;
    *n_sel = 0;
    for (size_t i = 0; i < n; i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        by_config += o->config && strcmp(o->config, r->config) == 0;
        by_id += o->id && fnmatch(o->id, r->id, 0) == 0;
        keep[i] = (char)selected(o, r);
        *n_sel += (size_t)keep[i];
    }
    if (o->config && !by_config)
        return cli_error("validate", "--config: no row of %s has config '%s'", o->table, o->config);
    if (o->id && !by_id)
        return cli_error("validate", "--id: no row id of %s matches '%s'", o->table, o->id);
    if (!*n_sel)
        return cli_error("validate", "no row of %s matches the selection (%s%s%s%s%s%s)", o->table,
                         o->category ? " --category " : "", o->category ? o->category : "",
                         o->config ? " --config " : "", o->config ? o->config : "",
                         o->id ? " --id " : "", o->id ? o->id : "");
    return CLI_EXIT_OK;
}

/* "all N rows" or the filters and how many of the table's rows they selected. */
static void selection_text(sc_strbuf *sb, const val_opts *o, size_t n_sel, size_t n) {
    if (!o->config && !o->category && !o->id) {
        sc_strbuf_printf(sb, "all %zu rows", n);
        return;
    }
    sc_strbuf_printf(sb, "%zu of %zu rows selected by", n_sel, n);
    if (o->category) sc_strbuf_printf(sb, " --category %s", o->category);
    if (o->config) sc_strbuf_printf(sb, " --config %s", o->config);
    if (o->id) sc_strbuf_printf(sb, " --id '%s'", o->id);
}

/* Value in the row's own unit (measured/value is the unit scale). */
static double in_unit(const sc_val_row *r, double base) {
    return base * r->value / r->measured;
}

static void text_rows(sc_strbuf *sb, const sc_val_table *t, const sc_val_result *res,
                      const char *keep) {
    sc_strbuf_printf(sb, "%-24s %-13s %-10s %-10s %12s %12s %-6s %8s %s\n", "id", "config",
                     "category", "metric", "predicted", "measured", "unit", "error", "split");
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        if (!keep[i] || res[i].skipped) continue;
        sc_strbuf_printf(sb, "%-24s %-13s %-10s %-10s %12.4g %12.4g %-6s %+7.1f%% %s\n", r->id,
                         r->config, sc_val_cat_name(r->cat), r->metric_name,
                         in_unit(r, res[i].predicted), r->value, r->unit, 100 * res[i].error,
                         r->holdout ? "holdout" : "fit");
    }
    int header = 0;
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        if (!keep[i] || !res[i].skipped) continue;
        if (!header++) sc_strbuf_printf(sb, "\nskipped:\n");
        sc_strbuf_printf(sb, "  %-24s %s\n", r->id, res[i].reason);
    }
}

static void text_stat(sc_strbuf *sb, const char *label, const sc_val_stat *s) {
    if (s->n)
        sc_strbuf_printf(sb, "  %-11s MAPE %5.1f%%  max %6.1f%%  (%d rows)\n", label, 100 * s->mape,
                         100 * s->max_ape, s->n);
    else
        sc_strbuf_printf(sb, "  %-11s -     (0 rows)\n", label);
}

static void text_summary(sc_strbuf *sb, const sc_val_summary *s, const val_opts *o, size_t n_sel,
                         size_t n) {
    sc_strbuf_printf(sb, "\nsummary (%d predicted, %d skipped; ", s->all.n, s->skipped);
    selection_text(sb, o, n_sel, n);
    sc_strbuf_printf(sb, "):\n");
    text_stat(sb, "overall", &s->all);
    text_stat(sb, "fit", &s->fit);
    text_stat(sb, "holdout", &s->holdout);
    for (int c = 0; c < SC_VAL_NCAT; c++)
        text_stat(sb, sc_val_cat_name(c), &s->cat[c]);
}

static cJSON *stat_json(const sc_val_stat *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rows", s->n);
    cJSON_AddNumberToObject(o, "mape", s->mape);
    cJSON_AddNumberToObject(o, "max_ape", s->max_ape);
    return o;
}

static cJSON *row_json(const sc_val_row *r, const sc_val_result *res) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "config", r->config);
    cJSON_AddStringToObject(o, "category", sc_val_cat_name(r->cat));
    cJSON_AddStringToObject(o, "metric", r->metric_name);
    cJSON_AddStringToObject(o, "unit", r->unit);
    cJSON_AddStringToObject(o, "split", r->holdout ? "holdout" : "fit");
    cJSON_AddNumberToObject(o, "measured", r->value);
    if (res->skipped) {
        cJSON_AddBoolToObject(o, "skipped", 1);
        cJSON_AddStringToObject(o, "reason", res->reason);
    } else {
        cJSON_AddNumberToObject(o, "predicted", in_unit(r, res->predicted));
        cJSON_AddNumberToObject(o, "error", res->error);
    }
    return o;
}

/* The filters (null when absent) and the rows they selected. */
static cJSON *selection_json(const val_opts *o, size_t n_sel, size_t n) {
    cJSON *sel = cJSON_CreateObject();
    const char *key[3] = {"category", "config", "id"}, *val[3] = {o->category, o->config, o->id};
    for (int i = 0; i < 3; i++)
        if (val[i])
            cJSON_AddStringToObject(sel, key[i], val[i]);
        else
            cJSON_AddNullToObject(sel, key[i]);
    cJSON_AddNumberToObject(sel, "rows", (double)n_sel);
    cJSON_AddNumberToObject(sel, "table_rows", (double)n);
    return sel;
}

static char *json_report(const val_opts *o, const sc_val_table *t, const sc_val_result *res,
                         const char *keep, const sc_val_summary *s, size_t n_sel) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "table", o->table);
    cJSON_AddItemToObject(root, "selection", selection_json(o, n_sel, sc_val_table_count(t)));
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    for (size_t i = 0; i < sc_val_table_count(t); i++)
        if (keep[i]) cJSON_AddItemToArray(rows, row_json(sc_val_table_row(t, i), &res[i]));
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddItemToObject(sum, "overall", stat_json(&s->all));
    cJSON_AddItemToObject(sum, "fit", stat_json(&s->fit));
    cJSON_AddItemToObject(sum, "holdout", stat_json(&s->holdout));
    cJSON_AddNumberToObject(sum, "skipped", s->skipped);
    cJSON *cats = cJSON_AddObjectToObject(sum, "category");
    for (int c = 0; c < SC_VAL_NCAT; c++)
        cJSON_AddItemToObject(cats, sc_val_cat_name(c), stat_json(&s->cat[c]));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* MAPE over the holdout rows of one config, with its efficiency parameters replaced by e. */
static double holdout_mape(const sc_val_table *t, const sc_val_params *p, const char *config,
                           const sc_val_eff *e, sc_val_result *res) {
    sc_val_override ov;
    memset(&ov, 0, sizeof ov);
    ov.config = config;
    if (e) ov.eff = *e;
    sc_val_params q = *p;
    q.skip_llm = 1;
    sc_err err = {0};
    if (sc_val_run(t, &q, e ? &ov : NULL, res, NULL, &err) != SC_OK) return NAN;
    double sum = 0;
    int n = 0;
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        if (!r->holdout || res[i].skipped || strcmp(r->config, config) != 0) continue;
        sum += fabs(res[i].error);
        n++;
    }
    return n ? sum / n : NAN;
}

/* Second stage: the LLM serving efficiencies on the config's LLM fit rows, given e's kernel
 * efficiencies; e receives them. */
static void fit_llm_stage(sc_strbuf *sb, const sc_val_table *t, const sc_val_params *p,
                          const char *config, sc_val_eff *e) {
    double before = NAN, after = NAN;
    sc_err err = {0};
    if (sc_val_fit_llm(t, p, config, e, &before, &after, &err) == SC_OK)
        sc_strbuf_printf(sb, "%s: LLM fit MAPE %.1f%% -> %.1f%%\n", config, 100 * before,
                         100 * after);
    else
        sc_strbuf_printf(sb, "%s: LLM efficiencies not fitted: %s\n", config, err.msg);
}

/* The optional prompt-attention efficiencies, where fitted. */
static void print_prompt_attention(sc_strbuf *sb, const sc_val_eff *e) {
    if (e->attn_prefill > 0) sc_strbuf_printf(sb, "    attention_prefill: %.3f\n", e->attn_prefill);
    if (e->attn_copy > 0)
        sc_strbuf_printf(sb, "    attention_copy_rate: %.2fGB/s\n", e->attn_copy / 1e9);
}

/* --fit --category llm: only the second stage, on the config's own kernel efficiencies (the LLM
 * rows are slow to time; the kernel fit is unchanged by them). */
static void fit_llm_only(sc_strbuf *sb, const sc_val_table *t, const sc_val_params *p,
                         const char *config) {
    sc_chip_load_params lp = sc_chip_load_default_params();
    lp.config_dir = p->config_dir;
    char msg[512] = "";
    sc_chip *chip = NULL;
    if (sc_chip_load(config, &lp, &chip, msg, sizeof msg) != SC_OK) {
        sc_strbuf_printf(sb, "%s: not fitted: %s\n", config, msg);
        return;
    }
    sc_val_eff e = sc_val_eff_from_chip(chip);
    sc_chip_destroy(chip);
    fit_llm_stage(sb, t, p, config, &e);
    sc_strbuf_printf(sb,
                     "  efficiency:\n    attention: %.3f\n    attention_floor: %.2fus\n"
                     "    step_overhead: %.1fus\n",
                     e.attention, e.attn_floor * 1e6, e.step * 1e6);
    print_prompt_attention(sb, &e);
}

static void fit_config(sc_strbuf *sb, const sc_val_table *t, const sc_val_params *p,
                       const char *config, sc_val_result *res) {
    sc_val_eff e;
    double before = 0, after = 0;
    sc_err err = {0};
    if (sc_val_fit(t, p, config, &e, &before, &after, &err) != SC_OK) {
        sc_strbuf_printf(sb, "%s: not fitted: %s\n", config, err.msg);
        return;
    }
    double hb = holdout_mape(t, p, config, NULL, res);
    double ha = holdout_mape(t, p, config, &e, res);
    if (!p->skip_llm) fit_llm_stage(sb, t, p, config, &e);
    sc_strbuf_printf(sb,
                     "%s: fit MAPE %.1f%% -> %.1f%%, holdout MAPE %.1f%% -> %.1f%%\n"
                     "  efficiency:\n    matmul: %.3f\n    memory: %.3f\n"
                     "    kernel_launch: %.2fus\n    collective_latency: %.2fus\n"
                     "    link: %.3f\n    nvls: %.3f\n    attention: %.3f\n"
                     "    step_overhead: %.1fus\n",
                     config, 100 * before, 100 * after, 100 * hb, 100 * ha, e.matmul, e.memory,
                     e.launch * 1e6, e.coll_latency * 1e6, e.link, e.nvls, e.attention,
                     e.step * 1e6);
    sc_strbuf_printf(sb,
                     "    collective_hop: %.2fus\n    ll128: %.3f\n    collective_chunk: %.2fMB\n"
                     "    nvls_latency: %.2fus\n    memory_write: %.3f\n    host_sync: %.2fus\n"
                     "    attention_floor: %.2fus\n",
                     e.hop * 1e6, e.ll128, e.chunk / 1e6, e.nvls_lat * 1e6, e.write,
                     e.host_sync * 1e6, e.attn_floor * 1e6);
    print_prompt_attention(sb, &e);
}

/* --fit: one block per config that has fit rows (or the one --config names). */
static void fit_all(sc_strbuf *sb, const sc_val_table *t, const sc_val_params *p, const val_opts *o,
                    sc_val_result *res) {
    for (size_t i = 0; i < sc_val_table_count(t); i++) {
        const sc_val_row *r = sc_val_table_row(t, i);
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(sc_val_table_row(t, j)->config, r->config) != 0;
        if (!first || (o->config && strcmp(o->config, r->config) != 0)) continue;
        if (o->category && strcmp(o->category, "llm") == 0)
            fit_llm_only(sb, t, p, r->config);
        else
            fit_config(sb, t, p, r->config, res);
    }
}

static int over_budget(const sc_val_summary *s, double pct) {
    if (pct < 0) return 0;
    int over = s->all.n && 100 * s->all.mape > pct;
    for (int c = 0; c < SC_VAL_NCAT; c++)
        over |= s->cat[c].n && 100 * s->cat[c].mape > pct;
    return over;
}

/* Predicts, marks unselected rows, summarises and formats; returns the exit status. */
static int report(const val_opts *o, const sc_val_table *t, sc_val_result *res, char *keep) {
    size_t n_sel = 0, n = sc_val_table_count(t);
    int rc = select_rows(o, t, keep, &n_sel);
    if (rc != CLI_EXIT_OK) return rc;
    sc_val_params p = sc_val_default_params();
    p.config_dir = o->config_dir;
    p.skip_llm = o->no_llm;
    p.select = keep; /* only the selected rows are predicted */
    sc_err err = {0};
    if (sc_val_run(t, &p, NULL, res, NULL, &err) != SC_OK)
        return cli_error("validate", "%s", err.msg);
    p.select = NULL; /* --fit's holdout figures cover the config's whole table, as before */
    sc_val_summary s;
    sc_val_summarize(t, res, &s);
    s.skipped = 0;
    for (size_t i = 0; i < sc_val_table_count(t); i++)
        s.skipped += keep[i] && res[i].skipped;
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    if (o->json) {
        char *text = json_report(o, t, res, keep, &s, n_sel);
        if (text) sc_strbuf_printf(&sb, "%s\n", text);
        free(text);
    } else {
        text_rows(&sb, t, res, keep);
        text_summary(&sb, &s, o, n_sel, n);
        if (o->fit) sc_strbuf_printf(&sb, "\ncalibration (fit rows only, LLM rows excluded):\n");
        if (o->fit) fit_all(&sb, t, &p, o, res);
    }
    rc = sb.oom ? cli_error("validate", "out of memory")
                : cli_write_output("validate", o->out, sb.data, sb.len);
    sc_strbuf_free(&sb);
    if (rc == CLI_EXIT_OK && over_budget(&s, o->max_mape)) {
        fprintf(stderr, "seedchip validate: MAPE above the %.1f%% budget\n", o->max_mape);
        rc = CLI_EXIT_FAIL;
    }
    return rc;
}

int cmd_validate(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(USAGE, stdout);
        return CLI_EXIT_OK;
    }
    val_opts o;
    int rc = parse_args(&o, argc, argv);
    if (rc != CLI_EXIT_OK) return rc;
    sc_val_table *t = NULL;
    sc_err err = {0};
    if (sc_val_table_load(o.table, &t, &err) != SC_OK) return cli_error("validate", "%s", err.msg);
    size_t n = sc_val_table_count(t);
    sc_val_result *res = calloc(n, sizeof *res);
    char *keep = calloc(n, 1);
    rc = res && keep ? report(&o, t, res, keep) : cli_error("validate", "out of memory");
    free(res);
    free(keep);
    sc_val_table_destroy(t);
    return rc;
}
