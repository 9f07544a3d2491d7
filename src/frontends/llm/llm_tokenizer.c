// SPDX-License-Identifier: Apache-2.0
// Tokenizers from checkpoint metadata: SentencePiece-style score merges and byte-level BPE.
#include <stdlib.h>
#include <string.h>

#include "frontends/llm/llm_model.h"

#define SPM_SPACE "\xe2\x96\x81" /* U+2581 LOWER ONE EIGHTH BLOCK: SentencePiece's space */

/* Open-addressing string -> int map (token text -> id, "a b" merge -> rank). */
typedef struct strmap {
    const char **keys;
    int *vals;
    size_t cap;
} strmap;

static uint64_t hash_str(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int map_init(strmap *m, size_t n) {
    m->cap = 16;
    while (m->cap < 2 * n + 16)
        m->cap *= 2;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    return m->keys && m->vals;
}

static void map_free(strmap *m) {
    free(m->keys);
    free(m->vals);
}

/* First insertion wins (duplicate token texts keep the lowest id, as SentencePiece does). */
static void map_put(strmap *m, const char *k, int v) {
    size_t i = hash_str(k, strlen(k)) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], k) == 0) return;
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = k;
    m->vals[i] = v;
}

static int map_get(const strmap *m, const char *k, size_t n) {
    size_t i = hash_str(k, n) & (m->cap - 1);
    while (m->keys[i]) {
        if (strncmp(m->keys[i], k, n) == 0 && m->keys[i][n] == '\0') return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

struct sc_llm_tokenizer {
    sc_llm_tok_kind kind;
    sc_llm_pretok pretok;
    size_t n;
    char **tok;
    float *score;
    char **merge;
    size_t n_merges;
    strmap ids, ranks;
    int bos, eos;
    int byte_tok[256];     /* SPM: id of <0xNN>, -1 if absent */
    char byte_uni[256][4]; /* BPE: the printable code point each byte maps to (UTF-8) */
};

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void put_utf8(char out[4], unsigned cp) {
    memset(out, 0, 4);
    if (cp < 0x80)
        out[0] = (char)cp;
    else {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
    }
}

/* GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards. */
static void init_byte_unicode(sc_llm_tokenizer *t) {
    unsigned next = 256;
    for (unsigned b = 0; b < 256; b++) {
        int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        put_utf8(t->byte_uni[b], printable ? b : next++);
    }
}

void sc_llm_tokenizer_destroy(sc_llm_tokenizer *t) {
    if (!t) return;
    for (size_t i = 0; t->tok && i < t->n; i++)
        free(t->tok[i]);
    for (size_t i = 0; t->merge && i < t->n_merges; i++)
        free(t->merge[i]);
    free(t->tok);
    free(t->merge);
    free(t->score);
    map_free(&t->ids);
    map_free(&t->ranks);
    free(t);
}

static int copy_vocab(sc_llm_tokenizer *t, const char *const *tokens, const float *scores) {
    t->tok = calloc(t->n, sizeof *t->tok);
    t->score = calloc(t->n, sizeof *t->score);
    if (!t->tok || !t->score || !map_init(&t->ids, t->n)) return 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!(t->tok[i] = dupstr(tokens[i] ? tokens[i] : ""))) return 0;
        t->score[i] = scores ? scores[i] : 0.0f;
        map_put(&t->ids, t->tok[i], (int)i);
    }
    return 1;
}

static int copy_merges(sc_llm_tokenizer *t, const char *const *merges) {
    if (!map_init(&t->ranks, t->n_merges)) return 0;
    if (!t->n_merges) return 1;
    t->merge = calloc(t->n_merges, sizeof *t->merge);
    if (!t->merge) return 0;
    for (size_t i = 0; i < t->n_merges; i++) {
        if (!(t->merge[i] = dupstr(merges[i] ? merges[i] : ""))) return 0;
        map_put(&t->ranks, t->merge[i], (int)i);
    }
    return 1;
}

