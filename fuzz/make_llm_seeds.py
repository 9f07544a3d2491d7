#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes the tiny checkpoint seeds in fuzz/corpus/{llama2c,gguf,safetensors,tokenizer}/.
"""Seeds must be small (the fuzzers cap inputs at 16 KiB) yet valid, so mutations start from
files that reach the tensor-loading code. Run from the repository root; output is deterministic."""
import json
import os
import struct

C = "fuzz/corpus"


def floats(n, k=0):
    return [((i * 7 + k) % 13 - 6) / 8.0 for i in range(n)]


def f32(vals):
    return struct.pack("<%df" % len(vals), *vals)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# Tiny Llama: dim 8, hidden 16, 1-2 layers, 2 heads, 1 KV head (head_dim 4), vocab 8, seq 4.
def llama2c(dim=8, hidden=16, layers=1, heads=2, kv=1, vocab=8, seq=4, shared=True):
    hd = dim // heads
    hdr = struct.pack("<7i", dim, hidden, layers, heads, kv, vocab if shared else -vocab, seq)
    q, kvd = heads * hd, kv * hd
    n = vocab * dim + layers * (2 * dim + q * dim * 2 + kvd * dim * 2 + 3 * hidden * dim) + dim
    n += seq * hd + (0 if shared else vocab * dim)
    return hdr + f32(floats(n))


write(C + "/llama2c/tiny.bin", llama2c())
write(C + "/llama2c/tiny_2layers_unshared.bin", llama2c(layers=2, kv=2, shared=False))
write(C + "/llama2c/ak42_magic.bin", b"ak42" + bytes(40))
write(C + "/llama2c/header_only.bin", struct.pack("<7i", 8, 16, 1, 2, 1, 8, 4))


# GGUF v3 writer: metadata key/values, tensor infos, 32-byte aligned data.
def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gkv(key, typ, val):
    out = gstr(key) + struct.pack("<I", typ)
    if typ == 4:  # u32
        return out + struct.pack("<I", val)
    if typ == 6:  # f32
        return out + struct.pack("<f", val)
    if typ == 8:  # string
        return out + gstr(val)
    if typ == 9:  # array: (element type, values)
        et, vals = val
        out += struct.pack("<IQ", et, len(vals))
        for v in vals:
            out += gstr(v) if et == 8 else struct.pack("<f", v)
        return out
    raise ValueError(typ)


def gguf(arch="llama", tok="llama", f16=False, qwen=False):
    dim, hidden, heads, kv, vocab, seq = 8, 16, 2, 1, 8, 4
    hd = dim // heads
    kvs = [gkv("general.architecture", 8, arch),
           gkv(arch + ".embedding_length", 4, dim), gkv(arch + ".feed_forward_length", 4, hidden),
           gkv(arch + ".block_count", 4, 1), gkv(arch + ".attention.head_count", 4, heads),
           gkv(arch + ".attention.head_count_kv", 4, kv), gkv(arch + ".context_length", 4, seq),
           gkv(arch + ".attention.layer_norm_rms_epsilon", 6, 1e-5)]
    toks = ["<unk>", "<s>", "</s>", "\u2581a", "b", "\u2581", "a", "ab"]
    if tok == "llama":
        kvs += [gkv("tokenizer.ggml.model", 8, "llama"), gkv("tokenizer.ggml.tokens", 9, (8, toks)),
                gkv("tokenizer.ggml.scores", 9, (6, [-float(i) for i in range(vocab)]))]
    elif tok == "gpt2":
        kvs += [gkv("tokenizer.ggml.model", 8, "gpt2"), gkv("tokenizer.ggml.tokens", 9, (8, toks)),
                gkv("tokenizer.ggml.merges", 9, (8, ["a b"]))]
    tensors = [("token_embd.weight", [dim, vocab]), ("output_norm.weight", [dim])]
    blk = [("attn_norm.weight", [dim]), ("attn_q.weight", [dim, heads * hd]),
           ("attn_k.weight", [dim, kv * hd]), ("attn_v.weight", [dim, kv * hd]),
           ("attn_output.weight", [heads * hd, dim]), ("ffn_norm.weight", [dim]),
           ("ffn_gate.weight", [dim, hidden]), ("ffn_down.weight", [hidden, dim]),
           ("ffn_up.weight", [dim, hidden])]
    if qwen:
        blk += [("attn_q.bias", [heads * hd]), ("attn_k.bias", [kv * hd]),
                ("attn_v.bias", [kv * hd])]
    tensors += [("blk.0." + n, s) for n, s in blk]
    infos, data = b"", b""
    for name, shape in tensors:
        n = 1
        for d in shape:
            n *= d
        typ = 1 if f16 and len(shape) == 2 else 0
        infos += gstr(name) + struct.pack("<I", len(shape)) + struct.pack("<%dQ" % len(shape), *shape)
        infos += struct.pack("<IQ", typ, len(data))
        vals = floats(n)
        data += struct.pack("<%de" % n, *vals) if typ == 1 else f32(vals)
        data += bytes(-len(data) % 32)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs) + infos
    return head + bytes(-len(head) % 32) + data


