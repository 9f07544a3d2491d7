// SPDX-License-Identifier: Apache-2.0
// `seedchip membench`: runs a traffic pattern through a chip's HBM/DRAM timing model.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem/mem.h"
#include "util/util.h"

static const char *USAGE =
    "usage: seedchip membench (--chip NAME|FILE | --preset PART) [options]\n\n"
    "  --chip NAME         chip config whose memory tier is modelled (see `seedchip chip list`)\n"
    "  --preset PART       built-in part instead of a chip: hbm3e-12h, hbm3-8h, lpddr5x\n"
    "  --tier hbm|lpddr    which DRAM tier of the chip (default hbm)\n"
    "  --pattern P         stream | random | strided (default stream)\n"
    "  --bytes N           total bytes moved (default 64MiB; units like 1GiB accepted)\n"
    "  --access-bytes B    bytes per request (default 64)\n"
    "  --stride S          strided: distance between request starts (default 4096)\n"
    "  --read-fraction F   share of requests that are reads, 0..1 (default 1)\n"
    "  --outstanding Q     requests in flight (default 0 = unlimited, in-order source)\n"
    "  --sweep             random/strided loaded-latency sweep over Q = 1, 4, 16, ... 4096\n"
    "  --queue-depth D     per pseudo-channel controller queue (default 32)\n"
    "  --map SPEC          address map (default " SC_MEM_MAP_DEFAULT ")\n"
    "  --no-refresh        turn off all-bank refresh\n"
    "  --seed N            random-pattern seed (default 1)\n"
    "  --set KEY=VALUE     override a chip config key (with --chip)\n"
    "  --json              machine-readable output\n";

typedef struct mb_opts {
    const char *chip, *preset, *tier, *map;
    sc_mem_stream s;
    int queue_depth, refresh, json, sweep;
    cli_overrides ov;
} mb_opts;

