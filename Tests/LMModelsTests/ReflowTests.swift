import Foundation
import Testing
@testable import LMModels

/// `Reflow.paragraphs`, the re-wrapping behind `corpus(…, wrap=)`: as a specification of what a re-flowed
/// text must be (same words, same paragraphs, lines filled greedily to the width) rather than of one output.
@Suite struct ReflowTests {
    /// A prose-like text: paragraphs of words of 1-12 letters on ragged lines, drawn from our seeded stream.
    static func prose(seed: UInt64) -> String {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var paragraphs: [String] = []
        for _ in 0..<12 {
            var lines: [String] = []
            for _ in 0..<(1 + next(6)) {
                let words = (0..<(1 + next(12))).map { _ in String(repeating: "abcdefghij".map { $0 }[next(10)], count: 1 + next(12)) }
                lines.append(words.joined(separator: next(4) == 0 ? "  " : " "))
            }
            paragraphs.append(lines.joined(separator: "\n"))
        }
        return paragraphs.joined(separator: "\n\n") + "\n"
    }

    @Test(arguments: [(1 as UInt64, 10), (2, 40), (3, 70), (4, 5)])
    func keepsWordsAndParagraphsAndFillsGreedily(seed: UInt64, width: Int) {
        let text = Self.prose(seed: seed)
        let out = Reflow.paragraphs(text, width: width)
        // The same words in the same order, and the same paragraphs.
        #expect(out.split(whereSeparator: { $0 == " " || $0 == "\n" }) == text.split(whereSeparator: { $0 == " " || $0 == "\n" }))
        #expect(out.components(separatedBy: "\n\n").count == text.components(separatedBy: "\n\n").count)
        #expect(out.hasSuffix("\n") && !out.hasSuffix("\n\n"))
        for paragraph in out.dropLast().components(separatedBy: "\n\n") {
            let lines = paragraph.split(separator: "\n", omittingEmptySubsequences: false)
            for (k, line) in lines.enumerated() {
                #expect(!line.isEmpty && !line.hasPrefix(" ") && !line.hasSuffix(" ") && !line.contains("  "), "line [\(line)]")
                // Within the width, unless the line is one word longer than it.
                #expect(line.count <= width || !line.contains(" "), "line \(line) is longer than \(width)")
                // Greedy: the next line's first word would not have fitted on this one.
                if k + 1 < lines.count, let first = lines[k + 1].split(separator: " ").first {
                    #expect(line.count + 1 + first.count > width, "\(first) fits after \(line)")
                }
            }
        }
    }

    @Test func blankLinesOfSpacesSeparateParagraphsAndLongWordsStayWhole() {
        let text = "one two three\nfour\n  \t \nsupercalifragilistic x\n\n\n\nlast"
        #expect(Reflow.paragraphs(text, width: 9) == "one two\nthree\nfour\n\nsupercalifragilistic\nx\n\nlast")
        #expect(Reflow.paragraphs(text, width: 100) == "one two three four\n\nsupercalifragilistic x\n\nlast")
        #expect(Reflow.paragraphs("\n \n", width: 10) == "")
    }

    @Test func aWrappedCorpusHasTheFilesCharactersOnNewLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-reflow-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = Self.prose(seed: 9)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let plain = try Corpus(contentsOfFile: path)
        let narrow = try Corpus(contentsOfFile: path, wrap: 20)
        #expect(narrow.vocabulary.scalars == plain.vocabulary.scalars)
        #expect(narrow.count == Reflow.paragraphs(text, width: 20).unicodeScalars.count)
        #expect(narrow.count != plain.count)
    }
}
