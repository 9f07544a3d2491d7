// SPDX-License-Identifier: Apache-2.0
// Sweep results in SQLite: one row per design point, each committed in its own transaction so a
// killed sweep loses at most the point in flight; Pareto flags recomputed at the end.
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "dse/dse.h"

struct sc_dse_db {
    sqlite3 *db;
    sqlite3_stmt *put;
    char path[512];
};

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS points("
    " idx INTEGER PRIMARY KEY, key TEXT NOT NULL, ok INTEGER NOT NULL, error TEXT,"
    " area_mm2 REAL, chip_usd REAL, power_w REAL, hbm_gb REAL, hbm_tbs REAL, bf16_tflops REAL,"
    " perf REAL, perf_per_usd REAL, perf_per_w REAL, perf_per_hbm_gb REAL,"
    " pareto INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL);";

static sc_status sqlerr(sc_err *err, sqlite3 *db, const char *path, const char *what) {
    return sc_err_set(err, SC_ERR_IO, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "?");
}

static sc_status exec(sc_dse_db *d, const char *sql, sc_err *err) {
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) == SQLITE_OK) return SC_OK;
    sc_status st = sc_err_set(err, SC_ERR_IO, "%s: %s", d->path, msg ? msg : "sqlite error");
    sqlite3_free(msg);
    return st;
}

static sc_status meta_get(sc_dse_db *d, const char *key, char *out, size_t len) {
    sqlite3_stmt *q = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(d->db, "SELECT value FROM meta WHERE key = ?", -1, &q, NULL) !=
        SQLITE_OK)
        return SC_ERR_IO;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        sc_strlcpy(out, (const char *)sqlite3_column_text(q, 0), len);
    sqlite3_finalize(q);
    return SC_OK;
}

static sc_status meta_put(sc_dse_db *d, const char *key, const char *value, sc_err *err) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(d->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &q,
                           NULL) != SQLITE_OK)
        return sqlerr(err, d->db, d->path, "meta");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SC_OK : sqlerr(err, d->db, d->path, "meta");
}

/* Fresh run: forget old points. Resume: the stored space must be this one. */
static sc_status bind_space(sc_dse_db *d, const sc_dse_space *s, const char *file, int resume,
                            sc_err *err) {
    char hash[32], old[32];
    snprintf(hash, sizeof hash, "%016" PRIx64, sc_dse_space_hash(s));
    if (meta_get(d, "space_hash", old, sizeof old) != SC_OK)
        return sqlerr(err, d->db, d->path, "reading meta");
    if (resume && old[0] && strcmp(old, hash) != 0)
        return sc_err_set(err, SC_ERR_STATE,
                          "%s: holds results of a different sweep space (hash %s, this one %s); "
                          "run without --resume to start over",
                          d->path, old, hash);
    sc_status st = SC_OK;
    if (!resume) st = exec(d, "DELETE FROM points;", err);
    char npts[32];
    snprintf(npts, sizeof npts, "%zu", sc_dse_point_count(s));
    if (st == SC_OK) st = meta_put(d, "space_hash", hash, err);
    if (st == SC_OK) st = meta_put(d, "space_file", file ? file : "", err);
    if (st == SC_OK) st = meta_put(d, "base", sc_dse_space_base(s), err);
    if (st == SC_OK) st = meta_put(d, "points", npts, err);
    for (size_t i = 0; st == SC_OK && i < sc_dse_workload_count(s); i++) {
        char k[32];
        snprintf(k, sizeof k, "workload%zu", i);
        st = meta_put(d, k, sc_dse_workload_at(s, i)->model, err);
    }
    return st;
}

sc_status sc_dse_db_open(const char *path, const sc_dse_space *s, const char *space_file,
                         int resume, sc_dse_db **out, sc_err *err) {
    *out = NULL;
    sc_dse_db *d = calloc(1, sizeof *d);
    if (!d) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sc_strlcpy(d->path, path, sizeof d->path);
    if (sqlite3_open(path, &d->db) != SQLITE_OK) {
        sc_status st = sqlerr(err, d->db, path, "cannot open");
        sc_dse_db_close(d);
        return st;
    }
    sqlite3_busy_timeout(d->db, 5000);
    /* WAL + NORMAL: each commit is durable against a killed process (not a power cut), cheaply. */
    sc_status st = exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err);
    if (st == SC_OK) st = exec(d, SCHEMA, err);
    if (st == SC_OK) st = exec(d, "BEGIN IMMEDIATE;", err);
    if (st == SC_OK) st = bind_space(d, s, space_file, resume, err);
    if (st == SC_OK) st = exec(d, "COMMIT;", err);
    if (st == SC_OK &&
        sqlite3_prepare_v2(d->db,
                           "INSERT OR REPLACE INTO points(idx, key, ok, error, area_mm2, chip_usd,"
                           " power_w, hbm_gb, hbm_tbs, bf16_tflops, perf, perf_per_usd, perf_per_w,"
                           " perf_per_hbm_gb, pareto, result)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?)",
                           -1, &d->put, NULL) != SQLITE_OK)
        st = sqlerr(err, d->db, path, "prepare");
    if (st != SC_OK) {
        sc_dse_db_close(d);
        return st;
    }
    *out = d;
    return SC_OK;
}

