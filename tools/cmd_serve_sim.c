// SPDX-License-Identifier: Apache-2.0
// `seedchip serve-sim`: event-driven serving simulation of an LLM on a group of chips.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve/serve.h"

#define CMD "serve-sim"

static const char *USAGE =
    "usage: seedchip serve-sim --model NAME --chip NAME --chips N (--rate R | --trace FILE |\n"
    "                          --concurrency N) [options]\n\n"
    "  --model NAME          zoo model (llama-3-70b, llama-3-8b, mixtral-8x7b, ...)\n"
    "  --chip NAME           chip config; --set KEY=VALUE overrides its keys\n"
    "  --chips N             chips in total; replicas = N / (tp x pp)\n"
    "  --tp/--pp/--ep N      parallelism of one replica (default tp = min(N, 8), pp = ep = 1)\n"
    "  --precision P         bf16 | fp8 | int8 | w4a16 | fp32 (default fp8)\n"
    "  --rate R              Poisson arrivals, requests/s\n"
    "  --burst-cv C          gamma arrivals with gap coefficient of variation C (bursty if > 1)\n"
    "  --concurrency N       closed loop: N requests always in flight\n"
    "  --trace FILE          replay a CSV or JSONL trace (arrival, prompt_len, output_len, ...)\n"
    "  --duration S          arrival window in simulated seconds (default 60; trace: its span)\n"
    "  --input-len N         mean prompt tokens (default 1024)\n"
    "  --output-len N        mean output tokens (default 256)\n"
    "  --len-dist D          fixed | uniform | lognormal | exponential (default lognormal)\n"
    "  --len-cv C            coefficient of variation of the lengths (default 0.5)\n"
    "  --max-batch N         sequences per iteration (default 256)\n"
    "  --token-budget N      tokens per iteration (default 2048)\n"
    "  --no-chunked-prefill  prefill whole prompts in one iteration\n"
    "  --block-size N        KV tokens per paged block (default 16)\n"
    "  --preempt MODE        recompute | swap (default recompute)\n"
    "  --no-prefix-cache     turn prefix caching off\n"
    "  --prefix-share F      fraction of requests starting with a shared prompt (default 0)\n"
    "  --prefix-len N        tokens of a shared prompt (default 512); --prefix-groups N (4)\n"
    "  --disagg P:D          P prefill and D decode replicas (prefill/decode disaggregation)\n"
    "  --slo-ttft S          time-to-first-token target, seconds (goodput)\n"
    "  --slo-tpot S          time-per-output-token target, seconds (goodput)\n"
    "  --seed N              random seed (default 1)\n"
    "  --timeline N          record the first N iterations in the JSON (for reports)\n"
    "  --json                JSON on stdout;  -o FILE writes it to FILE\n";

typedef struct ss_opts {
    const char *model, *chip, *trace, *out, *prec;
    long long chips, tp, pp, ep, seed, pre, dec, timeline;
    int json, closed, have_rate, dur_set;
    sc_serve_workload w;
    sc_serve_params p;
    cli_overrides ov;
} ss_opts;

static int int_opt(const char *opt, const char *v, long long lo, long long hi, long long *out) {
    return cli_parse_int(CMD, opt, v, lo, hi, out) ? -1 : 1;
}

static int dbl_opt(const char *opt, const char *v, double lo, double hi, double *out) {
    return cli_parse_double(CMD, opt, v, lo, hi, out) ? -1 : 1;
}

static int parse_disagg(ss_opts *o, const char *v) {
    char tail;
    if (sscanf(v, "%lld:%lld%c", &o->pre, &o->dec, &tail) != 2 || o->pre < 1 || o->dec < 1)
        return cli_error(CMD, "--disagg: '%s' is not P:D with P, D >= 1", v), -1;
    return 1;
}

static int parse_flag(ss_opts *o, const char *a) {
    if (strcmp(a, "--json") == 0) return o->json = 1;
    if (strcmp(a, "--no-chunked-prefill") == 0) return (o->p.chunked_prefill = 0), 1;
    if (strcmp(a, "--no-prefix-cache") == 0) return (o->p.prefix_caching = 0), 1;
    return 0;
}

