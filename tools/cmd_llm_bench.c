// SPDX-License-Identifier: Apache-2.0
// `seedchip llm bench`: timing-mode LLM serving figures (TTFT, TPOT, throughput, memory per chip).
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_llm.h"
#include "frontends/llm/llm_model.h"
#include "runtime/llm_perf.h"
#include "util/util.h"

#define CMD "llm bench"

static const char *USAGE =
    "usage: seedchip llm bench --model NAME|FILE --chip NAME --batch B --input-len I --output-len "
    "O\n"
    "                          [--chips N] [--tp N] [--pp N] [--ep N] [--precision P]\n"
    "                          [--kv-per-query-head] [--json]\n\n"
    "  --model NAME|FILE   a zoo model (llama-2-7b, llama-3-70b, deepseek-v3, ...; see --list) or "
    "a\n"
    "                      checkpoint file (llama2.c .bin, GGUF, safetensors) whose config is "
    "used\n"
    "  --chip NAME|FILE    chip config (see `seedchip chip list`); --set KEY=VALUE overrides keys\n"
    "  --chips N           chips serving one model replica (default tp x pp)\n"
    "  --tp N --pp N       tensor and pipeline parallelism (default: tp = chips, pp = 1)\n"
    "  --ep N              expert parallelism for MoE models (divides tp; default 1)\n"
    "  --batch B           concurrent sequences\n"
    "  --input-len I       prompt tokens per sequence\n"
    "  --output-len O      generated tokens per sequence\n"
    "  --precision P       bf16 | fp8 | int8 | w4a16 | fp32 (default bf16)\n"
    "  --kv-per-query-head decode attention reads each KV head once per query head "
    "(TensorRT-LLM's\n"
    "                      masked MHA kernel without XQA; default: once per KV head)\n"
    "  --json              machine-readable output (a model that does not fit gives fits=false)\n"
    "  --list              print the zoo's model names\n\n"
    "Timing mode: no weights are loaded or allocated. Every kernel (GEMMs, attention, norms,\n"
    "activations, collectives) is compiled to a SeedChip program and timed on the executor.\n";

typedef struct bench_opts {
    const char *model, *chip, *prec;
    long long chips, tp, pp, ep, batch, in_len, out_len;
    int json, list, kv_per_query_head;
    cli_overrides ov;
} bench_opts;

static int parse_args(bench_opts *o, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (strcmp(argv[i], "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(argv[i], "--list") == 0) {
            o->list = 1;
            continue;
        }
        if (strcmp(argv[i], "--kv-per-query-head") == 0) {
            o->kv_per_query_head = 1;
            continue;
        }
        if ((r = cli_opt_set(CMD, argc, argv, &i, &o->ov)) != 0) {
            if (r < 0) return -1;
            continue;
        }
#define STR(name, field)                                                                           \
    if ((r = cli_opt_value(CMD, argc, argv, &i, name, &v)) != 0) {                                 \
        if (r < 0) return -1;                                                                      \
        o->field = v;                                                                              \
        continue;                                                                                  \
    }
#define INT(name, field, lo, hi)                                                                   \
    if ((r = cli_opt_value(CMD, argc, argv, &i, name, &v)) != 0) {                                 \
        if (r < 0 || cli_parse_int(CMD, name, v, lo, hi, &o->field) != 0) return -1;               \
        continue;                                                                                  \
    }
        STR("--model", model)
        STR("--chip", chip)
        STR("--precision", prec)
        INT("--chips", chips, 1, 65536)
        INT("--tp", tp, 1, 4096)
        INT("--pp", pp, 1, 4096)
        INT("--ep", ep, 1, 4096)
        INT("--batch", batch, 1, 1 << 20)
        INT("--input-len", in_len, 1, 1 << 24)
        INT("--output-len", out_len, 1, 1 << 24)
#undef STR
#undef INT
        return cli_error(CMD, "unknown option '%s' (see --help)", argv[i]);
    }
    return 0;
}

