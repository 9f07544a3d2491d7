// SPDX-License-Identifier: Apache-2.0
// --calib PATH for `seedchip compile` / `run`: directories and tensor files -> calibration sets.
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "runtime/onnx_testdata.h"
#include "util/util.h"

#define CALIB_MAX_SETS 1024

int onnx_cli_calib(const char *cmd, const char *const *paths, int n_paths, int n_inputs,
                   sc_tensor **sets, int *n_sets);

static int is_dir(const char *p) {
    struct stat sb;
    return !stat(p, &sb) && S_ISDIR(sb.st_mode);
}

static int exists(const char *p) {
    struct stat sb;
    return !stat(p, &sb) && S_ISREG(sb.st_mode);
}

/* DIR/input_K.pb (or input_K.npy), K = 0.. until one is missing: one set of n tensors. */
static int read_set(const char *cmd, const char *dir, int n, sc_tensor *out) {
    char p[4200];
    for (int k = 0; k < n; k++) {
        snprintf(p, sizeof p, "%s/input_%d.pb", dir, k);
        if (!exists(p)) snprintf(p, sizeof p, "%s/input_%d.npy", dir, k);
        if (!exists(p))
            return cli_error(
                cmd, "--calib: %s has no input_%d.pb or .npy (the model has %d inputs)", dir, k, n);
        sc_err err = {0};
        if (sc_tensor_read_file(p, &out[k], &err) != SC_OK) return cli_error(cmd, "%s", err.msg);
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Subdirectories of dir holding input_0.pb/.npy, sorted by name (caller frees each and *out). */
static int list_sets(const char *dir, char ***out) {
    DIR *d = opendir(dir);
    int n = 0;
    *out = calloc(CALIB_MAX_SETS + 1, sizeof **out);
    if (!d || !*out) {
        if (d) closedir(d);
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < CALIB_MAX_SETS) {
        char p[4200], q[4300], r[4300];
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        snprintf(q, sizeof q, "%s/input_0.pb", p);
        snprintf(r, sizeof r, "%s/input_0.npy", p);
        if (is_dir(p) && (exists(q) || exists(r)) && !((*out)[n] = strdup(p))) break;
        if (is_dir(p) && (exists(q) || exists(r))) n++;
    }
    closedir(d);
    qsort(*out, (size_t)n, sizeof **out, cmp_str);
    return n;
}

/* Appends the sets one PATH names to *sets (grown as needed). */
static int add_path(const char *cmd, const char *path, int n_inputs, sc_tensor **sets, int *n) {
    char **dirs = NULL, *one[1] = {(char *)path};
    char p0[4200], p1[4200];
    snprintf(p0, sizeof p0, "%s/input_0.pb", path);
    snprintf(p1, sizeof p1, "%s/input_0.npy", path);
    int nd = 1, single_file = !is_dir(path), rc = 0;
    if (!single_file && !exists(p0) && !exists(p1)) {
        nd = list_sets(path, &dirs);
        if (nd <= 0) rc = cli_error(cmd, "--calib: %s holds no input_0.pb/.npy sets", path);
    } else if (single_file && n_inputs != 1)
        rc = cli_error(cmd, "--calib: %s is one tensor, the model has %d inputs (give directories)",
                       path, n_inputs);
    for (int i = 0; !rc && i < nd; i++) {
        if (*n + 1 > CALIB_MAX_SETS) {
            rc = cli_error(cmd, "--calib: more than %d calibration sets", CALIB_MAX_SETS);
            break;
        }
        sc_tensor *g = realloc(*sets, (size_t)(*n + 1) * (size_t)n_inputs * sizeof *g + 1);
        if (!g) {
            rc = cli_error(cmd, "out of memory");
            break;
        }
        *sets = g;
        sc_tensor *s = g + (size_t)*n * (size_t)n_inputs;
        memset(s, 0, (size_t)n_inputs * sizeof *s);
        (*n)++;
        sc_err err = {0};
        if (single_file && sc_tensor_read_file(path, s, &err) != SC_OK)
            rc = cli_error(cmd, "%s", err.msg);
        else if (!single_file)
            rc = read_set(cmd, (dirs ? dirs : one)[i], n_inputs, s);
    }
    for (int i = 0; dirs && i < CALIB_MAX_SETS && dirs[i]; i++)
        free(dirs[i]);
    free(dirs);
    return rc;
}

int onnx_cli_calib(const char *cmd, const char *const *paths, int n_paths, int n_inputs,
                   sc_tensor **sets, int *n_sets) {
    *sets = NULL, *n_sets = 0;
    if (n_inputs <= 0 && n_paths)
        return cli_error(cmd, "--calib: no model inputs to match (give --input NAME=FILE or "
                              "test_data_set_0 beside the model)");
    for (int i = 0; i < n_paths; i++)
        if (add_path(cmd, paths[i], n_inputs, sets, n_sets)) {
            sc_tensor_array_free(*sets, *n_sets * n_inputs);
            *sets = NULL, *n_sets = 0;
            return -1;
        }
    return 0;
}
