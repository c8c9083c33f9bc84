import Foundation
import LMShell

/// Runs text nobody vouches for (fuzzer bytes, mutated scripts) as cells of a fresh interpreter with
/// tight limits, and reports every way the shell broke its promise: an error that is not a `ShellError`,
/// or one without a position inside the cell, or a message that is not one line. (A trap is not reported:
/// it stops the process, which is how the fuzzer and the tests see it.)
///
/// The folder holds a small corpus under the names the examples use (`input.txt`,
/// `data/tinyshakespeare.txt`, …), so mutated scripts reach models, training and sampling; cells may
/// not name files outside it.
public struct HostileInput {
    public let directory: URL
    public var limits = Limits.tight
    /// Wall-clock time one cell may take before `shouldStop` stops its training, sampling or evaluation.
    public var secondsPerCell = 0.5
    /// Cells run per input at most.
    public var maxCells = 64

    /// Corpus files made in the folder: every path the examples and transcripts load.
    public static let corpusNames = ["input.txt", "text.txt", "data/tinyshakespeare.txt", "data/linux.txt", "corpus.txt"]

    /// A small text with enough variety for models, n-grams and splits.
    public static let corpusText = String(repeating: "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n", count: 6)

    /// Makes `directory` with the corpus files.
    public init(directory: URL) throws {
        self.directory = directory
        for name in Self.corpusNames {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                try Data(Self.corpusText.utf8).write(to: url)
            }
        }
    }

    /// Writes the corpus files again where a cell replaced them (`save m "input.txt"`), so every input
    /// starts from the same folder.
    func refreshCorpus() {
        let size = Self.corpusText.utf8.count
        for name in Self.corpusNames {
            let url = directory.appendingPathComponent(name)
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            if (attributes?[.size] as? Int) != size || (attributes?[.type] as? FileAttributeType) != .typeRegular {
                try? FileManager.default.removeItem(at: url)
                try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try? Data(Self.corpusText.utf8).write(to: url)
            }
        }
    }

    /// The outcome of one input.
    public struct Outcome: Sendable {
        public var cells = 0
        public var errors = 0
        /// Broken promises, one line each (empty when the shell behaved).
        public var violations: [String] = []
    }

    /// Splits `source` into cells (as a script is) and runs them in one fresh interpreter; with
    /// `asOneCell` the whole text is one cell (as the REPL would get it pasted with its newlines).
    public func run(_ source: String, asOneCell: Bool = false) -> Outcome {
        refreshCorpus()
        let interpreter = Interpreter(baseDirectory: directory)
        interpreter.configuration.limits = limits
        interpreter.configuration.confinePaths = true
        interpreter.configuration.environment = [:]
        interpreter.output = { _ in }
        var deadline = Date.distantFuture
        interpreter.shouldStop = { Date() > deadline }
        var outcome = Outcome()
        let cells = asOneCell ? [source] : CellSplitter.cells(source).prefix(maxCells).map(\.text)
        for cell in cells {
            outcome.cells += 1
            deadline = Date().addingTimeInterval(secondsPerCell)
            do {
                _ = try interpreter.run(cell)
            } catch let e as ShellError {
                outcome.errors += 1
                if let problem = Self.problem(with: e, in: cell) {
                    outcome.violations.append("\(problem): \(e) in cell \(Self.quote(cell))")
                }
            } catch {
                outcome.violations.append("not a ShellError: \(type(of: error)) \(error) in cell \(Self.quote(cell))")
            }
        }
        return outcome
    }

    /// What is wrong with an error for `cell`, or nil: it must have a position inside the cell (a line of
    /// the cell, a column at most one past the line's end), and a one-line message and hint.
    public static func problem(with e: ShellError, in cell: String) -> String? {
        guard let loc = e.location else { return "no position" }
        let lines = cell.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard loc.line >= 1, loc.line <= lines.count else { return "line \(loc.line) outside the cell's \(lines.count) lines" }
        let width = lines[loc.line - 1].count
        guard loc.column >= 1, loc.column <= width + 1 else {
            return "column \(loc.column) outside line \(loc.line) (\(width) characters)"
        }
        if e.message.isEmpty { return "empty message" }
        if e.message.contains("\n") || (e.hint?.contains("\n") ?? false) { return "message of more than one line" }
        return nil
    }

    static func quote(_ s: String) -> String {
        let short = s.unicodeScalars.count > 200 ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(200))) + "…" : s
        return short.debugDescription
    }
}
