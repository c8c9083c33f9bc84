#!/usr/bin/env python3
"""nanoGPT's GPT at lmsh's transformer size, timed as `lmsh bench --transformer` times lmsh's (the PyTorch side
of `bench/compare.sh t`).

Model: nanoGPT's model.py (bias=True, dropout 0): token + position embeddings, pre-LN blocks of causal
self-attention (F.scaled_dot_product_attention, is_causal=True) and a 4·dim GELU MLP, ln_f, lm_head tied to wte.
Training: Adam (lr 1e-3), gradient clipping by global norm 1, batches of --batch windows of --seq characters
of the first 90% of the text (nanoGPT's get_batch), cross-entropy. Per-step times, warm-up excluded; the median
is reported, with chars/s and nanoGPT's FLOP estimate.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
from torch.nn import functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.c_attn, self.c_proj, self.heads = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim), heads

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln_1, self.attn, self.ln_2 = nn.LayerNorm(dim), CausalSelfAttention(dim, heads), nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, layers, heads, dim, context):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, dim), nn.Embedding(context, dim)
        self.h = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.ln_f, self.lm_head = nn.LayerNorm(dim), nn.Linear(dim, vocab, bias=False)
        self.wte.weight = self.lm_head.weight
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1)))
        for b in self.h:
            x = b(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="data/tinyshakespeare.txt")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--json", default="")
    a, _ = p.parse_known_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text[: int(0.9 * len(text))]])
    m = GPT(len(chars), a.layers, a.heads, a.dim, a.seq)
    opt = torch.optim.Adam(m.parameters(), lr=a.lr)
    times, first, last = [], None, None
    for step in range(a.warmup + a.steps):
        ix = torch.randint(len(data) - a.seq - 1, (a.batch,))
        x = torch.stack([data[i:i + a.seq] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + a.seq] for i in ix])
        t0 = time.perf_counter()
        loss = m(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        dt = time.perf_counter() - t0
        first = loss.item() if first is None else first
        last = loss.item()
        if step >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    n = sum(p.numel() for p in m.parameters()) - m.wpe.weight.numel()
    flops = (6 * n + 12 * a.layers * a.dim * a.seq) * a.batch * a.seq
    res = dict(engine="torch", mode="train", model="transformer", hidden=a.dim, layers=a.layers, heads=a.heads, seq=a.seq,
               batch=a.batch, V=len(chars), params=sum(p.numel() for p in m.parameters()), threads=a.threads,
               steps=len(times), ms_per_step=med * 1000, min_ms=min(times) * 1000, max_ms=max(times) * 1000,
               chars_per_s=a.batch * a.seq / med, flops_per_step=flops, gflops=flops / med / 1e9,
               first_loss=first, final_loss=last, torch=torch.__version__)
    print(f"torch transformer {a.layers}x{a.dim} ({a.heads} heads) seq {a.seq} batch {a.batch} ({a.threads} threads): "
          f"median {med * 1000:.2f} ms/step -> {a.batch * a.seq / med:.0f} chars/s, {flops / med / 1e9:.1f} GFLOP/s")
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
