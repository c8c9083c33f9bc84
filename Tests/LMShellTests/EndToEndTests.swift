import Foundation
import LMShell
import Testing

/// Runs the built `lmsh` binary the way a user does and compares its output with recorded
/// transcripts (numbers within a relative tolerance, text exactly).
@Suite("lmsh end to end")
struct EndToEndTests {
    /// The `lmsh` executable beside the test bundle (any build folder), or $LMSH_BINARY.
    static var binary: URL? {
        if let p = ProcessInfo.processInfo.environment["LMSH_BINARY"] { return URL(fileURLWithPath: p) }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = bundle.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("lmsh")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static let transcripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Transcripts")

    struct Run {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    /// Runs lmsh with `args` in `cwd` (the transcripts by default), feeding `stdin`; history off and
    /// sessions in a temporary folder unless `sessions` says where.
    static func run(_ args: [String], stdin: String? = nil, cwd: URL? = nil, sessions: URL? = nil,
                    environment: [String: String] = [:]) throws -> Run {
        let p = Process()
        p.executableURL = try #require(binary, "the lmsh binary was not built next to the tests")
        p.arguments = args
        p.currentDirectoryURL = cwd ?? transcripts
        var env = ProcessInfo.processInfo.environment
        env["LMSH_HISTORY"] = "/dev/null"
        env["LMSH_SESSIONS"] = (sessions ?? FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-e2e-sessions")).path
        env.merge(environment) { _, new in new }
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self), status: p.terminationStatus)
    }

    /// Equal text, with every number equal within a relative tolerance (the comparison `--verify` uses).
    static func matches(_ got: String, _ expected: String) -> Bool {
        OutputComparison.matches(got, expected)
    }

    @Test("transcripts", arguments: ["slide", "errors"])
    func transcript(_ name: String) throws {
        let r = try Self.run(["\(name).lmsh", "--keep-going"])
        let got = r.stdout + (r.stderr.isEmpty ? "" : "--- stderr\n" + r.stderr)
        let expectedURL = Self.transcripts.appendingPathComponent("\(name).out")
        if ProcessInfo.processInfo.environment["LMSH_RECORD"] == "1" {
            try got.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(Self.matches(got, expected), "output of \(name).lmsh differs:\n\(got)")
    }

    @Test func theToleranceComparisonCanFail() {
        #expect(Self.matches("loss 0.71163", "loss 0.7116"))
        #expect(!Self.matches("loss 0.75", "loss 0.7116"))
        #expect(!Self.matches("lost 0.7116", "loss 0.7116"))
    }

    @Test func commandLineCellsAndExitStatus() throws {
        let ok = try Self.run(["-c", "x = 2; x * 21"])
        #expect(ok.stdout == "42\n")
        #expect(ok.status == 0)
        let bad = try Self.run(["-c", "x = ; 1"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("^"))
        let version = try Self.run(["--version"])
        #expect(version.stdout.hasPrefix("lmsh "))
        // A block is one cell: its ';' do not split it, and its lines stay together.
        let block = try Self.run(["-c", "s = 0; for i in range(4) { s = s + i; if i == 2 { break } }; s"])
        #expect(block.stdout == "3\n", "\(block.stderr)")
        let lines = try Self.run(["-c", "def f(n) {\n  if n <= 1 { return 1 }\n  return n * f(n - 1)\n}\nf(5)\n:vars"])
        #expect(lines.stdout.hasPrefix("120\n"), "\(lines.stderr)")
        #expect(lines.stdout.contains("f: function"))
    }

    @Test("replay is a subcommand of the argument parser, with its own flags and usage")
    func replayIsASubcommand() throws {
        let help = try Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("replay"), "\(help.stdout)")
        let replayHelp = try Self.run(["replay", "--help"])
        #expect(replayHelp.status == 0)
        #expect(replayHelp.stdout.contains("USAGE: lmsh replay <FILE.lmsh> [--retrain] [--update] [--verify] [--trust] [--keep-going]"), "\(replayHelp.stdout)")
        // No file: the parser's usage error (exit status 64), not a script named "replay".
        let missing = try Self.run(["replay"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Missing expected argument '<FILE.lmsh>'"), "\(missing.stderr)")
        // Two files, or a script's flag: usage errors too.
        #expect(try Self.run(["replay", "a.lmsh", "b.lmsh"]).status == 64)
        #expect(try Self.run(["replay", "a.lmsh", "--save", "x"]).status == 64)
        // A replay flag belongs to replay, not to scripts.
        #expect(try Self.run(["slide.lmsh", "--verify"]).status == 64)
        let absent = try Self.run(["replay", "no-such-session.lmsh", "--verify"])
        #expect(absent.status == 1)
        #expect(absent.stderr.contains("no such session file"), "\(absent.stderr)")
        // A missing script says it is missing, not that it is not UTF-8.
        let noScript = try Self.run(["no-such-script.lmsh"])
        #expect(noScript.status == 1)
        #expect(noScript.stderr.contains("no such file: no-such-script.lmsh"), "\(noScript.stderr)")
    }

    @Test func pipedInputRunsWithoutAPrompt() throws {
        let r = try Self.run([], stdin: "a = 3\na + 1\nb = nope\na * 2\n")
        #expect(r.stdout == "4\n6\n")
        #expect(r.stderr.contains("unknown name 'nope'"))
    }
}

@Suite("Sessions: autosave, :save, replay")
struct SessionEndToEndTests {
    @Test func saveReplayVerifyAndTamperDetection() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try String(repeating: "abcabcabd\n", count: 60).write(to: dir.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        let sessions = dir.appendingPathComponent("sessions")
        let cells = """
            text = corpus("t.txt", val=0.1, batch=4, seq=8)
            m = lstm(text, hidden=12, layers=1)
            train m text steps=30 batch=4 seq=8 opt="adam" lr=1e-2
            r = eval m text.val batch=2 seq=8
            r.nats
            sample m 12 temp=0 prime="ab"
            :save demo
            """
        let rec = try EndToEndTests.run(["-c", "1"], cwd: dir, sessions: sessions)  // warm: the binary runs here
        #expect(rec.status == 0)
        let live = try EndToEndTests.run([], stdin: cells + "\n", cwd: dir, sessions: sessions)
        // Only progress lines (stderr when stdout is not a terminal), no errors.
        #expect(live.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("step ") }, "\(live.stderr)")
        let saved = sessions.appendingPathComponent("demo.lmsh")
        let script = try String(contentsOf: saved, encoding: .utf8)
        #expect(script.contains("#@ checkpoint m demo/cell-3-m.safetensors sha256="))
        #expect(script.contains("#= "))
        // An autosave file holds every finished cell too.
        let autosaves = try FileManager.default.contentsOfDirectory(atPath: sessions.path).filter { $0.hasPrefix("autosave-") && $0.hasSuffix(".lmsh") }
        #expect(!autosaves.isEmpty)

        let replay = try EndToEndTests.run(["replay", saved.path, "--verify"], cwd: dir, sessions: sessions)
        #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
        #expect(replay.stdout.contains("1 restored from checkpoints"))
        #expect(replay.stdout.contains("verify: every output matches"))

        let retrain = try EndToEndTests.run(["replay", saved.path, "--retrain", "--verify"], cwd: dir, sessions: sessions)
        #expect(retrain.status == 0, "\(retrain.stdout)\n\(retrain.stderr)")

        // Alter the checkpoint: the replay reports the hash mismatch.
        let ckpt = sessions.appendingPathComponent("demo/cell-3-m.safetensors")
        var bytes = try Data(contentsOf: ckpt)
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: ckpt)
        let tampered = try EndToEndTests.run(["replay", saved.path], cwd: dir, sessions: sessions)
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("was altered"))
    }
}
