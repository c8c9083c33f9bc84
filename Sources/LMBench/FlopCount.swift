import LMModels

/// FLOPs of one window, with the reference script's formula so that GFLOP/s figures compare:
/// forward = Σ over layers 2·gates·H·(I + H)·B·T + 2·H·V·B·T with I = V for the first layer (one-hot
/// input counted as if it were a product, although both lmsh and PyTorch's one-hot path do less; I = E with
/// an embedding of size `embed`, whose lookup is free), and training = 3 × forward.
public enum FlopCount {
    public static func forward(cell: CellKind, vocab v: Int, hidden h: Int, layers: Int, batch b: Int, seq t: Int, embed: Int = 0) -> Double {
        let gates = Double(cell.gates)
        var total = 0.0
        for l in 0..<layers {
            let input = Double(l == 0 ? (embed > 0 ? embed : v) : h)
            total += 2 * gates * Double(h) * (input + Double(h)) * Double(b * t)
        }
        return total + 2 * Double(h) * Double(v) * Double(b * t)
    }

    public static func training(cell: CellKind, vocab v: Int, hidden h: Int, layers: Int, batch b: Int, seq t: Int, embed: Int = 0) -> Double {
        3 * forward(cell: cell, vocab: v, hidden: h, layers: layers, batch: b, seq: t, embed: embed)
    }
}
