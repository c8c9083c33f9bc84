import Foundation
import LMCore
import LMHarness
import LMModels
import Testing
@testable import LMShell

/// Files from strangers, through the shell: every bad corpus or checkpoint is its own clear, one-line,
/// positioned error, and a failed save leaves the previous file as it was.
@Suite("Loading files")
struct FileLoadingTests {
    let dir: URL
    let shell: Interpreter

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-files-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(HostileInput.corpusText.utf8).write(to: dir.appendingPathComponent("input.txt"))
        shell = Interpreter(baseDirectory: dir)
        shell.output = { _ in }
        try shell.run("text = corpus(\"input.txt\")")
        try shell.run("m = lstm(text, hidden=8, layers=1)")
        try shell.run("save m \"m.safetensors\"")
    }

    func write(_ name: String, _ data: Data) throws { try data.write(to: dir.appendingPathComponent(name)) }

    func bytes(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    /// The error of `cell`: a positioned, one-line ShellError whose message contains `fragment`.
    func expectError(_ cell: String, _ fragment: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            try shell.run(cell)
            Issue.record("no error for \(cell)", sourceLocation: sourceLocation)
        } catch let e as ShellError {
            if let p = HostileInput.problem(with: e, in: cell) { Issue.record("\(p): \(e)", sourceLocation: sourceLocation) }
            #expect(e.message.contains(fragment), "\(cell): \(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a ShellError: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func badCorpora() throws {
        try write("empty.txt", Data())
        try write("one.txt", Data("a".utf8))
        try write("latin1.txt", Data([0x63, 0x61, 0x66, 0xE9, 0x0A]))  // "café" in Latin-1
        try write("binary.bin", Data([0x00, 0xFF, 0xFE, 0x80]))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder"), withIntermediateDirectories: true)
        expectError("corpus(\"missing.txt\")", "no such file")
        expectError("corpus(\"empty.txt\")", "is empty")
        expectError("corpus(\"one.txt\")", "single character")
        expectError("corpus(\"latin1.txt\")", "not UTF-8")
        expectError("corpus(\"binary.bin\")", "not UTF-8")
        expectError("corpus(\"folder\")", "directory")
        expectError("corpus(\"\")", "empty file path")
    }

    @Test func badCheckpoints() throws {
        let good = try bytes("m.safetensors")
        let n = Int(good[0]) | Int(good[1]) << 8 | Int(good[2]) << 16
        // Truncated, empty, not a checkpoint, a folder, missing.
        try write("truncated.safetensors", good.prefix(good.count - 10))
        try write("short.safetensors", good.prefix(5))
        try write("empty.safetensors", Data())
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.safetensors"), withIntermediateDirectories: true)
        expectError("load(\"missing.safetensors\")", "no such file")
        expectError("load(\"folder.safetensors\")", "is a folder")
        expectError("load(\"empty.safetensors\")", "shorter than the 8-byte header length")
        expectError("load(\"short.safetensors\")", "shorter than the 8-byte header length")
        expectError("load(\"truncated.safetensors\")", "go past the end")
        expectError("load(\"input.txt\")", "over the 100000000-byte limit")
        // A header length larger than the file (but under the bound).
        var long = good
        long.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(good.count).littleEndian) { Data($0) })
        try write("long.safetensors", long)
        expectError("load(\"long.safetensors\")", "header")
        // One data byte flipped: only the checksum can tell.
        var flipped = good
        flipped[8 + n + 3] ^= 0x10
        try write("flipped.safetensors", flipped)
        expectError("load(\"flipped.safetensors\")", "checksum")
        // An unknown dtype and out-of-range offsets, written by hand over the same bytes.
        let text = try #require(String(data: good, encoding: .isoLatin1))
        let dtype = text.replacingOccurrences(of: "\"dtype\":\"F32\"", with: "\"dtype\":\"Q32\"")
        try write("dtype.safetensors", try #require(dtype.data(using: .isoLatin1)))
        expectError("load(\"dtype.safetensors\")", "Q32")
    }

    @Test func shapesThatDoNotMatchTheModelKind() throws {
        // An LSTM's weights under a GRU's metadata: 4·H rows where a GRU has 3·H.
        var f = try SafeTensorsFile.read(from: dir.appendingPathComponent("m.safetensors"))
        f.metadata["lmsh.cell"] = "gru"
        f.metadata["lmsh.gate_order"] = CellKind.gru.gateNames.joined(separator: ",")
        try f.write(to: dir.appendingPathComponent("kind.safetensors"))
        expectError("load(\"kind.safetensors\")", "shape")
        // A weight of the right name but the wrong size.
        var g = try SafeTensorsFile.read(from: dir.appendingPathComponent("m.safetensors"))
        let k = try #require(g.entries.firstIndex { $0.name == "rnn.weight_hh_l0" })
        g.entries[k] = SafeTensorsEntry(name: "rnn.weight_hh_l0", shape: [4, 4], values: Array(repeating: 0, count: 16))
        try g.write(to: dir.appendingPathComponent("size.safetensors"))
        expectError("load(\"size.safetensors\")", "rnn.weight_hh_l0")
        // A valid safetensors file that is not an lmsh checkpoint.
        try SafeTensorsFile(entries: [SafeTensorsEntry(name: "x", shape: [1], values: [1])]).write(to: dir.appendingPathComponent("plain.safetensors"))
        expectError("load(\"plain.safetensors\")", "not an lmsh checkpoint")
    }

    @Test func aFailedSaveKeepsThePreviousFile() throws {
        let before = try bytes("m.safetensors")
        try write("blocker", Data("not a folder".utf8))
        expectError("save m \"blocker/m.safetensors\"", "is a file, not a folder")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("afolder"), withIntermediateDirectories: true)
        expectError("save m \"afolder\"", "is a folder")
        #expect(try bytes("m.safetensors") == before)
        // Saving again over the same name replaces it whole (no temporary files are left beside it).
        try shell.run("train m text steps=2 batch=2 seq=8")
        try shell.run("save m \"m.safetensors\"")
        #expect(try bytes("m.safetensors") != before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        try shell.run("m2 = load(\"m.safetensors\")")
    }

    @Test func errorsRenderTheRightLineWithCRLFEndings() {
        // "\r\n" is one Character: the caret line must be found by "\n" scalars, as the lexer counts lines.
        let cell = "x = [1,\r\n  2,\r\n  3 4]"
        do {
            try shell.run(cell)
            Issue.record("no error")
        } catch let e as ShellError {
            #expect(HostileInput.problem(with: e, in: cell) == nil)
            let rendered = e.render(source: cell)
            #expect(rendered.contains("  3 4]"), "\(rendered)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
