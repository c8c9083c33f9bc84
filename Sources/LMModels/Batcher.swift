/// Where a batcher is: the epoch and the next window it will serve. A plain value, so a checkpoint
/// can save it and a resumed run gets exactly the batches it would have had.
public struct BatchPosition: Sendable, Equatable, Hashable, Codable {
    /// Completed passes over the split.
    public var epoch: Int
    /// The window the next call to `next()` serves, in `0..<windowsPerEpoch`.
    public var window: Int

    public init(epoch: Int = 0, window: Int = 0) {
        self.epoch = epoch
        self.window = window
    }
}

/// One minibatch: `batch` rows of `seq` input ids and the ids that follow them.
public struct CorpusBatch: Sendable, Equatable {
    public let batch: Int
    public let seq: Int
    /// Row-major `[batch][seq]`: row `r` is stream `r`'s window.
    public let inputs: [Int32]
    /// Row-major `[batch][seq]`: each input's next symbol.
    public let targets: [Int32]
    /// The position this batch was served from.
    public let position: BatchPosition

    /// Inputs as `Int` (for APIs that index with `Int`).
    public var inputInts: [Int] { inputs.map(Int.init) }
    /// Targets as `Int`.
    public var targetInts: [Int] { targets.map(Int.init) }
}

/// char-rnn's minibatches over one part of a split: the part's symbols (its pieces in order) are cut
/// to a multiple of `batch * seq` and laid out as `batch` parallel streams; window `w` is columns
/// `w*seq ..< (w+1)*seq` of every stream, and its targets are the inputs shifted by one. The target
/// of a piece's last symbol is the symbol after it in the file (`CorpusSplit.followers`), as in
/// char-rnn, so with the char-rnn layout and the split's own batch and seq the batches are exactly
/// char-rnn's `x_batches`/`y_batches` for that part. Consecutive windows continue each stream, which
/// is what lets a recurrent model carry its hidden state from one batch to the next.
public struct Batcher: Sendable {
    public let batch: Int
    public let seq: Int
    /// Windows in one pass over the part.
    public let windowsPerEpoch: Int
    /// The next window to serve; set it to resume.
    public var position: BatchPosition
    /// Messages for the user (batch or seq shrunk to fit a small part).
    public let warnings: [String]
    /// Kept symbols of the part, and their targets, in the part's order.
    private let symbols: [Int32]
    private let nextSymbols: [Int32]
    /// A mapped part's pieces, read window by window instead of into `symbols` (`MappedText`).
    private let mapped: MappedPieces?
    /// The part's symbols after the kept ones (fewer than `batch * seq`) and their targets: they continue
    /// the last stream, which is how evaluation scores every symbol of a part, not only whole windows.
    public let tailInputs: [Int32]
    public let tailTargets: [Int32]

    /// Every stream's inputs and targets in full (the last stream with the tail after it): what each
    /// prediction of a whole pass plus the tail is conditioned on, for models that do not carry a state.
    public var streams: [(inputs: ArraySlice<Int32>, targets: ArraySlice<Int32>)] {
        let length = windowsPerEpoch * seq
        return (0..<batch).map { r in
            let lo = r * length, hi = (r + 1) * length
            if r == batch - 1 && !tailInputs.isEmpty {
                return (ArraySlice(Array(symbols[lo..<hi]) + tailInputs), ArraySlice(Array(nextSymbols[lo..<hi]) + tailTargets))
            }
            return (symbols[lo..<hi], nextSymbols[lo..<hi])
        }
    }

