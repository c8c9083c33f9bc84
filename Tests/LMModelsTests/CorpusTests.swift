import Foundation
import Testing
@testable import LMModels

/// A fresh temporary file holding `bytes`; the caller removes it.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("lmsh-corpus-\(UUID().uuidString).txt").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// The message of the `CorpusError` that `body` throws, or nil when it throws nothing.
private func corpusErrorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as CorpusError {
        return error.message
    } catch {
        return "unexpected error \(error)"
    }
}

@Suite struct CorpusTests {
    @Test func loadsUTF8FileAndNumbersSortedScalars() throws {
        let path = try temporaryFile(Array("hello, world\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let corpus = try Corpus(contentsOfFile: path)
        #expect(corpus.count == 13)
        #expect(corpus.vocabulary.scalars.map { String($0) }.joined() == "\n ,dehlorw")
        #expect(corpus.vocabulary.count == 10)
        #expect(try corpus.vocabulary.decode(corpus.ids) == "hello, world\n")
    }

    @Test func missingFileIsAClearError() {
        let message = corpusErrorMessage { _ = try Corpus(contentsOfFile: "/nonexistent/lmsh/input.txt") }
        #expect(message?.contains("no such file: /nonexistent/lmsh/input.txt") == true)
    }

    @Test func directoryIsAClearError() {
        let message = corpusErrorMessage {
            _ = try Corpus(contentsOfFile: FileManager.default.temporaryDirectory.path)
        }
        #expect(message?.contains("is a directory") == true)
    }

    @Test func nonUTF8BytesAreAClearErrorWithTheirOffset() throws {
        let path = try temporaryFile([0x61, 0x0A, 0x62, 0xFF, 0x63])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = corpusErrorMessage { _ = try Corpus(contentsOfFile: path) }
        #expect(message?.contains("not UTF-8") == true)
        #expect(message?.contains("0xFF at byte offset 3 (line 2)") == true)
    }

    @Test func emptyAndOneCharacterFilesAreClearErrors() throws {
        let empty = try temporaryFile([])
        let one = try temporaryFile(Array("é".utf8))  // two bytes, one scalar
        defer {
            try? FileManager.default.removeItem(atPath: empty)
            try? FileManager.default.removeItem(atPath: one)
        }
        #expect(corpusErrorMessage { _ = try Corpus(contentsOfFile: empty) }?.contains("is empty") == true)
        #expect(
            corpusErrorMessage { _ = try Corpus(contentsOfFile: one) }?.contains("single character") == true)
        #expect(corpusErrorMessage { _ = try Corpus(text: "") }?.contains("is empty") == true)
    }

    @Test func symbolsAreScalarsNotCharacters() throws {
        // "\r\n" is one Character but two scalars; "e" + combining acute likewise.
        let corpus = try Corpus(text: "a\r\nb e\u{301}")
        #expect(corpus.count == 7)
        #expect(corpus.vocabulary.count == 7)
        #expect(corpus.vocabulary.scalars.first == "\n")
        #expect(corpus.vocabulary.id(of: "\r") == 1)
        #expect(try corpus.vocabulary.decode(corpus.ids) == "a\r\nb e\u{301}")
    }

    @Test func encodeNamesTheUnknownSymbolAndItsPosition() throws {
        let vocabulary = Vocabulary(text: "abc\n")
        #expect(try vocabulary.encode("cab\nba") == [3, 1, 2, 0, 2, 1])
        let message = corpusErrorMessage { _ = try vocabulary.encode("ab\ncaZb") }
        #expect(message == "symbol 'Z' (U+005A) at position 5 (line 2, column 3) is not in the vocabulary of 4 symbols")
        let tab = corpusErrorMessage { _ = try vocabulary.encode("a\tb") }
        #expect(tab?.contains("'\\t' (U+0009) at position 1") == true)
    }

    @Test func decodeRejectsIdsOutsideTheVocabulary() throws {
        let vocabulary = Vocabulary(text: "ab")
        #expect(corpusErrorMessage { _ = try vocabulary.decode([Int32(0), 2]) }?.contains("id 2 at position 1") == true)
        #expect(corpusErrorMessage { _ = try vocabulary.decode([-1]) }?.contains("id -1") == true)
        #expect(try vocabulary.decode([1, 0, 1]) == "bab")
    }
}

@Suite struct CorpusSplitTests {
    /// 1000 symbols whose ids are easy to follow: the text cycles through 10 letters.
    private func cyclicCorpus(_ n: Int) throws -> Corpus {
        let letters = Array("abcdefghij")
        return try Corpus(text: String((0..<n).map { letters[$0 % 10] }))
    }

