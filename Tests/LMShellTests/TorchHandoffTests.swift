import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// `export m "run/" torch=true` and `load("run/")` as a user types them: the round trip keeps the model and
/// its history and the inspection verbs work on what comes back; the trust rule and the replace rule hold
/// for the folder; wrong uses are one-line errors. (PyTorch continuing the run is `make test-torch`.)
@Suite("Torch hand-off verbs", .serialized)
final class TorchHandoffTests {
    let dir: URL
    var out = ""

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-handoff-\(UUID().uuidString)").standardizedFileURL
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = (0..<300).map { ["the cat sat on the mat.", "the dog ate the hat.", "a bird sang."][$0 % 3] }.joined(separator: "\n")
        try text.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
    }
    deinit { try? FileManager.default.removeItem(at: dir) }

    func shell(fromFile: Bool = false) throws -> Interpreter {
        var c = Interpreter.Configuration(baseDirectory: dir, environment: [:])
        if fromFile { c.fileAccess = .cells(from: dir.appendingPathComponent("session.lmsh"), currentFolder: dir) }
        let i = Interpreter(configuration: c)
        i.output = { [unowned self] in self.out += $0 }
        try i.run("text = corpus(\"input.txt\")")
        try i.run("m = lstm(text, hidden=8, layers=2)")
        return i
    }

    func model(_ i: Interpreter, _ cell: String) throws -> ModelValue {
        guard case .model(let m)? = try i.run(cell).value else { throw ShellError("\(cell) is not a model") }
        return m
    }

    func error(_ i: Interpreter, _ cell: String) -> String {
        do { _ = try i.run(cell); return "" } catch let e as ShellError { return e.render(source: cell) } catch { return "\(error)" }
    }

    @Test("export, import and load give the model back with its steps and history; inspection works on it")
    func roundTrip() throws {
        let i = try shell()
        try i.run("train m text steps=6 batch=4 seq=16 opt=\"adam\"")
        try i.run("export m \"run/\" torch=true")
        #expect(out.contains("wrote run/: checkpoint.safetensors, train.bin"))
        let m = try model(i, "m")
        for cell in ["m2 = load(\"run/\")", "m3 = load(\"./run\")"] {
            try i.run(cell)
            let back = try model(i, String(cell.prefix(2)))
            #expect(back.steps == 6 && back.lossHistory == m.lossHistory && back.lossHistory.count == 6)
            for (a, b) in zip(back.model.parameters.entries, m.model.parameters.entries) { #expect(a.tensor.data == b.tensor.data, "\(a.name)") }
        }
        for cell in ["sample m2 40 seed=2", "gradflow m2 \"the cat sat on the mat.\"", "cells m2 \"the cat sat on the mat. the dog\"", "plot m2.history"] {
            #expect(error(i, cell) == "", "\(cell) fails on an imported model")
        }
        // lmsh goes on training the imported model from its step count.
        try i.run("train m2 text steps=2 batch=4 seq=16")
        #expect(try model(i, "m2").steps == 8)
    }

    @Test("wrong uses are one-line errors with a hint", arguments: [
        ("export m \"run/\" torch=true", "no training run to hand over"),
        ("export m \"run.svg\" torch=true", "writes a folder"),
        ("export [1, 2] \"run/\" torch=true", "hands a model to PyTorch"),
        ("n = load(\"nothing/\")", "no such file"),
    ])
    func wrongUses(_ c: (String, String)) throws {
        let i = try shell()
        let e = error(i, c.0)
        #expect(e.contains(c.1) && e.contains("^"), "\(c.0): \(e)")
    }

    @Test("export replaces only its own run that PyTorch has not continued, and never a folder of other files")
    func replaceRule() throws {
        let i = try shell()
        try i.run("train m text steps=2 batch=4 seq=16")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("notes"), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: dir.appendingPathComponent("notes/todo.txt"))
        #expect(error(i, "export m \"notes\" torch=true overwrite=true").contains("not replacing it"))
        #expect(try String(contentsOf: dir.appendingPathComponent("notes/todo.txt"), encoding: .utf8) == "mine")
        try i.run("export m \"run\" torch=true")
        try i.run("export m \"run\" torch=true")  // its own, not continued: replaced
        let runURL = dir.appendingPathComponent("run/run.json")
        let continued = try String(contentsOf: runURL, encoding: .utf8).replacingOccurrences(of: "\"written_by\" : \"lmsh\"", with: "\"written_by\" : \"train.py\"")
        try continued.write(to: runURL, atomically: true, encoding: .utf8)
        #expect(error(i, "export m \"run\" torch=true").contains("PyTorch has continued"))
        try i.run("export m \"run\" torch=true overwrite=true")
        #expect(TorchRun.inspect(dir.appendingPathComponent("run")) == .lmshRun)
    }

    @Test("cells from a file may not export a run outside their folder")
    func trustRule() throws {
        let outside = dir.deletingLastPathComponent().appendingPathComponent("lmsh-handoff-outside-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outside) }
        let i = try shell(fromFile: true)
        try i.run("train m text steps=1 batch=4 seq=16")
        #expect(error(i, "export m \"\(outside.path)/run\" torch=true").contains("may write only inside"))
        #expect(!FileManager.default.fileExists(atPath: outside.path))
        try i.run("export m \"run\" torch=true")
        #expect(TorchRun.inspect(dir.appendingPathComponent("run")) == .lmshRun)
    }
}
