import Foundation
import LMCore

/// Errors of n-gram models: bad orders, ids outside the vocabulary, bad sampling arguments.
public struct NGramError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Average loss of a model over a text.
public struct NGramEvaluation: Sendable, Equatable {
    /// Symbols predicted.
    public let symbols: Int
    /// `-Σ ln P(symbol | context)`.
    public let totalNats: Double

    public var natsPerSymbol: Double { symbols > 0 ? totalNats / Double(symbols) : 0 }
    public var bitsPerSymbol: Double { natsPerSymbol / M_LN2 }
    public var perplexity: Double { exp(natsPerSymbol) }

    /// `1.4100 nats/char, 2.0342 bits/char, perplexity 4.10 over 55800 chars`.
    public var summary: String {
        String(
            format: "%.4f nats/char, %.4f bits/char, perplexity %.2f over %d chars", natsPerSymbol,
            bitsPerSymbol, perplexity, symbols)
    }
}

/// A character n-gram model of any order `n ≥ 1` with interpolated modified Kneser-Ney smoothing
/// (Chen & Goodman 1998, section 3 and eq. 26): the baseline every neural character model in the
/// course is compared with.
///
/// For the highest order `n` and a context `h` of `n - 1` symbols,
///
///     P(w | h) = max(c(h w) - D_n(c(h w)), 0) / c(h·) + γ(h) P_{n-1}(w | h')
///     γ(h)     = (D1 N1(h·) + D2 N2(h·) + D3+ N3+(h·)) / c(h·)
///
/// where `h'` is `h` without its oldest symbol, `c(h·) = Σ_w c(h w)` and `N_r(h·)` counts the symbols
/// seen after `h` exactly `r` times (`N3+`: three or more). Lower orders `k < n` have the same form
/// with continuation counts `N1+(• w_{1..k})` (distinct left neighbours) instead of raw counts, and
/// order 1 interpolates with the uniform `1/V`, so every symbol of the vocabulary keeps a positive
/// probability. A context never seen at order `k` backs off to order `k - 1` entirely. Each order has
/// its own three discounts (`NGramDiscounts`). Near the start of a text the context is shorter than
/// `n - 1`: the model then uses the order its context allows (`P_{i+1}` for the symbol at offset `i`,
/// whose counts are continuation counts), there being no padding symbol in a character vocabulary.
///
/// For a unigram model (`n = 1`) this reduces to `P(w) = max(c(w) - D(c(w)), 0) / N + γ / V` with raw
/// counts, `N` the training length and `γ = (D1 N1 + D2 N2 + D3+ N3+) / N`.
public struct NGramModel: Sendable {
    enum Storage: Sendable {
        case packed(NGramTables<PackedKeys>)
        case arrays(NGramTables<ArrayKeys>)
    }

    let storage: Storage
    public let order: Int
    public let vocabularySize: Int
    /// Symbols the model was trained on.
    public let trainingSymbols: Int

    /// Trains on `segments`, each a contiguous piece of text (no n-gram crosses from one piece to
    /// the next: pieces of a char-rnn split are not adjacent in the file).
    public init(order: Int, vocabularySize: Int, segments: [[Int32]]) throws {
        guard order >= 1 else { throw NGramError("n-gram: order must be at least 1, not \(order)") }
        guard vocabularySize >= 1 else {
            throw NGramError("n-gram: vocabulary size must be at least 1, not \(vocabularySize)")
        }
        var total = 0
        for segment in segments {
            try NGramModel.check(segment, vocabularySize: vocabularySize, what: "training id")
            total += segment.count
        }
        guard total > 0 else { throw NGramError("n-gram: no training text") }
        self.order = order
        self.vocabularySize = vocabularySize
        self.trainingSymbols = total
        if let packer = PackedKeys(vocabularySize: vocabularySize, maxLength: order) {
            storage = .packed(
                NGramTables(packer: packer, order: order, vocabularySize: vocabularySize, segments: segments))
        } else {
            storage = .arrays(
                NGramTables(
                    packer: ArrayKeys(), order: order, vocabularySize: vocabularySize, segments: segments))
        }
    }