write(C + "/gguf/tiny_llama_spm.gguf", gguf())
write(C + "/gguf/tiny_llama_f16_notok.gguf", gguf(tok=None, f16=True))
write(C + "/gguf/tiny_qwen2_gpt2tok.gguf", gguf(arch="qwen2", tok="gpt2", qwen=True))


# safetensors: u16 config length + config.json + model.safetensors (see fuzz_safetensors.c).
def safetensors(qwen=False, bf16=False, tied=True):
    dim, hidden, heads, kv, vocab = 8, 16, 2, 1, 8
    hd = dim // heads
    cfg = {"model_type": "qwen2" if qwen else "llama", "hidden_size": dim,
           "intermediate_size": hidden, "num_hidden_layers": 1, "num_attention_heads": heads,
           "num_key_value_heads": kv, "vocab_size": vocab, "max_position_embeddings": 4,
           "rms_norm_eps": 1e-6, "tie_word_embeddings": tied}
    t = [("model.embed_tokens.weight", [vocab, dim]), ("model.norm.weight", [dim])]
    if not tied:
        t.append(("lm_head.weight", [vocab, dim]))
    p = "model.layers.0."
    t += [(p + "input_layernorm.weight", [dim]), (p + "self_attn.q_proj.weight", [heads * hd, dim]),
          (p + "self_attn.k_proj.weight", [kv * hd, dim]), (p + "self_attn.v_proj.weight", [kv * hd, dim]),
          (p + "self_attn.o_proj.weight", [dim, heads * hd]),
          (p + "post_attention_layernorm.weight", [dim]), (p + "mlp.gate_proj.weight", [hidden, dim]),
          (p + "mlp.down_proj.weight", [dim, hidden]), (p + "mlp.up_proj.weight", [hidden, dim])]
    if qwen:
        t += [(p + "self_attn.q_proj.bias", [heads * hd]), (p + "self_attn.k_proj.bias", [kv * hd]),
              (p + "self_attn.v_proj.bias", [kv * hd])]
    hdr, data = {"__metadata__": {"format": "pt"}}, b""
    for name, shape in t:
        n = 1
        for d in shape:
            n *= d
        vals = floats(n)
        if bf16:
            raw = b"".join(struct.pack("<f", v)[2:] for v in vals)
        else:
            raw = f32(vals)
        hdr[name] = {"dtype": "BF16" if bf16 else "F32", "shape": shape,
                     "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(hdr, separators=(",", ":")).encode()
    st = struct.pack("<Q", len(h)) + h + data
    c = json.dumps(cfg).encode()
    return struct.pack("<H", len(c)) + c + st


write(C + "/safetensors/tiny_llama.bin", safetensors())
write(C + "/safetensors/tiny_qwen2_bf16_untied.bin", safetensors(qwen=True, bf16=True, tied=False))

# tokenizer: kind byte, NUL-separated vocabulary, empty field, merges, empty field, text.
spm_vocab = ["<unk>", "<s>", "</s>", "\u2581", "\u2581a", "b", "ab", "<0x41>", "<0xE2>", "<0x81>"]
write(C + "/tokenizer/spm.bin", b"\x00" + "\0".join(spm_vocab).encode() + b"\0\0\0ab a Ab \xe2\x96")
bpe_vocab = ["<|end|>", "a", "b", "ab", "\u0120", "\u0120a", "c", "\u010a"]
write(C + "/tokenizer/bpe.bin",
      b"\x01" + "\0".join(bpe_vocab).encode() + b"\0\0" + "a b\0\u0120 a".encode() + b"\0\0ab a\nc 123 !")