/* Zoo name, else a checkpoint file read through the llm frontend (its config only is kept). */
static int resolve_model(const char *name, sc_llm_arch *a) {
    sc_err err = {0};
    if (sc_llm_zoo_find(name, a, &err) == SC_OK) return 0;
    FILE *f = fopen(name, "rb");
    if (!f) return cli_error(CMD, "%s", err.msg);
    fclose(f);
    sc_err e2 = {0};
    sc_llm_model *m = NULL;
    sc_llm_load_params lp = sc_llm_load_default_params();
    if (sc_llm_model_load(name, &lp, &m, &e2) != SC_OK) return cli_error(CMD, "%s", e2.msg);
    const sc_llm_config *c = &m->cfg;
    memset(a, 0, sizeof *a);
    sc_strlcpy(a->name, name, sizeof a->name);
    sc_strlcpy(a->family, sc_llm_family_name(c->arch), sizeof a->family);
    a->n_layers = c->n_layers, a->d_model = c->dim, a->n_heads = c->n_heads;
    a->n_kv_heads = c->n_kv_heads, a->head_dim = c->head_dim, a->d_ff = c->hidden_dim;
    a->vocab = c->vocab_size, a->max_ctx = c->seq_len, a->tied_embeddings = c->tied_embeddings;
    a->rope_theta = c->rope_theta, a->qkv_bias = c->qkv_bias;
    a->gated_mlp = c->arch != SC_LLM_FAM_GPT2;
    sc_llm_model_destroy(m);
    return 0;
}

typedef struct bench_res {
    sc_llm_memory mem;
    double prefill_s, decode_s, ttft_s, tpot_s, tok_s;
    sc_llm_breakdown pre, dec;
    long runs;
} bench_res;

static void bd_add(sc_llm_breakdown *a, const sc_llm_breakdown *b) {
    a->matmul_s += b->matmul_s, a->attention_s += b->attention_s, a->norm_act_s += b->norm_act_s;
    a->collective_s += b->collective_s, a->moe_s += b->moe_s, a->other_s += b->other_s;
    a->attention_prefill_s += b->attention_prefill_s;
    a->attention_append_s += b->attention_append_s;
}

/* Prefill of the whole batch (its last-token logits give the first output token), then O - 1
 * decode steps whose context grows by one token each. */
static int run_bench(const sc_llm_arch *a, const sc_llm_deploy *d, const bench_opts *o,
                     bench_res *r) {
    sc_err err = {0};
    sc_llm_perf *p = NULL;
    if (sc_llm_perf_create(a, d, &p, &err) != SC_OK) return cli_error(CMD, "%s", err.msg);
    sc_llm_step pre = {0, 0.0, (int)(o->batch * o->in_len), (o->in_len + 1) / 2.0};
    sc_status st = sc_llm_perf_step(p, &pre, &r->prefill_s, &r->pre, &err);
    for (long long t = 1; st == SC_OK && t < o->out_len; t++) {
        sc_llm_step dec = {(int)o->batch, (double)(o->in_len + t), 0, 0.0};
        double s = 0;
        sc_llm_breakdown bd;
        st = sc_llm_perf_step(p, &dec, &s, &bd, &err);
        r->decode_s += s;
        bd_add(&r->dec, &bd);
    }
    r->runs = sc_llm_perf_sim_runs(p);
    sc_llm_perf_destroy(p);
    if (st != SC_OK) return cli_error(CMD, "%s", err.msg);
    r->ttft_s = r->prefill_s;
    r->tpot_s = o->out_len > 1 ? r->decode_s / (double)(o->out_len - 1) : 0.0;
    r->tok_s = (double)o->batch * o->out_len / (r->prefill_s + r->decode_s);
    return 0;
}

static cJSON *bd_json(const sc_llm_breakdown *b) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "matmul_s", b->matmul_s);
    cJSON_AddNumberToObject(j, "attention_s", b->attention_s);
    cJSON_AddNumberToObject(j, "norm_act_s", b->norm_act_s);
    cJSON_AddNumberToObject(j, "collective_s", b->collective_s);
    cJSON_AddNumberToObject(j, "moe_s", b->moe_s);
    cJSON_AddNumberToObject(j, "other_s", b->other_s);
    return j;
}

