#!/usr/bin/env python3
"""Golden values for Tests/LMCoreTests/GoldenTests.swift.

Computes a handful of composite expressions and their gradients in float64 with numpy, by hand
(analytic backprop written out below, no autodiff library), and writes golden.json next to this file.
Every input is a literal in this script -- no random draws -- so the Swift test can build the very
same tensors from the JSON. Before any value is written, every hand-derived gradient is checked
against float64 central differences, so a mistake in a derivation stops the script instead of
ending up in the golden file.

The inputs are rounded to float32 before computing (the Swift side holds them as float32), so the
golden values are the exact float64 results for the float32 inputs LMCore actually sees.

Run:  python3 Tests/LMCoreTests/Golden/make_golden.py      (numpy only)
"""
import json
import os
import re

import numpy as np

F64 = np.float64


def lit(values):
    """A literal input: rounded to float32 (what Swift holds), then computed on in float64."""
    return np.asarray(values, dtype=np.float32).astype(F64)


def enc(a):
    a = np.asarray(a, dtype=F64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def enc_literal(values):
    """Inputs are written as the literal decimals of this script (not their float32 roundings)."""
    a = np.asarray(values, dtype=F64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def numeric_grad(f, arrays, k, eps=1e-6):
    """Central differences of scalar f(*arrays) with respect to arrays[k], in float64."""
    x = arrays[k]
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        saved = x[i]
        x[i] = saved + eps
        plus = f(*arrays)
        x[i] = saved - eps
        minus = f(*arrays)
        x[i] = saved
        g[i] = (plus - minus) / (2 * eps)
    return g


def assert_grads(f, arrays, grads, names, case):
    for k, (g, name) in enumerate(zip(grads, names)):
        num = numeric_grad(f, arrays, k)
        err = np.max(np.abs(num - g) / np.maximum(1.0, np.abs(num)))
        assert err < 1e-7, f"{case}: hand gradient {name} disagrees with finite differences ({err:.3g})"


def softmax(z, axis=-1):
    m = np.max(z, axis=axis, keepdims=True)
    e = np.exp(z - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    m = np.max(z, axis=axis, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))


cases = {}

# ---------------------------------------------------------------------------------------------
# (a) 2-layer MLP: logits = tanh(x @ W1 + b1) @ W2 + b2; loss = mean softmax cross-entropy.
mlp_in = {
    "x": [[0.5, -1.2, 0.3], [1.1, 0.4, -0.7], [-0.6, 0.9, 1.5], [0.2, -0.3, -1.1]],
    "W1": [[0.21, -0.43, 0.65, 0.12, -0.38],
           [-0.57, 0.34, 0.08, -0.29, 0.46],
           [0.15, 0.27, -0.52, 0.61, -0.11]],
    "b1": [0.05, -0.1, 0.2, 0.0, -0.15],
    "W2": [[0.31, -0.22, 0.47], [-0.18, 0.56, -0.09], [0.62, 0.13, -0.41], [-0.35, -0.27, 0.24], [0.09, 0.44, -0.53]],
    "b2": [0.1, -0.05, 0.02],
    "targets": [2, 0, 1, 2],
}
x, W1, b1, W2, b2 = (lit(mlp_in[k]) for k in ["x", "W1", "b1", "W2", "b2"])
t = np.asarray(mlp_in["targets"])
N = x.shape[0]


def mlp_loss(x, W1, b1, W2, b2):
    h = np.tanh(x @ W1 + b1)
    logits = h @ W2 + b2
    return -np.mean(log_softmax(logits)[np.arange(N), t])


z1 = x @ W1 + b1
h = np.tanh(z1)
logits = h @ W2 + b2
loss = -np.mean(log_softmax(logits)[np.arange(N), t])
# Backward, by hand.
onehot = np.eye(logits.shape[1])[t]
dlogits = (softmax(logits) - onehot) / N
dW2 = h.T @ dlogits
db2 = dlogits.sum(axis=0)
dh = dlogits @ W2.T
dz1 = dh * (1 - h * h)
dW1 = x.T @ dz1
db1 = dz1.sum(axis=0)
assert_grads(lambda W1, b1, W2, b2: mlp_loss(x, W1, b1, W2, b2), [W1, b1, W2, b2],
             [dW1, db1, dW2, db2], ["W1", "b1", "W2", "b2"], "mlp")
cases["mlp"] = {
    "inputs": {k: enc_literal(v) for k, v in mlp_in.items()},
    "expected": {"hidden": enc(h), "logits": enc(logits), "loss": enc(loss),
                 "dW1": enc(dW1), "db1": enc(db1), "dW2": enc(dW2), "db2": enc(db2)},
}

# ---------------------------------------------------------------------------------------------
# (b) 3-step tanh RNN, unrolled: h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + c), h_0 = 0, batch of 2;
#     loss = sum(h_3 ** 2). Gradients by back-propagation through time.
rnn_in = {
    "x": [  # [T=3, B=2, D=3]
        [[0.5, -0.2, 0.1], [-0.3, 0.8, 0.4]],
        [[0.9, 0.3, -0.6], [0.2, -0.5, 0.7]],
        [[-0.4, 0.6, 0.2], [0.1, 0.1, -0.9]],
    ],
    "Wx": [[0.3, -0.1, 0.25, 0.4], [-0.2, 0.45, 0.1, -0.35], [0.15, 0.05, -0.3, 0.2]],
    "Wh": [[0.5, -0.3, 0.1, 0.2], [0.2, 0.4, -0.25, 0.1], [-0.15, 0.3, 0.35, -0.2], [0.1, -0.05, 0.2, 0.45]],
    "c": [0.05, -0.1, 0.15, 0.0],
}
xs, Wx, Wh, c = (lit(rnn_in[k]) for k in ["x", "Wx", "Wh", "c"])
T, B, D = xs.shape
H = Wx.shape[1]


def rnn_forward(Wx, Wh, c):
    hs = [np.zeros((B, H))]
    for step in range(T):
        hs.append(np.tanh(xs[step] @ Wx + hs[-1] @ Wh + c))
    return hs


def rnn_loss(Wx, Wh, c):
    return np.sum(rnn_forward(Wx, Wh, c)[-1] ** 2)


hs = rnn_forward(Wx, Wh, c)
loss = np.sum(hs[-1] ** 2)
dWx, dWh, dc = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(c)
dh = 2 * hs[-1]
dh_steps = {}
for step in reversed(range(T)):
    dh_steps[step + 1] = dh
    da = dh * (1 - hs[step + 1] ** 2)
    dWx += xs[step].T @ da
    dWh += hs[step].T @ da
    dc += da.sum(axis=0)
    dh = da @ Wh.T
assert_grads(rnn_loss, [Wx, Wh, c], [dWx, dWh, dc], ["Wx", "Wh", "c"], "rnn")
cases["rnn"] = {
    "inputs": {k: enc_literal(v) for k, v in rnn_in.items()},
    "expected": {"h1": enc(hs[1]), "h2": enc(hs[2]), "h3": enc(hs[3]), "loss": enc(loss),
                 "dWx": enc(dWx), "dWh": enc(dWh), "dc": enc(dc),
                 # dL/dh_1: what retainsGrad on the first hidden state must report.
                 "dh1": enc(dh_steps[1])},
}

# ---------------------------------------------------------------------------------------------
# (c) softmax / log_softmax of rows with large values: naive exp overflows, the stable form does not.
#     Also the gradient of sum(w * log_softmax(z)), which is w - softmax(z) * sum(w) per row.
stab_in = {
    "z": [[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0], [0.5, 0.5, 0.5], [88.5, -88.5, 0.0]],
    "w": [[1.0, 0.0, 0.0], [0.2, 0.3, 0.5], [-1.0, 2.0, 0.5], [0.0, 1.0, 0.0]],
    "targets": [0, 2, 1, 1],
}
z, w = lit(stab_in["z"]), lit(stab_in["w"])
tz = np.asarray(stab_in["targets"])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
assert np.isnan(naive[0]).all(), "the naive softmax should overflow on row 0 (that is the point)"
sm, lsm = softmax(z), log_softmax(z)
dz = w - sm * w.sum(axis=-1, keepdims=True)
ce = -np.mean(lsm[np.arange(z.shape[0]), tz])
dce = (sm - np.eye(3)[tz]) / z.shape[0]
assert_grads(lambda z: np.sum(w * log_softmax(z)), [z.copy()], [dz], ["z"], "stability")
cases["stability"] = {
    "inputs": {k: enc_literal(v) for k, v in stab_in.items()},
    "expected": {"softmax": enc(sm), "log_softmax": enc(lsm), "dz": enc(dz),
                 "cross_entropy": enc(ce), "dce": enc(dce)},
}

# ---------------------------------------------------------------------------------------------
# (d) broadcasting: y = sum(a[2,1,3] * b[4,1], axis=1, keepdims=True) -> [2,1,3];
#     backward with seed g (same shape as y): dL/da and dL/db for L = sum(g * y).
bc_in = {
    "a": [[[0.5, -1.5, 2.0]], [[1.25, 0.75, -0.5]]],
    "b": [[0.1], [-0.4], [0.7], [1.3]],
    "g": [[[1.0, -2.0, 0.5]], [[0.25, 3.0, -1.0]]],
}
a, b, g = (lit(bc_in[k]) for k in ["a", "b", "g"])
prod = a * b  # [2,4,3]
y = prod.sum(axis=1, keepdims=True)
# Hand gradient: y[i,0,k] = a[i,0,k] * sum_j b[j,0].
da = g * b.sum()
db = np.full(b.shape, np.sum(g * a))
assert_grads(lambda a, b: np.sum(g * (a * b).sum(axis=1, keepdims=True)), [a, b], [da, db], ["a", "b"], "broadcast")
cases["broadcast"] = {
    "inputs": {k: enc_literal(v) for k, v in bc_in.items()},
    "expected": {"product": enc(prod), "y": enc(y), "da": enc(da), "db": enc(db)},
}

# ---------------------------------------------------------------------------------------------
# (e) batched matmul with a broadcast right operand, then a layer-norm-like normalisation over the
#     last axis: m = A[2,3,4] @ B[4,3], y = (m - mean(m)) / sqrt(var(m) + eps) (biased variance),
#     L = sum(w * y). dB sums over the batch, since B is shared by both batch entries.
ln_in = {
    "A": [
        [[0.2, -0.4, 0.6, 0.1], [0.5, 0.3, -0.2, -0.7], [-0.1, 0.8, 0.4, 0.2]],
        [[0.9, -0.6, 0.05, 0.3], [-0.35, 0.15, 0.55, -0.45], [0.7, 0.2, -0.8, 0.6]],
    ],
    "B": [[0.4, -0.2, 0.3], [0.1, 0.5, -0.6], [-0.3, 0.25, 0.2], [0.6, -0.1, 0.45]],
    "w": [
        [[1.0, -0.5, 0.25], [0.3, 0.6, -0.9], [-1.2, 0.4, 0.8]],
        [[0.5, 0.5, -1.0], [2.0, -1.0, 0.1], [0.0, 0.7, -0.3]],
    ],
    "eps": 1e-3,
}
A, Bm, wl = (lit(ln_in[k]) for k in ["A", "B", "w"])
eps = float(np.float32(ln_in["eps"]))


def ln_forward(A, Bm):
    m = A @ Bm
    mu = m.mean(axis=-1, keepdims=True)
    var = ((m - mu) ** 2).mean(axis=-1, keepdims=True)
    return m, (m - mu) / np.sqrt(var + eps)


m, yl = ln_forward(A, Bm)
mu = m.mean(axis=-1, keepdims=True)
rstd = 1 / np.sqrt(((m - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
gy = wl
dm = rstd * (gy - gy.mean(axis=-1, keepdims=True) - yl * (gy * yl).mean(axis=-1, keepdims=True))
dA = dm @ Bm.T
dB = np.einsum("bik,bij->kj", A, dm)
assert_grads(lambda A, Bm: np.sum(wl * ln_forward(A, Bm)[1]), [A, Bm], [dA, dB], ["A", "B"], "layernorm")
cases["layernorm"] = {
    "inputs": {k: enc_literal(v) for k, v in ln_in.items()},
    "expected": {"m": enc(m), "y": enc(yl), "loss": enc(np.sum(wl * yl)), "dA": enc(dA), "dB": enc(dB)},
}

out = {
    "generator": "Tests/LMCoreTests/Golden/make_golden.py (numpy %s, float64)" % np.__version__,
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
text = json.dumps(out, indent=1, allow_nan=False)
# One line per list of numbers, so the file reads (and diffs) a tensor per line.
text = re.sub(r"\[\s*([-+0-9.eE,\s]*?)\s*\]",
              lambda mt: "[" + ", ".join(v.strip() for v in mt.group(1).split(",") if v.strip()) + "]", text)
with open(path, "w") as f:
    f.write(text + "\n")
print("wrote", path, "with cases:", ", ".join(cases))
