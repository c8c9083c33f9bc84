#!/usr/bin/env python3
"""`make test-torch`: lmsh's transformer loads into PyTorch with nanoGPT's parameter names (issue 20).

1. lmsh makes a small transformer on the corpus, trains it a few steps (so that every layer norm and bias has
   moved from its initial value), saves it (`save t "t.safetensors"`) and prints its per-token log-probs of a
   text (`logprobs(t, TEXT)`).
   It also exports it (`export t "dir/" torch=true`: model.safetensors and model.py).
2. A nanoGPT-style GPT written here (CausalSelfAttention with F.scaled_dot_product_attention(is_causal=True),
   nn.GELU(), pre-LN blocks, lm_head tied to wte) loads the file with load_state_dict(strict=True), computes the
   same log-probs, and they must agree to 1e-4; the exported model.py, loading its own file, must give this
   module's log-probs.
3. With --golden DIR it also writes DIR/transformer-tiny.safetensors and DIR/transformer-tiny-logprobs.json
   (PyTorch's log-probs), the golden pair the Swift test TransformerGoldenTests checks in plain `make test`.

Prints the largest difference; exits 1 on a failed check.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn
from torch.nn import functional as F
from safetensors.torch import load_file
from safetensors import safe_open

TOLERANCE = 1e-4
TEXT = "First Citizen:\nBefore we proceed any further, hear me"


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.c_attn = nn.Linear(dim, 3 * dim)
        self.c_proj = nn.Linear(dim, dim)
        self.heads = heads

    def forward(self, x, keep=None):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.c_fc = nn.Linear(dim, 4 * dim)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * dim, dim)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """nanoGPT's GPT (bias=True, dropout 0), written out so the check needs no nanoGPT checkout."""

    def __init__(self, vocab, layers, heads, dim, context):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, dim), wpe=nn.Embedding(context, dim),
            h=nn.ModuleList([Block(dim, heads) for _ in range(layers)]), ln_f=nn.LayerNorm(dim)))
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied, as nanoGPT does

    def forward(self, idx):
        T = idx.size(1)
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def load_gpt(path):
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    m = GPT(int(meta["lmsh.vocab_size"]), int(meta["lmsh.layers"]), int(meta["lmsh.heads"]), int(meta["lmsh.dim"]),
            int(meta["lmsh.context"]))
    m.load_state_dict(load_file(path), strict=True)
    return m.eval(), meta


def torch_logprobs(path, text):
    m, meta = load_gpt(path)
    vocab = json.loads(meta["lmsh.vocabulary"])
    ids = torch.tensor([[vocab.index(c) for c in text]])
    with torch.no_grad():
        lp = F.log_softmax(m(ids[:, :-1]), dim=-1)
    return [lp[0, n, ids[0, n + 1]].item() for n in range(ids.size(1) - 1)]


def exported_logprobs(folder, text):
    """The log-probs of the model.py that `export t "dir/" torch=true` wrote, loading its model.safetensors."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("lmsh_exported_" + os.path.basename(folder).replace("-", "_"),
                                                  os.path.join(folder, "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m, stoi, _ = mod.load(os.path.join(folder, "model.safetensors"))
    ids = torch.tensor([[stoi[c] for c in text]])
    with torch.no_grad():
        lp = F.log_softmax(m(ids[:, :-1]), dim=-1)
    return [lp[0, n, ids[0, n + 1]].item() for n in range(ids.size(1) - 1)]


def lmsh_logprobs(lmsh, work, corpus, layers, heads, dim, context, steps, name):
    cells = "\n".join([
        f'text = corpus("{corpus}")',
        f"t = transformer(text, layers={layers}, heads={heads}, dim={dim}, context={context}, seed=7)",
        f"r = train t text steps={steps} batch=8 lr=3e-3",
        f'save t "{name}"',
        f'export t "{name[:-12]}-gpt/" torch=true',
        f"lp = logprobs(t, {json.dumps(TEXT)})",
        "for x in lp { print(item(x)) }",
    ])
    p = subprocess.run([lmsh, "-c", cells], cwd=work, capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:], sep="\n")
        raise SystemExit("check_transformer: lmsh failed")
    values = []
    for line in p.stdout.splitlines():
        try:
            values.append(float(line))
        except ValueError:
            pass
    return values[-(len(TEXT) - 1):]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lmsh", required=True)
    ap.add_argument("--corpus", default="data/tinyshakespeare.txt")
    ap.add_argument("--golden", default="")
    args = ap.parse_args()
    lmsh = os.path.abspath(args.lmsh)
    work = tempfile.mkdtemp(prefix="lmsh-transformer-")
    corpus = os.path.join(work, "input.txt")
    if os.path.exists(args.corpus):
        with open(args.corpus, encoding="utf-8") as f:
            text = f.read()[:200_000]
    else:
        print(f"check_transformer: {args.corpus} is absent; using a generated text")
        text = (TEXT + "\n") * 2000
    with open(corpus, "w", encoding="utf-8") as f:
        f.write(text)
    failed = False
    for (layers, heads, dim, context, steps, name) in [(2, 4, 64, 64, 20, "t.safetensors"), (2, 2, 16, 64, 30, "tiny.safetensors")]:
        mine = lmsh_logprobs(lmsh, work, corpus, layers, heads, dim, context, steps, name)
        theirs = torch_logprobs(os.path.join(work, name), TEXT)
        if len(mine) != len(theirs):
            print(f"check_transformer: lmsh printed {len(mine)} log-probs, PyTorch computed {len(theirs)}")
            failed = True
            continue
        diff = max(abs(a - b) for a, b in zip(mine, theirs))
        exported = exported_logprobs(os.path.join(work, name[:-12] + "-gpt"), TEXT)
        diff_exported = max(abs(a - b) for a, b in zip(exported, theirs))
        print(f"  the exported model.py agrees with this check's GPT to {diff_exported:.2e}")
        ok = diff <= TOLERANCE and diff_exported <= 1e-6 and len(exported) == len(theirs)
        failed |= not ok
        print(f"transformer {layers}x{dim}, {heads} heads, context {context}, {steps} steps: {len(mine)} log-probs, "
              f"mean {sum(theirs) / len(theirs):.4f} nats, max |lmsh - PyTorch| = {diff:.2e} ({'ok' if ok else 'FAILED'}, tolerance {TOLERANCE})")
        if args.golden and name == "tiny.safetensors" and ok:
            os.makedirs(args.golden, exist_ok=True)
            shutil.copyfile(os.path.join(work, name), os.path.join(args.golden, "transformer-tiny.safetensors"))
            with open(os.path.join(args.golden, "transformer-tiny-logprobs.json"), "w") as f:
                json.dump({"text": TEXT, "torch": torch.__version__, "logprobs": theirs}, f, indent=1)
            print(f"wrote the golden pair to {args.golden}")
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
