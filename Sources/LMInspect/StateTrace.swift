import CBLAS
import Foundation
import LMCore
import LMModels

/// Everything a model computes while it reads a text, kept for looking at: per layer and step the hidden
/// state h, the cell state c (LSTMs) and every gate (i, f, g, o for LSTMs; f, o, g for the coupled LSTM;
/// r, z, n for GRUs).
///
/// The trace runs its own forward pass (batch 1, no graph) with one GEMM for each layer's input projection
/// and one GEMV per step, so that a few thousand characters through a 2 × 128 LSTM take a moment, not
/// minutes; `StateTraceTests` checks it against the model's reference path. The model starts from the
/// zero state, as `gradflow` does.
public struct StateTrace: Sendable {
    public struct Layer: Sendable {
        /// [T·H] row-major: step t, unit j at `t * H + j`. The state after reading character t.
        public var h: [Float]
        /// Cell states (LSTMs only; empty otherwise).
        public var c: [Float]
        /// Gate activations by name (`CellKind.gateNames`), each [T·H].
        public var gates: [String: [Float]]
        /// For a GRU, W_hn h_prev + b_hn per step (needed by the Jacobian); empty otherwise.
        var gruHiddenN: [Float]
    }

    public let cell: CellKind
    public let hidden: Int
    public let ids: [Int]
    public var layers: [Layer]
    /// Next-symbol logits after each step, [T·V] (from the top layer through the decoder).
    public var logits: [Float]
    public let vocabSize: Int

    public var steps: Int { ids.count }

    /// The kinds `matrix(layer:kind:)` knows for this cell: "h", "c" when there is a cell, the gates.
    public var kinds: [String] {
        ["h"] + (cell.hasCell ? ["c"] : []) + (cell == .rnn ? [] : cell.gateNames)
    }

