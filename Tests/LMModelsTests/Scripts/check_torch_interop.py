#!/usr/bin/env python3
"""Checks that lmsh checkpoints load into PyTorch and compute what lmsh computes, by hand.

Needs python3 with torch, safetensors and numpy (`pip install torch safetensors numpy`). The Swift test
suite does not depend on this script.

    cd /work/main
    swift build -c release --product lmsh-bench --scratch-path .build-interop
    .build-interop/release/lmsh-bench interop-export --out /tmp/interop
    python3 Tests/LMModelsTests/Scripts/check_torch_interop.py /tmp/interop

For every `<name>.safetensors` in the folder (beside `<name>.json` from `lmsh-bench interop-export`):
 1. the tensors are read with `safetensors.torch.load_file` and filtered to the model's names
    (`encoder.`, `rnn.`, `decoder.`; a training checkpoint's `lmsh.train.*` tensors are dropped);
 2. an `RNNModel` as in PyTorch's word_language_model example (`encoder` = nn.Embedding when
    lmsh.embed > 0, `rnn` = nn.LSTM / nn.GRU / nn.RNN(tanh), `decoder` = nn.Linear) is built from the
    metadata (lmsh.cell, lmsh.hidden, lmsh.layers, lmsh.embed, lmsh.vocab_size) and loaded with
    `load_state_dict(strict=True)`;
 3. the text's ids (one-hot with `F.one_hot(...).float()` when lmsh.embed is 0) run through it in
    float32 from the zero state, the state carried over the whole text, and the log-softmax at every
    position is compared with lmsh's (StepRunner, one id at a time); so are the final h (and c) and
    the mean next-symbol cross-entropy of lmsh's FusedWindow (two windows with the state carried).
    The text is also run as two chunks with torch's own state carried between them, which must agree
    with the single run.

The coupled LSTM (`lmsh.cell` = "coupled": gates f, o, g with the input gate tied to 1 - f and no
separate input gate) has no equivalent among torch.nn's recurrent modules, so it is skipped.

Prints the largest absolute difference per model and exits with status 1 when any exceeds the tolerance
(1e-4; float32 agreement is ~1e-6).
"""

import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

TOLERANCE = 1e-4
MODEL_PREFIXES = ("encoder.", "rnn.", "decoder.")


class RNNModel(nn.Module):
    """PyTorch's word_language_model RNNModel, reduced to what lmsh saves (no dropout, untied weights)."""

    def __init__(self, cell, vocab_size, hidden, layers, embed):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = embed
        self.cell = cell
        if embed > 0:
            self.encoder = nn.Embedding(vocab_size, embed)
        input_size = embed if embed > 0 else vocab_size
        if cell == "lstm":
            self.rnn = nn.LSTM(input_size, hidden, layers)
        elif cell == "gru":
            self.rnn = nn.GRU(input_size, hidden, layers)
        elif cell == "rnn":
            self.rnn = nn.RNN(input_size, hidden, layers, nonlinearity="tanh")
        else:
            raise ValueError(f"no torch.nn module for cell {cell!r}")
        self.decoder = nn.Linear(hidden, vocab_size)

    def forward(self, ids, hidden=None):
        """ids: [T, B] int64 (time-major). Returns logits [T, B, V] and the new state."""
        if self.embed > 0:
            x = self.encoder(ids)
        else:
            x = F.one_hot(ids, self.vocab_size).float()
        out, hidden = self.rnn(x, hidden)
        return self.decoder(out), hidden


def max_diff(a, b):
    return (a.double() - b.double()).abs().max().item()


def check(folder, name):
    path = os.path.join(folder, name + ".safetensors")
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
    cell = meta["lmsh.cell"]
    if cell not in ("lstm", "gru", "rnn"):
        print(f"{name}: skipped (cell {cell!r} has no torch.nn equivalent)")
        return True
    vocab, hidden = int(meta["lmsh.vocab_size"]), int(meta["lmsh.hidden"])
    layers, embed = int(meta["lmsh.layers"]), int(meta["lmsh.embed"])

    tensors = load_file(path)
    state = {k: v for k, v in tensors.items() if k.startswith(MODEL_PREFIXES)}
    dropped = sorted(set(tensors) - set(state))
    model = RNNModel(cell, vocab, hidden, layers, embed)
    model.load_state_dict(state, strict=True)
    model.eval()

    with open(os.path.join(folder, name + ".json")) as f:
        ref = json.load(f)
    ids = torch.tensor(ref["ids"], dtype=torch.long).unsqueeze(1)  # [T, 1]
    want = torch.tensor(ref["log_probs"], dtype=torch.float64)  # [T, V]

    with torch.no_grad():
        logits, final = model(ids)
        got = F.log_softmax(logits[:, 0, :], dim=-1)
        # The same text as two chunks, torch's state carried between them.
        cut = len(ref["ids"]) // 3
        l1, s1 = model(ids[:cut])
        l2, s2 = model(ids[cut:], s1)
        chunked = F.log_softmax(torch.cat([l1, l2])[:, 0, :], dim=-1)

    h_n = final[0] if cell == "lstm" else final
    diffs = {
        "log_probs": max_diff(got, want),
        "final_h": max_diff(h_n[:, 0, :], torch.tensor(ref["final_h"])),
        "chunked_vs_whole": max_diff(chunked, got),
    }
    if cell == "lstm":
        diffs["final_c"] = max_diff(final[1][:, 0, :], torch.tensor(ref["final_c"]))
    next_ids = ids[1:, 0]
    torch_loss = F.nll_loss(got[:-1].double(), next_ids).item()
    diffs["fused_loss"] = abs(torch_loss - ref["fused_mean_loss"])
    diffs["step_loss"] = abs(torch_loss - ref["step_mean_loss"])

    worst = max(diffs.values())
    ok = worst <= TOLERANCE
    detail = "  ".join(f"{k} {v:.2e}" for k, v in diffs.items())
    extra = f"; dropped {dropped}" if dropped else ""
    print(f"{name}: {cell} {layers}x{hidden} embed {embed} vocab {vocab}: max abs diff {worst:.2e} "
          f"{'OK' if ok else 'MISMATCH'}  ({detail}; torch loss {torch_loss:.6f}){extra}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="output folder of `lmsh-bench interop-export --out`")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = sorted(n[: -len(".safetensors")] for n in os.listdir(args.folder) if n.endswith(".safetensors"))
    if not names:
        print(f"no .safetensors files in {args.folder}")
        return 1
    print(f"torch {torch.__version__}; tolerance {TOLERANCE:g}")
    results = [check(args.folder, n) for n in names]
    if all(results):
        print(f"all {len(names)} checkpoints agree with PyTorch (or were skipped)")
        return 0
    print(f"{results.count(False)} of {len(names)} checkpoints disagree")
    return 1


if __name__ == "__main__":
    sys.exit(main())