    /// Trains on one contiguous text.
    public init(order: Int, vocabularySize: Int, training ids: [Int32]) throws {
        try self.init(order: order, vocabularySize: vocabularySize, segments: [ids])
    }

    /// Trains on a part of a split (normally `splits.train`).
    public init(order: Int, vocabularySize: Int, training part: CorpusSplit) throws {
        guard part.mapped == nil else { throw CorpusError("ngram: this corpus is read through a memory map; an n-gram's counts need the text in memory") }
        try self.init(order: order, vocabularySize: vocabularySize, segments: part.segments)
    }

    /// Whether contexts are packed into `UInt64` keys (fast) rather than arrays (any vocabulary/order).
    public var usesPackedKeys: Bool {
        if case .packed = storage { return true }
        return false
    }

    /// The discounts of order `k` (`1...order`).
    public func discounts(order k: Int) -> NGramDiscounts? {
        guard k >= 1, k <= order else { return nil }
        switch storage {
        case .packed(let t): return t.discounts[k]
        case .arrays(let t): return t.discounts[k]
        }
    }

    /// Distinct k-grams stored for order `k` (with a count for the highest order, a continuation count
    /// below it).
    public func entryCount(order k: Int) -> Int {
        guard k >= 1, k <= order else { return 0 }
        switch storage {
        case .packed(let t): return t.counts[k].count
        case .arrays(let t): return t.counts[k].count
        }
    }

    /// `5-gram, interpolated modified Kneser-Ney, vocab 65, trained on 1059500 chars`.
    public var summary: String {
        "\(order)-gram, interpolated modified Kneser-Ney, vocab \(vocabularySize), trained on "
            + "\(trainingSymbols) chars"
    }

    /// `P(next | context)`; only the last `order - 1` symbols of `context` matter.
    public func probability(of next: Int32, after context: [Int32]) throws -> Double {
        try NGramModel.check([next], vocabularySize: vocabularySize, what: "symbol")
        try NGramModel.check(context, vocabularySize: vocabularySize, what: "context id")
        return uncheckedProbability(of: next, context: context[...])
    }

    /// `ln P(next | context)`.
    public func logProb(_ next: Int32, context: [Int32]) throws -> Double {
        log(try probability(of: next, after: context))
    }

    /// `P(· | context)` over the vocabulary (sums to 1).
    public func distribution(after context: [Int32]) throws -> [Double] {
        try NGramModel.check(context, vocabularySize: vocabularySize, what: "context id")
        return uncheckedDistribution(context: context[...])
    }

    /// Average loss over `ids` read as one text: every symbol is predicted, the first `order - 1` from
    /// the shorter contexts they have (the first from none).
    public func evaluate(_ ids: [Int32]) throws -> NGramEvaluation {
        try evaluate(segments: [ids])
    }

    /// Average loss over a part of a split (each piece read as its own text, as in training).
    public func evaluate(_ part: CorpusSplit) throws -> NGramEvaluation {
        guard part.mapped == nil else { throw CorpusError("ngram: this corpus is read through a memory map; an n-gram reads its text in memory") }
        return try evaluate(segments: part.segments)
    }

    /// Average loss over several pieces of text, each read from its start, weighted by length.
    public func evaluate(segments: [[Int32]]) throws -> NGramEvaluation {
        for segment in segments {
            try NGramModel.check(segment, vocabularySize: vocabularySize, what: "id")
        }
        var nats = 0.0, count = 0
        for segment in segments {
            for i in segment.indices {
                let start = max(segment.startIndex, i - (order - 1))
                nats -= log(uncheckedProbability(of: segment[i], context: segment[start..<i]))
                count += 1
            }
        }
        return NGramEvaluation(symbols: count, totalNats: nats)
    }

