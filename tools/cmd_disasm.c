// SPDX-License-Identifier: Apache-2.0
// `seedchip disasm`: print a SeedChip program container (.scb) as re-assemblable text.
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isa/isa.h"
#include "util/util.h"

#define DISASM_MAX_INPUT (1u << 30)

static void usage(void) {
    printf("usage: seedchip disasm FILE.scb [-o FILE.s]\n\n"
           "Prints a SeedChip program as assembly text; `seedchip asm` turns the text back into\n"
           "the identical binary. Damaged or hostile files are rejected with one error line\n"
           "(exit status 2).\n\n"
           "  -o, --output FILE   write to FILE (atomically) instead of stdout\n");
}

static int disasm(const char *in, const char *out) {
    sc_err err = {0};
    unsigned char *bin = NULL;
    size_t len = 0;
    if (sc_read_file(in, DISASM_MAX_INPUT, &bin, &len, &err) != SC_OK)
        return cli_error("disasm", "%s", err.msg);
    sc_program *p = NULL;
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    int rc;
    if (sc_program_parse(bin, len, &p, &err) != SC_OK)
        rc = cli_error("disasm", "%s: %s", in, err.msg);
    else if (sc_program_disassemble(p, &sb, &err) != SC_OK)
        rc = cli_error("disasm", "%s: %s", in, err.msg);
    else
        rc = cli_write_output("disasm", out, sb.data, sb.len);
    sc_strbuf_free(&sb);
    sc_program_destroy(p);
    free(bin);
    return rc;
}

int cmd_disasm(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    const char *in = NULL, *out = "-", *v = NULL;
    for (int i = 1; i < argc; i++) {
        int r;
        if ((r = cli_opt_value("disasm", argc, argv, &i, "-o", &v)) != 0 ||
            (r = cli_opt_value("disasm", argc, argv, &i, "--output", &v)) != 0) {
            if (r < 0) return CLI_EXIT_USAGE;
            out = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("disasm", "unknown option '%s' (see seedchip disasm --help)", argv[i]);
        } else if (in) {
            return cli_error("disasm", "more than one input file ('%s' and '%s')", in, argv[i]);
        } else {
            in = argv[i];
        }
    }
    if (!in)
        return cli_error("disasm", "no input file (usage: seedchip disasm FILE.scb [-o FILE.s])");
    return disasm(in, out);
}
