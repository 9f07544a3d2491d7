// SPDX-License-Identifier: Apache-2.0
// Regression tests for inputs the fuzzers broke, and the size limits hostile files run into.
/*
 * Each test named regress_* reproduces one fuzzer finding (the input also lives in
 * fuzz/corpus/TARGET/regress-*, replayed by fuzz_replay_TARGET). See docs/ROBUSTNESS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "frontends/tensor_io.h"
#include "helpers/testutil.h"
#include "isa/isa.h"
#include "mem/mem.h"
#include "serve/serve.h"
#include "util/util.h"
#include "util/ytree.h"

/* Time bounds only mean something without instrumentation: ASan (SEEDCHIP_ASAN, set by
 * `make test-asan`) and valgrind (its preload library) slow everything down 10-50x. */
static int instrumented(void) {
    const char *pre = getenv("LD_PRELOAD");
    return getenv("SEEDCHIP_ASAN") != NULL || (pre && strstr(pre, "valgrind"));
}

/* fuzz_membench_args: with bank hashing on and a stack/channel/PC field as the map's top digit,
 * decode fed the top digit itself into the PC hash while encode used 0, so addresses came back
 * as different addresses (the mapping was not a bijection). */
static void regress_mem_map_top_digit(void **state) {
    (void)state;
    static const char *const maps[] = {"ro.ba.bg.co.pc.ch", "ch.ro.ba.bg.co.pc",
                                       "ro.ba.bg.co.ch.pc", SC_MEM_MAP_DEFAULT};
    static const char *const presets[] = {"hbm3e-12h", "hbm3-8h", "lpddr5x"};
    for (size_t mi = 0; mi < SC_ARRAY_LEN(maps); mi++)
        for (size_t pi = 0; pi < SC_ARRAY_LEN(presets); pi++) {
            sc_err err = {0};
            sc_dram_cfg cfg;
            sc_mem_params params = sc_mem_default_params();
            assert_int_equal(sc_mem_preset(presets[pi], &cfg, &err), SC_OK);
            assert_int_equal(sc_mem_map_parse(maps[mi], &params.map, &err), SC_OK);
            sc_mem *m = NULL;
            if (sc_mem_create(&cfg, &params, &m, &err) != SC_OK) continue; /* sizes mismatch */
            sc_mem_geometry g;
            sc_mem_get_geometry(m, &g);
            /* Addresses spread over the whole space, the one the fuzzer found, and the last. */
            for (uint64_t k = 0; k <= 1000; k++) {
                uint64_t addr = k == 1000 ? g.capacity - 1 : (g.capacity / 1000) * k + 0x80b400;
                addr %= g.capacity;
                sc_mem_coord c;
                uint64_t back = 1;
                assert_int_equal(sc_mem_decode(m, addr, &c, &err), SC_OK);
                assert_int_equal(sc_mem_encode(m, &c, &back, &err), SC_OK);
                if (back != addr - addr % g.burst_bytes)
                    fail_msg("map %s on %s: 0x%llx -> 0x%llx", maps[mi], presets[pi],
                             (unsigned long long)addr, (unsigned long long)back);
            }
            sc_mem_destroy(m);
        }
}

/* fuzz_asm: `.align` before any constant did pointer arithmetic on the NULL constants blob
 * (UBSan: "applying zero offset to null pointer"). */
static void regress_align_before_constants(void **state) {
    (void)state;
    static const char text[] = ".align 16\n.align 4096\n.i32 7\n";
    sc_program *p = NULL;
    sc_err err = {0};
    assert_int_equal(sc_program_assemble(text, sizeof text - 1, "a.s", &p, &err), SC_OK);
    size_t n = 0;
    const uint8_t *c = sc_program_consts(p, &n);
    assert_int_equal(n, 4);
    assert_int_equal(c[0], 7);
    sc_program_destroy(p);
    p = NULL;
    assert_int_equal(sc_program_create(1, &p, &err), SC_OK);
    assert_int_equal(sc_program_add_const(p, NULL, 0, 64, NULL, &err), SC_OK);
    sc_program_consts(p, &n);
    assert_int_equal(n, 0);
    sc_program_destroy(p);
}

/* A YAML file over the 1 MiB config limit is refused before it is parsed. */
static void limit_config_file_size(void **state) {
    (void)state;
    size_t len = (1u << 20) + 16;
    char *big = malloc(len);
    assert_non_null(big);
    memset(big, '#', len);
    big[len - 1] = '\n';
    const char *path = tu_write_temp(".yaml", big, len);
    free(big);
    assert_non_null(path);
    sc_chip *chip = NULL;
    char err[512];
    assert_int_equal(sc_chip_load(path, NULL, &chip, err, sizeof err), SC_ERR_LIMIT);
    assert_null(chip);
    assert_non_null(strstr(err, path));
    remove(path);
}

