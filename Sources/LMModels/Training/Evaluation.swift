import LMCore

/// A loss over a whole text, in the three units people quote.
public struct LossReport: Sendable, Equatable, CustomStringConvertible {
    /// Mean negative log-likelihood, nats per character.
    public var nats: Double
    public var characters: Int
    /// How the text was split and laid out (quoted with every loss, so figures compare).
    public var splitSummary: String

    public var bits: Double { nats / 0.693_147_180_559_945_3 }
    public var perplexity: Double { _exp(nats) }

    public init(nats: Double, characters: Int, splitSummary: String) {
        self.nats = nats
        self.characters = characters
        self.splitSummary = splitSummary
    }

    public var description: String {
        String(format: "%.4f nats/char, %.4f bits/char, perplexity %.3f over %d chars", nats, bits, perplexity, characters)
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
        guard chars > 0 else { throw ModelError("evaluate: the split is empty") }
        return LossReport(nats: total / Double(chars), characters: chars, splitSummary: splitSummary)
    }
}
