import Foundation
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

    static func run(_ args: [String], stdin: String? = nil) throws -> Run {
        let p = Process()
        p.executableURL = try #require(binary, "the lmsh binary was not built next to the tests")
        p.arguments = args
        p.currentDirectoryURL = transcripts
        var env = ProcessInfo.processInfo.environment
        env["LMSH_HISTORY"] = "/dev/null"
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

    /// Equal text, with every number equal within a relative tolerance.
    static func matches(_ got: String, _ expected: String, tolerance: Double = 1e-3) -> Bool {
        let pattern = try? NSRegularExpression(pattern: #"-?\d+\.?\d*(e[-+]?\d+)?"#)
        func split(_ s: String) -> (String, [Double]) {
            guard let pattern else { return (s, []) }
            let ns = s as NSString
            let ms = pattern.matches(in: s, range: NSRange(location: 0, length: ns.length))
            return (pattern.stringByReplacingMatches(in: s, range: NSRange(location: 0, length: ns.length), withTemplate: "#"),
                    ms.compactMap { Double(ns.substring(with: $0.range)) })
        }
        let (a, x) = split(got), (b, y) = split(expected)
        guard a == b, x.count == y.count else { return false }
        return zip(x, y).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
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
    }

    @Test func pipedInputRunsWithoutAPrompt() throws {
        let r = try Self.run([], stdin: "a = 3\na + 1\nb = nope\na * 2\n")
        #expect(r.stdout == "4\n6\n")
        #expect(r.stderr.contains("unknown name 'nope'"))
    }
}
