// SPDX-License-Identifier: Apache-2.0
// YAML documents as arena-allocated trees with line numbers (parsed by libyaml, never by hand).
#ifndef SC_YTREE_H
#define SC_YTREE_H

#include "util/util.h"

typedef enum sc_ykind { SC_Y_SCALAR, SC_Y_MAP, SC_Y_SEQ } sc_ykind;

typedef struct sc_ynode sc_ynode;
struct sc_ynode {
    sc_ykind kind;
    const char *value; /* scalars only */
    const char *file;  /* where the node was written ("--set" for command-line overrides) */
    int line;          /* 1-based; 0 for overrides */
    size_t n, cap;
    const char **keys; /* maps: keys[i] names items[i] */
    sc_ynode **items;  /* maps and sequences */
    int used;          /* set by consumers; unused map keys are reported as unknown */
    uint32_t *index;   /* large maps: hash of keys -> position + 1 (0 = empty); NULL when small */
    size_t index_cap;  /* power of two, at least twice n */
};

/* Limits that keep hostile documents from exhausting memory or driving deep nesting. */
#define SC_YAML_MAX_DEPTH  32
#define SC_YAML_MAX_NODES  100000
#define SC_YAML_MAX_SCALAR 4096

/* Parses one YAML document. Anchors/aliases and multiple documents are rejected. */
sc_status sc_yaml_parse(sc_arena *a, const char *file, const char *text, size_t len, sc_ynode **out,
                        sc_err *err);

sc_ynode *sc_ynode_new(sc_arena *a, sc_ykind kind, const char *file, int line);
/* Appends (seq: key NULL) or sets (map) a child; returns 0 or -1 on OOM. */
int sc_ynode_put(sc_arena *a, sc_ynode *parent, const char *key, sc_ynode *child);
sc_ynode *sc_ynode_get(const sc_ynode *map, const char *key);
/* Dotted path lookup ("hbm.stacks"). */
sc_ynode *sc_ynode_path(const sc_ynode *root, const char *path);

/* Deep-merges overlay into base (maps merge key by key, anything else replaces). */
int sc_ynode_merge(sc_arena *a, sc_ynode *base, const sc_ynode *overlay, int depth);
/* Applies "a.b.c=value" creating maps as needed. */
sc_status sc_ynode_set_path(sc_arena *a, sc_ynode *root, const char *assignment, sc_err *err);
/* Finds the first map key not marked used (depth-first); returns its node, writes its dotted path.
 */
const sc_ynode *sc_ynode_first_unused(const sc_ynode *root, char *path, size_t path_len);

#endif