/* Long scalars, many nodes: errors naming the file and line, not unbounded memory. */
static void limit_yaml_scalar_and_nodes(void **state) {
    (void)state;
    sc_arena *a = sc_arena_create(0);
    sc_ynode *root = NULL;
    sc_err err = {0};
    size_t len = SC_YAML_MAX_SCALAR + 64;
    char *doc = malloc(len + 16);
    assert_non_null(doc);
    memcpy(doc, "name: ", 6);
    memset(doc + 6, 'x', len - 6);
    doc[len] = '\0';
    assert_int_equal(sc_yaml_parse(a, "long.yaml", doc, len, &root, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "long.yaml:1: scalar too long"));
    free(doc);
    /* A flow sequence of SC_YAML_MAX_NODES + 1 items. */
    size_t items = SC_YAML_MAX_NODES + 1;
    doc = malloc(items * 2 + 4);
    assert_non_null(doc);
    size_t n = 0;
    doc[n++] = '[';
    for (size_t i = 0; i < items; i++) {
        doc[n++] = '1';
        doc[n++] = i + 1 < items ? ',' : ']';
    }
    sc_err_clear(&err);
    assert_int_equal(sc_yaml_parse(a, "many.yaml", doc, n, &root, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "too many nodes"));
    free(doc);
    sc_arena_destroy(a);
}

/* Over-long assembler lines and NUL bytes are one FILE:LINE error. */
static void limit_asm_lines(void **state) {
    (void)state;
    size_t len = 5000;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, ' ', len);
    memcpy(text, ".core 0\n", 8);
    sc_program *p = NULL;
    sc_err err = {0};
    assert_int_equal(sc_program_assemble(text, len, "long.s", &p, &err), SC_ERR_PARSE);
    assert_null(p);
    assert_non_null(strstr(err.msg, "long.s:2: line longer than"));
    static const char nul[] = ".core 0\n.queue \0load\n";
    sc_err_clear(&err);
    assert_int_equal(sc_program_assemble(nul, sizeof nul - 1, "nul.s", &p, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "nul.s:2: NUL byte"));
    free(text);
}

/* Hostile assembly with the most descriptors allowed, each instruction naming the last one, and
 * 100k labels: names were found by linear search, so this took hours (minutes for a 12 MB file);
 * with hashed names it takes about a second. The time bound is loose (sanitizer builds). */
static void regress_name_lookup_complexity(void **state) {
    (void)state;
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_strbuf_printf(&sb, ".buffer X spad fp32 16\n");
    for (unsigned i = 0; i < SC_ISA_MAX_DESCS; i++)
        sc_strbuf_printf(&sb, ".desc d%u vec dims=16 d=spad:fp32:X:1 a=spad:fp32:X:1\n", i);
    sc_strbuf_printf(&sb, ".core 0\n.queue compute\n");
    for (unsigned i = 0; i < 100000; i++)
        sc_strbuf_printf(&sb, "L%u: vexp d%u, r0, r0, r0, 0\n  jmp L%u\n", i, SC_ISA_MAX_DESCS - 1,
                         99999 - i);
    sc_strbuf_printf(&sb, "  halt\n");
    assert_false(sb.oom);
    sc_program *p = NULL;
    sc_err err = {0};
    double t0 = sc_now_seconds();
    assert_int_equal(sc_program_assemble(sb.data, sb.len, "big.s", &p, &err), SC_OK);
    double dt = sc_now_seconds() - t0;
    assert_int_equal(sc_program_n_descs(p), SC_ISA_MAX_DESCS);
    size_t n = 0;
    const sc_insn *code = sc_program_code(p, 0, SC_QUEUE_COMPUTE, &n);
    assert_int_equal(n, 200001);
    assert_int_equal(code[0].v[0], SC_ISA_MAX_DESCS - 1);
    assert_int_equal(code[1].v[0], 2 * 99999); /* jmp L99999: the 100000th vexp */
    /* A duplicate name is still found among them all. */
    sc_strbuf_printf(&sb, ".desc d77 vec dims=16 d=spad:fp32:X:1 a=spad:fp32:X:1\n");
    sc_program_destroy(p);
    p = NULL;
    sc_err_clear(&err);
    assert_int_equal(sc_program_assemble(sb.data, sb.len, "big.s", &p, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "desc"));
    sc_strbuf_free(&sb);
    if (!instrumented() && dt > 30) fail_msg("assembling took %.1f s", dt);
}

/* fuzz_npy: a header with 'fortran_order' or 'descr' but no ':' after it crashed the reader
 * (strchr returned NULL); a tiny file whose shape claims gigabytes was allocated before its size
 * was checked. */
