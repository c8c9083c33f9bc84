import Foundation
import Glibc
import LMCore
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
        interpreter.output = { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        interpreter.shouldStop = { interruptFlag != 0 }
        interpreter.progress = { [unowned self] p in self.drawProgress(p) }
        // Pictures: colour only on a terminal without NO_COLOR; as wide as the terminal (`$COLUMNS` otherwise).
        interpreter.configurePictures(environment: ProcessInfo.processInfo.environment, outputIsTerminal: stdoutIsTerminal,
                                      columns: stdoutIsTerminal ? Frontend.terminalColumns()
                                          : ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) })
    }

    /// Ctrl-C interrupts the running command (or clears the prompt line), never the shell.
    func installInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptFlag = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: readline returns, so the flag is seen
        sigaction(SIGINT, &action, nil)
        // A parent may have left SIGINT blocked (a child inherits the mask): Ctrl-C would then do nothing.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigprocmask(SIG_UNBLOCK, &mask, nil)
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

    /// The meta-commands a file may run: those that only read the session or run a cell under the file's own
    /// trust rule. The others (:trust, :export, :save, :load, :replay, :history) stay with the user.
    static let scriptMetaCommands: Set<String> = [":vars", ":help", ":time", ":profile", ":reset", ":quit", ":q", ":exit"]

    /// A script's cells; a cell that starts with ':' is a meta-command (`:profile m text`), as at the prompt.
    func runCells(_ cells: [(String, Int)], source: String, keepGoing: Bool) -> Bool {
        var ok = true
        for (cell, line) in cells {
            let trimmed = cell.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix(":") {
                let command = String(trimmed.prefix { $0 != " " })
                if !Frontend.scriptMetaCommands.contains(command) {
                    // :trust, :export, :save, :load and :replay write or widen access outside the trust rule.
                    printError("\(source):\(line):1: error: \(command) works only at the prompt or under -c, not in a file"
                               + " (hint: a file may use \(Frontend.scriptMetaCommands.sorted().joined(separator: " ")))")
                    ok = false
                    if !keepGoing { return false }
                    continue
                }
                var metaOK = true
                if !meta(trimmed, ok: &metaOK, source: source, at: line) { return ok }
                if !metaOK {
                    ok = false
                    if !keepGoing { return false }
                }
                continue
            }
            if !runCell(cell, source: source, line: line) {
                ok = false
                if !keepGoing { return false }
            }
        }
        return ok
    }

    /// Runs a script's cells; with `saveAs`, records them like an interactive session and saves the
    /// session as `sessions/NAME.lmsh` with its checkpoints (how the shipped sessions are made).
    func runScript(path: String, keepGoing: Bool, saveAs: String? = nil, trust: Bool = false) throws -> Bool {
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            printError("lmsh: no such file: \(path)")
            return false
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            printError("lmsh: cannot read \(path) as UTF-8 text")
            return false
        }
        interpreter.configuration.baseDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        // The trust rule: cells from a file stay inside this folder's tree and the file's folder.
        let typed = interpreter.configuration.fileAccess
        interpreter.configuration.fileAccess = access(for: url, trust: trust)
        defer { interpreter.configuration.fileAccess = typed }
        if let name = saveAs {
            recorder = try SessionRecorder(interpreter: interpreter, sessionsFolder: Frontend.sessionsFolder, name: name)
        }
        let ok = runCells(CellSplitter.cells(text).map { ($0.text, $0.line) }, source: path, keepGoing: keepGoing)
        if let name = saveAs, let recorder {
            guard ok else {
                printError("lmsh: not saving session \(name): a cell failed")
                return false
            }
            let saved = try recorder.save(name: name, in: Frontend.sessionsFolder)
            emit("saved session \(saved.path)\n")
        }
        return ok
    }

    /// What cells from the file at `url` may touch: anywhere when the user trusts it (`--trust`, or its content
    /// is in the trust store), else the current folder's tree and the file's folder.
    func access(for url: URL, trust: Bool) -> FileAccess {
        if trust || TrustStore().trusts(url) { return .anywhere }
        return .cells(from: url, currentFolder: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    /// `-c`: cells separated by newlines, as in a script (a cell goes on while a bracket is open), or by ';';
    /// a line that starts with ':' is a meta-command (`:vars`, `:time …`), as at the prompt.
    func runCommandLine(_ command: String, keepGoing: Bool) -> Bool {
        var ok = true
        for piece in CellSplitter.cells(command) {
            for cell in Frontend.splitCommandLine(piece.text) {
                let trimmed = cell.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(":") {
                    var metaOK = true
                    if !meta(trimmed, ok: &metaOK, source: "-c", at: piece.line) { return ok }
                    if !metaOK {
                        ok = false
                        if !keepGoing { return false }
                    }
                } else if !runCell(cell, source: "-c", line: piece.line) {
                    ok = false
                    if !keepGoing { return false }
                }
            }
        }
        return ok
    }

    /// `-c 'a = 1; a + 1'`: cells separated by ';' outside strings, brackets and braces (a `{ a; b }` block
    /// is one cell).
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
            case "(", "[", "{": depth += 1; cur.append(ch)
            case ")", "]", "}": depth -= 1; cur.append(ch)
            case ";" where depth <= 0: cells.append(cur); cur = ""
            default: cur.append(ch)
            }
        }
        cells.append(cur)
        return cells.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    // MARK: - Progress

    func drawProgress(_ p: Interpreter.Progress) {
        let val = p.valLoss.map { String(format: "  val %.4f", $0) } ?? ""
        let line = String(format: "step %d %@  epoch %.2f  loss %.4f%@  grad %.3g  %.0f chars/s  ETA %@",
                          p.step, Frontend.runShare(p), p.epoch, p.trainLoss, val, p.gradNorm, p.charsPerSecond,
                          Frontend.duration(p.etaSeconds)) + Frontend.stopNote(p)
        if stdoutIsTerminal {
            // At most 20 redraws a second (every step of a small model would be thousands), but always the
            // last step and evaluations.
            let now = Date()
            if progressShown && now.timeIntervalSince(lastProgressDraw) < 0.05 && p.stop == nil && p.valLoss == nil {
                return
            }
            lastProgressDraw = now
            let width = 24
            let done = Swift.min(width, Int((Double(width) * p.fractionDone).rounded(.down)))
            let bar = String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
            FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(Frontend.fitted(p, bar: bar, columns: Frontend.terminalColumns()))".utf8))
            progressShown = true
        } else if p.valLoss != nil || p.stop != nil || Date().timeIntervalSince(lastProgressLine) > 5 {
            // Not a terminal: progress goes to stderr, so stdout holds only results and a script's
            // output can be compared with a recorded transcript.
            FileHandle.standardError.write(Data((line + "\n").utf8))
            lastProgressLine = Date()
        }
    }

    var progressShown = false
    var lastProgressDraw = Date.distantPast

    /// The progress line in fewer than `columns` characters: a line that wraps cannot be redrawn with '\r'
    /// and would leave a copy of itself per step. Drops the least useful fields first, then the bar.
    static func fitted(_ p: Interpreter.Progress, bar: String, columns: Int) -> String {
        var fields: [(text: String, keep: Int)] = [
            ("step \(p.step)", 9), (runShare(p), 3), (String(format: "epoch %.2f", p.epoch), 4),
            (String(format: "loss %.4f", p.trainLoss), 8),
        ]
        if let v = p.valLoss { fields.append((String(format: "val %.4f", v), 7)) }
        fields += [(String(format: "grad %.3g", p.gradNorm), 2), (String(format: "%.0f chars/s", p.charsPerSecond), 1),
                   ("ETA " + duration(p.etaSeconds), 6)]
        if p.stop != nil { fields.append((stopNote(p).trimmingCharacters(in: .whitespaces), 10)) }
        var withBar = true
        func text() -> String {
            (withBar ? "[\(bar)] " : "")
                + fields.enumerated().map { ($0.offset == 0 ? "" : $0.element.text.hasPrefix("(") ? " " : "  ") + $0.element.text }.joined()
        }
        while text().count >= columns {
            if let drop = fields.indices.filter({ fields[$0].keep < 5 }).min(by: { fields[$0].keep < fields[$1].keep }) {
                fields.remove(at: drop)
            } else if withBar {
                withBar = false
            } else {
                return String(text().prefix(Swift.max(0, columns - 1)))
            }
        }
        return text()
    }

    /// Width of the terminal on stdout (80 when unknown).
    static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    func finishProgress() {
        if progressShown {
            FileHandle.standardOutput.write(Data("\n".utf8))
            progressShown = false
        }
    }

    /// "(done/total)" for a run of steps; "(done steps, 1m05s/2m0s)" for one with a time budget.
    static func runShare(_ p: Interpreter.Progress) -> String {
        guard let b = p.budgetSeconds else { return "(\(p.done)/\(p.totalSteps))" }
        return "(\(p.done) steps, \(duration(p.elapsedSeconds))/\(duration(b)))"
    }

    /// On a run's last step: why it stops there.
    static func stopNote(_ p: Interpreter.Progress) -> String {
        p.stop.map { "  stopped: \($0.phrase)" } ?? ""
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : (t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s")
    }
}
