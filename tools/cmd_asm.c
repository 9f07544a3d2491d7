// SPDX-License-Identifier: Apache-2.0
// `seedchip asm`: assemble SeedChip text (.s) into a program container (.scb).
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isa/isa.h"
#include "util/util.h"

#define ASM_MAX_INPUT (64u << 20)

static void usage(void) {
    printf("usage: seedchip asm FILE.s [-o FILE.scb]\n\n"
           "Assembles a SeedChip program (syntax: docs/ISA.md). Without -o the output is FILE.scb\n"
           "beside the input. Errors name FILE:LINE and exit with status 2.\n\n"
           "  -o, --output FILE   output path ('-' = stdout)\n"
           "  --gen-doc FILE      write the generated ISA reference (docs/ISA.md) and exit\n");
}

static int gen_doc(const char *path) {
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_isa_write_doc(&sb);
    int rc =
        sb.oom ? cli_error("asm", "out of memory") : cli_write_output("asm", path, sb.data, sb.len);
    sc_strbuf_free(&sb);
    return rc;
}

/* FILE.s -> FILE.scb (any other name gets .scb appended). */
static char *default_output(const char *in) {
    size_t n = strlen(in);
    char *out = malloc(n + 5);
    if (!out) return NULL;
    memcpy(out, in, n + 1);
    if (sc_str_endswith(out, ".s")) out[n - 2] = '\0';
    strcat(out, ".scb");
    return out;
}

static int assemble(const char *in, const char *out) {
    sc_err err = {0};
    unsigned char *text = NULL;
    size_t len = 0;
    if (sc_read_file(in, ASM_MAX_INPUT, &text, &len, &err) != SC_OK)
        return cli_error("asm", "%s", err.msg);
    sc_program *p = NULL;
    uint8_t *bin = NULL;
    size_t blen = 0;
    int rc = CLI_EXIT_OK;
    if (sc_program_assemble((const char *)text, len, in, &p, &err) != SC_OK ||
        sc_program_serialize(p, &bin, &blen, &err) != SC_OK)
        rc = cli_error("asm", "%s", err.msg);
    else
        rc = cli_write_output("asm", out, (const char *)bin, blen);
    free(bin);
    sc_program_destroy(p);
    free(text);
    return rc;
}

int cmd_asm(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    const char *in = NULL, *out = NULL, *doc = NULL, *v = NULL;
    for (int i = 1; i < argc; i++) {
        int r;
        if ((r = cli_opt_value("asm", argc, argv, &i, "--gen-doc", &v)) != 0) {
            if (r < 0) return CLI_EXIT_USAGE;
            doc = v;
        } else if ((r = cli_opt_value("asm", argc, argv, &i, "-o", &v)) != 0 ||
                   (r = cli_opt_value("asm", argc, argv, &i, "--output", &v)) != 0) {
            if (r < 0) return CLI_EXIT_USAGE;
            out = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("asm", "unknown option '%s' (see seedchip asm --help)", argv[i]);
        } else if (in) {
            return cli_error("asm", "more than one input file ('%s' and '%s')", in, argv[i]);
        } else {
            in = argv[i];
        }
    }
    if (doc) return gen_doc(doc);
    if (!in) return cli_error("asm", "no input file (usage: seedchip asm FILE.s [-o FILE.scb])");
    if (out) return assemble(in, out);
    char *def = default_output(in);
    if (!def) return cli_error("asm", "out of memory");
    int rc = assemble(in, def);
    free(def);
    return rc;
}
