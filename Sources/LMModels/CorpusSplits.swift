import Foundation

/// How held-out text is taken from a corpus.
public enum SplitLayout: String, Sendable, CaseIterable, Codable {
    /// char-rnn's `CharSplitLMMinibatchLoader`: the text is cut to a multiple of `batch * seq`
    /// symbols and laid out as `batch` contiguous streams of equal length (stream `j` is the `j`-th
    /// `1/batch` of the kept text). Each stream is cut into `nbatches` windows of `seq` symbols; the
    /// first `ntrain` windows of every stream are train, the next `nval` val, the rest test. So the
    /// last fraction of *each stream* is held out: val is `batch` short pieces spread through the
    /// file, not its end. With `train = 1 - (val + test)` (char-rnn's `train.lua`):
    /// `ntrain = floor(nbatches * train)`; if `test == 0`, `nval = nbatches - ntrain`, else
    /// `nval = floor(nbatches * val)` and `ntest = nbatches - ntrain - nval`. The boundaries therefore
    /// depend on `batch` and `seq`, and the tail of `N mod (batch * seq)` symbols is dropped.
    case charRNN = "charrnn"
    /// nanoGPT's and torch-rnn's: the end of the file is held out. `nval = floor(N * val)`,
    /// `ntest = floor(N * test)` (torch-rnn's rounding), train is the first `N - nval - ntest`
    /// symbols, then val, then test. Nothing is dropped.
    case contiguous
}

/// What split to make: held-out fractions, the layout, and (for `.charRNN`, whose boundaries depend
/// on them, and for the batchers made from the split) the batch and window sizes.
public struct SplitSpec: Sendable, Equatable, Codable {
    public var val: Double
    public var test: Double
    public var layout: SplitLayout
    public var batch: Int
    public var seq: Int

    /// char-rnn's defaults: val 0.05, test 0, batch 50, seq 50, its own layout.
    public init(val: Double = 0.05, test: Double = 0, layout: SplitLayout = .charRNN, batch: Int = 50,
                seq: Int = 50) {
        self.val = val
        self.test = test
        self.layout = layout
        self.batch = batch
        self.seq = seq
    }

    /// The one-line description quoted beside every loss, e.g. `charrnn layout, val 5%, test 0%`: a
    /// val loss means nothing without knowing which text it was measured on.
    public var summary: String {
        "\(layout.rawValue) layout, val \(SplitSpec.percent(val)), test \(SplitSpec.percent(test))"
    }

    static func percent(_ fraction: Double) -> String {
        String(format: "%g%%", fraction * 100)
    }
}

/// One part of a split (train, val or test): one or more contiguous pieces of the corpus.
public struct CorpusSplit: Sendable {
    /// `train`, `val` or `test`.
    public let name: String
    /// The pieces, in file order (`batch` pieces in the char-rnn layout, one in the contiguous one;
    /// none when the part is empty).
    public let segments: [[Int32]]
    /// For each piece, the symbol that follows it in the kept text, or the text's first symbol for
    /// the piece that ends it: char-rnn's target for the last input of a stream (its `ydata[-1] =
    /// data[1]`). The batcher uses it so that its windows and targets are char-rnn's exactly.
    public let followers: [Int32]
    /// The pieces of a mapped text, read when batches need them (`segments` and `followers` are then empty).
    public let mapped: MappedPieces?

    public init(name: String, segments: [[Int32]], followers: [Int32], mapped: MappedPieces? = nil) {
        self.name = name
        self.segments = segments
        self.followers = followers
        self.mapped = mapped
    }

    /// Number of symbols.
    public var count: Int { mapped?.count ?? segments.reduce(0) { $0 + $1.count } }
    public var isEmpty: Bool { count == 0 }
}

/// A corpus cut into train, val and test, with the sizes to report and any warnings about shrinking.
public struct CorpusSplits: Sendable {
    /// What was asked for.
    public let spec: SplitSpec
    /// The batch and window sizes used (smaller than `spec`'s when the corpus is too small).
    public let batch: Int
    public let seq: Int
    public let train: CorpusSplit
    public let val: CorpusSplit
    public let test: CorpusSplit
    /// Symbols in the corpus.
    public let total: Int
    public let vocabularySize: Int
    /// Symbols dropped from the end (the char-rnn layout keeps a multiple of `batch * seq`).
    public let dropped: Int
    /// Messages for the user (e.g. batch and seq shrunk); returned rather than printed so the shell
    /// decides where they go.
    public let warnings: [String]

