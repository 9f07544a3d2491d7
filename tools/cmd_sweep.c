// SPDX-License-Identifier: Apache-2.0
// `seedchip sweep`: design-space sweep into SQLite, resumable, optionally split over MPI ranks
// (built with SEEDCHIP_HAVE_MPI; rank 0 owns the database, the others send it their results).
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef SEEDCHIP_HAVE_MPI
#include <mpi.h>
#endif

#include "cli.h"
#include "dse/dse.h"

#define CMD "sweep"

static const char *USAGE =
    "usage: seedchip sweep SPACE.yaml [--db results.sqlite] [--resume] [--quiet]\n\n"
    "  SPACE.yaml   base chip, workloads and parameters to sweep (examples/sweeps/)\n"
    "  --db FILE    SQLite results (default results.sqlite); each point is committed on its own\n"
    "  --resume     keep the points already in --db and evaluate only the rest\n"
    "  --quiet      no progress bar\n"
    "Under Open MPI (`mpirun -np N seedchip sweep ...`) the ranks split the points and rank 0\n"
    "writes the database.\n";

typedef struct sw_opts {
    const char *space, *db;
    int resume, quiet;
} sw_opts;

typedef struct sw_run {
    sc_dse_space *space;
    sc_dse_db *db;
    unsigned char *done;
    size_t n, remaining, finished;
    int rank, size, tty, mpi; /* mpi: launched by mpirun (MPI initialised) */
    double t0;
} sw_run;

static int parse_args(sw_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->db = "results.sqlite";
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (strcmp(argv[i], "--resume") == 0) {
            o->resume = 1;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            o->quiet = 1;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--db", &v)) != 0) {
            if (r < 0) return CLI_EXIT_USAGE;
            o->db = v;
        } else if (argv[i][0] == '-' || o->space) {
            return cli_error(CMD, "unexpected argument '%s' (see --help)", argv[i]);
        } else {
            o->space = argv[i];
        }
    }
    if (!o->space) return cli_error(CMD, "give the sweep space file (see --help)");
    return CLI_EXIT_OK;
}

