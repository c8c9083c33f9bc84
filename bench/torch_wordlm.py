#!/usr/bin/env python3
"""Word-level LSTM language-model benchmark in PyTorch (CPU): the reference for `lmsh bench --words`.

The model and sizes of PyTorch's examples/word_language_model defaults (2-layer LSTM, embedding 200, hidden
200, bptt 35, batch 20), over a 10k-word vocabulary; trained as `lmsh bench` trains (Adam lr 2e-3, gradient
norm clipped to 5, hidden state carried across windows and detached), so both time the same work. The text
is Tiny Shakespeare cut into words and punctuation (the exact tokenizer does not change the speed; the
vocabulary size does). Prints ms/step, words/s and GFLOP/s (FLOPs as lmsh counts them:
forward = Σ_layers 2·4H·(I+H)·B·T + 2·H·V·B·T, training = 3 × forward); `--sample N` times N words at batch 1.
"""
import argparse
import collections
import json
import os
import re
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join("data", "tinyshakespeare.txt"))
    p.add_argument("--vocab", type=int, default=10000)
    p.add_argument("--embed", type=int, default=200)
    p.add_argument("--hidden", type=int, default=200)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--seq", type=int, default=35)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sample", type=int, default=0)
    p.add_argument("--json", default="")
    return p.parse_args()


class WordLM(nn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.encoder = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H, L)
        self.decoder = nn.Linear(H, V)

    def forward(self, x, state):
        out, state = self.rnn(self.encoder(x), state)
        return self.decoder(out), state


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    text = open(a.data, encoding="utf-8").read()
    tokens = []
    for line in text.split("\n"):
        tokens += re.findall(r"\w+(?:'\w+)*|[^\w\s]", line) + ["<eos>"]
    common = [w for w, _ in collections.Counter(tokens).most_common(a.vocab - 1)]
    index = {w: k + 1 for k, w in enumerate(common)}  # 0 is <unk>
    V = a.vocab
    ids = torch.tensor([index.get(t, 0) for t in tokens], dtype=torch.long)
    model = WordLM(V, a.embed, a.hidden, a.layers)
    B, T, H, L, E = a.batch, a.seq, a.hidden, a.layers, a.embed
    flops_fwd = sum(2 * 4 * H * ((E if l == 0 else H) + H) * B * T for l in range(L)) + 2 * H * V * B * T
    result = {"framework": "pytorch", "threads": a.threads, "vocab": V, "embed": E, "hidden": H, "layers": L, "seq": T, "batch": B}
    if a.sample:
        model.eval()
        with torch.no_grad():
            x = torch.zeros(1, 1, dtype=torch.long)
            state = None
            start = time.perf_counter()
            for _ in range(a.sample):
                logits, state = model(x, state)
                x = torch.multinomial(F.softmax(logits[-1, 0], dim=-1), 1).view(1, 1)
            dt = time.perf_counter() - start
        result.update(mode="sample", words=a.sample, words_per_sec=a.sample / dt)
        print(f"pytorch word sample: {a.sample} words, {a.sample / dt:.0f} words/s")
    else:
        n = ids.numel() * 9 // 10 // B
        streams = ids[: n * B].view(B, n).t().contiguous()  # [n, B]: batch contiguous streams
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
        state = None
        times = []
        for step in range(a.warmup + a.steps):
            i = (step * T) % (n - T - 1)
            x, y = streams[i:i + T], streams[i + 1:i + T + 1]
            start = time.perf_counter()
            if state is not None:
                state = tuple(s.detach() for s in state)
            logits, state = model(x, state)
            loss = F.cross_entropy(logits.view(-1, V), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            if step >= a.warmup:
                times.append(time.perf_counter() - start)
        ms = statistics.median(times) * 1000
        result.update(mode="train", ms_per_step=ms, words_per_sec=B * T / (ms / 1000), gflops=3 * flops_fwd / (ms / 1000) / 1e9,
                      loss=loss.item())
        print(f"pytorch word train: {ms:.1f} ms/step, {B * T / (ms / 1000):.0f} words/s, {3 * flops_fwd / (ms / 1000) / 1e9:.1f} GFLOP/s")
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
