/// The `train.py` a run folder holds: PyTorch and safetensors only, readable, continuing the run under
/// torchrun (see `TorchRun`). Kept as text here so the binary carries it; `make test-torch` runs it.
enum TrainScript {
    static let text = #"""
#!/usr/bin/env python3
"""Continues an lmsh training run with PyTorch: one process, or many under torchrun (DistributedDataParallel).

Written by lmsh (`export m "DIR" torch=true`); needs only torch and safetensors. See README.md beside it.

    python train.py --steps 1000                            # one process: the GPU if there is one, else the CPU
    torchrun --nproc_per_node=4 train.py --steps 1000       # four processes on this machine

The folder is the run: checkpoint.safetensors (weights, optimizer state, the hidden state carried between
windows), run.json (model, vocabulary, data layout and position, schedule, loss history) and train.bin (the
training text as `batch` streams of ids). Training goes on exactly as lmsh would have: the same windows in the
same order, truncated backpropagation with the state carried (and detached) from window to window and zeroed
when a pass over the text begins, the same clipping, optimizer and learning-rate schedule. With N processes
each rank takes its own contiguous block of batch/N streams (its shard of the text) and carries its own
state; DDP averages the gradients, which is the gradient of the whole batch, so N processes compute what one
would. Checkpoints replace checkpoint.safetensors and run.json atomically; lmsh's `load("DIR")` reads them.
"""

import argparse
import json
import math
import os
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
# torch.optim's state keys, in the order lmsh keeps its moments (first, second).
STATE_KEYS = {"gd": [], "sgd": ["momentum_buffer"], "adagrad": ["sum"], "rmsprop": ["square_avg"],
              "adam": ["exp_avg", "exp_avg_sq"]}


class RNNModel(nn.Module):
    """PyTorch's word_language_model RNNModel: one-hot (or embedded) ids, a recurrent stack, a linear decoder."""

    def __init__(self, cell, vocab_size, hidden, layers, embed, dropout):
        super().__init__()
        self.vocab_size, self.embed = vocab_size, embed
        if embed > 0:
            self.encoder = nn.Embedding(vocab_size, embed)
        self.rnn = MODULES[cell](embed if embed > 0 else vocab_size, hidden, layers, dropout=dropout)
        self.decoder = nn.Linear(hidden, vocab_size)

    def forward(self, ids, state):
        """ids [seq, batch] (time-major) -> logits [seq, batch, vocab], the state after the last step."""
        x = self.encoder(ids) if self.embed > 0 else F.one_hot(ids, self.vocab_size).float()
        out, state = self.rnn(x, state)
        return self.decoder(out), state


def make_optimizer(params, o, lr):
    kind = o["kind"]
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=o["alpha"], eps=o["epsilon"])
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["epsilon"])
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=o["momentum"])
    if kind == "gd":
        return torch.optim.SGD(params, lr=lr)
    if kind == "adagrad":  # lmsh divides by sqrt(sum + eps), torch by sqrt(sum) + eps: equal unless sum ~ eps
        return torch.optim.Adagrad(params, lr=lr, eps=o["epsilon"])
    raise SystemExit(f"train.py: unknown optimizer {kind!r}")


