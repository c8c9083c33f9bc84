import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// `classify` (a many-to-one head) and `tag` (a per-token head) train a copy of a recurrent model with the head
/// and beat the commonest-label baseline on held-out data, leaving the language model as it was.
@Suite("Classification and tagging heads")
final class HeadBuiltinTests {
    final class Output: @unchecked Sendable { var text = "" }
    static let prose = ["the cat sat on the mat.", "the cat ate the fish.", "a cat slept in the sun.", "the cat chased a mouse."]
    static let code = ["printf(\"%d\", x);", "if (x > 0) return y;", "for (i = 0; i < n; i++) x++;", "int y = f(x);"]
    static let quoted = "\"yes please\" said he, \"no thank you\" said she.\n"

    func shell() throws -> (Interpreter, Output) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-heads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var text = ""
        for k in 0..<40 { text += Self.prose[k % 4] + "\n" + Self.code[k % 4] + "\n" }
        text += String(repeating: Self.quoted, count: 30)
        try text.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        i.configuration.environment = ["QUICK": "1"]
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("t = corpus(\"input.txt\")")
        try i.run("m = lstm(t, hidden=16, layers=1)")
        return (i, out)
    }

    func record(_ i: Interpreter, _ cell: String) throws -> [String: Double] {
        guard case .record(let f)? = try i.run(cell).value else { Issue.record("\(cell): no record"); return [:] }
        var out: [String: Double] = [:]
        for (k, v) in f { if case .number(let x) = v { out[k] = x } }
        return out
    }

    func lit(_ lines: [String]) -> String {
        "\"" + (0..<15).map { lines[$0 % lines.count] }.joined(separator: "\\n").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    @Test func classifyTellsProseFromCode() throws {
        let (i, out) = try shell()
        guard case .model(let m)? = i.variables["m"] else { return }
        let before = m.model.parameters.tensors.map(\.data)
        let r = try record(i, "classify(m, [\(lit(Self.prose)), \(lit(Self.code))], steps=40, batch=4)")
        #expect(r["test_lines"] == 6 && r["train_lines"] == 24 && r["baseline"] == 0.5)
        #expect((r["accuracy"] ?? 0) >= 0.99, "\(r)")
        #expect(out.text.contains("classify: 2 classes, 24 training and 6 held-out lines"))
        // The language model is untouched: the head trained a copy.
        #expect(m.model.parameters.tensors.map(\.data) == before)
        #expect(throws: ShellError.self) { try i.run("classify(m, [\"a\"])") }
    }

    @Test func tagFindsQuotes() throws {
        let (i, out) = try shell()
        let text = "\"" + String(repeating: Self.quoted, count: 12).replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
        let r = try record(i, "tag(m, \(text), feature=\"quotes\", steps=150, seq=32, batch=8)")
        let base = try #require(r["baseline"]), acc = try #require(r["accuracy"])
        #expect(base < 0.75 && acc > base + 0.15, "\(r)")
        #expect(out.text.contains("tag quotes: held-out accuracy"))
        #expect(throws: ShellError.self) { try i.run("tag(m, \"abc\", feature=\"colour\")") }
    }
}