static int parse_lengths(ss_opts *o, const char *name, const char *v) {
    double d;
    long long n;
    if (strcmp(name, "--input-len") == 0)
        return int_opt(name, v, 1, 1000000, &n) < 0 ? -1 : (o->w.prompt.mean = (double)n, 1);
    if (strcmp(name, "--output-len") == 0)
        return int_opt(name, v, 1, 1000000, &n) < 0 ? -1 : (o->w.output.mean = (double)n, 1);
    if (strcmp(name, "--len-cv") == 0) {
        if (dbl_opt(name, v, 0, 10, &d) < 0) return -1;
        return (o->w.prompt.cv = o->w.output.cv = d), 1;
    }
    sc_len_kind k;
    if (sc_len_kind_from_name(v, &k) != SC_OK)
        return cli_error(CMD, "--len-dist: '%s' is not fixed, uniform, lognormal or exponential",
                         v),
               -1;
    o->w.prompt.kind = o->w.output.kind = k;
    return 1;
}

static int parse_engine_opt(ss_opts *o, const char *name, const char *v) {
    long long n;
    if (strcmp(name, "--max-batch") == 0)
        return int_opt(name, v, 1, 65536, &n) < 0 ? -1 : (o->p.max_batch = (int)n, 1);
    if (strcmp(name, "--token-budget") == 0)
        return int_opt(name, v, 1, 1 << 22, &n) < 0 ? -1 : (o->p.token_budget = (int)n, 1);
    if (strcmp(name, "--block-size") == 0)
        return int_opt(name, v, 1, 4096, &n) < 0 ? -1 : (o->p.block_size = (int)n, 1);
    if (strcmp(v, "recompute") && strcmp(v, "swap"))
        return cli_error(CMD, "--preempt: '%s' is not recompute or swap", v), -1;
    o->p.preempt = strcmp(v, "swap") == 0 ? SC_PREEMPT_SWAP : SC_PREEMPT_RECOMPUTE;
    return 1;
}

/* Options with a value; returns 1 consumed, 0 unknown, -1 error. */
static int parse_valued(ss_opts *o, int argc, char **argv, int *i) {
    static const char *const names[] = {
        "--model",     "--chip",         "--trace",        "-o",
        "--precision", "--chips",        "--tp",           "--pp",
        "--ep",        "--seed",         "--timeline",     "--rate",
        "--burst-cv",  "--concurrency",  "--duration",     "--slo-ttft",
        "--slo-tpot",  "--prefix-share", "--prefix-len",   "--prefix-groups",
        "--disagg",    "--input-len",    "--output-len",   "--len-cv",
        "--len-dist",  "--max-batch",    "--token-budget", "--block-size",
        "--preempt"};
    const char *v = NULL;
    for (size_t k = 0; k < SC_ARRAY_LEN(names); k++) {
        int r = cli_opt_value(CMD, argc, argv, i, names[k], &v);
        if (r <= 0) {
            if (r < 0) return -1;
            continue;
        }
        const char *n = names[k];
        long long x;
        switch (k) {
        case 0:
            return (o->model = v), 1;
        case 1:
            return (o->chip = v), 1;
        case 2:
            return (o->trace = v), 1;
        case 3:
            return (o->out = v), 1;
        case 4:
            return (o->prec = v), 1;
        case 5:
            return int_opt(n, v, 1, 1000000, &o->chips);
        case 6:
            return int_opt(n, v, 1, 4096, &o->tp);
        case 7:
            return int_opt(n, v, 1, 4096, &o->pp);
        case 8:
            return int_opt(n, v, 1, 4096, &o->ep);
        case 9:
            return int_opt(n, v, 0, INT64_MAX, &o->seed);
        case 10:
            return int_opt(n, v, 0, 1000000, &o->timeline);
        case 11:
            return (o->have_rate = 1), dbl_opt(n, v, 1e-6, 1e6, &o->w.rate);
        case 12:
            return (o->w.arrival = SC_ARRIVAL_GAMMA), dbl_opt(n, v, 0.01, 100, &o->w.burst_cv);
        case 13:
            if (int_opt(n, v, 1, 1000000, &x) < 0) return -1;
            return (o->closed = 1), (o->w.concurrency = (int)x), 1;
        case 14:
            return (o->dur_set = 1), dbl_opt(n, v, 1e-3, 1e7, &o->w.duration);
        case 15:
            return dbl_opt(n, v, 0, 1e6, &o->p.slo_ttft);
        case 16:
            return dbl_opt(n, v, 0, 1e6, &o->p.slo_tpot);
        case 17:
            return dbl_opt(n, v, 0, 1, &o->w.prefix_share);
        case 18:
            return int_opt(n, v, 1, 1000000, &x) < 0 ? -1 : (o->w.prefix_len = (int)x, 1);
        case 19:
            return int_opt(n, v, 1, 1000000, &x) < 0 ? -1 : (o->w.prefix_groups = (int)x, 1);
        case 20:
            return parse_disagg(o, v);
        case 21:
        case 22:
        case 23:
        case 24:
            return parse_lengths(o, n, v);
        default:
            return parse_engine_opt(o, n, v);
        }
    }
    return 0;
}