void sc_dse_db_close(sc_dse_db *d) {
    if (!d) return;
    sqlite3_finalize(d->put);
    sqlite3_close(d->db);
    free(d);
}

sc_status sc_dse_db_done(sc_dse_db *d, unsigned char *done, size_t n, sc_err *err) {
    memset(done, 0, n);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(d->db, "SELECT idx FROM points", -1, &q, NULL) != SQLITE_OK)
        return sqlerr(err, d->db, d->path, "reading points");
    while (sqlite3_step(q) == SQLITE_ROW) {
        sqlite3_int64 i = sqlite3_column_int64(q, 0);
        if (i >= 0 && (size_t)i < n) done[i] = 1;
    }
    sqlite3_finalize(q);
    return SC_OK;
}

sc_status sc_dse_db_put(sc_dse_db *d, const sc_dse_result *r, sc_err *err) {
    char *json = sc_dse_result_to_json(r);
    if (!json) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sqlite3_stmt *q = d->put;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)r->index);
    sqlite3_bind_text(q, 2, r->key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 3, r->ok);
    sqlite3_bind_text(q, 4, r->error, -1, SQLITE_TRANSIENT);
    const double v[] = {r->phys.area_die_mm2, r->phys.chip_usd,    r->phys.power_w, r->phys.hbm_gb,
                        r->phys.hbm_tbs,      r->phys.bf16_tflops, r->perf,         r->perf_per_usd,
                        r->perf_per_w,        r->perf_per_hbm_gb};
    for (int k = 0; k < 10; k++)
        sqlite3_bind_double(q, 5 + k, v[k]);
    sqlite3_bind_text(q, 15, json, -1, SQLITE_TRANSIENT);
    /* An autocommit statement is its own transaction: the point is stored or absent. */
    int rc = sqlite3_step(q);
    free(json);
    return rc == SQLITE_DONE ? SC_OK : sqlerr(err, d->db, d->path, "storing a point");
}

static sc_status load_rows(sqlite3 *db, const char *path, sc_dse_result **out, int **flags,
                           size_t *n, sc_err *err) {
    sqlite3_stmt *q = NULL;
    *out = NULL;
    *flags = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT result, pareto FROM points ORDER BY idx", -1, &q, NULL) !=
        SQLITE_OK)
        return sqlerr(err, db, path, "not a sweep database");
    size_t cap = 0;
    sc_status st = SC_OK;
    while (st == SC_OK && sqlite3_step(q) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            sc_dse_result *nv = realloc(*out, cap * sizeof *nv);
            int *nf = realloc(*flags, cap * sizeof *nf);
            if (nv) *out = nv;
            if (nf) *flags = nf;
            if (!nv || !nf) st = sc_err_set(err, SC_ERR_NOMEM, "out of memory");
            if (st != SC_OK) break;
        }
        const char *text = (const char *)sqlite3_column_text(q, 0);
        st = sc_dse_result_from_json(text ? text : "", &(*out)[*n], err);
        (*flags)[*n] = sqlite3_column_int(q, 1);
        if (st == SC_OK) (*n)++;
    }
    sqlite3_finalize(q);
    if (st != SC_OK) {
        free(*out), free(*flags);
        *out = NULL, *flags = NULL, *n = 0;
    }
    return st;
}

sc_status sc_dse_db_pareto(sc_dse_db *d, size_t n_front[4], sc_err *err) {
    sc_dse_result *v = NULL;
    int *flags = NULL;
    size_t n = 0;
    memset(n_front, 0, 4 * sizeof *n_front);
    sc_status st = load_rows(d->db, d->path, &v, &flags, &n, err);
    if (st != SC_OK) return st;
    sc_dse_pareto(v, n, flags);
    sqlite3_stmt *q = NULL;
    st = exec(d, "BEGIN IMMEDIATE;", err);
    if (st == SC_OK && sqlite3_prepare_v2(d->db, "UPDATE points SET pareto = ? WHERE idx = ?", -1,
                                          &q, NULL) != SQLITE_OK)
        st = sqlerr(err, d->db, d->path, "prepare");
    for (size_t i = 0; st == SC_OK && i < n; i++) {
        for (int k = 0; k < 4; k++)
            n_front[k] += (flags[i] >> k) & 1;
        sqlite3_reset(q);
        sqlite3_bind_int(q, 1, flags[i]);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)v[i].index);
        if (sqlite3_step(q) != SQLITE_DONE) st = sqlerr(err, d->db, d->path, "pareto update");
    }
    sqlite3_finalize(q);
    st = st == SC_OK ? exec(d, "COMMIT;", err) : (exec(d, "ROLLBACK;", NULL), st);
    free(v);
    free(flags);
    return st;
}

sc_status sc_dse_db_load(const char *path, sc_dse_result **out, int **flags, size_t *n,
                         sc_err *err) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sc_status st = sqlerr(err, db, path, "cannot open");
        sqlite3_close(db);
        return st;
    }
    sc_status st = load_rows(db, path, out, flags, n, err);
    sqlite3_close(db);
    return st;
}
