// SPDX-License-Identifier: Apache-2.0
// YAML -> tree via libyaml's event API, with an explicit stack (input cannot drive C recursion).
#include <string.h>
#include <yaml.h>

#include "util/ytree.h"

sc_ynode *sc_ynode_new(sc_arena *a, sc_ykind kind, const char *file, int line) {
    sc_ynode *n = sc_arena_alloc(a, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->file = file;
    n->line = line;
    return n;
}

static int ynode_grow(sc_arena *a, sc_ynode *p) {
    size_t cap = p->cap ? p->cap * 2 : 8;
    const char **keys = sc_arena_alloc(a, cap * sizeof *keys);
    sc_ynode **items = sc_arena_alloc(a, cap * sizeof *items);
    if (!keys || !items) return -1;
    if (p->n) {
        memcpy(keys, p->keys, p->n * sizeof *keys);
        memcpy(items, p->items, p->n * sizeof *items);
    }
    p->keys = keys;
    p->items = items;
    p->cap = cap;
    return 0;
}

/* Maps with more keys than this get a hash index: a linear search per key made a hostile 1 MB
 * document with 50,000 keys take half a minute to reject. */
#define INDEX_MIN_KEYS 16

static size_t key_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static void index_put(uint32_t *index, size_t cap, const char *key, size_t pos) {
    size_t i = key_hash(key) & (cap - 1);
    while (index[i])
        i = (i + 1) & (cap - 1);
    index[i] = (uint32_t)pos + 1;
}

/* Position of key in the map, or -1. */
static long ynode_find(const sc_ynode *map, const char *key) {
    if (!map->index) {
        for (size_t i = 0; i < map->n; i++)
            if (strcmp(map->keys[i], key) == 0) return (long)i;
        return -1;
    }
    for (size_t i = key_hash(key) & (map->index_cap - 1);; i = (i + 1) & (map->index_cap - 1)) {
        uint32_t k = map->index[i];
        if (!k) return -1;
        if (strcmp(map->keys[k - 1], key) == 0) return (long)k - 1;
    }
}

/* Indexes the map's last key, rebuilding the index when it would pass half full. */
static int ynode_index_last(sc_arena *a, sc_ynode *p) {
    if (p->n < INDEX_MIN_KEYS) return 0;
    if (2 * p->n > p->index_cap) {
        size_t cap = p->index_cap ? 2 * p->index_cap : 4 * INDEX_MIN_KEYS;
        uint32_t *index = sc_arena_alloc(a, cap * sizeof *index);
        if (!index) return -1;
        for (size_t i = 0; i < p->n; i++)
            index_put(index, cap, p->keys[i], i);
        p->index = index;
        p->index_cap = cap;
        return 0;
    }
    index_put(p->index, p->index_cap, p->keys[p->n - 1], p->n - 1);
    return 0;
}

int sc_ynode_put(sc_arena *a, sc_ynode *parent, const char *key, sc_ynode *child) {
    if (parent->kind == SC_Y_MAP) {
        long i = ynode_find(parent, key);
        if (i >= 0) {
            parent->items[i] = child;
            return 0;
        }
    }
    if (parent->n == parent->cap && ynode_grow(a, parent)) return -1;
    parent->keys[parent->n] = key;
    parent->items[parent->n++] = child;
    return parent->kind == SC_Y_MAP ? ynode_index_last(a, parent) : 0;
}

sc_ynode *sc_ynode_get(const sc_ynode *map, const char *key) {
    if (!map || map->kind != SC_Y_MAP) return NULL;
    long i = ynode_find(map, key);
    return i >= 0 ? map->items[i] : NULL;
}

sc_ynode *sc_ynode_path(const sc_ynode *root, const char *path) {
    char part[128];
    const sc_ynode *cur = root;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof part) return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        cur = sc_ynode_get(cur, part);
        path += len + (dot ? 1 : 0);
    }
    return (sc_ynode *)cur;
}

/* ---- parser ---- */

