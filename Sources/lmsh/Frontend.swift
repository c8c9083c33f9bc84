import Foundation
import Glibc
import LMCore
import LMModels
import LMShell

/// Set by the SIGINT handler, read between training steps and at the prompt.
nonisolated(unsafe) var interruptFlag: sig_atomic_t = 0

/// The terminal side of lmsh: runs cells through an `Interpreter`, prints values and errors,
/// draws progress, and owns the REPL loop.
final class Frontend {
    let interpreter = Interpreter()
    let stdoutIsTerminal = isatty(1) != 0
    var lastProgressLine = Date.distantPast
    /// Records the cells of an interactive session (autosave, `:save`); nil for scripts.
    var recorder: SessionRecorder?

    init() {
        installInterruptHandler()
        interpreter.write = { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        interpreter.shouldStop = { interruptFlag != 0 }
        interpreter.progress = { [unowned self] p in self.drawProgress(p) }
    }

    /// Ctrl-C interrupts the running command (or clears the prompt line), never the shell.
    func installInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptFlag = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: readline returns, so the flag is seen
        sigaction(SIGINT, &action, nil)
    }

    /// Runs one cell; prints its value or its error. Returns false on error. In an interactive
    /// session the cell goes through the recorder, which autosaves it with its output.
    @discardableResult
    func runCell(_ cell: String, number: Int? = nil, source: String, line: Int) -> Bool {
        interruptFlag = 0
        var value: Value?
        var failure: ShellError?
        if let recorder {
            let outcome = recorder.run(cell) { FileHandle.standardOutput.write(Data($0.utf8)) }
            value = outcome.value
            failure = outcome.error
        } else {
            do {
                value = try interpreter.run(cell).value
            } catch let e as ShellError {
                failure = e
            } catch {
                failure = ShellError("\(error)")
            }
        }
        finishProgress()
        if let failure {
            printError(Frontend.render(failure, cell: cell, source: source, firstLine: line))
            return false
        }
        if let v = value {
            emit((number.map { "Out[\($0)]: " } ?? "") + v.display + "\n")
        }
        return true
    }

    /// An error as one line with its position (`file:line:column:` in scripts), then the offending
    /// line and a caret under the column.
    static func render(_ e: ShellError, cell: String, source: String, firstLine: Int) -> String {
        guard source != "<stdin>", let loc = e.location else { return e.render(source: cell) }
        var plain = e
        plain.location = nil
        let lines = cell.split(separator: "\n", omittingEmptySubsequences: false)
        let text = loc.line >= 1 && loc.line <= lines.count ? String(lines[loc.line - 1]) : ""
        let head = "\(source):\(firstLine + loc.line - 1):\(loc.column): \(plain.description)"
        return head + "\n  \(text)\n  " + String(repeating: " ", count: Swift.max(0, loc.column - 1)) + "^"
    }

    /// Everything lmsh prints goes through write(2) (never stdio's buffer), so values, streamed
    /// samples and progress stay in order when stdout is a pipe or a file.
    func emit(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    func printError(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    func runCells(_ cells: [(String, Int)], source: String, keepGoing: Bool) -> Bool {
        var ok = true
        for (cell, line) in cells {
            if !runCell(cell, source: source, line: line) {
                ok = false
                if !keepGoing { return false }
            }
        }
        return ok
    }

    func runScript(path: String, keepGoing: Bool) throws -> Bool {
        let url = URL(fileURLWithPath: path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            printError("lmsh: cannot read \(path) as UTF-8 text")
            return false
        }
        interpreter.baseDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return runCells(CellSplitter.cells(text).map { ($0.text, $0.line) }, source: path, keepGoing: keepGoing)
    }

    /// `-c 'a = 1; a + 1'`: cells separated by ';' outside strings and brackets.
    static func splitCommandLine(_ s: String) -> [String] {
        var cells: [String] = [], cur = "", depth = 0, inString = false, escaped = false
        for ch in s {
            if inString {
                cur.append(ch)
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                continue
            }
            switch ch {
            case "\"": inString = true; cur.append(ch)
            case "(", "[": depth += 1; cur.append(ch)
            case ")", "]": depth -= 1; cur.append(ch)
            case ";" where depth <= 0: cells.append(cur); cur = ""
            default: cur.append(ch)
            }
        }
        cells.append(cur)
        return cells.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    // MARK: - Progress

    func drawProgress(_ p: TrainProgress) {
        let val = p.valLoss.map { String(format: "  val %.4f", $0) } ?? ""
        let line = String(format: "step %d (%d/%d)  epoch %.2f  loss %.4f%@  grad %.3g  %.0f chars/s  ETA %@",
                          p.step, p.done, p.totalSteps, p.epoch, p.trainLoss, val, p.gradNorm, p.charsPerSecond,
                          Frontend.duration(p.etaSeconds))
        if stdoutIsTerminal {
            let width = 24
            let done = p.totalSteps > 0 ? Swift.min(width, width * p.done / p.totalSteps) : width
            let bar = String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
            FileHandle.standardOutput.write(Data("\r\u{1B}[2K[\(bar)] \(line)".utf8))
            progressShown = true
        } else if p.valLoss != nil || Date().timeIntervalSince(lastProgressLine) > 5 {
            emit(line + "\n")
            lastProgressLine = Date()
        }
    }

    var progressShown = false

    func finishProgress() {
        if progressShown {
            FileHandle.standardOutput.write(Data("\n".utf8))
            progressShown = false
        }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : (t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s")
    }
}