    @Test func charRNNLayoutHoldsOutTheEndOfEachStream() throws {
        let corpus = try cyclicCorpus(1003)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 2, seq: 5))
        // nbatches = floor(1003 / 10) = 100; ntrain = floor(100 * 0.9) = 90; nval = 10; 3 dropped.
        // Streams: ids[0..<500] and ids[500..<1000]; train = first 450 of each, val = last 50.
        let ids = corpus.ids
        #expect(splits.train.segments == [Array(ids[0..<450]), Array(ids[500..<950])])
        #expect(splits.val.segments == [Array(ids[450..<500]), Array(ids[950..<1000])])
        #expect(splits.test.segments.isEmpty)
        // Followers: the next symbol in the kept text; the end of the kept text wraps to its start.
        #expect(splits.train.followers == [ids[450], ids[950]])
        #expect(splits.val.followers == [ids[500], ids[0]])
        #expect(splits.dropped == 3)
        #expect(splits.warnings.isEmpty)
        #expect(splits.summary == "charrnn layout, val 10%, test 0%")
        #expect(splits.sizeReport == "1003 symbols, vocab 10; train 900, val 100, test 0 (3 dropped)")
    }

    @Test func charRNNLayoutWithATestPart() throws {
        let corpus = try cyclicCorpus(1000)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.05, test: 0.1, batch: 4, seq: 10))
        // nbatches = 25; train fraction 0.85: ntrain = floor(21.25) = 21, nval = floor(1.25) = 1,
        // ntest = 25 - 21 - 1 = 3. Streams of 250 symbols.
        #expect(splits.train.count == 4 * 21 * 10)
        #expect(splits.val.count == 4 * 1 * 10)
        #expect(splits.test.count == 4 * 3 * 10)
        #expect(splits.test.segments[1] == Array(corpus.ids[470..<500]))
    }

    @Test func tinyShakespeareSizesMatchCharRNN() throws {
        // char-rnn on Tiny Shakespeare (1115394 chars) with its defaults prints
        // "Number of data batches in train: 423, val: 23, test: 0"; same arithmetic, without the file.
        let n = 1_115_394, b = 50, s = 50
        let nbatches = n / (b * s)
        let ntrain = Int((Double(nbatches) * (1 - (0.05 + 0))).rounded(.down))
        #expect(nbatches == 446 && ntrain == 423 && nbatches - ntrain == 23)
    }

    @Test func contiguousLayoutHoldsOutTheEndOfTheFile() throws {
        let corpus = try cyclicCorpus(1000)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.05, test: 0.1, layout: .contiguous))
        #expect(splits.train.segments == [Array(corpus.ids[0..<850])])
        #expect(splits.val.segments == [Array(corpus.ids[850..<900])])
        #expect(splits.test.segments == [Array(corpus.ids[900..<1000])])
        #expect(splits.summary == "contiguous layout, val 5%, test 10%")
        #expect(splits.dropped == 0)
    }

    @Test func defaultsAreCharRNNs() {
        let spec = SplitSpec()
        #expect(spec.val == 0.05 && spec.test == 0 && spec.layout == .charRNN)
        #expect(spec.batch == 50 && spec.seq == 50)
        #expect(spec.summary == "charrnn layout, val 5%, test 0%")
        #expect(SplitSpec(val: 0.025).summary == "charrnn layout, val 2.5%, test 0%")
    }

    @Test func smallCorpusShrinksBatchAndSeqWithAWarning() throws {
        let corpus = try cyclicCorpus(120)
        let splits = try CorpusSplits(corpus)
        #expect(splits.batch * splits.seq < 50 * 50)
        #expect(splits.warnings.count == 1)
        #expect(splits.warnings.first?.contains("too small for batch 50 x seq 50") == true)
        #expect(!splits.train.isEmpty && !splits.val.isEmpty)
        let tiny = try CorpusSplits(try Corpus(text: "ab"))
        #expect(tiny.train.count == 1 && tiny.val.count == 1)
    }

    @Test func badFractionsAreErrors() throws {
        let corpus = try cyclicCorpus(100)
        #expect(throws: CorpusError.self) { try CorpusSplits(corpus, SplitSpec(val: 0.6, test: 0.4)) }
        #expect(throws: CorpusError.self) { try CorpusSplits(corpus, SplitSpec(val: -0.1)) }
        #expect(throws: CorpusError.self) { try CorpusSplits(corpus, SplitSpec(batch: 0)) }
    }
}