typedef struct yparse {
    sc_arena *a;
    const char *file;
    sc_ynode *stack[SC_YAML_MAX_DEPTH];
    const char *pending_key[SC_YAML_MAX_DEPTH]; /* map key waiting for its value */
    int depth;
    size_t nodes;
    sc_ynode *root;
    sc_err *err;
} yparse;

static sc_status yp_fail(yparse *p, int line, const char *what) {
    return sc_err_set(p->err, SC_ERR_PARSE, "%s:%d: %s", p->file, line, what);
}

/* Attaches a finished node (or scalar) to the container on top of the stack. */
static sc_status yp_attach(yparse *p, sc_ynode *n, int line) {
    if (++p->nodes > SC_YAML_MAX_NODES) return yp_fail(p, line, "document has too many nodes");
    if (p->depth == 0) {
        if (p->root) return yp_fail(p, line, "more than one top-level value");
        p->root = n;
        return SC_OK;
    }
    sc_ynode *top = p->stack[p->depth - 1];
    if (top->kind == SC_Y_SEQ)
        return sc_ynode_put(p->a, top, NULL, n) ? yp_fail(p, line, "out of memory") : SC_OK;
    const char *key = p->pending_key[p->depth - 1];
    if (!key) {
        if (n->kind != SC_Y_SCALAR) return yp_fail(p, line, "map keys must be plain scalars");
        if (sc_ynode_get(top, n->value)) {
            char msg[256];
            snprintf(msg, sizeof msg, "duplicate key '%.100s'", n->value);
            return yp_fail(p, line, msg);
        }
        p->pending_key[p->depth - 1] = n->value;
        return SC_OK;
    }
    p->pending_key[p->depth - 1] = NULL;
    return sc_ynode_put(p->a, top, key, n) ? yp_fail(p, line, "out of memory") : SC_OK;
}

static sc_status yp_push(yparse *p, sc_ykind kind, int line) {
    if (p->depth >= SC_YAML_MAX_DEPTH) return yp_fail(p, line, "nesting too deep");
    sc_ynode *n = sc_ynode_new(p->a, kind, p->file, line);
    if (!n) return yp_fail(p, line, "out of memory");
    sc_status s = yp_attach(p, n, line);
    if (s != SC_OK) return s;
    p->stack[p->depth] = n;
    p->pending_key[p->depth] = NULL;
    p->depth++;
    return SC_OK;
}

static sc_status yp_scalar(yparse *p, const yaml_event_t *ev, int line) {
    size_t len = ev->data.scalar.length;
    if (len > SC_YAML_MAX_SCALAR) return yp_fail(p, line, "scalar too long");
    sc_ynode *n = sc_ynode_new(p->a, SC_Y_SCALAR, p->file, line);
    char *v = n ? sc_arena_alloc(p->a, len + 1) : NULL;
    if (!v) return yp_fail(p, line, "out of memory");
    memcpy(v, ev->data.scalar.value, len);
    if (memchr(v, '\0', len)) return yp_fail(p, line, "NUL byte in scalar");
    n->value = v;
    return yp_attach(p, n, line);
}

static sc_status yp_event(yparse *p, const yaml_event_t *ev, int *done) {
    int line = (int)ev->start_mark.line + 1;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return yp_scalar(p, ev, line);
    case YAML_MAPPING_START_EVENT:
        return yp_push(p, SC_Y_MAP, line);
    case YAML_SEQUENCE_START_EVENT:
        return yp_push(p, SC_Y_SEQ, line);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (p->depth == 0) return yp_fail(p, line, "unbalanced document");
        p->depth--;
        return SC_OK;
    case YAML_ALIAS_EVENT:
        return yp_fail(p, line, "YAML aliases are not supported");
    case YAML_DOCUMENT_START_EVENT:
        if (p->root) return yp_fail(p, line, "only one YAML document per file");
        return SC_OK;
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return SC_OK;
    default:
        return SC_OK;
    }
}

