#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Llama decode step and prefill (TTFT) with random weights, in plain PyTorch with CUDA graphs.
"""usage: llama_decode_step.py [--out llama.csv] [--model llama-2-7b|llama-3-8b] [--no-graph]

A Llama decoder (RMSNorm, fused QKV, RoPE, GQA attention over a KV cache through
scaled_dot_product_attention, SwiGLU MLP, LM head on the last token) with random bf16
weights: no checkpoint download, the architecture is what matters for time. Dimensions are
those of SeedChip's LLM zoo entries of the same name (src/runtime/llm_zoo.c).

  decode: one token for each of B sequences whose caches hold C tokens, captured in a CUDA
          graph (as TensorRT-LLM and vLLM run decode) -> category llm, metric tpot,
          workload batch=B in=C out=1
  prefill: one prompt of L tokens -> metric ttft, workload batch=1 in=L out=1
"""
import argparse

import torch
import torch.nn.functional as F

from common import RowWriter, time_cuda

MODELS = {  # layers, d_model, heads, kv_heads, d_ff, vocab
    "llama-2-7b": (32, 4096, 32, 32, 11008, 32000),
    "llama-3-8b": (32, 4096, 32, 8, 14336, 128256),
}


class Llama:
    def __init__(self, name, max_tokens):
        L, D, H, KV, FF, V = MODELS[name]
        self.L, self.D, self.H, self.KV, self.HD = L, D, H, KV, D // H
        bf = dict(device="cuda", dtype=torch.bfloat16)
        s = D ** -0.5
        self.layers = [dict(wqkv=torch.randn((H + 2 * KV) * self.HD, D, **bf) * s,
                            wo=torch.randn(D, D, **bf) * s,
                            w13=torch.randn(2 * FF, D, **bf) * s,
                            w2=torch.randn(D, FF, **bf) * FF ** -0.5,
                            n1=torch.ones(D, **bf), n2=torch.ones(D, **bf)) for _ in range(L)]
        self.norm = torch.ones(D, **bf)
        self.head = torch.randn(V, D, **bf) * s
        self.max_tokens = max_tokens
        inv = 1.0 / (10000 ** (torch.arange(0, self.HD, 2, device="cuda") / self.HD))
        ang = torch.outer(torch.arange(max_tokens, device="cuda").float(), inv)
        self.cos, self.sin = ang.cos().to(torch.bfloat16), ang.sin().to(torch.bfloat16)

    def rope(self, x, pos):  # x [B, h, T, HD], pos [T]
        c, s = self.cos[pos][None, None], self.sin[pos][None, None]
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x1 * c - x2 * s, x1 * s + x2 * c), -1).flatten(-2)

    def forward(self, x, pos, caches, ctx):
        """x [B, T, D] at positions pos [T]; caches[l] = (k, v) [B, KV, max, HD] hold ctx tokens."""
        B, T, _ = x.shape
        for l, w in enumerate(self.layers):
            h = F.rms_norm(x, (self.D,), w["n1"])
            qkv = (h @ w["wqkv"].t()).view(B, T, self.H + 2 * self.KV, self.HD).transpose(1, 2)
            q, k, v = qkv.split((self.H, self.KV, self.KV), dim=1)
            q, k = self.rope(q, pos), self.rope(k, pos)
            kc, vc = caches[l]
            kc[:, :, ctx:ctx + T] = k
            vc[:, :, ctx:ctx + T] = v
            a = F.scaled_dot_product_attention(q, kc[:, :, :ctx + T], vc[:, :, :ctx + T],
                                               is_causal=T > 1, enable_gqa=self.KV != self.H)
            x = x + a.transpose(1, 2).reshape(B, T, self.D) @ w["wo"].t()
            h = F.rms_norm(x, (self.D,), w["n2"])
            g, u = (h @ w["w13"].t()).chunk(2, dim=-1)
            x = x + (F.silu(g) * u) @ w["w2"].t()
        return F.rms_norm(x[:, -1], (self.D,), self.norm) @ self.head.t()

    def caches(self, batch):
        shape = (batch, self.KV, self.max_tokens, self.HD)
        return [(torch.randn(shape, device="cuda", dtype=torch.bfloat16),
                 torch.randn(shape, device="cuda", dtype=torch.bfloat16)) for _ in range(self.L)]


def decode_seconds(m, batch, ctx, graph):
    caches = m.caches(batch)
    x = torch.randn(batch, 1, m.D, device="cuda", dtype=torch.bfloat16)
    pos = torch.tensor([ctx], device="cuda")
    fn = lambda: m.forward(x, pos, caches, ctx)  # noqa: E731
    if graph:
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):
                fn()
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            fn()
        fn = g.replay
    sec = time_cuda(fn, warmup=5, iters=20)
    del caches
    torch.cuda.empty_cache()
    return sec


def prefill_seconds(m, length):
    caches = m.caches(1)
    x = torch.randn(1, length, m.D, device="cuda", dtype=torch.bfloat16)
    pos = torch.arange(length, device="cuda")
    sec = time_cuda(lambda: m.forward(x, pos, caches, 0), warmup=3, iters=10)
    del caches
    torch.cuda.empty_cache()
    return sec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="llama.csv")
    ap.add_argument("--model", default="llama-2-7b", choices=sorted(MODELS))
    ap.add_argument("--no-graph", action="store_true")
    args = ap.parse_args()
    w = RowWriter(args.out, "gpu-" + args.model)
    free = torch.cuda.mem_get_info()[0]
    with torch.no_grad():
        for length in (128, 512, 2048):
            m = Llama(args.model, length + 1)
            w.add("llm", "bf16", "batch=1 in=%d out=1 tp=1" % length, "ttft",
                  prefill_seconds(m, length) * 1e3, "ms", "llama_decode_step.py", model=args.model)
            del m
        for ctx in (128, 1024, 4096):
            m = Llama(args.model, ctx + 1)
            kv_per_seq = 2 * m.L * m.KV * m.HD * (ctx + 1) * 2
            for batch in (1, 8, 32, 64, 128):
                if batch * kv_per_seq > 0.6 * free - 20e9:  # weights ~16 GB + headroom
                    continue
                sec = decode_seconds(m, batch, ctx, not args.no_graph)
                w.add("llm", "bf16", "batch=%d in=%d out=1 tp=1" % (batch, ctx), "tpot", sec * 1e3,
                      "ms", "llama_decode_step.py", model=args.model)
            del m
            torch.cuda.empty_cache()
    w.write()


if __name__ == "__main__":
    main()
