// SPDX-License-Identifier: Apache-2.0
// Self-contained HTML reports with inline SVG charts from serve-sim / plan JSON and sweep SQLite.
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include "util/util.h"

typedef struct sc_report sc_report; /* caller owns; sc_report_destroy */

sc_status sc_report_create(sc_report **out, sc_err *err);
void sc_report_destroy(sc_report *r);
/* Adds the sections of one result: a serve-sim JSON (latency CDFs, execution timeline, roofline of
 * its decode and prefill iterations) or a plan JSON (fleet comparison). file names the source in
 * errors and in the page. */
sc_status sc_report_add_json(sc_report *r, const char *file, const char *text, sc_err *err);
/* Adds the Pareto fronts of a sweep database. */
sc_status sc_report_add_sweep(sc_report *r, const char *db_path, sc_err *err);
/* The page (caller frees with free()). */
char *sc_report_html(sc_report *r, size_t *len, sc_err *err);

/* Chart sections (report_charts.c, report_roofline.c); each appends to body. */
struct cJSON;
void sc_report_latency_cdf(sc_strbuf *body, const struct cJSON *run);
void sc_report_timeline(sc_strbuf *body, const struct cJSON *run);
void sc_report_fleet(sc_strbuf *body, const struct cJSON *plan);
sc_status sc_report_pareto(sc_strbuf *body, const char *db_path, sc_err *err);
/* Roofline of one serving run's iterations; a note instead when its chip or model is unknown. */
void sc_report_roofline(sc_strbuf *body, const struct cJSON *run);

#endif