    /// Average loss over the predictions a recurrent model makes on `part` with `Batcher(part, batch:, seq:)`
    /// and its tail: the same targets, each from its stream's symbols up to its input (the last `order - 1`
    /// of them), so an n-gram and a neural model are scored over exactly the same predicted symbols.
    public func evaluate(_ part: CorpusSplit, batch: Int, seq: Int) throws -> NGramEvaluation {
        let batcher = try Batcher(part, batch: batch, seq: seq)
        var nats = 0.0, count = 0
        for s in batcher.streams {
            let e = try evaluate(inputs: Array(s.inputs), targets: Array(s.targets))
            nats += e.totalNats
            count += e.symbols
        }
        return NGramEvaluation(symbols: count, totalNats: nats)
    }

    /// Average loss of predicting `targets[i]` from `inputs[...i]` (the last `order - 1` of them): the
    /// next-symbol pairs a recurrent model is scored on (for a text: its symbols after the first).
    public func evaluate(inputs: [Int32], targets: [Int32]) throws -> NGramEvaluation {
        guard inputs.count == targets.count else { throw NGramError("n-gram: \(inputs.count) inputs, \(targets.count) targets") }
        try NGramModel.check(inputs, vocabularySize: vocabularySize, what: "id")
        try NGramModel.check(targets, vocabularySize: vocabularySize, what: "id")
        var nats = 0.0
        for i in inputs.indices {
            let start = max(0, i - (order - 2))
            nats -= log(uncheckedProbability(of: targets[i], context: start <= i ? inputs[start...i] : inputs[i..<i]))
        }
        return NGramEvaluation(symbols: inputs.count, totalNats: nats)
    }

    /// `count` symbols sampled after `prompt`, each from `P(· | context)^(1/temperature)`
    /// renormalised, drawing one `rng.nextDouble()` per symbol (so a seed gives the same text on every
    /// machine).
    public func sample(count: Int, prompt: [Int32] = [], temperature: Double = 1, rng: inout RandomSource)
        throws -> [Int32]
    {
        guard count >= 0 else { throw NGramError("n-gram sample: count must be non-negative, not \(count)") }
        guard temperature > 0, temperature.isFinite else {
            throw NGramError("n-gram sample: temperature must be positive and finite, not \(temperature)")
        }
        try NGramModel.check(prompt, vocabularySize: vocabularySize, what: "prompt id")
        var history = Array(prompt.suffix(max(order - 1, 0)))
        var out: [Int32] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var p = uncheckedDistribution(context: history.suffix(max(order - 1, 0)))
            if temperature != 1 { p = p.map { pow($0, 1 / temperature) } }
            let total = p.reduce(0, +)
            var u = rng.nextDouble() * total
            // Rounding can leave u just above the last bucket: fall back to the last symbol that has
            // any probability, never to one that has none.
            var chosen = p.lastIndex { $0 > 0 } ?? 0
            for (w, q) in p.enumerated() where q > 0 {
                if u < q {
                    chosen = w
                    break
                }
                u -= q
            }
            out.append(Int32(chosen))
            history.append(Int32(chosen))
            if history.count > 4 * order + 16 { history.removeFirst(history.count - (order - 1)) }
        }
        return out
    }

    func uncheckedProbability(of next: Int32, context: ArraySlice<Int32>) -> Double {
        let ctx = context.suffix(order - 1)
        switch storage {
        case .packed(let t): return t.probability(of: next, context: ctx)
        case .arrays(let t): return t.probability(of: next, context: ctx)
        }
    }

    func uncheckedDistribution(context: ArraySlice<Int32>) -> [Double] {
        let ctx = context.suffix(order - 1)
        switch storage {
        case .packed(let t): return t.distribution(context: ctx)
        case .arrays(let t): return t.distribution(context: ctx)
        }
    }

    static func check(_ ids: [Int32], vocabularySize: Int, what: String) throws {
        for (i, id) in ids.enumerated() where id < 0 || Int(id) >= vocabularySize {
            throw NGramError(
                "n-gram: \(what) \(id) at position \(i) is outside the vocabulary (ids 0..<\(vocabularySize))")
        }
    }
}