sc_status sc_llm_tokenizer_create(sc_llm_tok_kind kind, const char *const *tokens,
                                  const float *scores, size_t n_tokens, const char *const *merges,
                                  size_t n_merges, int bos_id, int eos_id, sc_llm_tokenizer **out,
                                  sc_err *err) {
    *out = NULL;
    if (!n_tokens || n_tokens > (1u << 22))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "tokenizer: %zu tokens is out of range",
                          n_tokens);
    sc_llm_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return sc_err_set(err, SC_ERR_NOMEM, "tokenizer: out of memory");
    t->kind = kind;
    t->n = n_tokens;
    t->n_merges = merges ? n_merges : 0;
    t->bos = bos_id, t->eos = eos_id;
    if (!copy_vocab(t, tokens, scores) || !copy_merges(t, merges)) {
        sc_llm_tokenizer_destroy(t);
        return sc_err_set(err, SC_ERR_NOMEM, "tokenizer: out of memory");
    }
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        t->byte_tok[b] = map_get(&t->ids, name, strlen(name));
    }
    init_byte_unicode(t);
    *out = t;
    return SC_OK;
}

void sc_llm_tokenizer_set_pretok(sc_llm_tokenizer *t, sc_llm_pretok style) {
    t->pretok = style;
}

size_t sc_llm_tokenizer_size(const sc_llm_tokenizer *t) {
    return t->n;
}

sc_llm_tok_kind sc_llm_tokenizer_kind(const sc_llm_tokenizer *t) {
    return t->kind;
}

/* ---- symbol lists: pieces of text being merged ---- */
typedef struct sym {
    size_t off, len; /* bytes in the working string */
} sym;

static size_t utf8_len(unsigned char c) {
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

static int push_id(int **ids, size_t *n, size_t *cap, int id) {
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        int *p = realloc(*ids, c * sizeof *p);
        if (!p) return 0;
        *ids = p, *cap = c;
    }
    (*ids)[(*n)++] = id;
    return 1;
}

/* Splits s into UTF-8 characters (each character one symbol). */
static sym *split_chars(const char *s, size_t len, size_t *n) {
    sym *v = malloc((len + 1) * sizeof *v);
    if (!v) return NULL;
    *n = 0;
    for (size_t i = 0; i < len;) {
        size_t l = utf8_len((unsigned char)s[i]);
        if (i + l > len) l = len - i;
        v[(*n)++] = (sym){i, l};
        i += l;
    }
    return v;
}

/* Candidate merges, best first: the highest key, then the leftmost pair (as a scan that keeps
 * the first maximum picks). llen and rlen are the two symbols' lengths when the pair formed: a
 * merge that touched either makes the entry stale. */
typedef struct cand {
    double key;
    size_t left, llen, rlen;
} cand;

typedef struct cheap {
    cand *c;
    size_t n, cap;
    int oom;
} cheap;

static int cand_before(const cand *a, const cand *b) {
    return a->key > b->key || (a->key == b->key && a->left < b->left);
}

static void heap_push(cheap *h, cand x) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        cand *c = realloc(h->c, cap * sizeof *c);
        if (!c) {
            h->oom = 1;
            return;
        }
        h->c = c, h->cap = cap;
    }
    size_t i = h->n++;
    for (; i > 0 && cand_before(&x, &h->c[(i - 1) / 2]); i = (i - 1) / 2)
        h->c[i] = h->c[(i - 1) / 2];
    h->c[i] = x;
}

static cand heap_pop(cheap *h) {
    cand top = h->c[0], x = h->c[--h->n];
    size_t i = 0;
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= h->n) break;
        if (k + 1 < h->n && cand_before(&h->c[k + 1], &h->c[k])) k++;
        if (!cand_before(&h->c[k], &x)) break;
        h->c[i] = h->c[k], i = k;
    }
    if (h->n) h->c[i] = x;
    return top;
}

#define NO_SYM ((size_t)-1)

/* Pushes the pair (i, nx[i]) when it may merge: SPM when the joined text is a token (key: its
 * score), BPE when "left right" is a merge rule (key: minus its rank). */
