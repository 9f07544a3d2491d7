// SPDX-License-Identifier: Apache-2.0
// Chip configs: YAML files with units, `base:` inheritance, --set overrides, checked key by key.
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chip/chip.h"
#include "util/ytree.h"

#define MAX_CONFIG_BYTES (1u << 20)
#define MAX_BASE_DEPTH   8

typedef enum { F_STR, F_INT, F_NUM } field_type;

typedef struct chip_field {
    const char *path;
    size_t offset;
    size_t size; /* for strings */
    field_type type;
    sc_unit_kind unit;
    int required;
    double min, max;
    const char *doc;
} chip_field;

#define F_TYPE_STR F_STR
#define F_TYPE_INT F_INT
#define F_TYPE_NUM F_NUM
#define CF(path, member, type, unit, req, lo, hi, doc)                                             \
    {path,                                                                                         \
     offsetof(sc_chip, member),                                                                    \
     sizeof(((sc_chip *)0)->member),                                                               \
     F_TYPE_##type,                                                                                \
     SC_UNIT_##unit,                                                                               \
     req,                                                                                          \
     lo,                                                                                           \
     hi,                                                                                           \
     doc},
static const chip_field FIELDS[] = {
#include "chip/chip_fields.def"
};
#undef CF

const char *sc_chip_config_dir(void) {
    return SEEDCHIP_SOURCE_DIR "/configs";
}

sc_chip_load_params sc_chip_load_default_params(void) {
    sc_chip_load_params p = {0};
    return p;
}

/* ---- locating files ---- */

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int looks_like_path(const char *s) {
    return strchr(s, '/') || sc_str_endswith(s, ".yaml") || sc_str_endswith(s, ".yml");
}

static const char *search_dir(const sc_chip_load_params *p, int i) {
    if (i == 0) return p && p->config_dir ? p->config_dir : NULL;
    if (i == 1) return getenv("SEEDCHIP_CONFIG_DIR");
    if (i == 2) return sc_chip_config_dir();
    if (i == 3) return "/usr/local/share/seedchip/configs";
    return NULL;
}

/* Resolves NAME to NAME.yaml in: relative_dir (for base: lines), then the search path. */
static int resolve_config(const char *name, const char *relative_dir, const sc_chip_load_params *p,
                          char *out, size_t out_len) {
    if (looks_like_path(name)) {
        sc_strlcpy(out, name, out_len);
        return file_exists(out);
    }
    if (relative_dir) {
        snprintf(out, out_len, "%s/%s.yaml", relative_dir, name);
        if (file_exists(out)) return 1;
    }
    for (int i = 0; i < 4; i++) {
        const char *d = search_dir(p, i);
        if (!d || !*d) continue;
        snprintf(out, out_len, "%s/%s.yaml", d, name);
        if (file_exists(out)) return 1;
    }
    return 0;
}

/* ---- loading with inheritance ---- */

static sc_status load_tree(sc_arena *a, const char *name, const char *relative_dir,
                           const sc_chip_load_params *p, int depth, sc_ynode **out, sc_err *err);

static sc_status apply_base(sc_arena *a, const char *path, sc_ynode *root,
                            const sc_chip_load_params *p, int depth, sc_ynode **out, sc_err *err) {
    sc_ynode *base_node = sc_ynode_get(root, "base");
    if (!base_node) {
        *out = root;
        return SC_OK;
    }
    base_node->used = 1;
    if (base_node->kind != SC_Y_SCALAR)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: key 'base': expected a chip name", path,
                          base_node->line);
    if (depth >= MAX_BASE_DEPTH)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s:%d: key 'base': inheritance deeper than %d (a cycle?)", path,
                          base_node->line, MAX_BASE_DEPTH);
    char dir[PATH_MAX], base_path[PATH_MAX];
    sc_path_dir(path, dir, sizeof dir);
    if (!resolve_config(base_node->value, dir, p, base_path, sizeof base_path))
        return sc_err_set(err, SC_ERR_NOT_FOUND, "%s:%d: key 'base': unknown chip '%s'", path,
                          base_node->line, base_node->value);
    sc_ynode *base = NULL;
    sc_status s = load_tree(a, base_node->value, dir, p, depth + 1, &base, err);
    if (s != SC_OK) return s;
    if (base->kind != SC_Y_MAP || sc_ynode_merge(a, base, root, 0))
        return sc_err_set(err, SC_ERR_NOMEM, "%s: cannot merge with base", path);
    *out = base;
    return SC_OK;
}