static void progress(sw_run *r) {
    if (!r->tty) return;
    double el = sc_now_seconds() - r->t0, rate = el > 0 ? r->finished / el : 0;
    double eta = rate > 0 ? (r->remaining - r->finished) / rate : 0;
    int w = 40, fill = r->remaining ? (int)(w * r->finished / r->remaining) : w;
    char bar[41];
    for (int i = 0; i < w; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[w] = '\0';
    fprintf(stderr, "\r[%s] %zu/%zu points  %.1f pt/s  ETA %.0fs ", bar, r->finished, r->remaining,
            rate, eta);
    if (r->finished == r->remaining) fputc('\n', stderr);
}

static int store(sw_run *r, const sc_dse_result *res) {
    sc_err err = {0};
    if (sc_dse_db_put(r->db, res, &err) != SC_OK) return cli_error(CMD, "%s", err.msg);
    r->finished++;
    progress(r);
    return CLI_EXIT_OK;
}

#ifdef SEEDCHIP_HAVE_MPI
enum { TAG_RESULT = 1, TAG_DONE = 2 };

static int under_mpi(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

/* Rank 0: stores every waiting result from the other ranks; block = wait for at least one. */
static int drain(sw_run *r, int *live, int block) {
    for (;;) {
        int flag = 0;
        MPI_Status ms;
        if (block)
            MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &ms), flag = 1;
        else
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms);
        if (!flag) return CLI_EXIT_OK;
        int len = 0;
        MPI_Get_count(&ms, MPI_CHAR, &len);
        char *buf = malloc((size_t)len + 1);
        if (!buf) return cli_error(CMD, "out of memory");
        MPI_Recv(buf, len, MPI_CHAR, ms.MPI_SOURCE, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        buf[len] = '\0';
        int rc = CLI_EXIT_OK;
        if (ms.MPI_TAG == TAG_DONE) {
            (*live)--;
        } else {
            sc_dse_result res;
            sc_err err = {0};
            rc = sc_dse_result_from_json(buf, &res, &err) == SC_OK ? store(r, &res)
                                                                   : cli_error(CMD, "%s", err.msg);
        }
        free(buf);
        if (rc != CLI_EXIT_OK) return rc;
        block = 0;
    }
}

static int send_result(const sc_dse_result *res) {
    char *js = sc_dse_result_to_json(res);
    if (!js) return cli_error(CMD, "out of memory");
    MPI_Send(js, (int)strlen(js), MPI_CHAR, 0, TAG_RESULT, MPI_COMM_WORLD);
    free(js);
    return CLI_EXIT_OK;
}
#endif

/* Evaluates this rank's share: the j-th remaining point goes to rank j mod size. */
static int evaluate(sw_run *r) {
    size_t j = 0;
#ifdef SEEDCHIP_HAVE_MPI
    int live = r->size - 1;
#endif
    for (size_t i = 0; i < r->n; i++) {
        if (r->done[i]) continue;
        if ((int)(j++ % (size_t)r->size) != r->rank) continue;
        sc_dse_result res;
        sc_err err = {0};
        if (sc_dse_eval(r->space, i, &res, &err) != SC_OK)
            return cli_error(CMD, "point %zu: %s", i, err.msg);
        int rc = CLI_EXIT_OK;
#ifdef SEEDCHIP_HAVE_MPI
        if (r->mpi && r->rank != 0)
            rc = send_result(&res);
        else if ((rc = store(r, &res)) == CLI_EXIT_OK && r->mpi)
            rc = drain(r, &live, 0);
#else
        rc = store(r, &res);
#endif
        if (rc != CLI_EXIT_OK) return rc;
    }
#ifdef SEEDCHIP_HAVE_MPI
    if (!r->mpi) return CLI_EXIT_OK;
    if (r->rank != 0) {
        MPI_Send("", 0, MPI_CHAR, 0, TAG_DONE, MPI_COMM_WORLD);
        return CLI_EXIT_OK;
    }
    while (live > 0) {
        int rc = drain(r, &live, 1);
        if (rc != CLI_EXIT_OK) return rc;
    }
#endif
    return CLI_EXIT_OK;
}

static void summary(sw_run *r, const size_t front[4]) {
    double el = sc_now_seconds() - r->t0;
    printf("sweep %s: %zu design points, %zu evaluated now in %.1f s (%.1f points/s, %d rank%s)\n",
           sc_dse_space_base(r->space), r->n, r->finished, el, el > 0 ? r->finished / el : 0,
           r->size, r->size > 1 ? "s" : "");
    printf("  Pareto fronts: perf vs cost %zu, vs power %zu, vs HBM GB %zu; perf/$, perf/W, "
           "perf/GB jointly %zu points\n",
           front[0], front[1], front[2], front[3]);
}

/* Rank 0: opens the database and learns which points are done. */
static int open_db(sw_run *r, const sw_opts *o) {
    sc_err err = {0};
    if (sc_dse_db_open(o->db, r->space, o->space, o->resume, &r->db, &err) != SC_OK ||
        sc_dse_db_done(r->db, r->done, r->n, &err) != SC_OK)
        return cli_error(CMD, "%s", err.msg);
    return CLI_EXIT_OK;
}

static int run_sweep(sw_run *r, const sw_opts *o) {
    int rc = r->rank == 0 ? open_db(r, o) : CLI_EXIT_OK;
#ifdef SEEDCHIP_HAVE_MPI
    if (r->size > 1) {
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rc == CLI_EXIT_OK) MPI_Bcast(r->done, (int)r->n, MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
    }
#endif
    if (rc != CLI_EXIT_OK) return rc;
    for (size_t i = 0; i < r->n; i++)
        r->remaining += !r->done[i];
    r->t0 = sc_now_seconds();
    rc = evaluate(r);
    if (rc != CLI_EXIT_OK || r->rank != 0) return rc;
    size_t front[4];
    sc_err err = {0};
    if (sc_dse_db_pareto(r->db, front, &err) != SC_OK) return cli_error(CMD, "%s", err.msg);
    summary(r, front);
    return CLI_EXIT_OK;
}

int cmd_sweep(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) return fputs(USAGE, stdout), CLI_EXIT_OK;
    sw_opts o;
    int rc = parse_args(&o, argc, argv);
    if (rc != CLI_EXIT_OK) return rc;
    sw_run r = {.rank = 0, .size = 1};
#ifdef SEEDCHIP_HAVE_MPI
    int mpi = r.mpi = under_mpi();
    if (mpi) {
        MPI_Init(NULL, NULL);
        MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
        MPI_Comm_size(MPI_COMM_WORLD, &r.size);
    }
#endif
    sc_err err = {0};
    if (sc_dse_space_load(o.space, &r.space, &err) != SC_OK) {
        rc = cli_error(CMD, "%s", err.msg);
    } else {
        r.n = sc_dse_point_count(r.space);
        r.done = calloc(r.n, 1);
        r.tty = !o.quiet && r.rank == 0 && isatty(2);
        rc = r.done ? run_sweep(&r, &o) : cli_error(CMD, "out of memory");
    }
    sc_dse_db_close(r.db);
    sc_dse_space_destroy(r.space);
    free(r.done);
#ifdef SEEDCHIP_HAVE_MPI
    if (mpi) {
        if (rc != CLI_EXIT_OK && r.size > 1) MPI_Abort(MPI_COMM_WORLD, rc);
        MPI_Finalize();
    }
#endif
    return rc;
}
