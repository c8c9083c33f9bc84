import Foundation
import LMShell
import Testing

/// Tab completion as a pure function of the line, the cursor and the interpreter (no terminal).
@Suite("Completion")
struct CompletionTests {
    /// Candidates at the end of `line`, and the text each one replaces.
    static func complete(_ line: String, _ interp: Interpreter) -> (replaced: String, candidates: [String]) {
        let n = line.unicodeScalars.count
        let r = Completion.candidates(line: line, cursor: n, interpreter: interp)
        let replaced = String(String.UnicodeScalarView(line.unicodeScalars.dropFirst(r.start)))
        return (replaced, r.candidates)
    }

    /// The line after completing with the single candidate (or the common prefix of several).
    static func completed(_ line: String, _ interp: Interpreter) -> String {
        let n = line.unicodeScalars.count
        let r = Completion.candidates(line: line, cursor: n, interpreter: interp)
        guard var common = r.candidates.first else { return line }
        for c in r.candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        return String(String.UnicodeScalarView(line.unicodeScalars.prefix(r.start))) + common
    }

    static func corpusFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-completion-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        let text = String(repeating: "First Citizen:\nBefore we proceed any further, hear me speak.\n", count: 40)
        try text.write(to: dir.appendingPathComponent("data/tiny.txt"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent("data/.hidden"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func variablesAndBuiltins() throws {
        let i = Interpreter()
        try i.run("zebra = 3")
        #expect(Self.complete("zer", i).candidates.contains("zeros"))
        #expect(Self.complete("zer", i).candidates.allSatisfy { $0.hasPrefix("zer") })
        #expect(Self.complete("zeb", i).candidates == ["zebra"])
        #expect(Self.completed("x = 1 + zeb", i) == "x = 1 + zebra")
        #expect(Self.completed("ls", i) == "lstm")
        #expect(Self.complete("tr", i).candidates.contains("true"))
        #expect(Self.complete("de", i).candidates.contains("def"))
        #expect(!Self.complete("x = de", i).candidates.contains("def"))
        #expect(Self.complete("nothing_like_this", i).candidates.isEmpty)
        // Numbers and comments are not completed.
        #expect(Self.complete("1", i).candidates.isEmpty)
        #expect(Self.complete("x = 1 # ze", i).candidates.isEmpty)
    }

    @Test func membersOfTensors() throws {
        let i = Interpreter()
        try i.run("a = randn(2, 2, grad=true)")
        #expect(Self.completed("a.sh", i) == "a.shape")
        #expect(Self.completed("a.gr", i) == "a.grad")
        #expect(Self.complete("a.", i).candidates.contains("requires_grad"))
        #expect(Self.completed("print(a.T.ra", i) == "print(a.T.rank")
        let r = Self.complete("1 + a.s", i)
        #expect(r.replaced == "s")
        #expect(Set(r.candidates) == ["shape", "size"])
        // Unknown names, and expressions that would need a call, complete nothing.
        #expect(Self.complete("b.sh", i).candidates.isEmpty)
        #expect(Self.complete("randn(2).sh", i).candidates.isEmpty)
    }

    @Test func membersOfModelsAndCorpora() throws {
        let dir = try Self.corpusFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let i = Interpreter(baseDirectory: dir)
        try i.run("text = corpus(\"data/tiny.txt\", val=0.1, batch=2, seq=8)")
        try i.run("m = rnn(text, hidden=8)")
        #expect(Self.completed("m.r", i) == "m.rnn")
        #expect(Self.completed("m.st", i) == "m.steps")
        #expect(Self.complete("m.rnn.", i).candidates.contains { $0.hasPrefix("weight_hh") })
        #expect(Self.completed("text.tr", i) == "text.train")
        #expect(Self.complete("text.train.", i).candidates == ["name", "size"])
        // Completion reads members only: the model has not been trained by it.
        #expect(i.memberNames(ofExpression: "m").contains("steps"))
        #expect(i.memberNames(ofExpression: "m.nope").isEmpty)
        #expect(i.memberNames(ofExpression: "").isEmpty)
    }

    @Test func keywordsOfCalls() throws {
        let i = Interpreter()
        #expect(Self.complete("randn(3, se", i).candidates.first == "seed=")
        #expect(Self.completed("randn(3, se", i) == "randn(3, seed=")
        #expect(Self.complete("randn(3, ", i).candidates.prefix(4) == ["grad=", "mean=", "seed=", "std="])
        // Keywords already given are not offered again.
        #expect(!Self.complete("randn(3, seed=1, ", i).candidates.contains("seed="))
        // Nested calls: the innermost open one.
        #expect(Self.complete("tanh(randn(3, gr", i).candidates.first == "grad=")
        // Not where an argument starts (inside an operator expression), and not after a closed call.
        #expect(!Self.complete("randn(3 + se", i).candidates.contains("seed="))
        #expect(!Self.complete("randn(3) + se", i).candidates.contains("seed="))
        // Method style: a.softmax(ax → axis=.
        try i.run("a = randn(2, 3)")
        #expect(Self.completed("a.softmax(ax", i) == "a.softmax(axis=")
        // User functions: their parameters.
        try i.run("def f(alpha, beta) = alpha + beta")
        #expect(Self.completed("f(1, be", i) == "f(1, beta=")
    }

    @Test func keywordsOfCommands() throws {
        let i = Interpreter()
        #expect(Self.completed("train m text st", i) == "train m text steps=")
        #expect(Self.completed("r = train m text steps=10 ba", i) == "r = train m text steps=10 batch=")
        #expect(!Self.complete("train m text steps=10 st", i).candidates.contains("steps="))
        #expect(Self.completed("sample m 300 te", i) == "sample m 300 temp=")
        // The verb itself is a name, not a keyword position.
        #expect(Self.completed("trai", i) == "train")
        // Names still complete in a command's argument positions.
        try i.run("text2 = 1")
        #expect(Self.complete("train m tex", i).candidates.contains("text2"))
    }

    @Test func pathsInStrings() throws {
        let dir = try Self.corpusFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let i = Interpreter(baseDirectory: dir)
        let r = Self.complete("corpus(\"da", i)
        #expect(r.replaced == "da")
        #expect(r.candidates == ["data/"])
        #expect(Self.completed("corpus(\"data/ti", i) == "corpus(\"data/tiny.txt")
        // Hidden files only when asked for.
        #expect(Self.complete("corpus(\"data/", i).candidates == ["data/tiny.txt"])
        #expect(Self.complete("corpus(\"data/.", i).candidates == ["data/.hidden"])
        #expect(Set(Self.complete("load \"", i).candidates) == ["data/", "notes.md"])
        // Absolute paths.
        #expect(Self.complete("corpus(\"\(dir.path)/no", i).candidates == ["\(dir.path)/notes.md"])
        // A closed string is not a path any more.
        #expect(!Self.complete("corpus(\"data/tiny.txt\", va", i).candidates.contains { $0.contains("/") })
        #expect(Self.complete("corpus(\"data/tiny.txt\", va", i).candidates.first == "val=")
        // Nothing there.
        #expect(Self.complete("corpus(\"nope/x", i).candidates.isEmpty)
    }

    @Test func metaCommands() throws {
        let dir = try Self.corpusFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let i = Interpreter(baseDirectory: dir)
        #expect(Self.completed(":he", i) == ":help")
        #expect(Self.completed(":help ls", i) == ":help lstm")
        #expect(Self.completed(":load no", i) == ":load notes.md")
        #expect(Self.completed(":rep", i) == ":replay")
        #expect(Self.completed(":replay no", i) == ":replay notes.md")
        #expect(Self.complete(":quit x", i).candidates.isEmpty)
    }

    @Test func cursorInsideTheLineAndUnicode() throws {
        let i = Interpreter()
        try i.run("a = randn(2, 2)")
        // Only the text before the cursor counts.
        let line = "a.sh + 1"
        let r = Completion.candidates(line: line, cursor: 4, interpreter: i)
        #expect(r.start == 2 && r.candidates == ["shape"])
        // Offsets count Unicode scalars.
        let u = "print(\"é—\", a.sh"
        let ru = Completion.candidates(line: u, cursor: u.unicodeScalars.count, interpreter: i)
        #expect(ru.start == u.unicodeScalars.count - 2 && ru.candidates == ["shape"])
        // A cursor past the end is clamped.
        #expect(Completion.candidates(line: "a.sh", cursor: 99, interpreter: i).candidates == ["shape"])
        #expect(Completion.candidates(line: "", cursor: 0, interpreter: i).candidates.contains("a"))
    }

    @Test func continuationLines() throws {
        // The REPL passes the earlier lines of a cell: keywords of a call opened on a previous line.
        let i = Interpreter()
        let cell = "randn(3,\n  se"
        #expect(Completion.candidates(line: cell, cursor: cell.unicodeScalars.count, interpreter: i).candidates.first == "seed=")
    }
}