static void regress_npy_header(void **state) {
    (void)state;
    static const char *const headers[] = {
        "{'descr': '<f4', 'fortran_order'",
        "{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000, 1000,), }"};
    for (size_t k = 0; k < SC_ARRAY_LEN(headers); k++) {
        uint8_t buf[256];
        size_t hl = strlen(headers[k]);
        memcpy(buf, "\x93NUMPY\x01\x00", 8);
        buf[8] = (uint8_t)hl;
        buf[9] = 0;
        memcpy(buf + 10, headers[k], hl);
        memcpy(buf + 10 + hl, "\0\0\0\0", 4);
        sc_tensor t;
        sc_err err = {0};
        assert_int_not_equal(sc_tensor_from_npy(buf, 10 + hl + 4, "h.npy", &t, &err), SC_OK);
        assert_non_null(strstr(err.msg, "h.npy"));
        assert_null(t.data);
    }
}

/* fuzz_onnx: names inside a model may hold newlines; the CLI still prints one line. */
static void regress_cli_error_one_line(void **state) {
    (void)state;
    const char *bin = getenv("SEEDCHIP_BIN");
    if (!bin) skip();
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' chip show 'bad\nname\r\033[2Jx' 2>&1 >/dev/null | wc -l", bin);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int lines = -1;
    assert_int_equal(fscanf(f, "%d", &lines), 1);
    pclose(f);
    assert_int_equal(lines, 1);
}

/* Review finding: YAML map keys were checked for duplicates by linear search, so a 1 MB config
 * with 50,000 keys took 36 s (11 s of CPU) to reject; maps are now hashed (0.3 s). */
static void regress_wide_yaml_map(void **state) {
    (void)state;
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    for (int i = 0; i < 45000; i++)
        sc_strbuf_printf(&sb, "k%d: %d\n", i, i);
    assert_false(sb.oom);
    sc_arena *a = sc_arena_create(0);
    sc_ynode *root = NULL;
    sc_err err = {0};
    double t0 = sc_now_seconds();
    assert_int_equal(sc_yaml_parse(a, "wide.yaml", sb.data, sb.len, &root, &err), SC_OK);
    assert_int_equal(root->n, 45000);
    for (int i = 0; i < 45000; i += 997) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        sc_ynode *v = sc_ynode_get(root, key);
        assert_non_null(v);
        assert_int_equal(atoi(v->value), i);
    }
    assert_null(sc_ynode_get(root, "k45000"));
    /* Replacing through put keeps one entry per key. */
    sc_ynode *nv = sc_ynode_new(a, SC_Y_SCALAR, "x", 0);
    nv->value = "new";
    assert_int_equal(sc_ynode_put(a, root, "k123", nv), 0);
    assert_int_equal(root->n, 45000);
    assert_string_equal(sc_ynode_get(root, "k123")->value, "new");
    sc_strbuf_printf(&sb, "k40000: again\n"); /* a duplicate far down is still found */
    sc_err_clear(&err);
    assert_int_equal(sc_yaml_parse(a, "wide.yaml", sb.data, sb.len, &root, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "wide.yaml:45001: duplicate key 'k40000'"));
    double dt = sc_now_seconds() - t0;
    sc_arena_destroy(a);
    sc_strbuf_free(&sb);
    if (!instrumented() && dt > 20) fail_msg("wide maps took %.1f s", dt);
}

/* fuzz_serve_trace: a JSONL field that is not a number was named in the error message after the
 * JSON tree holding its name had been freed (heap use after free). */
static void regress_trace_non_number(void **state) {
    (void)state;
    static const char text[] = "{\"arrival\": 0.5, \"prompt_len\": {}, \"output_len\": 3}\n";
    sc_serve_request *r = NULL;
    size_t n = 7;
    sc_err err = {0};
    assert_int_equal(sc_serve_trace_parse("t.jsonl", text, sizeof text - 1, &r, &n, &err),
                     SC_ERR_PARSE);
    assert_null(r);
    assert_int_equal(n, 0);
    assert_string_equal(err.msg, "t.jsonl:1: 'prompt_len' is not a number");
}

/* fuzz_tensor_pb (timeout): a TensorProto of a few bytes whose dims claim 4 GiB was allocated and
 * zeroed before its raw data was compared with the shape. Hand-encoded protobuf: dims 32768 x
 * 32768 (field 1, varint), data_type FLOAT (field 2), raw_data of 4 bytes (field 9). */
static void regress_pb_huge_dims(void **state) {
    (void)state;
    static const uint8_t pb[] = {0x08, 0x80, 0x80, 0x02, 0x08, 0x80, 0x80, 0x02,
                                 0x10, 0x01, 0x4a, 0x04, 0x00, 0x00, 0x80, 0x3f};
    sc_tensor t;
    sc_err err = {0};
    double t0 = sc_now_seconds();
    assert_int_equal(sc_tensor_from_pb(pb, sizeof pb, NULL, "h.pb", &t, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "h.pb: tensor '' raw data is 4 bytes, need 4294967296"));
    assert_null(t.data);
    if (!instrumented() && sc_now_seconds() - t0 > 1)
        fail_msg("refusing took %.2f s", sc_now_seconds() - t0);
}

