// SPDX-License-Identifier: Apache-2.0
// `seedchip llm`: dispatcher (generate, bench) and `llm generate`: a checkpoint on the simulated
// chip.
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_llm.h"
#include "runtime/llm_gen.h"
#include "util/util.h"

#define CMD "llm generate"

/* Weak so that this dispatcher links (and says so) in a tree without tools/cmd_llm_bench.c. */
int cmd_llm_bench(int argc, char **argv) __attribute__((weak));

static void usage_llm(FILE *out) {
    fprintf(out,
            "usage: seedchip llm SUBCOMMAND [OPTIONS]\n\n"
            "  generate   run a checkpoint (llama2.c .bin, GGUF, safetensors) on the simulated\n"
            "             chip and generate tokens (seedchip llm generate --help)\n"
            "  bench      time a model (zoo name or file) on one or more chips, no weights\n"
            "             needed (seedchip llm bench --help)\n");
}

int cmd_llm(int argc, char **argv) {
    if (argc < 2) {
        usage_llm(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        usage_llm(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "generate") == 0) return cmd_llm_generate(argc - 1, argv + 1);
    if (strcmp(sub, "bench") == 0) {
        if (!cmd_llm_bench) return cli_error("llm", "bench is not built into this binary");
        return cmd_llm_bench(argc - 1, argv + 1);
    }
    return cli_error("llm", "unknown sub-command '%s' (generate, bench)", sub);
}

static void usage(void) {
    printf(
        "usage: seedchip llm generate --model FILE [--prompt TEXT | --prompt-ids \"1 2 3\"]\n"
        "         [--tokens N] [--temperature T] [--top-p P] [--top-k K] [--seed S]\n"
        "         [--chip NAME] [--set KEY=VALUE]... [--precision fp32|bf16] "
        "[--print-token-ids]\n\n"
        "Loads a llama2.c .bin, GGUF or safetensors (file, index or directory with config.json)\n"
        "checkpoint, compiles prefill and decode programs for the chip and runs them in the\n"
        "executor (functional numerics and timing). Without a prompt generation starts from BOS.\n"
        "Prints the text (when the model has a tokenizer), simulated-chip tokens/s and host wall\n"
        "time; with --print-token-ids the last line is the generated ids, space separated.\n\n"
        "  --tokens N         tokens to generate (default 32)\n"
        "  --temperature T    0 = greedy (default); else sample softmax(logits / T)\n"
        "  --top-k K          keep the K most likely tokens (0 = all)\n"
        "  --top-p P          keep the smallest set with probability mass >= P (default 1)\n"
        "  --seed S           sampler seed (default 1)\n"
        "  --chip NAME        chip config (default seedchip-1)\n"
        "  --cores N          tensor cores the programs use (default 0 = all)\n"
        "  --precision P      fp32 (default: reproduces the fp64 reference's tokens), bf16, or\n"
        "                     int8 (weight-only: int8 weights with per-row scales, bf16 else)\n"
        "  --stop-at-eos      stop after the model's end-of-sequence (or a new BOS) token\n");
}

typedef struct gen_opts {
    const char *model, *prompt, *prompt_ids, *chip;
    long long tokens, top_k, seed, cores;
    double temperature, top_p;
    sc_dtype precision;
    int print_ids, stop_at_eos;
    cli_overrides ov;
} gen_opts;

/* Parses one option at argv[*i]; returns 1 handled, 0 unknown, -1 error (printed). */
static int parse_opt(gen_opts *o, int argc, char **argv, int *i) {
    const char *v = NULL;
    int r;
    const char *str_opts[] = {"--model", "--prompt", "--prompt-ids", "--chip"};
    const char **str_dst[] = {&o->model, &o->prompt, &o->prompt_ids, &o->chip};
    for (size_t k = 0; k < SC_ARRAY_LEN(str_opts); k++)
        if ((r = cli_opt_value(CMD, argc, argv, i, str_opts[k], &v)) != 0) {
            if (r > 0) *str_dst[k] = v;
            return r;
        }
    if ((r = cli_opt_set(CMD, argc, argv, i, &o->ov)) != 0) return r;
    if ((r = cli_opt_value(CMD, argc, argv, i, "--tokens", &v)) != 0)
        return r < 0 ? r : cli_parse_int(CMD, "--tokens", v, 1, 100000, &o->tokens) ? -1 : 1;
    if ((r = cli_opt_value(CMD, argc, argv, i, "--cores", &v)) != 0)
        return r < 0 ? r : cli_parse_int(CMD, "--cores", v, 0, 1024, &o->cores) ? -1 : 1;
    if ((r = cli_opt_value(CMD, argc, argv, i, "--top-k", &v)) != 0)
        return r < 0 ? r : cli_parse_int(CMD, "--top-k", v, 0, 1 << 22, &o->top_k) ? -1 : 1;
    if ((r = cli_opt_value(CMD, argc, argv, i, "--seed", &v)) != 0)
        return r < 0 ? r : cli_parse_int(CMD, "--seed", v, 0, INT64_MAX, &o->seed) ? -1 : 1;
    if ((r = cli_opt_value(CMD, argc, argv, i, "--temperature", &v)) != 0)
        return r < 0                                                                ? r
               : cli_parse_double(CMD, "--temperature", v, 0, 100, &o->temperature) ? -1
                                                                                    : 1;
    if ((r = cli_opt_value(CMD, argc, argv, i, "--top-p", &v)) != 0)
        return r < 0 ? r : cli_parse_double(CMD, "--top-p", v, 1e-6, 1, &o->top_p) ? -1 : 1;
    if ((r = cli_opt_value(CMD, argc, argv, i, "--precision", &v)) != 0) {
        if (r < 0) return r;
        if (strcmp(v, "fp32") == 0)
            o->precision = SC_DTYPE_FP32;
        else if (strcmp(v, "bf16") == 0)
            o->precision = SC_DTYPE_BF16;
        else if (strcmp(v, "int8") == 0)
            o->precision = SC_DTYPE_INT8;
        else
            return cli_error(CMD, "--precision: '%s' is not fp32, bf16 or int8", v), -1;
        return 1;
    }
    if (strcmp(argv[*i], "--print-token-ids") == 0) return o->print_ids = 1;
    if (strcmp(argv[*i], "--stop-at-eos") == 0) return o->stop_at_eos = 1;
    return 0;
}

/* "1 2 3" -> ids; every id must be in [0, vocab). */
static int parse_ids(const char *text, int vocab, int **out, int *n) {
    size_t cap = strlen(text) / 2 + 1;
    int *ids = malloc(cap * sizeof *ids);
    *n = 0;
    for (const char *p = text; ids;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p) break;
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v >= vocab) {
            free(ids);
            return cli_error(CMD, "--prompt-ids: '%.20s' is not a token id in [0, %d)", p, vocab);
        }
        ids[(*n)++] = (int)v;
        p = end;
    }
    if (!ids) return cli_error(CMD, "out of memory");
    if (*n == 0) {
        free(ids);
        return cli_error(CMD, "--prompt-ids: no ids given");
    }
    *out = ids;
    return 0;
}

