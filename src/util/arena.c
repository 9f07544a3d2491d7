// SPDX-License-Identifier: Apache-2.0
// Bump-pointer arena: compiler IR and parse trees are freed in one call, never node by node.
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} arena_block;

struct sc_arena {
    arena_block *head;
    size_t block_size;
    size_t total;
};

sc_arena *sc_arena_create(size_t block_size) {
    sc_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    return a;
}

void sc_arena_destroy(sc_arena *a) {
    if (!a) return;
    arena_block *b = a->head;
    while (b) {
        arena_block *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

static arena_block *arena_grow(sc_arena *a, size_t need) {
    size_t cap = need > a->block_size ? need : a->block_size;
    size_t bytes;
    if (sc_add_size(sizeof(arena_block), cap, &bytes)) return NULL;
    arena_block *b = malloc(bytes);
    if (!b) return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = a->head;
    a->head = b;
    return b;
}

void *sc_arena_alloc(sc_arena *a, size_t size) {
    if (!a) return NULL;
    size_t rounded;
    if (sc_add_size(size, 15, &rounded)) return NULL;
    rounded &= ~(size_t)15;
    if (rounded == 0) rounded = 16;
    arena_block *b = a->head;
    if (!b || b->cap - b->used < rounded) b = arena_grow(a, rounded);
    if (!b) return NULL;
    void *p = b->data + b->used;
    b->used += rounded;
    a->total += rounded;
    memset(p, 0, size);
    return p;
}

char *sc_arena_strdup(sc_arena *a, const char *s) {
    size_t n = strlen(s);
    char *p = sc_arena_alloc(a, n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

size_t sc_arena_used(const sc_arena *a) {
    return a ? a->total : 0;
}