/* A TensorProto with external data: dims claiming 4 GiB beside a 16-byte file are refused by
 * comparing with the file's size before the tensor is allocated; offsets, missing files and
 * locations outside the model's directory are refused too; a matching file loads. */
static size_t pb_external(uint8_t *b, int64_t d0, const char *loc, const char *off) {
    size_t n = 0;
    b[n++] = 0x08; /* dims: varint */
    for (uint64_t v = (uint64_t)d0;; v >>= 7) {
        b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        if (v <= 0x7f) break;
    }
    b[n++] = 0x08, b[n++] = 0x02, b[n++] = 0x10, b[n++] = 0x01; /* dims 2, float */
    b[n++] = 0x42, b[n++] = 0x01, b[n++] = 'w';                 /* name "w" */
    const char *kv[2][2] = {{"location", loc}, {"offset", off}};
    for (int i = 0; i < (off ? 2 : 1); i++) {
        size_t kl = strlen(kv[i][0]), vl = strlen(kv[i][1]);
        b[n++] = 0x6a, b[n++] = (uint8_t)(kl + vl + 4); /* external_data entry */
        b[n++] = 0x0a, b[n++] = (uint8_t)kl;
        memcpy(b + n, kv[i][0], kl), n += kl;
        b[n++] = 0x12, b[n++] = (uint8_t)vl;
        memcpy(b + n, kv[i][1], vl), n += vl;
    }
    b[n++] = 0x70, b[n++] = 0x01; /* data_location: EXTERNAL */
    return n;
}

static void limit_pb_external_checked_first(void **state) {
    (void)state;
    const char *dir = tu_temp_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/w.bin", dir);
    const float vals[4] = {1, 2, 3, 4};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(vals, 4, 4, f), 4);
    fclose(f);
    uint8_t pb[128];
    sc_tensor t;
    sc_err err = {0};
    size_t n = pb_external(pb, 2, "w.bin", NULL);
    assert_int_equal(sc_tensor_from_pb(pb, n, dir, "m.onnx", &t, &err), SC_OK);
    assert_int_equal(t.nbytes, 16);
    assert_memory_equal(t.data, vals, 16);
    sc_tensor_free(&t);
    sc_err_clear(&err);
    n = pb_external(pb, 1 << 30, "w.bin", NULL); /* 2^31 floats: 8 GiB claimed */
    assert_int_not_equal(sc_tensor_from_pb(pb, n, dir, "m.onnx", &t, &err), SC_OK);
    assert_null(t.data);
    sc_err_clear(&err);
    n = pb_external(pb, 1 << 29, "w.bin", NULL); /* 4 GiB claimed, at the tensor cap */
    assert_int_equal(sc_tensor_from_pb(pb, n, dir, "m.onnx", &t, &err), SC_ERR_PARSE);
    if (!strstr(err.msg, "holds 16 bytes at offset 0, need 4294967296")) fail_msg("%s", err.msg);
    assert_null(t.data);
    sc_err_clear(&err);
    n = pb_external(pb, 2, "w.bin", "4");
    assert_int_equal(sc_tensor_from_pb(pb, n, dir, "m.onnx", &t, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "at offset 4, need 16"));
    sc_err_clear(&err);
    n = pb_external(pb, 2, "missing.bin", NULL);
    assert_int_equal(sc_tensor_from_pb(pb, n, dir, "m.onnx", &t, &err), SC_ERR_IO);
    assert_non_null(strstr(err.msg, "m.onnx: tensor 'w': cannot read external data"));
    sc_err_clear(&err);
    n = pb_external(pb, 2, "../w.bin", NULL);
    assert_int_equal(sc_tensor_from_pb(pb, n, dir, "m.onnx", &t, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "bad external data location"));
    remove(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(regress_mem_map_top_digit),
        cmocka_unit_test(regress_align_before_constants),
        cmocka_unit_test(regress_name_lookup_complexity),
        cmocka_unit_test(regress_wide_yaml_map),
        cmocka_unit_test(regress_npy_header),
        cmocka_unit_test(regress_pb_huge_dims),
        cmocka_unit_test(limit_pb_external_checked_first),
        cmocka_unit_test(regress_trace_non_number),
        cmocka_unit_test(regress_cli_error_one_line),
        cmocka_unit_test(limit_config_file_size),
        cmocka_unit_test(limit_yaml_scalar_and_nodes),
        cmocka_unit_test(limit_asm_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