def learning_rate(s, step, epoch):
    """lmsh's schedule: a function of the steps and the full passes done, so a resumed run goes on exactly."""
    lr = s["base"]
    if s["epoch_decay"] < 1:
        lr *= s["epoch_decay"] ** max(0, epoch - s["decay_after_epoch"] + 1)
    if s["step_every"] > 0:
        lr *= s["step_gamma"] ** (step // s["step_every"])
    return lr


def clip_(params, clip):
    """lmsh's clipping, on the gradient DDP has averaged: element-wise by value, or rescaled by the global norm."""
    grads = [p.grad for p in params if p.grad is not None]
    if clip["threshold"] <= 0:
        return
    if clip["mode"] == "value":
        for g in grads:
            g.clamp_(-clip["threshold"], clip["threshold"])
    else:
        norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item()
        if norm > clip["threshold"]:
            for g in grads:
                g.mul_(clip["threshold"] / norm)


def load_streams(data):
    """The training streams [batch, L + 1] (and targets [batch, L] when they are not the next inputs), mapped
    from the files rather than read, so a text larger than memory is fine."""
    dtype = {"uint8": torch.uint8, "int32": torch.int32}[data["dtype"]]
    B, L = data["batch"], data["stream_length"]
    streams = torch.from_file(os.path.join(HERE, data["file"]), shared=False, size=B * (L + 1), dtype=dtype).view(B, L + 1)
    targets = None
    if "targets_file" in data:
        targets = torch.from_file(os.path.join(HERE, data["targets_file"]), shared=False, size=B * L, dtype=dtype).view(B, L)
    return streams, targets


def atomic_write(path, write):
    tmp = f"{path}.tmp-{os.getpid()}"
    write(tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=1000, help="training steps to run (each over the whole batch)")
    ap.add_argument("--checkpoint-every", type=int, default=0, help="also checkpoint every N steps (0: only at the end)")
    ap.add_argument("--print-every", type=int, default=10, help="print the loss every N steps")
    ap.add_argument("--device", default="", help="cpu or cuda (default: cuda when available)")
    args = ap.parse_args()

    distributed = "WORLD_SIZE" in os.environ
    rank = int(os.environ.get("RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    with open(os.path.join(HERE, "run.json")) as f:
        run = json.load(f)
    m, data, pos = run["model"], run["data"], run["position"]
    torch.manual_seed(run["seed"] * 1000 + rank)  # dropout masks: PyTorch's own stream, not lmsh's

    model = RNNModel(m["cell"], m["vocab_size"], m["hidden"], m["layers"], m["embed"], m["dropout"]).to(device)
    ckpt = os.path.join(HERE, "checkpoint.safetensors")
    with safe_open(ckpt, framework="pt") as f:
        metadata = f.metadata()
        saved = {k: f.get_tensor(k) for k in f.keys()}
    model.load_state_dict({k: v for k, v in saved.items() if k in model.state_dict()}, strict=True)
    names = [n for n, _ in model.named_parameters()]

    o = run["optimizer"]
    opt = make_optimizer(model.parameters(), o, run["schedule"]["base"])
    for name, p in model.named_parameters():
        state = {k: saved[f"optim.{name}.{k}"].to(device) for k in STATE_KEYS[o["kind"]] if f"optim.{name}.{k}" in saved}
        if state:
            state["step"] = saved[f"optim.{name}.step"].clone()
            opt.state[p] = state

    streams, targets = load_streams(data)
    B, S = data["batch"], data["seq"]
    windows, epoch, window = data["windows_per_epoch"], pos["epoch"], pos["window"]
    h = saved["state.h"].to(device)
    c = saved["state.c"].to(device) if "state.c" in saved else None
    if B % world:
        raise SystemExit(f"train.py: batch {B} does not divide among {world} processes: each takes the same number of "
                         f"streams. Export again from lmsh after `train m text batch=K` with K a multiple of {world}.")
    lo, hi = rank * B // world, (rank + 1) * B // world
    mine, mine_targets = streams[lo:hi], None if targets is None else targets[lo:hi]
    h, c = h[:, lo:hi].contiguous(), None if c is None else c[:, lo:hi].contiguous()

    net = nn.parallel.DistributedDataParallel(model, device_ids=[local] if device.type == "cuda" else None) if distributed else model
    step, history = pos["step"], run["loss_history"]
    first_step, first_optimizer_steps = step, o["steps"]
    V = m["vocab_size"]

    def checkpoint():
        hs = [torch.zeros_like(h) for _ in range(world)] if distributed else [h]
        cs = [torch.zeros_like(c) for _ in range(world)] if distributed and c is not None else [c]
        if distributed:
            dist.all_gather(hs, h.contiguous())
            if c is not None:
                dist.all_gather(cs, c.contiguous())
        if rank != 0:
            return
        tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        for name, p in model.named_parameters():
            for k, v in opt.state.get(p, {}).items():
                tensors[f"optim.{name}.{k}"] = v.detach().cpu().reshape(p.shape if k != "step" else ()).float().contiguous()
        tensors["state.h"] = torch.cat(hs, dim=1).cpu().contiguous()
        if c is not None:
            tensors["state.c"] = torch.cat(cs, dim=1).cpu().contiguous()
        meta = {k: v for k, v in metadata.items() if k != "lmsh.sha256"}  # the data changed: lmsh's checksum would lie
        meta["lmsh.step"], meta["lmsh.loss_history"] = str(step), json.dumps(history)
        atomic_write(ckpt, lambda p: save_file(tensors, p, metadata=meta))
        run["written_by"] = "train.py"
        run["position"] = {"step": step, "epoch": epoch, "window": window}
        run["optimizer"]["steps"] = first_optimizer_steps + step - first_step
        run["loss_history"] = history
        segs = run.setdefault("segments", [])
        if not segs or segs[-1].get("by") != "torch" or segs[-1].get("to_step") != first_step or segs[-1].get("world_size") != world:
            segs.append({"by": "torch", "world_size": world, "device": device.type, "from_step": first_step, "to_step": step})
        segs[-1]["to_step"] = step
        atomic_write(os.path.join(HERE, "run.json"), lambda p: open(p, "w").write(json.dumps(run, indent=2, sort_keys=True) + "\n"))

    for i in range(args.steps):
        if window == 0:  # a new pass over the text: the streams jump, so the state starts again from zero
            h = torch.zeros_like(h)
            c = torch.zeros_like(c) if c is not None else None
        lr = learning_rate(run["schedule"], step, epoch)
        for g in opt.param_groups:
            g["lr"] = lr
        cols = slice(window * S, (window + 1) * S)
        x = mine[:, cols].t().long().to(device)
        y = (mine[:, window * S + 1:(window + 1) * S + 1] if mine_targets is None else mine_targets[:, cols]).t().long().to(device)
        logits, new_state = net(x, (h, c) if c is not None else h)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        clip_(list(model.parameters()), run["clip"])
        whole = loss.detach().clone()
        if distributed:
            dist.all_reduce(whole)
            whole /= world
        if not math.isfinite(whole.item()):
            raise SystemExit(f"train.py: the loss is not finite at step {step + 1}; the checkpoint is left as it was")
        opt.step()
        if c is not None:
            h, c = new_state[0].detach(), new_state[1].detach()
        else:
            h = new_state.detach()
        step += 1
        history.append(whole.item())
        window += 1
        if window == windows:
            epoch, window = epoch + 1, 0
        if i == 0:
            start = time.time()  # the rate leaves out the first step (allocation, DDP's first all-reduce)
        if rank == 0 and (args.print_every > 0 and (i + 1) % args.print_every == 0 or i == 0):
            rate = i * B * S / max(time.time() - start, 1e-9)
            print(f"step {step}  loss {whole.item():.6f}  lr {lr:.3g}  epoch {epoch + window / windows:.3f}"
                  + (f"  {rate:.0f} chars/s" if i > 0 else ""), flush=True)
        if args.checkpoint_every > 0 and (i + 1) % args.checkpoint_every == 0:
            checkpoint()
    checkpoint()
    if rank == 0:
        print(f"train.py: {args.steps} steps on {world} process{'es' if world > 1 else ''} ({device.type}); "
              f"checkpoint at step {step} in {HERE}", flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
"""#
}