static int parse_bytes(const char *opt, const char *text, uint64_t *out) {
    double v;
    char why[128];
    if (sc_parse_unit(text, SC_UNIT_BYTES, &v, why, sizeof why) != 0 || v < 1 || v > 1e15) {
        cli_error("membench", "%s: '%s' is not a byte count (%s)", opt, text, why);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

static int parse_pattern(const char *text, sc_mem_pattern *out) {
    if (strcmp(text, "stream") == 0)
        *out = SC_MEM_PAT_STREAM;
    else if (strcmp(text, "random") == 0)
        *out = SC_MEM_PAT_RANDOM;
    else if (strcmp(text, "strided") == 0)
        *out = SC_MEM_PAT_STRIDED;
    else
        return cli_error("membench", "--pattern: '%s' is not stream, random or strided", text), -1;
    return 0;
}

/* One option at argv[*i]; returns 1 if consumed, 0 if unknown, -1 on error. */
static int parse_one(mb_opts *o, int argc, char **argv, int *i) {
    const char *v = NULL;
    long long n;
    int r;
    if (strcmp(argv[*i], "--json") == 0) return o->json = 1;
    if (strcmp(argv[*i], "--sweep") == 0) return o->sweep = 1;
    if (strcmp(argv[*i], "--no-refresh") == 0) return (o->refresh = 0), 1;
    if ((r = cli_opt_set("membench", argc, argv, i, &o->ov)) != 0) return r;
#define OPT(name) ((r = cli_opt_value("membench", argc, argv, i, name, &v)) != 0)
    if (OPT("--chip")) return r < 0 ? -1 : (o->chip = v, 1);
    if (OPT("--preset")) return r < 0 ? -1 : (o->preset = v, 1);
    if (OPT("--tier")) return r < 0 ? -1 : (o->tier = v, 1);
    if (OPT("--map")) return r < 0 ? -1 : (o->map = v, 1);
    if (OPT("--pattern")) return r < 0 || parse_pattern(v, &o->s.pattern) ? -1 : 1;
    if (OPT("--bytes")) return r < 0 || parse_bytes("--bytes", v, &o->s.bytes) ? -1 : 1;
    if (OPT("--access-bytes"))
        return r < 0 || parse_bytes("--access-bytes", v, &o->s.access_bytes) ? -1 : 1;
    if (OPT("--stride")) return r < 0 || parse_bytes("--stride", v, &o->s.stride) ? -1 : 1;
    if (OPT("--read-fraction"))
        return r < 0 ||
                       cli_parse_double("membench", "--read-fraction", v, 0, 1, &o->s.read_fraction)
                   ? -1
                   : 1;
    if (OPT("--outstanding")) {
        if (r < 0 || cli_parse_int("membench", "--outstanding", v, 0, 1 << 20, &n)) return -1;
        return (o->s.outstanding = (int)n), 1;
    }
    if (OPT("--queue-depth")) {
        if (r < 0 || cli_parse_int("membench", "--queue-depth", v, 1, 4096, &n)) return -1;
        return (o->queue_depth = (int)n), 1;
    }
    if (OPT("--seed")) {
        if (r < 0 || cli_parse_int("membench", "--seed", v, 0, INT64_MAX, &n)) return -1;
        return (o->s.seed = (uint64_t)n), 1;
    }
#undef OPT
    return 0;
}

static int parse_args(mb_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->s = sc_mem_default_stream();
    o->s.stride = 4096;
    o->tier = "hbm";
    o->queue_depth = 32;
    o->refresh = 1;
    for (int i = 1; i < argc; i++) {
        int r = parse_one(o, argc, argv, &i);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 0) return cli_error("membench", "unknown option '%s' (see --help)", argv[i]);
    }
    if (!o->chip == !o->preset)
        return cli_error("membench", "give exactly one of --chip or --preset");
    if (strcmp(o->tier, "hbm") != 0 && strcmp(o->tier, "lpddr") != 0)
        return cli_error("membench", "--tier: '%s' is not hbm or lpddr", o->tier);
    if (o->sweep && o->s.pattern == SC_MEM_PAT_STREAM)
        return cli_error("membench", "--sweep needs --pattern random or strided");
    return CLI_EXIT_OK;
}

/* Fills cfg from the chip (tier) or the preset; returns an exit status. */
static int load_cfg(const mb_opts *o, sc_dram_cfg *cfg, char *label, size_t label_len) {
    if (o->preset) {
        sc_err err = {0};
        if (sc_mem_preset(o->preset, cfg, &err) != SC_OK)
            return cli_error("membench", "%s", err.msg);
        snprintf(label, label_len, "%s", o->preset);
        return CLI_EXIT_OK;
    }
    sc_chip *chip = cli_load_chip("membench", o->chip, &o->ov);
    if (!chip) return CLI_EXIT_USAGE;
    *cfg = strcmp(o->tier, "hbm") == 0 ? chip->hbm : chip->lpddr;
    snprintf(label, label_len, "%s", chip->name);
    sc_chip_destroy(chip);
    if (!cfg->present) return cli_error("membench", "chip '%s' has no %s tier", label, o->tier);
    return CLI_EXIT_OK;
}

static cJSON *result_json(const sc_mem *m, const sc_mem_stream *s) {
    sc_mem_summary su;
    sc_mem_stats st;
    sc_mem_summarize(m, &su);
    sc_mem_get_stats(m, &st);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "outstanding", s->outstanding);
    cJSON_AddNumberToObject(o, "bandwidth_gbs", su.bandwidth_gbs);
    cJSON_AddNumberToObject(o, "peak_gbs", su.peak_gbs);
    cJSON_AddNumberToObject(o, "fraction_of_peak", su.fraction_of_peak);
    cJSON_AddNumberToObject(o, "mean_latency_ns", su.mean_latency_ns);
    cJSON_AddNumberToObject(o, "p50_latency_ns", su.p50_latency_ns);
    cJSON_AddNumberToObject(o, "p99_latency_ns", su.p99_latency_ns);
    cJSON_AddNumberToObject(o, "max_latency_ns", su.max_latency_ns);
    cJSON_AddNumberToObject(o, "row_hit_rate", su.row_hit_rate);
    cJSON_AddNumberToObject(o, "row_hits", (double)st.row_hits);
    cJSON_AddNumberToObject(o, "row_misses", (double)st.row_misses);
    cJSON_AddNumberToObject(o, "row_conflicts", (double)st.row_conflicts);
    cJSON_AddNumberToObject(o, "refreshes", (double)st.refreshes);
    cJSON_AddNumberToObject(o, "requests", (double)st.requests);
    cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
    cJSON_AddNumberToObject(o, "elapsed_ns", su.elapsed_ns);
    return o;
}