@Suite struct BatcherTests {
    @Test func batchesAreCharRNNsWindowsOverParallelStreams() throws {
        let corpus = try Corpus(text: String((0..<1000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }))
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 2, seq: 5))
        var batcher = try Batcher(splits)
        #expect(batcher.batch == 2 && batcher.seq == 5 && batcher.windowsPerEpoch == 90)
        let ids = corpus.ids
        let first = batcher.next()
        #expect(first.inputs == Array(ids[0..<5]) + Array(ids[500..<505]))
        #expect(first.targets == Array(ids[1..<6]) + Array(ids[501..<506]))
        #expect(first.inputInts == first.inputs.map(Int.init))
        let second = batcher.next()
        #expect(second.inputs == Array(ids[5..<10]) + Array(ids[505..<510]))
        // The last train window's targets run into the val text, as in char-rnn.
        let last = batcher.batch(at: 89)
        #expect(last.inputs == Array(ids[445..<450]) + Array(ids[945..<950]))
        #expect(last.targets == Array(ids[446..<451]) + Array(ids[946..<951]))
        // The val batcher: the last target of the last stream wraps to the first symbol.
        let val = try Batcher(splits, part: "val")
        #expect(val.windowsPerEpoch == 10)
        #expect(val.batch(at: 9).targets.last == ids[0])
    }

    @Test func positionSavesAndRestoresExactly() throws {
        let corpus = try Corpus(text: String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 20))
        let splits = try CorpusSplits(corpus, SplitSpec(batch: 3, seq: 7))
        var a = try Batcher(splits)
        for _ in 0..<5 { _ = a.next() }
        let saved = a.position
        let expected = (0..<4).map { _ in a.next() }
        var b = try Batcher(splits.train, batch: splits.batch, seq: splits.seq, position: saved)
        #expect((0..<4).map { _ in b.next() } == expected)
        #expect(throws: CorpusError.self) {
            try b.setPosition(BatchPosition(epoch: 0, window: b.windowsPerEpoch))
        }
    }

    @Test func epochsAreCounted() throws {
        let corpus = try Corpus(text: String(repeating: "abcdefg", count: 40))
        let splits = try CorpusSplits(corpus, SplitSpec(batch: 2, seq: 4))
        var batcher = try Batcher(splits)
        let windows = batcher.windowsPerEpoch
        for _ in 0..<windows { _ = batcher.next() }
        #expect(batcher.position == BatchPosition(epoch: 1, window: 0))
        let again = batcher.next()
        #expect(again.position == BatchPosition(epoch: 1, window: 0))
        #expect(again.inputs == batcher.batch(at: 0).inputs)
    }

    @Test func smallPartShrinksWithAWarning() throws {
        let part = CorpusSplit(name: "val", segments: [[0, 1, 2, 3, 4, 5, 6]], followers: [0])
        let batcher = try Batcher(part, batch: 50, seq: 50)
        #expect(batcher.batch * batcher.seq <= 7)
        #expect(batcher.windowsPerEpoch >= 1)
        #expect(batcher.warnings.first?.contains("the val split has 7 symbols") == true)
        let empty = CorpusSplit(name: "test", segments: [], followers: [])
        #expect(throws: CorpusError.self) { try Batcher(empty, batch: 2, seq: 2) }
    }
}
