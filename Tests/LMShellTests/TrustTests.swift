import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// The trust rule: cells from a file read and write only inside the current folder's tree and the file's
/// folder unless the user trusts the file; `save` and `export` never replace a file lmsh did not write.
/// Each hostile case tries one way out and must leave its target untouched; `--trust` lets it through.
@Suite("Trust: sessions from someone else", .serialized)
final class TrustTests {
    let root: URL, work: URL, outside: URL
    static let text = String(repeating: "the cat sat on the mat.\n", count: 200)

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-trust-\(UUID().uuidString)").standardizedFileURL
        work = root.appendingPathComponent("work")
        outside = root.appendingPathComponent("outside")
        for d in [work, outside] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try Self.text.write(to: work.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        try "the user's notes\n".write(to: outside.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "a secret the session must not read\n".write(to: outside.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        // A link inside the tree to a folder outside it (as data/ links to the shared corpora).
        try FileManager.default.createSymbolicLink(at: work.appendingPathComponent("link"), withDestinationURL: outside)
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    /// Every file outside, with its bytes: a hostile case must leave this unchanged.
    func outsideFiles() throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: outside.path) {
            out[name] = try Data(contentsOf: outside.appendingPathComponent(name))
        }
        return out
    }

    /// An interpreter in `work` running cells as if they came from `work/session.lmsh` (or trusted).
    func shell(trusted: Bool) throws -> Interpreter {
        var c = Interpreter.Configuration(baseDirectory: work, environment: [:])
        if !trusted { c.fileAccess = .cells(from: work.appendingPathComponent("session.lmsh"), currentFolder: work) }
        let i = Interpreter(configuration: c)
        i.output = { _ in }
        try i.run("text = corpus(\"input.txt\")")
        try i.run("m = rnn(text, hidden=4)")
        return i
    }

    static let hostile: [(name: String, cell: String, use: String)] = [
        ("absolute path", "save m \"OUT/notes.txt\" overwrite=true", "write"),
        ("..", "save m \"../outside/m.safetensors\"", "write"),
        ("a link pointing outside", "save m \"link/m.safetensors\"", "write"),
        ("reading a file outside", "c = corpus(\"OUT/secret.txt\")", "read"),
        ("reading through ..", "c = corpus(\"../outside/secret.txt\")", "read"),
        ("an export outside", "export [1, 2, 3] \"../outside/x.svg\"", "write"),
        ("a checkpoint read from outside", "n = load(\"../outside/m.safetensors\")", "read"),
    ]

    @Test(arguments: hostile.indices)
    func eachWayOutIsRefusedAndTrustLetsItThrough(_ k: Int) throws {
        let (name, template, use) = Self.hostile[k]
        let cell = template.replacingOccurrences(of: "OUT", with: outside.path)
        // A checkpoint outside, for the read case: put there by the user, not by the session.
        var rng = RandomSource(seed: 1)
        try ModelCheckpoint.save(try RecurrentModel(ModelConfig(cell: .rnn, vocabSize: 3, hidden: 2, layers: 1), rng: &rng),
                                 ModelCheckpoint.Info(vocabulary: Vocabulary(scalars: ["a", "b", "c"])),
                                 to: outside.appendingPathComponent("m.safetensors"))
        let before = try outsideFiles()
        let i = try shell(trusted: false)
        do {
            try i.run(cell)
            Issue.record("\(name): \(cell) was not refused")
        } catch let e as ShellError {
            #expect(e.message.hasPrefix("cannot \(use) ") && e.message.contains("may \(use) only inside \(work.path)"), "\(name): \(e.message)")
            #expect(e.hint?.contains("--trust") == true && e.location != nil && !e.message.contains("\n"))
        }
        #expect(try outsideFiles() == before, "\(name) touched a file outside")
        // Trusted, the same cell runs (it may still refuse to replace a file lmsh did not write: not here).
        let t = try shell(trusted: true)
        try t.run(cell)
        if use == "write" { #expect(try outsideFiles() != before, "\(name): the trusted cell wrote nothing") }
    }

    @Test func readsMayFollowALinkInsideTheTreeWritesMayNot() throws {
        let inside = FileAccess.cells(from: work.appendingPathComponent("s.lmsh"), currentFolder: work)
        let viaLink = work.appendingPathComponent("link/secret.txt")
        #expect(inside.allows(viaLink, for: .read))
        #expect(!inside.allows(viaLink, for: .write))
        #expect(!inside.allows(work.appendingPathComponent("../outside/secret.txt"), for: .read))
        #expect(inside.allows(work.appendingPathComponent("sub/../input.txt"), for: .write))
        #expect(FileAccess.anywhere.allows(outside.appendingPathComponent("notes.txt"), for: .write))
    }

    @Test func saveAndExportReplaceOnlyTheirOwnFiles() throws {
        let i = try shell(trusted: true)  // the rule holds for typed cells too: a typo must not destroy a file
        let notes = work.appendingPathComponent("notes.txt")
        try "my notes\n".write(to: notes, atomically: true, encoding: .utf8)
        #expect(throws: ShellError.self) { try i.run("save m \"notes.txt\"") }
        #expect(try String(contentsOf: notes, encoding: .utf8) == "my notes\n")
        try i.run("save m \"m.safetensors\"")
        try i.run("train m text steps=2 batch=4 seq=8")
        try i.run("save m \"m.safetensors\"")  // over an earlier checkpoint
        #expect(ModelCheckpoint.isCheckpoint(at: work.appendingPathComponent("m.safetensors")))
        #expect(!ModelCheckpoint.isCheckpoint(at: notes))
        // export: its own pictures only.
        try "<svg>not ours</svg>\n".write(to: work.appendingPathComponent("p.svg"), atomically: true, encoding: .utf8)
        #expect(throws: ShellError.self) { try i.run("export [1, 2] \"p.svg\"") }
        #expect(try String(contentsOf: work.appendingPathComponent("p.svg"), encoding: .utf8) == "<svg>not ours</svg>\n")
        try i.run("export [1, 2] \"q.svg\"")
        try i.run("export [1, 2, 3] \"q.svg\"")
        try i.run("export [1, 2] \"p.svg\" overwrite=true")
        #expect(try String(contentsOf: work.appendingPathComponent("p.svg"), encoding: .utf8).contains("<svg"))
        try i.run("save m \"notes.txt\" overwrite=true")
        #expect(ModelCheckpoint.isCheckpoint(at: notes))
    }

    @Test func theTrustStoreRemembersAFileByItsContent() throws {
        let store = TrustStore(environment: ["LMSH_TRUST_FILE": root.appendingPathComponent("trusted").path])
        let script = work.appendingPathComponent("s.lmsh")
        try "1 + 1\n".write(to: script, atomically: true, encoding: .utf8)
        #expect(!store.trusts(script))
        try store.trust(script)
        #expect(store.trusts(script))
        try "1 + 2\n".write(to: script, atomically: true, encoding: .utf8)
        #expect(!store.trusts(script), "a changed file is no longer trusted")
    }

    /// Through the binary, as a classmate's session arrives: refused without a word of harm, then with --trust.
    @Test func aHostileScriptAndSessionThroughTheBinary() throws {
        guard EndToEndTests.binary != nil else { return }
        let script = work.appendingPathComponent("hostile.lmsh")
        try """
            text = corpus("input.txt")
            m = rnn(text, hidden=4)
            save m "\(outside.path)/m2.safetensors"
            c = corpus("../outside/secret.txt")
            export [1, 2] "link/x.svg"
            save m "input.txt"
            """.write(to: script, atomically: true, encoding: .utf8)
        let before = try outsideFiles()
        let env = ["LMSH_TRUST_FILE": root.appendingPathComponent("trusted").path]
        let r = try EndToEndTests.run([script.path, "--keep-going"], cwd: work, environment: env)
        #expect(r.status == 1)
        #expect(r.stderr.components(separatedBy: "may write only inside").count - 1 == 2, "\(r.stderr)")
        #expect(r.stderr.contains("may read only inside") && r.stderr.contains("input.txt exists and is not an lmsh checkpoint"))
        #expect(try outsideFiles() == before)
        #expect(try String(contentsOf: work.appendingPathComponent("input.txt"), encoding: .utf8) == Self.text)
        let trusted = try EndToEndTests.run([script.path, "--keep-going", "--trust"], cwd: work, environment: env)
        #expect(trusted.stderr.contains("input.txt exists and is not an lmsh checkpoint") && !trusted.stderr.contains("only inside"))
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("m2.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("x.svg").path))
        // The same cells as a saved session, replayed from another folder.
        let sessions = root.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: sessions, withIntermediateDirectories: true)
        try "text = corpus(\"input.txt\")\nm = rnn(text, hidden=4)\nsave m \"\(outside.path)/m3.safetensors\"\n".write(to: sessions.appendingPathComponent("s.lmsh"), atomically: true, encoding: .utf8)
        let replay = try EndToEndTests.run(["replay", sessions.appendingPathComponent("s.lmsh").path], cwd: work, environment: env)
        #expect(replay.status == 1 && replay.stderr.contains("may write only inside"), "\(replay.stderr)")
        #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("m3.safetensors").path))
        // With --keep-going every refusal is reported; with --trust the session runs.
        try "text = corpus(\"input.txt\")\nm = rnn(text, hidden=4)\nsave m \"\(outside.path)/m3.safetensors\"\nc = corpus(\"\(outside.path)/secret.txt\")\nexport [1] \"\(outside.path)/y.svg\"\n"
            .write(to: sessions.appendingPathComponent("s.lmsh"), atomically: true, encoding: .utf8)
        let each = try EndToEndTests.run(["replay", sessions.appendingPathComponent("s.lmsh").path, "--keep-going"], cwd: work, environment: env)
        #expect(each.status == 1 && each.stderr.components(separatedBy: "only inside").count - 1 == 3, "\(each.stderr)")
        #expect(try outsideFiles() == (try outsideFiles()).filter { $0.key != "m3.safetensors" && $0.key != "y.svg" })
        let ran = try EndToEndTests.run(["replay", sessions.appendingPathComponent("s.lmsh").path, "--trust"], cwd: work, environment: env)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("m3.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("y.svg").path))
    }
}
