// SPDX-License-Identifier: Apache-2.0
// `seedchip plan`: cheapest deployment per chip type for a traffic and SLO, side by side.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve/plan.h"

#define CMD "plan"

static const char *USAGE =
    "usage: seedchip plan --model NAME --traffic R --chips CHIP[,CHIP...] [options]\n\n"
    "  --model NAME        zoo LLM (llama-3-70b, ...) or recommendation model dlrm-v2\n"
    "  --traffic R         requests/s (LLM) or queries/s (recommendation)\n"
    "  --input-len N       prompt tokens (LLM, default 2048) or items scored per query\n"
    "                      (recommendation, default 2048)\n"
    "  --output-len N      output tokens (LLM, default 256)\n"
    "  --slo-ttft S        p90 time to first token, seconds (default 2); recommendation: p99\n"
    "                      query latency\n"
    "  --slo-tpot S        p90 time per output token, seconds (default 0.05)\n"
    "  --chips LIST        chip configs to compare, comma separated\n"
    "  --precision P       bf16 | fp8 | int8 | w4a16 (default fp8)\n"
    "  --max-util U        plan replicas at most this busy (default 0.85)\n"
    "  --pue X             facility power usage effectiveness (default 1.3)\n"
    "  --usd-per-kwh X     electricity price (default 0.08)\n"
    "  --years N           depreciation period of the capital (default 4)\n"
    "  --no-verify         skip the serving-simulator check of the chosen deployment\n"
    "  --verify-seconds S  simulated seconds of that check (default 300)\n"
    "  --json              JSON on stdout;  -o FILE writes it to FILE\n";

typedef struct plan_opts {
    const char *chips, *out, *prec;
    int json;
    sc_plan_params p;
} plan_opts;

static int num(const char *opt, const char *v, double lo, double hi, double *out) {
    return cli_parse_double(CMD, opt, v, lo, hi, out) ? -1 : 1;
}

static int integer(const char *opt, const char *v, int *out) {
    long long n;
    if (cli_parse_int(CMD, opt, v, 1, 10000000, &n)) return -1;
    *out = (int)n;
    return 1;
}

static int parse_one(plan_opts *o, int argc, char **argv, int *i) {
    static const char *const names[] = {
        "--model",       "--traffic", "--input-len", "--output-len",    "--slo-ttft",
        "--slo-tpot",    "--chips",   "--precision", "--max-util",      "--pue",
        "--usd-per-kwh", "--years",   "-o",          "--verify-seconds"};
    if (strcmp(argv[*i], "--json") == 0) return o->json = 1;
    if (strcmp(argv[*i], "--no-verify") == 0) return (o->p.verify = 0), 1;
    const char *v;
    for (size_t k = 0; k < SC_ARRAY_LEN(names); k++) {
        int r = cli_opt_value(CMD, argc, argv, i, names[k], &v);
        if (r < 0) return -1;
        if (r == 0) continue;
        switch (k) {
        case 0:
            return (o->p.model = v), 1;
        case 1:
            return num(names[k], v, 1e-9, 1e12, &o->p.traffic);
        case 2:
            return integer(names[k], v, &o->p.input_len);
        case 3:
            return integer(names[k], v, &o->p.output_len);
        case 4:
            return num(names[k], v, 1e-6, 1e6, &o->p.slo_ttft);
        case 5:
            return num(names[k], v, 1e-6, 1e6, &o->p.slo_tpot);
        case 6:
            return (o->chips = v), 1;
        case 7:
            return (o->prec = v), 1;
        case 8:
            return num(names[k], v, 0.01, 1, &o->p.max_util);
        case 9:
            return num(names[k], v, 1, 5, &o->p.pue);
        case 10:
            return num(names[k], v, 0, 10, &o->p.usd_per_kwh);
        case 11:
            return num(names[k], v, 0.1, 50, &o->p.years);
        case 12:
            return (o->out = v), 1;
        default:
            return num(names[k], v, 1, 1e6, &o->p.verify_seconds);
        }
    }
    return 0;
}

static int parse_args(plan_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->p = sc_plan_default_params();
    o->prec = "fp8";
    for (int i = 1; i < argc; i++) {
        int r = parse_one(o, argc, argv, &i);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 0) return cli_error(CMD, "unknown option '%s' (see --help)", argv[i]);
    }
    if (!o->p.model || !o->chips) return cli_error(CMD, "--model and --chips are required");
    if (sc_llm_prec_from_name(o->prec, &o->p.prec) != SC_OK)
        return cli_error(CMD, "--precision: '%s' is not bf16, fp8, int8, w4a16 or fp32", o->prec);
    return CLI_EXIT_OK;
}

