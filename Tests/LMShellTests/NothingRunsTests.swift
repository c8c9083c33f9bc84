import Foundation
import LMHarness
import Testing
@testable import LMShell

/// Nothing that is loaded runs: the language has no verb that starts a program, a session file runs
/// only lmsh cells, and the paths a session names (its checkpoints) stay inside its folder.
@Suite("Nothing runs that is loaded")
struct NothingRunsTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    @Test func noBuiltinStartsAProgram() {
        let names = Set(Builtins.table.keys)
        for forbidden in ["system", "shell", "exec", "run", "spawn", "popen", "sh", "bash", "eval_file", "import", "open"] {
            #expect(!names.contains(forbidden), "builtin '\(forbidden)' exists")
        }
    }

    /// The libraries a session runs through (not the REPL's front end, which runs tmux-free) never start
    /// a process or load code.
    @Test func theLibrariesHaveNoWayToStartAProcess() throws {
        var scanned = 0
        for module in ["LMCore", "LMModels", "LMInspect", "LMShell"] {
            let dir = Self.sources.appendingPathComponent(module)
            guard let files = FileManager.default.enumerator(atPath: dir.path) else { continue }
            for case let name as String in files where name.hasSuffix(".swift") {
                let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
                for call in ["Process(", "posix_spawn", "popen(", "system(", "execv", "execl", "fork(", "dlopen(", "NSTask"] {
                    #expect(!text.contains(call), "\(module)/\(name) calls \(call)")
                }
                scanned += 1
            }
        }
        #expect(scanned > 20, "found only \(scanned) source files under \(Self.sources.path)")
    }

    @Test func aSessionFileRunsOnlyCells() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-loaded-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("ran")
        // Shell syntax, a shebang, meta commands and output lines: none of it runs anything.
        let session = """
            #!/bin/sh
            #= touch \(marker.path)
            #@ checkpoint x ../../outside.safetensors sha256=00
            x = 1
            :load other.lmsh
            $(touch \(marker.path))
            `touch \(marker.path)`
            x + 1
            """
        let url = dir.appendingPathComponent("s.lmsh")
        try session.write(to: url, atomically: true, encoding: .utf8)
        let record = SessionRecord.parse(session)
        #expect(record.cells.map(\.source).allSatisfy { !$0.hasPrefix("#") })
        let i = Interpreter(baseDirectory: dir)
        i.output = { _ in }
        var replay = SessionReplay()
        replay.verify = false
        var errors = 0
        for cell in record.cells {
            do { try i.run(cell.source) } catch is ShellError { errors += 1 }
        }
        #expect(errors >= 3, "the shell-like cells should each be an error")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "a loaded session ran a command")
        _ = try replay.run(url, into: Interpreter(baseDirectory: dir)) { _, _, _ in }
        #expect(!FileManager.default.fileExists(atPath: marker.path), "a replayed session ran a command")
    }

    @Test func aSessionsCheckpointsStayInsideItsFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-confined-\(UUID().uuidString.prefix(8))")
        let inner = dir.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(HostileInput.corpusText.utf8).write(to: inner.appendingPathComponent("t.txt"))
        for path in ["../evil.safetensors", "/etc/passwd", "a/../../evil.safetensors"] {
            let session = """
                text = corpus("t.txt")
                m = rnn(text, hidden=4)
                train m text steps=1 batch=2 seq=4
                #@ checkpoint m \(path) sha256=00
                """
            let url = inner.appendingPathComponent("s.lmsh")
            try session.write(to: url, atomically: true, encoding: .utf8)
            let i = Interpreter(baseDirectory: dir)
            i.output = { _ in }
            let report = try SessionReplay().run(url, into: i) { _, _, _ in }
            let e = try #require(report.errors.first, "replay accepted checkpoint \(path)")
            #expect(e.cell == 3 && e.error.message.contains("outside the session's folder"), "\(e.error)")
        }
    }

    /// With `confinePaths` (the fuzzer's setting) a cell cannot name a file outside its folder at all.
    @Test func confinedInterpretersRefuseOutsidePaths() {
        let i = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        i.configuration.confinePaths = true
        for cell in ["corpus(\"/etc/passwd\")", "corpus(\"../x.txt\")", "load(\"~/m.safetensors\")", "corpus(\"a/../../b\")"] {
            #expect(throws: ShellError.self, "\(cell)") { try i.run(cell) }
            do { try i.run(cell) } catch let e as ShellError {
                #expect(e.message.contains("outside"), "\(e)")
            } catch {}
        }
    }
}