static int check_opts(ss_opts *o) {
    if (!o->model || !o->chip) return cli_error(CMD, "--model and --chip are required");
    int modes = o->have_rate + (o->trace != NULL) + o->closed;
    if (modes != 1) return cli_error(CMD, "give exactly one of --rate, --trace, --concurrency");
    if (!o->tp) o->tp = o->chips < 8 ? o->chips : 8;
    if (!o->pp) o->pp = 1;
    if (o->chips % (o->tp * o->pp))
        return cli_error(CMD, "--chips %lld is not a multiple of tp x pp = %lld", o->chips,
                         o->tp * o->pp);
    long long reps = o->chips / (o->tp * o->pp);
    if (o->pre && o->pre + o->dec > reps)
        return cli_error(CMD, "--disagg %lld:%lld needs %lld replicas, %lld chips give %lld",
                         o->pre, o->dec, o->pre + o->dec, o->chips, reps);
    o->p.replicas = (int)reps;
    o->p.prefill_replicas = (int)o->pre;
    o->p.decode_replicas = (int)o->dec;
    o->p.timeline_max = (size_t)o->timeline;
    o->w.seed = (uint64_t)o->seed;
    if (o->closed) o->w.arrival = SC_ARRIVAL_CLOSED;
    if (o->trace) o->w.arrival = SC_ARRIVAL_TRACE;
    return CLI_EXIT_OK;
}

static int parse_args(ss_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->w = sc_serve_default_workload();
    o->p = sc_serve_default_params();
    o->prec = "fp8";
    o->chips = 1;
    o->ep = 1;
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        int r = parse_flag(o, argv[i]);
        if (r == 0) r = cli_opt_set(CMD, argc, argv, &i, &o->ov);
        if (r == 0) r = parse_valued(o, argc, argv, &i);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 0) return cli_error(CMD, "unknown option '%s' (see --help)", argv[i]);
    }
    return check_opts(o);
}

static int load_trace(ss_opts *o, sc_serve_request **reqs, size_t *n) {
    unsigned char *text = NULL;
    size_t len = 0;
    sc_err err = {0};
    if (sc_read_file(o->trace, 1u << 30, &text, &len, &err) != SC_OK)
        return cli_error(CMD, "%s", err.msg);
    sc_status st = sc_serve_trace_parse(o->trace, (const char *)text, len, reqs, n, &err);
    free(text);
    if (st != SC_OK) return cli_error(CMD, "%s", err.msg);
    /* Without --duration the measurement window is the trace's arrival span. */
    double last = (*reqs)[*n - 1].arrival;
    if (!o->dur_set) o->w.duration = last > 0 ? last : 1.0;
    return CLI_EXIT_OK;
}