static cJSON *option_json(const sc_plan_option *x) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "chip", x->chip);
    cJSON_AddBoolToObject(o, "feasible", x->feasible);
    if (!x->feasible) cJSON_AddStringToObject(o, "reason", x->reason);
    const struct {
        const char *k;
        double v;
    } f[] = {{"tp", x->tp},
             {"pp", x->pp},
             {"batch", x->batch},
             {"replicas", x->replicas},
             {"chips_per_replica", x->chips_per_replica},
             {"chips", x->chips},
             {"servers", x->servers},
             {"ttft_s", x->ttft_s},
             {"tpot_s", x->tpot_s},
             {"replica_capacity", x->replica_capacity},
             {"utilization", x->utilization},
             {"output_tokens_per_s", x->output_tok_s},
             {"chip_usd", x->chip_usd},
             {"capex_usd", x->capex_usd},
             {"power_w", x->power_w},
             {"energy_usd_per_year", x->energy_usd_year},
             {"tco_usd_per_year", x->tco_usd_year},
             {"usd_per_million_tokens", x->usd_per_mtok},
             {"weights_gb_per_chip", x->weights_gb_per_chip},
             {"kv_gb_per_chip", x->kv_gb_per_chip},
             {"candidates", x->candidates}};
    for (size_t i = 0; i < SC_ARRAY_LEN(f); i++)
        cJSON_AddNumberToObject(o, f[i].k, f[i].v);
    cJSON_AddBoolToObject(o, "verified", x->verified);
    if (x->verified) {
        cJSON_AddNumberToObject(o, "sim_ttft_p90_s", x->sim_ttft_p90);
        cJSON_AddNumberToObject(o, "sim_tpot_p90_s", x->sim_tpot_p90);
        cJSON_AddNumberToObject(o, "sim_slo_attainment", x->sim_slo_attainment);
    }
    return o;
}

static char *plan_json(const plan_opts *o, const sc_plan_option *v, int n) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "kind", "plan");
    cJSON_AddStringToObject(root, "model", o->p.model);
    cJSON_AddNumberToObject(root, "traffic", o->p.traffic);
    cJSON_AddNumberToObject(root, "input_len", o->p.input_len);
    cJSON_AddNumberToObject(root, "output_len", o->p.output_len);
    cJSON_AddNumberToObject(root, "slo_ttft_s", o->p.slo_ttft);
    cJSON_AddNumberToObject(root, "slo_tpot_s", o->p.slo_tpot);
    cJSON_AddStringToObject(root, "precision", o->prec);
    cJSON_AddNumberToObject(root, "pue", o->p.pue);
    cJSON_AddNumberToObject(root, "usd_per_kwh", o->p.usd_per_kwh);
    cJSON_AddNumberToObject(root, "years", o->p.years);
    cJSON *arr = cJSON_AddArrayToObject(root, "options");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, option_json(&v[i]));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* One table row: label, then a formatted value per chip (or "-" when infeasible). */
static void row(const char *label, const sc_plan_option *v, int n, const char *fmt, size_t off,
                double scale) {
    /* fmt is "PREFIX|DECIMALS|SUFFIX" so that the format string stays a literal. */
    char pre[8] = "", suf[8] = "";
    int dec = 0;
    sscanf(fmt, "%7[^|]|%d|%7s", pre, &dec, suf);
    if (fmt[0] == '|') sscanf(fmt, "|%d|%7s", &dec, suf);
    printf("  %-32s", label);
    for (int i = 0; i < n; i++) {
        char cell[48] = "-";
        if (v[i].feasible) {
            double x = *(const double *)((const char *)&v[i] + off) * scale;
            snprintf(cell, sizeof cell, "%s%.*f%s", pre, dec, x, suf);
        }
        printf(" %16s", cell);
    }
    printf("\n");
}

static void irow(const char *label, const sc_plan_option *v, int n, size_t off) {
    printf("  %-32s", label);
    for (int i = 0; i < n; i++) {
        if (v[i].feasible)
            printf(" %16d", *(const int *)((const char *)&v[i] + off));
        else
            printf(" %16s", "-");
    }
    printf("\n");
}

#define OFF(f) offsetof(sc_plan_option, f)