static int emit_json(const sc_llm_arch *a, const sc_llm_deploy *d, const bench_opts *o,
                     const bench_res *r, int timed) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model", a->name);
    cJSON_AddStringToObject(j, "chip", d->chip->name);
    cJSON_AddNumberToObject(j, "chips", d->chips);
    cJSON_AddNumberToObject(j, "tp", d->tp);
    cJSON_AddNumberToObject(j, "pp", d->pp);
    cJSON_AddNumberToObject(j, "ep", d->ep);
    cJSON_AddStringToObject(j, "precision", sc_llm_prec_name(d->prec));
    cJSON_AddNumberToObject(j, "batch", (double)o->batch);
    cJSON_AddNumberToObject(j, "input_len", (double)o->in_len);
    cJSON_AddNumberToObject(j, "output_len", (double)o->out_len);
    cJSON_AddNumberToObject(j, "params_b", sc_llm_param_count(a) / 1e9);
    cJSON_AddNumberToObject(j, "active_params_b", sc_llm_active_param_count(a) / 1e9);
    cJSON_AddBoolToObject(j, "fits", r->mem.fits);
    cJSON_AddStringToObject(j, "reason", r->mem.reason);
    cJSON_AddNumberToObject(j, "weights_gb", r->mem.weights * d->chips / 1e9);
    cJSON_AddNumberToObject(j, "weights_gb_per_chip", r->mem.weights / 1e9);
    cJSON_AddNumberToObject(j, "kv_cache_gb", r->mem.kv_cache * d->chips / 1e9);
    cJSON_AddNumberToObject(j, "kv_cache_gb_per_chip", r->mem.kv_cache / 1e9);
    cJSON_AddNumberToObject(j, "kv_bytes_per_token_per_chip", r->mem.kv_per_token);
    cJSON_AddNumberToObject(j, "activations_gb_per_chip", r->mem.activations / 1e9);
    cJSON_AddNumberToObject(j, "capacity_gb_per_chip", r->mem.capacity / 1e9);
    cJSON_AddNumberToObject(j, "kv_capacity_tokens", r->mem.kv_capacity_tokens);
    if (timed) {
        cJSON_AddNumberToObject(j, "ttft_s", r->ttft_s);
        cJSON_AddNumberToObject(j, "tpot_s", r->tpot_s);
        cJSON_AddNumberToObject(j, "output_tokens_per_s", r->tok_s);
        cJSON_AddNumberToObject(j, "output_tokens_per_s_per_chip", r->tok_s / d->chips);
        cJSON_AddNumberToObject(j, "prefill_s", r->prefill_s);
        cJSON_AddNumberToObject(j, "decode_s", r->decode_s);
        sc_llm_breakdown all = r->pre;
        bd_add(&all, &r->dec);
        cJSON_AddItemToObject(j, "breakdown", bd_json(&all));
        cJSON_AddItemToObject(j, "breakdown_prefill", bd_json(&r->pre));
        cJSON_AddItemToObject(j, "breakdown_decode", bd_json(&r->dec));
        cJSON_AddNumberToObject(j, "simulated_kernels", (double)r->runs);
    }
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    if (!text) return cli_error(CMD, "out of memory");
    size_t n = strlen(text);
    text[n] = '\n';
    int rc = cli_write_output(CMD, "-", text, n + 1);
    free(text);
    return rc;
}

static void print_bd(const char *what, const sc_llm_breakdown *b, double total) {
    double t = total > 0 ? total : 1;
    printf(
        "  %-8s matmul %.1f%%  attention %.1f%%  norm/act %.1f%%  collective %.1f%%  moe %.1f%%  "
        "other %.1f%%\n",
        what, 100 * b->matmul_s / t, 100 * b->attention_s / t, 100 * b->norm_act_s / t,
        100 * b->collective_s / t, 100 * b->moe_s / t, 100 * b->other_s / t);
}