    /// Batches of `batch x seq` over `part`. A part with fewer than `batch * seq` symbols shrinks
    /// batch and seq (halving the larger) with a warning instead of failing; an empty part is an error.
    public init(_ part: CorpusSplit, batch: Int, seq: Int, position: BatchPosition = BatchPosition())
        throws
    {
        guard batch >= 1, seq >= 1 else {
            throw CorpusError("batcher: batch (\(batch)) and seq (\(seq)) must be at least 1")
        }
        let n = part.count
        guard n > 0 else { throw CorpusError("batcher: the \(part.name) split is empty") }
        var b = batch, s = seq
        while b.multipliedReportingOverflow(by: s).overflow || b * s > n {
            if b >= s { b = max(1, b / 2) } else { s = max(1, s / 2) }
        }
        var warnings: [String] = []
        if b != batch || s != seq {
            warnings.append(
                "the \(part.name) split has \(n) symbols, too few for batch \(batch) x seq \(seq); "
                    + "using batch \(b), seq \(s)")
        }
        let windows = n / (b * s)
        let kept = windows * b * s
        var xs: [Int32] = [], ys: [Int32] = []
        xs.reserveCapacity(part.mapped == nil ? n : 0)
        ys.reserveCapacity(part.mapped == nil ? n : 0)
        for (segment, follower) in zip(part.segments, part.followers) {
            xs.append(contentsOf: segment)
            ys.append(contentsOf: segment.dropFirst())
            ys.append(follower)
        }
        self.batch = b
        self.seq = s
        self.windowsPerEpoch = windows
        self.symbols = Array(xs.prefix(kept))
        self.nextSymbols = Array(ys.prefix(kept))
        self.mapped = part.mapped
        // A mapped part keeps no symbols in memory: its tail is not served (evaluation scores whole windows).
        self.tailInputs = part.mapped == nil ? Array(xs[kept...]) : []
        self.tailTargets = part.mapped == nil ? Array(ys[kept...]) : []
        self.warnings = warnings
        self.position = BatchPosition()
        try setPosition(position)
    }

    /// Batches over a split's part with the split's (possibly shrunk) batch and seq.
    public init(_ splits: CorpusSplits, part name: String = "train") throws {
        guard let part = splits.part(name) else {
            throw CorpusError("batcher: no split named '\(name)' (train, val or test)")
        }
        try self.init(part, batch: splits.batch, seq: splits.seq)
    }

    /// Moves to a saved position; a window outside the epoch is an error (the split changed).
    public mutating func setPosition(_ p: BatchPosition) throws {
        guard p.epoch >= 0, p.window >= 0, p.window < windowsPerEpoch else {
            throw CorpusError(
                "batcher: position epoch \(p.epoch), window \(p.window) is outside 0..<\(windowsPerEpoch) "
                    + "windows")
        }
        position = p
    }

    /// The batch of window `window` (any integer: taken modulo the windows per epoch), without moving.
    public func batch(at window: Int) -> CorpusBatch {
        let w = ((window % windowsPerEpoch) + windowsPerEpoch) % windowsPerEpoch
        return makeBatch(window: w, epoch: position.epoch)
    }

    /// The batch at the current position; then moves to the next window, counting an epoch when the
    /// pass ends.
    public mutating func next() -> CorpusBatch {
        let w = ((position.window % windowsPerEpoch) + windowsPerEpoch) % windowsPerEpoch
        let result = makeBatch(window: w, epoch: position.epoch)
        if w + 1 >= windowsPerEpoch {
            position = BatchPosition(epoch: position.epoch + 1, window: 0)
        } else {
            position.window = w + 1
        }
        return result
    }

    private func makeBatch(window: Int, epoch: Int) -> CorpusBatch {
        let streamLength = windowsPerEpoch * seq
        var inputs = [Int32](), targets = [Int32]()
        inputs.reserveCapacity(batch * seq)
        targets.reserveCapacity(batch * seq)
        for row in 0..<batch {
            let start = row * streamLength + window * seq
            if let mapped {
                mapped.window(from: start, count: seq, inputs: &inputs, targets: &targets)
                continue
            }
            inputs.append(contentsOf: symbols[start..<(start + seq)])
            targets.append(contentsOf: nextSymbols[start..<(start + seq)])
        }
        return CorpusBatch(
            batch: batch, seq: seq, inputs: inputs, targets: targets,
            position: BatchPosition(epoch: epoch, window: window))
    }
}
