// SPDX-License-Identifier: Apache-2.0
// `seedchip chip list|show`: the chip descriptions and their derived figures.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "chip_print.h"
#include "cli.h"

static const char *CHIP_USAGE =
    "usage: seedchip chip list [--json]\n"
    "       seedchip chip show NAME|FILE [--json] [--set KEY=VALUE]...\n\n"
    "  list   every chip config in the search path (configs/, $SEEDCHIP_CONFIG_DIR)\n"
    "  show   derived figures: peak TFLOP/s per type, HBM bandwidth and capacity,\n"
    "         SRAM totals, ridge point, power. --set overrides any config key,\n"
    "         e.g. --set hbm.stacks=2 --set clock=1.2GHz\n";

typedef struct list_ctx {
    cJSON *arr;
    int json;
} list_ctx;

static void list_one(const char *name, const char *path, void *user) {
    list_ctx *ctx = user;
    sc_chip *chip = NULL;
    char err[512];
    sc_chip_load_params p = sc_chip_load_default_params();
    if (sc_chip_load(path, &p, &chip, err, sizeof err) != SC_OK) {
        fprintf(stderr, "seedchip chip: skipping %s: %s\n", name, err);
        return;
    }
    if (ctx->json) {
        cJSON_AddItemToArray(ctx->arr, chip_summary_json(chip));
    } else {
        sc_chip_summary s;
        sc_chip_summarize(chip, &s);
        printf("%-18s %-12s %8.1f %8.0f %8.1f %7.0f  %s\n", s.name, s.kind,
               s.peak_tflops[SC_DTYPE_BF16], s.hbm_bandwidth_gbs, s.hbm_capacity_gb, s.tdp_w,
               chip->description);
    }
    sc_chip_destroy(chip);
}

static int print_json(cJSON *o) {
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) return cli_error("chip", "out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

static int chip_list(int json) {
    list_ctx ctx = {cJSON_CreateArray(), json};
    if (!json)
        printf("%-18s %-12s %8s %8s %8s %7s  %s\n", "NAME", "KIND", "BF16TF", "HBM GB/s", "HBM GB",
               "TDP W", "DESCRIPTION");
    if (sc_chip_list(NULL, list_one, &ctx) != SC_OK) {
        cJSON_Delete(ctx.arr);
        return cli_error("chip", "no config directory found (set SEEDCHIP_CONFIG_DIR)");
    }
    if (json) return print_json(ctx.arr);
    cJSON_Delete(ctx.arr);
    return CLI_EXIT_OK;
}

static int chip_show(int argc, char **argv) {
    const char *name = NULL;
    int json = 0;
    cli_overrides ov = {0};
    for (int i = 2; i < argc; i++) {
        int r = cli_opt_set("chip", argc, argv, &i, &ov);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 1) continue;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-')
            return cli_error("chip", "unknown option '%s'", argv[i]);
        else if (name)
            return cli_error("chip", "unexpected argument '%s'", argv[i]);
        else
            name = argv[i];
    }
    if (!name) return cli_error("chip", "show needs a chip name or config file");
    sc_chip *chip = cli_load_chip("chip", name, &ov);
    if (!chip) return CLI_EXIT_USAGE;
    int rc = CLI_EXIT_OK;
    if (json)
        rc = print_json(chip_summary_json(chip));
    else
        chip_print_text(stdout, chip);
    sc_chip_destroy(chip);
    return rc;
}

int cmd_chip(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(CHIP_USAGE, stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 2) return cli_error("chip", "expected 'list' or 'show' (see seedchip chip --help)");
    if (strcmp(argv[1], "list") == 0) {
        int json = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--json") == 0)
                json = 1;
            else
                return cli_error("chip", "unknown option '%s'", argv[i]);
        }
        return chip_list(json);
    }
    if (strcmp(argv[1], "show") == 0) return chip_show(argc, argv);
    return cli_error("chip", "unknown sub-command '%s' (expected list or show)", argv[1]);
}