static void print_table(const plan_opts *o, const sc_plan_option *v, int n, int rec) {
    if (rec)
        printf("plan: %s at %g queries/s, %d items per query, p99 latency <= %g s\n", o->p.model,
               o->p.traffic, o->p.input_len, o->p.slo_ttft);
    else
        printf("plan: %s at %g req/s, %d -> %d tokens, p90 TTFT <= %g s, p90 TPOT <= %g s, %s\n",
               o->p.model, o->p.traffic, o->p.input_len, o->p.output_len, o->p.slo_ttft,
               o->p.slo_tpot, o->prec);
    printf("  %-32s", "");
    for (int i = 0; i < n; i++)
        printf(" %16s", v[i].chip);
    printf("\n");
    irow(rec ? "chips per replica (shards)" : "tensor parallel", v, n, OFF(tp));
    if (!rec) irow("pipeline parallel", v, n, OFF(pp));
    irow(rec ? "queries per batch" : "max batch per replica", v, n, OFF(batch));
    irow("replicas", v, n, OFF(replicas));
    irow("chips", v, n, OFF(chips));
    irow("servers", v, n, OFF(servers));
    if (rec)
        row("query latency (predicted)", v, n, "|2|ms", OFF(ttft_s), 1e3);
    else
        row("TTFT (predicted)", v, n, "|3|s", OFF(ttft_s), 1);
    if (!rec) row("TPOT (predicted)", v, n, "|1|ms", OFF(tpot_s), 1e3);
    if (!rec && o->p.verify) {
        row("TTFT p90 (simulated)", v, n, "|3|s", OFF(sim_ttft_p90), 1);
        row("TPOT p90 (simulated)", v, n, "|1|ms", OFF(sim_tpot_p90), 1e3);
    }
    row("utilisation", v, n, "|0|%", OFF(utilization), 100);
    row("chip price", v, n, "$|0|", OFF(chip_usd), 1);
    row("capital (chips + servers)", v, n, "$|2|M", OFF(capex_usd), 1e-6);
    row("power incl. PUE", v, n, "|1|kW", OFF(power_w), 1e-3);
    row("energy per year", v, n, "$|0|k", OFF(energy_usd_year), 1e-3);
    row("cost of ownership per year", v, n, "$|2|M", OFF(tco_usd_year), 1e-6);
    if (!rec) row("$ per million output tokens", v, n, "$|3|", OFF(usd_per_mtok), 1);
    for (int i = 0; i < n; i++)
        if (!v[i].feasible) printf("  %s: not feasible: %s\n", v[i].chip, v[i].reason);
}

static int plan_all(const plan_opts *o, sc_plan_option *v, int *n) {
    char list[1024];
    sc_strlcpy(list, o->chips, sizeof list);
    *n = 0;
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        if (*n >= 16) return cli_error(CMD, "--chips: at most 16 chips");
        sc_chip *chip = cli_load_chip(CMD, name, NULL);
        if (!chip) return CLI_EXIT_USAGE;
        sc_err err = {0};
        sc_status st = sc_plan_chip(&o->p, chip, &v[*n], &err);
        sc_chip_destroy(chip);
        if (st != SC_OK) return cli_error(CMD, "%s", err.msg);
        sc_plan_option *x = &v[(*n)++];
        double tok_year = o->p.traffic * o->p.output_len * 8766.0 * 3600.0;
        if (x->feasible) x->usd_per_mtok = x->tco_usd_year / tok_year * 1e6;
    }
    if (*n == 0) return cli_error(CMD, "--chips: no chip named");
    return CLI_EXIT_OK;
}

int cmd_plan(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) return fputs(USAGE, stdout), CLI_EXIT_OK;
    plan_opts o;
    int rc = parse_args(&o, argc, argv);
    if (rc != CLI_EXIT_OK) return rc;
    sc_rec_model rm;
    int rec = sc_rec_model_find(o.p.model, &rm, NULL) == SC_OK;
    sc_plan_option v[16];
    int n = 0;
    if ((rc = plan_all(&o, v, &n)) != CLI_EXIT_OK) return rc;
    if (o.json || o.out) {
        char *js = plan_json(&o, v, n);
        if (!js) return cli_error(CMD, "out of memory");
        if (o.out)
            rc = cli_write_output(CMD, o.out, js, strlen(js));
        else
            printf("%s\n", js);
        free(js);
    }
    if (!o.json) print_table(&o, v, n, rec);
    return rc;
}
