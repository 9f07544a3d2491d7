// SPDX-License-Identifier: Apache-2.0
// `seedchip report`: one self-contained HTML page with SVG charts from results and sweeps.
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report/report.h"

#define CMD "report"

static const char *USAGE =
    "usage: seedchip report RESULT.json|results.sqlite... -o report.html\n\n"
    "  RESULT.json      serve-sim --json output (latency CDFs, execution timeline, roofline of\n"
    "                   its decode and prefill iterations) or plan --json output (fleet\n"
    "                   comparison)\n"
    "  results.sqlite   a sweep database (Pareto fronts)\n"
    "  -o FILE          the HTML page (written atomically; '-' = stdout)\n";

/* SQLite files start with this 16-byte header string. */
static int is_sqlite(const unsigned char *data, size_t len) {
    return len >= 16 && memcmp(data, "SQLite format 3", 16) == 0;
}

static int add_input(sc_report *rep, const char *path) {
    unsigned char *data = NULL;
    size_t len = 0;
    sc_err err = {0};
    if (sc_read_file(path, 1u << 30, &data, &len, &err) != SC_OK)
        return cli_error(CMD, "%s", err.msg);
    sc_status st;
    if (is_sqlite(data, len)) {
        st = sc_report_add_sweep(rep, path, &err);
    } else {
        /* cJSON needs a terminated string; the file may contain anything */
        char *text = realloc(data, len + 1);
        if (!text) return free(data), cli_error(CMD, "out of memory");
        data = (unsigned char *)text;
        text[len] = '\0';
        st = strlen(text) != len ? sc_err_set(&err, SC_ERR_PARSE, "%s: binary data", path)
                                 : sc_report_add_json(rep, path, text, &err);
    }
    free(data);
    return st == SC_OK ? CLI_EXIT_OK : cli_error(CMD, "%s", err.msg);
}

int cmd_report(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) return fputs(USAGE, stdout), CLI_EXIT_OK;
    const char *out = NULL, *inputs[64];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = cli_opt_value(CMD, argc, argv, &i, "-o", &v);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r == 1)
            out = v;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_error(CMD, "unknown option '%s'", argv[i]);
        else if (n >= 64)
            return cli_error(CMD, "at most 64 inputs");
        else
            inputs[n++] = argv[i];
    }
    if (n == 0 || !out) return cli_error(CMD, "give at least one result file and -o FILE");
    sc_report *rep = NULL;
    sc_err err = {0};
    if (sc_report_create(&rep, &err) != SC_OK) return cli_error(CMD, "%s", err.msg);
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < n && rc == CLI_EXIT_OK; i++)
        rc = add_input(rep, inputs[i]);
    size_t len = 0;
    char *html = rc == CLI_EXIT_OK ? sc_report_html(rep, &len, &err) : NULL;
    if (rc == CLI_EXIT_OK && !html) rc = cli_error(CMD, "%s", err.msg);
    if (html) rc = cli_write_output(CMD, out, html, len);
    free(html);
    sc_report_destroy(rep);
    return rc;
}