static sc_status load_tree(sc_arena *a, const char *name, const char *relative_dir,
                           const sc_chip_load_params *p, int depth, sc_ynode **out, sc_err *err) {
    char path[PATH_MAX];
    if (!resolve_config(name, relative_dir, p, path, sizeof path)) {
        if (looks_like_path(name))
            return sc_err_set(err, SC_ERR_NOT_FOUND, "%s: no such config file", name);
        return sc_err_set(err, SC_ERR_NOT_FOUND, "unknown chip '%s' (see `seedchip chip list`)",
                          name);
    }
    unsigned char *text = NULL;
    size_t len = 0;
    sc_status s = sc_read_file(path, MAX_CONFIG_BYTES, &text, &len, err);
    if (s != SC_OK) return s;
    sc_ynode *root = NULL;
    s = sc_yaml_parse(a, path, (const char *)text, len, &root, err);
    free(text);
    if (s != SC_OK) return s;
    if (root->kind != SC_Y_MAP)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: expected a map of keys at top level", path,
                          root->line);
    return apply_base(a, path, root, p, depth, out, err);
}

/* ---- binding the tree to the struct ---- */

__attribute__((format(printf, 4, 5))) static sc_status
field_error(sc_err *err, const sc_ynode *n, const char *path, const char *fmt, ...) {
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (n->line > 0)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: key '%s': %s", n->file, n->line, path, why);
    return sc_err_set(err, SC_ERR_INVALID_ARG, "--set %s: %s", path, why);
}

static sc_status bind_number(sc_chip *c, const chip_field *f, const sc_ynode *n, sc_err *err) {
    double v = 0;
    char why[160];
    if (sc_parse_unit(n->value, f->unit, &v, why, sizeof why))
        return field_error(err, n, f->path, "%s", why);
    if (f->type == F_INT && (v != floor(v)))
        return field_error(err, n, f->path, "expected an integer, got '%s'", n->value);
    if (v < f->min || v > f->max) {
        char range[160];
        snprintf(range, sizeof range, "value %s is outside [%g, %g]", n->value, f->min, f->max);
        return field_error(err, n, f->path, "%s", range);
    }
    unsigned char *dst = (unsigned char *)c + f->offset;
    if (f->type == F_INT) {
        int iv = (int)v;
        memcpy(dst, &iv, sizeof iv);
    } else {
        memcpy(dst, &v, sizeof v);
    }
    return SC_OK;
}

static void mark_path_used(sc_ynode *root, const char *path) {
    char part[128];
    sc_ynode *cur = root;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof part) return;
        memcpy(part, path, len);
        part[len] = '\0';
        cur = sc_ynode_get(cur, part);
        if (cur) cur->used = 1;
        path += len + (dot ? 1 : 0);
    }
}

/* required: 1 = always; 2 = whenever the key's top-level section is present (optional tiers). */
static int field_required(const sc_ynode *root, const chip_field *f) {
    if (f->required != 2) return f->required;
    char section[64];
    size_t len = strcspn(f->path, ".");
    if (len >= sizeof section) return 0;
    memcpy(section, f->path, len);
    section[len] = '\0';
    return sc_ynode_get(root, section) != NULL;
}

static sc_status bind_field(sc_chip *c, sc_ynode *root, const chip_field *f, const char *file,
                            sc_err *err) {
    sc_ynode *n = sc_ynode_path(root, f->path);
    if (!n) {
        if (field_required(root, f))
            return sc_err_set(err, SC_ERR_PARSE, "%s: missing required key '%s' (%s)", file,
                              f->path, f->doc);
        return SC_OK;
    }
    mark_path_used(root, f->path);
    if (n->kind != SC_Y_SCALAR)
        return field_error(err, n, f->path, "expected a single value%s", "");
    if (f->type == F_STR) {
        if (strlen(n->value) >= f->size)
            return field_error(err, n, f->path, "text longer than %s characters",
                               f->size > 64 ? "255" : "63");
        sc_strlcpy((char *)c + f->offset, n->value, f->size);
        return SC_OK;
    }
    return bind_number(c, f, n, err);
}

static sc_status check_unknown(sc_ynode *root, sc_err *err) {
    char path[512];
    const sc_ynode *bad = sc_ynode_first_unused(root, path, sizeof path);
    if (!bad) return SC_OK;
    if (bad->line > 0)
        return sc_err_set(err, SC_ERR_PARSE, "%s:%d: unknown key '%s'", bad->file, bad->line, path);
    return sc_err_set(err, SC_ERR_INVALID_ARG, "--set %s: unknown key", path);
}

static sc_status check_consistency(const sc_chip *c, const char *file, sc_err *err) {
    if (strcmp(c->kind, "accelerator") != 0 && strcmp(c->kind, "gpu") != 0)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: key 'kind': expected accelerator or gpu, got '%s'", file, c->kind);
    if (c->mesh_x * c->mesh_y < c->cores && strcmp(c->kind, "accelerator") == 0)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: key 'noc': a %dx%d mesh cannot hold %d tensor cores", file,
                          c->mesh_x, c->mesh_y, c->cores);
    if (c->hbm.bus_bits % (c->hbm.channels * c->hbm.pseudo_channels) != 0)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: key 'hbm.bus_width': %d pins do not split over %d x %d channels",
                          file, c->hbm.bus_bits, c->hbm.channels, c->hbm.pseudo_channels);
    if (c->idle_w > c->tdp_w)
        return sc_err_set(err, SC_ERR_PARSE, "%s: key 'power.idle' exceeds 'power.tdp'", file);
    return SC_OK;
}

