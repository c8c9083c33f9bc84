import Foundation
import LMModels
import Testing
@testable import LMShell

/// `corpus(…, wrap=N)` through the language: the corpus holds the re-flowed text, a model made from the
/// file trains on it and back on the file (the curriculum of example 06), and settings it cannot honour
/// are refused with the reason.
@Suite struct CorpusWrapTests {
    static let text = (0..<60).map { k in
        "line \(k) of a paragraph that runs on for a while\nand wraps at its own width here" + (k % 3 == 2 ? "\n\n" : "\n")
    }.joined()

    func shell() throws -> (Interpreter, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-wrap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.text.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        i.output = { _ in }
        return (i, dir)
    }

    func number(_ i: Interpreter, _ cell: String) throws -> Double {
        guard case .number(let x) = try #require(try i.run(cell).value) else { Issue.record("\(cell): not a number"); return .nan }
        return x
    }

    @Test func wrappedCorpusTrainsTheSameModel() throws {
        let (i, dir) = try shell()
        defer { try? FileManager.default.removeItem(at: dir) }
        try i.run("text = corpus(\"input.txt\")")
        try i.run("narrow = corpus(\"input.txt\", wrap=24)")
        #expect(try number(i, "narrow.size") == Double(Reflow.paragraphs(Self.text, width: 24).unicodeScalars.count))
        #expect(try number(i, "narrow.size") != number(i, "text.size"))
        #expect(try number(i, "narrow.vocab_size") == number(i, "text.vocab_size"))
        try i.run("m = lstm(text, hidden=8, layers=1)")
        try i.run("r = train m narrow steps=3 batch=4 seq=16")
        try i.run("r = train m text steps=3 batch=4 seq=16")
        #expect(try number(i, "m.steps") == 6)
    }

    @Test(arguments: [
        ("corpus(\"input.txt\", wrap=-3)", "wrap must be a line width"),
        ("corpus(\"input.txt\", wrap=2.5)", "whole number for wrap"),
        ("corpus(\"input.txt\", unit=\"word\", wrap=40)", "a word corpus reads each line end as <eos>"),
    ])
    func refusesWhatItCannotHonour(cell: String, message: String) throws {
        let (i, dir) = try shell()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try i.run(cell)
            Issue.record("\(cell) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
