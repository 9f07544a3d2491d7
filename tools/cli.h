// SPDX-License-Identifier: Apache-2.0
// Shared helpers for seedchip sub-commands: errors with exit status 2, option parsing, chip
// loading.
#ifndef SC_CLI_H
#define SC_CLI_H

#include <stdio.h>

#include "chip/chip.h"
#include "seedchip.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1 /* the run itself failed (trap, check mismatch) */
#define CLI_EXIT_USAGE 2 /* bad input: arguments, files, configs */

#define SC_CMD(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef SC_CMD

/* Prints "seedchip CMD: message" on stderr (one line); returns CLI_EXIT_USAGE. */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when argv contains -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Option helpers: for "--name VALUE" and "--name=VALUE". Return 1 and set *val if argv[*i]
 * matches (advancing *i past a separate value), 0 if not this option, -1 if the value is missing
 * (an error has been printed). */
int cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                  const char **val);
int cli_parse_int(const char *cmd, const char *opt, const char *text, long long lo, long long hi,
                  long long *out);
int cli_parse_double(const char *cmd, const char *opt, const char *text, double lo, double hi,
                     double *out);

/* Collected --set key=value overrides for chip loading. */
typedef struct cli_overrides {
    const char *items[64];
    size_t n;
} cli_overrides;
/* Handles "--set k=v"; same return convention as cli_opt_value. */
int cli_opt_set(const char *cmd, int argc, char **argv, int *i, cli_overrides *ov);

/* Loads a chip by name or file with overrides; prints the error line and returns NULL on failure.
 */
sc_chip *cli_load_chip(const char *cmd, const char *name, const cli_overrides *ov);

/* Writes text to path atomically ("-" = stdout). Returns 0 or prints an error and returns 2. */
int cli_write_output(const char *cmd, const char *path, const char *text, size_t len);

#endif