static void push_pair(const sc_llm_tokenizer *t, const char *s, const sym *v, const size_t *nx,
                      size_t i, char *scratch, cheap *h) {
    size_t j = i == NO_SYM ? NO_SYM : nx[i];
    if (j == NO_SYM) return;
    size_t l = v[i].len + v[j].len;
    double key;
    if (t->kind == SC_LLM_TOK_SPM) {
        int id = map_get(&t->ids, s + v[i].off, l);
        if (id < 0) return;
        key = t->score[id];
    } else {
        memcpy(scratch, s + v[i].off, v[i].len);
        scratch[v[i].len] = ' ';
        memcpy(scratch + v[i].len + 1, s + v[j].off, v[j].len);
        int r = map_get(&t->ranks, scratch, l + 1);
        if (r < 0) return;
        key = -(double)r;
    }
    if (key > -1e300) heap_push(h, (cand){key, i, v[i].len, v[j].len}); /* never NaN, -inf */
}

/* Merges adjacent symbols: SPM picks the pair whose joined text has the highest score, BPE the
 * pair with the lowest merge rank, leftmost first among equals; repeats until no pair
 * qualifies. A heap of candidate pairs over a linked list makes a piece of n characters cost
 * O(n log n): a scan of every pair per merge was quadratic, minutes for a long prompt (SPM
 * encodes the whole text as one piece). Returns 0 when out of memory. */
static int merge_symbols(const sc_llm_tokenizer *t, const char *s, sym *v, size_t *n,
                         char *scratch) {
    size_t N = *n, *nx = malloc((N + 1) * sizeof *nx), *pv = malloc((N + 1) * sizeof *pv);
    cheap h = {0};
    h.oom = !nx || !pv;
    for (size_t i = 0; !h.oom && i < N; i++)
        nx[i] = i + 1 < N ? i + 1 : NO_SYM, pv[i] = i ? i - 1 : NO_SYM;
    for (size_t i = 0; !h.oom && i + 1 < N; i++)
        push_pair(t, s, v, nx, i, scratch, &h);
    while (!h.oom && h.n) {
        cand c = heap_pop(&h);
        size_t L = c.left, R = nx[L];
        if (R == NO_SYM || v[L].len != c.llen || v[R].len != c.rlen) continue; /* stale */
        v[L].len += v[R].len;
        v[R].len = 0; /* dead: every live symbol has at least one byte */
        nx[L] = nx[R];
        if (nx[R] != NO_SYM) pv[nx[R]] = L;
        push_pair(t, s, v, nx, pv[L], scratch, &h);
        push_pair(t, s, v, nx, L, scratch, &h);
    }
    size_t k = 0;
    for (size_t i = 0; !h.oom && i < N; i++)
        if (v[i].len) v[k++] = v[i]; /* survivors, in text order */
    if (!h.oom) *n = k;
    int ok = !h.oom;
    free(nx), free(pv), free(h.c);
    return ok;
}

/* Emits the ids of merged symbols; unknown SPM symbols fall back to <0xNN> byte tokens. */
static sc_status emit_symbols(const sc_llm_tokenizer *t, const char *s, const sym *v, size_t n,
                              int **ids, size_t *cnt, size_t *cap, sc_err *err) {
    for (size_t i = 0; i < n; i++) {
        int id = map_get(&t->ids, s + v[i].off, v[i].len);
        if (id >= 0) {
            if (!push_id(ids, cnt, cap, id)) return sc_err_set(err, SC_ERR_NOMEM, "tokenizer: OOM");
            continue;
        }
        for (size_t b = 0; b < v[i].len; b++) {
            int bt = t->byte_tok[(unsigned char)s[v[i].off + b]];
            if (bt < 0)
                return sc_err_set(err, SC_ERR_INVALID_ARG,
                                  "tokenizer: text has a piece that is not in the vocabulary "
                                  "and no byte fallback token exists");
            if (!push_id(ids, cnt, cap, bt)) return sc_err_set(err, SC_ERR_NOMEM, "tokenizer: OOM");
        }
    }
    return SC_OK;
}