/* Prompt ids: BOS (when known) + tokenised text, or the given ids, or just BOS. */
/* Prompt ids: BOS (when the model has one) + tokenised text, or the given ids, or just BOS. */
static int prompt_of(const gen_opts *o, const sc_llm_model *m, int **ids, int *n) {
    int bos = m->cfg.bos_id;
    if (o->prompt_ids) return parse_ids(o->prompt_ids, m->cfg.vocab_size, ids, n);
    if (!o->prompt && bos < 0)
        return cli_error(CMD, "%s: the model defines no BOS token; give --prompt or --prompt-ids",
                         o->model);
    if (o->prompt && !m->tok)
        return cli_error(CMD, "%s: the model carries no tokenizer; use --prompt-ids", o->model);
    int *t = NULL;
    size_t nt = 0;
    sc_err err = {0};
    if (o->prompt && sc_llm_tokenize(m->tok, o->prompt, &t, &nt, &err) != SC_OK)
        return cli_error(CMD, "--prompt: %s", err.msg);
    int head = bos >= 0 ? 1 : 0;
    if (nt + (size_t)head == 0) return cli_error(CMD, "--prompt: the text gives no tokens");
    *ids = malloc((nt + 1) * sizeof **ids);
    if (!*ids) return free(t), cli_error(CMD, "out of memory");
    if (head) (*ids)[0] = bos;
    for (size_t i = 0; i < nt; i++)
        (*ids)[i + (size_t)head] = t[i];
    *n = (int)nt + head;
    free(t);
    return 0;
}

static void print_token(const sc_llm_model *m, int id) {
    if (!m->tok) return;
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_err err = {0};
    if (sc_llm_detokenize(m->tok, id, &sb, &err) == SC_OK && sb.len)
        fwrite(sb.data, 1, sb.len, stdout);
    sc_strbuf_free(&sb);
    fflush(stdout);
}

static void print_stats(const sc_llm_gen_stats *s, int n_prompt, int n_out, double wall) {
    printf("prompt %d tokens (%d prefill runs, %d decode runs), generated %d tokens\n", n_prompt,
           s->prefill_runs, s->decode_runs, n_out);
    double dec =
        s->decode_tokens > 0 && s->decode_device_s > 0 ? s->decode_tokens / s->decode_device_s : 0;
    printf("simulated chip: %.1f tokens/s decode (%.3f ms/token), prefill %.3f ms, %.3f J\n", dec,
           dec > 0 ? 1e3 / dec : 0, s->prefill_device_s * 1e3, s->energy_j);
    printf("host: %.3f s wall (%.3f s in the executor), %.1f tokens/s\n", wall, s->host_s,
           wall > 0 ? (n_prompt + n_out) / wall : 0);
}