sc_status sc_yaml_parse(sc_arena *a, const char *file, const char *text, size_t len, sc_ynode **out,
                        sc_err *err) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return sc_err_set(err, SC_ERR_NOMEM, "%s: cannot create YAML parser", file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yparse p = {.a = a, .file = sc_arena_strdup(a, file), .err = err};
    sc_status s = SC_OK;
    int done = 0;
    while (!done && s == SC_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            s = sc_err_set(err, SC_ERR_PARSE, "%s:%d: %s", file, (int)parser.problem_mark.line + 1,
                           parser.problem ? parser.problem : "invalid YAML");
            break;
        }
        s = yp_event(&p, &ev, &done);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (s == SC_OK && !p.root) s = sc_err_set(err, SC_ERR_PARSE, "%s: empty document", file);
    *out = s == SC_OK ? p.root : NULL;
    return s;
}

/* ---- tree edits ---- */

int sc_ynode_merge(sc_arena *a, sc_ynode *base, const sc_ynode *overlay, int depth) {
    if (depth > SC_YAML_MAX_DEPTH) return -1;
    for (size_t i = 0; i < overlay->n; i++) {
        sc_ynode *b = sc_ynode_get(base, overlay->keys[i]);
        sc_ynode *o = overlay->items[i];
        if (b && b->kind == SC_Y_MAP && o->kind == SC_Y_MAP) {
            if (sc_ynode_merge(a, b, o, depth + 1)) return -1;
        } else if (sc_ynode_put(a, base, overlay->keys[i], o)) {
            return -1;
        }
    }
    return 0;
}

sc_status sc_ynode_set_path(sc_arena *a, sc_ynode *root, const char *assignment, sc_err *err) {
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "--set '%s': expected KEY=VALUE", assignment);
    char *path = sc_arena_alloc(a, (size_t)(eq - assignment) + 1);
    if (!path) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    memcpy(path, assignment, (size_t)(eq - assignment));
    sc_ynode *cur = root;
    char *part = path;
    for (int depth = 0;; depth++) {
        char *dot = strchr(part, '.');
        if (dot) *dot = '\0';
        if (!*part || depth > SC_YAML_MAX_DEPTH || cur->kind != SC_Y_MAP)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "--set '%s': bad key path", assignment);
        if (!dot) {
            sc_ynode *v = sc_ynode_new(a, SC_Y_SCALAR, "--set", 0);
            if (!v || !(v->value = sc_arena_strdup(a, eq + 1)) || sc_ynode_put(a, cur, part, v))
                return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
            return SC_OK;
        }
        sc_ynode *next = sc_ynode_get(cur, part);
        if (!next) {
            next = sc_ynode_new(a, SC_Y_MAP, "--set", 0);
            if (!next || sc_ynode_put(a, cur, part, next))
                return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        }
        cur = next;
        part = dot + 1;
    }
}

const sc_ynode *sc_ynode_first_unused(const sc_ynode *root, char *path, size_t path_len) {
    /* Iterative depth-first walk over maps; the stack is bounded by the parse depth limit. */
    const sc_ynode *stack[SC_YAML_MAX_DEPTH + 2];
    size_t idx[SC_YAML_MAX_DEPTH + 2];
    int sp = 0;
    stack[0] = root;
    idx[0] = 0;
    while (sp >= 0) {
        const sc_ynode *m = stack[sp];
        if (m->kind != SC_Y_MAP || idx[sp] >= m->n) {
            sp--;
            continue;
        }
        size_t i = idx[sp]++;
        const sc_ynode *child = m->items[i];
        if (!child->used) {
            path[0] = '\0';
            for (int k = 0; k <= sp; k++) {
                size_t len = strlen(path);
                snprintf(path + len, path_len - len, "%s%s", k ? "." : "",
                         stack[k]->keys[idx[k] - 1]);
            }
            return child;
        }
        if (child->kind == SC_Y_MAP && sp + 1 <= SC_YAML_MAX_DEPTH) {
            stack[++sp] = child;
            idx[sp] = 0;
        }
    }
    return NULL;
}
