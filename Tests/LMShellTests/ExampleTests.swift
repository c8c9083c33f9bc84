import Foundation
import Testing
@testable import LMShell

/// The examples and the README are the project's front door: every example runs in quick mode and
/// matches its recorded transcript, and every `lmsh` block of README.md runs without an error.
@Suite("examples and README")
struct ExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let recorded = EndToEndTests.transcripts.appendingPathComponent("examples")

    static var examples: [String] {
        let dir = root.appendingPathComponent("examples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".lmsh") }.sorted()
    }

    /// The corpora under data/ that a script names (`"data/NAME.txt"`) and that are missing, so a test can
    /// skip, saying so, on a machine without them.
    static func missingCorpora(_ script: String) -> [String] {
        var missing: [String] = []
        var rest = Substring(script)
        while let r = rest.range(of: "\"data/") {
            let tail = rest[r.upperBound...]
            guard let end = tail.firstIndex(of: "\"") else { break }
            let path = "data/" + tail[..<end]
            if !FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) { missing.append(path) }
            rest = tail[end...]
        }
        return missing
    }

    /// A fresh temporary folder with links to the checkout's data/ and examples/.
    static func scratchFolder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for link in ["data", "examples"] {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(link), withDestinationURL: root.appendingPathComponent(link))
        }
        return dir
    }

    static func run(_ args: [String], cwd: URL = root, environment: [String: String]) throws -> EndToEndTests.Run {
        try EndToEndTests.run(args, cwd: cwd, environment: environment)
    }

    @Test("example in quick mode matches its transcript", arguments: examples)
    func example(_ name: String) throws {
        let script = try String(contentsOf: Self.root.appendingPathComponent("examples/\(name)"), encoding: .utf8)
        let missing = Self.missingCorpora(script)
        if !missing.isEmpty {
            print("skipping examples/\(name): \(missing.joined(separator: ", ")) not found (make data links ../shared/data)")
            return
        }
        // In a scratch folder that sees the checkout's data/ and examples/ (what an example writes stays there).
        let dir = try Self.scratchFolder("example-\(name)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.run(["examples/\(name)"], cwd: dir, environment: ["QUICK": "1", "LMSH_SESSIONS": dir.appendingPathComponent("sessions").path])
        #expect(r.status == 0, "examples/\(name) failed:\n\(r.stderr)")
        // stderr holds the progress lines (timed, so not compared); stdout must match the recording.
        let expectedURL = Self.recorded.appendingPathComponent(name.replacingOccurrences(of: ".lmsh", with: ".out"))
        if ProcessInfo.processInfo.environment["LMSH_RECORD"] == "1" {
            try FileManager.default.createDirectory(at: Self.recorded, withIntermediateDirectories: true)
            try r.stdout.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(Self.matches(name, r.stdout, expected), "output of examples/\(name) differs from \(expectedURL.lastPathComponent):\n\(r.stdout)")
    }

    /// Where an example's output becomes chaotic (a tanh RNN at ρ = 3 trained by plain gd: its digits after a few
    /// steps depend on the order of float additions, so they differ between machines and BLAS builds). From the
    /// first line with this prefix on, only the outcomes are compared: the lines that print true/false must be
    /// equal, and the others must be as many and read the same with their numbers blanked out, except the plot rows.
    static let chaoticFrom = ["03-exploding-vanishing.lmsh": "warning: training stopped"]

    static func matches(_ name: String, _ got: String, _ expected: String) -> Bool {
        guard let marker = chaoticFrom[name] else { return OutputComparison.matches(got, expected, tolerance: 1e-2) }
        func cut(_ s: String) -> (head: String, tail: [Substring]) {
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            let k = lines.firstIndex { $0.hasPrefix(marker) } ?? lines.count
            return (lines[..<k].joined(separator: "\n"), Array(lines[k...]))
        }
        let (a, x) = cut(got), (b, y) = cut(expected)
        guard OutputComparison.matches(a, b, tolerance: 1e-2), x.count == y.count, !y.isEmpty else { return false }
        return zip(x, y).allSatisfy { g, e in
            if e.contains("true") || e.contains("false") { return g == e }
            // A plot's rows (axis, points) move with the digits; its legend and the other lines keep their words.
            if e.contains("┤") || e.contains("█") || e.contains("▁") { return true }
            return OutputComparison.split(String(g)).0 == OutputComparison.split(String(e)).0
        }
    }

    @Test("the chaotic part of a transcript is compared by its outcomes, and a changed outcome still fails")
    func chaoticOutcomes() {
        let expected = "head 1.5\nwarning: training stopped at step 5: the loss 17.682\nok: true\n  ┤ •\nmin: 3.02\n"
        #expect(Self.matches("03-exploding-vanishing.lmsh", "head 1.5\nwarning: training stopped at step 5: the loss 17.545\nok: true\n  ┤•  \nmin: 3.07\n", expected))
        #expect(!Self.matches("03-exploding-vanishing.lmsh", "head 1.5\nwarning: training stopped at step 5: the loss 17.545\nok: false\n  ┤•  \nmin: 3.07\n", expected))
        #expect(!Self.matches("03-exploding-vanishing.lmsh", "head 1.9\nwarning: training stopped at step 5: the loss 17.545\nok: true\n  ┤•  \nmin: 3.07\n", expected))
        #expect(!Self.matches("03-exploding-vanishing.lmsh", "head 1.5\nok: true\n", expected))
        // Elsewhere every number counts.
        #expect(!Self.matches("01-backprop.lmsh", "head 1.5\nwarning: training stopped at step 5: the loss 17.682\nok: true\n  ┤ •\nmin: 3.07\n", expected))
    }

    /// The shipped session restores from its checkpoint and prints what it printed when it was recorded.
    @Test func theShippedSessionReplaysAndVerifies() throws {
        let session = try String(contentsOf: Self.root.appendingPathComponent("sessions/shakespeare.lmsh"), encoding: .utf8)
        let missing = Self.missingCorpora(session)
        if !missing.isEmpty {
            print("skipping sessions/shakespeare.lmsh: \(missing.joined(separator: ", ")) not found (make data links ../shared/data)")
            return
        }
        let r = try Self.run(["replay", "sessions/shakespeare.lmsh", "--verify"], environment: [:])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("(1 restored from checkpoints)") && r.stdout.contains("verify: every output matches the recording"), "\(r.stdout)")
    }

    /// The fenced ```lmsh blocks of README.md, in order.
    static var readmeBlocks: [String] {
        guard let text = try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8) else { return [] }
        var blocks: [String] = [], current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```lmsh" {
                current = []
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append((current ?? []).joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current?.append(String(line))
            }
        }
        return blocks
    }

    @Test func theReadmeHasRunnableBlocks() {
        #expect(Self.readmeBlocks.count >= 3, "README.md should show lmsh blocks")
    }

    /// Each block runs as a script (training capped at a few steps with LMSH_STEP_CAP) and must finish
    /// without an error: the README never shows a command that does not work.
    @Test("README block runs", arguments: Array(readmeBlocks.indices))
    func readmeBlock(_ index: Int) throws {
        let block = Self.readmeBlocks[index]
        let missing = Self.missingCorpora(block)
        if !missing.isEmpty {
            print("skipping README block \(index + 1): \(missing.joined(separator: ", ")) not found (make data links ../shared/data)")
            return
        }
        let dir = try Self.scratchFolder("readme-\(index)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("block.lmsh")
        try block.write(to: file, atomically: true, encoding: .utf8)
        let r = try Self.run([file.path], cwd: dir, environment: ["LMSH_STEP_CAP": "3", "QUICK": "1",
                                                        "LMSH_SESSIONS": dir.appendingPathComponent("sessions").path])
        #expect(r.status == 0 && !r.stderr.contains("error"), "README block \(index + 1) failed:\n\(block)\n--- stderr\n\(r.stderr)")
    }

    // MARK: - Figures quoted from the examples

    /// README's ```text blocks whose first line is `# from examples/NAME.lmsh (QUICK=1)`: output quoted from an
    /// example's quick run, as (example, quoted lines).
    static var readmeQuotes: [(String, [String])] {
        guard let text = try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8) else { return [] }
        var quotes: [(String, [String])] = [], current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```text" {
                current = []
            } else if let lines = current, line.trimmingCharacters(in: .whitespaces) == "```" {
                if let head = lines.first, head.hasPrefix("# from examples/"), let end = head.range(of: ".lmsh") {
                    let name = String(head[head.index(head.startIndex, offsetBy: "# from examples/".count)..<end.lowerBound])
                    quotes.append((name, Array(lines.dropFirst()).filter { !$0.isEmpty }))
                }
                current = nil
            } else if current != nil {
                current?.append(line)
            }
        }
        return quotes
    }

    /// A figure the README quotes from an example is a line of that example's recorded quick run, so when a
    /// re-recording changes it, this fails until the README says the same.
    @Test func theReadmeQuotesTheExamplesAsTheyRun() throws {
        let quotes = Self.readmeQuotes
        #expect(quotes.count >= 2, "README.md should quote example output in ```text blocks headed # from examples/NAME.lmsh (QUICK=1)")
        for (name, lines) in quotes {
            let transcript = try String(contentsOf: Self.recorded.appendingPathComponent(name + ".out"), encoding: .utf8)
            let recordedLines = Set(transcript.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            #expect(!lines.isEmpty, "README quotes nothing from \(name)")
            for line in lines {
                #expect(recordedLines.contains(line), "README quotes a line that \(name)'s quick run does not print (re-recorded since?):\n\(line)")
            }
        }
    }

    // MARK: - The verbs table

    /// README's table of verbs, made from the builtins themselves: usage, summary and the line of the
    /// verb's (tested) example that uses it. `LMSH_RECORD=1` writes it into README.md.
    static var verbsTable: String {
        let groups: [(String, [Builtin])] = [
            ("tensors", Builtins.tensorBuiltins), ("autodiff", Builtins.autodiffBuiltins),
            ("training by hand", Builtins.optimizerBuiltins + Builtins.batchBuiltins),
            ("models", Builtins.modelBuiltins + Builtins.recurrentBuiltins), ("inspection", Builtins.inspectBuiltins + Builtins.stateBuiltins),
            ("pictures", Builtins.pictureBuiltins), ("utilities", Builtins.utilityBuiltins), ("words", Builtins.wordBuiltins + Builtins.headBuiltins),
            ("attention", Builtins.attentionBuiltins + Builtins.transformerBuiltins),
        ]
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| group | verb | what it does | example |", "|---|---|---|---|"]
        for (group, builtins) in groups {
            for (k, b) in builtins.enumerated() {
                let exampleLines = b.example.split(separator: "\n").map(String.init)
                let uses = exampleLines.first { line in
                    line.hasPrefix(b.name + " ") || line.hasPrefix(b.name + "(") || line.contains("= \(b.name) ")
                        || line.contains("= \(b.name)(") || line.contains("(\(b.name)(") || line.contains(".\(b.name)(")
                } ?? exampleLines.last ?? ""
                lines.append("| \(k == 0 ? group : "") | `\(b.name)` | \(cell(b.summary)) | `\(cell(uses))` |")
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func theReadmeListsEveryVerb() throws {
        let url = Self.root.appendingPathComponent("README.md")
        var readme = try String(contentsOf: url, encoding: .utf8)
        let begin = "<!-- verbs:begin (made by ExampleTests from the builtins; LMSH_RECORD=1 rewrites it) -->\n", end = "\n<!-- verbs:end -->"
        let start = try #require(readme.range(of: begin), "README.md has no verbs table markers")
        let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex))
        if ProcessInfo.processInfo.environment["LMSH_RECORD"] == "1" {
            readme.replaceSubrange(start.upperBound..<stop.lowerBound, with: Self.verbsTable)
            try readme.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(String(readme[start.upperBound..<stop.lowerBound]) == Self.verbsTable, "README's verbs table is stale: run LMSH_RECORD=1 swift test --filter theReadmeListsEveryVerb")
        #expect(Builtins.table.count == Self.verbsTable.split(separator: "\n").count - 2, "every builtin is in exactly one group")
    }
}