static void print_text(const ss_opts *o, const sc_serve_result *r, const char *chip) {
    printf("serve-sim %s on %lld x %s (tp %lld, pp %lld, %s): %zu arrived, %zu completed, %zu "
           "rejected, %zu unfinished\n",
           o->model, o->chips, chip, o->tp, o->pp, o->prec, r->arrived, r->completed, r->rejected,
           r->unfinished);
    printf("  %-6s %10s %10s %10s %10s\n", "", "mean", "p50", "p90", "p99");
    const sc_serve_pcts *ps[] = {&r->ttft, &r->tpot, &r->e2e};
    const char *names[] = {"TTFT", "TPOT", "E2E"};
    for (int i = 0; i < 3; i++)
        printf("  %-6s %9.2fms %9.2fms %9.2fms %9.2fms\n", names[i], ps[i]->mean * 1e3,
               ps[i]->p50 * 1e3, ps[i]->p90 * 1e3, ps[i]->p99 * 1e3);
    printf("  throughput %.1f output tok/s, %.1f input tok/s, %.3f req/s; goodput %.3f req/s "
           "(%.1f%% within SLO)\n",
           r->output_tok_s, r->input_tok_s, r->req_s, r->goodput_req_s, 100 * r->slo_attainment);
    printf("  %.0f iterations, mean batch %.1f, KV use %.1f%%, busy %.1f%%, %.0f preemptions, "
           "prefix hits %.1f%%\n",
           r->iterations, r->mean_batch, 100 * r->mean_kv_util, 100 * r->busy_fraction,
           r->preemptions, 100 * r->prefix_hit_rate);
}

/* Adds the replica's parallelism and precision (reports place its ops on the roofline). */
static char *with_deploy(char *js, const ss_opts *o) {
    cJSON *root = js ? cJSON_Parse(js) : NULL;
    free(js);
    if (!root) return NULL;
    cJSON *d = cJSON_AddObjectToObject(root, "deploy");
    cJSON_AddNumberToObject(d, "tp", (double)o->tp);
    cJSON_AddNumberToObject(d, "pp", (double)o->pp);
    cJSON_AddNumberToObject(d, "ep", (double)o->ep);
    cJSON_AddStringToObject(d, "precision", o->prec);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

static int simulate(ss_opts *o, const sc_chip *chip, const sc_serve_request *reqs, size_t n) {
    sc_err err = {0};
    sc_llm_arch arch;
    if (sc_llm_zoo_find(o->model, &arch, &err) != SC_OK) return cli_error(CMD, "%s", err.msg);
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = chip;
    d.tp = (int)o->tp;
    d.pp = (int)o->pp;
    d.ep = (int)o->ep;
    d.chips = d.tp * d.pp;
    if (sc_llm_prec_from_name(o->prec, &d.prec) != SC_OK)
        return cli_error(CMD, "--precision: '%s' is not bf16, fp8, int8, w4a16 or fp32", o->prec);
    sc_serve_llm *m = NULL;
    if (sc_serve_llm_create(&arch, &d, &m, &err) != SC_OK) return cli_error(CMD, "%s", err.msg);
    sc_serve_result r;
    sc_status st = sc_serve_run(sc_serve_llm_engine(m), &o->p, &o->w, reqs, n, &r, &err);
    sc_serve_llm_destroy(m);
    if (st != SC_OK) return cli_error(CMD, "%s", err.msg);
    int rc = CLI_EXIT_OK;
    if (o->json || o->out) {
        char *js = with_deploy(
            sc_serve_result_json(&r, o->model, chip->name, (int)o->chips, &o->p, &o->w), o);
        if (!js)
            rc = cli_error(CMD, "out of memory");
        else if (o->out)
            rc = cli_write_output(CMD, o->out, js, strlen(js));
        else
            printf("%s\n", js);
        free(js);
    }
    if (!o->json) print_text(o, &r, chip->name);
    sc_serve_result_free(&r);
    return rc;
}

int cmd_serve_sim(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) return fputs(USAGE, stdout), CLI_EXIT_OK;
    ss_opts o;
    int rc = parse_args(&o, argc, argv);
    if (rc != CLI_EXIT_OK) return rc;
    sc_serve_request *reqs = NULL;
    size_t n = 0;
    if (o.trace && (rc = load_trace(&o, &reqs, &n)) != CLI_EXIT_OK) return rc;
    sc_chip *chip = cli_load_chip(CMD, o.chip, &o.ov);
    if (!chip) return free(reqs), CLI_EXIT_USAGE;
    rc = simulate(&o, chip, reqs, n);
    sc_chip_destroy(chip);
    free(reqs);
    return rc;
}
