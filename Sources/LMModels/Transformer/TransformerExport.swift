import Foundation
import LMCore

/// `export t "dir/" torch=true` for a transformer: the checkpoint as `model.safetensors` (nanoGPT's state-dict
/// names) and `model.py`, a nanoGPT-style GPT that loads it, so the model goes on in PyTorch with
/// `python model.py` (its log-probs of a line, and a sample) or `from model import load`.
public enum TransformerExport {
    public static func write(_ m: TransformerModel, vocabulary: Vocabulary, steps: Int, lossHistory: [Float], to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try TransformerCheckpoint.save(m, vocabulary: vocabulary, steps: steps, lossHistory: lossHistory,
                                       to: dir.appendingPathComponent("model.safetensors"))
        try AtomicFile.write(Data(modelPy.utf8), to: dir.appendingPathComponent("model.py"))
    }

    /// nanoGPT's model.py reduced to what lmsh's transformer is (bias=True, no dropout, the head tied to wte).
    public static let modelPy = #"""
        """A GPT exported by lmsh (`export t "dir/" torch=true`): nanoGPT's model (bias=True, dropout 0, lm_head tied
        to wte) with the sizes and the vocabulary read from model.safetensors' metadata.

            python model.py                  # log-probs of a line and a sample
            from model import load; m, stoi, itos = load("model.safetensors")
        """
        import json
        import sys

        import torch
        import torch.nn as nn
        from torch.nn import functional as F
        from safetensors import safe_open
        from safetensors.torch import load_file


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


        class MLP(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.c_fc, self.gelu, self.c_proj = nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim)

            def forward(self, x):
                return self.c_proj(self.gelu(self.c_fc(x)))


        class Block(nn.Module):
            def __init__(self, dim, heads):
                super().__init__()
                self.ln_1, self.attn = nn.LayerNorm(dim), CausalSelfAttention(dim, heads)
                self.ln_2, self.mlp = nn.LayerNorm(dim), MLP(dim)

            def forward(self, x):
                x = x + self.attn(self.ln_1(x))
                return x + self.mlp(self.ln_2(x))


        class GPT(nn.Module):
            def __init__(self, vocab, layers, heads, dim, context):
                super().__init__()
                self.context = context
                self.transformer = nn.ModuleDict(dict(
                    wte=nn.Embedding(vocab, dim), wpe=nn.Embedding(context, dim),
                    h=nn.ModuleList([Block(dim, heads) for _ in range(layers)]), ln_f=nn.LayerNorm(dim)))
                self.lm_head = nn.Linear(dim, vocab, bias=False)
                self.transformer.wte.weight = self.lm_head.weight

            def forward(self, idx):
                x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(idx.size(1)))
                for block in self.transformer.h:
                    x = block(x)
                return self.lm_head(self.transformer.ln_f(x))


        def load(path="model.safetensors"):
            with safe_open(path, "pt") as f:
                meta = f.metadata()
            m = GPT(*(int(meta["lmsh." + k]) for k in ("vocab_size", "layers", "heads", "dim", "context")))
            m.load_state_dict(load_file(path), strict=True)
            itos = json.loads(meta["lmsh.vocabulary"])
            return m.eval(), {s: i for i, s in enumerate(itos)}, itos


        if __name__ == "__main__":
            m, stoi, itos = load(sys.argv[1] if len(sys.argv) > 1 else "model.safetensors")
            line = [c for c in "First Citizen:" if c in stoi][: m.context + 1]
            ids = torch.tensor([[stoi[c] for c in line]])
            with torch.no_grad():
                lp = F.log_softmax(m(ids[:, :-1]), dim=-1)[0]
                print("log-probs:", [round(lp[n, ids[0, n + 1]].item(), 4) for n in range(ids.size(1) - 1)])
                torch.manual_seed(1)
                for _ in range(200):
                    p = F.softmax(m(ids[:, -m.context:])[0, -1] / 0.8, dim=-1)
                    ids = torch.cat([ids, torch.multinomial(p, 1)[None]], dim=1)
            print("".join(itos[i] for i in ids[0].tolist()))
        """#
}