    /// Cuts `corpus` as `spec` says. Errors: fractions outside [0, 1) or leaving no training text,
    /// non-positive batch or seq, a corpus too small even for batch 1 and seq 1.
    public init(_ corpus: Corpus, _ spec: SplitSpec = SplitSpec()) throws {
        guard spec.val >= 0, spec.val < 1, spec.test >= 0, spec.test < 1, spec.val + spec.test < 1 else {
            throw CorpusError(
                "split: val \(spec.val) and test \(spec.test) must each be in [0, 1) and leave some "
                    + "text for training")
        }
        guard spec.batch >= 1, spec.seq >= 1 else {
            throw CorpusError("split: batch (\(spec.batch)) and seq (\(spec.seq)) must be at least 1")
        }
        self.spec = spec
        self.total = corpus.count
        self.vocabularySize = corpus.vocabulary.count
        let ids = corpus.ids
        let n = corpus.count
        var warnings: [String] = []
        // The train fraction computed as char-rnn's train.lua does, so floor() agrees with it.
        let trainFraction = 1 - (spec.val + spec.test)

        func piece(_ r: Range<Int>, kept: Int) -> (ids: [Int32], follower: Int32) {
            (Array(ids[r]), r.upperBound < kept ? ids[r.upperBound] : ids[0])
        }
        func part(_ name: String, _ ranges: [Range<Int>], kept: Int) -> CorpusSplit {
            if let text = corpus.mapped {
                return CorpusSplit(name: name, segments: [], followers: [],
                                   mapped: MappedPieces(text: text, ranges: ranges.filter { !$0.isEmpty }, kept: kept))
            }
            let pieces = ranges.filter { !$0.isEmpty }.map { piece($0, kept: kept) }
            return CorpusSplit(name: name, segments: pieces.map(\.ids), followers: pieces.map(\.follower))
        }

        switch spec.layout {
        case .charRNN:
            var b = spec.batch, s = spec.seq
            func counts(_ b: Int, _ s: Int) -> (train: Int, val: Int, test: Int)? {
                let nbatches = n / (b * s)
                let ntrain = Int((Double(nbatches) * trainFraction).rounded(.down))
                let nval: Int, ntest: Int
                if spec.test == 0 {
                    nval = nbatches - ntrain
                    ntest = 0
                } else {
                    nval = Int((Double(nbatches) * spec.val).rounded(.down))
                    ntest = nbatches - ntrain - nval
                }
                guard ntrain >= 1, spec.val == 0 || nval >= 1, spec.test == 0 || ntest >= 1 else {
                    return nil
                }
                return (ntrain, nval, ntest)
            }
            // Too small a corpus: halve the larger of batch and seq until every asked-for part gets at
            // least one window (char-rnn would instead stop with "this split has no data").
            var found = counts(b, s)
            while found == nil && (b > 1 || s > 1) {
                if b >= s { b = max(1, b / 2) } else { s = max(1, s / 2) }
                found = counts(b, s)
            }
            guard let (ntrain, nval, _) = found else {
                throw CorpusError(
                    "split: \(corpus.name) has \(n) symbols, too few for train and held-out parts of "
                        + "\(spec.summary)")
            }
            if b != spec.batch || s != spec.seq {
                warnings.append(
                    "corpus of \(n) symbols is too small for batch \(spec.batch) x seq \(spec.seq) "
                        + "with \(spec.summary); using batch \(b), seq \(s)")
            }
            let nbatches = n / (b * s)
            let streamLength = nbatches * s
            let kept = b * streamLength
            let starts = (0..<b).map { $0 * streamLength }
            let trainEnd = ntrain * s, valEnd = (ntrain + nval) * s
            train = part("train", starts.map { $0..<($0 + trainEnd) }, kept: kept)
            val = part("val", starts.map { ($0 + trainEnd)..<($0 + valEnd) }, kept: kept)
            test = part("test", starts.map { ($0 + valEnd)..<($0 + streamLength) }, kept: kept)
            batch = b
            seq = s
            dropped = n - kept
        case .contiguous:
            var nval = Int((Double(n) * spec.val).rounded(.down))
            var ntest = Int((Double(n) * spec.test).rounded(.down))
            // A part that was asked for gets at least one symbol.
            if spec.val > 0 && nval == 0 { nval = 1 }
            if spec.test > 0 && ntest == 0 { ntest = 1 }
            let ntrain = n - nval - ntest
            guard ntrain >= 1 else {
                throw CorpusError(
                    "split: \(corpus.name) has \(n) symbols, too few for train and held-out parts of "
                        + "\(spec.summary)")
            }
            if (spec.val > 0 && Double(n) * spec.val < 1) || (spec.test > 0 && Double(n) * spec.test < 1) {
                warnings.append(
                    "corpus of \(n) symbols is too small for \(spec.summary); held-out parts get one "
                        + "symbol each")
            }
            train = part("train", [0..<ntrain], kept: n)
            val = part("val", [ntrain..<(ntrain + nval)], kept: n)
            test = part("test", [(ntrain + nval)..<n], kept: n)
            batch = spec.batch
            seq = spec.seq
            dropped = 0
        }
        self.warnings = warnings
    }

    /// The one-line description quoted beside every loss (`charrnn layout, val 5%, test 0%`).
    public var summary: String { spec.summary }

    /// Sizes for the user: `1115394 symbols, vocab 65; train 1059500, val 55800, test 0 (94 dropped)`.
    public var sizeReport: String {
        "\(total) symbols, vocab \(vocabularySize); train \(train.count), val \(val.count), "
            + "test \(test.count)" + (dropped > 0 ? " (\(dropped) dropped)" : "")
    }

    /// The part named `train`, `val` or `test`.
    public func part(_ name: String) -> CorpusSplit? {
        switch name {
        case "train": train
        case "val": val
        case "test": test
        default: nil
        }
    }
}
