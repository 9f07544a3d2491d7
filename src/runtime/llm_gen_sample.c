// SPDX-License-Identifier: Apache-2.0
// Token sampling: greedy, temperature, top-k, top-p with a seeded splitmix64 PRNG (no globals).
#include <math.h>
#include <stdlib.h>

#include "runtime/llm_gen.h"

void sc_llm_rng_seed(sc_llm_rng *r, uint64_t seed) {
    r->s = seed;
}

uint64_t sc_llm_rng_next(sc_llm_rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float sc_llm_rng_uniform(sc_llm_rng *r) {
    return (float)(sc_llm_rng_next(r) >> 40) / 16777216.0f; /* 24 random bits */
}

static int argmax(const float *v, int n) {
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

/* Descending probability, ties by id (deterministic order for a given seed). */
static int cmp_desc(const void *a, const void *b) {
    const sc_llm_cand *x = a, *y = b;
    return x->p < y->p ? 1 : x->p > y->p ? -1 : (x->id > y->id) - (x->id < y->id);
}

int sc_llm_sample(const float *logits, int n, float temperature, int top_k, float top_p,
                  sc_llm_rng *rng, sc_llm_cand *c) {
    if (temperature <= 0 || n == 1) return argmax(logits, n);
    float mx = logits[argmax(logits, n)];
    double sum = 0;
    for (int i = 0; i < n; i++) {
        c[i].p = expf((logits[i] - mx) / temperature);
        c[i].id = i;
        sum += c[i].p;
    }
    for (int i = 0; i < n; i++)
        c[i].p = (float)(c[i].p / sum);
    qsort(c, (size_t)n, sizeof *c, cmp_desc);
    int keep = top_k > 0 && top_k < n ? top_k : n;
    double mass = 0;
    for (int i = 0; i < keep; i++) {
        mass += c[i].p;
        if (top_p < 1 && mass >= top_p) {
            keep = i + 1;
            break;
        }
    }
    double total = 0;
    for (int i = 0; i < keep; i++)
        total += c[i].p;
    double r = sc_llm_rng_uniform(rng) * total, acc = 0;
    for (int i = 0; i < keep; i++) {
        acc += c[i].p;
        if (r < acc) return c[i].id;
    }
    return c[keep - 1].id;
}