    /// Runs `model` over `ids` from the zero state.
    public static func run(_ model: RecurrentModel, ids: [Int]) throws -> StateTrace {
        let cfg = model.config
        guard !ids.isEmpty else { throw ModelError("states: the text is empty") }
        guard ids.allSatisfy({ $0 >= 0 && $0 < cfg.vocabSize }) else {
            throw ModelError("states: a symbol id is outside the vocabulary of \(cfg.vocabSize)")
        }
        let H = cfg.hidden, G = cfg.cell.gates * H, T = ids.count
        func p(_ name: String) throws -> [Float] {
            guard let t = model.parameters[name] else { throw ModelError("states: the model has no \(name)") }
            return t.data
        }
        // The input to layer 0, as a [T·I] matrix, unless it is one-hot (then a column gather below).
        var input: [Float] = []
        var inputSize = cfg.vocabSize
        if cfg.embed > 0 {
            let e = try p("encoder.weight")
            input.reserveCapacity(T * cfg.embed)
            for id in ids { input += e[(id * cfg.embed)..<((id + 1) * cfg.embed)] }
            inputSize = cfg.embed
        }
        var layers: [Layer] = []
        for l in 0..<cfg.layers {
            let wih = try p("rnn.weight_ih_l\(l)"), whh = try p("rnn.weight_hh_l\(l)")
            let bih = try p("rnn.bias_ih_l\(l)"), bhh = try p("rnn.bias_hh_l\(l)")
            // xp[t] = W_ih x_t + b_ih for every step at once.
            var xp = [Float](repeating: 0, count: T * G)
            if l == 0 && cfg.embed == 0 {
                for t in 0..<T { for g in 0..<G { xp[t * G + g] = wih[g * inputSize + ids[t]] } }
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(G), Int32(inputSize), 1,
                            input, Int32(inputSize), wih, Int32(inputSize), 0, &xp, Int32(G))
            }
            for t in 0..<T { for g in 0..<G { xp[t * G + g] += bih[g] } }
            var layer = Layer(h: [Float](repeating: 0, count: T * H), c: cfg.cell.hasCell ? [Float](repeating: 0, count: T * H) : [],
                              gates: [:], gruHiddenN: cfg.cell == .gru ? [Float](repeating: 0, count: T * H) : [])
            var gates = [[Float]](repeating: [Float](repeating: 0, count: T * H), count: cfg.cell == .rnn ? 0 : cfg.cell.gates)
            var hPrev = [Float](repeating: 0, count: H), cPrev = hPrev
            var hp = [Float](repeating: 0, count: G)
            for t in 0..<T {
                hp = bhh
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(G), Int32(H), 1, whh, Int32(H), hPrev, 1, 1, &hp, 1)
                let out = CellStep.forward(cfg.cell, xp: Array(xp[(t * G)..<((t + 1) * G)]), hp: hp, hPrev: hPrev, cPrev: cPrev)
                for j in 0..<H { layer.h[t * H + j] = out.h[j] }
                if cfg.cell.hasCell { for j in 0..<H { layer.c[t * H + j] = out.c[j] } }
                for (k, gate) in out.gates.enumerated() { for j in 0..<H { gates[k][t * H + j] = gate[j] } }
                if cfg.cell == .gru { for j in 0..<H { layer.gruHiddenN[t * H + j] = hp[2 * H + j] } }
                hPrev = out.h
                cPrev = out.c
            }
            for (k, name) in cfg.cell.gateNames.enumerated() where cfg.cell != .rnn { layer.gates[name] = gates[k] }
            input = layer.h
            inputSize = H
            layers.append(layer)
        }
        let dec = try p("decoder.weight"), decBias = try p("decoder.bias")
        let V = cfg.vocabSize
        var logits = [Float](repeating: 0, count: T * V)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(V), Int32(H), 1,
                    input, Int32(H), dec, Int32(H), 0, &logits, Int32(V))
        for t in 0..<T { for v in 0..<V { logits[t * V + v] += decBias[v] } }
        return StateTrace(cell: cfg.cell, hidden: H, ids: ids, layers: layers, logits: logits, vocabSize: V)
    }

    /// One kind of state of one layer (0-based) as [T·H]: "h", "c", "tanh_c", or a gate's name.
    public func values(layer: Int, kind: String) throws -> [Float] {
        guard layer >= 0 && layer < layers.count else {
            throw ModelError("states: layer \(layer + 1) is outside 1...\(layers.count)")
        }
        let L = layers[layer]
        switch kind {
        case "h": return L.h
        case "c" where cell.hasCell: return L.c
        case "tanh_c" where cell.hasCell: return L.c.map { Foundation.tanh($0) }
        default:
            if let g = L.gates[kind] { return g }
            throw ModelError("states: a \(cell.rawValue) layer has no state \"\(kind)\"; it has \(kinds.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }

    /// What a cell "shows" (as Karpathy et al. 2015 colour it): tanh(c) for LSTMs, h otherwise; in [−1, 1].
    public func activations(layer: Int) throws -> [Float] {
        try values(layer: layer, kind: cell.hasCell ? "tanh_c" : "h")
    }
}

/// One step of a recurrent cell on plain arrays, given the input projection `xp` = W_ih x + b_ih and the
/// recurrent projection `hp` = W_hh h_prev + b_hh (both [G·H]). The same equations as the reference path.
enum CellStep {
    struct Output {
        var h: [Float]
        var c: [Float]
        /// In `CellKind.gateNames` order (empty for the tanh RNN).
        var gates: [[Float]]
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    static func forward(_ cell: CellKind, xp: [Float], hp: [Float], hPrev: [Float], cPrev: [Float]) -> Output {
        let H = hPrev.count
        var h = [Float](repeating: 0, count: H), c = [Float](repeating: 0, count: cell.hasCell ? H : 0)
        switch cell {
        case .rnn:
            for j in 0..<H { h[j] = Foundation.tanh(xp[j] + hp[j]) }
            return Output(h: h, c: c, gates: [])
        case .lstm:
            var i = h, f = h, g = h, o = h
            for j in 0..<H {
                i[j] = sigmoid(xp[j] + hp[j]); f[j] = sigmoid(xp[H + j] + hp[H + j])
                g[j] = Foundation.tanh(xp[2 * H + j] + hp[2 * H + j]); o[j] = sigmoid(xp[3 * H + j] + hp[3 * H + j])
                c[j] = f[j] * cPrev[j] + i[j] * g[j]
                h[j] = o[j] * Foundation.tanh(c[j])
            }
            return Output(h: h, c: c, gates: [i, f, g, o])
        case .coupledLSTM:
            var f = h, o = h, g = h
            for j in 0..<H {
                f[j] = sigmoid(xp[j] + hp[j]); o[j] = sigmoid(xp[H + j] + hp[H + j])
                g[j] = Foundation.tanh(xp[2 * H + j] + hp[2 * H + j])
                c[j] = cPrev[j] * f[j] + g[j] * (1 - f[j])
                h[j] = Foundation.tanh(c[j]) * o[j]
            }
            return Output(h: h, c: c, gates: [f, o, g])
        case .gru:
            var r = h, z = h, n = h
            for j in 0..<H {
                r[j] = sigmoid(xp[j] + hp[j]); z[j] = sigmoid(xp[H + j] + hp[H + j])
                n[j] = Foundation.tanh(xp[2 * H + j] + r[j] * hp[2 * H + j])
                h[j] = (1 - z[j]) * n[j] + z[j] * hPrev[j]
            }
            return Output(h: h, c: c, gates: [r, z, n])
        }
    }
}