static sc_status bind_chip(sc_chip *c, sc_ynode *root, const char *file, sc_err *err) {
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < SC_ARRAY_LEN(FIELDS); i++) {
        sc_status s = bind_field(c, root, &FIELDS[i], file, err);
        if (s != SC_OK) return s;
    }
    sc_status s = check_unknown(root, err);
    if (s != SC_OK) return s;
    /* E5M2 shares the FP8 datapath; INT4 operands are widened to INT8 unless stated. */
    c->mma_rate[SC_DTYPE_FP8_E5M2] = c->mma_rate[SC_DTYPE_FP8_E4M3];
    c->e_mac[SC_DTYPE_FP8_E5M2] = c->e_mac[SC_DTYPE_FP8_E4M3];
    if (!sc_ynode_path(root, "tensor_core.rate.int4"))
        c->mma_rate[SC_DTYPE_INT4] = c->mma_rate[SC_DTYPE_INT8];
    c->e_mac[SC_DTYPE_INT4] = c->e_mac[SC_DTYPE_INT8];
    /* fp64 lanes: a quarter of fp32 unless stated (each fp64 lane pairs two fp32 lanes' adders
     * and takes the multiplier twice; docs/ARCHITECTURE.md) */
    if (!sc_ynode_path(root, "tensor_core.vector_fp64_rate")) c->vec_fp64_rate = 0.25;
    c->hbm.present = 1;
    c->lpddr.present = sc_ynode_get(root, "lpddr") != NULL;
    sc_strlcpy(c->source, file, sizeof c->source);
    return check_consistency(c, file, err);
}

static sc_status chip_load(const char *name, const sc_chip_load_params *p, sc_chip **out,
                           sc_err *err) {
    sc_arena *a = sc_arena_create(0);
    if (!a) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sc_ynode *root = NULL;
    sc_status s = load_tree(a, name, NULL, p, 0, &root, err);
    for (size_t i = 0; s == SC_OK && p && i < p->n_overrides; i++)
        s = sc_ynode_set_path(a, root, p->overrides[i], err);
    char file[PATH_MAX];
    if (s == SC_OK && !resolve_config(name, NULL, p, file, sizeof file))
        sc_strlcpy(file, name, sizeof file);
    sc_chip *c = s == SC_OK ? calloc(1, sizeof *c) : NULL;
    if (s == SC_OK && !c) s = sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    if (s == SC_OK) s = bind_chip(c, root, file, err);
    sc_arena_destroy(a);
    if (s != SC_OK) {
        free(c);
        return s;
    }
    *out = c;
    return SC_OK;
}

sc_status sc_chip_load(const char *name_or_path, const sc_chip_load_params *params, sc_chip **out,
                       char *errbuf, size_t errbuf_len) {
    sc_err err = {0};
    if (out) *out = NULL;
    sc_status s;
    if (!name_or_path || !out)
        s = sc_err_set(&err, SC_ERR_INVALID_ARG, "sc_chip_load: NULL argument");
    else
        s = chip_load(name_or_path, params, out, &err);
    if (s != SC_OK && errbuf && errbuf_len) sc_strlcpy(errbuf, err.msg, errbuf_len);
    return s;
}

void sc_chip_destroy(sc_chip *chip) {
    free(chip);
}

/* ---- listing ---- */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

sc_status sc_chip_list(const char *config_dir, void (*fn)(const char *, const char *, void *),
                       void *user) {
    sc_chip_load_params p = sc_chip_load_default_params();
    p.config_dir = config_dir;
    const char *dir = NULL;
    for (int i = 0; i < 4 && !dir; i++) {
        const char *d = search_dir(&p, i);
        struct stat st;
        if (d && *d && stat(d, &st) == 0 && S_ISDIR(st.st_mode)) dir = d;
    }
    if (!dir) return SC_ERR_NOT_FOUND;
    DIR *dh = opendir(dir);
    if (!dh) return SC_ERR_IO;
    char *names[512];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dh)) && n < SC_ARRAY_LEN(names)) {
        if (!sc_str_endswith(de->d_name, ".yaml")) continue;
        names[n] = strdup(de->d_name);
        if (names[n]) names[n][strlen(names[n]) - 5] = '\0', n++;
    }
    closedir(dh);
    qsort(names, n, sizeof names[0], cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.yaml", dir, names[i]);
        fn(names[i], path, user);
        free(names[i]);
    }
    return SC_OK;
}
