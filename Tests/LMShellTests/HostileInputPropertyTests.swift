import Foundation
import LMCore
@testable import LMShell
import LMHarness
import Testing

/// Property: whatever a student types, every failure is a positioned, one-line `ShellError` and the
/// process does not trap. Thousands of generated inputs run through the lexer, parser and interpreter
/// (with `Limits.tight`, so training and sampling stay short): random token sequences, byte mutations
/// and token splices of the example scripts and transcripts, and the fuzzer's committed reproducers.
/// Everything is drawn from lmsh's own seeded `RandomSource`, so a run is the same every time.
@Suite("Hostile input: property")
struct HostileInputPropertyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Scripts to mutate: examples/*.lmsh, the transcripts and the fuzzer's seed corpus.
    static func seeds() -> [String] {
        var out: [String] = []
        for folder in ["examples", "Tests/LMShellTests/Transcripts", "fuzz/corpus"] {
            let dir = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.sorted() ?? []
            for name in names where name.hasSuffix(".lmsh") {
                if let s = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) { out.append(s) }
            }
        }
        return out
    }

    /// The fuzzer's reproducers (fuzz/regressions/*): inputs that once broke the shell.
    static func regressions() -> [(String, Data)] {
        let dir = root.appendingPathComponent("fuzz/regressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.sorted() ?? []
        return names.compactMap { name in
            (try? Data(contentsOf: dir.appendingPathComponent(name))).map { (name, $0) }
        }
    }

    static func harness(_ tag: String) throws -> HostileInput {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-property-\(tag)-\(getpid())")
        var h = try HostileInput(directory: dir)
        h.secondsPerCell = 0.1
        h.maxCells = 12
        return h
    }

    /// Tokens drawn by the generators: every operator, keywords, builtins, names the seeds bind, numbers
    /// and strings at their edges.
    static func vocabulary(_ seeds: [String]) -> [String] {
        var words = ["+", "-", "*", "/", "@", "^", "==", "!=", "<", "<=", ">", ">=", "=", "(", ")", "[", "]", ",",
                     ".", ":", "\\\n", "\n", "#", "\"", "def", "true", "false", "none", "_", "0", "1", "-1", "2", "3",
                     "0.5", "1e400", "9e15", "1e-400", "1e308", "100000", "2147483648", "\"input.txt\"", "\"\"",
                     "\"a\\nb\"", "'", ";", "{", "}", "\u{2212}", "é", "\u{0}", "\u{FEFF}", " ", "  ", "\t",
                     "steps=", "batch=", "seq=", "hidden=", "layers=", "axis=", "grad=true", "temp=", "prime="]
        words += Array(Builtins.table.keys)
        for s in seeds {
            for cell in CellSplitter.cells(s) {
                if let tokens = try? Lexer.tokenize(cell.text) {
                    words += tokens.filter { $0.kind != .end && $0.kind != .newline }.map(\.text)
                }
            }
        }
        return Array(Set(words)).sorted()
    }

    static func pick<T>(_ xs: [T], _ rng: inout RandomSource) -> T { xs[rng.nextInt(below: xs.count)] }

    /// A line of 1 to 12 random tokens, joined by nothing or a space.
    static func tokenLine(_ words: [String], _ rng: inout RandomSource) -> String {
        var s = ""
        for _ in 0..<(1 + rng.nextInt(below: 12)) {
            s += pick(words, &rng)
            if rng.nextInt(below: 3) > 0 { s += " " }
        }
        return s
    }

    /// One to four mutations of a seed script's bytes or tokens.
    static func mutate(_ script: String, _ others: [String], _ words: [String], _ rng: inout RandomSource) -> String {
        var bytes = Array(script.utf8)
        for _ in 0..<(1 + rng.nextInt(below: 4)) {
            let n = bytes.count
            switch rng.nextInt(below: 6) {
            case 0 where n > 0:  // delete a byte
                bytes.remove(at: rng.nextInt(below: n))
            case 1:  // insert a random byte (often an ASCII one)
                let b = rng.nextInt(below: 4) == 0 ? UInt8(rng.nextInt(below: 256)) : UInt8(32 + rng.nextInt(below: 95))
                bytes.insert(b, at: rng.nextInt(below: n + 1))
            case 2 where n > 1:  // swap two bytes
                bytes.swapAt(rng.nextInt(below: n), rng.nextInt(below: n))
            case 3:  // insert a token
                bytes.insert(contentsOf: Array(pick(words, &rng).utf8), at: rng.nextInt(below: n + 1))
            case 4 where n > 0:  // splice: a piece of another script replaces a piece of this one
                let other = Array(pick(others, &rng).utf8)
                guard !other.isEmpty else { continue }
                let a = rng.nextInt(below: n), len = rng.nextInt(below: min(80, n - a) + 1)
                let b = rng.nextInt(below: other.count), len2 = rng.nextInt(below: min(80, other.count - b) + 1)
                bytes.replaceSubrange(a..<(a + len), with: other[b..<(b + len2)])
            case 5 where n > 0:  // duplicate a piece (deeper nesting, repeated cells)
                let a = rng.nextInt(below: n), len = rng.nextInt(below: min(40, n - a) + 1)
                bytes.insert(contentsOf: Array(bytes[a..<(a + len)]), at: rng.nextInt(below: n + 1))
            default:
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func check(_ outcome: HostileInput.Outcome, _ input: String) {
        for v in outcome.violations.prefix(3) {
            Issue.record("\(v)\n  input: \(input.debugDescription.prefix(400))")
        }
    }

    @Test func randomTokenSequences() throws {
        let h = try Self.harness("tokens")
        let words = Self.vocabulary(Self.seeds())
        var rng = RandomSource(seed: 20261127)
        let start = Date()
        var cases = 0, cells = 0, errors = 0
        while cases < 3000 && Date().timeIntervalSince(start) < 8 {
            var lines: [String] = []
            for _ in 0..<(1 + rng.nextInt(below: 4)) { lines.append(Self.tokenLine(words, &rng)) }
            let input = lines.joined(separator: "\n")
            let o = h.run(input, asOneCell: rng.nextInt(below: 2) == 0)
            Self.check(o, input)
            cases += 1
            cells += o.cells
            errors += o.errors
        }
        print("hostile input: \(cases) random token sequences, \(cells) cells, \(errors) positioned errors, \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        #expect(cases >= 500, "too few cases in the time bound: \(cases)")
    }

    @Test func mutatedScripts() throws {
        let h = try Self.harness("mutations")
        let seeds = Self.seeds()
        try #require(!seeds.isEmpty, "no example scripts found under \(Self.root.path)")
        let words = Self.vocabulary(seeds)
        var rng = RandomSource(seed: 7)
        let start = Date()
        var cases = 0, cells = 0, errors = 0
        while cases < 2000 && Date().timeIntervalSince(start) < 10 {
            let base = Self.pick(seeds, &rng)
            // A window of the script (a few cells) keeps each case short.
            let lines = base.split(separator: "\n", omittingEmptySubsequences: false)
            let from = rng.nextInt(below: max(1, lines.count))
            let window = lines[from..<min(lines.count, from + 4 + rng.nextInt(below: 12))].joined(separator: "\n")
            let input = Self.mutate(String(window), seeds, words, &rng)
            let o = h.run(input, asOneCell: rng.nextInt(below: 4) == 0)
            Self.check(o, input)
            cases += 1
            cells += o.cells
            errors += o.errors
        }
        print("hostile input: \(cases) mutated scripts, \(cells) cells, \(errors) positioned errors, \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        #expect(cases >= 300, "too few cases in the time bound: \(cases)")
    }

    @Test func fuzzerReproducersStayFixed() throws {
        let h = try Self.harness("regressions")
        var n = 0
        for (name, data) in Self.regressions() {
            let text = String(decoding: data, as: UTF8.self)
            for asOneCell in [false, true] {
                let o = h.run(text, asOneCell: asOneCell)
                for v in o.violations { Issue.record("fuzz/regressions/\(name): \(v)") }
            }
            n += 1
        }
        print("hostile input: \(n) fuzzer reproducers replayed")
    }
}
