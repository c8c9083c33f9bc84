import Foundation
import LMCore
import LMModels

/// The text a benchmark trains on: Tiny Shakespeare when it can be found (`--data`, `data/`, the
/// shared folder beside the reference script), else a synthetic text of the same length over 65
/// symbols, as the reference script falls back to. Speed depends only on the sizes, not the text.
struct BenchData {
    let corpus: Corpus
    let source: String

    static let candidates = ["data/tinyshakespeare.txt", "../shared/data/tinyshakespeare.txt"]

    /// The text as words (vocabulary `vocab`) when `vocab > 0`: Tiny Shakespeare where found, else a
    /// synthetic text of Zipf-distributed words.
    static func load(_ path: String?, words vocab: Int) throws -> BenchData {
        guard vocab > 0 else { return try load(path) }
        if let p = path ?? candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            return BenchData(corpus: try Corpus(contentsOfFile: p, words: vocab), source: p + " (words)")
        }
        var rng = RandomSource(seed: 0)
        let text = (0..<300_000).map { _ in "w\(Int(Double(vocab) * pow(rng.nextDouble(), 3)))" }.joined(separator: " ")
        return BenchData(corpus: try Corpus(words: text, vocab: vocab, name: "synthetic"), source: "SYNTHETIC(300000 Zipf-like words)")
    }

    static func load(_ path: String?) throws -> BenchData {
        if let path {
            return BenchData(corpus: try Corpus(contentsOfFile: path), source: path)
        }
        for p in candidates where FileManager.default.fileExists(atPath: p) {
            return BenchData(corpus: try Corpus(contentsOfFile: p), source: p)
        }
        var rng = RandomSource(seed: 0)
        let alphabet = (32..<96).map { Character(Unicode.Scalar(UInt8($0))) } + ["\n"]
        let text = String((0..<1_115_394).map { _ in alphabet[rng.nextInt(below: alphabet.count)] })
        return BenchData(corpus: try Corpus(text: text, name: "synthetic"), source: "SYNTHETIC(65 symbols, 1115394 chars)")
    }

    /// The reference's split: the first 90% of the text for training, the rest held out (contiguous).
    func splits(batch: Int, seq: Int) throws -> CorpusSplits {
        try CorpusSplits(corpus, SplitSpec(val: 0.1, test: 0, layout: .contiguous, batch: batch, seq: seq))
    }
}
