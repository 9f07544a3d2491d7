// SPDX-License-Identifier: Apache-2.0
// Byte-level BPE pre-tokenisers: the GPT-2 and Llama 3 / Qwen2 splitting rules, written by hand.
/* The reference rules are regular expressions over Unicode classes:
 *   GPT-2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   Qwen2:   as Llama 3 with single digits (\p{N}).
 * Here classes are ASCII; every byte >= 0x80 counts as a letter (so non-Latin scripts group like
 * letters, while non-ASCII punctuation or digits may split differently from the regex). The
 * alternatives are tried in order, as the regex engine does. */
#include <ctype.h>
#include <string.h>

#include "frontends/llm/llm_model.h"

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
static int is_letter(unsigned char c) {
    return isalpha(c) || c >= 0x80;
}
static int is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
static int is_other(unsigned char c) {
    return c && !is_space(c) && !is_letter(c) && !is_digit(c);
}

/* 's 't 're 've 'm 'll 'd (case-insensitive for Llama 3). */
static size_t contraction(const char *s, int icase) {
    if (s[0] != '\'') return 0;
    static const char *const suf[] = {"s", "t", "re", "ve", "m", "ll", "d"};
    for (size_t i = 0; i < sizeof suf / sizeof suf[0]; i++) {
        size_t n = strlen(suf[i]);
        int ok = 1;
        for (size_t k = 0; k < n && ok; k++) {
            char c = s[1 + k];
            ok = icase ? tolower((unsigned char)c) == suf[i][k] : c == suf[i][k];
        }
        if (ok) return n + 1;
    }
    return 0;
}

static size_t run(const char *s, size_t i, int (*pred)(unsigned char)) {
    while (s[i] && pred((unsigned char)s[i]))
        i++;
    return i;
}

/* \s+(?!\S) then \s+: a whitespace run leaves its last character to a following non-space. */
static size_t spaces(const char *s) {
    size_t n = run(s, 0, is_space);
    if (s[n] && n > 1) return n - 1;
    return n;
}

static size_t next_gpt2(const char *s) {
    size_t n = contraction(s, 0);
    if (n) return n;
    size_t i = s[0] == ' ' ? 1 : 0;
    unsigned char c = (unsigned char)s[i];
    if (is_letter(c)) return run(s, i, is_letter);
    if (is_digit(c)) return run(s, i, is_digit);
    if (is_other(c)) return run(s, i, is_other);
    return spaces(s);
}

static int is_crlf(unsigned char c) {
    return c == '\r' || c == '\n';
}

static size_t next_llama3(const char *s, int max_digits) {
    size_t n = contraction(s, 1);
    if (n) return n;
    unsigned char c0 = (unsigned char)s[0];
    /* [^\r\n\p{L}\p{N}]?\p{L}+ */
    size_t i = c0 && !is_crlf(c0) && !is_letter(c0) && !is_digit(c0) ? 1 : 0;
    if (is_letter((unsigned char)s[i])) return run(s, i, is_letter);
    if (is_letter(c0)) return run(s, 0, is_letter);
    if (is_digit(c0)) { /* \p{N}{1,3} */
        size_t k = 1;
        while (k < (size_t)max_digits && is_digit((unsigned char)s[k]))
            k++;
        return k;
    }
    /*  ?[^\s\p{L}\p{N}]+[\r\n]* */
    i = c0 == ' ' ? 1 : 0;
    if (is_other((unsigned char)s[i])) return run(s, run(s, i, is_other), is_crlf);
    /* \s*[\r\n]+ : the longest whitespace prefix that ends in a newline */
    size_t ws = run(s, 0, is_space), last_nl = 0;
    for (size_t k = 0; k < ws; k++)
        if (is_crlf((unsigned char)s[k])) last_nl = k + 1;
    if (last_nl) return last_nl;
    return spaces(s);
}

size_t sc_llm_pretok_next(const char *s, sc_llm_pretok style) {
    if (!*s) return 0;
    switch (style) {
    case SC_LLM_PRETOK_LLAMA3:
        return next_llama3(s, 3);
    case SC_LLM_PRETOK_QWEN2:
        return next_llama3(s, 1);
    default:
        return next_gpt2(s);
    }
}

sc_llm_pretok sc_llm_pretok_from_name(const char *name) {
    if (!name) return SC_LLM_PRETOK_GPT2;
    if (strcmp(name, "llama-bpe") == 0 || strcmp(name, "llama3") == 0 ||
        strcmp(name, "smaug-bpe") == 0)
        return SC_LLM_PRETOK_LLAMA3;
    if (strcmp(name, "qwen2") == 0 || strcmp(name, "deepseek-llm") == 0) return SC_LLM_PRETOK_QWEN2;
    return SC_LLM_PRETOK_GPT2;
}
