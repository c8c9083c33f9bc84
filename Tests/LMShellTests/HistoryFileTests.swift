import Foundation
import LMCore
import Testing
@testable import LMShell

/// The REPL's history file: every cell comes back exactly after a restart, and the file lives under `$HOME`.
@Suite("History file")
struct HistoryFileTests {
    /// A fresh folder for one test's history file.
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Pieces a random cell is made of: the escapes' own characters, the sequences that look like
    /// escapes, real control characters, quotes and non-ASCII (including a decomposed accent and a
    /// flag, which are several scalars in one character).
    static let pieces: [String] = [
        "\\", "\\\\", "\\n", "\\\\n", "\\t", "\\r", "\\u{41}", "\n", "\r", "\r\n", "\t", "\"", "'", "\"\\n\"",
        "a", "x = 1", " ", "print(", ")", "train m text steps=3", ":quit", "#", "é", "e\u{301}", "λ", "∂h/∂c",
        "日本語", "🇫🇷", "👩‍💻", "\u{2028}", "\u{85}", "\u{0}", "\u{7F}", "\u{FEFF}", "n", "\\\n",
    ]

    static func randomCell(_ rng: inout RandomSource) -> String {
        let count = 1 + rng.nextInt(below: 12)
        var cell = ""
        for _ in 0..<count { cell += pieces[rng.nextInt(below: pieces.count)] }
        return cell
    }

    @Test("1,000 random cells survive write → restart → read unchanged")
    func randomCellsRoundTripThroughTheFile() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(".lmsh_history")
        var rng = RandomSource(seed: 14)
        let cells = (0..<1000).map { _ in Self.randomCell(&rng) }
        let writer = HistoryFile(url: url)
        for cell in cells { try writer.append(cell) }
        // A restart: a new reader of the same file.
        let read = HistoryFile(url: url).read()
        #expect(read.count == cells.count)
        for (i, (got, want)) in zip(read, cells).enumerated() where Array(got.unicodeScalars) != Array(want.unicodeScalars) {
            Issue.record("cell \(i) changed: wrote \(want.debugDescription), read \(got.debugDescription)")
            break
        }
    }

    @Test("a backslash before n stays a backslash before n")
    func backslashNIsNotANewline() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = HistoryFile(url: dir.appendingPathComponent("h"))
        let cells = ["print(\"a\\nb\")", "s = \"C:\\\\new\"", "x = 1\ny = \"\\n\"", "\\", "tab\there"]
        for cell in cells { try file.append(cell) }
        #expect(HistoryFile(url: file.url).read() == cells)
        #expect(HistoryFile.encode("print(\"a\\nb\")") == "print(\"a\\\\nb\")")
        #expect(HistoryFile.encode("a\nb") == "a\\nb")
    }

    @Test("files written by earlier versions read as they were meant")
    func earlierFilesStillRead() {
        // Earlier versions escaped `\` as `\\` and a line feed as `\n` (nothing else).
        #expect(HistoryFile.cells(in: "a = [1,\\n  2]\nprint(\"\\\\n\")\n") == ["a = [1,\n  2]", "print(\"\\n\")"])
        // A lone backslash before another character, or at the end, is kept.
        #expect(HistoryFile.decode("a\\qb\\") == "a\\qb\\")
    }

    @Test("a cell appended after a line cut short starts a line of its own")
    func truncatedLastLine() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("h")
        try Data("a = 1\nb = ".utf8).write(to: url)
        try HistoryFile(url: url).append("c = 3")
        #expect(HistoryFile(url: url).read() == ["a = 1", "b = ", "c = 3"])
    }

    @Test("the file lives under $HOME when HOME is set")
    func locationFollowsHome() throws {
        let home = "/tmp/lmsh-some-home"
        #expect(HistoryFile.defaultURL(environment: ["HOME": home])?.path == home + "/.lmsh_history")
        #expect(HistoryFile.defaultURL(environment: ["HOME": home, "LMSH_HISTORY": "/tmp/h"])?.path == "/tmp/h")
        // Only without HOME does it fall back to the password database.
        let fallback = HistoryFile.passwordDatabaseHome().map { URL(fileURLWithPath: $0).appendingPathComponent(".lmsh_history").path }
        #expect(HistoryFile.defaultURL(environment: [:])?.path == fallback)
        #expect(HistoryFile.defaultURL(environment: ["HOME": ""])?.path == fallback)
    }
}