static void print_text(const sc_mem *m, const sc_mem_stream *s) {
    sc_mem_summary su;
    sc_mem_summarize(m, &su);
    printf("  Q=%-6d %9.1f GB/s  %5.1f%% of %.1f GB/s  latency mean %.1f p50 %.1f p99 %.1f ns  "
           "row hits %.1f%%\n",
           s->outstanding, su.bandwidth_gbs, 100 * su.fraction_of_peak, su.peak_gbs,
           su.mean_latency_ns, su.p50_latency_ns, su.p99_latency_ns, 100 * su.row_hit_rate);
}

static const char *PATTERN_NAMES[] = {"stream", "strided", "random"}; /* enum order */

static int run_all(const mb_opts *o, sc_mem *m, const char *label) {
    static const int SWEEP[] = {1, 4, 16, 64, 256, 1024, 4096};
    size_t runs = o->sweep ? SC_ARRAY_LEN(SWEEP) : 1;
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "chip", label);
    cJSON_AddStringToObject(root, "pattern", PATTERN_NAMES[o->s.pattern]);
    if (!o->json)
        printf("membench %s: %s, %.0f bytes, %.0f-byte accesses\n", label,
               PATTERN_NAMES[o->s.pattern], (double)o->s.bytes, (double)o->s.access_bytes);
    for (size_t k = 0; k < runs; k++) {
        sc_mem_stream s = o->s;
        if (o->sweep) s.outstanding = SWEEP[k];
        sc_mem_stream_result r;
        sc_err err = {0};
        sc_mem_reset(m);
        if (sc_mem_run_stream(m, &s, &r, &err) != SC_OK) {
            cJSON_Delete(root);
            cJSON_Delete(arr);
            return cli_error("membench", "%s", err.msg);
        }
        if (o->json)
            cJSON_AddItemToArray(arr, result_json(m, &s));
        else
            print_text(m, &s);
    }
    if (o->json) {
        if (o->sweep) {
            cJSON_AddItemToObject(root, "sweep", arr);
        } else {
            cJSON *one = cJSON_DetachItemFromArray(arr, 0);
            cJSON_Delete(arr);
            for (cJSON *it = one->child; it; it = one->child)
                cJSON_AddItemToObject(root, it->string, cJSON_DetachItemViaPointer(one, it));
            cJSON_Delete(one);
        }
        char *text = cJSON_Print(root);
        if (text) printf("%s\n", text);
        free(text);
    } else {
        cJSON_Delete(arr);
    }
    cJSON_Delete(root);
    return CLI_EXIT_OK;
}

int cmd_membench(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(USAGE, stdout);
        return CLI_EXIT_OK;
    }
    mb_opts o;
    int rc = parse_args(&o, argc, argv);
    if (rc != CLI_EXIT_OK) return rc;
    sc_dram_cfg cfg;
    char label[64];
    rc = load_cfg(&o, &cfg, label, sizeof label);
    if (rc != CLI_EXIT_OK) return rc;
    sc_mem_params p = sc_mem_default_params();
    p.queue_depth = o.queue_depth;
    p.refresh = o.refresh;
    sc_err err = {0};
    if (o.map && sc_mem_map_parse(o.map, &p.map, &err) != SC_OK)
        return cli_error("membench", "--map: %s", err.msg);
    sc_mem *m = NULL;
    if (sc_mem_create(&cfg, &p, &m, &err) != SC_OK) return cli_error("membench", "%s", err.msg);
    rc = run_all(&o, m, label);
    sc_mem_destroy(m);
    return rc;
}
