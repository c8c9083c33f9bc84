import Foundation
import LMCore
import LMModels

/// Everything a model computes while it reads a text, kept for looking at: per layer and step the hidden
/// state h, the cell state c (cells with a memory) and every gate the cell's step returns (i, f, g, o for
/// LSTMs; f, o, g for the coupled LSTM; r, z, n for GRUs; whatever a new cell names).
///
/// Derived from the cell's definition: the model's one sequence driver (`RecurrentModel.unroll`) runs at
/// batch 1 without a graph and this trace records each step's output, so it works unchanged for any cell.
/// `StateTraceTests` checks it against the fused kernels (for cells that have one). The model starts from
/// the zero state, as `gradflow` does.
public struct StateTrace: Sendable {
    public struct Layer: Sendable {
        /// [T·H] row-major: step t, unit j at `t * H + j`. The state after reading character t.
        public var h: [Float]
        /// Cell states (cells with a memory only; empty otherwise), [T·M] with M = `memoryWidth`.
        public var c: [Float]
        /// Gate activations by name (the cell's gate names), each [T·H].
        public var gates: [String: [Float]]
    }

    public let cell: CellKind
    public let hidden: Int
    /// The width M of the memory c (H for the built-in LSTMs; a typed cell's other state items side by side).
    public let memoryWidth: Int
    public let ids: [Int]
    public var layers: [Layer]
    /// Next-symbol logits after each step, [T·V] (from the top layer through the decoder).
    public var logits: [Float]
    public let vocabSize: Int

    public var steps: Int { ids.count }

    /// The kinds `values(layer:kind:)` knows for this cell: "h", "c" when there is a memory, the traced gates.
    public var kinds: [String] {
        ["h"] + (cell.hasCell ? ["c"] : []) + cell.gateNames.filter { layers.first?.gates[$0] != nil }
    }

    /// Runs `model` over `ids` from the zero state.
    public static func run(_ model: RecurrentModel, ids: [Int]) throws -> StateTrace {
        let cfg = model.config
        guard !ids.isEmpty else { throw ModelError("states: the text is empty") }
        guard ids.allSatisfy({ $0 >= 0 && $0 < cfg.vocabSize }) else {
            throw ModelError("states: a symbol id is outside the vocabulary of \(cfg.vocabSize)")
        }
        let H = cfg.hidden, M = cfg.memoryWidth, T = ids.count, names = cfg.cell.gateNames
        let zero = [Float](repeating: 0, count: T * H)
        let memory = cfg.cell.hasCell ? [Float](repeating: 0, count: T * M) : []
        var layers = [Layer](repeating: Layer(h: zero, c: memory, gates: [:]), count: cfg.layers)
        let logits: [Float] = try Tensor.withoutGrad {
            let (top, _) = try model.unroll(ids: ids, batch: 1, state: RecurrentState(config: cfg, batch: 1)) { l, t, out in
                let range = (t * H)..<((t + 1) * H)
                layers[l].h.replaceSubrange(range, with: out.h.data)
                if cfg.cell.hasCell, let c = out.c { layers[l].c.replaceSubrange((t * M)..<((t + 1) * M), with: c.data) }
                // Gates as the step names them (a cell without gates, such as the tanh RNN, returns none).
                if out.gates.count == names.count {
                    for (k, g) in out.gates.enumerated() { layers[l].gates[names[k], default: zero].replaceSubrange(range, with: g.data) }
                }
            }
            return try model.decode(Tensor.concat(top, axis: 0)).data
        }
        return StateTrace(cell: cfg.cell, hidden: H, memoryWidth: M, ids: ids, layers: layers, logits: logits, vocabSize: cfg.vocabSize)
    }

    /// One kind of state of one layer (0-based) as [T·H]: "h", "c", "tanh_c", or a gate's name.
    public func values(layer: Int, kind: String) throws -> [Float] {
        guard layer >= 0 && layer < layers.count else {
            throw ModelError("states: layer \(layer + 1) is outside 1...\(layers.count)")
        }
        let L = layers[layer]
        switch kind {
        case "h": return L.h
        case "c" where cell.hasCell: return memoryUnits(L.c)
        case "tanh_c" where cell.hasCell: return memoryUnits(L.c).map { Foundation.tanh($0) }
        default:
            if let g = L.gates[kind] { return g }
            throw ModelError("states: a \(cell.name) layer has no state \"\(kind)\"; it has \(kinds.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }

    /// The first H units of each step's memory, [T·H]: c itself for the LSTMs; a typed cell's second state item.
    func memoryUnits(_ c: [Float]) -> [Float] {
        let H = hidden, M = memoryWidth
        guard M != H else { return c }
        var out = [Float](repeating: 0, count: steps * H)
        for t in 0..<steps {
            for j in 0..<Swift.min(H, M) { out[t * H + j] = c[t * M + j] }
        }
        return out
    }

    /// What a cell "shows" (as Karpathy et al. 2015 colour it): tanh(c) for LSTMs, h otherwise; in [−1, 1].
    public func activations(layer: Int) throws -> [Float] {
        try values(layer: layer, kind: cell.hasCell ? "tanh_c" : "h")
    }

    /// The input layer `l` read at step `t`: [1, I] (the layer below's h, or an embedding row), or the
    /// symbol id as a [1] tensor for one-hot input.
    func input(_ model: RecurrentModel, layer l: Int, step t: Int) throws -> Tensor {
        let H = hidden
        if l > 0 { return try Tensor(shape: [1, H], data: Array(layers[l - 1].h[(t * H)..<((t + 1) * H)])) }
        let id = Tensor([Float(ids[t])])
        guard model.config.embed > 0, let e = model.parameters["encoder.weight"] else { return id }
        return try e.detached().gatherRows(id)
    }
}
