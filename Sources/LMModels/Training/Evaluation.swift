import LMCore

/// A loss over a whole text, in the three units people quote.
public struct LossReport: Sendable, Equatable, CustomStringConvertible {
    /// Mean negative log-likelihood, nats per character.
    public var nats: Double
    /// Symbols predicted (characters or words: see `unit`).
    public var characters: Int
    /// What a symbol is, `"char"` or `"word"`: every figure is per one of them.
    public var unit: String = "char"
    /// How the text was split and laid out (quoted with every loss, so figures compare).
    public var splitSummary: String

    public var bits: Double { nats / 0.693_147_180_559_945_3 }
    public var perplexity: Double { _exp(nats) }

    public init(nats: Double, characters: Int, splitSummary: String, unit: String = "char") {
        self.nats = nats
        self.characters = characters
        self.splitSummary = splitSummary
        self.unit = unit
    }

    public var description: String {
        String(format: "%.4f nats/%@, %.4f bits/%@, perplexity %.3f over %d %@s", nats, unit, bits, unit, perplexity, characters, unit)
            + (splitSummary.isEmpty ? "" : " (\(splitSummary))")
    }
}

import Foundation

func _exp(_ x: Double) -> Double { Foundation.exp(x) }

/// Converts a [batch][seq] row-major window into the time-major order the kernels use.
func timeMajor(_ rows: [Int32], batch: Int, seq: Int) -> [Int] {
    var out = [Int](repeating: 0, count: rows.count)
    for b in 0..<batch {
        for t in 0..<seq { out[t * batch + b] = Int(rows[b * seq + t]) }
    }
    return out
}

extension RecurrentModel {
    /// Loss over a whole split, windows in order with the state carried (no graph, no dropout).
    public func evaluate(
        _ split: CorpusSplit, batch: Int, seq: Int, splitSummary: String = "",
        shouldStop: () -> Bool = { false }
    ) throws -> LossReport {
        var batcher = try Batcher(split, batch: batch, seq: seq)
        let window = FusedWindow()
        var state = RecurrentState(config: config, batch: batcher.batch)
        var total: Double = 0, chars = 0
        for _ in 0..<batcher.windowsPerEpoch {
            if shouldStop() { break }
            let b = batcher.next()
            let r = try window.run(self, ids: timeMajor(b.inputs, batch: b.batch, seq: b.seq),
                                   targets: timeMajor(b.targets, batch: b.batch, seq: b.seq),
                                   batch: b.batch, state: state, train: false)
            state = r.finalState
            total += Double(r.loss) * Double(b.batch * b.seq)
            chars += b.batch * b.seq
        }
        // The symbols after the last whole window continue the last stream: score them too, from its
        // state, so that every symbol of the part is predicted once (as an n-gram's evaluation does).
        if !shouldStop() && !batcher.tailInputs.isEmpty {
            let r0 = (batcher.batch - 1) * config.hidden
            var last = RecurrentState(config: config, batch: 1)
            for l in 0..<config.layers {
                last.h[l] = Array(state.h[l][r0..<(r0 + config.hidden)])
                if config.cell.hasCell { last.c[l] = Array(state.c[l][r0..<(r0 + config.hidden)]) }
            }
            var start = 0
            while start < batcher.tailInputs.count {
                let end = Swift.min(start + batcher.seq, batcher.tailInputs.count)
                let r = try window.run(self, ids: batcher.tailInputs[start..<end].map(Int.init),
                                       targets: batcher.tailTargets[start..<end].map(Int.init), batch: 1, state: last, train: false)
                last = r.finalState
                total += Double(r.loss) * Double(end - start)
                chars += end - start
                start = end
            }
        }
        guard chars > 0 else { throw ModelError("evaluate: the split is empty") }
        return LossReport(nats: total / Double(chars), characters: chars, splitSummary: splitSummary)
    }
}
