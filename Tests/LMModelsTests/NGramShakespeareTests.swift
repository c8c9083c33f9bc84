import Foundation
import Testing
@testable import LMModels

/// `../shared/data/tinyshakespeare.txt` beside the package root (this file is
/// `<root>/Tests/LMModelsTests/NGramShakespeareTests.swift`).
private let tinyShakespearePath: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/data/tinyshakespeare.txt").standardizedFileURL.path

@Suite struct NGramShakespeareTests {
    /// A 6-gram on char-rnn's split of Tiny Shakespeare (val 0.05, batch 50, seq 50: those decide the
    /// boundaries). Skipped when the corpus is not there: the data folder is shared between checkouts
    /// and not part of the repository.
    @Test(
        "6-gram val loss on Tiny Shakespeare (charrnn split)",
        .enabled(
            if: FileManager.default.fileExists(atPath: tinyShakespearePath),
            "needs ../shared/data/tinyshakespeare.txt; skipped when absent"))
    func sixGramValLoss() throws {
        let corpus = try Corpus(contentsOfFile: tinyShakespearePath)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.05, batch: 50, seq: 50))
        #expect(splits.train.count == 1_057_500 && splits.val.count == 57_500)
        let start = Date()
        let model = try NGramModel(order: 6, vocabularySize: corpus.vocabulary.count, training: splits.train)
        let trained = Date()
        let val = try model.evaluate(splits.val)
        let seconds = (trained.timeIntervalSince(start), Date().timeIntervalSince(trained))
        print(
            "\(model.summary); val \(val.summary) [\(splits.summary)]; trained in "
                + String(format: "%.2f s, evaluated in %.2f s", seconds.0, seconds.1))
        #expect(val.natsPerSymbol > 1.2 && val.natsPerSymbol < 1.7)
    }
}