static void emit_text(const sc_llm_arch *a, const sc_llm_deploy *d, const bench_opts *o,
                      const bench_res *r) {
    printf("%s on %d x %s (tp %d, pp %d, ep %d), %s, batch %lld, input %lld, output %lld\n",
           a->name, d->chips, d->chip->name, d->tp, d->pp, d->ep, sc_llm_prec_name(d->prec),
           o->batch, o->in_len, o->out_len);
    printf("memory per chip: weights %.2f GB, KV cache %.2f GB, activations %.2f GB of %.1f GB\n",
           r->mem.weights / 1e9, r->mem.kv_cache / 1e9, r->mem.activations / 1e9,
           r->mem.capacity / 1e9);
    printf("TTFT %.2f ms   TPOT %.3f ms   output %.0f tok/s (%.0f per chip)\n", r->ttft_s * 1e3,
           r->tpot_s * 1e3, r->tok_s, r->tok_s / d->chips);
    printf("prefill %.3f s, decode %.3f s\n", r->prefill_s, r->decode_s);
    print_bd("prefill", &r->pre, r->prefill_s);
    print_bd("decode", &r->dec, r->decode_s);
}

static int check_opts(const bench_opts *o) {
    if (!o->model) return cli_error(CMD, "--model is required (see --help)");
    if (!o->chip) return cli_error(CMD, "--chip is required (see --help)");
    if (!o->batch || !o->in_len || !o->out_len)
        return cli_error(CMD, "--batch, --input-len and --output-len are required");
    return 0;
}

static int make_deploy(const bench_opts *o, const sc_chip *chip, sc_llm_deploy *d) {
    *d = sc_llm_deploy_default();
    d->kv_per_query_head = o->kv_per_query_head;
    d->chip = chip;
    d->pp = (int)(o->pp ? o->pp : 1);
    d->ep = (int)(o->ep ? o->ep : 1);
    d->tp = (int)(o->tp ? o->tp : (o->chips ? o->chips / d->pp : 1));
    d->chips = (int)(o->chips ? o->chips : (long long)d->tp * d->pp);
    if (o->prec && sc_llm_prec_from_name(o->prec, &d->prec) != SC_OK)
        return cli_error(CMD, "--precision: '%s' is not bf16, fp8, int8, w4a16 or fp32", o->prec);
    return 0;
}

int cmd_llm_bench(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(USAGE, stdout);
        return CLI_EXIT_OK;
    }
    bench_opts o;
    memset(&o, 0, sizeof o);
    if (parse_args(&o, argc, argv) != 0) return CLI_EXIT_USAGE;
    if (o.list) {
        for (size_t i = 0; i < sc_llm_zoo_count(); i++)
            printf("%s\n", sc_llm_zoo_name(i));
        return CLI_EXIT_OK;
    }
    if (check_opts(&o) != 0) return CLI_EXIT_USAGE;
    sc_llm_arch a;
    if (resolve_model(o.model, &a) != 0) return CLI_EXIT_USAGE;
    sc_chip *chip = cli_load_chip(CMD, o.chip, &o.ov);
    if (!chip) return CLI_EXIT_USAGE;
    sc_llm_deploy d;
    bench_res r;
    memset(&r, 0, sizeof r);
    int rc = make_deploy(&o, chip, &d);
    sc_err err = {0};
    if (rc == 0 && sc_llm_memory_plan(&a, &d, (int)o.batch, (int)(o.in_len + o.out_len), &r.mem,
                                      &err) != SC_OK)
        rc = cli_error(CMD, "%s", err.msg);
    if (rc == 0 && !r.mem.fits) {
        if (o.json)
            rc = emit_json(&a, &d, &o, &r, 0);
        else {
            fprintf(stderr, "seedchip %s: %s on %d x %s (%s): %s\n", CMD, a.name, d.chips,
                    chip->name, sc_llm_prec_name(d.prec), r.mem.reason);
            rc = CLI_EXIT_FAIL;
        }
    } else if (rc == 0) {
        rc = run_bench(&a, &d, &o, &r);
        if (rc == 0) {
            if (o.json)
                rc = emit_json(&a, &d, &o, &r, 1);
            else
                emit_text(&a, &d, &o, &r);
        }
    }
    sc_chip_destroy(chip);
    return rc;
}