/* Runs the prompt then samples o->tokens tokens; out receives them. */
/* Runs the prompt then samples up to o->tokens tokens into out; *n_out gets how many (fewer when
 * --stop-at-eos meets the model's EOS, which is kept as the last id). */
static int run(const gen_opts *o, sc_llm_gen *g, const sc_llm_model *m, const int *prompt,
               int n_prompt, int *out, int *n_out) {
    sc_err err = {0};
    if (sc_llm_gen_feed(g, prompt, n_prompt, &err) != SC_OK) {
        fprintf(stderr, "seedchip %s: %s\n", CMD, err.msg);
        return CLI_EXIT_FAIL;
    }
    *n_out = 0;
    for (int i = 0; i < (int)o->tokens; i++) {
        out[i] = sc_llm_gen_sample(g);
        *n_out = i + 1;
        print_token(m, out[i]);
        /* A generated BOS also ends a sequence (llama2.c's stories delimit with BOS). */
        if (o->stop_at_eos && (out[i] == m->cfg.eos_id || out[i] == m->cfg.bos_id)) break;
        if (i + 1 < (int)o->tokens && sc_llm_gen_feed(g, &out[i], 1, &err) != SC_OK) {
            fprintf(stderr, "seedchip %s: %s\n", CMD, err.msg);
            return CLI_EXIT_FAIL;
        }
    }
    if (m->tok) printf("\n");
    return CLI_EXIT_OK;
}

static int generate(const gen_opts *o, const sc_llm_model *m, const sc_chip *chip) {
    int *prompt = NULL, n_prompt = 0;
    if (prompt_of(o, m, &prompt, &n_prompt)) return CLI_EXIT_USAGE;
    long long need = n_prompt + o->tokens;
    if (need > m->cfg.seq_len) {
        free(prompt);
        return cli_error(CMD, "%s: prompt (%d) + tokens (%lld) exceed the model's context of %d",
                         o->model, n_prompt, o->tokens, m->cfg.seq_len);
    }
    sc_llm_gen_params p = sc_llm_gen_default_params();
    p.precision = o->precision;
    p.max_seq = (int)need;
    p.mode = SC_SIM_BOTH;
    p.cores = (int)o->cores;
    p.temperature = (float)o->temperature, p.top_p = (float)o->top_p, p.top_k = (int)o->top_k;
    p.seed = (uint64_t)o->seed;
    sc_llm_gen *g = NULL;
    sc_err err = {0};
    int *out = calloc((size_t)o->tokens, sizeof *out);
    int rc, n_out = 0;
    double t0 = sc_now_seconds();
    if (!out)
        rc = cli_error(CMD, "out of memory");
    else if (sc_llm_gen_create(chip, m, &p, &g, &err) != SC_OK)
        rc = err.status == SC_ERR_NOMEM || err.status == SC_ERR_TRAP
                 ? (fprintf(stderr, "seedchip %s: %s\n", CMD, err.msg), CLI_EXIT_FAIL)
                 : cli_error(CMD, "%s: %s", o->model, err.msg);
    else
        rc = run(o, g, m, prompt, n_prompt, out, &n_out);
    if (rc == CLI_EXIT_OK) {
        sc_llm_gen_stats st;
        sc_llm_gen_get_stats(g, &st);
        print_stats(&st, n_prompt, n_out, sc_now_seconds() - t0);
        if (o->print_ids || !m->tok) {
            for (int i = 0; i < n_out; i++)
                printf(i ? " %d" : "%d", out[i]);
            printf("\n");
        }
    }
    sc_llm_gen_destroy(g);
    free(out);
    free(prompt);
    return rc;
}

int cmd_llm_generate(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    gen_opts o;
    memset(&o, 0, sizeof o);
    o.tokens = 32, o.top_p = 1, o.seed = 1, o.chip = "seedchip-1", o.precision = SC_DTYPE_FP32;
    for (int i = 1; i < argc; i++) {
        int r = parse_opt(&o, argc, argv, &i);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 0)
            return cli_error(CMD, "unknown option '%s' (see seedchip llm generate --help)",
                             argv[i]);
    }
    if (!o.model) return cli_error(CMD, "--model FILE is required");
    if (o.prompt && o.prompt_ids) return cli_error(CMD, "give --prompt or --prompt-ids, not both");
    sc_chip *chip = cli_load_chip(CMD, o.chip, &o.ov);
    if (!chip) return CLI_EXIT_USAGE;
    sc_llm_model *m = NULL;
    sc_err err = {0};
    int rc;
    if (sc_llm_model_load(o.model, NULL, &m, &err) != SC_OK)
        rc = cli_error(CMD, "%s", err.msg);
    else
        rc = generate(&o, m, chip);
    sc_llm_model_destroy(m);
    sc_chip_destroy(chip);
    return rc;
}
