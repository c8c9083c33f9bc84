@preconcurrency import CEditLine
import Foundation
import Glibc
import LMCore
import LMShell

/// Completion state for libedit's C callbacks, which cannot capture anything.
nonisolated(unsafe) var completionCandidates: [String] = []
nonisolated(unsafe) var completionSource: (() -> [String])?

extension Frontend {
    /// The interactive loop: libedit when both ends are terminals, plain lines otherwise (so that
    /// `lmsh < script.lmsh` and pipes work).
    func interactive() {
        let editing = isatty(0) != 0 && isatty(1) != 0
        configureLocale()
        do {
            recorder = try SessionRecorder(interpreter: interpreter, sessionsFolder: Frontend.sessionsFolder)
        } catch {
            printError("warning: no autosave (\(error))")
        }
        if editing {
            print("lmsh \(LMVersion.string): a shell for learning neural language models. :help lists the verbs, :quit leaves.")
            print("try:  a = randn(3, 4, seed=1, grad=true)   ·   text = corpus(\"data/tinyshakespeare.txt\")   ·   m = lstm(text)")
            setUpCompletion()
            loadHistory()
        }
        var number = 1
        while let cell = readCell(editing: editing, number: number) {
            let trimmed = cell.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            if editing {
                add_history(cell)
                appendHistory(cell)
            }
            if trimmed.hasPrefix(":") {
                if !meta(trimmed) { return }
                continue
            }
            runCell(cell, number: editing ? number : nil, source: "<stdin>", line: 1)
            number += 1
        }
    }

    /// A whole cell: continues while brackets are open or the line ends with '\'.
    func readCell(editing: Bool, number: Int) -> String? {
        var text = ""
        while true {
            guard let line = readLine(editing: editing, prompt: text.isEmpty ? "In [\(number)]: " : "   ...: ") else {
                return text.isEmpty ? nil : text
            }
            if line == "\u{3}" {  // Ctrl-C at the prompt: drop the cell
                text = ""
                continue
            }
            text += text.isEmpty ? line : "\n" + line
            if !CellSplitter.needsContinuation(text) { return text }
        }
    }

    /// One line; nil at end of input. Ctrl-C at the prompt returns "\u{3}".
    func readLine(editing: Bool, prompt: String) -> String? {
        guard editing else { return Swift.readLine() }
        interruptFlag = 0
        guard let raw = readline(prompt) else {
            if interruptFlag != 0 {
                print("")
                return "\u{3}"
            }
            print("")
            return nil
        }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// Meta commands; false means leave.
    func meta(_ line: String) -> Bool {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch parts[0] {
        case ":quit", ":q", ":exit":
            return false
        case ":help":
            print(interpreter.help(arg))
        case ":vars":
            for name in interpreter.variables.keys.sorted() {
                guard let v = interpreter.variables[name] else { continue }
                var shape = ""
                if case .tensor(let t) = v { shape = " " + shapeString(t.shape) }
                print("\(name): \(v.kind)\(shape)")
            }
        case ":save":
            guard let recorder else {
                printError("this session is not being recorded")
                return true
            }
            do {
                let url = try recorder.save(name: arg, in: Frontend.sessionsFolder)
                print("saved \(url.path)")
            } catch {
                printError("error: \(error)")
            }
        case ":reset":
            interpreter.variables = [:]
            print("variables cleared")
        case ":load":
            _ = try? runScript(path: arg, keepGoing: false)
        case ":time":
            let start = Date()
            runCell(arg, source: "<stdin>", line: 1)
            print(String(format: "time: %.3f s", Date().timeIntervalSince(start)))
        case ":history":
            for (i, cell) in readHistory().suffix(50).enumerated() { print("\(i + 1): \(cell)") }
        default:
            printError("unknown command \(parts[0]) (try :help, :vars, :history, :time, :save NAME, :reset, :load FILE, :quit)")
        }
        return true
    }

    /// Swift never calls setlocale, and libedit then drops every non-ASCII byte.
    func configureLocale() {
        setlocale(LC_CTYPE, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
    }

    // MARK: - History (our own plain-text file: one cell per line, newlines as \n)

    var historyURL: URL {
        if let p = ProcessInfo.processInfo.environment["LMSH_HISTORY"] { return URL(fileURLWithPath: p) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".lmsh_history")
    }

    func readHistory() -> [String] {
        guard let text = try? String(contentsOf: historyURL, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map {
            $0.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\\", with: "\\")
        }
    }

    func loadHistory() {
        for cell in readHistory().suffix(1000) { add_history(cell) }
    }

    func appendHistory(_ cell: String) {
        let line = cell.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n") + "\n"
        if let h = try? FileHandle(forWritingTo: historyURL) {
            h.seekToEndOfFile()
            h.write(Data(line.utf8))
            try? h.close()
        } else {
            try? Data(line.utf8).write(to: historyURL)
        }
    }

    // MARK: - Completion

    func setUpCompletion() {
        completionSource = { [unowned self] in
            self.interpreter.knownNames + Interpreter.builtinNames.flatMap { Interpreter.keywords(of: $0).map { $0 + "=" } }
        }
        rl_attempted_completion_function = { text, _, _ in
            let prefix = text.map { String(cString: $0) } ?? ""
            // After a dot, complete members of the value before it.
            completionCandidates = (completionSource?() ?? []).filter { $0.hasPrefix(prefix) }.sorted()
            return rl_completion_matches(text) { _, state in
                guard Int(state) < completionCandidates.count else { return nil }
                return strdup(completionCandidates[Int(state)])
            }
        }
    }
}