static sc_status encode_piece(const sc_llm_tokenizer *t, const char *s, size_t len, int **ids,
                              size_t *cnt, size_t *cap, sc_err *err) {
    size_t n = 0;
    sym *v = split_chars(s, len, &n);
    char *scratch = malloc(len + 2);
    if (!v || !scratch) {
        free(v), free(scratch);
        return sc_err_set(err, SC_ERR_NOMEM, "tokenizer: out of memory");
    }
    sc_status st = merge_symbols(t, s, v, &n, scratch)
                       ? emit_symbols(t, s, v, n, ids, cnt, cap, err)
                       : sc_err_set(err, SC_ERR_NOMEM, "tokenizer: out of memory");
    free(v), free(scratch);
    return st;
}

/* SentencePiece: one piece, "▁" + text with spaces replaced by "▁". */
static sc_status encode_spm(const sc_llm_tokenizer *t, const char *text, int **ids, size_t *cnt,
                            size_t *cap, sc_err *err) {
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_strbuf_append(&sb, SPM_SPACE, 3);
    for (const char *p = text; *p; p++) {
        if (*p == ' ')
            sc_strbuf_append(&sb, SPM_SPACE, 3);
        else
            sc_strbuf_append(&sb, p, 1);
    }
    sc_status s = sb.oom ? sc_err_set(err, SC_ERR_NOMEM, "tokenizer: out of memory")
                         : encode_piece(t, sb.data, sb.len, ids, cnt, cap, err);
    sc_strbuf_free(&sb);
    return s;
}

static sc_status encode_bpe(const sc_llm_tokenizer *t, const char *text, int **ids, size_t *cnt,
                            size_t *cap, sc_err *err) {
    sc_status s = SC_OK;
    for (const char *p = text; s == SC_OK && *p;) {
        size_t w = sc_llm_pretok_next(p, t->pretok);
        sc_strbuf sb;
        sc_strbuf_init(&sb);
        for (size_t i = 0; i < w; i++) {
            const char *u = t->byte_uni[(unsigned char)p[i]];
            sc_strbuf_append(&sb, u, strlen(u));
        }
        s = sb.oom ? sc_err_set(err, SC_ERR_NOMEM, "tokenizer: out of memory")
                   : encode_piece(t, sb.data, sb.len, ids, cnt, cap, err);
        sc_strbuf_free(&sb);
        p += w;
    }
    return s;
}

sc_status sc_llm_tokenize(const sc_llm_tokenizer *t, const char *text, int **out, size_t *n,
                          sc_err *err) {
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    sc_status s = t->kind == SC_LLM_TOK_SPM ? encode_spm(t, text, out, n, &cap, err)
                                            : encode_bpe(t, text, out, n, &cap, err);
    if (s != SC_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return s;
}

/* Byte that a BPE code point stands for, or -1. */
static int bpe_byte(const sc_llm_tokenizer *t, const char *p, size_t *used) {
    for (int b = 0; b < 256; b++) {
        size_t l = strlen(t->byte_uni[b]);
        if (strncmp(p, t->byte_uni[b], l) == 0) {
            *used = l;
            return b;
        }
    }
    return -1;
}

sc_status sc_llm_detokenize(const sc_llm_tokenizer *t, int id, sc_strbuf *sb, sc_err *err) {
    if (id < 0 || (size_t)id >= t->n)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "tokenizer: id %d is outside [0, %zu)", id,
                          t->n);
    const char *s = t->tok[id];
    if (id == t->bos || id == t->eos) return SC_OK;
    if (t->kind == SC_LLM_TOK_SPM) {
        unsigned b;
        if (strlen(s) == 6 && sscanf(s, "<0x%02X>", &b) == 1) {
            char c = (char)b;
            sc_strbuf_append(sb, &c, 1);
            return SC_OK;
        }
        for (const char *p = s; *p;) {
            if (strncmp(p, SPM_SPACE, 3) == 0)
                sc_strbuf_append(sb, " ", 1), p += 3;
            else
                sc_strbuf_append(sb, p++, 1);
        }
        return SC_OK;
    }
    for (const char *p = s; *p;) {
        size_t used = 1;
        int b = bpe_byte(t, p, &used);
        char c = (char)(b >= 0 ? b : (unsigned char)*p);
        sc_strbuf_append(sb, &c, 1);
        p += used;
    }
    return SC_OK;
}
