@preconcurrency import CEditLine
import Foundation
import Glibc
import LMCore
import LMShell

/// Completion state for libedit's C callbacks, which cannot capture anything.
nonisolated(unsafe) var completionCandidates: [String] = []

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
            print(Frontend.banner)
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
            completionContext = text.isEmpty ? "" : text + "\n"
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

    /// Three things to try, shown when the REPL starts.
    static let banner = """
        Three things to try:
          :load examples/01-backprop.lmsh       the lecture's backpropagation slide, cell by cell
          :replay sessions/shakespeare.lmsh     char-rnn's LSTM trained on Tiny Shakespeare (make data first)
          sample m 300 temp=0.8 prime="JULIET:" then write with it; gradflow m "To be, or not to be" shows its gradients
        """

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
        var ok = true
        return meta(line, ok: &ok)
    }

    /// Meta commands; false means leave. `ok` becomes false when a meta command that runs a cell fails
    /// (`:profile` under `-c` and in scripts sets the exit status as the cell would); `source` and `line`
    /// place its errors.
    func meta(_ line: String, ok: inout Bool, source: String = "<stdin>", at lineNumber: Int = 1) -> Bool {
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
        case ":export":
            // The session so far as a static HTML notebook (cells, outputs, coloured pictures).
            guard let recorder else {
                printError("this session is not being recorded")
                return true
            }
            guard arg.hasSuffix(".html"), arg.count > 5 else {
                printError("usage: :export NAME.html")
                return true
            }
            do {
                let url = URL(fileURLWithPath: arg)
                try Files.writeExport(recorder.record.notebookHTML(title: url.deletingPathExtension().lastPathComponent), to: url)
                print("wrote \(url.path)")
            } catch let e as ShellError {
                printError("error: \(e.message)" + (e.hint.map { " (hint: \($0))" } ?? ""))
            } catch {
                printError("error: cannot write \(arg): \(error.localizedDescription)")
            }
        case ":reset":
            interpreter.variables = [:]
            print("variables cleared")
        case ":load":
            _ = try? runScript(path: arg, keepGoing: false)
        case ":trust":
            // Cells from this file (as it is now) may read and write anywhere, here and in later sessions.
            do {
                let digest = try TrustStore().trust(URL(fileURLWithPath: arg))
                print("trusted \(arg) (sha256 \(digest.prefix(16))…); a changed file is not trusted")
            } catch {
                printError("error: cannot trust \(arg): \(error.localizedDescription)")
            }
        case ":replay":
            // Restores a saved session into this one (its trained models from their checkpoints).
            _ = replay(path: arg, retrain: false, verify: false)
        case ":time":
            for line in interpreter.timeReport(of: arg, running: { runCell(arg, source: "<stdin>", line: 1) }) { print(line) }
        case ":profile":
            // The verb's spelling, so the table, the record and the errors are `profile train`'s.
            guard !arg.isEmpty else {
                printError("usage: :profile m text steps=20, or :profile train m text steps=20 (the same as profile train m text steps=20)")
                ok = false
                return true
            }
            // `:profile train m text` (a train cell, as `:time CELL` takes one) and `:profile m text` mean the same.
            let cell = arg.hasPrefix("train ") ? "profile " + arg : "profile train " + arg
            ok = runCell(cell, source: source, line: lineNumber)
        case ":history":
            for (i, cell) in readHistory().suffix(50).enumerated() { print("\(i + 1): \(cell)") }
        default:
            printError("unknown command \(parts[0]) (try :help, :vars, :history, :time, :profile M TEXT, :save NAME, :export NAME.html, :reset, :load FILE, :replay FILE, :trust FILE, :quit)")
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

    // MARK: - History (our own plain-text file, one cell per line: `HistoryFile`)

    /// `$LMSH_HISTORY`, else `~/.lmsh_history` with `~` from `$HOME` (nil: no home, no history).
    var history: HistoryFile? {
        HistoryFile.defaultURL().map(HistoryFile.init(url:))
    }

    func readHistory() -> [String] {
        history?.read() ?? []
    }

    func loadHistory() {
        for cell in readHistory().suffix(1000) { add_history(cell) }
    }

    func appendHistory(_ cell: String) {
        try? history?.append(cell)
    }

    // MARK: - Completion

    /// Tab completion through libedit's readline-compatible API; the logic is `Completion.candidates`.
    func setUpCompletion() {
        completionInterpreter = interpreter
        // libedit splits words at rl_basic_word_break_characters (not rl_completer_word_break_characters).
        // Breaking at '.', '/' and operators keeps the list shown on a second Tab short (`shape`, not `a.shape`);
        // `completionMatches` maps our candidates onto whatever word libedit chose.
        rl_basic_word_break_characters = UnsafePointer(strdup(" \t\n\"'`@$><=;|&{}()[],+-*/%.:!^~#"))
        rl_attempted_completion_function = { text, start, end in
            rl_attempted_completion_over = 1  // no fallback to libedit's own file-name completion
            rl_completion_append_character = 0
            completionCandidates = completionMatches(word: text.map { String(cString: $0) } ?? "",
                                                     start: Int(start), end: Int(end))
            guard !completionCandidates.isEmpty else { return nil }
            return rl_completion_matches(text) { _, state in
                guard Int(state) < completionCandidates.count else { return nil }
                return strdup(completionCandidates[Int(state)])
            }
        }
    }
}

/// The interpreter whose names and values completion looks at.
nonisolated(unsafe) var completionInterpreter: Interpreter?
/// Earlier lines of the cell being typed (ending with a newline), so that a continuation line completes in
/// context (keywords of a call opened on a previous line).
nonisolated(unsafe) var completionContext = ""

/// Candidates for libedit's word (`word`, from wide-character offset `start` to the cursor at `end`): each
/// replaces the word, so our candidates (which replace from `Completion`'s own start) are re-based on it.
func completionMatches(word: String, start: Int, end: Int) -> [String] {
    guard let interpreter = completionInterpreter, let buffer = rl_line_buffer else { return [] }
    let whole = Array(String(cString: buffer).unicodeScalars)
    let line = Array(whole.prefix(end))
    let cursor = line.count
    let wordStart = max(0, min(start, cursor))
    let context = Array(completionContext.unicodeScalars)
    let full = String(String.UnicodeScalarView(context + line))
    let result = Completion.candidates(line: full, cursor: context.count + cursor, interpreter: interpreter)
    let ours = result.start - context.count
    guard ours >= 0, ours <= cursor else { return [] }
    // A file completed inside a string gets its closing quote (unless one follows already).
    if result.candidates.count == 1, ours > 0, line[ours - 1] == "\"", !result.candidates[0].hasSuffix("/"),
       cursor >= whole.count || whole[cursor] != "\"" {
        rl_completion_append_character = 34  // '"'
    }
    if wordStart <= ours {
        let head = String(String.UnicodeScalarView(line[wordStart..<ours]))
        return result.candidates.map { head + $0 }
    }
    // libedit's word starts after ours: keep the candidates that begin with the text in between, minus it.
    let between = String(String.UnicodeScalarView(line[ours..<wordStart]))
    return result.candidates.compactMap { c in
        c.hasPrefix(between) ? String(String.UnicodeScalarView(c.unicodeScalars.dropFirst(between.unicodeScalars.count))) : nil
    }
}
