// SPDX-License-Identifier: Apache-2.0
// seedchip command-line entry point: dispatches to the sub-commands listed in commands.def.
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"

typedef struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} cli_cmd;

static const cli_cmd COMMANDS[] = {
#define SC_CMD(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef SC_CMD
};

static void usage(FILE *out) {
    fprintf(out,
            "usage: seedchip [--version] [--help] COMMAND [ARGS...]\n\n"
            "SeedChip %s: an open AI-inference chip built as software.\n\ncommands:\n",
            sc_version());
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-14s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "\nRun `seedchip COMMAND --help` for a command's options.\n");
}

/* Buffers of a few MB (tensors read and written, compiled programs, staging) come and go all
 * through a run; by default glibc maps each one afresh above 128 KiB and unmaps it on free, so
 * every one pays first-touch page faults again (a sixth of a small model's `run`). Kept on the
 * heap below 32 MiB and not trimmed below 128 MiB free, freed buffers are reused. The process's
 * choice, so it is made here and not in the library. */
static void tune_malloc(void) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
}

int main(int argc, char **argv) {
    tune_malloc();
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("seedchip %s\n", sc_version());
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(cmd, COMMANDS[i].name) == 0) return COMMANDS[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "seedchip: unknown command '%s' (see seedchip --help)\n", cmd);
    return CLI_EXIT_USAGE;
}
